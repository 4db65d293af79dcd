//! How mail leaves the academy: the settings the server reads from its environment.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::Mailbox;

/// The sender of every mail unless configured otherwise.
pub const DEFAULT_FROM: &str = "Akademie für sozialen Zusammenhalt <noreply@example.org>";
/// Where mails are written when no SMTP server is configured.
pub const DEFAULT_MAIL_DIR: &str = "data/mail";
/// The submission port.
pub const DEFAULT_SMTP_PORT: u16 = 587;
/// How often the worker looks for due mails.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Everything mail delivery needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The SMTP server to hand mails to; `None` writes them into [`dir`](Self::dir)
    /// and the log instead.
    pub smtp: Option<SmtpSettings>,
    /// The `From` of every mail.
    pub from: Sender,
    /// The folder for `.eml` files when [`smtp`](Self::smtp) is `None`.
    pub dir: PathBuf,
    /// How often the worker looks for due mails.
    pub poll_interval: Duration,
    /// Whether this instance runs the delivery worker. Several instances may run it at
    /// once; each mail is still sent once.
    pub worker: bool,
    /// Whether mails written to [`dir`](Self::dir) are also logged with their text. Only
    /// for development: the text holds links that verify accounts and reset passwords.
    pub log_text: bool,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp: None,
            from: Sender::default(),
            dir: PathBuf::from(DEFAULT_MAIL_DIR),
            poll_interval: DEFAULT_POLL_INTERVAL,
            worker: true,
            log_text: false,
        }
    }
}

/// An SMTP server and how to talk to it.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Host name or IP address.
    pub host: String,
    /// TCP port, 587 for submission with STARTTLS, 465 for implicit TLS.
    pub port: u16,
    /// How the connection is encrypted.
    pub tls: TlsMode,
    /// User name and password, when the server wants them.
    pub credentials: Option<SmtpCredentials>,
}

/// A user name and password for SMTP authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// The user name.
    pub username: String,
    /// The password; never shown by `Debug`.
    pub password: String,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// How the SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain text throughout; only for a relay on the same host or in tests.
    None,
    /// Plain connect, then STARTTLS, which the server must offer.
    #[default]
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl FromStr for TlsMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            _ => Err(format!("{text:?} is none of `starttls`, `tls`, `none`")),
        }
    }
}

/// A validated sender mailbox such as `Akademie <noreply@example.org>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender(Mailbox);

impl Sender {
    /// The mailbox for the message builder.
    pub(crate) fn mailbox(&self) -> &Mailbox {
        &self.0
    }

    /// The domain of the address, used to make message ids.
    pub(crate) fn domain(&self) -> &str {
        self.0.email.domain()
    }
}

impl Default for Sender {
    /// [`DEFAULT_FROM`], built from parts that are valid by construction (a test
    /// checks that it equals the parsed constant).
    fn default() -> Self {
        Self(Mailbox::new(
            Some("Akademie für sozialen Zusammenhalt".to_owned()),
            lettre::Address::new_dangerous("noreply", "example.org"),
        ))
    }
}

impl FromStr for Sender {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse::<Mailbox>().map(Self).map_err(|_| {
            format!("{text:?} is not a mailbox such as `Akademie <noreply@example.org>`")
        })
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_sender_is_a_valid_mailbox_with_umlauts() {
        let sender: Sender = DEFAULT_FROM.parse().expect("default sender parses");
        assert_eq!(sender.mailbox().email.to_string(), "noreply@example.org");
        assert_eq!(
            sender.mailbox().name.as_deref(),
            Some("Akademie für sozialen Zusammenhalt")
        );
        assert_eq!(Sender::default(), sender);
        assert_eq!(sender.domain(), "example.org");
    }

    #[test]
    fn senders_without_an_address_are_rejected() {
        for text in [
            "",
            "Akademie",
            "Akademie <noreply>",
            "a@b@c",
            "<@example.org>",
        ] {
            assert!(text.parse::<Sender>().is_err(), "{text:?}");
        }
        assert!("noreply@example.org".parse::<Sender>().is_ok());
    }

    #[test]
    fn tls_modes_parse_case_insensitively() {
        assert_eq!("STARTTLS".parse(), Ok(TlsMode::StartTls));
        assert_eq!("tls".parse(), Ok(TlsMode::Tls));
        assert_eq!("none".parse(), Ok(TlsMode::None));
        assert!("ssl".parse::<TlsMode>().is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let smtp = SmtpSettings {
            host: "mail.example.org".into(),
            port: 587,
            tls: TlsMode::StartTls,
            credentials: Some(SmtpCredentials {
                username: "academy".into(),
                password: "geheim-123".into(),
            }),
        };
        let shown = format!("{smtp:?}");
        assert!(
            shown.contains("academy") && !shown.contains("geheim-123"),
            "{shown}"
        );
    }
}
