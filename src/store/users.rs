//! Queries of accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::schema::users;
use crate::db::DbConnection;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::find_in_subtree;
use crate::store::scope::{check_referenced, subtree_by_id};
use crate::store::write::record;
use crate::store::write::{self, first_version, Record};
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
    /// Bumped by every change that must end the account's tokens (see [`update`]).
    pub token_version: i64,
    /// The account's staff record, if linked.
    pub staff_id: Option<i64>,
    /// The external identity (`<issuer>:<subject>`) mapped to this account, if any.
    pub external_subject: Option<String>,
}

record!(UserRow, "user" in "users", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

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
    pub staff_id: Option<i64>,
    pub external_subject: Option<String>,
}

/// Changes to an account; absent fields stay (`Some(None)` removes a link).
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub unit_id: Option<i64>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    pub staff_id: Option<Option<i64>>,
    pub external_subject: Option<Option<String>>,
}

impl AccountChanges {
    /// Whether the changes end the account's tokens: a change of active, role, unit, password,
    /// staff link or external subject.
    pub fn ends_tokens(&self, current: &UserRow) -> bool {
        self.active.is_some_and(|a| a != current.active)
            || self.role.is_some_and(|r| r != current.role)
            || self.unit_id.is_some_and(|u| u != current.unit_id)
            || self.password_hash.is_some()
            || self.staff_id.is_some_and(|s| s != current.staff_id)
            || self
                .external_subject
                .as_ref()
                .is_some_and(|e| *e != current.external_subject)
    }
}

/// Whether an account other than `id` (any account, for a new one) is among `holders`.
fn held_by_another(
    tx: &mut DbConnection,
    holders: users::BoxedQuery<'_, crate::db::MultiBackend, diesel::sql_types::BigInt>,
    id: Option<i64>,
) -> Result<bool, ApiError> {
    let others = match id {
        Some(id) => holders.filter(users::id.ne(id)),
        None => holders,
    };
    Ok(others.first::<i64>(tx).optional()?.is_some())
}

/// The links of an account must name a staff record in the subtree of `root` that no other
/// account is linked to, and an external subject no other account has.
fn check_links(
    tx: &mut DbConnection,
    root: i64,
    id: Option<i64>,
    staff_id: Option<i64>,
    external_subject: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(staff_id) = staff_id {
        check_referenced(tx, "staff", staff_id, root, "staff_id", "staff record")?;
        let holders = users::table.filter(users::staff_id.eq(staff_id));
        if held_by_another(tx, holders.select(users::id).into_boxed(), id)? {
            return Err(ApiError::conflict(
                "the staff record is already linked to another account",
                "该工作人员记录已关联其他账号",
            ));
        }
    }
    if let Some(subject) = external_subject {
        let holders = users::table.filter(users::external_subject.eq(subject));
        if held_by_another(tx, holders.select(users::id).into_boxed(), id)? {
            return Err(ApiError::conflict(
                "the external subject is already mapped to another account",
                "该外部身份已关联其他账号",
            ));
        }
    }
    Ok(())
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
    let mut query = subtree_by_id!(UserRow in users, root, page);
    query = query.filter_some(filter.unit_id, |unit| users::unit_id.eq(unit));
    query = query.filter_some(filter.role, |role| users::role.eq(role));
    query = query.filter_some(filter.active, |active| users::active.eq(active));
    let rows = query.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), Ok)
}

find_in_subtree! {
    /// One account of the subtree of `root`.
    UserRow in users, "users.unit_id", USER
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
        check_links(
            tx,
            root,
            None,
            new.staff_id,
            new.external_subject.as_deref(),
        )?;
        if by_username(tx, &new.username)?.is_some() {
            return Err(ApiError::conflict(
                format!("the username `{}` is taken", new.username),
                format!("用户名 `{}` 已被占用", new.username),
            ));
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
            first_version!(users, now),
            users::token_version.eq(1i64),
            users::staff_id.eq(new.staff_id),
            users::external_subject.eq(&new.external_subject),
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
        staff_id: None,
        external_subject: None,
    };
    let row = insert_row(tx, log.at(), &new, password_hash)?;
    write::record_created(log, &row);
    Ok(row)
}

/// Links an account to a staff record inside a write and records it (seeding).
pub fn link_staff_unchecked(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    current: &UserRow,
    staff_id: i64,
) -> Result<UserRow, ApiError> {
    let next: UserRow = diesel::update(users::table.filter(users::id.eq(current.id)))
        .set((
            users::staff_id.eq(Some(staff_id)),
            users::token_version.eq(current.token_version + 1),
            users::version.eq(current.version + 1),
            users::updated_at.eq(log.at()),
        ))
        .returning(users::all_columns)
        .get_result(tx)?;
    log.record(
        "update",
        UserRow::ENTITY,
        next.id,
        Some(next.unit_id),
        Some(current),
        Some(&next),
    );
    Ok(next)
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
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, action, read, |tx, log, current| {
        if actor.id == Some(id)
            && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin))
        {
            return Err(ApiError::conflict(
                "you cannot deactivate your own account or give up its admin role",
                "不能停用自己的账号，也不能取消自己的管理员角色",
            ));
        }
        if let Some(unit) = changes.unit_id {
            units::find_referenced(tx, root, unit, "unit_id")?;
        }
        check_links(
            tx,
            root,
            Some(id),
            changes.staff_id.flatten(),
            changes.external_subject.as_ref().and_then(|e| e.as_deref()),
        )?;
        let token_version = current.token_version + i64::from(changes.ends_tokens(current));
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
                users::staff_id.eq(changes.staff_id.unwrap_or(current.staff_id)),
                users::external_subject.eq(changes
                    .external_subject
                    .clone()
                    .unwrap_or_else(|| current.external_subject.clone())),
                users::token_version.eq(token_version),
                users::version.eq(current.version + 1),
                users::updated_at.eq(log.at()),
            ))
            .returning(users::all_columns)
            .get_result(tx)?)
    })
}
