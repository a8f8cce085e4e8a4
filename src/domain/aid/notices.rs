//! The written documents of a case (文书), in Chinese, from one template each: the materials
//! notice, the grant, the refusal, the assignment notice, the termination and the bureau's
//! decision on an objection. Each carries its issuer, its date and a reference number (a
//! sequence per issuer and year, never reused), and states the rights and time limits the law
//! requires (Law Art. 43, 48, 49: an objection to the justice bureau that set up the centre,
//! decided within five days; against the bureau's decision to uphold, administrative review or
//! litigation).

use chrono::{Datelike, NaiveDate};

use super::TerminationGround;
use crate::domain::codes::CodeTable;

crate::code_table! {
    /// A written document of a case.
    pub enum PaperKind as "aid_paper_kind" {
        /// The one notice of every missing material (一次性告知).
        MaterialsNotice = "materials_notice": "补充材料通知书",
        /// The grant of aid.
        Grant = "grant": "给予法律援助决定书",
        /// The refusal of aid, with its reasons.
        Refusal = "refusal": "不予法律援助决定书",
        /// The assignment of a provider.
        Assignment = "assignment": "指派通知书",
        /// The termination of aid, with its ground.
        Termination = "termination": "终止法律援助决定书",
        /// The justice bureau's decision on an objection.
        ObjectionDecision = "objection_decision": "法律援助异议审查决定书",
    }
}

impl PaperKind {
    /// Whether the justice bureau issues it (an objection decision) rather than the centre.
    pub fn by_bureau(self) -> bool {
        self == PaperKind::ObjectionDecision
    }
}

/// The reference number of a paper: the first character of the issuer's name, `援` for the
/// centre or `司援` for the bureau, the year in 〔〕, the sequence: `沁援〔2023〕12号`.
pub fn reference(issuer: &str, by_bureau: bool, year: i32, seq: i64) -> String {
    let head: String = issuer.chars().take(1).collect();
    let mark = if by_bureau { "司援" } else { "援" };
    format!("{head}{mark}〔{year}〕{seq}号")
}

/// A date as the documents write it: `2023年3月10日`.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Who a notice is from and to.
#[derive(Debug, Clone, Copy)]
pub struct NoticeParties<'a> {
    /// The applicant's name (or `申请人` for a reader who may not see it).
    pub applicant: &'a str,
    /// The legal aid centre that decided.
    pub centre: &'a str,
    /// The justice bureau that set up the centre (it decides objections).
    pub bureau: &'a str,
    /// Days the applicant has to object.
    pub objection_days: u32,
}

/// The remedies of Art. 49, as the decisions state them.
fn remedies(p: &NoticeParties) -> String {
    format!(
        "如对本决定有异议，可以自收到本决定书之日起{days}日内向{bureau}提出。{bureau}应当自收到异议之日起五日内进行审查，作出维持决定或者责令{centre}改正的决定。\
对{bureau}维持本决定不服的，可以依法申请行政复议或者提起行政诉讼。",
        days = p.objection_days,
        bureau = p.bureau,
        centre = p.centre,
    )
}

/// The written refusal (不予法律援助决定书, Law Art. 43, 49).
pub fn rejection_notice(p: &NoticeParties, reasons: &str) -> String {
    format!(
        "{applicant}：\n\n经审查，你提出的法律援助申请不符合法律援助条件，{centre}决定不予法律援助。理由如下：\n{reasons}\n\n{remedies}",
        applicant = p.applicant,
        centre = p.centre,
        remedies = remedies(p),
    )
}

/// The written termination (终止法律援助决定书, Law Art. 48, 49; Art. 44 for urgent aid refused
/// afterwards): the ground and the centre's note.
pub fn termination_notice(
    p: &NoticeParties,
    ground: TerminationGround,
    note: Option<&str>,
) -> String {
    let basis = match ground {
        TerminationGround::NotEligible => "《中华人民共和国法律援助法》第四十四条",
        _ => "《中华人民共和国法律援助法》第四十八条",
    };
    let note = note.map(|n| format!("\n{n}")).unwrap_or_default();
    format!(
        "{applicant}：\n\n因{ground}，根据{basis}的规定，{centre}决定终止对你的法律援助。{note}\n\n{remedies}",
        applicant = p.applicant,
        ground = ground.label(),
        centre = p.centre,
        remedies = remedies(p),
    )
}

/// The one notice of every missing material (一次性告知, Law Art. 43): the list, the date to
/// reply by, and what follows a silence.
pub fn materials_notice(p: &NoticeParties, items: &[String], due: NaiveDate) -> String {
    let list: String = items
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}. {m}\n", i + 1))
        .collect();
    format!(
        "{applicant}：\n\n你提出的法律援助申请材料不齐全，请于{due}前一次性补充提交以下材料：\n{list}\n补充材料期间不计入审查期限。逾期未补充的，视为撤回申请。",
        applicant = p.applicant,
        due = chinese_date(due),
    )
}

/// The grant (给予法律援助决定书, Law Art. 43): aid is given and a provider follows within three
/// days.
pub fn grant_decision(p: &NoticeParties, matter: &str, case_type: Option<&str>) -> String {
    let case = case_type.map(|c| format!("（{c}）")).unwrap_or_default();
    format!(
        "{applicant}：\n\n经审查，你提出的{matter}{case}法律援助申请符合法律援助条件，{centre}决定给予法律援助，并将自本决定作出之日起三日内指派法律援助人员为你提供法律援助。",
        applicant = p.applicant,
        centre = p.centre,
    )
}

/// The assignment notice (指派通知书, Law Art. 43, 36): to the provider's organisation, naming
/// the provider, the case and the agreement to sign within five days.
pub fn assignment_notice(
    p: &NoticeParties,
    organisation: &str,
    provider: &str,
    matter: &str,
    on_notice: bool,
) -> String {
    let why = if on_notice {
        "根据办案机关的通知（《中华人民共和国法律援助法》第二十五条、第三十六条）"
    } else {
        "根据《中华人民共和国法律援助法》第四十三条"
    };
    format!(
        "{organisation}：\n\n{why}，{centre}指派{provider}为受援人{applicant}的{matter}案件提供法律援助。请承办人员自指派之日起五日内与受援人签订委托协议，依法履行职责，并于结案之日起三十日内提交立卷材料。",
        centre = p.centre,
        applicant = p.applicant,
    )
}

/// The justice bureau's decision on an objection (Law Art. 49): upheld (the centre is ordered to
/// correct its decision) or dismissed (the decision stands), with the remedies against it.
pub fn objection_decision(p: &NoticeParties, upheld: bool, note: &str) -> String {
    let outcome = if upheld {
        format!("经审查，异议成立，责令{}改正原决定。", p.centre)
    } else {
        format!(
            "经审查，异议不成立，维持{}的原决定。对本决定不服的，可以依法申请行政复议或者提起行政诉讼。",
            p.centre
        )
    };
    format!(
        "{applicant}：\n\n你对{centre}所作决定提出的异议，本机关已依照《中华人民共和国法律援助法》第四十九条进行审查。{outcome}\n{note}",
        applicant = p.applicant,
        centre = p.centre,
    )
}
