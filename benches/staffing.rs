//! Speed of the analytic staffing module: the inverses (smallest staffing
//! that meets a target) at n ≈ 100, 1,000 and 10,000 agents, and the forward
//! evaluations they are built from.
//!
//! ```text
//! cargo bench --bench staffing
//! ```
//!
//! The issue asks for the analytic inverse at n up to 10,000 in under a
//! millisecond.
//!
//! `sim_table` times the simulation-based search
//! ([`SimStaffing::staff`](skillroute::staffing::SimStaffing::staff)) on a
//! 48-interval day of a 4-skill center (`examples/data/staffing-center.toml`,
//! default search parameters): the issue asks for under a minute. It runs 10
//! samples of about 17–19 s each on a quiet machine (15.5 s without the
//! neighbour starts, 14.1 s at best; about 3 s before the search moved
//! agents between groups; see the `staffing::sim` module's "Cost"); to
//! time it
//! once instead:
//! `cargo run --release --example staffing -- --scenario examples/data/staffing-center.toml`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use skillroute::sim::Scenario;
use skillroute::staffing::{
    ErlangA, ErlangC, SimStaffing, Target, erlang_b, staff_erlang_a, staff_erlang_c,
};
use std::hint::black_box;
use std::time::Duration;

/// Offered loads (Erlangs) whose answers are n ≈ 100, 1,000 and 10,000 agents
/// for an 80 %-in-20-s target with 4-minute calls.
const LOADS: [f64; 3] = [88.0, 960.0, 9_870.0];
const MU: f64 = 1.0 / 240.0; // per second
const SL: Target = Target::ServiceLevel {
    fraction: 0.8,
    threshold: 20.0,
};

fn inverses(c: &mut Criterion) {
    let mut g = c.benchmark_group("inverse");
    for &a in &LOADS {
        let lambda = a * MU;
        let n = staff_erlang_c(lambda, MU, SL).unwrap();
        g.bench_with_input(BenchmarkId::new("erlang_c_sl", n), &lambda, |b, &l| {
            b.iter(|| staff_erlang_c(black_box(l), MU, SL).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("erlang_c_asa", n), &lambda, |b, &l| {
            b.iter(|| staff_erlang_c(black_box(l), MU, Target::Asa(10.0)).unwrap())
        });
        let theta = MU; // mean patience = mean handle time
        let n = staff_erlang_a(lambda, MU, theta, SL).unwrap();
        g.bench_with_input(BenchmarkId::new("erlang_a_sl", n), &lambda, |b, &l| {
            b.iter(|| staff_erlang_a(black_box(l), MU, theta, SL).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("erlang_a_abandon", n), &lambda, |b, &l| {
            b.iter(|| staff_erlang_a(black_box(l), MU, theta, Target::Abandonment(0.02)).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("erlang_a_asa", n), &lambda, |b, &l| {
            b.iter(|| staff_erlang_a(black_box(l), MU, theta, Target::Asa(10.0)).unwrap())
        });
        // patient customers (θ = μ/10): longer tail sums
        let n = staff_erlang_a(lambda, MU, theta / 10.0, SL).unwrap();
        g.bench_with_input(
            BenchmarkId::new("erlang_a_sl_patient", n),
            &lambda,
            |b, &l| b.iter(|| staff_erlang_a(black_box(l), MU, theta / 10.0, SL).unwrap()),
        );
    }
    g.finish();
}

fn forward(c: &mut Criterion) {
    let mut g = c.benchmark_group("forward");
    for &a in &LOADS {
        let lambda = a * MU;
        let n = staff_erlang_c(lambda, MU, SL).unwrap();
        g.bench_with_input(BenchmarkId::new("erlang_b", n), &a, |b, &a| {
            b.iter(|| erlang_b(black_box(a), n).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("erlang_c_new", n), &lambda, |b, &l| {
            b.iter(|| {
                ErlangC::new(black_box(l), MU, n)
                    .unwrap()
                    .service_level(20.0)
            })
        });
        g.bench_with_input(BenchmarkId::new("erlang_a_new", n), &lambda, |b, &l| {
            b.iter(|| {
                ErlangA::new(black_box(l), MU, MU, n)
                    .unwrap()
                    .prob_abandon()
            })
        });
        let m = ErlangA::new(lambda, MU, MU, n).unwrap();
        g.bench_with_input(BenchmarkId::new("erlang_a_service_level", n), &m, |b, m| {
            b.iter(|| black_box(m).service_level(20.0))
        });
        g.bench_with_input(BenchmarkId::new("erlang_a_asa", n), &m, |b, m| {
            b.iter(|| black_box(m).asa())
        });
    }
    g.finish();
}

/// A 48-interval staffing table for a 4-skill center, by simulation.
fn sim_table(c: &mut Criterion) {
    let scenario = Scenario::from_toml_str(include_str!("../examples/data/staffing-center.toml"))
        .expect("the bundled scenario is valid");
    let search = SimStaffing::new();
    let mut g = c.benchmark_group("sim_table");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(1));
    g.measurement_time(Duration::from_secs(200));
    g.bench_function("48_intervals_4_skills", |b| {
        b.iter(|| search.staff(black_box(&scenario)).expect("staffs"))
    });
    g.finish();
}

criterion_group!(benches, inverses, forward, sim_table);
criterion_main!(benches);
