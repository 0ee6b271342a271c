#![deny(missing_docs)]
//! The parts of the maintainer tasks that tests (and other crates' layout
//! tests) call directly.

pub mod layout;
