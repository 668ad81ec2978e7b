//! The built-in policies by name, as a settings file has them.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Unexpected};
use serde::{Deserialize, Serialize};

use super::{
    CMu, LearnedFit, LearnedFitConfig, LongestIdleAgent, OptimalAssignment, PolicyError,
    PriorityAging, RelaxStep, RoutingPolicy, SkillExpansion,
};
use crate::assign::Mode;
use crate::written::{Fault, FaultKind, Written, path_text};

/// A built-in routing policy and its parameters (serde, tagged by `kind`).
/// A parameter the policy does not have is an error naming it, not
/// ignored: `step = [...]` for `steps` would otherwise run the default
/// steps without a word. A parameter of the wrong type is named by its
/// path under the setting `policy`, and its policy: `invalid type: string
/// "ten" at policy.max_wait (priority-aging), expected a map`.
///
/// An ACD reads it from its settings and [`build`](PolicySpec::build)s the
/// policy (`examples/acd_loop.rs`); the simulator's scenarios name their
/// policy the same way. It needs no cargo feature.
///
/// ```
/// use skillroute::{PolicySpec, Router};
///
/// let spec: PolicySpec =
///     serde_json::from_str(r#"{ "kind": "skill-expansion", "steps": [{ "after": 20, "relax": 2 }] }"#)?;
/// assert_eq!(spec.name(), "skill-expansion");
/// let router = Router::builder(spec.build()?).build()?;
/// # let _ = router;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PolicySpec {
    /// [`LongestIdleAgent`].
    #[default]
    LongestIdleAgent,
    /// [`PriorityAging`] with its parameters.
    PriorityAging(PriorityAging),
    /// [`SkillExpansion`] with its relaxation steps (default steps if omitted).
    SkillExpansion {
        /// The bullseye's rings.
        #[serde(default = "default_steps")]
        steps: Vec<RelaxStep>,
    },
    /// [`CMu`] with its parameter.
    CMu(CMu),
    /// [`OptimalAssignment`]; re-plans place the most offers first, then the
    /// best total score (as the library's default), or with `non_idling = false`
    /// maximise the total score only.
    OptimalAssignment {
        /// Solve re-plans in [`Mode::NonIdling`] (default true).
        #[serde(default = "yes")]
        non_idling: bool,
    },
    /// [`LearnedFit`]: the optimal assignment with a fit learned from the
    /// outcomes its router is told of. [`build`](PolicySpec::build) makes
    /// it from its configuration alone, its draws seeded by `seed`. The
    /// simulator (feature `sim`) makes its own instead: it learns from the
    /// outcomes of the scenario's `outcomes` (the router's `fit` table is
    /// not used), and its draws come from the replication's own stream,
    /// mixed with `seed`.
    LearnedFit(LearnedFitConfig),
}

fn yes() -> bool {
    true
}

fn default_steps() -> Vec<RelaxStep> {
    SkillExpansion::default().steps().to_vec()
}

/// The built-ins' kinds, in the order of [`PolicySpec::builtins`]: an
/// unknown kind is told of them.
const KINDS: &[&str] = &[
    "longest-idle-agent",
    "priority-aging",
    "skill-expansion",
    "c-mu",
    "optimal-assignment",
    "learned-fit",
];

/// `longest-idle-agent`'s parameters: none, so that one given to it (meant
/// for another policy) is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParameters {}

/// `skill-expansion`'s parameters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsText {
    #[serde(default = "default_steps")]
    steps: Vec<RelaxStep>,
}

/// `optimal-assignment`'s parameters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NonIdlingText {
    #[serde(default = "yes")]
    non_idling: bool,
}

// Read by hand rather than by serde's derive for a tagged enum: the
// derive reads the table whole before the parameters, so that a
// parameter of the wrong type was told of with no name (TOML's caret on
// the whole table, JSON's message without a position). Here the
// parameters are read from the table as written (`Written`), which
// keeps the path to the value at fault. Every other error is passed on
// as serde words it, by kind (an unknown field, a field missing, an
// unknown `kind`...), as the derive did: the simulator's scenarios find
// the path of those from their kind.
impl<'de> Deserialize<'de> for PolicySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PolicySpec, D::Error> {
        d.deserialize_map(PolicyVisitor)
    }
}

struct PolicyVisitor;

impl<'de> de::Visitor<'de> for PolicyVisitor {
    type Value = PolicySpec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde's words for a tagged enum, which the simulator's
        // scenarios put as "a table with a `kind`".
        f.write_str("internally tagged enum PolicySpec")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PolicySpec, A::Error> {
        let mut kind: Option<Kind> = None;
        let mut parameters = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "kind" {
                if kind.is_some() {
                    return Err(de::Error::duplicate_field("kind"));
                }
                // Read at once: a kind unknown is told where it is written.
                kind = Some(map.next_value::<Kind>()?);
            } else {
                parameters.push((key, map.next_value::<Written>()?));
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        let params = &Written::Table(parameters);
        let read = match kind {
            Kind::LongestIdleAgent => NoParameters::deserialize(params)
                .map(|NoParameters {}| PolicySpec::LongestIdleAgent),
            Kind::PriorityAging => {
                PriorityAging::deserialize(params).map(PolicySpec::PriorityAging)
            }
            Kind::SkillExpansion => StepsText::deserialize(params)
                .map(|t| PolicySpec::SkillExpansion { steps: t.steps }),
            Kind::CMu => CMu::deserialize(params).map(PolicySpec::CMu),
            Kind::OptimalAssignment => {
                NonIdlingText::deserialize(params).map(|t| PolicySpec::OptimalAssignment {
                    non_idling: t.non_idling,
                })
            }
            Kind::LearnedFit => LearnedFitConfig::deserialize(params).map(PolicySpec::LearnedFit),
        };
        read.map_err(|e| passed_on(e, params, kind.name()))
    }
}

/// A policy's `kind`.
#[derive(Debug, Clone, Copy)]
enum Kind {
    LongestIdleAgent,
    PriorityAging,
    SkillExpansion,
    CMu,
    OptimalAssignment,
    LearnedFit,
}

impl Kind {
    /// Every kind, in the order of [`KINDS`].
    const ALL: [Kind; 6] = [
        Kind::LongestIdleAgent,
        Kind::PriorityAging,
        Kind::SkillExpansion,
        Kind::CMu,
        Kind::OptimalAssignment,
        Kind::LearnedFit,
    ];

    fn name(self) -> &'static str {
        KINDS[self as usize]
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        struct KindVisitor;
        impl de::Visitor<'_> for KindVisitor {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // serde's words for a variant's name, as the derive had them.
                f.write_str("variant identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
                Kind::ALL
                    .into_iter()
                    .find(|k| k.name() == v)
                    .ok_or_else(|| E::unknown_variant(v, KINDS))
            }
        }
        d.deserialize_identifier(KindVisitor)
    }
}

/// A fault in a policy's parameters (`params`) as the reader's error `E`
/// (the settings file's parser). A value of the
/// wrong type is named by its path and its policy, in serde's given slot
/// (`invalid type: string "ten" at policy.max_wait (priority-aging),
/// expected f64`): the words serde's kind of error is told by (what was
/// expected) stay as they were, so that the simulator, which names the
/// field from them, still reads them. The others already name their
/// field, or are the reader's own words.
fn passed_on<E: de::Error>(fault: Fault, params: &Written, kind: &str) -> E {
    match fault.kind {
        FaultKind::Type {
            value,
            given,
            expected,
        } => {
            let path = match path_text(params, &fault.path).as_str() {
                "" => "policy".to_string(),
                p => format!("policy.{p}"),
            };
            let given = format!("{given} at {path} ({kind})");
            let expected = Expected(&expected);
            if value {
                E::invalid_value(Unexpected::Other(&given), &expected)
            } else {
                E::invalid_type(Unexpected::Other(&given), &expected)
            }
        }
        FaultKind::Length(n, expected) => E::invalid_length(n, &Expected(&expected)),
        FaultKind::UnknownVariant(v, known) => E::unknown_variant(&v, known),
        FaultKind::UnknownField(field, known) => E::unknown_field(&field, known),
        FaultKind::Missing(field) => E::missing_field(field),
        FaultKind::Duplicate(field) => E::duplicate_field(field),
        FaultKind::Other => E::custom(fault.text),
    }
}

/// serde's words for what was expected, kept as text.
struct Expected<'a>(&'a str);

impl de::Expected for Expected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Why a [`PolicySpec`] cannot be had or used: a name that is no
/// built-in's, or a parameter out of its range. The message names the
/// setting `policy`, as a settings file (or a simulator's scenario) calls
/// it; [`rule`](PolicySpecError::rule) is the message without it, for a
/// caller that names the setting its own way.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PolicySpecError {
    /// No built-in policy has this name ([`PolicySpec::named`]).
    UnknownName {
        /// The name given.
        name: String,
        /// The built-ins' names.
        known: Vec<&'static str>,
    },
    /// A parameter breaks its policy's rule ([`PolicySpec::validate`],
    /// [`PolicySpec::build`]).
    Invalid {
        /// The policy, as its `kind`.
        kind: &'static str,
        /// What is wrong, naming the parameter.
        error: PolicyError,
    },
}

impl PolicySpecError {
    /// What is wrong, without the setting's name.
    pub fn rule(&self) -> String {
        match self {
            PolicySpecError::UnknownName { name, known } => format!(
                "no built-in policy is named {name:?} (known: {}, or all)",
                known.join(", ")
            ),
            PolicySpecError::Invalid { error, .. } => error.to_string(),
        }
    }
}

impl fmt::Display for PolicySpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "policy: {}", self.rule())
    }
}

// No `source`: the message already says what the inner `PolicyError` says,
// and a reporter walking the chain would print it twice.
impl std::error::Error for PolicySpecError {}

impl PolicySpec {
    /// Every built-in policy with its default parameters, but for
    /// [`LearnedFit`](crate::LearnedFit), pooled by the `group` attribute
    /// (`pool_by = "group"`, which the simulator gives every agent; a file's
    /// `kind = "learned-fit"` without `pool_by` learns per agent). An ACD
    /// whose agents have no `group` attribute gets one arm for them all:
    /// set `pool_by` to an attribute they have.
    pub fn builtins() -> Vec<PolicySpec> {
        vec![
            PolicySpec::LongestIdleAgent,
            PolicySpec::PriorityAging(PriorityAging::default()),
            PolicySpec::SkillExpansion {
                steps: default_steps(),
            },
            PolicySpec::CMu(CMu::default()),
            PolicySpec::OptimalAssignment { non_idling: true },
            PolicySpec::LearnedFit(LearnedFitConfig {
                pool_by: Some("group".into()),
                ..LearnedFitConfig::default()
            }),
        ]
    }

    /// The built-ins named (in the order given, each once; `"all"` for
    /// every one), with their parameters in [`builtins`](Self::builtins) except that a built-in of
    /// the same kind as `own` (a scenario's policy) takes `own`'s. No names:
    /// `own` alone. An unknown name is an error that lists the known ones.
    pub fn named<S: AsRef<str>>(
        names: &[S],
        own: &PolicySpec,
    ) -> Result<Vec<PolicySpec>, PolicySpecError> {
        if names.is_empty() {
            return Ok(vec![own.clone()]);
        }
        let builtins = PolicySpec::builtins();
        let pick = |p: &PolicySpec| {
            if p.name() == own.name() {
                own.clone()
            } else {
                p.clone()
            }
        };
        let mut out: Vec<PolicySpec> = Vec::new();
        for name in names {
            let name = name.as_ref();
            let found: Vec<PolicySpec> = if name == "all" {
                builtins.iter().map(pick).collect()
            } else {
                match builtins.iter().find(|p| p.name() == name) {
                    Some(p) => vec![pick(p)],
                    None => {
                        return Err(PolicySpecError::UnknownName {
                            name: name.to_string(),
                            known: builtins.iter().map(PolicySpec::name).collect(),
                        });
                    }
                }
            };
            for p in found {
                if !out.iter().any(|q| q.name() == p.name()) {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// The policy's name, as its [`RoutingPolicy::name`].
    pub fn name(&self) -> &'static str {
        match self {
            PolicySpec::LongestIdleAgent => "longest-idle-agent",
            PolicySpec::PriorityAging(_) => "priority-aging",
            PolicySpec::SkillExpansion { .. } => "skill-expansion",
            PolicySpec::CMu(_) => "c-mu",
            PolicySpec::OptimalAssignment { .. } => "optimal-assignment",
            PolicySpec::LearnedFit(_) => "learned-fit",
        }
    }

    fn invalid(&self, error: PolicyError) -> PolicySpecError {
        PolicySpecError::Invalid {
            kind: self.name(),
            error,
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), PolicySpecError> {
        let err = |e| self.invalid(e);
        match self {
            PolicySpec::PriorityAging(p) => p.validate().map_err(err),
            PolicySpec::SkillExpansion { steps } => {
                SkillExpansion::new(steps.clone()).map(|_| ()).map_err(err)
            }
            PolicySpec::CMu(p) => p.validate().map_err(err),
            PolicySpec::LearnedFit(c) => c.validate().map_err(err),
            _ => Ok(()),
        }
    }

    /// Builds the policy as a trait object, with its own parameters (the
    /// simulator itself monomorphises the built-ins instead).
    pub fn build(&self) -> Result<Box<dyn RoutingPolicy>, PolicySpecError> {
        self.validate()?;
        Ok(match self {
            PolicySpec::LongestIdleAgent => Box::new(LongestIdleAgent),
            PolicySpec::PriorityAging(p) => Box::new(p.clone()),
            PolicySpec::SkillExpansion { steps } => {
                Box::new(SkillExpansion::new(steps.clone()).map_err(|e| self.invalid(e))?)
            }
            PolicySpec::CMu(p) => Box::new(*p),
            PolicySpec::OptimalAssignment { non_idling } => {
                Box::new(OptimalAssignment::new(if *non_idling {
                    Mode::NonIdling
                } else {
                    Mode::MaxWeight
                }))
            }
            PolicySpec::LearnedFit(c) => {
                Box::new(LearnedFit::new(c.clone()).map_err(|e| self.invalid(e))?)
            }
        })
    }
}

impl fmt::Display for PolicySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A settings file's shape, as an embedder's (`examples/acd_loop.rs`).
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        policy: PolicySpec,
    }

    fn toml_spec(text: &str) -> Result<PolicySpec, String> {
        toml::from_str::<Settings>(&format!("[policy]\n{text}\n"))
            .map(|s| s.policy)
            .map_err(|e| e.to_string())
    }

    fn json_spec(text: &str) -> Result<PolicySpec, String> {
        serde_json::from_str::<PolicySpec>(text).map_err(|e| e.to_string())
    }

    /// Each built-in as a file writes it by hand, in both formats, with a
    /// parameter off its default where it has one (so that a parameter
    /// read and dropped would show).
    const WRITTEN: [(&str, &str, &str); 6] = [
        (
            "longest-idle-agent",
            r#"kind = "longest-idle-agent""#,
            r#"{"kind": "longest-idle-agent"}"#,
        ),
        (
            "priority-aging",
            "kind = \"priority-aging\"\naging_per_second = 0.25",
            r#"{"kind": "priority-aging", "aging_per_second": 0.25}"#,
        ),
        (
            "skill-expansion",
            "kind = \"skill-expansion\"\nsteps = [{ after = 20, relax = 2 }]",
            r#"{"kind": "skill-expansion", "steps": [{"after": 20, "relax": 2}]}"#,
        ),
        (
            "c-mu",
            "kind = \"c-mu\"\ncost_per_priority = 3.0",
            r#"{"kind": "c-mu", "cost_per_priority": 3.0}"#,
        ),
        (
            "optimal-assignment",
            "kind = \"optimal-assignment\"\nnon_idling = false",
            r#"{"kind": "optimal-assignment", "non_idling": false}"#,
        ),
        (
            "learned-fit",
            "kind = \"learned-fit\"\nprior_resolved = 2.0\npool_by = \"team\"",
            r#"{"kind": "learned-fit", "prior_resolved": 2.0, "pool_by": "team"}"#,
        ),
    ];

    #[test]
    fn every_builtin_parses_from_toml_and_json_and_builds() {
        let names: Vec<&str> = PolicySpec::builtins()
            .iter()
            .map(PolicySpec::name)
            .collect();
        let written: Vec<&str> = WRITTEN.iter().map(|w| w.0).collect();
        assert_eq!(written, names, "a built-in without a written form here");
        for (name, toml_text, json_text) in WRITTEN {
            let from_toml = toml_spec(toml_text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let from_json = json_spec(json_text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(from_toml, from_json, "{name}");
            assert_eq!(from_toml.name(), name);
            assert_eq!(from_toml.to_string(), name);
            assert_eq!(from_toml.build().unwrap().name(), name);
        }
        // The parameters read are the ones written.
        let p = |t| toml_spec(t).unwrap();
        assert_eq!(
            p(WRITTEN[2].1),
            PolicySpec::SkillExpansion {
                steps: vec![RelaxStep {
                    after: 20,
                    relax: 2
                }]
            }
        );
        assert_eq!(
            p(WRITTEN[4].1),
            PolicySpec::OptimalAssignment { non_idling: false }
        );
        let PolicySpec::LearnedFit(c) = p(WRITTEN[5].1) else {
            panic!("not learned-fit")
        };
        assert_eq!(
            (c.prior_resolved, c.pool_by.as_deref()),
            (2.0, Some("team"))
        );
        // Left out: the defaults, steps and the non-idling mode included.
        assert_eq!(
            p(r#"kind = "skill-expansion""#),
            PolicySpec::SkillExpansion {
                steps: default_steps()
            }
        );
        assert_eq!(
            p(r#"kind = "optimal-assignment""#),
            PolicySpec::OptimalAssignment { non_idling: true }
        );
    }

    #[test]
    fn every_builtin_written_reads_back_the_same() {
        for spec in PolicySpec::builtins() {
            let json = serde_json::to_string(&spec).unwrap();
            assert_eq!(json_spec(&json).unwrap(), spec, "{json}");
            let settings = Settings {
                policy: spec.clone(),
            };
            let text = toml::to_string(&settings).unwrap();
            let back: Settings = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back.policy, spec, "{text}");
            assert_eq!(spec.build().unwrap().name(), spec.name());
        }
    }

    #[test]
    fn a_misspelt_field_or_an_unknown_kind_is_refused_by_name() {
        for (toml_text, json_text, named) in [
            (
                "kind = \"skill-expansion\"\nstep = [{ after = 5, relax = 1 }]",
                r#"{"kind": "skill-expansion", "step": [{"after": 5, "relax": 1}]}"#,
                "step",
            ),
            (
                "kind = \"optimal-assignment\"\nnonidling = false",
                r#"{"kind": "optimal-assignment", "nonidling": false}"#,
                "nonidling",
            ),
            // A parameter meant for another policy, to one that has none.
            (
                "kind = \"longest-idle-agent\"\naging_per_second = 0.5",
                r#"{"kind": "longest-idle-agent", "aging_per_second": 0.5}"#,
                "aging_per_second",
            ),
            (
                "kind = \"skil-expansion\"",
                r#"{"kind": "skil-expansion"}"#,
                "skil-expansion",
            ),
        ] {
            let e = toml_spec(toml_text).unwrap_err();
            assert!(e.contains(named), "{toml_text}: {e}");
            let e = json_spec(json_text).unwrap_err();
            assert!(e.contains(named), "{json_text}: {e}");
        }
        // An unknown kind is told the known ones.
        let e = json_spec(r#"{"kind": "skil-expansion"}"#).unwrap_err();
        for name in ["longest-idle-agent", "skill-expansion", "learned-fit"] {
            assert!(e.contains(name), "{e}");
        }
    }

    /// A parameter of the wrong type is named by its path and its policy,
    /// in both formats, for every built-in that has parameters (the
    /// derive's message named neither: TOML's caret fell on the whole
    /// table, JSON's message had no position).
    #[test]
    fn a_wrong_typed_parameter_is_named_by_its_path() {
        // (kind, TOML parameters, JSON parameters, the path and what serde
        // says of the value)
        let cases = [
            (
                "priority-aging",
                r#"aging_per_second = "ten""#,
                r#""aging_per_second": "ten""#,
                r#"invalid type: string "ten" at policy.aging_per_second (priority-aging), expected f64"#,
            ),
            (
                "priority-aging",
                r#"max_wait = "ten""#,
                r#""max_wait": "ten""#,
                r#"invalid type: string "ten" at policy.max_wait (priority-aging), expected a map"#,
            ),
            (
                "priority-aging",
                r#"max_wait = { 1 = "ten" }"#,
                r#""max_wait": {"1": "ten"}"#,
                r#"invalid type: string "ten" at policy.max_wait.1 (priority-aging), expected f64"#,
            ),
            (
                "priority-aging",
                "default_max_wait = true",
                r#""default_max_wait": true"#,
                "invalid type: boolean `true` at policy.default_max_wait (priority-aging), expected f64",
            ),
            (
                "skill-expansion",
                r#"steps = [{ after = 10, relax = 1 }, { after = "30", relax = 2 }]"#,
                r#""steps": [{"after": 10, "relax": 1}, {"after": "30", "relax": 2}]"#,
                r#"invalid type: string "30" at policy.steps[1].after (skill-expansion), expected u32"#,
            ),
            (
                "skill-expansion",
                "steps = [{ after = 10, relax = 300 }]",
                r#""steps": [{"after": 10, "relax": 300}]"#,
                "invalid value: integer `300` at policy.steps[0].relax (skill-expansion), expected u8",
            ),
            (
                "skill-expansion",
                "steps = 5",
                r#""steps": 5"#,
                "invalid type: integer `5` at policy.steps (skill-expansion), expected a sequence",
            ),
            (
                "c-mu",
                "cost_per_priority = [1]",
                r#""cost_per_priority": [1]"#,
                "invalid type: sequence at policy.cost_per_priority (c-mu), expected f64",
            ),
            (
                "optimal-assignment",
                r#"non_idling = "yes""#,
                r#""non_idling": "yes""#,
                r#"invalid type: string "yes" at policy.non_idling (optimal-assignment), expected a boolean"#,
            ),
            (
                "learned-fit",
                r#"max_exploration = "0.1""#,
                r#""max_exploration": "0.1""#,
                r#"invalid type: string "0.1" at policy.max_exploration (learned-fit), expected f64"#,
            ),
            (
                "learned-fit",
                "seed = -1",
                r#""seed": -1"#,
                "invalid value: integer `-1` at policy.seed (learned-fit), expected u64",
            ),
            (
                "learned-fit",
                "pool_by = 3",
                r#""pool_by": 3"#,
                "invalid type: integer `3` at policy.pool_by (learned-fit), expected a string",
            ),
        ];
        for (kind, toml_text, json_text, want) in cases {
            let toml_text = format!("kind = \"{kind}\"\n{toml_text}");
            let e = toml_spec(&toml_text).unwrap_err();
            assert!(e.contains(want), "{toml_text}: {e}");
            // The key first or last: the same message.
            for json_text in [
                format!(r#"{{"kind": "{kind}", {json_text}}}"#),
                format!(r#"{{{json_text}, "kind": "{kind}"}}"#),
            ] {
                let e = json_spec(&json_text).unwrap_err();
                assert!(e.starts_with(want), "{json_text}: {e}");
            }
        }
        // JSON's null where a number goes is named so.
        let e = json_spec(r#"{"kind": "c-mu", "cost_per_priority": null}"#).unwrap_err();
        assert!(
            e.starts_with("invalid type: null at policy.cost_per_priority (c-mu), expected f64"),
            "{e}"
        );
    }

    /// Reading by hand keeps what the derive read: every built-in, its
    /// `kind` anywhere in the table, `null` for an infinite wait; and the
    /// derive's errors of other kinds, in its words.
    #[test]
    fn reading_by_hand_reads_as_the_derive_did() {
        for (name, _, json_text) in WRITTEN {
            let spec = json_spec(json_text).unwrap();
            // `kind` last.
            let value: serde_json::Value = serde_json::from_str(json_text).unwrap();
            let mut rest: Vec<String> = value
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| *k != "kind")
                .map(|(k, v)| format!("{k:?}: {v}"))
                .collect();
            rest.push(format!(r#""kind": "{name}""#));
            let last = format!("{{{}}}", rest.join(", "));
            assert_eq!(json_spec(&last).unwrap(), spec, "{last}");
        }
        let names: Vec<&str> = PolicySpec::builtins()
            .iter()
            .map(PolicySpec::name)
            .collect();
        assert_eq!(KINDS, names.as_slice());
        for kind in Kind::ALL {
            let spec = json_spec(&format!(r#"{{"kind": "{}"}}"#, kind.name())).unwrap();
            assert_eq!(spec.name(), kind.name());
        }
        let p = json_spec(
            r#"{"kind": "priority-aging", "max_wait": {"1": 30, "2": null}, "default_max_wait": null}"#,
        )
        .unwrap();
        let PolicySpec::PriorityAging(p) = p else {
            panic!("not priority-aging")
        };
        assert_eq!(
            p.max_wait.values().copied().collect::<Vec<_>>(),
            [30.0, f64::INFINITY]
        );
        assert_eq!(p.default_max_wait, f64::INFINITY);
        for (json_text, want) in [
            (r#"{"aging_per_second": 1}"#, "missing field `kind`"),
            (
                r#"{"kind": "c-mu", "kind": "c-mu"}"#,
                "duplicate field `kind`",
            ),
            (
                r#"{"kind": 1}"#,
                "invalid type: integer `1`, expected variant identifier",
            ),
            (
                "3",
                "invalid type: integer `3`, expected internally tagged enum PolicySpec",
            ),
            (
                r#"{"kind": "c-mu", "cost": 1}"#,
                "unknown field `cost`, expected `cost_per_priority`",
            ),
            (
                r#"{"kind": "longest-idle-agent", "steps": []}"#,
                "unknown field `steps`, there are no fields",
            ),
            (
                r#"{"kind": "skill-expansion", "steps": [{"after": 1}]}"#,
                "missing field `relax`",
            ),
            (
                r#"{"kind": "learned-fit", "exploration": {"kind": "ucbb"}}"#,
                "unknown variant `ucbb`",
            ),
        ] {
            let e = json_spec(json_text).unwrap_err();
            assert!(e.starts_with(want), "{json_text}: {e}");
        }
    }

    #[test]
    fn named_picks_builtins_and_refuses_an_unknown_name() {
        let own = PolicySpec::CMu(CMu {
            cost_per_priority: 4.0,
        });
        let all = PolicySpec::named(&["all"], &own).unwrap();
        let names: Vec<&str> = all.iter().map(PolicySpec::name).collect();
        let builtins: Vec<&str> = PolicySpec::builtins()
            .iter()
            .map(PolicySpec::name)
            .collect();
        assert_eq!(names, builtins);
        // The built-in of own's kind takes own's parameters; the others
        // their defaults.
        for (got, default) in all.iter().zip(PolicySpec::builtins()) {
            let want = if got.name() == own.name() {
                &own
            } else {
                &default
            };
            assert_eq!(got, want);
        }
        // In the order given, each once.
        let some = PolicySpec::named(&["c-mu", "longest-idle-agent", "c-mu"], &own).unwrap();
        assert_eq!(some, vec![own.clone(), PolicySpec::LongestIdleAgent]);
        let none: [&str; 0] = [];
        assert_eq!(PolicySpec::named(&none, &own).unwrap(), vec![own.clone()]);

        let e = PolicySpec::named(&["c-mu", "cmu"], &own).unwrap_err();
        assert_eq!(
            e,
            PolicySpecError::UnknownName {
                name: "cmu".into(),
                known: builtins.clone(),
            }
        );
        assert_eq!(
            e.to_string(),
            format!(
                "policy: no built-in policy is named \"cmu\" (known: {}, or all)",
                builtins.join(", ")
            )
        );
    }

    #[test]
    fn parameters_out_of_range_are_refused_naming_the_policy() {
        let unordered = PolicySpec::SkillExpansion {
            steps: vec![
                RelaxStep { after: 5, relax: 2 },
                RelaxStep { after: 3, relax: 3 },
            ],
        };
        let negative = PolicySpec::PriorityAging(PriorityAging {
            aging_per_second: -1.0,
            ..PriorityAging::default()
        });
        let prior = PolicySpec::LearnedFit(LearnedFitConfig {
            prior_unresolved: 0.0,
            ..LearnedFitConfig::default()
        });
        let cmu = PolicySpec::CMu(CMu {
            cost_per_priority: f64::NAN,
        });
        for (spec, named) in [
            (&unordered, "relaxation step 1"),
            (&negative, "aging_per_second"),
            (&prior, "prior_unresolved"),
            (&cmu, "cost_per_priority"),
        ] {
            let e = spec.validate().unwrap_err();
            assert!(
                matches!(&e, PolicySpecError::Invalid { kind, .. } if *kind == spec.name()),
                "{e:?}"
            );
            assert!(e.to_string().starts_with("policy: "), "{e}");
            assert!(e.rule().contains(named), "{e}");
            assert_eq!(e.to_string(), format!("policy: {}", e.rule()));
            // As text: NaN, a value refused, is not equal to itself.
            let built = spec.build().err().map(|b| format!("{b:?}"));
            assert_eq!(built, Some(format!("{e:?}")));
        }
    }
}
