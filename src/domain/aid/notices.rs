//! The written decisions the applicant is served, in Chinese: each states the reasons and the
//! remedies the law gives (Law Art. 49: an objection to the justice bureau that set up the
//! centre, decided within five days; against the bureau's decision to uphold, administrative
//! review or litigation).

use super::TerminationGround;
use crate::domain::codes::CodeTable;

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

/// The remedies of Art. 49, as the notices state them.
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
        "不予法律援助决定书\n\n{applicant}：\n\n经审查，你提出的法律援助申请不符合法律援助条件，{centre}决定不予法律援助。理由如下：\n{reasons}\n\n{remedies}\n\n{centre}",
        applicant = p.applicant,
        centre = p.centre,
        remedies = remedies(p),
    )
}

/// The written termination (终止法律援助决定书, Law Art. 48, 49): the ground of Art. 48 and the
/// centre's note.
pub fn termination_notice(
    p: &NoticeParties,
    ground: TerminationGround,
    note: Option<&str>,
) -> String {
    let basis = match ground {
        TerminationGround::NotEligible => "《中华人民共和国法律援助法》第四十四条".to_owned(),
        _ => "《中华人民共和国法律援助法》第四十八条".to_owned(),
    };
    let note = note.map(|n| format!("\n{n}")).unwrap_or_default();
    format!(
        "终止法律援助决定书\n\n{applicant}：\n\n因{ground}，根据{basis}的规定，{centre}决定终止对你的法律援助。{note}\n\n{remedies}\n\n{centre}",
        applicant = p.applicant,
        ground = ground.label(),
        centre = p.centre,
        remedies = remedies(p),
    )
}
