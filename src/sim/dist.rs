//! Time distributions for service, patience, wrap-up and ring delays.

use std::sync::Arc;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1, Gamma, LogNormal};
use serde::{Deserialize, Serialize};

/// A distribution of durations in seconds (service, patience, wrap-up, ring delay).
///
/// A [`Dist`] is what a scenario file says (serde, tagged by `kind`); it is
/// checked once by [`Dist::sampler`], which returns a [`Sampler`] that cannot
/// fail afterwards (the pattern of `rand_distr`'s constructors).
///
/// | `kind` | fields | mean |
/// | --- | --- | --- |
/// | `exponential` | `mean` > 0 | `mean` |
/// | `lognormal` | `mean` > 0, `sd` ≥ 0 (of the variable itself, not of its log) | `mean` |
/// | `gamma` | `shape` > 0, `scale` > 0 | `shape · scale` |
/// | `constant` | `value` ≥ 0 | `value` |
/// | `empirical` | `samples`: non-empty, each ≥ 0 (drawn uniformly with replacement) | their mean |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Dist {
    /// Exponential with the given mean.
    Exponential {
        /// Mean in seconds (> 0).
        mean: f64,
    },
    /// Log-normal with the given mean and standard deviation of the variable.
    Lognormal {
        /// Mean in seconds (> 0).
        mean: f64,
        /// Standard deviation in seconds (≥ 0).
        sd: f64,
    },
    /// Gamma with shape `k` and scale `θ` (mean `kθ`).
    Gamma {
        /// Shape (> 0).
        shape: f64,
        /// Scale in seconds (> 0).
        scale: f64,
    },
    /// Always the same value.
    Constant {
        /// Seconds (≥ 0).
        value: f64,
    },
    /// Resampled uniformly from observed values.
    Empirical {
        /// Observed durations in seconds (non-empty, each ≥ 0).
        samples: Vec<f64>,
    },
}

/// A checked distribution, ready to sample.
#[derive(Debug, Clone)]
pub enum Sampler {
    /// `mean · Exp(1)` (ziggurat).
    Exponential(f64),
    /// Log-normal.
    Lognormal(LogNormal<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
    /// A constant.
    Constant(f64),
    /// Uniform resampling.
    Empirical(Arc<[f64]>),
}

/// Why a [`Dist`] is invalid: the field (relative to the distribution) and the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct DistError {
    /// The field, e.g. `mean`.
    pub field: &'static str,
    /// What it must be.
    pub rule: String,
}

fn positive(field: &'static str, v: f64) -> Result<(), DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(DistError {
            field,
            rule: format!("must be finite and > 0, got {v}"),
        })
    }
}

fn non_negative(field: &'static str, v: f64) -> Result<(), DistError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(DistError {
            field,
            rule: format!("must be finite and >= 0, got {v}"),
        })
    }
}

impl Dist {
    /// Checks the parameters and builds the sampler.
    pub fn sampler(&self) -> Result<Sampler, DistError> {
        Ok(match *self {
            Dist::Exponential { mean } => {
                positive("mean", mean)?;
                Sampler::Exponential(mean)
            }
            Dist::Lognormal { mean, sd } => {
                positive("mean", mean)?;
                non_negative("sd", sd)?;
                // No spread: the mean itself, as `least` says (exp(ln mean)
                // is an ulp off for most means: 5 gives 4.999999999999999).
                if sd == 0.0 {
                    return Ok(Sampler::Constant(mean));
                }
                // If X = exp(N(mu, s^2)): E X = exp(mu + s^2/2), Var X = (exp(s^2) - 1) (E X)^2.
                let s2 = (1.0 + (sd / mean).powi(2)).ln();
                let mu = mean.ln() - s2 / 2.0;
                let d = LogNormal::new(mu, s2.sqrt()).map_err(|e| DistError {
                    field: "sd",
                    rule: e.to_string(),
                })?;
                Sampler::Lognormal(d)
            }
            Dist::Gamma { shape, scale } => {
                positive("shape", shape)?;
                positive("scale", scale)?;
                let d = Gamma::new(shape, scale).map_err(|e| DistError {
                    field: "shape",
                    rule: e.to_string(),
                })?;
                Sampler::Gamma(d)
            }
            Dist::Constant { value } => {
                non_negative("value", value)?;
                Sampler::Constant(value)
            }
            Dist::Empirical { ref samples } => {
                if samples.is_empty() {
                    return Err(DistError {
                        field: "samples",
                        rule: "must not be empty".into(),
                    });
                }
                for &v in samples {
                    non_negative("samples", v)?;
                }
                Sampler::Empirical(samples.as_slice().into())
            }
        })
    }

    /// The least value it can draw (for a valid distribution): its support's
    /// lower end, 0 for the continuous laws (a log-normal of zero spread
    /// draws its mean).
    pub(crate) fn least(&self) -> f64 {
        match self {
            Dist::Lognormal { mean, sd } if *sd == 0.0 => *mean,
            Dist::Exponential { .. } | Dist::Lognormal { .. } | Dist::Gamma { .. } => 0.0,
            Dist::Constant { value } => *value,
            Dist::Empirical { samples } => samples.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }

    /// The distribution's mean (for a valid distribution).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Exponential { mean } | Dist::Lognormal { mean, .. } => *mean,
            Dist::Gamma { shape, scale } => shape * scale,
            Dist::Constant { value } => *value,
            Dist::Empirical { samples } => {
                samples.iter().sum::<f64>() / samples.len().max(1) as f64
            }
        }
    }
}

impl Sampler {
    /// Draws one duration (finite, ≥ 0).
    ///
    /// The exponential, the most common by far (every Markovian model), is
    /// drawn in place; the others through a call.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if let Sampler::Exponential(mean) = self {
            let e: f64 = Exp1.sample(rng);
            return mean * e;
        }
        self.sample_other(rng)
    }

    /// [`sample`](Self::sample) for the distributions other than the exponential.
    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Exponential(mean) => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Sampler::Lognormal(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Constant(v) => *v,
            Sampler::Empirical(s) => s[rng.random_range(0..s.len())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::{Purpose, stream};

    fn moments(d: &Dist, n: usize) -> (f64, f64) {
        let s = d.sampler().unwrap();
        let mut r = stream(9, 0, Purpose::Service, 0);
        let xs: Vec<f64> = (0..n).map(|_| s.sample(&mut r)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v.sqrt())
    }

    #[test]
    fn parameters_give_the_stated_moments() {
        // n = 200k: the sample mean's relative standard error is <= 0.3% for cv <= 1.5.
        let (m, sd) = moments(
            &Dist::Lognormal {
                mean: 200.0,
                sd: 100.0,
            },
            200_000,
        );
        assert!((m - 200.0).abs() < 2.0, "{m}");
        assert!((sd - 100.0).abs() < 3.0, "{sd}");
        let (m, _) = moments(
            &Dist::Gamma {
                shape: 2.0,
                scale: 50.0,
            },
            200_000,
        );
        assert!((m - 100.0).abs() < 1.0, "{m}");
        let (m, sd) = moments(&Dist::Exponential { mean: 30.0 }, 200_000);
        assert!(
            (m - 30.0).abs() < 0.3 && (sd - 30.0).abs() < 0.5,
            "{m} {sd}"
        );
        let (m, _) = moments(
            &Dist::Empirical {
                samples: vec![1.0, 2.0, 6.0],
            },
            200_000,
        );
        assert!((m - 3.0).abs() < 0.05, "{m}");
    }

    #[test]
    fn bad_parameters_name_the_field() {
        assert_eq!(
            Dist::Exponential { mean: -1.0 }
                .sampler()
                .unwrap_err()
                .field,
            "mean"
        );
        assert_eq!(
            Dist::Gamma {
                shape: 1.0,
                scale: f64::NAN
            }
            .sampler()
            .unwrap_err()
            .field,
            "scale"
        );
        assert_eq!(
            Dist::Empirical { samples: vec![] }
                .sampler()
                .unwrap_err()
                .field,
            "samples"
        );
        assert_eq!(
            Dist::Lognormal {
                mean: 1.0,
                sd: -2.0
            }
            .sampler()
            .unwrap_err()
            .field,
            "sd"
        );
    }
}
