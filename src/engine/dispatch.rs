//! Owns the engine's event type and its one dispatch: each event popped from the queue
//! goes to the mechanism that handles it, and what that mechanism's handler returns is
//! carried on to the mechanisms it concerns (a review's verdict becomes a removal, the
//! removal a listing, the listing a submission to the shared database, and the removal
//! the protocols' trigger checks and URL sharing).
//!
//! The order in which consequences are carried out is the order in which their events
//! are scheduled and their random draws made, and so part of the output: it is the order
//! of the engine before the mechanisms had types of their own, kept exactly.

use std::sync::Arc;

use crate::scenario::{Capacity, Minutes, OnMatch};
use crate::sink::EventKind;

use super::authority::{AuthorityEvent, Issue, Spotted};
use super::copies::{CopyEvent, Onward, Redraw, Source, Upload, VariantChoice};
use super::copy::{QueueClass, RemovalCause, ReviewStatus};
use super::error::SimError;
use super::hashes::{self, HashEvent};
use super::injects::{Effect, InjectEvent};
use super::protocol::{Notified, ProtocolEvent};
use super::queue::{self, Priority};
use super::review::{ReviewEvent, Rows, Verdict};
use super::sim::Simulation;
use super::store::CopyId;

/// The copies and posts, lent to the review queues together.
macro_rules! rows {
    ($sim:ident) => {
        &mut Rows {
            copies: &mut $sim.copies.store,
            posts: &mut $sim.copies.posts.store,
        }
    };
}

/// Something scheduled to happen at a time: the union of the mechanisms' events, flat,
/// so that it stays 16 bytes and a queue entry 32 (nested enums would add a tag).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    // Copies.
    Origin { content: u32 },
    CampaignAttempt { campaign: u32, generation: u32 },
    LinkAttempt { copy: CopyId, generation: u32 },
    Detection { copy: CopyId, generation: u32 },
    StreamEnd { copy: CopyId },
    PostDetection { post: CopyId, generation: u32 },
    // Review queues.
    ReviewEnd { platform: u32, copy: CopyId },
    // Authorities.
    Find { copy: CopyId, generation: u32 },
    ReferralReady { authority: u32, copy: CopyId },
    OrderDeadline { copy: CopyId },
    // Hash lists.
    HashArrival { variant: u32, via: u32 },
    Sweep { copy: CopyId },
    // The protocols.
    ProtocolTrigger { protocol: u32 },
    ProtocolActivate { protocol: u32 },
    Notify { platform: u32, protocol: u32 },
    RampStep { platform: u32, reviewers: Capacity },
    QuietCheck { protocol: u32 },
    UrlShare { copy: CopyId },
    // Injects.
    Inject { index: u32 },
    InjectEnd { index: u32 },
    // The run's own clock: a sample of every platform.
    Sample,
}

const _: () = assert!(std::mem::size_of::<Event>() == 16);
const _: () = assert!(queue::entry_size::<Event>() == 32);

impl Event {
    /// The copy a per-copy event concerns (whose row the event loop prefetches).
    #[inline]
    pub fn copy(&self) -> Option<CopyId> {
        match *self {
            Event::LinkAttempt { copy, .. }
            | Event::Detection { copy, .. }
            | Event::Find { copy, .. }
            | Event::ReviewEnd { copy, .. }
            | Event::ReferralReady { copy, .. }
            | Event::OrderDeadline { copy }
            | Event::Sweep { copy }
            | Event::StreamEnd { copy }
            | Event::UrlShare { copy } => Some(copy),
            _ => None,
        }
    }
}

impl From<CopyEvent> for Event {
    #[inline]
    fn from(e: CopyEvent) -> Self {
        match e {
            CopyEvent::Origin { content } => Event::Origin { content },
            CopyEvent::CampaignAttempt {
                campaign,
                generation,
            } => Event::CampaignAttempt {
                campaign,
                generation,
            },
            CopyEvent::LinkAttempt { copy, generation } => Event::LinkAttempt { copy, generation },
            CopyEvent::Detection { copy, generation } => Event::Detection { copy, generation },
            CopyEvent::StreamEnd { copy } => Event::StreamEnd { copy },
            CopyEvent::PostDetection { post, generation } => {
                Event::PostDetection { post, generation }
            }
        }
    }
}

impl From<ReviewEvent> for Event {
    #[inline]
    fn from(e: ReviewEvent) -> Self {
        match e {
            ReviewEvent::End { platform, copy } => Event::ReviewEnd { platform, copy },
        }
    }
}

impl From<AuthorityEvent> for Event {
    #[inline]
    fn from(e: AuthorityEvent) -> Self {
        match e {
            AuthorityEvent::Find { copy, generation } => Event::Find { copy, generation },
            AuthorityEvent::ReferralReady { authority, copy } => {
                Event::ReferralReady { authority, copy }
            }
            AuthorityEvent::OrderDeadline { copy } => Event::OrderDeadline { copy },
        }
    }
}

impl From<HashEvent> for Event {
    #[inline]
    fn from(e: HashEvent) -> Self {
        match e {
            HashEvent::Arrival { variant, via } => Event::HashArrival { variant, via },
            HashEvent::Sweep { copy } => Event::Sweep { copy },
        }
    }
}

impl From<ProtocolEvent> for Event {
    #[inline]
    fn from(e: ProtocolEvent) -> Self {
        match e {
            ProtocolEvent::Trigger { protocol } => Event::ProtocolTrigger { protocol },
            ProtocolEvent::Activate { protocol } => Event::ProtocolActivate { protocol },
            ProtocolEvent::Notify { platform, protocol } => Event::Notify { platform, protocol },
            ProtocolEvent::RampStep {
                platform,
                reviewers,
            } => Event::RampStep {
                platform,
                reviewers,
            },
            ProtocolEvent::QuietCheck { protocol } => Event::QuietCheck { protocol },
            ProtocolEvent::UrlShare { copy } => Event::UrlShare { copy },
        }
    }
}

impl From<InjectEvent> for Event {
    #[inline]
    fn from(e: InjectEvent) -> Self {
        match e {
            InjectEvent::Fire { index } => Event::Inject { index },
            InjectEvent::End { index } => Event::InjectEnd { index },
        }
    }
}

impl Simulation {
    /// Handle one event; false if it was stale (cancelled) and so did nothing.
    pub(super) fn handle(&mut self, event: Event) -> Result<bool, SimError> {
        let core = &mut self.core;
        let store = &mut self.copies.store;
        Ok(match event {
            Event::Origin { content } => {
                let (platform, variant, key) = self.copies.origin(core, content);
                let listed = self.hashes.is_listed(variant, platform);
                let upload = Upload {
                    content,
                    choice: VariantChoice::Existing(variant),
                    platform,
                    key,
                    source: Source::Origin,
                };
                self.publish(&upload, variant, listed)?;
                true
            }
            Event::CampaignAttempt {
                campaign,
                generation,
            } => {
                if self.blocks.aggregates(campaign) {
                    return self.campaign_candidate(campaign, generation);
                }
                let upload = self.copies.campaign_attempt(core, campaign);
                self.attempt(&upload)?;
                let now = self.core.now;
                self.copies
                    .schedule_campaign_attempt(&mut self.core, campaign, now);
                true
            }
            Event::LinkAttempt { copy, generation } => {
                let Some(onward) = self.copies.link_attempt(core, copy, generation) else {
                    return Ok(false);
                };
                match onward {
                    Onward::Upload(upload) => self.attempt(&upload)?,
                    Onward::Post { copy, link, key } => {
                        self.copies.make_post(&mut self.core, copy, link, key);
                    }
                }
                self.copies.schedule_link(&mut self.core, copy);
                true
            }
            Event::Detection { copy, generation } => {
                let Some(spotted) = self.copies.detection(core, copy, generation) else {
                    return Ok(false);
                };
                self.spotted(spotted);
                self.enqueue(copy, QueueClass::OwnDetection, None);
                true
            }
            Event::StreamEnd { copy } => self.copies.end_stream(core, copy),
            Event::PostDetection { post, generation } => {
                if !self.copies.posts.detection(core, post, generation) {
                    return Ok(false);
                }
                self.enqueue(post, QueueClass::OwnDetection, None);
                true
            }
            Event::ReviewEnd { platform, copy } => {
                match self.review.review_end(core, rows!(self), platform, copy) {
                    Some(Verdict::Remove(_)) if copy.is_post() => self.remove_post(copy),
                    Some(Verdict::Remove(cause)) => {
                        self.remove(copy, cause);
                    }
                    Some(Verdict::Keep(Some((class, by)))) => self.enqueue(copy, class, by),
                    Some(Verdict::Keep(None)) if copy.is_post() => {
                        self.copies.schedule_post_detection(&mut self.core, copy);
                    }
                    Some(Verdict::Keep(None)) => {
                        self.copies
                            .schedule_detection(&mut self.core, copy, platform);
                    }
                    None => {}
                }
                self.review
                    .start_reviews(&mut self.core, rows!(self), platform);
                true
            }
            Event::Find { copy, generation } => {
                match self.authorities.find(core, store, copy, generation) {
                    Some(spotted) => {
                        self.spotted(spotted);
                        true
                    }
                    None => false,
                }
            }
            Event::ReferralReady { authority, copy } => {
                let issue = self
                    .authorities
                    .referral_ready(core, store, authority, copy);
                let from = Arc::clone(&self.core.names.authorities[authority as usize]);
                match issue {
                    Some(Issue::Order(deadline, compliance)) => {
                        self.send_order(copy, (deadline, compliance), &from);
                    }
                    Some(Issue::Referral) => self.refer(copy, &from, Some(authority as u8)),
                    None => {}
                }
                self.authorities
                    .start_referrals(&mut self.core, &mut self.copies.store, authority);
                true
            }
            Event::OrderDeadline { copy } => self.remove(copy, RemovalCause::Order),
            Event::HashArrival { variant, via } => {
                let members = (via != hashes::NORMAL).then(|| self.protocol.members(via));
                self.hashes.arrival(core, store, variant, members);
                true
            }
            Event::Sweep { copy } => self.remove(copy, RemovalCause::Sweep),
            Event::ProtocolTrigger { protocol } => self.protocol.time_trigger(core, protocol),
            Event::ProtocolActivate { protocol } => {
                self.activate_protocol(protocol);
                true
            }
            Event::Notify { platform, protocol } => self.notify(platform, protocol),
            Event::RampStep {
                platform,
                reviewers,
            } => {
                if !self.protocol.in_crisis(platform) {
                    return Ok(false);
                }
                self.review
                    .set_posture_capacity(core, rows!(self), platform, reviewers);
                true
            }
            Event::QuietCheck { protocol } => {
                if self.protocol.quiet_check(core, protocol) {
                    self.deactivate_protocol(protocol);
                }
                true
            }
            Event::UrlShare { copy } if copy.is_post() => {
                let Some((platform, ident, number)) = self.copies.posts.ident(copy) else {
                    return Ok(false);
                };
                core.log(EventKind::UrlShared, Some(platform), Some(ident), |_| {
                    format!(
                        "post {number} referred by URL sharing: the copy it links to was removed"
                    )
                });
                self.enqueue(copy, QueueClass::Referral, None);
                true
            }
            Event::UrlShare { copy } => {
                if !self.protocol.url_share(core, store, copy) {
                    return Ok(false);
                }
                self.enqueue(copy, QueueClass::Referral, None);
                true
            }
            Event::Inject { index } => {
                // Held or delivered early by the facilitator: nothing happens now.
                if self.injects.take_scheduled(index) {
                    self.inject(index)?;
                }
                true
            }
            Event::InjectEnd { index } => {
                self.inject_end(index);
                true
            }
            Event::Sample => {
                self.sample();
                true
            }
        })
    }

    /// Start loading the rows of the copies the next two events concern, so that their
    /// cache misses overlap the handling of this one.
    #[inline]
    pub(super) fn prefetch_next(&self) {
        let (queue, store) = (&self.core.queue, &self.copies.store);
        if let Some(copy) = queue.peek().and_then(Event::copy) {
            store.prefetch(copy);
        }
        if let Some(copy) = queue.peek_second().and_then(Event::copy) {
            store.prefetch(copy);
        }
    }

    /// Drop cancelled events from the queue (see [`EventQueue`](super::queue::EventQueue)).
    pub(super) fn compact_queue(&mut self) {
        let copies = &self.copies.store;
        let posts = &self.copies.posts.store;
        let prefetch = |event: &Event| {
            if let Some(copy) = event.copy() {
                copies.prefetch_line(copy);
            }
        };
        self.core.queue.compact_prefetched(
            |event| match *event {
                Event::LinkAttempt { copy, generation } => copies
                    .get(copy)
                    .map(|c| &c.pending)
                    .is_some_and(|p| p.links == generation),
                Event::Detection { copy, generation } => {
                    copies.get(copy).map(|c| &c.pending).is_some_and(|p| {
                        p.detection == generation && p.review == ReviewStatus::NotQueued
                    })
                }
                Event::Find { copy, generation } => copies
                    .get(copy)
                    .map(|c| &c.pending)
                    .is_some_and(|p| p.finds == generation),
                Event::PostDetection { post, generation } => {
                    posts.get(post).map(|p| &p.pending).is_some_and(|p| {
                        p.detection == generation && p.review == ReviewStatus::NotQueued
                    })
                }
                Event::UrlShare { copy } if copy.is_post() => posts.get(copy).is_some(),
                Event::StreamEnd { copy } => copies.get(copy).is_some_and(|c| c.pending.live),
                Event::OrderDeadline { copy }
                | Event::Sweep { copy }
                | Event::UrlShare { copy } => copies.get(copy).is_some(),
                // Everything else does something when it fires (frees a reviewer or an
                // analyst, moves the protocol or the clock).
                _ => true,
            },
            prefetch,
        );
    }

    // ---- consequences carried between mechanisms ----

    /// Make a new variant of a content item: named, counted, on no hash list, an entity
    /// of the World. Returns its global index.
    pub(super) fn make_variant(&mut self, content: u32) -> u32 {
        let global = self.core.names.variants() as u32;
        let number = self.copies.add_variant(content, global);
        self.core.names.add_variant(content, number);
        self.hashes.add_variant();
        self.entities
            .spawn_variant(&mut self.world, global, content, number);
        self.core.counts.variants += 1;
        if number > 0 {
            self.core.log(EventKind::NewVariant, None, None, |names| {
                format!(
                    "new edit of {}: variant {number}",
                    names.contents[content as usize]
                )
            });
        }
        global
    }

    /// An upload attempt: counted, screened against the platform's hash list, and
    /// published if it passes (or, matched on a platform that sends matches to review,
    /// published and queued for review at once).
    pub(super) fn attempt(&mut self, upload: &Upload) -> Result<(), SimError> {
        self.copies.count_attempt(&mut self.core, upload.platform);
        let variant = match upload.choice {
            VariantChoice::New => self.make_variant(upload.content),
            VariantChoice::Existing(v) => v,
        };
        let listed = self.hashes.is_listed(variant, upload.platform);
        if listed && self.hashes.matched(&self.core, upload.platform, upload.key) {
            if self.hashes.on_match(upload.platform) == OnMatch::Review {
                let id = self.publish(upload, variant, listed)?;
                if let Some(spotted) = self.copies.matched_for_review(&mut self.core, id) {
                    self.spotted(spotted);
                }
                self.enqueue(id, QueueClass::OwnDetection, None);
                return Ok(());
            }
            self.copies.block(&mut self.core, upload, variant);
            return Ok(());
        }
        self.publish(upload, variant, listed)?;
        Ok(())
    }

    /// Publish a copy (`listed`: its variant is on the platform's list already, which a
    /// sweep will then never take it for), with its first find drawn by the authorities.
    pub(super) fn publish(
        &mut self,
        upload: &Upload,
        variant: u32,
        listed: bool,
    ) -> Result<CopyId, SimError> {
        if self.blocks.watching {
            self.sync_listings();
        }
        let (now, horizon) = (self.core.now, self.core.horizon);
        let authorities = &self.authorities;
        let (id, find) = self.copies.publish(&mut self.core, upload, variant, |c| {
            authorities.first_find(c, now, horizon)
        })?;
        if !listed {
            self.hashes.track_live(id, variant, upload.platform);
        }
        if self.blocks.watching {
            self.blocks_after_publication(upload.content, variant);
        }
        if let Some((at, generation)) = find {
            self.core.schedule(
                at,
                AuthorityEvent::Find {
                    copy: id,
                    generation,
                },
            );
        }
        if self.protocol.watches_publications() {
            self.protocol
                .after_publication(&mut self.core, upload.platform, upload.content);
        }
        Ok(id)
    }

    /// A copy detected by its platform or found by an authority: the first time, a
    /// protocol's `detections` trigger may count it.
    fn spotted(&mut self, s: Spotted) {
        if s.first && self.protocol.watches_detections() {
            self.protocol
                .after_detection(&mut self.core, s.platform, s.content);
        }
    }

    /// Take a live copy down, and carry the removal on: out of its review queue and the
    /// sweeps' index, off its parent's children; its variant onto the platform's hash
    /// list (by review or order) and from there to the shared database; URLs of its
    /// relatives (and of the posts that link to it) shared under the active protocols;
    /// the protocols' triggers checked. False if the copy was already gone.
    pub(super) fn remove(&mut self, copy: CopyId, cause: RemovalCause) -> bool {
        let Some(removed) = self.copies.remove(&mut self.core, copy, cause) else {
            return false;
        };
        let (platform, ident) = (removed.platform, removed.ident);
        let variant = ident.2;
        if removed.was_waiting {
            self.review.forget_waiting(platform);
        }
        self.hashes.untrack_live(copy, variant, platform);
        self.copies.detach(copy, removed.parent);
        let (views, cut) = (removed.views, removed.cut_stream);
        self.core
            .log(EventKind::Removed, Some(platform), Some(ident), |_| {
                format!(
                    "removed by {} after {:.0} views{}",
                    cause.as_str(),
                    views,
                    if cut {
                        " (the live stream was cut)"
                    } else {
                        ""
                    }
                )
            });

        let core = &mut self.core;
        let store = &mut self.copies.store;
        if cause.lists() && self.hashes.list(core, store, variant, platform, true) {
            let normal = core.model.hash_sharing.delay;
            let crisis = self.protocol.crisis_deliveries(platform, normal);
            self.hashes.submit(core, variant, platform, crisis);
        }
        let children = removed.children.as_deref().map_or(&[][..], Vec::as_slice);
        self.protocol.share_urls(
            core,
            (&self.copies.store, &self.copies.posts.store),
            platform,
            removed.parent,
            children,
        );
        self.protocol.after_removal(core, platform, removed.content);
        true
    }

    /// Take a live post down (by review).
    fn remove_post(&mut self, post: CopyId) {
        if let Some((platform, was_waiting)) = self.copies.remove_post(&mut self.core, post)
            && was_waiting
        {
            self.review.forget_waiting(platform);
        }
    }

    /// Queue a copy (or post) for review on its platform (or move it up); `by`: the
    /// authority whose referral it is, for class 2.
    pub(super) fn enqueue(&mut self, copy: CopyId, class: QueueClass, by: Option<u8>) {
        self.review
            .enqueue(&mut self.core, rows!(self), copy, class, by);
    }

    /// A referral reaches a live copy's platform: class 2 of its review queue (`by`:
    /// the referring authority, whose `acceptance` the review then applies).
    pub(super) fn refer(&mut self, copy: CopyId, from: &str, by: Option<u8>) {
        let Some((platform, ident)) = self.copies.ident(copy) else {
            return;
        };
        self.core
            .log(EventKind::Referral, Some(platform), Some(ident), |_| {
                format!("referral from {from}")
            });
        self.enqueue(copy, QueueClass::Referral, by);
    }

    /// A removal order reaches a live copy's platform: its deadline, then class 1 of the
    /// review queue.
    pub(super) fn send_order(&mut self, copy: CopyId, terms: (Minutes, f64), from: &str) {
        if self.copies.store.get(copy).is_none() {
            return;
        }
        self.authorities
            .order(&mut self.core, &mut self.copies.store, copy, terms, from);
        self.enqueue(copy, QueueClass::RemovalOrder, None);
    }

    /// Redraw the pending link, detection and find events of every live copy on the given
    /// platforms (and the detections of their posts), after a change to their rates
    /// (virality, posture, boost): one pass over the copies however many platforms change.
    pub(super) fn redraw(&mut self, platforms: &[(u32, Redraw)]) {
        let mut what: Vec<Option<Redraw>> = vec![None; self.copies.platforms.len()];
        for &(p, r) in platforms {
            what[p as usize] = Some(r);
        }
        for (r, platform, copy) in self.copies.on_platforms(&what) {
            if r.links {
                self.copies.schedule_link(&mut self.core, copy);
            }
            if r.detection
                && self.copies.store.get(copy).map(|c| c.pending.review)
                    == Some(ReviewStatus::NotQueued)
            {
                self.copies
                    .schedule_detection(&mut self.core, copy, platform);
            }
            if r.finds {
                self.authorities
                    .schedule_find(&mut self.core, &mut self.copies.store, copy);
            }
        }
        for (r, post) in self.copies.posts.on_platforms(&what) {
            if r.detection
                && self.copies.posts.store.get(post).map(|p| p.pending.review)
                    == Some(ReviewStatus::NotQueued)
            {
                self.copies.schedule_post_detection(&mut self.core, post);
            }
        }
    }

    /// Multiply the attention of every copy (and post) on the given platforms, and
    /// redraw their onward attempts and detections.
    fn scale_attention(&mut self, platforms: &[u32], factor: f64) {
        self.copies.scale_attention(&self.core, platforms, factor);
        let redraw = Redraw {
            links: true,
            detection: true,
            finds: false,
        };
        let all: Vec<(u32, Redraw)> = platforms.iter().map(|&p| (p, redraw)).collect();
        self.redraw(&all);
    }

    /// Protocol `k` becomes active: authorities are reinforced as the active protocols
    /// say, it may stand down, and the protocols chained after it trigger.
    pub(super) fn activate_protocol(&mut self, k: u32) {
        if self.protocol.activate(&mut self.core, k) {
            self.apply_boosts();
            self.protocol.schedule_quiet_check(&mut self.core, k);
            self.protocol.after_activation(&mut self.core, k);
        }
    }

    /// Give every authority, and its finds on every platform, the boost the active
    /// protocols give them now (the largest among those that reach it: an authority that
    /// works only on platforms outside every active protocol is not reinforced); only
    /// what changes is touched.
    fn apply_boosts(&mut self) {
        let model = Arc::clone(&self.core.model);
        for (a, auth) in model.authorities.iter().enumerate() {
            let boost = self.protocol.analyst_boost(&auth.monitors);
            self.authorities.set_analyst_boost(
                &mut self.core,
                &mut self.copies.store,
                a as u32,
                boost,
            );
        }
        let finds = Redraw {
            finds: true,
            ..Redraw::default()
        };
        let mut boosted = Vec::new();
        for p in 0..model.platforms.len() as u32 {
            if self.authorities.monitored(p) {
                let boost = self.protocol.finds_boost(p);
                if self.authorities.set_finds_boost(&model, p, boost) {
                    boosted.push((p, finds));
                }
            }
        }
        if !boosted.is_empty() {
            self.redraw(&boosted);
        }
    }

    /// A member platform is notified under protocol `k`: its crisis posture applies
    /// (automated detection, matching and attention at once, reviewers ramping up),
    /// unless another protocol applied it already. False if the protocol is no longer
    /// active.
    pub(super) fn notify(&mut self, platform: u32, k: u32) -> bool {
        let posture = match self.protocol.notify(&mut self.core, platform, k) {
            Notified::Stale => return false,
            Notified::NoPosture | Notified::Applied => return true,
            Notified::Posture(posture) => posture,
        };
        if let Some(on_match) = posture.on_match {
            self.hashes.set_on_match(platform, on_match);
            self.blocks_after_on_match();
        }
        let mut redraw = Redraw::default();
        if posture.views_factor != 1.0 && self.protocol.views_factor(platform) == 1.0 {
            self.protocol
                .set_views_factor(platform, posture.views_factor);
            self.copies
                .scale_attention(&self.core, &[platform], posture.views_factor);
            redraw.links = true;
            redraw.detection = true;
        }
        if let Some(proactive) = posture.proactive_per_min {
            self.copies.platforms[platform as usize].proactive_per_min = proactive;
            redraw.detection = true;
        }
        if redraw != Redraw::default() {
            self.redraw(&[(platform, redraw)]);
        }
        if let Some(surge) = posture.reviewers {
            let from = self.review.desks[platform as usize].posture_capacity;
            self.protocol
                .ramp_reviewers(&mut self.core, platform, from, surge, posture.ramp);
        }
        true
    }

    /// Protocol `k` stands down: authorities back to the strength the protocols still
    /// active give them, then its member platforms, one by one, back to normal posture
    /// (those no other active protocol has notified).
    fn deactivate_protocol(&mut self, k: u32) {
        self.protocol.deactivate(&mut self.core, k);
        let model = Arc::clone(&self.core.model);
        for (a, auth) in model.authorities.iter().enumerate() {
            let boost = self.protocol.analyst_boost(&auth.monitors);
            self.authorities.set_analyst_boost(
                &mut self.core,
                &mut self.copies.store,
                a as u32,
                boost,
            );
        }
        for (p, platform) in model.platforms.iter().enumerate() {
            let p = p as u32;
            if !self.protocol.is_member(k, p) {
                continue;
            }
            let mut r = Redraw::default();
            let was_crisis = if self.protocol.posture_ends(k, p) {
                let was_crisis = self.protocol.set_crisis(p, false);
                self.copies.platforms[p as usize].proactive_per_min = platform.proactive_per_min;
                self.hashes.set_on_match(p, platform.on_match);
                self.blocks_after_on_match();
                let factor = self.protocol.set_views_factor(p, 1.0);
                if factor != 1.0 {
                    self.copies.scale_attention(&self.core, &[p], 1.0 / factor);
                    r.links = true;
                }
                was_crisis
            } else {
                false
            };
            let boost = self.protocol.finds_boost(p);
            let boosted = self.authorities.set_finds_boost(&model, p, boost);
            if was_crisis {
                self.review.set_posture_capacity(
                    &mut self.core,
                    rows!(self),
                    p,
                    platform.review.reviewers,
                );
            }
            r.detection = was_crisis || r.links;
            r.finds = boosted;
            if r != Redraw::default() {
                self.redraw(&[(p, r)]);
            }
        }
    }

    /// An inject fires: its effect, then its end scheduled.
    pub(super) fn inject(&mut self, index: u32) -> Result<(), SimError> {
        let (effect, ends) = self.injects.fire(&mut self.core, index);
        match effect {
            Effect::None | Effect::EndOutage { .. } => {}
            Effect::Attention { platforms, factor } => self.scale_attention(&platforms, factor),
            Effect::Uploads {
                content,
                platform,
                count,
                new_variant,
            } => {
                let variant = new_variant.then(|| self.make_variant(content));
                for i in 0..count {
                    let upload = self.copies.inject_upload(
                        &self.core,
                        (index, i),
                        content,
                        platform,
                        variant,
                    );
                    self.attempt(&upload)?;
                }
            }
            Effect::Outage {
                platform,
                reviewers,
            } => {
                self.review.set_outage(
                    &mut self.core,
                    rows!(self),
                    platform,
                    Some((index, reviewers)),
                );
            }
        }
        if let Some(at) = ends {
            self.injects.schedule_end(&mut self.core, index, at);
        }
        Ok(())
    }

    /// An inject's duration is over: its effect undone.
    fn inject_end(&mut self, index: u32) {
        match self.injects.end(&self.core, index) {
            Effect::Attention { platforms, factor } => self.scale_attention(&platforms, factor),
            Effect::EndOutage { platform } => {
                self.review
                    .end_outage(&mut self.core, rows!(self), platform, index);
            }
            _ => {}
        }
        self.injects.log_end(&mut self.core, index);
    }

    /// Schedule the first sample.
    pub(super) fn schedule_sample(&mut self, at: Minutes) {
        self.core.queue.push(at, Priority::Sample, Event::Sample);
    }
}
