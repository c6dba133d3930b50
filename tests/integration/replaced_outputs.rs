//! A command that overwrites or removes files of an earlier run says so (issue #14: two
//! runs into one `--out`, and the README worked example's second command, replaced the
//! results without a word, and `ttx merge` deleted a leftover `events.csv` silently).

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{shipped, ttx};

fn run(args: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    ttx()
        .args(args)
        .arg("--out")
        .arg(out)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .success()
}

fn path(out: &Path, name: &str) -> String {
    out.join(name).display().to_string()
}

#[test]
fn a_second_run_into_one_out_says_which_files_it_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    run(&["run", "--replications", "2"], &out).stderr(contains("replaced").not());
    run(&["run", "--replications", "3"], &out).stderr(contains(format!(
        "replaced {}, platforms.csv, protocols.csv, timeseries.csv, run.yaml (from an earlier run)",
        path(&out, "runs.csv")
    )));
    // Quiet is quiet.
    run(&["run", "--replications", "3", "--quiet"], &out).stderr(predicates::str::is_empty());
}

#[test]
fn the_readme_worked_examples_second_command_says_it_replaced_the_first_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tutorial");
    run(&["run"], &out);
    run(
        &["run", "--variant", "ecp", "--replications", "1", "--events"],
        &out,
    )
    .stderr(contains(format!(
        "replaced {}, platforms.csv, protocols.csv, timeseries.csv, run.yaml (from an earlier run)",
        path(&out, "runs.csv")
    )))
    .stderr(contains("events.csv").not());
}

#[test]
fn a_run_after_a_comparison_says_it_removed_the_summaries_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    run(&["compare", "--replications", "3"], &out);
    run(&["run", "--replications", "3", "--outputs", "runs"], &out)
        .stderr(contains(format!(
            "replaced {}, run.yaml (from an earlier run)",
            path(&out, "runs.csv")
        )))
        .stderr(contains(format!(
            "removed {}, protocols.csv, timeseries.csv, summary.csv, timeseries_summary.csv (from an earlier run: they would not match the files just written)",
            path(&out, "platforms.csv")
        )));
    assert!(!out.join("summary.csv").exists());
}

#[test]
fn merge_says_what_it_removes_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("merged");
    // An earlier run with its event log.
    run(&["run", "--replications", "4", "--events"], &out);
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let dir = tmp.path().join(format!("s{k}"));
            run(
                &[
                    "run",
                    "--replications",
                    "4",
                    "--quiet",
                    "--shard",
                    &format!("{k}/2"),
                ],
                &dir,
            );
            dir
        })
        .collect();
    ttx()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(contains(format!(
            "replaced {}, platforms.csv, protocols.csv, timeseries.csv, run.yaml (from an earlier run)",
            path(&out, "runs.csv")
        )))
        .stderr(contains(format!(
            "removed {} (from an earlier run: it would not match the files just written)",
            path(&out, "events.csv")
        )));
    assert!(!out.join("events.csv").exists());
}
