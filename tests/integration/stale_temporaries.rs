//! A run killed mid-way (SIGKILL, a power cut) cannot delete its hidden temporary files;
//! the next run into the directory removes those of processes no longer running, says
//! so, and never touches a live process's (issue #14: 140 MB of `.NAME.tmp-PID` files
//! stayed after a SIGKILL, and later runs left them there).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{livestream_fixture, shipped, snapshot, ttx};

fn temp_files(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .filter(|n| n.starts_with('.') && n.contains(".tmp-"))
        .collect()
}

/// The id of a process that has ended.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(target_os = "linux")]
#[test]
fn temporary_files_of_dead_processes_are_removed_and_live_ones_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let dead = dead_pid();
    let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
    let live = sleeper.id();
    let host = this_host();
    let stale = [
        format!(".runs.csv.tmp-{dead}"),
        format!(".timeseries.csv.tmp-{dead}.2-{host}"),
        format!(".events.csv.tmp-{dead}.3"),
    ];
    let kept = [
        // A live process of this machine.
        format!(".platforms.csv.tmp-{live}.0-{host}"),
        // A process of another machine sharing the directory: it cannot be checked.
        format!(".runs.csv.tmp-{dead}.1-another-machine.example"),
        // Not ttx's.
        ".notes.txt.swp".to_string(),
    ];
    for name in stale.iter().chain(&kept) {
        std::fs::write(out.join(name), "half a file").unwrap();
    }
    ttx()
        .args(["run", "--replications", "2", "--out"])
        .arg(&out)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .success()
        .stderr(contains(format!(
            "removed 3 temporary files left by an interrupted run in {}",
            out.display()
        )))
        .stderr(contains(
            "2 temporary files of another ttx that may still be running",
        ));
    let left = snapshot(&out);
    for name in &stale {
        assert!(!left.contains_key(name), "{name} was not removed");
    }
    for name in &kept {
        assert!(left.contains_key(name), "{name} was removed");
    }
    assert!(left.contains_key("runs.csv"));
    // Nothing left to say the next time (but the files of the others).
    ttx()
        .args(["run", "--replications", "2", "--out"])
        .arg(&out)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .success()
        .stderr(contains("removed ").not());
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}

/// A real SIGKILL mid-run: the earlier results stay as they were, the temporary files
/// stay too (nothing can remove them then), and the next run removes them.
#[cfg(target_os = "linux")]
#[test]
fn sigkill_mid_run_leaves_temporaries_that_the_next_run_removes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = livestream_fixture();
    ttx()
        .args(["run", "--quiet", "--replications", "2", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    let before = snapshot(&out);

    let bin = assert_cmd::cargo::cargo_bin!("ttx");
    let mut child = Command::new(bin)
        .args(["run", "--quiet", "--replications", "1000000", "--out"])
        .arg(&out)
        .arg(&scenario)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temp_files(&out).len() < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let left = temp_files(&out);
    // runs, platforms, protocols, timeseries and run.yaml
    assert_eq!(left.len(), 5, "{left:?}");
    let after = snapshot(&out);
    for (name, bytes) in &before {
        assert!(after[name] == *bytes, "the kill changed {name}");
    }

    ttx()
        .args(["run", "--replications", "2", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success()
        .stderr(contains(
            "removed 5 temporary files left by an interrupted run",
        ));
    assert!(temp_files(&out).is_empty(), "{:?}", temp_files(&out));
}
