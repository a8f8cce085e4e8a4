//! Breakdowns of consultations and aid applications of a subtree and a period, by one column.

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::aid::{AidState, MatterCategory};
use crate::domain::codes::CodeTable;
use crate::domain::consultation::{AgeGroup, Channel, Outcome, Site, SpecialGroup, Topic};
use crate::domain::stats::{AidGroupBy, ConsultationGroupBy, Flag, OtherGroup, StepTimeliness};
use crate::error::ApiError;
use crate::store;
use crate::store::stats::{Breakdown, GroupCount};
use crate::time::cst;

use super::{month_label, months, period};

/// A consultation breakdown's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationStatsQuery {
    /// First day (received on or after, China time).
    pub from: NaiveDate,
    /// Last day (received on or before, China time); at most 366 days after `from`.
    pub to: NaiveDate,
    /// The unit whose subtree to count (default: the caller's unit); outside the caller's
    /// subtree: 404.
    pub unit_id: Option<i64>,
    /// How to group.
    #[param(inline)]
    pub group_by: ConsultationGroupBy,
}

/// An aid breakdown's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AidStatsQuery {
    /// First day (received on or after, China time).
    pub from: NaiveDate,
    /// Last day (received on or before, China time); at most 366 days after `from`.
    pub to: NaiveDate,
    /// The unit whose subtree to count (default: the caller's unit); outside the caller's
    /// subtree: 404.
    pub unit_id: Option<i64>,
    /// How to group.
    #[param(inline)]
    pub group_by: AidGroupBy,
}

/// A group: its code and its Chinese label.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupLabel {
    /// The code: a code of the grouping's code table (`GET /dictionaries`), a unit's id, or a
    /// month `YYYY-MM`.
    pub code: String,
    /// The label: the code table's, the unit's name, or `2023年1月`.
    pub label: String,
}

/// One row of a breakdown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BreakdownRow {
    /// The group.
    pub group: GroupLabel,
    /// How many.
    pub count: i64,
}

/// Consultations by one column.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "from": "2023-01-01", "to": "2023-12-31", "unit_id": 3, "group_by": "channel", "total": 3,
    "multi_valued": false,
    "rows": [{"group": {"code": "walk_in", "label": "来访"}, "count": 2},
             {"group": {"code": "phone", "label": "电话"}, "count": 1}]
}))]
pub struct ConsultationBreakdown {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The root of the subtree.
    pub unit_id: i64,
    /// The grouping.
    pub group_by: ConsultationGroupBy,
    /// Consultations counted (each once).
    pub total: i64,
    /// Whether one consultation may count in several rows (topics, special groups): then the
    /// rows add up to more than `total`.
    pub multi_valued: bool,
    /// Every group of the grouping (empty ones with 0), in the code table's order; units in
    /// tree order; months in order.
    pub rows: Vec<BreakdownRow>,
}

/// Aid applications by one column.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "from": "2023-01-01", "to": "2023-12-31", "unit_id": 3, "group_by": "green_channel", "total": 5,
    "as_of": "2023-06-30T10:00:00+08:00",
    "rows": [{"group": {"code": "yes", "label": "是"}, "count": 3},
             {"group": {"code": "no", "label": "否"}, "count": 2}]
}))]
pub struct AidBreakdown {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The root of the subtree: applications received in it or handled by a centre in it.
    pub unit_id: i64,
    /// The grouping.
    pub group_by: AidGroupBy,
    /// Applications counted (the rows add up to it).
    pub total: i64,
    /// The time states and deadlines are read at (now).
    pub as_of: DateTime<FixedOffset>,
    /// Every group of the grouping (empty ones with 0), in the code table's order; units in
    /// tree order, then units outside the subtree whose applications a centre in it handles.
    pub rows: Vec<BreakdownRow>,
}

fn codes<T: CodeTable>() -> Vec<(String, String)> {
    T::ALL
        .iter()
        .map(|t| (t.code().to_owned(), t.label().to_owned()))
        .collect()
}

fn other(g: OtherGroup) -> (String, String) {
    (g.code().to_owned(), g.label().to_owned())
}

/// Lays the counted groups over every group there is (`known`, in order), appending any the
/// database found that `known` lacks.
fn rows(known: Vec<(String, String)>, counted: Vec<GroupCount>) -> Vec<BreakdownRow> {
    let mut found: HashMap<String, i64> = counted.into_iter().map(|g| (g.code, g.n)).collect();
    let mut out: Vec<BreakdownRow> = known
        .into_iter()
        .map(|(code, label)| {
            let count = found.remove(&code).unwrap_or(0);
            BreakdownRow {
                group: GroupLabel { code, label },
                count,
            }
        })
        .collect();
    let mut rest: Vec<(String, i64)> = found.into_iter().collect();
    rest.sort();
    out.extend(rest.into_iter().map(|(code, count)| BreakdownRow {
        group: GroupLabel {
            label: code.clone(),
            code,
        },
        count,
    }));
    out
}

fn month_groups(from: NaiveDate, to: NaiveDate) -> Vec<(String, String)> {
    months(from, to)
        .into_iter()
        .map(|(code, _)| {
            let label = month_label(&code);
            (code, label)
        })
        .collect()
}

/// Reads a consultation breakdown (shared with the export).
pub(crate) async fn consultations(
    state: &web::Data<AppState>,
    scope: i64,
    q: ConsultationStatsQuery,
) -> Result<ConsultationBreakdown, ApiError> {
    use ConsultationGroupBy as G;
    let bounds = period(q.from, q.to)?;
    let root = q.unit_id.unwrap_or(scope);
    let (group, buckets) = (q.group_by, months(q.from, q.to));
    let (units, counted): (Vec<(i64, String, String)>, Breakdown) =
        crate::api::reads::read(&state.pool, move |c| {
            let units = store::stats::subtree_units(c, scope, root)?;
            let counted = store::stats::consultation_breakdown(c, root, bounds, group, &buckets)?;
            Ok((units, counted))
        })
        .await?;
    let known = match group {
        G::Unit => units
            .into_iter()
            .map(|(id, name, _)| (id.to_string(), name))
            .collect(),
        G::Month => month_groups(q.from, q.to),
        G::Topic => {
            let mut k = codes::<Topic>();
            k.push(other(OtherGroup::None));
            k
        }
        G::SpecialGroup => {
            let mut k = codes::<SpecialGroup>();
            k.push(other(OtherGroup::None));
            k
        }
        G::Channel => codes::<Channel>(),
        G::Site => codes::<Site>(),
        G::Outcome => codes::<Outcome>(),
        G::AgeGroup => {
            let mut k = codes::<AgeGroup>();
            k.push(other(OtherGroup::Unknown));
            k
        }
    };
    Ok(ConsultationBreakdown {
        from: q.from,
        to: q.to,
        unit_id: root,
        group_by: group,
        total: counted.total,
        multi_valued: store::stats::join_counts_twice(group),
        rows: rows(known, counted.groups),
    })
}

/// Reads an aid breakdown (shared with the export).
pub(crate) async fn aid(
    state: &web::Data<AppState>,
    scope: i64,
    q: AidStatsQuery,
) -> Result<AidBreakdown, ApiError> {
    use AidGroupBy as G;
    let bounds = period(q.from, q.to)?;
    let root = q.unit_id.unwrap_or(scope);
    let now = state.clock.now();
    let (group, buckets) = (q.group_by, months(q.from, q.to));
    let (units, counted, outside) = crate::api::reads::read(&state.pool, move |c| {
        let units = store::stats::subtree_units(c, scope, root)?;
        let counted =
            store::stats::aid_breakdown(c, root, bounds, group, &buckets, now.naive_utc())?;
        // Applications received outside the subtree but handled by a centre in it.
        let ids: Vec<i64> = if group == G::Unit {
            counted
                .groups
                .iter()
                .filter_map(|g| g.code.parse::<i64>().ok())
                .filter(|id| !units.iter().any(|u| u.0 == *id))
                .collect()
        } else {
            Vec::new()
        };
        let outside = store::stats::unit_names(c, &ids)?;
        Ok((units, counted, outside))
    })
    .await?;
    let known = match group {
        G::Unit => units
            .into_iter()
            .chain(outside)
            .map(|(id, name, _)| (id.to_string(), name))
            .collect(),
        G::Month => month_groups(q.from, q.to),
        G::State => codes::<AidState>(),
        G::Matter => codes::<MatterCategory>(),
        G::GreenChannel | G::Urgent => codes::<Flag>(),
        G::StepTimeliness => codes::<StepTimeliness>(),
    };
    Ok(AidBreakdown {
        from: q.from,
        to: q.to,
        unit_id: root,
        group_by: group,
        total: counted.total,
        as_of: now.with_timezone(&cst()),
        rows: rows(known, counted.groups),
    })
}

#[utoipa::path(
    tag = "stats",
    params(ConsultationStatsQuery),
    responses(
        (status = 200, description = "Consultations of the subtree received in the period, counted by one column in the database", body = ConsultationBreakdown),
        e::Read, e::Forbidden,
    ),
)]
#[get("/stats/consultations")]
/// Consultations by unit, month, topic, channel, site, special group, outcome or age group.
/// Counted by the database over an index; a consultation with several topics or special groups
/// counts under each (`multi_valued`), one with none under `none`; `total` counts each once.
pub async fn get_consultation_stats(
    state: web::Data<AppState>,
    principal: Authorized<op::GetConsultationStats>,
    query: web::Query<ConsultationStatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let out = consultations(&state, principal.unit_id, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(
    tag = "stats",
    params(AidStatsQuery),
    responses(
        (status = 200, description = "Aid applications received in the period, in or handled by a centre in the subtree, counted by one column in the database", body = AidBreakdown),
        e::Read, e::Forbidden,
    ),
)]
#[get("/stats/aid")]
/// Aid applications by receiving unit, month, state, matter, green channel, urgent aid, or the
/// step under way and whether its deadline has passed (as of now). Steps already taken are not
/// counted as on time or late: their dates are kept in the audit trail, not in columns the
/// database can group.
pub async fn get_aid_stats(
    state: web::Data<AppState>,
    principal: Authorized<op::GetAidStats>,
    query: web::Query<AidStatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let out = aid(&state, principal.unit_id, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(out))
}
