//! The chains of the trail. Each county has one (rooted at its `county_bureau` unit); a unit above
//! county level (a city bureau, the provincial department) has its own; the service's own writes
//! (seeding, the command line) and events from before the chains go to chain 0. A write appends
//! to the chain of its actor's unit, so that writes of different counties lock different head
//! rows and never wait on one another.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::fragment::Fragment;
use crate::db::schema::{audit_chains, units};
use crate::db::DbConnection;
use crate::domain::units::UnitKind;
use crate::error::ApiError;

use super::key::AuditKeys;
use super::{AuditRow, GENESIS_HASH};

/// The chain of the service's own writes (and of events older than the chains).
pub const SERVICE_CHAIN: i64 = 0;

/// The kinds of unit that root a chain: a county bureau, or a bureau above county level.
fn roots_a_chain(kind: &str) -> bool {
    [
        UnitKind::CountyBureau,
        UnitKind::CityBureau,
        UnitKind::ProvinceDepartment,
    ]
    .iter()
    .any(|k| k.to_string() == kind)
}

/// The chain of a write by an actor of `unit_id`: the nearest unit at or above it that is a county
/// bureau or a bureau above county level; without one, the root of its tree. An actor without a
/// unit (the service itself) writes to [`SERVICE_CHAIN`].
pub fn chain_of(conn: &mut DbConnection, unit_id: i64) -> Result<i64, ApiError> {
    let path: Option<String> = units::table
        .filter(units::id.eq(unit_id))
        .select(units::path)
        .first(conn)
        .optional()?;
    let Some(path) = path else {
        return Ok(SERVICE_CHAIN);
    };
    let ancestors: Vec<i64> = path
        .split('/')
        .filter_map(|part| part.parse().ok())
        .collect();
    let kinds: Vec<(i64, String)> = units::table
        .filter(units::id.eq_any(&ancestors))
        .select((units::id, units::kind))
        .load(conn)?;
    let root = ancestors
        .iter()
        .rev()
        .find(|id| {
            kinds
                .iter()
                .any(|(k, kind)| k == *id && roots_a_chain(kind))
        })
        .or(ancestors.first())
        .copied()
        .unwrap_or(SERVICE_CHAIN);
    Ok(root)
}

/// Takes the lock of chain `chain` for the rest of the transaction (creating its head on its
/// first write). On SQLite the first statement also takes the database's write lock.
pub fn lock(tx: &mut DbConnection, chain: i64) -> Result<(), ApiError> {
    // Statements written as fragments are prepared once: every write takes a head.
    let touch = |tx: &mut DbConnection| {
        Fragment::<BigInt>::new("UPDATE audit_chains SET last_seq = last_seq WHERE id = ")
            .bind(chain)
            .execute(tx)
    };
    if touch(tx)? == 1 {
        return Ok(());
    }
    // The chain's first write. Two first writes may race: the loser's insert fails inside its
    // savepoint, and its second touch waits for the winner's lock.
    let _ = tx.transaction(|sp| {
        diesel::insert_into(audit_chains::table)
            .values((
                audit_chains::id.eq(chain),
                audit_chains::last_seq.eq(0i64),
                audit_chains::last_hash.eq(GENESIS_HASH),
            ))
            .execute(sp)
    });
    match touch(tx)? {
        1 => Ok(()),
        _ => Err(ApiError::Internal(format!(
            "the head of audit chain {chain} cannot be created"
        ))),
    }
}

/// The head of chain `chain` (its last sequence and link), read under its lock.
pub fn head(tx: &mut DbConnection, chain: i64) -> Result<(i64, String), ApiError> {
    Ok(audit_chains::table
        .filter(audit_chains::id.eq(chain))
        .select((audit_chains::last_seq, audit_chains::last_hash))
        .first(tx)?)
}

/// Moves the head of chain `chain`.
pub fn set_head(tx: &mut DbConnection, chain: i64, seq: i64, hash: &str) -> Result<(), ApiError> {
    Fragment::<BigInt>::new("UPDATE audit_chains SET last_seq = ")
        .bind(seq)
        .sql(", last_hash = ")
        .bind(hash.to_owned())
        .sql(" WHERE id = ")
        .bind(chain)
        .execute(tx)?;
    Ok(())
}

/// `n` fresh event ids: from a sequence on PostgreSQL (no lock shared between chains); after the
/// largest on SQLite, where the write lock is held.
pub fn next_ids(tx: &mut DbConnection, n: usize) -> Result<Vec<i64>, ApiError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    match tx {
        DbConnection::Postgresql(_) => Ok(diesel::select(
            Fragment::<BigInt>::new("nextval('audit_events_id_seq') FROM generate_series(1, ")
                .bind(n as i64)
                .sql(")"),
        )
        .load(tx)?),
        DbConnection::Sqlite(_) => {
            let last: i64 = diesel::select(sql::<BigInt>(
                "COALESCE((SELECT MAX(id) FROM audit_events), 0)",
            ))
            .get_result(tx)?;
            Ok((1..=n as i64).map(|i| last + i).collect())
        }
    }
}

fn text(s: &Option<String>) -> Option<&[u8]> {
    s.as_deref().map(str::as_bytes)
}

/// The text of a stored time, as the MAC binds it.
fn time_text(row: &AuditRow) -> String {
    row.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The MAC of an event under the key it names (none when that key is unknown): HMAC-SHA-256 over
/// the previous link and every stored field.
pub fn event_mac(keys: &AuditKeys, row: &AuditRow) -> Option<String> {
    with_fields(row, |fields| keys.event_mac(&row.key_id, fields))
}

/// The MAC that binds a new event under the current key.
pub fn seal(keys: &AuditKeys, row: &AuditRow) -> String {
    with_fields(row, |fields| keys.seal_event(fields))
}

fn with_fields<T>(row: &AuditRow, f: impl FnOnce(&[Option<&[u8]>]) -> T) -> T {
    let (id, chain, seq) = (
        row.id.to_string(),
        row.chain_id.to_string(),
        row.chain_seq.to_string(),
    );
    let time = time_text(row);
    let actor_id = row.actor_id.map(|n| n.to_string());
    let entity_id = row.entity_id.map(|n| n.to_string());
    let unit_id = row.unit_id.map(|n| n.to_string());
    f(&[
        Some(b"huimin audit event v1"),
        Some(row.prev_hash.as_bytes()),
        Some(id.as_bytes()),
        Some(chain.as_bytes()),
        Some(seq.as_bytes()),
        Some(row.key_id.as_bytes()),
        Some(time.as_bytes()),
        text(&actor_id),
        Some(row.actor.as_bytes()),
        text(&row.role),
        Some(row.action.as_bytes()),
        Some(row.entity.as_bytes()),
        text(&entity_id),
        text(&unit_id),
        Some(row.request_id.as_bytes()),
        text(&row.caller_request_id),
        text(&row.before_data),
        text(&row.after_data),
    ])
}
