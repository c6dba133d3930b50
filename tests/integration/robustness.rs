//! Robustness: every input is untrusted and every mistake a clear message.
//!
//! - each file in tests/fixtures/bad/ is refused by `ttx validate` with exit code 2 and
//!   the message fragments written at its top (`# expect: ...`; `{file}` stands for its
//!   path), and never with a Rust panic;
//! - hostile inputs made at test time (a huge file, a device, a directory, UTF-16) are
//!   refused quickly;
//! - valid scenarios mutated at random (fields dropped, duplicated, retyped, values
//!   swapped, the text cut or garbled) load cleanly or fail cleanly, and what loads runs
//!   (briefly) without a panic and keeps its accounting identities;
//! - the fuzzer's findings (tests/fixtures/fuzz-regressions/) stay fixed;
//! - SIGINT or SIGTERM during `ttx run` exits 130 promptly and leaves the out dir as it
//!   was: earlier results byte for byte, no temporary files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_yaml::Value;

use ttx::engine::SimInit;
use ttx::scenario::{Location, Scenario, parse};
use ttx::sink::Recorder;

use crate::common::{assert_conserved, bad_fixture, livestream_fixture, shipped, snapshot};

fn ttx_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ttx")
}

/// Marks of a Rust panic or backtrace that must never reach a user.
fn assert_no_panic(what: &str, stderr: &str) {
    for mark in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "thread 'main'",
    ] {
        assert!(
            !stderr.contains(mark),
            "{what}: `{mark}` in stderr:\n{stderr}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Bad scenarios, one per class of mistake
// ---------------------------------------------------------------------------------------

/// The `# expect: ...` lines at the top of a fixture, `{file}` replaced by its path.
fn expectations(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .split(|&b| b == b'\n')
        .take_while(|l| l.starts_with(b"#"))
        .filter_map(|l| l.strip_prefix(b"# expect:"))
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim()
                .replace("{file}", &path.display().to_string())
        })
        .collect()
}

#[test]
fn every_bad_fixture_is_explained_with_exit_code_2() {
    let dir = bad_fixture("");
    let files = crate::common::yaml_files(&dir);
    let mut checked = 0;
    for path in &files {
        let expected = expectations(path);
        let first_line = std::fs::read(path)
            .map(|b| {
                String::from_utf8_lossy(b.split(|&c| c == b'\n').next().unwrap_or_default())
                    .into_owned()
            })
            .unwrap_or_default();
        if first_line.contains("robustness.rs") {
            assert!(
                !expected.is_empty(),
                "{}: no `# expect:` lines",
                path.display()
            );
        }
        let start = Instant::now();
        let out = Command::new(ttx_bin())
            .arg("validate")
            .arg(path)
            .output()
            .unwrap();
        let elapsed = start.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let name = path.display().to_string();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name}: expected exit code 2\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        assert!(
            stdout.trim().is_empty(),
            "{name}: printed on stdout:\n{stdout}"
        );
        assert!(
            stderr.starts_with(&name),
            "{name}: the message does not start with the file name:\n{stderr}"
        );
        for e in &expected {
            assert!(
                stderr.contains(e.as_str()),
                "{name}: expected `{e}` in:\n{stderr}"
            );
        }
        assert_no_panic(&name, &stderr);
        assert!(
            elapsed < Duration::from_secs(5),
            "{name}: took {elapsed:?} to refuse"
        );
        checked += usize::from(!expected.is_empty());
    }
    assert!(checked >= 30, "only {checked} fixtures with expectations");
}

/// The library gives the same problems, each with a location a planner can find.
#[test]
fn bad_fixtures_fail_to_load_with_located_problems() {
    let dir = bad_fixture("");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let e = ttx::scenario::load(&path).expect_err("a bad fixture loads");
        assert!(!e.problems.is_empty());
        for p in &e.problems {
            assert!(!p.message.is_empty(), "{}: empty message", path.display());
            match &p.location {
                Location::LineCol { line, column } => assert!(*line >= 1 && *column >= 1),
                Location::Field(f) => assert!(!f.is_empty()),
                Location::File => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Hostile inputs made at test time
// ---------------------------------------------------------------------------------------

fn validate(path: &Path) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let out = Command::new(ttx_bin())
        .arg("validate")
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_no_panic(&path.display().to_string(), &stderr);
    (out.status.code(), stderr, start.elapsed())
}

#[test]
fn huge_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.yaml");
    // 8 MiB of comments: well-formed YAML, just too big.
    let line = format!("# {}\n", "x".repeat(1021));
    std::fs::write(&huge, line.repeat(8 * 1024)).unwrap();
    let (code, stderr, took) = validate(&huge);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("expected a scenario file of at most 4 MiB, found one of 8 MiB"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");

    // A device that never ends is refused without being read: it is not a file.
    #[cfg(unix)]
    {
        let (code, stderr, took) = validate(Path::new("/dev/zero"));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("found a device"), "{stderr}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }

    let (code, stderr, _) = validate(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("found a directory"), "{stderr}");
}

#[test]
fn text_in_other_encodings_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let utf16 = dir.path().join("utf16.yaml");
    let mut bytes = vec![0xFF, 0xFE];
    for u in "name: x\nhorizon: 1h\n".encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    std::fs::write(&utf16, bytes).unwrap();
    let (code, stderr, _) = validate(&utf16);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("found text in UTF-16"), "{stderr}");
    assert!(stderr.contains("save the file as UTF-8"), "{stderr}");
}

/// Inputs that once made the parser take minutes or gigabytes now fail at once.
#[test]
fn hostile_yaml_is_refused_quickly() {
    let wide_alias = format!(
        "a: &a [{}]\nb: [{}]\n",
        "x, ".repeat(100_000),
        "*a, ".repeat(100_000)
    );
    let cases: Vec<(String, &str)> = vec![
        ("[".repeat(1_000_000), "nested at most 64 deep"),
        (
            format!("name: {}", "[a, ".repeat(200_000)),
            "nested at most 64 deep",
        ),
        (
            format!("name: {}", "{a: ".repeat(200_000)),
            "nested at most 64 deep",
        ),
        (wide_alias, "expand to too much data"),
        (
            format!("name: x\nnote: [{}]\n", "1, ".repeat(400_000)),
            "at most 250000 values",
        ),
        (
            format!("name: {}\n", "y".repeat(100_000)),
            "name: expected text of at most 64 KiB",
        ),
    ];
    for (text, expected) in cases {
        let start = Instant::now();
        let e = parse(&text, "hostile.yaml").expect_err("hostile input loads");
        let took = start.elapsed();
        let shown = e.to_string();
        assert!(shown.contains(expected), "expected `{expected}` in {shown}");
        assert!(took < Duration::from_secs(3), "{expected}: took {took:?}");
        assert!(
            shown.len() < 3000,
            "message too long: {} bytes",
            shown.len()
        );
    }
}

/// Echoed values are cut down and control characters escaped in messages.
#[test]
fn messages_echo_values_safely() {
    let id = "a".repeat(5000);
    let text = format!(
        "name: x\nhorizon: 1h\nplatforms:\n  - {{id: p, views_per_hour: 1, attention_half_life: 1h, review: {{reviewers: 1, time: 1m}}}}\ncontent:\n  - {{id: c, origin: {{platform: {id}}}}}\n  - {{id: \"\\e[2Jx\", origin: {{platform: p}}}}\n"
    );
    let shown = parse(&text, "echo.yaml").unwrap_err().to_string();
    assert!(shown.contains("(5000 characters)"), "{shown}");
    assert!(shown.len() < 2000, "{} bytes", shown.len());
    assert!(
        !shown.contains('\u{1b}'),
        "escape character printed raw: {shown:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Mutated valid scenarios: a clean error or a clean (brief) run, never a panic
// ---------------------------------------------------------------------------------------

const MINI: &str = "\
name: mini
horizon: 24h
sample_every: 1h
replications: 3
platforms:
  - id: videotube
    jurisdiction: eu
    protocol_member: true
    hash_sharing_member: true
    views_per_hour: 400
    attention_half_life: 3h
    hash_recall: 0.9
    detection: {proactive_per_hour: 0.2, flags_per_1k_views: 0.05}
    review: {reviewers: 3, time: {exp: 10m}, accuracy: 0.9}
    crisis_posture: {reviewers: 10, ramp: 1h, proactive_per_hour: 1}
  - id: filehost
    views_per_hour: 10
    attention_half_life: 1h
    review: {reviewers: unlimited, time: {uniform: [1m, 5m]}}
links:
  - {from: videotube, to: filehost, per_hour: 0.5}
  - {from: filehost, to: videotube, per_hour: 0.3}
content:
  - id: attack-video
    origin: {platform: videotube, at: 5m}
    virality: 1.2
    mutation: 0.1
campaigns:
  - {content: attack-video, platforms: [videotube, filehost], start: 30m, end: 3h, per_hour: 4, new_variant: 0.2}
authorities:
  - {id: iru, monitors: [videotube], finds_per_hour: 0.5, analysts: 2, referral_time: {lognormal: {median: 5m, p95: 30m}}, issues: removal_order}
hash_sharing: {delay: 2h, sweep: true, sweep_time: 10m}
protocols:
  ecp:
    activation: {confirmed_removals: 2, platforms: 1, or_at: 3h, decision_time: 30m}
    notify_time: 15m
    hash_sharing_delay: 10m
    url_sharing: 5m
    authority_boost: 2
    deactivation: {quiet_for: 2h}
variants:
  - {name: baseline}
  - {name: ecp, protocol: ecp}
  - name: ecp-fast
    protocol: ecp
    set:
      hash_sharing.delay: 15m
      platforms.videotube.review.reviewers: 6
injects:
  - {at: 1h, kind: virality, factor: 2, for: 2h, note: a tabloid embeds a clip}
  - {at: 2h, kind: upload, content: attack-video, platform: filehost, count: 5, new_variant: true}
  - {at: 3h, kind: outage, platform: videotube, reviewers: 0, for: 30m}
  - {at: 4h, kind: message, note: briefing}
";

fn bases() -> &'static [(String, Value)] {
    static BASES: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
    BASES.get_or_init(|| {
        let mut texts = vec![MINI.to_string()];
        for path in [
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios/full.yaml"),
            shipped("tutorial.yaml"),
            livestream_fixture(),
        ] {
            if let Ok(t) = std::fs::read_to_string(&path) {
                texts.push(t);
            }
        }
        texts
            .into_iter()
            .map(|t| {
                parse(&t, "base.yaml")
                    .unwrap_or_else(|e| panic!("a base scenario is invalid:\n{e}"));
                let v: Value = serde_yaml::from_str(&t).unwrap();
                (t, v)
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Remove a mapping entry or list item.
    Drop(usize),
    /// Repeat a list item (duplicate ids, links, ...).
    DuplicateItem(usize),
    /// Replace a value by one of another type or an edge value.
    Retype(usize, usize),
    /// Swap two values.
    Swap(usize, usize),
    /// Repeat a line of the text (duplicate keys).
    DuplicateLine(usize),
    /// Cut the text at a position.
    Cut(usize),
    /// Insert a troublesome fragment at a position.
    Insert(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        any::<usize>().prop_map(Mutation::DuplicateItem),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Retype(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
    ]
}

#[derive(Debug, Clone)]
enum Seg {
    Key(Value),
    Index(usize),
}

/// Paths to every value in the document.
fn paths(v: &Value, here: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(here.clone());
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                here.push(Seg::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                here.push(Seg::Index(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for seg in path {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Mapping(m)) => m.get_mut(k)?,
            (Seg::Index(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn get<'a>(v: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut cur = v;
    for seg in path {
        cur = match (seg, cur) {
            (Seg::Key(k), Value::Mapping(m)) => m.get(k)?,
            (Seg::Index(i), Value::Sequence(s)) => s.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Values of other types and edge values.
fn replacement(k: usize) -> Value {
    let yaml = [
        "text",
        "0",
        "-1",
        "1.5",
        "99999999999",
        "18446744073709551615",
        "true",
        "null",
        "[]",
        "{}",
        ".nan",
        ".inf",
        "-.inf",
        "1e308",
        "0m",
        "-5m",
        "30",
        "1d",
        "36500d",
        "unlimited",
        "[videotube, videotube]",
        "{exp: 0m}",
        "{uniform: [5m, 1m]}",
        "''",
        "videotub",
        "'1s'",
    ];
    serde_yaml::from_str(yaml[k % yaml.len()]).unwrap()
}

const FRAGMENTS: [&str; 16] = [
    "[", "]", "{", "}", ":", "- ", "\"", "'", "\t", "&a ", "*a", "# ", "\n", "|\n", ": x\n",
    "\u{7}",
];

fn mutate(base: &(String, Value), ms: &[Mutation]) -> String {
    let mut doc = base.1.clone();
    for m in ms {
        let mut all = Vec::new();
        paths(&doc, &mut Vec::new(), &mut all);
        let pick = |i: usize| all[i % all.len()].clone();
        match *m {
            Mutation::Drop(i) => {
                let p = pick(i);
                if let Some((last, parent)) = p.split_last()
                    && let Some(parent) = get_mut(&mut doc, parent)
                {
                    match (last, parent) {
                        (Seg::Key(k), Value::Mapping(m)) => {
                            m.remove(k);
                        }
                        (Seg::Index(i), Value::Sequence(s)) => {
                            s.remove(*i);
                        }
                        _ => {}
                    }
                }
            }
            Mutation::DuplicateItem(i) => {
                let p = pick(i);
                if let Some((Seg::Index(i), parent)) = p.split_last()
                    && let Some(Value::Sequence(s)) = get_mut(&mut doc, parent)
                {
                    let item = s[*i].clone();
                    s.insert(*i, item);
                }
            }
            Mutation::Retype(i, k) => {
                if let Some(v) = get_mut(&mut doc, &pick(i)) {
                    *v = replacement(k);
                }
            }
            Mutation::Swap(i, j) => {
                let (a, b) = (pick(i), pick(j));
                if let (Some(va), Some(vb)) = (get(&doc, &a).cloned(), get(&doc, &b).cloned())
                    && let Some(x) = get_mut(&mut doc, &a)
                {
                    *x = vb;
                    if let Some(y) = get_mut(&mut doc, &b) {
                        *y = va;
                    }
                }
            }
            _ => {}
        }
    }
    let structural = ms.iter().any(|m| {
        matches!(
            m,
            Mutation::Drop(_)
                | Mutation::DuplicateItem(_)
                | Mutation::Retype(..)
                | Mutation::Swap(..)
        )
    });
    let mut text = if structural {
        serde_yaml::to_string(&doc).unwrap()
    } else {
        base.0.clone()
    };
    let boundary = |t: &str, i: usize| {
        let mut i = i % (t.len() + 1);
        while !t.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    for m in ms {
        match *m {
            Mutation::DuplicateLine(i) => {
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let k = i % lines.len();
                    let mut out: Vec<&str> = lines[..=k].to_vec();
                    out.extend_from_slice(&lines[k..]);
                    text = out.join("\n") + "\n";
                }
            }
            Mutation::Cut(i) => {
                let at = boundary(&text, i);
                text.truncate(at);
            }
            Mutation::Insert(i, k) => {
                let at = boundary(&text, i);
                text.insert_str(at, FRAGMENTS[k % FRAGMENTS.len()]);
            }
            _ => {}
        }
    }
    text
}

/// Run one replication of each variant, cut short: a few hours, a few thousand events.
fn run_briefly(s: &Scenario) {
    let mut experiment = s.experiment;
    experiment.horizon = experiment.horizon.min(12.0 * 60.0);
    for v in &s.variants {
        let mut v = v.clone();
        let m = Arc::make_mut(&mut v.model);
        m.limits.max_copies = m.limits.max_copies.min(300);
        m.limits.max_events = Some(m.limits.max_events.unwrap_or(u64::MAX).min(5_000));
        let mut rec = Recorder::new(false);
        let mut sim = SimInit::new(&experiment, &v, 0).build();
        if let Ok(out) = sim.run(&mut rec) {
            assert_conserved(&out, &rec, 0);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_scenarios_load_or_fail_cleanly(
        which in 0usize..4,
        ms in proptest::collection::vec(mutation(), 1..4),
    ) {
        let all = bases();
        let base = &all[which % all.len()];
        let text = mutate(base, &ms);
        match parse(&text, "mutant.yaml") {
            Ok(s) => run_briefly(&s),
            Err(e) => {
                prop_assert!(!e.problems.is_empty());
                let shown = e.to_string();
                prop_assert!(shown.starts_with("mutant.yaml"), "{}", shown);
                for p in &e.problems {
                    prop_assert!(!p.message.trim().is_empty(), "empty message in {}", shown);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The fuzzer's findings
// ---------------------------------------------------------------------------------------

/// Each input the fuzzer found a problem with now loads or fails cleanly, quickly.
#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() || path.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let start = Instant::now();
        // The fuzz target gives the loader any bytes, as text where they are UTF-8.
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(s) = parse(text, "regression.yaml")
        {
            run_briefly(&s);
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{}: took {:?}",
            path.display(),
            start.elapsed()
        );
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

// ---------------------------------------------------------------------------------------
// Interruption
// ---------------------------------------------------------------------------------------

fn temp_files(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_keys()
        .filter(|n| n.starts_with('.') && n.contains(".tmp-"))
        .collect()
}

/// Start a long `ttx run` into a directory that holds earlier results, send `signal`
/// once it is writing, and check it stops promptly with `code` (128 + the signal) and
/// leaves the directory as it was.
fn interrupt_run(signal: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let scenario = livestream_fixture();

    // Earlier results.
    let first = Command::new(ttx_bin())
        .args(["run", "--quiet", "--replications", "2", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = snapshot(&out);
    assert!(before.contains_key("runs.csv"), "{:?}", before.keys());

    let mut child = Command::new(ttx_bin())
        .args([
            "run",
            "--quiet",
            "--replications",
            "1000000",
            "--threads",
            "2",
            "--out",
        ])
        .arg(&out)
        .arg(&scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Wait until it writes (its temporary files appear), then a little longer.
    let start = Instant::now();
    while temp_files(&out).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the run never started writing"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before it was interrupted: {status:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended too soon"
    );

    let sent = Instant::now();
    let kill = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("ttx did not stop within 10 s of SIG{signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        status.code(),
        Some(code),
        "SIG{signal}: {status:?}\n{stderr}"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_no_panic(&format!("SIG{signal}"), &stderr);

    assert!(temp_files(&out).is_empty(), "left {:?}", temp_files(&out));
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "SIG{signal} changed the files in the out dir"
    );
    for (name, bytes) in &before {
        assert!(
            after[name] == *bytes,
            "SIG{signal} changed {name} (it must be the earlier result, byte for byte)"
        );
    }
}

#[cfg(unix)]
#[test]
fn sigint_during_run_exits_130_and_leaves_earlier_results() {
    interrupt_run("INT", 130);
}

#[cfg(unix)]
#[test]
fn sigterm_during_run_exits_143_and_leaves_earlier_results() {
    interrupt_run("TERM", 143);
}

/// Blocked attempts publish nothing, so `limits.max_copies` does not bound them: a
/// scenario whose campaigns would make more attempts than that gets a warning up front.
#[test]
fn a_scenario_expecting_more_attempts_than_max_copies_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.yaml");
    std::fs::write(
        &path,
        "name: flood\nhorizon: 1h\nlimits: {max_copies: 1000}\nplatforms:\n  - {id: a, views_per_hour: 1, attention_half_life: 1h, hash_recall: 1, review: {reviewers: 1, time: 1m}}\ncontent:\n  - {id: c, origin: {platform: a}}\ncampaigns:\n  - {content: c, platforms: [a], per_hour: 5000}\n",
    )
    .unwrap();
    let out = Command::new(ttx_bin())
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "a warning, not an error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("about 5000 upload attempts per replication")
            && stderr.contains("limits.max_copies = 1000")
            && stderr.contains("limits.max_events"),
        "{stderr}"
    );
}
