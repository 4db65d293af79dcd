//! What a file is, judged by its content, not its name: a renamed executable is refused
//! even when it is called `vorlage.pdf`.

/// The file types accepted as templates and materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Zip,
    Csv,
    Text,
    Png,
    Jpeg,
}

impl FileKind {
    /// Every accepted type.
    pub const ALL: [FileKind; 12] = [
        FileKind::Pdf,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Pptx,
        FileKind::Odt,
        FileKind::Ods,
        FileKind::Odp,
        FileKind::Zip,
        FileKind::Csv,
        FileKind::Text,
        FileKind::Png,
        FileKind::Jpeg,
    ];

    /// The media type sent with downloads.
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Odp => "application/vnd.oasis.opendocument.presentation",
            FileKind::Zip => "application/zip",
            FileKind::Csv => "text/csv; charset=utf-8",
            FileKind::Text => "text/plain; charset=utf-8",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }
}

/// Why a file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Programs and scripts (Windows, Linux, macOS executables, shell scripts).
    Executable,
    /// Nothing this service accepts.
    UnknownType,
    /// The name promises another type than the content has (e.g. a ZIP named `.pdf`).
    NameMismatch,
}

/// How many leading bytes [`sniff`] needs at most.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Judges a file by its first bytes (up to [`SNIFF_BYTES`]) and its name.
pub fn sniff(head: &[u8], filename: &str) -> Result<FileKind, Refusal> {
    if is_executable(head) {
        return Err(Refusal::Executable);
    }
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let kind = if head.starts_with(b"%PDF-") {
        FileKind::Pdf
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        FileKind::Png
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        FileKind::Jpeg
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        zip_kind(head)
    } else if is_text(head) {
        if extension == "csv" {
            FileKind::Csv
        } else {
            FileKind::Text
        }
    } else {
        return Err(Refusal::UnknownType);
    };
    let expected: &[&str] = match kind {
        FileKind::Pdf => &["pdf"],
        FileKind::Docx => &["docx", "dotx"],
        FileKind::Xlsx => &["xlsx", "xltx"],
        FileKind::Pptx => &["pptx", "potx"],
        FileKind::Odt => &["odt", "ott"],
        FileKind::Ods => &["ods", "ots"],
        FileKind::Odp => &["odp", "otp"],
        FileKind::Zip => &["zip"],
        FileKind::Csv => &["csv"],
        FileKind::Text => &["txt", "md", "text"],
        FileKind::Png => &["png"],
        FileKind::Jpeg => &["jpg", "jpeg"],
    };
    if expected.contains(&extension.as_str()) {
        Ok(kind)
    } else {
        Err(Refusal::NameMismatch)
    }
}

fn is_executable(head: &[u8]) -> bool {
    head.starts_with(b"MZ") // Windows PE
        || head.starts_with(b"\x7fELF") // Linux
        || head.starts_with(b"#!") // scripts
        || head.starts_with(&[0xCF, 0xFA, 0xED, 0xFE]) // Mach-O 64
        || head.starts_with(&[0xCE, 0xFA, 0xED, 0xFE]) // Mach-O 32
        || head.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE]) // Mach-O universal, Java class
        || head.starts_with(b"\0asm") // WebAssembly
}

/// Text: valid UTF-8 (a cut multi-byte character at the end is fine), no NUL bytes.
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none() && error.valid_up_to() + 4 > head.len(),
    }
}

/// Office formats are ZIP archives: ODF names its type in a first entry `mimetype`,
/// OOXML has `[Content_Types].xml` and a main folder (`word/`, `xl/`, `ppt/`).
fn zip_kind(head: &[u8]) -> FileKind {
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if contains(b"mimetypeapplication/vnd.oasis.opendocument.text") {
        FileKind::Odt
    } else if contains(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet") {
        FileKind::Ods
    } else if contains(b"mimetypeapplication/vnd.oasis.opendocument.presentation") {
        FileKind::Odp
    } else if contains(b"word/") {
        FileKind::Docx
    } else if contains(b"xl/") {
        FileKind::Xlsx
    } else if contains(b"ppt/") {
        FileKind::Pptx
    } else {
        FileKind::Zip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_recognised_by_content() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3", "Leitfaden.pdf"),
            Ok(FileKind::Pdf)
        );
        assert_eq!(
            sniff(
                b"PK\x03\x04....[Content_Types].xml....word/document.xml",
                "Vorlage.DOCX"
            ),
            Ok(FileKind::Docx)
        );
        assert_eq!(
            sniff(
                b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
                "Plan.ods"
            ),
            Ok(FileKind::Ods)
        );
        assert_eq!(
            sniff("Name;Ort\nErika;Gießen\n".as_bytes(), "liste.csv"),
            Ok(FileKind::Csv)
        );
        assert_eq!(
            sniff("Notizen zur Beteiligung".as_bytes(), "notiz.txt"),
            Ok(FileKind::Text)
        );
        assert_eq!(
            sniff(b"PK\x03\x04plain archive", "paket.zip"),
            Ok(FileKind::Zip)
        );
    }

    #[test]
    fn executables_are_refused_whatever_their_name() {
        for head in [
            &b"MZ\x90\x00\x03"[..],
            b"\x7fELF\x02\x01",
            b"#!/bin/sh\nrm -rf /",
            b"\0asm\x01",
        ] {
            assert_eq!(sniff(head, "vorlage.pdf"), Err(Refusal::Executable));
        }
    }

    #[test]
    fn names_must_match_the_content() {
        assert_eq!(
            sniff(b"PK\x03\x04plain archive", "vorlage.pdf"),
            Err(Refusal::NameMismatch)
        );
        assert_eq!(
            sniff(b"%PDF-1.4", "vorlage.docx"),
            Err(Refusal::NameMismatch)
        );
        assert_eq!(
            sniff(b"\x00\x01\x02binary", "daten.bin"),
            Err(Refusal::UnknownType)
        );
    }

    #[test]
    fn a_cut_multibyte_character_at_the_end_is_still_text() {
        let text = "Grüße".as_bytes();
        assert_eq!(sniff(&text[..3], "a.txt"), Ok(FileKind::Text));
        assert_eq!(sniff(b"\xff\xfe bad", "a.txt"), Err(Refusal::UnknownType));
    }
}
