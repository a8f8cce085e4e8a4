//! The authenticated caller, from `Authorization: Bearer …` as checked against its account and
//! session by [`crate::auth::session::middleware`] before any extractor runs.

use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

use crate::auth::session::{again, Checked};
use crate::domain::access;
use crate::domain::roles::Role;
use crate::error::ApiError;

/// Who is calling: from a verified token, as its account is now.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account id (of our account, or of the account an external identity is mapped to).
    pub account_id: Option<i64>,
    /// The token's subject.
    pub sub: String,
    /// A name for the audit trail: the username, or `<issuer>:<subject>` for an external
    /// identity.
    pub name: String,
    /// The role.
    pub role: Role,
    /// The principal's unit: it sees this unit's subtree.
    pub unit_id: i64,
    /// The staff record the account is linked to, if any.
    pub staff_id: Option<i64>,
    /// The session of a token of this service (none for external identities).
    pub session_id: Option<i64>,
    /// The OAuth client behind a client credentials token (none for people).
    pub client: Option<ClientLimit>,
}

/// The OAuth client a token was granted to, and its own request rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimit {
    /// The client's id.
    pub id: i64,
    /// Its requests per minute; none: the service's default.
    pub requests_per_minute: Option<u32>,
}

fn extract(req: &HttpRequest) -> Result<Principal, ApiError> {
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return Err(ApiError::unauthorized(
            "an Authorization: Bearer token is required",
            "需要 Authorization: Bearer 令牌",
        ));
    }
    match req.extensions().get::<Checked>() {
        Some(Checked(Ok(principal))) => Ok(principal.clone()),
        Some(Checked(Err(e))) => Err(again(e)),
        None => Err(ApiError::Internal(
            "the session middleware is not installed".into(),
        )),
    }
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
                        Err(ApiError::Forbidden(access::refusal(
                            P::ID,
                            P::ID,
                            None,
                            principal.role,
                        )))
                    }
                })
                .map_err(Into::into),
        )
    }
}
