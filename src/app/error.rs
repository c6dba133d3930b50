//! How a command can fail, by kind: the input was wrong ([`InputError`]), a run could not
//! finish ([`RunFailure`]), or the user interrupted it. Each variant keeps the error it
//! comes from; its message is the one the command line prints.

use std::io;
use std::path::{Path, PathBuf};

use crate::engine::SimError;
use crate::exercise::DecisionFileError;
use crate::output::shard::{MergeError, SchedulerError, ShardSpec};
use crate::runner::RunError;
use crate::scenario::LoadError;
use crate::scenario::duration::DurError;

/// Why a command did not complete.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario, a flag or another input file is wrong; nothing was run or written.
    #[error(transparent)]
    BadInput(#[from] InputError),
    /// A run (or writing its files) could not finish; the output directory is unchanged.
    #[error(transparent)]
    RunFailed(#[from] RunFailure),
    /// The user asked the runs to stop (Ctrl-C); the output directory is unchanged.
    #[error("interrupted")]
    Interrupted,
}

/// What is wrong with the input. The messages name the file or flag and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A scenario that does not load.
    #[error(transparent)]
    Scenario(#[from] LoadError),
    /// Several scenarios that do not load (`ttx validate`), one message per line.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Scenarios(Vec<LoadError>),
    #[error("cannot read {}: {source}", .path.display())]
    ReadScenario { path: PathBuf, source: io::Error },
    /// `--variant NAME` names no variant of the scenario.
    #[error(
        "{}: no variant named `{name}`{}; the variants are: {}",
        .path.display(),
        .suggestion.as_deref().map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default(),
        .known.join(", ")
    )]
    UnknownVariant {
        path: PathBuf,
        name: String,
        /// The closest variant name, if one is close.
        suggestion: Option<String>,
        known: Vec<String>,
    },
    /// `--metrics` names an unknown metric (the message is the metric parser's).
    #[error("--metrics: {0}")]
    Metrics(crate::compare::UnknownMetric),
    /// `--outputs` names a file the command does not write.
    #[error(transparent)]
    Outputs(crate::output::OutputsError),
    #[error("--precision: expected a share above 0, like 0.05 for 5%, found {0}")]
    Precision(f64),
    #[error("--replications: expected a whole number of at least 2, or `auto`, found `{0}`")]
    Replications(String),
    #[error(
        "--shard {0}: a sharded comparison needs a fixed number of replications (`--replications auto` decides as it goes)"
    )]
    ShardedAuto(ShardSpec),
    #[error(
        "--shard {spec}: {total} replication(s) per variant cannot be shared among {} shards; use at most {total} shards, or more replications",
        .spec.count
    )]
    TooFewReplications { spec: ShardSpec, total: u32 },
    #[error(
        "--shard {spec}: the sweep's {total} run(s) cannot be shared among {} shards; use at most {total} shards",
        .spec.count
    )]
    TooFewRuns { spec: ShardSpec, total: u64 },
    /// A `--set PATH=V1,V2,...` of `ttx sweep` that is not one.
    #[error(transparent)]
    Sweep(crate::sweep::GridError),
    /// A job scheduler's variables (or `--shards`) that name no shard.
    #[error(transparent)]
    Scheduler(SchedulerError),
    #[error(
        "--volume: expected a factor above 0, like 0.25 for a quarter of the uploads, found {0}"
    )]
    Volume(f64),
    #[error("--step: {0}")]
    Step(DurError),
    #[error("--step: expected a duration > 0, like `30m`")]
    StepNotPositive,
    /// `--out` or `--record` of an exercise cannot be written: found before the first move.
    #[error(
        "{flag} {}: cannot write there ({source}); nothing was played. Give a place you can write to",
        .path.display()
    )]
    Unwritable {
        flag: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A decision file (`--decisions`) that cannot be replayed.
    #[error(transparent)]
    Decisions(#[from] DecisionFileError),
    #[error("the shards are in different directories: say where to write with --out DIR")]
    ShardsApart,
    /// Shards that cannot be merged (anything but failing to write the merged files).
    #[error(transparent)]
    Merge(MergeError),
    /// `--fit` or the calibration's set-up is wrong.
    #[error(transparent)]
    Calibration(crate::calibrate::SetupError),
    /// A results directory `ttx report` cannot read, or its scenario.
    #[error(transparent)]
    Report(crate::report::ReportError),
    /// A comparison shard's manifest names a metric this build does not know.
    #[error(
        "{}: a file is already there; `ttx new` never overwrites one: give a new name, or move the file away first",
        .path.display()
    )]
    Exists { path: PathBuf },
    /// `ttx serve` cannot listen where `--bind` says.
    #[error(
        "--bind {addr}: cannot listen there ({source}); give another address or port, e.g. --bind 127.0.0.1:8081"
    )]
    Bind {
        addr: std::net::SocketAddr,
        source: io::Error,
    },
    #[error(
        "--tick: expected a wall-clock time per move from 0.05s to 60m, like `20s`, `1m` or `500ms`, found `{0}`"
    )]
    Tick(String),
    /// The seats' join tokens cannot be made, kept or read.
    #[error(transparent)]
    Tokens(#[from] crate::serve::seats::TokenError),
    /// `ttx serve --resume` with flags the record decides.
    #[error("--resume: the record names the variant, seed and step of the session; leave out {0}")]
    ResumeFlags(&'static str),
    /// Problems already reported in the form asked for (`ttx validate --format json`).
    #[error("{0}")]
    Reported(String),
    #[error("{}: {message}", .shard.display())]
    ShardMetric {
        shard: PathBuf,
        message: crate::compare::UnknownMetric,
    },
}

/// Why a run, or writing its outputs, did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunFailure {
    /// A batch of runs that stopped (a replication over its limits, no threads).
    #[error(transparent)]
    Run(RunError),
    /// A single simulation (an exercise, a benchmark) that stopped.
    #[error(transparent)]
    Simulation(#[from] SimError),
    /// A report's chart that could not be drawn.
    #[error(transparent)]
    Report(crate::report::ReportError),
    #[error("cannot write to {}: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
    /// Writing the merged files of shards.
    #[error(transparent)]
    Merge(MergeError),
}

impl Error {
    /// Writing to `path` failed.
    pub fn write(path: &Path, source: io::Error) -> Error {
        Error::RunFailed(RunFailure::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

impl From<RunError> for Error {
    fn from(e: RunError) -> Error {
        match e {
            RunError::Interrupted => Error::Interrupted,
            e => Error::RunFailed(RunFailure::Run(e)),
        }
    }
}

impl From<SimError> for Error {
    fn from(e: SimError) -> Error {
        Error::RunFailed(RunFailure::Simulation(e))
    }
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Error {
        Error::BadInput(InputError::Scenario(e))
    }
}

impl From<DecisionFileError> for Error {
    fn from(e: DecisionFileError) -> Error {
        Error::BadInput(InputError::Decisions(e))
    }
}

impl From<MergeError> for Error {
    /// Failing to write the merged files is a run failure; anything else about the shards
    /// is bad input.
    fn from(e: MergeError) -> Error {
        match e {
            MergeError::Write { .. } => Error::RunFailed(RunFailure::Merge(e)),
            e => Error::BadInput(InputError::Merge(e)),
        }
    }
}
