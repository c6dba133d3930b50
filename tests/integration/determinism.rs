//! Reproducibility (spec section 13): the same scenario, seed and version give
//! byte-identical files on any number of threads or shards; replication `r` of every
//! variant uses the same random streams (common random numbers); and the engine itself is
//! deterministic step by step.

use std::path::Path;

use ttx::engine::{SimInit, Step};
use ttx::runner::{self, RunPlan};
use ttx::sink::{
    EventRecord, PlatformOutcome, ProtocolOutcome, Recorder, RunId, RunOutcome, SampleRecord, Sink,
};

use crate::common::{livestream_fixture, part2_fixture, shipped, snapshot, ttx};

/// Run `ttx run SCENARIO --quiet --out DIR ARGS...` and return DIR's files.
fn run_files(
    scenario: &Path,
    out: &Path,
    args: &[&str],
) -> std::collections::BTreeMap<String, Vec<u8>> {
    ttx()
        .arg("run")
        .arg(scenario)
        .arg("--quiet")
        .arg("--out")
        .arg(out)
        .args(args)
        .assert()
        .success();
    let files = snapshot(out);
    assert!(files.contains_key("runs.csv"), "{files:?}");
    files
}

/// Panic naming the first file (and line) that differs.
fn assert_same_files(
    a: &std::collections::BTreeMap<String, Vec<u8>>,
    b: &std::collections::BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different files"
    );
    for (name, x) in a {
        let y = &b[name];
        if x != y {
            let (xs, ys) = (String::from_utf8_lossy(x), String::from_utf8_lossy(y));
            let line = xs
                .lines()
                .zip(ys.lines())
                .position(|(l, m)| l != m)
                .map_or(xs.lines().count().min(ys.lines().count()), |i| i);
            panic!(
                "{what}: {name} differs first at line {}:\n  {:?}\n  {:?}",
                line + 1,
                xs.lines().nth(line),
                ys.lines().nth(line)
            );
        }
    }
}

#[test]
fn same_run_twice_gives_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = shipped("tutorial.yaml");
    let args = ["--events"];
    let a = run_files(&scenario, &dir.path().join("a"), &args);
    let b = run_files(&scenario, &dir.path().join("b"), &args);
    assert_eq!(a.len(), 6);
    assert_same_files(&a, &b, "two identical runs");
}

#[test]
fn thread_count_does_not_change_the_files() {
    let dir = tempfile::tempdir().unwrap();
    // 7 variants x 2 replications = 14 runs: with 2 threads (chunks of 8) the batch
    // spans two chunks, with 1 thread it runs on the calling thread.
    let scenario = livestream_fixture();
    let common = ["--events", "--replications", "2"];
    let one = run_files(
        &scenario,
        &dir.path().join("t1"),
        &[&common[..], &["--threads", "1"]].concat(),
    );
    let two = run_files(
        &scenario,
        &dir.path().join("t2"),
        &[&common[..], &["--threads", "2"]].concat(),
    );
    assert_eq!(one.len(), 6);
    assert_same_files(&one, &two, "--threads 1 vs --threads 2");

    // An odd thread count, and more runs than one chunk, on the small scenario.
    let tutorial = shipped("tutorial.yaml");
    let args = ["--replications", "13", "--events"];
    let one = run_files(
        &tutorial,
        &dir.path().join("u1"),
        &[&args[..], &["--threads", "1"]].concat(),
    );
    let three = run_files(
        &tutorial,
        &dir.path().join("u3"),
        &[&args[..], &["--threads", "3"]].concat(),
    );
    assert_same_files(&one, &three, "--threads 1 vs --threads 3");
}

/// The part II scenario (several protocols, a live phase, link posts, `on_match:
/// review`, `acceptance`), protocols.csv included: the same files on 1 and 2 threads,
/// and twice in a row.
#[test]
fn part_two_files_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = part2_fixture();
    let common = ["--events", "--replications", "9"];
    let one = run_files(
        &scenario,
        &dir.path().join("t1"),
        &[&common[..], &["--threads", "1"]].concat(),
    );
    let two = run_files(
        &scenario,
        &dir.path().join("t2"),
        &[&common[..], &["--threads", "2"]].concat(),
    );
    let again = run_files(
        &scenario,
        &dir.path().join("t3"),
        &[&common[..], &["--threads", "2"]].concat(),
    );
    assert_eq!(one.len(), 6);
    let protocols = String::from_utf8_lossy(&one["protocols.csv"]);
    assert!(protocols.lines().count() > 40, "{protocols}");
    assert_same_files(&one, &two, "part II: --threads 1 vs --threads 2");
    assert_same_files(&two, &again, "part II: twice");
}

#[test]
fn different_seed_gives_different_runs() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = shipped("tutorial.yaml");
    let a = run_files(
        &scenario,
        &dir.path().join("a"),
        &["--replications", "5", "--seed", "1"],
    );
    let b = run_files(
        &scenario,
        &dir.path().join("b"),
        &["--replications", "5", "--seed", "2"],
    );
    assert_ne!(a["runs.csv"], b["runs.csv"], "--seed 1 and --seed 2");
    // The seed column says which seed was used.
    for (files, seed) in [(&a, "1"), (&b, "2")] {
        let text = String::from_utf8_lossy(&files["runs.csv"]).into_owned();
        for line in text.lines().skip(1) {
            assert_eq!(line.split(',').nth(2), Some(seed), "{line}");
        }
    }
    // Same seed as the scenario's own gives the scenario's default result.
    let default = run_files(&scenario, &dir.path().join("c"), &["--replications", "5"]);
    let explicit = run_files(
        &scenario,
        &dir.path().join("d"),
        &["--replications", "5", "--seed", "42"],
    );
    assert_same_files(
        &default,
        &explicit,
        "default seed vs --seed 42 (tutorial's)",
    );
}

// ---------------------------------------------------------------------------
// Common random numbers
// ---------------------------------------------------------------------------

/// The shipped scenario's text with its variants replaced by: the original first two
/// (reference and a protocol variant), and a twin of each whose `set` only writes values
/// the scenario already has.
fn with_twin_variants(path: &Path) -> (String, [String; 4]) {
    use serde_yaml::Value;
    let text = std::fs::read_to_string(path).unwrap();
    let mut doc: Value = serde_yaml::from_str(&text).unwrap();
    let variants = doc["variants"].as_sequence().expect("variants").clone();
    assert!(variants.len() >= 2, "the scenario needs two variants");
    let name = |v: &Value| v["name"].as_str().unwrap().to_string();
    let (reference, other) = (variants[0].clone(), variants[1].clone());
    let platform = &doc["platforms"][0];
    let id = platform["id"].as_str().unwrap().to_string();
    let reviewers = platform["review"]["reviewers"].clone();
    let views = platform["views_per_hour"].clone();
    assert!(!reviewers.is_null() && !views.is_null());

    let twin = |base: &Value, suffix: &str, key: String, value: Value| {
        let mut m = base.as_mapping().unwrap().clone();
        m.insert("name".into(), format!("{}-{suffix}", name(base)).into());
        // Keep any overrides the variant already has.
        let mut set = m
            .get("set")
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        set.insert(key.into(), value);
        m.insert("set".into(), Value::Mapping(set));
        Value::Mapping(m)
    };
    let ref_twin = twin(
        &reference,
        "twin",
        format!("platforms.{id}.review.reviewers"),
        reviewers,
    );
    let other_twin = twin(
        &other,
        "twin",
        format!("platforms.{id}.views_per_hour"),
        views,
    );
    let names = [
        name(&reference),
        name(&other),
        name(&ref_twin),
        name(&other_twin),
    ];
    doc["variants"] = Value::Sequence(vec![reference, other, ref_twin, other_twin]);
    (serde_yaml::to_string(&doc).unwrap(), names)
}

/// Rows of a CSV file by variant (first column), with the variant column dropped.
fn rows_by_variant(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let mut map: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in text.lines().skip(1) {
        let (variant, rest) = line.split_once(',').expect("a CSV row");
        map.entry(variant.to_string())
            .or_default()
            .push(rest.to_string());
    }
    map
}

#[test]
fn common_random_numbers_a_variant_identical_to_another_gives_identical_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (text, [reference, other, ref_twin, other_twin]) =
        with_twin_variants(&livestream_fixture());
    let path = dir.path().join("twins.yaml");
    std::fs::write(&path, &text).unwrap();
    let s = ttx::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.variants.len(), 4);
    assert!(
        !s.variants[2].overrides.is_empty() && !s.variants[3].overrides.is_empty(),
        "the twins have a `set`"
    );

    let files = run_files(
        &path,
        &dir.path().join("out"),
        &["--replications", "4", "--events"],
    );
    for (file, bytes) in files.iter().filter(|(f, _)| f.ends_with(".csv")) {
        let rows = rows_by_variant(bytes);
        for (a, b) in [(&reference, &ref_twin), (&other, &other_twin)] {
            // The reference runs no protocol: it has no rows in protocols.csv.
            let none = Vec::new();
            let (x, y) = (rows.get(a).unwrap_or(&none), rows.get(b).unwrap_or(&none));
            assert!(!x.is_empty() || (file == "protocols.csv" && a == &reference));
            assert_eq!(x.len(), y.len(), "{file}: {a} vs {b} row counts");
            if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i]) {
                panic!(
                    "{file}: {b} differs from {a} at its row {i}:\n  {}\n  {}",
                    x[i], y[i]
                );
            }
        }
    }
    // And the twins are not trivially equal to everything: the protocol variant differs
    // from the reference somewhere.
    let runs = rows_by_variant(&files["runs.csv"]);
    assert_ne!(
        runs[&reference], runs[&other],
        "{other} is identical to {reference}"
    );
}

// ---------------------------------------------------------------------------
// Shards: replications split over several plans give the same records as one plan
// ---------------------------------------------------------------------------

/// Every record, tagged with its run, in the order it arrived.
#[derive(Debug, Default, PartialEq)]
struct Collect {
    events: Vec<(RunId, EventRecord)>,
    samples: Vec<(RunId, SampleRecord)>,
    platforms: Vec<(RunId, PlatformOutcome)>,
    protocols: Vec<(RunId, ProtocolOutcome)>,
    runs: Vec<(RunId, RunOutcome)>,
}

impl Sink for Collect {
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&mut self, run: &RunId, e: &EventRecord) {
        self.events.push((run.clone(), e.clone()));
    }
    fn sample(&mut self, run: &RunId, s: &SampleRecord) {
        self.samples.push((run.clone(), s.clone()));
    }
    fn platform_outcome(&mut self, run: &RunId, p: &PlatformOutcome) {
        self.platforms.push((run.clone(), p.clone()));
    }
    fn protocol_outcome(&mut self, run: &RunId, p: &ProtocolOutcome) {
        self.protocols.push((run.clone(), p.clone()));
    }
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        self.runs.push((run.clone(), o.clone()));
    }
}

#[test]
fn replications_split_into_shards_give_the_same_records() {
    for path in [shipped("tutorial.yaml"), part2_fixture()] {
        let s = ttx::scenario::load(&path).unwrap();
        // The reference, and the variant running the most protocols.
        let most = (0..s.variants.len())
            .max_by_key(|&v| s.variants[v].protocols.len())
            .unwrap();
        for v in [0, most] {
            split_into_shards(&s, v);
        }
    }
}

fn split_into_shards(s: &ttx::scenario::Scenario, v: usize) {
    let plan = |first: u32, count: u32, threads: usize| RunPlan {
        variants: vec![v],
        first_replication: first,
        replications: count,
        seed: s.experiment.seed,
        threads,
        events: true,
        decisions: None,
    };
    let mut whole = Collect::default();
    runner::run(s, &plan(0, 10, 2), &mut whole, None, &mut |_| {}).unwrap();
    let mut shards = Collect::default();
    runner::run(s, &plan(0, 3, 1), &mut shards, None, &mut |_| {}).unwrap();
    runner::run(s, &plan(3, 7, 2), &mut shards, None, &mut |_| {}).unwrap();
    assert_eq!(whole.runs.len(), 10);
    assert_eq!(
        whole
            .runs
            .iter()
            .map(|(id, _)| id.replication)
            .collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    assert_eq!(whole.protocols.len(), 10 * s.variants[v].protocols.len());
    assert!(
        whole == shards,
        "variant {v}: shards 0..3 + 3..10 differ from one plan 0..10"
    );
}

// ---------------------------------------------------------------------------
// The engine, step by step (in the style of krABMaga's determinism tests: two
// simulations from the same seed, stepped in lockstep, compared after every step)
// ---------------------------------------------------------------------------

fn assert_same_records(a: &Recorder, b: &Recorder, at: &str) {
    assert_eq!(a.events.len(), b.events.len(), "{at}: event counts");
    assert_eq!(a.samples.len(), b.samples.len(), "{at}: sample counts");
    assert_eq!(a.events.last(), b.events.last(), "{at}: last event");
    assert_eq!(a.samples.last(), b.samples.last(), "{at}: last sample");
    assert_eq!(a.platforms, b.platforms, "{at}: platform outcomes");
    assert_eq!(a.protocols, b.protocols, "{at}: protocol outcomes");
    assert_eq!(a.run, b.run, "{at}: run outcome");
}

#[test]
fn engine_two_simulations_in_lockstep_stay_identical() {
    lockstep(&shipped("tutorial.yaml"));
}

#[test]
fn engine_part_two_simulations_in_lockstep_stay_identical() {
    lockstep(&part2_fixture());
}

fn lockstep(path: &Path) {
    let s = ttx::scenario::load(path).unwrap();
    // Every variant (the protocol variant exercises activation, notification, ramps).
    for (v, variant) in s.variants.iter().enumerate() {
        for r in [0u32, 7] {
            let mut a = SimInit::new(&s.experiment, variant, r).build();
            let mut b = SimInit::new(&s.experiment, variant, r).build();
            let (mut ra, mut rb) = (Recorder::new(true), Recorder::new(true));
            let mut steps = 0u64;
            loop {
                let sa = a.step(&mut ra).expect("step a");
                let sb = b.step(&mut rb).expect("step b");
                steps += 1;
                let at = format!("variant {v}, replication {r}, step {steps}");
                assert_eq!(sa, sb, "{at}: step results");
                assert_eq!(a.now().to_bits(), b.now().to_bits(), "{at}: clocks");
                assert_eq!(a.live_copies(), b.live_copies(), "{at}: live copies");
                assert_eq!(a.pending_events(), b.pending_events(), "{at}: pending");
                assert_eq!(
                    a.next_event_time().map(f64::to_bits),
                    b.next_event_time().map(f64::to_bits),
                    "{at}: next event time"
                );
                assert_same_records(&ra, &rb, &at);
                if sa == Step::Finished {
                    break;
                }
                assert!(steps < 10_000_000, "{at}: the run does not finish");
            }
            assert!(a.is_finished() && b.is_finished());
            assert!(
                steps > 10,
                "variant {v}, replication {r}: only {steps} steps"
            );
            assert_eq!(ra.events, rb.events);
            assert_eq!(ra.samples, rb.samples);
            // Stepping further changes nothing.
            assert_eq!(a.step(&mut ra).unwrap(), Step::Finished);
            assert_same_records(&ra, &rb, "after finishing");

            // A third simulation run in one go records exactly what the steps recorded.
            let mut c = SimInit::new(&s.experiment, variant, r).build();
            let mut rc = Recorder::new(true);
            let out = c.run(&mut rc).expect("run");
            assert_eq!(Some(&out), ra.run.as_ref());
            assert_eq!(
                rc.events, ra.events,
                "variant {v}, replication {r}: run vs steps"
            );
            assert_eq!(rc.samples, ra.samples);
            assert_eq!(rc.platforms, ra.platforms);

            // And one advanced an hour at a time, too.
            let mut d = SimInit::new(&s.experiment, variant, r).build();
            let mut rd = Recorder::new(true);
            let mut t = 0.0;
            while !d.is_finished() {
                t += 60.0;
                d.step_until(t, &mut rd).expect("step_until");
                assert!(t < 1e6, "step_until never finishes");
            }
            assert_eq!(rd.events, ra.events, "variant {v}, replication {r}: hourly");
            assert_eq!(rd.samples, ra.samples);
            assert_eq!(rd.run, ra.run);
        }
    }
}

#[test]
fn engine_events_off_gives_the_same_outcomes() {
    // Building the event log must not consume randomness or change the run.
    for path in [livestream_fixture(), part2_fixture()] {
        events_off(&path);
    }
}

fn events_off(path: &Path) {
    let s = ttx::scenario::load(path).unwrap();
    for (v, variant) in s.variants.iter().enumerate() {
        let mut with = Recorder::new(true);
        let mut without = Recorder::new(false);
        SimInit::new(&s.experiment, variant, 1)
            .build()
            .run(&mut with)
            .unwrap();
        SimInit::new(&s.experiment, variant, 1)
            .build()
            .run(&mut without)
            .unwrap();
        assert!(!with.events.is_empty() && without.events.is_empty());
        assert_eq!(with.samples, without.samples, "variant {v}");
        assert_eq!(with.platforms, without.platforms, "variant {v}");
        assert_eq!(with.protocols, without.protocols, "variant {v}");
        assert_eq!(with.run, without.run, "variant {v}");
    }
}

/// A replication built in the storage an earlier one left (what the runner does on each
/// thread) gives exactly the records of one built fresh, whatever ran there before: other
/// replications, other variants, another scenario.
#[test]
fn engine_storage_reused_from_earlier_runs_changes_nothing() {
    let livestream = ttx::scenario::load(&livestream_fixture()).unwrap();
    let tutorial = ttx::scenario::load(&shipped("tutorial.yaml")).unwrap();
    let part2 = ttx::scenario::load(&part2_fixture()).unwrap();
    let fresh = |v: usize, r: u32| {
        let mut rec = Recorder::new(true);
        SimInit::new(&livestream.experiment, &livestream.variants[v], r)
            .build()
            .run(&mut rec)
            .unwrap();
        rec
    };
    let mut storage = {
        let mut sim = SimInit::new(&tutorial.experiment, &tutorial.variants[0], 3).build();
        sim.run(&mut Recorder::new(false)).unwrap();
        sim.into_storage()
    };
    let last = livestream.variants.len() - 1;
    for (v, r) in [(0, 0), (last, 2), (0, 0), (1, 5)] {
        let mut rec = Recorder::new(true);
        let mut sim =
            SimInit::new(&livestream.experiment, &livestream.variants[v], r).build_in(storage);
        sim.run(&mut rec).unwrap();
        storage = sim.into_storage();
        let want = fresh(v, r);
        assert_same_records(&rec, &want, &format!("variant {v}, replication {r}"));
        assert_eq!(
            rec.events, want.events,
            "variant {v}, replication {r}: events"
        );
        assert_eq!(
            rec.samples, want.samples,
            "variant {v}, replication {r}: samples"
        );
    }
    // Posts' storage too: a part II run after a part II run, after a part I run.
    let part2_fresh = |v: usize, r: u32| {
        let mut rec = Recorder::new(true);
        SimInit::new(&part2.experiment, &part2.variants[v], r)
            .build()
            .run(&mut rec)
            .unwrap();
        rec
    };
    let last = part2.variants.len() - 1;
    for (v, r) in [(last, 1), (last, 4), (0, 2)] {
        let mut rec = Recorder::new(true);
        let mut sim = SimInit::new(&part2.experiment, &part2.variants[v], r).build_in(storage);
        sim.run(&mut rec).unwrap();
        storage = sim.into_storage();
        let want = part2_fresh(v, r);
        assert!(want.run.as_ref().is_some_and(|o| o.posts > 0) || v == 0);
        assert_same_records(
            &rec,
            &want,
            &format!("part II variant {v}, replication {r}"),
        );
        assert_eq!(rec.events, want.events);
    }
}
