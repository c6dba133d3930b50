//! `ttx validate`: scenario files checked, `ok` printed for each good one (with its size
//! warnings), and every problem of the bad ones reported together.

use std::path::PathBuf;

use crate::scenario;

use super::{Error, InputError, Report, warnings};

/// Check every file; print `PATH: ok` for each good one and its warnings. The error holds
/// the problems of every bad file.
pub fn run(paths: &[PathBuf], report: &mut dyn Report) -> Result<(), Error> {
    let mut bad = Vec::new();
    for path in paths {
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
