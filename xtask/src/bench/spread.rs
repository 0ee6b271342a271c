//! A figure over several runs: median with min and max.

/// A metric over several runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median (of the middle two for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; NaN everywhere when there are none.
    pub fn of(mut values: Vec<f64>) -> Spread {
        if values.is_empty() {
            return Spread {
                median: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Spread {
            median,
            min: values[0],
            max: values[n - 1],
        }
    }

    /// The spread of the ratios `a[i] / b[i]`, pairing runs of the same
    /// round, so that drift during the benchmark cancels out.
    pub fn of_ratios(a: &[f64], b: &[f64]) -> Spread {
        Spread::of(a.iter().zip(b).map(|(a, b)| a / b).collect())
    }

    /// Every figure multiplied by `k` (units).
    pub fn scaled(self, k: f64) -> Spread {
        Spread {
            median: self.median * k,
            min: self.min * k,
            max: self.max * k,
        }
    }

    /// `median (min–max)` with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!(
            "{:.d$} ({:.d$}–{:.d$})",
            self.median,
            self.min,
            self.max,
            d = digits
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_the_median_and_the_extremes() {
        let s = Spread::of(vec![3.0, 1.0, 2.0, 10.0, 4.0]);
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 10.0));
        assert_eq!(Spread::of(vec![1.0, 2.0]).median, 1.5);
        assert_eq!(s.show(1), "3.0 (1.0–10.0)");
        assert!(Spread::of(Vec::new()).median.is_nan());
    }

    #[test]
    fn ratios_pair_runs_of_the_same_round() {
        // Drift doubles every figure in round 2; the ratio does not move.
        let s = Spread::of_ratios(&[90.0, 180.0, 99.0], &[100.0, 200.0, 100.0]);
        assert_eq!((s.median, s.min, s.max), (0.9, 0.9, 0.99));
    }
}
