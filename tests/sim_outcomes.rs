//! Ground-truth outcomes (`Scenario::outcomes`): each served contact is
//! resolved with the probability of its (segment, serving group) pair,
//! decided by one uniform number per contact from its type's own stream.
//! Checked against exact binomial tests (statrs), against common random
//! numbers across policies, and against what the router is told.

use std::sync::{Arc, Mutex};

use skillroute::sim::{PolicySpec, RunOptions, Scenario, Simulation, TraceWriter};
use skillroute::{
    AgentId, CMu, Contact, LongestIdleAgent, Outcome, Proposal, RouterView, RoutingPolicy, Trigger,
};
use statrs::distribution::{Binomial, DiscreteCDF};

/// Two dedicated pools: billing calls (segment `retail`) only the `billing`
/// group can take, tech calls (segment `business`) only `tech`; nobody
/// abandons and the run drains, so every contact is answered.
const DEDICATED: &str = r#"
    name = "dedicated"
    seed = 99
    horizon = 20000.0
    replications = 8
    drain = true
    skills = ["billing", "tech"]

    [[groups]]
    name = "billing"
    count = 10
    skills = { billing = 5 }
    capacity = { voice = 1 }

    [[groups]]
    name = "tech"
    count = 6
    skills = { tech = 5 }
    capacity = { voice = 1 }

    [[contact_types]]
    name = "billing-call"
    channel = "voice"
    requires = { billing = 1 }
    segments = { retail = 1.0 }
    arrivals = { kind = "poisson", rate = 0.04 }
    service = { kind = "exponential", mean = 200.0 }

    [[contact_types]]
    name = "tech-call"
    channel = "voice"
    requires = { tech = 1 }
    segments = { business = 1.0 }
    arrivals = { kind = "poisson", rate = 0.02 }
    service = { kind = "exponential", mean = 240.0 }

    [outcomes.resolution]
    default = 0.5
    segments = { retail = { billing = 0.8 }, business = { tech = 0.3 } }
"#;

fn sim(text: &str) -> Simulation {
    Simulation::new(Scenario::from_toml_str(text).expect("parses")).expect("valid")
}

/// Two-sided exact binomial p-value of `k` successes in `n` trials at `p`
/// (twice the smaller tail, at most 1).
fn binomial_p_value(k: u64, n: u64, p: f64) -> f64 {
    let b = Binomial::new(p, n).unwrap();
    let low = b.cdf(k);
    let high = if k == 0 { 1.0 } else { 1.0 - b.cdf(k - 1) };
    (2.0 * low.min(high)).min(1.0)
}

/// Pooled over replications, each group's resolved count is a binomial
/// draw at its pair's probability, and the total is their sum.
#[test]
fn each_group_resolves_at_its_pairs_probability() {
    let sim = sim(DEDICATED);
    let reps = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    let groups = sim.groups();
    let (billing, tech) = (
        groups.iter().position(|g| *g == "billing").unwrap(),
        groups.iter().position(|g| *g == "tech").unwrap(),
    );
    let (mut n, mut k) = ([0u64; 2], [0u64; 2]);
    for r in &reps {
        assert_eq!(r.total.waiting_at_end, 0.0, "drained: all answered");
        for (i, g) in [billing, tech].into_iter().enumerate() {
            let m = &r.by_group[g];
            let answered = m.answered as u64;
            let resolved = (m.resolution * m.answered).round() as u64;
            assert!(
                (resolved as f64 - m.resolution * m.answered).abs() < 1e-6,
                "a count"
            );
            n[i] += answered;
            k[i] += resolved;
        }
        // The total is the answered-weighted mix of the two groups.
        let t = &r.total;
        let mix = (r.by_group[billing].resolution * r.by_group[billing].answered
            + r.by_group[tech].resolution * r.by_group[tech].answered)
            / t.answered;
        assert!((t.resolution - mix).abs() < 1e-12);
    }
    for (i, p) in [0.8, 0.3].into_iter().enumerate() {
        let pv = binomial_p_value(k[i], n[i], p);
        assert!(
            pv > 0.001,
            "group {i}: {} of {} resolved at p = {p}: exact binomial p-value {pv}",
            k[i],
            n[i]
        );
        assert!(n[i] > 3_000, "enough contacts to tell: {}", n[i]);
    }
    // And a wrong probability is told apart (the test has the power to fail).
    assert!(binomial_p_value(k[0], n[0], 0.77) < 0.001);
    assert!(binomial_p_value(k[1], n[1], 0.35) < 0.001);
}

/// With one group, who serves a contact does not change its outcome: under
/// common random numbers each customer is resolved or not alike under every
/// policy, contact by contact.
#[test]
fn outcomes_are_common_random_numbers_across_policies() {
    let text = DEDICATED
        .replace("skills = { billing = 5 }", "skills = { billing = 5, tech = 2 }")
        .replace(
            "segments = { retail = { billing = 0.8 }, business = { tech = 0.3 } }",
            "segments = { retail = { billing = 0.8, tech = 0.8 }, business = { billing = 0.3, tech = 0.3 } }",
        );
    let sim = sim(&text);
    let trace = |spec: &PolicySpec| {
        let mut w = TraceWriter::new(Vec::new()).unwrap();
        sim.replicate_policy_observed(spec, 3, &mut w).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let mut by_serial: Vec<(u64, String)> = text
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[0].parse().unwrap(), f[10].to_string())
            })
            .collect();
        by_serial.sort();
        by_serial
    };
    let lia = trace(&PolicySpec::LongestIdleAgent);
    let optimal = PolicySpec::OptimalAssignment { non_idling: true };
    let opt = trace(&optimal);
    assert_eq!(lia.len(), opt.len());
    assert!(lia.iter().all(|(_, r)| r == "true" || r == "false"));
    assert!(lia == opt, "each customer's outcome, policy by policy");
    // The agents the two policies chose do differ (else this proves nothing).
    let agents = |spec: &PolicySpec| {
        let mut w = TraceWriter::new(Vec::new()).unwrap();
        sim.replicate_policy_observed(spec, 3, &mut w).unwrap();
        String::from_utf8(w.finish().unwrap()).unwrap()
    };
    assert!(
        agents(&PolicySpec::LongestIdleAgent) != agents(&optimal),
        "the two policies chose the same agents"
    );

    // So the paired difference of the resolution is exactly 0.
    let opts = RunOptions::default();
    let base = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, opts)
        .unwrap();
    let other = sim.replications_policy(&optimal, opts).unwrap();
    let c = sim.compare(&base, &other, 0.95).unwrap();
    assert_eq!(c.differences.total.resolution.mean, 0.0);
    assert_eq!(c.differences.total.resolution.half_width, 0.0);
}

/// Counts what the router passes on to its policy.
struct Told {
    inner: LongestIdleAgent,
    seen: Arc<Mutex<[u64; 3]>>, // resolved, not resolved, unknown
}

impl RoutingPolicy for Told {
    fn decide(&mut self, view: &RouterView<'_>, trigger: Trigger, out: &mut Vec<Proposal>) {
        self.inner.decide(view, trigger, out)
    }
    fn observe_outcome(&mut self, _contact: &Contact, _agent: AgentId, outcome: &Outcome) {
        let i = match outcome.resolved {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        };
        self.seen.lock().unwrap()[i] += 1;
    }
}

/// The router hears each completed contact's outcome, the one the report
/// counts; without `outcomes` it hears "unknown" and the report has no
/// resolution.
#[test]
fn the_router_is_told_each_outcome() {
    let with_outcomes = sim(DEDICATED);
    let seen = Arc::new(Mutex::new([0u64; 3]));
    let r = with_outcomes
        .replicate(
            Told {
                inner: LongestIdleAgent,
                seen: seen.clone(),
            },
            0,
        )
        .unwrap();
    let [yes, no, unknown] = *seen.lock().unwrap();
    assert_eq!(yes + no, r.router_counts.completed);
    assert_eq!(unknown, 0);
    assert_eq!(
        r.total.answered as u64, r.router_counts.completed,
        "drained"
    );
    assert_eq!(yes as f64, (r.total.resolution * r.total.answered).round());

    let without = sim(&DEDICATED[..DEDICATED.find("[outcomes").unwrap()]);
    let seen = Arc::new(Mutex::new([0u64; 3]));
    let r = without
        .replicate(
            Told {
                inner: LongestIdleAgent,
                seen: seen.clone(),
            },
            0,
        )
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), [0, 0, r.router_counts.completed]);
    assert!(r.total.resolution.is_nan());
    // The other streams are untouched by the outcome draws: the same
    // customers, served alike.
    let with = with_outcomes.replicate(LongestIdleAgent, 0).unwrap();
    let plain = without.replicate(CMu::default(), 0).unwrap();
    assert_eq!(with.total.offered, plain.total.offered);
    let plain = without.replicate(LongestIdleAgent, 0).unwrap();
    assert_eq!(with.total.asa, plain.total.asa);
    assert_eq!(with.total.handle_time, plain.total.handle_time);
}

/// A bad outcome table fails at load and names the field.
#[test]
fn bad_outcome_tables_name_the_field() {
    let table = "segments = { retail = { billing = 0.8 }, business = { tech = 0.3 } }";
    for (bad, field) in [
        (
            "segments = { retail = { billing = 1.5 } }",
            "outcomes.resolution.segments.retail.billing",
        ),
        (
            "segments = { retail = { billing = nan } }",
            "outcomes.resolution.segments.retail.billing",
        ),
        (
            "segments = { retail = { billling = 0.8 } }",
            "outcomes.resolution.segments.retail.billling",
        ),
        (
            "segments = { gold = { billing = 0.8 } }",
            "outcomes.resolution.segments.gold",
        ),
    ] {
        let text = DEDICATED.replace(table, bad);
        let err = Scenario::from_toml_str(&text)
            .and_then(Simulation::new)
            .unwrap_err();
        assert!(err.to_string().contains(field), "{bad}: {err}");
    }
    let text = DEDICATED.replace("default = 0.5", "default = -0.1");
    let err = Scenario::from_toml_str(&text)
        .and_then(Simulation::new)
        .unwrap_err();
    assert!(
        err.to_string().contains("outcomes.resolution.default"),
        "{err}"
    );
    // An unknown key under `outcomes` is refused by the parser.
    let text = DEDICATED.replace("[outcomes.resolution]", "[outcomes.resolve]");
    let err = Scenario::from_toml_str(&text).unwrap_err();
    assert!(err.to_string().contains("resolve"), "{err}");
}
