//! Sessions: one row per login, named by the tokens it issued (`sid`), and what every
//! authenticated request checks its token against (the account and the session).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{api_clients, sessions, users};
use crate::db::DbConnection;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::store::audit::AuditLog;

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub client_address: Option<String>,
}

/// What a token is checked against: the account as it is now (and, for tokens of this service,
/// its session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    pub account_id: i64,
    pub username: String,
    pub role: Role,
    pub unit_id: i64,
    pub active: bool,
    pub token_version: i64,
    pub staff_id: Option<i64>,
    /// When the session ends (none for external identities).
    pub session_expires_at: Option<NaiveDateTime>,
    /// When the session was revoked (logout).
    pub session_revoked_at: Option<NaiveDateTime>,
    /// The OAuth client the account belongs to, with its own request rate limit, if any.
    pub client: Option<(i64, Option<i32>)>,
}

type StateColumns = (
    users::id,
    users::username,
    users::role,
    users::unit_id,
    users::active,
    users::token_version,
    users::staff_id,
);
const STATE: StateColumns = (
    users::id,
    users::username,
    users::role,
    users::unit_id,
    users::active,
    users::token_version,
    users::staff_id,
);
type StateTuple = (i64, String, Role, i64, bool, i64, Option<i64>);

fn state(
    t: StateTuple,
    expires: Option<NaiveDateTime>,
    revoked: Option<NaiveDateTime>,
) -> AccountState {
    AccountState {
        account_id: t.0,
        username: t.1,
        role: t.2,
        unit_id: t.3,
        active: t.4,
        token_version: t.5,
        staff_id: t.6,
        session_expires_at: expires,
        session_revoked_at: revoked,
        client: None,
    }
}

/// The session `sid` and its account, if it exists.
pub fn account_of_session_id(
    conn: &mut DbConnection,
    sid: i64,
) -> Result<Option<AccountState>, ApiError> {
    type Row = (
        StateTuple,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<(i64, Option<i32>)>,
    );
    let row: Option<Row> = sessions::table
        .inner_join(users::table)
        .left_join(api_clients::table.on(api_clients::user_id.eq(users::id)))
        .filter(sessions::id.eq(sid))
        .select((
            STATE,
            sessions::expires_at,
            sessions::revoked_at,
            (api_clients::id, api_clients::requests_per_minute).nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(t, expires, revoked, client)| AccountState {
        client,
        ..state(t, Some(expires), revoked)
    }))
}

/// The account an external identity (`<issuer>:<subject>`) is mapped to, if any.
pub fn account_of_external_subject(
    conn: &mut DbConnection,
    subject: &str,
) -> Result<Option<AccountState>, ApiError> {
    let row: Option<StateTuple> = users::table
        .filter(users::external_subject.eq(subject))
        .select(STATE)
        .first(conn)
        .optional()?;
    Ok(row.map(|t| state(t, None, None)))
}

/// Opens a session for an account inside a write and records the login.
pub fn open(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    account_id: i64,
    unit_id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    client_address: Option<&str>,
) -> Result<SessionRow, ApiError> {
    let row: SessionRow = diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(account_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
            sessions::client_address.eq(client_address),
        ))
        .returning(sessions::all_columns)
        .get_result(tx)?;
    log.added("login", "session", row.id, Some(unit_id), &row);
    Ok(row)
}

/// Revokes a session of an account inside a write and records the logout. A session already
/// revoked stays as it was (and nothing is recorded).
pub fn revoke(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    sid: i64,
    account_id: i64,
    unit_id: i64,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let before: Option<SessionRow> = sessions::table
        .filter(sessions::id.eq(sid))
        .filter(sessions::user_id.eq(account_id))
        .filter(sessions::revoked_at.is_null())
        .select(SessionRow::as_select())
        .first(tx)
        .optional()?;
    let Some(before) = before else {
        return Ok(());
    };
    let after: SessionRow = diesel::update(sessions::table.filter(sessions::id.eq(sid)))
        .set(sessions::revoked_at.eq(Some(now)))
        .returning(sessions::all_columns)
        .get_result(tx)?;
    log.record(
        "logout",
        "session",
        sid,
        Some(unit_id),
        Some(&before),
        Some(&after),
    );
    Ok(())
}

/// Forgets sessions that ended more than a day ago (their tokens expired with them).
pub fn purge_ended(tx: &mut DbConnection, now: NaiveDateTime) -> Result<usize, ApiError> {
    let cutoff = now - chrono::TimeDelta::days(1);
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.lt(cutoff))).execute(tx)?)
}
