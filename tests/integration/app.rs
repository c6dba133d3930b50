//! The commands called through the library (`ttx::app`), without the binary: the
//! `--replications auto` stopping rule, shard planning, variant picking, the kinds of
//! failure, and an exercise fed from a string.

use std::fs;
use std::path::{Path, PathBuf};

use ttx::app::compare::{self, AutoStop, Replications, Stop};
use ttx::app::plan::shard_replications;
use ttx::app::{self, Captured, Error, InputError, RunFailure, RunOptions};
use ttx::compare::Metric;
use ttx::output::shard::ShardSpec;

use crate::common::{scenario, shipped};

/// A small incident; `outage` differs from the baseline late in the run (a reviewer outage
/// on `video`), `same` not at all.
const SCENARIO: &str = r#"
name: app checks
horizon: 8h
replications: 6
seed: 5
platforms:
  - id: stream
    jurisdiction: eu
    hash_sharing_member: true
    views_per_hour: 300
    attention_half_life: 1h
    detection: {proactive_per_hour: 0.5, flags_per_1k_views: 0.2}
    review: {reviewers: 2, time: {exp: 5m}}
  - id: video
    jurisdiction: eu
    hash_sharing_member: true
    views_per_hour: 200
    attention_half_life: 2h
    detection: {proactive_per_hour: 0.3, flags_per_1k_views: 0.05}
    review: {reviewers: 3, time: {exp: 10m}}
links:
  - {from: stream, to: video, per_hour: 1}
  - {from: video, to: video, per_hour: 0.2}
content:
  - {id: clip, origin: {platform: stream, at: 0m}}
campaigns:
  - {content: clip, platforms: [video], start: 30m, end: 6h, per_hour: 20}
injects:
  - {at: 2h, kind: outage, platform: video, reviewers: 3, for: 3h, note: "no-op in the baseline"}
variants:
  - {name: baseline, protocol: none}
  - name: outage
    protocol: none
    set: {injects.0.reviewers: 0}
  - name: same
    protocol: none
    set: {hash_sharing.delay: 6h}
"#;

fn write_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("app.yaml");
    fs::write(&path, SCENARIO).unwrap();
    path
}

fn options(path: &Path, out: PathBuf, variants: &[&str]) -> RunOptions {
    RunOptions {
        variants: variants.iter().map(|v| v.to_string()).collect(),
        out: Some(out),
        threads: Some(2),
        quiet: true,
        ..RunOptions::new(path)
    }
}

fn compare_request(options: RunOptions, precision: f64, max: u32) -> compare::Request {
    compare::Request {
        options,
        replications: Replications::Auto(AutoStop {
            precision,
            max_replications: max,
        }),
        metrics: vec![Metric::Exposure],
        shard: None,
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ---- the stopping rule of `--replications auto` ----

#[test]
fn the_stopping_rule_stops_at_the_precision_then_at_the_cap() {
    let rule = AutoStop {
        precision: 0.05,
        max_replications: 60,
    };
    assert_eq!(rule.check(20, Some(0.08)), None, "short of the precision");
    assert_eq!(
        rule.check(20, Some(0.05)),
        Some(Stop::Reached {
            replications: 20,
            precision: 0.05
        })
    );
    // Nothing to compare (one variant, or zero reference means): as soon as a spread can
    // be computed.
    assert_eq!(
        rule.check(2, None),
        Some(Stop::Reached {
            replications: 2,
            precision: 0.05
        })
    );
    assert_eq!(
        rule.check(60, Some(0.08)),
        Some(Stop::Cap {
            cap: 60,
            widest: Some(0.08),
            precision: 0.05
        })
    );
    // The precision is checked before the cap.
    assert!(matches!(
        rule.check(60, Some(0.01)),
        Some(Stop::Reached { .. })
    ));
    assert_eq!(
        Stop::Cap {
            cap: 60,
            widest: Some(0.08),
            precision: 0.05
        }
        .to_string(),
        "stopped at the cap of 60 replications per variant: the widest paired interval is ±8.0% of the reference mean, short of ±5.0% (raise --max-replications or --precision)"
    );
}

#[test]
fn auto_reaches_the_precision_after_the_first_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path());
    let out = dir.path().join("reached");
    // `same` never differs from the baseline: its paired interval has width 0.
    let req = compare_request(
        options(&path, out.clone(), &["baseline", "same"]),
        0.05,
        200,
    );
    let mut report = Captured::default();
    let done = compare::run(&req, &mut report).unwrap();
    assert_eq!(
        done.stop,
        Some(Stop::Reached {
            replications: compare::AUTO_BATCH,
            precision: 0.05
        })
    );
    let collector = done.collector.expect("a comparison's statistics");
    assert_eq!(collector.replications(), compare::AUTO_BATCH as usize);
    assert!(done.files.iter().any(|f| f.ends_with("summary.csv")));
    assert!(out.join("summary.csv").exists());
    // Quiet: nothing printed, no progress shown.
    assert_eq!(report.out, "");
    assert!(report.batches.is_empty());
}

#[test]
fn auto_stops_at_the_cap_short_of_the_precision_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path());
    let out = dir.path().join("cap");
    let mut options = options(&path, out.clone(), &["baseline", "outage"]);
    options.quiet = false;
    // A precision no run reaches, and a cap that is not a whole number of batches.
    let req = compare_request(options, 1e-9, 25);
    let mut report = Captured::default();
    let done = compare::run(&req, &mut report).unwrap();
    let Some(Stop::Cap { cap, widest, .. }) = done.stop else {
        panic!("stopped at {:?}", done.stop);
    };
    assert_eq!(cap, 25);
    assert!(widest.is_some_and(|w| w > 1e-9), "{widest:?}");
    assert_eq!(done.collector.unwrap().replications(), 25);
    // One progress display for the whole batch: the cap for each variant.
    assert_eq!(report.batches, vec![50]);
    assert!(
        report.out.contains(
            "25 replications per variant, seed 5\nstopped at the cap of 25 replications per variant"
        ),
        "{}",
        report.out
    );
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 2 * 25);
}

#[test]
fn a_sharded_auto_comparison_is_refused_before_the_scenario_is_read() {
    let req = compare::Request {
        shard: Some(ShardSpec { index: 1, count: 2 }),
        ..compare_request(
            options(Path::new("/no/such/scenario.yaml"), "/no/out".into(), &[]),
            0.05,
            100,
        )
    };
    let err = compare::run(&req, &mut Captured::default()).err().unwrap();
    assert!(
        matches!(err, Error::BadInput(InputError::ShardedAuto(_))),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("--shard 1/2: a sharded comparison")
    );
}

#[test]
fn compare_flags_are_checked_into_a_replications_setting() {
    let auto = Replications::parse(Some("auto"), 0.1, 300).unwrap();
    assert_eq!(
        auto,
        Replications::Auto(AutoStop {
            precision: 0.1,
            max_replications: 300
        })
    );
    assert_eq!(
        Replications::parse(Some("40"), 0.1, 300).unwrap(),
        Replications::Fixed(40)
    );
    assert_eq!(
        Replications::parse(None, 0.1, 300).unwrap(),
        Replications::Scenario
    );
    for bad in ["1", "many", "-3"] {
        let e = Replications::parse(Some(bad), 0.1, 300).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "--replications: expected a whole number of at least 2, or `auto`, found `{bad}`"
            )
        );
    }
    for bad in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            compare::check_precision(bad),
            Err(InputError::Precision(_))
        ));
    }
    assert_eq!(compare::check_precision(0.02).unwrap(), 0.02);
}

// ---- shard planning ----

#[test]
fn shards_share_the_replications_contiguously_and_refuse_more_shards_than_replications() {
    let shards = |n: u32, total: u32| -> Vec<std::ops::Range<u32>> {
        (1..=n)
            .map(|k| shard_replications(ShardSpec { index: k, count: n }, total).unwrap())
            .collect()
    };
    assert_eq!(shards(3, 10), vec![0..3, 3..6, 6..10]);
    assert_eq!(shards(4, 4), vec![0..1, 1..2, 2..3, 3..4]);
    assert_eq!(shards(1, 7), vec![0..7]);
    let err = shard_replications(ShardSpec { index: 2, count: 5 }, 3).unwrap_err();
    assert!(matches!(
        err,
        Error::BadInput(InputError::TooFewReplications { total: 3, .. })
    ));
    assert_eq!(
        err.to_string(),
        "--shard 2/5: 3 replication(s) per variant cannot be shared among 5 shards; use at most 3 shards, or more replications"
    );
}

#[test]
fn sharded_runs_merge_into_the_files_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path());
    let run = |mode, out: PathBuf| {
        let req = app::run::Request {
            options: options(&path, out, &[]),
            replications: Some(5),
            mode,
        };
        app::run::run(&req, &mut Captured::default()).unwrap()
    };
    let whole = run(app::run::Mode::Variants, dir.path().join("whole"));
    assert!(whole.shard.is_none());
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let out = dir.path().join("shards").join(format!("s{k}"));
            let ran = run(
                app::run::Mode::Shard(ShardSpec { index: k, count: 2 }),
                out.clone(),
            );
            let m = ran.shard.expect("a shard's manifest");
            assert_eq!(
                (m.first_replication, m.shard_replications, m.replications),
                if k == 1 { (0, 2, 5) } else { (2, 3, 5) }
            );
            assert!(out.join("shard.yaml").exists());
            out
        })
        .collect();
    let merged_dir = dir.path().join("merged");
    let merged = app::merge::run(
        &app::merge::Request {
            shards: shards.clone(),
            out: Some(merged_dir.clone()),
            quiet: true,
        },
        &mut Captured::default(),
    )
    .unwrap();
    assert!(
        merged.collector.is_none(),
        "a run's shards, not a comparison's"
    );
    for name in ["runs.csv", "platforms.csv", "timeseries.csv"] {
        assert_eq!(
            fs::read(merged_dir.join(name)).unwrap(),
            fs::read(dir.path().join("whole").join(name)).unwrap(),
            "{name}"
        );
    }
    // With no --out, the shards' common directory.
    assert_eq!(
        app::merge::common_parent(&shards),
        Some(std::path::absolute(dir.path().join("shards")).unwrap())
    );
    assert_eq!(
        app::merge::common_parent(&[dir.path().join("a/x"), dir.path().join("b/y")]),
        None
    );
}

// ---- variants by name ----

#[test]
fn variants_are_picked_in_the_order_given_once_each_with_a_hint_for_a_misspelling() {
    let s = scenario(SCENARIO);
    let path = Path::new("app.yaml");
    let names = |ns: &[&str]| ns.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert_eq!(app::variants::pick(&s, &[], path).unwrap(), vec![0, 1, 2]);
    assert_eq!(
        app::variants::pick(&s, &names(&["same", "baseline", "same"]), path).unwrap(),
        vec![2, 0]
    );
    let err = app::variants::pick(&s, &names(&["baseline", "outgae"]), path).unwrap_err();
    let Error::BadInput(InputError::UnknownVariant {
        name, suggestion, ..
    }) = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (name.as_str(), suggestion.as_deref()),
        ("outgae", Some("outage"))
    );
    assert_eq!(
        err.to_string(),
        "app.yaml: no variant named `outgae` (did you mean `outage`?); the variants are: baseline, outage, same"
    );
    let err = app::variants::pick(&s, &names(&["zzz"]), path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "app.yaml: no variant named `zzz`; the variants are: baseline, outage, same"
    );
    assert_eq!(app::variants::pick_one(&s, None, path).unwrap(), 0);
    assert_eq!(app::variants::pick_one(&s, Some("same"), path).unwrap(), 2);
}

// ---- kinds of failure ----

#[test]
fn a_run_over_its_limits_is_a_run_failure_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runaway.yaml");
    fs::write(
        &path,
        SCENARIO.replace(
            "replications: 6",
            "replications: 6\nlimits: {max_copies: 3}",
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let req = app::run::Request {
        options: options(&path, out.clone(), &[]),
        replications: None,
        mode: app::run::Mode::Variants,
    };
    let err = app::run::run(&req, &mut Captured::default()).err().unwrap();
    assert!(
        matches!(err, Error::RunFailed(RunFailure::Run(_))),
        "{err:?}"
    );
    assert!(err.to_string().contains("limits.max_copies = 3"), "{err}");
    assert!(files(&out).is_empty(), "{:?}", files(&out));
}

#[test]
fn an_interrupted_run_is_interrupted_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path());
    let out = dir.path().join("out");
    let req = app::run::Request {
        options: options(&path, out.clone(), &[]),
        replications: Some(50),
        mode: app::run::Mode::Variants,
    };
    let report = &mut Captured::default();
    report
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let err = app::run::run(&req, report).err().unwrap();
    assert!(matches!(err, Error::Interrupted), "{err:?}");
    assert!(files(&out).is_empty(), "{:?}", files(&out));
}

#[test]
fn validate_reports_the_good_files_and_fails_with_every_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_scenario(dir.path());
    let bad1 = dir.path().join("bad1.yaml");
    let bad2 = dir.path().join("bad2.yaml");
    fs::write(&bad1, "name: x\n").unwrap();
    fs::write(&bad2, SCENARIO.replace("horizon: 8h", "horizon: 0h")).unwrap();
    let mut report = Captured::default();
    let err =
        app::validate::run(&[bad1.clone(), good.clone(), bad2.clone()], &mut report).unwrap_err();
    assert_eq!(report.out, format!("{}: ok\n", good.display()));
    let Error::BadInput(InputError::Scenarios(errors)) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(errors.len(), 2);
    let text = err.to_string();
    assert!(
        text.contains("bad1.yaml") && text.contains("bad2.yaml"),
        "{text}"
    );
    assert!(app::validate::run(&[good], &mut Captured::default()).is_ok());
}

#[test]
fn a_missing_scenario_is_bad_input() {
    let err = app::protocols::run(
        Path::new("/no/such/file.yaml"),
        None,
        &mut Captured::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::BadInput(InputError::Scenario(_))),
        "{err:?}"
    );
}

// ---- exercises ----

#[test]
fn an_exercise_reads_its_commands_from_any_input_and_replays_as_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("decisions.yaml");
    let req = app::exercise::Request {
        scenario: shipped("tutorial.yaml"),
        mode: app::exercise::Mode::Live {
            variant: None,
            step: app::exercise::parse_step("1h").unwrap(),
        },
        seed: Some(3),
        record: Some(record.clone()),
        out: Some(dir.path().join("live")),
        replications: Some(2),
        threads: Some(2),
        allow_other_scenario: false,
    };
    let mut input: &[u8] = b"next\nactivate\nrefer nowhere 3\nend\n";
    let mut report = Captured::default();
    let played = app::exercise::run(&req, &mut input, &mut report).unwrap();
    assert_eq!(
        played.schedule.decisions.len(),
        1,
        "only `activate` was taken"
    );
    assert!(report.out.starts_with("EXERCISE: "), "{}", report.out);
    assert!(
        report.out.contains("no platform `nowhere`"),
        "{}",
        report.out
    );
    assert!(played.files.contains(&record));
    assert!(played.out.join("after-action.md").exists());

    // The record, replayed: the same decisions, and the same outcome files.
    let replayed = app::exercise::Request {
        mode: app::exercise::Mode::Replay(record),
        record: None,
        seed: None,
        out: Some(dir.path().join("replayed")),
        ..req
    };
    let again = app::exercise::run(&replayed, &mut &b""[..], &mut Captured::default()).unwrap();
    assert_eq!(again.schedule.decisions.len(), 1);
    assert_eq!(
        again.schedule.decisions[0].at,
        played.schedule.decisions[0].at
    );
    for name in ["runs.csv", "events.csv"] {
        assert_eq!(
            fs::read(played.out.join(name)).unwrap(),
            fs::read(again.out.join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn a_move_must_be_a_positive_duration() {
    assert_eq!(app::exercise::parse_step("30m").unwrap(), 30.0);
    assert!(matches!(
        app::exercise::parse_step("0m"),
        Err(InputError::StepNotPositive)
    ));
    let e = app::exercise::parse_step("30").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--step: expected a duration with a unit"),
        "{e}"
    );
}
