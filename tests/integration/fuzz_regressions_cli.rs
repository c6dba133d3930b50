//! What the fuzz targets `decisions_record` and `prompt_command` found, kept: every file
//! of `tests/fixtures/fuzz-regressions-decisions/` is read as a decisions record, and
//! every file of `tests/fixtures/fuzz-regressions-prompt/` typed at the prompt, with the
//! targets' checks (no panic; messages name the file and hold no control character).

use std::fs;
use std::path::Path;

use ttx::exercise::command::parse;
use ttx::exercise::{Command, DecisionFile};
use ttx::scenario::load;

use crate::common::shipped;

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut all: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), fs::read(&p).unwrap())
        })
        .collect();
    all.sort();
    assert!(!all.is_empty(), "no inputs in {}", dir.display());
    all
}

fn clean(name: &str, message: &str) {
    assert!(
        !message.chars().any(|c| c.is_control() && c != '\n'),
        "{name}: a control character in {message:?}"
    );
}

#[test]
fn records_the_fuzzer_found_read_without_panic_and_with_clean_messages() {
    let s = load(&shipped("tutorial.yaml")).unwrap();
    for (name, bytes) in inputs("fuzz-regressions-decisions") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        match DecisionFile::parse_recovering(text, "fuzz.yaml") {
            Err(e) => {
                let m = e.to_string();
                assert!(m.starts_with("fuzz.yaml"), "{name}: {m}");
                clean(&name, &m);
            }
            Ok((file, _)) => {
                let again = DecisionFile::parse(&file.to_yaml(), "again").unwrap();
                assert_eq!(again, file, "{name}");
                if let Err(e) = file.resolve(&s, "fuzz.yaml") {
                    clean(&name, &e.to_string());
                }
            }
        }
    }
}

#[test]
fn lines_the_fuzzer_found_parse_without_panic_and_with_clean_messages() {
    let s = load(&shipped("tutorial.yaml")).unwrap();
    let model = &s.variants[1].model;
    for (name, bytes) in inputs("fuzz-regressions-prompt") {
        let text = String::from_utf8_lossy(&bytes);
        let line = text.split('\n').next().unwrap_or("");
        match parse(line, model) {
            Err(e) => clean(&name, &e.to_string()),
            Ok(Command::Decide { text, .. }) => assert!(parse(&text, model).is_ok(), "{name}"),
            Ok(_) => {}
        }
    }
}
