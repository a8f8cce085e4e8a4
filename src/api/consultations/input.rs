//! What registrars send: a registration and a review decision, and their conversion into the row
//! to store (checks of the ID number, phone, age and the derived special groups).

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::codes::encode_code_list;
use crate::domain::consultation::{
    age_group, with_age_groups, AgeGroup, Channel, Outcome, ReviewDecision, ReviewState, Site,
    SpecialGroup, Topic,
};
use crate::domain::id_card::{age_on, IdCardNumber, Sex};
use crate::domain::phone::PhoneNumber;
use crate::error::ApiError;
use crate::store;
use crate::store::consultations::ConsultationRow;
use crate::time::cst;
use crate::validation;

/// The person as entered. Everything is optional: a person may decline to give a name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// Name.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub name: Option<String>,
    /// Sex; must agree with the ID number when both are given.
    pub sex: Option<Sex>,
    /// Age in years; must agree with the ID number when both are given.
    #[schema(minimum = 0, maximum = 150)]
    #[validate(range(min = 0, max = 150))]
    pub age: Option<i32>,
    /// Age group, when neither age nor ID number is known.
    pub age_group: Option<AgeGroup>,
    /// Resident ID number (18 characters, GB 11643 check digit).
    #[schema(min_length = 18, max_length = 18, pattern = "id_number")]
    pub id_number: Option<String>,
    /// Phone: a mobile (13812345678) or a landline with area code (0356-7022148).
    #[schema(min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub phone: Option<String>,
}

/// A new consultation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "staff_id": 7, "received_at": "2023-03-07T09:40:00+08:00",
    "channel": "walk_in", "site": "fixed_station", "place": "龙港镇公共法律服务工作站",
    "person": {"name": "李某", "id_number": "11010519491231002X", "phone": "13812345678"},
    "special_groups": [], "topics": ["support_maintenance"],
    "question": "子女不履行赡养义务怎么办？", "answer": "可协商、申请人民调解或起诉要求支付赡养费。",
    "outcome": "referred_mediation", "matters_count": 1, "callback_consent": true
}))]
pub struct NewConsultation {
    /// The registering unit, in the caller's subtree.
    pub unit_id: i64,
    /// The answering staff member, in the caller's subtree.
    pub staff_id: Option<i64>,
    /// The duty shift it was answered on.
    pub duty_shift_id: Option<i64>,
    /// When the person asked (not in the future).
    pub received_at: DateTime<FixedOffset>,
    /// How the person reached the service.
    pub channel: Channel,
    /// Where.
    pub site: Site,
    /// The station, village, enterprise or site.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub place: Option<String>,
    /// Who asked.
    #[serde(default)]
    #[validate(nested)]
    pub person: PersonInput,
    /// Special groups (elderly and minor are added from the age).
    #[serde(default)]
    #[schema(max_items = 8)]
    #[validate(length(max = 8))]
    pub special_groups: Vec<SpecialGroup>,
    /// Topics (at least one).
    #[schema(min_items = 1, max_items = 11)]
    #[validate(length(min = 1, max = 11))]
    pub topics: Vec<Topic>,
    /// The question.
    #[schema(min_length = 1, max_length = 4000, pattern = "text")]
    #[validate(length(min = 1, max = 4000), custom(function = validation::text))]
    pub question: String,
    /// The answer.
    #[schema(min_length = 1, max_length = 8000, pattern = "text")]
    #[validate(length(min = 1, max = 8000), custom(function = validation::text))]
    pub answer: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
    /// Matters handled in this one visit (多件事一次办), 1 to 50.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 50, default = 1)]
    #[validate(range(min = 1, max = 50))]
    pub matters_count: i32,
    /// Whether the person agreed to be called back.
    #[serde(default)]
    pub callback_consent: bool,
    /// The caller's own reference of the record (e.g. the province's record number), unique
    /// among the records this account registered: a repeat is a 422 naming this field. Set at
    /// registration; a correction may repeat it but not change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "external_ref",
        example = "SX-2023-000123"
    )]
    #[validate(custom(function = validation::external_ref))]
    pub external_ref: Option<String>,
}

fn one() -> i32 {
    1
}

/// A review decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "return", "comment": "请补充答复内容"}))]
pub struct ReviewInput {
    /// Approve, or return for correction.
    pub decision: ReviewDecision,
    /// Required when returning.
    #[schema(min_length = 1, max_length = 1000, pattern = "text")]
    #[validate(length(min = 1, max = 1000), custom(function = validation::text))]
    pub comment: Option<String>,
}

/// Checks and derives a registration into the row to store.
pub(super) fn to_row(
    input: &NewConsultation,
    actor: &store::Actor,
) -> Result<ConsultationRow, ApiError> {
    let now_utc = actor.at.and_utc();
    let received_utc = input.received_at.with_timezone(&Utc);
    if received_utc > now_utc + chrono::Duration::minutes(5) {
        return Err(ApiError::invalid_field(
            "received_at",
            "future",
            "must not be in the future",
        ));
    }
    let received_on = input.received_at.with_timezone(&cst()).date_naive();
    let p = &input.person;
    let id_card = p
        .id_number
        .as_deref()
        .map(|n| IdCardNumber::parse(n, received_on))
        .transpose()
        .map_err(|e| ApiError::invalid_field("person.id_number", "id_number", e.to_string()))?;
    let phone = p
        .phone
        .as_deref()
        .map(PhoneNumber::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("person.phone", "phone", e.to_string()))?;
    let (sex, age, birth_date) = match &id_card {
        Some(card) => {
            let age = age_on(card.birth_date(), received_on);
            if p.sex.is_some_and(|s| s != card.sex()) {
                return Err(ApiError::invalid_field(
                    "person.sex",
                    "mismatch",
                    "does not agree with the ID number",
                ));
            }
            if p.age.is_some_and(|a| a != age) {
                return Err(ApiError::invalid_field(
                    "person.age",
                    "mismatch",
                    format!("the ID number gives {age}"),
                ));
            }
            (Some(card.sex()), Some(age), Some(card.birth_date()))
        }
        None => (p.sex, p.age, None),
    };
    let group = age.map(age_group).or(p.age_group);
    if let (Some(derived), Some(given)) = (age.map(age_group), p.age_group) {
        if derived != given {
            return Err(ApiError::invalid_field(
                "person.age_group",
                "mismatch",
                "does not agree with the age",
            ));
        }
    }
    let now = actor.at;
    Ok(ConsultationRow {
        id: 0,
        unit_id: input.unit_id,
        staff_id: input.staff_id,
        duty_shift_id: input.duty_shift_id,
        received_at: received_utc.naive_utc(),
        channel: input.channel,
        site: input.site,
        place: input.place.clone(),
        person_name: p.name.as_deref().map(str::trim).map(str::to_owned),
        sex,
        age,
        age_group: group,
        birth_date,
        id_number: id_card.map(|c| c.as_str().to_owned()),
        phone: phone.map(|n| n.as_str().to_owned()),
        special_groups: encode_code_list(&with_age_groups(&input.special_groups, group)),
        topics: encode_code_list(&input.topics),
        question: input.question.clone(),
        answer: input.answer.clone(),
        outcome: input.outcome,
        matters_count: input.matters_count,
        callback_consent: input.callback_consent,
        review_state: ReviewState::Pending,
        review_comment: None,
        reviewed_by: None,
        reviewed_at: None,
        review_requested_at: now,
        registered_by: actor.name.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}
