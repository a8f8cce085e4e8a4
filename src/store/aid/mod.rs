//! Queries of aid applications: intake, the workflow's transitions (one at a time, audited),
//! queues and the timeline.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::db::schema::{aid_applicants, aid_applications, units};
use crate::db::DbConnection;
use crate::domain::aid::{
    self, AidChannel, AidState, ClosingOutcome, DeadlineKind, HardshipCheck, HardshipGround,
    MatterCategory, QualityGrade, Standing, TerminationGround, UrgentGround,
};
use crate::domain::calendar::BusinessCalendar;
use crate::domain::id_card::Sex;
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::paging::{Cursor, Order, Page, PageRequest};
use crate::store::external_refs;
use crate::store::idempotency::Idempotency;
use crate::store::optional::FilterSome;
use crate::store::scope::check_referenced;
use crate::store::scope::{nothing, parent_in_subtree, unit_id_in_subtree, SubtreeFilter};
use crate::store::write;
use crate::store::write::record;
use crate::store::Actor;

mod assignment;
pub mod papers;
pub mod rates;
pub mod steps;
mod verifications;
mod work_log;
mod workflow;

pub use verifications::{verifications, verify_hardship, VerificationInput, VerificationRow};
pub use work_log::{log_work, work_log, WorkEntryInput, WorkEntryRow};
pub use workflow::{act, correct, events, set_green};

/// A stored application.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = aid_applications)]
#[diesel(treat_none_as_null = true)]
pub struct AidRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub unit_id: i64,
    pub centre_id: i64,
    pub consultation_id: Option<i64>,
    pub matter_category: MatterCategory,
    pub case_type: Option<String>,
    pub opposing_party: Option<String>,
    pub facts: String,
    pub channel: AidChannel,
    pub hardship_check: HardshipCheck,
    pub hardship_ground: Option<HardshipGround>,
    pub preferred_provider_ids: String,
    pub urgent: bool,
    pub urgent_ground: Option<UrgentGround>,
    pub safe_contact: bool,
    pub green_channel: bool,
    pub green_reasons: String,
    pub state: AidState,
    pub received_at: NaiveDateTime,
    pub state_entered_at: NaiveDateTime,
    pub review_paused_days: i32,
    pub materials_due_at: Option<NaiveDateTime>,
    pub materials_list: Option<String>,
    pub decision_note: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub objection_note: Option<String>,
    pub objection_decision_note: Option<String>,
    pub termination_ground: Option<TerminationGround>,
    pub resume_state: Option<AidState>,
    pub provider_staff_id: Option<i64>,
    pub assignment_note: Option<String>,
    pub deadline_kind: Option<DeadlineKind>,
    pub deadline_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub closing_outcome: Option<ClosingOutcome>,
    pub amount_recovered_fen: Option<i64>,
    pub closing_documents: Option<String>,
    pub review_grade: Option<QualityGrade>,
    pub subsidy_fen: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub priority: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AidRow {
    /// A new application as submitted: the intake fields the law always asks for, and every
    /// field of the later steps empty. The caller fills in the rest of the intake (unit, facts,
    /// grounds, green channel) with struct update syntax.
    pub fn submitted(
        matter_category: MatterCategory,
        channel: AidChannel,
        hardship_check: HardshipCheck,
        received_at: NaiveDateTime,
        at: NaiveDateTime,
    ) -> AidRow {
        AidRow {
            id: 0,
            unit_id: 0,
            centre_id: 0,
            consultation_id: None,
            matter_category,
            case_type: None,
            opposing_party: None,
            facts: String::new(),
            channel,
            hardship_check,
            hardship_ground: None,
            preferred_provider_ids: String::new(),
            urgent: false,
            urgent_ground: None,
            safe_contact: false,
            green_channel: false,
            green_reasons: String::new(),
            state: AidState::Submitted,
            received_at,
            state_entered_at: received_at,
            review_paused_days: 0,
            materials_due_at: None,
            materials_list: None,
            decision_note: None,
            decided_at: None,
            objection_note: None,
            objection_decision_note: None,
            termination_ground: None,
            resume_state: None,
            provider_staff_id: None,
            assignment_note: None,
            deadline_kind: None,
            deadline_at: None,
            closed_at: None,
            closing_outcome: None,
            amount_recovered_fen: None,
            closing_documents: None,
            review_grade: None,
            subsidy_fen: None,
            reviewed_at: None,
            priority: 0,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }
}

/// The applicant of an application.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, Deserialize)]
#[diesel(table_name = aid_applicants)]
#[diesel(treat_none_as_null = true)]
pub struct ApplicantRow {
    pub application_id: i64,
    #[serde(rename = "applicant_name")]
    pub name: String,
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub age: i32,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub special_groups: String,
    pub disabled: bool,
    pub guardian_name: Option<String>,
    pub guardian_relation: Option<String>,
    pub guardian_phone: Option<String>,
    /// Safe contact: how to reach the applicant safely (through whom, where).
    pub safe_contact_means: Option<String>,
    /// Safe contact: the phone of that channel (never the applicant's own).
    pub safe_contact_phone: Option<String>,
}

/// An application with its applicant, as the audit trail records it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Application {
    /// The application.
    #[serde(flatten)]
    pub row: AidRow,
    /// Its applicant.
    pub applicant: ApplicantRow,
}

/// Who reads, and by which rule of the access table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Applications received in, or handled by a centre in, the subtree of the unit.
    Cases(i64),
    /// A provider: only the cases assigned to its staff record, wherever the centre is (none
    /// when its account is linked to no staff record).
    Assigned(Option<i64>),
    /// The justice bureau: applications whose centre's parent unit is in the subtree of the
    /// unit (objections are decided there, never by the centre that refused).
    CentreBureau(i64),
}

type Boxed<'a> = aid_applications::BoxedQuery<'a, crate::db::MultiBackend>;

/// Applications received in, or handled by a centre in, the subtree of `root`.
fn received_or_handled_in(root: i64) -> diesel::dsl::Or<SubtreeFilter, SubtreeFilter> {
    unit_id_in_subtree("aid_applications.unit_id", root)
        .or(unit_id_in_subtree("aid_applications.centre_id", root))
}

/// Trail events of applications handled by a centre in the subtree of `root`: with the events
/// of the units in the subtree (where applications are received), the events a
/// [`Reader::Cases`] of `root` reads.
pub fn events_handled_in(root: i64) -> SubtreeFilter {
    crate::store::scope::in_subtree(
        crate::db::fragment::Fragment::new("(audit_events.entity = '")
            .sql(<Application as crate::store::write::Record>::ENTITY)
            .sql(
                "' AND audit_events.entity_id IN (SELECT handled.id FROM aid_applications \
                 handled WHERE handled.centre_id",
            ),
        root,
    )
    .sql("))")
}

fn scoped<'a>(r: Reader) -> Boxed<'a> {
    let q = aid_applications::table.into_boxed();
    match r {
        Reader::Cases(root) => q.filter(received_or_handled_in(root)),
        Reader::Assigned(Some(staff_id)) => {
            q.filter(aid_applications::provider_staff_id.eq(staff_id))
        }
        Reader::Assigned(None) => q.filter(nothing()),
        Reader::CentreBureau(root) => {
            q.filter(parent_in_subtree("aid_applications.centre_id", root))
        }
    }
}

/// Where a row stands: what the workflow's table and periods look at.
pub fn standing(row: &AidRow) -> Standing {
    Standing {
        state: row.state,
        urgent: row.urgent,
        notice: row.channel == AidChannel::OfficialNotice,
        decided: row.decided_at.is_some(),
        materials_asked: row.materials_list.is_some(),
        reviewed: row.reviewed_at.is_some(),
        resume: row.resume_state,
        received_at: row.received_at.and_utc(),
        state_entered_at: row.state_entered_at.and_utc(),
        review_paused_days: u32::try_from(row.review_paused_days).unwrap_or(0),
        materials_due_at: row.materials_due_at.map(|t| t.and_utc()),
    }
}

/// Recomputes the stored deadline (its kind, and its instant unless the calendar lacks the
/// year it falls in: the view says so) and the queue priority of a row.
pub fn refresh(row: &mut AidRow, calendar: &BusinessCalendar) {
    let current = aid::current_deadline(&standing(row), calendar);
    row.deadline_kind = current.as_ref().map(|(kind, _)| *kind);
    row.deadline_at = current
        .and_then(|(_, due)| due.ok())
        .map(|due| due.at.naive_utc());
    row.priority = 2 * i32::from(row.urgent) + i32::from(row.green_channel);
}

/// The legal aid centre that handles applications received by a unit: the centre whose parent
/// is the nearest ancestor of the unit (or the unit itself when it is a centre).
pub fn centre_for(tx: &mut DbConnection, unit_id: i64) -> Result<i64, ApiError> {
    let path: String = units::table
        .filter(units::id.eq(unit_id))
        .select(units::path)
        .first(tx)?;
    let centres: Vec<(i64, Option<i64>, String)> = units::table
        .filter(units::kind.eq(UnitKind::LegalAidCentre))
        .filter(units::active.eq(true))
        .select((units::id, units::parent_id, units::path))
        .load(tx)?;
    let mut best: Option<(usize, i64)> = None;
    for (id, parent, centre_path) in centres {
        if id == unit_id {
            return Ok(id);
        }
        // The centre's parent path is its own path without the last segment.
        let parent_path = match parent {
            Some(_) => centre_path
                .trim_end_matches('/')
                .rsplit_once('/')
                .map(|(p, _)| format!("{p}/"))
                .unwrap_or_default(),
            None => centre_path.clone(),
        };
        if path.starts_with(&parent_path) && best.is_none_or(|(len, _)| parent_path.len() > len) {
            best = Some((parent_path.len(), id));
        }
    }
    best.map(|(_, id)| id).ok_or_else(|| {
        ApiError::invalid_field(
            "unit_id",
            "no_aid_centre",
            "no legal aid centre serves this unit",
        )
    })
}

impl AidRow {
    /// The providers the applicant chose (点援制), from their stored list (`,7,9,`).
    pub fn preferred_providers(&self) -> Vec<i64> {
        self.preferred_provider_ids
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

/// The consultation an application comes from must be one the caller can see.
fn check_consultation(tx: &mut DbConnection, root: i64, id: i64) -> Result<(), ApiError> {
    check_referenced(
        tx,
        "consultations",
        id,
        root,
        "consultation_id",
        "consultation",
    )
}

/// Registers an application and its applicant (the rows are complete but for their ids and
/// the centre, which follows from the unit).
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    mut row: AidRow,
    mut applicant: ApplicantRow,
    external_ref: Option<&str>,
    request: &impl serde::Serialize,
    idem: &Idempotency,
) -> Result<(Application, bool), ApiError> {
    write::create(conn, actor, idem, request, |tx, log| {
        crate::store::units::find_referenced(tx, root, row.unit_id, "unit_id")?;
        row.centre_id = centre_for(tx, row.unit_id)?;
        if let Some(id) = row.consultation_id {
            check_consultation(tx, root, id)?;
        }
        for (i, provider) in row.preferred_providers().into_iter().enumerate() {
            assignment::check_provider(
                tx,
                row.centre_id,
                provider,
                &format!("preferred_provider_ids[{i}]"),
            )?;
        }
        refresh(&mut row, &crate::store::calendar::current(tx)?);
        let stored: AidRow = diesel::insert_into(aid_applications::table)
            .values(&row)
            .returning(aid_applications::all_columns)
            .get_result(tx)?;
        applicant.application_id = stored.id;
        diesel::insert_into(aid_applicants::table)
            .values(&applicant)
            .execute(tx)?;
        if let Some(r) = external_ref {
            external_refs::insert(
                tx,
                external_refs::RefEntity::AidApplication,
                stored.id,
                actor,
                r,
                log.at(),
            )?;
        }
        Ok(Application {
            row: stored,
            applicant,
        })
    })
}

record!(Application, "aid_application" in "aid_applications", |r| id: r.row.id, unit: Some(r.row.unit_id), version: r.row.version);

/// One application the reader may see.
pub fn find(conn: &mut DbConnection, reader: Reader, id: i64) -> Result<Application, ApiError> {
    let row: AidRow = scoped(reader)
        .filter(aid_applications::id.eq(id))
        .select(AidRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(crate::error::nouns::AID_APPLICATION, id))?;
    let applicant: ApplicantRow = aid_applicants::table
        .filter(aid_applicants::application_id.eq(id))
        .select(ApplicantRow::as_select())
        .first(conn)?;
    Ok(Application { row, applicant })
}

fn with_applicants(
    conn: &mut DbConnection,
    rows: Vec<AidRow>,
) -> Result<Vec<Application>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut applicants: std::collections::HashMap<i64, ApplicantRow> = aid_applicants::table
        .filter(aid_applicants::application_id.eq_any(&ids))
        .select(ApplicantRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|a| (a.application_id, a))
        .collect();
    rows.into_iter()
        .map(|row| {
            let applicant = applicants.remove(&row.id).ok_or_else(|| {
                ApiError::Internal(format!("aid application {} has no applicant", row.id))
            })?;
            Ok(Application { row, applicant })
        })
        .collect()
}

/// Filters of the list.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AidFilter {
    /// Only in this state.
    pub state: Option<AidState>,
    /// Only received in, or handled by a centre in, this unit's subtree.
    pub unit_id: Option<i64>,
    /// Only on (true) or off (false) the green channel.
    pub green_channel: Option<bool>,
    /// Only urgent (true) or not (false).
    pub urgent: Option<bool>,
    /// Only records changed after this time (`updated_at` strictly later; RFC 3339, e.g.
    /// `2024-01-01T00:00:00Z`; a `+08:00` offset must be sent as `%2B08:00`). With keyset
    /// paging and the other filters, it fetches only what changed since a previous read.
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_after: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Only the record with this external reference (as any account set it).
    #[param(min_length = 1, max_length = 64, pattern = "external_ref")]
    pub external_ref: Option<String>,
    /// Received on or after this day (China time).
    pub received_from: Option<NaiveDate>,
    /// Received on or before this day (China time).
    pub received_to: Option<NaiveDate>,
    /// Decided (approved, refused, ordered on objection, or assigned on an official notice) on
    /// or after this day (China time).
    pub decided_from: Option<NaiveDate>,
    /// Decided on or before this day (China time).
    pub decided_to: Option<NaiveDate>,
    /// Closed on or after this day (China time).
    pub closed_from: Option<NaiveDate>,
    /// Closed on or before this day (China time).
    pub closed_to: Option<NaiveDate>,
}

/// The first instant of a China day, and the first instant after it (a day range's bounds).
fn day_bounds(from: Option<NaiveDate>, to: Option<NaiveDate>) -> [Option<NaiveDateTime>; 2] {
    [
        from.and_then(crate::time::day_start_utc),
        to.and_then(|d| d.succ_opt())
            .and_then(crate::time::day_start_utc),
    ]
}

fn filtered<'a>(reader: Reader, f: &AidFilter) -> Boxed<'a> {
    let mut q = scoped(reader);
    q = q.filter_some(f.state, |state| aid_applications::state.eq(state));
    q = q.filter_some(f.unit_id, received_or_handled_in);
    q = q.filter_some(f.green_channel, |green| {
        aid_applications::green_channel.eq(green)
    });
    q = q.filter_some(f.urgent, |urgent| aid_applications::urgent.eq(urgent));
    q = q.filter_some(f.updated_after, |t| {
        aid_applications::updated_at.gt(t.naive_utc())
    });
    if let Some(r) = &f.external_ref {
        q = q.filter(external_refs::carrying(
            "aid_applications.id",
            external_refs::RefEntity::AidApplication,
            r,
        ));
    }
    let [from, until] = day_bounds(f.received_from, f.received_to);
    q = q.filter_some(from, |t| aid_applications::received_at.ge(t));
    q = q.filter_some(until, |t| aid_applications::received_at.lt(t));
    let [from, until] = day_bounds(f.decided_from, f.decided_to);
    q = q.filter_some(from, |t| aid_applications::decided_at.ge(t));
    q = q.filter_some(until, |t| aid_applications::decided_at.lt(t));
    let [from, until] = day_bounds(f.closed_from, f.closed_to);
    q = q.filter_some(from, |t| aid_applications::closed_at.ge(t));
    q = q.filter_some(until, |t| aid_applications::closed_at.lt(t));
    q
}

/// Applications of the reader's scope, newest first.
pub fn list(
    conn: &mut DbConnection,
    reader: Reader,
    f: &AidFilter,
    page: &PageRequest,
) -> Result<Page<Application>, ApiError> {
    let mut q = filtered(reader, f)
        .select(AidRow::as_select())
        .order(aid_applications::id.desc())
        .limit(page.fetch_limit());
    if let Some(after) = page.after_id_of("aid_applications.id", Order::Descending) {
        q = q.filter(after);
    }
    let rows = q.load(conn)?;
    let page = page.finish(rows, |r| Cursor::by_id(r.id), Ok)?;
    Ok(Page {
        items: with_applicants(conn, page.items)?,
        next_cursor: page.next_cursor,
    })
}

/// An application as the ledger prints it: with the steps taken and the names of its units and
/// provider.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    /// The application and its applicant.
    pub app: Application,
    /// The steps taken, oldest first.
    pub steps: Vec<steps::StepRow>,
    /// The receiving unit's name.
    pub unit: String,
    /// The centre's name.
    pub centre: String,
    /// The provider's name, when assigned.
    pub provider: Option<String>,
}

/// One batch of the ledger, oldest received first, after `after` (received time and id).
pub fn ledger_batch(
    conn: &mut DbConnection,
    reader: Reader,
    f: &AidFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> Result<Vec<LedgerEntry>, ApiError> {
    use crate::db::schema::staff;
    use std::collections::HashMap;
    let mut q = filtered(reader, f)
        .select(AidRow::as_select())
        .order((
            aid_applications::received_at.asc(),
            aid_applications::id.asc(),
        ))
        .limit(limit);
    if let Some(after) = after {
        q = q.filter(crate::paging::after_time_id(
            "aid_applications.received_at",
            "aid_applications.id",
            after,
        ));
    }
    let rows = q.load(conn)?;
    let apps = with_applicants(conn, rows)?;
    let ids: Vec<i64> = apps.iter().map(|a| a.row.id).collect();
    let unit_ids: Vec<i64> = apps
        .iter()
        .flat_map(|a| [a.row.unit_id, a.row.centre_id])
        .collect();
    let staff_ids: Vec<i64> = apps
        .iter()
        .filter_map(|a| a.row.provider_staff_id)
        .collect();
    let unit_names: HashMap<i64, String> = units::table
        .filter(units::id.eq_any(unit_ids))
        .select((units::id, units::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let staff_names: HashMap<i64, String> = staff::table
        .filter(staff::id.eq_any(staff_ids))
        .select((staff::id, staff::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut taken = steps::of(conn, &ids)?;
    Ok(apps
        .into_iter()
        .map(|app| LedgerEntry {
            steps: taken.remove(&app.row.id).unwrap_or_default(),
            unit: unit_names
                .get(&app.row.unit_id)
                .cloned()
                .unwrap_or_default(),
            centre: unit_names
                .get(&app.row.centre_id)
                .cloned()
                .unwrap_or_default(),
            provider: app
                .row
                .provider_staff_id
                .and_then(|p| staff_names.get(&p).cloned()),
            app,
        })
        .collect())
}

/// A work queue: applications in `states`, urgent first, then green channel, then the earliest
/// deadline; with `overdue_at`, only those whose deadline has passed.
pub fn queue(
    conn: &mut DbConnection,
    reader: Reader,
    states: &[AidState],
    overdue_at: Option<DateTime<Utc>>,
    page: &PageRequest,
) -> Result<Page<Application>, ApiError> {
    let mut q = scoped(reader)
        .filter(aid_applications::state.eq_any(states.to_vec()))
        .filter(aid_applications::deadline_at.is_not_null())
        .select(AidRow::as_select())
        .order((
            aid_applications::priority.desc(),
            aid_applications::deadline_at.asc(),
            aid_applications::id.asc(),
        ))
        .limit(page.fetch_limit());
    q = q.filter_some(overdue_at, |now| {
        aid_applications::deadline_at.lt(now.naive_utc())
    });
    if let Some(after) = page.after_rank_time(
        "aid_applications.priority",
        "aid_applications.deadline_at",
        "aid_applications.id",
        Order::Ascending,
    )? {
        q = q.filter(after);
    }
    let rows = q.load(conn)?;
    let page = page.finish(
        rows,
        |r| Cursor {
            at: r.deadline_at,
            rank: Some(i64::from(r.priority)),
            id: r.id,
        },
        Ok,
    )?;
    Ok(Page {
        items: with_applicants(conn, page.items)?,
        next_cursor: page.next_cursor,
    })
}
