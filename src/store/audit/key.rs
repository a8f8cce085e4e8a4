//! The audit key: a secret from the configuration (never stored in the database) from which the
//! trail derives one key that binds events and one that signs checkpoints. Earlier keys stay
//! usable for verification after a rotation; each event names the key that bound it.

use std::fmt;
use std::sync::Arc;

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2_mac::Sha256>;

/// The shortest accepted audit secret.
pub const MIN_AUDIT_KEY_LEN: usize = 32;

/// The `key_id` of events written before the trail had keys (bound by an unkeyed SHA-256 link).
pub const LEGACY_KEY_ID: &str = "legacy";

/// The public secret of `--demo` runs without a configured key: a demo trail is not protected.
pub const DEMO_AUDIT_SECRET: &str = "huimin-demo-audit-key-not-secret-do-not-use";

/// One audit secret's derived keys.
#[derive(Clone)]
struct KeyPair {
    id: String,
    events: [u8; 32],
    checkpoints: [u8; 32],
}

impl KeyPair {
    fn derive(secret: &[u8]) -> Self {
        let derive = |label: &str| -> [u8; 32] {
            let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
            mac.update(label.as_bytes());
            mac.finalize().into_bytes().into()
        };
        let id = derive("huimin audit key id v1");
        KeyPair {
            id: hex::encode(&id[..8]),
            events: derive("huimin audit events v1"),
            checkpoints: derive("huimin audit checkpoints v1"),
        }
    }
}

/// The keys of the trail: the current one (binds new events, signs checkpoints) and earlier ones
/// (verify what they bound). Cheap to clone; never printed.
#[derive(Clone)]
pub struct AuditKeys {
    current: Arc<KeyPair>,
    earlier: Arc<Vec<KeyPair>>,
}

impl fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKeys")
            .field("current", &self.current.id)
            .field("earlier", &self.earlier.len())
            .finish()
    }
}

impl AuditKeys {
    /// Keys from the current secret and earlier ones (each at least
    /// [`MIN_AUDIT_KEY_LEN`] bytes).
    pub fn new(current: &[u8], earlier: &[&[u8]]) -> Result<Self, String> {
        if current.len() < MIN_AUDIT_KEY_LEN || earlier.iter().any(|k| k.len() < MIN_AUDIT_KEY_LEN)
        {
            return Err(format!(
                "an audit key must be at least {MIN_AUDIT_KEY_LEN} bytes long"
            ));
        }
        Ok(AuditKeys {
            current: Arc::new(KeyPair::derive(current)),
            earlier: Arc::new(earlier.iter().map(|k| KeyPair::derive(k)).collect()),
        })
    }

    /// The keys of `--demo` runs without a configured secret (publicly known).
    pub fn demo() -> Self {
        Self::new(DEMO_AUDIT_SECRET.as_bytes(), &[]).expect("the demo secret is long enough")
    }

    /// The id of the current key (a fingerprint; reveals nothing of the secret).
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    fn pair(&self, key_id: &str) -> Option<&KeyPair> {
        std::iter::once(self.current.as_ref())
            .chain(self.earlier.iter())
            .find(|k| k.id == key_id)
    }

    /// The MAC of an event's fields under the current key.
    pub(super) fn seal_event(&self, fields: &[Option<&[u8]>]) -> String {
        mac_hex(&self.current.events, fields)
    }

    /// The MAC of an event's fields under the key `key_id`, if that key is known.
    pub(super) fn event_mac(&self, key_id: &str, fields: &[Option<&[u8]>]) -> Option<String> {
        self.pair(key_id).map(|k| mac_hex(&k.events, fields))
    }

    /// The signature of a checkpoint's fields under the current key.
    pub(super) fn sign_checkpoint(&self, fields: &[Option<&[u8]>]) -> String {
        mac_hex(&self.current.checkpoints, fields)
    }

    /// Whether `signature` signs the checkpoint's fields under the key `key_id`.
    pub(super) fn checkpoint_signed(
        &self,
        key_id: &str,
        fields: &[Option<&[u8]>],
        signature: &str,
    ) -> bool {
        let Some(pair) = self.pair(key_id) else {
            return false;
        };
        let Ok(signature) = hex::decode(signature) else {
            return false;
        };
        let mut mac = HmacSha256::new_from_slice(&pair.checkpoints).expect("any key length");
        feed(&mut mac, fields);
        mac.verify_slice(&signature).is_ok()
    }
}

/// Feeds fields unambiguously: a presence byte, then the length and the bytes of each.
fn feed(mac: &mut HmacSha256, fields: &[Option<&[u8]>]) {
    for field in fields {
        match field {
            None => mac.update(&[0]),
            Some(bytes) => {
                mac.update(&[1]);
                mac.update(&(bytes.len() as u64).to_be_bytes());
                mac.update(bytes);
            }
        }
    }
}

fn mac_hex(key: &[u8; 32], fields: &[Option<&[u8]>]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
    feed(&mut mac, fields);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_refused_and_ids_do_not_reveal_the_secret() {
        assert!(AuditKeys::new(b"short", &[]).is_err());
        let secret = b"0123456789abcdef0123456789abcdef";
        let keys = AuditKeys::new(secret, &[]).expect("keys");
        assert_eq!(keys.current_id().len(), 16);
        assert!(!format!("{keys:?}").contains("0123456789"));
    }

    #[test]
    fn fields_are_framed_so_that_moving_a_boundary_changes_the_mac() {
        let keys = AuditKeys::new(&[7u8; 32], &[]).expect("keys");
        let a = keys.seal_event(&[Some(b"ab"), Some(b"c")]);
        let b = keys.seal_event(&[Some(b"a"), Some(b"bc")]);
        let c = keys.seal_event(&[Some(b""), None]);
        let d = keys.seal_event(&[None, Some(b"")]);
        assert_ne!(a, b);
        assert_ne!(c, d);
    }

    #[test]
    fn earlier_keys_verify_what_they_bound() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let before = AuditKeys::new(&old, &[]).expect("keys");
        let mac = before.seal_event(&[Some(b"x")]);
        let after = AuditKeys::new(&new, &[&old]).expect("keys");
        assert_eq!(
            after.event_mac(before.current_id(), &[Some(b"x")]),
            Some(mac)
        );
        assert_eq!(after.event_mac("unknown", &[Some(b"x")]), None);
        let sig = before.sign_checkpoint(&[Some(b"cp")]);
        assert!(after.checkpoint_signed(before.current_id(), &[Some(b"cp")], &sig));
        assert!(!after.checkpoint_signed(after.current_id(), &[Some(b"cp")], &sig));
    }
}
