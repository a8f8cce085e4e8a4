//! Logging in, and who am I.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::errors as e;
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::password::{dummy_hash, verify_password};
use crate::auth::principal::{op, Authorized};
use crate::auth::JwtKeys;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::store;

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
    "account_id": 1, "subject": "1", "name": "admin", "role": "admin",
    "unit_id": 1, "unit_name": "沁水县司法局"
}))]
pub struct Me {
    /// The account id (absent for tokens of an external identity provider).
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
}

#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        e::List, e::Body, e::TooMany,
    )
)]
#[post("/auth/token")]
/// Exchange a username and password for a short-lived bearer token.
pub async fn create_token(
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    state.login_limiter.check(&body.username)?;
    let body = body.into_inner();
    let username = body.username.clone();
    let account = store::run(&state.pool, move |c| {
        let row = store::users::by_username(c, &body.username)?;
        // Verify against a dummy hash for unknown users, so timing does not reveal them.
        let ok = verify_password(
            &body.password,
            row.as_ref()
                .map(|r| r.password_hash.as_str())
                .unwrap_or(dummy_hash()),
        );
        Ok(row.filter(|r| ok && r.active))
    })
    .await?;
    let Some(account) = account else {
        state.login_limiter.failed(&username);
        return Err(ApiError::Unauthorized(
            "invalid username or password".into(),
        ));
    };
    state.login_limiter.succeeded(&username);
    let role = account.role;
    let token = keys
        .issue(
            account.id,
            &account.username,
            role,
            account.unit_id,
            chrono::Utc::now().timestamp(),
        )
        .map_err(ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: keys.ttl_secs,
            role,
            unit_id: account.unit_id,
        }))
}

#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The caller", body = Me),
        e::NoToken, e::Unavailable,
    ),
)]
#[get("/me")]
/// Who the bearer token says the caller is.
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
    }))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token).service(get_me);
}
