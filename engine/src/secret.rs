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
