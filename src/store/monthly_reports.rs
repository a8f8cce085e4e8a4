//! Queries of monthly reports (四(二)): the figures of a period counted in the database, the
//! submissions (every one kept as a revision), and who has reported.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sum};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{
    activities, audit_events, consultations, follow_ups, monthly_report_revisions, monthly_reports,
    units,
};
use crate::db::DbConnection;
use crate::domain::activity::ActivityKind;
use crate::domain::consultation::{Channel, Outcome, Site};
use crate::domain::follow_up::{satisfaction_rate, FollowUpStatus, Satisfaction};
use crate::domain::monthly_report::{
    must_report, ActivityFigures, ActivityKindCount, AidFigures, ChannelCount, ConsultationFigures,
    Figures, FollowUpFigures, OutcomeCount, Period, SiteCount, REPORTING_UNITS,
};
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::store::changes::changed_since_filter;
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::{subtree_by_id, unit_id_in_subtree, unit_in_subtree};
use crate::store::write::{self, first_version, record, Record};
use crate::store::{audit, units as unit_store, Actor};

/// A unit's report of a period: when it was first and last submitted, and whether late.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = monthly_reports)]
pub struct ReportRow {
    pub id: i64,
    pub unit_id: i64,
    pub period: String,
    pub first_submitted_at: NaiveDateTime,
    pub submitted_at: NaiveDateTime,
    /// Whether the first submission came after the due minute.
    pub late: bool,
    pub revisions: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One submission of a report: its figures and sections as JSON text.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = monthly_report_revisions)]
pub struct RevisionRow {
    pub id: i64,
    pub report_id: i64,
    pub revision: i32,
    pub submitted_at: NaiveDateTime,
    pub late: bool,
    pub submitted_by: String,
    pub figures: String,
    pub highlights: String,
    pub typical_cases: String,
    pub activity_briefs: String,
}

/// A report with its revisions, the latest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub report: ReportRow,
    pub revisions: Vec<RevisionRow>,
}

record!(Report, "monthly_report" in "monthly_reports", |r| id: r.report.id, unit: Some(r.report.unit_id), version: r.report.version);

changed_since_filter! {
    /// Filters of the report list.
    pub struct ReportFilter {
        /// Only reports of this unit's subtree.
        pub unit_id: Option<i64>,
        /// Only reports of this period (`YYYY-MM`).
        #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
        pub period: Option<String>,
        /// Only reports of this period or later (`YYYY-MM`).
        #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
        pub from_period: Option<String>,
        /// Only reports of this period or earlier (`YYYY-MM`).
        #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
        pub to_period: Option<String>,
        /// Only reports first submitted late (true) or on time (false).
        pub late: Option<bool>,
    }
}

/// A submission: the unit, the period and the three sections as JSON arrays.
#[derive(Debug, Clone)]
pub struct Submission {
    pub unit_id: i64,
    pub period: Period,
    pub highlights: String,
    pub typical_cases: String,
    pub activity_briefs: String,
}

/// A unit that must report, and its report of a period, if any.
#[derive(Debug, Clone, Queryable)]
pub struct StatusRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_kind: UnitKind,
    pub report_id: Option<i64>,
    pub late: Option<bool>,
    pub submitted_at: Option<NaiveDateTime>,
    pub revisions: Option<i32>,
}

fn range(period: Period) -> (NaiveDateTime, NaiveDateTime) {
    (period.starts_at().naive_utc(), period.ends_at().naive_utc())
}

/// The figures of the subtree of `unit` in `period`, each counted by one GROUP BY.
pub fn figures(conn: &mut DbConnection, unit: i64, period: Period) -> Result<Figures, ApiError> {
    let (from, to) = range(period);
    let scoped = || {
        consultations::table
            .filter(unit_id_in_subtree("consultations.unit_id", unit))
            .filter(consultations::received_at.ge(from))
            .filter(consultations::received_at.lt(to))
    };
    let by_channel: Vec<(Channel, i64, Option<i64>)> = scoped()
        .group_by(consultations::channel)
        .select((
            consultations::channel,
            count_star(),
            sum(consultations::matters_count),
        ))
        .order(consultations::channel.asc())
        .load(conn)?;
    let by_site: Vec<(Site, i64)> = scoped()
        .group_by(consultations::site)
        .select((consultations::site, count_star()))
        .order(consultations::site.asc())
        .load(conn)?;
    let by_outcome: Vec<(Outcome, i64)> = scoped()
        .group_by(consultations::outcome)
        .select((consultations::outcome, count_star()))
        .order(consultations::outcome.asc())
        .load(conn)?;
    let consultations = ConsultationFigures {
        total: by_channel.iter().map(|c| c.1).sum(),
        matters: by_channel.iter().map(|c| c.2.unwrap_or(0)).sum(),
        by_channel: by_channel
            .into_iter()
            .map(|(channel, count, _)| ChannelCount { channel, count })
            .collect(),
        by_site: by_site
            .into_iter()
            .map(|(site, count)| SiteCount { site, count })
            .collect(),
        by_outcome: by_outcome
            .into_iter()
            .map(|(outcome, count)| OutcomeCount { outcome, count })
            .collect(),
    };

    let received: i64 = crate::db::schema::aid_applications::table
        .filter(unit_id_in_subtree("aid_applications.unit_id", unit))
        .filter(crate::db::schema::aid_applications::received_at.ge(from))
        .filter(crate::db::schema::aid_applications::received_at.lt(to))
        .select(count_star())
        .first(conn)?;
    // A decision is the step `approve` or `reject` in the trail, at the time it was taken.
    let decisions: Vec<(String, i64)> = audit_events::table
        .filter(audit_events::entity.eq("aid_application"))
        .filter(audit_events::action.eq_any(["approve", "reject"]))
        .filter(unit_id_in_subtree("audit_events.unit_id", unit))
        .filter(audit_events::occurred_at.ge(from))
        .filter(audit_events::occurred_at.lt(to))
        .group_by(audit_events::action)
        .select((audit_events::action, count_star()))
        .load(conn)?;
    let decided = |a: &str| decisions.iter().find(|d| d.0 == a).map_or(0, |d| d.1);
    let aid = AidFigures {
        received,
        decided: decided("approve") + decided("reject"),
        granted: decided("approve"),
        rejected: decided("reject"),
    };

    let answers: Vec<(FollowUpStatus, Option<Satisfaction>, i64)> = follow_ups::table
        .filter(unit_id_in_subtree("follow_ups.unit_id", unit))
        .filter(follow_ups::completed_at.ge(from))
        .filter(follow_ups::completed_at.lt(to))
        .group_by((follow_ups::status, follow_ups::satisfaction))
        .select((follow_ups::status, follow_ups::satisfaction, count_star()))
        .load(conn)?;
    let mut f = FollowUpFigures::default();
    for (status, satisfaction, n) in answers {
        match status {
            FollowUpStatus::Done => f.done += n,
            FollowUpStatus::Unreachable => f.unreachable += n,
            FollowUpStatus::Open => {}
        }
        if let (FollowUpStatus::Done, Some(s)) = (status, satisfaction) {
            f.answered += n;
            if s.counts_as_satisfied() {
                f.satisfied += n;
            }
        }
    }
    f.satisfaction_rate = satisfaction_rate(f.satisfied, f.answered);

    let kinds: Vec<(ActivityKind, i64, Option<i64>, Option<i64>)> = activities::table
        .filter(unit_id_in_subtree("activities.unit_id", unit))
        .filter(activities::held_on.ge(period.first_day()))
        .filter(activities::held_on.le(period.last_day()))
        .group_by(activities::kind)
        .select((
            activities::kind,
            count_star(),
            sum(activities::audience_size),
            sum(activities::materials_count),
        ))
        .order(activities::kind.asc())
        .load(conn)?;
    let by_kind: Vec<ActivityKindCount> = kinds
        .into_iter()
        .map(|(kind, count, audience, materials)| ActivityKindCount {
            kind,
            count,
            audience: audience.unwrap_or(0),
            materials: materials.unwrap_or(0),
        })
        .collect();
    let activities = ActivityFigures {
        total: by_kind.iter().map(|k| k.count).sum(),
        audience: by_kind.iter().map(|k| k.audience).sum(),
        materials: by_kind.iter().map(|k| k.materials).sum(),
        by_kind,
    };
    Ok(Figures {
        consultations,
        aid,
        follow_ups: f,
        activities,
    })
}

/// A unit of the subtree of `root` named by a query, or 404.
pub fn unit_in_scope(
    conn: &mut DbConnection,
    root: i64,
    unit: i64,
) -> Result<unit_store::UnitRow, ApiError> {
    unit_store::find(conn, root, unit)
}

fn revisions_of(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<RevisionRow>, ApiError> {
    Ok(monthly_report_revisions::table
        .filter(monthly_report_revisions::report_id.eq_any(ids))
        .order((
            monthly_report_revisions::report_id.asc(),
            monthly_report_revisions::revision.desc(),
        ))
        .select(RevisionRow::as_select())
        .load(conn)?)
}

fn with_revisions(
    conn: &mut DbConnection,
    rows: Vec<ReportRow>,
    latest_only: bool,
) -> Result<Vec<Report>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut all = revisions_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|report| {
            let mut revisions: Vec<RevisionRow> = Vec::new();
            all.retain(|r| {
                if r.report_id == report.id {
                    revisions.push(r.clone());
                    false
                } else {
                    true
                }
            });
            if latest_only {
                revisions.truncate(1);
            }
            Report { report, revisions }
        })
        .collect())
}

/// One report of the subtree of `root`, with every revision.
pub fn find(conn: &mut DbConnection, root: i64, id: i64) -> Result<Report, ApiError> {
    let row = monthly_reports::table
        .filter(monthly_reports::id.eq(id))
        .filter(unit_id_in_subtree("monthly_reports.unit_id", root))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::MONTHLY_REPORT, id))?;
    with_revisions(conn, vec![row], false)?
        .pop()
        .ok_or_else(|| ApiError::Internal(format!("monthly report {id} vanished")))
}

/// Reports of units in the subtree of `root`, by id, each with its latest revision only.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    filter: &ReportFilter,
    page: &PageRequest,
) -> Result<Page<Report>, ApiError> {
    let mut query = subtree_by_id!(ReportRow in monthly_reports, root, page);
    query = query.filter_some(filter.unit_id, |unit| {
        unit_id_in_subtree("monthly_reports.unit_id", unit)
    });
    if let Some(p) = &filter.period {
        query = query.filter(monthly_reports::period.eq(p.clone()));
    }
    if let Some(p) = &filter.from_period {
        query = query.filter(monthly_reports::period.ge(p.clone()));
    }
    if let Some(p) = &filter.to_period {
        query = query.filter(monthly_reports::period.le(p.clone()));
    }
    query = query.filter_some(filter.late, |late| monthly_reports::late.eq(late));
    query = query.filter_some(filter.updated_after, |t| {
        monthly_reports::updated_at.gt(t.naive_utc())
    });
    let rows = query.load(conn)?;
    let page = page.finish(rows, |r| Cursor::by_id(r.id), Ok)?;
    Ok(Page {
        items: with_revisions(conn, page.items, true)?,
        next_cursor: page.next_cursor,
    })
}

/// The units of the subtree of `root` (narrowed to `unit`'s subtree) that must report, with
/// their report of `period`, by unit id.
pub fn status(
    conn: &mut DbConnection,
    root: i64,
    unit: Option<i64>,
    period: Period,
) -> Result<Vec<StatusRow>, ApiError> {
    let mut query = units::table
        .left_join(
            monthly_reports::table.on(monthly_reports::unit_id
                .eq(units::id)
                .and(monthly_reports::period.eq(period.to_string()))),
        )
        .filter(unit_in_subtree(root))
        .filter(units::kind.eq_any(REPORTING_UNITS.to_vec()))
        .filter(units::active.eq(true))
        .order(units::id.asc())
        .select((
            units::id,
            units::name,
            units::kind,
            monthly_reports::id.nullable(),
            monthly_reports::late.nullable(),
            monthly_reports::submitted_at.nullable(),
            monthly_reports::revisions.nullable(),
        ))
        .into_boxed();
    query = query.filter_some(unit, |unit| unit_id_in_subtree("units.id", unit));
    Ok(query.load(conn)?)
}

/// Submits (or resubmits) the report of a unit of the subtree of `root`: the figures are
/// counted again now, in the same transaction, and kept with the sections as a new revision;
/// the earlier revisions stay.
pub fn submit(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    submission: Submission,
    request: &impl Serialize,
    idem: &Idempotency,
) -> Result<(Report, bool), ApiError> {
    write::create_many(conn, actor, idem, request, |tx, log| {
        let unit = unit_store::find_referenced(tx, root, submission.unit_id, "unit_id")?;
        if !must_report(unit.kind) {
            return Err(ApiError::invalid_field(
                "unit_id",
                "not_reporting",
                format!(
                    "{} is a {} ({}); monthly reports come from judicial offices and the public legal service centre",
                    unit.name,
                    unit.kind,
                    crate::domain::codes::CodeTable::label(unit.kind)
                ),
            ));
        }
        let at = log.at();
        insert_revision(tx, log, &actor.name, at, &submission)
    })
}

/// Writes a revision submitted at `at` (and the report row) and records it.
fn insert_revision(
    tx: &mut DbConnection,
    log: &mut audit::AuditLog,
    by: &str,
    at: NaiveDateTime,
    s: &Submission,
) -> Result<Report, ApiError> {
    let late = s.period.is_late(at.and_utc());
    let figures = figures(tx, s.unit_id, s.period)?;
    let figures = serde_json::to_string(&figures).map_err(|e| ApiError::Internal(e.to_string()))?;
    let period = s.period.to_string();
    let before = monthly_reports::table
        .filter(monthly_reports::unit_id.eq(s.unit_id))
        .filter(monthly_reports::period.eq(&period))
        .select(ReportRow::as_select())
        .first(tx)
        .optional()?;
    let row: ReportRow = match &before {
        None => diesel::insert_into(monthly_reports::table)
            .values((
                monthly_reports::unit_id.eq(s.unit_id),
                monthly_reports::period.eq(&period),
                monthly_reports::first_submitted_at.eq(at),
                monthly_reports::submitted_at.eq(at),
                monthly_reports::late.eq(late),
                monthly_reports::revisions.eq(1),
                first_version!(monthly_reports, log.at()),
            ))
            .returning(monthly_reports::all_columns)
            .get_result(tx)?,
        Some(current) => diesel::update(
            monthly_reports::table
                .filter(monthly_reports::id.eq(current.id))
                .filter(monthly_reports::version.eq(current.version)),
        )
        .set((
            monthly_reports::submitted_at.eq(at),
            monthly_reports::revisions.eq(current.revisions + 1),
            monthly_reports::version.eq(current.version + 1),
            monthly_reports::updated_at.eq(log.at()),
        ))
        .returning(monthly_reports::all_columns)
        .get_result(tx)
        .optional()?
        .ok_or_else(|| {
            ApiError::conflict(
                "the report was resubmitted by another request at the same time; read it and retry",
                "另一请求同时重新报送了该月报；请重新读取后重试",
            )
        })?,
    };
    diesel::insert_into(monthly_report_revisions::table)
        .values((
            monthly_report_revisions::report_id.eq(row.id),
            monthly_report_revisions::revision.eq(row.revisions),
            monthly_report_revisions::submitted_at.eq(at),
            monthly_report_revisions::late.eq(late),
            monthly_report_revisions::submitted_by.eq(by),
            monthly_report_revisions::figures.eq(&figures),
            monthly_report_revisions::highlights.eq(&s.highlights),
            monthly_report_revisions::typical_cases.eq(&s.typical_cases),
            monthly_report_revisions::activity_briefs.eq(&s.activity_briefs),
        ))
        .execute(tx)?;
    let after = with_revisions(tx, vec![row], false)?
        .pop()
        .ok_or_else(|| ApiError::Internal("the report just written vanished".into()))?;
    let before = match before {
        Some(b) => with_revisions(tx, vec![b], true)?.pop(),
        None => None,
    };
    log.record(
        if before.is_some() {
            "resubmit"
        } else {
            "submit"
        },
        Report::ENTITY,
        after.id(),
        after.unit_id(),
        before.as_ref(),
        Some(&after),
    );
    Ok(after)
}

/// The sections of a demo report of a town, as JSON arrays.
fn demo_sections(town: &str, period: Period) -> Result<[String; 3], ApiError> {
    let one = |title: String, content: String| {
        serde_json::to_string(&[serde_json::json!({"title": title, "content": content})])
            .map_err(|e| ApiError::Internal(e.to_string()))
    };
    let m = period.month();
    Ok([
        one(
            format!("{town}“半天值班+半天进村”常态化"),
            format!("{m}月坚持每周半天值班、半天进村入企，群众在家门口即可咨询。"),
        )?,
        one(
            format!("{town}赡养纠纷调解案例"),
            "老人因子女不支付赡养费来所咨询，值班律师解答后转人民调解，当场达成协议。".into(),
        )?,
        one(
            format!("{town}集会日流动服务"),
            "利用乡镇集会日设立流动服务站点，发放宣传资料，现场解答群众咨询。".into(),
        )?,
    ])
}

/// A year of demo reports up to `today`, deterministic: for each of the last twelve periods
/// already due, most reporting units of the Qinshui demo county submit on time (in the
/// afternoon of the 8th to the 10th), some late (on the 11th or 12th), some not at all, and a
/// few resubmit a correction; returns how many revisions were written. Writes nothing when the
/// demo county is absent.
pub fn seed_demo_year(
    conn: &mut DbConnection,
    actor: &Actor,
    today: NaiveDate,
) -> Result<usize, ApiError> {
    let Some(county) = unit_store::by_code(conn, "140521")? else {
        return Ok(0);
    };
    let reporting: Vec<(i64, String)> = units::table
        .filter(unit_in_subtree(county.id))
        .filter(units::kind.eq_any(REPORTING_UNITS.to_vec()))
        .order(units::id.asc())
        .select((units::id, units::name))
        .load(conn)?;
    // The last period already due today (its 10th has come), and the eleven before it.
    let mut last = Period::of_day(today);
    if today <= last.last_day() {
        last = last.previous();
    }
    let mut periods = vec![last];
    for _ in 0..11 {
        let p = periods[periods.len() - 1].previous();
        periods.push(p);
    }
    periods.reverse();
    let mut planned: Vec<(NaiveDateTime, Submission)> = Vec::new();
    for (pi, period) in periods.iter().enumerate() {
        for (ui, (unit_id, name)) in reporting.iter().enumerate() {
            let town = name.trim_end_matches("司法所").to_owned();
            let roll = (pi * 7 + ui * 5) % 23;
            let (day, hour, minute) = match roll {
                0 | 11 => continue,        // missing
                1 | 6 | 17 => (11, 9, 30), // late, the next morning
                2 => (10, 16, 45),         // late, the same afternoon
                3 => (12, 10, 0),          // late
                r => (
                    8 + (r % 3) as u32,
                    9 + (r % 7) as u32,
                    ((r * 7) % 60) as u32,
                ),
            };
            let Some(at) = NaiveDate::from_ymd_opt(period.year(), period.month(), day)
                .and_then(|d| d.and_hms_opt(hour, minute, 0))
                .and_then(|t| t.and_local_timezone(crate::time::cst()).single())
                .map(|t| t.naive_utc())
            else {
                continue;
            };
            let [highlights, typical_cases, activity_briefs] = demo_sections(&town, *period)?;
            let submission = Submission {
                unit_id: *unit_id,
                period: *period,
                highlights,
                typical_cases,
                activity_briefs,
            };
            if roll % 9 == 4 {
                // A correction a day later.
                planned.push((at, submission.clone()));
                planned.push((at + chrono::Duration::days(1), submission));
            } else {
                planned.push((at, submission));
            }
        }
    }
    let count = planned.len();
    // One short transaction per few submissions (see the activities' seeding).
    for chunk in planned.chunks(13) {
        audit::write(conn, actor, |tx, log| {
            for (at, s) in chunk {
                insert_revision(tx, log, "demo", *at, s)?;
            }
            Ok(())
        })?;
    }
    Ok(count)
}
