//! What `run` and `compare` share: the scenario loaded with the run plan and output
//! directory the options ask for, a shard's share of the replications, the output files
//! opened, and a batch run with its progress and interruption.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::output::shard::{self, ShardManifest, ShardSpec};
use crate::output::{CsvOutputs, OutputFiles};
use crate::runner::{self, RunPlan};
use crate::scenario::Scenario;
use crate::sink::Sink;

use super::{Error, InputError, Report, load, stem, variants, warnings};

/// Options shared by `run` and `compare`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The variants to run, by name, in output order; empty: every variant.
    pub variants: Vec<String>,
    /// Base seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Output directory (default: [`default_out_dir`]).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Also write the event log.
    pub events: bool,
    /// Print nothing but errors (warnings and progress included).
    pub quiet: bool,
}

impl RunOptions {
    /// Every variant of the scenario at `path`, with its settings.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        RunOptions {
            scenario: path.into(),
            ..RunOptions::default()
        }
    }
}

/// `results/<file stem>/`, the default output directory of the scenario at `scenario`.
pub fn default_out_dir(scenario: &Path) -> PathBuf {
    Path::new("results").join(stem(scenario))
}

/// A loaded scenario with the run plan and output directory the options ask for.
pub struct Prepared {
    pub scenario: Scenario,
    pub path: PathBuf,
    pub plan: RunPlan,
    pub out: PathBuf,
    /// Whether `out` is the default (a shard then writes into a directory of its own).
    pub default_out: bool,
    pub quiet: bool,
}

/// Load the scenario, pick the variants (warning about their size unless quiet) and plan
/// their runs.
pub fn prepare(options: &RunOptions, report: &mut dyn Report) -> Result<Prepared, Error> {
    let scenario = load(&options.scenario)?;
    let variants = variants::pick(&scenario, &options.variants, &options.scenario)?;
    if !options.quiet {
        for &v in &variants {
            for w in warnings::size_warnings(
                &options.scenario,
                &scenario.variants[v],
                scenario.experiment.horizon,
            ) {
                report.note(&w);
            }
        }
    }
    let mut plan = RunPlan::for_scenario(&scenario);
    plan.variants = variants;
    if let Some(s) = options.seed {
        plan.seed = s;
    }
    if let Some(t) = options.threads {
        plan.threads = t;
    }
    plan.events = options.events;
    Ok(Prepared {
        scenario,
        path: options.scenario.clone(),
        plan,
        out: options
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&options.scenario)),
        default_out: options.out.is_none(),
        quiet: options.quiet,
    })
}

impl Prepared {
    /// Narrow the plan to shard `spec`'s replications (and the default output directory
    /// to the shard's own); the manifest to write beside them.
    pub fn shard(&mut self, spec: ShardSpec) -> Result<ShardManifest, Error> {
        let total = self.plan.replications;
        let range = shard_replications(spec, total)?;
        let bytes = std::fs::read(&self.path).map_err(|source| InputError::ReadScenario {
            path: self.path.clone(),
            source,
        })?;
        let variants = self
            .plan
            .variants
            .iter()
            .map(|&v| self.scenario.variants[v].name.clone())
            .collect();
        self.plan.first_replication = range.start;
        self.plan.replications = range.end - range.start;
        if self.default_out {
            self.out = self.out.join(spec.dir_name());
        }
        Ok(ShardManifest::new(
            &self.path,
            &bytes,
            self.plan.seed,
            variants,
            total,
            spec,
            range,
            self.plan.events,
        ))
    }

    /// The run files, and a shard's manifest beside them if this is a shard.
    pub fn open_outputs(&self, shard: Option<&ShardManifest>) -> Result<CsvOutputs, Error> {
        let mut csv = CsvOutputs::create(
            &self.out,
            OutputFiles {
                events: self.plan.events,
            },
        )
        .map_err(|e| Error::write(&self.out, e))?;
        if let Some(m) = shard {
            csv.add_file(shard::MANIFEST, m.to_yaml().as_bytes())
                .map_err(|e| Error::write(&self.out, e))?;
        }
        Ok(csv)
    }

    /// Run `plan` into `sink`. `progress` is the number of runs already shown as done in
    /// the report's progress; it grows by the runs written.
    pub fn execute(
        &self,
        plan: &RunPlan,
        sink: &mut dyn Sink,
        cancel: &AtomicBool,
        report: &mut dyn Report,
        progress: &mut u64,
    ) -> Result<(), Error> {
        let base = *progress;
        let mut shown = |done: u64| {
            *progress = base + done;
            report.progress(base + done);
        };
        runner::run(&self.scenario, plan, sink, Some(cancel), &mut shown)?;
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        Ok(())
    }

    /// Start a progress display of `total` runs, unless quiet.
    pub fn progress_start(&self, report: &mut dyn Report, total: u64) {
        if !self.quiet {
            report.progress_start(total);
        }
    }
}

/// The replications shard `spec` runs out of `total` per variant.
pub fn shard_replications(spec: ShardSpec, total: u32) -> Result<std::ops::Range<u32>, Error> {
    spec.replications(total)
        .ok_or(Error::BadInput(InputError::TooFewReplications {
            spec,
            total,
        }))
}

/// The line `run` and `compare` print about a shard.
pub fn shard_note(m: &ShardManifest) -> String {
    format!(
        "shard {} of {}: replications {} to {} of {} per variant; merge the shards with `ttx merge`",
        m.shard,
        m.shards,
        m.first_replication,
        m.first_replication + m.shard_replications - 1,
        m.replications
    )
}
