//! Small statistics: running moments, quantiles, Student-t intervals, paired differences.
//! A leaf: the comparison and the terminal summary both build on it.

use statrs::distribution::{ContinuousCDF, StudentsT};

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
            t95(self.n - 1) * self.sd() / (self.n as f64).sqrt()
        }
    }
}

/// Two-sided 95% critical value of Student's t with `df` degrees of freedom (the normal
/// value for large df).
pub fn t95(df: u64) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    if df > 100_000 {
        return 1.959_963_984_540_054;
    }
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

/// Quantile `q` of sorted values, interpolating linearly between order statistics (the
/// usual "type 7" definition, as in R's and numpy's defaults).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Summary of one sample: n, mean, sd, 5/50/95th percentiles, 95% interval of the mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Describe {
    pub n: u64,
    pub mean: f64,
    pub sd: f64,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

impl Describe {
    /// `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<Describe> {
        let mut m = Moments::default();
        values.iter().for_each(|&x| m.push(x));
        if m.n == 0 {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let half = if m.n > 1 {
            t95(m.n - 1) * m.sd() / (m.n as f64).sqrt()
        } else {
            0.0
        };
        Some(Describe {
            n: m.n,
            mean: m.mean,
            sd: m.sd(),
            p05: quantile_sorted(&sorted, 0.05)?,
            p50: quantile_sorted(&sorted, 0.50)?,
            p95: quantile_sorted(&sorted, 0.95)?,
            ci95_low: m.mean - half,
            ci95_high: m.mean + half,
        })
    }

    pub fn half_width(&self) -> f64 {
        (self.ci95_high - self.ci95_low) / 2.0
    }
}

/// A variant against the reference, from paired replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// Replications where both have a value.
    pub n: u64,
    /// Mean of (variant − reference).
    pub delta_mean: f64,
    pub delta_sd: f64,
    pub delta_ci95_low: f64,
    pub delta_ci95_high: f64,
    /// Mean of the variant over mean of the reference (over the paired replications).
    pub ratio_mean: Option<f64>,
    /// A 95% interval of that ratio (Fieller's, from the paired runs' variances and
    /// covariance), so that a reduction in percent reads within what the ratio allows
    /// rather than the difference's interval scaled by an uncertain mean. `None` when
    /// either mean is not above 0, the reference's mean is not clearly above 0, or for
    /// one pair.
    pub ratio_ci95: Option<(f64, f64)>,
    /// Mean of the reference over the paired replications.
    pub reference_mean: f64,
}

impl Paired {
    /// `reference[i]` and `variant[i]` are replication i of each (`None`: no value).
    pub fn of(reference: &[Option<f64>], variant: &[Option<f64>]) -> Option<Paired> {
        let mut d = Moments::default();
        let (mut sum_ref, mut sum_var) = (0.0, 0.0);
        for (r, v) in reference.iter().zip(variant) {
            if let (Some(r), Some(v)) = (r, v) {
                d.push(v - r);
                sum_ref += r;
                sum_var += v;
            }
        }
        if d.n == 0 {
            return None;
        }
        let half = if d.n > 1 {
            t95(d.n - 1) * d.sd() / (d.n as f64).sqrt()
        } else {
            0.0
        };
        let n = d.n as f64;
        let (rbar, vbar) = (sum_ref / n, sum_var / n);
        let ratio_ci95 = if d.n > 1 && rbar > 0.0 && vbar > 0.0 {
            // Fieller's interval: every θ for which v̄ − θ·r̄ is not clearly away from 0,
            // (v̄ − θ r̄)² ≤ q² var(v̄ − θ r̄), a quadratic in θ.
            let (mut svv, mut srr, mut svr) = (0.0, 0.0, 0.0);
            for (r, v) in reference.iter().zip(variant) {
                if let (Some(r), Some(v)) = (r, v) {
                    svv += (v - vbar) * (v - vbar);
                    srr += (r - rbar) * (r - rbar);
                    svr += (v - vbar) * (r - rbar);
                }
            }
            let k = t95(d.n - 1).powi(2) / (n * (n - 1.0));
            let a = rbar * rbar - k * srr;
            let b = -2.0 * (vbar * rbar - k * svr);
            let c = vbar * vbar - k * svv;
            let disc = b * b - 4.0 * a * c;
            // a > 0: the reference's mean is clearly above 0, so the set is an interval.
            // A metric that cannot be negative has a ratio of at least 0: the interval is
            // cut there (intersecting it with what is possible keeps its coverage).
            let non_negative = variant.iter().flatten().all(|&v| v >= 0.0);
            (a > 0.0 && disc >= 0.0).then(|| {
                let root = disc.sqrt();
                let lo = (-b - root) / (2.0 * a);
                let hi = (-b + root) / (2.0 * a);
                (if non_negative { lo.max(0.0) } else { lo }, hi)
            })
        } else {
            None
        };
        Some(Paired {
            n: d.n,
            delta_mean: d.mean,
            delta_sd: d.sd(),
            delta_ci95_low: d.mean - half,
            delta_ci95_high: d.mean + half,
            ratio_mean: (sum_ref != 0.0).then(|| sum_var / sum_ref),
            ratio_ci95,
            reference_mean: rbar,
        })
    }

    /// The change against the reference in percent of its mean, with a 95% interval:
    /// (middle, low, high). From the ratio's interval where there is one (bounded: a
    /// reduction never reads as more than 100%), else the paired difference's interval
    /// scaled by the reference mean. `None` when the reference mean is 0.
    pub fn percent(&self) -> Option<(f64, f64, f64)> {
        if self.reference_mean == 0.0 {
            return None;
        }
        Some(match (self.ratio_mean, self.ratio_ci95) {
            (Some(r), Some((lo, hi))) => {
                (100.0 * (r - 1.0), 100.0 * (lo - 1.0), 100.0 * (hi - 1.0))
            }
            _ => {
                let pct = |x: f64| 100.0 * x / self.reference_mean.abs();
                (
                    pct(self.delta_mean),
                    pct(self.delta_ci95_low),
                    pct(self.delta_ci95_high),
                )
            }
        })
    }

    /// The players' (the reference's) change against the variant, in percent of the
    /// variant's mean: (middle, low, high), the ratio's interval inverted. `None` when
    /// the variant's mean is 0.
    pub fn percent_from_variant(&self) -> Option<(f64, f64, f64)> {
        let theirs = self.reference_mean + self.delta_mean;
        if theirs == 0.0 {
            return None;
        }
        Some(match (self.ratio_mean, self.ratio_ci95) {
            (Some(r), Some((lo, hi))) if r > 0.0 => (
                100.0 * (1.0 / r - 1.0),
                100.0 * (1.0 / hi - 1.0),
                100.0 * (1.0 / lo - 1.0),
            ),
            _ => {
                let pct = |x: f64| 100.0 * x / theirs;
                (
                    pct(-self.delta_mean),
                    pct(-self.delta_ci95_high),
                    pct(-self.delta_ci95_low),
                )
            }
        })
    }

    pub fn half_width(&self) -> f64 {
        (self.delta_ci95_high - self.delta_ci95_low) / 2.0
    }

    /// Whether the 95% interval excludes zero.
    pub fn is_clear(&self) -> bool {
        self.delta_ci95_low > 0.0 || self.delta_ci95_high < 0.0
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

    #[test]
    fn t95_matches_tables() {
        // Textbook values of t_{0.975, df}.
        assert!((t95(1) - 12.706).abs() < 1e-3);
        assert!((t95(9) - 2.262).abs() < 1e-3);
        assert!((t95(29) - 2.045).abs() < 1e-3);
        assert!((t95(1_000_000) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&v, 0.5), Some(3.0));
        assert_eq!(quantile_sorted(&v, 0.05), Some(1.2));
        assert_eq!(quantile_sorted(&v, 0.95), Some(4.8));
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }

    #[test]
    fn paired_difference_of_identical_samples_is_zero() {
        let a: Vec<Option<f64>> = (0..10).map(|i| Some(f64::from(i))).collect();
        let p = Paired::of(&a, &a).unwrap();
        assert_eq!(p.delta_mean, 0.0);
        assert_eq!(p.half_width(), 0.0);
        assert_eq!(p.ratio_mean, Some(1.0));
        assert!(!p.is_clear());
    }

    /// A large reduction with a wide spread: the difference's interval scaled by the
    /// reference mean would claim more than 100%; the ratio's cannot (non-negative
    /// values: the ratio is at least 0).
    #[test]
    fn a_reduction_in_percent_stays_below_100() {
        let r: Vec<Option<f64>> = [
            50.0, 80.0, 120.0, 200.0, 300.0, 60.0, 450.0, 100.0, 30.0, 610.0,
        ]
        .iter()
        .map(|&x| Some(x))
        .collect();
        let v: Vec<Option<f64>> = [4.0, 9.0, 11.0, 22.0, 28.0, 7.0, 40.0, 12.0, 2.0, 65.0]
            .iter()
            .map(|&x| Some(x))
            .collect();
        let p = Paired::of(&r, &v).unwrap();
        let scaled = 100.0 * p.delta_ci95_low / p.reference_mean;
        assert!(scaled < -100.0, "the scaled interval reaches {scaled}%");
        let (mid, lo, hi) = p.percent().unwrap();
        assert!((mid - 100.0 * (p.ratio_mean.unwrap() - 1.0)).abs() < 1e-9);
        assert!(lo >= -100.0 && lo < mid && mid < hi, "{lo} {mid} {hi}");
        // Seen from the variant's side, the same interval inverted.
        let (m2, lo2, hi2) = p.percent_from_variant().unwrap();
        assert!(m2 > 0.0 && lo2 < m2 && m2 < hi2);
    }

    /// The ratio's interval covers the true ratio of means about 95% of the time: 2,000
    /// batches of 30 paired runs, a lognormal reference and a variant that keeps 40% of
    /// it with noise of its own (correlated pairs, as with common random numbers). With
    /// 2,000 batches the share's sd is 0.5 points; Fieller's interval is exact only for
    /// normal data, so 92.5–97% allows that and about three sd of chance. (Here it
    /// covers 94.0%; the difference's interval scaled by the reference mean, used
    /// before, covered 99.95%: far too wide, and it could read as a reduction of more
    /// than 100%.)
    #[test]
    fn the_ratio_interval_covers_the_true_ratio_about_95_percent_of_the_time() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, LogNormal};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(20261202);
        let base = LogNormal::new(5.0, 0.6).unwrap();
        let noise = LogNormal::new(0.0, 0.3).unwrap();
        // E[variant] / E[reference] = 0.4 * E[noise].
        let truth = 0.4 * (0.3f64 * 0.3 / 2.0).exp();
        let trials = 2000;
        let mut covered = 0;
        for _ in 0..trials {
            let mut r = Vec::new();
            let mut v = Vec::new();
            for _ in 0..30 {
                let x: f64 = base.sample(&mut rng);
                let e: f64 = noise.sample(&mut rng);
                r.push(Some(x));
                v.push(Some(0.4 * x * e));
            }
            let p = Paired::of(&r, &v).unwrap();
            let (lo, hi) = p.ratio_ci95.unwrap();
            if lo <= truth && truth <= hi {
                covered += 1;
            }
        }
        let share = f64::from(covered) / f64::from(trials);
        println!("the ratio interval covered the true ratio in {share} of the batches");
        assert!((0.925..=0.97).contains(&share), "covered {share}");
    }

    #[test]
    fn paired_skips_missing_values() {
        let r = [Some(1.0), None, Some(3.0)];
        let v = [Some(2.0), Some(5.0), Some(5.0)];
        let p = Paired::of(&r, &v).unwrap();
        assert_eq!(p.n, 2);
        assert_eq!(p.delta_mean, 1.5);
    }
}
