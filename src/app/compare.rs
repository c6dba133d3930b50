//! `ttx compare`: the variants run with common random numbers and summarised against the
//! first, for a fixed number of replications or, with `auto`, in batches until every
//! paired difference is known to the precision asked (or the cap is reached); a shard of
//! a comparison writes only its run files.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::compare::{Collector, Metric};
use crate::output::select::Writer;
use crate::output::shard::{ShardManifest, ShardSpec};
use crate::output::{AtomicFile, CsvOutputs, Output};
use crate::sink::{EventRecord, PlatformOutcome, RunId, RunOutcome, SampleRecord, Sink, Tee};

use super::plan::{self, RunOptions};
use super::{Error, InputError, Report};

/// Replications per variant added at a time by `--replications auto`. Fixed (not tied to
/// the thread count) so that the stopping point, and so the output, is the same on any
/// machine.
pub const AUTO_BATCH: u32 = 20;

/// What `ttx compare` is asked to do.
#[derive(Debug, Clone)]
pub struct Request {
    pub options: RunOptions,
    pub replications: Replications,
    /// The metrics to summarise; empty: the scenario's defaults
    /// ([`Metric::defaults_for`]).
    pub metrics: Vec<Metric>,
    /// Run only this shard of the replications (not with [`Replications::Auto`]).
    pub shard: Option<ShardSpec>,
}

/// How many replications per variant.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Replications {
    /// The scenario's `replications`.
    #[default]
    Scenario,
    Fixed(u32),
    /// Batches of [`AUTO_BATCH`] until the stopping rule holds.
    Auto(AutoStop),
}

/// The stopping rule of `--replications auto`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoStop {
    /// The 95% half-width of every paired difference, as a share of the reference mean,
    /// to reach.
    pub precision: f64,
    /// Never more than this many replications per variant.
    pub max_replications: u32,
}

/// A precision (`--precision`): a share above 0.
pub fn check_precision(precision: f64) -> Result<f64, InputError> {
    if precision > 0.0 && precision.is_finite() {
        Ok(precision)
    } else {
        Err(InputError::Precision(precision))
    }
}

impl Replications {
    /// `--replications N|auto` (`None`: the scenario's), with the stopping rule's
    /// settings for `auto`. A fixed number is at least 2.
    pub fn parse(
        text: Option<&str>,
        precision: f64,
        max_replications: u32,
    ) -> Result<Replications, InputError> {
        match text {
            None => Ok(Replications::Scenario),
            Some("auto") => Ok(Replications::Auto(AutoStop {
                precision,
                max_replications,
            })),
            Some(n) => match n.parse::<u32>() {
                Ok(n) if n >= 2 => Ok(Replications::Fixed(n)),
                _ => Err(InputError::Replications(n.to_string())),
            },
        }
    }
}

/// Where `--replications auto` stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// Every paired difference is within the precision.
    Reached { replications: u32, precision: f64 },
    /// The cap was reached first; `widest` is the widest paired interval's relative
    /// half-width (`None` if none could be computed).
    Cap {
        cap: u32,
        widest: Option<f64>,
        precision: f64,
    },
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Stop::Reached {
                replications,
                precision,
            } => write!(
                f,
                "stopped after {replications} replications per variant: every paired difference is within ±{:.1}% of the reference mean (95%)",
                100.0 * precision
            ),
            Stop::Cap {
                cap,
                widest,
                precision,
            } => write!(
                f,
                "stopped at the cap of {cap} replications per variant: the widest paired interval is ±{:.1}% of the reference mean, short of ±{:.1}% (raise --max-replications or --precision)",
                100.0 * widest.unwrap_or(f64::NAN),
                100.0 * precision
            ),
        }
    }
}

impl AutoStop {
    /// Whether to stop after `done` replications per variant, when the widest paired
    /// interval's relative half-width is `widest` (`None`: there is none, e.g. a single
    /// variant or a zero reference mean).
    pub fn check(&self, done: u32, widest: Option<f64>) -> Option<Stop> {
        if widest.is_some_and(|w| w <= self.precision) || widest.is_none() && done >= 2 {
            return Some(Stop::Reached {
                replications: done,
                precision: self.precision,
            });
        }
        if done >= self.max_replications {
            return Some(Stop::Cap {
                cap: self.max_replications,
                widest,
                precision: self.precision,
            });
        }
        None
    }
}

/// What `ttx compare` wrote.
pub struct Compared {
    pub out: PathBuf,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// The paired statistics (`None` for a shard, which only writes its runs).
    pub collector: Option<Collector>,
    /// Where `auto` stopped.
    pub stop: Option<Stop>,
    /// The shard's manifest, for a shard.
    pub shard: Option<ShardManifest>,
}

/// Run the comparison, printing (unless quiet) the table, the stopping point and the
/// files written.
pub fn run(req: &Request, report: &mut dyn Report) -> Result<Compared, Error> {
    if let (Some(spec), Replications::Auto(_)) = (req.shard, req.replications) {
        return Err(InputError::ShardedAuto(spec).into());
    }
    if let Replications::Auto(rule) = req.replications {
        check_precision(rule.precision)?;
    }
    let mut p = plan::prepare(&req.options, Writer::Compare, report)?;
    if let Replications::Fixed(n) = req.replications {
        p.plan.replications = n;
    }
    let metrics = if req.metrics.is_empty() {
        Metric::defaults_for(&p.scenario)
    } else {
        req.metrics.clone()
    };
    let manifest = match req.shard {
        Some(spec) => Some(
            p.shard(spec)?
                .for_compare(
                    metrics.iter().map(|m| m.name().to_string()).collect(),
                    p.scenario
                        .base
                        .platforms
                        .iter()
                        .map(|x| x.id.clone())
                        .collect(),
                )
                .with_outputs(p.outputs),
        ),
        None => None,
    };
    match req.replications {
        Replications::Auto(rule) => {
            let planned = p.plan.replications;
            p.plan.replications = rule.max_replications;
            p.warn_output_size(report, true);
            p.plan.replications = planned;
        }
        _ => p.warn_output_size(report, false),
    }
    if p.plan.variants.len() < 2 {
        report.note("note: only one variant is run, so there is nothing to compare it with");
    }
    let variants: Vec<Arc<str>> = p
        .plan
        .variants
        .iter()
        .map(|&v| Arc::from(p.scenario.variants[v].name.as_str()))
        .collect();
    let platforms = p
        .scenario
        .base
        .platforms
        .iter()
        .map(|x| Arc::from(x.id.as_str()))
        .collect();
    let mut collector = Collector::new(variants, platforms, metrics.clone());
    let cancel = report.interrupt();
    let mut csv = p.open_outputs(manifest.as_ref(), report)?;
    // The collector keeps time-series values only for timeseries_summary.csv.
    let series = p.outputs.contains(Output::TimeseriesSummary);

    let stop = match req.replications {
        Replications::Scenario | Replications::Fixed(_) => {
            p.progress_start(report, p.plan.total());
            // A shard writes only its run files: the comparison is made when merging, so
            // its values are not collected here.
            let mut collect = Collect {
                collector: &mut collector,
                series,
            };
            let sink: &mut dyn Sink = if manifest.is_some() {
                &mut csv
            } else {
                &mut Tee(vec![&mut csv, &mut collect])
            };
            let result = p.execute(&p.plan, sink, &cancel, report, &mut 0);
            report.progress_end();
            result?;
            None
        }
        Replications::Auto(rule) => {
            // Batches of replications until the stopping rule holds or the cap is reached.
            let cap = rule.max_replications;
            p.progress_start(report, u64::from(cap) * p.plan.variants.len() as u64);
            let mut progress = 0;
            let mut done = 0u32;
            let stop = loop {
                let n = AUTO_BATCH.min(cap - done);
                let mut batch = p.plan.clone();
                batch.first_replication = done;
                batch.replications = n;
                let mut collect = Collect {
                    collector: &mut collector,
                    series,
                };
                let result = p.execute(
                    &batch,
                    &mut Tee(vec![&mut csv, &mut collect]),
                    &cancel,
                    report,
                    &mut progress,
                );
                if let Err(e) = result {
                    report.progress_end();
                    return Err(e);
                }
                done += n;
                if let Some(stop) = rule.check(done, collector.worst_relative_half_width()) {
                    break stop;
                }
            };
            report.progress_end();
            Some(stop)
        }
    };
    if manifest.is_none() {
        attach_summaries(&mut csv, &collector, &p)?;
    }
    let meta = p
        .meta("compare", manifest.as_ref())
        .with_metrics(&metrics)
        .with_replications(stop.map(|_| collector.replications()));
    csv.add_meta(&meta).map_err(|e| Error::write(&p.out, e))?;
    let files = p.commit(csv, report)?.written;
    if let Some(m) = &manifest {
        if !p.quiet {
            report.line(&p.scenario.base.name);
            report.line(&plan::shard_note(m));
            for f in &files {
                report.line(&format!("wrote {}", f.display()));
            }
        }
        return Ok(Compared {
            out: p.out,
            files,
            collector: None,
            stop,
            shard: manifest,
        });
    }
    if !p.quiet {
        report.line(&p.scenario.base.name);
        let note = stop.map(|s| s.to_string());
        print_comparison(report, &collector, p.plan.seed, note.as_deref());
        for f in &files {
            report.line(&format!("wrote {}", f.display()));
        }
    }
    Ok(Compared {
        out: p.out,
        files,
        collector: Some(collector),
        stop,
        shard: None,
    })
}

/// The comparison's summary files the outputs ask for, written beside the run files and
/// committed with them (all the files or none).
fn attach_summaries(
    csv: &mut CsvOutputs,
    collector: &Collector,
    p: &plan::Prepared,
) -> Result<(), Error> {
    for f in summary_files(
        csv.dir(),
        collector,
        p.outputs.contains(Output::Summary),
        p.outputs.contains(Output::TimeseriesSummary),
    )
    .map_err(|e| Error::write(&p.out, e))?
    {
        csv.attach(f);
    }
    Ok(())
}

/// `summary.csv` and `timeseries_summary.csv` (those asked for) of `collector`, written
/// in `dir` under temporary names, to be committed by the caller.
pub(crate) fn summary_files(
    dir: &std::path::Path,
    collector: &Collector,
    summary: bool,
    series: bool,
) -> std::io::Result<Vec<AtomicFile>> {
    let mut files = Vec::new();
    if summary {
        let mut f = AtomicFile::create(&dir.join(Output::Summary.file()))?;
        collector.write_summary(&mut f)?;
        f.finish_writing()?;
        files.push(f);
    }
    if series {
        let mut f = AtomicFile::create(&dir.join(Output::TimeseriesSummary.file()))?;
        collector.write_timeseries_summary(&mut f)?;
        f.finish_writing()?;
        files.push(f);
    }
    Ok(files)
}

/// The collector, fed time-series samples only if `series` (they are what it keeps the
/// most of, and only `timeseries_summary.csv` needs them).
struct Collect<'a> {
    collector: &'a mut Collector,
    series: bool,
}

impl Sink for Collect<'_> {
    fn wants_events(&self) -> bool {
        self.collector.wants_events()
    }
    fn event(&mut self, run: &RunId, e: &EventRecord) {
        self.collector.event(run, e);
    }
    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        if self.series {
            self.collector.sample(run, s);
        }
    }
    fn platform_outcome(&mut self, run: &RunId, o: &PlatformOutcome) {
        self.collector.platform_outcome(run, o);
    }
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        self.collector.run_outcome(run, o);
    }
}

/// The comparison's heading and table, as `compare` and `merge` print them.
pub(crate) fn print_comparison(
    report: &mut dyn Report,
    c: &Collector,
    seed: u64,
    note: Option<&str>,
) {
    report.line(&format!(
        "{} replications per variant, seed {seed}",
        c.replications()
    ));
    if let Some(note) = note {
        report.line(note);
    }
    report.line("");
    report.out(&c.table());
    report.line("");
}
