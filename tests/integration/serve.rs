//! `ttx serve` over HTTP: join tokens guard every request, a seat takes only its role's
//! decisions, a killed server resumes from its record to the same outputs, a browser
//! session's record replays at the terminal, and 30 seats at once are served.

use std::time::{Duration, Instant};

use crate::common::ttx;
use crate::serving::{Listener, Served, outcome_files, request, tutorial};

/// The flags every session here is served with: the tutorial, a short debrief.
fn args(out: &str, extra: &[&str]) -> Vec<String> {
    let mut a = vec![tutorial().display().to_string()];
    for w in ["--out", out, "--replications", "4", "--threads", "2"]
        .iter()
        .chain(extra)
    {
        a.push(w.to_string());
    }
    a
}

#[test]
fn a_request_without_a_token_or_with_another_seats_token_gets_403() {
    let dir = tempfile::tempdir().unwrap();
    let s = Served::start(dir.path(), &args("out", &[]));
    let (fac, board, desk) = (
        s.seat("facilitator").to_string(),
        s.seat("board").to_string(),
        s.seat("videotube-desk").to_string(),
    );
    let step = r#"{"action":"step"}"#;
    let note = r#"{"text":"note hello"}"#;
    // No token at all, a made-up one, and a token cut short.
    for path in [
        "/".to_string(),
        "/state".to_string(),
        "/t/00000000000000000000000000000000/".to_string(),
        format!("{}state", &fac[..fac.len() - 2]),
    ] {
        let (status, body) = s.get(&path);
        assert_eq!(status, 403, "GET {path}: {body}");
    }
    // A player's token does not open the facilitator's controls, the join links or the
    // board's charts; the board's takes no decisions.
    for (method, path, body) in [
        ("POST", format!("{desk}clock"), Some(step)),
        ("GET", format!("{desk}links"), None),
        ("GET", format!("{desk}chart/live.svg"), None),
        ("POST", format!("{board}decide"), Some(note)),
        ("POST", format!("{board}clock"), Some(step)),
    ] {
        let (status, answer) = s.request(method, &path, body);
        assert_eq!(status, 403, "{method} {path}: {answer}");
    }
    // Each token opens its own page, and the facilitator's what it should.
    for seat in [
        "facilitator",
        "board",
        "referral-unit",
        "videotube-desk",
        "crisis-hub",
    ] {
        let (status, page) = s.get(s.seat(seat));
        assert_eq!(status, 200, "{seat}");
        assert!(page.contains("ttx.js"), "{seat}: {page}");
    }
    assert_eq!(s.get(&format!("{fac}links")).0, 200);
    assert_eq!(s.get(&format!("{board}chart/live.svg")).0, 200);
    // Nothing was moved by the refused requests.
    assert_eq!(s.state("facilitator")["clock"], "T+00:00");
    let desk_view = s.state("videotube-desk");
    assert_eq!(desk_view["role"]["id"], "videotube-desk");
    // A desk sees its own platform only, and no totals.
    let platforms: Vec<&str> = desk_view["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["videotube"]);
    assert!(desk_view.get("headline").is_none(), "{desk_view}");
    assert!(
        desk_view.get("injects").is_none(),
        "the injects list is the facilitator's"
    );
    // The tokens are in the seats file beside the record, readable by the owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("out/record.yaml.seats")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn a_seats_forbidden_decision_is_refused_with_the_reason_and_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let s = Served::start(dir.path(), &args("out", &[]));
    s.clock("step");
    for (seat, text, reason) in [
        (
            "videotube-desk",
            "refer videotube 3",
            "role `videotube-desk` may not take `refer` decisions (it may take: surge, note)",
        ),
        (
            "videotube-desk",
            "surge fringe-board 30",
            "role `videotube-desk` does not speak for platform `fringe-board` (its platforms: videotube)",
        ),
        (
            "referral-unit",
            "activate",
            "role `referral-unit` may not take `activate` decisions (it may take: refer, order, note)",
        ),
        (
            "crisis-hub",
            "deliver 3",
            "`deliver` is the facilitator's decision, not a role's",
        ),
        (
            "crisis-hub",
            "next",
            "`next` is not a decision; type `help` for the list",
        ),
    ] {
        let a = s.decide(seat, text);
        assert_eq!(a["accepted"], false, "{seat}: {text}: {a}");
        assert_eq!(a["message"], reason, "{seat}: {text}");
    }
    // Malformed input is refused as strictly as at the prompt.
    let a = s.decide("videotube-desk", "surge videotube lots");
    assert_eq!(a["message"], "surge: expected a whole number, found `lots`");
    let long = "note ".to_string() + &"x".repeat(2000);
    let (status, _) = s.request(
        "POST",
        &format!("{}decide", s.seat("crisis-hub")),
        Some(&serde_json::json!({ "text": long }).to_string()),
    );
    assert_eq!(status, 400);
    // Allowed decisions are taken.
    s.decided("videotube-desk", "surge videotube 25");
    s.decided("crisis-hub", "activate");
    let feed = s.state("facilitator")["feed"].as_array().unwrap().clone();
    assert_eq!(
        feed.len(),
        8,
        "every decision that came in, refused ones too"
    );
    let record = std::fs::read_to_string(dir.path().join("out/record.yaml")).unwrap();
    let decisions: Vec<&str> = record.lines().filter(|l| l.contains("decision:")).collect();
    assert_eq!(
        decisions,
        [
            r#"  - {at: "30m", role: "videotube-desk", decision: "surge videotube 25"}"#,
            r#"  - {at: "30m", role: "crisis-hub", decision: "activate"}"#,
        ]
    );
}

/// One step of a scripted session.
enum Move {
    Clock(&'static str),
    Decide(&'static str, &'static str),
}

/// A session with decisions from three seats and the facilitator, an inject held and
/// delivered late, the clock run by steps.
const SCRIPT: &[Move] = &[
    Move::Clock("step"),
    Move::Decide("crisis-hub", "activate"),
    Move::Decide("videotube-desk", "surge videotube 20"),
    // Inject 3 (at 2h) is held: the clock does not stop there.
    Move::Decide("facilitator", "hold 3"),
    Move::Clock("step"),
    Move::Clock("step"),
    Move::Clock("step"),
    Move::Decide("referral-unit", "refer videotube 5"),
    // (a resumed session is killed here, in the middle, at 2h)
    Move::Clock("step"),
    Move::Decide("facilitator", "deliver 3"),
    Move::Clock("step"),
    Move::Decide("crisis-hub", "notify all"),
    Move::Decide("referral-unit", "order videotube 3"),
    Move::Clock("step"),
];

const KILLED_AFTER: usize = 8;

fn play(s: &Served, moves: &[Move]) {
    for m in moves {
        match m {
            Move::Clock(a) => {
                s.clock(a);
            }
            Move::Decide(seat, text) => {
                s.decided(seat, text);
            }
        }
    }
}

#[test]
fn killing_the_server_mid_session_and_resuming_gives_the_same_final_outputs_as_an_uninterrupted_session()
 {
    let dir = tempfile::tempdir().unwrap();
    // Uninterrupted.
    let s = Served::start(dir.path(), &args("whole", &[]));
    play(&s, SCRIPT);
    let whole_clock = s.state("facilitator")["clock"].clone();
    assert!(s.end_and_close().success());

    // Killed (SIGKILL: nothing runs at the end) after half the moves, then resumed.
    let s = Served::start(dir.path(), &args("cut", &[]));
    let links = s.links.clone();
    play(&s, &SCRIPT[..KILLED_AFTER]);
    let before = s.state("facilitator");
    s.kill();
    let resumed = Served::start(dir.path(), &args("cut", &["--resume", "cut/record.yaml"]));
    assert!(
        resumed
            .banner
            .contains("resumed from cut/record.yaml at T+02:00"),
        "{}",
        resumed.banner
    );
    assert_eq!(
        resumed.links, links,
        "a resumed session keeps its join links"
    );
    let after = resumed.state("facilitator");
    for key in ["clock", "headline", "platforms", "protocols", "injects"] {
        assert_eq!(after[key], before[key], "{key} after resuming");
    }
    // The accepted decisions are listed again.
    let texts = |v: &serde_json::Value| -> Vec<String> {
        v["feed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts(&after), texts(&before));
    play(&resumed, &SCRIPT[KILLED_AFTER..]);
    assert_eq!(resumed.state("facilitator")["clock"], whole_clock);
    assert!(resumed.end_and_close().success());

    let (whole, cut) = (
        outcome_files(&dir.path().join("whole")),
        outcome_files(&dir.path().join("cut")),
    );
    for (name, bytes) in &whole {
        assert!(
            cut[name] == *bytes,
            "{name} differs between the uninterrupted and the resumed session"
        );
    }
    let debrief =
        |d: &str| std::fs::read_to_string(dir.path().join(d).join("after-action.md")).unwrap();
    assert_eq!(debrief("whole"), debrief("cut"));

    // The browser's record replays at the terminal to the same outputs.
    ttx()
        .current_dir(dir.path())
        .arg("exercise")
        .arg(tutorial())
        .args(["--decisions", "whole/record.yaml", "--out", "terminal"])
        .args(["--replications", "4", "--threads", "2"])
        .assert()
        .success();
    let terminal = outcome_files(&dir.path().join("terminal"));
    for (name, bytes) in &whole {
        assert!(
            terminal[name] == *bytes,
            "{name}: the terminal's replay of the browser's record differs"
        );
    }
}

#[test]
fn sigterm_stops_the_server_with_the_record_complete_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Served::start(dir.path(), &args("out", &[]));
    s.clock("step");
    s.decided("crisis-hub", "activate");
    #[cfg(unix)]
    {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &s.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = s.wait();
        assert_eq!(exit.code(), Some(143));
        let printed = s.printed();
        assert!(printed.contains("--resume out/record.yaml"), "{printed}");
        let record = std::fs::read_to_string(dir.path().join("out/record.yaml")).unwrap();
        assert!(record.contains(r#"decision: "activate""#), "{record}");
        // Nothing but the record (and its seats) was written: the session goes on later.
        assert!(!dir.path().join("out/runs.csv").exists());
    }
}

#[test]
fn resume_refuses_flags_the_record_decides_and_a_missing_record() {
    let dir = tempfile::tempdir().unwrap();
    ttx()
        .current_dir(dir.path())
        .arg("serve")
        .arg(tutorial())
        .args(["--resume", "nowhere.yaml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nowhere.yaml: cannot read"));
    ttx()
        .current_dir(dir.path())
        .arg("serve")
        .arg(tutorial())
        .args(["--resume", "r.yaml", "--variant", "ecp"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot be used with"));
}

#[test]
fn a_port_in_use_is_refused_with_the_flag_named() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    ttx()
        .current_dir(dir.path())
        .arg("serve")
        .arg(tutorial())
        .args(["--bind", &addr])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "--bind {addr}: cannot listen there"
        )));
}

/// Thirty seats connected at once (each with its live-update stream open), each taking a
/// decision every two seconds and reloading its view, while the facilitator moves the
/// clock every second. Every request is answered, and quickly: the bound (2 s for any
/// request) is far above what a responsive server takes (milliseconds here), so it
/// fails only if requests queue behind the session. The measured latencies are printed
/// for the README.
#[test]
fn thirty_seats_at_once_are_served_without_errors_and_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let s = Served::start(dir.path(), &args("out", &["--step", "10m"]));
    let roles = ["referral-unit", "videotube-desk", "crisis-hub"];
    let listeners: Vec<Listener> = (0..30)
        .map(|i| Listener::open(&s.base, &format!("{}events", s.seat(roles[i % 3]))))
        .collect();
    let base = s.base.clone();
    let seats: Vec<String> = (0..30).map(|i| s.seat(roles[i % 3]).to_string()).collect();
    let run_for = Duration::from_secs(10);
    let start = Instant::now();
    let workers: Vec<_> = seats
        .into_iter()
        .enumerate()
        .map(|(i, seat)| {
            let base = base.clone();
            std::thread::spawn(move || {
                let mut times = Vec::new();
                // Staggered, as people are.
                std::thread::sleep(Duration::from_millis(66 * i as u64));
                let mut k = 0;
                while start.elapsed() < run_for {
                    let body = serde_json::json!({ "text": format!("note seat {i} move {k}") })
                        .to_string();
                    let t = Instant::now();
                    let (status, answer) =
                        request(&base, "POST", &format!("{seat}decide"), Some(&body));
                    times.push(t.elapsed());
                    assert_eq!(status, 200, "{answer}");
                    assert!(answer.contains(r#""accepted":true"#), "{answer}");
                    let t = Instant::now();
                    let (status, _) = request(&base, "GET", &format!("{seat}state"), None);
                    times.push(t.elapsed());
                    assert_eq!(status, 200);
                    k += 1;
                    std::thread::sleep(Duration::from_secs(2));
                }
                times
            })
        })
        .collect();
    let mut moves = 0;
    while start.elapsed() < run_for {
        s.clock("step");
        moves += 1;
        std::thread::sleep(Duration::from_secs(1));
    }
    let mut times: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("a seat's requests"))
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "30 seats: {} requests, latency median {:?}, p95 {:?}, max {:?}; {moves} moves",
        times.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
    assert!(times.len() >= 30 * 2 * 4, "{} requests", times.len());
    assert!(at(1.0) < Duration::from_secs(2), "slowest {:?}", at(1.0));
    // Every stream saw the moves and decisions as they happened.
    std::thread::sleep(Duration::from_millis(300));
    for (i, l) in listeners.iter().enumerate() {
        assert!(
            l.received() >= moves,
            "stream {i}: {} events for {moves} moves",
            l.received()
        );
    }
    let record = std::fs::read_to_string(dir.path().join("out/record.yaml")).unwrap();
    let notes = record.lines().filter(|l| l.contains("note seat")).count();
    assert_eq!(notes, times.len() / 2, "every decision is in the record");
}
