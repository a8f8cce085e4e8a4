//! Queries of the business calendar's overrides.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{calendar_days, units};
use crate::db::DbConnection;
use crate::domain::calendar::{BusinessCalendar, DayKind};
use crate::error::ApiError;
use crate::store::{audit, Actor};

/// A stored override.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = calendar_days)]
pub struct CalendarDayRow {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub updated_at: NaiveDateTime,
}

/// The overrides from `from` to `to`.
pub fn overrides(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CalendarDayRow>, ApiError> {
    Ok(calendar_days::table
        .filter(calendar_days::day.ge(from))
        .filter(calendar_days::day.le(to))
        .order(calendar_days::day.asc())
        .select(CalendarDayRow::as_select())
        .load(conn)?)
}

/// The calendar for `from..=to`.
pub fn load(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BusinessCalendar, ApiError> {
    let days = overrides(conn, from, to)?;
    Ok(BusinessCalendar::new(
        days.into_iter().map(|row| (row.day, row.kind)),
    ))
}

/// The national calendar is kept by admins of a root unit (a province, or a county deployment).
fn check_root_admin(tx: &mut DbConnection, actor: &Actor) -> Result<(), ApiError> {
    let parent: Option<Option<i64>> = units::table
        .filter(units::id.eq(actor.unit_id))
        .select(units::parent_id)
        .first(tx)
        .optional()?;
    match parent {
        Some(None) => Ok(()),
        _ => Err(ApiError::Forbidden(
            "the holiday calendar is kept by the admins of the deployment's top unit".into(),
        )),
    }
}

/// Sets the override of a day; returns it and whether it is new.
pub fn put(
    conn: &mut DbConnection,
    actor: &Actor,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
) -> Result<(CalendarDayRow, bool), ApiError> {
    audit::write(conn, actor, |tx, log| {
        check_root_admin(tx, actor)?;
        let before: Option<CalendarDayRow> = calendar_days::table
            .filter(calendar_days::day.eq(day))
            .select(CalendarDayRow::as_select())
            .first(tx)
            .optional()?;
        let now = actor.at;
        if before.is_some() {
            diesel::update(calendar_days::table.filter(calendar_days::day.eq(day)))
                .set((
                    calendar_days::kind.eq(kind),
                    calendar_days::name.eq(name),
                    calendar_days::updated_at.eq(now),
                ))
                .execute(tx)?;
        } else {
            diesel::insert_into(calendar_days::table)
                .values((
                    calendar_days::day.eq(day),
                    calendar_days::kind.eq(kind),
                    calendar_days::name.eq(name),
                    calendar_days::updated_at.eq(now),
                ))
                .execute(tx)?;
        }
        let after: CalendarDayRow = calendar_days::table
            .filter(calendar_days::day.eq(day))
            .select(CalendarDayRow::as_select())
            .first(tx)?;
        log.record(
            if before.is_some() { "update" } else { "create" },
            "calendar_day",
            day_number(day),
            Some(actor.unit_id),
            before.as_ref(),
            Some(&after),
        );
        Ok((after, before.is_none()))
    })
}

/// Removes the override of a day (it then follows the week again).
pub fn delete(conn: &mut DbConnection, actor: &Actor, day: NaiveDate) -> Result<(), ApiError> {
    audit::write(conn, actor, |tx, log| {
        check_root_admin(tx, actor)?;
        let before: CalendarDayRow = calendar_days::table
            .filter(calendar_days::day.eq(day))
            .select(CalendarDayRow::as_select())
            .first(tx)
            .optional()?
            .ok_or_else(|| ApiError::NotFound(format!("{day} has no calendar entry")))?;
        diesel::delete(calendar_days::table.filter(calendar_days::day.eq(day))).execute(tx)?;
        log.record::<_, ()>(
            "delete",
            "calendar_day",
            day_number(day),
            Some(actor.unit_id),
            Some(&before),
            None,
        );
        Ok(())
    })
}

/// A day as the audit trail's numeric entity id (20230128).
fn day_number(day: NaiveDate) -> i64 {
    day.format("%Y%m%d").to_string().parse().unwrap_or_default()
}
