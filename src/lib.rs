//! huimin: the system of record for a county justice bureau's programme of free legal
//! consultation and legal aid for special groups (免费法律咨询和特殊群体法律援助惠民工程).

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod paging;
pub mod precondition;
pub mod privacy;
pub mod request_id;
pub mod security_headers;
pub mod store;
pub mod time;
pub mod validation;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Logger};
use actix_web::{web, App, HttpMessage};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{AppState, KnownRoutes};
use crate::auth::JwtKeys;

/// Where Swagger UI is served.
pub const SWAGGER_PATH: &str = "/swagger-ui/";
/// Where the OpenAPI document is served.
pub const SPEC_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document, generated from the route registration.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::finish_spec(
        App::new()
            .into_utoipa_app()
            .openapi(api::ApiDoc::openapi())
            .configure(api::configure)
            .split_for_parts()
            .1,
    )
}

/// Builds the application: shared by `huimin serve` and the tests.
pub fn build_app(
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    max_body_bytes: usize,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let metrics = state.prom.clone();
    let (app, spec) = App::new()
        .into_utoipa_app()
        .openapi(api::ApiDoc::openapi())
        .app_data(state)
        .app_data(keys)
        .app_data(web::Data::new(api::json::BodyLimit(max_body_bytes)))
        .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
        .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
        .configure(api::configure)
        .split_for_parts();
    let spec = api::finish_spec(spec);
    let routes = web::Data::new(KnownRoutes::from_openapi(&spec));
    app.app_data(routes)
        .service(web::redirect("/swagger-ui", SWAGGER_PATH))
        .configure(api::swagger::initializer_route)
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .url(SPEC_PATH, spec)
                .config(api::swagger::ui_config()),
        )
        .default_service(web::to(api::fallback))
        .wrap(from_fn(api::etag::not_modified))
        .wrap(from_fn(api::query::declared_only))
        .wrap(from_fn(api::reads::middleware))
        .wrap(from_fn(api::rate_limit::middleware))
        .wrap(from_fn(auth::session::middleware))
        .wrap(from_fn(api::method_guard))
        .wrap(metrics)
        .wrap(
            // No query strings (they may carry search terms with personal data), no tokens.
            Logger::new("%{METHOD}xi %U %s %b %Dms rid=%{RID}xi")
                .custom_request_replace("METHOD", |req| req.method().to_string())
                .custom_request_replace("RID", |req| {
                    req.extensions()
                        .get::<request_id::RequestId>()
                        .map(|r| r.0.clone())
                        .unwrap_or_default()
                }),
        )
        .wrap(from_fn(security_headers::middleware))
        .wrap(from_fn(error::lang::middleware))
        .wrap(from_fn(request_id::middleware))
}
