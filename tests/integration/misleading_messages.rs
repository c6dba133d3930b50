//! Messages that said one thing and meant another: the replication limit stated two ways
//! (`1 is not in 2..4294967295` and "at least 2"); text typed by players (notes, roles)
//! printed and written to `after-action.md` as typed, escape sequences and all, and
//! breaking its Markdown tables with `|` or a line end.

use std::fs;

use crate::common::shipped;

fn stderr(args: &[&str]) -> String {
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .args(args)
        .assert()
        .code(2);
    String::from_utf8_lossy(&out.get_output().stderr).to_string()
}

#[test]
fn the_replication_limit_is_stated_one_way_by_every_command() {
    let s = shipped("tutorial.yaml");
    let s = s.to_str().unwrap();
    for (args, min) in [
        (vec!["exercise", s, "--replications", "1"], 2),
        (vec!["compare", s, "--replications", "1"], 2),
        (vec!["compare", s, "--max-replications", "1"], 2),
        (vec!["run", s, "--replications", "0"], 1),
        (vec!["msel", s, "--replications", "0"], 1),
    ] {
        let err = stderr(&args);
        assert!(
            err.contains(&format!("expected a whole number of at least {min}")),
            "{args:?}: {err}"
        );
        assert!(!err.contains("is not in"), "{args:?}: {err}");
    }
}

#[test]
fn what_players_type_is_neutralised_on_screen_and_in_the_after_action_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "2", "--out"])
        .arg(dir.path())
        .write_stdin(
            "note \u{1b}[2Jcleared | fake | row\nas evil|role\u{202e}: note x\nstatus\nend\n",
        )
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(!text.contains('\u{1b}'), "an escape reached the terminal");
    assert!(
        !text.contains('\u{202e}'),
        "a bidi override reached the terminal"
    );
    assert!(text.contains("\\u{1b}[2Jcleared"), "{text}");
    let md = fs::read_to_string(dir.path().join("after-action.md")).unwrap();
    assert!(!md.contains('\u{1b}') && !md.contains('\u{202e}'), "{md}");
    let row = md
        .lines()
        .find(|l| l.contains("cleared"))
        .expect("the note's row");
    assert_eq!(
        row.matches('|').count() - row.matches("\\|").count(),
        5,
        "the row keeps its four cells: {row}"
    );
    let role_row = md
        .lines()
        .find(|l| l.contains("evil"))
        .expect("the role's row");
    assert!(role_row.contains("evil\\|role\\u{202e}"), "{role_row}");
}
