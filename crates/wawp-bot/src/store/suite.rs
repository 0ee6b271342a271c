//! The store test suite, run against SQLite and, when `WAWP_BOT_TEST_PG`
//! holds a PostgreSQL URL, against PostgreSQL too (each test in a schema of
//! its own). Without it the PostgreSQL run is skipped with a notice.

pub(crate) mod fixture;
mod inbox;
mod limits;
mod outbox;
mod rows;
