//! Adapters from domain checks to `validator` custom validators, used by request types.

use std::borrow::Cow;

use validator::ValidationError;

use crate::domain::text::{check_line, check_text, TextError};

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

/// A landline or mobile number of a unit: digits with optional `+`, `-`, spaces, parentheses.
pub fn unit_phone(s: &str) -> Result<(), ValidationError> {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if (5..=20).contains(&digits)
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
    {
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

/// Deserialises a field that distinguishes "absent" (`None`) from "null" (`Some(None)`), for
/// PATCH bodies where null clears a value.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}
