#![deny(missing_docs)]
//! Send and verify WhatsApp one-time passwords through the Wawp API.

mod lang;
mod phone;

pub use lang::{InvalidLang, Lang, documented_codes};
pub use phone::{InvalidPhone, PhoneNumber, PhoneReason};
