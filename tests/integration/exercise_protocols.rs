//! Several protocols carried through the exercise (issue #15): `activate PROTOCOL` and
//! `notify PROTOCOL all|PLATFORM` at the prompt and in records, a did-you-mean for an
//! unknown protocol, each protocol's phase on the situation report, each protocol's
//! milestones in the debrief and the MSEL, and objectives that name a protocol.

use std::fs;
use std::path::{Path, PathBuf};

use ttx::exercise::DecisionFile;
use ttx::report::after_action::AfterAction;

use crate::common::{Table, ttx};

/// Two protocols with different members and triggers; `ecp` is also a platform id.
const TWO: &str = r#"
name: two protocols
horizon: 6h
sample_every: 30m
seed: 4242
replications: 8
platforms:
  - {id: videotube, views_per_hour: 600, attention_half_life: 3h,
     detection: {proactive_per_hour: 0.3}, review: {reviewers: 2, time: {exp: 10m}, accuracy: 0.9},
     crisis_posture: {reviewers: 10, ramp: 30m}}
  - {id: chatapp, views_per_hour: 300, attention_half_life: 3h,
     detection: {proactive_per_hour: 0.3}, review: {reviewers: 1, time: {exp: 10m}, accuracy: 0.9},
     crisis_posture: {reviewers: 5, ramp: 30m}}
  - {id: ecp, views_per_hour: 100, attention_half_life: 3h,
     detection: {proactive_per_hour: 0.2}, review: {reviewers: 1, time: {exp: 10m}, accuracy: 0.9}}
links:
  - {from: videotube, to: chatapp, per_hour: 1.5}
  - {from: chatapp, to: videotube, per_hour: 1.0}
  - {from: videotube, to: ecp, per_hour: 0.5}
  - {from: chatapp, to: ecp, per_hour: 0.5}
content:
  - {id: clip, origin: {platform: videotube, at: 0m}, mutation: 0.05}
protocols:
  gifct-cip:
    members: [videotube, chatapp]
    activation: {confirmed_removals: 2, platforms: 1, decision_time: 20m}
    notify_time: 15m
  ecp:
    members: [videotube, ecp]
    activation: {confirmed_removals: 5, platforms: 1, decision_time: 30m}
    notify_time: 30m
objectives:
  - {id: o1, description: "Activate ECP within 2h", activate_within: 2h, protocol: ecp}
  - {id: o2, description: "Notify under GIFCT within 1h", notify_within: 1h, protocol: gifct-cip}
  - {id: o3, description: "Activate a protocol within 1h", activate_within: 1h}
variants:
  - {name: both, protocol: [gifct-cip, ecp]}
  - {name: baseline}
"#;

fn write_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("two.yaml");
    fs::write(&path, TWO).unwrap();
    path
}

/// A record of the variant `both` with these decisions (`at`, decision).
fn write_record(dir: &Path, name: &str, decisions: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("variant: \"both\"\nseed: 4242\nstep: \"30m\"\ndecisions:\n");
    for (at, d) in decisions {
        text.push_str(&format!("  - {{at: \"{at}\", decision: \"{d}\"}}\n"));
    }
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Replay `record` on the scenario into `out`; returns the standard output.
fn replay(scenario: &Path, record: &Path, out: &Path) -> String {
    let assert = ttx()
        .arg("exercise")
        .arg(scenario)
        .args(["--replications", "8", "--threads", "2", "--out"])
        .arg(out)
        .arg("--decisions")
        .arg(record)
        .assert()
        .success();
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// The exercise run's protocols.csv: protocol id → (activated_min, trigger).
fn activations(out: &Path) -> Vec<(String, Option<f64>, String)> {
    let t = Table::read(&out.join("protocols.csv"));
    (0..t.rows.len())
        .map(|i| {
            (
                t.text(i, "protocol").to_string(),
                t.opt(i, "activated_min"),
                t.text(i, "trigger").to_string(),
            )
        })
        .collect()
}

/// The after-action report's objective rows: description → rating.
fn ratings(out: &Path) -> Vec<(String, String)> {
    let a = AfterAction::parse(&fs::read_to_string(out.join("after-action.md")).unwrap());
    a.objectives
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

#[test]
fn activating_a_protocol_by_name_in_a_replay_activates_that_one_at_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let s = write_scenario(dir.path());
    let ecp = write_record(dir.path(), "ecp.yaml", &[("1h", "activate ecp")]);
    let out = dir.path().join("ecp");
    replay(&s, &ecp, &out);
    assert_eq!(
        activations(&out),
        [
            ("gifct-cip".into(), None, String::new()),
            ("ecp".into(), Some(60.0), "players".into())
        ]
    );
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.opt(0, "activation_min"), Some(60.0));

    // The other one by name, and `activate` alone: the first protocol in play.
    let gifct = write_record(
        dir.path(),
        "gifct.yaml",
        &[("30m", "activate gifct-cip"), ("2h", "activate ecp")],
    );
    let out = dir.path().join("gifct");
    replay(&s, &gifct, &out);
    assert_eq!(
        activations(&out),
        [
            ("gifct-cip".into(), Some(30.0), "players".into()),
            ("ecp".into(), Some(120.0), "players".into())
        ]
    );
    let old = write_record(
        dir.path(),
        "old.yaml",
        &[("1h", "activate"), ("1h", "notify all")],
    );
    let out = dir.path().join("old");
    let stdout = replay(&s, &old, &out);
    assert!(stdout.contains("activated the crisis protocol"), "{stdout}");
    assert!(
        stdout.contains("notified videotube, chatapp; crisis posture applies in 15 min"),
        "{stdout}"
    );
    assert_eq!(
        activations(&out),
        [
            ("gifct-cip".into(), Some(60.0), "players".into()),
            ("ecp".into(), None, String::new())
        ]
    );
}

#[test]
fn an_unknown_protocol_gets_a_did_you_mean_and_the_session_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let s = write_scenario(dir.path());
    let record = dir.path().join("record.yaml");
    let assert = ttx()
        .arg("exercise")
        .arg(&s)
        .args(["--replications", "2", "--threads", "1", "--out"])
        .arg(dir.path().join("live"))
        .arg("--record")
        .arg(&record)
        .write_stdin(
            "activate ecpp\nnotify gifct all\nactivate ecp\nnotify ecp chatapp\nnotify ecp\nnotify ecp all\nplatform chatapp\nnext\nend\n",
        )
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for expected in [
        "no protocol `ecpp` in play (did you mean `ecp`?); the protocols in play are: gifct-cip, ecp",
        "no protocol `gifct` in play (did you mean `gifct-cip`?); the protocols in play are: gifct-cip, ecp",
        "activated protocol ecp",
        "not done: `chatapp` is not a member of protocol `ecp`, so it cannot notify it",
        // One word is a platform: `ecp` the platform is no member of the first protocol.
        "not done: `ecp` is not a protocol member, so the protocol cannot notify it",
        "notified videotube, ecp under ecp; crisis posture applies in 30 min",
        "protocols: ecp ACTIVE since T+00:00 | inactive: gifct-cip",
        "chatapp (chatapp): non-EU, member of gifct-cip\n",
        "DEBRIEF",
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
    assert_eq!(texts, ["activate ecp", "notify ecp all"]);

    // In a record, an unknown protocol is refused with the entry and the same words.
    let bad = write_record(dir.path(), "bad.yaml", &[("1h", "notify ecpp all")]);
    let assert = ttx()
        .arg("exercise")
        .arg(&s)
        .args(["--replications", "2", "--out"])
        .arg(dir.path().join("bad"))
        .arg("--decisions")
        .arg(&bad)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            "decisions[0].decision: no protocol `ecpp` in play (did you mean `ecp`?); the protocols in play are: gifct-cip, ecp"
        ),
        "{stderr}"
    );
}

#[test]
fn a_record_naming_protocols_replays_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let s = write_scenario(dir.path());
    let live = dir.path().join("live");
    let record = dir.path().join("record.yaml");
    ttx()
        .arg("exercise")
        .arg(&s)
        .args(["--replications", "2", "--threads", "1", "--out"])
        .arg(&live)
        .arg("--record")
        .arg(&record)
        .write_stdin(
            "next\nactivate gifct-cip\nnotify gifct-cip videotube\nnext\nnext\nactivate ecp\nnotify ecp all\nnotify chatapp\nadvance 1h\nactivate\nend\n",
        )
        .assert()
        .success();
    let again = dir.path().join("again.yaml");
    let replayed = dir.path().join("replayed");
    ttx()
        .arg("exercise")
        .arg(&s)
        .args(["--replications", "2", "--threads", "1", "--out"])
        .arg(&replayed)
        .arg("--decisions")
        .arg(&record)
        .arg("--record")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(
        fs::read(&record).unwrap(),
        fs::read(&again).unwrap(),
        "the replay's record is the live record"
    );
    for f in [
        "runs.csv",
        "platforms.csv",
        "protocols.csv",
        "timeseries.csv",
        "events.csv",
    ] {
        assert!(
            fs::read(live.join(f)).unwrap() == fs::read(replayed.join(f)).unwrap(),
            "{f} differs between the live session and its replay"
        );
    }
    assert_eq!(
        activations(&live),
        [
            ("gifct-cip".into(), Some(30.0), "players".into()),
            ("ecp".into(), Some(90.0), "players".into())
        ]
    );
}

#[test]
fn the_debrief_and_the_msel_give_each_protocols_milestones() {
    let dir = tempfile::tempdir().unwrap();
    let s = write_scenario(dir.path());
    let record = write_record(
        dir.path(),
        "r.yaml",
        &[("1h", "activate ecp"), ("1h30m", "notify ecp all")],
    );
    let out = dir.path().join("out");
    let stdout = replay(&s, &record, &out);
    for expected in [
        "you never activated `gifct-cip`; the `gifct-cip` trigger (variant `both`) fires at a median T+",
        "under `gifct-cip` the protocol is active at a median T+",
        "you never notified the members of `gifct-cip`; `gifct-cip` notifies members 15m after activation",
        "you activated `ecp` at T+01:00; the `ecp` trigger (variant `both`) fires at a median T+",
        "under `ecp` the protocol is active at a median T+",
        "you notified the members of `ecp` at T+01:30; `ecp` notifies members 30m after activation",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    let a = AfterAction::parse(&fs::read_to_string(out.join("after-action.md")).unwrap());
    for protocol in ["gifct-cip", "ecp"] {
        let of = |what: &str| {
            a.milestones
                .iter()
                .find(|m| m.protocol == protocol && m.what == what)
                .unwrap_or_else(|| panic!("no {what} of {protocol} in {:?}", a.milestones))
                .median
        };
        let notify = if protocol == "ecp" { 30.0 } else { 15.0 };
        assert!(of("trigger") <= of("active"));
        assert_eq!(of("members notified"), of("active") + notify);
    }

    let msel = dir.path().join("msel.csv");
    ttx()
        .arg("msel")
        .arg(&s)
        .args(["--variant", "both", "--replications", "8", "--out"])
        .arg(&msel)
        .assert()
        .success();
    let t = Table::read(&msel);
    let milestones: Vec<&str> = (0..t.rows.len())
        .filter(|&i| t.text(i, "inject_type") == "milestone")
        .map(|i| t.text(i, "description"))
        .collect();
    for protocol in ["gifct-cip", "ecp"] {
        for what in [
            "protocol trigger",
            "protocol active",
            "member platforms notified",
        ] {
            let label = format!("`{protocol}` {what}");
            assert!(
                milestones.iter().any(|m| m.starts_with(&label)),
                "no `{label}` in {milestones:?}"
            );
        }
    }
}

#[test]
fn an_objective_naming_a_protocol_is_rated_against_that_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let s = write_scenario(dir.path());
    // The first protocol only: the objective on `ecp` is not met, the one on any is.
    let gifct = write_record(
        dir.path(),
        "gifct.yaml",
        &[("30m", "activate"), ("30m", "notify gifct-cip all")],
    );
    let out = dir.path().join("gifct");
    replay(&s, &gifct, &out);
    assert_eq!(
        ratings(&out),
        [
            ("Activate ECP within 2h".into(), "U".into()),
            ("Notify under GIFCT within 1h".into(), "P".into()),
            ("Activate a protocol within 1h".into(), "P".into()),
        ]
    );
    let md = fs::read_to_string(out.join("after-action.md")).unwrap();
    assert!(
        md.contains("never activated `ecp` (target: by T+02:00)"),
        "{md}"
    );

    // `ecp` at 1h30m and its members notified (not gifct-cip's).
    let ecp = write_record(
        dir.path(),
        "ecp.yaml",
        &[("1h30m", "activate ecp"), ("1h30m", "notify ecp all")],
    );
    let out = dir.path().join("ecp");
    replay(&s, &ecp, &out);
    assert_eq!(
        ratings(&out),
        [
            ("Activate ECP within 2h".into(), "P".into()),
            ("Notify under GIFCT within 1h".into(), "U".into()),
            ("Activate a protocol within 1h".into(), "S".into()),
        ]
    );
}

#[test]
fn the_report_shows_part_two_lines_only_for_the_mechanisms_a_scenario_uses() {
    let dir = tempfile::tempdir().unwrap();
    let session = |scenario: PathBuf, variant: &str| {
        let assert = ttx()
            .arg("exercise")
            .arg(scenario)
            .args([
                "--variant",
                variant,
                "--replications",
                "2",
                "--threads",
                "1",
            ])
            .arg("--out")
            .arg(dir.path().join(variant))
            .write_stdin("activate gifct-cip\nnext\nend\n")
            .assert()
            .success();
        String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
    };
    let part2 = session(crate::common::part2_fixture(), "tiers");
    for expected in [
        "protocols: inactive: gifct-cip, ecp\n",
        "live streams on air: streamsite | link posts live 0, removed 0\n",
        "protocols: gifct-cip ACTIVE since T+00:00 | inactive: ecp\n",
    ] {
        assert!(
            part2.contains(expected),
            "missing `{expected}` in:\n{part2}"
        );
    }
    assert!(
        part2
            .lines()
            .filter(|l| l.starts_with("protocols:") || l.starts_with("live streams"))
            .all(|l| l.chars().count() <= 80),
        "{part2}"
    );
    // A part I scenario: none of these lines.
    let tutorial = session(crate::common::shipped("tutorial.yaml"), "ecp");
    for absent in ["protocols:", "live streams", "link posts"] {
        assert!(!tutorial.contains(absent), "`{absent}` in:\n{tutorial}");
    }
}
