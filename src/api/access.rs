//! The access table's scope rules, as the handlers hand them to the stores.

use crate::auth::Principal;
use crate::domain::roles::Role;
use crate::store::scope::Reach;

/// What a caller reaches of consultations and duty shifts: its unit's subtree, or for a
/// provider what is linked to its own staff record (the `Consultations` and `DutyShifts` rules).
pub fn reach_of(p: &Principal) -> Reach {
    if p.role == Role::Provider {
        Reach::OwnStaff(p.staff_id)
    } else {
        Reach::Subtree(p.unit_id)
    }
}
