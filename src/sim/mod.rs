//! The discrete-event simulator: a contact center described by a [`Scenario`],
//! routed by the very [`Router`](crate::Router) an ACD embeds, measured in a
//! [`Report`].
//!
//! * [Quick start](#quick-start)
//! * [What is simulated](#what-is-simulated)
//! * [What a policy sees](#what-a-policy-sees)
//! * [When events coincide](#when-events-coincide)
//! * [Statistics](#statistics)
//! * [Random numbers and reproducibility](#random-numbers-and-reproducibility)
//! * [Cost](#cost)
//!
//! # Quick start
//!
//! ```
//! use skillroute::sim::{PolicySpec, RunOptions, Scenario, Simulation};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let scenario = Scenario::from_toml_str(r#"
//!     horizon = 3600.0
//!     warm_up = 600.0
//!     replications = 4
//!     skills = ["billing"]
//!     [[groups]]
//!     name = "agents"
//!     count = 10
//!     skills = { billing = 5 }
//!     capacity = { voice = 1 }
//!     [[contact_types]]
//!     name = "billing"
//!     channel = "voice"
//!     requires = { billing = 3 }
//!     arrivals = { kind = "poisson", rate = 0.04 }
//!     service = { kind = "exponential", mean = 200.0 }
//!     patience = { kind = "exponential", mean = 300.0 }
//! "#)?;
//! let sim = Simulation::new(scenario)?;
//! let report = sim.run()?; // the scenario's policy, replications in parallel
//! let sl = report.total.service_level;
//! println!("service level {:.3} ± {:.3}", sl.mean, sl.half_width);
//! assert_eq!(report.replications, 4);
//!
//! // Any policy, on the same customers (common random numbers):
//! let lia = sim.run_with(|| skillroute::LongestIdleAgent, RunOptions::default())?;
//! assert_eq!(lia.total.offered, report.total.offered);
//!
//! // Two policies compared replication by replication (paired t):
//! let base = sim.replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())?;
//! let other = sim.replications_policy(&PolicySpec::CMu(Default::default()), RunOptions::default())?;
//! let diff = sim.compare(&base, &other, 0.95)?.differences.total;
//! assert_eq!(diff.offered.mean, 0.0); // the same customers in each pair
//! println!("c-mu − LIA service level: {:+.3} ± {:.3}", diff.service_level.mean, diff.service_level.half_width);
//! # Ok(()) }
//! ```
//!
//! The pieces: [`Scenario`] (serde; checked whole, errors name the field) →
//! [`Simulation::new`] (compiled once) → [`Simulation::replicate`] (one
//! replication, a [`Replication`]) or [`Simulation::run_with`] (all of them,
//! in parallel or not) → [`Report`] (means and confidence intervals; JSON and
//! CSV), or [`Simulation::compare`] → [`Comparison`] (paired differences of
//! two policies). A [`SimObserver`] sees each contact as it leaves and each offer as it
//! ends (opt-in traces, e.g. [`TraceWriter`] and [`OfferTraceWriter`]) and
//! the progress of long runs.
//!
//! # What is simulated
//!
//! Contacts of each type arrive (Poisson, piecewise-constant Poisson, or a
//! trace). A type with a self-service tier ([`SelfService`]) first keeps
//! each in it for a while: the tier resolves some (they leave), and passes
//! the others on to the queue, where they arrive then. A type with a
//! dialer ([`Dialer`]) is outbound work: its items wait in the dialer,
//! which releases the oldest to the router while more agents able to
//! serve it are free than its reserve (blending). Each contact draws,
//! on arrival at the queue, its work (service time at speed 1), its
//! patience and its wrap-up time, and its segment (on entering the tier,
//! if its type has one). It is handed to the router as
//! [`Event::ContactArrived`](crate::Event::ContactArrived), and every
//! [`Offer`](crate::Offer) the router makes is played out: the agent answers
//! after a ring delay (none by default; an offer not answered within the
//! timeout is [`Event::OfferTimedOut`](crate::Event::OfferTimedOut)), serves
//! for `work / speed`, wraps up, and frees the slot. A customer whose patience
//! ends while waiting or while the offer rings abandons. Agent groups log in
//! and become ready at each shift start; at a shift end they go not-ready,
//! finish what they hold, and log out. The router's
//! [`next_wakeup`](crate::Router::next_wakeup) is honoured with
//! [`Event::Tick`](crate::Event::Tick). The simulator has no routing logic of
//! its own: one code path, the router's.
//!
//! Two optional scenario settings act on the router itself: a customer-fit
//! table (`fit`, per segment and agent group) becomes the router's
//! [`FitModel`](crate::score::FitModel), and `rebalance_every` sends it
//! [`Event::Rebalance`](crate::Event::Rebalance) on a timer, optionally as a
//! batch window (`batch_window = true`: the policy is asked to decide only
//! then; see [`Scenario`]'s *Customer fit* and *Periodic re-plans*).
//!
//! The events (a closed enum): arrival, abandonment, answer of a
//! ringing offer, offer time-out, end of service, end of wrap-up, shift start,
//! shift end, report-interval boundary, router tick, periodic re-plan.
//!
//! # What a policy sees
//!
//! A policy run by the simulator (the built-ins, or one's own through
//! [`Simulation::replications`] and [`Simulation::replications_seeded`])
//! sees the router's [`RouterView`](crate::RouterView), built from the
//! scenario:
//!
//! * **Agents**: `AgentId(i)` is [`Simulation::agents`]'s `i`-th, the
//!   groups' agents consecutive in scenario order. Each has its group's
//!   skills, capacities and `speed`, and one attribute, `group`, the name of
//!   its group (`agent.attributes()["group"]`, as
//!   [`LearnedFitConfig::pool_by`](crate::policy::LearnedFitConfig::pool_by)
//!   uses it), in [`Simulation::groups`]'s order.
//! * **Contacts**: a contact's [`ContactId`](crate::ContactId) is the
//!   simulator's handle on a slot (the slot and its reuse count), not the
//!   trace's `serial` ([`ContactRecord::serial`]), and the same ids come
//!   back in every replication. The join is
//!   [`ContactRef::sequence`](crate::ContactRef::sequence): the simulator
//!   hands the router each arrival once, in arrival order, so a contact's
//!   sequence is its trace `serial` (both count the replication's
//!   arrivals from 0, warm-up included). Its
//!   [`segment`](crate::Contact::segment) indexes
//!   [`Simulation::segments`], its requirements, priority and tier are its
//!   type's, its arrival time is the simulated time it arrived.
//! * **Time**: `view.now()` is the simulated time in seconds;
//!   [`ContactRef::waited`](crate::ContactRef::waited) is `now − arrival`
//!   (or a few ulps more: the wait read by the instant, so a step `n` is
//!   reached at `arrival + n`). A contact's work (its service time at speed 1) is
//!   not shown: it is drawn on arrival and only the trace gives it.
//!
//! # When events coincide
//!
//! The future event list is a binary heap ordered by time (`f64::total_cmp`)
//! and then by the order in which events were scheduled: events at the same
//! instant happen first-scheduled, first-served, and nothing else breaks
//! ties. Concretely:
//!
//! * **Everything an event causes happens at once, before the next event.**
//!   The router answers an event with offers; each is played out immediately
//!   (with no ring delay the router connects it at once, as an auto-answer
//!   ACD does: `RouterConfig::auto_accept`), and so
//!   are the offers those answers cause, before the next event is taken. A
//!   contact that arrives while an agent is free therefore waits exactly 0.
//! * **A completion and an arrival at the same instant**: whichever was
//!   scheduled first goes first. (With continuous distributions this has
//!   probability 0; with constant service times and traces it does not.)
//!   If the completion goes first, the freed agent takes a waiting contact
//!   before the newcomer is seen, as in Ciw.
//! * **Patience ending at the instant of an answer**: if the abandonment was
//!   scheduled first (it is scheduled at arrival, so usually it was) the
//!   customer leaves; otherwise the answer stands and the abandonment timer
//!   finds the contact in service and does nothing. Timers are cancelled
//!   lazily: an abandonment, answer, time-out or end of service whose contact
//!   has moved on (checked by slot generation and state) is dropped when popped.
//!   An abandonment timer enters the queue only once it can fire (the
//!   contact waits, or its offer rings past its patience), keeping the place
//!   in scheduling order it took at arrival: a contact answered first never
//!   costs the queue an entry.
//! * **A shift end and the next shift start at the same instant**: the end
//!   (scheduled when the previous shift started) goes first; agents still
//!   holding work are made ready again by the start instead of logging out.
//! * **Time-driven routing** (a relaxation step, a cool-down end): the router
//!   names the instant via `next_wakeup`; a tick is scheduled then, after the
//!   events already scheduled for that instant.
//! * **A periodic re-plan** (`rebalance_every`) is scheduled when the previous
//!   one happens (the first at the start), so it comes after the events
//!   already scheduled for its instant and before those scheduled later; the
//!   re-plan sees everything they changed.
//! * **The horizon**: events at or after it are not processed (unless the
//!   scenario says `drain = true`, in which case arrivals stop and the run goes
//!   on until the system is empty, or nothing more can happen: the agents on
//!   shift serve what is left until their shifts end, and no shift starts
//!   at or after the horizon).
//!
//! # Statistics
//!
//! Streamed into fixed accumulators (counts, sums, log-linear histograms for
//! wait percentiles, time integrals for agents): memory depends on the
//! scenario's shape and the contacts in the system, never on the horizon.
//! Contacts are counted if they arrive at or after the warm-up, in the report
//! interval of their arrival (rows per interval, per interval and contact
//! type, and per interval and agent group, which counts the contacts the
//! group answered beside its agents' time in the interval, so that a shift
//! change shows group by group); agent time is integrated from the warm-up to the horizon
//! (a draining run's overtime is not in it, as ContactCenters leaves out its
//! wrap-up period), in the interval where it is spent. Definitions are on [`Metrics`] and
//! [`Fairness`]. Across replications each metric gets a mean and a Student-t
//! confidence interval ([`Estimate`]).
//!
//! # Random numbers and reproducibility
//!
//! One stream per (seed, replication, purpose, contact type), mixed as
//! documented in [`rng`]; never from the policy or the thread. Customers draw
//! everything on arrival from their type's streams, so two policies run on
//! the same replication see the same customers: the same arrival times, work,
//! patience, wrap-up and segment (common random numbers). Only ring delays,
//! drawn when an offer is made, depend on the policy. Replications in
//! parallel give the same [`Report`], bit for bit, as in series: each is a
//! pure function of the scenario, the policy and its index, and they are
//! reduced in index order.
//!
//! # Cost
//!
//! Per event: O(log pending events) for the heap, plus the router's work, with
//! no allocation by the simulator (contact slots and the offers vector are
//! reused; the router's [`Contact`](crate::Contact) owns its requirement list).
//! Memory: O(contacts in the system + agents + pending events + report rows).

mod batch;
mod dist;
mod engine;
mod report;
pub mod rng;
mod scenario;
mod stats;

use std::io::Write;

use serde::{Deserialize, Serialize};

pub use dist::{Dist, DistError, Sampler};
pub use report::{
    Comparison, FairnessRow, IntervalChannelRow, IntervalGroupRow, IntervalRow, IntervalTypeRow,
    Replication, Report, ReportError, Row, Waits,
};
// Where it lived before it moved to `policy` (which an embedder without
// this feature has): code naming it here still compiles.
pub use crate::policy::PolicySpec;
pub use scenario::{
    ArrivalSpec, ContactTypeSpec, DEFAULT_CHANNELS, DEFAULT_MAX_IN_SYSTEM, Dialer, FitSpec,
    GroupSpec, OfferSpec, OutcomeSpec, Scenario, ScenarioError, SelfService, ServiceTarget, Shift,
    clock_label,
};
pub(crate) use scenario::{interval_count, parse_day_start};
pub use stats::{
    Estimate, Fairness, MetricValue, Metrics, WaitCounts, WaitHistogram, nan_null, t_quantile,
};

use crate::assign::Mode;
use crate::model::AgentId;
use crate::policy::{
    LearnedFit, LearnedFitConfig, LongestIdleAgent, OptimalAssignment, RoutingPolicy,
    SkillExpansion,
};
use crate::router::RouterError;
use scenario::Plan;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why a simulation stopped. All are fatal for the run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The scenario is invalid (nothing ran).
    #[error("invalid scenario: {0}")]
    Scenario(#[from] ScenarioError),
    /// The replications ran but cannot be reported (e.g. a confidence
    /// level outside (0, 1) in [`RunOptions`]).
    #[error("cannot report: {0}")]
    Report(#[from] ReportError),
    /// The router refused an event the simulator sent: a bug in the
    /// simulator or the router, reported with where it happened.
    #[error("replication {replication} at t = {time}: the router refused an event: {error}")]
    Router {
        /// The replication.
        replication: u32,
        /// Simulated time.
        time: f64,
        /// The router's error.
        error: RouterError,
    },
    /// An arrival found the scenario's `max_in_system` contacts already in
    /// the system: arrivals outgrow service (an unstable queue, most often
    /// a rate per hour written where the scenario wants per second), or,
    /// when the type's load is under what its agents hold, a burst or agents
    /// off shift in a stable center (the message then says to raise the
    /// limit), and the replication was stopped before it ran out of memory.
    #[error(
        "replication {replication} at t = {time} s: {} in the system, the scenario's {field}: {}",
        contacts(f64::from(*.limit)),
        limit_cause(field, contact_type, *.of_type, *.offered_load, *.capacity)
    )]
    InSystemLimit {
        /// The scenario field that set the limit (`max_in_system`).
        field: String,
        /// The replication.
        replication: u32,
        /// Simulated time of the arrival refused.
        time: f64,
        /// The limit.
        limit: u32,
        /// The contact type with the most contacts in the system then.
        contact_type: String,
        /// How many of them are of that type.
        of_type: u32,
        /// Its work arriving per second then, in erlangs (arrival rate ×
        /// mean service time); `None` for a trace.
        offered_load: Option<f64>,
        /// The contacts that all the agents able to serve it hold at once
        /// (on shift or not; a group whose shifts give a `count` counts its
        /// largest), each weighted by its speed.
        capacity: f64,
    },
    /// [`RunOptions::cancel`] was set: the replications not yet started
    /// were not run, and nothing is returned.
    #[error("cancelled: RunOptions::cancel was set before every replication ran")]
    Cancelled,
}

/// `n contacts`, or `1 contact`.
fn contacts(n: f64) -> String {
    let n_text = crate::model::short_number(n, 1e15);
    if n == 1.0 {
        format!("{n_text} contact")
    } else {
        format!("{n_text} contacts")
    }
}

/// Why an [`SimError::InSystemLimit`] was reached, in words: a load past
/// what the type's agents hold is an unstable queue (most often a rate per
/// hour written as per second); a load under it reached the limit anyway,
/// by a burst or while agents were off shift, and only a higher limit helps.
fn limit_cause(
    field: &str,
    contact_type: &str,
    of_type: u32,
    load: Option<f64>,
    capacity: f64,
) -> String {
    let holds = format!("contact type {contact_type:?} holds {of_type} of them");
    let hold = contacts(capacity);
    match load {
        Some(l) if l < capacity => format!(
            "the center is stable ({holds}; {} of work arrive against {hold} its agents \
             hold at once), so the limit was reached by a burst or while agents were off \
             shift: raise {field}",
            erlangs(l)
        ),
        Some(l) => format!(
            "the queue is unstable, {holds} ({} of work arrive against {hold} its agents \
             hold at once); rates are per second (120 an hour is 0.0333)",
            erlangs(l)
        ),
        // A trace has no rate to weigh: both causes are said.
        None => format!(
            "{holds}, and its trace brings more than the {hold} its agents hold at once \
             serve: an unstable queue, or a burst or agents off shift in a stable center \
             (then raise {field})"
        ),
    }
}

/// `2.5 erlangs`, `1.0 erlang`, exponent form when extreme.
fn erlangs(l: f64) -> String {
    let text = if l != 0.0 && !(1e-4..1e15).contains(&l.abs()) {
        format!("{l:e}")
    } else {
        format!("{l:.1}")
    };
    if text == "1.0" {
        format!("{text} erlang")
    } else {
        format!("{text} erlangs")
    }
}

/// How a contact left, in a [`ContactRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactEnd {
    /// Served and wrapped up.
    Completed,
    /// Left before being answered.
    Abandoned,
    /// Still in the system when the replication ended.
    InSystem,
}

/// One contact's life, for an opt-in per-contact trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    /// Arrival order within the replication (0, 1, 2…): the contact's
    /// [`ContactRef::sequence`](crate::ContactRef::sequence) as a policy
    /// saw it, not its [`ContactId`](crate::ContactId) (see *What a policy
    /// sees*).
    pub serial: u64,
    /// Index of its contact type in the scenario.
    pub contact_type: u32,
    /// Index of its segment ([`Simulation::segments`]).
    pub segment: u32,
    /// Arrival time (in the queue: the end of its time in its type's
    /// self-service tier, if it has one; contacts the tier contains are
    /// not traced).
    pub arrival: f64,
    /// Its work: the service time at speed 1, drawn on arrival.
    pub work: f64,
    /// When its latest offer was made, if one was: for an answered
    /// contact, the offer it answered (`answered − offered` is the ring,
    /// and `offered > arrival` says it waited in queue).
    pub offered: Option<f64>,
    /// When an agent answered, if one did.
    pub answered: Option<f64>,
    /// Who answered.
    pub agent: Option<AgentId>,
    /// How it left.
    pub end: ContactEnd,
    /// When it left (end of wrap-up, abandonment, or the end of the run).
    pub left: f64,
    /// Its ground-truth outcome, once answered, if the scenario has
    /// `outcomes`: whether the answering agent's group resolved it.
    pub resolved: Option<bool>,
    /// How many offers it received, answered or not: above 1 when an
    /// offer timed out and the router offered it again. Each is an
    /// [`OfferRecord`] to [`SimObserver::on_offer`].
    pub offers: u32,
}

/// How an offer ended, in an [`OfferRecord`].
///
/// The simulator's agents never decline (an agent who does not answer lets
/// the offer time out), so there is no `declined` yet; the enum is
/// `non_exhaustive` so that one can be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OfferEnd {
    /// The agent answered it (at once when offers do not ring).
    Answered,
    /// It rang for the scenario's `offers.timeout` unanswered; the contact
    /// went back to the queue.
    TimedOut,
    /// The customer's patience ran out while it rang.
    Abandoned,
    /// It was still ringing when the replication ended.
    InSystem,
}

impl OfferEnd {
    /// The name a trace writes (`answered`, `timed-out`, `abandoned`,
    /// `in-system`), as serde spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            OfferEnd::Answered => "answered",
            OfferEnd::TimedOut => "timed-out",
            OfferEnd::Abandoned => "abandoned",
            OfferEnd::InSystem => "in-system",
        }
    }
}

/// One offer of a contact to an agent, for an opt-in per-offer trace: given
/// to [`SimObserver::on_offer`] when the offer ends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OfferRecord {
    /// The contact's [`ContactRecord::serial`].
    pub serial: u64,
    /// Index of its contact type in the scenario.
    pub contact_type: u32,
    /// The agent it was offered to.
    pub agent: AgentId,
    /// When the offer was made.
    pub offered: f64,
    /// How it ended.
    pub end: OfferEnd,
    /// When it ended: the answer (`ended − offered` is the ring), the
    /// time-out, the abandonment, or the end of the run.
    pub ended: f64,
}

/// Watches a replication. Every method does nothing by default; the
/// simulator is monomorphised over the observer, so `()` costs nothing.
pub trait SimObserver {
    /// A contact left (or was still in the system at the end).
    fn on_contact(&mut self, _record: &ContactRecord) {}
    /// An offer ended (or was still ringing at the end). A contact's
    /// offers come in the order they were made, each before the contact's
    /// own [`on_contact`](SimObserver::on_contact).
    fn on_offer(&mut self, _record: &OfferRecord) {}
    /// Simulated time reached `now` (called every 65,536 events and at the end).
    fn on_progress(&mut self, _replication: u32, _now: f64, _horizon: f64) {}
}

impl SimObserver for () {}

/// Both observers, each told everything (the first first): e.g. a
/// [`TraceWriter`] and an [`OfferTraceWriter`] of one replication.
impl<A: SimObserver, B: SimObserver> SimObserver for (A, B) {
    fn on_contact(&mut self, record: &ContactRecord) {
        self.0.on_contact(record);
        self.1.on_contact(record);
    }
    fn on_offer(&mut self, record: &OfferRecord) {
        self.0.on_offer(record);
        self.1.on_offer(record);
    }
    fn on_progress(&mut self, replication: u32, now: f64, horizon: f64) {
        self.0.on_progress(replication, now, horizon);
        self.1.on_progress(replication, now, horizon);
    }
}

/// Writes a per-contact trace as CSV, one line per contact as it leaves
/// (of those that reached the queue: a self-service tier's contained
/// contacts are not traced, and `arrival` is the end of a passed-on
/// contact's time in the tier; see [`ContactRecord::arrival`]).
///
/// [`new`](TraceWriter::new) writes indexes:
/// `serial,contact_type,segment,arrival,work,offered,answered,agent,end,left,resolved,offers`.
/// [`named`](TraceWriter::named) writes what a spreadsheet reader needs
/// instead: the contact type's and segment's names, and the answering
/// agent's group after its id:
/// `serial,contact_type,segment,arrival,work,offered,answered,agent,group,end,left,resolved,offers`.
/// Times are seconds; `offered` (the latest offer's time) is empty for a
/// contact never offered;
/// `answered`, `agent` and `group` are empty for a contact nobody answered; `resolved` (`true` or `false`, the ground-truth
/// outcome) is empty for it too, and for every contact of a scenario
/// without `outcomes`. `offers` is [`ContactRecord::offers`], last so that
/// a reader of the columns before it by position reads them as before;
/// each offer's own line is an [`OfferTraceWriter`]'s.
/// A name with a comma or a double quote is written in double quotes
/// (RFC 4180), which a scenario's arrival trace file reads back too.
#[derive(Debug)]
pub struct TraceWriter<W: Write>(CsvLog<W>);

/// What [`TraceWriter`] and [`OfferTraceWriter`] share: the output, the
/// first write error (kept, so that an observer, which cannot fail, loses
/// no error: `finish` returns it), and the names if the trace is named.
#[derive(Debug)]
struct CsvLog<W: Write> {
    out: W,
    error: Option<std::io::Error>,
    names: Option<TraceNames>,
}

impl<W: Write> CsvLog<W> {
    fn start(mut out: W, header: &str, names: Option<TraceNames>) -> std::io::Result<Self> {
        writeln!(out, "{header}")?;
        Ok(CsvLog {
            out,
            error: None,
            names,
        })
    }

    /// Writes one line with `line`, unless an earlier write failed.
    fn line(&mut self, line: impl FnOnce(&mut W, Option<&TraceNames>) -> std::io::Result<()>) {
        if self.error.is_none()
            && let Err(e) = line(&mut self.out, self.names.as_ref())
        {
            self.error = Some(e);
        }
    }

    fn finish(mut self) -> std::io::Result<W> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The names a [`TraceWriter::named`] trace writes, CSV-quoted once.
#[derive(Debug)]
struct TraceNames {
    types: Vec<String>,
    segments: Vec<String>,
    /// Per agent (`AgentId(i)` is the `i`-th), its group's name.
    agent_group: Vec<String>,
}

impl TraceNames {
    fn of(sim: &Simulation) -> TraceNames {
        let plan = &sim.plan;
        TraceNames {
            types: plan.types.iter().map(|t| csv_field(&t.name)).collect(),
            segments: plan.segments.iter().map(|s| csv_field(s)).collect(),
            agent_group: plan
                .agent_group
                .iter()
                .map(|&g| csv_field(&plan.groups[g as usize].name))
                .collect(),
        }
    }
}

/// Name `i` of `v`. Records come from the simulation the names were taken
/// from; an index out of range (a record of another one) is written as its
/// number rather than lost.
fn name(v: &[String], i: u32) -> std::borrow::Cow<'_, str> {
    v.get(i as usize)
        .map_or_else(|| i.to_string().into(), |s| s.as_str().into())
}

/// `s` as one CSV field (RFC 4180 quoting where needed).
pub(crate) fn csv_field(s: &str) -> String {
    // Spaces at the ends too: readers (ours among them) trim an unquoted
    // field, and " voice" would read back as another type's name.
    if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl<W: Write> TraceWriter<W> {
    /// Starts a trace with indexes (writes the header).
    pub fn new(out: W) -> std::io::Result<Self> {
        CsvLog::start(
            out,
            "serial,contact_type,segment,arrival,work,offered,answered,agent,end,left,resolved,offers",
            None,
        )
        .map(TraceWriter)
    }

    /// Starts a trace of `sim`'s replications with names (writes the
    /// header): contact types, segments and the answering agent's group.
    pub fn named(out: W, sim: &Simulation) -> std::io::Result<Self> {
        CsvLog::start(
            out,
            "serial,contact_type,segment,arrival,work,offered,answered,agent,group,end,left,resolved,offers",
            Some(TraceNames::of(sim)),
        )
        .map(TraceWriter)
    }

    /// Flushes, and returns the writer or the first write error.
    pub fn finish(self) -> std::io::Result<W> {
        self.0.finish()
    }
}

impl<W: Write> SimObserver for TraceWriter<W> {
    fn on_contact(&mut self, r: &ContactRecord) {
        self.0.line(|out, names| {
            let end = match r.end {
                ContactEnd::Completed => "completed",
                ContactEnd::Abandoned => "abandoned",
                ContactEnd::InSystem => "in-system",
            };
            let offered = r.offered.map_or(String::new(), |t| t.to_string());
            let answered = r.answered.map_or(String::new(), |t| t.to_string());
            let agent = r.agent.map_or(String::new(), |a| a.0.to_string());
            let resolved = match r.resolved {
                Some(true) => "true",
                Some(false) => "false",
                None => "",
            };
            match names {
                None => writeln!(
                    out,
                    "{},{},{},{},{},{offered},{answered},{agent},{end},{},{resolved},{}",
                    r.serial, r.contact_type, r.segment, r.arrival, r.work, r.left, r.offers
                ),
                Some(n) => {
                    let group = r
                        .agent
                        .and_then(|a| n.agent_group.get(a.0 as usize))
                        .map_or("", String::as_str);
                    writeln!(
                        out,
                        "{},{},{},{},{},{offered},{answered},{agent},{group},{end},{},{resolved},{}",
                        r.serial,
                        name(&n.types, r.contact_type),
                        name(&n.segments, r.segment),
                        r.arrival,
                        r.work,
                        r.left,
                        r.offers
                    )
                }
            }
        });
    }
}

/// Writes a per-offer trace as CSV, one line per offer as it ends: every
/// offer a contact received, the answered one and those that timed out or
/// rang while the customer gave up.
///
/// [`new`](OfferTraceWriter::new) writes indexes:
/// `serial,contact_type,agent,offered,end,ended`.
/// [`named`](OfferTraceWriter::named) writes the contact type's name and
/// the agent's group after its id:
/// `serial,contact_type,agent,group,offered,end,ended`.
/// `serial` joins a [`TraceWriter`]'s lines (whose `offers` counts these
/// lines); times are seconds; `end` is `answered`, `timed-out`,
/// `abandoned` or `in-system` ([`OfferEnd::as_str`]). Names are quoted as
/// [`TraceWriter`]'s are.
#[derive(Debug)]
pub struct OfferTraceWriter<W: Write>(CsvLog<W>);

impl<W: Write> OfferTraceWriter<W> {
    /// Starts a trace with indexes (writes the header).
    pub fn new(out: W) -> std::io::Result<Self> {
        CsvLog::start(out, "serial,contact_type,agent,offered,end,ended", None)
            .map(OfferTraceWriter)
    }

    /// Starts a trace of `sim`'s replications with names (writes the
    /// header): contact types and the agent's group.
    pub fn named(out: W, sim: &Simulation) -> std::io::Result<Self> {
        CsvLog::start(
            out,
            "serial,contact_type,agent,group,offered,end,ended",
            Some(TraceNames::of(sim)),
        )
        .map(OfferTraceWriter)
    }

    /// Flushes, and returns the writer or the first write error.
    pub fn finish(self) -> std::io::Result<W> {
        self.0.finish()
    }
}

impl<W: Write> SimObserver for OfferTraceWriter<W> {
    fn on_offer(&mut self, r: &OfferRecord) {
        self.0.line(|out, names| {
            let end = r.end.as_str();
            match names {
                None => writeln!(
                    out,
                    "{},{},{},{},{end},{}",
                    r.serial, r.contact_type, r.agent.0, r.offered, r.ended
                ),
                Some(n) => {
                    let group = n
                        .agent_group
                        .get(r.agent.0 as usize)
                        .map_or("", String::as_str);
                    writeln!(
                        out,
                        "{},{},{},{group},{},{end},{}",
                        r.serial,
                        name(&n.types, r.contact_type),
                        r.agent.0,
                        r.offered,
                        r.ended
                    )
                }
            }
        });
    }
}

/// Progress of a run, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The replication.
    pub replication: u32,
    /// Its simulated time.
    pub now: f64,
    /// Its horizon (`now >= horizon` once it is finished).
    pub horizon: f64,
}

/// How [`Simulation::run_with`] runs the replications.
#[derive(Clone, Copy)]
pub struct RunOptions<'a> {
    /// Replications in parallel on rayon's pool (default), or one after the
    /// other. The results are the same, bit for bit.
    pub parallel: bool,
    /// Confidence level of the report's intervals (default 0.95).
    pub confidence: f64,
    /// Called with each replication's progress (from worker threads).
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    /// Asks the run to stop (e.g. set by a Ctrl-C handler): checked before
    /// each replication starts, so that once it is `true` no other one
    /// starts and the run returns [`SimError::Cancelled`]. Replications
    /// under way finish first (one replication is not interrupted).
    pub cancel: Option<&'a AtomicBool>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        RunOptions {
            parallel: true,
            confidence: 0.95,
            progress: None,
            cancel: None,
        }
    }
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("parallel", &self.parallel)
            .field("confidence", &self.confidence)
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .finish()
    }
}

struct ProgressObserver<'a>(&'a (dyn Fn(Progress) + Sync));

impl SimObserver for ProgressObserver<'_> {
    fn on_progress(&mut self, replication: u32, now: f64, horizon: f64) {
        (self.0)(Progress {
            replication,
            now,
            horizon,
        })
    }
}

/// What [`Simulation::replications_seeded`] gives the policy it builds for
/// one replication: which one, and a seed for the policy's own random
/// numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PolicySeed {
    /// The replication's index.
    pub replication: u32,
    /// A seed for the policy's generator: the first number of the
    /// replication's [`rng::Purpose::CustomPolicy`] stream, so a function
    /// of the scenario's seed and the replication alone (never of the
    /// thread, nor of the order replications run in), and a stream the
    /// simulator reads for nothing else. Mix in a constant of your own
    /// (`seed ^ k`) for a second, independent policy stream.
    pub seed: u64,
}

/// A validated, compiled scenario, ready to simulate under any policy.
///
/// Two replications of a small center, first one by one, then as a
/// [`Report`]:
///
/// ```
/// use skillroute::sim::{Scenario, Simulation};
///
/// let scenario = Scenario::from_toml_str(r#"
///     horizon = 1800.0
///     replications = 2
///     skills = ["billing"]
///     [[groups]]
///     name = "agents"
///     count = 3
///     skills = { billing = 5 }
///     capacity = { voice = 1 }
///     [[contact_types]]
///     name = "billing"
///     channel = "voice"
///     requires = { billing = 3 }
///     arrivals = { kind = "poisson", rate = 0.01 }
///     service = { kind = "exponential", mean = 180.0 }
/// "#)?;
/// let sim = Simulation::new(scenario)?;
/// // One replication under a policy of your choice: its own figures.
/// let first = sim.replicate(skillroute::LongestIdleAgent, 0)?;
/// assert!(first.total.offered > 0.0);
/// // Every replication under the scenario's policy (longest idle agent by
/// // default), summed up with 95% intervals.
/// let report = sim.run()?;
/// assert_eq!(report.replications, 2);
/// assert!(report.contacts > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The [module docs](self#quick-start) compare two policies on the same
/// customers; `examples/simulate.rs` is the command-line front end.
#[derive(Debug, Clone)]
pub struct Simulation {
    scenario: Scenario,
    plan: Plan,
}

impl Simulation {
    /// Checks and compiles the scenario (reading trace files, if any).
    pub fn new(scenario: Scenario) -> Result<Simulation, ScenarioError> {
        let plan = Plan::compile(&scenario)?;
        Ok(Simulation { scenario, plan })
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Contact type names, in [`Replication::by_type`] order.
    pub fn contact_types(&self) -> Vec<&str> {
        self.plan.types.iter().map(|t| t.name.as_str()).collect()
    }

    /// Segment names, in [`Replication::by_segment`] order (first appearance in the scenario).
    pub fn segments(&self) -> &[String] {
        &self.plan.segments
    }

    /// Group names, in [`Replication::by_group`] order.
    pub fn groups(&self) -> Vec<&str> {
        self.plan.groups.iter().map(|g| g.name.as_str()).collect()
    }

    /// The agents' profiles (`AgentId(i)` is the `i`-th; groups are consecutive).
    pub fn agents(&self) -> &[crate::Agent] {
        &self.plan.agents
    }

    /// Runs replication `replication` under `policy`.
    pub fn replicate<P: RoutingPolicy>(
        &self,
        policy: P,
        replication: u32,
    ) -> Result<Replication, SimError> {
        self.replicate_observed(policy, replication, &mut ())
    }

    /// Runs replication `replication` under `policy`, telling `observer` about
    /// each contact and the progress.
    pub fn replicate_observed<P: RoutingPolicy, O: SimObserver>(
        &self,
        policy: P,
        replication: u32,
        observer: &mut O,
    ) -> Result<Replication, SimError> {
        self.replicate_keeping(policy, replication, observer)
            .map(|(rep, _)| rep)
    }

    /// An [`SimError::InSystemLimit`] from the engine, with its type's
    /// offered load and capacity, which the scenario knows (the compiled
    /// plan keeps samplers, not means).
    #[cold]
    fn with_load(&self, mut e: SimError) -> SimError {
        if let SimError::InSystemLimit {
            time,
            contact_type,
            offered_load,
            capacity,
            ..
        } = &mut e
            && let Some(t) = self
                .scenario
                .contact_types
                .iter()
                .find(|t| t.name == *contact_type)
        {
            (*offered_load, *capacity) = self.scenario.load_of(t, *time);
        }
        e
    }

    /// Runs replication `replication` under `policy`, as
    /// [`replicate_observed`](Simulation::replicate_observed) does, and hands
    /// the policy back as the replication left it: what a learning policy
    /// learned, say ([`LearnedFit::arms`], [`LearnedFit::estimate`]).
    pub fn replicate_keeping<P: RoutingPolicy, O: SimObserver>(
        &self,
        policy: P,
        replication: u32,
        observer: &mut O,
    ) -> Result<(Replication, P), SimError> {
        let name = policy.name().to_string();
        let plan = &self.plan;
        let every = plan.rebalance_every.filter(|_| plan.batch_window);
        let policy = batch::Windowed::new(policy, every, plan.horizon);
        let replanned_at = every.map(|_| policy.replanned_at());
        // Two engines: the one without dialers has none of their costs.
        let run = if plan.has_dialer() {
            engine::Engine::<_, _, true>::new(plan, policy, replication, observer, replanned_at)?
                .run()
        } else {
            engine::Engine::<_, _, false>::new(plan, policy, replication, observer, replanned_at)?
                .run()
        };
        let (raw, policy) = run.map_err(|e| self.with_load(e))?;
        let rep = Replication::from_raw(&self.plan, replication, name, raw);
        Ok((rep, policy.into_inner()))
    }

    /// Runs replication `replication` under the built-in `learned-fit` with
    /// `config` (as [`PolicySpec::LearnedFit`] runs it: the same exploring
    /// draws, so the same [`Replication`]) and returns what it learned.
    pub fn replicate_learned_fit(
        &self,
        config: &LearnedFitConfig,
        replication: u32,
    ) -> Result<(Replication, LearnedFit), SimError> {
        let policy = self.learned_fit(config, replication)?;
        let (mut rep, learned) = self.replicate_keeping(policy, replication, &mut ())?;
        rep.policy_key = Some(scenario::policy_key(&PolicySpec::LearnedFit(
            config.clone(),
        )));
        Ok((rep, learned))
    }

    /// The built-in `learned-fit` for replication `r`: it explores with its
    /// own draws, the configured seed mixed with the replication's stream.
    fn learned_fit(&self, c: &LearnedFitConfig, r: u32) -> Result<LearnedFit, SimError> {
        let mut config = c.clone();
        let own = rand::Rng::next_u64(&mut rng::stream(self.plan.seed, r, rng::Purpose::Policy, 0));
        config.seed = rng::splitmix64(own ^ c.seed);
        Ok(LearnedFit::new(config).map_err(|e| ScenarioError::Invalid {
            field: "policy".into(),
            rule: e.to_string(),
        })?)
    }

    /// Runs every replication under a fresh policy from `make`. A policy
    /// that draws random numbers of its own takes
    /// [`replications_seeded`](Simulation::replications_seeded) instead.
    pub fn replications<P, F>(
        &self,
        make: F,
        opts: RunOptions<'_>,
    ) -> Result<Vec<Replication>, SimError>
    where
        P: RoutingPolicy,
        F: Fn() -> P + Sync,
    {
        self.replications_seeded(|_| make(), opts)
    }

    /// Runs every replication under a fresh policy from `make`, given the
    /// replication's [`PolicySeed`]: for a randomised policy of one's own,
    /// which seeds its generator from [`PolicySeed::seed`]. Its draws then
    /// depend only on the scenario's seed and the replication, so the
    /// results are the same run after run and in series or in parallel,
    /// and two policies built from the same seed draw the same numbers in
    /// each replication (common random numbers between policies, as the
    /// customers are).
    ///
    /// ```
    /// use rand::{RngExt, SeedableRng};
    /// use skillroute::sim::{PolicySeed, RunOptions, Scenario, Simulation};
    /// use skillroute::{Proposal, RouterView, RoutingPolicy, Trigger};
    ///
    /// /// A random eligible agent for each contact.
    /// struct RandomAgent(rand_pcg::Pcg64Mcg);
    ///
    /// impl RoutingPolicy for RandomAgent {
    ///     fn decide(&mut self, view: &RouterView<'_>, t: Trigger, out: &mut Vec<Proposal>) {
    ///         if let Trigger::ContactWaiting(id) = t
    ///             && let Some(c) = view.waiting_contact(id)
    ///         {
    ///             let agents: Vec<_> = view.eligible_agents(c).map(|a| a.id()).collect();
    ///             if !agents.is_empty() {
    ///                 let agent = agents[self.0.random_range(0..agents.len())];
    ///                 out.push(Proposal { contact: id, agent });
    ///             }
    ///         }
    ///     }
    ///     fn name(&self) -> &str {
    ///         "random-agent"
    ///     }
    /// }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sim = Simulation::new(Scenario::from_toml_str(r#"
    /// #     horizon = 3600.0
    /// #     replications = 3
    /// #     skills = ["billing"]
    /// #     [[groups]]
    /// #     name = "agents"
    /// #     count = 5
    /// #     skills = { billing = 5 }
    /// #     capacity = { voice = 1 }
    /// #     [[contact_types]]
    /// #     name = "billing"
    /// #     channel = "voice"
    /// #     requires = { billing = 3 }
    /// #     arrivals = { kind = "poisson", rate = 0.02 }
    /// #     service = { kind = "exponential", mean = 200.0 }
    /// #     patience = { kind = "exponential", mean = 300.0 }
    /// # "#)?)?;
    /// let make = |s: PolicySeed| RandomAgent(rand_pcg::Pcg64Mcg::seed_from_u64(s.seed));
    /// let reps = sim.replications_seeded(make, RunOptions::default())?;
    /// let again = sim.replications_seeded(make, RunOptions::default())?;
    /// // As JSON: a metric undefined in a replication (NaN) is not equal to itself.
    /// assert_eq!(serde_json::to_string(&reps)?, serde_json::to_string(&again)?);
    /// # Ok(()) }
    /// ```
    pub fn replications_seeded<P, F>(
        &self,
        make: F,
        opts: RunOptions<'_>,
    ) -> Result<Vec<Replication>, SimError>
    where
        P: RoutingPolicy,
        F: Fn(PolicySeed) -> P + Sync,
    {
        self.each_replication(opts, |r, progress| {
            let policy = make(self.policy_seed(r));
            match progress {
                Some(p) => self.replicate_observed(policy, r, &mut ProgressObserver(p)),
                None => self.replicate(policy, r),
            }
        })
    }

    /// The [`PolicySeed`] of replication `replication`, as
    /// [`replications_seeded`](Simulation::replications_seeded) gives it:
    /// to build the policy for one replication run with
    /// [`replicate`](Simulation::replicate) or
    /// [`replicate_observed`](Simulation::replicate_observed) (a trace of
    /// replication `r` is then that of the seeded run's `r`-th).
    pub fn policy_seed(&self, replication: u32) -> PolicySeed {
        let mut stream = rng::stream(self.plan.seed, replication, rng::Purpose::CustomPolicy, 0);
        PolicySeed {
            replication,
            seed: rand::Rng::next_u64(&mut stream),
        }
    }

    /// Runs `one` for every replication index, in parallel or not as `opts`
    /// says, and collects the results in index order (so sums over them are
    /// the same either way).
    fn each_replication<F>(
        &self,
        opts: RunOptions<'_>,
        one: F,
    ) -> Result<Vec<Replication>, SimError>
    where
        F: Fn(u32, Option<&(dyn Fn(Progress) + Sync)>) -> Result<Replication, SimError> + Sync,
    {
        let n = self.plan.replications;
        let progress = opts.progress;
        let one = |r| match opts.cancel {
            Some(c) if c.load(Ordering::Relaxed) => Err(SimError::Cancelled),
            _ => one(r, progress),
        };
        if opts.parallel {
            use rayon::prelude::*;
            (0..n).into_par_iter().map(one).collect()
        } else {
            (0..n).map(one).collect()
        }
    }

    /// Runs replication `replication` under a built-in policy.
    pub fn replicate_policy(
        &self,
        spec: &PolicySpec,
        replication: u32,
    ) -> Result<Replication, SimError> {
        spec.validate()?;
        self.replicate_spec(spec, replication, &mut ())
    }

    /// Runs replication `replication` under a built-in policy, telling
    /// `observer` about each contact and the progress (e.g. a
    /// [`TraceWriter`]). The replication is the same one
    /// [`run_policy`](Simulation::run_policy) reports as its
    /// `replication`-th: same customers, same decisions.
    pub fn replicate_policy_observed<O: SimObserver>(
        &self,
        spec: &PolicySpec,
        replication: u32,
        observer: &mut O,
    ) -> Result<Replication, SimError> {
        spec.validate()?;
        self.replicate_spec(spec, replication, observer)
    }

    /// The one place a [`PolicySpec`] becomes a policy for the engine
    /// (monomorphised, so a built-in runs as fast as when named directly).
    fn replicate_spec<O: SimObserver>(
        &self,
        spec: &PolicySpec,
        r: u32,
        obs: &mut O,
    ) -> Result<Replication, SimError> {
        let mut rep = match spec {
            PolicySpec::LongestIdleAgent => self.replicate_observed(LongestIdleAgent, r, obs),
            PolicySpec::PriorityAging(p) => self.replicate_observed(p.clone(), r, obs),
            PolicySpec::SkillExpansion { steps } => {
                let p = SkillExpansion::new(steps.clone()).map_err(|e| ScenarioError::Invalid {
                    field: "policy".into(),
                    rule: e.to_string(),
                })?;
                self.replicate_observed(p, r, obs)
            }
            PolicySpec::CMu(p) => self.replicate_observed(*p, r, obs),
            PolicySpec::OptimalAssignment { non_idling } => {
                let mode = if *non_idling {
                    Mode::NonIdling
                } else {
                    Mode::MaxWeight
                };
                self.replicate_observed(OptimalAssignment::new(mode), r, obs)
            }
            PolicySpec::LearnedFit(c) => self.replicate_observed(self.learned_fit(c, r)?, r, obs),
        }?;
        rep.policy_key = Some(scenario::policy_key(spec));
        Ok(rep)
    }

    /// Runs every replication under policies from `make` and reports.
    pub fn run_with<P, F>(&self, make: F, opts: RunOptions<'_>) -> Result<Report, SimError>
    where
        P: RoutingPolicy,
        F: Fn() -> P + Sync,
    {
        let reps = self.replications(make, opts)?;
        Ok(self.report(&reps, opts.confidence)?)
    }

    /// Runs every replication under policies from `make`, each given its
    /// replication's [`PolicySeed`]
    /// ([`replications_seeded`](Simulation::replications_seeded)), and reports.
    pub fn run_with_seeded<P, F>(&self, make: F, opts: RunOptions<'_>) -> Result<Report, SimError>
    where
        P: RoutingPolicy,
        F: Fn(PolicySeed) -> P + Sync,
    {
        let reps = self.replications_seeded(make, opts)?;
        Ok(self.report(&reps, opts.confidence)?)
    }

    /// Runs every replication under a built-in policy and reports.
    pub fn run_policy(&self, spec: &PolicySpec, opts: RunOptions<'_>) -> Result<Report, SimError> {
        let reps = self.replications_policy(spec, opts)?;
        Ok(self.report(&reps, opts.confidence)?)
    }

    /// Runs every replication under a built-in policy and returns them one by
    /// one, in index order (for statistics of your own; [`Simulation::report`]
    /// turns them into a [`Report`]).
    pub fn replications_policy(
        &self,
        spec: &PolicySpec,
        opts: RunOptions<'_>,
    ) -> Result<Vec<Replication>, SimError> {
        spec.validate()?;
        self.each_replication(opts, |r, progress| match progress {
            Some(p) => self.replicate_spec(spec, r, &mut ProgressObserver(p)),
            None => self.replicate_spec(spec, r, &mut ()),
        })
    }

    /// Runs the scenario's own policy, replications in parallel, 95% intervals.
    pub fn run(&self) -> Result<Report, SimError> {
        self.run_policy(&self.plan.policy, RunOptions::default())
    }

    /// Means and `confidence` intervals over `replications` (in the order
    /// given: pass them in index order for reproducible sums).
    ///
    /// Replications may come from elsewhere (JSON lines of separate runs),
    /// so they are checked first: some, all of one policy, each index once,
    /// each of this scenario's shape; and `confidence` strictly between 0
    /// and 1. Otherwise a [`ReportError`] says what is wrong.
    pub fn report(
        &self,
        replications: &[Replication],
        confidence: f64,
    ) -> Result<Report, ReportError> {
        Report::try_build(&self.plan, replications, confidence)
    }

    /// The replications that task `task` of `tasks` runs, for a run split
    /// into numbered tasks (one per process: a Slurm job array, Kubernetes
    /// indexed jobs, …): a contiguous share of `0..replications`, the
    /// shares differing by at most one. Each replication's random streams
    /// depend only on its index, so a task gives the same replications, bit
    /// for bit, on any machine; [`merge`](Simulation::merge) puts them back
    /// together.
    pub fn task_replications(
        &self,
        task: u32,
        tasks: u32,
    ) -> Result<std::ops::Range<u32>, ReportError> {
        let r = self.plan.replications;
        if tasks == 0 || tasks > r || task >= tasks {
            return Err(ReportError::Task {
                task,
                tasks,
                replications: r,
            });
        }
        let share = |t: u32| (u64::from(t) * u64::from(r) / u64::from(tasks)) as u32;
        Ok(share(task)..share(task + 1))
    }

    /// The task of `tasks` that runs replication `replication` (the inverse
    /// of [`task_replications`](Simulation::task_replications)), if it is one
    /// of the scenario's.
    pub fn task_of(&self, replication: u32, tasks: u32) -> Option<u32> {
        let r = u64::from(self.plan.replications);
        if u64::from(replication) >= r {
            return None;
        }
        // Task t starts at ⌊t·r/tasks⌋, so the last t starting at or before
        // x is ⌈(x+1)·tasks/r⌉ − 1 = ((x+1)·tasks − 1)/r: O(1), where a
        // scan of the tasks took hours for each of many missing
        // replications. (x+1)·tasks < 2^64.
        let t = ((u64::from(replication) + 1) * u64::from(tasks)).checked_sub(1)? / r;
        let t = u32::try_from(t).ok()?;
        self.task_replications(t, tasks)
            .is_ok_and(|range| range.contains(&replication))
            .then_some(t)
    }

    /// Puts one policy's replications, gathered from tasks in any order,
    /// back in the order a single run gives: sorted by index, each of
    /// `0..replications` exactly once. Missing indexes are named all at
    /// once ([`ReportError::Missing`]), so that their tasks can be rerun; a
    /// duplicate, an index out of range, another policy's replication, or
    /// replications of this policy run with different parameters (their
    /// [`Replication::policy_key`]s differ: [`ReportError::OtherPolicy`],
    /// against the lowest-indexed one) is an error too. The result reports and compares as the single run's
    /// replications do, to the same bytes.
    pub fn merge(
        &self,
        policy: &str,
        mut replications: Vec<Replication>,
    ) -> Result<Vec<Replication>, ReportError> {
        let n = self.plan.replications;
        for r in &replications {
            if r.policy != policy {
                return Err(ReportError::MixedPolicies {
                    first: policy.to_string(),
                    other: r.policy.clone(),
                });
            }
            report::check_key(&self.plan, r)?;
            if r.replication >= n {
                return Err(ReportError::OutOfRange {
                    replication: r.replication,
                    replications: n,
                });
            }
        }
        replications.sort_by_key(|r| r.replication);
        if let Some(w) = replications
            .windows(2)
            .find(|w| w[0].replication == w[1].replication)
        {
            return Err(ReportError::Duplicate(w[0].replication));
        }
        // `policy` is a name, and a name does not tell parameters apart:
        // the replications must at least agree among themselves (the first
        // one with a key sets it; those without one are taken on trust).
        let mut keyed = replications
            .iter()
            .filter_map(|r| r.policy_key.as_ref().map(|k| (r, k)));
        if let Some((_, expected)) = keyed.next()
            && let Some((r, found)) = keyed.find(|(_, k)| *k != expected)
        {
            return Err(ReportError::OtherPolicy {
                replication: r.replication,
                policy: r.policy.clone(),
                found: found.clone(),
                expected: expected.clone(),
            });
        }
        if replications.len() < n as usize {
            let mut have = replications.iter().map(|r| r.replication).peekable();
            let missing = (0..n)
                .filter(|&i| {
                    if have.peek() == Some(&i) {
                        have.next();
                        false
                    } else {
                        true
                    }
                })
                .collect();
            return Err(ReportError::Missing {
                policy: policy.to_string(),
                missing,
            });
        }
        Ok(replications)
    }

    /// Puts the replications of a run split into `tasks` tasks back
    /// together, for each of `policies` ([`merge`](Simulation::merge), policy
    /// by policy; replications of other policies are left out). If some are
    /// missing, [`ReportError::Rerun`] names every task to run again, for
    /// all policies at once; any other fault is that policy's error. A
    /// replication of one of `policies` run with other parameters (its
    /// [`Replication::policy_key`]) is [`ReportError::OtherPolicy`].
    pub fn merge_tasks(
        &self,
        policies: &[PolicySpec],
        replications: impl IntoIterator<Item = Replication>,
        tasks: u32,
    ) -> Result<Vec<Vec<Replication>>, ReportError> {
        self.task_replications(0, tasks)?;
        let mut by_policy: Vec<Vec<Replication>> = vec![Vec::new(); policies.len()];
        let keys: Vec<String> = policies.iter().map(scenario::policy_key).collect();
        for rep in replications {
            if let Some(i) = policies.iter().position(|p| p.name() == rep.policy) {
                // The same name with other parameters is another experiment.
                if let Some(k) = rep.policy_key.as_ref().filter(|k| **k != keys[i]) {
                    return Err(ReportError::OtherPolicy {
                        replication: rep.replication,
                        policy: rep.policy,
                        found: k.clone(),
                        expected: keys[i].clone(),
                    });
                }
                by_policy[i].push(rep);
            }
        }
        let mut runs = Vec::with_capacity(policies.len());
        let mut rerun = std::collections::BTreeSet::new();
        let mut detail = Vec::new();
        for (spec, reps) in policies.iter().zip(by_policy) {
            match self.merge(spec.name(), reps) {
                Ok(r) => runs.push(r),
                Err(ReportError::Missing { missing, .. }) => {
                    rerun.extend(missing.iter().filter_map(|&r| self.task_of(r, tasks)));
                    detail.push(format!(
                        "{}: {} replications missing",
                        spec.name(),
                        missing.len()
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        if rerun.is_empty() {
            Ok(runs)
        } else {
            Err(ReportError::Rerun {
                tasks: rerun.into_iter().collect(),
                of: tasks,
                detail: detail.join("; "),
            })
        }
    }

    /// Compares policy `other` with policy `base` on the same replications:
    /// each metric's paired difference `other − base`, with its
    /// `confidence` interval (paired t). Both lists must hold the same
    /// replication indexes in the same order (as
    /// [`replications_policy`](Simulation::replications_policy) returns
    /// them), and pass the checks of [`report`](Simulation::report). A
    /// wait percentile's difference is that of the two policies' reports
    /// (pooled over replications), with the paired interval: see
    /// [`Comparison`].
    ///
    /// The two sides must be two policies: the same name with the same
    /// parameters' key (a policy of one's own has none, so two left with
    /// the default name `"custom"`) is [`ReportError::SamePolicy`].
    ///
    /// Common random numbers are what make this sharp: replication `r` gives
    /// both policies the same customers, so a difference of a few tenths of
    /// a point of service level can be told from noise with 20 replications
    /// where two separate reports' intervals would overlap.
    pub fn compare(
        &self,
        base: &[Replication],
        other: &[Replication],
        confidence: f64,
    ) -> Result<Comparison, ReportError> {
        Comparison::build(&self.plan, base, other, confidence)
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;
    use super::{PolicySpec, RunOptions, Scenario, SimError, Simulation};
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    fn small(replications: u32) -> Simulation {
        let text = format!(
            r#"
            horizon = 3600.0
            replications = {replications}
            skills = ["billing"]
            [[groups]]
            name = "agents"
            count = 10
            skills = {{ billing = 5 }}
            capacity = {{ voice = 1 }}
            [[contact_types]]
            name = "billing"
            channel = "voice"
            requires = {{ billing = 3 }}
            arrivals = {{ kind = "poisson", rate = 0.04 }}
            service = {{ kind = "exponential", mean = 200.0 }}
            patience = {{ kind = "exponential", mean = 300.0 }}
            "#
        );
        Simulation::new(Scenario::from_toml_str(&text).unwrap()).unwrap()
    }

    #[test]
    fn a_set_cancel_stops_the_run_and_an_unset_one_changes_nothing() {
        let sim = small(40);
        let spec = PolicySpec::LongestIdleAgent;
        // As JSON: a replication's NaN (no contact of a kind) is not equal to itself.
        let json = |reps: Vec<super::Replication>| serde_json::to_string(&reps).unwrap();
        let plain = json(
            sim.replications_policy(&spec, RunOptions::default())
                .unwrap(),
        );
        let unset = AtomicBool::new(false);
        for parallel in [true, false] {
            let opts = RunOptions {
                parallel,
                cancel: Some(&unset),
                ..RunOptions::default()
            };
            assert_eq!(json(sim.replications_policy(&spec, opts).unwrap()), plain);
            // Set by the first replication to finish: the others not yet
            // started do not run.
            let stop = AtomicBool::new(false);
            let finished = AtomicU32::new(0);
            let progress = |p: super::Progress| {
                if p.now >= p.horizon {
                    finished.fetch_add(1, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                }
            };
            let opts = RunOptions {
                parallel,
                progress: Some(&progress),
                cancel: Some(&stop),
                ..RunOptions::default()
            };
            assert!(matches!(
                sim.replications_policy(&spec, opts),
                Err(SimError::Cancelled)
            ));
            let ran = finished.load(Ordering::Relaxed);
            assert!(
                ran < 40 / 2,
                "{ran} of 40 replications ran after the cancel"
            );
        }
    }

    #[test]
    fn csv_fields_are_quoted_only_where_needed() {
        assert_eq!(csv_field("early-generalists"), "early-generalists");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        assert_eq!(csv_field(" voice "), "\" voice \"");
        assert_eq!(csv_field("tab\t"), "\"tab\t\"");
    }
}
