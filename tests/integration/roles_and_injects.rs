//! The scenario's `roles:` (checked on load, enforced at the prompt as in the browser)
//! and the facilitator's hold and early or late delivery of injects.

use ttx::engine::InjectState;
use ttx::exercise::command::{Command, parse_in};
use ttx::exercise::{Outcome, Session};
use ttx::scenario::parse;
use ttx::sink::EventKind;

use crate::common::{shipped, ttx};

const BASE: &str = r#"
name: roles
horizon: 8h
platforms:
  - {id: videotube, views_per_hour: 60, attention_half_life: 1h, jurisdiction: eu,
     detection: {proactive_per_hour: 0.5}, review: {reviewers: 2, time: {exp: 10m}}}
  - {id: fringe-board, views_per_hour: 10, attention_half_life: 1h,
     review: {reviewers: 1, time: {exp: 10m}}}
links:
  - {from: videotube, to: fringe-board, per_hour: 0.5}
content:
  - {id: clip, origin: {platform: videotube, at: 0m}}
authorities:
  - {id: iru, monitors: [videotube], finds_per_hour: 1}
injects:
  - {at: 1h, kind: message, note: "First reports"}
  - {at: 2h, kind: virality, platform: videotube, factor: 3.0, for: 1h, note: "A famous account shares it"}
"#;

fn with_roles(roles: &str) -> String {
    format!("{BASE}roles:\n{roles}")
}

fn load_error(yaml: &str) -> String {
    match parse(yaml, "roles.yaml") {
        Ok(_) => panic!("loaded:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn roles_are_checked_on_load_with_the_field_path_and_a_suggestion() {
    let e = load_error(&with_roles(
        "  - {id: desk, decisions: [surge], platforms: [videotub]}\n",
    ));
    assert!(
        e.contains("roles[desk].platforms[0]") && e.contains("did you mean `videotube`?"),
        "{e}"
    );
    let e = load_error(&with_roles(
        "  - {id: desk, decisions: [surge, surge], platforms: [videotube]}\n",
    ));
    assert!(
        e.contains("roles[desk].decisions[1]") && e.contains("found `surge` again"),
        "{e}"
    );
    let e = load_error(&with_roles(
        "  - {id: unit, decisions: [refer], authorities: [europol]}\n",
    ));
    assert!(
        e.contains("roles[unit].authorities[0]") && e.contains("iru"),
        "{e}"
    );
    let e = load_error(&with_roles("  - {id: desk, decisions: [deliver]}\n"));
    assert!(e.contains("deliver") && e.contains("push-hashes"), "{e}");
    let e = load_error(&with_roles(
        "  - {id: desk, decisions: [surge]}\n  - {id: desk, decisions: [note]}\n",
    ));
    assert!(e.contains("roles[1].id") && e.contains("unique"), "{e}");
    let e = load_error(&with_roles("  - {id: desk, decisions: []}\n"));
    assert!(
        e.contains("roles[desk].decisions") && e.contains("at least one"),
        "{e}"
    );
}

#[test]
fn a_role_reaches_its_own_platforms_and_those_its_authorities_monitor() {
    let s = parse(
        &with_roles(
            "  - {id: desk, name: Desk, decisions: [surge, note], platforms: [fringe-board]}\n  - {id: unit, decisions: [refer, order], authorities: [iru]}\n  - {id: hub, decisions: [activate, notify]}\n",
        ),
        "roles.yaml",
    )
    .expect("valid");
    let v = &s.variants[0];
    let model = &v.model;
    let play = |line: &str| parse_in(line, model, &[]).map_err(|e| e.to_string());
    assert!(matches!(
        play("as desk: surge fringe-board 5"),
        Ok(Command::Decide { .. })
    ));
    assert_eq!(
        play("as desk: surge videotube 5").unwrap_err(),
        "role `desk` does not speak for platform `videotube` (its platforms: fringe-board)"
    );
    assert!(matches!(
        play("as unit: order videotube 2"),
        Ok(Command::Decide { .. })
    ));
    assert_eq!(
        play("as unit: refer fringe-board 2").unwrap_err(),
        "role `unit` does not speak for platform `fringe-board` (its platforms: videotube)"
    );
    // A role with neither platforms nor authorities may name any platform.
    assert!(matches!(
        play("as hub: notify videotube"),
        Ok(Command::Decide { .. })
    ));
    assert_eq!(
        play("as hubb: notify all").unwrap_err(),
        "no role `hubb` in this scenario (did you mean `hub`?); its roles are: desk, unit, hub"
    );
    assert_eq!(
        play("as hub: hold 2").unwrap_err(),
        "`hold` is the facilitator's decision, not a role's"
    );
    // Without a role, the facilitator (at the terminal: whoever types) may do anything.
    assert!(matches!(
        play("refer fringe-board 2"),
        Ok(Command::Decide { .. })
    ));
}

#[test]
fn at_the_terminal_prompt_a_role_may_take_only_its_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let out = ttx()
        .current_dir(dir.path())
        .arg("exercise")
        .arg(shipped("tutorial.yaml"))
        .args(["--replications", "2", "--threads", "1", "--out", "out"])
        .write_stdin(
            "as videotube-desk: refer videotube 3\nas videotube-desk: surge videotube 20\nas somebody: note hi\nend\n",
        )
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains(
            "role `videotube-desk` may not take `refer` decisions (it may take: surge, note)"
        ),
        "{text}"
    );
    assert!(text.contains("surged videotube to 20 reviewers"), "{text}");
    assert!(
        text.contains("no role `somebody` in this scenario; its roles are: referral-unit, videotube-desk, crisis-hub"),
        "{text}"
    );
}

/// The times at which inject `n` (1-based) fired and ended, from the event log.
fn fired(session: &Session<'_>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let tag = format!("inject {n} ");
    let times = |kind: EventKind| {
        session
            .record
            .events
            .iter()
            .filter(|e| e.kind == kind && e.detail.starts_with(&tag))
            .map(|e| e.time)
            .collect()
    };
    (times(EventKind::Inject), times(EventKind::InjectEnded))
}

fn decide(session: &mut Session<'_>, line: &str) -> Result<String, String> {
    let cmd = parse_in(line, session.model(), &[]).map_err(|e| e.to_string())?;
    session.decide(&cmd).map_err(|e| e.to_string())
}

#[test]
fn an_inject_delivered_early_fires_then_and_not_again_at_its_time() {
    let s = parse(BASE, "roles.yaml").unwrap();
    let mut session = Session::new(&s, 0, 7, 30.0);
    session.advance(Some(30.0)).unwrap();
    assert_eq!(session.next_inject(), Some(0));
    let what = decide(&mut session, "deliver 2").unwrap();
    assert_eq!(what, "delivered inject 2 (scheduled T+02:00)");
    assert_eq!(session.inject_states()[1], InjectState::Delivered);
    assert_eq!(
        decide(&mut session, "deliver 2").unwrap_err(),
        "inject 2 has been delivered already"
    );
    // It lasts its hour from when it was delivered.
    while session.advance(Some(60.0)).unwrap() != Outcome::Finished {}
    assert_eq!(fired(&session, 2), (vec![30.0], vec![90.0]));
    let line = session
        .record
        .events
        .iter()
        .find(|e| e.kind == EventKind::Inject && e.detail.starts_with("inject 2 "))
        .unwrap();
    assert_eq!(
        line.detail,
        "inject 2 at T+00:30 (scheduled T+02:00): A famous account shares it [virality x3 for 60 min]"
    );
    // The message inject was untouched.
    assert_eq!(fired(&session, 1).0, vec![60.0]);
}

#[test]
fn a_held_inject_does_not_stop_the_clock_or_fire_until_it_is_delivered() {
    let s = parse(BASE, "roles.yaml").unwrap();
    let mut session = Session::new(&s, 0, 7, 30.0);
    decide(&mut session, "hold 2").unwrap();
    assert_eq!(
        decide(&mut session, "hold 2").unwrap_err(),
        "inject 2 is held already (deliver it with `deliver 2`)"
    );
    // Moves of 3 hours stop at inject 1 (1h), then run past 2h.
    session.advance(Some(180.0)).unwrap();
    assert_eq!(session.now(), 60.0);
    assert_eq!(session.next_inject(), None);
    session.advance(Some(180.0)).unwrap();
    assert_eq!(session.now(), 240.0);
    assert_eq!(fired(&session, 2), (vec![], vec![]));
    decide(&mut session, "deliver 2").unwrap();
    while session.advance(None).unwrap() != Outcome::Finished {}
    assert_eq!(fired(&session, 2), (vec![240.0], vec![300.0]));
    // A late delivery changes the run as a decision does: replayed, it gives the same.
    let replay = ttx::exercise::Replay {
        variant: 0,
        seed: 7,
        step: 30.0,
        schedule: session.schedule().clone(),
        paused_at: None,
        notes: Vec::new(),
    };
    let mut again = ttx::sink::Recorder::new(true);
    ttx::exercise::run_schedule(&s, &replay, 1, 1, true, &mut again).unwrap();
    let kinds = |events: &[ttx::sink::EventRecord]| -> Vec<(String, String)> {
        events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Inject | EventKind::InjectEnded))
            .map(|e| (format!("{:.3}", e.time), e.detail.clone()))
            .collect()
    };
    assert_eq!(kinds(&again.events), kinds(&session.record.events));
}
