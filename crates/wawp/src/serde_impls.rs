//! `serde` support (feature `serde`) for the types that hold a checked
//! value: they serialize as their string and deserialize by parsing, so a
//! deserialized value is as checked as a parsed one.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::{Footer, Lang, PhoneNumber, RetryPolicy};

struct Parse<T>(std::marker::PhantomData<T>);

impl<T> Visitor<'_> for Parse<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
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
                deserializer.deserialize_str(Parse::<$ty>(std::marker::PhantomData))
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
            .max_attempts(fields.max_attempts)
            .base_delay(fields.base_delay)
            .max_delay(fields.max_delay)
            .deadline(fields.deadline)
            .retry_send_on_unavailable(fields.retry_send_on_unavailable)
    }
}
