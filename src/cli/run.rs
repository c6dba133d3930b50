//! `ttx run`'s flags.

use std::path::PathBuf;
use std::str::FromStr;

use ttx::app::run::{Mode, Request};
use ttx::output::shard::ShardSpec;

use super::common::CommonArgs;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Replications per variant (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Replay an exercise's recorded decisions (from `ttx exercise --record`) in every
    /// replication, as variant `players`, instead of running the scenario's variants.
    #[arg(long, value_name = "FILE", conflicts_with = "variants")]
    decisions: Option<PathBuf>,
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
            (Some(path), _) => Mode::Decisions(path),
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
