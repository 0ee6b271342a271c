//! Character facts shared by the footer check and the untrusted-text rule:
//! what is invisible, what is a control or format character.

/// Unicode `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt,
/// Unicode 16): characters a renderer shows as nothing.
pub(crate) fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The tag characters (U+E0000–U+E007F): invisible ASCII look-alikes.
pub(crate) fn is_tag(c: char) -> bool {
    matches!(c, '\u{E0000}'..='\u{E007F}')
}

/// Characters that draw nothing: Unicode `White_Space`, default-ignorables,
/// and the blanks that are neither (Hangul fillers are also
/// default-ignorable; the Braille blank U+2800 and the Mongolian vowel
/// separator U+180E are listed for clarity).
pub(crate) fn is_blank(c: char) -> bool {
    c.is_whitespace() || is_default_ignorable(c) || matches!(c, '\u{2800}' | '\u{180E}')
}

/// Control and format characters: C0/C1 controls, line and paragraph
/// separators, and every default-ignorable (bidi embeddings, overrides and
/// isolates, zero-width characters, variation selectors, tags).
pub(crate) fn is_control_or_format(c: char) -> bool {
    c.is_control()
        || is_default_ignorable(c)
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{180E}')
        // Private use and non-characters: meaning only by private agreement.
        || matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}' | '\u{FFFE}' | '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_blank() {
        for c in [
            ' ',
            '\u{3164}',
            '\u{115F}',
            '\u{1160}',
            '\u{FFA0}',
            '\u{2800}',
            '\u{00AD}',
            '\u{180E}',
            '\u{200B}',
            '\u{E0041}',
            '\u{3000}',
        ] {
            assert!(is_blank(c), "{:X}", c as u32);
        }
        for c in ['a', 'ع', '.', '😀'] {
            assert!(!is_blank(c), "{c}");
        }
    }

    #[test]
    fn controls_bidi_and_tags_are_control_or_format() {
        for c in [
            '\r', '\n', '\u{1B}', '\0', '\u{7}', '\u{85}', '\u{202E}', '\u{2066}',
        ] {
            assert!(is_control_or_format(c), "{:X}", c as u32);
        }
        assert!(is_tag('\u{E0041}') && is_control_or_format('\u{E0041}'));
        assert!(!is_control_or_format('x'));
    }
}
