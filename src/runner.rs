//! Many replications: split into independent work items (variant, replication), run in
//! parallel, and pushed into the sink in a fixed order, so outputs are byte-identical
//! whatever the thread count.
//!
//! Worker threads take the runs in order, at most a window of runs ahead of the one being
//! written. Each run hands its records over in chunks of [`CHUNK`] as it makes them: the
//! run being written (the head) streams them to the caller's thread, which writes them
//! into the sink at once; a run ahead of it keeps its chunks in memory until its turn, but
//! only while the records held for all runs stay within a budget ([`Budget`]). A run
//! ahead that would go over waits (its thread stops) until the head has been written far
//! enough, or it becomes the head itself and streams. So the records in memory are
//! bounded by the budget, plus a chunk per thread, whatever the number of replications
//! and however many records one run makes. With one thread, runs are streamed straight
//! into the sink.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::engine::{DecisionSchedule, SimError, SimInit, Simulation, Storage};
use crate::scenario::Scenario;
use crate::sink::{
    EventRecord, PlatformOutcome, ProtocolOutcome, Recorder, RunId, RunOutcome, SampleRecord, Sink,
};

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

/// Records a run hands over at a time.
pub const CHUNK: usize = 4096;

/// How far the runner may work ahead of the run it is writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Runs started ahead of the one being written, per thread.
    pub runs_per_thread: usize,
    /// Records held in memory for runs not yet written (chunks handed over and waiting).
    /// The run being written may go past it by two chunks, and each thread holds up to
    /// one chunk it is filling.
    pub records: usize,
}

impl Default for Budget {
    /// 32 runs per thread and 262,144 records: a scenario of ordinary size (a few
    /// thousand records per run) never meets the record budget, and when a run makes
    /// more, the records waiting take about 16 MB (time-series rows are 64 bytes; event
    /// log rows about 150).
    fn default() -> Self {
        Budget {
            runs_per_thread: 32,
            records: 1 << 18,
        }
    }
}

/// What a batch held in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Runs written.
    pub runs: u64,
    /// The most records held at once for runs not yet written (not counting the chunk
    /// each thread is filling).
    pub peak_records_held: usize,
}

/// Run the plan, pushing records into `sink` in (variant, replication) order. `progress`
/// is called with the number of runs written so far as it grows; `cancel`, when set,
/// stops the batch (runs in progress see it within a slice of their horizon).
///
/// The records of each run reach the sink as the run makes them, each kind (events,
/// samples, platform outcomes, the run's outcome) in order, its outcome last. If a run
/// fails, the records it made before reach the sink and the batch stops with its error.
pub fn run(
    scenario: &Scenario,
    plan: &RunPlan,
    sink: &mut dyn Sink,
    cancel: Option<&AtomicBool>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), RunError> {
    run_with(scenario, plan, sink, cancel, progress, Budget::default()).map(drop)
}

/// [`run`] with a given budget, returning what it held in memory.
pub fn run_with(
    scenario: &Scenario,
    plan: &RunPlan,
    sink: &mut dyn Sink,
    cancel: Option<&AtomicBool>,
    progress: &mut dyn FnMut(u64),
    budget: Budget,
) -> Result<RunStats, RunError> {
    let items: Vec<(usize, u32)> = plan
        .variants
        .iter()
        .flat_map(|&v| (0..plan.replications).map(move |r| (v, plan.first_replication + r)))
        .collect();
    // The engine builds the event log only if both the plan and the sink want it.
    let events = plan.events && sink.wants_events();
    let mut sink = Gate {
        inner: sink,
        events,
    };
    let threads = plan.threads.max(1).min(items.len().max(1));
    if threads == 1 {
        return run_here(scenario, plan, &items, &mut sink, cancel, progress);
    }
    let window = threads * budget.runs_per_thread.max(1);
    let shared = Shared {
        state: Mutex::new(State::default()),
        written: Condvar::new(),
        handed: Condvar::new(),
        stop: AtomicBool::new(false),
    };
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (shared, items) = (&shared, &items);
            let spawned = std::thread::Builder::new()
                .name(format!("ttx-run-{t}"))
                .spawn_scoped(scope, move || {
                    let _guard = PanicGuard(shared);
                    work(
                        scenario,
                        plan,
                        items,
                        shared,
                        window,
                        budget.records,
                        events,
                    );
                });
            if let Err(e) = spawned {
                shared.halt();
                return Err(RunError::Threads(e.to_string()));
            }
        }
        let result = write(&shared, items.len(), &mut sink, cancel, progress);
        // Whatever happened, the workers stop at their next look.
        shared.halt();
        result
    })
}

/// One thread: every run straight into the sink, in order.
fn run_here(
    scenario: &Scenario,
    plan: &RunPlan,
    items: &[(usize, u32)],
    sink: &mut dyn Sink,
    cancel: Option<&AtomicBool>,
    progress: &mut dyn FnMut(u64),
) -> Result<RunStats, RunError> {
    let mut storage = None;
    for (done, &(v, r)) in items.iter().enumerate() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(RunError::Interrupted);
        }
        let sim = replicate(scenario, v, r, plan, sink, cancel, storage.take())?;
        storage = Some(sim.into_storage());
        progress(done as u64 + 1);
    }
    Ok(RunStats {
        runs: items.len() as u64,
        peak_records_held: 0,
    })
}

/// What a run hands to the writer.
enum Handed {
    Records(RunId, Box<Recorder>),
    /// The run is over (all its records handed over), or failed.
    End(Result<(), RunError>),
}

#[derive(Default)]
struct State {
    /// The next run a worker takes, and the run being written.
    next_take: usize,
    head: usize,
    /// What each run not yet written has handed over, in order.
    queues: BTreeMap<usize, VecDeque<(Handed, usize)>>,
    /// Records in `queues`, and the most there were.
    held: usize,
    peak: usize,
    /// A worker thread panicked.
    panicked: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when the head moves on or records are written (workers wait on it).
    written: Condvar,
    /// Signalled when a run hands something over (the writer waits on it).
    handed: Condvar,
    /// Set when the batch is over, failed or was interrupted: workers stop.
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker that panicked holds no records anyone needs: go on with the state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn halt(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _guard = self.lock();
        self.written.notify_all();
        self.handed.notify_all();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Tells the writer if its worker thread panics, so that it does not wait for it.
struct PanicGuard<'a>(&'a Shared);

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().panicked = true;
            self.0.halt();
        }
    }
}

/// A worker: take runs in order and run them, handing their records over.
fn work(
    scenario: &Scenario,
    plan: &RunPlan,
    items: &[(usize, u32)],
    shared: &Shared,
    window: usize,
    budget: usize,
    events: bool,
) {
    let mut storage: Option<Storage> = None;
    loop {
        let index = {
            let mut s = shared.lock();
            loop {
                if shared.stopped() || s.next_take >= items.len() {
                    return;
                }
                if s.next_take < s.head + window {
                    break;
                }
                s = shared.written.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            s.next_take += 1;
            s.next_take - 1
        };
        let (v, r) = items[index];
        let mut hand = HandOver {
            shared,
            index,
            budget,
            events,
            run: None,
            chunk: Recorder::new(events),
            count: 0,
        };
        let result = replicate(
            scenario,
            v,
            r,
            plan,
            &mut hand,
            Some(&shared.stop),
            storage.take(),
        );
        let end = match result {
            Ok(sim) => {
                hand.hand_over();
                storage = Some(sim.into_storage());
                Ok(())
            }
            // Stopped because the batch is over: nobody is waiting for this run.
            Err(RunError::Interrupted) if shared.stopped() => return,
            Err(e) => Err(e),
        };
        let mut s = shared.lock();
        s.queues
            .entry(index)
            .or_default()
            .push_back((Handed::End(end), 0));
        shared.handed.notify_all();
    }
}

/// The sink a worker's run writes into: chunks of records handed to the writer.
struct HandOver<'a> {
    shared: &'a Shared,
    index: usize,
    budget: usize,
    events: bool,
    run: Option<RunId>,
    chunk: Recorder,
    count: usize,
}

impl HandOver<'_> {
    fn took(&mut self, run: &RunId) {
        if self.run.is_none() {
            self.run = Some(run.clone());
        }
        self.count += 1;
        if self.count >= CHUNK {
            self.hand_over();
        }
    }

    /// Hand the chunk over, waiting while that would hold more records than the budget
    /// for a run that is not being written (or more than two chunks of the head's).
    fn hand_over(&mut self) {
        let (Some(run), n) = (self.run.clone(), self.count) else {
            return;
        };
        if n == 0 {
            return;
        }
        let chunk = std::mem::replace(&mut self.chunk, Recorder::new(self.events));
        self.count = 0;
        let shared = self.shared;
        let mut s = shared.lock();
        loop {
            if shared.stopped() {
                return;
            }
            let queued = s.queues.get(&self.index).map_or(0, VecDeque::len);
            if s.held + n <= self.budget || (s.head == self.index && queued < 2) {
                break;
            }
            s = shared.written.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.held += n;
        s.peak = s.peak.max(s.held);
        s.queues
            .entry(self.index)
            .or_default()
            .push_back((Handed::Records(run, Box::new(chunk)), n));
        shared.handed.notify_all();
    }
}

impl Sink for HandOver<'_> {
    fn wants_events(&self) -> bool {
        self.events
    }
    fn event(&mut self, run: &RunId, e: &EventRecord) {
        self.chunk.event(run, e);
        self.took(run);
    }
    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        self.chunk.sample(run, s);
        self.took(run);
    }
    fn platform_outcome(&mut self, run: &RunId, p: &PlatformOutcome) {
        self.chunk.platform_outcome(run, p);
        self.took(run);
    }
    fn protocol_outcome(&mut self, run: &RunId, p: &ProtocolOutcome) {
        self.chunk.protocol_outcome(run, p);
        self.took(run);
    }
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        self.chunk.run_outcome(run, o);
        self.took(run);
    }
}

/// The caller's thread: write the head's records as they come, run after run.
fn write(
    shared: &Shared,
    total: usize,
    sink: &mut dyn Sink,
    cancel: Option<&AtomicBool>,
    progress: &mut dyn FnMut(u64),
) -> Result<RunStats, RunError> {
    let mut s = shared.lock();
    while s.head < total {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(RunError::Interrupted);
        }
        if s.panicked {
            return Err(RunError::Threads(
                "a worker thread stopped unexpectedly".into(),
            ));
        }
        let head = s.head;
        let Some((handed, n)) = s.queues.get_mut(&head).and_then(VecDeque::pop_front) else {
            // Look at the interrupt flag now and then while waiting.
            s = shared
                .handed
                .wait_timeout(s, Duration::from_millis(20))
                .unwrap_or_else(|e| e.into_inner())
                .0;
            continue;
        };
        s.held -= n;
        match handed {
            Handed::Records(run, records) => {
                shared.written.notify_all();
                drop(s);
                records.replay(&run, sink);
                s = shared.lock();
            }
            Handed::End(Err(e)) => return Err(e),
            Handed::End(Ok(())) => {
                s.queues.remove(&head);
                s.head += 1;
                shared.written.notify_all();
                let done = s.head as u64;
                drop(s);
                progress(done);
                s = shared.lock();
            }
        }
    }
    Ok(RunStats {
        runs: total as u64,
        peak_records_held: s.peak,
    })
}

/// Passes records on, and the event log only if the plan asks for it.
struct Gate<'a> {
    inner: &'a mut dyn Sink,
    events: bool,
}

impl Sink for Gate<'_> {
    fn wants_events(&self) -> bool {
        self.events
    }
    fn event(&mut self, run: &RunId, e: &EventRecord) {
        if self.events {
            self.inner.event(run, e);
        }
    }
    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        self.inner.sample(run, s);
    }
    fn platform_outcome(&mut self, run: &RunId, p: &PlatformOutcome) {
        self.inner.platform_outcome(run, p);
    }
    fn protocol_outcome(&mut self, run: &RunId, p: &ProtocolOutcome) {
        self.inner.protocol_outcome(run, p);
    }
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        self.inner.run_outcome(run, o);
    }
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
