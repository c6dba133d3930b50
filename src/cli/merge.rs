//! `ttx merge`'s flags.

use std::path::PathBuf;

use ttx::app::merge::Request;

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The shards' output directories (each with its shard.yaml), in any order.
    #[arg(required = true, value_name = "SHARD_DIR")]
    shards: Vec<PathBuf>,
    /// Where to write the merged files (not one of the shards); default: the directory
    /// that holds the shards, when they are all in one (as `--shard` puts them).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

impl MergeArgs {
    pub fn request(self) -> Request {
        Request {
            shards: self.shards,
            out: self.out,
            quiet: self.quiet,
        }
    }
}
