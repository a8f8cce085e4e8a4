//! Optimistic concurrency over HTTP: responses carry the version as a strong `ETag`, and the
//! `If-Match` header is read into a [`IfMatch`] precondition (see `crate::precondition`).

use std::future::{ready, Ready};

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
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
    /// since. Without it the write is unconditional.
    #[param(rename = "If-Match", value_type = String, required = false, pattern = r#"^(\*|(W/)?"?[0-9]{1,18}"?(\s*,\s*(W/)?"?[0-9]{1,18}"?)*)$"#, example = "\"1\"")]
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
                Err(_) => Err(ApiError::BadRequest("If-Match is not valid ASCII".into())),
            },
        };
        ready(result.map_err(Into::into))
    }
}
