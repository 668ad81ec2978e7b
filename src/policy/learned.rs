//! [`LearnedFit`]: the optimal assignment with a fit learned online from outcomes.

use std::cell::RefCell;

use rand::SeedableRng;
use rand_distr::{Beta, Distribution};
use rand_pcg::Pcg64Mcg;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    AgentRef, ContactRef, InFlightProposal, OptimalAssignment, PolicyError, PoolingMismatch,
    Proposal, RouterView, RoutingPolicy, Trigger, check,
};
use crate::assign::Mode;
use crate::model::{Agent, AgentId, Contact, ContactId, Outcome, SegmentId};
use crate::score::ScoreBreakdown;
use crate::state::IdMap;

/// How [`LearnedFit`] trades what it knows against what it could learn.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Exploration {
    /// Thompson sampling: an arm's fit is a draw from its posterior, drawn
    /// again each time the arm learns an outcome (so it is fixed between
    /// outcomes, and one decision sees one value per arm).
    #[default]
    Thompson,
    /// Upper confidence bound: the posterior mean plus
    /// `c · sqrt(ln(N + 1) / n)`, where `N` counts every outcome learned and
    /// `n` the arm's pseudo-count (prior plus outcomes).
    Ucb {
        /// Width of the bonus (finite, ≥ 0).
        c: f64,
    },
    /// No exploration: the posterior mean.
    Greedy,
}

/// The parameters of [`LearnedFit`] (serde, so that a scenario file can name them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearnedFitConfig {
    /// Prior pseudo-count of resolved outcomes per arm (α of the Beta prior;
    /// > 0 and at most 1e300).
    pub prior_resolved: f64,
    /// Prior pseudo-count of unresolved outcomes per arm (β of the Beta
    /// prior; > 0 and at most 1e300).
    pub prior_unresolved: f64,
    /// How arms are explored.
    pub exploration: Exploration,
    /// The most an arm's fit may stray from its posterior mean while
    /// exploring (≥ 0): exploration can move a pair's score by at most this
    /// times the fit weight, so it reorders close candidates, never the
    /// urgent ones.
    pub max_exploration: f64,
    /// Agents sharing this attribute's value share an arm (the simulator
    /// gives each agent a `group` attribute); agents without it share one
    /// more. `None`: every agent is its own arm (the most general, and the
    /// slowest to learn).
    pub pool_by: Option<String>,
    /// Seed of the Thompson draws. (The simulator mixes it with the
    /// replication's own stream, so that replications draw differently.)
    pub seed: u64,
    /// Solve re-plans in [`Mode::NonIdling`] (the most offers, then the best
    /// total score) rather than [`Mode::MaxWeight`].
    pub non_idling: bool,
}

impl Default for LearnedFitConfig {
    /// A uniform prior, Thompson sampling bounded to ±0.2 around the mean,
    /// one arm per agent, non-idling re-plans.
    fn default() -> Self {
        LearnedFitConfig {
            prior_resolved: 1.0,
            prior_unresolved: 1.0,
            exploration: Exploration::Thompson,
            max_exploration: 0.2,
            pool_by: None,
            seed: 0,
            non_idling: true,
        }
    }
}

impl LearnedFitConfig {
    /// Checks the parameters: priors finite, > 0 and at most 1e300 (so
    /// that α + β and the posterior mean α / (α + β) stay finite: at 9e307
    /// each the sum overflowed, the mean read 0 and Thompson draws NaN),
    /// `max_exploration` and a UCB width finite and ≥ 0, `pool_by` not empty.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for (field, value) in [
            ("prior_resolved", self.prior_resolved),
            ("prior_unresolved", self.prior_unresolved),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(PolicyError::NotPositive { field, value });
            }
            if value > LARGEST_PRIOR {
                return Err(PolicyError::TooLarge {
                    field,
                    value,
                    max: LARGEST_PRIOR,
                });
            }
        }
        check("max_exploration", self.max_exploration)?;
        if let Exploration::Ucb { c } = self.exploration {
            check("exploration.c", c)?;
        }
        if self.pool_by.as_deref() == Some("") {
            return Err(PolicyError::EmptyName { field: "pool_by" });
        }
        Ok(())
    }
}

/// The largest prior pseudo-count: far beyond any meaningful prior, and
/// small enough that the two priors plus any counts add up to a finite sum.
const LARGEST_PRIOR: f64 = 1e300;

/// The agent side of an arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Agent(AgentId),
    /// The `k`-th value of the pooling attribute seen.
    Pool(u32),
    /// Agents without the pooling attribute.
    Unpooled,
}

#[derive(Debug, Clone, Copy, Default)]
struct Arm {
    resolved: u64,
    unresolved: u64,
    /// The fit used while exploring by Thompson sampling, drawn at the
    /// arm's last outcome (already bounded).
    draw: f64,
}

/// What [`LearnedFit`] knows of one (segment, agent) pair, and the fit it uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FitEstimate {
    /// Outcomes learned resolved, for the pair's arm.
    pub resolved: u64,
    /// Outcomes learned unresolved.
    pub unresolved: u64,
    /// The posterior mean of the resolution probability.
    pub mean: f64,
    /// The fit the policy scores the pair with now (the mean, or the
    /// exploring value).
    pub value: f64,
}

/// One arm's outcomes, as [`LearnedFit::arms`] lists them and
/// [`LearnedFit::with_arms`] takes them back (serde, so that an ACD keeps
/// what it learned across restarts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmRecord {
    /// The customer segment.
    pub segment: SegmentId,
    /// The agent, for a policy with one arm per agent (no `pool_by`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentId>,
    /// The pool's attribute value, for a pooling policy; neither this nor
    /// `agent`: the arm of agents without the attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// Outcomes learned resolved.
    pub resolved: u64,
    /// Outcomes learned unresolved.
    pub unresolved: u64,
}

/// The learning state, apart from the solver so that a re-plan's scoring
/// can read it while the solver runs.
#[derive(Debug, Clone)]
struct Model {
    config: LearnedFitConfig,
    pools: IdMap<String, u32>,
    arms: IdMap<(SegmentId, Who), Arm>,
    learned: u64,
}

impl Model {
    /// The arm side of `agent`, if its pool has been seen (`None`: a pool
    /// value never learned, whose arms are all still the prior).
    fn who(&self, agent: &Agent) -> Option<Who> {
        match &self.config.pool_by {
            None => Some(Who::Agent(agent.id())),
            Some(key) => match agent.attributes().get(key) {
                None => Some(Who::Unpooled),
                Some(v) => self.pools.get(v).map(|&k| Who::Pool(k)),
            },
        }
    }

    /// [`who`](Model::who), making the pool known.
    fn who_mut(&mut self, agent: &Agent) -> Who {
        if let Some(w) = self.who(agent) {
            return w;
        }
        let v = self
            .config
            .pool_by
            .as_ref()
            .and_then(|k| agent.attributes().get(k))
            .cloned()
            .unwrap_or_default();
        let k = self.pools.len() as u32;
        self.pools.insert(v, k);
        Who::Pool(k)
    }

    fn posterior(&self, arm: &Arm) -> (f64, f64) {
        (
            self.config.prior_resolved + arm.resolved as f64,
            self.config.prior_unresolved + arm.unresolved as f64,
        )
    }

    fn estimate(&self, segment: SegmentId, agent: &Agent) -> FitEstimate {
        self.estimate_for(segment, self.who(agent))
    }

    /// The estimate of the arm (`segment`, `who`); `None`: a pool never
    /// learned (the prior).
    fn estimate_for(&self, segment: SegmentId, who: Option<Who>) -> FitEstimate {
        let arm = who.and_then(|w| self.arms.get(&(segment, w))).copied();
        let known = arm.is_some();
        let arm = arm.unwrap_or_default();
        let (a, b) = self.posterior(&arm);
        let mean = a / (a + b);
        let bound = self.config.max_exploration;
        let value = match self.config.exploration {
            Exploration::Greedy => mean,
            // An arm with no outcome yet scores its prior mean.
            Exploration::Thompson if known => arm.draw,
            Exploration::Thompson => mean,
            Exploration::Ucb { c } => {
                let bonus = c * ((self.learned as f64 + 1.0).ln() / (a + b)).sqrt();
                mean + bonus.min(bound)
            }
        };
        FitEstimate {
            resolved: arm.resolved,
            unresolved: arm.unresolved,
            mean,
            value,
        }
    }

    fn learn(&mut self, segment: SegmentId, who: Who, resolved: bool, rng: &mut Pcg64Mcg) {
        let arm = self.arms.entry((segment, who)).or_default();
        // Saturating: counts restored by `with_arms` may be at their limit.
        if resolved {
            arm.resolved = arm.resolved.saturating_add(1);
        } else {
            arm.unresolved = arm.unresolved.saturating_add(1);
        }
        self.learned = self.learned.saturating_add(1);
        self.redraw(segment, who, rng);
    }

    /// Draws the arm's exploring fit anew from its posterior (Thompson).
    fn redraw(&mut self, segment: SegmentId, who: Who, rng: &mut Pcg64Mcg) {
        if self.config.exploration != Exploration::Thompson {
            return;
        }
        let Some(arm) = self.arms.get(&(segment, who)).copied() else {
            return;
        };
        let (a, b) = self.posterior(&arm);
        let mean = a / (a + b);
        let bound = self.config.max_exploration;
        // Both parameters are finite and > 0 (validated, plus counts).
        let draw = Beta::new(a, b).map_or(mean, |d| d.sample(rng));
        if let Some(arm) = self.arms.get_mut(&(segment, who)) {
            arm.draw = draw.clamp(mean - bound, mean + bound);
        }
    }
}

/// The entry `key` of `object` (at `path`), `None` if absent; of the wrong
/// type, an error naming it.
fn entry<T: DeserializeOwned>(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<T>, PolicyError> {
    object
        .get(key)
        .map(|v| {
            T::deserialize(v)
                .map_err(|e| PolicyError::bad_state(format!("{path}{key}"), e.to_string()))
        })
        .transpose()
}

/// [`entry`], which must be there.
fn required<T: DeserializeOwned>(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<T, PolicyError> {
    entry(object, key, path)?
        .ok_or_else(|| PolicyError::bad_state(format!("{path}{key}"), "missing"))
}

/// `value` as an object with only the entries `keys`, or an error naming
/// `path` (or the first entry of another name).
fn object<'a>(
    value: &'a Value,
    path: &str,
    keys: &[&str],
) -> Result<&'a Map<String, Value>, PolicyError> {
    let o = value.as_object().ok_or_else(|| {
        let at = path.strip_suffix('.').unwrap_or_default();
        PolicyError::bad_state(at, format!("expected an object, found {value}"))
    })?;
    if let Some(k) = o.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(PolicyError::bad_state(
            format!("{path}{k}"),
            format!("unknown entry (expected one of: {})", keys.join(", ")),
        ));
    }
    Ok(o)
}

impl Model {
    /// The model, random stream and unattributed count that `state` (as
    /// [`LearnedFit::state`] gave it) describes for a policy configured as
    /// this one; checked whole, this model untouched.
    fn read_state(&self, state: &Value) -> Result<(Model, Pcg64Mcg, u64), PolicyError> {
        let top = object(
            state,
            "",
            &["policy", "config", "pools", "arms", "unattributed", "rng"],
        )?;
        let policy: String = required(top, "policy", "")?;
        if policy != "learned-fit" {
            return Err(PolicyError::bad_state(
                "policy",
                format!("a state of {policy:?}, not of \"learned-fit\""),
            ));
        }
        let config: LearnedFitConfig = required(top, "config", "")?;
        let own = &self.config;
        // The seed only started the stream, whose position comes below.
        let differs = [
            (
                "prior_resolved",
                config.prior_resolved != own.prior_resolved,
            ),
            (
                "prior_unresolved",
                config.prior_unresolved != own.prior_unresolved,
            ),
            ("exploration", config.exploration != own.exploration),
            (
                "max_exploration",
                config.max_exploration != own.max_exploration,
            ),
            ("pool_by", config.pool_by != own.pool_by),
            ("non_idling", config.non_idling != own.non_idling),
        ];
        if let Some((field, _)) = differs.iter().find(|(_, d)| *d) {
            let show = |c: &LearnedFitConfig| {
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.get(field).map(Value::to_string))
                    .unwrap_or_default()
            };
            return Err(PolicyError::bad_state(
                format!("config.{field}"),
                format!(
                    "the primary's is {}, this policy's {}: a standby is built from the primary's configuration",
                    show(&config),
                    show(own)
                ),
            ));
        }
        let rng: String = required(top, "rng", "")?;
        let bits = rng
            .strip_prefix("0x")
            .and_then(|h| u128::from_str_radix(h, 16).ok())
            .ok_or_else(|| {
                PolicyError::bad_state(
                    "rng",
                    format!("{rng:?} is not a generator state (0x and up to 32 hex digits)"),
                )
            })?;
        // `Pcg64Mcg::new` would make an even state odd, and so another stream.
        if bits % 2 == 0 {
            return Err(PolicyError::bad_state(
                "rng",
                format!("{rng:?} is even, a state the generator never reaches"),
            ));
        }
        let unattributed: u64 = required(top, "unattributed", "")?;
        let names: Vec<String> = required(top, "pools", "")?;
        let pooled = own.pool_by.is_some();
        if !pooled && !names.is_empty() {
            return Err(PolicyError::bad_state(
                "pools",
                "pools given, but the policy has no pool_by",
            ));
        }
        let mut pools: IdMap<String, u32> = IdMap::default();
        for (i, name) in names.into_iter().enumerate() {
            if pools.insert(name.clone(), i as u32).is_some() {
                return Err(PolicyError::bad_state(
                    format!("pools[{i}]"),
                    format!("{name:?} listed twice"),
                ));
            }
        }
        let list: Vec<Value> = required(top, "arms", "")?;
        let mut model = Model {
            config: own.clone(),
            pools,
            arms: IdMap::default(),
            learned: 0,
        };
        let thompson = own.exploration == Exploration::Thompson;
        for (i, value) in list.iter().enumerate() {
            let at = format!("arms[{i}].");
            let o = object(
                value,
                &at,
                &["segment", "agent", "pool", "resolved", "unresolved", "draw"],
            )?;
            let segment: SegmentId = required(o, "segment", &at)?;
            let agent: Option<AgentId> = entry(o, "agent", &at)?;
            let pool: Option<String> = entry(o, "pool", &at)?;
            let who = match (agent, pool, pooled) {
                (Some(a), None, false) => Who::Agent(a),
                (None, None, true) => Who::Unpooled,
                (None, Some(name), true) => match model.pools.get(&name) {
                    Some(&k) => Who::Pool(k),
                    None => {
                        return Err(PolicyError::bad_state(
                            format!("{at}pool"),
                            format!("{name:?} is not among pools"),
                        ));
                    }
                },
                (_, Some(_), false) => {
                    return Err(PolicyError::bad_state(
                        format!("{at}pool"),
                        "given, but the policy has no pool_by (one arm per agent)",
                    ));
                }
                (None, None, false) => {
                    return Err(PolicyError::bad_state(
                        format!("{at}agent"),
                        "missing: the policy has one arm per agent (no pool_by)",
                    ));
                }
                (Some(_), _, true) => {
                    return Err(PolicyError::bad_state(
                        format!("{at}agent"),
                        "given, but the policy pools agents by an attribute (an arm names its pool, or none for agents without it)",
                    ));
                }
            };
            if model.arms.contains_key(&(segment, who)) {
                return Err(PolicyError::bad_state(
                    at.trim_end_matches('.'),
                    "the same arm listed twice",
                ));
            }
            let mut arm = Arm {
                resolved: required(o, "resolved", &at)?,
                unresolved: required(o, "unresolved", &at)?,
                draw: 0.0,
            };
            let draw: Option<f64> = entry(o, "draw", &at)?;
            match (draw, thompson) {
                (Some(d), true) => {
                    let (a, b) = model.posterior(&arm);
                    let mean = a / (a + b);
                    let bound = own.max_exploration;
                    // Where `redraw` leaves it: a Beta draw, clamped.
                    let (lo, hi) = ((mean - bound).max(0.0), (mean + bound).min(1.0));
                    if !(lo..=hi).contains(&d) {
                        return Err(PolicyError::bad_state(
                            format!("{at}draw"),
                            format!(
                                "{d} is not within [{lo}, {hi}], the arm's posterior mean {mean} ± max_exploration {bound} within [0, 1]"
                            ),
                        ));
                    }
                    arm.draw = d;
                }
                (None, true) => {
                    return Err(PolicyError::bad_state(
                        format!("{at}draw"),
                        "missing: Thompson sampling scores an arm by its draw",
                    ));
                }
                (Some(_), false) => {
                    return Err(PolicyError::bad_state(
                        format!("{at}draw"),
                        "given, but only Thompson sampling draws",
                    ));
                }
                (None, false) => {}
            }
            model.arms.insert((segment, who), arm);
            // Saturating, as `learn` counts: the same total in any order.
            model.learned = model
                .learned
                .saturating_add(arm.resolved.saturating_add(arm.unresolved));
        }
        Ok((model, Pcg64Mcg::new(bits), unattributed))
    }
}

/// [`OptimalAssignment`] whose fit term is learned online from outcomes.
///
/// Each arm — a (customer segment, agent) pair, or (segment, pool of agents)
/// with [`LearnedFitConfig::pool_by`] — keeps a Beta–Bernoulli posterior of
/// the chance that a contact it serves is resolved, updated from the
/// [`Outcome::resolved`] the embedding system reports at completion
/// ([`RoutingPolicy::observe_outcome`]). Pairs are scored as by
/// [`RouterView::score`], with the arm's fit in place of the router's
/// [`FitModel`](crate::FitModel); contacts without a known outcome teach
/// nothing. The fit used is the posterior mean, or a value that explores
/// ([`Exploration`]: Thompson sampling or UCB), kept within
/// [`max_exploration`](LearnedFitConfig::max_exploration) of the mean.
///
/// Service is protected by construction: like every built-in the policy is
/// non-idling (a contact never waits beside an eligible free slot), and the
/// fit, learned or explored, only chooses among eligible pairs.
///
/// The fit depends on a contact only through its segment and on an agent
/// through its pool (its attributes), so decisions read only the heads of
/// alike contacts and, when pooling, of alike agents; with one arm per agent
/// an arriving contact compares every eligible agent (O(degree)). Learning
/// is O(1) per outcome; memory is O(segments × arms). With one arm per
/// agent, an agent the router forgets ([`Event::AgentRemoved`](crate::Event::AgentRemoved))
/// takes its arms with it, so that they follow the agents known now; a
/// pool's arms stay, whoever leaves it.
///
/// ```
/// use skillroute::{Agent, AgentId, ChannelId, Contact, ContactId, Event, Outcome, Router, SegmentId};
/// use skillroute::policy::{LearnedFit, LearnedFitConfig};
///
/// let config = LearnedFitConfig { pool_by: Some("team".into()), ..Default::default() };
/// let mut policy = LearnedFit::new(config).unwrap();
/// let agent = |id, team: &str| {
///     Agent::builder(AgentId(id)).channel(ChannelId::VOICE, 1).attribute("team", team).build().unwrap()
/// };
/// // Warm start from history: team "b" resolved 9 of 10 for segment 1, team "a" 2 of 10.
/// for k in 0..10 {
///     policy.learn(SegmentId(1), &agent(1, "a"), k < 2);
///     policy.learn(SegmentId(1), &agent(2, "b"), k < 9);
/// }
/// let mut router = Router::new(policy);
/// let mut offers = Vec::new();
/// for id in [1, 2] {
///     let a = agent(id, if id == 1 { "a" } else { "b" });
///     router.handle(0.0, Event::AgentLogin { agent: a }, &mut offers).unwrap();
///     router.handle(0.0, Event::AgentReady { agent: AgentId(id) }, &mut offers).unwrap();
/// }
/// let c = Contact::builder(ContactId(1), ChannelId::VOICE, 1.0).segment(SegmentId(1)).build().unwrap();
/// router.handle(1.0, Event::ContactArrived { contact: c }, &mut offers).unwrap();
/// assert_eq!(offers[0].agent, AgentId(2)); // the team that resolves
/// ```
#[derive(Debug)]
pub struct LearnedFit {
    model: Model,
    assign: OptimalAssignment,
    rng: Pcg64Mcg,
    /// Each proposed contact's agent and that agent's arm side at the
    /// proposal: where the contact's outcome goes. Per contact, not per
    /// agent: an agent updated into another pool while it holds work (or a
    /// multi-chat agent proposed more work) must not send the outcome of
    /// the work it already holds to the new pool. An entry goes when its
    /// outcome comes; those whose outcome never will (declined, abandoned)
    /// are pruned (see `prune_seen`).
    seen: IdMap<ContactId, (AgentId, Who)>,
    /// `seen`'s size after its last pruning.
    seen_kept: usize,
    /// When pooling: each agent's pool by [`AgentRef::index`], with the
    /// [`AgentRef::login`] it was read at (0: none yet). Reading the pool
    /// means a string attribute looked up and hashed, which was most of the
    /// cost of scoring a pair; a login keeps its attributes. Interior
    /// mutability because pairs are scored through a shared closure.
    pools_seen: RefCell<Vec<(u64, Who)>>,
    unattributed: u64,
}

impl LearnedFit {
    /// A policy with no outcome learned yet.
    pub fn new(config: LearnedFitConfig) -> Result<LearnedFit, PolicyError> {
        config.validate()?;
        let mode = if config.non_idling {
            Mode::NonIdling
        } else {
            Mode::MaxWeight
        };
        Ok(LearnedFit {
            rng: Pcg64Mcg::seed_from_u64(config.seed),
            model: Model {
                config,
                pools: IdMap::default(),
                arms: IdMap::default(),
                learned: 0,
            },
            assign: OptimalAssignment::new(mode),
            seen: IdMap::default(),
            seen_kept: 0,
            pools_seen: RefCell::new(Vec::new()),
            unattributed: 0,
        })
    }

    /// The parameters.
    pub fn config(&self) -> &LearnedFitConfig {
        &self.model.config
    }

    /// What the policy knows of `segment` served by `agent`, and the fit it
    /// scores the pair with now. O(1).
    pub fn estimate(&self, segment: SegmentId, agent: &Agent) -> FitEstimate {
        self.model.estimate(segment, agent)
    }

    /// Learns one outcome of `segment` served by `agent` directly: a warm
    /// start from history, or outcomes known outside the router. O(1).
    pub fn learn(&mut self, segment: SegmentId, agent: &Agent, resolved: bool) {
        let who = self.model.who_mut(agent);
        self.model.learn(segment, who, resolved, &mut self.rng);
    }

    /// Every arm's outcomes, in a fixed order (segment, then agent or pool
    /// name): what the policy has learned, to keep or to inspect. O(arms log arms).
    ///
    /// For a standby or a restart, [`Router::snapshot`](crate::Router::snapshot)
    /// carries more: the arms with their Thompson draws and the random
    /// stream's position ([`RouterSnapshot::policy_state`](crate::RouterSnapshot::policy_state)),
    /// so that a policy built anew from the same configuration decides as
    /// this one would have, which arms alone do not give under Thompson
    /// sampling, and which is reachable through `Box<dyn RoutingPolicy>`.
    pub fn arms(&self) -> Vec<ArmRecord> {
        let names = self.pool_names();
        let mut out: Vec<ArmRecord> = self
            .model
            .arms
            .iter()
            .map(|(&(segment, who), arm)| {
                let (agent, pool) = match who {
                    Who::Agent(a) => (Some(a), None),
                    Who::Pool(k) => (None, Some(names[k as usize].clone())),
                    Who::Unpooled => (None, None),
                };
                ArmRecord {
                    segment,
                    agent,
                    pool,
                    resolved: arm.resolved,
                    unresolved: arm.unresolved,
                }
            })
            .collect();
        out.sort_by(|x, y| (x.segment, x.agent, &x.pool).cmp(&(y.segment, y.agent, &y.pool)));
        out
    }

    /// Each known pool's attribute value, by its index.
    fn pool_names(&self) -> Vec<String> {
        let mut names = vec![String::new(); self.model.pools.len()];
        for (name, &k) in &self.model.pools {
            names[k as usize] = name.clone();
        }
        names
    }

    /// A policy that starts from `arms` (as [`arms`](LearnedFit::arms) gave
    /// them): the same posteriors, so the same means and UCB values. Thompson
    /// draws start anew from `config.seed`, one per arm in the list's order,
    /// so two restores of one list explore alike, but not as the policy
    /// that listed them: to carry on where it stopped (a failover), restore
    /// a [`Router::snapshot`](crate::Router::snapshot), whose
    /// [`policy_state`](crate::RouterSnapshot::policy_state) replaces what
    /// this gives. An arm of the wrong kind
    /// for `config` (an agent's arm while pooling, a pool's without) or
    /// given twice is an error, and no policy is made. O(arms).
    pub fn with_arms(
        config: LearnedFitConfig,
        arms: &[ArmRecord],
    ) -> Result<LearnedFit, PolicyError> {
        let mut p = LearnedFit::new(config)?;
        let pooled = p.model.config.pool_by.is_some();
        for (i, r) in arms.iter().enumerate() {
            let who = match (&r.agent, &r.pool, pooled) {
                (Some(a), None, false) => Who::Agent(*a),
                (None, Some(name), true) => {
                    let next = p.model.pools.len() as u32;
                    Who::Pool(*p.model.pools.entry(name.clone()).or_insert(next))
                }
                (None, None, true) => Who::Unpooled,
                _ => return Err(PolicyError::BadArm { index: i }),
            };
            if p.model.arms.contains_key(&(r.segment, who)) {
                return Err(PolicyError::BadArm { index: i });
            }
            let arm = Arm {
                resolved: r.resolved,
                unresolved: r.unresolved,
                draw: 0.0,
            };
            p.model.arms.insert((r.segment, who), arm);
            // Counts saturate (as `learn` does) rather than wrap.
            p.model.learned = p
                .model
                .learned
                .saturating_add(r.resolved.saturating_add(r.unresolved));
            p.model.redraw(r.segment, who, &mut p.rng);
        }
        Ok(p)
    }

    /// Outcomes learned so far (from the router and from [`learn`](LearnedFit::learn))
    /// that its arms hold: those of an agent's own arm leave with it when
    /// the router forgets the agent ([`RoutingPolicy::agent_removed`]).
    /// The total of UCB's bonus.
    pub fn learned(&self) -> u64 {
        self.model.learned
    }

    /// Known outcomes reported for an agent this policy never proposed
    /// (work the embedding system assigned by other means): not learned.
    pub fn unattributed(&self) -> u64 {
        self.unattributed
    }
}

/// [`Model::who`] of `agent`, through the cache when pooling (see
/// [`LearnedFit::pools_seen`]). A pool not learned yet is not cached: it may
/// become known at the next proposal.
fn who_cached(
    model: &Model,
    cache: &RefCell<Vec<(u64, Who)>>,
    agent: &AgentRef<'_>,
) -> Option<Who> {
    if model.config.pool_by.is_none() {
        return Some(Who::Agent(agent.agent().id()));
    }
    let (i, login) = (agent.index(), agent.login());
    let mut cache = cache.borrow_mut();
    if let Some(&(l, who)) = cache.get(i)
        && l == login
    {
        return Some(who);
    }
    let who = model.who(agent.agent())?;
    if cache.len() <= i {
        cache.resize(i + 1, (0, Who::Unpooled));
    }
    cache[i] = (login, who);
    Some(who)
}

impl LearnedFit {
    /// Drops the proposals whose outcome cannot come any more, but for
    /// those just made (`fresh`, which the router has not applied yet): of
    /// contacts waiting again (declined, timed out: a new proposal replaces
    /// them) and of agents that hold no work (what they held left without
    /// an outcome: abandoned or withdrawn). Run when `seen` has doubled
    /// since the last pruning, so amortized O(1) per proposal.
    fn prune_seen(&mut self, view: &RouterView<'_>, fresh: &[Proposal]) {
        let fresh: std::collections::HashSet<ContactId> = fresh.iter().map(|p| p.contact).collect();
        self.seen.retain(|c, &mut (a, _)| {
            fresh.contains(c)
                || (view.waiting_contact(*c).is_none()
                    && view.agent(a).is_some_and(|a| a.held() > 0))
        });
        self.seen_kept = self.seen.len();
    }
}

impl RoutingPolicy for LearnedFit {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        let start = out.len();
        let (model, seen) = (&self.model, &self.pools_seen);
        let score = |c: &ContactRef<'_>, a: &AgentRef<'_>| {
            let fit = model
                .estimate_for(c.segment(), who_cached(model, seen, a))
                .value;
            view.score_with_fit(c, a, fit).total
        };
        // Alike agents share a fit only when pooled.
        let pooled = model.config.pool_by.is_some();
        self.assign.decide_by(view, trigger, out, pooled, score);
        for p in &out[start..] {
            if let Some(a) = view.agent(p.agent) {
                let who = match who_cached(&self.model, &self.pools_seen, &a) {
                    Some(who) => who,
                    None => self.model.who_mut(a.agent()),
                };
                self.seen.insert(p.contact, (p.agent, who));
            }
        }
        if self.seen.len() > 2 * self.seen_kept.max(64) {
            self.prune_seen(view, &out[start..]);
        }
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.config().validate()
    }
    fn name(&self) -> &str {
        "learned-fit"
    }
    fn arrival_reads_agents_only(&self) -> bool {
        true // decide_pairwise: the newcomer and its eligible agents
    }
    fn freed_agent_reads_contacts_only(&self) -> bool {
        true // decide_pairwise: the freed agent and its eligible contacts
    }
    fn plans_globally(&self) -> bool {
        true
    }
    fn explain(
        &self,
        view: &RouterView<'_>,
        contact: &ContactRef<'_>,
        agent: &AgentRef<'_>,
    ) -> Option<ScoreBreakdown> {
        let who = who_cached(&self.model, &self.pools_seen, agent);
        let fit = self.model.estimate_for(contact.segment(), who).value;
        Some(view.score_with_fit(contact, agent, fit))
    }
    fn observe_outcome(&mut self, contact: &Contact, agent: AgentId, outcome: &Outcome) {
        // Every completion comes here, with an outcome or not: its proposal
        // goes now, so that `seen` holds only work in flight (and what left
        // without completing, which `prune_seen` drops).
        let proposed = self.seen.remove(&contact.id());
        let Some(resolved) = outcome.resolved else {
            return;
        };
        match proposed {
            Some((a, who)) if a == agent => {
                self.model
                    .learn(contact.segment(), who, resolved, &mut self.rng)
            }
            _ => self.unattributed += 1,
        }
    }
    /// With one arm per agent, drops the agent's arms, in every segment:
    /// they are its alone, and its id logging in again is a new agent,
    /// which starts from the prior. Their outcomes leave
    /// [`learned`](LearnedFit::learned) with them, as a standby restored
    /// from a snapshot counts only the outcomes its arms hold (under UCB
    /// the two then explore alike). A pool's arms stay: what the pool
    /// learned is its other members' too. The agent's proposals go as well
    /// (it holds nothing, so no outcome will come for them). O(arms +
    /// proposals).
    fn agent_removed(&mut self, agent: AgentId, _index: usize) {
        let model = &mut self.model;
        if model.config.pool_by.is_none() {
            let mut forgotten = 0u64;
            model.arms.retain(|&(_, who), arm| {
                let mine = who == Who::Agent(agent);
                if mine {
                    forgotten =
                        forgotten.saturating_add(arm.resolved.saturating_add(arm.unresolved));
                }
                !mine
            });
            model.learned = model.learned.saturating_sub(forgotten);
        }
        self.seen.retain(|_, &mut (a, _)| a != agent);
    }
    fn in_flight(&self) -> Vec<InFlightProposal> {
        let names = self.pool_names();
        let pool_by = &self.model.config.pool_by;
        self.seen
            .iter()
            .map(|(&contact, &(agent, who))| InFlightProposal {
                contact,
                agent,
                pool: match who {
                    Who::Pool(k) => Some(names[k as usize].clone()),
                    Who::Agent(_) | Who::Unpooled => None,
                },
                pool_by: pool_by.clone(),
            })
            .collect()
    }
    /// Every arm (its counts and, under Thompson sampling, its draw), the
    /// pools in the order they became known, the outcomes not attributed,
    /// the random stream's position and the configuration it was learned
    /// under: see [`restore_state`](LearnedFit::restore_state).
    fn state(&self) -> Option<Value> {
        let names = self.pool_names();
        let thompson = self.model.config.exploration == Exploration::Thompson;
        let mut arms: Vec<(&(SegmentId, Who), &Arm)> = self.model.arms.iter().collect();
        // A fixed order (as `arms` lists them), so that equal policies give
        // equal states.
        let key = |&(&(segment, who), _): &(&(SegmentId, Who), &Arm)| {
            let (agent, pool) = match who {
                Who::Agent(a) => (Some(a), None),
                Who::Pool(k) => (None, Some(k)),
                Who::Unpooled => (None, None),
            };
            (segment, agent, pool.map(|k| names[k as usize].clone()))
        };
        arms.sort_by_cached_key(key);
        let arms: Vec<Value> = arms
            .into_iter()
            .map(|(&(segment, who), arm)| {
                let mut o = Map::new();
                o.insert("segment".into(), segment.0.into());
                match who {
                    Who::Agent(a) => {
                        o.insert("agent".into(), a.0.into());
                    }
                    Who::Pool(k) => {
                        o.insert("pool".into(), names[k as usize].clone().into());
                    }
                    Who::Unpooled => {}
                }
                o.insert("resolved".into(), arm.resolved.into());
                o.insert("unresolved".into(), arm.unresolved.into());
                if thompson {
                    o.insert("draw".into(), arm.draw.into());
                }
                Value::Object(o)
            })
            .collect();
        let mut state = Map::new();
        state.insert("policy".into(), self.name().into());
        state.insert(
            "config".into(),
            serde_json::to_value(&self.model.config).ok()?,
        );
        state.insert("pools".into(), names.into());
        state.insert("arms".into(), arms.into());
        state.insert("unattributed".into(), self.unattributed.into());
        // As text: the generator's 128 bits fit no JSON number exactly.
        state.insert("rng".into(), format!("{:#034x}", self.rng.state()).into());
        Some(Value::Object(state))
    }
    /// Takes a state [`state`](RoutingPolicy::state) gave (through
    /// [`Router::restore`](crate::Router::restore)): what the policy learned
    /// and its random stream become the primary's, so that it decides as
    /// the primary would have, bit for bit. The state must be a
    /// `LearnedFit`'s configured as this one (the seed aside: the stream's
    /// position replaces it), its arms each once and of this pooling's
    /// kind, counts whole numbers, each Thompson draw where the primary's
    /// posterior and bound put it; otherwise the error names the entry and
    /// the policy is unchanged. Work in flight comes separately
    /// ([`restore_in_flight`](RoutingPolicy::restore_in_flight)).
    /// O(arms).
    fn restore_state(&mut self, state: &Value) -> Result<(), PolicyError> {
        let (mut model, rng, unattributed) = self.model.read_state(state)?;
        // The work in flight it holds (restored before or after) keeps its
        // pools by name: the state numbers them its own way.
        let names = self.pool_names();
        for (_, who) in self.seen.values_mut() {
            if let Who::Pool(k) = who {
                let next = model.pools.len() as u32;
                *k = *model
                    .pools
                    .entry(names[*k as usize].clone())
                    .or_insert(next);
            }
        }
        self.model = model;
        self.rng = rng;
        self.unattributed = unattributed;
        // Pool indexes may differ from those cached.
        self.pools_seen.borrow_mut().clear();
        Ok(())
    }
    fn restore_in_flight(&mut self, records: &[InFlightProposal]) -> Result<(), PolicyError> {
        let pool_by = &self.model.config.pool_by;
        let pooled = pool_by.is_some();
        // Checked whole first: an error leaves the policy as it was. A
        // record's pooling must be the policy's: a record without a pool is
        // an agent's arm under one, the arm of the agents without the
        // attribute under another, and pool names of one attribute mean
        // nothing under another.
        for (index, r) in records.iter().enumerate() {
            if let (Some(pool), false) = (&r.pool, pooled) {
                return Err(PolicyError::BadInFlight {
                    index,
                    pool: pool.clone(),
                });
            }
            if r.pool_by != *pool_by {
                return Err(PolicyError::InFlightPooling(Box::new(PoolingMismatch {
                    index,
                    record: r.pool_by.clone(),
                    policy: pool_by.clone(),
                })));
            }
        }
        self.seen.clear();
        for r in records {
            let who = match (&r.pool, pooled) {
                (_, false) => Who::Agent(r.agent),
                (None, true) => Who::Unpooled,
                // A pool the policy has not learned yet becomes known, as
                // at the original's proposal.
                (Some(name), true) => {
                    let next = self.model.pools.len() as u32;
                    Who::Pool(*self.model.pools.entry(name.clone()).or_insert(next))
                }
            };
            self.seen.insert(r.contact, (r.agent, who));
        }
        self.seen_kept = self.seen.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChannelId;

    fn agent(id: u32, team: Option<&str>) -> Agent {
        let mut b = Agent::builder(AgentId(id)).channel(ChannelId::VOICE, 1);
        if let Some(t) = team {
            b = b.attribute("team", t);
        }
        b.build().unwrap()
    }

    fn policy(exploration: Exploration, pool: bool) -> LearnedFit {
        LearnedFit::new(LearnedFitConfig {
            exploration,
            pool_by: pool.then(|| "team".into()),
            prior_resolved: 2.0,
            prior_unresolved: 3.0,
            ..Default::default()
        })
        .unwrap()
    }

    /// What it keeps of its proposals is the work in flight: a two-chat
    /// agent that never goes idle (one chat it holds throughout) answers
    /// 10,000 more whose outcomes say nothing (`resolved` unknown), and at
    /// most a handful of proposals are kept.
    #[test]
    fn proposals_leave_with_their_completions() {
        use crate::{ContactId, Event, Router};
        let mut r = Router::builder(policy(Exploration::Greedy, false))
            .auto_accept(true)
            .build()
            .unwrap();
        let mut out = Vec::new();
        let chats = Agent::builder(AgentId(1))
            .channel(ChannelId::CHAT, 2)
            .build()
            .unwrap();
        r.handle(0.0, Event::AgentLogin { agent: chats }, &mut out)
            .unwrap();
        r.handle(0.0, Event::AgentReady { agent: AgentId(1) }, &mut out)
            .unwrap();
        let chat = |id: u64, t: f64| {
            let contact = Contact::builder(ContactId(id), ChannelId::CHAT, t)
                .build()
                .unwrap();
            Event::ContactArrived { contact }
        };
        r.handle(0.0, chat(0, 0.0), &mut out).unwrap(); // held throughout
        for id in 1..=10_000u64 {
            let t = id as f64;
            r.handle(t, chat(id, t), &mut out).unwrap();
            let outcome = Outcome::default();
            let done = Event::WorkCompletedNoWrapUp {
                contact: ContactId(id),
                outcome,
            };
            r.handle(t + 0.5, done, &mut out).unwrap();
        }
        assert!(r.policy().seen.len() <= 2, "{} kept", r.policy().seen.len());
    }

    /// The conjugate update, by hand: Beta(2, 3) plus 4 resolved and 1 not
    /// is Beta(6, 4), mean 0.6.
    #[test]
    fn the_posterior_mean_is_the_beta_bernoulli_update() {
        let mut p = policy(Exploration::Greedy, false);
        let a = agent(1, None);
        let s = SegmentId(0);
        assert_eq!(p.estimate(s, &a).mean, 0.4);
        for r in [true, true, false, true, true] {
            p.learn(s, &a, r);
        }
        let e = p.estimate(s, &a);
        assert_eq!((e.resolved, e.unresolved), (4, 1));
        assert!((e.mean - 0.6).abs() < 1e-12);
        assert_eq!(e.value, e.mean);
        // another segment, another agent: untouched
        assert_eq!(p.estimate(SegmentId(1), &a).mean, 0.4);
        assert_eq!(p.estimate(s, &agent(2, None)).mean, 0.4);
        assert_eq!(p.learned(), 5);
    }

    /// Pooled agents share an arm; agents without the attribute share
    /// another; a pool never seen is the prior.
    #[test]
    fn pools_share_arms() {
        let mut p = policy(Exploration::Greedy, true);
        let s = SegmentId(0);
        p.learn(s, &agent(1, Some("x")), true);
        assert_eq!(p.estimate(s, &agent(7, Some("x"))).resolved, 1);
        assert_eq!(p.estimate(s, &agent(7, Some("y"))).resolved, 0);
        p.learn(s, &agent(2, None), false);
        assert_eq!(p.estimate(s, &agent(9, None)).unresolved, 1);
        assert_eq!(p.estimate(s, &agent(9, Some("x"))).unresolved, 0);
    }

    /// Thompson draws stay within the bound around the mean, and over many
    /// redraws their mean is the posterior's (Beta(6, 4): 0.6, sd 0.148;
    /// the bound 0.2 clips little). Same seed, same draws.
    #[test]
    fn thompson_draws_are_bounded_posterior_draws() {
        let mut p = policy(Exploration::Thompson, false);
        let mut q = policy(Exploration::Thompson, false);
        let a = agent(1, None);
        let s = SegmentId(0);
        for r in [true, true, false, true] {
            p.learn(s, &a, r);
            q.learn(s, &a, r);
        }
        // Each twin's arm ends at Beta(6, 4), drawn at its last outcome.
        let mut sum = 0.0;
        let n = 4000;
        let mut values = Vec::new();
        for k in 0..n {
            let twin = agent(100 + k, None);
            for r in [true, true, false, true, true] {
                p.learn(s, &twin, r);
            }
            let e = p.estimate(s, &twin);
            assert!((e.mean - 0.6).abs() < 1e-12);
            assert!((e.value - e.mean).abs() <= 0.2 + 1e-12);
            sum += e.value;
            values.push(e.value);
        }
        let mean = sum / f64::from(n);
        // Clipping at ±0.2 pulls the mean of Beta(6,4) draws towards 0.6
        // only slightly; the standard error of the mean is 0.0023.
        assert!((mean - 0.6).abs() < 0.012, "{mean}");
        assert!(values.iter().any(|v| (v - 0.6).abs() > 0.1), "no spread");
        let e1 = p.estimate(s, &a);
        let e2 = q.estimate(s, &a);
        assert_eq!(e1.value, e2.value);
    }

    /// The UCB bonus by hand, and its bound.
    #[test]
    fn ucb_adds_the_bounded_bonus() {
        let mut p = policy(Exploration::Ucb { c: 0.5 }, false);
        let a = agent(1, None);
        let s = SegmentId(0);
        p.learn(s, &a, true); // Beta(3, 3), N = 1
        let e = p.estimate(s, &a);
        let want = 0.5 + (0.5 * (2.0f64.ln() / 6.0).sqrt()).min(0.2);
        assert!((e.value - want).abs() < 1e-12);
        let mut wide = policy(Exploration::Ucb { c: 100.0 }, false);
        wide.learn(s, &a, true);
        assert!((wide.estimate(s, &a).value - 0.7).abs() < 1e-12);
    }

    /// What `arms` lists, `with_arms` restores: the same estimates and
    /// the same next draws; arms of the wrong kind are refused.
    #[test]
    fn arms_survive_a_restart() {
        for (pool, exploration) in [
            (false, Exploration::Thompson),
            (true, Exploration::Thompson),
            (true, Exploration::Ucb { c: 0.3 }),
        ] {
            let mut p = policy(exploration, pool);
            let teams = [Some("x"), Some("y"), None];
            for k in 0..30u32 {
                let a = agent(k % 5, teams[k as usize % 3]);
                p.learn(SegmentId(k % 2), &a, k % 3 != 0);
            }
            let arms = p.arms();
            let json = serde_json::to_string(&arms).unwrap();
            let back: Vec<ArmRecord> = serde_json::from_str(&json).unwrap();
            let mut q = LearnedFit::with_arms(p.config().clone(), &back).unwrap();
            assert_eq!(q.arms(), arms);
            assert_eq!(q.learned(), 30);
            // Restored draws come from the restored policy's own stream.
            let mut r = LearnedFit::with_arms(p.config().clone(), &back).unwrap();
            for k in 0..5u32 {
                for s in 0..2 {
                    let a = agent(k, teams[k as usize % 3]);
                    assert_eq!(q.estimate(SegmentId(s), &a), r.estimate(SegmentId(s), &a));
                    assert_eq!(
                        q.estimate(SegmentId(s), &a).mean,
                        p.estimate(SegmentId(s), &a).mean
                    );
                }
            }
            let a = agent(1, Some("x"));
            q.learn(SegmentId(0), &a, true);
            r.learn(SegmentId(0), &a, true);
            assert_eq!(q.estimate(SegmentId(0), &a), r.estimate(SegmentId(0), &a));
        }
        let pooled = policy(Exploration::Greedy, true).config().clone();
        let agent_arm = ArmRecord {
            segment: SegmentId(0),
            agent: Some(AgentId(1)),
            pool: None,
            resolved: 1,
            unresolved: 0,
        };
        assert_eq!(
            LearnedFit::with_arms(pooled, std::slice::from_ref(&agent_arm)).unwrap_err(),
            PolicyError::BadArm { index: 0 }
        );
        let own = policy(Exploration::Greedy, false).config().clone();
        assert_eq!(
            LearnedFit::with_arms(own, &[agent_arm.clone(), agent_arm]).unwrap_err(),
            PolicyError::BadArm { index: 1 }
        );
    }

    /// What `state` gives, `restore_state` takes in a policy built anew
    /// from the same configuration: the same arms, draws and stream, so the
    /// same draws after it, bit for bit. With arms restored alone (as
    /// `with_arms` does) the draws come from the seed and differ.
    #[test]
    fn the_state_carries_the_stream_on() {
        for pool in [false, true] {
            let mut p = policy(Exploration::Thompson, pool);
            let teams = [Some("x"), Some("y"), None];
            for k in 0..40u32 {
                let a = agent(k % 5, teams[k as usize % 3]);
                p.learn(SegmentId(k % 3), &a, k % 4 != 0);
            }
            let text = serde_json::to_string(&p.state().unwrap()).unwrap();
            let mut q = policy(Exploration::Thompson, pool);
            q.restore_state(&serde_json::from_str(&text).unwrap())
                .unwrap();
            assert_eq!(q.state(), p.state());
            assert_eq!(q.rng.state(), p.rng.state());
            assert_eq!(q.learned(), p.learned());
            let mut r = LearnedFit::with_arms(p.config().clone(), &p.arms()).unwrap();
            let mut differs = false;
            for k in 0..40u32 {
                let a = agent(k % 5, teams[k as usize % 3]);
                for x in [&mut p, &mut q, &mut r] {
                    x.learn(SegmentId(k % 3), &a, k % 3 == 0);
                }
                let (ep, eq) = (
                    p.estimate(SegmentId(k % 3), &a),
                    q.estimate(SegmentId(k % 3), &a),
                );
                assert_eq!(ep.value.to_bits(), eq.value.to_bits());
                differs |= r.estimate(SegmentId(k % 3), &a).value != ep.value;
            }
            assert!(differs, "with_arms drew alike: the test shows nothing");
        }
    }

    /// A state refused leaves the policy as it was.
    #[test]
    fn a_refused_state_changes_nothing() {
        let mut p = policy(Exploration::Thompson, false);
        p.learn(SegmentId(0), &agent(1, None), true);
        let mut state = p.state().unwrap();
        state["arms"][0]["resolved"] = serde_json::json!("many");
        let mut q = policy(Exploration::Thompson, false);
        q.learn(SegmentId(2), &agent(4, None), false);
        let before = q.state();
        let err = q.restore_state(&state).unwrap_err();
        assert!(
            matches!(&err, PolicyError::BadState(b) if b.field == "arms[0].resolved"),
            "{err}"
        );
        assert_eq!(q.state(), before);
    }

    /// Counts restored at their limit saturate: `learned` is not the
    /// wrapped sum (0, which made the UCB bonus vanish), and learning more
    /// does not overflow.
    #[test]
    fn restored_counts_at_their_limit_saturate() {
        let arm = |agent: u32, resolved: u64| ArmRecord {
            segment: SegmentId(0),
            agent: Some(AgentId(agent)),
            pool: None,
            resolved,
            unresolved: 0,
        };
        let config = policy(Exploration::Ucb { c: 1.0 }, false).config().clone();
        let mut p = LearnedFit::with_arms(config, &[arm(1, u64::MAX), arm(2, 1)]).unwrap();
        assert_eq!(p.learned(), u64::MAX);
        p.learn(SegmentId(0), &agent(1, None), true);
        assert_eq!(p.learned(), u64::MAX);
        assert_eq!(p.estimate(SegmentId(0), &agent(1, None)).resolved, u64::MAX);
        // The fresh arm's bonus counts every outcome learned: ln(N + 1) large.
        let fresh = p.estimate(SegmentId(0), &agent(3, None));
        assert!(fresh.value > fresh.mean, "{fresh:?}");
    }

    #[test]
    fn bad_parameters_are_named() {
        let bad = |c: LearnedFitConfig| LearnedFit::new(c).unwrap_err().to_string();
        let base = LearnedFitConfig::default();
        assert!(
            bad(LearnedFitConfig {
                prior_resolved: 0.0,
                ..base.clone()
            })
            .contains("prior_resolved")
        );
        assert!(
            bad(LearnedFitConfig {
                prior_unresolved: f64::NAN,
                ..base.clone()
            })
            .contains("prior_unresolved")
        );
        assert!(
            bad(LearnedFitConfig {
                max_exploration: -0.1,
                ..base.clone()
            })
            .contains("max_exploration")
        );
        assert!(
            bad(LearnedFitConfig {
                exploration: Exploration::Ucb { c: f64::INFINITY },
                ..base.clone()
            })
            .contains("exploration.c")
        );
        assert!(
            bad(LearnedFitConfig {
                pool_by: Some(String::new()),
                ..base
            })
            .contains("pool_by")
        );
    }

    /// Priors whose sum overflows are refused, naming the field: accepted,
    /// Beta(9e307, 9e307) read a posterior mean of 0 (not 0.5) and
    /// Thompson draws of NaN.
    #[test]
    fn priors_too_large_to_add_up_are_refused() {
        let huge = LearnedFitConfig {
            prior_resolved: 9e307,
            prior_unresolved: 9e307,
            ..Default::default()
        };
        assert_eq!(
            LearnedFit::new(huge.clone()).unwrap_err(),
            PolicyError::TooLarge {
                field: "prior_resolved",
                value: 9e307,
                max: 1e300
            }
        );
        assert!(
            LearnedFit::new(huge)
                .unwrap_err()
                .to_string()
                .contains("prior_resolved")
        );
        // At the bound: finite means and draws.
        let mut p = LearnedFit::new(LearnedFitConfig {
            prior_resolved: 1e300,
            prior_unresolved: 1e300,
            ..Default::default()
        })
        .unwrap();
        p.learn(SegmentId(0), &agent(1, None), true);
        let e = p.estimate(SegmentId(0), &agent(1, None));
        assert_eq!(e.mean, 0.5);
        assert!(e.value.is_finite());
    }

    /// Outcomes of agents it never proposed are counted, not learned;
    /// unknown outcomes teach nothing.
    #[test]
    fn outcomes_go_to_the_proposed_agents_arm() {
        let mut p = policy(Exploration::Greedy, false);
        let c = Contact::builder(crate::ContactId(1), ChannelId::VOICE, 0.0)
            .build()
            .unwrap();
        p.observe_outcome(
            &c,
            AgentId(1),
            &Outcome {
                resolved: Some(true),
                ..Outcome::default()
            },
        );
        assert_eq!((p.learned(), p.unattributed()), (0, 1));
        p.seen.insert(c.id(), (AgentId(1), Who::Agent(AgentId(1))));
        p.observe_outcome(&c, AgentId(1), &Outcome::default());
        assert_eq!(p.learned(), 0);
        // (A completion takes its proposal with it: proposed again.)
        p.seen.insert(c.id(), (AgentId(1), Who::Agent(AgentId(1))));
        p.observe_outcome(
            &c,
            AgentId(1),
            &Outcome {
                resolved: Some(false),
                ..Outcome::default()
            },
        );
        assert_eq!(p.learned(), 1);
        assert_eq!(p.estimate(SegmentId(0), &agent(1, None)).unresolved, 1);
    }

    /// The pools it caches per agent follow the agents: a policy moved to
    /// another router whose agents sit at the same indexes in other teams,
    /// and an agent that logs in again in another team, are scored by their
    /// team now. (Keyed by index alone, or by a login count per router, the
    /// cache sends the second contact to the agent that was in team b.)
    #[test]
    fn cached_pools_follow_logins_and_routers() {
        use crate::{ContactId, Event, Router};
        let mut p = policy(Exploration::Greedy, true);
        // Team b resolves segment 1, team a does not.
        for k in 0..20 {
            p.learn(SegmentId(1), &agent(1, Some("a")), k < 2);
            p.learn(SegmentId(1), &agent(1, Some("b")), k < 18);
        }
        let ev = |r: &mut Router<LearnedFit>, t: f64, e: Event| {
            let mut out = Vec::new();
            r.handle(t, e, &mut out).unwrap();
            out
        };
        let staff = |r: &mut Router<LearnedFit>, t: f64, teams: [&str; 2]| {
            for (id, team) in [1, 2].into_iter().zip(teams) {
                let agent = agent(id, Some(team));
                ev(r, t, Event::AgentLogin { agent });
                ev(r, t, Event::AgentReady { agent: AgentId(id) });
            }
        };
        // A contact of segment 1 arrives: to whom is it offered?
        let arrive = |r: &mut Router<LearnedFit>, t: f64, id: u64| {
            let contact = Contact::builder(ContactId(id), ChannelId::VOICE, t)
                .segment(SegmentId(1))
                .build()
                .unwrap();
            ev(r, t, Event::ContactArrived { contact })[0].agent
        };
        let mut r = Router::new(p);
        staff(&mut r, 0.0, ["a", "b"]);
        assert_eq!(arrive(&mut r, 0.0, 1), AgentId(2));

        // The same agents at the same indexes, in the other teams.
        let mut r = Router::new(r.into_policy());
        staff(&mut r, 1.0, ["b", "a"]);
        assert_eq!(arrive(&mut r, 1.0, 2), AgentId(1), "in another router");
        let (contact, agent) = (ContactId(2), AgentId(1));
        ev(&mut r, 2.0, Event::OfferAccepted { contact, agent });
        let outcome = Outcome::default();
        ev(
            &mut r,
            3.0,
            Event::WorkCompletedNoWrapUp { contact, outcome },
        );
        for id in [1, 2] {
            ev(&mut r, 3.0, Event::AgentLogout { agent: AgentId(id) });
        }
        staff(&mut r, 3.0, ["a", "b"]);
        assert_eq!(arrive(&mut r, 3.0, 3), AgentId(2), "after logging in again");
    }
}
