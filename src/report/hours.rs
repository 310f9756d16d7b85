//! The one rounding rule for hours in every output (tables, JSON that gives hours, charts,
//! the dashboard, `status`, `check`, alerts and the digest; issue 11 item 3): hours to one
//! decimal, a half rounded up (away from zero), computed from whole seconds so that the same
//! seconds always print the same everywhere: 3 minutes is 0.05 h and prints `0.1`, 2 h 57 min
//! prints `3.0`, never `2.9` here and `3.0` there.
//!
//! Percentages and minutes are not hours and keep their own formats.

/// Seconds as tenths of an hour, halves rounded away from zero.
///
/// # Example
/// ```
/// assert_eq!(calaudit::report::hours::tenths(180), 1); // 0.05 h
/// assert_eq!(calaudit::report::hours::tenths(179), 0);
/// ```
pub fn tenths(seconds: i64) -> i64 {
    let t = i128::from(seconds) * 10;
    let half = 1800;
    let r = if t >= 0 {
        (t + half) / 3600
    } else {
        (t - half) / 3600
    };
    r as i64
}

/// Seconds as hours with one decimal: `12.5`.
///
/// # Example
/// ```
/// assert_eq!(calaudit::report::hours::fmt(45_000), "12.5");
/// assert_eq!(calaudit::report::hours::fmt(0), "0.0");
/// ```
pub fn fmt(seconds: i64) -> String {
    let t = tenths(seconds);
    let sign = if t < 0 { "-" } else { "" };
    format!("{sign}{}.{}", t.abs() / 10, t.abs() % 10)
}

/// Fractional hours (a chart's value) by the same rule: rounded to the second first, so
/// hours that came from seconds print as the seconds do. Non-finite values print `0.0`.
pub fn fmt_f64(hours: f64) -> String {
    fmt(to_seconds(hours))
}

/// Fractional hours rounded by the same rule, as a number (for JSON and chart labels).
pub fn round_f64(hours: f64) -> f64 {
    tenths(to_seconds(hours)) as f64 / 10.0
}

fn to_seconds(hours: f64) -> i64 {
    if hours.is_finite() {
        // Saturating: far beyond any calendar's hours.
        (hours * 3600.0).round() as i64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Float formatting rounds a half to even on the binary value (`{:.1}` of 0.25 is
    /// `0.2`, of 1.05 h from 3780 s is `1.1` or `1.0` by luck); here a half always goes up.
    #[test]
    fn halves_round_up_from_whole_seconds() {
        let table = [
            (0, "0.0"),
            (179, "0.0"),
            (180, "0.1"),
            (900, "0.3"),    // 0.25 h
            (3780, "1.1"),   // 1.05 h
            (10_620, "3.0"), // 2 h 57 min
            (-180, "-0.1"),
        ];
        for (secs, want) in table {
            assert_eq!(fmt(secs), want, "{secs} s");
        }
        assert_eq!(fmt_f64(0.25), "0.3");
        assert_eq!(fmt_f64(3780.0 / 3600.0), "1.1");
        assert_eq!(round_f64(2.95), 3.0);
        assert_eq!(fmt_f64(f64::NAN), "0.0");
    }
}
