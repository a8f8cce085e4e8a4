//! Masking of personal data (PIPL): ID and phone numbers shown to readers without a need.

/// Masks an ID number, keeping the first four and last four characters
/// (`140521198001011234` → `1405**********1234`).
pub fn mask_id_number(id: &str) -> String {
    mask_middle(id, 4, 4)
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
        assert_eq!(mask_id_number("140521198001011234"), "1405**********1234");
        assert_eq!(mask_id_number("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "*****");
    }
}
