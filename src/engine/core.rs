//! Owns what every event touches: the clock and horizon, the future event list, the
//! run's tallies, the run's random key and the event log (with whether it is wanted).
//!
//! The core is generic over the event type its queue holds, so that a mechanism can be
//! driven and tested on its own with a queue of its own events only; the engine's core
//! holds the dispatch's [`Event`](super::dispatch::Event), the union of them all.

use std::sync::Arc;

use crate::scenario::{Minutes, Model};
use crate::sink::{EventKind, EventRecord, RunId};

use super::copy::CopyIdent;
use super::queue::EventQueue;
use super::rng::RunKey;

/// The state every event shares.
///
/// Its fields are plain, not `World` resources: every event reads or writes them, and in
/// `bevy_ecs` 0.20 a resource look-up per access cost about a tenth of the run time
/// (README, "Performance", item 2).
#[derive(Debug)]
pub struct Core<E> {
    /// The simulation clock, in minutes since t = 0.
    pub now: Minutes,
    /// Where the run ends (the experiment's horizon).
    pub horizon: Minutes,
    pub queue: EventQueue<E>,
    pub counts: RunCounts,
    /// The root of the run's randomness (seed and replication).
    pub key: RunKey,
    pub run: RunId,
    pub model: Arc<Model>,
    /// How the event log names platforms, content items, authorities and variants.
    pub names: Names,
    pub log: EventLog,
}

/// Run-wide tallies.
#[derive(Debug, Default, Clone)]
pub struct RunCounts {
    pub attempts: u64,
    pub blocked: u64,
    pub published: u64,
    pub removed: u64,
    pub live: u64,
    pub peak_live: u64,
    pub variants: u64,
    pub events: u64,
    pub first_detection: Option<Minutes>,
    /// The first detection or find on each platform.
    pub first_detection_on: Vec<Option<Minutes>>,
    /// When the live count last fell to zero (None while copies are live).
    pub last_zero: Option<Minutes>,
    pub last_publish: Minutes,
    /// Distinct platforms with at least one removal (for protocol triggers).
    pub platforms_with_removals: u32,
    /// When a livestream was first removed in its live phase.
    pub stream_cut: Option<Minutes>,
}

impl RunCounts {
    /// A copy on `platform` was detected by it, or found by an authority, at `now`.
    #[inline]
    pub fn detection(&mut self, platform: u32, now: Minutes) {
        self.first_detection.get_or_insert(now);
        if let Some(first) = self.first_detection_on.get_mut(platform as usize) {
            first.get_or_insert(now);
        }
    }
}

/// The names the event log gives things.
#[derive(Debug, Default)]
pub struct Names {
    pub platforms: Vec<Arc<str>>,
    pub contents: Vec<Arc<str>>,
    pub authorities: Vec<Arc<str>>,
    /// (content, number within the content) of each variant, by global index.
    variants: Vec<(u32, u32)>,
}

impl Names {
    fn of(model: &Model) -> Self {
        Names {
            platforms: model
                .platforms
                .iter()
                .map(|p| Arc::from(p.id.as_str()))
                .collect(),
            contents: model
                .contents
                .iter()
                .map(|c| Arc::from(c.id.as_str()))
                .collect(),
            authorities: model
                .authorities
                .iter()
                .map(|a| Arc::from(a.id.as_str()))
                .collect(),
            variants: Vec::new(),
        }
    }

    /// Register the next variant; returns its global index.
    pub fn add_variant(&mut self, content: u32, number: u32) -> u32 {
        self.variants.push((content, number));
        (self.variants.len() - 1) as u32
    }

    /// Variants made so far.
    pub fn variants(&self) -> usize {
        self.variants.len()
    }

    /// A variant's number within its content item (0 is the original).
    pub fn variant_number(&self, variant: u32) -> u32 {
        self.variants.get(variant as usize).map_or(0, |v| v.1)
    }

    /// The content item a variant is an edit of.
    pub fn variant_content(&self, variant: u32) -> u32 {
        self.variants.get(variant as usize).map_or(0, |v| v.0)
    }
}

/// The event log's lines not yet handed to the sink, and whether the sink wants any.
#[derive(Debug, Default)]
pub struct EventLog {
    pub wanted: bool,
    pub records: Vec<EventRecord>,
}

impl<E> Core<E> {
    pub fn new(model: Arc<Model>, horizon: Minutes, key: RunKey, run: RunId) -> Self {
        Core {
            now: 0.0,
            horizon,
            queue: EventQueue::new(horizon),
            counts: RunCounts {
                first_detection_on: vec![None; model.platforms.len()],
                ..RunCounts::default()
            },
            key,
            run,
            names: Names::of(&model),
            model,
            log: EventLog::default(),
        }
    }

    /// Schedule a model event (any mechanism's, converted into the queue's type).
    #[inline]
    pub fn schedule(&mut self, at: Minutes, event: impl Into<E>) {
        self.queue.schedule(at, event.into());
    }

    /// Add a line to the event log; the detail is only written if the log is wanted.
    #[inline]
    pub fn log(
        &mut self,
        kind: EventKind,
        platform: Option<u32>,
        copy: Option<CopyIdent>,
        detail: impl FnOnce(&Names) -> String,
    ) {
        if !self.log.wanted {
            return;
        }
        self.push_log(kind, platform, copy, detail(&self.names));
    }

    fn push_log(
        &mut self,
        kind: EventKind,
        platform: Option<u32>,
        copy: Option<CopyIdent>,
        detail: String,
    ) {
        let names = &self.names;
        let record = EventRecord {
            time: self.now,
            kind,
            platform: platform.map(|p| Arc::clone(&names.platforms[p as usize])),
            copy: copy.map(|c| c.0),
            content: copy.map(|c| Arc::clone(&names.contents[c.1 as usize])),
            content_variant: copy.map(|c| names.variant_number(c.2)),
            detail,
        };
        self.log.records.push(record);
    }
}

/// `T+hh:mm` for a time in minutes, as exercise clocks show it.
pub fn clock(t: Minutes) -> String {
    let total = t.max(0.0).round() as u64;
    format!("T+{:02}:{:02}", total / 60, total % 60)
}

/// A core for a mechanism's unit tests: the first variant of a scenario given as YAML,
/// replication 0, with the event log on.
#[cfg(test)]
pub(crate) fn test_core<E>(yaml: &str) -> Core<E> {
    let scenario = crate::scenario::parse(yaml, "test.yaml").expect("a valid test scenario");
    let variant = &scenario.variants[0];
    let run = RunId {
        variant: Arc::from(variant.name.as_str()),
        replication: 0,
        seed: scenario.experiment.seed,
    };
    let mut core = Core::new(
        Arc::clone(&variant.model),
        scenario.experiment.horizon,
        RunKey::new(scenario.experiment.seed, 0),
        run,
    );
    core.log.wanted = true;
    core
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_like_an_exercise_clock() {
        assert_eq!(clock(0.0), "T+00:00");
        assert_eq!(clock(90.0), "T+01:30");
        assert_eq!(clock(1500.0), "T+25:00");
    }
}
