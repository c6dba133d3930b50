//! Calibration: the values of named parameters that bring a scenario closest to its
//! targets (the distance of the shared `targets.md` contract).
//!
//! - A parameter is a dotted path into the scenario file, as in a variant's `set`, with a
//!   range (`--fit platforms.social.hash_recall=0.5..0.99`). A range spanning two orders
//!   of magnitude or more is searched on a log scale; a whole-number value (reviewers) is
//!   rounded; a range written with units is a duration.
//! - The search is Nelder–Mead (`argmin`) in the unit cube of the ranges, with restarts
//!   from seeded points, within a budget of model evaluations. Nelder–Mead draws nothing
//!   at random, and the restarts come from the calibration's own seeded stream, so the
//!   same inputs give the same search.
//! - Every candidate is evaluated on the same replications (common random numbers): the
//!   search compares parameters, not noise.
//! - A candidate is the scenario file with the fitted scalars written in place (nothing
//!   else of the file changes), read and checked like any scenario; the best is written as
//!   `calibrated.yaml`, so a planner can diff it against the original.

pub(crate) mod locate;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use rand::{RngExt, SeedableRng};

use crate::scenario::{self, LoadError, Minutes, Scenario};
use crate::targets::{self, Fit, Targets};

pub use locate::{Located, Span};

/// How a fitted value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A number, written with up to six significant digits.
    Number,
    /// A whole number (the file writes an integer there): rounded.
    Whole,
    /// A duration, searched in minutes and written in minutes (`95.5m`).
    Duration,
}

/// One parameter to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub path: String,
    pub low: f64,
    pub high: f64,
    pub kind: ParamKind,
    /// Searched on a log scale.
    pub log: bool,
    span: Span,
}

/// Why `--fit` or the calibration's setup is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetupError {
    #[error("--fit {0}: expected PATH=LOW..HIGH, like platforms.social.hash_recall=0.5..0.99")]
    Form(String),
    #[error("--fit {spec}: expected numbers or durations for LOW and HIGH, found `{found}`")]
    Bound { spec: String, found: String },
    #[error("--fit {0}: expected LOW below HIGH")]
    Order(String),
    #[error(
        "--fit {path}: the scenario file writes no value at this path (a fitted value is written in place, so the file must hold one; write the current value there first)"
    )]
    NotInFile { path: String },
    #[error(
        "--fit {path}: variant `{variant}` sets this path itself (`set`), so fitting the file's value would change nothing for it"
    )]
    SetByVariant { path: String, variant: String },
    #[error("--fit {0}: named twice")]
    Twice(String),
    #[error("expected at least one --fit PATH=LOW..HIGH")]
    NoParams,
    #[error("--fit {spec}: {why}")]
    Range { spec: String, why: String },
}

/// Read `PATH=LOW..HIGH` against the scenario file's text.
pub fn parse_param(spec: &str, located: &Located) -> Result<Param, SetupError> {
    let (path, range) = spec
        .split_once('=')
        .ok_or_else(|| SetupError::Form(spec.to_string()))?;
    let (lo, hi) = range
        .split_once("..")
        .ok_or_else(|| SetupError::Form(spec.to_string()))?;
    let path = path.trim().to_string();
    let (span, current) = located
        .scalar(&path)
        .ok_or_else(|| SetupError::NotInFile { path: path.clone() })?;
    let bound = |t: &str| -> Result<(f64, bool), SetupError> {
        let t = t.trim();
        if let Ok(x) = t.parse::<f64>() {
            return Ok((x, false));
        }
        scenario::parse_duration(t)
            .map(|m| (m, true))
            .map_err(|_| SetupError::Bound {
                spec: spec.to_string(),
                found: t.to_string(),
            })
    };
    let ((low, dl), (high, dh)) = (bound(lo)?, bound(hi)?);
    if !(low.is_finite() && high.is_finite()) {
        return Err(SetupError::Form(spec.to_string()));
    }
    if low >= high {
        return Err(SetupError::Order(spec.to_string()));
    }
    let kind = if dl || dh {
        ParamKind::Duration
    } else if current.trim().parse::<i64>().is_ok() {
        ParamKind::Whole
    } else {
        ParamKind::Number
    };
    if kind == ParamKind::Whole && low < 0.0 {
        return Err(SetupError::Range {
            spec: spec.to_string(),
            why: "a whole number here cannot be negative".to_string(),
        });
    }
    Ok(Param {
        log: low > 0.0 && high / low >= 100.0,
        path,
        low,
        high,
        kind,
        span,
    })
}

impl Param {
    /// The value at `u` in [0, 1] of the range (log or linear), as the search sees it.
    pub fn value(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let x = if self.log {
            (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp()
        } else {
            self.low + u * (self.high - self.low)
        };
        match self.kind {
            ParamKind::Whole => x.round(),
            _ => x,
        }
    }

    /// How the value is written into the file.
    pub fn render(&self, x: f64) -> String {
        match self.kind {
            ParamKind::Whole => format!("{}", x.round() as i64),
            ParamKind::Number => significant(x),
            ParamKind::Duration => format!("{}m", significant(x)),
        }
    }
}

/// Six significant digits, no trailing zeros.
fn significant(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let digits = (5 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A point of the search folded into the unit cube (Nelder–Mead is unconstrained: a
/// step past a bound reflects back, which keeps the cost continuous).
fn fold(x: f64) -> f64 {
    let r = x.rem_euclid(2.0);
    if r > 1.0 { 2.0 - r } else { r }
}

/// One evaluated candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// 1-based, in the order evaluated.
    pub number: usize,
    /// The values as written into the file, one per parameter.
    pub values: Vec<String>,
    /// Its distance; `None` if the candidate scenario did not load (e.g. a review time's
    /// p95 below its median).
    pub distance: Option<f64>,
    /// Whether every target matched.
    pub matches: bool,
}

/// What a calibration found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub params: Vec<Param>,
    pub candidates: Vec<Candidate>,
    /// The best candidate's number, its scenario text and fit.
    pub best: Option<(usize, String, Fit)>,
    /// Stopped early by the interrupt flag.
    pub interrupted: bool,
}

/// A calibration set up: the scenario's text, the parameters, the targets.
pub struct Calibration<'a> {
    pub text: &'a str,
    pub source: &'a str,
    pub params: Vec<Param>,
    pub targets: &'a Targets,
    /// Seed of the runs (default: the scenario's) and of the restarts.
    pub seed: Option<u64>,
    pub threads: usize,
    /// Model evaluations at most.
    pub budget: usize,
}

/// Called after each evaluation: the candidate and whether it is the best so far.
pub type OnCandidate<'a> = dyn FnMut(&Candidate, Option<(&str, &Fit)>) + 'a;

/// Why a calibration could not run.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// The scenario or the targets do not load (before any candidate is tried).
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Run(#[from] crate::engine::SimError),
}

impl Calibration<'_> {
    /// Search, calling `on` after each evaluation, until the budget is spent or `stop`
    /// is set.
    pub fn run(
        &self,
        stop: &AtomicBool,
        on: &mut OnCandidate<'_>,
    ) -> Result<Outcome, CalibrationError> {
        if self.params.is_empty() {
            return Err(SetupError::NoParams.into());
        }
        // The scenario and the targets must hold as written: only the candidates may fail.
        let base = scenario::parse(self.text, self.source)?;
        self.targets.resolve(&base)?;
        let search = Search {
            cal: self,
            stop,
            state: RefCell::new(State {
                cache: HashMap::new(),
                candidates: Vec::new(),
                best: None,
                error: None,
            }),
            on: RefCell::new(on),
        };
        let d = self.params.len();
        let mut restarts = rand_pcg::Pcg64Mcg::seed_from_u64(
            self.seed.unwrap_or(base.experiment.seed) ^ 0xca11_b2a7_e000_0000,
        );
        let mut start: Vec<f64> = vec![0.5; d];
        let mut size = 0.25;
        while !search.done() {
            // A simplex around the start: the start and one step along each axis.
            let mut simplex = vec![start.clone()];
            for i in 0..d {
                let mut p = start.clone();
                p[i] += if p[i] + size <= 1.0 { size } else { -size };
                simplex.push(p);
            }
            let solver = NelderMead::new(simplex)
                .with_sd_tolerance(1e-3)
                .map_err(|e| SetupError::Form(e.to_string()))?;
            // The search ends by its own tolerance, or after the budget or the interrupt
            // (when every point costs the most); the iteration cap only bounds that
            // winding down. Its result is in `search.state`.
            let _ = Executor::new(&search, solver)
                .configure(|s| s.max_iters(20 * self.budget as u64 + 100))
                .run();
            if let Some(e) = search.state.borrow_mut().error.take() {
                return Err(e);
            }
            // Restart from a fresh seeded point, with a fresh simplex.
            start = (0..d).map(|_| restarts.random::<f64>()).collect();
            size = 0.2;
        }
        let state = search.state.into_inner();
        Ok(Outcome {
            params: self.params.clone(),
            candidates: state.candidates,
            best: state.best,
            interrupted: stop.load(Ordering::Relaxed),
        })
    }

    /// The scenario text with the parameters at `values`.
    pub fn text_with(&self, values: &[String]) -> String {
        let edits: Vec<(Span, String)> = self
            .params
            .iter()
            .zip(values)
            .map(|(p, v)| (p.span, v.clone()))
            .collect();
        locate::replace(self.text, &edits)
    }

    /// Evaluate one candidate text: its fit, or `None` if it does not load.
    fn evaluate(&self, text: &str) -> Result<Option<Fit>, CalibrationError> {
        let Ok(s) = scenario::parse(text, self.source) else {
            return Ok(None);
        };
        Ok(Some(fit_of(&s, self.targets, self.seed, self.threads)?))
    }
}

/// The fit of a loaded scenario to targets.
pub fn fit_of(
    s: &Scenario,
    targets: &Targets,
    seed: Option<u64>,
    threads: usize,
) -> Result<Fit, CalibrationError> {
    let plan = targets.resolve(s)?;
    let obs = targets::observe(s, &s.variants[plan.variant], &plan, seed, threads)?;
    Ok(Fit::of(&plan, &obs))
}

struct State {
    /// Distances of candidates already evaluated, by their written values (whole
    /// numbers make nearby points the same candidate).
    cache: HashMap<Vec<String>, Option<f64>>,
    candidates: Vec<Candidate>,
    best: Option<(usize, String, Fit)>,
    error: Option<CalibrationError>,
}

struct Search<'c, 'o, 'a> {
    cal: &'c Calibration<'a>,
    stop: &'c AtomicBool,
    state: RefCell<State>,
    on: RefCell<&'c mut OnCandidate<'o>>,
}

impl Search<'_, '_, '_> {
    fn done(&self) -> bool {
        let s = self.state.borrow();
        s.error.is_some()
            || s.candidates.len() >= self.cal.budget
            || self.stop.load(Ordering::Relaxed)
    }
}

/// What a candidate that does not load costs: worse than any that does.
const UNLOADABLE: f64 = f64::MAX;

impl CostFunction for &Search<'_, '_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        // argmin's Nelder-Mead unwraps a cost that fails, so nothing here returns an
        // error: once the budget is spent or the search stopped, every point costs the
        // most, and the search winds down without another evaluation.
        if self.done() {
            return Ok(UNLOADABLE);
        }
        let values: Vec<String> = self
            .cal
            .params
            .iter()
            .zip(x)
            .map(|(p, &u)| p.render(p.value(fold(u))))
            .collect();
        if let Some(d) = self.state.borrow().cache.get(&values) {
            return Ok(d.unwrap_or(UNLOADABLE));
        }
        let text = self.cal.text_with(&values);
        let fit = match self.cal.evaluate(&text) {
            Ok(f) => f,
            Err(e) => {
                self.state.borrow_mut().error = Some(e);
                return Ok(UNLOADABLE);
            }
        };
        let distance = fit.as_ref().map(|f| f.distance);
        let mut state = self.state.borrow_mut();
        let number = state.candidates.len() + 1;
        let candidate = Candidate {
            number,
            values: values.clone(),
            distance,
            matches: fit.as_ref().is_some_and(Fit::all_match),
        };
        let better = match (&fit, &state.best) {
            (Some(f), None) => Some(f),
            (Some(f), Some((_, _, b))) if f.distance < b.distance => Some(f),
            _ => None,
        };
        if let Some(f) = better {
            state.best = Some((number, text.clone(), f.clone()));
        }
        state.cache.insert(values, distance);
        state.candidates.push(candidate.clone());
        let best = state.best.as_ref().filter(|b| b.0 == number);
        (self.on.borrow_mut())(&candidate, best.map(|(_, t, f)| (t.as_str(), f)));
        drop(state);
        Ok(distance.unwrap_or(UNLOADABLE))
    }
}

/// `candidates.csv`: every evaluated point, one column per parameter.
pub fn candidates_csv(params: &[Param], candidates: &[Candidate]) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["evaluation".to_string()];
    header.extend(params.iter().map(|p| p.path.clone()));
    header.extend(["distance".to_string(), "match".to_string()]);
    w.write_record(&header)?;
    for c in candidates {
        let mut row = vec![c.number.to_string()];
        row.extend(c.values.iter().cloned());
        row.push(
            c.distance
                .map(|d| crate::output::fixed(d, 6))
                .unwrap_or_default(),
        );
        row.push(if c.matches { "yes" } else { "no" }.to_string());
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// The value of a parameter in a candidate, as a number (for tests and reports).
pub fn numeric(p: &Param, written: &str) -> Option<Minutes> {
    match p.kind {
        ParamKind::Duration => scenario::parse_duration(written).ok(),
        _ => written.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_map_the_unit_interval_linearly_or_on_a_log_scale() {
        let text = "a:\n  b: 3\n  c: 0.5\n  d: 6h\n";
        let l = Located::new(text).unwrap();
        let b = parse_param("a.b=1..9", &l).unwrap();
        assert_eq!((b.kind, b.log), (ParamKind::Whole, false));
        assert_eq!(b.value(0.5), 5.0);
        assert_eq!(b.render(b.value(0.49)), "5");
        let c = parse_param("a.c=0.001..1", &l).unwrap();
        assert!(c.log && c.kind == ParamKind::Number);
        assert!((c.value(0.5) - (0.001f64 * 1.0).sqrt()).abs() < 1e-12);
        let d = parse_param("a.d=15m..6h", &l).unwrap();
        assert_eq!(d.kind, ParamKind::Duration);
        assert_eq!(d.render(d.value(1.0)), "360m");
        assert_eq!(numeric(&d, "95.5m"), Some(95.5));
        assert!(matches!(
            parse_param("a.x=1..2", &l),
            Err(SetupError::NotInFile { .. })
        ));
        assert!(matches!(
            parse_param("a.b=9..1", &l),
            Err(SetupError::Order(_))
        ));
        assert!(matches!(parse_param("a.b", &l), Err(SetupError::Form(_))));
        assert!(matches!(
            parse_param("a.b=x..2", &l),
            Err(SetupError::Bound { .. })
        ));
    }

    #[test]
    fn folding_keeps_points_in_the_unit_cube_continuously() {
        assert_eq!(fold(0.3), 0.3);
        assert!((fold(1.2) - 0.8).abs() < 1e-12);
        assert!((fold(-0.2) - 0.2).abs() < 1e-12);
        assert!((fold(2.3) - 0.3).abs() < 1e-12);
        assert_eq!(significant(0.123456789), "0.123457");
        assert_eq!(significant(1234.5678), "1234.57");
        assert_eq!(significant(5.0), "5");
    }
}
