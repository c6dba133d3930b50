//! Spec section 14, fourth and fifth properties: once a variant is on a platform's hash
//! list, the blocked share of its attempts there is that platform's `hash_recall`; and
//! every run keeps attempts = blocked + published and published = removed + live at end.

use std::sync::Arc;

use ttx::sink::EventKind;

use crate::common::{self, Z999, ci_ratio};

/// One variant (mutation 0, campaign new_variant 0), two hash-sharing members.
///
/// `home` gets the origin at 0m and detects at 60000/h with instant exact reviews, so the
/// origin is removed, and the variant listed on `home`, after an Exp(1000/min) delay:
/// later than 10 min (the campaign's start) with probability e^(−10000). The removal
/// submits the variant to the shared database, so it reaches `peer`'s list exactly
/// `hash_sharing.delay` = 2 h later. `peer` detects nothing, so its only listing is the
/// shared one, and its attempts before it are never blocked. Sweeps are off.
///
/// The campaign sends 600 attempts/h split evenly (≈ 300/h each) from 10m to 6h: per run
/// ≈ 1750 attempts on `home`, all after its listing, and ≈ 550 before and ≈ 1200 after the
/// listing on `peer`. The events split `peer`'s attempts at the listing time.
const SCENARIO: &str = r#"
name: hash-recall
horizon: 6h
sample_every: 1h
seed: 14004
hash_sharing: {delay: 2h, sweep: false}
platforms:
  - id: home
    hash_sharing_member: true
    hash_recall: 0.9
    views_per_hour: 100
    attention_half_life: 1h
    detection: {proactive_per_hour: 60000, flags_per_1k_views: 0}
    review: {reviewers: unlimited, time: 0s, accuracy: 1}
  - id: peer
    hash_sharing_member: true
    hash_recall: 0.35
    views_per_hour: 100
    attention_half_life: 1h
    detection: {proactive_per_hour: 0, flags_per_1k_views: 0}
    review: {reviewers: unlimited, time: 0s, accuracy: 1}
content:
  - {id: clip, origin: {platform: home, at: 0m}, mutation: 0}
campaigns:
  - {content: clip, platforms: [home, peer], start: 10m, end: 6h, per_hour: 600, new_variant: 0}
variants:
  - {name: partial}
  - name: extremes
    set: {platforms.home.hash_recall: 1.0, platforms.peer.hash_recall: 0.0}
"#;

/// Attempts and blocked attempts of one run, split by platform and by whether the
/// variant was already on that platform's list.
#[derive(Debug, Default, Clone, Copy)]
struct Split {
    /// [platform][before, after listing] = (attempts, blocked)
    counts: [[(f64, f64); 2]; 2],
}

fn split(rec: &ttx::sink::Recorder) -> Split {
    let platforms: [Arc<str>; 2] = [Arc::from("home"), Arc::from("peer")];
    let index = |p: &Option<Arc<str>>| {
        platforms
            .iter()
            .position(|q| p.as_ref() == Some(q))
            .expect("an event on a known platform")
    };
    let mut listed_at = [f64::INFINITY; 2];
    let mut out = Split::default();
    let mut origin_removed = None;
    // Event records come in time order; a listing and an attempt at the same time do
    // not happen here (the listing times are continuous random times).
    for e in &rec.events {
        match e.kind {
            EventKind::HashListed => {
                let p = index(&e.platform);
                assert!(listed_at[p].is_infinite(), "listed twice: {e:?}");
                listed_at[p] = e.time;
            }
            EventKind::Removed if e.copy == Some(1) => origin_removed = Some(e.time),
            EventKind::Published | EventKind::Blocked => {
                let p = index(&e.platform);
                let after = usize::from(e.time >= listed_at[p]);
                let c = &mut out.counts[p][after];
                c.0 += 1.0;
                if e.kind == EventKind::Blocked {
                    c.1 += 1.0;
                }
            }
            _ => {}
        }
    }
    // The design: the origin goes at once, `home` lists then, `peer` 2 h later.
    let removed = origin_removed.expect("the origin is removed");
    assert!(
        removed < 10.0,
        "origin removed at {removed} min, after the campaign began"
    );
    assert_eq!(
        listed_at[0], removed,
        "home lists the variant when it removes the origin"
    );
    assert!(
        (listed_at[1] - (removed + 120.0)).abs() < 1e-9,
        "peer lists it hash_sharing.delay after: {} vs {}",
        listed_at[1],
        removed + 120.0
    );
    // The events account for every attempt but the origin.
    for (p, outcome) in rec.platforms.iter().enumerate() {
        let attempts: f64 = out.counts[p].iter().map(|c| c.0).sum();
        let blocked: f64 = out.counts[p].iter().map(|c| c.1).sum();
        let origin = if p == 0 { 1.0 } else { 0.0 };
        assert_eq!(attempts + origin, outcome.attempts as f64, "{outcome:?}");
        assert_eq!(blocked, outcome.blocked as f64, "{outcome:?}");
    }
    assert_eq!(
        out.counts[0][0].0, 0.0,
        "no attempt on home before its listing"
    );
    out
}

/// n = 200 runs. The blocked share after listing pools ≈ 350 000 attempts on `home` and
/// ≈ 240 000 on `peer`; each is a Bernoulli(recall) draw, so the standard errors are
/// √(0.9·0.1/350000) = 0.0005 and √(0.35·0.65/240000) = 0.001: 99.9% half-widths
/// (z = 3.291, see `common::Z999`) of 0.0017 and 0.0032, far narrower than any plausible
/// error (e.g. screening with the other platform's recall, or blocking before listing).
/// The ratio interval (delta method over runs) estimates the same se from the data.
const REPS: u32 = 200;

#[test]
fn blocked_share_after_listing_is_the_platforms_recall() {
    let s = common::scenario(SCENARIO);
    let runs = common::run_map(&s, 0, 0..REPS, true, |_, rec| split(rec));
    let share = |p: usize, after: usize| {
        let attempts: Vec<f64> = runs.iter().map(|r| r.counts[p][after].0).collect();
        let blocked: Vec<f64> = runs.iter().map(|r| r.counts[p][after].1).collect();
        ci_ratio(&blocked, &attempts, Z999)
    };
    share(0, 1).assert_contains("blocked share on home after listing", 0.9);
    share(1, 1).assert_contains("blocked share on peer after the shared listing", 0.35);
    // Before its listing nothing is blocked on `peer`: exactly, not statistically.
    let before: f64 = runs.iter().map(|r| r.counts[1][0].0).sum();
    let blocked_before: f64 = runs.iter().map(|r| r.counts[1][0].1).sum();
    assert!(
        before > 10_000.0,
        "enough attempts before the shared listing: {before}"
    );
    assert_eq!(
        blocked_before, 0.0,
        "attempts blocked on peer before its listing"
    );
}

/// The same runs with recall 1 on `home` and 0 on `peer`: every listed attempt on `home`
/// is blocked and none on `peer` is. Exact, so a handful of runs will do.
#[test]
fn recall_one_blocks_all_and_recall_zero_blocks_none() {
    let s = common::scenario(SCENARIO);
    assert_eq!(s.variants[1].name, "extremes");
    let runs = common::run_map(&s, 1, 0..5, true, |_, rec| split(rec));
    for r in &runs {
        let (home_attempts, home_blocked) = r.counts[0][1];
        assert!(home_attempts > 1000.0);
        assert_eq!(
            home_blocked, home_attempts,
            "recall 1 blocks every listed attempt"
        );
        assert_eq!(
            r.counts[1][0].1 + r.counts[1][1].1,
            0.0,
            "recall 0 blocks nothing"
        );
        assert!(r.counts[1][1].0 > 500.0);
    }
}

/// Spec section 9, sweeps: when a variant reaches a platform's list, each copy of it
/// live there at that moment is removed with probability `hash_recall` after
/// `sweep_time`; copies published later are not swept. The same scenario with sweeps on:
/// `peer` detects nothing, so its only removals are sweeps of the ≈ 550 copies per run
/// published before the shared listing (none is blocked then), and the ≈ 1200 published
/// after it stay up. n = 100 runs pool ≈ 55 000 Bernoulli(0.35) sweep draws: se ≈ 0.002,
/// a 99.9% half-width of about 0.007.
#[test]
fn sweeps_take_the_recall_share_of_copies_live_at_listing_and_no_later_ones() {
    let yaml = SCENARIO.replace(
        "hash_sharing: {delay: 2h, sweep: false}",
        "hash_sharing: {delay: 2h, sweep: true, sweep_time: 20m}",
    );
    assert_ne!(yaml, SCENARIO);
    let s = common::scenario(&yaml);
    let runs = common::run_map(&s, 0, 0..100, true, |_, rec| {
        let counts = split(rec).counts[1];
        let peer = &rec.platforms[1];
        assert_eq!(peer.removed_review + peer.removed_order, 0);
        // Published before the listing (nothing is blocked then), and swept.
        (
            counts[0].0,
            peer.removed_sweep as f64,
            counts[1].0 - counts[1].1,
        )
    });
    for (before, swept, after) in &runs {
        assert!(
            swept <= before,
            "{swept} copies swept of {before} live at the listing ({after} published after)"
        );
    }
    let before: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let swept: Vec<f64> = runs.iter().map(|r| r.1).collect();
    ci_ratio(&swept, &before, Z999).assert_contains(
        "share of peer's copies live at the listing that are swept",
        0.35,
    );
}

/// Spec section 14, last item, on a scenario that exercises every way a copy can be
/// published, blocked or removed: links with mutation, a campaign making new variants,
/// an upload inject, limited reviewers with imperfect accuracy, referrals and removal
/// orders (eu and non_eu), hash sharing with sweeps, and a protocol with URL sharing,
/// crisis postures and an outage. `run_map` checks the identities for every run (run
/// totals, each platform, the platforms' sums and every sample); here we also make sure
/// the mechanisms were exercised, so the identities are not checked vacuously.
#[test]
fn every_run_keeps_the_accounting_identities() {
    let s = common::scenario(
        r#"
name: accounting
horizon: 12h
sample_every: 30m
seed: 14005
hash_sharing: {delay: 1h, sweep: true, sweep_time: 20m}
platforms:
  - id: stream
    jurisdiction: eu
    protocol_member: true
    hash_sharing_member: true
    views_per_hour: 2000
    attention_half_life: 1h
    hash_recall: 0.9
    detection: {proactive_per_hour: 0.3, flags_per_1k_views: 0.5}
    review: {reviewers: 3, time: {exp: 10m}, accuracy: 0.9}
    crisis_posture: {reviewers: 10, ramp: 1h, proactive_per_hour: 1.0}
  - id: board
    views_per_hour: 300
    attention_half_life: 6h
    detection: {proactive_per_hour: 0, flags_per_1k_views: 0.05}
    review: {reviewers: 1, time: {exp: 1h}, accuracy: 0.5}
  - id: tube
    jurisdiction: eu
    protocol_member: true
    hash_sharing_member: true
    views_per_hour: 800
    attention_half_life: 3h
    hash_recall: 0.8
    detection: {proactive_per_hour: 0.2, flags_per_1k_views: 0.1}
    review: {reviewers: 4, time: {lognormal: {median: 5m, p95: 30m}}, accuracy: 0.95}
    crisis_posture: {reviewers: 12, ramp: 2h}
links:
  - {from: stream, to: board, per_hour: 0.8}
  - {from: board, to: tube, per_hour: 0.4}
  - {from: board, to: board, per_hour: 0.2}
  - {from: tube, to: tube, per_hour: 0.3}
content:
  - {id: clip, origin: {platform: stream, at: 0m}, virality: 1.0, mutation: 0.1}
campaigns:
  - {content: clip, platforms: [board, tube], start: 1h, end: 5h, per_hour: 40, new_variant: 0.2}
authorities:
  - id: iru
    monitors: [tube, board]
    finds_per_hour: 0.3
    analysts: 2
    referral_time: {exp: 20m}
    issues: removal_order
    removal_order: {deadline: 1h, compliance: 0.9}
protocols:
  ecp:
    activation: {confirmed_removals: 3, platforms: 1, decision_time: 30m}
    notify_time: 15m
    hash_sharing_delay: 15m
    url_sharing: 10m
    authority_boost: 2.0
variants:
  - {name: baseline, protocol: none}
  - {name: ecp, protocol: ecp}
injects:
  - {at: 2h, kind: virality, platform: tube, factor: 2.0, for: 2h}
  - {at: 3h, kind: upload, content: clip, platform: tube, count: 20, new_variant: true}
  - {at: 4h, kind: outage, platform: tube, reviewers: 0, for: 1h}
"#,
    );
    for v in 0..s.variants.len() {
        let totals = common::run_map(&s, v, 0..40, false, |out, rec| {
            let removed = |f: fn(&ttx::sink::PlatformOutcome) -> u64| {
                rec.platforms.iter().map(f).sum::<u64>()
            };
            [
                out.blocked,
                removed(|p| p.removed_review),
                removed(|p| p.removed_order),
                removed(|p| p.removed_sweep),
                out.live_at_end,
                out.variants,
            ]
        });
        let sum = |i: usize| totals.iter().map(|t| t[i]).sum::<u64>();
        let name = &s.variants[v].name;
        eprintln!(
            "{name}: blocked {}, removed by review {}, by order {}, by sweep {}, live at end {}, variants {}",
            sum(0),
            sum(1),
            sum(2),
            sum(3),
            sum(4),
            sum(5)
        );
        for (i, what) in [
            "blocked",
            "review removals",
            "order removals",
            "sweep removals",
            "live at end",
        ]
        .iter()
        .enumerate()
        {
            assert!(
                sum(i) > 0,
                "{name}: no {what} in 40 runs, so the identities were not exercised"
            );
        }
        assert!(sum(5) > 40, "{name}: no new variants");
    }
}
