//! Owns the engine's event type and its one dispatch: each event popped from the queue
//! goes to the mechanism that handles it, and what that mechanism's handler returns is
//! carried on to the mechanisms it concerns (a review's verdict becomes a removal, the
//! removal a listing, the listing a submission to the shared database, and the removal a
//! protocol trigger check and URL sharing).
//!
//! The order in which consequences are carried out is the order in which their events
//! are scheduled and their random draws made, and so part of the output: it is the order
//! of the engine before the mechanisms had types of their own, kept exactly.

use std::sync::Arc;

use crate::scenario::{Capacity, Minutes};
use crate::sink::EventKind;

use super::authority::{AuthorityEvent, Issue};
use super::copies::{CopyEvent, Redraw, Source, Upload, VariantChoice};
use super::copy::{QueueClass, RemovalCause, ReviewStatus};
use super::error::SimError;
use super::hashes::HashEvent;
use super::injects::{Effect, InjectEvent};
use super::protocol::{Notified, ProtocolEvent};
use super::queue::{self, Priority};
use super::review::{ReviewEvent, Verdict};
use super::sim::Simulation;
use super::store::CopyId;

/// Something scheduled to happen at a time: the union of the mechanisms' events, flat,
/// so that it stays 16 bytes and a queue entry 32 (nested enums would add a tag).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    // Copies.
    Origin { content: u32 },
    CampaignAttempt { campaign: u32 },
    LinkAttempt { copy: CopyId, generation: u32 },
    Detection { copy: CopyId, generation: u32 },
    // Review queues.
    ReviewEnd { platform: u32, copy: CopyId },
    // Authorities.
    Find { copy: CopyId, generation: u32 },
    ReferralReady { authority: u32, copy: CopyId },
    OrderDeadline { copy: CopyId },
    // Hash lists.
    HashArrival { variant: u32, crisis: bool },
    Sweep { copy: CopyId },
    // The protocol.
    ProtocolTrigger,
    ProtocolActivate,
    Notify { platform: u32 },
    RampStep { platform: u32, reviewers: Capacity },
    QuietCheck,
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
            CopyEvent::CampaignAttempt { campaign } => Event::CampaignAttempt { campaign },
            CopyEvent::LinkAttempt { copy, generation } => Event::LinkAttempt { copy, generation },
            CopyEvent::Detection { copy, generation } => Event::Detection { copy, generation },
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
            HashEvent::Arrival { variant, crisis } => Event::HashArrival { variant, crisis },
            HashEvent::Sweep { copy } => Event::Sweep { copy },
        }
    }
}

impl From<ProtocolEvent> for Event {
    #[inline]
    fn from(e: ProtocolEvent) -> Self {
        match e {
            ProtocolEvent::Trigger => Event::ProtocolTrigger,
            ProtocolEvent::Activate => Event::ProtocolActivate,
            ProtocolEvent::Notify { platform } => Event::Notify { platform },
            ProtocolEvent::RampStep {
                platform,
                reviewers,
            } => Event::RampStep {
                platform,
                reviewers,
            },
            ProtocolEvent::QuietCheck => Event::QuietCheck,
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
            Event::CampaignAttempt { campaign } => {
                let upload = self.copies.campaign_attempt(core, campaign);
                self.attempt(&upload)?;
                let now = self.core.now;
                self.copies
                    .schedule_campaign_attempt(&mut self.core, campaign, now);
                true
            }
            Event::LinkAttempt { copy, generation } => {
                let Some(upload) = self.copies.link_attempt(core, copy, generation) else {
                    return Ok(false);
                };
                self.attempt(&upload)?;
                self.copies.schedule_link(&mut self.core, copy);
                true
            }
            Event::Detection { copy, generation } => {
                if !self.copies.detection(core, copy, generation) {
                    return Ok(false);
                }
                self.enqueue(copy, QueueClass::OwnDetection);
                true
            }
            Event::ReviewEnd { platform, copy } => {
                match self.review.review_end(core, store, platform, copy) {
                    Some(Verdict::Remove(cause)) => {
                        self.remove(copy, cause);
                    }
                    Some(Verdict::Keep(Some(class))) => self.enqueue(copy, class),
                    Some(Verdict::Keep(None)) => {
                        self.copies
                            .schedule_detection(&mut self.core, copy, platform);
                    }
                    None => {}
                }
                self.review
                    .start_reviews(&mut self.core, &mut self.copies.store, platform);
                true
            }
            Event::Find { copy, generation } => {
                self.authorities.find(core, store, copy, generation)
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
                    Some(Issue::Referral) => self.refer(copy, &from),
                    None => {}
                }
                self.authorities
                    .start_referrals(&mut self.core, &mut self.copies.store, authority);
                true
            }
            Event::OrderDeadline { copy } => self.remove(copy, RemovalCause::Order),
            Event::HashArrival { variant, crisis } => {
                self.hashes.arrival(core, store, variant, crisis);
                true
            }
            Event::Sweep { copy } => self.remove(copy, RemovalCause::Sweep),
            Event::ProtocolTrigger => self.protocol.time_trigger(core),
            Event::ProtocolActivate => {
                self.activate_protocol();
                true
            }
            Event::Notify { platform } => self.notify(platform),
            Event::RampStep {
                platform,
                reviewers,
            } => {
                if !self.protocol.in_crisis(platform) {
                    return Ok(false);
                }
                self.review
                    .set_posture_capacity(core, store, platform, reviewers);
                true
            }
            Event::QuietCheck => {
                if self.protocol.quiet_check(core) {
                    self.deactivate_protocol();
                }
                true
            }
            Event::UrlShare { copy } => {
                if !self.protocol.url_share(core, store, copy) {
                    return Ok(false);
                }
                self.enqueue(copy, QueueClass::Referral);
                true
            }
            Event::Inject { index } => {
                self.inject(index)?;
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
        self.core.queue.compact(|event| match *event {
            Event::LinkAttempt { copy, generation } => copies
                .get(copy)
                .map(|c| &c.pending)
                .is_some_and(|p| p.links == generation),
            Event::Detection { copy, generation } => copies
                .get(copy)
                .map(|c| &c.pending)
                .is_some_and(|p| p.detection == generation && p.review == ReviewStatus::NotQueued),
            Event::Find { copy, generation } => copies
                .get(copy)
                .map(|c| &c.pending)
                .is_some_and(|p| p.finds == generation),
            Event::OrderDeadline { copy } | Event::Sweep { copy } | Event::UrlShare { copy } => {
                copies.get(copy).is_some()
            }
            // Everything else does something when it fires (frees a reviewer or an
            // analyst, moves the protocol or the clock).
            _ => true,
        });
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
    /// published if it passes.
    fn attempt(&mut self, upload: &Upload) -> Result<(), SimError> {
        self.copies.count_attempt(&mut self.core, upload.platform);
        let variant = match upload.choice {
            VariantChoice::New => self.make_variant(upload.content),
            VariantChoice::Existing(v) => v,
        };
        let listed = self.hashes.is_listed(variant, upload.platform);
        if listed && self.hashes.matched(&self.core, upload.platform, upload.key) {
            self.copies.block(&mut self.core, upload, variant);
            return Ok(());
        }
        self.publish(upload, variant, listed)?;
        Ok(())
    }

    /// Publish a copy (`listed`: its variant is on the platform's list already, which a
    /// sweep will then never take it for), with its first find drawn by the authorities.
    fn publish(&mut self, upload: &Upload, variant: u32, listed: bool) -> Result<(), SimError> {
        let (now, horizon) = (self.core.now, self.core.horizon);
        let authorities = &self.authorities;
        let (id, find) = self.copies.publish(&mut self.core, upload, variant, |c| {
            authorities.first_find(c, now, horizon)
        })?;
        if !listed {
            self.hashes.track_live(id, variant, upload.platform);
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
        Ok(())
    }

    /// Take a live copy down, and carry the removal on: out of its review queue and the
    /// sweeps' index, off its parent's children; its variant onto the platform's hash
    /// list (by review or order) and from there to the shared database; URLs of its
    /// relatives shared under an active protocol; the protocol's trigger checked. False
    /// if the copy was already gone.
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
        let views = removed.views;
        self.core
            .log(EventKind::Removed, Some(platform), Some(ident), |_| {
                format!("removed by {} after {:.0} views", cause.as_str(), views)
            });

        let core = &mut self.core;
        let store = &mut self.copies.store;
        if cause.lists() && self.hashes.list(core, store, variant, platform, true) {
            let crisis_delay = self.protocol.crisis_hash_delay(&core.model, platform);
            self.hashes.submit(core, variant, platform, crisis_delay);
        }
        let children = removed.children.as_deref().map_or(&[][..], Vec::as_slice);
        self.protocol
            .share_urls(core, store, platform, removed.parent, children);
        self.protocol.check_trigger(core);
        true
    }

    /// Queue a copy for review on its platform (or move it up).
    pub(super) fn enqueue(&mut self, copy: CopyId, class: QueueClass) {
        self.review
            .enqueue(&mut self.core, &mut self.copies.store, copy, class);
    }

    /// A referral reaches a live copy's platform: class 2 of its review queue.
    pub(super) fn refer(&mut self, copy: CopyId, from: &str) {
        let Some((platform, ident)) = self.copies.ident(copy) else {
            return;
        };
        self.core
            .log(EventKind::Referral, Some(platform), Some(ident), |_| {
                format!("referral from {from}")
            });
        self.enqueue(copy, QueueClass::Referral);
    }

    /// A removal order reaches a live copy's platform: its deadline, then class 1 of the
    /// review queue.
    pub(super) fn send_order(&mut self, copy: CopyId, terms: (Minutes, f64), from: &str) {
        if self.copies.store.get(copy).is_none() {
            return;
        }
        self.authorities
            .order(&mut self.core, &mut self.copies.store, copy, terms, from);
        self.enqueue(copy, QueueClass::RemovalOrder);
    }

    /// Redraw the pending link, detection and find events of every live copy on the given
    /// platforms, after a change to their rates (virality, posture, boost): one pass over
    /// the copies however many platforms change.
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
    }

    /// Multiply the attention of every copy on the given platforms, and redraw their
    /// onward attempts and detections.
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

    /// The protocol becomes active: authorities are reinforced, and it may stand down.
    pub(super) fn activate_protocol(&mut self) {
        if let Some(boost) = self.protocol.activate(&mut self.core) {
            self.apply_boost(boost);
            self.protocol.schedule_quiet_check(&mut self.core);
        }
    }

    /// Multiply the analysts of authorities that monitor a member platform, and their
    /// finds on member platforms. An authority that works only on non-member platforms is
    /// outside the protocol's reach.
    fn apply_boost(&mut self, boost: f64) {
        if boost == 1.0 {
            return;
        }
        let model = Arc::clone(&self.core.model);
        for (a, auth) in model.authorities.iter().enumerate() {
            if !auth
                .monitors
                .iter()
                .any(|&p| model.platforms[p].protocol_member)
            {
                continue;
            }
            let analysts = match auth.analysts {
                Capacity::Limited(n) => {
                    Capacity::Limited((f64::from(n) * boost).round().min(f64::from(u32::MAX)) as u32)
                }
                Capacity::Unlimited => Capacity::Unlimited,
            };
            self.authorities.set_analysts(
                &mut self.core,
                &mut self.copies.store,
                a as u32,
                analysts,
            );
        }
        let finds = Redraw {
            finds: true,
            ..Redraw::default()
        };
        let mut boosted = Vec::new();
        for (p, platform) in model.platforms.iter().enumerate() {
            if platform.protocol_member && self.authorities.monitored(p as u32) {
                self.authorities.set_finds_boost(&model, p as u32, boost);
                boosted.push((p as u32, finds));
            }
        }
        self.redraw(&boosted);
    }

    /// A member platform is notified: its crisis posture applies (automated detection at
    /// once, reviewers ramping up). False if the protocol is no longer active.
    pub(super) fn notify(&mut self, platform: u32) -> bool {
        let posture = match self.protocol.notify(&mut self.core, platform) {
            Notified::Stale => return false,
            Notified::NoPosture => return true,
            Notified::Posture(posture) => posture,
        };
        if let Some(proactive) = posture.proactive_per_min {
            self.copies.platforms[platform as usize].proactive_per_min = proactive;
            let detection = Redraw {
                detection: true,
                ..Redraw::default()
            };
            self.redraw(&[(platform, detection)]);
        }
        if let Some(surge) = posture.reviewers {
            let from = self.review.desks[platform as usize].posture_capacity;
            self.protocol
                .ramp_reviewers(&mut self.core, platform, from, surge, posture.ramp);
        }
        true
    }

    /// The protocol stands down: authorities back to normal strength, then member
    /// platforms, one by one, back to normal posture.
    fn deactivate_protocol(&mut self) {
        self.protocol.deactivate(&mut self.core);
        let model = Arc::clone(&self.core.model);
        for (a, auth) in model.authorities.iter().enumerate() {
            self.authorities.set_analysts(
                &mut self.core,
                &mut self.copies.store,
                a as u32,
                auth.analysts,
            );
        }
        for (p, platform) in model.platforms.iter().enumerate() {
            if !platform.protocol_member {
                continue;
            }
            let p = p as u32;
            let was_crisis = self.protocol.set_crisis(p, false);
            self.copies.platforms[p as usize].proactive_per_min = platform.proactive_per_min;
            let boosted = self.authorities.set_finds_boost(&model, p, 1.0);
            if was_crisis {
                self.review.set_posture_capacity(
                    &mut self.core,
                    &mut self.copies.store,
                    p,
                    platform.review.reviewers,
                );
            }
            if was_crisis || boosted {
                let r = Redraw {
                    links: false,
                    detection: was_crisis,
                    finds: boosted,
                };
                self.redraw(&[(p, r)]);
            }
        }
    }

    /// An inject fires: its effect, then its end scheduled.
    fn inject(&mut self, index: u32) -> Result<(), SimError> {
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
                    &mut self.copies.store,
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
                    .end_outage(&mut self.core, &mut self.copies.store, platform, index);
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
