//! `ttx validate`: scenario files checked, `ok` printed for each good one (with its size
//! warnings), and every problem of the bad ones reported together. A targets file
//! (`NAME.targets.yaml`) is checked as one, and against the scenario it names.

use std::path::{Path, PathBuf};

use crate::scenario::{self, LoadError};
use crate::targets;

use super::{Error, InputError, Report, warnings};

/// Check every file; print `PATH: ok` for each good one and its warnings. The error holds
/// the problems of every bad file.
pub fn run(paths: &[PathBuf], report: &mut dyn Report) -> Result<(), Error> {
    let mut bad = Vec::new();
    for path in paths {
        if is_targets_file(path) {
            match check_targets(path) {
                Ok(line) => report.line(&line),
                Err(e) => bad.push(e),
            }
            continue;
        }
        match scenario::load(path) {
            Ok(s) => {
                report.line(&format!("{}: ok", path.display()));
                for v in &s.variants {
                    for w in warnings::size_warnings(path, v, s.experiment.horizon) {
                        report.note(&w);
                    }
                }
                for w in warnings::scenario_output_warnings(path, &s) {
                    report.note(&w);
                }
            }
            Err(e) => bad.push(e),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(InputError::Scenarios(bad).into())
    }
}

/// Whether `path` is named as a targets file (`NAME.targets.yaml`), the shipped convention.
fn is_targets_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".targets.yaml") || n.ends_with(".targets.yml"))
}

/// A targets file checked on its own and, if it names its scenario, resolved against it
/// (its variant, platforms and metrics).
fn check_targets(path: &Path) -> Result<String, LoadError> {
    let t = targets::load(path)?;
    let against = match &t.scenario {
        Some(s) => {
            let scenario = scenario::load(s)?;
            t.resolve(&scenario)?;
            format!(", checked against {}", s.display())
        }
        None => String::new(),
    };
    Ok(format!(
        "{}: ok (targets file: {} targets{against})",
        path.display(),
        t.targets.len()
    ))
}
