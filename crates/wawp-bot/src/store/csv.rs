//! `wawp-bot audit export`: audit rows as CSV for compliance.

use std::io::Write;

use chrono::SecondsFormat;

use super::Entry;

/// The CSV header, in column order.
pub const CSV_HEADER: [&str; 13] = [
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
];

/// Writes `entries` as CSV (RFC 4180, a header line first) to `out`.
pub fn write_csv(entries: &[Entry], out: impl Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER)?;
    for e in entries {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        writer.write_record([
            e.id.to_string(),
            e.at.to_rfc3339_opts(SecondsFormat::Millis, true),
            e.update_id.map(|u| u.to_string()).unwrap_or_default(),
            e.caller.id.to_string(),
            opt(&e.caller.username),
            e.action.clone(),
            opt(&e.recipient),
            opt(&e.lang),
            e.outcome.clone(),
            opt(&e.job_id),
            opt(&e.error_kind),
            e.repeat_count.to_string(),
            e.reply_delivered.to_string(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
