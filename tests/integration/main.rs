//! ttx's integration tests: one binary, one module per behaviour.

#![deny(unsafe_code)]

mod common;

mod aggregated_blocks;
mod all_or_nothing;
mod app;
mod browser;
mod calibrate;
mod cli;
mod closed_stdout;
mod compare;
mod conservation;
mod debrief_wording;
mod determinism;
mod exercise;
mod exercise_protocols;
mod exercise_safety;
mod fuzz_regressions_cli;
mod kubernetes;
mod memory;
mod memory_bound;
mod misleading_messages;
mod output_size_warnings;
mod output_streaming;
mod outputs_flag;
mod part2_loading;
mod part2_protocols;
mod prompt_limits;
mod protocols;
mod protocols_as_variants_run_them;
mod protocols_layers;
mod record_checksum;
mod replaced_outputs;
mod replay_scale;
mod report;
mod robustness;
mod scenario_loading;
mod shard_checksums;
mod shards;
mod shipped_incidents;
mod shipped_part2;
mod signals;
mod situation_report_fits;
mod slurm;
mod spawn;
mod stale_temporaries;
mod sweep;
mod targets;
mod theory_branching;
mod theory_erlang_c;
mod theory_hash_recall;
mod theory_mminf;
mod theory_part2;
mod untrusted_text;
