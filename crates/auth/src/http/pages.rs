//! Plain pages behind the links in mails (`/konto/bestaetigen`, `/einladung`,
//! `/passwort-zuruecksetzen`, `/passwort-vergessen`), for when `ACADEMY_APP_URL` points at
//! the API itself — the default, as in development — rather than at a web frontend.
//!
//! A `GET` only shows a form; the token takes effect when the form is sent (`POST`), so a
//! mail scanner that follows links changes nothing. The pages use no script and echo no
//! input: a token is shown only after it proved to be made of token characters.

use academy_kernel::Db;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts;
use crate::settings::Auth;

/// Mounts the pages at the root of the server (not under `/api/v1`, not in the contract).
pub fn configure_pages(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/konto/bestaetigen")
            .route(web::get().to(verify_form))
            .route(web::post().to(verify_submit)),
    )
    .service(
        web::resource("/einladung")
            .route(web::get().to(invitation_form))
            .route(web::post().to(invitation_submit)),
    )
    .service(
        web::resource("/passwort-zuruecksetzen")
            .route(web::get().to(reset_form))
            .route(web::post().to(reset_submit)),
    )
    .service(
        web::resource("/passwort-vergessen")
            .route(web::get().to(forgot_form))
            .route(web::post().to(forgot_submit)),
    );
}

/// Inline styles only; forms post to this server.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

fn page(title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>{title} – Akademie für sozialen Zusammenhalt</title>\
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}\
label,input,button{{display:block;font-size:1rem;margin:.5rem 0}}input{{width:100%;padding:.4rem}}\
button{{padding:.5rem 1rem}}</style></head>\
<body><h1>{title}</h1>{body}</body></html>"
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

/// The token, if it looks like one (base64url, bounded).
fn plausible(token: &str) -> Option<&str> {
    let token = token.trim();
    (!token.is_empty()
        && token.len() <= 128
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(token)
}

const BAD_LINK: &str =
    "<p>Der Link ist unvollständig. Öffnen Sie ihn bitte direkt aus der E-Mail.</p>";

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
struct TokenForm {
    token: String,
}

#[derive(Deserialize)]
struct PasswordForm {
    token: String,
    password: String,
}

#[derive(Deserialize)]
struct EmailForm {
    email: String,
}

fn token_form(action: &str, token: &str, intro: &str, with_password: bool, button: &str) -> String {
    let password = if with_password {
        "<label for=\"password\">Neues Passwort (mindestens 12 Zeichen)</label>\
<input id=\"password\" name=\"password\" type=\"password\" minlength=\"12\" maxlength=\"128\" required autocomplete=\"new-password\">"
    } else {
        ""
    };
    format!(
        "<p>{intro}</p><form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"token\" value=\"{token}\">{password}<button type=\"submit\">{button}</button></form>"
    )
}

/// The outcome of a sent form, in words.
fn outcome(result: Result<(), academy_kernel::AppError>, done: &str) -> String {
    match result {
        Ok(()) => format!("<p>{done}</p>"),
        Err(error) if error.code() == "invalid_token" => {
            "<p>Der Link ist ungültig, abgelaufen oder wurde schon benutzt.</p>".to_owned()
        }
        Err(error) if error.code() == "validation_failed" => {
            "<p>Das Passwort ist nicht geeignet: Es braucht 12 bis 128 Zeichen und darf kein häufiges Passwort sein. Gehen Sie zurück und wählen Sie ein anderes.</p>".to_owned()
        }
        Err(error) => {
            tracing::error!(error = ?error, "a mailed link could not be handled");
            "<p>Das hat leider nicht geklappt. Bitte versuchen Sie es später noch einmal.</p>"
                .to_owned()
        }
    }
}

async fn verify_form(query: web::Query<TokenQuery>) -> HttpResponse {
    let title = "E-Mail-Adresse bestätigen";
    match query.token.as_deref().and_then(plausible) {
        Some(token) => page(
            title,
            &token_form(
                "/konto/bestaetigen",
                token,
                "Bestätigen Sie Ihre E-Mail-Adresse, damit Sie sich anmelden können.",
                false,
                "Adresse bestätigen",
            ),
        ),
        None => page(title, BAD_LINK),
    }
}

async fn verify_submit(db: web::Data<Db>, form: web::Form<TokenForm>) -> HttpResponse {
    let result = accounts::verify_email(&db, form.token.trim()).await;
    page(
        "E-Mail-Adresse bestätigen",
        &outcome(
            result,
            "Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden.",
        ),
    )
}

async fn invitation_form(query: web::Query<TokenQuery>) -> HttpResponse {
    let title = "Einladung annehmen";
    match query.token.as_deref().and_then(plausible) {
        Some(token) => page(
            title,
            &token_form(
                "/einladung",
                token,
                "Legen Sie ein Passwort fest, um Ihr Konto zu nutzen.",
                true,
                "Einladung annehmen",
            ),
        ),
        None => page(title, BAD_LINK),
    }
}

async fn invitation_submit(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let result = accounts::accept_invitation(&db, &auth, form.token.trim(), form.password)
        .await
        .map(|_| ());
    page(
        "Einladung annehmen",
        &outcome(
            result,
            "Ihr Konto ist eingerichtet. Melden Sie sich mit Ihrer E-Mail-Adresse und dem neuen Passwort an.",
        ),
    )
}

async fn reset_form(query: web::Query<TokenQuery>) -> HttpResponse {
    let title = "Neues Passwort festlegen";
    match query.token.as_deref().and_then(plausible) {
        Some(token) => page(
            title,
            &token_form(
                "/passwort-zuruecksetzen",
                token,
                "Wählen Sie ein neues Passwort. Alle bisherigen Anmeldungen werden beendet.",
                true,
                "Passwort speichern",
            ),
        ),
        None => page(title, BAD_LINK),
    }
}

async fn reset_submit(
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let result =
        accounts::confirm_password_reset(&db, &auth, form.token.trim(), form.password).await;
    page(
        "Neues Passwort festlegen",
        &outcome(
            result,
            "Ihr Passwort ist geändert. Melden Sie sich mit dem neuen Passwort an.",
        ),
    )
}

async fn forgot_form() -> HttpResponse {
    page(
        "Passwort vergessen",
        "<p>Geben Sie die E-Mail-Adresse Ihres Kontos an; wir senden Ihnen einen Link, mit dem Sie ein neues Passwort festlegen.</p>\
<form method=\"post\" action=\"/passwort-vergessen\"><label for=\"email\">E-Mail-Adresse</label>\
<input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"email\"><button type=\"submit\">Link anfordern</button></form>",
    )
}

async fn forgot_submit(
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<Auth>,
    form: web::Form<EmailForm>,
) -> HttpResponse {
    let client = super::auth::client_address(&req, auth.settings.trust_forwarded);
    let email = form.into_inner().email;
    // As the API does: the lookup and the mail run after the answer.
    actix_web::rt::spawn(async move {
        if let Err(error) = accounts::request_password_reset(&db, &auth, &email, &client).await {
            tracing::error!(error = ?error, "password reset request failed");
        }
    });
    page(
        "Passwort vergessen",
        "<p>Wenn die Adresse zu einem Konto gehört, ist ein Link zum Zurücksetzen unterwegs.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_token_characters_pass() {
        assert_eq!(plausible(" abc-DEF_123 "), Some("abc-DEF_123"));
        for bad in ["", "a\"b", "<script>", "a b", &"x".repeat(129)] {
            assert_eq!(plausible(bad), None, "{bad}");
        }
    }
}
