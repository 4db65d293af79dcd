//! Answers kept in memory per catalogue version.
//!
//! Every answer is stored under the version of the catalogue it was computed from. Each
//! request reads the current version from the database (one indexed row); an answer of
//! an older version is never served. A publish on any instance raises the version in its
//! transaction, so every instance stops serving older answers with its next request —
//! no waiting for a poll. The cache holds at most its capacity in bytes; when an answer
//! does not fit any more, it starts over empty.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

/// Capacity when nothing is configured: 8 MiB.
pub const DEFAULT_CAPACITY: usize = 8 * 1024 * 1024;

#[derive(Debug, Default)]
struct Kept {
    version: i64,
    bytes: usize,
    answers: HashMap<String, Bytes>,
}

/// The in-process cache of catalogue answers, shared by the workers of an instance.
#[derive(Debug)]
pub struct Cache {
    capacity: usize,
    kept: Mutex<Kept>,
}

impl Cache {
    /// A cache of at most `capacity` bytes of answers; 0 keeps nothing.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// Whether it keeps anything (its capacity is not 0).
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// The answer to `key` computed at `version`, if kept.
    pub fn get(&self, version: i64, key: &str) -> Option<Bytes> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.version != version {
            return None;
        }
        kept.answers.get(key).cloned()
    }

    /// Keeps `answer` to `key`, computed at `version`. Answers of older versions go.
    pub fn put(&self, version: i64, key: &str, answer: Bytes) {
        if answer.len() > self.capacity {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if version < kept.version {
            return;
        }
        if version > kept.version || kept.bytes + answer.len() > self.capacity {
            *kept = Kept {
                version,
                ..Kept::default()
            };
        }
        kept.bytes += answer.len() + key.len();
        if let Some(old) = kept.answers.insert(key.to_owned(), answer) {
            kept.bytes -= old.len() + key.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_live_as_long_as_their_version() {
        let cache = Cache::new(1024);
        cache.put(3, "q=a", Bytes::from_static(b"three"));
        assert_eq!(cache.get(3, "q=a").as_deref(), Some(&b"three"[..]));
        assert_eq!(cache.get(4, "q=a"), None);
        // An answer of an older version, finished late, does not come back.
        cache.put(4, "q=b", Bytes::from_static(b"four"));
        cache.put(3, "q=a", Bytes::from_static(b"three"));
        assert_eq!(cache.get(3, "q=a"), None);
        assert_eq!(cache.get(4, "q=a"), None);
        assert_eq!(cache.get(4, "q=b").as_deref(), Some(&b"four"[..]));
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = Cache::new(20);
        cache.put(1, "a", Bytes::from(vec![0; 10]));
        cache.put(1, "b", Bytes::from(vec![0; 10]));
        assert!(cache.get(1, "a").is_none(), "started over when full");
        assert!(cache.get(1, "b").is_some());
        cache.put(1, "c", Bytes::from(vec![0; 30]));
        assert!(cache.get(1, "c").is_none(), "larger than the whole cache");
        let off = Cache::new(0);
        off.put(1, "a", Bytes::from_static(b"x"));
        assert!(off.get(1, "a").is_none());
    }
}
