//! The one masking policy for personal data (PIPL): who reads ID and phone numbers in full.

use crate::auth::Principal;
use crate::domain::masking::{mask_id_number, mask_phone};
use crate::domain::roles::Role;

/// Whether the caller reads the personal data of a record of `record_unit` in full: admins of a
/// subtree (reads are already scoped to it), and unit staff or aid officers of the very unit
/// that holds the record. Everyone else — auditors, providers, integrations, staff of other
/// units — sees it masked.
pub fn sees_personal_data(principal: &Principal, record_unit: i64) -> bool {
    match principal.role {
        Role::Admin => true,
        Role::UnitStaff | Role::AidOfficer => principal.unit_id == record_unit,
        Role::Provider | Role::Auditor | Role::Integration => false,
    }
}

/// A phone number as this caller may see it.
pub fn phone(principal: &Principal, record_unit: i64, phone: Option<String>) -> Option<String> {
    if sees_personal_data(principal, record_unit) {
        phone
    } else {
        phone.map(|p| mask_phone(&p))
    }
}

/// An ID number as this caller may see it.
pub fn id_number(principal: &Principal, record_unit: i64, id: Option<String>) -> Option<String> {
    if sees_personal_data(principal, record_unit) {
        id
    } else {
        id.map(|p| mask_id_number(&p))
    }
}
