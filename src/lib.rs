//! ttx: a discrete-event simulator of terrorist content spreading across platforms, and of
//! the detection, review, hash sharing, referrals and removal orders that race it.
//!
//! Layout: [`scenario`] turns YAML into a validated model; [`engine`] simulates one
//! replication and pushes what happens into a [`sink::Sink`]; [`record`] defines those
//! records and their file columns, once; [`output`] holds the CSV sinks; [`runner`] runs
//! many replications (in parallel, deterministically). The `ttx` binary is a thin layer
//! over these.

pub mod allocator;
pub mod analysis;
pub mod bench;
pub mod compare;
pub mod describe;
pub mod engine;
pub mod exercise;
pub mod output;
pub mod record;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sink;
pub mod summary;
pub mod text;
