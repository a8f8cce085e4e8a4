//! The change feed: every event of the trail about a resource the API shows, with the resource
//! as stored after the change, in the order consumers must apply it.
//!
//! [`audit::write`](crate::store::audit::write), the one place events are appended, keeps here —
//! in the same transaction — an unredacted snapshot of the record of each resource event (the
//! trail itself only keeps redacted ones), and the id of the writing transaction.
//!
//! Order: on PostgreSQL, by (transaction id, event id), serving only the events of transactions
//! below the oldest one still running (`pg_snapshot_xmin`): every transaction that commits later
//! has a higher id than everything served, so a consumer resuming from its cursor never misses
//! one, however the counties' transactions interleave; a long transaction delays the feed, but
//! loses nothing. On SQLite one write runs at a time, so the event id is the commit order.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use serde_json::Value;

use crate::db::schema::{audit_events, change_snapshots};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::store::scope::unit_id_in_subtree;

/// Declares the query parameters of a list whose records change, and adds the filter every such
/// list shares, `updated_after`, with which a reader fetches only what changed since its last
/// read.
macro_rules! changed_since_filter {
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            $($fields)*
            /// Only records changed after this time (`updated_at` strictly later; RFC 3339, e.g.
            /// `2024-01-01T00:00:00Z`; a `+08:00` offset must be sent as `%2B08:00`). With keyset
            /// paging and the other filters, it fetches only what changed since a previous read.
            #[param(value_type = Option<String>, format = DateTime)]
            pub updated_after: Option<chrono::DateTime<chrono::FixedOffset>>,
        }
    };
}
pub(crate) use changed_since_filter;

/// The kinds of resource the feed carries (`types`), each the name of its API view.
pub const RESOURCES: &[&str] = &[
    "consultation",
    "aid_application",
    "aid_verification",
    "aid_work_entry",
    "follow_up",
    "unit",
    "unit_target",
    "staff",
    "duty_shift",
    "user",
    "calendar_day",
    "activity",
    "monthly_report",
    "inspection",
    "recognition",
];

/// The feed's resource of an event of the trail (`entity`, `action`), if it is one: a record the
/// API shows. Sign-ins, sessions, throttles, exports and the trail's own seals are not.
pub fn resource_of(entity: &str, action: &str) -> Option<&'static str> {
    match (entity, action) {
        ("aid_application", "verify_hardship") => Some("aid_verification"),
        ("aid_application", "log_work") => Some("aid_work_entry"),
        ("user", "login_failed") => None,
        (entity, _) => RESOURCES
            .iter()
            .copied()
            .filter(|r| !matches!(*r, "aid_verification" | "aid_work_entry"))
            .find(|r| *r == entity),
    }
}

/// Keeps the snapshots of resource events (`(audit event id, resource, record after the
/// change)`; no record for a deletion), inside the transaction that appends the events, in one
/// statement.
pub fn keep(
    tx: &mut DbConnection,
    snapshots: &[(i64, &str, Option<Value>)],
) -> Result<(), ApiError> {
    if snapshots.is_empty() {
        return Ok(());
    }
    let txid = match tx {
        DbConnection::Postgresql(_) => "pg_current_xact_id()::text::bigint",
        DbConnection::Sqlite(_) => "0",
    };
    let rows: Vec<String> = (0..snapshots.len())
        .map(|n| format!("(${}, {txid}, ${}, ${})", 3 * n + 1, 3 * n + 2, 3 * n + 3))
        .collect();
    let mut query = diesel::sql_query(format!(
        "INSERT INTO change_snapshots (audit_event_id, txid, resource, data) VALUES {}",
        rows.join(", ")
    ))
    .into_boxed();
    for (id, resource, data) in snapshots {
        query = query
            .bind::<BigInt, _>(*id)
            .bind::<Text, _>(*resource)
            .bind::<Nullable<Text>, _>(data.as_ref().map(Value::to_string));
    }
    query.execute(tx)?;
    Ok(())
}

/// A position in the feed: (transaction id, event id) of the last event served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Position {
    /// The writing transaction (0 on SQLite).
    pub txid: i64,
    /// The trail's event id.
    pub id: i64,
}

/// One event of the feed, with the record after it (stored, unredacted, as JSON).
#[derive(Debug, Clone, Queryable)]
pub struct ChangeRow {
    pub id: i64,
    pub txid: i64,
    pub resource: String,
    pub data: Option<String>,
    pub occurred_at: chrono::NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub role: Option<String>,
    pub action: String,
    pub entity_id: Option<i64>,
    pub unit_id: Option<i64>,
}

impl ChangeRow {
    /// The position after this event.
    pub fn position(&self) -> Position {
        Position {
            txid: self.txid,
            id: self.id,
        }
    }
}

/// Up to `limit` events after `after` of units in the subtree of `root`, of the kinds `types`,
/// in feed order; only events every earlier one of which is already committed (see above).
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    types: &[&'static str],
    after: Position,
    limit: i64,
) -> Result<Vec<ChangeRow>, ApiError> {
    let settled = match conn {
        DbConnection::Postgresql(_) => {
            "change_snapshots.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
        }
        DbConnection::Sqlite(_) => "1 = 1",
    };
    let rows = change_snapshots::table
        .inner_join(audit_events::table.on(audit_events::id.eq(change_snapshots::audit_event_id)))
        .filter(sql::<Bool>(settled))
        .filter(
            change_snapshots::txid
                .gt(after.txid)
                .or(change_snapshots::txid
                    .eq(after.txid)
                    .and(change_snapshots::audit_event_id.gt(after.id))),
        )
        .filter(change_snapshots::resource.eq_any(types.to_vec()))
        .filter(
            unit_id_in_subtree("audit_events.unit_id", root)
                .or(crate::store::aid::events_handled_in(root)),
        )
        .order((
            change_snapshots::txid.asc(),
            change_snapshots::audit_event_id.asc(),
        ))
        .limit(limit)
        .select((
            change_snapshots::audit_event_id,
            change_snapshots::txid,
            change_snapshots::resource,
            change_snapshots::data,
            audit_events::occurred_at,
            audit_events::actor_id,
            audit_events::actor,
            audit_events::role,
            audit_events::action,
            audit_events::entity_id,
            audit_events::unit_id,
        ))
        .load(conn)?;
    Ok(rows)
}

/// The snapshot of a record as the feed keeps it: the record serialized, without secrets.
pub fn snapshot(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        for secret in ["password", "password_hash", "token"] {
            map.remove(secret);
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_of_events() {
        assert_eq!(
            resource_of("aid_application", "accept"),
            Some("aid_application")
        );
        assert_eq!(
            resource_of("aid_application", "verify_hardship"),
            Some("aid_verification")
        );
        assert_eq!(resource_of("user", "login_failed"), None);
        assert_eq!(resource_of("session", "login"), None);
        assert_eq!(resource_of("consultation_ledger", "export"), None);
        assert_eq!(resource_of("duty_shift", "delete"), Some("duty_shift"));
    }
}
