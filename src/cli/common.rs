//! The options `run`, `compare` and `sweep` share, and the shard a batch command runs
//! (from `--shard`, `--shards` or a Slurm job array's environment).

use std::path::PathBuf;
use std::str::FromStr;

use ttx::app::{InputError, RunOptions};
use ttx::output::shard::ShardSpec;

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

/// Which shard of a batch to run: `--shard K/N` by hand, `--shards N` in a Kubernetes
/// Indexed Job, or neither under a Slurm job array (its environment says).
#[derive(clap::Args, Debug, Default)]
pub struct ShardArgs {
    /// Run only shard K of N of the batch (e.g. 3/10), for a batch split over several
    /// jobs; its output directory (default: results/<scenario>/shard-K-of-N/) gets a
    /// shard.yaml manifest, and `ttx merge` joins the shards. Under a Slurm job array
    /// this is not needed: K and N come from SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN
    /// and SLURM_ARRAY_TASK_COUNT.
    #[arg(long, value_name = "K/N", value_parser = ShardSpec::from_str, conflicts_with = "shards")]
    shard: Option<ShardSpec>,
    /// Run as one of N shards of a Kubernetes Indexed Job (completions: N): this one is
    /// JOB_COMPLETION_INDEX + 1.
    #[arg(long, value_name = "N", value_parser = at_least_1)]
    shards: Option<u32>,
}

/// The shard to run, and where it came from when not from `--shard`.
#[derive(Debug, Default)]
pub struct Sharding {
    pub spec: Option<ShardSpec>,
    /// A note naming the scheduler's variables the shard was read from.
    pub note: Option<String>,
}

impl ShardArgs {
    /// The shard, reading the scheduler's variables through `var` when no `--shard`.
    pub fn resolve(&self, var: impl Fn(&str) -> Option<String>) -> Result<Sharding, InputError> {
        if let Some(spec) = self.shard {
            return Ok(Sharding {
                spec: Some(spec),
                note: None,
            });
        }
        let from = ShardSpec::from_scheduler(self.shards, var).map_err(InputError::Scheduler)?;
        Ok(match from {
            Some(f) => Sharding {
                spec: Some(f.spec),
                note: Some(format!(
                    "note: running shard {} as the job scheduler says ({})",
                    f.spec,
                    f.variables.join(", ")
                )),
            },
            None => Sharding::default(),
        })
    }
}

/// The process's environment, as [`ShardArgs::resolve`] reads it.
pub fn environment(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
