//! The scenario file as written: serde structs that mirror the YAML, unknown fields refused.
//!
//! Optional fields are `Option`s here; `validate` applies the defaults, checks ranges and
//! resolves ids.
//!
//! The same structs give the scenario's JSON Schema ([`crate::schema`], `ttx schema`):
//! their doc comments are what an editor shows on hover, so they are written for the
//! planners who write scenarios, and the `schemars` attributes state the ranges and
//! patterns that `validate` checks. Types read by hand-written visitors (durations,
//! capacities, distributions) have their schemas written in [`crate::schema`].

use std::fmt;
use std::marker::PhantomData;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::duration::Dur;

/// A ttx scenario: the platforms and the links between them, the content and how it
/// spreads, the platforms' detection and review, the authorities, the shared hash
/// database, the crisis protocols, the variants to compare and the exercise's injects.
/// All times are durations with a unit (`45s`, `15m`, `2h`, `1d`, `1h30m`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a scenario: a mapping with `name`, `horizon`, `platforms` and `content`"
)]
#[schemars(title = "ttx scenario")]
pub struct RawScenario {
    /// The scenario's title, shown in summaries, reports and exercises.
    pub name: String,
    /// What the scenario is about, shown in reports and at the start of an exercise.
    pub description: Option<String>,
    /// How much time each run simulates, from t = 0 (the start of the incident), e.g.
    /// `24h`. At most 3650d.
    pub horizon: Dur,
    /// How often `timeseries.csv` samples the state of each platform (default `15m`).
    pub sample_every: Option<Dur>,
    /// Monte Carlo runs per variant (default 100; at least 1). `--replications` on the
    /// command line overrides it.
    #[serde(default, deserialize_with = "whole::opt_u32")]
    #[schemars(range(min = 1, max = 4_294_967_295u32))]
    pub replications: Option<u32>,
    /// Base seed of the random streams (default 1): the same scenario, seed and version
    /// give byte-identical outputs. Replication r of every variant uses the same streams,
    /// so variants are compared pairwise.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    pub seed: Option<u64>,
    /// Safety limits: a run that would exceed one stops with a clear error.
    pub limits: Option<RawLimits>,
    /// The platforms (sites, apps, services) where copies are uploaded, viewed, detected
    /// and reviewed; at least one.
    #[schemars(length(min = 1))]
    pub platforms: Vec<RawPlatform>,
    /// How copies on one platform cause uploads (or link posts) on another, or on the
    /// same one (re-uploads).
    pub links: Option<Vec<RawLink>>,
    /// The content items (the attack video, a manifesto, ...); at least one.
    #[schemars(length(min = 1))]
    pub content: Vec<RawContent>,
    /// Coordinated re-upload campaigns: attempts at a steady rate over a time window.
    pub campaigns: Option<Vec<RawCampaign>>,
    /// Authorities (internet referral units, police) that find copies on the platforms
    /// they monitor and send referrals or removal orders.
    pub authorities: Option<Vec<RawAuthority>>,
    /// The industry's shared hash database (default: `{delay: 6h, sweep: false,
    /// sweep_time: 30m}`).
    pub hash_sharing: Option<RawHashSharing>,
    /// The crisis protocols, keyed by id (e.g. `ecp`, `gifct-cip`), in the order they are
    /// described. `none` is built in (it never activates) and cannot be defined here.
    pub protocols: Option<Ordered<RawProtocol>>,
    /// The variants to run and compare: each a protocol (or several, or `none`) and
    /// optionally some values changed with `set`. The first is the reference. Default:
    /// one variant `baseline` with protocol `none`.
    #[schemars(length(min = 1))]
    pub variants: Option<Vec<RawVariant>>,
    /// The exercise's timeline: messages for the players, and scripted surges, uploads
    /// and outages.
    pub injects: Option<Vec<RawInject>>,
    /// What an exercise aims at, each with one criterion; the debrief rates each P, S, M
    /// or U.
    pub objectives: Option<Vec<RawObjective>>,
    /// The seats of a training session in the browser (`ttx serve`): who plays, which
    /// decisions each may take, and which platforms or authorities each speaks for.
    pub roles: Option<Vec<RawRole>>,
}

/// A role of a training session: a team at the table (a platform's trust-and-safety
/// desk, the national referral unit, Europol, GIFCT's hub, the Commission). In `ttx
/// serve` each role gets a seat of its own, which shows what that role would know and
/// takes only its decisions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a role: a mapping with `id`, `name`, `decisions` and optionally `platforms`, `authorities`"
)]
pub struct RawRole {
    /// The role's id, unique among the roles (lowercase letters, digits and `-`): it is
    /// what the record says took each decision (`as ID:` at the terminal prompt).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub id: String,
    /// A readable name for the seat's page (default: the id).
    pub name: Option<String>,
    /// The decisions this role may take: any of `activate`, `notify`, `push-hashes`,
    /// `refer`, `order`, `surge`, `note`. Moving the clock and injects are the
    /// facilitator's.
    #[schemars(length(min = 1))]
    pub decisions: Vec<super::model::RoleDecision>,
    /// The platform ids it speaks for (a platform's desk): decisions that name a
    /// platform (`surge`, `notify PLATFORM`, `refer`, `order`) may name only these or
    /// those its authorities monitor. Its seat shows these platforms' queues and
    /// reviewers.
    #[schemars(inner(pattern(crate::schema::ID_PATTERN)))]
    pub platforms: Option<Vec<String>>,
    /// The authority ids it speaks for (a referral unit): its seat shows the copies
    /// found on the platforms they monitor, and its referrals and orders go to those
    /// platforms. A role with neither `platforms` nor `authorities` may name any
    /// platform.
    #[schemars(inner(pattern(crate::schema::ID_PATTERN)))]
    pub authorities: Option<Vec<String>>,
}

/// An exercise objective: an id, a description and exactly one criterion
/// (`activate_within`, `notify_within`, `refer_within`, `exposure_below` or
/// `peak_live_below`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an objective: a mapping with `id`, `description` and one of `activate_within`, `notify_within`, `refer_within`, `exposure_below`, `peak_live_below`"
)]
pub struct RawObjective {
    /// The objective's id, unique among the objectives (lowercase letters, digits and
    /// `-`).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub id: String,
    /// What the objective is, in words, for the debrief.
    pub description: Option<String>,
    /// Criterion: the players activate a protocol within this time of t = 0.
    pub activate_within: Option<Dur>,
    /// Criterion: the players notify the member platforms within this time of t = 0.
    pub notify_within: Option<Dur>,
    /// Criterion: the players send a first referral or removal order within this time of
    /// t = 0.
    pub refer_within: Option<Dur>,
    /// Criterion: the mean exposure (views of all copies) over the debrief's replications
    /// of the players' decisions stays below this.
    #[schemars(range(min = 0))]
    pub exposure_below: Option<f64>,
    /// Criterion: the mean peak number of copies live at once stays below this.
    #[schemars(range(min = 0))]
    pub peak_live_below: Option<f64>,
    /// With `activate_within` or `notify_within`: the protocol meant (default: any).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub protocol: Option<String>,
}

/// Safety limits of a run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "limits: a mapping with `max_copies`, `max_events`"
)]
pub struct RawLimits {
    /// Most upload attempts (copies) one replication may make (default 20,000,000; at
    /// least 1): a run that would exceed it stops with an error rather than fill the
    /// memory.
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schemars(range(min = 1))]
    pub max_copies: Option<u64>,
    /// Most events one replication may process (default: no limit; at least 1).
    #[serde(default, deserialize_with = "whole::opt_u64")]
    #[schemars(range(min = 1))]
    pub max_events: Option<u64>,
}

/// Where a platform is established, for removal orders and `exposure_eu`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawJurisdiction {
    /// In the EU: removal orders (Regulation (EU) 2021/784) apply, and its views count in
    /// `exposure_eu`.
    Eu,
    /// Outside the EU: a removal order is treated as a referral.
    NonEu,
}

/// A platform: a site, app or service where copies are uploaded, viewed, detected and
/// reviewed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a platform: a mapping with `id`, `views_per_hour`, `attention_half_life`, `review`, ..."
)]
pub struct RawPlatform {
    /// The platform's id, unique among the platforms: lowercase letters, digits and `-`
    /// (e.g. `videotube`). Links, campaigns, authorities and injects name it.
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub id: String,
    /// A readable name for reports (default: the id).
    pub name: Option<String>,
    /// `eu` or `non_eu` (default `non_eu`): removal orders apply only to `eu` platforms.
    pub jurisdiction: Option<RawJurisdiction>,
    /// Whether the platform takes part in the crisis protocols that do not list their
    /// `members` (voluntary; default false).
    pub protocol_member: Option<bool>,
    /// Whether the platform is a member of the shared hash database: it submits the
    /// variants it removes and receives the others' (default false).
    pub hash_sharing_member: Option<bool>,
    /// Views per hour of a fresh copy (times the content's virality); the rate fades with
    /// the copy's age (see `attention_half_life`). A rate >= 0.
    #[schemars(range(min = 0))]
    pub views_per_hour: f64,
    /// A copy's view rate and its onward-sharing rate halve every this much of its age
    /// (e.g. `3h`); > 0.
    pub attention_half_life: Dur,
    /// Probability (0 to 1) that an upload of a variant already on this platform's hash
    /// list is matched at upload (and blocked, or sent to review with `on_match:
    /// review`). Default 0: no hash matching. A variant goes on the list when the
    /// platform removes a copy of it by review or order, or when the shared database
    /// passes it on.
    #[schemars(range(min = 0, max = 1))]
    pub hash_recall: Option<f64>,
    /// What a hash match does: `block` the upload (default), or publish it and send it to
    /// `review` at once.
    pub on_match: Option<RawOnMatch>,
    /// How live copies are detected: automated systems and user flags (default: no
    /// detection).
    pub detection: Option<RawDetection>,
    /// The platform's review queue: how many reviewers, how long a review takes, how
    /// often it removes.
    pub review: RawReview,
    /// What changes when an active protocol notifies this platform: surge reviewers, more
    /// automated detection, stricter matching, demotion.
    pub crisis_posture: Option<RawCrisisPosture>,
}

/// What a hash match at upload does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawOnMatch {
    /// The upload is blocked: it never goes live (counted as blocked).
    Block,
    /// The upload is published and joins the review queue at once (counted as published).
    Review,
}

/// How live copies on a platform are detected; a copy's first detection puts it in the
/// review queue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "detection: a mapping with `proactive_per_hour`, `flags_per_1k_views`"
)]
pub struct RawDetection {
    /// Hazard per hour, per live copy, of detection by automated systems (default 0). A
    /// rate >= 0: 0.5 means a copy is found in 2 hours on average.
    #[schemars(range(min = 0))]
    pub proactive_per_hour: Option<f64>,
    /// Expected user flags per 1000 views (default 0): the flag hazard is the view rate /
    /// 1000 times this, so popular copies are flagged sooner.
    #[schemars(range(min = 0))]
    pub flags_per_1k_views: Option<f64>,
}

/// A platform's review queue: removal orders first, then referrals, then its own
/// detections, first come first served within each.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "review: a mapping with `reviewers`, `time` and optionally `accuracy`"
)]
pub struct RawReview {
    /// How many reviews run at once: a whole number >= 0 (0: nobody reviews), or
    /// `unlimited` (no queue).
    pub reviewers: RawCapacity,
    /// How long one review takes: a duration (fixed) or a distribution (`{exp: 10m}`,
    /// `{lognormal: {median: 5m, p95: 30m}}`, `{uniform: [2m, 10m]}`).
    pub time: RawDist,
    /// Probability (0 to 1) that a review removes the copy (default 1); otherwise it stays
    /// up and may be detected again.
    #[schemars(range(min = 0, max = 1))]
    pub accuracy: Option<f64>,
}

/// What a platform changes when an active protocol notifies it (applied once, by the
/// first protocol that does).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "crisis_posture: a mapping with `reviewers`, `ramp`, `proactive_per_hour`, `on_match`, `views_factor`"
)]
pub struct RawCrisisPosture {
    /// Surge review capacity, reached linearly over `ramp` (default: unchanged).
    pub reviewers: Option<RawCapacity>,
    /// How long the surge takes to reach full strength (default `0m`: at once).
    pub ramp: Option<Dur>,
    /// Automated detection hazard per hour during the crisis (default: unchanged).
    #[schemars(range(min = 0))]
    pub proactive_per_hour: Option<f64>,
    /// What a hash match does during the crisis (default: unchanged).
    pub on_match: Option<RawOnMatch>,
    /// Multiplier of the view rate and onward-sharing rate of every copy and post on the
    /// platform from when the posture applies (search demotion, no recommendations);
    /// >= 0, default 1.
    #[schemars(range(min = 0))]
    pub views_factor: Option<f64>,
}

/// A link between platforms: each live copy on `from` causes upload attempts (or link
/// posts) on `to` at `per_hour`, fading with the copy's age.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a link: a mapping with `from`, `to`, `per_hour` and optionally `kind`, `click_through`"
)]
pub struct RawLink {
    /// The platform id where the copy is.
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub from: String,
    /// The platform id where the onward attempts (or posts) happen; may be `from` itself
    /// (re-uploads).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub to: String,
    /// Attempts (or posts) per hour caused by one fresh live copy, times the content's
    /// virality; halves every `attention_half_life` of the copy's age. A rate >= 0.
    #[schemars(range(min = 0))]
    pub per_hour: f64,
    /// `upload` (default): re-uploads of the content; `post`: posts that link to the
    /// copy, which draw views to it without being copies.
    pub kind: Option<RawLinkKind>,
    /// On a `post` link: views the linked copy gets per view of a post (default 0.05).
    #[schemars(range(min = 0, max = 1))]
    pub click_through: Option<f64>,
}

/// What a link causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawLinkKind {
    /// Upload attempts of the content (copies).
    Upload,
    /// Posts linking to the copy: not copies, never hash-matched; their views send
    /// `click_through` views to the copy while it is live.
    Post,
}

/// What a content item is (informational, but `live` needs `livestream`).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawContentKind {
    Video,
    Livestream,
    Document,
    Image,
}

/// A content item: its origin copy, how viral it is and how often it is edited.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a content item: a mapping with `id`, `origin`, ..."
)]
pub struct RawContent {
    /// The content's id, unique among the content items (lowercase letters, digits and
    /// `-`).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub id: String,
    /// `video` (default), `livestream`, `document` or `image`.
    pub kind: Option<RawContentKind>,
    /// Where and when the first copy is published (without screening).
    pub origin: RawOrigin,
    /// Multiplier of every copy's view rate and onward-sharing rate (default 1; >= 0).
    #[schemars(range(min = 0))]
    pub virality: Option<f64>,
    /// Probability (0 to 1) that a link-caused upload is a visually new variant (an
    /// edit) that the hashes of earlier variants do not match (default 0).
    #[schemars(range(min = 0, max = 1))]
    pub mutation: Option<f64>,
    /// For `kind: livestream`: the live broadcast of the origin copy before it becomes a
    /// recording.
    pub live: Option<RawLive>,
}

/// The live phase of a livestream's origin copy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "live: a mapping with `for`, `views_per_hour` and optionally `flags_per_1k_views`"
)]
pub struct RawLive {
    /// How long the stream is live (> 0); afterwards it stays up as a recording.
    #[serde(rename = "for")]
    pub for_: Dur,
    /// Constant view rate while live (times virality), per hour; >= 0.
    #[schemars(range(min = 0))]
    pub views_per_hour: f64,
    /// User flags per 1000 live views (default: the platform's).
    #[schemars(range(min = 0))]
    pub flags_per_1k_views: Option<f64>,
}

/// Where and when a content item's first copy is published.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "origin: a mapping with `platform` and `at`"
)]
pub struct RawOrigin {
    /// The platform id of the first copy.
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub platform: String,
    /// When it is published (default `0m`).
    pub at: Option<Dur>,
}

/// A coordinated re-upload campaign: upload attempts at a steady rate, split evenly among
/// its platforms.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a campaign: a mapping with `content`, `platforms`, `start`, `end`, `per_hour`, `new_variant`"
)]
pub struct RawCampaign {
    /// The content id re-uploaded.
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub content: String,
    /// The platform ids the attempts are split among, each once; at least one.
    #[schemars(length(min = 1), inner(pattern(crate::schema::ID_PATTERN)))]
    pub platforms: Vec<String>,
    /// When the campaign starts (default `0m`).
    pub start: Option<Dur>,
    /// When it ends (default: the horizon).
    pub end: Option<Dur>,
    /// Upload attempts per hour, in all (a Poisson process); >= 0.
    #[schemars(range(min = 0))]
    pub per_hour: f64,
    /// Probability (0 to 1) that an attempt is a new variant (default 0); otherwise an
    /// existing variant, chosen in proportion to its copies published so far.
    #[schemars(range(min = 0, max = 1))]
    pub new_variant: Option<f64>,
}

/// What an authority sends for a copy it finds.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawIssues {
    /// A referral: the platform reviews it ahead of its own detections (voluntary).
    Referral,
    /// A one-hour removal order (Regulation (EU) 2021/784) to `eu` platforms, reviewed
    /// first; to `non_eu` platforms a referral.
    RemovalOrder,
}

/// An authority (an internet referral unit, the police) that finds copies on the platforms
/// it monitors and sends referrals or removal orders.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an authority: a mapping with `id`, `monitors`, `finds_per_hour`, ..."
)]
pub struct RawAuthority {
    /// The authority's id, unique among the authorities (lowercase letters, digits and
    /// `-`).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub id: String,
    /// A readable name (default: the id).
    pub name: Option<String>,
    /// The platform ids it watches, each once; at least one.
    #[schemars(length(min = 1), inner(pattern(crate::schema::ID_PATTERN)))]
    pub monitors: Vec<String>,
    /// Hazard per hour, per live copy on a monitored platform, that the authority finds
    /// it; >= 0.
    #[schemars(range(min = 0))]
    pub finds_per_hour: f64,
    /// How many referrals are prepared at once (default 1), or `unlimited`.
    pub analysts: Option<RawCapacity>,
    /// How long preparing one referral takes (default `0m`): a duration or a
    /// distribution.
    pub referral_time: Option<RawDist>,
    /// `referral` (default) or `removal_order`.
    pub issues: Option<RawIssues>,
    /// With `issues: removal_order`: the order's deadline and how often it is complied
    /// with.
    pub removal_order: Option<RawRemovalOrder>,
    /// Probability (0 to 1) that a review of this authority's referral removes the copy
    /// (default: the platform's `accuracy`). Removal orders are unaffected.
    #[schemars(range(min = 0, max = 1))]
    pub acceptance: Option<f64>,
}

/// A removal order's terms.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "removal_order: a mapping with `deadline`, `compliance`"
)]
pub struct RawRemovalOrder {
    /// The copy is removed no later than this after the order arrives (default `1h`).
    pub deadline: Option<Dur>,
    /// Probability (0 to 1) that the platform complies by the deadline (default 1).
    #[schemars(range(min = 0, max = 1))]
    pub compliance: Option<f64>,
}

/// The shared hash database (GIFCT's, for instance).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "hash_sharing: a mapping with `delay`, `sweep`, `sweep_time`"
)]
pub struct RawHashSharing {
    /// How long a variant submitted by one member takes to reach every other member's
    /// hash list (default `6h`; an active protocol's `hash_sharing_delay` replaces it).
    pub delay: Option<Dur>,
    /// Whether a platform, when a variant reaches its list, sweeps the copies of it
    /// already live there (each removed with probability `hash_recall`; default false).
    pub sweep: Option<bool>,
    /// How long after the listing a sweep removes the copies (default `30m`).
    pub sweep_time: Option<Dur>,
}

/// A crisis protocol (the EU Crisis Protocol, GIFCT's incident protocol, ...): when it
/// triggers, and what it changes once active.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a protocol: a mapping with `activation`, `notify_time`, ..."
)]
pub struct RawProtocol {
    /// The platform ids the protocol's effects reach (default: the platforms with
    /// `protocol_member: true`); at least one.
    #[schemars(length(min = 1), inner(pattern(crate::schema::ID_PATTERN)))]
    pub members: Option<Vec<String>>,
    /// When the protocol triggers and activates (without it, it never activates).
    pub activation: Option<RawActivation>,
    /// From activation until each member platform applies its `crisis_posture` (default
    /// `0m`).
    pub notify_time: Option<Dur>,
    /// The shared database's delay for submissions made while the protocol is active
    /// (default: `hash_sharing.delay`).
    pub hash_sharing_delay: Option<Dur>,
    /// While active: when a member removes a copy, its live parent and children on other
    /// member platforms (and posts linking to it) are referred there after this delay.
    /// Default: no URL sharing.
    pub url_sharing: Option<Dur>,
    /// From activation, the authorities' analysts, and their `finds_per_hour` on member
    /// platforms, are multiplied by this (default 1; >= 0).
    #[schemars(range(min = 0))]
    pub authority_boost: Option<f64>,
    /// When the protocol ends (default: never).
    pub deactivation: Option<RawDeactivation>,
}

/// A protocol's triggers (the first to hold fires it) and its decision time.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "activation: a mapping with `confirmed_removals`, `platforms`, `detections`, `platforms_reached`, `after`, `content`, `or_at`, `decision_time`"
)]
pub struct RawActivation {
    /// Trigger: at least this many removals (any cause) ... (>= 1)
    #[serde(default, deserialize_with = "whole::opt_u32")]
    #[schemars(range(min = 1))]
    pub confirmed_removals: Option<u32>,
    /// ... on at least this many distinct platforms (default 1).
    #[serde(default, deserialize_with = "whole::opt_u32")]
    #[schemars(range(min = 1))]
    pub platforms: Option<u32>,
    /// Trigger: at least this many copies (of the listed `content`) detected by a member
    /// platform or found by an authority on one, each copy counted once (>= 1).
    #[serde(default, deserialize_with = "whole::opt_u32")]
    #[schemars(range(min = 1))]
    pub detections: Option<u32>,
    /// Trigger: the listed content has been published on at least this many distinct
    /// platforms, members or not (>= 1).
    #[serde(default, deserialize_with = "whole::opt_u32")]
    #[schemars(range(min = 1))]
    pub platforms_reached: Option<u32>,
    /// Trigger: when this other protocol of the variant activates (a chain of tiers).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub after: Option<String>,
    /// The content ids the counting triggers count (default: any); at least one.
    #[schemars(length(min = 1), inner(pattern(crate::schema::ID_PATTERN)))]
    pub content: Option<Vec<String>>,
    /// Trigger: at this time, if no other trigger held before.
    pub or_at: Option<Dur>,
    /// From trigger to activation (default `0m`).
    pub decision_time: Option<Dur>,
}

/// When an active protocol ends.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "deactivation: a mapping with `quiet_for`"
)]
pub struct RawDeactivation {
    /// The protocol ends after this long (> 0) with no copy published anywhere.
    pub quiet_for: Dur,
}

/// A variant: the scenario run under some protocols, optionally with values changed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a variant: a mapping with `name`, `protocol` and optionally `set`"
)]
pub struct RawVariant {
    /// The variant's name, unique among the variants (e.g. `baseline`, `ecp+tco-orders`);
    /// it names the variant in every output file.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The protocol id this variant runs, or a list of them (each triggers and activates
    /// on its own); `none` (default) for no protocol.
    pub protocol: Option<OneOrMany>,
    /// Values changed for this variant, by dotted path: `hash_sharing.delay: 15m`,
    /// `platforms.videotube.review.reviewers: 60` (list items by id, or by 0-based index
    /// for lists without ids). Each value is checked as if written in the file. Not
    /// allowed: ids, `variants`, and `name`, `seed`, `replications`, `horizon`,
    /// `sample_every`.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::set_paths")]
    pub set: Option<serde_yaml::Mapping>,
}

/// A name, or a list of names (a variant's `protocol`).
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OneOrMany, D::Error> {
        d.deserialize_any(OneOrManyVisitor)
    }
}

struct OneOrManyVisitor;

impl<'de> Visitor<'de> for OneOrManyVisitor {
    type Value = OneOrMany;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a protocol name, or a list of protocol names")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
        Ok(OneOrMany::One(v.to_string()))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
        let mut names = Vec::new();
        while let Some(n) = seq.next_element::<String>()? {
            names.push(n);
        }
        Ok(OneOrMany::Many(names))
    }
}

/// What an inject does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawInjectKind {
    /// A message for the players (no effect on the model).
    Message,
    /// A surge of attention: view and onward-sharing rates on `platform` (or every
    /// platform) multiplied by `factor`, for `for` (default: until the horizon).
    Virality,
    /// A batch of `count` upload attempts of `content` on `platform`.
    Upload,
    /// `platform`'s reviewers drop to `reviewers` for `for`.
    Outage,
}

impl RawInjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RawInjectKind::Message => "message",
            RawInjectKind::Virality => "virality",
            RawInjectKind::Upload => "upload",
            RawInjectKind::Outage => "outage",
        }
    }
}

/// One inject of the exercise's timeline: the fields of every kind; `validate` refuses the
/// ones that do not apply to its `kind`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an inject: a mapping with `at`, `kind`, ..."
)]
pub struct RawInject {
    /// When the inject fires.
    pub at: Dur,
    /// `message`, `virality`, `upload` or `outage`.
    pub kind: RawInjectKind,
    /// Text shown when the inject fires (any kind).
    pub note: Option<String>,
    // MSEL (facilitator) fields, any kind.
    /// For the facilitator's events list: how the inject is delivered (email, phone,
    /// ...). No effect on the model.
    pub delivery: Option<String>,
    /// For the events list: who the inject comes from. No effect on the model.
    pub from: Option<String>,
    /// For the events list: who receives it. No effect on the model.
    pub to: Option<String>,
    /// For the events list: what the players are expected to do. No effect on the model.
    pub expected_action: Option<String>,
    // virality, upload, outage
    /// `virality`, `upload`, `outage`: the platform id (on `virality`, omit it for every
    /// platform).
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub platform: Option<String>,
    // virality
    /// `virality` (required): the multiplier of view and onward-sharing rates (> 0).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub factor: Option<f64>,
    /// `virality`: how long the surge lasts (default: until the horizon); `outage`
    /// (required): how long the outage lasts. > 0.
    #[serde(rename = "for")]
    pub for_: Option<Dur>,
    // upload
    /// `upload`: the content id uploaded.
    #[schemars(pattern(crate::schema::ID_PATTERN))]
    pub content: Option<String>,
    /// `upload`: how many attempts (default 1; at most 1,000,000).
    #[serde(default, deserialize_with = "whole::opt_u32")]
    #[schemars(range(max = 1_000_000))]
    pub count: Option<u32>,
    /// `upload`: whether the batch is one new edit (a variant no hash matches yet),
    /// uploaded `count` times (default false).
    pub new_variant: Option<bool>,
    // outage
    /// `outage`: the platform's reviewers during the outage (default 0).
    #[serde(default, deserialize_with = "whole::opt_u32")]
    pub reviewers: Option<u32>,
}

/// Whole numbers (counts, seeds, limits): an integer, or a float with no fraction such as
/// `1e6`, which planners write for a million (YAML reads it as a float).
mod whole {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{self, Deserializer, Visitor};

    /// `v` as a whole number, if it is one (finite, >= 0, no fraction, within u64).
    pub(super) fn from_f64(v: f64) -> Option<u64> {
        // 2^64 as a float; every float below it with no fraction is exact in a u64.
        const LIMIT: f64 = 18_446_744_073_709_551_616.0;
        (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < LIMIT).then_some(v as u64)
    }

    struct Whole<T>(PhantomData<T>);

    impl<'de, T: TryFrom<u64> + Into<u64> + Bounded> Visitor<'de> for Whole<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a whole number from 0 to {}", T::MAX)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
            T::try_from(v).map(Some).map_err(|_| {
                E::custom(format!(
                    "expected a whole number from 0 to {}, found {v}, which is too large",
                    T::MAX
                ))
            })
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
            match u64::try_from(v) {
                Ok(v) => self.visit_u64(v),
                Err(_) => Err(E::custom(format!(
                    "expected a whole number from 0 to {}, found {v}",
                    T::MAX
                ))),
            }
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
            match from_f64(v) {
                Some(n) => self.visit_u64(n),
                None if v.is_finite() && v.fract() == 0.0 && v > 0.0 => Err(E::custom(format!(
                    "expected a whole number from 0 to {}, found {v}, which is too large",
                    T::MAX
                ))),
                None => Err(E::custom(format!(
                    "expected a whole number from 0 to {}, found {v}, which is not a whole number",
                    T::MAX
                ))),
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
            let mut msg = format!("expected a whole number from 0 to {}, found `{v}`", T::MAX);
            if let Ok(n) = v.trim().parse::<u64>() {
                msg += &format!("; did you mean `{n}`, without quotes?");
            }
            Err(E::custom(msg))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
            d.deserialize_any(self)
        }
    }

    /// The largest value of a whole-number field, for messages.
    pub(super) trait Bounded {
        const MAX: u64;
    }
    impl Bounded for u32 {
        const MAX: u64 = u32::MAX as u64;
    }
    impl Bounded for u64 {
        const MAX: u64 = u64::MAX;
    }

    pub(super) fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        d.deserialize_any(Whole::<u32>(PhantomData))
    }

    pub(super) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(Whole::<u64>(PhantomData))
    }
}

/// `reviewers` / `analysts`: an integer >= 0 or `unlimited`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawCapacity {
    Limited(u32),
    Unlimited,
}

impl<'de> Deserialize<'de> for RawCapacity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawCapacity, D::Error> {
        d.deserialize_any(CapacityVisitor)
    }
}

struct CapacityVisitor;

const CAPACITY: &str = "a whole number >= 0 or `unlimited`";

impl<'de> Visitor<'de> for CapacityVisitor {
    type Value = RawCapacity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(CAPACITY)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawCapacity, E> {
        u32::try_from(v).map(RawCapacity::Limited).map_err(|_| {
            E::custom(format!(
                "expected {CAPACITY}, found {v}, which is too large"
            ))
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawCapacity, E> {
        if v >= 0 {
            self.visit_u64(v as u64)
        } else {
            Err(E::custom(format!("expected {CAPACITY}, found {v}")))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawCapacity, E> {
        // `1e6` is a whole number written in exponent form.
        match whole::from_f64(v) {
            Some(n) => self.visit_u64(n),
            None => Err(E::custom(format!(
                "expected {CAPACITY}, found {v}, which is not a whole number"
            ))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCapacity, E> {
        if v == "unlimited" {
            return Ok(RawCapacity::Unlimited);
        }
        let mut msg = format!("expected {CAPACITY}, found `{v}`");
        if let Ok(n) = v.trim().parse::<u32>() {
            msg += &format!("; did you mean `{n}`, without quotes?");
        } else if super::error::closest(v, ["unlimited"]).is_some() {
            msg += "; did you mean `unlimited`?";
        }
        Err(E::custom(msg))
    }
}

/// A distribution as written: a bare duration, `{exp: ..}`, `{lognormal: {median, p95}}`
/// or `{uniform: [low, high]}`.
#[derive(Debug, Clone, PartialEq)]
pub enum RawDist {
    Fixed(Dur),
    Exp(Dur),
    LogNormal { median: Dur, p95: Dur },
    Uniform(Dur, Dur),
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "lognormal: a mapping with `median` and `p95`"
)]
struct RawLogNormal {
    median: Dur,
    p95: Dur,
}

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawDist, D::Error> {
        d.deserialize_any(DistVisitor)
    }
}

struct DistVisitor;

impl<'de> Visitor<'de> for DistVisitor {
    type Value = RawDist;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a duration (fixed) or a distribution: `{exp: 10m}`, \
             `{lognormal: {median: 5m, p95: 30m}}` or `{uniform: [2m, 10m]}`",
        )
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDist, E> {
        Dur::deserialize(de::value::U64Deserializer::<E>::new(v)).map(RawDist::Fixed)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDist, E> {
        Dur::deserialize(de::value::I64Deserializer::<E>::new(v)).map(RawDist::Fixed)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDist, E> {
        Dur::deserialize(de::value::F64Deserializer::<E>::new(v)).map(RawDist::Fixed)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDist, E> {
        Dur::deserialize(de::value::StrDeserializer::<E>::new(v)).map(RawDist::Fixed)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDist, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "expected one of `exp`, `lognormal`, `uniform`, found an empty mapping",
            ));
        };
        let dist = match key.as_str() {
            "exp" => RawDist::Exp(map.next_value()?),
            "lognormal" => {
                let l: RawLogNormal = map.next_value()?;
                RawDist::LogNormal {
                    median: l.median,
                    p95: l.p95,
                }
            }
            "uniform" => {
                let v: Vec<Dur> = map.next_value()?;
                let n = v.len();
                let mut it = v.into_iter();
                match (it.next(), it.next(), it.next()) {
                    (Some(lo), Some(hi), None) => RawDist::Uniform(lo, hi),
                    _ => {
                        return Err(de::Error::custom(format!(
                            "expected `uniform: [low, high]` with two durations, found {n}"
                        )));
                    }
                }
            }
            other => {
                return Err(de::Error::custom(format!(
                    "unknown distribution `{other}`, expected one of `exp`, `lognormal`, `uniform`"
                )));
            }
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "expected exactly one of `exp`, `lognormal`, `uniform`, found also `{extra}`"
            )));
        }
        Ok(dist)
    }
}

/// A mapping kept in file order (for `protocols`). Duplicate keys are refused when the
/// file is first read into a `serde_yaml::Value`.
#[derive(Debug)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ordered<T>, D::Error> {
        d.deserialize_map(OrderedVisitor(PhantomData))
    }
}

struct OrderedVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
    type Value = Ordered<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping from id to definition")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<T>, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value::<T>()?;
            out.push((k, v));
        }
        Ok(Ordered(out))
    }
}
