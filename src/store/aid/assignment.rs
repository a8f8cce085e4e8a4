//! Assignment and a change of provider: who may take the case, what the applicant chose, and
//! the conflicts of interest of the provider and its organisation.

use diesel::prelude::*;

use super::AidRow;
use crate::db::schema::{aid_applicants, aid_applications, staff, units};
use crate::db::DbConnection;
use crate::domain::aid::{self, AidState, StepInput};
use crate::error::ApiError;
use crate::store::scope::unit_id_in_subtree;

/// Checks that a provider can take cases of the centre: an active staff member of the area it
/// serves (the subtree of its parent unit). A failure is a 422 on `field`.
pub(super) fn check_provider(
    tx: &mut DbConnection,
    centre_id: i64,
    provider: i64,
    field: &str,
) -> Result<(), ApiError> {
    let parent: Option<i64> = units::table
        .filter(units::id.eq(centre_id))
        .select(units::parent_id)
        .first(tx)?;
    let area = parent.unwrap_or(centre_id);
    let found: Option<(bool, String)> = staff::table
        .filter(staff::id.eq(provider))
        .filter(unit_id_in_subtree("staff.unit_id", area))
        .select((staff::active, staff::name))
        .first(tx)
        .optional()?;
    match found {
        None => Err(ApiError::invalid_field(
            field,
            "not_found",
            "the provider does not exist or does not serve the centre's area",
        )),
        Some((false, name)) => Err(ApiError::invalid_field(
            field,
            "inactive",
            format!("{name} is not active"),
        )),
        Some((true, _)) => Ok(()),
    }
}

/// Assignment (and a change of provider): an active provider of the area the centre serves (its
/// parent's subtree: law firms, legal service offices, the service centre); a preference (点援制)
/// that is not honoured needs a recorded reason unless no preferred provider is active; a
/// provider or organisation on the other side of the case is refused unless the officer
/// overrides the conflict with a reason; open cases of the provider against the same opposing
/// party give a warning.
pub(super) fn assign(
    tx: &mut DbConnection,
    row: &mut AidRow,
    applicant: &str,
    input: &StepInput,
    from: AidState,
    conflict_years: u32,
    now: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    let provider = input.provider_staff_id.ok_or_else(|| {
        ApiError::invalid_field(
            "provider_staff_id",
            "required",
            "name the provider to assign",
        )
    })?;
    check_provider(tx, row.centre_id, provider, "provider_staff_id")?;
    let changing = matches!(
        from,
        AidState::Assigned | AidState::AgreementSigned | AidState::InProgress
    );
    if changing && row.provider_staff_id == Some(provider) {
        return Err(ApiError::invalid_field(
            "provider_staff_id",
            "invalid",
            "is the provider the case has now: a change names another",
        ));
    }
    let mut notes = Vec::new();
    let found = conflicts_of(tx, row, applicant, provider, conflict_years, now)?;
    if !found.is_empty() {
        let list = found
            .iter()
            .map(|c| c.why.as_str())
            .collect::<Vec<_>>()
            .join("；");
        match &input.conflict_override {
            Some(reason) => notes.push(format!("利益冲突经审查放行（{list}）：{reason}")),
            None => {
                return Err(ApiError::invalid_field(
                    "provider_staff_id",
                    "conflict",
                    format!(
                        "conflict of interest: {list}; choose another provider, or give `conflict_override` with the reason"
                    ),
                ))
            }
        }
    }
    if from == AidState::Submitted {
        notes.push("通知辩护：收到办案机关通知后指派".to_owned());
    }
    if from == AidState::Accepted {
        notes.push("先行提供法律援助（临时指派，材料后补）".to_owned());
    }
    if changing {
        // A change of provider: the reason, and who had the case.
        let before = row
            .provider_staff_id
            .map(|p| format!("（原承办人员 {p}）"))
            .unwrap_or_default();
        notes.push(format!(
            "更换承办人员{before}：{}",
            input.note.clone().unwrap_or_default()
        ));
    }
    let preferred = row.preferred_providers();
    let departs_from_choice = !preferred.is_empty() && !preferred.contains(&provider);
    if let (Some(note), false, false) = (&input.note, departs_from_choice, changing) {
        notes.push(note.clone());
    }
    if departs_from_choice {
        let active: Vec<i64> = staff::table
            .filter(staff::id.eq_any(&preferred))
            .filter(staff::active.eq(true))
            .select(staff::id)
            .load(tx)?;
        match (&input.note, active.is_empty()) {
            (Some(reason), _) => notes.push(format!("未按申请人选择指派：{reason}")),
            (None, true) => notes.push("申请人选择的承办人员均不在岗，另行指派".to_owned()),
            (None, false) => {
                return Err(ApiError::invalid_field(
                    "note",
                    "required",
                    "the applicant chose other providers (点援制) who are active: give the reason for this assignment",
                ))
            }
        }
    }
    if let Some(party) = row
        .opposing_party
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let open = [
            AidState::Assigned,
            AidState::AgreementSigned,
            AidState::InProgress,
        ];
        let clashes: Vec<i64> = aid_applications::table
            .filter(aid_applications::provider_staff_id.eq(provider))
            .filter(aid_applications::state.eq_any(open))
            .filter(aid_applications::opposing_party.eq(party))
            .filter(aid_applications::id.ne(row.id))
            .select(aid_applications::id)
            .load(tx)?;
        if !clashes.is_empty() {
            notes.push(format!(
                "利益冲突提示：该承办人员承办中的案件 {} 的对方当事人同为“{party}”",
                clashes
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
    }
    row.provider_staff_id = Some(provider);
    row.assignment_note = if notes.is_empty() {
        None
    } else {
        Some(notes.join("；"))
    };
    Ok(())
}

/// The cases of the provider and of its organisation (the other staff of its unit) that put
/// them on the other side of this case: open ones, and those ended within `years`.
fn conflicts_of(
    tx: &mut DbConnection,
    row: &AidRow,
    applicant: &str,
    provider: i64,
    years: u32,
    now: chrono::NaiveDateTime,
) -> Result<Vec<aid::Conflict>, ApiError> {
    let unit: i64 = staff::table
        .filter(staff::id.eq(provider))
        .select(staff::unit_id)
        .first(tx)?;
    let team: Vec<i64> = staff::table
        .filter(staff::unit_id.eq(unit))
        .select(staff::id)
        .load(tx)?;
    let applicant = applicant.trim().to_owned();
    let opposing = row
        .opposing_party
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let mut q = aid_applications::table
        .inner_join(aid_applicants::table)
        .filter(aid_applications::provider_staff_id.eq_any(team))
        .filter(aid_applications::id.ne(row.id))
        .into_boxed();
    q = match &opposing {
        Some(p) => q.filter(
            aid_applications::opposing_party
                .eq(applicant.clone())
                .or(aid_applicants::name.eq(p.clone())),
        ),
        None => q.filter(aid_applications::opposing_party.eq(applicant.clone())),
    };
    type Found = (
        i64,
        Option<i64>,
        String,
        Option<String>,
        AidState,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    );
    let found: Vec<Found> = q
        .select((
            aid_applications::id,
            aid_applications::provider_staff_id,
            aid_applicants::name,
            aid_applications::opposing_party,
            aid_applications::state,
            aid_applications::state_entered_at,
            aid_applications::closed_at,
        ))
        .load(tx)?;
    let cutoff = now
        .checked_sub_months(chrono::Months::new(12 * years))
        .unwrap_or(now);
    let open = [
        AidState::Assigned,
        AidState::AgreementSigned,
        AidState::InProgress,
    ];
    let others: Vec<aid::OtherCase> = found
        .into_iter()
        .filter(|(_, _, _, _, state, entered, closed)| {
            open.contains(state) || closed.unwrap_or(*entered) >= cutoff
        })
        .map(|(id, p, name, opposing_party, _, _, _)| aid::OtherCase {
            id,
            applicant: name,
            opposing_party,
            same_provider: p == Some(provider),
        })
        .collect();
    Ok(aid::conflicts(&applicant, opposing.as_deref(), &others))
}
