//! The two ways a number is checked: libphonenumber's per-region rules (the
//! `phonenumber` feature, default) or the E.164 shape only.

use super::PhoneReason;

/// A checked number: E.164 form with `+`, and its country code.
pub(super) struct Checked {
    pub(super) e164: String,
    pub(super) country_code: u16,
}

/// Real per-region validation with libphonenumber's metadata.
#[cfg(feature = "phonenumber")]
pub(super) fn check(international: &str) -> Result<Checked, PhoneReason> {
    let parsed = phonenumber::parse(None, international).map_err(|_| PhoneReason::Unparseable)?;
    if !parsed.is_valid() {
        return Err(PhoneReason::NotValid);
    }
    Ok(Checked {
        e164: parsed.format().mode(phonenumber::Mode::E164).to_string(),
        country_code: parsed.code().value(),
    })
}

/// The E.164 shape only: `+`, a country code that does not start with 0,
/// digits (the length is checked by the caller). Weaker than the per-region
/// rules: a number of the right shape that no operator uses passes.
#[cfg(not(feature = "phonenumber"))]
pub(super) fn check(international: &str) -> Result<Checked, PhoneReason> {
    let digits: String = international.chars().filter(char::is_ascii_digit).collect();
    // Only one `+`, in front (the caller checked it is there).
    if international[1..].contains('+') || digits.is_empty() || digits.starts_with('0') {
        return Err(PhoneReason::Unparseable);
    }
    let cc_len = country_code_len(&digits);
    if digits.len() <= cc_len {
        return Err(PhoneReason::NotValid);
    }
    let country_code = digits[..cc_len]
        .parse()
        .map_err(|_| PhoneReason::Unparseable)?;
    Ok(Checked {
        e164: format!("+{digits}"),
        country_code,
    })
}

/// How many digits the country calling code at the start of `digits` has
/// (ITU-T E.164 assignments: 1 and 7 are one digit, the list below two,
/// every other code three).
#[cfg_attr(feature = "phonenumber", allow(dead_code))]
pub(super) fn country_code_len(digits: &str) -> usize {
    const TWO_DIGITS: [u8; 44] = [
        20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55,
        56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
    ];
    let bytes = digits.as_bytes();
    match bytes.first() {
        Some(b'1' | b'7') => 1,
        Some(first) => match bytes.get(1) {
            Some(second) if TWO_DIGITS.contains(&((first - b'0') * 10 + (second - b'0'))) => 2,
            _ => 3,
        },
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_have_their_itu_length() {
        for (digits, len) in [
            ("16502530000", 1),
            ("79161234567", 1),
            ("201234567890", 2),
            ("447911123456", 2),
            ("6834002", 3),
            ("2905555", 3),
            ("9715012345", 3),
        ] {
            assert_eq!(country_code_len(digits), len, "{digits}");
        }
    }
}
