//! Scenarios: what a simulated contact center looks like (serde: TOML and JSON).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

#[path = "csv_rows.rs"]
mod csv_rows;

use super::dist::{Dist, Sampler, Written, locate};
use crate::model::{Agent, AgentId, ChannelId, Contact, ContactId, SkillId, TierId};
use crate::policy::{PolicySpec, PolicySpecError};
use crate::router::{RouterConfig, num};
use crate::score::FitModel;

/// Why a scenario cannot run. Every variant names the field at fault, as a
/// path like `groups[1].skills.tech`. Fatal: nothing is simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// The text is not valid TOML or JSON, or does not have the scenario's
    /// shape (a distribution's field of the wrong type, missing or unknown
    /// is [`Invalid`](ScenarioError::Invalid) instead, naming its path).
    #[error("{format} scenario does not parse: {message}")]
    Parse {
        /// `"TOML"` or `"JSON"`.
        format: &'static str,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A value breaks a rule (a negative rate, an empty list, a string
    /// where a distribution wants a number…).
    #[error("{field}: {rule}")]
    Invalid {
        /// The field.
        field: String,
        /// What it must be.
        rule: String,
    },
    /// A skill that is not in the scenario's `skills`.
    #[error("{field}: unknown skill {skill:?} (the scenario's skills: {declared})")]
    UnknownSkill {
        /// The field.
        field: String,
        /// The name given.
        skill: String,
        /// The names the scenario declares, listed for the message (the
        /// first 20 of a longer list, and how many more).
        declared: String,
    },
    /// A channel that is not in the scenario's `channels`.
    #[error("{field}: unknown channel {channel:?} (the scenario's channels: {declared})")]
    UnknownChannel {
        /// The field.
        field: String,
        /// The name given.
        channel: String,
        /// The names the scenario declares, listed for the message (the
        /// first 20 of a longer list, and how many more).
        declared: String,
    },
    /// An agent group with no agents.
    #[error("{field}: the group has no agents (count must be >= 1)")]
    EmptyGroup {
        /// The field (the group's `count`).
        field: String,
    },
    /// A customer segment that no contact type's `segments` mix names.
    #[error("{field}: unknown segment {segment:?} (no contact type has it in its `segments`)")]
    UnknownSegment {
        /// The field.
        field: String,
        /// The name given.
        segment: String,
    },
    /// An agent group that is not in the scenario's `groups`.
    #[error("{field}: unknown agent group {group:?}")]
    UnknownGroup {
        /// The field.
        field: String,
        /// The name given.
        group: String,
    },
    /// A contact type that no agent group can serve (channel or skills).
    #[error(
        "{field}: no agent group can serve contact type {contact_type:?} (channel and every required skill at its level): {why}"
    )]
    Unservable {
        /// The field (the contact type).
        field: String,
        /// The contact type's name.
        contact_type: String,
        /// What each group lacks (the first 20 groups), e.g. `group "early"
        /// has sales at 4, needs 5`.
        why: String,
    },
}

/// A scenario's policy is its field `policy`: the same message as the
/// policy's own error, as [`ScenarioError::Invalid`].
impl From<PolicySpecError> for ScenarioError {
    fn from(e: PolicySpecError) -> Self {
        invalid("policy", e.rule())
    }
}

/// So that `spec.validate()?` reads as it did when [`PolicySpec`] was the
/// simulator's own and its errors were [`ScenarioError`]s.
impl From<PolicySpecError> for super::SimError {
    fn from(e: PolicySpecError) -> Self {
        ScenarioError::from(e).into()
    }
}

fn invalid(field: impl Into<String>, rule: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        field: field.into(),
        rule: rule.into(),
    }
}

/// The built-in channel names, in [`ChannelId`] order.
pub const DEFAULT_CHANNELS: [&str; 5] = ["voice", "chat", "messaging", "email", "social"];

fn default_channels() -> Vec<String> {
    DEFAULT_CHANNELS.iter().map(|s| s.to_string()).collect()
}
fn one_u32() -> u32 {
    1
}
fn one_f64() -> f64 {
    1.0
}
fn default_seed() -> u64 {
    1
}

/// The default [`Scenario::max_in_system`]: far above what any real center
/// holds at once, and about 300 MB of contacts (some 300 bytes each, the
/// router's copy included) per replication running.
pub const DEFAULT_MAX_IN_SYSTEM: u32 = 1_000_000;

fn default_max_in_system() -> u32 {
    DEFAULT_MAX_IN_SYSTEM
}
// Left out of a scenario written back at the default, so that files and
// keys of scenarios that never set it stay as they were.
fn is_default_max_in_system(n: &u32) -> bool {
    *n == DEFAULT_MAX_IN_SYSTEM
}

/// A whole simulated contact center (serde: TOML and JSON).
///
/// A [`Scenario`] is plain data, read from a file or built in code. It is
/// checked as a whole before anything runs: [`Scenario::validate`] (called by
/// every loader and by [`crate::sim::Simulation::new`]) returns the first
/// problem as a [`ScenarioError`] naming the field, e.g.
/// `contact_types[2].requires.tehc: unknown skill "tehc" (the scenario's
/// skills: billing, tech)`.
///
/// # Format
///
/// Times are in seconds, rates per second. Shift times too are seconds
/// from the run's start (time 0), not clock times: `day_start` only names
/// time 0 on the clock for the reports. A minimal TOML scenario:
///
/// ```toml
/// seed = 7
/// horizon = 28800.0        # simulated seconds
/// warm_up = 1800.0         # statistics over contacts arriving after this
/// replications = 10
/// interval = 1800.0        # report rows per 30 minutes (default: one row)
/// skills = ["billing", "tech"]
///
/// [[groups]]
/// name = "generalists"
/// count = 25
/// skills = { billing = 7, tech = 5 }   # levels 1..=10
/// capacity = { voice = 1 }             # concurrent contacts per channel
/// shifts = [{ start = 0.0, end = 28800.0 }]   # none: on for the whole run
///
/// [[groups]]
/// name = "planned"         # a staffing plan: count is the headcount,
/// count = 12               # each shift's count who works it
/// skills = { billing = 5 }
/// capacity = { voice = 1 }
/// shifts = [{ start = 0.0, end = 14400.0, count = 8 },
///           { start = 14400.0, end = 28800.0, count = 12 }]   # 4 more join
///
/// [[contact_types]]
/// name = "billing-call"
/// channel = "voice"
/// requires = { billing = 5 }
/// segments = { standard = 0.9, gold = 0.1 }
/// arrivals = { kind = "poisson", rate = 0.05 }
/// service = { kind = "lognormal", mean = 240.0, sd = 120.0 }
/// patience = { kind = "exponential", mean = 180.0 }   # none: never abandons
/// wrap_up = { kind = "constant", value = 20.0 }
/// service_level = { threshold = 15.0, fraction = 0.9 }   # none: its channel's
///
/// [[contact_types]]
/// name = "tech-call"                   # judged by the voice target below
/// channel = "voice"
/// requires = { tech = 3 }
/// arrivals = { kind = "poisson", rate = 0.02 }
/// service = { kind = "exponential", mean = 400.0 }
/// # a bot first: it resolves 30% alone, the others queue after its 60 s
/// self_service = { containment = 0.3, time = { kind = "constant", value = 60.0 } }
///
/// [policy]
/// kind = "optimal-assignment"
///
/// [service_levels]          # short_abandon: abandons within 5 s are not in it
/// voice = { threshold = 20.0, fraction = 0.8, short_abandon = 5.0 }
///
/// [offers]                 # optional: offers ring until answered or timed out
/// ring_delay = { kind = "exponential", mean = 4.0 }
/// timeout = 12.0
/// rona_pause = { kind = "constant", value = 120.0 }   # not ready after a time-out
///
/// [fit]                    # optional: customer fit, segment × agent group
/// default = 0.5            # every pair not listed
/// segments = { gold = { generalists = 0.9 } }
/// ```
///
/// Channels are named `voice`, `chat`, `messaging`, `email`, `social` (the
/// conventional [`ChannelId`]s 0–4) unless the scenario lists its own
/// `channels`. Arrival processes: `poisson` (`rate`), `piecewise` (`interval`
/// and one `rates` entry per interval from time 0; 0 after the last), `trace`
/// (`times`, or a CSV `file` of `time[,type]` rows, relative to the scenario
/// file; a type whose name holds a comma in double quotes). Distributions
/// are described in [`Dist`].
///
/// A shift's optional `count` is how many of its group work it (the
/// group's first ones, 0 to the group's `count`; default all): the group's
/// `count` is then the headcount its shifts draw on. Back to back (one
/// ending where the next starts), only the difference changes: the agents
/// on both stay on as they are, those leaving finish what they hold and
/// log out, those joining log in. `staffing --scenario X.toml --write-plan
/// PLAN.toml` writes a scenario whose shifts are its plan
/// ([`Scenario::with_staffing`]), for `simulate PLAN.toml` to run.
///
/// # Customer fit
///
/// `fit` (optional, a [`FitSpec`]) says how well each agent group suits each
/// customer segment: a value in `0..=1` per (segment, group) pair, `default`
/// for the pairs not listed. The router gets it as its
/// [`FitModel`](crate::score::FitModel), so it is the score's `fit` term
/// (times `router.weights.fit`); only policies that rank pairs by score use
/// it (`optimal-assignment`). Whatever the policy, the report's `mean_fit`
/// ([`Metrics::mean_fit`](crate::sim::Metrics::mean_fit)) is the mean fit of
/// the contacts answered, so the policies' matching can be compared. A
/// segment must be drawn by some contact type (`segments`, or `default` for
/// a type without a mix) and a group must exist: a typo is an error naming
/// the field, e.g. `fit.segments.gold.generalist: unknown agent group`.
///
/// # Outcomes
///
/// `outcomes` (optional, an [`OutcomeSpec`]) is the ground truth of what
/// service achieves, which the router never sees: `outcomes.resolution`, a
/// table of the same shape as `fit`, gives the probability that a contact
/// of a segment served by a group is resolved. Each contact draws one
/// uniform number on arrival, from its type's own stream
/// ([`Purpose::Outcome`](crate::sim::rng::Purpose::Outcome)), and is
/// resolved if it is below the probability of the pair that serves it. So
/// under common random numbers a customer's outcome changes between two
/// policies only if the group that serves it does, and the paired
/// difference of the report's `resolution` measures the routing alone.
///
/// The router is told the outcome when the work ends
/// ([`Outcome::resolved`](crate::model::Outcome::resolved), through
/// [`RoutingPolicy::observe_outcome`](crate::RoutingPolicy::observe_outcome)),
/// as an ACD learns it from its CRM. `fit` is then the router's estimate and
/// `outcomes` the truth: they may differ, to study a policy that routes on a
/// wrong estimate. The report's
/// [`Metrics::resolution`](crate::sim::Metrics::resolution) is the share of
/// answered contacts resolved.
///
/// ```toml
/// [outcomes.resolution]
/// default = 0.7                                  # every pair not listed
/// segments = { gold = { experts = 0.9, generalists = 0.6 } }
/// ```
///
/// # Periodic re-plans
///
/// `rebalance_every` (optional, seconds > 0) makes the simulator send the
/// router [`Event::Rebalance`](crate::Event::Rebalance) at every multiple of
/// it before the horizon (`every`, `2·every`, …; none at time 0, none past
/// the horizon but the batch window's last, below): a global re-plan of every waiting contact
/// against every free slot, as a batching ACD would run on a timer. The
/// built-in policies are non-idling (no waiting contact is ever left beside
/// a free eligible slot), so for them alone a re-plan finds nothing to change
/// and measures only its cost; it matters for policies that hold work.
///
/// `batch_window = true` makes any policy hold work: it is asked to decide
/// only in the re-plans (at the multiples of `rebalance_every`) and at time
/// 0, so arrivals and freed agents collect for one period and are then
/// matched all at once — an arrival or a freed agent at a re-plan's very
/// instant too, not decided alone ahead of the contacts that waited the
/// period (one the event list has after the re-plan is decided at once,
/// with what the re-plan left) — by the assignment solver under
/// `optimal-assignment`, most urgent contact first under the others. This is
/// the batch window's trade-off, wait against fit, to be measured. A
/// draining run gets one last re-plan at the horizon to close the last
/// window (events at the horizon that the event list has before it join
/// it, as at any re-plan); after it nothing is held.
/// [`Replication::rebalances`](crate::sim::Replication::rebalances) counts
/// the re-plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name for reports.
    #[serde(default)]
    pub name: String,
    /// The master seed; every random stream derives from it (see [`crate::sim::rng`]).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated seconds; no contact arrives at or after it.
    pub horizon: f64,
    /// Statistics cover contacts arriving at or after this time, and agent
    /// time after it.
    #[serde(default)]
    pub warm_up: f64,
    /// Independent replications (each with its own random streams), at
    /// most 1,000,000.
    #[serde(default = "one_u32")]
    pub replications: u32,
    /// Length of a report interval in seconds (default: one interval, the horizon).
    /// At most 1,000,000 intervals, and at most 100,000 report cells:
    /// intervals × (1 + contact types + channels in use + groups), each
    /// about 2.7 kB of JSON, so that a report stays within about 270 MB (a
    /// week at 15-minute intervals of 20 types, 5 channels and 20 groups is
    /// 31,584 cells).
    #[serde(default)]
    pub interval: Option<f64>,
    /// The time of day at simulated time 0, `"HH:MM"` or `"HH:MM:SS"`
    /// (`"8:00"` will do; default: none). Reports then label their intervals with clock
    /// times (`08:00-08:30`, a day later `08:00+1d`) rather than time
    /// elapsed (`00:00-00:30`), and the plots' time axes read as clocks.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day_start_text"
    )]
    pub day_start: Option<String>,
    /// After the horizon, keep simulating (without arrivals) until every
    /// contact has left or nothing more can happen. Default: stop at the horizon.
    /// The contacts served after it count in full; agents' time (occupancy,
    /// utilisation, agents) still covers the open day only, up to the horizon.
    /// The center is closed: the agents on shift at the horizon serve what
    /// is left until their shifts end, and a shift starting at or after the
    /// horizon does not start (a contact that only such a shift could serve
    /// is still in the system at the end; [`Scenario::warnings`] names the
    /// shifts).
    #[serde(default)]
    pub drain: bool,
    /// Send the router a global re-plan ([`Event::Rebalance`](crate::Event::Rebalance))
    /// every this many seconds (> 0); none by default. See [Periodic re-plans](#periodic-re-plans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebalance_every: Option<f64>,
    /// With `rebalance_every`: a batch window. The policy decides only at
    /// the re-plans; arrivals and freed agents wait for the next one
    /// (default false). See [Periodic re-plans](#periodic-re-plans).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub batch_window: bool,
    /// Channel names; a channel's [`ChannelId`] is its position.
    #[serde(default = "default_channels")]
    pub channels: Vec<String>,
    /// Skill names; a skill's [`SkillId`] is its position.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Agent groups.
    pub groups: Vec<GroupSpec>,
    /// Contact types.
    pub contact_types: Vec<ContactTypeSpec>,
    /// The routing policy (default: longest idle agent).
    #[serde(default)]
    pub policy: PolicySpec,
    /// Score weights and the decline cool-down of the router. The simulator
    /// sets `auto_accept` itself: on when offers do not ring (no
    /// `offers.ring_delay`), so that the router connects each offer at once;
    /// `auto_accept = true` beside a ring delay is an error. It also turns
    /// `explain` off: no report reads an offer's score breakdown.
    #[serde(default)]
    pub router: RouterConfig,
    /// Service-level targets per channel name (default for a channel not
    /// listed: 80% within 20 s).
    #[serde(default, deserialize_with = "unique_keys")]
    pub service_levels: BTreeMap<String, ServiceTarget>,
    /// How agents answer offers (default: at once).
    #[serde(default)]
    pub offers: OfferSpec,
    /// Customer fit per (segment, agent group); none: every pair fits 0
    /// (the router's neutral fit). See [Customer fit](#customer-fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<FitSpec>,
    /// Ground truth the router never sees: how likely a served contact is
    /// resolved, per (segment, agent group); none: outcomes are unknown. See
    /// [Outcomes](#outcomes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<OutcomeSpec>,
    /// Announce an expected wait to each contact left waiting on arrival,
    /// as an ACD's "your expected wait is…" message: the router's
    /// [`Router::expected_wait`](crate::Router::expected_wait), and report
    /// how well it predicted the wait of those answered
    /// ([`Metrics::ewt_bias`](crate::sim::Metrics::ewt_bias),
    /// [`Metrics::ewt_mae`](crate::sim::Metrics::ewt_mae)). Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expected_wait: bool,
    /// The most contacts in the system at once (waiting, ringing, in
    /// service or wrap-up; not those in a self-service tier, which are
    /// bounded by the arrivals during the time there), > 0; default
    /// [`DEFAULT_MAX_IN_SYSTEM`]. An
    /// arrival beyond it ends the replication with
    /// [`SimError::InSystemLimit`](crate::sim::SimError::InSystemLimit):
    /// memory grows with the contacts in the system, and an unstable queue
    /// (a rate per hour written as per second) has no bound, so without a
    /// limit it ends in an out-of-memory abort instead of an error. A run
    /// that stays under it gives the same report whatever the limit.
    #[serde(
        default = "default_max_in_system",
        skip_serializing_if = "is_default_max_in_system"
    )]
    pub max_in_system: u32,
    /// Directory that relative trace files are read from (set by [`Scenario::load`]).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// A group of identical agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// The group's name.
    pub name: String,
    /// How many agents (≥ 1; at most 1,000,000 over all the groups): with
    /// shifts that give their own `count`, the headcount they draw on.
    pub count: u32,
    /// Skill name → proficiency level `1..=10`.
    #[serde(default, deserialize_with = "unique_keys")]
    pub skills: BTreeMap<String, u8>,
    /// Channel name → concurrent contacts (e.g. `{ voice = 1 }` or `{ chat = 3 }`).
    #[serde(deserialize_with = "unique_keys")]
    pub capacity: BTreeMap<String, u16>,
    /// Cap on concurrent contacts over all channels (default: the largest per channel).
    #[serde(default)]
    pub total_capacity: Option<u16>,
    /// Service speed: service time = sampled work / speed (default 1).
    #[serde(default = "one_f64")]
    pub speed: f64,
    /// When the agents work: sorted, non-overlapping `[start, end)` intervals,
    /// each with the agents on it ([`Shift::count`]). Empty: the whole run,
    /// every agent.
    #[serde(default)]
    pub shifts: Vec<Shift>,
}

/// Customer fit: how well each agent group suits each customer segment
/// (see [Customer fit](Scenario#customer-fit)).
///
/// ```toml
/// [fit]
/// default = 0.2                  # every (segment, group) pair not listed
/// [fit.segments.gold]            # segment name
/// tech-experts = 0.9             # agent group name = fit in 0..=1
/// generalists = 0.4
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitSpec {
    /// The fit of every (segment, group) pair not listed, in `0..=1` (default 0).
    #[serde(default)]
    pub default: f64,
    /// Segment name → agent group name → fit in `0..=1`.
    #[serde(default, deserialize_with = "unique_rows")]
    pub segments: BTreeMap<String, BTreeMap<String, f64>>,
}

/// A table of names read with each name once. TOML refuses a key given
/// twice, but JSON's parser keeps the last silently: `{"billing": 6, ...,
/// "billing": 2}`, edited by hand, would give the group level 2 without a
/// word.
fn unique_keys<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Keys<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Keys<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table of names")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            use serde::de::Error;
            let mut out = BTreeMap::new();
            while let Some(k) = m.next_key::<String>()? {
                if out.contains_key(&k) {
                    return Err(A::Error::custom(format!(
                        "{k:?} is given twice in one table (JSON would keep the last without a word)"
                    )));
                }
                let v = m.next_value()?;
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Keys(std::marker::PhantomData))
}

/// [`unique_keys`] on a table of tables (the fit's segments × groups).
fn unique_rows<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, BTreeMap<String, f64>>, D::Error> {
    struct Row(BTreeMap<String, f64>);
    impl<'de> Deserialize<'de> for Row {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Row, D::Error> {
            unique_keys(d).map(Row)
        }
    }
    let rows: BTreeMap<String, Row> = unique_keys(d)?;
    Ok(rows.into_iter().map(|(k, r)| (k, r.0)).collect())
}

/// Ground-truth outcomes of service (see [Outcomes](Scenario#outcomes)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSpec {
    /// The probability, in `0..=1`, that a contact of a segment served by an
    /// agent of a group is resolved (the same shape as the fit table:
    /// `default`, and `segments.SEGMENT.GROUP`).
    pub resolution: FitSpec,
}

/// A working interval `[start, end)` in seconds from the run's start
/// (time 0, the clock's `day_start`), not clock times: with `day_start =
/// "08:00"`, a shift from 09:00 to 17:00 is `{ start = 3600.0, end =
/// 32400.0 }`. A clock time written here (`"09:00"`, or TOML's `09:00:00`)
/// is an error that says so.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    /// Agents log in and become ready.
    #[serde(deserialize_with = "shift_start")]
    pub start: f64,
    /// Agents stop taking work, finish what they hold, and log out
    /// (`inf`: never; in JSON, which has no infinity, `null`).
    #[serde(deserialize_with = "shift_end")]
    pub end: f64,
    /// How many of the group's agents work this shift: its first `count`
    /// (0 to the group's `count`; 0: nobody). Default: all of them. The
    /// group's `count` is then the headcount the shifts draw on. When a
    /// shift starts where the one before ends, only the difference
    /// changes: the agents of both stay on as they are (no log-out, their
    /// pauses and the contacts they hold untouched), those leaving finish
    /// what they hold and log out, those joining log in and become ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

impl Shift {
    /// A shift of every agent of its group from `start` to `end`.
    pub fn new(start: f64, end: f64) -> Shift {
        Shift {
            start,
            end,
            count: None,
        }
    }
}

impl GroupSpec {
    /// The agents of the group who work shift `sh`: its `count`, or the
    /// whole group.
    fn shift_count(&self, sh: &Shift) -> u32 {
        sh.count.unwrap_or(self.count)
    }

    /// The shifts that someone works (a `count` of 0 leaves nobody on).
    fn worked_shifts(&self) -> impl Iterator<Item = &Shift> {
        self.shifts.iter().filter(|sh| self.shift_count(sh) > 0)
    }

    /// The most of the group's agents on shift at once: its `count`
    /// without shifts, else its largest shift's.
    fn peak_count(&self) -> u32 {
        if self.shifts.is_empty() {
            return self.count;
        }
        self.shifts
            .iter()
            .map(|sh| self.shift_count(sh))
            .max()
            .unwrap_or(0)
    }

    /// The agents of the group on shift at time `at` (seconds from the
    /// run's start): its `count` without shifts, the `count` of the shift
    /// `[start, end)` holding `at`, 0 between shifts. Agents who left
    /// and still finish a contact are not counted.
    pub fn on_shift_at(&self, at: f64) -> u32 {
        if self.shifts.is_empty() {
            return self.count;
        }
        self.shifts
            .iter()
            .find(|sh| sh.start <= at && at < sh.end)
            .map_or(0, |sh| self.shift_count(sh))
    }
}

fn shift_start<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(ShiftTime { end: false })
}

fn shift_end<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(ShiftTime { end: true })
}

/// Reads a shift's time in seconds. A planner's first try is a clock time
/// (`"08:00"`, or TOML's unquoted `08:00:00`, which the parser hands over
/// as a map): serde's own words for it, "expected f64" or "invalid type:
/// map", do not say that the field wants seconds from the run's start.
struct ShiftTime {
    /// `end`, which may be `null` (JSON's infinity: the shift never ends).
    end: bool,
}

impl ShiftTime {
    fn clock<E: serde::de::Error>(&self, text: &str) -> E {
        let at = parse_day_start(text)
            .map(|s| format!(" ({text} is {s} s after midnight; less the day_start's, e.g. 28800 for \"08:00\")"))
            .unwrap_or_default();
        E::custom(format!(
            "shift {} {text:?}: shift times are seconds from the run's start (time 0), a number \
             such as 3600.0, not clock times{at}",
            if self.end { "end" } else { "start" },
        ))
    }
}

impl<'de> serde::de::Visitor<'de> for ShiftTime {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("seconds from the run's start (a number)")?;
        if self.end {
            f.write_str(", or null (never ends)")?;
        }
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
        Err(self.clock(v))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<f64, E> {
        if self.end {
            Ok(f64::INFINITY)
        } else {
            Err(E::invalid_type(serde::de::Unexpected::Unit, &self))
        }
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<f64, E> {
        self.visit_unit()
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
        d.deserialize_any(self)
    }
    // A TOML date or time arrives as a one-entry map holding its text.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<f64, A::Error> {
        use serde::de::Error;
        match map.next_entry::<String, String>() {
            Ok(Some((_, text))) => Err(self.clock(&text)),
            _ => Err(A::Error::invalid_type(serde::de::Unexpected::Map, &self)),
        }
    }
}

/// A kind of contact: channel, needs, customers and arrival process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactTypeSpec {
    /// The type's name.
    pub name: String,
    /// Channel name.
    pub channel: String,
    /// Skill name → minimum level `1..=10`.
    #[serde(default, deserialize_with = "unique_keys")]
    pub requires: BTreeMap<String, u8>,
    /// Priority (higher first under priority policies).
    #[serde(default)]
    pub priority: u8,
    /// Value tier.
    #[serde(default)]
    pub tier: u8,
    /// Segment name → weight (default: one segment, `default`).
    #[serde(default, deserialize_with = "unique_keys")]
    pub segments: BTreeMap<String, f64>,
    /// The arrival process.
    pub arrivals: ArrivalSpec,
    /// Service-time distribution (work at speed 1).
    pub service: Dist,
    /// Patience distribution; none: customers never abandon.
    #[serde(default)]
    pub patience: Option<Dist>,
    /// Wrap-up (after-contact work) distribution; none: no wrap-up.
    #[serde(default)]
    pub wrap_up: Option<Dist>,
    /// This type's own service-level target (say, gold billing calls 90%
    /// within 15 s), in place of its channel's in `service_levels`. Each
    /// contact's answer counts as within target against its own type's
    /// threshold, in every row it belongs to.
    #[serde(default)]
    pub service_level: Option<ServiceTarget>,
    /// A self-service tier (a bot, an IVR) that every contact of the type
    /// enters first; none: contacts reach the queue as they arrive. See
    /// [`SelfService`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_service: Option<SelfService>,
    /// Outbound or proactive work (blending): the type's items wait in a
    /// dialer, which releases them to the router only while enough agents
    /// able to serve them are free; none: contacts reach the queue as they
    /// arrive. See [`Dialer`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialer: Option<Dialer>,
}

impl ContactTypeSpec {
    /// The share of its arrivals that reach its queue: what its
    /// self-service tier does not contain (all of them without a tier).
    pub(crate) fn passed_on(&self) -> f64 {
        self.self_service
            .as_ref()
            .map_or(1.0, |ss| 1.0 - ss.containment)
    }
}

/// A self-service tier in front of a contact type's queue: machines take
/// the standard steps, people the hard ones. Each contact that arrives
/// spends [`time`](Self::time) there; the tier resolves a share
/// [`containment`](Self::containment) of them on its own (they leave), and
/// the others reach the queue at the end of their time there, as arrivals
/// of the type then: their wait, patience, service-level clock and
/// interval start at that instant (the customer's time with the bot is not
/// time in queue). Whether a contact is contained, and its time there, are
/// drawn from a stream of their own ([`Purpose::SelfService`](super::rng::Purpose::SelfService)), so
/// every policy meets the same customers, and adding a tier to one type
/// leaves the other types' and purposes' draws as they were.
///
/// With Poisson arrivals at rate λ the contacts the tier passes on are, in
/// the long run, a Poisson stream at rate λ(1 − containment), whatever the
/// time distribution (M/G/∞'s departures): the queue behind it is the same
/// queue fed that rate. Reports count the tier in `self_served`,
/// `contained` and `containment` ([`Metrics`](super::Metrics)).
///
/// ```toml
/// self_service = { containment = 0.3, time = { kind = "exponential", mean = 90.0 } }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfService {
    /// The share of contacts resolved in self-service, in `0..=1`.
    pub containment: f64,
    /// Time spent in self-service (s), by contained and passed-on contacts alike.
    pub time: Dist,
}

/// A dialer in front of a contact type: its items are outbound or
/// proactive work (calls to make, e-mails to answer ahead of time) that
/// fill the agents' idle capacity at low priority, as a blending ACD's
/// dialer does. Items come from the type's `arrivals` (any process) and,
/// with [`backlog`](Self::backlog), from a campaign list present at time 0;
/// they do not reach the router when created, but wait in the dialer, the
/// oldest first. After every event, while the dialer holds an item of the
/// type and more than [`reserve`](Self::reserve) agents able to serve it
/// are free (logged in, on shift, ready, with a free slot on its channel,
/// at its skill levels), the dialer releases the oldest item to the router
/// as an arrival then; a non-idling policy assigns it at once. The agents
/// in reserve are kept for inbound contacts: `reserve = 0` fills every idle
/// agent, a reserve as large as the agents never releases anything. The
/// dialer releases nothing at or after the horizon (the centre is closed;
/// a draining run finishes the items already released), and stops for the
/// instant if the policy does not offer a released item (it holds work: a
/// batch window). An agent with several slots on the channel (chat 3)
/// counts as free until its last is taken. Several dialer types go in the
/// order they are listed: the first fills the free agents it can use
/// before the next is asked (no weights between campaigns yet).
///
/// Items have no patience (they wait in the dialer, not on the line: a
/// dialer type with `patience` or `self_service` is refused). An item's
/// wait is its age, from its creation (its arrival, or time 0 for the
/// backlog) to its answer: the type's row reports it in `asa`, `mean_wait`
/// and the wait percentiles, and counts the items by their release (in
/// `offered`, after the warm-up). Its segment, service and wrap-up are
/// drawn at release from the dialer's own streams
/// ([`Purpose::Dialer`](super::rng::Purpose::Dialer)). The type's row also
/// has `dialer_created`, `dialer_released` (over the whole run, warm-up
/// included) and `in_dialer_at_end`. Only the type's own whole-run row
/// counts its contacts (its interval × type cells stay empty): the total,
/// channel, segment, interval, interval × channel and agent-group rows
/// stay inbound figures, while the agents' occupancy and utilisation
/// include the outbound work.
/// A released item is a contact in the system like any other: the run's
/// `arrived`, `mean_in_queue` and `mean_in_system`, and `max_in_system`,
/// count it.
///
/// ```toml
/// dialer = { reserve = 2, backlog = 5000 }   # 5000 calls to make, 2 agents kept for inbound
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialer {
    /// Free eligible agents the dialer leaves for inbound contacts: it
    /// releases an item only while more than this many are free.
    pub reserve: u32,
    /// Campaign items present in the dialer at time 0 (default 0, at most
    /// 2^53, which the reports' numbers count exactly), before any of the
    /// type's arrivals. They cost no memory each: a count.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub backlog: u64,
}

fn is_zero_u64(x: &u64) -> bool {
    *x == 0
}

/// How contacts of a type arrive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ArrivalSpec {
    /// A Poisson process with a constant rate.
    Poisson {
        /// Arrivals per second (≥ 0).
        rate: f64,
    },
    /// A Poisson process whose rate is constant over each interval.
    Piecewise {
        /// Length of each interval in seconds (> 0).
        interval: f64,
        /// Arrivals per second in each interval from time 0 (≥ 0); 0 after the last.
        rates: Vec<f64>,
    },
    /// Arrivals at given times, the same in every replication.
    Trace {
        /// Arrival times in seconds (non-decreasing, ≥ 0).
        #[serde(default)]
        times: Vec<f64>,
        /// A CSV file of `time` or `time,type` rows, after `times` (a
        /// header line is allowed, and `#` comments; with a `type` column
        /// only this type's rows are used, and every row must name its type,
        /// one of the scenario's: a file mixing rows with and without a
        /// type is refused, naming the lines). A field may be in double
        /// quotes as CSV has it: a type whose name holds a comma must be.
        /// Columns after the second are not read, but their quotes are
        /// checked as the first two's: each quoted field closes on its
        /// line, with nothing but blanks before the next comma.
        #[serde(default)]
        file: Option<PathBuf>,
    },
}

/// A service-level target: `fraction` of contacts answered within `threshold` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceTarget {
    /// Seconds.
    pub threshold: f64,
    /// Target fraction in `0..=1`.
    pub fraction: f64,
    /// Short abandons, in seconds (default 0: none): a contact that
    /// abandons after waiting less than this was never really waiting (a
    /// caller who hangs up in 3 s), and many centres leave it out of the
    /// service level, as the report's `service_level` then does; it is
    /// counted in `short_abandoned`, and still in `abandoned`. At most
    /// `threshold` (equal to it, every abandon within the threshold is
    /// left out). A contact type's own `service_level` replaces its
    /// channel's whole, this included.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub short_abandon: f64,
}

/// Whether a setting is 0, left out of the scenario's JSON and TOML (and
/// so of its key) as a file that does not set it.
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for ServiceTarget {
    fn default() -> Self {
        ServiceTarget {
            threshold: 20.0,
            fraction: 0.8,
            short_abandon: 0.0,
        }
    }
}

/// How agents answer offers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferSpec {
    /// Time from offer to answer (default: 0, answered at once).
    #[serde(default)]
    pub ring_delay: Option<Dist>,
    /// An offer not answered within this many seconds times out and the
    /// contact is routed again (default: never).
    #[serde(default)]
    pub timeout: Option<f64>,
    /// Ring-no-answer (RONA): an agent who lets an offer time out goes not
    /// ready for a time drawn from this distribution, then ready again, as
    /// an ACD does so as not to keep ringing an agent who is away (default:
    /// the agent stays ready). Needs `timeout`. The end of the agent's
    /// shift ends the pause (the agent goes home, or on finishing its
    /// work), and so does the start of its next shift (ready again). The
    /// report's `not_ready` metric is the share of the agents' logged-in
    /// time it takes; occupancy leaves it out.
    #[serde(default)]
    pub rona_pause: Option<Dist>,
}

/// A field path's steps ([`Scenario::set`]'s form): `name` or
/// `name[index]`, the index a number or an element's `name`.
fn path_steps(path: &str) -> Result<Vec<(&str, Option<&str>)>, String> {
    let mut steps = Vec::new();
    // A `.` inside brackets belongs to a name (`groups[team.b].count`).
    let mut inside = false;
    let segments = path.split(|c: char| {
        match c {
            '[' => inside = true,
            ']' => inside = false,
            _ => {}
        }
        c == '.' && !inside
    });
    for seg in segments {
        let step = match seg.split_once('[') {
            Some((name, rest)) => {
                let ix = rest
                    .strip_suffix(']')
                    .filter(|ix| !ix.is_empty() && !ix.contains(['[', ']']))
                    .ok_or_else(|| format!("{seg:?} is not name[index]"))?;
                (name, Some(ix))
            }
            None => (seg, None),
        };
        if step.0.is_empty() {
            return Err("an empty field name".into());
        }
        steps.push(step);
    }
    Ok(steps)
}

/// Which element of list `name` the index `ix` of a path names: a number
/// below the list's length, or the element whose `name` is `ix` (`names`:
/// each element's, if it has one).
fn list_index<'a>(
    name: &str,
    ix: &str,
    mut names: impl ExactSizeIterator<Item = Option<&'a str>>,
) -> Result<usize, String> {
    let n = names.len();
    match ix.parse::<usize>() {
        Ok(i) if i < n => Ok(i),
        Ok(_) => Err(format!("{name} has {n}, numbered from 0")),
        Err(_) => names
            .position(|e| e == Some(ix))
            .ok_or_else(|| format!("{name}: none is named {ix:?}")),
    }
}

impl Scenario {
    /// Parses and validates a TOML scenario.
    pub fn from_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        let s = parse_toml(text)?;
        s.validate()?;
        Ok(s)
    }

    /// Parses and validates a JSON scenario.
    pub fn from_json_str(text: &str) -> Result<Scenario, ScenarioError> {
        let s = parse_json(text)?;
        s.validate()?;
        Ok(s)
    }

    /// Reads a scenario file (`.json` is JSON, anything else TOML) and
    /// validates it; relative trace files are read from the file's directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let s = Scenario::read(path)?;
        s.validate()?;
        Ok(s)
    }

    /// Reads a scenario file as [`load`](Scenario::load) does, without
    /// validating it: for changes ([`set`](Scenario::set)) to go in first,
    /// so that they may fix what the file has wrong (`simulate --set
    /// interval=900` on a file whose interval gives too many cells), and
    /// one validation ([`Simulation::new`](crate::sim::Simulation::new))
    /// sees the result. Only the file's syntax and types are checked here.
    pub fn read(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mut s = if json {
            parse_json(&text)?
        } else {
            parse_toml(&text)?
        };
        s.base_dir = path.parent().map(Path::to_path_buf);
        Ok(s)
    }

    /// The scenario as TOML.
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("a scenario is always representable in TOML")
    }

    /// The scenario as pretty JSON.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario is always representable in JSON")
    }

    /// The scenario running a staffing plan: `agents[i][g]` agents of
    /// group `g` on shift over `intervals[i]` (`[start, end)` in seconds,
    /// in order), as a search such as
    /// [`SimStaffing::staff`](crate::staffing::SimStaffing::staff) gives
    /// them. Each group's `count` becomes its most agents in any interval
    /// (the headcount its shifts draw on) and its `shifts` the plan:
    /// one `{ start, end, count }` per stretch of back-to-back intervals
    /// with the same count, stretches of 0 left out. A group the plan
    /// never staffs keeps one agent, on a single shift of 0 over the plan
    /// (a group without shifts would work the whole run). Everything else
    /// is the scenario's, so that a simulation of the result runs the plan
    /// under the scenario's own arrivals, policy and replications.
    ///
    /// An interval count other than `agents.len()`, or a row without one
    /// count per group, is an error naming `plan[i]`; the result is
    /// validated, and a plan that it refuses (intervals out of order, more
    /// agents than a scenario holds) is that error. `self` is never
    /// changed.
    pub fn with_staffing(
        &self,
        intervals: &[(f64, f64)],
        agents: &[Vec<u32>],
    ) -> Result<Scenario, ScenarioError> {
        if intervals.is_empty() {
            return Err(invalid("plan", "has no intervals"));
        }
        if intervals.len() != agents.len() {
            return Err(invalid(
                "plan",
                format!(
                    "{} intervals but {} rows of agent counts (one row per interval)",
                    intervals.len(),
                    agents.len()
                ),
            ));
        }
        if let Some((i, row)) = agents
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != self.groups.len())
        {
            return Err(invalid(
                format!("plan[{i}]"),
                format!(
                    "{} agent counts for {} groups (one per group, in the scenario's order)",
                    row.len(),
                    self.groups.len()
                ),
            ));
        }
        let mut out = self.clone();
        for (g, group) in out.groups.iter_mut().enumerate() {
            let mut shifts: Vec<Shift> = Vec::new();
            for (&(start, end), row) in intervals.iter().zip(agents) {
                let n = row[g];
                match shifts.last_mut() {
                    Some(last) if last.end == start && last.count == Some(n) => last.end = end,
                    _ => shifts.push(Shift {
                        start,
                        end,
                        count: Some(n),
                    }),
                }
            }
            shifts.retain(|sh| sh.count != Some(0));
            let most = agents.iter().map(|r| r[g]).max().unwrap_or(0);
            if most == 0 {
                // Kept, so that the other groups and the contact types keep
                // their indexes and random streams, but never on shift.
                group.count = 1;
                group.shifts = match (intervals.first(), intervals.last()) {
                    (Some(&(start, _)), Some(&(_, end))) => vec![Shift {
                        start,
                        end,
                        count: Some(0),
                    }],
                    _ => Vec::new(),
                };
            } else {
                group.count = most;
                group.shifts = shifts;
            }
        }
        out.validate()?;
        Ok(out)
    }

    /// Sets one field, named as errors name fields: `seed`,
    /// `groups[1].count`, `contact_types[0].arrivals.rate`,
    /// `service_levels.voice.fraction`. A list element may be named by its
    /// `name` instead of its index: `groups[late-generalists].count` (a
    /// name may hold dots: `groups[team.b].count`).
    /// `value` is TOML (`12`, `0.5`, `true`, `"text"`,
    /// `{ kind = "exponential", mean = 200.0 }`); text that is not TOML is
    /// taken as a string (`policy.kind=c-mu`). A missing table on the way
    /// is made, so an optional field may be set.
    ///
    /// What-if runs without editing the file (`simulate --set`). The
    /// result is not validated here (validation sees every override at
    /// once, and names the field); on an error `self` is unchanged.
    pub fn set(&mut self, path: &str, value: &str) -> Result<(), ScenarioError> {
        let bad = |rule: String| invalid(path, rule);
        // TOML's integers stop at i64::MAX, a seed goes to u64::MAX (as
        // files and `--seed` take it): a whole number is read here.
        let digits = value.trim().trim_start_matches('+').replace('_', "");
        let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        if path == "seed" && whole {
            return match digits.parse::<u64>() {
                Ok(seed) => {
                    self.seed = seed;
                    Ok(())
                }
                Err(_) => Err(bad(format!(
                    "{} is too large: a seed is at most {}",
                    value.trim(),
                    u64::MAX
                ))),
            };
        }
        let value: toml::Value = match toml::from_str::<toml::Table>(&format!("v = {value}")) {
            Ok(mut t) => t.remove("v").ok_or_else(|| bad("no value".into()))?,
            // A number TOML cannot hold (1e400) is too large, not a string:
            // the scenario's own check then names the field and its range.
            Err(_) if value.trim().parse::<f64>().is_ok_and(f64::is_infinite) => {
                return Err(bad(format!("{value} is too large for a number")));
            }
            Err(_) if whole && digits.parse::<i64>().is_err() => {
                return Err(bad(format!(
                    "{} is too large for a whole number (at most {})",
                    value.trim(),
                    i64::MAX
                )));
            }
            Err(_) => toml::Value::String(value.to_string()),
        };
        // TOML's integers stop at i64::MAX, a seed goes to u64::MAX: the
        // seed is kept out of the TOML form, and put back unless it is the
        // field set.
        let seed = std::mem::replace(&mut self.seed, 0);
        let root = toml::Value::try_from(&*self);
        self.seed = seed;
        let mut root = root.map_err(|e| bad(format!("the scenario has no TOML form: {e}")))?;
        let steps = path_steps(path).map_err(bad)?;
        let mut at = &mut root;
        for (k, (name, ix)) in steps.iter().enumerate() {
            let last = k + 1 == steps.len();
            let table = at
                .as_table_mut()
                .ok_or_else(|| bad(format!("{name:?} is not inside a table")))?;
            if last && ix.is_none() {
                table.insert(name.to_string(), value);
                break;
            }
            at = match ix {
                None => table
                    .entry(name.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new())),
                Some(ix) => {
                    let list = table
                        .get_mut(*name)
                        .and_then(toml::Value::as_array_mut)
                        .ok_or_else(|| bad(format!("{name:?} is not a list")))?;
                    let names = list
                        .iter()
                        .map(|e| e.get("name").and_then(toml::Value::as_str));
                    let i = list_index(name, ix, names).map_err(bad)?;
                    if last {
                        list[i] = value;
                        break;
                    }
                    &mut list[i]
                }
            };
        }
        let mut s: Scenario = root.clone().try_into().map_err(|e: toml::de::Error| {
            // The scenario was valid: a distribution at fault is in the
            // value set, and is named down to its own field.
            Written::deserialize(root)
                .ok()
                .and_then(|w| spec_path_error(&w, e.message()))
                .unwrap_or_else(|| bad(e.message().to_string()))
        })?;
        if path != "seed" {
            s.seed = seed;
        }
        s.base_dir = self.base_dir.clone();
        *self = s;
        Ok(())
    }

    /// The field `path` names, spelled one way, as [`set`](Scenario::set)
    /// resolves it: each list element by its index, so that
    /// `groups[late-generalists].count`, `groups[+1].count` and
    /// `groups[01].count` are all `groups[1].count` when `late-generalists`
    /// is the second group. Two spellings of one field are otherwise told
    /// apart by their text alone (`simulate` and `sweep` use this to refuse
    /// a field set twice). A table not there yet (one `set` would make)
    /// keeps the name given. A path with no such list or element is the
    /// error `set` gives.
    pub fn field_path(&self, path: &str) -> Result<String, ScenarioError> {
        let bad = |rule: String| invalid(path, rule);
        let steps = path_steps(path).map_err(bad)?;
        // The JSON form, which holds a seed above i64::MAX (TOML does not).
        let root = serde_json::to_value(self).map_err(|e| bad(e.to_string()))?;
        let mut at = Some(&root);
        let mut out = String::new();
        for (name, ix) in steps {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(name);
            at = at.and_then(|v| v.get(name));
            if let Some(ix) = ix {
                let list = at
                    .and_then(serde_json::Value::as_array)
                    .ok_or_else(|| bad(format!("{name:?} is not a list")))?;
                let names = list
                    .iter()
                    .map(|e| e.get("name").and_then(serde_json::Value::as_str));
                let i = list_index(name, ix, names).map_err(bad)?;
                out.push_str(&format!("[{i}]"));
                at = list.get(i);
            }
        }
        Ok(out)
    }

    /// Type `t`'s offered load at time `at` in erlangs (its arrival rate
    /// then, less what its self-service tier contains, × its mean service
    /// time; `None` for a trace), and the contacts
    /// of it that every agent able to serve it holds at once, weighted by
    /// speed: what [`SimError::InSystemLimit`](crate::sim::SimError::InSystemLimit)
    /// reports.
    pub(crate) fn load_of(&self, t: &ContactTypeSpec, at: f64) -> (Option<f64>, f64) {
        let rate = match &t.arrivals {
            ArrivalSpec::Poisson { rate } => Some(*rate),
            ArrivalSpec::Piecewise { interval, rates } => {
                Some(rates.get((at / interval) as usize).copied().unwrap_or(0.0))
            }
            ArrivalSpec::Trace { .. } => None,
        };
        (
            rate.map(|r| r * t.passed_on() * t.service.mean()),
            self.slots_for(t),
        )
    }

    /// The contacts of type `t` that every agent able to serve it holds
    /// at once, weighted by speed: its work per second with every slot busy.
    /// A group counts its most agents on shift at once (a headcount that
    /// no shift puts to work all at once serves nothing more).
    fn slots_for(&self, t: &ContactTypeSpec) -> f64 {
        self.groups
            .iter()
            .filter(|g| {
                t.requires
                    .iter()
                    .all(|(k, l)| g.skills.get(k).is_some_and(|x| x >= l))
            })
            .map(|g| {
                let c = g.capacity.get(&t.channel).copied().unwrap_or(0);
                let c = g.total_capacity.map_or(c, |tc| c.min(tc));
                f64::from(g.peak_count()) * f64::from(c) * g.speed
            })
            .sum()
    }

    /// Checks everything; the first problem is returned, naming its field.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        Plan::compile(self).map(|_| ())
    }

    /// What is valid but probably not meant, one message a line, naming
    /// the field: an agent group whose shifts all start at or after the
    /// horizon (it never works), a contact type that only such groups can
    /// serve (none of its contacts is answered), in a draining run a later
    /// shift starting at or after the horizon (it does not start), and piecewise arrival rates
    /// that end before the horizon (no arrivals after the last interval), a
    /// time-out without a ring delay, a channel's target that no contact
    /// type is judged by, and what a ring delay rules out: most offers (or
    /// all) timing out, and a target no staffing meets because the ring,
    /// with its time-outs and the customers' patience, leaves too few
    /// answered within the threshold even with an agent free for every
    /// contact (estimated from 20,000 draws with a fixed seed), rows of a
    /// trace file naming types the scenario does not have, and trace
    /// arrivals at or after the horizon (not simulated); and figures that
    /// read as hours where seconds are meant: a horizon in which fewer than
    /// one contact is expected or (not draining) shorter than a mean
    /// service, a shift or a report interval
    /// of under a minute in a run of an hour or more, piecewise rates past
    /// the horizon (never
    /// used), a peak rate bringing over 10 times the work its agents could
    /// hold (a rate per hour written as per second); a type none of whose
    /// contacts arrives (a rate of 0, rates all 0, a trace without rows);
    /// and a stretch in which contacts of a type arrive while no agent able
    /// to serve it is on shift: between shifts (a gap at a shift change),
    /// and before the first shift or after the last (one line a type, with
    /// the share of its arrivals then); a batch window whose re-plans
    /// (`rebalance_every` at or past the horizon) never come, so that only
    /// time 0 decides anything. A valid scenario runs either way;
    /// `simulate` prints these on stderr.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        // A shift of nobody (`count = 0`) is no work: a group whose only
        // shifts with agents on start at or after the horizon never works.
        let idle = |g: &GroupSpec| {
            !g.shifts.is_empty() && !g.worked_shifts().any(|sh| sh.start < self.horizon)
        };
        for (gi, g) in self.groups.iter().enumerate() {
            // A draining run goes on past the horizon, but starts no shift
            // there (the center is closed): a later shift of a group that
            // works before it is said (one that never works is, below).
            if self.drain && !idle(g) {
                for (si, sh) in g.shifts.iter().enumerate() {
                    if sh.start >= self.horizon && g.shift_count(sh) > 0 {
                        out.push(format!(
                            "groups[{gi}].shifts[{si}]: starts at {} s, at or after the horizon ({} s): \
                             a draining run does not start it (the center is closed; the agents on \
                             shift at the horizon serve the contacts left)",
                            num(sh.start),
                            num(self.horizon)
                        ));
                    }
                }
            }
            if idle(g) {
                out.push(match g.worked_shifts().next() {
                    Some(first) => format!(
                        "groups[{gi}].shifts: group {:?} starts work at {} s, at or after the horizon ({} s): its agents never work",
                        g.name,
                        num(first.start),
                        num(self.horizon)
                    ),
                    None => format!(
                        "groups[{gi}].shifts: every shift of group {:?} has a count of 0: its agents never work",
                        g.name
                    ),
                });
            }
            // Utilisation divides by the total: one never reached lowers it.
            let sum: u32 = g.capacity.values().map(|&c| u32::from(c)).sum();
            if let Some(total) = g.total_capacity.filter(|&t| u32::from(t) > sum) {
                out.push(format!(
                    "groups[{gi}].total_capacity: {total} is more than group {:?}'s channel capacities add up to ({sum}): it is never reached, and utilisation (contacts held / capacity) counts it",
                    g.name
                ));
            }
        }
        for (ti, t) in self.contact_types.iter().enumerate() {
            let capable: Vec<&GroupSpec> = self.groups.iter().filter(|g| serves(g, t, 0)).collect();
            if !capable.is_empty() && capable.iter().all(|g| idle(g)) {
                let names: Vec<&str> = capable.iter().map(|g| g.name.as_str()).collect();
                out.push(format!(
                    "contact_types[{ti}]: only {} can serve {:?}, and none works before the horizon: none of its contacts is answered",
                    names.join(", "),
                    t.name
                ));
            }
        }
        for (ti, t) in self.contact_types.iter().enumerate() {
            if let ArrivalSpec::Piecewise { interval, rates } = &t.arrivals {
                let covered = *interval * rates.len() as f64;
                // Not a rounding sliver (21 rates of 3600/21 s cover
                // 3599.9999999999995 s): the rates end before the horizon.
                if covered < self.horizon * (1.0 - 1e-9) {
                    out.push(format!(
                        "contact_types[{ti}].arrivals.rates: {} rate(s) of {} s cover {} s of the {} s horizon: no {:?} contacts arrive after that",
                        rates.len(),
                        num(*interval),
                        num(covered),
                        num(self.horizon),
                        t.name
                    ));
                }
            }
        }
        // Re-plans fall at multiples of `every` before the horizon: none at
        // all here, so a batch window never closes within the run. Not an
        // error: time 0 (and a draining run's last re-plan) still decide.
        if let Some(every) = self
            .rebalance_every
            .filter(|&e| self.batch_window && e >= self.horizon)
        {
            out.push(format!(
                "rebalance_every: {} s is not shorter than the horizon ({} s), and with \
                 batch_window = true the policy decides only at time 0 and at the re-plans, \
                 of which there are none: no contact arriving after time 0 is answered{}; \
                 make rebalance_every shorter or batch_window false",
                num(every),
                num(self.horizon),
                if self.drain {
                    " before the draining run's last re-plan at the horizon"
                } else {
                    ""
                }
            ));
        }
        if self.offers.timeout.is_some() && self.offers.ring_delay.is_none() {
            out.push(
                "offers.timeout: without offers.ring_delay every offer is answered at once, so none times out"
                    .to_string(),
            );
        }
        for name in self.service_levels.keys() {
            let on: Vec<&ContactTypeSpec> = self
                .contact_types
                .iter()
                .filter(|t| &t.channel == name)
                .collect();
            if on.is_empty() {
                out.push(format!(
                    "service_levels.{name}: no contact type is on channel {name:?}: this target judges nothing"
                ));
            } else if on.iter().all(|t| t.service_level.is_some()) {
                out.push(format!(
                    "service_levels.{name}: every contact type on channel {name:?} has its own service_level: this target judges nothing"
                ));
            }
        }
        let traces = self.traces();
        out.extend(self.silent_warnings(&traces));
        out.extend(self.unit_warnings(&traces));
        out.extend(self.gap_warnings(&traces));
        out.extend(self.ring_warnings());
        out.extend(self.trace_warnings(&traces));
        out
    }

    /// Per contact type, its trace's arrival times (`times`, then the
    /// file's rows of it) and the file's rows of other types, with the
    /// file's path; `None` for a type that is not a trace, or whose file
    /// cannot be read (an invalid scenario: its error says why). Each file
    /// is read once for each type reading it, here only.
    fn traces(&self) -> Vec<Option<Trace>> {
        let names: Vec<&str> = self.contact_types.iter().map(|t| t.name.as_str()).collect();
        self.contact_types
            .iter()
            .enumerate()
            .map(|(ti, t)| {
                let ArrivalSpec::Trace { times, file } = &t.arrivals else {
                    return None;
                };
                let mut all = times.clone();
                let Some(file) = file else {
                    return Some(Trace {
                        times: all,
                        file: None,
                    });
                };
                let path = trace_path(&self.base_dir, file);
                let field = format!("contact_types[{ti}].arrivals");
                let (rows, strangers) = read_trace(&field, &path, &t.name, &names).ok()?;
                all.extend(rows);
                Some(Trace {
                    times: all,
                    file: Some((path, strangers)),
                })
            })
            .collect()
    }

    /// Types none of whose contacts arrive: a Poisson rate of 0, piecewise
    /// rates all 0 within the horizon, a trace with no arrival (a file
    /// holding its header only). They load and run, and a report row of
    /// zeros is the only sign, which reads as a center that served them
    /// all. A trace whose arrivals all come at or after the horizon is
    /// said apart ([`Scenario::trace_warnings`]).
    fn silent_warnings(&self, traces: &[Option<Trace>]) -> Vec<String> {
        let mut out = Vec::new();
        for (ti, t) in self.contact_types.iter().enumerate() {
            let name = &t.name;
            // A dialer's campaign is its items: a type without arrivals of
            // its own is a campaign alone, as meant.
            if t.dialer.as_ref().is_some_and(|d| d.backlog > 0) {
                continue;
            }
            match &t.arrivals {
                ArrivalSpec::Poisson { rate } if *rate == 0.0 => out.push(format!(
                    "contact_types[{ti}].arrivals.rate: {name:?} arrives at a rate of 0 a second: \
                     none of its contacts arrives"
                )),
                ArrivalSpec::Piecewise { rates, .. }
                    if arrivals_in(&t.arrivals, None, 0.0, self.horizon) == 0.0 =>
                {
                    let which = if rates.iter().all(|&r| r == 0.0) {
                        match rates.len() {
                            0 => format!("{name:?} has no rates"),
                            1 => format!("the one rate of {name:?} is 0"),
                            n => format!("all {n} rates of {name:?} are 0"),
                        }
                    } else {
                        format!(
                            "the rates of {name:?} within the {} s horizon are all 0",
                            num(self.horizon)
                        )
                    };
                    out.push(format!(
                        "contact_types[{ti}].arrivals.rates: {which}: none of its contacts arrives"
                    ));
                }
                ArrivalSpec::Trace { .. } => {
                    let Some(trace) = &traces[ti] else { continue };
                    if !trace.times.is_empty() {
                        continue;
                    }
                    let whence = match &trace.file {
                        Some((path, _)) => format!(
                            "neither `times` nor {} holds an arrival of it",
                            path.display()
                        ),
                        None => "`times` is empty and there is no `file`".to_string(),
                    };
                    out.push(format!(
                        "contact_types[{ti}].arrivals: the trace of {name:?} has no arrivals \
                         ({whence}): none of its contacts arrives"
                    ));
                }
                _ => {}
            }
        }
        out
    }

    /// Stretches between shifts in which no agent able to serve a contact
    /// type is on shift while its contacts arrive: a shift change whose
    /// late shift starts after the early one ends (`end = 16200.0`, `start
    /// = 18000.0`). Those contacts wait or abandon, and only the report's
    /// interval rows show why. Before the first shift and after the last
    /// are said apart ([`Scenario::edge_warning`]). A trace's arrivals are
    /// those of its file too.
    fn gap_warnings(&self, traces: &[Option<Trace>]) -> Vec<String> {
        let day_start = self
            .day_start
            .as_deref()
            .and_then(|d| parse_day_start(d).ok());
        let mut out = Vec::new();
        for (ti, t) in self.contact_types.iter().enumerate() {
            let mut on: Vec<(f64, f64)> = Vec::new();
            let mut always = false;
            for g in &self.groups {
                if serves(g, t, 0) {
                    always |= g.shifts.is_empty();
                    on.extend(g.worked_shifts().map(|sh| (sh.start, sh.end)));
                }
            }
            if always || !on.iter().any(|&(start, _)| start < self.horizon) {
                continue;
            }
            on.sort_by(|a, b| a.0.total_cmp(&b.0));
            let first = on[0].0;
            // Between shifts here; before the first and after the last, a
            // center may open late or close early on purpose: said apart,
            // in one line.
            let mut gaps = Vec::new();
            let mut covered: Option<f64> = None;
            for &(start, end) in &on {
                if let Some(c) = covered
                    && start > c
                    && start < self.horizon
                {
                    gaps.push((c, start));
                }
                covered = Some(covered.map_or(end, |c| c.max(end)));
            }
            let trace = traces[ti].as_ref().map(|x| &x.times[..]);
            let arriving = |a: f64, b: f64| arrivals_in(&t.arrivals, trace, a, b) > 0.0;
            for (a, b) in gaps.into_iter().filter(|&(a, b)| arriving(a, b)) {
                out.push(format!(
                    "contact_types[{ti}]: no agent able to serve {:?} is on shift from {} s to \
                     {} s ({}-{}) while its contacts arrive: they wait, or abandon, until a \
                     shift starts",
                    t.name,
                    num(a),
                    num(b),
                    clock_label(day_start, a),
                    clock_label(day_start, b),
                ));
            }
            // A shift starting at or after the horizon covers nothing of the run.
            let last = on
                .iter()
                .filter(|&&(start, _)| start < self.horizon)
                .fold(0.0, |c: f64, &(_, end)| c.max(end));
            out.extend(self.edge_warning(ti, first, last, day_start, traces));
        }
        out
    }

    /// Before the first shift of the agents able to serve type `ti`
    /// (starting at `first`) and after the last (ending at `last`), while
    /// its contacts arrive: one line naming the spans and the share of the
    /// type's arrivals in them, since those contacts wait for the first
    /// shift or are never answered. A center may open late or close early
    /// on purpose, but its report then counts contacts nobody could answer;
    /// a skill-expansion policy that lets other agents serve them after a
    /// wait is said with them.
    fn edge_warning(
        &self,
        ti: usize,
        first: f64,
        last: f64,
        day_start: Option<f64>,
        traces: &[Option<Trace>],
    ) -> Option<String> {
        let t = &self.contact_types[ti];
        let trace = traces[ti].as_ref().map(|x| x.times.as_slice());
        let count = |a: f64, b: f64| arrivals_in(&t.arrivals, trace, a, b);
        let before = (first > 0.0).then_some((0.0, first.min(self.horizon)));
        let after = (last < self.horizon).then_some((last, self.horizon));
        let before = before.filter(|&(a, b)| count(a, b) > 0.0);
        let after = after.filter(|&(a, b)| count(a, b) > 0.0);
        let span = |(a, b): (f64, f64)| {
            format!(
                "from {} s to {} s ({}-{})",
                num(a),
                num(b),
                clock_label(day_start, a),
                clock_label(day_start, b)
            )
        };
        let (spans, fate) = match (before, after) {
            (None, None) => return None,
            (Some(x), None) => (
                format!("{}, before the first shift,", span(x)),
                "they wait, or abandon, until a shift starts",
            ),
            (None, Some(y)) => (
                format!("{}, after the last shift,", span(y)),
                "they are never answered",
            ),
            (Some(x), Some(y)) => (
                format!(
                    "{}, before the first shift, nor {}, after the last,",
                    span(x),
                    span(y)
                ),
                "those before wait, or abandon, until a shift starts; those after are never answered",
            ),
        };
        let n: f64 = before
            .into_iter()
            .chain(after)
            .map(|(a, b)| count(a, b))
            .sum();
        let total = count(0.0, self.horizon);
        let share = 100.0 * n / total;
        let how_many = if matches!(t.arrivals, ArrivalSpec::Trace { .. }) {
            format!(
                "{} of its {} arrivals ({share:.0}%) come",
                num(n),
                num(total)
            )
        } else {
            format!("about {share:.0}% of its arrivals ({n:.1} expected a run) come")
        };
        let relaxed = self.relaxed_help(t, before.into_iter().chain(after).collect());
        Some(format!(
            "contact_types[{ti}]: no agent able to serve {:?} is on shift {spans} while \
             {how_many}: {fate}{relaxed}",
            t.name
        ))
    }

    /// Under a skill-expansion policy, the first relaxation step that lets
    /// groups not able to serve `t` serve it in one of `spans` (a shift of
    /// theirs overlapping it, or none: on all day), said as a clause to
    /// end a warning with; empty under any other policy, or if no step
    /// does.
    fn relaxed_help(&self, t: &ContactTypeSpec, spans: Vec<(f64, f64)>) -> String {
        let PolicySpec::SkillExpansion { steps } = &self.policy else {
            return String::new();
        };
        let on = |g: &GroupSpec| {
            g.shifts.is_empty()
                || g.worked_shifts()
                    .any(|sh| spans.iter().any(|&(a, b)| sh.start < b && sh.end > a))
        };
        for step in steps {
            let names: Vec<&str> = self
                .groups
                .iter()
                .filter(|g| !serves(g, t, 0) && serves(g, t, step.relax) && on(g))
                .map(|g| g.name.as_str())
                .collect();
            if !names.is_empty() {
                return format!(
                    ", unless a step opens them to others: the scenario's skill-expansion \
                     policy lets {} serve them after {} s of waiting (other policies do not)",
                    names.join(", "),
                    step.after
                );
            }
        }
        String::new()
    }

    /// What reads as hours or per-hour figures written where the scenario
    /// wants seconds and per-second rates: they load and run, and a report
    /// of a center that nobody meant is the only sign. A horizon in hours
    /// ([`Scenario::horizon_warning`]), a shift of under a
    /// minute in a run of an hour or more (`start = 8, end = 16`), piecewise
    /// rates that go on past the horizon (their intervals given longer
    /// than meant, or a day's profile in a shorter run: the rates past it
    /// are never used), and a type whose peak rate brings over 10 times the
    /// work that every agent able to serve it could hold at once (`rate =
    /// 120` meaning 120 an hour).
    fn unit_warnings(&self, traces: &[Option<Trace>]) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(self.horizon_warning(traces));
        for (gi, g) in self.groups.iter().enumerate() {
            for (si, sh) in g.shifts.iter().enumerate() {
                let lasts = sh.end - sh.start;
                if self.horizon >= 3600.0 && lasts < 60.0 {
                    out.push(format!(
                        "groups[{gi}].shifts[{si}]: lasts {} s ({} to {}) in a {} s run: \
                         shift times are seconds from the run's start, not hours \
                         (8 h is 28800.0)",
                        num(lasts),
                        num(sh.start),
                        num(sh.end),
                        num(self.horizon)
                    ));
                }
            }
        }
        // Minutes written as seconds: 30 meant as half-hours gives a row
        // per half-minute, hundreds of intervals of a few contacts each.
        if let Some(i) = self.interval
            && self.horizon >= 3600.0
            && i < 60.0
        {
            out.push(format!(
                "interval: report intervals of {} s give {} per section in a {} s run: \
                 the report interval is in seconds, not minutes (30 minutes is 1800.0)",
                num(i),
                quantity(interval_count(self.horizon, i), "row", "rows"),
                num(self.horizon)
            ));
        }
        for (ti, t) in self.contact_types.iter().enumerate() {
            let ArrivalSpec::Piecewise { interval, rates } = &t.arrivals else {
                continue;
            };
            let used = interval_count(self.horizon, *interval) as usize;
            if rates.len() > used {
                out.push(format!(
                    "contact_types[{ti}].arrivals.rates: {} rates of {} s each, but \
                     the {} s horizon ends in rate {}: the last {} are never used \
                     (rates are per interval of `interval` seconds, from time 0)",
                    rates.len(),
                    num(*interval),
                    num(self.horizon),
                    used,
                    rates.len() - used,
                ));
            }
        }
        for (ti, t) in self.contact_types.iter().enumerate() {
            let peak = match &t.arrivals {
                ArrivalSpec::Poisson { rate } => *rate,
                ArrivalSpec::Piecewise { rates, .. } => rates.iter().copied().fold(0.0, f64::max),
                ArrivalSpec::Trace { .. } => continue,
            };
            // Work per second at the peak against what the agents able to
            // serve the type get through per second with every slot busy.
            let slots = self.slots_for(t);
            let load = peak * t.service.mean();
            if slots > 0.0 && load > 10.0 * slots {
                out.push(format!(
                    "contact_types[{ti}].arrivals: {:?} peaks at {} a second, \
                     {} of work ({} s each), over 10 times the {} \
                     all the agents able to serve it hold at once: rates are per second \
                     (120 an hour is 0.0333)",
                    t.name,
                    quantity(peak, "arrival", "arrivals"),
                    quantity(load.round(), "erlang", "erlangs"),
                    num(t.service.mean()),
                    quantity(slots, "contact", "contacts"),
                ));
            }
        }
        out
    }

    /// A horizon that reads as hours (`horizon = 8.0` for a day of 8 h):
    /// fewer than one contact expected over the whole run, or, in a run
    /// that does not drain, a horizon shorter than the longest mean service
    /// time of its types (not one service would end in it). A draining
    /// run's horizon only ends the arrivals: a burst of a few seconds is
    /// fine there, if contacts come.
    fn horizon_warning(&self, traces: &[Option<Trace>]) -> Option<String> {
        let expected: f64 = self
            .contact_types
            .iter()
            .zip(traces)
            .map(|(t, tr)| {
                let tr = tr.as_ref().map(|x| x.times.as_slice());
                arrivals_in(&t.arrivals, tr, 0.0, self.horizon)
            })
            .sum();
        let longest = self
            .contact_types
            .iter()
            .map(|t| (t.service.mean(), t.name.as_str()))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let mut why = Vec::new();
        // None at all is said per type (a rate of 0, an empty trace).
        if expected > 0.0 && expected < 1.0 {
            let how = if self
                .contact_types
                .iter()
                .all(|t| matches!(t.arrivals, ArrivalSpec::Trace { .. }))
            {
                format!("{} contacts arrive in it", num(expected))
            } else {
                format!("{expected:.2} contacts are expected in it")
            };
            why.push(how);
        }
        if let Some((mean, name)) = longest
            && !self.drain
            && self.horizon < mean
        {
            why.push(format!(
                "it is shorter than a mean service of {name:?} ({} s)",
                num(mean)
            ));
        }
        if why.is_empty() {
            return None;
        }
        Some(format!(
            "horizon: the run lasts {} s, and {}: times are in seconds, not hours \
             (8 h is 28800.0)",
            num(self.horizon),
            why.join(", and ")
        ))
    }

    /// What a trace leaves out: rows of trace files whose type is none of
    /// the scenario's (a file shared with scenarios that model them, or a
    /// typo; each file once), and arrivals at or after the horizon, where a
    /// run stops arriving (a draining one too), said per type with how many,
    /// since a trace of another day or time zone would lose most. Each
    /// type's file is read once.
    fn trace_warnings(&self, traces: &[Option<Trace>]) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for (ti, t) in self.contact_types.iter().enumerate() {
            let Some(trace) = &traces[ti] else {
                continue;
            };
            let field = format!("contact_types[{ti}].arrivals");
            if let Some((path, strangers)) = &trace.file
                && !strangers.is_empty()
                && seen.insert(path.clone())
            {
                let list: Vec<String> = strangers
                    .iter()
                    .map(|(ty, (n, line))| format!("{ty:?} ({n}, first at line {line})"))
                    .collect();
                out.push(format!(
                    "{field}.file: {} has rows of types that are not in this scenario, so not simulated: {}",
                    path.display(),
                    list.join(", ")
                ));
            }
            let all = &trace.times;
            let late = all.iter().filter(|&&x| x >= self.horizon).count();
            if late > 0 {
                out.push(format!(
                    "{field}: {late} of {} trace arrivals of {:?} are at or after the horizon ({} s), so not simulated",
                    all.len(),
                    t.name,
                    num(self.horizon)
                ));
            }
        }
        out
    }

    /// What the ring delay alone does, estimated by drawing offers (a fixed
    /// seed: the same words every time): most offers timing out, and
    /// targets no staffing meets ([`Scenario::ring_reach`]).
    fn ring_warnings(&self) -> Vec<String> {
        use rand::SeedableRng;
        const DRAWS: usize = 20_000;
        let mut out = Vec::new();
        let Some(Ok(ring)) = self.offers.ring_delay.as_ref().map(Dist::sampler) else {
            return out;
        };
        if let Some(to) = self.offers.timeout {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0x5eed);
            let late = (0..DRAWS).filter(|_| ring.sample(&mut rng) >= to).count();
            let share = late as f64 / DRAWS as f64;
            if late == DRAWS {
                out.push(format!(
                    "offers.timeout: all of {DRAWS} rings drawn from offers.ring_delay last {} s or more: (nearly) every offer times out and (nearly) no contact is answered",
                    num(to)
                ));
                return out; // every target is out of reach: said once
            } else if share >= 0.5 {
                out.push(format!(
                    "offers.timeout: about {:.0}% of offers ring {} s or more (offers.ring_delay) and time out",
                    100.0 * share,
                    num(to)
                ));
            }
        }
        for (ti, reach) in self.ring_reach().iter().enumerate() {
            let Some(r) = reach.filter(|r| r.out_of_reach) else {
                continue;
            };
            let t = &self.contact_types[ti];
            out.push(format!(
                "contact_types[{ti}]: even with an agent free for every contact, about {:.1}% of {:?} would be answered within {} s (the ring delay{}{}), below its target of {}%: no staffing meets it",
                100.0 * r.share,
                t.name,
                num(r.target.threshold),
                if self.offers.timeout.is_some() { ", time-outs" } else { "" },
                if t.patience.is_some() { ", patience" } else { "" },
                num((1e4 * r.target.fraction).round() / 100.0),
            ));
        }
        out
    }

    /// Per contact type, what the ring delay leaves within reach (`None`
    /// without a ring delay): customers drawn with an agent free for every
    /// contact, offers ringing one after another (each timing out at
    /// `offers.timeout`, at most 100) until one is answered or the
    /// customer's patience ends. Its share answered within the threshold
    /// is the most the type's service level can be, whatever the staffing.
    /// Types alike in target and patience share one estimate, drawn from
    /// one fixed seed; 20,000 customers each (fewer, down to 2,000, when a
    /// scenario has over 100 such kinds: it may have thousands of types).
    pub(crate) fn ring_reach(&self) -> Vec<Option<RingReach>> {
        let none = vec![None; self.contact_types.len()];
        let Some(Ok(ring)) = self.offers.ring_delay.as_ref().map(Dist::sampler) else {
            return none;
        };
        let targets: Vec<ServiceTarget> = self
            .contact_types
            .iter()
            .map(|t| {
                t.service_level.unwrap_or_else(|| {
                    self.service_levels
                        .get(&t.channel)
                        .copied()
                        .unwrap_or_default()
                })
            })
            .collect();
        let mut kinds: Vec<(ServiceTarget, Option<&Dist>)> = Vec::new();
        for (t, target) in self.contact_types.iter().zip(&targets) {
            let kind = (*target, t.patience.as_ref());
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        let draws = (2_000_000 / kinds.len().max(1)).clamp(2_000, 20_000);
        let reach: Vec<Option<RingReach>> = kinds
            .iter()
            .map(|&(target, patience)| {
                let patience = patience.and_then(|d| d.sampler().ok());
                let times = answer_times(&ring, self.offers.timeout, patience.as_ref(), draws);
                Some(RingReach::new(&times, target))
            })
            .collect();
        self.contact_types
            .iter()
            .zip(&targets)
            .map(|(t, target)| {
                let kind = (*target, t.patience.as_ref());
                kinds.iter().position(|k| *k == kind).and_then(|i| reach[i])
            })
            .collect()
    }
}

/// What a ring delay leaves within reach of one contact type's target
/// ([`Scenario::ring_reach`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RingReach {
    /// The target.
    pub target: ServiceTarget,
    /// The share answered within its threshold with an agent free for
    /// every contact, and its standard error.
    pub share: f64,
    pub se: f64,
    /// The share is below the target by more than 3 standard errors.
    pub out_of_reach: bool,
    /// The share answered at all (0: none of those drawn).
    pub answered: f64,
    /// The target the ring allows, for a type out of reach: within the
    /// threshold plus the ring's own time (the answer time with free
    /// agents at the target's fraction, or the longest if abandons while
    /// ringing leave fewer answered), so that the queue is held to the
    /// threshold it was meant to hold; the same fraction, or 2 points under
    /// the most the ring leaves within that threshold if that is less.
    pub substitute: ServiceTarget,
}

impl RingReach {
    fn new(times: &[f64], target: ServiceTarget) -> RingReach {
        let n = times.len() as f64;
        let within = |t: f64| times.iter().filter(|&&x| x <= t).count() as f64 / n;
        let share = within(target.threshold);
        let se = (share * (1.0 - share) / n).sqrt().max(0.5 / n);
        let out_of_reach = share + 3.0 * se < target.fraction;
        let mut sorted: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        // The ring's time at the target's fraction (of all customers, the
        // abandoned counting as never answered), or the longest answer.
        let k = ((target.fraction * n).ceil() as usize).max(1);
        let ring = sorted.get(k - 1).or(sorted.last()).copied().unwrap_or(0.0);
        let threshold = target.threshold + ring;
        // Within reach with room to spare: 2 points under the most the
        // ring leaves at that threshold.
        let fraction = target.fraction.min(within(threshold) - 0.02).max(0.0);
        RingReach {
            target,
            share,
            se,
            out_of_reach,
            answered: sorted.len() as f64 / n,
            substitute: ServiceTarget {
                threshold,
                fraction,
                short_abandon: target.short_abandon,
            },
        }
    }
}

/// Each of `n` customers' answer time with an agent free for every
/// contact (infinite if patience ends first, or after 100 rings).
fn answer_times(
    ring: &Sampler,
    timeout: Option<f64>,
    patience: Option<&Sampler>,
    n: usize,
) -> Vec<f64> {
    use rand::SeedableRng;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0x5eed);
    (0..n)
        .map(|_| {
            let gives_up = patience.map_or(f64::INFINITY, |p| p.sample(&mut rng));
            let mut elapsed = 0.0;
            for _ in 0..100 {
                let d = ring.sample(&mut rng);
                match timeout {
                    Some(to) if d >= to => elapsed += to,
                    _ => {
                        elapsed += d;
                        return if elapsed < gives_up {
                            elapsed
                        } else {
                            f64::INFINITY
                        };
                    }
                }
                if elapsed >= gives_up {
                    break;
                }
            }
            f64::INFINITY
        })
        .collect()
}

/// How many report intervals of `interval` seconds cover `horizon`: a
/// last part shorter than a billionth of the rest is rounding, not an
/// interval (3600 / 37.89473684210526 is 95.00000000000001: 95 rows, not a
/// 96th of half a femtosecond).
pub(crate) fn interval_count(horizon: f64, interval: f64) -> f64 {
    let n = horizon / interval;
    let whole = n.round();
    let count = if (n - whole).abs() <= 1e-9 * whole.max(1.0) {
        whole
    } else {
        n.ceil()
    };
    count.max(1.0)
}

/// One compiled contact type.
#[derive(Debug, Clone)]
pub(crate) struct TypePlan {
    pub name: String,
    pub channel: ChannelId,
    /// A contact of this type (id 0, arrival 0, segment 0), validated at
    /// load; each arrival is a renewed copy.
    pub template: Contact,
    /// Cumulative segment weights (normalised to end at 1) and segment indexes.
    pub segments: Vec<(f64, u32)>,
    pub arrivals: ArrivalPlan,
    pub service: Sampler,
    pub patience: Option<Sampler>,
    pub wrap: Option<Sampler>,
    /// Its service-level target: its own, or its channel's.
    pub target: ServiceTarget,
    /// Its self-service tier: the containment and the time there.
    pub self_service: Option<(f64, Sampler)>,
    /// Its dialer: the reserve and the campaign backlog.
    pub dialer: Option<DialerPlan>,
}

/// The largest campaign backlog: 2^53, counted exactly as the reports'
/// `f64` figures.
const MAX_BACKLOG: u64 = 1 << 53;

/// A contact type's dialer, compiled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DialerPlan {
    pub reserve: u32,
    pub backlog: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum ArrivalPlan {
    Poisson(f64),
    Piecewise { interval: f64, rates: Arc<[f64]> },
    Trace(Arc<[f64]>),
}

#[derive(Debug, Clone)]
pub(crate) struct GroupPlan {
    pub name: String,
    pub first_agent: u32,
    /// `[start, end)` intervals and the agents on shift in each (the
    /// group's first ones); `end` may be infinite.
    pub shifts: Vec<(f64, f64, u32)>,
}

/// A validated, compiled scenario: indexes instead of names, samplers instead
/// of distribution descriptions.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub name: String,
    /// The scenario's key ([`scenario_key`]), written into each replication.
    pub key: String,
    pub seed: u64,
    pub horizon: f64,
    pub warm_up: f64,
    pub replications: u32,
    pub interval: f64,
    pub intervals: usize,
    /// Seconds after midnight at time 0 (the scenario's `day_start`).
    pub day_start: Option<f64>,
    pub drain: bool,
    pub channels: Vec<String>,
    pub segments: Vec<String>,
    pub groups: Vec<GroupPlan>,
    pub agents: Vec<Agent>,
    pub agent_group: Vec<u32>,
    pub types: Vec<TypePlan>,
    pub policy: PolicySpec,
    pub router: RouterConfig,
    pub ring: Option<Sampler>,
    pub offer_timeout: Option<f64>,
    /// Not-ready time after a timed-out offer (RONA), if any.
    pub rona: Option<Sampler>,
    pub targets: Vec<ServiceTarget>,
    /// Seconds between periodic re-plans.
    pub rebalance_every: Option<f64>,
    /// The policy decides only at the re-plans.
    pub batch_window: bool,
    /// The compiled fit table, if the scenario has one.
    pub fit: Option<GroupFit>,
    /// The compiled resolution probabilities, if the scenario has outcomes.
    pub resolution: Option<GroupFit>,
    /// Ask the router for each waiting arrival's expected wait.
    pub expected_wait: bool,
    /// The most contacts in the system at once.
    pub max_in_system: u32,
}

/// The scenario's fit table, compiled: a dense segment × group matrix, and
/// each agent's group. It is the router's [`FitModel`]: O(1) per pair, two
/// array reads (the library's `AffinityTable` is per agent and hashed).
#[derive(Debug, Clone)]
pub(crate) struct GroupFit {
    /// `segments × groups`, segment-major.
    table: Arc<[f64]>,
    groups: usize,
    agent_group: Arc<[u32]>,
}

impl GroupFit {
    /// The fit of segment index `segment` with group index `group`.
    #[inline]
    pub fn value(&self, segment: u32, group: u32) -> f64 {
        self.table
            .get(segment as usize * self.groups + group as usize)
            .copied()
            .unwrap_or(0.0)
    }
}

impl FitModel for GroupFit {
    #[inline]
    fn fit(&self, contact: &Contact, agent: &Agent) -> f64 {
        match self.agent_group.get(agent.id().0 as usize) {
            Some(&g) => self.value(contact.segment().0, g),
            None => 0.0,
        }
    }
    fn agent_class(&self, agent: &Agent) -> u64 {
        // The fit depends on the agent only through its group.
        match self.agent_group.get(agent.id().0 as usize) {
            Some(&g) => u64::from(g),
            None => u64::MAX,
        }
    }
}

fn finite_pos(field: impl Into<String>, v: f64) -> Result<(), ScenarioError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("must be finite and > 0, got {}", num(v)),
        ))
    }
}

/// The most agents a scenario may have, over all its groups. Each agent is
/// built whole before the run (the router's record, the engine's time
/// integrals): a center of a million agents, a hundred of the largest,
/// peaked at 1.8 GB. Far beyond this a count that loads would end the run
/// by running out of memory instead of in an error.
pub(crate) const MAX_AGENTS: usize = 1_000_000;

/// The most interval cells a report may hold: intervals × (1 + contact
/// types + channels in use + groups), the rows of `by_interval`,
/// `by_interval_type`, `by_interval_channel` and `by_interval_group`. A
/// cell is about 2.7 kB of pretty JSON and 2.1 kB of CSV (measured: one
/// type, 10,000 intervals, 40,000 cells, 106 MB of JSON), so a report at
/// the limit is about 270 MB of JSON; a million intervals of one type
/// (4,000,000 cells, which the cap of a million intervals let through)
/// ran out of memory writing a 10 GB report. A week at 15-minute intervals
/// (672) of 20 types, 5 channels and 20 groups is 31,584 cells.
pub(crate) const MAX_REPORT_CELLS: usize = 100_000;

/// Refuses, naming `interval`, a report of more than [`MAX_REPORT_CELLS`]
/// interval cells.
fn report_cells(intervals: usize, types: &[TypePlan], groups: usize) -> Result<(), ScenarioError> {
    let type_count = types.len();
    let channels = types
        .iter()
        .map(|t| t.channel)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let rows = 1 + type_count + channels + groups;
    let cells = intervals.saturating_mul(rows);
    if cells <= MAX_REPORT_CELLS {
        return Ok(());
    }
    Err(invalid(
        "interval",
        format!(
            "{intervals} intervals × {rows} rows (1 + {type_count} contact types + {channels} \
             channels + {groups} groups) = {cells} report cells, more than the limit \
             {MAX_REPORT_CELLS} (about 2.7 kB of JSON each); use a longer interval"
        ),
    ))
}

/// The most replications a scenario may ask for. A run keeps every
/// replication's results (a few kilobytes each, more with many intervals)
/// until it reports, and a merge names the missing ones: four billion
/// loaded, then ran out of memory or listed sixteen gigabytes of indexes.
/// A million replications of a 10-second run are still inside.
pub(crate) const MAX_REPLICATIONS: u32 = 1_000_000;

/// The most arrivals per second of horizon a rate may bring: `rate ×
/// horizon` at most 1e12 expected arrivals per replication (days of
/// simulation). Beyond it a run would not end in any useful time, and soon
/// the mean gap between arrivals falls under the spacing of `f64` times
/// near the horizon, where the clock stops advancing and the run never ends.
const MAX_ARRIVALS: f64 = 1e12;

fn runnable_rate(field: impl Into<String>, rate: f64, horizon: f64) -> Result<(), ScenarioError> {
    if rate * horizon <= MAX_ARRIVALS {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!(
                "{}/s over the horizon ({} s) would bring {:e} arrivals per \
                 replication; at most 1e12 can be simulated",
                num(rate),
                num(horizon),
                rate * horizon
            ),
        ))
    }
}

fn finite_nonneg(field: impl Into<String>, v: f64) -> Result<(), ScenarioError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("must be finite and >= 0, got {}", num(v)),
        ))
    }
}

/// `x` of a unit for a message: `1 erlang`, `2 erlangs`, `0.5 erlangs`,
/// the number as [`num`] writes it (not 300 digits).
fn quantity(x: f64, one: &str, many: &str) -> String {
    format!("{} {}", num(x), if x == 1.0 { one } else { many })
}

/// `"HH:MM"` or `"HH:MM:SS"` as seconds after midnight.
/// `day_start` as text, or as a TOML local time written unquoted
/// (`day_start = 08:00:00`), read as its text; anything else is refused
/// with the form it must have.
fn day_start_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match Option::<toml::Value>::deserialize(d)? {
        None => Ok(None),
        Some(toml::Value::String(text)) => Ok(Some(text)),
        Some(toml::Value::Datetime(t)) if t.date.is_none() && t.time.is_some() => {
            Ok(Some(t.to_string()))
        }
        Some(other) => Err(D::Error::custom(format!(
            "day_start must be a time of day, \"HH:MM\" or \"HH:MM:SS\", got {other}"
        ))),
    }
}

pub(crate) fn parse_day_start(text: &str) -> Result<f64, String> {
    let bad = || format!("must be a time of day, \"HH:MM\" or \"HH:MM:SS\", got {text:?}");
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let mut secs = 0u32;
    for (i, p) in parts.iter().enumerate() {
        let (limit, width) = if i == 0 { (24, 1..=2) } else { (60, 2..=2) };
        if !width.contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let v: u32 = p.parse().map_err(|_| bad())?;
        if v >= limit {
            return Err(bad());
        }
        secs += v * [3600, 60, 1][i];
    }
    Ok(f64::from(secs))
}

/// How reports label time `t` (seconds since the start): with a
/// `day_start` (seconds after midnight) the clock time, `HH:MM` (`HH:MM:SS`
/// off the minute), `+Nd` on the days after the first; without one the time
/// elapsed, `HH:MM`, hours going on past 24. A time off the whole second
/// shows its fraction, trimmed (`00:00:00.5`, `00:30:00.25`), with as many
/// digits as it takes to name `t` itself: labels of distinct report
/// boundaries differ, and none names a time rounded away from its own.
pub fn clock_label(day_start: Option<f64>, t: f64) -> String {
    if !t.is_finite() {
        return format!("{t}");
    }
    let day_start = day_start.filter(|d| d.is_finite());
    // Whole seconds kept apart from the fraction: an 08:00 day start added
    // to a femtosecond boundary in f64 would swallow it.
    let base = day_start.map_or(0.0, f64::floor);
    let t = (t + day_start.map_or(0.0, |d| d - d.floor())).max(0.0);
    // A boundary is `i · interval`: a few ulps from the decimal it stands
    // for (0.30000000000000004 is 0.3). Digits past that are noise.
    let noise = 8.0 * f64::EPSILON * t;
    let off = |digits: u32| {
        let scale = 10f64.powi(digits as i32);
        ((t * scale).round() / scale - t).abs()
    };
    let mut digits = 0u32;
    while digits < MAX_DIGITS && off(digits) > noise {
        digits += 1;
    }
    let scale = 10u128.pow(digits);
    // Saturates past 1e38 / 10^digits s, where f64 holds no fraction anyway.
    let units = (t * scale as f64).round() as u128;
    let (whole, frac) = (units / scale, units % scale);
    let total = whole.saturating_add(base.max(0.0) as u128);
    let (days, s) = match day_start {
        Some(_) => (total / 86_400, total % 86_400),
        None => (0, total),
    };
    let mut out = format!("{:02}:{:02}", s / 3600, s / 60 % 60);
    if s % 60 != 0 || frac != 0 {
        out.push_str(&format!(":{:02}", s % 60));
    }
    if frac != 0 {
        let text = format!(".{frac:0width$}", width = digits as usize);
        out.push_str(text.trim_end_matches('0'));
    }
    if days > 0 {
        out.push_str(&format!("+{days}d"));
    }
    out
}

/// The most fractional digits a [`clock_label`] shows: a report's
/// boundaries are at least a millionth of its horizon apart, so its labels
/// differ for any horizon over 1e-14 s.
const MAX_DIGITS: u32 = 20;

/// A TOML scenario, parsed (not validated).
fn parse_toml(text: &str) -> Result<Scenario, ScenarioError> {
    toml::from_str(text).map_err(|e| {
        toml::from_str::<Written>(text)
            .ok()
            .and_then(|w| spec_path_error(&w, e.message()))
            .unwrap_or_else(|| ScenarioError::Parse {
                format: "TOML",
                message: e.to_string(),
            })
    })
}

/// A JSON scenario, parsed (not validated).
fn parse_json(text: &str) -> Result<Scenario, ScenarioError> {
    serde_json::from_str(text).map_err(|e| {
        serde_json::from_str::<Written>(text)
            .ok()
            .and_then(|w| spec_path_error(&w, &e.to_string()))
            .unwrap_or_else(|| ScenarioError::Parse {
                format: "JSON",
                message: e.to_string(),
            })
    })
}

/// The first spec of a scenario as written (`doc`) that does not read,
/// named down to its field (`contact_types[0].service.mean`,
/// `contact_types[0].arrivals.interval`, `policy.steps[0].after`), as the
/// validation names a value out of range: a distribution, an arrival
/// process or the policy. The parser's own error names no field for these:
/// TOML's caret falls on the whole table, and JSON's column on its end.
/// Read only once the scenario failed to parse, so a valid file is parsed
/// once; and only a spec whose own error is the parser's (`message`, which
/// holds it) is named: a file wrong earlier, in another field, is told of
/// that first, as the parser found it.
fn spec_path_error(doc: &Written, message: &str) -> Option<ScenarioError> {
    enum Spec {
        Dist,
        Arrivals,
        Policy,
        SelfService,
        Dialer,
    }
    // (field, as written, optional: JSON's null leaves it out, what it is)
    let mut at: Vec<(String, Option<&Written>, bool, Spec)> = Vec::new();
    if let Some(Written::List(types)) = doc.get("contact_types") {
        for (i, t) in types.iter().enumerate() {
            let field = format!("contact_types[{i}].arrivals");
            at.push((field, t.get("arrivals"), false, Spec::Arrivals));
            for (name, optional) in [("service", false), ("patience", true), ("wrap_up", true)] {
                let field = format!("contact_types[{i}].{name}");
                at.push((field, t.get(name), optional, Spec::Dist));
            }
            if let Some(ss) = t.get("self_service") {
                let field = format!("contact_types[{i}].self_service.time");
                at.push((field, ss.get("time"), false, Spec::Dist));
                let field = format!("contact_types[{i}].self_service");
                at.push((field, Some(ss), true, Spec::SelfService));
            }
            if let Some(d) = t.get("dialer") {
                let field = format!("contact_types[{i}].dialer");
                at.push((field, Some(d), true, Spec::Dialer));
            }
        }
    }
    if let Some(offers) = doc.get("offers") {
        for name in ["ring_delay", "rona_pause"] {
            at.push((format!("offers.{name}"), offers.get(name), true, Spec::Dist));
        }
    }
    at.push(("policy".into(), doc.get("policy"), false, Spec::Policy));
    at.into_iter().find_map(|(field, w, optional, spec)| {
        let w = w.filter(|w| !(optional && **w == Written::Null))?;
        let (e, text) = match spec {
            Spec::Dist => {
                let e = Dist::from_written(w).err()?;
                let text = e.to_string();
                (e, text)
            }
            Spec::Arrivals => locate::<ArrivalSpec>(w, "kind")?,
            Spec::Policy => locate::<PolicySpec>(w, "policy")?,
            Spec::SelfService => locate::<SelfService>(w, "self_service")?,
            Spec::Dialer => locate::<Dialer>(w, "dialer")?,
        };
        message.contains(&text).then(|| {
            if e.key.is_empty() {
                invalid(field, e.rule)
            } else {
                invalid(format!("{field}.{}", e.key), e.rule)
            }
        })
    })
}

fn dist(field: &str, d: &Dist) -> Result<Sampler, ScenarioError> {
    d.sampler()
        .map_err(|e| invalid(format!("{field}.{}", e.field), e.rule))
}

/// Names for an error message: all of a short list, the first 20 of a long
/// one and how many more (a scenario may declare thousands of skills).
fn name_list(names: &[String]) -> String {
    const SHOWN: usize = 20;
    if names.is_empty() {
        return "none".into();
    }
    let mut list = names[..names.len().min(SHOWN)].join(", ");
    if names.len() > SHOWN {
        list.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    list
}

/// Whether group `g` can serve contact type `t`, with its skill minimums
/// lowered by `relax` (a skill-expansion step's, never below 1; 0: as
/// written): some capacity on its channel, and every skill it requires.
fn serves(g: &GroupSpec, t: &ContactTypeSpec, relax: u8) -> bool {
    g.capacity.get(&t.channel).is_some_and(|&c| c > 0)
        && t.requires.iter().all(|(k, &l)| {
            let need = if relax == 0 {
                l
            } else {
                l.saturating_sub(relax).max(1)
            };
            g.skills.get(k).is_some_and(|&x| x >= need)
        })
}

/// What each group lacks to serve contact type `t` (its first lack; the
/// first 20 groups): an error that only said "no group can serve it" left
/// the planner to compare every group's skills against the type's by hand.
fn lacking(t: &ContactTypeSpec, groups: &[GroupSpec]) -> String {
    const SHOWN: usize = 20;
    let mut out: Vec<String> = groups
        .iter()
        .take(SHOWN)
        .map(|g| {
            if g.capacity.get(&t.channel).is_none_or(|&c| c == 0) {
                return format!("group {:?} takes no {}", g.name, t.channel);
            }
            for (k, &l) in &t.requires {
                match g.skills.get(k) {
                    None => return format!("group {:?} lacks {k} (needs {l})", g.name),
                    Some(&x) if x < l => {
                        return format!("group {:?} has {k} at {x}, needs {l}", g.name);
                    }
                    Some(_) => {}
                }
            }
            format!("group {:?} could", g.name)
        })
        .collect();
    if groups.len() > SHOWN {
        out.push(format!("and {} more groups", groups.len() - SHOWN));
    }
    out.join("; ")
}

fn unique_names<'a>(
    field: &str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), ScenarioError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, n) in names.enumerate() {
        if n.is_empty() {
            return Err(invalid(format!("{field}[{i}]"), "must not be empty"));
        }
        // Names head report rows and CSV cells: a line break would split them.
        if n.chars().any(char::is_control) {
            return Err(invalid(
                format!("{field}[{i}]"),
                format!("{n:?}: a name must not hold control characters (line breaks, tabs)"),
            ));
        }
        if !seen.insert(n) {
            return Err(invalid(
                format!("{field}[{i}]"),
                format!("duplicate name {n:?}"),
            ));
        }
    }
    Ok(())
}

fn level(field: &str, l: u8) -> Result<u8, ScenarioError> {
    if (1..=10).contains(&l) {
        Ok(l)
    } else {
        Err(invalid(field, format!("level must be in 1..=10, got {l}")))
    }
}

fn unit(field: impl Into<String>, v: f64) -> Result<(), ScenarioError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(invalid(field, format!("must be in 0..=1, got {}", num(v))))
    }
}

/// Checks a (segment × group) table of values in `0..=1` (the field
/// `name`: `fit`, `outcomes.resolution`) against the scenario's segments and
/// groups, and makes it dense.
fn compile_fit(
    name: &str,
    f: &FitSpec,
    segments: &[String],
    groups: &[GroupSpec],
    agent_group: &[u32],
) -> Result<GroupFit, ScenarioError> {
    unit(format!("{name}.default"), f.default)?;
    let n = groups.len();
    let mut table = vec![f.default; segments.len() * n];
    for (seg, row) in &f.segments {
        let fs = format!("{name}.segments.{seg}");
        let si = segments.iter().position(|x| x == seg).ok_or_else(|| {
            ScenarioError::UnknownSegment {
                field: fs.clone(),
                segment: seg.clone(),
            }
        })?;
        for (group, &v) in row {
            let fg = format!("{fs}.{group}");
            let gi = groups
                .iter()
                .position(|g| g.name == *group)
                .ok_or_else(|| ScenarioError::UnknownGroup {
                    field: fg.clone(),
                    group: group.clone(),
                })?;
            unit(fg, v)?;
            table[si * n + gi] = v;
        }
    }
    Ok(GroupFit {
        table: table.into(),
        groups: n,
        agent_group: agent_group.into(),
    })
}

/// Where a trace file is: a relative path from the scenario's directory.
fn trace_path(base_dir: &Option<PathBuf>, file: &Path) -> PathBuf {
    match base_dir {
        Some(d) if file.is_relative() => d.join(file),
        _ => file.to_path_buf(),
    }
}

/// A trace file that is not there, said with where a relative path is
/// read from: the scenario file's directory, where a planner who ran from
/// the project's root may have written the path from there. If the file
/// is there from the working directory, that is said too.
fn missing_trace(
    field: &str,
    base_dir: &Option<PathBuf>,
    file: &Path,
    path: &Path,
) -> Result<(), ScenarioError> {
    if path.exists() {
        return Ok(());
    }
    let mut rule = format!("cannot read {}: no such file", path.display());
    if let Some(dir) = base_dir.as_ref().filter(|_| file.is_relative()) {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        rule.push_str(&format!(
            " (a relative path is read from the scenario file's directory, {})",
            dir.display()
        ));
        if file.exists() {
            rule.push_str(&format!(
                "; {} is there from the working directory: give the path from the \
                 scenario file's directory, or an absolute one",
                file.display()
            ));
        }
    }
    Err(invalid(field, rule))
}

/// A key of what a scenario's replications are: a 64-bit FNV-1a hash, in
/// hex, of the scenario as JSON without its `policy` and `replications`
/// (a run's policies and how many replications it has are checked apart).
/// Each replication carries it, so that merging refuses replications of
/// another scenario — other settings, seed or `--set` changes — rather
/// than reporting them as this one's. A trace file counts by its path, not
/// its contents.
fn scenario_key(s: &Scenario) -> String {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("policy");
        o.remove("replications");
        // A replication that ran is the same under any limit it stayed
        // under (one that did not is an error, not a replication).
        o.remove("max_in_system");
    }
    fnv_hex(&v.to_string())
}

/// A key of a built-in policy's parameters, as [`scenario_key`] is of the
/// scenario: a 64-bit FNV-1a hash, in hex, of the policy as JSON. The
/// scenario key leaves the policy out (a run has several), and a policy's
/// name does not tell its parameters apart: each replication run from a
/// [`PolicySpec`] carries this too, so that merging tasks refuses
/// replications run with other parameters of the same policy (other
/// skill-expansion steps, say, from `--set policy.steps=…`).
pub(crate) fn policy_key(spec: &PolicySpec) -> String {
    fnv_hex(&serde_json::to_string(spec).unwrap_or_default())
}

/// 64-bit FNV-1a of `text`, in hex.
fn fnv_hex(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A trace file's rows of types the scenario does not have: per type, how
/// many and the first one's line.
type Strangers = BTreeMap<String, (usize, usize)>;

/// A trace type's arrivals as [`Scenario::warnings`] reads them: its
/// `times` and its file's rows of it, and the file's path with its rows of
/// types not in the scenario.
struct Trace {
    times: Vec<f64>,
    file: Option<(PathBuf, Strangers)>,
}

/// The expected number of arrivals of a type in `[a, b)`, a trace's count
/// (`trace`: its times, file rows included; `None`, its `times` only).
fn arrivals_in(arrivals: &ArrivalSpec, trace: Option<&[f64]>, a: f64, b: f64) -> f64 {
    match arrivals {
        ArrivalSpec::Poisson { rate } => rate * (b - a).max(0.0),
        ArrivalSpec::Piecewise { interval, rates } => rates
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let lo = (i as f64 * interval).max(a);
                let hi = ((i + 1) as f64 * interval).min(b);
                r * (hi - lo).max(0.0)
            })
            .sum(),
        ArrivalSpec::Trace { times, .. } => trace
            .unwrap_or(times)
            .iter()
            .filter(|&&x| x >= a && x < b)
            .count() as f64,
    }
}

/// The arrival times of `type_name` in a trace file: `time` or `time,type`
/// rows, blank lines and `#` comments skipped, and a header allowed as the
/// first other line (one whose first field does not start like a number).
/// Every row of the type is checked and named by its line: a time that is
/// not a number, not finite or negative, or before the type's previous row;
/// and the rows are all `time` or all `time,type`, as the header says if it
/// has two columns (a row without a type in a file with a type column would
/// count for every type reading it).
/// Rows of a type that is none of the scenario's `types` are counted by
/// type, with their first line: a file may be shared by scenarios that
/// model other types, but a typo would lose its contacts without a word,
/// so [`Scenario::warnings`] names them. A type with a comma in its name is
/// in double quotes, as CSV has it, and as the per-contact trace writes it
/// (see [`csv_rows`]). Only the first two columns are read, but every
/// line's quotes are checked: a quote left open in a later column would
/// otherwise take the lines after it into that column.
fn read_trace(
    field: &str,
    path: &Path,
    type_name: &str,
    types: &[&str],
) -> Result<(Vec<f64>, Strangers), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(
            format!("{field}.file"),
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let bad = |n: usize, rule: String| {
        invalid(
            format!("{field}.file"),
            format!("{}:{}: {rule}", path.display(), n + 1),
        )
    };
    let mut times = Vec::new();
    let mut strangers = Strangers::new();
    let mut last: Option<(f64, usize)> = None;
    let mut first = true;
    // Whether the first row had a type column, and its line: a row
    // without one would be every type's arrival, one with one only its
    // type's, so a file that mixes them is refused.
    let mut typed: Option<(bool, usize)> = None;
    // The header's line, if the file has one.
    let mut header_line = usize::MAX;
    let quoting = |b: csv_rows::BadLine| {
        let rule = match b.fault {
            csv_rows::Fault::Unclosed => "a quoted field has no closing quote on its line".into(),
            csv_rows::Fault::AfterQuote(after) => {
                format!("{after:?} after a closing quote: a quoted field ends at its comma")
            }
            csv_rows::Fault::Csv(e) => e,
        };
        bad(b.line, rule)
    };
    csv_rows::for_each_row(&text, quoting, |n, row| {
        let mut fields = row.iter();
        let t = fields.next().unwrap_or("");
        let ty = fields.next();
        let header = std::mem::take(&mut first)
            && !t.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c));
        if header {
            header_line = n;
            // A header naming a type column makes the file typed: a row
            // without a type would be every type's arrival.
            if ty.is_some() {
                typed = Some((true, n));
            }
            return Ok(());
        }
        let Ok(t) = t.parse::<f64>() else {
            return Err(bad(n, format!("{t:?} is not a number")));
        };
        match typed {
            None => typed = Some((ty.is_some(), n)),
            // The first typed row, named rather than the header.
            Some((true, m)) if m == header_line && ty.is_some() => typed = Some((true, n)),
            Some((with, m)) if with != ty.is_some() => {
                let (has, lacks) = if with { (m, n) } else { (n, m) };
                let names = if has == header_line {
                    format!("the header (line {}) has a type column", has + 1)
                } else {
                    format!("line {} does", has + 1)
                };
                return Err(bad(
                    n,
                    format!(
                        "line {} names no type but {names}: in a file with a type \
                         column every row names its type (a row without one would be an \
                         arrival of every type that reads the file)",
                        lacks + 1,
                    ),
                ));
            }
            Some(_) => {}
        }
        if let Some(ty) = ty
            && !types.contains(&ty)
        {
            strangers.entry(ty.to_string()).or_insert((0, n + 1)).0 += 1;
            return Ok(());
        }
        if ty.is_some_and(|ty| ty != type_name) {
            return Ok(());
        }
        if !(t.is_finite() && t >= 0.0) {
            return Err(bad(n, format!("time {} is not finite and >= 0", num(t))));
        }
        if let Some((before, m)) = last
            && t < before
        {
            return Err(bad(
                n,
                format!(
                    "{type_name:?}'s times must not decrease: {} is before {} (line {})",
                    num(t),
                    num(before),
                    m + 1
                ),
            ));
        }
        last = Some((t, n));
        times.push(t);
        Ok(())
    })?;
    Ok((times, strangers))
}

impl Plan {
    /// Whether some contact type has a self-service tier (whose figures a
    /// report then writes).
    pub(crate) fn has_self_service(&self) -> bool {
        self.types.iter().any(|t| t.self_service.is_some())
    }

    /// Whether some contact type has a dialer (outbound work, blending).
    pub(crate) fn has_dialer(&self) -> bool {
        self.types.iter().any(|t| t.dialer.is_some())
    }

    /// Whether type `k`'s contacts count in the inbound rows (total,
    /// channel, segment, interval, group): all but a dialer's.
    pub(crate) fn inbound(&self, k: usize) -> bool {
        self.types[k].dialer.is_none()
    }

    pub(crate) fn compile(s: &Scenario) -> Result<Plan, ScenarioError> {
        finite_pos("horizon", s.horizon)?;
        if s.horizon > crate::TIME_LIMIT {
            return Err(invalid(
                "horizon",
                format!(
                    "must be at most 1e12 s (the router's TIME_LIMIT, about 31,700 years), got {}",
                    num(s.horizon)
                ),
            ));
        }
        finite_nonneg("warm_up", s.warm_up)?;
        if s.warm_up >= s.horizon {
            return Err(invalid(
                "warm_up",
                format!(
                    "must be < horizon ({}), got {}",
                    num(s.horizon),
                    num(s.warm_up)
                ),
            ));
        }
        if s.replications == 0 {
            return Err(invalid("replications", "must be >= 1"));
        }
        if s.max_in_system == 0 {
            return Err(invalid(
                "max_in_system",
                "must be >= 1 (the most contacts in the system at once)",
            ));
        }
        if s.replications > MAX_REPLICATIONS {
            return Err(invalid(
                "replications",
                format!("must be at most {MAX_REPLICATIONS}, got {}", s.replications),
            ));
        }
        let interval = match s.interval {
            Some(l) => {
                finite_pos("interval", l)?;
                l
            }
            None => s.horizon,
        };
        let intervals = interval_count(s.horizon, interval);
        if intervals > 1e6 {
            return Err(invalid(
                "interval",
                format!("gives {intervals} report rows; at most 1,000,000"),
            ));
        }
        let intervals = intervals as usize;
        let day_start = s
            .day_start
            .as_deref()
            .map(|d| parse_day_start(d).map_err(|rule| invalid("day_start", rule)))
            .transpose()?;

        // Names.
        if s.channels.is_empty() || s.channels.len() > 256 {
            return Err(invalid("channels", "must list 1 to 256 channels"));
        }
        unique_names("channels", s.channels.iter().map(String::as_str))?;
        if s.skills.len() > u16::MAX as usize {
            return Err(invalid("skills", "at most 65535 skills"));
        }
        unique_names("skills", s.skills.iter().map(String::as_str))?;
        let skill = |field: String, name: &str| -> Result<SkillId, ScenarioError> {
            s.skills
                .iter()
                .position(|k| k == name)
                .map(|i| SkillId(i as u16))
                .ok_or_else(|| ScenarioError::UnknownSkill {
                    field,
                    skill: name.to_string(),
                    declared: name_list(&s.skills),
                })
        };
        let channel = |field: String, name: &str| -> Result<ChannelId, ScenarioError> {
            s.channels
                .iter()
                .position(|k| k == name)
                .map(|i| ChannelId(i as u8))
                .ok_or_else(|| ScenarioError::UnknownChannel {
                    field,
                    channel: name.to_string(),
                    declared: name_list(&s.channels),
                })
        };

        // Service levels.
        let mut targets = vec![ServiceTarget::default(); s.channels.len()];
        let check_target = |f: &str, t: &ServiceTarget| {
            finite_nonneg(format!("{f}.threshold"), t.threshold)?;
            if !(0.0..=1.0).contains(&t.fraction) {
                return Err(invalid(
                    format!("{f}.fraction"),
                    format!("must be in 0..=1, got {}", num(t.fraction)),
                ));
            }
            finite_nonneg(format!("{f}.short_abandon"), t.short_abandon)?;
            // Above the threshold, an answer after the threshold would be a
            // miss while an abandon at the same wait counted for nothing.
            if t.short_abandon > t.threshold {
                return Err(invalid(
                    format!("{f}.short_abandon"),
                    format!(
                        "must not exceed {f}.threshold ({} s), got {} s",
                        num(t.threshold),
                        num(t.short_abandon)
                    ),
                ));
            }
            Ok(())
        };
        for (name, t) in &s.service_levels {
            let f = format!("service_levels.{name}");
            let c = channel(f.clone(), name)?;
            check_target(&f, t)?;
            targets[c.0 as usize] = *t;
        }

        // Groups and agents.
        if s.groups.is_empty() {
            return Err(invalid("groups", "must list at least one agent group"));
        }
        unique_names("groups", s.groups.iter().map(|g| g.name.as_str()))?;
        // The report's fairness rows are named by group, and "all" is the
        // row of every agent: a group of that name would make two rows that
        // nobody can tell apart.
        if let Some(i) = s.groups.iter().position(|g| g.name == "all") {
            return Err(invalid(
                format!("groups[{i}].name"),
                "\"all\" names the report's row of all agents: name the group otherwise",
            ));
        }
        let mut groups = Vec::with_capacity(s.groups.len());
        let mut agents = Vec::new();
        let mut agent_group = Vec::new();
        for (gi, g) in s.groups.iter().enumerate() {
            let f = format!("groups[{gi}]");
            if g.count == 0 {
                return Err(ScenarioError::EmptyGroup {
                    field: format!("{f}.count"),
                });
            }
            finite_pos(format!("{f}.speed"), g.speed)?;
            let mut skills = Vec::new();
            for (name, &l) in &g.skills {
                let fs = format!("{f}.skills.{name}");
                skills.push((skill(fs.clone(), name)?, level(&fs, l)?));
            }
            let mut caps = Vec::new();
            for (name, &m) in &g.capacity {
                caps.push((channel(format!("{f}.capacity.{name}"), name)?, m));
            }
            if caps.iter().all(|&(_, m)| m == 0) {
                return Err(invalid(
                    format!("{f}.capacity"),
                    "needs a channel with a capacity of at least 1",
                ));
            }
            if g.total_capacity == Some(0) {
                return Err(invalid(format!("{f}.total_capacity"), "must be >= 1"));
            }
            let mut shifts = Vec::new();
            let mut last_end = 0.0f64;
            for (si, sh) in g.shifts.iter().enumerate() {
                let fs = format!("{f}.shifts[{si}]");
                finite_nonneg(format!("{fs}.start"), sh.start)?;
                if sh.end.is_nan() || sh.end <= sh.start {
                    return Err(invalid(
                        format!("{fs}.end"),
                        format!(
                            "must be after start ({}), got {}",
                            num(sh.start),
                            num(sh.end)
                        ),
                    ));
                }
                if sh.start < last_end {
                    return Err(invalid(
                        format!("{fs}.start"),
                        format!(
                            "shifts must be sorted and not overlap: starts at {} before the previous end {last_end}",
                            sh.start
                        ),
                    ));
                }
                let on = g.shift_count(sh);
                if on > g.count {
                    return Err(invalid(
                        format!("{fs}.count"),
                        format!(
                            "{on} agents on shift, but group {:?} has {} (its count is the \
                             headcount its shifts draw on: raise groups[{gi}].count to at least {on})",
                            g.name, g.count
                        ),
                    ));
                }
                last_end = sh.end;
                shifts.push((sh.start, sh.end, on));
            }
            if shifts.is_empty() {
                shifts.push((0.0, f64::INFINITY, g.count));
            }
            let first = agents.len();
            if first + g.count as usize > MAX_AGENTS {
                return Err(invalid(
                    format!("{f}.count"),
                    format!(
                        "too many agents: {} in the groups up to this one, at most {MAX_AGENTS} in a scenario",
                        first as u64 + u64::from(g.count)
                    ),
                ));
            }
            for k in 0..g.count {
                let id = AgentId((first + k as usize) as u32);
                let mut b = Agent::builder(id)
                    .speed(g.speed)
                    .attribute("group", g.name.clone());
                for &(sk, l) in &skills {
                    b = b.skill(sk, l);
                }
                for &(c, m) in &caps {
                    b = b.channel(c, m);
                }
                if let Some(t) = g.total_capacity {
                    b = b.total_capacity(t);
                }
                agents.push(b.build().map_err(|e| invalid(f.clone(), e.to_string()))?);
                agent_group.push(gi as u32);
            }
            groups.push(GroupPlan {
                name: g.name.clone(),
                first_agent: first as u32,
                shifts,
            });
        }

        // Contact types.
        if s.contact_types.is_empty() {
            return Err(invalid(
                "contact_types",
                "must list at least one contact type",
            ));
        }
        if s.contact_types.len() > u16::MAX as usize {
            return Err(invalid("contact_types", "at most 65535 contact types"));
        }
        unique_names(
            "contact_types",
            s.contact_types.iter().map(|t| t.name.as_str()),
        )?;
        let mut segments: Vec<String> = Vec::new();
        let mut types = Vec::with_capacity(s.contact_types.len());
        for (ti, t) in s.contact_types.iter().enumerate() {
            let f = format!("contact_types[{ti}]");
            let ch = channel(format!("{f}.channel"), &t.channel)?;
            let mut requires = Vec::new();
            for (name, &l) in &t.requires {
                let fr = format!("{f}.requires.{name}");
                requires.push((skill(fr.clone(), name)?, level(&fr, l)?));
            }
            // Who can serve it? (Whether they work before the horizon is a
            // warning: a staffing search keeps unstaffed groups that way.)
            let servable = groups.iter().any(|g| {
                let agent = &agents[g.first_agent as usize];
                agent.capacity(ch) > 0
                    && requires
                        .iter()
                        .all(|&(sk, l)| agent.level(sk).is_some_and(|x| x.get() >= l))
            });
            // A type its self-service tier contains whole never reaches an
            // agent (a bot-only line): nobody need serve it.
            let all_contained = t
                .self_service
                .as_ref()
                .is_some_and(|ss| ss.containment == 1.0);
            if !servable && !all_contained {
                return Err(ScenarioError::Unservable {
                    field: f,
                    contact_type: t.name.clone(),
                    why: lacking(t, &s.groups),
                });
            }
            let mut mix: Vec<(String, f64)> =
                t.segments.iter().map(|(k, v)| (k.clone(), *v)).collect();
            if mix.is_empty() {
                mix.push(("default".into(), 1.0));
            }
            let mut total = 0.0;
            for (name, w) in &mix {
                if name.is_empty() || name.chars().any(char::is_control) {
                    return Err(invalid(
                        format!("{f}.segments"),
                        format!(
                            "{name:?}: a segment name must not be empty or hold control characters"
                        ),
                    ));
                }
                finite_nonneg(format!("{f}.segments.{name}"), *w)?;
                total += w;
            }
            if total <= 0.0 {
                return Err(invalid(
                    format!("{f}.segments"),
                    "weights must add up to more than 0",
                ));
            }
            // Weights are relative: finite ones whose sum overflows (two of
            // 1e308) are scaled by the largest first, or every share would be
            // 0 and every contact drawn into the last segment.
            if total.is_infinite() {
                let top = mix.iter().map(|(_, w)| *w).fold(0.0, f64::max);
                for (_, w) in &mut mix {
                    *w /= top;
                }
                total = mix.iter().map(|(_, w)| *w).sum();
            }
            let mut cum = 0.0;
            let mut seg = Vec::with_capacity(mix.len());
            for (name, w) in mix {
                if w == 0.0 {
                    continue;
                }
                cum += w / total;
                let ix = match segments.iter().position(|x| *x == name) {
                    Some(i) => i,
                    None => {
                        segments.push(name);
                        segments.len() - 1
                    }
                };
                seg.push((cum, ix as u32));
            }
            if let Some(last) = seg.last_mut() {
                last.0 = 1.0;
            }
            let arrivals = match &t.arrivals {
                ArrivalSpec::Poisson { rate } => {
                    finite_nonneg(format!("{f}.arrivals.rate"), *rate)?;
                    runnable_rate(format!("{f}.arrivals.rate"), *rate, s.horizon)?;
                    ArrivalPlan::Poisson(*rate)
                }
                ArrivalSpec::Piecewise { interval, rates } => {
                    finite_pos(format!("{f}.arrivals.interval"), *interval)?;
                    for (i, r) in rates.iter().enumerate() {
                        finite_nonneg(format!("{f}.arrivals.rates[{i}]"), *r)?;
                        runnable_rate(format!("{f}.arrivals.rates[{i}]"), *r, s.horizon)?;
                    }
                    ArrivalPlan::Piecewise {
                        interval: *interval,
                        rates: rates.as_slice().into(),
                    }
                }
                ArrivalSpec::Trace { times, file } => {
                    let mut all = times.clone();
                    if let Some((i, bad)) = all
                        .iter()
                        .enumerate()
                        .find(|(_, x)| !(x.is_finite() && **x >= 0.0))
                    {
                        return Err(invalid(
                            format!("{f}.arrivals.times[{i}]"),
                            format!("trace time {} is not finite and >= 0", num(*bad)),
                        ));
                    }
                    if let Some(i) = all.windows(2).position(|w| w[1] < w[0]) {
                        return Err(invalid(
                            format!("{f}.arrivals.times[{}]", i + 1),
                            format!(
                                "trace times must not decrease: {} is before {}",
                                num(all[i + 1]),
                                num(all[i])
                            ),
                        ));
                    }
                    if let Some(file) = file {
                        let path = trace_path(&s.base_dir, file);
                        missing_trace(&format!("{f}.arrivals.file"), &s.base_dir, file, &path)?;
                        let names: Vec<&str> =
                            s.contact_types.iter().map(|t| t.name.as_str()).collect();
                        let (rows, _) =
                            read_trace(&format!("{f}.arrivals"), &path, &t.name, &names)?;
                        if let (Some(&last), Some(&next)) = (all.last(), rows.first())
                            && next < last
                        {
                            return Err(invalid(
                                format!("{f}.arrivals.file"),
                                format!(
                                    "{}: its first time for {:?}, {}, is before the last of \
                                     `times`, {}: the file's times come after them",
                                    path.display(),
                                    t.name,
                                    num(next),
                                    num(last)
                                ),
                            ));
                        }
                        all.extend(rows);
                    }
                    ArrivalPlan::Trace(all.into())
                }
            };
            let mut b = Contact::builder(ContactId(0), ch, 0.0)
                .priority(t.priority)
                .tier(TierId(t.tier));
            for &(skill, level) in &requires {
                b = b.requires(skill, level);
            }
            let template = b
                .build()
                .map_err(|e| invalid(format!("{f}.requires"), e.to_string()))?;
            types.push(TypePlan {
                name: t.name.clone(),
                channel: ch,
                template,
                segments: seg,
                arrivals,
                service: dist(&format!("{f}.service"), &t.service)?,
                patience: t
                    .patience
                    .as_ref()
                    .map(|d| dist(&format!("{f}.patience"), d))
                    .transpose()?,
                wrap: t
                    .wrap_up
                    .as_ref()
                    .map(|d| dist(&format!("{f}.wrap_up"), d))
                    .transpose()?,
                target: match &t.service_level {
                    Some(own) => {
                        check_target(&format!("{f}.service_level"), own)?;
                        *own
                    }
                    None => targets[ch.0 as usize],
                },
                self_service: match &t.self_service {
                    Some(ss) => {
                        let c = ss.containment;
                        if !(0.0..=1.0).contains(&c) {
                            return Err(invalid(
                                format!("{f}.self_service.containment"),
                                format!("{} is not a share in 0..=1", num(c)),
                            ));
                        }
                        Some((c, dist(&format!("{f}.self_service.time"), &ss.time)?))
                    }
                    None => None,
                },
                dialer: match &t.dialer {
                    Some(d) => {
                        // Its items wait in the dialer, not on the line:
                        // nobody hangs up on a call not yet made.
                        if t.patience.is_some() {
                            return Err(invalid(
                                format!("{f}.patience"),
                                "a dialer type's items have no patience (they wait in the \
                                 dialer, not on the line): drop patience or dialer",
                            ));
                        }
                        if t.self_service.is_some() {
                            return Err(invalid(
                                format!("{f}.self_service"),
                                "a dialer type's items go to agents, not through a \
                                 self-service tier: drop self_service or dialer",
                            ));
                        }
                        // Counts are reported as f64, and a count near
                        // u64::MAX would wrap with the arrivals added.
                        if d.backlog > MAX_BACKLOG {
                            return Err(invalid(
                                format!("{f}.dialer.backlog"),
                                format!("{} is more than 2^53 items", d.backlog),
                            ));
                        }
                        Some(DialerPlan {
                            reserve: d.reserve,
                            backlog: d.backlog,
                        })
                    }
                    None => None,
                },
            });
        }
        if segments.len() > u16::MAX as usize {
            return Err(invalid("contact_types", "at most 65535 segments"));
        }

        s.policy.validate()?;
        s.router
            .validate()
            .map_err(|e| invalid("router", e.to_string()))?;
        let ring = s
            .offers
            .ring_delay
            .as_ref()
            .map(|d| dist("offers.ring_delay", d))
            .transpose()?;
        if s.router.auto_accept && ring.is_some() {
            return Err(invalid(
                "router.auto_accept",
                "an auto-answered offer does not ring: drop offers.ring_delay or auto_accept",
            ));
        }
        if let Some(t) = s.offers.timeout {
            finite_pos("offers.timeout", t)?;
        }
        let rona = s
            .offers
            .rona_pause
            .as_ref()
            .map(|d| dist("offers.rona_pause", d))
            .transpose()?;
        if rona.is_some() && s.offers.timeout.is_none() {
            return Err(invalid(
                "offers.rona_pause",
                "needs offers.timeout: without a time-out no offer goes unanswered",
            ));
        }
        // A draining run ends when its last contact leaves. If every ring
        // outlasts the time-out, no contact is ever answered, and one
        // without patience would be offered again forever.
        if let (true, Some(ring), Some(to)) = (s.drain, &s.offers.ring_delay, s.offers.timeout)
            && ring.least() >= to
            && let Some(t) = s.contact_types.iter().find(|t| t.patience.is_none())
        {
            return Err(invalid(
                "drain",
                format!(
                    "every offer rings {} s or more (offers.ring_delay) and times out at {to} s \
                     (offers.timeout), so no contact is answered, and {:?} has no patience: \
                     a draining run would never end (set drain = false, or make rings shorter \
                     than the time-out, or give it a patience)",
                    ring.least(),
                    t.name
                ),
            ));
        }
        if let Some(every) = s.rebalance_every {
            finite_pos("rebalance_every", every)?;
            if s.horizon / every > 1e9 {
                return Err(invalid(
                    "rebalance_every",
                    format!(
                        "gives {} re-plans per replication; at most 1,000,000,000",
                        s.horizon / every
                    ),
                ));
            }
        }
        if s.batch_window && s.rebalance_every.is_none() {
            return Err(invalid(
                "batch_window",
                "needs rebalance_every (the window's length)",
            ));
        }
        let fit = s
            .fit
            .as_ref()
            .map(|f| compile_fit("fit", f, &segments, &s.groups, &agent_group))
            .transpose()?;
        let resolution = s
            .outcomes
            .as_ref()
            .map(|o| {
                compile_fit(
                    "outcomes.resolution",
                    &o.resolution,
                    &segments,
                    &s.groups,
                    &agent_group,
                )
            })
            .transpose()?;

        report_cells(intervals, &types, groups.len())?;

        Ok(Plan {
            name: s.name.clone(),
            key: scenario_key(s),
            seed: s.seed,
            horizon: s.horizon,
            warm_up: s.warm_up,
            replications: s.replications,
            interval,
            intervals,
            day_start,
            drain: s.drain,
            channels: s.channels.clone(),
            segments,
            groups,
            agents,
            agent_group,
            types,
            policy: s.policy.clone(),
            // Without a ring delay every offer is answered at once: the
            // router connects it itself (auto-answer), as such an ACD would.
            // Nothing here reads an offer's score breakdown: not computed.
            router: RouterConfig {
                auto_accept: ring.is_none(),
                explain: false,
                ..s.router
            },
            ring,
            offer_timeout: s.offers.timeout,
            rona,
            targets,
            rebalance_every: s.rebalance_every,
            batch_window: s.batch_window,
            fit,
            resolution,
            expected_wait: s.expected_wait,
            max_in_system: s.max_in_system,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_read_and_print() {
        assert_eq!(parse_day_start("08:00"), Ok(28_800.0));
        assert_eq!(parse_day_start("8:00"), Ok(28_800.0));
        assert_eq!(parse_day_start("23:59:59"), Ok(86_399.0));
        assert_eq!(parse_day_start("00:00"), Ok(0.0));
        for bad in [
            "24:00",
            "12:60",
            "12:00:60",
            "12",
            "12:00:00:00",
            "ab:cd",
            "12:5",
            "",
            "-1:00",
            "123:00",
        ] {
            let e = parse_day_start(bad).unwrap_err();
            assert!(e.contains(&format!("{bad:?}")), "{bad}: {e}");
        }
        let at8 = Some(28_800.0);
        assert_eq!(clock_label(None, 0.0), "00:00");
        assert_eq!(clock_label(None, 1800.0), "00:30");
        assert_eq!(
            clock_label(None, 90_000.0),
            "25:00",
            "elapsed time goes past 24 h"
        );
        assert_eq!(clock_label(at8, 0.0), "08:00");
        assert_eq!(clock_label(at8, 45_000.0), "20:30");
        assert_eq!(clock_label(at8, 59_400.0), "00:30+1d");
        assert_eq!(clock_label(at8, 2.0 * 86_400.0), "08:00+2d");
        assert_eq!(clock_label(Some(28_830.0), 0.0), "08:00:30");
        assert_eq!(clock_label(at8, f64::INFINITY), "inf");
    }

    /// A time off the whole second shows its fraction, trimmed, rather
    /// than the nearest second (which named another time, and gave two
    /// boundaries of a sub-second interval one label); whole seconds read as
    /// before, and a product's last-ulp noise is no digit.
    #[test]
    fn clock_labels_off_the_second_show_the_fraction() {
        let at8 = Some(28_800.0);
        assert_eq!(clock_label(None, 0.5), "00:00:00.5");
        assert_eq!(clock_label(None, 1800.25), "00:30:00.25");
        assert_eq!(clock_label(at8, 1799.6), "08:29:59.6");
        assert_eq!(clock_label(at8, 57_600.5), "00:00:00.5+1d");
        assert_eq!(clock_label(None, 3.0 * 0.1), "00:00:00.3");
        assert_eq!(clock_label(None, 60.0 - 1e-14), "00:01");
        assert_eq!(clock_label(None, 1.0 / 3.0), "00:00:00.333333333333333");
        // A day start does not swallow a boundary a nanosecond in.
        assert_eq!(clock_label(at8, 1e-9), "08:00:00.000000001");
        assert_eq!(clock_label(Some(28_800.5), 0.25), "08:00:00.75");
    }

    /// Seconds since midnight (or the start) that a label names.
    fn label_seconds(label: &str) -> f64 {
        let (clock, days) = match label.split_once('+') {
            Some((c, d)) => (c, d.trim_end_matches('d').parse::<f64>().unwrap()),
            None => (label, 0.0),
        };
        let parts: Vec<f64> = clock.split(':').map(|p| p.parse().unwrap()).collect();
        days * 86_400.0 + parts[0] * 3600.0 + parts[1] * 60.0 + parts.get(2).unwrap_or(&0.0)
    }

    /// Every boundary of a report's intervals (as `Report` computes them)
    /// gets its own label, naming that boundary, for intervals of a
    /// fast queue's half second, off whole seconds, and the finest a
    /// scenario allows (a millionth of its horizon).
    #[test]
    fn clock_labels_of_report_boundaries_are_distinct_and_true() {
        for (day_start, horizon, interval) in [
            (None, 10.0, 0.5),
            (Some(28_800.0), 3.0, 0.1),
            (None, 3600.0, 37.894_736_842_105_26),
            (Some(84_600.0), 7201.0, 1800.25),
            (Some(28_800.0), 1.0, 1e-6),
            (None, 1e-6, 1e-12),
        ] {
            let n = interval_count(horizon, interval) as usize;
            let bounds: Vec<f64> = (0..=n)
                .map(|i| (i as f64 * interval).min(horizon))
                .collect();
            let labels: Vec<String> = bounds.iter().map(|&t| clock_label(day_start, t)).collect();
            for (i, (t, label)) in bounds.iter().zip(&labels).enumerate() {
                let want = day_start.unwrap_or(0.0) + t;
                let got = label_seconds(label);
                assert!(
                    (got - want).abs() <= 1e-12 * want.max(1.0),
                    "{interval}: boundary {i} at {t} s labelled {label}"
                );
                if i > 0 {
                    assert_ne!(
                        labels[i - 1],
                        *label,
                        "{interval}: boundaries {} and {i}",
                        i - 1
                    );
                }
            }
        }
    }

    /// The minimal TOML scenario in [`Scenario`]'s docs loads and validates
    /// as it stands, with no warning.
    #[test]
    fn the_documented_scenario_is_valid() {
        let blocks: Vec<String> = include_str!("scenario.rs")
            .split("/// ```toml\n")
            .skip(1)
            .map(|b| {
                b.lines()
                    .take_while(|l| l.trim() != "/// ```")
                    .map(|l| l.trim().trim_start_matches("///").trim_start())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        assert!(!blocks.is_empty());
        let s = Scenario::from_toml_str(&blocks[0]).expect("the documented scenario loads");
        let sim = crate::sim::Simulation::new(s.clone()).expect("valid");
        assert!(s.contact_types[0].service_level.is_some());
        assert!(s.offers.rona_pause.is_some());
        assert!(sim.scenario().warnings().is_empty());
    }

    const MINI: &str = r#"
        horizon = 3600.0
        skills = ["billing", "tech"]
        [[groups]]
        name = "a"
        count = 3
        skills = { billing = 5 }
        capacity = { voice = 1 }
        [[contact_types]]
        name = "bill"
        channel = "voice"
        requires = { billing = 3 }
        arrivals = { kind = "poisson", rate = 0.01 }
        service = { kind = "exponential", mean = 100.0 }
    "#;

    #[test]
    fn minimal_toml_loads_with_defaults() {
        let s = Scenario::from_toml_str(MINI).unwrap();
        assert_eq!(s.replications, 1);
        assert_eq!(s.policy, PolicySpec::LongestIdleAgent);
        let p = Plan::compile(&s).unwrap();
        assert_eq!(p.agents.len(), 3);
        assert_eq!(p.segments, vec!["default".to_string()]);
        assert_eq!(p.intervals, 1);
        let back = Scenario::from_json_str(&s.to_json_string()).unwrap();
        assert_eq!(back, s);
        let back = Scenario::from_toml_str(&s.to_toml_string()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn policies_parse_by_kind() {
        for (text, name) in [
            ("kind = \"longest-idle-agent\"", "longest-idle-agent"),
            (
                "kind = \"priority-aging\"\naging_per_second = 0.1",
                "priority-aging",
            ),
            ("kind = \"skill-expansion\"", "skill-expansion"),
            ("kind = \"c-mu\"\ncost_per_priority = 2.0", "c-mu"),
            (
                "kind = \"optimal-assignment\"\nnon_idling = true",
                "optimal-assignment",
            ),
        ] {
            let s = Scenario::from_toml_str(&format!("{MINI}\n[policy]\n{text}\n")).unwrap();
            assert_eq!(s.policy.name(), name);
            assert_eq!(s.policy.build().unwrap().name(), name);
        }
        let bad = format!("{MINI}\n[policy]\nkind = \"priority-aging\"\naging_per_second = -1.0\n");
        assert!(
            matches!(Scenario::from_toml_str(&bad), Err(ScenarioError::Invalid { field, .. }) if field == "policy")
        );
        let bad = format!(
            "{MINI}\n[policy]\nkind = \"skill-expansion\"\nsteps = [{{after = 5, relax = 2}}, {{after = 3, relax = 3}}]\n"
        );
        assert!(Scenario::from_toml_str(&bad).is_err());
    }

    /// A policy's error, now the policy module's own, reads in a scenario
    /// as it did when the scenario made it: the field `policy`, then the
    /// same words.
    #[test]
    fn policy_errors_read_as_a_scenario_field() {
        let steps = "[{after = 5, relax = 2}, {after = 3, relax = 3}]";
        let text = format!("{MINI}\n[policy]\nkind = \"skill-expansion\"\nsteps = {steps}\n");
        let rule = "relaxation step 1 does not come after the previous one \
                    (times and levels must increase)";
        assert_eq!(Scenario::from_toml_str(&text), Err(invalid("policy", rule)));
        assert_eq!(
            Scenario::from_toml_str(&text).unwrap_err().to_string(),
            format!("policy: {rule}")
        );

        let unknown = PolicySpec::named(&["cmu"], &PolicySpec::default()).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            ScenarioError::from(unknown.clone()).to_string()
        );
        assert!(matches!(
            ScenarioError::from(unknown),
            ScenarioError::Invalid { field, rule } if field == "policy"
                && rule.starts_with("no built-in policy is named \"cmu\" (known: longest-idle-agent, ")
        ));

        // Through the simulator's own `?`.
        let sim = crate::sim::Simulation::new(Scenario::from_toml_str(MINI).unwrap()).unwrap();
        let step = |after, relax| crate::policy::RelaxStep { after, relax };
        let bad = PolicySpec::SkillExpansion {
            steps: vec![step(5, 2), step(3, 3)],
        };
        assert_eq!(
            sim.replications_policy(&bad, Default::default()).err(),
            Some(crate::sim::SimError::Scenario(invalid("policy", rule)))
        );
    }
}
