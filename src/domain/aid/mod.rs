//! Legal aid for special groups: the green channel, the statutory workflow as a table of allowed
//! transitions, and its deadlines (PRC Legal Aid Law 2021; MoJ procedure rules 2023; Shanxi
//! pledge system 2023). Periods are counted in days as the Civil Code counts them (see
//! [`crate::domain::periods`]): from the day after the event, to 24:00 of the last day in China,
//! a last day that is a rest day moving to the next working day.

use crate::domain::consultation::{AgeGroup, SpecialGroup};

/// Default reply time for a materials request, in days (the request may set its own, 1 to 30).
pub const MATERIALS_REPLY_DAYS: u32 = 15;
/// Green channel: the centre's internal target of one working day per step (举措7).
pub const GREEN_TARGET_WORKING_DAYS: u32 = 1;

crate::code_table! {
    /// The matter (Legal Aid Law Art. 31 for civil and administrative matters, plus criminal).
    pub enum MatterCategory as "aid_matter_category" {
        /// State compensation.
        StateCompensation = "state_compensation": "请求国家赔偿",
        /// Social insurance benefits or social assistance.
        SocialInsuranceAssistance = "social_insurance_assistance": "请求社会保险待遇或社会救助",
        /// Survivors' pensions (抚恤金).
        Pension = "pension": "请求发给抚恤金",
        /// Support and maintenance payments.
        SupportPayments = "support_payments": "请求给付赡养费、抚养费、扶养费",
        /// Labour relations or wages.
        LabourWages = "labour_wages": "请求确认劳动关系或支付劳动报酬",
        /// Civil capacity.
        CivilCapacity = "civil_capacity": "请求认定无/限制民事行为能力",
        /// Injury from traffic, food or drug safety, or medical accidents (and, in records
        /// made before `work_injury` was its own category, work injuries).
        PersonalInjury = "personal_injury": "交通、食品药品、医疗事故人身损害赔偿",
        /// Injury from a work accident (工伤): with wages, the migrant workers' matter of
        /// Art. 42(3).
        WorkInjury = "work_injury": "工伤事故人身损害赔偿",
        /// Pollution or ecological damage.
        EnvironmentalDamage = "environmental_damage": "环境污染、生态破坏损害赔偿",
        /// Other civil or administrative matters laws provide for.
        OtherCivil = "other_civil": "法律法规规定的其他情形",
        /// Criminal defence.
        CriminalDefence = "criminal_defence": "刑事辩护",
        /// Representing a victim in a criminal case.
        CriminalVictim = "criminal_victim": "刑事被害人代理",
    }
}

crate::code_table! {
    /// How the application arrived (举措7: phone booking, mail, online, home visits).
    pub enum AidChannel as "aid_channel" {
        /// In person.
        WalkIn = "walk_in": "当面申请",
        /// Booked by phone.
        PhoneBooking = "phone_booking": "电话预约受理",
        /// By mail.
        Mail = "mail": "邮寄申请",
        /// Online.
        Online = "online": "网上申请",
        /// At home, for people who cannot travel.
        HomeVisit = "home_visit": "上门受理",
        /// Accepted on the centre's behalf by a township office (代受理).
        TownshipOnBehalf = "township_on_behalf": "司法所代受理",
        /// Notice from a court, procuratorate or police (通知辩护/代理).
        OfficialNotice = "official_notice": "办案机关通知",
    }
}

crate::code_table! {
    /// How financial hardship is established (Law Art. 41, 42, 32; Shanxi 告知承诺制).
    pub enum HardshipCheck as "hardship_check" {
        /// Exempt under Art. 42.
        Exempt = "exempt": "免予核查（第四十二条）",
        /// No hardship condition under Art. 32.
        NotRequired = "not_required": "不受经济困难条件限制（第三十二条）",
        /// The applicant's pledge, verified later.
        Pledge = "pledge": "个人诚信承诺",
        /// Proof of hardship.
        Proof = "proof": "提交经济困难证明",
    }
}

crate::code_table! {
    /// The ground that exempts or frees an applicant from the hardship check.
    pub enum HardshipGround as "hardship_ground" {
        /// Art. 42: minor, elderly or disabled person without fixed income.
        NoFixedIncome = "no_fixed_income": "无固定生活来源的未成年人、老年人、残疾人",
        /// Art. 42: recipient of social or judicial assistance, or 优抚.
        AssistanceRecipient = "assistance_recipient": "社会救助、司法救助或优抚对象",
        /// Art. 42: migrant worker claiming wages or work-injury compensation.
        MigrantWorkerWages = "migrant_worker_wages": "申请支付劳动报酬或工伤赔偿的进城务工人员",
        /// Art. 42(4): other people laws, regulations or rules exempt.
        OtherExempt = "other_exempt": "法律、法规、规章规定的其他人员（第四十二条第四项）",
        /// Art. 32: relative of a hero or martyr.
        HeroMartyrRelative = "hero_martyr_relative": "英雄烈士近亲属维护其权益",
        /// Art. 32: acts of bravery (见义勇为).
        ActOfBravery = "act_of_bravery": "因见义勇为行为主张权益",
        /// Art. 32: state compensation after acquittal on retrial.
        RetrialAcquittal = "retrial_acquittal": "再审改判无罪请求国家赔偿",
        /// Art. 32: victim of abuse, abandonment or domestic violence.
        DomesticViolenceVictim = "domestic_violence_victim": "遭受虐待、遗弃或者家庭暴力的受害人",
        /// Art. 32(5): other situations laws, regulations or rules provide for.
        OtherUnconditional = "other_unconditional": "法律、法规、规章规定的其他情形（第三十二条第五项）",
    }
}

crate::code_table! {
    /// How a hardship pledge was verified afterwards.
    pub enum VerificationMethod as "hardship_verification_method" {
        /// By letter or phone to the authorities concerned.
        LetterOrPhone = "letter_or_phone": "函询/电话核查",
        /// Through the government data-sharing platform.
        DataPlatform = "data_platform": "信息共享平台核查",
        /// By a home visit.
        HomeVisit = "home_visit": "入户核查",
    }
}

crate::code_table! {
    /// What the verification found.
    pub enum VerificationResult as "hardship_verification_result" {
        /// The pledge holds.
        Confirmed = "confirmed": "属实",
        /// The pledge does not hold (aid may be terminated on Art. 48 grounds).
        NotConfirmed = "not_confirmed": "不属实",
    }
}

crate::code_table! {
    /// Why an application is on the green channel.
    pub enum GreenReason as "green_channel_reason" {
        /// 60 or over on the day of application.
        Elderly = "elderly": "老年人",
        /// Under 18 on the day of application.
        Minor = "minor": "未成年人",
        /// Disabled.
        Disabled = "disabled": "残疾人",
        /// Exempt from the hardship check (Art. 42).
        Article42 = "article42": "免予核查经济困难（第四十二条）",
        /// No hardship condition (Art. 32).
        Article32 = "article32": "不受经济困难条件限制（第三十二条）",
        /// Migrant worker claiming wages or work-injury compensation.
        MigrantWorkerWages = "migrant_worker_wages": "农民工讨薪或工伤赔偿",
        /// Veterans and service members' families: accepted, reviewed and assigned first
        /// (退役军人事务部、司法部关于加强退役军人法律援助工作的意见, 2021).
        Veteran = "veteran": "退役军人及军人军属（优先受理、审查、指派）",
        /// Set by an aid officer.
        SetByOfficer = "set_by_officer": "工作人员认定",
    }
}

crate::code_table! {
    /// Why urgent aid is given before review (Law Art. 44).
    pub enum UrgentGround as "urgent_ground" {
        /// A limitation period or procedural deadline ends within 7 days.
        DeadlineWithinSevenDays = "deadline_within_seven_days": "距诉讼时效或法定期限届满不足七日",
        /// Preservation or enforcement is needed at once.
        ImmediatePreservation = "immediate_preservation": "需要立即申请财产保全、证据保全或先予执行",
        /// Another ground the law provides.
        Other = "other": "法律法规规定的其他情形",
    }
}

crate::code_table! {
    /// Why aid ends early (Law Art. 48).
    pub enum TerminationGround as "termination_ground" {
        /// Obtained by fraud or other improper means.
        Fraud = "fraud": "以欺骗或者其他不正当手段获得法律援助",
        /// Hid facts or used false evidence.
        FalseEvidence = "false_evidence": "故意隐瞒重要事实或者提供虚假证据",
        /// Used aid for illegal ends.
        IllegalUse = "illegal_use": "利用法律援助从事违法活动",
        /// Finances changed.
        FinancesChanged = "finances_changed": "经济状况发生变化不再符合条件",
        /// Proceedings ended or withdrawn.
        ProceedingsEnded = "proceedings_ended": "案件终止审理或者被撤销",
        /// Hired a lawyer of their own.
        OwnLawyer = "own_lawyer": "自行委托律师或者其他代理人",
        /// The recipient asked, with reason.
        RecipientRequest = "recipient_request": "受援人有正当理由要求终止",
        /// Other legal grounds.
        Other = "other": "法律法规规定的其他情形",
        /// Urgent aid given before review (Art. 44) was refused when it was decided afterwards.
        NotEligible = "not_eligible": "先行提供法律援助后经审查不符合法律援助条件",
    }
}

crate::code_table! {
    /// Where an application stands.
    pub enum AidState as "aid_state" {
        /// Received, not yet accepted.
        Submitted = "submitted": "已申请",
        /// Accepted, under review.
        Accepted = "accepted": "已受理（审查中）",
        /// Missing materials requested in one notice (一次性告知); the review clock stops.
        MaterialsRequested = "materials_requested": "一次性告知补充材料",
        /// Approved.
        Approved = "approved": "决定给予援助",
        /// Rejected in writing with reasons.
        Rejected = "rejected": "决定不予援助",
        /// An objection is before the justice bureau.
        Objection = "objection": "异议审查中",
        /// The objection was dismissed; the decision stands.
        ObjectionDismissed = "objection_dismissed": "异议驳回",
        /// A provider is assigned.
        Assigned = "assigned": "已指派",
        /// The service agreement is signed.
        AgreementSigned = "agreement_signed": "已签订委托协议",
        /// The case is in progress.
        InProgress = "in_progress": "承办中",
        /// Closed by the provider; the case file is due within 30 days.
        Closed = "closed": "已结案（待提交立卷材料）",
        /// The provider handed in the case file: the case is filed (归档).
        Filed = "filed": "已归档",
        /// Terminated on an Art. 48 ground.
        Terminated = "terminated": "终止援助",
        /// Withdrawn (or treated as withdrawn when materials were not supplied).
        Withdrawn = "withdrawn": "已撤回",
    }
}

crate::code_table! {
    /// A step of the workflow.
    pub enum AidAction as "aid_action" {
        /// Accept the application.
        Accept = "accept": "受理",
        /// Ask for every missing material in one notice.
        RequestMaterials = "request_materials": "一次性告知补充材料",
        /// Materials arrived; the review clock runs again.
        ReceiveMaterials = "receive_materials": "收到补充材料",
        /// Approve.
        Approve = "approve": "决定给予援助",
        /// Reject with reasons.
        Reject = "reject": "决定不予援助",
        /// The applicant objects (to a rejection or a termination).
        Object = "object": "提出异议",
        /// The bureau upholds the objection: aid is given.
        UpholdObjection = "uphold_objection": "异议成立",
        /// The bureau dismisses the objection.
        DismissObjection = "dismiss_objection": "驳回异议",
        /// Assign a provider (provisionally before approval for urgent aid).
        Assign = "assign": "指派承办人员",
        /// The service agreement is signed.
        SignAgreement = "sign_agreement": "签订委托协议",
        /// Work begins.
        Start = "start": "开始承办",
        /// Close the case.
        Close = "close": "结案",
        /// Hand in the case file (立卷材料) after closing.
        File = "file": "提交立卷材料归档",
        /// Terminate aid on an Art. 48 ground.
        Terminate = "terminate": "终止援助",
        /// The applicant withdraws (or failed to supplement materials).
        Withdraw = "withdraw": "撤回申请",
        /// Replace the provider, with the reason (the agreement is signed again).
        ChangeProvider = "change_provider": "更换承办人员",
        /// The centre's closing review (结案审查) of a filed case: a quality grade and the case
        /// subsidy (办案补贴) from the rate table.
        Review = "review": "结案审查",
    }
}

crate::code_table! {
    /// How a case ended, as the provider reports at closing.
    pub enum ClosingOutcome as "aid_closing_outcome" {
        /// A judgment or ruling.
        Judgment = "judgment": "判决/裁定",
        /// A mediation agreement or mediation document.
        Mediation = "mediation": "调解",
        /// A settlement between the parties.
        Settlement = "settlement": "和解",
        /// The claim or case was withdrawn.
        Withdrawal = "withdrawal": "撤诉/撤回",
        /// An arbitration award.
        Arbitration = "arbitration": "仲裁裁决",
        /// Another ending (e.g. a criminal case not prosecuted).
        Other = "other": "其他",
    }
}

crate::code_table! {
    /// The quality grade of the closing review (结案审查).
    pub enum QualityGrade as "aid_quality_grade" {
        /// Excellent.
        Excellent = "excellent": "优秀",
        /// Good.
        Good = "good": "良好",
        /// Passed.
        Pass = "pass": "合格",
        /// Failed.
        Fail = "fail": "不合格",
    }
}

crate::code_table! {
    /// What a provider did on a case (the work log).
    pub enum WorkKind as "aid_work_kind" {
        /// Met the client (or the accused in custody).
        Meeting = "meeting": "会见/约见受援人",
        /// Read the case file.
        FileReading = "file_reading": "阅卷",
        /// Gathered evidence.
        Investigation = "investigation": "调查取证",
        /// Drafted a legal document.
        Drafting = "drafting": "代写法律文书",
        /// Attended a hearing.
        Hearing = "hearing": "出庭",
        /// Took part in mediation or negotiation.
        Mediation = "mediation": "参与调解/协商",
        /// Reported a ground on which aid must end (Art. 48), for the centre to decide.
        TerminationReport = "termination_report": "报告终止法律援助情形",
        /// Anything else worth recording.
        Other = "other": "其他",
    }
}

crate::code_table! {
    /// Which deadline an application is under.
    pub enum DeadlineKind as "aid_deadline_kind" {
        /// Review within 7 days of receipt (Art. 43), paused while materials are requested.
        Review = "review": "审查期限（7日）",
        /// The applicant's reply to a materials request.
        MaterialsReply = "materials_reply": "补充材料期限",
        /// Assignment within 3 days of approval.
        Assignment = "assignment": "指派期限（3日）",
        /// Assignment within 3 days of an official notice (通知辩护).
        NoticeAssignment = "notice_assignment": "通知辩护指派期限（3日）",
        /// Agreement within 5 days of assignment.
        Agreement = "agreement": "签订协议期限（5日）",
        /// Objection decided within 5 days.
        Objection = "objection": "异议审查期限（5日）",
        /// Files within 30 days of closing.
        Filing = "filing": "提交立卷材料期限（30日）",
        /// The centre reviews the file within 30 days of receiving it.
        ClosingReview = "closing_review": "结案审查期限（30日）",
    }
}

/// What the green channel looks at.
#[derive(Debug, Clone, Default)]
pub struct Applicant<'a> {
    /// Age group on the day of application (from the ID number).
    pub age_group: Option<AgeGroup>,
    /// Disabled.
    pub disabled: bool,
    /// Special groups recorded.
    pub special_groups: &'a [SpecialGroup],
    /// The exemption or freedom ground, if any.
    pub hardship_ground: Option<HardshipGround>,
    /// The matter.
    pub matter: Option<MatterCategory>,
}

/// The reasons an applicant is on the green channel (empty: not green).
pub fn green_reasons(a: &Applicant) -> Vec<GreenReason> {
    let mut out = Vec::new();
    match a.age_group {
        Some(AgeGroup::Elderly) => out.push(GreenReason::Elderly),
        Some(AgeGroup::Minor) => out.push(GreenReason::Minor),
        _ => {}
    }
    if a.disabled || a.special_groups.contains(&SpecialGroup::Disabled) {
        out.push(GreenReason::Disabled);
    }
    if a.special_groups.contains(&SpecialGroup::Veteran) {
        out.push(GreenReason::Veteran);
    }
    match a.hardship_ground {
        Some(g) if is_article_32(g) => out.push(GreenReason::Article32),
        Some(_) => out.push(GreenReason::Article42),
        None => {}
    }
    if a.special_groups.contains(&SpecialGroup::MigrantWorker)
        && a.matter.is_some_and(is_wages_or_work_injury)
    {
        out.push(GreenReason::MigrantWorkerWages);
    }
    out.sort();
    out.dedup();
    out
}

/// The matters of Art. 42(3): wages, or compensation for a work injury (not traffic, food,
/// drug or medical injuries, which share Art. 31(7) with it).
pub fn is_wages_or_work_injury(m: MatterCategory) -> bool {
    matches!(m, MatterCategory::LabourWages | MatterCategory::WorkInjury)
}

/// Whether a ground is one of Art. 32 (no hardship condition) rather than Art. 42 (exempt).
pub fn is_article_32(g: HardshipGround) -> bool {
    matches!(
        g,
        HardshipGround::HeroMartyrRelative
            | HardshipGround::ActOfBravery
            | HardshipGround::RetrialAcquittal
            | HardshipGround::DomesticViolenceVictim
            | HardshipGround::OtherUnconditional
    )
}

/// What intake checks of an application.
#[derive(Debug, Clone, Copy)]
pub struct Intake {
    /// How it arrived (an official notice takes its own path).
    pub channel: AidChannel,
    /// The matter.
    pub matter: MatterCategory,
    /// How hardship is established.
    pub hardship_check: HardshipCheck,
    /// The ground that exempts or frees from the check.
    pub hardship_ground: Option<HardshipGround>,
    /// The applicant is under 18 on the day of application.
    pub minor: bool,
    /// A guardian (legal representative) is named, with the relation.
    pub guardian: bool,
}

/// A field of an application that breaks a rule of intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeError {
    /// The field.
    pub field: &'static str,
    /// The error code.
    pub code: &'static str,
    /// Why, in words.
    pub message: &'static str,
}

/// Checks the rules of intake that join several fields.
///
/// - An official notice (通知辩护, Law Art. 25, 36) is a criminal defence with no means test:
///   `criminal_defence`, `not_required`, no ground.
/// - `exempt` needs an Art. 42 ground, `not_required` an Art. 32 ground; a pledge or proof
///   names none (a ground frees the applicant from proving hardship at all).
/// - The migrant workers' ground of Art. 42(3) is for wages and work injuries only.
/// - A minor applies through a guardian (Law Art. 40: the legal representative applies for a
///   person without full capacity).
pub fn check_intake(i: &Intake) -> Result<(), IntakeError> {
    let fail = |field, code, message| {
        Err(IntakeError {
            field,
            code,
            message,
        })
    };
    if i.channel == AidChannel::OfficialNotice {
        if i.matter != MatterCategory::CriminalDefence {
            return fail(
                "matter_category",
                "mismatch",
                "an official notice (通知辩护, Art. 25) is for a criminal defence",
            );
        }
        if i.hardship_check != HardshipCheck::NotRequired || i.hardship_ground.is_some() {
            return fail(
                "hardship_check",
                "mismatch",
                "an official notice (通知辩护) has no means test: `not_required` with no ground",
            );
        }
    } else {
        match (i.hardship_check, i.hardship_ground) {
            (HardshipCheck::Exempt, Some(g)) if !is_article_32(g) => {}
            (HardshipCheck::Exempt, _) => {
                return fail(
                    "hardship_ground",
                    "required",
                    "`exempt` needs an Art. 42 ground",
                )
            }
            (HardshipCheck::NotRequired, Some(g)) if is_article_32(g) => {}
            (HardshipCheck::NotRequired, _) => {
                return fail(
                    "hardship_ground",
                    "required",
                    "`not_required` needs an Art. 32 ground",
                )
            }
            (HardshipCheck::Pledge | HardshipCheck::Proof, Some(_)) => {
                return fail(
                    "hardship_ground",
                    "unexpected",
                    "a ground of Art. 42 or 32 frees the applicant from the hardship check: use `exempt` or `not_required`",
                )
            }
            (HardshipCheck::Pledge | HardshipCheck::Proof, None) => {}
        }
    }
    if i.hardship_ground == Some(HardshipGround::MigrantWorkerWages)
        && !is_wages_or_work_injury(i.matter)
    {
        return fail(
            "hardship_ground",
            "mismatch",
            "Art. 42(3) exempts migrant workers claiming wages or work-injury compensation only",
        );
    }
    if i.minor && !i.guardian {
        return fail(
            "applicant.guardian_name",
            "required",
            "a minor applies through a guardian (Art. 40): name the guardian and the relation",
        );
    }
    Ok(())
}

mod conflicts;
mod notices;
mod steps;
mod workflow;
pub use conflicts::{conflicts, Conflict, OtherCase};
pub use notices::{
    assignment_notice, chinese_date, grant_decision, materials_notice, objection_decision,
    reference, rejection_notice, termination_notice, NoticeParties, PaperKind,
};
pub use steps::{check_step, check_work_entry, StepError, StepInput};
pub use workflow::*;

#[cfg(test)]
mod tests;
