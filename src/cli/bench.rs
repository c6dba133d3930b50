//! `ttx bench`'s flags, and their check: `--volume` a factor above 0.

use std::path::PathBuf;

use ttx::app::InputError;
use ttx::app::bench::{Request, check_volume};

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Scenario file (YAML).
    scenario: PathBuf,
    /// The variant to measure (default: the first).
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Replications to time on one thread.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    replications: u32,
    /// Also time all variants on 1 and then 2 threads, with this many replications each
    /// (0: skip).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads_check: u32,
    /// Multiply the campaigns' upload rates by this factor (e.g. 0.0625 for 1/16 of the
    /// volume), to see how the cost grows with the volume.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    volume: f64,
}

impl BenchArgs {
    pub fn request(self) -> Result<Request, InputError> {
        Ok(Request {
            volume: check_volume(self.volume)?,
            scenario: self.scenario,
            variant: self.variant,
            replications: self.replications,
            threads_check: self.threads_check,
        })
    }
}
