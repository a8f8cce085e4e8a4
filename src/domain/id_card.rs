//! Resident ID numbers (GB 11643-1999): 6-digit area code, 8-digit birth date, 3-digit sequence
//! (odd for men, even for women) and a check digit over weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
//! the sum mod 11 mapped 0..10 → 1 0 X 9 8 7 6 5 4 3 2.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The weights of the first 17 characters.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder mod 11.
const CHECK: [u8; 11] = *b"10X98765432";

crate::code_table! {
    /// Sex, as recorded or derived from an ID number.
    pub enum Sex as "sex" {
        /// Male.
        Male = "male": "男",
        /// Female.
        Female = "female": "女",
    }
}

/// A valid resident ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCardNumber {
    text: String,
    birth_date: NaiveDate,
    sex: Sex,
}

/// Why an ID number is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    /// Not 17 digits and a digit or X.
    #[error("an ID number has 18 characters: 17 digits and a final digit or X")]
    Format,
    /// The birth date is not a real date (or lies in the future).
    #[error("the birth date in the ID number is not a valid date")]
    BirthDate,
    /// The check digit does not match.
    #[error("the check digit does not match (GB 11643-1999)")]
    CheckDigit,
}

impl IdCardNumber {
    /// Validates an ID number (a lower-case x is accepted and stored upper-case); `today` bounds
    /// the birth date.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, IdCardError> {
        let text = input.trim().to_ascii_uppercase();
        let b = text.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(IdCardError::Format);
        }
        let sum: u32 = b[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        if CHECK[(sum % 11) as usize] != b[17] {
            return Err(IdCardError::CheckDigit);
        }
        let num =
            |r: std::ops::Range<usize>| text[r].parse::<u32>().map_err(|_| IdCardError::Format);
        let birth_date = NaiveDate::from_ymd_opt(num(6..10)? as i32, num(10..12)?, num(12..14)?)
            .filter(|d| d.year() >= 1850 && *d <= today)
            .ok_or(IdCardError::BirthDate)?;
        let sex = if num(16..17)? % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        };
        Ok(Self {
            text,
            birth_date,
            sex,
        })
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The birth date it encodes.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The sex it encodes.
    pub fn sex(&self) -> Sex {
        self.sex
    }
}

impl fmt::Display for IdCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Age in whole years on `day`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 6, 1).unwrap()
    }

    #[test]
    fn valid_numbers_with_and_without_x() {
        let a = IdCardNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            a.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(a.sex(), Sex::Female);
        assert_eq!(age_on(a.birth_date(), today()), 73);
        let lower = IdCardNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(lower.as_str(), "11010519491231002X");
        let b = IdCardNumber::parse("440524188001010014", today()).unwrap();
        assert_eq!(b.sex(), Sex::Male);
        assert_eq!(b.birth_date().year(), 1880);
    }

    #[test]
    fn wrong_check_digit_format_and_dates_fail() {
        assert_eq!(
            IdCardNumber::parse("110105194912310021", today()),
            Err(IdCardError::CheckDigit)
        );
        assert_eq!(
            IdCardNumber::parse("11010519491231002", today()),
            Err(IdCardError::Format)
        );
        assert_eq!(
            IdCardNumber::parse("1101051949123100AX", today()),
            Err(IdCardError::Format)
        );
        // 2023-02-30 with a correct check digit is still refused.
        let body = "14052120230230001";
        let sum: u32 = body
            .bytes()
            .zip(WEIGHTS)
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        let fake = format!("{body}{}", CHECK[(sum % 11) as usize] as char);
        assert_eq!(
            IdCardNumber::parse(&fake, today()),
            Err(IdCardError::BirthDate)
        );
    }

    #[test]
    fn ages_count_birthdays() {
        let birth = NaiveDate::from_ymd_opt(1963, 6, 2).unwrap();
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2023, 6, 1).unwrap()),
            59
        );
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2023, 6, 2).unwrap()),
            60
        );
        crate::domain::codes::assert_codes_match_serde::<Sex>();
    }
}
