//! Checks on free text: what a register of record must not store.

/// Why a text is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Blank after trimming.
    #[error("must not be blank")]
    Blank,
    /// Contains control characters (other than line breaks and tabs in long texts).
    #[error("must not contain control characters")]
    Control,
    /// Contains invisible or direction-changing characters that disguise what is stored.
    #[error("must not contain zero-width or text-direction control characters")]
    Invisible,
}

impl TextError {
    /// The reason in Chinese.
    pub fn zh(&self) -> &'static str {
        match self {
            TextError::Blank => "不得为空白",
            TextError::Control => "不得包含控制字符",
            TextError::Invisible => "不得包含零宽字符或文字方向控制字符",
        }
    }
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{FEFF}' // BOM / zero-width no-break space
        | '\u{061C}' // Arabic letter mark
    )
}

/// A one-line text: a name, code, address or phone.
pub fn check_line(s: &str) -> Result<(), TextError> {
    if s.trim().is_empty() {
        return Err(TextError::Blank);
    }
    if s.chars().any(char::is_control) {
        return Err(TextError::Control);
    }
    if s.chars().any(is_invisible) {
        return Err(TextError::Invisible);
    }
    Ok(())
}

/// A multi-line text: a note, a question, an answer.
pub fn check_text(s: &str) -> Result<(), TextError> {
    if s.trim().is_empty() {
        return Err(TextError::Blank);
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(TextError::Control);
    }
    if s.chars().any(is_invisible) {
        return Err(TextError::Invisible);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_passes_and_disguised_text_fails() {
        assert!(check_line("龙港镇司法所").is_ok());
        assert!(check_line("  ").is_err());
        assert_eq!(check_line("a\u{202E}b"), Err(TextError::Invisible));
        assert_eq!(check_line("a\u{200B}b"), Err(TextError::Invisible));
        assert_eq!(check_line("a\nb"), Err(TextError::Control));
        assert!(check_text("第一行\n第二行").is_ok());
        assert_eq!(check_text("a\u{0000}b"), Err(TextError::Control));
    }
}
