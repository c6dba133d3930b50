//! Plain-language descriptions of a scenario's protocols, generated from the data, so a
//! planner can check that what the file says is what they meant.

use std::fmt::Write;

use crate::engine::Directory;
use crate::engine::world::HashSharingMember;
use crate::scenario::duration::format_minutes;
use crate::scenario::{Capacity, Issues, Jurisdiction, Model, OnMatch, Protocol, Scenario};

fn capacity(c: Capacity) -> String {
    match c {
        Capacity::Limited(n) => n.to_string(),
        Capacity::Unlimited => "unlimited".into(),
    }
}

fn per_hour(per_min: f64) -> String {
    let x = per_min * 60.0;
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}/h")
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => "none".into(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// How a variant is named in a description: with its `set` overrides, if any.
fn user(v: &crate::scenario::Variant) -> String {
    if v.overrides.is_empty() {
        format!("`{}`", v.name)
    } else {
        let sets: Vec<String> = v
            .overrides
            .iter()
            .map(|(k, val)| format!("{k} = {val}"))
            .collect();
        format!("`{}` (with {})", v.name, sets.join(", "))
    }
}

/// What each protocol of the scenario does, as the variants that use it run it: a
/// variant's `set` overrides (membership, delays, postures) are applied. Where the
/// variants using a protocol run it differently, it is described once per way they run
/// it; a protocol no variant uses is described from the scenario as written.
pub fn protocols(scenario: &Scenario) -> String {
    let model = &scenario.base;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} protocol(s)\n",
        model.name,
        model.protocols.len()
    );
    for v in &scenario.variants {
        out.push_str(&layers(v));
    }
    for (i, p) in model.protocols.iter().enumerate() {
        // (description without its "Used by" line, the variants that run it so).
        let mut ways: Vec<(String, &Model, &Protocol, Vec<String>)> = Vec::new();
        for v in scenario
            .variants
            .iter()
            .filter(|v| v.protocols.contains(&i))
        {
            let vp = v.model.protocols.get(i).unwrap_or(p);
            let text = protocol(&v.model, vp, &[]);
            match ways.iter_mut().find(|w| w.0 == text) {
                Some(w) => w.3.push(user(v)),
                None => ways.push((text, &v.model, vp, vec![user(v)])),
            }
        }
        if ways.is_empty() {
            out.push_str(&protocol(model, p, &[]));
            out.push('\n');
        }
        let several = ways.len() > 1;
        for (_, m, vp, users) in &ways {
            if several {
                let _ = writeln!(
                    out,
                    "(`{}` is run differently by its variants: as {} run(s) it)",
                    p.id,
                    list(users)
                );
            }
            out.push_str(&protocol(m, vp, users));
            out.push('\n');
        }
    }
    let none: Vec<String> = scenario
        .variants
        .iter()
        .filter(|v| v.protocols.is_empty())
        .map(|v| format!("`{}`", v.name))
        .collect();
    if !none.is_empty() {
        let _ = writeln!(
            out,
            "Protocol `none` (built in): never activates; platforms and authorities work as normal. Used by {}.",
            list(&none)
        );
    }
    out
}

/// The protocols of one variant, as that variant runs them (its `set` overrides
/// applied), in the order it lists them.
pub fn variant_protocol(scenario: &Scenario, variant: usize) -> String {
    let v = &scenario.variants[variant];
    let mut out = String::new();
    let _ = writeln!(out, "{}: variant `{}`\n", scenario.base.name, v.name);
    let listed: Vec<&Protocol> = v
        .protocols
        .iter()
        .filter_map(|&i| v.model.protocols.get(i))
        .collect();
    if listed.is_empty() {
        let _ = writeln!(
            out,
            "Protocol `none` (built in): never activates; platforms and authorities work as normal. Used by {}.",
            user(v)
        );
    }
    out.push_str(&layers(v));
    for (k, p) in listed.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        out.push_str(&protocol(&v.model, p, &[user(v)]));
    }
    out
}

/// The layers of a variant that runs several protocols at once, and the chains (`after`)
/// among the protocols it runs; empty for a variant that runs at most one protocol and no
/// chain.
fn layers(v: &crate::scenario::Variant) -> String {
    let m = &v.model;
    let name = |i: usize| format!("`{}`", m.protocols[i].id);
    let mut out = String::new();
    if v.protocols.len() > 1 {
        let names: Vec<String> = v.protocols.iter().map(|&i| name(i)).collect();
        let _ = writeln!(
            out,
            "Variant `{}` runs {} protocols at once, in layers: {}. Each triggers, activates, notifies its own members and stands down on its own; a platform that is a member of several applies its crisis posture once, when the first of them notifies it, and the fastest hash sharing and the largest authority boost among the active ones apply.",
            v.name,
            v.protocols.len(),
            list(&names)
        );
    }
    for &i in &v.protocols {
        let Some(j) = m.protocols[i].activation.after else {
            continue;
        };
        if v.protocols.contains(&j) {
            let _ = writeln!(
                out,
                "  Chain in `{}`: {} triggers when {} activates (unless one of its own triggers holds first), and becomes active {} after that.",
                v.name,
                name(i),
                name(j),
                format_minutes(m.protocols[i].activation.decision_time)
            );
        } else {
            let _ = writeln!(
                out,
                "  In `{}`, {} follows {} (`after`), which this variant does not run: that trigger never fires.",
                v.name,
                name(i),
                name(j)
            );
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// " of the attack-video" for a trigger restricted to some content items, else "".
fn of_content(model: &Model, content: Option<&[usize]>) -> String {
    match content {
        Some(items) => {
            let ids: Vec<String> = items
                .iter()
                .map(|&c| format!("`{}`", model.contents[c].id))
                .collect();
            format!(" of {}", list(&ids))
        }
        None => String::new(),
    }
}

/// One protocol, as a few short paragraphs.
pub fn protocol(model: &Model, p: &Protocol, users: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Protocol `{}`", p.id);
    if !users.is_empty() {
        let _ = writeln!(out, "  Used by: {}.", list(users));
    }

    // Trigger and activation.
    let a = &p.activation;
    let of = of_content(model, a.content.as_deref());
    let mut triggers = Vec::new();
    if let Some(n) = a.confirmed_removals {
        triggers.push(format!(
            "once {n} copies{of} have been removed on at least {} platform(s)",
            a.platforms
        ));
    }
    if let Some(n) = a.detections {
        triggers.push(format!(
            "once {n} copies{of} have been detected by a member platform or found by an authority on one (each copy counted once)"
        ));
    }
    if let Some(n) = a.platforms_reached {
        let what = if of.is_empty() {
            "the content".to_string()
        } else {
            of.trim_start_matches(" of ").to_string()
        };
        triggers.push(format!(
            "once {what} has been published on at least {n} distinct platforms (members or not)"
        ));
    }
    if let Some(j) = a.after {
        let other = model.protocols.get(j).map_or("?", |o| o.id.as_str());
        triggers.push(format!(
            "when protocol `{other}` activates (in a variant that runs both)"
        ));
    }
    if let Some(t) = a.or_at {
        triggers.push(format!("at T+{} at the latest", format_minutes(t)));
    }
    let _ = writeln!(
        out,
        "  Trigger: {}; it becomes active {} later (decision time).",
        if triggers.is_empty() {
            "never (no trigger is set)".to_string()
        } else {
            triggers.join(", or ")
        },
        format_minutes(a.decision_time)
    );

    // Member platforms and their crisis posture (who is a member of what is the
    // directory's to say).
    let mut directory = Directory::of(model);
    let members = directory.protocol_members(&p.id);
    if members.is_empty() {
        let _ = writeln!(
            out,
            "  No platform is a protocol member, so no platform is notified."
        );
    } else {
        let names: Vec<String> = members
            .iter()
            .map(|&i| model.platforms[i].id.clone())
            .collect();
        if p.members_listed {
            let _ = writeln!(
                out,
                "  Members (listed in its `members`): {}.",
                list(&names)
            );
        } else {
            let _ = writeln!(
                out,
                "  Members: every platform marked protocol_member ({}).",
                list(&names)
            );
        }
        let _ = writeln!(
            out,
            "  {} after activation, these member platforms are notified and switch to their crisis posture:",
            format_minutes(p.notify_time)
        );
        for &i in &members {
            let pl = &model.platforms[i];
            let mut changes = Vec::new();
            if let Some(post) = &pl.crisis_posture {
                if let Some(r) = post.reviewers
                    && r != pl.review.reviewers
                {
                    changes.push(format!(
                        "reviewers {} -> {} over {}",
                        capacity(pl.review.reviewers),
                        capacity(r),
                        format_minutes(post.ramp)
                    ));
                }
                if let Some(d) = post.proactive_per_min
                    && d != pl.proactive_per_min
                {
                    changes.push(format!(
                        "automated detection {} -> {} per copy",
                        per_hour(pl.proactive_per_min),
                        per_hour(d)
                    ));
                }
                if let Some(m) = post.on_match
                    && m != pl.on_match
                {
                    changes.push(match m {
                        OnMatch::Block => {
                            "hash matches blocked at upload instead of sent to review".to_string()
                        }
                        OnMatch::Review => {
                            "hash matches published and sent to review instead of blocked"
                                .to_string()
                        }
                    });
                }
                if post.views_factor != 1.0 {
                    changes.push(format!(
                        "views and onward sharing of its copies and posts x{} (demotion)",
                        post.views_factor
                    ));
                }
            }
            let _ = writeln!(
                out,
                "    - {} ({}): {}",
                pl.id,
                pl.name,
                if changes.is_empty() {
                    "notified, but has no crisis posture that changes anything".to_string()
                } else {
                    changes.join("; ")
                }
            );
        }
        let outsiders: Vec<String> = (0..model.platforms.len())
            .filter(|i| !members.contains(i))
            .map(|i| model.platforms[i].id.clone())
            .collect();
        if !outsiders.is_empty() {
            let _ = writeln!(out, "  Not members (unaffected): {}.", list(&outsiders));
        }
    }

    // Hash sharing.
    let hash_members: Vec<String> = directory
        .platforms_with::<HashSharingMember>()
        .into_iter()
        .map(|i| model.platforms[i].id.clone())
        .collect();
    match p.hash_sharing_delay {
        Some(d) if d != model.hash_sharing.delay => {
            let _ = writeln!(
                out,
                "  Hashes submitted to the shared database while it is active reach the other members in {} instead of {} (members: {}).",
                format_minutes(d),
                format_minutes(model.hash_sharing.delay),
                list(&hash_members)
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  Hash sharing is unchanged ({}).",
                format_minutes(model.hash_sharing.delay)
            );
        }
    }

    // URL sharing.
    match p.url_sharing {
        Some(d) if members.len() > 1 => {
            let _ = writeln!(
                out,
                "  URL sharing: when a member removes a copy, the copy's live source and live re-shares on other member platforms, and the live posts on members that link to it, are referred there {} later.",
                format_minutes(d)
            );
        }
        Some(_) => {
            let _ = writeln!(
                out,
                "  URL sharing is set, but fewer than two platforms are members, so it has no effect."
            );
        }
        None => {
            let _ = writeln!(out, "  No URL sharing.");
        }
    }

    // Authorities.
    if p.authority_boost != 1.0 && !model.authorities.is_empty() {
        let _ = writeln!(
            out,
            "  From activation, authorities are reinforced x{}:",
            p.authority_boost
        );
        for a in &model.authorities {
            let analysts = match a.analysts {
                Capacity::Limited(n) => format!(
                    "analysts {} -> {}",
                    n,
                    (f64::from(n) * p.authority_boost).round() as u64
                ),
                Capacity::Unlimited => "unlimited analysts".into(),
            };
            let member_targets: Vec<String> = a
                .monitors
                .iter()
                .filter(|m| members.contains(m))
                .map(|&m| model.platforms[m].id.clone())
                .collect();
            let what = match a.issues {
                Issues::RemovalOrder => "removal orders to EU platforms, referrals elsewhere",
                Issues::Referral => "referrals",
            };
            let _ = writeln!(
                out,
                "    - {} ({what}): {analysts}; finds {} -> {} per copy on {}",
                a.id,
                per_hour(a.finds_per_min),
                per_hour(a.finds_per_min * p.authority_boost),
                list(&member_targets)
            );
        }
    } else {
        let _ = writeln!(out, "  Authorities are unchanged.");
    }

    // Authorities' acceptance, where their referrals reach members.
    for a in &model.authorities {
        if let Some(acc) = a.acceptance
            && a.monitors.iter().any(|m| members.contains(m))
        {
            let _ = writeln!(
                out,
                "  Referrals from {} are accepted with probability {} (their review removes the copy that often, instead of the platform's review accuracy); removal orders are not affected.",
                a.id, acc
            );
        }
    }

    match p.deactivation_quiet_for {
        Some(q) => {
            let _ = writeln!(
                out,
                "  It stands down once no copy has been published anywhere for {}; members return to normal posture.",
                format_minutes(q)
            );
        }
        None => {
            let _ = writeln!(out, "  Once active, it stays active to the horizon.");
        }
    }
    let eu_members = members
        .iter()
        .filter(|&&i| model.platforms[i].jurisdiction == Jurisdiction::Eu)
        .count();
    let _ = writeln!(
        out,
        "  ({} of the {} member platforms are in the EU.)",
        eu_members,
        members.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYERS: &str = r#"
name: layers test
horizon: 6h
platforms:
  - {id: social, views_per_hour: 100, attention_half_life: 1h, review: {reviewers: 2, time: 5m},
     protocol_member: true, hash_sharing_member: true, on_match: review,
     crisis_posture: {reviewers: 4, ramp: 1h, on_match: block, views_factor: 0.5}}
  - {id: videotube, views_per_hour: 100, attention_half_life: 1h, review: {reviewers: 2, time: 5m},
     protocol_member: true, crisis_posture: {views_factor: 0.7}}
  - {id: clips, views_per_hour: 10, attention_half_life: 1h, review: {reviewers: 1, time: 5m}}
content:
  - {id: attack-video, kind: video, origin: {platform: clips, at: 0m}}
  - {id: manifesto, kind: document, origin: {platform: clips, at: 0m}}
authorities:
  - {id: iru, monitors: [social, clips], finds_per_hour: 0.1, acceptance: 0.6}
  - {id: quiet, monitors: [clips], finds_per_hour: 0.1, acceptance: 0.2}
protocols:
  gifct-cip:
    members: [social, clips]
    activation: {detections: 3, content: [attack-video], decision_time: 30m}
  ecp:
    activation: {after: gifct-cip, platforms_reached: 2, or_at: 4h, decision_time: 1h}
    authority_boost: 2.0
variants:
  - {name: baseline, protocol: none}
  - {name: ecp-alone, protocol: ecp}
  - {name: both, protocol: [gifct-cip, ecp]}
"#;

    fn scenario() -> Scenario {
        crate::scenario::parse(LAYERS, "layers.yaml").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn layers_and_chains_are_described_per_variant() {
        let text = protocols(&scenario());
        assert!(
            text.contains(
                "Variant `both` runs 2 protocols at once, in layers: `gifct-cip` and `ecp`"
            ),
            "{text}"
        );
        assert!(
            text.contains("Chain in `both`: `ecp` triggers when `gifct-cip` activates"),
            "{text}"
        );
        assert!(
            text.contains("In `ecp-alone`, `ecp` follows `gifct-cip` (`after`), which this variant does not run: that trigger never fires."),
            "{text}"
        );
        // A variant running one protocol has no layers paragraph.
        assert!(!text.contains("Variant `ecp-alone` runs"), "{text}");
        let one = variant_protocol(&scenario(), 2);
        assert!(one.contains("runs 2 protocols at once"), "{one}");
        assert!(one.contains("Chain in `both`"), "{one}");
        let alone = variant_protocol(&scenario(), 1);
        assert!(alone.contains("that trigger never fires"), "{alone}");
    }

    #[test]
    fn new_triggers_and_members_are_described() {
        let text = protocols(&scenario());
        assert!(
            text.contains("once 3 copies of `attack-video` have been detected by a member platform or found by an authority on one"),
            "{text}"
        );
        assert!(
            text.contains("once the content has been published on at least 2 distinct platforms (members or not)"),
            "{text}"
        );
        assert!(
            text.contains("when protocol `gifct-cip` activates (in a variant that runs both)"),
            "{text}"
        );
        assert!(
            text.contains("Members (listed in its `members`): social and clips."),
            "{text}"
        );
        assert!(
            text.contains("Members: every platform marked protocol_member (social and videotube)."),
            "{text}"
        );
    }

    #[test]
    fn posture_on_match_views_factor_and_acceptance_are_described() {
        let text = protocols(&scenario());
        assert!(
            text.contains("hash matches blocked at upload instead of sent to review"),
            "{text}"
        );
        assert!(
            text.contains("views and onward sharing of its copies and posts x0.5 (demotion)"),
            "{text}"
        );
        assert!(text.contains("x0.7 (demotion)"), "{text}");
        // `iru` monitors a member of both protocols; `quiet` monitors only clips, a member
        // of the CIP alone.
        assert_eq!(
            text.matches("Referrals from iru are accepted with probability 0.6")
                .count(),
            2,
            "{text}"
        );
        assert_eq!(
            text.matches("Referrals from quiet are accepted").count(),
            1,
            "{text}"
        );
    }
}
