//! The one access table: for every operation of the contract (its OpenAPI `operationId`; for
//! the aid workflow one row per step), the roles it admits and the scope rule that decides
//! which objects a caller of those roles reaches.
//!
//! The `Authorized<P>` extractor admits a caller when the row of `P`'s operation names its role
//! (the aid workflow checks the row of the step); the stores apply the scope rule. A test calls
//! every operation as each role on objects inside and outside the scope and compares the answers
//! with this table, so a route without a row, or a row the service does not honour, fails.

use crate::domain::aid::AidAction;
use crate::domain::roles::Role;

/// Which objects of an operation a caller admitted by its roles reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// No token needed; public facts only.
    Public,
    /// The operator's scraper, with the metrics token of the configuration (no user role:
    /// a user's token is a 401).
    Operator,
    /// The caller's own account.
    Account,
    /// Data of the whole service (the business calendar): only callers of a top unit (one
    /// without a parent) change it.
    TopUnit,
    /// Objects of units in the caller's unit subtree. Outside it: 404 for an object named in
    /// the path, 422 for one named in the body, absent from lists.
    Subtree,
    /// Consultations of the caller's subtree; providers only those answered by their own staff
    /// record.
    Consultations,
    /// Duty shifts of the caller's subtree; providers only the shifts they are on.
    DutyShifts,
    /// Aid applications received in, or handled by a centre in, the caller's subtree;
    /// providers only the cases assigned to their own staff record, wherever the centre is.
    AidCases,
    /// Objections: aid applications whose centre was set up by a justice bureau in the caller's
    /// subtree (the bureau decides, never the centre that refused).
    CentreBureau,
    /// The audit trail's chains whose root unit is in the caller's subtree.
    Chains,
}

impl Scope {
    /// The rule in words (for the README and messages).
    pub const fn describe(self) -> &'static str {
        match self {
            Scope::Public => "public (no token)",
            Scope::Operator => "the operator's metrics token, no user role",
            Scope::Account => "the caller's own account",
            Scope::TopUnit => "the whole service; callers of a top unit only",
            Scope::Subtree => "the caller's unit subtree",
            Scope::Consultations => {
                "the caller's unit subtree; providers: consultations answered by their staff record"
            }
            Scope::DutyShifts => "the caller's unit subtree; providers: the shifts they are on",
            Scope::AidCases => {
                "received in or handled by a centre in the caller's subtree; providers: cases assigned to their staff record, wherever the centre is"
            }
            Scope::CentreBureau => {
                "applications whose centre was set up by a bureau in the caller's subtree"
            }
            Scope::Chains => "the trail's chains rooted in the caller's subtree",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The OpenAPI `operationId`.
    pub operation_id: &'static str,
    /// For `act_on_aid_application`: the step (`{action}`) the row is about.
    pub action: Option<AidAction>,
    /// The roles admitted (all six for public operations: a token is not needed).
    pub roles: &'static [Role],
    /// The scope rule.
    pub scope: Scope,
}

/// An operation of the contract, named by a marker type (`op::CreateConsultation`).
pub trait Operation {
    /// Its OpenAPI `operationId`.
    const ID: &'static str;
}

macro_rules! operations {
    ($($ty:ident = $id:literal,)*) => {
        /// One marker type per operation that needs a token (`Authorized<op::…>`).
        pub mod op {
            $(
                #[doc = concat!("The operation `", $id, "`.")]
                pub struct $ty;
                impl super::Operation for $ty {
                    const ID: &'static str = $id;
                }
            )*
        }
    };
}

operations! {
    ListAidApplications = "list_aid_applications",
    ExportAidApplications = "export_aid_applications",
    CorrectAidApplication = "correct_aid_application",
    CreateAidApplication = "create_aid_application",
    GetAidQueue = "get_aid_queue",
    GetAidApplication = "get_aid_application",
    GetAidEvents = "get_aid_events",
    SetGreenChannel = "set_green_channel",
    ListHardshipVerifications = "list_hardship_verifications",
    CreateHardshipVerification = "create_hardship_verification",
    ListAidWorkEntries = "list_aid_work_entries",
    CreateAidWorkEntry = "create_aid_work_entry",
    PutAidSubsidyRate = "put_aid_subsidy_rate",
    ListAidPapers = "list_aid_papers",
    GetPrintableAidPaper = "get_printable_aid_paper",
    ActOnAidApplication = "act_on_aid_application",
    ListActivities = "list_activities",
    CreateActivity = "create_activity",
    GetActivity = "get_activity",
    UpdateActivity = "update_activity",
    DeleteActivity = "delete_activity",
    GetMonthlyReportDraft = "get_monthly_report_draft",
    GetMonthlyReportStatus = "get_monthly_report_status",
    ListMonthlyReports = "list_monthly_reports",
    CreateMonthlyReport = "create_monthly_report",
    GetMonthlyReport = "get_monthly_report",
    ListAuditEvents = "list_audit_events",
    ListChanges = "list_changes",
    ListWebhooks = "list_webhooks",
    CreateWebhook = "create_webhook",
    UpdateWebhook = "update_webhook",
    DeleteWebhook = "delete_webhook",
    ListWebhookDeliveries = "list_webhook_deliveries",
    RedeliverWebhookDelivery = "redeliver_webhook_delivery",
    VerifyAuditEvents = "verify_audit_events",
    VerifyAuditEventsAgainstCheckpoint = "verify_audit_events_against_checkpoint",
    PutCalendarDay = "put_calendar_day",
    DeleteCalendarDay = "delete_calendar_day",
    ListConsultations = "list_consultations",
    CreateConsultation = "create_consultation",
    ExportConsultations = "export_consultations",
    GetReviewQueue = "get_review_queue",
    GetConsultation = "get_consultation",
    UpdateConsultation = "update_consultation",
    ReferToAid = "refer_to_aid",
    ReviewConsultation = "review_consultation",
    ListDutyShifts = "list_duty_shifts",
    CreateDutyShift = "create_duty_shift",
    CreateDutyShiftBatch = "create_duty_shift_batch",
    CreateDutyShiftPattern = "create_duty_shift_pattern",
    GetDutyShift = "get_duty_shift",
    DeleteDutyShift = "delete_duty_shift",
    UpdateDutyShift = "update_duty_shift",
    GetDutyCoverage = "get_duty_coverage",
    ListFollowUps = "list_follow_ups",
    GetDueFollowUps = "get_due_follow_ups",
    PlanFollowUps = "plan_follow_ups",
    GetSatisfaction = "get_satisfaction",
    GetTargetStats = "get_target_stats",
    ExportTargetStats = "export_target_stats",
    GetConsultationStats = "get_consultation_stats",
    ExportConsultationStats = "export_consultation_stats",
    GetAidStats = "get_aid_stats",
    ExportAidStats = "export_aid_stats",
    GetFollowUp = "get_follow_up",
    UpdateFollowUp = "update_follow_up",
    RecordFollowUpAttempt = "record_follow_up_attempt",
    ListInspections = "list_inspections",
    CreateInspection = "create_inspection",
    GetInspection = "get_inspection",
    UpdateInspection = "update_inspection",
    GetInspectionCompliance = "get_inspection_compliance",
    ListRecognitions = "list_recognitions",
    CreateRecognition = "create_recognition",
    GetRecognition = "get_recognition",
    UpdateRecognition = "update_recognition",
    GetMe = "get_me",
    Logout = "logout",
    ListStaff = "list_staff",
    CreateStaff = "create_staff",
    GetStaff = "get_staff",
    UpdateStaff = "update_staff",
    ListUnits = "list_units",
    CreateUnit = "create_unit",
    GetUnit = "get_unit",
    UpdateUnit = "update_unit",
    ListUnitTargets = "list_unit_targets",
    PutUnitTarget = "put_unit_target",
    ListUsers = "list_users",
    CreateUser = "create_user",
    GetUser = "get_user",
    UpdateUser = "update_user",
    ListClients = "list_clients",
    CreateClient = "create_client",
    GetClient = "get_client",
    RotateClientSecret = "rotate_client_secret",
    DeactivateClient = "deactivate_client",
}

use Role::{
    Admin as ADM, AidOfficer as AID, Auditor as AUD, Integration as INT, Provider as PRO,
    UnitStaff as STF,
};

const ALL: &[Role] = &[ADM, STF, AID, PRO, AUD, INT];
const NO_ROLE: &[Role] = &[];
const ADMINS: &[Role] = &[ADM];
const ROSTER: &[Role] = &[ADM, STF];
const READ_NOT_PROVIDERS: &[Role] = &[ADM, STF, AID, AUD, INT];
const CONSULTATION_WRITERS: &[Role] = &[ADM, STF, AID, PRO, INT];
const CORRECTORS: &[Role] = &[ADM, STF, AID];
const AID_INTAKE: &[Role] = &[ADM, STF, AID, INT];
const AID_DESK: &[Role] = &[ADM, AID];
const FOLLOW_UP_KEEPERS: &[Role] = &[ADM, STF, AID];
const OUTREACH: &[Role] = &[ADM, STF, AID];
const REPORTERS: &[Role] = &[ADM, STF];
const AUDIT_READERS: &[Role] = &[ADM, AUD];
const FEED_READERS: &[Role] = &[ADM, AUD, INT];
const SUBSCRIBERS: &[Role] = &[ADM, INT];
const OFFICERS: &[Role] = &[AID];
const OFFICERS_AND_OFFICES: &[Role] = &[AID, STF];
const BUREAU: &[Role] = &[ADM];
const CASEWORK: &[Role] = &[AID, PRO];

const fn row(operation_id: &'static str, roles: &'static [Role], scope: Scope) -> Rule {
    Rule {
        operation_id,
        action: None,
        roles,
        scope,
    }
}

const fn step(action: AidAction, roles: &'static [Role], scope: Scope) -> Rule {
    Rule {
        operation_id: "act_on_aid_application",
        action: Some(action),
        roles,
        scope,
    }
}

/// The table.
pub const TABLE: &[Rule] = {
    use AidAction as A;
    use Scope as S;
    &[
        // Public.
        row("create_token", ALL, S::Public),
        row("get_calendar", ALL, S::Public),
        row("get_dictionaries", ALL, S::Public),
        row("get_duty_today", ALL, S::Public),
        row("get_board_page", ALL, S::Public),
        row("get_duty_feed", ALL, S::Public),
        row("health_live", ALL, S::Public),
        row("health_ready", ALL, S::Public),
        row("metrics", NO_ROLE, S::Operator),
        row("get_me", ALL, S::Account),
        row("logout", ALL, S::Account),
        // Units, targets, accounts, calendar.
        row("list_units", ALL, S::Subtree),
        row("get_unit", ALL, S::Subtree),
        row("create_unit", ADMINS, S::Subtree),
        row("update_unit", ADMINS, S::Subtree),
        row("list_unit_targets", ALL, S::Subtree),
        row("put_unit_target", ADMINS, S::Subtree),
        row("list_users", ADMINS, S::Subtree),
        row("get_user", ADMINS, S::Subtree),
        row("create_user", ADMINS, S::Subtree),
        row("update_user", ADMINS, S::Subtree),
        row("list_clients", ADMINS, S::Subtree),
        row("get_client", ADMINS, S::Subtree),
        row("create_client", ADMINS, S::Subtree),
        row("rotate_client_secret", ADMINS, S::Subtree),
        row("deactivate_client", ADMINS, S::Subtree),
        row("put_calendar_day", ADMINS, S::TopUnit),
        row("delete_calendar_day", ADMINS, S::TopUnit),
        // Staff and the duty roster.
        row("list_staff", ALL, S::Subtree),
        row("get_staff", ALL, S::Subtree),
        row("create_staff", ROSTER, S::Subtree),
        row("update_staff", ROSTER, S::Subtree),
        row("list_duty_shifts", ALL, S::DutyShifts),
        row("get_duty_shift", ALL, S::DutyShifts),
        row("create_duty_shift", ROSTER, S::Subtree),
        row("create_duty_shift_batch", ROSTER, S::Subtree),
        row("create_duty_shift_pattern", ROSTER, S::Subtree),
        row("update_duty_shift", ROSTER, S::Subtree),
        row("delete_duty_shift", ROSTER, S::Subtree),
        row("get_duty_coverage", READ_NOT_PROVIDERS, S::Subtree),
        // Consultations.
        row("list_consultations", ALL, S::Consultations),
        row("get_consultation", ALL, S::Consultations),
        row("export_consultations", ALL, S::Consultations),
        row("create_consultation", CONSULTATION_WRITERS, S::Subtree),
        row("update_consultation", CORRECTORS, S::Subtree),
        row("get_review_queue", ADMINS, S::Subtree),
        row("review_consultation", ADMINS, S::Subtree),
        row("refer_to_aid", AID_INTAKE, S::Subtree),
        // Follow-ups.
        row("list_follow_ups", READ_NOT_PROVIDERS, S::Subtree),
        row("get_follow_up", READ_NOT_PROVIDERS, S::Subtree),
        row("get_due_follow_ups", READ_NOT_PROVIDERS, S::Subtree),
        row("get_satisfaction", READ_NOT_PROVIDERS, S::Subtree),
        row("plan_follow_ups", FOLLOW_UP_KEEPERS, S::Subtree),
        row("update_follow_up", FOLLOW_UP_KEEPERS, S::Subtree),
        row("record_follow_up_attempt", FOLLOW_UP_KEEPERS, S::Subtree),
        // Supervision and statistics: aggregates of the subtree, no personal data; read as the
        // satisfaction report is (every role but providers, whose reach is their own cases).
        row("get_target_stats", READ_NOT_PROVIDERS, S::Subtree),
        row("export_target_stats", READ_NOT_PROVIDERS, S::Subtree),
        row("get_consultation_stats", READ_NOT_PROVIDERS, S::Subtree),
        row("export_consultation_stats", READ_NOT_PROVIDERS, S::Subtree),
        row("get_aid_stats", READ_NOT_PROVIDERS, S::Subtree),
        row("export_aid_stats", READ_NOT_PROVIDERS, S::Subtree),
        // Outreach and training: held by offices, centres and the bureau.
        row("list_activities", ALL, S::Subtree),
        row("get_activity", ALL, S::Subtree),
        row("create_activity", OUTREACH, S::Subtree),
        row("update_activity", OUTREACH, S::Subtree),
        row("delete_activity", OUTREACH, S::Subtree),
        // Monthly reports: an office (or the bureau for it) submits; the others read.
        row("get_monthly_report_draft", READ_NOT_PROVIDERS, S::Subtree),
        row("get_monthly_report_status", READ_NOT_PROVIDERS, S::Subtree),
        row("list_monthly_reports", READ_NOT_PROVIDERS, S::Subtree),
        row("get_monthly_report", READ_NOT_PROVIDERS, S::Subtree),
        row("create_monthly_report", REPORTERS, S::Subtree),
        // Supervision: the bureau's admins record inspections and recognitions; every role but
        // providers reads inspections (offices and centres see what their own subtree made),
        // every role reads recognitions (honours are public within the subtree).
        row("list_inspections", READ_NOT_PROVIDERS, S::Subtree),
        row("get_inspection", READ_NOT_PROVIDERS, S::Subtree),
        row("get_inspection_compliance", READ_NOT_PROVIDERS, S::Subtree),
        row("create_inspection", ADMINS, S::Subtree),
        row("update_inspection", ADMINS, S::Subtree),
        row("list_recognitions", ALL, S::Subtree),
        row("get_recognition", ALL, S::Subtree),
        row("create_recognition", ADMINS, S::Subtree),
        row("update_recognition", ADMINS, S::Subtree),
        // Legal aid.
        row("list_aid_applications", ALL, S::AidCases),
        row("export_aid_applications", ALL, S::AidCases),
        row("correct_aid_application", CORRECTORS, S::AidCases),
        row("get_aid_queue", ALL, S::AidCases),
        row("get_aid_application", ALL, S::AidCases),
        row("get_aid_events", ALL, S::AidCases),
        row("list_hardship_verifications", ALL, S::AidCases),
        row("create_aid_application", AID_INTAKE, S::Subtree),
        row("set_green_channel", AID_DESK, S::AidCases),
        row("create_hardship_verification", AID_DESK, S::AidCases),
        // The provider's work log: kept by the provider assigned (or an officer), read as the case.
        row("list_aid_work_entries", ALL, S::AidCases),
        row("create_aid_work_entry", CASEWORK, S::AidCases),
        // The written documents of a case, read as the case (masked as the case is).
        row("list_aid_papers", ALL, S::AidCases),
        row("get_printable_aid_paper", ALL, S::AidCases),
        // The case subsidy rates: a published standard, kept by the top unit's admins.
        row("list_aid_subsidy_rates", ALL, S::Public),
        row("put_aid_subsidy_rate", ADMINS, S::TopUnit),
        // The workflow: the centre decides; township offices accept on its behalf (代受理) and
        // receive materials; the provider assigned signs, starts, closes and hands in the case
        // file; the objection goes
        // to the justice bureau that set up the centre, never to the centre that refused.
        step(A::Accept, OFFICERS_AND_OFFICES, S::AidCases),
        step(A::RequestMaterials, OFFICERS, S::AidCases),
        step(A::ReceiveMaterials, OFFICERS_AND_OFFICES, S::AidCases),
        step(A::Approve, OFFICERS, S::AidCases),
        step(A::Reject, OFFICERS, S::AidCases),
        step(A::Object, BUREAU, S::CentreBureau),
        step(A::UpholdObjection, BUREAU, S::CentreBureau),
        step(A::DismissObjection, BUREAU, S::CentreBureau),
        step(A::Assign, OFFICERS, S::AidCases),
        step(A::SignAgreement, CASEWORK, S::AidCases),
        step(A::Start, CASEWORK, S::AidCases),
        step(A::Close, CASEWORK, S::AidCases),
        step(A::File, CASEWORK, S::AidCases),
        step(A::ChangeProvider, OFFICERS, S::AidCases),
        step(A::Review, OFFICERS, S::AidCases),
        step(A::Terminate, OFFICERS, S::AidCases),
        step(A::Withdraw, OFFICERS, S::AidCases),
        // The audit trail.
        row("list_audit_events", AUDIT_READERS, S::Subtree),
        row("verify_audit_events", AUDIT_READERS, S::Chains),
        row(
            "verify_audit_events_against_checkpoint",
            AUDIT_READERS,
            S::Chains,
        ),
        // The change feed.
        row("list_changes", FEED_READERS, S::Subtree),
        // Webhook subscriptions of the subtree.
        row("list_webhooks", SUBSCRIBERS, S::Subtree),
        row("create_webhook", SUBSCRIBERS, S::Subtree),
        row("update_webhook", SUBSCRIBERS, S::Subtree),
        row("delete_webhook", SUBSCRIBERS, S::Subtree),
        row("list_webhook_deliveries", SUBSCRIBERS, S::Subtree),
        row("redeliver_webhook_delivery", SUBSCRIBERS, S::Subtree),
    ]
};

/// The rows of an operation (one, or one per step).
pub fn rules(operation_id: &str) -> impl Iterator<Item = &'static Rule> + '_ {
    TABLE.iter().filter(move |r| r.operation_id == operation_id)
}

/// The row of an operation (and step).
pub fn rule(operation_id: &str, action: Option<AidAction>) -> Option<&'static Rule> {
    rules(operation_id).find(|r| r.action == action)
}

/// Whether any row of the operation admits the role.
pub fn admits(operation_id: &str, role: Role) -> bool {
    rules(operation_id).any(|r| r.roles.contains(&role))
}

/// Whether the role may take a step of the aid workflow.
pub fn may_take(role: Role, action: AidAction) -> bool {
    rule("act_on_aid_application", Some(action)).is_some_and(|r| r.roles.contains(&role))
}

/// The roles of the operation, in words (for a 403).
/// Why `role` may not call an operation (or take a step of it): `what` is for the roles the
/// rules name.
pub fn refusal(
    what: &str,
    operation_id: &str,
    action: Option<AidAction>,
    role: Role,
) -> crate::domain::message::Message {
    use crate::domain::codes::CodeTable;
    let roles = roles_of(operation_id, action);
    let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
    let labels: Vec<&str> = roles.iter().map(|r| r.label()).collect();
    crate::domain::message::Message::new(
        format!(
            "{what} is for the roles {}; your role is {role}",
            codes.join(", ")
        ),
        format!(
            "{what} 仅限以下角色：{}；您的角色是{}",
            labels.join("、"),
            role.label()
        ),
    )
}

fn roles_of(operation_id: &str, action: Option<AidAction>) -> Vec<Role> {
    let mut roles: Vec<Role> = Vec::new();
    for r in rules(operation_id).filter(|r| action.is_none() || r.action == action) {
        for role in r.roles {
            if !roles.contains(role) {
                roles.push(*role);
            }
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::CodeTable;

    #[test]
    fn every_step_has_one_row_and_operations_one_row() {
        for action in AidAction::ALL {
            assert_eq!(
                TABLE.iter().filter(|r| r.action == Some(*action)).count(),
                1,
                "{action:?}"
            );
        }
        for r in TABLE.iter().filter(|r| r.action.is_none()) {
            assert_eq!(rules(r.operation_id).count(), 1, "{}", r.operation_id);
        }
    }

    #[test]
    fn the_objection_is_never_decided_by_the_centre() {
        for action in [
            AidAction::Object,
            AidAction::UpholdObjection,
            AidAction::DismissObjection,
        ] {
            assert!(!may_take(Role::AidOfficer, action));
            assert!(!may_take(Role::UnitStaff, action));
            assert!(may_take(Role::Admin, action));
        }
        for action in [AidAction::Reject, AidAction::Terminate] {
            assert!(
                !may_take(Role::Admin, action),
                "the bureau reviews {action:?}"
            );
        }
        assert!(may_take(Role::UnitStaff, AidAction::Accept));
        assert!(!may_take(Role::UnitStaff, AidAction::Withdraw));
        assert!(may_take(Role::Provider, AidAction::SignAgreement));
        assert!(!may_take(Role::Provider, AidAction::Assign));
        assert!(!may_take(Role::Auditor, AidAction::Accept));
        assert!(!may_take(Role::Integration, AidAction::Accept));
    }

    #[test]
    fn consultations_are_corrected_by_their_units_only() {
        let correctors = rule("update_consultation", None).expect("row").roles;
        assert!(!correctors.contains(&Role::Integration));
        assert!(!correctors.contains(&Role::Provider));
        assert!(correctors.contains(&Role::UnitStaff) && correctors.contains(&Role::Admin));
    }

    #[test]
    fn auditors_never_write() {
        for r in TABLE {
            let write = !r.operation_id.starts_with("list_")
                && !r.operation_id.starts_with("get_")
                && !r.operation_id.starts_with("export_")
                && !matches!(
                    r.operation_id,
                    "verify_audit_events" | "verify_audit_events_against_checkpoint"
                )
                && !matches!(r.scope, Scope::Public | Scope::Operator | Scope::Account);
            if write {
                assert!(!r.roles.contains(&Role::Auditor), "{}", r.operation_id);
            }
        }
    }
}
