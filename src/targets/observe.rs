//! Running a targets plan: every replication of the targets' variant, each target's value
//! taken from every run.
//!
//! Replication r uses the random streams of (seed, r), as every run does, so two
//! evaluations of the same plan with different parameters (a calibration's candidates)
//! see the same randomness: common random numbers. A state metric at time `at` is read
//! from the simulation stopped exactly there (events up to `at` processed), not from the
//! nearest sample.

use rayon::prelude::*;

use crate::engine::{SimError, SimInit, Situation};
use crate::record::{Columns, PlatformOutcome, RunOutcome};
use crate::scenario::{Experiment, Minutes, Scenario, Variant};
use crate::sink::Recorder;

use super::{Measure, Plan, StateMetric};

/// Each target's value in each replication (`None` where the metric did not happen, such
/// as a first detection that never came, or a share of nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    /// `values[target][replication]`.
    pub values: Vec<Vec<Option<f64>>>,
}

/// Run `plan`'s replications of its variant of `scenario` (the experiment's seed unless
/// `seed` is given) on `threads` threads; the result is the same for any thread count.
pub fn observe(
    scenario: &Scenario,
    variant: &Variant,
    plan: &Plan,
    seed: Option<u64>,
    threads: usize,
) -> Result<Observations, SimError> {
    let mut experiment = scenario.experiment;
    if let Some(s) = seed {
        experiment.seed = s;
    }
    let times = plan_times(plan);
    let one = |r: u32| replication(&experiment, variant, plan, &times, r);
    let runs: Vec<Vec<Option<f64>>> = match rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(|| {
            (0..plan.replications)
                .into_par_iter()
                .map(one)
                .collect::<Result<_, _>>()
        })?,
        // No threads to be had: run them here, one after the other (same result).
        Err(_) => (0..plan.replications).map(one).collect::<Result<_, _>>()?,
    };
    let n = plan.targets.len();
    let values = (0..n)
        .map(|t| runs.iter().map(|run| run[t]).collect())
        .collect();
    Ok(Observations { values })
}

/// The distinct times the plan reads a state at, in order.
fn plan_times(plan: &Plan) -> Vec<Minutes> {
    let mut times: Vec<Minutes> = plan
        .targets
        .iter()
        .flat_map(|t| [Some(t.measure), t.share_of])
        .flatten()
        .filter_map(Measure::at)
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

/// One replication: stop at each time a target reads, then run to the horizon.
fn replication(
    experiment: &Experiment,
    variant: &Variant,
    plan: &Plan,
    times: &[Minutes],
    r: u32,
) -> Result<Vec<Option<f64>>, SimError> {
    let mut sim = SimInit::new(experiment, variant, r).build();
    let mut rec = Recorder::new(false);
    let mut states = Vec::with_capacity(times.len());
    for &t in times {
        sim.step_until(t, &mut rec)?;
        states.push(sim.situation());
        // Samples are not needed: keep memory flat.
        rec.samples.clear();
    }
    let outcome = sim.run(&mut rec)?;
    let state_at = |at: Minutes| {
        let i = times
            .iter()
            .position(|&t| t == at)
            .expect("every time the plan reads is stopped at");
        &states[i]
    };
    let value = |m: Measure| -> Option<f64> {
        match m {
            Measure::Run(c) => (RunOutcome::COLUMNS[c].number)(&outcome),
            Measure::Platform(c, p) => (PlatformOutcome::COLUMNS[c].number)(rec.platforms.get(p)?),
            Measure::PlatformRemoved(p) => rec.platforms.get(p).map(|o| o.removed() as f64),
            Measure::State {
                metric,
                platform,
                at,
            } => Some(state_value(state_at(at), metric, platform)),
            Measure::PlatformsWithLive(at) => {
                Some(state_at(at).platforms.iter().filter(|p| p.live > 0).count() as f64)
            }
        }
    };
    Ok(plan
        .targets
        .iter()
        .map(|t| {
            let x = value(t.measure)?;
            match t.share_of {
                None => Some(x),
                // A share of nothing is no share: that run does not count.
                Some(d) => value(d).filter(|&d| d != 0.0).map(|d| x / d),
            }
        })
        .collect())
}

/// A state metric of one platform, or summed over all.
fn state_value(s: &Situation, metric: StateMetric, platform: Option<usize>) -> f64 {
    let of = |p: &crate::engine::PlatformStatus| match metric {
        StateMetric::Live => p.live as f64,
        StateMetric::PublishedCum => p.published as f64,
        StateMetric::RemovedCum => p.removed as f64,
        StateMetric::ViewsCum => p.views,
        StateMetric::Queue => p.waiting as f64,
        // Every attempt is blocked or published (contract section 14).
        StateMetric::AttemptsCum => (p.published + p.blocked) as f64,
        StateMetric::BlockedCum => p.blocked as f64,
    };
    match platform {
        Some(i) => s.platforms.get(i).map_or(0.0, of),
        None => s.platforms.iter().map(of).sum(),
    }
}
