//! Checks of the request fields (the footer's are in `footer`), with messages that say what to fix.
//!
//! No message repeats what the request sent: a chat id is personal data,
//! and an echo of other fields would carry it when a client mixes them up.

use crate::error::{ApiError, ErrorCode};
use crate::lang::Lang;

/// Fewest digits in a chat id: E.164 numbers can be as short as 7 digits
/// with the country code (Niue, `+683 4002`).
pub const MIN_CHAT_ID_DIGITS: usize = 7;
/// Most digits in a chat id: the E.164 maximum.
pub const MAX_CHAT_ID_DIGITS: usize = 15;

/// A valid chat id: its text and its value as a number (the store's key).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChatId<'a> {
    pub(crate) text: &'a str,
    pub(crate) key: u64,
}

/// International digits only, 7–15 of them (E.164), no `+`, no leading `0`.
pub(crate) fn chat_id(text: &str) -> Result<ChatId<'_>, ApiError> {
    let bytes = text.as_bytes();
    let digits_only = bytes.iter().all(u8::is_ascii_digit);
    if !digits_only
        || !(MIN_CHAT_ID_DIGITS..=MAX_CHAT_ID_DIGITS).contains(&bytes.len())
        || bytes[0] == b'0'
    {
        let why = if text.starts_with('+') {
            "drop the leading \"+\""
        } else if text.starts_with('0') {
            "start with the country code, not 0 or 00"
        } else if !digits_only {
            "use digits only, no spaces or punctuation"
        } else {
            "use 7 to 15 digits"
        };
        return Err(ApiError::bad_request(
            ErrorCode::InvalidChatId,
            format!(
                "invalid chatId: {why}; chatId is the international number as digits only, e.g. 201234567890"
            ),
        ));
    }
    // At most 15 digits: fits a u64 without overflow.
    let key = bytes.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    Ok(ChatId { text, key })
}

/// One of the 26 documented codes, exactly (lower case); absent means `en`.
pub(crate) fn lang(code: Option<&str>) -> Result<Lang, ApiError> {
    let Some(code) = code else {
        return Ok(Lang::En);
    };
    code.parse().map_err(|_| {
        ApiError::bad_request(
            ErrorCode::InvalidLang,
            format!("unsupported lang; use one of: {}", Lang::codes()),
        )
    })
}

/// Exactly 6 ASCII digits.
pub(crate) fn code(code: &str) -> Result<u32, ApiError> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidCode,
            "invalid code format: the code is exactly 6 digits, e.g. \"042917\"",
        ));
    }
    Ok(code.bytes().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_ids_are_international_digits() {
        assert_eq!(chat_id("201234567890").unwrap().key, 201_234_567_890);
        assert_eq!(chat_id("12345678").unwrap().key, 12_345_678);
        // Niue: 7 digits with the country code, the shortest E.164 numbers.
        assert_eq!(chat_id("6834002").unwrap().key, 6_834_002);
        assert_eq!(chat_id("999999999999999").unwrap().key, 999_999_999_999_999);
        for bad in [
            "",
            "123456",
            "1234567890123456",
            "+201234567890",
            "0201234567890",
            "20 1234567890",
            "٢٠١٢٣٤٥٦٧٨٩٠",
        ] {
            let err = chat_id(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_chat_id", "{bad:?}");
        }
    }

    #[test]
    fn lang_defaults_to_en_and_accepts_exactly_the_documented_codes() {
        assert_eq!(lang(None).unwrap(), Lang::En);
        for &documented in Lang::ALL {
            assert_eq!(lang(Some(documented.as_str())).unwrap(), documented);
        }
        for bad in ["xx", "AR", "", "en-US", " en"] {
            assert_eq!(
                lang(Some(bad)).unwrap_err().code(),
                "invalid_lang",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn codes_are_six_ascii_digits_leading_zeros_kept() {
        assert_eq!(code("000042").unwrap(), 42);
        for bad in ["12345", "1234567", "12345a", "١٢٣٤٥٦", " 12345"] {
            assert_eq!(super::code(bad).unwrap_err().code(), "invalid_code");
        }
    }
}
