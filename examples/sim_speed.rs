//! Simulation speed: contacts simulated per second on one core, per policy.
//!
//! ```text
//! cargo run --release --example sim_speed -- [SCENARIO] [--reps K] [--policy NAME]
//! ```
//!
//! Runs replications `0..K` (default 5) of the scenario (default: the embedded
//! multi-skill center, `examples/data/default-center.toml`) one after the
//! other on one thread, under every built-in policy (or the one named), and
//! prints one JSON line per policy: the mean contacts (warm-up included) and
//! events of a replication, the median seconds of one, and the median of the
//! replications' own speeds (contacts / seconds) with their 10th and 90th
//! percentiles. Building the scenario is not timed; each replication is.
//!
//! The spread is there because this workplace's machines switch between a
//! fast and a slow phase every few tens of milliseconds (one replication of
//! the default day takes about 3 ms), the slow one about 1.6 times slower:
//! the median says which phase held most of the run, the percentiles show
//! both.

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
        let (mut secs, mut speeds) = (Vec::new(), Vec::new());
        let (mut contacts, mut events) = (0u64, 0u64);
        for r in 0..reps {
            let t = Instant::now();
            let rep = sim.replicate_policy(&spec, r);
            let s = t.elapsed().as_secs_f64();
            match rep {
                Ok(rep) => {
                    contacts += rep.arrived;
                    events += rep.events;
                    secs.push(s);
                    speeds.push(rep.arrived as f64 / s);
                }
                Err(e) => {
                    eprintln!("sim_speed: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        let at = |xs: &mut Vec<f64>, q: f64| {
            xs.sort_by(f64::total_cmp);
            xs[((xs.len() - 1) as f64 * q).round() as usize]
        };
        let k = u64::from(reps);
        println!(
            "{{\"policy\": \"{}\", \"contacts\": {}, \"events\": {}, \"median_seconds\": {:.4}, \"contacts_per_second\": {:.0}, \"contacts_per_second_p10\": {:.0}, \"contacts_per_second_p90\": {:.0}}}",
            spec.name(),
            contacts / k,
            events / k,
            at(&mut secs, 0.5),
            at(&mut speeds, 0.5),
            at(&mut speeds, 0.1),
            at(&mut speeds, 0.9),
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
