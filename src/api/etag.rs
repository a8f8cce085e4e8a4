//! Optimistic concurrency over HTTP: responses carry the version as a strong `ETag`, and the
//! `If-Match` header is read into a [`IfMatch`] precondition (see `crate::precondition`).

use std::future::{ready, Ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::precondition::etag_value;
pub use crate::precondition::{IfMatch, Versioned};

/// `200 OK` with the body and its `ETag`.
pub fn ok<T: Serialize + Versioned>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag_value(body.version())))
        .json(body)
}

/// `201 Created` with the body, its `ETag` and `Location`.
pub fn created<T: Serialize + Versioned>(body: &T, location: &str, replayed: bool) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((header::ETAG, etag_value(body.version())))
        .insert_header((header::LOCATION, location.to_owned()));
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(body)
}

/// The `If-Match` request header, as documented on every write.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The `ETag` last read (e.g. `"3"`); the write answers 412 when the resource has changed
    /// since. Without it the write is unconditional. (No example: a version is only ever copied
    /// from a read, so Swagger UI leaves the box empty rather than send a stale one.)
    #[param(rename = "If-Match", value_type = String, required = false, pattern = r#"^(\*|(W/)?("[0-9]{1,18}"|[0-9]{1,18})(\s*,\s*(W/)?("[0-9]{1,18}"|[0-9]{1,18}))*)$"#)]
    pub if_match: Option<String>,
}

impl FromRequest for IfMatch {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.headers().get(header::IF_MATCH) {
            None => Ok(IfMatch::default()),
            Some(v) => match v.to_str() {
                Ok(s) => IfMatch::parse(s),
                Err(_) => Err(ApiError::bad_request(
                    "If-Match is not valid ASCII",
                    "If-Match 不是有效的 ASCII 文本",
                )),
            },
        };
        ready(result.map_err(Into::into))
    }
}

/// The longest `If-None-Match` accepted (as the contract declares); a longer one is a 400.
pub const MAX_IF_NONE_MATCH: usize = 1000;

/// Conditional reads: a `GET` (or `HEAD`) whose answer is a `200` with an `ETag` answers
/// `304 Not Modified` — the same headers, no body — when the request's `If-None-Match` names
/// that `ETag` (see [`crate::precondition::none_match`]). Every single-record read sets its
/// `ETag` through [`ok`], so this one layer serves them all.
pub async fn not_modified(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let conditional = matches!(*req.method(), Method::GET | Method::HEAD)
        .then(|| req.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    if conditional
        .as_ref()
        .is_some_and(|v| v.len() > MAX_IF_NONE_MATCH || v.to_str().is_err())
    {
        use actix_web::ResponseError;
        let err = ApiError::bad_request(
            format!(
                "If-None-Match must be visible ASCII of at most {MAX_IF_NONE_MATCH} characters"
            ),
            format!("If-None-Match 须为至多 {MAX_IF_NONE_MATCH} 个可见 ASCII 字符"),
        );
        return Ok(req
            .into_response(err.error_response())
            .map_into_right_body());
    }
    let res = next.call(req).await?;
    let Some(condition) = conditional.as_ref().and_then(|v| v.to_str().ok()) else {
        return Ok(res.map_into_left_body());
    };
    let matched = res.status() == StatusCode::OK
        && res
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|etag| crate::precondition::none_match(condition, etag));
    if !matched {
        return Ok(res.map_into_left_body());
    }
    let (req, full) = res.into_parts();
    let mut answer = HttpResponse::NotModified();
    for (name, value) in full.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.append_header((name.clone(), value.clone()));
        }
    }
    Ok(ServiceResponse::new(req, answer.finish()).map_into_right_body())
}

/// Declares the conditional read on every `GET` whose `200` carries an `ETag`: the optional
/// `If-None-Match` header and the `304` answer.
pub struct NotModified;

impl utoipa::Modify for NotModified {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, RefOr, Required, ResponseBuilder, Type};
        for item in openapi.paths.paths.values_mut() {
            let Some(get) = item.get.as_mut() else {
                continue;
            };
            let has_etag = matches!(
                get.responses.responses.get("200"),
                Some(RefOr::T(ok)) if ok.headers.contains_key("ETag")
            );
            if !has_etag {
                continue;
            }
            let parameter = ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "An `ETag` read before (e.g. `\"3\"`, `W/\"3\"`, a list, or `*`); when the record still has it the answer is 304 with no body.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).max_length(Some(MAX_IF_NONE_MATCH))))
                .build();
            get.parameters
                .get_or_insert_with(Vec::new)
                .push(RefOr::T(parameter));
            let etag = HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some("The record's current version, as in the `200`"))
                .build();
            get.responses.responses.insert(
                "304".into(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(
                            "Not Modified: `If-None-Match` names the current `ETag`; no body",
                        )
                        .header("ETag", etag)
                        .build(),
                ),
            );
        }
    }
}
