//! `ttx validate --format json|github`: one JSON document for the whole call, every
//! problem with its file, place (line and column, field path), message, hint and
//! severity; or GitHub workflow annotations. Exit codes as in the text form.

use serde_json::Value;

use crate::common::{bad_fixture, shipped, ttx, yaml_files};

/// The fixtures whose mistake is the file as a whole (no line, no field).
const WHOLE_FILE: &[&str] = &["alias-bomb.yaml", "empty-file.yaml"];

fn json_of(out: &assert_cmd::assert::Assert) -> Value {
    serde_json::from_slice(&out.get_output().stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&out.get_output().stdout)
        )
    })
}

#[test]
fn every_bad_fixture_reports_its_places_in_json() {
    let dir = bad_fixture("");
    for f in yaml_files(&dir) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let out = ttx()
            .args(["validate", "--format", "json"])
            .arg(&f)
            .assert()
            .failure()
            .code(2);
        let doc = json_of(&out);
        assert_eq!(doc["ok"], false, "{name}");
        let problems = doc["problems"].as_array().unwrap();
        assert!(!problems.is_empty(), "{name}");
        for p in problems {
            assert_eq!(p["file"], f.display().to_string(), "{name}: {p}");
            assert_eq!(p["severity"], "error", "{name}: {p}");
            assert!(
                p["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{name}"
            );
            for key in ["line", "column", "path", "hint"] {
                assert!(p.get(key).is_some(), "{name}: no `{key}` in {p}");
            }
            let placed = p["line"].as_u64().is_some_and(|l| l >= 1)
                && p["column"].as_u64().is_some_and(|c| c >= 1);
            let pathed = p["path"].as_str().is_some_and(|s| !s.is_empty());
            if WHOLE_FILE.contains(&name.as_str()) {
                continue;
            }
            assert!(placed || pathed, "{name}: no place in {p}");
        }
        // The same places as the text form gives.
        let text = ttx().arg("validate").arg(&f).assert().failure().code(2);
        let text = String::from_utf8_lossy(&text.get_output().stderr).into_owned();
        for p in problems {
            if let Some(line) = p["line"].as_u64() {
                let at = format!("{}:{line}:{}:", f.display(), p["column"]);
                assert!(text.contains(&at), "{name}: {at} not in {text}");
            }
            if let Some(path) = p["path"].as_str() {
                assert!(
                    text.contains(&format!("{path}: ")),
                    "{name}: {path} not in {text}"
                );
            }
        }
    }
}

#[test]
fn one_document_for_the_whole_call() {
    let good = shipped("tutorial.yaml");
    let bad = bad_fixture("probability-above-one.yaml");
    let typo = bad_fixture("misspelt-field.yaml");
    let out = ttx()
        .args(["validate", "--format", "json"])
        .args([&good, &bad, &typo])
        .assert()
        .failure()
        .code(2);
    let doc = json_of(&out);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["ok"], true);
    assert_eq!(files[0]["kind"], "scenario");
    assert_eq!(files[1]["ok"], false);
    let problems = doc["problems"].as_array().unwrap();
    let range = problems
        .iter()
        .find(|p| p["file"] == bad.display().to_string())
        .unwrap();
    assert_eq!(range["path"], "platforms[videotube].hash_recall");
    assert!(
        range["message"]
            .as_str()
            .unwrap()
            .contains("probability in [0, 1]")
    );
    let typo = problems
        .iter()
        .find(|p| p["file"] == typo.display().to_string())
        .unwrap();
    assert_eq!(typo["hint"], "did you mean `reviewers`?");
    assert!(typo["line"].as_u64().is_some());
    // Standard error says only that problems were reported.
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("2 of 3 files did not validate"), "{err}");

    // All good: exit 0, and a document still.
    let out = ttx()
        .args(["validate", "--format", "json"])
        .arg(&good)
        .arg(shipped("tutorial.yaml"))
        .assert()
        .success();
    let doc = json_of(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["errors"], 0);
}

#[test]
fn github_annotations_point_at_the_line() {
    let typo = bad_fixture("misspelt-field.yaml");
    let out = ttx()
        .args(["validate", "--format", "github"])
        .arg(&typo)
        .assert()
        .failure()
        .code(2);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let line = text.lines().find(|l| l.starts_with("::error ")).unwrap();
    assert!(
        line.starts_with(&format!("::error file={},line=", typo.display())),
        "{line}"
    );
    assert!(line.contains(",col="), "{line}");
    assert!(line.contains("::unknown field `reviewer`"), "{line}");
    assert!(line.contains("(did you mean `reviewers`?)"), "{line}");

    // A range error: the field path is the title.
    let bad = bad_fixture("probability-above-one.yaml");
    let out = ttx()
        .args(["validate", "--format", "github"])
        .arg(&bad)
        .assert()
        .failure();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("title=platforms[videotube].hash_recall::expected a probability"),
        "{text}"
    );
    ttx()
        .args(["validate", "--format", "github"])
        .arg(shipped("tutorial.yaml"))
        .assert()
        .success();
}
