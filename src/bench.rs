//! Benchmarks at scenario scale, and the bare event loop every figure is read against.
//!
//! Machines differ, and the small shared ones this is run on drift by up to 1.8x between
//! runs, so absolute figures say little. Every report therefore carries a **bare event
//! loop** measured in the same process: a binary heap of 32-byte entries with about 100k
//! pending, where each pop schedules a successor at `now + Exp(1)` drawn from a fixed
//! `rand_pcg` generator, and updates one word of per-item state in a flat vector. That is
//! about the least a discrete-event simulation can do per event; the engine's events per
//! second as a share of it is the figure to compare across machines and runs.
//!
//! [`bench_scenario`] runs replications of one variant on the calling thread and reports
//! wall time, events per second, peak resident memory and that ratio; its [`BenchReport`]
//! prints as a table. [`bench_threads`] times the same replications through the parallel
//! [`runner`](mod@crate::runner) on 1, 2, ... threads. [`scale_volume`] multiplies a
//! variant's upload volume, for the scaling measurements.
//!
//! Peak memory is the kernel's high-water mark of the process's resident set (`VmHWM` in
//! `/proc/self/status`). It is process-wide: it includes the program, the loaded scenario
//! and whatever the allocator kept from earlier work. Where the kernel allows it (Linux,
//! writing `5` to `/proc/self/clear_refs`), the mark is reset before each replication, so
//! the figure is the peak during that replication; otherwise it is the peak of the whole
//! process so far, and the report says so.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;

use crate::engine::{SimError, SimInit, Storage};
use crate::runner::{self, RunError, RunPlan};
use crate::scenario::{Scenario, Variant};
use crate::sink::NullSink;

/// `variant` with its campaigns' attempt rates multiplied by `factor` (its upload
/// volume, which campaigns drive) and its copy limit raised to match.
pub fn scale_volume(variant: &Variant, factor: f64) -> Variant {
    let mut v = variant.clone();
    let m = std::sync::Arc::make_mut(&mut v.model);
    for c in &mut m.campaigns {
        c.per_min *= factor;
    }
    m.limits.max_copies = ((m.limits.max_copies as f64) * factor.max(1.0)) as u64;
    v
}

/// Pending events of the bare loop in the standard measurement.
pub const BARE_PENDING: usize = 100_000;

/// Seed of the bare loop's generator (fixed, so every measurement does the same work).
pub const BARE_SEED: u64 = 0x7474_785f_6265_6e63;

/// One pending event of the bare loop: 32 bytes, like a small engine's entry (time,
/// tie-breaking sequence number, the item it concerns and a kind/generation word).
#[derive(Debug, Clone, Copy)]
struct BareEntry {
    time: f64,
    seq: u64,
    item: u64,
    kind: u64,
}

const _: () = assert!(std::mem::size_of::<BareEntry>() == 32);

impl PartialEq for BareEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for BareEntry {}
impl PartialOrd for BareEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for BareEntry {
    // Reversed: BinaryHeap is a max-heap and the earliest event comes first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// The bare event loop: a heap of `pending` events, each of which, when popped, updates
/// its item's state and schedules the item's next event. The heap size stays constant.
#[derive(Debug, Clone)]
pub struct BareLoop {
    heap: BinaryHeap<BareEntry>,
    state: Vec<u64>,
    rng: Pcg64Mcg,
    seq: u64,
    now: f64,
    processed: u64,
}

impl BareLoop {
    /// A loop with `pending` items (at least 1), each with one pending event, warmed up
    /// by one event per item so that the heap is in its steady state.
    pub fn new(pending: usize, seed: u64) -> Self {
        let pending = pending.max(1);
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let mut heap = BinaryHeap::with_capacity(pending + 1);
        for i in 0..pending {
            let e: f64 = Exp1.sample(&mut rng);
            heap.push(BareEntry {
                time: e,
                seq: i as u64,
                item: i as u64,
                kind: 0,
            });
        }
        let mut bare = BareLoop {
            heap,
            state: vec![0; pending],
            rng,
            seq: pending as u64,
            now: 0.0,
            processed: 0,
        };
        bare.run(pending as u64);
        bare.processed = 0;
        bare
    }

    /// Process `events` events; returns a checksum of the work (so it cannot be skipped).
    pub fn run(&mut self, events: u64) -> u64 {
        let mut sum = 0u64;
        for _ in 0..events {
            let Some(entry) = self.heap.pop() else {
                break;
            };
            self.now = entry.time;
            let s = &mut self.state[entry.item as usize];
            *s = s.wrapping_add(1);
            sum = sum.wrapping_add(*s ^ entry.kind);
            let e: f64 = Exp1.sample(&mut self.rng);
            self.seq += 1;
            self.heap.push(BareEntry {
                time: self.now + e,
                seq: self.seq,
                item: entry.item,
                kind: entry.kind.wrapping_add(1),
            });
        }
        self.processed += events;
        sum
    }

    /// Events pending (constant).
    pub fn pending(&self) -> usize {
        self.heap.len()
    }

    /// Events processed since the warm-up.
    pub fn processed(&self) -> u64 {
        self.processed
    }
}

/// How long to run the bare loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// Exactly this many events.
    Events(u64),
    /// Slices of events until this much wall time has passed.
    Time(Duration),
}

/// Events per second of the bare loop with `pending` events pending, over `budget`
/// (warm-up excluded). With [`Budget::Time`], the figure is the median of the rates of
/// five equal slices of the budget, which is steadier on a noisy machine than one long
/// run.
pub fn bare_loop_events_per_sec(pending: usize, budget: Budget) -> f64 {
    let mut bare = BareLoop::new(pending, BARE_SEED);
    match budget {
        Budget::Events(n) => {
            let start = Instant::now();
            std::hint::black_box(bare.run(n));
            n as f64 / start.elapsed().as_secs_f64().max(1e-9)
        }
        Budget::Time(total) => {
            const CHUNK: u64 = 1 << 14;
            let slice = total / 5;
            let mut rates: Vec<f64> = (0..5)
                .map(|_| {
                    let start = Instant::now();
                    let mut n = 0u64;
                    while n == 0 || start.elapsed() < slice {
                        std::hint::black_box(bare.run(CHUNK));
                        n += CHUNK;
                    }
                    n as f64 / start.elapsed().as_secs_f64().max(1e-9)
                })
                .collect();
            median(&mut rates)
        }
    }
}

/// Time budget of the bare-loop measurement in a [`BenchReport`].
pub const BARE_BUDGET: Duration = Duration::from_millis(1500);

/// One replication's measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationBench {
    pub replication: u32,
    /// Events the engine processed (the run's `events`).
    pub events: u64,
    pub wall: Duration,
    pub published: u64,
    pub attempts: u64,
    pub peak_live: u64,
    /// Most events pending and most entities in the world, sampled every simulated hour.
    pub max_pending: usize,
    pub max_entities: u32,
    /// Resident memory when the replication started: after the first, it includes memory
    /// that the allocator kept from earlier replications.
    pub rss_start_bytes: Option<u64>,
    /// Peak resident memory during this replication (see [`BenchReport::rss_reset`]).
    pub peak_rss_bytes: Option<u64>,
}

impl ReplicationBench {
    pub fn events_per_sec(&self) -> f64 {
        self.events as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// What [`bench_scenario`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// The scenario's name and where it came from.
    pub scenario: String,
    pub source: String,
    pub variant: String,
    /// Bare-loop events per second right before the replications, and right after
    /// them (a check that the machine's speed did not drift during the measurement).
    pub bare_before: f64,
    pub bare_after: f64,
    pub bare_pending: usize,
    /// Resident memory before the first replication (the program and the scenario).
    pub rss_before_bytes: Option<u64>,
    /// Whether the high-water mark was reset before each replication (else the peaks are
    /// of the whole process so far, bare loop included).
    pub rss_reset: bool,
    pub replications: Vec<ReplicationBench>,
}

impl BenchReport {
    pub fn total_events(&self) -> u64 {
        self.replications.iter().map(|r| r.events).sum()
    }

    pub fn total_wall(&self) -> Duration {
        self.replications.iter().map(|r| r.wall).sum()
    }

    /// Engine events per second over all replications (total events / total wall time).
    pub fn events_per_sec(&self) -> f64 {
        self.total_events() as f64 / self.total_wall().as_secs_f64().max(1e-9)
    }

    /// Engine events per second as a share of the bare loop's, measured right before.
    pub fn ratio_to_bare(&self) -> f64 {
        self.events_per_sec() / self.bare_before
    }

    /// Upload attempts (blocked ones included) per second over all replications: with
    /// blocked campaign attempts counted in aggregate this can exceed events per second.
    pub fn attempts_per_sec(&self) -> f64 {
        let attempts: u64 = self.replications.iter().map(|r| r.attempts).sum();
        attempts as f64 / self.total_wall().as_secs_f64().max(1e-9)
    }

    /// Attempts per second over the bare loop's events per second, measured right before.
    pub fn attempts_ratio_to_bare(&self) -> f64 {
        self.attempts_per_sec() / self.bare_before
    }

    /// Median wall time of one replication.
    pub fn median_wall(&self) -> Duration {
        let mut w: Vec<f64> = self
            .replications
            .iter()
            .map(|r| r.wall.as_secs_f64())
            .collect();
        Duration::from_secs_f64(median(&mut w))
    }

    fn median_of(&self, f: impl Fn(&ReplicationBench) -> f64) -> f64 {
        let mut v: Vec<f64> = self.replications.iter().map(f).collect();
        median(&mut v)
    }

    /// Peak memory, in words: the first replication's peak is that of a fresh process;
    /// later ones start from what the allocator kept.
    fn memory_summary(&self) -> String {
        let mb = |b: Option<u64>| b.map_or("n/a".to_string(), |b| format!("{:.1} MB", mib(b)));
        let Some(first) = self.replications.first() else {
            return "n/a".to_string();
        };
        if !self.rss_reset {
            return format!(
                "{} (whole process, bare loop included: the mark could not be reset)",
                mb(self.peak_rss_bytes())
            );
        }
        let mut s = format!(
            "{} in the first replication (process at {} before it)",
            mb(first.peak_rss_bytes),
            mb(first.rss_start_bytes)
        );
        if self.replications.len() > 1 {
            let start = self.replications[1..]
                .iter()
                .filter_map(|r| r.rss_start_bytes)
                .max();
            s += &format!(
                "; max {} over all (later ones start at up to {}, kept by the allocator)",
                mb(self.peak_rss_bytes()),
                mb(start)
            );
        }
        s
    }

    /// The highest peak resident memory over the replications.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        self.replications
            .iter()
            .filter_map(|r| r.peak_rss_bytes)
            .max()
    }
}

/// Run replications `0 .. replications` of `scenario.variants[variant]` one after the
/// other on the calling thread (events discarded into a [`NullSink`]), after measuring the
/// bare loop for [`BARE_BUDGET`], and measure the bare loop again after them.
///
/// Panics if `variant` is out of range. A replication that cannot finish (a limit) is
/// returned as its error.
pub fn bench_scenario(
    scenario: &Scenario,
    variant: usize,
    replications: u32,
) -> Result<BenchReport, SimError> {
    let v = &scenario.variants[variant];
    // A throwaway pass first: the first measurement in a process runs slow (page faults,
    // clock ramp-up), which would flatter the ratio.
    bare_loop_events_per_sec(BARE_PENDING, Budget::Time(BARE_BUDGET / 5));
    let bare_before = bare_loop_events_per_sec(BARE_PENDING, Budget::Time(BARE_BUDGET));
    let rss_before_bytes = rss_bytes("VmRSS");
    let mut rss_reset = true;
    let mut runs = Vec::with_capacity(replications as usize);
    // Each replication is built in the storage the last one left, as the runner does.
    let mut storage = Storage::default();
    for r in 0..replications {
        rss_reset &= reset_peak_rss();
        let rss_start_bytes = rss_bytes("VmRSS");
        let mut sim =
            SimInit::new(&scenario.experiment, v, r).build_in(std::mem::take(&mut storage));
        let mut sink = NullSink;
        let (mut max_pending, mut max_entities) = (0usize, 0u32);
        let horizon = sim.horizon();
        let start = Instant::now();
        // Step an hour of simulated time at a time to sample the queue and the world; the
        // cost of the check is a few dozen calls per replication.
        let mut t = 0.0;
        loop {
            t += 60.0;
            let last = t >= horizon;
            sim.step_until(if last { f64::INFINITY } else { t }, &mut sink)?;
            max_pending = max_pending.max(sim.pending_events());
            max_entities = max_entities.max(sim.entities());
            if last || sim.is_finished() {
                break;
            }
        }
        let wall = start.elapsed();
        let out = sim.outcome().cloned().unwrap_or_default();
        storage = sim.into_storage();
        runs.push(ReplicationBench {
            replication: r,
            events: out.events,
            wall,
            published: out.published,
            attempts: out.attempts,
            peak_live: out.peak_live,
            max_pending,
            max_entities,
            rss_start_bytes,
            peak_rss_bytes: rss_bytes("VmHWM"),
        });
    }
    let bare_after = bare_loop_events_per_sec(BARE_PENDING, Budget::Time(BARE_BUDGET));
    Ok(BenchReport {
        scenario: scenario.base.name.clone(),
        source: scenario.source.clone(),
        variant: v.name.clone(),
        bare_before,
        bare_after,
        bare_pending: BARE_PENDING,
        rss_before_bytes,
        rss_reset,
        replications: runs,
    })
}

/// Wall time of the same replications through the parallel runner, per thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadReport {
    pub replications: u32,
    pub variants: usize,
    /// (threads, wall time of the whole batch).
    pub timings: Vec<(usize, Duration)>,
}

impl ThreadReport {
    /// How many times faster `threads` threads were than the first entry.
    pub fn speedup(&self, threads: usize) -> Option<f64> {
        let base = self.timings.first()?.1.as_secs_f64();
        let t = self.timings.iter().find(|(n, _)| *n == threads)?.1;
        Some(base / t.as_secs_f64().max(1e-9))
    }
}

/// Time replications `0 .. replications` of each of `variants` through the runner (as
/// `ttx run` and `ttx compare` do, outputs discarded) on each thread count in `threads`,
/// in that order. The first entry is the reference for [`ThreadReport::speedup`].
pub fn bench_threads(
    scenario: &Scenario,
    variants: &[usize],
    replications: u32,
    threads: &[usize],
) -> Result<ThreadReport, RunError> {
    let mut timings = Vec::with_capacity(threads.len());
    for &n in threads {
        let plan = RunPlan {
            variants: variants.to_vec(),
            first_replication: 0,
            replications,
            threads: n.max(1),
            events: false,
            ..RunPlan::for_scenario(scenario)
        };
        let start = Instant::now();
        runner::run(scenario, &plan, &mut NullSink, None, &mut |_| {})?;
        timings.push((n, start.elapsed()));
    }
    Ok(ThreadReport {
        replications,
        variants: variants.len(),
        timings,
    })
}

impl fmt::Display for ThreadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} replication(s) of {} variant(s) through the runner",
            self.replications, self.variants
        )?;
        writeln!(f, "{:<10}{:>14}{:>12}", "threads", "wall", "speedup")?;
        for &(n, wall) in &self.timings {
            writeln!(
                f,
                "{:<10}{:>12.3} s{:>11.2}x",
                n,
                wall.as_secs_f64(),
                self.speedup(n).unwrap_or(f64::NAN)
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.replications.len();
        writeln!(
            f,
            "{} ({}), variant `{}`: {} replication(s) on one thread",
            self.scenario, self.source, self.variant, n
        )?;
        let rows: Vec<(&str, String)> = vec![
            (
                "bare event loop",
                format!(
                    "{} events/s ({}k pending; {} after the runs)",
                    si(self.bare_before),
                    self.bare_pending / 1000,
                    si(self.bare_after)
                ),
            ),
            ("engine", format!("{} events/s", si(self.events_per_sec()))),
            (
                "ratio to bare loop",
                format!(
                    "{:.3} (engine events/s over bare loop events/s)",
                    self.ratio_to_bare()
                ),
            ),
            (
                "attempts",
                format!(
                    "{} attempts/s, {:.3} of the bare loop's events/s",
                    si(self.attempts_per_sec()),
                    self.attempts_ratio_to_bare()
                ),
            ),
            (
                "wall per replication",
                format!(
                    "{:.3} s median (min {:.3} s, max {:.3} s)",
                    self.median_wall().as_secs_f64(),
                    self.replications
                        .iter()
                        .map(|r| r.wall.as_secs_f64())
                        .fold(f64::INFINITY, f64::min),
                    self.replications
                        .iter()
                        .map(|r| r.wall.as_secs_f64())
                        .fold(0.0, f64::max)
                ),
            ),
            ("peak resident memory", self.memory_summary()),
            (
                "events per replication",
                format!("{} median", group(self.median_of(|r| r.events as f64))),
            ),
            (
                "copies published per replication",
                format!(
                    "{} median ({} attempts)",
                    group(self.median_of(|r| r.published as f64)),
                    group(self.median_of(|r| r.attempts as f64))
                ),
            ),
            (
                "peak live copies",
                format!("{} median", group(self.median_of(|r| r.peak_live as f64))),
            ),
            (
                "max pending events, entities",
                format!(
                    "{}, {} (read hourly; median over replications)",
                    group(self.median_of(|r| r.max_pending as f64)),
                    group(self.median_of(|r| f64::from(r.max_entities)))
                ),
            ),
        ];
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in &rows {
            writeln!(f, "  {k:<width$}  {v}")?;
        }
        if n > 1 && n <= 20 {
            writeln!(f)?;
            writeln!(
                f,
                "  {:>4} {:>13} {:>10} {:>10} {:>7} {:>12} {:>10}",
                "rep", "events", "wall s", "events/s", "ratio", "published", "peak MB"
            )?;
            for r in &self.replications {
                writeln!(
                    f,
                    "  {:>4} {:>13} {:>10.3} {:>10} {:>7.3} {:>12} {:>10}",
                    r.replication,
                    group(r.events as f64),
                    r.wall.as_secs_f64(),
                    si(r.events_per_sec()),
                    r.events_per_sec() / self.bare_before,
                    group(r.published as f64),
                    r.peak_rss_bytes
                        .map_or("n/a".to_string(), |b| format!("{:.1}", mib(b)))
                )?;
            }
        }
        Ok(())
    }
}

/// Reset the process's resident-memory high-water mark; false where not permitted.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM`: peak resident set,
/// `VmRSS`: current), in bytes; `None` where unavailable.
pub fn rss_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Median (sorts in place); NaN if empty.
fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// 1234567.0 -> "1.23 M".
fn si(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// 1234567.0 -> "1,234,567".
fn group(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_loop_keeps_its_heap_and_is_deterministic() {
        let mut a = BareLoop::new(1000, 7);
        let mut b = BareLoop::new(1000, 7);
        assert_eq!(a.pending(), 1000);
        assert_eq!(a.run(5000), b.run(5000));
        assert_eq!(a.pending(), 1000);
        assert_eq!(a.processed(), 5000);
        assert!(bare_loop_events_per_sec(1000, Budget::Events(10_000)) > 0.0);
    }

    #[test]
    fn memory_figures_read_from_proc() {
        if std::path::Path::new("/proc/self/status").exists() {
            let rss = rss_bytes("VmRSS").expect("VmRSS");
            let hwm = rss_bytes("VmHWM").expect("VmHWM");
            assert!(rss > 0 && hwm >= rss / 2);
        }
        assert_eq!(rss_bytes("NoSuchField"), None);
    }

    #[test]
    fn scaling_the_volume_scales_the_campaigns_only() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/christchurch-2019.yaml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let s = crate::scenario::parse(&text, path).unwrap();
        let v = &s.variants[0];
        assert!(!v.model.campaigns.is_empty());
        for factor in [0.25, 4.0] {
            let w = scale_volume(v, factor);
            for (a, b) in v.model.campaigns.iter().zip(&w.model.campaigns) {
                assert_eq!(b.per_min, a.per_min * factor);
                assert_eq!(
                    (b.start, b.end, b.new_variant),
                    (a.start, a.end, a.new_variant)
                );
            }
            let limit = v.model.limits.max_copies as f64 * factor.max(1.0);
            assert_eq!(w.model.limits.max_copies, limit as u64);
            assert_eq!(w.model.platforms.len(), v.model.platforms.len());
        }
    }

    #[test]
    fn number_formats() {
        assert_eq!(group(1234567.0), "1,234,567");
        assert_eq!(group(12.0), "12");
        assert_eq!(si(3_300_000.0), "3.30 M");
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
