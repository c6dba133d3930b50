//! Analyses of a model before it runs: how explosive is the spread?

use std::f64::consts::LN_2;

use crate::scenario::{Minutes, Model};

/// The expected number of onward copies a copy causes, over its whole life: the spectral
/// radius of the next-generation matrix K over platforms, where `K[p][q]` is the expected
/// number of copies on q caused by one copy on p.
///
/// A copy on p sends attempts to q at `per_hour(p,q) * V * 2^(-age/h)`; it is taken down
/// at a hazard of at least its automated detection plus the authorities' finds (flags,
/// review delays and hash blocking are left out, so this is an upper bound: a value below
/// 1 means the spread dies out). With removal hazard d, `K[p][q] = rate * V / (d + ln2/h)`.
/// V is the largest content virality.
pub fn expected_offspring(model: &Model) -> f64 {
    let n = model.platforms.len();
    if n == 0 {
        return 0.0;
    }
    let virality = model
        .contents
        .iter()
        .map(|c| c.virality)
        .fold(0.0_f64, f64::max);
    let mut k = vec![vec![0.0; n]; n];
    for l in &model.links {
        let p = &model.platforms[l.from];
        let finds: f64 = model
            .authorities
            .iter()
            .filter(|a| a.monitors.contains(&l.from))
            .map(|a| a.finds_per_min)
            .sum();
        let hazard = p.proactive_per_min + finds + LN_2 / p.attention_half_life;
        k[l.from][l.to] += l.per_min * virality / hazard;
    }
    spectral_radius(&k)
}

/// Spectral radius of a non-negative matrix, by power iteration on (K + I) (the shift
/// makes it converge for periodic graphs too).
fn spectral_radius(k: &[Vec<f64>]) -> f64 {
    let n = k.len();
    let mut v = vec![1.0 / n as f64; n];
    let mut lambda = 0.0;
    for _ in 0..1000 {
        let mut w = v.clone();
        for (i, row) in k.iter().enumerate() {
            for (j, &kij) in row.iter().enumerate() {
                // (K^T + I) v: growth in copies per generation, by target platform.
                w[j] += kij * v[i];
            }
        }
        let norm: f64 = w.iter().sum();
        if !(norm.is_finite() && norm > 0.0) {
            return 0.0;
        }
        let next = norm - 1.0; // v sums to 1, so |(K^T + I) v| = rho + 1 at the fixed point
        for x in &mut w {
            *x /= norm;
        }
        let done = (next - lambda).abs() < 1e-12 * next.abs().max(1.0);
        lambda = next;
        v = w;
        if done {
            break;
        }
    }
    lambda.max(0.0)
}

/// Expected upload attempts per replication from campaigns and upload injects (links
/// add more; see [`expected_offspring`]). Blocked attempts publish nothing, so they do
/// not count towards `limits.max_copies`: this is what bounds them.
pub fn expected_scripted_attempts(model: &Model, horizon: Minutes) -> f64 {
    let campaigns: f64 = model
        .campaigns
        .iter()
        .map(|c| campaign_attempts(c, horizon))
        .sum();
    campaigns + inject_uploads(model, horizon)
}

/// Expected upload attempts of campaign `c` before `horizon`.
pub fn campaign_attempts(c: &crate::scenario::Campaign, horizon: Minutes) -> f64 {
    c.per_min * (c.end.min(horizon) - c.start).max(0.0)
}

/// Uploads of the upload injects before `horizon`.
pub fn inject_uploads(model: &Model, horizon: Minutes) -> f64 {
    model
        .injects
        .iter()
        .filter(|i| i.at <= horizon)
        .map(|i| match i.kind {
            crate::scenario::InjectKind::Upload { count, .. } => f64::from(count),
            _ => 0.0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectral_radius_of_known_matrices() {
        assert!((spectral_radius(&[vec![0.5]]) - 0.5).abs() < 1e-9);
        // A 2-cycle with weights 2 and 0.5: eigenvalues +-1.
        let k = vec![vec![0.0, 2.0], vec![0.5, 0.0]];
        assert!((spectral_radius(&k) - 1.0).abs() < 1e-6);
        let k = vec![vec![0.2, 0.3], vec![0.1, 0.4]];
        // Eigenvalues of [[.2,.3],[.1,.4]]: 0.5 and 0.1.
        assert!((spectral_radius(&k) - 0.5).abs() < 1e-9);
    }
}
