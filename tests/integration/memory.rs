//! Memory follows the live population and the pending events, not the length of the run.
//!
//! A steady state: a campaign uploads at a constant rate for the whole horizon, platforms
//! detect and remove copies (one reviews instantly, one has a few reviewers with a short
//! queue), links make a few onward copies and an authority finds copies, so the number of
//! live copies is stationary. Its engine state should then be stationary too: a run ten
//! times as long (ten times the events) keeps the same number of entities (the World's
//! entity slots for platforms, authorities and variants, and the copy store's slots, live
//! or free) and of pending events.
//!
//! The check uses the engine's counters, not timing or the process's memory, so it is
//! exact and quick: each run is stepped an hour of simulated time at a time, and the
//! counters are read between steps.

use ttx::engine::{SimInit, Step};
use ttx::scenario::Scenario;
use ttx::sink::NullSink;

use crate::common;

/// A stationary incident over `hours`. Campaign: 600 attempts an hour on two platforms,
/// one variant (no new edits, so the variants stay fixed). `site` removes a copy as soon as
/// it detects it (about 30 minutes on average); `host` has 40 reviewers taking 5 minutes
/// for about 350 reviews an hour (utilization about 0.7). Links give about 0.15 onward
/// copies per copy. Expected live copies: about 170 on `site` and 380 on `host`.
fn steady(hours: u32, finds_per_hour: f64) -> Scenario {
    common::scenario(&format!(
        r#"
name: steady state
horizon: {hours}h
sample_every: 1h
seed: 31337
limits: {{max_copies: 100000000}}
platforms:
  - id: site
    jurisdiction: eu
    hash_sharing_member: true
    views_per_hour: 100
    attention_half_life: 1h
    hash_recall: 0.3
    detection: {{proactive_per_hour: 2.0, flags_per_1k_views: 0.5}}
    review: {{reviewers: unlimited, time: 0s, accuracy: 1}}
  - id: host
    jurisdiction: eu
    hash_sharing_member: true
    views_per_hour: 50
    attention_half_life: 2h
    hash_recall: 0.3
    detection: {{proactive_per_hour: 1.0, flags_per_1k_views: 0.2}}
    review: {{reviewers: 40, time: {{exp: 5m}}, accuracy: 0.9}}
links:
  - {{from: site, to: site, per_hour: 0.2}}
  - {{from: site, to: host, per_hour: 0.1}}
  - {{from: host, to: host, per_hour: 0.1}}
  - {{from: host, to: site, per_hour: 0.05}}
content:
  - {{id: clip, origin: {{platform: site, at: 0m}}, mutation: 0}}
campaigns:
  - {{content: clip, platforms: [site, host], per_hour: 600, new_variant: 0}}
authorities:
  - {{id: unit, monitors: [site, host], finds_per_hour: {finds_per_hour}, analysts: 2, referral_time: {{exp: 10m}}}}
hash_sharing: {{delay: 1h, sweep: true, sweep_time: 30m}}
"#
    ))
}

/// What one run's counters did after the warm-up.
#[derive(Debug, Clone, Copy)]
struct Trace {
    /// Events processed over the whole run.
    events: u64,
    max_entities: u32,
    max_pending: usize,
    max_live: u64,
    /// Most pending events per live copy at any hourly reading.
    max_pending_per_live: f64,
}

/// Run `s` to its horizon an hour at a time and read the counters after each hour from
/// `warm_up` hours on.
fn trace(s: &Scenario, warm_up: u32) -> Trace {
    let mut sim = SimInit::new(&s.experiment, &s.variants[0], 0).build();
    let horizon_h = (sim.horizon() / 60.0).round() as u32;
    let mut t = Trace {
        events: 0,
        max_entities: 0,
        max_pending: 0,
        max_live: 0,
        max_pending_per_live: 0.0,
    };
    for h in 1..horizon_h {
        let step = sim
            .step_until(f64::from(h) * 60.0, &mut NullSink)
            .expect("the steady scenario runs within its limits");
        assert_ne!(
            step,
            Step::Finished,
            "finished before the horizon, at {h} h"
        );
        if h >= warm_up {
            let (entities, pending, live) =
                (sim.entities(), sim.pending_events(), sim.live_copies());
            t.max_entities = t.max_entities.max(entities);
            t.max_pending = t.max_pending.max(pending);
            t.max_live = t.max_live.max(live);
            t.max_pending_per_live = t.max_pending_per_live.max(pending as f64 / live as f64);
        }
    }
    let out = sim.run(&mut NullSink).expect("run finishes");
    t.events = out.events;
    t
}

/// Entities and pending events of a run with ten times the events stay within 25% of a
/// shorter run's, at the same live population, and within a fixed multiple of the live
/// copies throughout.
fn assert_bounded(finds_per_hour: f64) {
    const WARM_UP_H: u32 = 12;
    let short = trace(&steady(40, finds_per_hour), WARM_UP_H);
    let long = trace(&steady(400, finds_per_hour), WARM_UP_H);
    eprintln!("finds {finds_per_hour}/h: short run {short:?}\nlong run {long:?}");

    assert!(
        long.events >= 9 * short.events,
        "the long run should process about 10x the events: {} vs {}",
        long.events,
        short.events
    );
    // The same stationary live population (a longer run sees a few higher peaks).
    assert!(
        short.max_live > 200 && long.max_live < short.max_live * 13 / 10,
        "live copies should be stationary: max {} (short) vs {} (long)",
        short.max_live,
        long.max_live
    );
    // Entity slots are reused: a leak of one slot per copy made would multiply them by
    // ten. (Slots grow in powers of two, so allow one doubling.)
    assert!(
        long.max_entities <= 2 * short.max_entities,
        "entities grew with the run's length: {} (short) vs {} (long)",
        short.max_entities,
        long.max_entities
    );
    assert!(
        u64::from(long.max_entities) <= 4 * (long.max_live + 64),
        "entities ({}) are not bounded by the live copies ({})",
        long.max_entities,
        long.max_live
    );
    // Pending events (stale ones included) follow the live population, not the run.
    // Cancelled events are dropped whenever the queue has doubled since the last
    // compaction, so the count saw-tooths between the live events and twice that: allow
    // that factor of 2. Without compaction the long run had 7x the short run's.
    assert!(
        long.max_pending as f64 <= 2.0 * short.max_pending as f64,
        "pending events grew with the run's length: {} (short) vs {} (long)",
        short.max_pending,
        long.max_pending
    );
    assert!(
        long.max_pending_per_live <= 8.0,
        "pending events per live copy reached {:.1}",
        long.max_pending_per_live
    );
}

#[test]
fn memory_is_bounded_by_the_live_population() {
    // Finds about every 2 hours per copy: a found copy's referral arrives while it is
    // still live for a fair share of copies, so every mechanism is at work.
    assert_bounded(0.5);
}

#[test]
fn slow_authority_finds_do_not_pile_up_as_stale_events() {
    // Finds about every 50 hours per copy (as in the shipped scenarios): most copies are
    // removed long before their find is due, so their pending find is stale for most of
    // its wait. Those stale events must not accumulate with the run's length.
    assert_bounded(0.02);
}
