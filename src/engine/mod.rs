//! The discrete-event engine: one replication of one variant.
//!
//! [`SimInit`] builds a [`Simulation`] from a validated variant; [`Simulation::step`],
//! [`Simulation::step_until`] and [`Simulation::run`] advance it, pushing event-log lines,
//! samples and outcomes into a [`Sink`]. The model's state lives in a `bevy_ecs`
//! [`World`] (platforms, authorities and variants as entities, the registry, protocol
//! phase and live index as resources), except the live copies, which are made and
//! removed by the million and live in the engine's own [`CopyStore`]; the event loop that
//! drives it all (clock, future event list, run tallies) sits beside them in the
//! [`Simulation`]. The engine never touches files or terminals, never panics on a model
//! it was given, and reports a run it cannot finish as a [`SimError`].
//!
//! Views and onward sharing follow each copy's attention curve exactly (closed-form
//! integrals between events), and each live copy has at most a handful of pending events:
//! its next link-caused attempt, its next detection, its next find by an authority, and
//! whatever review or order concerns it.

pub mod queue;
pub mod rng;
pub mod state;
mod store;

mod authority;
mod copies;
mod decisions;
mod injects;
mod protocol;
mod review;

use std::sync::Arc;

use bevy_ecs::entity::Entity;
use bevy_ecs::query::{Or, With};
use bevy_ecs::world::World;

use crate::analysis;
use crate::scenario::{Capacity, Experiment, Jurisdiction, Minutes, Model, Protocol, Variant};
use crate::sink::{EventKind, EventRecord, PlatformOutcome, RunId, RunOutcome, SampleRecord, Sink};

pub use decisions::{
    Decision, DecisionError, DecisionSchedule, PlatformStatus, ScheduledDecision, Situation,
};
use queue::{EventQueue, Priority};
use rng::{RunKey, Stream};
use state::*;

/// Something scheduled to happen at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A content item's first copy is published.
    Origin {
        content: u32,
    },
    CampaignAttempt {
        campaign: u32,
    },
    Inject {
        index: u32,
    },
    /// The end of a virality or outage inject with a duration.
    InjectEnd {
        index: u32,
    },
    /// A copy's next link-caused upload attempt.
    LinkAttempt {
        copy: CopyId,
        generation: u32,
    },
    /// A copy's next detection by its platform.
    Detection {
        copy: CopyId,
        generation: u32,
    },
    ReviewEnd {
        platform: u32,
        copy: CopyId,
    },
    /// A copy's next find by an authority.
    Find {
        copy: CopyId,
        generation: u32,
    },
    /// An analyst has prepared a referral (or order) about a copy.
    ReferralReady {
        authority: u32,
        copy: CopyId,
    },
    /// A complied-with removal order's deadline.
    OrderDeadline {
        copy: CopyId,
    },
    /// A shared-database submission reaches the members' lists (with `crisis`, only
    /// the protocol members', at the protocol's faster delay).
    HashArrival {
        variant: u32,
        crisis: bool,
    },
    /// A hash sweep removes a copy (if still live).
    Sweep {
        copy: CopyId,
    },
    /// A URL-sharing referral reaches a copy's platform.
    UrlShare {
        copy: CopyId,
    },
    ProtocolTrigger,
    ProtocolActivate,
    Notify {
        platform: u32,
    },
    /// A step of a crisis-posture reviewer ramp.
    RampStep {
        platform: u32,
        reviewers: Capacity,
    },
    /// Deactivation check: has it been quiet for long enough?
    QuietCheck,
    Sample,
}

// A queue entry of these events is 32 bytes (see `queue.rs`).
const _: () = assert!(queue::entry_size::<Event>() == 32);

impl Event {
    /// The copy a per-copy event concerns.
    fn copy(&self) -> Option<CopyId> {
        match *self {
            Event::LinkAttempt { copy, .. }
            | Event::Detection { copy, .. }
            | Event::Find { copy, .. }
            | Event::ReviewEnd { copy, .. }
            | Event::ReferralReady { copy, .. }
            | Event::OrderDeadline { copy }
            | Event::Sweep { copy }
            | Event::UrlShare { copy } => Some(copy),
            _ => None,
        }
    }
}

/// Which limit stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    MaxCopies,
    MaxEvents,
}

/// Why a replication could not finish. None of these lets the run go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error(
        "variant `{variant}`, replication {replication}: stopped at {} because it would publish more than limits.max_copies = {limit} copies. \
         The expected number of onward copies per copy is about {expected_offspring:.2}{}. \
         Lower the link rates or raise limits.max_copies in the scenario.",
        clock(*at),
        if *expected_offspring > 1.0 { " (above 1, so the spread grows without bound)" } else { "" }
    )]
    TooManyCopies {
        variant: String,
        replication: u32,
        at: Minutes,
        limit: u64,
        expected_offspring: f64,
    },
    #[error(
        "variant `{variant}`, replication {replication}: stopped at {} after limits.max_events = {limit} events. \
         Raise limits.max_events in the scenario if the run is meant to be this large.",
        clock(*at)
    )]
    TooManyEvents {
        variant: String,
        replication: u32,
        at: Minutes,
        limit: u64,
    },
}

impl SimError {
    /// Whether the simulation can be stepped further after this error (never, today).
    pub fn can_continue(&self) -> bool {
        false
    }

    pub fn limit(&self) -> Limit {
        match self {
            SimError::TooManyCopies { .. } => Limit::MaxCopies,
            SimError::TooManyEvents { .. } => Limit::MaxEvents,
        }
    }
}

/// `T+hh:mm` for a time in minutes, as exercise clocks show it.
pub fn clock(t: Minutes) -> String {
    let total = t.max(0.0).round() as u64;
    format!("T+{:02}:{:02}", total / 60, total % 60)
}

/// What a call to [`Simulation::step`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Processed events up to this time; more remain.
    Advanced(Minutes),
    /// The horizon has been reached and outcomes were pushed.
    Finished,
}

/// Builder of a [`Simulation`].
#[derive(Debug, Clone)]
pub struct SimInit {
    model: Arc<Model>,
    horizon: Minutes,
    sample_every: Minutes,
    protocol: Option<usize>,
    variant: Arc<str>,
    replication: u32,
    seed: u64,
    manual: bool,
}

impl SimInit {
    /// Replication `replication` of `variant`, run as `experiment` says (horizon, sample
    /// clock, seed).
    pub fn new(experiment: &Experiment, variant: &Variant, replication: u32) -> Self {
        SimInit {
            horizon: experiment.horizon,
            sample_every: experiment.sample_every,
            seed: experiment.seed,
            model: Arc::clone(&variant.model),
            protocol: variant.protocol,
            variant: Arc::from(variant.name.as_str()),
            replication,
            manual: false,
        }
    }

    /// An exercise run: the protocol never triggers or notifies by itself; players do
    /// that with [`Decision`]s. Its parameters (delays, boost) are the variant's protocol,
    /// or the scenario's first protocol if the variant has none, or neutral defaults.
    pub fn exercise(mut self) -> Self {
        self.manual = true;
        if self.protocol.is_none() && !self.model.protocols.is_empty() {
            self.protocol = Some(0);
        }
        self
    }

    /// Use another base seed than the experiment's.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn build(self) -> Simulation {
        self.build_in(Storage::default())
    }

    /// Build in the storage of an earlier simulation (see [`Simulation::into_storage`]).
    /// The run is the same as with [`SimInit::build`]; only the memory is reused.
    pub fn build_in(self, storage: Storage) -> Simulation {
        Simulation::new(self, storage)
    }
}

/// The storage of a finished simulation, emptied. A simulation built in it (with
/// [`SimInit::build_in`]) finds its storage already grown to the size the last run
/// needed and its memory already mapped, instead of growing it again (copying it, and
/// faulting in and zeroing fresh pages). A thread that runs many replications keeps one.
pub struct Storage {
    world: World,
    copies: CopyStore,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            world: World::new(),
            copies: CopyStore::default(),
        }
    }
}

/// Precomputed onward links of one platform.
#[derive(Debug, Clone, Default)]
struct OutLinks {
    total_per_min: f64,
    /// (cumulative rate, target platform), for drawing a target.
    cumulative: Vec<(f64, u32)>,
}

/// One replication in progress.
///
/// The model's state (platforms, authorities and variants as entities, and the registry,
/// protocol phase, live index and campaign streams as resources) is in the `World`; the
/// live copies are in a [`CopyStore`] beside it, where a look-up is one computed address
/// and a removal moves nothing. What drives the model, the clock, the future event list
/// and the run's tallies, is kept beside them too: every event reads or writes them, and
/// a resource look-up per access cost about a tenth of the run time (see the README's
/// performance notes).
pub struct Simulation {
    world: World,
    /// The live copies (see [`CopyStore`]).
    copies: CopyStore,
    /// The simulation clock, in minutes since t = 0.
    now: Minutes,
    /// Where the run ends (the experiment's horizon).
    horizon: Minutes,
    queue: EventQueue<Event>,
    counters: Counters,
    model: Arc<Model>,
    protocol: Option<Protocol>,
    run: RunId,
    key: RunKey,
    out_links: Vec<OutLinks>,
    /// Authorities monitoring each platform.
    monitors: Vec<Vec<u32>>,
    /// The platforms' entities (fixed for the run; a copy of `Registry::platforms`
    /// kept here because every event looks one up).
    platform_entities: Vec<Entity>,
    sample_times: Vec<Minutes>,
    next_sample: usize,
    platform_ids: Vec<Arc<str>>,
    content_ids: Vec<Arc<str>>,
    record_events: bool,
    /// Exercise mode: the players are the protocol.
    manual: bool,
    log: Vec<EventRecord>,
    samples: Vec<SampleRecord>,
    outcome: Option<RunOutcome>,
    outcome_sent: bool,
    platform_outcomes: Vec<PlatformOutcome>,
}

impl Simulation {
    fn new(init: SimInit, storage: Storage) -> Self {
        let Storage { mut world, copies } = storage;
        let model = init.model;
        let key = RunKey::new(init.seed, init.replication);

        let out_links = (0..model.platforms.len())
            .map(|p| {
                let mut total = 0.0;
                let mut cumulative = Vec::new();
                for l in model
                    .links
                    .iter()
                    .filter(|l| l.from == p && l.per_min > 0.0)
                {
                    total += l.per_min;
                    cumulative.push((total, l.to as u32));
                }
                OutLinks {
                    total_per_min: total,
                    cumulative,
                }
            })
            .collect();
        let mut monitors = vec![Vec::new(); model.platforms.len()];
        for (a, auth) in model.authorities.iter().enumerate() {
            for &p in &auth.monitors {
                if !monitors[p].contains(&(a as u32)) {
                    monitors[p].push(a as u32);
                }
            }
        }

        let mut registry = Registry::default();
        for (i, p) in model.platforms.iter().enumerate() {
            let e = world
                .spawn(PlatformState {
                    index: i as u32,
                    posture_capacity: p.review.reviewers,
                    outage: None,
                    busy: 0,
                    queues: Default::default(),
                    waiting: 0,
                    proactive_per_min: p.proactive_per_min,
                    virality_factor: 1.0,
                    crisis: false,
                    notified: false,
                    finds_boost: 1.0,
                    agg_since: 0.0,
                    agg_view_rate: 0.0,
                    views: 0.0,
                    live: 0,
                    attempts: 0,
                    blocked: 0,
                    published: 0,
                    removed_review: 0,
                    removed_order: 0,
                    removed_sweep: 0,
                    reviews: 0,
                    reviews_started: 0,
                    wait_total: 0.0,
                    max_queue: 0,
                    util_since: 0.0,
                    busy_area: 0.0,
                    capacity_area: 0.0,
                })
                .id();
            registry.platforms.push(e);
        }
        for (i, a) in model.authorities.iter().enumerate() {
            let e = world
                .spawn(AuthorityState {
                    index: i as u32,
                    analysts: a.analysts,
                    busy: 0,
                    waiting: Default::default(),
                })
                .id();
            registry.authorities.push(e);
        }
        registry.content_variants = vec![VariantCounts::default(); model.contents.len()];
        let platform_entities = registry.platforms.clone();
        world.insert_resource(registry);
        let counters = Counters {
            campaign_attempts: vec![0; model.campaigns.len()],
            ..Default::default()
        };
        world.insert_resource(ProtocolState::default());
        world.insert_resource(LiveIndex::new(model.hash_sharing.sweep));
        world.insert_resource(CampaignStreams(
            (0..model.campaigns.len())
                .map(|c| {
                    key.stream(
                        rng::mix(rng::TAG_CAMPAIGN, c as u64),
                        rng::Mechanism::Campaign,
                    )
                })
                .collect(),
        ));

        let horizon = init.horizon;
        let mut queue = EventQueue::new(horizon);
        for (c, content) in model.contents.iter().enumerate() {
            queue.schedule(content.origin_at, Event::Origin { content: c as u32 });
        }
        for (i, inject) in model.injects.iter().enumerate() {
            queue.schedule(inject.at, Event::Inject { index: i as u32 });
        }
        let protocol = match init.protocol.and_then(|i| model.protocols.get(i).cloned()) {
            None if init.manual => Some(decisions::neutral_protocol()),
            p => p,
        };
        if let Some(at) = protocol
            .as_ref()
            .filter(|_| !init.manual)
            .and_then(|p| p.activation.or_at)
        {
            queue.schedule(at, Event::ProtocolTrigger);
        }
        let sample_times = sample_times(horizon, init.sample_every);
        queue.push(sample_times[0], Priority::Sample, Event::Sample);

        let mut sim = Simulation {
            platform_ids: model
                .platforms
                .iter()
                .map(|p| Arc::from(p.id.as_str()))
                .collect(),
            content_ids: model
                .contents
                .iter()
                .map(|c| Arc::from(c.id.as_str()))
                .collect(),
            world,
            copies,
            now: 0.0,
            horizon,
            queue,
            counters,
            protocol,
            run: RunId {
                variant: init.variant,
                replication: init.replication,
                seed: init.seed,
            },
            key,
            out_links,
            monitors,
            platform_entities,
            sample_times,
            next_sample: 0,
            record_events: false,
            manual: init.manual,
            log: Vec::new(),
            samples: Vec::new(),
            outcome: None,
            outcome_sent: false,
            platform_outcomes: Vec::new(),
            model,
        };
        for c in 0..sim.model.contents.len() {
            sim.new_variant(c as u32);
        }
        // Campaign attempt times are a Poisson process on [start, end].
        for c in 0..sim.model.campaigns.len() {
            let start = sim.model.campaigns[c].start;
            sim.schedule_campaign_attempt(c as u32, start);
        }
        sim
    }

    /// Empty the simulation's storage for the next one (see [`Storage`]).
    pub fn into_storage(self) -> Storage {
        let (mut world, mut copies) = (self.world, self.copies);
        copies.clear();
        // Despawn the run's entities (`World::clear_all` would also drop the world's own
        // bookkeeping); storage keeps its capacity, and resources are replaced when the
        // next simulation inserts its own. Highest index first, so that the freed indices
        // come back lowest first, as in a new world.
        let mut entities: Vec<Entity> = world
            .query_filtered::<Entity, Or<(
                With<PlatformState>,
                With<AuthorityState>,
                With<VariantState>,
            )>>()
            .iter(&world)
            .collect();
        entities.sort_unstable_by_key(|e| std::cmp::Reverse(e.index_u32()));
        for e in entities {
            world.despawn(e);
        }
        world.clear_trackers();
        Storage { world, copies }
    }

    /// The run this simulation is (variant, replication, seed).
    pub fn run_id(&self) -> &RunId {
        &self.run
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The simulation clock, in minutes.
    pub fn now(&self) -> Minutes {
        self.now
    }

    /// When the run ends, in minutes (the experiment's horizon).
    pub fn horizon(&self) -> Minutes {
        self.horizon
    }

    /// Whether the horizon has been reached.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// The run's outcome, once finished.
    pub fn outcome(&self) -> Option<&RunOutcome> {
        self.outcome.as_ref()
    }

    /// Live copies right now.
    pub fn live_copies(&self) -> u64 {
        self.counters.live
    }

    /// Pending events right now (including stale ones not yet popped).
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    /// Entity and copy slots allocated: live platforms, authorities, variants and
    /// copies, plus freed slots kept for reuse. A proxy for the world's memory.
    pub fn entities(&self) -> u32 {
        self.world.entities().len() + self.copies.slots() as u32
    }

    /// Time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<Minutes> {
        self.queue.peek_time()
    }

    /// Process the next event.
    pub fn step(&mut self, sink: &mut dyn Sink) -> Result<Step, SimError> {
        if self.is_finished() {
            return Ok(Step::Finished);
        }
        self.record_events = sink.wants_events();
        let result = self.step_inner();
        self.flush(sink);
        result
    }

    /// Process every event up to and including time `t` (or to the horizon).
    pub fn step_until(&mut self, t: Minutes, sink: &mut dyn Sink) -> Result<Step, SimError> {
        self.record_events = sink.wants_events();
        let mut result = Ok(Step::Advanced(self.now()));
        while !self.is_finished() && self.next_event_time().is_some_and(|next| next <= t) {
            result = self.step_inner();
            if result.is_err() {
                break;
            }
            // Keep memory flat in long stretches: hand records over as they come.
            if self.log.len() + self.samples.len() >= 4096 {
                self.flush(sink);
            }
        }
        self.flush(sink);
        if result.is_ok() && !self.is_finished() {
            let now = self.now().max(t.min(self.horizon));
            self.now = now;
            result = Ok(Step::Advanced(now));
        }
        result
    }

    /// Run to the horizon and return the outcome.
    pub fn run(&mut self, sink: &mut dyn Sink) -> Result<RunOutcome, SimError> {
        self.step_until(f64::INFINITY, sink)?;
        Ok(self.outcome.clone().unwrap_or_default())
    }

    fn step_inner(&mut self) -> Result<Step, SimError> {
        if self.queue.wants_compaction() {
            self.compact_queue();
        }
        let Some((t, event)) = self.queue.pop() else {
            // Nothing left (cannot happen: the final sample is always pending).
            self.finish();
            return Ok(Step::Finished);
        };
        self.now = t;
        self.prefetch_next();
        let processed = self.handle(event)?;
        if processed {
            self.counters.events += 1;
            let events = self.counters.events;
            // No entity is despawned during a run (copies live in the store, not the
            // World), so the World keeps no removal records that would grow with events.
            if let Some(limit) = self.model.limits.max_events
                && events > limit
            {
                return Err(SimError::TooManyEvents {
                    variant: self.run.variant.to_string(),
                    replication: self.run.replication,
                    at: t,
                    limit,
                });
            }
        }
        if self.is_finished() {
            Ok(Step::Finished)
        } else {
            Ok(Step::Advanced(t))
        }
    }

    /// Start loading the state of the copies the next two events concern, so that their
    /// cache misses overlap the handling of this one.
    #[inline]
    fn prefetch_next(&self) {
        if let Some(copy) = self.queue.peek().and_then(Event::copy) {
            self.copies.prefetch(copy);
        }
        if let Some(copy) = self.queue.peek_second().and_then(Event::copy) {
            self.copies.prefetch(copy);
        }
    }

    /// Handle one event; false if it was stale (cancelled) and so did nothing.
    fn handle(&mut self, event: Event) -> Result<bool, SimError> {
        Ok(match event {
            Event::Origin { content } => {
                self.origin(content)?;
                true
            }
            Event::CampaignAttempt { campaign } => {
                self.campaign_attempt(campaign)?;
                true
            }
            Event::Inject { index } => {
                self.inject(index)?;
                true
            }
            Event::InjectEnd { index } => {
                self.inject_end(index);
                true
            }
            Event::LinkAttempt { copy, generation } => self.link_attempt(copy, generation)?,
            Event::Detection { copy, generation } => self.detection(copy, generation),
            Event::ReviewEnd { platform, copy } => {
                self.review_end(platform, copy);
                true
            }
            Event::Find { copy, generation } => self.find(copy, generation),
            Event::ReferralReady { authority, copy } => {
                self.referral_ready(authority, copy);
                true
            }
            Event::OrderDeadline { copy } => self.remove(copy, RemovalCause::Order),
            Event::HashArrival { variant, crisis } => {
                self.hash_arrival(variant, crisis);
                true
            }
            Event::Sweep { copy } => self.remove(copy, RemovalCause::Sweep),
            Event::UrlShare { copy } => self.url_share(copy),
            Event::ProtocolTrigger => self.protocol_trigger(),
            Event::ProtocolActivate => {
                self.protocol_activate();
                true
            }
            Event::Notify { platform } => self.notify(platform),
            Event::RampStep {
                platform,
                reviewers,
            } => self.ramp_step(platform, reviewers),
            Event::QuietCheck => {
                self.quiet_check();
                true
            }
            Event::Sample => {
                self.sample();
                true
            }
        })
    }

    /// Drop cancelled events from the queue (see [`EventQueue`]).
    fn compact_queue(&mut self) {
        let copies = &self.copies;
        self.queue.compact(|event| match *event {
            Event::LinkAttempt { copy, generation } => copies
                .get(copy)
                .map(|c| &c.pending)
                .is_some_and(|p| p.links == generation),
            Event::Detection { copy, generation } => copies
                .get(copy)
                .map(|c| &c.pending)
                .is_some_and(|p| p.detection == generation && p.review == ReviewStatus::NotQueued),
            Event::Find { copy, generation } => copies
                .get(copy)
                .map(|c| &c.pending)
                .is_some_and(|p| p.finds == generation),
            Event::OrderDeadline { copy } | Event::Sweep { copy } | Event::UrlShare { copy } => {
                copies.get(copy).is_some()
            }
            // Everything else does something when it fires (frees a reviewer or an
            // analyst, moves the protocol or the clock).
            _ => true,
        });
    }

    fn flush(&mut self, sink: &mut dyn Sink) {
        if sink.wants_events() {
            for e in self.log.drain(..) {
                sink.event(&self.run, &e);
            }
        } else {
            self.log.clear();
        }
        for s in self.samples.drain(..) {
            sink.sample(&self.run, &s);
        }
        for p in self.platform_outcomes.drain(..) {
            sink.platform_outcome(&self.run, &p);
        }
        if let Some(o) = &self.outcome
            && !self.outcome_sent
        {
            sink.run_outcome(&self.run, o);
            self.outcome_sent = true;
        }
    }

    // ---- helpers shared by the mechanism modules ----

    fn schedule(&mut self, at: Minutes, event: Event) {
        self.queue.schedule(at, event);
    }

    fn platform_entity(&self, platform: u32) -> Entity {
        self.platform_entities[platform as usize]
    }

    fn platform_mut(&mut self, platform: u32) -> bevy_ecs::world::Mut<'_, PlatformState> {
        let e = self.platform_entity(platform);
        self.world
            .get_mut::<PlatformState>(e)
            .expect("platform entities live for the whole run")
    }

    fn platform(&self, platform: u32) -> &PlatformState {
        let e = self.platform_entity(platform);
        self.world
            .get::<PlatformState>(e)
            .expect("platform entities live for the whole run")
    }

    fn protocol_active(&self) -> bool {
        self.world.resource::<ProtocolState>().active()
    }

    /// Add a line to the event log (built only if a sink wants it).
    fn log(
        &mut self,
        kind: EventKind,
        platform: Option<u32>,
        copy: Option<(u64, u32, u32)>,
        detail: impl FnOnce(&Self) -> String,
    ) {
        if !self.record_events {
            return;
        }
        let (number, content, variant) = match copy {
            Some((n, c, v)) => (Some(n), Some(c), Some(v)),
            None => (None, None, None),
        };
        let content_variant = variant.map(|v| self.variant_number(v));
        let record = EventRecord {
            time: self.now(),
            kind,
            platform: platform.map(|p| Arc::clone(&self.platform_ids[p as usize])),
            copy: number,
            content: content.map(|c| Arc::clone(&self.content_ids[c as usize])),
            content_variant,
            detail: detail(self),
        };
        self.log.push(record);
    }

    fn sample(&mut self) {
        let now = self.now();
        for p in 0..self.model.platforms.len() as u32 {
            let half_life = self.model.platforms[p as usize].attention_half_life;
            let platform = Arc::clone(&self.platform_ids[p as usize]);
            let mut ps = self.platform_mut(p);
            copies::advance_aggregate(&mut ps, now, half_life);
            let record = SampleRecord {
                time: now,
                platform,
                live: ps.live,
                published_cum: ps.published,
                removed_cum: ps.removed(),
                views_cum: ps.views,
                queue: ps.waiting,
            };
            self.samples.push(record);
        }
        self.next_sample += 1;
        if let Some(&t) = self.sample_times.get(self.next_sample) {
            self.queue.push(t, Priority::Sample, Event::Sample);
        } else {
            self.finish();
        }
    }

    /// At the horizon: close the integrals and push the outcomes.
    fn finish(&mut self) {
        let horizon = self.horizon;
        let mut exposure = 0.0;
        let mut exposure_eu = 0.0;
        let model = Arc::clone(&self.model);
        for p in 0..model.platforms.len() as u32 {
            let platform = &model.platforms[p as usize];
            let half_life = platform.attention_half_life;
            let unlimited = platform.review.reviewers == Capacity::Unlimited;
            let id = Arc::clone(&self.platform_ids[p as usize]);
            let mut ps = self.platform_mut(p);
            copies::advance_aggregate(&mut ps, horizon, half_life);
            review::integrate_utilization(&mut ps, horizon);
            exposure += ps.views;
            if platform.jurisdiction == Jurisdiction::Eu {
                exposure_eu += ps.views;
            }
            let outcome = PlatformOutcome {
                platform: id,
                attempts: ps.attempts,
                blocked: ps.blocked,
                published: ps.published,
                removed_review: ps.removed_review,
                removed_order: ps.removed_order,
                removed_sweep: ps.removed_sweep,
                live_at_end: ps.live,
                views: ps.views,
                reviews: ps.reviews,
                mean_wait_min: (ps.reviews_started > 0)
                    .then(|| ps.wait_total / ps.reviews_started as f64),
                max_queue: ps.max_queue,
                reviewer_utilization: (!unlimited && ps.capacity_area > 0.0)
                    .then(|| ps.busy_area / ps.capacity_area),
            };
            self.platform_outcomes.push(outcome);
        }
        let variants_hashed = {
            let variants = self.world.resource::<Registry>().variants.clone();
            variants
                .iter()
                .filter(|&&v| {
                    self.world
                        .get::<VariantState>(v)
                        .is_some_and(|s| s.listed_anywhere)
                })
                .count() as u64
        };
        let c = &self.counters;
        let protocol = self.world.resource::<ProtocolState>();
        self.outcome = Some(RunOutcome {
            attempts: c.attempts,
            blocked: c.blocked,
            published: c.published,
            removed: c.removed,
            live_at_end: c.live,
            peak_live: c.peak_live,
            exposure,
            exposure_eu,
            variants: c.variants,
            variants_hashed,
            first_detection_min: c.first_detection,
            triggered_min: protocol.triggered_at,
            activation_min: protocol.activated_at,
            contained_min: if c.live == 0 { c.last_zero } else { None },
            events: c.events,
        });
        self.now = horizon;
    }

    /// The expected number of onward copies per copy (see [`analysis::expected_offspring`]).
    fn expected_offspring(&self) -> f64 {
        analysis::expected_offspring(&self.model)
    }
}

/// Per-campaign random streams (attempt times).
#[derive(bevy_ecs::resource::Resource, Debug)]
struct CampaignStreams(Vec<Stream>);

/// Sample times: every `every` from 0, and the horizon itself.
fn sample_times(horizon: Minutes, every: Minutes) -> Vec<Minutes> {
    let mut times = Vec::new();
    let mut k = 0u64;
    loop {
        let t = k as f64 * every;
        // Tolerate rounding so 24h / 15m gives exactly 97 samples.
        if t > horizon * (1.0 + 1e-12) {
            break;
        }
        times.push(t.min(horizon));
        k += 1;
    }
    if times.last().is_none_or(|&t| t < horizon) {
        times.push(horizon);
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_times_cover_zero_to_horizon() {
        assert_eq!(sample_times(60.0, 15.0), vec![0.0, 15.0, 30.0, 45.0, 60.0]);
        assert_eq!(sample_times(50.0, 15.0), vec![0.0, 15.0, 30.0, 45.0, 50.0]);
        assert_eq!(sample_times(1440.0, 15.0).len(), 97);
    }

    #[test]
    fn clock_reads_like_an_exercise_clock() {
        assert_eq!(clock(0.0), "T+00:00");
        assert_eq!(clock(90.0), "T+01:30");
        assert_eq!(clock(1500.0), "T+25:00");
    }
}
