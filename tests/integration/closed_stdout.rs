//! Every command exits quietly when its standard output is closed (`| head`) or full
//! (`>/dev/full`): no panic, no "failed printing", its own exit code, and its output
//! files complete.

use std::fs;
use std::path::Path;
use std::process::Stdio;

use crate::common::shipped;
use crate::spawn::bin;

#[derive(Clone, Copy, Debug)]
enum Stdout {
    Closed,
    Full,
}

fn run(args: &[&std::ffi::OsStr], stdout: Stdout) -> (Option<i32>, String) {
    let mut cmd = std::process::Command::new(bin());
    cmd.args(args).stdin(Stdio::null()).stderr(Stdio::piped());
    match stdout {
        Stdout::Closed => {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            cmd.stdout(writer);
        }
        Stdout::Full => {
            cmd.stdout(
                fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            );
        }
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn quiet(args: &[&std::ffi::OsStr], code: i32) {
    for how in [Stdout::Closed, Stdout::Full] {
        let (got, err) = run(args, how);
        assert_eq!(got, Some(code), "{args:?} with stdout {how:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("failed printing"),
            "{args:?} with stdout {how:?}: {err}"
        );
    }
}

fn same_files(a: &Path, b: &Path, names: &[&str]) {
    for n in names {
        assert_eq!(
            fs::read(a.join(n)).unwrap(),
            fs::read(b.join(n)).unwrap(),
            "{n} is complete"
        );
    }
}

#[test]
fn run_compare_validate_protocols_msel_and_exercise_replay_exit_quietly_when_stdout_is_closed_or_full()
 {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = shipped("tutorial.yaml");
    let s = s.as_os_str();
    let o = |name: &str| d.join(name).into_os_string();

    // Reference outputs, with stdout open.
    let (ref_run, ref_cmp) = (o("ref-run"), o("ref-cmp"));
    assert_cmd::Command::new(bin())
        .args([
            "run".as_ref(),
            s,
            "--replications".as_ref(),
            "3".as_ref(),
            "--out".as_ref(),
            ref_run.as_os_str(),
        ])
        .assert()
        .success();
    assert_cmd::Command::new(bin())
        .args([
            "compare".as_ref(),
            s,
            "--replications".as_ref(),
            "3".as_ref(),
            "--out".as_ref(),
            ref_cmp.as_os_str(),
        ])
        .assert()
        .success();

    let run_out = o("run");
    quiet(
        &[
            "run".as_ref(),
            s,
            "--replications".as_ref(),
            "3".as_ref(),
            "--out".as_ref(),
            run_out.as_os_str(),
        ],
        0,
    );
    same_files(
        Path::new(&ref_run),
        Path::new(&run_out),
        &["runs.csv", "platforms.csv", "timeseries.csv"],
    );
    let cmp_out = o("cmp");
    quiet(
        &[
            "compare".as_ref(),
            s,
            "--replications".as_ref(),
            "3".as_ref(),
            "--out".as_ref(),
            cmp_out.as_os_str(),
        ],
        0,
    );
    same_files(
        Path::new(&ref_cmp),
        Path::new(&cmp_out),
        &["summary.csv", "timeseries_summary.csv"],
    );
    quiet(&["validate".as_ref(), s], 0);
    quiet(&["validate".as_ref(), "/no/such.yaml".as_ref()], 2);
    quiet(&["protocols".as_ref(), s], 0);
    let msel = o("msel.csv");
    quiet(
        &[
            "msel".as_ref(),
            s,
            "--replications".as_ref(),
            "5".as_ref(),
            "--out".as_ref(),
            msel.as_os_str(),
        ],
        0,
    );
    assert!(fs::read_to_string(&msel).unwrap().lines().count() > 3);

    let rec = d.join("rec.yaml");
    fs::write(
        &rec,
        "variant: baseline\nseed: 7\nstep: 30m\ndecisions:\n  - {at: 1h, decision: activate}\n",
    )
    .unwrap();
    let ex = o("ex");
    quiet(
        &[
            "exercise".as_ref(),
            s,
            "--decisions".as_ref(),
            rec.as_os_str(),
            "--replications".as_ref(),
            "2".as_ref(),
            "--out".as_ref(),
            ex.as_os_str(),
        ],
        0,
    );
    for f in ["runs.csv", "events.csv", "after-action.md"] {
        assert!(Path::new(&ex).join(f).exists(), "{f}");
    }
    // A live session with its output closed still ends and writes its files.
    let live = o("live");
    quiet(
        &[
            "exercise".as_ref(),
            s,
            "--replications".as_ref(),
            "2".as_ref(),
            "--out".as_ref(),
            live.as_os_str(),
        ],
        0,
    );
    assert!(Path::new(&live).join("after-action.md").exists());
}
