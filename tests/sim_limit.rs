//! `max_in_system`: a runaway queue ends its replication with a typed error
//! naming the type whose arrivals outgrow service, where it used to grow
//! until the process was killed; a run that stays under the limit is the
//! same, bit for bit, whatever the limit.

use skillroute::sim::{
    DEFAULT_MAX_IN_SYSTEM, PolicySpec, RunOptions, Scenario, ScenarioError, SimError, Simulation,
};

/// "billing" brings 100 erlangs to 2 agents (a rate per hour typed as per
/// second, or near enough); "chat" is light and served by others.
const UNSTABLE: &str = r#"
horizon = 3600.0
replications = 2
skills = ["billing", "chat"]
[[groups]]
name = "billing-agents"
count = 2
skills = { billing = 5 }
capacity = { voice = 1 }
[[groups]]
name = "chat-agents"
count = 3
skills = { chat = 5 }
capacity = { chat = 2 }
[[contact_types]]
name = "chat"
channel = "chat"
requires = { chat = 1 }
arrivals = { kind = "poisson", rate = 0.01 }
service = { kind = "exponential", mean = 100.0 }
[[contact_types]]
name = "billing"
channel = "voice"
requires = { billing = 1 }
arrivals = { kind = "poisson", rate = 1.0 }
service = { kind = "exponential", mean = 100.0 }
"#;

fn multiskill() -> Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sim/multiskill.toml"
    );
    Scenario::load(path).expect("loads")
}

fn serial() -> RunOptions<'static> {
    RunOptions {
        parallel: false,
        ..RunOptions::default()
    }
}

#[test]
fn an_unstable_queue_is_a_typed_error_naming_the_type_and_the_field() {
    let mut s = Scenario::from_toml_str(UNSTABLE).expect("valid");
    s.set("max_in_system", "50").expect("sets");
    let sim = Simulation::new(s).expect("valid");
    for e in [
        sim.run().expect_err("unstable"),
        sim.replicate_policy(&PolicySpec::LongestIdleAgent, 1)
            .expect_err("unstable"),
    ] {
        let text = e.to_string();
        let SimError::InSystemLimit {
            field,
            time,
            limit,
            contact_type,
            of_type,
            offered_load,
            capacity,
            ..
        } = e
        else {
            panic!("not the limit: {e:?}");
        };
        assert_eq!(field, "max_in_system");
        assert_eq!(limit, 50);
        assert_eq!(contact_type, "billing");
        // Nearly all of the 50 are billing's; the odd chat may be served.
        assert!((45..=50).contains(&of_type), "{of_type}");
        // About 2 billing agents + 50 waiting at 1 a second.
        assert!(time > 20.0 && time < 200.0, "{time}");
        assert_eq!(offered_load, Some(100.0));
        assert_eq!(capacity, 2.0);
        for needle in [
            "max_in_system",
            "unstable",
            "\"billing\"",
            "per second",
            "100.0 erlangs",
        ] {
            assert!(text.contains(needle), "{needle:?} not in {text}");
        }
    }
}

#[test]
fn a_run_under_the_limit_is_the_same_whatever_the_limit() {
    let mut s = multiskill();
    assert_eq!(s.max_in_system, DEFAULT_MAX_IN_SYSTEM);
    let spec = s.policy.clone();
    let at_default = Simulation::new(s.clone()).expect("valid");
    let reps = at_default
        .replications_policy(&spec, serial())
        .expect("runs");
    let peak = reps.iter().map(|r| r.peak_contacts).max().expect("some") as u32;
    let report = at_default.report(&reps, 0.95).expect("reports");

    // A huge limit and one exactly at the peak give the same bytes, and
    // the replications merge with the default's (the key leaves it out).
    for limit in [u32::MAX, peak] {
        s.max_in_system = limit;
        let sim = Simulation::new(s.clone()).expect("valid");
        let other = sim.replications_policy(&spec, serial()).expect("runs");
        assert_eq!(
            sim.report(&other, 0.95).expect("reports").to_json(),
            report.to_json(),
            "limit {limit}"
        );
        at_default
            .merge(spec.name(), other)
            .expect("same scenario key");
    }
    // One fewer, and the busiest replication's peak arrival is refused.
    s.max_in_system = peak - 1;
    let sim = Simulation::new(s).expect("valid");
    let e = sim.replications_policy(&spec, serial()).expect_err("over");
    assert!(
        matches!(e, SimError::InSystemLimit { limit, .. } if limit == peak - 1),
        "{e:?}"
    );
}

#[test]
fn a_draining_run_is_held_to_the_limit_and_unaffected_under_it() {
    let mut s = multiskill();
    s.drain = true;
    let spec = s.policy.clone();
    let sim = Simulation::new(s.clone()).expect("valid");
    let reps = sim.replications_policy(&spec, serial()).expect("runs");
    let peak = reps.iter().map(|r| r.peak_contacts).max().expect("some") as u32;
    let report = sim.report(&reps, 0.95).expect("reports").to_json();

    s.max_in_system = peak;
    let at_peak = Simulation::new(s.clone()).expect("valid");
    let same = at_peak.run_policy(&spec, serial()).expect("runs");
    assert_eq!(same.to_json(), report);

    s.max_in_system = peak - 1;
    let under = Simulation::new(s).expect("valid");
    let e = under.run_policy(&spec, serial()).expect_err("over");
    assert!(matches!(e, SimError::InSystemLimit { .. }), "{e:?}");
}

#[test]
fn the_limit_is_validated_at_load() {
    let mut s = Scenario::from_toml_str(UNSTABLE).expect("valid");
    s.max_in_system = 0;
    let e = s.validate().expect_err("0");
    assert!(
        matches!(&e, ScenarioError::Invalid { field, .. } if field == "max_in_system"),
        "{e:?}"
    );
    let e = Scenario::from_toml_str(&format!("max_in_system = 0\n{UNSTABLE}")).expect_err("0");
    assert!(e.to_string().contains("max_in_system"), "{e}");

    // Negative, fractional or past u32 in JSON: refused where it stands
    // (the parser's message gives its line; the field once it names fields).
    let json = Scenario::from_toml_str(UNSTABLE)
        .expect("valid")
        .to_json_string();
    for bad in ["-1", "2.5", "5000000000", "\"many\""] {
        let text = json.replacen('{', &format!("{{\n  \"max_in_system\": {bad},"), 1);
        let e = Scenario::from_json_str(&text).expect_err(bad);
        let text = e.to_string();
        assert!(
            text.contains("max_in_system") || text.contains("line 2"),
            "{bad}: {text}"
        );
    }
    let text = json.replacen('{', "{\n  \"max_in_system\": 7,", 1);
    assert_eq!(
        Scenario::from_json_str(&text).expect("valid").max_in_system,
        7
    );

    // Left out when written back at the default, kept otherwise.
    let mut s = Scenario::from_toml_str(UNSTABLE).expect("valid");
    assert!(!s.to_toml_string().contains("max_in_system"));
    s.set("max_in_system", "1234").expect("sets");
    let back = Scenario::from_toml_str(&s.to_toml_string()).expect("valid");
    assert_eq!(back.max_in_system, 1234);
}

/// A limit reached in a stable center (a burst: here the limit is 1 and
/// the load under what the agents hold) is not blamed on an unstable
/// queue: the message says the center is stable and to raise the limit,
/// and counts in the singular.
#[test]
fn a_limit_reached_in_a_stable_center_says_raise_it() {
    let mut s = Scenario::from_toml_str(UNSTABLE).expect("valid");
    // 1 erlang of billing against 2 agents, 1 of chat against 6 slots.
    s.set("contact_types[billing].arrivals.rate", "0.01")
        .expect("sets");
    s.set("max_in_system", "1").expect("sets");
    let sim = Simulation::new(s).expect("valid");
    let e = sim.run().expect_err("a second contact arrives");
    let text = e.to_string();
    let SimError::InSystemLimit {
        offered_load,
        capacity,
        ..
    } = e
    else {
        panic!("not the limit: {e:?}");
    };
    assert!(offered_load.is_some_and(|l| l < capacity), "{text}");
    for needle in ["1 contact in the system", "stable", "raise max_in_system"] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    assert!(!text.contains("unstable"), "{text}");
}
