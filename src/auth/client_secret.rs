//! Client identifiers and secrets of the client credentials grant. A secret is 256 random bits
//! (base64url), so a fast digest is enough to keep it: SHA-256, compared in time independent of
//! where digests differ. The secret itself is shown once and never stored.

use base64::Engine;
use rand_core::{OsRng, RngCore};
use sha2::Digest;

/// The prefix of every secret, so that a leaked one is recognisable (secret scanners).
pub const SECRET_PREFIX: &str = "hmcs_";

/// A new public client identifier: `client-` and 16 hex digits (a valid username).
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 8];
    OsRng.fill_bytes(&mut bytes);
    format!("client-{}", hex::encode(bytes))
}

/// A new secret: the prefix and 32 random bytes in base64url.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored digest of a secret.
pub fn digest(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` is the one whose digest is `stored`.
pub fn matches(secret: &str, stored: &str) -> bool {
    let given = digest(secret);
    given.len() == stored.len()
        && given
            .bytes()
            .zip(stored.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_its_digest_only() {
        let secret = new_secret();
        assert!(secret.starts_with(SECRET_PREFIX));
        assert_eq!(secret.len(), SECRET_PREFIX.len() + 43);
        let stored = digest(&secret);
        assert!(matches(&secret, &stored));
        assert!(!matches(&new_secret(), &stored));
        assert!(!matches(&secret, "short"));
        assert!(crate::validation::username(&new_client_id()).is_ok());
        assert_ne!(new_client_id(), new_client_id());
    }
}
