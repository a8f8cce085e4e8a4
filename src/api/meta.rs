//! Code tables, health and metrics.

use std::collections::BTreeMap;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::errors as e;
use crate::api::AppState;
use crate::domain::aid::{
    AidAction, AidChannel, AidState, DeadlineKind, GreenReason, HardshipCheck, HardshipGround,
    MatterCategory, TerminationGround, UrgentGround, VerificationMethod, VerificationResult,
};
use crate::domain::calendar::DayKind;
use crate::domain::codes::{CodeEntry, CodeTable};
use crate::domain::consultation::{
    AgeGroup, Channel, Outcome, ReviewDecision, ReviewState, Site, SpecialGroup, Topic,
};
use crate::domain::duty::{CoverageRule, DayOfWeek, DutyKind, DutyPeriod, Requirement, StaffKind};
use crate::domain::follow_up::{FollowUpMethod, FollowUpStatus, Satisfaction, SubjectKind};
use crate::domain::id_card::Sex;
use crate::domain::inspections::{
    ChecklistItem, ComplianceStatus, InspectionKind, RectificationStatus,
};
use crate::domain::recognitions::RecognitionKind;
use crate::domain::roles::Role;
use crate::domain::units::{Accessibility, UnitKind, UnitLevel};
use crate::error::ApiError;

/// Every code table of the API, by name, with Chinese labels.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "role": [{"code": "admin", "label": "管理员（司法局）"}],
    "unit_kind": [{"code": "judicial_office", "label": "司法所"}]
}))]
pub struct Dictionaries(pub BTreeMap<&'static str, Vec<CodeEntry>>);

/// Builds every code table.
pub fn dictionaries() -> Dictionaries {
    fn add<T: CodeTable>(map: &mut BTreeMap<&'static str, Vec<CodeEntry>>) {
        map.insert(T::NAME, T::entries());
    }
    let mut map = BTreeMap::new();
    add::<Role>(&mut map);
    add::<crate::error::messages::ProblemCode>(&mut map);
    add::<crate::error::messages::FieldCode>(&mut map);
    add::<crate::error::lang::Lang>(&mut map);
    add::<crate::api::clients::token::GrantType>(&mut map);
    add::<crate::api::clients::token::OAuthErrorCode>(&mut map);
    add::<UnitKind>(&mut map);
    add::<UnitLevel>(&mut map);
    add::<Accessibility>(&mut map);
    add::<StaffKind>(&mut map);
    add::<DutyPeriod>(&mut map);
    add::<DutyKind>(&mut map);
    add::<DayOfWeek>(&mut map);
    add::<Requirement>(&mut map);
    add::<CoverageRule>(&mut map);
    add::<DayKind>(&mut map);
    add::<Sex>(&mut map);
    add::<Channel>(&mut map);
    add::<Site>(&mut map);
    add::<AgeGroup>(&mut map);
    add::<SpecialGroup>(&mut map);
    add::<Topic>(&mut map);
    add::<Outcome>(&mut map);
    add::<ReviewState>(&mut map);
    add::<ReviewDecision>(&mut map);
    add::<MatterCategory>(&mut map);
    add::<AidChannel>(&mut map);
    add::<HardshipCheck>(&mut map);
    add::<HardshipGround>(&mut map);
    add::<GreenReason>(&mut map);
    add::<UrgentGround>(&mut map);
    add::<TerminationGround>(&mut map);
    add::<AidState>(&mut map);
    add::<AidAction>(&mut map);
    add::<DeadlineKind>(&mut map);
    add::<crate::domain::aid::ClosingOutcome>(&mut map);
    add::<crate::domain::aid::QualityGrade>(&mut map);
    add::<crate::domain::aid::WorkKind>(&mut map);
    add::<crate::domain::aid::PaperKind>(&mut map);
    add::<FollowUpMethod>(&mut map);
    add::<Satisfaction>(&mut map);
    add::<FollowUpStatus>(&mut map);
    add::<SubjectKind>(&mut map);
    add::<InspectionKind>(&mut map);
    add::<ChecklistItem>(&mut map);
    add::<RectificationStatus>(&mut map);
    add::<ComplianceStatus>(&mut map);
    add::<RecognitionKind>(&mut map);
    add::<VerificationMethod>(&mut map);
    add::<VerificationResult>(&mut map);
    add::<crate::api::aid::QueueStep>(&mut map);
    add::<crate::api::ledger::LedgerFormat>(&mut map);
    add::<crate::domain::stats::ConsultationGroupBy>(&mut map);
    add::<crate::domain::stats::AidGroupBy>(&mut map);
    add::<crate::domain::stats::ProgressStatus>(&mut map);
    add::<crate::domain::stats::SatisfactionStatus>(&mut map);
    add::<crate::domain::stats::Flag>(&mut map);
    add::<crate::domain::stats::OtherGroup>(&mut map);
    add::<crate::domain::stats::StepTimeliness>(&mut map);
    add::<crate::domain::activity::ActivityKind>(&mut map);
    add::<crate::domain::activity::ActivityTopic>(&mut map);
    add::<crate::domain::monthly_report::ReportStatus>(&mut map);
    Dictionaries(map)
}

#[utoipa::path(
    tag = "dictionaries",
    responses((status = 200, description = "Code tables by name", body = Dictionaries))
)]
#[get("/dictionaries")]
/// Every code table the API uses, with Chinese labels (no token needed).
pub async fn get_dictionaries() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(dictionaries())
}

/// A health answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is up", body = Health))
)]
#[get("/health/live")]
/// Liveness: the process answers.
pub async fn health_live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database is reachable", body = Health),
        e::Unavailable,
    )
)]
#[get("/health/ready")]
/// Readiness: the database answers a query.
pub async fn health_ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::store::run(&state.pool, crate::store::ping).await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text: requests and latency by route and status",
            content_type = "text/plain", body = String),
        e::NoToken, e::NotFound,
    )
)]
#[get("/metrics")]
/// Prometheus metrics, for the operator's scraper: `Authorization: Bearer <HUIMIN_METRICS_TOKEN>`.
/// Without that setting the endpoint answers 404 (401 to a request without a token).
pub async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    use prometheus::Encoder;
    // A request without a token is a 401 whether or not metrics are enabled: the contract
    // requires the token, and a missing header must not be answered as if it were there.
    let given = crate::auth::session::bearer(req.headers()).unwrap_or_default();
    let no_token = || {
        ApiError::unauthorized(
            "GET /metrics needs the operator's metrics token",
            "GET /metrics 需要运维人员的指标令牌",
        )
    };
    if given.is_empty() {
        return Err(no_token());
    }
    let Some(expected) = &state.metrics_token else {
        return Err(ApiError::NotFound(crate::error::Message::new(
            "metrics are not enabled on this instance",
            "本实例未启用指标",
        )));
    };
    if !expected.admits(given) {
        return Err(no_token());
    }
    let encoder = prometheus::TextEncoder::new();
    let mut buf = Vec::new();
    encoder
        .encode(&state.prom.registry.gather(), &mut buf)
        .map_err(|e| ApiError::Internal(format!("cannot encode metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(buf))
}

/// Registers the root-level operations routes.
pub fn operations_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(health_live)
        .service(health_ready)
        .service(metrics);
}
