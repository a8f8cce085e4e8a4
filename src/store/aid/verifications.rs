//! The later verification of hardship pledges (Shanxi 告知承诺制).

use diesel::prelude::*;

use super::{find, Application, Reader};
use crate::db::schema::aid_hardship_verifications;
use crate::db::DbConnection;
use crate::domain::aid::{HardshipCheck, VerificationMethod, VerificationResult};
use crate::error::ApiError;
use crate::store::audit;
use crate::store::write::Record;
use crate::store::Actor;

/// A recorded verification of a hardship pledge.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = aid_hardship_verifications)]
pub struct VerificationRow {
    pub id: i64,
    pub application_id: i64,
    pub method: VerificationMethod,
    pub result: VerificationResult,
    pub note: Option<String>,
    pub verified_by: String,
    pub verified_at: chrono::NaiveDateTime,
}

/// A verification to record.
#[derive(Debug, Clone)]
pub struct VerificationInput {
    /// How.
    pub method: VerificationMethod,
    /// What was found.
    pub result: VerificationResult,
    /// A note.
    pub note: Option<String>,
}

/// Records the later verification of a pledge (only for `pledge` applications).
pub fn verify_hardship(
    conn: &mut DbConnection,
    actor: &Actor,
    reader: Reader,
    id: i64,
    input: &VerificationInput,
) -> Result<VerificationRow, ApiError> {
    audit::write(conn, actor, |tx, log| {
        let app = find(tx, reader, id)?;
        if app.row.hardship_check != HardshipCheck::Pledge {
            return Err(ApiError::conflict(
                "only a hardship pledge (告知承诺) is verified afterwards",
                "只有以告知承诺方式说明经济困难的申请才进行事后核查",
            ));
        }
        let stored: VerificationRow = diesel::insert_into(aid_hardship_verifications::table)
            .values((
                aid_hardship_verifications::application_id.eq(id),
                aid_hardship_verifications::method.eq(input.method),
                aid_hardship_verifications::result.eq(input.result),
                aid_hardship_verifications::note.eq(&input.note),
                aid_hardship_verifications::verified_by.eq(&actor.name),
                aid_hardship_verifications::verified_at.eq(log.at()),
            ))
            .returning(aid_hardship_verifications::all_columns)
            .get_result(tx)?;
        log.added(
            "verify_hardship",
            Application::ENTITY,
            id,
            Some(app.row.unit_id),
            &stored,
        );
        Ok(stored)
    })
}

/// The verifications of an application the reader may see, oldest first.
pub fn verifications(
    conn: &mut DbConnection,
    reader: Reader,
    id: i64,
) -> Result<Vec<VerificationRow>, ApiError> {
    find(conn, reader, id)?;
    Ok(aid_hardship_verifications::table
        .filter(aid_hardship_verifications::application_id.eq(id))
        .order(aid_hardship_verifications::id.asc())
        .select(VerificationRow::as_select())
        .load(conn)?)
}
