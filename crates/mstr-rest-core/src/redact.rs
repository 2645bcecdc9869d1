//! Making URLs and names safe to show in errors and logs.

/// `raw` (a URL, valid or not) with its user name and password replaced by `***` and its
/// query and fragment cut, for error messages and logs.
///
/// Works on text that does not parse as a URL too, since the errors that show a URL are
/// mostly about URLs that do not parse.
///
/// ```
/// use mstr_rest_core::redact_url;
/// assert_eq!(redact_url("ftp://svc:PASSWORD@env.example.com:99999/api"), "ftp://***@env.example.com:99999/api");
/// assert_eq!(redact_url("https://h/api/x?token=abc#f"), "https://h/api/x?…");
/// ```
pub fn redact_url(raw: &str) -> String {
    let raw = raw.trim();
    let (head, cut) = match raw.find(['?', '#']) {
        Some(i) => (&raw[..i], true),
        None => (raw, false),
    };
    let authority_start = head.find("://").map_or(0, |i| i.saturating_add(3));
    let (scheme, rest) = head.split_at(authority_start);
    let authority_end = rest.find(['/', '\\']).unwrap_or(rest.len());
    let mut out = String::with_capacity(head.len().saturating_add(4));
    out.push_str(scheme);
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            out.push_str("***@");
            out.push_str(&rest[at.saturating_add(1)..]);
        }
        None => out.push_str(rest),
    }
    if cut {
        out.push_str("?…");
    }
    out
}

/// A name from untrusted input, quoted, with control characters escaped and cut to 64
/// characters, so it cannot forge log lines or flood a message.
pub fn printable(name: &str) -> String {
    let short: String = name.chars().take(64).collect();
    let mut out = format!("{short:?}");
    if short.len() < name.len() {
        out.push('…');
    }
    out
}
