//! `ttx sweep`'s flags: the grid (`--set PATH=V1,V2,...`), the metrics summarised, and
//! the shard to run.

use ttx::app::InputError;
use ttx::app::sweep::Request;
use ttx::compare::Metric;

use super::common::{CommonArgs, ShardArgs};

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// A path to sweep and its values, comma-separated, as in a variant's `set` (e.g.
    /// platforms.videotube.review.reviewers=2,4,8); repeat for a grid: every combination
    /// of the values is a cell, run for every variant.
    #[arg(long = "set", value_name = "PATH=V1,V2,...", required = true)]
    sets: Vec<String>,
    /// Replications per cell and variant (default: the scenario's `replications`).
    #[arg(long, value_name = "N", value_parser = super::common::at_least_1)]
    replications: Option<u32>,
    /// Metrics of sweep_summary.csv, comma-separated (default: those of `ttx compare`).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    metrics: Vec<String>,
    #[command(flatten)]
    shard: ShardArgs,
}

impl SweepArgs {
    /// The request, and a note when the shard comes from the job scheduler's
    /// environment (read through `var`).
    pub fn request(
        self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(Request, Option<String>), InputError> {
        let metrics = self
            .metrics
            .iter()
            .map(|m| Metric::parse(m))
            .collect::<Result<Vec<_>, _>>()
            .map_err(InputError::Metrics)?;
        let sharding = self.shard.resolve(var)?;
        let request = Request {
            options: self.common.options(),
            replications: self.replications,
            sets: self.sets,
            metrics,
            shard: sharding.spec,
        };
        Ok((request, sharding.note))
    }
}
