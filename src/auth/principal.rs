//! The authenticated caller, from `Authorization: Bearer …` as checked against its account and
//! session by [`crate::auth::session::middleware`] before any extractor runs.

use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

use crate::auth::session::{again, Checked};
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
}

fn extract(req: &HttpRequest) -> Result<Principal, ApiError> {
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return Err(ApiError::Unauthorized(
            "an Authorization: Bearer token is required".into(),
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

/// Which roles an operation admits.
pub trait Policy {
    /// The admitted roles.
    const ROLES: &'static [Role];
    /// What the roles may do, for the 403 message.
    const WHAT: &'static str;
}

/// Admins of a subtree: units, targets, accounts.
pub struct Admins;
impl Policy for Admins {
    const ROLES: &'static [Role] = &[Role::Admin];
    const WHAT: &'static str = "only admins manage units, targets and accounts";
}

/// Keepers of the duty roster and its staff: admins and unit staff.
pub struct RosterKeepers;
impl Policy for RosterKeepers {
    const ROLES: &'static [Role] = &[Role::Admin, Role::UnitStaff];
    const WHAT: &'static str = "only admins and unit staff keep the duty roster";
}

/// Everyone who registers consultations: all but auditors.
pub struct ConsultationWriters;
impl Policy for ConsultationWriters {
    const ROLES: &'static [Role] = &[
        Role::Admin,
        Role::UnitStaff,
        Role::AidOfficer,
        Role::Provider,
        Role::Integration,
    ];
    const WHAT: &'static str = "auditors read consultations but do not register them";
}

/// Who takes in aid applications: admins, unit staff (代受理), aid officers, integrations.
pub struct AidIntake;
impl Policy for AidIntake {
    const ROLES: &'static [Role] = &[
        Role::Admin,
        Role::UnitStaff,
        Role::AidOfficer,
        Role::Integration,
    ];
    const WHAT: &'static str =
        "only admins, unit staff, aid officers and integrations take in aid applications";
}

/// Aid officers and admins.
pub struct AidOfficers;
impl Policy for AidOfficers {
    const ROLES: &'static [Role] = &[Role::Admin, Role::AidOfficer];
    const WHAT: &'static str = "only aid officers and admins decide this";
}

/// Who makes follow-up calls: admins, unit staff, aid officers.
pub struct FollowUpKeepers;
impl Policy for FollowUpKeepers {
    const ROLES: &'static [Role] = &[Role::Admin, Role::UnitStaff, Role::AidOfficer];
    const WHAT: &'static str = "only admins, unit staff and aid officers make follow-up visits";
}

/// Readers of the audit trail.
pub struct AuditReaders;
impl Policy for AuditReaders {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Auditor];
    const WHAT: &'static str = "only admins and auditors read the audit trail";
}

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
                    if P::ROLES.contains(&principal.role) {
                        Ok(Authorized {
                            principal,
                            _policy: PhantomData,
                        })
                    } else {
                        Err(ApiError::Forbidden(format!(
                            "{}; your role is {}",
                            P::WHAT,
                            principal.role
                        )))
                    }
                })
                .map_err(Into::into),
        )
    }
}
