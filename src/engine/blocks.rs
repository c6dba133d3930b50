//! Blocked campaign attempts counted in aggregate (issue #16; `docs/model.md`, "Blocked
//! attempts, counted in aggregate").
//!
//! A campaign's attempts on its `s`-th platform are a Poisson process of rate
//! `λ_s = per_hour / platforms`; each is blocked with probability `b_s(t)`, fixed by the
//! state (the new-variant share, the copies of each variant and which are listed there,
//! `hash_recall`, `on_match`). For a bound `u_s ≥ 1 − b_s(t)` that changes only at times
//! the run has already reached (it is predictable), each attempt is marked *pre-blocked*
//! with probability `(1 − u_s) / b_s` given that it is blocked, whatever its variant. The
//! pre-blocked attempts are then a Poisson process of rate `λ_s (1 − u_s)` that changes
//! nothing but counters; they are counted here, by a time change of one stream of unit
//! exponentials per slot (so where the counting is cut into pieces does not matter). The
//! other attempts, at rate `λ_s u_s`, are *candidates*: one event each, screened one by
//! one with the conditional law of an attempt given that it is not pre-blocked.
//!
//! With `u_s = 1` a candidate is exactly the one-event-per-attempt engine's attempt (and
//! the stream of draws is the same), so a campaign whose platforms all have `u = 1` runs
//! as before. `u_s` is set to `min(1, SLACK (1 − b_s))` (`SLACK` = 1.25) at each candidate of the campaign,
//! and raised (with the next candidate redrawn) whenever a publication or a change of
//! `on_match` would make `1 − b_s` exceed it.

use rand_distr::{Distribution, Exp1};

use crate::scenario::{Minutes, Model, OnMatch};

use super::copies::{self, Source, Upload, VariantChoice};
use super::dispatch::Event;
use super::error::SimError;
use super::rng::{self, Mechanism, Stream};
use super::sim::Simulation;

/// The bound's slack: `u = min(1, SLACK (1 − b))`. Any value above 1 is exact; a smaller
/// one wastes fewer candidates (a share `1 − 1/SLACK` of them is blocked when screened)
/// but is raised, with a redraw, more often as `1 − b` grows.
const SLACK: f64 = 1.25;

/// Lineage tag of the pre-blocked attempts' keys.
const TAG_BLOCKED: u64 = 0x626c_6f63;

/// The most redraws of a rejection draw; reached only when a floating-point share
/// leaves a probability of about 1e-16 to a case of probability 0.
const MAX_TRIES: u32 = 1 << 20;

/// One platform of a campaign.
#[derive(Debug)]
struct Slot {
    platform: u32,
    /// Where the slot's `L` is in [`Blocks::listed_copies`].
    listed_at: usize,
    /// `(1 − new_variant) · hash_recall`: the blocked share of the campaign's attempts
    /// here when every copy's variant is listed.
    blockable: f64,
    /// The bound `u ≥ 1 − b` on the share of attempts that are not blocked.
    u: f64,
    /// Pre-blocked attempts are counted up to here.
    since: Minutes,
    /// Unit-rate mass left before the next pre-blocked attempt.
    left: f64,
    stream: Stream,
    /// Pre-blocked attempts so far (for their keys).
    count: u64,
}

/// One campaign's aggregated counting.
#[derive(Debug)]
struct CampaignBlocks {
    /// The generation of its pending candidate; a raise redraws it.
    generation: u32,
    content: u32,
    per_slot: f64,
    per_min: f64,
    start: Minutes,
    end: Minutes,
    new_variant: f64,
    slots: Vec<Slot>,
    /// Every slot has `u = 1`: nothing is pre-blocked, candidates are plain attempts.
    full: bool,
    /// Its bounds can fall below 1 (see [`Blocks::watching`]).
    active: bool,
}

/// The campaigns' blocked attempts counted in aggregate.
#[derive(Debug)]
pub struct Blocks {
    /// Some campaign can have attempts counted in aggregate: on, and on one of its
    /// platforms `(1 − new_variant) × hash_recall > 1 − 1/SLACK` (else its bound is always 1 and
    /// it runs as one event per attempt, with no work here).
    pub watching: bool,
    campaigns: Vec<CampaignBlocks>,
    /// The campaigns of each content item.
    by_content: Vec<Vec<u32>>,
    /// The platforms of each content item's campaigns (each once, in order of first
    /// appearance), whose `L` a publication of the content may change.
    platforms_by_content: Vec<Vec<u32>>,
    /// Copies of a content item published so far whose variant is on a platform's hash
    /// list (`L`, at `content · platforms + platform`; the blocked share of
    /// existing-variant attempts there is `hash_recall · L / N`). Kept for the platforms
    /// of the content's campaigns: what a slot reads is its content's and platform's.
    listed_copies: Vec<u64>,
    platforms: usize,
    /// The campaign whose candidate is being handled (not raised meanwhile).
    handling: Option<u32>,
    scratch: Vec<(u32, u32)>,
}

impl Blocks {
    /// `enabled` off: one event per attempt (the reference path, for tests).
    pub fn new(model: &Model, key: rng::RunKey, enabled: bool) -> Self {
        let mut by_content = vec![Vec::new(); model.contents.len()];
        let mut platforms_by_content: Vec<Vec<u32>> = vec![Vec::new(); model.contents.len()];
        let platforms = model.platforms.len();
        let campaigns: Vec<CampaignBlocks> = model
            .campaigns
            .iter()
            .enumerate()
            .map(|(c, camp)| {
                let active = enabled
                    && camp.per_min > 0.0
                    && camp.platforms.iter().any(|&p| {
                        (1.0 - camp.new_variant) * model.platforms[p].hash_recall
                            > 1.0 - 1.0 / SLACK
                    });
                if active {
                    by_content[camp.content].push(c as u32);
                    let seen = &mut platforms_by_content[camp.content];
                    for &p in &camp.platforms {
                        if !seen.contains(&(p as u32)) {
                            seen.push(p as u32);
                        }
                    }
                }
                let n = camp.platforms.len().max(1) as f64;
                let slots = camp
                    .platforms
                    .iter()
                    .enumerate()
                    .map(|(s, &p)| {
                        let mut stream = key.stream(
                            rng::mix(rng::mix(TAG_BLOCKED, c as u64), s as u64),
                            Mechanism::Blocked,
                        );
                        let left = Exp1.sample(&mut stream);
                        Slot {
                            platform: p as u32,
                            listed_at: camp.content * platforms + p,
                            blockable: (1.0 - camp.new_variant) * model.platforms[p].hash_recall,
                            u: 1.0,
                            since: camp.start,
                            left,
                            stream,
                            count: 0,
                        }
                    })
                    .collect();
                CampaignBlocks {
                    generation: 0,
                    content: camp.content as u32,
                    per_slot: camp.per_min / n,
                    per_min: camp.per_min,
                    start: camp.start,
                    end: camp.end,
                    new_variant: camp.new_variant,
                    slots,
                    full: true,
                    active,
                }
            })
            .collect();
        Blocks {
            watching: campaigns.iter().any(|c| c.active),
            campaigns,
            by_content,
            platforms_by_content,
            listed_copies: vec![0; model.contents.len() * platforms],
            platforms,
            handling: None,
            scratch: Vec::new(),
        }
    }

    /// Whether some campaign has pre-blocked attempts to count.
    #[inline]
    pub fn counting(&self) -> bool {
        self.watching && self.campaigns.iter().any(|c| !c.full)
    }

    /// Whether campaign `c`'s attempts can be counted in aggregate (else its attempts
    /// are one event each, as on the reference path).
    #[inline]
    pub fn aggregates(&self, c: u32) -> bool {
        self.watching && self.campaigns[c as usize].active
    }
}

impl Simulation {
    /// Bring the listing counts `L` up to date with the listings made since last time.
    /// Must run before a publication is counted (a listing counts the copies of its
    /// variant so far, a publication adds one to every `L` that lists its variant).
    #[inline]
    pub(super) fn sync_listings(&mut self) {
        if !self.hashes.has_new_listings() {
            return;
        }
        let mut listings = std::mem::take(&mut self.blocks.scratch);
        self.hashes.take_listings(&mut listings);
        for &(variant, platform) in &listings {
            let content = self.core.names.variant_content(variant);
            let number = self.core.names.variant_number(variant);
            let n = self.copies.variant_count(content, number);
            if n == 0 {
                continue;
            }
            let at = content as usize * self.blocks.platforms + platform as usize;
            self.blocks.listed_copies[at] += n;
        }
        self.blocks.scratch = listings;
    }

    /// `1 − b`: the probability that an attempt of campaign `c` on its slot `s` is not
    /// blocked, now.
    fn pass_share(&self, c: usize, s: usize) -> f64 {
        let n = self.copies.content_total(self.blocks.campaigns[c].content);
        self.pass_share_of(c, s, n)
    }

    /// [`Simulation::pass_share`], given the copies of the campaign's content so far.
    #[inline]
    fn pass_share_of(&self, c: usize, s: usize, n: u64) -> f64 {
        let cb = &self.blocks.campaigns[c];
        let slot = &cb.slots[s];
        let p = slot.platform;
        if self.hashes.on_match(p) != OnMatch::Block {
            return 1.0;
        }
        let share = if n == 0 {
            let original = self.copies.original(cb.content);
            if self.hashes.is_listed(original, p) {
                1.0
            } else {
                0.0
            }
        } else {
            self.blocks.listed_copies[slot.listed_at] as f64 / n as f64
        };
        (1.0 - slot.blockable * share).clamp(0.0, 1.0)
    }

    /// Count campaign `c`'s pre-blocked attempts up to `t` (at most its end).
    fn close_campaign(&mut self, c: usize, t: Minutes) {
        if self.blocks.campaigns[c].full {
            // Nothing is pre-blocked: only move the counting on.
            let cb = &mut self.blocks.campaigns[c];
            let t = t.min(cb.end);
            for slot in &mut cb.slots {
                if t > slot.since {
                    slot.since = t;
                }
            }
            return;
        }
        for s in 0..self.blocks.campaigns[c].slots.len() {
            self.close_slot(c, s, t);
        }
    }

    fn close_slot(&mut self, c: usize, s: usize, t: Minutes) {
        let cb = &mut self.blocks.campaigns[c];
        let t = t.min(cb.end);
        let rate = cb.per_slot * (1.0 - cb.slots[s].u);
        let content = cb.content;
        let slot = &mut cb.slots[s];
        if t <= slot.since {
            return;
        }
        let (from, platform) = (slot.since, slot.platform);
        slot.since = t;
        if rate <= 0.0 {
            return;
        }
        let mut mass = rate * (t - from);
        if !self.core.log.wanted {
            // The same draws and the same arithmetic as below, counted at the end.
            let slot = &mut self.blocks.campaigns[c].slots[s];
            let mut n = 0;
            while mass >= slot.left {
                mass -= slot.left;
                slot.left = Exp1.sample(&mut slot.stream);
                n += 1;
            }
            slot.left -= mass;
            slot.count += n;
            self.copies
                .count_blocked_attempts(&mut self.core, platform, n);
            return;
        }
        let mut used = 0.0;
        loop {
            let slot = &mut self.blocks.campaigns[c].slots[s];
            if mass < slot.left {
                slot.left -= mass;
                return;
            }
            mass -= slot.left;
            used += slot.left;
            slot.left = Exp1.sample(&mut slot.stream);
            let n = slot.count;
            slot.count += 1;
            // One pre-blocked attempt, at from + used / rate.
            self.copies.count_attempt(&mut self.core, platform);
            self.copies.count_blocked(&mut self.core, platform);
            if self.core.log.wanted {
                let key = rng::mix(rng::mix(TAG_BLOCKED, c as u64), rng::mix(s as u64, n));
                let variant = self.listed_variant(content, platform, key);
                let now = std::mem::replace(&mut self.core.now, from + used / rate);
                copies::log_blocked(
                    &mut self.core,
                    platform,
                    content,
                    variant,
                    Source::Campaign(c as u32),
                );
                self.core.now = now;
            }
        }
    }

    /// A blocked attempt's variant: an existing one in proportion to its copies, among
    /// those on `platform`'s list (by rejection, from draws keyed by `key`).
    fn listed_variant(&self, content: u32, platform: u32, key: u64) -> u32 {
        let mut v = self.copies.original(content);
        if self.copies.content_total(content) == 0 {
            return v;
        }
        for j in 1..=MAX_TRIES {
            let u = self
                .core
                .key
                .unit(rng::mix(key, u64::from(j)), Mechanism::VariantChoice);
            v = self.copies.existing_variant(content, u);
            if self.hashes.is_listed(v, platform) {
                break;
            }
        }
        v
    }

    /// Count every campaign's pre-blocked attempts up to `t` (the clock): before a
    /// sample, a report, or (with the event log) any event.
    pub(super) fn close_blocks(&mut self, t: Minutes) {
        if !self.blocks.watching {
            return;
        }
        for c in 0..self.blocks.campaigns.len() {
            if !self.blocks.campaigns[c].full {
                self.close_campaign(c, t);
            }
        }
    }

    /// Set campaign `c`'s bounds from the state now (after counting up to now).
    fn rebound(&mut self, c: usize) {
        let mut full = true;
        for s in 0..self.blocks.campaigns[c].slots.len() {
            let pass = self.pass_share(c, s);
            let u = (SLACK * pass).min(1.0);
            full &= u >= 1.0;
            self.blocks.campaigns[c].slots[s].u = u;
        }
        self.blocks.campaigns[c].full = full;
    }

    /// Draw campaign `c`'s next candidate from `from`, at the rate of its bounds.
    fn schedule_candidate(&mut self, c: usize, from: Minutes) {
        let cb = &self.blocks.campaigns[c];
        let rate = if cb.full {
            cb.per_min
        } else {
            cb.per_slot * cb.slots.iter().map(|s| s.u).sum::<f64>()
        };
        if rate <= 0.0 {
            return;
        }
        let (end, generation) = (cb.end, cb.generation);
        let e = self.copies.campaign_exp(c as u32);
        let at = from + e / rate;
        if at <= end {
            self.core.schedule(
                at,
                Event::CampaignAttempt {
                    campaign: c as u32,
                    generation,
                },
            );
        }
    }

    /// A campaign's candidate attempt (with aggregated counting on).
    pub(super) fn campaign_candidate(
        &mut self,
        campaign: u32,
        generation: u32,
    ) -> Result<bool, SimError> {
        let c = campaign as usize;
        if self.blocks.campaigns[c].generation != generation {
            return Ok(false);
        }
        self.sync_listings();
        let now = self.core.now;
        self.close_campaign(c, now);
        let key = self.copies.next_campaign_key(campaign);
        let pick = self.core.key.unit(key, Mechanism::Target);
        let cb = &self.blocks.campaigns[c];
        let n = cb.slots.len();
        let s = if cb.full {
            ((pick * n as f64) as usize).min(n - 1)
        } else {
            let total: f64 = cb.slots.iter().map(|s| s.u).sum();
            let target = pick * total;
            let mut acc = 0.0;
            let mut chosen = n - 1;
            for (i, slot) in cb.slots.iter().enumerate() {
                acc += slot.u;
                if target < acc && slot.u > 0.0 {
                    chosen = i;
                    break;
                }
            }
            chosen
        };
        self.blocks.handling = Some(campaign);
        let result = if self.blocks.campaigns[c].slots[s].u >= 1.0 {
            let upload = self.copies.campaign_upload(&self.core, campaign, key, s);
            self.attempt(&upload)
        } else {
            self.screened_candidate(c, s, key)
        };
        self.blocks.handling = None;
        result?;
        self.rebound(c);
        self.schedule_candidate(c, now);
        Ok(true)
    }

    /// A candidate on a slot with `u < 1` (so `on_match` is `block` there): not blocked
    /// with probability `(1 − b) / u`, its variant drawn given that.
    fn screened_candidate(&mut self, c: usize, s: usize, key: u64) -> Result<(), SimError> {
        let pass = self.pass_share(c, s);
        let cb = &self.blocks.campaigns[c];
        let (u, content, new_variant) = (cb.slots[s].u, cb.content, cb.new_variant);
        let platform = cb.slots[s].platform;
        let campaign = c as u32;
        self.copies.count_attempt(&mut self.core, platform);
        let mut upload = Upload {
            content,
            choice: VariantChoice::New,
            platform,
            key,
            source: Source::Campaign(campaign),
        };
        let ukey = self.core.key;
        if ukey.unit(key, Mechanism::Screening) * u < pass {
            // Not blocked: a new variant with probability nv / (1 − b), else an existing
            // one in proportion to its copies times its chance of passing.
            let recall = self.core.model.platforms[platform as usize].hash_recall;
            let all_listed = self.blocks.listed_copies[self.blocks.campaigns[c].slots[s].listed_at]
                >= self.copies.content_total(content)
                && self.copies.content_total(content) > 0;
            let new = ukey.unit(key, Mechanism::VariantChoice) * pass < new_variant
                || (recall >= 1.0 && all_listed);
            if new {
                let variant = self.make_variant(content);
                self.publish(&upload, variant, false)?;
                return Ok(());
            }
            for j in 1..=MAX_TRIES {
                let k = rng::mix(key, u64::from(j));
                let v = self
                    .copies
                    .existing_variant(content, ukey.unit(k, Mechanism::VariantChoice));
                let listed = self.hashes.is_listed(v, platform);
                if !listed || ukey.unit(k, Mechanism::Screening) >= recall || j == MAX_TRIES {
                    upload.choice = VariantChoice::Existing(v);
                    self.publish(&upload, v, listed)?;
                    return Ok(());
                }
            }
            unreachable!("the last try publishes");
        }
        self.copies.count_blocked(&mut self.core, platform);
        if self.core.log.wanted {
            // The variant is for the log line alone, and its draws are hashed, not taken
            // from a stream: without the log, nothing needs it.
            let variant = self.listed_variant(content, platform, key);
            copies::log_blocked(&mut self.core, platform, content, variant, upload.source);
        }
        Ok(())
    }

    /// After a publication of `content` (variant `variant`): every `L` that lists it
    /// grows, and a campaign of the content whose bound no longer holds is raised.
    pub(super) fn blocks_after_publication(&mut self, content: u32, variant: u32) {
        let now = self.core.now;
        let at = content as usize * self.blocks.platforms;
        for &p in &self.blocks.platforms_by_content[content as usize] {
            if self.hashes.is_listed(variant, p) {
                self.blocks.listed_copies[at + p as usize] += 1;
            }
        }
        for i in 0..self.blocks.by_content[content as usize].len() {
            let c = self.blocks.by_content[content as usize][i] as usize;
            self.check_bounds(c, now);
        }
    }

    /// After `on_match` changed on some platform: raise the bounds that no longer hold.
    pub(super) fn blocks_after_on_match(&mut self) {
        if !self.blocks.watching {
            return;
        }
        self.sync_listings();
        let now = self.core.now;
        for c in 0..self.blocks.campaigns.len() {
            self.check_bounds(c, now);
        }
    }

    /// Raise campaign `c`'s bounds if one no longer holds: count up to now, set the
    /// bounds afresh and redraw its next candidate.
    fn check_bounds(&mut self, c: usize, now: Minutes) {
        let cb = &self.blocks.campaigns[c];
        if cb.full || self.blocks.handling == Some(c as u32) || now >= cb.end || now < cb.start {
            return;
        }
        let n = self.copies.content_total(cb.content);
        let violated = cb
            .slots
            .iter()
            .enumerate()
            .any(|(s, slot)| self.pass_share_of(c, s, n) > slot.u);
        if !violated {
            return;
        }
        self.close_campaign(c, now);
        self.rebound(c);
        let cb = &mut self.blocks.campaigns[c];
        cb.generation = cb.generation.wrapping_add(1);
        self.schedule_candidate(c, now);
    }
}
