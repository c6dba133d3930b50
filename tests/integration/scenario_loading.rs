//! Loading scenario files: a full scenario with every field, and one test per kind of error
//! (message text and location).

use std::path::Path;
use std::sync::Arc;

use ttx::scenario::{
    Capacity, ContentKind, Dist, InjectKind, Issues, Jurisdiction, LoadError, Location, Problem,
    Scenario, load, parse,
};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenarios")
        .join(name)
}

/// A small valid scenario; tests break it one way at a time.
const MINI: &str = "\
name: mini
horizon: 24h
platforms:
  - id: videotube
    views_per_hour: 400
    attention_half_life: 3h
    review: {reviewers: 30, time: 10m}
  - id: filehost
    views_per_hour: 10
    attention_half_life: 1h
    review: {reviewers: 2, time: 5m}
content:
  - id: attack-video
    origin: {platform: videotube}
links:
  - {from: videotube, to: filehost, per_hour: 0.5}
";

const PROTOCOLS: &str = "\
protocols:
  ecp:
    activation: {confirmed_removals: 3}
";

fn ok(text: &str) -> Scenario {
    parse(text, "mini.yaml").unwrap_or_else(|e| panic!("should load:\n{e}"))
}

fn err(text: &str) -> LoadError {
    match parse(text, "mini.yaml") {
        Ok(_) => panic!("should not load:\n{text}"),
        Err(e) => {
            assert!(!e.problems.is_empty());
            e
        }
    }
}

/// `MINI` with `from` replaced by `to` (which must occur exactly once).
fn mini_with(from: &str, to: &str) -> String {
    assert_eq!(
        MINI.matches(from).count(),
        1,
        "{from:?} must occur once in MINI"
    );
    MINI.replace(from, to)
}

/// The one problem at this field path.
fn at_field<'a>(e: &'a LoadError, field: &str) -> &'a Problem {
    e.problems
        .iter()
        .find(|p| p.location == Location::Field(field.to_string()))
        .unwrap_or_else(|| panic!("no problem at {field}:\n{e}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn full_scenario_loads_with_every_field() {
    let path = fixture("full.yaml");
    let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.source, path.display().to_string());
    let m = &*s.base;

    assert_eq!(m.name, "Full scenario");
    assert_eq!(m.description.as_deref(), Some("Uses every field"));
    assert_eq!(s.experiment.horizon, 1440.0);
    assert_eq!(s.experiment.sample_every, 30.0);
    assert_eq!(s.experiment.replications, 20);
    assert_eq!(s.experiment.seed, 20190315);
    assert_eq!(m.limits.max_copies, 5000);
    assert_eq!(m.limits.max_events, Some(1_000_000));

    // Platforms: ids, names (default = id), conversions, defaults.
    assert_eq!(m.platforms.len(), 4);
    let live = &m.platforms[0];
    assert_eq!(
        (live.id.as_str(), live.name.as_str()),
        ("livestream", "Live site")
    );
    assert_eq!(live.jurisdiction, Jurisdiction::NonEu);
    assert!(!live.protocol_member && !live.hash_sharing_member);
    assert_eq!(live.views_per_min, 1.0);
    assert_eq!(live.attention_half_life, 30.0);
    assert_eq!(live.hash_recall, 0.0);
    assert_eq!(live.proactive_per_min, 0.0);
    assert_eq!(live.flags_per_1k_views, 0.0);
    assert_eq!(live.review.reviewers, Capacity::Unlimited);
    assert_eq!(live.review.time, Dist::Fixed(5.0));
    assert_eq!(live.review.accuracy, 1.0);
    assert_eq!(live.crisis_posture, None);

    let vt = &m.platforms[1];
    assert_eq!(vt.name, "Large video-sharing site");
    assert_eq!(vt.jurisdiction, Jurisdiction::Eu);
    assert!(vt.protocol_member && vt.hash_sharing_member);
    assert!(close(vt.views_per_min, 400.0 / 60.0));
    assert_eq!(vt.attention_half_life, 180.0);
    assert_eq!(vt.hash_recall, 0.9);
    assert!(close(vt.proactive_per_min, 0.2 / 60.0));
    assert_eq!(vt.flags_per_1k_views, 0.05);
    assert_eq!(vt.review.reviewers, Capacity::Limited(30));
    assert_eq!(vt.review.time, Dist::Exp { mean: 10.0 });
    assert_eq!(vt.review.accuracy, 0.98);
    let cp = vt.crisis_posture.as_ref().expect("crisis posture");
    assert_eq!(cp.reviewers, Some(Capacity::Limited(120)));
    assert_eq!(cp.ramp, 120.0);
    assert!(close(cp.proactive_per_min.unwrap(), 1.0 / 60.0));

    let fringe = &m.platforms[2];
    assert_eq!(fringe.name, "fringe-board");
    assert_eq!(fringe.attention_half_life, 90.0);
    assert_eq!(fringe.review.reviewers, Capacity::Limited(0));
    assert_eq!(
        fringe.review.time,
        Dist::LogNormal {
            median: 5.0,
            p95: 30.0
        }
    );
    let fh = &m.platforms[3];
    assert_eq!(fh.attention_half_life, 90.0);
    assert_eq!(
        fh.review.time,
        Dist::Uniform {
            low: 2.0,
            high: 10.0
        }
    );
    assert_eq!(m.platform_index("filehost"), Some(3));

    // Links: indices and per-minute rates; the graph mirrors them.
    let links: Vec<(usize, usize, f64)> =
        m.links.iter().map(|l| (l.from, l.to, l.per_min)).collect();
    assert_eq!(links.len(), 3);
    assert_eq!((links[0].0, links[0].1), (2, 1));
    assert!(close(links[0].2, 0.5 / 60.0));
    assert_eq!((links[1].0, links[1].1), (1, 1));
    assert_eq!((links[2].0, links[2].1), (2, 3));
    assert_eq!(m.graph.node_count(), 4);
    assert_eq!(m.graph.edge_count(), 3);

    // Content.
    let video = &m.contents[0];
    assert_eq!(video.id, "attack-video");
    assert_eq!(video.kind, ContentKind::Livestream);
    assert_eq!((video.origin_platform, video.origin_at), (0, 0.0));
    assert_eq!(video.virality, 1.5);
    assert_eq!(video.mutation, 0.02);
    let doc = &m.contents[1];
    assert_eq!(doc.kind, ContentKind::Document);
    assert_eq!((doc.origin_platform, doc.origin_at), (2, 10.0));
    assert_eq!(doc.virality, 1.0);
    assert_eq!(doc.mutation, 0.0);

    // Campaigns: the second one defaults start to 0 and end to the horizon.
    let c0 = &m.campaigns[0];
    assert_eq!(c0.content, 0);
    assert_eq!(c0.platforms, vec![2, 1]);
    assert_eq!((c0.start, c0.end), (30.0, 360.0));
    assert_eq!(c0.per_min, 2.0);
    assert_eq!(c0.new_variant, 0.2);
    let c1 = &m.campaigns[1];
    assert_eq!((c1.content, c1.platforms.clone()), (1, vec![3]));
    assert_eq!((c1.start, c1.end), (0.0, 1440.0));
    assert_eq!(c1.per_min, 0.1);
    assert_eq!(c1.new_variant, 0.0);

    // Authorities.
    let iru = &m.authorities[0];
    assert_eq!(iru.name, "EU Internet Referral Unit");
    assert_eq!(iru.monitors, vec![1, 3]);
    assert!(close(iru.finds_per_min, 0.05 / 60.0));
    assert_eq!(iru.analysts, Capacity::Limited(3));
    assert_eq!(iru.referral_time, Dist::Exp { mean: 20.0 });
    assert_eq!(iru.issues, Issues::RemovalOrder);
    assert_eq!(
        (iru.removal_order.deadline, iru.removal_order.compliance),
        (60.0, 0.95)
    );
    let ngo = &m.authorities[1];
    assert_eq!(ngo.name, "ngo");
    assert_eq!(ngo.monitors, vec![2]);
    assert_eq!(ngo.analysts, Capacity::Limited(1));
    assert_eq!(ngo.referral_time, Dist::Fixed(0.0));
    assert_eq!(ngo.issues, Issues::Referral);
    assert_eq!(
        (ngo.removal_order.deadline, ngo.removal_order.compliance),
        (60.0, 1.0)
    );

    assert_eq!(m.hash_sharing.delay, 360.0);
    assert!(m.hash_sharing.sweep);
    assert_eq!(m.hash_sharing.sweep_time, 0.75);

    // Protocols, in file order.
    let ids: Vec<&str> = m.protocols.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ecp", "gifct-cip"]);
    let ecp = &m.protocols[0];
    assert_eq!(ecp.activation.confirmed_removals, Some(5));
    assert_eq!(ecp.activation.platforms, 2);
    assert_eq!(ecp.activation.or_at, Some(180.0));
    assert_eq!(ecp.activation.decision_time, 60.0);
    assert_eq!(ecp.notify_time, 30.0);
    assert_eq!(ecp.hash_sharing_delay, Some(30.0));
    assert_eq!(ecp.url_sharing, Some(10.0));
    assert_eq!(ecp.authority_boost, 2.0);
    assert_eq!(ecp.deactivation_quiet_for, Some(360.0));
    let cip = &m.protocols[1];
    assert_eq!(cip.activation.confirmed_removals, None);
    assert_eq!(cip.activation.platforms, 1);
    assert_eq!(cip.activation.or_at, Some(120.0));
    assert_eq!(cip.activation.decision_time, 0.0);
    assert_eq!(cip.notify_time, 0.0);
    assert_eq!(cip.hash_sharing_delay, None);
    assert_eq!(cip.url_sharing, None);
    assert_eq!(cip.authority_boost, 1.0);
    assert_eq!(cip.deactivation_quiet_for, None);

    // Injects, in file order.
    assert_eq!(m.injects.len(), 5);
    let msg = &m.injects[0];
    assert_eq!((msg.at, &msg.kind), (45.0, &InjectKind::Message));
    assert_eq!(
        msg.note.as_deref(),
        Some("Duty officer receives first reports")
    );
    assert_eq!(msg.delivery.delivery.as_deref(), Some("phone"));
    assert_eq!(msg.delivery.from.as_deref(), Some("EU IRU"));
    assert_eq!(msg.delivery.to.as_deref(), Some("Platform trust & safety"));
    assert_eq!(
        msg.delivery.expected_action.as_deref(),
        Some("Open an incident")
    );
    assert_eq!(
        m.injects[1].kind,
        InjectKind::Virality {
            platform: Some(1),
            factor: 3.0,
            duration: Some(240.0)
        }
    );
    assert_eq!(
        m.injects[1].note.as_deref(),
        Some("A tabloid embeds a clip")
    );
    assert_eq!(
        m.injects[2].kind,
        InjectKind::Virality {
            platform: None,
            factor: 1.5,
            duration: None
        }
    );
    assert_eq!(m.injects[2].note, None);
    assert_eq!(
        m.injects[3].kind,
        InjectKind::Upload {
            content: 0,
            platform: 3,
            count: 40,
            new_variant: true
        }
    );
    assert_eq!(
        (m.injects[4].at, &m.injects[4].kind),
        (
            240.0,
            &InjectKind::Outage {
                platform: 1,
                reviewers: 0,
                duration: 60.0
            }
        )
    );

    // Variants: protocols resolved, the base shared where nothing is set.
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["baseline", "ecp", "ecp-fast-hashes", "cip"]);
    assert_eq!(s.variants[0].protocols, Vec::<usize>::new());
    assert_eq!(s.variants[1].protocols, vec![0]);
    assert_eq!(s.variants[3].protocols, vec![1]);
    assert!(Arc::ptr_eq(&s.variants[0].model, &s.base));
    assert!(Arc::ptr_eq(&s.variants[1].model, &s.base));
    assert!(s.variants[0].overrides.is_empty());

    // Overrides reach the right fields, converted like the file's own values.
    let fast = s.variant("ecp-fast-hashes").unwrap();
    assert_eq!(fast.protocols, vec![0]);
    let f = &*fast.model;
    assert_eq!(f.hash_sharing.delay, 15.0);
    assert_eq!(f.platforms[1].review.reviewers, Capacity::Limited(60));
    assert_eq!(f.platforms[3].hash_recall, 0.5);
    assert_eq!(f.platforms[0].proactive_per_min, 0.05);
    assert_eq!(f.contents[0].virality, 2.5);
    assert_eq!(f.links[2].per_min, 0.05);
    assert_eq!(f.graph.edge_weight(petgraph_edge(2)), Some(&0.05));
    assert!(matches!(f.injects[1].kind, InjectKind::Virality { factor, .. } if factor == 4.0));
    assert_eq!(f.protocols[0].notify_time, 60.0);
    assert_eq!(f.authorities[0].analysts, Capacity::Unlimited);
    assert_eq!(f.platforms[2].review.time, Dist::Exp { mean: 2.0 });
    // ... and nothing else changed.
    assert_eq!(f.platforms[1].review.time, m.platforms[1].review.time);
    assert_eq!(f.platforms[0].review, m.platforms[0].review);
    assert_eq!(f.links[0], m.links[0]);
    // The base is untouched.
    assert_eq!(m.hash_sharing.delay, 360.0);
    assert_eq!(m.platforms[1].review.reviewers, Capacity::Limited(30));
    assert_eq!(
        fast.overrides[..3],
        [
            ("hash_sharing.delay".to_string(), "15m".to_string()),
            (
                "platforms.videotube.review.reviewers".to_string(),
                "60".to_string()
            ),
            (
                "platforms.filehost.hash_recall".to_string(),
                "0.5".to_string()
            ),
        ]
    );
    assert_eq!(
        fast.overrides.last().unwrap(),
        &(
            "platforms.fringe-board.review.time".to_string(),
            "{exp: 2m}".to_string()
        )
    );
}

fn petgraph_edge(i: usize) -> petgraph::graph::EdgeIndex {
    petgraph::graph::EdgeIndex::new(i)
}

#[test]
fn defaults_where_the_file_is_silent() {
    let s = ok(MINI);
    let m = &*s.base;
    assert_eq!(s.source, "mini.yaml");
    assert_eq!(m.description, None);
    assert_eq!(s.experiment.sample_every, 15.0);
    assert_eq!(s.experiment.replications, 100);
    assert_eq!(s.experiment.seed, 1);
    assert_eq!(m.limits.max_copies, 20_000_000);
    assert_eq!(m.limits.max_events, None);
    assert_eq!(m.hash_sharing.delay, 360.0);
    assert!(!m.hash_sharing.sweep);
    assert_eq!(m.hash_sharing.sweep_time, 30.0);
    assert!(m.protocols.is_empty() && m.campaigns.is_empty());
    assert!(m.authorities.is_empty() && m.injects.is_empty());
    assert_eq!(m.contents[0].kind, ContentKind::Video);
    assert_eq!(m.contents[0].origin_at, 0.0);
    assert_eq!(s.variants.len(), 1);
    assert_eq!(s.variants[0].name, "baseline");
    assert_eq!(s.variants[0].protocols, Vec::<usize>::new());
    assert!(Arc::ptr_eq(&s.variants[0].model, &s.base));
}

#[test]
fn scenarios_shipped_with_the_project_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".targets.yaml") {
            // A targets file beside its scenario: checked as one.
            if let Err(e) = ttx::targets::load(&path) {
                panic!("{e}");
            }
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && let Err(e) = load(&path)
        {
            panic!("{e}");
        }
    }
}

// ---- Errors -------------------------------------------------------------------------

#[test]
fn unknown_field_has_line_column_and_hint() {
    let e = err(&mini_with(
        "    views_per_hour: 400",
        "    view_per_hour: 400",
    ));
    assert_eq!(e.problems.len(), 1);
    let p = &e.problems[0];
    assert_eq!(p.location, Location::LineCol { line: 5, column: 5 });
    assert!(
        p.message
            .starts_with("unknown field `view_per_hour`, expected one of `id`, `name`"),
        "{}",
        p.message
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `views_per_hour`?"));
    let shown = e.to_string();
    assert!(
        shown.starts_with("mini.yaml:5:5: unknown field `view_per_hour`, expected "),
        "{shown}"
    );
    assert!(
        shown.ends_with(" (did you mean `views_per_hour`?)"),
        "{shown}"
    );
}

#[test]
fn unknown_enum_value_has_hint() {
    let text = format!(
        "{MINI}authorities:\n  - {{id: iru, monitors: [videotube], finds_per_hour: 1, issues: removal-order}}\n"
    );
    let e = err(&text);
    let p = &e.problems[0];
    assert_eq!(p.line_col().map(|(l, _)| l), Some(18));
    assert!(
        p.message.contains("unknown variant `removal-order`"),
        "{}",
        p.message
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `removal_order`?"));
}

#[test]
fn bare_number_duration_suggests_a_unit() {
    let e = err(&mini_with(
        "attention_half_life: 3h",
        "attention_half_life: 30",
    ));
    let p = &e.problems[0];
    assert_eq!(
        p.location,
        Location::LineCol {
            line: 6,
            column: 26
        }
    );
    assert_eq!(
        p.message,
        "expected a duration with a unit, like `30m`, `2h`, `1h30m` or `1.5d`, found the number 30"
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `30m`?"));
    assert_eq!(
        e.to_string(),
        "mini.yaml:6:26: platforms[videotube].attention_half_life: expected a duration with a unit, like `30m`, `2h`, `1h30m` or `1.5d`, found the number 30 (did you mean `30m`?)"
    );
}

#[test]
fn bare_number_in_a_distribution_suggests_a_unit() {
    let e = err(&mini_with("time: 10m", "time: {exp: 10}"));
    let p = &e.problems[0];
    assert_eq!(p.line_col().map(|(l, _)| l), Some(7));
    assert!(p.message.contains("found the number 10"), "{}", p.message);
    assert_eq!(p.hint.as_deref(), Some("did you mean `10m`?"));
}

#[test]
fn malformed_and_negative_durations() {
    let e = err(&mini_with("horizon: 24h", "horizon: 24 hours"));
    assert_eq!(e.problems[0].line_col(), Some((2, 10)));
    assert!(e.problems[0].message.contains("found `24 hours`"), "{e}");
    let e = err(&mini_with("horizon: 24h", "horizon: -24h"));
    assert!(
        e.problems[0]
            .message
            .contains("expected a duration >= 0, found `-24h`"),
        "{e}"
    );
    let e = err(&mini_with("horizon: 24h", "horizon: -24"));
    assert!(e.problems[0].message.contains(">= 0"), "{e}");
}

#[test]
fn unknown_platform_in_a_link_has_hint() {
    let e = err(&mini_with("to: filehost", "to: filehots"));
    assert_eq!(e.problems.len(), 1);
    let p = at_field(&e, "links[0].to");
    assert_eq!(
        p.message,
        "expected one of the platform ids (`videotube`, `filehost`), found `filehots`"
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `filehost`?"));
    assert_eq!(
        e.to_string(),
        "mini.yaml:16:27: links[0].to: expected one of the platform ids (`videotube`, `filehost`), found `filehots` (did you mean `filehost`?)"
    );
}

#[test]
fn unknown_references_elsewhere() {
    let text = format!(
        "{}campaigns:\n  - {{content: atack-video, platforms: [videotub], per_hour: 1}}\n\
         authorities:\n  - {{id: iru, monitors: [filehost, vidotube], finds_per_hour: 1}}\n\
         injects:\n  - {{at: 1h, kind: upload, content: attack-vid, platform: filehost}}\n",
        mini_with("origin: {platform: videotube}", "origin: {platform: video}")
    );
    let e = err(&text);
    assert_eq!(e.problems.len(), 5, "{e}");
    assert_eq!(
        at_field(&e, "content[attack-video].origin.platform")
            .hint
            .as_deref(),
        Some("did you mean `videotube`?")
    );
    assert_eq!(
        at_field(&e, "campaigns[0].content").hint.as_deref(),
        Some("did you mean `attack-video`?")
    );
    assert_eq!(
        at_field(&e, "campaigns[0].platforms[0]").hint.as_deref(),
        Some("did you mean `videotube`?")
    );
    assert_eq!(
        at_field(&e, "authorities[iru].monitors[1]").hint.as_deref(),
        Some("did you mean `videotube`?")
    );
    assert_eq!(
        at_field(&e, "injects[0].content").hint.as_deref(),
        Some("did you mean `attack-video`?")
    );
}

#[test]
fn duplicate_id() {
    let e = err(&mini_with("  - id: filehost", "  - id: videotube"));
    let p = at_field(&e, "platforms[1].id");
    assert_eq!(
        p.message,
        "expected a unique platform id, found `videotube` again (first used by platforms[0])"
    );
}

#[test]
fn negative_rate() {
    let e = err(&mini_with("views_per_hour: 400", "views_per_hour: -5"));
    assert_eq!(e.problems.len(), 1);
    assert_eq!(
        e.to_string(),
        "mini.yaml:5:21: platforms[videotube].views_per_hour: expected a rate per hour >= 0, found -5"
    );
}

#[test]
fn probability_above_one() {
    let e = err(&mini_with(
        "review: {reviewers: 30, time: 10m}",
        "review: {reviewers: 30, time: 10m, accuracy: 1.5}",
    ));
    assert_eq!(
        e.to_string(),
        "mini.yaml:7:50: platforms[videotube].review.accuracy: expected a probability in [0, 1], found 1.5"
    );
}

#[test]
fn not_a_number_is_refused() {
    let e = err(&mini_with("views_per_hour: 10", "views_per_hour: .nan"));
    assert_eq!(
        at_field(&e, "platforms[filehost].views_per_hour").message,
        "expected a rate per hour >= 0, found NaN"
    );
    let e = err(&mini_with("per_hour: 0.5", "per_hour: .inf"));
    assert_eq!(
        at_field(&e, "links[0].per_hour").message,
        "expected a rate per hour >= 0, found inf"
    );
}

#[test]
fn empty_platform_list() {
    let text =
        "name: x\nhorizon: 1h\nplatforms: []\ncontent:\n  - {id: v, origin: {platform: p}}\n";
    let e = err(text);
    assert_eq!(
        at_field(&e, "platforms").message,
        "expected at least one platform, found an empty list"
    );
    // The origin cannot name a platform either; both are reported at once.
    assert_eq!(e.problems.len(), 2, "{e}");
    assert!(
        at_field(&e, "content[v].origin.platform")
            .message
            .contains("found `p`")
    );
}

#[test]
fn zero_horizon() {
    let e = err(&mini_with("horizon: 24h", "horizon: 0m"));
    assert_eq!(
        e.to_string(),
        "mini.yaml:2:10: horizon: expected a duration > 0, found 0m"
    );
}

#[test]
fn bad_id_format() {
    let e = err(&mini_with("  - id: filehost", "  - id: File_Host"));
    let p = at_field(&e, "platforms[1].id");
    assert_eq!(
        p.message,
        "expected an id of lowercase letters, digits and `-`, not starting with `-`, found `File_Host`"
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `file-host`?"));
}

#[test]
fn many_problems_are_reported_at_once() {
    let text = mini_with("horizon: 24h", "horizon: 0m")
        .replace("views_per_hour: 400", "views_per_hour: -1")
        .replace("to: filehost", "to: nowhere")
        .replace("time: 5m}", "time: 5m, accuracy: 2}");
    let e = err(&text);
    assert_eq!(e.problems.len(), 4, "{e}");
    assert_eq!(e.to_string().lines().count(), 4);
    let fields: Vec<&str> = e.problems.iter().filter_map(Problem::field).collect();
    assert_eq!(
        fields,
        [
            "horizon",
            "platforms[videotube].views_per_hour",
            "platforms[filehost].review.accuracy",
            "links[0].to"
        ]
    );
}

#[test]
fn unknown_variant_set_path() {
    let text = format!(
        "{MINI}variants:\n  - name: more\n    set:\n      platforms.videotub.review.reviewers: 60\n"
    );
    let e = err(&text);
    let p = at_field(&e, "variants[more].set.platforms.videotub.review.reviewers");
    assert_eq!(
        p.message,
        "expected the id of an item of `platforms` (`videotube`, `filehost`), found `videotub`"
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `videotube`?"));

    // A misspelt field name is caught when the variant is read, with a hint.
    let text = format!(
        "{MINI}variants:\n  - name: more\n    set:\n      hash_sharing.delay: 15m\n      platforms.videotube.review.reviewerz: 60\n"
    );
    let e = err(&text);
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = at_field(
        &e,
        "variants[more].set.platforms.videotube.review.reviewerz",
    );
    assert!(
        p.message.starts_with("unknown field `reviewerz`"),
        "{}",
        p.message
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `reviewers`?"));

    // No such list item index.
    let text = format!("{MINI}variants:\n  - name: more\n    set: {{links.4.per_hour: 1}}\n");
    let e = err(&text);
    assert_eq!(
        at_field(&e, "variants[more].set.links.4.per_hour").message,
        "expected an index into `links` (0 to 0), found `4`"
    );
}

/// A variant's `set: {seed: 99}` used to pass validation and then be ignored (the
/// "reseeded" variant's rows equalled the baseline's). The experiment settings are the
/// same for every variant (contract, section 15), so `set` refuses them, saying why.
#[test]
fn set_of_an_experiment_setting_is_refused_not_silently_ignored() {
    for (field, value) in [
        ("seed", "99"),
        ("replications", "5"),
        ("horizon", "2h"),
        ("sample_every", "5m"),
        ("name", "other"),
    ] {
        let text = format!("{MINI}variants:\n  - name: reseeded\n    set: {{{field}: {value}}}\n");
        let e = err(&text);
        let p = at_field(&e, &format!("variants[reseeded].set.{field}"));
        assert!(
            p.message.contains("experiment setting") && p.message.contains(field),
            "{field}: {}",
            p.message
        );
        let hint = p.hint.as_deref().unwrap_or_default();
        assert!(
            hint.contains("replication by replication"),
            "{field}: {hint}"
        );
    }
}

#[test]
fn wrong_type_set_value() {
    let text = format!(
        "{MINI}variants:\n  - name: more\n    set:\n      platforms.videotube.review.reviewers: lots\n"
    );
    let e = err(&text);
    assert_eq!(
        e.to_string(),
        "mini.yaml: variants[more].set.platforms.videotube.review.reviewers: expected a whole number >= 0 or `unlimited`, found `lots`"
    );

    let text = format!("{MINI}variants:\n  - name: more\n    set: {{hash_sharing.delay: 30}}\n");
    let e = err(&text);
    let p = at_field(&e, "variants[more].set.hash_sharing.delay");
    assert!(p.message.contains("found the number 30"), "{}", p.message);
    assert_eq!(p.hint.as_deref(), Some("did you mean `30m`?"));

    // A value of the right type but out of range is named by the set path too.
    let text = format!(
        "{MINI}variants:\n  - name: more\n    set: {{platforms.filehost.review.accuracy: 1.5}}\n"
    );
    let e = err(&text);
    assert_eq!(
        e.to_string(),
        "mini.yaml: variants[more].set.platforms.filehost.review.accuracy: expected a probability in [0, 1], found 1.5"
    );
}

#[test]
fn unknown_protocol_in_a_variant() {
    let text = format!(
        "{MINI}{PROTOCOLS}variants:\n  - {{name: baseline, protocol: none}}\n  - {{name: with-ecp, protocol: ecpp}}\n"
    );
    let e = err(&text);
    let p = at_field(&e, "variants[with-ecp].protocol");
    assert_eq!(
        p.message,
        "expected `none` or a protocol defined in `protocols` (`ecp`), found `ecpp`"
    );
    assert_eq!(p.hint.as_deref(), Some("did you mean `ecp`?"));
}

#[test]
fn variant_names_must_be_unique_and_non_empty() {
    let text = format!("{MINI}variants:\n  - {{name: a}}\n  - {{name: a}}\n  - {{name: ''}}\n");
    let e = err(&text);
    assert!(
        at_field(&e, "variants[1].name")
            .message
            .contains("found `a` again")
    );
    assert!(at_field(&e, "variants[2].name").message.contains("empty"));
}

#[test]
fn protocol_none_cannot_be_redefined() {
    let text = format!("{MINI}protocols:\n  none: {{notify_time: 1h}}\n");
    let e = err(&text);
    assert!(
        at_field(&e, "protocols.none").message.contains("built in"),
        "{e}"
    );
}

#[test]
fn inject_fields_must_fit_the_kind() {
    let text = format!(
        "{MINI}injects:\n  - {{at: 1h, kind: message, factor: 2}}\n  - {{at: 1h, kind: outage, platform: videotube}}\n"
    );
    let e = err(&text);
    assert_eq!(
        at_field(&e, "injects[0].factor").message,
        "expected only the fields of a `message` inject (no fields besides `at`, `kind`, `note` and the MSEL fields), found `factor`, which belongs to virality injects"
    );
    assert_eq!(
        at_field(&e, "injects[1].for").message,
        "expected `for` on a `outage` inject, found none"
    );
}

#[test]
fn at_most_64_authorities() {
    let mut text = format!("{MINI}authorities:\n");
    for i in 0..65 {
        text += &format!("  - {{id: a{i}, monitors: [videotube], finds_per_hour: 1}}\n");
    }
    let e = err(&text);
    assert_eq!(
        at_field(&e, "authorities").message,
        "expected at most 64 authorities, found 65"
    );
}

#[test]
fn distribution_checks() {
    let e = err(&mini_with(
        "time: 10m",
        "time: {lognormal: {median: 30m, p95: 5m}}",
    ));
    assert_eq!(
        at_field(&e, "platforms[videotube].review.time.lognormal.p95").message,
        "expected a p95 >= the median (30m), found 5m"
    );
    let e = err(&mini_with("time: 10m", "time: {uniform: [10m, 2m]}"));
    assert!(
        at_field(&e, "platforms[videotube].review.time.uniform")
            .message
            .contains("low <= high")
    );
    let e = err(&mini_with("time: 10m", "time: {expo: 10m}"));
    assert_eq!(e.problems[0].hint.as_deref(), Some("did you mean `exp`?"));
    assert_eq!(e.problems[0].line_col().map(|(l, _)| l), Some(7));
}

#[test]
fn yaml_syntax_error_has_line_column() {
    let e = err("name: x\nhorizon: 1h\nplatforms: [a, b\ncontent: []\n");
    let p = &e.problems[0];
    assert!(
        matches!(p.location, Location::LineCol { line: 4, .. }),
        "{e}"
    );
    let shown = e.to_string();
    assert!(shown.starts_with("mini.yaml:4:"), "{shown}");
    assert!(
        !shown.contains(" at line 4"),
        "location shown twice: {shown}"
    );
}

#[test]
fn wrong_type_has_line_column() {
    let e = err(&mini_with("views_per_hour: 400", "views_per_hour: lots"));
    assert_eq!(
        e.to_string(),
        "mini.yaml:5:21: platforms[videotube].views_per_hour: expected a number, found string \"lots\""
    );
}

#[test]
fn missing_required_field() {
    let e = err(&mini_with("    attention_half_life: 1h\n", ""));
    let p = &e.problems[0];
    assert_eq!(p.message, "missing field `attention_half_life`");
    assert_eq!(p.line_col(), Some((8, 5)));
}

#[test]
fn empty_file() {
    for text in ["", "\n\n", "# only a comment\n", "---\n"] {
        let e = err(text);
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].location, Location::File);
        assert_eq!(
            e.to_string(),
            "mini.yaml: expected a scenario (a mapping with `name`, `horizon`, `platforms` and `content`), found an empty file"
        );
    }
}

#[test]
fn top_level_must_be_a_mapping() {
    let e = err("- a\n- b\n");
    assert_eq!(
        e.to_string(),
        "mini.yaml:1:1: expected a scenario: a mapping with `name`, `horizon`, `platforms` and `content`, found a list"
    );
    let e = err("just text\n");
    assert!(e.problems[0].message.contains("found string"), "{e}");
    let e = err("null\n");
    assert!(e.problems[0].message.contains("found nothing"), "{e}");
}

#[test]
fn unreadable_file() {
    let e = load(Path::new("/nonexistent/ttx/scenario.yaml")).unwrap_err();
    assert_eq!(e.source, "/nonexistent/ttx/scenario.yaml");
    assert_eq!(e.problems[0].location, Location::File);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/ttx/scenario.yaml: cannot read the scenario file: ")
    );
}

#[test]
fn hostile_inputs_do_not_panic() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_map = "a:\n".to_string()
        + &(1..300)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect::<String>();
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let inputs = [
        deep.as_str(),
        deep_map.as_str(),
        laughs,
        "\u{feff}",
        "a: 1\n---\nb: 2\n",
        "{",
        "name: [",
        "name: x\nname: y\n",
        "*unknown",
        "!!binary aGVsbG8=",
        "\t",
        "? [a]\n: b\n",
        "name: x\nhorizon: 99999999999999999999999999d\nplatforms: []\ncontent: []\n",
        "name: x\nhorizon: 1h\nplatforms:\n  - {id: a, views_per_hour: 1e400, attention_half_life: 1h, review: {reviewers: 99999999999, time: 1m}}\ncontent: []\n",
    ];
    for text in inputs {
        let r = parse(text, "hostile.yaml");
        assert!(r.is_err(), "{text:?} should not load");
        let shown = r.unwrap_err().to_string();
        assert!(!shown.is_empty());
    }
    // Hostile variant paths.
    let long_path = vec!["x"; 5000].join(".");
    for set in [
        format!("{{{long_path}: 1}}"),
        "{'': 1}".to_string(),
        "{'.': 1}".to_string(),
        "{1: 1}".to_string(),
        "{name.x.y: 1}".to_string(),
        "{platforms.0.review.time.exp.x: 1}".to_string(),
        "{platforms.videotube: 3}".to_string(),
        "{platforms: 3}".to_string(),
        "{variants.0.name: x}".to_string(),
        "{platforms.videotube.id: other}".to_string(),
    ] {
        let text = format!("{MINI}variants:\n  - name: v\n    set: {set}\n");
        assert!(
            parse(&text, "hostile.yaml").is_err(),
            "{set} should not load"
        );
    }
}

#[test]
fn duplicate_key() {
    let e = err(&format!("{MINI}protocols:\n  ecp: {{}}\n  ecp: {{}}\n"));
    assert_eq!(
        e.to_string(),
        "mini.yaml:18:3: protocols: expected each key once in the mapping that starts here, found `ecp` twice"
    );
}
