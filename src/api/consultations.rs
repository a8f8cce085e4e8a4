//! Consultations (举措3, 4): every consultation registered in full (全面登记、全程留痕), reviewed
//! by managers (咨询审核), searched, and exported as the ledger (台账).

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader, Versioned};
use crate::api::idempotency::{IdempotencyKey, IdempotencyKeyHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{Admins, Authorized, ConsultationWriters};
use crate::auth::Principal;
use crate::domain::codes::{decode_code_list, encode_code_list};
use crate::domain::consultation::{
    age_group, with_age_groups, AgeGroup, Channel, Outcome, ReviewDecision, ReviewState, Site,
    SpecialGroup, Topic,
};
use crate::domain::id_card::{age_on, IdCardNumber, Sex};
use crate::domain::phone::PhoneNumber;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::consultations::{ConsultationRow, Reader};
use crate::time::{cst, to_cst};
use crate::{privacy, validation};

/// The person who asked, as this caller may see them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Person {
    /// Name, if the person gave one.
    pub name: Option<String>,
    /// Sex (derived from the ID number when one is given).
    pub sex: Option<Sex>,
    /// Age in years on the day of the consultation (derived from the ID number when given).
    pub age: Option<i32>,
    /// Age group.
    pub age_group: Option<AgeGroup>,
    /// Birth date, derived from the ID number.
    pub birth_date: Option<NaiveDate>,
    /// Resident ID number: in full only for admins and staff of the registering unit, otherwise
    /// masked (`1405**********1234`).
    pub id_number: Option<String>,
    /// Phone: in full only for admins and staff of the registering unit, otherwise masked
    /// (`138****5678`).
    pub phone: Option<String>,
}

/// The person as entered. Everything is optional: a person may decline to give a name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// Name.
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
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
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{17}[0-9Xx]$")]
    pub id_number: Option<String>,
    /// Phone: a mobile (13812345678) or a landline with area code (0356-7022148).
    #[schema(min_length = 7, max_length = 20, pattern = r"^(\+86)?[0-9 -]+$")]
    #[validate(length(min = 7, max = 20))]
    pub phone: Option<String>,
}

/// Earlier consultations of the same person (same ID number or phone) in the caller's scope.
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
    pub reviewed_at: Option<DateTime<FixedOffset>>,
    /// Since when the entry waits (or last waited) for review.
    pub requested_at: DateTime<FixedOffset>,
}

/// A consultation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 101, "unit_id": 4, "staff_id": 7, "duty_shift_id": null,
    "received_at": "2023-03-07T09:40:00+08:00", "channel": "walk_in", "site": "fixed_station",
    "place": "龙港镇公共法律服务工作站",
    "person": {"name": "李某", "sex": "female", "age": 73, "age_group": "elderly", "birth_date": "1949-12-31",
        "id_number": "11010519491231002X", "phone": "13812345678"},
    "special_groups": ["elderly"], "topics": ["support_maintenance"],
    "question": "子女不履行赡养义务怎么办？", "answer": "可协商、申请人民调解或起诉要求支付赡养费。",
    "outcome": "referred_mediation", "matters_count": 1, "callback_consent": true,
    "review": {"state": "pending", "comment": null, "reviewed_by": null, "reviewed_at": null,
        "requested_at": "2023-03-07T09:45:00+08:00"},
    "repeat_visits": {"count": 0, "earlier": []},
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
    pub received_at: DateTime<FixedOffset>,
    /// How the person reached the service.
    pub channel: Channel,
    /// Where.
    pub site: Site,
    /// The station, village, enterprise or site.
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
    /// Earlier consultations of the same person (on single reads and creates).
    pub repeat_visits: Option<RepeatVisits>,
    /// Its follow-up visit and the satisfaction it found (on single reads).
    pub follow_up: Option<crate::api::follow_ups::FollowUpSummary>,
    /// Who registered it.
    pub registered_by: String,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

impl Versioned for Consultation {
    fn version(&self) -> i64 {
        self.version
    }
}

fn parse_code<T: std::str::FromStr>(id: i64, v: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    crate::error::stored("consultation", id, v)
}

impl Consultation {
    /// The API view of a row, masked as the principal must see it.
    pub fn view(
        row: ConsultationRow,
        principal: &Principal,
        repeat: Option<RepeatVisits>,
    ) -> Result<Self, ApiError> {
        let id = row.id;
        let unit = row.unit_id;
        Ok(Consultation {
            id,
            unit_id: unit,
            staff_id: row.staff_id,
            duty_shift_id: row.duty_shift_id,
            received_at: to_cst(row.received_at),
            channel: parse_code(id, &row.channel)?,
            site: parse_code(id, &row.site)?,
            place: row.place,
            person: Person {
                name: row.person_name,
                sex: row.sex.as_deref().map(|s| parse_code(id, s)).transpose()?,
                age: row.age,
                age_group: row
                    .age_group
                    .as_deref()
                    .map(|s| parse_code(id, s))
                    .transpose()?,
                birth_date: row.birth_date,
                id_number: privacy::id_number(principal, unit, row.id_number),
                phone: privacy::phone(principal, unit, row.phone),
            },
            special_groups: decode_code_list(&row.special_groups)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            topics: decode_code_list(&row.topics).map_err(|e| ApiError::Internal(e.to_string()))?,
            question: row.question,
            answer: row.answer,
            outcome: parse_code(id, &row.outcome)?,
            matters_count: row.matters_count,
            callback_consent: row.callback_consent,
            review: Review {
                state: parse_code(id, &row.review_state)?,
                comment: row.review_comment,
                reviewed_by: row.reviewed_by,
                reviewed_at: row.reviewed_at.map(to_cst),
                requested_at: to_cst(row.review_requested_at),
            },
            repeat_visits: repeat,
            follow_up: None,
            registered_by: row.registered_by,
            version: row.version,
            created_at: to_cst(row.created_at),
            updated_at: to_cst(row.updated_at),
        })
    }
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
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
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
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 4000), custom(function = validation::text))]
    pub question: String,
    /// The answer.
    #[schema(
        min_length = 1,
        max_length = 8000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
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
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 1000), custom(function = validation::text))]
    pub comment: Option<String>,
}

/// Filters of the list and the ledger.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationFilter {
    /// Only this unit's subtree.
    pub unit_id: Option<i64>,
    /// Received on or after this day (China time).
    pub from: Option<NaiveDate>,
    /// Received on or before this day (China time).
    pub to: Option<NaiveDate>,
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only with this topic.
    pub topic: Option<Topic>,
    /// Only with this special group.
    pub special_group: Option<SpecialGroup>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only in this review state.
    pub review_state: Option<ReviewState>,
    /// Only answered by this staff member.
    pub staff_id: Option<i64>,
    /// Text in the question or answer.
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// Checks and derives a registration into the row to store.
fn to_row(input: &NewConsultation, actor: &store::Actor) -> Result<ConsultationRow, ApiError> {
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
        channel: input.channel.to_string(),
        site: input.site.to_string(),
        place: input.place.clone(),
        person_name: p.name.as_deref().map(str::trim).map(str::to_owned),
        sex: sex.map(|s| s.to_string()),
        age,
        age_group: group.map(|g| g.to_string()),
        birth_date,
        id_number: id_card.map(|c| c.as_str().to_owned()),
        phone: phone.map(|n| n.as_str().to_owned()),
        special_groups: encode_code_list(&with_age_groups(&input.special_groups, group)),
        topics: encode_code_list(&input.topics),
        question: input.question.clone(),
        answer: input.answer.clone(),
        outcome: input.outcome.to_string(),
        matters_count: input.matters_count,
        callback_consent: input.callback_consent,
        review_state: ReviewState::Pending.to_string(),
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

/// What a principal may read of consultations.
pub fn reader_of(principal: &Principal) -> Reader {
    Reader {
        root: principal.unit_id,
        answered_by_account: if principal.role == Role::Provider {
            Some(principal.account_id.unwrap_or(-1))
        } else {
            None
        },
    }
}

fn repeat_view(count: i64, recent: Vec<(i64, chrono::NaiveDateTime)>) -> RepeatVisits {
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

#[utoipa::path(
    tag = "consultations",
    params(ConsultationFilter, PageQuery),
    responses(
        (status = 200, description = "Consultations of the caller's scope, newest first (by received_at, then id); new registrations never shift later pages", body = Page<Consultation>),
        e::List,
    ),
)]
#[get("/consultations")]
/// List and search consultations of the caller's scope (providers: those they answered).
pub async fn list_consultations(
    state: web::Data<AppState>,
    principal: Principal,
    filter: web::Query<ConsultationFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("consultations")?;
    let filter = filter.into_inner();
    validation::query_text("q", filter.q.as_deref(), 100)?;
    let who = reader_of(&principal);
    let rows = store::run(&state.pool, move |c| {
        store::consultations::list(c, who, &filter, &page)
    })
    .await?;
    let items = rows
        .items
        .into_iter()
        .map(|row| Consultation::view(row, &principal, None))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: rows.next_cursor,
    }))
}

#[utoipa::path(
    tag = "consultations",
    params(IdempotencyKeyHeader),
    request_body = NewConsultation,
    responses(
        (status = 201, description = "Registered; `repeat_visits` lists earlier consultations of the same person", body = Consultation,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new consultation"))),
        e::Create,
    ),
)]
#[post("/consultations")]
/// Register a consultation (every role but auditors). An ID number is checked (GB 11643) and
/// gives birth date, age and sex; elderly and minor people are marked as special groups.
pub async fn create_consultation(
    state: web::Data<AppState>,
    principal: Authorized<ConsultationWriters>,
    idem: IdempotencyKey,
    body: Json<NewConsultation>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let actor = state.actor(&principal);
    let row = to_row(&body, &actor)?;
    let who = reader_of(&principal);
    let (stored, repeat, replayed) = store::run(&state.pool, move |c| {
        let (stored, replayed) =
            store::consultations::create(c, &actor, who.root, &row, &*body, &idem)?;
        let repeat = store::consultations::repeat_visits(c, who, &stored)?;
        Ok((stored, repeat, replayed))
    })
    .await?;
    let view = Consultation::view(stored, &principal, Some(repeat_view(repeat.0, repeat.1)))?;
    Ok(etag::created(
        &view,
        &format!("/api/v1/consultations/{}", view.id),
        replayed,
    ))
}

#[utoipa::path(
    tag = "consultations",
    params(("id" = i64, Path, description = "Consultation id")),
    responses(
        (status = 200, description = "The consultation, with earlier consultations of the same person", body = Consultation,
            headers(("ETag" = String, description = "The version"))),
        e::Read,
    ),
)]
#[get("/consultations/{id}")]
/// Read a consultation of the caller's scope.
pub async fn get_consultation(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let who = reader_of(&principal);
    let (row, repeat, follow_up) = store::run(&state.pool, move |c| {
        let row = store::consultations::find(c, who, id)?;
        let repeat = store::consultations::repeat_visits(c, who, &row)?;
        let follow_up = store::follow_ups::satisfaction_of(
            c,
            crate::domain::follow_up::SubjectKind::Consultation,
            id,
        )?;
        Ok((row, repeat, follow_up))
    })
    .await?;
    let mut view = Consultation::view(row, &principal, Some(repeat_view(repeat.0, repeat.1)))?;
    view.follow_up = crate::api::follow_ups::FollowUpSummary::from_stored(follow_up)?;
    Ok(etag::ok(&view))
}

#[utoipa::path(
    tag = "consultations",
    params(("id" = i64, Path, description = "Consultation id"), IfMatchHeader),
    request_body = NewConsultation,
    responses(
        (status = 200, description = "The corrected consultation; an approved or returned entry goes back to review", body = Consultation,
            headers(("ETag" = String, description = "The new version"))),
        e::Update,
    ),
)]
#[put("/consultations/{id}")]
/// Correct a consultation: the body is the whole registration as it should read (every role but
/// auditors, within its scope). A reviewed entry returns to review.
pub async fn update_consultation(
    state: web::Data<AppState>,
    principal: Authorized<ConsultationWriters>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<NewConsultation>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let actor = state.actor(&principal);
    let next = to_row(&body, &actor)?;
    let id = id.into_inner();
    let who = reader_of(&principal);
    let row = store::run(&state.pool, move |c| {
        store::consultations::update(c, &actor, who, id, &if_match, next)
    })
    .await?;
    Ok(etag::ok(&Consultation::view(row, &principal, None)?))
}

#[utoipa::path(
    tag = "consultations",
    params(("id" = i64, Path, description = "Consultation id"), IfMatchHeader),
    request_body = ReviewInput,
    responses(
        (status = 200, description = "Reviewed", body = Consultation, headers(("ETag" = String, description = "The new version"))),
        e::Update, e::Conflict,
    ),
)]
#[post("/consultations/{id}/review")]
/// Review a pending consultation (咨询审核): approve it, or return it with a comment (admin of
/// the unit's subtree). Deciding an entry that is not pending is a 409.
pub async fn review_consultation(
    state: web::Data<AppState>,
    principal: Authorized<Admins>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<ReviewInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    if body.decision == ReviewDecision::Return && body.comment.is_none() {
        return Err(ApiError::invalid_field(
            "comment",
            "required",
            "a returned consultation needs a comment saying what to correct",
        ));
    }
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let who = reader_of(&principal);
    let row = store::run(&state.pool, move |c| {
        store::consultations::review(
            c,
            &actor,
            who,
            id,
            &if_match,
            body.decision,
            body.comment.as_deref(),
        )
    })
    .await?;
    Ok(etag::ok(&Consultation::view(row, &principal, None)?))
}

/// An entry waiting for review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewQueueItem {
    /// How long it has waited, in seconds.
    pub waiting_seconds: i64,
    /// The consultation.
    pub consultation: Consultation,
}

/// The review queue's query.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueQuery {
    /// Only this unit's subtree.
    pub unit_id: Option<i64>,
}

#[utoipa::path(
    tag = "consultations",
    params(ReviewQueueQuery, PageQuery),
    responses(
        (status = 200, description = "Pending consultations, the longest waiting first", body = Page<ReviewQueueItem>),
        e::List, e::Forbidden,
    ),
)]
#[get("/consultations/review-queue")]
/// Consultations waiting for review in the caller's subtree, oldest first, with how long each
/// has waited (admin).
pub async fn get_review_queue(
    state: web::Data<AppState>,
    principal: Authorized<Admins>,
    query: web::Query<ReviewQueueQuery>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("review_queue")?;
    let unit = query.unit_id;
    let who = reader_of(&principal);
    let rows = store::run(&state.pool, move |c| {
        store::consultations::review_queue(c, who, unit, &page)
    })
    .await?;
    let now = state.clock.stamp();
    let items = rows
        .items
        .into_iter()
        .map(|row| {
            let waiting_seconds = (now - row.review_requested_at).num_seconds().max(0);
            Ok(ReviewQueueItem {
                waiting_seconds,
                consultation: Consultation::view(row, &principal, None)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: rows.next_cursor,
    }))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_consultations)
        .service(create_consultation)
        .service(get_review_queue)
        .service(crate::api::ledger::export_consultations)
        .service(get_consultation)
        .service(update_consultation)
        .service(review_consultation);
}
