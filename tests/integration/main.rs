//! ttx's integration tests: one binary, one module per behaviour.

#![deny(unsafe_code)]

mod common;

mod app;

mod compare;

mod calibrate;
mod cli;
mod conservation;
mod determinism;
mod exercise;
mod memory;
mod part2_loading;
mod protocols;
mod robustness;
mod scenario_loading;
mod shards;
mod targets;
mod theory_branching;
mod theory_erlang_c;
mod theory_hash_recall;
mod theory_mminf;
mod untrusted_text;

mod spawn;

mod closed_stdout;
mod debrief_wording;
mod exercise_safety;
mod fuzz_regressions_cli;
mod misleading_messages;
mod prompt_limits;
mod protocols_as_variants_run_them;
mod record_checksum;
mod replay_scale;
mod signals;
mod situation_report_fits;
