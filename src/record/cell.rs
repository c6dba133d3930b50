//! One CSV cell: how each kind of value is written (fixed decimals, empty for `None`,
//! spreadsheet-safe text) and read back.
//!
//! Every output file writes its cells through [`Cell`], so a value reads back exactly as
//! the file holds it, and statistics computed from records can be recomputed from files.

use std::fmt::Write as _;
use std::sync::Arc;

use super::{EventKind, Trigger};

/// Make text safe for a spreadsheet cell: a leading `=`, `+`, `-`, `@`, tab or carriage
/// return would make spreadsheet programs treat it as a formula, so prefix a quote.
pub fn neutralize(text: &str) -> std::borrow::Cow<'_, str> {
    if starts_formula(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

fn starts_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A float as a CSV cell with `decimals` decimals reads back: what a reader of the file
/// sees. Statistics computed from records use this, so they can be recomputed exactly
/// from the files (as merging shards does).
pub fn as_written(x: f64, decimals: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    fixed(x, decimals).parse().unwrap_or(x)
}

/// Format a float for a CSV cell: fixed decimals, so files are byte-stable and readable.
pub fn fixed(x: f64, decimals: usize) -> String {
    let mut s = String::new();
    write_fixed(x, decimals, &mut s);
    s
}

fn write_fixed(x: f64, decimals: usize, out: &mut String) {
    // 0.0 for -0.0 too: avoid "-0.000".
    let x = if x == 0.0 { 0.0 } else { x };
    let _ = write!(out, "{x:.decimals$}");
}

/// How a column writes its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// As the value is: an integer's digits, text unchanged.
    Plain,
    /// A float with this many decimals.
    Fixed(usize),
    /// Text through [`neutralize`]: for text that players or scenario authors wrote.
    Safe,
}

/// Why a cell could not be read back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CellError {
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("expected a number, found `{0}`")]
    NotANumber(String),
    #[error("expected an event kind, found `{0}`")]
    NotAnEvent(String),
    #[error("expected a protocol trigger, found `{0}`")]
    NotATrigger(String),
}

/// A value a column can hold.
pub trait Cell: Sized {
    /// Whether the cells are numbers (a numeric column of `runs.csv` is a metric).
    const NUMERIC: bool;
    /// Append the cell's text to `out`.
    fn write(&self, format: Format, out: &mut String);
    /// The value a cell's text stands for.
    fn read(text: &str, format: Format) -> Result<Self, CellError>;
    /// The value as a number, as the file holds it (`None`: empty, or not a number).
    fn number(&self, format: Format) -> Option<f64>;
}

/// An integer's decimal digits; the event log writes millions, and the formatting
/// machinery of `write!` costs more than the digits.
fn write_digits(mut n: u64, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

macro_rules! integer_cells {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            const NUMERIC: bool = true;
            fn write(&self, _: Format, out: &mut String) {
                write_digits(u64::from(*self), out);
            }
            fn read(text: &str, _: Format) -> Result<Self, CellError> {
                text.parse()
                    .map_err(|_| CellError::NotANumber(text.to_string()))
            }
            fn number(&self, _: Format) -> Option<f64> {
                Some(*self as f64)
            }
        }
    )*};
}

integer_cells!(u32, u64);

impl Cell for f64 {
    const NUMERIC: bool = true;
    fn write(&self, format: Format, out: &mut String) {
        match format {
            Format::Fixed(decimals) => write_fixed(*self, decimals, out),
            Format::Plain | Format::Safe => {
                let _ = write!(out, "{self}");
            }
        }
    }
    fn read(text: &str, _: Format) -> Result<Self, CellError> {
        text.parse()
            .map_err(|_| CellError::NotANumber(text.to_string()))
    }
    fn number(&self, format: Format) -> Option<f64> {
        Some(match format {
            Format::Fixed(decimals) => as_written(*self, decimals),
            Format::Plain | Format::Safe => *self,
        })
    }
}

/// `None` is an empty cell.
impl<T: Cell> Cell for Option<T> {
    const NUMERIC: bool = T::NUMERIC;
    fn write(&self, format: Format, out: &mut String) {
        if let Some(x) = self {
            x.write(format, out);
        }
    }
    fn read(text: &str, format: Format) -> Result<Self, CellError> {
        match text {
            "" => Ok(None),
            _ => T::read(text, format).map(Some),
        }
    }
    fn number(&self, format: Format) -> Option<f64> {
        self.as_ref().and_then(|x| x.number(format))
    }
}

fn write_text(text: &str, format: Format, out: &mut String) {
    match format {
        Format::Safe => out.push_str(&neutralize(text)),
        Format::Plain | Format::Fixed(_) => out.push_str(text),
    }
}

/// Text as it stood before [`neutralize`]. Exact unless the text itself began with a
/// quote and a formula character (such a cell cannot tell which it was).
fn read_text(text: &str, format: Format) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if format == Format::Safe && starts_formula(rest) => rest,
        _ => text,
    }
}

impl Cell for Arc<str> {
    const NUMERIC: bool = false;
    fn write(&self, format: Format, out: &mut String) {
        write_text(self, format, out);
    }
    fn read(text: &str, format: Format) -> Result<Self, CellError> {
        Ok(Arc::from(read_text(text, format)))
    }
    fn number(&self, _: Format) -> Option<f64> {
        None
    }
}

impl Cell for String {
    const NUMERIC: bool = false;
    fn write(&self, format: Format, out: &mut String) {
        write_text(self, format, out);
    }
    fn read(text: &str, format: Format) -> Result<Self, CellError> {
        Ok(read_text(text, format).to_string())
    }
    fn number(&self, _: Format) -> Option<f64> {
        None
    }
}

impl Cell for EventKind {
    const NUMERIC: bool = false;
    fn write(&self, _: Format, out: &mut String) {
        out.push_str(self.as_str());
    }
    fn read(text: &str, _: Format) -> Result<Self, CellError> {
        EventKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| CellError::NotAnEvent(text.to_string()))
    }
    fn number(&self, _: Format) -> Option<f64> {
        None
    }
}

impl Cell for Trigger {
    const NUMERIC: bool = false;
    fn write(&self, _: Format, out: &mut String) {
        out.push_str(self.as_str());
    }
    fn read(text: &str, _: Format) -> Result<Self, CellError> {
        Trigger::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| CellError::NotATrigger(text.to_string()))
    }
    fn number(&self, _: Format) -> Option<f64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralize_formula_starts() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("-1+2"), "'-1+2");
        assert_eq!(neutralize("@SUM"), "'@SUM");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("baseline"), "baseline");
        assert_eq!(neutralize(""), "");
    }

    #[test]
    fn as_written_is_what_the_cell_reads_back_as() {
        assert_eq!(as_written(1.23456, 3), 1.235);
        assert_eq!(as_written(-0.0001, 3), 0.0);
        assert_eq!(as_written(1e12 + 0.5, 3), 1e12 + 0.5);
        assert_eq!(as_written(7.0, 3), 7.0);
        assert!(as_written(f64::NAN, 3).is_nan());
    }

    #[test]
    fn fixed_has_no_negative_zero() {
        assert_eq!(fixed(-0.0, 3), "0.000");
        assert_eq!(fixed(1.23456, 2), "1.23");
        // Only an exact zero loses its sign (what the files have always held).
        assert_eq!(fixed(-0.0001, 3), "-0.000");
    }

    #[test]
    fn safe_text_reads_back_as_it_was() {
        for text in ["=1+1", "-b", "baseline", "", "'quoted"] {
            let mut cell = String::new();
            text.to_string().write(Format::Safe, &mut cell);
            assert_eq!(String::read(&cell, Format::Safe).unwrap(), text);
        }
    }

    #[test]
    fn empty_cells_are_none_and_bad_numbers_say_what_they_found() {
        assert_eq!(Option::<f64>::read("", Format::Fixed(3)), Ok(None));
        assert_eq!(
            u64::read("lots", Format::Plain),
            Err(CellError::NotANumber("lots".into()))
        );
    }

    #[test]
    fn integers_are_their_digits() {
        for n in [0, 7, 10, 1234567890, u64::MAX] {
            let mut cell = String::new();
            n.write(Format::Plain, &mut cell);
            assert_eq!(cell, n.to_string());
        }
        let mut cell = String::new();
        u32::MAX.write(Format::Plain, &mut cell);
        assert_eq!(cell, u32::MAX.to_string());
    }
}
