//! Any scenario `validate` accepts runs within a memory bound under its `limits`, or is
//! refused: scenarios made from the shipped ones and the format's full example, with
//! random sizes (reviewers up to 4294967295, horizons up to ten years and beyond,
//! sampling every second, up to a thousand platforms, campaigns of up to 10^12 uploads
//! an hour), are either refused by `parse`, or one replication with small
//! `limits.max_events` and `limits.max_copies` finishes or stops with the limit's error,
//! while the process's peak resident memory stays under [`BOUND`].
//!
//! Each case runs in a child process (this test binary again, running only
//! [`memory_probe`]), so that its peak memory (`VmHWM`) is its own, not that of the other
//! tests running beside it; the child's address space is capped with `ulimit -v` so a
//! runaway allocation fails there instead of exhausting the machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_yaml::{Mapping, Value};

use ttx::engine::SimError;
use ttx::output::{CsvOutputs, Outputs};
use ttx::runner::{self, RunError, RunPlan};

use crate::common::{livestream_fixture, shipped};

/// Peak resident memory allowed to one case's process. What it needs, at most:
/// - the test binary itself and the YAML parse of a small file: under 30 MB (measured:
///   about 10 MB for the shipped scenarios);
/// - the model and the engine's state per platform and link: at most 1,000 platforms
///   and a few thousand links here, a few KB each: under 20 MB;
/// - the sample clock: at most 1,000,000 time-series rows per run (`validate` refuses
///   more), 8 bytes a sample time: 8 MB; the rows themselves stream to the file through
///   64 KB buffers, 4,096 records at a time;
/// - copies and pending events: at most `max_copies` (5,000) copies of a few hundred
///   bytes, and the events they schedule (32 bytes each, a few per copy): a few MB;
///   events processed are capped by `max_events` and leave nothing behind but counters;
/// - reviewer ramps to crisis postures: at most 1,024 step events per platform, 32 bytes
///   each: 32 MB with 1,000 platforms.
///
/// About 100 MB in all; 128 MB leaves room for the allocator while catching an
/// allocation that grows with the sizes (one per reviewer, sample or upload: gigabytes).
/// Measured over 300 cases: at most 27 MB.
const BOUND: u64 = 128 << 20;

/// The child's address space: a runaway allocation fails there.
const ADDRESS_SPACE_KB: u64 = 4 << 20;

/// Where the probe finds its case (set only in the child).
const PROBE_FILE: &str = "TTX_MEMORY_PROBE_FILE";
const PROBE_VARIANT: &str = "TTX_MEMORY_PROBE_VARIANT";

/// The child's side: parse the case and run one replication of one variant into the run
/// files (time series included), with one thread, and print what happened and the peak
/// resident memory. Does nothing in an ordinary test run.
#[test]
fn memory_probe() {
    let Ok(path) = std::env::var(PROBE_FILE) else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let outcome = match ttx::scenario::parse(&text, "case.yaml") {
        Err(e) => format!(
            "refused {}",
            e.to_string().lines().next().unwrap_or("").replace(' ', "_")
        ),
        Ok(s) => {
            let v: usize = std::env::var(PROBE_VARIANT).unwrap().parse().unwrap();
            let mut plan = RunPlan::for_scenario(&s);
            plan.variants = vec![v % s.variants.len()];
            plan.replications = 1;
            plan.threads = 1;
            let dir = tempfile::tempdir().unwrap();
            let mut csv =
                CsvOutputs::create_selected(dir.path(), Outputs::run_files(false)).unwrap();
            match runner::run(&s, &plan, &mut csv, None, &mut |_| {}) {
                Ok(()) => {
                    csv.commit().unwrap();
                    "finished".to_string()
                }
                Err(RunError::Simulation(
                    SimError::TooManyCopies { .. } | SimError::TooManyEvents { .. },
                )) => "limit".to_string(),
                Err(e) => format!("error: {e}"),
            }
        }
    };
    let hwm = ttx::bench::rss_bytes("VmHWM").unwrap_or(0);
    println!("PROBE {hwm} {outcome}");
}

/// The sizes of one case.
#[derive(Debug, Clone)]
struct Case {
    base: usize,
    variant: usize,
    /// Minutes (up to and beyond the ten years `validate` allows).
    horizon: u64,
    sample_every: Sample,
    /// Reviewers of each platform, in turn.
    reviewers: Vec<Reviewers>,
    /// Crisis-posture reviewers of every platform that has a posture.
    posture: Reviewers,
    /// Platforms in all: copies of the first (without links) are added up to this many.
    platforms: usize,
    /// Upload attempts per hour of every campaign.
    campaign_per_hour: f64,
    max_events: u64,
    max_copies: u64,
}

/// The sample clock.
#[derive(Debug, Clone, Copy)]
enum Sample {
    Every(&'static str),
    /// As often as `validate` allows: close to 1,000,000 time-series rows per run.
    Finest,
}

#[derive(Debug, Clone, Copy)]
enum Reviewers {
    Count(u32),
    Unlimited,
}

impl Reviewers {
    fn value(self) -> Value {
        match self {
            Reviewers::Count(n) => Value::from(n),
            Reviewers::Unlimited => Value::from("unlimited"),
        }
    }
}

fn reviewers() -> impl Strategy<Value = Reviewers> {
    prop_oneof![
        Just(Reviewers::Count(0)),
        Just(Reviewers::Count(1)),
        (2u32..1000).prop_map(Reviewers::Count),
        Just(Reviewers::Count(1_000_000)),
        Just(Reviewers::Count(1_000_000_000)),
        Just(Reviewers::Count(u32::MAX)),
        any::<u32>().prop_map(Reviewers::Count),
        Just(Reviewers::Unlimited),
    ]
}

/// Crisis-posture reviewers: any size. A ramp to a posture takes at most
/// `MAX_RAMP_STEPS` (1,024) events however many reviewers it moves (before the fix of
/// issue #14, one event per reviewer: 10^9 reviewers away ran out of 4 GB).
fn posture_reviewers() -> impl Strategy<Value = Reviewers> {
    reviewers()
}

fn case() -> impl Strategy<Value = Case> {
    (
        (0usize..5, 0usize..8),
        prop_oneof![
            6 => prop::sample::select(vec![60u64, 720, 4_320, 43_200, 525_600, 5_256_000]),
            1 => prop::sample::select(vec![5_257_440u64, 52_560_000, 1_000_000_000]),
        ],
        prop_oneof![
            2 => Just(Sample::Finest),
            1 => prop::sample::select(vec!["1s", "10s", "1m", "15m", "1d", "0.001s"])
                .prop_map(Sample::Every),
        ],
        prop::collection::vec(reviewers(), 1..16),
        posture_reviewers(),
        prop_oneof![
            Just(0usize),
            1usize..50,
            50usize..1000,
            Just(1000usize),
            Just(1001usize)
        ],
        prop::sample::select(vec![0.0, 1.0, 1e3, 1e6, 1e9, 1e12]),
        (1_000u64..200_000, 100u64..5_000),
    )
        .prop_map(
            |(
                (base, variant),
                horizon,
                sample_every,
                reviewers,
                posture,
                platforms,
                campaign_per_hour,
                (max_events, max_copies),
            )| Case {
                base,
                variant,
                horizon,
                sample_every,
                reviewers,
                posture,
                platforms,
                campaign_per_hour,
                max_events,
                max_copies,
            },
        )
}

/// The documents the cases are made from: the shipped scenarios and the format's full
/// example (every field).
fn bases() -> &'static [Value] {
    static BASES: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    BASES.get_or_init(|| {
        [
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios/full.yaml"),
            shipped("tutorial.yaml"),
            livestream_fixture(),
            shipped("review-surge-stress.yaml"),
            shipped("manifesto.yaml"),
        ]
        .iter()
        .map(|p| serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
    })
}

fn key(k: &str) -> Value {
    Value::from(k)
}

/// The case's scenario, as YAML.
fn build(c: &Case) -> String {
    let all = bases();
    let mut doc = all[c.base % all.len()].clone();
    let m = doc.as_mapping_mut().unwrap();
    m.insert(key("horizon"), Value::from(format!("{}m", c.horizon)));
    let mut limits = Mapping::new();
    limits.insert(key("max_events"), Value::from(c.max_events));
    limits.insert(key("max_copies"), Value::from(c.max_copies));
    m.insert(key("limits"), Value::Mapping(limits));
    if let Some(Value::Sequence(platforms)) = m.get_mut(key("platforms")) {
        let first = platforms[0].clone();
        for i in platforms.len()..c.platforms {
            let mut p = first.clone();
            let pm = p.as_mapping_mut().unwrap();
            pm.insert(key("id"), Value::from(format!("extra-{i}")));
            pm.remove(key("name"));
            platforms.push(p);
        }
        for (i, p) in platforms.iter_mut().enumerate() {
            let p = p.as_mapping_mut().unwrap();
            let r = c.reviewers[i % c.reviewers.len()];
            let posture = c.posture;
            if let Some(Value::Mapping(review)) = p.get_mut(key("review")) {
                review.insert(key("reviewers"), r.value());
            }
            if let Some(Value::Mapping(crisis)) = p.get_mut(key("crisis_posture")) {
                crisis.insert(key("reviewers"), posture.value());
            }
        }
    }
    let platforms = m
        .get(key("platforms"))
        .and_then(Value::as_sequence)
        .map_or(1, Vec::len) as u64;
    let every = match c.sample_every {
        Sample::Every(text) => text.to_string(),
        // (horizon / every + 1) samples on each platform: at most 1,000,000 rows.
        Sample::Finest => {
            let samples = (1_000_000 / platforms).saturating_sub(2).max(1);
            format!("{}s", (c.horizon * 60).div_ceil(samples))
        }
    };
    m.insert(key("sample_every"), Value::from(every));
    if let Some(Value::Sequence(campaigns)) = m.get_mut(key("campaigns")) {
        for camp in campaigns {
            camp.as_mapping_mut()
                .unwrap()
                .insert(key("per_hour"), Value::from(c.campaign_per_hour));
        }
    }
    serde_yaml::to_string(&doc).unwrap()
}

/// What the child said: its peak memory and how the case ended.
fn probe(file: &Path, variant: usize) -> (u64, String) {
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KB} && exec \"$0\" --exact memory_bound::memory_probe --nocapture --test-threads 1 -q"
        ))
        .arg(&exe)
        .env(PROBE_FILE, file)
        .env(PROBE_VARIANT, variant.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PROBE "))
        .unwrap_or_else(|| {
            panic!(
                "the probe said nothing after {:?} ({:?}): it may have run out of its {} GB of address space\n{}",
                started.elapsed(),
                out.status,
                ADDRESS_SPACE_KB >> 20,
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let (hwm, outcome) = line.split_once(' ').unwrap();
    (hwm.parse().unwrap(), outcome.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn accepted_scenarios_run_within_a_memory_bound_or_are_refused(c in case()) {
        let dir = tempfile::tempdir().unwrap();
        let file: PathBuf = dir.path().join("case.yaml");
        std::fs::write(&file, build(&c)).unwrap();
        let started = Instant::now();
        let (hwm, outcome) = probe(&file, c.variant);
        eprintln!("{outcome}: peak {} MB in {:?}", hwm >> 20, started.elapsed());
        prop_assert!(
            outcome.starts_with("refused") || matches!(outcome.as_str(), "finished" | "limit"),
            "the case neither ran nor stopped at a limit: {}\n{:?}", outcome, c
        );
        prop_assert!(
            hwm <= BOUND,
            "peak memory {} MB is over the bound of {} MB ({}): {:?}",
            hwm >> 20, BOUND >> 20, outcome, c
        );
        prop_assert!(
            started.elapsed() < Duration::from_secs(120),
            "took {:?}: {:?}", started.elapsed(), c
        );
    }
}
