//! Logging in, and who am I.

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::clients::token::{grant, ClientCredentialsRequest, OAuthError, TokenBody};
use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::password::{dummy_hash, verify_password};
use crate::auth::principal::{op, Authorized};
use crate::auth::{Grant, JwtKeys};
use crate::domain::roles::Role;
use crate::error::{ApiError, Problem};
use crate::store;
use crate::store::throttle::{self, AttemptKeys, ThrottleRow};
use crate::store::users::UserRow;
use crate::store::write::Record;
use crate::store::Actor;

/// Credentials.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "huimin-demo-2023"}))]
pub struct TokenRequest {
    /// Login name: lower-case letters, digits, `.`, `_`, `-` (as every account has).
    #[schema(min_length = 1, max_length = 64, pattern = "username")]
    #[validate(
        length(min = 1, max = 64),
        custom(function = crate::validation::username)
    )]
    pub username: String,
    /// Password.
    #[schema(min_length = 1, max_length = 128)]
    #[validate(length(min = 1, max = 128))]
    pub password: String,
}

/// A bearer token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…", "token_type": "Bearer",
    "expires_in": 3600, "role": "admin", "unit_id": 1
}))]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The account's role.
    pub role: Role,
    /// The account's unit.
    pub unit_id: i64,
}

/// The caller as the token describes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "account_id": 4, "subject": "4", "name": "lawyer", "role": "provider",
    "unit_id": 2, "unit_name": "沁水县公共法律服务中心", "staff_id": 1
}))]
pub struct Me {
    /// The account id (for an external identity: the account it is mapped to).
    pub account_id: Option<i64>,
    /// The token's subject.
    pub subject: String,
    /// The name recorded in the audit trail.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The unit whose subtree the caller sees.
    pub unit_id: i64,
    /// That unit's name.
    pub unit_name: Option<String>,
    /// The staff record the account is linked to (a provider reaches the cases assigned to it).
    pub staff_id: Option<i64>,
}

/// The client address of a request: the peer, or — when the peer is a trusted proxy — the
/// right-most address of `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<String> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_owned())
        .collect();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip.to_string(),
            Err(_) => break,
        }
    }
    peer.to_string()
}

/// Who acts in the trail before anyone is authenticated.
pub(crate) fn anonymous(state: &AppState) -> Actor {
    Actor {
        id: None,
        name: "anonymous".into(),
        role: None,
        unit_id: 0,
        request_id: crate::request_id::server().unwrap_or_else(|| "-".into()),
        caller_request_id: crate::request_id::caller(),
        audit_keys: state.audit_keys.clone(),
        at: state.clock.stamp(),
        clock: state.clock.clone(),
    }
}

pub(crate) fn now_utc() -> NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, TimeDelta::microseconds(1)).unwrap_or(now)
}

/// What the trail says of an attempt: the username only when it names an account (an unknown
/// one may be a password typed into the wrong field), and the client address.
fn attempt_details(account: Option<&UserRow>, address: &str) -> serde_json::Value {
    match account {
        Some(a) => serde_json::json!({"username": a.username, "client_address": address}),
        None => serde_json::json!({"username_known": false, "client_address": address}),
    }
}

/// A delayed attempt: records each delay once in the trail and answers 429.
fn throttled(
    c: &mut crate::db::DbConnection,
    actor: &Actor,
    blocking: &[(ThrottleRow, u64)],
    account: Option<&UserRow>,
    address: &str,
) -> Result<ApiError, ApiError> {
    let wait = blocking.iter().map(|(_, s)| *s).max().unwrap_or(1);
    if blocking
        .iter()
        .any(|(r, _)| r.reported_until != r.blocked_until)
    {
        let details = attempt_details(account, address);
        store::audit::write(c, actor, |tx, log| {
            for row in throttle::report_once(tx, blocking)? {
                throttle::record(
                    log,
                    "login_throttled",
                    &row,
                    account.map(|a| a.unit_id),
                    &details,
                );
            }
            Ok(())
        })?;
    }
    Ok(ApiError::TooManyRequests {
        retry_after_secs: wait,
    })
}

#[utoipa::path(
    tag = "auth",
    request_body(
        description = "A person's login as JSON, or an OAuth 2.0 client credentials grant as a form (RFC 6749 §4.4; the client authenticated by HTTP Basic or by `client_id` and `client_secret` in the form)",
        content(
            (TokenRequest = "application/json"),
            (ClientCredentialsRequest = "application/x-www-form-urlencoded"),
        )
    ),
    responses(
        (status = 200, description = "A token (never cached)", body = TokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "A malformed JSON body (problem), or a form grant that is malformed (`invalid_request`) or not `client_credentials` (`unsupported_grant_type`), as RFC 6749 §5.2 JSON",
            content(
                (Problem = "application/problem+json"),
                (OAuthError = "application/json"),
            )),
        (status = 401, description = "Wrong username or password (problem), or a client that failed to authenticate (`invalid_client`, RFC 6749 §5.2 JSON, with `WWW-Authenticate: Basic`)",
            content(
                (Problem = "application/problem+json"),
                (OAuthError = "application/json"),
            ),
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"huimin\"` for a client, `Bearer realm=\"huimin\"` for a person"))),
        e::Body, e::TooMany, e::Unavailable,
    )
)]
#[post("/auth/token")]
/// Exchange a username and password, or a client's credentials, for a short-lived bearer token.
///
/// People send JSON `{"username", "password"}`. Every login opens a session that
/// `POST /auth/logout` ends. Failed logins are counted per username and per client address in
/// the database (all instances): past a few free failures each further one delays the next
/// attempt by 1, 2, 4, … s (at most 5 minutes), answered 429 with `Retry-After`. A delay never
/// outlasts its time: afterwards the right password gets in.
///
/// Integrations registered as OAuth clients (`/clients`) send the client credentials grant
/// (RFC 6749 §4.4) as `application/x-www-form-urlencoded`: `grant_type=client_credentials`,
/// authenticated by HTTP Basic (`client_id:client_secret`) or by `client_id` and
/// `client_secret` in the form. Its errors are RFC 6749 §5.2 JSON. A wrong secret is never
/// held against the right one: nobody can lock a client out.
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: TokenBody,
) -> Result<HttpResponse, actix_web::Error> {
    match body {
        TokenBody::Password(body) => Ok(password_login(req, state, keys, body).await?),
        TokenBody::Form(pairs) => grant(&req, &state, &keys, pairs).await,
    }
}

/// A person's login with username and password.
async fn password_login(
    req: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: TokenRequest,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let address = client_address(&req, &state.trusted_proxies);
    let attempt = AttemptKeys {
        account: keys.keyed_digest("login-username", &body.username),
        address: keys.keyed_digest("login-address", &address),
    };
    let now = now_utc();
    let actor = anonymous(&state);
    let (username, addr, keys_for_check) =
        (body.username.clone(), address.clone(), attempt.clone());
    let found = store::run(&state.pool, move |c| {
        // A client's account gets tokens by the client credentials grant only.
        let account = match store::users::by_username(c, &username)? {
            Some(a) if store::clients::is_client_account(c, a.id)? => None,
            other => other,
        };
        let blocking = throttle::blocking(c, &keys_for_check, now)?;
        if blocking.is_empty() {
            Ok(Ok(account))
        } else {
            Ok(Err(throttled(
                c,
                &actor,
                &blocking,
                account.as_ref(),
                &addr,
            )?))
        }
    })
    .await?;
    let account = found?;
    // Verify against a dummy hash for unknown users, so timing does not reveal them; off the
    // request thread and without holding a database connection.
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let password = body.password;
    let ok =
        web::block(move || verify_password(&password, hash.as_deref().unwrap_or(dummy_hash())))
            .await?;
    let account = match account {
        Some(a) if ok && a.active => a,
        other => return Err(failed(&state, attempt, other, ok, address, now).await),
    };
    let grantee = Grant {
        account_id: account.id,
        username: &account.username,
        role: account.role,
        unit_id: account.unit_id,
        session_id: 0,
        token_version: account.token_version,
    };
    open_session(&state, &keys, grantee, attempt, address, now).await
}

/// Opens a session for `grantee` (its `session_id` is the new session's) in one audited write
/// that also clears the grantee's failed attempts and purges ended sessions, and answers its
/// bearer token, never to be cached (RFC 6749 §5.1): for a password login and a client alike.
pub(crate) async fn open_session(
    state: &AppState,
    keys: &JwtKeys,
    mut grantee: Grant<'_>,
    attempt: AttemptKeys,
    address: String,
    now: NaiveDateTime,
) -> Result<HttpResponse, ApiError> {
    let expires_at = now + TimeDelta::seconds(keys.ttl_secs);
    let actor = Actor {
        id: Some(grantee.account_id),
        name: grantee.username.to_owned(),
        role: Some(grantee.role),
        unit_id: grantee.unit_id,
        ..anonymous(state)
    };
    let (account_id, unit_id) = (grantee.account_id, grantee.unit_id);
    let session = store::run(&state.pool, move |c| {
        store::audit::write(c, &actor, |tx, log| {
            throttle::clear_account(tx, &attempt)?;
            store::sessions::purge_ended(tx, now)?;
            let address = Some(address.as_str());
            store::sessions::open(tx, log, account_id, unit_id, now, expires_at, address)
        })
    })
    .await?;
    grantee.session_id = session.id;
    let token = keys
        .issue(&grantee, now.and_utc().timestamp())
        .map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: keys.ttl_secs,
            role: grantee.role,
            unit_id: grantee.unit_id,
        }))
}

/// A failed attempt: counted on both counters and recorded; the answer is the same 401 for a
/// wrong password, an unknown username and an inactive account.
async fn failed(
    state: &AppState,
    attempt: AttemptKeys,
    account: Option<UserRow>,
    password_ok: bool,
    address: String,
    now: NaiveDateTime,
) -> ApiError {
    let actor = anonymous(state);
    let recorded = store::run(&state.pool, move |c| {
        store::audit::write(c, &actor, |tx, log| {
            let rows = throttle::count_failure(tx, &attempt, now)?;
            let mut details = attempt_details(account.as_ref(), &address);
            match (&account, rows.as_slice()) {
                (Some(a), [by_account, ..]) => {
                    details["reason"] = serde_json::json!(if password_ok {
                        "inactive"
                    } else {
                        "wrong_password"
                    });
                    details["failures"] = serde_json::json!(by_account.failures);
                    log.record::<(), _>(
                        "login_failed",
                        UserRow::ENTITY,
                        a.id,
                        Some(a.unit_id),
                        None,
                        Some(&details),
                    );
                }
                (None, [_, by_address]) => {
                    throttle::record(log, "login_failed", by_address, None, &details)
                }
                _ => {}
            }
            Ok(())
        })
    })
    .await;
    match recorded {
        Ok(()) => ApiError::unauthorized("invalid username or password", "用户名或密码错误"),
        Err(e) => e,
    }
}

#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The caller", body = Me),
        e::NoToken, e::Unavailable,
    ),
)]
#[get("/me")]
/// Who the caller is: its account as it is now (role, unit, staff link).
pub async fn get_me(
    state: web::Data<AppState>,
    principal: Authorized<op::GetMe>,
) -> Result<HttpResponse, ApiError> {
    let root = principal.unit_id;
    let unit = store::run(&state.pool, move |c| {
        match store::units::find(c, root, root) {
            Ok(u) => Ok(Some(u.name)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(Me {
        account_id: principal.account_id,
        subject: principal.sub.clone(),
        name: principal.name.clone(),
        role: principal.role,
        unit_id: principal.unit_id,
        unit_name: unit,
        staff_id: principal.staff_id,
    }))
}

#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "The session has ended: its tokens are refused from now on (on other instances within a few seconds)"),
        e::NoToken, e::Conflict, e::Unavailable,
    ),
)]
#[post("/auth/logout")]
/// End the caller's session: every token of that login is refused afterwards.
///
/// Tokens of an external identity provider have no session here (409): they end at the
/// provider, or when an admin unmaps or disables the account.
pub async fn logout(
    state: web::Data<AppState>,
    principal: Authorized<op::Logout>,
) -> Result<HttpResponse, ApiError> {
    let (Some(sid), Some(account_id)) = (principal.session_id, principal.account_id) else {
        return Err(ApiError::conflict(
            "a token of an external identity provider has no session to end here",
            "外部身份提供方签发的令牌在本服务没有可结束的会话",
        ));
    };
    let actor = state.actor(&principal);
    let unit_id = principal.unit_id;
    let now = now_utc();
    store::run(&state.pool, move |c| {
        store::audit::write(c, &actor, |tx, log| {
            store::sessions::revoke(tx, log, sid, account_id, unit_id, now)
        })
    })
    .await?;
    state.sessions.forget_session(sid);
    Ok(HttpResponse::NoContent().finish())
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token).service(logout).service(get_me);
}
