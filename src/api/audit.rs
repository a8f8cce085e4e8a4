//! The audit trail, for admins and auditors of the subtree.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::endpoint::endpoint;
use crate::api::errors as e;
use crate::api::json::Json;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::error::ApiError;
use crate::paging::Page;
use crate::store;
use crate::store::audit::{AuditFilter, AuditRow, ChainReport, Checkpoint, VerifyScope};
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
    "request_id": "7d7f5a9e-6a43-4d3e-9a1b-2f0c5f3e8c11", "caller_request_id": "portal-20230301-0042",
    "before": {"phone": "035****2001"}, "after": {"phone": "035****2002"},
    "chain_id": 1, "chain_seq": 40, "key_id": "3f2a9c0d41b7e685", "hash": "5f1c…"
}))]
pub struct AuditEvent {
    /// The event's id (unique across chains; rises with time).
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
    /// The request that did it: the server's own id, which the caller cannot choose.
    pub request_id: String,
    /// The `X-Request-Id` the caller sent, if any (as given).
    pub caller_request_id: Option<String>,
    /// The record before (masked: see above).
    pub before: Option<serde_json::Value>,
    /// The record after (masked: see above).
    pub after: Option<serde_json::Value>,
    /// The chain: the id of its root unit (0: the service's own chain).
    pub chain_id: i64,
    /// The event's sequence number in its chain.
    pub chain_seq: i64,
    /// The audit key that bound it (a fingerprint; `legacy` for events older than the keys).
    pub key_id: String,
    /// This event's link in its chain: the keyed MAC over the previous link and every field.
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
            caller_request_id: row.caller_request_id,
            before: parse(row.before_data),
            after: parse(row.after_data),
            chain_id: row.chain_id,
            chain_seq: row.chain_seq,
            key_id: row.key_id,
            hash: row.hash,
        }
    }
}

endpoint! {
    /// Read the audit trail of the caller's subtree (admin, auditor).
    list list_audit_events("/audit-events", ListAuditEvents, AuditFilter) -> AuditEvent,
        tag = "audit", ok = "Events of the caller's subtree, oldest first", also = [Forbidden];
    |state, principal, filter, page| {
        let page = page.resolve("audit_events")?;
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
}

const VERIFY_EXAMPLE: &str = r#"{"intact": false, "checked": 212, "first_broken_id": null,
 "reason": "chain 1: events 181 to 183 are missing: the checkpoint names event 183, the chain ends at event 180",
 "checkpoint_taken_at": "2023-03-01T01:00:00.000000Z",
 "chains": [{"chain_id": 1, "intact": false, "checked": 180, "last_seq": 180, "first_broken_seq": 181,
   "first_broken_id": null, "reason": "events 181 to 183 are missing: the checkpoint names event 183, the chain ends at event 180",
   "missing": {"from": 181, "to": 183}}]}"#;

fn verify_example() -> serde_json::Value {
    serde_json::from_str(VERIFY_EXAMPLE).unwrap_or_default()
}

#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "The result of recomputing each chain rooted in the caller's subtree", body = ChainReport,
            example = json!({"intact": true, "checked": 120, "first_broken_id": null, "reason": null, "checkpoint_taken_at": null,
                "chains": [{"chain_id": 1, "intact": true, "checked": 120, "last_seq": 120, "first_broken_seq": null,
                    "first_broken_id": null, "reason": null, "missing": null}]})),
        e::NoToken, e::Forbidden, e::Unavailable,
    ),
)]
#[get("/audit-events/verify")]
/// Recompute the trail's chains rooted in the caller's subtree and name the first broken event
/// of each (admin, auditor of a county bureau or above: a subtree that roots no chain is a 403).
pub async fn verify_audit_events(
    state: web::Data<AppState>,
    reader: Authorized<op::VerifyAuditEvents>,
) -> Result<HttpResponse, ApiError> {
    let (keys, root) = (state.audit_keys.clone(), reader.unit_id);
    let report = store::run(&state.pool, move |c| {
        store::audit::verify::verify(c, &keys, VerifyScope::Subtree(root), None)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(
    tag = "audit",
    request_body(content = Checkpoint, description = "A checkpoint printed by `huimin audit checkpoint`, as it was printed"),
    responses(
        (status = 200, description = "The result of recomputing each chain rooted in the caller's subtree and comparing it with the checkpoint: a chain that no longer reaches the checkpoint's event names the missing events", body = ChainReport,
            example = json!(verify_example())),
        e::Create,
    ),
)]
#[post("/audit-events/verify")]
/// Verify the trail against a checkpoint kept outside the database (admin, auditor of a county
/// bureau or above). Only chains rooted in the caller's subtree are compared; a checkpoint whose
/// signature does not hold is a 422.
pub async fn verify_audit_events_against_checkpoint(
    state: web::Data<AppState>,
    reader: Authorized<op::VerifyAuditEventsAgainstCheckpoint>,
    checkpoint: Json<Checkpoint>,
) -> Result<HttpResponse, ApiError> {
    let (keys, root, checkpoint) = (
        state.audit_keys.clone(),
        reader.unit_id,
        checkpoint.into_inner(),
    );
    let report = store::run(&state.pool, move |c| {
        store::audit::verify::verify(c, &keys, VerifyScope::Subtree(root), Some(&checkpoint))
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(verify_audit_events)
        .service(verify_audit_events_against_checkpoint)
        .service(list_audit_events);
}
