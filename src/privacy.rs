//! The one masking policy for personal data (PIPL): who reads what of a person, decided here and
//! nowhere else. Every view of a person (consultations, aid applications, referral drafts,
//! follow-ups, staff, the ledger) asks this module.
//!
//! Three sights:
//!
//! - [`Sight::Full`]: admins of the subtree (reads are already scoped to it), and unit staff or
//!   aid officers of the very unit that holds the record (for aid applications: the unit first
//!   asked or the centre handling it). Everything in full.
//! - [`Sight::Contact`]: a provider reading an aid case assigned to its own staff record. The
//!   contact details it needs to reach its client in full (name, phone, address, and the
//!   guardian's name and phone); the rest as masked readers see it.
//! - [`Sight::Masked`]: everyone else — auditors, integrations, providers on anything else, staff
//!   of other units. Name masked to the family name (`张**`), phone to `138****5678`, ID number to
//!   its first four characters (`1405**************`), address absent; the birth year instead of
//!   the birth date, and no age in years when an ID number gave the birth date.
//!
//! What the masked sight leaves, taken together: the ID's area code (known anyway to whoever
//! knows the county), the birth year and the sex. That is 365 days × 500 sequences, about
//! 182,500 candidate numbers, for one record or any number of records of the same person (each
//! shows the same year). What can narrow it: an age group or the elderly/minor special group of
//! a record dated in the very year the person turns 18 or 60, which tells on which side of the
//! record's date the birthday falls — still 500 × the days on that side (the counting test in
//! `tests/api/masks.rs` measures a real case). The age in years is withheld for that reason:
//! ages on different days would bisect the birthday.

use chrono::{Datelike, NaiveDate};

use crate::auth::Principal;
use crate::domain::masking::{mask_id_number, mask_name, mask_phone};
use crate::domain::roles::Role;

/// How much of a person's data a caller sees on one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Everything in full.
    Full,
    /// The contact details (name, phone, address, guardian's name and phone) in full, the rest
    /// masked: a provider on a case assigned to it.
    Contact,
    /// Everything masked.
    Masked,
}

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

/// The caller's sight on a record held by `record_unit` (a consultation, a staff member).
pub fn sight_of(principal: &Principal, record_unit: i64) -> Sight {
    if sees_personal_data(principal, record_unit) {
        Sight::Full
    } else {
        Sight::Masked
    }
}

/// The caller's sight on an aid application received by `unit`, handled by `centre` and
/// assigned to the staff member `assigned` (if any): in full for the holders of either unit;
/// the contact details for the provider whose own staff record (`Principal::staff_id`) the case
/// is assigned to; masked for everyone else.
pub fn sight_of_application(
    principal: &Principal,
    unit: i64,
    centre: i64,
    assigned: Option<i64>,
) -> Sight {
    if sees_personal_data(principal, unit) || sees_personal_data(principal, centre) {
        Sight::Full
    } else if is_assigned_provider(principal, assigned) {
        Sight::Contact
    } else {
        Sight::Masked
    }
}

/// Whether the caller is a provider and the case is assigned to its own staff record.
pub fn is_assigned_provider(principal: &Principal, assigned: Option<i64>) -> bool {
    principal.role == Role::Provider
        && principal.staff_id.is_some()
        && assigned.is_some()
        && principal.staff_id == assigned
}

impl Sight {
    /// Whether everything is shown in full.
    pub fn is_full(self) -> bool {
        self == Sight::Full
    }

    fn contact_in_full(self) -> bool {
        matches!(self, Sight::Full | Sight::Contact)
    }

    /// A person's name (or a guardian's): masked to the family name unless the contact details
    /// are shown.
    pub fn name(self, name: Option<String>) -> Option<String> {
        if self.contact_in_full() {
            name
        } else {
            name.map(|n| mask_name(&n))
        }
    }

    /// A phone number: masked to `138****5678` unless the contact details are shown.
    pub fn phone(self, phone: Option<String>) -> Option<String> {
        if self.contact_in_full() {
            phone
        } else {
            phone.map(|p| mask_phone(&p))
        }
    }

    /// A home address: absent unless the contact details are shown.
    pub fn address(self, address: Option<String>) -> Option<String> {
        address.filter(|_| self.contact_in_full())
    }

    /// An ID number: in full only for full readers, else its first four characters.
    pub fn id_number(self, id: Option<String>) -> Option<String> {
        if self.is_full() {
            id
        } else {
            id.map(|i| mask_id_number(&i))
        }
    }

    /// The birth date: full readers only (the others get [`birth_year`]).
    pub fn birth_date(self, birth: Option<NaiveDate>) -> Option<NaiveDate> {
        birth.filter(|_| self.is_full())
    }

    /// The age in years on the record's day: for full readers; for the others only when no birth
    /// date is known (an age the person stated, tied to no ID number). Beside the birth year, an
    /// age on a known day tells whether the birthday fell before that day.
    pub fn age(self, age: Option<i32>, birth: Option<NaiveDate>) -> Option<i32> {
        if self.is_full() || birth.is_none() {
            age
        } else {
            None
        }
    }

    /// A place that is the person's home (a consultation at home): hidden like an address.
    pub fn home_place(self, place: Option<String>) -> Option<String> {
        self.address(place)
    }
}

/// The birth year every reader sees.
pub fn birth_year(birth: Option<NaiveDate>) -> Option<i32> {
    birth.map(|b| b.year())
}

/// A phone number as this caller may see it on a record of `record_unit`.
pub fn phone(principal: &Principal, record_unit: i64, phone: Option<String>) -> Option<String> {
    sight_of(principal, record_unit).phone(phone)
}

/// An ID number as this caller may see it on a record of `record_unit`.
pub fn id_number(principal: &Principal, record_unit: i64, id: Option<String>) -> Option<String> {
    sight_of(principal, record_unit).id_number(id)
}

/// Which earlier records of the same person (same ID number or phone) a caller may be linked to.
/// A link tells that the person came before, so it is only given to a caller who sees both the
/// new record and the earlier one in full; everyone else gets no answer at all (not "none"), so
/// that registering a guessed ID number or phone cannot test it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatLinks {
    /// Never (auditors, integrations, providers).
    Never,
    /// Records anywhere in the caller's scope (admins).
    Scope,
    /// Records of this unit only (its staff and aid officers).
    Unit(i64),
}

impl RepeatLinks {
    /// The caller's links.
    pub fn of(principal: &Principal) -> Self {
        match principal.role {
            Role::Admin => RepeatLinks::Scope,
            Role::UnitStaff | Role::AidOfficer => RepeatLinks::Unit(principal.unit_id),
            Role::Provider | Role::Auditor | Role::Integration => RepeatLinks::Never,
        }
    }

    /// For a record of `record_unit`: `None` when the caller gets no links on it; otherwise the
    /// unit the linked records must belong to (`Some(None)`: any unit of the caller's scope).
    pub fn for_record(self, record_unit: i64) -> Option<Option<i64>> {
        match self {
            RepeatLinks::Never => None,
            RepeatLinks::Scope => Some(None),
            RepeatLinks::Unit(u) if u == record_unit => Some(Some(u)),
            RepeatLinks::Unit(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, unit: i64, staff: Option<i64>) -> Principal {
        Principal {
            account_id: Some(1),
            sub: "1".into(),
            name: "x".into(),
            role,
            unit_id: unit,
            staff_id: staff,
            session_id: None,
            client: None,
        }
    }

    #[test]
    fn sights_follow_the_roles_table() {
        assert_eq!(sight_of(&who(Role::Admin, 1, None), 4), Sight::Full);
        assert_eq!(sight_of(&who(Role::UnitStaff, 4, None), 4), Sight::Full);
        assert_eq!(sight_of(&who(Role::UnitStaff, 1, None), 4), Sight::Masked);
        for role in [Role::Auditor, Role::Integration, Role::Provider] {
            assert_eq!(sight_of(&who(role, 4, Some(7)), 4), Sight::Masked);
        }
        let lawyer = who(Role::Provider, 3, Some(7));
        assert_eq!(sight_of_application(&lawyer, 4, 5, Some(7)), Sight::Contact);
        assert_eq!(sight_of_application(&lawyer, 4, 5, Some(8)), Sight::Masked);
        assert_eq!(sight_of_application(&lawyer, 4, 5, None), Sight::Masked);
        let unlinked = who(Role::Provider, 3, None);
        assert_eq!(sight_of_application(&unlinked, 4, 5, None), Sight::Masked);
        // Staff ids are not a provider's privilege in other roles.
        let auditor = who(Role::Auditor, 1, Some(7));
        assert_eq!(sight_of_application(&auditor, 4, 5, Some(7)), Sight::Masked);
        let officer = who(Role::AidOfficer, 5, None);
        assert_eq!(sight_of_application(&officer, 4, 5, None), Sight::Full);
    }

    #[test]
    fn each_sight_shows_what_the_policy_says() {
        let birth = NaiveDate::from_ymd_opt(1949, 12, 31);
        let id = Some("11010519491231002X".to_owned());
        let masked = Sight::Masked;
        assert_eq!(masked.id_number(id.clone()).unwrap(), "1101**************");
        assert_eq!(masked.birth_date(birth), None);
        assert_eq!(masked.age(Some(73), birth), None);
        assert_eq!(masked.age(Some(40), None), Some(40));
        assert_eq!(masked.name(Some("李四".into())).unwrap(), "李*");
        assert_eq!(masked.address(Some("龙港镇".into())), None);
        let contact = Sight::Contact;
        assert_eq!(contact.name(Some("李四".into())).unwrap(), "李四");
        assert_eq!(
            contact.phone(Some("13812345678".into())).unwrap(),
            "13812345678"
        );
        assert_eq!(contact.address(Some("龙港镇".into())).unwrap(), "龙港镇");
        assert_eq!(contact.id_number(id.clone()).unwrap(), "1101**************");
        assert_eq!(contact.birth_date(birth), None);
        assert_eq!(Sight::Full.id_number(id.clone()), id);
        assert_eq!(Sight::Full.birth_date(birth), birth);
        assert_eq!(birth_year(birth), Some(1949));
    }

    #[test]
    fn repeat_links_only_where_both_records_are_seen_in_full() {
        assert_eq!(
            RepeatLinks::of(&who(Role::Admin, 1, None)).for_record(4),
            Some(None)
        );
        let staff = RepeatLinks::of(&who(Role::UnitStaff, 4, None));
        assert_eq!(staff.for_record(4), Some(Some(4)));
        assert_eq!(staff.for_record(5), None);
        for role in [Role::Auditor, Role::Integration, Role::Provider] {
            assert_eq!(RepeatLinks::of(&who(role, 4, Some(1))).for_record(4), None);
        }
    }
}
