//! The request quota of OAuth clients: every request with a client credentials token counts in
//! the client's fixed window of a minute, on this instance; past its quota the request answers
//! 429 with `Retry-After`. Every response to such a token carries the quota and what is left of
//! it in the `RateLimit-Policy` and `RateLimit` fields of
//! draft-ietf-httpapi-ratelimit-headers-10 (policy `"client"`: `q` the quota, `w` the window;
//! `r` the requests left, `t` the seconds until the window ends).
//!
//! Windows are kept per instance (a deployment of N instances admits up to N times the quota);
//! tokens of people are never counted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use utoipa::openapi::{Ref, RefOr};
use utoipa::Modify;

use crate::api::AppState;
use crate::auth::principal::ClientLimit;
use crate::auth::session::Checked;
use crate::domain::clients::{self, Verdict, Window, WINDOW_SECS};
use crate::error::ApiError;

/// The name of the one policy, in both fields.
pub const POLICY: &str = "client";
/// The current quota and what is left of it.
pub const RATE_LIMIT: &str = "ratelimit";
/// The quota policy.
pub const RATE_LIMIT_POLICY: &str = "ratelimit-policy";
/// Most windows kept per instance before the ended ones are dropped.
const CAPACITY: usize = 10_000;

/// Each client's current window on this instance, and the quota of clients without their own.
#[derive(Debug)]
pub struct ClientLimiter {
    default_per_minute: u32,
    windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl Default for ClientLimiter {
    fn default() -> Self {
        ClientLimiter::new(clients::DEFAULT_REQUESTS_PER_MINUTE)
    }
}

impl ClientLimiter {
    /// A limiter whose default quota is `default_per_minute` requests a minute.
    pub fn new(default_per_minute: u32) -> Self {
        ClientLimiter {
            default_per_minute: default_per_minute.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The quota of a client.
    pub fn limit_of(&self, client: ClientLimit) -> u32 {
        client
            .requests_per_minute
            .unwrap_or(self.default_per_minute)
    }

    /// Counts a request of `client` and says whether it may proceed.
    pub fn check(&self, client: ClientLimit) -> Verdict {
        let limit = self.limit_of(client);
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= CAPACITY && !windows.contains_key(&client.id) {
            windows.retain(|_, (start, _)| now.duration_since(*start).as_secs() < WINDOW_SECS);
        }
        let entry = windows.entry(client.id).or_insert((now, 0));
        if now.duration_since(entry.0).as_secs() >= WINDOW_SECS {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        clients::verdict(
            limit,
            Window {
                elapsed_secs: now.duration_since(entry.0).as_secs(),
                used: entry.1,
            },
        )
    }
}

/// Writes the two fields of a verdict.
fn insert_fields(headers: &mut HeaderMap, v: &Verdict) {
    let fields = [
        (
            RATE_LIMIT_POLICY,
            format!("\"{POLICY}\";q={};w={WINDOW_SECS}", v.limit),
        ),
        (
            RATE_LIMIT,
            format!("\"{POLICY}\";r={};t={}", v.remaining, v.reset_secs),
        ),
    ];
    for (name, value) in fields {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

/// Middleware (after the token check): counts requests of client credentials tokens, refuses
/// those past the quota with 429, and sets the fields on every response to them.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let client = req
        .extensions()
        .get::<Checked>()
        .and_then(|c| c.0.as_ref().ok())
        .and_then(|p| p.client);
    let limiter = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(client), Some(state)) = (client, limiter) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let verdict = state.client_limits.check(client);
    if !verdict.allowed {
        let mut res = ApiError::TooManyRequests {
            retry_after_secs: verdict.reset_secs,
        }
        .error_response();
        insert_fields(res.headers_mut(), &verdict);
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    insert_fields(res.headers_mut(), &verdict);
    Ok(res.map_into_left_body())
}

/// Declares the fields in the contract: on the shared 429 response (with `Retry-After`), a 429
/// on every operation a token can call, and the two fields on their success responses.
pub struct RateLimitHeaders;

impl RateLimitHeaders {
    fn header(description: &str, example: &str) -> utoipa::openapi::header::Header {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        utoipa::openapi::header::HeaderBuilder::new()
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples([example]),
            ))
            .description(Some(description))
            .build()
    }

    /// The two fields, by reference to their one declaration in `components/headers`.
    fn fields() -> impl Iterator<Item = (String, RefOr<utoipa::openapi::header::Header>)> {
        ["RateLimit", "RateLimit-Policy"].into_iter().map(|name| {
            (
                name.to_owned(),
                RefOr::Ref(Ref::new(format!("#/components/headers/{name}"))),
            )
        })
    }

    /// The declarations of the fields.
    fn declared() -> [(&'static str, utoipa::openapi::header::Header); 2] {
        [
            (
                "RateLimit",
                Self::header(
                    "Only on responses to an OAuth client's token (draft-ietf-httpapi-ratelimit-headers-10): \
                     `r` requests left in the current window, `t` seconds until it ends.",
                    "\"client\";r=599;t=42",
                ),
            ),
            (
                "RateLimit-Policy",
                Self::header(
                    "Only on responses to an OAuth client's token (draft-ietf-httpapi-ratelimit-headers-10): \
                     the client's quota `q` per window of `w` seconds.",
                    "\"client\";q=600;w=60",
                ),
            ),
        ]
    }
}

impl Modify for RateLimitHeaders {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        if let Some(components) = &mut openapi.components {
            for (name, header) in Self::declared() {
                components.headers.insert(name.to_owned(), RefOr::T(header));
            }
            if let Some(RefOr::T(response)) = components.responses.get_mut("TooManyRequests") {
                response.headers.insert(
                    "Retry-After".into(),
                    RefOr::T(
                        utoipa::openapi::header::HeaderBuilder::new()
                            .schema(Some(
                                ObjectBuilder::new()
                                    .schema_type(Type::Integer)
                                    .minimum(Some(1)),
                            ))
                            .description(Some("Seconds to wait before the next attempt."))
                            .build(),
                    ),
                );
                response.headers.extend(Self::fields());
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for op in super::operations_mut(item) {
                let id = op.operation_id.as_deref().unwrap_or_default();
                if super::PUBLIC_OPERATIONS.contains(&id) || super::METRICS_OPERATIONS.contains(&id)
                {
                    continue;
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                        response.headers.extend(Self::fields());
                    }
                }
                op.responses
                    .responses
                    .entry("429".into())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("TooManyRequests")));
            }
        }
    }
}
