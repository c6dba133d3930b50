//! The command line's flags: the clap structs as typed (raw), and their conversion into
//! the [`ttx::app`] requests, which checks what can be checked without the scenario
//! (`--replications N|auto`, `--precision`, `--metrics`, `--step`, `--volume`). Also the
//! terminal the commands report to ([`Console`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod bench;
mod common;
mod compare;
mod console;
mod exercise;
mod merge;
mod run;

pub use console::Console;

#[derive(Parser, Debug)]
#[command(
    name = "ttx",
    version,
    about = "Tabletop crisis-exercise simulator: terrorist content spreading across platforms, and the protocols that race it",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check scenario files; print `ok` for each good one, or what is wrong and where.
    Validate {
        /// Scenario files (YAML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run a scenario's variants and write outcome CSVs.
    Run(run::RunArgs),
    /// Join the output directories of `ttx run --shard K/N` (or `ttx compare --shard K/N`)
    /// into the files one unsharded run (or comparison) would have written, byte for byte.
    Merge(merge::MergeArgs),
    /// Compare variants against the first (the reference): paired statistics with common
    /// random numbers, summary CSVs and a verdict per variant.
    Compare(compare::CompareArgs),
    /// Describe in plain words what each protocol of a scenario does, and when.
    Protocols {
        /// Scenario file (YAML).
        scenario: PathBuf,
    },
    /// Play a facilitated exercise: the players are the protocol; decisions at a prompt
    /// (or replayed from a file); a debrief against the automated variants at the end.
    Exercise(exercise::ExerciseArgs),
    /// Write the Master Scenario Events List (MSEL) for the facilitator, as CSV.
    Msel(exercise::MselArgs),
    /// Measure the engine on a scenario: events per second, its ratio to a bare event
    /// loop measured in the same run, wall time per replication, peak memory, and the
    /// speed-up of 2 threads over 1.
    Bench(bench::BenchArgs),
}
