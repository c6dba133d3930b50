//! `ttx new`: a starter scenario that validates and runs, with the modeline and the
//! schema it names; never written over an existing file.

use crate::common::ttx;

#[test]
fn the_starter_validates_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my-exercise.yaml");
    let out = ttx().arg("new").arg(&path).assert().success();
    let said = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(said.contains("wrote"), "{said}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema=schema/scenario.schema.json\n"),
        "{text}"
    );
    // The schema the modeline points to is there.
    let schema = std::fs::read_to_string(dir.path().join("schema/scenario.schema.json")).unwrap();
    assert_eq!(schema, ttx::schema::text(ttx::schema::Kind::Scenario));

    ttx().arg("validate").arg(&path).assert().success();
    let results = dir.path().join("results");
    ttx()
        .arg("run")
        .arg(&path)
        .args(["--replications", "2", "--quiet", "--out"])
        .arg(&results)
        .assert()
        .success();
    let runs = std::fs::read_to_string(results.join("runs.csv")).unwrap();
    // Two variants, two replications each, and a header.
    assert_eq!(runs.lines().count(), 5, "{runs}");
    // It has comments for the planner.
    assert!(text.lines().filter(|l| l.contains('#')).count() > 20);
}

#[test]
fn it_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taken.yaml");
    std::fs::write(&path, "name: mine\n").unwrap();
    let out = ttx().arg("new").arg(&path).assert().failure().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("already there") && err.contains("never overwrites"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name: mine\n");
    // Nor is a schema written beside it.
    assert!(!dir.path().join("schema").exists());
}
