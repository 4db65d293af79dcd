//! The certificate as a one-page PDF in German: who completed which course, its hours,
//! the date and the issuing organisation, the verification address and its QR code.
//! Tagged (a structure tree of heading, paragraphs and a figure with its alternative
//! text, document language German, the title shown) so that screen readers read it in
//! order. Text is set in the standard Helvetica with WinAnsi encoding, which covers
//! German; a character beyond it is written as `?`.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use pdf_writer::types::StructRole;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, QrCode};

/// What the certificate says.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    pub recipient: &'a str,
    pub course: &'a str,
    pub hours: f64,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub organisation: &'a str,
    pub issuer: &'a str,
    pub verification_url: &'a str,
    /// Revoked certificates say so on the page.
    pub revoked: bool,
}

/// Windows-1252 bytes of `text` for the standard fonts' WinAnsi encoding.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// Lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn date(at: DateTime<Utc>) -> String {
    at.with_timezone(&Berlin).format("%d.%m.%Y").to_string()
}

fn hours(value: f64) -> String {
    let text = format!("{value:.1}");
    text.trim_end_matches(".0").replace('.', ",")
}

/// The PDF.
pub fn render(certificate: &Certificate<'_>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page = Ref::new(3);
    let content_id = Ref::new(4);
    let regular = Ref::new(5);
    let bold = Ref::new(6);
    let info = Ref::new(7);
    let tree = Ref::new(8);
    let document = Ref::new(9);
    let parents = Ref::new(10);
    let first_element = 11;

    // What is written, in reading order: (role, font, size, lines).
    let mut blocks: Vec<(StructRole, bool, f32, Vec<String>)> = vec![
        (StructRole::H1, true, 28.0, vec!["Zertifikat".into()]),
        (StructRole::P, true, 20.0, wrap(certificate.recipient, 40)),
        (
            StructRole::P,
            false,
            13.0,
            wrap(
                &format!(
                    "hat den Kurs „{}“ erfolgreich abgeschlossen.",
                    certificate.course
                ),
                70,
            ),
        ),
        (
            StructRole::P,
            false,
            12.0,
            vec![format!(
                "Umfang: {} Stunden · abgeschlossen am {}",
                hours(certificate.hours),
                date(certificate.issued_at)
            )],
        ),
        (
            StructRole::P,
            false,
            12.0,
            wrap(
                &format!(
                    "Herausgegeben von {} in der {}.",
                    certificate.organisation, certificate.issuer
                ),
                75,
            ),
        ),
    ];
    if let Some(expires) = certificate.expires_at {
        blocks.push((
            StructRole::P,
            false,
            12.0,
            vec![format!("Gültig bis {}.", date(expires))],
        ));
    }
    if certificate.revoked {
        blocks.push((
            StructRole::P,
            true,
            14.0,
            vec!["Dieses Zertifikat wurde widerrufen.".into()],
        ));
    }
    blocks.push((
        StructRole::P,
        false,
        10.0,
        vec![
            "Echtheit prüfen:".into(),
            certificate.verification_url.to_owned(),
        ],
    ));

    let mut content = Content::new();
    let mut y = 760.0;
    for (mcid, (role, heavy, size, lines)) in blocks.iter().enumerate() {
        content
            .begin_marked_content_with_properties(role.to_name())
            .properties()
            .identify(i32::try_from(mcid).unwrap_or(i32::MAX));
        content.begin_text();
        content.set_font(Name(if *heavy { b"F2" } else { b"F1" }), *size);
        content.next_line(72.0, y);
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                content.next_line(0.0, -size * 1.3);
                y -= size * 1.3;
            }
            content.show(Str(&win_ansi(line)));
        }
        content.end_text();
        content.end_marked_content();
        y -= size * 2.2;
    }
    // The QR code of the verification address, a figure with that address as its text.
    let figure = blocks.len();
    content
        .begin_marked_content_with_properties(StructRole::Figure.to_name())
        .properties()
        .identify(i32::try_from(figure).unwrap_or(i32::MAX));
    if let Ok(code) = QrCode::new(certificate.verification_url.as_bytes()) {
        let width = code.width();
        let module = 3.0;
        let (left, top) = (72.0, y - 10.0);
        content.set_fill_gray(0.0);
        for (i, color) in code.to_colors().into_iter().enumerate() {
            if color == Color::Dark {
                let (row, column) = (i / width, i % width);
                content.rect(
                    left + column as f32 * module,
                    top - (row + 1) as f32 * module,
                    module,
                    module,
                );
            }
        }
        content.fill_nonzero();
    }
    content.end_marked_content();
    let stream = content.finish();

    let mut pdf = Pdf::new();
    {
        let mut c = pdf.catalog(catalog);
        c.pages(pages);
        c.lang(TextStr("de-DE"));
        c.mark_info().marked(true);
        c.viewer_preferences().display_doc_title(true);
        c.pair(Name(b"StructTreeRoot"), tree);
    }
    pdf.pages(pages).kids([page]).count(1);
    {
        let mut p = pdf.page(page);
        p.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
        p.parent(pages);
        p.contents(content_id);
        p.struct_parents(0);
        let mut resources = p.resources();
        resources
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
    }
    pdf.stream(content_id, &stream);
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(&format!("Zertifikat: {}", certificate.course)))
        .author(TextStr(certificate.issuer))
        .creator(TextStr(certificate.issuer));

    // The structure: a document of a heading, paragraphs and the figure, each pointing at
    // its marked content on the page.
    let elements: Vec<Ref> = (0..=figure)
        .map(|i| Ref::new(first_element + i32::try_from(i).unwrap_or(0)))
        .collect();
    {
        let mut root = pdf
            .indirect(tree)
            .start::<pdf_writer::writers::StructTreeRoot>();
        root.child(document);
        root.parent_tree().nums().insert(0, parents);
        root.parent_tree_next_key(1);
    }
    {
        let mut d = pdf.struct_element(document);
        d.kind(StructRole::Document);
        d.parent(tree);
        d.children().items(elements.iter().copied());
    }
    for (i, element) in elements.iter().enumerate() {
        let mut e = pdf.struct_element(*element);
        let role = blocks.get(i).map_or(StructRole::Figure, |b| b.0);
        e.kind(role);
        e.parent(document);
        e.page(page);
        e.marked_content_child()
            .marked_content_id(i32::try_from(i).unwrap_or(0))
            .page(page);
        if i == figure {
            e.alt(TextStr(&format!(
                "QR-Code der Prüfadresse {}",
                certificate.verification_url
            )));
        }
    }
    pdf.indirect(parents)
        .array()
        .items(elements.iter().copied());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_text_is_written_in_win_ansi() {
        assert_eq!(
            win_ansi("Prüfung „ß“ – €"),
            b"Pr\xfcfung \x84\xdf\x93 \x96 \x80".to_vec()
        );
        assert_eq!(win_ansi("日本"), b"??".to_vec());
    }

    #[test]
    fn a_certificate_is_a_tagged_pdf_in_german() {
        let pdf = render(&Certificate {
            recipient: "Erika Beispiel",
            course: "Beteiligung im Quartier",
            hours: 4.5,
            issued_at: Utc::now(),
            expires_at: None,
            organisation: "Stiftung Beispiel",
            issuer: "Akademie für sozialen Zusammenhalt",
            verification_url: "https://api.example.org/api/v1/certificates/1",
            revoked: false,
        });
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/StructTreeRoot"));
        assert!(text.contains("/MarkInfo"));
        assert!(text.contains("/Lang (de-DE)"));
        assert!(text.contains("/Alt"));
    }
}
