//! A running summary of run outcomes per variant, for the terminal (`ttx run`, `ttx merge`).

use std::collections::BTreeMap;
use std::sync::Arc;

// Its fields' type: users of the summary name it from here.
pub use crate::compare::stats::Moments;
use crate::sink::{RunId, RunOutcome, Sink};

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
                mean_ci(&s.exposure, 0),
                mean_ci(&s.peak_live, 1),
                s.published.mean,
                s.blocked.mean,
            ));
        }
        out.push_str("(means over replications, ± the half-width of a 95% confidence interval)\n");
        if self.by_variant.values().any(|s| s.exposure.n < 2) {
            out.push_str("(n = 1: one replication has no interval)\n");
        }
        out
    }
}

/// `mean ± half-width`, or `mean (n = 1)`: one replication gives no interval, and a
/// `± 0` would read as certainty.
fn mean_ci(m: &Moments, decimals: usize) -> String {
    if m.n < 2 {
        format!("{:.*} (n = 1)", decimals, m.mean)
    } else {
        format!(
            "{:.*} ± {:.*}",
            decimals,
            m.mean,
            decimals,
            m.ci95_half_width()
        )
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
