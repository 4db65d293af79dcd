//! Validated types and pure rules of identity and access.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::sync::OnceLock;

use academy_kernel::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user may do. A user may hold several roles.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Municipal staff and local actors: read, learn, book consultation hours.
    Learner,
    /// Writes guides and tutorials for their member organisation.
    Author,
    /// Offers consultation hours for their member organisation.
    Consultant,
    /// The coordinating office: curates content, manages municipalities and organisations.
    Coordinator,
    /// Administers accounts.
    Admin,
    /// A municipality's contact person: confirms its members, enrols its team in courses
    /// and sees its team's progress — for the municipality of their own confirmed
    /// membership, and no other.
    ContactPerson,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Learner,
        Role::Author,
        Role::Consultant,
        Role::Coordinator,
        Role::Admin,
        Role::ContactPerson,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Author => "author",
            Role::Consultant => "consultant",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
            Role::ContactPerson => "contact_person",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of roles, stored as a sorted comma-separated list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(BTreeSet<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Self(roles.into_iter().collect())
    }

    /// Reads the stored form; unknown names are ignored.
    pub fn from_stored(text: &str) -> Self {
        Self(text.split(',').filter_map(Role::parse).collect())
    }

    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn contains_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.0.contains(r))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn to_vec(&self) -> Vec<Role> {
        self.0.iter().copied().collect()
    }
}

/// Lifecycle of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Invited; becomes active when the invitee sets a password.
    Invited,
    /// May sign in (self-registered accounts once their email is verified).
    Active,
    /// Locked out; every token stops working at once.
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Invited, Self::Active, Self::Disabled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// An email address that passed a plausibility check, in its canonical form, with the
/// key used for uniqueness and lookups.
///
/// Addresses are normalised before they are compared or stored, so that lookalikes are
/// one address: Unicode compatibility characters become the letters they stand for (NFKC:
/// the Kelvin sign `\u{212A}` is a `K`, fullwidth letters are ASCII), and the domain is
/// converted to its ASCII (IDNA) form, which also lower-cases it. The local part keeps its
/// case for display and mail; the lookup key lower-cases it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    display: String,
    normalized: String,
}

impl Email {
    pub fn parse(field: &'static str, text: &str) -> Result<Self, FieldError> {
        use unicode_normalization::UnicodeNormalization;
        let invalid = || FieldError::new(field, "invalid_email", "must be an email address");
        let canonical: String = text.trim().nfkc().collect();
        if canonical.chars().count() > EMAIL_MAX {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("must be at most {EMAIL_MAX} characters"),
            ));
        }
        let (local, domain) = canonical.rsplit_once('@').ok_or_else(invalid)?;
        let plausible = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && canonical
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"".contains(c));
        if !plausible {
            return Err(invalid());
        }
        let domain = idna::domain_to_ascii_strict(domain).map_err(|_| invalid())?;
        if !domain.contains('.') || domain.len() > 253 {
            return Err(invalid());
        }
        Ok(Self {
            display: format!("{local}@{domain}"),
            normalized: format!("{}@{domain}", local.to_lowercase()),
        })
    }

    /// The canonical address, to store and to mail.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The lookup key: the canonical address, lower-cased.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// The lookup key of an address, as [`Email::normalized`]; total, so that lookups of
/// malformed input simply find nothing.
pub fn normalize_email(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    match Email::parse("email", text) {
        Ok(email) => email.normalized,
        Err(_) => text.trim().nfkc().collect::<String>().to_lowercase(),
    }
}

/// Checks an address domain a municipality registers (`hanau.de`): its lower-case ASCII
/// (IDNA) form, with at least one dot. `index` names the list entry in the error.
pub fn check_email_domain(index: usize, text: &str) -> Result<String, FieldError> {
    let field = format!("domains[{index}]");
    let trimmed = text.trim().trim_start_matches('@');
    idna::domain_to_ascii_strict(trimmed)
        .ok()
        .filter(|d| d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_domain",
                "must be an address domain such as hanau.de",
            )
        })
}

/// Shortest accepted password, in characters.
pub const PASSWORD_MIN: usize = 12;
/// Longest accepted password, in characters.
pub const PASSWORD_MAX: usize = 128;

/// The list of common passwords shipped with the server, one per line, lower case.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).collect())
}

/// Checks a new password: 12–128 characters and not a common password (nor a common
/// password padded with digits and punctuation, nor one character repeated). No
/// composition rules: length beats complexity.
pub fn check_password(field: &'static str, password: &str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("must be at least {PASSWORD_MIN} characters"),
        ));
    }
    if length > PASSWORD_MAX {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {PASSWORD_MAX} characters"),
        ));
    }
    if is_common(password) {
        return Err(FieldError::new(
            field,
            "too_common",
            "is one of the most common passwords; choose a less predictable one, e.g. a few unrelated words",
        ));
    }
    Ok(())
}

fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let list = common_passwords();
    if list.contains(lower.as_str()) {
        return true;
    }
    let mut chars = lower.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return true;
    }
    // "passwort2024!" and "!!sommer1234" are as guessable as their core.
    let core = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if core.is_empty() {
        // Only digits and punctuation: sequences like 123456789012 are in the list; other
        // digit strings of 12+ characters are not trivially guessable.
        return is_sequence(&lower);
    }
    core.chars().count() >= 4 && list.contains(core) || is_sequence(core)
}

/// Ascending or descending runs such as `abcdefghijkl` or `987654321098` (digits wrap).
fn is_sequence(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 4 {
        return false;
    }
    let next = |byte: u8, step: i16| -> i16 {
        if byte.is_ascii_digit() {
            i16::from(b'0') + (i16::from(byte - b'0') + step).rem_euclid(10)
        } else {
            i16::from(byte) + step
        }
    };
    [1, -1].into_iter().any(|step| {
        bytes
            .windows(2)
            .all(|w| i16::from(w[1]) == next(w[0], step))
    })
}

/// An Amtlicher Gemeindeschlüssel as a pattern: the state code 01–16, then six digits.
pub const AGS_PATTERN: &str = "^(0[1-9]|1[0-6])[0-9]{6}$";
/// Longest email address, in characters.
pub const EMAIL_MAX: usize = 254;
/// Longest web address, in characters.
pub const URL_MAX: usize = 2000;
/// An optional http(s) address as a pattern: empty, or a scheme, a host and no white
/// space.
pub const OPTIONAL_URL_PATTERN: &str = r"^\s*(https?://[^/\s\u0000][^\s\u0000]*)?\s*$";

/// Validates an Amtlicher Gemeindeschlüssel: eight digits, the first two a federal state
/// (01–16).
pub fn check_ags(field: &'static str, ags: &str) -> Result<(), FieldError> {
    let state = ags.get(..2).and_then(|s| s.parse::<u8>().ok());
    if ags.len() != 8 || !ags.bytes().all(|b| b.is_ascii_digit()) || !matches!(state, Some(1..=16))
    {
        return Err(FieldError::new(
            field,
            "invalid_ags",
            "must be an official municipality key of 8 digits starting with a state code 01–16, e.g. 06411000",
        ));
    }
    Ok(())
}

/// Checks a required text field: trimmed, not empty, at most `max` characters.
pub fn check_text(field: &'static str, text: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks an absolute http(s) URL.
pub fn check_url(field: &'static str, text: &str) -> Result<String, FieldError> {
    let trimmed = text.trim();
    let valid = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && trimmed.len() <= URL_MAX
        && trimmed.split_once("://").is_some_and(|(_, rest)| {
            !rest.is_empty() && !rest.starts_with('/') && !rest.chars().any(char::is_whitespace)
        });
    if !valid {
        return Err(FieldError::new(
            field,
            "invalid_url",
            "must be an http(s) address such as https://www.example.org",
        ));
    }
    Ok(trimmed.to_owned())
}

/// `lower(column) LIKE '%text%'`, for case-insensitive search on both backends. `%` and
/// `_` in the search text are dropped rather than interpreted.
pub fn contains_ignoring_case(
    column: impl sea_orm::sea_query::IntoColumnRef,
    text: &str,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_', '\\'], ""));
    Expr::expr(Func::lower(Expr::col(column))).like(pattern)
}

/// Collects field checks: the value when every check passed, otherwise all failures.
#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    /// Records the failure, if any, and returns the value.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// 422 with every recorded failure, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), academy_kernel::AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(academy_kernel::AppError::validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_form_sorted() {
        let roles = Roles::new([Role::Admin, Role::Learner, Role::Author]);
        assert_eq!(roles.to_stored(), "learner,author,admin");
        assert_eq!(Roles::from_stored("learner,author,admin"), roles);
        assert!(Roles::from_stored("").is_empty());
    }

    #[test]
    fn emails_are_normalized_and_checked() {
        let email = Email::parse("email", "  Erika.Muster@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "Erika.Muster@example.org");
        assert_eq!(email.normalized(), "erika.muster@example.org");
        for bad in [
            "",
            "erika",
            "erika@",
            "@example.org",
            "erika@example",
            "erika@@example.org",
            "eri ka@example.org",
            "erika@.example.org",
            "erika@example..org",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn lookalike_addresses_are_one_address() {
        let kelvin = Email::parse("email", "\u{212A}arl.neu@example.org").unwrap();
        let plain = Email::parse("email", "karl.neu@example.org").unwrap();
        assert_eq!(kelvin.normalized(), plain.normalized());
        assert_eq!(kelvin.as_str(), "Karl.neu@example.org");
        // Fullwidth letters and a fullwidth at sign.
        let fullwidth = Email::parse("email", "\u{FF4B}arl.neu\u{FF20}example.org").unwrap();
        assert_eq!(fullwidth.normalized(), plain.normalized());
        // Internationalised domains in their ASCII form, whatever their case.
        let idn = Email::parse("email", "info@B\u{00FC}cherei-Musterstadt.example").unwrap();
        assert_eq!(idn.as_str(), "info@xn--bcherei-musterstadt-59b.example");
        assert_eq!(
            normalize_email("INFO@b\u{00FC}cherei-musterstadt.EXAMPLE"),
            idn.normalized()
        );
        assert_eq!(
            normalize_email(" \u{212A}ARL.NEU@EXAMPLE.ORG "),
            "karl.neu@example.org"
        );
        assert!(Email::parse("email", "karl@exa_mple.org").is_err());
    }

    #[test]
    fn email_domains_are_checked_and_made_ascii() {
        assert_eq!(check_email_domain(0, " @Hanau.DE ").unwrap(), "hanau.de");
        assert_eq!(
            check_email_domain(0, "b\u{00FC}cherei.example").unwrap(),
            "xn--bcherei-n2a.example"
        );
        for bad in ["", "hanau", "hanau..de", "ha nau.de", ".de"] {
            assert!(check_email_domain(1, bad).is_err(), "{bad} accepted");
        }
        assert_eq!(check_email_domain(3, "x").unwrap_err().field, "domains[3]");
    }

    #[test]
    fn passwords_need_length_not_composition() {
        assert!(check_password("password", "lange Wiese am Fluss").is_ok());
        assert!(check_password("password", "zwölf Zeichen").is_ok());
        assert_eq!(
            check_password("password", "kurz").unwrap_err().code,
            "too_short"
        );
        assert_eq!(
            check_password("password", &"x".repeat(129))
                .unwrap_err()
                .code,
            "too_long"
        );
        // Counted in characters, not bytes: 12 umlauts are 24 bytes.
        assert!(check_password("password", "äöüäöüäöüäöß").is_ok());
        assert_eq!(
            check_password("password", "ä".repeat(11).as_str())
                .unwrap_err()
                .code,
            "too_short"
        );
    }

    #[test]
    fn common_passwords_and_their_padded_forms_are_refused() {
        for common in [
            "qwerty123456",
            "Passwort2024!",
            "password1234",
            "!!!sommer2025",
            "aaaaaaaaaaaa",
            "123456789012",
            "abcdefghijklm",
            "Eintracht1899",
        ] {
            assert_eq!(
                check_password("password", common).map_err(|e| e.code),
                Err("too_common".into()),
                "{common} accepted"
            );
        }
    }

    #[test]
    fn ags_needs_eight_digits_and_a_state() {
        assert!(check_ags("ags", "06411000").is_ok());
        assert!(check_ags("ags", "16077052").is_ok());
        for bad in [
            "6411000",
            "064110000",
            "0641100a",
            "00411000",
            "17411000",
            "",
        ] {
            assert!(check_ags("ags", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn urls_must_be_http() {
        assert!(check_url("website", "https://www.example.org/verein").is_ok());
        for bad in [
            "ftp://example.org",
            "example.org",
            "https://",
            "https:///x",
            "http://a b",
        ] {
            assert!(check_url("website", bad).is_err(), "{bad} accepted");
        }
    }
}
