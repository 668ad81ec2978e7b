//! `Event::AgentRemoved`: a logged-out agent forgotten for good, so that a
//! router that runs for months with staff turnover, or gives agents an id
//! per shift, keeps only the agents that exist now. What it refuses (with
//! the state unchanged), that nothing is left pointing at the agent (its
//! id, its cool-downs, its wake-ups, its learned arm), that its id may come
//! back as a new agent, and that memory and snapshots stay bounded over
//! many one-shift agents.

use skillroute::policy::{LearnedFitConfig, RoutingPolicy};
use skillroute::{
    Agent, AgentId, AgentState, ChannelId, Contact, ContactId, ContactState, Event, LearnedFit,
    LongestIdleAgent, Offer, Outcome, Presence, Router, RouterError, SegmentId, SkillId,
};

const SKILL: SkillId = SkillId(1);

fn agent(id: u32) -> Agent {
    Agent::builder(AgentId(id))
        .skill(SKILL, 5)
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap()
}

fn voice(id: u64, t: f64) -> Contact {
    Contact::builder(ContactId(id), ChannelId::VOICE, t)
        .requires(SKILL, 3)
        .segment(SegmentId(1))
        .build()
        .unwrap()
}

fn h<P: RoutingPolicy>(r: &mut Router<P>, t: f64, e: Event) -> Vec<Offer> {
    let mut out = Vec::new();
    let what = format!("{e:?} at {t}");
    r.handle(t, e, &mut out)
        .unwrap_or_else(|err| panic!("{what}: {err}"));
    r.check_consistency()
        .unwrap_or_else(|err| panic!("{what}: {err}"));
    out
}

/// Voice contact `id` arrives at `t`.
fn arrive<P: RoutingPolicy>(r: &mut Router<P>, t: f64, id: u64) -> Vec<Offer> {
    h(
        r,
        t,
        Event::ContactArrived {
            contact: voice(id, t),
        },
    )
}

/// Agent `agent` accepts contact `contact` at `t`.
fn accept<P: RoutingPolicy>(r: &mut Router<P>, t: f64, contact: u64, agent: u32) -> Vec<Offer> {
    let (contact, agent) = (ContactId(contact), AgentId(agent));
    h(r, t, Event::OfferAccepted { contact, agent })
}

fn json<P: RoutingPolicy>(r: &Router<P>) -> String {
    serde_json::to_string(&r.snapshot()).unwrap()
}

/// `e` at `t` is refused with `want`, and nothing changed: the snapshot, the
/// next wake-up, and no offer.
fn refused<P: RoutingPolicy>(r: &mut Router<P>, t: f64, e: Event, want: RouterError) {
    let (before, wake) = (json(r), r.next_wakeup());
    let mut out = Vec::new();
    let what = format!("{e:?}");
    let got = r.handle(t, e, &mut out).expect_err(&what);
    assert_eq!(got, want, "{what}");
    assert!(out.is_empty(), "{what}: {out:?}");
    assert_eq!(json(r), before, "{what}: the state changed");
    assert_eq!(r.next_wakeup(), wake, "{what}");
    r.check_consistency().unwrap();
}

fn login_ready<P: RoutingPolicy>(r: &mut Router<P>, t: f64, id: u32) -> Vec<Offer> {
    h(r, t, Event::AgentLogin { agent: agent(id) });
    h(r, t, Event::AgentReady { agent: AgentId(id) })
}

fn remove<P: RoutingPolicy>(r: &mut Router<P>, t: f64, id: u32) {
    h(r, t, Event::AgentNotReady { agent: AgentId(id) });
    h(r, t, Event::AgentLogout { agent: AgentId(id) });
    h(r, t, Event::AgentRemoved { agent: AgentId(id) });
}

/// Unknown, still logged in (ready, not ready, holding work): refused by
/// name, the state as it was.
#[test]
fn a_removal_is_refused_for_an_unknown_or_logged_in_agent() {
    let mut r = Router::new(LongestIdleAgent);
    login_ready(&mut r, 0.0, 1);
    login_ready(&mut r, 0.0, 2);
    h(&mut r, 0.0, Event::AgentLogin { agent: agent(3) });
    let offers = arrive(&mut r, 1.0, 1);
    let held = offers[0].agent;
    let idle = if held == AgentId(1) { 2 } else { 1 };
    let still = |id| RouterError::StillLoggedIn(AgentId(id));
    for (id, why) in [(held.0, "holding work"), (idle, "ready"), (3, "not ready")] {
        let e = Event::AgentRemoved { agent: AgentId(id) };
        refused(&mut r, 2.0, e, still(id));
        assert!(r.agent_state(AgentId(id)).is_some(), "{why}");
    }
    refused(
        &mut r,
        2.0,
        Event::AgentRemoved { agent: AgentId(77) },
        RouterError::UnknownAgent(AgentId(77)),
    );
    // Removed once, it is unknown to a second removal.
    h(&mut r, 3.0, Event::AgentLogout { agent: AgentId(3) });
    h(&mut r, 3.0, Event::AgentRemoved { agent: AgentId(3) });
    refused(
        &mut r,
        4.0,
        Event::AgentRemoved { agent: AgentId(3) },
        RouterError::UnknownAgent(AgentId(3)),
    );
    assert_eq!(
        still(5).to_string(),
        "agent#5 is still logged in: log it out before removing it"
    );
}

/// After the removal the id is unknown everywhere, the counts and the
/// other agents as they were; a login with it is a new agent's.
#[test]
fn a_removed_agent_is_unknown_and_comes_back_as_new() {
    let mut r = Router::new(LongestIdleAgent);
    login_ready(&mut r, 0.0, 1);
    login_ready(&mut r, 0.5, 2);
    let offers = arrive(&mut r, 1.0, 1);
    assert_eq!(offers[0].agent, AgentId(1));
    let (c, a) = (ContactId(1), AgentId(1));
    accept(&mut r, 1.0, 1, 1);
    let outcome = Outcome::default();
    h(
        &mut r,
        2.0,
        Event::WorkCompletedNoWrapUp {
            contact: c,
            outcome,
        },
    );
    // Agent 2, logged in after it, holds a contact through the removal.
    let offers = arrive(&mut r, 3.0, 2);
    assert_eq!(offers[0].agent, AgentId(2));
    h(&mut r, 4.0, Event::AgentNotReady { agent: a });
    h(&mut r, 4.0, Event::AgentLogout { agent: a });
    let counts = r.counts();
    let before = r.snapshot();
    h(&mut r, 5.0, Event::AgentRemoved { agent: a });
    assert_eq!(r.counts(), counts);
    assert_eq!(r.agent_state(a), None);
    assert_eq!(r.agent_presence(a), None);
    assert!(r.view().agent(a).is_none());
    let after = r.snapshot();
    assert!(after.agents.iter().all(|s| s.agent.id() != a));
    let others: Vec<_> = before.agents.iter().filter(|s| s.agent.id() != a).collect();
    assert_eq!(after.agents.iter().collect::<Vec<_>>(), others);
    assert_eq!(after.contacts, before.contacts);
    assert_eq!(
        r.contact_state(ContactId(2)),
        Some(ContactState::Offered(AgentId(2)))
    );
    assert_eq!(r.agent_state(AgentId(2)), Some(AgentState::Busy));
    // Events naming it: unknown.
    let unknown = RouterError::UnknownAgent(a);
    for e in [
        Event::AgentReady { agent: a },
        Event::AgentNotReady { agent: a },
        Event::AgentLogout { agent: a },
        Event::AgentUpdated { agent: agent(1) },
        Event::OfferAccepted {
            contact: ContactId(2),
            agent: a,
        },
    ] {
        refused(&mut r, 6.0, e, unknown.clone());
    }
    // The contact agent 2 holds goes on as before.
    accept(&mut r, 6.0, 2, 2);
    // Back as a new agent: idle from its new login (a logged-out agent
    // that logs in again keeps the idle time it had), not ready, last in
    // the order of first login.
    h(&mut r, 10.0, Event::AgentLogin { agent: agent(1) });
    assert_eq!(r.agent_presence(a), Some(Presence::NotReady));
    let view = r.view();
    let back = view.agent(a).unwrap();
    assert_eq!(back.idle_since(), 10.0);
    assert_eq!(back.index(), 1);
    assert_eq!(view.agent(AgentId(2)).unwrap().index(), 0);
    let ids: Vec<AgentId> = r.agents().map(|(x, _)| x.id()).collect();
    assert_eq!(ids, [AgentId(2), a]);
    // And it serves.
    h(&mut r, 11.0, Event::AgentReady { agent: a });
    let offers = arrive(&mut r, 12.0, 3);
    assert_eq!(offers[0].agent, a);
}

/// The one served channel's last agent removed: the channel is served by
/// nobody, as after that agent's profile dropped it.
#[test]
fn a_channel_only_a_removed_agent_served_is_served_by_nobody() {
    let mut r = Router::new(LongestIdleAgent);
    h(&mut r, 0.0, Event::AgentLogin { agent: agent(1) });
    h(&mut r, 0.0, Event::AgentLogout { agent: AgentId(1) });
    // Logged out, it still counts as serving voice.
    arrive(&mut r, 1.0, 1);
    h(&mut r, 2.0, Event::AgentRemoved { agent: AgentId(1) });
    refused(
        &mut r,
        3.0,
        Event::ContactArrived {
            contact: voice(2, 3.0),
        },
        RouterError::ChannelNotServed {
            contact: ContactId(2),
            channel: ChannelId::VOICE,
        },
    );
    // The contact already waiting stays, and the next agent takes it.
    let offers = login_ready(&mut r, 4.0, 2);
    assert_eq!(offers[0].contact, ContactId(1));
}

/// A contact declined by an agent that is then removed: its cool-down goes
/// with it, and its wake-up too, so that nobody is kept from the contact
/// by it, whichever slot the agent now offered the contact holds: the
/// removed one's, taken by an agent logged in after it, or the slot of a
/// new agent logged in after the removal.
#[test]
fn a_removed_agents_cool_down_keeps_nobody_from_a_contact() {
    for (before, after) in [(0, 0), (1, 0), (0, 1), (2, 2)] {
        let case = format!("{before} agents before it, {after} after");
        let mut r = Router::builder(LongestIdleAgent)
            .decline_cooldown(30.0)
            .build()
            .unwrap();
        // Logged in, not ready: they keep their slots meanwhile.
        for k in 0..before {
            h(
                &mut r,
                0.0,
                Event::AgentLogin {
                    agent: agent(10 + k),
                },
            );
        }
        login_ready(&mut r, 0.0, 1);
        for k in 0..after {
            h(
                &mut r,
                0.0,
                Event::AgentLogin {
                    agent: agent(20 + k),
                },
            );
        }
        let offers = arrive(&mut r, 1.0, 1);
        assert_eq!(offers[0].agent, AgentId(1));
        let (c, a) = (ContactId(1), AgentId(1));
        h(
            &mut r,
            2.0,
            Event::OfferDeclined {
                contact: c,
                agent: a,
            },
        );
        assert_eq!(r.next_wakeup(), Some(32.0));
        remove(&mut r, 3.0, 1);
        assert_eq!(r.contact_state(c), Some(ContactState::Waiting));
        assert_eq!(
            r.next_wakeup(),
            None,
            "{case}: a wake-up for nobody's cool-down"
        );
        let why = r.why_waiting(c).unwrap();
        assert_eq!(why.cooling, 0, "{case}: {why}");
        let snap = r.snapshot();
        assert!(
            snap.contacts.iter().all(|s| s.cooldowns.is_empty()),
            "{case}"
        );
        // The first agent after it, now in its slot, or a new agent.
        let next = if after > 0 { 20 } else { 2 };
        if after == 0 {
            h(&mut r, 4.0, Event::AgentLogin { agent: agent(next) });
        }
        assert_eq!(
            r.view().agent(AgentId(next)).unwrap().index(),
            before as usize,
            "{case}"
        );
        let offers = h(
            &mut r,
            4.0,
            Event::AgentReady {
                agent: AgentId(next),
            },
        );
        assert_eq!(
            offers
                .iter()
                .map(|o| (o.contact, o.agent))
                .collect::<Vec<_>>(),
            [(c, AgentId(next))],
            "{case}"
        );
    }
}

/// The agent that stays keeps its cool-down after an agent logged in
/// before it is removed (its slot moves down by one, its cool-down with it).
#[test]
fn a_cool_down_follows_its_agent_when_an_earlier_one_is_removed() {
    let mut r = Router::builder(LongestIdleAgent)
        .decline_cooldown(30.0)
        .build()
        .unwrap();
    h(&mut r, 0.0, Event::AgentLogin { agent: agent(1) });
    login_ready(&mut r, 0.0, 2);
    let offers = arrive(&mut r, 1.0, 1);
    assert_eq!(offers[0].agent, AgentId(2));
    let c = ContactId(1);
    h(
        &mut r,
        2.0,
        Event::OfferDeclined {
            contact: c,
            agent: AgentId(2),
        },
    );
    // Agent 1 stays out and is forgotten; agent 2 is still cooling down.
    h(&mut r, 3.0, Event::AgentLogout { agent: AgentId(1) });
    h(&mut r, 3.0, Event::AgentRemoved { agent: AgentId(1) });
    assert_eq!(r.view().agent(AgentId(2)).unwrap().index(), 0);
    let why = r.why_waiting(c).unwrap();
    assert_eq!((why.cooling, why.eligible), (1, 0), "{why}");
    assert_eq!(r.next_wakeup(), Some(32.0));
    let snap = r.snapshot();
    assert_eq!(snap.contacts[0].cooldowns, [(AgentId(2), 32.0)]);
    assert!(h(&mut r, 31.0, Event::Tick).is_empty());
    let offers = h(&mut r, 32.0, Event::Tick);
    assert_eq!(
        offers
            .iter()
            .map(|o| (o.contact, o.agent))
            .collect::<Vec<_>>(),
        [(c, AgentId(2))]
    );
}

/// Restore replaces the whole state: a router that knows an agent the
/// snapshot lacks (removed on the primary) does not know it after.
#[test]
fn a_restore_forgets_an_agent_the_snapshot_lacks() {
    let mut primary = Router::new(LongestIdleAgent);
    login_ready(&mut primary, 0.0, 1);
    login_ready(&mut primary, 0.0, 2);
    h(&mut primary, 1.0, Event::AgentLogout { agent: AgentId(1) });
    let mut standby = Router::new(LongestIdleAgent);
    standby.restore(&primary.snapshot()).unwrap();
    assert!(standby.agent_state(AgentId(1)).is_some());
    h(&mut primary, 2.0, Event::AgentRemoved { agent: AgentId(1) });
    let snap = primary.snapshot();
    standby.restore(&snap).unwrap();
    standby.check_consistency().unwrap();
    assert_eq!(standby.agent_state(AgentId(1)), None);
    assert_eq!(standby.snapshot(), snap);
    refused(
        &mut standby,
        3.0,
        Event::AgentLogout { agent: AgentId(1) },
        RouterError::UnknownAgent(AgentId(1)),
    );
    // Both number a new agent alike, and route alike.
    for r in [&mut primary, &mut standby] {
        login_ready(r, 3.0, 3);
        assert_eq!(r.view().agent(AgentId(3)).unwrap().index(), 1);
    }
    let a = h(
        &mut primary,
        4.0,
        Event::ContactArrived {
            contact: voice(1, 4.0),
        },
    );
    let b = h(
        &mut standby,
        4.0,
        Event::ContactArrived {
            contact: voice(1, 4.0),
        },
    );
    assert_eq!(a, b);
}

fn resolved() -> Outcome {
    Outcome {
        resolved: Some(true),
        ..Outcome::default()
    }
}

/// One shift of a fresh agent: logs in, serves one contact (learned from),
/// logs out and is removed.
fn shift<P: RoutingPolicy>(r: &mut Router<P>, k: u32) {
    let (t, id, c) = (f64::from(k), 1000 + k, ContactId(u64::from(k)));
    login_ready(r, t, id);
    let offers = h(
        r,
        t,
        Event::ContactArrived {
            contact: voice(c.0, t),
        },
    );
    assert_eq!(offers.len(), 1);
    let agent = AgentId(id);
    h(r, t, Event::OfferAccepted { contact: c, agent });
    let outcome = resolved();
    h(
        r,
        t + 0.5,
        Event::WorkCompletedNoWrapUp {
            contact: c,
            outcome,
        },
    );
    h(r, t + 0.5, Event::AgentLogout { agent });
    h(r, t + 0.5, Event::AgentRemoved { agent });
}

/// Many one-shift agents, each learned from: the snapshot (agents, the
/// policy's arms) is as long after all of them as after the first hundred,
/// but for the digits of the counts and the time. Before `AgentRemoved`
/// there was no way to forget them: each added an agent and an arm.
#[test]
fn one_shift_agents_leave_the_snapshot_bounded() {
    let n = if cfg!(debug_assertions) {
        10_000
    } else {
        100_000
    };
    // One arm per agent: the policy's state would grow with them too.
    let mut r = Router::new(LearnedFit::new(LearnedFitConfig::default()).unwrap());
    // A standing agent, logged out, so that voice stays served between shifts.
    h(&mut r, 0.0, Event::AgentLogin { agent: agent(1) });
    h(&mut r, 0.0, Event::AgentLogout { agent: AgentId(1) });
    for k in 0..100 {
        shift(&mut r, k);
    }
    let early = json(&r).len();
    for k in 100..n {
        shift(&mut r, k);
    }
    let late = json(&r).len();
    assert!(
        late <= early + 64,
        "snapshot of {early} bytes after 100 shifts, {late} after {n}"
    );
    assert_eq!(r.agents().count(), 1);
    assert!(r.policy().arms().is_empty(), "{:?}", r.policy().arms());
    assert_eq!(r.policy().learned(), 0);
    assert_eq!(r.counts().completed, u64::from(n));
    r.check_consistency().unwrap();
}

/// One arm per agent: the removed agent's arm goes, the others' stay, and
/// its id logging in again starts from the prior. Pooled: the pool's arm
/// stays.
#[test]
fn learned_fit_forgets_an_agents_own_arm_not_its_pools() {
    for pool_by in [None, Some("team".to_string())] {
        let config = LearnedFitConfig {
            pool_by: pool_by.clone(),
            ..LearnedFitConfig::default()
        };
        let mut r = Router::new(LearnedFit::new(config).unwrap());
        h(&mut r, 0.0, Event::AgentLogin { agent: agent(9) });
        h(&mut r, 0.0, Event::AgentLogout { agent: AgentId(9) });
        for k in 0..2 {
            shift(&mut r, k);
        }
        // Agent 1000 is gone, agent 1001 too; one more served, left in.
        login_ready(&mut r, 5.0, 7);
        let offers = arrive(&mut r, 5.0, 50);
        let c = offers[0].contact;
        accept(&mut r, 5.0, c.0, 7);
        let outcome = resolved();
        h(
            &mut r,
            6.0,
            Event::WorkCompletedNoWrapUp {
                contact: c,
                outcome,
            },
        );
        let arms = r.policy().arms();
        match pool_by {
            None => {
                assert_eq!(arms.len(), 1, "{arms:?}");
                assert_eq!(arms[0].agent, Some(AgentId(7)));
                assert_eq!(r.policy().learned(), 1);
            }
            Some(_) => {
                // Agents without the attribute share one arm: all three
                // outcomes, kept.
                assert_eq!(arms.len(), 1, "{arms:?}");
                assert_eq!((arms[0].agent, arms[0].resolved), (None, 3));
                assert_eq!(r.policy().learned(), 3);
            }
        }
        // Agent 1000 back: a new agent, from the prior.
        h(&mut r, 7.0, Event::AgentLogin { agent: agent(1000) });
        let seg = SegmentId(1);
        let estimate = r.policy().estimate(seg, &agent(1000));
        let expected = if pool_by.is_none() { 0 } else { 3 };
        assert_eq!(estimate.resolved, expected);
        // A standby restored now holds what the primary holds.
        let mut standby = Router::new(
            LearnedFit::new(LearnedFitConfig {
                pool_by: pool_by.clone(),
                ..LearnedFitConfig::default()
            })
            .unwrap(),
        );
        standby.restore(&r.snapshot()).unwrap();
        assert_eq!(standby.policy().arms(), r.policy().arms());
        assert_eq!(standby.policy().learned(), r.policy().learned());
    }
}

/// A policy hears of a removal with the index the agent had, so that a
/// cache kept by index can drop that entry and stay in step with the
/// agents after it, who move down one.
#[test]
fn a_policy_hears_the_removed_agents_index() {
    use skillroute::policy::{Proposal, Trigger};
    #[derive(Default)]
    struct Heard(LongestIdleAgent, Vec<(AgentId, usize)>);
    impl RoutingPolicy for Heard {
        fn decide(
            &mut self,
            view: &skillroute::RouterView<'_>,
            trigger: Trigger,
            out: &mut Vec<Proposal>,
        ) {
            self.0.decide(view, trigger, out)
        }
        fn agent_removed(&mut self, agent: AgentId, index: usize) {
            self.1.push((agent, index));
        }
    }
    let mut r = Router::new(Heard::default());
    for id in [7, 3, 9] {
        login_ready(&mut r, 0.0, id);
    }
    let index_of = |r: &Router<Heard>, id: u32| r.view().agent(AgentId(id)).map(|a| a.index());
    assert_eq!(index_of(&r, 3), Some(1));
    assert_eq!(index_of(&r, 9), Some(2));
    remove(&mut r, 1.0, 3);
    assert_eq!(
        index_of(&r, 9),
        Some(1),
        "the agents after it move down one"
    );
    remove(&mut r, 2.0, 7);
    assert_eq!(r.policy().1, vec![(AgentId(3), 1), (AgentId(7), 0)]);
}
