//! Follow-up visits (追踪回访) and the satisfaction figures they feed (target: 95% or more).

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader, Versioned};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{Authorized, FollowUpKeepers};
use crate::auth::Principal;
use crate::domain::follow_up::{
    satisfaction_rate, FollowUpMethod, FollowUpStatus, Satisfaction, SubjectKind,
};
use crate::domain::masking::mask_phone;
use crate::domain::targets::SatisfactionPermille;
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::follow_ups::FollowUpRow;
use crate::time::{cst, day_start_utc, to_cst};
use crate::validation;

/// One attempt to reach the person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    /// When.
    pub attempted_at: DateTime<FixedOffset>,
    /// Whether the person was reached.
    pub reached: bool,
    /// A note.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A follow-up.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 5, "unit_id": 4, "subject_kind": "consultation", "subject_id": 101, "subject_href": "/api/v1/consultations/101",
    "staff_id": 7, "due_on": "2023-03-14", "overdue": false, "method": "phone", "status": "done", "failed_attempts": 0,
    "satisfaction": "satisfied", "comments": "答复很清楚", "problem": null, "rectification_due": null,
    "rectification_done_at": null, "rectification_note": null, "contact_phone": "138****5678",
    "completed_at": "2023-03-13T10:00:00+08:00", "attempts": null, "version": 2,
    "created_at": "2023-03-08T09:00:00+08:00", "updated_at": "2023-03-13T10:00:00+08:00"
}))]
pub struct FollowUp {
    /// Id.
    pub id: i64,
    /// The unit that calls back.
    pub unit_id: i64,
    /// What it follows up.
    pub subject_kind: SubjectKind,
    /// The consultation or application.
    pub subject_id: i64,
    /// Where to read it.
    pub subject_href: String,
    /// The staff member who calls.
    pub staff_id: Option<i64>,
    /// Due.
    pub due_on: NaiveDate,
    /// Whether it is open past its due day.
    pub overdue: bool,
    /// How.
    pub method: FollowUpMethod,
    /// Where it stands.
    pub status: FollowUpStatus,
    /// Attempts that did not reach the person (three make them unreachable).
    pub failed_attempts: i32,
    /// The answer.
    pub satisfaction: Option<Satisfaction>,
    /// The person's comments.
    pub comments: Option<String>,
    /// A problem found.
    pub problem: Option<String>,
    /// When it must be put right.
    pub rectification_due: Option<NaiveDate>,
    /// When it was put right.
    pub rectification_done_at: Option<DateTime<FixedOffset>>,
    /// How.
    pub rectification_note: Option<String>,
    /// The person's phone: in full only for the staff member who will call, masked for
    /// everyone else.
    pub contact_phone: Option<String>,
    /// When it was completed (reached, or found unreachable).
    pub completed_at: Option<DateTime<FixedOffset>>,
    /// The attempts (on single reads).
    pub attempts: Option<Vec<Attempt>>,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

impl Versioned for FollowUp {
    fn version(&self) -> i64 {
        self.version
    }
}

fn code<T: std::str::FromStr>(id: i64, v: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    crate::error::stored("follow-up", id, v)
}

/// Builds views of rows with their contact phones, masked unless the caller is the one who calls.
async fn views(
    state: &AppState,
    principal: &Principal,
    rows: Vec<FollowUpRow>,
    with_attempts: bool,
) -> Result<Vec<FollowUp>, ApiError> {
    let rows_for_query = rows.clone();
    let (contacts, attempts) = store::run(&state.pool, move |c| {
        let contacts = store::follow_ups::contacts(c, &rows_for_query)?;
        let attempts = if with_attempts {
            rows_for_query
                .iter()
                .map(|r| store::follow_ups::attempts(c, r.id))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        Ok((contacts, attempts))
    })
    .await?;
    let (phones, callers) = contacts;
    let today = state.clock.now().with_timezone(&cst()).date_naive();
    let mut attempts = attempts.into_iter();
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            let is_caller = row
                .staff_id
                .and_then(|s| callers.get(&s))
                .is_some_and(|account| principal.account_id == Some(*account));
            let phone = phones
                .get(&(row.subject_kind.clone(), row.subject_id))
                .cloned();
            let kind: SubjectKind = code(id, &row.subject_kind)?;
            let status: FollowUpStatus = code(id, &row.status)?;
            Ok(FollowUp {
                id,
                unit_id: row.unit_id,
                subject_href: match kind {
                    SubjectKind::Consultation => {
                        format!("/api/v1/consultations/{}", row.subject_id)
                    }
                    SubjectKind::AidApplication => {
                        format!("/api/v1/aid-applications/{}", row.subject_id)
                    }
                },
                subject_kind: kind,
                subject_id: row.subject_id,
                staff_id: row.staff_id,
                overdue: status == FollowUpStatus::Open && row.due_on < today,
                due_on: row.due_on,
                method: code(id, &row.method)?,
                status,
                failed_attempts: row.failed_attempts,
                satisfaction: row
                    .satisfaction
                    .as_deref()
                    .map(|s| code(id, s))
                    .transpose()?,
                comments: row.comments,
                problem: row.problem,
                rectification_due: row.rectification_due,
                rectification_done_at: row.rectification_done_at.map(to_cst),
                rectification_note: row.rectification_note,
                contact_phone: phone.map(|p| if is_caller { p } else { mask_phone(&p) }),
                completed_at: row.completed_at.map(to_cst),
                attempts: attempts.next().map(|list| {
                    list.into_iter()
                        .map(|a| Attempt {
                            attempted_at: to_cst(a.attempted_at),
                            reached: a.reached,
                            note: a.note,
                            recorded_by: a.recorded_by,
                        })
                        .collect()
                }),
                version: row.version,
                created_at: to_cst(row.created_at),
                updated_at: to_cst(row.updated_at),
            })
        })
        .collect()
}

/// A subject's follow-up, as shown on the consultation or case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpSummary {
    /// Where it stands.
    pub status: FollowUpStatus,
    /// The person's answer, when reached.
    pub satisfaction: Option<Satisfaction>,
}

impl FollowUpSummary {
    /// From the stored status and answer.
    pub fn from_stored(found: Option<(String, Option<String>)>) -> Result<Option<Self>, ApiError> {
        found
            .map(|(status, satisfaction)| {
                Ok(FollowUpSummary {
                    status: code(0, &status)?,
                    satisfaction: satisfaction.as_deref().map(|s| code(0, s)).transpose()?,
                })
            })
            .transpose()
    }
}

/// Filters of the list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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

#[utoipa::path(
    tag = "follow-ups",
    params(FollowUpFilter, PageQuery),
    responses(
        (status = 200, description = "Follow-ups of the caller's subtree, by id", body = Page<FollowUp>),
        e::List,
    ),
)]
#[get("/follow-ups")]
/// List follow-ups of the caller's subtree.
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    principal: Principal,
    filter: web::Query<FollowUpFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("follow_ups")?;
    let filter = filter.into_inner();
    let root = principal.unit_id;
    let rows = store::run(&state.pool, move |c| {
        store::follow_ups::list(c, root, &filter, &page)
    })
    .await?;
    let items = views(&state, &principal, rows.items, false).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: rows.next_cursor,
    }))
}

/// The due list's query.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Only this unit's subtree.
    pub unit_id: Option<i64>,
}

#[utoipa::path(
    tag = "follow-ups",
    params(DueQuery, PageQuery),
    responses(
        (status = 200, description = "Open follow-ups, the earliest due (the overdue) first", body = Page<FollowUp>),
        e::List,
    ),
)]
#[get("/follow-ups/due")]
/// The follow-ups to make in the caller's subtree, overdue first. The person's phone is shown in
/// full only to the staff member who will call.
pub async fn get_due_follow_ups(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<DueQuery>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("follow_ups_due")?;
    let unit = query.unit_id;
    let root = principal.unit_id;
    let rows = store::run(&state.pool, move |c| {
        store::follow_ups::due(c, root, unit, &page)
    })
    .await?;
    let items = views(&state, &principal, rows.items, false).await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: rows.next_cursor,
    }))
}

#[utoipa::path(
    tag = "follow-ups",
    params(("id" = i64, Path, description = "Follow-up id")),
    responses(
        (status = 200, description = "The follow-up with its attempts", body = FollowUp, headers(("ETag" = String, description = "The version"))),
        e::Read,
    ),
)]
#[get("/follow-ups/{id}")]
/// Read a follow-up of the caller's subtree.
pub async fn get_follow_up(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| store::follow_ups::find(c, root, id)).await?;
    let view = views(&state, &principal, vec![row], true)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found("follow-up", id))?;
    Ok(etag::ok(&view))
}

/// An attempt to reach the person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reached": true, "satisfaction": "satisfied", "comments": "答复很清楚"}))]
pub struct AttemptInput {
    /// When (default: now).
    pub attempted_at: Option<DateTime<FixedOffset>>,
    /// Whether the person was reached.
    pub reached: bool,
    /// The answer (required when reached).
    pub satisfaction: Option<Satisfaction>,
    /// The person's comments.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub comments: Option<String>,
    /// A problem found.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub problem: Option<String>,
    /// When the problem must be put right.
    pub rectification_due: Option<NaiveDate>,
    /// A note on the attempt.
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 1000), custom(function = validation::text))]
    pub note: Option<String>,
}

#[utoipa::path(
    tag = "follow-ups",
    params(("id" = i64, Path, description = "Follow-up id"), IfMatchHeader),
    request_body = AttemptInput,
    responses(
        (status = 200, description = "Recorded: reached closes the follow-up; the third failure marks the person unreachable", body = FollowUp,
            headers(("ETag" = String, description = "The new version"))),
        e::Update, e::Conflict,
    ),
)]
#[post("/follow-ups/{id}/attempts")]
/// Record an attempt to reach the person (admins, unit staff, aid officers).
pub async fn record_follow_up_attempt(
    state: web::Data<AppState>,
    principal: Authorized<FollowUpKeepers>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<AttemptInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    match (body.reached, body.satisfaction) {
        (true, None) => {
            return Err(ApiError::invalid_field(
                "satisfaction",
                "required",
                "record the answer of the person reached",
            ))
        }
        (false, Some(_)) => {
            return Err(ApiError::invalid_field(
                "satisfaction",
                "unexpected",
                "a person not reached gives no answer",
            ))
        }
        _ => {}
    }
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let now = state.clock.now();
    let row = store::run(&state.pool, move |c| {
        store::follow_ups::record_attempt(c, &actor, root, id, &if_match, &body, now)
    })
    .await?;
    let view = views(&state, &principal, vec![row], true)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found("follow-up", id))?;
    Ok(etag::ok(&view))
}

/// Changes to a follow-up.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"staff_id": 7, "due_on": "2023-03-20"}))]
pub struct FollowUpPatch {
    /// The staff member who will call.
    pub staff_id: Option<i64>,
    /// A new due day.
    pub due_on: Option<NaiveDate>,
    /// Another method.
    pub method: Option<FollowUpMethod>,
    /// The problem is put right (true) or not yet (false).
    pub rectification_done: Option<bool>,
    /// How it was put right.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$"
    )]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub rectification_note: Option<String>,
}

#[utoipa::path(
    tag = "follow-ups",
    params(("id" = i64, Path, description = "Follow-up id"), IfMatchHeader),
    request_body = FollowUpPatch,
    responses(
        (status = 200, description = "Changed", body = FollowUp, headers(("ETag" = String, description = "The new version"))),
        e::Update,
    ),
)]
#[patch("/follow-ups/{id}")]
/// Assign the caller, move the due day, change the method, or record a rectification.
pub async fn update_follow_up(
    state: web::Data<AppState>,
    principal: Authorized<FollowUpKeepers>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<FollowUpPatch>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let now = state.clock.now();
    let row = store::run(&state.pool, move |c| {
        store::follow_ups::update(c, &actor, root, id, &if_match, &body, now)
    })
    .await?;
    let view = views(&state, &principal, vec![row], false)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found("follow-up", id))?;
    Ok(etag::ok(&view))
}

/// A planning request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_id": 4, "from": "2023-03-01", "to": "2023-03-31", "share_percent": 30, "due_on": "2023-04-10"}))]
pub struct PlanInput {
    /// The unit whose subtree's consultations to sample.
    pub unit_id: i64,
    /// First day of the period (consultations received, China time).
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// Share to sample, 1 to 100 percent (default: the configured share).
    #[schema(minimum = 1, maximum = 100)]
    #[validate(range(min = 1, max = 100))]
    pub share_percent: Option<u32>,
    /// Due day of the follow-ups (default: the configured days after today).
    pub due_on: Option<NaiveDate>,
}

/// What planning did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanResult {
    /// Consultations in the period whose person agreed to be called back.
    pub candidates: usize,
    /// Of those, the fair sample.
    pub sampled: usize,
    /// Follow-ups created now (a sampled consultation that already had one is not planned again).
    pub created: Vec<FollowUp>,
}

#[utoipa::path(
    tag = "follow-ups",
    request_body = PlanInput,
    responses(
        (status = 200, description = "Planned; running it again for the same period creates nothing new", body = PlanResult),
        e::Create, e::NotFound,
    ),
)]
#[post("/follow-ups/plan")]
/// Plan follow-ups for a fair sample (chosen by a hash of each consultation, not the first N) of
/// the consultations of a unit and period whose person agreed to be called back.
pub async fn plan_follow_ups(
    state: web::Data<AppState>,
    principal: Authorized<FollowUpKeepers>,
    body: Json<PlanInput>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    if body.to < body.from || (body.to - body.from).num_days() > 366 {
        return Err(ApiError::invalid_field(
            "to",
            "range",
            "on or after `from`, at most 366 days later",
        ));
    }
    let (Some(from), Some(to)) = (
        day_start_utc(body.from),
        day_start_utc(body.to + Duration::days(1)),
    ) else {
        return Err(ApiError::invalid_field("to", "range", "invalid period"));
    };
    let percent = body
        .share_percent
        .unwrap_or(state.settings.follow_up_share_percent);
    let today = state.clock.now().with_timezone(&cst()).date_naive();
    let due_on = body
        .due_on
        .unwrap_or(today + Duration::days(state.settings.follow_up_days));
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let unit = body.unit_id;
    let (rows, candidates, sampled) = store::run(&state.pool, move |c| {
        store::follow_ups::plan(c, &actor, root, unit, from, to, percent, due_on)
    })
    .await?;
    let created = views(&state, &principal, rows, false).await?;
    Ok(HttpResponse::Ok().json(PlanResult {
        candidates,
        sampled,
        created,
    }))
}

/// The satisfaction report's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SatisfactionQuery {
    /// First day (follow-ups completed, China time).
    pub from: NaiveDate,
    /// Last day; at most 366 days after `from`.
    pub to: NaiveDate,
    /// The unit whose subtree to report (default: the caller's unit).
    pub unit_id: Option<i64>,
}

/// One unit's satisfaction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitSatisfaction {
    /// Unit id.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// People reached who answered.
    pub reached: i64,
    /// Of those, very satisfied, satisfied or basically satisfied.
    pub satisfied: i64,
    /// Of those, unsatisfied.
    pub unsatisfied: i64,
    /// People not reached after three attempts (not in the rate).
    pub unreachable: i64,
    /// satisfied ÷ reached, in percent to one decimal; absent when nobody was reached.
    pub rate_percent: Option<f64>,
    /// The unit's satisfaction target for the year of `from`.
    pub target_percent: Option<f64>,
    /// Whether the rate reaches the target.
    pub meets_target: Option<bool>,
}

/// The satisfaction report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"from": "2023-01-01", "to": "2023-12-31", "units": [{"unit_id": 4, "name": "龙港镇司法所",
    "reached": 20, "satisfied": 19, "unsatisfied": 1, "unreachable": 3, "rate_percent": 95.0, "target_percent": 95.0, "meets_target": true}]}))]
pub struct SatisfactionReport {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Units of the subtree with follow-ups or a target, by id.
    pub units: Vec<UnitSatisfaction>,
}

#[utoipa::path(
    tag = "follow-ups",
    params(SatisfactionQuery),
    responses(
        (status = 200, description = "The satisfaction rate per unit: answers of very satisfied, satisfied and basically satisfied over the people reached who answered; people not reached are not counted", body = SatisfactionReport),
        e::Read,
    ),
)]
#[get("/follow-ups/satisfaction")]
/// Satisfaction per unit and period against each unit's target. The rate is the share of people
/// reached who answered very satisfied, satisfied or basically satisfied; the unreachable are
/// reported but not in the denominator.
pub async fn get_satisfaction(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<SatisfactionQuery>,
) -> Result<HttpResponse, ApiError> {
    use chrono::Datelike;
    let q = query.into_inner();
    if q.to < q.from || (q.to - q.from).num_days() > 366 {
        return Err(ApiError::BadRequest(
            "`to` must be on or after `from`, at most 366 days later".into(),
        ));
    }
    let (Some(from), Some(to)) = (
        day_start_utc(q.from),
        day_start_utc(q.to + Duration::days(1)),
    ) else {
        return Err(ApiError::BadRequest("invalid period".into()));
    };
    let scope = principal.unit_id;
    let root = q.unit_id.unwrap_or(scope);
    let year = q.from.year();
    let (units, counts) = store::run(&state.pool, move |c| {
        store::units::find(c, scope, root)?;
        Ok((
            store::follow_ups::units_with_targets(c, root, year)?,
            store::follow_ups::satisfaction_counts(c, root, from, to)?,
        ))
    })
    .await?;
    let mut out = Vec::new();
    for (unit_id, name, target) in units {
        let mut s = UnitSatisfaction {
            unit_id,
            name,
            reached: 0,
            satisfied: 0,
            unsatisfied: 0,
            unreachable: 0,
            rate_percent: None,
            target_percent: target.map(|t| SatisfactionPermille::from_stored(t).percent()),
            meets_target: None,
        };
        for (_, status, satisfaction, n) in counts.iter().filter(|c| c.0 == unit_id) {
            match (
                status.as_str(),
                satisfaction
                    .as_deref()
                    .and_then(|x| x.parse::<Satisfaction>().ok()),
            ) {
                ("done", Some(answer)) => {
                    s.reached += n;
                    if answer.counts_as_satisfied() {
                        s.satisfied += n;
                    } else {
                        s.unsatisfied += n;
                    }
                }
                ("unreachable", _) => s.unreachable += n,
                _ => {}
            }
        }
        if s.reached == 0 && s.unreachable == 0 && s.target_percent.is_none() {
            continue;
        }
        s.rate_percent = satisfaction_rate(s.satisfied, s.reached);
        s.meets_target = match (s.rate_percent, s.target_percent) {
            (Some(rate), Some(target)) => Some(rate >= target),
            _ => None,
        };
        out.push(s);
    }
    Ok(HttpResponse::Ok().json(SatisfactionReport {
        from: q.from,
        to: q.to,
        units: out,
    }))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_follow_ups)
        .service(get_due_follow_ups)
        .service(get_satisfaction)
        .service(plan_follow_ups)
        .service(get_follow_up)
        .service(record_follow_up_attempt)
        .service(update_follow_up);
}
