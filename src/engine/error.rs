//! Why a replication could not finish.

use crate::scenario::Minutes;

use super::core::clock;

/// Which limit stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    MaxCopies,
    MaxEvents,
}

/// Why a replication could not finish. None of these lets the run go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error(
        "variant `{variant}`, replication {replication}: stopped at {} because it would publish more than limits.max_copies = {limit} copies. \
         The expected number of onward copies per copy is about {expected_offspring:.2}{}. \
         Lower the link rates or raise limits.max_copies in the scenario.",
        clock(*at),
        if *expected_offspring > 1.0 { " (above 1, so the spread grows without bound)" } else { "" }
    )]
    TooManyCopies {
        variant: String,
        replication: u32,
        at: Minutes,
        limit: u64,
        expected_offspring: f64,
    },
    #[error(
        "variant `{variant}`, replication {replication}: stopped at {} after limits.max_events = {limit} events. \
         Raise limits.max_events in the scenario if the run is meant to be this large.",
        clock(*at)
    )]
    TooManyEvents {
        variant: String,
        replication: u32,
        at: Minutes,
        limit: u64,
    },
}

impl SimError {
    /// Whether the simulation can be stepped further after this error (never, today).
    pub fn can_continue(&self) -> bool {
        false
    }

    pub fn limit(&self) -> Limit {
        match self {
            SimError::TooManyCopies { .. } => Limit::MaxCopies,
            SimError::TooManyEvents { .. } => Limit::MaxEvents,
        }
    }
}
