//! Webhook subscriptions and their deliveries.
//!
//! A subscription belongs to the account that made it (its `owner_id`) and that account's unit:
//! it gets the events of the change feed its owner may read, masked as its owner reads them.
//! Instances share the work through leases in the database: one instance at a time queues a
//! subscription's new events (a lease on the subscription, taken with one `UPDATE … RETURNING`),
//! and one instance at a time sends a delivery (a lease on the delivery, taken with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, one `UPDATE … RETURNING` on SQLite, where writes run
//! one at a time). A delivery is unique per subscription and event.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};
use serde::{Deserialize, Serialize};

use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::changes::Position;
use crate::store::scope::find_in_subtree;
use crate::store::scope::subtree_by_id;
use crate::store::write::{self, record};
use crate::store::{audit, Actor};

/// A stored subscription. The secret never enters the trail.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Serialize, Deserialize)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: i64,
    pub owner_id: i64,
    pub unit_id: i64,
    pub url: String,
    /// The kinds of resource, comma-separated (empty: all the owner may read).
    pub types: String,
    #[serde(skip_serializing, default)]
    pub secret: String,
    pub active: bool,
    pub feed_txid: i64,
    pub feed_id: i64,
    pub claimed_until: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

record!(WebhookRow, "webhook" in "webhooks", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

impl WebhookRow {
    /// Where queuing resumes in the feed.
    pub fn position(&self) -> Position {
        Position {
            txid: self.feed_txid,
            id: self.feed_id,
        }
    }
}

/// A stored delivery.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub body: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub retry_until: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// What a new subscription or a change sets.
#[derive(Debug, Clone, Default)]
pub struct WebhookValues {
    pub url: Option<String>,
    pub types: Option<String>,
    pub active: Option<bool>,
}

/// Creates a subscription of `owner` (at `unit`), starting at the feed's position `start`.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    owner: i64,
    unit: i64,
    url: &str,
    types: &str,
    secret: &str,
    start: Position,
) -> Result<WebhookRow, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let at = log.at();
        let row: WebhookRow = diesel::insert_into(webhooks::table)
            .values((
                webhooks::owner_id.eq(owner),
                webhooks::unit_id.eq(unit),
                webhooks::url.eq(url),
                webhooks::types.eq(types),
                webhooks::secret.eq(secret),
                webhooks::active.eq(true),
                webhooks::feed_txid.eq(start.txid),
                webhooks::feed_id.eq(start.id),
                webhooks::version.eq(1),
                webhooks::created_at.eq(at),
                webhooks::updated_at.eq(at),
            ))
            .returning(webhooks::all_columns)
            .get_result(tx)?;
        write::record_created(log, &row);
        Ok(row)
    })
}

/// The position at the end of the settled feed now (a new subscription starts there): on
/// PostgreSQL after every transaction that has ended, before every one still running or to come.
pub fn feed_end(conn: &mut DbConnection) -> Result<Position, ApiError> {
    use crate::db::schema::change_snapshots as c;
    use diesel::dsl::sql;
    match conn {
        DbConnection::Postgresql(_) => {
            let xmin: i64 = diesel::select(sql::<BigInt>(
                "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            ))
            .get_result(conn)?;
            Ok(Position {
                txid: xmin - 1,
                id: i64::MAX,
            })
        }
        DbConnection::Sqlite(_) => {
            let last: Option<i64> = c::table
                .select(diesel::dsl::max(c::audit_event_id))
                .first(conn)?;
            Ok(Position {
                txid: 0,
                id: last.unwrap_or(0),
            })
        }
    }
}

/// Subscriptions of the subtree of `root`, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    page: &PageRequest,
) -> Result<Page<WebhookRow>, ApiError> {
    let query = subtree_by_id!(WebhookRow in webhooks, root, page);
    page.finish(query.load(conn)?, |r| Cursor::by_id(r.id), Ok)
}

find_in_subtree! {
    /// One subscription of the subtree of `root` (404 otherwise).
    WebhookRow in webhooks, "webhooks.unit_id", WEBHOOK
}

/// Changes a subscription (versioned, audited).
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    values: &WebhookValues,
) -> Result<WebhookRow, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        let next: WebhookRow = diesel::update(webhooks::table.filter(webhooks::id.eq(current.id)))
            .set((
                webhooks::url.eq(values.url.clone().unwrap_or(current.url.clone())),
                webhooks::types.eq(values.types.clone().unwrap_or(current.types.clone())),
                webhooks::active.eq(values.active.unwrap_or(current.active)),
                webhooks::version.eq(current.version + 1),
                webhooks::updated_at.eq(log.at()),
            ))
            .returning(webhooks::all_columns)
            .get_result(tx)?;
        Ok(next)
    })
}

/// Deletes a subscription and its deliveries (audited).
pub fn delete(conn: &mut DbConnection, actor: &Actor, root: i64, id: i64) -> Result<(), ApiError> {
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, root, id)?;
        diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
            .execute(tx)?;
        diesel::delete(webhooks::table.filter(webhooks::id.eq(id))).execute(tx)?;
        log.record::<_, ()>(
            "delete",
            "webhook",
            id,
            Some(current.unit_id),
            Some(&current),
            None,
        );
        Ok(())
    })
}

/// Takes the queuing lease of every active subscription no other instance holds (until
/// `lease`), and answers them.
pub fn claim_subscriptions(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: NaiveDateTime,
) -> Result<Vec<WebhookRow>, ApiError> {
    Ok(diesel::sql_query(
        "UPDATE webhooks SET claimed_until = $1 \
         WHERE active AND (claimed_until IS NULL OR claimed_until < $2) RETURNING *",
    )
    .bind::<Timestamp, _>(lease)
    .bind::<Timestamp, _>(now)
    .load(conn)?)
}

/// Queues `items` (event id, body) of a subscription whose lease `lease` this instance holds,
/// moves its position to `to` and gives the lease back, in one transaction; nothing when the
/// lease was lost meanwhile.
pub fn enqueue(
    conn: &mut DbConnection,
    webhook: i64,
    lease: NaiveDateTime,
    items: &[(i64, String)],
    to: Position,
    now: NaiveDateTime,
    retry_until: NaiveDateTime,
) -> Result<usize, ApiError> {
    conn.transaction(|tx| {
        let held = diesel::update(
            webhooks::table
                .filter(webhooks::id.eq(webhook))
                .filter(webhooks::claimed_until.eq(lease)),
        )
        .set((
            webhooks::feed_txid.eq(to.txid),
            webhooks::feed_id.eq(to.id),
            webhooks::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(tx)?;
        if held == 0 {
            return Ok(0);
        }
        let mut queued = 0;
        for (event, body) in items {
            queued += diesel::sql_query(
                "INSERT INTO webhook_deliveries \
                 (webhook_id, event_id, body, state, attempts, next_attempt_at, retry_until, created_at) \
                 VALUES ($1, $2, $3, 'pending', 0, $4, $5, $4) \
                 ON CONFLICT (webhook_id, event_id) DO NOTHING",
            )
            .bind::<BigInt, _>(webhook)
            .bind::<BigInt, _>(*event)
            .bind::<Text, _>(body)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(retry_until)
            .execute(tx)?;
        }
        Ok(queued)
    })
}

/// A delivery claimed for sending, with where and with which secret.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub url: String,
    pub secret: String,
}

/// Claims up to `limit` due deliveries no other instance holds (until `lease`).
pub fn claim_deliveries(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, ApiError> {
    let lock = match conn {
        DbConnection::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    let rows: Vec<DeliveryRow> = diesel::sql_query(format!(
        "UPDATE webhook_deliveries SET claimed_until = $1 WHERE id IN (\
         SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.state = 'pending' AND w.active AND d.next_attempt_at <= $2 \
         AND (d.claimed_until IS NULL OR d.claimed_until < $2) \
         ORDER BY d.id LIMIT $3{lock}) RETURNING *"
    ))
    .bind::<Timestamp, _>(lease)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|d| d.webhook_id).collect();
    let hooks: Vec<(i64, String, String)> = webhooks::table
        .filter(webhooks::id.eq_any(ids))
        .select((webhooks::id, webhooks::url, webhooks::secret))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|delivery| {
            let (_, url, secret) = hooks.iter().find(|h| h.0 == delivery.webhook_id)?.clone();
            Some(Claimed {
                delivery,
                url,
                secret,
            })
        })
        .collect())
}

/// Records the outcome of an attempt by the instance holding `lease`: delivered, or the next
/// attempt at `next` (failed for good when `next` is none).
#[allow(clippy::too_many_arguments)]
pub fn finish(
    conn: &mut DbConnection,
    id: i64,
    lease: NaiveDateTime,
    now: NaiveDateTime,
    delivered: bool,
    status: Option<i32>,
    error: Option<String>,
    next: Option<NaiveDateTime>,
) -> Result<(), ApiError> {
    let state = match (delivered, next) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    diesel::sql_query(
        "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, last_status = $2, \
         last_error = $3, next_attempt_at = COALESCE($4, next_attempt_at), claimed_until = NULL, \
         delivered_at = CASE WHEN $1 = 'delivered' THEN $5 ELSE delivered_at END \
         WHERE id = $6 AND claimed_until = $7",
    )
    .bind::<Text, _>(state)
    .bind::<Nullable<Integer>, _>(status)
    .bind::<Nullable<Text>, _>(error)
    .bind::<Nullable<Timestamp>, _>(next)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(id)
    .bind::<Timestamp, _>(lease)
    .execute(conn)?;
    Ok(())
}

/// The deliveries of a subscription of the subtree of `root`, newest first.
pub fn deliveries(
    conn: &mut DbConnection,
    root: i64,
    webhook: i64,
    page: &PageRequest,
) -> Result<Page<DeliveryRow>, ApiError> {
    find(conn, root, webhook)?;
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::id.desc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after_id_of("webhook_deliveries.id", Order::Descending) {
        query = query.filter(after);
    }
    page.finish(query.load(conn)?, |r| Cursor::by_id(r.id), Ok)
}

/// Sends a delivery again: pending now, retried for another `retry_until`.
pub fn redeliver(
    conn: &mut DbConnection,
    root: i64,
    webhook: i64,
    id: i64,
    now: NaiveDateTime,
    retry_until: NaiveDateTime,
) -> Result<DeliveryRow, ApiError> {
    conn.transaction(|tx| {
        find(tx, root, webhook)?;
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(id))
                .filter(webhook_deliveries::webhook_id.eq(webhook)),
        )
        .set((
            webhook_deliveries::state.eq("pending"),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::retry_until.eq(retry_until),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .returning(webhook_deliveries::all_columns)
        .get_result(tx)
        .optional()?
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::DELIVERY, id))
    })
}

/// The account that owns a subscription, if it still exists.
pub fn owner(
    conn: &mut DbConnection,
    id: i64,
) -> Result<Option<crate::store::users::UserRow>, ApiError> {
    use crate::db::schema::users;
    Ok(users::table
        .filter(users::id.eq(id))
        .select(crate::store::users::UserRow::as_select())
        .first(conn)
        .optional()?)
}
