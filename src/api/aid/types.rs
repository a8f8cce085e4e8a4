//! What the aid routes are sent: applications, workflow steps, green-channel decisions and
//! verifications; and their conversion into what the store is called with.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::aid::{
    self, AidChannel, ClosingOutcome, HardshipCheck, HardshipGround, MatterCategory, QualityGrade,
    StepInput, TerminationGround, UrgentGround, VerificationMethod, VerificationResult,
};
use crate::domain::codes::encode_code_list;
use crate::domain::consultation::{age_group, SpecialGroup};
use crate::domain::id_card::{age_on, IdCardNumber};
use crate::domain::phone::PhoneNumber;
use crate::error::ApiError;
use crate::store;
use crate::store::aid::{AidRow, ApplicantRow};
use crate::time::cst;
use crate::validation;

/// The applicant as entered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// Name.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub name: String,
    /// Resident ID number (checked; gives birth date, age and sex).
    #[schema(min_length = 18, max_length = 18, pattern = "id_number")]
    pub id_number: String,
    /// Phone.
    #[schema(min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub phone: Option<String>,
    /// Address.
    #[schema(min_length = 1, max_length = 200, pattern = "line")]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub address: Option<String>,
    /// Special groups.
    #[serde(default)]
    #[schema(max_items = 8)]
    #[validate(length(max = 8))]
    pub special_groups: Vec<SpecialGroup>,
    /// Whether the applicant has a disability.
    #[serde(default)]
    pub disabled: bool,
    /// Guardian or agent, for a minor or a person without capacity.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub guardian_name: Option<String>,
    /// The guardian's relation to the applicant.
    #[schema(min_length = 1, max_length = 20, pattern = "line")]
    #[validate(length(min = 1, max = 20), custom(function = validation::line))]
    pub guardian_relation: Option<String>,
    /// The guardian's phone.
    #[schema(min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub guardian_phone: Option<String>,
}

/// A new application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit_id": 4, "channel": "township_on_behalf", "received_at": "2023-03-07T10:00:00+08:00",
    "applicant": {"name": "李某", "id_number": "11010519491231002X", "phone": "13812345678",
        "address": "沁水县龙港镇东关村", "special_groups": [], "disabled": false},
    "matter_category": "support_payments", "case_type": "赡养纠纷", "opposing_party": "李某某",
    "facts": "子女拒绝支付赡养费。", "hardship_check": "exempt", "hardship_ground": "no_fixed_income",
    "preferred_provider_ids": [], "urgent": false, "safe_contact": false
}))]
pub struct NewAidApplication {
    /// The unit first asked (首问首办), in the caller's subtree; it keeps the applicant's contact.
    pub unit_id: i64,
    /// The consultation it was referred from.
    pub consultation_id: Option<i64>,
    /// When it was received (default: now); not in the future.
    pub received_at: Option<DateTime<FixedOffset>>,
    /// How it arrived.
    pub channel: AidChannel,
    /// The applicant.
    #[validate(nested)]
    pub applicant: ApplicantInput,
    /// The matter.
    pub matter_category: MatterCategory,
    /// The kind of case, in words.
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub case_type: Option<String>,
    /// The opposing party (for the conflict check).
    #[schema(min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub opposing_party: Option<String>,
    /// The facts.
    #[schema(min_length = 1, max_length = 8000, pattern = "text")]
    #[validate(length(min = 1, max = 8000), custom(function = validation::text))]
    pub facts: String,
    /// How hardship is established.
    pub hardship_check: HardshipCheck,
    /// The Art. 42 or Art. 32 ground (required for `exempt` and `not_required`).
    pub hardship_ground: Option<HardshipGround>,
    /// Providers the applicant chose (点援制), at most two.
    #[serde(default)]
    #[schema(max_items = 2)]
    #[validate(length(max = 2))]
    pub preferred_provider_ids: Vec<i64>,
    /// Urgent aid before review (先行提供, Art. 44).
    #[serde(default)]
    pub urgent: bool,
    /// Its ground (required when urgent).
    pub urgent_ground: Option<UrgentGround>,
    /// Domestic violence: contact the applicant only by the safe means recorded
    /// (`safe_contact_means`, required then); follow-ups use it, never the applicant's phone.
    #[serde(default)]
    pub safe_contact: bool,
    /// How to reach the applicant safely (through whom, where), when `safe_contact`.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "line",
        example = "经县妇联王某转达，工作日上午"
    )]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub safe_contact_means: Option<String>,
    /// The phone of that safe channel (not the applicant's own), when `safe_contact`.
    #[schema(min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub safe_contact_phone: Option<String>,
    /// The caller's own reference of the record (e.g. the province's record number), unique
    /// among the applications this account submitted: a repeat is a 422 naming this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "external_ref",
        example = "SX-YZ-2023-0042"
    )]
    #[validate(custom(function = validation::external_ref))]
    pub external_ref: Option<String>,
}

/// Corrections to the applicant: only the fields sent change; `null` clears an optional one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ApplicantCorrection {
    /// Name.
    #[schema(min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub name: Option<String>,
    /// Resident ID number (checked again; birth date, age, sex and the green channel follow).
    #[schema(min_length = 18, max_length = 18, pattern = "id_number")]
    pub id_number: Option<String>,
    /// Phone, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub phone: Option<Option<String>>,
    /// Address, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200, pattern = "line")]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub address: Option<Option<String>>,
    /// Special groups (replaces the list).
    #[schema(max_items = 8)]
    #[validate(length(max = 8))]
    pub special_groups: Option<Vec<SpecialGroup>>,
    /// Whether the applicant has a disability.
    pub disabled: Option<bool>,
    /// Guardian or agent, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 50, pattern = "line")]
    #[validate(length(min = 1, max = 50), custom(function = validation::line))]
    pub guardian_name: Option<Option<String>>,
    /// The guardian's relation, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 20, pattern = "line")]
    #[validate(length(min = 1, max = 20), custom(function = validation::line))]
    pub guardian_relation: Option<Option<String>>,
    /// The guardian's phone, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub guardian_phone: Option<Option<String>>,
}

/// A correction of the intake before the decision: only the fields sent change (`null` clears an
/// optional one), checked as at submission; the green channel and its reasons are recomputed
/// (an officer's decision to put it on the channel is kept). The reason is kept in the trail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reason": "身份证号录入错误，按身份证原件更正",
    "applicant": {"id_number": "140521194905120012"},
    "matter_category": "support_payments"
}))]
pub struct AidCorrection {
    /// Why, kept with the correction in the trail and shown in the timeline.
    #[schema(min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub reason: String,
    /// The applicant's fields to correct.
    #[validate(nested)]
    pub applicant: Option<ApplicantCorrection>,
    /// The matter.
    pub matter_category: Option<MatterCategory>,
    /// The kind of case, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub case_type: Option<Option<String>>,
    /// The opposing party, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "line")]
    #[validate(length(min = 1, max = 100), custom(function = validation::line))]
    pub opposing_party: Option<Option<String>>,
    /// The facts.
    #[schema(min_length = 1, max_length = 8000, pattern = "text")]
    #[validate(length(min = 1, max = 8000), custom(function = validation::text))]
    pub facts: Option<String>,
    /// How hardship is established.
    pub hardship_check: Option<HardshipCheck>,
    /// The Art. 42 or Art. 32 ground, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<HardshipGround>)]
    pub hardship_ground: Option<Option<HardshipGround>>,
    /// Providers the applicant chose (replaces the list), at most two.
    #[schema(max_items = 2)]
    #[validate(length(max = 2))]
    pub preferred_provider_ids: Option<Vec<i64>>,
    /// Urgent aid before review (先行提供, Art. 44).
    pub urgent: Option<bool>,
    /// Its ground, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<UrgentGround>)]
    pub urgent_ground: Option<Option<UrgentGround>>,
    /// Domestic-violence safe contact.
    pub safe_contact: Option<bool>,
    /// How to reach the applicant safely, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200, pattern = "line")]
    #[validate(length(min = 1, max = 200), custom(function = validation::line))]
    pub safe_contact_means: Option<Option<String>>,
    /// The phone of that safe channel, or null.
    #[serde(default, deserialize_with = "validation::double_option")]
    #[schema(value_type = Option<String>, min_length = 7, max_length = 20, pattern = "phone")]
    #[validate(length(min = 7, max = 20))]
    pub safe_contact_phone: Option<Option<String>>,
}

fn set<T: Clone>(target: &mut T, new: &Option<T>) {
    if let Some(v) = new {
        *target = v.clone();
    }
}

impl AidCorrection {
    /// The application as corrected: the stored intake with the fields sent put in.
    pub fn merged(&self, current: &store::aid::Application) -> Result<NewAidApplication, ApiError> {
        let (row, a) = (&current.row, &current.applicant);
        let mut applicant = ApplicantInput {
            name: a.name.clone(),
            id_number: a.id_number.clone(),
            phone: a.phone.clone(),
            address: a.address.clone(),
            special_groups: crate::domain::codes::decode_code_list(&a.special_groups)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            disabled: a.disabled,
            guardian_name: a.guardian_name.clone(),
            guardian_relation: a.guardian_relation.clone(),
            guardian_phone: a.guardian_phone.clone(),
        };
        if let Some(c) = &self.applicant {
            set(&mut applicant.name, &c.name);
            set(&mut applicant.id_number, &c.id_number);
            set(&mut applicant.phone, &c.phone);
            set(&mut applicant.address, &c.address);
            set(&mut applicant.special_groups, &c.special_groups);
            set(&mut applicant.disabled, &c.disabled);
            set(&mut applicant.guardian_name, &c.guardian_name);
            set(&mut applicant.guardian_relation, &c.guardian_relation);
            set(&mut applicant.guardian_phone, &c.guardian_phone);
        }
        let mut merged = NewAidApplication {
            unit_id: row.unit_id,
            consultation_id: row.consultation_id,
            received_at: Some(crate::time::to_cst(row.received_at)),
            channel: row.channel,
            applicant,
            matter_category: row.matter_category,
            case_type: row.case_type.clone(),
            opposing_party: row.opposing_party.clone(),
            facts: row.facts.clone(),
            hardship_check: row.hardship_check,
            hardship_ground: row.hardship_ground,
            preferred_provider_ids: row.preferred_providers(),
            urgent: row.urgent,
            urgent_ground: row.urgent_ground,
            safe_contact: row.safe_contact,
            safe_contact_means: a.safe_contact_means.clone(),
            safe_contact_phone: a.safe_contact_phone.clone(),
            external_ref: None,
        };
        set(&mut merged.matter_category, &self.matter_category);
        set(&mut merged.case_type, &self.case_type);
        set(&mut merged.opposing_party, &self.opposing_party);
        set(&mut merged.facts, &self.facts);
        set(&mut merged.hardship_check, &self.hardship_check);
        set(&mut merged.hardship_ground, &self.hardship_ground);
        set(
            &mut merged.preferred_provider_ids,
            &self.preferred_provider_ids,
        );
        set(&mut merged.urgent, &self.urgent);
        set(&mut merged.urgent_ground, &self.urgent_ground);
        set(&mut merged.safe_contact, &self.safe_contact);
        set(&mut merged.safe_contact_means, &self.safe_contact_means);
        set(&mut merged.safe_contact_phone, &self.safe_contact_phone);
        if !merged.urgent && self.urgent_ground.is_none() {
            // Urgency withdrawn: its ground goes with it unless sent.
            merged.urgent_ground = None;
        }
        if !merged.safe_contact {
            // Safe contact withdrawn: its means go with it unless sent (then refused below).
            if self.safe_contact_means.is_none() {
                merged.safe_contact_means = None;
            }
            if self.safe_contact_phone.is_none() {
                merged.safe_contact_phone = None;
            }
        }
        Ok(merged)
    }
}

/// The data of a workflow step; which fields a step needs is in the operation's description.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"materials": ["户口簿复印件", "经济困难状况说明表"], "reply_days": 10}))]
pub struct ActionInput {
    /// A note, kept with the step in the trail and shown in the timeline (required for
    /// `withdraw`, `object`, `uphold_objection`, `dismiss_objection`; the reason when `assign`
    /// does not follow the applicant's choice).
    #[schema(min_length = 1, max_length = 2000, pattern = "text")]
    #[validate(length(min = 1, max = 2000), custom(function = validation::text))]
    pub note: Option<String>,
    /// `request_materials`: every missing item, in one notice (一次性告知).
    #[schema(min_items = 1, max_items = 30)]
    #[validate(length(min = 1, max = 30))]
    pub materials: Option<Vec<String>>,
    /// `request_materials`: days the applicant has to reply (1 to 30; default 15).
    #[schema(minimum = 1, maximum = 30)]
    #[validate(range(min = 1, max = 30))]
    pub reply_days: Option<i64>,
    /// `reject`: the reasons, in writing.
    #[schema(min_length = 1, max_length = 4000, pattern = "text")]
    #[validate(length(min = 1, max = 4000), custom(function = validation::text))]
    pub reasons: Option<String>,
    /// `terminate`: the Art. 48 ground.
    pub termination_ground: Option<TerminationGround>,
    /// `assign`: the provider (staff id).
    pub provider_staff_id: Option<i64>,
    /// `object`: the day the decision objected to was served on the applicant (default: the
    /// day it was made); the objection window (15 days by default) counts from it. Not before
    /// the decision, not after today.
    #[schema(example = "2023-03-10")]
    pub served_on: Option<chrono::NaiveDate>,
    /// `assign`, `change_provider`: why the provider is assigned although the conflict check
    /// found cases of the provider or its organisation on the other side (kept in the trail);
    /// without it such a conflict is a 422 on `provider_staff_id` naming the cases.
    #[schema(min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub conflict_override: Option<String>,
    /// `close` (required): how the case ended.
    pub outcome: Option<ClosingOutcome>,
    /// `close`: the amount recovered for the client, in fen (分; 1 yuan = 100 fen), where there
    /// is one.
    #[schema(minimum = 0, maximum = 100_000_000_000i64)]
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    pub amount_recovered_fen: Option<i64>,
    /// `close` (required): the documents handed in (judgment, mediation agreement, …).
    #[schema(min_items = 1, max_items = 20)]
    #[validate(length(min = 1, max = 20))]
    pub documents: Option<Vec<String>>,
    /// `review` (required): the quality grade of the closing review (结案审查); the case
    /// subsidy follows from the rate table for the year closed, the matter and the grade.
    pub quality_grade: Option<QualityGrade>,
}

/// An officer's green-channel decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"green_channel": true, "reason": "申请人行动不便，独居"}))]
pub struct GreenInput {
    /// On (true) or off (false).
    pub green_channel: bool,
    /// Why.
    #[schema(min_length = 1, max_length = 500, pattern = "text")]
    #[validate(length(min = 1, max = 500), custom(function = validation::text))]
    pub reason: String,
}

/// A verification to record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "data_platform", "result": "confirmed", "note": "低保系统核实"}))]
pub struct VerificationInput {
    /// How.
    pub method: VerificationMethod,
    /// What was found.
    pub result: VerificationResult,
    /// A note.
    #[schema(min_length = 1, max_length = 1000, pattern = "text")]
    #[validate(length(min = 1, max = 1000), custom(function = validation::text))]
    pub note: Option<String>,
}

impl NewAidApplication {
    /// The rows to store, checked: the ID number and phones, the hardship ground, the urgent
    /// ground, a receipt time not in the future; the green channel follows from the applicant.
    pub fn to_rows(&self, at: chrono::NaiveDateTime) -> Result<(AidRow, ApplicantRow), ApiError> {
        let now = at.and_utc();
        let received = self
            .received_at
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(now);
        if received > now + chrono::Duration::minutes(5) {
            return Err(ApiError::invalid_field(
                "received_at",
                "future",
                "must not be in the future",
            ));
        }
        let applied_on = received.with_timezone(&cst()).date_naive();
        let a = &self.applicant;
        let card = IdCardNumber::parse(&a.id_number, applied_on).map_err(|e| {
            ApiError::invalid_field("applicant.id_number", "id_number", e.to_string())
        })?;
        let phone = |field: &str, p: &Option<String>| {
            p.as_deref()
                .map(|p| PhoneNumber::parse(p).map(|n| n.as_str().to_owned()))
                .transpose()
                .map_err(|e| ApiError::invalid_field(field, "phone", e.to_string()))
        };
        let applicant_phone = phone("applicant.phone", &a.phone)?;
        let guardian_phone = phone("applicant.guardian_phone", &a.guardian_phone)?;
        let safe_phone = phone("safe_contact_phone", &self.safe_contact_phone)?;
        match (self.safe_contact, &self.safe_contact_means, &safe_phone) {
            (true, None, _) => {
                return Err(ApiError::invalid_field(
                    "safe_contact_means",
                    "required",
                    "safe contact needs the safe means of reaching the applicant",
                ))
            }
            (false, Some(_), _) | (false, _, Some(_)) => {
                return Err(ApiError::invalid_field(
                    "safe_contact",
                    "required",
                    "safe contact means are recorded only for a safe-contact case",
                ))
            }
            _ => {}
        }
        if self.urgent && self.urgent_ground.is_none() {
            return Err(ApiError::invalid_field(
                "urgent_ground",
                "required",
                "urgent aid (先行提供) needs its ground",
            ));
        }
        let age = age_on(card.birth_date(), applied_on);
        aid::check_intake(&aid::Intake {
            channel: self.channel,
            matter: self.matter_category,
            hardship_check: self.hardship_check,
            hardship_ground: self.hardship_ground,
            minor: age < 18,
            guardian: a.guardian_name.is_some() && a.guardian_relation.is_some(),
        })
        .map_err(|e| ApiError::invalid_field(e.field, e.code, e.message))?;
        let reasons = aid::green_reasons(&aid::Applicant {
            age_group: Some(age_group(age)),
            disabled: a.disabled,
            special_groups: &a.special_groups,
            hardship_ground: self.hardship_ground,
            matter: Some(self.matter_category),
        });
        let mut preferred = self.preferred_provider_ids.clone();
        preferred.dedup();
        let row = AidRow {
            unit_id: self.unit_id,
            consultation_id: self.consultation_id,
            case_type: self.case_type.clone(),
            opposing_party: self
                .opposing_party
                .as_deref()
                .map(str::trim)
                .map(str::to_owned),
            facts: self.facts.clone(),
            hardship_ground: self.hardship_ground,
            preferred_provider_ids: if preferred.is_empty() {
                String::new()
            } else {
                format!(
                    ",{},",
                    preferred
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            },
            urgent: self.urgent,
            urgent_ground: self.urgent_ground,
            safe_contact: self.safe_contact,
            green_channel: !reasons.is_empty(),
            green_reasons: encode_code_list(&reasons),
            ..AidRow::submitted(
                self.matter_category,
                self.channel,
                self.hardship_check,
                received.naive_utc(),
                at,
            )
        };
        let applicant = ApplicantRow {
            application_id: 0,
            name: a.name.trim().to_owned(),
            id_number: card.as_str().to_owned(),
            birth_date: card.birth_date(),
            sex: card.sex(),
            age,
            phone: applicant_phone,
            address: a.address.clone(),
            special_groups: encode_code_list(&a.special_groups),
            disabled: a.disabled,
            guardian_name: a.guardian_name.clone(),
            guardian_relation: a.guardian_relation.clone(),
            guardian_phone,
            safe_contact_means: self.safe_contact_means.clone(),
            safe_contact_phone: safe_phone,
        };
        Ok((row, applicant))
    }
}

impl From<ActionInput> for StepInput {
    fn from(i: ActionInput) -> Self {
        StepInput {
            note: i.note,
            materials: i.materials,
            reply_days: i.reply_days,
            reasons: i.reasons,
            termination_ground: i.termination_ground,
            provider_staff_id: i.provider_staff_id,
            served_on: i.served_on,
            conflict_override: i.conflict_override,
            outcome: i.outcome,
            amount_recovered_fen: i.amount_recovered_fen,
            documents: i.documents,
            quality_grade: i.quality_grade,
        }
    }
}

impl From<&VerificationInput> for store::aid::VerificationInput {
    fn from(i: &VerificationInput) -> Self {
        store::aid::VerificationInput {
            method: i.method,
            result: i.result,
            note: i.note.clone(),
        }
    }
}
