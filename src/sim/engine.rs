//! The event engine: one replication of a [`Plan`] driving a [`Router`].
//!
//! See the [module docs](super) for the events and their order.

use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;
use std::collections::VecDeque;
use std::hint;

use super::batch::ReplanMark;
use super::rng::{Purpose, stream};
use super::scenario::{ArrivalPlan, Plan};
use super::stats::{QueueAcc, StaffAcc};
use super::{ContactEnd, ContactRecord, OfferEnd, OfferRecord, SimError, SimObserver};
use crate::model::{AgentId, ContactId, Outcome, SegmentId, TIME_LIMIT};
use crate::policy::RoutingPolicy;
use crate::router::{Event, Offer, Router};
use rand::RngExt;

/// What happens at an instant. Contact events name a slot and its generation:
/// an event whose generation is not the slot's current one is stale (its
/// contact left) and is dropped when popped (lazy cancellation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ev {
    /// The next contact of a type arrives.
    Arrival(u32),
    /// A contact's patience runs out.
    Abandon(u32, u32),
    /// The agent answers a ringing offer.
    Answer(u32, u32),
    /// A ringing offer times out.
    Timeout(u32, u32),
    /// Service ends.
    ServiceEnd(u32, u32),
    /// Wrap-up ends.
    WrapEnd(u32, u32),
    /// A group's shift starts.
    ShiftStart(u32),
    /// A group's shift ends.
    ShiftEnd(u32),
    /// Report interval `i` starts.
    Boundary(u32),
    /// The router asked to be called now (`Router::next_wakeup`).
    Tick,
    /// The `k`-th periodic re-plan (`rebalance_every`), at `k × every`.
    Rebalance(u32),
    /// An agent's not-ready pause after a timed-out offer (RONA) ends;
    /// the second number is the pause's, to tell a cancelled one.
    Ready(u32, u32),
    /// A contact of type `.0` (segment `.1`) that its type's self-service
    /// tier did not contain reaches the queue.
    Escalate(u32, u32),
}

/// A scheduled event. The key packs the time's bits (times are never
/// negative, and for non-negative floats the bit patterns sort like the
/// numbers) above the insertion sequence, so that one integer comparison
/// orders by time, then by scheduling order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    key: u128,
    pub ev: Ev,
}

impl Entry {
    /// The event's time.
    #[inline]
    pub fn t(&self) -> f64 {
        f64::from_bits((self.key >> 64) as u64)
    }
    /// Its position in scheduling order.
    #[cfg(test)]
    pub fn seq(&self) -> u64 {
        self.key as u64
    }
}

/// The future event list: a 4-ary min-heap keyed by `(time, insertion
/// sequence)` (shallower than a binary heap, so a pop moves fewer entries),
/// beside one slot per arrival stream (checked against a sorted vector in
/// this module's tests).
///
/// An 8-ary heap and a radix heap were measured in its place and lost: the
/// radix heap, which needs no comparisons between entries, ran 12% more
/// instructions and 15% slower on M/M/100, because keys whose low bits are
/// a float's mantissa and a sequence number move through many buckets each.
///
/// Each contact type has exactly one arrival pending at any time, and
/// arrivals are a large share of all events (half of them in M/M/n): keeping
/// them out of the heap spares each one a push and a pop through it, and
/// keeps the heap smaller for the rest. They carry the same keys, so the
/// order of events is the one the heap alone would give, ties included.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    items: Vec<Entry>,
    /// The key of stream `k`'s pending arrival, or [`NO_KEY`].
    arrivals: Vec<u128>,
    /// The stream with the earliest pending arrival, or [`STALE`] when it
    /// must be looked for again (a few streams: a scan per arrival).
    first: usize,
    /// Arrivals pending in `arrivals`.
    pending: usize,
    seq: u64,
    /// The most events pending at once.
    pub peak: usize,
}

const ARITY: usize = 4;
/// No arrival pending in a stream's slot.
const NO_KEY: u128 = u128::MAX;
/// `EventQueue::first` must be recomputed.
const STALE: usize = usize::MAX;
/// Beyond this many contact types, arrivals go through the heap: a scan of
/// the slots would cost more than the heap's logarithm.
const MAX_STREAMS: usize = 32;

impl EventQueue {
    /// A queue that keeps `Ev::Arrival(k)`, for `k < types`, out of the heap.
    pub fn new(types: usize) -> EventQueue {
        let streams = if types <= MAX_STREAMS { types } else { 0 };
        EventQueue {
            arrivals: vec![NO_KEY; streams],
            first: STALE,
            ..EventQueue::default()
        }
    }

    /// Schedules `ev` at `t` (finite, >= 0; -0 counts as 0).
    #[inline]
    pub fn push(&mut self, t: f64, ev: Ev) {
        let seq = self.reserve();
        if let Ev::Arrival(k) = ev
            && let Some(slot) = self.arrivals.get_mut(k as usize)
            && *slot == NO_KEY
        {
            debug_assert!(t >= 0.0 && t.is_finite(), "arrival time {t}");
            let key = Self::key(t, seq);
            *slot = key;
            self.pending += 1;
            if self.first != STALE && key < self.arrivals[self.first] {
                self.first = k as usize;
            }
            self.peak = self.peak.max(self.items.len() + self.pending);
            return;
        }
        self.push_reserved(t, seq, ev);
    }

    #[inline]
    fn key(t: f64, seq: u64) -> u128 {
        let bits = (t + 0.0).to_bits();
        (bits as u128) << 64 | seq as u128
    }

    /// Schedules `ev` at `t` in the place `seq` taken by [`reserve`](Self::reserve):
    /// it orders among equal times as if it had been pushed then.
    #[inline]
    pub fn push_reserved(&mut self, t: f64, seq: u64, ev: Ev) {
        // +∞ orders last (its bits are above every finite time's): a
        // service whose sample overflowed is scheduled there and never
        // happens (the run loop stops past `TIME_LIMIT`). NaN cannot order.
        debug_assert!(t >= 0.0, "event time {t}");
        let e = Entry {
            key: Self::key(t, seq),
            ev,
        };
        let mut i = self.items.len();
        self.items.push(e);
        while i > 0 {
            let p = (i - 1) / ARITY;
            if self.items[p].key <= e.key {
                break;
            }
            self.items[i] = self.items[p];
            i = p;
        }
        self.items[i] = e;
        self.peak = self.peak.max(self.items.len() + self.pending);
    }

    /// Takes a place in scheduling order now, for an event that may be
    /// pushed later ([`push_reserved`](Self::push_reserved)) or never.
    #[inline]
    pub fn reserve(&mut self) -> u64 {
        self.seq += 1;
        self.seq - 1
    }

    /// Takes the earliest event (the first scheduled among equal times).
    /// Always inlined: with two engines (with and without dialers) calling
    /// it, LLVM would otherwise keep it (and `pop_heap`) out of line, at
    /// 1.8% more instructions on M/M/n.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<Entry> {
        if self.pending > 0 {
            if self.first == STALE {
                self.first = self.earliest_stream();
            }
            let k = self.first;
            let key = self.arrivals[k];
            if self.items.first().is_none_or(|top| key < top.key) {
                self.arrivals[k] = NO_KEY;
                self.pending -= 1;
                self.first = STALE;
                return Some(Entry {
                    key,
                    ev: Ev::Arrival(k as u32),
                });
            }
        }
        self.pop_heap()
    }

    /// The stream whose pending arrival comes first (some is pending).
    fn earliest_stream(&self) -> usize {
        let mut best = 0;
        for (k, &key) in self.arrivals.iter().enumerate().skip(1) {
            if key < self.arrivals[best] {
                best = k;
            }
        }
        best
    }

    /// Takes the heap's earliest event.
    ///
    /// Floyd's variant: the hole left at the root goes down along the
    /// smaller children to a leaf without comparing with the last entry,
    /// which then climbs from there. The last entry was usually scheduled
    /// far ahead, so it belongs near the bottom and the climb is short:
    /// one comparison per level instead of two. Always inlined, as
    /// [`pop`](Self::pop).
    #[inline(always)]
    fn pop_heap(&mut self) -> Option<Entry> {
        let last = self.items.pop()?;
        let n = self.items.len();
        if n == 0 {
            return Some(last);
        }
        let it = &mut self.items[..];
        let top = it[0];
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            let m = if first + ARITY <= n {
                // All four children: a branch-free tournament, since which
                // child is smallest is a coin toss the branch predictor loses.
                let c: &[Entry; ARITY] = it[first..first + ARITY]
                    .try_into()
                    .expect("a slice of ARITY entries");
                let a = hint::select_unpredictable(c[1].key < c[0].key, 1, 0);
                let b = hint::select_unpredictable(c[3].key < c[2].key, 3, 2);
                first + hint::select_unpredictable(c[b].key < c[a].key, b, a)
            } else if first < n {
                let mut m = first;
                for c in first + 1..n {
                    if it[c].key < it[m].key {
                        m = c;
                    }
                }
                m
            } else {
                break;
            };
            it[i] = it[m];
            i = m;
        }
        while i > 0 {
            let p = (i - 1) / ARITY;
            if it[p].key <= last.key {
                break;
            }
            it[i] = it[p];
            i = p;
        }
        it[i] = last;
        Some(top)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.items.len() + self.pending
    }

    /// The earliest pending time (0 when empty).
    #[cfg(test)]
    fn first_t(&self) -> f64 {
        let heap = self.items.first().map_or(NO_KEY, |e| e.key);
        let side = self.arrivals.iter().copied().min().unwrap_or(NO_KEY);
        let key = heap.min(side);
        if key == NO_KEY {
            0.0
        } else {
            f64::from_bits((key >> 64) as u64)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    Waiting,
    Offered,
    InService,
    WrapUp,
}

/// A contact in the system. Slots are reused; `generation` tells incarnations apart.
#[derive(Debug, Clone, Copy)]
struct Slot {
    generation: u32,
    state: SlotState,
    ctype: u32,
    segment: u32,
    agent: u32,
    counted: bool,
    arrival: f64,
    /// When the latest offer was made (NaN before one): a contact
    /// offered the moment it arrived did not queue, however long the
    /// offer then rang.
    offered_at: f64,
    answered_at: f64,
    work: f64,
    wrap: f64,
    serial: u64,
    /// The end of the customer's patience, if its abandonment timer is not
    /// in the queue yet (`INFINITY` otherwise), and the timer's place in
    /// scheduling order, taken at arrival. The timer is pushed only once it
    /// could fire: when the contact waits, or rings past its patience. A
    /// contact answered first (most are) never costs the queue an entry.
    patience_end: f64,
    patience_seq: u64,
    /// The uniform number that decides its ground-truth outcome (drawn on
    /// arrival when the scenario has `outcomes`), and that outcome once
    /// an agent of some group answered.
    outcome_u: f64,
    resolved: Option<bool>,
    /// The router's expected wait ([`Router::expected_wait`]) for a contact
    /// left waiting on arrival, NaN otherwise.
    predicted: f64,
    /// Offers it received so far ([`ContactRecord::offers`]).
    offers: u32,
}

#[derive(Debug, Clone, Copy)]
struct AgentSim {
    group: u32,
    held: u16,
    capacity: u16,
    logged_in: bool,
    on_shift: bool,
    /// In a not-ready pause after a timed-out offer (RONA).
    not_ready: bool,
    /// Counts the agent's pauses (and their cancellations), so that the
    /// end of a cancelled one is ignored.
    pause: u32,
    speed: f64,
    last: f64,
    busy: f64,
    idle: f64,
    staffed: f64,
    answered: u64,
}

struct TypeStreams {
    arrivals: Pcg64Mcg,
    service: Pcg64Mcg,
    patience: Pcg64Mcg,
    wrap: Pcg64Mcg,
    attributes: Pcg64Mcg,
    outcome: Pcg64Mcg,
    self_service: Pcg64Mcg,
    trace_pos: usize,
}

/// What one replication measured, before it becomes a
/// [`Replication`](super::Replication).
pub(crate) struct Raw {
    pub arrived: u64,
    pub events: u64,
    pub end_time: f64,
    pub peak_contacts: usize,
    pub peak_events: usize,
    pub queue_area: f64,
    pub system_area: f64,
    /// (type × segment) rows.
    pub type_seg: Vec<QueueAcc>,
    pub interval: Vec<QueueAcc>,
    /// (interval × type) rows.
    pub interval_type: Vec<QueueAcc>,
    pub group: Vec<QueueAcc>,
    /// (interval × group) answers: contacts arriving in the interval that
    /// the group answered.
    pub interval_group: Vec<QueueAcc>,
    /// (interval × group) agent-time.
    pub staff: Vec<StaffAcc>,
    /// Per agent: (group, busy, idle, staffed, answered).
    pub agents: Vec<(u32, f64, f64, f64, u64)>,
    pub counts: crate::router::Counts,
    pub rejected: u64,
    pub rebalances: u64,
    /// Agent-seconds of work after the horizon (a draining run's overtime).
    pub overtime: f64,
    /// Contacts still in a self-service tier at the end, bound for the queue.
    pub in_self_service: u64,
    /// Per contact type, its dialer's items (empty without a dialer type).
    pub dialer: Vec<DialerCounts>,
}

/// One contact type's dialer over a whole replication (warm-up included).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DialerCounts {
    /// Items created: the campaign backlog and the type's arrivals.
    pub created: u64,
    /// Items released to the router.
    pub released: u64,
    /// Items still in the dialer at the end.
    pub waiting: u64,
}

/// The items of one contact type waiting in its dialer, the oldest first.
/// Any source may feed it ([`push`](Self::push), with the item's creation
/// time); a campaign's items, alike until released and all created at time
/// 0, are a count, so a backlog of any size costs no memory.
#[derive(Debug, Default)]
struct DialerQueue {
    /// Campaign items not yet released (created at time 0).
    campaign: u64,
    /// The creation times of the other items, in the order they came.
    items: VecDeque<f64>,
    counts: DialerCounts,
}

impl DialerQueue {
    /// An item created at `created` joins the dialer.
    fn push(&mut self, created: f64) {
        self.items.push_back(created);
        self.counts.created += 1;
    }

    /// Campaign items present at time 0.
    fn add_campaign(&mut self, n: u64) {
        self.campaign += n;
        self.counts.created += n;
    }

    /// Takes the oldest item: its creation time. The campaign's, created at
    /// time 0, are no younger than any other.
    fn pop(&mut self) -> Option<f64> {
        let created = if self.campaign > 0 {
            self.campaign -= 1;
            0.0
        } else {
            self.items.pop_front()?
        };
        self.counts.released += 1;
        Some(created)
    }

    fn len(&self) -> u64 {
        self.campaign + self.items.len() as u64
    }
}

/// The later of two instants (never NaN): one `maxsd`, where `f64::max`
/// spends several instructions on NaN operands that cannot occur here.
#[inline(always)]
fn later(a: f64, b: f64) -> f64 {
    if a > b { a } else { b }
}

fn encode(slot: u32, generation: u32) -> ContactId {
    ContactId((generation as u64) << 32 | slot as u64)
}

fn decode(id: ContactId) -> u32 {
    id.0 as u32
}

/// `DIAL`: some contact type has a dialer (outbound work). The engine
/// keeps its dialers and free-agent counts only then: a constant, so that
/// the engine of a scenario without a dialer has none of their tests.
pub(crate) struct Engine<'a, P: RoutingPolicy, O: SimObserver, const DIAL: bool> {
    plan: &'a Plan,
    rep: u32,
    router: Router<P>,
    queue: EventQueue,
    slots: Vec<Slot>,
    free: Vec<u32>,
    agents: Vec<AgentSim>,
    offers: Vec<Offer>,
    streams: Vec<TypeStreams>,
    ring: Pcg64Mcg,
    /// Not-ready pauses (RONA).
    pauses: Pcg64Mcg,
    obs: &'a mut O,
    now: f64,
    tick_at: f64,
    interval: usize,
    /// `interval × groups`: the start of the current interval's `staff` rows.
    staff_row: usize,
    shift_ix: Vec<usize>,
    serial: u64,
    events: u64,
    in_queue: u32,
    in_system: u32,
    /// Contacts in a self-service tier that will reach the queue (those it
    /// contains are not followed): a draining run waits for them too.
    in_self_service: u32,
    area_last: f64,
    queue_area: f64,
    system_area: f64,
    peak_contacts: usize,
    type_seg: Vec<QueueAcc>,
    by_interval: Vec<QueueAcc>,
    by_interval_type: Vec<QueueAcc>,
    by_group: Vec<QueueAcc>,
    by_interval_group: Vec<QueueAcc>,
    /// More than one interval and more than one group: only then are the
    /// (interval × group) rows not copies of the group or interval rows,
    /// and updated per answer.
    cross: bool,
    /// One contact type of one segment over one interval: the interval
    /// rows would be copies of the type's row, update for update, so they
    /// are copied from it at the end instead.
    one_row: bool,
    /// One group, and one contact type of one segment: the group's row
    /// would see the same answers as that type's row, so it is made from
    /// it at the end instead ([`QueueAcc::answers_only`]).
    one_group: bool,
    staff: Vec<StaffAcc>,
    rebalances: u64,
    /// Agent-seconds of work after the horizon (kept out of `staff`).
    overtime: f64,
    /// A batch window's mark, given the instant of each re-plan as it
    /// begins ([`Windowed`](super::batch::Windowed)).
    replanned_at: Option<ReplanMark>,
    /// The dialers and the free-agent counts (empty unless `DIAL`): one
    /// pointer in the engine, which a run without dialers never reads.
    dial: Box<Dialing>,
}

/// The dialers of a replication and what they need to know of the agents.
#[derive(Default)]
struct Dialing {
    /// Per contact type, its dialer's items.
    dialer: Vec<DialerQueue>,
    /// Per agent and channel (`agent × channels + channel`), the contacts
    /// it holds.
    held_ch: Vec<u16>,
    /// Per group and channel (`group × channels + channel`), the agents
    /// free for one more contact of the channel: logged in, on shift,
    /// ready, with a free slot on the channel and in all.
    free_gc: Vec<u32>,
    /// Per group, the channels its agents take and their capacity there.
    group_caps: Vec<Vec<(usize, u16)>>,
    /// Per contact type with a dialer, the groups able to serve it.
    dial_groups: Vec<Vec<usize>>,
}

impl<'a, P: RoutingPolicy, O: SimObserver, const DIAL: bool> Engine<'a, P, O, DIAL> {
    pub fn new(
        plan: &'a Plan,
        policy: P,
        rep: u32,
        obs: &'a mut O,
        replanned_at: Option<ReplanMark>,
    ) -> Result<Self, SimError> {
        let mut builder = Router::builder(policy).config(plan.router);
        if let Some(fit) = &plan.fit {
            builder = builder.fit_model(fit.clone());
        }
        let router = builder.build().map_err(|error| SimError::Router {
            replication: rep,
            time: 0.0,
            error,
        })?;
        let streams = (0..plan.types.len() as u32)
            .map(|k| {
                // A dialer's items draw what they are at release from the
                // dialer's own streams (one per draw, `k × 8 + draw`).
                let item = |purpose: Purpose, draw: u32| {
                    if plan.types[k as usize].dialer.is_some() {
                        stream(plan.seed, rep, Purpose::Dialer, k << 3 | draw)
                    } else {
                        stream(plan.seed, rep, purpose, k)
                    }
                };
                TypeStreams {
                    arrivals: stream(plan.seed, rep, Purpose::Arrivals, k),
                    service: item(Purpose::Service, 0),
                    patience: stream(plan.seed, rep, Purpose::Patience, k),
                    wrap: item(Purpose::WrapUp, 1),
                    attributes: item(Purpose::Attributes, 2),
                    outcome: item(Purpose::Outcome, 3),
                    self_service: stream(plan.seed, rep, Purpose::SelfService, k),
                    trace_pos: 0,
                }
            })
            .collect();
        let agents = plan
            .agents
            .iter()
            .zip(&plan.agent_group)
            .map(|(a, &g)| AgentSim {
                group: g,
                held: 0,
                capacity: a.total_capacity(),
                logged_in: false,
                on_shift: false,
                not_ready: false,
                pause: 0,
                speed: a.speed(),
                last: 0.0,
                busy: 0.0,
                idle: 0.0,
                staffed: 0.0,
                answered: 0,
            })
            .collect();
        let g = plan.groups.len();
        debug_assert_eq!(DIAL, plan.has_dialer(), "the engine of the plan's kind");
        let dialing = DIAL;
        let channels = plan.channels.len();
        let dial = if dialing {
            let dialer = plan
                .types
                .iter()
                .map(|t| {
                    let mut q = DialerQueue::default();
                    if let Some(d) = t.dialer {
                        q.add_campaign(d.backlog);
                    }
                    q
                })
                .collect();
            let group_caps: Vec<Vec<(usize, u16)>> = plan
                .groups
                .iter()
                .map(|grp| {
                    plan.agents[grp.first_agent as usize]
                        .capacities()
                        .iter()
                        .filter(|c| c.max > 0)
                        .map(|c| (c.channel.0 as usize, c.max))
                        .collect()
                })
                .collect();
            let dial_groups = plan
                .types
                .iter()
                .map(|t| {
                    if t.dialer.is_none() {
                        return Vec::new();
                    }
                    plan.groups
                        .iter()
                        .enumerate()
                        .filter(|(_, grp)| {
                            let agent = &plan.agents[grp.first_agent as usize];
                            agent.capacity(t.channel) > 0
                                && agent.meets(t.template.requirements(), 0)
                        })
                        .map(|(gi, _)| gi)
                        .collect()
                })
                .collect();
            Dialing {
                dialer,
                held_ch: vec![0; plan.agents.len() * channels],
                free_gc: vec![0; g * channels],
                group_caps,
                dial_groups,
            }
        } else {
            Dialing::default()
        };
        Ok(Engine {
            plan,
            rep,
            router,
            queue: EventQueue::new(plan.types.len()),
            slots: Vec::new(),
            free: Vec::new(),
            agents,
            offers: Vec::with_capacity(16),
            streams,
            ring: stream(plan.seed, rep, Purpose::Ring, 0),
            pauses: stream(plan.seed, rep, Purpose::NotReady, 0),
            obs,
            now: 0.0,
            tick_at: f64::INFINITY,
            interval: 0,
            staff_row: 0,
            shift_ix: vec![0; g],
            serial: 0,
            events: 0,
            in_queue: 0,
            in_system: 0,
            in_self_service: 0,
            area_last: 0.0,
            queue_area: 0.0,
            system_area: 0.0,
            peak_contacts: 0,
            type_seg: vec![QueueAcc::default(); plan.types.len() * plan.segments.len()],
            by_interval: vec![QueueAcc::default(); plan.intervals],
            by_interval_type: vec![QueueAcc::default(); plan.intervals * plan.types.len()],
            by_group: vec![QueueAcc::default(); g],
            by_interval_group: vec![QueueAcc::default(); plan.intervals * g],
            cross: plan.intervals > 1 && g > 1,
            // A dialer type's contacts are in its type's row alone: no other
            // row is a copy of it.
            one_row: plan.intervals == 1
                && plan.types.len() == 1
                && plan.types[0].segments.len() == 1
                && !dialing,
            one_group: g == 1
                && plan.types.len() == 1
                && plan.types[0].segments.len() == 1
                && !dialing,
            staff: vec![StaffAcc::default(); plan.intervals * g],
            rebalances: 0,
            overtime: 0.0,
            replanned_at,
            dial: Box::new(dial),
        })
    }

    /// The error of an arrival beyond `max_in_system`, naming the type
    /// with the most contacts in the system (the one whose arrivals
    /// outgrow service); the caller adds its load ([`SimError::InSystemLimit`]).
    #[cold]
    #[inline(never)]
    fn over_limit(&self) -> SimError {
        let mut per_type = vec![0u32; self.plan.types.len()];
        for slot in &self.slots {
            if slot.state != SlotState::Free {
                per_type[slot.ctype as usize] += 1;
            }
        }
        let (k, &n) = per_type
            .iter()
            .enumerate()
            .max_by_key(|&(_, n)| *n)
            .unwrap_or((0, &0));
        SimError::InSystemLimit {
            field: "max_in_system".into(),
            replication: self.rep,
            time: self.now,
            limit: self.plan.max_in_system,
            contact_type: self
                .plan
                .types
                .get(k)
                .map_or_else(String::new, |t| t.name.clone()),
            of_type: n,
            offered_load: None,
            capacity: f64::NAN,
        }
    }

    fn err(&self, error: crate::router::RouterError) -> SimError {
        SimError::Router {
            replication: self.rep,
            time: self.now,
            error,
        }
    }

    #[inline(always)]
    fn handle(&mut self, ev: Event) -> Result<(), SimError> {
        let now = self.now;
        match self.router.handle(now, ev, &mut self.offers) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.err(e)),
        }
    }

    /// Runs the replication to its end; returns its statistics and the
    /// policy as it ended.
    pub fn run(mut self) -> Result<(Raw, P), SimError> {
        let plan = self.plan;
        // Every agent logs in once at time 0 (so that the router knows who can
        // serve each channel) and out again; shifts log them in for real.
        for a in 0..self.agents.len() {
            self.handle(Event::AgentLogin {
                agent: plan.agents[a].clone(),
            })?;
            self.handle(Event::AgentLogout {
                agent: AgentId(a as u32),
            })?;
        }
        for (g, grp) in plan.groups.iter().enumerate() {
            if let Some(&(start, _, _)) = grp.shifts.first()
                && start < plan.horizon
            {
                self.queue.push(start, Ev::ShiftStart(g as u32));
            }
        }
        if plan.intervals > 1 {
            self.queue.push(plan.interval, Ev::Boundary(1));
        }
        self.schedule_rebalance(1);
        for k in 0..plan.types.len() {
            if let Some(t) = self.next_arrival(k, 0.0) {
                self.queue.push(t, Ev::Arrival(k as u32));
            }
        }

        let horizon = plan.horizon;
        while let Some(e) = self.queue.pop() {
            // Past the (finite) horizon a draining run goes on while contacts
            // remain, but an event beyond the router's clock
            // ([`TIME_LIMIT`], 1e12 s) never happens: a service, wrap-up or
            // ring whose sample overflowed f64 or nearly did (a mean near
            // 1e308, a speed near 0), a shift or a cool-down that far off.
            // The run then ends with those contacts still in the system, as
            // a run that is not draining would.
            if e.t() >= horizon
                && (!plan.drain || self.in_system + self.in_self_service == 0 || e.t() > TIME_LIMIT)
            {
                break;
            }
            self.now = e.t();
            self.events += 1;
            match e.ev {
                Ev::Arrival(k) => self.arrival(k as usize)?,
                Ev::Abandon(s, g) => self.abandon(s, g)?,
                Ev::Answer(s, g) => {
                    if self.live(s, g, SlotState::Offered) {
                        self.accept(s)?;
                        self.drain_offers()?;
                    }
                }
                Ev::Timeout(s, g) => self.timeout(s, g)?,
                Ev::ServiceEnd(s, g) => self.service_end(s, g)?,
                Ev::WrapEnd(s, g) => {
                    if self.live(s, g, SlotState::WrapUp) {
                        self.handle(Event::WrapUpDone {
                            contact: encode(s, g),
                        })?;
                        self.finish(s)?;
                        self.drain_offers()?;
                    }
                }
                Ev::ShiftStart(g) => self.shift_start(g as usize)?,
                Ev::ShiftEnd(g) => self.shift_end(g as usize)?,
                Ev::Boundary(i) => self.boundary(i as usize),
                Ev::Tick => {
                    if e.t() >= self.tick_at {
                        self.tick_at = f64::INFINITY;
                    }
                    self.handle(Event::Tick)?;
                    self.drain_offers()?;
                }
                Ev::Rebalance(k) => self.rebalance(k)?,
                Ev::Ready(a, pause) => self.pause_end(a as usize, pause)?,
                Ev::Escalate(k, segment) => self.escalate(k as usize, segment)?,
            }
            if DIAL {
                self.dial()?;
            }
            if let Some(w) = self.router.next_wakeup()
                && w < self.tick_at
            {
                self.tick_at = w;
                self.queue.push(w.max(self.now), Ev::Tick);
            }
            if self.events & 0xffff == 0 {
                self.obs.on_progress(self.rep, self.now, horizon);
            }
            if plan.drain && self.now >= horizon && self.in_system + self.in_self_service == 0 {
                break;
            }
        }
        let end_time = if plan.drain {
            self.now.max(horizon)
        } else {
            horizon
        };
        self.now = end_time;
        self.close(end_time)
    }

    fn close(mut self, end: f64) -> Result<(Raw, P), SimError> {
        for a in 0..self.agents.len() {
            self.touch(a, end);
        }
        self.areas(end);
        // Contacts still in the system.
        for s in 0..self.slots.len() {
            let slot = self.slots[s];
            if slot.state == SlotState::Offered {
                self.obs
                    .on_offer(&self.offer_record(&slot, OfferEnd::InSystem, end));
            }
            if slot.state != SlotState::Free {
                self.obs
                    .on_contact(&self.record(&slot, ContactEnd::InSystem, end));
            }
            self.late(&slot, end);
        }
        self.obs.on_progress(self.rep, end, self.plan.horizon);
        if self.one_row {
            let row = &self.type_seg[self.plan.types[0].segments[0].1 as usize];
            self.by_interval[0] = row.clone();
            self.by_interval_type[0] = row.clone();
        }
        if self.one_group {
            let row = &self.type_seg[self.plan.types[0].segments[0].1 as usize];
            self.by_group[0] = row.answers_only();
        }
        if !self.cross {
            // One interval: the group rows; one group: the interval rows'
            // answers.
            self.by_interval_group = if self.plan.intervals == 1 {
                self.by_group.clone()
            } else {
                self.by_interval
                    .iter()
                    .map(QueueAcc::answers_only)
                    .collect()
            };
        }
        let raw = Raw {
            arrived: self.serial,
            events: self.events,
            end_time: end,
            peak_contacts: self.peak_contacts,
            peak_events: self.queue.peak,
            queue_area: self.queue_area,
            system_area: self.system_area,
            type_seg: self.type_seg,
            interval: self.by_interval,
            interval_type: self.by_interval_type,
            group: self.by_group,
            interval_group: self.by_interval_group,
            staff: self.staff,
            agents: self
                .agents
                .iter()
                .map(|a| (a.group, a.busy, a.idle, a.staffed, a.answered))
                .collect(),
            counts: self.router.counts(),
            rejected: self.router.rejected_proposals(),
            rebalances: self.rebalances,
            overtime: self.overtime,
            in_self_service: u64::from(self.in_self_service),
            dialer: self
                .dial
                .dialer
                .iter()
                .map(|q| DialerCounts {
                    waiting: q.len(),
                    ..q.counts
                })
                .collect(),
        };
        Ok((raw, self.router.into_policy()))
    }

    fn record(&self, slot: &Slot, end: ContactEnd, at: f64) -> ContactRecord {
        let answered = slot.answered_at.is_finite();
        ContactRecord {
            serial: slot.serial,
            contact_type: slot.ctype,
            segment: slot.segment,
            arrival: slot.arrival,
            work: slot.work,
            offered: Some(slot.offered_at).filter(|t| !t.is_nan()),
            answered: answered.then_some(slot.answered_at),
            agent: answered.then_some(AgentId(slot.agent)),
            end,
            left: at,
            resolved: slot.resolved,
            offers: slot.offers,
        }
    }

    /// The offer `slot` holds (its latest), ended by `end` at `at`.
    #[inline(always)]
    fn offer_record(&self, slot: &Slot, end: OfferEnd, at: f64) -> OfferRecord {
        OfferRecord {
            serial: slot.serial,
            contact_type: slot.ctype,
            agent: AgentId(slot.agent),
            offered: slot.offered_at,
            end,
            ended: at,
        }
    }

    // ---- time integrals -------------------------------------------------

    /// Integrates queue and system sizes up to `now` (after the warm-up).
    #[inline]
    fn areas(&mut self, now: f64) {
        let from = later(self.area_last, self.plan.warm_up);
        if now > from {
            let dt = now - from;
            self.queue_area += self.in_queue as f64 * dt;
            self.system_area += self.in_system as f64 * dt;
        }
        self.area_last = now;
    }

    /// Integrates agent `a`'s time up to `now` (after the warm-up) into the
    /// current interval's row of its group and its own totals.
    ///
    /// Agent time is the open day's, from the warm-up to the horizon: past
    /// the horizon (a draining run) the center is closed, and the calls still
    /// being finished count for their customers, not in the agents' time
    /// averages, whose span would otherwise be set by how long the day's
    /// slowest call ran on. ContactCenters keeps its wrap-up period out of
    /// them likewise.
    #[inline(always)]
    fn touch(&mut self, a: usize, now: f64) {
        let plan = self.plan;
        let ag = &mut self.agents[a];
        let last = ag.last;
        ag.last = now;
        // A logged-out agent accrues nothing (neither staffed time nor overtime).
        if !ag.logged_in {
            return;
        }
        let from = later(last, plan.warm_up);
        let horizon = plan.horizon;
        let until = if now > horizon {
            if ag.held > 0 {
                // overtime: reported on its own
                self.overtime += now - later(from, horizon);
            }
            horizon
        } else {
            now
        };
        if until > from {
            let dt = until - from;
            let acc = &mut self.staff[self.staff_row + ag.group as usize];
            acc.staffed += dt;
            acc.capacity += ag.capacity as f64 * dt;
            acc.slots += ag.held as f64 * dt;
            ag.staffed += dt;
            // A pause counts whole, holding chats or not; the time it holds
            // nothing is neither busy nor idle.
            if ag.not_ready {
                acc.not_ready += dt;
            }
            if ag.held > 0 {
                acc.busy += dt;
                ag.busy += dt;
            } else if ag.on_shift && !ag.not_ready {
                acc.idle += dt;
                ag.idle += dt;
            }
        }
    }

    fn boundary(&mut self, i: usize) {
        let now = self.now;
        for a in 0..self.agents.len() {
            self.touch(a, now);
        }
        self.interval = i.min(self.plan.intervals - 1);
        self.staff_row = self.interval * self.plan.groups.len();
        if i + 1 < self.plan.intervals {
            self.queue.push(
                (i + 1) as f64 * self.plan.interval,
                Ev::Boundary(i as u32 + 1),
            );
        }
    }

    // ---- periodic re-plans ---------------------------------------------

    /// Schedules the `k`-th re-plan at `k × rebalance_every` if before the
    /// horizon (a product, not a running sum: no drift). A draining batch
    /// window gets one more at the horizon, to close its last window.
    fn schedule_rebalance(&mut self, k: u32) {
        let plan = self.plan;
        if let Some(every) = plan.rebalance_every {
            let at = k as f64 * every;
            if at < plan.horizon {
                self.queue.push(at, Ev::Rebalance(k));
            } else if plan.batch_window && plan.drain && (k - 1) as f64 * every < plan.horizon {
                self.queue.push(plan.horizon, Ev::Rebalance(k));
            }
        }
    }

    /// The `k`-th re-plan: the router re-plans the waiting contacts against
    /// the free slots; the next one is scheduled. Out of line: re-plans are
    /// rare, and inlined into the event loop (with the batch window's mark)
    /// they cost M/M/n 0.5% more instructions per contact.
    #[inline(never)]
    fn rebalance(&mut self, k: u32) -> Result<(), SimError> {
        self.rebalances += 1;
        self.schedule_rebalance(k + 1);
        // A batch window's policy decides now, and for the rest of this
        // instant.
        if let Some(at) = &self.replanned_at {
            at.set(self.now);
        }
        self.handle(Event::Rebalance)?;
        self.drain_offers()
    }

    // ---- arrivals ------------------------------------------------------

    /// The next arrival of type `k` after `t`, if before the horizon.
    #[inline(always)]
    fn next_arrival(&mut self, k: usize, t: f64) -> Option<f64> {
        let ty = &self.plan.types[k];
        let st = &mut self.streams[k];
        let next = match &ty.arrivals {
            ArrivalPlan::Poisson(rate) => {
                if *rate <= 0.0 {
                    return None;
                }
                let e: f64 = Exp1.sample(&mut st.arrivals);
                t + e / rate
            }
            ArrivalPlan::Piecewise { interval, rates } => {
                // Inversion of the integrated rate: one Exp(1) per arrival.
                let mut e: f64 = Exp1.sample(&mut st.arrivals);
                let mut j = (t / interval).floor() as usize;
                let mut at = t;
                loop {
                    let &r = rates.get(j)?;
                    let end = (j + 1) as f64 * interval;
                    if r > 0.0 {
                        let need = e / r;
                        if at + need < end {
                            break at + need;
                        }
                        e -= r * (end - at);
                    }
                    at = end;
                    j += 1;
                }
            }
            ArrivalPlan::Trace(times) => {
                let &x = times.get(st.trace_pos)?;
                st.trace_pos += 1;
                x
            }
        };
        (next < self.plan.horizon).then_some(next)
    }

    fn arrival(&mut self, k: usize) -> Result<(), SimError> {
        let now = self.now;
        if let Some(t) = self.next_arrival(k, now) {
            self.queue.push(t, Ev::Arrival(k as u32));
        }
        if self.plan.types[k].self_service.is_some() {
            self.self_service(k);
            return Ok(());
        }
        if DIAL && self.plan.types[k].dialer.is_some() {
            // Into the dialer, not the queue: released by `dial`.
            self.dial.dialer[k].push(now);
            return Ok(());
        }
        self.enter(k, None, None)
    }

    /// The segment of the next customer of type `k`, from its own stream.
    #[inline(always)]
    fn draw_segment(&mut self, k: usize) -> u32 {
        let ty = &self.plan.types[k];
        if ty.segments.len() > 1 {
            let u: f64 = self.streams[k].attributes.random();
            ty.segments
                .iter()
                .find(|(cum, _)| u < *cum)
                .unwrap_or(&ty.segments[ty.segments.len() - 1])
                .1
        } else {
            ty.segments[0].1
        }
    }

    /// A contact of type `k` enters its type's self-service tier: whether
    /// the tier contains it and its time there are drawn now, in arrival
    /// order, from the type's own stream (its segment too, from the
    /// attributes' stream, as a queued arrival's); one it does not contain
    /// reaches the queue at the end of that time ([`Ev::Escalate`]). Out
    /// of line: a type without the tier never comes here.
    #[inline(never)]
    fn self_service(&mut self, k: usize) {
        let now = self.now;
        let plan = self.plan;
        let Some((containment, time)) = &plan.types[k].self_service else {
            return;
        };
        let segment = self.draw_segment(k);
        let st = &mut self.streams[k];
        let u: f64 = st.self_service.random();
        let contained = u < *containment;
        let t = time.sample(&mut st.self_service);
        if now >= plan.warm_up {
            let count = |q: &mut QueueAcc| {
                q.self_served += 1;
                q.contained += u64::from(contained);
            };
            count(&mut self.type_seg[k * plan.segments.len() + segment as usize]);
            if !self.one_row {
                let i = self.interval_of(now);
                count(&mut self.by_interval[i]);
                count(&mut self.by_interval_type[i * plan.types.len() + k]);
            }
        }
        if !contained {
            self.in_self_service += 1;
            self.queue.push(now + t, Ev::Escalate(k as u32, segment));
        }
    }

    /// A contact of type `k` that its self-service tier passed on reaches
    /// the queue, as an arrival of segment `segment` now.
    #[inline(never)]
    fn escalate(&mut self, k: usize, segment: u32) -> Result<(), SimError> {
        self.in_self_service -= 1;
        self.enter(k, Some(segment), None)
    }

    /// A contact of type `k` joins the queue now: the router hears of it.
    /// `segment`: the one drawn when it entered self-service, if it did;
    /// `created`: when its wait began, if before now (a dialer's item).
    #[inline(always)]
    fn enter(
        &mut self,
        k: usize,
        segment: Option<u32>,
        created: Option<f64>,
    ) -> Result<(), SimError> {
        let now = self.now;
        // Every attribute of the customer is drawn now, from the type's own
        // streams, in arrival order: the same customers under every policy.
        let segment = match segment {
            Some(s) => s,
            None => self.draw_segment(k),
        };
        let plan = self.plan;
        let ty = &plan.types[k];
        let st = &mut self.streams[k];
        let work = ty.service.sample(&mut st.service);
        let patience = ty.patience.as_ref().map(|p| p.sample(&mut st.patience));
        let wrap = ty.wrap.as_ref().map_or(0.0, |w| w.sample(&mut st.wrap));
        let outcome_u = if plan.resolution.is_some() {
            st.outcome.random::<f64>()
        } else {
            f64::NAN
        };

        // `next_slot` must name the slot taken here.
        let s = match self.free.pop() {
            Some(s) => s,
            None => {
                // Memory grows with the contacts in the system: an unstable
                // queue would grow until the process is killed, with no
                // error to read. Every slot is taken here (none is free), so
                // the slots are the contacts in the system, and the common
                // arrival, which reuses a slot, tests nothing.
                debug_assert_eq!(self.slots.len(), self.in_system as usize);
                if self.in_system >= self.plan.max_in_system {
                    return Err(self.over_limit());
                }
                self.slots.push(Slot {
                    generation: 0,
                    state: SlotState::Free,
                    ctype: 0,
                    segment: 0,
                    agent: 0,
                    counted: false,
                    arrival: 0.0,
                    offered_at: f64::NAN,
                    answered_at: f64::NAN,
                    work: 0.0,
                    wrap: 0.0,
                    serial: 0,
                    patience_end: f64::INFINITY,
                    patience_seq: 0,
                    outcome_u: f64::NAN,
                    resolved: None,
                    predicted: f64::NAN,
                    offers: 0,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let counted = now >= plan.warm_up;
        // The abandonment timer takes its place in scheduling order now (as
        // if pushed now), but enters the queue only if it can fire.
        let (patience_end, patience_seq) = match patience {
            Some(p) => (now + p, self.queue.reserve()),
            None => (f64::INFINITY, 0),
        };
        let slot = &mut self.slots[s as usize];
        let generation = slot.generation;
        // The whole slot in one write (the agent's is only read once offered).
        *slot = Slot {
            generation,
            state: SlotState::Waiting,
            ctype: k as u32,
            segment,
            agent: slot.agent,
            counted,
            arrival: created.unwrap_or(now),
            offered_at: f64::NAN,
            answered_at: f64::NAN,
            work,
            wrap,
            serial: self.serial,
            patience_end,
            patience_seq,
            outcome_u,
            resolved: None,
            predicted: f64::NAN,
            offers: 0,
        };
        self.serial += 1;

        let contact = ty
            .template
            .renewed(encode(s, generation), now, SegmentId(segment));

        self.areas(now);
        self.in_queue += 1;
        self.in_system += 1;
        self.peak_contacts = self.peak_contacts.max(self.in_system as usize);
        if counted {
            self.type_seg[k * plan.segments.len() + segment as usize].offered += 1;
            if !self.one_row && (!DIAL || plan.inbound(k)) {
                let i = self.interval_of(now);
                self.by_interval[i].offered += 1;
                self.by_interval_type[i * plan.types.len() + k].offered += 1;
            }
        }
        self.handle(Event::ContactArrived { contact })?;
        self.drain_offers()?;
        if self.slots[s as usize].state == SlotState::Waiting {
            // What an announcement would tell this customer now.
            if plan.expected_wait
                && let Some(w) = self.router.expected_wait(encode(s, generation))
            {
                self.slots[s as usize].predicted = w;
            }
            self.arm_patience(s);
        }
        Ok(())
    }

    /// The slot the next contact to [`enter`](Self::enter) will take: the
    /// last freed, or a new one.
    fn next_slot(&self) -> u32 {
        self.free.last().copied().unwrap_or(self.slots.len() as u32)
    }

    /// Pushes contact `s`'s abandonment timer if it is not queued yet.
    fn arm_patience(&mut self, s: u32) {
        let slot = &mut self.slots[s as usize];
        if slot.patience_end < f64::INFINITY {
            let (t, seq) = (slot.patience_end, slot.patience_seq);
            slot.patience_end = f64::INFINITY;
            self.queue
                .push_reserved(t, seq, Ev::Abandon(s, slot.generation));
        }
    }

    /// Contact `s` rings until `until` (its answer or time-out): its
    /// patience timer is needed if it ends by then (at the same instant it
    /// was scheduled first, so it goes first).
    fn ringing(&mut self, s: u32, until: f64) {
        if self.slots[s as usize].patience_end <= until {
            self.arm_patience(s);
        }
    }

    /// A contact not yet answered when the run stopped at `end` misses the
    /// service level if its threshold has passed (the same comparison of
    /// instants as an answer's `within`): it goes in the rows that its
    /// abandonment would have gone in.
    fn late(&mut self, slot: &Slot, end: f64) {
        let waiting = matches!(slot.state, SlotState::Waiting | SlotState::Offered);
        let k = slot.ctype as usize;
        if !waiting || !slot.counted || end <= slot.arrival + self.plan.types[k].target.threshold {
            return;
        }
        self.type_seg[k * self.plan.segments.len() + slot.segment as usize].late += 1;
        if !self.one_row && (!DIAL || self.plan.inbound(k)) {
            let i = self.interval_of(slot.arrival);
            self.by_interval[i].late += 1;
            self.by_interval_type[i * self.plan.types.len() + k].late += 1;
        }
    }

    #[inline]
    fn interval_of(&self, t: f64) -> usize {
        if self.plan.intervals == 1 {
            return 0; // no division (twice per contact) when there is one
        }
        ((t / self.plan.interval) as usize).min(self.plan.intervals - 1)
    }

    // ---- offers and service ---------------------------------------------

    #[inline]
    fn live(&self, s: u32, generation: u32, state: SlotState) -> bool {
        let slot = &self.slots[s as usize];
        slot.generation == generation && slot.state == state
    }

    /// Applies every offer the router made, including those made while
    /// applying them (an index walk over the one reused vector).
    #[inline(always)]
    fn drain_offers(&mut self) -> Result<(), SimError> {
        let mut i = 0;
        while i < self.offers.len() {
            let o = self.offers[i];
            i += 1;
            self.offer(o)?;
        }
        self.offers.clear();
        Ok(())
    }

    #[inline]
    fn offer(&mut self, o: Offer) -> Result<(), SimError> {
        let now = self.now;
        let s = decode(o.contact);
        let a = o.agent.0 as usize;
        self.touch(a, now);
        if DIAL {
            self.dial_hold(a, s, true);
        } else {
            self.agents[a].held += 1;
        }
        let slot = &mut self.slots[s as usize];
        slot.state = SlotState::Offered;
        slot.agent = a as u32;
        slot.offered_at = now;
        slot.offers += 1;
        let generation = slot.generation;
        match &self.plan.ring {
            // The router connected it (`auto_accept`, set when nothing rings).
            None => {
                self.start_service(s);
                Ok(())
            }
            Some(ring) => {
                let d = ring.sample(&mut self.ring);
                match self.plan.offer_timeout {
                    Some(to) if d >= to => {
                        self.queue.push(now + to, Ev::Timeout(s, generation));
                        self.ringing(s, now + to);
                        Ok(())
                    }
                    _ if d <= 0.0 => self.accept(s),
                    _ => {
                        self.queue.push(now + d, Ev::Answer(s, generation));
                        self.ringing(s, now + d);
                        Ok(())
                    }
                }
            }
        }
    }

    /// The agent answers: service starts.
    fn accept(&mut self, s: u32) -> Result<(), SimError> {
        let slot = self.slots[s as usize];
        self.handle(Event::OfferAccepted {
            contact: encode(s, slot.generation),
            agent: AgentId(slot.agent),
        })?;
        self.start_service(s);
        Ok(())
    }

    /// Service of the offered contact `s` starts now.
    #[inline(always)]
    fn start_service(&mut self, s: u32) {
        let now = self.now;
        let slot = self.slots[s as usize];
        let a = slot.agent as usize;
        let service = slot.work / self.agents[a].speed;
        let plan = self.plan;
        let g = self.agents[a].group as usize;
        // The truth is fixed by who answers: the customer's own number
        // against the pair's probability.
        let resolved = plan
            .resolution
            .as_ref()
            .map(|r| slot.outcome_u < r.value(slot.segment, g as u32));
        {
            let sl = &mut self.slots[s as usize];
            sl.state = SlotState::InService;
            sl.answered_at = now;
            sl.resolved = resolved;
        }
        self.obs
            .on_offer(&self.offer_record(&slot, OfferEnd::Answered, now));
        self.areas(now);
        self.in_queue -= 1;
        if slot.counted {
            let wait = now - slot.arrival;
            // Waited in queue: not offered on arrival, or offered and then
            // back in the queue (declined, timed out). The ring of the offer
            // answered is in the wait, not in this.
            let queued = slot.offered_at > slot.arrival;
            let k = slot.ctype as usize;
            // Within the threshold if answered by the deadline `arrival +
            // threshold`, compared as instants: a contact answered at the very
            // moment a bullseye step at the threshold let more agents take it
            // (`arrival + step`, the router's wake-up) is within, where
            // `now - arrival` may round a hair above the threshold.
            let within = now <= slot.arrival + plan.types[k].target.threshold;
            let handle = service + slot.wrap;
            let fit = plan
                .fit
                .as_ref()
                .map_or(0.0, |f| f.value(slot.segment, g as u32));
            let solved = resolved == Some(true);
            self.agents[a].answered += 1;
            let ts = k * plan.segments.len() + slot.segment as usize;
            let i = self.interval_of(slot.arrival);
            let it = i * plan.types.len() + k;
            self.type_seg[ts].answer(wait, queued, within, handle, fit, solved);
            // A dialer's item counts in its type's row alone.
            let inbound = !DIAL || plan.inbound(k);
            if !self.one_row && inbound {
                self.by_interval[i].answer(wait, queued, within, handle, fit, solved);
                self.by_interval_type[it].answer(wait, queued, within, handle, fit, solved);
            }
            if !self.one_group && inbound {
                self.by_group[g].answer(wait, queued, within, handle, fit, solved);
            }
            if self.cross && inbound {
                let ig = i * plan.groups.len() + g;
                self.by_interval_group[ig].answer(wait, queued, within, handle, fit, solved);
            }
            let p = slot.predicted;
            // Only a scenario with `expected_wait` predicts (NaN otherwise):
            // one flag spares the others the test of the number.
            if plan.expected_wait && p.is_finite() {
                self.type_seg[ts].predicted(p, wait);
                if !self.one_row && inbound {
                    self.by_interval[i].predicted(p, wait);
                    self.by_interval_type[it].predicted(p, wait);
                }
                if !self.one_group && inbound {
                    self.by_group[g].predicted(p, wait);
                }
                if self.cross && inbound {
                    self.by_interval_group[i * plan.groups.len() + g].predicted(p, wait);
                }
            }
        }
        self.queue
            .push(now + service, Ev::ServiceEnd(s, slot.generation));
    }

    fn timeout(&mut self, s: u32, generation: u32) -> Result<(), SimError> {
        if !self.live(s, generation, SlotState::Offered) {
            return Ok(());
        }
        let slot = self.slots[s as usize];
        self.obs
            .on_offer(&self.offer_record(&slot, OfferEnd::TimedOut, self.now));
        let a = slot.agent;
        if let Some(pause) = &self.plan.rona
            && self.agents[a as usize].on_shift
        {
            // RONA: not ready before the time-out is handled, so that the
            // router does not offer the agent anything meanwhile.
            let d = pause.sample(&mut self.pauses);
            self.touch(a as usize, self.now);
            if DIAL {
                self.dial_out(a as usize);
            }
            let ag = &mut self.agents[a as usize];
            ag.not_ready = true;
            ag.pause += 1;
            let ev = Ev::Ready(a, ag.pause);
            self.handle(Event::AgentNotReady { agent: AgentId(a) })?;
            self.queue.push(self.now + d, ev);
        }
        self.handle(Event::OfferTimedOut {
            contact: encode(s, generation),
            agent: AgentId(a),
        })?;
        self.slots[s as usize].state = SlotState::Waiting;
        self.arm_patience(s);
        self.release(a as usize, s)?;
        self.drain_offers()
    }

    fn abandon(&mut self, s: u32, generation: u32) -> Result<(), SimError> {
        let slot = self.slots[s as usize];
        if slot.generation != generation
            || !matches!(slot.state, SlotState::Waiting | SlotState::Offered)
        {
            return Ok(()); // answered meanwhile, or left: a cancelled timer
        }
        let now = self.now;
        self.handle(Event::ContactAbandoned {
            contact: encode(s, generation),
        })?;
        if slot.state == SlotState::Offered {
            self.obs
                .on_offer(&self.offer_record(&slot, OfferEnd::Abandoned, now));
            self.release(slot.agent as usize, s)?;
        }
        self.areas(now);
        self.in_queue -= 1;
        self.in_system -= 1;
        if slot.counted {
            let wait = super::stats::Abandon::after(
                now - slot.arrival,
                self.plan.types[slot.ctype as usize].target.short_abandon,
            );
            let k = slot.ctype as usize;
            self.type_seg[k * self.plan.segments.len() + slot.segment as usize].abandon(wait);
            if !self.one_row {
                let i = self.interval_of(slot.arrival);
                self.by_interval[i].abandon(wait);
                self.by_interval_type[i * self.plan.types.len() + k].abandon(wait);
            }
        }
        let rec = self.record(&slot, ContactEnd::Abandoned, now);
        self.obs.on_contact(&rec);
        self.free_slot(s);
        self.drain_offers()
    }

    #[inline]
    fn service_end(&mut self, s: u32, generation: u32) -> Result<(), SimError> {
        if !self.live(s, generation, SlotState::InService) {
            return Ok(());
        }
        let contact = encode(s, generation);
        let outcome = Outcome {
            resolved: self.slots[s as usize].resolved,
            ..Outcome::default()
        };
        let wrap = self.slots[s as usize].wrap;
        if wrap > 0.0 {
            self.handle(Event::WorkCompleted { contact, outcome })?;
            self.slots[s as usize].state = SlotState::WrapUp;
            self.queue.push(self.now + wrap, Ev::WrapEnd(s, generation));
        } else {
            self.handle(Event::WorkCompletedNoWrapUp { contact, outcome })?;
            self.finish(s)?;
        }
        self.drain_offers()
    }

    /// A served contact leaves; its agent's slot is free.
    #[inline(always)]
    fn finish(&mut self, s: u32) -> Result<(), SimError> {
        let now = self.now;
        let slot = self.slots[s as usize];
        self.release(slot.agent as usize, s)?;
        self.areas(now);
        self.in_system -= 1;
        let rec = self.record(&slot, ContactEnd::Completed, now);
        self.obs.on_contact(&rec);
        self.free_slot(s);
        Ok(())
    }

    fn free_slot(&mut self, s: u32) {
        let slot = &mut self.slots[s as usize];
        slot.state = SlotState::Free;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(s);
    }

    /// The router freed agent `a`'s slot that held contact `s`; an agent
    /// past its shift logs out once it holds nothing.
    #[inline(always)]
    fn release(&mut self, a: usize, s: u32) -> Result<(), SimError> {
        self.touch(a, self.now);
        if DIAL {
            self.dial_hold(a, s, false);
        }
        let ag = &mut self.agents[a];
        if !DIAL {
            ag.held -= 1;
        }
        if ag.held == 0 && !ag.on_shift && ag.logged_in {
            ag.logged_in = false;
            self.handle(Event::AgentLogout {
                agent: AgentId(a as u32),
            })?;
        }
        Ok(())
    }

    /// An agent's not-ready pause (RONA) ends: ready again, if the pause
    /// was not cancelled by a shift's start or end meanwhile.
    fn pause_end(&mut self, a: usize, pause: u32) -> Result<(), SimError> {
        let ag = self.agents[a];
        if !ag.not_ready || ag.pause != pause {
            return Ok(());
        }
        self.touch(a, self.now);
        self.agents[a].not_ready = false;
        if DIAL {
            self.dial_in(a);
        }
        self.handle(Event::AgentReady {
            agent: AgentId(a as u32),
        })?;
        self.drain_offers()
    }

    /// Cancels the agent's pause, if any (its time is already counted): a
    /// shift's start makes the agent ready, its end sends them home.
    fn end_pause(&mut self, a: usize) {
        let ag = &mut self.agents[a];
        if ag.not_ready {
            ag.not_ready = false;
            ag.pause += 1;
        }
    }

    // ---- the dialer ------------------------------------------------------

    /// Agent `a` takes (`take`) or frees a slot for contact `s`, with the
    /// free-agent counts kept in step (only when dialing).
    #[inline(never)]
    fn dial_hold(&mut self, a: usize, s: u32, take: bool) {
        let c = self.plan.types[self.slots[s as usize].ctype as usize]
            .channel
            .0 as usize;
        self.dial_out(a);
        let at = a * self.plan.channels.len() + c;
        if take {
            self.agents[a].held += 1;
            self.dial.held_ch[at] += 1;
        } else {
            self.agents[a].held -= 1;
            self.dial.held_ch[at] -= 1;
        }
        self.dial_in(a);
    }

    /// Takes agent `a` out of the free counts, before its state changes.
    fn dial_out(&mut self, a: usize) {
        self.dial_count(a, false);
    }

    /// Puts agent `a` back in the free counts, after its state changed.
    fn dial_in(&mut self, a: usize) {
        self.dial_count(a, true);
    }

    /// Adds agent `a` (`up`) to, or takes it from, the count of each
    /// channel on which it is free for one more contact now: logged in, on
    /// shift, ready, below its total capacity and the channel's.
    fn dial_count(&mut self, a: usize, up: bool) {
        let ag = self.agents[a];
        if !(ag.logged_in && ag.on_shift && !ag.not_ready) || ag.held >= ag.capacity {
            return;
        }
        let g = ag.group as usize;
        let channels = self.plan.channels.len();
        for j in 0..self.dial.group_caps[g].len() {
            let (c, max) = self.dial.group_caps[g][j];
            if self.dial.held_ch[a * channels + c] < max {
                let n = &mut self.dial.free_gc[g * channels + c];
                if up {
                    *n += 1;
                } else {
                    *n -= 1;
                }
            }
        }
    }

    /// The agents free now for one more contact of dialer type `k`.
    fn free_for(&self, k: usize) -> u64 {
        let channels = self.plan.channels.len();
        let c = self.plan.types[k].channel.0 as usize;
        self.dial.dial_groups[k]
            .iter()
            .map(|&g| u64::from(self.dial.free_gc[g * channels + c]))
            .sum()
    }

    /// After an event: each dialer releases its oldest items, one at a
    /// time, while more agents able to serve them are free than its
    /// reserve. Each goes to the router as an arrival now; a non-idling
    /// policy offers it at once, which in the end lowers the count (an
    /// agent with several slots on the channel counts as free until its
    /// last is taken). A release the policy does not offer (it holds work)
    /// ends the dialer's turn at this instant, so that it cannot flood the
    /// queue. The dialers go in the order of their types: the first listed
    /// fills the free agents first. Nothing is released from the horizon
    /// on: the centre is closed.
    #[inline(never)]
    fn dial(&mut self) -> Result<(), SimError> {
        let plan = self.plan;
        if self.now >= plan.horizon {
            return Ok(());
        }
        for k in 0..plan.types.len() {
            let Some(d) = plan.types[k].dialer else {
                continue;
            };
            while self.free_for(k) > u64::from(d.reserve) {
                let Some(created) = self.dial.dialer[k].pop() else {
                    break;
                };
                let s = self.next_slot();
                self.enter(k, None, Some(created))?;
                // Not offered: the policy holds it (a batch window), and
                // more would only queue beside it. Offered without the
                // count moving is normal (an agent with chat 3 stays free
                // for another until its last slot is taken).
                if self.slots[s as usize].state == SlotState::Waiting {
                    break;
                }
            }
        }
        Ok(())
    }

    // ---- shifts ---------------------------------------------------------

    fn shift_start(&mut self, g: usize) -> Result<(), SimError> {
        let grp = &self.plan.groups[g];
        let (_, end, on) = grp.shifts[self.shift_ix[g]];
        if end.is_finite() {
            self.queue.push(end, Ev::ShiftEnd(g as u32));
        }
        let first = grp.first_agent as usize;
        self.join(first..first + on as usize)
    }

    /// A group's shift ends. A next shift starting at the same instant
    /// takes over at once: only the difference in headcount logs out or
    /// in, so that the agents of both shifts go on as they are (their
    /// pauses, idle time and contacts untouched) instead of leaving and
    /// coming back within the instant.
    fn shift_end(&mut self, g: usize) -> Result<(), SimError> {
        let plan = self.plan;
        let grp = &plan.groups[g];
        let (_, end, on) = grp.shifts[self.shift_ix[g]];
        self.shift_ix[g] += 1;
        let first = grp.first_agent as usize;
        let next = grp
            .shifts
            .get(self.shift_ix[g])
            .filter(|&&(start, _, _)| start < plan.horizon);
        match next {
            Some(&(start, next_end, next_on)) if start == end => {
                if next_end.is_finite() {
                    self.queue.push(next_end, Ev::ShiftEnd(g as u32));
                }
                self.leave(first + next_on as usize..first + on as usize)?;
                self.join(first + on as usize..first + next_on as usize)
            }
            next => {
                if let Some(&(start, _, _)) = next {
                    self.queue.push(start, Ev::ShiftStart(g as u32));
                }
                self.leave(first..first + on as usize)
            }
        }
    }

    /// Agents `agents` come on shift: logged in (if they are not still
    /// finishing a contact of an earlier shift) and ready.
    fn join(&mut self, agents: std::ops::Range<usize>) -> Result<(), SimError> {
        let now = self.now;
        for a in agents {
            self.touch(a, now);
            if DIAL {
                self.dial_out(a);
            }
            self.end_pause(a);
            if !self.agents[a].logged_in {
                self.agents[a].logged_in = true;
                self.handle(Event::AgentLogin {
                    agent: self.plan.agents[a].clone(),
                })?;
            }
            self.agents[a].on_shift = true;
            if DIAL {
                self.dial_in(a);
            }
            self.handle(Event::AgentReady {
                agent: AgentId(a as u32),
            })?;
            self.drain_offers()?;
        }
        Ok(())
    }

    /// Agents `agents` go off shift: they take no more work and log out
    /// once they hold nothing.
    fn leave(&mut self, agents: std::ops::Range<usize>) -> Result<(), SimError> {
        let now = self.now;
        for a in agents {
            self.touch(a, now);
            // Off shift, the agent is free for nothing: out of the counts.
            if DIAL {
                self.dial_out(a);
            }
            self.end_pause(a);
            let id = AgentId(a as u32);
            self.agents[a].on_shift = false;
            self.handle(Event::AgentNotReady { agent: id })?;
            if self.agents[a].held == 0 {
                self.agents[a].logged_in = false;
                self.handle(Event::AgentLogout { agent: id })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Shadow model: the queue pops exactly what a sorted vector says, for a
    /// million random operations with many equal times.
    #[test]
    fn queue_matches_a_sorted_vector() {
        let min = |shadow: &[(f64, u64, u32)]| {
            shadow
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.0.total_cmp(&b.1.0).then(a.1.1.cmp(&b.1.1)))
                .unwrap()
                .0
        };
        let mut rng = Pcg64Mcg::seed_from_u64(5);
        // Small heaps for many steps, then a deep one (five levels); with no
        // arrival streams, then with 8: tags below 8 are arrivals of those
        // streams (a second one pending in a stream goes to the heap).
        for (streams, steps, cap) in [
            (0, 1_000_000, 64),
            (0, 200_000, 700),
            (8, 1_000_000, 64),
            (8, 200_000, 700),
        ] {
            let mut q = EventQueue::new(streams);
            let mut peak = 0;
            let mut shadow: Vec<(f64, u64, u32)> = Vec::new();
            // Places taken with `reserve`, pushed a few steps later.
            let mut reserved: Vec<(f64, u64, u32)> = Vec::new();
            for _ in 0..steps {
                let r = rng.next_u32();
                if r % 3 != 0 || shadow.is_empty() {
                    let t = q.first_t() + (rng.next_u32() % 50) as f64 * 0.5;
                    let tag = if r % 4 == 0 {
                        rng.next_u32() % 12
                    } else {
                        rng.next_u32()
                    };
                    if r % 16 == 1 {
                        reserved.push((t, q.reserve(), tag));
                    } else {
                        let seq = q.seq;
                        q.push(t, Ev::Arrival(tag));
                        shadow.push((t, seq, tag));
                        peak = peak.max(shadow.len());
                    }
                } else {
                    let want = shadow.swap_remove(min(&shadow));
                    let got = q.pop().unwrap();
                    assert_eq!(
                        (got.t(), got.seq(), got.ev),
                        (want.0, want.1, Ev::Arrival(want.2))
                    );
                }
                if r % 5 == 0
                    && let Some((t, seq, tag)) = reserved.pop()
                {
                    // Never before the last event taken, as in the engine.
                    let t = t.max(q.first_t());
                    q.push_reserved(t, seq, Ev::Arrival(tag));
                    shadow.push((t, seq, tag));
                    peak = peak.max(shadow.len());
                }
                // Keep the shadow bounded so the linear scan stays cheap.
                while shadow.len() > cap {
                    let want = shadow.swap_remove(min(&shadow));
                    let got = q.pop().unwrap();
                    assert_eq!((got.t(), got.seq()), (want.0, want.1));
                }
            }
            while let Some(got) = q.pop() {
                let want = shadow.swap_remove(min(&shadow));
                assert_eq!((got.t(), got.seq()), (want.0, want.1));
            }
            assert!(shadow.is_empty() && q.len() == 0);
            for (t, seq, tag) in reserved.drain(..) {
                q.push_reserved(t, seq, Ev::Arrival(tag));
                shadow.push((t, seq, tag));
                peak = peak.max(shadow.len());
            }
            while let Some(got) = q.pop() {
                let want = shadow.swap_remove(min(&shadow));
                assert_eq!((got.t(), got.seq()), (want.0, want.1));
            }
            assert_eq!(q.peak, peak, "the most events pending at once");
        }
    }
}
