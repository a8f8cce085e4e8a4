//! Consultations (举措3, 4): the code tables of a registration and the rules derived from it —
//! age group, the special groups an ID number proves, and review (咨询审核).

use crate::domain::codes::CodeTable;

/// Age from which a person counts as elderly (Law on the Protection of the Rights and Interests of
/// the Elderly, Art. 2).
pub const ELDERLY_AGE: i32 = 60;
/// Age of majority (Civil Code Art. 17).
pub const ADULT_AGE: i32 = 18;

crate::code_table! {
    /// How the person reached the service.
    pub enum Channel as "consultation_channel" {
        /// Came in person.
        WalkIn = "walk_in": "来访",
        /// Telephone to the unit.
        Phone = "phone": "电话",
        /// The 12348 public legal service hotline.
        Hotline12348 = "hotline12348": "12348热线",
        /// Online (website, WeChat, app).
        Online = "online": "网络",
        /// Letter.
        Letter = "letter": "来信",
        /// At the person's home.
        HomeVisit = "home_visit": "上门服务",
    }
}

crate::code_table! {
    /// Where the consultation took place.
    pub enum Site as "consultation_site" {
        /// A fixed station (centre, office, workstation).
        FixedStation = "fixed_station": "固定服务站点",
        /// A mobile station on a market day or at an event.
        MobileStation = "mobile_station": "流动服务站点",
        /// In a village or community.
        Village = "village": "村（社区）",
        /// At an enterprise.
        Enterprise = "enterprise": "企业",
        /// At the person's home.
        Home = "home": "群众家中",
        /// Remote (phone, online, letter).
        Remote = "remote": "远程",
    }
}

crate::code_table! {
    /// Age group.
    pub enum AgeGroup as "age_group" {
        /// Under 18.
        Minor = "minor": "未成年人",
        /// 18 to 59.
        Adult = "adult": "成年人",
        /// 60 or over.
        Elderly = "elderly": "老年人",
    }
}

crate::code_table! {
    /// Special groups (特殊群体) the person belongs to.
    pub enum SpecialGroup as "special_group" {
        /// Elderly (60 or over).
        Elderly = "elderly": "老年人",
        /// Minor.
        Minor = "minor": "未成年人",
        /// Person with a disability.
        Disabled = "disabled": "残疾人",
        /// Women (e.g. in family or employment matters).
        Women = "women": "妇女",
        /// Migrant worker.
        MigrantWorker = "migrant_worker": "农民工",
        /// Veteran or family of service members.
        Veteran = "veteran": "退役军人及军人军属",
        /// Low income, subsistence allowance or other social assistance.
        LowIncome = "low_income": "低收入/社会救助对象",
        /// Another special group.
        Other = "other": "其他特殊群体",
    }
}

crate::code_table! {
    /// What the matter is about.
    pub enum Topic as "consultation_topic" {
        /// Land acquisition and demolition.
        LandAcquisitionDemolition = "land_acquisition_demolition": "征地拆迁",
        /// Land rights.
        LandRights = "land_rights": "土地权属",
        /// Marriage and family.
        MarriageFamily = "marriage_family": "婚姻家庭",
        /// Support and maintenance.
        SupportMaintenance = "support_maintenance": "赡养抚养",
        /// Schooling and medical care.
        SchoolingMedical = "schooling_medical": "入学就医",
        /// Social security.
        SocialSecurity = "social_security": "社会保障",
        /// Labour and wages.
        LabourWages = "labour_wages": "劳动报酬",
        /// Contracts and debts.
        Contracts = "contracts": "合同债务",
        /// Traffic accidents.
        TrafficAccidents = "traffic_accidents": "交通事故",
        /// Neighbour disputes.
        NeighbourDisputes = "neighbour_disputes": "邻里纠纷",
        /// Other.
        Other = "other": "其他",
    }
}

crate::code_table! {
    /// How the consultation ended.
    pub enum Outcome as "consultation_outcome" {
        /// Answered.
        Answered = "answered": "已解答",
        /// Referred to legal aid.
        ReferredLegalAid = "referred_legal_aid": "转法律援助",
        /// Referred to people's mediation.
        ReferredMediation = "referred_mediation": "转人民调解",
        /// A petition-related matter resolved (涉法涉诉信访).
        PetitionResolved = "petition_resolved": "化解涉法涉诉信访",
        /// Referred to another agency.
        ReferredOtherAgency = "referred_other_agency": "转其他部门",
        /// Still open.
        Pending = "pending": "待办理",
    }
}

crate::code_table! {
    /// Where a consultation stands in review (咨询审核).
    pub enum ReviewState as "review_state" {
        /// Waiting for review.
        Pending = "pending": "待审核",
        /// Approved.
        Approved = "approved": "审核通过",
        /// Returned with a comment, to be corrected.
        Returned = "returned": "退回修改",
    }
}

crate::code_table! {
    /// A reviewer's decision.
    pub enum ReviewDecision as "review_decision" {
        /// Approve.
        Approve = "approve": "通过",
        /// Return with a comment.
        Return = "return": "退回",
    }
}

/// The age group of an age.
pub fn age_group(age: i32) -> AgeGroup {
    if age >= ELDERLY_AGE {
        AgeGroup::Elderly
    } else if age < ADULT_AGE {
        AgeGroup::Minor
    } else {
        AgeGroup::Adult
    }
}

/// The special groups recorded plus those the age proves (elderly, minor), sorted.
pub fn with_age_groups(groups: &[SpecialGroup], age_group: Option<AgeGroup>) -> Vec<SpecialGroup> {
    let mut out = groups.to_vec();
    match age_group {
        Some(AgeGroup::Elderly) => out.push(SpecialGroup::Elderly),
        Some(AgeGroup::Minor) => out.push(SpecialGroup::Minor),
        _ => {}
    }
    out.sort();
    out.dedup();
    out
}

/// The review state after a decision; only a pending entry can be decided.
pub fn decide(
    state: ReviewState,
    decision: ReviewDecision,
) -> Result<ReviewState, crate::domain::message::Message> {
    match state {
        ReviewState::Pending => Ok(match decision {
            ReviewDecision::Approve => ReviewState::Approved,
            ReviewDecision::Return => ReviewState::Returned,
        }),
        other => Err(crate::domain::message::Message::new(
            format!(
                "the consultation is {} ({}); only pending entries are reviewed (an edit returns it to review)",
                other.code(),
                other.label()
            ),
            format!(
                "该咨询记录当前为{}；只审核待审核的记录（修改后会重新进入审核）",
                other.label()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::assert_codes_match_serde;

    #[test]
    fn codes_are_the_serde_names() {
        assert_codes_match_serde::<Channel>();
        assert_codes_match_serde::<Site>();
        assert_codes_match_serde::<AgeGroup>();
        assert_codes_match_serde::<SpecialGroup>();
        assert_codes_match_serde::<Topic>();
        assert_codes_match_serde::<Outcome>();
        assert_codes_match_serde::<ReviewState>();
        assert_codes_match_serde::<ReviewDecision>();
    }

    #[test]
    fn age_groups_and_derived_special_groups() {
        assert_eq!(age_group(17), AgeGroup::Minor);
        assert_eq!(age_group(18), AgeGroup::Adult);
        assert_eq!(age_group(60), AgeGroup::Elderly);
        assert_eq!(
            with_age_groups(
                &[SpecialGroup::Disabled, SpecialGroup::Elderly],
                Some(AgeGroup::Elderly)
            ),
            vec![SpecialGroup::Elderly, SpecialGroup::Disabled]
        );
        assert_eq!(with_age_groups(&[], Some(AgeGroup::Adult)), vec![]);
    }

    #[test]
    fn only_pending_entries_are_decided() {
        assert_eq!(
            decide(ReviewState::Pending, ReviewDecision::Approve),
            Ok(ReviewState::Approved)
        );
        assert_eq!(
            decide(ReviewState::Pending, ReviewDecision::Return),
            Ok(ReviewState::Returned)
        );
        assert!(decide(ReviewState::Approved, ReviewDecision::Return).is_err());
        assert!(decide(ReviewState::Returned, ReviewDecision::Approve).is_err());
    }
}
