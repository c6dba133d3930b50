//! The discrete-event engine: one replication of one variant.
//!
//! [`SimInit`] builds a [`Simulation`] from a validated variant; [`Simulation::step`],
//! [`Simulation::step_until`] and [`Simulation::run`] advance it, pushing event-log lines,
//! samples and outcomes into a [`Sink`](crate::sink::Sink). The engine never touches files
//! or terminals, never panics on a model it was given, and reports a run it cannot finish
//! as a [`SimError`] (which says whether stepping can go on).
//!
//! Inside, a core (`core.rs`) holds what every event touches (clock, horizon, event
//! queue, run tallies, random key, event log), and each mechanism is a type that owns its
//! state: `copies.rs` (copies and their lifecycle, their rows in the copy store of
//! `store.rs`), `review.rs` (review queues), `authority.rs` (authorities), `hashes.rs`
//! (hash lists, the shared database, sweeps), `protocol.rs` (the crisis protocol) and
//! `injects.rs`. One dispatch (`dispatch.rs`) routes each event to its mechanism and
//! carries the consequences between them; `decisions.rs` holds the exercise's decisions,
//! which act through the same mechanisms. The long-lived entities (platforms, authorities,
//! protocols, variants) are a `bevy_ecs` World ([`world`]) that reports query.
//! `docs/architecture.md` draws it all.
//!
//! Views and onward sharing follow each copy's attention curve exactly (closed-form
//! integrals between events), and each live copy has at most a handful of pending events:
//! its next link-caused attempt, its next detection, its next find by an authority, and
//! whatever review or order concerns it.

pub mod queue;
pub mod rng;

mod authority;
mod blocks;
mod copies;
mod copy;
mod core;
mod decisions;
mod dispatch;
mod error;
mod hashes;
mod injects;
mod posts;
mod protocol;
mod review;
mod sim;
mod store;
pub mod world;

pub use self::core::clock;
pub use decisions::{
    Decision, DecisionError, DecisionSchedule, PlatformStatus, ProtocolStatus, ScheduledDecision,
    Situation,
};
pub use error::{Limit, SimError};
pub use injects::InjectState;
pub use sim::{SimInit, Simulation, Step, Storage};
pub use world::Directory;
