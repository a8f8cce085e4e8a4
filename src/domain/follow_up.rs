//! Follow-up visits (追踪回访, 电话回访) and satisfaction (举措5; 附件1 item 3: average satisfaction
//! of 95% or more).

use sha2::{Digest, Sha256};

/// Failed attempts after which a person counts as unreachable.
pub const MAX_FAILED_ATTEMPTS: i32 = 3;

crate::code_table! {
    /// How the follow-up is made.
    pub enum FollowUpMethod as "follow_up_method" {
        /// Phone call.
        Phone = "phone": "电话回访",
        /// On site.
        OnSite = "on_site": "实地回访",
        /// Text message.
        Sms = "sms": "短信回访",
        /// WeChat.
        Wechat = "wechat": "微信回访",
        /// Letter.
        Letter = "letter": "信函回访",
    }
}

crate::code_table! {
    /// The person's satisfaction, on the programme's four-point scale.
    pub enum Satisfaction as "satisfaction" {
        /// Very satisfied.
        VerySatisfied = "very_satisfied": "非常满意",
        /// Satisfied.
        Satisfied = "satisfied": "满意",
        /// Basically satisfied.
        BasicallySatisfied = "basically_satisfied": "基本满意",
        /// Unsatisfied.
        Unsatisfied = "unsatisfied": "不满意",
    }
}

crate::code_table! {
    /// Where a follow-up stands.
    pub enum FollowUpStatus as "follow_up_status" {
        /// To be made.
        Open = "open": "待回访",
        /// Made: the person was reached.
        Done = "done": "已回访",
        /// Three attempts failed.
        Unreachable = "unreachable": "无法联系",
    }
}

crate::code_table! {
    /// What a follow-up is about.
    pub enum SubjectKind as "follow_up_subject" {
        /// A consultation.
        Consultation = "consultation": "法律咨询",
        /// A legal aid case.
        AidApplication = "aid_application": "法律援助案件",
    }
}

impl Satisfaction {
    /// Whether the answer counts as satisfied: very satisfied, satisfied and basically satisfied
    /// do; unsatisfied does not.
    pub fn counts_as_satisfied(self) -> bool {
        !matches!(self, Satisfaction::Unsatisfied)
    }
}

/// The satisfaction rate in percent, to one decimal: satisfied answers over people reached who
/// answered. The unreachable are not in the denominator. `None` when nobody answered.
pub fn satisfaction_rate(satisfied: i64, answered: i64) -> Option<f64> {
    (answered > 0).then(|| (satisfied as f64 * 1000.0 / answered as f64).round() / 10.0)
}

/// The status after an attempt.
pub fn after_attempt(reached: bool, failed_so_far: i32) -> (FollowUpStatus, i32) {
    if reached {
        (FollowUpStatus::Done, failed_so_far)
    } else if failed_so_far + 1 >= MAX_FAILED_ATTEMPTS {
        (FollowUpStatus::Unreachable, failed_so_far + 1)
    } else {
        (FollowUpStatus::Open, failed_so_far + 1)
    }
}

/// A fair sample: `percent` of the candidates (rounded up), chosen by a hash of each id and a
/// seed (the unit and period), so that every consultation has the same chance, the choice does
/// not favour the first registered, and planning twice picks the same ones.
pub fn fair_sample(candidates: &[i64], percent: u32, seed: &str) -> Vec<i64> {
    let want = (candidates.len() * percent.min(100) as usize).div_ceil(100);
    let mut keyed: Vec<([u8; 32], i64)> = candidates
        .iter()
        .map(|id| {
            let mut h = Sha256::new();
            h.update(seed.as_bytes());
            h.update(id.to_le_bytes());
            (h.finalize().into(), *id)
        })
        .collect();
    keyed.sort();
    let mut picked: Vec<i64> = keyed.into_iter().take(want).map(|(_, id)| id).collect();
    picked.sort_unstable();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::assert_codes_match_serde;

    #[test]
    fn codes_are_the_serde_names() {
        assert_codes_match_serde::<FollowUpMethod>();
        assert_codes_match_serde::<Satisfaction>();
        assert_codes_match_serde::<FollowUpStatus>();
        assert_codes_match_serde::<SubjectKind>();
    }

    #[test]
    fn nineteen_of_twenty_is_95_percent() {
        assert_eq!(satisfaction_rate(19, 20), Some(95.0));
        assert_eq!(satisfaction_rate(2, 3), Some(66.7));
        assert_eq!(satisfaction_rate(0, 0), None);
        assert!(Satisfaction::BasicallySatisfied.counts_as_satisfied());
        assert!(!Satisfaction::Unsatisfied.counts_as_satisfied());
    }

    #[test]
    fn three_failures_make_a_person_unreachable() {
        assert_eq!(after_attempt(false, 0), (FollowUpStatus::Open, 1));
        assert_eq!(after_attempt(false, 1), (FollowUpStatus::Open, 2));
        assert_eq!(after_attempt(false, 2), (FollowUpStatus::Unreachable, 3));
        assert_eq!(after_attempt(true, 2), (FollowUpStatus::Done, 2));
    }

    #[test]
    fn samples_are_fair_stable_and_sized() {
        let ids: Vec<i64> = (1..=100).collect();
        let a = fair_sample(&ids, 30, "4/2023-03");
        assert_eq!(a.len(), 30);
        assert_eq!(a, fair_sample(&ids, 30, "4/2023-03"), "stable");
        assert_ne!(a, (1..=30).collect::<Vec<_>>(), "not the first N");
        assert!(a.iter().any(|id| *id > 50), "spread over the period");
        assert_eq!(fair_sample(&ids[..3], 30, "x").len(), 1, "rounded up");
        assert!(fair_sample(&[], 30, "x").is_empty());
    }
}
