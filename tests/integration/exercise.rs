//! Training sessions: a whole session through piped standard input, recorded and replayed
//! exactly; each decision's effect on the model; the debrief against `ttx run`; the MSEL.

use std::fs;

use assert_cmd::Command;
use ttx::engine::{Decision, SimInit};
use ttx::exercise::{DecisionFile, debrief};
use ttx::scenario::{Capacity, load};
use ttx::sink::{EventKind, NullSink, Recorder};

use crate::common::{scenario, shipped};

fn ttx() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
}

const SESSION: &str = "\
help
next
next
as referral-unit: refer videotube 3
activate
notify all
advance 2h
status
platform videotube
push-hashes
surge videotube 20
not-a-command
order fringe-board 1
note the board is outside the EU
next
end
";

#[test]
fn a_piped_session_is_recorded_and_its_replay_gives_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let record = dir.path().join("decisions.yaml");
    let assert = ttx()
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "6", "--out"])
        .arg(&live)
        .arg("--record")
        .arg(&record)
        .write_stdin(SESSION)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    // The situation report, the help and the errors a player would see.
    for expected in [
        "== T+00:30 ==",
        "activate ",
        "activated the crisis protocol",
        "unknown command `not-a-command`",
        "not an EU platform",
        "DEBRIEF",
        "after-action.md",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    let file = DecisionFile::parse(&fs::read_to_string(&record).unwrap(), "record").unwrap();
    let texts: Vec<&str> = file
        .decisions
        .iter()
        .filter_map(|d| d.decision.as_deref())
        .collect();
    assert_eq!(
        texts,
        [
            "refer videotube 3",
            "activate",
            "notify all",
            "push-hashes",
            "surge videotube 20",
            "note the board is outside the EU"
        ],
        "only accepted decisions are recorded"
    );
    assert_eq!(file.decisions[0].role.as_deref(), Some("referral-unit"));
    assert_eq!(file.decisions[0].at, "1h");

    let replayed = dir.path().join("replayed");
    ttx()
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "6", "--out"])
        .arg(&replayed)
        .arg("--decisions")
        .arg(&record)
        .assert()
        .success();
    for f in ["runs.csv", "platforms.csv", "timeseries.csv", "events.csv"] {
        let a = fs::read(live.join(f)).unwrap();
        let b = fs::read(replayed.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the live session and its replay"
        );
    }
    let events = fs::read_to_string(live.join("events.csv")).unwrap();
    assert!(
        events.contains(",decision,"),
        "decisions are in the event log"
    );
    let report = fs::read_to_string(live.join("after-action.md")).unwrap();
    assert!(
        report.contains("| T+01:00 | referral-unit | refer videotube 3 |"),
        "{report}"
    );
}

#[test]
fn the_debrief_agrees_with_a_separate_run_of_the_replayed_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("decisions.yaml");
    fs::write(
        &record,
        "variant: baseline\nseed: 42\nstep: 30m\ndecisions:\n  - {at: 1h, decision: activate}\n  - {at: 1h, decision: notify all}\n  - {at: 2h, decision: push-hashes}\n",
    )
    .unwrap();
    let s = load(&shipped("tutorial.yaml")).unwrap();
    let replay = DecisionFile::parse(&fs::read_to_string(&record).unwrap(), "r")
        .unwrap()
        .resolve(&s, "r")
        .unwrap();
    let d = debrief(&s, &replay, &[], 12, 2).unwrap();
    let players = d
        .collector
        .describe(0, ttx::compare::Metric::Exposure)
        .unwrap();

    let out = dir.path().join("run");
    ttx()
        .arg("run")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "12", "--quiet", "--decisions"])
        .arg(&record)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let mut r = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "exposure")
        .unwrap();
    let exposures: Vec<f64> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            assert_eq!(&rec[0], "players");
            rec[col].parse().unwrap()
        })
        .collect();
    assert_eq!(exposures.len(), 12);
    let mean = exposures.iter().sum::<f64>() / 12.0;
    // runs.csv rounds each value to 3 decimals.
    assert!(
        (mean - players.mean).abs() < 1e-3,
        "{mean} vs {}",
        players.mean
    );
    // The reference protocol's milestones are reported beside the players' decisions.
    let timeline = d.timeline().join("\n");
    assert!(
        timeline.contains("you activated the protocol at T+01:00"),
        "{timeline}"
    );
    assert!(timeline.contains("trigger"), "{timeline}");
}

const EXERCISE_SCENARIO: &str = r#"
name: decisions
horizon: 8h
seed: 5
platforms:
  - id: video
    jurisdiction: eu
    protocol_member: true
    hash_sharing_member: true
    views_per_hour: 100
    attention_half_life: 2h
    hash_recall: 0.9
    detection: {proactive_per_hour: 0.5}
    review: {reviewers: 2, time: {exp: 20m}}
    crisis_posture: {reviewers: 6, ramp: 1h}
  - id: peer
    protocol_member: true
    hash_sharing_member: true
    views_per_hour: 100
    attention_half_life: 2h
    hash_recall: 0.9
    review: {reviewers: 1, time: 10m}
  - id: board
    views_per_hour: 20
    attention_half_life: 4h
    review: {reviewers: 0, time: 10m}
links:
  - {from: video, to: peer, per_hour: 0.3}
content:
  - {id: clip, origin: {platform: video, at: 0m}}
campaigns:
  - {content: clip, platforms: [video], start: 5m, end: 6h, per_hour: 20, new_variant: 0.2}
authorities:
  - {id: iru, monitors: [video], finds_per_hour: 2, analysts: 1, referral_time: 1h}
hash_sharing: {delay: 6h}
protocols:
  ecp:
    activation: {confirmed_removals: 1, decision_time: 0m}
    notify_time: 30m
variants:
  - {name: ecp, protocol: ecp}
"#;

#[test]
fn in_an_exercise_nothing_triggers_by_itself() {
    let s = scenario(EXERCISE_SCENARIO);
    let mut auto = SimInit::new(&s.experiment, &s.variants[0], 0).build();
    assert!(auto.run(&mut NullSink).unwrap().activation_min.is_some());
    let mut played = SimInit::new(&s.experiment, &s.variants[0], 0)
        .exercise()
        .build();
    assert_eq!(played.run(&mut NullSink).unwrap().activation_min, None);
}

#[test]
fn each_decision_acts_through_the_model() {
    let s = scenario(EXERCISE_SCENARIO);
    let mut sim = SimInit::new(&s.experiment, &s.variants[0], 0)
        .exercise()
        .build();
    let mut rec = Recorder::new(true);
    sim.step_until(60.0, &mut rec).unwrap();

    // Activation: immediate, and recorded as the activation time.
    sim.decide(&Decision::ActivateProtocol, None, &mut rec)
        .unwrap();
    // Notify: the crisis posture applies after notify_time (30m), then reviewers ramp
    // from 2 to 6 over 1h.
    sim.decide(&Decision::Notify { platform: Some(0) }, None, &mut rec)
        .unwrap();
    let reviewers = |sim: &mut ttx::engine::Simulation| sim.situation().platforms[0].reviewers;
    sim.step_until(89.0, &mut rec).unwrap();
    assert_eq!(
        reviewers(&mut sim),
        Capacity::Limited(2),
        "not before notify_time"
    );
    sim.step_until(90.0 + 30.0, &mut rec).unwrap();
    assert_eq!(
        reviewers(&mut sim),
        Capacity::Limited(4),
        "half way up the ramp"
    );
    sim.step_until(150.0, &mut rec).unwrap();
    assert_eq!(
        reviewers(&mut sim),
        Capacity::Limited(6),
        "the surge after the ramp"
    );
    assert!(sim.situation().platforms[0].crisis_posture);
    assert!(!sim.situation().platforms[2].crisis_posture);

    // Notify a non-member: refused, nothing changes.
    assert!(
        sim.decide(&Decision::Notify { platform: Some(2) }, None, &mut rec)
            .is_err()
    );

    // Refer: found copies join the queue as referrals.
    let found = sim.situation().platforms[0].found_not_queued;
    let what = sim
        .decide(
            &Decision::Refer {
                platform: 0,
                count: 2,
            },
            Some("iru"),
            &mut rec,
        )
        .unwrap();
    assert!(
        what.contains(&format!("referred {}", found.min(2))),
        "{what}"
    );

    // Push hashes: every pending submission reaches the members now.
    let pending = sim.situation().pending_hashes;
    sim.decide(&Decision::PushHashes, None, &mut rec).unwrap();
    assert_eq!(sim.situation().pending_hashes, 0);
    if pending > 0 {
        let listed_on_peer = rec
            .events
            .iter()
            .filter(|e| e.kind == EventKind::HashListed && e.platform.as_deref() == Some("peer"))
            .count();
        assert!(listed_on_peer > 0, "pushed hashes reach the other member");
    }

    // Orders only bind EU platforms.
    assert!(
        sim.decide(
            &Decision::Order {
                platform: 1,
                count: 1
            },
            None,
            &mut rec
        )
        .is_err()
    );

    // Surge: reviewers ramp to the number asked for over the posture's ramp (1h).
    sim.decide(
        &Decision::Surge {
            platform: 0,
            reviewers: 10,
        },
        None,
        &mut rec,
    )
    .unwrap();
    let now = sim.now();
    sim.step_until(now + 60.0, &mut rec).unwrap();
    assert_eq!(reviewers(&mut sim), Capacity::Limited(10));

    let out = sim.run(&mut rec).unwrap();
    assert_eq!(out.activation_min, Some(60.0));
    let decisions = rec
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Decision)
        .count();
    assert_eq!(
        decisions, 5,
        "accepted decisions are logged; refused ones are not"
    );
}

#[test]
fn the_msel_lists_every_inject_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("msel.csv");
    ttx()
        .arg("msel")
        .arg(shipped("christchurch-2019.yaml"))
        .args(["--replications", "20", "--out"])
        .arg(&out)
        .assert()
        .success();
    let s = load(&shipped("christchurch-2019.yaml")).unwrap();
    let mut r = csv::Reader::from_path(&out).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "seq",
            "time",
            "inject_type",
            "delivery",
            "from",
            "to",
            "description",
            "expected_action"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let injects: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[2] != "milestone").collect();
    assert_eq!(
        injects.len(),
        s.base.injects.len(),
        "every inject is listed"
    );
    let mut expected: Vec<f64> = s.base.injects.iter().map(|i| i.at).collect();
    expected.sort_by(f64::total_cmp);
    let clock = |t: f64| ttx::engine::clock(t);
    let listed: Vec<String> = injects.iter().map(|r| r[1].to_string()).collect();
    let wanted: Vec<String> = expected.iter().map(|&t| clock(t)).collect();
    assert_eq!(listed, wanted, "in time order");
    // All rows, milestones included, are in time order and numbered.
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0].parse::<usize>().unwrap(), i + 1);
        if i > 0 {
            assert!(rows[i - 1][1] <= row[1], "row {} out of order", i + 1);
        }
    }
    assert!(
        rows.iter()
            .any(|r| &r[2] == "milestone" && r[6].contains("trigger"))
    );
}

#[test]
fn objectives_are_rated_in_the_hseep_style_with_evidence() {
    let s = load(&shipped("tutorial.yaml")).unwrap();
    assert_eq!(
        s.base.objectives.len(),
        3,
        "the tutorial declares objectives"
    );
    let rate = |decisions: &str| {
        let file = format!("variant: baseline\nseed: 42\nstep: 30m\ndecisions:\n{decisions}");
        let replay = DecisionFile::parse(&file, "r")
            .unwrap()
            .resolve(&s, "r")
            .unwrap();
        let d = debrief(&s, &replay, &s.base.objectives, 6, 2).unwrap();
        d.objectives
            .iter()
            .map(|o| (format!("{:?}", o.rating), o.evidence.clone()))
            .collect::<Vec<_>>()
    };
    // activate_within 1h30m: on time P; within 1.5x (2h15m) S; within 2x (3h) M; later U.
    let on_time = rate("  - {at: 1h, decision: activate}\n  - {at: 1h, decision: notify all}\n");
    assert_eq!(on_time[0].0, "P", "{on_time:?}");
    assert!(on_time[0].1.contains("T+01:00"), "{on_time:?}");
    assert_eq!(rate("  - {at: 2h, decision: activate}\n")[0].0, "S");
    assert_eq!(rate("  - {at: 2h45m, decision: activate}\n")[0].0, "M");
    let never = rate("  - {at: 1h, decision: note nothing to do}\n");
    assert_eq!(never[0].0, "U");
    assert!(never[0].1.contains("never activated"), "{never:?}");
    assert_eq!(never[1].0, "U", "never notified");
}

#[test]
fn an_objective_needs_exactly_one_criterion() {
    let yaml = EXERCISE_SCENARIO.to_string()
        + "objectives:\n  - {id: two, activate_within: 1h, exposure_below: 100}\n  - {id: none}\n";
    let err = ttx::scenario::parse(&yaml, "objectives.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("objectives[two]: expected exactly one criterion"),
        "{err}"
    );
    assert!(
        err.contains("objectives[none]: expected exactly one criterion"),
        "{err}"
    );
}
