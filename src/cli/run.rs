//! `ttx run`'s flags.

use std::path::PathBuf;

use ttx::app::InputError;
use ttx::app::exercise::Decisions;
use ttx::app::run::{Mode, Request};

use super::common::{CommonArgs, ShardArgs, Sharding};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Replications per variant (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = super::common::at_least_1)]
    replications: Option<u32>,
    /// Replay an exercise's recorded decisions (from `ttx exercise --record`) in every
    /// replication, as variant `players`, instead of running the scenario's variants.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["variants", "shard", "shards"])]
    decisions: Option<PathBuf>,
    /// With --decisions: replay a record made on another scenario file (its SHA-256
    /// differs from this scenario's); ttx says what differs.
    #[arg(long, requires = "decisions")]
    allow_other_scenario: bool,
    #[command(flatten)]
    shard: ShardArgs,
}

impl RunArgs {
    /// The request, and a note when the shard comes from the job scheduler's
    /// environment (read through `var`).
    pub fn request(
        self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(Request, Option<String>), InputError> {
        // clap lets at most one of --decisions and --shard through; a replay is one
        // batch, whatever a job array says.
        let (mode, note) = match self.decisions {
            Some(path) => (
                Mode::Decisions(Decisions {
                    path,
                    allow_other_scenario: self.allow_other_scenario,
                }),
                None,
            ),
            None => match self.shard.resolve(var)? {
                Sharding {
                    spec: Some(spec),
                    note,
                } => (Mode::Shard(spec), note),
                Sharding { spec: None, .. } => (Mode::Variants, None),
            },
        };
        let request = Request {
            options: self.common.options(),
            replications: self.replications,
            mode,
        };
        Ok((request, note))
    }
}
