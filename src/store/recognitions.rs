//! Queries of recognitions: model stations and pioneer posts, read in the subtree of the unit
//! recognised (for a person, the person's unit).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{recognitions, staff};
use crate::db::DbConnection;
use crate::domain::recognitions::{check, RecognitionFacts, RecognitionKind};
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::audit::AuditLog;
use crate::store::changes::changed_since_filter;
use crate::store::idempotency::Idempotency;
use crate::store::inspections::{refuse, today_of};
use crate::store::optional::FilterSome;
use crate::store::scope::find_in_subtree;
use crate::store::scope::{referenced, unit_id_in_subtree};
use crate::store::write::{self, first_version, record};
use crate::store::{units, Actor};

changed_since_filter! {
    /// Filters of the list.
    pub struct RecognitionFilter {
        /// Only for this year (2000 to 2100).
        #[param(minimum = 2000, maximum = 2100)]
        pub year: Option<i32>,
        /// Only this kind.
        pub kind: Option<RecognitionKind>,
        /// Only units (and people of units) of this unit's subtree.
        pub unit_id: Option<i64>,
        /// Only this person.
        pub staff_id: Option<i64>,
    }
}

/// A stored recognition.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = recognitions)]
pub struct RecognitionRow {
    pub id: i64,
    pub unit_id: i64,
    pub staff_id: Option<i64>,
    pub year: i32,
    pub kind: RecognitionKind,
    pub reason: String,
    pub recognised_on: NaiveDate,
    pub recognised_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

record!(RecognitionRow, "recognition" in "recognitions", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

/// A recognition to write (new, or as a change leaves it).
#[derive(Debug, Clone)]
pub struct RecognitionInput {
    pub unit_id: i64,
    pub staff_id: Option<i64>,
    pub year: i32,
    pub kind: RecognitionKind,
    pub reason: String,
    pub recognised_on: NaiveDate,
    pub recognised_by: String,
}

impl RecognitionRow {
    /// The recognition as an input, for a change to start from.
    pub fn input(&self) -> RecognitionInput {
        RecognitionInput {
            unit_id: self.unit_id,
            staff_id: self.staff_id,
            year: self.year,
            kind: self.kind,
            reason: self.reason.clone(),
            recognised_on: self.recognised_on,
            recognised_by: self.recognised_by.clone(),
        }
    }
}

/// Recognitions in the subtree of `root`, the latest first (by day made, then id).
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    f: &RecognitionFilter,
    page: &PageRequest,
) -> Result<Page<RecognitionRow>, ApiError> {
    let mut q = recognitions::table
        .filter(unit_id_in_subtree("recognitions.unit_id", root))
        .order((recognitions::recognised_on.desc(), recognitions::id.desc()))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after_day(
        "recognitions.recognised_on",
        "recognitions.id",
        Order::Descending,
    )? {
        q = q.filter(after);
    }
    q = q.filter_some(f.year, |year| recognitions::year.eq(year));
    q = q.filter_some(f.kind, |kind| recognitions::kind.eq(kind));
    q = q.filter_some(f.unit_id, |unit| {
        unit_id_in_subtree("recognitions.unit_id", unit)
    });
    q = q.filter_some(f.staff_id, |staff| recognitions::staff_id.eq(staff));
    q = q.filter_some(f.updated_after, |t| {
        recognitions::updated_at.gt(t.naive_utc())
    });
    let rows = q.select(RecognitionRow::as_select()).load(conn)?;
    page.finish(rows, |r| Cursor::by_day(r.recognised_on, r.id), Ok)
}

find_in_subtree! {
    /// One recognition of the subtree of `root`.
    RecognitionRow in recognitions, "recognitions.unit_id", RECOGNITION
}

/// The rules and references of an input: the unit in the caller's subtree, the person one of
/// that unit's staff, the programme's rules (see [`check`]), once a year per unit or person and
/// kind (409 otherwise). `current` is the stored record on an update: a recognition is a record
/// of its year, so a person who has since moved to another unit keeps it as long as the change
/// does not name another unit or person.
fn check_all(
    tx: &mut DbConnection,
    root: i64,
    v: &RecognitionInput,
    today: NaiveDate,
    current: Option<&RecognitionRow>,
) -> Result<(), ApiError> {
    let unit = units::find_referenced(tx, root, v.unit_id, "unit_id")?;
    let same_holder = current.is_some_and(|c| (c.unit_id, c.staff_id) == (v.unit_id, v.staff_id));
    if let Some(person) = v.staff_id.filter(|_| !same_holder) {
        let of_unit: Option<i64> = staff::table
            .filter(staff::id.eq(person))
            .filter(unit_id_in_subtree("staff.unit_id", root))
            .select(staff::unit_id)
            .first(tx)
            .optional()?;
        let of_unit = referenced(Ok(of_unit), "staff_id", "staff member")?;
        if of_unit != v.unit_id {
            return Err(ApiError::invalid_field(
                "staff_id",
                "mismatch",
                "the person is not of the unit named by unit_id",
            ));
        }
    }
    refuse(check(
        &RecognitionFacts {
            kind: v.kind,
            year: v.year,
            recognised_on: v.recognised_on,
            unit_kind: unit.kind,
            has_staff: v.staff_id.is_some(),
        },
        today,
    ))?;
    let mut twin = recognitions::table
        .filter(recognitions::year.eq(v.year))
        .filter(recognitions::kind.eq(v.kind))
        .select(recognitions::id)
        .into_boxed();
    twin = match v.staff_id {
        Some(person) => twin.filter(recognitions::staff_id.eq(person)),
        None => twin
            .filter(recognitions::staff_id.is_null())
            .filter(recognitions::unit_id.eq(v.unit_id)),
    };
    twin = twin.filter_some(current, |c| recognitions::id.ne(c.id));
    if twin.first::<i64>(tx).optional()?.is_some() {
        return Err(ApiError::conflict(
            format!("already recognised as {} for {}", v.kind, v.year),
            format!(
                "{} 年已有同一对象的{}表彰",
                v.year,
                crate::domain::codes::CodeTable::label(v.kind)
            ),
        ));
    }
    Ok(())
}

fn insert_row(
    tx: &mut DbConnection,
    now: NaiveDateTime,
    v: &RecognitionInput,
) -> Result<RecognitionRow, ApiError> {
    Ok(diesel::insert_into(recognitions::table)
        .values((
            recognitions::unit_id.eq(v.unit_id),
            recognitions::staff_id.eq(v.staff_id),
            recognitions::year.eq(v.year),
            recognitions::kind.eq(v.kind),
            recognitions::reason.eq(&v.reason),
            recognitions::recognised_on.eq(v.recognised_on),
            recognitions::recognised_by.eq(&v.recognised_by),
            first_version!(recognitions, now),
        ))
        .returning(recognitions::all_columns)
        .get_result(tx)?)
}

/// Records a recognition of a unit (or person) of the subtree of `root`.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    input: &RecognitionInput,
    request: &impl Serialize,
    idem: &Idempotency,
) -> Result<(RecognitionRow, bool), ApiError> {
    let today = today_of(actor);
    write::create(conn, actor, idem, request, |tx, log| {
        check_all(tx, root, input, today, None)?;
        insert_row(tx, log.at(), input)
    })
}

/// Changes a recognition of the subtree of `root` to what `change` makes of it.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    change: impl FnOnce(&RecognitionRow) -> RecognitionInput,
) -> Result<RecognitionRow, ApiError> {
    let today = today_of(actor);
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        let v = change(current);
        check_all(tx, root, &v, today, Some(current))?;
        Ok(
            diesel::update(recognitions::table.filter(recognitions::id.eq(id)))
                .set((
                    recognitions::unit_id.eq(v.unit_id),
                    recognitions::staff_id.eq(v.staff_id),
                    recognitions::year.eq(v.year),
                    recognitions::kind.eq(v.kind),
                    recognitions::reason.eq(&v.reason),
                    recognitions::recognised_on.eq(v.recognised_on),
                    recognitions::recognised_by.eq(&v.recognised_by),
                    recognitions::version.eq(current.version + 1),
                    recognitions::updated_at.eq(log.at()),
                ))
                .returning(recognitions::all_columns)
                .get_result(tx)?,
        )
    })
}

/// Inserts a recognition inside a write and records it (the demo year).
pub fn insert(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    input: &RecognitionInput,
) -> Result<RecognitionRow, ApiError> {
    let row = insert_row(tx, log.at(), input)?;
    write::record_created(log, &row);
    Ok(row)
}

/// The demo's recognitions up to `today`, inside a write: last year's selection, made on the
/// 28th of December — three model stations (龙港镇, 嘉峰镇 and the county centre) and the first
/// staff member of three townships as pioneer posts — and, from the 1st of July, a mid-year
/// pioneer post of the current year. Answers how many it made.
pub fn seed_demo_year(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let unit = |tx: &mut DbConnection, code: &str| -> Result<i64, ApiError> {
        Ok(units::by_code(tx, code)?
            .ok_or_else(|| ApiError::Internal(format!("demo unit {code} missing")))?
            .id)
    };
    let first_staff = |tx: &mut DbConnection, unit_id: i64| -> Result<Option<i64>, ApiError> {
        Ok(staff::table
            .filter(staff::unit_id.eq(unit_id))
            .order(staff::id.asc())
            .select(staff::id)
            .first(tx)
            .optional()?)
    };
    let year = today.year() - 1;
    let made_on = NaiveDate::from_ymd_opt(year, 12, 28)
        .ok_or_else(|| ApiError::Internal("no 28 December".into()))?;
    let by = "沁水县司法局";
    let mut made = 0usize;
    for (code, reason) in [
        (
            "140521-SFS-LG",
            "值班制度落实到位，“半天值班+半天进村”常态化，咨询登记全面规范",
        ),
        (
            "140521-SFS-JF",
            "流动服务站点覆盖全部集会日，“法律服务村村行”宣讲场次全县第一",
        ),
        (
            "140521-GGFLFW",
            "中心每日值班，绿色通道优先受理，回访满意度保持在98%以上",
        ),
    ] {
        let unit_id = unit(tx, code)?;
        insert(
            tx,
            log,
            &RecognitionInput {
                unit_id,
                staff_id: None,
                year,
                kind: RecognitionKind::ModelStation,
                reason: reason.into(),
                recognised_on: made_on,
                recognised_by: by.into(),
            },
        )?;
        made += 1;
    }
    let mut posts = vec![
        (
            "140521-SFS-ZZ",
            year,
            made_on,
            "坚持进村入户面对面宣讲，化解涉法涉诉信访问题多件",
        ),
        (
            "140521-SFS-DS",
            year,
            made_on,
            "主动上门为行动不便的老人代受理法律援助申请",
        ),
        (
            "140521-SFS-HD",
            year,
            made_on,
            "咨询答复准确及时，群众回访满意度100%",
        ),
    ];
    let mid_year = NaiveDate::from_ymd_opt(today.year(), 7, 1)
        .ok_or_else(|| ApiError::Internal("no 1 July".into()))?;
    if today >= mid_year {
        posts.push((
            "140521-SFS-SZ",
            today.year(),
            mid_year,
            "集会日流动站点坚守岗位，半年接待咨询群众逾百人次",
        ));
    }
    for (code, year, on, reason) in posts {
        let unit_id = unit(tx, code)?;
        let Some(person) = first_staff(tx, unit_id)? else {
            continue;
        };
        insert(
            tx,
            log,
            &RecognitionInput {
                unit_id,
                staff_id: Some(person),
                year,
                kind: RecognitionKind::PioneerPost,
                reason: reason.into(),
                recognised_on: on,
                recognised_by: by.into(),
            },
        )?;
        made += 1;
    }
    Ok(made)
}
