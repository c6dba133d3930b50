//! `ttx report`: its flags.

use std::path::PathBuf;

use ttx::app::html_report::Request;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// A results directory (what `ttx run`, `compare`, `merge` or `exercise` wrote).
    results: PathBuf,
    /// Where to write the report (default: RESULTS_DIR/report.html); each chart is also
    /// written as an SVG file into a folder beside it (report-charts/).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The scenario file, for the platform graph and the inject timeline (default: the
    /// one run.yaml names, if it is still there and unchanged).
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

impl ReportArgs {
    pub fn request(self) -> Request {
        Request {
            results: self.results,
            out: self.out,
            scenario: self.scenario,
            quiet: self.quiet,
        }
    }
}
