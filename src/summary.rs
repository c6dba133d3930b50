//! A running summary of run outcomes per variant, for the terminal.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::sink::{RunId, RunOutcome, Sink};

/// Running mean and variance (Welford), numerically stable in one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    m2: f64,
}

impl Moments {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Sample standard deviation (0 with fewer than two values).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).sqrt()
        }
    }

    /// Half-width of the Student-t 95% confidence interval of the mean.
    pub fn ci95_half_width(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            crate::compare::stats::t95(self.n - 1) * self.sd() / (self.n as f64).sqrt()
        }
    }
}

/// Per-variant moments of the headline outcomes, in the order variants first appear.
#[derive(Debug, Default, Clone)]
pub struct SummarySink {
    order: Vec<Arc<str>>,
    by_variant: BTreeMap<Arc<str>, VariantSummary>,
}

#[derive(Debug, Default, Clone)]
pub struct VariantSummary {
    pub exposure: Moments,
    pub peak_live: Moments,
    pub published: Moments,
    pub blocked: Moments,
    pub live_at_end: Moments,
    pub activated: u64,
}

impl SummarySink {
    pub fn variants(&self) -> impl Iterator<Item = (&str, &VariantSummary)> {
        self.order.iter().map(|v| (v.as_ref(), &self.by_variant[v]))
    }

    /// A plain-text table of the headline outcomes.
    pub fn table(&self) -> String {
        let width = self
            .order
            .iter()
            .map(|v| v.chars().count())
            .max()
            .unwrap_or(0)
            .max(7);
        let mut out = format!(
            "{:<width$} {:>5} {:>24} {:>18} {:>12} {:>12}\n",
            "variant", "runs", "exposure (views)", "peak live copies", "published", "blocked"
        );
        for (name, s) in self.variants() {
            out.push_str(&format!(
                "{:<width$} {:>5} {:>24} {:>18} {:>12.0} {:>12.0}\n",
                name,
                s.exposure.n,
                format!(
                    "{:.0} ± {:.0}",
                    s.exposure.mean,
                    s.exposure.ci95_half_width()
                ),
                format!(
                    "{:.1} ± {:.1}",
                    s.peak_live.mean,
                    s.peak_live.ci95_half_width()
                ),
                s.published.mean,
                s.blocked.mean,
            ));
        }
        out.push_str("(means over replications, ± the half-width of a 95% confidence interval)\n");
        out
    }
}

impl Sink for SummarySink {
    fn run_outcome(&mut self, run: &RunId, o: &RunOutcome) {
        if !self.by_variant.contains_key(&run.variant) {
            self.order.push(Arc::clone(&run.variant));
        }
        let s = self.by_variant.entry(Arc::clone(&run.variant)).or_default();
        s.exposure.push(o.exposure);
        s.peak_live.push(o.peak_live as f64);
        s.published.push(o.published as f64);
        s.blocked.push(o.blocked as f64);
        s.live_at_end.push(o.live_at_end as f64);
        s.activated += u64::from(o.activation_min.is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_two_pass_formulas() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut m = Moments::default();
        xs.iter().for_each(|&x| m.push(x));
        assert_eq!(m.mean, 5.0);
        let var: f64 = xs.iter().map(|x| (x - 5.0) * (x - 5.0)).sum::<f64>() / 7.0;
        assert!((m.sd() - var.sqrt()).abs() < 1e-12);
    }
}
