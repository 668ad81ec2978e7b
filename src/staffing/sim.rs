//! Simulation-based staffing for multi-skill centers: the cheapest number of
//! agents per group, per interval, that meets every contact type's
//! service-level target, found with the simulator (the fewest agents
//! unless groups are given costs, [`SimStaffing::group_costs`]).
//!
//! * [Method](#method)
//! * [When a target is met](#when-a-target-is-met)
//! * [Targets out of reach](#targets-out-of-reach)
//! * [The Erlang baseline](#the-erlang-baseline)
//! * [Assumptions](#assumptions)
//! * [Cost](#cost)
//!
//! # Method
//!
//! **Stationary independent periods (SIPP).** Each staffing interval (the
//! scenario's report `interval`; the whole horizon if it has none) is staffed
//! on its own, as a steady-state center at that interval's arrival rates: a
//! copy of the scenario with Poisson arrivals at the interval's mean rate per
//! contact type, every group on duty for the whole run, `warm_up` seconds
//! from an empty system and then `run_length` seconds of statistics, in
//! `replications` independent replications. Everything else (skills, levels,
//! channels and capacities, service, patience and wrap-up distributions,
//! speeds, the routing policy, ring delays) is the scenario's.
//!
//! **A self-service tier** ([`SelfService`](crate::sim::SelfService))
//! delays its contacts on their way to the queue: an interval's queue is
//! fed by the arrivals of one mean time in the tier earlier. An interval's
//! rate for a type with a tier is therefore its arrivals' mean rate over
//! the interval shifted back by that mean (exact for a constant time in
//! the tier, to first order otherwise; `arrival_rates` gives it); the tier
//! then passes on its share, and the Erlang baseline staffs that.
//!
//! **Common random numbers.** Every configuration of one interval is
//! simulated with the same seed, so the customers (arrival times, work,
//! patience) are the same whatever the staffing: two candidate staffings are
//! compared on the same day, not on two lucky or unlucky days. Intervals
//! with the same rates give the same answer, and are simulated once.
//!
//! **The search**, per interval:
//!
//! 1. *Erlang baseline*: each contact type staffed alone with Erlang C (or
//!    Erlang A when its customers abandon), its agents put in its "home"
//!    group (see [below](#the-erlang-baseline)).
//! 2. *Start below it*: the home-group counts scaled by the pooling factor
//!    `f = n_pooled / Σ n_type ≤ 1` of their part of the center (types
//!    connected through groups that serve several of them), where `n_pooled`
//!    is Erlang C on their total load and `Σ n_type` the sum of their
//!    separate Erlang C answers — what full cross-training would save.
//! 3. *Add*: while some type misses its target, take the worst-served type
//!    (lowest margin: service level minus target), simulate one more agent
//!    in each group that can serve it, and keep the candidate with the best
//!    worst margin over all types (then the best total margin; then the
//!    lowest group index).
//! 4. *Remove*: once every target is met, simulate one agent fewer in each
//!    staffed group and keep the candidate that still meets every target
//!    and saves most (the dearest agent), then has the best worst margin;
//!    repeat until no agent can go.
//! 5. *Exchange*: move agents from a group `A` to a group `B` — one for
//!    one, two for one, or one for two — at no more cost, and keep a move
//!    that still meets every target and costs less, or costs the same and
//!    raises the margins (the worst, then the next worst, …: room a removal
//!    can then use). `B` must serve the type that one agent fewer in `A`
//!    leaves furthest below its target, or the worst type of `A`'s part of
//!    the center; the moves are simulated four at a time, the most
//!    promising first (the largest saving, then the `A` that loses least),
//!    and the first batch with a move that helps gives the step's move
//!    (its largest saving, then its best margins). A move taken is then
//!    tried again twice as far, while it helps. Then back to 4; the search
//!    ends when neither a removal nor an exchange helps.
//! 6. *Neighbour starts* ([`SimStaffing::staff`] only, unless
//!    [`SimStaffing::neighbour_starts`] is off): once every interval is
//!    staffed, each interval is searched again (steps 3–5) from the answers
//!    of the intervals just before and after it, skipping a start equal to
//!    its own answer or already tried, and keeps the best of its answer and
//!    theirs: met first, then the lower cost, then the better margins (a
//!    tie keeps its own). A pass reads only the previous pass's answers, so
//!    the order the intervals are searched in does not matter; passes
//!    repeat while one improves some interval, at most 3 (each lets an
//!    answer travel one interval further). Neighbouring intervals have
//!    similar loads, and a neighbour's answer may lie in a basin that the
//!    local moves cannot reach from this interval's own start: in
//!    `examples/data/staffing-center.toml`, 10:30 stopped at 28 agents
//!    (3/9/5/10/1) while 11:00, with more load, was met by 24 (0/0/0/10/14);
//!    from 11:00's answer, 10:30 needs 23.
//!
//! Each step is strictly better in (cost, then margins), so no
//! configuration comes back and the search ends. The result is a local
//! minimum of these moves, not a proof of the cheapest staffing: with
//! costs of 1 it matched a brute-force enumeration in the tests (a sales
//! team and a service team that also takes sales calls: 21 agents, where
//! adding and removing alone stopped at 23); with the multi-skilled agents
//! at 1.4 it stopped at 28.8 where the cheapest is 28.6 (moving to it
//! needs three agents out and four in at once). Without exchanges (before
//! them) the search stopped where no single agent could go: in a
//! planner's day (3 groups), 18/39/18 = 75 agents at 10:00, where 13/42/18
//! = 73 met every target too; with them it finds 0/54/18 = 72 (every
//! voice agent in the team that takes both kinds of call).
//!
//! Every configuration is simulated at most once per interval (a cache kept
//! for its neighbour starts), the
//! candidates of a step are simulated in parallel, and so are the intervals
//! (rayon); results are reduced in order, so the answer is the same, bit for
//! bit, in parallel or not.
//!
//! # When a target is met
//!
//! Per replication, a type's service level is the simulator's
//! [`Metrics::service_level`](crate::sim::Metrics::service_level): contacts
//! answered within the type's threshold (its own target's, or its
//! channel's) over contacts answered, abandoned, or still waiting past the
//! threshold when the run stopped (a replication where contacts arrived but
//! none is in that count counts as 0). Across replications it is a mean with a Student-t
//! confidence interval ([`Estimate`]). [`MeetRule::Mean`] (the default) calls a
//! target met when the **mean** reaches it: the same sense in which the
//! Erlang formulas meet a target, so the two answers are comparable.
//! [`MeetRule::LowerBound`] asks the **lower end of the interval** to reach
//! it: conservative, and dependent on how many replications are run. A type
//! without arrivals in an interval is not judged.
//!
//! A staffing that cannot carry a type's load never meets its target,
//! whatever the runs show: when customers never hang up, and the agents
//! able to serve the type (or all the types without patience of a connected
//! part of the center) can handle at most as many contacts per second as
//! arrive, there is no steady state, and the queue grows for as long as a
//! run lasts. A run shorter than the threshold would not see it (the
//! contacts still waiting at its end, none of them past the threshold yet,
//! are in no service level, and the answered all waited less than the
//! threshold): e-mails of 10 Erlangs, 90% within a day, would be "met" by 2
//! agents over an 8-hour run.
//!
//! # Targets out of reach
//!
//! With a ring delay (`offers.ring_delay`), a target may be out of reach
//! whatever the staffing: a 15 s ring before every answer leaves nobody
//! answered within 10 s. Before searching, each type's reach is estimated
//! with an agent free for every contact (rings one after another, with the
//! time-outs and the customers' patience; see [`Scenario::warnings`]): a
//! type whose share answered within its threshold is under its target by
//! more than 3 standard errors is named in [`StaffingPoint::out_of_reach`]
//! and staffed instead to the target the ring allows
//! ([`StaffingPoint::staffed_to`]): its threshold plus the ring's own time
//! at the target's fraction, so that the queue is held to the threshold it
//! was meant to hold. Its `service_level` is measured against that target,
//! and [`StaffingPoint::met`] is false. The estimate is an upper bound
//! (free agents, no cool-downs or pauses), so no reachable target is named.
//!
//! # The Erlang baseline
//!
//! For each contact type: arrival rate `λ`, handle time `h` = mean service
//! time at its home group's speed + mean wrap-up, so `μ = 1/h`; the type's
//! target (its own, or its channel's); Erlang A with `θ = 1/mean patience` if customers abandon (exact for
//! exponential patience, an approximation otherwise), Erlang C otherwise. An
//! agent who can hold `k` contacts of the channel at once (capacity, capped by
//! the total capacity) counts as `k` servers, so the type needs
//! `⌈servers / k⌉` agents. Its home group is the group able to serve it
//! (channel, and every required skill at its minimum level) that serves the
//! fewest types; ties go to the group with fewer Erlang agents so far, then
//! the lower index. The per-group Erlang answer is the sum over the types
//! homed there; the per-skill Erlang answer, which the table compares with,
//! is their total.
//!
//! # Assumptions
//!
//! * Shifts are ignored: the search says how many agents of each group must
//!   be on duty in each interval (the input of a rostering step).
//! * Arrival rates: a `poisson` type has its rate in every interval; a
//!   `piecewise` type, its mean rate over the interval. Trace arrivals are
//!   refused ([`SimStaffingError::UnsupportedArrivals`]).
//! * A group staffed with 0 agents stays in the scenario with agents who never
//!   log in, so that contact types and groups keep their indexes (and their
//!   random streams).
//! * Under [`PolicySpec::SkillExpansion`],
//!   the groups tried for a type include those eligible after the widest
//!   relaxation.
//! * A simulated scenario holds at most [`MAX_SCENARIO_AGENTS`] agents over
//!   all its groups (a group staffed with 0 counts 1). The search keeps
//!   within it: its start is scaled down to fit, the Erlang staffing is not
//!   simulated beyond it, and no agent is added past it; an interval that
//!   would need more is reported not met, with
//!   [`StaffingPoint::agent_limit`] set. A [`SimStaffing::max_agents`]
//!   above it is refused ([`SimStaffingError::InvalidConfig`]): no group
//!   could be simulated with that many.
//! * Each group is held to [`SimStaffing::max_agents`] (default 10,000):
//!   an interval whose missed target only a group at that limit could
//!   raise is reported not met, with [`StaffingPoint::group_limit`] set,
//!   and the table says so.
//!
//! # Cost
//!
//! One configuration costs `replications × (warm_up + run_length) × Σλ`
//! simulated contacts. A search from the pooled start typically simulates
//! 5–20 configurations per interval to its first local minimum, and the
//! exchanges several times that where agents move between groups.
//! Measured on this project's 2-core machine (shared with other jobs, so
//! the times vary by tens of percent): the 48-interval day of a 4-skill,
//! 5-group center (`examples/data/staffing-center.toml`, default
//! parameters: 10 replications of 8 hours per configuration), timed with
//! the example (`cargo run --release --example staffing -- --scenario
//! examples/data/staffing-center.toml`), median of 3 runs on a quiet
//! machine, without neighbour starts (step 6): without exchanges 760
//! configurations in 3.0 s, 649 agent-intervals; with them 2641 configurations in 14.1 s (14.0–14.2 s;
//! 81.9–90.1 s while five other builds shared the two cores), 544
//! agent-intervals (−16%: most of the voice and chat work moves to the
//! generalists, who hold a call and a chat at once). The neighbour starts
//! (the default) then simulate 290 more configurations (2931, +11%) and
//! bring it to 538 agent-intervals (10:30 from 28 to 23 agents, 07:30
//! from 12 to 11): 17.1–19.3 s on a quiet machine (2 runs) against 15.5 s
//! without them in the same minutes; on a shared machine 19.6–20.8 s against
//! 19.2–20.4 s without them beside it (load 2; at load 4, 38.3–38.6 s
//! against 31.4–40.1 s). Without exchanges, they bring 649
//! to 585 agent-intervals, from 2072 configurations. The planner's day
//! above (24 intervals, 3 groups): 160 configurations in 4.5 s before
//! exchanges, 405 after. [`SimStaffing::max_evaluations`] bounds each
//! search run.
//!
//! # Example
//!
//! ```
//! use skillroute::sim::ServiceTarget;
//! use skillroute::staffing::{SimStaffing, single_skill_scenario, staff_erlang_c, Target};
//!
//! // 2 calls a minute, 4-minute calls, 80% answered within 20 s (seconds).
//! let (lambda, mu) = (2.0 / 60.0, 1.0 / 240.0);
//! let target = ServiceTarget { threshold: 20.0, fraction: 0.8, short_abandon: 0.0 };
//! let scenario = single_skill_scenario(lambda, mu, None, target);
//! let search = SimStaffing::new().replications(6).run_length(20_000.0).warm_up(2_000.0);
//! let point = search.staff_rates(&scenario, &[lambda])?;
//! let erlang = staff_erlang_c(lambda, mu, Target::ServiceLevel { fraction: 0.8, threshold: 20.0 })?;
//! assert_eq!(point.erlang_total, erlang);
//! assert!(point.agents_total.abs_diff(erlang) <= 1);
//! assert!(point.met);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{StaffingError, Target, staff_erlang_a, staff_erlang_c};
use crate::sim::{
    ArrivalSpec, ContactTypeSpec, Dist, Estimate, GroupSpec, PolicySpec, Replication, RunOptions,
    Scenario, ScenarioError, ServiceTarget, Shift, SimError, Simulation, clock_label,
};

/// The most agents a configuration of the search may have over all its
/// groups: the simulator's limit for a scenario (1,000,000; beyond it a
/// scenario is refused, naming `groups[i].count`, a field the search and
/// not the planner wrote).
pub const MAX_SCENARIO_AGENTS: u32 = 1_000_000;

/// The most agents the search gives any one group unless told otherwise
/// ([`SimStaffing::max_agents`]).
pub const DEFAULT_MAX_AGENTS: u32 = 10_000;

/// Why a simulation-based staffing search was refused or stopped. Each
/// variant names what is at fault; all are fatal for the search (nothing is
/// returned half-done).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimStaffingError {
    /// A search parameter is out of range.
    #[error("staffing search: `{field}` must be {expected}, got {}", super::readable(*.value))]
    InvalidConfig {
        /// The parameter (`replications`, `run_length`, `warm_up`,
        /// `confidence`, `max_agents`, `max_evaluations`).
        field: &'static str,
        /// The value given.
        value: f64,
        /// Its range, in words.
        expected: &'static str,
    },
    /// The scenario is invalid, or a stationary copy of it is.
    #[error("invalid scenario: {0}")]
    Scenario(#[from] ScenarioError),
    /// The simulator failed.
    #[error("simulation failed: {0}")]
    Simulation(#[from] SimError),
    /// A contact type's arrivals cannot be turned into a rate per interval.
    #[error(
        "contact type {contact_type:?}: {kind} arrivals are not supported by the staffing search (use poisson or piecewise rates)"
    )]
    UnsupportedArrivals {
        /// The contact type.
        contact_type: String,
        /// The arrival process's kind.
        kind: &'static str,
    },
    /// [`SimStaffing::staff_rates`] was given the wrong number of rates, or
    /// a rate that is negative or not finite.
    #[error("arrival rates: {reason}")]
    InvalidRates {
        /// What is wrong.
        reason: String,
    },
    /// A channel's service-level target cannot be searched for: its fraction
    /// must lie strictly between 0 and 1.
    #[error(
        "{field}: fraction must be in (0, 1) for a staffing search, got {}",
        super::readable(*.fraction)
    )]
    InvalidTarget {
        /// The scenario field: `service_levels.CHANNEL`, or a contact
        /// type's own `contact_types[i].service_level`.
        field: String,
        /// The fraction given.
        fraction: f64,
    },
    /// No staffing answers a contact type: with an agent free for every
    /// contact, no customer drawn was answered (every offer outlasts its
    /// time-out, or patience ends first).
    #[error(
        "contact type {contact_type:?}: even with an agent free for every contact, none of the \
         customers drawn is answered (offers.ring_delay outlasts offers.timeout, or patience \
         ends first): no staffing serves it"
    )]
    Unanswerable {
        /// The contact type.
        contact_type: String,
    },
    /// [`SimStaffing::group_costs`] does not fit the scenario: not one cost
    /// per group, or a cost that is not finite and > 0.
    #[error("group_costs: {reason}")]
    InvalidGroupCosts {
        /// What is wrong, naming the group.
        reason: String,
    },
    /// The Erlang baseline of a contact type could not be computed.
    #[error("interval {interval}, contact type {contact_type:?}: Erlang staffing failed: {error}")]
    Erlang {
        /// The interval's index.
        interval: usize,
        /// The contact type.
        contact_type: String,
        /// Why.
        error: StaffingError,
    },
}

/// A policy's error is the scenario's (its field `policy`), as it was
/// when [`PolicySpec`] was the simulator's own: `spec.validate()?` reads
/// as before.
impl From<crate::policy::PolicySpecError> for SimStaffingError {
    fn from(e: crate::policy::PolicySpecError) -> Self {
        SimStaffingError::Scenario(e.into())
    }
}

/// When a simulated service level counts as meeting its target; see the
/// [module documentation](self#when-a-target-is-met).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeetRule {
    /// The mean over replications reaches the target (comparable with Erlang).
    #[default]
    Mean,
    /// The lower end of the confidence interval reaches the target (conservative).
    LowerBound,
}

impl MeetRule {
    fn judged(self, e: &Estimate) -> f64 {
        match self {
            MeetRule::Mean => e.mean,
            MeetRule::LowerBound if e.half_width.is_finite() => e.low(),
            MeetRule::LowerBound => e.mean,
        }
    }
}

/// The simulation-based staffing search: its parameters (a builder) and its
/// entry points [`SimStaffing::staff`] (every interval of a scenario) and
/// [`SimStaffing::staff_rates`] (one stationary point).
///
/// Parameters are checked when a search starts; a bad one is a
/// [`SimStaffingError::InvalidConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct SimStaffing {
    replications: u32,
    run_length: f64,
    warm_up: f64,
    confidence: f64,
    rule: MeetRule,
    seed: Option<u64>,
    policy: Option<PolicySpec>,
    max_agents: u32,
    max_evaluations: u32,
    simulate_erlang: bool,
    parallel: bool,
    group_costs: Option<Vec<f64>>,
    exchanges: bool,
    neighbour_starts: bool,
}

impl Default for SimStaffing {
    fn default() -> Self {
        SimStaffing {
            replications: 10,
            run_length: 28_800.0,
            warm_up: 1_800.0,
            confidence: 0.95,
            rule: MeetRule::Mean,
            seed: None,
            policy: None,
            max_agents: DEFAULT_MAX_AGENTS,
            max_evaluations: 500,
            simulate_erlang: true,
            parallel: true,
            group_costs: None,
            exchanges: true,
            neighbour_starts: true,
        }
    }
}

impl SimStaffing {
    /// The defaults: 10 replications of 8 hours (28,800 s) after a 30-minute
    /// warm-up, 95% intervals, [`MeetRule::Mean`], the scenario's seed and
    /// policy, at most 10,000 agents per group and 500 simulated
    /// configurations per interval, the Erlang staffing simulated too, in
    /// parallel.
    pub fn new() -> SimStaffing {
        SimStaffing::default()
    }

    /// Independent replications per configuration (≥ 2, for an interval).
    pub fn replications(mut self, n: u32) -> Self {
        self.replications = n;
        self
    }

    /// Simulated time with statistics per replication, in the scenario's
    /// time unit (seconds), after the warm-up (> 0).
    pub fn run_length(mut self, t: f64) -> Self {
        self.run_length = t;
        self
    }

    /// Simulated time from an empty system before statistics start (≥ 0).
    pub fn warm_up(mut self, t: f64) -> Self {
        self.warm_up = t;
        self
    }

    /// Confidence level of the reported intervals, in (0, 1) (default 0.95).
    pub fn confidence(mut self, c: f64) -> Self {
        self.confidence = c;
        self
    }

    /// When a target is met (default [`MeetRule::Mean`]).
    pub fn rule(mut self, rule: MeetRule) -> Self {
        self.rule = rule;
        self
    }

    /// The seed of every simulated configuration (default: the scenario's).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The routing policy (default: the scenario's).
    pub fn policy(mut self, policy: PolicySpec) -> Self {
        self.policy = Some(policy);
        self
    }

    /// The most agents any group may get (≥ 1, at most
    /// [`MAX_SCENARIO_AGENTS`]; [`DEFAULT_MAX_AGENTS`] by default); an
    /// interval that needs more is reported
    /// with `met = false`. All the groups together are held to
    /// [`MAX_SCENARIO_AGENTS`] as well (see
    /// [Assumptions](self#assumptions)).
    pub fn max_agents(mut self, n: u32) -> Self {
        self.max_agents = n;
        self
    }

    /// A budget of simulated configurations per search run (≥ 1): no new
    /// step of the search starts once it is spent (the step under way
    /// finishes, so it may be exceeded by one step's candidates). A search
    /// cut short is reported with `met = false` if its targets are not met.
    /// Each neighbour start ([`SimStaffing::neighbour_starts`]) is a run of
    /// its own with its own budget, so an interval may simulate up to this
    /// many per start tried (configurations already simulated for it are
    /// not simulated, nor counted, again).
    pub fn max_evaluations(mut self, n: u32) -> Self {
        self.max_evaluations = n;
        self
    }

    /// Whether to simulate the Erlang staffing too, to report its service
    /// levels (default true; one more configuration per interval).
    pub fn simulate_erlang(mut self, yes: bool) -> Self {
        self.simulate_erlang = yes;
        self
    }

    /// The cost of one agent of each group, in the scenario's group order
    /// (default: 1 each, so the cheapest staffing is the one with the fewest
    /// agents). The search minimises `Σ cost × agents` over the groups: a
    /// planner who pays a multi-skilled agent more than a single-skilled one
    /// gets the cheapest staffing, not the fewest heads. Checked when a
    /// search starts: one cost per group, each finite and > 0
    /// ([`SimStaffingError::InvalidGroupCosts`] otherwise).
    pub fn group_costs(mut self, costs: Vec<f64>) -> Self {
        self.group_costs = Some(costs);
        self
    }

    /// Whether to try exchanges between groups once no agent can be removed
    /// (default true; see [the search](crate::staffing::sim#method)). Without them the
    /// search stops at the first staffing from which no single agent can
    /// be removed: an answer that can be well above the cheapest (on
    /// `examples/data/staffing-center.toml`, 649 agent-intervals against
    /// 544, without neighbour starts either, from 760 configurations
    /// against 2641; with them, 585 from 2072). For a quick first look,
    /// with [`SimStaffing::neighbour_starts`] off too.
    pub fn exchanges(mut self, yes: bool) -> Self {
        self.exchanges = yes;
        self
    }

    /// Whether [`SimStaffing::staff`] also searches each interval from its
    /// neighbours' answers once every interval is staffed (default true;
    /// see [the search](crate::staffing::sim#method), step 6). Without it
    /// each interval keeps the answer of the search from its own pooled
    /// start, which can be a local minimum its neighbours escaped.
    /// [`SimStaffing::staff_rates`] has no neighbours and ignores it.
    pub fn neighbour_starts(mut self, yes: bool) -> Self {
        self.neighbour_starts = yes;
        self
    }

    /// Intervals, candidates and replications in parallel on rayon's pool
    /// (default), or one after the other. The results are the same.
    pub fn parallel(mut self, yes: bool) -> Self {
        self.parallel = yes;
        self
    }

    /// What makes this search's answer for `scenario` doubtful, in words
    /// (empty if nothing): a contact type whose customers' mean patience is
    /// longer than the warm-up, or whose threshold is longer than a tenth of
    /// the run.
    ///
    /// Every configuration starts empty. Customers who hold on for days
    /// fill the queue of an understaffed configuration for days, so a
    /// warm-up shorter than their patience sees a center far calmer than
    /// its steady state, and the search can call a staffing below the load
    /// enough (e-mails of 10 Erlangs, patience 2 days, 95% within a day:
    /// 7 agents after the default 30-minute warm-up and 8-hour runs, where
    /// Erlang A says 10 and 7 lose about a third of the customers). A
    /// threshold longer than a tenth of the run leaves few customers who
    /// can be seen to wait that long. Each warning names the type and what
    /// `warm_up` or `run_length` would cover it (5 mean patiences, 10
    /// thresholds). The defaults raise none for
    /// `examples/data/staffing-center.toml`.
    pub fn warnings(&self, scenario: &Scenario) -> Vec<String> {
        let secs = |x: f64| format!("{} s", super::readable(x));
        let mut out = Vec::new();
        for (ti, t) in scenario.contact_types.iter().enumerate() {
            let patience = t.patience.as_ref().map_or(0.0, Dist::mean);
            if patience.is_finite() && patience > self.warm_up {
                out.push(format!(
                    "contact type {:?}: its mean patience ({}) is longer than the search's \
                     warm-up ({}): every configuration starts empty, and an understaffed one \
                     may look calm before its queue builds up; a warm-up (`SimStaffing::warm_up`) \
                     of 5 mean patiences ({}) and runs (`run_length`) of 10 ({}) would reach \
                     the steady state",
                    t.name,
                    secs(patience),
                    secs(self.warm_up),
                    secs(5.0 * patience),
                    secs(10.0 * patience)
                ));
            }
            let (target, _) = type_target(scenario, ti);
            if 10.0 * target.threshold > self.run_length {
                out.push(format!(
                    "contact type {:?}: its threshold ({}) is longer than a tenth of the \
                     search's run ({}): few customers can be seen to wait that long; runs \
                     (`SimStaffing::run_length`) of 10 thresholds ({}) would see them",
                    t.name,
                    secs(target.threshold),
                    secs(self.run_length),
                    secs(10.0 * target.threshold)
                ));
            }
        }
        out
    }

    fn validate(&self) -> Result<(), SimStaffingError> {
        let bad = |field, value, expected| {
            Err(SimStaffingError::InvalidConfig {
                field,
                value,
                expected,
            })
        };
        if self.replications < 2 {
            return bad(
                "replications",
                self.replications as f64,
                "at least 2 (for a confidence interval)",
            );
        }
        if !(self.run_length.is_finite() && self.run_length > 0.0) {
            return bad("run_length", self.run_length, "finite and > 0");
        }
        if !(self.warm_up.is_finite() && self.warm_up >= 0.0) {
            return bad("warm_up", self.warm_up, "finite and >= 0");
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return bad("confidence", self.confidence, "in (0, 1)");
        }
        if self.max_agents == 0 {
            return bad("max_agents", 0.0, "at least 1");
        }
        if self.max_agents > MAX_SCENARIO_AGENTS {
            return bad(
                "max_agents",
                self.max_agents as f64,
                "at most 1000000 (MAX_SCENARIO_AGENTS, the most agents a simulated scenario holds)",
            );
        }
        if self.max_evaluations == 0 {
            return bad("max_evaluations", 0.0, "at least 1");
        }
        Ok(())
    }

    /// Staffs every interval of `scenario` (its report `interval`, or one
    /// interval over the horizon), as described in the
    /// [module documentation](self).
    pub fn staff(&self, scenario: &Scenario) -> Result<StaffingTable, SimStaffingError> {
        self.staff_with_progress(scenario, |_, _| {})
    }

    /// [`staff`](SimStaffing::staff), telling `progress` how far it is:
    /// `progress(done, total)` each time an interval's search ends, `done`
    /// the intervals staffed so far of `total` (intervals with the same
    /// rates, searched once, are done together). Only the first, independent
    /// search of each interval is counted: the neighbour passes
    /// ([`SimStaffing::neighbour_starts`]) that follow it report nothing, as
    /// how many there will be, and how long each takes, is not known ahead
    /// (on `examples/data/staffing-center.toml` they simulate about a tenth
    /// more configurations: 2,931 against 2,641). In parallel it is called
    /// from the search's threads, so two calls close together may come in
    /// either order; the table is the same as
    /// [`staff`](SimStaffing::staff)'s, bit for bit.
    pub fn staff_with_progress<F>(
        &self,
        scenario: &Scenario,
        progress: F,
    ) -> Result<StaffingTable, SimStaffingError>
    where
        F: Fn(usize, usize) + Sync,
    {
        self.validate()?;
        let model = Model::new(self, scenario)?;
        let length = scenario.interval.unwrap_or(scenario.horizon);
        let count = crate::sim::interval_count(scenario.horizon, length) as usize;
        let mut spans = Vec::with_capacity(count);
        let mut rates = Vec::with_capacity(count);
        for i in 0..count {
            let start = i as f64 * length;
            let end = if i + 1 == count {
                scenario.horizon
            } else {
                ((i + 1) as f64 * length).min(scenario.horizon)
            };
            spans.push((start, end));
            rates.push(
                scenario
                    .contact_types
                    .iter()
                    .map(|t| {
                        // What reaches the queue now entered the tier one
                        // mean time there ago.
                        let lag = t.self_service.as_ref().map_or(0.0, |ss| ss.time.mean());
                        mean_rate(&t.arrivals, start - lag, end - lag)
                    })
                    .collect::<Vec<f64>>(),
            );
        }
        // Intervals with the same rates have the same answer: search once.
        let mut unique: Vec<&Vec<f64>> = Vec::new();
        let mut which = Vec::with_capacity(count);
        let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
        for r in &rates {
            let key: Vec<u64> = r.iter().map(|x| x.to_bits()).collect();
            let ix = *seen.entry(key).or_insert_with(|| {
                unique.push(r);
                unique.len() - 1
            });
            which.push(ix);
        }
        let done = std::sync::atomic::AtomicUsize::new(0);
        let solve = |(k, r): (usize, &&Vec<f64>)| {
            let first = which.iter().position(|&w| w == k).unwrap_or(0);
            let found = model.point_cached(first, r)?;
            let same = which.iter().filter(|&&w| w == k).count();
            let now = done.fetch_add(same, std::sync::atomic::Ordering::Relaxed) + same;
            progress(now, count);
            Ok::<_, SimStaffingError>(found)
        };
        let found: Vec<(StaffingPoint, Cache)> = if self.parallel {
            unique
                .par_iter()
                .enumerate()
                .map(solve)
                .collect::<Result<_, _>>()?
        } else {
            unique
                .iter()
                .enumerate()
                .map(solve)
                .collect::<Result<_, _>>()?
        };
        let (mut points, mut caches): (Vec<StaffingPoint>, Vec<Cache>) = found.into_iter().unzip();
        if self.neighbour_starts {
            // Starts tried per unique rate vector (its own answer first), so
            // that no start is searched twice.
            let mut tried: Vec<Vec<Vec<u32>>> = points
                .iter()
                .map(|p| vec![p.agents_by_group.clone()])
                .collect();
            for _ in 0..NEIGHBOUR_PASSES {
                // Every start is a previous pass's answer (Jacobi, not
                // Gauss-Seidel), so the order in which the intervals are
                // searched cannot change the table.
                let mut starts: Vec<Vec<Vec<u32>>> = vec![Vec::new(); unique.len()];
                for (i, &k) in which.iter().enumerate() {
                    for j in [i.checked_sub(1), Some(i + 1)].into_iter().flatten() {
                        let Some(&n) = which.get(j) else { continue };
                        let s = &points[n].agents_by_group;
                        if *s != points[k].agents_by_group
                            && !tried[k].contains(s)
                            && !starts[k].contains(s)
                        {
                            starts[k].push(s.clone());
                        }
                    }
                }
                if starts.iter().all(Vec::is_empty) {
                    break;
                }
                for (t, s) in tried.iter_mut().zip(&starts) {
                    t.extend(s.iter().cloned());
                }
                let jobs: Vec<Restart<'_>> = points
                    .into_iter()
                    .zip(caches)
                    .zip(&starts)
                    .zip(&unique)
                    .map(|(((p, c), s), r)| (p, c, s.as_slice(), r.as_slice()))
                    .collect();
                let again = |(p, c, s, r): Restart<'_>| model.restart(r, p, c, s);
                let next: Vec<(StaffingPoint, Cache, bool)> = if self.parallel {
                    jobs.into_par_iter().map(again).collect::<Result<_, _>>()?
                } else {
                    jobs.into_iter().map(again).collect::<Result<_, _>>()?
                };
                let mut improved = false;
                (points, caches) = next
                    .into_iter()
                    .map(|(p, c, i)| {
                        improved |= i;
                        (p, c)
                    })
                    .unzip();
                if !improved {
                    break;
                }
            }
        }
        let day_start = scenario
            .day_start
            .as_deref()
            .and_then(|d| crate::sim::parse_day_start(d).ok());
        let intervals = which
            .iter()
            .zip(spans)
            .enumerate()
            .map(|(index, (&k, (start, end)))| IntervalStaffing {
                index,
                start,
                end,
                label: format!(
                    "{}-{}",
                    clock_label(day_start, start),
                    clock_label(day_start, end)
                ),
                point: points[k].clone(),
            })
            .collect();
        Ok(StaffingTable {
            scenario: scenario.name.clone(),
            groups: scenario.groups.iter().map(|g| g.name.clone()).collect(),
            contact_types: scenario
                .contact_types
                .iter()
                .map(|t| t.name.clone())
                .collect(),
            targets: model.targets.clone(),
            seed: model.seed,
            replications: self.replications,
            run_length: self.run_length,
            day_start,
            warm_up: self.warm_up,
            confidence: self.confidence,
            rule: self.rule,
            group_costs: model.costs.clone(),
            simulated_configurations: points.iter().map(|p| p.evaluations as u64).sum(),
            intervals,
        })
    }

    /// Staffs one stationary point: `scenario` with Poisson arrivals at
    /// `rates` (one per contact type, per second), as one interval of
    /// [`SimStaffing::staff`].
    pub fn staff_rates(
        &self,
        scenario: &Scenario,
        rates: &[f64],
    ) -> Result<StaffingPoint, SimStaffingError> {
        self.validate()?;
        if rates.len() != scenario.contact_types.len() {
            return Err(SimStaffingError::InvalidRates {
                reason: format!(
                    "{} rates for {} contact types",
                    rates.len(),
                    scenario.contact_types.len()
                ),
            });
        }
        if let Some((i, r)) = rates
            .iter()
            .enumerate()
            .find(|(_, r)| !(r.is_finite() && **r >= 0.0))
        {
            return Err(SimStaffingError::InvalidRates {
                reason: format!("rate {i} must be finite and >= 0, got {r}"),
            });
        }
        Model::new(self, scenario)?.point(0, rates)
    }
}

/// Contact type `ti`'s service-level target (its own, else its channel's,
/// else the default) and the scenario field it comes from.
fn type_target(scenario: &Scenario, ti: usize) -> (ServiceTarget, String) {
    let t = &scenario.contact_types[ti];
    match t.service_level {
        Some(own) => (own, format!("contact_types[{ti}].service_level")),
        None => (
            scenario
                .service_levels
                .get(&t.channel)
                .copied()
                .unwrap_or_default(),
            format!("service_levels.{}", t.channel),
        ),
    }
}

/// The search's cost per agent of each group of `scenario`: the
/// configured ones, checked, or 1 each.
fn group_costs(cfg: &SimStaffing, scenario: &Scenario) -> Result<Vec<f64>, SimStaffingError> {
    let n = scenario.groups.len();
    let Some(costs) = &cfg.group_costs else {
        return Ok(vec![1.0; n]);
    };
    if costs.len() != n {
        return Err(SimStaffingError::InvalidGroupCosts {
            reason: format!(
                "{} costs for {n} groups (one per group, in the scenario's order)",
                costs.len()
            ),
        });
    }
    // Up to 1e300: a move's cost change (twice a cost less another) stays
    // finite, so its sign is exact.
    if let Some((g, c)) = costs
        .iter()
        .enumerate()
        .find(|(_, c)| !(c.is_finite() && **c > 0.0 && **c <= 1e300))
    {
        return Err(SimStaffingError::InvalidGroupCosts {
            reason: format!(
                "group {:?} (groups[{g}]): its cost must be finite, > 0 and at most 1e300, got {}",
                scenario.groups[g].name,
                super::readable(*c)
            ),
        });
    }
    Ok(costs.clone())
}

/// The mean rate of an arrival process over `[start, end)`.
fn mean_rate(a: &ArrivalSpec, start: f64, end: f64) -> f64 {
    match a {
        ArrivalSpec::Poisson { rate } => *rate,
        ArrivalSpec::Piecewise { interval, rates } => {
            let len = end - start;
            if len <= 0.0 {
                return 0.0;
            }
            let mut area = 0.0;
            let first = (start / interval).floor() as usize;
            for (k, r) in rates.iter().enumerate().skip(first) {
                let (a, b) = (k as f64 * interval, (k + 1) as f64 * interval);
                if a >= end {
                    break;
                }
                area += r * (b.min(end) - a.max(start)).max(0.0);
            }
            area / len
        }
        ArrivalSpec::Trace { .. } => 0.0,
    }
}

/// What one interval's search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffingPoint {
    /// Arrival rate per contact type (per second): the interval's mean; for
    /// a type with a self-service tier, of the arrivals one mean time in
    /// the tier earlier, the tier's share of which reaches the queue in
    /// this interval.
    pub arrival_rates: Vec<f64>,
    /// Offered load per contact type, in Erlangs (rate × handle time at the
    /// home group; the rate into its queue: with a self-service tier, the
    /// arrival rate less the share the tier contains).
    pub offered_load: Vec<f64>,
    /// Erlang C / Erlang A agents per contact type, each staffed alone.
    pub erlang_by_type: Vec<u32>,
    /// The same agents per group (each type in its home group).
    pub erlang_by_group: Vec<u32>,
    /// Their total: the per-skill Erlang answer.
    pub erlang_total: u32,
    /// Simulated service level per type at the Erlang staffing (if asked,
    /// see [`SimStaffing::simulate_erlang`]; `None` also where some group's
    /// Erlang count exceeds [`SimStaffing::max_agents`]).
    pub erlang_service_level: Option<Vec<Estimate>>,
    /// Agents per group found by simulation.
    pub agents_by_group: Vec<u32>,
    /// Their total.
    pub agents_total: u32,
    /// `agents_total − erlang_total`: negative is a saving, positive extra
    /// agents the formulas missed.
    pub difference: i64,
    /// The cost of the staffing found: `Σ cost × agents` over the groups
    /// ([`SimStaffing::group_costs`]; `agents_total` when every cost is 1).
    #[serde(default)]
    pub cost: f64,
    /// Simulated service level per type at the staffing found (mean and
    /// confidence interval over replications; NaN/`null` for a type without
    /// arrivals).
    pub service_level: Vec<Estimate>,
    /// Whether every target is met (false if the search hit `max_agents`,
    /// [`MAX_SCENARIO_AGENTS`] or `max_evaluations` first, or some target
    /// is out of reach).
    pub met: bool,
    /// Whether a target is still missed because the search reached
    /// [`MAX_SCENARIO_AGENTS`], the most agents a simulated scenario holds
    /// over all its groups: the interval needs more than can be simulated.
    #[serde(default)]
    pub agent_limit: bool,
    /// Whether a target is still missed because every group able to serve
    /// the type furthest below its target holds [`SimStaffing::max_agents`]
    /// agents: the interval needs more per group than the search may try
    /// (its answer is that limit, not a staffing that meets the target).
    #[serde(default)]
    pub group_limit: bool,
    /// Configurations simulated by the search, its neighbour starts
    /// included ([`SimStaffing::neighbour_starts`]).
    pub evaluations: u32,
    /// The types with contacts in the interval whose target no staffing
    /// meets (indexes, as in `service_level`): the ring delay (with its time-outs and the
    /// customers' patience) leaves too few answered within the threshold
    /// even with an agent free for every contact (see
    /// [Targets out of reach](self#targets-out-of-reach)).
    #[serde(default)]
    pub out_of_reach: Vec<usize>,
    /// Per type, the most its service level can be with an agent free for
    /// every contact, estimated when the scenario has a ring delay.
    #[serde(default)]
    pub reach: Vec<Option<f64>>,
    /// Per type, the target it was staffed to when out of reach (`None`:
    /// its own).
    #[serde(default)]
    pub staffed_to: Vec<Option<ServiceTarget>>,
}

/// One interval's row of a [`StaffingTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalStaffing {
    /// The interval's index.
    pub index: usize,
    /// Its start (s).
    pub start: f64,
    /// Its end (s).
    pub end: f64,
    /// `start-end` as a clock ([`clock_label`]): `08:00-08:30` with the
    /// scenario's `day_start`; without one, time since the start as if it
    /// were midnight (`00:00-00:30`); a boundary off the whole second with
    /// its fraction (`00:00:00.5`).
    #[serde(default)]
    pub label: String,
    /// What the search found.
    #[serde(flatten)]
    pub point: StaffingPoint,
}

/// The staffing per interval of a scenario, by Erlang and by simulation.
/// [`fmt::Display`] prints it as a table; serde gives JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffingTable {
    /// The scenario's name.
    pub scenario: String,
    /// Group names, in the order of the per-group vectors.
    pub groups: Vec<String>,
    /// Contact type names, in the order of the per-type vectors.
    pub contact_types: Vec<String>,
    /// Each type's service-level target.
    pub targets: Vec<ServiceTarget>,
    /// The seed of every simulated configuration.
    pub seed: u64,
    /// Replications per configuration.
    pub replications: u32,
    /// Simulated seconds with statistics per replication.
    pub run_length: f64,
    /// The time of day at time 0, in seconds after midnight (the
    /// scenario's `day_start`): the table's intervals then read as clock
    /// times.
    #[serde(default)]
    pub day_start: Option<f64>,
    /// Warm-up seconds per replication.
    pub warm_up: f64,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// When a target counts as met.
    pub rule: MeetRule,
    /// The cost of one agent per group ([`SimStaffing::group_costs`]; 1
    /// each by default).
    #[serde(default)]
    pub group_costs: Vec<f64>,
    /// Configurations simulated in all (identical intervals counted once).
    pub simulated_configurations: u64,
    /// One row per interval.
    pub intervals: Vec<IntervalStaffing>,
}

impl StaffingTable {
    /// Erlang agents over all intervals (agent-intervals).
    pub fn erlang_agent_intervals(&self) -> u64 {
        self.intervals
            .iter()
            .map(|i| i.point.erlang_total as u64)
            .sum()
    }

    /// Simulated agents over all intervals (agent-intervals).
    pub fn agent_intervals(&self) -> u64 {
        self.intervals
            .iter()
            .map(|i| i.point.agents_total as u64)
            .sum()
    }

    /// The cost of the simulated staffing over all intervals: each
    /// interval's [`StaffingPoint::cost`], summed.
    pub fn cost(&self) -> f64 {
        self.intervals.iter().map(|i| i.point.cost).sum()
    }
}

/// `mean ± half-width` in percent (or `-`).
fn percent(e: &Estimate) -> String {
    if !e.mean.is_finite() {
        "-".into()
    } else if e.half_width.is_finite() {
        format!("{:.1}±{:.1}", 100.0 * e.mean, 100.0 * e.half_width)
    } else {
        format!("{:.1}", 100.0 * e.mean)
    }
}

impl fmt::Display for StaffingTable {
    /// Per interval: the Erlang total, the simulated agents per group and
    /// total, the difference, and at each staffing the worst type — the
    /// least margin over its own target — with its service level (mean ±
    /// half-width, %) and target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Each group's column as wide as its name (at least 6).
        let gw: Vec<usize> = self
            .groups
            .iter()
            .map(|g| g.chars().count().max(6))
            .collect();
        // Wide enough for the longest label (`23:30+1d-00:00+2d`).
        let w = self
            .intervals
            .iter()
            .map(|r| r.label.len())
            .max()
            .unwrap_or(0)
            .max(13);
        // The worst type: the least margin over its own target (by the
        // search's rule: the mean, or the interval's low end), shown with
        // its name and target, since types' targets may differ.
        let tw = self
            .contact_types
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0);
        // 80, 92.5: as written, not 80.00000000000001
        let short = |x: f64| (x * 100.0).round() / 100.0;
        let label = |t: &ServiceTarget| {
            format!(
                "({}% in {} s)",
                short(100.0 * t.fraction),
                short(t.threshold)
            )
        };
        // Each type's target as the search judged it: its own, or the one
        // the ring allows when its own is out of reach (the same in every
        // interval).
        let judged: Vec<ServiceTarget> = (0..self.targets.len())
            .map(|k| {
                self.intervals
                    .first()
                    .and_then(|r| r.point.staffed_to.get(k).copied().flatten())
                    .unwrap_or(self.targets[k])
            })
            .collect();
        let targets: Vec<String> = judged.iter().map(label).collect();
        let ttw = targets.iter().map(|t| t.chars().count()).max().unwrap_or(0);
        let margin = |e: &Estimate, t: &ServiceTarget| match self.rule {
            MeetRule::LowerBound => e.mean - e.half_width.max(0.0) - t.fraction,
            MeetRule::Mean => e.mean - t.fraction,
        };
        let worst_type = |sl: &[Estimate]| {
            (0..sl.len().min(judged.len()))
                .filter(|&k| sl[k].mean.is_finite())
                .min_by(|&j, &k| margin(&sl[j], &judged[j]).total_cmp(&margin(&sl[k], &judged[k])))
        };
        // The service-level slot as wide as its widest cell (at least 9,
        // `100.0±0.0`): few replications or a high confidence give
        // half-widths of 100% and more, which overflowed a fixed 9.
        let pw = self
            .intervals
            .iter()
            .flat_map(|r| {
                let p = &r.point;
                [
                    p.erlang_service_level.as_deref(),
                    Some(&p.service_level[..]),
                ]
            })
            .flatten()
            .filter_map(|sl| worst_type(sl).map(|k| percent(&sl[k]).chars().count()))
            .fold(9, usize::max);
        let worst = |sl: &[Estimate]| {
            worst_type(sl).map_or("-".to_string(), |k| {
                let name = &self.contact_types[k];
                format!("{name:<tw$} {:<pw$} {:<ttw$}", percent(&sl[k]), targets[k])
            })
        };
        // Each line is built whole and written without the padding of its
        // last cell: no line ends in spaces.
        let mut line = String::new();
        let end_line = |f: &mut fmt::Formatter<'_>, line: &mut String| {
            let r = writeln!(f, "{}", line.trim_end());
            line.clear();
            r
        };
        write!(line, "{:<w$} {:>7} {:>6}", "interval", "load", "erlang")?;
        for (g, &gw) in self.groups.iter().zip(&gw) {
            write!(line, " {g:>gw$}")?;
        }
        let heads = ["worst SL erlang % (target)", "worst SL sim % (target)"];
        // At least as wide as its heading, which short names and targets
        // would overflow.
        let cw = (tw + ttw + pw + 2).max(heads[0].chars().count());
        write!(
            line,
            " {:>6} {:>5}  {:<cw$} {:<cw$}",
            "sim", "diff", heads[0], heads[1]
        )?;
        end_line(f, &mut line)?;
        let not_met = |p: &StaffingPoint| match (p.met, p.out_of_reach.is_empty()) {
            (true, _) => "",
            (false, _) if p.agent_limit => "  NOT MET (needs over 1,000,000 agents)",
            (false, _) if p.group_limit => "  NOT MET (a group at the max_agents limit)",
            (false, true) => "  NOT MET",
            (false, false) => "  NOT MET (out of reach)",
        };
        for row in &self.intervals {
            let p = &row.point;
            write!(
                line,
                "{:<w$} {:>7.1} {:>6}",
                row.label,
                p.offered_load.iter().sum::<f64>(),
                p.erlang_total
            )?;
            for (k, n) in p.agents_by_group.iter().enumerate() {
                let gw = gw.get(k).copied().unwrap_or(6);
                write!(line, " {n:>gw$}")?;
            }
            // A NOT MET row's staffing is short of its target: its
            // difference would read as a saving.
            let diff = if p.met {
                format!("{:+}", p.difference)
            } else {
                "n/a".to_string()
            };
            write!(
                line,
                " {:>6} {:>5}  {:<cw$} {:<cw$}{}",
                p.agents_total,
                diff,
                p.erlang_service_level.as_deref().map_or("-".into(), worst),
                worst(&p.service_level),
                not_met(p)
            )?;
            end_line(f, &mut line)?;
        }
        // The targets out of reach, once (the same in every interval where
        // the type has contacts).
        if let Some(p) = self.intervals.first().map(|r| &r.point) {
            let out = (0..p.staffed_to.len()).filter(|&k| p.staffed_to[k].is_some());
            for k in out {
                let (Some(name), Some(own)) = (self.contact_types.get(k), self.targets.get(k))
                else {
                    continue;
                };
                let most = p.reach.get(k).copied().flatten().unwrap_or(f64::NAN);
                writeln!(
                    f,
                    "out of reach: {name} {} — even with an agent free for every contact, the \
                     ring delay leaves about {:.1}% answered within {} s; staffed to {} instead \
                     (the ring's own time added to the threshold)",
                    label(own),
                    100.0 * most,
                    short(own.threshold),
                    targets[k]
                )?;
            }
        }
        let (e, s) = (self.erlang_agent_intervals(), self.agent_intervals());
        let missed = self.intervals.iter().filter(|r| !r.point.met).count();
        // With the default costs the cost is the agent count: said once.
        if self.group_costs.iter().any(|&c| c != 1.0) {
            let costs: Vec<String> = self
                .groups
                .iter()
                .zip(&self.group_costs)
                .map(|(g, &c)| format!("{g} {}", super::readable(c)))
                .collect();
            writeln!(
                f,
                "cost of the simulated staffing over all intervals: {} (per agent: {})",
                super::readable(self.cost()),
                costs.join(", ")
            )?;
        }
        write!(f, "total agent-intervals: erlang {e}, simulation {s}")?;
        if missed > 0 {
            // A staffing cut off by a limit (or short of an unreachable
            // target) is fewer agents than the interval needs: set against
            // Erlang's total its difference would read as a saving.
            return writeln!(
                f,
                " (not comparable: {missed} of {} intervals NOT MET, short of their targets)",
                self.intervals.len()
            );
        }
        writeln!(
            f,
            " ({:+}, {:+.1}%)",
            s as i64 - e as i64,
            if e > 0 {
                100.0 * (s as f64 - e as f64) / e as f64
            } else {
                0.0
            }
        )
    }
}

/// A single-skill M/M/n (M/M/n+M with `abandon_rate`) scenario: one group
/// (count 1, to be staffed), one voice contact type with exponential service
/// (and patience), the longest-idle-agent policy and `target` on voice. Rates
/// in any one time unit; `target.threshold` in it. The same as
/// [`chained_scenario`]`(1, 1, …)`.
pub fn single_skill_scenario(
    arrival_rate: f64,
    service_rate: f64,
    abandon_rate: Option<f64>,
    target: ServiceTarget,
) -> Scenario {
    chained_scenario(1, 1, arrival_rate, service_rate, abandon_rate, target)
}

/// A flexibility design for pooling studies: `skills` voice contact types
/// `type-0`, `type-1`, … (one skill each, the same Poisson `arrival_rate`,
/// exponential service at `service_rate`, exponential patience at
/// `abandon_rate` if given), and agent groups (count 1 each, to be staffed)
/// trained in `skills_per_agent` skills along a chain: group `i` has skills
/// `i, i+1, …, i+k−1` (mod `skills`). `k = 1` gives specialists, `k = 2`
/// chained pairs (Jordan & Graves 1995), `k = skills` full cross-training
/// (one group). `skills_per_agent` is clamped to `1..=skills`; `skills` ≥ 1.
/// Policy: longest idle agent (contacts first come, first served); `target`
/// on voice.
pub fn chained_scenario(
    skills: usize,
    skills_per_agent: usize,
    arrival_rate: f64,
    service_rate: f64,
    abandon_rate: Option<f64>,
    target: ServiceTarget,
) -> Scenario {
    let m = skills.max(1);
    let k = skills_per_agent.clamp(1, m);
    let skill = |i: usize| format!("skill-{}", i % m);
    let groups = if k == m { 1 } else { m };
    Scenario {
        day_start: None,
        name: format!("{m} skills, {k} per agent"),
        seed: 1,
        horizon: 1.0,
        warm_up: 0.0,
        replications: 1,
        interval: None,
        drain: false,
        rebalance_every: None,
        batch_window: false,
        channels: vec!["voice".into()],
        skills: (0..m).map(skill).collect(),
        groups: (0..groups)
            .map(|g| GroupSpec {
                name: if k == m {
                    "all-skills".into()
                } else {
                    (g..g + k)
                        .map(|i| (i % m).to_string())
                        .collect::<Vec<_>>()
                        .join("+")
                },
                count: 1,
                skills: (g..g + k).map(|i| (skill(i), 1)).collect(),
                capacity: BTreeMap::from([("voice".into(), 1)]),
                total_capacity: None,
                speed: 1.0,
                shifts: vec![],
            })
            .collect(),
        contact_types: (0..m)
            .map(|t| ContactTypeSpec {
                name: format!("type-{t}"),
                channel: "voice".into(),
                requires: BTreeMap::from([(skill(t), 1)]),
                priority: 0,
                tier: 0,
                segments: BTreeMap::new(),
                arrivals: ArrivalSpec::Poisson { rate: arrival_rate },
                service: Dist::Exponential {
                    mean: 1.0 / service_rate,
                },
                patience: abandon_rate.map(|t| Dist::Exponential { mean: 1.0 / t }),
                wrap_up: None,
                service_level: None,
                self_service: None,
                dialer: None,
            })
            .collect(),
        policy: PolicySpec::LongestIdleAgent,
        router: Default::default(),
        service_levels: BTreeMap::from([("voice".into(), target)]),
        offers: Default::default(),
        fit: None,
        outcomes: None,
        expected_wait: false,
        max_in_system: crate::sim::DEFAULT_MAX_IN_SYSTEM,
        base_dir: None,
    }
}

/// A contact type as the search sees it.
#[derive(Debug, Clone)]
struct TypeInfo {
    name: String,
    /// Its own target (the Erlang baseline's).
    target: ServiceTarget,
    /// The target its simulated service level is judged by: its own, or
    /// the one the ring allows when its own is out of reach.
    judged: ServiceTarget,
    staffed_to: Option<ServiceTarget>,
    /// The most its service level can be (with a ring delay).
    reach: Option<f64>,
    /// Mean service (speed 1) and mean wrap-up.
    service: f64,
    wrap: f64,
    /// 1 / mean patience, if customers abandon.
    theta: Option<f64>,
    /// The share of its arrivals that reach the queue: 1 less its
    /// self-service tier's containment (1 without a tier). The Erlang
    /// formulas and the overload check see the queue's rate; the simulated
    /// configurations, the arrivals (their tier passes on the rest). 0 for
    /// a type with a dialer (outbound work, blending): it is simulated, so
    /// that the inbound targets are judged beside it, but staffed for and
    /// judged by nothing.
    passed: f64,
    /// Groups that can serve it after the widest relaxation of the policy.
    candidates: Vec<usize>,
    home: usize,
}

/// The search's view of a scenario: checked once.
struct Model<'a> {
    cfg: &'a SimStaffing,
    base: Scenario,
    seed: u64,
    types: Vec<TypeInfo>,
    targets: Vec<ServiceTarget>,
    /// Per group: speed and servers per agent for each type it serves.
    speed: Vec<f64>,
    servers: Vec<Vec<u32>>,
    /// Connected component of each type (through shared groups).
    component: Vec<usize>,
    /// The cost of one agent per group.
    costs: Vec<f64>,
}

/// The scale of the margin of a type whose staffing cannot carry its load
/// ([`Model::overload`]): far below any margin a service level gives.
const OVERLOADED: f64 = 1e6;

/// One simulated configuration.
#[derive(Debug, Clone)]
struct Eval {
    sl: Vec<Estimate>,
    /// Judged service level minus target; NaN for types not judged.
    margin: Vec<f64>,
}

impl Eval {
    fn met(&self) -> bool {
        self.margin.iter().all(|m| m.is_nan() || *m >= 0.0)
    }

    /// (worst margin, total margin): larger is better.
    fn key(&self) -> (f64, f64) {
        let judged = self.margin.iter().filter(|m| !m.is_nan());
        (
            judged.clone().copied().fold(f64::INFINITY, f64::min),
            judged.sum(),
        )
    }

    fn worst(&self) -> Option<usize> {
        self.margin
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.is_nan())
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
    }
}

fn better(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)).is_gt()
}

impl<'a> Model<'a> {
    fn new(cfg: &'a SimStaffing, scenario: &Scenario) -> Result<Model<'a>, SimStaffingError> {
        scenario.validate()?;
        let costs = group_costs(cfg, scenario)?;
        let policy = cfg
            .policy
            .clone()
            .unwrap_or_else(|| scenario.policy.clone());
        policy.validate()?;
        let relax = match &policy {
            PolicySpec::SkillExpansion { steps } => steps.iter().map(|s| s.relax).max(),
            _ => None,
        }
        .unwrap_or(0);
        let mut types = Vec::with_capacity(scenario.contact_types.len());
        let mut erlang_so_far = vec![0usize; scenario.groups.len()];
        let serves = |g: &GroupSpec, t: &ContactTypeSpec, relax: u8| {
            g.capacity.get(&t.channel).is_some_and(|&c| c > 0)
                && t.requires.iter().all(|(sk, &l)| {
                    g.skills
                        .get(sk)
                        .is_some_and(|&x| x >= l.saturating_sub(relax).max(1))
                })
        };
        let served_by: Vec<usize> = scenario
            .groups
            .iter()
            .map(|g| {
                scenario
                    .contact_types
                    .iter()
                    .filter(|t| serves(g, t, 0))
                    .count()
            })
            .collect();
        let servers: Vec<Vec<u32>> = scenario
            .groups
            .iter()
            .map(|g| {
                scenario
                    .contact_types
                    .iter()
                    .map(|t| {
                        let c = g.capacity.get(&t.channel).copied().unwrap_or(0);
                        let c = g.total_capacity.map_or(c, |m| c.min(m));
                        u32::from(c.max(1))
                    })
                    .collect()
            })
            .collect();
        let ring_reach = scenario.ring_reach();
        for (ti, t) in scenario.contact_types.iter().enumerate() {
            if let ArrivalSpec::Trace { .. } = t.arrivals {
                return Err(SimStaffingError::UnsupportedArrivals {
                    contact_type: t.name.clone(),
                    kind: "trace",
                });
            }
            let (target, field) = type_target(scenario, ti);
            if !(target.fraction > 0.0 && target.fraction < 1.0) {
                return Err(SimStaffingError::InvalidTarget {
                    field,
                    fraction: target.fraction,
                });
            }
            let eligible: Vec<usize> = (0..scenario.groups.len())
                .filter(|&g| serves(&scenario.groups[g], t, 0))
                .collect();
            let candidates: Vec<usize> = (0..scenario.groups.len())
                .filter(|&g| serves(&scenario.groups[g], t, relax))
                .collect();
            // Validation guarantees a group serving every type at full level.
            let home = eligible
                .iter()
                .copied()
                .min_by_key(|&g| (served_by[g], erlang_so_far[g], g))
                .unwrap_or(0);
            erlang_so_far[home] += 1;
            let reach = ring_reach[ti];
            if reach.is_some_and(|r| r.answered == 0.0) {
                return Err(SimStaffingError::Unanswerable {
                    contact_type: t.name.clone(),
                });
            }
            let staffed_to = reach.filter(|r| r.out_of_reach).map(|r| r.substitute);
            types.push(TypeInfo {
                name: t.name.clone(),
                target,
                judged: staffed_to.unwrap_or(target),
                staffed_to,
                reach: reach.map(|r| r.share),
                service: t.service.mean(),
                wrap: t.wrap_up.as_ref().map_or(0.0, Dist::mean),
                theta: t
                    .patience
                    .as_ref()
                    .map(Dist::mean)
                    .filter(|m| *m > 0.0)
                    .map(|m| 1.0 / m),
                // A dialer's items fill idle capacity: no agent is staffed
                // for them, and its service level is not a target.
                passed: if t.dialer.is_some() {
                    0.0
                } else {
                    t.passed_on()
                },
                candidates,
                home,
            });
        }
        // Components of the type–group graph (union–find over types).
        let mut parent: Vec<usize> = (0..types.len()).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for g in 0..scenario.groups.len() {
            let of: Vec<usize> = (0..types.len())
                .filter(|&t| types[t].candidates.contains(&g))
                .collect();
            for w in of.windows(2) {
                let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
                parent[a.max(b)] = a.min(b);
            }
        }
        let component = (0..types.len()).map(|t| find(&mut parent, t)).collect();
        let mut base = scenario.clone();
        base.policy = policy;
        Ok(Model {
            cfg,
            seed: cfg.seed.unwrap_or(scenario.seed),
            targets: types.iter().map(|t| t.target).collect(),
            types,
            speed: scenario.groups.iter().map(|g| g.speed).collect(),
            servers,
            component,
            costs,
            base,
        })
    }

    /// The change in cost of an exchange (`Σ cost × agents` after less
    /// before), for `out` and `into` of 1 or 2. Its sign is exact (a total
    /// summed in floating point is not, and an equal-cost exchange must
    /// compare as equal): doubling a cost is exact, and a difference of two
    /// floats is 0 only when they are equal.
    fn delta(&self, (a, b, out, into): Move) -> f64 {
        f64::from(into) * self.costs[b] - f64::from(out) * self.costs[a]
    }

    /// `Σ cost × agents` of `counts`.
    fn cost(&self, counts: &[u32]) -> f64 {
        counts
            .iter()
            .zip(&self.costs)
            .map(|(&n, &c)| f64::from(n) * c)
            .sum()
    }

    /// Each type's rate into its queue, of `rates` into the center: what
    /// its self-service tier does not contain.
    fn queued(&self, rates: &[f64]) -> Vec<f64> {
        rates
            .iter()
            .zip(&self.types)
            .map(|(r, ty)| r * ty.passed)
            .collect()
    }

    /// Handle time of type `t` at its home group.
    fn handle(&self, t: usize) -> f64 {
        let ty = &self.types[t];
        ty.service / self.speed[ty.home] + ty.wrap
    }

    /// Erlang servers for type `t` alone at rate `rate` (with or without its
    /// patience).
    fn erlang_servers(
        &self,
        interval: usize,
        t: usize,
        rate: f64,
        patience: bool,
    ) -> Result<u32, SimStaffingError> {
        let ty = &self.types[t];
        let mu = 1.0 / self.handle(t);
        let target = Target::ServiceLevel {
            fraction: ty.target.fraction,
            threshold: ty.target.threshold,
        };
        let r = match ty.theta.filter(|_| patience) {
            Some(theta) => staff_erlang_a(rate, mu, theta, target),
            None => staff_erlang_c(rate, mu, target),
        };
        r.map_err(|error| SimStaffingError::Erlang {
            interval,
            contact_type: ty.name.clone(),
            error,
        })
    }

    /// Searches one stationary point.
    fn point(&self, interval: usize, rates: &[f64]) -> Result<StaffingPoint, SimStaffingError> {
        Ok(self.point_cached(interval, rates)?.0)
    }

    /// [`Model::point`], and the configurations it simulated (for the
    /// neighbour starts, which search the same point again).
    fn point_cached(
        &self,
        interval: usize,
        rates: &[f64],
    ) -> Result<(StaffingPoint, Cache), SimStaffingError> {
        let nt = self.types.len();
        let ng = self.speed.len();
        let queued = self.queued(rates);
        // Erlang baseline.
        let mut erlang_by_type = vec![0u32; nt];
        let mut erlang_by_group = vec![0u32; ng];
        let mut offered_load = vec![0.0; nt];
        for t in 0..nt {
            offered_load[t] = queued[t] * self.handle(t);
            if queued[t] > 0.0 {
                let home = self.types[t].home;
                let k = self.servers[home][t];
                let n = self
                    .erlang_servers(interval, t, queued[t], true)?
                    .div_ceil(k);
                erlang_by_type[t] = n;
                erlang_by_group[home] += n;
            }
        }
        let erlang_total: u32 = erlang_by_group.iter().sum();

        // The pooled start: each component's home counts scaled by
        // n_pooled / Σ n_type (Erlang C both).
        let mut factor: BTreeMap<usize, f64> = BTreeMap::new();
        for &c in &self.component {
            if factor.contains_key(&c) {
                continue;
            }
            let members: Vec<usize> = (0..nt)
                .filter(|&t| self.component[t] == c && queued[t] > 0.0)
                .collect();
            let f = self.pooling_factor(interval, &members, &queued)?;
            factor.insert(c, f);
        }
        let mut start = vec![0u32; ng];
        for ((ty, c), &n) in self.types.iter().zip(&self.component).zip(&erlang_by_type) {
            let f = factor.get(c).copied().unwrap_or(1.0);
            start[ty.home] += (f * n as f64).floor() as u32;
        }
        for s in &mut start {
            *s = (*s).min(self.cfg.max_agents);
        }
        // Within the scenario's limit: scaled (in integers, rounding down)
        // into the room the groups at 0, which keep one agent, leave.
        let limit = u64::from(MAX_SCENARIO_AGENTS);
        if scenario_agents(&start) > limit {
            let zeros = start.iter().filter(|&&n| n == 0).count() as u64;
            let sum: u64 = start.iter().map(|&n| u64::from(n)).sum();
            for s in &mut start {
                *s = (u64::from(*s) * (limit - zeros) / sum) as u32;
            }
            // A group rounded down to 0 still keeps its one agent.
            while scenario_agents(&start) > limit {
                if let Some(most) = start.iter_mut().max() {
                    *most -= 1;
                }
            }
        }

        let mut search = Search {
            model: self,
            rates,
            cache: HashMap::new(),
            evaluations: 0,
            run_from: 0,
            at_limit: false,
            at_group_limit: false,
        };
        // The Erlang staffing as it is: not simulated where a group's
        // Erlang count exceeds `max_agents` (a capped staffing's service
        // level is not the Erlang staffing's).
        let erlang_in_bounds = erlang_by_group.iter().all(|&n| n <= self.cfg.max_agents)
            && scenario_agents(&erlang_by_group) <= limit;
        let erlang_service_level =
            if self.cfg.simulate_erlang && erlang_total > 0 && erlang_in_bounds {
                Some(
                    search.eval(std::slice::from_ref(&erlang_by_group))?[0]
                        .sl
                        .clone(),
                )
            } else {
                None
            };
        let (counts, eval) = search.run(start)?;
        let out_of_reach: Vec<usize> = (0..nt)
            .filter(|&t| self.types[t].staffed_to.is_some() && queued[t] > 0.0)
            .collect();
        let agents_total: u32 = counts.iter().sum();
        let point = StaffingPoint {
            cost: self.cost(&counts),
            arrival_rates: rates.to_vec(),
            offered_load,
            erlang_by_type,
            erlang_by_group,
            erlang_total,
            erlang_service_level,
            agents_total,
            difference: agents_total as i64 - erlang_total as i64,
            agents_by_group: counts,
            // A type out of reach misses its own target wherever it has
            // contacts (where it has none it is not judged).
            met: eval.met() && out_of_reach.is_empty(),
            agent_limit: search.at_limit && !eval.met(),
            group_limit: search.at_group_limit && !eval.met(),
            service_level: eval.sl,
            evaluations: search.evaluations,
            out_of_reach,
            reach: self.types.iter().map(|t| t.reach).collect(),
            staffed_to: self.types.iter().map(|t| t.staffed_to).collect(),
        };
        Ok((point, search.cache))
    }

    /// Searches the point of `rates` again from each of `starts` (its
    /// neighbours' answers), each its own run with its own
    /// `max_evaluations`, and keeps the best of `point`'s answer and theirs
    /// ([`Model::preferred`]; a tie keeps `point`'s). Returns the point
    /// (with the new runs' evaluations counted, whether or not one helped),
    /// the grown cache, and whether the answer changed.
    fn restart(
        &self,
        rates: &[f64],
        mut point: StaffingPoint,
        cache: Cache,
        starts: &[Vec<u32>],
    ) -> Result<(StaffingPoint, Cache, bool), SimStaffingError> {
        if starts.is_empty() {
            return Ok((point, cache, false));
        }
        let mut search = Search {
            model: self,
            rates,
            cache,
            evaluations: 0,
            run_from: 0,
            at_limit: false,
            at_group_limit: false,
        };
        let mut counts = point.agents_by_group.clone();
        // Already in the cache: the search that gave it simulated it.
        let mut eval = search.eval(std::slice::from_ref(&counts))?.remove(0);
        let mut limits = None;
        for start in starts {
            search.run_from = search.evaluations;
            search.at_limit = false;
            search.at_group_limit = false;
            let (c, e) = search.run(start.clone())?;
            if self.preferred((&c, &e), (&counts, &eval)) {
                limits = Some((
                    search.at_limit && !e.met(),
                    search.at_group_limit && !e.met(),
                ));
                counts = c;
                eval = e;
            }
        }
        point.evaluations += search.evaluations;
        let Some((agent_limit, group_limit)) = limits else {
            return Ok((point, search.cache, false));
        };
        point.agents_total = counts.iter().sum();
        point.difference = point.agents_total as i64 - point.erlang_total as i64;
        point.cost = self.cost(&counts);
        point.met = eval.met() && point.out_of_reach.is_empty();
        point.agent_limit = agent_limit;
        point.group_limit = group_limit;
        point.service_level = eval.sl;
        point.agents_by_group = counts;
        Ok((point, search.cache, true))
    }

    /// Whether answer `a` is better than `b` in the search's own order:
    /// met first; then, both met, the lower cost, then the better margins
    /// (leximin, as an exchange at the same cost); both missing, the better
    /// (worst, total) margin, as an added agent.
    fn preferred(&self, (ca, ea): (&[u32], &Eval), (cb, eb): (&[u32], &Eval)) -> bool {
        match (ea.met(), eb.met()) {
            (true, false) => true,
            (false, true) => false,
            (false, false) => better(ea.key(), eb.key()),
            (true, true) => {
                let (a, b) = (self.cost(ca), self.cost(cb));
                // Sums of the same costs in another order may differ in
                // the last bits: that is the same cost.
                let tol = 1e-9 * b.abs().max(1.0);
                a < b - tol || (a <= b + tol && leximin(ea) > leximin(eb))
            }
        }
    }

    /// `n_pooled / Σ n_type` with Erlang C for the types `members`; 1 if it
    /// cannot be formed (no members, or a pooled handle time of 0).
    fn pooling_factor(
        &self,
        interval: usize,
        members: &[usize],
        rates: &[f64],
    ) -> Result<f64, SimStaffingError> {
        if members.len() < 2 {
            return Ok(1.0);
        }
        let mut separate = 0u32;
        for &t in members {
            separate += self.erlang_servers(interval, t, rates[t], false)?;
        }
        let lambda: f64 = members.iter().map(|&t| rates[t]).sum();
        let load: f64 = members.iter().map(|&t| rates[t] * self.handle(t)).sum();
        // The strictest target of the members.
        let fraction = members
            .iter()
            .map(|&t| self.types[t].target.fraction)
            .fold(0.0, f64::max);
        let threshold = members
            .iter()
            .map(|&t| self.types[t].target.threshold)
            .fold(f64::INFINITY, f64::min);
        let target = Target::ServiceLevel {
            fraction,
            threshold,
        };
        match staff_erlang_c(lambda, lambda / load, target) {
            Ok(pooled) if separate > 0 => Ok((pooled as f64 / separate as f64).min(1.0)),
            _ => Ok(1.0),
        }
    }

    /// The stationary scenario of a configuration.
    fn scenario(&self, rates: &[f64], counts: &[u32]) -> Scenario {
        let cfg = self.cfg;
        let mut s = self.base.clone();
        s.seed = self.seed;
        s.horizon = cfg.warm_up + cfg.run_length;
        s.warm_up = cfg.warm_up;
        s.replications = cfg.replications;
        s.interval = None;
        s.drain = false;
        for (g, &n) in s.groups.iter_mut().zip(counts) {
            if n > 0 {
                g.count = n;
                g.shifts = vec![];
            } else {
                // Kept (indexes stay), but never logs in.
                g.count = 1;
                g.shifts = vec![Shift::new(s.horizon + 1.0, s.horizon + 2.0)];
            }
        }
        for ((t, &r), info) in s.contact_types.iter_mut().zip(rates).zip(&self.types) {
            t.arrivals = ArrivalSpec::Poisson { rate: r };
            // Measured against the target it is staffed to.
            if info.staffed_to.is_some() {
                t.service_level = Some(info.judged);
            }
        }
        s
    }
}

/// Exchanges simulated at once: enough for both cores and the parallel
/// replications, few enough that a step that takes one of the first does
/// not simulate the rest.
const EXCHANGE_BATCH: usize = 4;

/// An exchange: `out` agents taken from group `A`, `into` given to group
/// `B`, as `(A, B, out, into)`.
type Move = (usize, usize, u32, u32);

/// The agents of a configuration's scenario: a group at 0 keeps one agent
/// who never logs in.
fn scenario_agents(counts: &[u32]) -> u64 {
    counts.iter().map(|&n| u64::from(n.max(1))).sum()
}

/// The configurations one interval's search simulated, by agents per group.
type Cache = HashMap<Vec<u32>, Eval>;

/// One interval's neighbour search: its answer so far, its cache, the
/// starts to try and its rates.
type Restart<'s> = (StaffingPoint, Cache, &'s [Vec<u32>], &'s [f64]);

/// The most neighbour passes [`SimStaffing::staff`] makes: each lets an
/// answer travel one interval further; the cap bounds the search's time
/// (on `examples/data/staffing-center.toml` all passes together simulate
/// about 11% more configurations than the independent search: 2,931
/// against 2,641).
const NEIGHBOUR_PASSES: usize = 3;

/// One interval's search state.
struct Search<'m, 'a> {
    model: &'m Model<'a>,
    rates: &'m [f64],
    cache: Cache,
    evaluations: u32,
    /// `evaluations` when the current run started: each run (the pooled
    /// start, and each neighbour start) has its own `max_evaluations`.
    run_from: u32,
    /// Whether an agent was not added for [`MAX_SCENARIO_AGENTS`].
    at_limit: bool,
    /// Whether the search stopped adding because every group able to serve
    /// the worst type was at `max_agents`.
    at_group_limit: bool,
}

impl Search<'_, '_> {
    /// Simulates the configurations not seen yet (in parallel) and returns
    /// every one's evaluation, in order.
    fn eval(&mut self, configs: &[Vec<u32>]) -> Result<Vec<Eval>, SimStaffingError> {
        let mut todo: Vec<&Vec<u32>> = configs
            .iter()
            .filter(|c| !self.cache.contains_key(*c))
            .collect();
        todo.dedup();
        let m = self.model;
        let one = |c: &&Vec<u32>| m.simulate(self.rates, c);
        let done: Vec<Eval> = if m.cfg.parallel {
            todo.par_iter().map(one).collect::<Result<_, _>>()?
        } else {
            todo.iter().map(one).collect::<Result<_, _>>()?
        };
        self.evaluations += done.len() as u32;
        for (c, e) in todo.into_iter().zip(done) {
            self.cache.insert(c.clone(), e);
        }
        Ok(configs.iter().map(|c| self.cache[c].clone()).collect())
    }

    fn budget_left(&self) -> bool {
        self.evaluations - self.run_from < self.model.cfg.max_evaluations
    }

    /// Greedy add, then greedy remove, from `start`.
    fn run(&mut self, start: Vec<u32>) -> Result<(Vec<u32>, Eval), SimStaffingError> {
        let cap = self.model.cfg.max_agents;
        let mut counts = start;
        let mut eval = self.eval(std::slice::from_ref(&counts))?.remove(0);
        // Add until every target is met.
        while !eval.met() && self.budget_left() {
            let Some(worst) = eval.worst() else { break };
            let candidates = &self.model.types[worst].candidates;
            // Without this the search stopped at the cap with the row
            // merely "not met", which read like a staffing that was tried
            // and found short rather than one the limit cut off.
            self.at_group_limit |=
                !candidates.is_empty() && candidates.iter().all(|&g| counts[g] >= cap);
            let configs: Vec<Vec<u32>> = candidates
                .iter()
                .filter(|&&g| counts[g] < cap)
                .map(|&g| {
                    let mut c = counts.clone();
                    c[g] += 1;
                    c
                })
                .collect();
            let before = configs.len();
            let configs: Vec<Vec<u32>> = configs
                .into_iter()
                .filter(|c| scenario_agents(c) <= u64::from(MAX_SCENARIO_AGENTS))
                .collect();
            self.at_limit |= configs.len() < before;
            if configs.is_empty() {
                break;
            }
            let evals = self.eval(&configs)?;
            let mut best = 0;
            for i in 1..evals.len() {
                if better(evals[i].key(), evals[best].key()) {
                    best = i;
                }
            }
            counts = configs[best].clone();
            eval = evals[best].clone();
        }
        if !eval.met() {
            return Ok((counts, eval));
        }
        // Remove and exchange, each step strictly better in (cost, then
        // margins), so no configuration comes back and the search ends.
        loop {
            self.remove(&mut counts, &mut eval)?;
            if !self.budget_left() || !self.model.cfg.exchanges {
                break;
            }
            let Some(step) = self.exchange(&mut counts, &mut eval)? else {
                break;
            };
            self.follow(step, &mut counts, &mut eval)?;
        }
        Ok((counts, eval))
    }

    /// Repeats an exchange that was taken, twice as far each time it is
    /// taken again (back to once when a longer one is not): pooling agents
    /// into a cross-trained group moves many of them the same way, and one
    /// configuration per try walks that far in about `2 log₂` of the
    /// agents moved instead of a full removal and exchange step for each.
    fn follow(
        &mut self,
        (a, b, out, into): Move,
        counts: &mut Vec<u32>,
        eval: &mut Eval,
    ) -> Result<(), SimStaffingError> {
        let m = self.model;
        let mut scale = 2u32;
        while self.budget_left() {
            let (out_s, into_s) = (out * scale, into * scale);
            let fits = counts[a] >= out_s && counts[b].saturating_add(into_s) <= m.cfg.max_agents;
            let next = fits.then(|| {
                let mut c = counts.clone();
                c[a] -= out_s;
                c[b] += into_s;
                c
            });
            let taken = match next {
                Some(c) if scenario_agents(&c) <= u64::from(MAX_SCENARIO_AGENTS) => {
                    let e = self.eval(std::slice::from_ref(&c))?.remove(0);
                    let ok = e.met()
                        && (m.delta((a, b, out, into)) < 0.0 || leximin(&e) > leximin(eval));
                    if ok {
                        *counts = c;
                        *eval = e;
                    }
                    ok
                }
                _ => false,
            };
            scale = match (taken, scale) {
                (true, s) => s.saturating_mul(2),
                (false, 1) => break,
                (false, _) => 1,
            };
        }
        Ok(())
    }

    /// Removes one agent at a time while every target stays met: of the
    /// candidates that keep them, the one that saves most, then the best
    /// worst margin (with costs of 1, only the margin decides).
    fn remove(&mut self, counts: &mut Vec<u32>, eval: &mut Eval) -> Result<(), SimStaffingError> {
        let costs = &self.model.costs;
        while self.budget_left() {
            let groups: Vec<usize> = (0..counts.len()).filter(|&g| counts[g] > 0).collect();
            let configs: Vec<Vec<u32>> = groups
                .iter()
                .map(|&g| {
                    let mut c = counts.clone();
                    c[g] -= 1;
                    c
                })
                .collect();
            let evals = self.eval(&configs)?;
            let mut best: Option<usize> = None;
            for (i, e) in evals.iter().enumerate() {
                let wins = |b: usize| {
                    let (saves, saved) = (costs[groups[i]], costs[groups[b]]);
                    saves > saved || (saves == saved && better(e.key(), evals[b].key()))
                };
                if e.met() && best.is_none_or(wins) {
                    best = Some(i);
                }
            }
            let Some(b) = best else { break };
            *counts = configs[b].clone();
            *eval = evals[b].clone();
        }
        Ok(())
    }

    /// One exchange step from a staffing that meets every target and from
    /// which no agent can be removed: agents moved from a group `A` to a
    /// group `B` (one for one, two for one, one for two) at no more cost.
    /// A move is taken if it still meets every target and costs less, or
    /// costs the same and raises the margins ([`leximin`]: the worst, then
    /// the next worst, …) — room that the next removals can use. Of those,
    /// the one that saves most, then the best margins, then the first.
    /// Returns the move taken, if any.
    ///
    /// `B` is only a group that can serve the type that taking one agent
    /// from `A` leaves furthest below its target (that removal was
    /// simulated by the removal step, so it is known), or the type
    /// furthest below its target in `A`'s part of the center: a move
    /// whose `B` serves neither gives `A`'s types nothing back for what
    /// they lose, and is not simulated.
    fn exchange(
        &mut self,
        counts: &mut Vec<u32>,
        eval: &mut Eval,
    ) -> Result<Option<Move>, SimStaffingError> {
        let m = self.model;
        let ng = counts.len();
        let cap = m.cfg.max_agents;
        // The types of each group's part of the center (none: it serves no
        // type, and the removals have emptied it).
        let part: Vec<Option<usize>> = (0..ng)
            .map(|g| {
                (0..m.types.len())
                    .find(|&t| m.types[t].candidates.contains(&g))
                    .map(|t| m.component[t])
            })
            .collect();
        // The worst type of each part now.
        let worst_in = |c: usize| {
            (0..m.types.len())
                .filter(|&t| m.component[t] == c && !eval.margin[t].is_nan())
                .min_by(|&a, &b| eval.margin[a].total_cmp(&eval.margin[b]))
        };
        // (move, its configuration, what one agent fewer in `A` leaves).
        let mut moves: Vec<(Move, Vec<u32>, (f64, f64))> = Vec::new();
        for a in 0..ng {
            let Some(c) = part[a] else { continue };
            if counts[a] == 0 {
                continue;
            }
            let mut less = counts.clone();
            less[a] -= 1;
            let less = self.eval(std::slice::from_ref(&less))?.remove(0);
            let hurt = less.worst();
            let helps = |b: usize| {
                [hurt, worst_in(c)]
                    .into_iter()
                    .flatten()
                    .any(|t| m.types[t].candidates.contains(&b))
            };
            for b in (0..ng).filter(|&b| b != a && helps(b)) {
                for (out, into) in [(1, 1), (2, 1), (1, 2)] {
                    if counts[a] < out || counts[b] + into > cap {
                        continue;
                    }
                    if m.delta((a, b, out, into)) > 0.0 {
                        continue;
                    }
                    let mut next = counts.clone();
                    next[a] -= out;
                    next[b] += into;
                    if scenario_agents(&next) > u64::from(MAX_SCENARIO_AGENTS) {
                        continue;
                    }
                    moves.push(((a, b, out, into), next, less.key()));
                }
            }
        }
        // The most promising first (the largest saving, then the `A` that
        // loses least by giving one agent up), simulated a few at a time:
        // most steps take one of the first, and only the last step, which
        // finds nothing, needs them all. The batches do not depend on the
        // threads, so neither does the answer.
        moves.sort_by(|x, y| {
            m.delta(x.0)
                .total_cmp(&m.delta(y.0))
                .then(y.2.0.total_cmp(&x.2.0))
                .then(y.2.1.total_cmp(&x.2.1))
        });
        let now = leximin(eval);
        for batch in moves.chunks(EXCHANGE_BATCH) {
            if !self.budget_left() {
                break;
            }
            let configs: Vec<Vec<u32>> = batch.iter().map(|x| x.1.clone()).collect();
            let evals = self.eval(&configs)?;
            let mut best: Option<(usize, f64, Vec<Ordered>)> = None;
            for (i, e) in evals.iter().enumerate() {
                let d = m.delta(batch[i].0);
                let margins = leximin(e);
                if !(e.met() && (d < 0.0 || margins > now)) {
                    continue;
                }
                if best
                    .as_ref()
                    .is_none_or(|(_, db, mb)| d < *db || (d == *db && margins > *mb))
                {
                    best = Some((i, d, margins));
                }
            }
            if let Some((i, _, _)) = best {
                *counts = configs[i].clone();
                *eval = evals[i].clone();
                return Ok(Some(batch[i].0));
            }
        }
        Ok(None)
    }
}

/// The judged margins of `e`, lowest first, ordered so that `>` is
/// better: the worst margin, then the next worst, and so on.
fn leximin(e: &Eval) -> Vec<Ordered> {
    let mut m: Vec<Ordered> = e
        .margin
        .iter()
        .filter(|m| !m.is_nan())
        .map(|&m| Ordered(m))
        .collect();
    m.sort();
    m
}

/// An `f64` ordered by [`f64::total_cmp`].
#[derive(Debug, Clone, Copy)]
struct Ordered(f64);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Model<'_> {
    /// Simulates one configuration.
    fn simulate(&self, rates: &[f64], counts: &[u32]) -> Result<Eval, SimStaffingError> {
        let sim = Simulation::new(self.scenario(rates, counts))?;
        let opts = RunOptions {
            parallel: self.cfg.parallel,
            confidence: self.cfg.confidence,
            progress: None,
            cancel: None,
        };
        let reps = sim.replications_policy(&sim.scenario().policy, opts)?;
        Ok(self.judge(rates, counts, &reps))
    }

    /// Per type, the capacity of `counts` for it over its arrival rate
    /// when that is at most 1 (`None` otherwise, or for a type whose
    /// customers abandon, or without arrivals): a staffing under which the
    /// type's queue grows without end, whatever the run shows. Two
    /// necessary conditions for a steady state are checked: each type
    /// alone, against every agent who can serve it; and all the types
    /// without patience of a connected part of the center together,
    /// against every agent who can serve one of them. Capacity is an upper
    /// bound (contacts per second: slots ÷ handle time at the group's
    /// speed, summed over a group's channels; rings, pauses and abandoning
    /// types' work left out), so no staffing that can carry its load is
    /// named.
    fn overload(&self, rates: &[f64], counts: &[u32]) -> Vec<Option<f64>> {
        let nt = self.types.len();
        let rates = &self.queued(rates)[..];
        let patient = |t: usize| rates[t] > 0.0 && self.types[t].theta.is_none();
        let channel = |t: usize| &self.base.contact_types[t].channel;
        // Contacts of `t` per second one agent of group `g` can handle.
        let rate = |g: usize, t: usize| {
            let ty = &self.types[t];
            f64::from(self.servers[g][t]) / (ty.service / self.speed[g] + ty.wrap)
        };
        // The most the agents serving any type of `set` can handle of them.
        let capacity = |set: &[usize]| -> f64 {
            (0..self.speed.len())
                .filter(|&g| counts[g] > 0)
                .map(|g| {
                    let mut by_channel: BTreeMap<&String, f64> = BTreeMap::new();
                    for &t in set {
                        if self.types[t].candidates.contains(&g) {
                            let best = by_channel.entry(channel(t)).or_insert(0.0);
                            *best = best.max(rate(g, t));
                        }
                    }
                    f64::from(counts[g]) * by_channel.values().sum::<f64>()
                })
                .sum()
        };
        let mut ratio: Vec<Option<f64>> = vec![None; nt];
        let mut note = |t: usize, r: f64| {
            if r <= 1.0 {
                ratio[t] = Some(ratio[t].map_or(r, |q: f64| q.min(r)));
            }
        };
        for t in (0..nt).filter(|&t| patient(t)) {
            note(t, capacity(&[t]) / rates[t]);
        }
        let mut done: Vec<usize> = Vec::new();
        for &c in &self.component {
            if done.contains(&c) {
                continue;
            }
            done.push(c);
            let set: Vec<usize> = (0..nt)
                .filter(|&t| self.component[t] == c && patient(t))
                .collect();
            if set.len() > 1 {
                let r = capacity(&set) / set.iter().map(|&t| rates[t]).sum::<f64>();
                for &t in &set {
                    note(t, r);
                }
            }
        }
        ratio
    }

    /// Each type's service level over `reps` and its margin over the
    /// target. The estimate is the mean of the replications' own service
    /// levels (each the ratio of that replication's contacts, 0 where
    /// contacts arrived but none counts; a replication without arrivals of
    /// the type left out) with a Student-t interval over them (`n − 1`
    /// degrees of freedom): the independent-replications estimator, as a
    /// report's. It is not the service level of all the replications'
    /// contacts together; with few contacts of a type per replication the
    /// two can differ, and the search judges the former. The margin is
    /// what the rule judges (the mean, or the interval's lower end) less
    /// the target; an overloaded type's is below every margin a run shows.
    fn judge(&self, rates: &[f64], counts: &[u32], reps: &[Replication]) -> Eval {
        let overload = self.overload(rates, counts);
        let mut sl = Vec::with_capacity(self.types.len());
        let mut margin = Vec::with_capacity(self.types.len());
        let mut xs = Vec::with_capacity(reps.len());
        for (t, ty) in self.types.iter().enumerate() {
            xs.clear();
            xs.extend(reps.iter().map(|r| {
                let m = &r.by_type[t];
                match (m.offered > 0.0, m.service_level.is_finite()) {
                    (false, _) => f64::NAN,
                    (true, true) => m.service_level,
                    (true, false) => 0.0,
                }
            }));
            let e = Estimate::from_samples(&xs, self.cfg.confidence);
            let judged = self.cfg.rule.judged(&e);
            margin.push(match overload[t] {
                // No steady state: below every margin a run can show
                // (however short the run, however long the threshold),
                // and the less capacity the lower.
                Some(ratio) => -OVERLOADED * (2.0 - ratio),
                None if rates[t] * ty.passed > 0.0 && judged.is_finite() => {
                    judged - ty.judged.fraction
                }
                None => f64::NAN,
            });
            sl.push(e);
        }
        Eval { sl, margin }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worst type is the one least above its own target, named with
    /// its target: not the lowest service level when targets differ.
    #[test]
    fn the_table_names_the_type_furthest_below_its_own_target() {
        let e = |mean, half_width| Estimate {
            mean,
            half_width,
            n: 10,
        };
        let point = StaffingPoint {
            arrival_rates: vec![0.1, 0.1],
            offered_load: vec![2.0, 3.0],
            erlang_by_type: vec![4, 5],
            erlang_by_group: vec![9],
            erlang_total: 9,
            // Erlang's staffing: "quick" at 0.70 is 0.10 under its 0.80;
            // "careful" at 0.90 is 0.025 under its 0.925.
            erlang_service_level: Some(vec![e(0.70, 0.01), e(0.90, 0.01)]),
            agents_by_group: vec![10],
            agents_total: 10,
            difference: 1,
            cost: 10.0,
            // The search's: "quick" has the lower level (0.85) but 0.05 to
            // spare; "careful" (0.93) only 0.005. By the interval's low end,
            // "quick" is 0.03 short (0.77), "careful" 0.004 over (0.929).
            service_level: vec![e(0.85, 0.08), e(0.93, 0.001)],
            met: true,
            agent_limit: false,
            group_limit: false,
            evaluations: 3,
            out_of_reach: vec![],
            reach: vec![None; 2],
            staffed_to: vec![None; 2],
        };
        let table = StaffingTable {
            scenario: "two targets".into(),
            groups: vec!["all".into()],
            contact_types: vec!["quick".into(), "careful".into()],
            targets: vec![
                ServiceTarget {
                    threshold: 20.0,
                    fraction: 0.8,
                    short_abandon: 0.0,
                },
                ServiceTarget {
                    threshold: 60.0,
                    fraction: 0.925,
                    short_abandon: 0.0,
                },
            ],
            seed: 1,
            replications: 10,
            run_length: 3600.0,
            day_start: Some(8.0 * 3600.0),
            warm_up: 0.0,
            confidence: 0.95,
            rule: MeetRule::Mean,
            group_costs: vec![1.0],
            simulated_configurations: 3,
            intervals: vec![IntervalStaffing {
                index: 0,
                start: 0.0,
                end: 1800.0,
                label: "08:00-08:30".into(),
                point,
            }],
        };
        let row = |table: &StaffingTable| {
            let text = table.to_string();
            let row = text.lines().nth(1).unwrap().to_string();
            assert!(row.starts_with("08:00-08:30 "), "{text}");
            row.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let words = row(&table);
        assert!(
            words.ends_with(" quick 70.0±1.0 (80% in 20 s) careful 93.0±0.1 (92.5% in 60 s)"),
            "{words}"
        );
        let lower = StaffingTable {
            rule: MeetRule::LowerBound,
            ..table
        };
        let words = row(&lower);
        assert!(
            words.ends_with(" quick 70.0±1.0 (80% in 20 s) quick 85.0±8.0 (80% in 20 s)"),
            "{words}"
        );
    }

    /// No line of the table ends in spaces, and its service-level columns
    /// start where their headings do whatever the cells: a half-width of
    /// 100% or more (few replications) took one character more than its
    /// slot and pushed the next column out of line, and a short type name
    /// and target left the slot narrower than its heading.
    #[test]
    fn the_table_lines_up_and_has_no_trailing_spaces() {
        let e = |mean, half_width| Estimate {
            mean,
            half_width,
            n: 2,
        };
        let point = |erlang: Estimate, sim: Estimate, met| StaffingPoint {
            arrival_rates: vec![0.1],
            offered_load: vec![2.0],
            erlang_by_type: vec![4],
            erlang_by_group: vec![4],
            erlang_total: 4,
            erlang_service_level: Some(vec![erlang]),
            agents_by_group: vec![4],
            agents_total: 4,
            difference: 0,
            cost: 4.0,
            service_level: vec![sim],
            met,
            agent_limit: false,
            group_limit: false,
            evaluations: 1,
            out_of_reach: vec![],
            reach: vec![None],
            staffed_to: vec![None],
        };
        let rows = [
            point(e(0.85, 0.02), e(0.85, 0.02), true),
            point(e(0.5, 6.353), e(0.995, 1.2), true),
            point(e(0.25, 0.5), e(0.4, 3.0), false),
        ];
        let table = StaffingTable {
            scenario: "extremes".into(),
            groups: vec!["g".into()],
            contact_types: vec!["t".into()],
            targets: vec![ServiceTarget {
                threshold: 20.0,
                fraction: 0.8,
                short_abandon: 0.0,
            }],
            seed: 1,
            replications: 2,
            run_length: 3600.0,
            day_start: None,
            warm_up: 0.0,
            confidence: 0.95,
            rule: MeetRule::Mean,
            group_costs: vec![1.0],
            simulated_configurations: 3,
            intervals: rows
                .into_iter()
                .enumerate()
                .map(|(index, point)| IntervalStaffing {
                    index,
                    start: index as f64 * 1800.0,
                    end: (index + 1) as f64 * 1800.0,
                    label: format!("row-{index}"),
                    point,
                })
                .collect(),
        };
        let text = table.to_string();
        assert!(
            text.contains("50.0±635.3") && text.contains("99.5±120.0"),
            "{text}"
        );
        for line in text.lines() {
            assert!(!line.ends_with(' '), "{line:?}\n{text}");
        }
        let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        let at = |heading: &str| {
            let header: String = lines[0].iter().collect();
            header[..header.find(heading).unwrap()].chars().count()
        };
        for col in [at("worst SL erlang"), at("worst SL sim")] {
            assert_eq!(lines[0][col - 1], ' ', "{text}");
            for row in &lines[1..4] {
                assert!(
                    row[col - 1] == ' ' && row[col] == 't',
                    "column {col}:\n{text}"
                );
            }
        }
    }

    #[test]
    fn piecewise_rates_average_over_the_interval() {
        let a = ArrivalSpec::Piecewise {
            interval: 1800.0,
            rates: vec![1.0, 3.0],
        };
        assert_eq!(mean_rate(&a, 0.0, 1800.0), 1.0);
        assert_eq!(mean_rate(&a, 0.0, 3600.0), 2.0);
        assert_eq!(mean_rate(&a, 900.0, 2700.0), 2.0);
        assert_eq!(mean_rate(&a, 3600.0, 5400.0), 0.0);
        assert_eq!(
            mean_rate(&ArrivalSpec::Poisson { rate: 0.5 }, 0.0, 10.0),
            0.5
        );
    }

    #[test]
    fn bad_parameters_are_typed_errors() {
        let s = single_skill_scenario(
            1.0,
            0.1,
            None,
            ServiceTarget {
                threshold: 1.0,
                fraction: 0.8,
                short_abandon: 0.0,
            },
        );
        let e = SimStaffing::new().replications(1).staff(&s).unwrap_err();
        assert!(matches!(
            e,
            SimStaffingError::InvalidConfig {
                field: "replications",
                ..
            }
        ));
        let e = SimStaffing::new()
            .run_length(f64::NAN)
            .staff(&s)
            .unwrap_err();
        assert!(matches!(
            e,
            SimStaffingError::InvalidConfig {
                field: "run_length",
                ..
            }
        ));
        let e = SimStaffing::new().staff_rates(&s, &[1.0, 2.0]).unwrap_err();
        assert!(matches!(e, SimStaffingError::InvalidRates { .. }));
        let e = SimStaffing::new().staff_rates(&s, &[-1.0]).unwrap_err();
        assert!(matches!(e, SimStaffingError::InvalidRates { .. }));
        let mut t = s.clone();
        t.service_levels.get_mut("voice").unwrap().fraction = 1.0;
        let e = SimStaffing::new().staff(&t).unwrap_err();
        assert!(
            matches!(&e, SimStaffingError::InvalidTarget { field, .. } if field == "service_levels.voice"),
            "{e}"
        );
        // A type's own target is named as its own.
        let mut t = s.clone();
        t.contact_types[0].service_level = Some(ServiceTarget {
            threshold: 1.0,
            fraction: 1.0,
            short_abandon: 0.0,
        });
        let e = SimStaffing::new().staff(&t).unwrap_err();
        assert_eq!(
            e.to_string(),
            "contact_types[0].service_level: fraction must be in (0, 1) for a staffing search, got 1"
        );
        let mut t = s.clone();
        t.contact_types[0].arrivals = ArrivalSpec::Trace {
            times: vec![1.0],
            file: None,
        };
        let e = SimStaffing::new().staff(&t).unwrap_err();
        assert!(matches!(e, SimStaffingError::UnsupportedArrivals { .. }));
    }
}
