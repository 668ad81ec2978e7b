//! Simulation speed: contacts simulated per second on one core, per policy.
//!
//! ```text
//! cargo run --release --example sim_speed -- [SCENARIO] [--reps K] [--policy NAME]
//! ```
//!
//! Runs replications `0..K` (default 5) of the scenario (default: the embedded
//! multi-skill center, `examples/data/default-center.toml`) one after the
//! other on one thread, under every built-in policy (or the one named), and
//! prints one JSON line per policy: contacts (warm-up included), events, the
//! median seconds of one replication, and contacts per second at that median.
//! Building the scenario is not timed; each replication is.

use std::process::ExitCode;
use std::time::Instant;

use skillroute::sim::{PolicySpec, Scenario, Simulation};

const DEFAULT: &str = include_str!("data/default-center.toml");

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut file, mut reps, mut only) = (None, 5u32, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => match args.next().and_then(|v| v.parse().ok()) {
                Some(k) if k > 0 => reps = k,
                _ => return usage(),
            },
            "--policy" => match args.next() {
                Some(p) => only = Some(p),
                None => return usage(),
            },
            f if !f.starts_with('-') => file = Some(f.to_string()),
            _ => return usage(),
        }
    }
    if only
        .as_deref()
        .is_some_and(|o| !PolicySpec::builtins().iter().any(|s| s.name() == o))
    {
        return usage();
    }
    let scenario = match &file {
        Some(f) => Scenario::load(f),
        None => Scenario::from_toml_str(DEFAULT),
    };
    let sim = match scenario.and_then(Simulation::new) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sim_speed: {e}");
            return ExitCode::from(2);
        }
    };
    for spec in PolicySpec::builtins() {
        if only.as_deref().is_some_and(|o| o != spec.name()) {
            continue;
        }
        let mut secs = Vec::new();
        let (mut contacts, mut events) = (0, 0);
        for r in 0..reps {
            let t = Instant::now();
            let rep = sim.replicate_policy(&spec, r);
            secs.push(t.elapsed().as_secs_f64());
            match rep {
                Ok(rep) => {
                    contacts = rep.arrived;
                    events = rep.events;
                }
                Err(e) => {
                    eprintln!("sim_speed: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        secs.sort_by(f64::total_cmp);
        let median = secs[secs.len() / 2];
        println!(
            "{{\"policy\": \"{}\", \"contacts\": {contacts}, \"events\": {events}, \"median_seconds\": {median:.4}, \"contacts_per_second\": {:.0}}}",
            spec.name(),
            contacts as f64 / median
        );
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    let names: Vec<_> = PolicySpec::builtins().iter().map(|s| s.name()).collect();
    eprintln!(
        "usage: sim_speed [SCENARIO] [--reps K] [--policy NAME]   (NAME: {})",
        names.join(", ")
    );
    ExitCode::from(2)
}
