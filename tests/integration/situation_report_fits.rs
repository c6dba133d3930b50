//! The situation report fits the screen it promises, 80 columns by 24 lines (the
//! prompt's line included), however many platforms, alerts, injects and decisions there
//! are: what does not fit is summarised as "(N more ...)". At 80x24 it once overflowed:
//! "Decisions so far" grew without end and the status line wrapped.

use ttx::engine::Decision;
use ttx::exercise::{Command, Session};
use ttx::scenario::{Scenario, load, parse};

use crate::common::shipped;

fn assert_fits(report: &str, what: &str) {
    let lines: Vec<&str> = report.lines().collect();
    assert!(
        lines.len() < 24,
        "{what}: {} lines (and the prompt):\n{report}",
        lines.len()
    );
    for l in &lines {
        assert!(
            l.chars().count() <= 80,
            "{what}: a line of {} columns:\n{l}",
            l.chars().count()
        );
    }
}

/// The tutorial with 30 more platforms and 40 long injects at 1h.
fn crowded() -> Scenario {
    let text = std::fs::read_to_string(shipped("tutorial.yaml")).unwrap();
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let platforms = doc["platforms"].as_sequence_mut().unwrap();
    let template = platforms[2].clone();
    for i in 0..30 {
        let mut p = template.clone();
        p["id"] = format!("a-rather-long-platform-name-{i}").into();
        platforms.push(p);
    }
    let injects = doc["injects"].as_sequence_mut().unwrap();
    for i in 0..40 {
        let mut m = serde_yaml::Mapping::new();
        m.insert("at".into(), "1h".into());
        m.insert("kind".into(), "message".into());
        m.insert(
            "note".into(),
            format!(
                "Inject {i}: {}",
                "a long message for the players ".repeat(6)
            )
            .into(),
        );
        injects.push(serde_yaml::Value::Mapping(m));
    }
    let text = serde_yaml::to_string(&doc).unwrap();
    parse(&text, "crowded").unwrap()
}

fn play(s: &Scenario, what: &str) {
    let variant = s.variants.len() - 1;
    let mut session = Session::new(s, variant, 3, 15.0);
    session.advance(Some(0.0)).unwrap();
    assert_fits(&session.report(), what);
    let mut n = 0;
    while !session.is_finished() {
        for _ in 0..25 {
            n += 1;
            let text = format!("note decision {n} with a long text that goes on and on and on");
            let cmd = Command::Decide {
                role: Some("a-long-role-name".into()),
                decision: Decision::Note(text.clone()),
                text,
            };
            session.decide(&cmd).unwrap();
        }
        session.advance(None).unwrap();
        assert_fits(&session.report(), what);
        assert_fits(&session.platform_report(0), what);
    }
    let last = session.report();
    assert!(last.contains("more before)"), "{last}");
}

#[test]
fn the_situation_report_fits_80_by_24_with_many_platforms_alerts_injects_and_decisions() {
    let s = crowded();
    let mut session = Session::new(&s, 1, 3, 60.0);
    session.advance(Some(0.0)).unwrap();
    while session.now() < 60.0 {
        assert_fits(&session.report(), "before 1h");
        session.advance(None).unwrap();
    }
    let at_1h = session.report();
    assert_fits(&at_1h, "40 injects at once");
    assert!(at_1h.contains("more platforms"), "{at_1h}");
    assert!(at_1h.contains("inject(s)"), "{at_1h}");
    play(&s, "crowded");
    for name in [
        "tutorial.yaml",
        "christchurch-2019.yaml",
        "review-surge-stress.yaml",
    ] {
        play(&load(&shipped(name)).unwrap(), name);
    }
}
