//! An M/M/n queue (M/M/n+M with `--abandon-rate`) through the simulator and
//! the router, printing one JSON line in the same shape as the peers'
//! `mmn_simpy.py` and `mmn_ciw.py` (see `shared/peers/README.md`):
//!
//! ```text
//! cargo run --release --example mmn -- --arrival-rate 95 --service-rate 1 --agents 100 --horizon 20000 [--abandon-rate 0.5] [--seed 1]
//! ```
//!
//! The scenario is built in code: one skill, one group of `N` agents, one
//! voice contact type, the longest-idle-agent policy, the same engine as any
//! other scenario. Statistics cover contacts arriving after the first 10% of
//! the horizon; `seconds` times the simulation alone. `contacts` counts the
//! contacts that arrived in the whole run, warm-up included; SimPy's script
//! counts those that left its queue (answered or abandoned), Ciw's those
//! served to the end or abandoned: in a stable queue they differ by the few
//! contacts in the system at the horizon (about 100 of 1.9 million at the
//! figures' parameters), in an unstable one by the backlog, so compare
//! speeds on stable queues.

use std::collections::BTreeMap;
use std::time::Instant;

use skillroute::LongestIdleAgent;
use skillroute::sim::{
    ArrivalSpec, ContactTypeSpec, Dist, GroupSpec, PolicySpec, Scenario, Simulation,
};

mod mmn_args;

fn main() {
    let a = mmn_args::MmnArgs::parse("mmn");

    let scenario = Scenario {
        day_start: None,
        name: "mmn".into(),
        seed: a.seed,
        horizon: a.horizon,
        warm_up: 0.1 * a.horizon,
        replications: 1,
        interval: None,
        drain: false,
        rebalance_every: None,
        batch_window: false,
        channels: vec!["voice".into()],
        skills: vec!["s".into()],
        groups: vec![GroupSpec {
            name: "agents".into(),
            count: a.agents,
            skills: BTreeMap::from([("s".into(), 1)]),
            capacity: BTreeMap::from([("voice".into(), 1)]),
            total_capacity: None,
            speed: 1.0,
            shifts: vec![],
        }],
        contact_types: vec![ContactTypeSpec {
            name: "calls".into(),
            channel: "voice".into(),
            requires: BTreeMap::from([("s".into(), 1)]),
            priority: 0,
            tier: 0,
            segments: BTreeMap::new(),
            arrivals: ArrivalSpec::Poisson {
                rate: a.arrival_rate,
            },
            service: Dist::Exponential {
                mean: 1.0 / a.service_rate,
            },
            patience: (a.abandon_rate > 0.0).then(|| Dist::Exponential {
                mean: 1.0 / a.abandon_rate,
            }),
            wrap_up: None,
            service_level: None,
            self_service: None,
            dialer: None,
        }],
        policy: PolicySpec::LongestIdleAgent,
        router: Default::default(),
        service_levels: Default::default(),
        offers: Default::default(),
        fit: None,
        outcomes: None,
        expected_wait: false,
        max_in_system: skillroute::sim::DEFAULT_MAX_IN_SYSTEM,
        base_dir: None,
    };
    let sim = match Simulation::new(scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mmn: {e}");
            std::process::exit(2)
        }
    };
    let start = Instant::now();
    let rep = match sim.replicate(LongestIdleAgent, 0) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mmn: {e}");
            std::process::exit(1)
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    // The peers' key order and separators (Python's json.dumps).
    let num = |x: f64| serde_json::to_string(&x).unwrap_or_else(|_| "null".into());
    println!(
        "{{\"tool\": \"skillroute\", \"contacts\": {}, \"seconds\": {}, \"contacts_per_second\": {}, \"p_wait\": {}, \"p_abandon\": {}, \"mean_wait_served\": {}}}",
        rep.arrived,
        num((seconds * 1e4).round() / 1e4),
        (rep.arrived as f64 / seconds).round() as u64,
        num(rep.total.p_wait),
        num(rep.total.p_abandon),
        num(rep.total.asa),
    );
}
