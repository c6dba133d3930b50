//! Copies and variants: upload attempts, screening, publication, attention, onward
//! sharing, detection, removal, hash lists and sweeps.

use std::f64::consts::LN_2;

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::scenario::Minutes;
use crate::sink::EventKind;

use super::authority::next_find;
use super::rng::{self, Mechanism};
use super::state::*;
use super::{CampaignStreams, Event, SimError, Simulation};

/// How an upload attempt came about, for the event log.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    Origin,
    Link { parent: CopyId, parent_number: u64 },
    Campaign(u32),
    Inject(u32),
}

/// Which variant an attempt uploads.
#[derive(Debug, Clone, Copy)]
pub(super) enum VariantChoice {
    Existing(u32),
    New,
}

/// Waiting time until the first event of a Poisson process whose rate starts at `rate`
/// and halves every `half_life`, given an Exp(1) draw `e`; `None` if it never happens
/// (the total expected number of events is finite).
pub(super) fn decaying_wait(rate: f64, half_life: Minutes, e: f64) -> Option<Minutes> {
    if rate <= 0.0 {
        return None;
    }
    let total = rate * half_life / LN_2;
    if e >= total {
        return None;
    }
    // Solve total * (1 - 2^(-d/h)) = e.
    Some(-(half_life / LN_2) * (-e / total).ln_1p())
}

/// Integral of a rate that starts at `rate` and halves every `half_life`, over `dt`.
pub(super) fn decayed_integral(rate: f64, half_life: Minutes, dt: Minutes) -> f64 {
    if dt <= 0.0 || rate == 0.0 {
        return 0.0;
    }
    rate * half_life / LN_2 * -(-dt * LN_2 / half_life).exp_m1()
}

pub(super) fn decay(half_life: Minutes, dt: Minutes) -> f64 {
    (-dt * LN_2 / half_life).exp()
}

/// Bring a platform's view aggregate up to `now`.
pub(super) fn advance_aggregate(ps: &mut PlatformState, now: Minutes, half_life: Minutes) {
    let dt = now - ps.agg_since;
    if dt > 0.0 {
        ps.views += decayed_integral(ps.agg_view_rate, half_life, dt);
        ps.agg_view_rate *= decay(half_life, dt);
        ps.agg_since = now;
    }
}

/// Bring a copy's attention up to `now`.
pub(super) fn advance_attention(a: &mut Attention, now: Minutes, half_life: Minutes) {
    let dt = now - a.since;
    if dt > 0.0 {
        a.views += decayed_integral(a.view_rate, half_life, dt);
        let d = decay(half_life, dt);
        a.view_rate *= d;
        a.link_rate *= d;
        a.since = now;
    }
}

/// A copy's detection hazards on its platform.
#[derive(Debug, Clone, Copy)]
pub(super) struct DetectionRates {
    half_life: Minutes,
    flags_per_view: f64,
    proactive_per_min: f64,
    horizon: Minutes,
}

/// Draw a copy's next link-caused attempt from `now`, cancelling any pending one:
/// (time, generation) if it comes before the horizon.
fn next_link(
    c: &mut Copy,
    now: Minutes,
    half_life: Minutes,
    horizon: Minutes,
) -> Option<(Minutes, u32)> {
    advance_attention(&mut c.attention, now, half_life);
    let rate = c.attention.link_rate;
    let e: f64 = if rate > 0.0 {
        Exp1.sample(&mut c.streams.links)
    } else {
        0.0
    };
    c.pending.links = c.pending.links.wrapping_add(1);
    let at = now + decaying_wait(rate, half_life, e)?;
    (at <= horizon).then_some((at, c.pending.links))
}

/// Draw a copy's next detection from `now`, cancelling any pending one. Detection is
/// the first of two independent hazards: automated (constant) and user flags
/// (proportional to the view rate).
fn next_detection(c: &mut Copy, now: Minutes, r: DetectionRates) -> Option<(Minutes, u32)> {
    advance_attention(&mut c.attention, now, r.half_life);
    let view_rate = c.attention.view_rate;
    let s = &mut c.streams.detection;
    let (e1, e2): (f64, f64) = (Exp1.sample(s), Exp1.sample(s));
    c.pending.detection = c.pending.detection.wrapping_add(1);
    let automated = (r.proactive_per_min > 0.0).then(|| e1 / r.proactive_per_min);
    let flagged = decaying_wait(view_rate * r.flags_per_view, r.half_life, e2);
    let wait = match (automated, flagged) {
        (Some(a), Some(f)) => a.min(f),
        (a, f) => a.or(f)?,
    };
    (now + wait <= r.horizon).then_some((now + wait, c.pending.detection))
}

impl Simulation {
    pub(super) fn variant_number(&self, variant: u32) -> u32 {
        let e = self.world.resource::<Registry>().variants[variant as usize];
        self.world.get::<VariantState>(e).map_or(0, |v| v.number)
    }

    /// Whether a variant is on a platform's hash list.
    pub(super) fn is_listed(&self, variant: u32, platform: u32) -> bool {
        let e = self.world.resource::<Registry>().variants[variant as usize];
        self.world
            .get::<VariantState>(e)
            .is_some_and(|v| v.listed[platform as usize])
    }

    /// Make a new variant of a content item; returns its global index.
    pub(super) fn new_variant(&mut self, content: u32) -> u32 {
        let platforms = self.model.platforms.len();
        let global = self.world.resource::<Registry>().variants.len() as u32;
        let number = {
            let mut reg = self.world.resource_mut::<Registry>();
            reg.content_variants[content as usize].push(global)
        };
        let e = self
            .world
            .spawn(VariantState {
                content,
                number,
                listed: vec![false; platforms],
                listed_anywhere: false,
                submitted: false,
            })
            .id();
        self.world.resource_mut::<Registry>().variants.push(e);
        self.counters.variants += 1;
        if number > 0 {
            self.log(EventKind::NewVariant, None, None, |s| {
                format!(
                    "new edit of {}: variant {number}",
                    s.content_ids[content as usize]
                )
            });
        }
        global
    }

    /// An existing variant of `content`, in proportion to the copies of each published so
    /// far (the original if none has been).
    fn existing_variant(&self, content: u32, u: f64) -> u32 {
        let counts = &self.world.resource::<Registry>().content_variants[content as usize];
        if counts.total == 0 {
            return counts.variants[0];
        }
        let target = ((u * counts.total as f64) as u64).min(counts.total - 1);
        counts.variants[counts.find(target) as usize]
    }

    pub(super) fn origin(&mut self, content: u32) -> Result<(), SimError> {
        let c = &self.model.contents[content as usize];
        let platform = c.origin_platform as u32;
        let variant =
            self.world.resource::<Registry>().content_variants[content as usize].variants[0];
        self.count_attempt(platform);
        let key = rng::mix(rng::TAG_ORIGIN, u64::from(content));
        let listed = self.is_listed(variant, platform);
        self.publish(content, variant, platform, key, Source::Origin, listed)?;
        Ok(())
    }

    pub(super) fn schedule_campaign_attempt(&mut self, campaign: u32, from: Minutes) {
        let c = &self.model.campaigns[campaign as usize];
        if c.per_min <= 0.0 {
            return;
        }
        let (per_min, end) = (c.per_min, c.end);
        let e: f64 = {
            let mut streams = self.world.resource_mut::<CampaignStreams>();
            Exp1.sample(&mut streams.0[campaign as usize])
        };
        let at = from + e / per_min;
        if at <= end {
            self.schedule(at, Event::CampaignAttempt { campaign });
        }
    }

    pub(super) fn campaign_attempt(&mut self, campaign: u32) -> Result<(), SimError> {
        let n = {
            let c = &mut self.counters;
            let n = c.campaign_attempts[campaign as usize];
            c.campaign_attempts[campaign as usize] += 1;
            n
        };
        let key = rng::mix(rng::mix(rng::TAG_CAMPAIGN, u64::from(campaign)), n);
        let c = &self.model.campaigns[campaign as usize];
        let (content, new_p) = (c.content as u32, c.new_variant);
        let pick = self.key.unit(key, Mechanism::Target);
        let platform = c.platforms
            [((pick * c.platforms.len() as f64) as usize).min(c.platforms.len() - 1)]
            as u32;
        let choice = if self.key.unit(key, Mechanism::VariantChoice) < new_p {
            VariantChoice::New
        } else {
            let u = self.key.unit(rng::mix(key, 1), Mechanism::VariantChoice);
            VariantChoice::Existing(self.existing_variant(content, u))
        };
        self.attempt(content, choice, platform, key, Source::Campaign(campaign))?;
        let now = self.now();
        self.schedule_campaign_attempt(campaign, now);
        Ok(())
    }

    /// An upload attempt from an inject: an existing variant in proportion to its copies,
    /// or the given one.
    pub(super) fn inject_attempt(
        &mut self,
        inject: u32,
        i: u32,
        content: u32,
        platform: u32,
        variant: Option<u32>,
    ) -> Result<(), SimError> {
        let key = rng::mix(rng::mix(rng::TAG_INJECT, u64::from(inject)), u64::from(i));
        let v = match variant {
            Some(v) => v,
            None => {
                let u = self.key.unit(key, Mechanism::VariantChoice);
                self.existing_variant(content, u)
            }
        };
        self.attempt(
            content,
            VariantChoice::Existing(v),
            platform,
            key,
            Source::Inject(inject),
        )
    }

    fn count_attempt(&mut self, platform: u32) {
        self.counters.attempts += 1;
        self.platform_mut(platform).attempts += 1;
    }

    /// Screen an upload attempt against the platform's hash list; publish it if it passes.
    pub(super) fn attempt(
        &mut self,
        content: u32,
        choice: VariantChoice,
        platform: u32,
        key: u64,
        source: Source,
    ) -> Result<(), SimError> {
        self.count_attempt(platform);
        let variant = match choice {
            VariantChoice::New => self.new_variant(content),
            VariantChoice::Existing(v) => v,
        };
        let listed = self.is_listed(variant, platform);
        if listed {
            let recall = self.model.platforms[platform as usize].hash_recall;
            if self.key.unit(key, Mechanism::Screening) < recall {
                self.counters.blocked += 1;
                self.platform_mut(platform).blocked += 1;
                self.log(EventKind::Blocked, Some(platform), None, |s| {
                    format!(
                        "upload of {} variant {} matched the hash list{}",
                        s.content_ids[content as usize],
                        s.variant_number(variant),
                        source.describe()
                    )
                });
                return Ok(());
            }
        }
        self.publish(content, variant, platform, key, source, listed)?;
        Ok(())
    }

    /// A new live copy of age 0, with its first onward attempt, detection and find drawn.
    /// `listed`: its variant is on the platform's hash list already.
    fn publish(
        &mut self,
        content: u32,
        variant: u32,
        platform: u32,
        key: u64,
        source: Source,
        listed: bool,
    ) -> Result<CopyId, SimError> {
        let now = self.now;
        let limit = self.model.limits.max_copies;
        if self.counters.published >= limit {
            return Err(SimError::TooManyCopies {
                variant: self.run.variant.to_string(),
                replication: self.run.replication,
                at: now,
                limit,
                expected_offspring: self.expected_offspring(),
            });
        }
        let (half_life, views_per_min, virality, horizon) = {
            let p = &self.model.platforms[platform as usize];
            let virality = self.model.contents[content as usize].virality;
            (
                p.attention_half_life,
                p.views_per_min,
                virality,
                self.horizon,
            )
        };

        let (factor, proactive, boost) = {
            let mut ps = self.platform_mut(platform);
            advance_aggregate(&mut ps, now, half_life);
            let v = virality * ps.virality_factor;
            ps.agg_view_rate += views_per_min * v;
            ps.live += 1;
            ps.published += 1;
            (v, ps.proactive_per_min, ps.finds_boost)
        };
        let number = {
            let cnt = &mut self.counters;
            cnt.published += 1;
            cnt.live += 1;
            cnt.peak_live = cnt.peak_live.max(cnt.live);
            cnt.last_zero = None;
            cnt.last_publish = now;
            cnt.published
        };
        {
            let number = self.variant_number(variant);
            let mut reg = self.world.resource_mut::<Registry>();
            reg.content_variants[content as usize].add(number, 1);
        }
        let parent = match source {
            Source::Link { parent, .. } => Some(parent),
            _ => None,
        };
        let mut copy = Copy {
            life: 0,
            number,
            key,
            content,
            variant,
            platform,
            parent,
            children: None,
            attention: Attention {
                since: now,
                view_rate: views_per_min * factor,
                link_rate: self.out_links[platform as usize].total_per_min * factor,
                views: 0.0,
            },
            pending: Pending::default(),
            streams: CopyStreams {
                links: self.key.stream(key, Mechanism::Links),
                detection: self.key.stream(key, Mechanism::Detection),
                review: self.key.stream(key, Mechanism::Review),
                authority: self.key.stream(key, Mechanism::Authority),
                fate: self.key.stream(key, Mechanism::Fate),
            },
        };
        // Draw the copy's first events before it is stored: no look-ups needed.
        let link = next_link(&mut copy, now, half_life, horizon);
        let detection = next_detection(&mut copy, now, self.detection_rates(platform, proactive));
        let find_rate = self.find_rate(platform, 0, boost);
        let find = next_find(&mut copy, now, find_rate, horizon);
        let id = self.copies.insert(copy);
        if let Some(parent) = parent
            && let Some(pc) = self.copies.get_mut(parent)
        {
            pc.children.get_or_insert_default().push(id);
        }
        if !listed {
            self.world
                .resource_mut::<LiveIndex>()
                .insert(id, variant, platform);
        }
        let kind = if matches!(source, Source::Origin) {
            EventKind::Origin
        } else {
            EventKind::Published
        };
        self.log(
            kind,
            Some(platform),
            Some((number, content, variant)),
            |_| format!("copy published{}", source.describe()),
        );
        if let Some((at, generation)) = link {
            let event = Event::LinkAttempt {
                copy: id,
                generation,
            };
            self.queue.schedule(at, event);
        }
        if let Some((at, generation)) = detection {
            let event = Event::Detection {
                copy: id,
                generation,
            };
            self.queue.schedule(at, event);
        }
        if let Some((at, generation)) = find {
            let event = Event::Find {
                copy: id,
                generation,
            };
            self.queue.schedule(at, event);
        }
        Ok(id)
    }

    /// What a copy's detection hazards on `platform` are, with its current automated rate.
    fn detection_rates(&self, platform: u32, proactive_per_min: f64) -> DetectionRates {
        let p = &self.model.platforms[platform as usize];
        DetectionRates {
            half_life: p.attention_half_life,
            flags_per_view: p.flags_per_1k_views / 1000.0,
            proactive_per_min,
            horizon: self.horizon,
        }
    }

    /// Draw the copy's next link-caused attempt from now (cancelling any pending one).
    pub(super) fn schedule_link(&mut self, copy: CopyId) {
        let (now, model, horizon) = (self.now, &self.model, self.horizon);
        let next = self.copies.get_mut(copy).map(|c| {
            let half_life = model.platforms[c.platform as usize].attention_half_life;
            next_link(c, now, half_life, horizon)
        });
        if let Some(Some((at, generation))) = next {
            self.queue
                .schedule(at, Event::LinkAttempt { copy, generation });
        }
    }

    pub(super) fn link_attempt(&mut self, copy: CopyId, generation: u32) -> Result<bool, SimError> {
        let links = &self.out_links;
        let Some(Some((content, variant, number, target, child_key))) =
            self.copies.get_mut(copy).map(|c| {
                if c.pending.links != generation {
                    return None;
                }
                let links = &links[c.platform as usize];
                let u: f64 = c.streams.links.random();
                let x = u * links.total_per_min;
                let i = links.cumulative.partition_point(|&(cum, _)| cum <= x);
                let target = links.cumulative[i.min(links.cumulative.len() - 1)].1;
                c.pending.attempts_made += 1;
                let child_key = rng::mix(c.key, u64::from(c.pending.attempts_made));
                Some((c.content, c.variant, c.number, target, child_key))
            })
        else {
            return Ok(false);
        };
        let mutation = self.model.contents[content as usize].mutation;
        let choice = if self.key.unit(child_key, Mechanism::VariantChoice) < mutation {
            VariantChoice::New
        } else {
            VariantChoice::Existing(variant)
        };
        self.attempt(
            content,
            choice,
            target,
            child_key,
            Source::Link {
                parent: copy,
                parent_number: number,
            },
        )?;
        self.schedule_link(copy);
        Ok(true)
    }

    /// Draw the copy's next detection from now (cancelling any pending one).
    pub(super) fn schedule_detection(&mut self, copy: CopyId, platform: u32) {
        let rates = self.detection_rates(platform, self.platform(platform).proactive_per_min);
        let now = self.now;
        if let Some(Some((at, generation))) = self
            .copies
            .get_mut(copy)
            .map(|c| next_detection(c, now, rates))
        {
            self.queue
                .schedule(at, Event::Detection { copy, generation });
        }
    }

    pub(super) fn detection(&mut self, copy: CopyId, generation: u32) -> bool {
        let Some(pending) = self.copies.get(copy).map(|c| &c.pending) else {
            return false;
        };
        if pending.detection != generation || pending.review != ReviewStatus::NotQueued {
            return false;
        }
        let now = self.now;
        self.counters.first_detection.get_or_insert(now);
        if self.record_events {
            let (platform, ident) = self.copy_ident(copy);
            self.log(EventKind::Detected, Some(platform), Some(ident), |_| {
                "the platform detected the copy".to_string()
            });
        }
        self.enqueue(copy, QueueClass::OwnDetection);
        true
    }

    /// (platform, (number, content, variant)) of a live copy.
    pub(super) fn copy_ident(&self, copy: CopyId) -> (u32, (u64, u32, u32)) {
        let c = self.copies.get(copy).expect("live copy");
        (c.platform, c.ident())
    }

    /// Take a live copy down: close its accounts, list its variant if a review or order
    /// removed it, share URLs under an active protocol, and free its slot. False if it was
    /// already gone.
    pub(super) fn remove(&mut self, copy: CopyId, cause: RemovalCause) -> bool {
        let now = self.now;
        let Some(c) = self.copies.get_mut(copy) else {
            return false;
        };
        let half_life = self.model.platforms[c.platform as usize].attention_half_life;
        advance_attention(&mut c.attention, now, half_life);
        let (platform, content, variant, number, parent) =
            (c.platform, c.content, c.variant, c.number, c.parent);
        let children = std::mem::take(&mut c.children);
        let (views, rate_now) = (c.attention.views, c.attention.view_rate);
        let waiting = matches!(c.pending.review, ReviewStatus::Waiting { .. });
        self.copies.remove(copy);
        // The parent's row (its list of children) is needed below: start loading it, so
        // that the miss overlaps the accounting in between.
        if let Some(parent) = parent {
            self.copies.prefetch(parent);
        }

        let first_removal_here = {
            let mut ps = self.platform_mut(platform);
            advance_aggregate(&mut ps, now, half_life);
            ps.live -= 1;
            ps.agg_view_rate = if ps.live == 0 {
                0.0
            } else {
                (ps.agg_view_rate - rate_now).max(0.0)
            };
            if waiting {
                ps.waiting -= 1;
            }
            match cause {
                RemovalCause::Review => ps.removed_review += 1,
                RemovalCause::Order => ps.removed_order += 1,
                RemovalCause::Sweep => ps.removed_sweep += 1,
            }
            ps.removed() == 1
        };
        {
            let cnt = &mut self.counters;
            cnt.removed += 1;
            cnt.live -= 1;
            if cnt.live == 0 {
                cnt.last_zero = Some(now);
            }
            if first_removal_here {
                cnt.platforms_with_removals += 1;
            }
        }
        if !self.is_listed(variant, platform) {
            self.world
                .resource_mut::<LiveIndex>()
                .remove(copy, variant, platform);
        }
        if let Some(parent) = parent
            && let Some(pc) = self.copies.get_mut(parent)
            && let Some(children) = pc.children.as_mut()
            && let Some(i) = children.iter().position(|&ch| ch == copy)
        {
            children.swap_remove(i);
        }
        self.log(
            EventKind::Removed,
            Some(platform),
            Some((number, content, variant)),
            |_| format!("removed by {} after {:.0} views", cause.as_str(), views),
        );

        if matches!(cause, RemovalCause::Review | RemovalCause::Order) {
            self.list_variant(variant, platform, true);
        }
        self.share_urls(
            platform,
            parent,
            children.as_deref().map_or(&[], Vec::as_slice),
        );
        self.check_trigger();
        true
    }
    /// Put a variant on a platform's hash list (if not already), sweep its live copies
    /// there if sweeps are on, and, when a member's own removal listed it, submit it to
    /// the shared database.
    pub(super) fn list_variant(&mut self, variant: u32, platform: u32, by_removal: bool) {
        let e = self.world.resource::<Registry>().variants[variant as usize];
        let (content, already) = {
            let Some(mut v) = self.world.get_mut::<VariantState>(e) else {
                return;
            };
            let already = v.listed[platform as usize];
            v.listed[platform as usize] = true;
            v.listed_anywhere = true;
            (v.content, already)
        };
        if already {
            return;
        }
        let now = self.now();
        self.log(EventKind::HashListed, Some(platform), None, |s| {
            format!(
                "{} variant {} is now on this platform's hash list{}",
                s.content_ids[content as usize],
                s.variant_number(variant),
                if by_removal {
                    ""
                } else {
                    " (from the shared database)"
                }
            )
        });
        let hs = self.model.hash_sharing.clone();
        if hs.sweep {
            let sweep_time = hs.sweep_time;
            let recall = self.model.platforms[platform as usize].hash_recall;
            let live = self
                .world
                .resource_mut::<LiveIndex>()
                .take(variant, platform);
            for copy in live {
                let u: f64 = match self.copies.get_mut(copy) {
                    Some(c) => c.streams.fate.random(),
                    None => continue,
                };
                if u < recall {
                    self.schedule(now + sweep_time, Event::Sweep { copy });
                    let (p, ident) = self.copy_ident(copy);
                    self.log(EventKind::SweepScheduled, Some(p), Some(ident), |_| {
                        format!("hash sweep will remove this copy in {sweep_time:.0} min")
                    });
                }
            }
        }
        if by_removal && self.model.platforms[platform as usize].hash_sharing_member {
            // A protocol member's submission while the protocol is active travels at the
            // crisis delay to the other protocol members; everyone else gets it at the
            // normal delay (protocol effects reach only members).
            let crisis_delay = match (&self.protocol, self.protocol_active()) {
                (Some(p), true) if self.model.platforms[platform as usize].protocol_member => {
                    p.hash_sharing_delay.filter(|&d| d < hs.delay)
                }
                _ => None,
            };
            if let Some(mut v) = self.world.get_mut::<VariantState>(e) {
                v.submitted = true;
            }
            self.counters.pending_hashes.push(variant);
            if let Some(d) = crisis_delay {
                self.schedule(
                    now + d,
                    Event::HashArrival {
                        variant,
                        crisis: true,
                    },
                );
            }
            self.schedule(
                now + hs.delay,
                Event::HashArrival {
                    variant,
                    crisis: false,
                },
            );
            let delay = crisis_delay.unwrap_or(hs.delay);
            self.log(EventKind::HashSubmitted, Some(platform), None, |s| {
                format!(
                    "{} variant {} submitted to the shared hash database; members receive it in {delay:.0} min",
                    s.content_ids[content as usize],
                    s.variant_number(variant)
                )
            });
        }
    }

    pub(super) fn hash_arrival(&mut self, variant: u32, crisis: bool) {
        if !crisis {
            let c = &mut self.counters;
            if let Some(i) = c.pending_hashes.iter().position(|&v| v == variant) {
                c.pending_hashes.remove(i);
            }
        }
        for p in 0..self.model.platforms.len() {
            let platform = &self.model.platforms[p];
            if platform.hash_sharing_member && (!crisis || platform.protocol_member) {
                self.list_variant(variant, p as u32, false);
            }
        }
    }

    /// Redraw the pending link, detection and find events of every live copy on the given
    /// platforms, after a change to their rates (virality, posture, boost): one pass over
    /// the copies however many platforms change.
    pub(super) fn redraw_platforms(&mut self, platforms: &[(u32, Redraw)]) {
        let mut what: Vec<Option<Redraw>> = vec![None; self.model.platforms.len()];
        for &(p, r) in platforms {
            what[p as usize] = Some(r);
        }
        let copies: Vec<(u32, u64, CopyId)> = {
            let mut v: Vec<(u32, u64, CopyId)> = self
                .copies
                .iter()
                .filter(|(_, c)| what[c.platform as usize].is_some())
                .map(|(id, c)| (c.platform, c.number, id))
                .collect();
            // Slot order follows reuse; sort so redraws happen in a fixed order.
            v.sort_unstable_by_key(|&(p, n, _)| (p, n));
            v
        };
        for (platform, _, copy) in copies {
            let Some(r) = what[platform as usize] else {
                continue;
            };
            if r.links {
                self.schedule_link(copy);
            }
            if r.detection
                && self.copies.get(copy).map(|c| &c.pending).map(|p| p.review)
                    == Some(ReviewStatus::NotQueued)
            {
                self.schedule_detection(copy, platform);
            }
            if r.finds {
                self.schedule_find(copy);
            }
        }
    }

    /// Multiply the attention (views and onward sharing) of every copy on the given
    /// platforms (one pass over the copies), and redraw their pending events.
    pub(super) fn scale_attention(&mut self, platforms: &[u32], factor: f64) {
        let now = self.now();
        let mut half_life: Vec<Option<Minutes>> = vec![None; self.model.platforms.len()];
        for &p in platforms {
            let h = self.model.platforms[p as usize].attention_half_life;
            half_life[p as usize] = Some(h);
            let mut ps = self.platform_mut(p);
            advance_aggregate(&mut ps, now, h);
            ps.agg_view_rate *= factor;
            ps.virality_factor *= factor;
        }
        for c in self.copies.iter_mut() {
            if let Some(h) = half_life[c.platform as usize] {
                let a = &mut c.attention;
                advance_attention(a, now, h);
                a.view_rate *= factor;
                a.link_rate *= factor;
            }
        }
        let redraw = Redraw {
            links: true,
            detection: true,
            finds: false,
        };
        let all: Vec<(u32, Redraw)> = platforms.iter().map(|&p| (p, redraw)).collect();
        self.redraw_platforms(&all);
    }
}

/// Which pending events of a platform's copies to redraw.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Redraw {
    pub links: bool,
    pub detection: bool,
    pub finds: bool,
}

impl Source {
    fn describe(self) -> String {
        match self {
            Source::Origin => " (origin)".into(),
            Source::Link { parent_number, .. } => format!(" (shared from copy {parent_number})"),
            Source::Campaign(c) => format!(" (campaign {})", c + 1),
            Source::Inject(i) => format!(" (inject {})", i + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decaying_wait_inverts_the_integral() {
        let (rate, h) = (0.5, 30.0);
        for e in [0.01, 0.5, 3.0, 20.0] {
            let d = decaying_wait(rate, h, e).unwrap();
            assert!((decayed_integral(rate, h, d) - e).abs() < 1e-9 * e.max(1.0));
        }
        // Total expected events = rate * h / ln 2 ~ 21.6: beyond that, never.
        assert_eq!(decaying_wait(rate, h, 22.0), None);
        assert_eq!(decaying_wait(0.0, h, 0.1), None);
    }
}
