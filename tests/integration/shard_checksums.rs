//! A shard's manifest holds the SHA-256 of every file the shard wrote, and `ttx merge`
//! refuses a shard whose file changed since (issue #14: a shard whose `runs.csv` had one
//! digit changed was merged). Manifests of the first format, without checksums, are
//! merged with a note that their files could not be checked.

use std::path::{Path, PathBuf};

use predicates::str::contains;
use sha2::{Digest, Sha256};

use crate::common::{shipped, snapshot, ttx};

/// Shards 1..=3 of 6 replications of the tutorial (`command`: run or compare).
fn shards(root: &Path, command: &str) -> Vec<PathBuf> {
    (1..=3)
        .map(|k| {
            let dir = root.join(format!("s{k}"));
            ttx()
                .arg(command)
                .arg(shipped("tutorial.yaml"))
                .args([
                    "--replications",
                    "6",
                    "--quiet",
                    "--shard",
                    &format!("{k}/3"),
                ])
                .arg("--out")
                .arg(&dir)
                .assert()
                .success();
            dir
        })
        .collect()
}

fn merge(shards: &[PathBuf], out: &Path) -> assert_cmd::assert::Assert {
    ttx()
        .arg("merge")
        .args(shards)
        .arg("--out")
        .arg(out)
        .assert()
}

/// Change the last digit of the second data row of `file`: same length, same shape (it
/// still reads as a valid file, with a plausible number).
fn change_one_digit(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let mut lines = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i);
    let (start, end) = (lines.nth(1).unwrap() + 1, lines.next().unwrap());
    let at = (start..end)
        .rev()
        .find(|&i| bytes[i].is_ascii_digit())
        .unwrap();
    bytes[at] = if bytes[at] == b'9' {
        b'8'
    } else {
        bytes[at] + 1
    };
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn merge_refuses_a_shard_whose_runs_csv_had_one_digit_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = shards(tmp.path(), "run");
    change_one_digit(&dirs[1].join("runs.csv"));
    let out = tmp.path().join("out");
    merge(&dirs, &out).code(2).stderr(contains(format!(
        "{}: changed since shard 2 of 3 wrote it (its SHA-256 is not the one its shard.yaml records)",
        dirs[1].join("runs.csv").display()
    )));
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn merge_refuses_a_comparison_shard_whose_time_series_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = shards(tmp.path(), "compare");
    change_one_digit(&dirs[2].join("timeseries.csv"));
    let out = tmp.path().join("out");
    // An earlier result there stays as it was.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("summary.csv"), "earlier\n").unwrap();
    merge(&dirs, &out).code(2).stderr(contains(format!(
        "{}: changed since shard 3 of 3 wrote it",
        dirs[2].join("timeseries.csv").display()
    )));
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        "earlier\n"
    );
    assert_eq!(snapshot(&out).len(), 1);
}

#[test]
fn the_manifest_records_the_sha256_of_each_file_the_shard_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = shards(tmp.path(), "run");
    let manifest = std::fs::read_to_string(dirs[0].join("shard.yaml")).unwrap();
    assert!(manifest.contains("format: ttx-shard-2"), "{manifest}");
    for name in ["runs.csv", "platforms.csv", "timeseries.csv"] {
        let sum: String = Sha256::digest(std::fs::read(dirs[0].join(name)).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            manifest.contains(&format!("- file: {name}\n  sha256: {sum}\n")),
            "{name}: {manifest}"
        );
    }
}

/// A manifest as the first format wrote it: no outputs, no checksums.
fn as_format_1(dir: &Path) {
    let path = dir.join("shard.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.find("outputs:").unwrap();
    let old = text[..cut].replace("ttx-shard-2", "ttx-shard-1");
    std::fs::write(&path, old).unwrap();
}

#[test]
fn old_manifests_without_checksums_are_merged_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = shards(tmp.path(), "run");
    for d in &dirs {
        as_format_1(d);
    }
    let whole = tmp.path().join("whole");
    ttx()
        .arg("run")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "6", "--quiet", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let out = tmp.path().join("out");
    merge(&dirs, &out)
        .success()
        .stderr(contains(
            "have no checksums (format ttx-shard-1, from an earlier ttx)",
        ))
        .stderr(contains("without checking that they are unchanged"));
    // The first format's shards had no protocols.csv, so the merge leaves it out.
    let mut expected = snapshot(&whole);
    expected.remove("protocols.csv");
    assert_eq!(expected, snapshot(&out));
    // A mixed set (one shard of each format) is not one batch.
    let fresh = shards(&tmp.path().join("fresh"), "run");
    let mixed = vec![dirs[0].clone(), fresh[1].clone(), fresh[2].clone()];
    merge(&mixed, &tmp.path().join("mixed"))
        .code(2)
        .stderr(contains(
            "`format` differs (ttx-shard-1 against ttx-shard-2)",
        ));
}

#[test]
fn a_manifest_stripped_of_its_checksums_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = shards(tmp.path(), "run");
    let path = dirs[0].join("shard.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.find("files:").unwrap();
    std::fs::write(&path, &text[..cut]).unwrap();
    merge(&dirs, &tmp.path().join("out"))
        .code(2)
        .stderr(contains("lists no files with their checksums"));
}
