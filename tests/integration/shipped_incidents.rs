//! The shipped incident scenarios against what was published: `christchurch-2019.yaml`
//! meets its own targets (it was calibrated to them), and it runs at the published volume.

use crate::common::{Table, shipped, ttx};

/// `ttx targets` on the calibrated March 2019 scenario exits 0: every published figure of
/// its targets file is matched (20 replications of `baseline`, the file's own setting).
#[test]
fn christchurch_2019_meets_its_own_targets() {
    let dir = tempfile::tempdir().unwrap();
    let out = ttx()
        .arg("targets")
        .arg(shipped("christchurch-2019.yaml"))
        .arg(shipped("christchurch-2019.targets.yaml"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}");
    assert!(table.contains("8 of 8 targets match"), "{table}");
    let fit = Table::read(&dir.path().join("fit.csv"));
    assert_eq!(fit.rows.len(), 8);
}

/// Full scale: ~1.5 million attempts on the largest network in 24 hours, about 80% blocked
/// at upload, and about one upload attempt a second at the peak on the largest video site.
/// Two replications: at this volume one run's totals are within a few percent of the mean
/// (the targets' intervals are ±0.1%), so the bounds below (±20%, and 2,700–5,000 an hour
/// around 3,600 for a peak read from 15-minute samples) fail only if the scale is wrong.
#[test]
fn christchurch_2019_runs_at_the_published_volume() {
    let dir = tempfile::tempdir().unwrap();
    ttx()
        .arg("run")
        .arg(shipped("christchurch-2019.yaml"))
        .args([
            "--variant",
            "baseline",
            "--replications",
            "2",
            "--quiet",
            "--outputs",
            "timeseries",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let ts = Table::read(&dir.path().join("timeseries.csv"));
    // (time, attempts so far, blocked so far) of one platform in one replication, in time order.
    let series = |rep: &str, platform: &str| {
        let mut s: Vec<(f64, f64, f64)> = (0..ts.rows.len())
            .filter(|&i| ts.text(i, "replication") == rep && ts.text(i, "platform") == platform)
            .map(|i| {
                (
                    ts.num(i, "time_min"),
                    ts.num(i, "attempts_cum"),
                    ts.num(i, "blocked_cum"),
                )
            })
            .collect();
        s.sort_by(|x, y| x.0.total_cmp(&y.0));
        s
    };
    for r in ["0", "1"] {
        let (_, a, b) = *series(r, "social").last().unwrap();
        assert!((1.2e6..1.8e6).contains(&a), "social attempts in 24h: {a}");
        assert!(
            (0.7..0.9).contains(&(b / a)),
            "social blocked share: {}",
            b / a
        );

        // Peak hourly rate of attempts on the video site, from consecutive samples.
        let peak = series(r, "videotube")
            .windows(2)
            .map(|w| (w[1].1 - w[0].1) / (w[1].0 - w[0].0) * 60.0)
            .fold(0.0, f64::max);
        assert!(
            (2700.0..5000.0).contains(&peak),
            "peak attempts an hour on the video site: {peak}"
        );
    }
}
