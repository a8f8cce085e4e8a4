//! The change feed `GET /api/v1/changes`: every change of the API's resources, in the order to
//! apply them, each with the resource as a read shows it to the caller (see
//! [`store::changes`](crate::store::changes) for the order that never misses an event).

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, FixedOffset};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::errors as e;
use crate::api::AppState;
use crate::api::{
    activities, aid, calendar, consultations, duty, follow_ups, inspections, monthly_reports,
    recognitions, staff, units, users,
};
use crate::auth::principal::{op, Authorized};
use crate::auth::Principal;
use crate::domain::access;
use crate::error::ApiError;
use crate::paging::Cursor;
use crate::store;
use crate::store::changes::{ChangeRow, Position, RESOURCES};
use crate::time::to_cst;

/// The name under which the feed's cursors are signed.
const LIST: &str = "changes";
/// Events per page unless `limit` says otherwise.
const DEFAULT_LIMIT: i64 = 100;
/// Most events per page.
use crate::paging::MAX_LIMIT;

/// Where to read the feed from.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// The `next` of the previous page (or the `cursor` of the last event applied), unchanged;
    /// omit it (or send it empty) to start at the beginning. An altered cursor is a 400.
    #[param(pattern = "^[A-Za-z0-9_-]{0,512}$")]
    pub after: Option<String>,
    /// Only these kinds of resource, comma-separated: `consultation`, `aid_application`,
    /// `aid_verification`, `aid_work_entry`, `follow_up`, `unit`, `unit_target`, `staff`, `duty_shift`, `user`,
    /// `calendar_day`, `activity`, `monthly_report`, `inspection`, `recognition` (default: all
    /// the caller's role may read). An unknown kind is a 400.
    #[param(max_length = 300)]
    pub types: Option<String>,
    /// Events per page, 1 to 200 (default 100).
    #[param(minimum = 1, maximum = 200, example = 100)]
    pub limit: Option<i64>,
}

/// One change of a resource.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 4711, "cursor": "eyJyYW5rIjo5MDEsImlkIjo0NzExfQ.5c0ffee1", "type": "consultation",
    "resource_id": 31, "unit_id": 4, "action": "create", "occurred_at": "2026-03-01T09:00:00+08:00",
    "actor": "clerk", "actor_id": 7, "role": "unit_staff",
    "data": {"id": 31, "unit_id": 4, "person": {"name": "张**"}, "version": 1}
}))]
pub struct Change {
    /// The audit trail's event id of the change.
    pub id: i64,
    /// Resume after this change: pass it as `after`.
    pub cursor: String,
    /// The kind of resource.
    #[serde(rename = "type")]
    pub resource: String,
    /// The resource's id.
    pub resource_id: Option<i64>,
    /// The unit it belongs to.
    pub unit_id: Option<i64>,
    /// What was done: `create`, `update`, `delete`, or a workflow step (`accept`, …).
    pub action: String,
    /// When.
    pub occurred_at: DateTime<FixedOffset>,
    /// Who acted.
    pub actor: String,
    /// The account that acted (absent for the system).
    pub actor_id: Option<i64>,
    /// In which role.
    pub role: Option<String>,
    /// The resource after the change, as its own read shows it to the caller (masked as that
    /// read masks it): a `Consultation`, `AidApplication`, `HardshipVerification`, `WorkEntry`
    /// (an entry of a case's work log), `FollowUp`,
    /// `Unit`, `UnitTarget`, `Staff`, `DutyShift`, `User`, `CalendarDay`, `Activity`,
    /// `MonthlyReport`, `Inspection` or `Recognition`. Absent for a deletion.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangePage {
    /// The changes, in the order to apply them.
    pub items: Vec<Change>,
    /// Where to resume: pass it as `after` next time (also when `items` is empty).
    pub next: String,
}

/// The list operation whose roles may read each kind of resource in the feed.
fn read_by(resource: &str) -> &'static str {
    match resource {
        "consultation" => "list_consultations",
        "aid_application" => "list_aid_applications",
        "aid_verification" => "list_hardship_verifications",
        "aid_work_entry" => "list_aid_work_entries",
        "follow_up" => "list_follow_ups",
        "unit" => "list_units",
        "unit_target" => "list_unit_targets",
        "staff" => "list_staff",
        "duty_shift" => "list_duty_shifts",
        "user" => "list_users",
        "activity" => "list_activities",
        "monthly_report" => "list_monthly_reports",
        "inspection" => "list_inspections",
        "recognition" => "list_recognitions",
        _ => "get_calendar",
    }
}

/// The kinds named in `types` (all when none) that `principal`'s role may read; an unknown kind
/// is a 400.
pub fn resolve_types(
    principal: &Principal,
    types: Option<&str>,
) -> Result<Vec<&'static str>, ApiError> {
    let wanted: Vec<&'static str> = match types.map(str::trim).filter(|t| !t.is_empty()) {
        None => RESOURCES.to_vec(),
        Some(list) => list
            .split(',')
            .map(|t| {
                let t = t.trim();
                RESOURCES.iter().copied().find(|r| *r == t).ok_or_else(|| {
                    ApiError::bad_request(
                        format!(
                            "types: unknown kind of resource; known are {}",
                            RESOURCES.join(", ")
                        ),
                        format!("types：未知的资源类型；可用的有 {}", RESOURCES.join(", ")),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(wanted
        .into_iter()
        .filter(|r| {
            access::rule(read_by(r), None).is_some_and(|rule| rule.roles.contains(&principal.role))
        })
        .collect())
}

/// Decodes a feed cursor.
pub fn decode_after(after: Option<&str>) -> Result<Position, ApiError> {
    match after.filter(|a| !a.is_empty()) {
        None => Ok(Position::default()),
        Some(text) => {
            let c = Cursor::decode(text, LIST)?;
            Ok(Position {
                txid: c.rank.unwrap_or(0),
                id: c.id,
            })
        }
    }
}

/// Encodes a feed position.
pub fn encode_position(p: Position) -> String {
    Cursor {
        at: None,
        rank: Some(p.txid),
        id: p.id,
    }
    .encode(LIST)
}

/// Reads up to `limit` changes after `after` of the kinds `types`, in `principal`'s scope, each
/// with its resource as `principal` reads it.
pub async fn read(
    state: &AppState,
    principal: &Principal,
    types: Vec<&'static str>,
    after: Position,
    limit: i64,
) -> Result<ChangePage, ApiError> {
    let root = principal.unit_id;
    let rows = if types.is_empty() {
        Vec::new()
    } else {
        store::run(&state.pool, move |c| {
            store::changes::list(c, root, &types, after, limit)
        })
        .await?
    };
    let next = encode_position(rows.last().map_or(after, ChangeRow::position));
    let data = views(state, principal, &rows).await?;
    let items = rows
        .into_iter()
        .zip(data)
        .map(|(row, data)| Change {
            id: row.id,
            cursor: encode_position(row.position()),
            resource: row.resource,
            resource_id: row.entity_id,
            unit_id: row.unit_id,
            action: row.action,
            occurred_at: to_cst(row.occurred_at),
            actor: row.actor,
            actor_id: row.actor_id,
            role: row.role,
            data,
        })
        .collect();
    Ok(ChangePage { items, next })
}

/// The snapshots of one kind, parsed as their stored rows, with their places in the page.
fn parsed<T: DeserializeOwned>(rows: &[ChangeRow], resource: &str) -> (Vec<usize>, Vec<T>) {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.resource == resource)
        .filter_map(|(i, r)| {
            let parsed = r.data.as_deref().map(serde_json::from_str::<T>).transpose();
            match parsed {
                Ok(row) => row.map(|row| (i, row)),
                Err(err) => {
                    log::warn!(
                        "the change snapshot of event {} does not parse ({:?})",
                        r.id,
                        err.classify()
                    );
                    None
                }
            }
        })
        .unzip()
}

/// The views of the snapshots of a page, in its order (none for deletions).
async fn views(
    state: &AppState,
    principal: &Principal,
    rows: &[ChangeRow],
) -> Result<Vec<Option<Value>>, ApiError> {
    let mut out: Vec<Option<Value>> = vec![None; rows.len()];
    let mut put = |at: Vec<usize>, views: Vec<Value>| {
        for (i, v) in at.into_iter().zip(views) {
            out[i] = Some(v);
        }
    };
    fn all<T: Serialize>(views: Vec<T>) -> Result<Vec<Value>, ApiError> {
        views
            .into_iter()
            .map(|v| serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string())))
            .collect()
    }

    let (at, list) = parsed::<store::consultations::ConsultationRow>(rows, "consultation");
    let list = list
        .into_iter()
        .map(|r| consultations::Consultation::view(r, principal, None))
        .collect::<Result<Vec<_>, _>>()?;
    put(at, all(list)?);

    let (at, list) = parsed::<store::aid::Application>(rows, "aid_application");
    if !list.is_empty() {
        put(at, all(aid::views(state, principal, list).await?)?);
    }
    let (at, list) = parsed::<store::aid::VerificationRow>(rows, "aid_verification");
    put(
        at,
        all(list
            .into_iter()
            .map(aid::HardshipVerification::from)
            .collect())?,
    );

    let (at, list) = parsed::<store::aid::WorkEntryRow>(rows, "aid_work_entry");
    put(
        at,
        all(list.into_iter().map(aid::WorkEntry::from).collect())?,
    );

    let (at, list) = parsed::<store::follow_ups::FollowUpRow>(rows, "follow_up");
    if !list.is_empty() {
        put(
            at,
            all(follow_ups::views_of(state, principal, list, false).await?)?,
        );
    }

    let (at, list) = parsed::<store::units::UnitRow>(rows, "unit");
    let list = list
        .into_iter()
        .map(units::Unit::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    put(at, all(list)?);
    let (at, list) = parsed::<store::targets::TargetRow>(rows, "unit_target");
    put(
        at,
        all(list.into_iter().map(units::UnitTarget::from).collect())?,
    );

    let (at, list) = parsed::<store::staff::StaffRow>(rows, "staff");
    put(
        at,
        all(list
            .into_iter()
            .map(|r| staff::Staff::view(r, principal))
            .collect())?,
    );
    let (at, list) = parsed::<store::duty::Shift>(rows, "duty_shift");
    put(
        at,
        all(list.into_iter().map(duty::DutyShift::from).collect())?,
    );
    let (at, list) = parsed::<store::users::UserRow>(rows, "user");
    put(at, all(list.into_iter().map(users::User::from).collect())?);
    let (at, list) = parsed::<store::activities::ActivityRow>(rows, "activity");
    let list = list
        .into_iter()
        .map(activities::Activity::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    put(at, all(list)?);
    let (at, list) = parsed::<store::monthly_reports::Report>(rows, "monthly_report");
    let list = list
        .into_iter()
        .map(monthly_reports::MonthlyReport::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    put(at, all(list)?);
    let (at, list) = parsed::<store::calendar::CalendarDayRow>(rows, "calendar_day");
    put(
        at,
        all(list.into_iter().map(calendar::CalendarDay::from).collect())?,
    );
    let today = crate::domain::periods::china_date(state.clock.now());
    let (at, list) = parsed::<store::inspections::Inspection>(rows, "inspection");
    put(
        at,
        all(list
            .into_iter()
            .map(|s| inspections::Inspection::view(s, today))
            .collect())?,
    );
    let (at, list) = parsed::<store::recognitions::RecognitionRow>(rows, "recognition");
    put(
        at,
        all(list
            .into_iter()
            .map(recognitions::Recognition::from)
            .collect())?,
    );
    Ok(out)
}

#[utoipa::path(
    tag = "changes",
    params(ChangeQuery),
    responses(
        (status = 200, description = "The changes after `after` in the caller's subtree, in the order to apply them", body = ChangePage),
        e::List, e::Forbidden,
    ),
)]
#[get("/changes")]
/// Read the change feed of the caller's subtree (admin, auditor, integration).
///
/// Every create, update, workflow step and deletion of consultations, aid applications (and
/// their hardship verifications), follow-ups, units, targets, staff, duty shifts, accounts,
/// calendar days, activities, monthly reports, inspections and recognitions, each with the
/// resource after the change as its own read shows it to the caller. Poll with `after` = the last
/// `next`: no change is ever skipped, even when writes commit out of order (a change appears once
/// every change before it has committed).
pub async fn list_changes(
    state: web::Data<AppState>,
    principal: Authorized<op::ListChanges>,
    query: web::Query<ChangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(crate::paging::bad_limit());
    }
    let types = resolve_types(&principal, q.types.as_deref())?;
    let after = decode_after(q.after.as_deref())?;
    let page = read(&state, &principal, types, after, limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The feed's route.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_changes);
}
