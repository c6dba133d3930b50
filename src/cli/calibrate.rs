//! `ttx calibrate`: its flags.

use std::path::PathBuf;

use ttx::app::calibrate::{DEFAULT_BUDGET, Request};

#[derive(clap::Args, Debug)]
pub struct CalibrateArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Targets file (YAML): the figures to fit.
    #[arg(long, value_name = "FILE")]
    targets: PathBuf,
    /// A parameter to fit and its range, as a dotted path like a variant's `set`:
    /// `platforms.social.hash_recall=0.5..0.99`, `hash_sharing.delay=15m..6h` (repeat
    /// for several). Ranges spanning two orders of magnitude are searched on a log scale.
    #[arg(long = "fit", value_name = "PATH=LOW..HIGH", required = true)]
    fits: Vec<String>,
    /// Model evaluations at most (each runs the targets' replications).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BUDGET as u32, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    budget: u32,
    /// Output directory (default: results/<scenario file name>-calibration/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Base seed of the runs and of the search's restarts (default: the scenario's).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

impl CalibrateArgs {
    pub fn request(self) -> Request {
        Request {
            scenario: self.scenario,
            targets: self.targets,
            fits: self.fits,
            budget: self.budget as usize,
            out: self.out,
            seed: self.seed,
            threads: self.threads.map(|t| t as usize),
            quiet: self.quiet,
        }
    }
}
