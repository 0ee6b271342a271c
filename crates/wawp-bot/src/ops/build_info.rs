//! `wawp_bot_build_info{version}` (always 1) and the process metrics
//! (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
//! `process_open_fds`, `process_start_time_seconds`, … from the
//! `metrics-process` crate, read from `/proc` on Linux at each scrape).

use std::sync::OnceLock;

use metrics::{describe_gauge, gauge};

/// `wawp_bot_build_info{version}`: 1, labelled with the crate version.
pub const BUILD_INFO: &str = "wawp_bot_build_info";

fn collector() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// Describes the build and process metrics and sets the build info; call
/// with the bot's recorder current.
pub(super) fn register() {
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version label is the running wawp-bot's."
    );
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    collector().describe();
}

/// Reads the process metrics now; call with the bot's recorder current,
/// just before rendering.
pub(super) fn collect_process() {
    collector().collect();
}
