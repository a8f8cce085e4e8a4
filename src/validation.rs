//! Adapters from domain checks to `validator` custom validators, used by request types.

use std::borrow::Cow;

use validator::ValidationError;

use crate::domain::text::{check_line, check_text, TextError};

// The same rules as ECMA-262 patterns, for the OpenAPI schemas (a test checks that they agree
// with the checks below on samples).
/// One-line text: no control, zero-width or direction characters, not blank.
pub const LINE_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$";
/// Multi-line text: as a line, but line breaks and tabs are allowed.
pub const TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$";
/// Search text in a query: as a line, but it may be blank (a blank search matches everything).
pub const SEARCH_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]*$";
/// A resident ID number's shape (the check digit is checked by `domain::id_card`).
pub const ID_NUMBER_PATTERN: &str = "^[0-9]{17}[0-9Xx]$";
/// A person's phone as entered (checked by `domain::phone`).
pub const PHONE_PATTERN: &str = r"^(\+86)?[0-9 -]+$";

/// The patterns request fields name in `#[schema(pattern = "<name>")]`: the document gets the
/// full pattern from its constant (`api::FieldPatterns`), so each is written once.
pub const PATTERNS: &[(&str, &str)] = &[
    ("line", LINE_PATTERN),
    ("text", TEXT_PATTERN),
    ("search", SEARCH_PATTERN),
    ("code", CODE_PATTERN),
    ("unit_phone", UNIT_PHONE_PATTERN),
    ("username", USERNAME_PATTERN),
    ("id_number", ID_NUMBER_PATTERN),
    ("phone", PHONE_PATTERN),
    ("external_ref", EXTERNAL_REF_PATTERN),
];

/// The full pattern a field's pattern name stands for, if it is one.
pub fn pattern_named(name: &str) -> Option<&'static str> {
    PATTERNS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, pattern)| *pattern)
}

/// A code.
pub const CODE_PATTERN: &str = "^[A-Za-z0-9._-]+$";
/// A unit's phone.
pub const UNIT_PHONE_PATTERN: &str = r"^\+?[0-9]+([- ][0-9]+)*$";
/// A caller's own reference of a record: printable ASCII without spaces.
pub const EXTERNAL_REF_PATTERN: &str = "^[!-~]+$";
/// The longest external reference.
pub const EXTERNAL_REF_MAX: usize = 64;
/// A username.
pub const USERNAME_PATTERN: &str = "^[a-z0-9._-]+$";

fn to_error(e: TextError) -> ValidationError {
    let code = match e {
        TextError::Blank => "blank",
        TextError::Control => "control_characters",
        TextError::Invisible => "invisible_characters",
    };
    let mut err = ValidationError::new(code);
    err.message = Some(Cow::Owned(e.to_string()));
    err
}

/// One-line text (names, codes, addresses).
pub fn line(s: &str) -> Result<(), ValidationError> {
    check_line(s).map_err(to_error)
}

/// Multi-line text (notes).
pub fn text(s: &str) -> Result<(), ValidationError> {
    check_text(s).map_err(to_error)
}

/// A code: ASCII letters, digits, `-`, `_` and `.`.
pub fn code(s: &str) -> Result<(), ValidationError> {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        Ok(())
    } else {
        let mut err = ValidationError::new("pattern");
        err.message = Some(Cow::Borrowed("only letters, digits, '-', '_' and '.'"));
        Err(err)
    }
}

/// A landline or mobile number of a unit: digit groups separated by single `-` or spaces, with an
/// optional leading `+` (`0356-7022148`, `+86 356 7022148`).
pub fn unit_phone(s: &str) -> Result<(), ValidationError> {
    let body = s.strip_prefix('+').unwrap_or(s);
    let ok = !body.is_empty()
        && body
            .split(['-', ' '])
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        let mut err = ValidationError::new("phone");
        err.message = Some(Cow::Borrowed("a phone number such as 0356-7022148"));
        Err(err)
    }
}

/// A username: lower-case letters, digits, `.`, `_`, `-`.
pub fn username(s: &str) -> Result<(), ValidationError> {
    if s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
    {
        Ok(())
    } else {
        let mut err = ValidationError::new("pattern");
        err.message = Some(Cow::Borrowed(
            "lower-case letters, digits, '.', '_' and '-' only",
        ));
        Err(err)
    }
}

/// An external reference: 1 to [`EXTERNAL_REF_MAX`] printable ASCII characters, no spaces.
pub fn external_ref(s: &str) -> Result<(), ValidationError> {
    if !s.is_empty() && s.len() <= EXTERNAL_REF_MAX && s.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        let mut err = ValidationError::new("pattern");
        err.message = Some(Cow::Borrowed(
            "1 to 64 printable ASCII characters without spaces",
        ));
        Err(err)
    }
}

/// 400 when the `external_ref` filter is not an external reference.
pub fn query_external_ref(value: Option<&str>) -> Result<(), crate::error::ApiError> {
    match value.map(external_ref) {
        Some(Err(_)) => Err(crate::error::ApiError::bad_request(
            "external_ref must be 1 to 64 printable ASCII characters without spaces",
            "external_ref 须为 1 到 64 个不含空格的可打印 ASCII 字符",
        )),
        _ => Ok(()),
    }
}

/// 400 when a free-text query parameter is longer than documented, or holds control, zero-width
/// or direction characters (which no stored text holds, and which PostgreSQL cannot take).
pub fn query_text(
    name: &str,
    value: Option<&str>,
    max: usize,
) -> Result<(), crate::error::ApiError> {
    let Some(v) = value else {
        return Ok(());
    };
    if v.chars().count() > max {
        return Err(crate::error::ApiError::bad_request(
            format!("{name} must be at most {max} characters"),
            format!("{name} 至多 {max} 个字符"),
        ));
    }
    match check_line(v) {
        Err(e @ (TextError::Control | TextError::Invisible)) => {
            Err(crate::error::ApiError::bad_request(
                format!("{name} {e}"),
                format!("{name} {}", e.zh()),
            ))
        }
        _ => Ok(()),
    }
}

/// The value after a PATCH of an optional field: absent keeps `old`, `null` clears, a value sets.
pub fn patched<T: Clone>(new: &Option<Option<T>>, old: &Option<T>) -> Option<T> {
    match new {
        Some(v) => v.clone(),
        None => old.clone(),
    }
}

/// Deserialises a field that distinguishes "absent" (`None`) from "null" (`Some(None)`), for
/// PATCH bodies where null clears a value.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_phones() {
        assert!(unit_phone("0356-7022148").is_ok());
        assert!(unit_phone("+86 356 7022148").is_ok());
        assert!(unit_phone("12348").is_ok());
        assert!(unit_phone("call me").is_err());
        assert!(unit_phone("0356--7022148").is_err());
        assert!(unit_phone("+").is_err());
        assert!(unit_phone("(0356)7022148").is_err());
    }

    #[test]
    fn codes_and_usernames() {
        assert!(code("140521-SFS-LG").is_ok());
        assert!(code("V V").is_err());
        assert!(username("staff.longgang").is_ok());
        assert!(username("Staff").is_err());
    }
}
