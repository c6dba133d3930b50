//! Fuzz the scenario loader with any bytes, and briefly run what loads.
//!
//! The loader must return a scenario or a `LoadError` for every input, quickly and with
//! bounded memory, and never panic; a scenario it accepts must run without a panic. Runs
//! are cut short (12 h of simulated time, 300 copies, 5000 events) so that each input
//! takes milliseconds.

#![no_main]
#![deny(unsafe_code)]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Files are read as UTF-8 (anything else is refused before parsing).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scenario = match ttx::scenario::parse(text, "fuzz.yaml") {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.problems.is_empty());
            let shown = e.to_string();
            assert!(shown.starts_with("fuzz.yaml"));
            assert!(shown.len() < 64 * 1024, "message of {} bytes", shown.len());
            return;
        }
    };
    let _ = ttx::analysis::expected_offspring(&scenario.base);
    let mut experiment = scenario.experiment;
    experiment.horizon = experiment.horizon.min(12.0 * 60.0);
    for variant in &scenario.variants {
        let mut v = variant.clone();
        let m = Arc::make_mut(&mut v.model);
        m.limits.max_copies = m.limits.max_copies.min(300);
        m.limits.max_events = Some(m.limits.max_events.unwrap_or(u64::MAX).min(5_000));
        let mut sim = ttx::engine::SimInit::new(&experiment, &v, 0).build();
        if let Ok(out) = sim.run(&mut ttx::sink::NullSink) {
            assert_eq!(out.attempts, out.blocked + out.published);
            assert_eq!(out.published, out.removed + out.live_at_end);
        }
    }
});
