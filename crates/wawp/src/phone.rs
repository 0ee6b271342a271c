//! Recipient phone numbers.

use std::fmt;
use std::str::FromStr;

/// A validated phone number, stored in E.164 form (`+201234567890`).
///
/// Parsing uses libphonenumber's metadata (through the `phonenumber` crate):
/// the number must carry its country code (`+20…` or `0020…`) and be a valid
/// number for that country. Spaces, dashes, dots and brackets are allowed.
///
/// `Display` and `Debug` show the masked form (`+20•••••7890`), so a number
/// never lands whole in a log by accident; [`PhoneNumber::e164`] gives the
/// full number when you mean it.
///
/// ```
/// let phone: wawp::PhoneNumber = "+20 123 456 7890".parse().unwrap();
/// assert_eq!(phone.e164(), "+201234567890");
/// assert_eq!(phone.chat_id(), "201234567890");
/// assert_eq!(phone.masked(), "+20•••••7890");
/// assert!("0123 456 7890".parse::<wawp::PhoneNumber>().is_err()); // no country code
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    e164: String,
    country_code: u16,
}

impl PhoneNumber {
    /// The full number in E.164 form, with `+`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// International digits without `+`: the `chatId` Wawp expects.
    pub fn chat_id(&self) -> &str {
        &self.e164[1..]
    }

    /// The country calling code, e.g. `20` for Egypt.
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The number with everything but the country code and the last four
    /// digits hidden behind a fixed number of dots: `+20•••••7890`.
    pub fn masked(&self) -> String {
        let digits = self.chat_id();
        let cc_len = self.country_code.to_string().len();
        let tail = &digits[digits.len().saturating_sub(4).max(cc_len)..];
        format!("+{}•••••{tail}", &digits[..cc_len])
    }
}

impl FromStr for PhoneNumber {
    type Err = InvalidPhone;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let trimmed = input.trim();
        let err = |reason| InvalidPhone { reason };
        if trimmed.is_empty() {
            return Err(err(PhoneReason::Empty));
        }
        if trimmed.len() > 32
            || !trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
        {
            return Err(err(PhoneReason::Characters));
        }
        // Wawp's own examples write numbers as international digits without
        // `+` (`201234567890`); a leading `00` is the international prefix.
        let international = if let Some(rest) = trimmed.strip_prefix("00") {
            format!("+{rest}")
        } else if trimmed.starts_with('+') {
            trimmed.to_owned()
        } else {
            return Err(err(PhoneReason::NoCountryCode));
        };
        let parsed =
            phonenumber::parse(None, &international).map_err(|_| err(PhoneReason::Unparseable))?;
        if !parsed.is_valid() {
            return Err(err(PhoneReason::NotValid));
        }
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        Ok(PhoneNumber {
            e164,
            country_code: parsed.code().value(),
        })
    }
}

impl TryFrom<&str> for PhoneNumber {
    type Error = InvalidPhone;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PhoneNumber").field(&self.masked()).finish()
    }
}

/// Why a phone number was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhoneReason {
    /// Nothing was given.
    Empty,
    /// Characters other than digits, spaces, `+ - . ( )`, or far too long.
    Characters,
    /// No `+` or `00` country prefix.
    NoCountryCode,
    /// libphonenumber could not read it.
    Unparseable,
    /// It parses but is not a valid number for its country.
    NotValid,
}

/// A phone number that cannot be used as a recipient. The message says what
/// to fix; the number itself is not repeated (it is personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid phone number: {}", match .reason {
    PhoneReason::Empty => "it is empty; give the number in international format, e.g. +201234567890",
    PhoneReason::Characters => "use only digits, spaces and + - . ( ), e.g. +20 123 456 7890",
    PhoneReason::NoCountryCode => "start it with + and the country code, e.g. +201234567890",
    PhoneReason::Unparseable => "it cannot be read as an international number; write it as + country code and number, e.g. +201234567890",
    PhoneReason::NotValid => "it is not a valid number for its country code; check the digits",
})]
pub struct InvalidPhone {
    reason: PhoneReason,
}

impl InvalidPhone {
    /// Why it was rejected.
    pub fn reason(&self) -> PhoneReason {
        self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings_of_one_number() {
        for input in [
            "+201234567890",
            "+20 123 456 7890",
            "+20-123-456-7890",
            "00201234567890",
            " +20 (123) 456.7890 ",
        ] {
            let phone: PhoneNumber = input.parse().unwrap();
            assert_eq!(phone.e164(), "+201234567890", "{input}");
            assert_eq!(phone.chat_id(), "201234567890");
            assert_eq!(phone.country_code(), 20);
        }
    }

    #[test]
    fn masks_all_but_country_code_and_last_four() {
        let phone: PhoneNumber = "+201234567890".parse().unwrap();
        assert_eq!(phone.masked(), "+20•••••7890");
        assert_eq!(phone.to_string(), "+20•••••7890");
        assert!(!format!("{phone:?}").contains("1234567890"));
        let us: PhoneNumber = "+1 650 253 0000".parse().unwrap();
        assert_eq!(us.masked(), "+1•••••0000");
    }

    #[test]
    fn rejects_with_a_reason() {
        let cases = [
            ("", PhoneReason::Empty),
            ("+20 123 abc", PhoneReason::Characters),
            ("201234567890", PhoneReason::NoCountryCode),
            ("0123 456 7890", PhoneReason::NoCountryCode),
            ("+", PhoneReason::Unparseable),
            ("+20 12", PhoneReason::NotValid),
        ];
        for (input, reason) in cases {
            let err = input.parse::<PhoneNumber>().unwrap_err();
            assert_eq!(err.reason(), reason, "{input:?}");
            assert!(err.to_string().starts_with("invalid phone number: "));
        }
    }
}
