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
        Some(Paired {
            n: d.n,
            delta_mean: d.mean,
            delta_sd: d.sd(),
            delta_ci95_low: d.mean - half,
            delta_ci95_high: d.mean + half,
            ratio_mean: (sum_ref != 0.0).then(|| sum_var / sum_ref),
            reference_mean: sum_ref / n,
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

    #[test]
    fn paired_skips_missing_values() {
        let r = [Some(1.0), None, Some(3.0)];
        let v = [Some(2.0), Some(5.0), Some(5.0)];
        let p = Paired::of(&r, &v).unwrap();
        assert_eq!(p.n, 2);
        assert_eq!(p.delta_mean, 1.5);
    }
}
