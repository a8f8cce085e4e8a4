//! Aid applications for special groups (举措7): the green channel, the statutory workflow with
//! its deadlines, work queues and the timeline.

mod applications;
mod ledger;
mod papers;
mod referral;
mod types;
mod verifications;
mod views;
mod work_log;
mod workflow;

pub use applications::*;
pub use ledger::*;
pub use papers::*;
pub use referral::*;
pub use types::*;
pub use verifications::*;
pub use views::*;
pub use work_log::*;
pub use workflow::*;

use crate::auth::principal::{Authorized, Policy};
use crate::auth::Principal;
use crate::domain::access::{self, Scope};
use crate::domain::roles::Role;
use crate::store::aid::Reader;

/// What a principal reaches of applications under a scope rule of the access table. A rule
/// that does not apply to applications reaches nothing (fail closed).
pub fn reader_for(p: &Principal, scope: Scope) -> Reader {
    match (scope, p.role) {
        (Scope::CentreBureau, _) => Reader::CentreBureau(p.unit_id),
        (Scope::AidCases, Role::Provider) => Reader::Assigned(p.staff_id),
        (Scope::AidCases | Scope::Subtree, _) => Reader::Cases(p.unit_id),
        _ => Reader::Assigned(None),
    }
}

/// What the caller of operation `P` reaches of applications: the scope of `P`'s row.
pub fn reader_of<P: Policy>(p: &Authorized<P>) -> Reader {
    let scope = access::rule(P::ID, None).map_or(Scope::Public, |r| r.scope);
    reader_for(p, scope)
}

/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_aid_application)
        .service(list_aid_applications)
        .service(get_aid_queue)
        .service(export_aid_applications)
        .service(get_aid_application)
        .service(correct_aid_application)
        .service(get_aid_events)
        .service(set_green_channel)
        .service(create_hardship_verification)
        .service(list_hardship_verifications)
        .service(list_aid_papers)
        .service(get_printable_aid_paper)
        .service(list_aid_work_entries)
        .service(create_aid_work_entry)
        .service(list_aid_subsidy_rates)
        .service(put_aid_subsidy_rate)
        .service(act_on_aid_application)
        .service(refer_to_aid);
}
