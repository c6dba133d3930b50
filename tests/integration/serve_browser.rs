//! `ttx serve` in a real browser (headless Chromium): a facilitator, the situation board
//! and two seats in one scripted session. The moves reach every page by their live
//! updates, a seat's decisions appear on the facilitator's page, a forbidden one is
//! refused on the seat's page, the board's charts redraw, a reloaded tab gets its seat
//! back, and no page logs an error.

use std::time::{Duration, Instant};

use crate::browser::{Browser, Page};
use crate::serving::{Served, tutorial};

/// Wait (at most 20 s) until `js` evaluates to true on `page`.
fn wait_for(page: &Page<'_>, what: &str, js: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if page.eval::<bool>(js) {
            return;
        }
        if Instant::now() > deadline {
            let body: String = page.eval("document.body.innerText");
            panic!("timed out waiting for {what} ({js}); the page shows:\n{body}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn text_of(page: &Page<'_>, id: &str) -> String {
    page.eval(&format!("document.getElementById({id:?}).textContent"))
}

fn click(page: &Page<'_>, id: &str) {
    let _: bool = page.eval(&format!(
        "(() => {{ document.getElementById({id:?}).click(); return true; }})()"
    ));
}

/// Fill the seat's decision form and send it.
fn form_decision(page: &Page<'_>, kind: &str, platform: &str, count: u32) {
    let _: bool = page.eval(&format!(
        "(() => {{ const k = document.getElementById('kind'); k.value = {kind:?}; k.dispatchEvent(new Event('change'));
            document.getElementById('platform').value = {platform:?}; document.getElementById('count').value = '{count}';
            document.getElementById('send').click(); return true; }})()"
    ));
}

fn clock_is(t: &str) -> String {
    format!("document.getElementById('clock').textContent === {t:?}")
}

#[test]
fn a_scripted_session_with_a_facilitator_and_two_seats_runs_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tutorial().display().to_string();
    let s = Served::start(
        dir.path(),
        &[
            &scenario,
            "--out",
            "out",
            "--replications",
            "4",
            "--threads",
            "2",
        ],
    );
    let browser = Browser::launch();
    let fac = browser.open(&s.url("facilitator"));
    let board = browser.open(&s.url("board"));
    let desk = browser.open(&s.url("videotube-desk"));
    let unit = browser.open(&s.url("referral-unit"));
    let pages = [&fac, &board, &desk, &unit];
    for p in pages {
        wait_for(p, "the first view", &clock_is("T+00:00"));
    }
    assert_eq!(text_of(&desk, "role-name"), "VideoTube trust & safety");
    // The seat's form offers only the role's decisions and platforms.
    let kinds: Vec<String> =
        desk.eval("Array.from(document.getElementById('kind').options).map(o => o.value)");
    assert_eq!(kinds, ["surge", "note"]);
    let platforms: Vec<String> =
        unit.eval("Array.from(document.getElementById('platform').options).map(o => o.value)");
    assert_eq!(platforms, ["livestream", "fringe-board", "videotube"]);
    // The facilitator lists every seat's join link.
    wait_for(
        &fac,
        "the join links",
        "document.querySelectorAll('#seats li').length === 5",
    );

    // The facilitator moves to the next inject: every page follows.
    let chart_before: String =
        board.eval("document.getElementById('chart-live').getAttribute('src')");
    click(&fac, "next-inject");
    for p in pages {
        wait_for(p, "the move to the next inject", &clock_is("T+00:30"));
    }
    wait_for(
        &board,
        "the inject's message on the board",
        "document.getElementById('messages').textContent.includes('first user report')",
    );

    // A seat's decision, through its form, shows on the facilitator's page.
    form_decision(&desk, "surge", "videotube", 25);
    wait_for(
        &desk,
        "the desk's answer",
        "document.getElementById('answer').textContent.includes('surged videotube to 25 reviewers')",
    );
    wait_for(
        &fac,
        "the desk's decision on the facilitator's page",
        "document.getElementById('feed').textContent.includes('surge videotube 25')",
    );
    // The other seat's, typed as at the prompt.
    let _: bool = unit.eval(
        "(() => { document.getElementById('text').value = 'note first finds expected on videotube'; document.getElementById('send-text').click(); return true; })()",
    );
    wait_for(
        &fac,
        "the unit's note on the facilitator's page",
        "document.getElementById('feed').textContent.includes('first finds expected')",
    );
    // A forbidden decision is refused on the seat's page, with the reason.
    let _: bool = desk.eval(
        "(() => { document.getElementById('text').value = 'refer videotube 3'; document.getElementById('send-text').click(); return true; })()",
    );
    wait_for(
        &desk,
        "the refusal",
        "document.getElementById('answer').textContent.includes('may not take `refer` decisions') && document.getElementById('answer').className.includes('refused')",
    );

    // Two more moves; the board's charts redraw each time.
    click(&fac, "step");
    for p in pages {
        wait_for(p, "a step", &clock_is("T+01:00"));
    }
    click(&fac, "step");
    wait_for(&board, "a second step", &clock_is("T+01:30"));
    let chart_after: String =
        board.eval("document.getElementById('chart-live').getAttribute('src')");
    assert_ne!(chart_before, chart_after, "the chart is fetched again");
    wait_for(
        &board,
        "the charts drawn",
        "Array.from(document.querySelectorAll('img[data-chart]')).every(i => i.complete && i.naturalWidth > 300)",
    );
    let shot = board.screenshot();
    // TTX_SERVE_SCREENSHOTS=DIR keeps the pages as pictures (the README's is board.png).
    if let Some(dir) = std::env::var_os("TTX_SERVE_SCREENSHOTS") {
        let dir = std::path::Path::new(&dir);
        std::fs::write(dir.join("board.png"), &shot.png).unwrap();
        std::fs::write(dir.join("facilitator.png"), &fac.screenshot().png).unwrap();
        std::fs::write(dir.join("seat.png"), &unit.screenshot().png).unwrap();
    }
    for r in board.rects("img[data-chart]") {
        assert!(r.width > 300.0 && r.height > 100.0, "laid out at {r:?}");
        assert!(shot.ink(r, 3.0) > 0.01, "a chart is blank at {r:?}");
    }

    // A reloaded tab gets its seat back, with its decisions.
    let desk_again = browser.open(&s.url("videotube-desk"));
    wait_for(&desk_again, "the seat again", &clock_is("T+01:30"));
    assert_eq!(
        text_of(&desk_again, "role-name"),
        "VideoTube trust & safety"
    );
    assert!(text_of(&desk_again, "feed").contains("surge videotube 25"));

    // The facilitator ends the session: the debrief opens on the page.
    click(&fac, "end");
    wait_for(
        &fac,
        "the debrief",
        "!document.getElementById('debrief-section').hidden && document.getElementById('debrief').textContent.includes('DEBRIEF')",
    );
    wait_for(
        &desk,
        "the end on the seat",
        "document.getElementById('send').disabled",
    );

    for (name, p) in [
        ("facilitator", &fac),
        ("board", &board),
        ("desk", &desk),
        ("unit", &unit),
        ("desk reloaded", &desk_again),
    ] {
        let errors = p.console_errors();
        assert!(errors.is_empty(), "{name}: console errors: {errors:?}");
        let elsewhere: Vec<String> = p
            .requests()
            .into_iter()
            .filter(|u| !u.starts_with(&s.base) && !u.starts_with("data:"))
            .collect();
        assert!(elsewhere.is_empty(), "{name} fetched {elsewhere:?}");
    }
    click(&fac, "close");
    let mut s = s;
    assert!(s.wait().success());
    assert!(dir.path().join("out/after-action.md").exists());
}
