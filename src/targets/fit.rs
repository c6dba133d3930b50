//! How far a scenario's runs are from its targets (contract `targets.md`, "Matching").
//!
//! The model's figure for a target is the mean over the replications in which its metric
//! happened; with fewer than half, the target does not match. The error is in units of
//! the tolerance, `(model − observed) / (tolerance × |observed|)`, and for a one-sided
//! target the same with the bound, counted only on the wrong side. The distance is the
//! sum of the squared errors.
//!
//! Readings where the contract is silent: a figure or bound of 0 takes the tolerance as
//! an absolute half-width (a relative one would be 0); a target whose metric happened in
//! no replication has an error of [`NEVER_ERROR`] tolerances.

use std::io::{self, Write};

use crate::compare::stats::Moments;

use super::{Goal, Observations, Plan};

/// The error, in tolerances, of a target whose metric never happened: far enough to
/// dominate a distance, finite so that a search can still compare candidates.
pub const NEVER_ERROR: f64 = 10.0;

/// One target's fit.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetFit {
    pub id: String,
    pub metric: String,
    pub platform: Option<String>,
    pub at: Option<f64>,
    pub goal: Goal,
    pub tolerance: f64,
    /// Replications in which the metric happened, of all run.
    pub happened: usize,
    pub replications: usize,
    /// Mean over the replications in which it happened.
    pub mean: Option<f64>,
    /// 95% interval of the mean (Student t); `None` with fewer than two values.
    pub ci95: Option<(f64, f64)>,
    /// Signed error in tolerances (0 for a one-sided target on the right side).
    pub error: f64,
    pub matches: bool,
    pub source: String,
}

/// All targets' fits and the distance.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub name: String,
    pub targets: Vec<TargetFit>,
    pub distance: f64,
}

impl Fit {
    /// The fit of `plan` given its observations.
    pub fn of(plan: &Plan, obs: &Observations) -> Fit {
        let targets: Vec<TargetFit> = plan
            .targets
            .iter()
            .zip(&obs.values)
            .map(|(t, values)| {
                let mut m = Moments::default();
                for v in values.iter().flatten() {
                    m.push(*v);
                }
                let happened = m.n as usize;
                let replications = values.len();
                let mean = (happened > 0).then_some(m.mean);
                let ci95 = (happened >= 2).then(|| {
                    let h = m.ci95_half_width();
                    (m.mean - h, m.mean + h)
                });
                let tol = t.target.tolerance;
                let error = match mean {
                    None => NEVER_ERROR,
                    Some(x) => error(t.target.goal, tol, x),
                };
                let enough = 2 * happened >= replications && happened > 0;
                let matches = enough && within(t.target.goal, tol, mean.unwrap_or(f64::NAN));
                TargetFit {
                    id: t.target.id.clone(),
                    metric: match &t.target.share_of {
                        Some(d) => format!("{}/{d}", t.target.metric),
                        None => t.target.metric.clone(),
                    },
                    platform: t.target.platform.clone(),
                    at: t.target.at,
                    goal: t.target.goal,
                    tolerance: tol,
                    happened,
                    replications,
                    mean,
                    ci95,
                    error,
                    matches,
                    source: t.target.source.clone(),
                }
            })
            .collect();
        let distance = targets.iter().map(|t| t.error * t.error).sum();
        Fit {
            name: plan.name.clone(),
            targets,
            distance,
        }
    }

    /// Whether every target matches.
    pub fn all_match(&self) -> bool {
        self.targets.iter().all(|t| t.matches)
    }

    /// The table `ttx targets` prints.
    pub fn table(&self) -> String {
        let mut rows = vec![[
            "target".to_string(),
            "observed".to_string(),
            "model (95% interval)".to_string(),
            "error".to_string(),
            "match".to_string(),
        ]];
        for t in &self.targets {
            let observed = match t.goal {
                Goal::Observed(v) => format!("{} ±{}%", number(v), number(100.0 * t.tolerance)),
                Goal::AtLeast(v) => format!(">= {}", number(v)),
                Goal::AtMost(v) => format!("<= {}", number(v)),
            };
            let model = match (t.mean, t.ci95) {
                (None, _) => "never happened".to_string(),
                (Some(m), Some((lo, hi))) => {
                    format!("{} ({}–{})", number(m), number(lo), number(hi))
                }
                (Some(m), None) => format!("{} (n = 1)", number(m)),
            };
            let model = if t.happened < t.replications && t.mean.is_some() {
                format!("{model} in {} of {} runs", t.happened, t.replications)
            } else {
                model
            };
            rows.push([
                t.id.clone(),
                observed,
                model,
                format!("{:+.3}", t.error),
                if t.matches { "yes" } else { "NO" }.to_string(),
            ]);
        }
        let widths: Vec<usize> = (0..5)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for r in &rows {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, &w))| {
                    let pad = w - cell.chars().count();
                    if i == 0 {
                        format!("{cell}{}", " ".repeat(pad))
                    } else {
                        format!("{}{cell}", " ".repeat(pad))
                    }
                })
                .collect();
            out += cells.join("  ").trim_end();
            out.push('\n');
        }
        let matched = self.targets.iter().filter(|t| t.matches).count();
        out += &format!(
            "{matched} of {} targets match; distance {:.3} (sum of squared errors in tolerances)\n",
            self.targets.len(),
            self.distance
        );
        out
    }
}

/// Signed error of the model's figure `x`, in tolerances.
fn error(goal: Goal, tol: f64, x: f64) -> f64 {
    let v = goal.value();
    let scale = if v == 0.0 { tol } else { tol * v.abs() };
    let e = (x - v) / scale;
    match goal {
        Goal::Observed(_) => e,
        Goal::AtLeast(_) => e.min(0.0),
        Goal::AtMost(_) => e.max(0.0),
    }
}

fn within(goal: Goal, tol: f64, x: f64) -> bool {
    match goal {
        Goal::Observed(_) => error(goal, tol, x).abs() <= 1.0,
        Goal::AtLeast(v) => x >= v,
        Goal::AtMost(v) => x <= v,
    }
}

/// A figure for the table: whole numbers with thousands separators, others with three
/// significant digits.
fn number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x.abs() >= 100.0 || x.fract() == 0.0 {
        crate::compare::group(x.round(), 0)
    } else {
        let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{x:.digits$}")
    }
}

/// `fit.csv`: one row per target, the columns of the printed table and what a reader
/// needs to redo it.
pub fn write_fit_csv(fit: &Fit, out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "target",
        "metric",
        "platform",
        "at_min",
        "kind",
        "observed",
        "tolerance",
        "replications",
        "happened",
        "model_mean",
        "ci95_low",
        "ci95_high",
        "error_tolerances",
        "match",
        "source",
    ])?;
    let f = |x: f64| crate::output::fixed(x, 6);
    for t in &fit.targets {
        w.write_record([
            t.id.clone(),
            t.metric.clone(),
            t.platform.clone().unwrap_or_default(),
            t.at.map(|a| crate::output::fixed(a, 3)).unwrap_or_default(),
            t.goal.kind().to_string(),
            f(t.goal.value()),
            f(t.tolerance),
            t.replications.to_string(),
            t.happened.to_string(),
            t.mean.map(f).unwrap_or_default(),
            t.ci95.map(|c| f(c.0)).unwrap_or_default(),
            t.ci95.map(|c| f(c.1)).unwrap_or_default(),
            f(t.error),
            if t.matches { "yes" } else { "no" }.to_string(),
            crate::output::neutralize(&t.source).into_owned(),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_in_tolerances_and_one_sided_only_on_the_wrong_side() {
        assert!((error(Goal::Observed(100.0), 0.2, 130.0) - 1.5).abs() < 1e-12);
        assert!((error(Goal::Observed(100.0), 0.2, 90.0) + 0.5).abs() < 1e-12);
        assert_eq!(error(Goal::AtLeast(5.0), 0.1, 7.0), 0.0);
        assert!((error(Goal::AtLeast(5.0), 0.1, 4.0) + 2.0).abs() < 1e-12);
        assert_eq!(error(Goal::AtMost(5.0), 0.1, 4.0), 0.0);
        // A figure of 0: the tolerance is absolute.
        assert!((error(Goal::Observed(0.0), 0.5, 1.0) - 2.0).abs() < 1e-12);
        assert!(within(Goal::Observed(100.0), 0.2, 120.0));
        assert!(!within(Goal::Observed(100.0), 0.2, 120.1));
    }

    #[test]
    fn numbers_read_like_figures() {
        assert_eq!(number(1_500_000.0), "1,500,000");
        assert_eq!(number(-1234.4), "-1,234");
        assert_eq!(number(0.8), "0.800");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(5.0), "5");
    }
}
