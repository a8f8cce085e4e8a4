//! The six roles of DESIGN.md and what each may do in general.

crate::code_table! {
    /// The role of an account or token.
    pub enum Role as "role" {
        /// County bureau administrator: everything in its subtree.
        Admin = "admin": "管理员（司法局）",
        /// Judicial office or centre staff: roster, consultations, follow-ups, reports.
        UnitStaff = "unit_staff": "司法所/中心工作人员",
        /// Legal aid centre officer: the aid workflow.
        AidOfficer = "aid_officer": "法律援助中心工作人员",
        /// Lawyer or grassroots legal worker.
        Provider = "provider": "律师/基层法律服务工作者",
        /// Reads everything with personal data masked; never writes.
        Auditor = "auditor": "审计/督查人员",
        /// A provincial system or third-party front end.
        Integration = "integration": "对接系统",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::CodeTable;

    #[test]
    fn six_roles_with_labels() {
        assert_eq!(Role::ALL.len(), 6);
        crate::domain::codes::assert_codes_match_serde::<Role>();
    }
}
