//! The OAuth 2.0 client credentials grant (RFC 6749 §4.4) of `POST /auth/token`: a form body
//! `grant_type=client_credentials`, the client authenticated by HTTP Basic or by `client_id` and
//! `client_secret` in the form (§2.3.1, one of the two). Errors of the grant are answered as
//! RFC 6749 §5.2 JSON (`{"error", "error_description"}`), which OAuth client libraries read.
//!
//! A wrong secret never delays the right one: the secret (256 random bits, beyond guessing) is
//! checked first, and only wrong attempts are counted, per client and client address and per
//! address, on counters of their own (not the password login's). So nobody locks a client out.

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use base64::Engine;
use chrono::NaiveDateTime;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::{anonymous, client_address, now_utc, open_session, TokenRequest};
use crate::api::json::{body_limit, read_limited, Json};
use crate::api::AppState;
use crate::auth::{client_secret, Grant, JwtKeys};
use crate::domain::clients::CLIENT_ROLES;
use crate::error::ApiError;
use crate::store;
use crate::store::clients::ClientRow;
use crate::store::throttle::{self, AttemptKeys, ThrottleRow};

/// The media type of the grant's body.
pub const FORM: &str = "application/x-www-form-urlencoded";

crate::code_table! {
    /// The grant types this service issues tokens for by form.
    pub enum GrantType as "oauth_grant_type" {
        /// RFC 6749 §4.4.
        ClientCredentials = "client_credentials": "客户端凭据授权",
    }
}

/// A client credentials grant request (`application/x-www-form-urlencoded`). The client
/// authenticates with HTTP Basic (`client_id:client_secret`) or with the two fields here, not both.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "grant_type": "client_credentials", "client_id": "client-3f9a1c0b7d2e5a61",
    "client_secret": "hmcs_q3Vx0cQ4mX1yq2v8r5Zt0aE9kLwP7sHn2uJ6bD4fG1c"
}))]
pub struct ClientCredentialsRequest {
    /// Always `client_credentials`.
    pub grant_type: GrantType,
    /// The client's identifier (when not sent by HTTP Basic).
    #[schema(max_length = 64)]
    pub client_id: Option<String>,
    /// The client's secret (when not sent by HTTP Basic).
    #[schema(max_length = 128)]
    pub client_secret: Option<String>,
    /// Ignored: a client's reach is its role and unit.
    #[schema(max_length = 200)]
    pub scope: Option<String>,
}

crate::code_table! {
    /// The error codes of RFC 6749 §5.2 this endpoint answers.
    pub enum OAuthErrorCode as "oauth_error" {
        /// A parameter is missing, repeated or malformed, or the client authenticated twice.
        InvalidRequest = "invalid_request": "请求参数有误",
        /// Unknown client, wrong secret, deactivated client, or no client authentication (401).
        InvalidClient = "invalid_client": "客户端认证失败",
        /// A `grant_type` other than `client_credentials` in a form body.
        UnsupportedGrantType = "unsupported_grant_type": "不支持的授权类型",
    }
}

/// An error of the client credentials grant (RFC 6749 §5.2), as `application/json`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": "invalid_client", "error_description": "client authentication failed"}))]
pub struct OAuthError {
    /// The error code.
    pub error: OAuthErrorCode,
    /// What went wrong, for the developer.
    pub error_description: String,
}

impl OAuthError {
    fn new(error: OAuthErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            error_description: description.into(),
        }
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.error, self.error_description)
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        match self.error {
            OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        if self.error == OAuthErrorCode::InvalidClient {
            res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"huimin\""));
        }
        res.json(self)
    }
}

/// The body of `POST /auth/token`: a JSON password login, or a form grant.
pub enum TokenBody {
    /// `application/json`: username and password.
    Password(TokenRequest),
    /// `application/x-www-form-urlencoded`: the grant's parameters as sent.
    Form(Vec<(String, String)>),
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(FORM))
}

impl FromRequest for TokenBody {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !is_form(req) {
            let json = Json::<TokenRequest>::from_request(req, payload);
            return Box::pin(async move { Ok(TokenBody::Password(json.await?.into_inner())) });
        }
        let limit = body_limit(req);
        let payload = payload.take();
        Box::pin(async move {
            let body = read_limited(payload, limit).await?;
            let pairs =
                serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).map_err(|_| {
                    OAuthError::new(
                        OAuthErrorCode::InvalidRequest,
                        "the body is not application/x-www-form-urlencoded",
                    )
                })?;
            Ok(TokenBody::Form(pairs))
        })
    }
}

/// The client's credentials as presented.
#[derive(Debug, PartialEq, Eq)]
pub struct Presented {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
}

/// Decodes `%XX` and `+` of the form encoding (RFC 6749 §2.3.1 encodes Basic's two parts so).
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Reads the grant: the grant type and the client's credentials, from HTTP Basic or the form.
pub fn read_grant(
    pairs: &[(String, String)],
    authorization: Option<&str>,
) -> Result<Presented, OAuthError> {
    use OAuthErrorCode::*;
    let one = |name: &str| -> Result<Option<&str>, OAuthError> {
        let mut found = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = found.next();
        if found.next().is_some() {
            return Err(OAuthError::new(
                InvalidRequest,
                format!("`{name}` is given more than once"),
            ));
        }
        Ok(first.map(String::as_str))
    };
    match one("grant_type")? {
        None => return Err(OAuthError::new(InvalidRequest, "`grant_type` is required")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(OAuthError::new(
                UnsupportedGrantType,
                "only `client_credentials` is granted by form; people log in with a JSON body",
            ))
        }
    }
    let form = match (one("client_id")?, one("client_secret")?) {
        (Some(id), Some(secret)) => Some(Presented {
            client_id: id.to_owned(),
            client_secret: secret.to_owned(),
        }),
        (None, None) => None,
        _ => {
            return Err(OAuthError::new(
                InvalidRequest,
                "`client_id` and `client_secret` go together",
            ))
        }
    };
    let basic = authorization
        .map(|value| {
            let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
            let bad =
                || OAuthError::new(InvalidClient, "the Authorization header is not HTTP Basic");
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(bad());
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(bad)?;
            let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
            Ok(Presented {
                client_id: form_decode(id).ok_or_else(bad)?,
                client_secret: form_decode(secret).ok_or_else(bad)?,
            })
        })
        .transpose()?;
    match (basic, form) {
        (Some(_), Some(_)) => Err(OAuthError::new(
            InvalidRequest,
            "authenticate the client by HTTP Basic or by the form, not both",
        )),
        (Some(p), None) | (None, Some(p)) => Ok(p),
        (None, None) => Err(OAuthError::new(
            InvalidClient,
            "client authentication is required (HTTP Basic, or client_id and client_secret)",
        )),
    }
}

fn invalid_client() -> OAuthError {
    OAuthError::new(
        OAuthErrorCode::InvalidClient,
        "client authentication failed",
    )
}

/// Answers a client credentials grant.
pub async fn grant(
    req: &HttpRequest,
    state: &AppState,
    keys: &JwtKeys,
    pairs: Vec<(String, String)>,
) -> Result<HttpResponse, actix_web::Error> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("?"));
    let presented = read_grant(&pairs, authorization)?;
    let address = client_address(req, &state.trusted_proxies);
    let attempt = AttemptKeys {
        account: keys.keyed_digest(
            "client-attempt",
            &format!("{}\n{address}", presented.client_id),
        ),
        address: keys.keyed_digest("client-address", &address),
    };
    let now = now_utc();
    let client_id = presented.client_id.clone();
    let client = if client_id.len() <= 64 {
        store::run(&state.pool, move |c| {
            store::clients::by_client_id(c, &client_id)
        })
        .await?
    } else {
        None
    };
    let secret_ok = client_secret::matches(
        &presented.client_secret,
        client.as_ref().map_or("", |c| c.secret_digest.as_str()),
    );
    let client = match client {
        Some(c) if secret_ok && c.active && CLIENT_ROLES.contains(&c.role) => c,
        other => return Err(refused(state, attempt, other, secret_ok, address, now).await),
    };
    let grantee = Grant {
        account_id: client.user_id,
        username: &client.client_id,
        role: client.role,
        unit_id: client.unit_id,
        session_id: 0,
        token_version: client.token_version,
    };
    Ok(open_session(state, keys, grantee, attempt, address, now).await?)
}

/// A refused client: 429 while its attempts from this address are delayed, else counted,
/// recorded and answered `invalid_client`.
async fn refused(
    state: &AppState,
    attempt: AttemptKeys,
    client: Option<ClientRow>,
    secret_ok: bool,
    address: String,
    now: NaiveDateTime,
) -> actix_web::Error {
    let actor = anonymous(state);
    let outcome = store::run(&state.pool, move |c| {
        let blocking = throttle::blocking(c, &attempt, now)?;
        let details = |row: Option<&ThrottleRow>| {
            let mut d = serde_json::json!({
                "client_id_known": client.is_some(),
                "client_address": address,
            });
            if let Some(c) = &client {
                d["client_id"] = serde_json::json!(c.client_id);
                d["reason"] = serde_json::json!(if !secret_ok {
                    "wrong_secret"
                } else if !c.active {
                    "inactive"
                } else {
                    "role_not_for_clients"
                });
            }
            if let Some(r) = row {
                d["failures"] = serde_json::json!(r.failures);
            }
            d
        };
        let unit = client.as_ref().map(|c| c.unit_id);
        if !blocking.is_empty() {
            let wait = blocking.iter().map(|(_, s)| *s).max().unwrap_or(1);
            store::audit::write(c, &actor, |tx, log| {
                for row in throttle::report_once(tx, &blocking)? {
                    throttle::record(log, "client_auth_throttled", &row, unit, &details(None));
                }
                Ok(())
            })?;
            return Ok(Some(wait));
        }
        store::audit::write(c, &actor, |tx, log| {
            let rows = throttle::count_failure(tx, &attempt, now)?;
            let d = details(rows.first());
            match &client {
                Some(c) => log.record::<(), _>(
                    "client_auth_failed",
                    "api_client",
                    c.id,
                    Some(c.unit_id),
                    None,
                    Some(&d),
                ),
                None => {
                    if let Some(row) = rows.last() {
                        throttle::record(log, "client_auth_failed", row, None, &d)
                    }
                }
            }
            Ok(None)
        })
    })
    .await;
    match outcome {
        Ok(Some(wait)) => ApiError::TooManyRequests {
            retry_after_secs: wait,
        }
        .into(),
        Ok(None) => invalid_client().into(),
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_grant_reads_basic_or_form_but_not_both() {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("client-1:s%2Bx")
        );
        let grant = pairs(&[("grant_type", "client_credentials")]);
        let p = read_grant(&grant, Some(&basic)).unwrap();
        assert_eq!(
            (p.client_id.as_str(), p.client_secret.as_str()),
            ("client-1", "s+x")
        );
        let form = pairs(&[
            ("grant_type", "client_credentials"),
            ("client_id", "client-1"),
            ("client_secret", "s"),
        ]);
        assert_eq!(read_grant(&form, None).unwrap().client_secret, "s");
        let code = |r: Result<Presented, OAuthError>| r.unwrap_err().error;
        assert_eq!(
            code(read_grant(&form, Some(&basic))),
            OAuthErrorCode::InvalidRequest
        );
        assert_eq!(
            code(read_grant(&grant, None)),
            OAuthErrorCode::InvalidClient
        );
        assert_eq!(
            code(read_grant(&pairs(&[("grant_type", "password")]), None)),
            OAuthErrorCode::UnsupportedGrantType
        );
        assert_eq!(code(read_grant(&[], None)), OAuthErrorCode::InvalidRequest);
        assert_eq!(
            code(read_grant(
                &pairs(&[
                    ("grant_type", "client_credentials"),
                    ("grant_type", "client_credentials")
                ]),
                None
            )),
            OAuthErrorCode::InvalidRequest
        );
    }
}
