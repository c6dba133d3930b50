//! Review queues: reviewers as non-preemptive servers, FIFO within three priority classes
//! (removal orders, referrals, the platform's own detections).

use bevy_ecs::change_detection::DetectChangesMut;
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

/// What a finished review decides.
enum Verdict {
    Remove(RemovalCause),
    /// The copy stays up; a referral or order that came during the review, if any.
    Keep(Option<QueueClass>, CopyIdent),
}

impl Simulation {
    /// A copy joins its platform's review queue in `class`, or moves up to it.
    pub(super) fn enqueue(&mut self, copy: CopyId, class: QueueClass) {
        let now = self.now;
        let Some((platform, ident, status, token)) = self.copies.get_mut(copy).map(|c| {
            let status = c.pending.review;
            let token = match status {
                ReviewStatus::InReview => {
                    // It is being reviewed: if the review keeps it, it queues again in
                    // this class.
                    let p = &mut c.pending;
                    p.escalation = Some(p.escalation.map_or(class, |c| c.min(class)));
                    None
                }
                ReviewStatus::Waiting { class: current, .. } if current <= class => None,
                // Move up: the old entry goes stale and is skipped when reached.
                ReviewStatus::Waiting { token, .. } => Some(token.wrapping_add(1)),
                ReviewStatus::NotQueued => {
                    c.pending.queued_at = now;
                    Some(0)
                }
            };
            if let Some(token) = token {
                c.pending.review = ReviewStatus::Waiting { class, token };
                // Detection is paused while the copy is queued.
                c.pending.detection = c.pending.detection.wrapping_add(1);
            }
            (c.platform, c.ident(), status, token)
        }) else {
            return;
        };
        let Some(token) = token else {
            return;
        };
        {
            let mut ps = self.platform_mut(platform);
            if status == ReviewStatus::NotQueued {
                ps.waiting += 1;
                ps.max_queue = ps.max_queue.max(ps.waiting);
            }
            ps.queues[class as usize].push_back(QueueEntry { copy, token });
        }
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
        let now = self.now;
        loop {
            let ps = self.platform(platform);
            if !ps.capacity().has_room(ps.busy) {
                return;
            }
            let Some((copy, queued_at, duration, ident)) = self.next_waiting(platform) else {
                return;
            };
            {
                let mut ps = self.platform_mut(platform);
                integrate_utilization(&mut ps, now);
                ps.busy += 1;
                ps.waiting -= 1;
                ps.reviews_started += 1;
                ps.wait_total += now - queued_at;
            }
            self.queue
                .schedule(now + duration, Event::ReviewEnd { platform, copy });
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
    /// copies that moved to a more urgent class), and start its review: (copy, when it
    /// joined the queue, review duration, its identity for the log).
    fn next_waiting(&mut self, platform: u32) -> Option<(CopyId, Minutes, Minutes, CopyIdent)> {
        let pe = self.platform_entity(platform);
        let time = &self.model.platforms[platform as usize].review.time;
        for class in 0..3 {
            loop {
                let (entry, next) = {
                    let mut ps = self.world.get_mut::<PlatformState>(pe)?;
                    let queue = &mut ps.bypass_change_detection().queues[class];
                    (queue.pop_front(), queue.front().map(|e| e.copy))
                };
                let Some(entry) = entry else {
                    break;
                };
                // The copy after it has waited long enough to be out of the cache: start
                // loading it for the next review to start.
                if let Some(next) = next {
                    self.copies.prefetch(next);
                }
                let started = self.copies.get_mut(entry.copy).map(|c| {
                    let valid = matches!(c.pending.review, ReviewStatus::Waiting { class: k, token }
                        if k as usize == class && token == entry.token);
                    if !valid {
                        return None;
                    }
                    c.pending.review = ReviewStatus::InReview;
                    let duration = time.sample(&mut c.streams.review).max(0.0);
                    Some((entry.copy, c.pending.queued_at, duration, c.ident()))
                });
                if let Some(Some(started)) = started {
                    return Some(started);
                }
            }
        }
        None
    }

    pub(super) fn review_end(&mut self, platform: u32, copy: CopyId) {
        let now = self.now;
        {
            let mut ps = self.platform_mut(platform);
            integrate_utilization(&mut ps, now);
            ps.busy -= 1;
            ps.reviews += 1;
        }
        let accuracy = self.model.platforms[platform as usize].review.accuracy;
        let verdict = self.copies.get_mut(copy).map(|c| {
            if c.pending.review != ReviewStatus::InReview {
                return None;
            }
            let u: f64 = c.streams.review.random();
            Some(if u < accuracy {
                Verdict::Remove(if c.pending.under_order {
                    RemovalCause::Order
                } else {
                    RemovalCause::Review
                })
            } else {
                c.pending.review = ReviewStatus::NotQueued;
                Verdict::Keep(c.pending.escalation.take(), c.ident())
            })
        });
        match verdict.flatten() {
            Some(Verdict::Remove(cause)) => {
                self.remove(copy, cause);
            }
            Some(Verdict::Keep(escalation, ident)) => {
                self.log(EventKind::ReviewKept, Some(platform), Some(ident), |_| {
                    "review ended; the copy stays up".to_string()
                });
                match escalation {
                    Some(class) => self.enqueue(copy, class),
                    None => self.schedule_detection(copy, platform),
                }
            }
            None => {}
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
