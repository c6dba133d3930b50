//! `ttx compare`'s flags, and their check: `--metrics` names, `--precision` a share above
//! 0, `--replications` a number of at least 2 or `auto`.

use super::common::{CommonArgs, ShardArgs};
use ttx::app::InputError;
use ttx::app::compare::{Replications, Request, check_precision};
use ttx::compare::Metric;

#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Replications per variant, or `auto`: add batches until every paired difference
    /// is known to within --precision (default: the scenario's `replications`).
    #[arg(long, value_name = "N|auto")]
    replications: Option<String>,
    /// With `--replications auto`: the 95% half-width of every paired difference, as a
    /// share of the reference mean, to reach.
    #[arg(long, value_name = "SHARE", default_value_t = 0.05)]
    precision: f64,
    /// With `--replications auto`: never run more than this many replications per variant.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = super::common::at_least_2)]
    max_replications: u32,
    /// Metrics to summarise, comma-separated (default: exposure, exposure_eu,
    /// peak_live, published, blocked, removed, live_at_end, and with a live phase
    /// stream_cut_min and live_views, with post links post_views, click_views and
    /// posts_removed).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    metrics: Vec<String>,
    #[command(flatten)]
    shard: ShardArgs,
}

impl CompareArgs {
    /// The request, and a note when the shard comes from the job scheduler's
    /// environment (read through `var`).
    pub fn request(
        self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(Request, Option<String>), InputError> {
        // Empty: the scenario's defaults (see `Metric::defaults_for`).
        let metrics = if self.metrics.is_empty() {
            Vec::new()
        } else {
            self.metrics
                .iter()
                .map(|m| Metric::parse(m))
                .collect::<Result<Vec<_>, _>>()
                .map_err(InputError::Metrics)?
        };
        let precision = check_precision(self.precision)?;
        let replications = Replications::parse(
            self.replications.as_deref(),
            precision,
            self.max_replications,
        )?;
        // `--shard` with `auto` is refused by the command itself, before it loads anything.
        let sharding = self.shard.resolve(var)?;
        let request = Request {
            options: self.common.options(),
            replications,
            metrics,
            shard: sharding.spec,
        };
        Ok((request, sharding.note))
    }
}
