//! Queries of aid applications: intake, the workflow's transitions (one at a time, audited),
//! queues and the timeline.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::api::aid::{ActionInput, AidFilter};
use crate::db::schema::{
    aid_applicants, aid_applications, aid_hardship_verifications, audit_events, staff, units,
};
use crate::db::DbConnection;
use crate::domain::aid::{self, AidAction, AidState, Clocks};
use crate::domain::codes::{decode_code_list, encode_code_list};
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::paging::{Cursor, Page, PageRequest};
use crate::precondition::IfMatch;
use crate::store::audit::AuditRow;
use crate::store::scope::unit_id_in_subtree;
use crate::store::{audit, idempotency, Actor};

/// A stored application.
#[derive(
    Debug,
    Clone,
    Queryable,
    Selectable,
    Insertable,
    AsChangeset,
    serde::Serialize,
    serde::Deserialize,
)]
#[diesel(table_name = aid_applications)]
#[diesel(treat_none_as_null = true)]
pub struct AidRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub unit_id: i64,
    pub centre_id: i64,
    pub consultation_id: Option<i64>,
    pub matter_category: String,
    pub case_type: Option<String>,
    pub opposing_party: Option<String>,
    pub facts: String,
    pub channel: String,
    pub hardship_check: String,
    pub hardship_ground: Option<String>,
    pub preferred_provider_ids: String,
    pub urgent: bool,
    pub urgent_ground: Option<String>,
    pub safe_contact: bool,
    pub green_channel: bool,
    pub green_reasons: String,
    pub state: String,
    pub received_at: NaiveDateTime,
    pub state_entered_at: NaiveDateTime,
    pub review_paused_seconds: i64,
    pub materials_due_at: Option<NaiveDateTime>,
    pub materials_list: Option<String>,
    pub decision_note: Option<String>,
    pub termination_ground: Option<String>,
    pub provider_staff_id: Option<i64>,
    pub assignment_note: Option<String>,
    pub deadline_at: Option<NaiveDateTime>,
    pub priority: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The applicant of an application.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = aid_applicants)]
pub struct ApplicantRow {
    pub application_id: i64,
    #[serde(rename = "applicant_name")]
    pub name: String,
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub age: i32,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub special_groups: String,
    pub disabled: bool,
    pub guardian_name: Option<String>,
    pub guardian_relation: Option<String>,
    pub guardian_phone: Option<String>,
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

/// Who reads.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    /// The caller's unit: applications received in, or handled by a centre in, its subtree.
    pub root: i64,
    /// For providers: only applications assigned to staff linked to this account.
    pub provider_account: Option<i64>,
}

type Boxed<'a> = aid_applications::BoxedQuery<'a, crate::db::MultiBackend>;

fn scoped<'a>(r: Reader) -> Boxed<'a> {
    let mut q = aid_applications::table
        .filter(
            unit_id_in_subtree("aid_applications.unit_id", r.root)
                .or(unit_id_in_subtree("aid_applications.centre_id", r.root)),
        )
        .into_boxed();
    if let Some(account) = r.provider_account {
        q = q.filter(
            aid_applications::provider_staff_id.eq_any(
                staff::table
                    .filter(staff::user_id.eq(account))
                    .select(staff::id.nullable()),
            ),
        );
    }
    q
}

/// The parsed state of a row.
pub fn state_of(row: &AidRow) -> Result<AidState, ApiError> {
    row.state
        .parse()
        .map_err(|e| ApiError::Internal(format!("aid application {}: {e}", row.id)))
}

/// The deadline clocks of a row.
pub fn clocks(row: &AidRow) -> Result<Clocks, ApiError> {
    Ok(Clocks {
        state: state_of(row)?,
        received_at: row.received_at.and_utc(),
        state_entered_at: row.state_entered_at.and_utc(),
        review_paused: Duration::seconds(row.review_paused_seconds),
        materials_due_at: row.materials_due_at.map(|t| t.and_utc()),
    })
}

/// Recomputes the stored deadline and queue priority of a row.
pub fn refresh(row: &mut AidRow) -> Result<(), ApiError> {
    row.deadline_at = aid::current_deadline(&clocks(row)?).map(|(_, at)| at.naive_utc());
    row.priority = 2 * i32::from(row.urgent) + i32::from(row.green_channel);
    Ok(())
}

/// The legal aid centre that handles applications received by a unit: the centre whose parent
/// is the nearest ancestor of the unit (or the unit itself when it is a centre).
pub fn centre_for(tx: &mut DbConnection, unit_id: i64) -> Result<i64, ApiError> {
    let path: String = units::table
        .filter(units::id.eq(unit_id))
        .select(units::path)
        .first(tx)?;
    let centres: Vec<(i64, Option<i64>, String)> = units::table
        .filter(units::kind.eq(UnitKind::LegalAidCentre.to_string()))
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
    let found: Option<i64> = crate::db::schema::consultations::table
        .filter(crate::db::schema::consultations::id.eq(id))
        .filter(unit_id_in_subtree("consultations.unit_id", root))
        .select(crate::db::schema::consultations::id)
        .first(tx)
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid_field(
            "consultation_id",
            "not_found",
            "the consultation does not exist or is outside your scope",
        )),
    }
}

/// Registers an application and its applicant.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    root: i64,
    mut row: AidRow,
    mut applicant: ApplicantRow,
    request: &impl serde::Serialize,
    idem: &idempotency::Idempotency,
) -> Result<(Application, bool), ApiError> {
    audit::write(conn, actor, |tx, log| {
        idempotency::once(tx, actor, idem, request, |tx| {
            crate::store::units::find_referenced(tx, root, row.unit_id, "unit_id")?;
            row.centre_id = centre_for(tx, row.unit_id)?;
            if let Some(id) = row.consultation_id {
                check_consultation(tx, root, id)?;
            }
            for (i, provider) in row.preferred_providers().into_iter().enumerate() {
                check_provider(
                    tx,
                    row.centre_id,
                    provider,
                    &format!("preferred_provider_ids[{i}]"),
                )?;
            }
            refresh(&mut row)?;
            let stored: AidRow = diesel::insert_into(aid_applications::table)
                .values(&row)
                .returning(aid_applications::all_columns)
                .get_result(tx)?;
            applicant.application_id = stored.id;
            diesel::insert_into(aid_applicants::table)
                .values(&applicant)
                .execute(tx)?;
            let app = Application {
                row: stored,
                applicant: applicant.clone(),
            };
            log.record::<(), _>(
                "create",
                "aid_application",
                app.row.id,
                Some(app.row.unit_id),
                None,
                Some(&app),
            );
            Ok(app)
        })
    })
}

/// One application the reader may see.
pub fn find(conn: &mut DbConnection, reader: Reader, id: i64) -> Result<Application, ApiError> {
    let row: AidRow = scoped(reader)
        .filter(aid_applications::id.eq(id))
        .select(AidRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("aid application", id))?;
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

/// Applications of the reader's scope, newest first.
pub fn list(
    conn: &mut DbConnection,
    reader: Reader,
    f: &AidFilter,
    page: &PageRequest,
) -> Result<Page<Application>, ApiError> {
    let mut q = scoped(reader)
        .filter(aid_applications::id.lt(page.after.as_ref().map(|c| c.id).unwrap_or(i64::MAX)))
        .select(AidRow::as_select())
        .order(aid_applications::id.desc())
        .limit(page.fetch_limit());
    if let Some(state) = f.state {
        q = q.filter(aid_applications::state.eq(state.to_string()));
    }
    if let Some(unit) = f.unit_id {
        q = q.filter(
            unit_id_in_subtree("aid_applications.unit_id", unit)
                .or(unit_id_in_subtree("aid_applications.centre_id", unit)),
        );
    }
    if let Some(green) = f.green_channel {
        q = q.filter(aid_applications::green_channel.eq(green));
    }
    if let Some(urgent) = f.urgent {
        q = q.filter(aid_applications::urgent.eq(urgent));
    }
    let rows = q.load(conn)?;
    let page = page.finish(rows, |r| Cursor::by_id(r.id), Ok)?;
    Ok(Page {
        items: with_applicants(conn, page.items)?,
        next_cursor: page.next_cursor,
    })
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
    let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
    let mut q = scoped(reader)
        .filter(aid_applications::state.eq_any(states))
        .filter(aid_applications::deadline_at.is_not_null())
        .select(AidRow::as_select())
        .order((
            aid_applications::priority.desc(),
            aid_applications::deadline_at.asc(),
            aid_applications::id.asc(),
        ))
        .limit(page.fetch_limit());
    if let Some(now) = overdue_at {
        q = q.filter(aid_applications::deadline_at.lt(now.naive_utc()));
    }
    if let Some(c) = &page.after {
        let (Some(rank), Some(at)) = (c.rank, c.at) else {
            return Err(ApiError::BadRequest("invalid cursor for this list".into()));
        };
        let rank = i32::try_from(rank)
            .map_err(|_| ApiError::BadRequest("invalid cursor for this list".into()))?;
        q = q.filter(
            aid_applications::priority
                .lt(rank)
                .or(aid_applications::priority.eq(rank).and(
                    aid_applications::deadline_at
                        .gt(at)
                        .or(aid_applications::deadline_at
                            .eq(at)
                            .and(aid_applications::id.gt(c.id))),
                )),
        );
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

/// Takes one step of the workflow. The chain-head lock of the write serialises racing steps:
/// the first wins, the others see the new state (409) or version (412).
#[allow(clippy::too_many_arguments)]
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    action: AidAction,
    input: &ActionInput,
    now: DateTime<Utc>,
    follow_up_days: i64,
) -> Result<Application, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, reader, id)?;
        if_match.check(current.row.version)?;
        let state = state_of(&current.row)?;
        let next =
            aid::transition(state, action, current.row.urgent).map_err(|e| ApiError::Conflict {
                detail: e.reason,
                allowed_actions: Some(e.allowed.iter().map(|a| a.to_string()).collect()),
            })?;
        let mut row = current.row.clone();
        let now_naive = now.naive_utc();
        match action {
            AidAction::RequestMaterials => {
                let days = input.reply_days.unwrap_or(aid::MATERIALS_REPLY_DAYS);
                row.materials_due_at = Some(now_naive + Duration::days(days));
                row.materials_list = input.materials.as_ref().map(|m| m.join("\n"));
            }
            AidAction::ReceiveMaterials => {
                let paused = (now_naive - row.state_entered_at).num_seconds().max(0);
                row.review_paused_seconds += paused;
                row.materials_due_at = None;
            }
            AidAction::Reject => row.decision_note = input.reasons.clone(),
            AidAction::Terminate => {
                row.termination_ground = input.termination_ground.map(|g| g.to_string());
                row.decision_note = input.note.clone();
            }
            AidAction::Withdraw
            | AidAction::Object
            | AidAction::UpholdObjection
            | AidAction::DismissObjection => {
                row.decision_note = input.note.clone().or(row.decision_note);
            }
            AidAction::Assign => assign(tx, &mut row, input, state)?,
            _ => {}
        }
        row.state = next.to_string();
        row.state_entered_at = now_naive;
        row.version += 1;
        row.updated_at = actor.at;
        refresh(&mut row)?;
        let stored: AidRow =
            diesel::update(aid_applications::table.filter(aid_applications::id.eq(id)))
                .set(&row)
                .returning(aid_applications::all_columns)
                .get_result(tx)?;
        let after = Application {
            row: stored,
            applicant: current.applicant.clone(),
        };
        let note = match action {
            AidAction::Reject => input.reasons.clone(),
            AidAction::Assign => after.row.assignment_note.clone(),
            _ => input.note.clone(),
        };
        log.record(
            action_name(action),
            "aid_application",
            id,
            Some(after.row.unit_id),
            Some(&current),
            Some(&with_step_note(&after, note)),
        );
        if action == AidAction::Close {
            // The closed case is called back (追踪回访) by its centre.
            let due_on = (now + Duration::days(follow_up_days))
                .with_timezone(&crate::time::cst())
                .date_naive();
            crate::store::follow_ups::insert_for(
                tx,
                log,
                after.row.centre_id,
                crate::domain::follow_up::SubjectKind::AidApplication,
                id,
                due_on,
            )?;
        }
        Ok(after)
    })
}

fn action_name(action: AidAction) -> &'static str {
    use crate::domain::codes::CodeTable;
    action.code()
}

/// Assignment: an active provider of the area the centre serves (its parent's subtree: law firms,
/// legal service offices, the service centre); a preference (点援制) that is not honoured needs
/// a recorded reason unless no preferred provider is active; open cases of the provider against
/// the same opposing party give a conflict warning.
/// Checks that a provider can take cases of the centre: an active staff member of the area it
/// serves (the subtree of its parent unit). A failure is a 422 on `field`.
fn check_provider(
    tx: &mut DbConnection,
    centre_id: i64,
    provider: i64,
    field: &str,
) -> Result<(), ApiError> {
    let parent: Option<i64> = units::table
        .filter(units::id.eq(centre_id))
        .select(units::parent_id)
        .first(tx)?;
    let area = parent.unwrap_or(centre_id);
    let found: Option<(bool, String)> = staff::table
        .filter(staff::id.eq(provider))
        .filter(unit_id_in_subtree("staff.unit_id", area))
        .select((staff::active, staff::name))
        .first(tx)
        .optional()?;
    match found {
        None => Err(ApiError::invalid_field(
            field,
            "not_found",
            "the provider does not exist or does not serve the centre's area",
        )),
        Some((false, name)) => Err(ApiError::invalid_field(
            field,
            "inactive",
            format!("{name} is not active"),
        )),
        Some((true, _)) => Ok(()),
    }
}

fn assign(
    tx: &mut DbConnection,
    row: &mut AidRow,
    input: &ActionInput,
    from: AidState,
) -> Result<(), ApiError> {
    let provider = input.provider_staff_id.ok_or_else(|| {
        ApiError::invalid_field(
            "provider_staff_id",
            "required",
            "name the provider to assign",
        )
    })?;
    check_provider(tx, row.centre_id, provider, "provider_staff_id")?;
    let mut notes = Vec::new();
    if from == AidState::Accepted {
        notes.push("先行提供法律援助（临时指派，材料后补）".to_owned());
    }
    let preferred = row.preferred_providers();
    let departs_from_choice = !preferred.is_empty() && !preferred.contains(&provider);
    if let (Some(note), false) = (&input.note, departs_from_choice) {
        notes.push(note.clone());
    }
    if departs_from_choice {
        let active: Vec<i64> = staff::table
            .filter(staff::id.eq_any(&preferred))
            .filter(staff::active.eq(true))
            .select(staff::id)
            .load(tx)?;
        match (&input.note, active.is_empty()) {
            (Some(reason), _) => notes.push(format!("未按申请人选择指派：{reason}")),
            (None, true) => notes.push("申请人选择的承办人员均不在岗，另行指派".to_owned()),
            (None, false) => {
                return Err(ApiError::invalid_field(
                    "note",
                    "required",
                    "the applicant chose other providers (点援制) who are active: give the reason for this assignment",
                ))
            }
        }
    }
    if let Some(party) = row
        .opposing_party
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let open = [
            AidState::Assigned,
            AidState::AgreementSigned,
            AidState::InProgress,
        ]
        .map(|s| s.to_string());
        let clashes: Vec<i64> = aid_applications::table
            .filter(aid_applications::provider_staff_id.eq(provider))
            .filter(aid_applications::state.eq_any(open))
            .filter(aid_applications::opposing_party.eq(party))
            .filter(aid_applications::id.ne(row.id))
            .select(aid_applications::id)
            .load(tx)?;
        if !clashes.is_empty() {
            notes.push(format!(
                "利益冲突提示：该承办人员承办中的案件 {} 的对方当事人同为“{party}”",
                clashes
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
    }
    row.provider_staff_id = Some(provider);
    row.assignment_note = if notes.is_empty() {
        None
    } else {
        Some(notes.join("；"))
    };
    Ok(())
}

/// Puts an application on or off the green channel by an officer's decision.
pub fn set_green(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    green: bool,
    reason: &str,
) -> Result<Application, ApiError> {
    use crate::domain::aid::GreenReason;
    audit::write(conn, actor, |tx, log| {
        let current = find(tx, reader, id)?;
        if_match.check(current.row.version)?;
        let mut row = current.row.clone();
        let mut reasons: Vec<GreenReason> =
            decode_code_list(&row.green_reasons).map_err(|e| ApiError::Internal(e.to_string()))?;
        reasons.retain(|r| *r != GreenReason::SetByOfficer);
        if green {
            reasons.push(GreenReason::SetByOfficer);
        }
        row.green_channel = green;
        row.green_reasons = if green {
            encode_code_list(&reasons)
        } else {
            String::new()
        };
        row.version += 1;
        row.updated_at = actor.at;
        refresh(&mut row)?;
        let stored: AidRow =
            diesel::update(aid_applications::table.filter(aid_applications::id.eq(id)))
                .set(&row)
                .returning(aid_applications::all_columns)
                .get_result(tx)?;
        let after = Application {
            row: stored,
            applicant: current.applicant.clone(),
        };
        log.record(
            "set_green_channel",
            "aid_application",
            id,
            Some(after.row.unit_id),
            Some(&current),
            Some(&with_step_note(&after, Some(format!("绿色通道：{reason}")))),
        );
        Ok(after)
    })
}

/// What the audit trail keeps of a step: the application afterwards, and the note, reasons or
/// assignment remarks given in this step (`step_note`), which the timeline shows.
fn with_step_note(after: &Application, note: Option<String>) -> serde_json::Value {
    let mut value = serde_json::to_value(after).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("step_note".into(), note.into());
    }
    value
}

/// The application's trail, oldest first.
pub fn events(conn: &mut DbConnection, reader: Reader, id: i64) -> Result<Vec<AuditRow>, ApiError> {
    find(conn, reader, id)?;
    Ok(audit_events::table
        .filter(audit_events::entity.eq("aid_application"))
        .filter(audit_events::entity_id.eq(id))
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// The names of a unit and its parent (for notices).
pub fn unit_and_parent_names(
    conn: &mut DbConnection,
    unit_id: i64,
) -> Result<(String, Option<String>), ApiError> {
    let (name, parent): (String, Option<i64>) = units::table
        .filter(units::id.eq(unit_id))
        .select((units::name, units::parent_id))
        .first(conn)?;
    let parent_name = match parent {
        Some(p) => Some(
            units::table
                .filter(units::id.eq(p))
                .select(units::name)
                .first(conn)?,
        ),
        None => None,
    };
    Ok((name, parent_name))
}

/// A recorded verification of a hardship pledge.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = aid_hardship_verifications)]
pub struct VerificationRow {
    pub id: i64,
    pub application_id: i64,
    pub method: String,
    pub result: String,
    pub note: Option<String>,
    pub verified_by: String,
    pub verified_at: NaiveDateTime,
}

/// Records the later verification of a pledge (only for `pledge` applications).
pub fn verify_hardship(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    input: &crate::api::aid::VerificationInput,
    now: DateTime<Utc>,
) -> Result<VerificationRow, ApiError> {
    use crate::domain::codes::CodeTable;
    audit::write(conn, actor, |tx, log| {
        let app = find(tx, reader, id)?;
        if app.row.hardship_check != crate::domain::aid::HardshipCheck::Pledge.to_string() {
            return Err(ApiError::conflict(
                "only a hardship pledge (告知承诺) is verified afterwards",
            ));
        }
        let stored: VerificationRow = diesel::insert_into(aid_hardship_verifications::table)
            .values((
                aid_hardship_verifications::application_id.eq(id),
                aid_hardship_verifications::method.eq(input.method.code()),
                aid_hardship_verifications::result.eq(input.result.code()),
                aid_hardship_verifications::note.eq(&input.note),
                aid_hardship_verifications::verified_by.eq(&actor.name),
                aid_hardship_verifications::verified_at.eq(now.naive_utc()),
            ))
            .returning(aid_hardship_verifications::all_columns)
            .get_result(tx)?;
        log.record::<(), _>(
            "verify_hardship",
            "aid_application",
            id,
            Some(app.row.unit_id),
            None,
            Some(&stored),
        );
        Ok(stored)
    })
}

/// The verifications of an application, oldest first.
pub fn verifications(conn: &mut DbConnection, id: i64) -> Result<Vec<VerificationRow>, ApiError> {
    Ok(aid_hardship_verifications::table
        .filter(aid_hardship_verifications::application_id.eq(id))
        .order(aid_hardship_verifications::id.asc())
        .select(VerificationRow::as_select())
        .load(conn)?)
}
