//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ttx::engine::SimInit;
use ttx::scenario::{Scenario, parse};
use ttx::sink::{Recorder, RunOutcome};

/// Parse a scenario written inline in a test; panics with the loader's message if invalid.
pub fn scenario(yaml: &str) -> Scenario {
    match parse(yaml, "test scenario") {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// Run replication `r` of variant `v`, keeping every record (events too if `events`).
pub fn run_one(s: &Scenario, v: usize, r: u32, events: bool) -> (RunOutcome, Recorder) {
    let mut rec = Recorder::new(events);
    let mut sim = SimInit::new(&s.experiment, &s.variants[v], r).build();
    let out = sim.run(&mut rec).expect("run finishes");
    (out, rec)
}

/// The scenario that uses every part II feature (tests/fixtures/scenarios/part2.yaml).
pub fn part2_fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios/part2.yaml")
}

/// The livestreamed-attack scenario at 1:100 (tests/fixtures/scenarios/livestream-1in100.yaml):
/// every mechanism of the shipped `christchurch-2019.yaml` at a hundredth of its volume,
/// for tests that need a rich scenario but not its full scale.
pub fn livestream_fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenarios/livestream-1in100.yaml")
}

/// Path of a shipped scenario.
pub fn shipped(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

// ---- statistics helpers for the theory_* tests (section 14 of the spec) ----

/// Run replications `reps` of variant `v` in parallel, check the accounting identities of
/// every run (see [`assert_conserved`]), and map each run to what a test needs. The result
/// is in replication order, so it does not depend on the thread count.
pub fn run_map<T: Send>(
    s: &Scenario,
    v: usize,
    reps: std::ops::Range<u32>,
    events: bool,
    f: impl Fn(&RunOutcome, &Recorder) -> T + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    reps.into_par_iter()
        .map(|r| {
            let (out, rec) = run_one(s, v, r, events);
            assert_conserved(&out, &rec, r);
            f(&out, &rec)
        })
        .collect()
}

/// The accounting identities every run keeps (spec section 14): attempts = blocked +
/// published and published = removed + live at end, for the run and for each platform;
/// the platforms' totals add up to the run's; each sample has live = published - removed.
pub fn assert_conserved(out: &RunOutcome, rec: &Recorder, r: u32) {
    assert_eq!(
        out.attempts,
        out.blocked + out.published,
        "replication {r}: attempts != blocked + published in {out:?}"
    );
    assert_eq!(
        out.published,
        out.removed + out.live_at_end,
        "replication {r}: published != removed + live_at_end in {out:?}"
    );
    assert!(
        !rec.platforms.is_empty(),
        "replication {r}: no platform outcomes"
    );
    for p in &rec.platforms {
        assert_eq!(
            p.attempts,
            p.blocked + p.published,
            "replication {r}: attempts != blocked + published in {p:?}"
        );
        assert_eq!(
            p.published,
            p.removed() + p.live_at_end,
            "replication {r}: published != removed + live_at_end in {p:?}"
        );
    }
    let sum = |f: fn(&ttx::sink::PlatformOutcome) -> u64| rec.platforms.iter().map(f).sum::<u64>();
    assert_eq!(
        sum(|p| p.attempts),
        out.attempts,
        "replication {r}: platform attempts"
    );
    assert_eq!(
        sum(|p| p.blocked),
        out.blocked,
        "replication {r}: platform blocked"
    );
    assert_eq!(
        sum(|p| p.published),
        out.published,
        "replication {r}: platform published"
    );
    assert_eq!(
        sum(|p| p.removed()),
        out.removed,
        "replication {r}: platform removed"
    );
    assert_eq!(
        sum(|p| p.live_at_end),
        out.live_at_end,
        "replication {r}: platform live"
    );
    for smp in &rec.samples {
        assert_eq!(
            smp.published_cum,
            smp.removed_cum + smp.live,
            "replication {r}: sample {smp:?} has live != published - removed"
        );
    }
}

/// A normal-theory confidence interval for a mean: `mean ± z * se`.
#[derive(Debug, Clone, Copy)]
pub struct Ci {
    pub n: usize,
    pub mean: f64,
    /// Standard error of `mean`.
    pub se: f64,
    pub z: f64,
}

impl Ci {
    pub fn half_width(&self) -> f64 {
        self.z * self.se
    }
    pub fn contains(&self, x: f64) -> bool {
        (self.mean - x).abs() <= self.half_width()
    }
    /// How many standard errors `x` is from the estimate.
    pub fn z_of(&self, x: f64) -> f64 {
        (self.mean - x) / self.se
    }
    /// Panic unless the interval contains the theoretical value `theory`.
    pub fn assert_contains(&self, what: &str, theory: f64) {
        eprintln!("{}", self.describe(what, theory));
        assert!(
            self.contains(theory),
            "{what}: theory {theory:.5} is outside the {:.1}-sigma interval {:.5} ± {:.5} \
             (n = {}, {:+.2} standard errors)",
            self.z,
            self.mean,
            self.half_width(),
            self.n,
            -self.z_of(theory),
        );
    }
    pub fn describe(&self, what: &str, theory: f64) -> String {
        format!(
            "{what}: observed {:.5} ± {:.5} (z = {}, n = {}), theory {:.5}, deviation {:+.2} se",
            self.mean,
            self.half_width(),
            self.z,
            self.n,
            theory,
            self.z_of(theory)
        )
    }
}

/// z for a two-sided 99% interval.
pub const Z99: f64 = 2.576;

/// z for a two-sided 99.9% interval. The theory_* tests make about twenty interval
/// checks; at 99% each, a correct engine would fail one of them for about one seed (or
/// one change of random streams) in six, at 99.9% for about one in fifty. They use this
/// and enough replications to keep the intervals narrow.
pub const Z999: f64 = 3.291;

/// Sample mean and (n - 1) standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    assert!(xs.len() >= 2, "need at least two observations");
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Interval for the mean of iid observations.
pub fn ci_mean(xs: &[f64], z: f64) -> Ci {
    let (mean, sd) = mean_sd(xs);
    Ci {
        n: xs.len(),
        mean,
        se: sd / (xs.len() as f64).sqrt(),
        z,
    }
}

/// Interval for a ratio of means `sum(num) / sum(den)` over iid pairs (one per
/// replication), by the delta method: se = sd(num - R den) / (mean(den) sqrt(n)).
pub fn ci_ratio(num: &[f64], den: &[f64], z: f64) -> Ci {
    assert_eq!(num.len(), den.len());
    let n = num.len() as f64;
    let ratio = num.iter().sum::<f64>() / den.iter().sum::<f64>();
    let resid: Vec<f64> = num.iter().zip(den).map(|(a, b)| a - ratio * b).collect();
    let (_, sd) = mean_sd(&resid);
    let mean_den = den.iter().sum::<f64>() / n;
    Ci {
        n: num.len(),
        mean: ratio,
        se: sd / (mean_den * n.sqrt()),
        z,
    }
}

// ---- Helpers for the CLI, determinism and conservation tests ----

/// The `ttx` binary built for these tests.
/// The job scheduler's variables that make a batch command run one shard.
pub const SCHEDULER_VARIABLES: [&str; 4] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
];

/// The `ttx` binary, without the job scheduler's variables the tests themselves may run
/// under (in a Slurm job array, every `ttx run` would otherwise run one shard).
pub fn ttx() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("ttx");
    for name in SCHEDULER_VARIABLES {
        cmd.env_remove(name);
    }
    cmd
}

/// A scenario under tests/fixtures/bad/ (one mistake per file).
pub fn bad_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(name)
}

/// A CSV file read whole: its header and its rows, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &std::path::Path) -> Table {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let header = r
            .headers()
            .unwrap_or_else(|e| panic!("{}: bad header: {e}", path.display()))
            .iter()
            .map(str::to_string)
            .collect();
        let rows = r
            .records()
            .map(|rec| {
                rec.unwrap_or_else(|e| panic!("{}: bad row: {e}", path.display()))
                    .iter()
                    .map(str::to_string)
                    .collect()
            })
            .collect();
        Table { header, rows }
    }

    /// Index of a column; panics naming the column if it is missing.
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column `{name}` in {:?}", self.header))
    }

    /// A cell of row `i` as text.
    pub fn text(&self, i: usize, name: &str) -> &str {
        &self.rows[i][self.col(name)]
    }

    /// A cell of row `i` as a number; panics (with the row) if it is not one.
    pub fn num(&self, i: usize, name: &str) -> f64 {
        let cell = self.text(i, name);
        cell.parse()
            .unwrap_or_else(|_| panic!("row {i} column `{name}`: `{cell}` is not a number"))
    }

    /// A cell of row `i` as a whole number.
    pub fn int(&self, i: usize, name: &str) -> u64 {
        let cell = self.text(i, name);
        cell.parse()
            .unwrap_or_else(|_| panic!("row {i} column `{name}`: `{cell}` is not a whole number"))
    }

    /// A cell of row `i` as an optional number (empty cell = `None`).
    pub fn opt(&self, i: usize, name: &str) -> Option<f64> {
        let cell = self.text(i, name);
        (!cell.is_empty()).then(|| {
            cell.parse()
                .unwrap_or_else(|_| panic!("row {i} column `{name}`: `{cell}` is not a number"))
        })
    }
}

/// Every file in a directory (not recursing), by name, with its bytes.
pub fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Default::default();
    };
    entries
        .map(|e| {
            let e = e.expect("readable directory entry");
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (name, bytes)
        })
        .collect()
}

/// The `.yaml` files of a folder, sorted.
pub fn yaml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}
