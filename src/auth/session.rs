//! Every bearer token is checked against its account, and ours against their session, on every
//! request: the account exists and is active, the token's role and unit are the account's, its
//! token version is the account's (every change of active, role, unit, password, staff link or
//! external subject bumps it), and its session is neither revoked (logout) nor expired. External
//! identities are accepted only when `<issuer>:<subject>` is mapped to an active account.
//!
//! The check runs in a middleware, before any extractor: actix polls a handler's extractors
//! together, so a check inside an async extractor would let the body extractor answer on the
//! body of a revoked token while the database lookup is pending. The extractors of
//! [`crate::auth::principal`] read its outcome.
//!
//! Each instance may keep a positive answer (the account as it was read) for at most
//! [`CACHE_SECS`]: a change on any instance ends the old tokens on every instance within that
//! bound. A change or logout on this instance takes effect here at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

use crate::api::AppState;
use crate::auth::jwt::{Claims, JwtKeys};
use crate::auth::principal::{ClientLimit, Principal};
use crate::error::ApiError;
use crate::store;
use crate::store::sessions::AccountState;

/// The longest time an instance trusts an account as it read it, in seconds.
pub const CACHE_SECS: u64 = 2;
/// Most cached answers kept per instance.
const CACHE_CAPACITY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CacheKey {
    Session(i64),
    External(String),
}

/// Positive answers of the account lookup, per instance, for at most [`CACHE_SECS`].
#[derive(Debug, Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<CacheKey, (AccountState, Instant)>>,
}

impl SessionCache {
    fn get(&self, key: &CacheKey) -> Option<AccountState> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < Duration::from_secs(CACHE_SECS))
            .map(|(state, _)| state.clone())
    }

    fn put(&self, key: CacheKey, state: AccountState) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CACHE_CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < Duration::from_secs(CACHE_SECS));
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (state, Instant::now()));
    }

    /// Forgets a session (after its logout on this instance).
    pub fn forget_session(&self, sid: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(&CacheKey::Session(sid));
    }

    /// Forgets everything (after a change of an account on this instance).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// The outcome of the check, kept in the request's extensions for the extractors.
pub(crate) struct Checked(pub(crate) Result<Principal, ApiError>);

/// The failure again, for a second extraction in the same request.
pub(crate) fn again(e: &ApiError) -> ApiError {
    match e {
        ApiError::Unauthorized(m) => ApiError::Unauthorized(m.clone()),
        ApiError::Unavailable(m) => ApiError::Unavailable(m.clone()),
        other => ApiError::Internal(other.to_string()),
    }
}

/// Middleware: checks the bearer token of a request that carries one.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        let outcome = check(&req).await;
        req.extensions_mut().insert(Checked(outcome));
    }
    next.call(req).await
}

fn unauthorized((en, zh): (&str, &str)) -> ApiError {
    ApiError::unauthorized(en, zh)
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in either case), or 401.
pub fn bearer(headers: &header::HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        unauthorized((
            "an Authorization: Bearer token is required",
            "需要 Authorization: Bearer 令牌",
        ))
    })?;
    let value = value.to_str().map_err(|_| {
        unauthorized((
            "the Authorization header is malformed",
            "Authorization 请求头格式错误",
        ))
    })?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            unauthorized((
                "the Authorization header must be `Bearer <token>`",
                "Authorization 请求头须为 `Bearer <令牌>`",
            ))
        })
}

async fn check(req: &ServiceRequest) -> Result<Principal, ApiError> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::Internal("JWT keys are not configured".into()))?
        .clone();
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("the application state is not configured".into()))?
        .clone();
    let token = bearer(req.headers())?;
    let claims = keys
        .verify(token)
        .map_err(|e| ApiError::Unauthorized(e.0))?;
    if claims.iss == keys.issuer {
        ours(&state, claims).await
    } else {
        external(&state, claims).await
    }
}

/// The account behind a key: from the cache, else from the database (cached when usable).
async fn lookup(
    state: &AppState,
    key: CacheKey,
    usable: impl Fn(&AccountState) -> bool,
) -> Result<Option<AccountState>, ApiError> {
    if let Some(found) = state.sessions.get(&key) {
        return Ok(Some(found));
    }
    let query = key.clone();
    let found = store::run(&state.pool, move |c| match query {
        CacheKey::Session(sid) => store::sessions::account_of_session_id(c, sid),
        CacheKey::External(subject) => store::sessions::account_of_external_subject(c, &subject),
    })
    .await?;
    if let Some(account) = found.as_ref().filter(|a| usable(a)) {
        state.sessions.put(key, account.clone());
    }
    Ok(found)
}

const GONE: (&str, &str) = (
    "the bearer token's account or session does not exist; log in again",
    "令牌对应的账号或会话不存在；请重新登录",
);
const CHANGED: (&str, &str) = (
    "the account has changed since the bearer token was issued (role, unit, password or status); log in again",
    "令牌签发后账号已变更（角色、单位、密码或状态）；请重新登录",
);
const DISABLED: (&str, &str) = ("the account is disabled", "账号已停用");

async fn ours(state: &AppState, claims: Claims) -> Result<Principal, ApiError> {
    let account_id = claims.sub.parse::<i64>().map_err(|_| {
        unauthorized((
            "the bearer token's subject is invalid",
            "令牌的主体（sub）无效",
        ))
    })?;
    let (Some(sid), Some(version)) = (claims.sid, claims.ver) else {
        return Err(unauthorized((
            "the bearer token names no session; log in again",
            "令牌未指明会话；请重新登录",
        )));
    };
    let now = chrono::Utc::now().naive_utc();
    let usable = |a: &AccountState| {
        a.active && a.session_revoked_at.is_none() && a.session_expires_at.is_some_and(|e| e > now)
    };
    let account = lookup(state, CacheKey::Session(sid), usable)
        .await?
        .filter(|a| a.account_id == account_id)
        .ok_or_else(|| unauthorized(GONE))?;
    if !account.active {
        return Err(unauthorized(DISABLED));
    }
    if account.session_revoked_at.is_some() {
        return Err(unauthorized((
            "the session has ended (logged out); log in again",
            "会话已结束（已退出登录）；请重新登录",
        )));
    }
    if account.session_expires_at.is_none_or(|e| e <= now) {
        return Err(unauthorized((
            "the session has expired; log in again",
            "会话已过期；请重新登录",
        )));
    }
    if account.token_version != version
        || account.role != claims.role
        || account.unit_id != claims.unit_id
    {
        return Err(unauthorized(CHANGED));
    }
    Ok(Principal {
        account_id: Some(account.account_id),
        sub: claims.sub,
        name: account.username,
        role: account.role,
        unit_id: account.unit_id,
        staff_id: account.staff_id,
        session_id: Some(sid),
        client: account.client.map(|(id, rate)| ClientLimit {
            id,
            requests_per_minute: rate.and_then(|r| u32::try_from(r).ok()),
        }),
    })
}

async fn external(state: &AppState, claims: Claims) -> Result<Principal, ApiError> {
    // An external identity is recorded as `<issuer>:<subject>`, never under a name it chose.
    let subject = format!("{}:{}", claims.iss, claims.sub);
    let account = lookup(state, CacheKey::External(subject.clone()), |a| a.active)
        .await?
        .ok_or_else(|| {
            unauthorized((
                "the external identity is not mapped to an account of this service",
                "外部身份未关联本服务的账号",
            ))
        })?;
    if !account.active {
        return Err(unauthorized(DISABLED));
    }
    // The provider's role and unit claims must not grant what the account does not have.
    if account.role != claims.role || account.unit_id != claims.unit_id {
        return Err(unauthorized((
            "the identity provider's role or unit differ from the mapped account's",
            "身份提供方给出的角色或单位与所关联账号的不一致",
        )));
    }
    Ok(Principal {
        account_id: Some(account.account_id),
        sub: claims.sub,
        name: subject,
        role: account.role,
        unit_id: account.unit_id,
        staff_id: account.staff_id,
        session_id: None,
        client: None,
    })
}
