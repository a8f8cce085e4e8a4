//! The referral of a consultation to legal aid: a draft application prefilled from it.

use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::errors as e;
use crate::api::AppState;
use crate::auth::principal::{op, Authorized};
use crate::domain::aid::{AidChannel, HardshipCheck};
use crate::domain::codes::decode_code_list;
use crate::domain::consultation::SpecialGroup;
use crate::error::ApiError;
use crate::{privacy, store};

/// The applicant as far as the consultation knows them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicantDraft {
    /// Name, if the person gave one (masked to the family name for readers who do not see the
    /// consultation in full).
    pub name: Option<String>,
    /// ID number (only for readers who see personal data in full).
    pub id_number: Option<String>,
    /// Phone (only for readers who see personal data in full).
    pub phone: Option<String>,
    /// Special groups.
    pub special_groups: Vec<SpecialGroup>,
    /// Disabled.
    pub disabled: bool,
}

/// A draft application prefilled from a consultation; complete it into a `NewAidApplication`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"unit_id": 4, "consultation_id": 101, "channel": "walk_in",
    "applicant": {"name": "钱某", "id_number": "11010519491231002X", "phone": "13900001111", "special_groups": ["disabled"], "disabled": true},
    "facts": "工伤赔偿无人支付。", "hardship_check": "pledge"}))]
pub struct AidApplicationDraft {
    /// The unit first asked.
    pub unit_id: i64,
    /// The consultation.
    pub consultation_id: i64,
    /// How it arrived.
    pub channel: AidChannel,
    /// The applicant.
    pub applicant: ApplicantDraft,
    /// The facts (the consultation's question).
    pub facts: String,
    /// How hardship is established (a pledge by default).
    pub hardship_check: HardshipCheck,
}

#[utoipa::path(
    tag = "aid",
    params(("id" = i64, Path, description = "Consultation id")),
    responses(
        (status = 200, description = "A draft application prefilled from the consultation, to complete (matter, hardship, any missing applicant data) and submit", body = AidApplicationDraft),
        e::Read, e::Forbidden,
    ),
)]
#[post("/consultations/{id}/refer-to-aid")]
/// Refer a consultation to legal aid: a draft application prefilled from it (applicant, special
/// groups, facts, unit). Nothing is stored until the draft is submitted.
pub async fn refer_to_aid(
    state: web::Data<AppState>,
    principal: Authorized<op::ReferToAid>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let who = crate::api::consultations::reader_of(&principal);
    let row = store::run(&state.pool, move |c| store::consultations::find(c, who, id)).await?;
    let groups: Vec<SpecialGroup> =
        decode_code_list(&row.special_groups).map_err(|e| ApiError::Internal(e.to_string()))?;
    let sight = privacy::sight_of(&principal, row.unit_id);
    let full = sight.is_full();
    let draft = AidApplicationDraft {
        unit_id: row.unit_id,
        consultation_id: row.id,
        channel: AidChannel::WalkIn,
        applicant: ApplicantDraft {
            name: sight.name(row.person_name.clone()),
            id_number: row.id_number.clone().filter(|_| full),
            phone: row.phone.clone().filter(|_| full),
            disabled: groups.contains(&SpecialGroup::Disabled),
            special_groups: groups,
        },
        facts: row.question.clone(),
        hardship_check: HardshipCheck::Pledge,
    };
    Ok(HttpResponse::Ok().json(draft))
}
