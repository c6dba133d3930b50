//! Scenario text is untrusted: what a planner could get wrong without seeing it, and what
//! a hostile file could do to a terminal, is caught at load (issue #14). Each test is named
//! after the failure it guards against; the bad-fixture cases (tags, look-alike ids,
//! several mistakes in one file, over-long keys) are files in tests/fixtures/bad/.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ttx::scenario::{Capacity, InjectKind, parse};

const BASE: &str = "\
name: base
horizon: 6h
replications: 2
platforms:
  - id: videotube
    views_per_hour: 400
    attention_half_life: 3h
    review: {reviewers: 5, time: 10m}
  - id: filehost
    views_per_hour: 10
    attention_half_life: 1h
    review: {reviewers: 2, time: 5m}
links:
  - {from: videotube, to: filehost, per_hour: 0.5}
content:
  - id: attack-video
    origin: {platform: videotube}
";

fn with(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` once in BASE");
    BASE.replace(from, to)
}

/// `reviewers: 1e9` was called "not a whole number" while `1000000000` was accepted: a
/// whole number in exponent form is read as that number, wherever a count is expected.
#[test]
fn whole_numbers_in_exponent_form_are_not_called_fractions() {
    let text = with("reviewers: 5,", "reviewers: 1e9,")
        .replace("replications: 2", "replications: 1e2")
        + "injects:\n  - {at: 1h, kind: upload, content: attack-video, platform: filehost, count: 1e3}\n";
    let s = parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.base.platforms[0].review.reviewers,
        Capacity::Limited(1_000_000_000)
    );
    assert_eq!(s.experiment.replications, 100);
    assert!(matches!(
        s.base.injects[0].kind,
        InjectKind::Upload { count: 1000, .. }
    ));

    // A real fraction, or a number past the field's range, is refused as what it is.
    let e = parse(&with("reviewers: 5,", "reviewers: 2.5,"), "t.yaml").unwrap_err();
    assert!(
        e.to_string()
            .contains("found 2.5, which is not a whole number"),
        "{e}"
    );
    let e = parse(
        &BASE.replace("replications: 2", "replications: 1e10"),
        "t.yaml",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains(
            "expected a whole number from 0 to 4294967295, found 10000000000, which is too large"
        ),
        "{e}"
    );
    let e = parse(
        &BASE.replace("replications: 2", "replications: \"5\""),
        "t.yaml",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("did you mean `5`, without quotes?"),
        "{e}"
    );
}

/// ANSI escapes in a name cleared the screen and retitled the window, and a newline in
/// a variant name faked a table row: control characters in scenario text are shown as
/// escapes, in the model and so in everything printed or written from it.
#[test]
fn escapes_and_newlines_in_scenario_text_cannot_reach_the_terminal() {
    let text = BASE
        .replace("name: base", "name: \"\\e[2J\\e]0;owned\\aClear\"")
        .replace(
            "    views_per_hour: 10\n",
            "    name: \"File\\u202Ehost\"\n    views_per_hour: 10\n",
        )
        + "description: \"line one\\nline two\\e[31m\"\nvariants:\n  - name: \"x\\n| fake | row |\"\n";
    let s = parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.base.name, "\\u{1b}[2J\\u{1b}]0;owned\\u{7}Clear");
    assert_eq!(s.base.platforms[1].name, "File\\u{202e}host");
    assert_eq!(
        s.base.description.as_deref(),
        Some("line one\nline two\\u{1b}[31m"),
        "a description keeps its newlines"
    );
    assert_eq!(s.variants[0].name, "x\\u{a}| fake | row |");

    // And what `ttx run` prints holds no escape character or faked line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.yaml");
    std::fs::write(&path, &text).unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("ttx"))
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = [out.stdout, out.stderr].concat();
    assert!(!printed.contains(&0x1b), "an escape character was printed");
    assert!(!printed.contains(&0x07), "a bell was printed");
    let text = String::from_utf8_lossy(&printed);
    assert!(
        !text.lines().any(|l| l.starts_with("| fake")),
        "a variant name made a line of its own:\n{text}"
    );
}

/// A named pipe given as the scenario made `ttx validate` wait for ever: anything that is
/// not a regular file is refused at once, saying what it is.
#[cfg(unix)]
#[test]
fn a_named_pipe_as_the_scenario_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("scenario.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let start = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ttx"))
        .arg("validate")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // 10 s is far above the milliseconds a refusal takes, and far below "for ever".
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("ttx validate is still waiting on a named pipe");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("expected a scenario file, found a named pipe"),
        "{stderr}"
    );
}

/// An id spelt with a look-alike letter was reported once for the id and again for every
/// reference to it (all of them spelt right): the references now find the id meant.
#[test]
fn a_look_alike_in_an_id_is_reported_once_not_at_every_reference() {
    let text = with("  - id: filehost\n", "  - id: fileh\u{043E}st\n");
    let e = parse(&text, "t.yaml").unwrap_err();
    assert_eq!(e.problems().len(), 1, "{e}");
    let shown = e.to_string();
    assert!(
        shown.contains("character 6 is `\u{043E}` (U+043E, a Cyrillic letter that looks like `o`)"),
        "{shown}"
    );
    assert!(shown.contains("did you mean `filehost`?"), "{shown}");

    // A reference with a look-alike (the id itself right) names it too.
    let text = with(
        "  - {from: videotube, to: filehost, per_hour: 0.5}",
        "  - {from: videotube, to: file\u{2013}host, per_hour: 0.5}",
    );
    let e = parse(&text, "t.yaml").unwrap_err();
    let shown = e.to_string();
    assert!(shown.contains("links[0].to"), "{shown}");
    assert!(
        shown.contains("(U+2013, a dash that looks like `-`)"),
        "{shown}"
    );
}
