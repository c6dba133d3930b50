//! Owns the review queues: each platform's reviewers as non-preemptive servers, FIFO
//! within three priority classes (removal orders, referrals, the platform's own
//! detections), their capacity (normal or crisis posture, outages) and their statistics.
//!
//! A queue entry names a copy and a token; the copy's row says which entry is valid, so
//! a copy that moves up a class, or is removed while it waits, leaves a stale entry that
//! is skipped when reached, without using a reviewer.
//!
//! Link posts are reviewed in the same queues (contract section 18): the queues reach
//! both kinds of row through [`Reviewable`], and a post's id says it is one.
//! A review of a copy referred by an authority removes it with that authority's
//! `acceptance` (section 19) rather than the platform's `accuracy`.

use std::collections::VecDeque;

use rand::RngExt;

use crate::scenario::{Capacity, Minutes, Model};
use crate::sink::EventKind;

use super::copy::CopyStore;
use super::copy::{CopyIdent, Pending, QueueClass, RemovalCause, ReviewStatus};
use super::core::Core;
use super::posts::PostStore;
use super::rng::Stream;
use super::store::CopyId;

/// What a review queue reads and changes of a row it reviews.
pub struct ReviewRow<'a> {
    pub pending: &'a mut Pending,
    /// The row's review stream (durations and verdicts).
    pub stream: &'a mut Stream,
    pub platform: u32,
    /// For the event log: the copy's (a post's linked copy's) identity, and a post's
    /// number.
    pub ident: CopyIdent,
    pub post: Option<u64>,
}

impl ReviewRow<'_> {
    /// How the event log's detail names the row: "" for a copy, "post N: " for a post.
    fn who(post: Option<u64>) -> String {
        post.map_or_else(String::new, |n| format!("post {n}: "))
    }
}

/// The rows review queues review: copies, and link posts.
pub trait Reviewable {
    /// The live row `id` names.
    fn review_row(&mut self, id: CopyId) -> Option<ReviewRow<'_>>;
    /// Start loading a row that is soon needed.
    fn prefetch(&self, id: CopyId);
}

impl Reviewable for CopyStore {
    #[inline]
    fn review_row(&mut self, id: CopyId) -> Option<ReviewRow<'_>> {
        self.get_mut(id).map(|c| ReviewRow {
            platform: c.platform,
            ident: c.ident(),
            post: None,
            pending: &mut c.pending,
            stream: &mut c.streams.review,
        })
    }
    #[inline]
    fn prefetch(&self, id: CopyId) {
        CopyStore::prefetch(self, id);
    }
}

/// A run's copies and posts, as review queues see them.
pub struct Rows<'a> {
    pub copies: &'a mut CopyStore,
    pub posts: &'a mut PostStore,
}

impl Reviewable for Rows<'_> {
    #[inline]
    fn review_row(&mut self, id: CopyId) -> Option<ReviewRow<'_>> {
        if !id.is_post() {
            return self.copies.review_row(id);
        }
        self.posts.get_mut(id).map(|p| ReviewRow {
            platform: p.platform,
            ident: p.ident,
            post: Some(p.number),
            pending: &mut p.pending,
            stream: &mut p.review,
        })
    }
    #[inline]
    fn prefetch(&self, id: CopyId) {
        self.copies.prefetch(id);
    }
}

/// The events the review queues schedule and handle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReviewEvent {
    /// A review of a copy ends.
    End { platform: u32, copy: CopyId },
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct QueueEntry {
    copy: CopyId,
    token: u32,
}

/// One platform's reviewers and queue.
#[derive(Debug, Clone)]
pub struct Desk {
    /// Reviewers in normal or crisis posture (before any outage).
    pub posture_capacity: Capacity,
    /// An outage in force: (inject index, reviewers).
    pub outage: Option<(u32, u32)>,
    pub busy: u32,
    queues: [VecDeque<QueueEntry>; 3],
    /// Copies waiting (valid queue entries).
    pub waiting: u64,
    pub reviews: u64,
    pub reviews_started: u64,
    pub wait_total: f64,
    pub max_queue: u64,
    // Reviewer-time integrals, for utilization.
    util_since: Minutes,
    pub busy_area: f64,
    pub capacity_area: f64,
}

impl Desk {
    fn new(capacity: Capacity) -> Self {
        Desk {
            posture_capacity: capacity,
            outage: None,
            busy: 0,
            queues: Default::default(),
            waiting: 0,
            reviews: 0,
            reviews_started: 0,
            wait_total: 0.0,
            max_queue: 0,
            util_since: 0.0,
            busy_area: 0.0,
            capacity_area: 0.0,
        }
    }

    /// Reviewers now: the outage's if one is in force, else the posture's.
    pub fn capacity(&self) -> Capacity {
        match self.outage {
            Some((_, n)) => Capacity::Limited(n),
            None => self.posture_capacity,
        }
    }

    /// Close the reviewer-time integrals up to `now`.
    pub fn integrate_utilization(&mut self, now: Minutes) {
        let dt = now - self.util_since;
        if dt > 0.0 {
            if let Capacity::Limited(n) = self.capacity() {
                self.busy_area += f64::from(self.busy) * dt;
                // Reviews in progress during an outage still count as capacity in use.
                self.capacity_area += f64::from(n.max(self.busy)) * dt;
            }
            self.util_since = now;
        }
    }
}

/// What a finished review decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Remove(RemovalCause),
    /// The copy stays up; a referral or order that came during the review, to queue it
    /// in again, if any, with the referring authority (otherwise its detection resumes).
    Keep(Option<(QueueClass, Option<u8>)>),
}

/// The review queues of every platform.
#[derive(Debug)]
pub struct ReviewQueues {
    pub desks: Vec<Desk>,
}

impl ReviewQueues {
    pub fn new(model: &Model) -> Self {
        ReviewQueues {
            desks: model
                .platforms
                .iter()
                .map(|p| Desk::new(p.review.reviewers))
                .collect(),
        }
    }

    /// A copy (or post) joins its platform's review queue in `class`, or moves up to it;
    /// if it is in review, it is queued in that class again should the review keep it.
    /// `by` is the authority whose referral this is (for class 2; None for URL sharing).
    pub fn enqueue<E: From<ReviewEvent>>(
        &mut self,
        core: &mut Core<E>,
        rows: &mut impl Reviewable,
        copy: CopyId,
        class: QueueClass,
        by: Option<u8>,
    ) {
        let now = core.now;
        let Some((platform, ident, post, status, token)) = rows.review_row(copy).map(|c| {
            let p = c.pending;
            let status = p.review;
            let token = match status {
                ReviewStatus::InReview => {
                    // A second referral to class 2 changes nothing: the first stays
                    // behind it.
                    if class == QueueClass::Referral && p.escalation != Some(class) {
                        p.escalated_by = by;
                    }
                    p.escalation = Some(p.escalation.map_or(class, |c| c.min(class)));
                    None
                }
                ReviewStatus::Waiting { class: current, .. } if current <= class => None,
                // Move up: the old entry goes stale and is skipped when reached.
                ReviewStatus::Waiting { token, .. } => Some(token.wrapping_add(1)),
                ReviewStatus::NotQueued => {
                    p.queued_at = now;
                    Some(0)
                }
            };
            if let Some(token) = token {
                p.review = ReviewStatus::Waiting { class, token };
                p.referred_by = if class == QueueClass::Referral {
                    by
                } else {
                    None
                };
                // Detection is paused while the copy is queued.
                p.detection = p.detection.wrapping_add(1);
            }
            (c.platform, c.ident, c.post, status, token)
        }) else {
            return;
        };
        let Some(token) = token else {
            return;
        };
        let desk = &mut self.desks[platform as usize];
        if status == ReviewStatus::NotQueued {
            desk.waiting += 1;
            desk.max_queue = desk.max_queue.max(desk.waiting);
        }
        desk.queues[class as usize].push_back(QueueEntry { copy, token });
        let moved = matches!(status, ReviewStatus::Waiting { .. });
        core.log(EventKind::Queued, Some(platform), Some(ident), |_| {
            let who = ReviewRow::who(post);
            if moved {
                format!("{who}moved up the review queue to class {}", class.as_str())
            } else {
                format!("{who}joined the review queue ({})", class.as_str())
            }
        });
        self.start_reviews(core, rows, platform);
    }

    /// Start reviews while reviewers are free and copies wait.
    pub fn start_reviews<E: From<ReviewEvent>>(
        &mut self,
        core: &mut Core<E>,
        rows: &mut impl Reviewable,
        platform: u32,
    ) {
        let now = core.now;
        // A copy of the distribution (a few numbers), so that the core can be lent on.
        let time = core.model.platforms[platform as usize].review.time.clone();
        let desk = &mut self.desks[platform as usize];
        loop {
            if !desk.capacity().has_room(desk.busy) {
                return;
            }
            let Some((copy, queued_at, duration, ident, post)) =
                next_waiting(desk, rows, |s| time.sample(s).max(0.0))
            else {
                return;
            };
            desk.integrate_utilization(now);
            desk.busy += 1;
            desk.waiting -= 1;
            desk.reviews_started += 1;
            desk.wait_total += now - queued_at;
            core.schedule(now + duration, ReviewEvent::End { platform, copy });
            core.log(
                EventKind::ReviewStarted,
                Some(platform),
                Some(ident),
                |_| {
                    format!(
                        "{}review started after {:.1} min in the queue",
                        ReviewRow::who(post),
                        now - queued_at
                    )
                },
            );
        }
    }

    /// A review ends: the reviewer is free, and the copy (if still live) is removed with
    /// probability `accuracy` (the referring authority's `acceptance`, for a review of
    /// its referral) or kept. The dispatch carries out the verdict, then
    /// [`ReviewQueues::start_reviews`] on the platform.
    pub fn review_end<E>(
        &mut self,
        core: &mut Core<E>,
        rows: &mut impl Reviewable,
        platform: u32,
        copy: CopyId,
    ) -> Option<Verdict> {
        let now = core.now;
        let desk = &mut self.desks[platform as usize];
        desk.integrate_utilization(now);
        desk.busy -= 1;
        desk.reviews += 1;
        let model = &core.model;
        let c = rows.review_row(copy)?;
        let p = c.pending;
        if p.review != ReviewStatus::InReview {
            return None;
        }
        let accuracy = match p.referred_by {
            None => model.platforms[platform as usize].review.accuracy,
            Some(a) => model.authorities[a as usize]
                .acceptance
                .unwrap_or(model.platforms[platform as usize].review.accuracy),
        };
        let u: f64 = c.stream.random();
        if u < accuracy {
            return Some(Verdict::Remove(if p.under_order {
                RemovalCause::Order
            } else {
                RemovalCause::Review
            }));
        }
        p.review = ReviewStatus::NotQueued;
        let escalation = p
            .escalation
            .take()
            .map(|class| (class, p.escalated_by.take()));
        let (ident, post) = (c.ident, c.post);
        core.log(
            EventKind::ReviewKept,
            Some(platform),
            Some(ident),
            |_| match post {
                None => "review ended; the copy stays up".to_string(),
                Some(n) => format!("review ended; post {n} stays up"),
            },
        );
        Some(Verdict::Keep(escalation))
    }

    /// A copy that was waiting here has been removed.
    pub fn forget_waiting(&mut self, platform: u32) {
        self.desks[platform as usize].waiting -= 1;
    }

    /// Change the reviewers of a platform's posture (normal or crisis).
    pub fn set_posture_capacity<E: From<ReviewEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut impl Reviewable,
        platform: u32,
        capacity: Capacity,
    ) {
        let desk = &mut self.desks[platform as usize];
        desk.integrate_utilization(core.now);
        desk.posture_capacity = capacity;
        self.log_capacity(core, platform);
        self.start_reviews(core, store, platform);
    }

    /// Set or clear an outage (reviewers forced to a number for a while).
    pub fn set_outage<E: From<ReviewEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut impl Reviewable,
        platform: u32,
        outage: Option<(u32, u32)>,
    ) {
        let desk = &mut self.desks[platform as usize];
        desk.integrate_utilization(core.now);
        desk.outage = outage;
        self.log_capacity(core, platform);
        self.start_reviews(core, store, platform);
    }

    /// End the outage inject `inject` started, if it is still the one in force (a later
    /// one may have replaced it).
    pub fn end_outage<E: From<ReviewEvent>>(
        &mut self,
        core: &mut Core<E>,
        store: &mut impl Reviewable,
        platform: u32,
        inject: u32,
    ) {
        if self.desks[platform as usize]
            .outage
            .is_some_and(|(i, _)| i == inject)
        {
            self.set_outage(core, store, platform, None);
        }
    }

    fn log_capacity<E>(&self, core: &mut Core<E>, platform: u32) {
        let capacity = self.desks[platform as usize].capacity();
        core.log(
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

/// Pop the most urgent valid queue entry, skipping stale ones (removed copies, or copies
/// that moved to a more urgent class), and start its review, its duration drawn by
/// `duration` from the copy's review stream: (copy, when it joined the queue, review
/// duration, its identity for the log, a post's number).
#[allow(clippy::type_complexity)]
fn next_waiting(
    desk: &mut Desk,
    rows: &mut impl Reviewable,
    mut duration: impl FnMut(&mut Stream) -> Minutes,
) -> Option<(CopyId, Minutes, Minutes, CopyIdent, Option<u64>)> {
    for class in 0..3 {
        let queue = &mut desk.queues[class];
        while let Some(entry) = queue.pop_front() {
            // The copy after it has waited long enough to be out of the cache: start
            // loading it for the next review to start.
            if let Some(next) = queue.front() {
                rows.prefetch(next.copy);
            }
            let started = rows.review_row(entry.copy).and_then(|c| {
                let p = c.pending;
                let valid = matches!(p.review, ReviewStatus::Waiting { class: k, token }
                    if k as usize == class && token == entry.token);
                if !valid {
                    return None;
                }
                p.review = ReviewStatus::InReview;
                let d = duration(c.stream);
                Some((entry.copy, p.queued_at, d, c.ident, c.post))
            });
            if started.is_some() {
                return started;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::copy::test_copy;
    use crate::engine::core::test_core;

    /// One platform, one reviewer, reviews of exactly 10 minutes that always remove.
    fn scenario(reviewers: &str) -> String {
        format!(
            r#"
name: review test
horizon: 24h
platforms:
  - id: site
    name: Site
    views_per_hour: 100
    attention_half_life: 1h
    review: {{reviewers: {reviewers}, time: 10m, accuracy: 1}}
content:
  - id: clip
    kind: video
    origin: {{platform: site, at: 0m}}
"#
        )
    }

    fn setup(
        reviewers: &str,
        copies: u64,
    ) -> (Core<ReviewEvent>, ReviewQueues, CopyStore, Vec<CopyId>) {
        let core = test_core::<ReviewEvent>(&scenario(reviewers));
        let queues = ReviewQueues::new(&core.model);
        let mut store = CopyStore::default();
        let ids = (1..=copies).map(|n| store.insert(test_copy(n))).collect();
        (core, queues, store, ids)
    }

    /// Run the queue until it is empty, freeing the reviewer at each review's end;
    /// returns the copies in the order their reviews started.
    fn drain(
        core: &mut Core<ReviewEvent>,
        q: &mut ReviewQueues,
        store: &mut CopyStore,
    ) -> Vec<CopyId> {
        let mut order = Vec::new();
        while let Some((t, ReviewEvent::End { platform, copy })) = core.queue.pop() {
            core.now = t;
            order.push(copy);
            let verdict = q.review_end(core, store, platform, copy);
            // The copy stays in the store, in review: an entry of it left behind in a
            // less urgent class is stale by its status alone.
            assert_eq!(verdict, Some(Verdict::Remove(RemovalCause::Review)));
            q.start_reviews(core, store, platform);
        }
        order
    }

    #[test]
    fn more_urgent_classes_first_and_first_come_first_served_within_a_class() {
        let (mut core, mut q, mut store, c) = setup("1", 6);
        // The first takes the free reviewer at once; the rest wait.
        q.enqueue(&mut core, &mut store, c[0], QueueClass::OwnDetection, None);
        q.enqueue(&mut core, &mut store, c[1], QueueClass::OwnDetection, None);
        q.enqueue(&mut core, &mut store, c[2], QueueClass::Referral, None);
        q.enqueue(&mut core, &mut store, c[3], QueueClass::OwnDetection, None);
        q.enqueue(&mut core, &mut store, c[4], QueueClass::RemovalOrder, None);
        q.enqueue(&mut core, &mut store, c[5], QueueClass::Referral, None);
        assert_eq!((q.desks[0].busy, q.desks[0].waiting), (1, 5));
        assert_eq!(q.desks[0].max_queue, 5);
        let order = drain(&mut core, &mut q, &mut store);
        assert_eq!(order, vec![c[0], c[4], c[2], c[5], c[1], c[3]]);
        // Reviews of 10 minutes back to back, the last starting at 50.
        assert_eq!(core.now, 60.0);
        assert_eq!(q.desks[0].reviews, 6);
        // Waits: 0, 10, 20, 30, 40, 50.
        assert_eq!(q.desks[0].wait_total, 150.0);
    }

    #[test]
    fn a_copy_moving_up_a_class_leaves_a_stale_entry_that_is_skipped() {
        let (mut core, mut q, mut store, c) = setup("1", 4);
        q.enqueue(&mut core, &mut store, c[0], QueueClass::OwnDetection, None);
        q.enqueue(&mut core, &mut store, c[1], QueueClass::OwnDetection, None);
        q.enqueue(&mut core, &mut store, c[2], QueueClass::Referral, None);
        // c[1] is referred: it moves ahead of the earlier referral only by class.
        q.enqueue(&mut core, &mut store, c[1], QueueClass::RemovalOrder, None);
        // A less urgent referral of a copy already waiting changes nothing.
        q.enqueue(&mut core, &mut store, c[2], QueueClass::OwnDetection, None);
        assert_eq!(q.desks[0].waiting, 2, "a move is not a second stay");
        q.enqueue(&mut core, &mut store, c[3], QueueClass::OwnDetection, None);
        let order = drain(&mut core, &mut q, &mut store);
        // c[1]'s old own-detection entry is stale, and skipped: reviewed once only.
        assert_eq!(order, vec![c[0], c[1], c[2], c[3]]);
    }

    #[test]
    fn a_removed_copy_is_skipped_without_a_reviewer() {
        let (mut core, mut q, mut store, c) = setup("1", 3);
        for &id in &c {
            q.enqueue(&mut core, &mut store, id, QueueClass::OwnDetection, None);
        }
        store.remove(c[1]);
        q.forget_waiting(0);
        let order = drain(&mut core, &mut q, &mut store);
        assert_eq!(order, vec![c[0], c[2]]);
        assert_eq!(core.now, 20.0);
    }

    #[test]
    fn a_referral_during_review_queues_the_kept_copy_again() {
        let yaml = scenario("1").replace("accuracy: 1", "accuracy: 0");
        let mut core = test_core::<ReviewEvent>(&yaml);
        let mut q = ReviewQueues::new(&core.model);
        let mut store = CopyStore::default();
        let id = store.insert(test_copy(1));
        q.enqueue(&mut core, &mut store, id, QueueClass::OwnDetection, None);
        q.enqueue(&mut core, &mut store, id, QueueClass::Referral, None);
        let (t, ReviewEvent::End { platform, copy }) = core.queue.pop().unwrap();
        core.now = t;
        let verdict = q.review_end(&mut core, &mut store, platform, copy);
        assert_eq!(
            verdict,
            Some(Verdict::Keep(Some((QueueClass::Referral, None))))
        );
        assert_eq!(
            store.get(id).unwrap().pending.review,
            ReviewStatus::NotQueued
        );
    }

    #[test]
    fn an_outage_holds_reviews_until_it_ends_and_only_its_own_end_ends_it() {
        let (mut core, mut q, mut store, c) = setup("2", 2);
        q.set_outage(&mut core, &mut store, 0, Some((7, 0)));
        q.enqueue(&mut core, &mut store, c[0], QueueClass::OwnDetection, None);
        assert_eq!(q.desks[0].busy, 0);
        // Another inject's end does not end this outage.
        q.end_outage(&mut core, &mut store, 0, 3);
        assert_eq!(q.desks[0].capacity(), Capacity::Limited(0));
        core.now = 30.0;
        q.end_outage(&mut core, &mut store, 0, 7);
        assert_eq!(q.desks[0].capacity(), Capacity::Limited(2));
        assert_eq!(q.desks[0].busy, 1);
        assert_eq!(q.desks[0].wait_total, 30.0);
    }

    #[test]
    fn unlimited_reviewers_start_every_review_at_once() {
        let (mut core, mut q, mut store, c) = setup("unlimited", 50);
        for &id in &c {
            q.enqueue(&mut core, &mut store, id, QueueClass::OwnDetection, None);
        }
        assert_eq!((q.desks[0].busy, q.desks[0].waiting), (50, 0));
        assert_eq!(core.queue.len(), 50);
    }
}
