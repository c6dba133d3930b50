//! `ttx sweep`: every variant in every cell of a grid of values, with common random
//! numbers across cells; a `cell` column and one per swept path in the run files;
//! `sweep_summary.csv`; shards that merge into the single-process files byte for byte.

use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::common::{Table, shipped, snapshot, ttx};

const REVIEWERS: &str = "platforms.videotube.review.reviewers";
const RECALL: &str = "platforms.videotube.hash_recall";

/// `ttx sweep` of the tutorial over a 2 x 2 grid, `reps` replications, into `out`.
fn sweep(out: &Path, reps: u32, extra: &[&str]) -> assert_cmd::assert::Assert {
    ttx()
        .arg("sweep")
        .arg(shipped("tutorial.yaml"))
        .args(["--set", &format!("{REVIEWERS}=4,10")])
        .args(["--set", &format!("{RECALL}=0.5,0.9")])
        .args(["--replications", &reps.to_string(), "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

#[test]
fn a_grid_runs_every_variant_in_every_cell_and_summarises_each() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let printed = ttx()
        .arg("sweep")
        .arg(shipped("tutorial.yaml"))
        .args(["--set", &format!("{REVIEWERS}=4,10")])
        .args(["--set", &format!("{RECALL}=0.5,0.9")])
        .args(["--replications", "6", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(printed.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("4 cells x 2 variants x 6 replications"),
        "{stdout}"
    );
    assert!(stdout.contains("wrote"), "{stdout}");
    let runs = Table::read(&out.join("runs.csv"));
    // The key columns, then the sweep's, then the record's.
    assert_eq!(
        runs.header[..6],
        ["variant", "replication", "seed", "cell", REVIEWERS, RECALL]
    );
    assert_eq!(runs.rows.len(), 4 * 2 * 6);
    // Cell by cell (the first path slowest), each cell's rows in variant order.
    let cells: Vec<(String, String, String, String)> = runs
        .rows
        .iter()
        .step_by(12)
        .map(|r| (r[3].clone(), r[4].clone(), r[5].clone(), r[0].clone()))
        .collect();
    assert_eq!(
        cells,
        [
            ("0", "4", "0.5", "baseline"),
            ("1", "4", "0.9", "baseline"),
            ("2", "10", "0.5", "baseline"),
            ("3", "10", "0.9", "baseline")
        ]
        .map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d.into()))
    );
    let platforms = Table::read(&out.join("platforms.csv"));
    assert_eq!(platforms.header[2..5], ["cell", REVIEWERS, RECALL]);
    // The values do reach the model: the video site blocks more with the higher recall.
    let blocked = |cell: &str| -> f64 {
        let col = platforms.col("blocked");
        platforms
            .rows
            .iter()
            .filter(|r| r[2] == cell && r[platforms.col("platform")] == "videotube")
            .map(|r| r[col].parse::<f64>().unwrap())
            .sum()
    };
    assert!(
        blocked("1") > blocked("0"),
        "{} {}",
        blocked("1"),
        blocked("0")
    );

    // The summary: per (cell, variant, metric), the mean of runs.csv's values and the
    // paired difference against the reference of the same cell.
    let summary = Table::read(&out.join("sweep_summary.csv"));
    assert_eq!(
        summary.header[..5],
        ["cell", REVIEWERS, RECALL, "variant", "metric"]
    );
    let exposure = |cell: &str, variant: &str| -> Vec<f64> {
        (0..runs.rows.len())
            .filter(|&i| runs.text(i, "cell") == cell && runs.text(i, "variant") == variant)
            .map(|i| runs.num(i, "exposure"))
            .collect()
    };
    for cell in ["0", "3"] {
        let (base, ecp) = (exposure(cell, "baseline"), exposure(cell, "ecp"));
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        let row = (0..summary.rows.len())
            .find(|&i| {
                summary.text(i, "cell") == cell
                    && summary.text(i, "variant") == "ecp"
                    && summary.text(i, "metric") == "exposure"
            })
            .expect("a summary row");
        // Written with 4 decimals from values written with 3.
        assert!((summary.num(row, "mean") - mean(&ecp)).abs() < 1e-3);
        let delta: Vec<f64> = ecp.iter().zip(&base).map(|(e, b)| e - b).collect();
        assert!((summary.num(row, "delta_mean") - mean(&delta)).abs() < 1e-3);
        assert!(summary.num(row, "delta_ci95_low") < summary.num(row, "delta_mean"));
        assert!(summary.num(row, "delta_ci95_high") > summary.num(row, "delta_mean"));
        assert_eq!(summary.int(row, "n"), 6);
    }
    let meta = std::fs::read_to_string(out.join("run.yaml")).unwrap();
    assert!(meta.contains("command: sweep"), "{meta}");
    assert!(meta.contains(&format!("{REVIEWERS}=4,10")), "{meta}");
}

/// Cells share their random draws: a path that one variant's protocol never reads leaves
/// that variant's runs identical in every cell.
#[test]
fn cells_share_their_random_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("crn");
    ttx()
        .arg("sweep")
        .arg(shipped("tutorial.yaml"))
        .args(["--set", "protocols.ecp.hash_sharing_delay=10m,30m,2h"])
        .args(["--replications", "5", "--quiet", "--events", "--out"])
        .arg(&out)
        .assert()
        .success();
    for file in ["runs.csv", "timeseries.csv", "events.csv"] {
        let t = Table::read(&out.join(file));
        let (variant, cell) = (t.col("variant"), t.col("cell"));
        let rows_of = |c: &str, v: &str| -> Vec<Vec<String>> {
            t.rows
                .iter()
                .filter(|r| r[cell] == c && r[variant] == v)
                .map(|r| {
                    let mut r = r.clone();
                    // Without the sweep's columns.
                    r.drain(cell..cell + 2);
                    r
                })
                .collect()
        };
        let base = rows_of("0", "baseline");
        assert!(!base.is_empty());
        assert_eq!(base, rows_of("1", "baseline"), "{file}");
        assert_eq!(base, rows_of("2", "baseline"), "{file}");
        // The protocol's variant does read it.
        if file == "events.csv" {
            assert_ne!(rows_of("0", "ecp"), rows_of("2", "ecp"));
        }
    }
}

/// A sweep of one value per path gives the plain run of the scenario file with those
/// values written in: the same rows, the sweep's columns aside.
#[test]
fn a_one_value_sweep_is_the_plain_run_with_that_value() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(shipped("tutorial.yaml")).unwrap();
    let edited = text.replacen(
        "      reviewers: 10                    # reviewers working",
        "      reviewers: 7                     # reviewers working",
        1,
    );
    assert_ne!(
        text, edited,
        "the tutorial's video-site reviewers line moved"
    );
    let file = tmp.path().join("tutorial.yaml");
    std::fs::write(&file, edited).unwrap();
    let plain = tmp.path().join("plain");
    ttx()
        .arg("run")
        .arg(&file)
        .args([
            "--replications",
            "4",
            "--events",
            "--quiet",
            "--threads",
            "2",
            "--out",
        ])
        .arg(&plain)
        .assert()
        .success();
    let swept = tmp.path().join("swept");
    ttx()
        .arg("sweep")
        .arg(shipped("tutorial.yaml"))
        .args(["--set", &format!("{REVIEWERS}=7")])
        .args([
            "--replications",
            "4",
            "--events",
            "--quiet",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&swept)
        .assert()
        .success();
    for name in [
        "runs.csv",
        "platforms.csv",
        "protocols.csv",
        "timeseries.csv",
        "events.csv",
    ] {
        let (a, b) = (
            Table::read(&plain.join(name)),
            Table::read(&swept.join(name)),
        );
        let at = b.col("cell");
        assert_eq!(b.header[at + 1], REVIEWERS);
        let strip = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
            rows.iter()
                .map(|r| {
                    let mut r = r.clone();
                    assert_eq!(r[at], "0");
                    assert_eq!(r[at + 1], "7");
                    r.drain(at..at + 2);
                    r
                })
                .collect()
        };
        let mut header = b.header.clone();
        header.drain(at..at + 2);
        assert_eq!(a.header, header, "{name}");
        assert_eq!(a.rows, strip(&b.rows), "{name}");
    }
}

/// Three shards (any thread count) merge into the single-process sweep, byte for byte,
/// `sweep_summary.csv` and the event log included; a shard alone has no summary.
#[test]
fn sweep_shards_merge_into_the_single_process_files() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    sweep(&full, 5, &["--events"]).success();
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| {
            let dir = tmp.path().join(format!("s{k}"));
            sweep(
                &dir,
                5,
                &[
                    "--events",
                    "--shard",
                    &format!("{k}/3"),
                    "--threads",
                    &k.to_string(),
                ],
            )
            .success();
            assert!(!dir.join("sweep_summary.csv").exists());
            dir
        })
        .collect();
    // 40 runs in shares of 13, 13 and 14, cutting through cells and variants.
    let rows = |d: &Path| Table::read(&d.join("runs.csv")).rows.len();
    assert_eq!(
        shards.iter().map(|d| rows(d)).collect::<Vec<_>>(),
        [13, 13, 14]
    );
    let merged = tmp.path().join("merged");
    let output = ttx()
        .arg("merge")
        .args([&shards[1], &shards[2], &shards[0]])
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("4 cells x 2 variants x 5 replications"),
        "{stdout}"
    );
    let (a, b) = (snapshot(&full), snapshot(&merged));
    assert!(a.contains_key("sweep_summary.csv") && a.contains_key("events.csv"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs after merging");
    }
}

#[test]
fn a_missing_doubled_or_foreign_sweep_shard_is_refused_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = |name: &str, k: u32, recall: &str| {
        let dir = tmp.path().join(name);
        ttx()
            .arg("sweep")
            .arg(shipped("tutorial.yaml"))
            .args(["--set", &format!("{RECALL}={recall}")])
            .args([
                "--replications",
                "3",
                "--quiet",
                "--shard",
                &format!("{k}/2"),
                "--out",
            ])
            .arg(&dir)
            .assert()
            .success();
        dir
    };
    let (s1, s2) = (shard("s1", 1, "0.5,0.9"), shard("s2", 2, "0.5,0.9"));
    let other = shard("other", 2, "0.5,0.8");
    let out = tmp.path().join("merged");
    let merge = |dirs: &[&PathBuf]| {
        ttx()
            .arg("merge")
            .args(dirs)
            .arg("--out")
            .arg(&out)
            .assert()
    };
    merge(&[&s1])
        .code(2)
        .stderr(contains("shard(s) 2 of 2 missing"));
    merge(&[&s1, &s1])
        .code(2)
        .stderr(contains("shard 1 of 2 is given twice"));
    merge(&[&s1, &other])
        .code(2)
        .stderr(contains("`sweep` differs"))
        .stderr(contains("0.5,0.8"));
    // A sweep's shards and a run's do not mix.
    let run = tmp.path().join("run");
    ttx()
        .arg("run")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "3", "--quiet", "--shard", "2/2", "--out"])
        .arg(&run)
        .assert()
        .success();
    merge(&[&s1, &run]).code(2).stderr(contains("differs"));
    assert!(!out.exists(), "a refused merge writes nothing");
    merge(&[&s2, &s1]).success();
    assert!(out.join("sweep_summary.csv").is_file());
}

#[test]
fn bad_sweep_flags_name_the_set_and_nothing_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("never");
    let run = |set: &str| {
        ttx()
            .arg("sweep")
            .arg(shipped("tutorial.yaml"))
            .args(["--set", set, "--replications", "2", "--out"])
            .arg(&out)
            .assert()
            .code(2)
    };
    // A value the model refuses: the file, the flag and what was expected.
    run(&format!("{RECALL}=0.5,1.5"))
        .stderr(contains("tutorial.yaml"))
        .stderr(contains(format!("--set {RECALL}=1.5")))
        .stderr(contains("expected a probability in [0, 1], found 1.5"));
    // A misspelt field: named, with the fields there are.
    run("platforms.videotube.hash_recal=0.5").stderr(contains("hash_recal"));
    run("platforms.nowhere.hash_recall=0.5").stderr(contains("nowhere"));
    run(RECALL).stderr(contains("expected PATH=V1,V2"));
    run(&format!("{RECALL}=0.5,,0.9")).stderr(contains("value 2 is empty"));
    run("seed=1,2").stderr(contains("experiment setting"));
    assert!(!out.exists(), "nothing is written for bad flags");
    // Too few runs for the shards.
    ttx()
        .arg("sweep")
        .arg(shipped("tutorial.yaml"))
        .args(["--set", &format!("{RECALL}=0.5"), "--variant", "ecp"])
        .args(["--replications", "2", "--shard", "3/3", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("2 run(s) cannot be shared among 3 shards"));
}

/// A variant that sets a swept path itself keeps its own value, and ttx says so.
#[test]
fn a_variant_that_sets_a_swept_path_is_noted() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(shipped("tutorial.yaml")).unwrap();
    let edited = text.replacen(
        "  - {name: ecp, protocol: ecp}",
        "  - {name: ecp, protocol: ecp, set: {platforms.videotube.hash_recall: 0.99}}",
        1,
    );
    assert_ne!(text, edited);
    let file = tmp.path().join("s.yaml");
    std::fs::write(&file, edited).unwrap();
    ttx()
        .arg("sweep")
        .arg(&file)
        .args([
            "--set",
            &format!("{RECALL}=0.5,0.9"),
            "--replications",
            "2",
            "--out",
        ])
        .arg(tmp.path().join("out"))
        .assert()
        .success()
        .stderr(contains(format!(
            "variant `ecp` sets {RECALL} itself (`set`), so its runs do not change along that path"
        )));
}
