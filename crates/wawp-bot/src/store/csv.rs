//! `wawp-bot audit export`: audit rows as CSV for compliance, one row at a
//! time (the export never holds the whole log in memory).
//!
//! Cells a spreadsheet would evaluate are neutralised as OWASP's
//! CSV-injection guidance says: a cell starting with `=`, `+`, `-`, `@`, a
//! TAB or a carriage return gets a leading `'`, and every cell is quoted, so
//! a separator inside a cell (`,` or a locale's `;`) never starts a new cell
//! in which such a character would come first.

use std::io::Write;

use chrono::SecondsFormat;

use super::Entry;

/// The CSV header, in column order.
pub const CSV_HEADER: [&str; 14] = [
    "id",
    "at",
    "update_id",
    "admin_id",
    "admin_username",
    "action",
    "recipient",
    "lang",
    "outcome",
    "job_id",
    "error_kind",
    "repeat_count",
    "reply_delivered",
    "dry_run",
];

/// The first characters that make a spreadsheet evaluate a cell (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a cell no spreadsheet evaluates: a leading `'` when it starts
/// with one of `= + - @`, TAB or CR; otherwise unchanged.
pub fn neutralise_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Writes audit rows as CSV (RFC 4180, every cell quoted, a header line
/// first), one at a time.
pub struct CsvSink<W: Write> {
    writer: csv::Writer<W>,
    rows: u64,
}

impl<W: Write> CsvSink<W> {
    /// Writes the header line to `out`.
    pub fn new(out: W) -> Result<CsvSink<W>, csv::Error> {
        let mut writer = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .from_writer(out);
        writer.write_record(CSV_HEADER)?;
        Ok(CsvSink { writer, rows: 0 })
    }

    /// Writes one row, its text cells neutralised and Wawp's job id cleaned.
    pub fn write(&mut self, e: &Entry) -> Result<(), csv::Error> {
        fn text(v: &Option<String>) -> std::borrow::Cow<'_, str> {
            v.as_deref().map(neutralise_cell).unwrap_or_default()
        }
        let job_id = e.job_id.as_deref().map(crate::server_text::clean);
        self.writer.write_record([
            e.id.to_string().as_str(),
            &e.at.to_rfc3339_opts(SecondsFormat::Millis, true),
            &e.update_id.map(|u| u.to_string()).unwrap_or_default(),
            &e.caller.id.to_string(),
            &text(&e.caller.username),
            &neutralise_cell(&e.action),
            &text(&e.recipient),
            &text(&e.lang),
            &neutralise_cell(&e.outcome),
            &text(&job_id),
            &text(&e.error_kind),
            &e.repeat_count.to_string(),
            &e.reply_delivered.to_string(),
            &e.dry_run.to_string(),
        ])?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes the output; returns how many rows were written.
    pub fn finish(mut self) -> Result<u64, csv::Error> {
        self.writer.flush()?;
        Ok(self.rows)
    }
}

/// Writes `entries` as CSV (see [`CsvSink`]) to `out`.
pub fn write_csv(entries: &[Entry], out: impl Write) -> Result<(), csv::Error> {
    let mut sink = CsvSink::new(out)?;
    for e in entries {
        sink.write(e)?;
    }
    sink.finish().map(drop)
}
