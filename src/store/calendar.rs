//! Queries of the business calendar's overrides.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{calendar_days, calendar_years};
use crate::db::DbConnection;
use crate::domain::calendar::schedules::SCHEDULES;
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

/// A year's published schedule, as installed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_years)]
pub struct CalendarYearRow {
    pub year: i32,
    pub notice: String,
    pub issued_on: NaiveDate,
    pub installed_at: NaiveDateTime,
}

/// The schedule the calendar holds for `year`, if any.
pub fn schedule(conn: &mut DbConnection, year: i32) -> Result<Option<CalendarYearRow>, ApiError> {
    Ok(calendar_years::table
        .filter(calendar_years::year.eq(year))
        .select(CalendarYearRow::as_select())
        .first(conn)
        .optional()?)
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

/// The calendar for `from..=to`, with the years whose schedule it holds.
pub fn load(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BusinessCalendar, ApiError> {
    let days = overrides(conn, from, to)?;
    let years: Vec<i32> = calendar_years::table
        .select(calendar_years::year)
        .load(conn)?;
    Ok(BusinessCalendar::new(days.into_iter().map(|row| (row.day, row.kind))).with_years(years))
}

/// The whole calendar (a few dozen days a year): what legal periods are counted on.
pub fn current(conn: &mut DbConnection) -> Result<BusinessCalendar, ApiError> {
    // Bounds every backend's date type holds.
    let (from, to) = (
        NaiveDate::from_ymd_opt(1900, 1, 1),
        NaiveDate::from_ymd_opt(9999, 12, 31),
    );
    load(conn, from.unwrap_or_default(), to.unwrap_or_default())
}

/// Installs the published schedules of the years the calendar does not hold yet (a year held is
/// left as its admins keep it), in one transaction; returns the years installed. Run at start-up,
/// like a migration: the schedules are the State Council's, not a user's change.
pub fn install_published(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<Vec<i32>, ApiError> {
    conn.transaction(|tx| {
        if let DbConnection::Postgresql(pg) = tx {
            // Instances starting together install each year once: the second waits, then
            // finds the years held.
            use diesel::connection::SimpleConnection;
            pg.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock({})",
                crate::db::MIGRATION_LOCK_KEY
            ))?;
        }
        let held: Vec<i32> = calendar_years::table
            .select(calendar_years::year)
            .load(tx)?;
        let mut installed = Vec::new();
        for schedule in SCHEDULES.iter().filter(|s| !held.contains(&s.year)) {
            let days = schedule.days();
            let (first, last) = days
                .iter()
                .fold((NaiveDate::MAX, NaiveDate::MIN), |(a, b), d| {
                    (a.min(d.0), b.max(d.0))
                });
            // Days admins entered already stay as they are.
            let kept: Vec<NaiveDate> = overrides(tx, first, last)?
                .into_iter()
                .map(|row| row.day)
                .collect();
            for (day, kind, name) in days.into_iter().filter(|d| !kept.contains(&d.0)) {
                insert_day(tx, day, kind, &name, now)?;
            }
            diesel::insert_into(calendar_years::table)
                .values((
                    calendar_years::year.eq(schedule.year),
                    calendar_years::notice.eq(schedule.notice),
                    calendar_years::issued_on.eq(schedule.issued_on()),
                    calendar_years::installed_at.eq(now),
                ))
                .execute(tx)?;
            installed.push(schedule.year);
        }
        Ok(installed)
    })
}

/// The national calendar is kept by admins of a root unit (a province, or a county deployment).
fn check_root_admin(tx: &mut DbConnection, actor: &Actor) -> Result<(), ApiError> {
    crate::store::scope::require_top_unit(
        tx,
        actor,
        crate::domain::message::Message::new(
            "the holiday calendar is kept by the admins of the deployment's top unit",
            "节假日日历由本部署最高层级单位的管理员维护",
        ),
    )
}

fn insert_day(
    tx: &mut DbConnection,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(calendar_days::table)
        .values((
            calendar_days::day.eq(day),
            calendar_days::kind.eq(kind),
            calendar_days::name.eq(name),
            calendar_days::updated_at.eq(now),
        ))
        .execute(tx)?;
    Ok(())
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
            insert_day(tx, day, kind, name, now)?;
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
            .ok_or_else(|| {
                ApiError::NotFound(crate::error::Message::new(
                    format!("{day} has no calendar entry"),
                    format!("日历中没有 {day} 的条目"),
                ))
            })?;
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
