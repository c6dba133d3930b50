//! ttx's integration tests: one binary, one module per behaviour.

mod browser;
mod common;

mod compare;

mod cli;
mod conservation;
mod determinism;
mod exercise;
mod memory;
mod part2_loading;
mod protocols;
mod report;
mod robustness;
mod scenario_loading;
mod shards;
mod theory_branching;
mod theory_erlang_c;
mod theory_hash_recall;
mod theory_mminf;
mod untrusted_text;
