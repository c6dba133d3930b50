//! Spec section 20: the properties the engine must reproduce for part II of the format
//! (several protocols, the live phase, link posts, `on_match: review`, `acceptance`),
//! each an exact check or a statistical one with an interval justified beside it.

use std::f64::consts::LN_2;
use std::path::Path;

use ttx::sink::{EventKind, Recorder, Trigger};

use crate::common::{self, Z999, ci_mean, ci_ratio, snapshot, ttx};

// ---------------------------------------------------------------------------
// A protocol the variant does not list changes nothing
// ---------------------------------------------------------------------------

/// The tutorial, as shipped, and with protocols no variant lists whose triggers would
/// all fire at once (at 0m, at the first detection, at the first publication, after the
/// listed protocol), with every effect at its strongest; one of them chained after a
/// protocol that is itself never listed.
fn with_unlisted_protocols() -> (serde_yaml::Value, serde_yaml::Value) {
    use serde_yaml::Value;
    let text = std::fs::read_to_string(common::shipped("tutorial.yaml")).unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    let ids: Vec<Value> = doc["platforms"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    let listed: Vec<&str> = doc["protocols"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(listed, ["ecp"], "the tutorial's one protocol");
    let strong = |activation: &str| -> Value {
        let mut p: Value = serde_yaml::from_str(&format!(
            "{{activation: {activation}, notify_time: 0m, hash_sharing_delay: 1m, \
             url_sharing: 1m, authority_boost: 10}}"
        ))
        .unwrap();
        p["members"] = Value::Sequence(ids.clone());
        p
    };
    let mut with = doc.clone();
    let protocols = with["protocols"].as_mapping_mut().unwrap();
    protocols.insert("ghost".into(), strong("{or_at: 0m}"));
    protocols.insert("spotter".into(), strong("{detections: 1}"));
    protocols.insert("reacher".into(), strong("{platforms_reached: 1}"));
    protocols.insert("chained".into(), strong("{after: ecp}"));
    protocols.insert("orphan".into(), strong("{after: ghost}"));
    (doc, with)
}

/// Write a scenario document into `dir` as `name`.
fn write(dir: &Path, name: &str, doc: &serde_yaml::Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_yaml::to_string(doc).unwrap()).unwrap();
    path
}

fn run_dir(
    scenario: &Path,
    out: &Path,
    args: &[&str],
) -> std::collections::BTreeMap<String, Vec<u8>> {
    ttx()
        .arg("run")
        .arg(scenario)
        .arg("--quiet")
        .arg("--out")
        .arg(out)
        .args(args)
        .assert()
        .success();
    snapshot(out)
}

/// Exact: every file of the run (event log included) is the same byte for byte, with or
/// without the unlisted protocols.
#[test]
fn a_protocol_the_variant_does_not_list_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (without, with) = with_unlisted_protocols();
    let (a, b) = (
        write(dir.path(), "without.yaml", &without),
        write(dir.path(), "with.yaml", &with),
    );
    let s = ttx::scenario::load(&b).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.base.protocols.len(), 6, "the unlisted protocols load");
    let args = ["--replications", "12", "--events"];
    let x = run_dir(&a, &dir.path().join("a"), &args);
    let y = run_dir(&b, &dir.path().join("b"), &args);
    assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
    assert_eq!(x.len(), 6);
    // run.yaml names the scenario file, which differs; the run files must not.
    for (name, bytes) in x.iter().filter(|(n, _)| n.as_str() != "run.yaml") {
        assert!(bytes == &y[name], "{name} differs with unlisted protocols");
    }
    // And they were not idle by accident: listed, they do act.
    let mut listed = with.clone();
    assert_eq!(listed["variants"][0]["name"].as_str(), Some("baseline"));
    listed["variants"][0]["protocol"] = serde_yaml::from_str("[ghost]").unwrap();
    let c = write(dir.path(), "listed.yaml", &listed);
    let z = run_dir(&c, &dir.path().join("c"), &args);
    assert!(
        z["runs.csv"] != x["runs.csv"],
        "a listed ghost changes the runs"
    );
}

/// Exact: a protocol whose only trigger is `after` a protocol the variant does not list
/// never activates, and the runs are those of the variant without it.
#[test]
fn after_naming_an_unlisted_protocol_never_fires() {
    let (_, mut with) = with_unlisted_protocols();
    with["variants"]
        .as_sequence_mut()
        .unwrap()
        .push(serde_yaml::from_str("{name: orphaned, protocol: [orphan]}").unwrap());
    let s = common::scenario(&serde_yaml::to_string(&with).unwrap());
    let (b, o) = (
        s.variants
            .iter()
            .position(|v| v.name == "baseline")
            .unwrap(),
        s.variants
            .iter()
            .position(|v| v.name == "orphaned")
            .unwrap(),
    );
    for r in 0..8 {
        let (base, base_rec) = common::run_one(&s, b, r, true);
        let (orphan, orphan_rec) = common::run_one(&s, o, r, true);
        assert_eq!(base, orphan, "replication {r}");
        assert_eq!(base_rec.events, orphan_rec.events, "replication {r}");
        assert_eq!(base_rec.samples, orphan_rec.samples);
        let p = &orphan_rec.protocols;
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].triggered_min, p[0].activated_min, p[0].trigger),
            (None, None, None)
        );
        assert!(base_rec.protocols.is_empty());
    }
}

// ---------------------------------------------------------------------------
// `after`: a chain of tiers
// ---------------------------------------------------------------------------

/// `first` triggers on removals (at a random time), `second` is `after: first`, `third`
/// `after: second` with no decision time, and `early` is `after: first` but has an
/// `or_at` that comes first.
const CHAIN: &str = r#"
name: chain
horizon: 12h
sample_every: 1h
seed: 20001
platforms:
  - {id: a, protocol_member: true, views_per_hour: 100, attention_half_life: 1h,
     detection: {proactive_per_hour: 1.0}, review: {reviewers: 2, time: {exp: 10m}}}
  - {id: b, views_per_hour: 100, attention_half_life: 1h,
     detection: {proactive_per_hour: 0.5}, review: {reviewers: 1, time: {exp: 10m}}}
links:
  - {from: a, to: b, per_hour: 0.5}
content:
  - {id: clip, origin: {platform: a, at: 0m}}
campaigns:
  - {content: clip, platforms: [a, b], start: 10m, end: 6h, per_hour: 20, new_variant: 0.5}
protocols:
  first: {activation: {confirmed_removals: 3, platforms: 1, decision_time: 20m}}
  second: {activation: {after: first, decision_time: 45m}}
  third: {activation: {after: second, or_at: 11h}}
  early: {activation: {after: first, or_at: 1m, decision_time: 10m}}
variants:
  - {name: chain, protocol: [first, second, third, early]}
"#;

/// Exact, over 40 replications: the chained protocol triggers at the other's activation
/// and activates `decision_time` (45 min) after it, to the file's precision (both times
/// are rounded to 3 decimals, so their difference to within 0.001); a chain of two
/// carries on; a protocol whose `or_at` came first is not triggered again.
#[test]
fn after_activates_exactly_decision_time_after_the_other() {
    let s = common::scenario(CHAIN);
    let rows = common::run_map(&s, 0, 0..40, false, |_, rec| rec.protocols.clone());
    for (r, p) in rows.iter().enumerate() {
        let ids: Vec<&str> = p.iter().map(|o| &*o.protocol).collect();
        assert_eq!(ids, ["first", "second", "third", "early"]);
        let first = p[0].activated_min.expect("first activates");
        assert_eq!(p[0].trigger, Some(Trigger::ConfirmedRemovals));
        assert_eq!(p[1].trigger, Some(Trigger::After), "replication {r}");
        assert_eq!(p[1].triggered_min, Some(first));
        let second = p[1].activated_min.unwrap();
        assert!(
            (second - first - 45.0).abs() < 1e-9,
            "replication {r}: {second} - {first}"
        );
        assert!(second < 660.0, "the chain comes before third's or_at");
        assert_eq!(p[2].trigger, Some(Trigger::After));
        assert_eq!(
            (p[2].triggered_min, p[2].activated_min),
            (Some(second), Some(second))
        );
        assert_eq!(p[3].trigger, Some(Trigger::OrAt));
        assert_eq!(
            (p[3].triggered_min, p[3].activated_min),
            (Some(1.0), Some(11.0))
        );
    }
}

// ---------------------------------------------------------------------------
// The live phase
// ---------------------------------------------------------------------------

/// A livestream that nothing detects, on a platform with no links: 600 views an hour
/// live for 17 minutes, then a recording at the platform's 30 views an hour, halving
/// every hour. `boosted()` doubles the virality and triples it on the platform for 5
/// minutes of the stream.
const LIVE: &str = r#"
name: live
horizon: 6h
sample_every: 30m
seed: 20002
platforms:
  - {id: stream, views_per_hour: 30, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 5}, review: {reviewers: 1, time: 5m}}
content:
  - {id: attack, kind: livestream, origin: {platform: stream, at: 0m}, virality: 1.0,
     live: {for: 17m, views_per_hour: 600, flags_per_1k_views: 0}}
"#;

fn boosted() -> String {
    format!(
        "{}injects:\n  - {{at: 5m, kind: virality, platform: stream, factor: 3.0, for: 5m}}\n",
        LIVE.replace("virality: 1.0", "virality: 2.0")
    )
}

/// Exact: live views are L × `for` = 10/min × 17 min = 170 (to the file's 3 decimals),
/// with virality 2 and an inject ×3 for 5 minutes 10 × 2 × (17 + 2 × 5) = 540; no stream
/// is cut; after the stream the recording draws the platform's views with its age
/// counted from the stream's end (flags from the recording's views are possible, so only
/// the views of runs where nothing was removed are checked against the closed form).
#[test]
fn a_livestream_with_no_detection_draws_l_times_for_live_views() {
    for (yaml, want_live, virality) in [(LIVE.to_string(), 170.0, 1.0), (boosted(), 540.0, 2.0)] {
        let s = common::scenario(&yaml);
        let rows = common::run_map(&s, 0, 0..30, false, |o, _| o.clone());
        let mut whole = 0;
        for o in &rows {
            assert!((o.live_views - want_live).abs() < 1e-6, "{o:?}");
            assert_eq!(o.stream_cut_min, None);
            if o.removed == 0 {
                whole += 1;
                // The recording: 0.5/min × virality, halving every 60 min, for 343 min.
                let h = 60.0;
                let recording =
                    0.5 * virality * h / LN_2 * (1.0 - (-(360.0 - 17.0) / h * LN_2).exp());
                assert!(
                    (o.exposure - want_live - recording).abs() < 1e-3,
                    "exposure {} vs {} + {recording}",
                    o.exposure,
                    want_live
                );
            }
        }
        assert!(whole > 0);
    }
}

/// Exact: a stream cut by its removal draws L × (time of the cut) live views, and says
/// when it was cut. Detection at 6/h with an instant review cuts most streams.
#[test]
fn a_removal_in_the_live_phase_cuts_the_stream() {
    let yaml = LIVE
        .replace("proactive_per_hour: 0,", "proactive_per_hour: 6,")
        .replace("time: 5m}", "time: 0s}");
    let s = common::scenario(&yaml);
    let rows = common::run_map(&s, 0, 0..60, true, |o, rec| (o.clone(), rec.events.clone()));
    let mut cut = 0;
    for (o, events) in &rows {
        match o.stream_cut_min {
            Some(t) => {
                cut += 1;
                assert!(t < 17.0);
                assert!((o.live_views - 10.0 * t).abs() < 0.01, "{o:?}");
                assert!(events.iter().any(|e| e.kind == EventKind::Removed
                    && e.detail.ends_with("(the live stream was cut)")));
                assert!(!events.iter().any(|e| e.kind == EventKind::StreamEnded));
            }
            None => {
                assert!((o.live_views - 170.0).abs() < 1e-6);
                assert!(
                    events
                        .iter()
                        .any(|e| e.kind == EventKind::StreamEnded && e.time == 17.0)
                );
            }
        }
    }
    // P(cut) = 1 - e^(-6 × 17/60) = 0.82: 60 runs cut between 35 and 60 but for 1e-6.
    assert!(cut > 35, "{cut} of 60 streams cut");
}

// ---------------------------------------------------------------------------
// Link posts: the click-view integral
// ---------------------------------------------------------------------------

/// One copy on `host` that is never removed (nothing detects it; no authority); one post
/// link of rate β = 3/h to `social` (v = 600 views/h, half-life h = 1 h), click-through
/// c = 0.05; the copy's half-life h₀ = 2 h; nothing detects posts. Horizon T = 6 h.
const POSTS: &str = r#"
name: posts
horizon: 6h
sample_every: 1h
seed: 20003
platforms:
  - {id: host, views_per_hour: 30, attention_half_life: 2h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0}, review: {reviewers: 1, time: 5m}}
  - {id: social, views_per_hour: 600, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0}, review: {reviewers: 1, time: 5m}}
links:
  - {from: host, to: social, per_hour: 3, kind: post, click_through: 0.05}
content:
  - {id: clip, origin: {platform: host, at: 0m}, mutation: 0}
"#;

/// c·v·β·∫₀ᵀ 2^(−s/h₀)·H(T−s) ds with H(u) = h/ln2 · (1 − 2^(−u/h)), in minutes, by
/// Simpson's rule on 20 000 intervals (the integrand is smooth: the error is far below
/// 1e-9 of the value).
fn click_integral(c: f64, v: f64, beta: f64, h0: f64, h: f64, t: f64) -> f64 {
    let hh = |u: f64| h / LN_2 * (1.0 - (-u / h * LN_2).exp());
    let f = |s: f64| (-s / h0 * LN_2).exp() * hh(t - s);
    let n = 20_000;
    let dx = t / n as f64;
    let mut sum = f(0.0) + f(t);
    for i in 1..n {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(i as f64 * dx);
    }
    c * v * beta * sum * dx / 3.0
}

/// Statistical, n = 4000 runs. The expected click views are 286.8; per run they are c·v
/// times a sum of H(T − s) over a Poisson number (mean 7.57) of posts, sd ≈ 115, so
/// se ≈ 1.8 and the 99.9% half-width (z = 3.291, `common::Z999`) about 6, 2% of the
/// mean: a post rate, view rate or half-life off by 5% falls outside it. Exact checks on
/// every run: with the copy live throughout, the click views are c × the post views, and
/// the host's views are the copy's own closed-form views plus the click views.
#[test]
fn click_views_are_the_integral_of_post_views_times_click_through() {
    let s = common::scenario(POSTS);
    let (c, v, beta, h0, h, t) = (0.05, 10.0, 0.05, 120.0, 60.0, 360.0);
    let want = click_integral(c, v, beta, h0, h, t);
    // The closed form, as a check on the quadrature.
    let k = 1.0 / h0 - 1.0 / h;
    let closed = c * v * beta * h / LN_2
        * (h0 / LN_2 * (1.0 - (-t / h0 * LN_2).exp())
            - (-t / h * LN_2).exp() * (1.0 - (-t * k * LN_2).exp()) / (k * LN_2));
    assert!((want - closed).abs() < 1e-6 * want, "{want} vs {closed}");
    let own = 0.5 * h0 / LN_2 * (1.0 - (-t / h0 * LN_2).exp());
    let rows = common::run_map(&s, 0, 0..4000, false, |o, rec| {
        assert_eq!((o.removed, o.posts_removed), (0, 0));
        assert!(
            (o.click_views - c * o.post_views).abs() < 2e-3,
            "clicks are c × post views: {o:?}"
        );
        let host = &rec.platforms[0];
        assert!(
            (host.views - own - host.click_views).abs() < 2e-3,
            "{host:?}"
        );
        assert_eq!(host.click_views, o.click_views);
        assert_eq!(
            (rec.platforms[1].posts, rec.platforms[1].click_views),
            (o.posts, 0.0)
        );
        assert!((o.exposure - host.views - rec.platforms[1].views).abs() < 2e-3);
        assert_eq!(rec.platforms[1].views, 0.0, "post views are not copy views");
        assert_eq!((o.published, o.attempts), (1, 1), "posts are not copies");
        o.click_views
    });
    ci_mean(&rows, Z999).assert_contains("mean click views up to T", want);
}

/// Exact: once the linked copy is removed its posts are dead links: they keep their
/// post views but send nothing. With the copy removed at a fixed 3 h (an order's
/// deadline), the click views equal c × the post views accrued before 3 h.
#[test]
fn a_post_whose_copy_is_removed_sends_nothing() {
    let yaml = POSTS.replace(
        "content:",
        "authorities:\n  - {id: police, monitors: [host], finds_per_hour: 600000, analysts: unlimited, referral_time: 0s, issues: removal_order, removal_order: {deadline: 3h, compliance: 1}}\ncontent:",
    )
    .replace("{id: host,", "{id: host, jurisdiction: eu,")
    .replace("review: {reviewers: 1, time: 5m}}\n  - {id: social", "review: {reviewers: 0, time: 5m}}\n  - {id: social");
    let s = common::scenario(&yaml);
    let rows = common::run_map(&s, 0, 0..200, true, |o, rec| {
        assert_eq!(o.removed, 1);
        let removed_at = rec
            .events
            .iter()
            .find(|e| e.kind == EventKind::Removed)
            .map(|e| e.time)
            .unwrap();
        assert!((removed_at - 180.0).abs() < 0.01, "{removed_at}");
        // Post views up to the removal, from each post's publication time.
        let (h, v) = (60.0, 10.0);
        let before: f64 = rec
            .events
            .iter()
            .filter(|e| e.kind == EventKind::PostPublished)
            .map(|e| v * h / LN_2 * (1.0 - (-(removed_at - e.time) / h * LN_2).exp()))
            .sum();
        assert!(
            (o.click_views - 0.05 * before).abs() < 2e-3,
            "{} vs {}",
            o.click_views,
            0.05 * before
        );
        assert!(o.post_views >= before - 1e-6);
        o.posts as f64
    });
    assert!(rows.iter().sum::<f64>() > 500.0, "enough posts to see");
}

// ---------------------------------------------------------------------------
// on_match: review
// ---------------------------------------------------------------------------

/// `source` removes the origin at once and lists its variant; the shared database
/// brings it to `site` 30 minutes later. `site` sends matches to review (recall 0.6),
/// reviews never remove (accuracy 0), and nothing else detects; a campaign uploads the
/// one variant to `site` at 120/h for 6 hours.
const ON_MATCH: &str = r#"
name: on-match
horizon: 6h
sample_every: 1h
seed: 20004
hash_sharing: {delay: 30m}
platforms:
  - {id: source, hash_sharing_member: true, views_per_hour: 10, attention_half_life: 1h,
     detection: {proactive_per_hour: 60000}, review: {reviewers: unlimited, time: 0s, accuracy: 1}}
  - {id: site, hash_sharing_member: true, hash_recall: 0.6, on_match: review,
     views_per_hour: 100, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0},
     review: {reviewers: 3, time: {exp: 2m}, accuracy: 0}}
content:
  - {id: clip, origin: {platform: source, at: 0m}, mutation: 0}
campaigns:
  - {content: clip, platforms: [site], start: 1m, end: 6h, per_hour: 120, new_variant: 0}
"#;

/// Exact on every run: nothing is blocked; every copy published from a matched attempt
/// joins the queue once, when it is published, and no other copy joins it (nothing else
/// detects). Statistical: the matched share of the attempts after the listing is
/// `hash_recall`. n = 200 runs pool ≈ 200 × 660 = 132 000 Bernoulli(0.6) draws: se =
/// √(0.24/132000) = 0.0013, a 99.9% half-width of 0.0044.
#[test]
fn on_match_review_with_accuracy_zero_blocks_nothing_and_queues_every_match_once() {
    let s = common::scenario(ON_MATCH);
    let rows = common::run_map(&s, 0, 0..200, true, |o, rec| {
        assert_eq!(o.blocked, 0, "nothing is blocked");
        let site = rec
            .platforms
            .iter()
            .find(|p| &*p.platform == "site")
            .unwrap();
        assert_eq!(site.blocked, 0);
        assert_eq!(site.removed(), 0, "reviews never remove");
        let on_site = |e: &&ttx::sink::EventRecord| e.platform.as_deref() == Some("site");
        let listed = rec
            .events
            .iter()
            .filter(on_site)
            .find(|e| e.kind == EventKind::HashListed)
            .map(|e| e.time)
            .expect("the shared listing reaches site");
        let mut published_at = std::collections::HashMap::new();
        let (mut after, mut matched) = (0.0, 0.0);
        let mut joins = std::collections::HashMap::<u64, u32>::new();
        for e in rec.events.iter().filter(on_site) {
            match e.kind {
                EventKind::Published => {
                    published_at.insert(e.copy.unwrap(), e.time);
                    if e.time >= listed {
                        after += 1.0;
                    }
                }
                EventKind::Detected => {
                    assert_eq!(e.detail, "the upload matched the hash list: sent to review");
                    assert_eq!(published_at.get(&e.copy.unwrap()), Some(&e.time));
                    assert!(e.time >= listed);
                    matched += 1.0;
                }
                EventKind::Queued => {
                    assert!(
                        e.detail
                            .starts_with("joined the review queue (own detection)")
                    );
                    assert_eq!(published_at.get(&e.copy.unwrap()), Some(&e.time));
                    *joins.entry(e.copy.unwrap()).or_default() += 1;
                }
                _ => {}
            }
        }
        assert!(joins.values().all(|&n| n == 1), "each match queued once");
        assert_eq!(joins.len() as f64, matched, "only matches are queued");
        (matched, after)
    });
    let (m, a): (Vec<f64>, Vec<f64>) = rows.into_iter().unzip();
    ci_ratio(&m, &a, Z999).assert_contains("matched share after the listing", 0.6);
}

// ---------------------------------------------------------------------------
// acceptance
// ---------------------------------------------------------------------------

/// A referral-only authority (acceptance 0.3, or 0.8 in `keen`) on a platform whose own
/// reviews would always remove (accuracy 1) but which detects nothing itself; nothing
/// else removes copies (no screening, no sweeps).
const ACCEPTANCE: &str = r#"
name: acceptance
horizon: 6h
sample_every: 1h
seed: 20005
platforms:
  - {id: site, views_per_hour: 100, attention_half_life: 1h,
     detection: {proactive_per_hour: 0, flags_per_1k_views: 0},
     review: {reviewers: unlimited, time: 2m, accuracy: 1}}
content:
  - {id: clip, origin: {platform: site, at: 0m}, mutation: 0}
campaigns:
  - {content: clip, platforms: [site], start: 1m, end: 6h, per_hour: 60, new_variant: 0}
authorities:
  - {id: iru, monitors: [site], finds_per_hour: 2, analysts: unlimited, referral_time: {exp: 5m},
     issues: referral, acceptance: 0.3}
variants:
  - {name: reluctant}
  - {name: keen, set: {authorities.iru.acceptance: 0.8}}
"#;

/// Statistical: the removed share of the reviewed referred copies is `acceptance`, not
/// the platform's accuracy of 1. Every review here is of one authority referral (the
/// platform detects nothing, each copy is found once), so the share is removed_review /
/// reviews. n = 100 runs pool ≈ 100 × 300 = 30 000 Bernoulli(a) draws: se = 0.0026 at a
/// = 0.3 and 0.0023 at 0.8, 99.9% half-widths under 0.009.
#[test]
fn acceptance_removes_that_share_of_reviewed_referrals() {
    let s = common::scenario(ACCEPTANCE);
    for (v, a) in [(0, 0.3), (1, 0.8)] {
        let rows = common::run_map(&s, v, 0..100, true, |o, rec: &Recorder| {
            let site = &rec.platforms[0];
            let referrals = rec
                .events
                .iter()
                .filter(|e| e.kind == EventKind::Referral)
                .count();
            assert!(
                site.reviews as usize <= referrals,
                "only referrals are reviewed"
            );
            assert_eq!(site.removed(), o.removed);
            (site.removed_review as f64, site.reviews as f64)
        });
        let (removed, reviews): (Vec<f64>, Vec<f64>) = rows.into_iter().unzip();
        ci_ratio(&removed, &reviews, Z999)
            .assert_contains(&format!("removed share of referrals, acceptance {a}"), a);
    }
}
