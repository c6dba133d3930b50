//! `--outputs LIST` on `run` and `compare`: only the files named are written (the others
//! are not created), the summary on screen is unchanged, unknown names get a "did you
//! mean", and `ttx merge` merges shards written with a subset, or refuses a mixed set.

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{shipped, snapshot, ttx};

/// `ttx ARGS SCENARIO --out OUT`: its standard output.
fn run(args: &[&str], scenario: &Path, out: &Path) -> String {
    let o = ttx()
        .args(args)
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    snapshot(dir).into_keys().collect()
}

/// What a command prints before the files it wrote.
fn table(stdout: &str) -> &str {
    &stdout[..stdout.find("wrote ").expect("the files written")]
}

#[test]
fn run_writes_only_the_files_outputs_names_and_prints_the_same_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let tutorial = shipped("tutorial.yaml");
    let (all, some) = (tmp.path().join("all"), tmp.path().join("some"));
    let every = run(&["run", "--replications", "6"], &tutorial, &all);
    let only = run(
        &["run", "--replications", "6", "--outputs", "runs,platforms"],
        &tutorial,
        &some,
    );
    // run.yaml (what produced the files) is always written.
    assert_eq!(names(&some), ["platforms.csv", "run.yaml", "runs.csv"]);
    assert_eq!(
        table(&every),
        table(&only),
        "the summary on screen is unchanged"
    );
    assert!(!only.contains("timeseries.csv"), "{only}");
    for name in ["runs.csv", "platforms.csv"] {
        assert_eq!(
            std::fs::read(all.join(name)).unwrap(),
            std::fs::read(some.join(name)).unwrap(),
            "{name} is the same file"
        );
    }
    // `events` in the list is `--events`.
    let ev = tmp.path().join("ev");
    run(
        &["run", "--replications", "2", "--outputs", "events"],
        &tutorial,
        &ev,
    );
    assert_eq!(names(&ev), ["events.csv", "run.yaml"]);
}

#[test]
fn an_unknown_outputs_name_is_refused_with_a_did_you_mean() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    ttx()
        .args(["run", "--outputs", "runs,timeserie", "--out"])
        .arg(&out)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .code(2)
        .stderr(contains(
            "--outputs: no output file is named `timeserie` (did you mean `timeseries`?); `ttx run` writes: runs, platforms, protocols, timeseries, events",
        ));
    ttx()
        .args(["run", "--outputs", "summary", "--out"])
        .arg(&out)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .code(2)
        .stderr(contains("`summary` is written by `ttx compare` only"));
    // The flag is checked before the scenario is read.
    ttx()
        .args(["compare", "--outputs", "sumary", "--out"])
        .arg(&out)
        .arg("no-such-scenario.yaml")
        .assert()
        .code(2)
        .stderr(contains("(did you mean `summary`?)"));
    assert!(!out.exists());
}

#[test]
fn compare_writes_only_the_summaries_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let tutorial = shipped("tutorial.yaml");
    let (all, some) = (tmp.path().join("all"), tmp.path().join("some"));
    let every = run(&["compare", "--replications", "6"], &tutorial, &all);
    let only = run(
        &["compare", "--replications", "6", "--outputs", "summary"],
        &tutorial,
        &some,
    );
    assert_eq!(names(&some), ["run.yaml", "summary.csv"]);
    assert_eq!(table(&every), table(&only));
    assert_eq!(
        std::fs::read(all.join("summary.csv")).unwrap(),
        std::fs::read(some.join("summary.csv")).unwrap()
    );
}

/// Shard `k` of 3 of 6 replications of `command` with `extra` flags, into `root/sK`.
fn shard(root: &Path, command: &str, k: u32, extra: &[&str]) -> PathBuf {
    let dir = root.join(format!("s{k}"));
    let mut args = vec![command, "--replications", "6", "--quiet", "--shard"];
    let spec = format!("{k}/3");
    args.push(&spec);
    args.extend_from_slice(extra);
    run(&args, &shipped("tutorial.yaml"), &dir);
    dir
}

#[test]
fn merge_merges_shards_written_with_a_subset() {
    let tmp = tempfile::tempdir().unwrap();
    let tutorial = shipped("tutorial.yaml");
    let whole = tmp.path().join("whole");
    run(
        &["run", "--replications", "6", "--outputs", "runs,timeseries"],
        &tutorial,
        &whole,
    );
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| shard(tmp.path(), "run", k, &["--outputs", "runs,timeseries"]))
        .collect();
    assert_eq!(
        names(&shards[0]),
        ["run.yaml", "runs.csv", "shard.yaml", "timeseries.csv"]
    );
    let merged = tmp.path().join("merged");
    ttx()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(snapshot(&whole), snapshot(&merged));

    // A comparison's shards write what its summaries are recomputed from; the merge
    // writes what was asked.
    let cmp_whole = tmp.path().join("cmp-whole");
    run(
        &[
            "compare",
            "--replications",
            "6",
            "--outputs",
            "platforms,summary",
        ],
        &tutorial,
        &cmp_whole,
    );
    let root = tmp.path().join("cmp");
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| shard(&root, "compare", k, &["--outputs", "platforms,summary"]))
        .collect();
    assert_eq!(
        names(&shards[0]),
        ["platforms.csv", "run.yaml", "runs.csv", "shard.yaml"]
    );
    let merged = tmp.path().join("cmp-merged");
    ttx()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(names(&merged), ["platforms.csv", "run.yaml", "summary.csv"]);
    assert_eq!(snapshot(&cmp_whole), snapshot(&merged));
}

#[test]
fn merge_refuses_shards_written_with_different_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let a = shard(tmp.path(), "run", 1, &["--outputs", "runs"]);
    let b = shard(tmp.path(), "run", 2, &[]);
    let c = shard(tmp.path(), "run", 3, &["--outputs", "runs"]);
    let out = tmp.path().join("out");
    ttx()
        .arg("merge")
        .args([&a, &b, &c])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("are not shards of one batch: their `outputs` differs (runs against runs, platforms, protocols, timeseries)"));
    assert!(!out.exists());
    // Without runs.csv there is no table to print, and merge says so.
    let root = tmp.path().join("platforms-only");
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| shard(&root, "run", k, &["--outputs", "platforms"]))
        .collect();
    ttx()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(contains("no runs.csv"))
        .stdout(contains("variant ").not());
    assert_eq!(names(&out), ["platforms.csv", "run.yaml"]);
}
