//! OAuth 2.0 clients of integrations, registered by admins within their subtree: the secret is
//! shown once (at registration and at each rotation) and kept as a digest; rotation and
//! deactivation end the client's tokens. Tokens come from `POST /auth/token` with
//! `grant_type=client_credentials` (see [`token`]).

pub mod token;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::endpoint::{self, endpoint, from_record, record_view, Source};
use crate::api::errors as e;
use crate::api::etag::{self, IfMatch, IfMatchHeader, Versioned};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::client_secret;
use crate::auth::principal::{op, Authorized};
use crate::domain::clients::{CLIENT_ROLES, MAX_REQUESTS_PER_MINUTE};
use crate::domain::roles::Role;
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::clients::{ClientFilter, ClientRow, NewClient as StoredNewClient};
use crate::time::to_cst;
use crate::validation;

record_view! {
    /// An OAuth client (never with its secret).
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
    #[schema(example = json!({
        "id": 1, "client_id": "client-3f9a1c0b7d2e5a61", "name": "省法律援助信息平台",
        "role": "integration", "unit_id": 1, "active": true, "requests_per_minute": null,
        "secret_rotated_at": "2023-03-01T09:00:00+08:00", "version": 1,
        "created_at": "2023-03-01T09:00:00+08:00", "updated_at": "2023-03-01T09:00:00+08:00"
    }))]
    pub struct Client {
        /// Id.
        pub id: i64,
        /// The public identifier to send as `client_id` (HTTP Basic user name or form field).
        pub client_id: String,
        /// A name for people.
        pub name: String,
        /// The role its tokens carry.
        pub role: Role,
        /// Its unit: it sees this unit's subtree.
        pub unit_id: i64,
        /// Whether it may obtain tokens (deactivation is final).
        pub active: bool,
        /// Its own quota in requests per minute; `null`: the service's default
        /// (`HUIMIN_CLIENT_REQUESTS_PER_MINUTE`, 600 unless configured).
        pub requests_per_minute: Option<i32>,
        /// When its secret was last set.
        pub secret_rotated_at: DateTime<FixedOffset>,
    }
}

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Self {
        from_record!(row => Client {
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            role: row.role,
            unit_id: row.unit_id,
            active: row.active,
            requests_per_minute: row.requests_per_minute,
            secret_rotated_at: to_cst(row.secret_rotated_at),
        })
    }
}

/// A client with its new secret: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "client": {
        "id": 1, "client_id": "client-3f9a1c0b7d2e5a61", "name": "省法律援助信息平台",
        "role": "integration", "unit_id": 1, "active": true, "requests_per_minute": null,
        "secret_rotated_at": "2023-03-01T09:00:00+08:00", "version": 1,
        "created_at": "2023-03-01T09:00:00+08:00", "updated_at": "2023-03-01T09:00:00+08:00"
    },
    "client_secret": "hmcs_q3Vx0cQ4mX1yq2v8r5Zt0aE9kLwP7sHn2uJ6bD4fG1c"
}))]
pub struct IssuedClient {
    /// The client.
    pub client: Client,
    /// Its secret: store it now, it is never shown again (only its digest is kept).
    pub client_secret: String,
}

impl Versioned for IssuedClient {
    fn version(&self) -> i64 {
        self.client.version
    }
}

/// A new client.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "省法律援助信息平台", "role": "integration", "unit_id": 1}))]
pub struct NewClient {
    /// A name for people.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub name: String,
    /// The role of its tokens: `integration` or `auditor` (a client never decides a case or
    /// manages accounts).
    #[validate(custom(function = client_role))]
    pub role: Role,
    /// A unit in the caller's subtree: the client sees this unit's subtree.
    pub unit_id: i64,
    /// Its own quota in requests per minute; absent: the service's default.
    #[schema(minimum = 1, maximum = 100000)]
    #[validate(range(min = 1, max = 100000))]
    pub requests_per_minute: Option<i32>,
}

/// A client's role is one of [`CLIENT_ROLES`].
fn client_role(role: &Role) -> Result<(), validator::ValidationError> {
    if CLIENT_ROLES.contains(role) {
        Ok(())
    } else {
        let mut e = validator::ValidationError::new("client_role");
        e.message = Some("a client's role is integration or auditor".into());
        Err(e)
    }
}

/// `201` or `200` with the secret: never cached.
fn issued(status: actix_web::http::StatusCode, row: ClientRow, secret: String) -> HttpResponse {
    let body = IssuedClient {
        client: Client::from(row),
        client_secret: secret,
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::ETAG,
            crate::precondition::etag_value(body.version()),
        ));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header((
            header::LOCATION,
            format!("/api/v1/clients/{}", body.client.id),
        ));
    }
    res.json(body)
}

endpoint! {
    /// List the OAuth clients of the caller's subtree (admin).
    list list_clients("/clients", ListClients, ClientFilter) -> Client,
        tag = "clients", ok = "Clients of the caller's subtree, by id", also = [Forbidden];
    |state, principal, filter, page| {
        let root = principal.unit_id;
        let list = move |c: &mut _, p: &_| store::clients::list(c, root, &filter, p);
        let view = |r| Ok(Client::from(r));
        endpoint::page(&state, page, "clients", Source::Primary, list, view).await
    }
}

#[utoipa::path(
    tag = "clients",
    request_body = NewClient,
    responses(
        (status = 201, description = "Registered; `client_secret` is shown this once", body = IssuedClient,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new client"),
                ("Cache-Control" = String, description = "`no-store`"))),
        e::Create,
    ),
)]
#[post("/clients")]
/// Register an OAuth client for an integration in a unit of the caller's subtree (admin).
///
/// The answer holds the client's secret, shown this once and kept only as a digest. No
/// `Idempotency-Key`: a replay would have to keep the secret; a spare client from a retry is
/// deactivated.
pub async fn create_client(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateClient>,
    body: Json<NewClient>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let secret = client_secret::new_secret();
    let new = StoredNewClient {
        client_id: client_secret::new_client_id(),
        name: body.name,
        role: body.role,
        unit_id: body.unit_id,
        requests_per_minute: body
            .requests_per_minute
            .map(|n| n.clamp(1, MAX_REQUESTS_PER_MINUTE as i32)),
        secret_digest: client_secret::digest(&secret),
    };
    let row = store::run(&state.pool, move |c| {
        store::clients::create(c, &actor, root, &new)
    })
    .await?;
    Ok(issued(actix_web::http::StatusCode::CREATED, row, secret))
}

endpoint! {
    /// Read an OAuth client of the caller's subtree (admin).
    get get_client("/clients/{id}", GetClient) -> Client,
        tag = "clients", id = "Client id", ok = "The client", also = [Forbidden];
    |state, principal, id| {
        let root = principal.unit_id;
        let find = move |c: &mut _| store::clients::find(c, root, id);
        endpoint::one(&state, find, |r| Ok(Client::from(r))).await
    }
}

#[utoipa::path(
    tag = "clients",
    params(("id" = i64, Path, description = "Client id"), IfMatchHeader),
    responses(
        (status = 200, description = "A new secret, shown this once; the old secret and every token obtained with it are refused from now on (on other instances within a few seconds)", body = IssuedClient,
            headers(("ETag" = String, description = "The new version"), ("Cache-Control" = String, description = "`no-store`"))),
        e::Read, e::Forbidden, e::Stale, e::Conflict,
    ),
)]
#[post("/clients/{id}/secret")]
/// Rotate an OAuth client's secret (admin): the old secret and its tokens stop working.
pub async fn rotate_client_secret(
    state: web::Data<AppState>,
    principal: Authorized<op::RotateClientSecret>,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let secret = client_secret::new_secret();
    let digest = client_secret::digest(&secret);
    let row = store::run(&state.pool, move |c| {
        store::clients::rotate_secret(c, &actor, root, id, &if_match, &digest)
    })
    .await?;
    state.sessions.clear();
    if !row.active {
        // The secret is set (and recorded) but a deactivated client still gets no token.
        log::info!("secret of deactivated client {} rotated", row.id);
    }
    Ok(issued(actix_web::http::StatusCode::OK, row, secret))
}

#[utoipa::path(
    tag = "clients",
    params(("id" = i64, Path, description = "Client id"), IfMatchHeader),
    responses(
        (status = 200, description = "Deactivated: it obtains no more tokens and its tokens are refused from now on (on other instances within a few seconds)", body = Client,
            headers(("ETag" = String, description = "The new version"))),
        e::Read, e::Forbidden, e::Stale, e::Conflict,
    ),
)]
#[post("/clients/{id}/deactivate")]
/// Deactivate an OAuth client (admin): its tokens end and it obtains no more.
pub async fn deactivate_client(
    state: web::Data<AppState>,
    principal: Authorized<op::DeactivateClient>,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = state.actor(&principal);
    let root = principal.unit_id;
    let row = store::run(&state.pool, move |c| {
        store::clients::deactivate(c, &actor, root, id, &if_match)
    })
    .await?;
    state.sessions.clear();
    Ok(etag::ok(&Client::from(row)))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_clients)
        .service(create_client)
        .service(get_client)
        .service(rotate_client_secret)
        .service(deactivate_client);
}
