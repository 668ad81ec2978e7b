//! The router's bookkeeping against a naive shadow model, on random event
//! sequences, under every built-in policy and a policy that proposes garbage.
//!
//! A random sequence mixes every [`Event`] variant, legal and illegal (unknown
//! ids, offers answered twice or by the wrong agent, logging out while holding
//! work, removing an agent still logged in, time going backwards, NaN time, duplicate contacts, arrivals in the
//! future, channels nobody serves, ticks, re-plans). The *same* abstract
//! sequence is run under each of the five built-in policies, and under two
//! user-defined policies that wrap a built-in in garbage proposals; each abstract step
//! is made concrete against that run's shadow ("accept the 3rd outstanding
//! offer"), so that legal events are frequent whatever the policy decided.
//!
//! The shadow is a plain model written here: contacts in a `BTreeMap` with their
//! state, agents with their presence and the contacts they hold, cool-downs as a
//! list. It predicts whether each event is accepted (and which error it gets
//! otherwise), then checks every offer the router makes before applying it.
//!
//! After EVERY event, for every policy:
//! * each contact is in exactly one state, the same in router and shadow, and
//!   the counts add up;
//! * no agent holds more than its capacity, per channel and in total;
//! * every offer went to a ready agent eligible for a waiting contact (skills
//!   after the policy's relaxation, a free slot on the channel, no cool-down);
//! * an event refused with `Err` changed nothing and made no offer;
//! * the router's `is_eligible` agrees with the shadow's rules on every waiting
//!   contact × agent pair, and under a built-in none is eligible (non-idling);
//! * every waiting contact's relaxation is the one its policy asks for now;
//! * `next_wakeup` is in the future and no later than the next relaxation step
//!   or cool-down end of any waiting contact;
//! * built-in policies never propose an infeasible pair; a garbage-proposing
//!   policy's infeasible proposals are all counted in `rejected_proposals`,
//!   and nothing else is (non-idling is not asked of it);
//! * the router's own indexes (FIFO groups of waiting contacts, free-agent
//!   buckets) agree with its records (`Router::check_consistency`).
//!
//! Then the concrete events are replayed into a fresh router, which must give
//! identical offers and identical errors (determinism). Panics fail the test.
//!
//! Times are multiples of 0.5 s so that every sum and difference is exact.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use skillroute::policy::{InFlightProposal, LearnedFitConfig, PolicyError};
use skillroute::{
    Agent, AgentId, AgentState, CMu, ChannelId, Contact, ContactId, ContactRef, ContactState,
    Counts, Event, LearnedFit, LongestIdleAgent, Offer, OptimalAssignment, Outcome, PriorityAging,
    Proposal, Router, RouterError, RouterSnapshot, RouterView, RoutingPolicy, ScoreBreakdown,
    SkillExpansion, SkillId, TierId, Trigger, Urgency,
};

// ---------------------------------------------------------------------------
// The random input
// ---------------------------------------------------------------------------

/// Agents are `AgentId(1..=8)`; pick index 8 names an agent that never exists.
const AGENTS: usize = 8;
const UNKNOWN_AGENT: AgentId = AgentId(99);
const CHANNELS: [ChannelId; 4] = [
    ChannelId::VOICE,
    ChannelId::CHAT,
    ChannelId::EMAIL,
    ChannelId::SOCIAL,
];

/// The router's id of the strategies' skill `s` (1..=4): ids the router
/// finds by indexing and ids it finds by hashing (1024 and up), in the same
/// order as `s`.
fn skill(s: u16) -> SkillId {
    SkillId([0, 1, 2, 1023, 60_000][s as usize])
}

#[derive(Debug, Clone)]
struct AgentSpec {
    skills: BTreeMap<u16, u8>,
    voice: u16,
    chat: u16,
    email: u16,
    total: Option<u16>,
    speed: f64,
}

impl AgentSpec {
    fn build(&self, id: AgentId) -> Agent {
        let mut b = Agent::builder(id)
            .channel(ChannelId::VOICE, self.voice)
            .channel(ChannelId::CHAT, self.chat)
            .channel(ChannelId::EMAIL, self.email)
            .speed(self.speed);
        for (&s, &l) in &self.skills {
            b = b.skill(skill(s), l);
        }
        if let Some(t) = self.total {
            b = b.total_capacity(t);
        }
        b.build().expect("the strategy only makes valid agents")
    }
}

fn agent_spec() -> impl Strategy<Value = AgentSpec> {
    (
        prop::collection::btree_map(1u16..=4, 1u8..=10, 0..=4),
        0u16..=1,
        0u16..=3,
        prop::bool::weighted(0.15),
        prop::option::of(1u16..=4),
        prop::sample::select(vec![0.5, 1.0, 2.0]),
    )
        .prop_map(|(skills, voice, chat, email, total, speed)| AgentSpec {
            skills,
            // at least one channel, so that the profile is valid
            voice: if voice == 0 && chat == 0 { 1 } else { voice },
            chat,
            email: u16::from(email),
            total,
            speed,
        })
}

#[derive(Debug, Clone)]
struct ContactSpec {
    channel: ChannelId,
    reqs: BTreeMap<u16, u8>,
    priority: u8,
    tier: u8,
    /// Seconds between the arrival time and the event time; negative: in the future.
    back: f64,
    preferred: Option<usize>,
}

impl ContactSpec {
    fn build(&self, id: ContactId, arrival: f64) -> Contact {
        let mut b = Contact::builder(id, self.channel, arrival)
            .priority(self.priority)
            .tier(TierId(self.tier));
        for (&s, &l) in &self.reqs {
            b = b.requires(skill(s), l);
        }
        if let Some(p) = self.preferred {
            b = b.preferred_agent(agent_id(p));
        }
        b.build().expect("the strategy only makes valid contacts")
    }
}

fn contact_spec() -> impl Strategy<Value = ContactSpec> {
    (
        prop::sample::select(vec![
            ChannelId::VOICE,
            ChannelId::VOICE,
            ChannelId::VOICE,
            ChannelId::CHAT,
            ChannelId::CHAT,
            ChannelId::EMAIL,
            ChannelId::SOCIAL,
        ]),
        prop::collection::btree_map(
            1u16..=4,
            prop::sample::select(vec![1u8, 1, 2, 3, 4, 5, 6, 8, 10]),
            0..=2,
        ),
        0u8..=3,
        0u8..=2,
        prop::sample::select(vec![0.0, 0.0, 0.0, 0.0, 0.5, 10.0, 65.0, 200.0, -1.0]),
        prop::option::of(0usize..=AGENTS),
    )
        .prop_map(
            |(channel, reqs, priority, tier, back, preferred)| ContactSpec {
                channel,
                reqs,
                priority,
                tier,
                back,
                preferred,
            },
        )
}

#[derive(Debug, Clone)]
enum IdPick {
    /// A fresh id.
    New,
    /// The id of a contact in the system (a duplicate).
    InSystem(usize),
    /// The id of a contact that has left (legal: ids may be reused).
    Departed(usize),
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    Accept,
    Decline,
    TimeOut,
}

#[derive(Debug, Clone)]
enum OfferPick {
    /// The k-th outstanding offer, answered by its agent.
    Outstanding(usize),
    /// The k-th outstanding offer, answered by some agent (maybe the wrong one).
    AnyAgent(usize, usize),
    /// Any ids at all.
    Raw(u64, usize),
}

#[derive(Debug, Clone)]
enum ContactPick {
    /// The k-th contact in the state the event expects.
    Fitting(usize),
    /// The k-th contact in the system, whatever its state.
    Any(usize),
    /// Any id at all.
    Raw(u64),
}

#[derive(Debug, Clone, Copy)]
enum AgentPick {
    /// The k-th agent for which the event is legal (unknown or logged out for
    /// a login, logged in for ready…), if there is one.
    Fitting(usize),
    /// Agent index 0..=8 (8: an agent that never exists).
    Raw(usize),
}

#[derive(Debug, Clone)]
enum Op {
    Login(AgentPick, bool),
    /// A logged-in agent takes the profile of one of its two variants.
    UpdateAgent(AgentPick, bool),
    Logout(AgentPick),
    /// A logged-out agent is forgotten (`Event::AgentRemoved`).
    Remove(AgentPick),
    Ready(AgentPick),
    NotReady(AgentPick),
    Arrive(ContactSpec, IdPick),
    Answer(Answer, OfferPick),
    Abandon(ContactPick),
    /// A contact's routing data changes (its id from the pick, the rest from
    /// the spec; a spec arriving "now" keeps the contact's arrival).
    Update(ContactPick, ContactSpec),
    Withdraw(ContactPick),
    Complete(ContactPick),
    WrapDone(ContactPick),
    CompleteNoWrap(ContactPick),
    Tick,
    TickAtWakeup,
    Rebalance,
}

#[derive(Debug, Clone, Copy)]
enum Dt {
    Forward(f64),
    Backwards,
    NaN,
    Infinite,
}

fn dt() -> impl Strategy<Value = Dt> {
    prop_oneof![
        40 => prop::sample::select(vec![0.0, 0.0, 0.5, 1.0, 2.5, 10.0, 20.0, 30.0, 45.5, 65.0, 200.0])
            .prop_map(Dt::Forward),
        1 => Just(Dt::Backwards),
        1 => Just(Dt::NaN),
        1 => Just(Dt::Infinite),
    ]
}

fn contact_pick() -> impl Strategy<Value = ContactPick> {
    prop_oneof![
        6 => any::<usize>().prop_map(ContactPick::Fitting),
        1 => any::<usize>().prop_map(ContactPick::Any),
        1 => (1u64..=40).prop_map(ContactPick::Raw),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let agent = || {
        prop_oneof![
            3 => any::<usize>().prop_map(AgentPick::Fitting),
            1 => (0usize..=AGENTS).prop_map(AgentPick::Raw),
        ]
    };
    let answer = prop::sample::select(vec![
        Answer::Accept,
        Answer::Accept,
        Answer::Accept,
        Answer::Decline,
        Answer::TimeOut,
    ]);
    let offer_pick = prop_oneof![
        8 => any::<usize>().prop_map(OfferPick::Outstanding),
        1 => (any::<usize>(), 0usize..=AGENTS).prop_map(|(k, a)| OfferPick::AnyAgent(k, a)),
        1 => (1u64..=40, 0usize..=AGENTS).prop_map(|(c, a)| OfferPick::Raw(c, a)),
    ];
    let id_pick = prop_oneof![
        12 => Just(IdPick::New),
        1 => any::<usize>().prop_map(IdPick::InSystem),
        1 => any::<usize>().prop_map(IdPick::Departed),
    ];
    prop_oneof![
        5 => (agent(), any::<bool>()).prop_map(|(a, v)| Op::Login(a, v)),
        1 => agent().prop_map(Op::Logout),
        1 => agent().prop_map(Op::Remove),
        6 => agent().prop_map(Op::Ready),
        2 => agent().prop_map(Op::NotReady),
        2 => (agent(), any::<bool>()).prop_map(|(a, v)| Op::UpdateAgent(a, v)),
        12 => (contact_spec(), id_pick).prop_map(|(c, i)| Op::Arrive(c, i)),
        10 => (answer, offer_pick).prop_map(|(a, p)| Op::Answer(a, p)),
        2 => contact_pick().prop_map(Op::Abandon),
        2 => (contact_pick(), contact_spec()).prop_map(|(p, c)| Op::Update(p, c)),
        1 => contact_pick().prop_map(Op::Withdraw),
        6 => contact_pick().prop_map(Op::Complete),
        6 => contact_pick().prop_map(Op::WrapDone),
        3 => contact_pick().prop_map(Op::CompleteNoWrap),
        1 => Just(Op::Tick),
        3 => Just(Op::TickAtWakeup),
        1 => Just(Op::Rebalance),
    ]
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Two profiles per agent: a logged-out agent may log in with another one.
    agents: Vec<(AgentSpec, AgentSpec)>,
    cooldown: f64,
    /// Offers connect at once (`RouterConfig::auto_accept`).
    auto_accept: bool,
    steps: Vec<(Dt, Op)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec((agent_spec(), agent_spec()), AGENTS),
        prop::sample::select(vec![0.0, 7.5, 30.0]),
        prop::sample::select(vec![false, false, false, true]),
        prop::collection::vec((dt(), op()), 1..200),
    )
        .prop_map(|(agents, cooldown, auto_accept, steps)| Scenario {
            agents,
            cooldown,
            auto_accept,
            steps,
        })
}

// ---------------------------------------------------------------------------
// The policies under test
// ---------------------------------------------------------------------------

/// A policy to run, and for a user-defined one the count of its proposals.
struct Subject {
    policy: Box<dyn RoutingPolicy>,
    proposed: Option<Arc<AtomicU64>>,
}

type Factory = fn() -> Subject;

fn builtin(p: impl RoutingPolicy + 'static) -> Subject {
    Subject {
        policy: Box::new(p),
        proposed: None,
    }
}

fn priority_aging() -> Subject {
    let mut p = PriorityAging::default();
    p.max_wait.insert(TierId(0), 40.0);
    p.max_wait.insert(TierId(1), 90.0);
    builtin(p)
}

/// A user-defined policy that wraps a built-in and proposes garbage around
/// its proposals: three random pairs first (unknown contacts and agents,
/// contacts not waiting, agents ineligible or full — and now and then a
/// feasible pair, which the router may apply), then the built-in's proposals,
/// each twice. Only the router's checks stand between this and the state.
struct Noisy {
    inner: Box<dyn RoutingPolicy>,
    rng: u64,
    proposed: Arc<AtomicU64>,
}

impl Noisy {
    fn subject(inner: impl RoutingPolicy + 'static) -> Subject {
        let proposed = Arc::new(AtomicU64::new(0));
        Subject {
            policy: Box::new(Noisy {
                inner: Box::new(inner),
                rng: 0x853c_49e6_748f_ea9b,
                proposed: Arc::clone(&proposed),
            }),
            proposed: Some(proposed),
        }
    }

    fn next(&mut self) -> u64 {
        self.rng = self
            .rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.rng >> 33
    }
}

impl RoutingPolicy for Noisy {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        let start = out.len();
        for _ in 0..3 {
            let contact = ContactId(self.next() % 45 + 1);
            let agent = AgentId(self.next() as u32 % 10 + 1);
            out.push(Proposal { contact, agent });
        }
        let mid = out.len();
        self.inner.decide(view, trigger, out);
        for k in mid..out.len() {
            out.push(out[k]);
        }
        // Atomic only because a policy must be `Send`.
        self.proposed
            .fetch_add((out.len() - start) as u64, Ordering::Relaxed);
    }
    fn urgency(&self, c: &ContactRef<'_>) -> Urgency {
        self.inner.urgency(c)
    }
    fn plans_globally(&self) -> bool {
        self.inner.plans_globally()
    }
    fn relaxation(&self, c: &Contact, waited: f64) -> u8 {
        self.inner.relaxation(c, waited)
    }
    fn next_relaxation(&self, c: &Contact, waited: f64) -> Option<f64> {
        self.inner.next_relaxation(c, waited)
    }
    fn observe_outcome(&mut self, c: &Contact, agent: AgentId, outcome: &Outcome) {
        self.inner.observe_outcome(c, agent, outcome)
    }
    fn agent_removed(&mut self, agent: AgentId, index: usize) {
        self.inner.agent_removed(agent, index)
    }
    fn in_flight(&self) -> Vec<InFlightProposal> {
        self.inner.in_flight()
    }
    fn restore_in_flight(&mut self, records: &[InFlightProposal]) -> Result<(), PolicyError> {
        self.inner.restore_in_flight(records)
    }
    /// Its own stream (its garbage may hold feasible pairs, which the
    /// router applies), with the inner policy's state inside: a standby
    /// built afresh proposes the same garbage.
    fn state(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({ "rng": self.rng, "inner": self.inner.state() }))
    }
    fn restore_state(&mut self, state: &serde_json::Value) -> Result<(), PolicyError> {
        let rng = state["rng"]
            .as_u64()
            .ok_or_else(|| PolicyError::bad_state("rng", "missing"))?;
        match &state["inner"] {
            serde_json::Value::Null => {}
            inner => self.inner.restore_state(inner)?,
        }
        self.rng = rng;
        Ok(())
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.inner.validate()
    }
    fn explain(
        &self,
        view: &RouterView<'_>,
        c: &ContactRef<'_>,
        a: &skillroute::AgentRef<'_>,
    ) -> Option<ScoreBreakdown> {
        self.inner.explain(view, c, a)
    }
    // Not forwarded on purpose: the name (a user's policy), and the
    // shortcuts (its garbage names other contacts and agents than the
    // trigger's).
}

/// Learns from the outcomes the events report, one arm per agent, and
/// explores (Thompson).
fn learned_fit() -> Box<dyn RoutingPolicy> {
    Box::new(LearnedFit::new(LearnedFitConfig::default()).unwrap())
}

const POLICIES: [(&str, Factory); 8] = [
    ("LongestIdleAgent", || builtin(LongestIdleAgent)),
    ("PriorityAging", priority_aging),
    ("SkillExpansion", || builtin(SkillExpansion::default())),
    ("CMu", || builtin(CMu::default())),
    (
        "OptimalAssignment",
        || builtin(OptimalAssignment::default()),
    ),
    ("LearnedFit", || Subject {
        policy: learned_fit(),
        proposed: None,
    }),
    ("Noisy(SkillExpansion)", || {
        Noisy::subject(SkillExpansion::default())
    }),
    ("Noisy(OptimalAssignment)", || {
        Noisy::subject(OptimalAssignment::default())
    }),
];

/// A built-in with both of the router's shortcuts off: the newcomer queued
/// before `decide` ([`RoutingPolicy::arrival_reads_agents_only`] false) and
/// a freed agent listed among the available agents before `decide`
/// ([`RoutingPolicy::freed_agent_reads_contacts_only`] false). The built-ins'
/// shortcuts must make exactly the same offers.
struct QueuedFirst(Box<dyn RoutingPolicy>);

impl RoutingPolicy for QueuedFirst {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        self.0.decide(view, trigger, out)
    }
    fn observe_outcome(&mut self, c: &Contact, agent: AgentId, outcome: &Outcome) {
        self.0.observe_outcome(c, agent, outcome)
    }
    fn agent_removed(&mut self, agent: AgentId, index: usize) {
        self.0.agent_removed(agent, index)
    }
    fn explain(
        &self,
        view: &RouterView<'_>,
        c: &ContactRef<'_>,
        a: &skillroute::AgentRef<'_>,
    ) -> Option<ScoreBreakdown> {
        self.0.explain(view, c, a)
    }
    fn urgency(&self, c: &ContactRef<'_>) -> Urgency {
        self.0.urgency(c)
    }
    fn plans_globally(&self) -> bool {
        self.0.plans_globally()
    }
    fn relaxation(&self, c: &Contact, waited: f64) -> u8 {
        self.0.relaxation(c, waited)
    }
    fn next_relaxation(&self, c: &Contact, waited: f64) -> Option<f64> {
        self.0.next_relaxation(c, waited)
    }
    fn in_flight(&self) -> Vec<InFlightProposal> {
        self.0.in_flight()
    }
    fn restore_in_flight(&mut self, records: &[InFlightProposal]) -> Result<(), PolicyError> {
        self.0.restore_in_flight(records)
    }
    fn validate(&self) -> Result<(), PolicyError> {
        self.0.validate()
    }
    fn name(&self) -> &str {
        self.0.name()
    }
    // Not forwarded on purpose: the shortcuts, which this wrapper is for
    // turning off.
}

const QUEUED_FIRST: [(&str, Factory); 6] = [
    ("QueuedFirst(LongestIdleAgent)", || {
        builtin(QueuedFirst(Box::new(LongestIdleAgent)))
    }),
    ("QueuedFirst(PriorityAging)", || {
        builtin(QueuedFirst(priority_aging().policy))
    }),
    ("QueuedFirst(SkillExpansion)", || {
        builtin(QueuedFirst(Box::new(SkillExpansion::default())))
    }),
    ("QueuedFirst(CMu)", || {
        builtin(QueuedFirst(Box::new(CMu::default())))
    }),
    ("QueuedFirst(OptimalAssignment)", || {
        builtin(QueuedFirst(Box::new(OptimalAssignment::default())))
    }),
    ("QueuedFirst(LearnedFit)", || {
        builtin(QueuedFirst(learned_fit()))
    }),
];

// ---------------------------------------------------------------------------
// The shadow model
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    LoggedOut,
    NotReady,
    Ready,
}

#[derive(Debug, Clone)]
struct ShAgent {
    profile: Agent,
    presence: Presence,
    /// Contacts held (offered, in service or in wrap-up).
    held: BTreeSet<ContactId>,
    /// Contacts it held when its profile last changed while logged in: they
    /// may exceed the new capacities, contacts offered since may not.
    kept: BTreeSet<ContactId>,
}

#[derive(Debug, Clone)]
struct ShContact {
    contact: Contact,
    state: ContactState,
    /// (agent, end of its cool-down) for every decline or time-out.
    cooldowns: Vec<(AgentId, f64)>,
}

#[derive(Debug, Clone)]
struct Shadow {
    now: f64,
    cooldown: f64,
    auto_accept: bool,
    agents: BTreeMap<AgentId, ShAgent>,
    contacts: BTreeMap<ContactId, ShContact>,
    departed: Vec<ContactId>,
    arrived: u64,
    completed: u64,
    abandoned: u64,
    withdrawn: u64,
}

impl Shadow {
    fn new(cooldown: f64, auto_accept: bool) -> Shadow {
        Shadow {
            now: f64::NEG_INFINITY,
            cooldown,
            auto_accept,
            agents: BTreeMap::new(),
            contacts: BTreeMap::new(),
            departed: Vec::new(),
            arrived: 0,
            completed: 0,
            abandoned: 0,
            withdrawn: 0,
        }
    }

    fn counts(&self) -> Counts {
        let mut c = Counts {
            arrived: self.arrived,
            completed: self.completed,
            abandoned: self.abandoned,
            withdrawn: self.withdrawn,
            ..Counts::default()
        };
        for sc in self.contacts.values() {
            match sc.state {
                ContactState::Waiting => c.waiting += 1,
                ContactState::Offered(_) => c.offered += 1,
                ContactState::InService(_) => c.in_service += 1,
                ContactState::WrapUp(_) => c.wrap_up += 1,
                other => panic!("a contact in the system cannot be {other:?}"),
            }
        }
        c
    }

    fn used(&self, a: &ShAgent, channel: ChannelId) -> u16 {
        a.held
            .iter()
            .filter(|c| self.contacts[c].contact.channel() == channel)
            .count() as u16
    }

    /// Free slots of `a` on `channel`, counting the total cap (0 unless ready).
    fn free_for(&self, a: &ShAgent, channel: ChannelId) -> u16 {
        if a.presence != Presence::Ready {
            return 0;
        }
        let total_free = a
            .profile
            .total_capacity()
            .saturating_sub(a.held.len() as u16);
        a.profile
            .capacity(channel)
            .saturating_sub(self.used(a, channel))
            .min(total_free)
    }

    fn available(&self, a: &ShAgent) -> bool {
        CHANNELS.iter().any(|&ch| self.free_for(a, ch) > 0)
    }

    fn agent_state(&self, a: &ShAgent) -> AgentState {
        let wrapping = a
            .held
            .iter()
            .filter(|c| matches!(self.contacts[c].state, ContactState::WrapUp(_)))
            .count();
        match a.presence {
            Presence::LoggedOut => AgentState::LoggedOut,
            _ if a.held.len() > wrapping => AgentState::Busy,
            _ if wrapping > 0 => AgentState::WrapUp,
            Presence::NotReady => AgentState::NotReady,
            Presence::Ready => AgentState::Ready,
        }
    }

    /// Whether `agent` may be offered the waiting contact `c` now, by the
    /// rules written out naively: ready, a free slot on the channel, every
    /// required skill at its relaxed minimum, no cool-down running.
    fn eligible(&self, c: &ShContact, agent: AgentId, relax: u8) -> bool {
        let a = &self.agents[&agent];
        self.free_for(a, c.contact.channel()) > 0
            && Shadow::skilled(c, a, relax)
            && !self.cooling(c, agent)
    }

    /// Every skill `c` requires, at its minimum relaxed by `relax` (never below 1).
    fn skilled(c: &ShContact, a: &ShAgent, relax: u8) -> bool {
        c.contact.requirements().iter().all(|r| {
            let min = r.min_level.get().saturating_sub(relax).max(1);
            a.profile.level(r.skill).is_some_and(|l| l.get() >= min)
        })
    }

    /// `agent`'s cool-down on `c` runs.
    fn cooling(&self, c: &ShContact, agent: AgentId) -> bool {
        c.cooldowns
            .iter()
            .any(|&(who, until)| who == agent && until > self.now)
    }

    /// A contact arriving or changing at `now`: arrived by then, on a
    /// channel some known agent serves.
    fn servable(&self, contact: &Contact, now: f64) -> Result<(), RouterError> {
        let id = contact.id();
        if contact.arrival() > now {
            return Err(RouterError::ArrivalInFuture {
                contact: id,
                arrival: contact.arrival(),
                now,
            });
        }
        if !self.served(contact.channel()) {
            return Err(RouterError::ChannelNotServed {
                contact: id,
                channel: contact.channel(),
            });
        }
        Ok(())
    }

    fn served(&self, channel: ChannelId) -> bool {
        self.agents
            .values()
            .any(|a| a.profile.capacity(channel) > 0)
    }

    fn logged_in(&self, id: AgentId) -> Result<(), RouterError> {
        match self.agents.get(&id) {
            None => Err(RouterError::UnknownAgent(id)),
            Some(a) if a.presence == Presence::LoggedOut => Err(RouterError::NotLoggedIn(id)),
            Some(_) => Ok(()),
        }
    }

    fn in_system(&self, id: ContactId) -> Result<ContactState, RouterError> {
        self.contacts
            .get(&id)
            .map(|c| c.state)
            .ok_or(RouterError::UnknownContact(id))
    }

    fn wrong(contact: ContactId, state: ContactState) -> RouterError {
        RouterError::WrongContactState {
            contact,
            state,
            event: "",
        }
    }

    fn offered_to(&self, contact: ContactId, agent: AgentId) -> Result<(), RouterError> {
        match self.in_system(contact)? {
            ContactState::Offered(a) if a == agent => Ok(()),
            ContactState::Offered(_) if !self.agents.contains_key(&agent) => {
                Err(RouterError::UnknownAgent(agent))
            }
            ContactState::Offered(a) => Err(RouterError::WrongAgent {
                contact,
                offered_to: a,
                agent,
            }),
            s => Err(Self::wrong(contact, s)),
        }
    }

    fn leave(&mut self, contact: ContactId) {
        let c = self.contacts.remove(&contact).expect("in the system");
        if let ContactState::Offered(a) | ContactState::InService(a) | ContactState::WrapUp(a) =
            c.state
        {
            self.agents.get_mut(&a).unwrap().held.remove(&contact);
        }
        self.departed.push(contact);
    }

    /// What the router must answer to `event` at `now`; applies it if legal.
    fn apply(&mut self, now: f64, event: &Event) -> Result<(), RouterError> {
        if !now.is_finite() {
            return Err(RouterError::NonFiniteTime(now));
        }
        if now.abs() > skillroute::TIME_LIMIT {
            return Err(RouterError::TimeOutOfRange(now));
        }
        if now < self.now {
            return Err(RouterError::TimeWentBackwards {
                now,
                last: self.now,
            });
        }
        match event {
            Event::AgentLogin { agent } => {
                let id = agent.id();
                match self.agents.get_mut(&id) {
                    Some(a) if a.presence != Presence::LoggedOut => {
                        return Err(RouterError::AlreadyLoggedIn(id));
                    }
                    Some(a) => {
                        a.profile = agent.clone();
                        a.presence = Presence::NotReady;
                    }
                    None => {
                        self.agents.insert(
                            id,
                            ShAgent {
                                profile: agent.clone(),
                                presence: Presence::NotReady,
                                held: BTreeSet::new(),
                                kept: BTreeSet::new(),
                            },
                        );
                    }
                }
            }
            Event::AgentLogout { agent } => {
                self.logged_in(*agent)?;
                let a = self.agents.get_mut(agent).unwrap();
                if !a.held.is_empty() {
                    return Err(RouterError::AgentHoldsWork {
                        agent: *agent,
                        held: a.held.len() as u16,
                    });
                }
                a.presence = Presence::LoggedOut;
            }
            // Forgotten whole: its id unknown, its cool-downs gone; a
            // channel only it served is served by nobody.
            Event::AgentRemoved { agent } => {
                match self.agents.get(agent) {
                    None => return Err(RouterError::UnknownAgent(*agent)),
                    Some(a) if a.presence != Presence::LoggedOut => {
                        return Err(RouterError::StillLoggedIn(*agent));
                    }
                    Some(_) => {}
                }
                self.agents.remove(agent);
                for c in self.contacts.values_mut() {
                    c.cooldowns.retain(|&(a, _)| a != *agent);
                }
            }
            Event::AgentUpdated { agent } => {
                let id = agent.id();
                self.logged_in(id)?;
                let a = &self.agents[&id];
                for c in a.profile.capacities() {
                    let held = self.used(a, c.channel);
                    if held > 0 && agent.capacity(c.channel) == 0 {
                        return Err(RouterError::ChannelInUse {
                            agent: id,
                            channel: c.channel,
                            held,
                        });
                    }
                }
                let a = self.agents.get_mut(&id).unwrap();
                a.profile = agent.clone();
                a.kept = a.held.clone();
            }
            Event::AgentReady { agent } => {
                self.logged_in(*agent)?;
                self.agents.get_mut(agent).unwrap().presence = Presence::Ready;
            }
            Event::AgentNotReady { agent } => {
                self.logged_in(*agent)?;
                self.agents.get_mut(agent).unwrap().presence = Presence::NotReady;
            }
            Event::ContactArrived { contact } => {
                let id = contact.id();
                if self.contacts.contains_key(&id) {
                    return Err(RouterError::DuplicateContact(id));
                }
                self.servable(contact, now)?;
                self.arrived += 1;
                self.contacts.insert(
                    id,
                    ShContact {
                        contact: contact.clone(),
                        state: ContactState::Waiting,
                        cooldowns: Vec::new(),
                    },
                );
            }
            Event::OfferAccepted { contact, agent } => {
                self.offered_to(*contact, *agent)?;
                self.contacts.get_mut(contact).unwrap().state = ContactState::InService(*agent);
            }
            Event::OfferDeclined { contact, agent } | Event::OfferTimedOut { contact, agent } => {
                self.offered_to(*contact, *agent)?;
                self.agents.get_mut(agent).unwrap().held.remove(contact);
                let c = self.contacts.get_mut(contact).unwrap();
                c.state = ContactState::Waiting;
                if self.cooldown > 0.0 {
                    c.cooldowns.push((*agent, now + self.cooldown));
                }
            }
            Event::ContactAbandoned { contact } => match self.in_system(*contact)? {
                ContactState::Waiting | ContactState::Offered(_) => {
                    self.leave(*contact);
                    self.abandoned += 1;
                }
                s => return Err(Self::wrong(*contact, s)),
            },
            Event::ContactWithdrawn { contact } => match self.in_system(*contact)? {
                ContactState::Waiting | ContactState::Offered(_) => {
                    self.leave(*contact);
                    self.withdrawn += 1;
                }
                s => return Err(Self::wrong(*contact, s)),
            },
            Event::ContactUpdated { contact } => {
                let id = contact.id();
                match self.in_system(id)? {
                    ContactState::Waiting => {}
                    s => return Err(Self::wrong(id, s)),
                }
                // Kept on its channel, it may change even if nobody serves
                // that channel any more.
                let channel = self.contacts[&id].contact.channel();
                match self.servable(contact, now) {
                    Err(RouterError::ChannelNotServed { .. }) if contact.channel() == channel => {}
                    checked => checked?,
                }
                // The same contact, changed: its state and cool-downs stay.
                self.contacts.get_mut(&id).unwrap().contact = contact.clone();
            }
            // The contact and its state are checked before the outcome: an
            // unknown contact is that, whatever its satisfaction.
            Event::WorkCompleted { contact, outcome } => match self.in_system(*contact)? {
                ContactState::InService(a) => {
                    Self::satisfaction(*contact, outcome)?;
                    self.contacts.get_mut(contact).unwrap().state = ContactState::WrapUp(a);
                }
                s => return Err(Self::wrong(*contact, s)),
            },
            Event::WrapUpDone { contact } => match self.in_system(*contact)? {
                ContactState::WrapUp(_) => {
                    self.leave(*contact);
                    self.completed += 1;
                }
                s => return Err(Self::wrong(*contact, s)),
            },
            Event::WorkCompletedNoWrapUp { contact, outcome } => match self.in_system(*contact)? {
                ContactState::InService(_) => {
                    Self::satisfaction(*contact, outcome)?;
                    self.leave(*contact);
                    self.completed += 1;
                }
                s => return Err(Self::wrong(*contact, s)),
            },
            Event::Tick | Event::Rebalance => {}
            other => panic!("the generator makes no {other:?}"),
        }
        self.now = now;
        Ok(())
    }

    fn satisfaction(contact: ContactId, outcome: &Outcome) -> Result<(), RouterError> {
        match outcome.satisfaction {
            Some(x) if !(0.0..=1.0).contains(&x) => Err(RouterError::BadSatisfaction {
                contact,
                satisfaction: x,
            }),
            _ => Ok(()),
        }
    }

    fn ids_in(&self, pred: impl Fn(ContactState) -> bool) -> Vec<ContactId> {
        self.contacts
            .iter()
            .filter(|(_, c)| pred(c.state))
            .map(|(&id, _)| id)
            .collect()
    }

    fn offers(&self) -> Vec<(ContactId, AgentId)> {
        self.contacts
            .iter()
            .filter_map(|(&id, c)| match c.state {
                ContactState::Offered(a) => Some((id, a)),
                _ => None,
            })
            .collect()
    }
}

/// Errors are equal up to the event name of `WrongContactState` (and NaN
/// times are equal to each other).
fn same_error(expected: &RouterError, got: &RouterError) -> bool {
    match (expected, got) {
        (RouterError::NonFiniteTime(a), RouterError::NonFiniteTime(b)) => {
            a == b || (a.is_nan() && b.is_nan())
        }
        (
            RouterError::BadSatisfaction {
                contact: c1,
                satisfaction: a,
            },
            RouterError::BadSatisfaction {
                contact: c2,
                satisfaction: b,
            },
        ) => c1 == c2 && (a == b || (a.is_nan() && b.is_nan())),
        (
            RouterError::WrongContactState {
                contact: c1,
                state: s1,
                ..
            },
            RouterError::WrongContactState {
                contact: c2,
                state: s2,
                ..
            },
        ) => c1 == c2 && s1 == s2,
        _ => expected == got,
    }
}

// ---------------------------------------------------------------------------
// Making the abstract steps concrete
// ---------------------------------------------------------------------------

struct Gen<'s> {
    scenario: &'s Scenario,
    next_id: u64,
}

fn agent_id(pick: usize) -> AgentId {
    if pick < AGENTS {
        AgentId(pick as u32 + 1)
    } else {
        UNKNOWN_AGENT
    }
}

fn nth<T: Copy>(v: &[T], k: usize) -> Option<T> {
    (!v.is_empty()).then(|| v[k % v.len()])
}

impl Gen<'_> {
    fn event(
        &mut self,
        step: &(Dt, Op),
        sh: &Shadow,
        router: &Router<Box<dyn RoutingPolicy>>,
    ) -> (f64, Event) {
        let base = if sh.now.is_finite() { sh.now } else { 0.0 };
        let (dt, op) = step;
        let mut now = match *dt {
            Dt::Forward(d) => base + d,
            Dt::Backwards => base - 1.0,
            Dt::NaN => f64::NAN,
            Dt::Infinite => f64::INFINITY,
        };
        let contact_pick = |pick: &ContactPick, fits: &dyn Fn(ContactState) -> bool| {
            let id = match *pick {
                ContactPick::Fitting(k) => nth(&sh.ids_in(fits), k),
                ContactPick::Any(k) => nth(&sh.ids_in(|_| true), k),
                ContactPick::Raw(c) => Some(ContactId(c)),
            };
            id.unwrap_or(ContactId(1000))
        };
        let agent_pick = |pick: AgentPick, fits: &dyn Fn(Option<&ShAgent>) -> bool| match pick {
            AgentPick::Fitting(k) => {
                let fitting: Vec<usize> = (0..AGENTS)
                    .filter(|&i| fits(sh.agents.get(&agent_id(i))))
                    .collect();
                nth(&fitting, k).unwrap_or(k % (AGENTS + 1))
            }
            AgentPick::Raw(i) => i,
        };
        let logged_in = |a: Option<&ShAgent>| a.is_some_and(|a| a.presence != Presence::LoggedOut);
        let event = match op {
            Op::Login(pick, variant) => {
                let a = agent_pick(*pick, &|a| !logged_in(a)) % AGENTS;
                let (p, q) = &self.scenario.agents[a];
                let id = agent_id(a);
                let agent = if *variant { q.build(id) } else { p.build(id) };
                Event::AgentLogin { agent }
            }
            Op::UpdateAgent(pick, variant) => {
                let a = agent_pick(*pick, &|a| logged_in(a)) % AGENTS;
                let (p, q) = &self.scenario.agents[a];
                let id = agent_id(a);
                let agent = if *variant { q.build(id) } else { p.build(id) };
                Event::AgentUpdated { agent }
            }
            Op::Logout(pick) => Event::AgentLogout {
                agent: agent_id(agent_pick(*pick, &|a| logged_in(a))),
            },
            Op::Remove(pick) => Event::AgentRemoved {
                agent: agent_id(agent_pick(*pick, &|a| {
                    a.is_some_and(|a| a.presence == Presence::LoggedOut)
                })),
            },
            Op::Ready(pick) => Event::AgentReady {
                agent: agent_id(agent_pick(*pick, &|a| {
                    a.is_some_and(|a| a.presence == Presence::NotReady)
                })),
            },
            Op::NotReady(pick) => Event::AgentNotReady {
                agent: agent_id(agent_pick(*pick, &|a| {
                    a.is_some_and(|a| a.presence == Presence::Ready)
                })),
            },
            Op::Arrive(spec, pick) => {
                let id = match *pick {
                    IdPick::New => None,
                    IdPick::InSystem(k) => nth(&sh.ids_in(|_| true), k),
                    IdPick::Departed(k) => {
                        nth(&sh.departed, k).filter(|id| !sh.contacts.contains_key(id))
                    }
                };
                let id = id.unwrap_or_else(|| {
                    self.next_id += 1;
                    ContactId(self.next_id)
                });
                let at = if now.is_finite() { now } else { base };
                Event::ContactArrived {
                    contact: spec.build(id, at - spec.back),
                }
            }
            Op::Answer(kind, pick) => {
                let offers = sh.offers();
                let (contact, agent) = match *pick {
                    OfferPick::Outstanding(k) => {
                        nth(&offers, k).unwrap_or((ContactId(1), UNKNOWN_AGENT))
                    }
                    OfferPick::AnyAgent(k, a) => nth(&offers, k)
                        .map_or((ContactId(2), agent_id(a)), |(c, _)| (c, agent_id(a))),
                    OfferPick::Raw(c, a) => (ContactId(c), agent_id(a)),
                };
                match kind {
                    Answer::Accept => Event::OfferAccepted { contact, agent },
                    Answer::Decline => Event::OfferDeclined { contact, agent },
                    Answer::TimeOut => Event::OfferTimedOut { contact, agent },
                }
            }
            Op::Abandon(p) => Event::ContactAbandoned {
                contact: contact_pick(p, &|s| {
                    matches!(s, ContactState::Waiting | ContactState::Offered(_))
                }),
            },
            Op::Withdraw(p) => Event::ContactWithdrawn {
                contact: contact_pick(p, &|s| {
                    matches!(s, ContactState::Waiting | ContactState::Offered(_))
                }),
            },
            Op::Update(p, spec) => {
                let id = contact_pick(p, &|s| s == ContactState::Waiting);
                let at = if now.is_finite() { now } else { base };
                let arrival = match sh.contacts.get(&id) {
                    Some(c) if spec.back == 0.0 => c.contact.arrival(),
                    _ => at - spec.back,
                };
                Event::ContactUpdated {
                    contact: spec.build(id, arrival),
                }
            }
            Op::Complete(p) => Event::WorkCompleted {
                contact: contact_pick(p, &|s| matches!(s, ContactState::InService(_))),
                outcome: Outcome {
                    resolved: Some(true),
                    // Now and then a score out of range, which is refused.
                    satisfaction: match p {
                        ContactPick::Fitting(k) | ContactPick::Any(k) if k % 16 == 14 => Some(1.5),
                        ContactPick::Fitting(k) | ContactPick::Any(k) if k % 16 == 15 => {
                            Some(f64::NAN)
                        }
                        _ => Some(0.8),
                    },
                },
            },
            Op::WrapDone(p) => Event::WrapUpDone {
                contact: contact_pick(p, &|s| matches!(s, ContactState::WrapUp(_))),
            },
            Op::CompleteNoWrap(p) => Event::WorkCompletedNoWrapUp {
                contact: contact_pick(p, &|s| matches!(s, ContactState::InService(_))),
                outcome: Outcome {
                    resolved: Some(false),
                    satisfaction: None,
                },
            },
            Op::Tick => Event::Tick,
            Op::TickAtWakeup => {
                if let Some(w) = router.next_wakeup() {
                    now = w;
                }
                Event::Tick
            }
            Op::Rebalance => Event::Rebalance,
        };
        (now, event)
    }
}

// ---------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------

type R = Router<Box<dyn RoutingPolicy>>;

/// Everything observable about a router, to show that a refused event changed nothing.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    now: f64,
    counts: Counts,
    contacts: Vec<(ContactId, ContactState)>,
    agents: Vec<(Agent, AgentState, Option<u16>, Vec<u16>)>,
    waiting: Vec<(ContactId, u8)>,
    available: Vec<AgentId>,
    next_wakeup: Option<f64>,
    rejected: u64,
}

fn snapshot(r: &R) -> Snapshot {
    let view = r.view();
    Snapshot {
        now: r.now(),
        counts: r.counts(),
        contacts: r.contacts().collect(),
        agents: r
            .agents()
            .map(|(a, s)| {
                let free = view.agent(a.id()).map_or(Vec::new(), |ar| {
                    CHANNELS.iter().map(|&ch| ar.free_capacity(ch)).collect()
                });
                (a.clone(), s, r.agent_load(a.id()), free)
            })
            .collect(),
        waiting: view.waiting().map(|c| (c.id(), c.relaxation())).collect(),
        available: view.available_agents().map(|a| a.id()).collect(),
        next_wakeup: r.next_wakeup(),
        rejected: r.rejected_proposals(),
    }
}

/// The relaxation the policy asks for a contact waiting at `now`.
fn expected_relax(r: &R, c: &Contact, now: f64) -> u8 {
    r.policy().relaxation(c, now - c.arrival())
}

/// Checks the offers of one accepted event against the shadow and applies them.
/// `builtin`: whether the policy is a built-in, whose offers always name the
/// trigger's contact or agent.
fn check_offers(
    r: &R,
    sh: &mut Shadow,
    event: &Event,
    offers: &[Offer],
    builtin: bool,
) -> Result<(), TestCaseError> {
    let now = sh.now;
    for o in offers {
        let c = sh.contacts.get(&o.contact);
        prop_assert!(c.is_some(), "offer of a contact not in the system: {o:?}");
        let c = c.unwrap();
        prop_assert_eq!(
            c.state,
            ContactState::Waiting,
            "offered contact was not waiting: {:?}",
            o
        );
        let a = sh.agents.get(&o.agent);
        prop_assert!(a.is_some(), "offer to an unknown agent: {o:?}");
        prop_assert_eq!(
            a.unwrap().presence,
            Presence::Ready,
            "offer to an agent that is not ready: {:?}",
            o
        );
        let relax = expected_relax(r, &c.contact, now);
        prop_assert!(
            sh.eligible(c, o.agent, relax),
            "offer to an ineligible agent (relaxation {}): {:?} after {:?}\ncontact {:?}\nagent {:?}",
            relax,
            o,
            event,
            c,
            sh.agents[&o.agent]
        );
        // The breakdown adds up, and the trigger names the pair's contact or agent.
        let s = o.score;
        let sum = s.skill + s.fit + s.preference + s.idle + s.load + s.wait + s.priority;
        prop_assert!(
            (s.total - sum).abs() <= 1e-9 * (1.0 + sum.abs()),
            "score terms do not add up: {s:?}"
        );
        match o.trigger {
            Trigger::ContactWaiting(id) if builtin => prop_assert_eq!(id, o.contact, "{:?}", o),
            Trigger::AgentAvailable(id) if builtin => prop_assert_eq!(id, o.agent, "{:?}", o),
            _ => {}
        }
        sh.contacts.get_mut(&o.contact).unwrap().state = if sh.auto_accept {
            ContactState::InService(o.agent)
        } else {
            ContactState::Offered(o.agent)
        };
        sh.agents.get_mut(&o.agent).unwrap().held.insert(o.contact);
    }
    Ok(())
}

/// Everything that must hold after every event.
/// `proposed`: how many proposals a user-defined policy made so far (`None`
/// for a built-in); `offered`: how many offers the router made so far.
fn check_state(
    r: &R,
    sh: &Shadow,
    proposed: Option<u64>,
    offered: u64,
) -> Result<(), TestCaseError> {
    let now = sh.now;
    let builtin = proposed.is_none();
    // Each contact in exactly one state, the same as in the shadow.
    let counts = r.counts();
    prop_assert_eq!(counts, sh.counts());
    prop_assert_eq!(
        counts.arrived,
        counts.waiting
            + counts.offered
            + counts.in_service
            + counts.wrap_up
            + counts.completed
            + counts.abandoned
            + counts.withdrawn
    );
    let listed: Vec<(ContactId, ContactState)> = r.contacts().collect();
    let ids: BTreeSet<ContactId> = listed.iter().map(|x| x.0).collect();
    prop_assert_eq!(ids.len(), listed.len(), "a contact is listed twice");
    let listed: BTreeMap<ContactId, ContactState> = listed.into_iter().collect();
    let expected: BTreeMap<ContactId, ContactState> =
        sh.contacts.iter().map(|(&id, c)| (id, c.state)).collect();
    prop_assert_eq!(&listed, &expected);
    for (&id, &state) in &expected {
        prop_assert_eq!(r.contact_state(id), Some(state));
    }
    for id in &sh.departed {
        if !sh.contacts.contains_key(id) {
            prop_assert_eq!(r.contact_state(*id), None);
        }
    }

    // Agents: state, load, capacity per channel and in total.
    let view = r.view();
    let known: Vec<AgentId> = r.agents().map(|(a, _)| a.id()).collect();
    prop_assert_eq!(known.len(), sh.agents.len());
    for (id, a) in &sh.agents {
        prop_assert_eq!(r.agent_state(*id), Some(sh.agent_state(a)), "agent {}", id);
        prop_assert_eq!(r.agent_load(*id), Some(a.held.len() as u16), "agent {}", id);
        // Work kept through a profile change may exceed the new capacities;
        // then no new work comes until the load is back under them.
        let kept: Vec<&ContactId> = a.kept.intersection(&a.held).collect();
        prop_assert!(
            a.held.len() as u16 <= a.profile.total_capacity().max(kept.len() as u16),
            "agent {id} over its total capacity"
        );
        let ar = view.agent(*id).unwrap();
        for ch in CHANNELS {
            let kept_on = kept
                .iter()
                .filter(|c| sh.contacts[**c].contact.channel() == ch)
                .count() as u16;
            prop_assert!(
                sh.used(a, ch) <= a.profile.capacity(ch).max(kept_on),
                "agent {id} over capacity on {ch}"
            );
            prop_assert_eq!(
                ar.free_capacity(ch),
                sh.free_for(a, ch),
                "agent {} {}",
                id,
                ch
            );
        }
    }
    prop_assert_eq!(r.agent_state(UNKNOWN_AGENT), None);
    // Never logged in, or forgotten.
    for id in (0..AGENTS).map(agent_id) {
        if !sh.agents.contains_key(&id) {
            prop_assert_eq!(r.agent_state(id), None, "agent {}", id);
            prop_assert!(view.agent(id).is_none(), "agent {}", id);
        }
    }

    // The view lists exactly the waiting contacts and the available agents.
    let waiting: BTreeSet<ContactId> = view.waiting().map(|c| c.id()).collect();
    prop_assert_eq!(view.waiting_len(), waiting.len());
    prop_assert_eq!(
        waiting,
        sh.ids_in(|s| s == ContactState::Waiting)
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    let available: BTreeSet<AgentId> = view.available_agents().map(|a| a.id()).collect();
    let expected_available: BTreeSet<AgentId> = sh
        .agents
        .iter()
        .filter(|(_, a)| sh.available(a))
        .map(|(&id, _)| id)
        .collect();
    prop_assert_eq!(available, expected_available);

    // Relaxation is up to date; the router's eligibility test agrees with the
    // shadow's rules on every waiting contact × known agent; and under a
    // built-in, non-idling holds: no such pair is eligible at all. (A policy
    // that proposes garbage may keep work and capacity apart; that is its own
    // business, not the router's.)
    for c in view.waiting() {
        let relax = expected_relax(r, c.contact(), now);
        prop_assert_eq!(
            c.relaxation(),
            relax,
            "{} waited {} s: relaxation is stale",
            c.id(),
            c.waited()
        );
        let sc = &sh.contacts[&c.id()];
        for &aid in sh.agents.keys() {
            let a = view.agent(aid).unwrap();
            let by_router = view.is_eligible(&c, &a);
            prop_assert_eq!(
                by_router,
                sh.eligible(sc, aid, relax),
                "router and shadow disagree on {} for {}",
                aid,
                c.id()
            );
            prop_assert!(
                !(builtin && by_router),
                "idling: {} waits beside eligible {}",
                c.id(),
                aid
            );
        }
        if builtin {
            for a in view.available_agents() {
                prop_assert!(
                    !view.is_eligible(&c, &a),
                    "idling: {} waits beside eligible available {}",
                    c.id(),
                    a.id()
                );
            }
        }
        // why_waiting: every logged-in agent under the first reason the
        // shadow's rules give, written out again here.
        let why = r.why_waiting(c.id()).unwrap();
        let mut want = [0u32; 6];
        for (&aid, a) in &sh.agents {
            if a.presence == Presence::LoggedOut {
                continue;
            }
            let ch = sc.contact.channel();
            let k = if a.profile.capacity(ch) == 0 {
                0
            } else if !Shadow::skilled(sc, a, relax) {
                1
            } else if a.presence == Presence::NotReady {
                2
            } else if sh.free_for(a, ch) == 0 {
                3
            } else if sh.cooling(sc, aid) {
                4
            } else {
                5
            };
            want[k] += 1;
        }
        let got = [
            why.other_channel,
            why.unskilled,
            why.not_ready,
            why.full,
            why.cooling,
            why.eligible,
        ];
        prop_assert_eq!(got, want, "why_waiting of {}: {}", c.id(), why);
        prop_assert_eq!(why.logged_in, want.iter().sum::<u32>());
        prop_assert_eq!(
            why.eligible > 0,
            sh.agents.keys().any(|&a| sh.eligible(sc, a, relax))
        );
        prop_assert_eq!(why.relaxation, relax);
        prop_assert_eq!(why.waited, c.waited());
        prop_assert!(why.next_change.is_none_or(|t| t > now), "{}", why);
    }
    // Contacts not waiting have no reasons to wait.
    for (&id, sc) in &sh.contacts {
        if sc.state != ContactState::Waiting {
            prop_assert!(
                matches!(
                    r.why_waiting(id),
                    Err(RouterError::WrongContactState {
                        event: "why_waiting",
                        ..
                    })
                ),
                "{} is {:?}",
                id,
                sc.state
            );
        }
    }
    prop_assert!(matches!(
        r.why_waiting(ContactId(u64::MAX)),
        Err(RouterError::UnknownContact(_))
    ));

    // next_wakeup: in the future, and no later than the next moment that time
    // alone widens a waiting contact's eligibility.
    let wake = r.next_wakeup();
    if let Some(w) = wake {
        prop_assert!(w > now, "next_wakeup {w} is not after now {now}");
    }
    for c in sh.contacts.values() {
        if c.state != ContactState::Waiting {
            continue;
        }
        let waited = now - c.contact.arrival();
        let mut due = Vec::new();
        if let Some(step) = r.policy().next_relaxation(&c.contact, waited) {
            due.push(c.contact.arrival() + step);
        }
        due.extend(
            c.cooldowns
                .iter()
                .map(|&(_, until)| until)
                .filter(|&u| u > now),
        );
        for t in due {
            prop_assert!(
                wake.is_some_and(|w| w <= t),
                "{} needs a wake-up at {t}, next_wakeup is {wake:?}",
                c.contact.id()
            );
        }
    }

    // Built-in policies only propose feasible pairs; a user-defined policy's
    // infeasible proposals are counted, and nothing else is.
    match proposed {
        None => prop_assert_eq!(
            r.rejected_proposals(),
            0,
            "a built-in proposed an infeasible pair"
        ),
        Some(n) => prop_assert_eq!(
            r.rejected_proposals(),
            n - offered,
            "rejected proposals are not proposals minus offers"
        ),
    }
    Ok(())
}

type Trace = Vec<(f64, Event, Result<(), RouterError>, Vec<Offer>)>;

fn build_router(
    factory: Factory,
    scenario: &Scenario,
    explain: bool,
) -> (R, Option<Arc<AtomicU64>>) {
    let subject = factory();
    let router = Router::builder(subject.policy)
        .decline_cooldown(scenario.cooldown)
        .auto_accept(scenario.auto_accept)
        .explain(explain)
        .build()
        .expect("valid configuration");
    (router, subject.proposed)
}

/// Runs the scenario under one policy, checking every event; returns the trace.
fn run(scenario: &Scenario, name: &str, factory: Factory) -> Result<Trace, TestCaseError> {
    let (mut router, proposed) = build_router(factory, scenario, true);
    let mut offered = 0u64;
    let mut shadow = Shadow::new(scenario.cooldown, scenario.auto_accept);
    let mut gen_ = Gen {
        scenario,
        next_id: 0,
    };
    let mut trace = Trace::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let (now, event) = gen_.event(step, &shadow, &router);
        let mut next = shadow.clone();
        let expected = next.apply(now, &event);
        // Only needed to show that a refused event changed nothing.
        let before = expected.is_err().then(|| snapshot(&router));
        let mut out = Vec::new();
        let got = router.handle(now, event.clone(), &mut out);
        let at = format!("{name}, step {i}: {event:?} at {now}");
        match (&expected, &got) {
            (Ok(()), Ok(())) => {
                check_offers(&router, &mut next, &event, &out, proposed.is_none())
                    .map_err(|e| TestCaseError::fail(format!("{at}: {e}")))?;
                shadow = next;
            }
            (Err(e), Err(g)) => {
                prop_assert!(same_error(e, g), "{at}: expected {e:?}, got {g:?}");
                prop_assert!(out.is_empty(), "{at}: offers after an error: {out:?}");
                prop_assert_eq!(
                    Some(snapshot(&router)),
                    before,
                    "{}: an error changed the state",
                    at
                );
            }
            _ => prop_assert!(false, "{at}: expected {expected:?}, got {got:?}"),
        }
        offered += out.len() as u64;
        check_state(
            &router,
            &shadow,
            proposed.as_ref().map(|p| p.load(Ordering::Relaxed)),
            offered,
        )
        .map_err(|e| TestCaseError::fail(format!("{at}: {e}")))?;
        // The router's own indexes (waiting groups, free-agent buckets)
        // agree with its records after every event, legal or not.
        router
            .check_consistency()
            .map_err(|e| TestCaseError::fail(format!("{at}: index: {e}")))?;
        trace.push((now, event, got, out));
    }
    Ok(trace)
}

/// Replays the concrete events into a fresh router: same offers, same errors.
/// Without explanations (`explain` false) the offers are the same pairs for
/// the same triggers, each with an all-zero score.
fn replay(
    scenario: &Scenario,
    name: &str,
    factory: Factory,
    trace: &Trace,
    explain: bool,
) -> Result<(), TestCaseError> {
    let (mut router, _) = build_router(factory, scenario, explain);
    for (i, (now, event, result, offers)) in trace.iter().enumerate() {
        let mut out = Vec::new();
        let got = router.handle(*now, event.clone(), &mut out);
        prop_assert!(
            same_result(&got, result),
            "{} replay, step {}: {:?}: {:?} then {:?}",
            name,
            i,
            event,
            result,
            got
        );
        let expected: Vec<Offer> = if explain {
            offers.clone()
        } else {
            offers
                .iter()
                .map(|o| Offer {
                    score: ScoreBreakdown::default(),
                    ..*o
                })
                .collect()
        };
        prop_assert_eq!(
            &out,
            &expected,
            "{} replay (explain {}), step {}: {:?}",
            name,
            explain,
            i,
            event
        );
    }
    Ok(())
}

/// Replays the first `k` events, takes a snapshot, passes it through JSON
/// and restores it into a new router with a policy of its own, built anew
/// by `factory` as a standby in another process would build it (not handed
/// the first one's policy, with its learning and its random stream in
/// memory), then replays the rest there: the state as the snapshot shows
/// it and every offer and error after it must be those of the
/// uninterrupted run.
fn replay_restored(
    scenario: &Scenario,
    name: &str,
    factory: Factory,
    trace: &Trace,
    k: usize,
) -> Result<(), TestCaseError> {
    let (mut first, _) = build_router(factory, scenario, true);
    let mut out = Vec::new();
    for (now, event, _, _) in &trace[..k] {
        let _ = first.handle(*now, event.clone(), &mut out);
    }
    let snap = first.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: RouterSnapshot = serde_json::from_str(&json).unwrap();
    prop_assert_eq!(&back, &snap, "{}: JSON round trip", name);
    let (wakeup, relaxed) = (first.next_wakeup(), relaxations(&first));
    let (mut r, _) = build_router(factory, scenario, true);
    r.restore(&back)
        .map_err(|e| TestCaseError::fail(format!("{name}: restore at step {k}: {e}")))?;
    prop_assert_eq!(&r.snapshot(), &snap, "{}: restored at step {}", name, k);
    prop_assert_eq!(r.next_wakeup(), wakeup, "{}: restored at step {}", name, k);
    prop_assert_eq!(relaxations(&r), relaxed, "{}: restored at step {}", name, k);
    r.check_consistency()
        .map_err(|e| TestCaseError::fail(format!("{name}: restored at step {k}: {e}")))?;
    for (i, (now, event, result, offers)) in trace.iter().enumerate().skip(k) {
        let mut out = Vec::new();
        let got = r.handle(*now, event.clone(), &mut out);
        prop_assert!(
            same_result(&got, result),
            "{} restored at step {}, step {}: {:?}: {:?} then {:?}",
            name,
            k,
            i,
            event,
            result,
            got
        );
        prop_assert_eq!(
            &out,
            offers,
            "{} restored at step {}, step {}: {:?}",
            name,
            k,
            i,
            event
        );
    }
    Ok(())
}

/// Whether a replayed event's result is the recorded one: both accepted, or
/// the exact same error, including the event name.
fn same_result(got: &Result<(), RouterError>, recorded: &Result<(), RouterError>) -> bool {
    match (got, recorded) {
        (Ok(()), Ok(())) => true,
        (Err(g), Err(e)) => same_error(e, g) && g.to_string() == e.to_string(),
        _ => false,
    }
}

/// Each waiting contact's relaxation, by id.
fn relaxations(r: &R) -> BTreeMap<ContactId, u8> {
    r.view()
        .waiting()
        .map(|c| (c.id(), c.relaxation()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn router_matches_shadow_model_under_every_policy(s in scenario()) {
        for (i, (name, factory)) in POLICIES.into_iter().enumerate() {
            let trace = run(&s, name, factory)?;
            replay(&s, name, factory, &trace, true)?;
            replay(&s, name, factory, &trace, false)?;
            for k in [trace.len() / 3, 2 * trace.len() / 3] {
                replay_restored(&s, name, factory, &trace, k)?;
            }
            if let Some(&(queued, queued_first)) = QUEUED_FIRST.get(i) {
                prop_assert!(factory().policy.arrival_reads_agents_only(), "{}", name);
                prop_assert!(!queued_first().policy.arrival_reads_agents_only());
                replay(&s, queued, queued_first, &trace, true)?;
            }
        }
    }
}

/// A completion names its contact before it reports an outcome: an unknown
/// contact (or one not in service) is that, whatever the satisfaction; only
/// a contact in service is refused for a satisfaction out of range, and the
/// refusal changes nothing.
#[test]
fn a_completion_checks_its_contact_before_its_outcome() {
    let nan = Outcome {
        resolved: Some(true),
        satisfaction: Some(f64::NAN),
    };
    let mut r: Router = Router::new(Box::new(LongestIdleAgent));
    let mut out = Vec::new();
    let a = Agent::builder(AgentId(1))
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap();
    r.handle(0.0, Event::AgentLogin { agent: a }, &mut out)
        .unwrap();
    r.handle(0.0, Event::AgentReady { agent: AgentId(1) }, &mut out)
        .unwrap();
    for c in 1..=2 {
        let contact = Contact::builder(ContactId(c), ChannelId::VOICE, 0.0)
            .build()
            .unwrap();
        r.handle(1.0, Event::ContactArrived { contact }, &mut out)
            .unwrap();
    }
    r.handle(
        1.0,
        Event::OfferAccepted {
            contact: ContactId(1),
            agent: AgentId(1),
        },
        &mut out,
    )
    .unwrap();
    let events = |c: u64| {
        [
            Event::WorkCompleted {
                contact: ContactId(c),
                outcome: nan,
            },
            Event::WorkCompletedNoWrapUp {
                contact: ContactId(c),
                outcome: nan,
            },
        ]
    };
    for e in events(9) {
        let err = r.handle(2.0, e, &mut out).unwrap_err();
        assert_eq!(err, RouterError::UnknownContact(ContactId(9)));
    }
    for e in events(2) {
        let err = r.handle(2.0, e, &mut out).unwrap_err();
        assert!(
            matches!(
                err,
                RouterError::WrongContactState {
                    contact: ContactId(2),
                    state: ContactState::Waiting,
                    ..
                }
            ),
            "{err}"
        );
    }
    for e in events(1) {
        let err = r.handle(2.0, e, &mut out).unwrap_err();
        assert!(
            matches!(err, RouterError::BadSatisfaction { contact: ContactId(1), satisfaction } if satisfaction.is_nan()),
            "{err}"
        );
        assert_eq!(
            r.contact_state(ContactId(1)),
            Some(ContactState::InService(AgentId(1)))
        );
    }
}

/// Model errors name an agent once: its id prints as `agent#1` already.
#[test]
fn capacity_errors_name_the_agent_once() {
    let none = Agent::builder(AgentId(1)).build().unwrap_err();
    assert_eq!(
        none.to_string(),
        "agent#1 has no channel with a capacity of at least 1"
    );
    let zero = Agent::builder(AgentId(1))
        .channel(ChannelId::VOICE, 1)
        .total_capacity(0)
        .build()
        .unwrap_err();
    assert_eq!(zero.to_string(), "agent#1 has a total capacity of 0");
    assert_eq!(
        RouterError::from(zero).to_string(),
        "invalid model: agent#1 has a total capacity of 0"
    );
}

/// Times beyond ±`TIME_LIMIT` (1e12 s), where `f64` loses the sub-millisecond
/// steps that waits and relaxation need, are refused with their own error, in
/// an event, a contact's arrival and a snapshot; the router is unchanged.
#[test]
fn times_beyond_the_limit_are_refused() {
    use skillroute::{Agent, AgentId, ChannelId, Contact, ContactId, LongestIdleAgent, SkillId};
    let mut router = Router::new(LongestIdleAgent);
    let mut out = Vec::new();
    let agent = Agent::builder(AgentId(1))
        .skill(SkillId(0), 5)
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap();
    router
        .handle(0.0, Event::AgentLogin { agent }, &mut out)
        .unwrap();
    let before = router.snapshot();
    for t in [1.5e12, -1.5e12, 1e300] {
        assert_eq!(
            router.handle(t, Event::Tick, &mut out),
            Err(RouterError::TimeOutOfRange(t))
        );
        assert!(
            Contact::builder(ContactId(9), ChannelId::VOICE, t)
                .build()
                .is_err()
        );
    }
    assert_eq!(
        router.handle(f64::INFINITY, Event::Tick, &mut out),
        Err(RouterError::NonFiniteTime(f64::INFINITY))
    );
    assert_eq!(router.snapshot(), before);
    assert!(out.is_empty());
    // At the limit itself: accepted, and an arrival at −1e12 gives a finite wait.
    let contact = Contact::builder(ContactId(9), ChannelId::VOICE, -1e12)
        .requires(SkillId(0), 9)
        .build()
        .unwrap();
    router
        .handle(1e12, Event::ContactArrived { contact }, &mut out)
        .unwrap();
    assert_eq!(router.now(), 1e12);
    // A snapshot carrying a time beyond it is refused.
    let mut far = router.snapshot();
    far.time = Some(2e12);
    assert!(matches!(
        Router::new(LongestIdleAgent).restore(&far),
        Err(RouterError::InvalidSnapshot { .. })
    ));
}

/// A snapshot in which one agent holds more contacts than any total
/// capacity (a u16) allows is refused: no router can be in that state, and
/// restored, the agent's load saturated at 65,535 while it held more, so
/// that completing 65,535 of them would leave it at load 0 with work in
/// hand (check_consistency did not see it).
#[test]
fn a_snapshot_holding_more_than_any_capacity_is_refused() {
    let mut router = Router::new(LongestIdleAgent);
    let mut out = Vec::new();
    let agent = Agent::builder(AgentId(1))
        .channel(ChannelId::CHAT, u16::MAX)
        .build()
        .unwrap();
    router
        .handle(0.0, Event::AgentLogin { agent }, &mut out)
        .unwrap();
    router
        .handle(0.0, Event::AgentReady { agent: AgentId(1) }, &mut out)
        .unwrap();
    let contact = Contact::builder(ContactId(0), ChannelId::CHAT, 0.0)
        .build()
        .unwrap();
    router
        .handle(0.0, Event::ContactArrived { contact }, &mut out)
        .unwrap();
    router
        .handle(
            0.0,
            Event::OfferAccepted {
                contact: ContactId(0),
                agent: AgentId(1),
            },
            &mut out,
        )
        .unwrap();
    let one = router.snapshot();
    assert_eq!(one.contacts[0].state, ContactState::InService(AgentId(1)));
    // The same agent holding u16::MAX chats is a state a router can be in;
    // one more is not.
    let holding = |n: u64| {
        let mut s = one.clone();
        s.contacts = (0..n)
            .map(|i| {
                let mut c = one.contacts[0].clone();
                c.contact = Contact::builder(ContactId(i), ChannelId::CHAT, 0.0)
                    .build()
                    .unwrap();
                c
            })
            .collect();
        s.counts.arrived = n;
        s.counts.in_service = n;
        s
    };
    let mut restored = Router::new(LongestIdleAgent);
    restored.restore(&holding(u64::from(u16::MAX))).unwrap();
    assert_eq!(restored.agent_load(AgentId(1)), Some(u16::MAX));
    let before = restored.snapshot();
    let err = restored
        .restore(&holding(u64::from(u16::MAX) + 1))
        .unwrap_err();
    assert!(
        matches!(&err, RouterError::InvalidSnapshot { what } if what.contains("65535")),
        "{err}"
    );
    assert_eq!(restored.snapshot(), before);
}

/// `next_wakeup` is always a time the router accepts: a cool-down or a
/// relaxation step that ends beyond `TIME_LIMIT` (a decline cool-down of
/// 1e300 s, "never offer it to that agent again"; a step of u32::MAX s for
/// a contact near the limit) is not announced, since a `Tick` then is
/// refused; the cool-down still holds. (It was announced, at 1e300 and at
/// 1.003e12, and the `Tick` the docs ask for failed with TimeOutOfRange.)
#[test]
fn wake_ups_beyond_the_time_limit_are_not_announced() {
    use skillroute::policy::RelaxStep;
    let mut out = Vec::new();
    let voice = |id: u32, level: u8| {
        Agent::builder(AgentId(id))
            .skill(SkillId(1), level)
            .channel(ChannelId::VOICE, 1)
            .build()
            .unwrap()
    };
    let mut router = Router::builder(LongestIdleAgent)
        .decline_cooldown(1e300)
        .build()
        .unwrap();
    router
        .handle(0.0, Event::AgentLogin { agent: voice(1, 5) }, &mut out)
        .unwrap();
    router
        .handle(0.0, Event::AgentReady { agent: AgentId(1) }, &mut out)
        .unwrap();
    let contact = Contact::builder(ContactId(1), ChannelId::VOICE, 0.0)
        .build()
        .unwrap();
    router
        .handle(0.0, Event::ContactArrived { contact }, &mut out)
        .unwrap();
    let declined = Event::OfferDeclined {
        contact: ContactId(1),
        agent: AgentId(1),
    };
    router.handle(1.0, declined, &mut out).unwrap();
    assert_eq!(router.next_wakeup(), None);
    let why = router.why_waiting(ContactId(1)).unwrap();
    assert_eq!((why.cooling, why.next_change), (1, None));
    out.clear();
    router.handle(1e12, Event::Tick, &mut out).unwrap();
    assert!(out.is_empty());
    assert_eq!(
        router.contact_state(ContactId(1)),
        Some(ContactState::Waiting)
    );
    assert_eq!(router.check_consistency(), Ok(()));

    let steps = vec![RelaxStep {
        after: u32::MAX,
        relax: 1,
    }];
    let mut router = Router::new(SkillExpansion::new(steps).unwrap());
    let t0 = 9.99e11;
    router
        .handle(t0, Event::AgentLogin { agent: voice(1, 3) }, &mut out)
        .unwrap();
    router
        .handle(t0, Event::AgentReady { agent: AgentId(1) }, &mut out)
        .unwrap();
    let contact = Contact::builder(ContactId(1), ChannelId::VOICE, t0)
        .requires(SkillId(1), 4)
        .build()
        .unwrap();
    router
        .handle(t0, Event::ContactArrived { contact }, &mut out)
        .unwrap();
    assert_eq!(router.next_wakeup(), None);
    // A step within the limit is still announced, and ticking then works.
    let contact = Contact::builder(ContactId(2), ChannelId::VOICE, t0 - 4e9)
        .requires(SkillId(1), 4)
        .build()
        .unwrap();
    router
        .handle(t0, Event::ContactArrived { contact }, &mut out)
        .unwrap();
    let at = router.next_wakeup().unwrap();
    assert_eq!(at, t0 - 4e9 + f64::from(u32::MAX));
    out.clear();
    router.handle(at, Event::Tick, &mut out).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].contact, ContactId(2));
}

/// Errors print huge and tiny numbers in exponent form: a contact arriving
/// at -1e300 (from a replayed log line), a policy or router parameter of
/// -1e300, a confidence of 1e308 printed some 300 digits.
#[test]
fn error_numbers_read_short() {
    let short = |e: String, number: &str| {
        assert!(e.contains(number) && !e.contains("00000"), "{e}");
    };
    let e = Contact::builder(ContactId(7), ChannelId::VOICE, -1e300)
        .build()
        .unwrap_err();
    short(e.to_string(), "-1e300");
    let aging = PriorityAging {
        aging_per_second: -1e300,
        ..PriorityAging::default()
    };
    short(aging.validate().unwrap_err().to_string(), "-1e300");
    let config = skillroute::RouterConfig {
        decline_cooldown: -1e300,
        ..Default::default()
    };
    short(config.validate().unwrap_err().to_string(), "-1e300");
    short(
        skillroute::sim::ReportError::Confidence(1e308).to_string(),
        "1e308",
    );
}

/// A voice contact left waiting when voice was taken from its only agent
/// can still change where it is (a priority raised by a supervisor: it
/// was refused with `ChannelNotServed`, although the contact waits on
/// voice either way); a move to the chat channel nobody serves is refused,
/// and leaves it as it was. Once voice is served again, the raised
/// priority is what it is offered with.
#[test]
fn a_contact_on_a_channel_no_longer_served_can_still_change() {
    let mut r: Router = Router::new(Box::new(PriorityAging::default()));
    let mut out = Vec::new();
    let profile = |voice: bool| {
        let b = Agent::builder(AgentId(1)).channel(ChannelId::EMAIL, 1);
        if voice {
            b.channel(ChannelId::VOICE, 1)
        } else {
            b
        }
        .build()
        .unwrap()
    };
    let contact = |channel, priority| {
        Contact::builder(ContactId(7), channel, 1.0)
            .priority(priority)
            .build()
            .unwrap()
    };
    r.handle(
        0.0,
        Event::AgentLogin {
            agent: profile(true),
        },
        &mut out,
    )
    .unwrap();
    let arrived = Event::ContactArrived {
        contact: contact(ChannelId::VOICE, 0),
    };
    r.handle(1.0, arrived, &mut out).unwrap();
    r.handle(
        2.0,
        Event::AgentUpdated {
            agent: profile(false),
        },
        &mut out,
    )
    .unwrap();
    let raised = contact(ChannelId::VOICE, 5);
    let update = |contact: Contact| Event::ContactUpdated { contact };
    r.handle(3.0, update(raised.clone()), &mut out)
        .unwrap_or_else(|e| panic!("a priority change on its own channel: {e}"));
    assert_eq!(
        r.view().waiting_contact(ContactId(7)).unwrap().priority(),
        5
    );
    let err = r
        .handle(4.0, update(contact(ChannelId::CHAT, 9)), &mut out)
        .unwrap_err();
    assert_eq!(
        err,
        RouterError::ChannelNotServed {
            contact: ContactId(7),
            channel: ChannelId::CHAT
        }
    );
    let waiting = r.view().waiting_contact(ContactId(7)).unwrap();
    assert_eq!(
        (waiting.channel(), waiting.priority()),
        (ChannelId::VOICE, 5)
    );
    r.handle(
        5.0,
        Event::AgentUpdated {
            agent: profile(true),
        },
        &mut out,
    )
    .unwrap();
    r.handle(5.0, Event::AgentReady { agent: AgentId(1) }, &mut out)
        .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].contact, out[0].agent), (ContactId(7), AgentId(1)));
    r.check_consistency().unwrap();
}
