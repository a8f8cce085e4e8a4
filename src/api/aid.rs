//! Aid applications for special groups (举措7): the green channel, the statutory workflow with
//! its deadlines, work queues and the timeline.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader, Versioned};
use crate::api::idempotency::{IdempotencyKey, IdempotencyKeyHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{AidIntake, AidOfficers, Authorized};
use crate::auth::Principal;
use crate::domain::aid::{
    self, AidAction, AidChannel, AidState, DeadlineKind, GreenReason, HardshipCheck,
    HardshipGround, MatterCategory, TerminationGround, UrgentGround, VerificationMethod,
    VerificationResult,
};
use crate::domain::codes::{decode_code_list, encode_code_list, CodeTable};
use crate::domain::consultation::{age_group, SpecialGroup};
use crate::domain::id_card::{age_on, IdCardNumber, Sex};
use crate::domain::masking::mask_name;
use crate::domain::phone::PhoneNumber;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::aid::{AidRow, ApplicantRow, Application, Reader};
use crate::time::{cst, to_cst};
use crate::{privacy, validation};

/// The applicant as entered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// Name.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub name: String,
    /// Resident ID number (checked; gives birth date, age and sex).
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: String,
    /// Phone.
    #[schema(min_length = 7, max_length = 20, pattern = r"^(\+86)?[0-9 -]+$")]
    #[validate(length(min = 7, max = 20))]
    pub phone: Option<String>,
    /// Address.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub address: Option<String>,
    /// Special groups.
    #[serde(default)]
    #[schema(max_items = 8)]
    #[validate(length(max = 8))]
    pub special_groups: Vec<SpecialGroup>,
    /// Whether the applicant has a disability.
    #[serde(default)]
    pub disabled: bool,
    /// Guardian or agent, for a minor or a person without capacity.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub guardian_name: Option<String>,
    /// The guardian's relation to the applicant.
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 20), custom(function = validation::line))]
    pub guardian_relation: Option<String>,
    /// The guardian's phone.
    #[schema(min_length = 7, max_length = 20, pattern = r"^(\+86)?[0-9 -]+$")]
    #[validate(length(min = 7, max = 20))]
    pub guardian_phone: Option<String>,
}

/// A new application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "channel": "township_on_behalf", "received_at": "2023-03-07T10:00:00+08:00",
    "applicant": {"name": "李某", "id_number": "11010519491231002X", "phone": "13812345678",
        "address": "沁水县龙港镇东关村", "special_groups": [], "disabled": false},
    "matter_category": "support_payments", "case_type": "赡养纠纷", "opposing_party": "李某某",
    "facts": "子女拒绝支付赡养费。", "hardship_check": "exempt", "hardship_ground": "no_fixed_income",
    "preferred_provider_ids": [], "urgent": false, "safe_contact": false
}))]
pub struct NewAidApplication {
    /// The unit first asked (首问首办), in the caller's subtree; it keeps the applicant's contact.
    pub unit_id: i64,
    /// The consultation it was referred from.
    pub consultation_id: Option<i64>,
    /// When it was received (default: now); not in the future.
    pub received_at: Option<DateTime<FixedOffset>>,
    /// How it arrived.
    pub channel: AidChannel,
    /// The applicant.
    #[validate(nested)]
    pub applicant: ApplicantInput,
    /// The matter.
    pub matter_category: MatterCategory,
    /// The kind of case, in words.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub case_type: Option<String>,
    /// The opposing party (for the conflict check).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub opposing_party: Option<String>,
    /// The facts.
    #[schema(
        min_length = 1,
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 8000), custom(function = validation::text))]
    pub facts: String,
    /// How hardship is established.
    pub hardship_check: HardshipCheck,
    /// The Art. 42 or Art. 32 ground (required for `exempt` and `not_required`).
    pub hardship_ground: Option<HardshipGround>,
    /// Providers the applicant chose (点援制), at most two.
    #[serde(default)]
    #[schema(max_items = 2)]
    #[validate(length(max = 2))]
    pub preferred_provider_ids: Vec<i64>,
    /// Urgent aid before review (先行提供, Art. 44).
    #[serde(default)]
    pub urgent: bool,
    /// Its ground (required when urgent).
    pub urgent_ground: Option<UrgentGround>,
    /// Domestic violence: contact the applicant only by the safe means recorded.
    #[serde(default)]
    pub safe_contact: bool,
}

/// The data of a workflow step; which fields a step needs is in the operation's description.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"materials": ["户口簿复印件", "经济困难状况说明表"], "reply_days": 10}))]
pub struct ActionInput {
    /// A note, kept with the step in the trail and shown in the timeline (required for
    /// `withdraw`, `object`, `uphold_objection`, `dismiss_objection`; the reason when `assign`
    /// does not follow the applicant's choice).
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub note: Option<String>,
    /// `request_materials`: every missing item, in one notice (一次性告知).
    #[schema(min_items = 1, max_items = 30)]
    #[validate(length(min = 1, max = 30))]
    pub materials: Option<Vec<String>>,
    /// `request_materials`: days the applicant has to reply (1 to 30; default 15).
    #[schema(minimum = 1, maximum = 30)]
    #[validate(range(min = 1, max = 30))]
    pub reply_days: Option<i64>,
    /// `reject`: the reasons, in writing.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 4000), custom(function = validation::text))]
    pub reasons: Option<String>,
    /// `terminate`: the Art. 48 ground.
    pub termination_ground: Option<TerminationGround>,
    /// `assign`: the provider (staff id).
    pub provider_staff_id: Option<i64>,
}

/// The applicant as this caller may see them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Applicant {
    /// Name (masked for readers without a need).
    pub name: String,
    /// ID number (masked for readers without a need).
    pub id_number: String,
    /// Sex.
    pub sex: Sex,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Age on the day of application.
    pub age: i32,
    /// Phone (masked for readers without a need).
    pub phone: Option<String>,
    /// Address (hidden from readers without a need).
    pub address: Option<String>,
    /// Special groups.
    pub special_groups: Vec<SpecialGroup>,
    /// Disabled.
    pub disabled: bool,
    /// Guardian or agent (masked for readers without a need).
    pub guardian_name: Option<String>,
    /// The guardian's relation.
    pub guardian_relation: Option<String>,
    /// The guardian's phone (masked for readers without a need).
    pub guardian_phone: Option<String>,
}

/// The deadline an application is under.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Deadline {
    /// Which.
    pub kind: DeadlineKind,
    /// When it falls due.
    pub due_at: DateTime<FixedOffset>,
    /// Seconds left (negative when overdue).
    pub seconds_left: i64,
    /// Whether it has passed.
    pub overdue: bool,
}

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
    /// Seconds the review clock stood still for materials requests.
    pub review_paused_seconds: i64,
    /// The open or last materials notice (一次性告知): every item.
    pub materials: Vec<String>,
    /// The reply deadline of an open materials request.
    pub materials_due_at: Option<DateTime<FixedOffset>>,
    /// The note or reasons of the last decision.
    pub decision_note: Option<String>,
    /// The written rejection notice, when rejected.
    pub rejection_notice: Option<String>,
    /// The Art. 48 ground, when terminated.
    pub termination_ground: Option<TerminationGround>,
    /// The assigned provider.
    pub provider_staff_id: Option<i64>,
    /// The follow-up visit after closing and the satisfaction it found (on single reads).
    pub follow_up: Option<crate::api::follow_ups::FollowUpSummary>,
    /// Notes of the assignment: preference not followed, conflict warning, provisional.
    pub assignment_note: Option<String>,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

impl Versioned for AidApplication {
    fn version(&self) -> i64 {
        self.version
    }
}

fn code<T: std::str::FromStr>(id: i64, v: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    crate::error::stored("aid application", id, v)
}

/// Context for building views: the caller, now, names for notices, the calendar.
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
        notice: Option<(String, String)>,
    ) -> Result<Self, ApiError> {
        let Application { row, applicant: a } = app;
        let id = row.id;
        let full = privacy::sees_personal_data(ctx.principal, row.unit_id)
            || privacy::sees_personal_data(ctx.principal, row.centre_id);
        let mask_phone = |p: Option<String>| {
            if full {
                p
            } else {
                p.map(|p| crate::domain::masking::mask_phone(&p))
            }
        };
        let state: AidState = code(id, &row.state)?;
        let clocks = store::aid::clocks(&row)?;
        let deadline = aid::current_deadline(&clocks).map(|(kind, due)| {
            let left = (due - ctx.now).num_seconds();
            Deadline {
                kind,
                due_at: due.with_timezone(&cst()),
                seconds_left: left,
                overdue: left < 0,
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
        Ok(AidApplication {
            id,
            unit_id: row.unit_id,
            centre_id: row.centre_id,
            consultation_id: row.consultation_id,
            applicant: Applicant {
                name: if full {
                    a.name.clone()
                } else {
                    mask_name(&a.name)
                },
                id_number: if full {
                    a.id_number.clone()
                } else {
                    crate::domain::masking::mask_id_number(&a.id_number)
                },
                sex: code(id, &a.sex)?,
                birth_date: a.birth_date,
                age: a.age,
                phone: mask_phone(a.phone),
                address: if full { a.address } else { None },
                special_groups: decode_code_list(&a.special_groups)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                disabled: a.disabled,
                guardian_name: a
                    .guardian_name
                    .map(|n| if full { n } else { mask_name(&n) }),
                guardian_relation: a.guardian_relation,
                guardian_phone: mask_phone(a.guardian_phone),
            },
            matter_category: code(id, &row.matter_category)?,
            case_type: row.case_type,
            opposing_party: row.opposing_party,
            facts: row.facts,
            channel: code(id, &row.channel)?,
            hardship_check: code(id, &row.hardship_check)?,
            hardship_ground: row
                .hardship_ground
                .as_deref()
                .map(|g| code(id, g))
                .transpose()?,
            preferred_provider_ids: preferred,
            urgent: row.urgent,
            urgent_ground: row
                .urgent_ground
                .as_deref()
                .map(|g| code(id, g))
                .transpose()?,
            safe_contact: row.safe_contact,
            green_channel: row.green_channel,
            green_reasons: decode_code_list(&row.green_reasons)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            green_target_date,
            allowed_actions: aid::allowed_actions(state, row.urgent),
            state,
            received_at: to_cst(row.received_at),
            state_entered_at: to_cst(row.state_entered_at),
            deadline,
            review_paused_seconds: row.review_paused_seconds,
            materials: row
                .materials_list
                .as_deref()
                .map(|m| m.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
            materials_due_at: row.materials_due_at.map(to_cst),
            rejection_notice: match (state, &row.decision_note, notice) {
                (
                    AidState::Rejected | AidState::Objection | AidState::ObjectionDismissed,
                    Some(reasons),
                    Some((centre, bureau)),
                ) => Some(aid::rejection_notice(
                    if full { &a.name } else { "申请人" },
                    reasons,
                    &centre,
                    &bureau,
                )),
                _ => None,
            },
            decision_note: row.decision_note,
            termination_ground: row
                .termination_ground
                .as_deref()
                .map(|g| code(id, g))
                .transpose()?,
            provider_staff_id: row.provider_staff_id,
            follow_up: None,
            assignment_note: row.assignment_note,
            version: row.version,
            created_at: to_cst(row.created_at),
            updated_at: to_cst(row.updated_at),
        })
    }
}

/// What a principal may read of applications.
pub fn reader_of(p: &Principal) -> Reader {
    Reader {
        root: p.unit_id,
        provider_account: (p.role == Role::Provider).then(|| p.account_id.unwrap_or(-1)),
    }
}

/// Whether a role may take a step.
pub fn may_take(role: Role, action: AidAction) -> bool {
    use AidAction as A;
    match role {
        Role::Admin => true,
        Role::AidOfficer => !matches!(action, A::UpholdObjection | A::DismissObjection),
        Role::UnitStaff => matches!(action, A::Withdraw | A::Object | A::ReceiveMaterials),
        Role::Provider => matches!(action, A::SignAgreement | A::Start | A::Close),
        Role::Auditor | Role::Integration => false,
    }
}

/// Checks the data a step needs.
pub fn check_input(action: AidAction, input: &ActionInput) -> Result<(), ApiError> {
    use AidAction as A;
    let need = |ok: bool, field: &str, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(ApiError::invalid_field(field, "required", what))
        }
    };
    match action {
        A::RequestMaterials => need(
            input.materials.is_some(),
            "materials",
            "list every missing material in this one notice (一次性告知)",
        )?,
        A::Reject => need(
            input.reasons.is_some(),
            "reasons",
            "a rejection is made in writing with its reasons",
        )?,
        A::Terminate => need(
            input.termination_ground.is_some(),
            "termination_ground",
            "name the Art. 48 ground",
        )?,
        A::Assign => need(
            input.provider_staff_id.is_some(),
            "provider_staff_id",
            "name the provider to assign",
        )?,
        A::Withdraw | A::Object | A::UpholdObjection | A::DismissObjection => need(
            input.note.is_some(),
            "note",
            "record what the applicant or the bureau said",
        )?,
        _ => {}
    }
    if let Some(items) = &input.materials {
        for (i, item) in items.iter().enumerate() {
            if item.chars().count() > 200 || validation::line(item).is_err() {
                return Err(ApiError::invalid_field(
                    &format!("materials[{i}]"),
                    "invalid",
                    "one line of at most 200 characters",
                ));
            }
        }
    }
    Ok(())
}

fn to_rows(
    input: &NewAidApplication,
    at: chrono::NaiveDateTime,
) -> Result<(AidRow, ApplicantRow), ApiError> {
    let now = at.and_utc();
    let received = input
        .received_at
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now);
    if received > now + chrono::Duration::minutes(5) {
        return Err(ApiError::invalid_field(
            "received_at",
            "future",
            "must not be in the future",
        ));
    }
    let applied_on = received.with_timezone(&cst()).date_naive();
    let a = &input.applicant;
    let card = IdCardNumber::parse(&a.id_number, applied_on)
        .map_err(|e| ApiError::invalid_field("applicant.id_number", "id_number", e.to_string()))?;
    let phone = |field: &str, p: &Option<String>| {
        p.as_deref()
            .map(|p| PhoneNumber::parse(p).map(|n| n.as_str().to_owned()))
            .transpose()
            .map_err(|e| ApiError::invalid_field(field, "phone", e.to_string()))
    };
    let applicant_phone = phone("applicant.phone", &a.phone)?;
    let guardian_phone = phone("applicant.guardian_phone", &a.guardian_phone)?;
    aid::check_hardship(input.hardship_check, input.hardship_ground)
        .map_err(|m| ApiError::invalid_field("hardship_ground", "required", m))?;
    if input.urgent && input.urgent_ground.is_none() {
        return Err(ApiError::invalid_field(
            "urgent_ground",
            "required",
            "urgent aid (先行提供) needs its ground",
        ));
    }
    let age = age_on(card.birth_date(), applied_on);
    let reasons = aid::green_reasons(&aid::Applicant {
        age_group: Some(age_group(age)),
        disabled: a.disabled,
        special_groups: &a.special_groups,
        hardship_ground: input.hardship_ground,
        matter: Some(input.matter_category),
    });
    let mut preferred = input.preferred_provider_ids.clone();
    preferred.dedup();
    let row = AidRow {
        id: 0,
        unit_id: input.unit_id,
        centre_id: 0,
        consultation_id: input.consultation_id,
        matter_category: input.matter_category.to_string(),
        case_type: input.case_type.clone(),
        opposing_party: input
            .opposing_party
            .as_deref()
            .map(str::trim)
            .map(str::to_owned),
        facts: input.facts.clone(),
        channel: input.channel.to_string(),
        hardship_check: input.hardship_check.to_string(),
        hardship_ground: input.hardship_ground.map(|g| g.to_string()),
        preferred_provider_ids: if preferred.is_empty() {
            String::new()
        } else {
            format!(
                ",{},",
                preferred
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        },
        urgent: input.urgent,
        urgent_ground: input.urgent_ground.map(|g| g.to_string()),
        safe_contact: input.safe_contact,
        green_channel: !reasons.is_empty(),
        green_reasons: encode_code_list(&reasons),
        state: AidState::Submitted.to_string(),
        received_at: received.naive_utc(),
        state_entered_at: received.naive_utc(),
        review_paused_seconds: 0,
        materials_due_at: None,
        materials_list: None,
        decision_note: None,
        termination_ground: None,
        provider_staff_id: None,
        assignment_note: None,
        deadline_at: None,
        priority: 0,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    let applicant = ApplicantRow {
        application_id: 0,
        name: a.name.trim().to_owned(),
        id_number: card.as_str().to_owned(),
        birth_date: card.birth_date(),
        sex: card.sex().to_string(),
        age,
        phone: applicant_phone,
        address: a.address.clone(),
        special_groups: encode_code_list(&a.special_groups),
        disabled: a.disabled,
        guardian_name: a.guardian_name.clone(),
        guardian_relation: a.guardian_relation.clone(),
        guardian_phone,
    };
    Ok((row, applicant))
}

/// Loads what views need and builds them.
async fn views(
    state: &AppState,
    principal: &Principal,
    apps: Vec<Application>,
) -> Result<Vec<AidApplication>, ApiError> {
    let now = state.clock.now();
    let today = now.with_timezone(&cst()).date_naive();
    let need_notice: Vec<i64> = apps
        .iter()
        .filter(|a| {
            matches!(
                a.row.state.as_str(),
                "rejected" | "objection" | "objection_dismissed"
            )
        })
        .map(|a| a.row.centre_id)
        .collect();
    let (calendar, notices) = store::run(&state.pool, move |c| {
        let calendar = store::calendar::load(
            c,
            today - chrono::Duration::days(60),
            today + chrono::Duration::days(30),
        )?;
        let mut notices = std::collections::HashMap::new();
        for centre in need_notice {
            if let std::collections::hash_map::Entry::Vacant(e) = notices.entry(centre) {
                let (name, parent) = store::aid::unit_and_parent_names(c, centre)?;
                e.insert((name, parent.unwrap_or_else(|| "司法行政机关".to_owned())));
            }
        }
        Ok((calendar, notices))
    })
    .await?;
    let ctx = ViewContext {
        principal,
        now,
        calendar: &calendar,
    };
    apps.into_iter()
        .map(|a| {
            let notice = notices.get(&a.row.centre_id).cloned();
            AidApplication::view(a, &ctx, notice)
        })
        .collect()
}

async fn one_view(
    state: &AppState,
    principal: &Principal,
    app: Application,
) -> Result<AidApplication, ApiError> {
    views(state, principal, vec![app])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("view of one application missing".into()))
}

#[utoipa::path(
    tag = "aid",
    params(IdempotencyKeyHeader),
    request_body = NewAidApplication,
    responses(
        (status = 201, description = "Submitted; the green channel and its reasons are set from the applicant", body = AidApplication,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new application"))),
        e::Create,
    ),
)]
#[post("/aid-applications")]
/// Submit an application (admins, unit staff accepting on the centre's behalf, aid officers,
/// integrations). The applicant's ID number is required and checked; elderly (60 or over on the
/// day of application), minors, disabled people, Art. 42 and Art. 32 cases and migrant workers
/// claiming wages or work-injury compensation go on the green channel.
pub async fn create_aid_application(
    state: web::Data<AppState>,
    principal: Authorized<AidIntake>,
    idem: IdempotencyKey,
    body: Json<NewAidApplication>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let actor = state.actor(&principal);
    let (row, applicant) = to_rows(&body, actor.at)?;
    let root = principal.unit_id;
    let (app, replayed) = store::run(&state.pool, move |c| {
        store::aid::create(c, &actor, root, row, applicant, &*body, &idem)
    })
    .await?;
    let view = one_view(&state, &principal, app).await?;
    Ok(etag::created(
        &view,
        &format!("/api/v1/aid-applications/{}", view.id),
        replayed,
    ))
}

/// Filters of the list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
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
}

#[utoipa::path(
    tag = "aid",
    params(AidFilter, PageQuery),
    responses(
        (status = 200, description = "Applications of the caller's scope, newest first", body = Page<AidApplication>),
        e::List,
    ),
)]
#[get("/aid-applications")]
/// List applications: township staff see those received in their subtree, aid officers their
/// centre's, providers those assigned to them.
pub async fn list_aid_applications(
    state: web::Data<AppState>,
    principal: Principal,
    filter: web::Query<AidFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("aid_applications")?;
    let filter = filter.into_inner();
    let who = reader_of(&principal);
    let result = store::run(&state.pool, move |c| {
        store::aid::list(c, who, &filter, &page)
    })
    .await?;
    let items = views(&state, &principal, result.items).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: result.next_cursor,
    }))
}

/// A work queue.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QueueStep {
    /// Applications to accept.
    Accept,
    /// Applications to review (accepted, waiting for materials, objections).
    Review,
    /// Approved (or urgent) applications to assign.
    Assign,
    /// Assigned applications whose agreement is to be signed.
    Agreement,
}

/// The queue's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Which step.
    #[param(inline)]
    pub step: QueueStep,
    /// Only those past their deadline.
    pub overdue: Option<bool>,
}

#[utoipa::path(
    tag = "aid",
    params(QueueQuery, PageQuery),
    responses(
        (status = 200, description = "Urgent first, then the green channel, then the earliest deadline", body = Page<AidApplication>),
        e::List,
    ),
)]
#[get("/aid-applications/queue")]
/// A work queue of the caller's scope: urgent aid first, then the green channel, then the
/// earliest deadline; `overdue=true` lists those past their deadline.
pub async fn get_aid_queue(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<QueueQuery>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("aid_queue")?;
    use AidState as S;
    let states: Vec<AidState> = match query.step {
        QueueStep::Accept => vec![S::Submitted],
        QueueStep::Review => vec![S::Accepted, S::MaterialsRequested, S::Objection],
        QueueStep::Assign => vec![S::Approved],
        QueueStep::Agreement => vec![S::Assigned],
    };
    let overdue = query.overdue.unwrap_or(false).then(|| state.clock.now());
    let who = reader_of(&principal);
    let result = store::run(&state.pool, move |c| {
        store::aid::queue(c, who, &states, overdue, &page)
    })
    .await?;
    let items = views(&state, &principal, result.items).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: result.next_cursor,
    }))
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application with its current deadline and the actions allowed", body = AidApplication,
            headers(("ETag" = String, description = "The version"))),
        e::Read,
    ),
)]
#[get("/aid-applications/{id}")]
/// Read an application of the caller's scope.
pub async fn get_aid_application(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let who = reader_of(&principal);
    let (app, follow_up) = store::run(&state.pool, move |c| {
        let app = store::aid::find(c, who, id)?;
        let follow_up = store::follow_ups::satisfaction_of(
            c,
            crate::domain::follow_up::SubjectKind::AidApplication,
            id,
        )?;
        Ok((app, follow_up))
    })
    .await?;
    let mut view = one_view(&state, &principal, app).await?;
    view.follow_up = crate::api::follow_ups::FollowUpSummary::from_stored(follow_up)?;
    Ok(etag::ok(&view))
}

#[utoipa::path(
    tag = "aid",
    params(
        ("id" = i64, Path, description = "Application id"),
        ("action" = AidAction, Path, description = "The step"),
        IfMatchHeader,
    ),
    request_body = ActionInput,
    responses(
        (status = 200, description = "The step is taken; the new deadline applies", body = AidApplication,
            headers(("ETag" = String, description = "The new version"))),
        e::Update, e::Conflict,
    ),
)]
#[post("/aid-applications/{id}/{action}")]
/// Take a step of the workflow: submitted → accepted → (request_materials ⇄ receive_materials)
/// → approve or reject (reasons) → (object → uphold_objection | dismiss_objection) → assign
/// (provider_staff_id) → sign_agreement → start → close; terminate (termination_ground) from
/// assigned onwards; withdraw (note) before assignment; urgent aid may be assigned before
/// approval. A step not allowed now is a 409 listing `allowed_actions`; a stale `If-Match` a 412.
pub async fn act_on_aid_application(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<(i64, AidAction)>,
    if_match: IfMatch,
    body: Json<ActionInput>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    if !may_take(principal.role, action) {
        return Err(ApiError::Forbidden(format!(
            "the {} role may not {}",
            principal.role,
            action.code()
        )));
    }
    body.validate()?;
    check_input(action, &body)?;
    let actor = state.actor(&principal);
    let who = reader_of(&principal);
    let now = state.clock.now();
    let days = state.settings.follow_up_days;
    let app = store::run(&state.pool, move |c| {
        store::aid::act(c, &actor, who, id, &if_match, action, &body, now, days)
    })
    .await?;
    Ok(etag::ok(&one_view(&state, &principal, app).await?))
}

/// An officer's green-channel decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"green_channel": true, "reason": "申请人行动不便，独居"}))]
pub struct GreenInput {
    /// On (true) or off (false).
    pub green_channel: bool,
    /// Why.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub reason: String,
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Application id"), IfMatchHeader),
    request_body = GreenInput,
    responses(
        (status = 200, description = "Changed (audited)", body = AidApplication, headers(("ETag" = String, description = "The new version"))),
        e::Update,
    ),
)]
#[post("/aid-applications/{id}/green-channel")]
/// Put an application on or off the green channel, with a reason (aid officers, admins).
pub async fn set_green_channel(
    state: web::Data<AppState>,
    principal: Authorized<AidOfficers>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<GreenInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let who = reader_of(&principal);
    let app = store::run(&state.pool, move |c| {
        store::aid::set_green(
            c,
            &actor,
            who,
            id,
            &if_match,
            body.green_channel,
            body.reason.trim(),
        )
    })
    .await?;
    Ok(etag::ok(&one_view(&state, &principal, app).await?))
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
}

/// The timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AidTimeline {
    /// Steps, oldest first.
    pub items: Vec<AidEvent>,
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, description = "Every step with actor, time and note, from the audit trail", body = AidTimeline),
        e::Read,
    ),
)]
#[get("/aid-applications/{id}/events")]
/// The application's timeline.
pub async fn get_aid_events(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let who = reader_of(&principal);
    let rows = store::run(&state.pool, move |c| store::aid::events(c, who, id)).await?;
    let items = rows
        .into_iter()
        .map(|e| {
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
                action: e.action,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(AidTimeline { items }))
}

/// The applicant as far as the consultation knows them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicantDraft {
    /// Name, if the person gave one.
    pub name: Option<String>,
    /// ID number (only for readers who see personal data in full).
    pub id_number: Option<String>,
    /// Phone (only for readers who see personal data in full).
    pub phone: Option<String>,
    /// Special groups.
    pub special_groups: Vec<SpecialGroup>,
    /// Disabled.
    pub disabled: bool,
}

/// A draft application prefilled from a consultation; complete it into a `NewAidApplication`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"unit_id": 4, "consultation_id": 101, "channel": "walk_in",
    "applicant": {"name": "钱某", "id_number": "11010519491231002X", "phone": "13900001111", "special_groups": ["disabled"], "disabled": true},
    "facts": "工伤赔偿无人支付。", "hardship_check": "pledge"}))]
pub struct AidApplicationDraft {
    /// The unit first asked.
    pub unit_id: i64,
    /// The consultation.
    pub consultation_id: i64,
    /// How it arrived.
    pub channel: AidChannel,
    /// The applicant.
    pub applicant: ApplicantDraft,
    /// The facts (the consultation's question).
    pub facts: String,
    /// How hardship is established (a pledge by default).
    pub hardship_check: HardshipCheck,
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Consultation id")),
    responses(
        (status = 200, description = "A draft application prefilled from the consultation, to complete (matter, hardship, any missing applicant data) and submit", body = AidApplicationDraft),
        e::Read, e::Forbidden,
    ),
)]
#[post("/consultations/{id}/refer-to-aid")]
/// Refer a consultation to legal aid: a draft application prefilled from it (applicant, special
/// groups, facts, unit). Nothing is stored until the draft is submitted.
pub async fn refer_to_aid(
    state: web::Data<AppState>,
    principal: Authorized<AidIntake>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let who = crate::api::consultations::reader_of(&principal);
    let row = store::run(&state.pool, move |c| store::consultations::find(c, who, id)).await?;
    let groups: Vec<SpecialGroup> =
        decode_code_list(&row.special_groups).map_err(|e| ApiError::Internal(e.to_string()))?;
    let full = privacy::sees_personal_data(&principal, row.unit_id);
    let draft = AidApplicationDraft {
        unit_id: row.unit_id,
        consultation_id: row.id,
        channel: AidChannel::WalkIn,
        applicant: ApplicantDraft {
            name: row.person_name.clone(),
            id_number: row.id_number.clone().filter(|_| full),
            phone: row.phone.clone().filter(|_| full),
            disabled: groups.contains(&SpecialGroup::Disabled),
            special_groups: groups,
        },
        facts: row.question.clone(),
        hardship_check: HardshipCheck::Pledge,
    };
    Ok(HttpResponse::Ok().json(draft))
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

impl TryFrom<store::aid::VerificationRow> for HardshipVerification {
    type Error = ApiError;
    fn try_from(v: store::aid::VerificationRow) -> Result<Self, ApiError> {
        Ok(HardshipVerification {
            method: code(v.application_id, &v.method)?,
            result: code(v.application_id, &v.result)?,
            id: v.id,
            application_id: v.application_id,
            note: v.note,
            verified_by: v.verified_by,
            verified_at: to_cst(v.verified_at),
        })
    }
}

/// A verification to record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "data_platform", "result": "confirmed", "note": "低保系统核实"}))]
pub struct VerificationInput {
    /// How.
    pub method: VerificationMethod,
    /// What was found.
    pub result: VerificationResult,
    /// A note.
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 1000), custom(function = validation::text))]
    pub note: Option<String>,
}

/// The verifications of an application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HardshipVerifications {
    /// Oldest first.
    pub items: Vec<HardshipVerification>,
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Application id")),
    request_body = VerificationInput,
    responses(
        (status = 201, description = "Recorded (audited)", body = HardshipVerification),
        e::Create, e::NotFound, e::Conflict,
    ),
)]
#[post("/aid-applications/{id}/hardship-verifications")]
/// Record the later verification of a hardship pledge (Shanxi 告知承诺制): by letter or phone,
/// the data platform or a home visit (aid officers, admins).
pub async fn create_hardship_verification(
    state: web::Data<AppState>,
    principal: Authorized<AidOfficers>,
    id: web::Path<i64>,
    body: Json<VerificationInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let who = reader_of(&principal);
    let now = state.clock.now();
    let row = store::run(&state.pool, move |c| {
        store::aid::verify_hardship(c, &actor, who, id, &body, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(HardshipVerification::try_from(row)?))
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Application id")),
    responses(
        (status = 200, description = "The verifications, oldest first", body = HardshipVerifications),
        e::Read,
    ),
)]
#[get("/aid-applications/{id}/hardship-verifications")]
/// The verifications of an application's hardship pledge.
pub async fn list_hardship_verifications(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let who = reader_of(&principal);
    let rows = store::run(&state.pool, move |c| {
        store::aid::find(c, who, id)?;
        store::aid::verifications(c, id)
    })
    .await?;
    let items = rows
        .into_iter()
        .map(HardshipVerification::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(HardshipVerifications { items }))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_aid_application)
        .service(list_aid_applications)
        .service(get_aid_queue)
        .service(get_aid_application)
        .service(get_aid_events)
        .service(set_green_channel)
        .service(create_hardship_verification)
        .service(list_hardship_verifications)
        .service(act_on_aid_application)
        .service(refer_to_aid);
}
