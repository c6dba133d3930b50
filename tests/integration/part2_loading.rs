//! Loading part II of the scenario format (contract sections 16-19): the contract's own
//! examples load as written, and every new field refuses a wrong type, a wrong range
//! and an unknown reference with a message that names the field.

use ttx::scenario::{LinkKind, OnMatch, parse};

/// A scenario with the platforms and content the contract's examples name.
const BASE: &str = "\
name: part two
horizon: 24h
platforms:
  - id: streamsite
    views_per_hour: 50
    attention_half_life: 1h
    review: {reviewers: 2, time: 5m}
  - id: social
    protocol_member: true
    views_per_hour: 400
    attention_half_life: 3h
    review: {reviewers: 20, time: 10m}
  - id: videotube
    protocol_member: true
    views_per_hour: 300
    attention_half_life: 3h
    review: {reviewers: 10, time: 10m}
  - id: microblog
    views_per_hour: 200
    attention_half_life: 2h
    review: {reviewers: 5, time: 5m}
  - id: regional
    views_per_hour: 20
    attention_half_life: 2h
    review: {reviewers: 1, time: 10m}
  - id: clips
    views_per_hour: 30
    attention_half_life: 4h
    review: {reviewers: 1, time: 20m}
content:
  - id: attack-video
    origin: {platform: streamsite, at: 0m}
";

/// The contract's section 16 example, verbatim.
const SECTION_16: &str = "\
protocols:
  gifct-cip:
    members: [social, videotube, microblog]   # optional; default: platforms with protocol_member: true
    activation:
      detections: 1                # trigger: at least this many copies detected or found on members...
      content: [attack-video]      # ...of these content items (default: any)
      decision_time: 1h30m
    hash_sharing_delay: 15m
  ecp:
    members: [social, videotube, regional]
    activation:
      after: gifct-cip             # trigger: when gifct-cip activates (a chain of tiers)
      or_at: 4h
      decision_time: 1h
    notify_time: 30m
    url_sharing: 10m
    authority_boost: 2.0
variants:
  - {name: baseline, protocol: none}
  - {name: industry-only, protocol: gifct-cip}
  - {name: both, protocol: [gifct-cip, ecp]}   # a list: every named protocol runs
";

fn load(extra: &str) -> Result<ttx::scenario::Scenario, String> {
    parse(&format!("{BASE}{extra}"), "t.yaml").map_err(|e| e.to_string())
}

#[test]
fn the_contracts_part_two_examples_load_as_written() {
    let s = load(SECTION_16).unwrap_or_else(|e| panic!("{e}"));
    let [gifct, ecp] = &s.base.protocols[..] else {
        panic!("two protocols")
    };
    assert_eq!(gifct.members, vec![1, 2, 3]);
    assert!(gifct.members_listed);
    assert_eq!(gifct.activation.detections, Some(1));
    assert_eq!(gifct.activation.content, Some(vec![0]));
    assert_eq!(gifct.activation.decision_time, 90.0);
    assert_eq!(ecp.members, vec![1, 2, 4]);
    assert_eq!(ecp.activation.after, Some(0));
    assert_eq!(ecp.activation.or_at, Some(240.0));
    let protocols: Vec<Vec<usize>> = s.variants.iter().map(|v| v.protocols.clone()).collect();
    assert_eq!(protocols, vec![vec![], vec![0], vec![0, 1]]);

    // Sections 17-19.
    let s = load(
        "  - id: attack-stream
    kind: livestream
    origin: {platform: streamsite, at: 0m}
    live: {for: 17m, views_per_hour: 700, flags_per_1k_views: 0}   # optional
links:
  - {from: clips, to: social, per_hour: 0.5, kind: post, click_through: 0.02}
  - {from: clips, to: videotube, per_hour: 0.5, kind: post}
  - {from: clips, to: social, per_hour: 0.1}
authorities:
  - id: eu-iru
    monitors: [social]
    finds_per_hour: 0.05
    acceptance: 0.84
",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let live = s.base.contents[1].live.as_ref().expect("a live phase");
    assert_eq!((live.duration, live.flags_per_1k_views), (17.0, Some(0.0)));
    assert!((live.views_per_min - 700.0 / 60.0).abs() < 1e-12);
    assert_eq!(s.base.links[0].kind, LinkKind::Post);
    assert_eq!(s.base.links[0].click_through, 0.02);
    assert_eq!(
        s.base.links[1].click_through, 0.05,
        "the default click-through"
    );
    assert_eq!(
        (s.base.links[2].kind, s.base.links[2].click_through),
        (LinkKind::Upload, 0.0),
        "an upload link beside a post link on the same pair"
    );
    assert_eq!(s.base.authorities[0].acceptance, Some(0.84));

    let text = BASE.replace(
        "  - id: social\n    protocol_member: true\n",
        "  - id: social\n    protocol_member: true\n    on_match: review\n    crisis_posture: {on_match: block, views_factor: 0.2}\n",
    );
    let s = parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    let social = &s.base.platforms[1];
    assert_eq!(social.on_match, OnMatch::Review);
    let posture = social.crisis_posture.as_ref().unwrap();
    assert_eq!(
        (posture.on_match, posture.views_factor),
        (Some(OnMatch::Block), 0.2)
    );
    assert_eq!(s.base.platforms[0].on_match, OnMatch::Block, "the default");
}

/// The default membership follows `protocol_member`, as the variant's model has it: a
/// variant that makes a platform a member by `set` has it as a member of every protocol
/// without `members`.
#[test]
fn default_members_follow_each_variants_protocol_member_flags() {
    let s = load(
        "\
protocols:
  ecp:
    activation: {or_at: 1h}
variants:
  - {name: baseline, protocol: ecp}
  - name: regional-joins
    protocol: ecp
    set: {platforms.regional.protocol_member: true}
",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.variants[0].model.protocols[0].members, vec![1, 2]);
    assert_eq!(s.variants[1].model.protocols[0].members, vec![1, 2, 4]);
    assert!(!s.variants[1].model.protocols[0].members_listed);
}

/// Each bad case: the text added to BASE (or a replacement in it), and fragments the
/// message must hold. One line per new field and kind of mistake.
#[test]
fn every_new_field_refuses_wrong_types_ranges_and_references() {
    let protocol = |activation: &str| {
        format!(
            "protocols:\n  p:\n    activation: {activation}\nvariants:\n  - {{name: a, protocol: p}}\n"
        )
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        // members
        (
            "protocols:\n  p:\n    members: [social, socail]\n    activation: {or_at: 1h}\n".into(),
            vec!["protocols.p.members[1]", "found `socail`", "did you mean `social`?"],
        ),
        (
            "protocols:\n  p:\n    members: social\n    activation: {or_at: 1h}\n".into(),
            vec!["t.yaml:", "expected a list"],
        ),
        (
            "protocols:\n  p:\n    members: []\n    activation: {or_at: 1h}\n".into(),
            vec!["protocols.p.members", "at least one member platform"],
        ),
        // detections
        (protocol("{detections: 0}"), vec!["protocols.p.activation.detections", "a count >= 1, found 0"]),
        (protocol("{detections: many}"), vec!["t.yaml:", "expected a whole number", "`many`"]),
        // platforms_reached
        (protocol("{platforms_reached: 7}"), vec!["protocols.p.activation.platforms_reached", "at most the number of platforms (6), found 7"]),
        (protocol("{platforms_reached: 0}"), vec!["protocols.p.activation.platforms_reached", "found 0"]),
        (protocol("{platforms_reached: 2.5}"), vec!["t.yaml:", "not a whole number"]),
        // after
        (protocol("{after: gifct}"), vec!["protocols.p.activation.after", "found `gifct`"]),
        (
            "protocols:\n  a:\n    activation: {after: b}\n  b:\n    activation: {after: c}\n  c:\n    activation: {after: a}\n".into(),
            vec!["protocols.a.activation.after", "a cycle: a after b after c after a"],
        ),
        (protocol("{after: p}"), vec!["a cycle: p after p"]),
        (protocol("{after: [p]}"), vec!["t.yaml:", "expected text, found a list"]),
        // content
        (protocol("{detections: 1, content: [atack-video]}"), vec!["protocols.p.activation.content[0]", "did you mean `attack-video`?"]),
        (protocol("{detections: 1, content: []}"), vec!["protocols.p.activation.content", "at least one content item"]),
        (protocol("{detections: 1, content: attack-video}"), vec!["t.yaml:", "expected a list"]),
        // a trigger is needed
        (protocol("{decision_time: 1h}"), vec!["protocols.p.activation", "expected a trigger"]),
        // protocol lists on variants
        (
            "protocols:\n  p:\n    activation: {or_at: 1h}\nvariants:\n  - {name: a, protocol: [p, none]}\n".into(),
            vec!["variants[a].protocol", "`none` only on its own"],
        ),
        (
            "protocols:\n  p:\n    activation: {or_at: 1h}\nvariants:\n  - {name: a, protocol: [p, p]}\n".into(),
            vec!["variants[a].protocol", "found `p` twice"],
        ),
        (
            "protocols:\n  p:\n    activation: {or_at: 1h}\nvariants:\n  - {name: a, protocol: [p, q]}\n".into(),
            vec!["variants[a].protocol[1]", "found `q`"],
        ),
        (
            "protocols:\n  p:\n    activation: {or_at: 1h}\nvariants:\n  - {name: a, protocol: []}\n".into(),
            vec!["variants[a].protocol", "found an empty list"],
        ),
        (
            "protocols:\n  p:\n    activation: {or_at: 1h}\nvariants:\n  - {name: a, protocol: {p: 1}}\n".into(),
            vec!["t.yaml:", "a protocol name, or a list of protocol names"],
        ),
        // live
        (
            "    live: {for: 17m, views_per_hour: 700}\n".into(),
            vec!["content[attack-video].live", "only on content of `kind: livestream`", "kind: video"],
        ),
        (
            "    kind: livestream\n    live: {for: 0m, views_per_hour: 700}\n".into(),
            vec!["content[attack-video].live.for", "found 0m"],
        ),
        (
            "    kind: livestream\n    live: {for: 17m, views_per_hour: -1}\n".into(),
            vec!["content[attack-video].live.views_per_hour", "found -1"],
        ),
        (
            "    kind: livestream\n    live: {for: 17m, views_per_hour: 7, flags_per_1k_views: -2}\n".into(),
            vec!["content[attack-video].live.flags_per_1k_views", "found -2"],
        ),
        (
            "    kind: livestream\n    live: {for: 17, views_per_hour: 7}\n".into(),
            vec!["t.yaml:", "did you mean `17m`?"],
        ),
        (
            "    kind: livestream\n    live: {views_per_hour: 7}\n".into(),
            vec!["t.yaml:", "missing field `for`"],
        ),
        // link kind and click_through
        (
            "links:\n  - {from: clips, to: social, per_hour: 1, kind: posts}\n".into(),
            vec!["t.yaml:", "unknown variant `posts`", "did you mean `post`?"],
        ),
        (
            "links:\n  - {from: clips, to: social, per_hour: 1, kind: post, click_through: 1.5}\n".into(),
            vec!["links[0].click_through", "a probability in [0, 1], found 1.5"],
        ),
        (
            "links:\n  - {from: clips, to: social, per_hour: 1, click_through: 0.1}\n".into(),
            vec!["links[0].click_through", "only on a link of `kind: post`"],
        ),
        (
            "links:\n  - {from: clips, to: socail, per_hour: 1, kind: post}\n".into(),
            vec!["links[0].to", "did you mean `social`?"],
        ),
        (
            "links:\n  - {from: clips, to: social, per_hour: 1, kind: post}\n  - {from: clips, to: social, per_hour: 2, kind: post}\n".into(),
            vec!["links[1]", "one post link per (from, to) pair"],
        ),
        // acceptance
        (
            "authorities:\n  - {id: iru, monitors: [social], finds_per_hour: 1, acceptance: 1.2}\n".into(),
            vec!["authorities[iru].acceptance", "found 1.2"],
        ),
        (
            "authorities:\n  - {id: iru, monitors: [social], finds_per_hour: 1, acceptance: most}\n".into(),
            vec!["t.yaml:", "expected a number", "most"],
        ),
        // objectives naming a protocol
        (
            "protocols:\n  p:\n    activation: {or_at: 1h}\nobjectives:\n  - {id: o, activate_within: 1h, protocol: q}\n".into(),
            vec!["objectives[o].protocol", "found `q`"],
        ),
        (
            "protocols:\n  p:\n    activation: {or_at: 1h}\nobjectives:\n  - {id: o, exposure_below: 100, protocol: p}\n".into(),
            vec!["objectives[o].protocol", "only with `activate_within` or `notify_within`"],
        ),
    ];
    for (extra, want) in cases {
        let e = load(&extra)
            .err()
            .unwrap_or_else(|| panic!("should not load:\n{extra}"));
        for w in want {
            assert!(e.contains(w), "{extra}\nexpected `{w}` in:\n{e}");
        }
    }

    // on_match and the posture's fields, on a platform.
    for (from, to, want) in [
        (
            "    review: {reviewers: 2, time: 5m}\n  - id: social",
            "    on_match: reveiw\n    review: {reviewers: 2, time: 5m}\n  - id: social",
            vec!["unknown variant `reveiw`", "did you mean `review`?"],
        ),
        (
            "    review: {reviewers: 2, time: 5m}\n  - id: social",
            "    crisis_posture: {on_match: stop}\n    review: {reviewers: 2, time: 5m}\n  - id: social",
            vec!["unknown variant `stop`"],
        ),
        (
            "    review: {reviewers: 2, time: 5m}\n  - id: social",
            "    crisis_posture: {views_factor: -0.5}\n    review: {reviewers: 2, time: 5m}\n  - id: social",
            vec![
                "platforms[streamsite].crisis_posture.views_factor",
                "found -0.5",
            ],
        ),
        (
            "    review: {reviewers: 2, time: 5m}\n  - id: social",
            "    crisis_posture: {views_factor: half}\n    review: {reviewers: 2, time: 5m}\n  - id: social",
            vec!["t.yaml:", "expected a number"],
        ),
    ] {
        let text = BASE.replacen(from, to, 1);
        let e = parse(&text, "t.yaml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("should not load: {to}"));
        for w in want {
            assert!(e.contains(w), "{to}\nexpected `{w}` in:\n{e}");
        }
    }
}
