//! Random and derived identifiers in the shapes real servers use.

use rand::Rng;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_HEX: &[u8] = b"0123456789ABCDEF";
const LOWER_HEX: &[u8] = b"0123456789abcdef";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// An `X-MSTR-AuthToken`: 26 lower-case alphanumerics, as in the samples.
pub(crate) fn auth_token() -> String {
    random_from(LOWER_ALNUM, 26)
}

/// A `JSESSIONID` cookie value: 32 upper-case hex characters, as Tomcat issues them.
pub(crate) fn session_cookie() -> String {
    random_from(UPPER_HEX, 32)
}

/// An error body's `ticketId`: 32 lower-case hex characters.
pub(crate) fn ticket_id() -> String {
    random_from(LOWER_HEX, 32)
}

/// An `X-MSTR-IdentityToken`. Its real shape is not documented; any opaque string will do.
pub(crate) fn identity_token() -> String {
    random_from(LOWER_ALNUM, 32)
}

/// The id of an IServer session, shared by a login and the sessions delegated from it.
pub(crate) fn server_session_id() -> String {
    random_from(UPPER_HEX, 32)
}

/// A stable 32-upper-hex GUID derived from a name, so a user keeps the same id across runs and
/// tests can compare ids without asking the server first.
pub(crate) fn stable_guid(name: &str) -> String {
    // Two FNV-1a passes with different offsets give 128 bits; collisions between the handful of
    // users a test defines are not a concern.
    fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
        bytes.iter().fold(seed, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }
    let high = fnv1a(0xcbf2_9ce4_8422_2325, name.as_bytes());
    let low = fnv1a(0x6c62_272e_07bb_0142, name.as_bytes());
    format!("{high:016X}{low:016X}")
}
