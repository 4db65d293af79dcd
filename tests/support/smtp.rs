//! A small real SMTP server for the tests: plain text on 127.0.0.1, accepts every mail and
//! records it, decoded enough to assert on (recipients, subject, text and HTML bodies,
//! attachments).
//!
//! It speaks EHLO/HELO, MAIL FROM, RCPT TO, DATA (with dot-unstuffing), RSET, NOOP and QUIT
//! — what lettre says without TLS or authentication.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// How long [`SmtpServer::wait_for`] waits.
const WAIT: Duration = Duration::from_secs(10);

/// A mail as the test SMTP server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The decoded `Subject`.
    pub subject: String,
    /// The decoded `text/plain` body part; empty when there is none.
    pub text: String,
    /// The decoded `text/html` body part; empty when there is none.
    pub html: String,
    /// Parts sent as attachments.
    pub attachments: Vec<ReceivedAttachment>,
    /// The message exactly as transmitted, after dot-unstuffing.
    pub raw: String,
    /// Which connection brought the mail, counted from 1 in the order they were opened.
    pub connection: usize,
}

/// One attachment of a [`ReceivedMail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedAttachment {
    /// The file name from `Content-Disposition` or `Content-Type`.
    pub filename: String,
    /// Type and subtype, e.g. `text/calendar`.
    pub content_type: String,
    /// The decoded content (lossy UTF-8 for binary parts).
    pub content: String,
}

/// A running test SMTP server. Clones share the same mailbox; the server stops when the
/// last clone is dropped.
#[derive(Clone)]
pub struct SmtpServer {
    port: u16,
    state: Arc<State>,
    _listener: Arc<StopOnDrop>,
}

#[derive(Default)]
struct State {
    mails: Mutex<Vec<ReceivedMail>>,
    /// Indexes into `mails` already handed out by `wait_for`.
    taken: Mutex<HashSet<usize>>,
    connections: AtomicUsize,
}

struct StopOnDrop(AbortHandle);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SmtpServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the test SMTP server");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(State::default());
        let accepting = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let number = accepting.connections.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(converse(stream, number, Arc::clone(&accepting)));
            }
        });
        Self {
            port,
            state,
            _listener: Arc::new(StopOnDrop(task.abort_handle())),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every mail received so far, in order of arrival.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.state.mails.lock().expect("mailbox").clone()
    }

    /// Connections opened so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// The next mail to `to` not yet returned by an earlier call, waiting up to 10 s for it
    /// to arrive. Panics, listing what did arrive, when none comes.
    pub async fn wait_for(&self, to: &str) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            {
                let mails = self.state.mails.lock().expect("mailbox");
                let mut taken = self.state.taken.lock().expect("taken");
                let next = mails
                    .iter()
                    .enumerate()
                    .find(|(i, mail)| !taken.contains(i) && mail.to.iter().any(|r| r == to));
                if let Some((i, mail)) = next {
                    taken.insert(i);
                    return mail.clone();
                }
            }
            if tokio::time::Instant::now() >= deadline {
                let arrived: Vec<(Vec<String>, String)> = self
                    .received()
                    .into_iter()
                    .map(|m| (m.to, m.subject))
                    .collect();
                panic!("no new mail to {to} within {WAIT:?}; received so far: {arrived:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits up to 10 s until at least `count` mails have arrived and returns all of them;
    /// panics when fewer arrive.
    pub async fn wait_for_count(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let mails = self.received();
            if mails.len() >= count {
                return mails;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "expected {count} mails within {WAIT:?}, got {}",
                    mails.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One SMTP session. Any I/O error simply ends it, as a real server would.
async fn converse(stream: TcpStream, connection: usize, state: Arc<State>) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    if writer
        .write_all(b"220 localhost ESMTP test server\r\n")
        .await
        .is_err()
    {
        return;
    }
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 localhost\r\n",
            "MAIL" => match path_after(&command, "FROM:") {
                Some(sender) => {
                    from = Some(sender);
                    to.clear();
                    b"250 OK\r\n"
                }
                None => b"501 Syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" => match (&from, path_after(&command, "TO:")) {
                (None, _) => b"503 MAIL first\r\n",
                (Some(_), Some(recipient)) => {
                    to.push(recipient);
                    b"250 OK\r\n"
                }
                (Some(_), None) => b"501 Syntax: RCPT TO:<address>\r\n",
            },
            "DATA" => {
                if from.is_none() || to.is_empty() {
                    b"503 RCPT first\r\n"
                } else {
                    if writer
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                    let Some(raw) = read_data(&mut reader).await else {
                        return;
                    };
                    let mail = parse(
                        std::mem::take(&mut to),
                        from.take().unwrap_or_default(),
                        raw,
                        connection,
                    );
                    state.mails.lock().expect("mailbox").push(mail);
                    b"250 OK queued\r\n"
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                let _ = writer.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        if writer.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// The address in `MAIL FROM:<a@b>` / `RCPT TO:<a@b>` (parameters after it ignored).
fn path_after(command: &str, keyword: &str) -> Option<String> {
    let upper = command.to_ascii_uppercase();
    let start = upper.find(keyword)? + keyword.len();
    let rest = command[start..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_owned())
}

/// The message after `DATA`, up to the line with a single dot, lines with a leading dot
/// unstuffed. `None` when the connection ends first.
async fn read_data<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<Vec<u8>> {
    let mut message = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        if line == b".\r\n" || line == b".\n" {
            return Some(message);
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        message.extend_from_slice(unstuffed);
    }
}

fn parse(to: Vec<String>, from: String, raw: Vec<u8>, connection: usize) -> ReceivedMail {
    let mut mail = ReceivedMail {
        to,
        from,
        subject: String::new(),
        text: String::new(),
        html: String::new(),
        attachments: Vec::new(),
        raw: String::from_utf8_lossy(&raw).into_owned(),
        connection,
    };
    let Some(message) = MessageParser::default().parse(raw.as_slice()) else {
        return mail;
    };
    mail.subject = message.subject().unwrap_or_default().to_owned();
    for part in &message.parts {
        let attached = part
            .content_disposition()
            .is_some_and(|d| d.is_attachment());
        let content = match &part.body {
            PartType::Text(text) | PartType::Html(text) => text.to_string(),
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                String::from_utf8_lossy(bytes).into_owned()
            }
            PartType::Message(_) | PartType::Multipart(_) => continue,
        };
        let (ctype, subtype) = part.content_type().map_or(("text", "plain"), |t| {
            (t.ctype(), t.subtype().unwrap_or_default())
        });
        let ctype = ctype.to_ascii_lowercase();
        let subtype = subtype.to_ascii_lowercase();
        if attached {
            mail.attachments.push(ReceivedAttachment {
                filename: part.attachment_name().unwrap_or_default().to_owned(),
                content_type: format!("{ctype}/{subtype}"),
                content,
            });
        } else if (ctype.as_str(), subtype.as_str()) == ("text", "plain") && mail.text.is_empty() {
            mail.text = content;
        } else if (ctype.as_str(), subtype.as_str()) == ("text", "html") && mail.html.is_empty() {
            mail.html = content;
        }
    }
    mail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_from_mail_and_rcpt_commands() {
        assert_eq!(
            path_after("MAIL FROM:<noreply@example.org> BODY=8BITMIME", "FROM:"),
            Some("noreply@example.org".into())
        );
        assert_eq!(
            path_after("rcpt to: <erika@example.org>", "TO:"),
            Some("erika@example.org".into())
        );
        assert_eq!(path_after("RCPT TO:erika@example.org", "TO:"), None);
    }

    #[tokio::test]
    async fn data_ends_at_the_lone_dot_and_leading_dots_are_unstuffed() {
        let data: &[u8] = b"Subject: x\r\n\r\n..hidden dot\r\n.\r\nNOOP\r\n";
        let mut reader = BufReader::new(data);
        let message = read_data(&mut reader).await.expect("complete");
        assert_eq!(message, b"Subject: x\r\n\r\n.hidden dot\r\n");
    }

    #[test]
    fn encoded_subjects_and_bodies_are_decoded() {
        let raw = concat!(
            "Subject: =?utf-8?b?R3LDvMOfZSBhdXMgR2llw59lbg==?=\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n",
            "--m\r\n",
            "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n",
            "--a\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            "Gr=C3=BC=C3=9Fe\r\n",
            "--a\r\n",
            "Content-Type: text/html; charset=utf-8\r\n",
            "Content-Transfer-Encoding: base64\r\n\r\n",
            "PHA+R3LDvMOfZTwvcD4=\r\n",
            "--a--\r\n",
            "--m\r\n",
            "Content-Type: text/calendar; charset=utf-8\r\n",
            "Content-Disposition: attachment; filename=\"termin.ics\"\r\n\r\n",
            "BEGIN:VCALENDAR\r\n",
            "--m--\r\n",
        );
        let mail = parse(
            vec!["erika@example.org".into()],
            "noreply@example.org".into(),
            raw.as_bytes().to_vec(),
            1,
        );
        assert_eq!(mail.subject, "Grüße aus Gießen");
        assert_eq!(mail.text.trim_end(), "Grüße");
        assert_eq!(mail.html, "<p>Grüße</p>");
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].filename, "termin.ics");
        assert_eq!(mail.attachments[0].content_type, "text/calendar");
        assert!(mail.attachments[0].content.starts_with("BEGIN:VCALENDAR"));
    }
}
