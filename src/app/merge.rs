//! `ttx merge`: the output directories of a sharded run (or comparison) joined into the
//! files one unsharded command would have written; for a comparison, its summaries are
//! recomputed from the merged runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compare::{Collector, Metric};
use crate::output::shard::{Batch, MANIFEST, MergeError, ShardCommand, ShardManifest};
use crate::output::{Output, ReadError, RunsReader, remove_stale_temporaries};
use crate::summary::SummarySink;
use crate::sweep::{Grid, SweepCollector};

use super::compare::{print_comparison, summary_files};
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

/// A sweep's statistics per cell, recomputed from the merged `runs.csv` (each row to
/// the cell its `cell` column names).
fn sweep_collector(
    m: &ShardManifest,
    batch: &Batch,
    first_shard: &Path,
) -> Result<(Grid, SweepCollector), Error> {
    let grid = Grid::parse(&m.sweep).map_err(|e| MergeError::BadManifest {
        path: first_shard.join(MANIFEST),
        message: format!("`sweep`: {e}"),
    })?;
    let c = collector(m, first_shard)?;
    let mut sweep = SweepCollector::new(
        grid.cells(),
        c.variants().to_vec(),
        m.platforms.iter().map(|p| Arc::from(p.as_str())).collect(),
        c.metrics().to_vec(),
    );
    let variants = c.variants().to_vec();
    let last = grid.cells().saturating_sub(1);
    let mut reader: Option<(RunsReader, usize)> = None;
    batch.rows(Output::Runs, &mut |header, rec| {
        if reader.is_none() {
            let cell = header
                .iter()
                .position(|h| h == b"cell")
                .ok_or(ReadError::MissingColumn("cell"))?;
            reader = Some((RunsReader::new(header)?, cell));
        }
        let Some((runs, column)) = &reader else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(rec.get(*column).unwrap_or_default());
        let cell = text
            .parse::<u64>()
            .ok()
            .filter(|&c| c <= last)
            .ok_or_else(|| ReadError::UnknownCell {
                found: text.to_string(),
                last,
            })?;
        sweep.set_cell(cell);
        runs.feed(rec, &variants, m.seed, &mut sweep)
    })?;
    Ok((grid, sweep))
}

/// Merge the shards, printing (unless quiet) what was merged, the table the unsharded
/// command prints, and the files written (and those of an earlier run it replaced or
/// removed).
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Merged, Error> {
    let out = req
        .out
        .clone()
        .or_else(|| common_parent(&req.shards))
        .ok_or(InputError::ShardsApart)?;
    let batch = Batch::open(&req.shards)?;
    batch.check_output(&out)?;
    let m = batch.manifest().clone();
    let outputs = batch.outputs();
    if !req.quiet {
        for note in batch.notes() {
            report.note(&note);
        }
    }
    // A comparison's summaries are recomputed from the merged runs (the time series only
    // if its summary is wanted).
    let wants = |o| outputs.contains(o);
    let compare = m.command == ShardCommand::Compare;
    let collector = if compare {
        let mut c = collector(&m, &req.shards[0])?;
        let platforms = m.platforms.iter().map(|p| Arc::from(p.as_str())).collect();
        let series = wants(Output::TimeseriesSummary).then_some(platforms);
        batch.replay(series, &mut c)?;
        Some(c)
    } else {
        None
    };
    let sweep = match m.command {
        ShardCommand::Sweep if wants(Output::SweepSummary) => {
            Some(sweep_collector(&m, &batch, &req.shards[0])?)
        }
        _ => None,
    };
    // A run's terminal summary, as `ttx run` prints it (from the files' values).
    let summary = if m.command == ShardCommand::Run && !req.quiet && batch.has(Output::Runs) {
        let mut summary = SummarySink::default();
        batch.replay(None, &mut summary)?;
        Some(summary)
    } else {
        None
    };
    // Nothing is created before every shard's files are known to be the ones they wrote.
    batch.verify()?;
    let write_err = |e| {
        Error::from(MergeError::Write {
            dir: out.clone(),
            source: e,
        })
    };
    let cleanup = remove_stale_temporaries(&out).map_err(write_err)?;
    if !req.quiet
        && let Some(message) = cleanup.message(&out)
    {
        report.note(&message);
    }
    let extra = match (&collector, &sweep) {
        (Some(c), _) => {
            std::fs::create_dir_all(&out).map_err(write_err)?;
            summary_files(
                &out,
                c,
                wants(Output::Summary),
                wants(Output::TimeseriesSummary),
            )
            .map_err(write_err)?
        }
        (None, Some((grid, c))) => {
            std::fs::create_dir_all(&out).map_err(write_err)?;
            vec![super::sweep::summary_file(&out, c, grid).map_err(write_err)?]
        }
        (None, None) => Vec::new(),
    };
    let done = batch.write(&out, extra)?;
    if !req.quiet {
        report.line(&format!(
            "merged {} shards of {} ({})",
            m.shards, m.scenario, m.command
        ));
        if let Some(summary) = &summary {
            report.out(&summary.table());
        } else if let Some((grid, c)) = &sweep {
            super::sweep::print_sweep(report, c, grid, m.seed);
        } else if m.command == ShardCommand::Run {
            report.note(
                "note: the shards hold no runs.csv (`--outputs`), so there is no summary table",
            );
        }
        if let Some(c) = &collector {
            print_comparison(report, c, m.seed, None);
        }
        for f in &done.written {
            report.line(&format!("wrote {}", f.display()));
        }
        for note in done.notes() {
            report.note(&note);
        }
    }
    Ok(Merged {
        out,
        manifest: m,
        files: done.written,
        collector,
    })
}
