//! What the prompt refuses, as it refuses any bad command, and says plainly: a surge
//! beyond the reviewer limit (at the prompt and in a record; once it aborted the whole
//! session with "memory allocation failed"), a duration that is not above zero.

use std::fs;

use ttx::exercise::command::{MAX_SURGE_REVIEWERS, parse};
use ttx::exercise::{Command, CommandError};
use ttx::scenario::load;

use crate::common::shipped;

#[test]
fn a_surge_of_four_billion_reviewers_is_refused_with_the_limit_named() {
    let s = load(&shipped("tutorial.yaml")).unwrap();
    let model = &s.variants[0].model;
    for n in [
        "4000000000",
        "99999999999",
        &(MAX_SURGE_REVIEWERS + 1).to_string(),
    ] {
        let e = parse(&format!("surge videotube {n}"), model).unwrap_err();
        assert!(
            matches!(e, CommandError::TooManyReviewers { .. }),
            "{n}: {e:?}"
        );
        let m = e.to_string();
        assert!(m.contains(&MAX_SURGE_REVIEWERS.to_string()), "{m}");
        assert!(m.contains(n), "{m}");
    }
    assert!(matches!(
        parse(&format!("surge videotube {MAX_SURGE_REVIEWERS}"), model),
        Ok(Command::Decide { .. })
    ));

    // At the prompt: refused, and the session goes on.
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "2", "--out"])
        .arg(dir.path().join("live"))
        .write_stdin("surge videotube 4000000000\nnext\nend\n")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("surge: at most 1000000 reviewers"), "{text}");
    assert!(text.contains("DEBRIEF"), "{text}");

    // In a record: refused as bad input, naming the entry.
    let rec = dir.path().join("surge.yaml");
    fs::write(
        &rec,
        "variant: baseline\nseed: 1\nstep: 30m\ndecisions:\n  - {at: 1h, decision: surge videotube 4000000000}\n",
    )
    .unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .arg("--decisions")
        .arg(&rec)
        .arg("--out")
        .arg(dir.path().join("replay"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("decisions[0].decision: surge: at most 1000000 reviewers"),
        "{err}"
    );
}

#[test]
fn advance_minus_one_hour_says_the_duration_must_be_above_zero() {
    let s = load(&shipped("tutorial.yaml")).unwrap();
    let model = &s.variants[0].model;
    for d in ["-1h", "0m", "0s"] {
        let m = parse(&format!("advance {d}"), model)
            .unwrap_err()
            .to_string();
        assert!(m.contains("> 0") && !m.contains(">= 0"), "{d}: {m}");
        assert!(m.contains(d), "{m}");
    }
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .args(["exercise", "s.yaml", "--step=-30m"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("> 0") && !err.contains(">= 0"), "{err}");
}
