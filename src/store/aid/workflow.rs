//! The workflow's steps (one at a time, versioned and audited), the green-channel decision and
//! the timeline.

use chrono::{Datelike, Duration};
use diesel::prelude::*;

use super::{find, refresh, AidRow, ApplicantRow, Application, Reader};
use crate::config::Settings;
use crate::db::schema::{aid_applicants, aid_applications, audit_events, staff, units};
use crate::db::DbConnection;
use crate::domain::aid::{self, AidAction, AidState, GreenReason, StepInput, TerminationGround};
use crate::domain::codes::{decode_code_list, encode_code_list, CodeTable};
use crate::domain::message::Message;
use crate::domain::periods;
use crate::error::ApiError;
use crate::precondition::{IfMatch, Versioned};
use crate::store::audit::AuditRow;
use crate::store::scope::unit_id_in_subtree;
use crate::store::write::{self, Record};
use crate::store::Actor;

/// An application after a step, with the note, reasons or assignment remarks given in this step
/// (`step_note`), which the timeline shows: what the audit trail keeps of a step.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Stepped {
    #[serde(flatten)]
    app: Application,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step_note: Option<String>,
    /// The written document the step issued: its number and the digest of its text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    paper: Option<super::papers::PaperStamp>,
}

impl Record for Stepped {
    const ENTITY: &'static str = Application::ENTITY;
    const TABLE: &'static str = Application::TABLE;
    fn id(&self) -> i64 {
        self.app.id()
    }
    fn unit_id(&self) -> Option<i64> {
        self.app.unit_id()
    }
}

impl Versioned for Stepped {
    fn version(&self) -> i64 {
        self.app.version()
    }
}

/// Changes an application in one versioned, audited write: `change` edits a copy of the row
/// (the version and times are set here) and names the note of the step.
fn step(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    action: &'static str,
    change: impl FnOnce(
        &mut DbConnection,
        &mut crate::store::audit::AuditLog,
        &Application,
        &mut AidRow,
        &mut ApplicantRow,
    ) -> Result<(Option<String>, Option<super::papers::PaperRow>), ApiError>,
) -> Result<Application, ApiError> {
    let stepped = write::update(
        conn,
        actor,
        if_match,
        action,
        |tx| {
            Ok(Stepped {
                app: find(tx, reader, id)?,
                step_note: None,
                paper: None,
            })
        },
        |tx, log, current| {
            let mut row = current.app.row.clone();
            let mut applicant = current.app.applicant.clone();
            let (step_note, paper) = change(tx, log, &current.app, &mut row, &mut applicant)?;
            let paper = paper.as_ref().map(super::papers::PaperStamp::from);
            row.version += 1;
            row.updated_at = log.at();
            refresh(&mut row, &crate::store::calendar::current(tx)?);
            let stored: AidRow =
                diesel::update(aid_applications::table.filter(aid_applications::id.eq(id)))
                    .set(&row)
                    .returning(aid_applications::all_columns)
                    .get_result(tx)?;
            Ok(Stepped {
                app: Application {
                    row: stored,
                    applicant,
                },
                step_note,
                paper,
            })
        },
    )?;
    Ok(stepped.app)
}

/// Takes one step of the workflow. The chain-head lock of the write serialises racing steps:
/// the first wins, the others see the new state (409) or version (412). Besides the table, a
/// step keeps its time limits (a materials reply before its date, an objection within its
/// window). A closed case is called back (追踪回访) by its centre within the settings'
/// `follow_up_days`.
#[allow(clippy::too_many_arguments)]
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    action: AidAction,
    input: &StepInput,
    settings: &Settings,
) -> Result<Application, ApiError> {
    step(
        conn,
        actor,
        reader,
        id,
        if_match,
        action.code(),
        |tx, log, current, row, _| {
            let state = current.row.state;
            let standing = super::standing(&current.row);
            let conflict = |detail: Message| ApiError::Conflict {
                detail,
                allowed_actions: Some(
                    aid::allowed_actions(&standing)
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                ),
            };
            let next = aid::transition(&standing, action).map_err(|e| conflict(e.reason))?;
            let now = log.at();
            let calendar = crate::store::calendar::current(tx)?;
            let served_on = match action {
                AidAction::Object => Some(check_served_on(input, &current.row, now)?),
                _ => None,
            };
            aid::check_timing(
                &standing,
                action,
                now.and_utc(),
                served_on.map(|d| (d, settings.objection_days)),
                &calendar,
            )
            .map_err(conflict)?;
            let mut note = input.note.clone();
            match action {
                AidAction::RequestMaterials => {
                    let days = input
                        .reply_days
                        .and_then(|d| u32::try_from(d).ok())
                        .unwrap_or(aid::MATERIALS_REPLY_DAYS);
                    let due = periods::due_after(now.and_utc(), days, 0, &calendar)
                        .map_err(|e| conflict(e.message()))?;
                    row.materials_due_at = Some(due.at.naive_utc());
                    row.materials_list = input.materials.as_ref().map(|m| m.join("\n"));
                }
                AidAction::ReceiveMaterials => {
                    let days = periods::paused_days(row.state_entered_at.and_utc(), now.and_utc());
                    row.review_paused_days += i32::try_from(days).unwrap_or(0);
                    row.materials_due_at = None;
                }
                AidAction::Approve => row.decided_at = Some(now),
                AidAction::Reject => {
                    row.decision_note = input.reasons.clone();
                    row.decided_at = Some(now);
                    if next == AidState::Terminated {
                        // Urgent aid refused when decided afterwards (Art. 44): it ends.
                        row.termination_ground = Some(TerminationGround::NotEligible);
                        row.resume_state = Some(state);
                    }
                    note = input.reasons.clone();
                }
                AidAction::Terminate => {
                    row.termination_ground = input.termination_ground;
                    row.decision_note = input.note.clone();
                    row.resume_state = Some(state);
                }
                AidAction::Withdraw => {
                    // A notice unanswered by its date: the law deems the application withdrawn.
                    let deemed = state == AidState::MaterialsRequested
                        && row
                            .materials_due_at
                            .is_some_and(|due| now.and_utc() >= due.and_utc());
                    if deemed {
                        note = note.map(|n| format!("逾期未补充材料，视为撤回申请。{n}"));
                    }
                    row.decision_note = note.clone();
                }
                AidAction::Object => {
                    row.objection_note = note.clone();
                    row.objection_decision_note = None;
                    if let Some(day) = served_on {
                        note = note.map(|n| format!("决定送达日：{day}。{n}"));
                    }
                }
                AidAction::UpholdObjection => {
                    row.objection_decision_note = note.clone();
                    row.decided_at = Some(now);
                    if row.resume_state.take().is_some() {
                        row.termination_ground = None;
                    }
                }
                AidAction::DismissObjection => row.objection_decision_note = note.clone(),
                AidAction::Close => {
                    row.closed_at = Some(now);
                    row.closing_outcome = input.outcome;
                    row.amount_recovered_fen = input.amount_recovered_fen;
                    row.closing_documents = input.documents.as_ref().map(|d| d.join("\n"));
                }
                AidAction::Review => {
                    let grade = input.quality_grade.ok_or_else(|| {
                        ApiError::invalid_field("quality_grade", "required", "grade the case")
                    })?;
                    let closed = row.closed_at.unwrap_or(row.state_entered_at);
                    let year = crate::time::to_cst(closed).year();
                    let rate = super::rates::amount(tx, year, row.matter_category, grade)?
                        .ok_or_else(|| {
                            conflict(Message::new(
                                format!(
                                    "no case subsidy is set for {}, {} in {year} or before: an admin sets it in the rate table first",
                                    row.matter_category.code(),
                                    grade.code()
                                ),
                                format!(
                                    "{year}年及以前均未设定“{}”案件“{}”等级的办案补贴标准，请管理员先在补贴标准表中设定",
                                    row.matter_category.label(),
                                    grade.label()
                                ),
                            ))
                        })?;
                    row.review_grade = Some(grade);
                    row.subsidy_fen = Some(rate);
                    row.reviewed_at = Some(now);
                    note = Some(format!(
                        "结案审查：{}；办案补贴 {}.{:02} 元{}",
                        grade.label(),
                        rate / 100,
                        rate % 100,
                        note.map(|n| format!("。{n}")).unwrap_or_default()
                    ));
                }
                AidAction::Assign | AidAction::ChangeProvider => {
                    assign(
                        tx,
                        row,
                        &current.applicant.name,
                        input,
                        state,
                        settings.conflict_years,
                        now,
                    )?;
                    if action == AidAction::ChangeProvider {
                        // The new provider signs a new agreement: its period starts now.
                        row.state_entered_at = now;
                    }
                    if standing.notice {
                        // 通知辩护: the notice is the decision (Art. 25, 36).
                        row.decided_at = Some(now);
                    }
                    note = row.assignment_note.clone();
                }
                _ => {}
            }
            if next != state {
                row.state = next;
                row.state_entered_at = now;
            }
            if action == AidAction::Close {
                let due_on =
                    crate::time::to_cst(now + Duration::days(settings.follow_up_days)).date_naive();
                crate::store::follow_ups::insert_for(
                    tx,
                    log,
                    row.centre_id,
                    crate::domain::follow_up::SubjectKind::AidApplication,
                    id,
                    due_on,
                )?;
            }
            let paper = super::papers::issue_for_step(
                tx,
                row,
                &current.applicant.name,
                action,
                state,
                input,
                settings,
                now,
            )?;
            let kept = aid::period_kept(&standing, action, now.and_utc(), &calendar);
            super::steps::record(tx, id, action, row.state, now, kept.as_ref())?;
            Ok((note, paper))
        },
    )
}

/// The day the decision objected to was served: not before it was made, not after today.
fn check_served_on(
    input: &StepInput,
    row: &AidRow,
    now: chrono::NaiveDateTime,
) -> Result<chrono::NaiveDate, ApiError> {
    let decided_on = crate::time::to_cst(row.state_entered_at).date_naive();
    let today = crate::time::to_cst(now).date_naive();
    match input.served_on {
        None => Ok(decided_on),
        Some(day) if day < decided_on => Err(ApiError::invalid_field(
            "served_on",
            "before_decision",
            format!("the decision was made on {decided_on}; it cannot be served before"),
        )),
        Some(day) if day > today => Err(ApiError::invalid_field(
            "served_on",
            "future",
            "must not be in the future",
        )),
        Some(day) => Ok(day),
    }
}

/// Checks that a provider can take cases of the centre: an active staff member of the area it
/// serves (the subtree of its parent unit). A failure is a 422 on `field`.
pub(super) fn check_provider(
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

/// Assignment (and a change of provider): an active provider of the area the centre serves (its
/// parent's subtree: law firms, legal service offices, the service centre); a preference (点援制)
/// that is not honoured needs a recorded reason unless no preferred provider is active; a
/// provider or organisation on the other side of the case is refused unless the officer
/// overrides the conflict with a reason; open cases of the provider against the same opposing
/// party give a warning.
fn assign(
    tx: &mut DbConnection,
    row: &mut AidRow,
    applicant: &str,
    input: &StepInput,
    from: AidState,
    conflict_years: u32,
    now: chrono::NaiveDateTime,
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
    let found = conflicts_of(tx, row, applicant, provider, conflict_years, now)?;
    if !found.is_empty() {
        let list = found
            .iter()
            .map(|c| c.why.as_str())
            .collect::<Vec<_>>()
            .join("；");
        match &input.conflict_override {
            Some(reason) => notes.push(format!("利益冲突经审查放行（{list}）：{reason}")),
            None => {
                return Err(ApiError::invalid_field(
                    "provider_staff_id",
                    "conflict",
                    format!(
                        "conflict of interest: {list}; choose another provider, or give `conflict_override` with the reason"
                    ),
                ))
            }
        }
    }
    if from == AidState::Submitted {
        notes.push("通知辩护：收到办案机关通知后指派".to_owned());
    }
    if from == AidState::Accepted {
        notes.push("先行提供法律援助（临时指派，材料后补）".to_owned());
    }
    let changing = matches!(
        from,
        AidState::Assigned | AidState::AgreementSigned | AidState::InProgress
    );
    if changing {
        // A change of provider: the reason, and who had the case.
        let before = row
            .provider_staff_id
            .map(|p| format!("（原承办人员 {p}）"))
            .unwrap_or_default();
        notes.push(format!(
            "更换承办人员{before}：{}",
            input.note.clone().unwrap_or_default()
        ));
    }
    let preferred = row.preferred_providers();
    let departs_from_choice = !preferred.is_empty() && !preferred.contains(&provider);
    if let (Some(note), false, false) = (&input.note, departs_from_choice, changing) {
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
        ];
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

/// Corrects the intake of an application before its decision: `corrected` gives the rows as
/// the corrected application would be submitted now (checked as at submission); the intake
/// fields of the application and its applicant are replaced, and the green channel follows
/// from them (an officer's decision to put it on the channel is kept). The step's note names
/// the fields changed (never their values) and the reason; a correction that changes nothing
/// is refused.
pub fn correct(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    if_match: &IfMatch,
    reason: &str,
    corrected: impl FnOnce(&Application) -> Result<(AidRow, ApplicantRow), ApiError>,
) -> Result<Application, ApiError> {
    step(
        conn,
        actor,
        reader,
        id,
        if_match,
        "correct",
        |tx, _, current, row, applicant| {
            let standing = super::standing(&current.row);
            aid::check_correctable(&standing).map_err(|detail| ApiError::Conflict {
                detail,
                allowed_actions: Some(
                    aid::allowed_actions(&standing)
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                ),
            })?;
            let (new, new_applicant) = corrected(current)?;
            if new.preferred_provider_ids != row.preferred_provider_ids {
                for (i, provider) in new.preferred_providers().into_iter().enumerate() {
                    check_provider(
                        tx,
                        row.centre_id,
                        provider,
                        &format!("preferred_provider_ids[{i}]"),
                    )?;
                }
            }
            let officer = decode_code_list::<GreenReason>(&row.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .contains(&GreenReason::SetByOfficer);
            let mut reasons: Vec<GreenReason> = decode_code_list(&new.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            if officer {
                reasons.push(GreenReason::SetByOfficer);
            }
            row.matter_category = new.matter_category;
            row.case_type = new.case_type;
            row.opposing_party = new.opposing_party;
            row.facts = new.facts;
            row.hardship_check = new.hardship_check;
            row.hardship_ground = new.hardship_ground;
            row.preferred_provider_ids = new.preferred_provider_ids;
            row.urgent = new.urgent;
            row.urgent_ground = new.urgent_ground;
            row.safe_contact = new.safe_contact;
            row.green_channel = !reasons.is_empty();
            row.green_reasons = encode_code_list(&reasons);
            *applicant = ApplicantRow {
                application_id: id,
                ..new_applicant
            };
            let after = Application {
                row: row.clone(),
                applicant: applicant.clone(),
            };
            let fields = changed_fields(current, &after)?;
            if fields.is_empty() {
                return Err(ApiError::invalid_field(
                    "body",
                    "no_change",
                    "the correction changes nothing",
                ));
            }
            diesel::update(aid_applicants::table.filter(aid_applicants::application_id.eq(id)))
                .set(&*applicant)
                .execute(tx)?;
            let green = if row.green_channel {
                reasons
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join("、")
            } else {
                "否".to_owned()
            };
            Ok((
                Some(format!(
                    "更正受理信息（{}）：{reason}；绿色通道：{green}",
                    fields.join("、")
                )),
                None,
            ))
        },
    )
}

/// The fields that differ between two versions of an application (the applicant's prefixed
/// `applicant.`).
fn changed_fields(before: &Application, after: &Application) -> Result<Vec<String>, ApiError> {
    let json = |v: Result<serde_json::Value, serde_json::Error>| {
        v.map_err(|e| ApiError::Internal(e.to_string()))
    };
    let mut out = Vec::new();
    for (prefix, b, a) in [
        (
            "",
            json(serde_json::to_value(&before.row))?,
            json(serde_json::to_value(&after.row))?,
        ),
        (
            "applicant.",
            json(serde_json::to_value(&before.applicant))?,
            json(serde_json::to_value(&after.applicant))?,
        ),
    ] {
        if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
            for (key, value) in a {
                if b.get(key) != Some(value) {
                    let key = key.strip_prefix("applicant_").unwrap_or(key);
                    out.push(format!("{prefix}{key}"));
                }
            }
        }
    }
    Ok(out)
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
    step(
        conn,
        actor,
        reader,
        id,
        if_match,
        "set_green_channel",
        |_, _, _, row, _| {
            let mut reasons: Vec<GreenReason> = decode_code_list(&row.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
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
            Ok((Some(format!("绿色通道：{reason}")), None))
        },
    )
}

/// The application's trail, oldest first.
pub fn events(conn: &mut DbConnection, reader: Reader, id: i64) -> Result<Vec<AuditRow>, ApiError> {
    find(conn, reader, id)?;
    Ok(audit_events::table
        .filter(audit_events::entity.eq(Application::ENTITY))
        .filter(audit_events::entity_id.eq(id))
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// The cases of the provider and of its organisation (the other staff of its unit) that put
/// them on the other side of this case: open ones, and those ended within `years`.
fn conflicts_of(
    tx: &mut DbConnection,
    row: &AidRow,
    applicant: &str,
    provider: i64,
    years: u32,
    now: chrono::NaiveDateTime,
) -> Result<Vec<aid::Conflict>, ApiError> {
    let unit: i64 = staff::table
        .filter(staff::id.eq(provider))
        .select(staff::unit_id)
        .first(tx)?;
    let team: Vec<i64> = staff::table
        .filter(staff::unit_id.eq(unit))
        .select(staff::id)
        .load(tx)?;
    let applicant = applicant.trim().to_owned();
    let opposing = row
        .opposing_party
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let mut q = aid_applications::table
        .inner_join(aid_applicants::table)
        .filter(aid_applications::provider_staff_id.eq_any(team))
        .filter(aid_applications::id.ne(row.id))
        .into_boxed();
    q = match &opposing {
        Some(p) => q.filter(
            aid_applications::opposing_party
                .eq(applicant.clone())
                .or(aid_applicants::name.eq(p.clone())),
        ),
        None => q.filter(aid_applications::opposing_party.eq(applicant.clone())),
    };
    type Found = (
        i64,
        Option<i64>,
        String,
        Option<String>,
        AidState,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    );
    let found: Vec<Found> = q
        .select((
            aid_applications::id,
            aid_applications::provider_staff_id,
            aid_applicants::name,
            aid_applications::opposing_party,
            aid_applications::state,
            aid_applications::state_entered_at,
            aid_applications::closed_at,
        ))
        .load(tx)?;
    let cutoff = now
        .checked_sub_months(chrono::Months::new(12 * years))
        .unwrap_or(now);
    let open = [
        AidState::Assigned,
        AidState::AgreementSigned,
        AidState::InProgress,
    ];
    let others: Vec<aid::OtherCase> = found
        .into_iter()
        .filter(|(_, _, _, _, state, entered, closed)| {
            open.contains(state) || closed.unwrap_or(*entered) >= cutoff
        })
        .map(|(id, p, name, opposing_party, _, _, _)| aid::OtherCase {
            id,
            applicant: name,
            opposing_party,
            same_provider: p == Some(provider),
        })
        .collect();
    Ok(aid::conflicts(&applicant, opposing.as_deref(), &others))
}
