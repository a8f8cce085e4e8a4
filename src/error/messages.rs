//! The message catalogue of error documents, in English and Chinese, keyed by stable codes:
//! one code per kind of problem ([`ProblemCode`], the problem's `code` and `title`) and one per
//! kind of field error ([`FieldCode`], each `errors[].code` and its `message`). Both enums are in
//! the contract, so clients can switch on the codes; every code has both languages by
//! construction (the `match`es below are exhaustive).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::lang::Lang;

macro_rules! catalogue {
    (
        $(#[$meta:meta])* $name:ident as $table:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal : $en:literal , $zh:literal ; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every code.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as sent.
            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code, )+ }
            }

            /// The code named `code`.
            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.code() == code)
            }

            /// The catalogue's text for this code in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( ($name::$variant, Lang::En) => $en, ($name::$variant, Lang::Zh) => $zh, )+
                }
            }
        }

        /// Served with the dictionaries, so the codes' Chinese texts label them everywhere.
        impl crate::domain::codes::CodeTable for $name {
            const NAME: &'static str = $table;
            const ALL: &'static [Self] = $name::ALL;
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label(self) -> &'static str {
                self.text(Lang::Zh)
            }
        }
    };
}

catalogue! {
    /// The kind of a problem: a stable machine code (also the last part of `type`, with `-` for
    /// `_`); the catalogue's text is the problem's `title`.
    ProblemCode as "problem_code" {
        /// 400.
        BadRequest = "bad_request": "Bad Request", "请求有误";
        /// 401.
        Unauthorized = "unauthorized": "Unauthorized", "未认证";
        /// 403.
        Forbidden = "forbidden": "Forbidden", "无权操作";
        /// 404.
        NotFound = "not_found": "Not Found", "未找到";
        /// 405.
        MethodNotAllowed = "method_not_allowed": "Method Not Allowed", "不支持该请求方法";
        /// 409.
        Conflict = "conflict": "Conflict", "与当前状态冲突";
        /// 412.
        StaleVersion = "stale_version": "Precondition Failed", "版本已过期";
        /// 413.
        PayloadTooLarge = "payload_too_large": "Payload Too Large", "请求体过大";
        /// 415.
        UnsupportedMediaType = "unsupported_media_type": "Unsupported Media Type", "不支持的媒体类型";
        /// 422.
        Validation = "validation": "Unprocessable Content", "字段校验未通过";
        /// 429.
        TooManyRequests = "too_many_requests": "Too Many Requests", "请求过于频繁";
        /// 503.
        Unavailable = "unavailable": "Service Unavailable", "服务暂不可用";
        /// 500.
        Internal = "internal": "Internal Server Error", "内部错误";
    }
}

catalogue! {
    /// Why a field is invalid: a stable machine code; the catalogue's text is the field error's
    /// `message` in Chinese (in English the message names the specifics: the limits, the format).
    FieldCode as "field_error_code" {
        /// A required field is absent.
        Required = "required": "is required", "必填";
        /// An unknown field was sent.
        UnknownField = "unknown_field": "is not a field of this request", "不是此请求的字段";
        /// Wrong type or unparseable value.
        Invalid = "invalid": "is invalid", "值无效";
        /// Text length outside its limits.
        Length = "length": "has an invalid length", "长度不符合要求";
        /// Number or date outside its range.
        Range = "range": "is out of range", "超出允许范围";
        /// Does not match its pattern.
        Pattern = "pattern": "does not match the required format", "格式不正确";
        /// Blank text.
        Blank = "blank": "must not be blank", "不能为空白";
        /// Control characters in text.
        ControlCharacters = "control_characters": "must not contain control characters", "不能包含控制字符";
        /// Invisible or direction-changing characters in text.
        InvisibleCharacters = "invisible_characters": "must not contain zero-width or text-direction control characters", "不能包含零宽或文字方向控制字符";
        /// Not a phone number.
        Phone = "phone": "is not a valid phone number", "不是有效的电话号码";
        /// Not a valid resident ID number.
        IdNumber = "id_number": "is not a valid resident ID number", "不是有效的公民身份号码";
        /// Disagrees with another field.
        Mismatch = "mismatch": "disagrees with another field", "与其他字段不一致";
        /// A time in the future where only the past is possible.
        Future = "future": "must not be in the future", "不能晚于当前时间";
        /// A provider who acts, or acted, on the other side (a conflict of interest).
        Conflict = "conflict": "conflicts with another case of the provider or its organisation", "与承办人员或其所在机构承办的其他案件存在利益冲突";
        /// A day before the decision it refers to was made.
        BeforeDecision = "before_decision": "is before the decision was made", "早于决定作出之日";
        /// A field that this kind of request does not take.
        Unexpected = "unexpected": "is not expected here", "此处不应提供";
        /// A referenced record does not exist or is outside the caller's scope.
        NotFound = "not_found": "refers to a record that does not exist or is outside your scope", "引用的记录不存在或不在您的范围内";
        /// A referenced record does not exist.
        Reference = "reference": "refers to a record that does not exist", "引用的记录不存在";
        /// A referenced record is inactive.
        Inactive = "inactive": "refers to an inactive record", "引用的记录已停用";
        /// A list that must cover every entry of its code table misses some.
        Incomplete = "incomplete": "does not cover every required entry", "未涵盖全部必需条目";
        /// A duplicate within the request.
        Duplicate = "duplicate": "is a duplicate", "重复";
        /// Too many items requested at once.
        TooMany = "too_many": "asks for too many items at once", "一次请求的条目过多";
        /// An export larger than its limit.
        TooManyRows = "too_many_rows": "selects more rows than one export may hold", "选中的行数超过单次导出上限";
        /// A unit with no legal aid centre above it.
        NoAidCentre = "no_aid_centre": "has no legal aid centre above it", "其上级没有法律援助中心";
        /// A unit that does not file monthly reports.
        NotReporting = "not_reporting": "is not a unit that files monthly reports", "不是需要报送月报的单位";
        /// A report section without an entry.
        MissingSection = "missing_section": "needs at least one entry", "至少需要填写一项";
        /// A placement the roster does not allow.
        Placement = "placement": "is not a placement the roster allows", "排班位置不被允许";
        /// An external identity in the wrong form.
        ExternalSubject = "external_subject": "is not an external identity of the form issuer:subject", "不是“签发方:主体”形式的外部身份";
        /// A webhook target the service does not deliver to.
        WebhookUrl = "webhook_url": "is not a URL webhooks are delivered to", "不是可以推送的地址";
        /// Event types a webhook cannot subscribe to.
        WebhookTypes = "webhook_types": "names kinds of change the feed does not have", "包含变更记录中没有的类型";
        /// A role an API client may not have.
        ClientRole = "client_role": "is not a role an API client may have", "接入客户端不能具有该角色";
        /// A correction that changes nothing.
        NoChange = "no_change": "changes nothing", "未更正任何内容";
        /// A value that may not change once set.
        Immutable = "immutable": "may not change once set", "设定后不能更改";
        /// A write without an account to own what it sets.
        NoAccount = "no_account": "needs an account of its own to be set", "需要由具体账号设定";
        /// An idempotency key reused with another body.
        Reused = "reused": "was already used with another request body", "已用于另一个请求体";
        /// An idempotency key whose first request expired.
        Expired = "expired": "has expired", "已过期";
        /// A checkpoint not signed with this trail's key.
        NotSigned = "not_signed": "is not signed by this trail's audit key", "不是本审计链密钥的签名";
        /// A checkpoint field altered after signing.
        NotAsSigned = "not_as_signed": "may not be as it was signed", "可能已在签名后被改动";
    }
}

/// The Chinese message of a field error with validator parameters (`min`, `max`) where the
/// code has them; the code's catalogue text otherwise.
pub fn field_message_zh(code: FieldCode, min: Option<&str>, max: Option<&str>) -> String {
    match (code, min, max) {
        (FieldCode::Length, Some(min), Some(max)) => format!("长度须为 {min} 到 {max}"),
        (FieldCode::Length, Some(min), None) => format!("长度至少为 {min}"),
        (FieldCode::Length, None, Some(max)) => format!("长度至多为 {max}"),
        (FieldCode::Range, Some(min), Some(max)) => format!("须在 {min} 到 {max} 之间"),
        (FieldCode::Range, Some(min), None) => format!("须不小于 {min}"),
        (FieldCode::Range, None, Some(max)) => format!("须不大于 {max}"),
        (code, _, _) => code.text(Lang::Zh).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_both_languages_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ProblemCode::ALL {
            assert!(seen.insert(code.code()), "{code:?} twice");
            assert!(!code.text(Lang::En).is_empty() && !code.text(Lang::Zh).is_empty());
            assert_eq!(ProblemCode::parse(code.code()), Some(*code));
        }
        for code in FieldCode::ALL {
            assert!(!code.text(Lang::En).is_empty() && !code.text(Lang::Zh).is_empty());
            assert!(code.text(Lang::Zh).chars().any(|c| c > '\u{2e80}'));
            assert_eq!(FieldCode::parse(code.code()), Some(*code));
        }
    }
}
