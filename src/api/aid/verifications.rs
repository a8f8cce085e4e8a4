//! The later verification of hardship pledges (Shanxi 告知承诺制).

use actix_web::{get, post, HttpResponse};

use super::reader_of;
use super::types::VerificationInput;
use super::views::{HardshipVerification, HardshipVerifications};
use crate::api::endpoint::endpoint;
use crate::store;

endpoint! {
    /// Record the later verification of a hardship pledge (Shanxi 告知承诺制): by letter or phone,
    /// the data platform or a home visit (aid officers, admins).
    add create_hardship_verification(
        "/aid-applications/{id}/hardship-verifications", CreateHardshipVerification,
        VerificationInput
    ) -> HardshipVerification,
        tag = "aid", id = "Application id", ok = "Recorded (audited)", also = [NotFound, Conflict];
    |state, principal, id, body| {
        let actor = state.actor(&principal);
        let who = reader_of(&principal);
        let input = store::aid::VerificationInput::from(&*body);
        let row = store::run(&state.pool, move |c| {
            store::aid::verify_hardship(c, &actor, who, id, &input)
        })
        .await?;
        Ok(HttpResponse::Created().json(HardshipVerification::from(row)))
    }
}

endpoint! {
    /// The verifications of an application's hardship pledge.
    read list_hardship_verifications(
        "/aid-applications/{id}/hardship-verifications", ListHardshipVerifications
    ) -> HardshipVerifications,
        tag = "aid", id = "Application id", ok = "The verifications, oldest first";
    |state, principal, id| {
        let who = reader_of(&principal);
        let rows = store::run(&state.pool, move |c| store::aid::verifications(c, who, id)).await?;
        let items = rows.into_iter().map(HardshipVerification::from).collect();
        Ok(HttpResponse::Ok().json(HardshipVerifications { items }))
    }
}
