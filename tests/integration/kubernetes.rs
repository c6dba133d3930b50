//! `deploy/kubernetes/`'s manifests: valid objects of the Kubernetes API, and wired so
//! that the Indexed Job's pods run the shards of one batch and the merge job joins them.
//!
//! Three checks:
//! - each file validates against the Kubernetes 1.30 JSON schema of its kind, strictly
//!   (no unknown fields), with `kubernetes-validate` from PyPI (installed by `.ci/run`;
//!   the test fails saying so without it);
//! - the wiring: an Indexed `batch/v1` Job whose `completions` is the `--shards` of its
//!   ttx command, each pod writing `/results/shard-$(JOB_COMPLETION_INDEX)` on the shared
//!   claim, the index from the downward API, the merge job on the same claim and image;
//! - the manifests' own command lines, run here for every index as Kubernetes would run
//!   them (fewer replications), then the merge job's: the merged files equal one
//!   unsharded run's byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;

use crate::common::{SCHEDULER_VARIABLES, snapshot};

/// The Kubernetes version whose schemas the manifests are checked against.
const KUBERNETES_VERSION: &str = "1.30.0";

fn manifest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes")
}

fn load(name: &str) -> Value {
    let path = manifest_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"))
}

/// `v[a][b]...`, panicking with the path if it is missing.
fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| {
        let next = match k.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(*k),
        };
        next.unwrap_or_else(|| panic!("no {} in the manifest", path.join(".")))
    })
}

fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    at(v, path)
        .as_str()
        .unwrap_or_else(|| panic!("{} is not a string", path.join(".")))
}

fn strings(v: &Value, path: &[&str]) -> Vec<String> {
    at(v, path)
        .as_sequence()
        .unwrap_or_else(|| panic!("{} is not a list", path.join(".")))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// A command without the job scheduler's variables the test itself may run under.
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for name in SCHEDULER_VARIABLES {
        cmd.env_remove(name);
    }
    cmd
}

/// The value after `flag` in a command line.
fn after<'a>(args: &'a [String], flag: &str) -> &'a str {
    let i = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("no {flag} in {args:?}"));
    &args[i + 1]
}

#[test]
fn the_manifests_validate_against_the_kubernetes_api_schema() {
    let files: Vec<PathBuf> = ["results-pvc.yaml", "sweep-job.yaml", "merge-job.yaml"]
        .iter()
        .map(|f| manifest_dir().join(f))
        .collect();
    let out = Command::new("python3")
        .args([
            "-m",
            "kubernetes_validate",
            "--strict",
            "-k",
            KUBERNETES_VERSION,
        ])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 for kubernetes-validate: {e}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !said.contains("No module named kubernetes_validate"),
        "kubernetes-validate is not installed (pip install kubernetes-validate; .ci/run does this): {said}"
    );
    assert!(
        out.status.success(),
        "the manifests do not validate:\n{said}"
    );
    // It really checked each file, against the version asked for.
    for (file, resource) in [
        ("results-pvc.yaml", "persistentvolumeclaim/ttx-results"),
        ("sweep-job.yaml", "job/ttx-sweep"),
        ("merge-job.yaml", "job/ttx-merge"),
    ] {
        assert!(
            said.contains(&format!(
                "{file} passed for resource {resource} against version 1.30"
            )),
            "{said}"
        );
    }
}

#[test]
fn the_indexed_job_runs_shards_into_the_shared_claim_and_the_merge_job_joins_them() {
    let pvc = load("results-pvc.yaml");
    let job = load("sweep-job.yaml");
    let merge = load("merge-job.yaml");

    assert_eq!(text(&pvc, &["apiVersion"]), "v1");
    assert_eq!(text(&pvc, &["kind"]), "PersistentVolumeClaim");
    // Pods of the job may run on several nodes at once.
    assert_eq!(strings(&pvc, &["spec", "accessModes"]), ["ReadWriteMany"]);
    let claim = text(&pvc, &["metadata", "name"]);

    for j in [&job, &merge] {
        assert_eq!(text(j, &["apiVersion"]), "batch/v1");
        assert_eq!(text(j, &["kind"]), "Job");
        assert_eq!(
            text(j, &["spec", "template", "spec", "restartPolicy"]),
            "Never"
        );
    }
    let spec = at(&job, &["spec"]);
    assert_eq!(text(spec, &["completionMode"]), "Indexed");
    let completions = at(spec, &["completions"]).as_u64().expect("completions");
    let parallelism = at(spec, &["parallelism"]).as_u64().expect("parallelism");
    assert!((1..=completions).contains(&parallelism));

    let pod = at(spec, &["template", "spec"]);
    let container = at(pod, &["containers", "0"]);
    let image = text(container, &["image"]);
    assert!(!image.is_empty() && image.contains("ttx"), "image: {image}");
    assert_eq!(
        text(
            &merge,
            &["spec", "template", "spec", "containers", "0", "image"]
        ),
        image,
        "the merge job runs the same ttx"
    );

    // --shards N is the job's completions; each index writes its own shard directory.
    let args = strings(container, &["args"]);
    assert!(
        ["sweep", "run", "compare"].contains(&args[0].as_str()),
        "{args:?}"
    );
    assert!(!args.iter().any(|a| a == "--shard"), "{args:?}");
    assert_eq!(after(&args, "--shards"), completions.to_string());
    let out = after(&args, "--out");
    assert_eq!(out, "/results/shard-$(JOB_COMPLETION_INDEX)");
    // The index comes from the downward API (the job controller's annotation).
    let env = at(container, &["env"]).as_sequence().expect("env");
    let index = env
        .iter()
        .find(|e| e.get("name").and_then(Value::as_str) == Some("JOB_COMPLETION_INDEX"))
        .expect("JOB_COMPLETION_INDEX in env");
    assert_eq!(
        text(index, &["valueFrom", "fieldRef", "fieldPath"]),
        "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    );
    // As many threads as the pod has cores.
    assert_eq!(
        after(&args, "--threads"),
        text(container, &["resources", "requests", "cpu"])
    );

    // Both jobs mount the claim at /results.
    for p in [pod, at(&merge, &["spec", "template", "spec"])] {
        let mount = at(p, &["containers", "0", "volumeMounts", "0"]);
        assert_eq!(text(mount, &["mountPath"]), "/results");
        let volume = at(p, &["volumes", "0"]);
        assert_eq!(text(volume, &["name"]), text(mount, &["name"]));
        assert_eq!(text(volume, &["persistentVolumeClaim", "claimName"]), claim);
    }
    let merge_cmd = strings(
        &merge,
        &["spec", "template", "spec", "containers", "0", "command"],
    );
    assert_eq!(
        merge_cmd.last().unwrap(),
        "exec ttx merge /results/shard-* --out /results/merged"
    );
}

/// The manifests' command lines as Kubernetes would run them: every index of the Indexed
/// Job (with `$(JOB_COMPLETION_INDEX)` expanded and the variable set), then the merge
/// job's shell command, on a directory standing for the claim. Replications are cut to
/// 8 to keep it quick (as many as the shards, so none is empty however the batch is
/// split); the scenario comes from the repository's `scenarios/`, which the image holds
/// as `/scenarios`.
#[test]
fn the_manifests_command_lines_shard_and_merge_into_one_runs_files() {
    let job = load("sweep-job.yaml");
    let merge = load("merge-job.yaml");
    let container = at(&job, &["spec", "template", "spec", "containers", "0"]);
    let completions = at(&job, &["spec", "completions"]).as_u64().unwrap();
    let ttx = PathBuf::from(env!("CARGO_BIN_EXE_ttx"));
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    std::fs::create_dir(&results).unwrap();
    let repo = env!("CARGO_MANIFEST_DIR");

    // The pod's command line, for this machine.
    let local = |args: &[String], index: &str| -> Vec<String> {
        let mut out: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("$(JOB_COMPLETION_INDEX)", index)
                    .replacen("/scenarios/", &format!("{repo}/scenarios/"), 1)
                    .replacen("/results/", &format!("{}/", results.display()), 1)
            })
            .collect();
        let r = out.iter().position(|a| a == "--replications").unwrap();
        out[r + 1] = "8".to_string();
        out
    };
    let args = strings(container, &["args"]);
    for index in 0..completions {
        let i = index.to_string();
        let run = command(&ttx)
            .args(local(&args, &i))
            .env("JOB_COMPLETION_INDEX", &i)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "pod {i}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(results.join(format!("shard-{i}/shard.yaml")).exists());
    }

    // The merge job's command, with ttx on PATH as in the image.
    let merge_cmd = strings(
        &merge,
        &["spec", "template", "spec", "containers", "0", "command"],
    );
    let script = merge_cmd
        .last()
        .unwrap()
        .replace("/results", &results.display().to_string());
    let path = std::env::join_paths(std::iter::once(ttx.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let merged = command(&merge_cmd[0])
        .args(&merge_cmd[1..merge_cmd.len() - 1])
        .arg(&script)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "merge job: {}",
        String::from_utf8_lossy(&merged.stderr)
    );

    // One unsharded run of the same command.
    let mut whole = local(&args, "0");
    let s = whole.iter().position(|a| a == "--shards").unwrap();
    whole.drain(s..s + 2);
    let o = whole.iter().position(|a| a == "--out").unwrap();
    whole[o + 1] = tmp.path().join("whole").display().to_string();
    let one = command(&ttx).args(&whole).output().unwrap();
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );

    let (a, b) = (
        snapshot(&tmp.path().join("whole")),
        snapshot(&results.join("merged")),
    );
    assert!(a.contains_key("runs.csv"), "{:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "merged {name} differs from the unsharded run's"
        );
    }
}
