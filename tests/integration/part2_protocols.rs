//! Several protocols at once (contract section 16): each trigger as the contract defines
//! it, checked against the event log replication by replication, and the rules by which
//! the effects of the active protocols combine without stacking (one crisis posture,
//! the smallest hash-sharing delay, URL sharing per protocol, the largest boost). Every
//! check is exact.

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::LN_2;

use ttx::sink::{EventKind, EventRecord, ProtocolOutcome, Trigger};

use crate::common;

fn protocol<'a>(rows: &'a [ProtocolOutcome], id: &str) -> &'a ProtocolOutcome {
    rows.iter().find(|p| &*p.protocol == id).expect(id)
}

fn on<'a>(events: &'a [EventRecord], platform: &str) -> impl Iterator<Item = &'a EventRecord> {
    events
        .iter()
        .filter(move |e| e.platform.as_deref() == Some(platform))
}

// ---------------------------------------------------------------------------
// Triggers
// ---------------------------------------------------------------------------

/// Reviews that never remove (accuracy 0) and fast detection: copies are detected again
/// and again. `spotter` counts copies detected or found on its members `a` and `b` (not
/// `c`), each once; `reacher` counts the platforms the clip (not the memo) has reached;
/// `memo-removals` counts removals of the memo alone.
const TRIGGERS: &str = r#"
name: triggers
horizon: 8h
sample_every: 1h
seed: 20101
platforms:
  - {id: a, views_per_hour: 60, attention_half_life: 1h,
     detection: {proactive_per_hour: 3}, review: {reviewers: 2, time: {exp: 5m}, accuracy: 0}}
  - {id: b, views_per_hour: 60, attention_half_life: 1h,
     detection: {proactive_per_hour: 0.5}, review: {reviewers: 2, time: {exp: 5m}, accuracy: 0}}
  - {id: c, views_per_hour: 60, attention_half_life: 1h,
     detection: {proactive_per_hour: 3}, review: {reviewers: 2, time: {exp: 5m}, accuracy: 0.5}}
  - {id: d, views_per_hour: 60, attention_half_life: 1h,
     detection: {proactive_per_hour: 1}, review: {reviewers: 2, time: {exp: 5m}, accuracy: 0.8}}
links:
  - {from: a, to: b, per_hour: 0.4}
  - {from: b, to: c, per_hour: 0.3}
  - {from: c, to: d, per_hour: 0.3}
  - {from: d, to: a, per_hour: 0.3}
content:
  - {id: clip, origin: {platform: a, at: 0m}, mutation: 0}
  - {id: memo, origin: {platform: c, at: 30m}, mutation: 0}
campaigns:
  - {content: memo, platforms: [c, d], start: 40m, end: 5h, per_hour: 1.5, new_variant: 0}
authorities:
  - {id: iru, monitors: [b, c], finds_per_hour: 0.5, analysts: 1, referral_time: 30m}
protocols:
  spotter:
    members: [a, b]
    activation: {detections: 4, decision_time: 10m}
  reacher:
    members: [a]
    activation: {platforms_reached: 3, content: [clip], decision_time: 0m}
  memo-removals:
    members: [d]
    activation: {confirmed_removals: 6, platforms: 2, content: [memo], decision_time: 0m}
variants:
  - {name: all, protocol: [spotter, reacher, memo-removals]}
"#;

/// When a count of the event log first reaches `n`: the time of the event that makes
/// it, counting each key once.
fn reaches<K: Ord>(
    events: &[EventRecord],
    n: usize,
    key: impl Fn(&EventRecord) -> Option<K>,
) -> Option<f64> {
    let mut seen = BTreeSet::new();
    for e in events {
        if let Some(k) = key(e)
            && seen.insert(k)
            && seen.len() == n
        {
            return Some(e.time);
        }
    }
    None
}

/// Each trigger fires at the event the contract says, in every replication where it
/// fires at all (and never where the count is not reached): the 4th distinct copy
/// detected or found on `a` or `b` (a copy kept by review and detected again, or
/// detected and found, counts once); the 3rd distinct platform the clip is published
/// on, its origin's included; the 6th removal of the memo once it has removals on 2
/// platforms.
#[test]
fn each_trigger_fires_when_its_count_is_reached_and_counts_each_copy_once() {
    let s = common::scenario(TRIGGERS);
    let mut fired = [0; 3];
    let mut redetected = 0;
    for r in 0..60 {
        let (_, rec) = common::run_one(&s, 0, r, true);
        let ev = &rec.events;
        let spotted = |e: &EventRecord| {
            (matches!(e.kind, EventKind::Detected | EventKind::Found)
                && matches!(e.platform.as_deref(), Some("a" | "b")))
            .then(|| e.copy.unwrap())
        };
        let mut per_copy: BTreeMap<u64, u32> = BTreeMap::new();
        for e in ev.iter().filter(|e| spotted(e).is_some()) {
            *per_copy.entry(e.copy.unwrap()).or_default() += 1;
        }
        redetected += per_copy.values().filter(|&&n| n > 1).count();
        let want = reaches(ev, 4, spotted);
        let p = protocol(&rec.protocols, "spotter");
        assert_eq!(p.triggered_min, want, "replication {r}: spotter");
        if want.is_some() {
            fired[0] += 1;
            assert_eq!(p.trigger, Some(Trigger::Detections));
            // Activated 10 minutes later, if that is before the horizon.
            let activated = want.map(|t| t + 10.0).filter(|&t| t <= 480.0);
            assert_eq!(p.activated_min, activated);
        }

        let reached = reaches(ev, 3, |e| {
            (matches!(e.kind, EventKind::Origin | EventKind::Published)
                && e.content.as_deref() == Some("clip"))
            .then(|| e.platform.clone().unwrap())
        });
        let p = protocol(&rec.protocols, "reacher");
        assert_eq!(p.triggered_min, reached, "replication {r}: reacher");
        fired[1] += usize::from(reached.is_some());

        // Removals of the memo: the n-th, once on two platforms.
        let mut platforms = BTreeSet::new();
        let mut count = 0;
        let mut want = None;
        for e in ev
            .iter()
            .filter(|e| e.kind == EventKind::Removed && e.content.as_deref() == Some("memo"))
        {
            count += 1;
            platforms.insert(e.platform.clone());
            if count >= 6 && platforms.len() >= 2 {
                want = Some(e.time);
                break;
            }
        }
        let p = protocol(&rec.protocols, "memo-removals");
        assert_eq!(p.triggered_min, want, "replication {r}: memo-removals");
        fired[2] += usize::from(want.is_some());
    }
    // Each trigger fires in some replications and not in others.
    assert!(fired.iter().all(|&n| n > 5 && n < 60), "{fired:?}");
    assert!(
        redetected > 20,
        "copies detected more than once: {redetected}"
    );
}

// ---------------------------------------------------------------------------
// Hash sharing: the smallest delay among the active protocols with both members
// ---------------------------------------------------------------------------

/// Four hash-sharing members; every protocol active from 0m. `a` removes its copies at
/// once; so does `b` (each has its own origin). A submission by `a` reaches `b` after
/// min(40, 20) = 20 min (`slow` and `mid` have both), `c` after 10 (`fast`), `d` after
/// the normal 6 h (no protocol has `d`); one by `b` reaches `a` after 20, and `c` and `d`
/// after 6 h.
const HASHES: &str = r#"
name: hashes
horizon: 8h
sample_every: 1h
seed: 20102
hash_sharing: {delay: 6h}
platforms:
  - {id: a, hash_sharing_member: true, views_per_hour: 10, attention_half_life: 1h,
     detection: {proactive_per_hour: 600}, review: {reviewers: unlimited, time: 0s}}
  - {id: b, hash_sharing_member: true, views_per_hour: 10, attention_half_life: 1h,
     detection: {proactive_per_hour: 600}, review: {reviewers: unlimited, time: 0s}}
  - {id: c, hash_sharing_member: true, views_per_hour: 10, attention_half_life: 1h,
     review: {reviewers: unlimited, time: 0s}}
  - {id: d, hash_sharing_member: true, views_per_hour: 10, attention_half_life: 1h,
     review: {reviewers: unlimited, time: 0s}}
content:
  - {id: one, origin: {platform: a, at: 0m}}
  - {id: two, origin: {platform: b, at: 0m}}
protocols:
  slow: {members: [a, b], activation: {or_at: 0m}, hash_sharing_delay: 40m}
  mid: {members: [a, b], activation: {or_at: 0m}, hash_sharing_delay: 20m}
  fast: {members: [a, c], activation: {or_at: 0m}, hash_sharing_delay: 10m}
  longer: {members: [a, d], activation: {or_at: 0m}, hash_sharing_delay: 7h}
variants:
  - {name: all, protocol: [slow, mid, fast, longer]}
"#;

#[test]
fn a_submission_reaches_each_member_after_the_smallest_delay_of_the_protocols_it_shares() {
    let s = common::scenario(HASHES);
    for r in 0..10 {
        let (_, rec) = common::run_one(&s, 0, r, true);
        let listed = |platform: &str, content: &str| -> f64 {
            on(&rec.events, platform)
                .find(|e| {
                    e.kind == EventKind::HashListed && e.detail.starts_with(&format!("{content} "))
                })
                .unwrap_or_else(|| panic!("{content} listed on {platform}"))
                .time
        };
        let (one, two) = (listed("a", "one"), listed("b", "two"));
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
        assert!(close(listed("b", "one"), one + 20.0), "replication {r}");
        assert!(close(listed("c", "one"), one + 10.0));
        assert!(
            close(listed("d", "one"), one + 360.0),
            "a longer delay is never used"
        );
        assert!(close(listed("a", "two"), two + 20.0));
        assert!(close(listed("c", "two"), two + 360.0));
        assert!(close(listed("d", "two"), two + 360.0));
    }
}

// ---------------------------------------------------------------------------
// The crisis posture, once
// ---------------------------------------------------------------------------

/// One copy that nothing removes, on `a` (60 views/h, half-life 1 h). `first` notifies
/// `a` at 10m and stands down at 60m (quiet for an hour from the last publication, at
/// 0m); `second` notifies it at 30m and stands down at 180m. The posture (views ×0.5,
/// reviewers 2 → 5 at once) applies once, at 10m, and ends at 180m.
const POSTURE: &str = r#"
name: posture
horizon: 6h
sample_every: 30m
seed: 20103
platforms:
  - id: a
    views_per_hour: 60
    attention_half_life: 1h
    detection: {proactive_per_hour: 0, flags_per_1k_views: 0}
    review: {reviewers: 2, time: 5m}
    crisis_posture: {reviewers: 5, ramp: 0m, views_factor: 0.5}
content:
  - {id: clip, origin: {platform: a, at: 0m}}
protocols:
  first: {members: [a], activation: {or_at: 0m}, notify_time: 10m, deactivation: {quiet_for: 1h}}
  second: {members: [a], activation: {or_at: 0m}, notify_time: 30m, deactivation: {quiet_for: 3h}}
variants:
  - {name: both, protocol: [first, second]}
"#;

#[test]
fn the_posture_applies_once_and_ends_when_no_protocol_that_notified_is_active() {
    let s = common::scenario(POSTURE);
    let (o, rec) = common::run_one(&s, 0, 0, true);
    let notified: Vec<(f64, &str)> = on(&rec.events, "a")
        .filter(|e| e.kind == EventKind::PlatformNotified)
        .map(|e| (e.time, e.detail.as_str()))
        .collect();
    assert_eq!(
        notified,
        [
            (
                10.0,
                "notified under protocol first: crisis posture applies"
            ),
            (
                30.0,
                "notified under protocol second: crisis posture already applies"
            ),
        ]
    );
    let capacity: Vec<(f64, &str)> = on(&rec.events, "a")
        .filter(|e| e.kind == EventKind::Capacity)
        .map(|e| (e.time, e.detail.as_str()))
        .collect();
    assert_eq!(
        capacity,
        [(10.0, "reviewers now 5"), (180.0, "reviewers now 2")]
    );
    let deactivated: Vec<Option<f64>> = rec.protocols.iter().map(|p| p.deactivated_min).collect();
    assert_eq!(deactivated, [Some(60.0), Some(180.0)]);
    // Views: 1/min halving every 60 min, at half rate from 10 to 180 min.
    let seg = |from: f64, to: f64| {
        60.0 / LN_2 * ((-from / 60.0 * LN_2).exp() - (-to / 60.0 * LN_2).exp())
    };
    let want = seg(0.0, 10.0) + 0.5 * seg(10.0, 180.0) + seg(180.0, 360.0);
    assert!((o.exposure - want).abs() < 1e-3, "{} vs {want}", o.exposure);
}

// ---------------------------------------------------------------------------
// URL sharing, per protocol
// ---------------------------------------------------------------------------

/// A copy on `a` (never detected) spreads to `b` and `c` for 2 hours, then a removal
/// order takes it down at its 2 h deadline. `p` (members a, b; URL sharing after 10m)
/// and `q` (a, b; after 20m) are active from 0m; `c` is in neither. `b` has no reviewers,
/// so referred copies wait.
const URLS: &str = r#"
name: urls
horizon: 6h
sample_every: 1h
seed: 20104
platforms:
  - {id: a, jurisdiction: eu, views_per_hour: 60, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0}, review: {reviewers: 0, time: 5m}}
  - {id: b, views_per_hour: 60, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0}, review: {reviewers: 0, time: 5m}}
  - {id: c, views_per_hour: 60, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0}, review: {reviewers: 0, time: 5m}}
links:
  - {from: a, to: b, per_hour: 6}
  - {from: a, to: c, per_hour: 6}
content:
  - {id: clip, origin: {platform: a, at: 0m}, mutation: 0}
authorities:
  - {id: police, monitors: [a], finds_per_hour: 600000, analysts: unlimited, referral_time: 0s,
     issues: removal_order, removal_order: {deadline: 2h, compliance: 1}}
protocols:
  p: {members: [a, b], activation: {or_at: 0m}, url_sharing: 10m}
  q: {members: [a, b], activation: {or_at: 0m}, url_sharing: 20m}
variants:
  - {name: both, protocol: [p, q]}
"#;

/// Every live child on `b` of the removed copy is referred once by each protocol (10
/// and 20 minutes after the removal) and joins the queue once (the second referral of a
/// copy waiting in class 2 changes nothing); children on `c`, outside both, are not.
#[test]
fn url_sharing_refers_each_relative_once_per_protocol() {
    let s = common::scenario(URLS);
    let mut children = 0;
    for r in 0..10 {
        let (_, rec) = common::run_one(&s, 0, r, true);
        let removed = rec
            .events
            .iter()
            .find(|e| e.kind == EventKind::Removed && e.copy == Some(1))
            .expect("the origin is removed")
            .time;
        // Children published on b before the removal.
        let on_b: BTreeSet<u64> = on(&rec.events, "b")
            .filter(|e| e.kind == EventKind::Published && e.time < removed)
            .map(|e| e.copy.unwrap())
            .collect();
        children += on_b.len();
        let mut shared: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        let mut joined: BTreeMap<u64, u32> = BTreeMap::new();
        for e in &rec.events {
            match e.kind {
                EventKind::UrlShared => {
                    assert_eq!(e.platform.as_deref(), Some("b"), "{e:?}");
                    shared
                        .entry(e.copy.unwrap())
                        .or_default()
                        .push(e.time - removed);
                }
                EventKind::Queued if e.platform.as_deref() == Some("b") => {
                    assert_eq!(e.detail, "joined the review queue (referral)");
                    *joined.entry(e.copy.unwrap()).or_default() += 1;
                }
                _ => {}
            }
        }
        assert_eq!(
            shared.keys().copied().collect::<BTreeSet<_>>(),
            on_b,
            "replication {r}"
        );
        for delays in shared.values() {
            assert_eq!(delays.len(), 2);
            assert!((delays[0] - 10.0).abs() < 1e-9 && (delays[1] - 20.0).abs() < 1e-9);
        }
        assert!(joined.values().all(|&n| n == 1));
        assert_eq!(joined.len(), on_b.len());
    }
    assert!(children > 50, "children on b: {children}");
}

// ---------------------------------------------------------------------------
// Authority boost: the largest among the active protocols that reach it
// ---------------------------------------------------------------------------

/// Eleven copies on `b` at 0m, found at once by an authority with one analyst and a
/// fixed hour per referral, which monitors `b` only. `small` (boost 2, members [a])
/// is active from 0m; `big` (boost 3, members [a, b]) from 30m, in `both` only.
const BOOST: &str = r#"
name: boost
horizon: 12h
sample_every: 1h
seed: 20105
platforms:
  - {id: a, views_per_hour: 10, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0}, review: {reviewers: 0, time: 5m}}
  - {id: b, views_per_hour: 10, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0}, review: {reviewers: 0, time: 5m}}
content:
  - {id: clip, origin: {platform: b, at: 0m}, mutation: 0}
injects:
  - {at: 0m, kind: upload, content: clip, platform: b, count: 10}
authorities:
  - {id: iru, monitors: [b], finds_per_hour: 600000, analysts: 1, referral_time: 60m}
protocols:
  small: {members: [a], activation: {or_at: 0m}, authority_boost: 2}
  big: {members: [a, b], activation: {or_at: 30m}, authority_boost: 3}
variants:
  - {name: small-only, protocol: [small]}
  - {name: both, protocol: [small, big]}
"#;

/// With `small` alone the authority is not reinforced (it monitors no member of it):
/// one referral an hour. With `big` too, from 30m it has 3 analysts (the largest boost
/// among the protocols that reach it), so two more referrals start at 30m.
#[test]
fn the_boost_is_the_largest_among_active_protocols_that_reach_the_authority() {
    let s = common::scenario(BOOST);
    let times = |v: usize| -> Vec<f64> {
        let (_, rec) = common::run_one(&s, v, 0, true);
        let mut t: Vec<f64> = rec
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Referral)
            .map(|e| (e.time * 1000.0).round() / 1000.0)
            .collect();
        t.truncate(5);
        t
    };
    // Finds are all but instant (600000/h): each referral is an hour after its start.
    let near = |got: Vec<f64>, want: [f64; 5]| {
        assert!(
            got.iter().zip(want).all(|(g, w)| (g - w).abs() < 0.01),
            "{got:?} vs {want:?}"
        );
    };
    near(times(0), [60.0, 120.0, 180.0, 240.0, 300.0]);
    near(times(1), [60.0, 90.0, 90.0, 120.0, 150.0]);
}
