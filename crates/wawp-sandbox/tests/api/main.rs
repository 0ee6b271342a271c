//! The sandbox driven over HTTP, mostly through the generated
//! `wawp_openapi::Client`; every answer passes the conformance check in
//! `common`.

mod common;
mod connections;
mod echo;
mod facts;
mod fairness;
mod flow;
mod input;
mod limits;
mod rules;
mod wawp_client;
