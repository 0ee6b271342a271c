//! The two operations: their requests ([`SendOtp`], [`VerifyOtp`]),
//! results ([`SentOtp`], [`VerifiedOtp`]) and input validation.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use crate::error::FooterReason;
use crate::{Client, Error, Lang, PhoneNumber};

/// The longest footer accepted, in characters.
pub const MAX_FOOTER_CHARS: usize = 200;

/// A send request: set options, then `.await` it.
///
/// Created by [`Client::send_otp`]. The footer and language are checked
/// when awaited, before anything is sent.
///
/// ```no_run
/// # async fn run(client: wawp::Client, phone: wawp::PhoneNumber) -> Result<(), wawp::Error> {
/// let sent = client
///     .send_otp(&phone)
///     .lang(wawp::Lang::Fr)
///     .footer("Acme Inc.")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until the request is awaited"]
pub struct SendOtp<'a> {
    pub(crate) client: &'a Client,
    pub(crate) phone: PhoneNumber,
    pub(crate) lang: Lang,
    pub(crate) footer: Option<String>,
}

impl<'a> SendOtp<'a> {
    pub(crate) fn new(client: &'a Client, phone: PhoneNumber) -> Self {
        SendOtp {
            client,
            phone,
            lang: Lang::default(),
            footer: None,
        }
    }

    /// The message language (default [`Lang::En`]). A [`Lang::Other`]
    /// code is sent as is if it is 2 or 3 ASCII letters.
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Text appended to the message: at most [`MAX_FOOTER_CHARS`]
    /// characters, one line, not blank.
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }
}

impl<'a> IntoFuture for SendOtp<'a> {
    type Output = Result<SentOtp, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(crate::call::send(self))
    }
}

/// A verify request: set options, then `.await` it.
///
/// Created by [`Client::verify_otp`]. The code is checked when awaited,
/// before anything is sent. `Debug` does not show the code.
#[must_use = "nothing is sent until the request is awaited"]
pub struct VerifyOtp<'a> {
    pub(crate) client: &'a Client,
    pub(crate) phone: PhoneNumber,
    pub(crate) code: String,
    pub(crate) list_id: Option<i64>,
}

impl<'a> VerifyOtp<'a> {
    pub(crate) fn new(client: &'a Client, phone: PhoneNumber, code: String) -> Self {
        VerifyOtp {
            client,
            phone,
            code,
            list_id: None,
        }
    }

    /// Adds the verified number to this Wawp contact list.
    pub fn list_id(mut self, list_id: i64) -> Self {
        self.list_id = Some(list_id);
        self
    }
}

impl fmt::Debug for VerifyOtp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyOtp")
            .field("client", &self.client)
            .field("phone", &self.phone)
            .field("code", &"[redacted]")
            .field("list_id", &self.list_id)
            .finish()
    }
}

impl<'a> IntoFuture for VerifyOtp<'a> {
    type Output = Result<VerifiedOtp, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(crate::call::verify(self))
    }
}

/// Wawp accepted the send: the code is on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentOtp {
    /// Wawp's identifier of the delivery job.
    pub job_id: String,
    /// How long the code stays valid (Wawp says 300 s).
    pub expires_in: Duration,
    /// Wawp's human-readable outcome.
    pub message: String,
}

/// Wawp confirmed the code (HTTP 200).
///
/// Wawp does not document this body beyond being JSON, so both fields are
/// whatever it sent, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct VerifiedOtp {
    /// The outcome code, when Wawp sent one.
    pub code: Option<String>,
    /// The human-readable outcome, when Wawp sent one.
    pub message: Option<String>,
}

/// Checks a footer; `Ok` means it can be sent as is.
pub(crate) fn check_footer(footer: &str) -> Result<(), Error> {
    let reason = if footer.trim().is_empty() {
        FooterReason::Blank
    } else if footer.chars().any(is_forbidden_in_footer) {
        FooterReason::ControlCharacter
    } else {
        let chars = footer.chars().count();
        if chars <= MAX_FOOTER_CHARS {
            return Ok(());
        }
        FooterReason::TooLong {
            chars,
            max: MAX_FOOTER_CHARS,
        }
    };
    Err(Error::InvalidFooter { reason })
}

fn is_forbidden_in_footer(c: char) -> bool {
    // Control characters, and the bidi embedding/override/isolate
    // characters that can make text read differently than it is.
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks a code; returns it trimmed.
pub(crate) fn check_code(code: &str) -> Result<&str, Error> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(Error::InvalidCode)
    }
}

/// Checks a language (a hand-built [`Lang::Other`] may hold anything) and
/// returns it normalised (lower case; a documented code as its variant).
pub(crate) fn check_lang(lang: &Lang) -> Result<Lang, Error> {
    match lang {
        Lang::Other(code) => code.parse::<Lang>().map_err(Error::InvalidLang),
        documented => Ok(documented.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footers_are_bounded_single_line_and_not_blank() {
        assert!(check_footer("Secured by Wawp").is_ok());
        assert!(check_footer("مؤمن بواسطة واوب").is_ok());
        assert!(check_footer(&"é".repeat(MAX_FOOTER_CHARS)).is_ok());
        let reason = |s: &str| match check_footer(s) {
            Err(Error::InvalidFooter { reason }) => reason,
            other => panic!("{s:?}: {other:?}"),
        };
        assert_eq!(reason(""), FooterReason::Blank);
        assert_eq!(reason(" \t "), FooterReason::Blank);
        assert_eq!(reason("line\nbreak"), FooterReason::ControlCharacter);
        assert_eq!(reason("nul\0"), FooterReason::ControlCharacter);
        assert_eq!(reason("evil\u{202E}txt"), FooterReason::ControlCharacter);
        assert_eq!(
            reason(&"x".repeat(MAX_FOOTER_CHARS + 1)),
            FooterReason::TooLong {
                chars: MAX_FOOTER_CHARS + 1,
                max: MAX_FOOTER_CHARS
            }
        );
        let message = check_footer(&"x".repeat(250)).unwrap_err().to_string();
        assert!(
            message.contains("250") && message.contains("200"),
            "{message}"
        );
    }

    #[test]
    fn codes_are_exactly_six_ascii_digits() {
        assert_eq!(check_code("123456").unwrap(), "123456");
        assert_eq!(check_code(" 012345\n").unwrap(), "012345");
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
            assert_eq!(check_code(bad), Err(Error::InvalidCode), "{bad:?}");
        }
    }

    #[test]
    fn hand_built_other_langs_are_checked() {
        assert_eq!(check_lang(&Lang::Ar).unwrap(), Lang::Ar);
        assert_eq!(
            check_lang(&Lang::Other("SW".into())).unwrap(),
            Lang::Other("sw".into())
        );
        assert_eq!(check_lang(&Lang::Other("EN".into())).unwrap(), Lang::En);
        assert!(matches!(
            check_lang(&Lang::Other("english!".into())),
            Err(Error::InvalidLang(_))
        ));
    }
}
