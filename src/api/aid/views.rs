//! What the aid routes answer: applications as the caller may see them, their timeline and
//! hardship verifications; built from the store's rows.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::endpoint::{from_record, record_view};
use crate::api::AppState;
use crate::auth::Principal;
use crate::domain::aid::{
    self, AidAction, AidChannel, AidState, ClosingOutcome, DeadlineKind, GreenReason,
    HardshipCheck, HardshipGround, MatterCategory, QualityGrade, TerminationGround, UrgentGround,
    VerificationMethod, VerificationResult,
};
use crate::domain::codes::decode_code_list;
use crate::domain::consultation::SpecialGroup;
use crate::domain::id_card::Sex;
use crate::error::ApiError;
use crate::paging::Page;
use crate::privacy;
use crate::store;
use crate::store::aid::Application;
use crate::store::audit::AuditRow;
use crate::time::{cst, to_cst};

/// The applicant as this caller may see them (see `privacy`): in full for admins of the subtree
/// and for staff and aid officers of the receiving unit or the handling centre; the contact
/// details (name, phone, address, guardian's name and phone) in full, the rest masked, for the
/// provider the case is assigned to; masked for everyone else (auditors, integrations, other
/// providers, staff of other units).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Applicant {
    /// Name: masked to the family name (`赵*`) unless the contact details are shown.
    pub name: String,
    /// ID number: in full for full readers only, otherwise its first four characters
    /// (`1405**************`).
    pub id_number: String,
    /// Sex, shown to every reader.
    pub sex: Sex,
    /// Birth year, shown to every reader.
    pub birth_year: i32,
    /// Birth date: full readers only (absent for the others).
    pub birth_date: Option<NaiveDate>,
    /// Age on the day of application: full readers only (absent for the others).
    pub age: Option<i32>,
    /// Phone: masked (`138****5678`) unless the contact details are shown.
    pub phone: Option<String>,
    /// Address: absent unless the contact details are shown.
    pub address: Option<String>,
    /// Special groups.
    pub special_groups: Vec<SpecialGroup>,
    /// Disabled.
    pub disabled: bool,
    /// Guardian or agent: masked to the family name unless the contact details are shown.
    pub guardian_name: Option<String>,
    /// The guardian's relation.
    pub guardian_relation: Option<String>,
    /// The guardian's phone: masked unless the contact details are shown.
    pub guardian_phone: Option<String>,
    /// Safe contact: how to reach the applicant safely; absent unless the contact details are
    /// shown.
    pub safe_contact_means: Option<String>,
    /// Safe contact: the phone of that channel; masked unless the contact details are shown.
    pub safe_contact_phone: Option<String>,
}

/// The deadline an application is under.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Deadline {
    /// Which.
    pub kind: DeadlineKind,
    /// The rule that sets the period (none for a materials reply: each request sets its own).
    pub basis: Option<String>,
    /// The last day of the period (China Standard Time); absent when the business calendar does
    /// not hold that year's holidays (see `unknown_because`).
    pub due_date: Option<NaiveDate>,
    /// When it falls due: 24:00 China Standard Time of `due_date`.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// The day the period would have ended had it not been a rest day (Civil Code Art. 203).
    pub moved_from: Option<NaiveDate>,
    /// Seconds left (negative when overdue).
    pub seconds_left: Option<i64>,
    /// Whether it has passed.
    pub overdue: Option<bool>,
    /// Why the due date is not known: the period reaches a year whose holiday schedule the
    /// calendar does not hold.
    pub unknown_because: Option<String>,
}

record_view! {
    /// An aid application.
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
    pub struct AidApplication {
        /// Id.
        pub id: i64,
        /// The unit first asked (首问首办).
        pub unit_id: i64,
        /// The legal aid centre handling it.
        pub centre_id: i64,
        /// The consultation it came from.
        pub consultation_id: Option<i64>,
        /// The applicant.
        pub applicant: Applicant,
        /// The matter.
        pub matter_category: MatterCategory,
        /// The kind of case.
        pub case_type: Option<String>,
        /// The opposing party.
        pub opposing_party: Option<String>,
        /// The facts.
        pub facts: String,
        /// How it arrived.
        pub channel: AidChannel,
        /// How hardship is established.
        pub hardship_check: HardshipCheck,
        /// Its ground.
        pub hardship_ground: Option<HardshipGround>,
        /// Providers the applicant chose.
        pub preferred_provider_ids: Vec<i64>,
        /// Urgent aid.
        pub urgent: bool,
        /// Its ground.
        pub urgent_ground: Option<UrgentGround>,
        /// Domestic-violence safe contact.
        pub safe_contact: bool,
        /// On the green channel.
        pub green_channel: bool,
        /// Why.
        pub green_reasons: Vec<GreenReason>,
        /// The green channel's internal target for the current step (one working day).
        pub green_target_date: Option<NaiveDate>,
        /// Where it stands.
        pub state: AidState,
        /// What may be done next.
        pub allowed_actions: Vec<AidAction>,
        /// When received.
        pub received_at: DateTime<FixedOffset>,
        /// When the current state began.
        pub state_entered_at: DateTime<FixedOffset>,
        /// The deadline it is under now.
        pub deadline: Option<Deadline>,
        /// Days the review period stood still for a materials request (from the day asked to the day
        /// received; counting resumes the day after).
        pub review_paused_days: i32,
        /// The open or last materials notice (一次性告知): every item.
        pub materials: Vec<String>,
        /// The reply deadline of an open materials request.
        pub materials_due_at: Option<DateTime<FixedOffset>>,
        /// The centre's reasons for a refusal or note of a termination or withdrawal.
        pub decision_note: Option<String>,
        /// When aid was decided: approved or refused (for urgent aid, after the assignment), ordered
        /// on objection, or, for an official notice, assigned.
        pub decided_at: Option<DateTime<FixedOffset>>,
        /// The applicant's objection, as the justice bureau recorded it.
        pub objection_note: Option<String>,
        /// The justice bureau's decision on the objection.
        pub objection_decision_note: Option<String>,
        /// The written refusal (不予法律援助决定书), while a refusal stands or is objected to.
        pub rejection_notice: Option<String>,
        /// The written termination (终止法律援助决定书), while a termination stands or is objected
        /// to.
        pub termination_notice: Option<String>,
        /// The Art. 48 ground (or `not_eligible`: urgent aid refused afterwards), when terminated.
        pub termination_ground: Option<TerminationGround>,
        /// When the case was closed.
        pub closed_at: Option<DateTime<FixedOffset>>,
        /// How the case ended (reported at closing).
        pub closing_outcome: Option<ClosingOutcome>,
        /// The amount recovered for the client, in fen (分), where there is one.
        pub amount_recovered_fen: Option<i64>,
        /// The documents handed in at closing.
        pub closing_documents: Vec<String>,
        /// The closing review's quality grade (结案审查).
        pub review_grade: Option<QualityGrade>,
        /// The case subsidy (办案补贴) the review computed from the rate table, in fen.
        pub subsidy_fen: Option<i64>,
        /// When the closing review was made.
        pub reviewed_at: Option<DateTime<FixedOffset>>,
        /// The assigned provider.
        pub provider_staff_id: Option<i64>,
        /// The steps taken, oldest first: when, and for a step that completed a period of the law,
        /// when that period fell due and whether the step met it.
        pub steps: Vec<AidStep>,
        /// The follow-up visit after closing and the satisfaction it found (on single reads).
        pub follow_up: Option<crate::api::follow_ups::FollowUpSummary>,
        /// Notes of the assignment: preference not followed, conflict warning, provisional.
        pub assignment_note: Option<String>,
        /// The submitting account's own reference of the record, if it gave one.
        pub external_ref: Option<String>,
    }
}

/// A step taken on an application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"action": "approve", "state": "approved", "taken_at": "2023-03-07T16:20:00+08:00",
    "period_kind": "review", "due_date": "2023-03-08", "due_at": "2023-03-09T00:00:00+08:00", "met": true}))]
pub struct AidStep {
    /// The step.
    pub action: AidAction,
    /// The state it led to.
    pub state: AidState,
    /// When it was taken.
    pub taken_at: DateTime<FixedOffset>,
    /// The period of the law the step completed (review, assignment, agreement, objection,
    /// filing, closing review, materials reply), if any.
    pub period_kind: Option<DeadlineKind>,
    /// The period's last day (China Standard Time); absent when the calendar did not hold its
    /// year, or for steps recorded from the trail before periods were recorded.
    pub due_date: Option<NaiveDate>,
    /// When the period ended: 24:00 China Standard Time of `due_date`.
    pub due_at: Option<DateTime<FixedOffset>>,
    /// Whether the step was taken within the period (absent when that is not known).
    pub met: Option<bool>,
}

impl From<store::aid::steps::StepRow> for AidStep {
    fn from(s: store::aid::steps::StepRow) -> Self {
        AidStep {
            action: s.action,
            state: s.state_after,
            taken_at: to_cst(s.taken_at),
            period_kind: s.period_kind,
            due_date: s.due_date,
            due_at: s.due_at.map(to_cst),
            met: s.met,
        }
    }
}

/// Context for building views: the caller, now, the calendar.
pub struct ViewContext<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// Now.
    pub now: DateTime<chrono::Utc>,
    /// The business calendar around now.
    pub calendar: &'a crate::domain::calendar::BusinessCalendar,
}

impl AidApplication {
    /// The API view, masked as the caller must see it.
    pub fn view(
        app: Application,
        ctx: &ViewContext,
        decision: Option<&store::aid::papers::PaperRow>,
    ) -> Result<Self, ApiError> {
        let Application { row, applicant: a } = app;
        let id = row.id;
        let sight = privacy::sight_of_application(
            ctx.principal,
            row.unit_id,
            row.centre_id,
            row.provider_staff_id,
        );
        let state = row.state;
        let standing = store::aid::standing(&row);
        let deadline = aid::current_deadline(&standing, ctx.calendar).map(|(kind, due)| {
            let basis = aid::period(kind).map(|p| p.basis.to_owned());
            match due {
                Ok(due) => {
                    let left = (due.at - ctx.now).num_seconds();
                    Deadline {
                        kind,
                        basis,
                        due_date: Some(due.date),
                        due_at: Some(due.at.with_timezone(&cst())),
                        moved_from: due.moved_from,
                        seconds_left: Some(left),
                        overdue: Some(left <= 0),
                        unknown_because: None,
                    }
                }
                Err(missing) => Deadline {
                    kind,
                    basis,
                    due_date: None,
                    due_at: None,
                    moved_from: None,
                    seconds_left: None,
                    overdue: None,
                    unknown_because: Some(missing.to_string()),
                },
            }
        });
        let preferred = row.preferred_providers();
        let green_target_date = if row.green_channel {
            aid::green_target(
                state,
                to_cst(row.state_entered_at).date_naive(),
                ctx.calendar,
            )
        } else {
            None
        };
        // The written decision stands while it is in force or objected to.
        let served = matches!(
            state,
            AidState::Rejected
                | AidState::Terminated
                | AidState::Objection
                | AidState::ObjectionDismissed
        );
        let decision = decision
            .filter(|_| served)
            .map(|p| (p.kind, paper_text(p, &a.name, sight)));
        let (rejection_notice, termination_notice) = match decision {
            Some((aid::PaperKind::Refusal, text)) => (Some(text), None),
            Some((aid::PaperKind::Termination, text)) => (None, Some(text)),
            _ => (None, None),
        };
        Ok(from_record!(row => AidApplication {
            id,
            unit_id: row.unit_id,
            centre_id: row.centre_id,
            consultation_id: row.consultation_id,
            applicant: Applicant {
                name: sight.name(Some(a.name.clone())).unwrap_or_default(),
                id_number: sight.id_number(Some(a.id_number)).unwrap_or_default(),
                sex: a.sex,
                birth_year: a.birth_date.year(),
                birth_date: sight.birth_date(Some(a.birth_date)),
                age: sight.age(Some(a.age), Some(a.birth_date)),
                phone: sight.phone(a.phone),
                address: sight.address(a.address),
                special_groups: decode_code_list(&a.special_groups)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                disabled: a.disabled,
                guardian_name: sight.name(a.guardian_name),
                guardian_relation: a.guardian_relation,
                guardian_phone: sight.phone(a.guardian_phone),
                safe_contact_means: sight.address(a.safe_contact_means),
                safe_contact_phone: sight.phone(a.safe_contact_phone),
            },
            matter_category: row.matter_category,
            case_type: row.case_type,
            opposing_party: row.opposing_party,
            facts: row.facts,
            channel: row.channel,
            hardship_check: row.hardship_check,
            hardship_ground: row.hardship_ground,
            preferred_provider_ids: preferred,
            urgent: row.urgent,
            urgent_ground: row.urgent_ground,
            safe_contact: row.safe_contact,
            green_channel: row.green_channel,
            green_reasons: decode_code_list(&row.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            green_target_date,
            allowed_actions: aid::allowed_actions_at(&standing, ctx.now),
            state,
            received_at: to_cst(row.received_at),
            state_entered_at: to_cst(row.state_entered_at),
            deadline,
            review_paused_days: row.review_paused_days,
            materials: row
                .materials_list
                .as_deref()
                .map(|m| m.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
            materials_due_at: row.materials_due_at.map(to_cst),
            rejection_notice,
            termination_notice,
            decided_at: row.decided_at.map(to_cst),
            closed_at: row.closed_at.map(to_cst),
            closing_outcome: row.closing_outcome,
            amount_recovered_fen: row.amount_recovered_fen,
            closing_documents: row
                .closing_documents
                .as_deref()
                .map(|m| m.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
            review_grade: row.review_grade,
            subsidy_fen: row.subsidy_fen,
            reviewed_at: row.reviewed_at.map(to_cst),
            objection_note: row.objection_note,
            objection_decision_note: row.objection_decision_note,
            decision_note: row.decision_note,
            termination_ground: row.termination_ground,
            provider_staff_id: row.provider_staff_id,
            steps: Vec::new(),
            follow_up: None,
            assignment_note: row.assignment_note,
            external_ref: None,
        }))
    }
}

/// Loads what views need and builds them.
pub(crate) async fn views(
    state: &AppState,
    principal: &Principal,
    apps: Vec<Application>,
) -> Result<Vec<AidApplication>, ApiError> {
    let now = state.clock.now();
    let ids: Vec<i64> = apps.iter().map(|a| a.row.id).collect();
    let (calendar, mut decisions, mut refs, mut steps) = store::run(&state.pool, move |c| {
        let calendar = store::calendar::current(c)?;
        let decisions = store::aid::papers::latest(
            c,
            &ids,
            &[aid::PaperKind::Refusal, aid::PaperKind::Termination],
        )?;
        let refs =
            store::external_refs::of(c, store::external_refs::RefEntity::AidApplication, &ids)?;
        let steps = store::aid::steps::of(c, &ids)?;
        Ok((calendar, decisions, refs, steps))
    })
    .await?;
    let ctx = ViewContext {
        principal,
        now,
        calendar: &calendar,
    };
    apps.into_iter()
        .map(|a| {
            let decision = decisions.remove(&a.row.id);
            let external_ref = refs.remove(&a.row.id);
            let taken = steps.remove(&a.row.id).unwrap_or_default();
            AidApplication::view(a, &ctx, decision.as_ref()).map(|mut v| {
                v.external_ref = external_ref;
                v.steps = taken.into_iter().map(AidStep::from).collect();
                v
            })
        })
        .collect()
}

/// A paper's text as this reader may see it: the applicant's name masked unless the reader sees
/// the contact details.
pub fn paper_text(
    paper: &store::aid::papers::PaperRow,
    applicant: &str,
    sight: privacy::Sight,
) -> String {
    let text = paper.text();
    match sight.name(Some(applicant.to_owned())) {
        Some(shown) if shown != applicant && !applicant.is_empty() => {
            text.replace(applicant, &shown)
        }
        _ => text,
    }
}

/// The views of a page of applications.
pub(super) async fn page_of_views(
    state: &AppState,
    principal: &Principal,
    page: Page<Application>,
) -> Result<Page<AidApplication>, ApiError> {
    Ok(Page {
        items: views(state, principal, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// The view of one application.
pub(super) async fn one_view(
    state: &AppState,
    principal: &Principal,
    app: Application,
) -> Result<AidApplication, ApiError> {
    views(state, principal, vec![app])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("view of one application missing".into()))
}

/// One step of an application's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AidEvent {
    /// The audit event's id.
    pub id: i64,
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Who.
    pub actor: String,
    /// In which role.
    pub role: Option<String>,
    /// What (`create`, an action, `set_green_channel`).
    pub action: String,
    /// The state afterwards.
    pub state: Option<String>,
    /// The note, reasons or assignment remarks given in this step.
    pub note: Option<String>,
    /// The reference number of the document the step issued (see `…/papers`).
    pub paper_reference: Option<String>,
}

/// The timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AidTimeline {
    /// Steps, oldest first.
    pub items: Vec<AidEvent>,
}

/// A verification of a hardship pledge.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": 1, "application_id": 12, "method": "data_platform", "result": "confirmed",
    "note": "低保系统核实", "verified_by": "aid.officer", "verified_at": "2023-03-20T10:00:00+08:00"}))]
pub struct HardshipVerification {
    /// Id.
    pub id: i64,
    /// The application.
    pub application_id: i64,
    /// How.
    pub method: VerificationMethod,
    /// What was found.
    pub result: VerificationResult,
    /// A note.
    pub note: Option<String>,
    /// Who verified.
    pub verified_by: String,
    /// When.
    pub verified_at: DateTime<FixedOffset>,
}

impl From<store::aid::VerificationRow> for HardshipVerification {
    fn from(v: store::aid::VerificationRow) -> Self {
        HardshipVerification {
            method: v.method,
            result: v.result,
            id: v.id,
            application_id: v.application_id,
            note: v.note,
            verified_by: v.verified_by,
            verified_at: to_cst(v.verified_at),
        }
    }
}

/// The verifications of an application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HardshipVerifications {
    /// Oldest first.
    pub items: Vec<HardshipVerification>,
}

impl From<AuditRow> for AidEvent {
    /// A step as the trail recorded it: the state afterwards and the step's note.
    fn from(e: AuditRow) -> Self {
        let after: Option<serde_json::Value> = e
            .after_data
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok());
        let field = |k: &str| {
            after
                .as_ref()
                .and_then(|a| a.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        AidEvent {
            id: e.id,
            at: to_cst(e.occurred_at),
            actor: e.actor,
            role: e.role,
            state: field("state"),
            note: field("step_note"),
            paper_reference: after
                .as_ref()
                .and_then(|a| a.pointer("/paper/reference"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            action: e.action,
        }
    }
}
