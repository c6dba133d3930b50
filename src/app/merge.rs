//! `ttx merge`: the output directories of a sharded run (or comparison) joined into the
//! files one unsharded command would have written; for a comparison, its summaries are
//! recomputed from the merged runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compare::{Collector, Metric};
use crate::output::shard::{Batch, ShardCommand, ShardManifest};
use crate::summary::SummarySink;

use super::compare::print_comparison;
use super::{Error, InputError, Report};

/// What `ttx merge` is asked to join.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The shards' output directories, in any order.
    pub shards: Vec<PathBuf>,
    /// Where to write (default: [`common_parent`] of the shards).
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    pub quiet: bool,
}

/// What `ttx merge` wrote.
pub struct Merged {
    pub out: PathBuf,
    /// The batch's manifest (that of any shard, less its own range).
    pub manifest: ShardManifest,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// A comparison's statistics, recomputed from the merged runs.
    pub collector: Option<Collector>,
}

/// The directory all `shards` are in, if there is one.
pub fn common_parent(shards: &[PathBuf]) -> Option<PathBuf> {
    let parent = |d: &PathBuf| {
        std::path::absolute(d)
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf))
    };
    let first = parent(shards.first()?)?;
    shards
        .iter()
        .all(|d| parent(d).as_ref() == Some(&first))
        .then_some(first)
}

/// The collector of a comparison's manifest, before the runs are replayed into it.
fn collector(m: &ShardManifest, first_shard: &Path) -> Result<Collector, InputError> {
    let metrics = m
        .metrics
        .iter()
        .map(|name| Metric::parse(name))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| InputError::ShardMetric {
            shard: first_shard.to_path_buf(),
            message,
        })?;
    let platforms = m.platforms.iter().map(|p| Arc::from(p.as_str())).collect();
    let variants = m.variants.iter().map(|v| Arc::from(v.as_str())).collect();
    Ok(Collector::new(variants, platforms, metrics))
}

/// Merge the shards, printing (unless quiet) what was merged, the table the unsharded
/// command prints, and the files written.
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Merged, Error> {
    let out = req
        .out
        .clone()
        .or_else(|| common_parent(&req.shards))
        .ok_or(InputError::ShardsApart)?;
    let batch = Batch::open(&req.shards)?;
    batch.check_output(&out)?;
    let m = batch.manifest().clone();
    // A comparison's summaries are recomputed from the merged runs.
    let collector = if m.command == ShardCommand::Compare {
        let mut c = collector(&m, &req.shards[0])?;
        let platforms = m.platforms.iter().map(|p| Arc::from(p.as_str())).collect();
        batch.replay(Some(platforms), &mut c)?;
        Some(c)
    } else {
        None
    };
    let mut extra = Vec::new();
    if let Some(c) = &collector {
        let mut summary = Vec::new();
        let mut series = Vec::new();
        c.write_summary(&mut summary)
            .and_then(|()| c.write_timeseries_summary(&mut series))
            .map_err(|e| Error::write(&out, e))?;
        extra.push(("summary.csv", summary));
        extra.push(("timeseries_summary.csv", series));
    }
    // A run's terminal summary, as `ttx run` prints it (from the files' values).
    let summary = if collector.is_none() && !req.quiet {
        let mut summary = SummarySink::default();
        batch.replay(None, &mut summary)?;
        Some(summary)
    } else {
        None
    };
    let files = batch.write(&out, &extra)?;
    if !req.quiet {
        report.line(&format!(
            "merged {} shards of {} ({})",
            m.shards, m.scenario, m.command
        ));
        if let Some(summary) = &summary {
            report.out(&summary.table());
        }
        if let Some(c) = &collector {
            print_comparison(report, c, m.seed, None);
        }
        for f in &files {
            report.line(&format!("wrote {}", f.display()));
        }
    }
    Ok(Merged {
        out,
        manifest: m,
        files,
        collector,
    })
}
