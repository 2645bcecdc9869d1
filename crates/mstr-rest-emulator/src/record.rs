//! What the emulator saw: one [`RecordedRequest`] per request, newest last, bounded.

use std::collections::VecDeque;

use axum::http::request::Parts;

/// How many requests are kept; older ones are dropped first so a long benchmark cannot grow the
/// log without bound.
pub(crate) const MAX_RECORDED: usize = 10_000;

/// One request as it arrived, before any fault or route handled it.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The HTTP method, upper case as sent (`"POST"`).
    pub method: String,
    /// The path relative to `/MicroStrategyLibrary/api/`, still percent-encoded
    /// (`"auth/login"`, `"projects/My%20Project"`). A path outside the API keeps its leading `/`.
    pub path: String,
    /// The raw query string without the `?`, if there was one.
    pub query: Option<String>,
    /// Every header in arrival order, names lower-cased; values that are not valid UTF-8 are
    /// decoded lossily.
    pub headers: Vec<(String, String)>,
    /// The body bytes exactly as received.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    pub(crate) fn from_parts(parts: &Parts, path: &str, body: &[u8]) -> Self {
        Self {
            method: parts.method.as_str().to_owned(),
            path: path.to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_ascii_lowercase(), value)
                })
                .collect(),
            body: body.to_vec(),
        }
    }

    /// The first value of a header, matching the name case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON, or `None` if it is empty or not JSON (a form-encoded login, say).
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The bounded log behind [`crate::Emulator::requests`].
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
}

impl RequestLog {
    pub(crate) fn push(&mut self, request: RecordedRequest) {
        if self.entries.len() >= MAX_RECORDED {
            self.entries.pop_front();
        }
        self.entries.push_back(request);
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    pub(crate) fn count(&self, method: &str, path: &str) -> usize {
        self.entries
            .iter()
            .filter(|request| request.method.eq_ignore_ascii_case(method) && request.path == path)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_log_keeps_only_the_newest_entries() {
        let mut log = RequestLog::default();
        let request = |n: usize| RecordedRequest {
            method: "GET".into(),
            path: format!("r{n}"),
            query: None,
            headers: Vec::new(),
            body: Vec::new(),
        };
        for n in 0..=MAX_RECORDED {
            log.push(request(n));
        }
        let kept = log.snapshot();
        assert_eq!(kept.len(), 10_000);
        assert_eq!(kept[0].path, "r1");
        assert_eq!(kept[9_999].path, "r10000");
    }
}
