//! Results: one [`Replication`]'s numbers, and a [`Report`] of means and
//! confidence intervals over replications (serde: JSON; CSV by hand).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::engine::Raw;
use super::scenario::Plan;
use super::stats::{
    Estimate, Fairness, MetricValue, Metrics, QueueAcc, StaffAcc, WaitCounts, WaitHistogram,
};
use crate::router::Counts;

/// What one replication measured. Vectors are parallel to the scenario's
/// contact types, channels, segments, groups and report intervals. Serde-ready,
/// so that replications run as separate tasks (one JSON line each) can be
/// merged later with [`Simulation::report`](super::Simulation::report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    /// The replication's index (which random streams it used).
    pub replication: u32,
    /// The key of the scenario it ran (a hash of its settings and seed,
    /// policy and replications aside): a report or merge refuses a
    /// replication of another scenario. `None` in one written before keys
    /// were kept (not checked).
    #[serde(default)]
    pub scenario_key: Option<String>,
    /// The policy's name.
    pub policy: String,
    /// The key of the policy's parameters, for a replication run from a
    /// built-in [`PolicySpec`](super::PolicySpec) (`None` for a policy of
    /// one's own, and in one written before keys were kept): merging tasks
    /// refuses a replication of the same policy run with other parameters
    /// ([`ReportError::OtherPolicy`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_key: Option<String>,
    /// Contacts that arrived at the queue (the router), warm-up included:
    /// of a type with a self-service tier, those it passed on (see
    /// [`Metrics::self_served`] for those that entered it).
    pub arrived: u64,
    /// Events processed.
    pub events: u64,
    /// When the replication ended (the horizon, or later when draining).
    pub end_time: f64,
    /// Most contacts in the system at once.
    pub peak_contacts: u64,
    /// Most events pending at once.
    pub peak_events: u64,
    /// Time-average number of contacts waiting (not yet answered) from the
    /// warm-up to `end_time`: in a draining run, to the end of the drain
    /// (its emptying queue included), where the agents' figures (occupancy,
    /// utilisation, agents) stop at the horizon.
    pub mean_in_queue: f64,
    /// Time-average number of contacts in the system, over the same span as
    /// `mean_in_queue`.
    pub mean_in_system: f64,
    /// The router's own counts at the end (every contact, warm-up included).
    pub router_counts: Counts,
    /// Policy proposals the router refused.
    pub rejected_proposals: u64,
    /// Periodic re-plans sent to the router (the scenario's `rebalance_every`).
    pub rebalances: u64,
    /// Agent-seconds of work after the horizon: a draining run's overtime,
    /// which the agents' time metrics (occupancy…) leave out; 0 otherwise.
    #[serde(default)]
    pub overtime: f64,
    /// Contacts still in a self-service tier when the run stopped, that it
    /// will pass on to the queue (not yet in any row's `offered`; those it
    /// contains are counted in `contained` on entering). 0, and not
    /// written, without a tier.
    #[serde(default, skip_serializing_if = "none")]
    pub in_self_service_at_end: u64,
    /// Everything together.
    pub total: Metrics<f64>,
    /// Per contact type.
    pub by_type: Vec<Metrics<f64>>,
    /// Per channel.
    pub by_channel: Vec<Metrics<f64>>,
    /// Per customer segment.
    pub by_segment: Vec<Metrics<f64>>,
    /// Per agent group (contacts answered by the group, and its agents' time).
    pub by_group: Vec<Metrics<f64>>,
    /// Per report interval (contacts by arrival time, agent time within it).
    pub by_interval: Vec<Metrics<f64>>,
    /// Per report interval and contact type, interval-major (row
    /// `interval × types + type`); contacts by arrival time, no agent metrics.
    pub by_interval_type: Vec<Metrics<f64>>,
    /// Per report interval and agent group, interval-major (row
    /// `interval × groups + group`): the contacts arriving in the interval
    /// that the group answered, and the group's agents' time within it.
    #[serde(default)]
    pub by_interval_group: Vec<Metrics<f64>>,
    /// Per report interval and channel, interval-major (row
    /// `interval × channels + channel`, every channel of the scenario):
    /// the interval's contact types of the channel together, no agent metrics.
    #[serde(default)]
    pub by_interval_channel: Vec<Metrics<f64>>,
    /// Fairness over all agents, then per group.
    pub fairness: Vec<Fairness<f64>>,
    /// The answered contacts' waits of the rows above, which a report
    /// pools (`None` in a replication written before they were kept: its
    /// report then averages the replications' own percentiles).
    #[serde(default)]
    pub waits: Option<Waits>,
}

/// One replication's waits of answered contacts, as histograms, for the
/// total row, each type, channel (every channel of the scenario), segment,
/// group and interval row, and each interval × type and interval × group
/// cell: a report pools them, so that its wait percentiles are those of all
/// replications' contacts together rather than a mean of each
/// replication's own (which reads low for short runs: a replication's p99
/// rests on its few longest waits, and a cell's on fewer still). An
/// interval × channel cell pools the interval × type cells of its channel's
/// types, which hold the same contacts. A few hundred bytes to a few
/// kilobytes a row (in JSON, only the bins that hold a wait), whatever the
/// number of contacts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waits {
    /// Everything together.
    pub total: WaitHistogram,
    /// Per contact type.
    pub by_type: Vec<WaitHistogram>,
    /// Per channel.
    pub by_channel: Vec<WaitHistogram>,
    /// Per customer segment.
    pub by_segment: Vec<WaitHistogram>,
    /// Per agent group (the contacts it answered).
    pub by_group: Vec<WaitHistogram>,
    /// Per report interval (contacts by arrival time).
    pub by_interval: Vec<WaitHistogram>,
    /// Per report interval and contact type, interval-major as
    /// [`Replication::by_interval_type`]; also the interval × channel
    /// cells' waits. `None` in a replication written before the cells'
    /// waits were kept: a report of it gives the interval × type and
    /// × channel cells' means of the replications' own percentiles.
    #[serde(default)]
    pub by_interval_type: Option<Vec<WaitCounts>>,
    /// Per report interval and agent group, interval-major as
    /// [`Replication::by_interval_group`] (the contacts arriving in the
    /// interval that the group answered). `None` as for
    /// `by_interval_type`, with the same fallback for the interval ×
    /// group cells.
    #[serde(default)]
    pub by_interval_group: Option<Vec<WaitCounts>>,
}

/// Why replications cannot be reported or compared. Nothing is built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// No replications were given.
    #[error("no replications to report")]
    NoReplications,
    /// The confidence level is not strictly between 0 and 1.
    #[error("confidence must be strictly between 0 and 1, got {}", crate::model::short_number(*.0, 1e15))]
    Confidence(f64),
    /// A replication does not have this scenario's shape (it was run on
    /// another scenario).
    #[error(
        "replication {replication}: `{field}` has {found} rows, this scenario has {expected}: \
         not a replication of this scenario"
    )]
    Shape {
        /// The replication's index.
        replication: u32,
        /// The field whose length differs.
        field: &'static str,
        /// Rows this scenario has.
        expected: usize,
        /// Rows the replication has.
        found: usize,
    },
    /// The same replication index appears twice (it would count twice).
    #[error("replication {0} is given twice")]
    Duplicate(u32),
    /// Replications of different policies are mixed in one report.
    #[error("replications of policies {first:?} and {other:?} are mixed in one report")]
    MixedPolicies {
        /// The first replication's policy.
        first: String,
        /// Another policy found among them.
        other: String,
    },
    /// Compared replications are not the same replications in the same
    /// order, so they are not paired (they did not see the same customers).
    #[error(
        "not paired: at position {position} the base has replication {base:?} and the other \
         {other:?} (None: the list ended)"
    )]
    NotPaired {
        /// The position in both lists.
        position: usize,
        /// The base's replication index there (`None`: the list ended).
        base: Option<u32>,
        /// The other's replication index there (`None`: the list ended).
        other: Option<u32>,
    },
    /// A task number out of range: tasks are numbered `0..tasks`, and there
    /// are at most as many tasks as replications.
    #[error(
        "task {task} of {tasks}: tasks are 0..{tasks}, at most one per replication ({replications})"
    )]
    Task {
        /// The task asked for.
        task: u32,
        /// How many tasks the run is split into.
        tasks: u32,
        /// The scenario's replications.
        replications: u32,
    },
    /// Merged replications of a policy lack some of the scenario's
    /// (their tasks did not run, or their output was lost).
    #[error("policy {policy:?}: replications {missing:?} are missing")]
    Missing {
        /// The policy.
        policy: String,
        /// The missing replication indexes, in order.
        missing: Vec<u32>,
    },
    /// Merging tasks: some policies' replications are missing, and these
    /// tasks (of `of`) ran them; nothing else was wrong.
    #[error("{detail}; rerun tasks {tasks:?} of {of}")]
    Rerun {
        /// The tasks to run again, in order.
        tasks: Vec<u32>,
        /// How many tasks the run is split into.
        of: u32,
        /// Which policies lack how many replications.
        detail: String,
    },
    /// A replication was run on another scenario: other settings, another
    /// seed, or other `--set` changes.
    #[error(
        "replication {replication} ({policy}) was run on another scenario (key {found}; this \
         one's is {expected}): other settings, seed or --set changes"
    )]
    OtherScenario {
        /// Its index.
        replication: u32,
        /// Its policy.
        policy: String,
        /// Its scenario's key.
        found: String,
        /// This scenario's key.
        expected: String,
    },
    /// A replication was run with other parameters of its policy than
    /// those of the run it is merged into (other skill-expansion steps,
    /// say): the same name, another experiment.
    #[error(
        "replication {replication} ({policy}) was run with other parameters of the policy (key \
         {found}; this run's is {expected}): other policy settings or --set changes"
    )]
    OtherPolicy {
        /// Its index.
        replication: u32,
        /// Its policy's name.
        policy: String,
        /// The key of the parameters it was run with.
        found: String,
        /// The key of this run's parameters.
        expected: String,
    },
    /// Compared replications are of one policy, as far as they tell: the
    /// same name and the same parameters' key (none, for a policy of one's
    /// own). Either they are one run compared with itself (every difference
    /// 0), or two policies left with the same name, such as the default
    /// `"custom"` of [`RoutingPolicy::name`](crate::RoutingPolicy::name),
    /// whose comparison would be labelled `custom − custom`.
    #[error(
        "both sides are policy {policy:?} (same name and parameters): a policy compared with \
         itself, or two policies with the same name (override RoutingPolicy::name so that \
         each policy, and each setting compared, has its own)"
    )]
    SamePolicy {
        /// The name both sides carry.
        policy: String,
    },
    /// A replication's index is not one of the scenario's `0..replications`.
    #[error("replication {replication} is not one of this scenario's 0..{replications}")]
    OutOfRange {
        /// Its index.
        replication: u32,
        /// The scenario's replications.
        replications: u32,
    },
}

/// Checks that `reps` can make one report of `plan`: some replications, one
/// policy, each index once, each of this scenario's shape.
fn check(plan: &Plan, reps: &[Replication], confidence: f64) -> Result<(), ReportError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(ReportError::Confidence(confidence));
    }
    let first = reps.first().ok_or(ReportError::NoReplications)?;
    let mut seen = std::collections::BTreeSet::new();
    let groups = plan.groups.len();
    let types = plan.types.len();
    for r in reps {
        if r.policy != first.policy {
            return Err(ReportError::MixedPolicies {
                first: first.policy.clone(),
                other: r.policy.clone(),
            });
        }
        if !seen.insert(r.replication) {
            return Err(ReportError::Duplicate(r.replication));
        }
        check_key(plan, r)?;
        for (field, expected, found) in [
            ("by_type", types, r.by_type.len()),
            ("by_channel", plan.channels.len(), r.by_channel.len()),
            ("by_segment", plan.segments.len(), r.by_segment.len()),
            ("by_group", groups, r.by_group.len()),
            ("by_interval", plan.intervals, r.by_interval.len()),
            (
                "by_interval_type",
                plan.intervals * types,
                r.by_interval_type.len(),
            ),
            (
                "by_interval_group",
                plan.intervals * groups,
                r.by_interval_group.len(),
            ),
            (
                "by_interval_channel",
                plan.intervals * plan.channels.len(),
                r.by_interval_channel.len(),
            ),
            ("fairness", groups + 1, r.fairness.len()),
        ]
        .into_iter()
        .chain(r.waits.iter().flat_map(|w| {
            [
                ("waits.by_type", types, w.by_type.len()),
                ("waits.by_channel", plan.channels.len(), w.by_channel.len()),
                ("waits.by_segment", plan.segments.len(), w.by_segment.len()),
                ("waits.by_group", groups, w.by_group.len()),
                ("waits.by_interval", plan.intervals, w.by_interval.len()),
            ]
            .into_iter()
            .chain(
                w.by_interval_type
                    .iter()
                    .map(|v| ("waits.by_interval_type", plan.intervals * types, v.len())),
            )
            .chain(
                w.by_interval_group
                    .iter()
                    .map(|v| ("waits.by_interval_group", plan.intervals * groups, v.len())),
            )
        })) {
            if found != expected {
                return Err(ReportError::Shape {
                    replication: r.replication,
                    field,
                    expected,
                    found,
                });
            }
        }
    }
    Ok(())
}

/// Refuses `base` and `other` unless they hold the same replication indexes
/// in the same order (so each pair met the same customers).
fn check_paired(base: &[Replication], other: &[Replication]) -> Result<(), ReportError> {
    for position in 0..base.len().max(other.len()) {
        let (b, o) = (base.get(position), other.get(position));
        if b.map(|r| r.replication) != o.map(|r| r.replication) {
            return Err(ReportError::NotPaired {
                position,
                base: b.map(|r| r.replication),
                other: o.map(|r| r.replication),
            });
        }
    }
    Ok(())
}

/// Refuses `r` if it carries another scenario's key.
pub(crate) fn check_key(plan: &Plan, r: &Replication) -> Result<(), ReportError> {
    match &r.scenario_key {
        Some(k) if *k != plan.key => Err(ReportError::OtherScenario {
            replication: r.replication,
            policy: r.policy.clone(),
            found: k.clone(),
            expected: plan.key.clone(),
        }),
        _ => Ok(()),
    }
}

/// A number for CSV: exact (it reads back to the same `f64`), empty if
/// undefined.
fn num(x: f64) -> String {
    // Huge and tiny values in exponent form (1.1e-15, not 0.0000000000000011):
    // still exact, shorter, and what a reader expects; as error messages do.
    if x.is_finite() {
        crate::router::num(x)
    } else {
        String::new()
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// What a scenario measures beyond the queue and the agents: each says
/// whether the metrics of that part are defined.
#[derive(Clone, Copy)]
struct Defined {
    /// A fit table (else `mean_fit` is undefined).
    fit: bool,
    /// Ground-truth outcomes (`resolution`).
    outcomes: bool,
    /// Expected-wait announcements (`ewt_count`).
    ewt: bool,
    /// Not-ready pauses after a timed-out offer (`not_ready`).
    rona: bool,
    /// A target that sets `short_abandon` (`short_abandoned`).
    short: bool,
    /// A contact type with a self-service tier, in a row of contacts (not
    /// of an agent group): `self_served`, `contained`, `containment`.
    self_service: bool,
}

/// A row's metrics, those of `def` undefined where it says so.
fn metrics(q: &QueueAcc, staff: Option<(&StaffAcc, f64)>, def: Defined) -> Metrics<f64> {
    let Defined {
        fit,
        outcomes,
        ewt,
        rona,
        short,
        self_service,
    } = def;
    let handled = (q.answered + q.abandoned) as f64;
    // Short abandons are neither hits nor misses (`short_abandon`).
    let judged = (q.answered + q.abandoned - q.short_abandoned + q.late) as f64;
    let answered = q.answered as f64;
    let (agents, occupancy, utilisation, not_ready) = match staff {
        Some((s, duration)) => (
            ratio(s.staffed, duration),
            ratio(s.busy, s.busy + s.idle),
            ratio(s.slots, s.capacity),
            if rona {
                ratio(s.not_ready, s.staffed)
            } else {
                f64::NAN
            },
        ),
        None => (f64::NAN, f64::NAN, f64::NAN, f64::NAN),
    };
    let [wait_p50, wait_p90, wait_p95, wait_p99] = q.hist.quantiles([0.5, 0.9, 0.95, 0.99]);
    Metrics {
        offered: q.offered as f64,
        answered,
        abandoned: q.abandoned as f64,
        short_abandoned: if short {
            q.short_abandoned as f64
        } else {
            f64::NAN
        },
        waiting_at_end: q.offered.saturating_sub(q.answered + q.abandoned) as f64,
        late_at_end: q.late as f64,
        service_level: ratio(q.within as f64, judged),
        asa: ratio(q.wait_answered, answered),
        mean_wait: ratio(q.wait_answered + q.wait_abandoned, handled),
        p_wait: ratio(q.waited as f64, handled),
        p_abandon: ratio(q.abandoned as f64, handled),
        wait_p50,
        wait_p90,
        wait_p95,
        wait_p99,
        handle_time: ratio(q.handle, answered),
        mean_fit: if fit {
            ratio(q.fit, answered)
        } else {
            f64::NAN
        },
        resolution: if outcomes {
            ratio(q.resolved as f64, answered)
        } else {
            f64::NAN
        },
        ewt_count: if ewt { q.predicted as f64 } else { f64::NAN },
        ewt_bias: ratio(q.predicted_error, q.predicted as f64),
        ewt_mae: ratio(q.predicted_abs_error, q.predicted as f64),
        agents,
        occupancy,
        utilisation,
        not_ready,
        self_served: if self_service {
            q.self_served as f64
        } else {
            f64::NAN
        },
        contained: if self_service {
            q.contained as f64
        } else {
            f64::NAN
        },
        containment: if self_service {
            ratio(q.contained as f64, q.self_served as f64)
        } else {
            f64::NAN
        },
        // A dialer type's row gets them from its dialer (`from_raw`).
        dialer_created: f64::NAN,
        dialer_released: f64::NAN,
        in_dialer_at_end: f64::NAN,
    }
}

fn mean_sd(xs: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = xs.clone().count() as f64;
    if n == 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let m = xs.clone().sum::<f64>() / n;
    let v = xs.map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, v.sqrt())
}

fn fairness(agents: &[&(u32, f64, f64, f64, u64)]) -> Fairness<f64> {
    let present: Vec<_> = agents.iter().filter(|a| a.3 > 0.0).collect();
    let occ = present
        .iter()
        .filter(|a| a.1 + a.2 > 0.0)
        .map(|a| a.1 / (a.1 + a.2));
    let (occupancy_mean, occupancy_sd) = mean_sd(occ.clone());
    let (idle_mean, idle_sd) = mean_sd(present.iter().map(|a| a.2));
    let (answered_mean, answered_sd) = mean_sd(present.iter().map(|a| a.4 as f64));
    Fairness {
        agents: present.len() as f64,
        occupancy_mean,
        occupancy_sd,
        occupancy_min: occ.clone().reduce(f64::min).unwrap_or(f64::NAN),
        occupancy_max: occ.reduce(f64::max).unwrap_or(f64::NAN),
        idle_mean,
        idle_sd,
        answered_mean,
        answered_sd,
    }
}

impl Replication {
    /// Replications as CSV, one line each and a column per figure, for
    /// analysis elsewhere (R, pandas, a paired test of one's own):
    /// `policy`, `replication`, the run's `arrived`, `end_time`,
    /// `mean_in_queue`, `mean_in_system` and `overtime`, then each of
    /// `total`'s [`Metrics`], then each [`Fairness`] figure over all agents,
    /// prefixed `fairness_`. Undefined values are empty; numbers are
    /// written so that they read back to the same `f64`. A column of
    /// [`Metrics::OPTIONAL`] (`short_abandoned`, the self-service figures)
    /// is there only if some replication defines it (its scenario sets a
    /// `short_abandon`, a `self_service`), as the JSON has it.
    pub fn to_csv(reps: &[Replication]) -> String {
        let mut out = String::from(
            "policy,replication,arrived,end_time,mean_in_queue,mean_in_system,overtime",
        );
        // Each column: always, or for one of `OPTIONAL` if some
        // replication writes it.
        let shown: Vec<bool> = Metrics::<f64>::NAMES
            .iter()
            .map(|name| {
                !Metrics::<f64>::OPTIONAL.contains(name)
                    || reps
                        .iter()
                        .any(|r| r.total.written().any(|(w, _)| w == *name))
            })
            .collect();
        for (name, _) in Metrics::<f64>::NAMES
            .iter()
            .zip(&shown)
            .filter(|(_, s)| **s)
        {
            out.push(',');
            out.push_str(name);
        }
        for name in Fairness::<f64>::NAMES {
            out.push_str(",fairness_");
            out.push_str(name);
        }
        out.push('\n');
        for r in reps {
            out.push_str(&super::csv_field(&r.policy));
            let _ = write!(
                out,
                ",{},{},{},{},{},{}",
                r.replication,
                r.arrived,
                num(r.end_time),
                num(r.mean_in_queue),
                num(r.mean_in_system),
                num(r.overtime)
            );
            let all = r
                .fairness
                .first()
                .map(|f| f.values().copied().collect::<Vec<_>>());
            let fair = all.unwrap_or_else(|| vec![f64::NAN; Fairness::<f64>::NAMES.len()]);
            let total = r
                .total
                .values()
                .zip(&shown)
                .filter(|(_, s)| **s)
                .map(|(x, _)| x);
            for x in total.chain(fair.iter()) {
                out.push(',');
                out.push_str(&num(*x));
            }
            out.push('\n');
        }
        out
    }

    pub(crate) fn from_raw(
        plan: &Plan,
        replication: u32,
        policy: String,
        mut raw: Raw,
    ) -> Replication {
        let segs = plan.segments.len();
        let groups = plan.groups.len();
        let def = Defined {
            fit: plan.fit.is_some(),
            outcomes: plan.resolution.is_some(),
            ewt: plan.expected_wait,
            rona: plan.rona.is_some(),
            short: plan.types.iter().any(|t| t.target.short_abandon > 0.0),
            self_service: plan.has_self_service(),
        };
        let metrics = |q: &QueueAcc, staff: Option<(&StaffAcc, f64)>| metrics(q, staff, def);
        // An agent group's row counts the contacts it answered; the
        // self-service tier is before any group.
        let group_def = Defined {
            self_service: false,
            ..def
        };
        let sum = |it: &mut dyn Iterator<Item = &QueueAcc>| {
            let mut acc = QueueAcc::default();
            for q in it {
                acc.merge(q);
            }
            acc
        };
        let mut by_type_acc: Vec<QueueAcc> = (0..plan.types.len())
            .map(|k| sum(&mut raw.type_seg[k * segs..(k + 1) * segs].iter()))
            .collect();
        // The total, channel and segment rows are inbound figures: a
        // dialer type's contacts (outbound work) are in its own row alone.
        let inbound = |k: &usize| plan.inbound(*k);
        let mut channel_acc: Vec<QueueAcc> = (0..plan.channels.len())
            .map(|c| {
                sum(&mut (0..plan.types.len())
                    .filter(inbound)
                    .filter(|&k| plan.types[k].channel.0 as usize == c)
                    .map(|k| &by_type_acc[k]))
            })
            .collect();
        let by_channel: Vec<Metrics<f64>> = channel_acc.iter().map(|q| metrics(q, None)).collect();
        let mut segment_acc: Vec<QueueAcc> = (0..segs)
            .map(|s| {
                sum(&mut (0..plan.types.len())
                    .filter(inbound)
                    .map(|k| &raw.type_seg[k * segs + s]))
            })
            .collect();
        let by_segment: Vec<Metrics<f64>> = segment_acc.iter().map(|q| metrics(q, None)).collect();
        let mut total_q = sum(&mut (0..plan.types.len())
            .filter(inbound)
            .map(|k| &by_type_acc[k]));

        let warm = plan.warm_up;
        let end = raw.end_time;
        let run = (end - warm).max(0.0);
        // Agents' time ends at the horizon, also when a run drains on past it
        // (see `Engine::touch`); the queue's goes on with its contacts.
        let day = (end.min(plan.horizon) - warm).max(0.0);
        let mut total_staff = StaffAcc::default();
        for s in &raw.staff {
            total_staff.merge(s);
        }
        let by_group: Vec<Metrics<f64>> = (0..groups)
            .map(|g| {
                let mut st = StaffAcc::default();
                for i in 0..plan.intervals {
                    st.merge(&raw.staff[i * groups + g]);
                }
                // A group's contacts are those it answered (in place: a
                // clone would copy the histogram).
                let q = &mut raw.group[g];
                q.offered = q.answered;
                self::metrics(q, Some((&st, day)), group_def)
            })
            .collect();
        // Interval `i`'s agent time span, after the warm-up.
        let span = |i: usize| {
            let start = (i as f64 * plan.interval).max(warm);
            let stop = if i + 1 == plan.intervals {
                end.min(plan.horizon)
            } else {
                ((i + 1) as f64 * plan.interval).min(end)
            };
            (stop - start).max(0.0)
        };
        let by_interval: Vec<Metrics<f64>> = (0..plan.intervals)
            .map(|i| {
                let mut st = StaffAcc::default();
                for g in 0..groups {
                    st.merge(&raw.staff[i * groups + g]);
                }
                metrics(&raw.interval[i], Some((&st, span(i))))
            })
            .collect();
        let by_interval_group: Vec<Metrics<f64>> = (0..plan.intervals * groups)
            .map(|j| {
                let q = &mut raw.interval_group[j];
                q.offered = q.answered;
                self::metrics(q, Some((&raw.staff[j], span(j / groups))), group_def)
            })
            .collect();
        let types = plan.types.len();
        let channels = plan.channels.len();
        let by_interval_channel = (0..plan.intervals * channels)
            .map(|j| {
                let (i, c) = (j / channels, j % channels);
                let cell = sum(&mut raw.interval_type[i * types..(i + 1) * types]
                    .iter()
                    .zip(&plan.types)
                    .filter(|(_, t)| usize::from(t.channel.0) == c)
                    .map(|(q, _)| q));
                metrics(&cell, None)
            })
            .collect();
        let by_interval_type = raw.interval_type.iter().map(|q| metrics(q, None)).collect();
        let total = metrics(&total_q, Some((&total_staff, day)));
        let by_type = by_type_acc
            .iter()
            .enumerate()
            .map(|(k, q)| {
                let mut m = metrics(q, None);
                if let Some(d) = raw.dialer.get(k).filter(|_| !plan.inbound(k)) {
                    m.dialer_created = d.created as f64;
                    m.dialer_released = d.released as f64;
                    m.in_dialer_at_end = d.waiting as f64;
                }
                m
            })
            .collect();
        // Every row's metrics are made: its histogram can go to `waits`.
        let keep = |h: &mut WaitHistogram| {
            let mut h = std::mem::take(h);
            h.compact();
            h
        };
        let take = |qs: &mut [QueueAcc]| qs.iter_mut().map(|q| keep(&mut q.hist)).collect();
        // The cells, hundreds a replication, in their compact form.
        let counts = |qs: &[QueueAcc]| qs.iter().map(|q| WaitCounts::from(&q.hist)).collect();
        let waits = Waits {
            total: keep(&mut total_q.hist),
            by_type: take(&mut by_type_acc),
            by_channel: take(&mut channel_acc),
            by_segment: take(&mut segment_acc),
            by_group: take(&mut raw.group),
            by_interval: take(&mut raw.interval),
            by_interval_type: Some(counts(&raw.interval_type)),
            by_interval_group: Some(counts(&raw.interval_group)),
        };
        let all: Vec<_> = raw.agents.iter().collect();
        let mut fair = vec![fairness(&all)];
        for g in 0..groups as u32 {
            let of: Vec<_> = raw.agents.iter().filter(|a| a.0 == g).collect();
            fair.push(fairness(&of));
        }
        Replication {
            replication,
            scenario_key: Some(plan.key.clone()),
            policy,
            policy_key: None,
            arrived: raw.arrived,
            events: raw.events,
            end_time: end,
            peak_contacts: raw.peak_contacts as u64,
            peak_events: raw.peak_events as u64,
            mean_in_queue: ratio(raw.queue_area, run),
            mean_in_system: ratio(raw.system_area, run),
            router_counts: raw.counts,
            rejected_proposals: raw.rejected,
            rebalances: raw.rebalances,
            overtime: raw.overtime,
            in_self_service_at_end: raw.in_self_service,
            total,
            by_type,
            by_channel,
            by_segment,
            by_group,
            by_interval,
            by_interval_type,
            by_interval_group,
            by_interval_channel,
            fairness: fair,
            waits: Some(waits),
        }
    }
}

/// A named row of estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The contact type, channel, segment or group.
    pub name: String,
    /// Its metrics.
    pub metrics: Metrics<Estimate>,
}

/// A report interval's row.
///
/// An interval the warm-up ends in keeps its full `start`, `end` and label,
/// but its statistics cover only the contacts arriving after the warm-up,
/// and its agent time only that after it (an interval before the warm-up
/// counts nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalRow {
    /// Start (s).
    pub start: f64,
    /// End (s).
    pub end: f64,
    /// `start-end` as the scenario's clock reads them
    /// ([`clock_label`](super::clock_label)): `08:00-08:30`, with the
    /// fraction of a boundary off the whole second (`00:00:00.5`).
    #[serde(default)]
    pub label: String,
    /// Its metrics: the contacts arriving in the interval (after the
    /// warm-up), and the agents' time within it.
    pub metrics: Metrics<Estimate>,
}

/// A report interval's row for one contact type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalTypeRow {
    /// Start (s).
    pub start: f64,
    /// End (s).
    pub end: f64,
    /// `start-end` as a clock ([`IntervalRow::label`]).
    #[serde(default)]
    pub label: String,
    /// The contact type's name.
    pub contact_type: String,
    /// Its metrics (contacts of the type arriving in the interval).
    pub metrics: Metrics<Estimate>,
}

/// A report interval's row for one agent group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalGroupRow {
    /// Start (s).
    pub start: f64,
    /// End (s).
    pub end: f64,
    /// `start-end` as a clock ([`IntervalRow::label`]).
    #[serde(default)]
    pub label: String,
    /// The group's name.
    pub group: String,
    /// Its metrics: the contacts arriving in the interval that the group
    /// answered (`offered` counts them too), and the group's agents' time
    /// within the interval (agents logged in, occupancy, utilisation…).
    pub metrics: Metrics<Estimate>,
}

/// A report interval's row for one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalChannelRow {
    /// Start (s).
    pub start: f64,
    /// End (s).
    pub end: f64,
    /// `start-end` as a clock ([`IntervalRow::label`]).
    pub label: String,
    /// The channel's name.
    pub channel: String,
    /// Its metrics: the contacts of the channel's types arriving in the
    /// interval (each answered within its own type's threshold for the
    /// service level), no agent metrics.
    pub metrics: Metrics<Estimate>,
}

/// Fairness over a set of agents (`all`, or a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessRow {
    /// `all`, or the group's name.
    pub name: String,
    /// The estimates.
    pub fairness: Fairness<Estimate>,
}

/// Means and confidence intervals over replications, for one policy on one
/// scenario. Built by [`Simulation::report`](super::Simulation::report).
///
/// Every figure is an [`Estimate`] from the replications' own values (each
/// replication's [`Replication`] row): their mean, with a Student-t
/// interval of `n − 1` degrees of freedom over the `n` replications that
/// define it (the independent-replications estimator). A ratio (service
/// level, ASA, P(wait), abandonment, occupancy…) is therefore the mean of
/// the replications' ratios: in a cell with few contacts per replication
/// (an interval × type) that estimates the mean per-replication ratio,
/// not the ratio of the long-run totals, and the two can differ by more
/// than the interval; in whole-day rows they agree closely. The counts
/// (`offered`, `answered`, `abandoned`, `late_at_end`; a mean × the
/// replications is the total) are there to weight the replications'
/// ratios for the ratio of totals ([`Metrics`]). The exception is the wait
/// percentiles: pooled over replications ([`Metrics::wait_p99`]).
///
/// Group rows and interval × group cells count the contacts the group
/// answered only (`offered` = `answered`). The fairness standard
/// deviations are the population's over each replication's agents
/// (divided by their number). In a draining run, `mean_in_queue` averages
/// from the warm-up to the end of the drain, while agent figures stop at
/// the horizon ([`Replication::mean_in_queue`]).
///
/// Reading it:
///
/// ```
/// use skillroute::sim::{Scenario, Simulation};
///
/// let sim = Simulation::new(Scenario::from_toml_str(r#"
///     horizon = 1800.0
///     replications = 2
///     skills = ["billing"]
///     service_levels = { voice = { threshold = 20.0, fraction = 0.8 } }
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
/// "#)?)?;
/// let report = sim.run()?;
/// // A figure: the mean over the replications and its interval's half-width.
/// let sl = report.total.service_level;
/// println!("service level {:.1}% ± {:.1}", 100.0 * sl.mean, 100.0 * sl.half_width);
/// assert_eq!(sl.n, 2); // both replications answered someone
/// assert!((0.0..=1.0).contains(&sl.mean));
/// // Rows per contact type, channel, segment, group and interval.
/// let billing = &report.by_type[0];
/// assert_eq!(billing.name, "billing");
/// assert_eq!(billing.metrics.offered.mean, report.total.offered.mean);
/// // The whole report as JSON, or CSV (a row per row of the report).
/// assert!(report.to_json().contains("\"service_level\""));
/// assert!(report.to_csv().lines().count() > 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// The policy's name.
    pub policy: String,
    /// The scenario's seed.
    pub seed: u64,
    /// Replications averaged.
    pub replications: u32,
    /// Confidence level of the intervals (e.g. 0.95).
    pub confidence: f64,
    /// Simulated horizon (s).
    pub horizon: f64,
    /// Warm-up (s).
    pub warm_up: f64,
    /// The time of day at time 0, in seconds after midnight (the
    /// scenario's `day_start`), if it has one.
    #[serde(default)]
    pub day_start: Option<f64>,
    /// Contacts that arrived at the queue in all replications, warm-up
    /// included ([`Replication::arrived`]: a self-service tier's contained
    /// contacts are not in it).
    pub contacts: u64,
    /// Time-average number waiting, from the warm-up to each replication's
    /// end (past the horizon in a draining run; see
    /// [`Replication::mean_in_queue`]).
    pub mean_in_queue: Estimate,
    /// When the replications ended (s): the horizon, or later for a
    /// draining run, when its last contact left.
    #[serde(default = "undefined")]
    pub end_time: Estimate,
    /// Agent-seconds of work after the horizon (a draining run's overtime;
    /// see [`Replication::overtime`]).
    #[serde(default = "undefined")]
    pub overtime: Estimate,
    /// Contacts still in a self-service tier when the run stopped, bound
    /// for the queue, per replication
    /// ([`Replication::in_self_service_at_end`]). Undefined, and not
    /// written, without a tier.
    #[serde(
        default = "undefined",
        skip_serializing_if = "MetricValue::is_undefined"
    )]
    pub in_self_service_at_end: Estimate,
    /// Policy proposals the router refused, per replication
    /// ([`Replication::rejected_proposals`]: an unknown agent or contact, a
    /// contact proposed twice, no free slot, an agent not eligible). 0 for
    /// a sound policy; anything else means the policy's decisions were not
    /// carried out, and the report measures what the router made of them.
    /// Undefined in a report written before it was kept.
    #[serde(default = "undefined")]
    pub rejected_proposals: Estimate,
    /// Everything together.
    pub total: Metrics<Estimate>,
    /// Per contact type.
    pub by_type: Vec<Row>,
    /// The service-level target of each contact type, parallel to
    /// `by_type`: the type's own, or its channel's.
    #[serde(default)]
    pub type_targets: Vec<super::ServiceTarget>,
    /// The channel of each contact type, parallel to `by_type`.
    #[serde(default)]
    pub type_channels: Vec<String>,
    /// Per channel that some contact type uses, in the scenario's order.
    pub by_channel: Vec<Row>,
    /// The service-level target of each channel, parallel to `by_channel`.
    pub targets: Vec<super::ServiceTarget>,
    /// Per customer segment.
    pub by_segment: Vec<Row>,
    /// Per agent group.
    pub by_group: Vec<Row>,
    /// Per report interval.
    pub by_interval: Vec<IntervalRow>,
    /// Per report interval and contact type: interval-major, the types in
    /// scenario order within each interval.
    pub by_interval_type: Vec<IntervalTypeRow>,
    /// Per report interval and agent group: interval-major, the groups in
    /// scenario order within each interval.
    #[serde(default)]
    pub by_interval_group: Vec<IntervalGroupRow>,
    /// Per report interval and channel (those some contact type uses, as
    /// in `by_channel`): interval-major, the channels in scenario order
    /// within each interval.
    #[serde(default)]
    pub by_interval_channel: Vec<IntervalChannelRow>,
    /// Agent fairness: `all`, then each group.
    pub fairness: Vec<FairnessRow>,
    /// Whether the figures are a [`Comparison`]'s paired differences, whose
    /// CSV does not clip its intervals: set by the comparison, also when
    /// read back from its JSON, which does not hold it.
    #[serde(skip)]
    paired: bool,
}

fn rows(
    names: &[String],
    reps: &[Replication],
    pick: impl Fn(&Replication) -> &Vec<Metrics<f64>>,
    c: f64,
) -> Vec<Row> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let ms: Vec<&Metrics<f64>> = reps.iter().map(|r| &pick(r)[i]).collect();
            Row {
                name: name.clone(),
                metrics: Metrics::estimate(&ms, c),
            }
        })
        .collect()
}

/// Waits a report pools: a row's histogram, or a cell's counts.
trait Pooled {
    /// Adds these waits to `all`.
    fn add_to(&self, all: &mut WaitHistogram);
}

impl Pooled for WaitHistogram {
    fn add_to(&self, all: &mut WaitHistogram) {
        all.merge(self);
    }
}

impl Pooled for WaitCounts {
    fn add_to(&self, all: &mut WaitHistogram) {
        all.merge_counts(self);
    }
}

/// The wait percentiles (p50, p90, p95, p99) of `hists` pooled: those of
/// all their waits together (NaN if they hold none).
fn pooled<H: Pooled>(hists: &[&H]) -> [f64; 4] {
    let mut all = WaitHistogram::default();
    for h in hists {
        h.add_to(&mut all);
    }
    all.quantiles([0.5, 0.9, 0.95, 0.99])
}

/// The point estimates of the wait percentiles' paired differences
/// `other − base`: `other`'s pooled percentiles minus `base`'s, so that a
/// difference is that of the two policies' reports (NaN where either
/// policy answered nobody). The one place a comparison's and
/// [`Comparison::paired_row`]'s percentile differences come from.
fn pooled_difference<H: Pooled>(base: &[&H], other: &[&H]) -> [f64; 4] {
    let (b, o) = (pooled(base), pooled(other));
    std::array::from_fn(|i| o[i] - b[i])
}

/// Sets the point estimates of `m`'s wait percentiles to `points`, keeping
/// their intervals and `n`: those of the replications' own percentiles (or
/// of their paired differences) around the pooled value (sectioning;
/// Asmussen & Glynn, *Stochastic Simulation*, III.5a). The pooled quantile
/// is consistent as replications are added, where the mean of the
/// replications' own keeps the bias of one replication's.
fn set_points(m: &mut Metrics<Estimate>, points: [f64; 4]) {
    for (e, x) in [
        &mut m.wait_p50,
        &mut m.wait_p90,
        &mut m.wait_p95,
        &mut m.wait_p99,
    ]
    .into_iter()
    .zip(points)
    {
        e.mean = x;
    }
}

/// The replications' waits, if every one kept them (else a report averages
/// their own percentiles).
fn all_waits(reps: &[Replication]) -> Option<Vec<&Waits>> {
    reps.iter().map(|r| r.waits.as_ref()).collect()
}

/// The waits whose pooled percentiles a report gives.
struct Pools<'a> {
    /// The replications' (a comparison's `other`).
    waits: Vec<&'a Waits>,
    /// A comparison's base, replication by replication: the report's
    /// percentiles are then differences ([`pooled_difference`]).
    base: Option<Vec<&'a Waits>>,
}

impl<'a> Pools<'a> {
    /// Sets the percentiles of each of `rows` from the histograms that
    /// `pick` takes from each replication's waits: row `i` pools those at
    /// the indexes `members(i)` (its own index; an interval × channel
    /// cell's types). If some replication (of either policy, in a
    /// comparison) did not keep them, the rows keep the means of the
    /// replications' own percentiles.
    fn rows<R, H: Pooled + 'a>(
        &self,
        rows: &mut [R],
        metrics: fn(&mut R) -> &mut Metrics<Estimate>,
        pick: impl Fn(&'a Waits) -> Option<&'a [H]>,
        members: impl Fn(usize) -> Vec<usize>,
    ) {
        let kept =
            |ws: &[&'a Waits]| -> Option<Vec<&'a [H]>> { ws.iter().map(|w| pick(w)).collect() };
        let Some(other) = kept(&self.waits) else {
            return;
        };
        let base = match &self.base {
            Some(base) => match kept(base) {
                Some(b) => Some(b),
                None => return,
            },
            None => None,
        };
        let of = |hists: &[&'a [H]], at: &[usize]| -> Vec<&'a H> {
            hists
                .iter()
                .flat_map(|h| at.iter().map(move |&j| &h[j]))
                .collect()
        };
        for (i, row) in rows.iter_mut().enumerate() {
            let at = members(i);
            let points = match &base {
                Some(b) => pooled_difference(&of(b, &at), &of(&other, &at)),
                None => pooled(&of(&other, &at)),
            };
            set_points(metrics(row), points);
        }
    }
}

/// The entries of `per_channel` whose channel some contact type uses. A
/// channel none uses has a row of nothing (and the five default channels
/// are there unless a scenario names its own): a report leaves it out, with
/// its target.
fn used_channels<T>(plan: &Plan, per_channel: Vec<T>) -> Vec<T> {
    per_channel
        .into_iter()
        .enumerate()
        .filter(|&(c, _)| plan.types.iter().any(|t| usize::from(t.channel.0) == c))
        .map(|(_, x)| x)
        .collect()
}

/// An estimate nothing defines: a report written before the field existed.
/// Whether a count is 0 (left out of the JSON: a run without what it
/// counts writes what it wrote before the count existed).
fn none(n: &u64) -> bool {
    *n == 0
}

fn undefined() -> Estimate {
    Estimate {
        mean: f64::NAN,
        half_width: f64::NAN,
        n: 0,
    }
}

impl Report {
    /// Checks `reps` ([`ReportError`]) and reports them.
    pub(crate) fn try_build(
        plan: &Plan,
        reps: &[Replication],
        confidence: f64,
    ) -> Result<Report, ReportError> {
        check(plan, reps, confidence)?;
        let pools = all_waits(reps).map(|waits| Pools { waits, base: None });
        Ok(Report::build(plan, reps, confidence, pools))
    }

    /// Reports `reps`, which [`check`] accepted, their wait percentiles
    /// pooled from `pools` if given.
    fn build(plan: &Plan, reps: &[Replication], confidence: f64, pools: Option<Pools>) -> Report {
        let types: Vec<String> = plan.types.iter().map(|t| t.name.clone()).collect();
        let groups: Vec<String> = plan.groups.iter().map(|g| g.name.clone()).collect();
        let totals: Vec<&Metrics<f64>> = reps.iter().map(|r| &r.total).collect();

        // The last interval ends at the horizon (whatever rounding left).
        let span = |i: usize| {
            let end = if i + 1 == plan.intervals {
                plan.horizon
            } else {
                ((i + 1) as f64 * plan.interval).min(plan.horizon)
            };
            (i as f64 * plan.interval, end)
        };
        let labels: Vec<String> = (0..plan.intervals)
            .map(|i| {
                let (start, end) = span(i);
                let clock = |t| super::clock_label(plan.day_start, t);
                format!("{}-{}", clock(start), clock(end))
            })
            .collect();
        let by_interval = (0..plan.intervals)
            .map(|i| {
                let ms: Vec<&Metrics<f64>> = reps.iter().map(|r| &r.by_interval[i]).collect();
                let (start, end) = span(i);
                IntervalRow {
                    start,
                    end,
                    label: labels[i].clone(),
                    metrics: Metrics::estimate(&ms, confidence),
                }
            })
            .collect();
        // Interval-major cells of `names` (types or groups): each one's
        // span, name and estimates.
        let cells = |names: &[String], pick: fn(&Replication) -> &Vec<Metrics<f64>>| {
            let n = names.len();
            (0..plan.intervals * n)
                .map(|j| {
                    let ms: Vec<&Metrics<f64>> = reps.iter().map(|r| &pick(r)[j]).collect();
                    let (start, end) = span(j / n);
                    (
                        (start, end, labels[j / n].clone()),
                        names[j % n].clone(),
                        Metrics::estimate(&ms, confidence),
                    )
                })
                .collect::<Vec<_>>()
        };
        let mut by_interval_type: Vec<IntervalTypeRow> = cells(&types, |r| &r.by_interval_type)
            .into_iter()
            .map(
                |((start, end, label), contact_type, metrics)| IntervalTypeRow {
                    start,
                    end,
                    label,
                    contact_type,
                    metrics,
                },
            )
            .collect();
        let mut by_interval_group: Vec<IntervalGroupRow> = cells(&groups, |r| &r.by_interval_group)
            .into_iter()
            .map(|((start, end, label), group, metrics)| IntervalGroupRow {
                start,
                end,
                label,
                group,
                metrics,
            })
            .collect();
        let channels = plan.channels.len();
        // Each interval × channel cell's interval and channel.
        let channel_cells: Vec<(usize, usize)> = (0..plan.intervals)
            .flat_map(|i| {
                used_channels(plan, (0..channels).collect())
                    .into_iter()
                    .map(move |c| (i, c))
            })
            .collect();
        let mut by_interval_channel: Vec<IntervalChannelRow> = channel_cells
            .iter()
            .map(|&(i, c)| {
                let ms: Vec<&Metrics<f64>> = reps
                    .iter()
                    .map(|r| &r.by_interval_channel[i * channels + c])
                    .collect();
                let (start, end) = span(i);
                IntervalChannelRow {
                    start,
                    end,
                    label: labels[i].clone(),
                    channel: plan.channels[c].clone(),
                    metrics: Metrics::estimate(&ms, confidence),
                }
            })
            .collect();
        let fairness = std::iter::once("all".to_string())
            .chain(groups.iter().cloned())
            .enumerate()
            .map(|(i, name)| {
                let fs: Vec<&Fairness<f64>> = reps.iter().map(|r| &r.fairness[i]).collect();
                FairnessRow {
                    name,
                    fairness: Fairness::estimate(&fs, confidence),
                }
            })
            .collect();
        let mut total = Metrics::estimate(&totals, confidence);
        let mut by_type = rows(&types, reps, |r| &r.by_type, confidence);
        let mut by_channel = rows(&plan.channels, reps, |r| &r.by_channel, confidence);
        let mut by_segment = rows(&plan.segments, reps, |r| &r.by_segment, confidence);
        let mut by_group = rows(&groups, reps, |r| &r.by_group, confidence);
        let mut by_interval: Vec<IntervalRow> = by_interval;
        if let Some(p) = pools {
            let own = |i: usize| vec![i];
            p.rows(
                std::slice::from_mut(&mut total),
                |m| m,
                |w| Some(std::slice::from_ref(&w.total)),
                own,
            );
            let m: fn(&mut Row) -> &mut Metrics<Estimate> = |r| &mut r.metrics;
            p.rows(&mut by_type, m, |w| Some(&w.by_type), own);
            p.rows(&mut by_channel, m, |w| Some(&w.by_channel), own);
            p.rows(&mut by_segment, m, |w| Some(&w.by_segment), own);
            p.rows(&mut by_group, m, |w| Some(&w.by_group), own);
            p.rows(
                &mut by_interval,
                |r| &mut r.metrics,
                |w| Some(&w.by_interval),
                own,
            );
            p.rows(
                &mut by_interval_type,
                |r| &mut r.metrics,
                |w| w.by_interval_type.as_deref(),
                own,
            );
            p.rows(
                &mut by_interval_group,
                |r| &mut r.metrics,
                |w| w.by_interval_group.as_deref(),
                own,
            );
            // A channel cell's contacts are its types' in the interval.
            p.rows(
                &mut by_interval_channel,
                |r| &mut r.metrics,
                |w| w.by_interval_type.as_deref(),
                |j| {
                    let (i, c) = channel_cells[j];
                    (0..types.len())
                        .filter(|&k| usize::from(plan.types[k].channel.0) == c)
                        .map(|k| i * types.len() + k)
                        .collect()
                },
            );
        }
        let q: Vec<f64> = reps.iter().map(|r| r.mean_in_queue).collect();
        let ends: Vec<f64> = reps.iter().map(|r| r.end_time).collect();
        let over: Vec<f64> = reps.iter().map(|r| r.overtime).collect();
        let rejected: Vec<f64> = reps.iter().map(|r| r.rejected_proposals as f64).collect();
        Report {
            paired: false,
            scenario: plan.name.clone(),
            policy: reps.first().map(|r| r.policy.clone()).unwrap_or_default(),
            seed: plan.seed,
            replications: reps.len() as u32,
            confidence,
            horizon: plan.horizon,
            warm_up: plan.warm_up,
            day_start: plan.day_start,
            contacts: reps.iter().map(|r| r.arrived).sum(),
            mean_in_queue: Estimate::from_samples(&q, confidence),
            end_time: Estimate::from_samples(&ends, confidence),
            overtime: Estimate::from_samples(&over, confidence),
            in_self_service_at_end: if plan.has_self_service() {
                let tier: Vec<f64> = reps
                    .iter()
                    .map(|r| r.in_self_service_at_end as f64)
                    .collect();
                Estimate::from_samples(&tier, confidence)
            } else {
                undefined()
            },
            rejected_proposals: Estimate::from_samples(&rejected, confidence),
            total,
            by_type,
            type_targets: plan.types.iter().map(|t| t.target).collect(),
            type_channels: plan
                .types
                .iter()
                .map(|t| plan.channels[usize::from(t.channel.0)].clone())
                .collect(),
            by_channel: used_channels(plan, by_channel),
            targets: used_channels(plan, plan.targets.clone()),
            by_segment,
            by_group,
            by_interval,
            by_interval_type,
            by_interval_group,
            by_interval_channel,
            fairness,
        }
    }

    /// The report as pretty JSON (undefined values as `null`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report is always representable in JSON")
    }

    /// The report as CSV in long form, one line per row and metric:
    /// `section,name,start,end,label,metric,mean,half_width,low,high,n`
    /// (`section` is `total`, `type`, `channel`, `segment`, `group`,
    /// `interval` (named by its [`IntervalRow::label`]), `interval-type` (named by the contact type),
    /// `interval-channel` (by the channel), `interval-group` (by the group),
    /// `fairness`, `run` (the whole
    /// run's `contacts`, summed over replications, `mean_in_queue`,
    /// `end_time`, `overtime` and `rejected_proposals`), `target` (each channel's `threshold`
    /// and `fraction`, given values with no interval) or `type-target`
    /// (each contact type's, likewise);
    /// undefined values are empty). The four `interval…` sections give
    /// the interval's `start` and `end` in seconds and its clock `label`
    /// (`08:00-08:30`); the other sections leave the three empty. A target
    /// with `short_abandon` has a third line, `short_abandon`; without, none
    /// (`short_abandoned` lines likewise: only when a target sets it; and
    /// the self-service figures only when a contact type has that tier, in
    /// the rows of contacts).
    ///
    /// `low` and `high` are the interval's ends, `mean ∓ half_width`,
    /// clipped to the range the figure can take, so that a count's interval
    /// does not go below 0 nor a share's above 1: [0, 1] for shares
    /// (`service_level`, `p_wait`, `p_abandon`, `mean_fit`, `resolution`,
    /// `occupancy`, `utilisation`, `not_ready`, and the fairness section's
    /// `occupancy_mean`, `occupancy_min` and `occupancy_max`), the whole
    /// line for `ewt_bias` (a signed error), and [0, ∞) for every other
    /// figure (counts, times, standard deviations). `mean` and `half_width`
    /// are as estimated, unclipped: `low` may be above `mean − half_width`.
    /// A [`Comparison`]'s differences are not clipped (its CSV, or its
    /// `differences` report's): a difference can be negative.
    pub fn to_csv(&self) -> String {
        self.csv(!self.paired)
    }

    /// [`to_csv`](Self::to_csv), with the intervals' ends clipped to each
    /// figure's range or not.
    fn csv(&self, clip: bool) -> String {
        use super::csv_field as quote;
        let mut out =
            String::from("section,name,start,end,label,metric,mean,half_width,low,high,n\n");
        let mut line = |section: &str,
                        name: &str,
                        span: Option<(f64, f64, &str)>,
                        metric: &str,
                        e: &Estimate| {
            let (s, t, label) = span.map_or((String::new(), String::new(), ""), |(a, b, l)| {
                (num(a), num(b), l)
            });
            let (lo, hi) = if clip {
                range(metric)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            };
            let _ = writeln!(
                out,
                "{section},{},{s},{t},{},{metric},{},{},{},{},{}",
                quote(name),
                quote(label),
                num(e.mean),
                num(e.half_width),
                num(e.low().clamp(lo, hi)),
                num(e.high().clamp(lo, hi)),
                e.n
            );
        };
        let mut metrics =
            |section: &str, name: &str, span: Option<(f64, f64, &str)>, m: &Metrics<Estimate>| {
                for (metric, e) in m.written() {
                    line(section, name, span, metric, e);
                }
            };
        metrics("total", "all", None, &self.total);
        for (section, rows) in [
            ("type", &self.by_type),
            ("channel", &self.by_channel),
            ("segment", &self.by_segment),
            ("group", &self.by_group),
        ] {
            for r in rows {
                metrics(section, &r.name, None, &r.metrics);
            }
        }
        for r in &self.by_interval {
            let span = Some((r.start, r.end, r.label.as_str()));
            metrics("interval", &r.label, span, &r.metrics);
        }
        for r in &self.by_interval_type {
            let span = Some((r.start, r.end, r.label.as_str()));
            metrics("interval-type", &r.contact_type, span, &r.metrics);
        }
        for r in &self.by_interval_channel {
            let span = Some((r.start, r.end, r.label.as_str()));
            metrics("interval-channel", &r.channel, span, &r.metrics);
        }
        for r in &self.by_interval_group {
            let span = Some((r.start, r.end, r.label.as_str()));
            metrics("interval-group", &r.group, span, &r.metrics);
        }
        for f in &self.fairness {
            for (metric, e) in Fairness::<Estimate>::NAMES.iter().zip(f.fairness.values()) {
                line("fairness", &f.name, None, metric, e);
            }
        }
        // The JSON's top-level figures: the run's, then the channels' targets
        // (given values: a mean with no interval, `n` the replications).
        let given = |x: f64| Estimate {
            mean: x,
            half_width: f64::NAN,
            n: self.replications,
        };
        line("run", "all", None, "contacts", &given(self.contacts as f64));
        line("run", "all", None, "mean_in_queue", &self.mean_in_queue);
        line("run", "all", None, "end_time", &self.end_time);
        line("run", "all", None, "overtime", &self.overtime);
        if !self.in_self_service_at_end.is_undefined() {
            let tier = &self.in_self_service_at_end;
            line("run", "all", None, "in_self_service_at_end", tier);
        }
        line(
            "run",
            "all",
            None,
            "rejected_proposals",
            &self.rejected_proposals,
        );
        for (section, rows, targets) in [
            ("target", &self.by_channel, &self.targets),
            ("type-target", &self.by_type, &self.type_targets),
        ] {
            for (row, t) in rows.iter().zip(targets) {
                line(section, &row.name, None, "threshold", &given(t.threshold));
                line(section, &row.name, None, "fraction", &given(t.fraction));
                if t.short_abandon > 0.0 {
                    let short = given(t.short_abandon);
                    line(section, &row.name, None, "short_abandon", &short);
                }
            }
        }
        out
    }
}

/// The range a report's figure named `metric` can take, which its CSV
/// clips the interval's ends to (see [`Report::to_csv`]).
fn range(metric: &str) -> (f64, f64) {
    const SHARE: (f64, f64) = (0.0, 1.0);
    const SIGNED: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);
    const NONNEG: (f64, f64) = (0.0, f64::INFINITY);
    match metric {
        "service_level" | "p_wait" | "p_abandon" | "mean_fit" | "resolution" | "occupancy"
        | "utilisation" | "not_ready" | "occupancy_mean" | "occupancy_min" | "occupancy_max"
        | "containment" => SHARE,
        "offered"
        | "answered"
        | "abandoned"
        | "short_abandoned"
        | "waiting_at_end"
        | "late_at_end"
        | "asa"
        | "mean_wait"
        | "wait_p50"
        | "wait_p90"
        | "wait_p95"
        | "wait_p99"
        | "handle_time"
        | "ewt_count"
        | "ewt_mae"
        | "agents"
        | "occupancy_sd"
        | "idle_mean"
        | "idle_sd"
        | "answered_mean"
        | "answered_sd"
        | "contacts"
        | "mean_in_queue"
        | "end_time"
        | "overtime"
        | "rejected_proposals"
        | "self_served"
        | "contained"
        | "in_self_service_at_end"
        | "dialer_created"
        | "dialer_released"
        | "in_dialer_at_end" => NONNEG,
        // `ewt_bias`, and a figure not named here: not clipped.
        _ => SIGNED,
    }
}

/// Two policies compared on the same replications: every estimate is of the
/// paired difference `other − base`, replication by replication (Student's
/// t over the differences, the paired-t interval). Under common random
/// numbers both policies met the same customers in each replication, so the
/// noise they share cancels: the interval is much narrower than the two
/// reports' intervals side by side suggest, and an interval that excludes 0
/// says the policies differ at that confidence. Built by
/// [`Simulation::compare`](super::Simulation::compare).
///
/// Wait percentiles (in every row and cell a [`Report`] pools: total, type,
/// channel, segment, group, interval, and interval × type, × group and ×
/// channel) are the exception in their point: it is the
/// difference of the two policies' pooled percentiles, exactly the
/// difference of their reports' values, where a mean of the replications'
/// own differences would not be (it keeps the bias of short replications'
/// percentiles, and can miss the reports' difference by more than its
/// interval). Their interval is still the paired one, put around that point
/// as a report puts its replications' own interval around its pooled
/// percentile, and `n` still counts the pairs in which both replications
/// define the percentile (answered someone in that row): a pair where only
/// one does is left out of the interval, not of the point. So the point
/// can be defined with `n` 0 or 1 and no interval (few pairs where both
/// policies answered in the row), and it is undefined (NaN, `null`) when
/// either policy answered nobody in the row in any replication. The
/// percentiles of replications written before waits were kept
/// ([`Replication::waits`] `None` in either list, or [`Waits`] without
/// the cells for the cells) are means of the pairs' differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ComparisonFile")]
pub struct Comparison {
    /// The policy subtracted.
    pub base: String,
    /// The policy compared with it.
    pub other: String,
    /// The differences, laid out as a report: each [`Estimate`] is the mean
    /// and interval of `other − base` (a metric undefined in either
    /// replication of a pair leaves that pair out; `n` counts the pairs),
    /// but for the pooled wait percentiles' points (see above).
    /// `policy` is `other`, `contacts` counts `other`'s contacts
    /// (the same as `base`'s under common random numbers), and
    /// `rejected_proposals` is `other`'s own, not a difference (see each
    /// policy's report for the base's).
    pub differences: Report,
}

/// A [`Comparison`] as its JSON holds it, before its report is marked as
/// differences.
#[derive(Deserialize)]
struct ComparisonFile {
    base: String,
    other: String,
    differences: Report,
}

impl From<ComparisonFile> for Comparison {
    fn from(c: ComparisonFile) -> Comparison {
        Comparison {
            base: c.base,
            other: c.other,
            differences: Report {
                paired: true,
                ..c.differences
            },
        }
    }
}

impl Comparison {
    /// Checks that `base` and `other` are paired and builds the comparison.
    pub(crate) fn build(
        plan: &Plan,
        base: &[Replication],
        other: &[Replication],
        confidence: f64,
    ) -> Result<Comparison, ReportError> {
        check(plan, base, confidence)?;
        check(plan, other, confidence)?;
        check_paired(base, other)?;
        // `check` let through some replications of each side.
        let (b, o) = (&base[0], &other[0]);
        if b.policy == o.policy && b.policy_key == o.policy_key {
            return Err(ReportError::SamePolicy {
                policy: b.policy.clone(),
            });
        }
        let minus = |o: &[Metrics<f64>], b: &[Metrics<f64>]| -> Vec<Metrics<f64>> {
            o.iter().zip(b).map(|(o, b)| o.minus(b)).collect()
        };
        let diffs: Vec<Replication> = other
            .iter()
            .zip(base)
            .map(|(o, b)| Replication {
                // Identities and counts are `other`'s own; times and
                // metrics are differences (see `differences`).
                replication: o.replication,
                scenario_key: o.scenario_key.clone(),
                policy: o.policy.clone(),
                policy_key: o.policy_key.clone(),
                arrived: o.arrived,
                events: o.events,
                end_time: o.end_time - b.end_time,
                peak_contacts: o.peak_contacts,
                peak_events: o.peak_events,
                router_counts: o.router_counts,
                rejected_proposals: o.rejected_proposals,
                rebalances: o.rebalances,
                overtime: o.overtime - b.overtime,
                in_self_service_at_end: o.in_self_service_at_end,
                mean_in_queue: o.mean_in_queue - b.mean_in_queue,
                mean_in_system: o.mean_in_system - b.mean_in_system,
                total: o.total.minus(&b.total),
                by_type: minus(&o.by_type, &b.by_type),
                by_channel: minus(&o.by_channel, &b.by_channel),
                by_segment: minus(&o.by_segment, &b.by_segment),
                by_group: minus(&o.by_group, &b.by_group),
                by_interval: minus(&o.by_interval, &b.by_interval),
                by_interval_type: minus(&o.by_interval_type, &b.by_interval_type),
                by_interval_group: minus(&o.by_interval_group, &b.by_interval_group),
                by_interval_channel: minus(&o.by_interval_channel, &b.by_interval_channel),
                fairness: o
                    .fairness
                    .iter()
                    .zip(&b.fairness)
                    .map(|(o, b)| o.minus(b))
                    .collect(),
                // The pooled rows' percentiles are set from both
                // policies' waits (`pools`).
                waits: None,
            })
            .collect();
        let pools = all_waits(other)
            .zip(all_waits(base))
            .map(|(waits, base)| Pools {
                waits,
                base: Some(base),
            });
        Ok(Comparison {
            base: base[0].policy.clone(),
            other: other[0].policy.clone(),
            differences: Report {
                paired: true,
                ..Report::build(plan, &diffs, confidence, pools)
            },
        })
    }

    /// One row's paired differences `other − base`, computed as a
    /// comparison's are (see [`differences`](Comparison::differences)), for
    /// replications that are not of one scenario, such as the same
    /// customers under two values of a setting (the `sweep` example's):
    /// `base_row` and `other_row` pick each replication's row (its metrics
    /// and, if kept, its waits), which may be at different indexes in the
    /// two. The wait percentiles' points are pooled as a comparison's
    /// pooled rows' are, if every replication gives its row's waits; else
    /// they are the means of the per-replication differences.
    ///
    /// Both lists must hold the same replication indexes in the same order
    /// ([`ReportError::NotPaired`]), some ([`ReportError::NoReplications`]),
    /// and `confidence` must be strictly between 0 and 1
    /// ([`ReportError::Confidence`]).
    pub fn paired_row<B, O>(
        base: &[Replication],
        other: &[Replication],
        base_row: B,
        other_row: O,
        confidence: f64,
    ) -> Result<Metrics<Estimate>, ReportError>
    where
        B: Fn(&Replication) -> (&Metrics<f64>, Option<&WaitHistogram>),
        O: Fn(&Replication) -> (&Metrics<f64>, Option<&WaitHistogram>),
    {
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(ReportError::Confidence(confidence));
        }
        if base.is_empty() {
            return Err(ReportError::NoReplications);
        }
        check_paired(base, other)?;
        let (b, o): (Vec<_>, Vec<_>) = base
            .iter()
            .map(base_row)
            .zip(other.iter().map(other_row))
            .unzip();
        let diffs: Vec<Metrics<f64>> = o.iter().zip(&b).map(|(o, b)| o.0.minus(b.0)).collect();
        let mut m = Metrics::estimate(&diffs.iter().collect::<Vec<_>>(), confidence);
        let b_hists: Option<Vec<&WaitHistogram>> = b.iter().map(|r| r.1).collect();
        let o_hists: Option<Vec<&WaitHistogram>> = o.iter().map(|r| r.1).collect();
        if let (Some(b), Some(o)) = (b_hists, o_hists) {
            set_points(&mut m, pooled_difference(&b, &o));
        }
        Ok(m)
    }

    /// The comparison as pretty JSON (undefined values as `null`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a comparison is always representable in JSON")
    }

    /// The differences as CSV in [`Report::to_csv`]'s long form, without
    /// the lines that are not differences: the run's contact count and
    /// rejected proposals (`other`'s; in the JSON) and the service-level
    /// targets (the same for both policies; in the JSON). Unlike a
    /// report's, `low` and `high` are not clipped: a difference of counts
    /// can be negative, and one of shares anywhere in [−1, 1].
    pub fn to_csv(&self) -> String {
        self.differences
            .csv(false)
            .lines()
            .filter(|l| {
                !(l.starts_with("target,")
                    || l.starts_with("type-target,")
                    || l.starts_with("run,all,,,,contacts,")
                    || l.starts_with("run,all,,,,rejected_proposals,"))
            })
            .flat_map(|l| [l, "\n"])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Fairness, Metrics, num, range};

    /// Every figure a report's CSV writes is placed in a range on purpose:
    /// [0, 1] or [0, ∞), or unclipped if signed (`ewt_bias`); a new figure
    /// not named in `range` fails here rather than go unclipped unseen.
    #[test]
    fn every_figure_has_its_range() {
        let run = [
            "contacts",
            "mean_in_queue",
            "end_time",
            "overtime",
            "in_self_service_at_end",
            "rejected_proposals",
        ];
        let names = Metrics::<f64>::NAMES
            .iter()
            .chain(Fairness::<f64>::NAMES)
            .chain(&run);
        for name in names {
            let (low, high) = range(name);
            if *name == "ewt_bias" {
                assert_eq!((low, high), (f64::NEG_INFINITY, f64::INFINITY));
            } else {
                assert_eq!(low, 0.0, "{name}");
                assert!(high == 1.0 || high == f64::INFINITY, "{name}");
            }
        }
        assert_eq!(range("service_level"), (0.0, 1.0));
        assert_eq!(range("occupancy_max"), (0.0, 1.0));
        assert_eq!(range("wait_p99"), (0.0, f64::INFINITY));
    }

    /// CSV numbers read back exactly; extreme ones are in exponent form.
    #[test]
    fn csv_numbers_are_exact_and_short() {
        for (x, text) in [
            (0.0, "0"),
            (0.5, "0.5"),
            (3754.9, "3754.9"),
            (1.102819167723159e-15, "1.102819167723159e-15"),
            (-2.5e-7, "-2.5e-7"),
            (1e20, "1e20"),
            (f64::NAN, ""),
            (f64::INFINITY, ""),
        ] {
            assert_eq!(num(x), text);
        }
        for x in [
            f64::MIN_POSITIVE,
            1e-300,
            0.1 + 0.2,
            123456.789,
            f64::MAX,
            1e-4,
            1e15,
        ] {
            assert_eq!(num(x).parse::<f64>().unwrap(), x, "{x}");
        }
    }
}
