//! Spec section 14, first property: one platform, no links, a Poisson campaign at rate λ,
//! no screening, detection hazard δ and reviews that take no time make the live copies an
//! M/M/∞ queue, so E[live at t] = λ(1 − e^(−δt))/δ, and each copy's expected views are
//! views_per_hour / (δ + ln 2 / half_life).

use std::f64::consts::LN_2;

use crate::common::{self, Z999, ci_mean, ci_ratio};

/// Campaign rate λ (per hour), detection hazard δ (per hour), view rate and half-life
/// (hours) of the scenario below.
const LAMBDA: f64 = 60.0;
const DELTA: f64 = 1.0;
const VIEWS_PER_HOUR: f64 = 120.0;
const HALF_LIFE_H: f64 = 1.0;
/// The campaign runs on [0, 6h]; the horizon is 30h so that every copy is gone (and its
/// views complete) long before it: P(a copy outlives 24 h) = e^(−24) ≈ 4e-11.
const CAMPAIGN_END_H: f64 = 6.0;

/// Reviews are instant (`unlimited`, `0s`, accuracy 1), so a copy is removed the moment it
/// is detected and its lifetime is Exp(δ). There are no flags, so δ is constant.
/// hash_recall is 0 (the default), so the removals' hash listings block nothing.
/// The origin copy (at 0m, on the same platform) is one more copy with the same lifetime
/// and view law; its share of E[live] is added exactly below.
const SCENARIO: &str = r#"
name: mminf
horizon: 30h
sample_every: 30m
seed: 14001
platforms:
  - id: site
    views_per_hour: 120
    attention_half_life: 1h
    detection: {proactive_per_hour: 1.0, flags_per_1k_views: 0}
    review: {reviewers: unlimited, time: 0s, accuracy: 1}
content:
  - {id: clip, origin: {platform: site, at: 0m}, mutation: 0}
campaigns:
  - {content: clip, platforms: [site], start: 0m, end: 6h, per_hour: 60, new_variant: 0}
"#;

/// Replications: 2000 (0..2000), and 99.9% intervals (z = 3.291, see `common::Z999`).
/// At t the live count is Poisson(m(t)) plus the origin's Bernoulli(e^(−δt)), so its sd is
/// ≈ √m(t) ≤ √60 ≈ 7.7 and the standard error of the mean ≤ 7.7/√2000 ≈ 0.17: the
/// half-width is ≤ 0.57 copies, under 1% of the steady state of 60 and ≈ 1.5% at t = 30
/// min (m = 24.2), so e.g. a hazard off by 3% or a lost origin would show. The
/// views-per-copy estimator pools about 2000 × 361 = 722 000 copies; per-copy views are
/// bounded by views_per_hour·h/ln 2 = 173 with sd ≈ 46 (computed exactly in
/// `views_per_copy_is_rate_over_removal_plus_decay`), so its se is ≈ 0.054 and the
/// half-width ≈ 0.18 views, 0.25% of the mean of 70.87.
const REPS: u32 = 2000;

/// E[live at t] for t in hours: the campaign's M/M/∞ mean (its arrivals stop at the end,
/// after which the mean decays at δ), plus the origin's survival probability.
fn expected_live(t: f64) -> f64 {
    let campaign = if t <= CAMPAIGN_END_H {
        LAMBDA * (1.0 - (-DELTA * t).exp()) / DELTA
    } else {
        LAMBDA * (1.0 - (-DELTA * CAMPAIGN_END_H).exp()) / DELTA
            * (-DELTA * (t - CAMPAIGN_END_H)).exp()
    };
    campaign + (-DELTA * t).exp()
}

#[test]
fn live_copies_follow_the_mminf_mean() {
    let s = common::scenario(SCENARIO);
    // Sample times checked (hours): the rise, near-steady state, the campaign's end, and
    // the decay after it.
    let checks = [0.5, 1.0, 2.0, 4.0, 6.0, 7.0];
    let lives: Vec<Vec<f64>> = common::run_map(&s, 0, 0..REPS, false, |_, rec| {
        checks
            .iter()
            .map(|&t| {
                let smp = rec
                    .samples
                    .iter()
                    .find(|smp| (smp.time - t * 60.0).abs() < 1e-6)
                    .unwrap_or_else(|| panic!("no sample at {t} h"));
                smp.live as f64
            })
            .collect()
    });
    for (i, &t) in checks.iter().enumerate() {
        let xs: Vec<f64> = lives.iter().map(|l| l[i]).collect();
        let ci = ci_mean(&xs, Z999);
        ci.assert_contains(&format!("E[live at {t} h]"), expected_live(t));
        // The interval is as narrow as the Poisson law says (not vacuous): se ≈ √m/√n.
        let poisson_se = (expected_live(t) / REPS as f64).sqrt();
        assert!(
            ci.se < 1.3 * poisson_se && ci.se > 0.7 * poisson_se,
            "live at {t} h: se {:.3} far from the Poisson se {poisson_se:.3}",
            ci.se
        );
    }
}

#[test]
fn views_per_copy_is_rate_over_removal_plus_decay() {
    let s = common::scenario(SCENARIO);
    let k = LN_2 / HALF_LIFE_H;
    let theory = VIEWS_PER_HOUR / (DELTA + k);
    let (views, copies): (Vec<f64>, Vec<f64>) =
        common::run_map(&s, 0, 0..REPS, false, |out, rec| {
            assert_eq!(out.live_at_end, 0, "every copy is removed long before 30 h");
            assert_eq!(rec.platforms.len(), 1);
            (rec.platforms[0].views, out.published as f64)
        })
        .into_iter()
        .unzip();
    // Views of all copies over all copies published: a ratio estimator over iid runs.
    let ci = ci_ratio(&views, &copies, Z999);
    ci.assert_contains("views per copy", theory);
    // The standard error is what the per-copy law predicts. A copy living T ~ Exp(δ) has
    // views V = (v/k)(1 − e^(−kT)), so E[V²] = (v/k)²(1 − 2δ/(δ+k) + δ/(δ+2k)), and for a
    // random number N of iid copies the ratio's se is about sd(V)/√(n E[N]).
    let ev2 = (VIEWS_PER_HOUR / k).powi(2)
        * (1.0 - 2.0 * DELTA / (DELTA + k) + DELTA / (DELTA + 2.0 * k));
    let sd_v = (ev2 - theory * theory).sqrt();
    let mean_n = copies.iter().sum::<f64>() / copies.len() as f64;
    let se_theory = sd_v / (copies.len() as f64 * mean_n).sqrt();
    eprintln!(
        "views per copy: sd(V) = {sd_v:.2}, se theory {se_theory:.4}, se observed {:.4}",
        ci.se
    );
    assert!(
        ci.se < 1.3 * se_theory && ci.se > 0.7 * se_theory,
        "views per copy: se {:.4} far from the theoretical {se_theory:.4}",
        ci.se
    );
    // Also the run totals: E[exposure] = E[N] · theory with E[N] = 1 + λ · 6 h.
    let exposure = ci_mean(&views, Z999);
    exposure.assert_contains("views per run", (1.0 + LAMBDA * CAMPAIGN_END_H) * theory);
}
