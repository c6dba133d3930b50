//! Warnings about a variant that may run away or run very long, and about outputs that
//! will be very large, printed before the runs (and by `ttx validate`).

use std::path::Path;

use crate::analysis;
use crate::output::{Output, Outputs};
use crate::record::neutralize;
use crate::scenario::{Minutes, Scenario, Variant};

/// The warnings for `variant` of the scenario at `path`, one line each.
pub fn size_warnings(path: &Path, variant: &Variant, horizon: Minutes) -> Vec<String> {
    let mut out = Vec::new();
    let r = analysis::expected_offspring(&variant.model);
    if r > 1.0 {
        out.push(format!(
            "{} (variant `{}`)",
            offspring_warning(path, r),
            variant.name
        ));
    }
    let attempts = analysis::expected_scripted_attempts(&variant.model, horizon);
    let limit = variant.model.limits.max_copies as f64;
    if attempts > limit {
        out.push(format!(
            "{}: warning: campaigns and injects are expected to make about {attempts:.0} upload attempts per replication in variant `{}`, more than limits.max_copies = {limit:.0}; blocked attempts do not count towards that limit, so a run may take very long (set limits.max_events to cap it)",
            path.display(),
            variant.name
        ));
    }
    out
}

fn offspring_warning(path: &Path, r: f64) -> String {
    format!(
        "{}: warning: each copy is expected to cause about {r:.2} onward copies (more than 1), \
         so the spread may grow until limits.max_copies stops the run; check the link rates \
         and attention half-lives",
        path.display()
    )
}

/// An output file larger than this (in bytes) is worth a warning before the runs.
pub const LARGE_OUTPUT: f64 = 1e9;

/// Bytes of a `timeseries.csv` row beyond its key, time and platform cells: the five
/// counts and views with their commas and line end. Measured on the shipped scenarios
/// (whole rows of 45 to 58 bytes), and a fair guess elsewhere: the counts grow by a digit
/// for each tenfold of copies.
const SAMPLE_VALUE_BYTES: f64 = 19.0;

/// Bytes of an `events.csv` row: 93 to 107 on the shipped scenarios.
const EVENT_ROW_BYTES: f64 = 90.0;

/// How large an output file will be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeEstimate {
    pub rows: f64,
    pub bytes: f64,
    /// Rows per run.
    pub rows_per_run: f64,
    /// Runs (variants times replications).
    pub runs: f64,
}

/// The batch an estimate is for: the variants, replications `first .. first + count` of
/// each (`up_to`: at most that many, as `--replications auto` may stop earlier).
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    pub scenario: &'a Scenario,
    pub variants: &'a [usize],
    pub first_replication: u32,
    pub replications: u32,
    pub up_to: bool,
}

impl Batch<'_> {
    fn runs(&self) -> f64 {
        self.variants.len() as f64 * f64::from(self.replications)
    }

    /// The sample times' count and the mean length of their cells (`%.3f`).
    fn samples(&self) -> (f64, f64) {
        let e = &self.scenario.experiment;
        if !(e.sample_every > 0.0 && e.horizon >= 0.0) {
            return (0.0, 0.0);
        }
        // As the engine's sample clock: every `sample_every` from 0, and the horizon.
        let mut n = 0u64;
        let mut chars = 0u64;
        let mut last = f64::NEG_INFINITY;
        loop {
            let t = n as f64 * e.sample_every;
            if t > e.horizon * (1.0 + 1e-12) || n >= 10_000_000 {
                break;
            }
            last = t.min(e.horizon);
            chars += digits(last) + 4;
            n += 1;
        }
        if last < e.horizon {
            chars += digits(e.horizon) + 4;
            n += 1;
        }
        (n as f64, chars as f64 / (n.max(1)) as f64)
    }

    /// Mean length of the variant and replication cells with their commas.
    fn key_bytes(&self) -> f64 {
        let names = self
            .variants
            .iter()
            .map(|&v| neutralize(&self.scenario.variants[v].name).len() as f64)
            .sum::<f64>()
            / self.variants.len().max(1) as f64;
        let reps = f64::from(self.replications.max(1));
        let rep_digits = (0..self.replications.min(100_000))
            .map(|r| digits(f64::from(self.first_replication + r)) as f64)
            .sum::<f64>()
            / reps.min(100_000.0);
        names + rep_digits + 2.0
    }
}

/// Digits of the whole part of `x` (at least 1).
fn digits(x: f64) -> u64 {
    let mut n = 1;
    let mut x = x.abs().floor();
    while x >= 10.0 {
        x /= 10.0;
        n += 1;
    }
    n
}

/// `timeseries.csv`: a row per sample time, platform, replication and variant.
pub fn timeseries_estimate(batch: &Batch) -> SizeEstimate {
    let (samples, time_chars) = batch.samples();
    let platforms = &batch.scenario.base.platforms;
    let ids =
        platforms.iter().map(|p| p.id.len() as f64).sum::<f64>() / platforms.len().max(1) as f64;
    let rows_per_run = samples * platforms.len() as f64;
    let row = batch.key_bytes() + time_chars + 1.0 + ids + 1.0 + SAMPLE_VALUE_BYTES;
    let rows = rows_per_run * batch.runs();
    SizeEstimate {
        rows,
        bytes: rows * row,
        rows_per_run,
        runs: batch.runs(),
    }
}

/// `events.csv`, at least: a row for every upload attempt campaigns and injects are
/// expected to make (onward copies, detections, reviews and removals add more rows: on
/// the shipped scenarios, 2 to 4 rows per attempt in all).
pub fn events_estimate(batch: &Batch) -> SizeEstimate {
    let s = batch.scenario;
    let rows_per_run = batch
        .variants
        .iter()
        .map(|&v| unblockable_attempts(&s.variants[v].model, s.experiment.horizon))
        .sum::<f64>()
        / batch.variants.len().max(1) as f64;
    let rows = rows_per_run * batch.runs();
    SizeEstimate {
        rows,
        bytes: rows * EVENT_ROW_BYTES,
        rows_per_run,
        runs: batch.runs(),
    }
}

/// A lower bound on the event log's rows per run from campaigns and upload injects: each
/// attempt that cannot be blocked (a new variant, or missed by the hash match even when
/// every variant is listed) is a line of its own, while blocked ones are written as one
/// line per platform and sample interval.
fn unblockable_attempts(model: &crate::scenario::Model, horizon: f64) -> f64 {
    let campaigns: f64 = model
        .campaigns
        .iter()
        .map(|c| {
            let n = c.platforms.len().max(1) as f64;
            let kept: f64 = c
                .platforms
                .iter()
                .map(|&p| 1.0 - (1.0 - c.new_variant) * model.platforms[p].hash_recall)
                .sum::<f64>()
                / n;
            analysis::campaign_attempts(c, horizon) * kept
        })
        .sum();
    // Injects' uploads, counted whole.
    campaigns + analysis::inject_uploads(model, horizon)
}

/// Memory a comparison keeps for `timeseries_summary.csv`: two numbers (live copies and
/// views) per sample time, platform (and `all`), replication and variant.
pub fn series_memory(batch: &Batch) -> f64 {
    let (samples, _) = batch.samples();
    samples * (batch.scenario.base.platforms.len() as f64 + 1.0) * batch.runs() * 16.0
}

/// `2.1 GB`, `650 MB`.
pub fn human_bytes(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.0} MB", bytes / 1e6)
    }
}

/// `46,656,180`.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Warnings about the outputs of `batch` that will be large: `timeseries.csv` and, if
/// written, `events.csv` (over [`LARGE_OUTPUT`]), and for a comparison the memory its
/// time-series summary needs. `outputs` are the files to be written.
pub fn output_warnings(path: &Path, batch: &Batch, outputs: Outputs) -> Vec<String> {
    let mut out = Vec::new();
    let about = if batch.up_to { "up to about" } else { "about" };
    let runs = |e: &SizeEstimate| {
        format!(
            "{} rows: {} per run, {} runs",
            grouped(e.rows),
            grouped(e.rows_per_run),
            grouped(e.runs)
        )
    };
    if outputs.contains(Output::Timeseries) {
        let e = timeseries_estimate(batch);
        if e.bytes > LARGE_OUTPUT {
            out.push(format!(
                "{}: warning: timeseries.csv will be {about} {} ({}); sample less often (sample_every) or use --outputs to skip it (e.g. --outputs runs,platforms)",
                path.display(),
                human_bytes(e.bytes),
                runs(&e)
            ));
        }
    }
    if outputs.contains(Output::Events) {
        let e = events_estimate(batch);
        if e.bytes > LARGE_OUTPUT {
            out.push(format!(
                "{}: warning: events.csv will be at least {about} {} ({}, one per upload attempt of campaigns and injects that hash matching cannot block; each copy adds more); run fewer replications with --events, or leave it out",
                path.display(),
                human_bytes(e.bytes),
                runs(&e)
            ));
        }
    }
    if outputs.contains(Output::TimeseriesSummary) {
        let bytes = series_memory(batch);
        if bytes > LARGE_OUTPUT {
            out.push(format!(
                "{}: warning: the comparison will hold {about} {} of time-series values in memory for timeseries_summary.csv (two per sample time, platform and run); sample less often or use --outputs to skip it (e.g. --outputs runs,platforms,summary)",
                path.display(),
                human_bytes(bytes)
            ));
        }
    }
    out
}

/// The output warnings `ttx validate` gives: `timeseries.csv` of a `ttx run` of every
/// variant with the scenario's replications.
pub fn scenario_output_warnings(path: &Path, scenario: &Scenario) -> Vec<String> {
    let variants: Vec<usize> = (0..scenario.variants.len()).collect();
    let batch = Batch {
        scenario,
        variants: &variants,
        first_replication: 0,
        replications: scenario.experiment.replications,
        up_to: false,
    };
    output_warnings(path, &batch, Outputs::run_files(false))
}
