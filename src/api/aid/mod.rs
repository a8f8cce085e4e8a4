//! Aid applications for special groups (举措7): the green channel, the statutory workflow with
//! its deadlines, work queues and the timeline.

mod applications;
mod referral;
mod types;
mod verifications;
mod views;
mod workflow;

pub use applications::*;
pub use referral::*;
pub use types::*;
pub use verifications::*;
pub use views::*;
pub use workflow::*;

use crate::auth::Principal;
use crate::domain::roles::Role;
use crate::store::aid::Reader;

/// What a principal may read of applications.
pub fn reader_of(p: &Principal) -> Reader {
    Reader {
        root: p.unit_id,
        provider_account: (p.role == Role::Provider).then(|| p.account_id.unwrap_or(-1)),
    }
}
/// Registers the routes of this module.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_aid_application)
        .service(list_aid_applications)
        .service(get_aid_queue)
        .service(get_aid_application)
        .service(get_aid_events)
        .service(set_green_channel)
        .service(create_hardship_verification)
        .service(list_hardship_verifications)
        .service(act_on_aid_application)
        .service(refer_to_aid);
}
