//! Ids in paths: every id a caller or a server hands us becomes exactly one path segment.
//!
//! An id is data. Without this, `report("../../auth/logout?")` would send an authenticated
//! `POST …/auth/logout`, and `users().get("..")` a `GET …/api/`.

use std::borrow::Cow;

use mstr_rest_error::{Error, Result};

/// `value` percent-encoded as one path segment: every byte but `A–Z a–z 0–9 - . _ ~` is
/// escaped (so `/`, `?`, `#` and `%` are too). Every typed call puts its ids in paths
/// through this; do the same when you build a path by hand.
///
/// ```
/// use mstr_rest_core::segment;
/// assert_eq!(segment("report id", "a/b?c").unwrap(), "a%2Fb%3Fc");
/// assert!(segment("report id", "..").is_err());
/// ```
///
/// # Errors
/// [`Error::Config`] naming `argument` when `value` is empty, or is `.` or `..` — also once
/// percent-decoded (`%2e%2E`), since a server or proxy may decode before it resolves.
pub fn segment(argument: &str, value: &str) -> Result<String> {
    if value.is_empty() {
        return Err(Error::config(format!(
            "the {argument} is empty: pass the object's id"
        )));
    }
    let mut decoded = Cow::Borrowed(value);
    // A few rounds catch double encoding (`%252e`) without looping on hostile input.
    for _ in 0..3 {
        if matches!(decoded.as_ref(), "." | "..") {
            return Err(Error::config(format!(
                "the {argument} {value:?} is a relative path, not an id: pass the object's id"
            )));
        }
        match percent_decode(&decoded) {
            Some(next) if next != decoded.as_ref() => decoded = Cow::Owned(next),
            _ => break,
        }
    }
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
    Ok(out)
}

/// `%XX` escapes decoded (lossily: only used to compare with `.` and `..`).
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes.get(i),
            bytes.get(i.saturating_add(1)),
            bytes.get(i.saturating_add(2)),
        ) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let (Some(h), Some(l)) = (hex(h), hex(l)) else {
                    break;
                };
                out.push(u8::try_from(h.saturating_mul(16).saturating_add(l)).unwrap_or(b'%'));
                i = i.saturating_add(3);
            }
            (Some(&b), _, _) => {
                out.push(b);
                i = i.saturating_add(1);
            }
            (None, _, _) => break,
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn ids_are_one_encoded_segment() {
        assert_eq!(segment("id", "ABC123").unwrap(), "ABC123");
        assert_eq!(segment("id", "My Project").unwrap(), "My%20Project");
        assert_eq!(
            segment("id", "../../auth/logout?").unwrap(),
            "..%2F..%2Fauth%2Flogout%3F"
        );
        assert_eq!(segment("id", "a/b?c#d%e").unwrap(), "a%2Fb%3Fc%23d%25e");
        assert_eq!(segment("id", "a.b").unwrap(), "a.b");
    }

    #[test]
    fn dot_segments_and_their_encodings_are_refused_naming_the_argument() {
        for bad in [".", "..", "%2e", "%2E%2e", ".%2E", "%252e%252e", ""] {
            let err = segment("report id", bad).unwrap_err();
            assert!(
                matches!(err, mstr_rest_error::Error::Config(_)),
                "{bad:?}: {err:?}"
            );
            assert!(err.to_string().contains("report id"), "{bad:?}: {err}");
        }
    }
}
