//! The [`Sink`] trait the engine pushes outcome records into, and sinks that need no
//! files (null, in-memory, tee).
//!
//! The engine knows nothing of files: it describes what happened as plain records, and a
//! sink decides what to do with them (write CSV, keep them in memory, draw a report). The
//! records and their file columns are defined in [`crate::record`]; they are re-exported
//! here, where the engine knows them from.

pub use crate::record::{
    EventKind, EventRecord, PlatformOutcome, ProtocolOutcome, RunId, RunOutcome, SampleRecord,
    Trigger,
};

/// Receives what a run produces. Every method has a default that ignores the record, so
/// a sink implements only what it needs.
pub trait Sink {
    /// Whether this sink wants the event log; the engine skips building it otherwise.
    fn wants_events(&self) -> bool {
        false
    }
    fn event(&mut self, _run: &RunId, _event: &EventRecord) {}
    fn sample(&mut self, _run: &RunId, _sample: &SampleRecord) {}
    fn platform_outcome(&mut self, _run: &RunId, _outcome: &PlatformOutcome) {}
    /// One protocol the run's variant lists (`protocols.csv`), before the run's outcome.
    fn protocol_outcome(&mut self, _run: &RunId, _outcome: &ProtocolOutcome) {}
    fn run_outcome(&mut self, _run: &RunId, _outcome: &RunOutcome) {}
}

/// A sink that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl Sink for NullSink {}

/// A sink that keeps every record in memory, in order (one run's worth, typically).
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    pub keep_events: bool,
    pub events: Vec<EventRecord>,
    pub samples: Vec<SampleRecord>,
    pub platforms: Vec<PlatformOutcome>,
    pub protocols: Vec<ProtocolOutcome>,
    pub run: Option<RunOutcome>,
}

impl Recorder {
    pub fn new(keep_events: bool) -> Self {
        Recorder {
            keep_events,
            ..Default::default()
        }
    }

    /// Push everything recorded into another sink, in the order it arrived.
    pub fn replay(&self, run: &RunId, sink: &mut dyn Sink) {
        if sink.wants_events() {
            for e in &self.events {
                sink.event(run, e);
            }
        }
        for s in &self.samples {
            sink.sample(run, s);
        }
        for p in &self.platforms {
            sink.platform_outcome(run, p);
        }
        for p in &self.protocols {
            sink.protocol_outcome(run, p);
        }
        if let Some(r) = &self.run {
            sink.run_outcome(run, r);
        }
    }
}

impl Sink for Recorder {
    fn wants_events(&self) -> bool {
        self.keep_events
    }
    fn event(&mut self, _run: &RunId, event: &EventRecord) {
        self.events.push(event.clone());
    }
    fn sample(&mut self, _run: &RunId, sample: &SampleRecord) {
        self.samples.push(sample.clone());
    }
    fn platform_outcome(&mut self, _run: &RunId, outcome: &PlatformOutcome) {
        self.platforms.push(outcome.clone());
    }
    fn protocol_outcome(&mut self, _run: &RunId, outcome: &ProtocolOutcome) {
        self.protocols.push(outcome.clone());
    }
    fn run_outcome(&mut self, _run: &RunId, outcome: &RunOutcome) {
        self.run = Some(outcome.clone());
    }
}

/// Forwards every record to each of several sinks.
pub struct Tee<'a>(pub Vec<&'a mut dyn Sink>);

impl Sink for Tee<'_> {
    fn wants_events(&self) -> bool {
        self.0.iter().any(|s| s.wants_events())
    }
    fn event(&mut self, run: &RunId, event: &EventRecord) {
        for s in self.0.iter_mut().filter(|s| s.wants_events()) {
            s.event(run, event);
        }
    }
    fn sample(&mut self, run: &RunId, sample: &SampleRecord) {
        for s in &mut self.0 {
            s.sample(run, sample);
        }
    }
    fn platform_outcome(&mut self, run: &RunId, outcome: &PlatformOutcome) {
        for s in &mut self.0 {
            s.platform_outcome(run, outcome);
        }
    }
    fn protocol_outcome(&mut self, run: &RunId, outcome: &ProtocolOutcome) {
        for s in &mut self.0 {
            s.protocol_outcome(run, outcome);
        }
    }
    fn run_outcome(&mut self, run: &RunId, outcome: &RunOutcome) {
        for s in &mut self.0 {
            s.run_outcome(run, outcome);
        }
    }
}
