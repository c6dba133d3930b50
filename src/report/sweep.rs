//! A sweep's `sweep_summary.csv` (`ttx sweep`): per cell of the grid, per variant and
//! metric, the mean with its 95% interval and the paired difference against the
//! reference variant in the same cell. (The report's section of it is
//! `model::sweep_section`.)

use std::collections::HashMap;
use std::path::Path;

use csv::StringRecord;

use super::ReportError;

/// One (cell, variant, metric) of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// The swept paths' values in this cell, as written.
    pub values: Vec<String>,
    pub variant: String,
    pub metric: String,
    /// Replications in the cell.
    pub n: usize,
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    pub delta: Option<(f64, f64, f64)>,
}

/// A sweep's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    /// The swept paths, in the grid's order (the first varies slowest).
    pub paths: Vec<String>,
    pub rows: Vec<SweepRow>,
}

pub(super) fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Read `sweep_summary.csv` (header positions `pos`): the columns between `cell` and
/// `variant` are the swept paths.
pub fn read(
    path: &Path,
    header: &StringRecord,
    pos: &HashMap<String, usize>,
    rows: &[StringRecord],
) -> Result<SweepTable, ReportError> {
    let bad = |message: String| ReportError::Read {
        path: path.to_path_buf(),
        message,
    };
    let (Some(&cell), Some(&variant)) = (pos.get("cell"), pos.get("variant")) else {
        return Err(bad(
            "expected a sweep summary with columns `cell`, the swept paths, then `variant`, `metric`, ...".into(),
        ));
    };
    for c in crate::sweep::SUMMARY_COLUMNS {
        if !pos.contains_key(c) {
            return Err(bad(format!("expected a column `{c}`, found none")));
        }
    }
    let paths: Vec<String> = (cell + 1..variant)
        .filter_map(|i| header.get(i).map(str::to_string))
        .collect();
    let get = |r: &StringRecord, c: &str| r.get(pos[c]).unwrap_or_default().to_string();
    let num = |r: &StringRecord, c: &str| number(&get(r, c));
    let out = rows
        .iter()
        .map(|r| SweepRow {
            values: (cell + 1..variant)
                .map(|i| r.get(i).unwrap_or_default().to_string())
                .collect(),
            variant: get(r, "variant"),
            metric: get(r, "metric"),
            n: get(r, "n").trim().parse().unwrap_or(0),
            mean: num(r, "mean"),
            ci95: num(r, "ci95_low").zip(num(r, "ci95_high")),
            delta: match (
                num(r, "delta_mean"),
                num(r, "delta_ci95_low"),
                num(r, "delta_ci95_high"),
            ) {
                (Some(a), Some(b), Some(c)) => Some((a, b, c)),
                _ => None,
            },
        })
        .collect();
    Ok(SweepTable { paths, rows: out })
}
