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
    // Without `roles:`, a role is free text the players type (with roles, only those).
    let text = fs::read_to_string(shipped("tutorial.yaml")).unwrap();
    let no_roles = dir.path().join("no-roles.yaml");
    fs::write(&no_roles, text.split("\nroles:").next().unwrap()).unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .arg("exercise")
        .arg(&no_roles)
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

/// A runaway from a campaign rate was blamed on the links ("lower the link rates"), which
/// in the tutorial cause fewer than one onward copy per copy.
#[test]
fn a_runaway_from_a_campaign_rate_blames_the_campaign_not_the_links() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(shipped("tutorial.yaml")).unwrap();
    let text = text
        .replacen(
            "per_hour: 40                       #",
            "per_hour: 40000                    #",
            1,
        )
        .replacen("max_copies: 100000", "max_copies: 2000", 1);
    let path = dir.path().join("campaign-runaway.yaml");
    fs::write(&path, text).unwrap();
    let out = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("ttx"))
        .args(["run", "--replications", "1", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg(&path)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("limits.max_copies = 2000"), "{err}");
    assert!(err.contains("lower the campaign rates"), "{err}");
    assert!(!err.contains("lower the link rates"), "{err}");
}
