//! Simulation speed, in contacts per second (criterion's throughput), on one
//! core: whole replications, report included.
//!
//! * `mmn/longest-idle-agent`: M/M/100 at 95% load (λ = 95, μ = 1), 10,000 s,
//!   about 950,000 contacts — the shape `examples/mmn.rs` compares with SimPy
//!   and Ciw (issue goal: 100× SimPy's contacts per second).
//! * `default-center/<policy>`: one replication of the embedded multi-skill
//!   day (`examples/data/default-center.toml`, about 3,700 contacts) under
//!   each built-in policy (issue goal: 1,000,000 contacts per second under
//!   `optimal-assignment`).
//!
//! `cargo bench --bench sim`. Each replication's contact count is measured
//! first, untimed, and declared as the throughput.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use skillroute::sim::{PolicySpec, Scenario, Simulation};

fn mmn() -> Scenario {
    let mut s = Scenario::from_toml_str(
        r#"
name = "mmn"
seed = 1
horizon = 10000.0
warm_up = 1000.0
channels = ["voice"]
skills = ["s"]

[[groups]]
name = "agents"
count = 100
skills = { s = 1 }
capacity = { voice = 1 }

[[contact_types]]
name = "calls"
channel = "voice"
requires = { s = 1 }
arrivals = { kind = "poisson", rate = 95.0 }
service = { kind = "exponential", mean = 1.0 }
"#,
    )
    .expect("valid mmn scenario");
    s.replications = 1;
    s
}

fn bench_policy(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    sim: &Simulation,
    spec: &PolicySpec,
) {
    let run = |r: u32| sim.replicate_policy(spec, r);
    let contacts = run(0).expect("replication runs").arrived;
    g.throughput(Throughput::Elements(contacts));
    g.bench_function(spec.name(), |b| {
        b.iter(|| run(0).expect("replication runs"))
    });
}

fn sim_speed(c: &mut Criterion) {
    let mut g = c.benchmark_group("mmn");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));
    let sim = Simulation::new(mmn()).expect("valid");
    bench_policy(&mut g, &sim, &PolicySpec::LongestIdleAgent);
    g.finish();

    let mut g = c.benchmark_group("default-center");
    g.measurement_time(Duration::from_secs(5));
    let sc = Scenario::from_toml_str(include_str!("../examples/data/default-center.toml"))
        .expect("the bundled scenario is valid");
    let sim = Simulation::new(sc).expect("valid");
    for spec in PolicySpec::builtins() {
        bench_policy(&mut g, &sim, &spec);
    }
    g.finish();
}

criterion_group!(benches, sim_speed);
criterion_main!(benches);
