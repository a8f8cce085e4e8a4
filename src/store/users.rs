//! Queries of accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::api::users::{NewUser, User, UserFilter, UserPatch};
use crate::db::schema::users;
use crate::db::DbConnection;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::scope::unit_id_in_subtree;
use crate::store::{audit, idempotency, units, Actor};

/// A stored account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: i64,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UserRow {
    /// The role, parsed.
    pub fn role(&self) -> Result<Role, ApiError> {
        self.role
            .parse()
            .map_err(|e| ApiError::Internal(format!("user {}: {e}", self.id)))
    }
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
) -> Result<Page<User>, ApiError> {
    let mut query = users::table
        .filter(unit_id_in_subtree("users.unit_id", root))
        .filter(users::id.gt(page.after_id()))
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(unit) = filter.unit_id {
        query = query.filter(users::unit_id.eq(unit));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.to_string()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), User::try_from)
}

fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<UserRow, ApiError> {
    users::table
        .filter(users::id.eq(id))
        .filter(unit_id_in_subtree("users.unit_id", root))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("user", id))
}

/// One account of the subtree of `root`.
pub fn get(conn: &mut DbConnection, root: i64, id: i64) -> Result<User, ApiError> {
    User::try_from(find(conn, root, id)?)
}

fn check_unit(tx: &mut DbConnection, root: i64, unit_id: i64) -> Result<(), ApiError> {
    units::find_referenced(tx, root, unit_id, "unit_id").map(|_| ())
}

/// Creates an account in a unit of the subtree of `root`. `password_hash` is computed by the
/// caller, outside the transaction.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    new: &NewUser,
    password_hash: &str,
    idem: &idempotency::Idempotency,
) -> Result<(User, bool), ApiError> {
    // The stored idempotent request must not contain the password itself.
    let fingerprint = serde_json::json!({
        "username": new.username, "display_name": new.display_name,
        "role": new.role, "unit_id": new.unit_id,
        "password_sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(new.password.as_bytes())),
    });
    audit::write(conn, actor, |tx, log| {
        idempotency::once(tx, actor, idem, &fingerprint, |tx| {
            check_unit(tx, root, new.unit_id)?;
            if by_username(tx, &new.username)?.is_some() {
                return Err(ApiError::conflict(format!(
                    "the username `{}` is taken",
                    new.username
                )));
            }
            let user = insert(
                tx,
                log,
                &new.username,
                password_hash,
                &new.display_name,
                new.role,
                new.unit_id,
            )?;
            Ok(user)
        })
    })
}

/// Inserts an account inside a write (also used by seeding and the command line).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    username: &str,
    password_hash: &str,
    display_name: &str,
    role: Role,
    unit_id: i64,
) -> Result<User, ApiError> {
    let now = log.at();
    let row: UserRow = diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::display_name.eq(display_name.trim()),
            users::role.eq(role.to_string()),
            users::unit_id.eq(unit_id),
            users::active.eq(true),
            users::version.eq(1i64),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(users::all_columns)
        .get_result(tx)?;
    let user = User::try_from(row)?;
    log.record::<(), _>("create", "user", user.id, Some(unit_id), None, Some(&user));
    Ok(user)
}

/// Changes an account of the subtree of `root`.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    patch: &UserPatch,
    new_password_hash: Option<&str>,
) -> Result<User, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, root, id)?;
        if_match.check(current.version)?;
        if actor.id == Some(id)
            && (patch.active == Some(false) || patch.role.is_some_and(|r| r != Role::Admin))
        {
            return Err(ApiError::conflict(
                "you cannot deactivate your own account or give up its admin role",
            ));
        }
        if let Some(unit) = patch.unit_id {
            check_unit(tx, root, unit)?;
        }
        let before = User::try_from(current.clone())?;
        let row: UserRow = diesel::update(users::table.filter(users::id.eq(id)))
            .set((
                users::display_name.eq(patch
                    .display_name
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or(&current.display_name)),
                users::role.eq(patch
                    .role
                    .map(|r| r.to_string())
                    .unwrap_or(current.role.clone())),
                users::unit_id.eq(patch.unit_id.unwrap_or(current.unit_id)),
                users::active.eq(patch.active.unwrap_or(current.active)),
                users::password_hash.eq(new_password_hash.unwrap_or(&current.password_hash)),
                users::version.eq(current.version + 1),
                users::updated_at.eq(actor.at),
            ))
            .returning(users::all_columns)
            .get_result(tx)?;
        let after = User::try_from(row)?;
        let action = if new_password_hash.is_some() {
            "update_with_password"
        } else {
            "update"
        };
        log.record(
            action,
            "user",
            id,
            Some(after.unit_id),
            Some(&before),
            Some(&after),
        );
        Ok(after)
    })
}
