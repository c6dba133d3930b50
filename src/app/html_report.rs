//! `ttx report RESULTS_DIR`: the HTML debrief of a results directory, with each chart
//! also as an SVG file for slides (the page and charts are [`crate::report`]'s).

use std::path::PathBuf;

use crate::report::{self, ReportError, Written};

use super::{Error, InputError, Report, RunFailure};

/// What to report on.
#[derive(Debug, Clone)]
pub struct Request {
    /// A results directory (what `run`, `compare`, `merge` or `exercise` wrote).
    pub results: PathBuf,
    /// Where the page goes (default `RESULTS_DIR/report.html`).
    pub out: Option<PathBuf>,
    /// The scenario, for the platform graph and the inject timeline (default: the one
    /// `run.yaml` names, if it is still there and unchanged).
    pub scenario: Option<PathBuf>,
    pub quiet: bool,
}

/// Write the report and say (unless quiet) where, with any remarks on what is missing.
pub fn run(req: &Request, out: &mut dyn Report) -> Result<Written, Error> {
    let w = report::write_report(&req.results, req.out.as_deref(), req.scenario.as_deref())
        .map_err(|e| match e {
            ReportError::Write { path, source } => {
                Error::RunFailed(RunFailure::Write { path, source })
            }
            e if e.is_bad_input() => Error::BadInput(InputError::Report(e)),
            e => Error::RunFailed(RunFailure::Report(e)),
        })?;
    if !req.quiet {
        for n in &w.notes {
            out.note(&format!("note: {n}"));
        }
        out.line(&format!("wrote {}", w.html.display()));
        out.line(&format!(
            "wrote {} chart(s) as SVG to {}",
            w.charts.len(),
            report::charts_dir(&w.html).display()
        ));
    }
    Ok(w)
}
