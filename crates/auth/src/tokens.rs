//! Opaque secrets handed to clients (refresh tokens, links in mails): 256 random bits,
//! base64url; only their SHA-256 is stored, so a database leak reveals no usable token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A fresh random token.
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn digest(token: &str) -> String {
    let hash = Sha256::digest(token.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The server key refresh-token successors are derived with.
///
/// Rotation hands out a new refresh token for the presented one. So that a second request
/// with the same, just-exchanged token (another browser tab refreshing at the same moment)
/// can be answered with the *same* new token without ever storing a token in plain text,
/// the successor is not random but `HMAC-SHA256(key, presented token)`:
/// - only its SHA-256 is stored (`successor_hash`), like every other token, so a copy of
///   the database yields nothing usable;
/// - computing it needs both the presented token (256 random bits, known only to its
///   holder) and this key (derived from the access-token secret, known only to the
///   server), so neither a client nor a database reader can predict a successor;
/// - the server recomputes it from the presented token during the grace period and
///   checks it against the stored hash.
///
/// The successor is as unpredictable as a random token to anyone without the key, and
/// each successor is itself a fresh input for the next derivation. Rotating the
/// access-token secret only means that a replay within the few seconds of grace around
/// the rotation is treated as reuse.
#[derive(Clone)]
pub struct SuccessorKey([u8; 32]);

impl SuccessorKey {
    /// The key for a server secret; domain-separated from the secret's use for JWTs.
    pub fn from_secret(secret: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"academy refresh-token successor v1\0");
        hasher.update(secret.as_bytes());
        Self(hasher.finalize().into())
    }
}

/// The refresh token that `presented` is exchanged for (see [`SuccessorKey`]).
pub fn successor(key: &SuccessorKey, presented: &str) -> String {
    // HMAC accepts keys of any length; a 32-byte key cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(presented.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn successors_are_stable_per_key_and_token_and_look_like_tokens() {
        let key = SuccessorKey::from_secret("a-test-secret-that-is-long-enough-0123");
        let other = SuccessorKey::from_secret("another-secret-that-is-long-enough-456");
        let token = generate();
        let next = successor(&key, &token);
        assert_eq!(next, successor(&key, &token));
        assert_eq!(next.len(), 43);
        assert_ne!(next, successor(&other, &token));
        assert_ne!(next, successor(&key, &generate()));
        assert_ne!(next, token);
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
        assert_eq!(digest(&a).len(), 64);
    }
}
