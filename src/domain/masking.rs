//! Masking of personal data (PIPL): ID and phone numbers, names, shown to readers without a
//! need. Which reader gets which mask is decided in `crate::privacy`.

/// Masks an ID number, keeping only the first four characters, the province and city
/// (`140521198001011234` → `1405**************`). The birth date, the sequence (which gives the
/// sex) and the check digit are never kept: beside the birth year and sex that masked readers
/// see, the sequence and check digit would leave a single candidate.
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 4, 0)
}

/// Masks a phone number, keeping the first three and last four digits
/// (`13812345678` → `138****5678`).
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// Masks a person's name, keeping the family name (`张三丰` → `张**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

fn mask_middle(s: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_start || i >= chars.len() - keep_end {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_documented_ends() {
        assert_eq!(mask_id_number("140521198001011234"), "1405**************");
        assert_eq!(mask_id_number("11010519491231002X"), "1101**************");
        // Masking a masked number changes nothing (the trail re-masks old events on reading).
        assert_eq!(mask_id_number("1405**********1234"), "1405**************");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone("138****5678"), "138****5678");
        assert_eq!(mask_name("张**"), "张**");
    }
}
