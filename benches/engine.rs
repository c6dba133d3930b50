//! Engine benchmarks (criterion): `cargo bench --bench engine`.
//!
//! Every figure is meant to be read as a ratio to the bare event loop measured in the same
//! run (these machines drift by up to 1.8x between runs). Groups:
//!
//! - `bare_loop`: a binary heap of 32-byte entries with 100k pending, each pop scheduling
//!   a successor at `now + Exp(1)` ([`ttx::bench::BareLoop`]); throughput in events.
//! - `engine`: one replication of the shipped livestream scenario's baseline variant,
//!   throughput in the events the engine processed.
//! - `large`: one replication of `benches/scenarios/large.yaml` (about 2 million copies).
//! - `scale_volume`: the large scenario with its campaign rates at 1/16, 1/4 and 1 (called
//!   1x, 4x and 16x): time per replication should grow linearly with volume.
//! - `scale_platforms`: a generated scenario with 10, 100 and 1,000 platforms and the same
//!   upload volume: time per replication should barely grow.
//!
//! Each sample of an engine benchmark is preceded by a short bare-loop probe (100k events),
//! so every sample has its own reference measured moments before it. After criterion's own
//! report, a summary prints each benchmark's median time per replication, events per
//! second and ratio to the bare loop, and the scaling ratios against the targets.
//! Criterion runs one benchmark after another, so the machine can change speed between
//! the two sides of a scaling ratio (these are shared virtual machines); the ratios that
//! are checked against the targets are therefore measured again in interleaved pairs
//! (one side, then the other, seven times), and the median pair is reported with the
//! range. Criterion's throughput figure is shown for the bare loop and the livestream
//! scenario; the others report time per replication.
//!
//! `cargo bench --bench engine -- --test` (and `cargo test --benches`) runs each
//! benchmark once as a smoke test, with the large and scaling scenarios cut to their first
//! hour so that the whole check takes seconds.

#![deny(unsafe_code)]

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};

use ttx::bench::{BARE_PENDING, BARE_SEED, BareLoop};
use ttx::engine::{SimInit, Storage};
use ttx::scenario::{Experiment, Scenario, Variant};
use ttx::sink::NullSink;

/// The allocator the `ttx` binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: ttx::allocator::Allocator = ttx::allocator::Allocator;

/// Events per iteration of the bare-loop benchmark.
const BARE_EVENTS: u64 = 200_000;

/// Quick mode: criterion's `--test` (one run of each benchmark), or a test build of the
/// benches (`cargo test --benches`, which passes no `--bench`).
fn quick() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench")
}

/// Per-iteration times of each benchmark, as measured by `iter_custom`, for the summary.
struct Record {
    name: String,
    /// Events per iteration (per replication for the engine benchmarks).
    events: u64,
    /// Seconds per iteration, one entry per sample.
    per_iter: Vec<f64>,
    /// Bare-loop events per second measured right before each sample.
    bare: Vec<f64>,
}

static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());

/// Upload attempts of one replication of the high-recall scenario (replication 0 every
/// time), for its attempts per second: most of its attempts cost no event.
static HIGH_RECALL_ATTEMPTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn record(name: &str, events: u64, iters: u64, elapsed: Duration, bare: f64) {
    let mut records = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
    let per_iter = elapsed.as_secs_f64() / iters.max(1) as f64;
    match records.iter_mut().find(|r| r.name == name) {
        Some(r) => {
            r.per_iter.push(per_iter);
            r.bare.push(bare);
        }
        None => records.push(Record {
            name: name.to_string(),
            events,
            per_iter: vec![per_iter],
            bare: vec![bare],
        }),
    }
}

/// Events of the bare-loop probe run right before each sample of an engine benchmark.
const PROBE_EVENTS: u64 = 100_000;

/// Bare-loop events per second over a short probe, so that each sample of an engine
/// benchmark has its own reference measured moments before it (the machine's speed
/// drifts during a long benchmark run).
fn probe(bare: &mut BareLoop) -> f64 {
    let start = Instant::now();
    black_box(bare.run(PROBE_EVENTS));
    PROBE_EVENTS as f64 / start.elapsed().as_secs_f64().max(1e-9)
}

fn manifest_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn load(rel: &str) -> Scenario {
    ttx::scenario::load(&manifest_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A variant with the experiment it runs under (the scenario's, or one cut down).
#[derive(Clone)]
struct Case {
    experiment: Experiment,
    variant: Variant,
}

impl Case {
    fn new(s: &Scenario, v: &Variant) -> Self {
        Case {
            experiment: s.experiment,
            variant: v.clone(),
        }
    }
}

/// One replication (replication 0) of a variant; returns the events it processed.
fn replicate(v: &Case) -> u64 {
    // As the runner does on each thread: build in the storage the last replication left.
    static SPARE: Mutex<Option<Storage>> = Mutex::new(None);
    let spare = SPARE.lock().ok().and_then(|mut s| s.take());
    let mut sim = SimInit::new(&v.experiment, &v.variant, 0).build_in(spare.unwrap_or_default());
    let out = sim
        .run(&mut NullSink)
        .unwrap_or_else(|e| panic!("benchmark replication failed: {e}"));
    if let Ok(mut s) = SPARE.lock() {
        *s = Some(sim.into_storage());
    }
    out.events
}

/// A copy of `v` with its campaign rates multiplied by `factor`, the copy limit raised to
/// match, and in quick mode the horizon cut to one hour.
fn scaled(s: &Scenario, factor: f64) -> Case {
    let mut v = ttx::bench::scale_volume(&s.variants[0], factor);
    let m = Arc::make_mut(&mut v.model);
    m.limits.max_events = None;
    let mut experiment = s.experiment;
    if quick() {
        experiment.horizon = experiment.horizon.min(60.0);
    }
    Case {
        experiment,
        variant: v,
    }
}

/// Benchmark one replication of `v` as `group/function/parameter` (also its name in the
/// summary). With `throughput`, one replication is run first to count its events for
/// criterion's throughput figure (cheap scenarios only: the summary counts events from
/// the measured runs themselves).
fn bench_replication(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    group_name: &str,
    function: &str,
    parameter: &str,
    v: &Case,
    throughput: bool,
) {
    if throughput && !quick() {
        group.throughput(Throughput::Elements(replicate(v)));
    }
    let name = format!("{group_name}/{function}/{parameter}");
    let mut bare = BareLoop::new(BARE_PENDING, BARE_SEED);
    group.bench_with_input(BenchmarkId::new(function, parameter), v, |b, v| {
        b.iter_custom(|iters| {
            let bare_rate = probe(&mut bare);
            let start = Instant::now();
            // Replication 0 every time: the same events in every iteration.
            let mut events = 0;
            for _ in 0..iters {
                events = black_box(replicate(v));
            }
            let elapsed = start.elapsed();
            record(&name, events, iters, elapsed, bare_rate);
            elapsed
        })
    });
}

fn bare_loop(c: &mut Criterion) {
    let mut group = c.benchmark_group("bare_loop");
    group.throughput(Throughput::Elements(BARE_EVENTS));
    let mut bare = BareLoop::new(BARE_PENDING, BARE_SEED);
    group.bench_function("100k_pending", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(bare.run(BARE_EVENTS));
            }
            let elapsed = start.elapsed();
            let rate = (BARE_EVENTS * iters) as f64 / elapsed.as_secs_f64().max(1e-9);
            record("bare_loop/100k_pending", BARE_EVENTS, iters, elapsed, rate);
            elapsed
        })
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    let s = load("scenarios/christchurch-2019.yaml");
    let v = Case::new(&s, s.variant("baseline").unwrap_or(&s.variants[0]));
    let mut group = c.benchmark_group("engine");
    group.measurement_time(Duration::from_secs(10));
    bench_replication(
        &mut group,
        "engine",
        "christchurch-2019",
        "baseline",
        &v,
        true,
    );
    group.finish();
}

/// One replication of `benches/scenarios/high-recall.yaml` (~97% of 2.35 M attempts
/// blocked at upload), measured in attempts per second over the bare loop's events per
/// second: the aggregated counting of blocked attempts (issue #16) is what makes this
/// exceed 1.
fn high_recall(c: &mut Criterion) {
    let s = load("benches/scenarios/high-recall.yaml");
    let v = Case::new(&s, &s.variants[0]);
    let attempts = SimInit::new(&v.experiment, &v.variant, 0)
        .build()
        .run(&mut NullSink)
        .unwrap_or_else(|e| panic!("high-recall replication failed: {e}"))
        .attempts;
    HIGH_RECALL_ATTEMPTS.store(attempts, std::sync::atomic::Ordering::Relaxed);
    let mut group = c.benchmark_group("high_recall");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    bench_replication(
        &mut group,
        "high_recall",
        "one_replication",
        "baseline",
        &v,
        false,
    );
    group.finish();
}

fn large(c: &mut Criterion) {
    let s = load("benches/scenarios/large.yaml");
    let v = scaled(&s, 1.0);
    let mut group = c.benchmark_group("large");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(60));
    bench_replication(
        &mut group,
        "large",
        "one_replication",
        "baseline",
        &v,
        false,
    );
    group.finish();
}

fn scale_volume(c: &mut Criterion) {
    let s = load("benches/scenarios/large.yaml");
    let mut group = c.benchmark_group("scale_volume");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    for (label, factor) in [("1x", 1.0 / 16.0), ("4x", 0.25), ("16x", 1.0)] {
        let v = scaled(&s, factor);
        bench_replication(&mut group, "scale_volume", "volume", label, &v, false);
    }
    group.finish();
}

/// Upload attempts an hour in the platform-scaling scenario, whatever the platform count.
const PLATFORMS_PER_HOUR: f64 = 10_000.0;

/// A generated scenario with `n` platforms and a fixed upload volume: one campaign spread
/// over all of them, a ring of links plus self-links (about 0.13 onward copies per copy),
/// every other platform in the shared hash database (with sweeps), one authority watching
/// every platform. Per-copy behaviour is the same at every `n`, so the events per
/// replication are too, and any growth of the time is the engine's cost per platform.
fn platforms_yaml(n: usize, horizon_h: f64) -> String {
    use std::fmt::Write;
    let id = |i: usize| format!("p{i:04}");
    let mut y = String::new();
    let _ = writeln!(
        y,
        "name: platforms-{n}\nhorizon: {horizon_h}h\nsample_every: 15m\nseed: 7\n\
         limits: {{max_copies: 10000000}}\nplatforms:"
    );
    // Every fourth platform reviews without a queue; the others share 2,000 reviewers
    // (at least 2 each), so the reviewers' load per platform is the same (about 0.4) at
    // every platform count.
    let limited = (2000 / n).max(2).to_string();
    for i in 0..n {
        let reviewers = if i % 4 == 0 { "unlimited" } else { &limited };
        let _ = writeln!(
            y,
            "  - {{id: {}, jurisdiction: {}, hash_sharing_member: {}, views_per_hour: 100, \
             attention_half_life: 2h, hash_recall: 0.1, \
             detection: {{proactive_per_hour: 2.0, flags_per_1k_views: 0.3}}, \
             review: {{reviewers: {}, time: {{exp: 5m}}, accuracy: 0.95}}}}",
            id(i),
            if i % 3 == 0 { "eu" } else { "non_eu" },
            i % 2 == 0,
            reviewers,
        );
    }
    y.push_str("links:\n");
    for i in 0..n {
        let _ = writeln!(y, "  - {{from: {}, to: {}, per_hour: 0.2}}", id(i), id(i));
        if n > 1 {
            let _ = writeln!(
                y,
                "  - {{from: {}, to: {}, per_hour: 0.1}}",
                id(i),
                id((i + 1) % n)
            );
        }
    }
    let all: Vec<String> = (0..n).map(id).collect();
    let all = all.join(", ");
    let _ = writeln!(
        y,
        "content:\n  - {{id: clip, origin: {{platform: {}, at: 0m}}, mutation: 0.002}}\n\
         campaigns:\n  - {{content: clip, platforms: [{all}], per_hour: {PLATFORMS_PER_HOUR}, \
         new_variant: 0.001}}\n\
         authorities:\n  - {{id: unit, monitors: [{all}], finds_per_hour: 0.02, analysts: 5, \
         referral_time: {{exp: 20m}}}}\n\
         hash_sharing: {{delay: 1h, sweep: true, sweep_time: 30m}}",
        id(0)
    );
    y
}

fn scale_platforms(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale_platforms");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    let horizon_h = if quick() { 1.0 } else { 12.0 };
    for n in [10usize, 100, 1000] {
        let s = ttx::scenario::parse(&platforms_yaml(n, horizon_h), &format!("platforms-{n}"))
            .unwrap_or_else(|e| panic!("generated scenario with {n} platforms: {e}"));
        let label = n.to_string();
        bench_replication(
            &mut group,
            "scale_platforms",
            "platforms",
            &label,
            &Case::new(&s, &s.variants[0]),
            false,
        );
    }
    group.finish();
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The summary after criterion's report: ratios to the bare loop and scaling ratios.
fn summary() {
    let records = RECORDS.lock().unwrap_or_else(|e| e.into_inner());
    let get = |name: &str| records.iter().find(|r| r.name == name);
    // Each sample's events per second over the bare loop's measured right before it.
    let ratio_of = |r: &Record| {
        let ratios: Vec<f64> = r
            .per_iter
            .iter()
            .zip(&r.bare)
            .map(|(t, bare)| r.events as f64 / t / bare)
            .collect();
        median(&ratios)
    };
    println!();
    println!("ttx engine benchmarks (medians over criterion's samples; ratio: events/s over");
    println!("the bare loop's events/s measured right before each sample, in this run)");
    println!(
        "{:<34}{:>10}{:>13}{:>12}{:>12}{:>8}",
        "benchmark", "s/iter", "events/iter", "events/s", "bare ev/s", "ratio"
    );
    for r in records.iter() {
        let t = median(&r.per_iter);
        println!(
            "{:<34}{:>10.4}{:>13}{:>12.0}{:>12.0}{:>8.3}",
            r.name,
            t,
            r.events,
            r.events as f64 / t,
            median(&r.bare),
            ratio_of(r)
        );
    }
    let time = |name: &str| get(name).map(|r| median(&r.per_iter));
    // Median time of `a` over median time of `b`, as criterion measured them (minutes
    // apart: for information; the targets are checked on interleaved pairs below).
    let scaled_ratio = |a: &str, b: &str| Some(time(a)? / time(b)?);
    let check = |what: &str, value: Option<f64>, target: Option<(&dyn Fn(f64) -> bool, &str)>| {
        if let Some(x) = value {
            let (verdict, target) = match target {
                Some((ok, t)) => (if ok(x) { "met" } else { "MISSED" }, t),
                None => ("", "(info)"),
            };
            println!("{what:<50}{x:>10.3}   {target:<16} {verdict}");
        }
    };
    println!();
    let attempts = HIGH_RECALL_ATTEMPTS.load(std::sync::atomic::Ordering::Relaxed) as f64;
    check(
        "high recall: attempts/s over the bare loop's events/s",
        get("high_recall/one_replication/baseline")
            .map(|r| ratio_of(r) * attempts / r.events.max(1) as f64),
        Some((&|x| x >= 3.0, "target >= 3")),
    );
    check(
        "christchurch-2019 (full scale): events/s over the bare loop's",
        get("engine/christchurch-2019/baseline").map(ratio_of),
        Some((&|x| x >= 0.35, "target >= 0.35")),
    );
    check(
        "large: events/s over the bare loop's",
        get("large/one_replication/baseline").map(ratio_of),
        Some((&|x| x >= 0.35, "target >= 0.35")),
    );
    check(
        "large: seconds per replication",
        time("large/one_replication/baseline"),
        Some((&|x| x < 5.0, "target < 5")),
    );
    check(
        "time at 4x volume over 1x (criterion medians)",
        scaled_ratio("scale_volume/volume/4x", "scale_volume/volume/1x"),
        None,
    );
    check(
        "time at 16x volume over 1x (criterion medians)",
        scaled_ratio("scale_volume/volume/16x", "scale_volume/volume/1x"),
        None,
    );
    check(
        "time, 100 platforms over 10 (criterion medians)",
        scaled_ratio(
            "scale_platforms/platforms/100",
            "scale_platforms/platforms/10",
        ),
        None,
    );
    check(
        "time, 1,000 platforms over 10 (criterion medians)",
        scaled_ratio(
            "scale_platforms/platforms/1000",
            "scale_platforms/platforms/10",
        ),
        None,
    );
    drop(records);

    // The targets, on interleaved pairs.
    let large = load("benches/scenarios/large.yaml");
    let (v1, v16) = (scaled(&large, 1.0 / 16.0), scaled(&large, 1.0));
    let volume = paired_ratios(&v1, 16, &v16, 1, PAIRS);
    check_range(
        "time at 16x volume over 1x (interleaved pairs)",
        &volume,
        |x| x <= 20.0,
        "target <= 20",
    );
    let platforms = |n: usize| {
        ttx::scenario::parse(&platforms_yaml(n, 12.0), &format!("platforms-{n}"))
            .unwrap_or_else(|e| panic!("generated scenario with {n} platforms: {e}"))
    };
    let (p10, p1000) = (platforms(10), platforms(1000));
    let spread = paired_ratios(
        &Case::new(&p10, &p10.variants[0]),
        5,
        &Case::new(&p1000, &p1000.variants[0]),
        5,
        PAIRS,
    );
    check_range(
        "time, 1,000 platforms over 10 (interleaved pairs)",
        &spread,
        |x| x <= 1.5,
        "target <= 1.5",
    );
}

/// Interleaved pairs measured for each scaling target.
const PAIRS: usize = 7;

/// Time per replication of `big` over that of `small`, measured in `pairs` alternating
/// pairs (`small_reps` replications of `small`, then `big_reps` of `big`), one ratio per
/// pair: the two sides of each ratio run seconds apart, on the same machine state.
fn paired_ratios(
    small: &Case,
    small_reps: u32,
    big: &Case,
    big_reps: u32,
    pairs: usize,
) -> Vec<f64> {
    let per_replication = |v: &Case, reps: u32| {
        let start = Instant::now();
        for _ in 0..reps {
            black_box(replicate(v));
        }
        start.elapsed().as_secs_f64() / f64::from(reps)
    };
    // Warm up both (storage sized, pages mapped).
    per_replication(big, 1);
    per_replication(small, 1);
    (0..pairs)
        .map(|_| {
            let s = per_replication(small, small_reps);
            let b = per_replication(big, big_reps);
            b / s
        })
        .collect()
}

/// Print the median of `ratios` with their range, against a target.
fn check_range(what: &str, ratios: &[f64], ok: impl Fn(f64) -> bool, target: &str) {
    let m = median(ratios);
    let (lo, hi) = ratios
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    let verdict = if ok(m) { "met" } else { "MISSED" };
    println!("{what:<50}{m:>10.3}   {target:<16} {verdict}   (pairs: {lo:.2} to {hi:.2})");
}

fn main() {
    ttx::allocator::configure();
    let mut c = Criterion::default().configure_from_args();
    bare_loop(&mut c);
    engine(&mut c);
    high_recall(&mut c);
    large(&mut c);
    scale_volume(&mut c);
    scale_platforms(&mut c);
    c.final_summary();
    if !quick() {
        summary();
    }
}
