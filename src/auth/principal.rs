//! The authenticated caller, extracted once from `Authorization: Bearer …`.

use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::auth::jwt::JwtKeys;
use crate::domain::access;
use crate::domain::roles::Role;
use crate::error::ApiError;

/// Who is calling: from a verified token.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account id when the token is one of ours.
    pub account_id: Option<i64>,
    /// The token's subject.
    pub sub: String,
    /// A name for the audit trail.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The principal's unit: it sees this unit's subtree.
    pub unit_id: i64,
    /// The staff record linked to the caller's account: a provider reaches the aid cases
    /// assigned to it, the consultations it answered and the shifts it is on.
    pub staff_id: Option<i64>,
}

fn extract(req: &HttpRequest) -> Result<Principal, ApiError> {
    let keys = req
        .app_data::<web::Data<JwtKeys>>()
        .ok_or_else(|| ApiError::Internal("JWT keys are not configured".into()))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("an Authorization: Bearer token is required".into())
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is malformed".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    let claims = keys
        .verify(token)
        .map_err(|e| ApiError::Unauthorized(e.0))?;
    let ours = claims.iss == keys.issuer;
    let account_id =
        if ours {
            Some(claims.sub.parse::<i64>().map_err(|_| {
                ApiError::Unauthorized("the bearer token's subject is invalid".into())
            })?)
        } else {
            None
        };
    // An external identity is recorded as `<issuer>:<subject>`, never under a name it chose.
    let name = match (ours, &claims.name) {
        (true, Some(username)) => username.clone(),
        (true, None) => claims.sub.clone(),
        (false, _) => format!("{}:{}", claims.iss, claims.sub),
    };
    Ok(Principal {
        account_id,
        name,
        sub: claims.sub,
        role: claims.role,
        unit_id: claims.unit_id,
        staff_id: None,
    })
}

impl FromRequest for Principal {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req).map_err(Into::into))
    }
}

pub use crate::domain::access::op;
/// What an operation admits: its row in the access table (`crate::domain::access`). Each
/// operation is a marker type, `op::CreateConsultation`, …
pub use crate::domain::access::Operation as Policy;

/// A principal admitted by policy `P`: refused with 403 during extraction, before the request
/// body is read, so a forbidden caller learns nothing about the body's validity.
pub struct Authorized<P: Policy> {
    principal: Principal,
    _policy: PhantomData<P>,
}

impl<P: Policy> Deref for Authorized<P> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<P: Policy> FromRequest for Authorized<P> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            extract(req)
                .and_then(|principal| {
                    if access::admits(P::ID, principal.role) {
                        Ok(Authorized {
                            principal,
                            _policy: PhantomData,
                        })
                    } else {
                        Err(ApiError::Forbidden(format!(
                            "{} is for the roles {}; your role is {}",
                            P::ID,
                            access::roles_in_words(P::ID, None),
                            principal.role
                        )))
                    }
                })
                .map_err(Into::into),
        )
    }
}
