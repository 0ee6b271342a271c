//! [`OtpCode`]: the 6 digits a recipient received.

use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};

/// A one-time password as typed by the recipient: exactly 6 ASCII digits
/// (surrounding whitespace is ignored when parsing).
///
/// Holding an `OtpCode` means the code is well-formed, so a call can never
/// spend one of the recipient's attempts on a typo. The digits are kept in
/// a [`secrecy::SecretString`]: `Debug` shows `[REDACTED]`, and they are
/// read only through [`ExposeSecret`].
///
/// ```
/// use secrecy::ExposeSecret;
/// use wawp::OtpCode;
///
/// let code: OtpCode = " 042917\n".parse().unwrap();
/// assert_eq!(code.expose_secret(), "042917");
/// assert!(!format!("{code:?}").contains("042917"));
/// assert!("12 3456".parse::<OtpCode>().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct OtpCode(SecretString);

impl ExposeSecret<str> for OtpCode {
    fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl FromStr for OtpCode {
    type Err = InvalidCode;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let code = input.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(OtpCode(SecretString::from(code)))
        } else {
            Err(InvalidCode(()))
        }
    }
}

impl TryFrom<&str> for OtpCode {
    type Error = InvalidCode;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl TryFrom<String> for OtpCode {
    type Error = InvalidCode;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// A code that is not 6 ASCII digits. The message says what to type; the
/// input is not repeated (it may be a real code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid code: enter the 6 digits from the WhatsApp message (e.g. 123456), without letters or spaces in between"
)]
pub struct InvalidCode(());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_exactly_six_ascii_digits() {
        assert_eq!(
            "123456".parse::<OtpCode>().unwrap().expose_secret(),
            "123456"
        );
        assert_eq!(
            OtpCode::try_from(" 012345\n").unwrap().expose_secret(),
            "012345"
        );
        for bad in [
            "",
            "12345",
            "1234567",
            "12 3456",
            "12345a",
            "١٢٣٤٥٦",
            "-12345",
            "+12345",
        ] {
            let err = bad.parse::<OtpCode>().unwrap_err();
            assert!(err.to_string().contains("6 digits"), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_digits() {
        let code: OtpCode = "482913".parse().unwrap();
        let debug = format!("{code:?}");
        assert!(!debug.contains("482913"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
    }
}
