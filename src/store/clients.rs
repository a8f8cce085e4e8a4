//! Queries of OAuth 2.0 clients (client credentials grant). A client acts through an account of
//! its own: role, unit, active flag and token version are the account's, so a client's tokens
//! are sessions checked like every other, and deactivating or rotating bumps the account's token
//! version. The secret is stored as its digest only and never leaves the store.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::schema::{api_clients, users};
use crate::db::DbConnection;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::optional::FilterSome;
use crate::store::scope::unit_id_in_subtree;
use crate::store::write::{self, first_version, record};
use crate::store::{audit, units, Actor};

/// A stored client with its account's role, unit and state. The secret's digest is never
/// serialised (not in the trail, not in a response).
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct ClientRow {
    pub id: i64,
    pub user_id: i64,
    pub client_id: String,
    pub name: String,
    #[serde(skip_serializing)]
    pub secret_digest: String,
    pub requests_per_minute: Option<i32>,
    pub secret_rotated_at: NaiveDateTime,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub role: Role,
    pub unit_id: i64,
    pub active: bool,
    /// The account's token version (the grant's tokens carry it).
    #[serde(skip_serializing)]
    pub token_version: i64,
}

record!(ClientRow, "api_client" in "api_clients", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

/// The client's own columns.
#[derive(Queryable, Selectable)]
#[diesel(table_name = api_clients)]
struct Stored {
    id: i64,
    user_id: i64,
    client_id: String,
    name: String,
    secret_digest: String,
    requests_per_minute: Option<i32>,
    secret_rotated_at: NaiveDateTime,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// What a query of clients selects: the client's columns and its account's.
type Columns = (
    diesel::dsl::AsSelect<Stored, crate::db::MultiBackend>,
    users::role,
    users::unit_id,
    users::active,
    users::token_version,
);

fn columns() -> Columns {
    (
        Stored::as_select(),
        users::role,
        users::unit_id,
        users::active,
        users::token_version,
    )
}

type Tuple = (Stored, Role, i64, bool, i64);

fn row(t: Tuple) -> ClientRow {
    let (c, role, unit_id, active, token_version) = t;
    ClientRow {
        id: c.id,
        user_id: c.user_id,
        client_id: c.client_id,
        name: c.name,
        secret_digest: c.secret_digest,
        requests_per_minute: c.requests_per_minute,
        secret_rotated_at: c.secret_rotated_at,
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
        role,
        unit_id,
        active,
        token_version,
    }
}

/// Filters of the client list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientFilter {
    /// Only clients of this unit.
    pub unit_id: Option<i64>,
    /// Only active (true) or deactivated (false) clients.
    pub active: Option<bool>,
}

/// A new client, as stored (its secret as a digest).
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Its public identifier (also its account's username).
    pub client_id: String,
    /// A name for people.
    pub name: String,
    /// The role its tokens carry.
    pub role: Role,
    /// Its unit: it sees this unit's subtree.
    pub unit_id: i64,
    /// Its own request rate limit; none: the service's default.
    pub requests_per_minute: Option<i32>,
    /// The digest of its secret.
    pub secret_digest: String,
}

/// What an account's password hash is for a client's account: not a PHC string, so no
/// password ever verifies against it.
pub const NO_PASSWORD: &str = "!client-credentials-only";

/// Registers a client and its account in a unit of the subtree of `root`, and records both.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    new: &NewClient,
) -> Result<ClientRow, ApiError> {
    audit::write(conn, actor, |tx, log| {
        units::find_referenced(tx, root, new.unit_id, "unit_id")?;
        let account = crate::store::users::insert(
            tx,
            log,
            &new.client_id,
            NO_PASSWORD,
            &new.name,
            new.role,
            new.unit_id,
        )?;
        let now = log.at();
        let id: i64 = diesel::insert_into(api_clients::table)
            .values((
                api_clients::user_id.eq(account.id),
                api_clients::client_id.eq(&new.client_id),
                api_clients::name.eq(new.name.trim()),
                api_clients::secret_digest.eq(&new.secret_digest),
                api_clients::requests_per_minute.eq(new.requests_per_minute),
                api_clients::secret_rotated_at.eq(now),
                first_version!(api_clients, now),
            ))
            .returning(api_clients::id)
            .get_result(tx)?;
        let created = by_id(tx, id)?;
        write::record_created(log, &created);
        Ok(created)
    })
}

fn by_id(conn: &mut DbConnection, id: i64) -> Result<ClientRow, ApiError> {
    let t: Tuple = api_clients::table
        .inner_join(users::table)
        .filter(api_clients::id.eq(id))
        .select(columns())
        .first(conn)?;
    Ok(row(t))
}

/// The client with this public identifier, if any (for the token endpoint).
pub fn by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> Result<Option<ClientRow>, ApiError> {
    let t: Option<Tuple> = api_clients::table
        .inner_join(users::table)
        .filter(api_clients::client_id.eq(client_id))
        .select(columns())
        .first(conn)
        .optional()?;
    Ok(t.map(row))
}

/// Whether an account is a client's (it never logs in with a password).
pub fn is_client_account(conn: &mut DbConnection, account_id: i64) -> Result<bool, ApiError> {
    let n: i64 = api_clients::table
        .filter(api_clients::user_id.eq(account_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Clients of units in the subtree of `root`, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &ClientFilter,
    page: &PageRequest,
) -> Result<Page<ClientRow>, ApiError> {
    let mut query = api_clients::table
        .inner_join(users::table)
        .filter(unit_id_in_subtree("users.unit_id", root))
        .select(columns())
        .order(api_clients::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after_id_of("api_clients.id", Order::Ascending) {
        query = query.filter(after);
    }
    query = query.filter_some(filter.unit_id, |unit| users::unit_id.eq(unit));
    query = query.filter_some(filter.active, |active| users::active.eq(active));
    let rows: Vec<Tuple> = query.load(conn)?;
    page.finish(
        rows.into_iter().map(row).collect(),
        |r| Cursor::by_id(r.id),
        Ok,
    )
}

/// One client of the subtree of `root`.
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<ClientRow, ApiError> {
    let t: Option<Tuple> = api_clients::table
        .inner_join(users::table)
        .filter(api_clients::id.eq(id))
        .filter(unit_id_in_subtree("users.unit_id", root))
        .select(columns())
        .first(conn)
        .optional()?;
    t.map(row)
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::CLIENT, id))
}

/// Ends every token of the client's account (bumps its token version).
fn end_tokens(
    tx: &mut DbConnection,
    current: &ClientRow,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(users::table.filter(users::id.eq(current.user_id)))
        .set((
            users::token_version.eq(users::token_version + 1),
            users::updated_at.eq(now),
        ))
        .execute(tx)?;
    Ok(())
}

/// Replaces a client's secret (its digest) and ends its tokens; recorded as `rotate_secret`
/// (without the digest).
pub fn rotate_secret(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    secret_digest: &str,
) -> Result<ClientRow, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(
        conn,
        actor,
        if_match,
        "rotate_secret",
        read,
        |tx, log, current| {
            let now = log.at();
            end_tokens(tx, current, now)?;
            diesel::update(api_clients::table.filter(api_clients::id.eq(current.id)))
                .set((
                    api_clients::secret_digest.eq(secret_digest),
                    api_clients::secret_rotated_at.eq(now),
                    api_clients::version.eq(current.version + 1),
                    api_clients::updated_at.eq(now),
                ))
                .execute(tx)?;
            by_id(tx, current.id)
        },
    )
}

/// Deactivates a client: its account stops, its tokens end. Deactivating a deactivated client
/// changes nothing but its version.
pub fn deactivate(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
) -> Result<ClientRow, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(
        conn,
        actor,
        if_match,
        "deactivate",
        read,
        |tx, log, current| {
            let now = log.at();
            end_tokens(tx, current, now)?;
            diesel::update(users::table.filter(users::id.eq(current.user_id)))
                .set((
                    users::active.eq(false),
                    users::version.eq(users::version + 1),
                ))
                .execute(tx)?;
            diesel::update(api_clients::table.filter(api_clients::id.eq(current.id)))
                .set((
                    api_clients::version.eq(current.version + 1),
                    api_clients::updated_at.eq(now),
                ))
                .execute(tx)?;
            by_id(tx, current.id)
        },
    )
}
