//! `ttx run`'s flags.

use std::path::PathBuf;
use std::str::FromStr;

use ttx::app::exercise::Decisions;
use ttx::app::run::{Mode, Request};
use ttx::output::shard::ShardSpec;

use super::common::CommonArgs;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Replications per variant (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = super::common::at_least_1)]
    replications: Option<u32>,
    /// Replay an exercise's recorded decisions (from `ttx exercise --record`) in every
    /// replication, as variant `players`, instead of running the scenario's variants.
    #[arg(long, value_name = "FILE", conflicts_with = "variants")]
    decisions: Option<PathBuf>,
    /// With --decisions: replay a record made on another scenario file (its SHA-256
    /// differs from this scenario's); ttx says what differs.
    #[arg(long, requires = "decisions")]
    allow_other_scenario: bool,
    /// Run only shard K of N of the replications (e.g. 3/10), for a batch split over
    /// several jobs; the output directory (default: results/<scenario>/shard-K-of-N/)
    /// gets a shard.yaml manifest, and `ttx merge` joins the shards.
    #[arg(long, value_name = "K/N", value_parser = ShardSpec::from_str, conflicts_with = "decisions")]
    shard: Option<ShardSpec>,
}

impl RunArgs {
    pub fn request(self) -> Request {
        // clap lets at most one of --decisions and --shard through.
        let mode = match (self.decisions, self.shard) {
            (Some(path), _) => Mode::Decisions(Decisions {
                path,
                allow_other_scenario: self.allow_other_scenario,
            }),
            (None, Some(spec)) => Mode::Shard(spec),
            (None, None) => Mode::Variants,
        };
        Request {
            options: self.common.options(),
            replications: self.replications,
            mode,
        }
    }
}
