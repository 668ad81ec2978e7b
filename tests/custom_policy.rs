//! What a custom-policy author relies on: a time-based hold is woken when
//! its wait is reached, rejected proposals show in reports, a randomised
//! policy can be seeded per replication, policies that cannot be told apart
//! are not compared, and the documented longest-idle order is the built-in's.

use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, Event, Router, RouterView, RoutingPolicy,
    SkillId, Trigger,
};
use skillroute::{Offer, Proposal};

const S1: SkillId = SkillId(1);

/// Holds every contact until it has waited `hold` seconds, written as a
/// policy author would: compares the wait with the step it announced.
struct Hold {
    hold: f64,
}

impl Hold {
    fn held(&self, _view: &RouterView<'_>, c: &skillroute::ContactRef<'_>) -> bool {
        c.waited() < self.hold
    }
}

impl RoutingPolicy for Hold {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        if let Trigger::ContactWaiting(id) = trigger {
            let Some(c) = view.waiting_contact(id) else {
                return;
            };
            if self.held(view, &c) {
                return;
            }
            if let Some(a) = view.eligible_agents(c).min_by_key(|a| a.id()) {
                out.push(Proposal {
                    contact: id,
                    agent: a.id(),
                });
            }
        }
    }
    fn name(&self) -> &str {
        "hold"
    }
    fn next_relaxation(&self, _: &Contact, waited: f64) -> Option<f64> {
        (waited < self.hold).then_some(self.hold)
    }
}

/// One agent ready at 0, one contact arriving at `arrival`; the router is
/// ticked at each wake-up it asks for. Returns the offers and the wake-ups.
fn hold_run(policy: Hold, arrival: f64) -> (Vec<Offer>, Vec<f64>) {
    let mut router = Router::new(policy);
    let mut offers = Vec::new();
    let agent = Agent::builder(AgentId(1))
        .skill(S1, 5)
        .channel(ChannelId::VOICE, 1)
        .build()
        .unwrap();
    router
        .handle(0.0, Event::AgentLogin { agent }, &mut offers)
        .unwrap();
    router
        .handle(0.0, Event::AgentReady { agent: AgentId(1) }, &mut offers)
        .unwrap();
    let contact = Contact::builder(ContactId(7), ChannelId::VOICE, arrival)
        .requires(S1, 3)
        .build()
        .unwrap();
    router
        .handle(arrival, Event::ContactArrived { contact }, &mut offers)
        .unwrap();
    let mut wakeups = Vec::new();
    while let Some(t) = router.next_wakeup() {
        assert!(wakeups.len() < 5, "wake-ups without end: {wakeups:?}");
        wakeups.push(t);
        router.handle(t, Event::Tick, &mut offers).unwrap();
    }
    (offers, wakeups)
}

#[test]
fn a_hold_is_woken_when_its_wait_is_reached_whatever_the_rounding() {
    // 30.827849402204 + 10 - 30.827849402204 = 9.999999999999996: woken at
    // `arrival + 10`, the policy saw a wait below its step, refused, and
    // was never woken again.
    let arrivals = [30.827849402204, 4.1]
        .into_iter()
        .chain((1..400).map(|k| k as f64 * 0.7310585786300049));
    let mut rounded_short = 0;
    for arrival in arrivals {
        let (offers, wakeups) = hold_run(Hold { hold: 10.0 }, arrival);
        assert_eq!(
            offers.len(),
            1,
            "arrival {arrival}: no offer, wake-ups {wakeups:?}"
        );
        assert_eq!(wakeups.len(), 1, "arrival {arrival}: {wakeups:?}");
        // At the instant `arrival + 10`, where `waited()` reads 10 or more
        // even when `now - arrival` reads less.
        let t = wakeups[0];
        assert_eq!(t, arrival + 10.0, "arrival {arrival}");
        rounded_short += usize::from(t - arrival < 10.0);
    }
    assert!(rounded_short > 0, "no arrival exercised the rounding");
}

// ---------------------------------------------------------------------------
// In the simulator
// ---------------------------------------------------------------------------

use skillroute::sim::{
    ContactRecord, PolicySeed, PolicySpec, ReportError, RunOptions, Scenario, SimObserver,
    Simulation,
};
use skillroute::{LongestIdleAgent, Outcome, PriorityAging};
use std::sync::{Arc, Mutex};

/// Chat agents of three slots each, so that busy agents with a free slot
/// compete with idle ones.
fn chat_center(replications: u32) -> Simulation {
    let text = format!(
        r#"
        horizon = 7200.0
        replications = {replications}
        seed = 5
        skills = ["x"]
        [[groups]]
        name = "early"
        count = 2
        skills = {{ x = 5 }}
        capacity = {{ chat = 3 }}
        [[groups]]
        name = "late"
        count = 2
        skills = {{ x = 6 }}
        capacity = {{ chat = 3 }}
        [[contact_types]]
        name = "c"
        channel = "chat"
        requires = {{ x = 3 }}
        arrivals = {{ kind = "poisson", rate = 0.03 }}
        service = {{ kind = "exponential", mean = 150.0 }}
        patience = {{ kind = "exponential", mean = 300.0 }}
        "#
    );
    Simulation::new(Scenario::from_toml_str(&text).unwrap()).unwrap()
}

/// The first eligible agent it can name, or one that does not exist.
struct Proposes {
    missing_agent: bool,
    name: &'static str,
}

impl RoutingPolicy for Proposes {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        if let Trigger::ContactWaiting(id) = trigger {
            let agent = if self.missing_agent {
                Some(AgentId(999_999))
            } else {
                view.waiting_contact(id)
                    .and_then(|c| view.eligible_agents(c).map(|a| a.id()).min())
            };
            if let Some(agent) = agent {
                out.push(Proposal { contact: id, agent });
            }
        }
    }
    fn name(&self) -> &str {
        self.name
    }
}

#[test]
fn rejected_proposals_are_in_the_report_its_json_and_csv() {
    let sim = chat_center(4);
    let opts = RunOptions::default();
    let reps = sim
        .replications(
            || Proposes {
                missing_agent: true,
                name: "nobody",
            },
            opts,
        )
        .unwrap();
    let per_rep: Vec<u64> = reps.iter().map(|r| r.rejected_proposals).collect();
    assert!(per_rep.iter().all(|&n| n > 0), "{per_rep:?}");
    let report = sim.report(&reps, 0.95).unwrap();
    let mean = per_rep.iter().sum::<u64>() as f64 / per_rep.len() as f64;
    assert_eq!(report.rejected_proposals.mean, mean);
    assert_eq!(report.rejected_proposals.n, 4);
    assert!(report.rejected_proposals.half_width.is_finite());
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["rejected_proposals"]["mean"].as_f64(), Some(mean));
    let csv = report.to_csv();
    let line = csv
        .lines()
        .find(|l| l.starts_with("run,all,,,,rejected_proposals,"))
        .expect("a CSV line for the rejected proposals");
    assert_eq!(
        line.split(',').nth(6).unwrap().parse::<f64>().unwrap(),
        mean
    );

    // A sound policy: none.
    let sound = sim
        .run_with(
            || Proposes {
                missing_agent: false,
                name: "first",
            },
            opts,
        )
        .unwrap();
    assert_eq!(sound.rejected_proposals.mean, 0.0);

    // A report written before the field still reads: undefined.
    let mut old = json.clone();
    old.as_object_mut().unwrap().remove("rejected_proposals");
    let back: skillroute::sim::Report = serde_json::from_value(old).unwrap();
    assert!(back.rejected_proposals.mean.is_nan() && back.rejected_proposals.n == 0);

    // A comparison's CSV leaves it out (not a difference); its JSON has
    // the other policy's.
    let c = sim
        .compare(
            &sim.replications(
                || Proposes {
                    missing_agent: false,
                    name: "first",
                },
                opts,
            )
            .unwrap(),
            &reps,
            0.95,
        )
        .unwrap();
    assert_eq!(c.differences.rejected_proposals.mean, mean);
    assert!(!c.to_csv().contains("rejected_proposals"));
}

/// A random eligible agent for each arriving contact, from a seeded stream;
/// records the seeds it was built with.
struct RandomAgent {
    rng: rand_pcg::Pcg64Mcg,
}

impl RoutingPolicy for RandomAgent {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        use rand::RngExt;
        match trigger {
            Trigger::ContactWaiting(id) => {
                let Some(c) = view.waiting_contact(id) else {
                    return;
                };
                let agents: Vec<AgentId> = view.eligible_agents(c).map(|a| a.id()).collect();
                if !agents.is_empty() {
                    let agent = agents[self.rng.random_range(0..agents.len())];
                    out.push(Proposal { contact: id, agent });
                }
            }
            Trigger::AgentAvailable(id) => {
                let Some(a) = view.agent(id) else { return };
                if let Some(c) = view.eligible_contacts(a).min_by_key(|c| c.sequence()) {
                    out.push(Proposal {
                        contact: c.id(),
                        agent: id,
                    });
                }
            }
            _ => {}
        }
    }
    fn name(&self) -> &str {
        "random-agent"
    }
}

#[test]
fn a_seeded_policy_repeats_bit_for_bit_in_series_and_in_parallel() {
    use rand::SeedableRng;
    let sim = chat_center(6);
    let seen = Mutex::new(Vec::new());
    let make = |s: PolicySeed| {
        seen.lock().unwrap().push(s);
        RandomAgent {
            rng: rand_pcg::Pcg64Mcg::seed_from_u64(s.seed),
        }
    };
    let json = |reps: Vec<skillroute::sim::Replication>| serde_json::to_string(&reps).unwrap();
    let parallel = json(
        sim.replications_seeded(make, RunOptions::default())
            .unwrap(),
    );
    let again = json(
        sim.replications_seeded(make, RunOptions::default())
            .unwrap(),
    );
    let serial = sim
        .replications_seeded(
            make,
            RunOptions {
                parallel: false,
                ..RunOptions::default()
            },
        )
        .unwrap();
    assert_eq!(parallel, again);
    assert_eq!(parallel, json(serial.clone()));
    // One replication alone, built from its seed, is the run's.
    let third = sim
        .replicate(
            RandomAgent {
                rng: rand_pcg::Pcg64Mcg::seed_from_u64(sim.policy_seed(3).seed),
            },
            3,
        )
        .unwrap();
    assert_eq!(json(vec![third]), json(vec![serial[3].clone()]));
    // Each replication its own seed, the same on every run.
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 18);
    for s in &seen {
        assert_eq!(*s, sim.policy_seed(s.replication));
    }
    let mut seeds: Vec<u64> = (0..6).map(|r| sim.policy_seed(r).seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    assert_eq!(seeds.len(), 6, "replications share a seed");
    // The seed depends on the scenario's seed.
    let mut sc = sim.scenario().clone();
    sc.seed += 1;
    let other = Simulation::new(sc).unwrap();
    assert_ne!(other.policy_seed(0).seed, sim.policy_seed(0).seed);
    // And the draws matter: another seed, other decisions.
    let unseeded = json(
        sim.replications(
            || RandomAgent {
                rng: rand_pcg::Pcg64Mcg::seed_from_u64(1),
            },
            RunOptions::default(),
        )
        .unwrap(),
    );
    assert_ne!(parallel, unseeded);
}

/// Forwards to the policy inside but for the name, left at the default.
struct Anon<P>(P);

impl<P: RoutingPolicy> RoutingPolicy for Anon<P> {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        self.0.decide(view, trigger, out)
    }
    fn observe_outcome(&mut self, c: &Contact, a: AgentId, o: &Outcome) {
        self.0.observe_outcome(c, a, o)
    }
}

#[test]
fn comparing_policies_that_cannot_be_told_apart_is_refused() {
    let sim = chat_center(4);
    let opts = RunOptions::default();
    let a = sim.replications(|| Anon(LongestIdleAgent), opts).unwrap();
    let b = sim
        .replications(
            || {
                Anon(Proposes {
                    missing_agent: false,
                    name: "first",
                })
            },
            opts,
        )
        .unwrap();
    assert_eq!(a[0].policy, "custom");
    for (base, other) in [(&a, &b), (&a, &a)] {
        let e = sim.compare(base, other, 0.95).unwrap_err();
        assert_eq!(
            e,
            ReportError::SamePolicy {
                policy: "custom".into()
            }
        );
        assert!(e.to_string().contains("RoutingPolicy::name"), "{e}");
    }
    // A built-in compared with itself: refused too.
    let lia = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, opts)
        .unwrap();
    assert!(matches!(
        sim.compare(&lia, &lia, 0.95),
        Err(ReportError::SamePolicy { .. })
    ));
    // Named policies compare; so does one built-in under two settings (the
    // same name, other parameters).
    let named = sim
        .replications(
            || Proposes {
                missing_agent: false,
                name: "first",
            },
            opts,
        )
        .unwrap();
    sim.compare(&lia, &named, 0.95).unwrap();
    let pa = |aging| {
        let p = PriorityAging {
            aging_per_second: aging,
            ..PriorityAging::default()
        };
        sim.replications_policy(&PolicySpec::PriorityAging(p), opts)
            .unwrap()
    };
    sim.compare(&pa(0.1), &pa(0.2), 0.95).unwrap();
}

/// Checks, at every decision for a waiting contact, that the agent
/// `AgentRef::longest_idle_cmp` ranks first is the built-in's, and counts
/// the decisions where ranking by `idle_since` alone would differ.
struct CheckLongestIdle {
    decisions: Arc<Mutex<(u32, u32, u32)>>,
}

impl RoutingPolicy for CheckLongestIdle {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        let start = out.len();
        LongestIdleAgent.decide(view, trigger, out);
        let Trigger::ContactWaiting(id) = trigger else {
            return;
        };
        let Some(c) = view.waiting_contact(id) else {
            return;
        };
        let documented = view
            .eligible_agents(c)
            .min_by(|x, y| x.longest_idle_cmp(y))
            .map(|a| a.id());
        let naive = view
            .eligible_agents(c)
            .min_by(|x, y| {
                x.idle_since()
                    .total_cmp(&y.idle_since())
                    .then(x.id().cmp(&y.id()))
            })
            .map(|a| a.id());
        let built_in = out.get(start).map(|p| p.agent);
        let mut d = self.decisions.lock().unwrap();
        d.0 += 1;
        d.1 += u32::from(documented != built_in);
        d.2 += u32::from(naive != built_in);
    }
    fn name(&self) -> &str {
        "check-longest-idle"
    }
}

#[test]
fn the_documented_longest_idle_order_is_the_built_ins() {
    let sim = chat_center(2);
    let decisions = Arc::new(Mutex::new((0, 0, 0)));
    for r in 0..2 {
        sim.replicate(
            CheckLongestIdle {
                decisions: decisions.clone(),
            },
            r,
        )
        .unwrap();
    }
    let (n, wrong, naive_wrong) = *decisions.lock().unwrap();
    assert!(n > 200, "{n} decisions");
    assert_eq!(
        wrong, 0,
        "{wrong} of {n} decisions differ from the built-in's"
    );
    // The test means something: `idle_since` alone picks a busy agent.
    assert!(naive_wrong > 0, "idle_since alone agreed on all {n}");
}

/// Records, per trace serial, the arrival; per router sequence, the
/// arrival a policy saw.
#[derive(Default)]
struct Arrivals(Vec<(u64, f64)>);

impl SimObserver for Arrivals {
    fn on_contact(&mut self, r: &ContactRecord) {
        self.0.push((r.serial, r.arrival));
    }
}

struct SeesSequences {
    seen: Arc<Mutex<Vec<(u64, f64, String)>>>,
}

impl RoutingPolicy for SeesSequences {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        if let Trigger::ContactWaiting(id) = trigger
            && let Some(c) = view.waiting_contact(id)
        {
            let agent = view.eligible_agents(c).min_by(|x, y| x.longest_idle_cmp(y));
            let group = agent.map(|a| a.attributes()["group"].clone());
            self.seen
                .lock()
                .unwrap()
                .push((c.sequence(), c.arrival(), group.unwrap_or_default()));
        }
        LongestIdleAgent.decide(view, trigger, out)
    }
    fn name(&self) -> &str {
        "sees-sequences"
    }
}

#[test]
fn a_contacts_sequence_is_its_trace_serial_and_agents_carry_their_group() {
    let sim = chat_center(1);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut trace = Arrivals::default();
    sim.replicate_observed(SeesSequences { seen: seen.clone() }, 0, &mut trace)
        .unwrap();
    let by_serial: std::collections::HashMap<u64, f64> = trace.0.into_iter().collect();
    let seen = seen.lock().unwrap();
    assert!(seen.len() > 100);
    for (seq, arrival, _) in seen.iter() {
        assert_eq!(by_serial.get(seq), Some(arrival), "sequence {seq}");
    }
    let groups: std::collections::BTreeSet<&str> = seen
        .iter()
        .map(|s| s.2.as_str())
        .filter(|g| !g.is_empty())
        .collect();
    assert_eq!(groups.into_iter().collect::<Vec<_>>(), sim.groups());
    for (i, a) in sim.agents().iter().enumerate() {
        let want = if i < 2 { "early" } else { "late" };
        assert_eq!(a.attributes()["group"], want);
    }
}
