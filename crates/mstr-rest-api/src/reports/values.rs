//! The declared types of report columns, and reading and writing the values as servers
//! send them (ISO 8601 out, ISO 8601 and the US forms MicroStrategy prints in).

// Calendar arithmetic on bounded values only (years 0–9999, i32 days widened to i64, clock
// fields checked before they are combined).
#![allow(clippy::arithmetic_side_effects)]

use std::fmt;

/// What a column holds, from the server's `dataType` (forms and metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ValueType {
    /// Text (`varChar`, `nVarChar`, `UTF8Char`, `char`, … and any type not listed here).
    #[default]
    Text,
    /// Whole numbers (`integer`, `short`, `long`, `int64`, `unsignedInteger`, …).
    Integer,
    /// Floating point and decimals (`double`, `float`, `real`, `numeric`, `decimal`,
    /// `bigDecimal`).
    Float,
    /// A calendar date (`date`).
    Date,
    /// A time of day (`time`).
    Time,
    /// A date and time (`timeStamp`, `dateTime`).
    Timestamp,
}

impl ValueType {
    /// The type a server's `dataType` names; unknown or missing names are [`Text`](Self::Text).
    pub fn from_server(name: Option<&str>) -> ValueType {
        let Some(name) = name else {
            return ValueType::Text;
        };
        match name.to_ascii_lowercase().as_str() {
            "integer" | "int" | "short" | "long" | "int64" | "unsignedinteger"
            | "unsignedshort" | "unsignedlong" | "unsignedint64" | "byte" | "unsignedbyte" => {
                ValueType::Integer
            }
            "double" | "float" | "real" | "numeric" | "decimal" | "bigdecimal" | "number" => {
                ValueType::Float
            }
            "date" => ValueType::Date,
            "time" => ValueType::Time,
            "timestamp" | "datetime" => ValueType::Timestamp,
            _ => ValueType::Text,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::Text => "text",
            ValueType::Integer => "integer",
            ValueType::Float => "number",
            ValueType::Date => "date",
            ValueType::Time => "time",
            ValueType::Timestamp => "timestamp",
        })
    }
}

/// One attribute form value, read as its column's [`ValueType`] ([`Row::cell`](super::Row::cell)).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Cell<'a> {
    /// Text, as sent.
    Text(&'a str),
    /// A whole number.
    Integer(i64),
    /// A number.
    Float(f64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since midnight.
    Time(i32),
    /// Milliseconds since 1970-01-01T00:00:00 (no time zone: servers send local times).
    Timestamp(i64),
}

/// Reads `text` as `kind`; `None` when it is not one.
pub(crate) fn parse<'a>(kind: ValueType, text: &'a str) -> Option<Cell<'a>> {
    let t = text.trim();
    Some(match kind {
        ValueType::Text => Cell::Text(text),
        ValueType::Integer => Cell::Integer(t.parse().ok().or_else(|| {
            // Some servers print whole numbers of integer columns as `12.0`.
            let f: f64 = t.parse().ok()?;
            whole(f)
        })?),
        ValueType::Float => Cell::Float(t.parse().ok()?),
        ValueType::Date => Cell::Date(date(t)?),
        ValueType::Time => Cell::Time(time(t)?),
        ValueType::Timestamp => Cell::Timestamp(timestamp(t)?),
    })
}

/// `f` as an `i64` when it is a whole number within range.
pub(crate) fn whole(f: f64) -> Option<i64> {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "checked: whole and within ±2^63"
    )]
    (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD` or `M/D/YYYY`.
fn date(t: &str) -> Option<i32> {
    let (y, m, d) = if let Some((y, rest)) = t.split_once('-') {
        let (m, d) = rest.split_once('-')?;
        (num(y)?, num(m)?, num(d)?)
    } else {
        let mut parts = t.split('/');
        let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        (num(y)?, num(m)?, num(d)?)
    };
    days_from_civil(y, m, d)
}

/// `HH:MM[:SS[.fff]]`, optionally followed by ` AM`/` PM`.
fn time(t: &str) -> Option<i32> {
    let (clock, meridiem) = match t.rsplit_once(' ') {
        Some((c, m)) if m.eq_ignore_ascii_case("am") || m.eq_ignore_ascii_case("pm") => {
            (c.trim(), Some(m.eq_ignore_ascii_case("pm")))
        }
        _ => (t, None),
    };
    let mut parts = clock.split(':');
    let mut h: i32 = num(parts.next()?)?;
    let m: i32 = num(parts.next()?)?;
    let (s, ms) = match parts.next() {
        None => (0, 0),
        Some(sec) => match sec.split_once('.') {
            None => (num(sec)?, 0),
            Some((s, frac)) => {
                let digits: String = frac.chars().chain("000".chars()).take(3).collect();
                (num(s)?, num(&digits)?)
            }
        },
    };
    if parts.next().is_some() {
        return None;
    }
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&h) {
            return None;
        }
        h = h % 12 + if pm { 12 } else { 0 };
    }
    ((0..24).contains(&h) && (0..60).contains(&m) && (0..61).contains(&s))
        .then(|| ((h * 60 + m) * 60 + s) * 1000 + ms)
}

/// A date, then `T` or a space, then a time (a trailing `Z` or offset is not accepted: the
/// server's timestamps carry no zone).
fn timestamp(t: &str) -> Option<i64> {
    let (d, clock) = t.split_once(['T', ' ']).unwrap_or((t, "00:00:00"));
    let days = i64::from(date(d)?);
    let ms = i64::from(time(clock.trim())?);
    days.checked_mul(86_400_000)?.checked_add(ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i32> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(0..=9999).contains(&y) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DD` of days since 1970-01-01.
pub(crate) fn iso_date(days: i32) -> String {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `HH:MM:SS` or `HH:MM:SS.fff` of milliseconds since midnight.
pub(crate) fn iso_time(ms: i32) -> String {
    let (s, ms) = (ms / 1000, ms % 1000);
    let base = format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    if ms == 0 {
        base
    } else {
        format!("{base}.{ms:03}")
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]` of milliseconds since the epoch.
pub(crate) fn iso_timestamp(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let of_day = ms.rem_euclid(86_400_000);
    match (i32::try_from(days), i32::try_from(of_day)) {
        (Ok(d), Ok(t)) => format!("{}T{}", iso_date(d), iso_time(t)),
        _ => ms.to_string(),
    }
}

impl Cell<'_> {
    /// The value as CSV and JSON Lines write it: dates and times in ISO 8601.
    pub fn to_text(&self) -> String {
        match *self {
            Cell::Text(t) => t.to_owned(),
            Cell::Integer(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Date(d) => iso_date(d),
            Cell::Time(t) => iso_time(t),
            Cell::Timestamp(ts) => iso_timestamp(ts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_timestamps_in_the_forms_servers_send() {
        assert_eq!(parse(ValueType::Date, "1970-01-01"), Some(Cell::Date(0)));
        assert_eq!(
            parse(ValueType::Date, "2016-02-29"),
            parse(ValueType::Date, "2/29/2016")
        );
        assert_eq!(
            parse(ValueType::Date, "2015-02-29"),
            None,
            "not a leap year"
        );
        assert_eq!(parse(ValueType::Date, "Q1 2016"), None);
        let Some(Cell::Date(d)) = parse(ValueType::Date, "2024-12-31") else {
            panic!()
        };
        assert_eq!(iso_date(d), "2024-12-31");
        assert_eq!(iso_date(-1), "1969-12-31");
        assert_eq!(
            parse(ValueType::Time, "13:05:09.25"),
            Some(Cell::Time(47_109_250))
        );
        assert_eq!(
            parse(ValueType::Time, "1:05:09 PM"),
            Some(Cell::Time(47_109_000))
        );
        assert_eq!(parse(ValueType::Time, "12:00 AM"), Some(Cell::Time(0)));
        assert_eq!(iso_time(47_109_250), "13:05:09.250");
        let Some(Cell::Timestamp(ts)) = parse(ValueType::Timestamp, "3/1/2020 1:02:03 PM") else {
            panic!()
        };
        assert_eq!(iso_timestamp(ts), "2020-03-01T13:02:03");
        assert_eq!(
            parse(ValueType::Timestamp, "2020-03-01T13:02:03"),
            Some(Cell::Timestamp(ts))
        );
        assert_eq!(parse(ValueType::Timestamp, "2020-03-01T13:02:03Z"), None);
    }

    #[test]
    fn numbers_and_types_from_server_names() {
        assert_eq!(parse(ValueType::Integer, "12"), Some(Cell::Integer(12)));
        assert_eq!(parse(ValueType::Integer, "12.0"), Some(Cell::Integer(12)));
        assert_eq!(parse(ValueType::Integer, "1.5"), None);
        assert_eq!(parse(ValueType::Float, "x"), None);
        assert_eq!(ValueType::from_server(Some("nVarChar")), ValueType::Text);
        assert_eq!(
            ValueType::from_server(Some("timeStamp")),
            ValueType::Timestamp
        );
        assert_eq!(ValueType::from_server(Some("UTF8Char")), ValueType::Text);
        assert_eq!(ValueType::from_server(Some("short")), ValueType::Integer);
        assert_eq!(ValueType::from_server(None), ValueType::Text);
    }
}
