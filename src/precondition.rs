//! Optimistic concurrency: every single resource carries `version` (sent as a strong `ETag`);
//! a write names the version it read (`If-Match`) and fails with 412 when it is stale. Neutral:
//! the HTTP layer parses the header, the store checks it inside the write's transaction.

use crate::error::ApiError;

/// The `ETag` value for a version.
pub fn etag_value(version: i64) -> String {
    format!("\"{version}\"")
}

/// A resource with a version.
pub trait Versioned {
    /// The row's version, starting at 1 and bumped by every change.
    fn version(&self) -> i64;
}

/// The parsed `If-Match` header: absent, `*`, or a list of versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfMatch(Option<Vec<i64>>);

impl IfMatch {
    /// Parses a header value such as `"3"`, `W/"3"`, `"3", "4"` or `*`.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let value = value.trim();
        if value == "*" {
            return Ok(IfMatch(None));
        }
        let mut versions = Vec::new();
        for part in value.split(',') {
            let part = part.trim();
            let part = part.strip_prefix("W/").unwrap_or(part);
            // Quoted as RFC 9110 says; a bare number is accepted too, as clients often send it.
            let inner = match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(inner) => inner,
                None if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => part,
                None => {
                    return Err(ApiError::bad_request(
                        "If-Match must be a quoted ETag such as \"3\", as sent in ETag",
                        "If-Match 须为带引号的 ETag，如 \"3\"，即 ETag 响应头所给的值",
                    ))
                }
            };
            // An ETag we never issued can never match: treat it as stale, not malformed.
            versions.push(inner.parse::<i64>().unwrap_or(-1));
        }
        Ok(IfMatch(Some(versions)))
    }

    /// A precondition that always holds.
    pub fn any() -> Self {
        IfMatch(None)
    }

    /// Ok when the header is absent, `*`, or names `current`; 412 otherwise.
    pub fn check(&self, current: i64) -> Result<(), ApiError> {
        match &self.0 {
            Some(list) if !list.contains(&current) => Err(ApiError::PreconditionFailed {
                current_version: current,
            }),
            _ => Ok(()),
        }
    }
}

/// Whether an `If-None-Match` header value names the current `etag` (RFC 9110 §13.1.2: weak
/// comparison, so `W/"3"` matches `"3"`; `*` matches any current representation). A bare
/// number is read as the quoted tag, as for `If-Match`; a value that names no tag matches
/// nothing, so the read answers in full.
pub fn none_match(value: &str, etag: &str) -> bool {
    let opaque = |tag: &str| -> Option<String> {
        let tag = tag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        if tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"') {
            Some(tag.to_owned())
        } else if !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_digit()) {
            Some(format!("\"{tag}\""))
        } else {
            None
        }
    };
    if value.trim() == "*" {
        return true;
    }
    let Some(current) = opaque(etag) else {
        return false;
    };
    value
        .split(',')
        .any(|tag| opaque(tag).as_deref() == Some(current.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_forms() {
        assert!(IfMatch::parse("\"3\"").unwrap().check(3).is_ok());
        assert!(IfMatch::parse("W/\"3\"").unwrap().check(3).is_ok());
        assert!(IfMatch::parse("\"2\", \"3\"").unwrap().check(3).is_ok());
        assert!(IfMatch::parse("*").unwrap().check(9).is_ok());
        assert!(IfMatch::default().check(9).is_ok());
        assert!(matches!(
            IfMatch::parse("\"2\"").unwrap().check(3),
            Err(ApiError::PreconditionFailed { current_version: 3 })
        ));
        assert!(IfMatch::parse("\"abc\"").unwrap().check(3).is_err());
        assert!(IfMatch::parse("3").unwrap().check(3).is_ok());
        assert!(IfMatch::parse("three").is_err());
    }

    #[test]
    fn if_none_match_forms() {
        assert!(none_match("\"3\"", "\"3\""));
        assert!(none_match("W/\"3\"", "\"3\""));
        assert!(none_match("\"2\", W/\"3\"", "\"3\""));
        assert!(none_match("*", "\"9\""));
        assert!(none_match("3", "\"3\""));
        assert!(!none_match("\"2\"", "\"3\""));
        assert!(!none_match("\"33\"", "\"3\""));
        assert!(!none_match("three", "\"3\""));
        assert!(!none_match("", "\"3\""));
    }
}
