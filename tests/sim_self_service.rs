//! A self-service tier (a bot, an IVR) in front of the queue.
//!
//! The queue is checked against theory nobody here wrote: contacts that
//! arrive as a Poisson stream at rate λ, each kept by the tier for a time of
//! any law and passed on with probability 1 − c, leave the tier (an M/G/∞
//! system) as a Poisson stream at rate λ(1 − c) in the long run. The queue
//! behind it is then an M/M/n at that rate: its probability of waiting and
//! its mean wait are Erlang C's, computed here from the formula. The
//! containment rate is a binomial share, so its interval must hold `c`.
//! The same 99% Student-t intervals over replications as
//! `tests/sim_validation.rs`, with fixed seeds (not chosen by looking).
//!
//! Then what a planner relies on: nothing is lost (with `drain`, every
//! contact that entered is contained, answered or abandoned), every policy
//! meets the same customers (common random numbers), a tier on one type
//! leaves another type's arrivals as they were, a scenario without a tier
//! writes no self-service figures, and a bad tier is refused at load with
//! the field named.

use skillroute::sim::{
    Dist, Estimate, PolicySpec, Replication, RunOptions, Scenario, SelfService, ServiceTarget,
    Simulation,
};
use skillroute::staffing::single_skill_scenario;

const ALPHA: f64 = 0.01;
const REPS: u32 = 20;

fn scale() -> f64 {
    if cfg!(debug_assertions) { 0.1 } else { 1.0 }
}

/// Erlang C's probability of waiting for `n` agents and `a` Erlangs, by
/// Erlang B's recursion.
fn erlang_c(n: u32, a: f64) -> f64 {
    let b = (1..=n).fold(1.0, |b, k| a * b / (k as f64 + a * b));
    let n = n as f64;
    b * n / (n - a * (1.0 - b))
}

fn target() -> ServiceTarget {
    ServiceTarget {
        threshold: 0.1,
        fraction: 0.8,
        short_abandon: 0.0,
    }
}

/// An M/M/`n` (μ = 1) fed by a tier that contains `c` of the `lambda`
/// arriving, each there for a lognormal time (mean 2, sd 3).
fn tiered(lambda: f64, n: u32, c: f64, abandon: Option<f64>) -> Scenario {
    let mut s = single_skill_scenario(lambda, 1.0, abandon, target());
    s.name = "self-service".into();
    s.groups[0].count = n;
    s.contact_types[0].self_service = Some(SelfService {
        containment: c,
        time: Dist::Lognormal { mean: 2.0, sd: 3.0 },
    });
    s
}

fn reps(s: Scenario, spec: &PolicySpec) -> Vec<Replication> {
    Simulation::new(s)
        .expect("a valid scenario")
        .replications_policy(spec, RunOptions::default())
        .expect("runs")
}

fn check(what: &str, xs: &[f64], truth: f64) {
    let e = Estimate::from_samples(xs, 1.0 - ALPHA);
    assert!(
        (e.mean - truth).abs() <= e.half_width,
        "{what}: {} ± {} does not hold {truth}",
        e.mean,
        e.half_width
    );
}

/// Behind the tier, an M/M/n at the rate it passes on: Erlang C's P(wait)
/// and mean wait, at two points (n = 10 and n = 50), and the tier's
/// containment rate is its parameter.
#[test]
fn the_queue_behind_the_tier_is_erlang_c_at_the_rate_passed_on() {
    for (n, load, c, horizon) in [(10, 8.0, 0.4, 20_000.0), (50, 46.0, 0.25, 4_000.0)] {
        let lambda = load / (1.0 - c);
        let mut s = tiered(lambda, n, c, None);
        s.seed = 20 + u64::from(n);
        s.horizon = horizon * scale();
        s.warm_up = 1_000.0 * scale();
        s.replications = REPS;
        let rs = reps(s, &PolicySpec::LongestIdleAgent);
        let pc = erlang_c(n, load);
        let of = |f: fn(&Replication) -> f64| rs.iter().map(f).collect::<Vec<_>>();
        check(&format!("n={n} p_wait"), &of(|r| r.total.p_wait), pc);
        // Erlang C's mean wait of all (every contact is answered): C / (nμ − λ).
        check(
            &format!("n={n} asa"),
            &of(|r| r.total.asa),
            pc / (n as f64 - load),
        );
        check(
            &format!("n={n} containment"),
            &of(|r| r.total.containment),
            c,
        );
        for r in &rs {
            // A few are still in the tier when the run stops (about λ(1 − c)
            // times the mean time there).
            let expected = lambda * (1.0 - c) * 2.0;
            assert!(
                (r.in_self_service_at_end as f64) < 4.0 * expected + 10.0,
                "{} still in the tier",
                r.in_self_service_at_end
            );
            // The queue's offered are the tier's passed-on, give or take
            // those in the tier at either end of the run.
            let passed = r.total.self_served - r.total.contained;
            assert!(
                (r.total.offered - passed).abs() < 0.01 * passed,
                "{} offered against {passed} passed on",
                r.total.offered
            );
        }
    }
}

/// Abandonment behind the tier: Erlang A's P(abandon) would need the
/// crate's own formula; the conservation of contacts needs none. With
/// `drain` and no warm-up, every contact that entered the tier is
/// contained, answered or abandoned, in every row of contacts, and the
/// router saw exactly those the tier passed on.
#[test]
fn no_contact_is_lost_in_the_tier() {
    let mut s = tiered(12.0, 8, 0.3, Some(0.5));
    s.horizon = 2_000.0 * scale();
    s.replications = 4;
    s.drain = true;
    s.interval = Some(100.0 * scale());
    for r in reps(s, &PolicySpec::OptimalAssignment { non_idling: true }) {
        for m in std::iter::once(&r.total)
            .chain(&r.by_type)
            .chain(&r.by_channel)
            .chain(&r.by_segment)
        {
            assert!(m.self_served > 0.0);
            assert_eq!(m.waiting_at_end, 0.0);
            assert_eq!(
                m.self_served,
                m.contained + m.answered + m.abandoned,
                "{m:?}"
            );
            assert_eq!(m.containment, m.contained / m.self_served);
        }
        assert_eq!(r.total.offered as u64, r.arrived);
        assert_eq!(r.in_self_service_at_end, 0, "a draining run waits for them");
        assert_eq!(r.router_counts.arrived, r.arrived);
        // The intervals split the day's entries into the tier.
        let entered: f64 = r.by_interval.iter().map(|m| m.self_served).sum();
        assert_eq!(entered, r.total.self_served);
        // An agent group answers; the tier is before any group.
        for g in r.by_group.iter().chain(&r.by_interval_group) {
            assert!(g.self_served.is_nan() && g.containment.is_nan());
        }
    }
}

/// Common random numbers: the tier contains the same customers under every
/// policy, replication by replication; a tier on one type leaves another
/// type's arrivals as they were; the same seed gives the same replication.
#[test]
fn every_policy_meets_the_same_customers_in_the_tier() {
    let mut s = tiered(30.0, 20, 0.5, Some(0.2));
    s.horizon = 1_000.0 * scale();
    s.replications = 3;
    let a = reps(s.clone(), &PolicySpec::LongestIdleAgent);
    let b = reps(
        s.clone(),
        &PolicySpec::OptimalAssignment { non_idling: true },
    );
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.total.self_served, y.total.self_served);
        assert_eq!(x.total.contained, y.total.contained);
    }
    let again = reps(s.clone(), &PolicySpec::LongestIdleAgent);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&again).unwrap()
    );

    // A second type, without a tier: its offered contacts are the same
    // whether or not the first type has one.
    let mut two = s.clone();
    let mut other = two.contact_types[0].clone();
    other.name = "other".into();
    other.self_service = None;
    two.contact_types.push(other);
    let mut none = two.clone();
    none.contact_types[0].self_service = None;
    let with = reps(two, &PolicySpec::LongestIdleAgent);
    let without = reps(none, &PolicySpec::LongestIdleAgent);
    for (x, y) in with.iter().zip(&without) {
        assert_eq!(x.by_type[1].offered, y.by_type[1].offered);
        assert!(x.by_type[0].offered < y.by_type[0].offered);
        assert!(x.by_type[1].self_served == 0.0 && x.by_type[1].containment.is_nan());
        assert!(y.total.self_served.is_nan());
    }
}

/// Without a tier the files have no self-service figure (the bytes of a run
/// before the tier existed); with one, the report, its CSV and the
/// replications' CSV have them.
#[test]
fn self_service_figures_are_written_only_with_a_tier() {
    let mut plain = single_skill_scenario(5.0, 1.0, None, target());
    plain.groups[0].count = 8;
    plain.horizon = 200.0;
    plain.replications = 2;
    let mut tier = tiered(5.0, 8, 0.3, None);
    tier.horizon = 200.0;
    tier.replications = 2;
    for (s, has) in [(plain, false), (tier, true)] {
        let sim = Simulation::new(s).unwrap();
        let rs = sim
            .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
            .unwrap();
        let report = sim.report(&rs, 0.95).unwrap();
        let json = report.to_json();
        let csv = report.to_csv();
        let reps_csv = Replication::to_csv(&rs);
        for name in ["self_served", "contained", "containment"] {
            assert_eq!(json.contains(name), has, "{name} in the JSON");
            assert_eq!(csv.contains(&format!(",{name},")), has, "{name} in the CSV");
            assert_eq!(reps_csv.contains(name), has, "{name} in the replications");
        }
        if has {
            let line = csv
                .lines()
                .find(|l| l.starts_with("total,all,,,,containment,"))
                .expect("the total's containment");
            let mean: f64 = line.split(',').nth(6).unwrap().parse().unwrap();
            assert!((0.2..0.4).contains(&mean), "{line}");
        }
    }
}

/// A bad tier is refused at load, naming its field.
#[test]
fn a_bad_tier_names_its_field() {
    let base = r#"
name = "bad tier"
horizon = 100.0
channels = ["voice"]
skills = ["s"]
[[groups]]
name = "g"
count = 2
skills = { s = 1 }
capacity = { voice = 1 }
[[contact_types]]
name = "t"
channel = "voice"
requires = { s = 1 }
arrivals = { kind = "poisson", rate = 0.5 }
service = { kind = "exponential", mean = 1.0 }
"#;
    let ok = format!(
        "{base}self_service = {{ containment = 0.5, time = {{ kind = \"constant\", value = 3.0 }} }}\n"
    );
    Scenario::from_toml_str(&ok).expect("a valid tier");
    for (tier, field) in [
        (
            "{ containment = 1.5, time = { kind = \"constant\", value = 3.0 } }",
            "contact_types[0].self_service.containment",
        ),
        (
            "{ containment = nan, time = { kind = \"constant\", value = 3.0 } }",
            "contact_types[0].self_service.containment",
        ),
        (
            "{ containment = -0.1, time = { kind = \"constant\", value = 3.0 } }",
            "contact_types[0].self_service.containment",
        ),
        (
            "{ containment = 0.5, time = { kind = \"exponential\", mean = -1.0 } }",
            "contact_types[0].self_service.time",
        ),
        (
            "{ containment = 0.5, time = { kind = \"exponential\", mena = 1.0 } }",
            "contact_types[0].self_service.time",
        ),
        (
            "{ containment = 0.5 }",
            "contact_types[0].self_service.time",
        ),
        (
            "{ time = { kind = \"constant\", value = 3.0 } }",
            "contact_types[0].self_service.containment",
        ),
        (
            "{ containment = \"half\", time = { kind = \"constant\", value = 3.0 } }",
            "contact_types[0].self_service.containment",
        ),
        (
            "{ containment = 0.5, time = { kind = \"constant\", value = 3.0 }, rate = 2 }",
            "contact_types[0].self_service: unknown field rate",
        ),
    ] {
        let text = format!("{base}self_service = {tier}\n");
        let err = Scenario::from_toml_str(&text).expect_err(tier).to_string();
        assert!(err.contains(field), "{tier}: {err}");
    }
}

/// The staffing search staffs the queue behind the tier: its Erlang
/// baseline is Erlang C at the rate the tier passes on (the crate's
/// `staff_erlang_c`, itself checked against published tables in
/// `tests/erlang.rs`), and the staffing it finds by simulating the tier
/// meets the target with at most one agent more or fewer than Erlang's.
#[test]
fn the_staffing_search_staffs_what_the_tier_passes_on() {
    use skillroute::staffing::{SimStaffing, Target, staff_erlang_c};
    // 2 calls a minute into the tier, 40% contained there, 4-minute calls,
    // 80% answered within 20 s.
    let (lambda, mu, c) = (2.0 / 60.0, 1.0 / 240.0, 0.4);
    let target = ServiceTarget {
        threshold: 20.0,
        fraction: 0.8,
        short_abandon: 0.0,
    };
    let mut s = single_skill_scenario(lambda, mu, None, target);
    s.contact_types[0].self_service = Some(SelfService {
        containment: c,
        time: Dist::Exponential { mean: 120.0 },
    });
    let search = SimStaffing::new()
        .replications(6)
        .run_length(20_000.0 * scale())
        .warm_up(2_000.0);
    let point = search.staff_rates(&s, &[lambda]).unwrap();
    let erlang = staff_erlang_c(
        lambda * (1.0 - c),
        mu,
        Target::ServiceLevel {
            fraction: 0.8,
            threshold: 20.0,
        },
    )
    .unwrap();
    assert_eq!(point.erlang_total, erlang);
    assert!((point.offered_load[0] - lambda * (1.0 - c) / mu).abs() < 1e-12);
    assert_eq!(point.arrival_rates, vec![lambda]);
    assert!(point.met);
    assert!(
        point.agents_total.abs_diff(erlang) <= 1,
        "{} agents against Erlang's {erlang}",
        point.agents_total
    );
}

/// A tier delays its contacts: the queue of an interval is fed by the
/// arrivals of one time in the tier earlier. With a constant time of one
/// interval, interval i is staffed for interval i − 1's arrivals (none
/// for the first), and its Erlang baseline is Erlang C at the share the
/// tier passes on of them.
#[test]
fn the_staffing_search_staffs_each_interval_for_what_reaches_its_queue() {
    use skillroute::sim::ArrivalSpec;
    use skillroute::staffing::{SimStaffing, Target, staff_erlang_c};
    let (mu, c, interval) = (1.0 / 240.0, 0.4, 1800.0);
    let rates = vec![1.0 / 60.0, 4.0 / 60.0, 2.0 / 60.0];
    let mut s = single_skill_scenario(rates[0], mu, None, target());
    s.interval = Some(interval);
    s.horizon = 3.0 * interval;
    s.contact_types[0].arrivals = ArrivalSpec::Piecewise {
        interval,
        rates: rates.clone(),
    };
    s.contact_types[0].self_service = Some(SelfService {
        containment: c,
        time: Dist::Constant { value: interval },
    });
    let table = SimStaffing::new()
        .replications(2)
        .run_length(2_000.0)
        .warm_up(500.0)
        .staff(&s)
        .unwrap();
    let fed: Vec<f64> = table
        .intervals
        .iter()
        .map(|i| i.point.arrival_rates[0])
        .collect();
    assert_eq!(fed, vec![0.0, rates[0], rates[1]]);
    for (i, row) in table.intervals.iter().enumerate().skip(1) {
        let erlang = staff_erlang_c(
            rates[i - 1] * (1.0 - c),
            mu,
            Target::ServiceLevel {
                fraction: 0.8,
                threshold: 0.1,
            },
        )
        .unwrap();
        assert_eq!(row.point.erlang_total, erlang, "interval {i}");
    }
}

/// A contact still in the tier when a run that does not drain stops is
/// counted there, not lost: with a time in the tier longer than the run,
/// every contact the tier passes on is still in it.
#[test]
fn contacts_still_in_the_tier_at_the_end_are_counted() {
    let mut s = tiered(2.0, 5, 0.25, None);
    s.contact_types[0].self_service.as_mut().unwrap().time = Dist::Constant { value: 1e6 };
    s.horizon = 500.0;
    s.replications = 3;
    let sim = Simulation::new(s).unwrap();
    let rs = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    for r in &rs {
        assert_eq!(r.arrived, 0);
        assert_eq!(
            r.in_self_service_at_end as f64,
            r.total.self_served - r.total.contained
        );
        assert!(r.in_self_service_at_end > 500);
    }
    let report = sim.report(&rs, 0.95).unwrap();
    assert!(report.in_self_service_at_end.mean > 500.0);
    assert!(
        report
            .to_csv()
            .contains("run,all,,,,in_self_service_at_end,")
    );
    // Without a tier: neither in the replications' JSON nor the report's.
    let plain = Simulation::new(single_skill_scenario(2.0, 1.0, None, target())).unwrap();
    let rs = plain
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    assert!(
        !serde_json::to_string(&rs)
            .unwrap()
            .contains("in_self_service")
    );
    assert!(
        !plain
            .report(&rs, 0.95)
            .unwrap()
            .to_json()
            .contains("in_self_service")
    );
}

/// A type its tier contains whole (a bot-only line) needs no agent: it
/// loads with no group able to serve it, and its contacts are all counted
/// contained. One that passes on any share is still refused, naming it.
#[test]
fn a_type_contained_whole_needs_no_agent() {
    let mut s = tiered(1.0, 3, 1.0, None);
    s.horizon = 200.0;
    s.groups[0].skills.clear();
    s.groups[0].skills.insert("other".into(), 5);
    s.skills.push("other".into());
    let sim = Simulation::new(s.clone()).expect("nobody need serve a bot-only type");
    let rs = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    assert!(rs[0].total.self_served > 100.0);
    assert_eq!(rs[0].total.contained, rs[0].total.self_served);
    assert_eq!(rs[0].arrived, 0);
    s.contact_types[0]
        .self_service
        .as_mut()
        .unwrap()
        .containment = 0.99;
    let err = Simulation::new(s)
        .expect_err("some reach the queue")
        .to_string();
    assert!(err.contains("contact_types[0]"), "{err}");
}
