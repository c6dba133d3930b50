//! `ttx sweep`: a scenario's variants run in every cell of a grid of values
//! (`--set PATH=V1,V2,...`, the Cartesian product), with common random numbers across
//! cells and variants; the run files gain a `cell` column and one per swept path, and
//! `sweep_summary.csv` gives each (cell, variant, metric) with the paired difference
//! against the reference variant of the same cell. A shard runs a balanced share of the
//! (cell, variant, replication) runs; `ttx merge` joins the shards and computes the
//! summary.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::compare::Metric;
use crate::output::select::Writer;
use crate::output::shard::{ShardManifest, ShardSpec};
use crate::output::{AtomicFile, CsvOutputs, Output, remove_stale_temporaries};
use crate::runner::{self, RunPlan};
use crate::scenario::{self, Scenario};
use crate::sink::Tee;
use crate::sweep::{Grid, SweepCollector, Work};

use super::plan::{self, RunOptions};
use super::{Error, InputError, Report};

/// What `ttx sweep` is asked to run.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub options: RunOptions,
    /// Replications per (cell, variant) (default: the scenario's).
    pub replications: Option<u32>,
    /// The `--set PATH=V1,V2,...` flags, in order.
    pub sets: Vec<String>,
    /// Metrics of `sweep_summary.csv` (empty: the comparison's defaults).
    pub metrics: Vec<Metric>,
    /// Run only this shard of the runs.
    pub shard: Option<ShardSpec>,
}

/// What `ttx sweep` wrote.
pub struct Swept {
    pub out: PathBuf,
    pub files: Vec<PathBuf>,
    pub grid: Grid,
    /// A shard's manifest, for a shard.
    pub shard: Option<ShardManifest>,
    /// The statistics per cell (not for a shard: the merge computes them).
    pub collector: Option<SweepCollector>,
}

/// The sweep's cells, each the scenario file with its values set, read and checked
/// before anything runs.
fn load_cells(path: &Path, grid: &Grid) -> Result<Vec<Scenario>, Error> {
    let text = scenario::read_file_text(path)?;
    let source = path.display().to_string();
    (0..grid.cells())
        .map(|c| Ok(scenario::parse_with_sets(&text, &source, &grid.cell(c))?))
        .collect()
}

/// Notes about swept paths that a variant sets itself: its own value wins, so the
/// sweep does not change it for that variant.
fn overridden(scenario: &Scenario, variants: &[usize], grid: &Grid) -> Vec<String> {
    let mut notes = Vec::new();
    for axis in &grid.axes {
        for &v in variants {
            let variant = &scenario.variants[v];
            let sets_it = variant.overrides.iter().any(|(p, _)| {
                *p == axis.path
                    || p.starts_with(&format!("{}.", axis.path))
                    || axis.path.starts_with(&format!("{p}."))
            });
            if sets_it {
                notes.push(format!(
                    "note: variant `{}` sets {} itself (`set`), so its runs do not change along that path of the sweep",
                    crate::text::one_line(&variant.name),
                    axis.path
                ));
            }
        }
    }
    notes
}

/// `sweep_summary.csv` of `collector`, in `dir`, to commit with the run files.
pub(crate) fn summary_file(
    dir: &Path,
    collector: &SweepCollector,
    grid: &Grid,
) -> std::io::Result<AtomicFile> {
    let mut f = AtomicFile::create(&dir.join(Output::SweepSummary.file()))?;
    collector.write_summary(grid, &mut f)?;
    f.finish_writing()?;
    Ok(f)
}

/// The table `sweep` and `merge` print: the first metric, cell by cell.
pub(crate) fn print_sweep(report: &mut dyn Report, c: &SweepCollector, grid: &Grid, seed: u64) {
    let Some(first) = c.cell(0) else { return };
    let Some(&metric) = first.metrics().first() else {
        return;
    };
    report.line(&format!(
        "{} cells x {} variants x {} replications, seed {seed}",
        grid.cells(),
        first.variants().len(),
        c.replications()
    ));
    report.line(&format!(
        "{}: mean per cell; for the other variants, the change against `{}` in the same cell (95% interval):",
        metric.name(),
        first
            .variants()
            .first()
            .map(|v| crate::text::one_line(v).into_owned())
            .unwrap_or_default()
    ));
    report.out(&c.table(grid, metric));
    report.line(&format!(
        "(every metric in {}; {} replications per cell and variant)",
        Output::SweepSummary.file(),
        c.replications()
    ));
}

/// Run the sweep, printing (unless quiet) its table and the files written.
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Swept, Error> {
    let grid = Grid::parse(&req.sets).map_err(InputError::Sweep)?;
    let p = plan::prepare(&req.options, Writer::Sweep, report)?;
    let cells = load_cells(&p.path, &grid)?;
    let mut plan: RunPlan = p.plan.clone();
    if let Some(n) = req.replications {
        plan.replications = n;
    }
    if !p.quiet {
        for note in overridden(&cells[0], &plan.variants, &grid) {
            report.note(&note);
        }
    }
    let metrics = if req.metrics.is_empty() {
        Metric::defaults_for(&cells[0])
    } else {
        req.metrics.clone()
    };
    let work = Work {
        cells: grid.cells(),
        variants: plan.variants.len(),
        replications: plan.replications,
    };
    let total = work.total();
    let runs = match req.shard {
        Some(spec) => spec
            .share(total)
            .ok_or(InputError::TooFewRuns { spec, total })?,
        None => 0..total,
    };
    let platforms: Vec<String> = cells[0]
        .base
        .platforms
        .iter()
        .map(|x| x.id.clone())
        .collect();
    let mut out = p.out.clone();
    if p.default_out {
        out = out.join("sweep");
    }
    let manifest = match req.shard {
        Some(spec) => {
            let bytes = std::fs::read(&p.path).map_err(|source| InputError::ReadScenario {
                path: p.path.clone(),
                source,
            })?;
            if p.default_out {
                out = out.join(spec.dir_name());
            }
            let variants = plan
                .variants
                .iter()
                .map(|&v| cells[0].variants[v].name.clone())
                .collect();
            Some(
                ShardManifest::new(
                    &p.path,
                    &bytes,
                    plan.seed,
                    variants,
                    plan.replications,
                    spec,
                    0..plan.replications,
                    plan.events,
                )
                .for_sweep(
                    grid.specs(),
                    metrics.iter().map(|m| m.name().to_string()).collect(),
                    platforms.clone(),
                    runs.clone(),
                )
                .with_outputs(p.outputs),
            )
        }
        None => None,
    };
    let cancel = report.interrupt();
    let cleanup = remove_stale_temporaries(&out).map_err(|e| Error::write(&out, e))?;
    if !p.quiet
        && let Some(message) = cleanup.message(&out)
    {
        report.note(&message);
    }
    let files = match &manifest {
        Some(m) => ShardManifest::shard_files(m.command, p.outputs),
        None => p.outputs.run_files_only(),
    };
    let e = &cells[0].experiment;
    let mut csv = CsvOutputs::create_sweep(&out, files, grid.columns(), manifest.clone())
        .map(|c| c.blocked_by_sample(e.sample_every, e.horizon))
        .map_err(|e| Error::write(&out, e))?;
    let variant_names: Vec<Arc<str>> = plan
        .variants
        .iter()
        .map(|&v| Arc::from(cells[0].variants[v].name.as_str()))
        .collect();
    let mut collector = manifest.is_none().then(|| {
        SweepCollector::new(
            grid.cells(),
            variant_names,
            platforms.iter().map(|x| Arc::from(x.as_str())).collect(),
            metrics.clone(),
        )
    });
    if !p.quiet {
        report.progress_start(runs.end - runs.start);
    }
    let mut done = 0u64;
    for segment in work.segments(runs.clone()) {
        csv.set_sweep_cell(&grid.column_values(segment.cell));
        let mut batch = plan.clone();
        batch.variants = plan.variants[segment.variants.clone()].to_vec();
        batch.first_replication = segment.replications.start;
        batch.replications = segment.replications.end - segment.replications.start;
        let base = done;
        let mut shown = |n: u64| {
            done = base + n;
            report.progress(base + n);
        };
        let result = match &mut collector {
            Some(c) => {
                c.set_cell(segment.cell);
                let mut sink = Tee(vec![&mut csv, c]);
                runner::run(
                    &cells[segment.cell as usize],
                    &batch,
                    &mut sink,
                    Some(&cancel),
                    &mut shown,
                )
            }
            None => runner::run(
                &cells[segment.cell as usize],
                &batch,
                &mut csv,
                Some(&cancel),
                &mut shown,
            ),
        };
        if let Err(e) = result {
            report.progress_end();
            return Err(e.into());
        }
        if cancel.load(Ordering::Relaxed) {
            report.progress_end();
            return Err(Error::Interrupted);
        }
    }
    report.progress_end();
    if let (Some(c), true) = (&collector, p.outputs.contains(Output::SweepSummary)) {
        let f = summary_file(&out, c, &grid).map_err(|e| Error::write(&out, e))?;
        csv.attach(f);
    }
    let meta = crate::output::RunMeta::new("sweep", &p.path, &cells[0], &plan)
        .with_metrics(&metrics)
        .with_sweep(grid.specs());
    let meta = match &manifest {
        Some(m) => meta.sharded(m.shard, m.shards, m.replications),
        None => meta,
    };
    csv.add_meta(&meta).map_err(|e| Error::write(&out, e))?;
    let done = csv.commit_report().map_err(|e| Error::write(&out, e))?;
    if !p.quiet {
        for note in done.notes() {
            report.note(&note);
        }
        report.line(&cells[0].base.name);
        match (&manifest, &collector) {
            (Some(m), _) => report.line(&format!(
                "shard {} of {}: runs {} to {} of the sweep's {total} (cell, variant, replication); merge the shards with `ttx merge`",
                m.shard,
                m.shards,
                m.first_run,
                m.first_run + m.shard_runs - 1,
            )),
            (None, Some(c)) => print_sweep(report, c, &grid, plan.seed),
            (None, None) => {}
        }
        for f in &done.written {
            report.line(&format!("wrote {}", f.display()));
        }
    }
    Ok(Swept {
        out,
        files: done.written,
        grid,
        shard: manifest,
        collector,
    })
}
