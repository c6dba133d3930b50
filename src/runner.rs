//! Many replications: split into independent work items (variant, replication), run in
//! parallel, and pushed into the sink in a fixed order, so outputs are byte-identical
//! whatever the thread count.
//!
//! Work is done in chunks a few times the thread count: each chunk's replications run in
//! parallel into in-memory recorders, then are replayed into the sink in order before the
//! next chunk starts. Memory is bounded by the chunk, not by the number of replications.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::{Arc, Mutex};

use crate::engine::{DecisionSchedule, SimError, SimInit, Simulation, Storage};
use crate::scenario::Scenario;
use crate::sink::{Recorder, RunId, Sink};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// Indices into `scenario.variants`, in output order.
    pub variants: Vec<usize>,
    /// Replications `first .. first + count` of each variant.
    pub first_replication: u32,
    pub replications: u32,
    pub seed: u64,
    /// Worker threads (1 runs on the calling thread).
    pub threads: usize,
    /// Whether the event log is wanted.
    pub events: bool,
    /// Players' decisions to replay in every replication (exercise mode: the protocol
    /// does nothing by itself); `None` for automated runs.
    pub decisions: Option<Arc<DecisionSchedule>>,
}

impl RunPlan {
    /// Every variant, with the scenario's replications and seed, on all cores.
    pub fn for_scenario(scenario: &Scenario) -> Self {
        RunPlan {
            variants: (0..scenario.variants.len()).collect(),
            first_replication: 0,
            replications: scenario.experiment.replications,
            seed: scenario.experiment.seed,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            events: false,
            decisions: None,
        }
    }

    pub fn total(&self) -> u64 {
        self.variants.len() as u64 * u64::from(self.replications)
    }
}

/// Why a batch of runs stopped early.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Simulation(#[from] SimError),
    #[error("interrupted")]
    Interrupted,
    #[error("could not start worker threads: {0}")]
    Threads(String),
}

/// Run the plan, pushing records into `sink` in (variant, replication) order. `progress`
/// is called with the number of runs written so far as it grows; `cancel`, when set,
/// stops the batch (runs in progress see it within a slice of their horizon).
pub fn run(
    scenario: &Scenario,
    plan: &RunPlan,
    sink: &mut dyn Sink,
    cancel: Option<&AtomicBool>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), RunError> {
    let items: Vec<(usize, u32)> = plan
        .variants
        .iter()
        .flat_map(|&v| (0..plan.replications).map(move |r| (v, plan.first_replication + r)))
        .collect();
    let threads = plan.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    // A sliding window instead of chunks with a barrier between them: the runs are
    // handed to the pool at most `window` ahead of the next one to be written, and the
    // caller's thread writes each run's records, in order, as soon as it and all before
    // it are done, while the pool goes on. The window bounds the records held in memory
    // (smaller with the event log on).
    let window = threads * if plan.events { 4 } else { 32 };
    // Each worker thread keeps the storage of its last replication for its next one.
    let storage: Vec<Mutex<Option<Storage>>> = (0..threads).map(|_| Mutex::new(None)).collect();
    let one = |(v, r): (usize, u32)| -> Result<(RunId, Recorder), RunError> {
        let mut rec = Recorder::new(plan.events);
        let spare = &storage[rayon::current_thread_index().unwrap_or(0) % threads];
        let taken = spare.lock().ok().and_then(|mut s| s.take());
        let sim = replicate(scenario, v, r, plan, &mut rec, cancel, taken)?;
        let id = sim.run_id().clone();
        if let Ok(mut s) = spare.lock() {
            *s = Some(sim.into_storage());
        }
        Ok((id, rec))
    };
    let (tx, rx) = std::sync::mpsc::channel();
    pool.in_place_scope(|scope| {
        let mut next_spawn = 0;
        let mut next_write = 0;
        let mut done: BTreeMap<usize, Result<(RunId, Recorder), RunError>> = BTreeMap::new();
        while next_write < items.len() {
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(RunError::Interrupted);
            }
            while next_spawn < items.len() && next_spawn < next_write + window {
                let (tx, item, index) = (tx.clone(), items[next_spawn], next_spawn);
                let one = &one;
                scope.spawn(move |_| {
                    // The receiver outlives the scope; a send fails only if it is gone.
                    let _ = tx.send((index, one(item)));
                });
                next_spawn += 1;
            }
            let Ok((index, result)) = rx.recv() else {
                return Err(RunError::Interrupted);
            };
            done.insert(index, result);
            let before = next_write;
            while let Some(result) = done.remove(&next_write) {
                let (id, rec) = result?;
                rec.replay(&id, sink);
                next_write += 1;
            }
            if next_write > before {
                progress(next_write as u64);
            }
        }
        Ok(())
    })
}

/// Run replication `r` of variant `v` to the horizon into `sink`, replaying the plan's
/// decisions at their times, in slices so that `cancel` is seen promptly.
/// Built in `storage` from an earlier replication if one is given (see
/// [`Storage`]); the result is the same either way.
pub fn replicate(
    scenario: &Scenario,
    v: usize,
    r: u32,
    plan: &RunPlan,
    sink: &mut dyn Sink,
    cancel: Option<&AtomicBool>,
    storage: Option<Storage>,
) -> Result<Simulation, RunError> {
    let mut init = SimInit::new(&scenario.experiment, &scenario.variants[v], r).seed(plan.seed);
    if plan.decisions.is_some() {
        init = init.exercise();
    }
    let mut sim = init.build_in(storage.unwrap_or_default());
    let horizon = sim.horizon();
    let slice = horizon / 256.0;
    let decisions = plan
        .decisions
        .as_deref()
        .map_or(&[][..], |d| &d.decisions[..]);
    let mut next_decision = 0;
    let mut until = slice;
    while !sim.is_finished() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(RunError::Interrupted);
        }
        match decisions.get(next_decision) {
            Some(d) if d.at <= until => {
                sim.step_until(d.at, sink)?;
                // A decision the live session accepted is valid here too; one that is not
                // (an edited record) changes nothing.
                let _ = sim.decide(&d.decision, d.role.as_deref(), sink);
                next_decision += 1;
            }
            _ => {
                sim.step_until(until, sink)?;
                until = if until >= horizon {
                    f64::INFINITY
                } else {
                    (until + slice).min(horizon)
                };
            }
        }
    }
    Ok(sim)
}
