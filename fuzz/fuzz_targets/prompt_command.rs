//! Fuzz the exercise prompt's command parser with any line.
//!
//! `ttx::exercise::command::parse` returns a command or a `CommandError` for every line,
//! never panics; its messages hold no control character (what was typed is neutralised);
//! a decision it accepts is recorded as a record line that reads back and parses to the
//! same decision, and a surge never asks for more than `MAX_SURGE_REVIEWERS`.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ttx::engine::Decision;
use ttx::exercise::command::{MAX_SURGE_REVIEWERS, parse};
use ttx::exercise::record::DecisionLine;
use ttx::exercise::{Command, DecisionFile};
use ttx::scenario::Scenario;

fn scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        ttx::scenario::parse(include_str!("../../scenarios/tutorial.yaml"), "tutorial.yaml")
            .expect("the tutorial loads")
    })
}

fuzz_target!(|data: &[u8]| {
    // The prompt reads lines as text, invalid UTF-8 replaced.
    let text = String::from_utf8_lossy(data);
    let Some(line) = text.split('\n').next() else {
        return;
    };
    let model = &scenario().variants[1].model;
    match parse(line, model) {
        Err(e) => {
            let m = e.to_string();
            assert!(
                !m.chars().any(|c| c.is_control()),
                "a control character in {m:?}"
            );
        }
        Ok(Command::Decide {
            role,
            decision,
            text,
        }) => {
            if let Decision::Surge { reviewers, .. } = decision {
                assert!(reviewers <= MAX_SURGE_REVIEWERS);
            }
            // As the record keeps it, and as a replay reads it.
            let entry = DecisionLine::decision(60.0, role.clone(), &text);
            let record = format!("variant: ecp\nseed: 1\nstep: 30m\ndecisions:\n{}", entry.yaml());
            let file = DecisionFile::parse(&record, "record").expect("a record line reads");
            assert_eq!(file.decisions[0], entry);
            let replay = file.resolve(scenario(), "record").expect("a recorded decision replays");
            let d = &replay.schedule.decisions[0];
            assert_eq!(d.decision, decision, "{line:?}");
            assert_eq!(d.role, role);
        }
        Ok(_) => {}
    }
});
