//! Units of the three-level platform (county → township → village) and the tree rules.

crate::code_table! {
    /// What kind of unit this is.
    pub enum UnitKind as "unit_kind" {
        /// Provincial department of justice.
        ProvinceDepartment = "province_department": "省司法厅",
        /// City justice bureau.
        CityBureau = "city_bureau": "市司法局",
        /// County justice bureau.
        CountyBureau = "county_bureau": "县司法局",
        /// County public legal service centre.
        PublicLegalServiceCentre = "public_legal_service_centre": "公共法律服务中心",
        /// Legal aid centre.
        LegalAidCentre = "legal_aid_centre": "法律援助中心",
        /// Township judicial office (and its public legal service station).
        JudicialOffice = "judicial_office": "司法所",
        /// Law firm.
        LawFirm = "law_firm": "律师事务所",
        /// Grassroots legal service office.
        GrassrootsLegalServiceOffice = "grassroots_legal_service_office": "基层法律服务所",
        /// Village (community) public legal service room.
        VillageWorkstation = "village_workstation": "村（社区）公共法律服务工作室",
    }
}

crate::code_table! {
    /// The administrative level a unit works at.
    pub enum UnitLevel as "unit_level" {
        /// Province.
        Province = "province": "省级",
        /// City.
        City = "city": "市级",
        /// County.
        County = "county": "县级",
        /// Township.
        Township = "township": "乡镇级",
        /// Village or community.
        Village = "village": "村（社区）级",
    }
}

crate::code_table! {
    /// Accessibility (无障碍) facilities a unit offers.
    pub enum Accessibility as "accessibility" {
        /// Step-free entrance or ramp.
        StepFreeAccess = "step_free_access": "无障碍通道",
        /// Accessible toilet.
        AccessibleToilet = "accessible_toilet": "无障碍卫生间",
        /// Ground-floor service window.
        GroundFloorService = "ground_floor_service": "一楼服务窗口",
        /// Sign language interpretation available.
        SignLanguage = "sign_language": "手语服务",
        /// Braille or large-print materials.
        BrailleMaterials = "braille_materials": "盲文/大字材料",
        /// Home visits for people who cannot travel.
        HomeVisits = "home_visits": "上门服务",
        /// Reserved seating and priority window for elderly and disabled people.
        PriorityWindow = "priority_window": "优先窗口/爱心座椅",
    }
}

impl UnitKind {
    /// The level this kind of unit works at.
    pub fn level(self) -> UnitLevel {
        match self {
            UnitKind::ProvinceDepartment => UnitLevel::Province,
            UnitKind::CityBureau => UnitLevel::City,
            UnitKind::CountyBureau
            | UnitKind::PublicLegalServiceCentre
            | UnitKind::LegalAidCentre
            | UnitKind::LawFirm
            | UnitKind::GrassrootsLegalServiceOffice => UnitLevel::County,
            UnitKind::JudicialOffice => UnitLevel::Township,
            UnitKind::VillageWorkstation => UnitLevel::Village,
        }
    }

    /// Whether a unit of this kind may have child units.
    pub fn may_have_children(self) -> bool {
        !matches!(self, UnitKind::VillageWorkstation)
    }
}

/// Why a unit cannot be placed under a parent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// The parent kind takes no children.
    #[error("a {parent} cannot have child units")]
    ParentTakesNoChildren {
        /// The parent's kind code.
        parent: &'static str,
    },
    /// The child would sit above its parent in the administrative hierarchy.
    #[error("a {child} (level {child_level}) cannot sit under a {parent} (level {parent_level})")]
    LevelAboveParent {
        /// The child's kind code.
        child: &'static str,
        /// The child's level code.
        child_level: &'static str,
        /// The parent's kind code.
        parent: &'static str,
        /// The parent's level code.
        parent_level: &'static str,
    },
    /// The new parent is the unit itself or one of its descendants.
    #[error("a unit cannot be moved under itself or one of its descendants")]
    Cycle,
}

/// Checks that a unit of `child` kind may sit directly under a unit of `parent` kind.
pub fn check_placement(parent: UnitKind, child: UnitKind) -> Result<(), PlacementError> {
    use crate::domain::codes::CodeTable;
    if !parent.may_have_children() {
        return Err(PlacementError::ParentTakesNoChildren {
            parent: parent.code(),
        });
    }
    if child.level() < parent.level() {
        return Err(PlacementError::LevelAboveParent {
            child: child.code(),
            child_level: child.level().code(),
            parent: parent.code(),
            parent_level: parent.level().code(),
        });
    }
    Ok(())
}

/// The materialised path of a unit: the ids from the root down to the unit, as `/1/4/9/`.
/// A unit's subtree is every unit whose path starts with its path.
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    match parent_path {
        Some(p) => format!("{p}{id}/"),
        None => format!("/{id}/"),
    }
}

/// Whether `path` lies in the subtree rooted at `root_path` (the root included).
pub fn path_in_subtree(path: &str, root_path: &str) -> bool {
    path.starts_with(root_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn township_offices_sit_under_a_county_bureau_but_not_the_reverse() {
        assert!(check_placement(UnitKind::CountyBureau, UnitKind::JudicialOffice).is_ok());
        assert!(check_placement(UnitKind::CountyBureau, UnitKind::LegalAidCentre).is_ok());
        assert!(matches!(
            check_placement(UnitKind::JudicialOffice, UnitKind::CountyBureau),
            Err(PlacementError::LevelAboveParent { .. })
        ));
        assert!(matches!(
            check_placement(UnitKind::VillageWorkstation, UnitKind::VillageWorkstation),
            Err(PlacementError::ParentTakesNoChildren { .. })
        ));
    }

    #[test]
    fn codes_are_the_serde_names() {
        use crate::domain::codes::assert_codes_match_serde;
        assert_codes_match_serde::<UnitKind>();
        assert_codes_match_serde::<UnitLevel>();
        assert_codes_match_serde::<Accessibility>();
    }

    #[test]
    fn paths_nest_and_subtree_is_a_prefix_test() {
        let root = child_path(None, 1);
        let office = child_path(Some(&root), 12);
        assert_eq!(root, "/1/");
        assert_eq!(office, "/1/12/");
        assert!(path_in_subtree(&office, &root));
        assert!(path_in_subtree(&office, &office));
        // "/1/12/" must not count as inside "/1/1/".
        assert!(!path_in_subtree(&office, "/1/1/"));
    }
}
