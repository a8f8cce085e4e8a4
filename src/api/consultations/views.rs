//! What readers see of consultations: the registration, the person (masked as the reader must
//! see them), review, repeat visits.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::endpoint::{from_record, versioned_view};
use crate::auth::Principal;
use crate::domain::codes::decode_code_list;
use crate::domain::consultation::{
    AgeGroup, Channel, Outcome, ReviewState, Site, SpecialGroup, Topic,
};
use crate::domain::id_card::Sex;
use crate::error::ApiError;
use crate::privacy;
use crate::store::consultations::ConsultationRow;
use crate::time::to_cst;

/// The person who asked, as this caller may see them (see `privacy`): in full for admins of the
/// subtree and for staff and aid officers of the registering unit; masked for everyone else
/// (auditors, integrations, providers, staff of other units).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Person {
    /// Name, if the person gave one: in full for full readers, otherwise only the family name
    /// (`李*`).
    pub name: Option<String>,
    /// Sex (derived from the ID number when one is given), shown to every reader.
    pub sex: Option<Sex>,
    /// Age in years on the day of the consultation: for full readers; masked readers get it only
    /// when no ID number was given (then it is what the person said).
    pub age: Option<i32>,
    /// Age group, shown to every reader.
    pub age_group: Option<AgeGroup>,
    /// Birth year, derived from the ID number, shown to every reader.
    pub birth_year: Option<i32>,
    /// Birth date, derived from the ID number: full readers only (absent for the others).
    pub birth_date: Option<NaiveDate>,
    /// Resident ID number: in full for full readers, otherwise only its first four characters
    /// (`1405**************`).
    pub id_number: Option<String>,
    /// Phone: in full for full readers, otherwise masked (`138****5678`).
    pub phone: Option<String>,
}

/// Earlier consultations of the same person (same ID number or phone) that the caller sees in
/// full. Given only to a caller who sees this consultation in full (admins of the subtree, staff
/// and aid officers of the registering unit), and then only links to records it also sees in
/// full; for everyone else the field is `null` whether or not the person came before.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RepeatVisits {
    /// How many.
    pub count: i64,
    /// The most recent twenty.
    pub earlier: Vec<EarlierVisit>,
}

/// One earlier consultation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EarlierVisit {
    /// Its id.
    pub id: i64,
    /// When.
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub received_at: DateTime<FixedOffset>,
    /// Where to read it.
    pub href: String,
}

/// Review (咨询审核).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Review {
    /// State.
    pub state: ReviewState,
    /// The reviewer's comment (required when returned).
    pub comment: Option<String>,
    /// Who decided.
    pub reviewed_by: Option<String>,
    /// When.
    #[serde(serialize_with = "crate::time::rfc3339_opt")]
    pub reviewed_at: Option<DateTime<FixedOffset>>,
    /// Since when the entry waits (or last waited) for review.
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub requested_at: DateTime<FixedOffset>,
}

/// A consultation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 101, "unit_id": 4, "staff_id": 7, "duty_shift_id": null,
    "received_at": "2023-03-07T09:40:00+08:00", "channel": "walk_in", "site": "fixed_station",
    "place": "龙港镇公共法律服务工作站",
    "person": {"name": "李某", "sex": "female", "age": 73, "age_group": "elderly", "birth_year": 1949, "birth_date": "1949-12-31",
        "id_number": "11010519491231002X", "phone": "13812345678"},
    "special_groups": ["elderly"], "topics": ["support_maintenance"],
    "question": "子女不履行赡养义务怎么办？", "answer": "可协商、申请人民调解或起诉要求支付赡养费。",
    "outcome": "referred_mediation", "matters_count": 1, "callback_consent": true,
    "review": {"state": "pending", "comment": null, "reviewed_by": null, "reviewed_at": null,
        "requested_at": "2023-03-07T09:45:00+08:00"},
    "repeat_visits": {"count": 0, "earlier": []}, "external_ref": "SX-2023-000123",
    "registered_by": "staff.longgang", "version": 1,
    "created_at": "2023-03-07T09:45:00+08:00", "updated_at": "2023-03-07T09:45:00+08:00"
}))]
pub struct Consultation {
    /// Id.
    pub id: i64,
    /// The registering unit.
    pub unit_id: i64,
    /// The answering staff member.
    pub staff_id: Option<i64>,
    /// The duty shift it was answered on.
    pub duty_shift_id: Option<i64>,
    /// When the person asked.
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub received_at: DateTime<FixedOffset>,
    /// How the person reached the service.
    pub channel: Channel,
    /// Where.
    pub site: Site,
    /// The station, village, enterprise or site; at the person's home (`site` = `home`) it is an
    /// address, shown only to full readers.
    pub place: Option<String>,
    /// Who asked.
    pub person: Person,
    /// Special groups (including those the age proves).
    pub special_groups: Vec<SpecialGroup>,
    /// Topics.
    pub topics: Vec<Topic>,
    /// The question.
    pub question: String,
    /// The answer.
    pub answer: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
    /// Matters handled in this one visit (多件事一次办).
    pub matters_count: i32,
    /// Whether the person agreed to be called back.
    pub callback_consent: bool,
    /// Review.
    pub review: Review,
    /// Earlier consultations of the same person (on single reads and creates, for full readers
    /// only; `null` otherwise, whether or not there are any).
    pub repeat_visits: Option<RepeatVisits>,
    /// Its follow-up visit and the satisfaction it found (on single reads).
    pub follow_up: Option<crate::api::follow_ups::FollowUpSummary>,
    /// The registering account's own reference of the record, if it gave one.
    pub external_ref: Option<String>,
    /// Who registered it.
    pub registered_by: String,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Created at.
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub updated_at: DateTime<FixedOffset>,
}

versioned_view!(Consultation);

impl Consultation {
    /// The API view of a row, masked as the principal must see it.
    pub fn view(
        row: ConsultationRow,
        principal: &Principal,
        repeat: Option<RepeatVisits>,
    ) -> Result<Self, ApiError> {
        let id = row.id;
        let unit = row.unit_id;
        let sight = privacy::sight_of(principal, unit);
        let place = if row.site == Site::Home {
            sight.home_place(row.place)
        } else {
            row.place
        };
        Ok(from_record!(row => Consultation {
            id,
            unit_id: unit,
            staff_id: row.staff_id,
            duty_shift_id: row.duty_shift_id,
            received_at: to_cst(row.received_at),
            channel: row.channel,
            site: row.site,
            place,
            person: Person {
                name: sight.name(row.person_name),
                sex: row.sex,
                age: sight.age(row.age, row.birth_date),
                age_group: row.age_group,
                birth_year: privacy::birth_year(row.birth_date),
                birth_date: sight.birth_date(row.birth_date),
                id_number: sight.id_number(row.id_number),
                phone: sight.phone(row.phone),
            },
            special_groups: decode_code_list(&row.special_groups)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            topics: decode_code_list(&row.topics).map_err(|e| ApiError::Internal(e.to_string()))?,
            question: row.question,
            answer: row.answer,
            outcome: row.outcome,
            matters_count: row.matters_count,
            callback_consent: row.callback_consent,
            review: Review {
                state: row.review_state,
                comment: row.review_comment,
                reviewed_by: row.reviewed_by,
                reviewed_at: row.reviewed_at.map(to_cst),
                requested_at: to_cst(row.review_requested_at),
            },
            repeat_visits: repeat,
            follow_up: None,
            external_ref: None,
            registered_by: row.registered_by,
        }))
    }
}

impl Consultation {
    /// The view with its external reference.
    pub fn with_external_ref(mut self, external_ref: Option<String>) -> Self {
        self.external_ref = external_ref;
        self
    }
}

pub(super) fn repeat_view(count: i64, recent: Vec<(i64, chrono::NaiveDateTime)>) -> RepeatVisits {
    RepeatVisits {
        count,
        earlier: recent
            .into_iter()
            .map(|(id, at)| EarlierVisit {
                id,
                received_at: to_cst(at),
                href: format!("/api/v1/consultations/{id}"),
            })
            .collect(),
    }
}
