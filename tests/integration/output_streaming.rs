//! Output streams: the runner holds a bounded number of records for runs not yet
//! written, whatever the number of replications and however many records one run makes
//! (issue #14: memory grew from 270 MB to 1.36 GB between 2 and 30 replications of a
//! fine-sampling scenario, because finished runs' records were held a window of runs at
//! a time). And the order of the files stays that of one thread, whatever the budget.

use std::path::Path;

use ttx::output::{CsvOutputs, OutputFiles};
use ttx::runner::{self, Budget, CHUNK, RunPlan, RunStats};
use ttx::scenario::Scenario;
use ttx::sink::NullSink;

use crate::common::{self, snapshot};

/// One platform sampled every second for four days: 345,601 time-series rows per run,
/// more than the default budget holds, and few copies (each run is quick).
fn fine_sampling() -> Scenario {
    common::scenario(
        r#"
name: fine sampling
horizon: 4d
sample_every: 1s
seed: 5
platforms:
  - id: site
    views_per_hour: 100
    attention_half_life: 1h
    hash_recall: 0.5
    detection: {proactive_per_hour: 1.0}
    review: {reviewers: 2, time: {exp: 10m}}
content:
  - {id: clip, origin: {platform: site, at: 0m}}
campaigns:
  - {content: clip, platforms: [site], per_hour: 2, end: 6h}
"#,
    )
}

fn held(s: &Scenario, replications: u32, threads: usize, budget: Budget) -> RunStats {
    let mut plan = RunPlan::for_scenario(s);
    plan.replications = replications;
    plan.threads = threads;
    runner::run_with(s, &plan, &mut NullSink, None, &mut |_| {}, budget).expect("runs")
}

#[test]
fn records_held_do_not_grow_with_replications_of_a_fine_sampling_scenario() {
    let s = fine_sampling();
    let budget = Budget::default();
    let peaks: Vec<(u32, usize)> = [2, 10, 30]
        .into_iter()
        .map(|n| (n, held(&s, n, 2, budget).peak_records_held))
        .collect();
    eprintln!("peak records held by replications: {peaks:?}");
    // A run makes 345,601 rows: before, the runner held every finished run ahead of the
    // one being written (up to 64 runs on 2 threads), 2 x 345,601 with 2 replications and
    // 30 x 345,601 with 30. Now the runs ahead hold at most the budget, and the run
    // being written two chunks more.
    let bound = budget.records + 2 * CHUNK;
    for &(n, peak) in &peaks {
        assert!(
            peak <= bound,
            "{n} replications held {peak} records, more than the budget's {bound}"
        );
    }
    // The bound does not depend on the replications, and it is less than one run's rows
    // (before, 30 replications held 30 runs' rows). How close each batch comes to the
    // bound depends on how the two threads are scheduled, so the peaks are not compared
    // with each other.
    const ROWS_PER_RUN: usize = 345_601;
    assert!(bound < ROWS_PER_RUN);
    let thirty = peaks[2].1;
    assert!(
        thirty < ROWS_PER_RUN,
        "30 replications held a whole run's rows or more: {peaks:?}"
    );
}

#[test]
fn a_run_larger_than_the_budget_is_written_through_while_later_runs_wait() {
    // A budget of a few chunks: every run ahead waits for its turn almost at once.
    let s = fine_sampling();
    let budget = Budget {
        runs_per_thread: 32,
        records: 3 * CHUNK,
    };
    for n in [2, 10] {
        let peak = held(&s, n, 3, budget).peak_records_held;
        assert!(
            peak <= budget.records + 2 * CHUNK,
            "{n} replications: held {peak} records"
        );
    }
}

/// The files of the tutorial (sampled every minute, event log on) written with
/// `threads` and `budget`.
fn files(
    dir: &Path,
    threads: usize,
    budget: Budget,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let path = common::shipped("tutorial.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("sample_every: 15m", "sample_every: 1m");
    let s = ttx::scenario::parse(&text, "tutorial.yaml").unwrap();
    let mut plan = RunPlan::for_scenario(&s);
    plan.replications = 7;
    plan.threads = threads;
    plan.events = true;
    let mut csv = CsvOutputs::create(dir, OutputFiles { events: true }).unwrap();
    runner::run_with(&s, &plan, &mut csv, None, &mut |_| {}, budget).unwrap();
    csv.commit().unwrap();
    snapshot(dir)
}

#[test]
fn files_are_byte_identical_for_any_thread_count_and_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let one = files(&tmp.path().join("one"), 1, Budget::default());
    assert_eq!(one.len(), 5, "{:?}", one.keys());
    for (threads, records, runs) in [(2, 1 << 18, 32), (3, 1, 1), (2, 5000, 2), (4, CHUNK, 8)] {
        let budget = Budget {
            runs_per_thread: runs,
            records,
        };
        let dir = tmp.path().join(format!("t{threads}-{records}-{runs}"));
        let got = files(&dir, threads, budget);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            one.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &one {
            assert!(
                got[name] == *bytes,
                "{name} differs on {threads} threads with {budget:?}"
            );
        }
    }
}
