//! The audit trail (全程留痕): every write appends its events in its own transaction, to the
//! chain of its actor's county (see [`chain`]), each event bound to the one before by a keyed MAC
//! (see [`key`]) that `verify` recomputes (see [`verify`]).

pub mod chain;
pub mod key;
pub mod verify;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use self::key::LEGACY_KEY_ID;
use crate::db::schema::audit_events;
use crate::db::DbConnection;
use crate::domain::masking::{mask_id_number, mask_name, mask_phone};
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::store::changes;
use crate::store::optional::FilterSome;
use crate::store::scope::subtree_by_id;
use crate::store::Actor;

pub use key::AuditKeys;
pub use verify::{checkpoint, ChainCheck, Checkpoint, VerifyScope};

/// The hash that precedes the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A stored audit event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub role: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub request_id: String,
    pub before_data: Option<String>,
    pub after_data: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The chain: the id of its root unit (0: the service's own chain).
    pub chain_id: i64,
    /// The event's sequence number in its chain.
    pub chain_seq: i64,
    /// The audit key that bound it (`legacy`: events from before the keys).
    pub key_id: String,
    /// The `X-Request-Id` the caller sent, beside the server's own `request_id`.
    pub caller_request_id: Option<String>,
}

/// An event recorded during a write, appended when the write's work succeeded.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    /// What was done: `create`, `update`, `delete`, or a workflow action.
    pub action: &'static str,
    /// The kind of record: `unit`, `unit_target`, `user`, …
    pub entity: &'static str,
    /// The record's id.
    pub entity_id: Option<i64>,
    /// The unit the record belongs to (for scoping reads of the trail).
    pub unit_id: Option<i64>,
    /// The record before (redacted).
    pub before: Option<Value>,
    /// The record after (redacted).
    pub after: Option<Value>,
    /// For the change feed: the feed's resource and the record after, unredacted (see
    /// [`changes`](crate::store::changes)).
    pub change: Option<(&'static str, Option<Value>)>,
}

/// The events of one write.
#[derive(Debug)]
pub struct AuditLog {
    at: NaiveDateTime,
    events: Vec<PendingEvent>,
}

impl AuditLog {
    /// How many events the write has recorded so far.
    pub fn recorded(&self) -> usize {
        self.events.len()
    }

    /// Moves the event recorded last to position `at`, before the events recorded since then:
    /// a change is recorded before what it caused.
    pub fn move_last_to(&mut self, at: usize) {
        if let Some(event) = self.events.pop() {
            self.events.insert(at.min(self.events.len()), event);
        }
    }

    /// When the write happens, read from the clock once it holds the trail's lock: what the
    /// write stores as its times and the time of its events.
    pub fn at(&self) -> NaiveDateTime {
        self.at
    }

    /// Records an event that adds `after` to the record `entity_id` (nothing stood before it).
    pub fn added<A: serde::Serialize>(
        &mut self,
        action: &'static str,
        entity: &'static str,
        entity_id: i64,
        unit_id: Option<i64>,
        after: &A,
    ) {
        self.record::<(), A>(action, entity, entity_id, unit_id, None, Some(after));
    }

    /// Records an event; `before` and `after` are redacted here.
    pub fn record<B: serde::Serialize, A: serde::Serialize>(
        &mut self,
        action: &'static str,
        entity: &'static str,
        entity_id: i64,
        unit_id: Option<i64>,
        before: Option<&B>,
        after: Option<&A>,
    ) {
        let snap = |v: Option<Value>| v.map(redact);
        let after = after.and_then(|a| serde_json::to_value(a).ok());
        let change = changes::resource_of(entity, action)
            .map(|resource| (resource, after.clone().map(changes::snapshot)));
        self.events.push(PendingEvent {
            action,
            entity,
            entity_id: Some(entity_id),
            unit_id,
            before: snap(before.and_then(|b| serde_json::to_value(b).ok())),
            after: snap(after),
            change,
        });
    }
}

/// Runs `work` in one transaction and appends its audit events in the same transaction: either
/// the change and its trail are both stored, or neither.
///
/// The transaction first takes the row lock of the head of the actor's chain (and, on SQLite,
/// the write lock), so writes of one county are serialised, a chain never forks, and
/// read-then-write checks inside `work` (versions, workflow states) cannot race; writes of other
/// counties take other locks and go on meanwhile.
pub fn write<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    work: impl FnOnce(&mut DbConnection, &mut AuditLog) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    // Outside the transaction: on SQLite its first statement must be the write that locks.
    let chain = chain::chain_of(conn, actor.unit_id)?;
    conn.transaction(|tx| {
        chain::lock(tx, chain)?;
        // Read under the lock: the writes' times rise with the trail's sequence.
        let mut log = AuditLog {
            at: actor.clock.stamp(),
            events: Vec::new(),
        };
        let out = work(tx, &mut log)?;
        append(tx, actor, chain, log)?;
        Ok(out)
    })
}

/// Binds a trail carried over from before the keys: when the service's chain ends in an unkeyed
/// (`legacy`) event, appends one keyed `seal` event to it, whose MAC covers the last legacy link
/// and so, link by link, every legacy event before it. Without the seal, legacy events could be
/// recomputed with plain SHA-256 by anyone holding the database. Runs at start-up; answers
/// whether it sealed (nothing to do once the chain ends in a keyed event).
pub fn seal_legacy(conn: &mut DbConnection, actor: &Actor) -> Result<bool, ApiError> {
    let last_is_legacy = |conn: &mut DbConnection| -> Result<bool, ApiError> {
        let last: Option<String> = audit_events::table
            .filter(audit_events::chain_id.eq(chain::SERVICE_CHAIN))
            .order(audit_events::chain_seq.desc())
            .select(audit_events::key_id)
            .first(conn)
            .optional()?;
        Ok(last.as_deref() == Some(LEGACY_KEY_ID))
    };
    if !last_is_legacy(conn)? {
        return Ok(false);
    }
    // An actor without a unit writes to the service's chain.
    let system = Actor {
        unit_id: 0,
        ..actor.clone()
    };
    write(conn, &system, |tx, log| {
        // Checked again under the chain's lock: two instances starting at once seal once.
        if !last_is_legacy(tx)? {
            return Ok(false);
        }
        log.events.push(PendingEvent {
            action: "seal",
            entity: "audit_chain",
            entity_id: Some(chain::SERVICE_CHAIN),
            unit_id: None,
            before: None,
            after: Some(
                serde_json::json!({"sealed": "legacy events, unkeyed before the audit key"}),
            ),
            change: None,
        });
        Ok(true)
    })
}

/// Records one export of personal data (action `export`): what was exported (`entity`, e.g.
/// `consultation_ledger`), of which unit's subtree, with which filter (redacted), how many rows.
pub fn record_export<F: serde::Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    entity: &'static str,
    unit_id: i64,
    filter: &F,
    format: &str,
) -> Result<(), ApiError> {
    let mut filter = serde_json::to_value(filter)
        .map(redact)
        .unwrap_or(Value::Null);
    // Free search text may be a name or a number: the trail only says that there was one.
    if let Some(q) = filter.get_mut("q").filter(|q| !q.is_null()) {
        *q = Value::String("(withheld)".into());
    }
    let after = serde_json::json!({"format": format, "filter": filter});
    write(conn, actor, |_, log| {
        log.events.push(PendingEvent {
            action: "export",
            entity,
            entity_id: None,
            unit_id: Some(unit_id),
            before: None,
            after: Some(after),
            change: None,
        });
        Ok(())
    })
}

/// Events (and snapshots) per insert statement: 18 values an event, well under either
/// backend's limit on a statement's parameters.
const APPEND_CHUNK: usize = 500;

fn append(
    tx: &mut DbConnection,
    actor: &Actor,
    chain_id: i64,
    log: AuditLog,
) -> Result<(), ApiError> {
    let AuditLog { at, events } = log;
    if events.is_empty() {
        return Ok(());
    }
    let (mut seq, mut prev) = chain::head(tx, chain_id)?;
    let ids = chain::next_ids(tx, events.len())?;
    let occurred_at = at;
    let mut rows = Vec::with_capacity(events.len());
    let mut snapshots = Vec::new();
    for (event, id) in events.into_iter().zip(ids) {
        seq += 1;
        let mut row = AuditRow {
            id,
            occurred_at,
            actor_id: actor.id,
            actor: actor.name.clone(),
            role: actor.role.map(|r| r.to_string()),
            action: event.action.to_owned(),
            entity: event.entity.to_owned(),
            entity_id: event.entity_id,
            unit_id: event.unit_id,
            request_id: actor.request_id.clone(),
            before_data: event.before.map(|v| v.to_string()),
            after_data: event.after.map(|v| v.to_string()),
            prev_hash: prev,
            hash: String::new(),
            chain_id,
            chain_seq: seq,
            key_id: actor.audit_keys.current_id().to_owned(),
            caller_request_id: actor.caller_request_id.clone(),
        };
        row.hash = chain::seal(&actor.audit_keys, &row);
        prev = row.hash.clone();
        if let Some((resource, data)) = event.change {
            snapshots.push((row.id, resource, data));
        }
        rows.push(row);
    }
    // The log in as few statements as the parameter limits allow (SQLite's is 32,766 values):
    // a write's round trips do not grow with its events.
    for chunk in rows.chunks(APPEND_CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|row| {
                (
                    audit_events::id.eq(row.id),
                    audit_events::occurred_at.eq(row.occurred_at),
                    audit_events::actor_id.eq(row.actor_id),
                    audit_events::actor.eq(&row.actor),
                    audit_events::role.eq(&row.role),
                    audit_events::action.eq(&row.action),
                    audit_events::entity.eq(&row.entity),
                    audit_events::entity_id.eq(row.entity_id),
                    audit_events::unit_id.eq(row.unit_id),
                    audit_events::request_id.eq(&row.request_id),
                    audit_events::before_data.eq(&row.before_data),
                    audit_events::after_data.eq(&row.after_data),
                    audit_events::prev_hash.eq(&row.prev_hash),
                    audit_events::hash.eq(&row.hash),
                    audit_events::chain_id.eq(row.chain_id),
                    audit_events::chain_seq.eq(row.chain_seq),
                    audit_events::key_id.eq(&row.key_id),
                    audit_events::caller_request_id.eq(&row.caller_request_id),
                )
            })
            .collect();
        let insert = diesel::insert_into(audit_events::table).values(values);
        // A multi-row insert is written per backend (the connection that serves both has none).
        match tx {
            DbConnection::Postgresql(c) => insert.execute(c)?,
            DbConnection::Sqlite(c) => insert.execute(c)?,
        };
    }
    for chunk in snapshots.chunks(APPEND_CHUNK) {
        changes::keep(tx, chunk)?;
    }
    chain::set_head(tx, chain_id, seq, &prev)
}

/// The unkeyed link of events written before the trail had keys (`key_id` `legacy`): SHA-256
/// over the previous hash and the fields stored then. Anyone can recompute it, so it only
/// verifies events that a keyed event follows.
pub fn chain_hash(row: &AuditRow) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let fields = [
        row.prev_hash.clone(),
        row.id.to_string(),
        row.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        num(row.actor_id),
        row.actor.clone(),
        opt(&row.role),
        row.action.clone(),
        row.entity.clone(),
        num(row.entity_id),
        num(row.unit_id),
        row.request_id.clone(),
        opt(&row.before_data),
        opt(&row.after_data),
    ];
    let mut hasher = Sha256::new();
    for f in fields {
        hasher.update(f.as_bytes());
        hasher.update([0x1f]);
    }
    hex::encode(hasher.finalize())
}

/// Masks personal data and drops secrets in a snapshot before it enters the trail, as the masked
/// sight of `crate::privacy` shows a person (the trail is read by auditors): names keep the
/// family name, phones are masked, ID numbers keep their first four characters, a birth date
/// becomes `birth_year`, the age in years goes wherever a birth date is known, and a person's
/// address (or the place of a consultation at home) becomes `"***"`. Idempotent: the trail's
/// readers apply it again to events written under an older policy.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            // A person: a record that carries someone's name or ID number (units and staff
            // carry neither, and their addresses are public).
            let is_person = ["id_number", "person_name", "applicant_name"]
                .iter()
                .any(|k| map.contains_key(*k));
            let has_birth_date = map.get("birth_date").is_some_and(|v| !v.is_null())
                || map.get("birth_year").is_some_and(|v| !v.is_null());
            let at_home = map.get("site").and_then(Value::as_str) == Some("home");
            Value::Object(
                map.into_iter()
                    .filter(|(k, _)| {
                        let secret = matches!(k.as_str(), "password" | "password_hash" | "token");
                        let age_beside_birth = k == "age" && has_birth_date;
                        !(secret || age_beside_birth)
                    })
                    .map(|(k, v)| match (k.as_str(), v) {
                        (key, Value::String(s)) if key.contains("id_number") => {
                            (k, Value::String(mask_id_number(&s)))
                        }
                        (key, Value::String(s)) if key.contains("phone") => {
                            (k, Value::String(mask_phone(&s)))
                        }
                        ("person_name" | "applicant_name" | "guardian_name", Value::String(s)) => {
                            (k, Value::String(mask_name(&s)))
                        }
                        ("birth_date", Value::String(s)) => (
                            "birth_year".to_owned(),
                            s.get(..4)
                                .and_then(|y| y.parse::<i64>().ok())
                                .map_or(Value::Null, Value::from),
                        ),
                        ("address", Value::String(_)) if is_person => {
                            (k, Value::String("***".into()))
                        }
                        ("place", Value::String(_)) if at_home => (k, Value::String("***".into())),
                        (_, v) => (k, redact(v)),
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

/// The result of recomputing the chain.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// Whether every link holds.
    pub intact: bool,
    /// Events checked, in all chains.
    pub checked: i64,
    /// The id of the first broken event of the first broken chain (when it is stored).
    pub first_broken_id: Option<i64>,
    /// Why that chain is broken.
    pub reason: Option<String>,
    /// Each chain verified (those rooted in the caller's subtree).
    pub chains: Vec<ChainCheck>,
    /// The time of the checkpoint compared with, if one was given.
    pub checkpoint_taken_at: Option<String>,
}

/// Filters of the trail.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Only events about this kind of record (`unit`, `unit_target`, `user`, …).
    #[param(max_length = 40)]
    pub entity: Option<String>,
    /// Only events about this record.
    pub entity_id: Option<i64>,
    /// Only events of this unit.
    pub unit_id: Option<i64>,
    /// Only events by this actor.
    #[param(max_length = 100)]
    pub actor: Option<String>,
    /// Only events of this request: the server's request id, or the `X-Request-Id` the caller
    /// sent.
    #[param(max_length = 128)]
    pub request_id: Option<String>,
    /// Only events at or after this time.
    pub from: Option<DateTime<FixedOffset>>,
    /// Only events before this time.
    pub to: Option<DateTime<FixedOffset>>,
}

/// Events of the subtree of `root`, oldest first.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditRow>, ApiError> {
    let mut query = subtree_by_id!(AuditRow in audit_events, root, page);
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_events::entity.eq(entity.clone()));
    }
    query = query.filter_some(filter.entity_id, |id| audit_events::entity_id.eq(id));
    query = query.filter_some(filter.unit_id, |unit| audit_events::unit_id.eq(unit));
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_events::actor.eq(actor.clone()));
    }
    if let Some(rid) = &filter.request_id {
        query = query.filter(
            audit_events::request_id
                .eq(rid.clone())
                .or(audit_events::caller_request_id.eq(rid.clone())),
        );
    }
    query = query.filter_some(filter.from, |from| {
        audit_events::occurred_at.ge(from.naive_utc())
    });
    query = query.filter_some(filter.to, |to| audit_events::occurred_at.lt(to.naive_utc()));
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redaction_masks_personal_data_and_drops_secrets() {
        let v = redact(json!({
            "name": "龙港镇司法所", "person_name": "张三丰", "phone": "13812345678", "password_hash": "$argon2id$…",
            "applicant": {"id_number": "140521198001011234"}
        }));
        assert_eq!(v["phone"], "138****5678");
        assert_eq!(v["person_name"], "张**");
        assert_eq!(v["name"], "龙港镇司法所");
        assert_eq!(v["applicant"]["id_number"], "1405**************");
        assert!(v.get("password_hash").is_none());
    }

    #[test]
    fn redaction_keeps_no_birth_date_age_or_personal_address() {
        let app = json!({
            "id": 3, "unit_id": 4,
            "applicant": {"applicant_name": "赵某", "id_number": "140521198005050817",
                "birth_date": "1980-05-05", "age": 42, "sex": "male", "address": "沁水县龙港镇",
                "guardian_name": "赵某某", "guardian_phone": "13900001111"}
        });
        let v = redact(app);
        let a = &v["applicant"];
        assert_eq!(a["birth_year"], 1980);
        assert!(
            a.get("birth_date").is_none() && a.get("age").is_none(),
            "{a}"
        );
        assert_eq!(a["address"], "***");
        assert_eq!(a["guardian_name"], "赵**");
        assert_eq!(a["guardian_phone"], "139****1111");
        // Redacting again changes nothing.
        assert_eq!(redact(v.clone()), v);
        // A consultation without an ID number keeps the age the person gave; at home, the
        // place is an address.
        let c = redact(json!({"person_name": "李四", "age": 40, "birth_date": null,
            "id_number": null, "site": "home", "place": "某村12号"}));
        assert_eq!(c["age"], 40);
        assert_eq!(c["place"], "***");
        // A unit's address is public.
        let u = redact(json!({"name": "龙港镇司法所", "address": "龙港镇新区"}));
        assert_eq!(u["address"], "龙港镇新区");
        // An older event, masked under the old policy, is masked again on reading.
        let old = redact(
            json!({"id_number": "1405**********1234", "birth_date": "1980-05-05", "age": 42}),
        );
        assert_eq!(
            old,
            json!({"id_number": "1405**************", "birth_year": 1980})
        );
    }
}
