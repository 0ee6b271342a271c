//! Message languages.

use std::fmt;
use std::str::FromStr;

macro_rules! languages {
    ($($(#[$attr:meta])* $variant:ident => $code:literal, $name:literal;)*) => {
        /// The language of the OTP message.
        ///
        /// The 26 languages Wawp documents are variants; a code Wawp adds later
        /// can still be sent with [`Lang::Other`], whose [`OtherLang`] can only
        /// be built by parsing ([`Lang::custom`], `"sw".parse()`), so a `Lang`
        /// always holds a code that can be sent. Parsing is case-insensitive.
        ///
        /// ```
        /// use wawp::Lang;
        /// assert_eq!("ar".parse::<Lang>().unwrap(), Lang::Ar);
        /// assert_eq!(Lang::default(), Lang::En);
        /// assert!(!"xx".parse::<Lang>().unwrap().is_documented());
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum Lang {
            $(
                #[doc = concat!($name, " (`", $code, "`)")]
                $(#[$attr])*
                $variant,
            )*
            /// A code Wawp does not document (yet): 2 or 3 lower-case ASCII letters.
            Other(OtherLang),
        }

        impl Lang {
            /// The 26 documented languages, in Wawp's order.
            pub const DOCUMENTED: [Lang; 26] = [$(Lang::$variant),*];

            /// The code sent to Wawp, e.g. `"ar"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Lang::$variant => $code,)*
                    Lang::Other(code) => code.as_str(),
                }
            }

            /// The language's English name, `None` for [`Lang::Other`].
            pub fn name(&self) -> Option<&'static str> {
                match self {
                    $(Lang::$variant => Some($name),)*
                    Lang::Other(_) => None,
                }
            }

            fn documented(code: &str) -> Option<Lang> {
                match code {
                    $($code => Some(Lang::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

languages! {
    #[default]
    En => "en", "English";
    Ar => "ar", "Arabic";
    Fr => "fr", "French";
    Es => "es", "Spanish";
    Pt => "pt", "Portuguese";
    De => "de", "German";
    It => "it", "Italian";
    Tr => "tr", "Turkish";
    Id => "id", "Indonesian";
    Hi => "hi", "Hindi";
    Ru => "ru", "Russian";
    Ja => "ja", "Japanese";
    Ko => "ko", "Korean";
    Zh => "zh", "Chinese";
    Nl => "nl", "Dutch";
    Pl => "pl", "Polish";
    Vi => "vi", "Vietnamese";
    Th => "th", "Thai";
    Ms => "ms", "Malay";
    Fa => "fa", "Persian";
    Ur => "ur", "Urdu";
    Bn => "bn", "Bengali";
    El => "el", "Greek";
    Ro => "ro", "Romanian";
    Sv => "sv", "Swedish";
    Uk => "uk", "Ukrainian";
}

impl Lang {
    /// A language code Wawp does not document yet: 2 or 3 ASCII letters
    /// (case-insensitive). A documented code gives its own variant.
    pub fn custom(code: &str) -> Result<Lang, InvalidLang> {
        code.parse()
    }

    /// Whether this is one of the 26 languages Wawp documents.
    pub fn is_documented(&self) -> bool {
        !matches!(self, Lang::Other(_))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lang {
    type Err = InvalidLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim().to_ascii_lowercase();
        if let Some(lang) = Lang::documented(&code) {
            return Ok(lang);
        }
        if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Lang::Other(OtherLang(code)))
        } else {
            Err(InvalidLang { _private: () })
        }
    }
}

/// A language code Wawp does not document, checked: 2 or 3 lower-case
/// ASCII letters. Made by parsing a [`Lang`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OtherLang(String);

impl OtherLang {
    /// The code, e.g. `"sw"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A language code that is not 2 or 3 ASCII letters. The input is not
/// repeated: a mistyped argument may be a phone number or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid language code: use a 2- or 3-letter code such as \"en\" or \"ar\" (documented: {})",
    documented_codes()
)]
pub struct InvalidLang {
    _private: (),
}

/// The documented codes, comma-separated, for messages.
fn documented_codes() -> String {
    Lang::DOCUMENTED
        .iter()
        .map(Lang::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_round_trips() {
        for lang in Lang::DOCUMENTED {
            assert_eq!(lang.as_str().parse::<Lang>().unwrap(), lang);
            assert!(lang.is_documented());
            assert!(lang.name().is_some());
        }
        assert_eq!(documented_codes().split(", ").count(), 26);
    }

    #[test]
    fn parsing_is_case_insensitive_and_keeps_new_codes() {
        assert_eq!(" AR ".parse::<Lang>().unwrap(), Lang::Ar);
        let haw = "Haw".parse::<Lang>().unwrap();
        assert!(matches!(&haw, Lang::Other(code) if code.as_str() == "haw"));
        assert_eq!(haw.as_str(), "haw");
        assert!(!haw.is_documented());
        assert_eq!("EN".parse::<Lang>().unwrap(), Lang::En);
        assert_eq!(Lang::custom("sw").unwrap().as_str(), "sw");
    }

    #[test]
    fn garbage_is_rejected_with_a_hint() {
        for bad in ["", "e", "english", "e1", "en-US", "ع"] {
            let err = bad.parse::<Lang>().unwrap_err();
            assert!(err.to_string().contains("\"en\""), "{err}");
        }
        for secret in ["+201234567890", "tok_SECRET_9f8e", "201234567890"] {
            let err = secret.parse::<Lang>().unwrap_err();
            assert!(!format!("{err} {err:?}").contains(&secret[..5]), "{err}");
        }
    }
}
