//! What each built-in policy decides, on small hand-built situations, and how the
//! router treats declines, time-outs, multi-chat agents and a policy that
//! proposes nonsense. Each assertion says why its expected value is right.

use proptest::prelude::*;
use skillroute::policy::{Exploration, LearnedFit, LearnedFitConfig};
use skillroute::score::{self, AgentLoad};
use skillroute::{
    AffinityTable, Agent, AgentId, AgentState, CMu, ChannelId, Contact, ContactId, ContactState,
    Event, LongestIdleAgent, Offer, OptimalAssignment, Outcome, PriorityAging, Proposal, RelaxStep,
    Router, RouterView, RoutingPolicy, ScoreWeights, SegmentId, SkillExpansion, SkillId, TierId,
    Trigger,
};

const S1: SkillId = SkillId(1);
const S2: SkillId = SkillId(2);

fn agent(id: u32, skills: &[(SkillId, u8)]) -> Agent {
    let mut b = Agent::builder(AgentId(id)).channel(ChannelId::VOICE, 1);
    for &(s, l) in skills {
        b = b.skill(s, l);
    }
    b.build().unwrap()
}

fn contact(id: u64, arrival: f64, reqs: &[(SkillId, u8)]) -> Contact {
    let mut b = Contact::builder(ContactId(id), ChannelId::VOICE, arrival);
    for &(s, l) in reqs {
        b = b.requires(s, l);
    }
    b.build().unwrap()
}

/// Handles one event that must be accepted; returns the offers it made.
fn ev<P: RoutingPolicy>(r: &mut Router<P>, t: f64, e: Event) -> Vec<Offer> {
    let mut out = Vec::new();
    let dbg = format!("{e:?}");
    r.handle(t, e, &mut out)
        .unwrap_or_else(|err| panic!("{dbg} at {t}: {err}"));
    out
}

/// Logs `a` in and makes it ready at `t`; returns the offers that made.
fn ready<P: RoutingPolicy>(r: &mut Router<P>, t: f64, a: Agent) -> Vec<Offer> {
    let id = a.id();
    assert!(ev(r, t, Event::AgentLogin { agent: a }).is_empty());
    ev(r, t, Event::AgentReady { agent: id })
}

fn arrive<P: RoutingPolicy>(r: &mut Router<P>, t: f64, c: Contact) -> Vec<Offer> {
    ev(r, t, Event::ContactArrived { contact: c })
}

/// Accepts, completes and wraps up `c` (held by `a`) at `t`; returns the
/// offers made when the agent's slot frees.
fn finish<P: RoutingPolicy>(r: &mut Router<P>, t: f64, c: u64, a: u32) -> Vec<Offer> {
    let (contact, agent) = (ContactId(c), AgentId(a));
    if r.contact_state(contact) == Some(ContactState::Offered(agent)) {
        assert!(ev(r, t, Event::OfferAccepted { contact, agent }).is_empty());
    }
    let outcome = Outcome::default();
    assert!(ev(r, t, Event::WorkCompleted { contact, outcome }).is_empty());
    ev(r, t, Event::WrapUpDone { contact })
}

fn pairs(offers: &[Offer]) -> Vec<(u64, u32)> {
    offers.iter().map(|o| (o.contact.0, o.agent.0)).collect()
}

// ---------------------------------------------------------------------------
// LongestIdleAgent
// ---------------------------------------------------------------------------

#[test]
fn longest_idle_agent_gives_an_arrival_to_the_agent_idle_longest() {
    let mut r = Router::new(LongestIdleAgent);
    // Ready in the order 3, 2, 1: the reverse of the id order, so that a
    // tie-break by id cannot pass for "longest idle".
    ready(&mut r, 0.0, agent(3, &[(S1, 5)]));
    ready(&mut r, 5.0, agent(2, &[(S1, 5)]));
    ready(&mut r, 10.0, agent(1, &[(S1, 5)]));
    // At t = 20 agent 3 has idled 20 s, agent 2 15 s, agent 1 10 s.
    let o = arrive(&mut r, 20.0, contact(1, 20.0, &[(S1, 3)]));
    assert_eq!(pairs(&o), [(1, 3)]);
    assert_eq!(o[0].trigger, Trigger::ContactWaiting(ContactId(1)));
    // Agent 3 is busy now; of the others, agent 2 has idled longer.
    let o = arrive(&mut r, 21.0, contact(2, 21.0, &[(S1, 3)]));
    assert_eq!(pairs(&o), [(2, 2)]);
}

#[test]
fn longest_idle_agent_gives_a_freed_agent_the_oldest_contact() {
    let mut r = Router::new(LongestIdleAgent);
    ready(&mut r, 0.0, agent(1, &[(S1, 5)]));
    assert_eq!(
        pairs(&arrive(&mut r, 1.0, contact(10, 1.0, &[]))),
        [(10, 1)]
    );
    // Three contacts queue behind it. Contact 7 reaches the router second but
    // arrived first (escalated from self-service at t = 0.5, keeping its
    // arrival time); contact 1 has the smallest id but arrived last.
    assert!(arrive(&mut r, 2.0, contact(5, 2.0, &[])).is_empty());
    assert!(arrive(&mut r, 3.0, contact(7, 0.5, &[])).is_empty());
    assert!(arrive(&mut r, 4.0, contact(1, 4.0, &[])).is_empty());
    let o = finish(&mut r, 10.0, 10, 1);
    assert_eq!(
        pairs(&o),
        [(7, 1)],
        "FIFO by arrival time, not by router order or id"
    );
    assert_eq!(o[0].trigger, Trigger::AgentAvailable(AgentId(1)));
    assert_eq!(pairs(&finish(&mut r, 20.0, 7, 1)), [(5, 1)]);
    assert_eq!(pairs(&finish(&mut r, 30.0, 5, 1)), [(1, 1)]);
}

// ---------------------------------------------------------------------------
// PriorityAging
// ---------------------------------------------------------------------------

fn tiered(id: u64, arrival: f64, priority: u8, tier: u8) -> Contact {
    Contact::builder(ContactId(id), ChannelId::VOICE, arrival)
        .priority(priority)
        .tier(TierId(tier))
        .build()
        .unwrap()
}

/// One agent serves, in turn, a priority-3 tier-0 contact P, a tier-2 contact
/// B, and then either the tier-0 contact A or a tier-2 contact D; returns the
/// order of service.
fn priority_aging_order(policy: PriorityAging) -> Vec<u64> {
    let mut r = Router::new(policy);
    ready(&mut r, 0.0, agent(1, &[]));
    let mut served = pairs(&arrive(&mut r, 0.0, tiered(100, 0.0, 0, 0)));
    assert!(arrive(&mut r, 1.0, tiered(1, 1.0, 0, 0)).is_empty()); // A
    assert!(arrive(&mut r, 2.0, tiered(2, 2.0, 3, 0)).is_empty()); // P
    assert!(arrive(&mut r, 3.0, tiered(3, 3.0, 0, 2)).is_empty()); // B
    served.extend(pairs(&finish(&mut r, 10.0, 100, 1)));
    let next = served.last().unwrap().0;
    served.extend(pairs(&finish(&mut r, 20.0, next, 1)));
    assert!(arrive(&mut r, 30.0, tiered(4, 30.0, 0, 2)).is_empty()); // D
    let next = served.last().unwrap().0;
    served.extend(pairs(&finish(&mut r, 62.0, next, 1)));
    served.iter().map(|p| p.0).collect()
}

#[test]
fn priority_aging_serves_higher_priority_and_tier_first() {
    // Urgency = priority + 1·tier + waited/60. At t = 10: P = 3 + 8/60,
    // B = 2 + 7/60, A = 9/60: P, then B (at t = 20). At t = 62: D = 2 + 32/60
    // beats A = 61/60, as nobody has a maximum wait.
    assert_eq!(
        priority_aging_order(PriorityAging::default()),
        [100, 2, 3, 4]
    );
}

#[test]
fn priority_aging_lets_a_lower_tier_past_its_maximum_wait_go_first() {
    let mut p = PriorityAging::default();
    p.max_wait.insert(TierId(0), 60.0);
    p.validate().unwrap();
    // Same events; at t = 62 tier-0 contact A has waited 61 s > 60 s, so it
    // goes before D (which won in the test above). Before that the maximum
    // changes nothing: P and B are served first exactly as there.
    assert_eq!(priority_aging_order(p), [100, 2, 3, 1]);
}

// ---------------------------------------------------------------------------
// SkillExpansion
// ---------------------------------------------------------------------------

#[test]
fn skill_expansion_waits_then_relaxes_at_the_announced_time() {
    // Default rings: 1 level lower after 20 s, 2 after 60 s, any after 180 s.
    let mut r = Router::new(SkillExpansion::default());
    ready(&mut r, 0.0, agent(1, &[(S1, 6)]));
    // Level 8 needed, only a level-6 agent is ready: the contact waits.
    assert!(arrive(&mut r, 0.0, contact(1, 0.0, &[(S1, 8)])).is_empty());
    assert_eq!(r.next_wakeup(), Some(20.0), "the first ring opens at 20 s");
    // At 20 s the minimum is 7: still above 6.
    assert!(ev(&mut r, 20.0, Event::Tick).is_empty());
    let view = r.view();
    let c = view.waiting_contact(ContactId(1)).unwrap();
    assert_eq!(c.relaxation(), 1);
    assert_eq!(r.next_wakeup(), Some(60.0), "the second ring opens at 60 s");
    // Half a second early, nothing changes.
    assert!(ev(&mut r, 59.5, Event::Tick).is_empty());
    assert_eq!(r.contact_state(ContactId(1)), Some(ContactState::Waiting));
    // At 60 s the minimum is 6: the agent qualifies and gets the offer.
    let o = ev(&mut r, 60.0, Event::Tick);
    assert_eq!(pairs(&o), [(1, 1)]);
    assert_eq!(o[0].trigger, Trigger::ContactWaiting(ContactId(1)));
    assert_eq!(r.next_wakeup(), None, "nothing waits any more");
}

#[test]
fn skill_expansion_relaxes_on_time_whatever_the_rounding_of_the_arrival() {
    // Arrival 4.1: the second ring's wake-up is at 4.1 + 60 = 64.1, where
    // 64.1 - 4.1 rounds to 59.99999999999999. The step must still open then.
    let mut r = Router::new(SkillExpansion::default());
    ready(&mut r, 0.0, agent(1, &[(S1, 6)]));
    assert!(arrive(&mut r, 4.1, contact(1, 4.1, &[(S1, 8)])).is_empty());
    let first = r.next_wakeup().unwrap();
    assert_eq!(first, 4.1 + 20.0);
    assert!(ev(&mut r, first, Event::Tick).is_empty());
    let second = r.next_wakeup().expect("a second ring is due");
    assert_eq!(second, 4.1 + 60.0);
    assert_eq!(pairs(&ev(&mut r, second, Event::Tick)), [(1, 1)]);
}

#[test]
fn skill_expansion_never_relaxes_away_a_missing_skill() {
    let mut r = Router::new(SkillExpansion::default());
    // Agent 1 masters skill 1 but lacks skill 2 entirely.
    ready(&mut r, 0.0, agent(1, &[(S1, 10)]));
    assert!(arrive(&mut r, 0.0, contact(1, 0.0, &[(S1, 8), (S2, 1)])).is_empty());
    for t in [20.0, 60.0, 180.0] {
        assert_eq!(r.next_wakeup(), Some(t));
        assert!(ev(&mut r, t, Event::Tick).is_empty(), "no offer at {t}");
    }
    // Fully relaxed (9 levels), it still needs skill 2 at level 1 at least.
    let view = r.view();
    assert_eq!(view.waiting_contact(ContactId(1)).unwrap().relaxation(), 9);
    assert_eq!(r.contact_state(ContactId(1)), Some(ContactState::Waiting));
    assert_eq!(r.next_wakeup(), None, "no ring is left to open");
    // An agent with skill 2 at level 1 is eligible at once.
    assert_eq!(
        pairs(&ready(&mut r, 200.0, agent(2, &[(S1, 2), (S2, 1)]))),
        [(1, 2)]
    );
}

#[test]
fn skill_expansion_prefers_the_most_skilled_agent() {
    let mut r = Router::new(
        SkillExpansion::new(vec![RelaxStep {
            after: 30,
            relax: 2,
        }])
        .unwrap(),
    );
    // Agent 1 (level 7) has idled longer than agent 2 (level 9).
    ready(&mut r, 0.0, agent(1, &[(S1, 7)]));
    ready(&mut r, 10.0, agent(2, &[(S1, 9)]));
    assert_eq!(
        pairs(&arrive(&mut r, 20.0, contact(1, 20.0, &[(S1, 5)]))),
        [(1, 2)]
    );
}

// ---------------------------------------------------------------------------
// CMu
// ---------------------------------------------------------------------------

#[test]
fn cmu_gives_an_arrival_to_the_fastest_agent() {
    let fast = |id, speed, level| {
        Agent::builder(AgentId(id))
            .skill(S1, level)
            .channel(ChannelId::VOICE, 1)
            .speed(speed)
            .build()
            .unwrap()
    };
    let mut r = Router::new(CMu::default());
    // μ = speed × skill match: agent 1 = 1.0 × 0.5, agent 2 = 2.0 × 0.5,
    // agent 3 = 1.5 × 0.5. Agent 1 has idled longest, agent 2 shortest, so
    // only μ can explain choosing agent 2.
    ready(&mut r, 0.0, fast(1, 1.0, 5));
    ready(&mut r, 5.0, fast(3, 1.5, 5));
    ready(&mut r, 10.0, fast(2, 2.0, 5));
    assert_eq!(
        pairs(&arrive(&mut r, 20.0, contact(1, 20.0, &[(S1, 5)]))),
        [(1, 2)]
    );
    // Skill counts as much as speed: agent 4 (1.0 × 1.0) beats agent 3 (0.75).
    ready(&mut r, 30.0, fast(4, 1.0, 10));
    assert_eq!(
        pairs(&arrive(&mut r, 40.0, contact(2, 40.0, &[(S1, 5)]))),
        [(2, 4)]
    );
}

/// One busy agent; low-priority L arrives at 0, priority-2 H at `h_arrival`;
/// the agent frees at 100. Returns who it serves first.
fn cmu_first_served(h_arrival: f64) -> u64 {
    let mut r = Router::new(CMu::default());
    ready(&mut r, 0.0, agent(1, &[]));
    assert_eq!(pairs(&arrive(&mut r, 0.0, tiered(100, 0.0, 0, 0))).len(), 1);
    assert!(arrive(&mut r, 0.0, tiered(1, 0.0, 0, 0)).is_empty()); // L
    assert!(arrive(&mut r, h_arrival, tiered(2, h_arrival, 2, 0)).is_empty()); // H
    let o = finish(&mut r, 100.0, 100, 1);
    assert_eq!(o.len(), 1);
    o[0].contact.0
}

#[test]
fn cmu_gives_a_freed_agent_the_largest_cost_times_wait() {
    // cost = 1 + priority. H arrived at 40: 3 × 60 = 180 > L's 1 × 100.
    assert_eq!(cmu_first_served(40.0), 2);
    // H arrived at 70: 3 × 30 = 90 < 100, so L goes first despite priority.
    assert_eq!(cmu_first_served(70.0), 1);
}

// ---------------------------------------------------------------------------
// OptimalAssignment
// ---------------------------------------------------------------------------

#[test]
fn optimal_assignment_explains_its_offer_term_by_term() {
    let mut fit = AffinityTable::new(0.1).unwrap();
    fit.set(SegmentId(7), AgentId(2), 0.8).unwrap();
    let weights = ScoreWeights::default();
    let mut r = Router::builder(OptimalAssignment::default())
        .weights(weights)
        .fit_model(fit)
        .build()
        .unwrap();
    let a1 = agent(1, &[(S1, 9)]);
    let a2 = agent(2, &[(S1, 6)]);
    ready(&mut r, 0.0, a1);
    ready(&mut r, 30.0, a2.clone());
    let c = Contact::builder(ContactId(1), ChannelId::VOICE, 40.0)
        .requires(S1, 5)
        .priority(1)
        .segment(SegmentId(7))
        .preferred_agent(AgentId(2))
        .build()
        .unwrap();
    let o = arrive(&mut r, 50.0, c.clone());
    // Agent 1: skill .9 + fit .1 + idle .5·50/110 + load .25 + wait 10/60 + 1 ≈ 2.644.
    // Agent 2: skill .6 + fit .8 + preferred .5 + idle .5·20/80 + load .25
    //          + wait 10/60 + 1 ≈ 3.442: fit and preference outweigh skill.
    assert_eq!(pairs(&o), [(1, 2)]);
    let s = o[0].score;
    let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
    assert!(close(s.skill, 0.6), "{s:?}");
    assert!(close(s.fit, 0.8), "{s:?}");
    assert!(close(s.preference, 0.5), "{s:?}");
    assert!(close(s.idle, 0.125), "{s:?}");
    assert!(close(s.load, 0.25), "{s:?}");
    assert!(close(s.wait, 10.0 / 60.0), "{s:?}");
    assert!(close(s.priority, 1.0), "{s:?}");
    let sum = s.skill + s.fit + s.preference + s.idle + s.load + s.wait + s.priority;
    assert!(close(s.total, sum), "the terms add up to the total: {s:?}");
    // And it is exactly what score::score says for the pair at that moment.
    let load = AgentLoad {
        idle_seconds: 20.0,
        free_share: 1.0,
    };
    assert_eq!(s, score::score(&weights, &c, &a2, load, 0.8, 50.0));
}

/// A batching policy: holds all work until a re-plan, then solves it with
/// [`OptimalAssignment`]. This is how several contacts and several free agents
/// come to wait side by side for one global decision.
#[derive(Debug, Default)]
struct Batch<P = OptimalAssignment>(P);

impl<P: RoutingPolicy> RoutingPolicy for Batch<P> {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        if trigger == Trigger::Rebalance {
            self.0.decide(view, trigger, out);
        }
    }
    fn plans_globally(&self) -> bool {
        true
    }
    fn observe_outcome(&mut self, c: &Contact, agent: AgentId, outcome: &Outcome) {
        self.0.observe_outcome(c, agent, outcome)
    }
    fn validate(&self) -> Result<(), skillroute::policy::PolicyError> {
        self.0.validate()
    }
    fn in_flight(&self) -> Vec<skillroute::policy::InFlightProposal> {
        self.0.in_flight()
    }
    fn restore_in_flight(
        &mut self,
        records: &[skillroute::policy::InFlightProposal],
    ) -> Result<(), skillroute::policy::PolicyError> {
        self.0.restore_in_flight(records)
    }
    fn explain(
        &self,
        view: &RouterView<'_>,
        c: &skillroute::ContactRef<'_>,
        a: &skillroute::AgentRef<'_>,
    ) -> Option<skillroute::ScoreBreakdown> {
        self.0.explain(view, c, a)
    }
}

/// The best (most pairs, then largest total) matching of a small bipartite
/// graph, by enumerating every matching. `w[c][a]` is `None` for no edge.
fn brute_force(w: &[Vec<Option<f64>>]) -> (usize, f64) {
    fn go(
        w: &[Vec<Option<f64>>],
        i: usize,
        used: &mut Vec<bool>,
        n: usize,
        t: f64,
        best: &mut (usize, f64),
    ) {
        if i == w.len() {
            if n > best.0 || (n == best.0 && t > best.1) {
                *best = (n, t);
            }
            return;
        }
        go(w, i + 1, used, n, t, best);
        for (a, e) in w[i].iter().enumerate() {
            if let (Some(x), false) = (e, used[a]) {
                used[a] = true;
                go(w, i + 1, used, n + 1, t + x, best);
                used[a] = false;
            }
        }
    }
    let cols = w.first().map_or(0, Vec::len);
    let mut best = (0, f64::NEG_INFINITY);
    go(w, 0, &mut vec![false; cols], 0, 0.0, &mut best);
    best
}

/// (skill, level) pairs.
type Skills = Vec<(u16, u8)>;

/// A random small re-plan: agents (skills, time they became ready), contacts
/// and a segment × agent affinity table (3 segments × 6 agents, in -1..1, so
/// some pairs score below zero).
#[derive(Debug, Clone)]
struct Instance {
    agents: Vec<(Skills, f64)>,
    contacts: Vec<WaitingContact>,
    affinity: Vec<f64>,
}

#[derive(Debug, Clone)]
struct WaitingContact {
    reqs: Skills,
    priority: u8,
    segment: u32,
    arrival: f64,
}

fn instance() -> impl Strategy<Value = Instance> {
    let skills = || prop::collection::btree_map(1u16..=3, 1u8..=10, 0..=2);
    let waiting =
        (skills(), 0u8..=2, 0u32..3, 0.0..50.0).prop_map(|(reqs, priority, segment, arrival)| {
            WaitingContact {
                reqs: reqs.into_iter().collect(),
                priority,
                segment,
                arrival,
            }
        });
    (
        prop::collection::vec(
            (skills().prop_map(|m| m.into_iter().collect()), 0.0..50.0),
            1..=6,
        ),
        prop::collection::vec(waiting, 1..=6),
        prop::collection::vec(-1.0..1.0f64, 18),
    )
        .prop_map(|(agents, contacts, affinity)| Instance {
            agents,
            contacts,
            affinity,
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A re-plan offers a maximum-cardinality matching of waiting contacts to
    /// free agents, and among those one of maximum total score, as found by
    /// enumerating every matching.
    #[test]
    fn rebalance_is_the_best_matching_by_brute_force(
        inst in instance(),
        outcomes in prop::collection::vec((0u32..2, 1u32..=6, any::<bool>()), 0..16),
    ) {
        rebalance_case(&inst, Batch(OptimalAssignment::default()), |v, c, a| v.score(c, a).total)?;
        for exploration in explorations() {
            let (policy, twin) = learned_twins(exploration, &outcomes);
            rebalance_case(&inst, Batch(policy), |v, c, a| {
                v.score_with_fit(c, a, twin.estimate(c.segment(), a.agent()).value).total
            })?;
        }
    }
}

/// A re-plan by `policy` (which offers nothing before it) against every
/// matching enumerated, with pairs weighted by `score`.
fn rebalance_case<P: RoutingPolicy>(
    inst: &Instance,
    policy: P,
    score: impl Fn(&RouterView<'_>, &skillroute::ContactRef<'_>, &skillroute::AgentRef<'_>) -> f64,
) -> Result<(), TestCaseError> {
    let mut fit = AffinityTable::new(0.0).unwrap();
    for (k, &v) in inst.affinity.iter().enumerate() {
        fit.set(SegmentId(k as u32 / 6), AgentId(k as u32 % 6 + 1), v)
            .unwrap();
    }
    let mut r = Router::builder(policy).fit_model(fit).build().unwrap();
    // Agents become ready at staggered times (so idle terms differ), in
    // time order; the batching policy offers nothing before the re-plan.
    let mut order: Vec<usize> = (0..inst.agents.len()).collect();
    order.sort_by(|&i, &j| inst.agents[i].1.total_cmp(&inst.agents[j].1));
    for i in order {
        let (skills, t) = &inst.agents[i];
        let skills: Vec<(SkillId, u8)> = skills.iter().map(|&(s, l)| (SkillId(s), l)).collect();
        prop_assert!(ready(&mut r, *t, agent(i as u32 + 1, &skills)).is_empty());
    }
    for (i, w) in inst.contacts.iter().enumerate() {
        let mut b = Contact::builder(ContactId(i as u64 + 1), ChannelId::VOICE, w.arrival)
            .priority(w.priority)
            .segment(SegmentId(w.segment));
        for &(s, l) in &w.reqs {
            b = b.requires(SkillId(s), l);
        }
        prop_assert!(arrive(&mut r, 50.0, b.build().unwrap()).is_empty());
    }
    // The graph the re-plan must solve, built by brute force over the view.
    let view = r.view();
    let contacts: Vec<_> = view.waiting().collect();
    let agents: Vec<_> = view.available_agents().collect();
    prop_assert_eq!(contacts.len(), inst.contacts.len());
    prop_assert_eq!(agents.len(), inst.agents.len());
    let w: Vec<Vec<Option<f64>>> = contacts
        .iter()
        .map(|c| {
            let listed: Vec<AgentId> = view.eligible_agents(*c).map(|a| a.id()).collect();
            agents
                .iter()
                .map(|a| {
                    let ok = view.is_eligible(c, a);
                    assert_eq!(
                        ok,
                        listed.contains(&a.id()),
                        "eligible_agents agrees with is_eligible"
                    );
                    ok.then(|| score(&view, c, a))
                })
                .collect()
        })
        .collect();
    let c_ix: Vec<ContactId> = contacts.iter().map(|c| c.id()).collect();
    let a_ix: Vec<AgentId> = agents.iter().map(|a| a.id()).collect();
    let (best_n, best_total) = brute_force(&w);

    let offers = ev(&mut r, 50.0, Event::Rebalance);
    prop_assert_eq!(r.rejected_proposals(), 0);
    let mut total = 0.0;
    let mut seen_c = std::collections::BTreeSet::new();
    let mut seen_a = std::collections::BTreeSet::new();
    for o in &offers {
        prop_assert!(
            seen_c.insert(o.contact) && seen_a.insert(o.agent),
            "a vertex used twice"
        );
        let i = c_ix.iter().position(|&c| c == o.contact).unwrap();
        let j = a_ix.iter().position(|&a| a == o.agent).unwrap();
        let e = w[i][j];
        prop_assert!(e.is_some(), "offer on a pair that is not eligible");
        prop_assert!((o.score.total - e.unwrap()).abs() < 1e-9);
        total += e.unwrap();
    }
    prop_assert_eq!(offers.len(), best_n, "not a maximum-cardinality matching");
    if best_n > 0 {
        prop_assert!(
            (total - best_total).abs() <= 1e-9 * (1.0 + best_total.abs()),
            "total {} but the best matching of {} pairs has {}",
            total,
            best_n,
            best_total
        );
    }
    Ok(())
}

/// One agent with these channel capacities within `total`, ready at 0; the
/// `waiting` contacts (id, channel, arrival) are seen at `at.0` and wait
/// for a batch re-plan, which runs at `at.1`: the router and its offers.
fn replan_one_agent(
    caps: &[(ChannelId, u16)],
    total: u16,
    waiting: &[(u64, ChannelId, f64)],
    at: (f64, f64),
) -> (Router<Batch>, Vec<Offer>) {
    let mut r = Router::new(Batch(OptimalAssignment::default()));
    let mut a = Agent::builder(AgentId(1)).total_capacity(total);
    for &(ch, n) in caps {
        a = a.channel(ch, n);
    }
    ready(&mut r, 0.0, a.build().unwrap());
    for &(id, ch, arrival) in waiting {
        let c = Contact::builder(ContactId(id), ch, arrival)
            .build()
            .unwrap();
        assert!(arrive(&mut r, at.0, c).is_empty());
    }
    let o = ev(&mut r, at.1, Event::Rebalance);
    (r, o)
}

/// A global plan's offers are explained by the weights the plan was made
/// on: a re-plan that gives one agent three chats scored each pair with
/// the agent as it was (idle, holding nothing), and so must the three
/// offers' breakdowns be, not the second and third scored after the
/// earlier offers made the agent busy (which took the idle term to 0 and
/// added load, so that the offers' totals no longer summed to the plan's).
/// Each offer's breakdown is checked against the view's score of its pair
/// as the policy saw it, also with two agents sharing four chats.
#[test]
fn a_global_plans_offers_carry_the_weights_it_was_made_on() {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    type Seen = Arc<Mutex<BTreeMap<(u64, u32), skillroute::ScoreBreakdown>>>;
    /// Decides only at a re-plan, noting first every pair's score as the
    /// view gives it.
    struct Noted(OptimalAssignment, Seen);
    impl RoutingPolicy for Noted {
        fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
            if trigger != Trigger::Rebalance {
                return;
            }
            let mut seen = self.1.lock().unwrap();
            for c in view.waiting() {
                for a in view.available_agents() {
                    if view.is_eligible(&c, &a) {
                        seen.insert((c.id().0, a.id().0), view.score(c.contact(), &a));
                    }
                }
            }
            self.0.decide(view, trigger, out);
        }
        fn plans_globally(&self) -> bool {
            true
        }
    }
    for agents in [1u32, 2] {
        let seen = Seen::default();
        let mut r = Router::new(Noted(OptimalAssignment::default(), seen.clone()));
        for id in 1..=agents {
            let a = Agent::builder(AgentId(id))
                .channel(ChannelId::CHAT, 3)
                .build()
                .unwrap();
            ready(&mut r, 0.0, a);
        }
        for id in 1..=4u64 {
            let c = Contact::builder(ContactId(id), ChannelId::CHAT, id as f64)
                .build()
                .unwrap();
            assert!(arrive(&mut r, 10.0, c).is_empty());
        }
        let o = ev(&mut r, 20.0, Event::Rebalance);
        assert_eq!(o.len(), if agents == 1 { 3 } else { 4 }, "{:?}", pairs(&o));
        let seen = seen.lock().unwrap();
        for offer in &o {
            let want = seen[&(offer.contact.0, offer.agent.0)];
            assert_eq!(offer.score, want, "{agents} agent(s): {:?}", pairs(&o));
        }
        // Not a vacuous check: an offer to an agent that already got one in
        // this plan would score otherwise once the agent is busy.
        let per_agent = |id| o.iter().filter(|x| x.agent == AgentId(id)).count();
        assert!(per_agent(1) >= 2, "{:?}", pairs(&o));
    }
}

#[test]
fn rebalance_fills_a_multi_chat_agent_within_its_channel_capacities() {
    // One agent: 1 call or 3 chats, 3 contacts in all. Two calls (waiting
    // longest, so scoring highest) and two chats wait for a batch re-plan.
    let (r, o) = replan_one_agent(
        &[(ChannelId::VOICE, 1), (ChannelId::CHAT, 3)],
        3,
        &[
            (1, ChannelId::VOICE, 0.0),
            (2, ChannelId::VOICE, 1.0),
            (3, ChannelId::CHAT, 50.0),
            (4, ChannelId::CHAT, 51.0),
        ],
        (60.0, 60.0),
    );
    // The best plan fills all three slots: one call (the voice cap) and both
    // chats. Proposing both calls would waste a slot on an infeasible pair.
    let mut got = pairs(&o);
    got.sort();
    assert_eq!(got, [(1, 1), (3, 1), (4, 1)]);
    assert_eq!(r.rejected_proposals(), 0);
    assert_eq!(r.agent_load(AgentId(1)), Some(3));
}

/// An agent whose channels are each capped below its total (a call and an
/// email at once, or a call, an email and a chat) is filled by a re-plan on
/// every channel it has room on: the plan's slots must not make two such
/// channels compete for the same slot, which left a contact waiting beside
/// an agent free to take it until the next re-plan (a batch window's).
#[test]
fn rebalance_fills_an_agent_whose_channels_are_capped_below_its_total() {
    // Voice 1 + email 1 within 2: both contacts go.
    let (r, o) = replan_one_agent(
        &[(ChannelId::VOICE, 1), (ChannelId::EMAIL, 1)],
        2,
        &[(1, ChannelId::VOICE, 1.0), (2, ChannelId::EMAIL, 1.0)],
        (1.0, 2.0),
    );
    let mut got = pairs(&o);
    got.sort();
    assert_eq!(got, [(1, 1), (2, 1)], "both channels have room");
    assert_eq!(r.counts().waiting, 0);
    assert_eq!(r.agent_load(AgentId(1)), Some(2));

    // Voice 1 + email 1 + chat 3 within 3, with a call, an email and two
    // chats waiting: three offers, one per capped channel and a chat (the
    // most offers, as the non-idling plan promises), never two calls.
    let waiting = [
        (1, ChannelId::VOICE, 1.0),
        (2, ChannelId::EMAIL, 1.0),
        (3, ChannelId::CHAT, 1.0),
        (4, ChannelId::CHAT, 1.5),
        (5, ChannelId::VOICE, 1.5),
    ];
    let (r, o) = replan_one_agent(
        &[
            (ChannelId::VOICE, 1),
            (ChannelId::EMAIL, 1),
            (ChannelId::CHAT, 3),
        ],
        3,
        &waiting,
        (2.0, 3.0),
    );
    assert_eq!(r.rejected_proposals(), 0);
    assert_eq!(o.len(), 3, "{:?}", pairs(&o));
    let channel_of = |id: u64| waiting.iter().find(|w| w.0 == id).map(|w| w.1);
    let on = |ch: ChannelId| {
        o.iter()
            .filter(|x| channel_of(x.contact.0) == Some(ch))
            .count()
    };
    assert_eq!(on(ChannelId::VOICE), 1);
    assert_eq!(on(ChannelId::EMAIL), 1);
    assert_eq!(on(ChannelId::CHAT), 1);
}

/// When an agent's channels capped below its free slots have more room
/// between them than it has slots (a call, an email and a chat, each one at
/// a time, two at once), no layout of slots fits every mix: the re-plan
/// completes its plan with the contacts left over that still fit, so that
/// none waits beside an agent with room for it.
#[test]
fn rebalance_fills_an_agent_whose_capped_channels_outnumber_its_slots() {
    for mix in [
        [ChannelId::VOICE, ChannelId::CHAT],
        [ChannelId::VOICE, ChannelId::EMAIL],
        [ChannelId::EMAIL, ChannelId::CHAT],
    ] {
        let waiting: Vec<_> = (1..).zip(mix).map(|(id, ch)| (id, ch, 1.0)).collect();
        let (r, o) = replan_one_agent(
            &[
                (ChannelId::VOICE, 1),
                (ChannelId::EMAIL, 1),
                (ChannelId::CHAT, 1),
            ],
            2,
            &waiting,
            (1.0, 2.0),
        );
        assert_eq!(o.len(), 2, "{mix:?}: {:?}", pairs(&o));
        assert_eq!(r.rejected_proposals(), 0);
        assert_eq!(r.counts().waiting, 0, "{mix:?}");
    }
}

/// A re-plan among equally good matchings chooses by the state (contacts
/// in arrival order at the router, agents in login order), not by the order
/// the view happens to list them in, so that a restored router, which lists
/// them in an order of its own, plans as the original would have. Here the
/// original lists contact 3 before contact 2 (contact 1 withdrawn from the
/// head of its list); the restored router lists them 2, 3; and every
/// matching of the two identical agents to the two identical contacts ties.
#[test]
fn a_restored_router_replans_ties_as_the_original() {
    let mut r = Router::new(Batch(OptimalAssignment::default()));
    for id in 1..=2 {
        ready(&mut r, 0.0, agent(id, &[]));
    }
    for id in 1..=3 {
        assert!(arrive(&mut r, 1.0, contact(id, 0.0, &[])).is_empty());
    }
    let contact = ContactId(1);
    assert!(ev(&mut r, 1.0, Event::ContactWithdrawn { contact }).is_empty());
    let mut restored = Router::new(Batch(OptimalAssignment::default()));
    restored.restore(&r.snapshot()).unwrap();
    let original = pairs(&ev(&mut r, 2.0, Event::Rebalance));
    let again = pairs(&ev(&mut restored, 2.0, Event::Rebalance));
    assert_eq!(original.len(), 2);
    assert_eq!(again, original, "the restored router planned otherwise");
}

/// Holds all work until t = 10 (a window), then offers each contact it is
/// asked about to the first available agent; notes every call the router
/// promised not to make: a contact to place while no agent is available,
/// or an agent to fill while no contact waits.
#[derive(Default)]
struct Promises {
    broken: Vec<(f64, Trigger)>,
}

impl RoutingPolicy for Promises {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        match trigger {
            Trigger::ContactWaiting(id) => {
                let Some(agent) = view.available_agents().next() else {
                    self.broken.push((view.now(), trigger));
                    return;
                };
                if view.now() >= 10.0 {
                    out.push(Proposal {
                        contact: id,
                        agent: agent.id(),
                    });
                }
            }
            Trigger::AgentAvailable(_) if view.waiting_len() == 0 => {
                self.broken.push((view.now(), trigger));
            }
            _ => {}
        }
    }
}

/// [`RoutingPolicy::decide`] promises that the router does not ask about a
/// waiting contact while no agent is available. A re-plan of a policy that
/// does not plan globally asked about every waiting contact, most urgent
/// first, even once the first offers had taken every free agent.
#[test]
fn a_replan_asks_about_a_contact_only_while_an_agent_is_available() {
    let mut r = Router::new(Promises::default());
    ready(&mut r, 0.0, agent(1, &[]));
    for id in 1..=3 {
        assert!(arrive(&mut r, id as f64, contact(id, id as f64, &[])).is_empty());
    }
    assert_eq!(pairs(&ev(&mut r, 10.0, Event::Rebalance)), [(1, 1)]);
    assert_eq!(
        r.policy().broken,
        [],
        "calls the router promised not to make"
    );
}

/// A negative preference weight ("not the agent the customer last spoke
/// to") is a valid weight, and the arriving contact must then go to the
/// best of the others. The preferred agent, longest idle among agents alike
/// in all else, used to stand for its whole bucket, and the agent next to
/// it, the best choice, was never looked at.
#[test]
fn a_negative_preference_sends_the_contact_to_another_alike_agent() {
    let weights = ScoreWeights {
        preference: -5.0,
        ..ScoreWeights::default()
    };
    let mut r = Router::builder(OptimalAssignment::default())
        .weights(weights)
        .build()
        .unwrap();
    ready(&mut r, 0.0, agent(1, &[(S1, 5)]));
    ready(&mut r, 5.0, agent(2, &[(S1, 5)]));
    let c = Contact::builder(ContactId(1), ChannelId::VOICE, 10.0)
        .requires(S1, 3)
        .preferred_agent(AgentId(1))
        .build()
        .unwrap();
    let o = arrive(&mut r, 10.0, c);
    assert_eq!(pairs(&o), [(1, 2)], "{o:?}");
    assert!(o[0].score.preference == 0.0);
}

// ---------------------------------------------------------------------------
// Declines and time-outs
// ---------------------------------------------------------------------------

fn decline(contact: u64, agent: u32, timed_out: bool) -> Event {
    let (contact, agent) = (ContactId(contact), AgentId(agent));
    if timed_out {
        Event::OfferTimedOut { contact, agent }
    } else {
        Event::OfferDeclined { contact, agent }
    }
}

/// Agent 1 (level 9) and agent 2 (level 5) are ready; a contact goes to agent
/// 1, the more skilled, who declines it (or lets it time out). Returns the
/// offers that follow.
fn after_a_decline(cooldown: f64, timed_out: bool) -> Vec<Offer> {
    let policy = SkillExpansion::new(Vec::new()).unwrap();
    let mut r = Router::builder(policy)
        .decline_cooldown(cooldown)
        .build()
        .unwrap();
    ready(&mut r, 0.0, agent(1, &[(S1, 9)]));
    ready(&mut r, 5.0, agent(2, &[(S1, 5)]));
    assert_eq!(
        pairs(&arrive(&mut r, 10.0, contact(1, 10.0, &[(S1, 3)]))),
        [(1, 1)]
    );
    ev(&mut r, 12.0, decline(1, 1, timed_out))
}

#[test]
fn a_declined_contact_goes_to_another_agent_not_back() {
    for timed_out in [false, true] {
        // Agent 1 is free again and still the most skilled, but it is in its
        // cool-down for contact 1: the contact goes to agent 2.
        let o = after_a_decline(30.0, timed_out);
        assert_eq!(pairs(&o), [(1, 2)]);
        assert_eq!(o[0].trigger, Trigger::ContactWaiting(ContactId(1)));
        // Control: without a cool-down the very same events send it back to agent 1.
        assert_eq!(pairs(&after_a_decline(0.0, timed_out)), [(1, 1)]);
    }
}

#[test]
fn a_declined_contact_returns_to_the_same_agent_after_the_cooldown() {
    for timed_out in [false, true] {
        let mut r = Router::builder(LongestIdleAgent)
            .decline_cooldown(30.0)
            .build()
            .unwrap();
        ready(&mut r, 0.0, agent(1, &[]));
        assert_eq!(
            pairs(&arrive(&mut r, 10.0, contact(1, 10.0, &[]))),
            [(1, 1)]
        );
        // The only agent declines: the contact waits out the cool-down.
        assert!(ev(&mut r, 12.0, decline(1, 1, timed_out)).is_empty());
        assert_eq!(r.contact_state(ContactId(1)), Some(ContactState::Waiting));
        assert_eq!(r.next_wakeup(), Some(42.0), "the cool-down ends at 12 + 30");
        assert!(
            ev(&mut r, 41.5, Event::Tick).is_empty(),
            "still cooling at 41.5"
        );
        assert_eq!(pairs(&ev(&mut r, 42.0, Event::Tick)), [(1, 1)]);
    }
}

#[test]
fn a_cooldown_only_blocks_the_declined_contact() {
    let mut r = Router::new(LongestIdleAgent);
    ready(&mut r, 0.0, agent(1, &[]));
    arrive(&mut r, 10.0, contact(1, 10.0, &[]));
    assert!(ev(&mut r, 12.0, decline(1, 1, false)).is_empty());
    // Contact 1 keeps waiting; contact 2 may have agent 1 at once.
    assert_eq!(
        pairs(&arrive(&mut r, 13.0, contact(2, 13.0, &[]))),
        [(2, 1)]
    );
    assert_eq!(r.contact_state(ContactId(1)), Some(ContactState::Waiting));
}

#[test]
fn every_cooldown_end_is_honoured_after_several_declines() {
    let mut r = Router::builder(LongestIdleAgent)
        .decline_cooldown(30.0)
        .build()
        .unwrap();
    ready(&mut r, 0.0, agent(1, &[]));
    ready(&mut r, 1.0, agent(2, &[]));
    assert_eq!(
        pairs(&arrive(&mut r, 10.0, contact(1, 10.0, &[]))),
        [(1, 1)]
    );
    // Agent 1 declines at 10 (cooling until 40): the contact goes to agent 2...
    assert_eq!(pairs(&ev(&mut r, 10.0, decline(1, 1, false))), [(1, 2)]);
    // ...who declines at 20 (cooling until 50). Nobody may take it now.
    assert!(ev(&mut r, 20.0, decline(1, 2, false)).is_empty());
    // Agent 1's cool-down ends first, at 40: the router must wake up then,
    // although the contact was away (offered to agent 2) when it was set.
    assert_eq!(r.next_wakeup(), Some(40.0));
    assert_eq!(pairs(&ev(&mut r, 40.0, Event::Tick)), [(1, 1)]);
}

// ---------------------------------------------------------------------------
// A policy that proposes nonsense
// ---------------------------------------------------------------------------

/// Proposes the same list on every call, mostly infeasible.
#[derive(Debug, Default)]
struct Garbage {
    proposed: u64,
}

impl RoutingPolicy for Garbage {
    fn decide(&mut self, _: &RouterView<'_>, _: Trigger, out: &mut Vec<Proposal>) {
        let p = |c, a| Proposal {
            contact: ContactId(c),
            agent: AgentId(a),
        };
        let list = [
            p(999, 1), // unknown contact
            p(1, 999), // unknown agent
            p(1, 2),   // agent 2 lacks skill 1
            p(1, 3),   // agent 3 is not ready
            p(1, 1),   // feasible while contact 1 waits and agent 1 is free
            p(1, 1),   // the same contact again: no longer waiting
            p(2, 1),   // agent 1 is full once it holds contact 1
            p(2, 2),   // agent 2 lacks skill 1
        ];
        self.proposed += list.len() as u64;
        out.extend(list);
    }
    fn plans_globally(&self) -> bool {
        true
    }
}

#[test]
fn garbage_proposals_are_only_counted_as_rejected() {
    let mut r = Router::new(Garbage::default());
    let mut made = 0u64;
    made += ready(&mut r, 0.0, agent(1, &[(S1, 5)])).len() as u64;
    made += ready(&mut r, 0.0, agent(2, &[(S2, 5)])).len() as u64;
    assert!(
        ev(
            &mut r,
            0.0,
            Event::AgentLogin {
                agent: agent(3, &[(S1, 9)])
            }
        )
        .is_empty()
    );
    assert_eq!(made, 0, "nothing waits yet, so nothing is feasible");
    // Contact 1 arrives: exactly one proposal on the list is feasible.
    let o = arrive(&mut r, 1.0, contact(1, 1.0, &[(S1, 3)]));
    assert_eq!(pairs(&o), [(1, 1)]);
    // Contact 2 (needs skill 1) arrives; agent 1 is full, so it waits.
    assert!(arrive(&mut r, 2.0, contact(2, 2.0, &[(S1, 3)])).is_empty());
    // A re-plan asks the policy globally and then per waiting contact: more garbage.
    assert!(ev(&mut r, 3.0, Event::Rebalance).is_empty());
    made += 1;
    // The policy was asked 4 times (contact 1, contact 2 while agent 2 is
    // free, the global re-plan, the re-plan's sweep over contact 2), 8
    // proposals each; one made an offer, every other one is counted. Agents
    // 1 and 2 becoming ready were not asked about: nothing waited, so no
    // pair could come of it.
    assert_eq!(r.policy().proposed, 4 * 8);
    assert_eq!(r.rejected_proposals(), r.policy().proposed - made);
    // The state is intact: one offer to agent 1, contact 2 waiting, agents 2
    // and 3 holding nothing.
    let counts = r.counts();
    assert_eq!((counts.arrived, counts.offered, counts.waiting), (2, 1, 1));
    assert_eq!(
        r.contact_state(ContactId(1)),
        Some(ContactState::Offered(AgentId(1)))
    );
    assert_eq!(r.contact_state(ContactId(2)), Some(ContactState::Waiting));
    assert_eq!(r.agent_load(AgentId(1)), Some(1));
    assert_eq!(r.agent_load(AgentId(2)), Some(0));
    assert_eq!(r.agent_load(AgentId(3)), Some(0));
    assert_eq!(r.agent_state(AgentId(3)), Some(AgentState::NotReady));
    // Once agent 1 is free, the list's (2, 1) becomes feasible.
    let o = finish(&mut r, 4.0, 1, 1);
    assert_eq!(pairs(&o), [(2, 1)]);
}

/// Proposes every pair the view's eligibility iterators list: each
/// eligible agent for a waiting contact, each eligible contact for a free
/// agent. All were eligible when listed; only the first still is once it
/// is offered.
#[derive(Debug, Default)]
struct Everyone;

impl RoutingPolicy for Everyone {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        match trigger {
            Trigger::ContactWaiting(id) => {
                if let Some(c) = view.waiting_contact(id) {
                    out.extend(view.eligible_agents(c).map(|a| Proposal {
                        contact: id,
                        agent: a.id(),
                    }));
                }
            }
            Trigger::AgentAvailable(id) => {
                if let Some(a) = view.agent(id) {
                    out.extend(view.eligible_contacts(a).map(|c| Proposal {
                        contact: c.id(),
                        agent: id,
                    }));
                }
            }
            _ => {}
        }
    }
}

/// The router takes the view's word for a listed pair only until an offer
/// changes the state: the pairs listed with it are checked again.
#[test]
fn listed_pairs_are_checked_again_once_an_offer_changed_the_state() {
    let mut r = Router::new(Everyone);
    // Two contacts wait for agent 1, logged in but not ready.
    let login = Event::AgentLogin {
        agent: agent(1, &[(S1, 5)]),
    };
    assert!(ev(&mut r, 0.0, login).is_empty());
    assert!(arrive(&mut r, 1.0, contact(1, 1.0, &[(S1, 3)])).is_empty());
    assert!(arrive(&mut r, 2.0, contact(2, 2.0, &[(S1, 3)])).is_empty());
    // Once ready it is listed with both; its one slot goes to the first, so
    // the second pair is refused.
    let o = ev(&mut r, 3.0, Event::AgentReady { agent: AgentId(1) });
    assert_eq!(pairs(&o), [(1, 1)]);
    assert_eq!(r.rejected_proposals(), 1);
    assert_eq!(r.agent_load(AgentId(1)), Some(1));
    // Agent 2 takes contact 2; then agents 3 and 4 are both listed for
    // contact 3, which only the first gets.
    assert_eq!(pairs(&ready(&mut r, 4.0, agent(2, &[(S1, 5)]))), [(2, 2)]);
    assert!(ready(&mut r, 5.0, agent(3, &[(S1, 5)])).is_empty());
    assert!(ready(&mut r, 6.0, agent(4, &[(S1, 5)])).is_empty());
    assert_eq!(
        pairs(&arrive(&mut r, 7.0, contact(3, 7.0, &[(S1, 3)]))),
        [(3, 3)]
    );
    assert_eq!(r.rejected_proposals(), 2);
    r.check_consistency().unwrap();
}

// ---------------------------------------------------------------------------
// Multi-chat agents
// ---------------------------------------------------------------------------

fn voice_and_chat(id: u32) -> Agent {
    Agent::builder(AgentId(id))
        .channel(ChannelId::VOICE, 1)
        .channel(ChannelId::CHAT, 3)
        .total_capacity(3)
        .build()
        .unwrap()
}

fn on(id: u64, channel: ChannelId, t: f64) -> Contact {
    Contact::builder(ContactId(id), channel, t).build().unwrap()
}

#[test]
fn a_chat_agent_takes_up_to_three_chats_at_once() {
    let mut r = Router::new(LongestIdleAgent);
    assert!(
        ev(
            &mut r,
            0.0,
            Event::AgentLogin {
                agent: voice_and_chat(1)
            }
        )
        .is_empty()
    );
    // Four chats queue while the agent is not ready.
    for id in 1..=4 {
        assert!(arrive(&mut r, id as f64, on(id, ChannelId::CHAT, id as f64)).is_empty());
    }
    // Ready: the three oldest chats are offered in that one event; the
    // fourth would exceed the chat capacity.
    let o = ev(&mut r, 10.0, Event::AgentReady { agent: AgentId(1) });
    assert_eq!(pairs(&o), [(1, 1), (2, 1), (3, 1)]);
    assert_eq!(r.agent_load(AgentId(1)), Some(3));
    assert_eq!(r.contact_state(ContactId(4)), Some(ContactState::Waiting));
    // One chat ends: the fourth takes its slot.
    assert_eq!(pairs(&finish(&mut r, 20.0, 2, 1)), [(4, 1)]);
}

#[test]
fn a_voice_and_chat_agent_never_takes_a_second_call() {
    let mut r = Router::new(LongestIdleAgent);
    ready(&mut r, 0.0, voice_and_chat(1));
    assert_eq!(
        pairs(&arrive(&mut r, 1.0, on(1, ChannelId::VOICE, 1.0))),
        [(1, 1)]
    );
    // A second call waits although the agent has two free slots in total:
    // its voice capacity is 1.
    assert!(arrive(&mut r, 2.0, on(2, ChannelId::VOICE, 2.0)).is_empty());
    let view = r.view();
    let a = view.agent(AgentId(1)).unwrap();
    assert_eq!(
        (
            a.free_capacity(ChannelId::VOICE),
            a.free_capacity(ChannelId::CHAT)
        ),
        (0, 2)
    );
    // Chats still fit, up to the total of 3.
    assert_eq!(
        pairs(&arrive(&mut r, 3.0, on(3, ChannelId::CHAT, 3.0))),
        [(3, 1)]
    );
    assert_eq!(
        pairs(&arrive(&mut r, 4.0, on(4, ChannelId::CHAT, 4.0))),
        [(4, 1)]
    );
    assert!(arrive(&mut r, 5.0, on(5, ChannelId::CHAT, 5.0)).is_empty());
    assert_eq!(r.agent_load(AgentId(1)), Some(3));
    // A chat ends: the voice cap still bars call 2, so chat 5 takes the slot.
    assert_eq!(pairs(&finish(&mut r, 6.0, 3, 1)), [(5, 1)]);
    // The call ends: call 2 (older than anything else) gets the voice slot.
    assert_eq!(pairs(&finish(&mut r, 7.0, 1, 1)), [(2, 1)]);
    assert_eq!(r.agent_load(AgentId(1)), Some(3));
}

// ---------------------------------------------------------------------------
// A freed agent's choice against brute force (the waiting-group index)
// ---------------------------------------------------------------------------

/// A waiting contact drawn from few distinct kinds, so that many share a
/// group, with arrival times that often tie.
/// (requirements, priority, tier, segment, arrival in half seconds).
type Kind = (Vec<(u16, u8)>, u8, u8, u32, u8);

fn kinds() -> impl Strategy<Value = Vec<Kind>> {
    let reqs = prop::collection::btree_map(1u16..=2, prop::sample::select(vec![1u8, 5]), 0..=2)
        .prop_map(|m| m.into_iter().collect::<Vec<_>>());
    prop::collection::vec((reqs, 0u8..=1, 0u8..=1, 0u32..2, 0u8..=6), 1..=40)
}

/// Two [`LearnedFit`]s (one arm per agent) taught the same outcomes
/// `(segment, agent, resolved)`, one for the router and one to rank by.
fn learned_twins(
    exploration: Exploration,
    outcomes: &[(u32, u32, bool)],
) -> (LearnedFit, LearnedFit) {
    let make = || {
        // An uneven prior: means like 3/4 plus a wait of 3/60 would tie
        // 4/5 exactly, and a tie is broken by rounding that the agent's own
        // terms (not the same in the view before its event) decide. Likewise
        // an uneven bound: Thompson draws clamped at opposite ends of ±0.2
        // differ by 0.4, which ties skill terms (tenths) exactly.
        let mut p = LearnedFit::new(LearnedFitConfig {
            exploration,
            prior_resolved: 1.37,
            prior_unresolved: 0.91,
            max_exploration: 0.23,
            seed: 11,
            ..LearnedFitConfig::default()
        })
        .unwrap();
        for &(s, a, r) in outcomes {
            let agent = Agent::builder(AgentId(a))
                .channel(ChannelId::VOICE, 1)
                .build()
                .unwrap();
            p.learn(SegmentId(s), &agent, r);
        }
        p
    };
    (make(), make())
}

fn explorations() -> [Exploration; 3] {
    [
        Exploration::Greedy,
        Exploration::Thompson,
        Exploration::Ucb { c: 0.4 },
    ]
}

/// Runs `policy` on: agent 1 logged in but not ready (so the channel is
/// served), the contacts arriving at times `arrival/2`, then agent 2 (skills
/// `skills`) becoming ready at the last arrival. Returns the contact offered to agent 2 and
/// the brute-force best by `rank` (higher first, then earlier arrival, then
/// earlier at the router), computed from the view just before (or the
/// contact chosen, where it ties the best up to rounding).
fn freed_agent_choice<P: RoutingPolicy>(
    policy: P,
    contacts: &[Kind],
    skills: &[(SkillId, u8)],
    rank: impl Fn(&RouterView<'_>, &skillroute::ContactRef<'_>, &skillroute::AgentRef<'_>) -> f64,
) -> (Option<ContactId>, Option<ContactId>) {
    let mut r = Router::new(policy);
    assert!(
        ev(
            &mut r,
            0.0,
            Event::AgentLogin {
                agent: agent(1, &[(S1, 1)])
            }
        )
        .is_empty()
    );
    assert!(
        ev(
            &mut r,
            0.0,
            Event::AgentLogin {
                agent: agent(2, skills)
            }
        )
        .is_empty()
    );
    for (i, (reqs, priority, tier, segment, arrival)) in contacts.iter().enumerate() {
        let t = f64::from(*arrival) / 2.0;
        let mut b = Contact::builder(ContactId(i as u64 + 1), ChannelId::VOICE, t)
            .priority(*priority)
            .tier(TierId(*tier))
            .segment(SegmentId(*segment));
        for &(s, l) in reqs {
            b = b.requires(SkillId(s), l);
        }
        // Arrivals come in time order, as to any ACD.
        let now = r.now().max(t);
        assert!(arrive(&mut r, now, b.build().unwrap()).is_empty());
    }
    let view = r.view();
    let me = view.agent(AgentId(2)).unwrap();
    let mut best: Option<(f64, f64, u64, ContactId)> = None;
    let mut ranked = Vec::new();
    for c in view.waiting() {
        if !me.meets(c.requirements(), 0) {
            continue;
        }
        let k = (rank(&view, &c, &me), c.arrival(), c.sequence(), c.id());
        ranked.push((k.0, k.3));
        let better = best.is_none_or(|b| {
            k.0.total_cmp(&b.0)
                .then(b.1.total_cmp(&k.1))
                .then(b.2.cmp(&k.2))
                .is_gt()
        });
        if better {
            best = Some(k);
        }
    }
    let mut expected = best.map(|b| b.3);
    // Ready at the view's time, so that waits are what the ranking saw.
    let now = r.now();
    let offers = ev(&mut r, now, Event::AgentReady { agent: AgentId(2) });
    assert!(offers.len() <= 1);
    let got = offers.first().map(|o| o.contact);
    // Scores that tie in exact arithmetic (a skill term's tenths against a
    // wait's sixtieths, a clamped draw…) may round apart, and the policy,
    // adding the agent's own terms after its event, may round them the
    // other way: within 1e-9 of the best, but not bit-equal to it, either
    // contact is right. Bit-equal scores still go by arrival, then sequence.
    if let (Some(b), Some(g)) = (best, got)
        && let Some(&(score, _)) = ranked.iter().find(|&&(_, id)| id == g)
        && score != b.0
        && (score - b.0).abs() <= 1e-9 * (1.0 + b.0.abs())
    {
        expected = Some(g);
    }
    (got, expected)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever the mix of identical and different contacts, a freed agent
    /// that looks only at the head of each group gets what scanning every
    /// waiting contact would give, under each policy's own ranking.
    #[test]
    fn a_freed_agent_gets_the_best_contact_by_brute_force(
        contacts in kinds(),
        skills in prop::collection::btree_map(1u16..=2, 1u8..=10, 1..=2),
        outcomes in prop::collection::vec((0u32..2, Just(2u32), any::<bool>()), 0..12),
    ) {
        let skills: Vec<(SkillId, u8)> = skills.into_iter().map(|(s, l)| (SkillId(s), l)).collect();

        let (got, want) = freed_agent_choice(LongestIdleAgent, &contacts, &skills, |_, _, _| 0.0);
        prop_assert_eq!(got, want, "longest-idle-agent");

        let pa = PriorityAging {
            max_wait: [(TierId(1), 2.0)].into_iter().collect(),
            ..PriorityAging::default()
        };
        let (got, want) = freed_agent_choice(pa.clone(), &contacts, &skills, |_, c, _| {
            let u = pa.urgency(c);
            // class first: a gap wider than any value within a class
            f64::from(u.class) * 1e6 + u.value
        });
        prop_assert_eq!(got, want, "priority-aging");

        let cmu = CMu::default();
        let (got, want) = freed_agent_choice(cmu, &contacts, &skills, |_, c, a| {
            (1.0 + f64::from(c.priority())) * c.waited() * a.speed() * score::skill_match(c, a)
        });
        prop_assert_eq!(got, want, "c-mu");

        let (got, want) = freed_agent_choice(OptimalAssignment::default(), &contacts, &skills, |v, c, a| {
            v.score(c, a).total
        });
        prop_assert_eq!(got, want, "optimal-assignment");

        // The freed agent's learned fit differs by segment.
        for exploration in explorations() {
            let (policy, twin) = learned_twins(exploration, &outcomes);
            let (got, want) = freed_agent_choice(policy, &contacts, &skills, |v, c, a| {
                v.score_with_fit(c, a, twin.estimate(c.segment(), a.agent()).value).total
            });
            prop_assert_eq!(got, want, "learned-fit {:?}", exploration);
        }
    }
}

// ---------------------------------------------------------------------------
// An arriving contact's choice against brute force (the agent profile index)
// ---------------------------------------------------------------------------

/// An agent: its profile (0..3), when it becomes ready in half seconds
/// (`None`: never), and whether it holds a chat first.
type Plan = (usize, Option<u8>, bool);

fn profile(p: usize, id: u32) -> Agent {
    let b = Agent::builder(AgentId(id)).channel(ChannelId::VOICE, 1);
    match p {
        0 => b.skill(S1, 5).skill(S2, 3).channel(ChannelId::CHAT, 2),
        1 => b.skill(S1, 8),
        // profile 0 but faster: a different profile
        _ => b
            .skill(S1, 5)
            .skill(S2, 3)
            .channel(ChannelId::CHAT, 2)
            .speed(1.3),
    }
    .total_capacity(2)
    .build()
    .unwrap()
}

/// Agents from three profiles, with shuffled ids (so that the id order is
/// not the order of anything else) and ready times that often tie.
fn plans() -> impl Strategy<Value = (Vec<Plan>, Vec<u32>)> {
    prop::collection::vec(
        (
            0usize..3,
            prop::option::weighted(0.9, 0u8..=4),
            prop::bool::weighted(0.3),
        ),
        1..=10,
    )
    .prop_flat_map(|plans| {
        let ids: Vec<u32> = (1..=plans.len() as u32).collect();
        (Just(plans), Just(ids).prop_shuffle())
    })
}

/// Runs `policy` (with `fit`) on agents set up by `plans`, then a voice call
/// needing `reqs` arrives, preferring agent `preferred`, and is declined by
/// each agent offered it, twice. Returns the agents offered it, in order,
/// and the brute-force order over every eligible agent by `rank` (higher
/// first, then idle before busy, longer idle, larger free share, smaller
/// id), computed from the view at the instant it arrives, just before.
fn arriving_contact_choices<P: RoutingPolicy>(
    policy: P,
    fit: &AffinityTable,
    (plans, ids): &(Vec<Plan>, Vec<u32>),
    reqs: &[(SkillId, u8)],
    (segment, preferred): (u32, Option<u32>),
    rank: impl Fn(&RouterView<'_>, &Contact, &skillroute::AgentRef<'_>) -> f64,
) -> (Vec<AgentId>, Vec<AgentId>) {
    let mut r = Router::builder(policy)
        .fit_model(fit.clone())
        .build()
        .unwrap();
    for (&(p, _, _), &id) in plans.iter().zip(ids) {
        assert!(
            ev(
                &mut r,
                0.0,
                Event::AgentLogin {
                    agent: profile(p, id)
                }
            )
            .is_empty()
        );
    }
    // Chats first, each to an agent ready alone, which then steps away.
    let mut next = 1000;
    for (&(p, _, chat), &id) in plans.iter().zip(ids) {
        if chat && p != 1 {
            let agent = AgentId(id);
            assert!(ev(&mut r, 0.0, Event::AgentReady { agent }).is_empty());
            let c = Contact::builder(ContactId(next), ChannelId::CHAT, 0.0)
                .build()
                .unwrap();
            assert_eq!(pairs(&arrive(&mut r, 0.0, c)), [(next, id)]);
            let contact = ContactId(next);
            assert!(ev(&mut r, 0.0, Event::OfferAccepted { contact, agent }).is_empty());
            assert!(ev(&mut r, 0.0, Event::AgentNotReady { agent }).is_empty());
            next += 1;
        }
    }
    let mut order: Vec<(u8, u32)> = plans
        .iter()
        .zip(ids)
        .filter_map(|(&(_, t, _), &id)| t.map(|t| (t, id)))
        .collect();
    order.sort_by_key(|&(t, _)| t); // stable: ties keep the shuffled order
    for &(t, id) in &order {
        let agent = AgentId(id);
        assert!(ev(&mut r, f64::from(t) / 2.0, Event::AgentReady { agent }).is_empty());
    }
    let now = r.now() + 1.0;
    let mut b = Contact::builder(ContactId(1), ChannelId::VOICE, now).segment(SegmentId(segment));
    for &(s, l) in reqs {
        b = b.requires(s, l);
    }
    if let Some(p) = preferred {
        b = b.preferred_agent(AgentId(p));
    }
    let call = b.build().unwrap();

    // Rank at the instant of arrival: idle times (and so scores) move with
    // the clock, and not all by the same amount of score.
    assert!(ev(&mut r, now, Event::Tick).is_empty());
    let view = r.view();
    let mut keyed: Vec<_> = view
        .available_agents()
        .filter(|a| a.free_capacity(ChannelId::VOICE) > 0 && a.meets(call.requirements(), 0))
        .map(|a| {
            let idle = a.held() == 0;
            let since = if idle { a.idle_since() } else { 0.0 };
            (rank(&view, &call, &a), idle, since, a.free_share(), a.id())
        })
        .collect();
    keyed.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then(y.1.cmp(&x.1))
            .then(x.2.total_cmp(&y.2))
            .then(y.3.total_cmp(&x.3))
            .then(x.4.cmp(&y.4))
    });
    let want: Vec<AgentId> = keyed.iter().take(3).map(|k| k.4).collect();

    let mut got = Vec::new();
    let mut offers = arrive(&mut r, now, call);
    while let Some(o) = offers.first().copied() {
        assert_eq!(offers.len(), 1);
        got.push(o.agent);
        if got.len() == 3 {
            break;
        }
        let (contact, agent) = (o.contact, o.agent);
        offers = ev(&mut r, now, Event::OfferDeclined { contact, agent });
    }
    r.check_consistency().unwrap();
    (got, want)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever the mix of alike and different agents, idle and holding
    /// chats, an arriving contact that looks only at the longest-idle agent
    /// of each profile (plus the busy ones and its preferred agent) gets what
    /// scanning every eligible agent would give, under each policy's own
    /// ranking, and so does each re-offer after a decline.
    #[test]
    fn an_arriving_contact_gets_the_best_agent_by_brute_force(
        setup in plans(),
        reqs in prop::sample::select(vec![
            vec![], vec![(S1, 1)], vec![(S1, 6)], vec![(S2, 2)], vec![(S1, 4), (S2, 3)],
        ]),
        segment in 0u32..2,
        preferred in prop::option::of(1u32..=10),
        listed in prop::collection::btree_map(1u32..=10, -1.0f64..1.0, 0..=3),
        outcomes in prop::collection::vec((0u32..2, 1u32..=10, any::<bool>()), 0..16),
    ) {
        // Listed agents each get their own fit; the others share the default.
        let mut fit = AffinityTable::new(0.25).unwrap();
        for (&a, &v) in &listed {
            fit.set(SegmentId(1), AgentId(a), v).unwrap();
        }
        let pick = (segment, preferred);
        let zero = |_: &RouterView<'_>, _: &Contact, _: &skillroute::AgentRef<'_>| 0.0;

        let (got, want) = arriving_contact_choices(LongestIdleAgent, &fit, &setup, &reqs, pick, zero);
        prop_assert_eq!(got, want, "longest-idle-agent");

        let (got, want) =
            arriving_contact_choices(PriorityAging::default(), &fit, &setup, &reqs, pick, zero);
        prop_assert_eq!(got, want, "priority-aging");

        let se = SkillExpansion::default();
        let (got, want) = arriving_contact_choices(se, &fit, &setup, &reqs, pick, |_, c, a| {
            score::skill_match(c, a)
        });
        prop_assert_eq!(got, want, "skill-expansion");

        let (got, want) = arriving_contact_choices(CMu::default(), &fit, &setup, &reqs, pick, |_, c, a| {
            a.speed() * score::skill_match(c, a)
        });
        prop_assert_eq!(got, want, "c-mu");

        let (got, want) =
            arriving_contact_choices(OptimalAssignment::default(), &fit, &setup, &reqs, pick, |v, c, a| {
                let load = AgentLoad { idle_seconds: a.idle_seconds(), free_share: a.free_share() };
                let f = fit.get(c.segment(), a.id());
                score::score(v.weights(), c, a, load, f, v.now()).total
            });
        prop_assert_eq!(got, want, "optimal-assignment");

        // One arm per agent: alike agents differ in learned fit, so the
        // arriving contact must compare them all.
        for exploration in explorations() {
            let (policy, twin) = learned_twins(exploration, &outcomes);
            let (got, want) = arriving_contact_choices(policy, &fit, &setup, &reqs, pick, |v, c, a| {
                v.score_with_fit(c, a, twin.estimate(c.segment(), a.agent()).value).total
            });
            prop_assert_eq!(got, want, "learned-fit {:?}", exploration);
        }
    }
}

/// An agent that logs in again and again with other attributes leaves its
/// old profiles behind; they are swept (`check_consistency` fails if profiles
/// outnumber agents more than two to one), so the router's memory follows its
/// agents, not their logins, and routing stays right across the sweeps.
#[test]
fn profiles_left_behind_by_relogins_are_swept() {
    let mut r = Router::new(LongestIdleAgent);
    ready(&mut r, 0.0, agent(1, &[(S1, 5)]));
    let id = AgentId(2);
    for i in 0..500u32 {
        let t = f64::from(i);
        let a = Agent::builder(id)
            .skill(S1, 5)
            .channel(ChannelId::VOICE, 1)
            .attribute("login", i.to_string())
            .build()
            .unwrap();
        assert!(ev(&mut r, t, Event::AgentLogin { agent: a }).is_empty());
        assert!(ev(&mut r, t, Event::AgentReady { agent: id }).is_empty());
        r.check_consistency().unwrap();
        if i < 499 {
            assert!(ev(&mut r, t, Event::AgentLogout { agent: id }).is_empty());
        }
    }
    // Agent 1 has been idle since 0, agent 2 since 499: the longest idle first.
    let offers = arrive(&mut r, 600.0, contact(1, 600.0, &[(S1, 1)]));
    assert_eq!(pairs(&offers), [(1, 1)]);
    let offers = arrive(&mut r, 601.0, contact(2, 601.0, &[(S1, 1)]));
    assert_eq!(pairs(&offers), [(2, 2)]);
    r.check_consistency().unwrap();
}

// ---------------------------------------------------------------------------
// Ids: found at the slot they name, or through the map
// ---------------------------------------------------------------------------

/// The router finds a contact or an agent without hashing when the low bits
/// of its id name the slot it sits in, and through its map otherwise. Ids
/// here are chosen to land on both sides and to collide: `1 << 32` names
/// slot 0 while contact 0 sits there; agent 1 names the slot agent 7 holds.
/// Every state query, duplicate check and event must find the right one.
#[test]
fn ids_that_name_their_slot_and_ids_that_do_not_are_both_found() {
    let mut r = Router::new(LongestIdleAgent);
    // Agent slots 0, 1, 2 in login order: 0 names its slot, 7 and 1 do not.
    for id in [0, 7, 1] {
        assert!(ready(&mut r, 0.0, agent(id, &[(S1, 5)])).is_empty());
    }
    r.check_consistency().unwrap();
    for id in [0, 7, 1] {
        assert_eq!(r.agent_state(AgentId(id)), Some(AgentState::Ready));
    }
    assert_eq!(r.agent_state(AgentId(2)), None, "slot 2 holds agent 1");
    // Contacts: 0 takes slot 0 (its own); 1 << 32 names slot 0 too but
    // takes slot 1; 5 takes slot 2; 2 takes slot 3. No skill S2 among the
    // agents, so all four wait.
    let ids = [0u64, 1 << 32, 5, 2];
    for (k, &id) in ids.iter().enumerate() {
        let mut out = Vec::new();
        let c = contact(id, k as f64, &[(S2, 1)]);
        // S2 is served by nobody, but the channel is: the contact waits.
        r.handle(k as f64, Event::ContactArrived { contact: c }, &mut out)
            .unwrap();
        assert!(out.is_empty());
        r.check_consistency().unwrap();
    }
    for &id in &ids {
        assert_eq!(r.contact_state(ContactId(id)), Some(ContactState::Waiting));
    }
    assert_eq!(r.contact_state(ContactId(1)), None, "slot 1 holds 1 << 32");
    assert_eq!(r.contact_state(ContactId(3 << 32)), None);
    // A duplicate is caught whichever way its id is found.
    for &id in &ids {
        let mut out = Vec::new();
        let err = r
            .handle(
                9.0,
                Event::ContactArrived {
                    contact: contact(id, 9.0, &[]),
                },
                &mut out,
            )
            .unwrap_err();
        assert!(matches!(err, skillroute::RouterError::DuplicateContact(c) if c.0 == id));
    }
    // Contact 0 leaves: slot 0 is free, and 1 << 32 (still at slot 1) must
    // not be taken for it, nor contact 0 be found any longer.
    ev(
        &mut r,
        10.0,
        Event::ContactAbandoned {
            contact: ContactId(0),
        },
    );
    r.check_consistency().unwrap();
    assert_eq!(r.contact_state(ContactId(0)), None);
    assert_eq!(
        r.contact_state(ContactId(1 << 32)),
        Some(ContactState::Waiting)
    );
    // The next arrival reuses slot 0; with id 7 it is mapped, and served by
    // the longest idle agent (agent 0).
    let offers = arrive(&mut r, 11.0, contact(7, 11.0, &[(S1, 1)]));
    assert_eq!(pairs(&offers), vec![(7, 0)]);
    r.check_consistency().unwrap();
    finish(&mut r, 12.0, 7, 0);
    r.check_consistency().unwrap();
    assert_eq!(r.contact_state(ContactId(7)), None);
    for &id in &ids[1..] {
        ev(
            &mut r,
            13.0,
            Event::ContactAbandoned {
                contact: ContactId(id),
            },
        );
        r.check_consistency().unwrap();
        assert_eq!(r.contact_state(ContactId(id)), None);
    }
    assert_eq!(r.agent_state(AgentId(0)), Some(AgentState::Ready));
}

// ---------------------------------------------------------------------------
// An offer's explanation is the pair's score when it is made
// ---------------------------------------------------------------------------

/// On an arrival only: proposes each other waiting contact, then the
/// newcomer, each to every eligible agent from the largest id down. Before
/// that, with `score`, it scores the newcomer with each of them (the router
/// keeps the best score a policy computes, for the offer's explanation);
/// with `fake`, it also scores a contact of its own making with the same id
/// and a higher priority.
struct LargestIdsFirst {
    score: bool,
    fake: bool,
}

impl RoutingPolicy for LargestIdsFirst {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        let Trigger::ContactWaiting(id) = trigger else {
            return; // a freed agent is left idle: contacts may wait beside it
        };
        let Some(c) = view.waiting_contact(id) else {
            return;
        };
        let fake = Contact::builder(id, c.channel(), c.arrival())
            .priority(9)
            .build()
            .unwrap();
        for a in view.eligible_agents(c) {
            if self.score {
                view.score(&c, &a);
            }
            if self.fake {
                view.score(&fake, &a);
            }
        }
        let others = view.waiting().filter(|w| w.id() != id);
        for w in others.chain([c]) {
            let mut agents: Vec<_> = view.eligible_agents(w).map(|a| a.id()).collect();
            agents.sort_by_key(|&a| std::cmp::Reverse(a));
            out.extend(agents.into_iter().map(|agent| Proposal {
                contact: w.id(),
                agent,
            }));
        }
    }
}

/// The router reuses the best score the policy computed when the policy
/// proposes that pair before anything changed; otherwise (another pair, a
/// contact the policy made up, several proposals in one decision) it
/// scores afresh. Either way every offer's score must be what a policy
/// that scored nothing gets: the pair's score at the time of the decision,
/// which for the second of two proposals in one decision is before the
/// first was offered.
#[test]
fn an_offer_explains_the_pair_offered_whatever_the_policy_scored() {
    let run = |score: bool, fake: bool| {
        let mut r = Router::new(LargestIdsFirst { score, fake });
        // Agent 3 the least skilled: the voice call's best score is agent
        // 1's, not that of agent 3, proposed first.
        for (id, level) in [(1, 9), (2, 6), (3, 2)] {
            ready(&mut r, 0.0, agent(id, &[(S1, level)]));
        }
        let mut offers = arrive(&mut r, 10.0, contact(1, 10.0, &[(S1, 1)]));
        // A chat agent of two slots, logged in (the channel is served) but
        // not ready when chat 2 arrives, which waits; ready later, it is
        // left idle (the policy decides only on arrivals).
        let chat = Agent::builder(AgentId(4))
            .skill(S1, 9)
            .channel(ChannelId::CHAT, 2)
            .build()
            .unwrap();
        assert!(ev(&mut r, 11.0, Event::AgentLogin { agent: chat }).is_empty());
        let chat_contact = |id, t| {
            Contact::builder(ContactId(id), ChannelId::CHAT, t)
                .requires(S1, 1)
                .build()
                .unwrap()
        };
        offers.extend(arrive(&mut r, 12.0, chat_contact(2, 12.0)));
        assert!(ev(&mut r, 13.0, Event::AgentReady { agent: AgentId(4) }).is_empty());
        // Chat 3: the policy scores (3, agent 4) with agent 4 idle, offers
        // chat 2 to it first, then chat 3 to it holding one chat.
        offers.extend(arrive(&mut r, 14.0, chat_contact(3, 14.0)));
        // Chat 5 to an agent with one slot left, scored and offered at once.
        finish(&mut r, 15.0, 2, 4);
        offers.extend(arrive(&mut r, 16.0, chat_contact(5, 16.0)));
        offers
    };
    let plain = run(false, false);
    assert_eq!(pairs(&plain), [(1, 3), (2, 4), (3, 4), (5, 4)]);
    for (score, fake) in [(true, false), (false, true), (true, true)] {
        let scored = run(score, fake);
        assert_eq!(pairs(&scored), pairs(&plain));
        for (s, p) in scored.iter().zip(&plain) {
            assert_eq!(s.score, p.score, "score {score}, fake {fake}: {s:?}");
        }
    }
    // Chat 3 was proposed in the decision that offered chat 2 to agent 4
    // too: explained as agent 4 stood then, its whole room free.
    assert_eq!(plain[2].score.load, ScoreWeights::default().load);
    // Chat 5, decided alone with agent 4 holding chat 3: half its room.
    assert_eq!(plain[3].score.load, ScoreWeights::default().load * 0.5);
}

/// A case proptest found: two contacts whose skill terms differ by 0.4, and
/// two Thompson draws clamped at opposite ends of ±0.2 around equal means,
/// tie in exact arithmetic; rounding (which the view before the agent's event
/// does differently) then decided. The twins' bound (0.23) keeps clamped
/// draws off the skill terms' tenths.
#[test]
fn a_freed_agent_and_clamped_thompson_draws() {
    let contacts: Vec<Kind> = vec![(vec![], 1, 0, 1, 2), (vec![(1, 1)], 1, 0, 0, 2)];
    let skills = [(SkillId(1), 6)];
    let outcomes = [(0, 2, false), (0, 2, true), (1, 2, false), (1, 2, true)];
    let (policy, twin) = learned_twins(Exploration::Thompson, &outcomes);
    let (got, want) = freed_agent_choice(policy, &contacts, &skills, |v, c, a| {
        v.score_with_fit(c, a, twin.estimate(c.segment(), a.agent()).value)
            .total
    });
    assert_eq!(got, want);
}

/// Another: a skill term of 0.8 plus 3 s of waiting (3/60) against a skill
/// term of 0.85, equal in exact arithmetic and rounded apart.
#[test]
fn a_freed_agent_and_a_wait_that_ties_a_skill_term() {
    let contacts: Vec<Kind> = vec![
        (vec![(1, 1)], 1, 0, 0, 0),
        (vec![(1, 1), (2, 1)], 1, 0, 0, 6),
    ];
    let skills = [(SkillId(1), 8), (SkillId(2), 9)];
    let (policy, twin) = learned_twins(Exploration::Greedy, &[(0, 2, true)]);
    let (got, want) = freed_agent_choice(policy, &contacts, &skills, |v, c, a| {
        v.score_with_fit(c, a, twin.estimate(c.segment(), a.agent()).value)
            .total
    });
    assert_eq!(got, want);
}

/// A transfer (`ContactUpdated` with new requirements) routes the contact at
/// once if an agent now fits, and keeps its place by its arrival time; a
/// contact moved to a callback (`ContactWithdrawn`) leaves without counting
/// as abandoned and frees the agent it rang.
#[test]
fn updated_contacts_are_routed_again_and_withdrawn_ones_leave() {
    let mut r = Router::new(LongestIdleAgent);
    let mut out = Vec::new();
    r.handle(
        0.0,
        Event::AgentLogin {
            agent: agent(1, &[(S1, 5)]),
        },
        &mut out,
    )
    .unwrap();
    r.handle(0.0, Event::AgentReady { agent: AgentId(1) }, &mut out)
        .unwrap();
    // Needs level 8: the agent (5) cannot take it.
    r.handle(
        1.0,
        Event::ContactArrived {
            contact: contact(7, 1.0, &[(S1, 8)]),
        },
        &mut out,
    )
    .unwrap();
    assert!(out.is_empty());
    assert_eq!(r.why_waiting(ContactId(7)).unwrap().unskilled, 1);
    // A later contact for level 5 takes the agent.
    r.handle(
        2.0,
        Event::ContactArrived {
            contact: contact(8, 2.0, &[(S1, 5)]),
        },
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].contact, ContactId(8));
    out.clear();
    // Contact 8 goes to a callback while ringing: not abandoned, and the
    // agent is free again, for nobody it can serve.
    r.handle(
        3.0,
        Event::ContactWithdrawn {
            contact: ContactId(8),
        },
        &mut out,
    )
    .unwrap();
    assert!(out.is_empty());
    assert_eq!(r.contact_state(ContactId(8)), None);
    let c = r.counts();
    assert_eq!((c.withdrawn, c.abandoned, c.waiting), (1, 0, 1));
    // Contact 7 is transferred to a queue at level 5, keeping its arrival:
    // offered at once, triggered by its own change.
    r.handle(
        4.0,
        Event::ContactUpdated {
            contact: contact(7, 1.0, &[(S1, 5)]),
        },
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].contact, out[0].agent), (ContactId(7), AgentId(1)));
    assert_eq!(out[0].trigger, Trigger::ContactWaiting(ContactId(7)));
    // Only a waiting contact changes; an unknown one is an error too, and
    // neither changes anything.
    let before = r.counts();
    let e = r
        .handle(
            5.0,
            Event::ContactUpdated {
                contact: contact(7, 1.0, &[(S1, 1)]),
            },
            &mut out,
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("ContactUpdated does not apply"),
        "{e}"
    );
    assert!(
        r.handle(
            5.0,
            Event::ContactUpdated {
                contact: contact(99, 1.0, &[(S1, 1)])
            },
            &mut out
        )
        .is_err()
    );
    assert_eq!(r.counts(), before);
    assert_eq!(
        r.contact_state(ContactId(7)),
        Some(ContactState::Offered(AgentId(1)))
    );
}

// ---------------------------------------------------------------------------
// A profile changed while logged in
// ---------------------------------------------------------------------------

#[test]
fn a_reskilled_agent_is_offered_work_at_once_and_keeps_what_it_holds() {
    let mut r = Router::new(LongestIdleAgent);
    let chats = |id: u32, skills: &[(SkillId, u8)], chat: u16| {
        let mut b = Agent::builder(AgentId(id))
            .channel(ChannelId::VOICE, 1)
            .channel(ChannelId::CHAT, chat);
        for &(s, l) in skills {
            b = b.skill(s, l);
        }
        b.build().unwrap()
    };
    ready(&mut r, 0.0, chats(1, &[(S1, 5)], 3));
    let login_before = r.view().agent(AgentId(1)).unwrap().login();
    // A call needing S2 waits: nobody has it.
    assert!(arrive(&mut r, 1.0, contact(1, 1.0, &[(S2, 3)])).is_empty());
    // A supervisor gives agent 1 skill S2 at level 2: still too low.
    let o = ev(
        &mut r,
        2.0,
        Event::AgentUpdated {
            agent: chats(1, &[(S1, 5), (S2, 2)], 3),
        },
    );
    assert!(o.is_empty());
    // At level 3 the call is offered in the same event, triggered by the agent.
    let o = ev(
        &mut r,
        3.0,
        Event::AgentUpdated {
            agent: chats(1, &[(S1, 5), (S2, 3)], 3),
        },
    );
    assert_eq!(pairs(&o), [(1, 1)]);
    assert_eq!(o[0].trigger, Trigger::AgentAvailable(AgentId(1)));
    let login_after = r.view().agent(AgentId(1)).unwrap().login();
    assert_ne!(login_before, login_after, "policies must see a new key");
    // Two chats are taken beside the call (total capacity 3 by default).
    assert_eq!(
        pairs(&arrive(&mut r, 4.0, on(2, ChannelId::CHAT, 4.0))),
        [(2, 1)]
    );
    assert_eq!(
        pairs(&arrive(&mut r, 4.0, on(3, ChannelId::CHAT, 4.0))),
        [(3, 1)]
    );
    // Chat capacity cut to 1 below the load of 2: both chats stay, S2 is
    // taken away while the call rings, and the ringing call stays offered.
    let o = ev(
        &mut r,
        5.0,
        Event::AgentUpdated {
            agent: chats(1, &[(S1, 5)], 1),
        },
    );
    assert!(o.is_empty());
    assert_eq!(r.agent_load(AgentId(1)), Some(3));
    assert_eq!(
        r.contact_state(ContactId(1)),
        Some(ContactState::Offered(AgentId(1)))
    );
    let login_after = r.view().agent(AgentId(1)).unwrap().login();
    // A new chat waits: 2 held against a capacity of 1.
    assert!(arrive(&mut r, 6.0, on(4, ChannelId::CHAT, 6.0)).is_empty());
    // Taking chat away while two chats run is refused, and changes nothing.
    let mut out = Vec::new();
    let e = r
        .handle(
            7.0,
            Event::AgentUpdated {
                agent: agent(1, &[(S1, 5)]),
            },
            &mut out,
        )
        .unwrap_err();
    assert_eq!(
        e,
        skillroute::RouterError::ChannelInUse {
            agent: AgentId(1),
            channel: ChannelId::CHAT,
            held: 2
        }
    );
    assert!(out.is_empty());
    assert_eq!(r.view().agent(AgentId(1)).unwrap().login(), login_after);
    // The call is answered and ends: its slot frees, but the chat load (2)
    // is still over the capacity of 1, so chat 4 waits.
    assert!(finish(&mut r, 8.0, 1, 1).is_empty());
    // One chat ends: load 1 = capacity, still full for chat.
    assert!(finish(&mut r, 9.0, 2, 1).is_empty());
    // The other ends: now chat 4 gets the slot.
    assert_eq!(pairs(&finish(&mut r, 10.0, 3, 1)), [(4, 1)]);
    assert_eq!(r.agent_load(AgentId(1)), Some(1));
}

// ---------------------------------------------------------------------------
// Snapshot and restore
// ---------------------------------------------------------------------------

#[test]
fn a_restored_router_carries_on_and_a_bad_snapshot_changes_nothing() {
    let mut r = Router::new(LongestIdleAgent);
    ready(&mut r, 0.0, agent(1, &[(S1, 5)]));
    ready(&mut r, 1.0, agent(2, &[(S1, 5)]));
    assert_eq!(
        pairs(&arrive(&mut r, 2.0, contact(10, 2.0, &[]))),
        [(10, 1)]
    );
    // Agent 2 declines contact 11: a cool-down of 30 s on it.
    assert_eq!(
        pairs(&arrive(&mut r, 3.0, contact(11, 3.0, &[]))),
        [(11, 2)]
    );
    assert!(ev(&mut r, 4.0, decline(11, 2, false)).is_empty());
    // Contact 11 waits (agent 1 busy, agent 2 cooling on it until 34);
    // contact 12 goes to agent 2, which has no cool-down on it.
    assert_eq!(
        pairs(&arrive(&mut r, 5.0, contact(12, 5.0, &[]))),
        [(12, 2)]
    );
    let snap = r.snapshot();
    assert_eq!(snap.time, Some(5.0));
    assert_eq!(snap.contacts.len(), 3);
    assert_eq!(snap.contacts[1].state, ContactState::Waiting);
    assert_eq!(snap.contacts[1].cooldowns, [(AgentId(2), 34.0)]);

    // A standby restores it: the same state, and it routes as the first
    // would. Agent 2 finishes 12 at 6 but is still cooling on 11: no offer;
    // at the cool-down's end (34) a tick gives 11 to agent 2.
    let mut standby = Router::new(LongestIdleAgent);
    standby.restore(&snap).unwrap();
    assert_eq!(standby.snapshot(), snap);
    assert_eq!(standby.counts(), r.counts());
    for router in [&mut r, &mut standby] {
        assert!(finish(router, 6.0, 12, 2).is_empty());
        assert_eq!(router.next_wakeup(), Some(34.0));
        assert_eq!(pairs(&ev(router, 34.0, Event::Tick)), [(11, 2)]);
    }

    // Bad snapshots: each refused, naming the entry; the router unchanged.
    let before = standby.snapshot();
    let mut twice = before.clone();
    twice.agents.push(twice.agents[0].clone());
    let mut unlisted = before.clone();
    unlisted.contacts[0].state = ContactState::InService(AgentId(9));
    let mut late = before.clone();
    late.contacts[0].contact = contact(11, 99.0, &[]);
    let mut counts = before.clone();
    counts.counts.arrived += 1;
    let mut logged_out = before.clone();
    logged_out.agents[0].presence = skillroute::Presence::LoggedOut;
    let mut overflow = before.clone();
    overflow.counts.completed = u64::MAX;
    overflow.counts.abandoned = 1;
    let mut far = before.clone();
    far.contacts[1].cooldowns = vec![(AgentId(1), 1e308)];
    let mut timeless = before.clone();
    timeless.time = None;
    for (bad, says) in [
        (twice, "agents[2]: agent#1 is listed twice"),
        (unlisted, "held by agent#9, who is not listed"),
        (late, "arrival 99 is after the snapshot's time"),
        (counts, "counts: arrived (4) is not"),
        (logged_out, "held by agent#1, who is logged out"),
        (
            overflow,
            "is not completed (18446744073709551615) + abandoned (1)",
        ),
        (far, "ends at 1e308, more than the cool-down (30 s) after"),
        (timeless, "time is missing"),
    ] {
        let e = standby.restore(&bad).unwrap_err().to_string();
        assert!(e.contains(says), "{e}");
        assert_eq!(standby.snapshot(), before, "{says}: unchanged");
    }
}

/// Two contacts' cool-downs end at the same instant with one slot free: the
/// one that reached the router first goes first, whatever order the
/// cool-downs were set in, so that a restored router (which cannot know
/// that order) decides the same.
#[test]
fn timers_due_together_go_in_arrival_order_before_and_after_a_restore() {
    let chat = Agent::builder(AgentId(1))
        .channel(ChannelId::CHAT, 2)
        .build()
        .unwrap();
    let mut r = Router::builder(LongestIdleAgent)
        .decline_cooldown(30.0)
        .build()
        .unwrap();
    ready(&mut r, 0.0, chat);
    for id in [1, 2] {
        assert_eq!(
            pairs(&arrive(&mut r, 1.0, on(id, ChannelId::CHAT, 1.0))),
            [(id, 1)]
        );
    }
    // The later contact is declined first; both cool down until 40.
    assert!(ev(&mut r, 10.0, decline(2, 1, false)).is_empty());
    assert!(ev(&mut r, 10.0, decline(1, 1, false)).is_empty());
    // A third contact takes one of the two slots.
    assert_eq!(
        pairs(&arrive(&mut r, 12.0, on(3, ChannelId::CHAT, 12.0))),
        [(3, 1)]
    );
    let mut restored = Router::builder(LongestIdleAgent)
        .decline_cooldown(30.0)
        .build()
        .unwrap();
    restored.restore(&r.snapshot()).unwrap();
    for router in [&mut r, &mut restored] {
        assert_eq!(pairs(&ev(router, 40.0, Event::Tick)), [(1, 1)]);
    }
}

/// Profiles left behind by many updates are swept when the next agent logs
/// in, as after re-logins: memory stays bounded by the agents.
#[test]
fn profiles_left_by_updates_are_swept() {
    // n updates, each to a profile of its own, then a new agent logs in:
    // for every n up to past the threshold at which profiles are swept.
    for n in 0..150u16 {
        let mut r = Router::new(LongestIdleAgent);
        ready(&mut r, 0.0, agent(1, &[(S1, 5)]));
        for k in 0..n {
            let a = agent(1, &[(S1, 5), (SkillId(100 + k), 3)]);
            assert!(ev(&mut r, 1.0, Event::AgentUpdated { agent: a }).is_empty());
        }
        ready(&mut r, 2.0, agent(2, &[(S1, 5)]));
        r.check_consistency()
            .unwrap_or_else(|e| panic!("{n} updates, then a login: {e}"));
    }
}

/// The router refuses a policy whose own settings check fails, boxed or
/// wrapped: negative aging would break the documented urgency (and the
/// "first waiting contact of each group is enough" shortcut that assumes
/// urgency grows with the wait).
#[test]
fn the_router_refuses_invalid_policy_settings() {
    use skillroute::RouterError;
    use skillroute::policy::PolicyError;
    let bad = PriorityAging {
        aging_per_second: -1.0,
        ..PriorityAging::default()
    };
    let expected = Err(PolicyError::BadParameter {
        field: "aging_per_second",
        value: -1.0,
    });
    assert_eq!(bad.validate(), expected);
    assert_eq!(RoutingPolicy::validate(&bad), expected);
    fn refused<P: RoutingPolicy>(r: Result<Router<P>, RouterError>) -> PolicyError {
        match r {
            Err(RouterError::Policy(e)) => e,
            Err(e) => panic!("wrong error {e}"),
            Ok(_) => panic!("an invalid policy was accepted"),
        }
    }
    let e = refused(Router::builder(bad.clone()).build());
    assert_eq!(Err(e.clone()), expected);
    assert!(e.to_string().contains("aging_per_second"), "{e}");
    let boxed: Box<dyn RoutingPolicy> = Box::new(bad.clone());
    assert_eq!(Err(refused(Router::builder(boxed).build())), expected);
    assert_eq!(Err(refused(Router::builder(Batch(bad)).build())), expected);
    // A bad maximum wait is named by its own field, and the message allows
    // the infinite wait that means no maximum.
    let late = PriorityAging {
        default_max_wait: -1.0,
        ..PriorityAging::default()
    };
    let e = refused(Router::builder(late).build());
    assert_eq!(
        e,
        PolicyError::BadWait {
            field: "default_max_wait",
            value: -1.0
        }
    );
    assert!(e.to_string().contains("or infinite"), "{e}");
    let mut tier = PriorityAging::default();
    tier.max_wait.insert(skillroute::TierId(1), f64::NAN);
    assert!(matches!(
        refused(Router::builder(tier).build()),
        PolicyError::BadWait {
            field: "max_wait",
            ..
        }
    ));
    let cmu = CMu {
        cost_per_priority: f64::NAN,
    };
    assert!(matches!(
        refused(Router::builder(cmu).build()),
        PolicyError::BadParameter {
            field: "cost_per_priority",
            ..
        }
    ));
    // Finite but so large that a contact's cost overflows: a contact that
    // had not waited got a NaN index.
    let cmu = CMu {
        cost_per_priority: 7e305,
    };
    assert_eq!(
        refused(Router::builder(cmu).build()),
        PolicyError::TooLarge {
            field: "cost_per_priority",
            value: 7e305,
            max: 1e300
        }
    );
    assert!(
        Router::builder(CMu {
            cost_per_priority: 1e300
        })
        .build()
        .is_ok()
    );
    // Steps out of order, which `SkillExpansion::new` refuses, can come
    // from a file.
    let se: SkillExpansion =
        serde_json::from_str(r#"{"steps":[{"after":60,"relax":2},{"after":20,"relax":1}]}"#)
            .unwrap();
    assert_eq!(
        refused(Router::builder(se).build()),
        PolicyError::UnorderedSteps { index: 1 }
    );
    // Valid settings, and policies with nothing to check, are accepted.
    assert!(Router::builder(PriorityAging::default()).build().is_ok());
    assert!(Router::builder(SkillExpansion::default()).build().is_ok());
    assert!(Router::builder(CMu::default()).build().is_ok());
    assert!(Router::builder(LongestIdleAgent).build().is_ok());
    assert!(
        Router::builder(Batch::<OptimalAssignment>::default())
            .build()
            .is_ok()
    );
    let lf = LearnedFit::new(LearnedFitConfig::default()).unwrap();
    assert!(Router::builder(lf).build().is_ok());
}

/// Extreme but valid inputs — arrivals at -1e12 seen at 1e12 (the
/// `TIME_LIMIT`; ±1e308 are refused now), or a wait
/// weight of 1e306 with 540 s waited — give finite scores, and a global
/// re-plan still offers every free agent a contact (it made no offer when an
/// infinite weight made the assignment graph fail).
#[test]
fn rebalance_offers_with_extreme_but_valid_scores() {
    use skillroute::Presence;
    type Mk = fn() -> Box<dyn RoutingPolicy>;
    let policies: [(&str, Mk); 2] = [
        ("optimal", || Box::new(OptimalAssignment::default())),
        ("learned", || {
            Box::new(LearnedFit::new(LearnedFitConfig::default()).unwrap())
        }),
    ];
    let big_wait = ScoreWeights {
        wait: 1e306,
        ..ScoreWeights::default()
    };
    // (weights, agents' login time, event time, contact c's arrival)
    type Arrival = fn(u64) -> f64;
    let cases: [(ScoreWeights, f64, f64, Arrival); 2] = [
        (ScoreWeights::default(), -1e12, 1e12, |c| {
            if c % 2 == 0 { -1e12 } else { 1e12 }
        }),
        (big_wait, 0.0, 600.0, |c| 60.0 * c as f64),
    ];
    for (name, mk) in policies {
        for &(weights, login, now, arrival) in &cases {
            let mut r = Router::builder(mk()).weights(weights).build().unwrap();
            let mut out = Vec::new();
            for a in 1..=3 {
                let agent = agent(a, &[(S1, 5 + a as u8)]);
                r.handle(login, Event::AgentLogin { agent }, &mut out)
                    .unwrap();
            }
            for c in 1..=4 {
                let contact = contact(c, arrival(c), &[(S1, 5)]);
                r.handle(now, Event::ContactArrived { contact }, &mut out)
                    .unwrap();
            }
            // All ready at once, offers held back for the re-plan: a
            // restored snapshot makes no offers.
            let mut snap = r.snapshot();
            for a in &mut snap.agents {
                a.presence = Presence::Ready;
            }
            let mut r = Router::builder(mk()).weights(weights).build().unwrap();
            r.restore(&snap).unwrap();
            r.handle(now, Event::Rebalance, &mut out).unwrap();
            assert_eq!(out.len(), 3, "{name} {weights:?}: {out:?}");
            for o in &out {
                assert!(o.score.total.is_finite(), "{name}: {o:?}");
            }
            assert_eq!(r.counts().waiting, 1, "{name}");
        }
    }
    // The terms themselves: finite, the wait term the largest.
    let c = contact(1, -1e12, &[(S1, 5)]);
    let a = agent(1, &[(S1, 8)]);
    let load = score::AgentLoad {
        idle_seconds: f64::INFINITY,
        free_share: 1.0,
    };
    let s = score::score(&big_wait, &c, &a, load, 0.0, 1e12);
    assert!(s.total.is_finite() && s.wait == score::TERM_LIMIT, "{s:?}");
    let c = contact(1, 60.0, &[(S1, 5)]);
    let s = score::score(&big_wait, &c, &a, load, 0.0, 600.0);
    assert_eq!(s.wait, 1e306 * 9.0);
    assert!(s.total.is_finite(), "{s:?}");
}
