//! Turning a [`Mail`] into an RFC 5322 message.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as Part, Mailbox, MultiPart};
use uuid::Uuid;

use crate::Mail;
use crate::settings::Sender;

/// Why a mail cannot become a message; retrying does not help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) String);

/// The message for outbox row `id`: plain text and HTML as `multipart/alternative`, inside
/// `multipart/mixed` with one part per attachment when there are any. The message id is
/// derived from the row id, so a retried mail keeps its id and receivers can spot a repeat.
pub(crate) fn build(id: Uuid, from: &Sender, mail: &Mail) -> Result<Message, Malformed> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| Malformed("the recipient is not a valid address".into()))?;
    let builder = Message::builder()
        .from(from.mailbox().clone())
        .to(to)
        .subject(mail.subject.as_str())
        .message_id(Some(format!("<{}@{}>", id.simple(), from.domain())));
    let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    let body = if mail.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for attachment in &mail.attachments {
            let content_type = ContentType::parse(&attachment.content_type).map_err(|_| {
                Malformed(format!(
                    "attachment {:?} has an invalid content type",
                    attachment.filename
                ))
            })?;
            mixed = mixed.singlepart(
                Part::new(attachment.filename.clone())
                    .body(attachment.content.clone(), content_type),
            );
        }
        mixed
    };
    builder
        .multipart(body)
        .map_err(|e| Malformed(format!("the message cannot be built: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Attachment;
    use mail_parser::{MessageParser, MimeHeaders, PartType};

    fn mail() -> Mail {
        Mail {
            to: "erika@example.org".into(),
            subject: "Bestätigung für Jürgen Öztürk – Größe".into(),
            text: "Grüße aus Gießen: äöüß ÄÖÜ €\n".into(),
            html: "<p>Grüße aus Gießen: äöüß ÄÖÜ €</p>".into(),
            attachments: Vec::new(),
        }
    }

    fn parse(message: &Message) -> mail_parser::Message<'static> {
        MessageParser::default()
            .parse(message.formatted().as_slice())
            .expect("parses")
            .into_owned()
    }

    #[test]
    fn plain_and_html_are_alternatives_and_umlauts_survive() {
        let id = Uuid::now_v7();
        let message = build(id, &Sender::default(), &mail()).expect("builds");
        let raw = String::from_utf8(message.formatted()).expect("utf-8");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(!raw.contains("multipart/mixed"), "{raw}");
        assert!(
            raw.contains(&format!("<{}@example.org>", id.simple())),
            "{raw}"
        );

        let parsed = parse(&message);
        assert_eq!(
            parsed.subject(),
            Some("Bestätigung für Jürgen Öztürk – Größe")
        );
        assert_eq!(parsed.text_body.len(), 1);
        assert_eq!(parsed.html_body.len(), 1);
        let text = parsed.body_text(0).expect("text part");
        assert_eq!(text.trim_end(), "Grüße aus Gießen: äöüß ÄÖÜ €");
        let html = parsed.body_html(0).expect("html part");
        assert_eq!(html, "<p>Grüße aus Gießen: äöüß ÄÖÜ €</p>");
        let from = parsed.from().and_then(|a| a.first()).expect("from");
        assert_eq!(from.name(), Some("Akademie für sozialen Zusammenhalt"));
        assert_eq!(from.address(), Some("noreply@example.org"));
    }

    #[test]
    fn attachments_become_separate_parts_of_a_mixed_message() {
        let mut mail = mail();
        mail.attachments.push(Attachment {
            filename: "sprechstunde.ics".into(),
            content_type: "text/calendar; method=REQUEST; charset=utf-8".into(),
            content:
                "BEGIN:VCALENDAR\r\nSUMMARY:Sprechstunde Bürgerbeteiligung\r\nEND:VCALENDAR\r\n"
                    .into(),
        });
        let message = build(Uuid::now_v7(), &Sender::default(), &mail).expect("builds");
        let raw = String::from_utf8(message.formatted()).expect("utf-8");
        assert!(raw.contains("multipart/mixed"), "{raw}");

        let parsed = parse(&message);
        assert_eq!(parsed.attachment_count(), 1);
        let part = parsed.attachment(0).expect("attachment");
        assert_eq!(part.attachment_name(), Some("sprechstunde.ics"));
        let content_type = part.content_type().expect("content type");
        assert_eq!(content_type.ctype(), "text");
        assert_eq!(content_type.subtype(), Some("calendar"));
        let PartType::Text(content) = &part.body else {
            panic!("text attachment, got {:?}", part.body);
        };
        assert!(content.contains("SUMMARY:Sprechstunde Bürgerbeteiligung"));
        assert_eq!(
            parsed.body_text(0).expect("text").trim_end(),
            "Grüße aus Gießen: äöüß ÄÖÜ €"
        );
    }

    #[test]
    fn an_invalid_recipient_or_content_type_is_malformed() {
        let mut bad_recipient = mail();
        bad_recipient.to = "not an address".into();
        assert!(build(Uuid::now_v7(), &Sender::default(), &bad_recipient).is_err());

        let mut bad_type = mail();
        bad_type.attachments.push(Attachment {
            filename: "x".into(),
            content_type: "kein typ".into(),
            content: "x".into(),
        });
        assert!(build(Uuid::now_v7(), &Sender::default(), &bad_type).is_err());
    }
}
