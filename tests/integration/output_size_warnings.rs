//! A scenario whose outputs will be very large says so before it runs (issue #14: a long
//! horizon with fine sampling passed `validate`, then wrote a 2 GB `timeseries.csv`).

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{shipped, ttx};

/// The tutorial over three days, sampled every second: 777,603 rows per run, about
/// 3.8 GB of time series for its 50 replications of 2 variants.
fn fine_tutorial(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(shipped("tutorial.yaml"))
        .unwrap()
        .replace("horizon: 12h", "horizon: 3d")
        .replace("sample_every: 15m", "sample_every: 1s");
    let path = dir.join("fine.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn validate_says_timeseries_csv_will_be_gigabytes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = fine_tutorial(tmp.path());
    ttx()
        .arg("validate")
        .arg(&path)
        .assert()
        .success()
        .stdout(contains("fine.yaml: ok"))
        .stderr(contains(
            "warning: timeseries.csv will be about 3.8 GB (77,760,300 rows: 777,603 per run, 100 runs)",
        ))
        .stderr(contains("sample less often"))
        .stderr(contains("--outputs"));
}

#[test]
fn shipped_scenarios_get_no_size_warning() {
    for name in ["tutorial.yaml", "christchurch-2019.yaml"] {
        ttx()
            .arg("validate")
            .arg(shipped(name))
            .assert()
            .success()
            .stderr(contains("will be about").not());
    }
}

#[test]
fn run_warns_before_running_and_not_when_outputs_skip_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = fine_tutorial(tmp.path());
    // 30 replications of 2 variants: 2.2 GB measured, 2.3 GB estimated. The run is
    // stopped at once by an event limit, after the warning.
    let capped = std::fs::read_to_string(&path)
        .unwrap()
        .replace("max_events: 5000000", "max_events: 10");
    std::fs::write(&path, capped).unwrap();
    let out = tmp.path().join("out");
    ttx()
        .args(["run", "--replications", "30", "--out"])
        .arg(&out)
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains(
            "timeseries.csv will be about 2.3 GB (46,656,180 rows",
        ));
    ttx()
        .args([
            "run",
            "--replications",
            "30",
            "--outputs",
            "runs,platforms",
            "--out",
        ])
        .arg(&out)
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains("will be about").not());
    // A comparison also keeps the time series in memory for its summary.
    ttx()
        .args(["compare", "--replications", "100", "--out"])
        .arg(&out)
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains("timeseries.csv will be about 7.5 GB (155,520,600 rows"))
        .stderr(contains(
            "the comparison will hold about 3.3 GB of time-series values in memory for timeseries_summary.csv",
        ));
}

#[test]
fn events_csv_is_estimated_when_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    // A million upload attempts an hour for 12 hours, half of them missed by the hash
    // match even once listed: at least 6 million rows per run. Blocked attempts are
    // written as one line per platform and sample interval, so with a recall of 1 the log
    // stays small and there is no warning.
    let flood = |recall: &str| {
        let path = tmp.path().join(format!("flood-{recall}.yaml"));
        std::fs::write(
            &path,
            format!("name: flood\nhorizon: 12h\nlimits: {{max_copies: 100000000, max_events: 10}}\nplatforms:\n  - {{id: a, views_per_hour: 1, attention_half_life: 1h, hash_recall: {recall}, review: {{reviewers: 1, time: 1m}}}}\ncontent:\n  - {{id: c, origin: {{platform: a}}}}\ncampaigns:\n  - {{content: c, platforms: [a], per_hour: 1000000}}\n"),
        )
        .unwrap();
        path
    };
    let half = flood("0.5");
    let out = tmp.path().join("out");
    ttx()
        .args(["run", "--replications", "2", "--out"])
        .arg(&out)
        .arg(&half)
        .assert()
        .code(1)
        .stderr(contains("events.csv").not());
    ttx()
        .args(["run", "--replications", "2", "--events", "--out"])
        .arg(&out)
        .arg(&half)
        .assert()
        .code(1)
        .stderr(contains(
            "warning: events.csv will be at least about 1.1 GB (12,000,000 rows: 6,000,000 per run, 2 runs",
        ));
    ttx()
        .args(["run", "--replications", "2", "--events", "--out"])
        .arg(&out)
        .arg(flood("1"))
        .assert()
        .code(1)
        .stderr(contains("warning: events.csv").not());
}
