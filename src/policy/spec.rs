//! The built-in policies by name, as a settings file has them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    CMu, LearnedFit, LearnedFitConfig, LongestIdleAgent, OptimalAssignment, PolicyError,
    PriorityAging, RelaxStep, RoutingPolicy, SkillExpansion,
};
use crate::assign::Mode;

/// A built-in routing policy and its parameters (serde, tagged by `kind`).
/// A parameter the policy does not have is an error naming it, not
/// ignored: `step = [...]` for `steps` would otherwise run the default
/// steps without a word.
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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    from = "PolicyText",
    deny_unknown_fields
)]
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

/// [`PolicySpec`] as a file has it. Serde lets a unit variant of an
/// internally tagged enum take any fields and drop them, whatever
/// `deny_unknown_fields` says: `longest-idle-agent` is read here as a
/// struct variant with no fields, so that a parameter given to it (meant
/// for another policy) is refused too.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum PolicyText {
    LongestIdleAgent {},
    PriorityAging(PriorityAging),
    SkillExpansion {
        #[serde(default = "default_steps")]
        steps: Vec<RelaxStep>,
    },
    CMu(CMu),
    OptimalAssignment {
        #[serde(default = "yes")]
        non_idling: bool,
    },
    LearnedFit(LearnedFitConfig),
}

impl From<PolicyText> for PolicySpec {
    fn from(p: PolicyText) -> Self {
        match p {
            PolicyText::LongestIdleAgent {} => PolicySpec::LongestIdleAgent,
            PolicyText::PriorityAging(p) => PolicySpec::PriorityAging(p),
            PolicyText::SkillExpansion { steps } => PolicySpec::SkillExpansion { steps },
            PolicyText::CMu(p) => PolicySpec::CMu(p),
            PolicyText::OptimalAssignment { non_idling } => {
                PolicySpec::OptimalAssignment { non_idling }
            }
            PolicyText::LearnedFit(c) => PolicySpec::LearnedFit(c),
        }
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
