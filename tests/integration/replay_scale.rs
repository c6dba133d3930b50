//! A large record replays in time proportional to its size and in bounded output: a
//! 20,000-decision record once took 20 s (the situation report listed every decision so
//! far at every pause) and a 200,000-decision one printed 8.3 GB.

use std::fmt::Write;
use std::time::{Duration, Instant};

use crate::common::shipped;
use crate::spawn::run_within;

fn record(n: usize) -> String {
    let mut s = String::from("variant: baseline\nseed: 7\nstep: 30m\ndecisions:\n");
    for i in 0..n {
        // Each at a time of its own: a pause (and a situation report) per decision.
        let at = 1.0 + i as f64 * 600.0 / n as f64;
        if i % 2 == 0 {
            let _ = writeln!(s, "  - {{at: {at:.4}m, decision: refer videotube 1}}");
        } else {
            let _ = writeln!(
                s,
                "  - {{at: {at:.4}m, decision: note decision number {i}}}"
            );
        }
    }
    s
}

fn replay(dir: &std::path::Path, n: usize) -> (Duration, usize) {
    let path = dir.join(format!("r{n}.yaml"));
    std::fs::write(&path, record(n)).unwrap();
    let start = Instant::now();
    let (status, out, err) = run_within(
        &[
            "exercise".as_ref(),
            shipped("tutorial.yaml").as_os_str(),
            "--decisions".as_ref(),
            path.as_os_str(),
            "--replications".as_ref(),
            "2".as_ref(),
            "--threads".as_ref(),
            "1".as_ref(),
            "--out".as_ref(),
            dir.join(format!("out{n}")).as_os_str(),
        ],
        Duration::from_secs(300),
    );
    let took = start.elapsed();
    assert!(status.success(), "{err}");
    assert!(
        out.contains(&format!("Replayed {n} decision(s)")),
        "the replay is summarised"
    );
    (took, out.len())
}

#[test]
fn a_20000_decision_record_replays_in_bounded_output_and_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let (t5, out5) = replay(dir.path(), 5_000);
    let (t20, out20) = replay(dir.path(), 20_000);
    for out in [out5, out20] {
        assert!(out < 200_000, "a replay prints {out} bytes");
    }
    // Linear: 4 times the decisions, at most about 4 times the time (quadratic was 14x).
    let ratio = t20.as_secs_f64() / t5.as_secs_f64();
    assert!(ratio < 8.0, "5k: {t5:?}, 20k: {t20:?} (x{ratio:.1})");
}
