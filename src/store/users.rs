//! Queries of accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::schema::users;
use crate::db::DbConnection;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::idempotency::Idempotency;
use crate::store::scope::unit_id_in_subtree;
use crate::store::write::record;
use crate::store::write::{self, Record};
use crate::store::{audit, units, Actor};

/// A stored account. Its password hash never leaves the store: not in the trail, not in a
/// replayed response.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    #[serde(skip_serializing, default)]
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: i64,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

record!(UserRow, "user", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

/// Filters of the account list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only accounts of this unit.
    pub unit_id: Option<i64>,
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only active (true) or inactive (false) accounts.
    pub active: Option<bool>,
}

/// The fields of a new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: i64,
}

/// Changes to an account; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub unit_id: Option<i64>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
}

/// An account by username, for login (no scope).
pub fn by_username(conn: &mut DbConnection, username: &str) -> Result<Option<UserRow>, ApiError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Accounts of units in the subtree of `root`, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &UserFilter,
    page: &PageRequest,
) -> Result<Page<UserRow>, ApiError> {
    let mut query = users::table
        .filter(unit_id_in_subtree("users.unit_id", root))
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after_id_of("users.id", Order::Ascending) {
        query = query.filter(after);
    }
    if let Some(unit) = filter.unit_id {
        query = query.filter(users::unit_id.eq(unit));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), Ok)
}

/// One account of the subtree of `root`.
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<UserRow, ApiError> {
    users::table
        .filter(users::id.eq(id))
        .filter(unit_id_in_subtree("users.unit_id", root))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("user", id))
}

/// Creates an account in a unit of the subtree of `root`. `password_hash` is computed by the
/// caller, outside the transaction; `request` is what the idempotency key remembers (never the
/// password itself).
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    new: &NewAccount,
    password_hash: &str,
    request: &impl serde::Serialize,
    idem: &Idempotency,
) -> Result<(UserRow, bool), ApiError> {
    write::create(conn, actor, idem, request, |tx, log| {
        units::find_referenced(tx, root, new.unit_id, "unit_id")?;
        if by_username(tx, &new.username)?.is_some() {
            return Err(ApiError::conflict(format!(
                "the username `{}` is taken",
                new.username
            )));
        }
        insert_row(tx, log.at(), new, password_hash)
    })
}

fn insert_row(
    tx: &mut DbConnection,
    now: NaiveDateTime,
    new: &NewAccount,
    password_hash: &str,
) -> Result<UserRow, ApiError> {
    Ok(diesel::insert_into(users::table)
        .values((
            users::username.eq(&new.username),
            users::password_hash.eq(password_hash),
            users::display_name.eq(new.display_name.trim()),
            users::role.eq(new.role),
            users::unit_id.eq(new.unit_id),
            users::active.eq(true),
            users::version.eq(1i64),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::all_columns)
        .get_result(tx)?)
}

/// Inserts an account inside a write and records it (seeding and the command line).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    username: &str,
    password_hash: &str,
    display_name: &str,
    role: Role,
    unit_id: i64,
) -> Result<UserRow, ApiError> {
    let new = NewAccount {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role,
        unit_id,
    };
    let row = insert_row(tx, log.at(), &new, password_hash)?;
    log.record::<(), _>(
        "create",
        UserRow::ENTITY,
        row.id,
        Some(unit_id),
        None,
        Some(&row),
    );
    Ok(row)
}

/// Changes an account of the subtree of `root`.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    changes: &AccountChanges,
) -> Result<UserRow, ApiError> {
    let action = if changes.password_hash.is_some() {
        "update_with_password"
    } else {
        "update"
    };
    write::update(
        conn,
        actor,
        if_match,
        action,
        |tx| find(tx, root, id),
        |tx, log, current| {
            if actor.id == Some(id)
                && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin))
            {
                return Err(ApiError::conflict(
                    "you cannot deactivate your own account or give up its admin role",
                ));
            }
            if let Some(unit) = changes.unit_id {
                units::find_referenced(tx, root, unit, "unit_id")?;
            }
            Ok(diesel::update(users::table.filter(users::id.eq(id)))
                .set((
                    users::display_name.eq(changes
                        .display_name
                        .as_deref()
                        .map(str::trim)
                        .unwrap_or(&current.display_name)),
                    users::role.eq(changes.role.unwrap_or(current.role)),
                    users::unit_id.eq(changes.unit_id.unwrap_or(current.unit_id)),
                    users::active.eq(changes.active.unwrap_or(current.active)),
                    users::password_hash.eq(changes
                        .password_hash
                        .as_deref()
                        .unwrap_or(&current.password_hash)),
                    users::version.eq(current.version + 1),
                    users::updated_at.eq(log.at()),
                ))
                .returning(users::all_columns)
                .get_result(tx)?)
        },
    )
}
