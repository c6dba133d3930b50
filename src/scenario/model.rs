//! The validated scenario model: what the engine runs.
//!
//! Everything here has been checked by the loader: ids resolved to indices, durations
//! converted to minutes, rates converted to per-minute, probabilities in [0, 1]. The
//! engine never sees YAML and never needs to re-check a value.

use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};
use rand::Rng;
use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// Simulated time, in minutes since t = 0 (the start of the incident).
pub type Minutes = f64;

/// Index of a platform in [`Model::platforms`] (and its node in [`Model::graph`]).
pub type PlatformIdx = usize;
/// Index of a content item in [`Model::contents`].
pub type ContentIdx = usize;
/// Index of an authority in [`Model::authorities`].
pub type AuthorityIdx = usize;

/// A random duration (service and review times).
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always this long.
    Fixed(Minutes),
    /// Exponential with this mean.
    Exp { mean: Minutes },
    /// Log-normal, given by the median and the 95th percentile.
    LogNormal { median: Minutes, p95: Minutes },
    /// Uniform between the two bounds.
    Uniform { low: Minutes, high: Minutes },
}

/// z such that P(N(0,1) <= z) = 0.95.
const Z95: f64 = 1.644_853_626_951_472_2;

impl Dist {
    /// Draw one duration, in minutes.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Minutes {
        match *self {
            Dist::Fixed(m) => m,
            Dist::Exp { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::LogNormal { median, p95 } => {
                let z: f64 = StandardNormal.sample(rng);
                median * (self.lognormal_sigma(median, p95) * z).exp()
            }
            Dist::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
        }
    }

    fn lognormal_sigma(&self, median: Minutes, p95: Minutes) -> f64 {
        if median > 0.0 && p95 > median {
            (p95 / median).ln() / Z95
        } else {
            0.0
        }
    }

    /// The distribution's mean, in minutes.
    pub fn mean(&self) -> Minutes {
        match *self {
            Dist::Fixed(m) => m,
            Dist::Exp { mean } => mean,
            Dist::LogNormal { median, p95 } => {
                let s = self.lognormal_sigma(median, p95);
                median * (s * s / 2.0).exp()
            }
            Dist::Uniform { low, high } => (low + high) / 2.0,
        }
    }
}

/// Where a platform is regulated: decides whether a removal order binds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jurisdiction {
    Eu,
    #[default]
    NonEu,
}

/// How many reviews (or referrals) can be in progress at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    Limited(u32),
    /// No queue: every item starts at once.
    Unlimited,
}

impl Capacity {
    /// Whether `busy` servers leave room for one more.
    pub fn has_room(self, busy: u32) -> bool {
        match self {
            Capacity::Limited(n) => busy < n,
            Capacity::Unlimited => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub reviewers: Capacity,
    pub time: Dist,
    /// P(a review removes the copy).
    pub accuracy: f64,
}

/// What a hash match at upload does (contract section 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnMatch {
    /// The upload is blocked (part I).
    #[default]
    Block,
    /// The upload is published and goes straight to the review queue (class 3), as
    /// platforms do that have a person confirm every match.
    Review,
}

impl OnMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            OnMatch::Block => "block",
            OnMatch::Review => "review",
        }
    }
}

/// What a protocol member platform switches to when notified.
#[derive(Debug, Clone, PartialEq)]
pub struct CrisisPosture {
    /// Surge capacity; `None` keeps the normal reviewers.
    pub reviewers: Option<Capacity>,
    /// Time over which reviewers rise linearly to the surge.
    pub ramp: Minutes,
    /// Proactive detection hazard under crisis posture; `None` keeps the normal one.
    pub proactive_per_min: Option<f64>,
    /// What a hash match does under crisis posture; `None` keeps the normal rule.
    pub on_match: Option<OnMatch>,
    /// Multiplier of the view rate and onward-attempt rate of every copy and post on the
    /// platform from when the posture applies (search demotion, no recommendations).
    pub views_factor: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    pub id: String,
    pub name: String,
    pub jurisdiction: Jurisdiction,
    pub protocol_member: bool,
    pub hash_sharing_member: bool,
    /// View rate of a fresh copy, before the content's virality.
    pub views_per_min: f64,
    /// Half-life of a copy's view rate and onward-sharing rate.
    pub attention_half_life: Minutes,
    /// P(a listed variant's upload attempt matches its hash).
    pub hash_recall: f64,
    /// What a match does: block the upload, or publish it and queue it for review.
    pub on_match: OnMatch,
    /// Hazard, per live copy, of automated detection.
    pub proactive_per_min: f64,
    /// Expected user flags per 1000 views.
    pub flags_per_1k_views: f64,
    pub review: Review,
    pub crisis_posture: Option<CrisisPosture>,
}

/// What a link makes on its target platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LinkKind {
    /// Upload attempts of the content (part I's links).
    #[default]
    Upload,
    /// Posts that link to the copy on `from`, sending it views (contract section 18).
    Post,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Upload => "upload",
            LinkKind::Post => "post",
        }
    }
}

/// A directed edge of the platform graph: copies on `from` cause uploads (or, for a
/// `post` link, linking posts) on `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub from: PlatformIdx,
    pub to: PlatformIdx,
    pub per_min: f64,
    pub kind: LinkKind,
    /// For a post link: views of the linked copy per view of a post (0 for uploads).
    pub click_through: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentKind {
    #[default]
    Video,
    Livestream,
    Document,
    Image,
}

impl ContentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::Video => "video",
            ContentKind::Livestream => "livestream",
            ContentKind::Document => "document",
            ContentKind::Image => "image",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub id: String,
    pub kind: ContentKind,
    /// Where and when the first copy is published (without screening).
    pub origin_platform: PlatformIdx,
    pub origin_at: Minutes,
    pub virality: f64,
    /// P(a link-caused attempt is a visually new variant).
    pub mutation: f64,
    /// A livestream's live phase: the origin copy is streamed live for a while first.
    pub live: Option<LivePhase>,
}

/// The live phase of a livestream's origin copy (contract section 17).
#[derive(Debug, Clone, PartialEq)]
pub struct LivePhase {
    /// How long the stream runs live from the origin's publication.
    pub duration: Minutes,
    /// The constant view rate while live (before virality and injects).
    pub views_per_min: f64,
    /// Expected flags per 1000 live views; `None`: the platform's.
    pub flags_per_1k_views: Option<f64>,
}

/// Coordinated re-uploads of one content item.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub content: ContentIdx,
    /// Attempts are split evenly (uniformly at random) among these.
    pub platforms: Vec<PlatformIdx>,
    pub start: Minutes,
    pub end: Minutes,
    pub per_min: f64,
    /// P(an attempt is a new variant).
    pub new_variant: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issues {
    Referral,
    RemovalOrder,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemovalOrderTerms {
    pub deadline: Minutes,
    pub compliance: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Authority {
    pub id: String,
    pub name: String,
    pub monitors: Vec<PlatformIdx>,
    /// Hazard, per live copy on a monitored platform, that this authority finds it.
    pub finds_per_min: f64,
    pub analysts: Capacity,
    pub referral_time: Dist,
    pub issues: Issues,
    pub removal_order: RemovalOrderTerms,
    /// P(a review of a referral from this authority removes the copy); `None`: the
    /// platform's review accuracy. Removal orders are not affected.
    pub acceptance: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HashSharing {
    pub delay: Minutes,
    pub sweep: bool,
    pub sweep_time: Minutes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Activation {
    /// Trigger when at least this many removals ... (`None`: never by count).
    pub confirmed_removals: Option<u32>,
    /// ... have happened on at least this many distinct platforms.
    pub platforms: u32,
    /// Trigger when at least this many copies (of `content`) were detected by a member
    /// platform or found by an authority on one, each copy counted once.
    pub detections: Option<u32>,
    /// Trigger when `content` has been published on at least this many distinct
    /// platforms, members or not.
    pub platforms_reached: Option<u32>,
    /// Trigger when this protocol (an index into `Model::protocols`) activates, if the
    /// variant runs it.
    pub after: Option<usize>,
    /// The content items the counting triggers count (`None`: any).
    pub content: Option<Vec<ContentIdx>>,
    /// Trigger at this time if not triggered before.
    pub or_at: Option<Minutes>,
    /// From trigger to activation.
    pub decision_time: Minutes,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    pub id: String,
    /// The member platforms, in platform order: the protocol's effects reach only them.
    pub members: Vec<PlatformIdx>,
    /// Whether `members` was written out (else: the platforms with `protocol_member`).
    pub members_listed: bool,
    pub activation: Activation,
    /// From activation until each member platform applies its crisis posture.
    pub notify_time: Minutes,
    /// Shared-database delay for submissions while active (`None`: the normal delay).
    pub hash_sharing_delay: Option<Minutes>,
    /// URL sharing delay while active (`None`: no URL sharing).
    pub url_sharing: Option<Minutes>,
    /// Multiplier of authorities' analysts and finds on member platforms.
    pub authority_boost: f64,
    /// Ends after this long with no copy published anywhere.
    pub deactivation_quiet_for: Option<Minutes>,
}

impl Protocol {
    /// Whether platform `p` is a member.
    pub fn is_member(&self, p: PlatformIdx) -> bool {
        self.members.binary_search(&p).is_ok()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum InjectKind {
    /// No effect on the model.
    Message,
    /// Multiply the virality of copies on one platform (or all) from `at`, for `duration` if given.
    Virality {
        platform: Option<PlatformIdx>,
        factor: f64,
        duration: Option<Minutes>,
    },
    /// `count` upload attempts of `content` on `platform`; with `new_variant`, all of one new edit.
    Upload {
        content: ContentIdx,
        platform: PlatformIdx,
        count: u32,
        new_variant: bool,
    },
    /// Set a platform's reviewers for a while, then restore them.
    Outage {
        platform: PlatformIdx,
        reviewers: u32,
        duration: Minutes,
    },
}

/// Facilitator-facing fields of an inject (Master Scenario Events List); no effect on the model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InjectDelivery {
    pub delivery: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub expected_action: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inject {
    pub at: Minutes,
    pub kind: InjectKind,
    pub note: Option<String>,
    pub delivery: InjectDelivery,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// A replication that would publish more copies than this stops with an error.
    pub max_copies: u64,
    /// A replication that would process more events than this stops with an error.
    pub max_events: Option<u64>,
}

/// How a scenario is run, as opposed to what it models: the same for every variant, so
/// that variants can be compared replication by replication (common random numbers need
/// one seed; paired comparisons need one horizon and one clock). A variant's `set`
/// cannot change these (contract, section 15); the command line can, for the whole run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Experiment {
    /// Simulated time span, in minutes from t = 0.
    pub horizon: Minutes,
    /// Time-series resolution, in minutes.
    pub sample_every: Minutes,
    /// Monte Carlo runs per variant.
    pub replications: u32,
    /// Base seed: replication r of every variant draws from (seed, r) alone.
    pub seed: u64,
}

/// One fully resolved scenario: the base, or a variant with its `set` overrides applied.
/// The experiment settings are not part of it (see [`Experiment`]).
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: Option<String>,
    pub limits: Limits,
    pub platforms: Vec<Platform>,
    pub links: Vec<Link>,
    /// The platform graph: node i is platform i, edge weight is the link's per-minute rate.
    pub graph: DiGraph<PlatformIdx, f64>,
    pub contents: Vec<Content>,
    pub campaigns: Vec<Campaign>,
    pub authorities: Vec<Authority>,
    pub hash_sharing: HashSharing,
    pub protocols: Vec<Protocol>,
    pub injects: Vec<Inject>,
    /// Exercise objectives, rated in the debrief.
    pub objectives: Vec<Objective>,
    /// The seats of a training session (`ttx serve`); empty: none defined.
    pub roles: Vec<Role>,
}

impl Model {
    /// Build the platform graph from the link list (one node per platform, index order).
    pub fn build_graph(platforms: usize, links: &[Link]) -> DiGraph<PlatformIdx, f64> {
        let mut g = DiGraph::with_capacity(platforms, links.len());
        for p in 0..platforms {
            g.add_node(p);
        }
        for l in links {
            g.add_edge(NodeIndex::new(l.from), NodeIndex::new(l.to), l.per_min);
        }
        g
    }

    pub fn platform_index(&self, id: &str) -> Option<PlatformIdx> {
        self.platforms.iter().position(|p| p.id == id)
    }
}

/// A protocol variant of the scenario: a name, the protocols it runs, and its model.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    /// Indices into `model.protocols`, in the order listed; empty is the built-in
    /// protocol `none`. Each runs on its own (contract section 16).
    pub protocols: Vec<usize>,
    /// The dotted paths this variant overrides, in file order, for reports.
    pub overrides: Vec<(String, String)>,
    pub model: Arc<Model>,
}

/// A loaded and validated scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it came from (a file path, or a label for text parsed in memory).
    pub source: String,
    /// How it is run: horizon, sample clock, replications and seed, for every variant.
    pub experiment: Experiment,
    /// The scenario as written, without any variant's overrides.
    pub base: Arc<Model>,
    /// At least one; the first is the reference the others are compared with.
    pub variants: Vec<Variant>,
}

impl Scenario {
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }
}

/// A role of a training session: who takes which decisions, speaking for which
/// platforms and authorities.
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: String,
    pub name: String,
    /// The kinds of decision it may take.
    pub decisions: Vec<RoleDecision>,
    /// Platforms it speaks for (indices), in the order listed.
    pub platforms: Vec<PlatformIdx>,
    /// Authorities it speaks for (indices), in the order listed.
    pub authorities: Vec<usize>,
}

/// A kind of decision a role may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RoleDecision {
    /// Activate a crisis protocol.
    Activate,
    /// Notify a protocol's member platforms.
    Notify,
    /// Deliver the shared hash database's pending submissions now.
    PushHashes,
    /// Refer found copies to a platform's review.
    Refer,
    /// Send removal orders to an EU platform.
    Order,
    /// Set a platform's reviewers.
    Surge,
    /// Add a note to the record.
    Note,
}

impl RoleDecision {
    /// The word at the prompt that takes this decision.
    pub fn word(self) -> &'static str {
        match self {
            RoleDecision::Activate => "activate",
            RoleDecision::Notify => "notify",
            RoleDecision::PushHashes => "push-hashes",
            RoleDecision::Refer => "refer",
            RoleDecision::Order => "order",
            RoleDecision::Surge => "surge",
            RoleDecision::Note => "note",
        }
    }
}

impl Role {
    /// The platforms its decisions may name: its own and those its authorities
    /// monitor; `None`: any (it lists neither).
    pub fn reach(&self, model: &Model) -> Option<Vec<PlatformIdx>> {
        if self.platforms.is_empty() && self.authorities.is_empty() {
            return None;
        }
        let mut out = self.platforms.clone();
        for &a in &self.authorities {
            for &p in &model.authorities[a].monitors {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out.sort_unstable();
        Some(out)
    }
}

/// What an exercise aims at, rated in the debrief (HSEEP style).
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub id: String,
    pub description: String,
    pub criterion: ObjectiveCriterion,
    /// For activation and notification objectives: the protocol meant (an index into
    /// `Model::protocols`); `None`: any.
    pub protocol: Option<usize>,
}

/// How an objective is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ObjectiveCriterion {
    /// The players activate the protocol within this time.
    ActivateWithin(Minutes),
    /// The players notify member platforms within this time.
    NotifyWithin(Minutes),
    /// The players send a first referral or removal order within this time.
    ReferWithin(Minutes),
    /// Mean exposure over the debrief's replications below this.
    ExposureBelow(f64),
    /// Mean peak live copies below this.
    PeakLiveBelow(f64),
}
