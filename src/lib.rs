//! # skillroute — skills-based contact routing
//!
//! skillroute decides which agent handles which contact (call, chat, message,
//! email, social post). At each decision point it matches waiting contacts to
//! free agent capacity through a **weighted bipartite assignment** on skills,
//! customer fit, agent load and waiting time, under a pluggable
//! [`RoutingPolicy`].
//!
//! * [Quick start](#quick-start)
//! * [Concepts](#concepts)
//! * [API themes](#api-themes)
//! * [Cookbook](#cookbook)
//! * [Cargo features](#cargo-features)
//!
//! ## Quick start
//!
//! Route five contacts to three agents, and read why each agent was chosen:
//!
//! ```
//! use skillroute::{Agent, AgentId, ChannelId, Contact, ContactId, Event, OptimalAssignment, Router, SkillId};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let billing = SkillId(1);
//! let mut router = Router::new(OptimalAssignment::default());
//! let mut offers = Vec::new();
//! for (id, level) in [(1, 9), (2, 5), (3, 7)] {
//!     let agent = Agent::builder(AgentId(id)).skill(billing, level).channel(ChannelId::VOICE, 1).build()?;
//!     router.handle(0.0, Event::AgentLogin { agent }, &mut offers)?;
//!     router.handle(0.0, Event::AgentReady { agent: AgentId(id) }, &mut offers)?;
//! }
//! for id in 1..=5 {
//!     let contact = Contact::builder(ContactId(id), ChannelId::VOICE, 1.0).requires(billing, 5).build()?;
//!     router.handle(1.0, Event::ContactArrived { contact }, &mut offers)?;
//! }
//! assert_eq!(offers.len(), 3); // three agents, so two contacts wait
//! assert_eq!(offers[0].agent, AgentId(1)); // the most skilled agent takes the first contact
//! let why = offers[0].score; // term by term: skill, fit, idle, load, wait, priority…
//! assert!((why.total - (why.skill + why.fit + why.preference + why.idle + why.load + why.wait + why.priority)).abs() < 1e-12);
//!
//! // The agent answers, works, wraps up; then the oldest eligible contact is offered.
//! let (c, a) = (offers[0].contact, offers[0].agent);
//! offers.clear();
//! router.handle(2.0, Event::OfferAccepted { contact: c, agent: a }, &mut offers)?;
//! router.handle(60.0, Event::WorkCompleted { contact: c, outcome: Default::default() }, &mut offers)?;
//! router.handle(75.0, Event::WrapUpDone { contact: c }, &mut offers)?;
//! assert_eq!(offers.len(), 1);
//! assert_eq!(offers[0].agent, AgentId(1));
//! # Ok(()) }
//! ```
//!
//! ## Concepts
//!
//! * **Model** ([`model`]): newtype ids ([`AgentId`], [`ContactId`], [`SkillId`],
//!   [`ChannelId`]…); an [`Agent`] has skills at a [`Level`] `1..=10`, a
//!   capacity per channel (e.g. 1 call, 3 chats) and in total (by default the
//!   largest per-channel capacity: a call and two chats at once); a [`Contact`] has a
//!   channel, skill requirements (skill + minimum level), priority, value tier,
//!   segment and arrival time. Constructors validate; after that the data is trusted.
//! * **Score** ([`score`]): the weight of a pair is a sum of named terms (skill,
//!   fit, preference, idle, load, wait, priority), each scaled by a
//!   [`ScoreWeights`] entry; the fit term comes from a [`FitModel`]. Every offer
//!   carries its [`ScoreBreakdown`] (unless [`RouterConfig::explain`] is off).
//! * **Assignment** ([`assign`]): the library's own exact maximum-weight
//!   matching on sparse rectangular bipartite graphs; domain-free, usable alone.
//! * **Policy** ([`policy`]): a [`RoutingPolicy`] sees a read-only
//!   [`RouterView`] and proposes offers. Built in: [`LongestIdleAgent`],
//!   [`PriorityAging`], [`SkillExpansion`], [`CMu`], [`OptimalAssignment`],
//!   and [`LearnedFit`], the optimal assignment with a customer fit learned
//!   online from outcomes (Beta–Bernoulli; Thompson sampling, UCB or greedy).
//!   A [`PolicySpec`] names a built-in and its parameters in a settings
//!   file (`kind = "skill-expansion"`…) and builds it.
//! * **Router** ([`router`]): what an ACD embeds. Events in, [`Offer`]s out.
//!
//! ## API themes
//!
//! * **Time is passed in.** [`Router::handle`] takes the event's time; the
//!   router has no clock, threads or I/O. Time never goes backwards (that is an
//!   error). What time alone changes (a skill-relaxation step, the end of a
//!   decline cool-down) is announced by [`Router::next_wakeup`]: send
//!   [`Event::Tick`] then (`examples/acd_loop.rs` is such a loop, from
//!   settings read with [`Router::builder`] to a standby's takeover).
//! * **Send, not Sync.** A [`Router`] can be built on one thread and moved
//!   to the one that handles its events, or shared as an
//!   `Arc<Mutex<Router>>` that threads lock in turn: [`RoutingPolicy`] and
//!   [`FitModel`] require `Send`. It is not `Sync`: one thread at a time
//!   handles its events.
//! * **Deterministic.** The same events give the same offers, bit for bit, so
//!   an event log can be replayed (see `examples/replay.rs`).
//! * **Errors leave no trace.** Illegal input returns a [`RouterError`] naming
//!   what is wrong, and the state is exactly as before. No input panics, but
//!   for one documented exception: [`Router::new`] is infallible and does not
//!   check the policy's settings, and debug builds assert them, so a policy
//!   with invalid settings (a `PriorityAging` aging by NaN a second, say)
//!   panics there in a debug build (a release build takes it unchecked).
//!   [`Router::builder`]`(policy).build()` checks them and returns
//!   [`RouterError::Policy`] instead: build that way from settings that come
//!   from a file or a user.
//! * **Nothing is lost.** Every contact that arrived is in exactly one of
//!   waiting, offered, in service, wrap-up, completed, abandoned or
//!   withdrawn ([`Counts`]), and a restart need not lose any:
//!   [`Router::snapshot`] saves the whole state (serde) and
//!   [`Router::restore`] takes it back, after which the same events give
//!   the same offers.
//! * **Agents change while working.** [`Event::AgentUpdated`] gives a
//!   logged-in agent new skills, levels or capacities; it keeps what it
//!   holds.
//! * **O(degree) per event.** A non-idling policy only looks at the changed
//!   contact's eligible agents or the changed agent's eligible contacts, through
//!   indexes; only [`Event::Rebalance`] solves the whole assignment.
//! * **Workspaces are reused.** The router keeps its buffers between events and
//!   [`assign::Solver`] keeps its workspace between solves.
//!
//! ## Cookbook
//!
//! A policy of your own is one method. This one offers each contact to the
//! eligible agent with the best customer fit, and gives a free agent the
//! highest-priority contact:
//!
//! ```
//! use skillroute::{Proposal, RouterView, RoutingPolicy, Trigger};
//!
//! struct BestFit;
//!
//! impl RoutingPolicy for BestFit {
//!     fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
//!         match trigger {
//!             Trigger::ContactWaiting(id) => {
//!                 let Some(c) = view.waiting_contact(id) else { return };
//!                 // Ties go to the smaller id: a choice that does not hang on
//!                 // the order the view lists agents in (see `Router::restore`).
//!                 let best = view.eligible_agents(c).max_by(|x, y| {
//!                     let (fx, fy) = (view.score(&c, x).fit, view.score(&c, y).fit);
//!                     fx.total_cmp(&fy).then(y.id().cmp(&x.id()))
//!                 });
//!                 if let Some(a) = best {
//!                     out.push(Proposal { contact: id, agent: a.id() });
//!                 }
//!             }
//!             Trigger::AgentAvailable(id) => {
//!                 let Some(a) = view.agent(id) else { return };
//!                 // Ties go to the first to reach the router.
//!                 let key = |c: &skillroute::ContactRef<'_>| (c.priority(), std::cmp::Reverse(c.sequence()));
//!                 if let Some(c) = view.eligible_contacts(a).max_by_key(key) {
//!                     out.push(Proposal { contact: c.id(), agent: id });
//!                 }
//!             }
//!             _ => {} // a re-plan is handled contact by contact by the router
//!         }
//!     }
//! }
//! # let _ = skillroute::Router::new(BestFit);
//! ```
//!
//! A policy that wraps another forwards every method the trait provides
//! (see [`RoutingPolicy`]): a default left in place speaks for the wrapper,
//! and a wrapped [`LearnedFit`]'s work in flight and learned state would be
//! left out of its snapshots.
//!
//! Runnable programs: `examples/quickstart.rs`, `examples/acd_loop.rs` (an
//! ACD's event loop), `examples/custom_policy.rs`,
//! `examples/replay.rs` (replay an event log through any policy),
//! `examples/assign.rs` (the solver on an instance file).
//!
//! ## Cargo features
//!
//! * `sim` (on by default): the discrete-event simulator (`skillroute::sim`)
//!   and the simulation-based staffing search (`staffing::SimStaffing`,
//!   `StaffingTable`, `single_skill_scenario`… and module `staffing::sim`),
//!   with the crates only they use: rayon, statrs, toml and csv.
//! * `python`: the Python bindings of `examples/python.rs`; implies `sim`.
//!
//! An ACD that embeds only the router leaves `sim` out:
//!
//! ```toml
//! [dependencies]
//! skillroute = { version = "0.1", default-features = false }
//! ```
//!
//! It keeps everything above: [`model`], [`score`], [`assign`], [`policy`]
//! ([`LearnedFit`] included, and [`PolicySpec`], the built-in policies by
//! name from a settings file, as `examples/acd_loop.rs` reads them),
//! [`router`] with its serde snapshots, and the analytic half of
//! [`staffing`] (Erlang B, C and A, their inverses and square-root
//! staffing, [`ErlangC`], [`ErlangA`], [`StaffingError`]), on rand,
//! rand_distr, rand_pcg, serde, serde_json, smallvec and thiserror alone.
//! It loses the simulator and the staffing search by simulation.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

/// The README's Rust code, compiled and run as doctests so that it stays
/// right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod assign;
pub mod model;
pub mod policy;
pub mod router;
pub mod score;
#[cfg(feature = "sim")]
pub mod sim;
pub mod staffing;
mod state;
mod written;

pub use model::{
    Agent, AgentId, AgentState, ChannelId, Contact, ContactId, ContactState, Level, Outcome,
    Presence, SegmentId, SkillId, TIME_LIMIT, TierId,
};
pub use policy::{
    AgentRef, CMu, ContactRef, LearnedFit, LongestIdleAgent, OptimalAssignment, PolicyError,
    PolicySpec, PolicySpecError, PriorityAging, Proposal, RelaxStep, RouterView, RoutingPolicy,
    SkillExpansion, Trigger, Urgency,
};
pub use router::{
    AgentSnapshot, ContactSnapshot, Counts, Event, Offer, Router, RouterBuilder, RouterConfig,
    RouterError, RouterSnapshot, SNAPSHOT_FORMAT, SnapshotConfig, WaitingReasons,
};
pub use score::{AffinityTable, FitModel, NeutralFit, ScoreBreakdown, ScoreWeights};
pub use staffing::{ErlangA, ErlangC, StaffingError};
