//! The shipped scenarios use part II's mechanisms the way the real incidents did, and
//! their variants differ in the intended direction (fixed seeds: the scenario's own;
//! common random numbers, so variants are compared replication by replication).
//!
//! Tolerances: a paired difference is "clearly" of one sign when its 95% interval
//! (mean ± 1.96 standard errors over 40 replications) excludes 0. With the scenarios'
//! fixed seeds the outcome is deterministic; the interval is what makes the assertion
//! meaningful rather than a coincidence of one seed: at the effect sizes seen (the
//! interval's half-width is a quarter to a half of the mean difference), a fresh seed
//! fails it with a probability far below 1%.

use ttx::scenario::{Scenario, load};
use ttx::sink::{ProtocolOutcome, RunOutcome};

use crate::common::{livestream_fixture, mean_sd, run_map, shipped};

const REPS: u32 = 40;

fn variant(s: &Scenario, name: &str) -> usize {
    s.variants
        .iter()
        .position(|v| v.name == name)
        .unwrap_or_else(|| panic!("no variant `{name}`"))
}

/// The outcomes (and protocol records) of replications 0..REPS of a variant.
fn runs(s: &Scenario, name: &str) -> Vec<(RunOutcome, Vec<ProtocolOutcome>)> {
    run_map(s, variant(s, name), 0..REPS, false, |o, rec| {
        (o.clone(), rec.protocols.clone())
    })
}

/// Mean and 95% half-width of the paired differences a - b.
fn paired(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let (mean, sd) = mean_sd(&d);
    (mean, 1.96 * sd / (d.len() as f64).sqrt())
}

fn assert_clearly_lower(what: &str, lower: &[f64], higher: &[f64]) {
    let (mean, hw) = paired(higher, lower);
    assert!(
        mean - hw > 0.0,
        "{what}: expected clearly lower, paired difference {mean:.1} ± {hw:.1}"
    );
}

fn col(runs: &[(RunOutcome, Vec<ProtocolOutcome>)], f: impl Fn(&RunOutcome) -> f64) -> Vec<f64> {
    runs.iter().map(|(o, _)| f(o)).collect()
}

fn activated(runs: &[(RunOutcome, Vec<ProtocolOutcome>)], protocol: &str) -> Vec<Option<f64>> {
    runs.iter()
        .map(|(_, ps)| {
            ps.iter()
                .find(|p| &*p.protocol == protocol)
                .unwrap_or_else(|| panic!("no row for `{protocol}`"))
                .activated_min
        })
        .collect()
}

#[test]
fn livestream_attack_live_phase_layers_and_chain() {
    let s = load(&livestream_fixture()).unwrap();
    let base = runs(&s, "baseline");
    // The 17-minute broadcast at 700 views an hour: 198.3 live views unless the stream is
    // cut (by the platform's weak classifiers only: no flags while live, as in 2019).
    let live = 700.0 * 17.0 / 60.0;
    for (o, _) in &base {
        assert!(
            o.live_views > 0.0 && o.live_views <= live + 1e-6,
            "{}",
            o.live_views
        );
    }
    let (mean, _) = mean_sd(&col(&base, |o| o.live_views));
    assert!(mean > 0.9 * live, "baseline live views {mean}");
    let cut = base
        .iter()
        .filter(|(o, _)| o.stream_cut_min.is_some())
        .count();
    assert!(cut <= 5, "no flags while live: few cuts, got {cut}");

    // The what-if: a live viewer reports it. P(cut) is about one half; 5 or more cuts in
    // 40 runs fails with a probability below 1e-6 at that rate.
    let report = runs(&s, "cip-then-ecp+live-report");
    let cut = report
        .iter()
        .filter(|(o, _)| o.stream_cut_min.is_some_and(|t| t <= 17.0))
        .count();
    assert!(
        cut >= 5,
        "the live report cuts the stream in some runs: {cut}"
    );
    assert_clearly_lower(
        "live views with a live report",
        &col(&report, |o| o.live_views),
        &col(&base, |o| o.live_views),
    );

    // Layers and chain: in `cip-then-ecp` the ECP activates when the CIP's activation
    // sets it off (1h later), at the latest where it does on its own (4h); the two
    // variants share every draw until then, so this holds run by run.
    let side = runs(&s, "cip+ecp");
    let chain = runs(&s, "cip-then-ecp");
    let own = activated(&side, "ecp");
    let chained = activated(&chain, "ecp");
    let cip = activated(&chain, "gifct-cip");
    let mut earlier = 0;
    for r in 0..REPS as usize {
        let (own, chained) = (own[r].unwrap(), chained[r].unwrap());
        assert!((own - 240.0).abs() < 1e-9, "own trigger at 3h + 1h: {own}");
        assert!(chained <= own + 1e-9, "replication {r}: {chained} > {own}");
        if let Some(c) = cip[r]
            && c < 180.0
        {
            assert!((chained - (c + 60.0)).abs() < 1e-6, "replication {r}");
            earlier += 1;
        }
    }
    assert!(
        earlier > 30,
        "the CIP sets the ECP off in most runs: {earlier}"
    );
    // Both protocols save views against none.
    assert_clearly_lower(
        "exposure with both protocols",
        &col(&side, |o| o.exposure),
        &col(&base, |o| o.exposure),
    );
}

#[test]
fn clip_site_views_link_posts_and_who_is_reached() {
    let s = load(&shipped("clip-site-views.yaml")).unwrap();
    let base = runs(&s, "baseline");
    for (o, _) in &base {
        // The stream is cut within minutes in every run (~22 live viewers, 660/h).
        let t = o.stream_cut_min.expect("the stream is cut while live");
        assert!(t < 30.0 && o.live_views < 330.0, "{t} {}", o.live_views);
        assert!(o.posts > 0, "the clip copy is linked from posts");
    }
    // Most views of the clip copy come through the links (3 million+ in 2022, mostly
    // through links): in this calibration, click views are most of all exposure.
    let (clicks, _) = mean_sd(&col(&base, |o| o.click_views));
    let (exposure, _) = mean_sd(&col(&base, |o| o.exposure));
    assert!(clicks > 0.5 * exposure, "{clicks} of {exposure}");
    assert!(clicks > 1.0e6, "millions of click views: {clicks}");

    // The CIP's members block the clip URL: fewer post views and click views.
    let cip = runs(&s, "gifct-hash-sharing");
    assert_clearly_lower(
        "post views under the CIP",
        &col(&cip, |o| o.post_views),
        &col(&base, |o| o.post_views),
    );
    assert_clearly_lower(
        "click views under the CIP",
        &col(&cip, |o| o.click_views),
        &col(&base, |o| o.click_views),
    );
    // Reaching the host (the clip site in the protocols) beats the ECP without it.
    let ecp = runs(&s, "ecp");
    let joins = runs(&s, "ecp+clip-site-joins");
    assert_clearly_lower(
        "click views with the host reached",
        &col(&joins, |o| o.click_views),
        &col(&ecp, |o| o.click_views),
    );
    // The what-if: starving the links beats the CIP as run.
    let starve = runs(&s, "cip-starves-the-links");
    assert_clearly_lower(
        "click views with the links starved",
        &col(&starve, |o| o.click_views),
        &col(&cip, |o| o.click_views),
    );
}

#[test]
fn small_stream_messaging_has_a_handful_of_live_views() {
    let s = load(&shipped("small-stream-messaging.yaml")).unwrap();
    let base = runs(&s, "baseline");
    // 35 minutes at 9 views an hour: 5.25 live views unless cut.
    for (o, _) in &base {
        assert!(
            o.live_views > 0.0 && o.live_views <= 9.0 * 35.0 / 60.0 + 1e-6,
            "{}",
            o.live_views
        );
    }
    let cut = base
        .iter()
        .filter(|(o, _)| o.stream_cut_min.is_some())
        .count();
    assert!(cut <= 6, "a cut while live is rare: {cut}");
    // The what-if: the app limiting forwarding saves views, more than it staffing up.
    let limits = runs(&s, "cip-then-ecp+forwarding-limits");
    let joins = runs(&s, "ecp+messaging-joins");
    assert_clearly_lower(
        "exposure with forwarding limits",
        &col(&limits, |o| o.exposure),
        &col(&base, |o| o.exposure),
    );
    assert_clearly_lower(
        "exposure with forwarding limits vs the app staffing up",
        &col(&limits, |o| o.exposure),
        &col(&joins, |o| o.exposure),
    );
}
