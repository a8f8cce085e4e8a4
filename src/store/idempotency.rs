//! `Idempotency-Key` for creates: the same key and body replay the first response; the same key
//! with another body is a 422. Keys live in the database, so every instance sees them.

use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::store::Actor;

/// The idempotency of one create: the client's key, if it sent one, and the operation it was
/// sent to (method and route pattern, as matched: a key names one request of one operation).
#[derive(Debug, Clone, Default)]
pub struct Idempotency {
    /// The `Idempotency-Key` header, if sent.
    pub key: Option<String>,
    /// The operation, e.g. `POST /api/v1/consultations`.
    pub operation: String,
}

/// Runs `create` once per (actor, key); call it inside the write's transaction so that the
/// stored response commits with the change. Returns the body and whether it was replayed.
pub fn once<T, R>(
    tx: &mut DbConnection,
    actor: &Actor,
    idem: &Idempotency,
    request: &R,
    create: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<(T, bool), ApiError>
where
    T: Serialize + DeserializeOwned,
    R: Serialize,
{
    let operation = idem.operation.as_str();
    let Some(key) = idem.key.as_deref() else {
        return create(tx).map(|t| (t, false));
    };
    let owner = match actor.id {
        Some(id) => format!("account:{id}"),
        None => format!("subject:{}", actor.name),
    };
    let mut hasher = Sha256::new();
    hasher.update(operation.as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(request).unwrap_or_default());
    let request_hash = hex::encode(hasher.finalize());

    let existing: Option<(String, String, String)> = idempotency_keys::table
        .filter(idempotency_keys::actor.eq(&owner))
        .filter(idempotency_keys::idem_key.eq(key))
        .select((
            idempotency_keys::operation,
            idempotency_keys::request_hash,
            idempotency_keys::response_body,
        ))
        .first(tx)
        .optional()?;
    if let Some((op, hash, body)) = existing {
        if op != operation || hash != request_hash {
            return Err(ApiError::invalid_field(
                "Idempotency-Key",
                "reused",
                "this Idempotency-Key was already used with a different request",
            ));
        }
        // A response stored by an earlier version of the service may no longer read as today's
        // record: the request was done once, so it is not done again, and the key is spent.
        let replay = serde_json::from_str(&body).map_err(|_| {
            ApiError::invalid_field(
                "Idempotency-Key",
                "expired",
                "this Idempotency-Key was used before the service was upgraded; its request was \
                 done once and cannot be replayed: read the record, or use a new key",
            )
        })?;
        return Ok((replay, true));
    }
    let created = create(tx)?;
    let body = serde_json::to_string(&created)
        .map_err(|e| ApiError::Internal(format!("cannot store idempotent response: {e}")))?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::actor.eq(&owner),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::operation.eq(operation),
            idempotency_keys::request_hash.eq(&request_hash),
            idempotency_keys::status.eq(201),
            idempotency_keys::response_body.eq(&body),
            idempotency_keys::created_at.eq(actor.at),
        ))
        .execute(tx)?;
    Ok((created, false))
}
