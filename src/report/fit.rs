//! A calibration's `fit.csv`: observed against model, target by target. One row per
//! target: its id, the metric, the observed value (or bound), the model's mean with its
//! 95% interval, the error in tolerances and whether it matches. Column names are
//! matched loosely (`target` or `target_id`, `observed` or `bound`, ...), so the section
//! reads the file whichever of the usual spellings calibration settles on.

use std::collections::HashMap;
use std::path::Path;

use csv::StringRecord;

use super::ReportError;

/// One calibration target.
#[derive(Debug, Clone, PartialEq)]
pub struct FitRow {
    pub target: String,
    pub metric: String,
    /// The observed value, or the bound a target sets, as written.
    pub observed: String,
    pub model_mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
    /// (model − observed) in tolerances.
    pub error: Option<f64>,
    pub matched: Option<bool>,
}

const TARGET: &[&str] = &["target", "target_id", "id"];
const METRIC: &[&str] = &["metric"];
const OBSERVED: &[&str] = &["observed", "observed_or_bound", "bound", "value"];
const MEAN: &[&str] = &["model_mean", "mean", "model"];
const LOW: &[&str] = &["ci95_low", "model_ci95_low"];
const HIGH: &[&str] = &["ci95_high", "model_ci95_high"];
const ERROR: &[&str] = &[
    "error_tolerances",
    "error_in_tolerances",
    "error_tol",
    "tolerances",
    "error",
];
const MATCH: &[&str] = &["match", "matched", "matches", "ok"];

fn find(pos: &HashMap<String, usize>, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| pos.get(*n).copied())
}

fn truthy(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" | "match" | "ok" => Some(true),
        "false" | "no" | "0" | "n" | "" | "mismatch" => Some(false),
        _ => None,
    }
}

/// Read `fit.csv`'s rows (header positions `pos`).
pub fn read(
    path: &Path,
    pos: &HashMap<String, usize>,
    rows: &[StringRecord],
) -> Result<Vec<FitRow>, ReportError> {
    let Some(target) = find(pos, TARGET) else {
        return Err(ReportError::Read {
            path: path.to_path_buf(),
            message: "its header has no `target` column".into(),
        });
    };
    let at = |rec: &StringRecord, names: &[&str]| -> String {
        find(pos, names)
            .and_then(|i| rec.get(i))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let num = |rec: &StringRecord, names: &[&str]| -> Result<Option<f64>, ReportError> {
        let t = at(rec, names);
        if t.is_empty() {
            return Ok(None);
        }
        t.parse().map(Some).map_err(|_| ReportError::Read {
            path: path.to_path_buf(),
            message: format!("`{}`: expected a number, found `{t}`", names[0]),
        })
    };
    rows.iter()
        .map(|rec| {
            let error = num(rec, ERROR)?;
            let matched = match find(pos, MATCH) {
                Some(_) => truthy(&at(rec, MATCH)),
                None => error.map(|e| e.abs() <= 1.0),
            };
            Ok(FitRow {
                target: rec.get(target).unwrap_or_default().trim().to_string(),
                metric: at(rec, METRIC),
                observed: at(rec, OBSERVED),
                model_mean: num(rec, MEAN)?,
                ci95: num(rec, LOW)?.zip(num(rec, HIGH)?),
                error,
                matched,
            })
        })
        .collect()
}
