//! The simulator against queueing theory: M/M/n against Erlang C (the
//! probability of waiting, mean wait, service level and wait percentiles) and
//! M/M/n+M against Erlang A (the probabilities of waiting and of abandoning,
//! the mean waits of the answered and of all, the service level and the
//! answered's wait percentiles), at several parameter points (n = 100 among
//! them), plus Little's law; loss systems M/G/c/c against Erlang B, which
//! holds whatever the holding-time law, to check the non-exponential service
//! times, wrap-up, the speed factor and chat slots; and a day of
//! piecewise-constant arrivals against the infinite-server queue M_t/G/∞,
//! interval by interval.
//!
//! Method: for each point, `REPS` independent replications (each its own
//! random streams), each simulating `horizon` time units after a warm-up
//! that starts from an empty system. Each replication gives one estimate of
//! each measure; the test asserts that the analytic value lies inside the
//! two-sided Student-t confidence interval of their mean at level `1 − ALPHA`.
//!
//! False alarms: each check alone fails with probability about `ALPHA` when
//! the simulator is right (a little more, for the O(1/horizon) bias of
//! starting empty, which the warm-ups make small against the intervals'
//! widths). With 100 interval checks, about two runs in three of *some other
//! seed* would see one miss; the seeds are fixed, so this file passes or
//! fails the same way every time, and they were not chosen by looking at the
//! results (one run length was changed after a miss, and why is told at
//! the loss-system test).
//!
//! Analytic values come from `skillroute::staffing` (Erlang B, C and A)
//! and from the M_t/G/∞ formulas written out in this file; as second
//! opinions, from the birth–death chain of Erlang A and the recursion of
//! Erlang B, both written out here too.
//!
//! Sized to run in a few seconds in release mode (`cargo test --release`);
//! in debug mode the points are shrunk ten-fold (wider intervals, same checks).

use std::collections::BTreeMap;

use skillroute::sim::{
    ArrivalSpec, ContactTypeSpec, Dist, GroupSpec, PolicySpec, Replication, RunOptions, Scenario,
    ServiceTarget, Simulation,
};
use skillroute::{ErlangA, ErlangC, LongestIdleAgent};

/// The false-alarm rate of each check: intervals are at 99%.
const ALPHA: f64 = 0.01;
/// Replications per point.
const REPS: u32 = 20;
/// Service-level threshold for the Erlang C checks, in units of 1/μ.
const SL_THRESHOLD: f64 = 0.1;

fn scale() -> f64 {
    if cfg!(debug_assertions) { 0.1 } else { 1.0 }
}

/// A single-skill queue: one group of identical agents, one contact type.
struct Queue {
    lambda: f64,
    /// Agents, each with `slots` concurrent contacts on the one channel.
    agents: u32,
    slots: u16,
    channel: &'static str,
    speed: f64,
    service: Dist,
    patience: Option<Dist>,
    wrap_up: Option<Dist>,
    /// The service-level threshold, if any.
    threshold: Option<f64>,
    horizon: f64,
    warm_up: f64,
}

fn single_queue(q: &Queue, seed: u64) -> Simulation {
    let s = Scenario {
        day_start: None,
        name: format!("{} × {}", q.agents, q.slots),
        seed,
        horizon: q.warm_up + q.horizon,
        warm_up: q.warm_up,
        replications: REPS,
        interval: None,
        drain: false,
        rebalance_every: None,
        batch_window: false,
        channels: vec![q.channel.into()],
        skills: vec!["s".into()],
        groups: vec![GroupSpec {
            name: "agents".into(),
            count: q.agents,
            skills: BTreeMap::from([("s".into(), 1)]),
            capacity: BTreeMap::from([(q.channel.into(), q.slots)]),
            total_capacity: None,
            speed: q.speed,
            shifts: vec![],
        }],
        contact_types: vec![ContactTypeSpec {
            name: "contacts".into(),
            channel: q.channel.into(),
            requires: BTreeMap::from([("s".into(), 1)]),
            priority: 0,
            tier: 0,
            segments: BTreeMap::new(),
            arrivals: ArrivalSpec::Poisson { rate: q.lambda },
            service: q.service.clone(),
            patience: q.patience.clone(),
            wrap_up: q.wrap_up.clone(),
            service_level: None,
            self_service: None,
            dialer: None,
        }],
        policy: PolicySpec::LongestIdleAgent,
        router: Default::default(),
        service_levels: q
            .threshold
            .map(|threshold| {
                let target = ServiceTarget {
                    threshold,
                    fraction: 0.8,
                    short_abandon: 0.0,
                };
                BTreeMap::from([(q.channel.into(), target)])
            })
            .unwrap_or_default(),
        offers: Default::default(),
        fit: None,
        outcomes: None,
        expected_wait: false,
        max_in_system: skillroute::sim::DEFAULT_MAX_IN_SYSTEM,
        base_dir: None,
    };
    Simulation::new(s).expect("valid scenario")
}

/// A single-skill M/M/n(+M) scenario, the same shape as `examples/mmn.rs`.
fn mmn(
    lambda: f64,
    mu: f64,
    theta: Option<f64>,
    n: u32,
    horizon: f64,
    warm_up: f64,
    seed: u64,
) -> Simulation {
    let q = Queue {
        lambda,
        agents: n,
        slots: 1,
        channel: "voice",
        speed: 1.0,
        service: Dist::Exponential { mean: 1.0 / mu },
        patience: theta.map(|t| Dist::Exponential { mean: 1.0 / t }),
        wrap_up: None,
        threshold: Some(SL_THRESHOLD / mu),
        horizon,
        warm_up,
    };
    single_queue(&q, seed)
}

fn run(sim: &Simulation) -> Vec<Replication> {
    sim.replications(|| LongestIdleAgent, RunOptions::default())
        .expect("runs")
}

struct Check {
    what: String,
    sim: skillroute::sim::Estimate,
    analytic: f64,
    /// How far, relative to the analytic value, the simulator's figure may
    /// be off by construction beyond the interval (0: not at all).
    resolution: f64,
}

fn check(
    out: &mut Vec<Check>,
    what: String,
    reps: &[Replication],
    f: impl Fn(&Replication) -> f64,
    analytic: f64,
) {
    let xs: Vec<f64> = reps.iter().map(f).collect();
    let sim = skillroute::sim::Estimate::from_samples(&xs, 1.0 - ALPHA);
    assert_eq!(sim.n, REPS, "{what}: undefined in some replication");
    out.push(Check {
        what,
        sim,
        analytic,
        resolution: 0.0,
    });
}

/// The report's wait percentiles p50, p90 and p99 against `quantile(q)`.
/// The report's come from a histogram of 32 bins an octave, each read at its
/// midpoint: within 1/64 of the true value beyond the interval.
fn check_percentiles(
    out: &mut Vec<Check>,
    point: &str,
    reps: &[Replication],
    quantile: impl Fn(f64) -> f64,
) {
    for (q, f) in [
        (
            0.5,
            (|r: &Replication| r.total.wait_p50) as fn(&Replication) -> f64,
        ),
        (0.9, |r| r.total.wait_p90),
        (0.99, |r| r.total.wait_p99),
    ] {
        check(
            out,
            format!("{point} wait p{}", q * 100.0),
            reps,
            f,
            quantile(q),
        );
        out.last_mut().expect("just pushed").resolution = 1.0 / 64.0;
    }
}

fn verdict(checks: &[Check]) {
    let mut bad = Vec::new();
    for c in checks {
        // A figure that does not vary (a constant handle time) has a zero
        // width: it must then equal the analytic value up to the rounding of
        // summing it over a replication.
        let inside = (c.sim.mean - c.analytic).abs()
            <= c.sim.half_width + c.resolution * c.analytic.abs()
            || (c.sim.mean - c.analytic).abs() <= 1e-9 * c.analytic.abs().max(1.0);
        println!(
            "{:<44} sim {:>10.6} ± {:<9.6} analytic {:>10.6}  {}",
            c.what,
            c.sim.mean,
            c.sim.half_width,
            c.analytic,
            if inside { "inside" } else { "OUTSIDE" }
        );
        if !inside {
            bad.push(c.what.clone());
        }
    }
    assert!(
        bad.is_empty(),
        "outside the {}% interval: {bad:?}",
        100.0 * (1.0 - ALPHA)
    );
}

/// (λ, μ, n, horizon, warm-up) in units of 1/μ; about 1.5 million contacts per point.
const ERLANG_C_POINTS: [(f64, f64, u32, f64, f64); 5] = [
    (4.0, 1.0, 5, 20_000.0, 200.0),
    (9.0, 1.0, 10, 8_000.0, 200.0),
    (1.5, 0.5, 4, 40_000.0, 400.0),
    (45.0, 1.0, 50, 1_800.0, 100.0),
    (95.0, 1.0, 100, 800.0, 100.0),
];

#[test]
fn mmn_matches_erlang_c() {
    let mut checks = Vec::new();
    for (i, &(l, m, n, h, w)) in ERLANG_C_POINTS.iter().enumerate() {
        let sim = mmn(l, m, None, n, h * scale(), w, 100 + i as u64);
        let reps = run(&sim);
        let ec = ErlangC::new(l, m, n).expect("stable point");
        let p = format!("λ={l} μ={m} n={n}");
        check(
            &mut checks,
            format!("{p} P(wait)"),
            &reps,
            |r| r.total.p_wait,
            ec.prob_wait(),
        );
        check(
            &mut checks,
            format!("{p} mean wait"),
            &reps,
            |r| r.total.asa,
            ec.asa(),
        );
        check(
            &mut checks,
            format!("{p} SL({})", SL_THRESHOLD / m),
            &reps,
            |r| r.total.service_level,
            ec.service_level(SL_THRESHOLD / m),
        );
        // Wait percentiles: P(W > t) = C·e^(−(nμ−λ)t), so the q-quantile
        // is 0 if q ≤ 1 − C and ln(C / (1 − q)) / (nμ − λ) otherwise. The
        // simulator's come from a histogram of 32 bins an octave, each read
        // at its midpoint: within 1/64 of the true value.
        let quantile = |q: f64| {
            let c = ec.prob_wait();
            if q <= 1.0 - c {
                0.0
            } else {
                (c / (1.0 - q)).ln() / (f64::from(n) * m - l)
            }
        };
        // A replication's own quantile is biased low by O(1/run length) — a
        // short run seldom holds the rare long waits — so the checks are
        // made only in release mode: debug runs are a tenth as long, and
        // there p99 misses at n = 10 and n = 100. The report's pool every
        // replication's contacts (see `pooled_percentiles_lose_the_short_run_bias`),
        // with the spread of the replications' own as their interval; at
        // n = 100 in debug mode that interval is too narrow too: 80 time units
        // are a few relaxation times of the queue at ρ = 0.95, and whether a
        // replication holds a long excursion makes its p99 far from normal.
        if cfg!(debug_assertions) {
            continue;
        }
        let report = sim.report(&reps, 1.0 - ALPHA).expect("reports");
        for (q, e) in [
            (0.5, report.total.wait_p50),
            (0.9, report.total.wait_p90),
            (0.99, report.total.wait_p99),
        ] {
            checks.push(Check {
                what: format!("{p} pooled wait p{}", q * 100.0),
                sim: e,
                analytic: quantile(q),
                resolution: 1.0 / 64.0,
            });
        }
        check_percentiles(&mut checks, &p, &reps, quantile);
    }
    verdict(&checks);
}

/// Many short replications of an M/M/1 at ρ = 0.5, each about 200 contacts:
/// a replication's own p99 rests on its two longest waits and reads well
/// below the true p99, and more replications do not cure that — their mean
/// converges to the biased value. The report pools every replication's
/// contacts, which converges to the true quantile: the analytic p99 is
/// inside its interval, and outside the interval of the replications' own.
#[test]
fn pooled_percentiles_lose_the_short_run_bias() {
    let (l, m) = (0.5, 1.0);
    let mut scenario = mmn(l, m, None, 1, 400.0, 50.0, 77).scenario().clone();
    scenario.replications = 200;
    let sim = Simulation::new(scenario).expect("valid scenario");
    let reps = run(&sim);
    let report = sim.report(&reps, 1.0 - ALPHA).expect("reports");
    // P(W > t) = ρ·e^(−(μ−λ)t).
    let quantile = |q: f64| (l / m / (1.0 - q)).ln() / (m - l);
    let own = |f: fn(&Replication) -> f64| {
        let xs: Vec<f64> = reps.iter().map(f).collect();
        skillroute::sim::Estimate::from_samples(&xs, 1.0 - ALPHA)
    };
    let checks = [
        ("p90", 0.9, report.total.wait_p90, own(|r| r.total.wait_p90)),
        (
            "p99",
            0.99,
            report.total.wait_p99,
            own(|r| r.total.wait_p99),
        ),
    ];
    for (name, q, pooled, own) in checks {
        let truth = quantile(q);
        println!(
            "{name}: pooled {:.4} ± {:.4}, replications' own {:.4} ± {:.4}, analytic {truth:.4}",
            pooled.mean, pooled.half_width, own.mean, own.half_width
        );
        // The histogram reads a bin at its midpoint: within 1/64.
        let slack = truth / 64.0;
        assert!(
            (pooled.mean - truth).abs() <= pooled.half_width + slack,
            "{name}: pooled {pooled:?} vs {truth}"
        );
        if name == "p99" {
            assert!(own.high() + slack < truth, "{name}: own {own:?} vs {truth}");
        }
    }
}

/// (λ, μ, θ, n, horizon, warm-up); overloaded points are stable thanks to abandonment.
const ERLANG_A_POINTS: [(f64, f64, f64, u32, f64, f64); 5] = [
    (4.0, 1.0, 2.0, 5, 20_000.0, 100.0),
    (9.0, 1.0, 0.5, 10, 8_000.0, 100.0),
    (12.0, 1.0, 1.0, 10, 6_000.0, 100.0),
    (48.0, 1.0, 0.2, 50, 1_600.0, 100.0),
    (100.0, 1.0, 0.5, 100, 800.0, 100.0),
];

/// P(wait) and P(abandon) of M/M/n+M from its birth–death chain:
/// births λ, deaths min(k, n)μ + (k − n)⁺θ; by PASTA P(wait) = P(K ≥ n) and
/// P(abandon) = θ·E[(K − n)⁺] / λ. Truncated where the terms vanish.
fn birth_death(l: f64, m: f64, t: f64, n: u32) -> (f64, f64) {
    let mut p = vec![1.0f64];
    for k in 1..100_000usize {
        let death = (k.min(n as usize)) as f64 * m + (k.saturating_sub(n as usize)) as f64 * t;
        let next = p[k - 1] * l / death;
        p.push(next);
        if k > n as usize && next < 1e-300 {
            break;
        }
        // Rescale to avoid overflow for large n.
        if next > 1e200 {
            p.iter_mut().for_each(|x| *x *= 1e-200);
        }
    }
    let z: f64 = p.iter().sum();
    let wait: f64 = p[n as usize..].iter().sum::<f64>() / z;
    let queue: f64 = p
        .iter()
        .enumerate()
        .skip(n as usize)
        .map(|(k, x)| (k - n as usize) as f64 * x)
        .sum::<f64>()
        / z;
    (wait, t * queue / l)
}

#[test]
fn mmn_m_matches_erlang_a() {
    let mut checks = Vec::new();
    for (i, &(l, m, t, n, h, w)) in ERLANG_A_POINTS.iter().enumerate() {
        let sim = mmn(l, m, Some(t), n, h * scale(), w, 200 + i as u64);
        let reps = run(&sim);
        let ea = ErlangA::new(l, m, t, n).expect("valid point");
        let (bd_wait, bd_ab) = birth_death(l, m, t, n);
        assert!(
            (ea.prob_wait() - bd_wait).abs() < 1e-9,
            "Erlang A vs chain: {} {bd_wait}",
            ea.prob_wait()
        );
        assert!(
            (ea.prob_abandon() - bd_ab).abs() < 1e-9,
            "Erlang A vs chain: {} {bd_ab}",
            ea.prob_abandon()
        );
        let p = format!("λ={l} μ={m} θ={t} n={n}");
        check(
            &mut checks,
            format!("{p} P(wait)"),
            &reps,
            |r| r.total.p_wait,
            ea.prob_wait(),
        );
        check(
            &mut checks,
            format!("{p} P(abandon)"),
            &reps,
            |r| r.total.p_abandon,
            ea.prob_abandon(),
        );
        // The waits: of the answered (ASA), and of everyone, an abandoned
        // customer's being the time it held on, P(abandon)/θ; and the
        // service level as the report defines it, answered within the
        // threshold over all who left the queue (abandoned ones count as
        // late, whenever they hung up).
        check(
            &mut checks,
            format!("{p} ASA"),
            &reps,
            |r| r.total.asa,
            ea.asa(),
        );
        check(
            &mut checks,
            format!("{p} mean wait (all)"),
            &reps,
            |r| r.total.mean_wait,
            ea.mean_wait(),
        );
        check(
            &mut checks,
            format!("{p} SL({})", SL_THRESHOLD / m),
            &reps,
            |r| r.total.service_level,
            ea.service_level(SL_THRESHOLD / m),
        );
        // Wait percentiles of the answered (the report's histogram holds
        // their waits only): the q-quantile is 0 if P(W = 0 | answered) ≥ q,
        // else the t where P(W ≤ t | answered) reaches q, found by bisection
        // (it rises with t). Within 1/64 by the bins, as for Erlang C, and
        // likewise not in debug mode.
        if cfg!(debug_assertions) {
            continue;
        }
        let quantile = |q: f64| {
            if ea.service_level_of_answered(0.0) >= q {
                return 0.0;
            }
            let (mut lo, mut hi) = (0.0, 1.0 / m);
            while ea.service_level_of_answered(hi) < q {
                hi *= 2.0;
            }
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if ea.service_level_of_answered(mid) < q {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        check_percentiles(&mut checks, &p, &reps, quantile);
    }
    verdict(&checks);
}

/// Little's law, L = λW, for the queue (time-average number waiting against
/// arrival rate × mean wait of answered and abandoned) and for the agents
/// (mean busy agents against answer rate × mean handle time), per replication,
/// within 1% (edge effects of a finite run are far smaller). Not shrunk in
/// debug mode: a tenth of the run leaves edge effects near 1%.
#[test]
fn littles_law_holds() {
    for (sim, what) in [
        (mmn(45.0, 1.0, None, 50, 2_000.0, 100.0, 301), "M/M/50"),
        (
            mmn(48.0, 1.0, Some(0.2), 50, 2_000.0, 100.0, 302),
            "M/M/50+M",
        ),
    ] {
        for r in run(&sim) {
            let span = r.end_time - sim.scenario().warm_up;
            let lambda = r.total.offered / span;
            let l_q = r.mean_in_queue;
            let lw = lambda * r.total.mean_wait;
            assert!(
                (l_q - lw).abs() / l_q < 0.01,
                "{what} queue: L = {l_q}, λW = {lw}"
            );
            let busy = r.total.agents * r.total.occupancy;
            let served = r.total.answered / span * r.total.handle_time;
            assert!(
                (busy - served).abs() / busy < 0.01,
                "{what} agents: L = {busy}, λW = {served}"
            );
        }
    }
}

/// Erlang B by its textbook recursion B(k) = a·B(k−1) / (k + a·B(k−1)),
/// a second opinion beside `skillroute::staffing::erlang_b`.
fn erlang_b_recursion(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// The features Erlang C and A cannot reach — service times that are not
/// exponential (log-normal, gamma, constant, empirical), wrap-up, the speed
/// factor, and chat slots — against the one result that holds whatever the
/// holding-time distribution: Erlang B. In M/G/c/c the probability that an
/// arrival finds all c slots busy is B(c, λ·E[holding]) for any holding-time
/// law with that mean (insensitivity), and so is the slots' utilisation,
/// λ·E[holding]·(1 − B) / c. Here the holding time is work / speed + wrap-up,
/// c = agents × slots, and a contact that finds no slot leaves at once
/// (patience 0). Checked as well: the mean handle time (service + wrap-up).
///
/// Each mistake in those features moves a figure: a speed factor applied to
/// the wrap-up, or not at all; a chat slot not freed, or freed before the
/// wrap-up ends; a distribution with the wrong mean; a contact that waits
/// when a slot is free.
///
/// The log-normal point with cv 2 was first run over a 20,000 horizon, and
/// its P(lost) came out 3.2 standard errors high (0.1232 ± 0.0014 against
/// 0.1217). Run on 20 other seeds, the same point scattered around Erlang B
/// (z from −2.6 to +1.8, mean +0.15, standard deviation 1.3 where 1 is
/// expected): its heavy tail makes the t interval over 20 replications a
/// little narrow, not the simulator biased. The seed is kept and the run made
/// four times as long.
#[test]
fn loss_systems_match_erlang_b_whatever_the_holding_time() {
    // Each point: (name, queue, mean work, mean wrap-up), the means worked
    // out here by hand from the laws' parameters. A contact that finds no
    // free slot is lost at once (patience 0); a slot holds its contact for
    // work / speed, then the wrap-up.
    let point =
        |lambda, (agents, slots, channel), speed, service, wrap_up, (horizon, warm_up)| Queue {
            lambda,
            agents,
            slots,
            channel,
            speed,
            service,
            patience: Some(Dist::Constant { value: 0.0 }),
            wrap_up,
            threshold: None,
            horizon: horizon * scale(),
            warm_up,
        };
    let points = [
        // 80,000, not 20,000 as first written: see the test's doc.
        (
            "log-normal (cv 2), n=10",
            point(
                8.0,
                (10, 1, "voice"),
                1.0,
                Dist::Lognormal { mean: 1.0, sd: 2.0 },
                None,
                (80_000.0, 100.0),
            ),
            1.0,
            0.0,
        ),
        (
            "gamma (shape 0.5) + constant wrap-up, n=20",
            point(
                12.0,
                (20, 1, "voice"),
                1.0,
                Dist::Gamma {
                    shape: 0.5,
                    scale: 2.0,
                },
                Some(Dist::Constant { value: 0.5 }),
                (10_000.0, 100.0),
            ),
            1.0,
            0.5,
        ),
        (
            "constant, speed 1.25, n=50",
            point(
                55.0,
                (50, 1, "voice"),
                1.25,
                Dist::Constant { value: 1.0 },
                None,
                (3_000.0, 50.0),
            ),
            1.0,
            0.0,
        ),
        (
            "empirical + exponential wrap-up, speed 0.8, n=30",
            point(
                10.0,
                (30, 1, "voice"),
                0.8,
                Dist::Empirical {
                    samples: vec![0.25, 0.5, 0.5, 1.0, 4.75],
                },
                Some(Dist::Exponential { mean: 0.75 }),
                (10_000.0, 100.0),
            ),
            7.0 / 5.0,
            0.75,
        ),
        (
            "chat, 3 slots × 12 agents, log-normal wrap-up",
            point(
                30.0,
                (12, 3, "chat"),
                1.0,
                Dist::Exponential { mean: 1.0 },
                Some(Dist::Lognormal { mean: 0.2, sd: 0.1 }),
                (5_000.0, 100.0),
            ),
            1.0,
            0.2,
        ),
        (
            "gamma (shape 3) + gamma wrap-up, n=100",
            point(
                80.0,
                (100, 1, "voice"),
                1.0,
                Dist::Gamma {
                    shape: 3.0,
                    scale: 0.3,
                },
                Some(Dist::Gamma {
                    shape: 2.0,
                    scale: 0.15,
                }),
                (2_000.0, 50.0),
            ),
            0.9,
            0.3,
        ),
    ];
    let mut checks = Vec::new();
    for (i, (what, q, service_mean, wrap_mean)) in points.iter().enumerate() {
        let reps = run(&single_queue(q, 400 + i as u64));
        let c = q.agents * u32::from(q.slots);
        let holding = service_mean / q.speed + wrap_mean;
        let a = q.lambda * holding;
        let b = skillroute::staffing::erlang_b(a, c).expect("valid load");
        assert!(
            (b - erlang_b_recursion(a, c)).abs() < 1e-12,
            "erlang_b vs recursion at a={a} c={c}"
        );
        check(
            &mut checks,
            format!("{what} P(lost)"),
            &reps,
            |r| r.total.p_abandon,
            b,
        );
        check(
            &mut checks,
            format!("{what} utilisation"),
            &reps,
            |r| r.total.utilisation,
            a * (1.0 - b) / f64::from(c),
        );
        check(
            &mut checks,
            format!("{what} handle time"),
            &reps,
            |r| r.total.handle_time,
            holding,
        );
    }
    verdict(&checks);
}

/// The mean number in service over `[a, b]` of an infinite-server queue
/// with piecewise-constant Poisson arrivals (`rates[j]` on
/// `[j·len, (j+1)·len)`, then none), starting empty, for exponential service
/// of rate `mu`: `m' = λ(t) − μ m` (Eick, Massey & Whitt, "The physics of the
/// M_t/G/∞ queue", 1993), solved piece by piece. `a` and `b` are piece
/// boundaries.
fn mt_m_inf_mean(rates: &[f64], len: f64, mu: f64, a: f64, b: f64) -> f64 {
    let (mut m, mut area) = (0.0, 0.0);
    for (j, &r) in rates.iter().enumerate() {
        let start = j as f64 * len;
        if start >= b {
            break;
        }
        // On the piece, m(t) = r/μ + (m₀ − r/μ)·e^{−μ(t − start)}.
        let level = r / mu;
        let decay = (-mu * len).exp();
        if start >= a {
            area += level * len + (m - level) * (1.0 - decay) / mu;
        }
        m = level + (m - level) * decay;
    }
    area / (b - a)
}

/// The same for constant service `d`: the number in service at `t` is the
/// number of arrivals in `(t − d, t]`, whose mean is `Λ(t) − Λ(t − d)` for
/// the cumulative rate `Λ`, so the mean over `[a, b]` is exact through
/// `∫Λ`, which is piecewise quadratic.
fn mt_d_inf_mean(rates: &[f64], len: f64, d: f64, a: f64, b: f64) -> f64 {
    // ∫₀^x Λ(t) dt, with Λ = 0 before 0 (and constant after the last piece).
    let int_cum = |x: f64| {
        let (mut cum, mut int) = (0.0, 0.0);
        for (j, &r) in rates.iter().enumerate() {
            let start = j as f64 * len;
            if x <= start {
                return int;
            }
            let dt = (x - start).min(len);
            int += cum * dt + r * dt * dt / 2.0;
            cum += r * dt;
        }
        int + cum * (x - rates.len() as f64 * len).max(0.0)
    };
    let int_cum = |x: f64| if x <= 0.0 { 0.0 } else { int_cum(x) };
    (int_cum(b) - int_cum(a) - (int_cum(b - d) - int_cum(a - d))) / (b - a)
}

/// Time-varying load against the infinite-server queue M_t/G/∞: with more
/// agents than ever busy at once, the mean number busy in each report
/// interval must be the analytic one, for exponential and for constant
/// service. This checks what the stationary points above cannot: the
/// piecewise arrival process (inverted per piece), the report intervals'
/// split of agent time at their boundaries, and the transient from an empty
/// start, over a day whose load rises, falls to nothing and comes back.
#[test]
fn time_varying_load_matches_the_infinite_server_queue() {
    let len = 300.0 * scale();
    let rates = [10.0, 40.0, 60.0, 25.0, 0.0, 50.0];
    // Peak load 60 × 5 = 300 busy on average: 600 agents are never all
    // busy (P(Poisson(300) ≥ 600) < 1e-50).
    let agents = 600;
    let laws = [
        ("exponential", Dist::Exponential { mean: 5.0 }),
        ("constant", Dist::Constant { value: 5.0 }),
    ];
    let mut checks = Vec::new();
    for (i, (law, service)) in laws.iter().enumerate() {
        let q = Queue {
            lambda: 1.0, // replaced by the piecewise rates below
            agents,
            slots: 1,
            channel: "voice",
            speed: 1.0,
            service: service.clone(),
            patience: None,
            wrap_up: None,
            threshold: None,
            horizon: len * rates.len() as f64,
            warm_up: 0.0,
        };
        let mut s = single_queue(&q, 600 + i as u64).scenario().clone();
        s.interval = Some(len);
        s.contact_types[0].arrivals = ArrivalSpec::Piecewise {
            interval: len,
            rates: rates.to_vec(),
        };
        let reps = run(&Simulation::new(s).expect("valid scenario"));
        for j in 0..rates.len() {
            let (a, b) = (j as f64 * len, (j + 1) as f64 * len);
            let analytic = match service {
                Dist::Exponential { mean } => mt_m_inf_mean(&rates, len, 1.0 / mean, a, b),
                _ => mt_d_inf_mean(&rates, len, 5.0, a, b),
            };
            // Busy agents on average: the share of slots held times the
            // agents staffed (one slot each).
            check(
                &mut checks,
                format!("{law} service, interval {j}: busy"),
                &reps,
                |r| r.by_interval[j].utilisation * r.by_interval[j].agents,
                analytic,
            );
        }
    }
    verdict(&checks);
}
