//! The options `run` and `compare` share.

use std::path::PathBuf;

use ttx::app::RunOptions;

/// Options shared by `run` and `compare`.
#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// Run only this variant (repeat for several); default: every variant.
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
    /// Base seed (default: the scenario's `seed`).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Output directory (default: results/<scenario file name without .yaml>/).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Outputs are identical for any value.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..1025))]
    threads: Option<u32>,
    /// Also write events.csv, the timeline of every event of every run.
    #[arg(long)]
    events: bool,
    /// Write only these files, comma-separated: runs, platforms, timeseries, events
    /// (and for compare: summary, timeseries_summary); default: all but events.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    outputs: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

impl CommonArgs {
    pub fn options(self) -> RunOptions {
        RunOptions {
            scenario: self.scenario,
            variants: self.variants,
            seed: self.seed,
            out: self.out,
            threads: self.threads.map(|t| t as usize),
            events: self.events,
            outputs: self.outputs,
            quiet: self.quiet,
        }
    }
}

/// `--replications N` (or `--max-replications N`) of at least 1: the limit said the one
/// way every command says it.
pub fn at_least_1(text: &str) -> Result<u32, String> {
    at_least(text, 1)
}

/// `--replications N` of at least 2 (a debrief, a comparison).
pub fn at_least_2(text: &str) -> Result<u32, String> {
    at_least(text, 2)
}

fn at_least(text: &str, min: u32) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least {min}, found `{}`",
            ttx::text::one_line(text)
        )),
    }
}
