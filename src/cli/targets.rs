//! `ttx targets`: its flags.

use std::path::PathBuf;

use ttx::app::targets::Request;

#[derive(clap::Args, Debug)]
pub struct TargetsArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Targets file (YAML): the published figures the scenario should reproduce.
    targets: PathBuf,
    /// Where to write fit.csv (default: results/<scenario file name without .yaml>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Base seed (default: the scenario's `seed`).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Replications (default: the targets file's `replications`, else 20).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    replications: Option<u32>,
    /// Worker threads (default: all cores). Results are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

impl TargetsArgs {
    pub fn request(self) -> Request {
        Request {
            scenario: self.scenario,
            targets: self.targets,
            out: self.out,
            seed: self.seed,
            threads: self.threads.map(|t| t as usize),
            replications: self.replications,
            quiet: self.quiet,
        }
    }
}
