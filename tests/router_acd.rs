//! What an ACD embedding the router asks of it beyond routing: an agent's
//! presence, the bounds of an odd fit model's scores, what wrap-up blocks,
//! and what an offer's score explains under each kind of policy.

use skillroute::score::TERM_LIMIT;
use skillroute::{
    Agent, AgentId, AgentState, ChannelId, Contact, ContactId, Event, FitModel, LongestIdleAgent,
    Offer, OptimalAssignment, Outcome, Presence, PriorityAging, Router, RouterError, RoutingPolicy,
    SkillId,
};

type R = Router<Box<dyn RoutingPolicy>>;

fn h(r: &mut R, t: f64, e: Event) -> Vec<Offer> {
    let mut out = Vec::new();
    r.handle(t, e, &mut out).unwrap();
    out
}

fn voice(id: u64, t: f64) -> Contact {
    Contact::builder(ContactId(id), ChannelId::VOICE, t)
        .requires(SkillId(1), 1)
        .build()
        .unwrap()
}

fn optimal() -> R {
    Router::new(Box::new(OptimalAssignment::default()))
}

/// Logs agent `id` in at `t` with `level` in skill 1 and makes it ready.
fn ready(r: &mut R, t: f64, id: u32, level: u8) {
    let agent = Agent::builder(AgentId(id))
        .skill(SkillId(1), level)
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap();
    h(r, t, Event::AgentLogin { agent });
    h(r, t, Event::AgentReady { agent: AgentId(id) });
}

#[test]
fn presence_is_known_while_the_agent_holds_work() {
    let mut r = optimal();
    let a = AgentId(1);
    assert_eq!(r.agent_presence(a), None, "unknown agent");
    let agent = Agent::builder(a)
        .skill(SkillId(1), 5)
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap();
    h(&mut r, 0.0, Event::AgentLogin { agent });
    assert_eq!(r.agent_presence(a), Some(Presence::NotReady));
    h(&mut r, 0.0, Event::AgentReady { agent: a });
    assert_eq!(r.agent_presence(a), Some(Presence::Ready));
    let offers = h(
        &mut r,
        1.0,
        Event::ContactArrived {
            contact: voice(1, 1.0),
        },
    );
    assert_eq!(offers.len(), 1);
    // Not ready while the offer rings: the state says busy, the presence
    // says it takes no new work.
    h(&mut r, 2.0, Event::AgentNotReady { agent: a });
    assert_eq!(r.agent_state(a), Some(AgentState::Busy));
    assert_eq!(r.agent_presence(a), Some(Presence::NotReady));
    h(&mut r, 3.0, Event::AgentReady { agent: a });
    assert_eq!(r.agent_state(a), Some(AgentState::Busy));
    assert_eq!(r.agent_presence(a), Some(Presence::Ready));
    let (contact, outcome) = (ContactId(1), Outcome::default());
    h(&mut r, 4.0, Event::OfferAccepted { contact, agent: a });
    h(
        &mut r,
        5.0,
        Event::WorkCompletedNoWrapUp { contact, outcome },
    );
    h(&mut r, 6.0, Event::AgentLogout { agent: a });
    assert_eq!(r.agent_presence(a), Some(Presence::LoggedOut));
    // Presence agrees with the snapshot, where it was the only way to ask.
    let snap = r.snapshot();
    assert_eq!(snap.agents[0].presence, Presence::LoggedOut);
}

/// Fits agent 1 by the value it holds, every other agent 0.
struct FitFor(f64);

impl FitModel for FitFor {
    fn fit(&self, _: &Contact, agent: &Agent) -> f64 {
        if agent.id() == AgentId(1) {
            self.0
        } else {
            0.0
        }
    }
}

/// The offer of one contact to agents 1 (level 3) and 2 (level 10), under
/// the optimal assignment with `fit` for agent 1.
fn offer_with_fit(fit: f64) -> Offer {
    let mut r: R =
        Router::builder(Box::new(OptimalAssignment::default()) as Box<dyn RoutingPolicy>)
            .fit_model(FitFor(fit))
            .build()
            .unwrap();
    ready(&mut r, 0.0, 1, 3);
    ready(&mut r, 0.0, 2, 10);
    let offers = h(
        &mut r,
        1.0,
        Event::ContactArrived {
            contact: voice(1, 1.0),
        },
    );
    assert_eq!(offers.len(), 1);
    offers[0]
}

#[test]
fn an_infinite_fit_ranks_strongly_with_a_bounded_term() {
    // Without a fit, skill decides: agent 2.
    assert_eq!(offer_with_fit(0.0).agent, AgentId(2));
    assert_eq!(
        offer_with_fit(f64::NAN).agent,
        AgentId(2),
        "NaN is no opinion"
    );
    // +∞ is "by all means": it was taken as 0, and agent 2 got the contact.
    let o = offer_with_fit(f64::INFINITY);
    assert_eq!(o.agent, AgentId(1));
    assert_eq!(o.score.fit, TERM_LIMIT);
    assert!(o.score.total.is_finite());
    // Beyond the limit, finite: bounded as the other terms are.
    let o = offer_with_fit(1e308);
    assert_eq!(o.agent, AgentId(1));
    assert_eq!(o.score.fit, TERM_LIMIT);
    // -∞ for agent 1 changes nothing here (agent 2 wins anyway), and an
    // offer to agent 1 alone carries the bounded term.
    assert_eq!(offer_with_fit(f64::NEG_INFINITY).agent, AgentId(2));
    let mut r: R =
        Router::builder(Box::new(OptimalAssignment::default()) as Box<dyn RoutingPolicy>)
            .fit_model(FitFor(f64::NEG_INFINITY))
            .build()
            .unwrap();
    ready(&mut r, 0.0, 1, 3);
    let o = h(
        &mut r,
        1.0,
        Event::ContactArrived {
            contact: voice(1, 1.0),
        },
    );
    assert_eq!(o[0].score.fit, -TERM_LIMIT);
    assert!(o[0].score.total.is_finite());
}

/// An agent with voice 1 and chat 3 (`total` in all, if given), logged in
/// and ready, holding a call in wrap-up; then a chat arrives.
fn chat_during_wrap_up(total: Option<u16>) -> (R, Vec<Offer>) {
    let mut r = optimal();
    let mut b = Agent::builder(AgentId(1))
        .skill(SkillId(1), 5)
        .channel(ChannelId::VOICE, 1)
        .channel(ChannelId::CHAT, 3);
    if let Some(t) = total {
        b = b.total_capacity(t);
    }
    h(
        &mut r,
        0.0,
        Event::AgentLogin {
            agent: b.build().unwrap(),
        },
    );
    h(&mut r, 0.0, Event::AgentReady { agent: AgentId(1) });
    h(
        &mut r,
        1.0,
        Event::ContactArrived {
            contact: voice(1, 1.0),
        },
    );
    let (contact, agent) = (ContactId(1), AgentId(1));
    h(&mut r, 1.0, Event::OfferAccepted { contact, agent });
    let outcome = Outcome::default();
    h(&mut r, 60.0, Event::WorkCompleted { contact, outcome });
    assert_eq!(r.agent_state(agent), Some(AgentState::WrapUp));
    let chat = Contact::builder(ContactId(2), ChannelId::CHAT, 61.0)
        .requires(SkillId(1), 1)
        .build()
        .unwrap();
    let offers = h(&mut r, 61.0, Event::ContactArrived { contact: chat });
    (r, offers)
}

#[test]
fn wrap_up_holds_its_slot_not_the_agent() {
    // As documented at Event::WorkCompleted: the chat is offered at once.
    let (_, offers) = chat_during_wrap_up(None);
    assert_eq!(offers.len(), 1);
    assert_eq!(
        (offers[0].contact, offers[0].agent),
        (ContactId(2), AgentId(1))
    );
    // The documented ways to keep an agent free during wrap-up.
    let (mut r, offers) = chat_during_wrap_up(Some(1));
    assert!(offers.is_empty(), "total capacity 1");
    let offers = h(
        &mut r,
        70.0,
        Event::WrapUpDone {
            contact: ContactId(1),
        },
    );
    assert_eq!(offers.len(), 1, "the chat once the slot is free");
}

#[test]
fn a_non_scoring_policy_attaches_the_score_of_its_own_choice() {
    // Agent 1 (level 3) idle since 0, agent 2 (level 10) since 50.
    let setup = |policy: Box<dyn RoutingPolicy>| {
        let mut r: R = Router::new(policy);
        ready(&mut r, 0.0, 1, 3);
        ready(&mut r, 50.0, 2, 10);
        let c = voice(1, 60.0);
        let offers = h(&mut r, 60.0, Event::ContactArrived { contact: c.clone() });
        let view = r.view();
        let other = if offers[0].agent == AgentId(1) {
            AgentId(2)
        } else {
            AgentId(1)
        };
        let other = view.score(&c, &view.agent(other).unwrap()).total;
        (offers[0], other)
    };
    // Longest idle chooses agent 1 by its rule, and the offer carries the
    // pair's score, below what agent 2 would score.
    let (o, other) = setup(Box::new(LongestIdleAgent));
    assert_eq!(o.agent, AgentId(1));
    assert!(other > o.score.total, "{other} vs {}", o.score.total);
    // The optimal assignment chooses by that score: the best one.
    let (o, other) = setup(Box::<OptimalAssignment>::default());
    assert_eq!(o.agent, AgentId(2));
    assert!(o.score.total > other);
}

#[test]
fn invalid_policy_settings_are_an_error_through_the_builder() {
    // Router::new would panic in a debug build (its one documented panic).
    let bad = PriorityAging {
        aging_per_second: f64::NAN,
        ..PriorityAging::default()
    };
    match Router::builder(bad).build() {
        Err(e @ RouterError::Policy(_)) => {
            assert!(e.to_string().contains("aging_per_second"), "{e}")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("NaN aging accepted"),
    }
}
