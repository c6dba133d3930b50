//! Owns one replication in progress: the core, the mechanisms and the World, built from a
//! variant; the stepping API; and what the run reports (samples every `sample_every`,
//! outcomes at the horizon), handed to a [`Sink`].

use std::sync::Arc;

use bevy_ecs::world::World;

use crate::scenario::{Capacity, Experiment, Jurisdiction, Minutes, Model, Variant};
use crate::sink::{PlatformOutcome, ProtocolOutcome, RunId, RunOutcome, SampleRecord, Sink};

use super::authority::Authorities;
use super::blocks::Blocks;
use super::copies::Copies;
use super::copy::CopyStore;
use super::core::Core;
use super::dispatch::Event;
use super::error::SimError;
use super::hashes::HashLists;
use super::injects::Injects;
use super::posts::PostStore;
use super::protocol::{Protocols, neutral_protocol};
use super::review::ReviewQueues;
use super::rng::RunKey;
use super::world::{self, Entities};

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
    /// The protocols in play (indices into the model's), in the variant's order.
    protocols: Vec<usize>,
    variant: Arc<str>,
    replication: u32,
    seed: u64,
    manual: bool,
    /// Count blocked campaign attempts in aggregate (the default), or make one event of
    /// every attempt (the reference path, for tests; not a scenario setting).
    aggregate_blocks: bool,
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
            protocols: variant.protocols.clone(),
            variant: Arc::from(variant.name.as_str()),
            replication,
            manual: false,
            aggregate_blocks: true,
        }
    }

    /// An exercise run: the protocols never trigger or notify by themselves; players do
    /// that with [`Decision`](super::Decision)s. The protocols in play are the
    /// variant's, or, if it lists none, every protocol of the scenario (the first is the
    /// one `activate` and `notify` mean unnamed), or neutral defaults (no delays, no
    /// boost) if the scenario defines none.
    pub fn exercise(mut self) -> Self {
        self.manual = true;
        if self.protocols.is_empty() {
            self.protocols = (0..self.model.protocols.len()).collect();
        }
        self
    }

    /// Use another base seed than the experiment's.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Make one event of every upload attempt, blocked ones included, instead of
    /// counting blocked campaign attempts in aggregate: the reference path the aggregated
    /// counting is tested against (`tests/integration/aggregated_blocks.rs`). Same law,
    /// other random draws.
    #[doc(hidden)]
    pub fn one_event_per_attempt(mut self) -> Self {
        self.aggregate_blocks = false;
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
    posts: PostStore,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            world: World::new(),
            copies: CopyStore::default(),
            posts: PostStore::default(),
        }
    }
}

/// One replication in progress.
///
/// The state every event touches is the [`Core`]; each mechanism owns its own (the
/// copies and their store, review queues, authorities, hash lists, the protocol,
/// injects), and the dispatch (`dispatch.rs`) routes every event to one of them and
/// carries the consequences to the others. The `World` holds the long-lived entities
/// (platforms, authorities, protocols, variants) for the reports' queries.
pub struct Simulation {
    pub(super) core: Core<Event>,
    pub(super) copies: Copies,
    pub(super) review: ReviewQueues,
    pub(super) authorities: Authorities,
    pub(super) hashes: HashLists,
    pub(super) protocol: Protocols,
    pub(super) injects: Injects,
    pub(super) blocks: Blocks,
    pub(super) world: World,
    pub(super) entities: Entities,
    sample_times: Vec<Minutes>,
    next_sample: usize,
    samples: Vec<SampleRecord>,
    outcome: Option<RunOutcome>,
    outcome_sent: bool,
    platform_outcomes: Vec<PlatformOutcome>,
    protocol_outcomes: Vec<ProtocolOutcome>,
}

impl Simulation {
    fn new(init: SimInit, storage: Storage) -> Self {
        let Storage {
            mut world,
            copies,
            posts,
        } = storage;
        let model = init.model;
        let key = RunKey::new(init.seed, init.replication);
        let run = RunId {
            variant: init.variant,
            replication: init.replication,
            seed: init.seed,
        };
        let neutral = init.manual.then(neutral_protocol);
        let blocks = Blocks::new(&model, key, init.aggregate_blocks);
        let mut hashes = HashLists::new(&model);
        hashes.track_listings = blocks.watching;
        let entities = Entities::spawn(&mut world, &model, &init.protocols);
        let mut sim = Simulation {
            copies: Copies::new(&model, key, copies, posts),
            review: ReviewQueues::new(&model),
            authorities: Authorities::new(&model),
            hashes,
            blocks,
            protocol: Protocols::new(&model, &init.protocols, neutral, init.manual),
            injects: Injects::new(model.injects.len()),
            core: Core::new(Arc::clone(&model), init.horizon, key, run),
            world,
            entities,
            sample_times: sample_times(init.horizon, init.sample_every),
            next_sample: 0,
            samples: Vec::new(),
            outcome: None,
            outcome_sent: false,
            platform_outcomes: Vec::new(),
            protocol_outcomes: Vec::new(),
        };
        // The first events, in this order (the order of scheduling breaks ties in time).
        sim.copies.schedule_origins(&mut sim.core);
        sim.injects.schedule_all(&mut sim.core);
        sim.protocol.schedule_time_triggers(&mut sim.core);
        let first_sample = sim.sample_times[0];
        sim.schedule_sample(first_sample);
        for c in 0..model.contents.len() {
            sim.make_variant(c as u32);
        }
        sim.copies.schedule_campaigns(&mut sim.core);
        sim
    }

    /// Empty the simulation's storage for the next one (see [`Storage`]).
    pub fn into_storage(self) -> Storage {
        let (mut world, mut copies) = (self.world, self.copies.store);
        let posts = self.copies.posts.into_store();
        copies.clear();
        world::despawn_run(&mut world);
        Storage {
            world,
            copies,
            posts,
        }
    }

    /// The run this simulation is (variant, replication, seed).
    pub fn run_id(&self) -> &RunId {
        &self.core.run
    }

    pub fn model(&self) -> &Model {
        &self.core.model
    }

    /// The simulation clock, in minutes.
    pub fn now(&self) -> Minutes {
        self.core.now
    }

    /// When the run ends, in minutes (the experiment's horizon).
    pub fn horizon(&self) -> Minutes {
        self.core.horizon
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
        self.core.counts.live
    }

    /// Pending events right now (including stale ones not yet popped).
    pub fn pending_events(&self) -> usize {
        self.core.queue.len()
    }

    /// Entity and copy slots allocated: the World's platforms, authorities, protocols and
    /// variants, and copies, plus freed slots kept for reuse. A proxy for the memory.
    pub fn entities(&self) -> u32 {
        self.world.entities().len() + self.copies.store.slots() as u32
    }

    /// Time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<Minutes> {
        self.core.queue.peek_time()
    }

    /// Process the next event.
    pub fn step(&mut self, sink: &mut dyn Sink) -> Result<Step, SimError> {
        if self.is_finished() {
            return Ok(Step::Finished);
        }
        self.core.log.wanted = sink.wants_events();
        let result = self.step_inner();
        self.flush(sink);
        result
    }

    /// Process every event up to and including time `t` (or to the horizon), and move
    /// the clock to `t` (or the horizon). A time before the clock is refused
    /// ([`SimError::TimeBeforeNow`]) and changes nothing.
    pub fn step_until(&mut self, t: Minutes, sink: &mut dyn Sink) -> Result<Step, SimError> {
        if self.is_finished() {
            return Ok(Step::Finished);
        }
        if t.is_nan() || t < self.core.now {
            return Err(SimError::TimeBeforeNow {
                until: t,
                now: self.core.now,
            });
        }
        self.core.log.wanted = sink.wants_events();
        let mut result = Ok(Step::Advanced(self.now()));
        while !self.is_finished() && self.next_event_time().is_some_and(|next| next <= t) {
            result = self.step_inner();
            if result.is_err() {
                break;
            }
            // Keep memory flat in long stretches: hand records over as they come.
            if self.core.log.records.len() + self.samples.len() >= 4096 {
                self.flush(sink);
            }
        }
        self.flush(sink);
        if result.is_ok() && !self.is_finished() {
            let now = self.now().max(t.min(self.core.horizon));
            self.core.now = now;
            result = Ok(Step::Advanced(now));
        }
        result
    }

    /// Run to the horizon and return the outcome.
    pub fn run(&mut self, sink: &mut dyn Sink) -> Result<RunOutcome, SimError> {
        self.step_until(f64::INFINITY, sink)?;
        Ok(self.outcome.clone().unwrap_or_default())
    }

    /// Pop one event and dispatch it.
    fn step_inner(&mut self) -> Result<Step, SimError> {
        if self.core.queue.wants_compaction() {
            self.compact_queue();
        }
        let Some((t, event)) = self.core.queue.pop() else {
            // Nothing left (cannot happen: the final sample is always pending).
            self.finish();
            return Ok(Step::Finished);
        };
        if self.core.log.wanted && self.blocks.counting() {
            // The log names each blocked attempt's variant, drawn from the state in
            // which it happened: count them before this event changes it.
            self.close_blocks(t);
        }
        self.core.now = t;
        self.prefetch_next();
        let processed = self.handle(event)?;
        if processed {
            self.core.counts.events += 1;
            let events = self.core.counts.events;
            // No entity is despawned during a run (copies live in the store, not the
            // World), so the World keeps no removal records that would grow with events.
            if let Some(limit) = self.core.model.limits.max_events
                && events > limit
            {
                return Err(SimError::TooManyEvents {
                    variant: self.core.run.variant.to_string(),
                    replication: self.core.run.replication,
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

    /// Hand the records made so far to the sink.
    pub(super) fn flush(&mut self, sink: &mut dyn Sink) {
        let run = &self.core.run;
        if sink.wants_events() {
            for e in self.core.log.records.drain(..) {
                sink.event(run, &e);
            }
        } else {
            self.core.log.records.clear();
        }
        for s in self.samples.drain(..) {
            sink.sample(run, &s);
        }
        for p in self.platform_outcomes.drain(..) {
            sink.platform_outcome(run, &p);
        }
        for p in self.protocol_outcomes.drain(..) {
            sink.protocol_outcome(run, &p);
        }
        if let Some(o) = &self.outcome
            && !self.outcome_sent
        {
            sink.run_outcome(run, o);
            self.outcome_sent = true;
        }
    }

    /// A sample of every platform, then the next sample scheduled (or, at the last, the
    /// run finished).
    pub(super) fn sample(&mut self) {
        let now = self.core.now;
        self.close_blocks(now);
        self.copies.advance_all(&self.core.model, now);
        let views = self.copies.reported_views();
        for (p, &views_cum) in views.iter().enumerate() {
            let ps = &self.copies.platforms[p];
            self.samples.push(SampleRecord {
                time: now,
                platform: Arc::clone(&self.core.names.platforms[p]),
                live: ps.live,
                published_cum: ps.published,
                removed_cum: ps.removed(),
                views_cum,
                queue: self.review.desks[p].waiting,
                attempts_cum: ps.attempts,
                blocked_cum: ps.blocked,
            });
        }
        self.next_sample += 1;
        if let Some(&t) = self.sample_times.get(self.next_sample) {
            self.schedule_sample(t);
        } else {
            self.finish();
        }
    }

    /// At the horizon: close the integrals and push the outcomes.
    fn finish(&mut self) {
        let horizon = self.core.horizon;
        let mut exposure = 0.0;
        let mut exposure_eu = 0.0;
        let model = Arc::clone(&self.core.model);
        self.copies.advance_all(&model, horizon);
        let views = self.copies.reported_views();
        let mut clicks = vec![0.0; model.platforms.len()];
        self.copies.posts.add_clicks(&mut clicks);
        let (mut live_views, mut post_views) = (0.0, 0.0);
        for (p, platform) in model.platforms.iter().enumerate() {
            let unlimited = platform.review.reviewers == Capacity::Unlimited;
            let ps = &self.copies.platforms[p];
            let posts = &self.copies.posts.platforms[p];
            let desk = &mut self.review.desks[p];
            desk.integrate_utilization(horizon);
            exposure += views[p];
            if platform.jurisdiction == Jurisdiction::Eu {
                exposure_eu += views[p];
            }
            live_views += ps.live_views;
            post_views += posts.views;
            self.platform_outcomes.push(PlatformOutcome {
                platform: Arc::clone(&self.core.names.platforms[p]),
                attempts: ps.attempts,
                blocked: ps.blocked,
                published: ps.published,
                removed_review: ps.removed_review,
                removed_order: ps.removed_order,
                removed_sweep: ps.removed_sweep,
                live_at_end: ps.live,
                views: views[p],
                reviews: desk.reviews,
                mean_wait_min: (desk.reviews_started > 0)
                    .then(|| desk.wait_total / desk.reviews_started as f64),
                max_queue: desk.max_queue,
                reviewer_utilization: (!unlimited && desk.capacity_area > 0.0)
                    .then(|| desk.busy_area / desk.capacity_area),
                posts: posts.published,
                posts_removed: posts.removed,
                post_views: posts.views,
                click_views: clicks[p],
                first_detection_min: self.core.counts.first_detection_on[p],
            });
        }
        self.protocol_outcomes.extend(self.protocol.outcomes());
        let c = &self.core.counts;
        let (triggered, activated) = self.protocol.earliest();
        let posts = &self.copies.posts;
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
            variants_hashed: self.hashes.variants_listed(),
            first_detection_min: c.first_detection,
            triggered_min: triggered,
            activation_min: activated,
            contained_min: if c.live == 0 { c.last_zero } else { None },
            events: c.events,
            stream_cut_min: c.stream_cut,
            live_views,
            posts: posts.published(),
            posts_removed: posts.platforms.iter().map(|p| p.removed).sum(),
            post_views,
            click_views: clicks.iter().sum(),
        });
        self.core.now = horizon;
    }
}

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
    use crate::sink::{NullSink, Recorder};

    #[test]
    fn sample_times_cover_zero_to_horizon() {
        assert_eq!(sample_times(60.0, 15.0), vec![0.0, 15.0, 30.0, 45.0, 60.0]);
        assert_eq!(sample_times(50.0, 15.0), vec![0.0, 15.0, 30.0, 45.0, 50.0]);
        assert_eq!(sample_times(1440.0, 15.0).len(), 97);
    }

    fn tutorial() -> crate::scenario::Scenario {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/tutorial.yaml");
        crate::scenario::load(std::path::Path::new(path)).expect("the tutorial loads")
    }

    #[test]
    fn stepping_to_a_time_before_the_clock_is_refused_and_changes_nothing() {
        let s = tutorial();
        let mut sim = SimInit::new(&s.experiment, &s.variants[0], 0).build();
        let mut rec = Recorder::new(true);
        assert_eq!(sim.step_until(120.0, &mut rec), Ok(Step::Advanced(120.0)));
        let (pending, live, events) = (sim.pending_events(), sim.live_copies(), rec.events.len());
        for t in [60.0, f64::NAN, f64::NEG_INFINITY] {
            let err = sim.step_until(t, &mut rec).unwrap_err();
            assert!(err.can_continue(), "{err}");
            assert!(err.limit().is_none());
        }
        assert_eq!(sim.now(), 120.0);
        assert_eq!(
            (sim.pending_events(), sim.live_copies(), rec.events.len()),
            (pending, live, events)
        );
        // It goes on as if nothing had happened: the same run as one stepped straight.
        sim.run(&mut rec).unwrap();
        let mut straight = SimInit::new(&s.experiment, &s.variants[0], 0).build();
        let mut rec_straight = Recorder::new(true);
        straight.run(&mut rec_straight).unwrap();
        assert_eq!(rec.events, rec_straight.events);
        assert_eq!(rec.run, rec_straight.run);
        // A finished run stays finished.
        assert_eq!(sim.step_until(10.0, &mut NullSink), Ok(Step::Finished));
    }

    #[test]
    fn a_limit_reached_is_final() {
        let mut s = tutorial();
        let v = &mut s.variants[0];
        Arc::make_mut(&mut v.model).limits.max_events = Some(100);
        let mut sim = SimInit::new(&s.experiment, &s.variants[0], 0).build();
        let err = sim.run(&mut NullSink).unwrap_err();
        assert!(!err.can_continue());
        assert_eq!(err.limit(), Some(crate::engine::Limit::MaxEvents));
    }

    #[test]
    fn the_world_answers_the_reports_queries() {
        use super::super::world::{ContentVariant, Platform, VariantListing};
        let s = tutorial();
        let v = s.variant("ecp").expect("the tutorial has ecp");
        let mut sim = SimInit::new(&s.experiment, v, 0).build();
        sim.step_until(8.0 * 60.0, &mut NullSink).unwrap();
        let situation = sim.situation();
        let (variants, removed) = (sim.core.counts.variants, sim.core.counts.removed);
        let world = sim.world();
        let mut made: Vec<(u32, u32)> = world
            .try_query::<&ContentVariant>()
            .unwrap()
            .iter(world)
            .map(|v| (v.content, v.number))
            .collect();
        made.sort_unstable();
        assert_eq!(made.len() as u64, variants);
        assert!(made.windows(2).all(|w| w[0] != w[1]));
        let listed = world
            .try_query::<&VariantListing>()
            .unwrap()
            .iter(world)
            .filter(|l| l.lists > 0)
            .count();
        assert!(
            removed == 0 || listed > 0,
            "a removal by review lists its variant"
        );
        let ids: Vec<String> = situation.platforms.iter().map(|p| p.id.clone()).collect();
        let mut from_world: Vec<(u32, String)> = world
            .try_query::<&Platform>()
            .unwrap()
            .iter(world)
            .map(|p| (p.index, p.id.to_string()))
            .collect();
        from_world.sort_unstable();
        assert_eq!(from_world.into_iter().map(|p| p.1).collect::<Vec<_>>(), ids);
    }
}
