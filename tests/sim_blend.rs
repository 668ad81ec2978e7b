//! Blending: a dialer that fills idle agents with outbound work while it
//! keeps a reserve of free agents for inbound contacts.
//!
//! The simulator is checked against Bhulai & Koole's blending model with
//! equal service rates ("A queueing model for call blending in call
//! centers", IEEE TAC 2003), computed here from its formula, which the
//! library does not hold: N agents, inbound Poisson λ, every service
//! exp(μ) (inbound and outbound alike), an outbound backlog that never
//! runs out, and a reserve K. As every busy agent finishes at rate μ, the
//! state is one number: m = K − (idle agents) for m ≤ K, m = K + (queue
//! length) beyond. Up at λ; down at (N − K + m)μ for 1 ≤ m ≤ K and at Nμ
//! for m > K; from m = 0 a completion leaves K + 1 idle and the dialer
//! fills one at once (no move). So π_m ∝ Π_{j=1..m} λ / d_j; an inbound
//! contact waits iff m ≥ K (PASTA), its mean wait is E[max(m − K, 0)] / λ
//! (Little), and outbound items are answered at π_0 (N − K) μ.
//!
//! The same 99% Student-t intervals over replications as
//! `tests/sim_self_service.rs`, with fixed seeds (not chosen by looking).
//! Then: a reserve of N or more is Erlang C and releases nothing (and
//! leaves the inbound figures exactly as without the dialer: its own
//! streams); nothing is lost (with `drain`); every policy meets the same
//! items; runs repeat; bad dialers are refused naming the field; a
//! scenario without a dialer writes none of its figures.

use skillroute::sim::{
    ArrivalSpec, Dialer, Dist, Estimate, PolicySpec, Replication, RunOptions, Scenario,
    ScenarioError, SelfService, ServiceTarget, Simulation,
};
use skillroute::staffing::single_skill_scenario;

const ALPHA: f64 = 0.01;
const REPS: u32 = 12;
/// Larger than any replication here can serve: an endless campaign.
const ENDLESS: u64 = 1_000_000_000;

fn scale() -> f64 {
    if cfg!(debug_assertions) { 0.1 } else { 1.0 }
}

fn target() -> ServiceTarget {
    ServiceTarget {
        threshold: 0.1,
        fraction: 0.8,
        short_abandon: 0.0,
    }
}

/// `n` agents (μ = 1), inbound Poisson `lambda` (type 0), and an outbound
/// type (type 1) with a dialer of reserve `k` over a campaign of `backlog`
/// items and no arrivals of its own.
fn blended(lambda: f64, n: u32, k: u32, backlog: u64) -> Scenario {
    let mut s = single_skill_scenario(lambda, 1.0, None, target());
    s.name = "blend".into();
    s.groups[0].count = n;
    let mut out = s.contact_types[0].clone();
    out.name = "outbound".into();
    out.arrivals = ArrivalSpec::Poisson { rate: 0.0 };
    out.dialer = Some(Dialer {
        reserve: k,
        backlog,
    });
    s.contact_types.push(out);
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

/// Bhulai & Koole's chain: (P(wait), mean wait, outbound answered per
/// unit time) of inbound contacts.
fn blending_theory(n: u32, k: u32, lambda: f64, mu: f64) -> (f64, f64, f64) {
    let (nf, kf) = (f64::from(n), f64::from(k));
    let down = |m: usize| {
        let m = m as f64;
        if m <= kf { (nf - kf + m) * mu } else { nf * mu }
    };
    // Far enough up the queue that the tail's mass is below 1e-15.
    let top = k as usize + 20_000;
    let mut p = vec![1.0f64];
    for m in 1..=top {
        let next = p[m - 1] * lambda / down(m);
        p.push(next);
    }
    let z: f64 = p.iter().sum();
    let pi: Vec<f64> = p.iter().map(|x| x / z).collect();
    let p_wait: f64 = pi[k as usize..].iter().sum();
    let queue: f64 = pi
        .iter()
        .enumerate()
        .map(|(m, x)| (m as f64 - kf).max(0.0) * x)
        .sum();
    (p_wait, queue / lambda, pi[0] * (nf - kf) * mu)
}

/// Inbound P(wait) and mean wait, and the outbound throughput, at three
/// points (N = 10, 20 and 50; K = 1, 5, 3).
#[test]
fn blending_matches_bhulai_and_koole() {
    for (n, k, load, horizon) in [
        (10, 1, 7.0, 20_000.0),
        (20, 5, 14.0, 10_000.0),
        (50, 3, 44.0, 4_000.0),
    ] {
        let mut s = blended(load, n, k, ENDLESS);
        s.seed = 40 + u64::from(n);
        s.horizon = horizon * scale();
        s.warm_up = 500.0 * scale();
        s.replications = REPS;
        let rs = reps(s.clone(), &PolicySpec::LongestIdleAgent);
        let (p_wait, wait, out) = blending_theory(n, k, load, 1.0);
        let of = |f: &dyn Fn(&Replication) -> f64| rs.iter().map(f).collect::<Vec<_>>();
        let what = |x: &str| format!("N={n} K={k} λ={load}: {x}");
        // The total row is inbound alone: the outbound items are not in it.
        check(&what("p_wait"), &of(&|r| r.total.p_wait), p_wait);
        check(&what("mean_wait"), &of(&|r| r.total.mean_wait), wait);
        check(
            &what("inbound type's p_wait"),
            &of(&|r| r.by_type[0].p_wait),
            p_wait,
        );
        let span = s.horizon - s.warm_up;
        check(
            &what("outbound answered per second"),
            &of(&|r| r.by_type[1].answered / span),
            out,
        );
        for r in &rs {
            assert_eq!(r.total.offered, r.by_type[0].offered, "{}", what("total"));
            assert_eq!(r.by_channel[0].offered, r.by_type[0].offered);
            assert_eq!(r.by_segment[0].offered, r.by_type[0].offered);
            // Agents' occupancy includes the outbound work: busy agents
            // are the inbound load and the outbound throughput (Little).
            let busy = (load + out) / f64::from(n);
            assert!(
                (r.by_group[0].occupancy - busy).abs() < 0.02,
                "{}: occupancy {} against {busy}",
                what("blended"),
                r.by_group[0].occupancy
            );
            assert_eq!(r.by_type[1].dialer_created, ENDLESS as f64);
            assert_eq!(
                r.by_type[1].dialer_released + r.by_type[1].in_dialer_at_end,
                ENDLESS as f64
            );
            // Released items are answered at once: their age at answer is
            // their time in the dialer, about their index over the rate.
            assert!(r.by_type[1].asa > 0.0);
            assert!(r.by_type[0].dialer_created.is_nan());
        }
    }
}

/// K ≥ N: the dialer never releases, and the inbound queue is an M/M/N
/// exactly as without the outbound type (same customers, same figures).
#[test]
fn a_reserve_of_all_agents_is_erlang_c_and_leaves_inbound_untouched() {
    let (n, load) = (10, 8.0);
    for k in [n, n + 3] {
        let mut s = blended(load, n, k, 500);
        s.seed = 3;
        s.horizon = 5_000.0 * scale();
        s.warm_up = 200.0 * scale();
        s.replications = 4;
        let mut alone = s.clone();
        alone.contact_types.truncate(1);
        let with = reps(s, &PolicySpec::LongestIdleAgent);
        let without = reps(alone, &PolicySpec::LongestIdleAgent);
        // As JSON, where an undefined figure (NaN) is `null` and equal.
        let json = |x: &dyn erased::Ser| x.json();
        for (a, b) in with.iter().zip(&without) {
            assert_eq!(a.by_type[1].dialer_released, 0.0);
            assert_eq!(a.by_type[1].in_dialer_at_end, 500.0);
            assert_eq!(a.by_type[1].offered, 0.0);
            assert_eq!(json(&a.total), json(&b.total), "K = {k}");
            assert_eq!(json(&a.by_type[0]), json(&b.by_type[0]));
            assert_eq!(json(&a.by_group), json(&b.by_group));
            assert_eq!(json(&a.by_interval), json(&b.by_interval));
            assert_eq!(json(&a.fairness), json(&b.fairness));
        }
    }
    // And against the formula: K = N is Erlang C's P(wait).
    let mut s = blended(load, n, n, ENDLESS);
    s.seed = 11;
    s.horizon = 20_000.0 * scale();
    s.warm_up = 500.0 * scale();
    s.replications = REPS;
    let rs = reps(s, &PolicySpec::LongestIdleAgent);
    let (p_wait, _, out) = blending_theory(n, n, load, 1.0);
    assert_eq!(out, 0.0);
    let xs: Vec<f64> = rs.iter().map(|r| r.total.p_wait).collect();
    check("K = N p_wait", &xs, p_wait);
}

/// With `drain`, every item created is answered or still in the dialer:
/// nothing is lost, for a campaign and arrivals together, under shifts,
/// ringing offers that time out, and not-ready pauses.
#[test]
fn items_are_conserved() {
    let mut s = blended(3.0, 6, 2, 3_000);
    s.contact_types[1].arrivals = ArrivalSpec::Poisson { rate: 0.5 };
    s.contact_types[1].service = Dist::Exponential { mean: 2.0 };
    s.contact_types[1].wrap_up = Some(Dist::Constant { value: 0.3 });
    s.horizon = 2_000.0;
    s.drain = true;
    s.replications = 3;
    s.groups[0].shifts = vec![
        skillroute::sim::Shift::new(0.0, 700.0),
        skillroute::sim::Shift::new(900.0, 2_000.0),
    ];
    s.offers.ring_delay = Some(Dist::Exponential { mean: 0.5 });
    s.offers.timeout = Some(1.0);
    s.offers.rona_pause = Some(Dist::Constant { value: 5.0 });
    for spec in [
        PolicySpec::LongestIdleAgent,
        PolicySpec::OptimalAssignment { non_idling: true },
    ] {
        for r in reps(s.clone(), &spec) {
            let o = &r.by_type[1];
            assert!(o.dialer_released > 0.0 && o.in_dialer_at_end > 0.0);
            assert_eq!(o.waiting_at_end, 0.0);
            assert_eq!(o.answered, o.dialer_released, "{}", spec.name());
            assert_eq!(
                o.dialer_created,
                o.answered + o.in_dialer_at_end,
                "{}",
                spec.name()
            );
            assert!(r.total.offered > 0.0 && r.total.offered == r.by_type[0].offered);
        }
    }
}

/// Every policy meets the same items (created by the same arrivals), and a
/// replication gives the same numbers when run again.
#[test]
fn common_random_numbers_and_determinism() {
    let mut s = blended(6.0, 10, 2, 100);
    s.contact_types[1].arrivals = ArrivalSpec::Poisson { rate: 1.0 };
    s.horizon = 1_000.0;
    s.replications = 3;
    let a = reps(s.clone(), &PolicySpec::LongestIdleAgent);
    let b = reps(
        s.clone(),
        &PolicySpec::OptimalAssignment { non_idling: true },
    );
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.by_type[1].dialer_created, y.by_type[1].dialer_created);
        assert_eq!(x.by_type[0].offered, y.by_type[0].offered);
    }
    let again = reps(s, &PolicySpec::LongestIdleAgent);
    let json = |r: &[Replication]| serde_json::to_string(r).unwrap();
    assert_eq!(json(&a), json(&again));
}

mod erased {
    /// Any serialisable value, as JSON.
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

fn refused(s: Scenario) -> ScenarioError {
    match Simulation::new(s) {
        Ok(_) => panic!("a dialer type with patience or self-service was accepted"),
        Err(e) => e,
    }
}

fn load_err(text: &str) -> ScenarioError {
    Scenario::from_toml_str(text).expect_err("refused")
}

fn with_dialer(line: &str) -> String {
    format!(
        r#"
horizon = 100.0
skills = ["s"]
[[groups]]
name = "g"
count = 2
skills = {{ s = 5 }}
capacity = {{ voice = 1 }}
[[contact_types]]
name = "out"
channel = "voice"
requires = {{ s = 1 }}
arrivals = {{ kind = "poisson", rate = 0.0 }}
service = {{ kind = "exponential", mean = 1.0 }}
{line}
"#
    )
}

#[test]
fn bad_dialers_are_refused_naming_the_field() {
    let ok = Scenario::from_toml_str(&with_dialer("dialer = { reserve = 1, backlog = 10 }"))
        .expect("valid");
    assert_eq!(
        ok.contact_types[0].dialer,
        Some(Dialer {
            reserve: 1,
            backlog: 10
        })
    );
    for (line, field) in [
        (
            "dialer = { reserve = -1 }",
            "contact_types[0].dialer.reserve",
        ),
        (
            "dialer = { reserve = 1.5 }",
            "contact_types[0].dialer.reserve",
        ),
        (
            "dialer = { backlog = 3 }",
            "contact_types[0].dialer.reserve",
        ),
        (
            "dialer = { reserve = 1, patience = 3 }",
            "contact_types[0].dialer",
        ),
        (
            "dialer = { reserve = 1, backlog = -2 }",
            "contact_types[0].dialer.backlog",
        ),
        (
            "dialer = { reserve = 1 }\npatience = { kind = \"exponential\", mean = 5.0 }",
            "contact_types[0].patience",
        ),
        (
            "dialer = { reserve = 1 }\nself_service = { containment = 0.5, time = { kind = \"constant\", value = 1.0 } }",
            "contact_types[0].self_service",
        ),
    ] {
        match load_err(&with_dialer(line)) {
            ScenarioError::Invalid { field: f, rule } => {
                assert_eq!(f, field, "{line}: {rule}")
            }
            e => panic!("{line}: {e}"),
        }
    }
    // Built in code, the same rules hold.
    let mut s = blended(1.0, 2, 0, 0);
    s.contact_types[1].patience = Some(Dist::Exponential { mean: 5.0 });
    let e = refused(s);
    assert!(
        e.to_string().starts_with("contact_types[1].patience:"),
        "{e}"
    );
    let mut s = blended(1.0, 2, 0, 0);
    s.contact_types[1].self_service = Some(SelfService {
        containment: 0.1,
        time: Dist::Constant { value: 1.0 },
    });
    let e = refused(s);
    assert!(
        e.to_string().starts_with("contact_types[1].self_service:"),
        "{e}"
    );
}

/// A scenario without a dialer writes none of its figures, and says
/// nothing of it when saved.
#[test]
fn no_dialer_no_figures() {
    let mut s = single_skill_scenario(2.0, 1.0, None, target());
    s.horizon = 200.0;
    s.replications = 2;
    assert!(!s.to_toml_string().contains("dialer"));
    assert!(!s.to_json_string().contains("dialer"));
    let report = Simulation::new(s).unwrap().run().unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("dialer"), "{json}");
    assert!(!report.to_csv().contains("dialer"));
}

/// The staffing search staffs the inbound work alone: the Erlang baseline
/// gives a dialer type no agents (it fills idle capacity), and its service
/// level is no target; the search still simulates it beside the inbound
/// type, whose target it meets.
#[test]
fn staffing_ignores_the_dialer_type() {
    use skillroute::staffing::{SimStaffing, Target, staff_erlang_c};
    // 2 calls a minute, 4-minute calls, 80% within 20 s; outbound calls
    // created at 1 a minute, none kept back (reserve 0 is the hardest on
    // inbound).
    let (lambda, mu) = (2.0 / 60.0, 1.0 / 240.0);
    let target = ServiceTarget {
        threshold: 20.0,
        fraction: 0.8,
        short_abandon: 0.0,
    };
    let mut s = single_skill_scenario(lambda, mu, None, target);
    let mut out = s.contact_types[0].clone();
    out.name = "outbound".into();
    out.dialer = Some(Dialer {
        reserve: 1,
        backlog: 0,
    });
    s.contact_types.push(out);
    let search = SimStaffing::new()
        .replications(6)
        .run_length(20_000.0 * scale())
        .warm_up(2_000.0);
    let point = search.staff_rates(&s, &[lambda, 1.0 / 60.0]).unwrap();
    let erlang = staff_erlang_c(
        lambda,
        mu,
        Target::ServiceLevel {
            fraction: 0.8,
            threshold: 20.0,
        },
    )
    .unwrap();
    assert_eq!(point.erlang_by_type, vec![erlang, 0]);
    assert_eq!(point.erlang_total, erlang);
    assert_eq!(point.offered_load[1], 0.0);
    assert!(point.met, "{point:?}");
    // The inbound type's simulated service level is what was judged.
    let sl = point.service_level[0];
    assert!(sl.mean >= 0.8 - sl.half_width, "{sl:?}");
}

/// A campaign alone (a dialer type with a backlog and no arrivals of its
/// own) is what was meant: no warning that none of its contacts arrives.
/// Without a backlog the warning stands.
#[test]
fn a_campaign_alone_is_not_a_silent_type() {
    let mut s = blended(1.0, 4, 1, 50);
    s.horizon = 100.0;
    let silent = |s: &Scenario| {
        s.warnings()
            .iter()
            .any(|w| w.starts_with("contact_types[1].arrivals.rate"))
    };
    assert!(!silent(&s), "{:?}", s.warnings());
    s.contact_types[1].dialer = Some(Dialer {
        reserve: 1,
        backlog: 0,
    });
    assert!(silent(&s));
}

/// An agent with several slots on the channel stays free for another item
/// until its last is taken: with chat 3 and reserve 0, a campaign alone
/// keeps every slot busy, so items are answered at slots / mean service
/// (each busy slot ends at rate 1/mean: a Poisson stream of completions).
/// The dialer once stopped after every release that left the free count
/// as it was, releasing an agent's later slots only on the next event.
#[test]
fn every_slot_of_a_multi_slot_channel_is_filled() {
    let text = format!(
        r#"
horizon = {horizon}
warm_up = 600.0
replications = 4
skills = ["s"]
[[groups]]
name = "g"
count = 5
skills = {{ s = 5 }}
capacity = {{ chat = 3 }}
[[contact_types]]
name = "out"
channel = "chat"
requires = {{ s = 1 }}
arrivals = {{ kind = "poisson", rate = 0.0 }}
service = {{ kind = "exponential", mean = 300.0 }}
dialer = {{ reserve = 0, backlog = {ENDLESS} }}
"#,
        horizon = 600.0 + 36_000.0 * scale()
    );
    let s = Scenario::from_toml_str(&text).expect("valid");
    let span = s.horizon - s.warm_up;
    let rs = reps(s, &PolicySpec::LongestIdleAgent);
    let expected = 15.0 / 300.0 * span;
    for r in &rs {
        let answered = r.by_type[0].answered;
        // Poisson count: within 5 standard deviations.
        assert!(
            (answered - expected).abs() <= 5.0 * expected.sqrt(),
            "{answered} items answered, against {expected} with every slot busy"
        );
        assert!((r.by_group[0].occupancy - 1.0).abs() < 1e-9);
    }
}

/// A backlog beyond 2^53 cannot be counted exactly in the reports (and
/// near `u64::MAX` it wrapped with the arrivals added): refused, named.
#[test]
fn an_uncountable_backlog_is_refused() {
    let named = |e: ScenarioError| {
        let text = e.to_string();
        assert!(
            text.contains("contact_types[0].dialer.backlog") && text.contains("2^53"),
            "{text}"
        );
    };
    named(load_err(&with_dialer(&format!(
        "dialer = {{ reserve = 0, backlog = {} }}",
        (1u64 << 53) + 1
    ))));
    let mut s = Scenario::from_toml_str(&with_dialer("dialer = { reserve = 0 }")).expect("valid");
    for backlog in [(1u64 << 53) + 1, u64::MAX] {
        s.contact_types[0].dialer = Some(Dialer {
            reserve: 0,
            backlog,
        });
        named(Simulation::new(s.clone()).map(|_| ()).expect_err("refused"));
    }
    s.contact_types[0].dialer = Some(Dialer {
        reserve: 0,
        backlog: 1 << 53,
    });
    assert!(Simulation::new(s).is_ok());
}
