//! The router can move to another thread: it is `Send` (not `Sync`) under
//! the default boxed policy and every built-in one, and a router moved to
//! another thread in the middle of a run, or shared through an
//! `Arc<Mutex<_>>`, makes the offers one that stayed makes. Also the short
//! `Debug` of the types an ACD or a policy handles around it.
//!
//! Before `RoutingPolicy` and `FitModel` required `Send`, and before the
//! router's decision caches held numbers instead of raw pointers, this file
//! did not compile: `Router<_>` was not `Send`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use skillroute::policy::LearnedFitConfig;
use skillroute::{
    AffinityTable, Agent, AgentId, CMu, ChannelId, Contact, ContactId, Event, FitModel, LearnedFit,
    LongestIdleAgent, NeutralFit, Offer, OptimalAssignment, Outcome, PriorityAging, Router,
    RouterError, RouterSnapshot, RoutingPolicy, SegmentId, SkillExpansion, SkillId, WaitingReasons,
};

fn assert_send<T: Send>() {}

/// Compile-time: each line below is the assertion; the test only runs them.
#[test]
fn the_router_and_what_it_hands_out_are_send() {
    assert_send::<Router>();
    assert_send::<Router<Box<dyn RoutingPolicy>>>();
    assert_send::<Router<LongestIdleAgent>>();
    assert_send::<Router<PriorityAging>>();
    assert_send::<Router<SkillExpansion>>();
    assert_send::<Router<CMu>>();
    assert_send::<Router<OptimalAssignment>>();
    assert_send::<Router<LearnedFit>>();
    assert_send::<Box<dyn FitModel>>();
    assert_send::<AffinityTable>();
    assert_send::<NeutralFit>();
    assert_send::<RouterSnapshot>();
    assert_send::<Offer>();
    assert_send::<RouterError>();
    assert_send::<Arc<Mutex<Router>>>();
}

const SKILLS: [SkillId; 2] = [SkillId(1), SkillId(2)];

/// Six agents: voice or chat, one skill or both, at various levels.
fn agents() -> Vec<Agent> {
    (0..6u32)
        .map(|i| {
            let mut b = Agent::builder(AgentId(i + 1)).skill(SKILLS[(i % 2) as usize], 4 + i as u8);
            if i >= 3 {
                b = b.skill(SKILLS[((i + 1) % 2) as usize], 3);
            }
            let b = if i % 3 == 2 {
                b.channel(ChannelId::CHAT, 2)
            } else {
                b.channel(ChannelId::VOICE, 1)
            };
            b.build().expect("valid agent")
        })
        .collect()
}

fn contact(i: u32, at: f64) -> Contact {
    let channel = if i % 4 == 3 {
        ChannelId::CHAT
    } else {
        ChannelId::VOICE
    };
    Contact::builder(ContactId(100 + u64::from(i)), channel, at)
        .requires(SKILLS[usize::from(i.is_multiple_of(3))], 3)
        .priority((i % 3) as u8)
        .segment(SegmentId(i % 2))
        .build()
        .expect("valid contact")
}

fn router(policy: Box<dyn RoutingPolicy>) -> Router {
    let mut fit = AffinityTable::new(0.0).expect("finite");
    fit.set(SegmentId(1), AgentId(4), 0.8).expect("finite");
    Router::builder(policy)
        .fit_model(fit)
        .decline_cooldown(20.0)
        .build()
        .expect("valid configuration")
}

type Factory = fn() -> Box<dyn RoutingPolicy>;

fn builtins() -> Vec<(&'static str, Factory)> {
    vec![
        ("longest-idle-agent", || Box::new(LongestIdleAgent)),
        ("priority-aging", || Box::new(PriorityAging::default())),
        ("skill-expansion", || Box::new(SkillExpansion::default())),
        ("c-mu", || Box::new(CMu::default())),
        ("optimal-assignment", || {
            Box::new(OptimalAssignment::default())
        }),
        ("learned-fit", || {
            Box::new(LearnedFit::new(LearnedFitConfig::default()).expect("valid"))
        }),
    ]
}

type Step = (f64, Event);

/// A run's events, made by answering a router's offers as an ACD would:
/// every fifth offer declined, the others accepted and served for a while.
/// Contacts arrive faster than they are served, so some wait, relax, and
/// are offered when an agent frees.
fn script(policy: Factory) -> Vec<Step> {
    let mut r = router(policy());
    let mut steps = Vec::new();
    let mut offers = Vec::new();
    let mut answered = 0usize;
    let mut work: VecDeque<(f64, ContactId)> = VecDeque::new();
    let feed =
        |r: &mut Router, steps: &mut Vec<Step>, offers: &mut Vec<Offer>, at, event: Event| {
            let seen = offers.len();
            steps.push((at, event.clone()));
            let _ = r.handle(at, event, offers);
            seen
        };
    for a in agents() {
        let id = a.id();
        feed(
            &mut r,
            &mut steps,
            &mut offers,
            0.0,
            Event::AgentLogin { agent: a },
        );
        feed(
            &mut r,
            &mut steps,
            &mut offers,
            0.0,
            Event::AgentReady { agent: id },
        );
    }
    for i in 0..80u32 {
        let now = 1.0 + f64::from(i) * 3.0;
        while work.front().is_some_and(|&(end, _)| end <= now) {
            let (end, c) = work.pop_front().expect("checked");
            let outcome = Outcome {
                resolved: Some(c.0 % 3 != 0),
                satisfaction: None,
            };
            let mut pending = vec![(
                end,
                Event::WorkCompletedNoWrapUp {
                    contact: c,
                    outcome,
                },
            )];
            while let Some((at, e)) = pending.pop() {
                let seen = feed(&mut r, &mut steps, &mut offers, at, e);
                answer(&offers[seen..], at, &mut answered, &mut work, &mut pending);
            }
        }
        let mut pending = vec![(
            now,
            Event::ContactArrived {
                contact: contact(i, now),
            },
        )];
        while let Some((at, e)) = pending.pop() {
            let seen = feed(&mut r, &mut steps, &mut offers, at, e);
            answer(&offers[seen..], at, &mut answered, &mut work, &mut pending);
        }
        if i % 10 == 9 {
            feed(&mut r, &mut steps, &mut offers, now, Event::Tick);
        }
    }
    steps
}

/// Answers `new` offers: events to send at once, and work that ends later.
fn answer(
    new: &[Offer],
    at: f64,
    answered: &mut usize,
    work: &mut VecDeque<(f64, ContactId)>,
    pending: &mut Vec<Step>,
) {
    for o in new {
        *answered += 1;
        let (contact, agent) = (o.contact, o.agent);
        if answered.is_multiple_of(5) {
            pending.push((at, Event::OfferDeclined { contact, agent }));
        } else {
            pending.push((at, Event::OfferAccepted { contact, agent }));
            let end = at + 9.0 + (contact.0 % 7) as f64 * 2.0;
            let place = work.partition_point(|&(e, _)| e <= end);
            work.insert(place, (end, contact));
        }
    }
}

type Outcomes = (Vec<Offer>, Vec<Result<(), RouterError>>);

fn feed_all(r: &mut Router, steps: &[Step], out: &mut Outcomes) {
    for (at, e) in steps {
        let res = r.handle(*at, e.clone(), &mut out.0);
        out.1.push(res);
    }
}

#[test]
fn a_router_moved_to_another_thread_mid_run_makes_the_same_offers() {
    for (name, policy) in builtins() {
        let steps = script(policy);
        let mut stayed = router(policy());
        let mut here = Outcomes::default();
        feed_all(&mut stayed, &steps, &mut here);
        assert!(
            here.0.len() > 40 && here.1.iter().all(Result::is_ok),
            "{name}: the script makes many offers, all events accepted"
        );

        let (a, b) = (steps.len() / 3, 2 * steps.len() / 3);
        let mut moved = router(policy());
        let mut there = Outcomes::default();
        feed_all(&mut moved, &steps[..a], &mut there);
        let middle = steps[a..b].to_vec();
        let (mut moved, mut there) = std::thread::spawn(move || {
            feed_all(&mut moved, &middle, &mut there);
            (moved, there)
        })
        .join()
        .expect("the thread ran");
        feed_all(&mut moved, &steps[b..], &mut there);

        assert_eq!(here, there, "{name}");
        assert_eq!(stayed.counts(), moved.counts(), "{name}");
    }
}

#[test]
fn a_router_in_a_mutex_serves_two_threads_in_turn() {
    let policy = || Box::new(OptimalAssignment::default()) as Box<dyn RoutingPolicy>;
    let steps = script(policy);
    let mut alone = router(policy());
    let mut expected = Outcomes::default();
    feed_all(&mut alone, &steps, &mut expected);

    let shared = Arc::new(Mutex::new((router(policy()), Outcomes::default())));
    let half = steps.len() / 2;
    for part in [steps[..half].to_vec(), steps[half..].to_vec()] {
        let mine = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut guard = mine.lock().expect("not poisoned");
            let (r, out) = &mut *guard;
            feed_all(r, &part, out);
        })
        .join()
        .expect("the thread ran");
    }
    let guard = shared.lock().expect("not poisoned");
    assert_eq!(guard.1, expected);
    assert_eq!(guard.0.counts(), alone.counts());
}

// ---------------------------------------------------------------------------
// Debug: short, what identifies the thing and where it stands
// ---------------------------------------------------------------------------

/// A router with both agents logged in, agent 1 ready and busy with a call,
/// agent 2 not ready, and contact 8 waiting.
fn small_center() -> Router<OptimalAssignment> {
    let mut r = Router::new(OptimalAssignment::default());
    let mut offers = Vec::new();
    for id in [1, 2] {
        let agent = Agent::builder(AgentId(id))
            .skill(SKILLS[0], 5)
            .channel(ChannelId::VOICE, 1)
            .build()
            .expect("valid agent");
        r.handle(0.0, Event::AgentLogin { agent }, &mut offers)
            .expect("login");
    }
    r.handle(0.0, Event::AgentReady { agent: AgentId(1) }, &mut offers)
        .expect("ready");
    for id in [7, 8] {
        let contact = Contact::builder(ContactId(id), ChannelId::VOICE, 1.0)
            .requires(SKILLS[0], 3)
            .build()
            .expect("valid contact");
        r.handle(1.0, Event::ContactArrived { contact }, &mut offers)
            .expect("arrival");
    }
    let o = offers[0];
    r.handle(
        2.0,
        Event::OfferAccepted {
            contact: o.contact,
            agent: o.agent,
        },
        &mut offers,
    )
    .expect("accepted");
    r.handle(5.0, Event::Tick, &mut offers).expect("tick");
    r
}

#[test]
fn the_view_and_its_refs_debug_in_a_line() {
    let r = small_center();
    let view = r.view();
    assert_eq!(
        format!("{view:?}"),
        "RouterView { now: 5.0, waiting: 1, available_agents: 0, known_agents: 2, .. }"
    );
    let busy = view.agent(AgentId(1)).expect("known");
    assert_eq!(
        format!("{busy:?}"),
        "AgentRef { id: AgentId(1), index: 0, state: Busy, held: 1, free_total: 0, .. }"
    );
    let idle = view.agent(AgentId(2)).expect("known");
    assert_eq!(
        format!("{idle:?}"),
        "AgentRef { id: AgentId(2), index: 1, state: NotReady, held: 0, free_total: 0, .. }"
    );
    let waiting = view.waiting_contact(ContactId(8)).expect("waiting");
    assert_eq!(
        format!("{waiting:?}"),
        "ContactRef { id: ContactId(8), waited: 4.0, relaxation: 0, sequence: 1, .. }"
    );
}

#[test]
fn a_builder_debugs_its_policy_and_configuration() {
    let b = Router::builder(CMu::default())
        .decline_cooldown(12.5)
        .fit_model(AffinityTable::new(0.0).expect("finite"));
    let s = format!("{b:?}");
    assert!(
        s.starts_with("RouterBuilder { policy: \"c-mu\", config: RouterConfig {"),
        "{s}"
    );
    assert!(s.contains("decline_cooldown: 12.5"), "{s}");
}

/// `why_waiting` answers an ACD may pass on as JSON, and read back.
#[test]
fn waiting_reasons_round_trip_through_json() {
    let r = small_center();
    let why = r.why_waiting(ContactId(8)).expect("waiting");
    let json = serde_json::to_string(&why).expect("serialises");
    let back: WaitingReasons = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, why);
    assert_eq!((back.logged_in, back.not_ready, back.full), (2, 1, 1));
}
