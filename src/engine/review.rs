//! Review queues: reviewers as non-preemptive servers, FIFO within three priority classes
//! (removal orders, referrals, the platform's own detections).

use bevy_ecs::entity::Entity;
use rand::RngExt;

use crate::scenario::{Capacity, Minutes};
use crate::sink::EventKind;

use super::state::*;
use super::{Event, Simulation};

/// Close the reviewer-time integrals of a platform up to `now`.
pub(super) fn integrate_utilization(ps: &mut PlatformState, now: Minutes) {
    let dt = now - ps.util_since;
    if dt > 0.0 {
        if let Capacity::Limited(n) = ps.capacity() {
            ps.busy_area += f64::from(ps.busy) * dt;
            // Reviews in progress during an outage still count as capacity in use.
            ps.capacity_area += f64::from(n.max(ps.busy)) * dt;
        }
        ps.util_since = now;
    }
}

impl Simulation {
    /// A copy joins its platform's review queue in `class`, or moves up to it.
    pub(super) fn enqueue(&mut self, copy: Entity, class: QueueClass) {
        let now = self.now();
        let Some(status) = self
            .world
            .get::<Copy>(copy)
            .map(|c| &c.pending)
            .map(|p| p.review)
        else {
            return;
        };
        let (platform, ident) = self.copy_ident(copy);
        let token = match status {
            ReviewStatus::InReview => {
                // It is being reviewed: if the review keeps it, it queues again in this class.
                let mut p = self
                    .world
                    .get_mut::<Copy>(copy)
                    .map(|c| c.map_unchanged(|c| &mut c.pending))
                    .expect("live copy");
                p.escalation = Some(p.escalation.map_or(class, |c| c.min(class)));
                return;
            }
            ReviewStatus::Waiting { class: current, .. } if current <= class => return,
            ReviewStatus::Waiting { token, .. } => {
                // Move up: the old entry goes stale and is skipped when reached.
                token.wrapping_add(1)
            }
            ReviewStatus::NotQueued => {
                let waiting = {
                    let mut ps = self.platform_mut(platform);
                    ps.waiting += 1;
                    ps.max_queue = ps.max_queue.max(ps.waiting);
                    ps.waiting
                };
                let _ = waiting;
                let mut p = self
                    .world
                    .get_mut::<Copy>(copy)
                    .map(|c| c.map_unchanged(|c| &mut c.pending))
                    .expect("live copy");
                p.queued_at = now;
                0
            }
        };
        {
            let mut p = self
                .world
                .get_mut::<Copy>(copy)
                .map(|c| c.map_unchanged(|c| &mut c.pending))
                .expect("live copy");
            p.review = ReviewStatus::Waiting { class, token };
        }
        self.cancel_detection(copy);
        self.platform_mut(platform).queues[class as usize].push_back(QueueEntry { copy, token });
        let moved = matches!(status, ReviewStatus::Waiting { .. });
        self.log(EventKind::Queued, Some(platform), Some(ident), |_| {
            if moved {
                format!("moved up the review queue to class {}", class.as_str())
            } else {
                format!("joined the review queue ({})", class.as_str())
            }
        });
        self.start_reviews(platform);
    }

    /// Start reviews while reviewers are free and copies wait.
    pub(super) fn start_reviews(&mut self, platform: u32) {
        let now = self.now();
        loop {
            let next = {
                let e = self.platform_entity(platform);
                let Some(ps) = self.world.get::<PlatformState>(e) else {
                    return;
                };
                if !ps.capacity().has_room(ps.busy) {
                    return;
                }
                self.next_waiting(platform)
            };
            let Some(copy) = next else {
                return;
            };
            let queued_at = self
                .world
                .get::<Copy>(copy)
                .map(|c| &c.pending)
                .expect("live copy")
                .queued_at;
            {
                let mut ps = self.platform_mut(platform);
                integrate_utilization(&mut ps, now);
                ps.busy += 1;
                ps.waiting -= 1;
                ps.reviews_started += 1;
                ps.wait_total += now - queued_at;
            }
            let time = self.model.platforms[platform as usize].review.time.clone();
            let duration = {
                let mut entity = self.world.entity_mut(copy);
                entity
                    .get_mut::<Copy>()
                    .map(|c| c.map_unchanged(|c| &mut c.pending))
                    .expect("live copy")
                    .review = ReviewStatus::InReview;
                let mut s = entity
                    .get_mut::<Copy>()
                    .map(|c| c.map_unchanged(|c| &mut c.streams))
                    .expect("live copy");
                time.sample(&mut s.review).max(0.0)
            };
            self.schedule(now + duration, Event::ReviewEnd { platform, copy });
            let (_, ident) = self.copy_ident(copy);
            self.log(
                EventKind::ReviewStarted,
                Some(platform),
                Some(ident),
                |_| {
                    format!(
                        "review started after {:.1} min in the queue",
                        now - queued_at
                    )
                },
            );
        }
    }

    /// Pop the most urgent valid queue entry, skipping stale ones (removed copies, or
    /// copies that moved to a more urgent class).
    fn next_waiting(&mut self, platform: u32) -> Option<Entity> {
        for class in 0..3 {
            loop {
                let entry = {
                    let mut ps = self.platform_mut(platform);
                    match ps.queues[class].pop_front() {
                        Some(e) => e,
                        None => break,
                    }
                };
                let valid = self
                    .world
                    .get::<Copy>(entry.copy)
                    .map(|c| &c.pending)
                    .is_some_and(|p| {
                        matches!(p.review, ReviewStatus::Waiting { class: c, token }
                        if c as usize == class && token == entry.token)
                    });
                if valid {
                    return Some(entry.copy);
                }
            }
        }
        None
    }

    pub(super) fn review_end(&mut self, platform: u32, copy: Entity) {
        let now = self.now();
        {
            let mut ps = self.platform_mut(platform);
            integrate_utilization(&mut ps, now);
            ps.busy -= 1;
            ps.reviews += 1;
        }
        let in_review = self
            .world
            .get::<Copy>(copy)
            .map(|c| &c.pending)
            .is_some_and(|p| p.review == ReviewStatus::InReview);
        if in_review {
            let accuracy = self.model.platforms[platform as usize].review.accuracy;
            let (u, under_order): (f64, bool) = {
                let mut entity = self.world.entity_mut(copy);
                let u = entity
                    .get_mut::<Copy>()
                    .map(|c| c.map_unchanged(|c| &mut c.streams))
                    .expect("live copy")
                    .review
                    .random();
                (
                    u,
                    entity
                        .get::<Copy>()
                        .map(|c| &c.pending)
                        .expect("live copy")
                        .under_order,
                )
            };
            if u < accuracy {
                let cause = if under_order {
                    RemovalCause::Order
                } else {
                    RemovalCause::Review
                };
                self.remove(copy, cause);
            } else {
                let escalation = {
                    let mut p = self
                        .world
                        .get_mut::<Copy>(copy)
                        .map(|c| c.map_unchanged(|c| &mut c.pending))
                        .expect("live copy");
                    p.review = ReviewStatus::NotQueued;
                    p.escalation.take()
                };
                let (_, ident) = self.copy_ident(copy);
                self.log(EventKind::ReviewKept, Some(platform), Some(ident), |_| {
                    "review ended; the copy stays up".to_string()
                });
                match escalation {
                    Some(class) => self.enqueue(copy, class),
                    None => self.schedule_detection(copy),
                }
            }
        }
        self.start_reviews(platform);
    }

    /// Change the reviewers of a platform's posture (normal or crisis).
    pub(super) fn set_posture_capacity(&mut self, platform: u32, capacity: Capacity) {
        let now = self.now();
        {
            let mut ps = self.platform_mut(platform);
            integrate_utilization(&mut ps, now);
            ps.posture_capacity = capacity;
        }
        self.log_capacity(platform);
        self.start_reviews(platform);
    }

    /// Set or clear an outage (reviewers forced to a number for a while).
    pub(super) fn set_outage(&mut self, platform: u32, outage: Option<(u32, u32)>) {
        let now = self.now();
        {
            let mut ps = self.platform_mut(platform);
            integrate_utilization(&mut ps, now);
            ps.outage = outage;
        }
        self.log_capacity(platform);
        self.start_reviews(platform);
    }

    fn log_capacity(&mut self, platform: u32) {
        let capacity = self.platform(platform).capacity();
        self.log(
            EventKind::Capacity,
            Some(platform),
            None,
            |_| match capacity {
                Capacity::Limited(n) => format!("reviewers now {n}"),
                Capacity::Unlimited => "reviewers now unlimited".to_string(),
            },
        );
    }
}
