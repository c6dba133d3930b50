//! ttx's integration tests: one binary, one module per behaviour.

mod common;

mod all_or_nothing;
mod app;

mod compare;

mod cli;
mod conservation;
mod determinism;
mod exercise;
mod memory;
mod memory_bound;
mod output_size_warnings;
mod output_streaming;
mod outputs_flag;
mod part2_loading;
mod protocols;
mod replaced_outputs;
mod robustness;
mod scenario_loading;
mod shard_checksums;
mod shards;
mod stale_temporaries;
mod theory_branching;
mod theory_erlang_c;
mod theory_hash_recall;
mod theory_mminf;
mod untrusted_text;
