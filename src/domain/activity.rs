//! Outreach and training (举措5, 6, 8, 9; 四(三)): the kinds of activity, the topics they cover,
//! and the codec of the people who took part.

crate::code_table! {
    /// What kind of outreach or training an activity was, in the seed's own terms.
    pub enum ActivityKind as "activity_kind" {
        /// A legal lecture in a village (community) or enterprise (举措5: 普法讲座).
        LegalLecture = "legal_lecture": "普法讲座",
        /// A legal check-up of a village (community) (举措5: 法治体检).
        VillageCheckup = "village_checkup": "村（社区）法治体检",
        /// A legal check-up of an enterprise (举措5: 进村（社区）入企开展法治体检).
        EnterpriseCheckup = "enterprise_checkup": "企业法治体检",
        /// The themed tour "法律服务村村行 服务群众零距离" (举措9).
        ThemedTour = "themed_tour": "“法律服务村村行 服务群众零距离”主题宣讲",
        /// A mobile consultation station on a market day or at a large event (举措6).
        MobileStation = "mobile_station": "流动服务站点（集会日）",
        /// Publicity of the programme and the law (举措4; 四(三): 普法宣传).
        Publicity = "publicity": "普法宣传",
        /// A training session of managers and staff (举措8: 业务培训).
        Training = "training": "业务培训",
    }
}

crate::code_table! {
    /// What an activity was about: the rural hot topics of the themed tour (举措9), the programme
    /// itself (四(三)), and the contents of training (举措8).
    pub enum ActivityTopic as "activity_topic" {
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
        /// The programme of free consultation and legal aid itself (惠民工程).
        HuiminProgramme = "huimin_programme": "惠民工程宣传",
        /// Training: political theory.
        PoliticalTheory = "political_theory": "政治理论",
        /// Training: policies and regulations.
        PolicyRegulation = "policy_regulation": "政策法规",
        /// Training: professional knowledge.
        ProfessionalKnowledge = "professional_knowledge": "专业知识",
        /// Training: rules and standards of the programme.
        RulesStandards = "rules_standards": "制度规范",
        /// Training: risk prevention and control.
        RiskControl = "risk_control": "风险防控",
        /// Training: handling public opinion.
        PublicOpinion = "public_opinion": "舆情管理",
        /// Training: work with the public.
        MassWork = "mass_work": "群众工作",
        /// Training: service etiquette.
        ServiceEtiquette = "service_etiquette": "服务礼仪",
        /// Other.
        Other = "other": "其他",
    }
}

/// The most people one activity may list.
pub const MAX_STAFF: usize = 50;
/// The most topics one activity may list.
pub const MAX_TOPICS: usize = 16;
/// The largest audience one activity may record.
pub const MAX_AUDIENCE: i32 = 100_000;
/// The most materials one activity may record as handed out.
pub const MAX_MATERIALS: i32 = 1_000_000;

/// Encodes ids into one delimited text column (`,3,7,`), sorted and deduplicated, so that
/// `LIKE '%,7,%'` finds a member on every backend (as the code lists are kept).
pub fn encode_id_list(ids: &[i64]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() {
        return String::new();
    }
    let mut out = String::from(",");
    for id in sorted {
        out.push_str(&id.to_string());
        out.push(',');
    }
    out
}

/// Decodes a column written by [`encode_id_list`]; `None` when a member is not a number.
pub fn decode_id_list(text: &str) -> Option<Vec<i64>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::assert_codes_match_serde;

    #[test]
    fn codes_are_the_serde_names() {
        assert_codes_match_serde::<ActivityKind>();
        assert_codes_match_serde::<ActivityTopic>();
    }

    #[test]
    fn id_lists_are_canonical_and_round_trip() {
        assert_eq!(encode_id_list(&[7, 3, 7]), ",3,7,");
        assert_eq!(encode_id_list(&[]), "");
        assert_eq!(decode_id_list(",3,7,"), Some(vec![3, 7]));
        assert_eq!(decode_id_list(""), Some(vec![]));
        assert_eq!(decode_id_list(",3,x,"), None);
        // A member is found by its delimiters, never as part of another number.
        assert!(encode_id_list(&[17, 70]).contains(",17,"));
        assert!(!encode_id_list(&[17, 70]).contains(",7,"));
    }
}
