//! Check a [`RawScenario`] and turn it into a [`Model`]: defaults applied, ranges checked,
//! ids resolved to indices, durations in minutes and rates per minute.
//!
//! Every problem is collected (not just the first), each located by a field path like
//! `platforms[videotube].review.accuracy` (`[id]` for items with a valid, unique id,
//! `[index]` otherwise).

use std::collections::HashMap;

use super::duration::Dur;
use super::error::{Problem, did_you_mean, list_names, render};
use super::lookalike;
use super::model::*;
use super::raw::*;

/// The engine records which authorities found a copy in a u64 bitmask.
pub const MAX_AUTHORITIES: usize = 64;
/// Most platforms (the runaway analysis and the outputs grow with the square and the
/// number of platforms; crisis scenarios have tens).
pub const MAX_PLATFORMS: usize = 1000;
/// Longest horizon, in minutes (10 years: crisis scenarios span hours to days, and far
/// beyond this, simulated times lose the precision of minutes).
pub const MAX_HORIZON: f64 = 3650.0 * 1440.0;
/// Most time-series rows per run (samples times platforms).
pub const MAX_SAMPLE_ROWS: f64 = 1_000_000.0;
/// Most copies one `upload` inject uploads.
pub const MAX_UPLOAD_COUNT: u32 = 1_000_000;

/// Defaults where the file is silent.
pub mod defaults {
    pub const SAMPLE_EVERY: f64 = 15.0;
    pub const REPLICATIONS: u32 = 100;
    pub const SEED: u64 = 1;
    /// Views of a linked copy per view of a post linking to it (contract section 18).
    pub const CLICK_THROUGH: f64 = 0.05;
    pub const MAX_COPIES: u64 = 20_000_000;
    pub const REVIEW_ACCURACY: f64 = 1.0;
    pub const HASH_SHARING_DELAY: f64 = 6.0 * 60.0;
    pub const SWEEP_TIME: f64 = 30.0;
    pub const ANALYSTS: u32 = 1;
    pub const REMOVAL_ORDER_DEADLINE: f64 = 60.0;
    pub const REMOVAL_ORDER_COMPLIANCE: f64 = 1.0;
    pub const VIRALITY: f64 = 1.0;
    pub const AUTHORITY_BOOST: f64 = 1.0;
    pub const BASELINE_VARIANT: &str = "baseline";
}

/// The built-in protocol that never activates.
pub const NONE_PROTOCOL: &str = "none";

/// Whether `id` matches `[a-z0-9][a-z0-9-]*`.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A valid id close to an invalid one (`Video Tube` -> `video-tube`).
fn id_suggestion(id: &str) -> Option<String> {
    let mut s = String::new();
    for c in lookalike::fold(id.trim()).chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            s.push(c);
        } else if (c == '-' || c == '_' || c == ' ' || c == '.')
            && !s.is_empty()
            && !s.ends_with('-')
        {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    (is_valid_id(&s) && s != id).then_some(s)
}

/// Ids of one list, their labels for field paths, and their indices.
struct Ids {
    /// `list[id]` or `list[index]` for each item.
    labels: Vec<String>,
    index: HashMap<String, usize>,
    /// Valid ids in list order, for messages and hints.
    names: Vec<String>,
}

pub(crate) struct Checker {
    pub problems: Vec<Problem>,
}

impl Checker {
    pub fn new() -> Checker {
        Checker {
            problems: Vec::new(),
        }
    }

    fn err(&mut self, path: &str, msg: String) {
        self.problems.push(Problem::at_field(path, msg));
    }

    fn err_hint(&mut self, path: &str, msg: String, hint: Option<String>) {
        self.problems
            .push(Problem::at_field(path, msg).with_hint(hint));
    }

    fn finite(&mut self, path: &str, v: f64, expected: &str) -> bool {
        if v.is_finite() {
            true
        } else {
            self.err(path, format!("expected {expected}, found {v}"));
            false
        }
    }

    /// A `*_per_hour` rate, converted to per minute.
    fn rate(&mut self, path: &str, per_hour: f64) -> f64 {
        const WHAT: &str = "a rate per hour >= 0";
        if self.finite(path, per_hour, WHAT) && per_hour < 0.0 {
            self.err(path, format!("expected {WHAT}, found {per_hour}"));
        }
        per_hour / 60.0
    }

    fn non_negative(&mut self, path: &str, v: f64) -> f64 {
        const WHAT: &str = "a number >= 0";
        if self.finite(path, v, WHAT) && v < 0.0 {
            self.err(path, format!("expected {WHAT}, found {v}"));
        }
        v
    }

    fn positive(&mut self, path: &str, v: f64) -> f64 {
        const WHAT: &str = "a number > 0";
        if self.finite(path, v, WHAT) && v <= 0.0 {
            self.err(path, format!("expected {WHAT}, found {v}"));
        }
        v
    }

    fn prob(&mut self, path: &str, v: f64) -> f64 {
        const WHAT: &str = "a probability in [0, 1]";
        if self.finite(path, v, WHAT) && !(0.0..=1.0).contains(&v) {
            self.err(path, format!("expected {WHAT}, found {v}"));
        }
        v
    }

    fn positive_dur(&mut self, path: &str, d: &Dur) -> Minutes {
        if d.minutes <= 0.0 {
            self.err(path, format!("expected a duration > 0, found {d}"));
        }
        d.minutes
    }

    fn dist(&mut self, path: &str, d: &RawDist) -> Dist {
        match d {
            RawDist::Fixed(t) => Dist::Fixed(t.minutes),
            RawDist::Exp(mean) => {
                if mean.minutes <= 0.0 {
                    self.err_hint(
                        &format!("{path}.exp"),
                        format!("expected a mean > 0, found {mean}"),
                        Some("for no delay at all, write `0m`".to_string()),
                    );
                }
                Dist::Exp { mean: mean.minutes }
            }
            RawDist::LogNormal { median, p95 } => {
                if median.minutes <= 0.0 {
                    self.err(
                        &format!("{path}.lognormal.median"),
                        format!("expected a median > 0, found {median}"),
                    );
                } else if p95.minutes < median.minutes {
                    self.err(
                        &format!("{path}.lognormal.p95"),
                        format!("expected a p95 >= the median ({median}), found {p95}"),
                    );
                }
                Dist::LogNormal {
                    median: median.minutes,
                    p95: p95.minutes,
                }
            }
            RawDist::Uniform(low, high) => {
                if high.minutes < low.minutes {
                    self.err(
                        &format!("{path}.uniform"),
                        format!("expected [low, high] with low <= high, found [{low}, {high}]"),
                    );
                }
                Dist::Uniform {
                    low: low.minutes,
                    high: high.minutes,
                }
            }
        }
    }

    fn check_id(&mut self, path: &str, id: &str) {
        if !is_valid_id(id) {
            // A look-alike (a Cyrillic `о`, an en dash) cannot be seen: say which
            // character it is and where.
            let which = lookalike::first(id)
                .map(|l| format!(", whose {}", l.describe()))
                .unwrap_or_default();
            self.err_hint(
                path,
                format!(
                    "expected an id of lowercase letters, digits and `-`, not starting with `-`, found `{id}`{which}"
                ),
                id_suggestion(id).map(|s| format!("did you mean `{s}`?")),
            );
        }
    }

    /// Check the ids of a list (format, uniqueness) and index them.
    fn ids<'a>(&mut self, list: &str, what: &str, ids: impl Iterator<Item = &'a str>) -> Ids {
        let mut out = Ids {
            labels: Vec::new(),
            index: HashMap::new(),
            names: Vec::new(),
        };
        for (i, id) in ids.enumerate() {
            let valid = is_valid_id(id);
            let first = !out.index.contains_key(id);
            let label = if valid && first {
                format!("{list}[{id}]")
            } else {
                format!("{list}[{i}]")
            };
            self.check_id(&format!("{label}.id"), id);
            if valid && !first {
                let other = out.index[id];
                self.err(
                    &format!("{label}.id"),
                    format!("expected a unique {what} id, found `{id}` again (first used by {list}[{other}])"),
                );
            }
            if first {
                out.index.insert(id.to_string(), i);
                if valid {
                    out.names.push(id.to_string());
                } else if let Some(meant) = id_suggestion(id) {
                    // The id is reported above; references to the id it was meant to be
                    // resolve to it, rather than each being reported again.
                    out.index.entry(meant).or_insert(i);
                }
            }
            out.labels.push(label);
        }
        out
    }

    /// Resolve a reference to an item of `ids`; on failure report it and return 0.
    fn resolve(&mut self, path: &str, what: &str, id: &str, ids: &Ids) -> usize {
        if let Some(&i) = ids.index.get(id) {
            return i;
        }
        let which = lookalike::first(id)
            .map(|l| format!(", whose {}", l.describe()))
            .unwrap_or_default();
        let folded = lookalike::fold(id);
        let hint = match ids.names.iter().find(|n| **n == folded) {
            Some(meant) => Some(format!("did you mean `{meant}`?")),
            None => did_you_mean(&folded, ids.names.iter().map(String::as_str)),
        };
        self.err_hint(
            path,
            format!(
                "expected one of the {what} ids ({}), found `{id}`{which}",
                list_names(&ids.names)
            ),
            hint,
        );
        0
    }
}

fn on_match(m: RawOnMatch) -> OnMatch {
    match m {
        RawOnMatch::Block => OnMatch::Block,
        RawOnMatch::Review => OnMatch::Review,
    }
}

fn capacity(c: RawCapacity) -> Capacity {
    match c {
        RawCapacity::Limited(n) => Capacity::Limited(n),
        RawCapacity::Unlimited => Capacity::Unlimited,
    }
}

/// A variant as declared, checked but not yet built.
#[derive(Debug, Clone)]
pub(crate) struct VariantSpec {
    pub name: String,
    /// `variants[name]` or `variants[index]`.
    pub label: String,
    /// Indices into the protocols, in the order listed (empty: `none`).
    pub protocols: Vec<usize>,
    /// The `set` entries in file order: dotted path and value.
    pub sets: Vec<(String, serde_yaml::Value)>,
}

/// Check the variant list against the protocol ids (in file order).
pub(crate) fn check_variants(
    raw: Option<Vec<RawVariant>>,
    protocol_ids: &[String],
    c: &mut Checker,
) -> Vec<VariantSpec> {
    let Some(raw) = raw else {
        return vec![VariantSpec {
            name: defaults::BASELINE_VARIANT.to_string(),
            label: format!("variants[{}]", defaults::BASELINE_VARIANT),
            protocols: Vec::new(),
            sets: Vec::new(),
        }];
    };
    if raw.is_empty() {
        c.err_hint(
            "variants",
            "expected at least one variant, found an empty list".to_string(),
            Some(
                "omit `variants` for a single `baseline` variant with protocol `none`".to_string(),
            ),
        );
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    let mut candidates: Vec<&str> = vec![NONE_PROTOCOL];
    candidates.extend(protocol_ids.iter().map(String::as_str));
    for (i, v) in raw.into_iter().enumerate() {
        let name = one_line(v.name.trim().to_string());
        let first = !seen.contains_key(&name);
        let label = if !name.is_empty() && first {
            format!("variants[{name}]")
        } else {
            format!("variants[{i}]")
        };
        if name.is_empty() {
            c.err(
                &format!("{label}.name"),
                "expected a variant name, found an empty string".to_string(),
            );
        } else if !first {
            c.err(
                &format!("{label}.name"),
                format!(
                    "expected a unique variant name, found `{name}` again (first used by variants[{}])",
                    seen[&name]
                ),
            );
        } else {
            seen.insert(name.clone(), i);
        }
        let names: Vec<String> = match v.protocol {
            None => Vec::new(),
            Some(OneOrMany::One(p)) if p == NONE_PROTOCOL => Vec::new(),
            Some(OneOrMany::One(p)) => vec![p],
            Some(OneOrMany::Many(list)) => {
                if list.is_empty() {
                    c.err_hint(
                        &format!("{label}.protocol"),
                        "expected a protocol name or a list of them, found an empty list"
                            .to_string(),
                        Some("write `protocol: none` for a variant without a protocol".to_string()),
                    );
                }
                if list.len() > 1 && list.iter().any(|p| p == NONE_PROTOCOL) {
                    c.err_hint(
                        &format!("{label}.protocol"),
                        "expected `none` only on its own, found it in a list of protocols"
                            .to_string(),
                        Some("`none` means no protocol: remove it from the list".to_string()),
                    );
                }
                list.into_iter().filter(|p| p != NONE_PROTOCOL).collect()
            }
        };
        let mut protocols = Vec::new();
        for (k, p) in names.iter().enumerate() {
            match protocol_ids.iter().position(|id| id == p) {
                Some(i) if protocols.contains(&i) => c.err(
                    &format!("{label}.protocol"),
                    format!("expected each protocol once, found `{p}` twice"),
                ),
                Some(i) => protocols.push(i),
                None => {
                    let field = if names.len() > 1 {
                        format!("{label}.protocol[{k}]")
                    } else {
                        format!("{label}.protocol")
                    };
                    c.err_hint(
                        &field,
                        format!(
                            "expected `none` or a protocol defined in `protocols` ({}), found `{p}`",
                            list_names(protocol_ids)
                        ),
                        did_you_mean(p, candidates.iter().copied()),
                    );
                }
            }
        }
        let mut sets = Vec::new();
        for (k, val) in v.set.unwrap_or_default() {
            match k {
                serde_yaml::Value::String(path) => sets.push((path, val)),
                other => c.err(
                    &format!("{label}.set"),
                    format!(
                        "expected dotted paths like `platforms.videotube.review.reviewers` as keys, found {}",
                        render(&other)
                    ),
                ),
            }
        }
        out.push(VariantSpec {
            name,
            label,
            protocols,
            sets,
        });
    }
    out
}

/// Check the experiment settings of a scenario (horizon, sample clock, replications,
/// seed).
pub(crate) fn build_experiment(raw: &RawScenario, c: &mut Checker) -> Experiment {
    let horizon = if raw.horizon.minutes > MAX_HORIZON {
        c.err(
            "horizon",
            format!(
                "expected a horizon of at most 3650d (10 years), found {}",
                raw.horizon
            ),
        );
        MAX_HORIZON
    } else {
        c.positive_dur("horizon", &raw.horizon)
    };
    let sample_every = match &raw.sample_every {
        Some(d) => c.positive_dur("sample_every", d),
        None => defaults::SAMPLE_EVERY,
    };
    let replications = raw.replications.unwrap_or(defaults::REPLICATIONS);
    if replications < 1 {
        c.err(
            "replications",
            format!("expected a number of replications >= 1, found {replications}"),
        );
    }
    Experiment {
        horizon,
        sample_every,
        replications,
        seed: raw.seed.unwrap_or(defaults::SEED),
    }
}

/// Free text from the file, made safe to print (see [`crate::text`]).
fn one_line(text: String) -> String {
    crate::text::one_line(&text).into_owned()
}

fn multi_line(text: String) -> String {
    crate::text::multi_line(&text).into_owned()
}

/// Check a scenario (without its variants) and build its model, for the experiment
/// `experiment` (already checked, from the same file).
pub(crate) fn build_model(raw: RawScenario, experiment: &Experiment, c: &mut Checker) -> Model {
    let RawScenario {
        name,
        description,
        horizon: _,
        sample_every,
        replications: _,
        seed: _,
        limits,
        platforms,
        links,
        content,
        campaigns,
        authorities,
        hash_sharing,
        protocols,
        variants: _,
        injects,
        objectives,
        roles,
    } = raw;

    if name.trim().is_empty() {
        c.err(
            "name",
            "expected a scenario name, found an empty string".to_string(),
        );
    }
    let Experiment {
        horizon,
        sample_every: sample_minutes,
        ..
    } = *experiment;
    let sample_every_text = sample_every
        .as_ref()
        .map_or_else(|| "15m".to_string(), |d| d.text.clone());
    let sample_every = sample_minutes;
    let limits = {
        let l = limits.unwrap_or(RawLimits {
            max_copies: None,
            max_events: None,
        });
        let max_copies = l.max_copies.unwrap_or(defaults::MAX_COPIES);
        if max_copies < 1 {
            c.err(
                "limits.max_copies",
                "expected a limit >= 1, found 0".to_string(),
            );
        }
        if l.max_events == Some(0) {
            c.err(
                "limits.max_events",
                "expected a limit >= 1, found 0".to_string(),
            );
        }
        Limits {
            max_copies,
            max_events: l.max_events,
        }
    };

    // Platforms.
    if platforms.is_empty() {
        c.err(
            "platforms",
            "expected at least one platform, found an empty list".to_string(),
        );
    }
    if platforms.len() > MAX_PLATFORMS {
        c.err(
            "platforms",
            format!(
                "expected at most {MAX_PLATFORMS} platforms, found {}",
                platforms.len()
            ),
        );
    }
    if horizon > 0.0 && sample_every > 0.0 {
        let rows = ((horizon / sample_every).ceil() + 1.0) * platforms.len() as f64;
        if rows > MAX_SAMPLE_ROWS {
            c.err_hint(
                "sample_every",
                format!(
                    "expected at most {MAX_SAMPLE_ROWS} time-series rows per run (one per sample and platform), found {rows}: a sample every {sample_every_text} over {} on {} platforms",
                    super::duration::format_minutes(horizon),
                    platforms.len()
                ),
                Some("sample less often".to_string()),
            );
        }
    }
    let pids = c.ids(
        "platforms",
        "platform",
        platforms.iter().map(|p| p.id.as_str()),
    );
    let mut model_platforms = Vec::with_capacity(platforms.len());
    for (i, p) in platforms.into_iter().enumerate() {
        let at = &pids.labels[i];
        let f = |field: &str| format!("{at}.{field}");
        let views_per_min = c.rate(&f("views_per_hour"), p.views_per_hour);
        let attention_half_life = c.positive_dur(&f("attention_half_life"), &p.attention_half_life);
        let hash_recall = p.hash_recall.map_or(0.0, |v| c.prob(&f("hash_recall"), v));
        let (proactive_per_min, flags_per_1k_views) = match p.detection {
            Some(d) => (
                d.proactive_per_hour
                    .map_or(0.0, |v| c.rate(&f("detection.proactive_per_hour"), v)),
                d.flags_per_1k_views.map_or(0.0, |v| {
                    c.non_negative(&f("detection.flags_per_1k_views"), v)
                }),
            ),
            None => (0.0, 0.0),
        };
        let review = Review {
            reviewers: capacity(p.review.reviewers),
            time: c.dist(&f("review.time"), &p.review.time),
            accuracy: p.review.accuracy.map_or(defaults::REVIEW_ACCURACY, |v| {
                c.prob(&f("review.accuracy"), v)
            }),
        };
        let crisis_posture = p.crisis_posture.map(|cp| CrisisPosture {
            reviewers: cp.reviewers.map(capacity),
            ramp: cp.ramp.map_or(0.0, |d| d.minutes),
            proactive_per_min: cp
                .proactive_per_hour
                .map(|v| c.rate(&f("crisis_posture.proactive_per_hour"), v)),
            on_match: cp.on_match.map(on_match),
            views_factor: cp.views_factor.map_or(1.0, |v| {
                c.non_negative(&f("crisis_posture.views_factor"), v)
            }),
        });
        model_platforms.push(Platform {
            name: one_line(p.name.unwrap_or_else(|| p.id.clone())),
            id: p.id,
            jurisdiction: match p.jurisdiction {
                Some(RawJurisdiction::Eu) => Jurisdiction::Eu,
                Some(RawJurisdiction::NonEu) | None => Jurisdiction::NonEu,
            },
            protocol_member: p.protocol_member.unwrap_or(false),
            hash_sharing_member: p.hash_sharing_member.unwrap_or(false),
            views_per_min,
            attention_half_life,
            hash_recall,
            on_match: p.on_match.map_or(OnMatch::Block, on_match),
            proactive_per_min,
            flags_per_1k_views,
            review,
            crisis_posture,
        });
    }

    // Links.
    let mut model_links = Vec::new();
    let mut seen_links: HashMap<(usize, usize, LinkKind), usize> = HashMap::new();
    for (i, l) in links.unwrap_or_default().into_iter().enumerate() {
        let at = format!("links[{i}]");
        let before = c.problems.len();
        let from = c.resolve(&format!("{at}.from"), "platform", &l.from, &pids);
        let to = c.resolve(&format!("{at}.to"), "platform", &l.to, &pids);
        let per_min = c.rate(&format!("{at}.per_hour"), l.per_hour);
        let kind = match l.kind {
            None | Some(RawLinkKind::Upload) => LinkKind::Upload,
            Some(RawLinkKind::Post) => LinkKind::Post,
        };
        let click_through = match (kind, l.click_through) {
            (LinkKind::Post, v) => v.map_or(defaults::CLICK_THROUGH, |v| {
                c.prob(&format!("{at}.click_through"), v)
            }),
            (LinkKind::Upload, None) => 0.0,
            (LinkKind::Upload, Some(_)) => {
                c.err_hint(
                    &format!("{at}.click_through"),
                    "expected `click_through` only on a link of `kind: post`, found it on an upload link".to_string(),
                    Some("add `kind: post` if the link is posts pointing at the copy, or remove `click_through`".to_string()),
                );
                0.0
            }
        };
        if c.problems.len() == before {
            if let Some(j) = seen_links.get(&(from, to, kind)) {
                c.err_hint(
                    &at,
                    format!(
                        "expected one {} link per (from, to) pair, found {} -> {} again (first at links[{j}])",
                        kind.as_str(),
                        l.from,
                        l.to
                    ),
                    Some("add their rates into one link".to_string()),
                );
            } else {
                seen_links.insert((from, to, kind), i);
            }
        }
        model_links.push(Link {
            from,
            to,
            per_min,
            kind,
            click_through,
        });
    }

    // Content.
    if content.is_empty() {
        c.err(
            "content",
            "expected at least one content item, found an empty list".to_string(),
        );
    }
    let cids = c.ids("content", "content", content.iter().map(|x| x.id.as_str()));
    let mut contents = Vec::with_capacity(content.len());
    for (i, x) in content.into_iter().enumerate() {
        let at = &cids.labels[i];
        let origin_platform = c.resolve(
            &format!("{at}.origin.platform"),
            "platform",
            &x.origin.platform,
            &pids,
        );
        let kind = match x.kind {
            None | Some(RawContentKind::Video) => ContentKind::Video,
            Some(RawContentKind::Livestream) => ContentKind::Livestream,
            Some(RawContentKind::Document) => ContentKind::Document,
            Some(RawContentKind::Image) => ContentKind::Image,
        };
        let live = x.live.map(|l| {
            if kind != ContentKind::Livestream {
                c.err_hint(
                    &format!("{at}.live"),
                    format!(
                        "expected `live` only on content of `kind: livestream`, found it on `kind: {}`",
                        kind.as_str()
                    ),
                    Some("a live phase is a stream being broadcast: set `kind: livestream`, or remove `live`".to_string()),
                );
            }
            LivePhase {
                duration: c.positive_dur(&format!("{at}.live.for"), &l.for_),
                views_per_min: c.rate(&format!("{at}.live.views_per_hour"), l.views_per_hour),
                flags_per_1k_views: l
                    .flags_per_1k_views
                    .map(|v| c.non_negative(&format!("{at}.live.flags_per_1k_views"), v)),
            }
        });
        contents.push(Content {
            id: x.id,
            kind,
            live,
            origin_platform,
            origin_at: x.origin.at.map_or(0.0, |d| d.minutes),
            virality: x.virality.map_or(defaults::VIRALITY, |v| {
                c.non_negative(&format!("{at}.virality"), v)
            }),
            mutation: x
                .mutation
                .map_or(0.0, |v| c.prob(&format!("{at}.mutation"), v)),
        });
    }

    // Campaigns.
    let mut model_campaigns = Vec::new();
    for (i, k) in campaigns.unwrap_or_default().into_iter().enumerate() {
        let at = format!("campaigns[{i}]");
        let content = c.resolve(&format!("{at}.content"), "content", &k.content, &cids);
        if k.platforms.is_empty() {
            c.err(
                &format!("{at}.platforms"),
                "expected at least one platform, found an empty list".to_string(),
            );
        }
        let plats = resolve_list(c, &format!("{at}.platforms"), &k.platforms, &pids);
        let start = k.start.as_ref().map_or(0.0, |d| d.minutes);
        let end = k.end.as_ref().map_or(horizon, |d| d.minutes);
        if let Some(e) = &k.end
            && end < start
        {
            c.err(
                &format!("{at}.end"),
                format!(
                    "expected an end >= the start ({}), found {e}",
                    k.start
                        .as_ref()
                        .map_or_else(|| "0m".to_string(), |s| s.text.clone())
                ),
            );
        }
        model_campaigns.push(Campaign {
            content,
            platforms: plats,
            start,
            end,
            per_min: c.rate(&format!("{at}.per_hour"), k.per_hour),
            new_variant: k
                .new_variant
                .map_or(0.0, |v| c.prob(&format!("{at}.new_variant"), v)),
        });
    }

    // Authorities.
    let authorities = authorities.unwrap_or_default();
    if authorities.len() > MAX_AUTHORITIES {
        c.err(
            "authorities",
            format!(
                "expected at most {MAX_AUTHORITIES} authorities, found {}",
                authorities.len()
            ),
        );
    }
    let aids = c.ids(
        "authorities",
        "authority",
        authorities.iter().map(|a| a.id.as_str()),
    );
    let mut model_authorities = Vec::with_capacity(authorities.len());
    for (i, a) in authorities.into_iter().enumerate() {
        let at = &aids.labels[i];
        if a.monitors.is_empty() {
            c.err(
                &format!("{at}.monitors"),
                "expected at least one platform, found an empty list".to_string(),
            );
        }
        let monitors = resolve_list(c, &format!("{at}.monitors"), &a.monitors, &pids);
        let finds_per_min = c.rate(&format!("{at}.finds_per_hour"), a.finds_per_hour);
        let referral_time = match &a.referral_time {
            Some(d) => c.dist(&format!("{at}.referral_time"), d),
            None => Dist::Fixed(0.0),
        };
        let removal_order = match a.removal_order {
            Some(r) => RemovalOrderTerms {
                deadline: r
                    .deadline
                    .map_or(defaults::REMOVAL_ORDER_DEADLINE, |d| d.minutes),
                compliance: r
                    .compliance
                    .map_or(defaults::REMOVAL_ORDER_COMPLIANCE, |v| {
                        c.prob(&format!("{at}.removal_order.compliance"), v)
                    }),
            },
            None => RemovalOrderTerms {
                deadline: defaults::REMOVAL_ORDER_DEADLINE,
                compliance: defaults::REMOVAL_ORDER_COMPLIANCE,
            },
        };
        model_authorities.push(Authority {
            name: one_line(a.name.unwrap_or_else(|| a.id.clone())),
            id: a.id,
            monitors,
            finds_per_min,
            analysts: a
                .analysts
                .map_or(Capacity::Limited(defaults::ANALYSTS), capacity),
            referral_time,
            issues: match a.issues {
                None | Some(RawIssues::Referral) => Issues::Referral,
                Some(RawIssues::RemovalOrder) => Issues::RemovalOrder,
            },
            removal_order,
            acceptance: a.acceptance.map(|v| c.prob(&format!("{at}.acceptance"), v)),
        });
    }

    // Hash sharing.
    let hash_sharing = match hash_sharing {
        Some(h) => HashSharing {
            delay: h.delay.map_or(defaults::HASH_SHARING_DELAY, |d| d.minutes),
            sweep: h.sweep.unwrap_or(false),
            sweep_time: h.sweep_time.map_or(defaults::SWEEP_TIME, |d| d.minutes),
        },
        None => HashSharing {
            delay: defaults::HASH_SHARING_DELAY,
            sweep: false,
            sweep_time: defaults::SWEEP_TIME,
        },
    };

    // Protocols.
    let protocols = protocols.map(|o| o.0).unwrap_or_default();
    let protocol_ids: Vec<String> = protocols.iter().map(|(id, _)| id.clone()).collect();
    let mut model_protocols = Vec::with_capacity(protocols.len());
    let n_platforms = model_platforms.len();
    let default_members: Vec<PlatformIdx> = model_platforms
        .iter()
        .enumerate()
        .filter(|(_, p)| p.protocol_member)
        .map(|(i, _)| i)
        .collect();
    for (id, p) in protocols {
        let at = format!("protocols.{id}");
        if id == NONE_PROTOCOL {
            c.err(
                &at,
                "expected a protocol id other than `none`, which is built in (it never activates) and cannot be redefined"
                    .to_string(),
            );
        } else {
            c.check_id(&at, &id);
        }
        let (members, members_listed) = match &p.members {
            None => (default_members.clone(), false),
            Some(list) => {
                if list.is_empty() {
                    c.err_hint(
                        &format!("{at}.members"),
                        "expected at least one member platform, found an empty list".to_string(),
                        Some(
                            "omit `members` for the platforms with `protocol_member: true`"
                                .to_string(),
                        ),
                    );
                }
                let mut m = resolve_list(c, &format!("{at}.members"), list, &pids);
                m.sort_unstable();
                (m, true)
            }
        };
        let activation = match p.activation {
            Some(a) => {
                let aat = format!("{at}.activation");
                if a.confirmed_removals.is_none()
                    && a.detections.is_none()
                    && a.platforms_reached.is_none()
                    && a.after.is_none()
                    && a.or_at.is_none()
                {
                    c.err(
                        &aat,
                        "expected a trigger (`confirmed_removals`, `detections`, `platforms_reached`, `after` or `or_at`), found none, so the protocol could never activate"
                            .to_string(),
                    );
                }
                for (field, value, hint) in [
                    (
                        "confirmed_removals",
                        a.confirmed_removals,
                        "to activate at once, write `or_at: 0m`",
                    ),
                    (
                        "detections",
                        a.detections,
                        "to activate at once, write `or_at: 0m`",
                    ),
                    (
                        "platforms_reached",
                        a.platforms_reached,
                        "the origin's platform is the first one reached",
                    ),
                ] {
                    if value == Some(0) {
                        c.err_hint(
                            &format!("{aat}.{field}"),
                            "expected a count >= 1, found 0".to_string(),
                            Some(hint.to_string()),
                        );
                    }
                }
                let platforms = a.platforms.unwrap_or(1);
                if platforms < 1 {
                    c.err(
                        &format!("{aat}.platforms"),
                        "expected a number of platforms >= 1, found 0".to_string(),
                    );
                } else if a.confirmed_removals.is_some() && platforms as usize > n_platforms {
                    c.err(
                        &format!("{aat}.platforms"),
                        format!(
                            "expected at most the number of platforms ({n_platforms}), found {platforms}"
                        ),
                    );
                }
                if let Some(n) = a.platforms_reached
                    && n as usize > n_platforms
                {
                    c.err(
                        &format!("{aat}.platforms_reached"),
                        format!(
                            "expected at most the number of platforms ({n_platforms}), found {n}"
                        ),
                    );
                }
                let after = a.after.as_ref().and_then(|name| {
                    let k = protocol_ids.iter().position(|p| p == name);
                    if k.is_none() {
                        c.err_hint(
                            &format!("{aat}.after"),
                            format!(
                                "expected another protocol of this scenario ({}), found `{name}`",
                                list_names(&protocol_ids)
                            ),
                            did_you_mean(name, protocol_ids.iter().map(String::as_str)),
                        );
                    }
                    k
                });
                let content = a.content.as_ref().map(|list| {
                    if list.is_empty() {
                        c.err_hint(
                            &format!("{aat}.content"),
                            "expected at least one content item, found an empty list".to_string(),
                            Some("omit `content` to count every content item".to_string()),
                        );
                    }
                    resolve_list(c, &format!("{aat}.content"), list, &cids)
                });
                Activation {
                    confirmed_removals: a.confirmed_removals,
                    platforms,
                    detections: a.detections,
                    platforms_reached: a.platforms_reached,
                    after,
                    content,
                    or_at: a.or_at.map(|d| d.minutes),
                    decision_time: a.decision_time.map_or(0.0, |d| d.minutes),
                }
            }
            None => Activation {
                confirmed_removals: None,
                platforms: 1,
                detections: None,
                platforms_reached: None,
                after: None,
                content: None,
                or_at: None,
                decision_time: 0.0,
            },
        };
        let deactivation_quiet_for = p
            .deactivation
            .map(|d| c.positive_dur(&format!("{at}.deactivation.quiet_for"), &d.quiet_for));
        model_protocols.push(Protocol {
            members,
            members_listed,
            activation,
            notify_time: p.notify_time.map_or(0.0, |d| d.minutes),
            hash_sharing_delay: p.hash_sharing_delay.map(|d| d.minutes),
            url_sharing: p.url_sharing.map(|d| d.minutes),
            authority_boost: p.authority_boost.map_or(defaults::AUTHORITY_BOOST, |v| {
                c.non_negative(&format!("{at}.authority_boost"), v)
            }),
            deactivation_quiet_for,
            id,
        });
    }
    check_after_cycles(c, &model_protocols);

    // Injects.
    let mut model_injects = Vec::new();
    for (i, x) in injects.unwrap_or_default().into_iter().enumerate() {
        let at = format!("injects[{i}]");
        if let Some(kind) = inject_kind(c, &at, &x, &pids, &cids) {
            model_injects.push(Inject {
                at: x.at.minutes,
                kind,
                note: x.note.map(multi_line),
                delivery: InjectDelivery {
                    delivery: x.delivery.map(one_line),
                    from: x.from.map(one_line),
                    to: x.to.map(one_line),
                    expected_action: x.expected_action.map(multi_line),
                },
            });
        }
    }

    // With problems the model is thrown away, but it is still built whole: links that
    // name no platform (resolved to index 0, which may not exist) stay out of the graph.
    let n = model_platforms.len();
    let graph = if model_links.iter().all(|l| l.from < n && l.to < n) {
        Model::build_graph(n, &model_links)
    } else {
        Model::build_graph(n, &[])
    };
    Model {
        name: one_line(name),
        description: description.map(multi_line),
        limits,
        platforms: model_platforms,
        links: model_links,
        graph,
        contents,
        campaigns: model_campaigns,
        authorities: model_authorities,
        hash_sharing,
        protocols: model_protocols,
        injects: model_injects,
        objectives: build_objectives(c, objectives.unwrap_or_default(), &protocol_ids),
        roles: build_roles(c, roles.unwrap_or_default(), &pids, &aids),
    }
}

/// Training-session roles: ids checked, each decision kind once, platforms and
/// authorities resolved.
fn build_roles(c: &mut Checker, raw: Vec<RawRole>, pids: &Ids, aids: &Ids) -> Vec<Role> {
    let ids = c.ids("roles", "role", raw.iter().map(|r| r.id.as_str()));
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let label = ids.labels[i].clone();
        if r.decisions.is_empty() {
            c.err_hint(
                &format!("{label}.decisions"),
                "expected at least one decision the role may take, found an empty list".to_string(),
                Some(
                    "list some of activate, notify, push-hashes, refer, order, surge, note".into(),
                ),
            );
        }
        let mut decisions = Vec::new();
        for (k, d) in r.decisions.iter().enumerate() {
            if decisions.contains(d) {
                c.err(
                    &format!("{label}.decisions[{k}]"),
                    format!("expected each decision once, found `{}` again", d.word()),
                );
            } else {
                decisions.push(*d);
            }
        }
        let mut resolve_all = |field: &str, what: &str, list: Option<Vec<String>>, ids: &Ids| {
            let mut got: Vec<usize> = Vec::new();
            for (k, id) in list.unwrap_or_default().iter().enumerate() {
                let path = format!("{label}.{field}[{k}]");
                let n = c.resolve(&path, what, id, ids);
                if got.contains(&n) && ids.index.contains_key(id.as_str()) {
                    c.err(
                        &path,
                        format!("expected each {what} once, found `{id}` again"),
                    );
                } else {
                    got.push(n);
                }
            }
            got
        };
        let platforms = resolve_all("platforms", "platform", r.platforms, pids);
        let authorities = resolve_all("authorities", "authority", r.authorities, aids);
        out.push(Role {
            name: one_line(r.name.unwrap_or_else(|| r.id.clone())),
            id: r.id,
            decisions,
            platforms,
            authorities,
        });
    }
    out
}

/// Exercise objectives: ids checked, exactly one criterion each.
/// A chain of `after`s that comes back to where it started can never fire: refuse it,
/// naming the chain.
fn check_after_cycles(c: &mut Checker, protocols: &[Protocol]) {
    let mut reported = vec![false; protocols.len()];
    for start in 0..protocols.len() {
        let mut chain = vec![start];
        let mut at = start;
        while let Some(next) = protocols[at].activation.after {
            if next >= protocols.len() {
                break;
            }
            if let Some(k) = chain.iter().position(|&p| p == next) {
                let cycle = &chain[k..];
                if !cycle.iter().any(|&p| reported[p]) {
                    let names: Vec<&str> = cycle
                        .iter()
                        .chain(std::iter::once(&next))
                        .map(|&p| protocols[p].id.as_str())
                        .collect();
                    c.err_hint(
                        &format!("protocols.{}.activation.after", protocols[cycle[0]].id),
                        format!(
                            "expected a chain of `after`s that starts somewhere, found a cycle: {}",
                            names.join(" after ")
                        ),
                        Some("one protocol of the chain needs a trigger of its own (a count or `or_at`) instead of `after`".to_string()),
                    );
                    for &p in cycle {
                        reported[p] = true;
                    }
                }
                break;
            }
            chain.push(next);
            at = next;
        }
    }
}

fn build_objectives(
    c: &mut Checker,
    raw: Vec<RawObjective>,
    protocol_ids: &[String],
) -> Vec<Objective> {
    let ids = c.ids("objectives", "objective", raw.iter().map(|o| o.id.as_str()));
    let mut out = Vec::new();
    for (i, o) in raw.into_iter().enumerate() {
        let label = ids.labels[i].clone();
        let mut criteria = Vec::new();
        if let Some(d) = &o.activate_within {
            criteria.push((
                ObjectiveCriterion::ActivateWithin(d.minutes),
                format!("Activate the crisis protocol within {d}"),
            ));
        }
        if let Some(d) = &o.notify_within {
            criteria.push((
                ObjectiveCriterion::NotifyWithin(d.minutes),
                format!("Notify member platforms within {d}"),
            ));
        }
        if let Some(d) = &o.refer_within {
            criteria.push((
                ObjectiveCriterion::ReferWithin(d.minutes),
                format!("Send a first referral or removal order within {d}"),
            ));
        }
        for (field, value, make, words) in [
            (
                "exposure_below",
                o.exposure_below,
                ObjectiveCriterion::ExposureBelow as fn(f64) -> ObjectiveCriterion,
                "Keep exposure below",
            ),
            (
                "peak_live_below",
                o.peak_live_below,
                ObjectiveCriterion::PeakLiveBelow,
                "Keep peak live copies below",
            ),
        ] {
            if let Some(x) = value {
                if x.is_finite() && x > 0.0 {
                    criteria.push((make(x), format!("{words} {x}")));
                } else {
                    c.err(
                        &format!("{label}.{field}"),
                        format!("expected a number above 0, found {x}"),
                    );
                }
            }
        }
        let protocol = o.protocol.as_ref().and_then(|name| {
            let k = protocol_ids.iter().position(|p| p == name);
            if k.is_none() {
                c.err_hint(
                    &format!("{label}.protocol"),
                    format!(
                        "expected a protocol of this scenario ({}), found `{name}`",
                        list_names(protocol_ids)
                    ),
                    did_you_mean(name, protocol_ids.iter().map(String::as_str)),
                );
            }
            k
        });
        if o.protocol.is_some() && o.activate_within.is_none() && o.notify_within.is_none() {
            c.err(
                &format!("{label}.protocol"),
                "expected `protocol` only with `activate_within` or `notify_within`, which it says which protocol they mean"
                    .to_string(),
            );
        }
        match criteria.len() {
            1 => {
                let (criterion, mut words) = criteria.remove(0);
                if let Some(name) = &o.protocol {
                    words = words.replace("the crisis protocol", &format!("protocol {name}"));
                    words = words.replace("Notify member platforms", &format!("Notify the members of {name}"));
                }
                out.push(Objective {
                    id: o.id,
                    description: multi_line(o.description.unwrap_or(words)),
                    criterion,
                    protocol,
                });
            }
            0 if c.problems.iter().any(|p| p.field().is_some_and(|f| f.starts_with(&label))) => {}
            n => c.err(
                &label,
                format!(
                    "expected exactly one criterion (`activate_within`, `notify_within`, `refer_within`, `exposure_below` or `peak_live_below`), found {n}"
                ),
            ),
        }
    }
    out
}

/// Resolve a list of platform ids, refusing repeats.
fn resolve_list(c: &mut Checker, path: &str, ids: &[String], pids: &Ids) -> Vec<PlatformIdx> {
    let mut out: Vec<PlatformIdx> = Vec::with_capacity(ids.len());
    for (j, id) in ids.iter().enumerate() {
        let before = c.problems.len();
        let p = c.resolve(&format!("{path}[{j}]"), "platform", id, pids);
        if c.problems.len() == before && out.contains(&p) {
            c.err(
                &format!("{path}[{j}]"),
                format!("expected each platform once, found `{id}` again"),
            );
        }
        out.push(p);
    }
    out
}

/// The fields an inject may carry, by kind (besides `at`, `kind`, `note` and the MSEL fields).
fn inject_fields(kind: RawInjectKind) -> &'static [&'static str] {
    match kind {
        RawInjectKind::Message => &[],
        RawInjectKind::Virality => &["platform", "factor", "for"],
        RawInjectKind::Upload => &["content", "platform", "count", "new_variant"],
        RawInjectKind::Outage => &["platform", "reviewers", "for"],
    }
}

fn inject_kind(
    c: &mut Checker,
    at: &str,
    x: &RawInject,
    pids: &Ids,
    cids: &Ids,
) -> Option<InjectKind> {
    let kind = x.kind;
    let allowed = inject_fields(kind);
    let present = [
        ("platform", x.platform.is_some()),
        ("factor", x.factor.is_some()),
        ("for", x.for_.is_some()),
        ("content", x.content.is_some()),
        ("count", x.count.is_some()),
        ("new_variant", x.new_variant.is_some()),
        ("reviewers", x.reviewers.is_some()),
    ];
    let before = c.problems.len();
    for (field, is_set) in present {
        if is_set && !allowed.contains(&field) {
            let takes = if allowed.is_empty() {
                "no fields besides `at`, `kind`, `note` and the MSEL fields".to_string()
            } else {
                allowed
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let users: Vec<&str> = [
                RawInjectKind::Virality,
                RawInjectKind::Upload,
                RawInjectKind::Outage,
            ]
            .into_iter()
            .filter(|k| inject_fields(*k).contains(&field))
            .map(RawInjectKind::as_str)
            .collect();
            c.err(
                &format!("{at}.{field}"),
                format!(
                    "expected only the fields of a `{}` inject ({takes}), found `{field}`, which belongs to {} injects",
                    kind.as_str(),
                    users.join(" and ")
                ),
            );
        }
    }
    let missing = |c: &mut Checker, field: &str| {
        c.err(
            &format!("{at}.{field}"),
            format!(
                "expected `{field}` on a `{}` inject, found none",
                kind.as_str()
            ),
        );
    };
    let platform = |c: &mut Checker, required: bool| -> Option<PlatformIdx> {
        match &x.platform {
            Some(p) => Some(c.resolve(&format!("{at}.platform"), "platform", p, pids)),
            None => {
                if required {
                    missing(c, "platform");
                }
                None
            }
        }
    };
    let kind = match kind {
        RawInjectKind::Message => InjectKind::Message,
        RawInjectKind::Virality => {
            let platform = platform(c, false);
            let factor = match x.factor {
                Some(f) => c.positive(&format!("{at}.factor"), f),
                None => {
                    missing(c, "factor");
                    1.0
                }
            };
            let duration = x
                .for_
                .as_ref()
                .map(|d| c.positive_dur(&format!("{at}.for"), d));
            InjectKind::Virality {
                platform,
                factor,
                duration,
            }
        }
        RawInjectKind::Upload => {
            let content = match &x.content {
                Some(k) => c.resolve(&format!("{at}.content"), "content", k, cids),
                None => {
                    missing(c, "content");
                    0
                }
            };
            let platform = platform(c, true).unwrap_or(0);
            let count = x.count.unwrap_or(1);
            if count < 1 {
                c.err(
                    &format!("{at}.count"),
                    "expected a count >= 1, found 0".to_string(),
                );
            } else if count > MAX_UPLOAD_COUNT {
                c.err(
                    &format!("{at}.count"),
                    format!("expected a count of at most {MAX_UPLOAD_COUNT}, found {count}"),
                );
            }
            InjectKind::Upload {
                content,
                platform,
                count,
                new_variant: x.new_variant.unwrap_or(false),
            }
        }
        RawInjectKind::Outage => {
            let platform = platform(c, true).unwrap_or(0);
            let duration = match &x.for_ {
                Some(d) => c.positive_dur(&format!("{at}.for"), d),
                None => {
                    missing(c, "for");
                    0.0
                }
            };
            InjectKind::Outage {
                platform,
                reviewers: x.reviewers.unwrap_or(0),
                duration,
            }
        }
    };
    (c.problems.len() == before).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in ["a", "0", "videotube", "fringe-board", "a-", "9gag"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in ["", "-a", "A", "video tube", "video_tube", "é", "a.b"] {
            assert!(!is_valid_id(bad), "{bad}");
        }
        assert_eq!(id_suggestion("Video Tube").as_deref(), Some("video-tube"));
        assert_eq!(id_suggestion("file_host").as_deref(), Some("file-host"));
    }
}
