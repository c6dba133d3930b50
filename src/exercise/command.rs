//! What players type at the exercise prompt, parsed into commands.

use crate::engine::Decision;
use crate::scenario::duration::DurError;
use crate::scenario::{Minutes, Model, RoleDecision, Variant, parse_duration};

/// One line typed at the prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A decision, optionally taken in a role (`as europol: refer videotube 10`).
    Decide {
        role: Option<String>,
        decision: Decision,
        /// The decision as typed, without the role, for the record.
        text: String,
    },
    /// Advance one move (`next`).
    Next,
    /// Advance by a duration (`advance 2h`).
    Advance(Minutes),
    Status,
    Platform(usize),
    Help,
    End,
    /// An empty line: nothing to do.
    Nothing,
}

/// The help text: every command and what it does to the model.
pub const HELP: &str = "\
Decisions (take effect through the model's own mechanisms, with their delays):
  activate                 activate the crisis protocol: crisis hash-sharing delay, URL
                           sharing and authority reinforcement start now (members must
                           still be notified)
  activate PROTOCOL        activate one protocol by id, e.g. `activate ecp` (several in
                           play: `activate` alone means the first)
  notify all|PLATFORM      notify member platforms: after the protocol's notify time they
                           apply their crisis posture (more reviewers, ramping up; more
                           automated detection)
  notify PROTOCOL all|PLATFORM
                           notify the members of one protocol, e.g. `notify ecp all`
  push-hashes              deliver every pending shared hash-database submission now
  refer PLATFORM N         refer N copies that authorities have found on PLATFORM (they
                           join its review queue ahead of its own detections)
  order PLATFORM N         send removal orders for N found copies on an EU platform (top
                           of its queue; removed by the deadline if it complies)
  surge PLATFORM N         set PLATFORM's reviewers to N (ramping like its crisis posture)
  note TEXT                add a note to the record
  deliver N                deliver inject N (as the MSEL numbers them) now: early, or
                           after holding it
  hold N                   hold inject N: it does not fire at its time, only when
                           delivered
  Prefix a decision with a role to record who took it: `as europol: refer videotube 10`.
Moving on:
  next                     advance one move
  advance DURATION         advance by a duration, e.g. `advance 2h` (stops at injects)
  end                      end the exercise and see the debrief
Looking:
  status                   the situation report again
  platform ID              one platform in detail
  help                     this text";

fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(s, _)| *s > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

const WORDS: [&str; 15] = [
    "activate",
    "deliver",
    "hold",
    "notify",
    "push-hashes",
    "refer",
    "order",
    "surge",
    "note",
    "next",
    "advance",
    "status",
    "platform",
    "help",
    "end",
];

/// Why a line typed at the prompt (or a decision in a record) is not a command. The
/// message says what to type instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    #[error("a role is written `as ROLE: DECISION`, e.g. `as europol: refer videotube 10`")]
    Role,
    #[error("no platform `{id}`{}; the platforms are: {}", did_you_mean(.suggestion), .platforms.join(", "))]
    UnknownPlatform {
        id: String,
        /// The closest platform id, if one is close.
        suggestion: Option<String>,
        platforms: Vec<String>,
    },
    #[error("no protocol `{id}` in play{}; the protocols in play are: {}", did_you_mean(.suggestion), .protocols.join(", "))]
    UnknownProtocol {
        id: String,
        /// The closest protocol id in play, if one is close.
        suggestion: Option<String>,
        protocols: Vec<String>,
    },
    #[error(
        "{verb}: this exercise has no named protocol, so type `{verb}` without one (found `{found}`)"
    )]
    NoNamedProtocol { verb: String, found: String },
    #[error("{verb}: expected at most one protocol id, e.g. `{verb} ecp`, found also `{found}`")]
    ExtraWord { verb: String, found: String },
    #[error(
        "notify: expected `notify all`, `notify PLATFORM` or `notify PROTOCOL all|PLATFORM`, found `notify {found}`"
    )]
    NotifyWords { found: String },
    #[error("{verb}: say which platform, e.g. `{verb} videotube 10`")]
    MissingPlatform { verb: String },
    #[error("{verb}: say how many, e.g. `{verb} videotube 10`")]
    MissingCount { verb: String },
    #[error("{verb}: expected a whole number, found `{found}`")]
    BadCount { verb: String, found: String },
    #[error("`{verb}` is not a decision; type `help` for the list")]
    NotADecision { verb: String },
    #[error("advance: say how far, e.g. `advance 2h`")]
    MissingDuration,
    #[error("advance: {0}")]
    BadDuration(DurError),
    #[error("advance: expected a duration > 0, like `advance 2h`, found `{found}`")]
    NotPositive { found: String },
    #[error("surge: at most {MAX_SURGE_REVIEWERS} reviewers on one platform, found {found}")]
    TooManyReviewers { found: u64 },
    #[error("platform: say which, e.g. `platform videotube`")]
    MissingPlatformId,
    #[error(
        "{verb}: expected an inject's number, from 1 to {count} (as the MSEL numbers them), found `{found}`"
    )]
    BadInject {
        verb: String,
        found: String,
        count: usize,
    },
    #[error("{verb}: this scenario has no injects")]
    NoInjects { verb: String },
    #[error("no role `{role}` in this scenario{}; its roles are: {}", did_you_mean(.suggestion), .roles.join(", "))]
    UnknownRole {
        role: String,
        suggestion: Option<String>,
        roles: Vec<String>,
    },
    #[error("`{verb}` is the facilitator's decision, not a role's")]
    Facilitator { verb: String },
    #[error("role `{role}` may not take `{verb}` decisions (it may take: {})", .allowed.join(", "))]
    NotAllowed {
        role: String,
        verb: String,
        allowed: Vec<String>,
    },
    #[error("role `{role}` does not speak for platform `{platform}` (its platforms: {})", .reach.join(", "))]
    NotItsPlatform {
        role: String,
        platform: String,
        reach: Vec<String>,
    },
    #[error("unknown command `{word}`{}; type `help` for the list", did_you_mean(.suggestion))]
    Unknown {
        word: String,
        suggestion: Option<String>,
    },
}

impl CommandError {
    /// The decision is well formed but the role may not take it.
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            CommandError::UnknownRole { .. }
                | CommandError::Facilitator { .. }
                | CommandError::NotAllowed { .. }
                | CommandError::NotItsPlatform { .. }
        )
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_deref()
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn platform(model: &Model, id: &str) -> Result<usize, CommandError> {
    model
        .platform_index(id)
        .ok_or_else(|| CommandError::UnknownPlatform {
            id: crate::text::one_line(id).into_owned(),
            suggestion: closest(id, model.platforms.iter().map(|p| p.id.as_str()))
                .map(str::to_string),
            platforms: model.platforms.iter().map(|p| p.id.clone()).collect(),
        })
}

/// The protocols in play (indices into the model's protocols) one of which `id` names.
fn protocol(model: &Model, in_play: &[usize], id: &str, verb: &str) -> Result<usize, CommandError> {
    let ids: Vec<&str> = in_play
        .iter()
        .filter_map(|&k| model.protocols.get(k).map(|p| p.id.as_str()))
        .collect();
    if ids.is_empty() {
        return Err(CommandError::NoNamedProtocol {
            verb: verb.to_string(),
            found: crate::text::one_line(id).into_owned(),
        });
    }
    in_play
        .iter()
        .copied()
        .find(|&k| model.protocols.get(k).is_some_and(|p| p.id == id))
        .ok_or_else(|| CommandError::UnknownProtocol {
            id: crate::text::one_line(id).into_owned(),
            suggestion: closest(id, ids.iter().copied()).map(str::to_string),
            protocols: ids.iter().map(|s| s.to_string()).collect(),
        })
}

/// The protocols an exercise on `variant` plays (indices into its model's protocols):
/// the variant's, or, if it lists none, every protocol of the scenario (as
/// [`SimInit::exercise`](crate::engine::SimInit::exercise) runs them).
pub fn in_play(variant: &Variant) -> Vec<usize> {
    if variant.protocols.is_empty() {
        (0..variant.model.protocols.len()).collect()
    } else {
        variant.protocols.clone()
    }
}

fn count(word: Option<&str>, verb: &str) -> Result<u32, CommandError> {
    let w = word.ok_or_else(|| CommandError::MissingCount {
        verb: verb.to_string(),
    })?;
    w.parse::<u32>().map_err(|_| match w.parse::<u64>() {
        // A whole number, only too large for a count.
        Ok(found) if verb == "surge" => CommandError::TooManyReviewers { found },
        _ => CommandError::BadCount {
            verb: verb.to_string(),
            found: crate::text::one_line(w).into_owned(),
        },
    })
}

/// The most reviewers `surge` sets on one platform. A scenario's `reviewers` is read as
/// a 32-bit whole number, but a surge ramps its reviewers in one by one, so a number near
/// that limit would ask for billions of events: the prompt (and a record) refuses more
/// than this, as it refuses any other wrong command.
pub const MAX_SURGE_REVIEWERS: u32 = 1_000_000;

/// Parse one line against the scenario (for platform ids), with every protocol of the
/// model in play (see [`parse_in`]).
pub fn parse(line: &str, model: &Model) -> Result<Command, CommandError> {
    let all: Vec<usize> = (0..model.protocols.len()).collect();
    parse_in(line, model, &all)
}

/// Parse one line against the variant played: its model (for platform ids) and the
/// protocols in play (see [`in_play`]), for `activate PROTOCOL` and `notify PROTOCOL ...`.
///
/// `notify X` with one word means a platform (or `all`) when `X` is one, as before
/// protocols could be named; else the protocol `X`, all its members. `notify X Y` with two
/// words means protocol `X`, target `Y` (`all` or a platform), even when `X` is also a
/// platform id.
pub fn parse_in(line: &str, model: &Model, in_play: &[usize]) -> Result<Command, CommandError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Command::Nothing);
    }
    let (role, rest) = match line.strip_prefix("as ") {
        Some(r) => match r.split_once(':') {
            Some((role, rest)) if !role.trim().is_empty() => {
                (Some(role.trim().to_string()), rest.trim())
            }
            _ => return Err(CommandError::Role),
        },
        None => (None, line),
    };
    let mut words = rest.split_whitespace();
    let verb = words.next().unwrap_or("").to_lowercase();
    let args: Vec<&str> = words.collect();
    let decision = match verb.as_str() {
        "activate" => match args.as_slice() {
            [] => Decision::ActivateProtocol,
            [id] => Decision::Activate {
                protocol: protocol(model, in_play, id, "activate")?,
            },
            [_, extra, ..] => {
                return Err(CommandError::ExtraWord {
                    verb: "activate".into(),
                    found: crate::text::one_line(extra).into_owned(),
                });
            }
        },
        "notify" => {
            let is_protocol = |id: &str| {
                in_play
                    .iter()
                    .any(|&k| model.protocols.get(k).is_some_and(|p| p.id == id))
            };
            match args.as_slice() {
                [] | ["all"] => Decision::Notify { platform: None },
                [id] if model.platform_index(id).is_some() || !is_protocol(id) => {
                    Decision::Notify {
                        platform: Some(platform(model, id)?),
                    }
                }
                [id] => Decision::NotifyUnder {
                    protocol: protocol(model, in_play, id, "notify")?,
                    platform: None,
                },
                [id, target] => Decision::NotifyUnder {
                    protocol: protocol(model, in_play, id, "notify")?,
                    platform: match *target {
                        "all" => None,
                        p => Some(platform(model, p)?),
                    },
                },
                more => {
                    return Err(CommandError::NotifyWords {
                        found: crate::text::one_line(&more.join(" ")).into_owned(),
                    });
                }
            }
        }
        "push-hashes" | "push" => Decision::PushHashes,
        "refer" | "order" | "surge" => {
            let id = args
                .first()
                .ok_or_else(|| CommandError::MissingPlatform { verb: verb.clone() })?;
            let p = platform(model, id)?;
            let n = count(args.get(1).copied(), &verb)?;
            match verb.as_str() {
                "refer" => Decision::Refer {
                    platform: p,
                    count: n,
                },
                "order" => Decision::Order {
                    platform: p,
                    count: n,
                },
                _ if n > MAX_SURGE_REVIEWERS => {
                    return Err(CommandError::TooManyReviewers { found: n.into() });
                }
                _ => Decision::Surge {
                    platform: p,
                    reviewers: n,
                },
            }
        }
        "note" => Decision::Note(args.join(" ")),
        "deliver" | "hold" => {
            if model.injects.is_empty() {
                return Err(CommandError::NoInjects { verb });
            }
            let bad = |found: &str| CommandError::BadInject {
                verb: verb.clone(),
                found: crate::text::one_line(found).into_owned(),
                count: model.injects.len(),
            };
            let word = args.first().copied().unwrap_or("");
            let n: usize = word.parse().map_err(|_| bad(word))?;
            if n == 0 || n > model.injects.len() || args.len() > 1 {
                return Err(bad(&args.join(" ")));
            }
            match verb.as_str() {
                "deliver" => Decision::Deliver { inject: n - 1 },
                _ => Decision::Hold { inject: n - 1 },
            }
        }
        _ if role.is_some() => {
            return Err(CommandError::NotADecision {
                verb: crate::text::one_line(&verb).into_owned(),
            });
        }
        "next" | "n" => return Ok(Command::Next),
        "advance" => {
            let d = args.first().ok_or(CommandError::MissingDuration)?;
            let not_positive = || CommandError::NotPositive {
                found: crate::text::one_line(d).into_owned(),
            };
            if d.starts_with('-') {
                return Err(not_positive());
            }
            let m = parse_duration(d).map_err(|mut e| {
                // The message quotes what was typed.
                e.message = crate::text::one_line(&e.message).into_owned();
                e.hint = e.hint.map(|h| crate::text::one_line(&h).into_owned());
                CommandError::BadDuration(e)
            })?;
            if m <= 0.0 {
                return Err(not_positive());
            }
            return Ok(Command::Advance(m));
        }
        "status" => return Ok(Command::Status),
        "platform" => {
            let id = args.first().ok_or(CommandError::MissingPlatformId)?;
            return Ok(Command::Platform(platform(model, id)?));
        }
        "help" | "?" => return Ok(Command::Help),
        "end" | "quit" | "exit" => return Ok(Command::End),
        other => {
            return Err(CommandError::Unknown {
                word: crate::text::one_line(other).into_owned(),
                suggestion: closest(other, WORDS).map(str::to_string),
            });
        }
    };
    if let Some(r) = &role {
        check_role(model, r, &verb, &decision)?;
    }
    Ok(Command::Decide {
        role,
        decision,
        text: rest.to_string(),
    })
}

/// The kind of decision, as roles list them; `None`: the facilitator's alone (moving
/// injects).
pub fn kind(decision: &Decision) -> Option<RoleDecision> {
    Some(match decision {
        Decision::ActivateProtocol | Decision::Activate { .. } => RoleDecision::Activate,
        Decision::Notify { .. } | Decision::NotifyUnder { .. } => RoleDecision::Notify,
        Decision::PushHashes => RoleDecision::PushHashes,
        Decision::Refer { .. } => RoleDecision::Refer,
        Decision::Order { .. } => RoleDecision::Order,
        Decision::Surge { .. } => RoleDecision::Surge,
        Decision::Note(_) => RoleDecision::Note,
        Decision::Deliver { .. } | Decision::Hold { .. } => return None,
    })
}

/// The platform a decision names, if any.
fn named_platform(decision: &Decision) -> Option<usize> {
    match decision {
        Decision::Notify { platform } | Decision::NotifyUnder { platform, .. } => *platform,
        Decision::Refer { platform, .. }
        | Decision::Order { platform, .. }
        | Decision::Surge { platform, .. } => Some(*platform),
        _ => None,
    }
}

/// Whether `role` may take `decision`. When the scenario defines roles (`roles:`), the
/// role must be one of them, the decision of a kind it lists, and a platform it names
/// one the role speaks for; without `roles:` a role is a free-text label, as before.
/// Moving injects is the facilitator's alone.
pub fn check_role(
    model: &Model,
    role: &str,
    verb: &str,
    decision: &Decision,
) -> Result<(), CommandError> {
    let Some(kind) = kind(decision) else {
        return Err(CommandError::Facilitator {
            verb: verb.to_string(),
        });
    };
    if model.roles.is_empty() {
        return Ok(());
    }
    let Some(r) = model.roles.iter().find(|r| r.id == role) else {
        return Err(CommandError::UnknownRole {
            role: crate::text::one_line(role).into_owned(),
            suggestion: closest(role, model.roles.iter().map(|r| r.id.as_str()))
                .map(str::to_string),
            roles: model.roles.iter().map(|r| r.id.clone()).collect(),
        });
    };
    if !r.decisions.contains(&kind) {
        return Err(CommandError::NotAllowed {
            role: r.id.clone(),
            verb: kind.word().to_string(),
            allowed: r.decisions.iter().map(|d| d.word().to_string()).collect(),
        });
    }
    if let (Some(p), Some(reach)) = (named_platform(decision), r.reach(model))
        && !reach.contains(&p)
    {
        return Err(CommandError::NotItsPlatform {
            role: r.id.clone(),
            platform: model.platforms[p].id.clone(),
            reach: reach
                .iter()
                .map(|&q| model.platforms[q].id.clone())
                .collect(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"
name: t
horizon: 2h
platforms:
  - {id: videotube, views_per_hour: 10, attention_half_life: 1h,
     detection: {proactive_per_hour: 0.1}, review: {reviewers: 1, time: {exp: 10m}, accuracy: 0.9}}
  - {id: ecp, views_per_hour: 10, attention_half_life: 1h,
     detection: {proactive_per_hour: 0.1}, review: {reviewers: 1, time: {exp: 10m}, accuracy: 0.9}}
content:
  - {id: clip, origin: {platform: videotube, at: 0m}}
protocols:
  gifct-cip: {members: [videotube], activation: {confirmed_removals: 1, platforms: 1}}
  ecp: {members: [videotube, ecp], activation: {confirmed_removals: 1, platforms: 1}}
variants:
  - {name: both, protocol: [gifct-cip, ecp]}
  - {name: one, protocol: [ecp]}
"#;

    fn decision(line: &str, variant: usize) -> Result<Decision, CommandError> {
        let s = crate::scenario::parse(TWO, "t").expect("valid");
        let v = &s.variants[variant];
        match parse_in(line, &v.model, &in_play(v))? {
            Command::Decide { decision, .. } => Ok(decision),
            other => panic!("not a decision: {other:?}"),
        }
    }

    #[test]
    fn protocols_are_named_by_id_and_one_word_after_notify_is_a_platform() {
        let ecp = 1;
        assert_eq!(decision("activate", 0), Ok(Decision::ActivateProtocol));
        assert_eq!(
            decision("activate ecp", 0),
            Ok(Decision::Activate { protocol: ecp })
        );
        assert_eq!(
            decision("notify ecp", 0),
            Ok(Decision::Notify { platform: Some(1) })
        );
        assert_eq!(
            decision("notify ecp all", 0),
            Ok(Decision::NotifyUnder {
                protocol: ecp,
                platform: None
            })
        );
        assert_eq!(
            decision("notify gifct-cip", 0),
            Ok(Decision::NotifyUnder {
                protocol: 0,
                platform: None
            })
        );
        assert_eq!(
            decision("notify ecp videotube", 0),
            Ok(Decision::NotifyUnder {
                protocol: ecp,
                platform: Some(0)
            })
        );
        assert!(matches!(
            decision("notify ecp all now", 0),
            Err(CommandError::NotifyWords { .. })
        ));
    }

    #[test]
    fn a_protocol_not_in_play_is_refused_with_the_closest_in_play() {
        let e = decision("activate gifct-cip", 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no protocol `gifct-cip` in play; the protocols in play are: ecp"
        );
        let e = decision("activate ecq", 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no protocol `ecq` in play (did you mean `ecp`?); the protocols in play are: gifct-cip, ecp"
        );
    }
}
