//! Resident set sizes of a process, from /proc.

/// The peak and current resident set size of a process, in KiB, from
/// /proc/PID/status (`VmHWM`, `VmRSS`).
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_resident_set() {
        let (peak, now) = memory_kib(std::process::id()).unwrap();
        assert!(peak >= now && now > 0);
    }

    #[test]
    fn a_process_that_does_not_exist_has_none() {
        assert_eq!(memory_kib(u32::MAX), None);
    }
}
