//! Accounts, managed by admins within their subtree.

use actix_web::{get, patch, post};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::endpoint::{self, endpoint, versioned_view, Source};
use crate::auth::password::hash_password;
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::users::{AccountChanges, NewAccount, UserFilter, UserRow};
use crate::time::to_cst;
use crate::validation;

/// An account (never with its password).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "username": "longgang.staff", "display_name": "龙港镇司法所 王敏",
    "role": "unit_staff", "unit_id": 4, "active": true, "version": 1,
    "staff_id": 12, "external_subject": null,
    "created_at": "2023-03-01T09:00:00+08:00", "updated_at": "2023-03-01T09:00:00+08:00"
}))]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Name shown in the trail and on screens.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Unit; the account sees this unit's subtree.
    pub unit_id: i64,
    /// Whether the account may log in.
    pub active: bool,
    /// Version, sent as `ETag`.
    pub version: i64,
    /// The staff record the account is linked to (a provider reaches the cases assigned to it).
    pub staff_id: Option<i64>,
    /// The external identity mapped to this account, as `<issuer>:<subject>`: a token of the
    /// configured identity provider with that issuer and subject acts as this account.
    pub external_subject: Option<String>,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

versioned_view!(User);

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            role: row.role,
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            unit_id: row.unit_id,
            active: row.active,
            version: row.version,
            staff_id: row.staff_id,
            external_subject: row.external_subject,
            created_at: to_cst(row.created_at),
            updated_at: to_cst(row.updated_at),
        }
    }
}

/// A new account.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "username": "zhengzhuang.staff", "password": "a long passphrase",
    "display_name": "郑庄镇司法所 李强", "role": "unit_staff", "unit_id": 8
}))]
pub struct NewUser {
    /// Login name: lower-case letters, digits, `.`, `_`, `-`.
    #[schema(min_length = 3, max_length = 64, pattern = "username")]
    #[validate(length(min = 3, max = 64), custom(function = validation::username))]
    pub username: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 128)]
    #[validate(length(min = 10, max = 128))]
    pub password: String,
    /// Name shown in the trail and on screens.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Unit in the caller's subtree.
    pub unit_id: i64,
    /// A staff record of the caller's subtree that no other account is linked to.
    pub staff_id: Option<i64>,
    /// An external identity (`<issuer>:<subject>`) that no other account has.
    #[schema(
        min_length = 3,
        max_length = 255,
        pattern = r"^[!-~]+:[!-~]+$",
        example = "https://idp.sxsft.example:sx-portal-17"
    )]
    #[validate(length(min = 3, max = 255), custom(function = external_subject_format))]
    pub external_subject: Option<String>,
}

/// `<issuer>:<subject>`: printable ASCII without spaces, a colon between two non-empty parts.
fn external_subject_format(value: &str) -> Result<(), validator::ValidationError> {
    let printable = value.bytes().all(|b| b.is_ascii_graphic());
    let split = value
        .rfind(':')
        .is_some_and(|i| i > 0 && i + 1 < value.len());
    if printable && split {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("external_subject");
        e.message = Some("must be `<issuer>:<subject>` in printable ASCII without spaces".into());
        Err(e)
    }
}

/// Changes to an account; absent fields stay. Changing `active`, `role`, `unit_id`,
/// `password`, `staff_id` or `external_subject` ends the account's tokens.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UserPatch {
    /// New display name.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New unit in the caller's subtree.
    pub unit_id: Option<i64>,
    /// Allow or stop logging in.
    pub active: Option<bool>,
    /// A new password (at least 10 characters).
    #[schema(min_length = 10, max_length = 128)]
    #[validate(length(min = 10, max = 128))]
    pub password: Option<String>,
    /// Link to a staff record of the caller's subtree (`null` removes the link).
    #[serde(default, deserialize_with = "crate::api::users::present")]
    #[schema(value_type = Option<i64>)]
    pub staff_id: Option<Option<i64>>,
    /// Map an external identity `<issuer>:<subject>` to the account (`null` removes it).
    #[serde(default, deserialize_with = "crate::api::users::present")]
    #[schema(value_type = Option<String>, min_length = 3, max_length = 255, pattern = r"^[!-~]+:[!-~]+$")]
    pub external_subject: Option<Option<String>>,
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl NewUser {
    /// The account as stored, but for its password.
    fn account(&self) -> NewAccount {
        NewAccount {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            unit_id: self.unit_id,
            staff_id: self.staff_id,
            external_subject: self.external_subject.clone(),
        }
    }

    /// What the idempotency key remembers of the request: the password only as its digest.
    fn fingerprint(&self) -> serde_json::Value {
        serde_json::json!({
            "username": self.username, "display_name": self.display_name,
            "role": self.role, "unit_id": self.unit_id,
            "staff_id": self.staff_id, "external_subject": self.external_subject,
            "password_sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(self.password.as_bytes())),
        })
    }
}

impl UserPatch {
    /// The changes as stored, with the new password hashed.
    fn changes(&self) -> Result<AccountChanges, ApiError> {
        Ok(AccountChanges {
            display_name: self.display_name.clone(),
            role: self.role,
            unit_id: self.unit_id,
            active: self.active,
            password_hash: self
                .password
                .as_deref()
                .map(hash_password)
                .transpose()
                .map_err(ApiError::Internal)?,
            staff_id: self.staff_id,
            external_subject: self.external_subject.clone(),
        })
    }

    /// The external subject's format, when one is set (validator skips `Option<Option<_>>`).
    fn check_external_subject(&self) -> Result<(), ApiError> {
        match &self.external_subject {
            Some(Some(value)) if value.len() < 3 || value.len() > 255 => {
                Err(ApiError::invalid_field(
                    "external_subject",
                    "length",
                    "must have 3 to 255 characters",
                ))
            }
            Some(Some(value)) => external_subject_format(value).map_err(|e| {
                ApiError::invalid_field(
                    "external_subject",
                    "external_subject",
                    e.message.unwrap_or_default(),
                )
            }),
            _ => Ok(()),
        }
    }
}

endpoint! {
    /// List accounts of the caller's subtree (admin).
    list list_users("/users", ListUsers, UserFilter) -> User,
        tag = "users", ok = "Accounts of the caller's subtree, by id", also = [Forbidden];
    |state, principal, filter, page| {
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::users::list(c, root, &filter, p);
        endpoint::page(&state, page, "users", Source::Primary, list, |r| Ok(User::from(r))).await
    }
}

endpoint! {
    /// Create an account in a unit of the caller's subtree (admin).
    create create_user("/users", CreateUser, NewUser) -> User,
        tag = "users", ok = "Created", location = "The new account", also = [Conflict];
    |state, principal, idem, body| {
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let create = move |c: &mut _| {
            let hash = hash_password(&body.password).map_err(ApiError::Internal)?;
            let request = body.fingerprint();
            store::users::create(c, &actor, root, &body.account(), &hash, &request, &idem)
        };
        endpoint::created(&state, "/api/v1/users", create, |r| Ok(User::from(r))).await
    }
}

endpoint! {
    /// Read an account of the caller's subtree (admin).
    get get_user("/users/{id}", GetUser) -> User,
        tag = "users", id = "Account id", ok = "The account", also = [Forbidden];
    |state, principal, id| {
        let root = principal.unit_id;
        let find = move |c: &mut _| store::users::find(c, root, id);
        endpoint::one(&state, find, |r| Ok(User::from(r))).await
    }
}

endpoint! {
    /// Change an account of the caller's subtree (admin): name, role, unit, active, password, staff
    /// link, external subject. All but the name end the account's tokens on every instance.
    update update_user("/users/{id}", UpdateUser, UserPatch) -> User,
        tag = "users", id = "Account id", ok = "The changed account", also = [Conflict];
    |state, principal, id, if_match, body| {
        body.check_external_subject()?;
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let update = move |c: &mut _| {
            let changes = body.changes()?;
            store::users::update(c, &actor, root, id, &if_match, &changes)
        };
        let answer = endpoint::one(&state, update, |r| Ok(User::from(r))).await;
        // This instance stops trusting what it read of accounts at once (others within seconds).
        if answer.is_ok() {
            state.sessions.clear();
        }
        answer
    }
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}
