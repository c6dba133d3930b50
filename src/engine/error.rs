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
        "variant `{variant}`, replication {replication}: stopped at {} because it would publish more than limits.max_copies = {limit} copies. {}",
        clock(*at),
        copies_advice(*expected_offspring, *scripted_attempts, *limit)
    )]
    TooManyCopies {
        variant: String,
        replication: u32,
        at: Minutes,
        limit: u64,
        /// Expected onward copies per copy (links).
        expected_offspring: f64,
        /// Expected upload attempts per replication from campaigns and upload injects.
        scripted_attempts: f64,
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

/// What made the copies too many, and what to change: the links when each copy causes
/// more than one onward copy, the campaigns when they alone are expected to reach the
/// limit (a runaway from a campaign rate is not the links' fault).
fn copies_advice(expected_offspring: f64, scripted_attempts: f64, limit: u64) -> String {
    let links =
        format!("each copy is expected to cause about {expected_offspring:.2} onward copies");
    if expected_offspring > 1.0 {
        format!(
            "Through links, {links} (above 1, so the spread grows without bound): lower the link rates or raise limits.max_copies in the scenario."
        )
    } else if scripted_attempts >= limit as f64 {
        format!(
            "Campaigns and upload injects are expected to make about {scripted_attempts:.0} upload attempts per replication, more than the limit (and through links {links}): lower the campaign rates or end them sooner, or raise limits.max_copies in the scenario."
        )
    } else {
        format!(
            "Campaigns and upload injects are expected to make about {scripted_attempts:.0} upload attempts per replication, and through links {links}: raise limits.max_copies in the scenario if the run is meant to be this large."
        )
    }
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
            scripted_attempts: 0.0,
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

    #[test]
    fn a_runaway_is_blamed_on_what_drives_it() {
        let too_many = |expected_offspring, scripted_attempts| {
            SimError::TooManyCopies {
                variant: "v".into(),
                replication: 0,
                at: 1.0,
                limit: 1000,
                expected_offspring,
                scripted_attempts,
            }
            .to_string()
        };
        let links = too_many(1.4, 10.0);
        assert!(links.contains("lower the link rates"), "{links}");
        let campaigns = too_many(0.3, 50_000.0);
        assert!(
            campaigns.contains("lower the campaign rates"),
            "{campaigns}"
        );
        assert!(!campaigns.contains("link rates"), "{campaigns}");
        let neither = too_many(0.9, 800.0);
        assert!(
            neither.contains("if the run is meant to be this large"),
            "{neither}"
        );
    }
}
