//! The names of the files ttx writes into an output directory: what a writer commits and
//! what it removes when an earlier run left them behind.

use crate::record::{
    EventRecord, PlatformOutcome, ProtocolOutcome, Record, RunOutcome, SampleRecord,
};

/// The manifest a shard's output directory holds beside its run files.
pub const MANIFEST: &str = "shard.yaml";

/// The summary table of a comparison.
pub const SUMMARY: &str = "summary.csv";

/// A comparison's time-series quantiles.
pub const TIMESERIES_SUMMARY: &str = "timeseries_summary.csv";

/// A sweep's summary: per cell, variant and metric.
pub const SWEEP_SUMMARY: &str = "sweep_summary.csv";

/// What produced an output directory's files ([`super::meta::RunMeta`]).
pub const RUN_META: &str = "run.yaml";

/// Every file ttx writes into an output directory.
pub const OWN_FILES: [&str; 10] = [
    RunOutcome::FILE,
    PlatformOutcome::FILE,
    ProtocolOutcome::FILE,
    SampleRecord::FILE,
    EventRecord::FILE,
    SUMMARY,
    TIMESERIES_SUMMARY,
    SWEEP_SUMMARY,
    MANIFEST,
    RUN_META,
];
