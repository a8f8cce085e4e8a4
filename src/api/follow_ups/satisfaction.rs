//! The satisfaction report: per unit and period, against each unit's target.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::follow_up::{satisfaction_rate, FollowUpStatus};
use crate::domain::targets::SatisfactionPermille;
use crate::error::ApiError;
use crate::store;

/// The satisfaction report's query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SatisfactionQuery {
    /// First day (follow-ups completed, China time).
    pub from: NaiveDate,
    /// Last day; at most 366 days after `from`.
    pub to: NaiveDate,
    /// The unit whose subtree to report (default: the caller's unit).
    pub unit_id: Option<i64>,
}

/// One unit's satisfaction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitSatisfaction {
    /// Unit id.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// People reached who answered.
    pub reached: i64,
    /// Of those, very satisfied, satisfied or basically satisfied.
    pub satisfied: i64,
    /// Of those, unsatisfied.
    pub unsatisfied: i64,
    /// People not reached after three attempts (not in the rate).
    pub unreachable: i64,
    /// satisfied ÷ reached, in percent to one decimal; absent when nobody was reached.
    pub rate_percent: Option<f64>,
    /// The unit's satisfaction target for the year of `from`.
    pub target_percent: Option<f64>,
    /// Whether the rate reaches the target.
    pub meets_target: Option<bool>,
}

/// The satisfaction report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"from": "2023-01-01", "to": "2023-12-31", "units": [{"unit_id": 4, "name": "龙港镇司法所",
    "reached": 20, "satisfied": 19, "unsatisfied": 1, "unreachable": 3, "rate_percent": 95.0, "target_percent": 95.0, "meets_target": true}]}))]
pub struct SatisfactionReport {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Units of the subtree with follow-ups or a target, by id.
    pub units: Vec<UnitSatisfaction>,
}

#[utoipa::path(
    tag = "follow-ups",
    params(SatisfactionQuery),
    responses(
        (status = 200, description = "The satisfaction rate per unit: answers of very satisfied, satisfied and basically satisfied over the people reached who answered; people not reached are not counted", body = SatisfactionReport),
        e::Read, e::Forbidden,
    ),
)]
#[get("/follow-ups/satisfaction")]
/// Satisfaction per unit and period against each unit's target. The rate is the share of people
/// reached who answered very satisfied, satisfied or basically satisfied; the unreachable are
/// reported but not in the denominator. Every role but providers.
pub async fn get_satisfaction(
    state: web::Data<AppState>,
    principal: Authorized<op::GetSatisfaction>,
    query: web::Query<SatisfactionQuery>,
) -> Result<HttpResponse, ApiError> {
    use chrono::Datelike;
    let q = query.into_inner();
    let (from, to) = crate::api::stats::period(q.from, q.to)?;
    let scope = principal.unit_id;
    let root = q.unit_id.unwrap_or(scope);
    let year = q.from.year();
    let (units, counts) = store::run(&state.pool, move |c| {
        store::units::find(c, scope, root)?;
        Ok((
            store::follow_ups::units_with_targets(c, root, year)?,
            store::follow_ups::satisfaction_counts(c, root, from, to)?,
        ))
    })
    .await?;
    let mut out = Vec::new();
    for (unit_id, name, target) in units {
        let mut s = UnitSatisfaction {
            unit_id,
            name,
            reached: 0,
            satisfied: 0,
            unsatisfied: 0,
            unreachable: 0,
            rate_percent: None,
            target_percent: target.map(|t| SatisfactionPermille::from_stored(t).percent()),
            meets_target: None,
        };
        for (_, status, satisfaction, n) in counts.iter().filter(|c| c.0 == unit_id) {
            match (status, satisfaction) {
                (FollowUpStatus::Done, Some(answer)) => {
                    s.reached += n;
                    if answer.counts_as_satisfied() {
                        s.satisfied += n;
                    } else {
                        s.unsatisfied += n;
                    }
                }
                (FollowUpStatus::Unreachable, _) => s.unreachable += n,
                _ => {}
            }
        }
        if s.reached == 0 && s.unreachable == 0 && s.target_percent.is_none() {
            continue;
        }
        s.rate_percent = satisfaction_rate(s.satisfied, s.reached);
        s.meets_target = match (s.rate_percent, s.target_percent) {
            (Some(rate), Some(target)) => Some(rate >= target),
            _ => None,
        };
        out.push(s);
    }
    Ok(HttpResponse::Ok().json(SatisfactionReport {
        from: q.from,
        to: q.to,
        units: out,
    }))
}
