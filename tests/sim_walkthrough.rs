//! What a researcher's walk-through of the simulator found: runs split into
//! tasks and merged, checked against what a single run gives.

use skillroute::sim::{PolicySpec, ReportError, Scenario, Simulation};

fn multiskill() -> Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sim/multiskill.toml"
    );
    Scenario::load(path).expect("loads")
}

/// Task files run with other parameters of a policy (here the bullseye's
/// steps, as `--set policy.steps=…` would give) are another experiment:
/// merging them under the scenario's own parameters must be refused, not
/// reported as that policy's run. The policy's name alone cannot tell them
/// apart, and the scenario key leaves the policy out.
#[test]
fn a_merge_refuses_replications_of_other_policy_parameters() {
    let file = Simulation::new(multiskill()).unwrap();
    let own = file.scenario().policy.clone();
    let mut changed = multiskill();
    changed
        .set("policy.steps", "[{ after = 1, relax = 9 }]")
        .unwrap();
    let other = Simulation::new(changed).unwrap();
    let theirs = other.scenario().policy.clone();
    assert_ne!(own, theirs);
    assert_eq!(own.name(), theirs.name());

    let n = file.scenario().replications;
    let run = |sim: &Simulation, spec: &PolicySpec| -> Vec<_> {
        (0..n)
            .map(|r| {
                let rep = sim.replicate_policy(spec, r).unwrap();
                // As a task writes it and a merge reads it back.
                serde_json::from_str(&serde_json::to_string(&rep).unwrap()).unwrap()
            })
            .collect()
    };
    let reps = run(&other, &theirs);
    // The same parameters merge, to the single run's replications.
    let merged = other
        .merge_tasks(std::slice::from_ref(&theirs), reps.clone(), 2)
        .unwrap();
    let json = |reps: &[skillroute::sim::Replication]| serde_json::to_string(reps).unwrap();
    assert_eq!(json(&merged[0]), json(&run(&other, &theirs)));
    // Other parameters do not.
    let e = file
        .merge_tasks(std::slice::from_ref(&own), reps.clone(), 2)
        .unwrap_err();
    assert!(matches!(e, ReportError::OtherPolicy { .. }), "{e:?}");
    assert!(e.to_string().contains("other parameters"), "{e}");
    assert!(e.to_string().contains("skill-expansion"), "{e}");
    // Another built-in, with the same defaults on both sides, merges.
    let lia = PolicySpec::LongestIdleAgent;
    let reps = run(&other, &lia);
    file.merge_tasks(std::slice::from_ref(&lia), reps, 2)
        .unwrap();
}
