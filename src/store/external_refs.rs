//! The caller's own references of records (`external_ref`): set once at creation, unique per
//! account that set it (a client's references never collide with another client's), one per
//! record.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::fragment::Fragment;
use crate::db::schema::external_refs;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::store::Actor;

/// The kinds of records that take an external reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefEntity {
    Consultation,
    AidApplication,
}

impl RefEntity {
    /// Its code in the table.
    pub const fn code(self) -> &'static str {
        match self {
            RefEntity::Consultation => "consultation",
            RefEntity::AidApplication => "aid_application",
        }
    }
}

/// Inside a write: sets the reference of a new record. The same reference already set by the
/// same account for another record of the kind is a 422 naming `external_ref`.
pub fn insert(
    tx: &mut DbConnection,
    entity: RefEntity,
    entity_id: i64,
    owner: &Actor,
    external_ref: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    use diesel::result::{DatabaseErrorKind, Error};
    let owner_id = owner.id.ok_or_else(|| {
        ApiError::invalid_field(
            "external_ref",
            "no_account",
            "only an account of this service can set an external reference",
        )
    })?;
    let taken: Option<i64> = external_refs::table
        .filter(external_refs::owner_id.eq(owner_id))
        .filter(external_refs::entity.eq(entity.code()))
        .filter(external_refs::external_ref.eq(external_ref))
        .select(external_refs::entity_id)
        .first(tx)
        .optional()?;
    if let Some(other) = taken {
        return Err(duplicate(entity, Some(other)));
    }
    diesel::insert_into(external_refs::table)
        .values((
            external_refs::entity.eq(entity.code()),
            external_refs::entity_id.eq(entity_id),
            external_refs::owner_id.eq(owner_id),
            external_refs::external_ref.eq(external_ref),
            external_refs::created_at.eq(now),
        ))
        .execute(tx)
        .map_err(|e| match e {
            // A concurrent create with the same reference committed first.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => duplicate(entity, None),
            e => e.into(),
        })?;
    Ok(())
}

fn duplicate(entity: RefEntity, other: Option<i64>) -> ApiError {
    let what = match other {
        Some(id) => format!("{} {id}", entity.code()),
        None => format!("another {}", entity.code()),
    };
    ApiError::invalid_field(
        "external_ref",
        "duplicate",
        format!("this account already gave this reference to {what}"),
    )
}

/// A correction's reference must be the record's (or absent): a 422 naming `external_ref`
/// otherwise.
pub fn unchanged(given: Option<&str>, current: Option<&str>) -> Result<(), ApiError> {
    match given {
        Some(g) if Some(g) != current => Err(ApiError::invalid_field(
            "external_ref",
            "immutable",
            "the external reference is set at registration and cannot change",
        )),
        _ => Ok(()),
    }
}

/// The references of records of a kind, by record id.
pub fn of(
    conn: &mut DbConnection,
    entity: RefEntity,
    ids: &[i64],
) -> Result<HashMap<i64, String>, ApiError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = external_refs::table
        .filter(external_refs::entity.eq(entity.code()))
        .filter(external_refs::entity_id.eq_any(ids))
        .select((external_refs::entity_id, external_refs::external_ref))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The reference of one record, if it has one.
pub fn one(
    conn: &mut DbConnection,
    entity: RefEntity,
    id: i64,
) -> Result<Option<String>, ApiError> {
    Ok(of(conn, entity, &[id])?.remove(&id))
}

/// A filter on a list: the record's id (`id_column`, e.g. `consultations.id`) is one that
/// carries this reference, as any account set it. The entity code is a constant of ours; the
/// reference is bound.
pub type RefFilter = Fragment<Bool>;

/// See [`RefFilter`].
pub fn carrying(id_column: &'static str, entity: RefEntity, external_ref: &str) -> RefFilter {
    Fragment::new(id_column)
        .sql(" IN (SELECT er.entity_id FROM external_refs er WHERE er.entity = '")
        .sql(entity.code())
        .sql("' AND er.external_ref = ")
        .bind(external_ref.to_owned())
        .sql(")")
}
