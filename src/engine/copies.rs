//! Owns the copies and their lifecycle: upload attempts (origins, campaigns, links,
//! injects), publication, attention (views and onward sharing), a livestream's live
//! phase, detection and removal, with each platform's counts and summed attention, and
//! the draw of existing variants; and the link posts copies make (their rows and
//! accounts are `posts.rs`'s).
//!
//! Screening an attempt against hash lists, queueing a detected copy for review and what
//! a removal sets off elsewhere (listing, sharing, protocol triggers) are the other
//! mechanisms'; the dispatch carries a copy to them.

use std::f64::consts::LN_2;

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::analysis;
use crate::scenario::{LinkKind, Minutes, Model};
use crate::sink::EventKind;

use super::authority::Spotted;
use super::copy::CopyStore;
use super::copy::{Attention, Copy, CopyIdent, CopyStreams, Pending, RemovalCause, ReviewStatus};
use super::core::Core;
use super::error::SimError;
use super::posts::{PostStore, Posts};
use super::rng::{self, Mechanism, RunKey, Stream};
use super::store::CopyId;

/// The events the copies mechanism schedules and handles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CopyEvent {
    /// A content item's first copy is published.
    Origin { content: u32 },
    /// A campaign's next attempt (with blocked attempts counted in aggregate, its next
    /// attempt that is screened one by one; `generation` tells a redrawn one).
    CampaignAttempt { campaign: u32, generation: u32 },
    /// A copy's next link-caused upload attempt.
    LinkAttempt { copy: CopyId, generation: u32 },
    /// A copy's next detection by its platform.
    Detection { copy: CopyId, generation: u32 },
    /// A livestream's live phase ends: the copy stays up as a recording.
    StreamEnd { copy: CopyId },
    /// A link post's next detection by its platform.
    PostDetection { post: CopyId, generation: u32 },
}

/// How an upload attempt came about, for the event log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    Origin,
    Link { parent: CopyId, parent_number: u64 },
    Campaign(u32),
    Inject(u32),
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

/// Which variant an attempt uploads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VariantChoice {
    Existing(u32),
    New,
}

/// An upload attempt, ready to be screened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Upload {
    pub content: u32,
    pub choice: VariantChoice,
    pub platform: u32,
    /// The lineage key of the copy it would make.
    pub key: u64,
    pub source: Source,
}

/// What a copy's onward attempt along a link makes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Onward {
    /// An upload attempt on the link's target, to screen.
    Upload(Upload),
    /// A post on the target of post link `link` (see [`Posts`]), linking to `copy`.
    Post { copy: CopyId, link: u32, key: u64 },
}

/// What a removal leaves for the other mechanisms to act on.
#[derive(Debug)]
pub struct Removed {
    pub platform: u32,
    pub ident: CopyIdent,
    pub parent: Option<CopyId>,
    /// The row's list, as it was (see [`Copy::children`]).
    #[allow(clippy::box_collection)]
    pub children: Option<Box<Vec<CopyId>>>,
    pub views: f64,
    /// It was waiting in its platform's review queue.
    pub was_waiting: bool,
    /// Its content item (for the protocols' counting triggers).
    pub content: u32,
    /// It was a livestream in its live phase: the stream was cut.
    pub cut_stream: bool,
}

/// The copies on one platform: counts, and their views summed as one attention curve
/// (every copy's view rate halves at the platform's half-life, so the sum does too).
#[derive(Debug, Clone, Default)]
pub struct PlatformCopies {
    // Sum of the live copies' view rates at `agg_since`, and views up to then.
    pub agg_since: Minutes,
    pub agg_view_rate: f64,
    pub views: f64,
    /// Product of the virality factors of injects in force here.
    pub virality_factor: f64,
    /// Automated detection hazard per live copy (normal or crisis posture).
    pub proactive_per_min: f64,
    /// Summed (constant) view rate of the livestreams in their live phase here, which
    /// are not in `agg_view_rate`, and how many there are.
    pub live_rate: f64,
    pub streaming: u32,
    /// Views at the live rate so far (in `views` too).
    pub live_views: f64,
    pub live: u64,
    pub attempts: u64,
    pub blocked: u64,
    pub published: u64,
    pub removed_review: u64,
    pub removed_order: u64,
    pub removed_sweep: u64,
}

impl PlatformCopies {
    pub fn removed(&self) -> u64 {
        self.removed_review + self.removed_order + self.removed_sweep
    }

    /// Bring the summed views up to `now`.
    pub fn advance(&mut self, now: Minutes, half_life: Minutes) {
        let dt = now - self.agg_since;
        if dt > 0.0 {
            self.views += decayed_integral(self.agg_view_rate, half_life, dt);
            self.agg_view_rate *= decay(half_life, dt);
            if self.live_rate != 0.0 {
                let v = self.live_rate * dt;
                self.views += v;
                self.live_views += v;
            }
            self.agg_since = now;
        }
    }
}

/// Precomputed onward links of one platform.
#[derive(Debug, Clone, Default)]
struct OutLinks {
    total_per_min: f64,
    /// (cumulative rate, target), for drawing a target: a platform for an upload link,
    /// or [`POST_LINK`] with the index of a post link among [`Posts::links`].
    cumulative: Vec<(f64, u32)>,
}

/// The bit of an onward target that makes it a post link.
const POST_LINK: u32 = 1 << 31;

/// A campaign's attempt-time stream and the attempts it has made.
#[derive(Debug)]
struct CampaignState {
    stream: Stream,
    attempts: u64,
}

/// Which pending events of a platform's copies to redraw.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Redraw {
    pub links: bool,
    pub detection: bool,
    pub finds: bool,
}

/// The copies mechanism.
#[derive(Debug)]
pub struct Copies {
    /// The live copies' rows (see [`CopyStore`]); lent to the other mechanisms that keep
    /// state per copy.
    pub store: CopyStore,
    pub platforms: Vec<PlatformCopies>,
    out_links: Vec<OutLinks>,
    /// Copies published so far per variant, by content item.
    variants: Vec<VariantCounts>,
    campaigns: Vec<CampaignState>,
    /// The link posts copies have made.
    pub posts: Posts,
    /// Each content item's live-phase flag hazard per live view (for those with one).
    live_flags_per_view: Vec<f64>,
}

impl Copies {
    /// The copies mechanism of a run, in `store` and `posts` (emptied) from an earlier
    /// one.
    pub fn new(model: &Model, key: RunKey, store: CopyStore, posts: PostStore) -> Self {
        // Post links are numbered in link order, as `Posts` holds them.
        let mut post_links = 0u32;
        let post_index: Vec<Option<u32>> = model
            .links
            .iter()
            .map(|l| {
                (l.kind == LinkKind::Post).then(|| {
                    post_links += 1;
                    post_links - 1
                })
            })
            .collect();
        let out_links = (0..model.platforms.len())
            .map(|p| {
                let mut total = 0.0;
                let mut cumulative = Vec::new();
                for (i, l) in model.links.iter().enumerate() {
                    if l.from != p || l.per_min <= 0.0 {
                        continue;
                    }
                    total += l.per_min;
                    let target = match post_index[i] {
                        Some(k) => POST_LINK | k,
                        None => l.to as u32,
                    };
                    cumulative.push((total, target));
                }
                OutLinks {
                    total_per_min: total,
                    cumulative,
                }
            })
            .collect();
        let platforms = model
            .platforms
            .iter()
            .map(|p| PlatformCopies {
                virality_factor: 1.0,
                proactive_per_min: p.proactive_per_min,
                ..Default::default()
            })
            .collect();
        let campaigns = (0..model.campaigns.len())
            .map(|c| CampaignState {
                stream: key.stream(
                    rng::mix(rng::TAG_CAMPAIGN, c as u64),
                    rng::Mechanism::Campaign,
                ),
                attempts: 0,
            })
            .collect();
        let live_flags_per_view = model
            .contents
            .iter()
            .map(|c| {
                let platform = &model.platforms[c.origin_platform];
                c.live.as_ref().map_or(0.0, |l| {
                    l.flags_per_1k_views.unwrap_or(platform.flags_per_1k_views)
                }) / 1000.0
            })
            .collect();
        Copies {
            store,
            platforms,
            out_links,
            variants: vec![VariantCounts::default(); model.contents.len()],
            campaigns,
            posts: Posts::new(model, posts),
            live_flags_per_view,
        }
    }

    /// Schedule every content item's origin.
    pub fn schedule_origins<E: From<CopyEvent>>(&self, core: &mut Core<E>) {
        for c in 0..core.model.contents.len() {
            let at = core.model.contents[c].origin_at;
            core.schedule(at, CopyEvent::Origin { content: c as u32 });
        }
    }

    /// Schedule every campaign's first attempt (a Poisson process on [start, end]).
    pub fn schedule_campaigns<E: From<CopyEvent>>(&mut self, core: &mut Core<E>) {
        for c in 0..core.model.campaigns.len() {
            let start = core.model.campaigns[c].start;
            self.schedule_campaign_attempt(core, c as u32, start);
        }
    }

    /// Add a variant of `content` (global index `global`) with no copies yet; returns its
    /// number within the content item.
    pub fn add_variant(&mut self, content: u32, global: u32) -> u32 {
        self.variants[content as usize].push(global)
    }

    /// The original variant of a content item.
    pub fn original(&self, content: u32) -> u32 {
        self.variants[content as usize].variants[0]
    }

    /// An existing variant of `content`, in proportion to the copies of each published so
    /// far (the original if none has been).
    pub fn existing_variant(&self, content: u32, u: f64) -> u32 {
        let counts = &self.variants[content as usize];
        if counts.total == 0 {
            return counts.variants[0];
        }
        let target = ((u * counts.total as f64) as u64).min(counts.total - 1);
        counts.variants[counts.find(target) as usize]
    }

    /// Count an upload attempt on a platform.
    pub fn count_attempt<E>(&mut self, core: &mut Core<E>, platform: u32) {
        core.counts.attempts += 1;
        self.platforms[platform as usize].attempts += 1;
    }

    /// A content item's origin: counted as an attempt, and published without screening.
    /// Returns (platform, variant, lineage key).
    pub fn origin<E>(&mut self, core: &mut Core<E>, content: u32) -> (u32, u32, u64) {
        let platform = core.model.contents[content as usize].origin_platform as u32;
        let variant = self.original(content);
        self.count_attempt(core, platform);
        (
            platform,
            variant,
            rng::mix(rng::TAG_ORIGIN, u64::from(content)),
        )
    }

    #[inline]
    pub fn schedule_campaign_attempt<E: From<CopyEvent>>(
        &mut self,
        core: &mut Core<E>,
        campaign: u32,
        from: Minutes,
    ) {
        let c = &core.model.campaigns[campaign as usize];
        if c.per_min <= 0.0 {
            return;
        }
        let (per_min, end) = (c.per_min, c.end);
        let e: f64 = Exp1.sample(&mut self.campaigns[campaign as usize].stream);
        let at = from + e / per_min;
        if at <= end {
            core.schedule(
                at,
                CopyEvent::CampaignAttempt {
                    campaign,
                    generation: 0,
                },
            );
        }
    }

    /// The lineage key of a campaign's next attempt (and the attempt counted as made).
    #[inline]
    pub fn next_campaign_key(&mut self, campaign: u32) -> u64 {
        let state = &mut self.campaigns[campaign as usize];
        let n = state.attempts;
        state.attempts += 1;
        rng::mix(rng::mix(rng::TAG_CAMPAIGN, u64::from(campaign)), n)
    }

    /// A unit exponential from a campaign's attempt-time stream.
    #[inline]
    pub fn campaign_exp(&mut self, campaign: u32) -> f64 {
        Exp1.sample(&mut self.campaigns[campaign as usize].stream)
    }

    /// Copies of `content` published so far, and of its variant number `number`.
    #[inline]
    pub fn content_total(&self, content: u32) -> u64 {
        self.variants[content as usize].total
    }

    pub fn variant_count(&self, content: u32, number: u32) -> u64 {
        self.variants[content as usize].count(number)
    }

    /// Count an attempt blocked by a hash match, without a line in the event log.
    #[inline]
    pub fn count_blocked<E>(&mut self, core: &mut Core<E>, platform: u32) {
        core.counts.blocked += 1;
        self.platforms[platform as usize].blocked += 1;
    }

    /// Count `n` attempts on a platform, all blocked by hash matches, without lines in
    /// the event log.
    #[inline]
    pub fn count_blocked_attempts<E>(&mut self, core: &mut Core<E>, platform: u32, n: u64) {
        core.counts.attempts += n;
        core.counts.blocked += n;
        let ps = &mut self.platforms[platform as usize];
        ps.attempts += n;
        ps.blocked += n;
    }

    /// A campaign's attempt: which platform it goes to, and which variant it uploads.
    #[inline]
    pub fn campaign_attempt<E>(&mut self, core: &Core<E>, campaign: u32) -> Upload {
        let key = self.next_campaign_key(campaign);
        let c = &core.model.campaigns[campaign as usize];
        let pick = core.key.unit(key, Mechanism::Target);
        let slot = ((pick * c.platforms.len() as f64) as usize).min(c.platforms.len() - 1);
        self.campaign_upload(core, campaign, key, slot)
    }

    /// A campaign attempt with lineage key `key` on the campaign's `slot`-th platform,
    /// its variant drawn as for any attempt (new, or existing in proportion to copies).
    #[inline]
    pub fn campaign_upload<E>(
        &self,
        core: &Core<E>,
        campaign: u32,
        key: u64,
        slot: usize,
    ) -> Upload {
        let c = &core.model.campaigns[campaign as usize];
        let platform = c.platforms[slot] as u32;
        let content = c.content as u32;
        let choice = if core.key.unit(key, Mechanism::VariantChoice) < c.new_variant {
            VariantChoice::New
        } else {
            let u = core.key.unit(rng::mix(key, 1), Mechanism::VariantChoice);
            VariantChoice::Existing(self.existing_variant(content, u))
        };
        Upload {
            content,
            choice,
            platform,
            key,
            source: Source::Campaign(campaign),
        }
    }

    /// Attempt `i` of an upload inject: the given variant, or an existing one in
    /// proportion to its copies.
    pub fn inject_upload<E>(
        &self,
        core: &Core<E>,
        (inject, i): (u32, u32),
        content: u32,
        platform: u32,
        variant: Option<u32>,
    ) -> Upload {
        let key = rng::mix(rng::mix(rng::TAG_INJECT, u64::from(inject)), u64::from(i));
        let v = match variant {
            Some(v) => v,
            None => {
                let u = core.key.unit(key, Mechanism::VariantChoice);
                self.existing_variant(content, u)
            }
        };
        Upload {
            content,
            choice: VariantChoice::Existing(v),
            platform,
            key,
            source: Source::Inject(inject),
        }
    }

    /// An attempt matched the platform's hash list and was blocked.
    pub fn block<E>(&mut self, core: &mut Core<E>, upload: &Upload, variant: u32) {
        self.count_blocked(core, upload.platform);
        log_blocked(
            core,
            upload.platform,
            upload.content,
            variant,
            upload.source,
        );
    }

    /// A new live copy of age 0 of `variant`, with its first onward attempt and detection
    /// drawn and scheduled, and its first find drawn by `first_find` (the authorities'),
    /// all before it is stored, so that no look-up is needed; returns the copy and its
    /// first find, for the dispatch to schedule.
    #[inline]
    pub fn publish<E: From<CopyEvent>>(
        &mut self,
        core: &mut Core<E>,
        upload: &Upload,
        variant: u32,
        first_find: impl FnOnce(&mut Copy) -> Option<(Minutes, u32)>,
    ) -> Result<(CopyId, Option<(Minutes, u32)>), SimError> {
        let Upload {
            content,
            platform,
            key,
            source,
            ..
        } = *upload;
        let now = core.now;
        let limit = core.model.limits.max_copies;
        if core.counts.published >= limit {
            return Err(SimError::TooManyCopies {
                variant: core.run.variant.to_string(),
                replication: core.run.replication,
                at: now,
                limit,
                expected_offspring: analysis::expected_offspring(&core.model),
                scripted_attempts: analysis::expected_scripted_attempts(&core.model, core.horizon),
            });
        }
        let horizon = core.horizon;
        let p = &core.model.platforms[platform as usize];
        let (half_life, mut views_per_min) = (p.attention_half_life, p.views_per_min);
        let c = &core.model.contents[content as usize];
        let virality = c.virality;
        // A livestream's origin starts in its live phase (contract section 17).
        let live = match (&c.live, source) {
            (Some(l), Source::Origin) => {
                views_per_min = l.views_per_min;
                Some(l.duration)
            }
            _ => None,
        };
        let rates = DetectionRates::of(&core.model, platform, horizon);

        let (factor, proactive) = {
            let ps = &mut self.platforms[platform as usize];
            ps.advance(now, half_life);
            let v = virality * ps.virality_factor;
            if live.is_some() {
                ps.live_rate += views_per_min * v;
                ps.streaming += 1;
            } else {
                ps.agg_view_rate += views_per_min * v;
            }
            ps.live += 1;
            ps.published += 1;
            (v, ps.proactive_per_min)
        };
        let number = {
            let cnt = &mut core.counts;
            cnt.published += 1;
            cnt.live += 1;
            cnt.peak_live = cnt.peak_live.max(cnt.live);
            cnt.last_zero = None;
            cnt.last_publish = now;
            cnt.published
        };
        let variant_number = core.names.variant_number(variant);
        self.variants[content as usize].add(variant_number, 1);
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
            pending: Pending {
                live: live.is_some(),
                ..Pending::default()
            },
            streams: CopyStreams {
                links: core.key.stream(key, Mechanism::Links),
                detection: core.key.stream(key, Mechanism::Detection),
                review: core.key.stream(key, Mechanism::Review),
                authority: core.key.stream(key, Mechanism::Authority),
                fate: core.key.stream(key, Mechanism::Fate),
            },
        };
        // Draw the copy's first events before it is stored: no look-ups needed.
        let link = next_link(&mut copy, now, half_life, horizon);
        let detection = next_detection(
            &mut copy,
            now,
            rates.with_proactive(proactive),
            &self.live_flags_per_view,
        );
        let find = first_find(&mut copy);
        let id = self.store.insert(copy);
        if let Some(duration) = live
            && now + duration <= horizon
        {
            core.schedule(now + duration, CopyEvent::StreamEnd { copy: id });
        }
        if let Some(parent) = parent
            && let Some(pc) = self.store.get_mut(parent)
        {
            pc.children.get_or_insert_default().push(id);
        }
        let kind = if matches!(source, Source::Origin) {
            EventKind::Origin
        } else {
            EventKind::Published
        };
        core.log(
            kind,
            Some(platform),
            Some((number, content, variant)),
            |_| format!("copy published{}", source.describe()),
        );
        if let Some((at, generation)) = link {
            core.schedule(
                at,
                CopyEvent::LinkAttempt {
                    copy: id,
                    generation,
                },
            );
        }
        if let Some((at, generation)) = detection {
            core.schedule(
                at,
                CopyEvent::Detection {
                    copy: id,
                    generation,
                },
            );
        }
        Ok((id, find))
    }

    /// Draw the copy's next link-caused attempt from now (cancelling any pending one).
    pub fn schedule_link<E: From<CopyEvent>>(&mut self, core: &mut Core<E>, copy: CopyId) {
        let (now, horizon) = (core.now, core.horizon);
        let model = &core.model;
        let next = self.store.get_mut(copy).map(|c| {
            let half_life = model.platforms[c.platform as usize].attention_half_life;
            next_link(c, now, half_life, horizon)
        });
        if let Some(Some((at, generation))) = next {
            core.schedule(at, CopyEvent::LinkAttempt { copy, generation });
        }
    }

    /// A copy's link-caused attempt: its target and variant, or a post along a post link
    /// (None if the event is stale). The dispatch screens an upload (or has the post
    /// made), then draws the copy's next one.
    pub fn link_attempt<E>(
        &mut self,
        core: &Core<E>,
        copy: CopyId,
        generation: u32,
    ) -> Option<Onward> {
        let links = &self.out_links;
        let (content, variant, number, target, child_key) =
            self.store.get_mut(copy).and_then(|c| {
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
            })?;
        if target & POST_LINK != 0 {
            return Some(Onward::Post {
                copy,
                link: target & !POST_LINK,
                key: child_key,
            });
        }
        let mutation = core.model.contents[content as usize].mutation;
        let choice = if core.key.unit(child_key, Mechanism::VariantChoice) < mutation {
            VariantChoice::New
        } else {
            VariantChoice::Existing(variant)
        };
        Some(Onward::Upload(Upload {
            content,
            choice,
            platform: target,
            key: child_key,
            source: Source::Link {
                parent: copy,
                parent_number: number,
            },
        }))
    }

    /// A post along post link `link` of the live copy `copy` (lineage key `key`):
    /// published on the link's target, and one of the copy's children (for URL sharing
    /// and for its removal to turn the post into a dead link).
    #[cold]
    #[inline(never)]
    pub fn make_post<E: From<CopyEvent>>(
        &mut self,
        core: &mut Core<E>,
        copy: CopyId,
        link: u32,
        key: u64,
    ) {
        let Some((ident, content)) = self.store.get(copy).map(|c| (c.ident(), c.content)) else {
            return;
        };
        let q = self.posts.links[link as usize].to as usize;
        let (factor, proactive) = (
            self.platforms[q].virality_factor,
            self.platforms[q].proactive_per_min,
        );
        let virality = core.model.contents[content as usize].virality;
        let post = self
            .posts
            .publish(core, link, copy, ident, key, virality, factor, proactive);
        if let Some(c) = self.store.get_mut(copy) {
            c.children.get_or_insert_default().push(post);
        }
    }

    /// Draw a post's next detection from now (cancelling any pending one).
    #[cold]
    #[inline(never)]
    pub fn schedule_post_detection<E: From<CopyEvent>>(
        &mut self,
        core: &mut Core<E>,
        post: CopyId,
    ) {
        let Some(platform) = self.posts.store.get(post).map(|p| p.platform) else {
            return;
        };
        let proactive = self.platforms[platform as usize].proactive_per_min;
        self.posts.schedule_detection(core, post, proactive);
    }

    /// Take a live post down (by review); returns its platform and whether it was
    /// waiting for review, None if it was already gone. The click views it sent its
    /// copy are the copy's (in the views its removal reports).
    #[cold]
    #[inline(never)]
    pub fn remove_post<E>(&mut self, core: &mut Core<E>, post: CopyId) -> Option<(u32, bool)> {
        let removed = self.posts.remove(core, post)?;
        if let Some(c) = self.store.get_mut(removed.copy) {
            c.attention.views += removed.clicks;
        }
        self.detach(post, Some(removed.copy));
        Some((removed.platform, removed.was_waiting))
    }

    /// The end of a livestream's live phase: the copy stays up as a recording and
    /// follows part I from now on, its age counted from now (a fresh copy's view and
    /// onward rates, decaying). False if the copy is gone (the stream was cut).
    #[cold]
    #[inline(never)]
    pub fn end_stream<E: From<CopyEvent>>(&mut self, core: &mut Core<E>, copy: CopyId) -> bool {
        let now = core.now;
        let model = &core.model;
        let Some(c) = self.store.get_mut(copy).filter(|c| c.pending.live) else {
            return false;
        };
        let p = &model.platforms[c.platform as usize];
        advance_live(&mut c.attention, now);
        let ps = &mut self.platforms[c.platform as usize];
        ps.advance(now, p.attention_half_life);
        ps.streaming -= 1;
        ps.live_rate = if ps.streaming == 0 {
            0.0
        } else {
            (ps.live_rate - c.attention.view_rate).max(0.0)
        };
        let factor = model.contents[c.content as usize].virality * ps.virality_factor;
        let a = &mut c.attention;
        a.view_rate = p.views_per_min * factor;
        a.link_rate = self.out_links[c.platform as usize].total_per_min * factor;
        ps.agg_view_rate += a.view_rate;
        c.pending.live = false;
        let (platform, ident, queued) = (
            c.platform,
            c.ident(),
            c.pending.review != ReviewStatus::NotQueued,
        );
        let views = c.attention.views;
        core.log(EventKind::StreamEnded, Some(platform), Some(ident), |_| {
            format!("the live stream ended after {views:.0} views; the recording stays up")
        });
        self.schedule_link(core, copy);
        if !queued {
            self.schedule_detection(core, copy, platform);
        }
        true
    }

    /// Draw the copy's next detection from now (cancelling any pending one).
    pub fn schedule_detection<E: From<CopyEvent>>(
        &mut self,
        core: &mut Core<E>,
        copy: CopyId,
        platform: u32,
    ) {
        let rates = DetectionRates::of(&core.model, platform, core.horizon)
            .with_proactive(self.platforms[platform as usize].proactive_per_min);
        let now = core.now;
        let live_flags = &self.live_flags_per_view;
        if let Some(Some((at, generation))) = self
            .store
            .get_mut(copy)
            .map(|c| next_detection(c, now, rates, live_flags))
        {
            core.schedule(at, CopyEvent::Detection { copy, generation });
        }
    }

    /// A copy's detection by its platform: where and of what, if it was due (not
    /// stale, not queued); the dispatch then queues the copy for review.
    pub fn detection<E>(
        &mut self,
        core: &mut Core<E>,
        copy: CopyId,
        generation: u32,
    ) -> Option<Spotted> {
        let c = self.store.get_mut(copy)?;
        let pending = &c.pending;
        if pending.detection != generation || pending.review != ReviewStatus::NotQueued {
            return None;
        }
        let first = !std::mem::replace(&mut c.pending.spotted, true);
        let (platform, ident) = (c.platform, c.ident());
        core.counts.detection(platform, core.now);
        core.log(EventKind::Detected, Some(platform), Some(ident), |_| {
            "the platform detected the copy".to_string()
        });
        Some(Spotted {
            platform,
            content: ident.1,
            first,
        })
    }

    /// A copy just published from an upload that matched its platform's hash list,
    /// which sends matches to review (`on_match: review`): a detection by the platform.
    #[cold]
    #[inline(never)]
    pub fn matched_for_review<E>(&mut self, core: &mut Core<E>, copy: CopyId) -> Option<Spotted> {
        let c = self.store.get_mut(copy)?;
        let first = !std::mem::replace(&mut c.pending.spotted, true);
        let (platform, ident) = (c.platform, c.ident());
        core.counts.detection(platform, core.now);
        core.log(EventKind::Detected, Some(platform), Some(ident), |_| {
            "the upload matched the hash list: sent to review".to_string()
        });
        Some(Spotted {
            platform,
            content: ident.1,
            first,
        })
    }

    /// (platform, (number, content, variant)) of a live copy.
    pub fn ident(&self, copy: CopyId) -> Option<(u32, CopyIdent)> {
        self.store.get(copy).map(|c| (c.platform, c.ident()))
    }

    /// Take a live copy down: close its attention and its platform's and the run's
    /// accounts, and free its slot (None if it was already gone). The caller then tells
    /// the other mechanisms, and [`Copies::detach`]es it from its parent.
    pub fn remove<E>(
        &mut self,
        core: &mut Core<E>,
        copy: CopyId,
        cause: RemovalCause,
    ) -> Option<Removed> {
        let now = core.now;
        let c = self.store.get_mut(copy)?;
        let half_life = core.model.platforms[c.platform as usize].attention_half_life;
        let live = c.pending.live;
        if live {
            advance_live(&mut c.attention, now);
        } else {
            advance_attention(&mut c.attention, now, half_life);
        }
        let (platform, ident, parent) = (c.platform, c.ident(), c.parent);
        let children = std::mem::take(&mut c.children);
        let (mut views, rate_now) = (c.attention.views, c.attention.view_rate);
        let was_waiting = matches!(c.pending.review, ReviewStatus::Waiting { .. });
        self.store.remove(copy);
        // Posts that link to it are dead links from now on.
        if self.posts.any()
            && let Some(children) = &children
        {
            for &post in children.iter().filter(|c| c.is_post()) {
                views += self.posts.unlink(now, post);
            }
        }
        // The parent's row (its list of children) is needed in `detach`: start loading
        // it, so that the miss overlaps the accounting in between.
        if let Some(parent) = parent {
            self.store.prefetch(parent);
        }

        let first_removal_here = {
            let ps = &mut self.platforms[platform as usize];
            ps.advance(now, half_life);
            ps.live -= 1;
            if live {
                ps.streaming -= 1;
                ps.live_rate = if ps.streaming == 0 {
                    0.0
                } else {
                    (ps.live_rate - rate_now).max(0.0)
                };
            } else {
                ps.agg_view_rate = if ps.live == 0 {
                    0.0
                } else {
                    (ps.agg_view_rate - rate_now).max(0.0)
                };
            }
            match cause {
                RemovalCause::Review => ps.removed_review += 1,
                RemovalCause::Order => ps.removed_order += 1,
                RemovalCause::Sweep => ps.removed_sweep += 1,
            }
            ps.removed() == 1
        };
        let cnt = &mut core.counts;
        cnt.removed += 1;
        cnt.live -= 1;
        if cnt.live == 0 {
            cnt.last_zero = Some(now);
        }
        if first_removal_here {
            cnt.platforms_with_removals += 1;
        }
        if live {
            cnt.stream_cut.get_or_insert(now);
        }
        Some(Removed {
            platform,
            ident,
            parent,
            children,
            views,
            was_waiting,
            content: ident.1,
            cut_stream: live,
        })
    }

    /// Strike a removed copy off its parent's list of children.
    pub fn detach(&mut self, copy: CopyId, parent: Option<CopyId>) {
        if let Some(parent) = parent
            && let Some(pc) = self.store.get_mut(parent)
            && let Some(children) = pc.children.as_mut()
            && let Some(i) = children.iter().position(|&ch| ch == copy)
        {
            children.swap_remove(i);
        }
    }

    /// The live copies on the platforms `what` names, in a fixed order (platform, then
    /// publication): slot order follows reuse, so redraws must not go by it.
    pub fn on_platforms<T: std::marker::Copy>(&self, what: &[Option<T>]) -> Vec<(T, u32, CopyId)> {
        let mut v: Vec<(u32, u64, CopyId)> = self
            .store
            .iter()
            .filter(|(_, c)| what[c.platform as usize].is_some())
            .map(|(id, c)| (c.platform, c.number, id))
            .collect();
        v.sort_unstable_by_key(|&(p, n, _)| (p, n));
        v.into_iter()
            .filter_map(|(p, _, id)| what[p as usize].map(|t| (t, p, id)))
            .collect()
    }

    /// Multiply the attention (views and onward sharing) of every copy on the given
    /// platforms, in one pass over the copies. Their pending events are now wrong: the
    /// caller redraws them.
    pub fn scale_attention<E>(&mut self, core: &Core<E>, platforms: &[u32], factor: f64) {
        let now = core.now;
        let mut half_life: Vec<Option<Minutes>> = vec![None; self.platforms.len()];
        for &p in platforms {
            let h = core.model.platforms[p as usize].attention_half_life;
            half_life[p as usize] = Some(h);
            let ps = &mut self.platforms[p as usize];
            ps.advance(now, h);
            ps.agg_view_rate *= factor;
            ps.live_rate *= factor;
            ps.virality_factor *= factor;
        }
        for c in self.store.iter_mut() {
            if let Some(h) = half_life[c.platform as usize] {
                let a = &mut c.attention;
                if c.pending.live {
                    advance_live(a, now);
                } else {
                    advance_attention(a, now, h);
                }
                a.view_rate *= factor;
                a.link_rate *= factor;
            }
        }
        self.posts.scale_attention(now, platforms, factor);
    }

    /// Bring every platform's summed views (and its posts' views and clicks) up to
    /// `now`.
    pub fn advance_all(&mut self, model: &Model, now: Minutes) {
        for (ps, p) in self.platforms.iter_mut().zip(&model.platforms) {
            ps.advance(now, p.attention_half_life);
        }
        self.posts.advance_all(now);
    }

    /// Each platform's views as reported (its copies' own views and the click views they
    /// received from posts), as of the last [`Copies::advance_all`].
    pub fn reported_views(&self) -> Vec<f64> {
        let mut views: Vec<f64> = vec![0.0; self.platforms.len()];
        if self.posts.any() {
            self.posts.add_clicks(&mut views);
        }
        for (v, ps) in views.iter_mut().zip(&self.platforms) {
            *v += ps.views;
        }
        views
    }
}

/// Waiting time until the first event of a Poisson process whose rate starts at `rate`
/// and halves every `half_life`, given an Exp(1) draw `e`; `None` if it never happens
/// (the total expected number of events is finite).
pub fn decaying_wait(rate: f64, half_life: Minutes, e: f64) -> Option<Minutes> {
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
pub fn decayed_integral(rate: f64, half_life: Minutes, dt: Minutes) -> f64 {
    if dt <= 0.0 || rate == 0.0 {
        return 0.0;
    }
    rate * half_life / LN_2 * -(-dt * LN_2 / half_life).exp_m1()
}

/// The factor by which a rate halving every `half_life` falls over `dt`.
pub fn decay(half_life: Minutes, dt: Minutes) -> f64 {
    (-dt * LN_2 / half_life).exp()
}

/// Wait until the first of two independent detection hazards, given an Exp(1) draw
/// each: automated detection at the constant `proactive`, and user flags at `flags`
/// now, halving every `half_life`; None if neither ever fires.
#[inline]
pub fn detection_wait(
    proactive: f64,
    flags: f64,
    half_life: Minutes,
    e1: f64,
    e2: f64,
) -> Option<Minutes> {
    let automated = (proactive > 0.0).then(|| e1 / proactive);
    let flagged = decaying_wait(flags, half_life, e2);
    match (automated, flagged) {
        (Some(a), Some(f)) => Some(a.min(f)),
        (a, f) => a.or(f),
    }
}

/// Bring a livestream's attention up to `now` during its live phase (constant rates).
#[cold]
fn advance_live(a: &mut Attention, now: Minutes) {
    let dt = now - a.since;
    if dt > 0.0 {
        a.views += a.view_rate * dt;
        a.since = now;
    }
}

/// Bring a copy's attention up to `now`.
fn advance_attention(a: &mut Attention, now: Minutes, half_life: Minutes) {
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
struct DetectionRates {
    half_life: Minutes,
    flags_per_view: f64,
    proactive_per_min: f64,
    horizon: Minutes,
}

impl DetectionRates {
    /// The platform's hazards, before its current automated rate is known.
    fn of(model: &Model, platform: u32, horizon: Minutes) -> Self {
        let p = &model.platforms[platform as usize];
        DetectionRates {
            half_life: p.attention_half_life,
            flags_per_view: p.flags_per_1k_views / 1000.0,
            proactive_per_min: 0.0,
            horizon,
        }
    }

    fn with_proactive(self, proactive_per_min: f64) -> Self {
        DetectionRates {
            proactive_per_min,
            ..self
        }
    }
}

/// Draw a copy's next link-caused attempt from `now`, cancelling any pending one:
/// (time, generation) if it comes before the horizon.
#[inline]
fn next_link(
    c: &mut Copy,
    now: Minutes,
    half_life: Minutes,
    horizon: Minutes,
) -> Option<(Minutes, u32)> {
    if c.pending.live {
        return next_live_link(c, now, horizon);
    }
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
#[inline]
fn next_detection(
    c: &mut Copy,
    now: Minutes,
    r: DetectionRates,
    live_flags_per_view: &[f64],
) -> Option<(Minutes, u32)> {
    if c.pending.live {
        return next_live_detection(c, now, r, live_flags_per_view);
    }
    advance_attention(&mut c.attention, now, r.half_life);
    let view_rate = c.attention.view_rate;
    let s = &mut c.streams.detection;
    let (e1, e2): (f64, f64) = (Exp1.sample(s), Exp1.sample(s));
    c.pending.detection = c.pending.detection.wrapping_add(1);
    let wait = detection_wait(
        r.proactive_per_min,
        view_rate * r.flags_per_view,
        r.half_life,
        e1,
        e2,
    )?;
    (now + wait <= r.horizon).then_some((now + wait, c.pending.detection))
}

/// [`next_link`] in a live phase: the links' full rates, without decay.
#[cold]
fn next_live_link(c: &mut Copy, now: Minutes, horizon: Minutes) -> Option<(Minutes, u32)> {
    advance_live(&mut c.attention, now);
    let rate = c.attention.link_rate;
    let e: f64 = if rate > 0.0 {
        Exp1.sample(&mut c.streams.links)
    } else {
        0.0
    };
    c.pending.links = c.pending.links.wrapping_add(1);
    if rate <= 0.0 {
        return None;
    }
    let at = now + e / rate;
    (at <= horizon).then_some((at, c.pending.links))
}

/// [`next_detection`] in a live phase: the platform's automated detection, and flags
/// from the constant live view rate at the live phase's flag rate.
#[cold]
fn next_live_detection(
    c: &mut Copy,
    now: Minutes,
    r: DetectionRates,
    live_flags_per_view: &[f64],
) -> Option<(Minutes, u32)> {
    advance_live(&mut c.attention, now);
    let flags = c.attention.view_rate * live_flags_per_view[c.content as usize];
    let s = &mut c.streams.detection;
    let (e1, e2): (f64, f64) = (Exp1.sample(s), Exp1.sample(s));
    c.pending.detection = c.pending.detection.wrapping_add(1);
    let automated = (r.proactive_per_min > 0.0).then(|| e1 / r.proactive_per_min);
    let flagged = (flags > 0.0).then(|| e2 / flags);
    let wait = match (automated, flagged) {
        (Some(a), Some(f)) => a.min(f),
        (a, f) => a.or(f)?,
    };
    (now + wait <= r.horizon).then_some((now + wait, c.pending.detection))
}

/// The event log's line for one blocked attempt (at the clock's time).
pub fn log_blocked<E>(
    core: &mut Core<E>,
    platform: u32,
    content: u32,
    variant: u32,
    source: Source,
) {
    core.log(EventKind::Blocked, Some(platform), None, |names| {
        format!(
            "upload of {} variant {} matched the hash list{}",
            names.contents[content as usize],
            names.variant_number(variant),
            source.describe()
        )
    });
}

/// Copies published so far per variant of one content item, as a Fenwick tree, to draw
/// an existing variant in proportion to its copies in O(log n).
///
/// The first [`HEAD`] variants' cumulative counts are also kept flat: the earliest
/// variants (the original above all) hold most copies, so most draws land among them
/// and are found with a few comparisons in one cache line instead of a walk down the
/// tree (the answer is the same: the variant whose cumulative range holds the target).
#[derive(Debug, Default, Clone)]
pub struct VariantCounts {
    /// Global variant index of each variant number.
    pub variants: Vec<u32>,
    tree: Vec<u64>,
    /// `head[i]`: copies of variant numbers `0..=i` (variants not made yet count 0).
    head: [u64; HEAD],
    pub total: u64,
}

/// Variants whose cumulative counts [`VariantCounts`] keeps flat.
const HEAD: usize = 8;

impl VariantCounts {
    /// Add a variant with zero copies; returns its number.
    pub fn push(&mut self, global: u32) -> u32 {
        self.variants.push(global);
        let i = self.tree.len() + 1; // 1-based node index
        // Node i covers (i - lowbit(i), i]: its initial value is the sum of the covered
        // earlier nodes' range, i.e. prefix(i-1) - prefix(i - lowbit(i)).
        let low = i & i.wrapping_neg();
        let v = self.prefix(i - 1) - self.prefix(i - low);
        self.tree.push(v);
        (self.variants.len() - 1) as u32
    }

    pub fn add(&mut self, number: u32, n: u64) {
        for h in self.head.iter_mut().skip(number as usize) {
            *h += n;
        }
        let mut i = number as usize + 1;
        while i <= self.tree.len() {
            self.tree[i - 1] += n;
            i += i & i.wrapping_neg();
        }
        self.total += n;
    }

    /// Copies of variant number `number`.
    pub fn count(&self, number: u32) -> u64 {
        let i = number as usize;
        self.prefix(i + 1) - self.prefix(i)
    }

    /// Sum of counts of variant numbers < i.
    fn prefix(&self, mut i: usize) -> u64 {
        let mut s = 0;
        while i > 0 {
            s += self.tree[i - 1];
            i -= i & i.wrapping_neg();
        }
        s
    }

    /// The variant number whose cumulative range holds `target` (0 <= target < total).
    pub fn find(&self, target: u64) -> u32 {
        if target < self.head[HEAD - 1] {
            // The number of variants whose cumulative count is at most the target is the
            // variant that holds it (the counts are non-decreasing).
            return self.head.iter().map(|&h| u32::from(h <= target)).sum();
        }
        self.tree_find(target)
    }

    /// [`VariantCounts::find`] by the tree alone.
    fn tree_find(&self, mut target: u64) -> u32 {
        let n = self.tree.len();
        let mut pos = 0usize;
        let mut step = n.next_power_of_two();
        // Branch-free steps: which way each step goes is as good as random, and a
        // mispredicted branch per level cost more than the level's load (a content with
        // a thousand variants has ten levels).
        while step > 0 {
            let next = pos + step;
            let node = self
                .tree
                .get(next.wrapping_sub(1))
                .copied()
                .unwrap_or(u64::MAX);
            let take = node <= target;
            pos = std::hint::select_unpredictable(take, next, pos);
            target -= std::hint::select_unpredictable(take, node, 0);
            step >>= 1;
        }
        pos.min(n.saturating_sub(1)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::core::test_core;

    /// One platform with a self-link, campaigns off; copies live for the whole day.
    const ONE_PLATFORM: &str = r#"
name: copies test
horizon: 24h
platforms:
  - id: site
    name: Site
    views_per_hour: 600
    attention_half_life: 1h
    detection: {proactive_per_hour: 0, flags_per_1k_views: 0}
    review: {reviewers: 1, time: 10m}
links:
  - {from: site, to: site, per_hour: 0.5}
content:
  - id: clip
    kind: video
    origin: {platform: site, at: 0m}
    virality: 1.0
    mutation: 0.0
"#;

    fn copies_for(core: &Core<CopyEvent>) -> Copies {
        let mut copies = Copies::new(
            &core.model,
            core.key,
            CopyStore::default(),
            PostStore::default(),
        );
        copies.add_variant(0, 0);
        copies
    }

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

    #[test]
    fn fenwick_finds_in_proportion() {
        let mut c = VariantCounts::default();
        for g in 0..5 {
            c.push(g);
        }
        c.add(0, 3);
        c.add(2, 1);
        c.add(4, 2);
        let picks: Vec<u32> = (0..6).map(|t| c.find(t)).collect();
        assert_eq!(picks, vec![0, 0, 0, 2, 4, 4]);
        // Growing after counts exist keeps earlier sums right.
        for g in 5..13 {
            c.push(g);
        }
        c.add(11, 4);
        assert_eq!(c.total, 10);
        let picks: Vec<u32> = (0..10).map(|t| c.find(t)).collect();
        assert_eq!(picks, vec![0, 0, 0, 2, 4, 4, 11, 11, 11, 11]);
    }

    #[test]
    fn the_flat_head_finds_what_the_tree_finds() {
        let mut c = VariantCounts::default();
        let mut x = 7u64;
        for g in 0..40 {
            c.push(g);
            for _ in 0..3 {
                x = rng::splitmix(x);
                // Some variants keep no copies; most copies go to the first few.
                let spread = if x & 3 == 0 { u64::from(g) + 1 } else { 3 };
                let number = ((x >> 8) % spread).min(u64::from(g)) as u32;
                c.add(number, 1 + (x >> 20) % 5);
            }
            for t in 0..c.total {
                assert_eq!(c.find(t), c.tree_find(t), "target {t} of {}", c.total);
            }
        }
    }

    #[test]
    fn a_published_copy_schedules_its_first_onward_attempt_and_a_link_makes_a_child() {
        let mut core = test_core::<CopyEvent>(ONE_PLATFORM);
        core.names.add_variant(0, 0);
        let mut copies = copies_for(&core);
        let (platform, variant, key) = copies.origin(&mut core, 0);
        let upload = Upload {
            content: 0,
            choice: VariantChoice::Existing(variant),
            platform,
            key,
            source: Source::Origin,
        };
        let (id, find) = copies
            .publish(&mut core, &upload, variant, |_| None)
            .unwrap();
        assert_eq!(find, None);
        assert_eq!((core.counts.published, core.counts.live), (1, 1));
        assert_eq!(copies.platforms[0].live, 1);
        // No detection hazards, so the only pending event is the onward attempt.
        let (at, event) = core.queue.pop().expect("an onward attempt");
        let CopyEvent::LinkAttempt { copy, generation } = event else {
            panic!("{event:?}")
        };
        assert_eq!(copy, id);
        core.now = at;
        let Some(Onward::Upload(child)) = copies.link_attempt(&core, copy, generation) else {
            panic!("an upload, not stale")
        };
        assert_eq!(
            child.source,
            Source::Link {
                parent: id,
                parent_number: 1
            }
        );
        assert_eq!(child.choice, VariantChoice::Existing(variant));
        let (child_id, _) = copies
            .publish(&mut core, &child, variant, |_| None)
            .unwrap();
        assert_eq!(
            copies
                .store
                .get(id)
                .and_then(|c| c.children.as_deref().cloned()),
            Some(vec![child_id])
        );
        // A redrawn attempt makes the pending one stale.
        copies.schedule_link(&mut core, id);
        assert!(copies.link_attempt(&core, id, generation).is_none());
    }

    #[test]
    fn removal_closes_the_accounts_and_frees_the_copy() {
        let mut core = test_core::<CopyEvent>(ONE_PLATFORM);
        core.names.add_variant(0, 0);
        let mut copies = copies_for(&core);
        let upload = Upload {
            content: 0,
            choice: VariantChoice::Existing(0),
            platform: 0,
            key: 1,
            source: Source::Origin,
        };
        let (parent, _) = copies.publish(&mut core, &upload, 0, |_| None).unwrap();
        let child = Upload {
            key: 2,
            source: Source::Link {
                parent,
                parent_number: 1,
            },
            ..upload
        };
        let (id, _) = copies.publish(&mut core, &child, 0, |_| None).unwrap();
        core.now = 60.0;
        let removed = copies.remove(&mut core, id, RemovalCause::Review).unwrap();
        copies.detach(id, removed.parent);
        // 600 views an hour halving every hour: 600 / ln 2 * (1 - 1/2) in the first hour.
        assert!((removed.views - 300.0 / LN_2).abs() < 1e-9);
        assert_eq!(removed.parent, Some(parent));
        assert!(copies.remove(&mut core, id, RemovalCause::Review).is_none());
        assert_eq!(copies.platforms[0].removed_review, 1);
        assert_eq!((core.counts.live, core.counts.removed), (1, 1));
        assert_eq!(core.counts.platforms_with_removals, 1);
        assert_eq!(
            copies
                .store
                .get(parent)
                .map(|c| c.children.as_deref().cloned()),
            Some(Some(vec![]))
        );
    }
}
