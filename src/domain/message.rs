//! A sentence for a person in the two languages the API answers in: English and Simplified
//! Chinese. Whatever explains a refusal is written in both where it is written, so that neither
//! language gets a translation made up afterwards.

use std::fmt;

/// A sentence in English and in Simplified Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The English text.
    pub en: String,
    /// The Simplified Chinese text.
    pub zh: String,
}

impl Message {
    /// A message from its English and its Chinese text.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The text in Chinese when `zh`, in English otherwise.
    pub fn text(&self, zh: bool) -> &str {
        if zh {
            &self.zh
        } else {
            &self.en
        }
    }
}

/// The English text (logs and `Display` of errors are in English).
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

/// A kind of record, named in both languages (for "… does not exist").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    /// The English name.
    pub en: &'static str,
    /// The Chinese name.
    pub zh: &'static str,
}

impl Noun {
    /// A noun from its English and its Chinese name.
    pub const fn new(en: &'static str, zh: &'static str) -> Self {
        Self { en, zh }
    }
}

/// The kinds of record a request names by id.
pub mod nouns {
    use super::Noun;

    /// A unit.
    pub const UNIT: Noun = Noun::new("unit", "单位");
    /// An account.
    pub const USER: Noun = Noun::new("user", "账号");
    /// A staff member.
    pub const STAFF: Noun = Noun::new("staff member", "工作人员");
    /// A duty shift.
    pub const DUTY_SHIFT: Noun = Noun::new("duty shift", "值班班次");
    /// A consultation.
    pub const CONSULTATION: Noun = Noun::new("consultation", "咨询记录");
    /// An aid application.
    pub const AID_APPLICATION: Noun = Noun::new("aid application", "法律援助申请");
    /// A written document of an aid case.
    pub const AID_PAPER: Noun = Noun::new("aid case document", "法律援助文书");
    /// A follow-up visit.
    pub const FOLLOW_UP: Noun = Noun::new("follow-up", "回访");
    /// An integration client.
    pub const CLIENT: Noun = Noun::new("client", "接入客户端");
    /// A webhook subscription.
    pub const WEBHOOK: Noun = Noun::new("webhook", "Webhook 订阅");
    /// A webhook delivery.
    pub const DELIVERY: Noun = Noun::new("delivery", "Webhook 投递");
    /// An outreach or training activity.
    pub const ACTIVITY: Noun = Noun::new("activity", "普法与培训活动");
    /// A monthly report.
    pub const MONTHLY_REPORT: Noun = Noun::new("monthly report", "月报");
    /// An inspection.
    pub const INSPECTION: Noun = Noun::new("inspection", "督查记录");
    /// A recognition.
    pub const RECOGNITION: Noun = Noun::new("recognition", "表彰记录");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_reads_its_own_text() {
        let m = Message::new("the session has expired", "会话已过期");
        assert_eq!(m.text(false), "the session has expired");
        assert_eq!(m.text(true), "会话已过期");
        assert_eq!(m.to_string(), "the session has expired");
    }
}
