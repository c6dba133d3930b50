//! Output files are written completely or not at all, through `--outputs`, shards and
//! comparisons: a run that fails or is interrupted leaves the earlier files untouched and
//! no temporary file behind, and a comparison commits its summaries with its run files.

use std::path::{Path, PathBuf};

use predicates::str::contains;
use ttx::app::{self, Captured, Error, RunOptions};
use ttx::compare::Metric;

use crate::common::{shipped, snapshot, ttx};

/// An output directory holding the results of a comparison of the tutorial.
fn earlier_comparison(root: &Path) -> PathBuf {
    let out = root.join("out");
    ttx()
        .args(["compare", "--replications", "3", "--quiet", "--out"])
        .arg(&out)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .success();
    // six CSV files and run.yaml
    assert_eq!(snapshot(&out).len(), 7, "{:?}", snapshot(&out).keys());
    out
}

/// The tutorial, stopped by its event limit in every run.
fn failing_tutorial(root: &Path) -> PathBuf {
    let path = root.join("failing.yaml");
    let text = std::fs::read_to_string(shipped("tutorial.yaml"))
        .unwrap()
        .replace("max_events: 5000000", "max_events: 50");
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_unchanged(out: &Path, before: &std::collections::BTreeMap<String, Vec<u8>>) {
    let after = snapshot(out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "files appeared or went"
    );
    for (name, bytes) in before {
        assert!(after[name] == *bytes, "{name} changed");
    }
}

#[test]
fn a_failed_run_with_a_subset_of_outputs_leaves_the_earlier_files_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = earlier_comparison(tmp.path());
    let before = snapshot(&out);
    let failing = failing_tutorial(tmp.path());
    for args in [
        &["run", "--outputs", "runs"][..],
        &["run", "--shard", "1/2", "--replications", "4"][..],
        &["compare", "--outputs", "summary", "--replications", "4"][..],
    ] {
        ttx()
            .args(args)
            .arg("--out")
            .arg(&out)
            .arg(&failing)
            .assert()
            .code(1)
            .stderr(contains("limits.max_events"));
        assert_unchanged(&out, &before);
    }
}

#[test]
fn an_interrupted_comparison_leaves_its_earlier_files_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = earlier_comparison(tmp.path());
    let before = snapshot(&out);
    let req = app::compare::Request {
        options: RunOptions {
            out: Some(out.clone()),
            outputs: vec!["runs".into(), "summary".into()],
            quiet: true,
            ..RunOptions::new(shipped("tutorial.yaml"))
        },
        replications: app::compare::Replications::Fixed(20),
        metrics: vec![Metric::Exposure],
        shard: None,
    };
    let report = &mut Captured::default();
    report
        .cancel
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let err = app::compare::run(&req, report).err().unwrap();
    assert!(matches!(err, Error::Interrupted), "{err:?}");
    assert_unchanged(&out, &before);
}

#[test]
fn a_comparison_whose_summary_cannot_be_written_changes_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = earlier_comparison(tmp.path());
    // Something in the way of the last file to be renamed into place.
    std::fs::remove_file(out.join("timeseries_summary.csv")).unwrap();
    std::fs::create_dir_all(out.join("timeseries_summary.csv").join("in-the-way")).unwrap();
    let before = snapshot(&out);
    ttx()
        .args(["compare", "--replications", "4", "--out"])
        .arg(&out)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .code(1)
        .stderr(contains("timeseries_summary.csv is a directory"));
    // Before, the run files were committed first, and the summaries after them.
    assert_unchanged(&out, &before);
}
