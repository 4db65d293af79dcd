//! Access tokens: HS256 JWTs with a pinned algorithm and checked `iss`, `aud`, `exp`,
//! `iat` and `typ`. Each key has an id (`kid`) derived from it, so keys can rotate: new
//! tokens are signed with the current key while tokens signed with a previous key stay
//! valid until they expire.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{Role, Roles};

/// `iss` of every access token.
pub const ISSUER: &str = "urn:academy";
/// `aud` of every access token.
pub const AUDIENCE: &str = "urn:academy:api";
/// `typ` of access tokens; refresh tokens are opaque and can never pass as one.
pub const ACCESS_TYPE: &str = "access";
/// Shortest accepted signing secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated between instances, in seconds: a few, so an expired token stops
/// working almost at once (the library's default would accept it for another minute).
pub const LEEWAY_SECS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's id.
    pub sub: Uuid,
    pub iat: u64,
    pub exp: u64,
    pub typ: String,
    /// The session (refresh-token family) the token belongs to.
    pub sid: Uuid,
    pub roles: Vec<Role>,
}

/// Signing and verification keys.
#[derive(Clone)]
pub struct JwtKeys {
    current_kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    ttl: Duration,
}

/// Why a token was refused; all of them answer the same 401.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidToken;

impl JwtKeys {
    /// `current` signs; `previous` only verify. Secrets must be at least
    /// [`MIN_SECRET_BYTES`] long (checked by the configuration).
    pub fn new(current: &str, previous: &[String], ttl: Duration) -> Self {
        let mut decoding = HashMap::new();
        for secret in std::iter::once(current).chain(previous.iter().map(String::as_str)) {
            decoding.insert(key_id(secret), DecodingKey::from_secret(secret.as_bytes()));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        Self {
            current_kid: key_id(current),
            encoding: EncodingKey::from_secret(current.as_bytes()),
            decoding,
            validation,
            ttl,
        }
    }

    /// Lifetime of new access tokens.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A signed access token for `user` in session `sid`.
    pub fn issue(&self, user: Uuid, sid: Uuid, roles: &Roles) -> Result<String, anyhow::Error> {
        self.issue_at(user, sid, roles, jsonwebtoken::get_current_timestamp())
    }

    /// A signed access token issued at `now` (seconds since the epoch). Signing is
    /// deterministic: the same claims give the same token, which lets a refresh replayed
    /// within its grace period answer with the pair it answered first.
    pub fn issue_at(
        &self,
        user: Uuid,
        sid: Uuid,
        roles: &Roles,
        now: u64,
    ) -> Result<String, anyhow::Error> {
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: user,
            iat: now,
            exp: now + self.ttl.as_secs(),
            typ: ACCESS_TYPE.to_owned(),
            sid,
            roles: roles.to_vec(),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims with the current key (also used by tests to forge tokens
    /// with a valid signature but wrong claims).
    pub fn sign(&self, claims: &Claims) -> Result<String, anyhow::Error> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current_kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    /// Verifies signature, algorithm, key id, issuer, audience, lifetime and type.
    pub fn verify(&self, token: &str) -> Result<Claims, InvalidToken> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| InvalidToken)?;
        if header.alg != Algorithm::HS256 {
            return Err(InvalidToken);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.get(kid))
            .ok_or(InvalidToken)?;
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|_| InvalidToken)?;
        if data.claims.typ != ACCESS_TYPE {
            return Err(InvalidToken);
        }
        Ok(data.claims)
    }
}

/// The id of a key: the first 8 bytes of its SHA-256, hex. Reveals nothing usable.
pub fn key_id(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const SECRET: &str = "a-test-secret-that-is-long-enough-0123";
    const OLD: &str = "an-older-secret-that-is-long-enough-456";

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET, &[], Duration::from_secs(900))
    }

    fn claims() -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: Uuid::now_v7(),
            iat: now,
            exp: now + 900,
            typ: ACCESS_TYPE.into(),
            sid: Uuid::now_v7(),
            roles: vec![Role::Learner],
        }
    }

    #[test]
    fn an_issued_token_verifies() {
        let keys = keys();
        let user = Uuid::now_v7();
        let token = keys
            .issue(user, Uuid::now_v7(), &Roles::new([Role::Author]))
            .unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, user);
        assert_eq!(claims.roles, vec![Role::Author]);
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn wrong_claims_are_refused() {
        let keys = keys();
        let mut expired = claims();
        expired.iat -= 7200;
        expired.exp -= 7200;
        // Expired a little longer ago than the leeway allows.
        let mut just_expired = claims();
        just_expired.iat -= 900;
        just_expired.exp = just_expired.iat + 900 - LEEWAY_SECS - 3;
        let mut wrong_aud = claims();
        wrong_aud.aud = "urn:other".into();
        let mut wrong_iss = claims();
        wrong_iss.iss = "urn:other".into();
        let mut wrong_typ = claims();
        wrong_typ.typ = "refresh".into();
        for claims in [expired, just_expired, wrong_aud, wrong_iss, wrong_typ] {
            let token = keys.sign(&claims).unwrap();
            assert_eq!(keys.verify(&token), Err(InvalidToken), "{claims:?}");
        }
    }

    #[test]
    fn alg_none_and_foreign_keys_are_refused() {
        let keys = keys();
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(keys.verify(&format!("{header}.{body}.")), Err(InvalidToken));

        let foreign = JwtKeys::new("another-secret-that-is-long-enough-789", &[], keys.ttl());
        let token = foreign.sign(&claims()).unwrap();
        assert_eq!(keys.verify(&token), Err(InvalidToken));
    }

    #[test]
    fn tokens_of_a_previous_key_stay_valid_after_rotation() {
        let before = JwtKeys::new(OLD, &[], Duration::from_secs(900));
        let token = before.sign(&claims()).unwrap();
        let after = JwtKeys::new(SECRET, &[OLD.to_owned()], Duration::from_secs(900));
        assert!(after.verify(&token).is_ok());
        // Once the old key is dropped, its tokens die.
        assert_eq!(keys().verify(&token), Err(InvalidToken));
    }
}
