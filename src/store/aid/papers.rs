//! The written documents of a case: issued inside the step that decides (so a step and its
//! paper stand or fall together), numbered per issuing unit and year, kept as issued.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;

use super::{find, AidRow, Reader};
use crate::config::Settings;
use crate::db::schema::{aid_papers, staff, units};
use crate::db::DbConnection;
use crate::domain::aid::{
    self, AidAction, AidChannel, AidState, NoticeParties, PaperKind, StepInput,
};
use crate::domain::codes::CodeTable;
use crate::error::ApiError;

/// A paper as issued.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = aid_papers)]
pub struct PaperRow {
    pub id: i64,
    pub application_id: i64,
    pub issuer_unit_id: i64,
    pub kind: PaperKind,
    pub year: i32,
    pub seq: i64,
    pub reference: String,
    pub title: String,
    pub body: String,
    pub issuer: String,
    pub issued_at: NaiveDateTime,
}

/// What the trail keeps of a paper: which, its number, and the digest of its text (the text
/// itself names the applicant, and the trail is read by auditors, masked by field).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PaperStamp {
    pub id: i64,
    pub kind: PaperKind,
    pub reference: String,
    /// SHA-256 of the whole text as issued, hex.
    pub text_sha256: String,
}

impl From<&PaperRow> for PaperStamp {
    fn from(p: &PaperRow) -> Self {
        use sha2::Digest;
        PaperStamp {
            id: p.id,
            kind: p.kind,
            reference: p.reference.clone(),
            text_sha256: hex::encode(sha2::Sha256::digest(p.text().as_bytes())),
        }
    }
}

impl PaperRow {
    /// The whole document as printed: title, reference, body, issuer and date.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n\n{}\n\n{}\n{}",
            self.title,
            self.reference,
            self.body,
            self.issuer,
            aid::chinese_date(crate::time::to_cst(self.issued_at).date_naive())
        )
    }
}

fn name_of(tx: &mut DbConnection, unit: i64) -> Result<(String, Option<i64>), ApiError> {
    Ok(units::table
        .filter(units::id.eq(unit))
        .select((units::name, units::parent_id))
        .first(tx)?)
}

/// The paper a step issues, if it issues one, numbered and stored. `row` is the application as
/// the step leaves it; `from` the state before the step.
#[allow(clippy::too_many_arguments)]
pub fn issue_for_step(
    tx: &mut DbConnection,
    row: &AidRow,
    applicant: &str,
    action: AidAction,
    from: AidState,
    input: &StepInput,
    settings: &Settings,
    at: NaiveDateTime,
) -> Result<Option<PaperRow>, ApiError> {
    use AidAction as A;
    if !matches!(
        action,
        A::RequestMaterials
            | A::Approve
            | A::Reject
            | A::Terminate
            | A::Assign
            | A::ChangeProvider
            | A::UpholdObjection
            | A::DismissObjection
    ) {
        return Ok(None);
    }
    let (centre, parent) = name_of(tx, row.centre_id)?;
    let (bureau_id, bureau) = match parent {
        Some(p) => (p, name_of(tx, p)?.0),
        None => (row.centre_id, "司法行政机关".to_owned()),
    };
    let parties = NoticeParties {
        applicant,
        centre: &centre,
        bureau: &bureau,
        objection_days: settings.objection_days,
    };
    let matter = row.matter_category.label();
    let (kind, body) = match action {
        AidAction::RequestMaterials => {
            let items: Vec<String> = input.materials.clone().unwrap_or_default();
            let due = row
                .materials_due_at
                .map(|t| crate::time::to_cst(t - chrono::Duration::seconds(1)).date_naive())
                .unwrap_or_else(|| crate::time::to_cst(at).date_naive());
            (
                PaperKind::MaterialsNotice,
                aid::materials_notice(&parties, &items, due),
            )
        }
        AidAction::Approve => (
            PaperKind::Grant,
            aid::grant_decision(&parties, matter, row.case_type.as_deref()),
        ),
        AidAction::Reject if row.state == AidState::Terminated => (
            PaperKind::Termination,
            aid::termination_notice(
                &parties,
                aid::TerminationGround::NotEligible,
                row.decision_note.as_deref(),
            ),
        ),
        AidAction::Reject => (
            PaperKind::Refusal,
            aid::rejection_notice(&parties, row.decision_note.as_deref().unwrap_or_default()),
        ),
        AidAction::Terminate => match row.termination_ground {
            Some(ground) => (
                PaperKind::Termination,
                aid::termination_notice(&parties, ground, row.decision_note.as_deref()),
            ),
            None => return Ok(None),
        },
        AidAction::Assign | AidAction::ChangeProvider => {
            let Some(provider) = row.provider_staff_id else {
                return Ok(None);
            };
            let (name, unit): (String, i64) = staff::table
                .filter(staff::id.eq(provider))
                .select((staff::name, staff::unit_id))
                .first(tx)?;
            let organisation = name_of(tx, unit)?.0;
            (
                PaperKind::Assignment,
                aid::assignment_notice(
                    &parties,
                    &organisation,
                    &name,
                    matter,
                    from == AidState::Submitted && row.channel == AidChannel::OfficialNotice,
                ),
            )
        }
        AidAction::UpholdObjection | AidAction::DismissObjection => (
            PaperKind::ObjectionDecision,
            aid::objection_decision(
                &parties,
                action == AidAction::UpholdObjection,
                row.objection_decision_note.as_deref().unwrap_or_default(),
            ),
        ),
        _ => return Ok(None),
    };
    let (issuer_id, issuer) = if kind.by_bureau() {
        (bureau_id, bureau.clone())
    } else {
        (row.centre_id, centre.clone())
    };
    let year = crate::time::to_cst(at).year();
    // The write holds the chain-head lock of the case's unit tree: steps of one issuer take
    // their numbers one at a time (the unique index is the backstop).
    let last: Option<i64> = aid_papers::table
        .filter(aid_papers::issuer_unit_id.eq(issuer_id))
        .filter(aid_papers::year.eq(year))
        .select(diesel::dsl::max(aid_papers::seq))
        .first(tx)?;
    let seq = last.unwrap_or(0) + 1;
    let paper: PaperRow = diesel::insert_into(aid_papers::table)
        .values((
            aid_papers::application_id.eq(row.id),
            aid_papers::issuer_unit_id.eq(issuer_id),
            aid_papers::kind.eq(kind),
            aid_papers::year.eq(year),
            aid_papers::seq.eq(seq),
            aid_papers::reference.eq(aid::reference(&issuer, kind.by_bureau(), year, seq)),
            aid_papers::title.eq(kind.label()),
            aid_papers::body.eq(body),
            aid_papers::issuer.eq(&issuer),
            aid_papers::issued_at.eq(at),
        ))
        .returning(aid_papers::all_columns)
        .get_result(tx)?;
    Ok(Some(paper))
}

/// The papers of an application the reader may see, in the order issued.
pub fn papers(conn: &mut DbConnection, reader: Reader, id: i64) -> Result<Vec<PaperRow>, ApiError> {
    find(conn, reader, id)?;
    Ok(aid_papers::table
        .filter(aid_papers::application_id.eq(id))
        .order(aid_papers::id.asc())
        .select(PaperRow::as_select())
        .load(conn)?)
}

/// The latest paper of each application among `kinds` (for the views' standing decisions).
pub fn latest(
    conn: &mut DbConnection,
    ids: &[i64],
    kinds: &[PaperKind],
) -> Result<HashMap<i64, PaperRow>, ApiError> {
    let rows: Vec<PaperRow> = aid_papers::table
        .filter(aid_papers::application_id.eq_any(ids))
        .filter(aid_papers::kind.eq_any(kinds.to_vec()))
        .order(aid_papers::id.asc())
        .select(PaperRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|p| (p.application_id, p)).collect())
}
