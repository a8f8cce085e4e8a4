//! The two shapes of an audited write, written once: a create (once per idempotency key) and a
//! versioned change (read, check `If-Match`, write the next version, record before and after).
//! Both run in one transaction with their audit events (see [`audit::write`]).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::precondition::{IfMatch, Versioned};
use crate::store::audit::{self, AuditLog};
use crate::store::idempotency::{self, Idempotency};
use crate::store::Actor;
use diesel::OptionalExtension;

/// A stored record as the audit trail names it.
pub trait Record: Serialize {
    /// The kind of record in the trail: `consultation`, `unit`, …
    const ENTITY: &'static str;
    /// Its table, for the row lock of a change (see [`update`]).
    const TABLE: &'static str;
    /// The record's id.
    fn id(&self) -> i64;
    /// The unit it belongs to (the trail is read by the subtree of this unit).
    fn unit_id(&self) -> Option<i64>;
}

/// Declares a row a [`Record`] and [`Versioned`]: its name in the trail, and its id, unit and
/// version as expressions over the row:
/// `record!(UnitRow, "unit" in "units", |r| id: r.id, unit: Some(r.id), version: r.version);`
macro_rules! record {
    ($row:ty, $entity:literal in $table:literal, |$r:ident| id: $id:expr, unit: $unit:expr, version: $version:expr) => {
        impl $crate::store::write::Record for $row {
            const ENTITY: &'static str = $entity;
            const TABLE: &'static str = $table;
            fn id(&self) -> i64 {
                let $r = self;
                $id
            }
            fn unit_id(&self) -> Option<i64> {
                let $r = self;
                $unit
            }
        }

        impl $crate::precondition::Versioned for $row {
            fn version(&self) -> i64 {
                let $r = self;
                $version
            }
        }
    };
}
pub(crate) use record;

/// The columns a versioned record is inserted with besides its own: version 1, created and last
/// changed `at`, as a tuple an insert's values hold:
/// `.values((table::name.eq(name), first_version!(table, now)))`.
macro_rules! first_version {
    ($table:ident, $at:expr) => {
        (
            $table::version.eq(1i64),
            $table::created_at.eq($at),
            $table::updated_at.eq($at),
        )
    };
}
pub(crate) use first_version;

/// Creates a record with `insert` and records it, in one transaction; with an idempotency key,
/// the same request again replays the stored record instead (the flag says so).
pub fn create<T, R>(
    conn: &mut DbConnection,
    actor: &Actor,
    idem: &Idempotency,
    request: &R,
    insert: impl FnOnce(&mut DbConnection, &mut AuditLog) -> Result<T, ApiError>,
) -> Result<(T, bool), ApiError>
where
    T: Record + DeserializeOwned,
    R: Serialize,
{
    create_many(conn, actor, idem, request, |tx, log| {
        let created = insert(tx, log)?;
        record_created(log, &created);
        Ok(created)
    })
}

/// Records a record as created (action `create`), as [`create`] does: for the writes that
/// create several records in one transaction.
pub fn record_created<T: Record>(log: &mut AuditLog, created: &T) {
    log.added(
        "create",
        T::ENTITY,
        created.id(),
        created.unit_id(),
        created,
    );
}

/// Creates what `insert` writes — several records, which `insert` records itself — in one
/// transaction, once per idempotency key.
pub fn create_many<T, R>(
    conn: &mut DbConnection,
    actor: &Actor,
    idem: &Idempotency,
    request: &R,
    insert: impl FnOnce(&mut DbConnection, &mut AuditLog) -> Result<T, ApiError>,
) -> Result<(T, bool), ApiError>
where
    T: Serialize + DeserializeOwned,
    R: Serialize,
{
    audit::write(conn, actor, |tx, log| {
        idempotency::once(tx, actor, idem, request, |tx| insert(tx, log))
    })
}

/// Changes one record in one transaction: `find` reads it (in the caller's scope), `If-Match`
/// is checked against its version, `change` writes and returns the next version, and the event
/// `action` records it before and after — ahead of any event `change` recorded itself.
pub fn update<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    if_match: &IfMatch,
    action: &'static str,
    find: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    change: impl FnOnce(&mut DbConnection, &mut AuditLog, &T) -> Result<T, ApiError>,
) -> Result<T, ApiError>
where
    T: Record + Versioned,
{
    audit::write(conn, actor, |tx, log| {
        update_within(tx, log, if_match, action, find, change)
    })
}

/// Deletes one record in one transaction: `find` reads it (in the caller's scope), `If-Match`
/// is checked against its version, `remove` deletes it (with what hangs on it), and the event
/// `delete` records what it was.
pub fn delete<T>(
    conn: &mut DbConnection,
    actor: &Actor,
    if_match: &IfMatch,
    find: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    remove: impl FnOnce(&mut DbConnection) -> Result<(), ApiError>,
) -> Result<(), ApiError>
where
    T: Record + Versioned,
{
    audit::write(conn, actor, |tx, log| {
        let current = find(tx)?;
        if_match.check(current.version())?;
        remove(tx)?;
        log.record::<_, ()>(
            "delete",
            T::ENTITY,
            current.id(),
            current.unit_id(),
            Some(&current),
            None,
        );
        Ok(())
    })
}

/// The work of [`update`] inside a write already under way: for the writes that change several
/// records in one transaction (each read, checked, changed and recorded as [`update`] does).
pub fn update_within<T>(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    if_match: &IfMatch,
    action: &'static str,
    find: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    change: impl FnOnce(&mut DbConnection, &mut AuditLog, &T) -> Result<T, ApiError>,
) -> Result<T, ApiError>
where
    T: Record + Versioned,
{
    let current = find(tx)?;
    lock_unchanged(tx, T::TABLE, current.id(), current.version())?;
    if_match.check(current.version())?;
    let caused_from = log.recorded();
    let next = change(tx, log, &current)?;
    log.record(
        action,
        T::ENTITY,
        next.id(),
        next.unit_id(),
        Some(&current),
        Some(&next),
    );
    // The change comes before what it caused (a closed case's follow-up, say).
    log.move_last_to(caused_from);
    Ok(next)
}

/// Takes the row's own lock and checks that it still has the version `find` read. The trail's
/// chain lock serialises the writes of one county; two writers of different chains (a city
/// account and a county's staff, say) meet here instead: the second waits for the first to
/// commit and then gets a 409 rather than overwriting a version it never saw. (SQLite runs one
/// write at a time: there the read is enough.)
fn lock_unchanged(
    tx: &mut DbConnection,
    table: &'static str,
    id: i64,
    read: i64,
) -> Result<(), ApiError> {
    use crate::db::fragment::Fragment;
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    let lock = match tx {
        DbConnection::Postgresql(_) => " FOR UPDATE",
        DbConnection::Sqlite(_) => "",
    };
    let now: Option<i64> = Fragment::<BigInt>::new("SELECT version FROM ")
        .sql(table)
        .sql(" WHERE id = ")
        .bind(id)
        .sql(lock)
        .get_result(tx)
        .optional()?;
    match now {
        Some(now) if now == read => Ok(()),
        _ => Err(ApiError::conflict(
            "the record was changed by another request while this one read it; read it again and retry",
            "在本请求读取期间记录已被其他请求修改；请重新读取后重试",
        )),
    }
}
