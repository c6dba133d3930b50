//! `ttx schema`: the JSON Schemas are valid draft 2020-12; every shipped scenario, targets
//! file and fixture, and the contracts' examples, validate against them; the bad-input
//! fixtures that are schema-level mistakes fail them.

use std::path::{Path, PathBuf};

use serde_json::Value;
use ttx::schema::{self, Kind};

use crate::common::{bad_fixture, ttx, yaml_files};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A YAML text as the JSON value an editor's language server checks.
fn json_of(yaml: &str) -> Value {
    let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    serde_json::to_value(v).unwrap()
}

fn validator(kind: Kind) -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema::schema(kind)).unwrap()
}

/// The schema's complaints about `doc`, one a line.
fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_schema_is_valid_draft_2020_12() {
    for kind in Kind::ALL {
        let s = schema::schema(kind);
        assert_eq!(
            s["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{kind:?}"
        );
        jsonschema::meta::validate(&s).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
}

#[test]
fn ttx_schema_prints_each_kind() {
    for kind in Kind::ALL {
        let out = ttx().args(["schema", kind.name()]).assert().success();
        let printed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(printed, schema::schema(kind), "{kind:?}");
    }
    // The scenario's is the default.
    let out = ttx().arg("schema").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        schema::text(Kind::Scenario)
    );
    ttx().args(["schema", "seats"]).assert().failure().code(2);
}

#[test]
fn the_roles_schema_takes_the_tutorials_roles_and_refuses_a_facilitators_decision() {
    let v = jsonschema::validator_for(&schema::schema(Kind::Roles)).unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/tutorial.yaml")).unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    let roles = doc["roles"].clone();
    assert_eq!(roles.as_array().map(Vec::len), Some(3));
    assert_eq!(errors(&v, &roles), Vec::<String>::new());
    let bad: Value = serde_json::json!([{"id": "desk", "decisions": ["surge", "deliver"]}]);
    assert!(
        !errors(&v, &bad).is_empty(),
        "`deliver` is the facilitator's"
    );
    let typo: Value =
        serde_json::json!([{"id": "desk", "decisions": ["surge"], "platform": ["a"]}]);
    assert!(!errors(&v, &typo).is_empty(), "a misspelt field");
}

/// Every scenario the project ships or tests with, and every targets file.
fn shipped_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/fixtures/scenarios", "benches/scenarios"] {
        files.extend(yaml_files(&root().join(dir)));
    }
    files
}

#[test]
fn every_shipped_scenario_and_targets_file_validates() {
    let scenario = validator(Kind::Scenario);
    let targets = validator(Kind::Targets);
    let files = shipped_files();
    assert!(files.len() >= 15, "{files:?}");
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let v = if name.contains(".targets.") {
            &targets
        } else {
            &scenario
        };
        let doc = json_of(&std::fs::read_to_string(&f).unwrap());
        let e = errors(v, &doc);
        assert!(e.is_empty(), "{}:\n{}", f.display(), e.join("\n"));
    }
}

#[test]
fn the_starter_scenario_validates() {
    let doc = json_of(ttx::app::new_scenario::STARTER);
    let e = errors(&validator(Kind::Scenario), &doc);
    assert!(e.is_empty(), "{}", e.join("\n"));
}

/// The contracts, from shared/ beside the repository.
fn contract(name: &str) -> String {
    let candidates = [
        root().join("../shared/spec").join(name),
        PathBuf::from("/work/shared/spec").join(name),
    ];
    candidates
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| panic!("the contract {name} (looked in {candidates:?})"))
}

/// The ```yaml blocks of a Markdown text, each with the heading above it.
fn yaml_blocks(md: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut block: Option<String> = None;
    for line in md.lines() {
        match &mut block {
            Some(b) if line.trim_start().starts_with("```") => {
                out.push((heading.clone(), std::mem::take(b)));
                block = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None if line.trim_start().starts_with("```yaml") => block = Some(String::new()),
            None if line.starts_with('#') => heading = line.to_string(),
            None => {}
        }
    }
    out
}

/// The contract's part I examples put together as one scenario: the top level of
/// section 2 with its `[...]` placeholders filled by the examples of the sections that
/// describe them.
fn part_one_assembled() -> Value {
    let md = contract("scenario.md");
    let part_one = md.split("# Part II").next().unwrap();
    let blocks = yaml_blocks(part_one);
    let mut top: Option<Value> = None;
    let mut filled = serde_json::Map::new();
    for (heading, text) in &blocks {
        let v = json_of(text);
        let key = match heading.as_str() {
            h if h.contains("Top level") => {
                top = Some(v);
                continue;
            }
            h if h.contains("Platforms") => "platforms",
            h if h.contains("Links") => "links",
            h if h.contains("Content") => "content",
            h if h.contains("Campaigns") => "campaigns",
            h if h.contains("Authorities") => "authorities",
            h if h.contains("Injects") => "injects",
            h if h.contains("Protocols") => {
                for (k, x) in v.as_object().unwrap() {
                    filled.insert(k.clone(), x.clone());
                }
                continue;
            }
            other => panic!("a yaml block under {other}: which part of a scenario is it?"),
        };
        filled.insert(key.to_string(), v);
    }
    let mut top = top.expect("section 2's example");
    let top_map = top.as_object_mut().unwrap();
    for (k, v) in filled {
        assert!(top_map.contains_key(&k), "section 2 lists `{k}`");
        top_map.insert(k, v);
    }
    // `[...]` and `{...}` stand for the sections' examples (a text "..." is a text).
    for (k, v) in top_map.iter() {
        let placeholder =
            *v == serde_json::json!(["..."]) || *v == serde_json::json!({"...": null});
        assert!(!placeholder, "`{k}` is still a placeholder");
    }
    top
}

#[test]
fn the_contracts_examples_validate() {
    let doc = part_one_assembled();
    let e = errors(&validator(Kind::Scenario), &doc);
    assert!(e.is_empty(), "{}\n{doc:#}", e.join("\n"));

    let targets = contract("targets.md");
    let blocks = yaml_blocks(&targets);
    assert_eq!(blocks.len(), 1, "targets.md has one example");
    let e = errors(&validator(Kind::Targets), &json_of(&blocks[0].1));
    assert!(e.is_empty(), "{}", e.join("\n"));
}

#[test]
fn a_decisions_record_validates() {
    let record = r#"
scenario: "scenarios/tutorial.yaml"
scenario_sha256: "9f2c000000000000000000000000000000000000000000000000000000000000"
variant: "baseline"
seed: 20190315
step: "30m"
decisions:
  - {at: "1h30m", decision: "activate"}
  - {at: "2h", role: "europol", decision: "refer videotube 10"}
"#;
    let v = validator(Kind::Decisions);
    let e = errors(&v, &json_of(record));
    assert!(e.is_empty(), "{}", e.join("\n"));
    assert!(!v.is_valid(&json_of(&record.replace("\"30m\"", "\"30\""))));
    assert!(!v.is_valid(&json_of(&record.replace("role:", "rôle:"))));
}

/// The bad-input fixtures that are mistakes a schema can see: a misspelt field or
/// name, a wrong type, a value out of range, a malformed id or duration, a missing
/// field.
const SCHEMA_LEVEL: &[&str] = &[
    "bare-number-duration.yaml",
    "duration-bad-unit.yaml",
    "empty-file.yaml",
    "empty-platforms.yaml",
    "infinite-duration.yaml",
    "integer-out-of-range.yaml",
    "invalid-id.yaml",
    "links-without-platforms.yaml",
    "lookalike-letter-in-id.yaml",
    "missing-field.yaml",
    "misspelt-distribution.yaml",
    "misspelt-enum.yaml",
    "misspelt-field.yaml",
    "negative-count.yaml",
    "negative-duration.yaml",
    "negative-rate.yaml",
    "not-a-mapping.yaml",
    "probability-above-one.yaml",
    "reviewers-out-of-range.yaml",
    "several-mistakes-all-reported.yaml",
    "unknown-field.yaml",
    "wrong-type.yaml",
    "zero-max-copies.yaml",
];

/// The others, and why the schema does not see them (`ttx validate` does).
const NOT_SCHEMA_LEVEL: &[(&str, &str)] = &[
    ("alias-bomb.yaml", "a guard: aliases that expand too far"),
    ("alias-wide.yaml", "a guard: aliases that expand too far"),
    ("control-character.yaml", "YAML syntax"),
    ("deep-block-nesting.yaml", "a guard: nesting"),
    ("deep-flow-nesting.yaml", "a guard: nesting"),
    ("duplicate-id.yaml", "ids unique within a list"),
    ("duplicate-key.yaml", "YAML: a key twice"),
    (
        "duration-without-unit-in-set.yaml",
        "a `set` value, checked where it lands",
    ),
    ("horizon-too-long.yaml", "a duration's size"),
    ("huge-integer.yaml", "a guard: beyond 64 bits"),
    ("huge-string.yaml", "a guard: text size"),
    (
        "infinite-number.yaml",
        "JSON has no infinity (the value reads as null)",
    ),
    (
        "inject-wrong-fields.yaml",
        "which fields go with an inject's kind",
    ),
    ("invalid-utf8.yaml", "not text"),
    ("key-too-long.yaml", "YAML syntax"),
    ("misspelt-id.yaml", "a reference to an id defined elsewhere"),
    (
        "misspelt-protocol.yaml",
        "a reference to a protocol defined elsewhere",
    ),
    (
        "misspelt-set-field.yaml",
        "a `set` path, resolved against the file",
    ),
    (
        "misspelt-set-path.yaml",
        "a `set` path, resolved against the file",
    ),
    (
        "nan-number.yaml",
        "JSON has no NaN (the value reads as null)",
    ),
    (
        "probability-in-set.yaml",
        "a `set` value, checked where it lands",
    ),
    ("stray-bracket.yaml", "YAML syntax"),
    ("tabs-for-indentation.yaml", "YAML syntax"),
    ("tag-binary.yaml", "a guard: YAML tags"),
    ("tag-python-object.yaml", "a guard: YAML tags"),
    (
        "too-many-samples.yaml",
        "horizon / sample_every x platforms",
    ),
    ("two-documents.yaml", "YAML: two documents"),
    ("unclosed-bracket.yaml", "YAML syntax"),
    ("unknown-alias.yaml", "YAML syntax"),
    (
        "unknown-link-platform.yaml",
        "a reference to an id defined elsewhere",
    ),
    ("unterminated-quote.yaml", "YAML syntax"),
    ("zero-horizon.yaml", "a duration > 0"),
];

#[test]
fn every_bad_fixture_is_classified() {
    let dir = root().join("tests/fixtures/bad");
    for f in yaml_files(&dir) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let listed = SCHEMA_LEVEL.contains(&name.as_str())
            || NOT_SCHEMA_LEVEL.iter().any(|(n, _)| *n == name);
        assert!(
            listed,
            "{name}: add it to SCHEMA_LEVEL or NOT_SCHEMA_LEVEL in tests/integration/schema.rs"
        );
    }
}

#[test]
fn schema_level_mistakes_fail_the_schema() {
    let v = validator(Kind::Scenario);
    for name in SCHEMA_LEVEL {
        let text = std::fs::read_to_string(bad_fixture(name)).unwrap();
        // An empty file is `null` to YAML.
        let doc: Value = match serde_yaml::from_str::<serde_yaml::Value>(&text) {
            Ok(y) => serde_json::to_value(y).unwrap_or(Value::Null),
            Err(e) => panic!("{name}: {e}"),
        };
        assert!(!v.is_valid(&doc), "{name} passes the schema");
    }
}

#[test]
fn descriptions_explain_the_fields() {
    let s = schema::schema(Kind::Scenario);
    let platform = &s["$defs"]["RawPlatform"]["properties"];
    let recall = platform["hash_recall"]["description"].as_str().unwrap();
    assert!(
        recall.contains("hash list") && recall.contains("blocked"),
        "{recall}"
    );
    assert_eq!(platform["hash_recall"]["maximum"], 1.0);
    assert_eq!(s["$defs"]["RawPlatform"]["additionalProperties"], false);
    // Every field of every definition says what it is.
    for (def, d) in s["$defs"].as_object().unwrap() {
        for (field, f) in d["properties"].as_object().into_iter().flatten() {
            assert!(
                f["description"].as_str().is_some_and(|t| t.len() > 10),
                "{def}.{field} has no description"
            );
        }
    }
    for (field, f) in s["properties"].as_object().unwrap() {
        assert!(f["description"].is_string(), "{field} has no description");
    }
}
