//! The audit trail, for admins and auditors of the subtree.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::error::ApiError;
use crate::paging::{Page, PageQuery};
use crate::store;
use crate::store::audit::{AuditFilter, AuditRow, ChainReport};
use crate::time::to_cst;
use crate::validation::query_text;

/// One event of the trail. Personal data in `before`/`after` is masked for every reader, as the
/// masked sight shows a person: names keep the family name, phones are masked, ID numbers keep
/// their first four characters, birth dates are reduced to `birth_year` (and the age in years is
/// left out beside it), a person's address is `"***"`. It is masked when written and masked again
/// when read, so events written under an older policy are shown under the current one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 42, "occurred_at": "2023-03-01T09:00:00+08:00", "actor_id": 1, "actor": "admin",
    "role": "admin", "action": "update", "entity": "unit", "entity_id": 4, "unit_id": 4,
    "request_id": "7d7f5a9e-6a43-4d3e-9a1b-2f0c5f3e8c11",
    "before": {"phone": "035****2001"}, "after": {"phone": "035****2002"},
    "hash": "5f1c…"
}))]
pub struct AuditEvent {
    /// Sequence number in the chain.
    pub id: i64,
    /// When.
    pub occurred_at: DateTime<FixedOffset>,
    /// The account that acted (absent for the system or external tokens).
    pub actor_id: Option<i64>,
    /// Who acted.
    pub actor: String,
    /// In which role.
    pub role: Option<String>,
    /// What was done.
    pub action: String,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: Option<i64>,
    /// The unit the record belongs to.
    pub unit_id: Option<i64>,
    /// The request that did it.
    pub request_id: String,
    /// The record before (masked: see above).
    pub before: Option<serde_json::Value>,
    /// The record after (masked: see above).
    pub after: Option<serde_json::Value>,
    /// This event's link in the hash chain.
    pub hash: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        let parse = |s: Option<String>| {
            s.and_then(|t| serde_json::from_str(&t).ok())
                .map(store::audit::redact)
        };
        AuditEvent {
            id: row.id,
            occurred_at: to_cst(row.occurred_at),
            actor_id: row.actor_id,
            actor: row.actor,
            role: row.role,
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            unit_id: row.unit_id,
            request_id: row.request_id,
            before: parse(row.before_data),
            after: parse(row.after_data),
            hash: row.hash,
        }
    }
}

#[utoipa::path(
    tag = "audit",
    params(AuditFilter, PageQuery),
    responses(
        (status = 200, description = "Events of the caller's subtree, oldest first", body = Page<AuditEvent>),
        e::List, e::Forbidden,
    ),
)]
#[get("/audit-events")]
/// Read the audit trail of the caller's subtree (admin, auditor).
pub async fn list_audit_events(
    state: web::Data<AppState>,
    principal: Authorized<op::ListAuditEvents>,
    filter: web::Query<AuditFilter>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page.resolve("audit_events")?;
    let filter = filter.into_inner();
    query_text("entity", filter.entity.as_deref(), 40)?;
    query_text("actor", filter.actor.as_deref(), 100)?;
    query_text("request_id", filter.request_id.as_deref(), 128)?;
    let root = principal.unit_id;
    let rows = store::run(&state.pool, move |c| {
        store::audit::list(c, root, &filter, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.try_map(|r| Ok(AuditEvent::from(r)))?))
}

#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "The result of recomputing the hash chain", body = ChainReport,
            example = json!({"intact": true, "checked": 120, "first_broken_id": null, "reason": null})),
        e::NoToken, e::Forbidden, e::Unavailable,
    ),
)]
#[get("/audit-events/verify")]
/// Recompute the trail's hash chain and name the first broken link (admins and auditors of the
/// chain's root: the top unit; below it, a 403).
pub async fn verify_audit_events(
    state: web::Data<AppState>,
    reader: Authorized<op::VerifyAuditEvents>,
) -> Result<HttpResponse, ApiError> {
    let unit = reader.unit_id;
    let report = store::run(&state.pool, move |c| {
        // The `Chains` rule of the access table: the chain is rooted at the top unit.
        if !store::units::is_top(c, unit)? {
            return Err(ApiError::Forbidden(
                "the trail's chain is verified by the admins and auditors of its root unit".into(),
            ));
        }
        store::audit::verify(c)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(verify_audit_events).service(list_audit_events);
}
