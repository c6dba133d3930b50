//! A live exercise can never be lost: Ctrl-C at the prompt asks, and a second one ends
//! the session with everything written; SIGTERM ends it with everything written (exit
//! 143); each decision is in the record as soon as it is taken, so a killed session's
//! record replays up to its last decision; unwritable `--out` and `--record` are found
//! before the first move; a named pipe or a device is refused, not waited on.

use std::fs;
use std::time::Duration;

use ttx::exercise::DecisionFile;

use crate::common::shipped;
use crate::spawn::{Live, run_within};

fn live(dir: &std::path::Path) -> Live {
    Live::spawn(&[
        "exercise".as_ref(),
        shipped("tutorial.yaml").as_os_str(),
        "--replications".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        dir.join("out").as_os_str(),
        "--record".as_ref(),
        dir.join("record.yaml").as_os_str(),
    ])
}

fn record(dir: &std::path::Path) -> DecisionFile {
    let text = fs::read_to_string(dir.join("record.yaml")).expect("the record is written");
    DecisionFile::parse(&text, "record").expect("the record reads")
}

fn everything_written(dir: &std::path::Path) {
    for f in [
        "runs.csv",
        "platforms.csv",
        "timeseries.csv",
        "events.csv",
        "after-action.md",
    ] {
        assert!(dir.join("out").join(f).exists(), "{f} is written");
    }
}

#[test]
fn ctrl_c_at_the_prompt_asks_and_a_second_ctrl_c_ends_the_session_with_everything_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = live(dir.path());
    s.wait_for("T+00:00 > ");
    s.type_line("activate");
    s.wait_for("activated the crisis protocol");
    s.wait_for_n(" > ", 2);
    s.signal("INT");
    s.wait_for("end the session? Its record and debrief will be written");
    // The session goes on: a command is still taken.
    s.type_line("note still here");
    s.wait_for("note: still here");
    s.wait_for_n(" > ", 4);
    s.signal("INT");
    s.wait_for_n("end the session?", 2);
    s.signal("INT");
    let status = s.finish();
    assert_eq!(status.code(), Some(130), "{}", s.err());
    assert!(s.out().contains("DEBRIEF"), "{}", s.out());
    assert!(s.err().contains("were written"), "{}", s.err());
    everything_written(dir.path());
    let texts: Vec<String> = record(dir.path())
        .decisions
        .into_iter()
        .filter_map(|d| d.decision)
        .collect();
    assert_eq!(texts, ["activate", "note still here"]);
}

#[test]
fn end_of_input_after_ctrl_c_ends_the_session_with_everything_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = live(dir.path());
    s.wait_for("T+00:00 > ");
    s.type_line("activate");
    s.wait_for_n(" > ", 2);
    s.signal("INT");
    s.wait_for("end the session?");
    s.close_input();
    let status = s.finish();
    assert_eq!(status.code(), Some(0), "{}", s.err());
    everything_written(dir.path());
    assert_eq!(record(dir.path()).decisions.len(), 1);
}

#[test]
fn sigterm_at_the_prompt_ends_the_session_with_everything_written_and_exits_143() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = live(dir.path());
    s.wait_for("T+00:00 > ");
    s.type_line("notify all");
    s.wait_for("notified");
    s.signal("TERM");
    let status = s.finish();
    assert_eq!(status.code(), Some(143), "{}", s.err());
    everything_written(dir.path());
    assert_eq!(record(dir.path()).decisions.len(), 1);
}

#[test]
fn a_killed_session_leaves_a_record_that_replays_up_to_its_last_decision() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = live(dir.path());
    s.wait_for("T+00:00 > ");
    for line in [
        "activate",
        "notify all",
        "next",
        "as referral-unit: refer videotube 2",
    ] {
        s.type_line(line);
    }
    s.wait_for("referred");
    s.signal("KILL");
    s.finish();
    let file = record(dir.path());
    let texts: Vec<&str> = file
        .decisions
        .iter()
        .filter_map(|d| d.decision.as_deref())
        .collect();
    assert_eq!(texts, ["activate", "notify all", "refer videotube 2"]);
    assert_eq!(file.decisions[2].role.as_deref(), Some("referral-unit"));
    assert!(file.scenario_sha256.is_some());

    let rec = dir.path().join("record.yaml");
    let (status, out, err) = run_within(
        &[
            "exercise".as_ref(),
            shipped("tutorial.yaml").as_os_str(),
            "--decisions".as_ref(),
            rec.as_os_str(),
            "--replications".as_ref(),
            "2".as_ref(),
            "--out".as_ref(),
            dir.path().join("replayed").as_os_str(),
        ],
        Duration::from_secs(120),
    );
    assert!(status.success(), "{err}");
    assert!(out.contains("T+00:30 > refer videotube 2"), "{out}");
    let (status, _, err) = run_within(
        &[
            "run".as_ref(),
            shipped("tutorial.yaml").as_os_str(),
            "--decisions".as_ref(),
            rec.as_os_str(),
            "--replications".as_ref(),
            "2".as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            dir.path().join("run").as_os_str(),
        ],
        Duration::from_secs(120),
    );
    assert!(status.success(), "{err}");
}

#[test]
fn a_record_cut_short_in_its_last_line_replays_up_to_the_cut_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("cut.yaml");
    fs::write(
        &rec,
        "variant: \"baseline\"\nseed: 7\nstep: \"30m\"\ndecisions:\n  - {at: \"30m\", decision: \"activate\"}\n  - {at: \"1h\", decision: \"notify a",
    )
    .unwrap();
    let (status, out, err) = run_within(
        &[
            "exercise".as_ref(),
            shipped("tutorial.yaml").as_os_str(),
            "--decisions".as_ref(),
            rec.as_os_str(),
            "--replications".as_ref(),
            "2".as_ref(),
            "--out".as_ref(),
            dir.path().join("out").as_os_str(),
        ],
        Duration::from_secs(120),
    );
    assert!(status.success(), "{err}");
    assert!(err.contains("the last entry is incomplete"), "{err}");
    assert!(out.contains("T+00:30 > activate"), "{out}");
}

#[test]
fn an_unwritable_out_or_record_is_refused_before_the_first_move() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    fs::write(&file, "not a directory").unwrap();
    for (flag, other) in [("--out", "--record"), ("--record", "--out")] {
        let bad = file.join("inside");
        let good = dir.path().join(format!("good{flag}"));
        let (status, out, err) = run_within(
            &[
                "exercise".as_ref(),
                shipped("tutorial.yaml").as_os_str(),
                flag.as_ref(),
                bad.join("x.yaml").as_os_str(),
                other.as_ref(),
                good.as_os_str(),
            ],
            Duration::from_secs(60),
        );
        assert_eq!(status.code(), Some(2), "{flag}: {err}");
        assert!(
            err.contains(flag) && err.contains("cannot write there"),
            "{err}"
        );
        assert!(!out.contains("== T+"), "no move is played: {out}");
    }
}

#[cfg(unix)]
#[test]
fn a_named_pipe_or_a_device_as_decisions_or_record_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for (flag, path, found) in [
        ("--decisions", fifo.as_path(), "a named pipe"),
        ("--decisions", std::path::Path::new("/dev/zero"), "a device"),
        ("--record", fifo.as_path(), "a named pipe"),
        ("--record", std::path::Path::new("/dev/null"), "a device"),
    ] {
        let (status, out, err) = run_within(
            &[
                "exercise".as_ref(),
                shipped("tutorial.yaml").as_os_str(),
                flag.as_ref(),
                path.as_os_str(),
                "--out".as_ref(),
                dir.path().join("out").as_os_str(),
            ],
            Duration::from_secs(30),
        );
        assert_eq!(status.code(), Some(2), "{flag} {path:?}: {err}");
        assert!(err.contains(found), "{flag} {path:?}: {err}");
        assert!(!out.contains("== T+"), "{out}");
    }
    let (status, _, err) = run_within(
        &[
            "run".as_ref(),
            shipped("tutorial.yaml").as_os_str(),
            "--decisions".as_ref(),
            fifo.as_os_str(),
            "--out".as_ref(),
            dir.path().join("run").as_os_str(),
        ],
        Duration::from_secs(30),
    );
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("a named pipe"), "{err}");
}
