//! Where mails go: an SMTP server, or — with none configured — a folder of `.eml` files
//! plus the log, so that a newcomer running the embedded default can follow the links.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use uuid::Uuid;

use crate::Mail;
use crate::message;
use crate::settings::{MailSettings, Sender, SmtpSettings, TlsMode};

/// How long one SMTP conversation may stall before it counts as failed. Well below the
/// worker's claim lease, so a slow server never lets a second worker send the same mail.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A configured way of delivering mail, with the sender it writes into every mail.
#[derive(Clone)]
pub struct Transport {
    kind: Kind,
    from: Sender,
}

#[derive(Clone)]
enum Kind {
    Smtp {
        client: AsyncSmtpTransport<Tokio1Executor>,
        server: String,
    },
    Folder {
        dir: PathBuf,
        log_text: bool,
    },
}

/// A transport that cannot be set up from its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(String);

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

/// Why one mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SendError {
    /// Short, free of secrets; stored in `outbox_mails.last_error`.
    pub(crate) message: String,
    /// Retrying cannot help (a malformed mail, a 5xx answer).
    pub(crate) permanent: bool,
}

impl Transport {
    /// The transport the settings describe: SMTP when a host is set, else the folder.
    pub fn from_settings(settings: &MailSettings) -> Result<Self, TransportError> {
        match &settings.smtp {
            Some(smtp) => Self::smtp(smtp, settings.from.clone()),
            None => Ok(Self::folder(settings.dir.clone(), settings.from.clone())?
                .logging_text(settings.log_text)),
        }
    }

    /// Delivers to an SMTP server. Connections are pooled and opened on first use, so an
    /// unreachable server shows up as failed deliveries, not here. The pool lives on the
    /// tokio runtime: create (and drop) the transport inside one.
    pub fn smtp(smtp: &SmtpSettings, from: Sender) -> Result<Self, TransportError> {
        let tls_parameters = || {
            TlsParameters::new(smtp.host.clone())
                .map_err(|e| TransportError(format!("cannot set up TLS for {:?}: {e}", smtp.host)))
        };
        let tls = match smtp.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_parameters()?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(credentials) = &smtp.credentials {
            builder = builder.credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.clone(),
            ));
        }
        let mode = match smtp.tls {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
        };
        Ok(Self {
            kind: Kind::Smtp {
                client: builder.build(),
                server: format!("{}:{} (TLS: {mode})", smtp.host, smtp.port),
            },
            from,
        })
    }

    /// Writes every mail into `dir` as `<outbox id>.eml` and logs that it did (with the
    /// text only after [`logging_text`](Self::logging_text)). The folder is created now,
    /// so a folder that cannot be written stops the start.
    pub fn folder(dir: impl Into<PathBuf>, from: Sender) -> Result<Self, TransportError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| {
            TransportError(format!(
                "cannot create the mail folder {}: {e}",
                dir.display()
            ))
        })?;
        Ok(Self {
            kind: Kind::Folder {
                dir,
                log_text: false,
            },
            from,
        })
    }

    /// Whether a folder transport also logs the text of each mail, so its links can be
    /// followed on a development machine.
    pub fn logging_text(mut self, yes: bool) -> Self {
        if let Kind::Folder { log_text, .. } = &mut self.kind {
            *log_text = yes;
        }
        self
    }

    /// Where this transport delivers, for the start-up log.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Smtp { server, .. } => format!("SMTP server {server}"),
            Kind::Folder {
                dir,
                log_text: true,
            } => {
                format!("the folder {} and the log", dir.display())
            }
            Kind::Folder { dir, .. } => format!("the folder {}", dir.display()),
        }
    }

    /// Delivers the mail of outbox row `id`.
    pub(crate) async fn send(&self, id: Uuid, mail: &Mail) -> Result<(), SendError> {
        let message = message::build(id, &self.from, mail).map_err(|e| SendError {
            message: e.0,
            permanent: true,
        })?;
        match &self.kind {
            Kind::Smtp { client, .. } => {
                client.send(message).await.map_err(|e| SendError {
                    message: e.to_string(),
                    permanent: e.is_permanent(),
                })?;
                tracing::debug!(mail = %id, "mail handed to the SMTP server");
                Ok(())
            }
            Kind::Folder { dir, log_text } => {
                let failed = |e: std::io::Error| SendError {
                    message: format!("cannot write to the mail folder: {e}"),
                    permanent: false,
                };
                tokio::fs::create_dir_all(dir).await.map_err(failed)?;
                // Written under a temporary name and renamed, so a reader of the folder
                // never sees half a mail.
                let path = dir.join(format!("{id}.eml"));
                let partial = dir.join(format!(".{id}.eml.partial"));
                tokio::fs::write(&partial, message.formatted())
                    .await
                    .map_err(failed)?;
                tokio::fs::rename(&partial, &path).await.map_err(failed)?;
                if *log_text {
                    tracing::info!(
                        to = %mail.to,
                        subject = %mail.subject,
                        file = %path.display(),
                        "mail written to the mail folder, not sent (ACADEMY_SMTP_HOST is not set); its text:\n{}",
                        mail.text
                    );
                } else {
                    tracing::info!(
                        file = %path.display(),
                        "mail written to the mail folder, not sent (ACADEMY_SMTP_HOST is not set)"
                    );
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("to", &self.describe())
            .field("from", &self.from)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!("academy-mail-{}", Uuid::now_v7().simple()))
    }

    fn mail() -> Mail {
        Mail {
            to: "erika@example.org".into(),
            subject: "Bitte bestätigen Sie Ihre Adresse".into(),
            text: "Bestätigen: https://academy.example.org/bestaetigen?token=abc\n".into(),
            html: "<p>Bestätigen</p>".into(),
            attachments: Vec::new(),
        }
    }

    #[tokio::test]
    async fn the_folder_transport_writes_one_eml_file_per_mail_named_by_its_id() {
        let dir = temp_dir().join("nested");
        let transport = Transport::folder(&dir, Sender::default()).expect("folder");
        assert!(dir.is_dir(), "the folder is created up front");

        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        transport.send(first, &mail()).await.expect("written");
        transport.send(second, &mail()).await.expect("written");

        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("listed")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        let mut expected = vec![format!("{first}.eml"), format!("{second}.eml")];
        expected.sort();
        assert_eq!(names, expected);

        let raw = std::fs::read(dir.join(format!("{first}.eml"))).expect("read");
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_slice())
            .expect("a parseable message");
        assert_eq!(parsed.subject(), Some("Bitte bestätigen Sie Ihre Adresse"));
        assert!(
            parsed
                .body_text(0)
                .expect("text")
                .contains("https://academy.example.org/bestaetigen?token=abc")
        );
        let _ = std::fs::remove_dir_all(dir.parent().expect("parent"));
    }

    #[tokio::test]
    async fn a_malformed_mail_fails_permanently_without_a_file() {
        let dir = temp_dir();
        let transport = Transport::folder(&dir, Sender::default()).expect("folder");
        let mut bad = mail();
        bad.to = "niemand".into();
        let error = transport
            .send(Uuid::now_v7(), &bad)
            .await
            .expect_err("rejected");
        assert!(error.permanent);
        assert_eq!(std::fs::read_dir(&dir).expect("listed").count(), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn an_unreachable_smtp_server_is_a_temporary_failure() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("address").port()
        };
        let smtp = SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            credentials: None,
        };
        let transport = Transport::smtp(&smtp, Sender::default()).expect("built");
        let error = transport
            .send(Uuid::now_v7(), &mail())
            .await
            .expect_err("nobody listens");
        assert!(!error.permanent, "{error:?}");
        assert!(!error.message.is_empty());
    }

    #[tokio::test]
    async fn smtp_with_tls_needs_no_connection_to_be_built() {
        for tls in [TlsMode::StartTls, TlsMode::Tls] {
            let smtp = SmtpSettings {
                host: "mail.example.org".into(),
                port: 587,
                tls,
                credentials: None,
            };
            let transport = Transport::smtp(&smtp, Sender::default()).expect("built");
            assert!(transport.describe().contains("mail.example.org:587"));
        }
    }
}
