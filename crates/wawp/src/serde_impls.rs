//! `serde` support (feature `serde`) for the types that hold a checked
//! value: they serialize as their string and deserialize by parsing, so a
//! deserialized value is as checked as a parsed one. Errors never repeat
//! the value (a number given as a JSON integer, a token pasted as a
//! language): they say what was expected and of which kind the input was.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::{Footer, Lang, PhoneNumber, RetryPolicy, Transport};

/// A visitor that accepts a string, checked by the function, and refuses
/// anything else without repeating it.
struct Parse<T>(fn(&str) -> Result<T, String>);

fn from_str<T>(v: &str) -> Result<T, String>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    v.parse().map_err(|e: T::Err| e.to_string())
}

impl<T> Visitor<'_> for Parse<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(v).map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<T, E> {
        Err(quiet("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<T, E> {
        Err(quiet("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<T, E> {
        Err(quiet("a number"))
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<T, E> {
        Err(quiet("a number"))
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<T, E> {
        Err(quiet("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<T, E> {
        Err(quiet("a number"))
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<T, E> {
        Err(quiet("bytes"))
    }
}

/// Runs `visitor`: in a self-describing format through `deserialize_any`,
/// so that a number reaches the visitor's quiet methods (with
/// `deserialize_str`, serde_json would write the number into its own
/// error).
fn quietly<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    visitor: Parse<T>,
) -> Result<T, D::Error> {
    if deserializer.is_human_readable() {
        deserializer.deserialize_any(visitor)
    } else {
        deserializer.deserialize_str(visitor)
    }
}

/// "expected a string, got a number", without the number.
fn quiet<E: de::Error>(kind: &str) -> E {
    E::custom(format_args!(
        "invalid type: expected a string, got {kind} (the value is not repeated)"
    ))
}

macro_rules! by_string {
    ($($ty:ty => $as_str:expr;)*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let f: fn(&$ty) -> &str = $as_str;
                serializer.serialize_str(f(self))
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                quietly(deserializer, Parse::<$ty>(from_str))
            }
        }
    )*};
}

by_string! {
    Lang => |l| l.as_str();
    Footer => |f| f.as_str();
    // The full number: serializing is an explicit choice to store it.
    PhoneNumber => |p| p.e164();
}

/// [`RetryPolicy`]'s fields as they are (de)serialized: a policy is built
/// from them through its setters, so a deserialized policy passes the same
/// checks as a built one (`max_attempts: 0` is 1, durations are capped).
#[derive(serde::Deserialize)]
pub(crate) struct RetryFields {
    max_attempts: u32,
    base_delay: std::time::Duration,
    max_delay: std::time::Duration,
    deadline: std::time::Duration,
    #[serde(default)]
    retry_send_on_unavailable: bool,
}

impl From<RetryFields> for RetryPolicy {
    fn from(fields: RetryFields) -> Self {
        RetryPolicy::default()
            .with_max_attempts(fields.max_attempts)
            .with_base_delay(fields.base_delay)
            .with_max_delay(fields.max_delay)
            .with_deadline(fields.deadline)
            .with_retry_send_on_unavailable(fields.retry_send_on_unavailable)
    }
}

impl<'de> Deserialize<'de> for Transport {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        quietly(
            deserializer,
            Parse(|v| match v {
                "post" => Ok(Transport::Post),
                "query" => Ok(Transport::Query),
                _ => Err(
                    "unknown transport: use \"post\" or \"query\" (the value is not repeated)"
                        .to_owned(),
                ),
            }),
        )
    }
}
