//! The message languages Wawp documents: the sandbox's own copy of the
//! provider's table (the `wawp` client keeps another; a test checks that
//! both agree).

use serde::Serialize;
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

/// One of the 26 languages Wawp documents for `lang`, spelled on the wire
/// as its lower-case code (`en`, `ar`, …). Absent means [`Lang::En`].
///
/// ```
/// use wawp_sandbox::Lang;
///
/// assert_eq!("ar".parse::<Lang>().unwrap(), Lang::Ar);
/// assert_eq!(Lang::Pt.as_str(), "pt");
/// assert!("AR".parse::<Lang>().is_err());
/// assert_eq!(Lang::ALL.len(), 26);
/// ```
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Display,
    EnumString,
    IntoStaticStr,
    VariantArray,
    Serialize,
)]
#[strum(serialize_all = "lowercase")]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)] // the variants are language codes
pub enum Lang {
    #[default]
    En,
    Ar,
    Fr,
    Es,
    Pt,
    De,
    It,
    Tr,
    Id,
    Hi,
    Ru,
    Ja,
    Ko,
    Zh,
    Nl,
    Pl,
    Vi,
    Th,
    Ms,
    Fa,
    Ur,
    Bn,
    El,
    Ro,
    Sv,
    Uk,
}

impl Lang {
    /// Every documented language, in the order Wawp's documentation lists
    /// them (`en` first).
    pub const ALL: &'static [Lang] = <Lang as VariantArray>::VARIANTS;

    /// The wire code, e.g. `"ar"`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The codes, comma-separated, for error messages.
    pub(crate) fn codes() -> String {
        let codes: Vec<&str> = Lang::ALL.iter().map(|lang| lang.as_str()).collect();
        codes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_exactly_and_only_in_lower_case() {
        for &lang in Lang::ALL {
            assert_eq!(lang.as_str().parse::<Lang>().unwrap(), lang);
            assert_eq!(lang.to_string(), lang.as_str());
            assert_eq!(
                serde_json::to_string(&lang).unwrap(),
                format!("\"{}\"", lang.as_str())
            );
        }
        for bad in ["xx", "AR", "", "en-US", " en"] {
            assert!(bad.parse::<Lang>().is_err(), "{bad:?}");
        }
        assert!(Lang::codes().starts_with("en, ar, fr, "));
        assert!(Lang::codes().ends_with(", sv, uk"));
    }
}
