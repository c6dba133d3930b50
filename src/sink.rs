//! Outcome records and the [`Sink`] trait the engine pushes them into.
//!
//! The engine knows nothing of files: it describes what happened as plain records, and a
//! sink decides what to do with them (write CSV, keep them in memory, draw a report).

use std::sync::Arc;

use crate::scenario::Minutes;

/// Which run a record belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct RunId {
    pub variant: Arc<str>,
    pub replication: u32,
    /// The seed the run's random streams were derived from (the scenario's base seed).
    pub seed: u64,
}

/// What kind of thing happened, for the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A content item's first copy is published.
    Origin,
    /// An upload attempt was published as a new live copy.
    Published,
    /// An upload attempt was blocked by hash matching.
    Blocked,
    /// A new visually distinct variant was made.
    NewVariant,
    /// A platform detected a copy (automated or user flags).
    Detected,
    /// A copy joined a review queue, or moved to a more urgent class.
    Queued,
    ReviewStarted,
    /// A review ended without removing the copy.
    ReviewKept,
    /// A copy was removed (detail says how).
    Removed,
    /// An authority found a copy.
    Found,
    /// An authority sent a referral to a platform.
    Referral,
    /// An authority sent a removal order to a platform.
    RemovalOrder,
    /// A variant went on a platform's hash list.
    HashListed,
    /// A variant's hash was submitted to the shared database.
    HashSubmitted,
    /// A sweep of a newly listed variant was scheduled for a copy.
    SweepScheduled,
    Inject,
    InjectEnded,
    /// Reviewer capacity of a platform changed.
    Capacity,
    ProtocolTriggered,
    ProtocolActivated,
    /// A member platform was notified and applies its crisis posture.
    PlatformNotified,
    /// A copy's parent or child on another member platform was referred by URL sharing.
    UrlShared,
    ProtocolDeactivated,
    /// A decision taken by the players of an exercise.
    Decision,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Origin => "origin",
            EventKind::Published => "published",
            EventKind::Blocked => "blocked",
            EventKind::NewVariant => "new_variant",
            EventKind::Detected => "detected",
            EventKind::Queued => "queued",
            EventKind::ReviewStarted => "review_started",
            EventKind::ReviewKept => "review_kept",
            EventKind::Removed => "removed",
            EventKind::Found => "found",
            EventKind::Referral => "referral",
            EventKind::RemovalOrder => "removal_order",
            EventKind::HashListed => "hash_listed",
            EventKind::HashSubmitted => "hash_submitted",
            EventKind::SweepScheduled => "sweep_scheduled",
            EventKind::Inject => "inject",
            EventKind::InjectEnded => "inject_ended",
            EventKind::Capacity => "capacity",
            EventKind::ProtocolTriggered => "protocol_triggered",
            EventKind::ProtocolActivated => "protocol_activated",
            EventKind::PlatformNotified => "platform_notified",
            EventKind::UrlShared => "url_shared",
            EventKind::ProtocolDeactivated => "protocol_deactivated",
            EventKind::Decision => "decision",
        }
    }
}

/// One line of the event log: a timeline a person can read.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub time: Minutes,
    pub kind: EventKind,
    /// Platform id, where the event happened on one.
    pub platform: Option<Arc<str>>,
    /// Copy number (1, 2, ... in order of publication within the run).
    pub copy: Option<u64>,
    /// Content id.
    pub content: Option<Arc<str>>,
    /// Variant number within its content (0 is the original).
    pub content_variant: Option<u32>,
    pub detail: String,
}

/// The state of one platform at one sample time.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRecord {
    pub time: Minutes,
    pub platform: Arc<str>,
    pub live: u64,
    pub published_cum: u64,
    pub removed_cum: u64,
    pub views_cum: f64,
    /// Copies waiting for review (not counting those under review).
    pub queue: u64,
}

/// Totals of one platform over one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlatformOutcome {
    pub platform: Arc<str>,
    pub attempts: u64,
    pub blocked: u64,
    pub published: u64,
    pub removed_review: u64,
    pub removed_order: u64,
    pub removed_sweep: u64,
    pub live_at_end: u64,
    pub views: f64,
    /// Reviews completed.
    pub reviews: u64,
    /// Mean time from joining the queue to the start of review, over reviews started.
    pub mean_wait_min: Option<f64>,
    pub max_queue: u64,
    /// Busy reviewer-time over available reviewer-time (`None` with unlimited reviewers).
    pub reviewer_utilization: Option<f64>,
}

impl PlatformOutcome {
    pub fn removed(&self) -> u64 {
        self.removed_review + self.removed_order + self.removed_sweep
    }
}

/// Totals of one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOutcome {
    pub attempts: u64,
    pub blocked: u64,
    pub published: u64,
    pub removed: u64,
    pub live_at_end: u64,
    pub peak_live: u64,
    /// Total views of all copies up to the horizon.
    pub exposure: f64,
    /// Views on `eu` platforms.
    pub exposure_eu: f64,
    /// Distinct variants made (each content's original included).
    pub variants: u64,
    /// Variants on at least one platform's hash list at the end.
    pub variants_hashed: u64,
    /// First detection by a platform or find by an authority.
    pub first_detection_min: Option<Minutes>,
    /// When the protocol was triggered (not in `runs.csv`; for debriefs and MSELs).
    pub triggered_min: Option<Minutes>,
    /// When the protocol became active.
    pub activation_min: Option<Minutes>,
    /// Earliest time from which no copy was live until the horizon.
    pub contained_min: Option<Minutes>,
    /// Events the engine processed.
    pub events: u64,
}

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
    fn run_outcome(&mut self, run: &RunId, outcome: &RunOutcome) {
        for s in &mut self.0 {
            s.run_outcome(run, outcome);
        }
    }
}
