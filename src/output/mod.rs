//! Output writers: sinks that turn outcome records into files.
//!
//! Every file is written under a temporary name in the output directory and renamed into
//! place only when the whole run has succeeded ([`CsvOutputs::commit`]), so each output
//! file is complete or absent. Dropping an uncommitted writer deletes its temporary files.

mod atomic;
mod csv_sink;
mod read;
pub mod shard;

pub use atomic::AtomicFile;
pub use csv_sink::{CsvOutputs, OWN_FILES, OutputFiles};

/// Make text safe for a spreadsheet cell: a leading `=`, `+`, `-`, `@`, tab or carriage
/// return would make spreadsheet programs treat it as a formula, so prefix a quote.
pub fn neutralize(text: &str) -> std::borrow::Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}").into(),
        _ => text.into(),
    }
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
    if x == 0.0 {
        // Avoid "-0.000".
        return format!("{:.*}", decimals, 0.0);
    }
    format!("{x:.decimals$}")
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
    }
}
