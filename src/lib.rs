//! ttx: a discrete-event simulator of terrorist content spreading across platforms, and of
//! the detection, review, hash sharing, referrals and removal orders that race it.
//!
//! Layout: [`scenario`] turns YAML into a validated model; [`engine`] simulates one
//! replication and pushes what happens into a [`sink::Sink`]; [`record`] defines those
//! records and their file columns, once; [`output`] holds the CSV sinks; [`runner`] runs
//! many replications (in parallel, deterministically); [`app`] runs every command, and
//! the `ttx` binary is a thin layer over it (flags parsed, checked, dispatched, printed).
//!
//! No `unsafe` code outside [`sys`], which holds the processor prefetch hints and the
//! allocator's run-time option, each behind a safe function.

#![deny(unsafe_code)]

pub mod allocator;
pub mod analysis;
pub mod app;
pub mod bench;
pub mod calibrate;
pub mod compare;
pub mod describe;
pub mod engine;
pub mod exercise;
pub mod output;
pub mod record;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod serve;
pub mod sink;
pub mod summary;
pub mod sweep;
#[allow(unsafe_code)]
pub mod sys;
pub mod targets;
pub mod text;
