//! The `Idempotency-Key` request header of creates (see `store::idempotency`).

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use utoipa::IntoParams;

use crate::error::ApiError;
use crate::store::idempotency::Idempotency;

/// The `Idempotency-Key` request header, as documented on every create.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// A key chosen by the client (1 to 200 visible ASCII characters): sending the same request
    /// with the same key again replays the first response instead of creating twice; the same
    /// key with another body is a 422.
    #[param(rename = "Idempotency-Key", value_type = String, required = false, pattern = "^[!-~]{1,200}$")]
    pub idempotency_key: Option<String>,
}

/// The header name.
pub const HEADER: &str = "idempotency-key";

/// The optional idempotency key of a create (1 to 200 visible ASCII characters), with the
/// operation it was sent to, taken from the matched route.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Idempotency);

impl std::ops::Deref for IdempotencyKey {
    type Target = Idempotency;
    fn deref(&self) -> &Idempotency {
        &self.0
    }
}

fn parse(req: &HttpRequest) -> Result<IdempotencyKey, ApiError> {
    let operation = format!(
        "{} {}",
        req.method(),
        req.match_pattern().unwrap_or_else(|| req.path().to_owned())
    );
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(IdempotencyKey(Idempotency {
            key: None,
            operation,
        }));
    };
    let bad = || {
        ApiError::bad_request(
            "Idempotency-Key must be 1 to 200 visible ASCII characters",
            "Idempotency-Key 须为 1 到 200 个可见 ASCII 字符",
        )
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text.is_empty() || text.len() > 200 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(IdempotencyKey(Idempotency {
        key: Some(text.to_owned()),
        operation,
    }))
}

impl FromRequest for IdempotencyKey {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req).map_err(Into::into))
    }
}
