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

pub(crate) use crate::written::Written;
use crate::written::{Fault, FaultKind, Step, path_text};

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

    /// The number, as the `f64` a distribution reads it as, if it is one.
    fn number(&self) -> Option<f64> {
        match *self {
            Written::Unsigned(n) => Some(n as f64),
            Written::Signed(n) => Some(n as f64),
            Written::Float(x) => Some(x),
            _ => None,
        }
    }

    /// What it is, for an error message: `the string "180"`.
    pub(crate) fn describe(&self) -> String {
        if let Some(v) = self.number() {
            return format!("the number {v}");
        }
        match self {
            Written::Text(s) => format!("the string {s:?}"),
            Written::Bool(b) => format!("the boolean {b}"),
            Written::List(_) => "a list".into(),
            Written::Table(entries) => match entries.as_slice() {
                [(k, Written::Text(t))] if k == TOML_DATETIME => format!("the date or time {t}"),
                _ => "a table".into(),
            },
            _ => "null".into(),
        }
    }
}

/// 2^64 and 2^63: the whole numbers in `-2^63..2^64` are those an integer
/// type can hold.
const TWO_64: f64 = 18_446_744_073_709_551_616.0;
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Makes each whole float in `w` that an integer type can hold that
/// integer, for [`locate`]: a spec's fault is named only where its reading
/// of `w` fails as the parser's did, and a float in an integer field
/// (`after = 30.0`) is better left to the parser's words ("floating point
/// `30.0`") than named here as "the number 30".
fn whole_floats_as_integers(w: &mut Written) {
    match w {
        Written::Float(x) if x.fract() == 0.0 && (-TWO_63..TWO_64).contains(x) => {
            *w = if *x >= 0.0 {
                Written::Unsigned(*x as u64)
            } else {
                Written::Signed(*x as i64)
            };
        }
        Written::List(items) => items.iter_mut().for_each(whole_floats_as_integers),
        Written::Table(entries) => entries
            .iter_mut()
            .for_each(|(_, v)| whole_floats_as_integers(v)),
        _ => {}
    }
}

fn part_mut<'a>(w: &'a mut Written, path: &[Step]) -> &'a mut Written {
    path.iter().fold(w, |w, step| match (w, *step) {
        (Written::Table(entries), Step::Entry(i)) => &mut entries[i].1,
        (Written::List(items), Step::Item(i)) => &mut items[i],
        _ => unreachable!("a path is built from the value it walks"),
    })
}

fn part<'a>(w: &'a Written, path: &[Step]) -> &'a Written {
    path.iter().fold(w, |w, step| match (w, *step) {
        (Written::Table(entries), Step::Entry(i)) => &entries[i].1,
        (Written::List(items), Step::Item(i)) => &items[i],
        _ => unreachable!("a path is built from the value it walks"),
    })
}

/// `a, b or c`: a spec's kinds for a message.
fn or_list(names: &[&str]) -> String {
    match names {
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => "none".into(),
    }
}

/// serde's name of an expected type, in the words of a message.
fn expected_words(exp: &str) -> String {
    let whole = |max: u64| format!("a number, whole and from 0 to {max}");
    match exp {
        "f64" | "f32" => "a number".into(),
        "u8" => whole(u8::MAX.into()),
        "u16" => whole(u16::MAX.into()),
        "u32" => whole(u32::MAX.into()),
        "u64" | "usize" => whole(u64::MAX),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        "path string" => "a file path (a string)".into(),
        e if e.starts_with("internally tagged enum") => "a table with a `kind`".into(),
        e if e.starts_with("struct ") || e == "a map" => "a table".into(),
        e => e.into(),
    }
}

/// Where a spec as written (`w`) does not read as `T`, and why: the key at
/// fault relative to the spec (`interval`, `steps[0].after`; empty: the
/// spec itself) in the words of [`Dist::from_written`]'s errors, and
/// serde's own text of the error (the text the parser's error holds).
/// `noun` names what a `kind` picks (`unknown policy "x"`). `None`: it
/// reads.
///
/// The fields and their types are `T`'s own, found by reading parts of
/// `w` with it, not listed again here: serde's error for a table tagged by
/// `kind` names no field, as the table is read whole before its fields.
/// serde reads a table's entries in order, so the first entry whose
/// inclusion makes a prefix of the table fail (other than by a field still
/// missing) is at fault; the search goes on into it. A field missing is
/// found as the table where adding it changes the error.
pub(crate) fn locate<T: serde::de::DeserializeOwned>(
    w: &Written,
    noun: &str,
) -> Option<(SpecError, String)> {
    let mut whole = w.clone();
    whole_floats_as_integers(&mut whole);
    let w = &whole;
    let read = |w: &Written| T::deserialize(w).err();
    let error = read(w)?;
    let fails_here =
        |doc: &Written| read(doc).is_some_and(|e| !matches!(e.kind, FaultKind::Missing(_)));
    let mut doc = w.clone();
    let mut path: Vec<Step> = Vec::new();
    if let FaultKind::Missing(field) = error.kind {
        path = missing_at(w, field, &error, &read)?;
    } else {
        loop {
            let node = part(&doc, &path).clone();
            let (n, empty) = match &node {
                Written::Table(e) => (e.len(), Written::Table(Vec::new())),
                Written::List(items) => (items.len(), Written::List(Vec::new())),
                _ => break,
            };
            // Failing empty: the value's type itself is at fault.
            *part_mut(&mut doc, &path) = empty;
            if fails_here(&doc) {
                *part_mut(&mut doc, &path) = node;
                break;
            }
            // A table tagged by `kind` is read with its kind, wherever
            // written: a kind failing alone is the fault.
            if let Written::Table(e) = &node
                && let Some(i) = e.iter().position(|(k, _)| k == "kind")
            {
                *part_mut(&mut doc, &path) = Written::Table(vec![e[i].clone()]);
                let kind_fails = fails_here(&doc);
                *part_mut(&mut doc, &path) = node.clone();
                if kind_fails {
                    path.push(Step::Entry(i));
                    break;
                }
            }
            let prefix = |i: usize| match &node {
                Written::Table(e) => {
                    let mut t = e[..=i].to_vec();
                    t.extend(e[i + 1..].iter().filter(|(k, _)| k == "kind").cloned());
                    Written::Table(t)
                }
                Written::List(items) => Written::List(items[..=i].to_vec()),
                _ => unreachable!(),
            };
            let found = (0..n).find(|&i| {
                *part_mut(&mut doc, &path) = prefix(i);
                fails_here(&doc)
            });
            match found {
                Some(i) => {
                    *part_mut(&mut doc, &path) = prefix(i);
                    path.push(match node {
                        Written::Table(_) => Step::Entry(i),
                        _ => Step::Item(i),
                    });
                }
                None => {
                    *part_mut(&mut doc, &path) = node;
                    break;
                }
            }
        }
    }
    let at = part(&doc, &path);
    let key = path_text(&doc, &path);
    let container = || path_text(&doc, &path[..path.len().saturating_sub(1)]);
    let spec = match &error.kind {
        FaultKind::Type { expected: exp, .. } => spec_error(
            key,
            format!("expected {}, found {}", expected_words(exp), at.describe()),
        ),
        FaultKind::UnknownField(field, fields) => {
            let owner = path[..path.len().saturating_sub(1)]
                .iter()
                .fold(&doc, |w, s| part(w, std::slice::from_ref(s)));
            let takes = match owner.get("kind") {
                Some(Written::Text(kind)) => format!("{kind} takes"),
                _ => "its fields:".into(),
            };
            let fields = if fields.is_empty() {
                "none".to_string()
            } else {
                and_list(fields)
            };
            spec_error(
                container(),
                format!("unknown field {field} ({takes} {fields})"),
            )
        }
        FaultKind::UnknownVariant(kind, kinds) => {
            spec_error(key, format!("unknown {noun} {kind:?} ({})", or_list(kinds)))
        }
        FaultKind::Missing(field) => {
            let key = if key.is_empty() {
                field.to_string()
            } else {
                format!("{key}.{field}")
            };
            // A `kind` missing: the kinds are those an unknown one is told of.
            let mut probe = part(w, &path).clone();
            if let Written::Table(e) = &mut probe {
                e.push((field.to_string(), Written::Text(String::new())));
            }
            let mut doc = w.clone();
            *part_mut(&mut doc, &path) = probe;
            match read(&doc).map(|e| e.kind) {
                Some(FaultKind::UnknownVariant(_, kinds)) => {
                    spec_error(key, format!("missing: one of {}", or_list(kinds)))
                }
                _ => spec_error(key, "missing"),
            }
        }
        FaultKind::Duplicate(_) => spec_error(key, "given twice"),
        FaultKind::Length(..) | FaultKind::Other => spec_error(key, error.text.clone()),
    };
    Some((spec, error.text))
}

/// The table of `w` in which adding `field` changes `error` (a field
/// missing): the first, in the order written, that lacks it.
fn missing_at(
    w: &Written,
    field: &str,
    error: &Fault,
    read: &dyn Fn(&Written) -> Option<Fault>,
) -> Option<Vec<Step>> {
    let mut tables: Vec<Vec<Step>> = Vec::new();
    let mut stack = vec![Vec::new()];
    while let Some(path) = stack.pop() {
        let mut inner = Vec::new();
        match part(w, &path) {
            Written::Table(entries) => {
                if entries.iter().all(|(k, _)| k != field) {
                    tables.push(path.clone());
                }
                for i in 0..entries.len() {
                    let mut p = path.clone();
                    p.push(Step::Entry(i));
                    inner.push(p);
                }
            }
            Written::List(items) => {
                for i in 0..items.len() {
                    let mut p = path.clone();
                    p.push(Step::Item(i));
                    inner.push(p);
                }
            }
            _ => {}
        }
        stack.extend(inner.into_iter().rev());
    }
    tables.into_iter().find(|path| {
        let mut doc = w.clone();
        if let Written::Table(e) = part_mut(&mut doc, path) {
            e.push((field.to_string(), Written::Null));
        }
        read(&doc).as_ref() != Some(error)
    })
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
        let number = |key: String, v: &Written| {
            v.number().ok_or_else(|| {
                spec_error(key, format!("expected a number, found {}", v.describe()))
            })
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

    /// A whole number is read back as written: a seed of `u64::MAX` is a
    /// `u64`, not the float 2^64 it rounds to, so that the fault after it
    /// is the one found, as the parser found it.
    #[test]
    fn a_seed_above_2_53_reads_exact_while_locating() {
        let text = r#"{"kind": "learned-fit", "seed": 18446744073709551615, "pool_by": 1}"#;
        let w: Written = serde_json::from_str(text).unwrap();
        let (e, serde_text) = locate::<crate::PolicySpec>(&w, "policy").unwrap();
        assert_eq!(
            e.to_string(),
            "pool_by: expected a string, found the number 1"
        );
        let parsed = serde_json::from_str::<crate::PolicySpec>(text).unwrap_err();
        assert!(parsed.to_string().contains(&serde_text), "{parsed}");
    }

    /// A whole float where an integer goes is read as that integer while
    /// locating, and so left to the parser's words ("floating point
    /// `30.0`"), not named as "the number 30"; a fraction is named.
    #[test]
    fn a_whole_float_in_an_integer_field_is_left_to_the_parser() {
        let w = |text| serde_json::from_str::<Written>(text).unwrap();
        let whole = w(r#"{"kind": "skill-expansion", "steps": [{"after": 30.0, "relax": 1}]}"#);
        assert_eq!(locate::<crate::PolicySpec>(&whole, "policy"), None);
        let part = w(r#"{"kind": "skill-expansion", "steps": [{"after": 30.5, "relax": 1}]}"#);
        let (e, _) = locate::<crate::PolicySpec>(&part, "policy").unwrap();
        assert_eq!(
            e.to_string(),
            "steps[0].after: expected a number, whole and from 0 to 4294967295, found the number 30.5"
        );
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
