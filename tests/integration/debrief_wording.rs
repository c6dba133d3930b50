//! The debrief speaks from the players' side ("your decisions gave 10% less exposure
//! than `ecp`"), not the automated variant's ("Against players: ecp increases exposure
//! by 10%", which read backwards to a trainer); the after-action table shows what each
//! decision actually did; one replication is shown as `n = 1`, not `± 0`.

use std::fs;

use ttx::compare::Metric;
use ttx::compare::stats::Paired;
use ttx::exercise::debrief::players_verdict;

use crate::common::shipped;

fn paired(players: f64, variant: f64, half_width: f64) -> Paired {
    let delta = variant - players;
    Paired {
        n: 50,
        delta_mean: delta,
        delta_sd: 1.0,
        delta_ci95_low: delta - half_width,
        delta_ci95_high: delta + half_width,
        ratio_mean: Some(variant / players),
        ratio_ci95: None,
        reference_mean: players,
    }
}

#[test]
fn the_debrief_says_what_the_players_decisions_gave_against_each_variant() {
    // The players had 900 views, `ecp` 1000: the players did 10% better.
    let v = players_verdict(&paired(900.0, 1000.0, 20.0), Metric::Exposure, "ecp");
    assert_eq!(
        v,
        "your decisions gave 10% less exposure than `ecp` (8–12%)"
    );
    let v = players_verdict(&paired(1100.0, 1000.0, 20.0), Metric::Exposure, "ecp");
    assert_eq!(
        v,
        "your decisions gave 10% more exposure than `ecp` (8–12%)"
    );
    let v = players_verdict(&paired(1000.0, 1001.0, 20.0), Metric::PeakLive, "ecp");
    assert!(
        v.starts_with("no clear difference in peak live copies"),
        "{v}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "20", "--out"])
        .arg(dir.path())
        .write_stdin("activate\nnotify all\nend\n")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("Your decisions against each automated variant"),
        "{text}"
    );
    assert!(
        text.contains("between your decisions and `baseline`") || text.contains("than `baseline`"),
        "{text}"
    );
    assert!(!text.contains("Against `players`"), "{text}");
    assert!(!text.contains("increases"), "{text}");
    let md = fs::read_to_string(dir.path().join("after-action.md")).unwrap();
    assert!(md.contains("your decisions against it"), "{md}");
    assert!(!md.contains("increases") && !md.contains("reduces"), "{md}");
}

#[test]
fn the_after_action_table_shows_what_each_decision_actually_did() {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "2", "--out"])
        .arg(dir.path())
        .write_stdin("refer videotube 5\norder fringe-board 2\norder videotube 2\nend\n")
        .assert()
        .success();
    let md = fs::read_to_string(dir.path().join("after-action.md")).unwrap();
    assert!(
        md.contains("| time | role | decision | what it did |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| T+00:00 |  | refer videotube 5 | referred 0 of the 5 copies asked for on videotube |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| order videotube 2 | sent removal orders for 0 of the 2 copies asked for on videotube |"),
        "{md}"
    );
    assert!(
        !md.contains("order fringe-board"),
        "a refused decision is not listed: {md}"
    );
}

#[test]
fn one_replication_reads_n_equals_1_not_plus_minus_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("run")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "1", "--out"])
        .arg(dir.path().join("run"))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("(n = 1)"), "{text}");
    assert!(!text.contains("± 0"), "{text}");

    // A scenario of one replication, compared.
    let yaml = fs::read_to_string(shipped("tutorial.yaml"))
        .unwrap()
        .replace("\nreplications: 50", "\nreplications: 1");
    let one = dir.path().join("one.yaml");
    fs::write(&one, yaml).unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("compare")
        .arg(&one)
        .arg("--out")
        .arg(dir.path().join("cmp"))
        .assert();
    let o = out.get_output();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    if o.status.success() {
        assert!(text.contains("(n = 1)"), "{text}");
        assert!(!text.contains("± 0"), "{text}");
    }
}
