//! Password hashing with argon2id, off the async executor on a fixed number of threads, so
//! a login storm can neither exhaust memory (19 MiB per hash) nor stall other requests.

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use academy_kernel::AppError;
use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, PasswordHash, Version};
use tokio::sync::oneshot;

/// The parameters every new hash gets (OWASP's recommendation for argon2id).
pub const M_COST_KIB: u32 = 19_456;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

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

/// A unit of hashing work for the pool's threads.
type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords on a fixed set of dedicated threads.
///
/// A fixed set, not tokio's blocking pool: each hash needs 19 MiB, and the allocator keeps
/// freed memory per thread, so a storm spread over many short-lived blocking threads grows
/// the process by 19 MiB per thread it ever touched (measured: ≈ 690 MiB). With `threads`
/// threads the memory stays at `threads` × 19 MiB, and at most `threads` cores hash while
/// the HTTP workers keep answering. Waiting requests queue; one that gives up (time limit,
/// client gone) is skipped instead of hashed.
#[derive(Clone)]
pub struct PasswordHasherPool {
    jobs: mpsc::Sender<Job>,
}

impl PasswordHasherPool {
    /// Starts `threads` hashing threads (at least one). They end when the last clone of
    /// the pool is dropped.
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let next = match queue.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        match next {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { jobs }
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
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            if !reply.is_closed() {
                let _ = reply.send(work());
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| AppError::internal(anyhow::anyhow!("no password hashing thread")))?;
        answer
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("password hashing failed")))
    }
}

thread_local! {
    /// argon2 computations run on this thread, for tests that prove work was done.
    static COMPUTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The argon2 working memory of this hashing thread, allocated once and reused, so each
    /// thread holds exactly one 19 MiB block set however many hashes it computes.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs argon2 into `out` with this thread's working memory.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    COMPUTED.with(|n| n.set(n.get() + 1));
    BLOCKS.with(|cell| {
        let mut blocks = cell.borrow_mut();
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password,
            salt,
            out,
            &mut blocks[..],
        )
    })
}

fn internal(what: &str, error: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("{what}: {error}"))
}

fn hash_now(password: &str) -> Result<String, AppError> {
    let params = current_params();
    let salt: [u8; 16] = rand::random();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password.as_bytes(),
        &salt,
        &mut out,
    )
    .map_err(|e| internal("cannot hash a password", e))?;
    let hash = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| internal("argon2 parameters", e))?,
        salt: Some(Salt::new(&salt).map_err(|e| internal("argon2 salt", e))?),
        hash: Some(Output::new(&out).map_err(|e| internal("argon2 output", e))?),
    };
    Ok(hash.to_string())
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

/// Whether `password` produces `hash`, computed with the hash's own parameters.
fn matches(password: &str, hash: &PasswordHash) -> bool {
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        Params::try_from(hash),
        hash.salt.as_ref(),
        hash.hash.as_ref(),
    ) else {
        return false;
    };
    let version = hash
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut out = vec![0u8; expected.as_bytes().len()];
    if compute(
        algorithm,
        version,
        params,
        password.as_bytes(),
        salt,
        &mut out,
    )
    .is_err()
    {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(&out).is_ok_and(|actual| actual == *expected)
}

fn verify_now(password: &str, stored: Option<&str>) -> Verified {
    let real = stored.and_then(|s| PasswordHash::new(s).ok());
    let Some(hash) = real else {
        if let Ok(dummy) = PasswordHash::new(dummy_hash()) {
            let _ = matches(password, &dummy);
        }
        return Verified::No;
    };
    if !matches(password, &hash) {
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

fn current_params() -> Params {
    // The constants are valid parameters; `Params::DEFAULT` is the same set.
    Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or(Params::DEFAULT)
}

fn has_current_parameters(hash: &PasswordHash) -> bool {
    hash.algorithm == ARGON2ID_IDENT
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
    async fn many_concurrent_requests_share_the_fixed_threads() {
        let pool = PasswordHasherPool::new(2);
        let hash = pool.hash("lange Wiese am Fluss".into()).await.unwrap();
        let checks = (0..6).map(|n| {
            let pool = pool.clone();
            let hash = hash.clone();
            async move {
                let password = if n % 2 == 0 {
                    "lange Wiese am Fluss"
                } else {
                    "falsch"
                };
                pool.verify(password.into(), Some(hash)).await.unwrap()
            }
        });
        let outcomes = futures_util::future::join_all(checks).await;
        assert_eq!(
            outcomes,
            [
                Verified::Yes,
                Verified::No,
                Verified::Yes,
                Verified::No,
                Verified::Yes,
                Verified::No
            ]
        );
    }

    #[test]
    fn unknown_accounts_cost_one_full_argon2_run_like_known_ones() {
        let real = hash_now("lange Wiese am Fluss").unwrap();
        let _ = verify_now("warm-up", None); // computes the dummy hash once
        let runs = |f: &dyn Fn()| {
            let before = COMPUTED.with(|n| n.get());
            f();
            COMPUTED.with(|n| n.get()) - before
        };
        assert_eq!(
            runs(&|| assert_eq!(verify_now("falsch", Some(&real)), Verified::No)),
            1
        );
        assert_eq!(
            runs(&|| assert_eq!(verify_now("falsch", None), Verified::No)),
            1
        );
        assert_eq!(
            runs(&|| assert_eq!(verify_now("falsch", Some("kaputt")), Verified::No)),
            1
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

    #[test]
    fn hashes_are_standard_phc_strings_that_the_argon2_crate_verifies() {
        use argon2::password_hash::PasswordVerifier;
        let hash = hash_now("lange Wiese am Fluss").unwrap();
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"lange Wiese am Fluss", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"lange Wiese", &parsed)
                .is_err()
        );
    }

    #[tokio::test]
    async fn weaker_hashes_are_upgraded_on_verification() {
        use argon2::password_hash::PasswordHasher;
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
