//! Accounting identities on every row of the output files of the shipped scenarios (spec
//! section 14: attempts = blocked + published; published = removed + live at end), and
//! consistency between the files: platforms add up to runs, the time series ends where
//! the platform totals are, exposure is the sum of views.

use std::collections::BTreeMap;
use std::path::Path;

use ttx::scenario::{Jurisdiction, Scenario};

use crate::common::{Table, shipped, ttx};

/// Replications per variant: enough rows to catch a rare accounting slip, fast in release.
const REPLICATIONS: u32 = 20;

/// Tolerance for comparing a sum of `n` values printed with 3 decimals to a total printed
/// with 3 decimals: half a unit in the last place for each, plus float rounding.
fn tol(n: usize, x: f64) -> f64 {
    0.0005 * (n as f64 + 1.0) + 1e-9 * x.abs()
}

struct Outputs {
    scenario: Scenario,
    runs: Table,
    platforms: Table,
    timeseries: Table,
}

/// The test fixture of that name (part2.yaml, livestream-1in100.yaml) if there is one,
/// else the shipped scenario.
fn scenario_path(name: &str) -> std::path::PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenarios")
        .join(name);
    if fixture.is_file() {
        fixture
    } else {
        shipped(name)
    }
}

fn run_all_variants(name: &str, dir: &Path) -> Outputs {
    let path = scenario_path(name);
    let scenario = ttx::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("out");
    ttx()
        .arg("run")
        .arg(&path)
        .args(["--replications", &REPLICATIONS.to_string(), "--quiet"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let runs = Table::read(&out.join("runs.csv"));
    let platforms = Table::read(&out.join("platforms.csv"));
    let timeseries = Table::read(&out.join("timeseries.csv"));
    let n_runs = scenario.variants.len() * REPLICATIONS as usize;
    assert_eq!(runs.rows.len(), n_runs);
    assert_eq!(platforms.rows.len(), n_runs * scenario.base.platforms.len());
    Outputs {
        scenario,
        runs,
        platforms,
        timeseries,
    }
}

/// (variant, replication) of row `i`.
fn key(t: &Table, i: usize) -> (String, u64) {
    (t.text(i, "variant").to_string(), t.int(i, "replication"))
}

fn check_conservation(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let o = run_all_variants(name, dir.path());
    let (runs, platforms, ts) = (&o.runs, &o.platforms, &o.timeseries);
    let horizon = o.scenario.experiment.horizon;
    let variant_index: BTreeMap<&str, usize> = o
        .scenario
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| (v.name.as_str(), i))
        .collect();

    // ---- runs.csv, row by row ----
    let mut run_row: BTreeMap<(String, u64), usize> = BTreeMap::new();
    for i in 0..runs.rows.len() {
        let at = format!("{name} runs.csv row {} {:?}", i + 2, runs.rows[i]);
        let attempts = runs.int(i, "attempts");
        let blocked = runs.int(i, "blocked");
        let published = runs.int(i, "published");
        let removed = runs.int(i, "removed");
        let live = runs.int(i, "live_at_end");
        assert_eq!(
            attempts,
            blocked + published,
            "{at}: attempts = blocked + published"
        );
        assert_eq!(
            published,
            removed + live,
            "{at}: published = removed + live_at_end"
        );
        assert!(
            runs.int(i, "peak_live") >= live,
            "{at}: peak_live < live_at_end"
        );
        assert!(published >= 1, "{at}: the origin is always published");

        let exposure = runs.num(i, "exposure");
        let exposure_eu = runs.num(i, "exposure_eu");
        assert!(
            exposure >= 0.0 && exposure_eu >= 0.0,
            "{at}: negative exposure"
        );
        assert!(
            exposure_eu <= exposure + tol(1, exposure),
            "{at}: exposure_eu > exposure"
        );
        assert!(
            runs.int(i, "variants_hashed") <= runs.int(i, "variants"),
            "{at}: more variants hashed than made"
        );
        assert!(runs.int(i, "events") > 0, "{at}: no events");

        // contained_min: empty iff copies are still live at the end (or none was ever
        // published); otherwise a time within the run.
        let contained = runs.opt(i, "contained_min");
        if live > 0 || published == 0 {
            assert_eq!(
                contained, None,
                "{at}: contained_min with copies live at the end"
            );
        } else {
            let c = contained
                .unwrap_or_else(|| panic!("{at}: no copy live at the end, but no contained_min"));
            assert!((0.0..=horizon).contains(&c), "{at}: contained_min {c}");
        }
        for col in ["first_detection_min", "activation_min"] {
            if let Some(t) = runs.opt(i, col) {
                assert!((0.0..=horizon).contains(&t), "{at}: {col} = {t}");
            }
        }
        let v = variant_index[runs.text(i, "variant")];
        if o.scenario.variants[v].protocols.is_empty() {
            assert_eq!(
                runs.opt(i, "activation_min"),
                None,
                "{at}: protocol `none` never activates"
            );
        }
        assert!(
            run_row.insert(key(runs, i), i).is_none(),
            "{at}: run listed twice"
        );
    }

    // ---- platforms.csv, row by row, and summed per run ----
    #[derive(Default)]
    struct Sum {
        attempts: u64,
        blocked: u64,
        published: u64,
        removed: u64,
        live: u64,
        views: f64,
        views_eu: f64,
        posts: u64,
        posts_removed: u64,
        post_views: f64,
        click_views: f64,
        first_detection: Option<f64>,
        n: usize,
    }
    let mut sums: BTreeMap<(String, u64), Sum> = BTreeMap::new();
    // (variant, replication, platform) -> row, for the time series.
    let mut platform_row: BTreeMap<(String, u64, String), usize> = BTreeMap::new();
    for i in 0..platforms.rows.len() {
        let at = format!("{name} platforms.csv row {} {:?}", i + 2, platforms.rows[i]);
        let attempts = platforms.int(i, "attempts");
        let blocked = platforms.int(i, "blocked");
        let published = platforms.int(i, "published");
        let removed = platforms.int(i, "removed_review")
            + platforms.int(i, "removed_order")
            + platforms.int(i, "removed_sweep");
        let live = platforms.int(i, "live_at_end");
        assert_eq!(
            attempts,
            blocked + published,
            "{at}: attempts = blocked + published"
        );
        assert_eq!(
            published,
            removed + live,
            "{at}: published = removed_review + removed_order + removed_sweep + live_at_end"
        );
        let views = platforms.num(i, "views");
        assert!(views >= 0.0, "{at}: negative views");
        if let Some(w) = platforms.opt(i, "mean_wait_min") {
            assert!(w >= 0.0, "{at}: negative mean wait");
        }
        if let Some(u) = platforms.opt(i, "reviewer_utilization") {
            assert!((0.0..=1.0).contains(&u), "{at}: utilization {u}");
        }
        // Part II: posts are not copies; the click views are in the platform's views.
        let (posts, posts_removed) = (platforms.int(i, "posts"), platforms.int(i, "posts_removed"));
        assert!(posts_removed <= posts, "{at}: more posts removed than made");
        let (post_views, click_views) = (
            platforms.num(i, "post_views"),
            platforms.num(i, "click_views"),
        );
        assert!(
            post_views >= 0.0 && click_views >= 0.0,
            "{at}: negative post views"
        );
        assert!(
            click_views <= views + tol(1, views),
            "{at}: click views beyond views"
        );
        let first = platforms.opt(i, "first_detection_min");

        let k = key(platforms, i);
        let v = variant_index[k.0.as_str()];
        let platform = platforms.text(i, "platform").to_string();
        let model = &o.scenario.variants[v].model;
        let p = model
            .platforms
            .iter()
            .find(|p| p.id == platform)
            .unwrap_or_else(|| panic!("{at}: unknown platform"));
        let s = sums.entry(k.clone()).or_default();
        s.attempts += attempts;
        s.blocked += blocked;
        s.published += published;
        s.removed += removed;
        s.live += live;
        s.views += views;
        if p.jurisdiction == Jurisdiction::Eu {
            s.views_eu += views;
        }
        s.posts += posts;
        s.posts_removed += posts_removed;
        s.post_views += post_views;
        s.click_views += click_views;
        s.first_detection = match (s.first_detection, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        s.n += 1;
        assert!(
            platform_row.insert((k.0, k.1, platform), i).is_none(),
            "{at}: platform listed twice for its run"
        );
    }
    assert_eq!(
        sums.len(),
        runs.rows.len(),
        "{name}: runs without platform rows"
    );
    for (k, s) in &sums {
        let i = *run_row
            .get(k)
            .unwrap_or_else(|| panic!("{name}: platforms.csv has run {k:?}, runs.csv not"));
        let at = format!("{name} run {k:?}: sum over platforms.csv vs runs.csv");
        assert_eq!(s.n, o.scenario.base.platforms.len(), "{at}: platform rows");
        assert_eq!(s.attempts, runs.int(i, "attempts"), "{at}: attempts");
        assert_eq!(s.blocked, runs.int(i, "blocked"), "{at}: blocked");
        assert_eq!(s.published, runs.int(i, "published"), "{at}: published");
        assert_eq!(s.removed, runs.int(i, "removed"), "{at}: removed");
        assert_eq!(s.live, runs.int(i, "live_at_end"), "{at}: live_at_end");
        let exposure = runs.num(i, "exposure");
        assert!(
            (s.views - exposure).abs() <= tol(s.n, exposure),
            "{at}: exposure {exposure} vs sum of views {}",
            s.views
        );
        let exposure_eu = runs.num(i, "exposure_eu");
        assert!(
            (s.views_eu - exposure_eu).abs() <= tol(s.n, exposure_eu),
            "{at}: exposure_eu {exposure_eu} vs sum of views on eu platforms {}",
            s.views_eu
        );
        assert_eq!(s.posts, runs.int(i, "posts"), "{at}: posts");
        assert_eq!(
            s.posts_removed,
            runs.int(i, "posts_removed"),
            "{at}: posts_removed"
        );
        for (sum, col) in [(s.post_views, "post_views"), (s.click_views, "click_views")] {
            let total = runs.num(i, col);
            assert!(
                (sum - total).abs() <= tol(s.n, total),
                "{at}: {col} {total} vs {sum}"
            );
        }
        assert!(
            runs.num(i, "live_views") <= exposure + tol(1, exposure),
            "{at}: live views"
        );
        assert_eq!(
            s.first_detection,
            runs.opt(i, "first_detection_min"),
            "{at}: the first detection is the first on some platform"
        );
    }

    // ---- timeseries.csv: per (run, platform), in time order ----
    struct Series {
        last_time: f64,
        published: u64,
        removed: u64,
        views: f64,
        live: u64,
        max_queue: u64,
        attempts: u64,
        blocked: u64,
        samples: usize,
    }
    let mut series: BTreeMap<(String, u64, String), Series> = BTreeMap::new();
    // Total live copies across platforms at each sample time of each run.
    let mut live_at: BTreeMap<(String, u64, String), u64> = BTreeMap::new();
    for i in 0..ts.rows.len() {
        let at = format!("{name} timeseries.csv row {} {:?}", i + 2, ts.rows[i]);
        let (variant, rep) = key(ts, i);
        let platform = ts.text(i, "platform").to_string();
        let t = ts.num(i, "time_min");
        let live = ts.int(i, "live");
        let published = ts.int(i, "published_cum");
        let removed = ts.int(i, "removed_cum");
        let views = ts.num(i, "views_cum");
        let queue = ts.int(i, "queue");
        let (attempts, blocked) = (ts.int(i, "attempts_cum"), ts.int(i, "blocked_cum"));
        assert!(blocked <= attempts, "{at}: blocked_cum > attempts_cum");
        assert_eq!(
            published,
            removed + live,
            "{at}: live = published_cum - removed_cum"
        );
        assert!((0.0..=horizon + 1e-9).contains(&t), "{at}: time {t}");
        *live_at
            .entry((variant.clone(), rep, ts.text(i, "time_min").to_string()))
            .or_default() += live;
        let k = (variant, rep, platform);
        match series.get_mut(&k) {
            None => {
                assert_eq!(t, 0.0, "{at}: the first sample is at 0");
                series.insert(
                    k,
                    Series {
                        last_time: t,
                        published,
                        removed,
                        views,
                        live,
                        max_queue: queue,
                        attempts,
                        blocked,
                        samples: 1,
                    },
                );
            }
            Some(s) => {
                assert!(t > s.last_time, "{at}: time does not increase");
                assert!(published >= s.published, "{at}: published_cum decreases");
                assert!(removed >= s.removed, "{at}: removed_cum decreases");
                assert!(views >= s.views, "{at}: views_cum decreases");
                assert!(
                    attempts >= s.attempts && blocked >= s.blocked,
                    "{at}: a count decreases"
                );
                s.attempts = attempts;
                s.blocked = blocked;
                s.last_time = t;
                s.published = published;
                s.removed = removed;
                s.views = views;
                s.live = live;
                s.max_queue = s.max_queue.max(queue);
                s.samples += 1;
            }
        }
    }
    assert_eq!(
        series.len(),
        platforms.rows.len(),
        "{name}: series per platform row"
    );
    for (k, s) in &series {
        let i = platform_row[k];
        let at = format!("{name} {k:?}: last sample vs platforms.csv");
        assert!(
            (s.last_time - horizon).abs() < 1e-6,
            "{at}: last sample at {} not at the horizon {horizon}",
            s.last_time
        );
        assert_eq!(
            s.published,
            platforms.int(i, "published"),
            "{at}: published"
        );
        let removed = platforms.int(i, "removed_review")
            + platforms.int(i, "removed_order")
            + platforms.int(i, "removed_sweep");
        assert_eq!(s.removed, removed, "{at}: removed");
        assert_eq!(s.live, platforms.int(i, "live_at_end"), "{at}: live");
        assert_eq!(s.attempts, platforms.int(i, "attempts"), "{at}: attempts");
        assert_eq!(s.blocked, platforms.int(i, "blocked"), "{at}: blocked");
        let views = platforms.num(i, "views");
        assert!(
            (s.views - views).abs() <= tol(1, views),
            "{at}: views_cum {} vs views {views}",
            s.views
        );
        assert!(
            s.max_queue <= platforms.int(i, "max_queue"),
            "{at}: a sample's queue {} exceeds max_queue",
            s.max_queue
        );
    }
    for ((variant, rep, t), live) in &live_at {
        let i = run_row[&(variant.clone(), *rep)];
        assert!(
            *live <= runs.int(i, "peak_live"),
            "{name} run ({variant}, {rep}) at {t}: {live} live copies > peak_live"
        );
        // Once contained, nothing is live at any later sample.
        if let Some(c) = runs.opt(i, "contained_min") {
            let t: f64 = t.parse().unwrap();
            assert!(
                t <= c || *live == 0,
                "{name} run ({variant}, {rep}): contained at {c} but {live} live at {t}"
            );
        }
    }
}

/// The event log tells the same story as the outcome files: per run and platform, the
/// origin and published events are the published copies, blocked events (with their
/// counts) the blocked attempts, removed events the removals (by cause); per run, the first detection or find
/// is `first_detection_min`, the last removal (when nothing is live at the end) is
/// `contained_min`, the protocol's activation is `activation_min`, and the originals plus
/// the new-variant events are `variants`.
fn check_events(name: &str, replications: u32) {
    let path = scenario_path(name);
    let scenario = ttx::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ttx()
        .arg("run")
        .arg(&path)
        .args([
            "--replications",
            &replications.to_string(),
            "--quiet",
            "--events",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let runs = Table::read(&out.join("runs.csv"));
    let platforms = Table::read(&out.join("platforms.csv"));
    let ev = Table::read(&out.join("events.csv"));

    #[derive(Default, Debug, PartialEq)]
    struct Counts {
        published: u64,
        blocked: u64,
        removed_review: u64,
        removed_order: u64,
        removed_sweep: u64,
    }
    #[derive(Default)]
    struct RunLog {
        first_detection: Option<String>,
        last_removal: Option<String>,
        activation: Option<String>,
        new_variants: u64,
    }
    let mut counts: BTreeMap<(String, u64, String), Counts> = BTreeMap::new();
    let mut logs: BTreeMap<(String, u64), RunLog> = BTreeMap::new();
    for i in 0..ev.rows.len() {
        let (variant, rep) = key(&ev, i);
        let kind = ev.text(i, "event");
        let time = ev.text(i, "time_min").to_string();
        let log = logs.entry((variant.clone(), rep)).or_default();
        match kind {
            "detected" | "found" if log.first_detection.is_none() => {
                log.first_detection = Some(time.clone())
            }
            "removed" => log.last_removal = Some(time.clone()),
            "protocol_activated" if log.activation.is_none() => log.activation = Some(time.clone()),
            "new_variant" => log.new_variants += 1,
            _ => {}
        }
        let platform = ev.text(i, "platform");
        if platform.is_empty() {
            continue;
        }
        let c = counts
            .entry((variant, rep, platform.to_string()))
            .or_default();
        match kind {
            "origin" | "published" => c.published += 1,
            // One line per run of blocked attempts of the same kind, with their count
            // ("37 uploads of ...") when there is more than one (issue #16).
            "blocked" => {
                let detail = ev.text(i, "detail");
                c.blocked += match detail.split_once(" uploads ") {
                    Some((n, _)) => n.parse::<u64>().unwrap_or_else(|_| {
                        panic!("events.csv row {}: blocked count in `{detail}`", i + 2)
                    }),
                    None => 1,
                };
            }
            "removed" => {
                let detail = ev.text(i, "detail");
                if detail.contains("sweep") {
                    c.removed_sweep += 1;
                } else if detail.contains("order") {
                    c.removed_order += 1;
                } else if detail.contains("review") {
                    c.removed_review += 1;
                } else {
                    panic!("events.csv row {}: removed how? `{detail}`", i + 2);
                }
            }
            _ => {}
        }
    }

    for i in 0..platforms.rows.len() {
        let (variant, rep) = key(&platforms, i);
        let platform = platforms.text(i, "platform").to_string();
        let expected = Counts {
            published: platforms.int(i, "published"),
            blocked: platforms.int(i, "blocked"),
            removed_review: platforms.int(i, "removed_review"),
            removed_order: platforms.int(i, "removed_order"),
            removed_sweep: platforms.int(i, "removed_sweep"),
        };
        let k = (variant, rep, platform);
        let got = counts.remove(&k).unwrap_or_default();
        assert_eq!(got, expected, "{name} {k:?}: events.csv vs platforms.csv");
    }
    assert!(
        counts.is_empty(),
        "{name}: events on platforms without a platforms.csv row: {:?}",
        counts.keys().collect::<Vec<_>>()
    );

    let contents = scenario.base.contents.len() as u64;
    for i in 0..runs.rows.len() {
        let k = key(&runs, i);
        let at = format!("{name} run {k:?}: events.csv vs runs.csv");
        let log = logs.remove(&k).unwrap_or_else(|| panic!("{at}: no events"));
        let cell = |col: &str| Some(runs.text(i, col).to_string()).filter(|c| !c.is_empty());
        assert_eq!(
            log.first_detection,
            cell("first_detection_min"),
            "{at}: first detection or find"
        );
        assert_eq!(log.activation, cell("activation_min"), "{at}: activation");
        if runs.int(i, "live_at_end") == 0 {
            assert_eq!(
                log.last_removal,
                cell("contained_min"),
                "{at}: contained_min is the time of the last removal"
            );
        }
        assert_eq!(
            contents + log.new_variants,
            runs.int(i, "variants"),
            "{at}: variants = originals + new variants"
        );
    }
    assert!(logs.is_empty(), "{name}: events of runs not in runs.csv");
}

#[test]
fn livestream_attack_every_row_balances() {
    check_conservation("livestream-1in100.yaml");
}

#[test]
fn tutorial_every_row_balances() {
    check_conservation("tutorial.yaml");
}

#[test]
fn part_two_every_row_balances() {
    check_conservation("part2.yaml");
}

#[test]
fn part_two_event_log_matches_the_outcomes() {
    check_events("part2.yaml", 20);
}

#[test]
fn livestream_attack_event_log_matches_the_outcomes() {
    check_events("livestream-1in100.yaml", 2);
}

#[test]
fn tutorial_event_log_matches_the_outcomes() {
    check_events("tutorial.yaml", 20);
}
