//! The bot's commands and their arguments.
//!
//! [`parse_command`] recognises a command followed by any whitespace (teloxide's
//! `BotCommands` derive splits on a space only) and hands over the rest of the
//! text as one `String`; the arguments are parsed here, so a missing or bad
//! argument gets that command's usage instead of being silently dropped.

use wawp::{Footer, Lang, OtpCode, PhoneNumber};

/// The most `/history` shows.
pub const HISTORY_MAX: u32 = 50;
/// What `/history` shows without an argument.
pub const HISTORY_DEFAULT: u32 = 10;

/// The commands. Recognised by [`parse_command`]; the menu Telegram shows
/// is the `menu` module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `/start`
    Start,
    /// `/help`
    Help,
    /// `/whoami`
    Whoami,
    /// `/langs`
    Langs,
    /// `/send <phone> [lang [footer…]]`, with the raw arguments.
    Send(String),
    /// `/verify <phone> <code>`, with the raw arguments.
    Verify(String),
    /// `/history [n]`, with the raw argument.
    History(String),
}

impl Command {
    /// The recipient named in a `/send` or `/verify`, if one can be read.
    pub fn recipient_hint(&self) -> Option<PhoneNumber> {
        match self {
            Command::Send(args) | Command::Verify(args) => recipient_hint(args),
            _ => None,
        }
    }
}

/// Recognises a command the way people type it: `/name` or
/// `/name@this_bot`, then any whitespace (space, tab, newline) before the
/// arguments. `None` for text that is not one of the commands, or a command
/// addressed to another bot.
pub fn parse_command(text: &str, bot_username: &str) -> Option<Command> {
    let rest = text.trim_start().strip_prefix('/')?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (word, args) = rest.split_at(end);
    let name = match word.split_once('@') {
        Some((name, bot)) if bot.eq_ignore_ascii_case(bot_username) => name,
        Some(_) => return None,
        None => word,
    };
    let args = args.trim().to_owned();
    Some(match name.to_ascii_lowercase().as_str() {
        "start" => Command::Start,
        "help" => Command::Help,
        "whoami" => Command::Whoami,
        "langs" => Command::Langs,
        "send" => Command::Send(args),
        "verify" => Command::Verify(args),
        "history" => Command::History(args),
        _ => return None,
    })
}

/// Arguments of `/send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendArgs {
    /// The recipient.
    pub phone: PhoneNumber,
    /// The message language (default English).
    pub lang: Lang,
    /// Text appended to the message.
    pub footer: Option<Footer>,
}

/// Arguments of `/verify`. `Debug` leaves the code out (it is an
/// [`OtpCode`], a secret).
#[derive(Debug, Clone)]
pub struct VerifyArgs {
    /// The phone number the code was sent to.
    pub phone: PhoneNumber,
    /// The 6-digit code.
    pub code: OtpCode,
}

/// What is wrong with a command's arguments. `Display` is a sentence for the
/// admin; it never repeats the phone number or the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// Required arguments are missing.
    #[error("arguments are missing")]
    Missing,
    /// The phone number is not usable.
    #[error("{0}")]
    Phone(#[from] wawp::phone::InvalidPhone),
    /// Not a language code at all. The word is not repeated: it may be a
    /// phone number (or anything else) typed in the wrong place.
    #[error(
        "the language comes after the phone number, as 2 or 3 letters such as en or pt; /langs lists the codes"
    )]
    Lang,
    /// A well-formed code Wawp does not document (most likely a typo).
    #[error("Wawp does not document the language {0:?}; /langs lists the codes")]
    UnknownLang(String),
    /// The footer cannot be sent (too long, control or bidi characters,
    /// only invisible marks); the message says which, never the text.
    #[error("{0}")]
    Footer(#[from] wawp::footer::InvalidFooter),
    /// The code is not 6 digits.
    #[error("the code is the 6 digits from the WhatsApp message")]
    Code,
    /// `/history`'s count is not a number from 1 up.
    #[error("the count must be a whole number from 1 to {HISTORY_MAX}")]
    Count,
}

impl ArgError {
    /// A short name for the audit log.
    pub fn kind(&self) -> &'static str {
        match self {
            ArgError::Missing => "missing_arguments",
            ArgError::Phone(_) => "invalid_phone",
            ArgError::Lang | ArgError::UnknownLang(_) => "invalid_lang",
            ArgError::Footer(_) => "invalid_footer",
            ArgError::Code => "invalid_code",
            ArgError::Count => "invalid_count",
        }
    }
}

/// The most characters (spaces aside) a written phone number can take:
/// 15 digits, a `+` or `00`, and separators.
const MAX_PHONE_CHARS: usize = 32;

/// Splits off the phone number at the start of `args`.
///
/// A number may be written with spaces (`+20 123 456 7890`), so the longest
/// run of leading words made of phone characters that parses as a number is
/// taken; the rest is returned. If none parses, the error is for the whole run.
fn split_phone(args: &str) -> Result<(PhoneNumber, Vec<&str>), ArgError> {
    let words: Vec<&str> = args.split_whitespace().collect();
    if words.is_empty() {
        return Err(ArgError::Missing);
    }
    // Only the first few words can be a number (E.164: at most 15 digits,
    // however spaced): trying every prefix of a long run of digit words was
    // quadratic (a 120 KB `/send 1 1 1 …` took seconds).
    let mut chars = 0;
    let phoneish = words
        .iter()
        .take_while(|w| w.chars().all(|c| c.is_ascii_digit() || "+-.()".contains(c)))
        .take_while(|w| {
            chars += w.len();
            chars <= MAX_PHONE_CHARS
        })
        .count()
        .max(1);
    for len in (1..=phoneish).rev() {
        if let Ok(phone) = words[..len].join(" ").parse::<PhoneNumber>() {
            return Ok((phone, words[len..].to_vec()));
        }
    }
    Err(ArgError::Phone(
        words[..phoneish]
            .join(" ")
            .parse::<PhoneNumber>()
            .expect_err("no prefix parsed"),
    ))
}

/// The recipient at the start of a `/send` or `/verify`'s arguments, if one
/// can be read: for the audit log of refused, ignored or invalid commands.
pub fn recipient_hint(args: &str) -> Option<PhoneNumber> {
    split_phone(args).ok().map(|(phone, _)| phone)
}

/// Parses `/send <phone> [lang [footer…]]`.
///
/// The language must be one of the 26 Wawp documents: a well-formed but
/// unknown code (`/send … ee`) is far more often a typo than a new language.
pub fn parse_send(args: &str) -> Result<SendArgs, ArgError> {
    let (phone, rest) = split_phone(args)?;
    let mut rest = rest.into_iter();
    let lang = match rest.next() {
        None => Lang::default(),
        Some(word) => {
            let lang: Lang = word.parse().map_err(|_| ArgError::Lang)?;
            if !lang.is_documented() {
                return Err(ArgError::UnknownLang(lang.as_str().to_owned()));
            }
            lang
        }
    };
    let footer = rest.collect::<Vec<_>>().join(" ");
    let footer = if footer.is_empty() {
        None
    } else {
        Some(footer.parse::<Footer>()?)
    };
    Ok(SendArgs {
        phone,
        lang,
        footer,
    })
}

/// Parses `/verify <phone> <code>`.
pub fn parse_verify(args: &str) -> Result<VerifyArgs, ArgError> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let Some((code, phone_words)) = words.split_last() else {
        return Err(ArgError::Missing);
    };
    if phone_words.is_empty() {
        return Err(ArgError::Missing);
    }
    let phone_text = phone_words.join(" ");
    let (phone, extra) = split_phone(&phone_text)?;
    if !extra.is_empty() {
        // Something between the number and the code that is not part of either.
        return Err(ArgError::Code);
    }
    let code = code.parse::<OtpCode>().map_err(|_| ArgError::Code)?;
    Ok(VerifyArgs { phone, code })
}

/// Parses `/history [n]`: n from 1 to [`HISTORY_MAX`]; anything else is
/// refused with the range.
pub fn parse_history(args: &str) -> Result<u32, ArgError> {
    let mut words = args.split_whitespace();
    let n = match words.next() {
        None => HISTORY_DEFAULT,
        Some(word) => match word.parse::<u64>() {
            Ok(n) if (1..=u64::from(HISTORY_MAX)).contains(&n) => n as u32,
            _ => return Err(ArgError::Count),
        },
    };
    if words.next().is_some() {
        return Err(ArgError::Count);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_recognised_with_their_raw_arguments() {
        let parse = |text| parse_command(text, "wawp_test_bot").ok_or(());
        assert_eq!(
            parse("/send +201234567890 ar").unwrap(),
            Command::Send("+201234567890 ar".into())
        );
        assert_eq!(parse("/send").unwrap(), Command::Send(String::new()));
        assert_eq!(
            parse("/verify@wawp_test_bot +201234567890 123456").unwrap(),
            Command::Verify("+201234567890 123456".into())
        );
        assert_eq!(parse("/whoami").unwrap(), Command::Whoami);
        assert!(parse("/nope").is_err());
        assert!(parse("/send@another_bot +201234567890").is_err());
        assert_eq!(parse("/Whoami@Wawp_Test_Bot").unwrap(), Command::Whoami);
    }

    #[test]
    fn any_whitespace_ends_the_command_name() {
        let parse = |text| parse_command(text, "wawp_test_bot");
        for text in [
            "/send\n+201234567890 ar",
            "/send\t+201234567890 ar",
            "/send  +201234567890 ar ",
            "/send@wawp_test_bot\n+201234567890 ar",
        ] {
            assert_eq!(
                parse(text),
                Some(Command::Send("+201234567890 ar".into())),
                "{text:?}"
            );
        }
        assert_eq!(
            parse("/verify\n+201234567890\n123456"),
            Some(Command::Verify("+201234567890\n123456".into()))
        );
        assert_eq!(parse("send +201234567890"), None);
    }

    #[test]
    fn send_takes_a_spaced_number_a_language_and_a_footer() {
        let args = parse_send("+20 123 456 7890 AR Thanks for shopping  with us").unwrap();
        assert_eq!(args.phone.e164(), "+201234567890");
        assert_eq!(args.lang, Lang::Ar);
        assert_eq!(
            args.footer.as_ref().map(Footer::as_str),
            Some("Thanks for shopping with us")
        );

        let args = parse_send("  00201234567890 ").unwrap();
        assert_eq!(args.lang, Lang::En);
        assert!(args.footer.is_none());

        // A footer that starts with digits is not swallowed into the number.
        let args = parse_send("+201234567890 fr 2024 promo").unwrap();
        assert_eq!(args.phone.e164(), "+201234567890");
        assert_eq!(args.footer.as_ref().map(Footer::as_str), Some("2024 promo"));
    }

    #[test]
    fn send_refuses_what_it_cannot_use() {
        assert!(matches!(parse_send(""), Err(ArgError::Missing)));
        assert!(matches!(parse_send("   "), Err(ArgError::Missing)));
        assert!(matches!(
            parse_send("0123 456 7890"),
            Err(ArgError::Phone(_))
        ));
        assert!(matches!(parse_send("+20 12"), Err(ArgError::Phone(_))));
        assert!(matches!(parse_send("alice"), Err(ArgError::Phone(_))));
        assert_eq!(
            parse_send("+201234567890 ee").unwrap_err(),
            ArgError::UnknownLang("ee".into())
        );
        assert_eq!(
            parse_send("+201234567890 english").unwrap_err(),
            ArgError::Lang
        );
        let long = format!(
            "+201234567890 en {}",
            "x".repeat(wawp::footer::MAX_FOOTER_CHARS + 1)
        );
        let err = parse_send(&long).unwrap_err();
        assert!(matches!(err, ArgError::Footer(_)), "{err:?}");
        assert!(!err.to_string().contains("xxx"), "{err}");
        // Only invisible marks: nothing to show, refused before Wawp.
        assert!(matches!(
            parse_send("+201234567890 en \u{200E}\u{200F}"),
            Err(ArgError::Footer(_))
        ));
    }

    #[test]
    fn a_bad_language_is_named_and_points_to_langs_instead_of_26_codes() {
        let message = ArgError::UnknownLang("ee".into()).to_string();
        assert_eq!(
            message,
            "Wawp does not document the language \"ee\"; /langs lists the codes"
        );
        assert!(!message.contains("uk"));
    }

    #[test]
    fn a_word_that_is_no_language_is_not_echoed_and_the_message_says_what_is_expected() {
        // A second phone number typed where the language goes.
        let err = parse_send("+201234567890 +201098765432").unwrap_err();
        assert_eq!(err, ArgError::Lang);
        let message = err.to_string();
        assert!(!message.contains("201098765432"), "{message}");
        assert!(!message.contains("+20"), "{message}");
        assert_eq!(
            message,
            "the language comes after the phone number, as 2 or 3 letters such as en or pt; /langs lists the codes"
        );
    }

    #[test]
    fn verify_takes_a_number_and_a_six_digit_code() {
        let args = parse_verify("+20 123 456 7890 123456").unwrap();
        assert_eq!(args.phone.e164(), "+201234567890");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&args.code), "123456");
        assert!(!format!("{args:?}").contains("123456"));

        assert!(matches!(parse_verify(""), Err(ArgError::Missing)));
        assert!(matches!(parse_verify("123456"), Err(ArgError::Missing)));
        assert!(matches!(
            parse_verify("+201234567890 12345"),
            Err(ArgError::Code)
        ));
        assert!(matches!(
            parse_verify("+201234567890 12345a"),
            Err(ArgError::Code)
        ));
        assert!(matches!(
            parse_verify("+201234567890 abc 123456"),
            Err(ArgError::Code)
        ));
        assert!(matches!(
            parse_verify("+20 12 123456"),
            Err(ArgError::Phone(_))
        ));
        assert_eq!(
            recipient_hint("+20 123 456 7890 123456").unwrap().e164(),
            "+201234567890"
        );
        assert_eq!(recipient_hint("nonsense 123456"), None);
    }

    #[test]
    fn a_long_run_of_digit_words_is_not_a_number_and_parses_in_one_pass() {
        let flood = "1 ".repeat(60_000);
        assert!(matches!(parse_send(&flood), Err(ArgError::Phone(_))));
        assert!(recipient_hint(&flood).is_none());
        // A spaced number followed by digit words still parses.
        let args = parse_send(&format!("+20 123 456 7890 ar {}", "9 ".repeat(50))).unwrap();
        assert_eq!(args.phone.e164(), "+201234567890");
    }

    #[test]
    fn history_counts_default_to_10_and_stay_within_1_to_50() {
        assert_eq!(parse_history(""), Ok(10));
        assert_eq!(parse_history(" 3 "), Ok(3));
        assert_eq!(parse_history("50"), Ok(50));
        assert_eq!(parse_history("51"), Err(ArgError::Count));
        assert_eq!(parse_history("500"), Err(ArgError::Count));
        assert_eq!(parse_history("0"), Err(ArgError::Count));
        assert_eq!(parse_history("-1"), Err(ArgError::Count));
        assert_eq!(parse_history("ten"), Err(ArgError::Count));
        assert_eq!(parse_history("1 2"), Err(ArgError::Count));
    }
}
