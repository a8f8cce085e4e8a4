//! Personal phone numbers: a mainland mobile number or a landline with its area code.

use std::fmt;

/// A validated phone number, stored as digits with a `-` after a landline's area code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

/// Why a phone number is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a mobile number of 11 digits starting with 1 (13812345678) or a landline with its area code (0356-7022148)")]
pub struct InvalidPhone;

impl PhoneNumber {
    /// Parses a number; spaces and dashes are ignored, a leading `+86` is dropped.
    pub fn parse(input: &str) -> Result<Self, InvalidPhone> {
        let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidPhone);
        }
        let b = digits.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(Self(digits.to_owned()));
        }
        if b[0] == b'0' && (10..=12).contains(&b.len()) {
            // Beijing, Tianjin, Shanghai, Chongqing and a few more have 3-digit area codes.
            let area = if matches!(b[1], b'1' | b'2') { 3 } else { 4 };
            return Ok(Self(format!("{}-{}", &digits[..area], &digits[area..])));
        }
        Err(InvalidPhone)
    }

    /// The number as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines() {
        assert_eq!(
            PhoneNumber::parse("138 1234 5678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            PhoneNumber::parse("+86 13812345678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            PhoneNumber::parse("0356-7022148").unwrap().as_str(),
            "0356-7022148"
        );
        assert_eq!(
            PhoneNumber::parse("03567022148").unwrap().as_str(),
            "0356-7022148"
        );
        assert_eq!(
            PhoneNumber::parse("010-12345678").unwrap().as_str(),
            "010-12345678"
        );
        assert!(PhoneNumber::parse("12345678901").is_err());
        assert!(PhoneNumber::parse("1381234567").is_err());
        assert!(PhoneNumber::parse("call me").is_err());
        assert!(PhoneNumber::parse("").is_err());
    }
}
