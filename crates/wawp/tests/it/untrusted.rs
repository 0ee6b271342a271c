//! Server text is untrusted: a property over generated transformations of
//! the token, the number and the code, served by a hostile server on
//! 127.0.0.1 in error bodies (JSON, plain text, HTML) and success bodies.
//! Nothing secret and no control character may survive in `Display`,
//! `Debug`, the accessors or the captured log lines.

use std::future::IntoFuture;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use wawp::{Client, RetryPolicy, VerifyOutcome};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::*;

const CHAT_ID: &str = "201234567890";
const CODE: &str = "482913";

/// A server whose every answer is whatever the test last set.
#[derive(Clone, Default)]
struct Hostile(Arc<Mutex<(u16, String, &'static str)>>);

impl Hostile {
    fn set(&self, status: u16, body: String, content_type: &'static str) {
        *self.0.lock().unwrap() = (status, body, content_type);
    }
}

impl Respond for Hostile {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let (status, body, content_type) = self.0.lock().unwrap().clone();
        ResponseTemplate::new(status).set_body_raw(body, content_type)
    }
}

/// Characters a renderer hides, or that steer a terminal or a log.
const INVISIBLES: [char; 9] = [
    '\u{200B}',
    '\u{00AD}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{200E}',
    '\u{3164}',
    '\u{E0041}',
    '\u{202E}',
    '\u{180E}',
];
const CONTROLS: [&str; 10] = [
    "\r",
    "\n",
    "\u{1b}[31m",
    "\0",
    "\u{7}",
    "%0D",
    "%0A",
    "%1B[31m",
    "%00",
    "%07",
];

fn percent(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// One transformation of a secret, as a server might echo it.
fn transform(secret: &str, kind: u8, seed: usize) -> String {
    match kind % 12 {
        0 => secret.to_uppercase(),
        1 => secret
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if (i + seed).is_multiple_of(2) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect(),
        2 => {
            let invisible = INVISIBLES[seed % INVISIBLES.len()];
            secret.chars().flat_map(|c| [c, invisible]).collect()
        }
        3 => percent(secret),
        4 => percent(secret).replace('%', "%25"),
        5 => secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
        6 => secret
            .chars()
            .map(|c| format!("&#x{:x};", c as u32))
            .collect(),
        7 => secret
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect(),
        8 => {
            if seed.is_multiple_of(2) {
                STANDARD.encode(secret)
            } else {
                URL_SAFE_NO_PAD.encode(secret)
            }
        }
        9 => {
            let separator = ["_", "-", " ", "<b></b>", "<i>", "."][seed % 6];
            let mid = secret.len() / 2;
            format!("{}{separator}{}", &secret[..mid], &secret[mid..])
        }
        10 => secret
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = if i % 3 == 2 { Some('_') } else { None };
                std::iter::once(c).chain(sep)
            })
            .collect(),
        _ => secret.to_owned(),
    }
}

/// A prefix or suffix at least `min` characters long (or the whole).
fn piece(secret: &str, min: usize, seed: usize) -> &str {
    let len = secret.len();
    let keep = min + seed % (len - min + 1);
    if seed.is_multiple_of(2) {
        &secret[..keep]
    } else {
        &secret[len - keep..]
    }
}

/// Letters and digits, lower-cased, outside markup tags.
fn squeezed(text: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out
}

/// Each run of ASCII digits not broken by a letter, digits only.
fn digit_runs(text: &str) -> Vec<String> {
    squeezed(text)
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

fn shares_window(haystack: &str, secret: &str, width: usize) -> bool {
    let secret: Vec<char> = secret.chars().collect();
    secret
        .windows(width.min(secret.len()))
        .any(|w| haystack.contains(&w.iter().collect::<String>()))
}

/// Panics with `what` if `text` holds a control or format character, 8 of
/// the token's letters in a row, 5 of the number's digits, 4 of the code's,
/// or 12 characters of the encoded form that was sent.
/// On send the code is unknown to the client: only the whole code is
/// checked there (`code_known` false).
fn assert_clean(text: &str, sent: &str, what: &str, code_known: bool) {
    if let Some(c) = text.chars().find(|&c| {
        c.is_control() || INVISIBLES.contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
    }) {
        panic!("{what}: control/format U+{:04X} in {text:?}", c as u32);
    }
    let token = squeezed(TOKEN);
    assert!(
        !shares_window(&squeezed(text), &token, 8),
        "{what}: token in {text:?}"
    );
    for run in digit_runs(text) {
        assert!(
            !shares_window(&run, CHAT_ID, 5),
            "{what}: number in {text:?}"
        );
        let code_seen = if code_known {
            shares_window(&run, CODE, 4)
        } else {
            run.contains(CODE)
        };
        assert!(!code_seen, "{what}: code in {text:?}");
    }
    if sent.chars().count() >= 12 {
        assert!(
            !shares_window(text, sent, 12),
            "{what}: {sent:?} in {text:?}"
        );
    }
}

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    capture_filtered("wawp=trace", FmtSpan::NONE)
}

struct World {
    runtime: tokio::runtime::Runtime,
    hostile: Hostile,
    client: Client,
    _server: MockServer,
}

fn world() -> World {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hostile = Hostile::default();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(hostile.clone())
            .mount(&server)
            .await;
        server
    });
    let client = builder(&server, wawp::client::Transport::Post)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    World {
        runtime,
        hostile,
        client,
        _server: server,
    }
}

/// Serves `payload` every way a server could and checks every output.
fn check(world: &World, payload: &str, sent: &str) {
    let phone = phone();
    let bodies = [
        (
            401,
            json!({ "message": payload }).to_string(),
            "application/json",
        ),
        (400, payload.to_owned(), "text/plain"),
        (
            500,
            format!("<html><title>{payload}</title></html>"),
            "text/html",
        ),
    ];
    for (status, body, content_type) in bodies {
        world.hostile.set(status, body, content_type);
        let (captured, guard) = capture();
        let err = world
            .runtime
            .block_on(world.client.send_otp(&phone).into_future())
            .unwrap_err();
        drop(guard);
        let what = format!("{status} {content_type}");
        assert_clean(&err.to_string(), sent, &format!("{what} Display"), false);
        assert_clean(&format!("{err:?}"), sent, &format!("{what} Debug"), false);
        // The log was captured (the checks below are not vacuous).
        assert!(captured.text().contains("call failed"), "{what}");
        assert_clean(
            &captured.text().replace('\n', " "),
            sent,
            &format!("{what} log"),
            false,
        );
        // The same answers to a verify: an error (401, 500) or an outcome
        // carrying the message (400).
        let (captured, guard) = capture();
        let verified = world
            .runtime
            .block_on(world.client.verify_otp(&phone, &code(CODE)).into_future());
        drop(guard);
        let shown = match &verified {
            Ok(outcome) => format!("{outcome:?}"),
            Err(err) => format!("{err} {err:?}"),
        };
        assert_clean(&shown, sent, &format!("{what} verify"), true);
        assert_clean(
            &captured.text().replace('\n', " "),
            sent,
            &format!("{what} verify log"),
            true,
        );
    }
    let ok = json!({ "job_id": payload, "message": payload, "code": payload, "expires_in": 300 });
    world.hostile.set(200, ok.to_string(), "application/json");
    let (captured, guard) = capture();
    let sent_otp = world
        .runtime
        .block_on(world.client.send_otp(&phone).into_future())
        .unwrap();
    let outcome = world
        .runtime
        .block_on(world.client.verify_otp(&phone, &code(CODE)).into_future())
        .unwrap();
    drop(guard);
    assert_clean(&sent_otp.job_id, sent, "job_id", false);
    assert_clean(&sent_otp.message, sent, "message", false);
    assert_clean(&format!("{sent_otp:?}"), sent, "SentOtp Debug", false);
    let VerifyOutcome::Verified(verified) = &outcome else {
        panic!("{outcome:?}");
    };
    assert_clean(
        verified.code.as_deref().unwrap_or(""),
        sent,
        "verified code",
        true,
    );
    assert_clean(
        verified.message.as_deref().unwrap_or(""),
        sent,
        "verified message",
        true,
    );
    assert_clean(&format!("{outcome:?}"), sent, "VerifyOutcome Debug", true);
    assert_clean(
        &captured.text().replace('\n', " "),
        sent,
        "success log",
        false,
    );
}

fn secret(which: u8, seed: usize) -> String {
    match which % 6 {
        0 => TOKEN.to_owned(),
        1 => piece(TOKEN, 9, seed).to_owned(),
        2 => [
            "201234567890",
            "1234567890",
            "+20 123 456 7890",
            "01234567890",
        ][seed % 4]
            .to_owned(),
        3 => piece(CHAT_ID, 5, seed).to_owned(),
        4 => CODE.to_owned(),
        _ => piece(CODE, 4, seed).to_owned(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_secret_or_control_character_survives(
        which in 0u8..6,
        kind in 0u8..12,
        // An outer layer the rule must see through: invisibles or an encoding.
        second in proptest::option::of(2u8..8),
        seed in 0usize..64,
        control in 0usize..CONTROLS.len(),
        before in "[a-z ]{0,12}",
    ) {
        let secret = secret(which, seed);
        let mut sent = transform(&secret, kind, seed);
        if let Some(second) = second {
            sent = transform(&sent, second, seed / 2);
        }
        let payload = format!("{before}{}x{sent} rejected{}", CONTROLS[control], CONTROLS[(control + 3) % CONTROLS.len()]);
        thread_local!(static WORLD: World = world());
        WORLD.with(|world| check(world, &payload, &sent));
    }
}
