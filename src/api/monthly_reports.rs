//! Monthly reports (四(二)): the draft of a period's figures, submissions with highlight
//! practices, typical cases and activity briefs, and who has reported. The period and due rules
//! are in [`crate::domain::monthly_report`].

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use crate::api::endpoint::{self, endpoint, versioned_view, Source};
use crate::api::errors as e;
use crate::api::etag::{self};
use crate::api::idempotency::{IdempotencyKey, IdempotencyKeyHeader};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::monthly_report::{self as rules, Figures, Period, ReportStatus};
use crate::domain::units::UnitKind;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::monthly_reports::{Report, ReportFilter, RevisionRow, Submission};
use crate::time::{cst, to_cst};
use crate::validation;

/// The most entries one section may hold.
pub const MAX_ENTRIES: u64 = 20;

/// One entry of a section: a title and its text.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "集会日流动服务", "content": "利用集会日设立流动服务站点，现场解答群众咨询。"}))]
pub struct Section {
    /// Title.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub title: String,
    /// Text.
    #[schema(min_length = 1, max_length = 5000, pattern = "text")]
    #[validate(length(min = 1, max = 5000), custom(function = validation::text))]
    pub content: String,
}

fn at_least_one(entries: &[Section]) -> Result<(), ValidationError> {
    if entries.is_empty() {
        let mut e = ValidationError::new("missing_section");
        e.message = Some("needs at least one entry (四(二): 至少各1个)".into());
        return Err(e);
    }
    Ok(())
}

/// A submission of a unit's report of a period. The figures are not sent: the service counts
/// them again at submission and keeps them with this revision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "period": "2026-11",
    "highlights": [{"title": "“半天值班+半天进村”常态化", "content": "每周半天值班、半天进村入企。"}],
    "typical_cases": [{"title": "赡养纠纷调解", "content": "老人来所咨询，转人民调解当场达成协议。"}],
    "activity_briefs": [{"title": "集会日流动服务", "content": "设立流动服务站点，发放资料120份。"}]
}))]
pub struct NewMonthlyReport {
    /// The reporting unit (a judicial office or the public legal service centre) of the
    /// caller's subtree.
    pub unit_id: i64,
    /// The period, `YYYY-MM`: from the 11th of the month before to the 10th of this month.
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", example = "2026-11")]
    pub period: String,
    /// Highlight practices (亮点做法): at least one.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 20)]
    #[validate(nested, custom(function = at_least_one), length(max = 20))]
    pub highlights: Vec<Section>,
    /// Typical cases (典型案例): at least one.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 20)]
    #[validate(nested, custom(function = at_least_one), length(max = 20))]
    pub typical_cases: Vec<Section>,
    /// Activity briefs (活动简报): at least one.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 20)]
    #[validate(nested, custom(function = at_least_one), length(max = 20))]
    pub activity_briefs: Vec<Section>,
}

/// One submission of a report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportRevision {
    /// 1 for the first submission, then 2, 3, …
    pub revision: i32,
    /// When it was submitted.
    pub submitted_at: DateTime<FixedOffset>,
    /// Whether it came after the due minute.
    pub late: bool,
    /// Who submitted it.
    pub submitted_by: String,
    /// The figures as counted at submission.
    pub figures: Figures,
    /// Highlight practices (亮点做法).
    pub highlights: Vec<Section>,
    /// Typical cases (典型案例).
    pub typical_cases: Vec<Section>,
    /// Activity briefs (活动简报).
    pub activity_briefs: Vec<Section>,
}

impl TryFrom<RevisionRow> for ReportRevision {
    type Error = ApiError;
    fn try_from(r: RevisionRow) -> Result<Self, ApiError> {
        fn parse<T: serde::de::DeserializeOwned>(id: i64, text: &str) -> Result<T, ApiError> {
            serde_json::from_str(text).map_err(|e| {
                ApiError::Internal(format!("monthly report revision {id}: {:?}", e.classify()))
            })
        }
        Ok(ReportRevision {
            revision: r.revision,
            submitted_at: to_cst(r.submitted_at),
            late: r.late,
            figures: parse(r.id, &r.figures)?,
            highlights: parse(r.id, &r.highlights)?,
            typical_cases: parse(r.id, &r.typical_cases)?,
            activity_briefs: parse(r.id, &r.activity_briefs)?,
            submitted_by: r.submitted_by,
        })
    }
}

/// A unit's report of a period: the latest submission, and the earlier ones.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "unit_id": 4, "period": "2026-11", "period_from": "2026-10-11", "period_to": "2026-11-10",
    "due_at": "2026-11-10T16:00:00+08:00", "status": "submitted", "late": false,
    "first_submitted_at": "2026-11-10T15:42:00+08:00", "revisions": 2,
    "latest": {"revision": 2, "submitted_at": "2026-11-11T09:00:00+08:00", "late": true, "submitted_by": "龙港镇司法所 工作人员",
        "figures": {"consultations": {"total": 58, "matters": 63, "by_channel": [], "by_site": [], "by_outcome": []},
            "aid": {"received": 6, "decided": 5, "granted": 4, "rejected": 1},
            "follow_ups": {"done": 12, "unreachable": 1, "answered": 12, "satisfied": 12, "satisfaction_rate": 100.0},
            "activities": {"total": 4, "audience": 230, "materials": 400, "by_kind": []}},
        "highlights": [{"title": "“半天值班+半天进村”常态化", "content": "每周半天值班、半天进村入企。"}],
        "typical_cases": [{"title": "赡养纠纷调解", "content": "转人民调解当场达成协议。"}],
        "activity_briefs": [{"title": "集会日流动服务", "content": "发放资料120份。"}]},
    "history": [],
    "version": 2, "created_at": "2026-11-10T15:42:00+08:00", "updated_at": "2026-11-11T09:00:00+08:00"
}))]
pub struct MonthlyReport {
    /// Id.
    pub id: i64,
    /// The reporting unit.
    pub unit_id: i64,
    /// The period, `YYYY-MM`.
    pub period: String,
    /// The first day of the period (the 11th of the month before).
    pub period_from: NaiveDate,
    /// The last day of the period (the 10th).
    pub period_to: NaiveDate,
    /// The due time: the 10th, 16:00 China Standard Time (a report stamped 16:00:59 is on time).
    pub due_at: DateTime<FixedOffset>,
    /// `submitted` when the first submission came on time, `late` otherwise.
    pub status: ReportStatus,
    /// Whether the first submission came after the due minute (a later correction does not
    /// change it).
    pub late: bool,
    /// When it was first submitted.
    pub first_submitted_at: DateTime<FixedOffset>,
    /// How many times it was submitted.
    pub revisions: i32,
    /// The latest submission.
    pub latest: ReportRevision,
    /// The earlier submissions, the latest first (in lists: left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<ReportRevision>>,
    /// Version, sent as `ETag` (one more with each submission).
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last submitted at.
    pub updated_at: DateTime<FixedOffset>,
}

versioned_view!(MonthlyReport);

impl TryFrom<Report> for MonthlyReport {
    type Error = ApiError;
    fn try_from(r: Report) -> Result<Self, ApiError> {
        let period = Period::parse(&r.report.period).map_err(|e| ApiError::Internal(e.en))?;
        let mut revisions = r
            .revisions
            .into_iter()
            .map(ReportRevision::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        if revisions.is_empty() {
            return Err(ApiError::Internal(format!(
                "monthly report {} has no revision",
                r.report.id
            )));
        }
        let latest = revisions.remove(0);
        Ok(MonthlyReport {
            id: r.report.id,
            unit_id: r.report.unit_id,
            period: r.report.period,
            period_from: period.first_day(),
            period_to: period.last_day(),
            due_at: period.due_at().with_timezone(&cst()),
            status: rules::status(period, Some(r.report.late), period.due_at()),
            late: r.report.late,
            first_submitted_at: to_cst(r.report.first_submitted_at),
            revisions: r.report.revisions,
            latest,
            history: Some(revisions),
            version: r.report.version,
            created_at: to_cst(r.report.created_at),
            updated_at: to_cst(r.report.updated_at),
        })
    }
}

/// Which unit and period a draft or the status is for.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// The unit, in the caller's subtree; the figures cover its subtree (default: the caller's
    /// own unit).
    pub unit_id: Option<i64>,
    /// The period, `YYYY-MM` (default: the period today falls in).
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub period: Option<String>,
}

/// The period whose status is read, and optionally a unit whose subtree to narrow to.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// The period, `YYYY-MM` (default: the period today falls in).
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub period: Option<String>,
    /// Only units of this unit's subtree (in the caller's subtree).
    pub unit_id: Option<i64>,
}

/// The figures of a period, filled in for a report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonthlyReportDraft {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Whether the unit must report monthly (judicial offices and the public legal service
    /// centre).
    pub must_report: bool,
    /// The period, `YYYY-MM`.
    pub period: String,
    /// The first day of the period.
    pub period_from: NaiveDate,
    /// The last day of the period.
    pub period_to: NaiveDate,
    /// The due time.
    pub due_at: DateTime<FixedOffset>,
    /// The figures of the unit's subtree as of now.
    pub figures: Figures,
}

/// A unit that must report, and where it stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportStatusItem {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its kind.
    pub unit_kind: UnitKind,
    /// Submitted on time, late, missing, or not yet due.
    pub status: ReportStatus,
    /// The report, when submitted.
    pub report_id: Option<i64>,
    /// When it was last submitted.
    pub submitted_at: Option<DateTime<FixedOffset>>,
    /// How many times it was submitted.
    pub revisions: i32,
}

/// Who has reported for a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "period": "2026-11", "due_at": "2026-11-10T16:00:00+08:00",
    "submitted": 10, "late": 1, "missing": 2, "not_due": 0,
    "items": [{"unit_id": 4, "unit_name": "龙港镇司法所", "unit_kind": "judicial_office", "status": "submitted",
               "report_id": 3, "submitted_at": "2026-11-10T15:42:00+08:00", "revisions": 1},
              {"unit_id": 5, "unit_name": "中村镇司法所", "unit_kind": "judicial_office", "status": "missing",
               "report_id": null, "submitted_at": null, "revisions": 0}]
}))]
pub struct MonthlyReportStatus {
    /// The period.
    pub period: String,
    /// The due time.
    pub due_at: DateTime<FixedOffset>,
    /// Units that submitted on time.
    pub submitted: usize,
    /// Units that submitted late.
    pub late: usize,
    /// Units that have not submitted after the due time.
    pub missing: usize,
    /// Units that have not submitted before the due time.
    pub not_due: usize,
    /// The units that must report (judicial offices and the public legal service centre of the
    /// caller's subtree), by id.
    pub items: Vec<ReportStatusItem>,
}

fn period_param(text: &str) -> Result<Period, ApiError> {
    Period::parse(text).map_err(ApiError::BadRequest)
}

/// The period named, or the one today (China) falls in.
fn period_or_current(state: &AppState, text: Option<&str>) -> Result<Period, ApiError> {
    match text {
        Some(text) => period_param(text),
        None => Ok(Period::of_day(crate::domain::periods::china_date(
            state.clock.now(),
        ))),
    }
}

#[utoipa::path(
    tag = "monthly-reports",
    params(DraftQuery),
    responses(
        (status = 200, description = "The period's figures of the unit's subtree", body = MonthlyReportDraft),
        e::Read, e::Forbidden,
    ),
)]
#[get("/monthly-reports/draft")]
/// Fill in a period's figures for a unit's report: consultations by channel, site and outcome,
/// aid applications received and decided, follow-ups and satisfaction, activities by kind.
pub async fn get_monthly_report_draft(
    state: web::Data<AppState>,
    principal: Authorized<op::GetMonthlyReportDraft>,
    query: web::Query<DraftQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let period = period_or_current(&state, q.period.as_deref())?;
    let root = principal.unit_id;
    let unit_id = q.unit_id.unwrap_or(root);
    let (unit, figures) = store::run(&state.pool, move |c| {
        let unit = store::monthly_reports::unit_in_scope(c, root, unit_id)?;
        let figures = store::monthly_reports::figures(c, unit.id, period)?;
        Ok((unit, figures))
    })
    .await?;
    Ok(HttpResponse::Ok().json(MonthlyReportDraft {
        unit_id: unit.id,
        unit_name: unit.name,
        must_report: rules::must_report(unit.kind),
        period: period.to_string(),
        period_from: period.first_day(),
        period_to: period.last_day(),
        due_at: period.due_at().with_timezone(&cst()),
        figures,
    }))
}

#[utoipa::path(
    tag = "monthly-reports",
    params(StatusQuery),
    responses(
        (status = 200, description = "The units that must report, and where each stands", body = MonthlyReportStatus),
        e::Read, e::Forbidden,
    ),
)]
#[get("/monthly-reports/status")]
/// Who has reported for a period: submitted on time, late, missing, or not yet due.
pub async fn get_monthly_report_status(
    state: web::Data<AppState>,
    principal: Authorized<op::GetMonthlyReportStatus>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let period = period_or_current(&state, q.period.as_deref())?;
    let root = principal.unit_id;
    let now = state.clock.now();
    let rows = store::run(&state.pool, move |c| {
        if let Some(unit) = q.unit_id {
            store::monthly_reports::unit_in_scope(c, root, unit)?;
        }
        store::monthly_reports::status(c, root, q.unit_id, period)
    })
    .await?;
    let items: Vec<ReportStatusItem> = rows
        .into_iter()
        .map(|r| ReportStatusItem {
            status: rules::status(period, r.late, now),
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            unit_kind: r.unit_kind,
            report_id: r.report_id,
            submitted_at: r.submitted_at.map(to_cst),
            revisions: r.revisions.unwrap_or(0),
        })
        .collect();
    let count = |s: ReportStatus| items.iter().filter(|i| i.status == s).count();
    Ok(HttpResponse::Ok().json(MonthlyReportStatus {
        period: period.to_string(),
        due_at: period.due_at().with_timezone(&cst()),
        submitted: count(ReportStatus::Submitted),
        late: count(ReportStatus::Late),
        missing: count(ReportStatus::Missing),
        not_due: count(ReportStatus::NotDue),
        items,
    }))
}

endpoint! {
    /// List the monthly reports of the caller's subtree.
    list list_monthly_reports("/monthly-reports", ListMonthlyReports, ReportFilter) -> MonthlyReport,
        tag = "monthly-reports", ok = "Reports of the caller's subtree, by id, each with its latest submission",
        also = [Forbidden];
    |state, principal, filter, page| {
        let periods = [&filter.period, &filter.from_period, &filter.to_period];
        for p in periods.into_iter().flatten() {
            period_param(p)?;
        }
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::monthly_reports::list(c, root, &filter, p);
        let view = |r| {
            let mut report = MonthlyReport::try_from(r)?;
            report.history = None;
            Ok(report)
        };
        endpoint::page(&state, page, "monthly_reports", Source::Replica, list, view).await
    }
}

#[utoipa::path(
    tag = "monthly-reports",
    params(IdempotencyKeyHeader),
    request_body = NewMonthlyReport,
    responses(
        (status = 201, description = "Submitted: the report with this submission as its latest (a resubmission keeps the earlier ones in `history`)", body = MonthlyReport,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The report"))),
        e::Create, e::Conflict,
    ),
)]
#[post("/monthly-reports")]
/// Submit (or resubmit) a unit's monthly report, due on the 10th at 16:00 China Standard Time
/// (admin, unit staff). Late submissions are accepted and marked late; the figures are counted
/// by the service at submission.
pub async fn create_monthly_report(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateMonthlyReport>,
    idem: IdempotencyKey,
    body: Json<NewMonthlyReport>,
) -> Result<HttpResponse, ApiError> {
    let period = Period::parse(&body.period);
    match (body.validate(), &period) {
        (Ok(()), Ok(_)) => {}
        (result, period) => {
            let mut errors = match result.map_err(ApiError::from) {
                Err(ApiError::Unprocessable { errors, .. }) => errors,
                _ => Vec::new(),
            };
            if let Err(e) = period {
                errors.push(crate::error::FieldError::new(
                    "period",
                    "pattern",
                    e.en.clone(),
                ));
            }
            errors.sort_by(|a, b| a.field.cmp(&b.field));
            return Err(ApiError::unprocessable(errors));
        }
    }
    let period = period.map_err(ApiError::BadRequest)?;
    let json =
        |s: &[Section]| serde_json::to_string(s).map_err(|e| ApiError::Internal(e.to_string()));
    let submission = Submission {
        unit_id: body.unit_id,
        period,
        highlights: json(&body.highlights)?,
        typical_cases: json(&body.typical_cases)?,
        activity_briefs: json(&body.activity_briefs)?,
    };
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let (report, replayed) = store::run(&state.pool, move |c| {
        store::monthly_reports::submit(c, &actor, root, submission, &*body, &idem)
    })
    .await?;
    let report = MonthlyReport::try_from(report)?;
    Ok(etag::created(
        &report,
        &format!("/api/v1/monthly-reports/{}", report.id),
        replayed,
    ))
}

endpoint! {
    /// Read a monthly report of the caller's subtree with its history of submissions.
    get get_monthly_report("/monthly-reports/{id}", GetMonthlyReport) -> MonthlyReport,
        tag = "monthly-reports", id = "Report id",
        ok = "The report: its latest submission and every earlier one", also = [Forbidden];
    |state, principal, id| {
        let root = principal.unit_id;
        let find = move |c: &mut _| store::monthly_reports::find(c, root, id);
        endpoint::one(&state, find, MonthlyReport::try_from).await
    }
}

/// Registers the routes of this module (the fixed paths before `{id}`).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_monthly_report_draft)
        .service(get_monthly_report_status)
        .service(list_monthly_reports)
        .service(create_monthly_report)
        .service(get_monthly_report);
}
