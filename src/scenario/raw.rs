//! The scenario file as written: serde structs that mirror the YAML, unknown fields refused.
//!
//! Optional fields are `Option`s here; `validate` applies the defaults, checks ranges and
//! resolves ids.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::duration::Dur;

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a scenario: a mapping with `name`, `horizon`, `platforms` and `content`"
)]
pub struct RawScenario {
    pub name: String,
    pub description: Option<String>,
    pub horizon: Dur,
    pub sample_every: Option<Dur>,
    #[serde(default, deserialize_with = "whole::opt_u32")]
    pub replications: Option<u32>,
    #[serde(default, deserialize_with = "whole::opt_u64")]
    pub seed: Option<u64>,
    pub limits: Option<RawLimits>,
    pub platforms: Vec<RawPlatform>,
    pub links: Option<Vec<RawLink>>,
    pub content: Vec<RawContent>,
    pub campaigns: Option<Vec<RawCampaign>>,
    pub authorities: Option<Vec<RawAuthority>>,
    pub hash_sharing: Option<RawHashSharing>,
    pub protocols: Option<Ordered<RawProtocol>>,
    pub variants: Option<Vec<RawVariant>>,
    pub injects: Option<Vec<RawInject>>,
    pub objectives: Option<Vec<RawObjective>>,
}

/// An exercise objective: an id, a description and exactly one criterion.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an objective: a mapping with `id`, `description` and one of `activate_within`, `notify_within`, `refer_within`, `exposure_below`, `peak_live_below`"
)]
pub struct RawObjective {
    pub id: String,
    pub description: Option<String>,
    pub activate_within: Option<Dur>,
    pub notify_within: Option<Dur>,
    pub refer_within: Option<Dur>,
    pub exposure_below: Option<f64>,
    pub peak_live_below: Option<f64>,
    /// With `activate_within` or `notify_within`: the protocol meant (part II; default:
    /// any).
    pub protocol: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "limits: a mapping with `max_copies`, `max_events`"
)]
pub struct RawLimits {
    #[serde(default, deserialize_with = "whole::opt_u64")]
    pub max_copies: Option<u64>,
    #[serde(default, deserialize_with = "whole::opt_u64")]
    pub max_events: Option<u64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawJurisdiction {
    Eu,
    NonEu,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a platform: a mapping with `id`, `views_per_hour`, `attention_half_life`, `review`, ..."
)]
pub struct RawPlatform {
    pub id: String,
    pub name: Option<String>,
    pub jurisdiction: Option<RawJurisdiction>,
    pub protocol_member: Option<bool>,
    pub hash_sharing_member: Option<bool>,
    pub views_per_hour: f64,
    pub attention_half_life: Dur,
    pub hash_recall: Option<f64>,
    /// What a hash match does: block the upload, or publish it and send it to review.
    pub on_match: Option<RawOnMatch>,
    pub detection: Option<RawDetection>,
    pub review: RawReview,
    pub crisis_posture: Option<RawCrisisPosture>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawOnMatch {
    Block,
    Review,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "detection: a mapping with `proactive_per_hour`, `flags_per_1k_views`"
)]
pub struct RawDetection {
    pub proactive_per_hour: Option<f64>,
    pub flags_per_1k_views: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "review: a mapping with `reviewers`, `time` and optionally `accuracy`"
)]
pub struct RawReview {
    pub reviewers: RawCapacity,
    pub time: RawDist,
    pub accuracy: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "crisis_posture: a mapping with `reviewers`, `ramp`, `proactive_per_hour`, `on_match`, `views_factor`"
)]
pub struct RawCrisisPosture {
    pub reviewers: Option<RawCapacity>,
    pub ramp: Option<Dur>,
    pub proactive_per_hour: Option<f64>,
    pub on_match: Option<RawOnMatch>,
    pub views_factor: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a link: a mapping with `from`, `to`, `per_hour` and optionally `kind`, `click_through`"
)]
pub struct RawLink {
    pub from: String,
    pub to: String,
    pub per_hour: f64,
    pub kind: Option<RawLinkKind>,
    pub click_through: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawLinkKind {
    Upload,
    Post,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawContentKind {
    Video,
    Livestream,
    Document,
    Image,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a content item: a mapping with `id`, `origin`, ..."
)]
pub struct RawContent {
    pub id: String,
    pub kind: Option<RawContentKind>,
    pub origin: RawOrigin,
    pub virality: Option<f64>,
    pub mutation: Option<f64>,
    pub live: Option<RawLive>,
}

/// The live phase of a livestream's origin copy.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "live: a mapping with `for`, `views_per_hour` and optionally `flags_per_1k_views`"
)]
pub struct RawLive {
    #[serde(rename = "for")]
    pub for_: Dur,
    pub views_per_hour: f64,
    pub flags_per_1k_views: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "origin: a mapping with `platform` and `at`"
)]
pub struct RawOrigin {
    pub platform: String,
    pub at: Option<Dur>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a campaign: a mapping with `content`, `platforms`, `start`, `end`, `per_hour`, `new_variant`"
)]
pub struct RawCampaign {
    pub content: String,
    pub platforms: Vec<String>,
    pub start: Option<Dur>,
    pub end: Option<Dur>,
    pub per_hour: f64,
    pub new_variant: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawIssues {
    Referral,
    RemovalOrder,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an authority: a mapping with `id`, `monitors`, `finds_per_hour`, ..."
)]
pub struct RawAuthority {
    pub id: String,
    pub name: Option<String>,
    pub monitors: Vec<String>,
    pub finds_per_hour: f64,
    pub analysts: Option<RawCapacity>,
    pub referral_time: Option<RawDist>,
    pub issues: Option<RawIssues>,
    pub removal_order: Option<RawRemovalOrder>,
    pub acceptance: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "removal_order: a mapping with `deadline`, `compliance`"
)]
pub struct RawRemovalOrder {
    pub deadline: Option<Dur>,
    pub compliance: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "hash_sharing: a mapping with `delay`, `sweep`, `sweep_time`"
)]
pub struct RawHashSharing {
    pub delay: Option<Dur>,
    pub sweep: Option<bool>,
    pub sweep_time: Option<Dur>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a protocol: a mapping with `activation`, `notify_time`, ..."
)]
pub struct RawProtocol {
    pub members: Option<Vec<String>>,
    pub activation: Option<RawActivation>,
    pub notify_time: Option<Dur>,
    pub hash_sharing_delay: Option<Dur>,
    pub url_sharing: Option<Dur>,
    pub authority_boost: Option<f64>,
    pub deactivation: Option<RawDeactivation>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "activation: a mapping with `confirmed_removals`, `platforms`, `detections`, `platforms_reached`, `after`, `content`, `or_at`, `decision_time`"
)]
pub struct RawActivation {
    #[serde(default, deserialize_with = "whole::opt_u32")]
    pub confirmed_removals: Option<u32>,
    #[serde(default, deserialize_with = "whole::opt_u32")]
    pub platforms: Option<u32>,
    #[serde(default, deserialize_with = "whole::opt_u32")]
    pub detections: Option<u32>,
    #[serde(default, deserialize_with = "whole::opt_u32")]
    pub platforms_reached: Option<u32>,
    pub after: Option<String>,
    pub content: Option<Vec<String>>,
    pub or_at: Option<Dur>,
    pub decision_time: Option<Dur>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "deactivation: a mapping with `quiet_for`"
)]
pub struct RawDeactivation {
    pub quiet_for: Dur,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a variant: a mapping with `name`, `protocol` and optionally `set`"
)]
pub struct RawVariant {
    pub name: String,
    pub protocol: Option<OneOrMany>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawInjectKind {
    Message,
    Virality,
    Upload,
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

/// One inject: the fields of every kind; `validate` refuses the ones that do not apply.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an inject: a mapping with `at`, `kind`, ..."
)]
pub struct RawInject {
    pub at: Dur,
    pub kind: RawInjectKind,
    pub note: Option<String>,
    // MSEL (facilitator) fields, any kind.
    pub delivery: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub expected_action: Option<String>,
    // virality, upload, outage
    pub platform: Option<String>,
    // virality
    pub factor: Option<f64>,
    #[serde(rename = "for")]
    pub for_: Option<Dur>,
    // upload
    pub content: Option<String>,
    #[serde(default, deserialize_with = "whole::opt_u32")]
    pub count: Option<u32>,
    pub new_variant: Option<bool>,
    // outage
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
