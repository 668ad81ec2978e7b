//! An ACD's event loop around the router: the skeleton to copy when
//! embedding skillroute.
//!
//! `cargo run --release --example acd_loop [-- --seed N] [-- --verbose]`
//!
//! What it shows, in the order an integration needs it:
//! - the router built with [`Router::builder`] from settings kept in a file
//!   (a TOML string here: the policy, the score weights and the router's
//!   configuration), which checks them and names what is wrong;
//! - agents log in and become ready; contacts arrive from a seeded stream;
//!   each offer rings its agent, who accepts, declines or does not answer
//!   (the ACD's ring timer then sends `OfferTimedOut`); customers hang up,
//!   take a callback, are served and wrapped up;
//! - the loop sleeps until the earlier of its own next event and
//!   [`Router::next_wakeup`], and sends [`Event::Tick`] at the latter: a
//!   contact's skill requirements relax after 20 s of waiting, and an agent's
//!   decline cool-down ends, with nothing else happening;
//! - errors by kind: an event the ACD's view and the router's disagree on (a
//!   click that lost a race with the ring timer, a message the bus delivered
//!   twice) is logged and skipped, the router unchanged; a broken clock
//!   stops the loop;
//! - a snapshot every [`SNAPSHOT_EVERY`] events and a journal of the events
//!   since; at the end a standby built from the same settings restores the
//!   last snapshot, replays the journal and makes the same offers: failover;
//! - for a supervisor, once: why a contact waited (`why_waiting`) and the
//!   score, term by term, of the offer that ended its wait.
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::error::Error;

use serde::Deserialize;
use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, Counts, Event, Offer, Outcome, PolicySpec,
    Router, RouterConfig, RouterError, SkillId, WaitingReasons,
};

/// The routing settings, as an ACD keeps them in a file. `[policy]` is any
/// built-in by `kind`, a [`PolicySpec`] (as `simulate`'s scenarios name
/// them; it needs no simulator: this builds with `--no-default-features`),
/// `[router]` a [`RouterConfig`], its weights included; a field left out
/// keeps its default, and a field misspelt is an error that names it.
const SETTINGS: &str = r#"
[policy]
kind = "skill-expansion"
# After 20 s of waiting a contact's minimum levels drop by 2: the billing-4
# agent then takes the billing-6 calls that have waited that long.
steps = [{ after = 20, relax = 2 }]

[router]
# A declined or unanswered contact is not offered to that agent again for 15 s.
decline_cooldown = 15.0

[router.weights]
skill = 1.0
wait = 2.0
"#;

/// The settings file's shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    policy: PolicySpec,
    #[serde(default)]
    router: RouterConfig,
}

/// A router from a settings file's text. `Router::builder(..).build()`
/// checks the configuration and the policy's parameters and returns a
/// typed error ([`RouterError::BadParameter`], [`RouterError::Score`],
/// [`RouterError::Policy`]) where `Router::new` would take them unchecked.
fn router_from(settings: &str) -> Result<Router, Box<dyn Error>> {
    let s: Settings = toml::from_str(settings)?;
    let policy = s.policy.build()?;
    Ok(Router::builder(policy).config(s.router).build()?)
}

/// Events handled between two snapshots.
const SNAPSHOT_EVERY: usize = 25;
/// Contacts arrive for this long (s); the loop then runs until the last
/// one has left.
const HORIZON: f64 = 1800.0;
/// The ACD's ring timer (s): an offer not answered by then times out.
const RING_LIMIT: f64 = 10.0;
/// A voice call's after-call work (s); chats have none.
const WRAP_UP: f64 = 15.0;

const BILLING: SkillId = SkillId(1);

/// What the loop does with a refused event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Severity {
    /// The event no longer fits the router's state, or names something it
    /// does not know: the ACD's view and the router's crossed (a late click,
    /// a duplicate delivery, a customer who left meanwhile). The router
    /// changed nothing; log it and go on.
    Skip,
    /// The ACD's clock or settings are broken: every later event would be
    /// suspect. Stop, and fail over or page someone.
    Fatal,
}

fn severity(e: &RouterError) -> Severity {
    match e {
        RouterError::UnknownAgent(_)
        | RouterError::UnknownContact(_)
        | RouterError::DuplicateContact(_)
        | RouterError::ChannelNotServed { .. }
        | RouterError::AlreadyLoggedIn(_)
        | RouterError::NotLoggedIn(_)
        | RouterError::AgentHoldsWork { .. }
        | RouterError::ChannelInUse { .. }
        | RouterError::WrongContactState { .. }
        | RouterError::WrongAgent { .. }
        | RouterError::BadSatisfaction { .. } => Severity::Skip,
        RouterError::NonFiniteTime(_)
        | RouterError::TimeOutOfRange(_)
        | RouterError::TimeWentBackwards { .. }
        | RouterError::ArrivalInFuture { .. } => Severity::Fatal,
        // Configuration and snapshot errors, and variants a later version
        // adds (the enum is non-exhaustive): stop rather than guess.
        _ => Severity::Fatal,
    }
}

/// A small, seedable random stream (splitmix64), so that a run is the same
/// every time.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }
}

/// Where a contact is, as the ACD knows it from what it sent and the
/// offers it got.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Call {
    Waiting,
    Ringing { agent: AgentId, ring: u64 },
    Talking,
    Wrapping,
}

/// Something the ACD will learn of at a time: the outside world.
#[derive(Debug, Clone)]
enum Happening {
    Login(Agent),
    Presence {
        agent: AgentId,
        ready: bool,
    },
    /// A customer calls or opens a chat; hangs up after `patience` if not
    /// answered; takes a callback after `callback` if offered one.
    Arrival {
        contact: Contact,
        patience: f64,
        callback: Option<f64>,
    },
    /// The agent clicks accept or decline on ring `ring`.
    Click {
        contact: ContactId,
        agent: AgentId,
        ring: u64,
        accept: bool,
    },
    RingTimer {
        contact: ContactId,
        agent: AgentId,
        ring: u64,
    },
    /// An accept that reaches the ACD after its ring timer fired. Sent on
    /// to the router anyway, as a real ACD's race would: the router refuses
    /// it.
    LateAccept {
        contact: ContactId,
        agent: AgentId,
    },
    HangUp(ContactId),
    Callback(ContactId),
    /// Service ends; `redelivered` is the bus delivering that message again.
    Done {
        contact: ContactId,
        chat: bool,
        redelivered: bool,
    },
    WrapDone(ContactId),
}

struct Pending {
    at: f64,
    seq: u64,
    what: Happening,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> Ordering {
        self.at.total_cmp(&o.at).then(self.seq.cmp(&o.seq))
    }
}

/// The ACD around the router: its future events, its own view of each
/// contact, and what it counted.
struct Acd {
    pending: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    calls: HashMap<ContactId, (Call, bool)>,
    rng: Rng,
    rings: u64,
    /// Rings that ended: answered, declined, timed out, or the customer
    /// left while it rang. Every ring must end.
    rings_ended: u64,
    /// Contacts the stream brought, and how the ACD saw them end.
    generated: u64,
    refused: u64,
    completed: u64,
    abandoned: u64,
    withdrawn: u64,
}

impl Acd {
    fn at(&mut self, at: f64, what: Happening) {
        self.seq += 1;
        let seq = self.seq;
        self.pending.push(Reverse(Pending { at, seq, what }));
    }

    fn next_time(&self) -> Option<f64> {
        self.pending.peek().map(|p| p.0.at)
    }

    /// Four agents and half an hour of a seeded Poisson stream.
    fn new(seed: u64) -> Result<Acd, Box<dyn Error>> {
        let mut acd = Acd {
            pending: BinaryHeap::new(),
            seq: 0,
            calls: HashMap::new(),
            rng: Rng(seed),
            rings: 0,
            rings_ended: 0,
            generated: 0,
            refused: 0,
            completed: 0,
            abandoned: 0,
            withdrawn: 0,
        };
        let (voice, chat) = (ChannelId::VOICE, ChannelId::CHAT);
        let agents = [
            Agent::builder(AgentId(1))
                .skill(BILLING, 8)
                .channel(voice, 1),
            Agent::builder(AgentId(2))
                .skill(BILLING, 6)
                .channel(voice, 1)
                .channel(chat, 2),
            Agent::builder(AgentId(3))
                .skill(BILLING, 4)
                .channel(voice, 1),
            Agent::builder(AgentId(4))
                .skill(BILLING, 7)
                .channel(chat, 3),
        ];
        for a in agents {
            let agent = a.build()?;
            let id = agent.id();
            acd.at(0.0, Happening::Login(agent));
            acd.at(
                0.0,
                Happening::Presence {
                    agent: id,
                    ready: true,
                },
            );
        }
        // A break: agent 1 takes no new work for five minutes.
        let a1 = AgentId(1);
        acd.at(
            900.0,
            Happening::Presence {
                agent: a1,
                ready: false,
            },
        );
        acd.at(
            1200.0,
            Happening::Presence {
                agent: a1,
                ready: true,
            },
        );
        let mut t = 0.0;
        let mut id = 0;
        loop {
            t += acd.rng.exponential(35.0);
            if t >= HORIZON {
                break;
            }
            id += 1;
            let is_chat = acd.rng.uniform() < 0.3;
            let (channel, level) = if is_chat { (chat, 5) } else { (voice, 6) };
            let contact = Contact::builder(ContactId(id), channel, t)
                .requires(BILLING, level)
                .build()?;
            let patience = acd.rng.exponential(150.0);
            let callback = (acd.rng.uniform() < 0.15).then_some(60.0);
            acd.generated += 1;
            acd.at(
                t,
                Happening::Arrival {
                    contact,
                    patience,
                    callback,
                },
            );
        }
        Ok(acd)
    }

    /// The router event for a happening, or `None` where the ACD's own view
    /// says it no longer applies (a ring answered after the customer hung
    /// up, the hang-up of a customer already being served).
    fn event_for(&self, what: &Happening) -> Option<Event> {
        let call = |c: &ContactId| self.calls.get(c).map(|&(call, _)| call);
        Some(match what {
            Happening::Login(agent) => Event::AgentLogin {
                agent: agent.clone(),
            },
            &Happening::Presence { agent, ready: true } => Event::AgentReady { agent },
            &Happening::Presence { agent, .. } => Event::AgentNotReady { agent },
            Happening::Arrival { contact, .. } => Event::ContactArrived {
                contact: contact.clone(),
            },
            &Happening::Click {
                contact,
                agent,
                ring,
                accept,
            } => {
                if call(&contact) != Some(Call::Ringing { agent, ring }) {
                    return None;
                }
                if accept {
                    Event::OfferAccepted { contact, agent }
                } else {
                    Event::OfferDeclined { contact, agent }
                }
            }
            &Happening::RingTimer {
                contact,
                agent,
                ring,
            } => {
                if call(&contact) != Some(Call::Ringing { agent, ring }) {
                    return None;
                }
                Event::OfferTimedOut { contact, agent }
            }
            &Happening::LateAccept { contact, agent } => Event::OfferAccepted { contact, agent },
            &Happening::HangUp(contact) => match call(&contact) {
                Some(Call::Waiting | Call::Ringing { .. }) => Event::ContactAbandoned { contact },
                _ => return None,
            },
            &Happening::Callback(contact) => match call(&contact) {
                Some(Call::Waiting) => Event::ContactWithdrawn { contact },
                _ => return None,
            },
            &Happening::Done {
                contact,
                chat,
                redelivered,
            } => {
                if !redelivered && call(&contact) != Some(Call::Talking) {
                    return None;
                }
                let outcome = Outcome {
                    resolved: Some(contact.0 % 4 != 0),
                    ..Outcome::default()
                };
                if chat {
                    Event::WorkCompletedNoWrapUp { contact, outcome }
                } else {
                    Event::WorkCompleted { contact, outcome }
                }
            }
            &Happening::WrapDone(contact) => Event::WrapUpDone { contact },
        })
    }

    /// The router took the event for `what` at `t`: the ACD's view follows,
    /// and what comes of it is scheduled.
    fn took(&mut self, t: f64, what: &Happening) {
        let ringing = |c: &ContactId| matches!(self.calls.get(c), Some((Call::Ringing { .. }, _)));
        if let Happening::Click { contact, .. }
        | Happening::RingTimer { contact, .. }
        | Happening::HangUp(contact) = what
            && ringing(contact)
        {
            self.rings_ended += 1;
        }
        match what {
            Happening::Arrival {
                contact,
                patience,
                callback,
            } => {
                let (id, chat) = (contact.id(), contact.channel() == ChannelId::CHAT);
                self.calls.insert(id, (Call::Waiting, chat));
                self.at(t + patience, Happening::HangUp(id));
                if let Some(after) = callback {
                    self.at(t + after, Happening::Callback(id));
                }
            }
            &Happening::Click {
                contact,
                accept: true,
                ..
            }
            | &Happening::LateAccept { contact, .. } => {
                let Some(entry) = self.calls.get_mut(&contact) else {
                    return;
                };
                entry.0 = Call::Talking;
                let chat = entry.1;
                let service = self.rng.exponential(if chat { 180.0 } else { 120.0 });
                self.at(
                    t + service,
                    Happening::Done {
                        contact,
                        chat,
                        redelivered: false,
                    },
                );
                if self.rng.uniform() < 0.05 {
                    let again = Happening::Done {
                        contact,
                        chat,
                        redelivered: true,
                    };
                    self.at(t + service + 0.5, again);
                }
            }
            &Happening::Click { contact, .. } | &Happening::RingTimer { contact, .. } => {
                if let Some(entry) = self.calls.get_mut(&contact) {
                    entry.0 = Call::Waiting; // the router routes it again
                }
                if let &Happening::RingTimer { agent, .. } = what
                    && self.rng.uniform() < 0.5
                {
                    // The agent clicks accept a second too late.
                    self.at(t + 1.0, Happening::LateAccept { contact, agent });
                }
            }
            &Happening::HangUp(contact) => {
                self.calls.remove(&contact);
                self.abandoned += 1;
            }
            &Happening::Callback(contact) => {
                self.calls.remove(&contact);
                self.withdrawn += 1;
            }
            &Happening::Done {
                contact,
                chat,
                redelivered: false,
            } => {
                if chat {
                    self.calls.remove(&contact);
                    self.completed += 1;
                } else {
                    if let Some(entry) = self.calls.get_mut(&contact) {
                        entry.0 = Call::Wrapping;
                    }
                    self.at(t + WRAP_UP, Happening::WrapDone(contact));
                }
            }
            &Happening::WrapDone(contact) => {
                self.calls.remove(&contact);
                self.completed += 1;
            }
            Happening::Login(_) | Happening::Presence { .. } | Happening::Done { .. } => {}
        }
    }

    /// The router refused the event for `what`.
    fn on_refused(&mut self, what: &Happening) {
        if let Happening::Arrival { .. } = what {
            // An ACD would send it to voicemail or another site.
            self.refused += 1;
        }
    }

    /// An offer: ring the agent, who answers, declines, or lets it ring.
    fn ring(&mut self, t: f64, offer: &Offer) {
        self.rings += 1;
        let (contact, agent, ring) = (offer.contact, offer.agent, self.rings);
        if let Some(entry) = self.calls.get_mut(&contact) {
            entry.0 = Call::Ringing { agent, ring };
        }
        let u = self.rng.uniform();
        let (at, what) = if u < 0.8 {
            let at = t + 1.0 + 3.0 * self.rng.uniform();
            let accept = true;
            (
                at,
                Happening::Click {
                    contact,
                    agent,
                    ring,
                    accept,
                },
            )
        } else if u < 0.9 {
            let accept = false;
            (
                t + 2.0,
                Happening::Click {
                    contact,
                    agent,
                    ring,
                    accept,
                },
            )
        } else {
            (
                t + RING_LIMIT,
                Happening::RingTimer {
                    contact,
                    agent,
                    ring,
                },
            )
        };
        self.at(at, what);
    }
}

/// What a run did.
struct Run {
    /// Log lines, for the console.
    lines: Vec<String>,
    counts: Counts,
    generated: u64,
    refused: u64,
    acd_ended: [u64; 3],
    /// Offers the ACD rang, and those it saw end.
    rings: [u64; 2],
    events: usize,
    ticks: usize,
    /// Offers made by a tick: time alone (a relaxation step, the end of a
    /// cool-down) let a contact be offered.
    tick_offers: usize,
    skipped: Vec<String>,
    snapshots: usize,
    /// Events the standby replayed after restoring the last snapshot, and
    /// whether it made the primary's offers and ended in its state.
    replayed: usize,
    standby_agrees: bool,
}

/// Sends `event` at `now`; a refused event is logged and skipped, or ends
/// the loop, by its kind.
fn send(
    router: &mut Router,
    now: f64,
    event: Event,
    offers: &mut Vec<Offer>,
    journal: &mut Vec<(f64, Event)>,
) -> Result<Option<RouterError>, RouterError> {
    journal.push((now, event.clone()));
    match router.handle(now, event, offers) {
        Ok(()) => Ok(None),
        Err(e) if severity(&e) == Severity::Skip => Ok(Some(e)),
        Err(e) => Err(e),
    }
}

fn run(seed: u64, verbose: bool) -> Result<Run, Box<dyn Error>> {
    let mut router = router_from(SETTINGS)?;
    let mut acd = Acd::new(seed)?;
    let mut lines = Vec::new();
    let mut offers = Vec::new();
    let (mut events, mut ticks, mut tick_offers) = (0, 0, 0);
    let mut skipped = Vec::new();
    // The last snapshot (as it would go to disk or to the standby) and the
    // events since; the primary's offers since, to check the standby by.
    let mut saved = serde_json::to_string(&router.snapshot())?;
    let mut journal: Vec<(f64, Event)> = Vec::new();
    let mut offered_since: Vec<Offer> = Vec::new();
    let mut snapshots = 0;
    let mut explained = false;
    loop {
        // Sleep until the first of the ACD's next event and the router's
        // wake-up. A real ACD waits on its event channel with this
        // deadline (`recv_timeout`); here the clock jumps to it.
        let next = acd.next_time();
        let wake = router.next_wakeup();
        offers.clear();
        let now = match (next, wake) {
            (None, None) => break,
            (next, Some(w)) if next.is_none_or(|n| w <= n) => {
                // Before the tick: why each waiting contact still waits,
                // for a supervisor's screen should the tick offer it.
                let whys: Vec<WaitingReasons> = if explained {
                    Vec::new()
                } else {
                    let waiting: Vec<ContactId> = router
                        .contacts()
                        .filter(|(_, s)| *s == skillroute::ContactState::Waiting)
                        .map(|(c, _)| c)
                        .collect();
                    waiting
                        .into_iter()
                        .map(|c| router.why_waiting(c))
                        .collect::<Result<_, _>>()?
                };
                let w = w.max(router.now());
                send(&mut router, w, Event::Tick, &mut offers, &mut journal)?;
                ticks += 1;
                tick_offers += offers.len();
                if !explained && let Some(o) = offers.first() {
                    explained = true;
                    if let Some(why) = whys.iter().find(|y| y.contact == o.contact) {
                        lines.push(format!("supervisor: {why}"));
                    }
                    let terms: Vec<String> = o
                        .score
                        .terms()
                        .iter()
                        .filter(|(_, v)| *v != 0.0)
                        .map(|(n, v)| format!("{n} {v:.3}"))
                        .collect();
                    lines.push(format!(
                        "supervisor: a tick at t = {w:.2} offered {} to {} ({}): score {:.3} = {}",
                        o.contact,
                        o.agent,
                        o.trigger,
                        o.score.total,
                        terms.join(" + ")
                    ));
                }
                w
            }
            _ => {
                let Some(Reverse(p)) = acd.pending.pop() else {
                    break;
                };
                let Some(event) = acd.event_for(&p.what) else {
                    continue; // stale: the ACD knows it no longer applies
                };
                if verbose {
                    lines.push(format!("t = {:8.1}  {event:?}", p.at));
                }
                match send(&mut router, p.at, event, &mut offers, &mut journal)? {
                    None => acd.took(p.at, &p.what),
                    Some(e) => {
                        let line = format!("t = {:.1}: skipped, {e}", p.at);
                        lines.push(line.clone());
                        skipped.push(line);
                        acd.on_refused(&p.what);
                    }
                }
                p.at
            }
        };
        events += 1;
        for o in &offers {
            if verbose {
                lines.push(format!("t = {now:8.1}  offer {} -> {}", o.contact, o.agent));
            }
            acd.ring(now, o);
        }
        offered_since.extend_from_slice(&offers);
        if events % SNAPSHOT_EVERY == 0 {
            saved = serde_json::to_string(&router.snapshot())?;
            journal.clear();
            offered_since.clear();
            snapshots += 1;
        }
    }
    // End of the day: everyone logs out (nobody holds work any more).
    let ids: Vec<AgentId> = router.agents().map(|(a, _)| a.id()).collect();
    let end = router.now();
    for agent in ids {
        offers.clear();
        let logout = Event::AgentLogout { agent };
        if let Some(e) = send(&mut router, end, logout, &mut offers, &mut journal)? {
            skipped.push(format!("t = {end:.1}: skipped, {e}"));
        }
    }

    // Failover: a standby built from the same settings takes the last
    // snapshot and the events journaled since, as it would after the
    // primary's crash, and must decide as the primary did.
    let mut standby = router_from(SETTINGS)?;
    standby.restore(&serde_json::from_str(&saved)?)?;
    let mut again = Vec::new();
    for (t, event) in journal.iter().cloned() {
        match standby.handle(t, event, &mut again) {
            Ok(()) => {}
            Err(e) if severity(&e) == Severity::Skip => {}
            Err(e) => return Err(e.into()),
        }
    }
    let standby_agrees = again == offered_since && standby.counts() == router.counts();
    Ok(Run {
        lines,
        counts: router.counts(),
        generated: acd.generated,
        refused: acd.refused,
        acd_ended: [acd.completed, acd.abandoned, acd.withdrawn],
        rings: [acd.rings, acd.rings_ended],
        events,
        ticks,
        tick_offers,
        skipped,
        snapshots,
        replayed: journal.len(),
        standby_agrees,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut seed = 7;
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seed needs a number")?
            }
            "-v" | "--verbose" => verbose = true,
            other => return Err(format!("unknown argument {other} (--seed N, --verbose)").into()),
        }
    }
    let r = run(seed, verbose)?;
    for line in &r.lines {
        println!("{line}");
    }
    let c = r.counts;
    println!(
        "{} events ({} ticks, which made {} offers); {} refused and skipped",
        r.events,
        r.ticks,
        r.tick_offers,
        r.skipped.len()
    );
    println!("router: {c}");
    println!(
        "ACD: {} contacts from the stream, {} refused; it saw {} completed, {} abandoned, {} withdrawn; \
         it rang {} offers, {} of which ended",
        r.generated,
        r.refused,
        r.acd_ended[0],
        r.acd_ended[1],
        r.acd_ended[2],
        r.rings[0],
        r.rings[1]
    );
    println!(
        "failover: {} snapshots; the standby restored the last and replayed {} events: {}",
        r.snapshots,
        r.replayed,
        if r.standby_agrees {
            "same offers, same counts"
        } else {
            "IT DECIDED OTHERWISE"
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every contact the stream brought is accounted for, by the router and
    /// by the ACD alike: arrived = completed + abandoned + withdrawn + still
    /// in the system, and at the end of the drain nothing is left in it (a
    /// completion the loop dropped would leave a contact there for good).
    /// And every offer made was rung and ended: an offer the loop forgot to
    /// ring would otherwise pass unseen, its customer's hang-up ending it.
    #[test]
    fn no_contact_is_lost() {
        for seed in 1..=6 {
            let r = run(seed, false).unwrap();
            let c = r.counts;
            let in_system = c.waiting + c.offered + c.in_service + c.wrap_up;
            assert!(r.generated > 20, "seed {seed}: {} contacts", r.generated);
            assert_eq!(r.generated, c.arrived + r.refused, "seed {seed}: {c}");
            assert_eq!(
                c.arrived,
                c.completed + c.abandoned + c.withdrawn + in_system,
                "seed {seed}: {c}"
            );
            assert_eq!(in_system, 0, "seed {seed}: left in the system: {c}");
            let [rang, ended] = r.rings;
            assert_eq!(rang, ended, "seed {seed}: offers rung and never ended");
            assert_eq!(
                r.acd_ended,
                [c.completed, c.abandoned, c.withdrawn],
                "seed {seed}: the ACD and the router disagree: {c}"
            );
            assert!(c.completed > 0 && c.abandoned > 0, "seed {seed}: {c}");
        }
    }

    /// The loop needs its ticks: with them, time alone (a relaxation step,
    /// a cool-down's end) gets contacts offered. A loop that never slept
    /// until `next_wakeup` would make no offer on a tick.
    #[test]
    fn ticks_at_next_wakeup_make_offers() {
        let mut offers = 0;
        for seed in 1..=6 {
            let r = run(seed, false).unwrap();
            assert!(r.ticks > 0, "seed {seed}: no tick");
            offers += r.tick_offers;
        }
        assert!(offers > 0, "no tick ever made an offer");
    }

    /// The races the loop meets are refused and skipped, not fatal; and
    /// the supervisor's explanation is printed.
    #[test]
    fn races_are_skipped_and_a_decision_is_explained() {
        let r = run(7, false).unwrap();
        assert!(!r.skipped.is_empty());
        assert!(
            r.skipped.iter().all(|s| s.contains("skipped")),
            "{:?}",
            r.skipped
        );
        assert!(
            r.lines.iter().any(|l| l.contains("has waited")),
            "{:?}",
            r.lines
        );
        assert!(r.lines.iter().any(|l| l.contains("score")), "{:?}", r.lines);
    }

    /// The standby restored from the last snapshot and fed the journal
    /// makes the primary's offers and ends in its state.
    #[test]
    fn the_standby_takes_over() {
        for seed in 1..=6 {
            let r = run(seed, false).unwrap();
            assert!(r.snapshots > 0, "seed {seed}");
            assert!(r.standby_agrees, "seed {seed}");
        }
    }

    /// A broken clock stops the loop; a late answer does not.
    #[test]
    fn errors_are_sorted_by_kind() {
        let mut router = router_from(SETTINGS).unwrap();
        let (mut offers, mut journal) = (Vec::new(), Vec::new());
        send(&mut router, 5.0, Event::Tick, &mut offers, &mut journal).unwrap();
        let late = Event::OfferAccepted {
            contact: ContactId(1),
            agent: AgentId(1),
        };
        let skipped = send(&mut router, 6.0, late, &mut offers, &mut journal).unwrap();
        assert_eq!(skipped, Some(RouterError::UnknownContact(ContactId(1))));
        let back = send(&mut router, 4.0, Event::Tick, &mut offers, &mut journal);
        assert!(matches!(back, Err(RouterError::TimeWentBackwards { .. })));
    }

    /// Settings that are wrong are refused by name, not taken.
    #[test]
    fn bad_settings_are_named() {
        let negative = SETTINGS.replace("decline_cooldown = 15.0", "decline_cooldown = -1.0");
        let e = router_from(&negative).unwrap_err();
        assert!(e.to_string().contains("decline_cooldown"), "{e}");
        let misspelt = SETTINGS.replace("decline_cooldown", "decline_cooldwn");
        let e = router_from(&misspelt).unwrap_err();
        assert!(e.to_string().contains("decline_cooldwn"), "{e}");
    }

    /// The policy's settings too: a parameter misspelt, a kind that is no
    /// built-in's, steps out of order.
    #[test]
    fn a_bad_policy_is_named() {
        for (from, to, named) in [
            ("steps =", "step =", "step"),
            (
                "\"skill-expansion\"",
                "\"skill-expanson\"",
                "skill-expanson",
            ),
            (
                "[{ after = 20, relax = 2 }]",
                "[{ after = 20, relax = 2 }, { after = 10, relax = 3 }]",
                "relaxation step 1",
            ),
        ] {
            let bad = SETTINGS.replace(from, to);
            assert_ne!(bad, SETTINGS, "{from}");
            let e = router_from(&bad).unwrap_err();
            assert!(e.to_string().contains(named), "{to}: {e}");
        }
    }
}
