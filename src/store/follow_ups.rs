//! Queries of follow-up visits and satisfaction.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{
    aid_applicants, aid_applications, consultations, follow_up_attempts, follow_ups, users,
};
use crate::db::DbConnection;
use crate::domain::codes::CodeTable;
use crate::domain::follow_up::{
    after_attempt, fair_sample, FollowUpMethod, FollowUpStatus, Satisfaction, SubjectKind,
};
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::audit::AuditLog;
use crate::store::changes::changed_since_filter;
use crate::store::optional::FilterSome;
use crate::store::scope::check_referenced;
use crate::store::scope::find_in_subtree;
use crate::store::scope::{subtree_by_id, unit_id_in_subtree};
use crate::store::write::record;
use crate::store::write::{self, first_version};
use crate::store::{audit, Actor};

changed_since_filter! {
    /// Filters of the list.
    pub struct FollowUpFilter {
        /// Only this unit's subtree.
        pub unit_id: Option<i64>,
        /// Only in this state.
        pub status: Option<FollowUpStatus>,
        /// Only about this kind of subject.
        pub subject_kind: Option<SubjectKind>,
        /// Only about this subject.
        pub subject_id: Option<i64>,
    }
}

/// An attempt to record.
#[derive(Debug, Clone)]
pub struct AttemptInput {
    /// When (default: the time of the write).
    pub attempted_at: Option<NaiveDateTime>,
    pub reached: bool,
    pub satisfaction: Option<Satisfaction>,
    pub comments: Option<String>,
    pub problem: Option<String>,
    pub rectification_due: Option<NaiveDate>,
    pub note: Option<String>,
}

/// Changes to a follow-up; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct FollowUpChange {
    pub staff_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub method: Option<FollowUpMethod>,
    /// The problem is put right (true) or not yet (false).
    pub rectification_done: Option<bool>,
    pub rectification_note: Option<String>,
}

/// What planning samples: a unit's subtree, consultations received in `[from, to)`, a share in
/// percent, and the due day of the follow-ups.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput {
    pub unit: i64,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub percent: u32,
    pub due_on: NaiveDate,
}

/// A stored follow-up.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = follow_ups)]
pub struct FollowUpRow {
    pub id: i64,
    pub unit_id: i64,
    pub subject_kind: SubjectKind,
    pub subject_id: i64,
    pub staff_id: Option<i64>,
    pub due_on: NaiveDate,
    pub method: FollowUpMethod,
    pub status: FollowUpStatus,
    pub failed_attempts: i32,
    pub satisfaction: Option<Satisfaction>,
    pub comments: Option<String>,
    pub problem: Option<String>,
    pub rectification_due: Option<NaiveDate>,
    pub rectification_done_at: Option<NaiveDateTime>,
    pub rectification_note: Option<String>,
    pub completed_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A recorded attempt.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = follow_up_attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub follow_up_id: i64,
    pub attempted_at: NaiveDateTime,
    pub reached: bool,
    pub note: Option<String>,
    pub recorded_by: String,
}

/// Creates the follow-up of a subject inside a write, unless it has one. Returns it when new.
pub fn insert_for(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    unit_id: i64,
    kind: SubjectKind,
    subject_id: i64,
    due_on: NaiveDate,
) -> Result<Option<FollowUpRow>, ApiError> {
    let exists: Option<i64> = follow_ups::table
        .filter(follow_ups::subject_kind.eq(kind))
        .filter(follow_ups::subject_id.eq(subject_id))
        .select(follow_ups::id)
        .first(tx)
        .optional()?;
    if exists.is_some() {
        return Ok(None);
    }
    let now = log.at();
    let row: FollowUpRow = diesel::insert_into(follow_ups::table)
        .values((
            follow_ups::unit_id.eq(unit_id),
            follow_ups::subject_kind.eq(kind),
            follow_ups::subject_id.eq(subject_id),
            follow_ups::due_on.eq(due_on),
            follow_ups::method.eq(FollowUpMethod::Phone),
            follow_ups::status.eq(FollowUpStatus::Open),
            follow_ups::failed_attempts.eq(0),
            first_version!(follow_ups, now),
        ))
        .returning(follow_ups::all_columns)
        .get_result(tx)?;
    write::record_created(log, &row);
    Ok(Some(row))
}

/// Follow-ups of the subtree of `root`, by id.
pub fn list(
    conn: &mut DbConnection,
    root: i64,
    f: &FollowUpFilter,
    page: &PageRequest,
) -> Result<Page<FollowUpRow>, ApiError> {
    let mut q = subtree_by_id!(FollowUpRow in follow_ups, root, page);
    q = q.filter_some(f.unit_id, |unit| {
        unit_id_in_subtree("follow_ups.unit_id", unit)
    });
    q = q.filter_some(f.status, |status| follow_ups::status.eq(status));
    q = q.filter_some(f.subject_kind, |kind| follow_ups::subject_kind.eq(kind));
    q = q.filter_some(f.subject_id, |id| follow_ups::subject_id.eq(id));
    q = q.filter_some(f.updated_after, |t| {
        follow_ups::updated_at.gt(t.naive_utc())
    });
    let rows = q.load(conn)?;
    page.finish(rows, |r| Cursor::by_id(r.id), Ok)
}

/// Open follow-ups of the subtree, the earliest due (so the overdue) first.
pub fn due(
    conn: &mut DbConnection,
    root: i64,
    unit: Option<i64>,
    page: &PageRequest,
) -> Result<Page<FollowUpRow>, ApiError> {
    let mut q = follow_ups::table
        .filter(unit_id_in_subtree("follow_ups.unit_id", root))
        .filter(follow_ups::status.eq(FollowUpStatus::Open))
        .select(FollowUpRow::as_select())
        .order((follow_ups::due_on.asc(), follow_ups::id.asc()))
        .limit(page.fetch_limit())
        .into_boxed();
    q = q.filter_some(unit, |unit| unit_id_in_subtree("follow_ups.unit_id", unit));
    if let Some(after) = page.after_day("follow_ups.due_on", "follow_ups.id", Order::Ascending)? {
        q = q.filter(after);
    }
    let rows = q.load(conn)?;
    page.finish(rows, |r| Cursor::by_day(r.due_on, r.id), Ok)
}

find_in_subtree! {
    /// One follow-up of the subtree.
    FollowUpRow in follow_ups, "follow_ups.unit_id", FOLLOW_UP
}

/// The attempts of a follow-up, oldest first.
pub fn attempts(conn: &mut DbConnection, id: i64) -> Result<Vec<AttemptRow>, ApiError> {
    Ok(follow_up_attempts::table
        .filter(follow_up_attempts::follow_up_id.eq(id))
        .order(follow_up_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)?)
}

/// Phone numbers by (subject kind, subject id), and the account of each assigned caller by
/// staff id.
pub type Contacts = (HashMap<(SubjectKind, i64), Contact>, HashMap<i64, i64>);

/// How a follow-up reaches its person.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    /// The phone to call: the person's own, or for a safe-contact aid case the safe channel's.
    pub phone: Option<String>,
    /// A safe-contact aid case (domestic violence): how to reach the applicant safely; never
    /// the applicant's own phone.
    pub safe_means: Option<String>,
    /// Whether the case is one of safe contact.
    pub safe_contact: bool,
}

/// A count of follow-ups: (unit, status, satisfaction, number).
pub type SatisfactionCount = (i64, FollowUpStatus, Option<Satisfaction>, i64);

/// The phone numbers of the subjects, and the account of each assigned caller.
pub fn contacts(conn: &mut DbConnection, rows: &[FollowUpRow]) -> Result<Contacts, ApiError> {
    let ids = |kind: SubjectKind| -> Vec<i64> {
        rows.iter()
            .filter(|r| r.subject_kind == kind)
            .map(|r| r.subject_id)
            .collect()
    };
    let mut phones = HashMap::new();
    let c: Vec<(i64, Option<String>)> = consultations::table
        .filter(consultations::id.eq_any(ids(SubjectKind::Consultation)))
        .select((consultations::id, consultations::phone))
        .load(conn)?;
    for (id, phone) in c {
        phones.insert(
            (SubjectKind::Consultation, id),
            Contact {
                phone,
                ..Contact::default()
            },
        );
    }
    type AidContact = (i64, Option<String>, bool, Option<String>, Option<String>);
    let a: Vec<AidContact> = aid_applicants::table
        .inner_join(aid_applications::table)
        .filter(aid_applicants::application_id.eq_any(ids(SubjectKind::AidApplication)))
        .select((
            aid_applicants::application_id,
            aid_applicants::phone,
            aid_applications::safe_contact,
            aid_applicants::safe_contact_means,
            aid_applicants::safe_contact_phone,
        ))
        .load(conn)?;
    for (id, phone, safe, means, safe_phone) in a {
        let contact = if safe {
            Contact {
                phone: safe_phone,
                safe_means: means,
                safe_contact: true,
            }
        } else {
            Contact {
                phone,
                ..Contact::default()
            }
        };
        phones.insert((SubjectKind::AidApplication, id), contact);
    }
    let staff_ids: Vec<i64> = rows.iter().filter_map(|r| r.staff_id).collect();
    // The account linked to each caller's staff record (`users.staff_id`, set by admins).
    let callers: Vec<(Option<i64>, i64)> = users::table
        .filter(users::staff_id.eq_any(staff_ids))
        .select((users::staff_id, users::id))
        .load(conn)?;
    Ok((
        phones,
        callers
            .into_iter()
            .filter_map(|(s, u)| s.map(|s| (s, u)))
            .collect(),
    ))
}

record!(FollowUpRow, "follow_up" in "follow_ups", |r| id: r.id, unit: Some(r.unit_id), version: r.version);

/// Records an attempt: reached (with the answer) closes the follow-up; the third failure marks
/// the person unreachable.
pub fn record_attempt(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    input: &AttemptInput,
) -> Result<FollowUpRow, ApiError> {
    audit::write(conn, actor, |tx, log| {
        record_attempt_within(tx, log, actor, root, id, if_match, input)
    })
}

/// Records an attempt inside a write already under way, as [`record_attempt`] does: for the
/// writes that record several (a day's calls, as the demo loads them).
pub fn record_attempt_within(
    tx: &mut DbConnection,
    log: &mut AuditLog,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    input: &AttemptInput,
) -> Result<FollowUpRow, ApiError> {
    write::update_within(
        tx,
        log,
        if_match,
        "attempt",
        |tx| find(tx, root, id),
        |tx, log, current| {
            if current.status != FollowUpStatus::Open {
                return Err(ApiError::conflict(
                    format!(
                        "the follow-up is {}; attempts are recorded only while it is open",
                        current.status
                    ),
                    format!(
                        "回访已{}；只有进行中的回访才能记录联系情况",
                        current.status.label()
                    ),
                ));
            }
            let at = input.attempted_at.unwrap_or(log.at());
            diesel::insert_into(follow_up_attempts::table)
                .values((
                    follow_up_attempts::follow_up_id.eq(id),
                    follow_up_attempts::attempted_at.eq(at),
                    follow_up_attempts::reached.eq(input.reached),
                    follow_up_attempts::note.eq(&input.note),
                    follow_up_attempts::recorded_by.eq(&actor.name),
                ))
                .execute(tx)?;
            let (status, failed) = after_attempt(input.reached, current.failed_attempts);
            let completed = (status != FollowUpStatus::Open).then_some(at);
            Ok(
                diesel::update(follow_ups::table.filter(follow_ups::id.eq(id)))
                    .set((
                        follow_ups::status.eq(status),
                        follow_ups::failed_attempts.eq(failed),
                        follow_ups::satisfaction.eq(input.satisfaction),
                        follow_ups::comments.eq(&input.comments),
                        follow_ups::problem.eq(&input.problem),
                        follow_ups::rectification_due.eq(input.rectification_due),
                        follow_ups::completed_at.eq(completed),
                        follow_ups::version.eq(current.version + 1),
                        follow_ups::updated_at.eq(log.at()),
                    ))
                    .returning(follow_ups::all_columns)
                    .get_result(tx)?,
            )
        },
    )
}

/// Changes who calls, when and how, and records a rectification as done.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    id: i64,
    if_match: &IfMatch,
    change: &FollowUpChange,
) -> Result<FollowUpRow, ApiError> {
    let read = |tx: &mut DbConnection| find(tx, root, id);
    write::update(conn, actor, if_match, "update", read, |tx, log, current| {
        if let Some(sid) = change.staff_id {
            check_referenced(tx, "staff", sid, root, "staff_id", "staff member")?;
        }
        let done_at = match change.rectification_done {
            Some(true) => Some(current.rectification_done_at.unwrap_or(log.at())),
            Some(false) => None,
            None => current.rectification_done_at,
        };
        Ok(
            diesel::update(follow_ups::table.filter(follow_ups::id.eq(id)))
                .set((
                    follow_ups::staff_id.eq(change.staff_id.or(current.staff_id)),
                    follow_ups::due_on.eq(change.due_on.unwrap_or(current.due_on)),
                    follow_ups::method.eq(change.method.unwrap_or(current.method)),
                    follow_ups::rectification_done_at.eq(done_at),
                    follow_ups::rectification_note.eq(change
                        .rectification_note
                        .clone()
                        .or(current.rectification_note.clone())),
                    follow_ups::version.eq(current.version + 1),
                    follow_ups::updated_at.eq(log.at()),
                ))
                .returning(follow_ups::all_columns)
                .get_result(tx)?,
        )
    })
}

/// Plans follow-ups for a fair share of the consultations of a unit's subtree received in a
/// period whose person agreed to be called back; consultations already planned are skipped.
/// Returns the follow-ups created, the candidates and the number sampled.
pub fn plan(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    plan: &PlanInput,
) -> Result<(Vec<FollowUpRow>, usize, usize), ApiError> {
    let PlanInput {
        unit,
        from,
        to,
        percent,
        due_on,
    } = *plan;
    audit::write(conn, actor, |tx, log| {
        crate::store::units::find_referenced(tx, root, unit, "unit_id")?;
        let candidates: Vec<(i64, i64)> = consultations::table
            .filter(unit_id_in_subtree("consultations.unit_id", unit))
            .filter(consultations::callback_consent.eq(true))
            .filter(consultations::received_at.ge(from))
            .filter(consultations::received_at.lt(to))
            .select((consultations::id, consultations::unit_id))
            .order(consultations::id.asc())
            .load(tx)?;
        let ids: Vec<i64> = candidates.iter().map(|c| c.0).collect();
        let picked = fair_sample(&ids, percent, &format!("{unit}/{from}/{to}"));
        let units: HashMap<i64, i64> = candidates.into_iter().collect();
        let mut created = Vec::new();
        for id in &picked {
            let unit_id = units.get(id).copied().unwrap_or(unit);
            if let Some(row) = insert_for(tx, log, unit_id, SubjectKind::Consultation, *id, due_on)?
            {
                created.push(row);
            }
        }
        Ok((created, ids.len(), picked.len()))
    })
}

/// Counts per unit of the subtree for follow-ups completed in a period: (unit, status,
/// satisfaction) → number.
pub fn satisfaction_counts(
    conn: &mut DbConnection,
    root: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<SatisfactionCount>, ApiError> {
    Ok(follow_ups::table
        .filter(unit_id_in_subtree("follow_ups.unit_id", root))
        .filter(follow_ups::completed_at.ge(from))
        .filter(follow_ups::completed_at.lt(to))
        .group_by((
            follow_ups::unit_id,
            follow_ups::status,
            follow_ups::satisfaction,
        ))
        .select((
            follow_ups::unit_id,
            follow_ups::status,
            follow_ups::satisfaction,
            count_star(),
        ))
        .load(conn)?)
}

/// The answer of a subject's follow-up, if it was made.
pub fn satisfaction_of(
    conn: &mut DbConnection,
    kind: SubjectKind,
    subject_id: i64,
) -> Result<Option<(FollowUpStatus, Option<Satisfaction>)>, ApiError> {
    Ok(follow_ups::table
        .filter(follow_ups::subject_kind.eq(kind))
        .filter(follow_ups::subject_id.eq(subject_id))
        .select((follow_ups::status, follow_ups::satisfaction))
        .first(conn)
        .optional()?)
}

/// The units of the subtree with their satisfaction target for a year (tenths of a percent).
pub fn units_with_targets(
    conn: &mut DbConnection,
    root: i64,
    year: i32,
) -> Result<Vec<(i64, String, Option<i32>)>, ApiError> {
    use crate::db::schema::{unit_targets, units};
    Ok(units::table
        .left_join(
            unit_targets::table.on(unit_targets::unit_id
                .eq(units::id)
                .and(unit_targets::year.eq(year))),
        )
        .filter(crate::store::scope::unit_in_subtree(root))
        .order(units::id.asc())
        .select((
            units::id,
            units::name,
            unit_targets::satisfaction_permille.nullable(),
        ))
        .load::<(i64, String, Option<i32>)>(conn)?)
}
