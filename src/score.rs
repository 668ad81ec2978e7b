//! Scoring a (contact, agent) pair: a sum of named, weighted terms.
//!
//! ```text
//! w(c, a) = skill·skill(c, a) + fit·fit(c, a) + preference·[a is c's preferred agent]
//!         + idle·idle(a) + load·free(a) + wait·wait(c) + priority·priority(c)
//! ```
//!
//! Every term is kept in a [`ScoreBreakdown`] so that an embedding system can show
//! why an agent was chosen. The terms, each before its weight:
//!
//! | term | value |
//! | --- | --- |
//! | `skill` | mean over the contact's requirements of the agent's level / 10, in `0.1..=1` (1 when there are none) |
//! | `fit` | the [`FitModel`]'s value for the pair (customer–agent affinity; NaN counts as 0) |
//! | `preference` | 1 if the agent is the contact's preferred agent, else 0 |
//! | `idle` | `t / (t + idle_scale)` for an agent idle for `t` seconds, in `0..1` |
//! | `load` | the agent's free share of its total capacity, in `0..=1` |
//! | `wait` | seconds waited / `wait_scale` (linear, so long waits always win in the end) |
//! | `priority` | the contact's priority (0, 1, 2…) |
//!
//! Each weighted term is bounded by [`TERM_LIMIT`] in magnitude (only
//! reached by extreme weights, times or fits), so every score is finite.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{Agent, AgentId, Contact, SegmentId};

/// Errors in scoring configuration.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// A weight or scale that must be finite (scales also > 0) is not.
    #[error("score parameter `{field}` must be finite{extra}, got {value}")]
    BadParameter {
        /// The parameter.
        field: &'static str,
        /// Its value.
        value: f64,
        /// Further condition.
        extra: &'static str,
    },
    /// An affinity value that is NaN or infinite.
    #[error("affinity of {segment} with {agent} is not finite: {value}")]
    BadAffinity {
        /// The segment.
        segment: SegmentId,
        /// The agent.
        agent: AgentId,
        /// The value given.
        value: f64,
    },
}

/// The weight of each score term, and the scales that normalise time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreWeights {
    /// Weight of the skill-match term.
    pub skill: f64,
    /// Weight of the customer-fit term.
    pub fit: f64,
    /// Weight of the preferred-agent term.
    pub preference: f64,
    /// Weight of the agent idle-time term.
    pub idle: f64,
    /// Weight of the agent free-capacity term.
    pub load: f64,
    /// Weight of the contact wait term.
    pub wait: f64,
    /// Weight of the contact priority term.
    pub priority: f64,
    /// Seconds of idle time at which the idle term reaches one half (> 0).
    pub idle_scale: f64,
    /// Seconds of waiting that add 1 to the wait term (> 0).
    pub wait_scale: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights {
            skill: 1.0,
            fit: 1.0,
            preference: 0.5,
            idle: 0.5,
            load: 0.25,
            wait: 1.0,
            priority: 1.0,
            idle_scale: 60.0,
            wait_scale: 60.0,
        }
    }
}

impl ScoreWeights {
    /// Checks that every weight is finite and every scale finite and positive.
    pub fn validate(&self) -> Result<(), ScoreError> {
        for (field, value) in [
            ("skill", self.skill),
            ("fit", self.fit),
            ("preference", self.preference),
            ("idle", self.idle),
            ("load", self.load),
            ("wait", self.wait),
            ("priority", self.priority),
        ] {
            if !value.is_finite() {
                return Err(ScoreError::BadParameter {
                    field,
                    value,
                    extra: "",
                });
            }
        }
        for (field, value) in [
            ("idle_scale", self.idle_scale),
            ("wait_scale", self.wait_scale),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(ScoreError::BadParameter {
                    field,
                    value,
                    extra: " and > 0",
                });
            }
        }
        Ok(())
    }
}

/// A pair's score, term by term (each already multiplied by its weight), and the total.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    /// Weighted skill-match term.
    pub skill: f64,
    /// Weighted customer-fit term.
    pub fit: f64,
    /// Weighted preferred-agent term.
    pub preference: f64,
    /// Weighted agent idle-time term.
    pub idle: f64,
    /// Weighted agent free-capacity term.
    pub load: f64,
    /// Weighted contact wait term.
    pub wait: f64,
    /// Weighted contact priority term.
    pub priority: f64,
    /// The sum of the terms.
    pub total: f64,
}

impl ScoreBreakdown {
    /// The terms by name, in the order of the fields, `total` left out: for
    /// an explanation that lists them (they add up to `total`). The pattern
    /// names every field, so a term added to the breakdown cannot be left
    /// out of this list.
    pub fn terms(&self) -> [(&'static str, f64); 7] {
        let ScoreBreakdown {
            skill,
            fit,
            preference,
            idle,
            load,
            wait,
            priority,
            total: _,
        } = *self;
        [
            ("skill", skill),
            ("fit", fit),
            ("preference", preference),
            ("idle", idle),
            ("load", load),
            ("wait", wait),
            ("priority", priority),
        ]
    }
}

/// The agent's side of a score that changes with time and work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgentLoad {
    /// Seconds since the agent last became free of all work (0 if it holds work).
    pub idle_seconds: f64,
    /// Free share of the agent's total capacity, `0..=1`.
    pub free_share: f64,
}

/// Supplies the customer-fit term: how well an agent suits a customer.
///
/// Values in `-1..=1` keep the term comparable with the others at weight 1.
/// The weighted term is bounded by [`TERM_LIMIT`], as every term is, so a
/// value beyond it, `+∞` and `-∞` included, ranks the pair as strongly as
/// the limit allows, keeping its sign: `+∞` is "by all means", not neutral.
/// NaN ranks nothing: it counts as 0 (no opinion), with no error or trace,
/// so a model that cannot tell had better return 0 itself.
///
/// The fit must depend on the contact only through what describes the
/// customer — channel, requirements, priority, tier, segment, preferred agent
/// and attributes — not on its id or arrival time: a freed agent compares only
/// the longest-waiting of contacts alike in all of these
/// ([`RouterView::eligible_heads`](crate::RouterView::eligible_heads)). Put
/// anything else a fit needs in the contact's attributes.
///
/// On the agent's side, [`agent_class`](FitModel::agent_class) tells which
/// agents the model treats alike, so that among idle agents alike in
/// everything else an arriving contact compares only the longest idle
/// ([`RouterView::eligible_agent_heads`](crate::RouterView::eligible_agent_heads)).
///
/// A model must be `Send`: the [`Router`](crate::Router) that owns it is
/// moved to the thread that handles its events. It need not be `Sync`: one
/// thread at a time asks it.
pub trait FitModel: Send {
    /// The fit of `agent` for `contact`.
    fn fit(&self, contact: &Contact, agent: &Agent) -> f64;

    /// A class such that two agents with the same class, skills, capacities,
    /// speed and attributes get the same fit for every contact. The default,
    /// the agent's own id, is always right, but makes every agent its own
    /// class; a model that depends on the agent only through what it
    /// describes (or a group it knows) returns that.
    fn agent_class(&self, agent: &Agent) -> u64 {
        u64::from(agent.id().0)
    }
}

impl<F: FitModel + ?Sized> FitModel for Box<F> {
    fn fit(&self, contact: &Contact, agent: &Agent) -> f64 {
        (**self).fit(contact, agent)
    }
    fn agent_class(&self, agent: &Agent) -> u64 {
        (**self).agent_class(agent)
    }
}

/// A fit model with no opinion: every pair fits 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeutralFit;

impl FitModel for NeutralFit {
    fn fit(&self, _: &Contact, _: &Agent) -> f64 {
        0.0
    }
    fn agent_class(&self, _: &Agent) -> u64 {
        0
    }
}

/// A static affinity table: segment × agent → fit, with a default for pairs not listed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AffinityTable {
    table: HashMap<(SegmentId, AgentId), f64>,
    /// Agents with an entry: each is its own class; the others share one.
    listed: HashSet<AgentId>,
    default: f64,
}

impl AffinityTable {
    /// An empty table whose unlisted pairs fit `default`.
    pub fn new(default: f64) -> Result<AffinityTable, ScoreError> {
        if !default.is_finite() {
            return Err(ScoreError::BadParameter {
                field: "affinity default",
                value: default,
                extra: "",
            });
        }
        Ok(AffinityTable {
            table: HashMap::new(),
            listed: HashSet::new(),
            default,
        })
    }

    /// Sets the affinity of `segment` with `agent`; rejects NaN and infinities.
    pub fn set(
        &mut self,
        segment: SegmentId,
        agent: AgentId,
        value: f64,
    ) -> Result<(), ScoreError> {
        if !value.is_finite() {
            return Err(ScoreError::BadAffinity {
                segment,
                agent,
                value,
            });
        }
        self.table.insert((segment, agent), value);
        self.listed.insert(agent);
        Ok(())
    }

    /// The affinity of `segment` with `agent`.
    pub fn get(&self, segment: SegmentId, agent: AgentId) -> f64 {
        self.table
            .get(&(segment, agent))
            .copied()
            .unwrap_or(self.default)
    }
}

impl FitModel for AffinityTable {
    fn fit(&self, contact: &Contact, agent: &Agent) -> f64 {
        self.get(contact.segment(), agent.id())
    }
    fn agent_class(&self, agent: &Agent) -> u64 {
        if self.listed.contains(&agent.id()) {
            u64::from(agent.id().0)
        } else {
            u64::MAX // ids are u32: no listed agent shares it
        }
    }
}

/// The mean level / 10 of `agent` over `contact`'s requirements (1 when it has none,
/// 0 for a skill the agent lacks).
pub fn skill_match(contact: &Contact, agent: &Agent) -> f64 {
    let reqs = contact.requirements();
    if reqs.is_empty() {
        return 1.0;
    }
    let sum: u32 = reqs
        .iter()
        .map(|r| agent.level(r.skill).map_or(0, |l| l.get() as u32))
        .sum();
    sum as f64 / (10.0 * reqs.len() as f64)
}

/// Scores a pair at time `now`. `fit` is the fit model's raw value.
pub fn score(
    weights: &ScoreWeights,
    contact: &Contact,
    agent: &Agent,
    load: AgentLoad,
    fit: f64,
    now: f64,
) -> ScoreBreakdown {
    ContactTerms::new(weights, contact, now).with(
        weights,
        agent.id(),
        skill_match(contact, agent),
        load,
        fit,
    )
}

/// The terms of a contact's score that do not depend on the agent, worked
/// out once by a policy that scores the contact with many agents; [`score`]
/// is built from them, so both give the same bits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContactTerms {
    preferred: Option<AgentId>,
    /// The weighted wait and priority terms.
    wait: f64,
    priority: f64,
    /// A weight of an agent-side term (skill, preference, idle, load) is
    /// beyond [`TERM_LIMIT`], so that term can be too: only then does
    /// [`with`](Self::with) bound them, which keeps the common case to the
    /// formula's arithmetic.
    huge_agent_weights: bool,
}

/// The largest magnitude of a weighted term: seven of them add up to a
/// finite total, so a score is finite for any valid weights, times and fits (a
/// wait of 2e308 s, from an arrival at -1e308 to an event at 1e308, or a
/// wait weight of 1e306, would otherwise overflow). A term beyond it is
/// bounded to it; scores within it are as the formula says.
pub const TERM_LIMIT: f64 = f64::MAX / 8.0;

#[inline(always)]
fn bounded(term: f64) -> f64 {
    term.clamp(-TERM_LIMIT, TERM_LIMIT)
}

impl ContactTerms {
    /// `contact`'s terms at time `now`.
    #[inline]
    pub(crate) fn new(weights: &ScoreWeights, contact: &Contact, now: f64) -> ContactTerms {
        let waited = (now - contact.arrival()).max(0.0);
        let mut wait = weights.wait * waited / weights.wait_scale;
        if wait.is_nan() || wait.abs() > TERM_LIMIT {
            // Overflowed (or 0 · ∞): divided first, with a wait beyond any
            // count of scales taken as TERM_LIMIT of them.
            wait = bounded(weights.wait * (waited / weights.wait_scale).min(TERM_LIMIT));
        }
        ContactTerms {
            preferred: contact.preferred_agent(),
            wait,
            priority: bounded(weights.priority * contact.priority() as f64),
            // The factors of these weights are in 0..=1 (the preference's is 0
            // or 1), so a term exceeds the limit only if its weight does.
            huge_agent_weights: [
                weights.skill,
                weights.preference,
                weights.idle,
                weights.load,
            ]
            .iter()
            .any(|w| w.abs() > TERM_LIMIT),
        }
    }

    /// The breakdown with agent `agent`, whose [`skill_match`] with the
    /// contact is `skill`; `fit` is the fit model's raw value.
    #[inline(always)]
    pub(crate) fn with(
        &self,
        weights: &ScoreWeights,
        agent: AgentId,
        skill: f64,
        load: AgentLoad,
        fit: f64,
    ) -> ScoreBreakdown {
        // A fit of ±∞ ("never" / "by all means") keeps its sign, bounded as
        // the other terms are; NaN says nothing, so it counts as no opinion.
        // A fit weight of 0 times an infinite fit is NaN too: the term is off.
        let fit = weights.fit * fit;
        let fit = if fit.is_nan() { 0.0 } else { bounded(fit) };
        let idle = load.idle_seconds.max(0.0);
        let mut b = ScoreBreakdown {
            skill: weights.skill * skill,
            fit,
            preference: if self.preferred == Some(agent) {
                weights.preference
            } else {
                0.0
            },
            // t / (t + scale), written so that rounding never lets a longer
            // idle score lower: each step is monotone in t.
            idle: weights.idle * (1.0 - weights.idle_scale / (idle + weights.idle_scale)),
            load: weights.load * load.free_share,
            wait: self.wait,
            priority: self.priority,
            total: 0.0,
        };
        if self.huge_agent_weights {
            for t in [&mut b.skill, &mut b.preference, &mut b.idle, &mut b.load] {
                *t = bounded(*t);
            }
        }
        // Seven terms within TERM_LIMIT each: the total is finite.
        b.total = b.skill + b.fit + b.preference + b.idle + b.load + b.wait + b.priority;
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChannelId, ContactId, SkillId};

    fn agent() -> Agent {
        Agent::builder(AgentId(3))
            .skill(SkillId(1), 8)
            .skill(SkillId(2), 4)
            .channel(ChannelId::VOICE, 1)
            .build()
            .unwrap()
    }

    #[test]
    fn breakdown_adds_up() {
        let c = Contact::builder(ContactId(1), ChannelId::VOICE, 10.0)
            .requires(SkillId(1), 5)
            .requires(SkillId(2), 2)
            .priority(2)
            .preferred_agent(AgentId(3))
            .build()
            .unwrap();
        let w = ScoreWeights::default();
        let s = score(
            &w,
            &c,
            &agent(),
            AgentLoad {
                idle_seconds: 60.0,
                free_share: 1.0,
            },
            0.4,
            70.0,
        );
        assert!((s.skill - 0.6).abs() < 1e-12);
        assert!((s.fit - 0.4).abs() < 1e-12);
        assert_eq!(s.preference, 0.5);
        assert!((s.idle - 0.25).abs() < 1e-12);
        assert_eq!(s.load, 0.25);
        assert!((s.wait - 1.0).abs() < 1e-12);
        assert_eq!(s.priority, 2.0);
        let sum = s.skill + s.fit + s.preference + s.idle + s.load + s.wait + s.priority;
        assert!((s.total - sum).abs() < 1e-12);
        // `terms` lists every serialized field but the total, by its name.
        let fields = serde_json::to_value(s).unwrap();
        let fields = fields.as_object().unwrap();
        assert_eq!(s.terms().len(), fields.len() - 1);
        for (name, value) in s.terms() {
            assert_eq!(fields[name].as_f64(), Some(value), "{name}");
        }
        let listed: f64 = s.terms().iter().map(|&(_, v)| v).sum();
        assert!((s.total - listed).abs() < 1e-12);
        let nan = score(
            &w,
            &c,
            &agent(),
            AgentLoad {
                idle_seconds: 0.0,
                free_share: 0.0,
            },
            f64::NAN,
            70.0,
        );
        assert!(nan.total.is_finite());
    }

    /// The breakdown of `agent()` for a contact needing skill 1, with
    /// `fit` from the fit model.
    fn scored(w: &ScoreWeights, fit: f64) -> ScoreBreakdown {
        let c = Contact::builder(ContactId(1), ChannelId::VOICE, 0.0)
            .requires(SkillId(1), 1)
            .build()
            .unwrap();
        let load = AgentLoad {
            idle_seconds: 30.0,
            free_share: 1.0,
        };
        score(w, &c, &agent(), load, fit, 10.0)
    }

    #[test]
    fn fit_term_is_bounded_and_keeps_its_sign() {
        let w = ScoreWeights::default();
        for (fit, term) in [
            (f64::INFINITY, TERM_LIMIT),
            (f64::NEG_INFINITY, -TERM_LIMIT),
            (1e308, TERM_LIMIT),
            (-1e308, -TERM_LIMIT),
            (f64::NAN, 0.0),
            (0.7, 0.7),
        ] {
            let s = scored(&w, fit);
            assert_eq!(s.fit, term, "fit {fit}");
            assert!(s.total.is_finite(), "fit {fit}");
            let rest = s.skill + s.preference + s.idle + s.load + s.wait + s.priority;
            assert_eq!(s.total, s.fit + rest, "fit {fit}");
        }
        // "By all means" outranks a neutral fit, and "never" ranks below it.
        let neutral = scored(&w, 0.0).total;
        assert!(scored(&w, f64::INFINITY).total > neutral);
        assert!(scored(&w, f64::NEG_INFINITY).total < neutral);
        // A finite fit whose weighted term overflows the limit is bounded too.
        let heavy = ScoreWeights { fit: 1e10, ..w };
        assert_eq!(scored(&heavy, 1e300).fit, TERM_LIMIT);
        // A fit weight of 0 turns the term off, even for an infinite fit.
        let off = ScoreWeights { fit: 0.0, ..w };
        assert_eq!(scored(&off, f64::INFINITY).fit, 0.0);
        assert_eq!(scored(&off, f64::INFINITY).total, neutral);
    }

    #[test]
    fn agent_terms_are_bounded_even_when_the_total_is_finite() {
        // Each of these alone left the total finite, so the term kept its
        // 0.8e308 (skill 8 of 10) or 1e308, beyond TERM_LIMIT.
        for (name, w) in [
            (
                "skill",
                ScoreWeights {
                    skill: 1e308,
                    ..Default::default()
                },
            ),
            (
                "preference",
                ScoreWeights {
                    preference: 1e308,
                    ..Default::default()
                },
            ),
            (
                "idle",
                ScoreWeights {
                    idle: -1e308,
                    idle_scale: 1e-300,
                    ..Default::default()
                },
            ),
            (
                "load",
                ScoreWeights {
                    load: 1e308,
                    ..Default::default()
                },
            ),
        ] {
            assert_eq!(w.validate(), Ok(()));
            let c = Contact::builder(ContactId(1), ChannelId::VOICE, 0.0)
                .requires(SkillId(1), 1)
                .preferred_agent(AgentId(3))
                .build()
                .unwrap();
            let load = AgentLoad {
                idle_seconds: 30.0,
                free_share: 1.0,
            };
            let s = score(&w, &c, &agent(), load, 0.0, 10.0);
            for (term, v) in s.terms() {
                assert!(v.abs() <= TERM_LIMIT, "{name} weight: {term} = {v}");
            }
            assert!(s.total.is_finite(), "{name}");
            let (_, v) = s.terms().into_iter().find(|&(t, _)| t == name).unwrap();
            assert_eq!(v.abs(), TERM_LIMIT, "{name}");
        }
    }

    #[test]
    fn weights_and_affinity_validate() {
        let w = ScoreWeights {
            fit: f64::NAN,
            ..Default::default()
        };
        assert!(matches!(
            w.validate(),
            Err(ScoreError::BadParameter { field: "fit", .. })
        ));
        let w = ScoreWeights {
            wait_scale: 0.0,
            ..Default::default()
        };
        assert!(w.validate().is_err());
        let mut t = AffinityTable::new(0.1).unwrap();
        assert!(t.set(SegmentId(1), AgentId(3), f64::INFINITY).is_err());
        t.set(SegmentId(1), AgentId(3), 0.9).unwrap();
        let c = Contact::builder(ContactId(1), ChannelId::VOICE, 0.0)
            .segment(SegmentId(1))
            .build()
            .unwrap();
        assert_eq!(t.fit(&c, &agent()), 0.9);
        assert_eq!(t.get(SegmentId(2), AgentId(3)), 0.1);
    }
}
