//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ttx::engine::SimInit;
use ttx::scenario::{Scenario, parse};
use ttx::sink::{Recorder, RunOutcome};

/// Parse a scenario written inline in a test; panics with the loader's message if invalid.
pub fn scenario(yaml: &str) -> Scenario {
    match parse(yaml, "test scenario") {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

/// Run replication `r` of variant `v`, keeping every record (events too if `events`).
pub fn run_one(s: &Scenario, v: usize, r: u32, events: bool) -> (RunOutcome, Recorder) {
    let mut rec = Recorder::new(events);
    let mut sim = SimInit::new(&s.variants[v], r).build();
    let out = sim.run(&mut rec).expect("run finishes");
    (out, rec)
}

/// Path of a shipped scenario.
pub fn shipped(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}
