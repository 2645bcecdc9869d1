//! Reading this process's memory figures from `/proc/self/status`, for every benchmark.

/// The `field` of `/proc/self/status` (`VmHWM`, `VmRSS`, …), in KiB (0 where there is no
/// procfs).
pub(crate) fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
