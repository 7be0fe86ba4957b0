//! Passwords and tokens: argon2id hashes (PHC strings) and random secrets.
//!
//! Hashing costs about 20 ms and 19 MiB on purpose; it runs on the blocking pool so that a burst
//! of logins or station connections never stalls the sessions' threads.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand_core::{OsRng, RngCore};

use crate::EngineError;

/// A random secret of `len` characters from `[A-Za-z0-9_-]` (6 random bits each).
pub fn random_secret(len: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 63)]))
        .collect()
}

/// Hashes a password into a PHC string (argon2id, random salt).
pub async fn hash(password: String) -> Result<String, EngineError> {
    blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| EngineError::Secret(e.to_string()))
    })
    .await?
}

/// Whether `password` matches `phc`. A malformed `phc` matches nothing.
pub async fn verify(password: String, phc: String) -> bool {
    blocking(move || {
        PasswordHash::new(&phc).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// Spends the time of a verification without a hash to compare with, so that "no such user"
/// and "wrong password" take as long.
pub async fn verify_nothing(password: String) {
    let _ = hash(password).await;
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| EngineError::Secret(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let phc = hash("correct horse battery".to_owned()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify("correct horse battery".to_owned(), phc.clone()).await);
        assert!(!verify("correct horse batterY".to_owned(), phc.clone()).await);
        assert!(!verify("correct horse battery".to_owned(), "not a hash".to_owned()).await);
        assert_ne!(
            phc,
            hash("correct horse battery".to_owned()).await.unwrap(),
            "salted"
        );
    }

    #[test]
    fn random_secrets_use_the_alphabet_and_differ() {
        let a = random_secret(32);
        assert_eq!(a.len(), 32);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, random_secret(32));
    }
}

/// Failed sign-ins per name (a user, a station): after [`Backoff::FREE`] failures in a row,
/// the name is locked for a while, doubling from 15 seconds up to five minutes; a success
/// clears it. Guessing a password then takes ages, while the owner who mistyped waits
/// seconds. Kept in memory, bounded.
#[derive(Debug, Default)]
pub struct Backoff {
    by_name: std::sync::Mutex<std::collections::HashMap<String, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    locked_until: Option<std::time::Instant>,
}

impl Backoff {
    /// Failures allowed before the first lock.
    pub const FREE: u32 = 5;
    const FIRST_LOCK: std::time::Duration = std::time::Duration::from_secs(15);
    const MAX_LOCK: std::time::Duration = std::time::Duration::from_secs(300);
    /// Names followed at most; beyond, the ones not locked now are forgotten.
    const CAPACITY: usize = 10_000;

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Failures>> {
        self.by_name
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How long `name` must still wait, if it is locked.
    pub fn locked(&self, name: &str) -> Option<std::time::Duration> {
        let until = self.lock().get(name)?.locked_until?;
        until.checked_duration_since(std::time::Instant::now())
    }

    /// Counts a failure; answers how long `name` is now locked, if it is.
    pub fn failed(&self, name: &str) -> Option<std::time::Duration> {
        let now = std::time::Instant::now();
        let mut all = self.lock();
        if all.len() >= Self::CAPACITY && !all.contains_key(name) {
            all.retain(|_, f| f.locked_until.is_some_and(|t| t > now));
            if all.len() >= Self::CAPACITY {
                all.clear();
            }
        }
        let entry = all.entry(name.to_owned()).or_insert(Failures {
            count: 0,
            locked_until: None,
        });
        entry.count += 1;
        let over = entry.count.checked_sub(Self::FREE)?;
        let wait = (Self::FIRST_LOCK * (1u32 << over.min(8))).min(Self::MAX_LOCK);
        entry.locked_until = Some(now + wait);
        Some(wait)
    }

    /// A success: `name` starts afresh. Whether it had failures counted.
    pub fn succeeded(&self, name: &str) -> bool {
        self.lock().remove(name).is_some()
    }
}

#[cfg(test)]
mod backoff_tests {
    use super::Backoff;

    #[test]
    fn a_name_is_locked_after_the_free_failures_and_freed_by_a_success() {
        let backoff = Backoff::default();
        for _ in 0..Backoff::FREE - 1 {
            assert_eq!(backoff.failed("ann"), None);
        }
        assert_eq!(backoff.locked("ann"), None);
        let first = backoff.failed("ann").expect("locked");
        assert_eq!(first.as_secs(), 15);
        assert!(backoff.locked("ann").is_some());
        assert_eq!(backoff.failed("ann").unwrap().as_secs(), 30, "doubling");
        assert_eq!(backoff.locked("bob"), None, "per name");
        backoff.succeeded("ann");
        assert_eq!(backoff.locked("ann"), None);
    }
}
