//! Webhook subscriptions `/api/v1/webhooks`: the change feed pushed to a URL, signed as Standard
//! Webhooks sign (see [`crate::webhooks`] for the worker that delivers).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::api::changes::resolve_types;
use crate::api::endpoint::{self, endpoint, versioned_view};
use crate::api::errors as e;
use crate::api::etag::{self, Versioned};
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::webhooks::{DeliveryRow, WebhookRow, WebhookValues};
use crate::time::to_cst;

/// A subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "owner_id": 6, "unit_id": 1, "url": "https://platform.example.org/hooks/huimin",
    "types": ["consultation", "aid_application"], "active": true, "version": 1,
    "created_at": "2026-03-01T09:00:00+08:00", "updated_at": "2026-03-01T09:00:00+08:00"
}))]
pub struct Webhook {
    /// Id.
    pub id: i64,
    /// The account that made it: events are those this account may read, masked as it reads
    /// them.
    pub owner_id: i64,
    /// The owner's unit.
    pub unit_id: i64,
    /// Where events are posted: `https`, or `http` to a loopback address.
    pub url: String,
    /// The kinds of resource sent (empty: all the owner may read).
    pub types: Vec<String>,
    /// Whether events are sent.
    pub active: bool,
    /// Version.
    pub version: i64,
    /// Created at.
    pub created_at: DateTime<FixedOffset>,
    /// Last changed at.
    pub updated_at: DateTime<FixedOffset>,
}

versioned_view!(Webhook);

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Webhook {
            id: r.id,
            owner_id: r.owner_id,
            unit_id: r.unit_id,
            url: r.url,
            types: split_types(&r.types),
            active: r.active,
            version: r.version,
            created_at: to_cst(r.created_at),
            updated_at: to_cst(r.updated_at),
        }
    }
}

fn split_types(types: &str) -> Vec<String> {
    types
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A new subscription, with its secret (shown only here).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhook {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_` and base64): shown once, keep it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl Versioned for CreatedWebhook {
    fn version(&self) -> i64 {
        self.webhook.version
    }
}

/// What a subscription is for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://platform.example.org/hooks/huimin", "types": ["consultation"]}))]
pub struct NewWebhook {
    /// Where to post events: `https://…`, or `http://` to 127.0.0.0/8, `[::1]` or `localhost`.
    #[schema(max_length = 2000)]
    pub url: String,
    /// The kinds of resource to send (see `GET /api/v1/changes`); absent or empty: all.
    #[serde(default)]
    #[schema(max_items = 15)]
    pub types: Vec<String>,
}

/// A change of a subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct WebhookPatch {
    /// A new URL (same rules as at creation).
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    /// New kinds of resource (empty: all).
    #[schema(max_items = 15)]
    pub types: Option<Vec<String>>,
    /// Pause (false) or resume (true).
    pub active: Option<bool>,
}

/// One delivery of an event to a subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 77, "webhook_id": 3, "event_id": 4711, "state": "delivered", "attempts": 1,
    "next_attempt_at": "2026-03-01T09:00:01+08:00", "retry_until": "2026-03-02T09:00:01+08:00",
    "last_status": 200, "last_error": null, "created_at": "2026-03-01T09:00:01+08:00",
    "delivered_at": "2026-03-01T09:00:02+08:00"
}))]
pub struct Delivery {
    /// Id.
    pub id: i64,
    /// The subscription.
    pub webhook_id: i64,
    /// The change's trail event id (`webhook-id` is `evt_<event_id>`).
    pub event_id: i64,
    /// `pending` (waiting for an attempt), `delivered` or `failed` (retried for a day).
    pub state: String,
    /// Attempts so far.
    pub attempts: i32,
    /// When the next attempt is due (pending).
    pub next_attempt_at: DateTime<FixedOffset>,
    /// Retried until then.
    pub retry_until: DateTime<FixedOffset>,
    /// The last attempt's HTTP status.
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<FixedOffset>,
    /// Delivered at.
    pub delivered_at: Option<DateTime<FixedOffset>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(d: DeliveryRow) -> Self {
        Delivery {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            state: d.state,
            attempts: d.attempts,
            next_attempt_at: to_cst(d.next_attempt_at),
            retry_until: to_cst(d.retry_until),
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: to_cst(d.created_at),
            delivered_at: d.delivered_at.map(to_cst),
        }
    }
}

/// Checks a target URL: `https`, or `http` to a loopback host; no credentials in it.
pub fn check_url(field: &str, text: &str) -> Result<String, ApiError> {
    let bad = |why: &str| ApiError::invalid_field(field, "webhook_url", why.to_owned());
    if text.chars().count() > 2000 {
        return Err(bad("at most 2000 characters"));
    }
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Err(bad(
            "a URL of visible ASCII characters (percent-encode the rest)",
        ));
    }
    let url = url::Url::parse(text).map_err(|_| bad("not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials do not belong in the URL"));
    }
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => Ok(url.to_string()),
        ("http", Some(host)) if crate::webhooks::is_loopback(&host) => Ok(url.to_string()),
        _ => Err(bad(
            "only https URLs, or http to a loopback address (127.0.0.0/8, ::1, localhost)",
        )),
    }
}

/// The most kinds a subscription names (the `maxItems` of `types`): each kind of the feed once.
const MAX_TYPES: usize = 15;
const _: () = assert!(crate::store::changes::RESOURCES.len() == MAX_TYPES);

fn check_types(principal: &crate::auth::Principal, types: &[String]) -> Result<String, ApiError> {
    let known = crate::store::changes::RESOURCES;
    if types.len() > MAX_TYPES || types.iter().any(|t| !known.contains(&t.as_str())) {
        return Err(ApiError::invalid_field(
            "types",
            "webhook_types",
            "at most 15 kinds of resource, each one of those of GET /api/v1/changes",
        ));
    }
    let joined = types.join(",");
    resolve_types(principal, Some(&joined))?;
    Ok(joined)
}

/// A fresh signing secret: `whsec_` and 24 random bytes in base64.
fn new_secret() -> String {
    use rand_core::RngCore;
    let mut bytes = [0u8; 24];
    rand_core::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

#[utoipa::path(
    tag = "webhooks",
    params(PageQuery),
    responses(
        (status = 200, description = "Subscriptions of the caller's subtree", body = Page<Webhook>),
        e::List, e::Forbidden,
    ),
)]
#[get("/webhooks")]
/// List the webhook subscriptions of the caller's subtree (admin, integration).
pub async fn list_webhooks(
    state: web::Data<AppState>,
    principal: Authorized<op::ListWebhooks>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("webhooks")?;
    let root = principal.unit_id;
    let rows = store::run(&state.pool, move |c| store::webhooks::list(c, root, &page)).await?;
    Ok(HttpResponse::Ok().json(rows.try_map(|r| Ok(Webhook::from(r)))?))
}

#[utoipa::path(
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Created, with its secret (shown once)", body = CreatedWebhook,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The subscription"))),
        e::Create,
    ),
)]
#[post("/webhooks")]
/// Subscribe a URL to the change feed (admin, integration): events from now on, those the
/// caller may read, masked as it reads them, signed with the secret answered here.
pub async fn create_webhook(
    state: web::Data<AppState>,
    principal: Authorized<op::CreateWebhook>,
    body: Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let url = check_url("url", &body.url)?;
    let types = check_types(&principal, &body.types)?;
    let owner = principal.account_id.ok_or_else(|| {
        ApiError::forbidden(
            "only an account of this service subscribes",
            "只有本服务的账号可以订阅",
        )
    })?;
    let secret = new_secret();
    let actor = state.actor(&principal);
    let unit = principal.unit_id;
    let stored_secret = secret.clone();
    let row = store::run(&state.pool, move |c| {
        let start = store::webhooks::feed_end(c)?;
        store::webhooks::create(c, &actor, owner, unit, &url, &types, &stored_secret, start)
    })
    .await?;
    let created = CreatedWebhook {
        webhook: row.into(),
        secret,
    };
    let location = format!("/api/v1/webhooks/{}", created.webhook.id);
    Ok(etag::created(&created, &location, false))
}

endpoint! {
    /// Change a subscription of the caller's subtree: URL, kinds, paused or not (admin,
    /// integration).
    update update_webhook("/webhooks/{id}", UpdateWebhook, WebhookPatch) -> Webhook,
        tag = "webhooks", id = "Subscription id", ok = "The changed subscription";
    |state, principal, id, if_match, body| {
        let check_url = |u: &str| check_url("url", u);
        let values = WebhookValues {
            url: body.url.as_deref().map(check_url).transpose()?,
            types: body.types.as_deref().map(|t| check_types(&principal, t)).transpose()?,
            active: body.active,
        };
        let (actor, root) = (state.actor(&principal), principal.unit_id);
        let update =
            move |c: &mut _| store::webhooks::update(c, &actor, root, id, &if_match, &values);
        endpoint::one(&state, update, |r| Ok(Webhook::from(r))).await
    }
}

#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted, with its deliveries"),
        e::Read, e::Forbidden,
    ),
)]
#[delete("/webhooks/{id}")]
/// Delete a subscription of the caller's subtree (admin, integration).
pub async fn delete_webhook(
    state: web::Data<AppState>,
    principal: Authorized<op::DeleteWebhook>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (id, root, actor) = (id.into_inner(), principal.unit_id, state.actor(&principal));
    store::run(&state.pool, move |c| {
        store::webhooks::delete(c, &actor, root, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Subscription id"), PageQuery),
    responses(
        (status = 200, description = "Its deliveries, newest first", body = Page<Delivery>),
        e::Read, e::Forbidden,
    ),
)]
#[get("/webhooks/{id}/deliveries")]
/// The delivery log of a subscription (admin, integration).
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    principal: Authorized<op::ListWebhookDeliveries>,
    id: web::Path<i64>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("webhook_deliveries")?;
    let (id, root) = (id.into_inner(), principal.unit_id);
    let rows = store::run(&state.pool, move |c| {
        store::webhooks::deliveries(c, root, id, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.try_map(|d| Ok(Delivery::from(d)))?))
}

#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = i64, Path, description = "Subscription id"),
        ("delivery_id" = i64, Path, description = "Delivery id"),
    ),
    responses(
        (status = 202, description = "Queued again: sent at the worker's next round, retried for a day", body = Delivery),
        e::Read, e::Forbidden,
    ),
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
/// Send a delivery again, whatever its state (admin, integration).
pub async fn redeliver_webhook_delivery(
    state: web::Data<AppState>,
    principal: Authorized<op::RedeliverWebhookDelivery>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    let root = principal.unit_id;
    let now = crate::webhooks::stored(state.clock.now().naive_utc());
    let until = now + crate::webhooks::retry_for();
    let row = store::run(&state.pool, move |c| {
        store::webhooks::redeliver(c, root, id, delivery, now, until)
    })
    .await?;
    Ok(HttpResponse::Accepted().json(Delivery::from(row)))
}

/// The routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_webhook_deliveries)
        .service(redeliver_webhook_delivery);
}
