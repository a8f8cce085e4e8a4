//! The one masking policy for personal data (PIPL): who reads ID and phone numbers in full.

use crate::auth::Principal;
use crate::domain::masking::{mask_id_number, mask_phone};
use crate::domain::roles::Role;

/// Whether the caller needs personal data in full: the staff and officers who serve and call
/// people, and admins, within their own subtree (reads are already scoped to it). Auditors,
/// integrations and providers see it masked.
pub fn sees_personal_data(principal: &Principal) -> bool {
    matches!(
        principal.role,
        Role::Admin | Role::UnitStaff | Role::AidOfficer
    )
}

/// A phone number as this caller may see it.
pub fn phone(principal: &Principal, phone: Option<String>) -> Option<String> {
    if sees_personal_data(principal) {
        phone
    } else {
        phone.map(|p| mask_phone(&p))
    }
}

/// An ID number as this caller may see it.
pub fn id_number(principal: &Principal, id: Option<String>) -> Option<String> {
    if sees_personal_data(principal) {
        id
    } else {
        id.map(|p| mask_id_number(&p))
    }
}
