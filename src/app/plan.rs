//! What `run` and `compare` share: the scenario loaded with the run plan, output files
//! and output directory the options ask for, a shard's share of the replications, the
//! output files opened (after clearing what a killed run left), warnings about their
//! size, and a batch run with its progress and interruption.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::output::select::Writer;
use crate::output::shard::{ShardManifest, ShardSpec};
use crate::output::{Committed, CsvOutputs, Output, Outputs, RunMeta, remove_stale_temporaries};
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
    /// The files to write, by their `--outputs` names; empty: the command's default.
    pub outputs: Vec<String>,
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
    /// The files the command writes (a comparison's summaries included).
    pub outputs: Outputs,
    /// Which command.
    pub command: Writer,
    pub quiet: bool,
}

/// Check the options' outputs, load the scenario, pick the variants (warning about their
/// size unless quiet) and plan their runs for `command`.
pub fn prepare(
    options: &RunOptions,
    command: Writer,
    report: &mut dyn Report,
) -> Result<Prepared, Error> {
    let outputs =
        Outputs::parse(&options.outputs, command, options.events).map_err(InputError::Outputs)?;
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
    plan.events = outputs.contains(Output::Events);
    Ok(Prepared {
        scenario,
        path: options.scenario.clone(),
        plan,
        out: options
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&options.scenario)),
        default_out: options.out.is_none(),
        outputs,
        command,
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
        )
        .with_outputs(self.outputs))
    }

    /// What `run.yaml` says of this plan run by `command` (`run`, `compare`), and for a
    /// shard, which shard of the batch it is.
    pub fn meta(&self, command: &str, shard: Option<&ShardManifest>) -> RunMeta {
        let meta = RunMeta::new(command, &self.path, &self.scenario, &self.plan);
        match shard {
            Some(m) => meta.sharded(m.shard, m.shards, m.replications),
            None => meta,
        }
    }

    /// Warn (unless quiet) about output files that will be very large, for the plan as
    /// it stands (`up_to`: its replications are a cap, as with `--replications auto`).
    pub fn warn_output_size(&self, report: &mut dyn Report, up_to: bool) {
        if self.quiet {
            return;
        }
        let batch = warnings::Batch {
            scenario: &self.scenario,
            variants: &self.plan.variants,
            first_replication: self.plan.first_replication,
            replications: self.plan.replications,
            up_to,
        };
        for w in warnings::output_warnings(&self.path, &batch, self.outputs) {
            report.note(&w);
        }
    }

    /// The run files asked for, and a shard's manifest beside them (with their
    /// checksums) if this is a shard. First removes the temporary files that a run
    /// killed before it could clean up left in the output directory, and says so.
    pub fn open_outputs(
        &self,
        shard: Option<&ShardManifest>,
        report: &mut dyn Report,
    ) -> Result<CsvOutputs, Error> {
        let cleanup =
            remove_stale_temporaries(&self.out).map_err(|e| Error::write(&self.out, e))?;
        if !self.quiet
            && let Some(message) = cleanup.message(&self.out)
        {
            report.note(&message);
        }
        let csv = match shard {
            Some(m) => {
                let files = ShardManifest::shard_files(m.command, self.outputs);
                CsvOutputs::create_shard(&self.out, files, m.clone())
            }
            None => CsvOutputs::create_selected(&self.out, self.outputs.run_files_only()),
        };
        let e = &self.scenario.experiment;
        csv.map(|c| c.blocked_by_sample(e.sample_every, e.horizon))
            .map_err(|e| Error::write(&self.out, e))
    }

    /// Commit the outputs, and say (unless quiet) which files of an earlier run they
    /// replaced or removed.
    pub fn commit(&self, csv: CsvOutputs, report: &mut dyn Report) -> Result<Committed, Error> {
        let done = csv
            .commit_report()
            .map_err(|e| Error::write(&self.out, e))?;
        if !self.quiet {
            for note in done.notes() {
                report.note(&note);
            }
        }
        Ok(done)
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
