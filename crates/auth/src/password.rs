//! Password hashing with argon2id, off the async executor and bounded in concurrency, so a
//! login storm can neither exhaust memory (19 MiB per hash) nor stall other requests.

use std::sync::{Arc, OnceLock};

use academy_kernel::AppError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use tokio::sync::Semaphore;

/// The parameters every new hash gets (OWASP's recommendation for argon2id).
pub const M_COST_KIB: u32 = 19_456;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

fn argon2() -> Argon2<'static> {
    // The constants are valid parameters; `Params::DEFAULT` is the same set.
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// Wrong password (or no usable hash).
    No,
    /// Right password, and the hash has the current parameters.
    Yes,
    /// Right password; here is a new hash with the current parameters to store.
    YesRehashed(String),
}

/// Hashes and verifies passwords on blocking threads, at most `permits` at a time.
#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
}

impl PasswordHasherPool {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// A new argon2id hash of `password` in PHC string form.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Checks `password` against `stored`. With no stored hash (unknown account, invited
    /// user) a dummy hash is checked instead, so the answer takes as long as a real one.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<Verified, AppError> {
        self.run(move || verify_now(&password, stored.as_deref()))
            .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("password hasher closed: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("password hashing failed: {e}")))
    }
}

fn hash_now(password: &str) -> Result<String, AppError> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("cannot hash a password: {e}")))
}

/// A hash of a random password with the current parameters, verified against when there
/// is no real hash, so that unknown accounts cost the same time as known ones.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = rand::random();
        hash_now(&format!("{random:?}")).unwrap_or_default()
    })
}

fn verify_now(password: &str, stored: Option<&str>) -> Verified {
    let real = stored.and_then(|s| PasswordHash::new(s).ok());
    let Some(hash) = real else {
        if let Ok(dummy) = PasswordHash::new(dummy_hash()) {
            let _ = argon2().verify_password(password.as_bytes(), &dummy);
        }
        return Verified::No;
    };
    // The stored hash's own parameters are used for verification.
    if argon2()
        .verify_password(password.as_bytes(), &hash)
        .is_err()
    {
        return Verified::No;
    }
    if has_current_parameters(&hash) {
        return Verified::Yes;
    }
    match hash_now(password) {
        Ok(new_hash) => Verified::YesRehashed(new_hash),
        Err(_) => Verified::Yes,
    }
}

fn has_current_parameters(hash: &PasswordHash) -> bool {
    hash.algorithm.as_str() == "argon2id"
        && Params::try_from(hash)
            .is_ok_and(|p| p.m_cost() == M_COST_KIB && p.t_cost() == T_COST && p.p_cost() == P_COST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let pool = PasswordHasherPool::new(2);
        let hash = pool.hash("lange Wiese am Fluss".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            pool.verify("lange Wiese am Fluss".into(), Some(hash.clone()))
                .await
                .unwrap(),
            Verified::Yes
        );
        assert_eq!(
            pool.verify("lange Wiese am Flus".into(), Some(hash))
                .await
                .unwrap(),
            Verified::No
        );
    }

    #[tokio::test]
    async fn missing_or_broken_hashes_never_verify() {
        let pool = PasswordHasherPool::new(1);
        assert_eq!(pool.verify("x".into(), None).await.unwrap(), Verified::No);
        assert_eq!(
            pool.verify("x".into(), Some("not a hash".into()))
                .await
                .unwrap(),
            Verified::No
        );
    }

    #[tokio::test]
    async fn weaker_hashes_are_upgraded_on_verification() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        )
        .hash_password(b"lange Wiese am Fluss")
        .unwrap()
        .to_string();
        let pool = PasswordHasherPool::new(1);
        let Verified::YesRehashed(upgraded) = pool
            .verify("lange Wiese am Fluss".into(), Some(weak))
            .await
            .unwrap()
        else {
            panic!("a weak hash must be upgraded");
        };
        assert!(upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
