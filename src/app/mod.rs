//! Every `ttx` command, callable from the library: one module per command, each with a
//! typed request, a [`Report`] to print to, and a typed result or [`Error`].
//!
//! The layers, from the command line down: the binary parses flags (clap) and checks them
//! into these requests; a command loads the scenario, resolves names and plans the runs
//! ([`plan`]); the [`crate::runner`] runs them on the [`crate::engine`]; the records go into
//! sinks ([`crate::output`], [`crate::compare`], [`crate::summary`]) that write the files.
//! Nothing here parses flags or picks exit codes: that is the binary's.

pub mod bench;
pub mod calibrate;
pub mod compare;
pub mod error;
pub mod exercise;
pub mod html_report;
pub mod merge;
pub mod msel;
pub mod new_scenario;
pub mod plan;
pub mod protocols;
pub mod report;
pub mod run;
pub mod schema;
pub mod serve;
pub mod sweep;
pub mod targets;
pub mod validate;
pub mod variants;
pub mod warnings;

pub use error::{Error, InputError, RunFailure};
pub use plan::RunOptions;
pub use report::{Captured, Report, Stop};

use std::path::Path;

use crate::scenario::{self, Scenario};

/// Load and check the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, Error> {
    Ok(scenario::load(path)?)
}

/// The file name without `.yaml`, for default output names (`scenario` if none).
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
}

/// The worker threads asked for, or all cores.
pub(crate) fn threads(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
