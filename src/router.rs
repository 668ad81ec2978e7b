//! The [`Router`]: what an ACD embeds.
//!
//! The caller feeds events with the time they happened; the router answers with
//! offers (contact → agent, with the score breakdown and what triggered them).
//! No threads, no I/O, no clock of its own: the same events give the same offers.
//!
//! Illegal input (an unknown id, an offer answered twice, time going backwards…)
//! returns a [`RouterError`] and leaves the state exactly as it was.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{
    Agent, AgentId, AgentState, ChannelId, Contact, ContactId, ContactState, ModelError, Outcome,
    Presence, in_time_range,
};
use crate::policy::{InFlightProposal, PolicyError, Proposal, RoutingPolicy, Trigger};
use crate::score::{FitModel, NeutralFit, ScoreBreakdown, ScoreError, ScoreWeights};
pub use crate::state::Counts;
use crate::state::{AgentRec, Held, IdMap, RouterView, ScoreMemo, State, Vouched, waited_at};

/// Something that happened in the contact center, fed to [`Router::handle`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Event {
    /// An agent logged in (not ready yet) with this profile; a known agent that
    /// is logged out may log in with a changed profile (a logged-in one
    /// changes by [`Event::AgentUpdated`]).
    AgentLogin {
        /// The agent's profile.
        agent: Agent,
    },
    /// An agent logged out; it must hold no contact.
    AgentLogout {
        /// The agent.
        agent: AgentId,
    },
    /// Forget a logged-out agent for good: staff who left, or an id given
    /// for one shift (a temporary or virtual agent). A logged-out agent is
    /// otherwise kept, with its profile and idle time, for its next login,
    /// so an ACD that gives new ids as staff come and go sends this once an
    /// agent will not come back: the router's memory and its
    /// [`snapshot`](Router::snapshot) then follow the agents it knows now,
    /// not every id it ever saw.
    ///
    /// Refused for an agent the router does not know
    /// ([`RouterError::UnknownAgent`]) or one still logged in
    /// ([`RouterError::StillLoggedIn`]: send [`Event::AgentLogout`] first,
    /// which an agent holding work cannot do).
    ///
    /// Forgotten with it: its profile and idle time, the cool-downs its
    /// declines and time-outs left on waiting contacts (a wake-up kept only
    /// for one of them goes too), its share in the channels served (a
    /// channel it alone served is served by nobody, and refuses arrivals
    /// until an agent who serves it logs in: see
    /// [`RouterError::ChannelNotServed`]; a logged-out agent still counts
    /// as serving, so with an id per shift, remove the night's agents once
    /// the morning's have logged in, not before), and what the policy kept of it
    /// ([`RoutingPolicy::agent_removed`]: [`LearnedFit`](crate::LearnedFit)
    /// drops its own arm, not its pool's). The counts and the contacts
    /// stay as they are. The id is then unknown, as if it had never logged
    /// in: events naming it are refused ([`RouterError::UnknownAgent`]),
    /// [`Router::agent_state`] is `None`, and a later login with it is a
    /// new agent's (idle from that login, nothing carried over). The agents
    /// that logged in after it move down one [`index`](crate::AgentRef::index).
    /// O(agents + contacts in the system).
    AgentRemoved {
        /// The agent.
        agent: AgentId,
    },
    /// A logged-in agent is ready for work.
    AgentReady {
        /// The agent.
        agent: AgentId,
    },
    /// A logged-in agent takes no new work (it keeps what it holds).
    AgentNotReady {
        /// The agent.
        agent: AgentId,
    },
    /// A logged-in agent's profile changed without a new login: a supervisor
    /// gave or took a skill, changed a level, a channel's capacity or the
    /// agent's attributes. `agent` carries the same id and replaces the
    /// profile whole; presence, held work and idle time stay. The agent keeps
    /// what it holds even where the new profile would not give it (a skill
    /// taken away, a capacity lowered below its load: it takes no new work
    /// there until its load is under the new capacity), and is offered work
    /// at once if the change makes it eligible. A channel on which it holds
    /// work cannot be taken away ([`RouterError::ChannelInUse`]): send the
    /// change when that work ends. A channel taken away from its last agent
    /// is served by nobody: contacts already waiting on it stay (see
    /// [`Router::why_waiting`]), new ones are refused
    /// ([`RouterError::ChannelNotServed`]). Policies see a new
    /// [`login`](crate::AgentRef::login) key, as after a login.
    AgentUpdated {
        /// The agent, as it is now.
        agent: Agent,
    },
    /// A contact arrived (or was escalated from self-service, keeping its arrival time).
    ContactArrived {
        /// The contact.
        contact: Contact,
    },
    /// The agent accepted the offered contact; service starts.
    OfferAccepted {
        /// The contact.
        contact: ContactId,
        /// The agent it was offered to.
        agent: AgentId,
    },
    /// The agent declined the offer; the contact is routed again, not to this
    /// agent during the cool-down.
    OfferDeclined {
        /// The contact.
        contact: ContactId,
        /// The agent it was offered to.
        agent: AgentId,
    },
    /// The agent did not answer in time; handled like a decline. The agent
    /// stays ready and may be offered the next contact at once, in the same
    /// call; an embedding system that makes an agent who did not answer
    /// not ready (RONA) sends [`Event::AgentNotReady`] first.
    OfferTimedOut {
        /// The contact.
        contact: ContactId,
        /// The agent it was offered to.
        agent: AgentId,
    },
    /// The customer left while waiting or while the offer rang.
    ContactAbandoned {
        /// The contact.
        contact: ContactId,
    },
    /// A waiting contact's routing data changed: the IVR or a supervisor
    /// raised its priority or tier, or it was transferred to another queue
    /// (new requirements, even another channel). `contact` carries the same
    /// id and replaces the waiting one whole. Its arrival time is the new
    /// one's: keep the old to keep its place and its wait, or give the
    /// transfer time to start afresh. Its relaxation is worked out again
    /// from its wait; the cool-downs of agents who declined it still run.
    /// The arrival is the caller's to give, not checked against the old
    /// one: an earlier arrival moves the contact ahead of those that came
    /// in between. Only a waiting contact can change (an offered one is
    /// answered or declined first). A move to a channel that no agent
    /// serves is refused ([`RouterError::ChannelNotServed`]), as such an
    /// arrival is; a change that keeps the contact on its channel is
    /// accepted even when that channel has been taken away from its last
    /// agent since it arrived (it waits there either way; see
    /// [`Event::AgentUpdated`]).
    ContactUpdated {
        /// The contact, as it is now.
        contact: Contact,
    },
    /// The ACD took a waiting or ringing contact out of the router unserved
    /// and not abandoned: moved to a callback, to voicemail or to another
    /// site. Counted in [`Counts::withdrawn`]; an agent it rang is free
    /// again.
    ContactWithdrawn {
        /// The contact.
        contact: ContactId,
    },
    /// Service ended; the agent starts after-contact work (wrap-up). If there
    /// is none, send [`Event::WorkCompletedNoWrapUp`] instead (or this, then
    /// [`Event::WrapUpDone`] at once).
    ///
    /// Wrap-up keeps the contact's slot, on its channel and in the agent's
    /// total capacity, until [`Event::WrapUpDone`], and blocks nothing else:
    /// capacity is counted per slot, so an agent with room elsewhere is
    /// offered work there at once (with voice 1 and chat 3, the default
    /// total of 3, a chat during a call's wrap-up). This is the capacity
    /// model's rule, not an omission. For agents who take nothing while
    /// wrapping up, give them a total capacity of 1
    /// ([`AgentBuilder::total_capacity`](crate::model::AgentBuilder::total_capacity)),
    /// or send [`Event::AgentNotReady`] with this event and
    /// [`Event::AgentReady`] after [`Event::WrapUpDone`].
    WorkCompleted {
        /// The contact.
        contact: ContactId,
        /// What came of it, for learning policies.
        outcome: Outcome,
    },
    /// Wrap-up ended; the agent's slot is free again (see
    /// [`Event::WorkCompleted`] for what wrap-up blocks).
    WrapUpDone {
        /// The contact.
        contact: ContactId,
    },
    /// Service ended and there is no wrap-up: [`Event::WorkCompleted`] and
    /// [`Event::WrapUpDone`] at once, in one call (the contact leaves, the
    /// agent's slot is free again).
    WorkCompletedNoWrapUp {
        /// The contact.
        contact: ContactId,
        /// What came of it, for learning policies.
        outcome: Outcome,
    },
    /// Nothing happened but time passed: lets the router act on what time alone
    /// changes (see [`Router::next_wakeup`]).
    Tick,
    /// Re-plan every waiting contact against every free slot (after an outage,
    /// at the start of a shift, or on a batching policy's schedule).
    Rebalance,
}

/// A decision: offer `contact` to `agent`, with the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// The contact to offer.
    pub contact: ContactId,
    /// The agent to offer it to.
    pub agent: AgentId,
    /// The pair's score, term by term, at the time of the decision, with
    /// the router's weights and fit model (or the policy's own terms where
    /// it brings them: [`RoutingPolicy::explain`]); all zeros when
    /// [`RouterConfig::explain`] is off. Several offers from one decision
    /// (a re-plan, or any policy proposing more than one pair at once) are
    /// each scored on the state that decision was made on, before any of
    /// them was applied: a re-plan's offers add up to the total it
    /// maximised, though one agent got several of them.
    ///
    /// It is the reason for the choice only under a policy that chooses by
    /// it. [`OptimalAssignment`](crate::OptimalAssignment) and
    /// [`LearnedFit`](crate::LearnedFit) (with its learned fit in the
    /// breakdown) offer an arriving contact the eligible agent of the best
    /// score, and a freed agent the waiting contact of the best score; in a
    /// re-plan they maximise the plan's total (in
    /// [`Mode::NonIdling`](crate::assign::Mode::NonIdling), among the plans
    /// with the most offers), so one pair may score below another the plan
    /// gave elsewhere. The other built-ins choose by their own rule and
    /// carry the score for information only, as the pair would weigh under
    /// the optimal assignment: [`LongestIdleAgent`](crate::LongestIdleAgent)
    /// the longest-idle agent and the longest-waiting contact,
    /// [`PriorityAging`](crate::PriorityAging) the longest-idle agent and
    /// the most urgent contact after aging, [`SkillExpansion`](crate::SkillExpansion)
    /// the most skilled agent (by skill match, unweighted) and the
    /// longest-waiting contact, [`CMu`](crate::CMu) the fastest agent and the
    /// contact of the largest cost × wait × speed. Under those, another
    /// agent may score higher than the one chosen; the trigger and the
    /// policy's rule say why it was chosen.
    pub score: ScoreBreakdown,
    /// What caused the decision.
    pub trigger: Trigger,
}

/// Why the router refused an event or a configuration. The state is unchanged.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RouterError {
    /// The time is NaN or infinite.
    #[error("time {0} is not finite")]
    NonFiniteTime(f64),
    /// The time is finite but beyond ±[`TIME_LIMIT`](crate::TIME_LIMIT)
    /// (1e12 s), where `f64` can no longer keep waits and steps exact.
    #[error("time {} is beyond ±1e12 s (TIME_LIMIT, about 31,700 years)", num(*.0))]
    TimeOutOfRange(f64),
    /// The time is earlier than the last event's.
    #[error("time went backwards: {} is before the last event at {}", num(*.now), num(*.last))]
    TimeWentBackwards {
        /// The time given.
        now: f64,
        /// The time of the last event.
        last: f64,
    },
    /// The agent is not known (never logged in, or forgotten since:
    /// [`Event::AgentRemoved`]).
    #[error("unknown {0}")]
    UnknownAgent(AgentId),
    /// The contact is not in the system (never arrived, or already left:
    /// completed, abandoned or withdrawn).
    #[error("unknown {0} (never arrived, or already left: completed, abandoned or withdrawn)")]
    UnknownContact(ContactId),
    /// A contact with this id is already in the system.
    #[error("{0} is already in the system")]
    DuplicateContact(ContactId),
    /// The contact arrived later than now.
    #[error("{contact} has arrival time {}, after now ({})", num(*.arrival), num(*.now))]
    ArrivalInFuture {
        /// The contact.
        contact: ContactId,
        /// Its arrival time.
        arrival: f64,
        /// The event's time.
        now: f64,
    },
    /// No agent known to the router (logged in now or before) has capacity
    /// on the contact's channel, in its latest profile: refused for an
    /// arrival, and for an [`Event::ContactUpdated`] that moves a contact to
    /// that channel (not for one that keeps it there). A contact whose
    /// channel's agents are all logged out is accepted and waits for one to
    /// log in again.
    #[error("{contact}: no agent serves {channel}")]
    ChannelNotServed {
        /// The contact.
        contact: ContactId,
        /// Its channel.
        channel: ChannelId,
    },
    /// The agent is logged in already.
    #[error("{0} is already logged in")]
    AlreadyLoggedIn(AgentId),
    /// The agent is not logged in.
    #[error("{0} is not logged in")]
    NotLoggedIn(AgentId),
    /// [`Event::AgentRemoved`] names an agent that is logged in: it logs
    /// out first.
    #[error("{0} is still logged in: log it out before removing it")]
    StillLoggedIn(AgentId),
    /// The agent still holds contacts.
    #[error("{agent} still holds {held} contact(s)")]
    AgentHoldsWork {
        /// The agent.
        agent: AgentId,
        /// How many contacts it holds.
        held: u16,
    },
    /// A [`RouterSnapshot`] does not describe a state a router can be in;
    /// `what` names the entry and the rule it breaks.
    #[error("snapshot: {what}")]
    InvalidSnapshot {
        /// The offending entry and why.
        what: String,
    },
    /// An [`Event::AgentUpdated`] profile drops a channel on which the agent
    /// holds work.
    #[error("{agent} holds {held} contact(s) on {channel}, which its new profile drops")]
    ChannelInUse {
        /// The agent.
        agent: AgentId,
        /// The channel the new profile has no capacity for.
        channel: ChannelId,
        /// How many contacts the agent holds on it.
        held: u16,
    },
    /// The event does not fit the contact's state (e.g. an offer accepted twice).
    #[error("{contact} is {state}; {event} does not apply")]
    WrongContactState {
        /// The contact.
        contact: ContactId,
        /// Its state.
        state: ContactState,
        /// The event's name.
        event: &'static str,
    },
    /// The offer was made to another agent.
    #[error("{contact} was offered to {offered_to}, not {agent}")]
    WrongAgent {
        /// The contact.
        contact: ContactId,
        /// The agent it was offered to.
        offered_to: AgentId,
        /// The agent named in the event.
        agent: AgentId,
    },
    /// An outcome's satisfaction score is outside `0.0..=1.0` (or NaN).
    #[error("{contact}: satisfaction {satisfaction} is not in 0..=1")]
    BadSatisfaction {
        /// The contact.
        contact: ContactId,
        /// The score given.
        satisfaction: f64,
    },
    /// Invalid score weights or fit configuration.
    #[error("invalid scoring configuration: {0}")]
    Score(#[from] ScoreError),
    /// Invalid policy settings ([`RoutingPolicy::validate`]).
    #[error("invalid policy settings: {0}")]
    Policy(#[from] PolicyError),
    /// Invalid router configuration.
    #[error("router parameter `{field}` must be finite and >= 0, got {}", num(*.value))]
    BadParameter {
        /// The parameter.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// An invalid agent or contact, naming it. Boxed: a [`ModelError`]
    /// names the agent or contact and the field, which would make every
    /// `Result` of [`Router::handle`] larger, and `handle` never returns
    /// it.
    #[error("invalid model: {0}")]
    Model(#[source] Box<ModelError>),
}

impl From<ModelError> for RouterError {
    fn from(e: ModelError) -> RouterError {
        RouterError::Model(Box::new(e))
    }
}

/// Why a contact is still waiting ([`Router::why_waiting`]): the agents
/// logged in, each counted under the first of these that keeps it from the
/// contact, in this order: it does not take the contact's channel; it lacks
/// a required skill at the level the contact needs after its current
/// relaxation; it is not ready; it has no free slot for the channel (busy,
/// or at its total capacity); it declined or let time out an offer of this
/// contact and its cool-down runs. The rest are eligible now: under a
/// built-in policy there are none after any event (they are non-idling),
/// unless decisions wait for a batch window or a re-plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WaitingReasons {
    /// The contact.
    pub contact: ContactId,
    /// Seconds since it arrived, read as [`ContactRef::waited`](crate::ContactRef::waited) reads them.
    pub waited: f64,
    /// Levels by which its requirements are relaxed now (0: none).
    pub relaxation: u8,
    /// When the router looks at it again of its own accord: its next
    /// relaxation step or the end of a cool-down ([`Router::next_wakeup`]);
    /// `None` if only an event can change its lot.
    pub next_change: Option<f64>,
    /// Agents logged in.
    pub logged_in: u32,
    /// Of those, agents who do not take its channel.
    pub other_channel: u32,
    /// Agents who take its channel but lack a skill it needs (at its
    /// current relaxation).
    pub unskilled: u32,
    /// Skilled agents who are not ready.
    pub not_ready: u32,
    /// Skilled, ready agents with no free slot for its channel.
    pub full: u32,
    /// Skilled agents with a free slot, cooling down after declining it or
    /// letting its offer time out.
    pub cooling: u32,
    /// Agents it could be offered to now.
    pub eligible: u32,
}

impl std::fmt::Display for WaitingReasons {
    /// `contact#7 has waited 42 s: of 12 agents logged in, 2 do not take
    /// its channel, 3 lack its skills, 1 is not ready, 5 are at capacity, 1
    /// is cooling down after missing it, none is free for it.`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} has waited {:.0} s", self.contact, self.waited)?;
        if self.relaxation > 0 {
            write!(f, " (requirements relaxed by {})", self.relaxation)?;
        }
        if self.logged_in == 0 {
            write!(f, ": no agent is logged in")?;
        } else {
            let s = if self.logged_in == 1 { "" } else { "s" };
            write!(f, ": of {} agent{s} logged in", self.logged_in)?;
            for (n, one, many) in [
                (
                    self.other_channel,
                    "does not take its channel",
                    "do not take its channel",
                ),
                (self.unskilled, "lacks its skills", "lack its skills"),
                (self.not_ready, "is not ready", "are not ready"),
                (self.full, "is at capacity", "are at capacity"),
                (
                    self.cooling,
                    "is cooling down after missing it",
                    "are cooling down after missing it",
                ),
            ] {
                if n > 0 {
                    write!(f, ", {n} {}", if n == 1 { one } else { many })?;
                }
            }
            match self.eligible {
                0 => write!(f, ", none is free for it")?,
                n => write!(
                    f,
                    ", {n} could take it now (the policy holds it back: a batch window or a re-plan)"
                )?,
            }
        }
        if let Some(t) = self.next_change {
            write!(f, "; the router looks again at t = {} s", num(t))?;
        }
        Ok(())
    }
}

/// The router's configuration (serde-ready).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterConfig {
    /// Weights of the score terms.
    pub weights: ScoreWeights,
    /// Seconds during which a contact is not offered again to an agent that
    /// declined it or let the offer time out.
    pub decline_cooldown: f64,
    /// Auto-answer (forced delivery): an offer connects at once, so the
    /// contact is in service as soon as it is offered, and no
    /// [`Event::OfferAccepted`], [`Event::OfferDeclined`] or
    /// [`Event::OfferTimedOut`] is expected for it. Default: false (an offer
    /// rings until the agent answers).
    pub auto_accept: bool,
    /// Each offer carries its score breakdown ([`Offer::score`]): the
    /// explanation of the decision under a policy that chooses by score,
    /// information beside the policy's own rule under the others (see
    /// [`Offer::score`]). Default: true. A caller that reads only
    /// who got what (a simulator) turns it off and spares a score
    /// computation per offer, about 5% of an M/M/n simulation; every offer's
    /// `score` is then all zeros. Decisions are the same either way.
    pub explain: bool,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            weights: ScoreWeights::default(),
            decline_cooldown: 30.0,
            auto_accept: false,
            explain: true,
        }
    }
}

impl RouterConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), RouterError> {
        self.weights.validate()?;
        let v = self.decline_cooldown;
        if !(v.is_finite() && v >= 0.0) {
            return Err(RouterError::BadParameter {
                field: "decline_cooldown",
                value: v,
            });
        }
        Ok(())
    }
}

/// A contact's timer. Those due at the same instant go in the contacts'
/// order of arrival at the router (`seq`), a function of the state alone:
/// not in the order they were set, which a restored router cannot know.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Wakeup {
    at: f64,
    seq: u64,
    contact: ContactId,
}

impl Eq for Wakeup {}
impl PartialOrd for Wakeup {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Wakeup {
    fn cmp(&self, other: &Self) -> Ordering {
        self.at.total_cmp(&other.at).then(self.seq.cmp(&other.seq))
    }
}

/// The embeddable router: feed it events, get offers.
///
/// # Cost
/// In steady state (a non-idling policy, one event at a time) an event costs
/// O(eligible pairs of the changed contact or agent) plus O(log n) index and
/// timer upkeep; only [`Event::Rebalance`] looks at the whole problem.
///
/// Ids are the embedding system's own and may be anything. Two numberings
/// are resolved without hashing, which saves a few per cent of an event:
/// agents numbered 0, 1, 2, … in order of first login, and contacts whose
/// id's low 32 bits are a slot number the system recycles last-freed first
/// from 0 up, as the router recycles its own (the simulator numbers both
/// so). Any other id takes one hash-map look-up; decisions are the same.
///
/// # Threads
/// A router is `Send` (its policy and fit model must be, [`RoutingPolicy`]
/// and [`FitModel`] require it): it can be built on one thread and moved to
/// the one that owns it, or kept in an `Arc<Mutex<Router>>` that threads
/// lock in turn. It is not `Sync`: handling an event mutates it, and the
/// caches of a decision under way are not shared, so one thread at a time
/// handles its events.
pub struct Router<P: RoutingPolicy = Box<dyn RoutingPolicy>> {
    st: State,
    policy: P,
    fit: Box<dyn FitModel>,
    config: RouterConfig,
    now: f64,
    wakeups: BinaryHeap<Reverse<Wakeup>>,
    proposals: Vec<Proposal>,
    /// The explanations of a decision's proposals when it made several,
    /// each scored on the state the policy decided on (index for index).
    explained: Vec<ScoreBreakdown>,
    /// The proposal of those being offered, while `explained` holds them.
    explaining: Option<usize>,
    /// The best score the policy computed in the decision under way.
    memo: ScoreMemo,
    vouched: Vouched,
    /// An agent that freed a slot, listed again only after the decision
    /// about it (see `freed`).
    deferred: Option<u32>,
    /// The contact whose `ContactArrived` is being handled: an offer made
    /// to it then is an offer on arrival, whatever its arrival time says
    /// (see [`Router::expected_wait`]).
    newcomer: Option<u32>,
    due: Vec<ContactId>,
    rejected: u64,
}

/// Builds a [`Router`] with a validated configuration: start with
/// [`Router::builder`]`(policy)`, set what differs from the defaults, then
/// [`build`](RouterBuilder::build), which checks the configuration and the
/// policy's settings ([`RoutingPolicy::validate`]) and returns a
/// [`RouterError`] naming what is wrong. This is the way to build from
/// settings that come from a file or a user; [`Router::new`] takes the
/// policy unchecked.
///
/// ```
/// use skillroute::{LongestIdleAgent, PriorityAging, RelaxStep, Router, RouterBuilder, RouterConfig, RouterError, SkillExpansion};
///
/// // The configuration as a file holds it (serde; a field left out keeps
/// // its default, a misspelt one is an error).
/// let config: RouterConfig = serde_json::from_str(
///     r#"{ "decline_cooldown": 20.0, "weights": { "skill": 1.0, "wait": 2.0 } }"#,
/// )?;
/// let policy = SkillExpansion::new(vec![RelaxStep { after: 30, relax: 1 }])?;
/// let builder: RouterBuilder<SkillExpansion> = Router::builder(policy).config(config);
/// let router = builder.build()?;
/// assert_eq!(router.config().decline_cooldown, 20.0);
///
/// // Settings out of range are refused by name, not taken.
/// let bad = Router::builder(LongestIdleAgent).decline_cooldown(-1.0).build();
/// assert!(matches!(bad, Err(RouterError::BadParameter { field: "decline_cooldown", .. })));
/// let aging = PriorityAging { aging_per_second: f64::NAN, ..PriorityAging::default() };
/// assert!(matches!(Router::builder(aging).build(), Err(RouterError::Policy(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// `examples/acd_loop.rs` reads the policy too from a settings file
/// (`[policy] kind = "skill-expansion"`, through
/// [`PolicySpec`](crate::PolicySpec), which builds any built-in by name).
pub struct RouterBuilder<P: RoutingPolicy> {
    policy: P,
    fit: Box<dyn FitModel>,
    config: RouterConfig,
}

/// The policy by name and the configuration; the fit model, a trait object
/// with no name, is left out.
impl<P: RoutingPolicy> std::fmt::Debug for RouterBuilder<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterBuilder")
            .field("policy", &self.policy.name())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<P: RoutingPolicy> RouterBuilder<P> {
    /// Sets the whole configuration.
    pub fn config(mut self, config: RouterConfig) -> Self {
        self.config = config;
        self
    }
    /// Sets the score weights.
    pub fn weights(mut self, weights: ScoreWeights) -> Self {
        self.config.weights = weights;
        self
    }
    /// Sets the decline / time-out cool-down in seconds.
    pub fn decline_cooldown(mut self, seconds: f64) -> Self {
        self.config.decline_cooldown = seconds;
        self
    }
    /// Sets auto-answer ([`RouterConfig::auto_accept`]).
    pub fn auto_accept(mut self, on: bool) -> Self {
        self.config.auto_accept = on;
        self
    }
    /// Sets whether offers carry their score breakdown ([`RouterConfig::explain`]).
    pub fn explain(mut self, on: bool) -> Self {
        self.config.explain = on;
        self
    }
    /// Sets the customer-fit model (default [`NeutralFit`]).
    pub fn fit_model(mut self, fit: impl FitModel + 'static) -> Self {
        self.fit = Box::new(fit);
        self
    }
    /// Validates the configuration and the policy's settings
    /// ([`RoutingPolicy::validate`]) and builds the router.
    pub fn build(self) -> Result<Router<P>, RouterError> {
        self.config.validate()?;
        self.policy.validate()?;
        Ok(self.build_unchecked_policy())
    }

    /// Builds the router from a valid configuration, without checking the
    /// policy.
    fn build_unchecked_policy(self) -> Router<P> {
        debug_assert!(self.config.validate().is_ok());
        Router {
            st: State::default(),
            policy: self.policy,
            fit: self.fit,
            config: self.config,
            now: f64::NEG_INFINITY,
            wakeups: BinaryHeap::new(),
            proposals: Vec::new(),
            explained: Vec::new(),
            explaining: None,
            memo: ScoreMemo::default(),
            vouched: Vouched::default(),
            deferred: None,
            newcomer: None,
            due: Vec::new(),
            rejected: 0,
        }
    }
}

/// What applying an event gives [`Router::settle`]: the policy's triggers
/// and a newly arrived contact left out of the queue for now.
type Applied = Result<([Option<Trigger>; 2], Option<u32>), RouterError>;

/// An outcome as reported must be in range: a policy learns from it.
#[inline]
fn check_outcome(contact: ContactId, outcome: &Outcome) -> Result<(), RouterError> {
    match outcome.satisfaction {
        Some(s) if !(0.0..=1.0).contains(&s) => Err(RouterError::BadSatisfaction {
            contact,
            satisfaction: s,
        }),
        _ => Ok(()),
    }
}

/// Checks that `s` describes a state a router can be in; returns each
/// agent's index.
/// `cooldown`: the restoring router's decline cool-down, the longest a
/// cool-down can run past the snapshot's time.
fn check_snapshot(s: &RouterSnapshot, cooldown: f64) -> Result<IdMap<AgentId, u32>, RouterError> {
    let bad = |what: String| Err(RouterError::InvalidSnapshot { what });
    if s.format != SNAPSHOT_FORMAT {
        return bad(format!("format: {}", format_mismatch(s.format)));
    }
    let time = s.time.unwrap_or(f64::NEG_INFINITY);
    if s.time.is_some_and(|t| !in_time_range(t)) {
        return bad(format!(
            "time {} is not finite or is beyond ±1e12 s (TIME_LIMIT)",
            num(time)
        ));
    }
    if s.time.is_none() && !(s.agents.is_empty() && s.contacts.is_empty()) {
        return bad("time is missing, but a router that knows agents or contacts has one".into());
    }
    let mut index = IdMap::default();
    for (i, a) in s.agents.iter().enumerate() {
        let id = a.agent.id();
        if index.insert(id, i as u32).is_some() {
            return bad(format!("agents[{i}]: {id} is listed twice"));
        }
        if !(in_time_range(a.idle_since) && a.idle_since <= time) {
            return bad(format!(
                "agents[{i}] ({id}): idle_since {} is not finite, is beyond ±1e12 s \
                 (TIME_LIMIT) or is after the snapshot's time",
                num(a.idle_since)
            ));
        }
    }
    let mut seen = IdMap::default();
    let mut held = [0u64; 4];
    // Contacts held per agent: a router's agent never holds more than a
    // total capacity (a u16) allows, and its counts could not say more.
    let mut holds = vec![0u32; s.agents.len()];
    for (i, c) in s.contacts.iter().enumerate() {
        let id = c.contact.id();
        let at = || format!("contacts[{i}] ({id})");
        if seen.insert(id, i).is_some() {
            return bad(format!("{}: listed twice", at()));
        }
        if c.contact.arrival() > time {
            return bad(format!(
                "{}: arrival {} is after the snapshot's time",
                at(),
                num(c.contact.arrival())
            ));
        }
        let channel = c.contact.channel();
        let agent = match c.state {
            ContactState::Waiting => {
                held[0] += 1;
                None
            }
            ContactState::Offered(a) => {
                held[1] += 1;
                Some(a)
            }
            ContactState::InService(a) => {
                held[2] += 1;
                Some(a)
            }
            ContactState::WrapUp(a) => {
                held[3] += 1;
                Some(a)
            }
        };
        // A waiting contact may be on a channel no agent serves any more
        // (its agents re-profiled): it waits, as in the router.
        if let Some(a) = agent {
            let Some(&k) = index.get(&a) else {
                return bad(format!("{}: held by {a}, who is not listed", at()));
            };
            let rec = &s.agents[k as usize];
            if rec.presence == Presence::LoggedOut {
                return bad(format!("{}: held by {a}, who is logged out", at()));
            }
            if rec.agent.capacity(channel) == 0 {
                return bad(format!(
                    "{}: held by {a}, who has no {channel} capacity",
                    at()
                ));
            }
            holds[k as usize] += 1;
            if holds[k as usize] > u32::from(u16::MAX) {
                return bad(format!(
                    "{}: held by {a}, who would hold more than {} contacts (an agent's largest total capacity)",
                    at(),
                    u16::MAX
                ));
            }
        }
        for &(a, until) in &c.cooldowns {
            if !index.contains_key(&a) {
                return bad(format!("{}: cool-down of {a}, who is not listed", at()));
            }
            // (NaN is refused too)
            if until.is_nan() || until > time + cooldown {
                return bad(format!(
                    "{}: cool-down of {a} ends at {}, more than the cool-down ({} s) after the snapshot's time",
                    at(),
                    num(until),
                    num(cooldown)
                ));
            }
        }
    }
    let mut proposed = IdMap::default();
    for (i, p) in s.proposals.iter().enumerate() {
        let c = p.contact;
        let at = || format!("proposals[{i}] ({c})");
        if proposed.insert(c, ()).is_some() {
            return bad(format!("{}: listed twice", at()));
        }
        // Only work whose outcome is still to come has a proposal: offered
        // or in service (in wrap-up its outcome has been told).
        let Some(&k) = seen.get(&c) else {
            return bad(format!("{}: not among the contacts listed", at()));
        };
        let contact = &s.contacts[k];
        let (ContactState::Offered(holder) | ContactState::InService(holder)) = contact.state
        else {
            return bad(format!(
                "{}: is {}, not offered or in service",
                at(),
                contact.state
            ));
        };
        if holder != p.agent {
            return bad(format!(
                "{}: proposed to {}, but held by {holder}",
                at(),
                p.agent
            ));
        }
    }
    let n = &s.counts;
    if [n.waiting, n.offered, n.in_service, n.wrap_up] != held {
        return bad(format!(
            "counts: waiting, offered, in service, wrap-up are {:?}, the contacts listed {held:?}",
            [n.waiting, n.offered, n.in_service, n.wrap_up]
        ));
    }
    let left = n
        .completed
        .checked_add(n.abandoned)
        .and_then(|x| x.checked_add(n.withdrawn))
        .and_then(|x| x.checked_add(s.contacts.len() as u64));
    if left != Some(n.arrived) {
        return bad(format!(
            "counts: arrived ({}) is not completed ({}) + abandoned ({}) + withdrawn ({}) + the {} contacts listed",
            n.arrived,
            n.completed,
            n.abandoned,
            n.withdrawn,
            s.contacts.len()
        ));
    }
    Ok(index)
}

/// A time for a message: as written for everyday values, in exponent form
/// for huge or tiny ones (not 300 digits).
pub(crate) fn num(x: f64) -> String {
    crate::model::short_number(x, 1e15)
}

fn state_of(st: &State, held: Held) -> ContactState {
    let id = |a: u32| st.agent(a).agent.id();
    match held {
        Held::Waiting => ContactState::Waiting,
        Held::Offered(a) => ContactState::Offered(id(a)),
        Held::InService(a) => ContactState::InService(id(a)),
        Held::WrapUp(a) => ContactState::WrapUp(id(a)),
    }
}

/// A router's state at one instant, serde-ready: every agent it knows and
/// every contact in the system, with what a standby router needs to carry
/// on where this one stopped ([`Router::snapshot`], [`Router::restore`]).
///
/// It holds the state, not the set-up: the configuration, the fit model and
/// the policy with its parameters are the caller's, given to the builder as
/// before. Of the policy it holds what it learned and anything else its
/// next decisions depend on ([`policy_state`](RouterSnapshot::policy_state))
/// and what belongs to the work in flight
/// ([`proposals`](RouterSnapshot::proposals)), which the restored router
/// hands to its policy. Left out, and started afresh on restore: the
/// last-to-enter-service history of [`Router::expected_wait`] (`None` for a
/// kind of contact until one of its kind is answered after waiting).
///
/// Saved as JSON, its times come back bit for bit, and so do the decisions
/// after a restore, with `serde_json`'s `float_roundtrip` feature (which
/// this crate turns on).
///
/// **Versions.** A snapshot says which [`format`](RouterSnapshot::format)
/// it is written in, first. A later build of this crate that adds a part
/// writes it only when it holds something (as
/// [`proposals`](RouterSnapshot::proposals) and
/// [`policy_state`](RouterSnapshot::policy_state) are), so an older
/// standby reads a newer primary's snapshot whenever nothing would be lost;
/// a part it does not know is refused, never dropped. A later build raises
/// the format only when an older one would misread a snapshot: an older
/// standby then refuses it while reading, with an error that names both
/// formats (in a rolling upgrade, upgrade the standbys first). The one
/// part always written, [`config`](RouterSnapshot::config), is refused by
/// builds from before it: upgrade the standbys first there too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterSnapshot {
    /// The format this snapshot is written in: [`SNAPSHOT_FORMAT`] for one
    /// this build made; 1 when a file does not say (those written before
    /// the field existed). Read, a format other than this build's is
    /// refused, and so is it by [`Router::restore`].
    #[serde(default = "first_format", deserialize_with = "known_format")]
    pub format: u32,
    /// The time of the last event (`None` before the first).
    pub time: Option<f64>,
    /// The counts, lifetime totals included.
    pub counts: Counts,
    /// [`Router::rejected_proposals`].
    pub rejected_proposals: u64,
    /// Every agent the router knows, logged out ones included, in the order
    /// they first logged in; not those it forgot
    /// ([`Event::AgentRemoved`]).
    pub agents: Vec<AgentSnapshot>,
    /// Every contact in the system, in the order it reached the router
    /// (which breaks ties between equal arrival times).
    pub contacts: Vec<ContactSnapshot>,
    /// What the policy keeps of the offered and in-service contacts it
    /// routed, in the contacts' order ([`RoutingPolicy::in_flight`]): with
    /// [`LearnedFit`](crate::LearnedFit), the arm each one's outcome goes
    /// to, so that a standby learns the outcomes of the work in flight at
    /// the takeover. Empty for a policy that learns nothing; a snapshot
    /// saved without it restores, and those outcomes are then not learned
    /// (counted in [`LearnedFit::unattributed`](crate::LearnedFit::unattributed)).
    /// Not empty, it restores only under a policy that takes it (a
    /// [`LearnedFit`](crate::LearnedFit) pooling as the primary's did, or a
    /// wrapper forwarding to one): any other refuses it
    /// ([`RoutingPolicy::restore_in_flight`]) rather than lose those
    /// outcomes unnoticed. Empty it to restore under another policy on
    /// purpose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proposals: Vec<InFlightProposal>,
    /// Whatever else the policy's next decisions depend on
    /// ([`RoutingPolicy::state`]): with [`LearnedFit`](crate::LearnedFit),
    /// every arm it learned, its Thompson draws and its random stream's
    /// position, so that a standby whose policy is built anew from the
    /// primary's configuration makes the primary's offers. `None` for a
    /// policy whose decisions follow from the router's state alone. A
    /// snapshot saved without it restores, and the standby's policy then
    /// keeps its own (as [`LearnedFit::with_arms`](crate::LearnedFit::with_arms)
    /// built it, say). Given, it restores only under a policy that takes it
    /// ([`RoutingPolicy::restore_state`]); set it to `None` to restore
    /// under another policy on purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_state: Option<serde_json::Value>,
    /// How the router that took it was configured: its policy's
    /// [`name`](RoutingPolicy::name) and the parts of its [`RouterConfig`]
    /// that decide offers. [`Router::restore`] refuses a snapshot whose
    /// configuration differs from the restoring router's, naming the
    /// first field that differs: a standby built otherwise than its primary
    /// (other score weights, another policy, auto-answer where the primary
    /// rang) would restore the queue and then route it otherwise, without a
    /// word. `None` in a snapshot saved before the field existed, and no
    /// check then; set it to `None` to restore into a router configured
    /// otherwise on purpose (a new configuration rolled out at the
    /// takeover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<SnapshotConfig>,
}

/// The configuration of the router that took a [`RouterSnapshot`]
/// ([`RouterSnapshot::config`]). Not in it: [`RouterConfig::explain`],
/// which changes no decision; the fit model and the policy's own
/// parameters, which the router cannot read (a learning policy's are in
/// [`RouterSnapshot::policy_state`], checked by the policy itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SnapshotConfig {
    /// The policy's [`name`](RoutingPolicy::name).
    pub policy: String,
    /// [`RouterConfig::weights`].
    pub weights: ScoreWeights,
    /// [`RouterConfig::decline_cooldown`].
    pub decline_cooldown: f64,
    /// [`RouterConfig::auto_accept`].
    pub auto_accept: bool,
}

impl SnapshotConfig {
    /// The first field in which `self` (the snapshot's) and `other` (the
    /// restoring router's) differ, named as in the snapshot's JSON, with
    /// both values.
    fn first_difference(&self, other: &SnapshotConfig) -> Option<String> {
        let differ = |field: &str, mine: String, theirs: String| {
            Some(format!(
                "config.{field}: the snapshot's router had {mine}, this one has {theirs}"
            ))
        };
        if self.policy != other.policy {
            return differ(
                "policy",
                format!("{:?}", self.policy),
                format!("{:?}", other.policy),
            );
        }
        // Every field by name: a weight added later breaks this pattern at
        // compile time rather than going unchecked.
        let ScoreWeights {
            skill: _,
            fit: _,
            preference: _,
            idle: _,
            load: _,
            wait: _,
            priority: _,
            idle_scale: _,
            wait_scale: _,
        } = self.weights;
        let (a, b) = (&self.weights, &other.weights);
        for (field, x, y) in [
            ("skill", a.skill, b.skill),
            ("fit", a.fit, b.fit),
            ("preference", a.preference, b.preference),
            ("idle", a.idle, b.idle),
            ("load", a.load, b.load),
            ("wait", a.wait, b.wait),
            ("priority", a.priority, b.priority),
            ("idle_scale", a.idle_scale, b.idle_scale),
            ("wait_scale", a.wait_scale, b.wait_scale),
        ] {
            // Bits, not `==`: the same configuration read back gives the
            // same bits, and a NaN (refused by validation anyway) would
            // otherwise never match.
            if x.to_bits() != y.to_bits() {
                return differ(&format!("weights.{field}"), num(x), num(y));
            }
        }
        if self.decline_cooldown.to_bits() != other.decline_cooldown.to_bits() {
            return differ(
                "decline_cooldown",
                num(self.decline_cooldown),
                num(other.decline_cooldown),
            );
        }
        if self.auto_accept != other.auto_accept {
            return differ(
                "auto_accept",
                self.auto_accept.to_string(),
                other.auto_accept.to_string(),
            );
        }
        None
    }
}

/// The [`RouterSnapshot::format`] this build writes and reads.
pub const SNAPSHOT_FORMAT: u32 = 1;

fn first_format() -> u32 {
    1
}

/// The format, refused at once when it is not this build's: the rest of a
/// snapshot in another format may not mean what this build would read.
fn known_format<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let format = u32::deserialize(d)?;
    if format != SNAPSHOT_FORMAT {
        return Err(serde::de::Error::custom(format_mismatch(format)));
    }
    Ok(format)
}

fn format_mismatch(format: u32) -> String {
    if format > SNAPSHOT_FORMAT {
        format!(
            "snapshot format {format} is newer than this build reads ({SNAPSHOT_FORMAT}): \
             upgrade this router before restoring a newer one's snapshot"
        )
    } else {
        format!("snapshot format {format} is not one this build reads ({SNAPSHOT_FORMAT})")
    }
}

/// An agent in a [`RouterSnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSnapshot {
    /// Its profile.
    pub agent: Agent,
    /// Logged out, not ready or ready.
    pub presence: Presence,
    /// When it last became free of all work or ready: what longest-idle
    /// orders by.
    pub idle_since: f64,
}

/// A contact in a [`RouterSnapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSnapshot {
    /// The contact.
    pub contact: Contact,
    /// Waiting, or held by an agent (offered, in service, in wrap-up).
    pub state: ContactState,
    /// Agents whose cool-down on it still runs, with the time it ends.
    #[serde(default)]
    pub cooldowns: Vec<(AgentId, f64)>,
    /// It waited before its offer (it was queued — not offered while the
    /// router handled its arrival — and some time passed between its
    /// arrival and the offer): its answer will count for
    /// [`Router::expected_wait`].
    #[serde(default)]
    pub waited: bool,
}

impl<P: RoutingPolicy> Router<P> {
    /// A router with the default configuration and a neutral fit model.
    /// Infallible: it does not check the policy's settings
    /// ([`RoutingPolicy::validate`]; debug builds assert them). A policy
    /// built from unchecked settings belongs in
    /// [`Router::builder`]`(policy).build()`, which refuses invalid ones
    /// with [`RouterError::Policy`].
    ///
    /// # Panics
    ///
    /// In debug builds, if the policy's settings are invalid (a
    /// [`PriorityAging`](crate::PriorityAging) aging by NaN a second, say):
    /// the one input the router answers with a panic rather than an error,
    /// so that a mistake in a policy written in code shows at once. A
    /// release build takes the policy unchecked.
    pub fn new(policy: P) -> Router<P> {
        debug_assert!(
            policy.validate().is_ok(),
            "invalid policy settings: use Router::builder(policy).build() to check them"
        );
        Router::builder(policy).build_unchecked_policy()
    }

    /// Starts a router with `policy`; set weights, cool-down and fit model, then build.
    pub fn builder(policy: P) -> RouterBuilder<P> {
        RouterBuilder {
            policy,
            fit: Box::new(NeutralFit),
            config: RouterConfig::default(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The policy as the router leaves it (what a learning policy learned,
    /// say, to keep across a restart), ending the router.
    pub fn into_policy(self) -> P {
        self.policy
    }

    /// The configuration.
    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// The time of the last event (`-inf` before the first).
    pub fn now(&self) -> f64 {
        self.now
    }

    /// How many contacts are in each state.
    pub fn counts(&self) -> Counts {
        self.st.counts
    }

    /// Proposals from the policy that were not feasible and so were skipped.
    pub fn rejected_proposals(&self) -> u64 {
        self.rejected
    }

    /// Where a contact is; `None` if it never arrived or has left
    /// (completed, abandoned and withdrawn contacts are counted, not kept).
    pub fn contact_state(&self, id: ContactId) -> Option<ContactState> {
        let ix = self.st.contact_slot(id)?;
        self.st.contact(ix).map(|r| state_of(&self.st, r.held))
    }

    /// An estimate of a waiting contact's whole wait, from its arrival to
    /// its answer, for an announcement ("your expected wait is…"): the wait
    /// of the last contact of the same kind answered after waiting — the
    /// same channel, requirements, current relaxation, priority, tier,
    /// segment, preferred agent and attributes, the kind the router queues
    /// together. This is the "last to enter service" (LES) predictor of
    /// Ibrahim & Whitt (2009), which needs no service-time model and follows
    /// the policy's own priorities. A contact answered at once (or offered
    /// on arrival) does not count — "on arrival" meaning while the router
    /// handles its `ContactArrived`, even if its arrival time is earlier
    /// (a contact that kept its arrival time from an IVR) — whether offers
    /// ring or are accepted automatically, and whatever the policy; with
    /// ringing offers the answer is the acceptance, not the offer.
    ///
    /// `None` if the contact is not waiting, or no contact of its kind has
    /// been answered after waiting since the router last forgot that kind
    /// (it forgets kinds with nobody waiting once they outnumber the kinds
    /// with someone waiting four to one, beyond 64). O(1).
    pub fn expected_wait(&self, id: ContactId) -> Option<f64> {
        let ix = self.st.contact_slot(id)?;
        self.st.expected_wait(ix)
    }

    /// Why a waiting contact is still waiting: the agents logged in, each
    /// counted once by the first thing that keeps it from the contact (see
    /// [`WaitingReasons`]; its `Display` says it in a sentence). For an
    /// operator's "why is this call still queued?", and for a log line when
    /// a contact waits too long. Reads the state only; O(agents).
    ///
    /// ```
    /// use skillroute::{Agent, AgentId, ChannelId, Contact, ContactId, Event, LongestIdleAgent, Router, SkillId};
    ///
    /// let mut router = Router::new(LongestIdleAgent);
    /// let mut offers = Vec::new();
    /// for (id, level) in [(1, 8), (2, 3)] {
    ///     let agent = Agent::builder(AgentId(id)).skill(SkillId(1), level).channel(ChannelId::VOICE, 1).build()?;
    ///     router.handle(0.0, Event::AgentLogin { agent }, &mut offers)?; // logged in, not ready
    /// }
    /// let contact = Contact::builder(ContactId(7), ChannelId::VOICE, 1.0).requires(SkillId(1), 5).build()?;
    /// router.handle(1.0, Event::ContactArrived { contact }, &mut offers)?;
    /// router.handle(43.0, Event::Tick, &mut offers)?;
    /// let why = router.why_waiting(ContactId(7))?;
    /// assert_eq!((why.unskilled, why.not_ready, why.eligible), (1, 1, 0));
    /// assert_eq!(
    ///     why.to_string(),
    ///     "contact#7 has waited 42 s: of 2 agents logged in, 1 lacks its skills, 1 is not ready, none is free for it"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors: [`RouterError::UnknownContact`] if the contact is not in the
    /// router, [`RouterError::WrongContactState`] if it is not waiting
    /// (offered, in service or in wrap-up).
    pub fn why_waiting(&self, id: ContactId) -> Result<WaitingReasons, RouterError> {
        let (ix, held) = self.contact_ix(id)?;
        if held != Held::Waiting {
            return Err(self.wrong_state(id, held, "why_waiting"));
        }
        let Some(c) = self.st.contact(ix) else {
            return Err(RouterError::UnknownContact(id));
        };
        let channel = c.contact.channel();
        let mut why = WaitingReasons {
            contact: id,
            waited: waited_at(c.contact.arrival(), self.now),
            relaxation: c.relax,
            next_change: c.wake_at,
            logged_in: 0,
            other_channel: 0,
            unskilled: 0,
            not_ready: 0,
            full: 0,
            cooling: 0,
            eligible: 0,
        };
        for (a, rec) in self.st.agents.iter().enumerate() {
            if rec.presence == Presence::LoggedOut {
                continue;
            }
            why.logged_in += 1;
            let count = if rec.agent.capacity(channel) == 0 {
                &mut why.other_channel
            } else if !self.st.skilled(c, a as u32) {
                &mut why.unskilled
            } else if rec.presence == Presence::NotReady {
                &mut why.not_ready
            } else if rec.free_for(channel) == 0 {
                &mut why.full
            } else if c.cooling(a as u32, self.now) {
                &mut why.cooling
            } else {
                &mut why.eligible
            };
            *count += 1;
        }
        Ok(why)
    }

    /// An agent's state; `None` if the agent is unknown. What it holds
    /// comes first: an agent holding work is [`AgentState::Busy`] or
    /// [`AgentState::WrapUp`] whether it is ready or not; its presence is
    /// [`agent_presence`](Router::agent_presence).
    pub fn agent_state(&self, id: AgentId) -> Option<AgentState> {
        self.st.agent_slot(id).map(|ix| self.st.agent(ix).state())
    }

    /// An agent's presence as the last login, logout, ready or not-ready
    /// event set it, whatever the agent holds: whether it takes new work
    /// ([`Presence::Ready`]) — the part of [`agent_state`](Router::agent_state)
    /// that a busy agent's state does not show (an agent made not ready while
    /// an offer rings is `Busy` there, `NotReady` here). `None` if the agent
    /// is unknown; a known agent that logged out is
    /// [`Presence::LoggedOut`]. O(1).
    pub fn agent_presence(&self, id: AgentId) -> Option<Presence> {
        self.st.agent_slot(id).map(|ix| self.st.agent(ix).presence)
    }

    /// How many contacts an agent holds (offered, in service or wrap-up) now.
    pub fn agent_load(&self, id: AgentId) -> Option<u16> {
        self.st
            .agent_slot(id)
            .map(|ix| self.st.agent(ix).used_total)
    }

    /// The ids of the contacts in the system (not completed, abandoned or
    /// withdrawn), in no particular but deterministic order.
    pub fn contacts(&self) -> impl Iterator<Item = (ContactId, ContactState)> + '_ {
        self.st
            .contacts
            .iter()
            .filter(|r| r.live)
            .map(|r| (r.contact.id(), state_of(&self.st, r.held)))
    }

    /// The known agents, in order of first login.
    pub fn agents(&self) -> impl Iterator<Item = (&Agent, AgentState)> + '_ {
        self.st.agents.iter().map(|r| (&r.agent, r.state()))
    }

    /// A read-only view, as policies see it, at the last event's time.
    pub fn view(&self) -> RouterView<'_> {
        RouterView {
            st: &self.st,
            fit: &*self.fit,
            weights: &self.config.weights,
            now: self.now,
            memo: None,
            vouched: None,
        }
    }

    /// When the router next needs to be called even if nothing happens (a
    /// relaxation step opens, a cool-down ends): send [`Event::Tick`] then.
    /// `None` if time alone changes nothing. A step `n` of
    /// [`RoutingPolicy::next_relaxation`] for a contact that arrived at `a`
    /// is announced at `a + n` (in floating point), the instant at which
    /// [`ContactRef::waited`](crate::ContactRef::waited) reaches `n`.
    /// Always a time the router
    /// accepts: a step or cool-down ending beyond
    /// [`TIME_LIMIT`](crate::TIME_LIMIT) is not announced (it never ends).
    pub fn next_wakeup(&self) -> Option<f64> {
        self.wakeups.peek().map(|w| w.0.at)
    }

    /// Checks the router's internal indexes against its records; an error
    /// names the first inconsistency. O(everything): for tests and audits,
    /// not for the event path. A correct router always returns `Ok`.
    #[doc(hidden)]
    pub fn check_consistency(&self) -> Result<(), String> {
        self.st.check_indexes()
    }

    /// The state, to be saved or sent to a standby router ([`RouterSnapshot`]).
    /// O(agents + contacts · log contacts).
    pub fn snapshot(&self) -> RouterSnapshot {
        let agents = self
            .st
            .agents
            .iter()
            .map(|r| AgentSnapshot {
                agent: r.agent.clone(),
                presence: r.presence,
                idle_since: r.idle_since,
            })
            .collect();
        let mut live: Vec<&crate::state::ContactRec> =
            self.st.contacts.iter().filter(|r| r.live).collect();
        live.sort_by_key(|r| r.seq);
        let now = self.now;
        let contacts = live
            .into_iter()
            .map(|r| ContactSnapshot {
                contact: r.contact.clone(),
                state: state_of(&self.st, r.held),
                cooldowns: r
                    .cooldowns
                    .iter()
                    .filter(|&&(_, until)| until > now)
                    .map(|&(a, until)| (self.st.agent(a).agent.id(), until))
                    .collect(),
                waited: r.delayed,
            })
            .collect();
        // Only the work still in flight with the agent it was proposed to:
        // the policy may keep proposals whose outcome will never come (a
        // declined offer, an abandoned contact) until it prunes them.
        let mut proposals: Vec<(u64, InFlightProposal)> = self
            .policy
            .in_flight()
            .into_iter()
            .filter_map(|p| {
                let rec = self.st.contact(self.st.contact_slot(p.contact)?)?;
                let (Held::Offered(a) | Held::InService(a)) = rec.held else {
                    return None;
                };
                (self.st.agent(a).agent.id() == p.agent).then_some((rec.seq, p))
            })
            .collect();
        proposals.sort_by_key(|&(seq, _)| seq);
        RouterSnapshot {
            format: SNAPSHOT_FORMAT,
            time: self.now.is_finite().then_some(self.now),
            counts: self.st.counts,
            rejected_proposals: self.rejected,
            agents,
            contacts,
            proposals: proposals.into_iter().map(|(_, p)| p).collect(),
            policy_state: self.policy.state(),
            config: Some(self.snapshot_config()),
        }
    }

    /// What [`RouterSnapshot::config`] records of this router.
    fn snapshot_config(&self) -> SnapshotConfig {
        // Every field by name, so that one added later is placed here or
        // left out on purpose (as `explain`, which changes no decision).
        let RouterConfig {
            weights,
            decline_cooldown,
            auto_accept,
            explain: _,
        } = self.config;
        SnapshotConfig {
            policy: self.policy.name().to_owned(),
            weights,
            decline_cooldown,
            auto_accept,
        }
    }

    /// Replaces the whole state by `snapshot`'s: a standby taking over, or a
    /// restart that must not lose the queue. Build the router as the one
    /// that took the snapshot was built (configuration, fit model, policy),
    /// then restore. Makes no offer: the next event routes as usual, and
    /// [`Event::Rebalance`] re-plans at once if wanted. After it, the same
    /// events give the same offers as they would have given the router that
    /// took the snapshot (a policy that learned carries on from what the
    /// snapshot's [`policy_state`](RouterSnapshot::policy_state) says it
    /// learned, its random stream where the primary's stood), under every
    /// built-in policy, also behind a `Box<dyn RoutingPolicy>`, and any
    /// policy that breaks ties by the state (ids, arrival order, idle time) rather than by the order
    /// in which the [`RouterView`]'s iterators list agents and contacts: a
    /// restored router lists them in an order of its own.
    ///
    /// The snapshot is checked whole first; if it does not describe a state
    /// a router can be in (an agent listed twice, a contact held by an agent
    /// not logged in or without capacity on its channel, counts that do not
    /// add up…) the error names the entry, and the router is unchanged. So
    /// does a snapshot whose [`proposals`](RouterSnapshot::proposals) (the
    /// work in flight a learning policy awaits the outcomes of) or
    /// [`policy_state`](RouterSnapshot::policy_state) (what it learned, its
    /// random stream) the policy does not take
    /// ([`RoutingPolicy::restore_in_flight`], [`RoutingPolicy::restore_state`]):
    /// a policy other than the primary's, one configured otherwise, or a
    /// wrapper that does not forward them, would otherwise drop them
    /// without a word, and decide otherwise than the primary. And so does a
    /// snapshot whose [`config`](RouterSnapshot::config) (the primary's
    /// policy name, score weights, cool-down and auto-answer) is not this
    /// router's.
    /// O(agents + contacts · log contacts).
    ///
    /// ```
    /// use skillroute::{Agent, AgentId, ChannelId, Contact, ContactId, Event, LongestIdleAgent, Router};
    /// let mut router = Router::new(LongestIdleAgent);
    /// let mut offers = Vec::new();
    /// let agent = Agent::builder(AgentId(1)).channel(ChannelId::VOICE, 1).build()?;
    /// router.handle(0.0, Event::AgentLogin { agent }, &mut offers)?;
    /// let contact = Contact::builder(ContactId(7), ChannelId::VOICE, 1.0).build()?;
    /// router.handle(1.0, Event::ContactArrived { contact }, &mut offers)?;
    /// let saved = serde_json::to_string(&router.snapshot())?;
    ///
    /// // The process restarts: the contact is still there, and is offered
    /// // when the agent becomes ready.
    /// let mut standby = Router::new(LongestIdleAgent);
    /// standby.restore(&serde_json::from_str(&saved)?)?;
    /// standby.handle(2.0, Event::AgentReady { agent: AgentId(1) }, &mut offers)?;
    /// assert_eq!((offers[0].contact, offers[0].agent), (ContactId(7), AgentId(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restore(&mut self, snapshot: &RouterSnapshot) -> Result<(), RouterError> {
        let index = check_snapshot(snapshot, self.config.decline_cooldown)?;
        if let Some(config) = &snapshot.config
            && let Some(what) = config.first_difference(&self.snapshot_config())
        {
            return Err(RouterError::InvalidSnapshot {
                what: format!(
                    "{what}: build the standby as the primary was built, or set the \
                     snapshot's config to None to restore into another configuration"
                ),
            });
        }
        // The policy checks its parts before it takes them, and before the
        // router's state is touched.
        // What the policy had, to give back if the state is refused after
        // the work in flight was taken (which may have taught it pools).
        let undo = snapshot
            .policy_state
            .as_ref()
            .map(|_| (self.policy.in_flight(), self.policy.state()));
        self.policy
            .restore_in_flight(&snapshot.proposals)
            .map_err(|e| RouterError::InvalidSnapshot {
                what: format!("proposals: {e}"),
            })?;
        if let Some(state) = &snapshot.policy_state
            && let Err(e) = self.policy.restore_state(state)
        {
            // Its own, which it takes back: the policy as it was.
            if let Some((records, state)) = undo {
                let _ = self.policy.restore_in_flight(&records);
                if let Some(state) = state {
                    let _ = self.policy.restore_state(&state);
                }
            }
            return Err(RouterError::InvalidSnapshot {
                what: match e {
                    PolicyError::BadState(b) if !b.field.is_empty() => {
                        format!("policy_state.{}: {}", b.field, b.problem)
                    }
                    e => format!("policy_state: {e}"),
                },
            });
        }
        // Checked: nothing below can fail.
        self.st = State::default();
        self.wakeups.clear();
        for (a, s) in snapshot.agents.iter().enumerate() {
            let class = self.fit.agent_class(&s.agent);
            let profile = self.st.profile_for(&s.agent, class);
            let mut rec = AgentRec::new(s.agent.clone(), profile, class, s.idle_since);
            rec.presence = s.presence;
            self.st.agents.push(rec);
            self.st.agent_ix.insert(s.agent.id(), a as u32);
            self.count_channels(a as u32, 1);
        }
        let mut waiting = Vec::new();
        for s in &snapshot.contacts {
            let ix = self.st.insert_contact(s.contact.clone(), 0);
            let held = match s.state {
                ContactState::Offered(a) => Held::Offered(index[&a]),
                ContactState::InService(a) => Held::InService(index[&a]),
                ContactState::WrapUp(a) => Held::WrapUp(index[&a]),
                ContactState::Waiting => Held::Waiting,
            };
            if let Held::Offered(a) | Held::InService(a) | Held::WrapUp(a) = held {
                let rec = &mut self.st.agents[a as usize];
                rec.take_slot(s.contact.channel());
                if matches!(held, Held::WrapUp(_)) {
                    rec.wrapping = rec.wrapping.saturating_add(1);
                }
            }
            if let Some(rec) = self.st.contact_mut(ix) {
                rec.held = held;
                rec.delayed = s.waited;
                rec.cooldowns = s
                    .cooldowns
                    .iter()
                    .map(|&(a, until)| (index[&a], until))
                    .collect();
            }
            if held == Held::Waiting {
                waiting.push(ix);
            }
        }
        // The snapshot's, checked against its contacts.
        self.st.counts = snapshot.counts;
        for a in 0..self.st.agents.len() as u32 {
            self.st.refresh_agent(a);
        }
        self.now = snapshot.time.unwrap_or(f64::NEG_INFINITY);
        self.rejected = snapshot.rejected_proposals;
        self.deferred = None;
        self.newcomer = None;
        self.due.clear();
        for ix in waiting {
            self.st.enqueue(ix);
            self.arm(ix, self.now);
        }
        Ok(())
    }

    /// Handles one event at time `now` (seconds, any origin, never decreasing)
    /// and appends the resulting offers to `out`.
    ///
    /// On error nothing changed and nothing was appended.
    ///
    /// # Errors
    ///
    /// Every event is refused first if its time is NaN or infinite
    /// ([`RouterError::NonFiniteTime`]), beyond ±[`TIME_LIMIT`](crate::TIME_LIMIT)
    /// ([`RouterError::TimeOutOfRange`]) or before the last event's
    /// ([`RouterError::TimeWentBackwards`]). Then, each event by its own
    /// rules, checked in this order (the first broken one is returned):
    ///
    /// | event | errors |
    /// | --- | --- |
    /// | `AgentLogin` | `AlreadyLoggedIn` |
    /// | `AgentLogout` | `UnknownAgent`, `NotLoggedIn`, `AgentHoldsWork` |
    /// | `AgentRemoved` | `UnknownAgent`, `StillLoggedIn` |
    /// | `AgentReady`, `AgentNotReady` | `UnknownAgent`, `NotLoggedIn` |
    /// | `AgentUpdated` | `UnknownAgent`, `NotLoggedIn`, `ChannelInUse` (a channel it holds work on is dropped) |
    /// | `ContactArrived` | `DuplicateContact`, `ArrivalInFuture`, `ChannelNotServed` |
    /// | `ContactUpdated` | `UnknownContact`, `WrongContactState` (not waiting), `ArrivalInFuture`, `ChannelNotServed` (moved to a channel nobody serves) |
    /// | `OfferAccepted`, `OfferDeclined`, `OfferTimedOut` | `UnknownContact`, `WrongContactState` (not offered), `UnknownAgent` (offered to another agent, and this one never logged in), `WrongAgent` |
    /// | `ContactAbandoned`, `ContactWithdrawn` | `UnknownContact`, `WrongContactState` (in service or wrap-up) |
    /// | `WorkCompleted`, `WorkCompletedNoWrapUp` | `UnknownContact`, `WrongContactState` (not in service), `BadSatisfaction` |
    /// | `WrapUpDone` | `UnknownContact`, `WrongContactState` (not in wrap-up) |
    /// | `Tick`, `Rebalance` | none |
    ///
    /// The other variants never come from `handle`: [`RouterError::Score`],
    /// [`RouterError::Policy`] and [`RouterError::BadParameter`] come from
    /// [`RouterBuilder::build`], [`RouterError::InvalidSnapshot`] from
    /// [`Router::restore`], [`RouterError::Model`] from converting a
    /// [`ModelError`] (an agent's or contact's builder) with `?`.
    /// `tests/handle_errors.rs` drives every event into every error listed
    /// here, and checks the list against this table.
    ///
    /// An ACD usually logs the refusals of the second kind and carries on
    /// (its view and the router's crossed: a click after the ring timer, a
    /// message delivered twice), and stops on a time error (its clock is
    /// broken); `examples/acd_loop.rs` sorts them so.
    #[inline(always)]
    pub fn handle(
        &mut self,
        now: f64,
        event: Event,
        out: &mut Vec<Offer>,
    ) -> Result<(), RouterError> {
        if !in_time_range(now) {
            return Err(if now.is_finite() {
                RouterError::TimeOutOfRange(now)
            } else {
                RouterError::NonFiniteTime(now)
            });
        }
        if now < self.now {
            return Err(RouterError::TimeWentBackwards {
                now,
                last: self.now,
            });
        }
        // A thin dispatch, inlined where the caller names the event: the
        // events of every contact's life then go straight to their own path,
        // with its triggers known, instead of through the general match.
        // The arms that copy their fields out leave `event` whole, to be
        // dropped at the end: they `forget` it instead, which is sound (those
        // variants own nothing) and spares a call to the whole enum's drop
        // glue, out of line since `Event` has two variants that hold a
        // `Contact` (0.5% of an M/M/n simulation).
        match event {
            Event::ContactArrived { contact } => {
                self.handle_with(now, out, |r| r.apply_arrived(now, contact))
            }
            Event::OfferAccepted { contact, agent } => {
                std::mem::forget(event);
                self.handle_with(now, out, |r| r.apply_accepted(now, contact, agent))
            }
            Event::WorkCompleted { contact, outcome } => {
                std::mem::forget(event);
                self.handle_with(now, out, |r| r.apply_wrap_up(contact, outcome))
            }
            Event::WorkCompletedNoWrapUp { contact, outcome } => {
                std::mem::forget(event);
                self.handle_with(now, out, |r| r.apply_completed(now, contact, outcome))
            }
            Event::WrapUpDone { contact } => {
                std::mem::forget(event);
                self.handle_with(now, out, |r| r.apply_wrapped(now, contact))
            }
            event => self.handle_with(now, out, |r| r.apply(now, event)),
        }
    }

    /// [`handle`](Self::handle) once the event is known: `apply` it, then
    /// [`settle`](Self::settle). One copy per kind of event.
    #[inline(never)]
    fn handle_with(
        &mut self,
        now: f64,
        out: &mut Vec<Offer>,
        apply: impl FnOnce(&mut Self) -> Applied,
    ) -> Result<(), RouterError> {
        let (triggers, arriving) = apply(self)?;
        self.settle(now, triggers, arriving, out);
        self.newcomer = None;
        Ok(())
    }

    /// The rest of [`handle`](Self::handle) once an event was applied at
    /// `now`: the policy is asked about its triggers, then about what else
    /// became due.
    #[inline(always)]
    fn settle(
        &mut self,
        now: f64,
        mut triggers: [Option<Trigger>; 2],
        arriving: Option<u32>,
        out: &mut Vec<Offer>,
    ) {
        self.now = now;
        if let Some(ix) = arriving {
            // The newcomer first (its trigger is the only one), then the
            // queue: nothing else has been decided at this instant yet.
            if let Some(t) = triggers[0].take() {
                self.run(t, out);
            }
            if self.st.contact(ix).is_some_and(|r| r.held == Held::Waiting) {
                self.st.enqueue(ix);
            }
        }
        // Wake-ups exist only under relaxing policies and cool-downs: the
        // common event skips their bookkeeping.
        if !self.wakeups.is_empty() {
            self.pop_due(now);
        }
        let [first, second] = triggers;
        if let Some(t) = first {
            self.run(t, out);
        }
        if let Some(t) = second {
            self.run(t, out);
        }
        if let Some(a) = self.deferred.take() {
            self.st.refresh_agent(a);
        }
        if !self.due.is_empty() {
            let due = std::mem::take(&mut self.due);
            for &c in &due {
                self.run(Trigger::ContactWaiting(c), out);
            }
            self.due = due;
            self.due.clear();
        }
        if !self.wakeups.is_empty() {
            self.drop_stale_wakeups();
        }
    }

    // The errors are built only when needed (a `match`, not `ok_or`): an
    // error built eagerly and dropped unused costs a call to its drop glue
    // once `RouterError` has a variant that owns memory, and these run on
    // every event of a contact's life.
    fn agent_ix(&self, id: AgentId) -> Result<u32, RouterError> {
        match self.st.agent_slot(id) {
            Some(a) => Ok(a),
            None => Err(RouterError::UnknownAgent(id)),
        }
    }

    #[inline]
    fn contact_ix(&self, id: ContactId) -> Result<(u32, Held), RouterError> {
        match self
            .st
            .contact_slot(id)
            .and_then(|ix| Some((ix, self.st.contact(ix)?.held)))
        {
            Some(found) => Ok(found),
            None => Err(RouterError::UnknownContact(id)),
        }
    }

    fn wrong_state(&self, contact: ContactId, held: Held, event: &'static str) -> RouterError {
        RouterError::WrongContactState {
            contact,
            state: state_of(&self.st, held),
            event,
        }
    }

    /// The offered contact's agent, checking it is `agent`.
    fn offered_to(
        &self,
        contact: ContactId,
        agent: AgentId,
        event: &'static str,
    ) -> Result<(u32, u32), RouterError> {
        let (ix, held) = self.contact_ix(contact)?;
        let Held::Offered(a) = held else {
            return Err(self.wrong_state(contact, held, event));
        };
        let offered_to = self.st.agent(a).agent.id();
        if offered_to != agent {
            // An agent the router never saw is a wrong id, not a wrong agent.
            self.agent_ix(agent)?;
            return Err(RouterError::WrongAgent {
                contact,
                offered_to,
                agent,
            });
        }
        Ok((ix, a))
    }

    fn logged_in(&self, id: AgentId) -> Result<u32, RouterError> {
        let a = self.agent_ix(id)?;
        if self.st.agent(a).presence == Presence::LoggedOut {
            return Err(RouterError::NotLoggedIn(id));
        }
        Ok(a)
    }

    /// Validates `event` against the state and, only if it is legal, applies it.
    /// Returns what the policy must be asked about, and a newly arrived
    /// contact left out of the queue for now (see
    /// [`RoutingPolicy::arrival_reads_agents_only`]).
    fn apply(&mut self, now: f64, event: Event) -> Applied {
        let mut triggers = [None, None];
        match event {
            Event::AgentLogin { agent } => {
                let id = agent.id();
                match self.st.agent_slot(id) {
                    Some(a) if self.st.agent(a).presence != Presence::LoggedOut => {
                        return Err(RouterError::AlreadyLoggedIn(id));
                    }
                    Some(a) => {
                        self.count_channels(a, -1);
                        // Logged out, so in no index: it may change profile.
                        let class = self.fit.agent_class(&agent);
                        let profile = self.st.profile_for(&agent, class);
                        let rec = &mut self.st.agents[a as usize];
                        *rec = AgentRec::new(agent, profile, class, rec.idle_since);
                        self.count_channels(a, 1);
                        self.st.sweep_profiles();
                    }
                    None => {
                        let a = self.st.agents.len() as u32;
                        let class = self.fit.agent_class(&agent);
                        let profile = self.st.profile_for(&agent, class);
                        self.st
                            .agents
                            .push(AgentRec::new(agent, profile, class, now));
                        self.st.agent_ix.insert(id, a);
                        self.count_channels(a, 1);
                        // Profiles left by earlier updates and re-logins
                        // may outnumber the agents by now.
                        self.st.sweep_profiles();
                    }
                }
            }
            Event::AgentLogout { agent } => {
                let a = self.logged_in(agent)?;
                let held = self.st.agent(a).used_total;
                if held > 0 {
                    return Err(RouterError::AgentHoldsWork { agent, held });
                }
                self.st.agents[a as usize].presence = Presence::LoggedOut;
                self.st.refresh_agent(a);
            }
            Event::AgentRemoved { agent } => {
                let a = self.agent_ix(agent)?;
                if self.st.agent(a).presence != Presence::LoggedOut {
                    return Err(RouterError::StillLoggedIn(agent));
                }
                self.remove_agent(now, agent, a);
            }
            Event::AgentUpdated { agent } => {
                let id = agent.id();
                let a = self.logged_in(id)?;
                let rec = self.st.agent(a);
                for (c, &held) in rec.agent.capacities().iter().zip(&rec.used) {
                    if held > 0 && agent.capacity(c.channel) == 0 {
                        let channel = c.channel;
                        return Err(RouterError::ChannelInUse {
                            agent: id,
                            channel,
                            held,
                        });
                    }
                }
                // Out of every index under the old profile (as if logged
                // out), then back in under the new one.
                let presence = rec.presence;
                self.st.agents[a as usize].presence = Presence::LoggedOut;
                self.st.refresh_agent(a);
                self.count_channels(a, -1);
                let class = self.fit.agent_class(&agent);
                let profile = self.st.profile_for(&agent, class);
                let rec = &mut self.st.agents[a as usize];
                rec.reprofile(agent, profile, class);
                rec.presence = presence;
                self.count_channels(a, 1);
                self.st.sweep_profiles();
                self.st.refresh_agent(a);
                if presence == Presence::Ready {
                    triggers[0] = Some(Trigger::AgentAvailable(id));
                }
            }
            Event::AgentReady { agent } => {
                let a = self.logged_in(agent)?;
                let rec = &mut self.st.agents[a as usize];
                if rec.presence != Presence::Ready {
                    rec.presence = Presence::Ready;
                    if rec.used_total == 0 {
                        rec.idle_since = now;
                    }
                }
                self.st.refresh_agent(a);
                triggers[0] = Some(Trigger::AgentAvailable(agent));
            }
            Event::AgentNotReady { agent } => {
                let a = self.logged_in(agent)?;
                self.st.agents[a as usize].presence = Presence::NotReady;
                self.st.refresh_agent(a);
            }
            Event::ContactArrived { contact } => return self.apply_arrived(now, contact),
            Event::OfferAccepted { contact, agent } => {
                return self.apply_accepted(now, contact, agent);
            }
            Event::OfferDeclined { contact, agent } | Event::OfferTimedOut { contact, agent } => {
                let name = if matches!(event, Event::OfferDeclined { .. }) {
                    "OfferDeclined"
                } else {
                    "OfferTimedOut"
                };
                let (ix, a) = self.offered_to(contact, agent, name)?;
                self.release_slot(a, ix, now);
                // listed now: the contact's own decision comes first
                self.st.refresh_agent(a);
                let cool = self.config.decline_cooldown;
                if cool > 0.0
                    && let Some(rec) = self.st.contact_mut(ix)
                {
                    rec.cooldowns.push((a, now + cool));
                }
                self.set_held(ix, Held::Waiting);
                self.st.enqueue(ix);
                // Back in the queue: its relaxation may have moved on, and its
                // wake-ups may have been dropped while it was offered.
                self.arm(ix, now);
                triggers = [
                    Some(Trigger::ContactWaiting(contact)),
                    Some(Trigger::AgentAvailable(agent)),
                ];
            }
            Event::ContactAbandoned { contact } | Event::ContactWithdrawn { contact } => {
                let abandoned = matches!(event, Event::ContactAbandoned { .. });
                let (ix, held) = self.contact_ix(contact)?;
                match held {
                    Held::Waiting => {
                        self.st.dequeue(ix);
                    }
                    Held::Offered(a) => {
                        self.release_slot(a, ix, now);
                        self.freed(a);
                        triggers[0] = Some(Trigger::AgentAvailable(self.st.agent(a).agent.id()));
                    }
                    _ => {
                        let name = if abandoned {
                            "ContactAbandoned"
                        } else {
                            "ContactWithdrawn"
                        };
                        return Err(self.wrong_state(contact, held, name));
                    }
                }
                self.st.count_held(held, -1);
                if abandoned {
                    self.st.counts.abandoned += 1;
                } else {
                    self.st.counts.withdrawn += 1;
                }
                self.st.remove_contact(ix);
            }
            Event::ContactUpdated { contact } => {
                let id = contact.id();
                let (ix, held) = self.contact_ix(id)?;
                if held != Held::Waiting {
                    return Err(self.wrong_state(id, held, "ContactUpdated"));
                }
                // A contact left on a channel nobody serves any more waits
                // there whatever its other data: refusing to change them
                // would only keep its old priority or requirements.
                let same_channel = self
                    .st
                    .contact(ix)
                    .is_some_and(|r| r.contact.channel() == contact.channel());
                match self.check_servable(&contact, now) {
                    Err(RouterError::ChannelNotServed { .. }) if same_channel => {}
                    checked => checked?,
                }
                // Out of its queue, changed, and back at its (arrival,
                // arrival order) place in the queue of its new kind, at the
                // relaxation its wait gives (set before it is queued, so
                // that `arm` need not move it again).
                self.st.dequeue(ix);
                let (relax, _) = self.relaxation_at(&contact, now);
                if let Some(rec) = self.st.contact_mut(ix) {
                    rec.contact = contact;
                    rec.relax = relax;
                }
                self.st.enqueue(ix);
                self.arm(ix, now);
                triggers[0] = Some(Trigger::ContactWaiting(id));
            }
            Event::WorkCompleted { contact, outcome } => {
                return self.apply_wrap_up(contact, outcome);
            }
            Event::WorkCompletedNoWrapUp { contact, outcome } => {
                return self.apply_completed(now, contact, outcome);
            }
            Event::WrapUpDone { contact } => return self.apply_wrapped(now, contact),
            Event::Tick => {}
            Event::Rebalance => triggers[0] = Some(Trigger::Rebalance),
        }
        Ok((triggers, None))
    }

    /// [`apply`](Self::apply) of `ContactArrived`.
    #[inline(always)]
    fn apply_arrived(&mut self, now: f64, contact: Contact) -> Applied {
        let id = contact.id();
        if self.st.contact_slot(id).is_some() {
            return Err(RouterError::DuplicateContact(id));
        }
        self.check_servable(&contact, now)?;
        let ix = self.st.insert_contact(contact, 0);
        self.st.count_held(Held::Waiting, 1);
        let arriving = if self.policy.arrival_reads_agents_only() {
            Some(ix) // queued by `settle` if the policy leaves it waiting
        } else {
            self.st.enqueue(ix);
            None
        };
        self.arm(ix, now);
        self.newcomer = Some(ix);
        Ok(([Some(Trigger::ContactWaiting(id)), None], arriving))
    }

    /// A contact that arrives or changes at `now` must have arrived by then,
    /// on a channel that some agent known to the router serves.
    #[inline(always)]
    fn check_servable(&self, contact: &Contact, now: f64) -> Result<(), RouterError> {
        let id = contact.id();
        if contact.arrival() > now {
            return Err(RouterError::ArrivalInFuture {
                contact: id,
                arrival: contact.arrival(),
                now,
            });
        }
        let channel = contact.channel();
        if self
            .st
            .channel_agents
            .get(usize::from(channel.0))
            .is_none_or(|&n| n == 0)
        {
            return Err(RouterError::ChannelNotServed {
                contact: id,
                channel,
            });
        }
        Ok(())
    }

    /// [`apply`](Self::apply) of `WorkCompletedNoWrapUp`.
    #[inline(always)]
    fn apply_completed(&mut self, now: f64, contact: ContactId, outcome: Outcome) -> Applied {
        // The contact first: an unknown one is that, whatever its outcome.
        let (ix, held) = self.contact_ix(contact)?;
        let Held::InService(a) = held else {
            return Err(self.wrong_state(contact, held, "WorkCompletedNoWrapUp"));
        };
        check_outcome(contact, &outcome)?;
        self.observe(ix, a, &outcome);
        Ok(([Some(self.complete(a, ix, held, now)), None], None))
    }

    /// [`apply`](Self::apply) of `OfferAccepted`.
    #[inline(always)]
    fn apply_accepted(&mut self, now: f64, contact: ContactId, agent: AgentId) -> Applied {
        let (ix, a) = self.offered_to(contact, agent, "OfferAccepted")?;
        self.st.note_answer(ix, now);
        self.set_held(ix, Held::InService(a));
        Ok(([None, None], None))
    }

    /// [`apply`](Self::apply) of `WorkCompleted`.
    #[inline(always)]
    fn apply_wrap_up(&mut self, contact: ContactId, outcome: Outcome) -> Applied {
        // The contact first: an unknown one is that, whatever its outcome.
        let (ix, held) = self.contact_ix(contact)?;
        let Held::InService(a) = held else {
            return Err(self.wrong_state(contact, held, "WorkCompleted"));
        };
        check_outcome(contact, &outcome)?;
        self.set_held(ix, Held::WrapUp(a));
        self.st.agents[a as usize].wrapping += 1;
        self.observe(ix, a, &outcome);
        Ok(([None, None], None))
    }

    /// [`apply`](Self::apply) of `WrapUpDone`.
    #[inline(always)]
    fn apply_wrapped(&mut self, now: f64, contact: ContactId) -> Applied {
        let (ix, held) = self.contact_ix(contact)?;
        let Held::WrapUp(a) = held else {
            return Err(self.wrong_state(contact, held, "WrapUpDone"));
        };
        let rec = &mut self.st.agents[a as usize];
        rec.wrapping = rec.wrapping.saturating_sub(1);
        Ok(([Some(self.complete(a, ix, held, now)), None], None))
    }

    /// Forgets logged-out agent `agent`, at slot `a` (see
    /// [`Event::AgentRemoved`]).
    fn remove_agent(&mut self, now: f64, agent: AgentId, a: u32) {
        self.count_channels(a, -1);
        // Slots are about to move: nothing may keep one across this.
        self.memo.clear();
        self.vouched.clear();
        debug_assert!(self.deferred.is_none());
        let cooled = self.st.remove_agent(a);
        self.policy.agent_removed(agent, a as usize);
        // A waiting contact whose next wake-up was the end of the agent's
        // cool-down needs it no more: its wake-up is worked out again (a
        // standby restored from a snapshot, which lacks the cool-down, works
        // it out so). One due by now is left to the wake-ups of this very
        // event, which take the change into account: re-armed here, the
        // relaxation step due with it would be taken without the decision
        // that follows a wake-up.
        for ix in cooled {
            if self
                .st
                .contact(ix)
                .is_some_and(|r| r.held == Held::Waiting && r.wake_at.is_none_or(|w| w > now))
            {
                self.arm(ix, now);
            }
        }
    }

    /// Tells the policy what came of contact `ix`, served by agent `a`.
    fn observe(&mut self, ix: u32, a: u32, outcome: &Outcome) {
        let agent_id = self.st.agent(a).agent.id();
        if let Some(rec) = self.st.contact(ix) {
            self.policy.observe_outcome(&rec.contact, agent_id, outcome);
        }
    }

    /// Served contact `ix` (held as `held`) leaves; agent `a`'s slot is free
    /// again, which is what the policy is asked about next.
    #[inline(always)]
    fn complete(&mut self, a: u32, ix: u32, held: Held, now: f64) -> Trigger {
        self.release_slot(a, ix, now);
        self.freed(a);
        self.st.count_held(held, -1);
        self.st.counts.completed += 1;
        self.st.remove_contact(ix);
        Trigger::AgentAvailable(self.st.agent(a).agent.id())
    }

    fn count_channels(&mut self, a: u32, delta: i32) {
        let chans: Vec<ChannelId> = self
            .st
            .agent(a)
            .agent
            .capacities()
            .iter()
            .map(|c| c.channel)
            .collect();
        for ch in chans {
            let i = usize::from(ch.0);
            let counts = &mut self.st.channel_agents;
            if counts.len() <= i {
                counts.resize(i + 1, 0);
            }
            counts[i] = counts[i].saturating_add_signed(delta);
        }
    }

    #[inline]
    fn set_held(&mut self, ix: u32, held: Held) {
        let Some(old) = self.st.contact(ix).map(|r| r.held) else {
            return;
        };
        self.st.count_held(old, -1);
        self.st.count_held(held, 1);
        if let Some(rec) = self.st.contact_mut(ix) {
            rec.held = held;
        }
    }

    /// Frees the slot agent `a` used for contact `ix`.
    #[inline]
    fn release_slot(&mut self, a: u32, ix: u32, now: f64) {
        let Some(channel) = self.st.contact(ix).map(|r| r.contact.channel()) else {
            return;
        };
        let rec = &mut self.st.agents[a as usize];
        rec.release_slot(channel);
        if rec.used_total == 0 {
            rec.idle_since = now;
        }
    }

    /// Agent `a` freed a slot and the policy is asked about it next, alone:
    /// if the policy reads only that agent then
    /// ([`RoutingPolicy::freed_agent_reads_contacts_only`]), its indexes are
    /// brought up to date after the decision (by the offer it makes, or by
    /// `handle`), not moved in now and out again when work is waiting.
    #[inline]
    fn freed(&mut self, a: u32) {
        if self.policy.freed_agent_reads_contacts_only() {
            self.deferred = Some(a);
        } else {
            self.st.refresh_agent(a);
        }
    }

    /// The relaxation of `contact` at `now`, and the absolute time of its next
    /// step. Both go by the wait a policy sees
    /// ([`ContactRef::waited`](crate::ContactRef::waited), [`waited_at`]):
    /// a step `n` is reached once `arrival + n <= now`, the instant of its
    /// wake-up, as a service-level threshold is met by the instant
    /// `arrival + threshold`. With `now - arrival` instead (arrival
    /// 30.827849402204, step 10: 9.999999999999996 at `arrival + 10`), a
    /// policy comparing the wait with its step refused at its own wake-up
    /// and was never woken again: the contact waited for good.
    fn relaxation_at(&self, contact: &Contact, now: f64) -> (u8, Option<f64>) {
        let arrival = contact.arrival();
        let waited = waited_at(arrival, now);
        let next = self
            .policy
            .next_relaxation(contact, waited)
            .filter(|n| n.is_finite() && *n > waited)
            .map(|n| arrival + n)
            .filter(|&t| t > now);
        (self.policy.relaxation(contact, waited), next)
    }

    /// For a waiting contact: brings its relaxation up to date, forgets ended
    /// cool-downs, and makes sure one wake-up is queued for the next moment time
    /// alone widens its eligibility (a relaxation step or a cool-down end).
    #[inline(always)]
    fn arm(&mut self, ix: u32, now: f64) {
        let Some(rec) = self.st.contact(ix) else {
            return;
        };
        let (relax, step) = self.relaxation_at(&rec.contact, now);
        let id = rec.contact.id();
        // Most contacts never relax nor meet a cool-down: the checks that
        // skip the calls are cheaper than the calls (this runs per arrival).
        if relax != rec.relax {
            self.st.set_relax(ix, relax);
        }
        let Some(rec) = self.st.contact_mut(ix) else {
            return;
        };
        let cool = if rec.cooldowns.is_empty() {
            None
        } else {
            rec.cooldowns.retain(|&(_, u)| u > now);
            rec.cooldowns.iter().map(|&(_, u)| u).min_by(f64::total_cmp)
        };
        // A moment beyond the time limit never comes: the router refuses
        // events then, so it is not announced (a cool-down or step that
        // ends there lasts for good).
        let at = match (step, cool) {
            (Some(s), Some(c)) => Some(s.min(c)),
            (s, c) => s.or(c),
        }
        .filter(|&t| t <= crate::model::TIME_LIMIT);
        if at != rec.wake_at {
            rec.wake_at = at;
            if let Some(at) = at {
                self.wakeups.push(Reverse(Wakeup {
                    at,
                    seq: rec.seq,
                    contact: id,
                }));
            }
        }
    }

    /// Whether a queued wake-up is its contact's live one: `Some(ix)` if so.
    fn live_wakeup(&self, w: &Wakeup) -> Option<u32> {
        let ix = self.st.contact_slot(w.contact)?;
        let rec = self.st.contact(ix)?;
        (rec.wake_at == Some(w.at)).then_some(ix)
    }

    /// Takes the wake-ups that are due, updates those contacts' relaxation and
    /// queues them for a [`Trigger::ContactWaiting`].
    fn pop_due(&mut self, now: f64) {
        while let Some(Reverse(w)) = self.wakeups.peek().copied() {
            if w.at > now {
                break;
            }
            self.wakeups.pop();
            let Some(ix) = self.live_wakeup(&w) else {
                continue;
            };
            let Some(rec) = self.st.contact_mut(ix) else {
                continue;
            };
            rec.wake_at = None;
            if rec.held != Held::Waiting {
                // re-armed when it comes back to the queue
                continue;
            }
            self.arm(ix, now);
            if !self.due.contains(&w.contact) {
                self.due.push(w.contact);
            }
        }
    }

    /// Keeps `next_wakeup` honest: drops stale wake-ups and those of contacts
    /// no longer waiting (re-armed if they come back to the queue).
    fn drop_stale_wakeups(&mut self) {
        while let Some(Reverse(w)) = self.wakeups.peek().copied() {
            if let Some(ix) = self.live_wakeup(&w) {
                let Some(rec) = self.st.contact_mut(ix) else {
                    break;
                };
                if rec.held == Held::Waiting {
                    break;
                }
                rec.wake_at = None;
            }
            self.wakeups.pop();
        }
    }

    /// Asks the policy about `trigger` and applies the feasible proposals.
    #[inline(always)]
    fn run(&mut self, trigger: Trigger, out: &mut Vec<Offer>) {
        match trigger {
            Trigger::Rebalance => self.rebalance(out),
            Trigger::AgentAvailable(agent) => {
                // Ask again while the agent has room and the last answer placed work,
                // so that a policy may propose one offer per call.
                let Some(a) = self.st.agent_slot(agent) else {
                    return;
                };
                let cap = self.st.agent(a).agent.total_capacity();
                for _ in 0..cap {
                    // No waiting contact: no pair to make, so no call (an
                    // agent freed in a quiet moment, or the ask again after
                    // its last offer emptied the queue).
                    if !self.st.agent(a).available()
                        || !self.st.any_waiting()
                        || self.ask(trigger, out) == 0
                    {
                        break;
                    }
                }
            }
            Trigger::ContactWaiting(_) => {
                // No available agent: likewise (a contact arriving while
                // all are busy).
                if self.st.any_available() {
                    self.ask(trigger, out);
                }
            }
        }
    }

    /// One call of the policy; returns how many offers were made.
    #[inline(always)]
    fn ask(&mut self, trigger: Trigger, out: &mut Vec<Offer>) -> usize {
        self.proposals.clear();
        self.memo.clear();
        self.vouched.clear();
        let view = RouterView {
            st: &self.st,
            fit: &*self.fit,
            weights: &self.config.weights,
            now: self.now,
            // Only an explanation reads the memo: without one, the scores
            // a policy computes need not be kept.
            memo: self.config.explain.then_some(&self.memo),
            vouched: Some(&self.vouched),
        };
        // Into the router's own buffer, borrowed beside the view's fields
        // and read back by index: not moved out and back for every call.
        self.policy.decide(&view, trigger, &mut self.proposals);
        if self.config.explain && self.proposals.len() > 1 {
            return self.offer_several(trigger, out);
        }
        let mut made = 0;
        let mut i = 0;
        while let Some(&p) = self.proposals.get(i) {
            made += usize::from(self.offer(p, trigger, out));
            i += 1;
        }
        made
    }

    /// [`ask`](Self::ask)'s offers when one explained decision proposed
    /// several pairs. They are one decision, made on the state as it was:
    /// each offer is explained by that state, not by the one the earlier
    /// offers left (where an agent already given one contact of a plan is
    /// busy, its idle and load terms other than those the plan weighed), so
    /// all are scored before any is applied. Out of line, so that the
    /// common decision's code stays as it was.
    #[cold]
    #[inline(never)]
    fn offer_several(&mut self, trigger: Trigger, out: &mut Vec<Offer>) -> usize {
        self.explain_all();
        let mut made = 0;
        let mut i = 0;
        while let Some(&p) = self.proposals.get(i) {
            self.explaining = Some(i);
            made += usize::from(self.offer(p, trigger, out));
            i += 1;
        }
        self.explaining = None;
        made
    }

    /// Fills `explained` with each proposal's score as the state stands (a
    /// pair the router will refuse gets zeros: never offered, never read).
    fn explain_all(&mut self) {
        let mut explained = std::mem::take(&mut self.explained);
        explained.clear();
        for p in &self.proposals {
            let slots = self
                .st
                .contact_slot(p.contact)
                .zip(self.st.agent_slot(p.agent));
            explained.push(match slots {
                Some((ix, a)) => self
                    .view()
                    .score_slots(ix, a, |v, c, ag| self.policy.explain(v, c, ag)),
                None => ScoreBreakdown::default(),
            });
        }
        self.explained = explained;
    }

    fn rebalance(&mut self, out: &mut Vec<Offer>) {
        if self.policy.plans_globally() {
            let rejected = self.rejected;
            self.ask(Trigger::Rebalance, out);
            if self.rejected == rejected {
                return; // the plan stands as the policy made it
            }
        }
        // Visit contacts most urgent first: re-plans policies that do not plan
        // globally, and repairs a global plan the router could not apply whole
        // (e.g. two chats planned for one agent's single free chat slot).
        let view = self.view();
        let mut order: Vec<_> = view
            .waiting()
            .map(|c| (self.policy.urgency(&c), c.sequence(), c.id()))
            .collect();
        order.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        for (_, _, c) in order {
            // Once every free slot is taken no offer can follow: the policy
            // is not asked about a contact while no agent is available (as
            // `RoutingPolicy::decide` promises).
            if !self.st.any_available() {
                break;
            }
            self.ask(Trigger::ContactWaiting(c), out);
        }
    }

    /// Applies one proposal if feasible; returns whether it was.
    #[inline]
    fn offer(&mut self, p: Proposal, trigger: Trigger, out: &mut Vec<Offer>) -> bool {
        let (Some(ix), Some(a)) = (self.st.contact_slot(p.contact), self.st.agent_slot(p.agent))
        else {
            self.rejected += 1;
            return false;
        };
        let Some(rec) = self.st.contact(ix) else {
            self.rejected += 1;
            return false;
        };
        // A pair the view's iterators listed is eligible until the state
        // changes, which it is about to.
        if rec.held != Held::Waiting
            || !(self.vouched.holds(rec, a) || self.st.eligible(rec, a, self.now))
        {
            self.rejected += 1;
            return false;
        }
        self.vouched.clear();
        // The policy's own computation of this pair, if it made one (the
        // state has not changed since): the memo, kept only while offers are
        // explained, and cleared as it is taken.
        let score = if !self.config.explain {
            ScoreBreakdown::default()
        } else if let Some(i) = self.explaining {
            self.explained[i]
        } else {
            match self.memo.take(&rec.contact, a) {
                Some(s) => s,
                None => self
                    .view()
                    .score_slots(ix, a, |v, c, ag| self.policy.explain(v, c, ag)),
            }
        };
        let channel = rec.contact.channel();
        let held = if self.config.auto_accept {
            Held::InService(a)
        } else {
            Held::Offered(a)
        };
        let on_arrival = self.newcomer == Some(ix);
        self.st
            .take_offered(ix, self.now, on_arrival, self.config.auto_accept, held);
        self.st.agents[a as usize].take_slot(channel);
        self.st.refresh_agent(a);
        if self.deferred == Some(a) {
            // listed as it now is: nothing left to defer
            self.deferred = None;
        }
        out.push(Offer {
            contact: p.contact,
            agent: p.agent,
            score,
            trigger,
        });
        true
    }
}

impl<P: RoutingPolicy> std::fmt::Debug for Router<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("policy", &self.policy.name())
            .field("now", &self.now)
            .field("counts", &self.st.counts)
            .field("agents", &self.st.agents.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `handle` returns a `Result` holding a `RouterError`, and the
    /// event path moves it through several calls per event: a variant that
    /// grows the error costs every event (one that held two strings inline
    /// cost M/M/n 0.4% more instructions). Box large payloads instead.
    #[test]
    fn the_error_stays_small() {
        assert!(
            std::mem::size_of::<RouterError>() <= 48,
            "RouterError is {} bytes",
            std::mem::size_of::<RouterError>()
        );
    }

    /// Messages print everyday times as written and extreme ones in
    /// exponent form, not as 300 digits.
    #[test]
    fn error_times_read_short() {
        let back = RouterError::TimeWentBackwards {
            now: 1e300,
            last: 1e301,
        };
        assert_eq!(
            back.to_string(),
            "time went backwards: 1e300 is before the last event at 1e301"
        );
        let future = RouterError::ArrivalInFuture {
            contact: ContactId(7),
            arrival: 12.5,
            now: 1e-7,
        };
        assert_eq!(
            future.to_string(),
            "contact#7 has arrival time 12.5, after now (1e-7)"
        );
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-3e20), "-3e20");
    }

    /// A reason's next look is a time like any other: a tiny one (a
    /// cool-down of 1e-300 s from t = 0) printed 300 digits.
    #[test]
    fn waiting_reasons_read_short() {
        let why = |t: f64| WaitingReasons {
            contact: ContactId(7),
            waited: 0.0,
            relaxation: 0,
            next_change: Some(t),
            logged_in: 0,
            other_channel: 0,
            unskilled: 0,
            not_ready: 0,
            full: 0,
            cooling: 0,
            eligible: 0,
        };
        assert_eq!(
            why(1e-300).to_string(),
            "contact#7 has waited 0 s: no agent is logged in; the router looks again at t = 1e-300 s"
        );
        assert!(why(90.5).to_string().ends_with("at t = 90.5 s"));
    }
}
