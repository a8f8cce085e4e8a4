//! HTTP: one module per resource, the shared request mechanisms, and the OpenAPI document.

pub mod access;
pub mod activities;
pub mod aid;
pub mod audit;
pub mod auth;
pub mod board;
pub mod calendar;
pub mod changes;
pub mod clients;
pub mod consultations;
pub mod duty;
pub mod endpoint;
pub mod errors;
pub mod etag;
pub mod follow_ups;
pub mod idempotency;
pub mod inspections;
pub mod json;
pub mod ledger;
pub mod meta;
pub mod monthly_reports;
pub mod query;
pub mod rate_limit;
pub mod reads;
pub mod recognitions;
pub mod shapes;
pub mod staff;
pub mod stats;
pub mod swagger;
pub mod units;
pub mod users;
pub mod webhooks;

use actix_web::{web, HttpRequest};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::session::SessionCache;
use crate::auth::Principal;
use crate::config::Settings;
use crate::db::DbPool;
use crate::error::{responses as r, ApiError};
use crate::store::Actor;

/// What every handler shares.
pub struct AppState {
    /// The database pool.
    pub pool: DbPool,
    /// Accounts as recently read for token checks (a few seconds at most; see
    /// [`crate::auth::session`]).
    pub sessions: SessionCache,
    /// Proxies whose `X-Forwarded-For` names the client (`HUIMIN_TRUSTED_PROXIES`); from any
    /// other peer the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Request metrics (by route pattern, method and status) and their registry.
    pub prom: actix_web_prom::PrometheusMetrics,
    /// The one clock: the time of every write, every deadline and every "today" (tests fix it).
    pub clock: std::sync::Arc<crate::clock::Clock>,
    /// Settings of the programme's rules.
    pub settings: Settings,
    /// The token `GET /metrics` requires; none: metrics are not served.
    pub metrics_token: Option<crate::config::MetricsToken>,
    /// The keys that bind the audit trail (from the configuration, never stored).
    pub audit_keys: crate::store::audit::AuditKeys,
    /// Requests of OAuth clients in their current window (per instance).
    pub client_limits: rate_limit::ClientLimiter,
    /// Callers who wrote recently, whose reads go to the primary (per instance; see
    /// [`reads`]).
    pub recent_writers: reads::RecentWriters,
}

impl AppState {
    /// State over a pool, with a fresh metrics registry, binding the trail with `audit_keys`.
    pub fn new(pool: DbPool, audit_keys: crate::store::audit::AuditKeys) -> Result<Self, String> {
        let prom = actix_web_prom::PrometheusMetricsBuilder::new("huimin")
            .mask_unmatched_patterns("UNKNOWN")
            .build()
            .map_err(|e| format!("cannot set up metrics: {e}"))?;
        Ok(AppState {
            pool,
            sessions: SessionCache::default(),
            trusted_proxies: Vec::new(),
            prom,
            clock: Default::default(),
            settings: Settings::default(),
            metrics_token: None,
            audit_keys,
            client_limits: Default::default(),
            recent_writers: Default::default(),
        })
    }

    /// The actor of a write of this request: the caller, the request id, and the time from
    /// the service's clock.
    pub fn actor(&self, principal: &Principal) -> Actor {
        Actor {
            id: principal.account_id,
            name: principal.name.clone(),
            role: Some(principal.role),
            unit_id: principal.unit_id,
            request_id: crate::request_id::server().unwrap_or_else(|| "-".into()),
            caller_request_id: crate::request_id::caller(),
            audit_keys: self.audit_keys.clone(),
            at: self.clock.stamp(),
            clock: self.clock.clone(),
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        http.description = Some("A token from POST /api/v1/auth/token".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
        let mut metrics = Http::new(HttpAuthScheme::Bearer);
        metrics.description = Some(
            "The operator's metrics token (HUIMIN_METRICS_TOKEN), for GET /metrics only".into(),
        );
        components.add_security_scheme("metrics_token", SecurityScheme::Http(metrics));
    }
}

/// The operations of a path item, to change each.
fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

/// The operations anyone may call without a token: signing in, the public duty board and its
/// feed, the holiday calendar, the case subsidy rates, the code tables and health (the rows of
/// the access table whose scope is public; a test holds the two together).
pub const PUBLIC_OPERATIONS: &[&str] = &[
    "create_token",
    "get_calendar",
    "list_aid_subsidy_rates",
    "get_dictionaries",
    "get_duty_feed",
    "get_duty_today",
    "get_board_page",
    "health_live",
    "health_ready",
];

/// The operations that take the operator's metrics token instead of a user's bearer token.
pub const METRICS_OPERATIONS: &[&str] = &["metrics"];

/// Declares the bearer token once for every operation but the public ones, which carry an
/// explicit empty `security` so that readers and linters see they are public on purpose.
pub struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::SecurityRequirement;
        for item in openapi.paths.paths.values_mut() {
            for op in operations_mut(item) {
                let id = op.operation_id.as_deref().unwrap_or_default();
                op.security = Some(if PUBLIC_OPERATIONS.contains(&id) {
                    Vec::new()
                } else if METRICS_OPERATIONS.contains(&id) {
                    vec![SecurityRequirement::new(
                        "metrics_token",
                        Vec::<String>::new(),
                    )]
                } else {
                    vec![SecurityRequirement::new("bearer", Vec::<String>::new())]
                });
            }
        }
    }
}

/// The document's fixed parts; paths are added by the route registration itself.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "huimin",
        description = "免费法律咨询和特殊群体法律援助惠民工程 — the system of record of a county justice bureau's programme of free legal consultation and legal aid for special groups.\n\n\
Conventions: JSON with snake_case fields; times in RFC 3339 (+08:00); errors as RFC 9457 `application/problem+json`; \
lists use keyset paging (`limit`, `cursor` → `{items, next_cursor}`); single resources carry `version` and an `ETag`, \
writes honour `If-Match` (412 when stale); creates honour `Idempotency-Key`; every request gets an `X-Request-Id`. \
A method a path does not have answers 405 with `Allow` listing the path's methods; a body's invalid fields are all named in one 422. \
A caller sees the subtree of its own unit: rows outside it answer 404.\n\n\
Demo accounts (with `--demo`): admin, staff.longgang, aid.officer, lawyer, auditor, integration — password `huimin-demo-2023`.",
        version = "0.1.0",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    servers((url = "/", description = "This service")),
    components(schemas(crate::error::Problem, crate::error::FieldError), responses(
        r::BadRequest, r::Unauthorized, r::Forbidden, r::NotFound, r::Conflict,
        r::PreconditionFailed, r::PayloadTooLarge, r::UnsupportedMediaType, r::Unprocessable,
        r::TooManyRequests, r::Unavailable
    )),
    tags(
        (name = "auth", description = "Tokens and the caller"),
        (name = "units", description = "Units of the county → township → village platform (附件2)"),
        (name = "targets", description = "Annual targets of units (附件2)"),
        (name = "users", description = "Accounts"),
        (name = "clients", description = "OAuth 2.0 clients of integrations (client credentials grant)"),
        (name = "staff", description = "The people who serve on the duty roster"),
        (name = "duty", description = "The duty roster and the public 今日我当班 board (举措5, 7)"),
        (name = "calendar", description = "Public holidays and adjusted working days (调休)"),
        (name = "consultations", description = "Free legal consultations: registration, review (咨询审核), search and the ledger (台账)"),
        (name = "aid", description = "Legal aid applications: the green channel, the statutory workflow and its deadlines (举措7)"),
        (name = "follow-ups", description = "Follow-up visits and satisfaction (追踪回访; target 95%)"),
        (name = "stats", description = "Supervision figures: progress against the annual targets and breakdowns, with CSV/XLSX exports (附件1 item 3, 附件2)"),
        (name = "activities", description = "Outreach and training: lectures, legal check-ups, the themed tour 法律服务村村行, mobile stations, publicity, training (举措5, 6, 8, 9)"),
        (name = "monthly-reports", description = "Monthly reports of the offices, due on the 10th at 16:00 (四(二))"),
        (name = "inspections", description = "Supervision: spot checks of the system, monthly meetings, quarterly on-site inspections with the checklist, rectification, and compliance with the minimums (附件1 举措3, 8)"),
        (name = "recognitions", description = "Model stations and pioneer posts selected each year (附件1 举措10)"),
        (name = "audit", description = "The audit trail (全面登记、全程留痕)"),
        (name = "webhooks", description = "Webhook subscriptions to the change feed (变更推送), signed as Standard Webhooks sign"),
        (name = "changes", description = "The change feed for integrations (变更订阅): every change in the order to apply it"),
        (name = "dictionaries", description = "Code tables with Chinese labels"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

/// Completes the document once every route is registered.
pub fn finish_spec(mut spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    Security.modify(&mut spec);
    query::DeclaredOnly.modify(&mut spec);
    etag::NotModified.modify(&mut spec);
    rate_limit::RateLimitHeaders.modify(&mut spec);
    FieldPatterns.modify(&mut spec);
    ItemLinks.modify(&mut spec);
    shapes::PageItems.modify(&mut spec);
    shapes::RequestDefaults.modify(&mut spec);
    shapes::ResponseHeaders.modify(&mut spec);
    swagger::EnumLabels.modify(&mut spec);
    swagger::ChineseTitles.modify(&mut spec);
    spec
}

/// Writes the fields' patterns into the document from their one constant each: a request field
/// declares `pattern = "line"`, `"text"`, `"code"`, … (see [`crate::validation::PATTERNS`]) and
/// gets the full pattern that the matching check of `crate::validation` or `crate::domain` applies.
pub struct FieldPatterns;

impl FieldPatterns {
    fn schema(schema: &mut utoipa::openapi::schema::Schema) {
        each_object_mut(schema, &mut |object| {
            if let Some(pattern) = &mut object.pattern {
                if let Some(full) = crate::validation::pattern_named(pattern) {
                    *pattern = full.to_owned();
                }
            }
        });
    }
}

/// Calls `f` on every object schema within `schema`: itself, its properties, array items and
/// the branches of `oneOf`, `allOf` and `anyOf` (references are not followed).
fn each_object_mut(
    schema: &mut utoipa::openapi::schema::Schema,
    f: &mut dyn FnMut(&mut utoipa::openapi::schema::Object),
) {
    use utoipa::openapi::schema::{ArrayItems, Object, Schema};
    use utoipa::openapi::RefOr;
    fn branches(items: &mut [RefOr<Schema>], f: &mut dyn FnMut(&mut Object)) {
        for item in items {
            if let RefOr::T(schema) = item {
                each_object_mut(schema, f);
            }
        }
    }
    match schema {
        Schema::Object(object) => {
            f(object);
            for property in object.properties.values_mut() {
                if let RefOr::T(schema) = property {
                    each_object_mut(schema, f);
                }
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                if let RefOr::T(schema) = items.as_mut() {
                    each_object_mut(schema, f);
                }
            }
        }
        Schema::OneOf(one_of) => branches(&mut one_of.items, f),
        Schema::AllOf(all_of) => branches(&mut all_of.items, f),
        Schema::AnyOf(any_of) => branches(&mut any_of.items, f),
        _ => {}
    }
}

impl Modify for FieldPatterns {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        if let Some(components) = &mut openapi.components {
            for schema in components.schemas.values_mut() {
                if let RefOr::T(schema) = schema {
                    Self::schema(schema);
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for op in operations_mut(item) {
                for parameter in op.parameters.iter_mut().flatten() {
                    if let RefOr::T(utoipa::openapi::path::Parameter {
                        schema: Some(RefOr::T(schema)),
                        ..
                    }) = parameter
                    {
                        Self::schema(schema);
                    }
                }
            }
        }
    }
}

/// OpenAPI links from what answers with a record to the operations on that record: the `id` of
/// a create's `201` body, of a workflow step's `200` body, or of a list's first row fills the
/// `{id}` of the record's operations — read, change, sub-resources, workflow steps — so that
/// clients and stateful contract tests can follow them (create or list, then read, then
/// transition).
pub struct ItemLinks;

impl ItemLinks {
    /// The links to the operations under `collection/{id}`; `{action}` gets one link per step
    /// in `actions`.
    fn links_to(
        items: &[(String, String)],
        collection: &str,
        id: &str,
        actions: &[crate::domain::aid::AidAction],
    ) -> Vec<(String, utoipa::openapi::link::Link)> {
        use crate::domain::codes::CodeTable;
        use utoipa::openapi::link::LinkBuilder;
        let prefix = format!("{collection}/{{id}}");
        let mut links = Vec::new();
        for (path, operation_id) in items {
            let Some(rest) = path.strip_prefix(&prefix) else {
                continue;
            };
            let link = |name: String, action: Option<&str>| {
                let mut b = LinkBuilder::new()
                    .operation_id(operation_id.clone())
                    .parameter("id", id);
                if let Some(action) = action {
                    b = b.parameter("action", action);
                }
                (name, b.build())
            };
            if rest == "/{action}" {
                links.extend(
                    actions
                        .iter()
                        .map(|a| link(format!("{operation_id}_{}", a.code()), Some(a.code()))),
                );
            } else if !rest.contains('{') {
                links.push(link(operation_id.clone(), None));
            }
        }
        links
    }
}

impl Modify for ItemLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use crate::domain::aid::{AidAction, AidState, TRANSITIONS};
        use crate::domain::codes::CodeTable;
        use utoipa::openapi::RefOr;
        let mut items: Vec<(String, String)> = Vec::new();
        for (path, item) in &openapi.paths.paths {
            for op in [&item.get, &item.put, &item.patch, &item.delete, &item.post]
                .into_iter()
                .flatten()
            {
                if let Some(id) = &op.operation_id {
                    items.push((path.clone(), id.clone()));
                }
            }
        }
        // A new application can take the steps of its first state; after a step, any step (the
        // service answers 409 with the allowed ones).
        let first_steps: Vec<AidAction> = TRANSITIONS
            .iter()
            .filter(|(from, _, _, _)| *from == AidState::Submitted)
            .map(|(_, action, _, _)| *action)
            .collect();
        for (path, item) in openapi.paths.paths.iter_mut() {
            // A create links from its new record; a list from its first row.
            let mut sources = Vec::new();
            match (&mut item.post, path.find("/{id}")) {
                (Some(post), None) => {
                    sources.push((
                        path.as_str(),
                        post,
                        "201",
                        "$response.body#/id",
                        &first_steps[..],
                    ));
                }
                (Some(post), Some(at)) if path.ends_with("/{id}/{action}") => {
                    sources.push((
                        &path[..at],
                        post,
                        "200",
                        "$response.body#/id",
                        AidAction::ALL,
                    ));
                }
                _ => {}
            }
            if let (Some(get), false) = (&mut item.get, path.contains('{')) {
                sources.push((
                    path.as_str(),
                    get,
                    "200",
                    "$response.body#/items/0/id",
                    AidAction::ALL,
                ));
            }
            for (collection, op, status, id, actions) in sources {
                let links = Self::links_to(&items, collection, id, actions);
                if let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) {
                    for (name, link) in links {
                        response.links.insert(name, RefOr::T(link));
                    }
                }
            }
        }
    }
}

/// Registers every route; the OpenAPI paths come from the same registration, so none is missed.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .configure(auth::routes)
            .configure(units::routes)
            .configure(users::routes)
            .configure(clients::routes)
            .configure(audit::routes)
            .configure(staff::routes)
            .configure(duty::routes)
            .configure(board::routes)
            .configure(calendar::routes)
            .configure(consultations::routes)
            .configure(aid::routes)
            .configure(follow_ups::routes)
            .configure(stats::routes)
            .configure(activities::routes)
            .configure(monthly_reports::routes)
            .configure(inspections::routes)
            .configure(recognitions::routes)
            .configure(changes::routes)
            .configure(webhooks::routes)
            .service(meta::get_dictionaries),
    )
    .configure(board::page_routes)
    .configure(meta::operations_routes);
}

/// The documented routes, for telling 404 from 405 and for refusing undeclared query
/// parameters: each path's segments, and per method the query parameters it declares.
#[derive(Debug, Clone, Default)]
pub struct KnownRoutes(Vec<Route>);

/// A documented path: its segments, and per method the query parameters it declares.
#[derive(Debug, Clone)]
struct Route {
    segments: Vec<String>,
    methods: Vec<(String, Vec<String>)>,
}

impl KnownRoutes {
    /// From the OpenAPI document.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        use utoipa::openapi::path::{Operation, ParameterIn};
        let query = |op: &Operation| -> Vec<String> {
            op.parameters
                .iter()
                .flatten()
                .filter_map(|p| match p {
                    utoipa::openapi::RefOr::T(p)
                        if matches!(p.parameter_in, ParameterIn::Query) =>
                    {
                        Some(p.name.clone())
                    }
                    _ => None,
                })
                .collect()
        };
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let ops = [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ];
                let methods = ops
                    .into_iter()
                    .filter_map(|(m, op)| op.as_ref().map(|op| (m.to_owned(), query(op))))
                    .collect();
                Route { segments, methods }
            })
            .collect();
        KnownRoutes(routes)
    }

    /// The documented routes that match `path`, the closest first: a fixed segment is closer than
    /// a parameter, from the left (the router prefers `/consultations/export` to
    /// `/consultations/{id}`, and `/aid-applications/queue` is not `/aid-applications/{id}`).
    fn matching(&self, path: &str) -> Vec<&Route> {
        let segs: Vec<&str> = path.split('/').collect();
        let mut found: Vec<&Route> = self
            .0
            .iter()
            .filter(|r| {
                r.segments.len() == segs.len()
                    && r.segments
                        .iter()
                        .zip(&segs)
                        .all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s)
            })
            .collect();
        found.sort_by_key(|r| {
            std::cmp::Reverse(
                r.segments
                    .iter()
                    .map(|p| !p.starts_with('{'))
                    .collect::<Vec<bool>>(),
            )
        });
        found
    }

    /// The methods a path accepts, from the documented route that matches it most closely; none
    /// when no route matches.
    pub fn methods_for(&self, path: &str) -> Option<Vec<String>> {
        self.matching(path)
            .first()
            .map(|r| r.methods.iter().map(|(m, _)| m.clone()).collect())
    }

    /// The query parameters the operation at `method` and `path` declares; `None` when no
    /// documented operation is there (Swagger UI, the served document, a 404 or a 405).
    pub fn query_parameters(&self, method: &str, path: &str) -> Option<&[String]> {
        self.matching(path).into_iter().find_map(|r| {
            r.methods
                .iter()
                .find(|(m, _)| m == method)
                .map(|(_, params)| params.as_slice())
        })
    }

    /// 405 with the path's methods when the path is documented without this method.
    pub fn check(&self, method: &actix_web::http::Method, path: &str) -> Result<(), ApiError> {
        let path = path.trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        match self.methods_for(path) {
            Some(allow) if !allow.iter().any(|m| m == method.as_str()) => {
                Err(ApiError::MethodNotAllowed { allow })
            }
            _ => Ok(()),
        }
    }
}

/// Middleware: a method the documented path does not have answers 405 with `Allow` before
/// routing, so that a fixed path (`/aid-applications/queue`) is never taken by a parameter
/// route beside it (`/aid-applications/{id}`) for another method.
pub async fn method_guard(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<
        actix_web::body::EitherBody<impl actix_web::body::MessageBody + 'static>,
    >,
    actix_web::Error,
> {
    use actix_web::ResponseError;
    let refused = req
        .app_data::<web::Data<KnownRoutes>>()
        .and_then(|routes| routes.check(req.method(), req.path()).err());
    match refused {
        Some(err) => Ok(req
            .into_response(err.error_response())
            .map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// Answers requests no route took: 405 with `Allow` when the path exists, 404 otherwise.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<KnownRoutes>,
) -> Result<actix_web::HttpResponse, ApiError> {
    routes.check(req.method(), req.path())?;
    Err(ApiError::NotFound(crate::error::Message::new(
        format!("no resource at {}", req.path()),
        format!("{} 处没有资源", req.path()),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_operations_are_the_access_table_s() {
        let mut table: Vec<&str> = crate::domain::access::TABLE
            .iter()
            .filter(|r| r.scope == crate::domain::access::Scope::Public)
            .map(|r| r.operation_id)
            .collect();
        table.sort_unstable();
        let mut listed = PUBLIC_OPERATIONS.to_vec();
        listed.sort_unstable();
        assert_eq!(listed, table);
    }
}
