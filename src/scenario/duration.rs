//! Durations: `45s`, `15m`, `2h`, `1d`, sums like `1h30m` or `1d 2h`, decimals like `1.5h`.
//!
//! Units go from largest to smallest, each at most once. A bare number is an error (which
//! unit would it be?), and so is a negative duration. Values are converted to minutes.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::model::Minutes;

/// A duration as written in the file, converted to minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct Dur {
    pub minutes: Minutes,
    /// The text as written, for messages.
    pub text: String,
}

impl Dur {
    pub fn zero() -> Dur {
        Dur {
            minutes: 0.0,
            text: "0m".to_string(),
        }
    }

    pub fn from_minutes(minutes: Minutes) -> Dur {
        Dur {
            minutes,
            text: format_minutes(minutes),
        }
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Write minutes back as a duration, for defaults shown in messages (`90` -> `1h30m`).
pub fn format_minutes(m: Minutes) -> String {
    if m == 0.0 {
        return "0m".to_string();
    }
    if m.fract() == 0.0 && m.abs() < 1e12 {
        let total = m as i64;
        let (d, h, mm) = (total / 1440, total % 1440 / 60, total % 60);
        let mut s = String::new();
        if d != 0 {
            s += &format!("{d}d");
        }
        if h != 0 {
            s += &format!("{h}h");
        }
        if mm != 0 {
            s += &format!("{mm}m");
        }
        return s;
    }
    format!("{m}m")
}

/// Why a duration string was refused, with a suggestion if one helps.
#[derive(Debug, Clone, PartialEq)]
pub struct DurError {
    pub message: String,
    pub hint: Option<String>,
}

impl DurError {
    fn new(message: String) -> DurError {
        DurError {
            message,
            hint: None,
        }
    }
}

impl fmt::Display for DurError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

const EXAMPLES: &str = "like `30m`, `2h`, `1h30m` or `1.5d`";

fn unit_minutes(unit: &str) -> Option<(usize, f64)> {
    // (rank, minutes per unit); larger units have lower rank.
    match unit {
        "d" => Some((0, 1440.0)),
        "h" => Some((1, 60.0)),
        "m" => Some((2, 1.0)),
        "s" => Some((3, 1.0 / 60.0)),
        _ => None,
    }
}

/// The unit someone probably meant by a longer spelling.
fn unit_for_word(word: &str) -> Option<&'static str> {
    match word.to_lowercase().as_str() {
        "sec" | "secs" | "second" | "seconds" => Some("s"),
        "min" | "mins" | "minute" | "minutes" | "mn" => Some("m"),
        "hr" | "hrs" | "hour" | "hours" => Some("h"),
        "day" | "days" => Some("d"),
        _ => None,
    }
}

/// Parse a duration string into minutes.
pub fn parse_duration(text: &str) -> Result<Minutes, DurError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(DurError::new(format!(
            "expected a duration with a unit, {EXAMPLES}, found an empty string"
        )));
    }
    if let Some(rest) = s.strip_prefix('-') {
        let mut e = DurError::new(format!("expected a duration >= 0, found `{s}`"));
        if parse_duration(rest).is_ok() {
            e.hint = Some(format!("did you mean `{}`?", rest.trim()));
        }
        return Err(e);
    }
    if s.chars().all(|c| c.is_ascii_digit() || c == '.') && s.parse::<f64>().is_ok() {
        return Err(DurError {
            message: format!(
                "expected a duration with a unit, {EXAMPLES}, found `{s}` without a unit"
            ),
            hint: Some(format!("did you mean `{s}m`?")),
        });
    }

    let malformed = || DurError::new(format!("expected a duration {EXAMPLES}, found `{s}`"));
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total = 0.0;
    let mut last_rank: Option<usize> = None;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        // The number: digits with at most one decimal point.
        let start = i;
        let mut dots = 0;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            if bytes[i] == b'.' {
                dots += 1;
            }
            i += 1;
        }
        let num = &s[start..i];
        if num.is_empty() || dots > 1 || !num.bytes().any(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let value: f64 = num.parse().map_err(|_| malformed())?;
        // The unit: a run of letters.
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[ustart..i];
        if unit.is_empty() {
            let mut e = DurError::new(format!(
                "expected a duration {EXAMPLES}, found `{s}`, in which `{num}` has no unit"
            ));
            if i >= bytes.len() {
                e.hint = Some(format!("did you mean `{s}m`?"));
            }
            return Err(e);
        }
        let Some((rank, per)) = unit_minutes(unit) else {
            let mut e = DurError::new(format!(
                "expected a duration {EXAMPLES}, found `{s}`, whose unit `{unit}` is not one of `s`, `m`, `h`, `d`"
            ));
            if let Some(u) = unit_for_word(unit) {
                e.hint = Some(format!("did you mean `{}{}{}`?", &s[..ustart], u, &s[i..]));
            }
            return Err(e);
        };
        if last_rank.is_some_and(|r| rank <= r) {
            return Err(DurError::new(format!(
                "expected a duration {EXAMPLES}, found `{s}`: units must go from largest to smallest, each at most once"
            )));
        }
        last_rank = Some(rank);
        total += value * per;
    }
    if !total.is_finite() {
        return Err(DurError::new(format!(
            "expected a finite duration, found `{s}`"
        )));
    }
    Ok(total)
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dur, D::Error> {
        d.deserialize_any(DurVisitor)
    }
}

struct DurVisitor;

fn bare_number<E: de::Error>(shown: String) -> E {
    if shown.starts_with('-') {
        E::custom(format!(
            "expected a duration >= 0 with a unit, {EXAMPLES}, found the number {shown}"
        ))
    } else {
        E::custom(format!(
            "expected a duration with a unit, {EXAMPLES}, found the number {shown}; did you mean `{shown}m`?"
        ))
    }
}

impl<'de> Visitor<'de> for DurVisitor {
    type Value = Dur;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a duration {EXAMPLES}")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
        Err(bare_number(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
        Err(bare_number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dur, E> {
        if v.is_finite() {
            Err(bare_number(v.to_string()))
        } else {
            Err(E::custom(format!(
                "expected a duration {EXAMPLES}, found the number {v}"
            )))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
        match parse_duration(v) {
            Ok(minutes) => Ok(Dur {
                minutes,
                text: v.trim().to_string(),
            }),
            Err(e) => Err(E::custom(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> f64 {
        parse_duration(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn single_units() {
        assert_eq!(ok("45s"), 0.75);
        assert_eq!(ok("15m"), 15.0);
        assert_eq!(ok("2h"), 120.0);
        assert_eq!(ok("1d"), 1440.0);
        assert_eq!(ok("0m"), 0.0);
        assert_eq!(ok("0s"), 0.0);
    }

    #[test]
    fn sums_and_decimals() {
        assert_eq!(ok("1h30m"), 90.0);
        assert_eq!(ok("1d2h"), 1560.0);
        assert_eq!(ok("1d 2h 3m 30s"), 1440.0 + 120.0 + 3.5);
        assert_eq!(ok("1.5h"), 90.0);
        assert_eq!(ok(".5h"), 30.0);
        assert_eq!(ok("2.h"), 120.0);
        assert_eq!(ok("  10m "), 10.0);
    }

    #[test]
    fn bare_numbers_suggest_a_unit() {
        let e = parse_duration("30").unwrap_err();
        assert!(e.message.contains("without a unit"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("did you mean `30m`?"));
        let e = parse_duration("1h30").unwrap_err();
        assert!(e.message.contains("`30` has no unit"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("did you mean `1h30m`?"));
    }

    #[test]
    fn negative_and_malformed() {
        let e = parse_duration("-5m").unwrap_err();
        assert!(e.message.contains(">= 0"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("did you mean `5m`?"));
        for bad in [
            "", "m", "h1", "1.2.3m", "1x", "1h1h", "30m1h", "1e3m", "abc", "1 h", "+1h", "..m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
        let e = parse_duration("10min").unwrap_err();
        assert!(e.message.contains("unit `min` is not one of"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("did you mean `10m`?"));
        let e = parse_duration("2hours").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some("did you mean `2h`?"));
    }

    #[test]
    fn huge_is_refused_not_infinite() {
        let big = format!("{}d", "9".repeat(400));
        assert!(parse_duration(&big).is_err());
    }

    #[test]
    fn formats_minutes() {
        assert_eq!(format_minutes(90.0), "1h30m");
        assert_eq!(format_minutes(360.0), "6h");
        assert_eq!(format_minutes(0.0), "0m");
        assert_eq!(format_minutes(1441.0), "1d1m");
        assert_eq!(format_minutes(0.5), "0.5m");
    }
}
