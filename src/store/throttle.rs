//! Failed-login counters in the database, so that every instance sees the same ones (the rules
//! are in [`crate::domain::throttle`]). Counters are keyed by a keyed digest of the username or
//! the client address, computed by the caller: the table holds no username typed at the login
//! form (it may be a password typed into the wrong field).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::db::schema::login_throttles;
use crate::db::DbConnection;
use crate::domain::throttle::{ThrottleScope, FORGET_AFTER_SECS};
use crate::error::ApiError;
use crate::store::audit::AuditLog;

/// A stored counter.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = login_throttles)]
pub struct ThrottleRow {
    pub id: i64,
    pub scope: String,
    #[serde(skip_serializing)]
    pub key_digest: String,
    pub failures: i32,
    pub last_failure_at: NaiveDateTime,
    pub blocked_until: Option<NaiveDateTime>,
    pub reported_until: Option<NaiveDateTime>,
}

/// The two counters of one attempt: (scope, key digest).
#[derive(Debug, Clone)]
pub struct AttemptKeys {
    /// Digest of the username.
    pub account: String,
    /// Digest of the client address.
    pub address: String,
}

impl AttemptKeys {
    fn each(&self) -> [(ThrottleScope, &str); 2] {
        [
            (ThrottleScope::Account, self.account.as_str()),
            (ThrottleScope::Address, self.address.as_str()),
        ]
    }
}

fn find(
    conn: &mut DbConnection,
    scope: ThrottleScope,
    key: &str,
) -> Result<Option<ThrottleRow>, ApiError> {
    Ok(login_throttles::table
        .filter(login_throttles::scope.eq(scope.code()))
        .filter(login_throttles::key_digest.eq(key))
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()?)
}

/// The counters that delay an attempt at `now`, with the seconds to wait (at least 1).
pub fn blocking(
    conn: &mut DbConnection,
    keys: &AttemptKeys,
    now: NaiveDateTime,
) -> Result<Vec<(ThrottleRow, u64)>, ApiError> {
    let mut out = Vec::new();
    for (scope, key) in keys.each() {
        if let Some(row) = find(conn, scope, key)? {
            if let Some(until) = row.blocked_until.filter(|u| *u > now) {
                let ms = (until - now).num_milliseconds().max(0);
                let secs = u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1);
                out.push((row, secs));
            }
        }
    }
    Ok(out)
}

/// Inside a write: marks the delays of `rows` as reported and returns those not reported before,
/// so that a delay is recorded in the trail once however often it is hit.
pub fn report_once(
    tx: &mut DbConnection,
    rows: &[(ThrottleRow, u64)],
) -> Result<Vec<ThrottleRow>, ApiError> {
    let mut fresh = Vec::new();
    for (row, _) in rows {
        let Some(until) = row.blocked_until else {
            continue;
        };
        let changed = diesel::update(
            login_throttles::table
                .filter(login_throttles::id.eq(row.id))
                .filter(login_throttles::blocked_until.eq(until))
                .filter(
                    login_throttles::reported_until
                        .is_null()
                        .or(login_throttles::reported_until.ne(until)),
                ),
        )
        .set(login_throttles::reported_until.eq(Some(until)))
        .execute(tx)?;
        if changed == 1 {
            fresh.push(row.clone());
        }
    }
    Ok(fresh)
}

/// Inside a write: counts a failed attempt on both counters (a counter quiet for
/// [`FORGET_AFTER_SECS`] starts again) and sets their next delays. Returns the rows after.
pub fn count_failure(
    tx: &mut DbConnection,
    keys: &AttemptKeys,
    now: NaiveDateTime,
) -> Result<Vec<ThrottleRow>, ApiError> {
    let forget_before = now - TimeDelta::seconds(FORGET_AFTER_SECS);
    let mut out = Vec::new();
    for (scope, key) in keys.each() {
        diesel::sql_query(
            "INSERT INTO login_throttles (scope, key_digest, failures, last_failure_at) \
             VALUES ($1, $2, 0, $3) ON CONFLICT (scope, key_digest) DO NOTHING",
        )
        .bind::<Text, _>(scope.code())
        .bind::<Text, _>(key)
        .bind::<Timestamp, _>(now)
        .execute(tx)?;
        let this = login_throttles::table
            .filter(login_throttles::scope.eq(scope.code()))
            .filter(login_throttles::key_digest.eq(key));
        diesel::update(this.filter(login_throttles::last_failure_at.lt(forget_before)))
            .set(login_throttles::failures.eq(0))
            .execute(tx)?;
        let failures: i32 = diesel::update(this)
            .set((
                login_throttles::failures.eq(login_throttles::failures + 1),
                login_throttles::last_failure_at.eq(now),
            ))
            .returning(login_throttles::failures)
            .get_result(tx)?;
        let delay = scope.delay_secs(failures);
        let row: ThrottleRow = diesel::update(this)
            .set(
                login_throttles::blocked_until
                    .eq((delay > 0).then(|| now + TimeDelta::seconds(delay))),
            )
            .returning(login_throttles::all_columns)
            .get_result(tx)?;
        out.push(row);
    }
    // Counters quiet for long are forgotten.
    diesel::delete(
        login_throttles::table
            .filter(login_throttles::last_failure_at.lt(forget_before))
            .filter(
                login_throttles::blocked_until
                    .is_null()
                    .or(login_throttles::blocked_until.lt(now)),
            ),
    )
    .execute(tx)?;
    Ok(out)
}

/// Inside a write: a successful login clears the account's counter (not the address's: one good
/// account must not buy an address more guesses at others).
pub fn clear_account(tx: &mut DbConnection, keys: &AttemptKeys) -> Result<(), ApiError> {
    diesel::delete(
        login_throttles::table
            .filter(login_throttles::scope.eq(ThrottleScope::Account.code()))
            .filter(login_throttles::key_digest.eq(&keys.account)),
    )
    .execute(tx)?;
    Ok(())
}

/// Records an event about a counter (`login_failed` for an unknown username, `login_throttled`).
pub fn record(
    log: &mut AuditLog,
    action: &'static str,
    row: &ThrottleRow,
    unit_id: Option<i64>,
    details: &serde_json::Value,
) {
    let mut after = serde_json::to_value(row).unwrap_or(serde_json::Value::Null);
    if let (Some(map), Some(extra)) = (after.as_object_mut(), details.as_object()) {
        map.extend(extra.clone());
    }
    log.added(action, "login_throttle", row.id, unit_id, &after);
}
