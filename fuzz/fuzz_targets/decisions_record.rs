//! Fuzz the decisions record reader (`ttx exercise --decisions`, `ttx run --decisions`)
//! with any text.
//!
//! Reading (with the cut-short-last-line recovery), checking against a scenario file and
//! resolving against the tutorial scenario must return a replay or a
//! `DecisionFileError`, never panic; every message starts with the file's name and holds
//! no control character. A record that reads, written again the way a live session
//! writes it, reads back the same.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ttx::exercise::DecisionFile;
use ttx::exercise::record::ScenarioCheck;
use ttx::scenario::Scenario;

fn scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        ttx::scenario::parse(include_str!("../../scenarios/tutorial.yaml"), "tutorial.yaml")
            .expect("the tutorial loads")
    })
}

fn clean(message: &str) {
    assert!(message.starts_with("fuzz.yaml"), "{message}");
    assert!(
        !message.chars().any(|c| c.is_control() && c != '\n'),
        "a control character in {message:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (file, _cut) = match DecisionFile::parse_recovering(text, "fuzz.yaml") {
        Ok(f) => f,
        Err(e) => return clean(&e.to_string()),
    };
    // Written as a live session writes it, it reads back the same.
    let again = DecisionFile::parse(&file.to_yaml(), "again").expect("a written record reads");
    assert_eq!(again, file);
    let check = ScenarioCheck {
        path: "tutorial.yaml".into(),
        sha256: Some("0".repeat(64)),
        allow_other: data.first().is_some_and(|b| b & 1 == 1),
    };
    if let Err(e) = file.check_scenario(&check, "fuzz.yaml") {
        return clean(&e.to_string());
    }
    match file.resolve(scenario(), "fuzz.yaml") {
        Ok(replay) => {
            assert_eq!(replay.schedule.decisions.len(), file.decisions.len());
            let mut last = 0.0;
            for d in &replay.schedule.decisions {
                assert!(d.at >= last && d.at.is_finite());
                last = d.at;
            }
        }
        Err(e) => clean(&e.to_string()),
    }
});
