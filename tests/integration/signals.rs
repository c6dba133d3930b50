//! Every command ends with 128 + the signal: 143 for SIGTERM, 130 for Ctrl-C (SIGINT),
//! whether it is loading, running or writing; and an interrupted run changes no output.

use std::time::Duration;

use crate::common::shipped;
use crate::spawn::Live;

fn stopped_by(signal: &str, args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let mut live = Live::spawn(args);
    std::thread::sleep(Duration::from_millis(1500));
    live.signal(signal);
    let status = live.finish();
    (status.code(), live.err())
}

#[test]
fn sigterm_exits_143_and_sigint_130_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = shipped("christchurch-2019.yaml");
    let out = dir.path().join("out");
    let long = "100000".as_ref();
    let cases: [(&str, Vec<&std::ffi::OsStr>); 3] = [
        (
            "run",
            vec![
                "run".as_ref(),
                scenario.as_os_str(),
                "--replications".as_ref(),
                long,
                "--out".as_ref(),
                out.as_os_str(),
            ],
        ),
        (
            "compare",
            vec![
                "compare".as_ref(),
                scenario.as_os_str(),
                "--replications".as_ref(),
                long,
                "--out".as_ref(),
                out.as_os_str(),
            ],
        ),
        (
            "msel",
            vec![
                "msel".as_ref(),
                scenario.as_os_str(),
                "--replications".as_ref(),
                long,
                "--out".as_ref(),
                dir.path().join("msel.csv").into_os_string().leak(),
            ],
        ),
    ];
    for (name, args) in &cases {
        for (signal, code) in [("TERM", 143), ("INT", 130)] {
            let (got, err) = stopped_by(signal, args);
            assert_eq!(got, Some(code), "{name} stopped by SIG{signal}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    assert!(
        !out.join("runs.csv").exists(),
        "an interrupted run writes no outputs"
    );
}
