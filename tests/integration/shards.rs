//! Sharded batches: `ttx run --shard K/N` writes one shard of the replications with a
//! manifest, and `ttx merge` joins complete batches into exactly the files of one
//! unsharded run, refusing anything else without writing.

use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::common::{livestream_fixture, part2_fixture, shipped, snapshot, ttx};

/// Run `scenario` as shard `spec` (K/N) of `reps` replications into `out`.
fn run_shard(scenario: &Path, reps: u32, spec: &str, threads: u32, out: &Path, extra: &[&str]) {
    ttx()
        .arg("run")
        .arg(scenario)
        .args(["--replications", &reps.to_string()])
        .args(["--shard", spec])
        .args(["--threads", &threads.to_string()])
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .assert()
        .success();
}

/// Three shards of 7 replications of the tutorial scenario, with the event log.
fn three_shards(root: &Path) -> Vec<PathBuf> {
    let tutorial = shipped("tutorial.yaml");
    (1..=3)
        .map(|k| {
            let dir = root.join(format!("s{k}"));
            run_shard(&tutorial, 7, &format!("{k}/3"), k, &dir, &["--events"]);
            dir
        })
        .collect()
}

fn merge_cmd(shards: &[&Path], out: &Path) -> assert_cmd::assert::Assert {
    ttx()
        .arg("merge")
        .args(shards)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .assert()
}

#[test]
fn merged_shards_equal_one_unsharded_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let whole = ttx()
        .arg("run")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "7", "--events", "--out"])
        .arg(&full)
        .output()
        .unwrap();
    assert!(whole.status.success());
    let shards = three_shards(tmp.path());
    let merged = tmp.path().join("merged");
    // Given in any order.
    let joined = ttx()
        .arg("merge")
        .args([&shards[2], &shards[0], &shards[1]])
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(joined.status.success());
    // The same summary table on the terminal.
    let table = |out: &[u8]| -> String {
        let text = String::from_utf8_lossy(out);
        let start = text.find("variant ").expect("a table");
        let end = text.find("(means over").expect("its footnote");
        text[start..end].to_string()
    };
    assert_eq!(table(&whole.stdout), table(&joined.stdout));
    let (a, b) = (snapshot(&full), snapshot(&merged));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        vec![
            "events.csv",
            "platforms.csv",
            "protocols.csv",
            "run.yaml",
            "runs.csv",
            "timeseries.csv"
        ]
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs after merging");
    }
}

/// Under a Slurm job array (`--array=4-6`) and a Kubernetes Indexed Job, the shards come
/// from the scheduler's variables, and merge into the unsharded files.
#[test]
fn shards_from_a_job_scheduler_s_environment_merge_into_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let tutorial = shipped("tutorial.yaml");
    let full = tmp.path().join("full");
    ttx()
        .arg("run")
        .arg(&tutorial)
        .args(["--replications", "6", "--quiet", "--out"])
        .arg(&full)
        .assert()
        .success();
    let slurm: Vec<PathBuf> = (4..=6)
        .map(|task| {
            let dir = tmp.path().join(format!("slurm-{task}"));
            ttx()
                .arg("run")
                .arg(&tutorial)
                .args(["--replications", "6", "--out"])
                .arg(&dir)
                .env("SLURM_ARRAY_TASK_ID", task.to_string())
                .env("SLURM_ARRAY_TASK_MIN", "4")
                .env("SLURM_ARRAY_TASK_COUNT", "3")
                .assert()
                .success()
                .stderr(contains(format!(
                    "running shard {}/3 as the job scheduler says (SLURM_ARRAY_TASK_ID={task}",
                    task - 3
                )));
            dir
        })
        .collect();
    let k8s: Vec<PathBuf> = (0..3)
        .map(|index| {
            let dir = tmp.path().join(format!("k8s-{index}"));
            ttx()
                .arg("compare")
                .arg(&tutorial)
                .args(["--replications", "6", "--shards", "3", "--quiet", "--out"])
                .arg(&dir)
                .env("JOB_COMPLETION_INDEX", index.to_string())
                .assert()
                .success();
            dir
        })
        .collect();
    let merged = tmp.path().join("merged");
    merge_cmd(
        &slurm.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
        &merged,
    )
    .success();
    let (a, b) = (snapshot(&full), snapshot(&merged));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs after merging");
    }
    let manifests: Vec<String> = k8s
        .iter()
        .map(|d| std::fs::read_to_string(d.join("shard.yaml")).unwrap())
        .collect();
    for (k, m) in manifests.iter().enumerate() {
        assert!(m.contains(&format!("shard: {}\n", k + 1)), "{m}");
        assert!(m.contains("command: compare"), "{m}");
    }
    merge_cmd(
        &k8s.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
        &tmp.path().join("k8s"),
    )
    .success();
    assert!(tmp.path().join("k8s/summary.csv").is_file());
    // --shards outside an Indexed Job is refused, saying what is missing.
    ttx()
        .arg("run")
        .arg(&tutorial)
        .args(["--shards", "3", "--out"])
        .arg(tmp.path().join("nowhere"))
        .assert()
        .code(2)
        .stderr(contains("JOB_COMPLETION_INDEX"));
    assert!(!tmp.path().join("nowhere").exists());
}

/// The part II scenario in three shards merges into the unsharded files, protocols.csv
/// included, byte for byte.
#[test]
fn part_two_shards_merge_into_the_unsharded_files() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = part2_fixture();
    let full = tmp.path().join("full");
    ttx()
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "8", "--events", "--quiet", "--out"])
        .arg(&full)
        .assert()
        .success();
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| {
            let dir = tmp.path().join(format!("s{k}"));
            run_shard(&scenario, 8, &format!("{k}/3"), 1, &dir, &["--events"]);
            dir
        })
        .collect();
    let merged = tmp.path().join("merged");
    merge_cmd(&[&shards[1], &shards[2], &shards[0]], &merged).success();
    let (a, b) = (snapshot(&full), snapshot(&merged));
    assert!(a.contains_key("protocols.csv"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs after merging");
    }
}

#[test]
fn a_shard_runs_its_own_replications_and_says_so_in_its_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    run_shard(&shipped("tutorial.yaml"), 10, "2/3", 1, &dir, &[]);
    let manifest = std::fs::read_to_string(dir.join("shard.yaml")).unwrap();
    for line in [
        "shard: 2",
        "shards: 3",
        "replications: 10",
        "first_replication: 3",
        "shard_replications: 3",
        "events: false",
    ] {
        assert!(manifest.contains(line), "{line} missing from:\n{manifest}");
    }
    let runs = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let reps: Vec<&str> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    // Two variants, replications 3 to 5 of each.
    assert_eq!(reps, ["3", "4", "5", "3", "4", "5"]);
}

#[test]
fn shards_go_under_the_scenario_results_and_merge_there_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    for k in 1..=2 {
        ttx()
            .current_dir(tmp.path())
            .arg("run")
            .arg(shipped("tutorial.yaml"))
            .args(["--replications", "4", "--shard", &format!("{k}/2")])
            .assert()
            .success()
            .stdout(contains(format!(
                "shard {k} of 2: replications {} to {} of 4",
                2 * k - 2,
                2 * k - 1
            )));
    }
    let results = tmp.path().join("results/tutorial");
    assert!(results.join("shard-1-of-2/shard.yaml").is_file());
    ttx()
        .current_dir(tmp.path())
        .args([
            "merge",
            "results/tutorial/shard-1-of-2",
            "results/tutorial/shard-2-of-2",
        ])
        .assert()
        .success();
    let runs = std::fs::read_to_string(results.join("runs.csv")).unwrap();
    assert_eq!(
        runs.lines().count(),
        1 + 2 * 4,
        "header and 4 runs of 2 variants"
    );

    // Shards in different places need --out.
    let elsewhere = tmp.path().join("elsewhere");
    run_shard(&shipped("tutorial.yaml"), 4, "2/2", 1, &elsewhere, &[]);
    ttx()
        .current_dir(tmp.path())
        .args(["merge", "results/tutorial/shard-1-of-2", "elsewhere"])
        .assert()
        .code(2)
        .stderr(contains("--out DIR"));
}

#[test]
fn merge_refuses_incomplete_or_mixed_batches_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let s = three_shards(tmp.path());
    let other_seed = tmp.path().join("seed");
    run_shard(
        &shipped("tutorial.yaml"),
        7,
        "3/3",
        1,
        &other_seed,
        &["--events", "--seed", "5"],
    );
    let other_scenario = tmp.path().join("scenario");
    run_shard(
        &livestream_fixture(),
        7,
        "3/3",
        1,
        &other_scenario,
        &["--events"],
    );
    let no_events = tmp.path().join("no-events");
    run_shard(&shipped("tutorial.yaml"), 7, "3/3", 1, &no_events, &[]);
    let out = tmp.path().join("out");
    let nowhere = tmp.path().join("nowhere");
    let cases: [(Vec<&Path>, &str); 7] = [
        (vec![&s[0], &s[1]], "shard(s) 3 of 3 missing"),
        (
            vec![&s[0], &s[1], &s[1], &s[2]],
            "shard 2 of 3 is given twice",
        ),
        (vec![&s[0], &s[1], &other_seed], "`seed` differs"),
        (
            vec![&s[0], &s[1], &other_scenario],
            "`scenario_sha256` differs",
        ),
        (vec![&s[0], &s[1], &no_events], "`events` differs"),
        (vec![&s[0], tmp.path()], "not a shard's output"),
        (vec![&s[0], &s[1], &nowhere], "not a shard's output"),
    ];
    for (shards, message) in cases {
        merge_cmd(&shards, &out).code(2).stderr(contains(message));
        assert!(!out.exists(), "{message}: nothing may be written");
    }
    // Nor into one of the shards themselves.
    let before = snapshot(&s[0]);
    merge_cmd(&[&s[0], &s[1], &s[2]], &s[0])
        .code(1)
        .stderr(contains("the directory of shard 1 itself"));
    assert_eq!(snapshot(&s[0]), before);
}

#[test]
fn merge_refuses_a_damaged_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let s = three_shards(tmp.path());
    let out = tmp.path().join("out");
    let refs: Vec<&Path> = s.iter().map(PathBuf::as_path).collect();

    // A run file cut short: a replication's row is gone.
    let runs = s[1].join("runs.csv");
    let text = std::fs::read_to_string(&runs).unwrap();
    let cut: Vec<&str> = text.lines().collect();
    std::fs::write(&runs, cut[..cut.len() - 1].join("\n") + "\n").unwrap();
    merge_cmd(&refs, &out)
        .code(2)
        .stderr(contains("runs.csv"))
        .stderr(contains("expected 2 (one per replication)"));

    // Rows of one variant after another's.
    let mut swapped: Vec<&str> = text.lines().collect();
    let last = swapped.len() - 1;
    swapped.swap(1, last);
    std::fs::write(&runs, swapped.join("\n") + "\n").unwrap();
    merge_cmd(&refs, &out)
        .code(2)
        .stderr(contains("rows are out of order"));

    // A manifest that is not one, or one edited out of shape.
    std::fs::write(&runs, &text).unwrap();
    let manifest = s[0].join("shard.yaml");
    let good = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, "shard: [\n").unwrap();
    merge_cmd(&refs, &out)
        .code(2)
        .stderr(contains("s1/shard.yaml"));
    std::fs::write(
        &manifest,
        good.replace("first_replication: 0", "first_replication: 1"),
    )
    .unwrap();
    merge_cmd(&refs, &out)
        .code(2)
        .stderr(contains("shard 1 of 3 cannot hold replications 1..3 of 7"));
    std::fs::write(
        &manifest,
        good.replace("first_replication: 0", "first_replication: 4294967295"),
    )
    .unwrap();
    merge_cmd(&refs, &out)
        .code(2)
        .stderr(contains("cannot hold replications 4294967295..4294967297"));
    std::fs::write(&manifest, good).unwrap();

    // A file missing altogether.
    std::fs::remove_file(s[2].join("events.csv")).unwrap();
    merge_cmd(&refs, &out)
        .code(2)
        .stderr(contains("events.csv: missing"));
    assert!(!out.exists());
}

#[test]
fn bad_shard_flags_are_refused() {
    let tutorial = shipped("tutorial.yaml");
    for (spec, message) in [
        ("0/3", "expected K/N"),
        ("4/3", "expected K/N"),
        ("three", "expected K/N"),
        (
            "5/5",
            "cannot be shared among 5 shards; use at most 4 shards",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        ttx()
            .arg("run")
            .arg(&tutorial)
            .args(["--replications", "4", "--shard", spec, "--out"])
            .arg(tmp.path().join("out"))
            .assert()
            .code(2)
            .stderr(contains(message));
        assert!(!tmp.path().join("out").exists(), "{spec}");
    }
}

#[test]
fn a_whole_run_into_a_shard_directory_drops_the_stale_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    run_shard(&shipped("tutorial.yaml"), 4, "1/2", 1, &dir, &[]);
    assert!(dir.join("shard.yaml").is_file());
    ttx()
        .arg("run")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "4", "--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    assert!(
        !dir.join("shard.yaml").exists(),
        "the files now hold every replication, so they are no longer a shard"
    );
}

#[test]
fn merged_comparison_shards_give_the_unsharded_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let attack = livestream_fixture();
    let compare = |out: &Path, extra: &[&str]| {
        let output = ttx()
            .arg("compare")
            .arg(&attack)
            .args([
                "--replications",
                "8",
                "--metrics",
                "exposure,activation_min,peak_live",
            ])
            .arg("--out")
            .arg(out)
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let full = tmp.path().join("full");
    let whole = compare(&full, &[]);
    let shards: Vec<PathBuf> = (1..=3)
        .map(|k| {
            let dir = tmp.path().join(format!("s{k}"));
            compare(&dir, &["--shard", &format!("{k}/3"), "--threads", "1"]);
            assert!(
                !dir.join("summary.csv").exists(),
                "a shard alone cannot summarise the comparison"
            );
            dir
        })
        .collect();
    let merged = tmp.path().join("merged");
    let output = ttx()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let (a, b) = (snapshot(&full), snapshot(&merged));
    assert!(a.contains_key("summary.csv") && a.contains_key("timeseries_summary.csv"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs after merging");
    }
    // The same table on the terminal.
    let table = |text: &str| -> String {
        let start = text.find("variant ").expect("a table");
        let end = text.find("wrote ").expect("the files written");
        text[start..end].to_string()
    };
    let merged_out = String::from_utf8(output.stdout).unwrap();
    assert_eq!(table(&whole), table(&merged_out));
    assert!(merged_out.contains("8 replications per variant"));
}

#[test]
fn run_and_comparison_shards_do_not_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let tutorial = shipped("tutorial.yaml");
    let run = tmp.path().join("run");
    run_shard(&tutorial, 4, "1/2", 1, &run, &[]);
    let cmp = tmp.path().join("cmp");
    ttx()
        .arg("compare")
        .arg(&tutorial)
        .args(["--replications", "4", "--shard", "2/2", "--quiet", "--out"])
        .arg(&cmp)
        .assert()
        .success();
    merge_cmd(&[&run, &cmp], &tmp.path().join("out"))
        .code(2)
        .stderr(contains("`command` differs (run against compare)"));
    ttx()
        .arg("compare")
        .arg(&tutorial)
        .args(["--replications", "auto", "--shard", "1/2"])
        .assert()
        .code(2)
        .stderr(contains("needs a fixed number of replications"));
}

#[test]
fn a_damaged_cell_in_a_comparison_shard_is_named_and_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let tutorial = shipped("tutorial.yaml");
    let dirs: Vec<PathBuf> = (1..=2)
        .map(|k| {
            let dir = tmp.path().join(format!("s{k}"));
            ttx()
                .arg("compare")
                .arg(&tutorial)
                .args([
                    "--replications",
                    "4",
                    "--quiet",
                    "--shard",
                    &format!("{k}/2"),
                ])
                .arg("--out")
                .arg(&dir)
                .assert()
                .success();
            dir
        })
        .collect();
    let runs = dirs[1].join("runs.csv");
    let text = std::fs::read_to_string(&runs).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let exposure = lines[0].split(',').position(|c| c == "exposure").unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(String::from).collect();
    cells[exposure] = "lots".into();
    lines[1] = cells.join(",");
    std::fs::write(&runs, lines.join("\n") + "\n").unwrap();
    let out = tmp.path().join("out");
    let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    merge_cmd(&refs, &out)
        .code(2)
        .stderr(contains("s2/runs.csv"))
        .stderr(contains("`exposure`: expected a number, found `lots`"));
    assert!(!out.exists());
}

/// Run `plan`'s replications `range` of the tutorial scenario into `dir` through the
/// library, as shard `spec` (or whole, without one).
fn library_run(
    scenario: &ttx::scenario::Scenario,
    path: &Path,
    reps: u32,
    spec: Option<ttx::output::shard::ShardSpec>,
    events: bool,
    dir: &Path,
) {
    use ttx::output::shard::ShardManifest;
    use ttx::output::{CsvOutputs, OutputFiles, Outputs};
    use ttx::runner::{self, RunPlan};

    let mut plan = RunPlan::for_scenario(scenario);
    plan.threads = 1;
    plan.events = events;
    plan.replications = reps;
    let mut csv = None;
    if let Some(spec) = spec {
        let range = spec.replications(reps).unwrap();
        let names = scenario.variants.iter().map(|v| v.name.clone()).collect();
        let m = ShardManifest::new(
            path,
            &std::fs::read(path).unwrap(),
            plan.seed,
            names,
            reps,
            spec,
            range.clone(),
            events,
        );
        // A shard's manifest is written at commit, with the checksums of the files.
        csv = Some(CsvOutputs::create_shard(dir, Outputs::run_files(events), m).unwrap());
        plan.first_replication = range.start;
        plan.replications = range.end - range.start;
    }
    let mut csv = csv.unwrap_or_else(|| CsvOutputs::create(dir, OutputFiles { events }).unwrap());
    runner::run(scenario, &plan, &mut csv, None, &mut |_| {}).unwrap();
    csv.commit().unwrap();
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 12,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// However a batch is split, and in whatever order the shards are given, the merge
    /// gives the unsharded files.
    #[test]
    fn any_split_merges_to_the_whole(
        reps in 1u32..9,
        shards_seed in 0u32..1000,
        order_seed in 0u64..1000,
        events in proptest::prelude::any::<bool>(),
    ) {
        let path = shipped("tutorial.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = ttx::scenario::parse(&text, "tutorial.yaml").unwrap();
        let count = 1 + shards_seed % reps;
        let tmp = tempfile::tempdir().unwrap();
        let whole = tmp.path().join("whole");
        library_run(&scenario, &path, reps, None, events, &whole);
        let mut dirs: Vec<PathBuf> = (1..=count)
            .map(|index| {
                let dir = tmp.path().join(format!("s{index}"));
                let spec = ttx::output::shard::ShardSpec { index, count };
                library_run(&scenario, &path, reps, Some(spec), events, &dir);
                dir
            })
            .collect();
        // A fixed shuffle of the shard order.
        let n = dirs.len();
        for i in 0..n {
            let j = (order_seed as usize + 7 * i) % n;
            dirs.swap(i, j);
        }
        let merged = tmp.path().join("merged");
        ttx::output::shard::merge(&dirs, &merged).unwrap();
        let (a, b) = (snapshot(&whole), snapshot(&merged));
        proptest::prop_assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (name, bytes) in &a {
            proptest::prop_assert!(bytes == &b[name], "{} differs ({} shards of {})", name, count, reps);
        }
    }
}
