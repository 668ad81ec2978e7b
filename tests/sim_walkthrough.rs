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

/// Segment weights are relative: `{ a = 1e308, b = 1e308 }` is the same
/// 50/50 mix as `{ a = 1, b = 1 }`. Their sum overflows to infinity, and each
/// share (`w / total`) was then 0: every contact was drawn into the last
/// segment, a silently wrong customer mix from a valid file.
#[test]
fn huge_segment_weights_keep_their_mix() {
    let base = r#"
        horizon = 36000.0
        skills = ["s"]
        [[groups]]
        name = "g"
        count = 50
        skills = { s = 5 }
        capacity = { voice = 1 }
        [[contact_types]]
        name = "t"
        channel = "voice"
        requires = { s = 1 }
        segments = { a = WEIGHT, b = WEIGHT }
        arrivals = { kind = "poisson", rate = 0.1 }
        service = { kind = "exponential", mean = 60.0 }
    "#;
    let offered = |w: &str| -> Vec<f64> {
        let s = Scenario::from_toml_str(&base.replace("WEIGHT", w)).unwrap();
        let sim = Simulation::new(s).unwrap();
        let r = sim
            .replicate_policy(&PolicySpec::LongestIdleAgent, 0)
            .unwrap();
        r.by_segment.iter().map(|m| m.offered).collect()
    };
    let unit = offered("1.0");
    assert!(unit[0] > 1000.0 && unit[1] > 1000.0, "{unit:?}");
    // The same customers, drawn into the same segments.
    assert_eq!(offered("1e308"), unit);
    assert_eq!(offered("1.7e308"), unit);
}

/// A shift open to the end of the run (`end = inf` in TOML) is valid, but
/// JSON has no infinity: `to_json_string` wrote `"end": null`, which
/// `from_json_str` refused, so the JSON form of a valid scenario (what the
/// Python `check` hands back) could not be read again. `null` now reads as
/// an open end, and the scenario comes back equal.
#[test]
fn an_open_ended_shift_survives_json() {
    let mut s = multiskill();
    // No trace file: the JSON is read from a string, with no directory.
    s.contact_types[3].arrivals = skillroute::sim::ArrivalSpec::Poisson { rate: 0.01 };
    s.groups[1].shifts = vec![skillroute::sim::Shift::new(600.0, f64::INFINITY)];
    Simulation::new(s.clone()).unwrap();
    let js = s.to_json_string();
    let mut back = Scenario::from_json_str(&js).expect("its own JSON loads");
    back.base_dir = s.base_dir.clone();
    assert_eq!(back, s);
    assert!(js.contains("\"end\": null"), "JSON has no infinity");
    // TOML has one, and keeps it.
    let mut back = Scenario::from_toml_str(&s.to_toml_string()).unwrap();
    back.base_dir = s.base_dir.clone();
    assert_eq!(back, s);
    // Other numbers are still checked: a null start is refused.
    let bad = js.replacen("\"start\": 600.0", "\"start\": null", 1);
    assert!(Scenario::from_json_str(&bad).is_err());
}

/// A log-normal of zero spread is a constant: it draws its mean, as
/// `Dist::least` (which the check for a drain that could never end reads)
/// says. It drew `exp(ln mean)` instead, an ulp off for most means (5 drew
/// 4.999999999999999, 10 drew 10.000000000000002): a ring of "10 s" timed
/// out against a time-out of 10.000000000000002 s that the load check had
/// passed as answerable, and a wait of exactly the threshold missed it.
#[test]
fn a_lognormal_of_zero_spread_draws_its_mean() {
    use rand::SeedableRng;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
    for mean in [3.0, 5.0, 7.0, 10.0, 20.0, 60.0, 0.1, 240.0] {
        let d = skillroute::sim::Dist::Lognormal { mean, sd: 0.0 };
        let s = d.sampler().unwrap();
        for _ in 0..3 {
            assert_eq!(s.sample(&mut rng), mean);
        }
    }
}

/// Every built-in policy's settings survive the scenario's JSON form.
/// Priority with aging's default is no maximum wait (`inf`), which JSON
/// writes `null`: the JSON of the default center under it, or of a tier
/// given no maximum, did not load again (invalid type: null, expected f64).
#[test]
fn every_policys_settings_survive_json() {
    let mut s = multiskill();
    s.contact_types[3].arrivals = skillroute::sim::ArrivalSpec::Poisson { rate: 0.01 };
    let mut aging = skillroute::PriorityAging::default();
    aging.max_wait.insert(skillroute::TierId(1), f64::INFINITY);
    aging.max_wait.insert(skillroute::TierId(2), 30.0);
    let mut policies = skillroute::sim::PolicySpec::builtins();
    policies.push(skillroute::sim::PolicySpec::PriorityAging(aging));
    for p in policies {
        s.policy = p;
        Simulation::new(s.clone()).unwrap();
        let js = s.to_json_string();
        let mut back = Scenario::from_json_str(&js)
            .unwrap_or_else(|e| panic!("{:?}: its own JSON loads: {e}", s.policy));
        back.base_dir = s.base_dir.clone();
        assert_eq!(back, s);
        let mut back = Scenario::from_toml_str(&s.to_toml_string()).unwrap();
        back.base_dir = s.base_dir.clone();
        assert_eq!(back, s);
    }
}

/// Priority with aging's maximum waits, written by hand in a scenario file:
/// tiers are the map's keys, which TOML and JSON write as text. Inside the
/// tagged `[policy]` table serde saw them only as text, and refused every
/// one ("invalid type: string \"1\", expected u8"): no file could set a
/// tier's maximum wait.
#[test]
fn maximum_waits_per_tier_load_from_a_file() {
    let base = std::fs::read_to_string("tests/data/sim/multiskill.toml")
        .unwrap()
        // read from a string, with no directory for a trace file
        .replacen(
            "{ kind = \"trace\", file = \"spanish-arrivals.csv\" }",
            "{ kind = \"poisson\", rate = 0.01 }",
            1,
        );
    let with = |policy: &str| {
        let toml = base.replacen(
            "kind = \"skill-expansion\"\nsteps = [{ after = 30, relax = 1 }, { after = 90, relax = 3 }]",
            policy,
            1,
        );
        assert_ne!(toml, base);
        Scenario::from_toml_str(&toml).map(|s| s.policy)
    };
    let got = with("kind = \"priority-aging\"\nmax_wait = { 1 = 30.0, 2 = inf }").unwrap();
    let mut want = skillroute::PriorityAging::default();
    want.max_wait.insert(skillroute::TierId(1), 30.0);
    want.max_wait.insert(skillroute::TierId(2), f64::INFINITY);
    assert_eq!(got, skillroute::sim::PolicySpec::PriorityAging(want));
    let err = with("kind = \"priority-aging\"\nmax_wait = { gold = 30.0 }").unwrap_err();
    assert!(
        err.to_string()
            .contains("tier \"gold\" is not a whole number"),
        "{err}"
    );
    let err = with("kind = \"priority-aging\"\nmax_wait = { 1 = 30.0, 01 = 60.0 }").unwrap_err();
    assert!(err.to_string().contains("tier 1 is given twice"), "{err}");
    let err = with("kind = \"priority-aging\"\nmax_wait = { 256 = 30.0 }").unwrap_err();
    assert!(err.to_string().contains("tier \"256\""), "{err}");
}
