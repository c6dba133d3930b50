//! Owns the link posts (contract section 18): posts on a platform that link to a copy
//! hosted elsewhere, their views, the click views they send to the linked copy while it
//! is live, their detection, and their accounts. The copies mechanism makes them (a
//! `kind: post` link of a live copy) and tells them when their copy is removed; review
//! queues review them like copies (class 3, or 2 by URL sharing).
//!
//! Posts are not copies: they are never matched by hashes, never mutate, make no
//! attempts and are in no count of part I. They live in an arena of their own, so that
//! copies' rows (and the part I hot path) carry nothing for them; a post's id is a
//! [`CopyId`] with the post bit set (see [`super::store`]).
//!
//! Click views reach a copy at `click_through` times the view rate of each live post
//! that links to it. Every post on a platform `q` decays at `q`'s half-life, so each post
//! link (from `p` to `q`) keeps the click rate of its posts as one curve, as the copies
//! mechanism keeps each platform's views: the click views of `p`'s copies are exact
//! between events without visiting a post.

use rand_distr::{Distribution, Exp1};

use crate::scenario::{LinkKind, Minutes, Model};
use crate::sink::EventKind;

use super::copies::{CopyEvent, decay, decayed_integral, detection_wait};
use super::copy::{CopyIdent, Pending, ReviewStatus};
use super::core::Core;
use super::rng::{self, Mechanism, Stream};
use super::store::{Arena, CopyId, POST_BIT, Row};

/// The live posts' rows.
pub type PostStore = Arena<Post, POST_BIT>;

/// One live post: a link, on `platform`, to the copy `copy`.
#[derive(Debug)]
pub struct Post {
    /// Review status and the detection generation, as a copy's (the review queues read
    /// both kinds of row alike); no order ever reaches a post.
    pub pending: Pending,
    pub life: u32,
    pub platform: u32,
    /// Its post link (an index into [`Posts::links`]).
    pub link: u32,
    /// Publication number among the run's posts (1-based), for the event log.
    pub number: u64,
    /// The copy it links to (stale once that copy is removed: a dead link).
    pub copy: CopyId,
    /// The linked copy's identity, for the event log.
    pub ident: CopyIdent,
    /// Whether the linked copy is still live (the post sends it click views).
    pub linked: bool,
    pub since: Minutes,
    /// Post views per minute at `since`, halving every half-life of `platform`.
    pub view_rate: f64,
    /// Post views up to `since`.
    pub views: f64,
    /// Click views it has sent its copy up to `since`.
    pub clicks: f64,
    pub click_through: f64,
    pub detection: Stream,
    pub review: Stream,
}

impl Row for Post {
    #[inline]
    fn life(&self) -> u32 {
        self.life
    }
    #[inline]
    fn set_life(&mut self, life: u32) {
        self.life = life;
    }
}

impl Post {
    /// Bring the post's views and clicks up to `now`.
    fn advance(&mut self, now: Minutes, half_life: Minutes) {
        let dt = now - self.since;
        if dt > 0.0 {
            let v = decayed_integral(self.view_rate, half_life, dt);
            self.views += v;
            if self.linked {
                self.clicks += self.click_through * v;
            }
            self.view_rate *= decay(half_life, dt);
            self.since = now;
        }
    }
}

/// One post link's posts taken together: their summed click rate into the linked
/// copies (all halving at the half-life of the posts' platform) and the click views so
/// far.
#[derive(Debug, Clone)]
pub struct PostLink {
    pub from: u32,
    pub to: u32,
    pub click_through: f64,
    since: Minutes,
    click_rate: f64,
    pub clicks: f64,
    /// Live posts of this link whose copy is live.
    linked: u64,
}

impl PostLink {
    fn advance(&mut self, now: Minutes, half_life: Minutes) {
        let dt = now - self.since;
        if dt > 0.0 {
            self.clicks += decayed_integral(self.click_rate, half_life, dt);
            self.click_rate *= decay(half_life, dt);
            self.since = now;
        }
    }

    fn unlink(&mut self, rate: f64) {
        self.linked -= 1;
        self.click_rate = if self.linked == 0 {
            0.0
        } else {
            (self.click_rate - rate).max(0.0)
        };
    }
}

/// The posts on one platform: counts, and their views summed as one curve.
#[derive(Debug, Clone, Default)]
pub struct PlatformPosts {
    since: Minutes,
    view_rate: f64,
    pub views: f64,
    pub live: u64,
    pub published: u64,
    pub removed: u64,
}

impl PlatformPosts {
    fn advance(&mut self, now: Minutes, half_life: Minutes) {
        let dt = now - self.since;
        if dt > 0.0 {
            self.views += decayed_integral(self.view_rate, half_life, dt);
            self.view_rate *= decay(half_life, dt);
            self.since = now;
        }
    }
}

/// What a post's removal leaves for the dispatch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RemovedPost {
    pub platform: u32,
    /// The copy it linked to, and the click views it sent it (to add to the copy's).
    pub copy: CopyId,
    pub clicks: f64,
    pub was_waiting: bool,
}

/// The posts mechanism.
#[derive(Debug)]
pub struct Posts {
    pub store: PostStore,
    pub platforms: Vec<PlatformPosts>,
    /// The scenario's post links, in link order.
    pub links: Vec<PostLink>,
    /// Each platform's half-life.
    half_life: Vec<Minutes>,
    published: u64,
}

impl Posts {
    pub fn new(model: &Model, store: PostStore) -> Self {
        Posts {
            store,
            platforms: vec![PlatformPosts::default(); model.platforms.len()],
            links: model
                .links
                .iter()
                .filter(|l| l.kind == LinkKind::Post)
                .map(|l| PostLink {
                    from: l.from as u32,
                    to: l.to as u32,
                    click_through: l.click_through,
                    since: 0.0,
                    click_rate: 0.0,
                    clicks: 0.0,
                    linked: 0,
                })
                .collect(),
            half_life: model
                .platforms
                .iter()
                .map(|p| p.attention_half_life)
                .collect(),
            published: 0,
        }
    }

    /// Whether any post has been published in the run.
    #[inline]
    pub fn any(&self) -> bool {
        self.published > 0
    }

    /// Posts published in the run.
    pub fn published(&self) -> u64 {
        self.published
    }

    /// A post of link `link` to the live copy `copy` (`ident`, of content virality
    /// `virality`), with lineage key `key`: published now on the link's target platform,
    /// whose attention factor (injects, posture) is `factor` and automated detection
    /// `proactive_per_min`; its first detection scheduled. Returns its id.
    #[allow(clippy::too_many_arguments)]
    pub fn publish<E: From<CopyEvent>>(
        &mut self,
        core: &mut Core<E>,
        link: u32,
        copy: CopyId,
        ident: CopyIdent,
        key: u64,
        virality: f64,
        factor: f64,
        proactive_per_min: f64,
    ) -> CopyId {
        let now = core.now;
        let l = &mut self.links[link as usize];
        let platform = l.to;
        let q = &core.model.platforms[platform as usize];
        let half_life = self.half_life[platform as usize];
        let view_rate = q.views_per_min * virality * factor;
        l.advance(now, half_life);
        l.click_rate += l.click_through * view_rate;
        l.linked += 1;
        let click_through = l.click_through;
        let ps = &mut self.platforms[platform as usize];
        ps.advance(now, half_life);
        ps.view_rate += view_rate;
        ps.live += 1;
        ps.published += 1;
        self.published += 1;
        let key = rng::mix(rng::TAG_POST, key);
        let mut post = Post {
            pending: Pending::default(),
            life: 0,
            platform,
            link,
            number: self.published,
            copy,
            ident,
            linked: true,
            since: now,
            view_rate,
            views: 0.0,
            clicks: 0.0,
            click_through,
            detection: core.key.stream(key, Mechanism::Detection),
            review: core.key.stream(key, Mechanism::Review),
        };
        let flags_per_view = q.flags_per_1k_views / 1000.0;
        let next = next_detection(
            &mut post,
            now,
            half_life,
            proactive_per_min,
            flags_per_view,
            core.horizon,
        );
        let number = post.number;
        let id = self.store.insert(post);
        core.log(
            EventKind::PostPublished,
            Some(platform),
            Some(ident),
            |_| format!("post {number} links to copy {}", ident.0),
        );
        if let Some((at, generation)) = next {
            core.schedule(
                at,
                CopyEvent::PostDetection {
                    post: id,
                    generation,
                },
            );
        }
        id
    }

    /// Draw a post's next detection from now (cancelling any pending one), with its
    /// platform's automated detection `proactive_per_min` now.
    pub fn schedule_detection<E: From<CopyEvent>>(
        &mut self,
        core: &mut Core<E>,
        post: CopyId,
        proactive_per_min: f64,
    ) {
        let (now, horizon) = (core.now, core.horizon);
        let model = &core.model;
        let half_life = &self.half_life;
        if let Some(Some((at, generation))) = self.store.get_mut(post).map(|p| {
            let flags = model.platforms[p.platform as usize].flags_per_1k_views / 1000.0;
            let h = half_life[p.platform as usize];
            next_detection(p, now, h, proactive_per_min, flags, horizon)
        }) {
            core.schedule(at, CopyEvent::PostDetection { post, generation });
        }
    }

    /// A post's detection by its platform: true if it was due (not stale, not queued);
    /// the dispatch then queues it for review.
    pub fn detection<E>(&mut self, core: &mut Core<E>, post: CopyId, generation: u32) -> bool {
        let Some(p) = self.store.get(post) else {
            return false;
        };
        if p.pending.detection != generation || p.pending.review != ReviewStatus::NotQueued {
            return false;
        }
        let (platform, ident, number) = (p.platform, p.ident, p.number);
        core.log(EventKind::PostDetected, Some(platform), Some(ident), |_| {
            format!("the platform detected post {number}")
        });
        true
    }

    /// Take a live post down (None if it was already gone): its views closed, and its
    /// clicks, if its copy is live, stopped.
    pub fn remove<E>(&mut self, core: &mut Core<E>, post: CopyId) -> Option<RemovedPost> {
        let now = core.now;
        let p = self.store.get_mut(post)?;
        let platform = p.platform;
        let half_life = self.half_life[platform as usize];
        p.advance(now, half_life);
        let (copy, link, linked, clicks) = (p.copy, p.link, p.linked, p.clicks);
        let rate = p.view_rate;
        let (ident, number, views) = (p.ident, p.number, p.views);
        let was_waiting = matches!(p.pending.review, ReviewStatus::Waiting { .. });
        self.store.remove(post);
        if linked {
            let l = &mut self.links[link as usize];
            l.advance(now, half_life);
            l.unlink(l.click_through * rate);
        }
        let ps = &mut self.platforms[platform as usize];
        ps.advance(now, half_life);
        ps.live -= 1;
        ps.removed += 1;
        ps.view_rate = if ps.live == 0 {
            0.0
        } else {
            (ps.view_rate - rate).max(0.0)
        };
        core.log(EventKind::PostRemoved, Some(platform), Some(ident), |_| {
            format!("post {number} removed by review after {views:.0} views")
        });
        Some(RemovedPost {
            platform,
            copy,
            clicks: if linked { clicks } else { 0.0 },
            was_waiting,
        })
    }

    /// The copy a live post links to has been removed: the post is a dead link from now
    /// on. Returns the click views it sent the copy (nothing if it is gone).
    pub fn unlink(&mut self, now: Minutes, post: CopyId) -> f64 {
        let Some(p) = self.store.get_mut(post) else {
            return 0.0;
        };
        if !p.linked {
            return 0.0;
        }
        let half_life = self.half_life[p.platform as usize];
        p.advance(now, half_life);
        p.linked = false;
        let l = &mut self.links[p.link as usize];
        l.advance(now, half_life);
        l.unlink(l.click_through * p.view_rate);
        p.clicks
    }

    /// The platform, the linked copy's identity and the number of a live post, for the
    /// event log.
    pub fn ident(&self, post: CopyId) -> Option<(u32, CopyIdent, u64)> {
        self.store
            .get(post)
            .map(|p| (p.platform, p.ident, p.number))
    }

    /// Multiply the view rate (and so the click rate) of every post on the given
    /// platforms. Their pending detections are now wrong: the caller redraws them.
    pub fn scale_attention(&mut self, now: Minutes, platforms: &[u32], factor: f64) {
        if self.published == 0 {
            return;
        }
        let mut scaled = vec![false; self.platforms.len()];
        for &p in platforms {
            scaled[p as usize] = true;
            let h = self.half_life[p as usize];
            let ps = &mut self.platforms[p as usize];
            ps.advance(now, h);
            ps.view_rate *= factor;
        }
        for l in &mut self.links {
            if scaled[l.to as usize] {
                l.advance(now, self.half_life[l.to as usize]);
                l.click_rate *= factor;
            }
        }
        for p in self.store.iter_mut() {
            if scaled[p.platform as usize] {
                p.advance(now, self.half_life[p.platform as usize]);
                p.view_rate *= factor;
            }
        }
    }

    /// The live posts on the platforms `what` names, in a fixed order (platform, then
    /// publication).
    pub fn on_platforms<T: std::marker::Copy>(&self, what: &[Option<T>]) -> Vec<(T, CopyId)> {
        if self.published == 0 {
            return Vec::new();
        }
        let mut v: Vec<(u32, u64, CopyId)> = self
            .store
            .iter()
            .filter(|(_, p)| what[p.platform as usize].is_some())
            .map(|(id, p)| (p.platform, p.number, id))
            .collect();
        v.sort_unstable_by_key(|&(p, n, _)| (p, n));
        v.into_iter()
            .filter_map(|(p, _, id)| what[p as usize].map(|t| (t, id)))
            .collect()
    }

    /// Bring every platform's post views and every post link's clicks up to `now`.
    pub fn advance_all(&mut self, now: Minutes) {
        if self.published == 0 {
            return;
        }
        for (ps, &h) in self.platforms.iter_mut().zip(&self.half_life) {
            ps.advance(now, h);
        }
        for l in &mut self.links {
            l.advance(now, self.half_life[l.to as usize]);
        }
    }

    /// Click views the copies on each platform have received so far (as of the last
    /// [`Posts::advance_all`]), added into `out`, by platform.
    pub fn add_clicks(&self, out: &mut [f64]) {
        for l in &self.links {
            out[l.from as usize] += l.clicks;
        }
    }

    /// Empty the store for the next run, keeping its memory.
    pub fn into_store(self) -> PostStore {
        let mut store = self.store;
        store.clear();
        store
    }
}

/// Draw a post's next detection from `now`, cancelling any pending one: its platform's
/// automated detection and user flags from its views (as for a copy).
fn next_detection(
    p: &mut Post,
    now: Minutes,
    half_life: Minutes,
    proactive_per_min: f64,
    flags_per_view: f64,
    horizon: Minutes,
) -> Option<(Minutes, u32)> {
    p.advance(now, half_life);
    let s = &mut p.detection;
    let (e1, e2): (f64, f64) = (Exp1.sample(s), Exp1.sample(s));
    p.pending.detection = p.pending.detection.wrapping_add(1);
    let wait = detection_wait(
        proactive_per_min,
        p.view_rate * flags_per_view,
        half_life,
        e1,
        e2,
    )?;
    (now + wait <= horizon).then_some((now + wait, p.pending.detection))
}
