//! The German mails of the identity capability.

use academy_notifications::{Action, Letter, Mail};

use crate::settings::{Auth, INVITATION_TTL, PASSWORD_RESET_TTL, VERIFY_EMAIL_TTL};

fn hours(ttl: std::time::Duration) -> u64 {
    ttl.as_secs() / 3600
}

fn greeting(name: &str) -> String {
    format!("Guten Tag {name},")
}

/// Confirms a self-registration.
pub fn verify_email(auth: &Auth, to: &str, name: &str, token: &str) -> Mail {
    Letter {
        subject: "Bitte bestätigen Sie Ihre E-Mail-Adresse".into(),
        greeting: greeting(name),
        paragraphs: vec![
            "Sie haben sich bei der Akademie für sozialen Zusammenhalt registriert. Bitte bestätigen Sie Ihre E-Mail-Adresse, damit Sie sich anmelden können.".into(),
        ],
        action: Some(Action {
            label: "E-Mail-Adresse bestätigen".into(),
            url: auth.link(&format!("konto/bestaetigen?token={token}")),
        }),
        after: vec![
            format!("Der Link ist {} Stunden gültig. Ihr Bestätigungscode lautet: {token}", hours(VERIFY_EMAIL_TTL)),
            "Falls Sie sich nicht registriert haben, können Sie diese E-Mail ignorieren.".into(),
        ],
    }
    .to_mail(to)
}

/// Sent instead of a second account when someone registers an address that already has
/// one: the answer to the registration request stays the same either way.
pub fn already_registered(auth: &Auth, to: &str, name: &str) -> Mail {
    Letter {
        subject: "Ihr Konto bei der Akademie besteht bereits".into(),
        greeting: greeting(name),
        paragraphs: vec![
            "Jemand hat versucht, mit Ihrer E-Mail-Adresse ein neues Konto bei der Akademie für sozialen Zusammenhalt anzulegen. Für diese Adresse besteht bereits ein Konto.".into(),
            "Wenn Sie das waren und Ihr Passwort nicht mehr wissen, können Sie es zurücksetzen.".into(),
        ],
        action: Some(Action {
            label: "Passwort zurücksetzen".into(),
            url: auth.link("passwort-vergessen"),
        }),
        after: vec!["Wenn Sie das nicht waren, müssen Sie nichts tun.".into()],
    }
    .to_mail(to)
}

/// Invites someone with preset roles.
pub fn invitation(
    auth: &Auth,
    to: &str,
    name: &str,
    inviter: &str,
    grant: &Grant,
    token: &str,
) -> Mail {
    Letter {
        subject: "Einladung zur Akademie für sozialen Zusammenhalt".into(),
        greeting: greeting(name),
        paragraphs: vec![
            format!(
                "{inviter} lädt Sie zur Akademie für sozialen Zusammenhalt ein. Legen Sie ein Passwort fest, um Ihr Konto zu nutzen."
            ),
            grant.describe(),
        ],
        action: Some(Action {
            label: "Einladung annehmen".into(),
            url: auth.link(&format!("einladung?token={token}")),
        }),
        after: vec![format!(
            "Die Einladung ist {} Tage gültig. Ihr Einladungscode lautet: {token}",
            hours(INVITATION_TTL) / 24
        )],
    }
    .to_mail(to)
}

/// What an invitation grants, by name.
pub struct Grant {
    pub roles: crate::domain::Roles,
    pub organisation: Option<String>,
    pub municipality: Option<String>,
}

impl Grant {
    /// One sentence: the roles, and for whom.
    pub fn describe(&self) -> String {
        use crate::domain::Role;
        let roles: Vec<&str> = self
            .roles
            .iter()
            .map(|role| match role {
                Role::Learner => "Lernende (Kommune und lokale Akteure)",
                Role::Author => "Autorin oder Autor von Leitfäden und Tutorials",
                Role::Consultant => "Beraterin oder Berater in Sprechstunden",
                Role::Coordinator => "Koordinierungsstelle",
                Role::Admin => "Administration",
                Role::ContactPerson => "Ansprechperson Ihrer Kommune",
            })
            .collect();
        let mut text = if roles.len() == 1 {
            format!("Ihre Rolle: {}", roles[0])
        } else {
            format!("Ihre Rollen: {}", roles.join(", "))
        };
        if let Some(organisation) = &self.organisation {
            text.push_str(&format!(", für die Mitgliedsorganisation {organisation}"));
        }
        if let Some(municipality) = &self.municipality {
            text.push_str(&format!(", für die Kommune {municipality}"));
        }
        text.push('.');
        text
    }
}

/// Carries a password-reset link.
pub fn password_reset(auth: &Auth, to: &str, name: &str, token: &str) -> Mail {
    Letter {
        subject: "Passwort zurücksetzen".into(),
        greeting: greeting(name),
        paragraphs: vec![
            "Sie haben angefordert, Ihr Passwort für die Akademie für sozialen Zusammenhalt zurückzusetzen.".into(),
        ],
        action: Some(Action {
            label: "Neues Passwort festlegen".into(),
            url: auth.link(&format!("passwort-zuruecksetzen?token={token}")),
        }),
        after: vec![
            format!("Der Link ist {} Stunde gültig und kann einmal verwendet werden. Ihr Code lautet: {token}", hours(PASSWORD_RESET_TTL)),
            "Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren; Ihr Passwort bleibt unverändert.".into(),
        ],
    }
    .to_mail(to)
}

/// Tells the owner that their password changed, so an unexpected change is noticed.
pub fn password_changed(auth: &Auth, to: &str, name: &str) -> Mail {
    Letter {
        subject: "Ihr Passwort wurde geändert".into(),
        greeting: greeting(name),
        paragraphs: vec![
            "Das Passwort Ihres Kontos bei der Akademie für sozialen Zusammenhalt wurde soeben geändert. Alle anderen Anmeldungen wurden beendet.".into(),
            "Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und informieren Sie die Koordinierungsstelle.".into(),
        ],
        action: Some(Action {
            label: "Passwort zurücksetzen".into(),
            url: auth.link("passwort-vergessen"),
        }),
        after: Vec::new(),
    }
    .to_mail(to)
}

/// Confirms the deletion of an account, to the address it had.
pub fn account_deleted(to: &str, name: &str) -> Mail {
    Letter {
        subject: "Ihr Konto wurde gelöscht".into(),
        greeting: greeting(name),
        paragraphs: vec![
            "Ihr Konto bei der Akademie für sozialen Zusammenhalt wurde auf Ihren Wunsch gelöscht. Ihre E-Mail-Adresse, Ihr Name und Ihr Passwort sind entfernt; alle Anmeldungen wurden beendet.".into(),
            "Sie können sich mit dieser Adresse jederzeit neu registrieren.".into(),
        ],
        action: None,
        after: Vec::new(),
    }
    .to_mail(to)
}
