//! Time distributions for service, patience, wrap-up and ring delays.

use std::fmt;
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
///
/// A field of the wrong type, missing, or not the kind's is an error
/// naming it (`mean: expected a number, found the string "180"`); a
/// scenario's error names the whole path
/// (`contact_types[0].service.mean`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
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

/// The kinds, in the words of an error message.
const KINDS: &str = "exponential, lognormal, gamma, constant or empirical";

/// A value as a TOML or JSON file writes it, kept whatever its type, so
/// that a distribution's fields are checked one by one and the one at
/// fault is named. Serde's derived reading of a table tagged by `kind`
/// reads the table whole first, and its error ("invalid type: string
/// \"180\", expected f64") names no field: TOML's caret falls on the whole
/// table, JSON's column on its end.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Written {
    /// A number (an integer is read as the `f64` it stands for).
    Number(f64),
    /// A string.
    Text(String),
    /// `true` or `false`.
    Bool(bool),
    /// A list.
    List(Vec<Written>),
    /// A table, its keys in the order written (a key given twice is kept
    /// twice, to be refused).
    Table(Vec<(String, Written)>),
    /// JSON's `null`.
    Null,
}

/// The key under which the `toml` crate hands over a date or time (as a
/// one-entry table holding its text).
const TOML_DATETIME: &str = "$__toml_private_datetime";

impl Written {
    /// The value under `key`, if this is a table that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Written> {
        match self {
            Written::Table(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// What it is, for an error message: `the string "180"`.
    fn describe(&self) -> String {
        match self {
            Written::Number(v) => format!("the number {v}"),
            Written::Text(s) => format!("the string {s:?}"),
            Written::Bool(b) => format!("the boolean {b}"),
            Written::List(_) => "a list".into(),
            Written::Table(entries) => match entries.as_slice() {
                [(k, Written::Text(t))] if k == TOML_DATETIME => format!("the date or time {t}"),
                _ => "a table".into(),
            },
            Written::Null => "null".into(),
        }
    }
}

impl<'de> Deserialize<'de> for Written {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Written, D::Error> {
        d.deserialize_any(WrittenVisitor)
    }
}

struct WrittenVisitor;

impl<'de> serde::de::Visitor<'de> for WrittenVisitor {
    type Value = Written;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Written, E> {
        Ok(Written::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Written, E> {
        Ok(Written::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Written, E> {
        Ok(Written::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Written, E> {
        Ok(Written::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Written, E> {
        Ok(Written::Text(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Written, E> {
        Ok(Written::Text(v))
    }
    fn visit_unit<E>(self) -> Result<Written, E> {
        Ok(Written::Null)
    }
    fn visit_none<E>(self) -> Result<Written, E> {
        Ok(Written::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Written, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Written, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Written::List(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Written, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry::<String, Written>()? {
            out.push(entry);
        }
        Ok(Written::Table(out))
    }
}

/// Why a distribution as written does not read: the key at fault (`mean`,
/// `samples[2]`; empty for the value itself) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SpecError {
    /// The key, relative to the distribution; empty: the distribution itself.
    pub key: String,
    /// What is wrong.
    pub rule: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.rule)
        } else {
            write!(f, "{}: {}", self.key, self.rule)
        }
    }
}

fn spec_error(key: impl Into<String>, rule: impl Into<String>) -> SpecError {
    SpecError {
        key: key.into(),
        rule: rule.into(),
    }
}

/// `a`, `a and b`: a kind's fields for a message.
fn and_list(fields: &[&str]) -> String {
    match fields {
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    }
}

impl Dist {
    /// Reads a distribution as written (a table with a `kind` and that
    /// kind's fields, each of its type), naming the first field at fault:
    /// the `kind` (missing, not one of the kinds), a key given twice or not
    /// the kind's, a field missing or not a number. The values are checked
    /// apart, by [`sampler`](Dist::sampler).
    pub(crate) fn from_written(w: &Written) -> Result<Dist, SpecError> {
        let Written::Table(entries) = w else {
            return Err(spec_error(
                "",
                format!(
                    "expected a distribution, a table with a `kind` ({KINDS}), found {}",
                    w.describe()
                ),
            ));
        };
        for (i, (k, _)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(j, _)| j == k) {
                return Err(spec_error(k.as_str(), "given twice"));
            }
        }
        let kind = match w.get("kind") {
            None => return Err(spec_error("kind", format!("missing: one of {KINDS}"))),
            Some(Written::Text(kind)) => kind.as_str(),
            Some(other) => {
                return Err(spec_error(
                    "kind",
                    format!("expected one of {KINDS}, found {}", other.describe()),
                ));
            }
        };
        let fields: &[&str] = match kind {
            "exponential" => &["mean"],
            "lognormal" => &["mean", "sd"],
            "gamma" => &["shape", "scale"],
            "constant" => &["value"],
            "empirical" => &["samples"],
            _ => {
                return Err(spec_error(
                    "kind",
                    format!("unknown kind {kind:?}: one of {KINDS}"),
                ));
            }
        };
        if let Some((k, _)) = entries
            .iter()
            .find(|(k, _)| k != "kind" && !fields.contains(&k.as_str()))
        {
            return Err(spec_error(
                k.as_str(),
                format!(
                    "not a field of kind {kind:?} (its fields: {})",
                    and_list(fields)
                ),
            ));
        }
        let field = |name: &str| {
            w.get(name).ok_or_else(|| {
                spec_error(
                    name,
                    format!("missing (kind {kind:?} needs {})", and_list(fields)),
                )
            })
        };
        let number = |key: String, v: &Written| match v {
            Written::Number(x) => Ok(*x),
            other => Err(spec_error(
                key,
                format!("expected a number, found {}", other.describe()),
            )),
        };
        let num = |name: &str| number(name.to_string(), field(name)?);
        Ok(match kind {
            "exponential" => Dist::Exponential { mean: num("mean")? },
            "lognormal" => Dist::Lognormal {
                mean: num("mean")?,
                sd: num("sd")?,
            },
            "gamma" => Dist::Gamma {
                shape: num("shape")?,
                scale: num("scale")?,
            },
            "constant" => Dist::Constant {
                value: num("value")?,
            },
            _ => match field("samples")? {
                Written::List(items) => Dist::Empirical {
                    samples: items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| number(format!("samples[{i}]"), v))
                        .collect::<Result<_, _>>()?,
                },
                other => {
                    return Err(spec_error(
                        "samples",
                        format!("expected a list of numbers, found {}", other.describe()),
                    ));
                }
            },
        })
    }
}

impl<'de> Deserialize<'de> for Dist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dist, D::Error> {
        let w = Written::deserialize(d)?;
        Dist::from_written(&w).map_err(serde::de::Error::custom)
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

    /// Read alone (not in a scenario, which names the whole path), a
    /// field at fault is named by its key, not in serde's words for a
    /// tagged table ("invalid type: string \"180\", expected f64").
    #[test]
    fn a_field_at_fault_is_named_by_its_key() {
        let e = serde_json::from_str::<Dist>(r#"{"kind": "lognormal", "mean": "180", "sd": 60}"#)
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("mean: expected a number, found the string \"180\""),
            "{e}"
        );
        let d: Dist =
            serde_json::from_str(r#"{"sd": 60, "mean": 180, "kind": "lognormal"}"#).unwrap();
        assert_eq!(
            d,
            Dist::Lognormal {
                mean: 180.0,
                sd: 60.0
            }
        );
        let back: Dist = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
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
