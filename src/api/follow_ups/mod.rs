//! Follow-up visits (追踪回访) and the satisfaction figures they feed (target: 95% or more).

mod handlers;
mod planning;
mod satisfaction;
mod types;
mod views;

pub use handlers::{
    get_due_follow_ups, get_follow_up, list_follow_ups, record_follow_up_attempt, update_follow_up,
};
pub use planning::{plan_follow_ups, PlanResult};
pub use satisfaction::{get_satisfaction, SatisfactionQuery, SatisfactionReport, UnitSatisfaction};
pub use types::{AttemptInput, DueQuery, FollowUpPatch, PlanInput};
pub(crate) use views::views as views_of;
pub use views::{Attempt, FollowUp, FollowUpSummary};

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_follow_ups)
        .service(handlers::get_due_follow_ups)
        .service(satisfaction::get_satisfaction)
        .service(planning::plan_follow_ups)
        .service(handlers::get_follow_up)
        .service(handlers::record_follow_up_attempt)
        .service(handlers::update_follow_up);
}
