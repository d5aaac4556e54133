//! The one clock and the one RFC 3339 helper of the program.
//!
//! [`unix_now`] is the only place that reads `SystemTime::now()` for unix seconds: the host
//! passes it to the pure core, the forge client uses it to estimate the server's clock, the
//! embedded forge stamps its records with it. [`format_rfc3339`] and [`parse_rfc3339`] are
//! the only conversions between unix seconds and RFC 3339 (GitHub's `2024-05-01T12:00:00Z`),
//! via the `time` crate. Both are pure and may be used by the core.

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Current unix time in seconds (0 if the system clock is before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// [`unix_now`] as a signed number, for arithmetic with server times.
pub fn unix_now_i64() -> i64 {
    i64::try_from(unix_now()).unwrap_or(i64::MAX)
}

/// Unix seconds as RFC 3339 in UTC with second precision and a `Z`, like GitHub
/// (`2024-05-01T12:00:00Z`). Times outside the years 1..9999 are clamped to the epoch.
pub fn format_rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Parses RFC 3339 (any offset) into unix seconds; `None` if it is not RFC 3339.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_rejects_garbage() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00Z"), Some(1_714_564_800));
        assert_eq!(
            parse_rfc3339("2024-05-01T14:00:00+02:00"),
            Some(1_714_564_800)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(format_rfc3339(i64::MAX), "1970-01-01T00:00:00Z");
        assert!(unix_now() > 1_700_000_000);
    }
}
