//! Why stepping a simulation failed, and whether it can go on.

use crate::scenario::Minutes;

use super::core::clock;

/// Which limit stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    MaxCopies,
    MaxEvents,
}

/// Why a call to step a simulation failed.
///
/// A limit reached is final: the run stopped part-way and cannot be finished. A request
/// the simulation refused (a time before its clock) changed nothing, and the simulation
/// can be stepped on; [`SimError::can_continue`] says which is which.
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
    /// `step_until` was given a time before the clock (or not a time at all); nothing
    /// was done.
    #[error(
        "cannot step to {until} min: the simulation's clock is already at {now} min (a simulation only moves forward)"
    )]
    TimeBeforeNow { until: Minutes, now: Minutes },
}

impl SimError {
    /// Whether the simulation can be stepped further after this error: not after a limit
    /// (the run stopped part-way), but after a refused request, which changed nothing.
    pub fn can_continue(&self) -> bool {
        match self {
            SimError::TooManyCopies { .. } | SimError::TooManyEvents { .. } => false,
            SimError::TimeBeforeNow { .. } => true,
        }
    }

    /// The limit that stopped the run, if a limit did.
    pub fn limit(&self) -> Option<Limit> {
        match self {
            SimError::TooManyCopies { .. } => Some(Limit::MaxCopies),
            SimError::TooManyEvents { .. } => Some(Limit::MaxEvents),
            SimError::TimeBeforeNow { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_final_and_a_refused_request_is_not() {
        let copies = SimError::TooManyCopies {
            variant: "v".into(),
            replication: 0,
            at: 1.0,
            limit: 10,
            expected_offspring: 2.0,
        };
        let events = SimError::TooManyEvents {
            variant: "v".into(),
            replication: 0,
            at: 1.0,
            limit: 10,
        };
        let past = SimError::TimeBeforeNow {
            until: 5.0,
            now: 10.0,
        };
        assert!(!copies.can_continue() && !events.can_continue());
        assert!(past.can_continue());
        assert_eq!(copies.limit(), Some(Limit::MaxCopies));
        assert_eq!(events.limit(), Some(Limit::MaxEvents));
        assert_eq!(past.limit(), None);
        assert!(copies.to_string().contains("grows without bound"));
    }
}
