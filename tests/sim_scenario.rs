//! Scenario loading: TOML and JSON files, traces, and errors that name the
//! field at fault. Nothing runs on a half-valid scenario.

use skillroute::sim::{PolicySpec, Scenario, ScenarioError, Simulation, TraceWriter};

const BASE: &str = r#"
horizon = 3600.0
skills = ["billing", "tech"]

[[groups]]
name = "a"
count = 3
skills = { billing = 5, tech = 2 }
capacity = { voice = 1, chat = 2 }

[[contact_types]]
name = "bill"
channel = "voice"
requires = { billing = 3 }
arrivals = { kind = "poisson", rate = 0.01 }
service = { kind = "exponential", mean = 100.0 }
"#;

/// The base scenario with `from` replaced by `to` (which must occur).
fn with(from: &str, to: &str) -> Result<Scenario, ScenarioError> {
    assert!(BASE.contains(from), "{from}");
    Scenario::from_toml_str(&BASE.replacen(from, to, 1))
}

fn field_of(e: &ScenarioError) -> &str {
    match e {
        ScenarioError::Invalid { field, .. }
        | ScenarioError::UnknownSkill { field, .. }
        | ScenarioError::UnknownChannel { field, .. }
        | ScenarioError::EmptyGroup { field }
        | ScenarioError::UnknownSegment { field, .. }
        | ScenarioError::UnknownGroup { field, .. }
        | ScenarioError::Unservable { field, .. } => field,
        other => panic!("no field: {other}"),
    }
}

#[test]
fn the_base_is_valid() {
    let s = Scenario::from_toml_str(BASE).unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());
    Simulation::new(s).unwrap();
}

/// A group that starts work only at or after the horizon never logs in: the
/// group is a warning, and so is a type that only it could serve (valid all
/// the same: a staffing search keeps unstaffed groups that way); so are
/// arrival rates that stop before the horizon.
#[test]
fn what_never_happens_is_said() {
    let late = "capacity = { voice = 1, chat = 2 }\nshifts = [{ start = 3600.0, end = 7200.0 }]";
    let s = with("capacity = { voice = 1, chat = 2 }", late).unwrap();
    assert_eq!(
        s.warnings(),
        [
            "groups[0].shifts: group \"a\" starts work at 3600 s, at or after the horizon \
             (3600 s): its agents never work",
            "contact_types[0]: only a can serve \"bill\", and none works before the horizon: \
             none of its contacts is answered",
        ]
    );
    Simulation::new(s).unwrap();
    // A draining run starts no shift past the horizon: a later shift there
    // is said (the first one's warning says the group never works).
    let two = "capacity = { voice = 1, chat = 2 }\nshifts = [{ start = 0.0, end = 1800.0 }, \
               { start = 3600.0, end = 7200.0 }]";
    let s = with("capacity = { voice = 1, chat = 2 }", two).unwrap();
    let w = s.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("from 1800 s to 3600 s (00:30-01:00), after the last shift"),
        "{w:?}"
    );
    let mut s = with("capacity = { voice = 1, chat = 2 }", two).unwrap();
    s.drain = true;
    assert_eq!(
        s.warnings(),
        [
            "groups[0].shifts[1]: starts at 3600 s, at or after the horizon (3600 s): a draining \
             run does not start it (the center is closed; the agents on shift at the horizon \
             serve the contacts left)",
            "contact_types[0]: no agent able to serve \"bill\" is on shift from 1800 s to \
             3600 s (00:30-01:00), after the last shift, while about 50% of its arrivals \
             (18.0 expected a run) come: they are never answered",
        ]
    );
    // ... and indeed it does not: a contact waiting at the horizon for it
    // is still in the system when the run ends.
    s.set(
        "contact_types[0].arrivals",
        "{ kind = \"trace\", times = [2000.0] }",
    )
    .unwrap();
    let r = Simulation::new(s)
        .unwrap()
        .replicate(skillroute::LongestIdleAgent, 0)
        .unwrap();
    assert_eq!(
        (r.total.answered, r.total.waiting_at_end),
        (0.0, 1.0),
        "ended at {}",
        r.end_time
    );
    // One second earlier it works: only the wait for its shift is said.
    let early = late.replace("start = 3600.0", "start = 3599.0");
    let s = with("capacity = { voice = 1, chat = 2 }", &early).unwrap();
    let w = s.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("from 0 s to 3599 s (00:00-00:59:59), before the first shift"),
        "{w:?}"
    );

    // A second, idle group: valid, with a warning naming it.
    let text = format!(
        "{BASE}\n[[groups]]\nname = \"night\"\ncount = 2\nskills = {{ billing = 5 }}\n\
         capacity = {{ voice = 1 }}\nshifts = [{{ start = 4000.0, end = 9000.0 }}]\n"
    );
    let s = Scenario::from_toml_str(&text).unwrap();
    assert_eq!(
        s.warnings(),
        [
            "groups[1].shifts: group \"night\" starts work at 4000 s, at or after the horizon \
          (3600 s): its agents never work"
        ]
    );

    let s = with(
        "{ kind = \"poisson\", rate = 0.01 }",
        "{ kind = \"piecewise\", interval = 600.0, rates = [0.1, 0.2, 0.1, 0.2, 0.1] }",
    )
    .unwrap();
    assert_eq!(
        s.warnings(),
        [
            "contact_types[0].arrivals.rates: 5 rate(s) of 600 s cover 3000 s of the 3600 s \
          horizon: no \"bill\" contacts arrive after that"
        ]
    );
    let s = with(
        "{ kind = \"poisson\", rate = 0.01 }",
        "{ kind = \"piecewise\", interval = 600.0, rates = [0.1, 0.2, 0.1, 0.2, 0.1, 0.1] }",
    )
    .unwrap();
    assert!(s.warnings().is_empty());
    // 21 rates of 3600/21 s cover 3599.9999999999995 s: a rounding sliver,
    // not rates that end early.
    let rates = vec!["0.1"; 21].join(", ");
    let s = with(
        "{ kind = \"poisson\", rate = 0.01 }",
        &format!(
            "{{ kind = \"piecewise\", interval = {}, rates = [{rates}] }}",
            3600.0 / 21.0
        ),
    )
    .unwrap();
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());

    // A time-out on offers that never ring.
    let no_ring = "service = { kind = \"exponential\", mean = 100.0 }\n[offers]\ntimeout = 10.0";
    let s = with(
        "service = { kind = \"exponential\", mean = 100.0 }",
        no_ring,
    )
    .unwrap();
    assert_eq!(
        s.warnings(),
        [
            "offers.timeout: without offers.ring_delay every offer is answered at once, so none times out"
        ]
    );
}

/// What a ring delay rules out is said before anything runs: offers that
/// all time out, and targets that no staffing meets because the ring alone
/// (with its time-outs and the customers' patience) takes longer than the
/// threshold. The estimate (20,000 draws) is checked against the exact
/// share for an exponential ring: P(ring ≤ 20 s) = 1 − e^(−20/10).
#[test]
fn what_the_ring_rules_out_is_said() {
    let service = "service = { kind = \"exponential\", mean = 100.0 }";
    let ring = |offers: &str| with(service, &format!("{service}\n[offers]\n{offers}")).unwrap();

    let s = ring("ring_delay = { kind = \"constant\", value = 25.0 }");
    assert_eq!(
        s.warnings(),
        [
            "contact_types[0]: even with an agent free for every contact, about 0.0% of \"bill\" \
             would be answered within 20 s (the ring delay), below its target of 80%: no \
             staffing meets it"
        ]
    );
    let s = ring("ring_delay = { kind = \"constant\", value = 5.0 }\ntimeout = 5.0");
    // Said once: every target is then out of reach.
    assert_eq!(
        s.warnings(),
        [
            "offers.timeout: all of 20000 rings drawn from offers.ring_delay last 5 s or more: \
             (nearly) every offer times out and (nearly) no contact is answered"
        ]
    );
    // Most answered at the first ring, nearly all by the second: nothing said.
    let s = ring("ring_delay = { kind = \"exponential\", mean = 4.0 }\ntimeout = 12.0");
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
    let s = ring("ring_delay = { kind = \"exponential\", mean = 4.0 }\ntimeout = 2.0");
    let w = s.warnings();
    assert!(
        w[0].starts_with("offers.timeout: about 61% of offers ring 2 s or more"),
        "{w:?}"
    );

    // Exponential ring, mean 10 s: 86.47% within 20 s, under a 90% target.
    let strict = "[service_levels]\nvoice = { threshold = 20.0, fraction = 0.9 }";
    let s = ring(&format!(
        "ring_delay = {{ kind = \"exponential\", mean = 10.0 }}\n{strict}"
    ));
    let w = s.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    let share: f64 = w[0]
        .split("about ")
        .nth(1)
        .and_then(|r| r.split('%').next())
        .and_then(|x| x.parse().ok())
        .expect("a share");
    let exact = 100.0 * (1.0 - (-2.0f64).exp());
    assert!((share - exact).abs() < 1.0, "{share} vs {exact}");
    // At the default 80% it can be met: nothing said.
    let s = ring("ring_delay = { kind = \"exponential\", mean = 10.0 }");
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
}

/// A channel's target judges nothing when no contact type is on the
/// channel, or when every one there has its own target.
#[test]
fn a_target_that_judges_nothing_is_said() {
    let s = Scenario::from_toml_str(&format!(
        "{BASE}\n[service_levels]\nemail = {{ threshold = 3600.0, fraction = 0.9 }}\n"
    ))
    .unwrap();
    assert_eq!(
        s.warnings(),
        [
            "service_levels.email: no contact type is on channel \"email\": this target judges nothing"
        ]
    );
    let own = "service = { kind = \"exponential\", mean = 100.0 }\n\
               service_level = { threshold = 30.0, fraction = 0.9 }\n\
               [service_levels]\nvoice = { threshold = 20.0, fraction = 0.8 }";
    let s = with("service = { kind = \"exponential\", mean = 100.0 }", own).unwrap();
    assert_eq!(
        s.warnings(),
        [
            "service_levels.voice: every contact type on channel \"voice\" has its own \
             service_level: this target judges nothing"
        ]
    );
}

#[test]
fn errors_name_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "billing = 5, tech = 2",
            "billing = 5, tehc = 2",
            "groups[0].skills.tehc",
        ),
        (
            "requires = { billing = 3 }",
            "requires = { biling = 3 }",
            "contact_types[0].requires.biling",
        ),
        (
            "rate = 0.01",
            "rate = -0.01",
            "contact_types[0].arrivals.rate",
        ),
        (
            "{ kind = \"poisson\", rate = 0.01 }",
            "{ kind = \"piecewise\", interval = 600.0, rates = [0.1, 0.2, -1.0] }",
            "contact_types[0].arrivals.rates[2]",
        ),
        ("count = 3", "count = 0", "groups[0].count"),
        // Loaded, two billion agents ran out of memory building them.
        ("count = 3", "count = 2000000000", "groups[0].count"),
        // A line break in a name would split its CSV rows.
        ("name = \"bill\"", "name = \"bi\\nll\"", "contact_types[0]"),
        ("name = \"a\"", "name = \"a\\tb\"", "groups[0]"),
        (
            "service = {",
            "segments = { \"gold\\r\" = 1.0 }\nservice = {",
            "contact_types[0].segments",
        ),
        (
            "requires = { billing = 3 }",
            "requires = { billing = 3, tech = 8 }",
            "contact_types[0]",
        ),
        (
            "channel = \"voice\"",
            "channel = \"email\"",
            "contact_types[0]",
        ),
        (
            "channel = \"voice\"",
            "channel = \"fax\"",
            "contact_types[0].channel",
        ),
        (
            "capacity = { voice = 1, chat = 2 }",
            "capacity = { voice = 1, pigeon = 2 }",
            "groups[0].capacity.pigeon",
        ),
        (
            "mean = 100.0",
            "mean = 0.0",
            "contact_types[0].service.mean",
        ),
        (
            "horizon = 3600.0",
            "horizon = 3600.0\nwarm_up = 4000.0",
            "warm_up",
        ),
        ("horizon = 3600.0", "horizon = -1.0", "horizon"),
        (
            "billing = 5, tech = 2",
            "billing = 11, tech = 2",
            "groups[0].skills.billing",
        ),
        (
            "capacity = { voice = 1, chat = 2 }",
            "capacity = { voice = 1 }\nshifts = [{ start = 0.0, end = 100.0 }, { start = 50.0, end = 200.0 }]",
            "groups[0].shifts[1].start",
        ),
        (
            "service = { kind = \"exponential\", mean = 100.0 }",
            "service = { kind = \"exponential\", mean = 100.0 }\npatience = { kind = \"gamma\", shape = 1.0, scale = -3.0 }",
            "contact_types[0].patience.scale",
        ),
        (
            "service = { kind = \"exponential\", mean = 100.0 }",
            "service = { kind = \"exponential\", mean = 100.0 }\n[router]\nauto_accept = true\n[offers]\nring_delay = { kind = \"constant\", value = 2.0 }",
            "router.auto_accept",
        ),
        (
            "service = { kind = \"exponential\", mean = 100.0 }",
            "service = { kind = \"exponential\", mean = 100.0 }\n[offers]\nring_delay = { kind = \"constant\", value = 2.0 }\nrona_pause = { kind = \"constant\", value = 60.0 }",
            "offers.rona_pause",
        ),
        (
            "service = { kind = \"exponential\", mean = 100.0 }",
            "service = { kind = \"exponential\", mean = 100.0 }\n[offers]\nring_delay = { kind = \"constant\", value = 2.0 }\ntimeout = 10.0\nrona_pause = { kind = \"exponential\", mean = -60.0 }",
            "offers.rona_pause.mean",
        ),
        (
            "horizon = 3600.0",
            "horizon = 3600.0\nday_start = \"25:00\"",
            "day_start",
        ),
        (
            "service = { kind = \"exponential\", mean = 100.0 }",
            "service = { kind = \"exponential\", mean = 100.0 }\nservice_level = { threshold = 15.0, fraction = 1.5 }",
            "contact_types[0].service_level.fraction",
        ),
        (
            "service = { kind = \"exponential\", mean = 100.0 }",
            "service = { kind = \"exponential\", mean = 100.0 }\nservice_level = { threshold = -1.0, fraction = 0.9 }",
            "contact_types[0].service_level.threshold",
        ),
        // A rate bringing more than 1e12 contacts in a replication: such a
        // run would not end in any useful time, and past about 1e15
        // arrivals per horizon the arrival clock stops advancing in `f64`
        // (`rate = 1e300` hung the run).
        (
            "rate = 0.01",
            "rate = 1e300",
            "contact_types[0].arrivals.rate",
        ),
        (
            "rate = 0.01",
            "rate = 3e8",
            "contact_types[0].arrivals.rate",
        ),
        (
            r#"arrivals = { kind = "poisson", rate = 0.01 }"#,
            r#"arrivals = { kind = "piecewise", interval = 1800.0, rates = [0.01, 1e15] }"#,
            "contact_types[0].arrivals.rates[1]",
        ),
        // The horizon is bounded by the router's clock (`TIME_LIMIT`).
        ("horizon = 3600.0", "horizon = 2e12", "horizon"),
        // A group named "all" would share its fairness row's name with the
        // row of all agents.
        ("name = \"a\"", "name = \"all\"", "groups[0].name"),
    ];
    // 2.7e8/s over an hour is just under the bound on arrivals: it loads.
    Simulation::new(with("rate = 0.01", "rate = 2.7e8").unwrap()).unwrap();
    for &(from, to, field) in cases {
        let e = with(from, to).expect_err(to);
        assert_eq!(field_of(&e), field, "{to}: {e}");
        assert!(
            e.to_string().contains(field),
            "the message names the field: {e}"
        );
    }
    assert!(matches!(
        with("count = 3", "count = 0"),
        Err(ScenarioError::EmptyGroup { .. })
    ));
    // An unknown name comes with the names the file declares: the typo shows.
    let e = with("requires = { billing = 3 }", "requires = { biling = 3 }").unwrap_err();
    assert_eq!(
        e.to_string(),
        "contact_types[0].requires.biling: unknown skill \"biling\" \
         (the scenario's skills: billing, tech)"
    );
    let e = with("channel = \"voice\"", "channel = \"fax\"").unwrap_err();
    assert!(
        e.to_string()
            .ends_with("unknown channel \"fax\" (the scenario's channels: voice, chat, messaging, email, social)"),
        "{e}"
    );
    // A long list is cut short, saying how much is left out.
    let many: Vec<String> = (0..25).map(|i| format!("\"s{i}\"")).collect();
    let text = BASE
        .replacen(
            "skills = [\"billing\", \"tech\"]",
            &format!("skills = [\"billing\", \"tech\", {}]", many.join(", ")),
            1,
        )
        .replacen("requires = { billing = 3 }", "requires = { biling = 3 }", 1);
    let e = Scenario::from_toml_str(&text).unwrap_err().to_string();
    assert!(
        e.ends_with("(the scenario's skills: billing, tech, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17 and 7 more)"),
        "{e}"
    );
    assert!(matches!(
        with("requires = { billing = 3 }", "requires = { billing = 3, tech = 8 }"),
        Err(ScenarioError::Unservable { contact_type, .. }) if contact_type == "bill"
    ));
}

#[test]
fn typos_and_bad_syntax_fail_to_parse() {
    let e = with("horizon = 3600.0", "horizn = 3600.0").unwrap_err();
    assert!(
        matches!(e, ScenarioError::Parse { format: "TOML", .. }),
        "{e}"
    );
    let e = with("count = 3", "count = 3\nsped = 2.0").unwrap_err();
    assert!(e.to_string().contains("sped"), "{e}");
    let e = Scenario::from_json_str("{\"horizon\": 10").unwrap_err();
    assert!(
        matches!(e, ScenarioError::Parse { format: "JSON", .. }),
        "{e}"
    );
    let e = Scenario::load("/nonexistent/scenario.toml").unwrap_err();
    assert!(matches!(e, ScenarioError::Io { .. }), "{e}");
}

#[test]
fn toml_and_json_files_load_the_same_scenario() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sim");
    let toml = Scenario::load(format!("{dir}/multiskill.toml")).unwrap();
    assert_eq!(toml.groups.len(), 3);
    assert_eq!(toml.contact_types.len(), 4);
    // JSON written next to the trace file, read back through the .json loader.
    let tmp = std::env::temp_dir().join(format!("skillroute-sim-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::copy(
        format!("{dir}/spanish-arrivals.csv"),
        tmp.join("spanish-arrivals.csv"),
    )
    .unwrap();
    std::fs::write(tmp.join("multiskill.json"), toml.to_json_string()).unwrap();
    let mut json = Scenario::load(tmp.join("multiskill.json")).unwrap();
    assert_eq!(json.base_dir.as_deref(), Some(tmp.as_path()));
    json.base_dir = toml.base_dir.clone();
    assert_eq!(json, toml);
    // Both run to the same numbers.
    let a = Simulation::new(toml).unwrap().run().unwrap().to_json();
    let b = Simulation::new(json).unwrap().run().unwrap().to_json();
    assert!(a == b, "TOML and JSON scenarios ran differently");
    std::fs::remove_dir_all(&tmp).ok();
}

/// The base with its type named `name`, and a second type, `other`: both
/// read their arrivals from the trace `file`, each its own rows.
fn two_types_reading(file: &std::path::Path, name: &str) -> Result<Scenario, ScenarioError> {
    let file = format!("{{ kind = \"trace\", file = {file:?} }}");
    let other = format!(
        "\n[[contact_types]]\nname = \"other\"\nchannel = \"voice\"\nrequires = {{ billing = 1 }}\n\
         arrivals = {file}\nservice = {{ kind = \"constant\", value = 10.0 }}\n"
    );
    let text = BASE.replacen("name = \"bill\"", &format!("name = {name:?}"), 1) + &other;
    Scenario::from_toml_str(&text.replacen("{ kind = \"poisson\", rate = 0.01 }", &file, 1))
}

#[test]
fn traces_are_read_and_checked() {
    let dir = std::env::temp_dir().join(format!("skillroute-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        ("ok.csv", "time,type\n1.5,bill\n2.0,other\n7.25,bill\n"),
        // A byte-order mark, a comment before the header: both fine.
        (
            "bom.csv",
            "\u{feff}# exported\ntime,type\n1.5,bill\n2.0,other\n7.25,bill\n",
        ),
        ("bad.csv", "time,type\n1.5,bill\nsoon,bill\n"),
        ("unsorted.csv", "3.0\n1.0\n"),
        // Each type's rows in order; the file as a whole need not be.
        ("mixed.csv", "5.0,other\n1.0,bill\n9.0,bill\n4.0,bill\n"),
        // Fields in quotes, as CSV has them, spaces around them or not.
        (
            "quoted.csv",
            "\"time\",\"type\"\n\"1.5\",\"bill\"\n2.0, \"other\" \n7.25,bill\n",
        ),
        // A typo'd type would lose its contacts without a word.
        ("typo.csv", "time,type\n1.5,bill\n2.0,Bill\n"),
        ("unclosed.csv", "1.5,\"bill\n"),
        ("after-quote.csv", "time,type\n1.5,\"bi\"ll\n"),
        // A malformed first row is not taken for a header.
        ("first.csv", "1O,bill\n2.0,bill\n"),
        ("negative.csv", "time\n-1.0\n"),
        // A row without a type in a file with a type column would be an
        // arrival of both types that read it: refused, either way round.
        ("untyped.csv", "time,type\n1.5,bill\n2.0\n3.0,other\n"),
        ("typed-late.csv", "1.5\n2.0,other\n"),
        // A header with a type column makes the file typed too.
        ("header-typed.csv", "time,type\n1.5\n2.0\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let trace = |file: &str| two_types_reading(&dir.join(file), "bill");
    for file in ["ok.csv", "bom.csv", "quoted.csv"] {
        let s = trace(file).unwrap();
        let r = Simulation::new(s)
            .unwrap()
            .replicate(skillroute::LongestIdleAgent, 0)
            .unwrap();
        assert_eq!(r.arrived, 3, "{file}");
        assert_eq!(r.by_type[0].offered, 2.0, "{file}: only this type's rows");
        assert_eq!(r.by_type[1].offered, 1.0, "{file}");
    }
    let message = |file: &str| {
        let e = trace(file).unwrap_err();
        assert_eq!(
            field_of(&e),
            "contact_types[0].arrivals.file",
            "{file}: {e}"
        );
        e.to_string()
    };
    assert!(message("bad.csv").contains(":3: \"soon\" is not a number"));
    let e = message("unsorted.csv");
    assert!(
        e.contains(":2: \"bill\"'s times must not decrease: 1 is before 3 (line 1)"),
        "{e}"
    );
    let e = message("mixed.csv");
    assert!(
        e.contains(":4: \"bill\"'s times must not decrease: 4 is before 9 (line 3)"),
        "{e}"
    );
    // Rows of a type the scenario does not have are not simulated: said,
    // with how many and where (each file once, though two types read it).
    // ("other" has no row in it: that is said too.)
    let said = |file: &str| {
        let w = trace(file).unwrap().warnings();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("contact_types[1].arrivals: the trace of \"other\" has no arrivals"),
            "{w:?}"
        );
        w[1].clone()
    };
    let w = said("typo.csv");
    assert!(w.starts_with("contact_types[0].arrivals.file: "), "{w}");
    assert!(
        w.ends_with("not simulated: \"Bill\" (1, first at line 3)"),
        "{w}"
    );
    for (file, said) in [
        (
            "unclosed.csv",
            ":1: a quoted field has no closing quote on its line",
        ),
        (
            "after-quote.csv",
            ":2: \"ll\" after a closing quote: a quoted field ends at its comma",
        ),
    ] {
        let e = message(file);
        assert!(e.contains(said), "{file}: {e}");
    }
    assert_eq!(trace("ok.csv").unwrap().warnings(), Vec::<String>::new());
    assert!(message("first.csv").contains(":1: \"1O\" is not a number"));
    assert!(message("negative.csv").contains(":2: time -1 is not finite and >= 0"));
    let e = message("untyped.csv");
    assert!(
        e.contains(":3: line 3 names no type but line 2 does"),
        "{e}"
    );
    let e = message("header-typed.csv");
    assert!(
        e.contains(":2: line 2 names no type but the header (line 1) has a type column"),
        "{e}"
    );
    let e = message("typed-late.csv");
    assert!(
        e.contains(":2: line 1 names no type but line 2 does"),
        "{e}"
    );
    // Inline times are checked and named by index; the file's come after them.
    let inline = |times: &str| {
        Scenario::from_toml_str(&BASE.replacen(
            "{ kind = \"poisson\", rate = 0.01 }",
            &format!(
                "{{ kind = \"trace\", times = {times}, file = {:?} }}",
                dir.join("unsorted.csv")
            ),
            1,
        ))
        .unwrap_err()
    };
    assert_eq!(
        field_of(&inline("[1.0, 0.5]")),
        "contact_types[0].arrivals.times[1]"
    );
    assert_eq!(
        field_of(&inline("[1.0, -2.0]")),
        "contact_types[0].arrivals.times[1]"
    );
    let e = message("missing.csv");
    assert!(
        e.contains("cannot read") && e.contains("missing.csv"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Arrival traces are read with the `csv` crate, and what csv-core does
/// otherwise than these files were read is kept as it was: a quote after
/// blanks still opens a quoted field (csv-core takes it for text, and
/// would split `"bill, EU"` at its comma), and errors name the file's own
/// line, counting the blank and comment lines that csv skips. A quote left
/// open, or text after a closing quote, in a column that is not read (a
/// third one) is an error naming its line, where it was not checked: csv
/// would read the lines after it into that column. The first error of a
/// file is the one said.
#[test]
fn trace_fields_are_read_as_csv() {
    let dir = std::env::temp_dir().join(format!("skillroute-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "blanks.csv",
            "time,type\n1.5, \"bill, EU\"\n2.0,\t\"bill, EU\" ,note\r\n3.0,other\r\n",
        ),
        (
            "lines.csv",
            "time,type\n\n# a note\n1.5,\"bill, EU\"\n\n   # \"open, indented\n\nsoon,other\n",
        ),
        (
            "lines-plain.csv",
            "time\n\n# a note\n  # indented\n1.0\n\nsoon\n",
        ),
        (
            "third-open.csv",
            "time,type,note\n1.5,other,\"open\n2.0,other,x\n",
        ),
        ("third-after.csv", "1.5,other,ok\n2.0,other,\"a\"b\n"),
        ("first-error.csv", "time,type\nsoon,other\n1.5,\"open\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let trace = |file: &str| two_types_reading(&dir.join(file), "bill, EU");
    let s = trace("blanks.csv").unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());
    let r = Simulation::new(s)
        .unwrap()
        .replicate(skillroute::LongestIdleAgent, 0)
        .unwrap();
    assert_eq!(r.by_type[0].offered, 2.0, "\"bill, EU\" read whole");
    assert_eq!(r.by_type[1].offered, 1.0);
    for (file, said) in [
        ("lines.csv", ":8: \"soon\" is not a number"),
        ("lines-plain.csv", ":7: \"soon\" is not a number"),
        (
            "third-open.csv",
            ":2: a quoted field has no closing quote on its line",
        ),
        (
            "third-after.csv",
            ":2: \"b\" after a closing quote: a quoted field ends at its comma",
        ),
        ("first-error.csv", ":2: \"soon\" is not a number"),
    ] {
        let e = trace(file).unwrap_err();
        assert_eq!(field_of(&e), "contact_types[0].arrivals.file", "{file}");
        assert!(e.to_string().contains(said), "{file}: {e}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A CSV line's fields as written, quotes and all: split at the commas
/// outside quotes.
fn raw_fields(line: &str) -> Vec<&str> {
    let (mut fields, mut start, mut quoted) = (Vec::new(), 0, false);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                fields.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(&line[start..]);
    fields
}

/// A type whose name holds a comma (and quotes): the named per-contact
/// trace writes it quoted, and an arrival trace made of that trace's
/// `arrival` and `contact_type` columns, as written, reads back to each
/// type's own arrivals. (Split at every comma, `"bill` would be a type the
/// scenario does not have, and `bill, "EU"` would get no arrivals.)
#[test]
fn a_type_name_with_a_comma_round_trips_through_trace_files() {
    // A comma and quotes; spaces at the ends, which an unquoted field
    // loses (it is trimmed).
    for (k, (named, quoted)) in [
        ("bill, \"EU\"", "\"bill, \"\"EU\"\"\""),
        (" bill ", "\" bill \""),
    ]
    .into_iter()
    .enumerate()
    {
        let types = |arrivals: &str| {
            let other = format!(
                "\n[[contact_types]]\nname = \"bill\"\nchannel = \"voice\"\n\
                 requires = {{ billing = 3 }}\narrivals = {arrivals}\n\
                 service = {{ kind = \"exponential\", mean = 100.0 }}\n"
            );
            let text = BASE.replacen("name = \"bill\"", &format!("name = {named:?}"), 1) + &other;
            let text = text.replacen("{ kind = \"poisson\", rate = 0.01 }", arrivals, 1);
            Simulation::new(Scenario::from_toml_str(&text).unwrap()).unwrap()
        };
        let sim = types("{ kind = \"poisson\", rate = 0.01 }");
        let mut w = TraceWriter::named(Vec::new(), &sim).unwrap();
        sim.replicate_policy_observed(&PolicySpec::LongestIdleAgent, 0, &mut w)
            .unwrap();
        let written = String::from_utf8(w.finish().unwrap()).unwrap();
        let mut rows: Vec<(f64, &str)> = written
            .lines()
            .skip(1)
            .map(|line| {
                let fields = raw_fields(line);
                assert_eq!(fields.len(), 13, "{line}");
                (fields[3].parse().unwrap(), fields[1])
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let count = |ty: &str| rows.iter().filter(|r| r.1 == ty).count() as f64;
        assert!(count(quoted) > 0.0 && count("bill") > 0.0, "{written}");
        assert_eq!(count(quoted) + count("bill"), rows.len() as f64);

        let dir = std::env::temp_dir().join(format!("skillroute-comma-{}-{k}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("arrivals.csv");
        let csv: String = rows.iter().map(|(t, ty)| format!("{t},{ty}\n")).collect();
        std::fs::write(&path, format!("time,type\n{csv}")).unwrap();
        let sim = types(&format!("{{ kind = \"trace\", file = {path:?} }}"));
        assert_eq!(sim.scenario().warnings(), Vec::<String>::new());
        let r = sim.replicate(skillroute::LongestIdleAgent, 0).unwrap();
        assert_eq!(r.by_type[0].offered, count(quoted), "{named}");
        assert_eq!(r.by_type[1].offered, count("bill"));
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// The base with two groups (`a`, `b`) and two segments (`standard`,
/// `gold`), and `extra` (a table) appended.
fn two_groups(extra: &str) -> Result<Scenario, ScenarioError> {
    let text = BASE
        .replacen(
            "requires = { billing = 3 }",
            "requires = { billing = 3 }\nsegments = { standard = 0.7, gold = 0.3 }",
            1,
        )
        .replacen(
            "[[contact_types]]",
            "[[groups]]\nname = \"b\"\ncount = 2\nskills = { billing = 5 }\ncapacity = { voice = 1 }\n\n[[contact_types]]",
            1,
        );
    Scenario::from_toml_str(&format!("{text}\n{extra}\n"))
}

#[test]
fn fit_tables_load_and_bad_ones_name_the_field() {
    let ok = two_groups("[fit]\ndefault = 0.25\nsegments = { gold = { b = 0.9, a = 0.1 } }")
        .expect("a valid fit table");
    let fit = ok.fit.as_ref().unwrap();
    assert_eq!(fit.default, 0.25);
    assert_eq!(fit.segments["gold"]["b"], 0.9);
    Simulation::new(ok.clone()).unwrap();
    // Round trips, TOML and JSON.
    assert_eq!(Scenario::from_toml_str(&ok.to_toml_string()).unwrap(), ok);
    assert_eq!(Scenario::from_json_str(&ok.to_json_string()).unwrap(), ok);
    // The segment of a type without a mix is `default`, and may be named.
    Scenario::from_toml_str(&format!(
        "{BASE}\n[fit]\nsegments = {{ default = {{ a = 1.0 }} }}\n"
    ))
    .expect("the default segment");

    let cases: &[(&str, &str)] = &[
        (
            "[fit]\nsegments = { golf = { b = 0.9 } }",
            "fit.segments.golf",
        ),
        (
            "[fit]\nsegments = { gold = { bb = 0.9 } }",
            "fit.segments.gold.bb",
        ),
        (
            "[fit]\nsegments = { gold = { b = 1.5 } }",
            "fit.segments.gold.b",
        ),
        (
            "[fit]\nsegments = { standard = { a = -0.1 } }",
            "fit.segments.standard.a",
        ),
        (
            "[fit]\nsegments = { gold = { a = nan } }",
            "fit.segments.gold.a",
        ),
        ("[fit]\ndefault = 2.0", "fit.default"),
        ("[fit]\ndefault = inf", "fit.default"),
    ];
    for &(extra, field) in cases {
        let e = two_groups(extra).expect_err(extra);
        assert_eq!(field_of(&e), field, "{extra}: {e}");
        assert!(e.to_string().contains(field), "the message names it: {e}");
    }
    assert!(matches!(
        two_groups("[fit]\nsegments = { golf = { b = 0.9 } }"),
        Err(ScenarioError::UnknownSegment { segment, .. }) if segment == "golf"
    ));
    assert!(matches!(
        two_groups("[fit]\nsegments = { gold = { bb = 0.9 } }"),
        Err(ScenarioError::UnknownGroup { group, .. }) if group == "bb"
    ));
    // A misspelt key inside the table does not parse.
    let e = two_groups("[fit]\ndefualt = 0.5").unwrap_err();
    assert!(
        matches!(e, ScenarioError::Parse { .. }) && e.to_string().contains("defualt"),
        "{e}"
    );
}

#[test]
fn rebalance_period_is_checked() {
    let s = with(
        "horizon = 3600.0",
        "horizon = 3600.0\nrebalance_every = 5.0",
    )
    .unwrap();
    assert_eq!(s.rebalance_every, Some(5.0));
    assert_eq!(Scenario::from_toml_str(&s.to_toml_string()).unwrap(), s);
    assert_eq!(Scenario::from_json_str(&s.to_json_string()).unwrap(), s);
    for bad in ["0.0", "-1.0", "nan", "inf", "1e-9"] {
        let e = with(
            "horizon = 3600.0",
            &format!("horizon = 3600.0\nrebalance_every = {bad}"),
        )
        .expect_err(bad);
        assert_eq!(field_of(&e), "rebalance_every", "{bad}: {e}");
    }
    // A batch window needs its length.
    let e = with("horizon = 3600.0", "horizon = 3600.0\nbatch_window = true").unwrap_err();
    assert_eq!(field_of(&e), "batch_window", "{e}");
    let s = with(
        "horizon = 3600.0",
        "horizon = 3600.0\nrebalance_every = 5.0\nbatch_window = true",
    )
    .unwrap();
    assert!(s.batch_window);
    assert_eq!(Scenario::from_toml_str(&s.to_toml_string()).unwrap(), s);
    assert_eq!(Scenario::from_json_str(&s.to_json_string()).unwrap(), s);
}

/// `Scenario::set`: what-if overrides by the paths that errors name.
#[test]
fn fields_are_set_by_their_paths() {
    let base = Scenario::from_toml_str(BASE).unwrap();
    let mut s = base.clone();
    s.set("groups[0].count", "7").unwrap();
    assert_eq!(s.groups[0].count, 7);
    s.set("groups[a].count", "8").unwrap(); // by name
    assert_eq!(s.groups[0].count, 8);
    // A name with dots is one name, not a path.
    let mut dotted = s.clone();
    dotted.groups[0].name = "team.a".into();
    dotted.set("groups[team.a].count", "9").unwrap();
    assert_eq!(dotted.groups[0].count, 9);
    s.set("seed", "99").unwrap();
    s.set("interval", "600.0").unwrap(); // optional, absent before
    s.set(
        "contact_types[bill].arrivals",
        "{ kind = \"poisson\", rate = 0.02 }",
    )
    .unwrap();
    s.set("policy.kind", "c-mu").unwrap(); // bare text is a string
    // Tables are made on the way (`service_levels` had no `voice`).
    s.set(
        "service_levels.voice",
        "{ threshold = 30.0, fraction = 0.9 }",
    )
    .unwrap();
    s.set("service_levels.voice.fraction", "0.85").unwrap();
    assert_eq!((s.seed, s.interval), (99, Some(600.0)));
    // A seed beyond TOML's integers (JSON and --seed take any u64) stays,
    // and does not stop other fields being set.
    let mut big = s.clone();
    big.seed = u64::MAX;
    big.set("groups[0].count", "6").unwrap();
    assert_eq!((big.seed, big.groups[0].count), (u64::MAX, 6));
    big.set("seed", "5").unwrap();
    assert_eq!(big.seed, 5);
    assert_eq!(
        serde_json::to_value(&s.contact_types[0].arrivals).unwrap(),
        serde_json::json!({"kind": "poisson", "rate": 0.02})
    );
    let sim = Simulation::new(s.clone()).unwrap();
    assert_eq!(sim.scenario().policy.name(), "c-mu");
    let text = s.to_toml_string();
    assert!(
        text.contains("fraction = 0.85") && text.contains("threshold = 30.0"),
        "{text}"
    );

    // Errors name the path and leave the scenario as it was.
    for (path, value, says) in [
        ("groups[3].count", "1", "groups has 1, numbered from 0"),
        ("groups[zz].count", "1", "none is named \"zz\""),
        ("groups[].count", "1", "is not name[index]"),
        ("seed.x", "1", "is not inside a table"),
        ("horizon", "\"long\"", "invalid type"),
        ("horizon", "1e400", "1e400 is too large for a number"),
        ("horizon", "-1e400", "-1e400 is too large for a number"),
        ("no_such_field", "1", "unknown field"),
        ("groups[0].cuont", "1", "unknown field"),
        ("", "1", "an empty field name"),
        (
            "service_levels.chat.fraction",
            "0.9",
            "missing field `threshold`",
        ),
    ] {
        let mut t = base.clone();
        let e = t.set(path, value).unwrap_err();
        assert!(
            matches!(&e, ScenarioError::Invalid { field, rule } if field == path && rule.contains(says)),
            "{path} = {value}: {e}"
        );
        assert_eq!(t, base, "{path}: unchanged");
    }
    // A value out of range is the validation's, naming the field.
    let mut t = base.clone();
    t.set("groups[0].count", "0").unwrap();
    let e = Simulation::new(t).unwrap_err().to_string();
    assert!(e.contains("groups[0].count"), "{e}");
}

/// A total capacity the channels cannot reach is said: utilisation divides
/// by it.
#[test]
fn an_unreachable_total_capacity_is_said() {
    let s = with(
        "capacity = { voice = 1, chat = 2 }",
        "capacity = { voice = 1, chat = 2 }\ntotal_capacity = 4",
    )
    .unwrap();
    let w = s.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("groups[0].total_capacity: 4 is more than group \"a\"'s channel capacities add up to (3)"), "{w:?}");
    let s = with(
        "capacity = { voice = 1, chat = 2 }",
        "capacity = { voice = 1, chat = 2 }\ntotal_capacity = 3",
    )
    .unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());
}

/// A draining run ends when its last contact leaves: with every ring longer
/// than the time-out, no contact is answered, and one without patience would
/// be offered again forever. Refused at load; with patience, or rings that
/// can beat the time-out, or without draining, it runs.
#[test]
fn a_drain_that_could_never_end_is_refused() {
    let offers = |ring: &str| format!("\n[offers]\nring_delay = {ring}\ntimeout = 15.0\n");
    let never = BASE.replacen("horizon = 3600.0", "horizon = 3600.0\ndrain = true", 1)
        + &offers("{ kind = \"constant\", value = 20.0 }");
    let e = Scenario::from_toml_str(&never).unwrap_err();
    assert_eq!(field_of(&e), "drain");
    assert!(e.to_string().contains("\"bill\" has no patience"), "{e}");
    let samples = BASE.replacen("horizon = 3600.0", "horizon = 3600.0\ndrain = true", 1)
        + &offers("{ kind = \"empirical\", samples = [15.0, 30.0] }");
    assert_eq!(
        field_of(&Scenario::from_toml_str(&samples).unwrap_err()),
        "drain"
    );
    for ok in [
        BASE.replacen("horizon = 3600.0", "horizon = 3600.0\ndrain = true", 1)
            + &offers("{ kind = \"empirical\", samples = [14.0, 30.0] }"),
        BASE.replacen("horizon = 3600.0", "horizon = 3600.0\ndrain = true", 1)
            .replacen(
                "service = {",
                "patience = { kind = \"exponential\", mean = 60.0 }\nservice = {",
                1,
            )
            + &offers("{ kind = \"constant\", value = 20.0 }"),
        BASE.to_string() + &offers("{ kind = \"constant\", value = 20.0 }"),
    ] {
        let s = Scenario::from_toml_str(&ok).unwrap();
        let r = Simulation::new(s)
            .unwrap()
            .replicate(skillroute::LongestIdleAgent, 0)
            .unwrap();
        assert!(r.arrived > 0);
    }
}

/// `day_start` reads as text, or as a TOML time written unquoted; other
/// kinds of value are refused with the form it must have.
#[test]
fn day_start_reads_a_toml_time_too() {
    for (line, want) in [
        ("day_start = \"08:00\"", Some("08:00")),
        ("day_start = 08:00:00", Some("08:00:00")),
        ("day_start = 07:30:15", Some("07:30:15")),
    ] {
        let s = with("horizon = 3600.0", &format!("horizon = 3600.0\n{line}")).unwrap();
        assert_eq!(s.day_start.as_deref(), want, "{line}");
        Simulation::new(s).unwrap();
    }
    for line in ["day_start = 8", "day_start = 2026-12-06"] {
        let e = with("horizon = 3600.0", &format!("horizon = 3600.0\n{line}")).unwrap_err();
        assert!(
            e.to_string().contains("day_start must be a time of day"),
            "{line}: {e}"
        );
    }
    let json = serde_json::to_string(&Scenario::from_toml_str(BASE).unwrap()).unwrap();
    let with_null = json.replacen('{', "{\"day_start\":null,", 1);
    let s: Scenario = serde_json::from_str(&with_null).unwrap();
    assert_eq!(s.day_start, None);
    let mut s = Scenario::from_toml_str(BASE).unwrap();
    s.set("day_start", "08:00:00").unwrap();
    assert_eq!(s.day_start.as_deref(), Some("08:00:00"));
}

/// Trace arrivals at or after the horizon are not simulated: said, with how
/// many, rather than dropped in silence.
#[test]
fn trace_arrivals_past_the_horizon_are_said() {
    let s = with(
        r#"arrivals = { kind = "poisson", rate = 0.01 }"#,
        r#"arrivals = { kind = "trace", times = [10.0, 3599.0, 3600.0, 7200.0] }"#,
    )
    .unwrap();
    let w = s.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("contact_types[0].arrivals: 2 of 4 trace arrivals of \"bill\""),
        "{w:?}"
    );
    let r = Simulation::new(s).unwrap().run().unwrap();
    assert_eq!(r.total.offered.mean, 2.0);
}

/// A policy parameter misspelt, or given to a policy that has none, was
/// ignored: `step` for `steps` ran the default steps, `nonidling` the
/// non-idling mode, without a word. Each is now an error naming it.
#[test]
fn a_policy_parameter_it_does_not_have_is_refused() {
    for (policy, wrong) in [
        (
            "kind = \"skill-expansion\"\nstep = [{ after = 5, relax = 1 }]",
            "step",
        ),
        (
            "kind = \"optimal-assignment\"\nnonidling = false",
            "nonidling",
        ),
        (
            "kind = \"longest-idle-agent\"\naging_per_second = 0.5",
            "aging_per_second",
        ),
        ("kind = \"c-mu\"\ncost_per_prio = 2.0", "cost_per_prio"),
    ] {
        let text = format!("{BASE}\n[policy]\n{policy}\n");
        let e = Scenario::from_toml_str(&text).unwrap_err();
        // Named by its path, as any policy field at fault is.
        assert!(
            matches!(&e, ScenarioError::Invalid { field, .. } if field == "policy")
                && e.to_string().contains(&format!("unknown field {wrong} (")),
            "{policy}: {e}"
        );
        let json = serde_json::to_string(&toml::from_str::<toml::Value>(&text).unwrap()).unwrap();
        let e = Scenario::from_json_str(&json).unwrap_err();
        assert!(e.to_string().contains(wrong), "{policy} (JSON): {e}");
    }
    // The parameters it has still load.
    for policy in [
        "kind = \"skill-expansion\"\nsteps = [{ after = 5, relax = 1 }]",
        "kind = \"optimal-assignment\"\nnon_idling = false",
        "kind = \"longest-idle-agent\"",
        "kind = \"priority-aging\"\naging_per_second = 0.1",
    ] {
        Scenario::from_toml_str(&format!("{BASE}\n[policy]\n{policy}\n"))
            .unwrap_or_else(|e| panic!("{policy}: {e}"));
    }
}

/// Shift times are seconds from the run's start. A clock time written
/// there (`"08:00"`, TOML's `08:00:00`) failed with serde's "expected
/// f64" or "invalid type: map", which did not say what the field wants;
/// now the error says it is seconds, not a clock time, and how far 08:00
/// is from midnight.
#[test]
fn a_clock_time_as_a_shift_says_shifts_are_seconds() {
    let cap = "capacity = { voice = 1, chat = 2 }";
    for shifts in [
        "shifts = [{ start = \"08:00\", end = 16200.0 }]",
        "shifts = [{ start = 0.0, end = \"12:30\" }]",
        "shifts = [{ start = 08:00:00, end = 16200.0 }]",
        "shifts = [{ start = 0.0, end = 12:30 }]",
    ] {
        let e = with(cap, &format!("{cap}\n{shifts}")).unwrap_err();
        let text = e.to_string();
        assert!(
            matches!(e, ScenarioError::Parse { .. })
                && text.contains("seconds from the run's start")
                && text.contains("not clock times"),
            "{shifts}: {e}"
        );
    }
    let e = with(
        cap,
        &format!("{cap}\nshifts = [{{ start = \"08:00\", end = 1.0 }}]"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("28800 s after midnight"), "{e}");
    // JSON: the same words; numbers and a null end (never) still load.
    let json = |shift: &str| {
        let mut v: serde_json::Value =
            serde_json::from_str(&Scenario::from_toml_str(BASE).unwrap().to_json_string()).unwrap();
        v["groups"][0]["shifts"] = serde_json::from_str(&format!("[{shift}]")).unwrap();
        Scenario::from_json_str(&v.to_string())
    };
    let e = json(r#"{ "start": "9:00", "end": null }"#).unwrap_err();
    assert!(e.to_string().contains("not clock times"), "{e}");
    let s = json(r#"{ "start": 600, "end": null }"#).unwrap();
    assert_eq!(s.groups[0].shifts[0].start, 600.0);
    assert_eq!(s.groups[0].shifts[0].end, f64::INFINITY);
    let s = with(
        cap,
        &format!("{cap}\nshifts = [{{ start = 0, end = 1800.5 }}]"),
    )
    .unwrap();
    assert_eq!(s.groups[0].shifts[0].end, 1800.5);
}

/// Hours written where seconds are meant, and rates per hour written as
/// per second, loaded and ran without a word: a shift of 8 to 16 seconds,
/// a day's profile of rates in a shorter run, 72 arrivals a second for 72
/// an hour. Each is now a warning naming the field.
#[test]
fn hours_for_seconds_are_said() {
    let cap = "capacity = { voice = 1, chat = 2 }";
    let s = with(cap, &format!("{cap}\nshifts = [{{ start = 8, end = 16 }}]")).unwrap();
    let w = s.warnings();
    assert!(
        w.iter()
            .any(|w| w.starts_with("groups[0].shifts[0]: lasts 8 s") && w.contains("not hours")),
        "{w:?}"
    );
    // A long shift, or a short run, is not said.
    let s = with(
        cap,
        &format!("{cap}\nshifts = [{{ start = 0, end = 3600 }}]"),
    )
    .unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());

    // A report interval of 30 s (meant as minutes) in an hour: 120 rows.
    let s = with("horizon = 3600.0", "horizon = 3600.0\ninterval = 30.0").unwrap();
    let w = s.warnings();
    assert!(
        w.iter().any(
            |w| w.starts_with("interval: report intervals of 30 s give 120 rows")
                && w.contains("not minutes")
        ),
        "{w:?}"
    );
    let s = with("horizon = 3600.0", "horizon = 3600.0\ninterval = 60.0").unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());
    let s = with("horizon = 3600.0", "horizon = 600.0\ninterval = 30.0").unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());

    let piecewise = "{ kind = \"piecewise\", interval = 1800.0, rates = [0.01, 0.02, 0.03] }";
    let s = with("{ kind = \"poisson\", rate = 0.01 }", piecewise).unwrap();
    let w = s.warnings();
    assert!(
        w.iter()
            .any(|w| w.starts_with("contact_types[0].arrivals.rates:")
                && w.contains("the last 1 are never used")),
        "{w:?}"
    );
    // Rates that end with the horizon are not said.
    let exact = "{ kind = \"piecewise\", interval = 1800.0, rates = [0.01, 0.02] }";
    let s = with("{ kind = \"poisson\", rate = 0.01 }", exact).unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());

    // 3 agents of one voice slot: 72 a second of 100 s work is 7200
    // erlangs; 0.2 a second is 20, heavy but not a unit's mistake.
    let s = with("rate = 0.01", "rate = 72").unwrap();
    let w = s.warnings();
    assert!(
        w.iter().any(|w| w.starts_with("contact_types[0].arrivals:")
            && w.contains("7200 erlangs")
            && w.contains("per second")),
        "{w:?}"
    );
    let s = with("rate = 0.01", "rate = 0.2").unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());
}

/// A trace file missing from the scenario file's directory said only
/// "cannot read", though a planner running from the project's root may
/// have written the path from there. The error now says where relative
/// paths are read from, and that the file is there from the working
/// directory.
#[test]
fn a_trace_path_from_the_working_directory_is_explained() {
    let tmp = std::env::temp_dir().join(format!("skillroute-cwd-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    // Integration tests run from the crate's root, where this path is.
    let rel = "tests/data/sim/spanish-arrivals.csv";
    assert!(std::path::Path::new(rel).exists());
    let text = BASE.replacen(
        "{ kind = \"poisson\", rate = 0.01 }",
        &format!("{{ kind = \"trace\", file = {rel:?} }}"),
        1,
    );
    let path = tmp.join("center.toml");
    std::fs::write(&path, &text).unwrap();
    let e = Scenario::load(&path).unwrap_err();
    let msg = e.to_string();
    assert_eq!(field_of(&e), "contact_types[0].arrivals.file", "{e}");
    assert!(
        msg.contains("read from the scenario file's directory")
            && msg.contains(&tmp.display().to_string())
            && msg.contains("is there from the working directory"),
        "{e}"
    );
    // A file that is nowhere gets the first hint only.
    std::fs::write(&path, text.replace(rel, "nowhere.csv")).unwrap();
    let msg = Scenario::load(&path).unwrap_err().to_string();
    assert!(
        msg.contains("nowhere.csv: no such file")
            && msg.contains("scenario file's directory")
            && !msg.contains("working directory"),
        "{msg}"
    );
    std::fs::remove_dir_all(&tmp).ok();
}

/// "No agent group can serve" left the planner to compare every group's
/// skills with the type's by hand: it now says what each group lacks.
#[test]
fn an_unservable_type_says_what_each_group_lacks() {
    let e = with("requires = { billing = 3 }", "requires = { billing = 8 }").unwrap_err();
    assert!(
        e.to_string()
            .contains("group \"a\" has billing at 5, needs 8"),
        "{e}"
    );
    let e = with("channel = \"voice\"", "channel = \"email\"").unwrap_err();
    assert!(e.to_string().contains("group \"a\" takes no email"), "{e}");
    let e = with(
        "skills = [\"billing\", \"tech\"]",
        "skills = [\"billing\", \"tech\", \"sales\"]",
    )
    .and_then(|_| {
        Scenario::from_toml_str(
            &BASE
                .replacen(
                    "skills = [\"billing\", \"tech\"]",
                    "skills = [\"billing\", \"tech\", \"sales\"]",
                    1,
                )
                .replacen("requires = { billing = 3 }", "requires = { sales = 1 }", 1),
        )
    })
    .unwrap_err();
    assert!(
        e.to_string().contains("group \"a\" lacks sales (needs 1)"),
        "{e}"
    );
}

/// TOML refuses a key given twice; JSON's parser kept the last without a
/// word, so a group's `"billing": 6, ..., "billing": 2`, edited by hand,
/// loaded at level 2. Now it is an error naming the key, in every table
/// of names.
#[test]
fn a_json_key_given_twice_is_refused() {
    let json = Scenario::from_toml_str(BASE).unwrap().to_json_string();
    for (from, to) in [
        ("\"billing\": 5,", "\"billing\": 5, \"billing\": 2,"),
        ("\"voice\": 1", "\"voice\": 1, \"voice\": 3"),
        ("\"billing\": 3", "\"billing\": 3, \"billing\": 9"),
        (
            "\"service_levels\": {}",
            "\"service_levels\": { \"voice\": { \"threshold\": 20.0, \"fraction\": 0.8 }, \
             \"voice\": { \"threshold\": 60.0, \"fraction\": 0.8 } }",
        ),
        (
            "\"service_levels\": {}",
            "\"service_levels\": {}, \"fit\": { \"segments\": { \"default\": { \"a\": 0.5, \"a\": 0.9 } } }",
        ),
        (
            "\"service_levels\": {}",
            "\"service_levels\": {}, \"fit\": { \"segments\": { \"default\": {}, \"default\": { \"a\": 0.9 } } }",
        ),
    ] {
        assert!(json.contains(from), "{from} in {json}");
        let text = json.replacen(from, to, 1);
        let e = Scenario::from_json_str(&text).unwrap_err();
        assert!(
            matches!(e, ScenarioError::Parse { .. }) && e.to_string().contains("is given twice"),
            "{to}: {e}"
        );
    }
    // Once each, as before.
    let text = json.replacen(
        "\"service_levels\": {}",
        "\"service_levels\": {}, \"fit\": { \"segments\": { \"default\": { \"a\": 0.9 } } }",
        1,
    );
    let s = Scenario::from_json_str(&text).unwrap();
    assert_eq!(s.fit.unwrap().segments["default"]["a"], 0.9);
}

/// A shift change with a gap (the early shift ending at 08:30, the late
/// one starting at 08:40) ran without a word: the calls of those minutes
/// waited or abandoned, and only the interval rows showed why. The gap is
/// now said, with its clock times; shifts that meet, a group on all day
/// beside them, or a center closing before the horizon, are not.
#[test]
fn a_gap_between_shifts_is_said() {
    let two = |early_end: f64, late_start: f64, extra: &str| {
        let groups = format!(
            "capacity = {{ voice = 1, chat = 2 }}\nshifts = [{{ start = 0.0, end = {early_end} }}]\n\
             [[groups]]\nname = \"late\"\ncount = 2\nskills = {{ billing = 5 }}\n\
             capacity = {{ voice = 1 }}\nshifts = [{{ start = {late_start}, end = 7200.0 }}]\n{extra}"
        );
        with("capacity = { voice = 1, chat = 2 }", &groups)
            .map(|mut s| {
                s.day_start = Some("08:00".into());
                s
            })
            .unwrap()
    };
    let w = two(1800.0, 2400.0, "").warnings();
    assert_eq!(
        w,
        [
            "contact_types[0]: no agent able to serve \"bill\" is on shift from 1800 s to 2400 s \
          (08:30-08:40) while its contacts arrive: they wait, or abandon, until a shift starts"
        ],
    );
    assert_eq!(two(1800.0, 1800.0, "").warnings(), Vec::<String>::new());
    // Closed from 1800 s: the late shift starts at the horizon, and the
    // stretch after the early one is no gap but the end of the day.
    let w = two(1800.0, 3600.0, "").warnings();
    assert_eq!(
        w[1..],
        [
            "contact_types[0]: no agent able to serve \"bill\" is on shift from 1800 s to \
             3600 s (08:30-09:00), after the last shift, while about 50% of its arrivals \
             (18.0 expected a run) come: they are never answered"
        ]
    );
    let all_day =
        "[[groups]]\nname = \"on\"\ncount = 1\nskills = { billing = 5 }\ncapacity = { voice = 1 }";
    assert_eq!(
        two(1800.0, 2400.0, all_day).warnings(),
        Vec::<String>::new()
    );
    // No arrivals in the gap: nothing to say.
    let mut s = two(1800.0, 2400.0, "");
    s.contact_types[0].arrivals = skillroute::sim::ArrivalSpec::Piecewise {
        interval: 1200.0,
        rates: vec![0.01, 0.0, 0.01],
    };
    assert_eq!(s.warnings(), Vec::<String>::new());
}

/// One field, one spelling: list elements by index, whatever the path
/// named them by; tables not there yet keep their names; a missing list
/// or element is `set`'s error.
#[test]
fn field_paths_are_spelled_one_way() {
    let cap = "capacity = { voice = 1, chat = 2 }";
    let second = "[[groups]]\nname = \"team.b\"\ncount = 1\nskills = { tech = 3 }";
    let s = with(cap, &format!("{cap}\n\n{second}\n{cap}")).unwrap();
    for path in [
        "groups[1].count",
        "groups[01].count",
        "groups[+1].count",
        "groups[team.b].count",
    ] {
        assert_eq!(s.field_path(path).unwrap(), "groups[1].count", "{path}");
    }
    assert_eq!(
        s.field_path("offers.rona_pause.value").unwrap(),
        "offers.rona_pause.value"
    );
    assert_eq!(s.field_path("seed").unwrap(), "seed");
    for path in [
        "groups[2].count",
        "groups[nobody].count",
        "groups[].count",
        "skills[0]x.y",
        "a..b",
    ] {
        let e = s.field_path(path).unwrap_err();
        let mut t = s.clone();
        let set = t.set(path, "1").unwrap_err();
        assert_eq!(e.to_string(), set.to_string(), "{path}");
    }
}

/// A distribution's field of the wrong type (`mean = "180"`), missing (a
/// lognormal without `sd`) or misspelt (`std`) failed with serde's words
/// ("invalid type: string \"180\", expected f64"), TOML's caret on the
/// whole table and JSON's column at its end: no field named. Each is now
/// an error naming the field by its path, as the validation names a value
/// out of range, in TOML, in JSON and through `set`, wherever a
/// distribution is (service, patience, wrap-up, ring delay, RONA pause).
#[test]
fn a_distribution_field_at_fault_is_named() {
    let places = [
        ("contact_types[0].service", "service"),
        ("contact_types[0].patience", "patience"),
        ("contact_types[0].wrap_up", "wrap_up"),
        ("offers.ring_delay", "ring_delay"),
        ("offers.rona_pause", "rona_pause"),
    ];
    let service = "service = { kind = \"exponential\", mean = 100.0 }";
    // The scenario with `key = dist` in the place named.
    let scenario = |key: &str, dist: &str| {
        if key.ends_with("_delay") || key.ends_with("_pause") {
            format!("{BASE}\n[offers]\ntimeout = 30.0\n{key} = {dist}\n")
        } else if key == "service" {
            BASE.replacen(service, &format!("service = {dist}"), 1)
        } else {
            BASE.replacen(service, &format!("{service}\n{key} = {dist}"), 1)
        }
    };
    let json = |toml_text: &str| {
        let v: toml::Value = toml::from_str(toml_text).unwrap();
        serde_json::to_string(&v).unwrap()
    };
    let cases: &[(&str, &str, &str)] = &[
        (
            "{ kind = \"lognormal\", mean = \"180\", sd = 60 }",
            "mean",
            "expected a number, found the string \"180\"",
        ),
        (
            "{ kind = \"lognormal\", mean = 180, sd = \"60\" }",
            "sd",
            "expected a number, found the string \"60\"",
        ),
        (
            "{ kind = \"exponential\", mean = \"180\" }",
            "mean",
            "expected a number, found the string \"180\"",
        ),
        (
            "{ kind = \"gamma\", shape = true, scale = 60.0 }",
            "shape",
            "expected a number, found the boolean true",
        ),
        (
            "{ kind = \"gamma\", shape = 2.0, scale = [60.0] }",
            "scale",
            "expected a number, found a list",
        ),
        (
            "{ kind = \"constant\", value = \"15\" }",
            "value",
            "expected a number, found the string \"15\"",
        ),
        (
            "{ kind = \"empirical\", samples = [1.0, \"2\"] }",
            "samples[1]",
            "expected a number, found the string \"2\"",
        ),
        (
            "{ kind = \"empirical\", samples = \"1, 2\" }",
            "samples",
            "expected a list of numbers, found the string \"1, 2\"",
        ),
        (
            "{ kind = \"lognormal\", mean = 180.0 }",
            "sd",
            "missing (kind \"lognormal\" needs mean and sd)",
        ),
        (
            "{ kind = \"gamma\", scale = 60.0 }",
            "shape",
            "missing (kind \"gamma\" needs shape and scale)",
        ),
        (
            "{ kind = \"lognormal\", mean = 180.0, std = 60.0 }",
            "std",
            "not a field of kind \"lognormal\" (its fields: mean and sd)",
        ),
        (
            "{ kind = \"exponential\", mean = 180.0, sd = 60.0 }",
            "sd",
            "not a field of kind \"exponential\" (its fields: mean)",
        ),
        (
            "{ kind = \"lognorm\", mean = 180.0, sd = 60.0 }",
            "kind",
            "unknown kind \"lognorm\": one of exponential, lognormal, gamma, constant or empirical",
        ),
        (
            "{ mean = 180.0 }",
            "kind",
            "missing: one of exponential, lognormal, gamma, constant or empirical",
        ),
    ];
    for &(place, key) in &places {
        for &(dist, at, rule) in cases {
            let text = scenario(key, dist);
            let want = format!("{place}.{at}: {rule}");
            for (form, e) in [
                ("TOML", Scenario::from_toml_str(&text).unwrap_err()),
                ("JSON", Scenario::from_json_str(&json(&text)).unwrap_err()),
            ] {
                assert!(
                    matches!(&e, ScenarioError::Invalid { field, .. } if *field == format!("{place}.{at}")),
                    "{form} {place} = {dist}: {e}"
                );
                assert_eq!(e.to_string(), want, "{form} {place} = {dist}");
            }
            // `set` names the field too, and leaves the scenario as it was.
            let base = Scenario::from_toml_str(BASE).unwrap();
            let mut s = base.clone();
            let e = s.set(place, dist).unwrap_err();
            assert_eq!(e.to_string(), want, "set {place} = {dist}");
            assert_eq!(s, base);
        }
        // Not a table at all: the distribution itself is named.
        let e = Scenario::from_toml_str(&scenario(key, "180.0")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{place}: expected a distribution, a table with a `kind` (exponential, \
                 lognormal, gamma, constant or empirical), found the number 180"
            )
        );
        // A TOML time (a clock time for a duration) is said as one.
        let e =
            Scenario::from_toml_str(&scenario(key, "{ kind = \"constant\", value = 00:03:00 }"))
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{place}.value: expected a number, found the date or time 00:03:00")
        );
        // Integers are numbers.
        let ok = scenario(key, "{ kind = \"lognormal\", mean = 180, sd = 60 }");
        let s = Scenario::from_toml_str(&ok).unwrap();
        assert_eq!(Scenario::from_json_str(&json(&ok)).unwrap(), s);
        let text = s.to_json_string();
        let s2 = Scenario::from_json_str(&text).unwrap();
        assert_eq!(s2, s);
    }
    let e = Scenario::from_json_str(&json(BASE).replacen(
        r#""mean":100.0"#,
        r#""mean":100.0,"mean":5.0"#,
        1,
    ))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "contact_types[0].service.mean: given twice",
        "{e}"
    );
    let null = json(&scenario(
        "patience",
        "{ kind = \"constant\", value = 5.0 }",
    ))
    .replacen(
        r#""patience":{"kind":"constant","value":5.0}"#,
        r#""patience":null"#,
        1,
    );
    assert!(null.contains(r#""patience":null"#), "{null}");
    assert_eq!(
        Scenario::from_json_str(&null).unwrap().contact_types[0].patience,
        None
    );
    let e = Scenario::from_json_str(&json(BASE).replacen(
        r#""service":{"kind":"exponential","mean":100.0}"#,
        r#""service":null"#,
        1,
    ))
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("contact_types[0].service: expected a distribution"),
        "{e}"
    );
    // A file whose parser stops first at a field outside any distribution
    // is told of that field, as the parser found it (with its line), not
    // of a bad distribution it did not reach (TOML reads a table's keys in
    // order of name, JSON in the file's: `horizon` before `offers` both).
    let two = scenario("ring_delay", "{ kind = \"constant\", value = \"5\" }").replacen(
        "horizon = 3600.0",
        "horizon = \"1h\"",
        1,
    );
    for (form, e) in [
        ("TOML", Scenario::from_toml_str(&two).unwrap_err()),
        ("JSON", Scenario::from_json_str(&json(&two)).unwrap_err()),
    ] {
        assert!(
            matches!(&e, ScenarioError::Parse { message, .. } if message.contains("\"1h\"")),
            "{form}: {e}"
        );
    }
}

/// An arrival process's or the policy's field of the wrong type
/// (`interval = "1800"`, `steps = [{ after = "30", relax = 1 }]`), an
/// unknown key (`rat`) or an unknown `kind` failed with serde's words
/// ("invalid type: string \"1800\", expected f64"), TOML's caret on the
/// whole table: no field named. Each is now named by its path, as a
/// distribution's field is, in TOML, in JSON and through `set`.
#[test]
fn an_arrival_or_policy_field_at_fault_is_named() {
    let arrivals = "arrivals = { kind = \"poisson\", rate = 0.01 }";
    let json = |toml_text: &str| {
        let v: toml::Value = toml::from_str(toml_text).unwrap();
        serde_json::to_string(&v).unwrap()
    };
    let policies = "longest-idle-agent, priority-aging, skill-expansion, c-mu, \
                    optimal-assignment or learned-fit";
    // (the scenario, the path set, the value set, the error)
    let cases: Vec<(String, &str, &str, String)> = vec![
        (
            "{ kind = \"piecewise\", interval = \"1800\", rates = [0.01, 0.02] }",
            "contact_types[0].arrivals.interval: expected a number, found the string \"1800\"",
        ),
        (
            "{ kind = \"poisson\", rate = \"0.5\" }",
            "contact_types[0].arrivals.rate: expected a number, found the string \"0.5\"",
        ),
        (
            "{ kind = \"piecewise\", interval = 1800, rates = [0.01, \"0.02\"] }",
            "contact_types[0].arrivals.rates[1]: expected a number, found the string \"0.02\"",
        ),
        (
            "{ kind = \"piecewise\", interval = 1800, rates = \"0.01\" }",
            "contact_types[0].arrivals.rates: expected a list, found the string \"0.01\"",
        ),
        (
            "{ kind = \"trace\", times = \"1, 2\" }",
            "contact_types[0].arrivals.times: expected a list, found the string \"1, 2\"",
        ),
        (
            "{ kind = \"trace\", times = [1, true] }",
            "contact_types[0].arrivals.times[1]: expected a number, found the boolean true",
        ),
        (
            "{ kind = \"trace\", file = 3 }",
            "contact_types[0].arrivals.file: expected a file path (a string), found the number 3",
        ),
        (
            "{ kind = \"poisson\", rat = 0.5 }",
            "contact_types[0].arrivals: unknown field rat (poisson takes rate)",
        ),
        (
            "{ rate = 0.5, kind = \"poison\" }",
            "contact_types[0].arrivals.kind: unknown kind \"poison\" (poisson, piecewise or trace)",
        ),
        (
            "{ rate = 0.5 }",
            "contact_types[0].arrivals.kind: missing: one of poisson, piecewise or trace",
        ),
        (
            "{ kind = \"poisson\" }",
            "contact_types[0].arrivals.rate: missing",
        ),
        (
            "0.5",
            "contact_types[0].arrivals: expected a table with a `kind`, found the number 0.5",
        ),
    ]
    .into_iter()
    .map(|(spec, want)| {
        (
            BASE.replacen(arrivals, &format!("arrivals = {spec}"), 1),
            "contact_types[0].arrivals",
            spec,
            want.to_string(),
        )
    })
    .chain(
        [
            (
                "{ kind = \"skill-expansion\", steps = [{ after = 10, relax = 1 }, { after = \"30\", relax = 2 }] }",
                "policy.steps[1].after: expected a number, whole and from 0 to 4294967295, \
                 found the string \"30\"",
            ),
            (
                "{ kind = \"skill-expansion\", steps = [{ after = 30, relax = 300 }] }",
                "policy.steps[0].relax: expected a number, whole and from 0 to 255, \
                 found the number 300",
            ),
            (
                "{ kind = \"skill-expansion\", steps = [{ after = 30 }] }",
                "policy.steps[0].relax: missing",
            ),
            // A misspelt key of a step was ignored (the step had no
            // `deny_unknown_fields`), and its default taken silently.
            (
                "{ kind = \"skill-expansion\", steps = [{ aftr = 30, after = 30, relax = 1 }] }",
                "policy.steps[0]: unknown field aftr (its fields: after and relax)",
            ),
            (
                "{ kind = \"skil-expansion\" }",
                "policy.kind: unknown policy \"skil-expansion\" (POLICIES)",
            ),
            (
                "{ kind = \"priority-aging\", tier_boost = \"2\" }",
                "policy.tier_boost: expected a number, found the string \"2\"",
            ),
            (
                "{ kind = \"priority-aging\", aging = 1.0 }",
                "policy: unknown field aging (priority-aging takes aging_per_second, \
                 tier_boost, max_wait and default_max_wait)",
            ),
            (
                "{ kind = \"c-mu\", cost_per_priority = [1] }",
                "policy.cost_per_priority: expected a number, found a list",
            ),
            (
                "{ kind = \"learned-fit\", max_exploration = \"0.1\" }",
                "policy.max_exploration: expected a number, found the string \"0.1\"",
            ),
            (
                "{ kind = \"learned-fit\", non_idling = 1 }",
                "policy.non_idling: expected true or false, found the number 1",
            ),
            (
                "{ kind = \"optimal-assignment\", non_idling = \"yes\" }",
                "policy.non_idling: expected true or false, found the string \"yes\"",
            ),
            (
                "{ kind = \"longest-idle-agent\", steps = [] }",
                "policy: unknown field steps (longest-idle-agent takes none)",
            ),
        ]
        .into_iter()
        .map(|(spec, want)| {
            (
                format!("policy = {spec}\n{BASE}"),
                "policy",
                spec,
                want.replace("POLICIES", policies),
            )
        }),
    )
    .collect();
    let base = Scenario::from_toml_str(BASE).unwrap();
    for (text, place, spec, want) in &cases {
        let field = want.split(": ").next().unwrap();
        for (form, e) in [
            ("TOML", Scenario::from_toml_str(text).unwrap_err()),
            ("JSON", Scenario::from_json_str(&json(text)).unwrap_err()),
        ] {
            assert!(
                matches!(&e, ScenarioError::Invalid { field: f, .. } if f == field),
                "{form} {spec}: {e}"
            );
            assert_eq!(&e.to_string(), want, "{form} {spec}");
        }
        // `set` names the field too, and leaves the scenario as it was.
        let mut s = base.clone();
        let e = s.set(place, spec).unwrap_err();
        assert_eq!(&e.to_string(), want, "set {place} = {spec}");
        assert_eq!(s, base);
    }
    // A field set alone, as `--set` does.
    let mut s = base.clone();
    let e = s
        .set("contact_types[0].arrivals.rate", "\"0.5\"")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "contact_types[0].arrivals.rate: expected a number, found the string \"0.5\""
    );
    assert_eq!(s, base);
    let mut s = base.clone();
    s.set("policy.kind", "skill-expansion").unwrap();
    let before = s.clone();
    let e = s.set("policy.steps[0].after", "\"30\"").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("policy.steps[0].after: expected a number"),
        "{e}"
    );
    assert_eq!(s, before);
    // Valid specs read as before, whatever the order of their keys.
    let s = Scenario::from_toml_str(&format!(
        "policy = {{ steps = [{{ relax = 1, after = 30 }}], kind = \"skill-expansion\" }}\n{}",
        BASE.replacen(
            arrivals,
            "arrivals = { rates = [0.01, 0.02], interval = 1800, kind = \"piecewise\" }",
            1
        )
    ))
    .unwrap();
    assert_eq!(s.policy.to_string(), "skill-expansion");
    assert_eq!(
        s.contact_types[0].arrivals,
        skillroute::sim::ArrivalSpec::Piecewise {
            interval: 1800.0,
            rates: vec![0.01, 0.02]
        }
    );
    // A file the parser finds wrong first elsewhere keeps the parser's
    // error (with its line), not that of a spec it did not reach (TOML
    // reads a table's keys in order of name, JSON here too: `channels`
    // before `contact_types`, `horizon` before `policy`).
    let arrivals_two = format!(
        "channels = \"voice\"\n{}",
        BASE.replacen(
            arrivals,
            "arrivals = { kind = \"poisson\", rate = \"0.5\" }",
            1
        )
    );
    let policy_two = format!(
        "policy = {{ kind = \"c-mu\", cost_per_priority = \"1\" }}\n{}",
        BASE.replacen("horizon = 3600.0", "horizon = \"1h\"", 1)
    );
    for (two, said) in [(arrivals_two, "\"voice\""), (policy_two, "\"1h\"")] {
        for (form, e) in [
            ("TOML", Scenario::from_toml_str(&two).unwrap_err()),
            ("JSON", Scenario::from_json_str(&json(&two)).unwrap_err()),
        ] {
            assert!(
                matches!(&e, ScenarioError::Parse { message, .. } if message.contains(said)),
                "{form}: {e}"
            );
        }
    }
}

/// The bundled scenarios warn only of what is true and meant: the test
/// center's tech calls have no agent with tech 6 after 3600 s (its
/// skill-expansion policy relaxes them, which tests/sim_engine.rs checks)
/// and its Spanish calls none before 3600 s (the late group's shift).
/// Every other bundled scenario, the simulator's embedded default among
/// them, warns of nothing.
#[test]
fn the_bundled_scenarios_warn_only_of_what_is_meant() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files: Vec<std::path::PathBuf> =
        ["examples/data", "tests/data/sim", "tests/data/peers"]
            .iter()
            .flat_map(|d| std::fs::read_dir(format!("{root}/{d}")).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    for f in &files {
        let w = Scenario::load(f).unwrap().warnings();
        if f.ends_with("tests/data/sim/multiskill.toml") {
            assert_eq!(
                w,
                [
                    "contact_types[1]: no agent able to serve \"tech-call\" is on shift from \
                     3600 s to 7200 s (01:00-02:00), after the last shift, while about 50% of \
                     its arrivals (54.0 expected a run) come: they are never answered, unless \
                     a step opens them to others: the scenario's skill-expansion policy lets \
                     generalists, late-spanish serve them after 90 s of waiting (other \
                     policies do not)",
                    "contact_types[3]: no agent able to serve \"spanish-call\" is on shift from \
                     0 s to 3600 s (00:00-01:00), before the first shift, while 83 of its 171 \
                     arrivals (49%) come: they wait, or abandon, until a shift starts",
                ]
            );
        } else {
            assert_eq!(w, Vec::<String>::new(), "{}", f.display());
        }
    }
}

/// `set` as a builder, for the tests below.
trait WithSet: Sized {
    fn with_set(self, path: &str, value: &str) -> Result<Self, ScenarioError>;
}

impl WithSet for Scenario {
    fn with_set(mut self, path: &str, value: &str) -> Result<Self, ScenarioError> {
        self.set(path, value)?;
        Ok(self)
    }
}

/// `horizon = 8.0` meant as 8 hours ran 8 seconds: no contact, a service
/// level of 100%, and no word, since the unit warnings looked only at runs
/// of an hour or more. A run in which under one contact is expected, or
/// (not draining) shorter than a mean service, is now said; a draining
/// burst of a few seconds with its contacts is not.
#[test]
fn a_horizon_in_hours_is_said() {
    let s = with("horizon = 3600.0", "horizon = 8.0").unwrap();
    assert_eq!(
        s.warnings(),
        [
            "horizon: the run lasts 8 s, and 0.08 contacts are expected in it, and it is \
             shorter than a mean service of \"bill\" (100 s): times are in seconds, not hours \
             (8 h is 28800.0)"
        ]
    );
    // Enough contacts, but not one service ends in the run.
    let s = with("horizon = 3600.0", "horizon = 80.0")
        .unwrap()
        .with_set("contact_types[0].arrivals.rate", "0.05")
        .unwrap();
    assert_eq!(
        s.warnings(),
        [
            "horizon: the run lasts 80 s, and it is shorter than a mean service of \"bill\" \
             (100 s): times are in seconds, not hours (8 h is 28800.0)"
        ]
    );
    // A burst of 3 contacts in 8 s, drained: what was meant.
    let burst = s
        .with_set("horizon", "8.0")
        .unwrap()
        .with_set("drain", "true")
        .unwrap()
        .with_set(
            "contact_types[0].arrivals",
            "{ kind = \"trace\", times = [0.0, 1.0, 2.0] }",
        )
        .unwrap();
    assert_eq!(burst.warnings(), Vec::<String>::new());
    // Under one contact even drained: said.
    let one = burst
        .with_set(
            "contact_types[0].arrivals",
            "{ kind = \"poisson\", rate = 0.01 }",
        )
        .unwrap();
    let w = one.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with(
            "horizon: the run lasts 8 s, and 0.08 contacts are expected in it: times are in seconds"
        ),
        "{w:?}"
    );
    // The reviewer's case: the default center's day written as 8 (hours).
    let root = env!("CARGO_MANIFEST_DIR");
    let mut s = Scenario::load(format!("{root}/examples/data/default-center.toml")).unwrap();
    s.horizon = 8.0;
    let w = s.warnings();
    assert!(
        w.iter()
            .any(|w| w.starts_with("horizon: the run lasts 8 s")),
        "{w:?}"
    );
}

/// One group on shift 0–7200 s of a 28,800-s day: the contacts of the
/// other 6 hours were never answered, and nothing was said (only gaps
/// between shifts were). Before the first shift and after the last are
/// now said too, one line a type, with the share of its arrivals.
#[test]
fn no_agent_before_the_first_shift_or_after_the_last_is_said() {
    let shifts = |list: &str| {
        let cap = "capacity = { voice = 1, chat = 2 }";
        let mut s = with(cap, &format!("{cap}\nshifts = [{list}]")).unwrap();
        s.day_start = Some("08:00".into());
        s
    };
    let day = shifts("{ start = 0.0, end = 7200.0 }")
        .with_set("horizon", "28800.0")
        .unwrap();
    assert_eq!(
        day.warnings(),
        [
            "contact_types[0]: no agent able to serve \"bill\" is on shift from 7200 s to \
             28800 s (10:00-16:00), after the last shift, while about 75% of its arrivals \
             (216.0 expected a run) come: they are never answered"
        ]
    );
    let w = shifts("{ start = 900.0, end = 1800.0 }, { start = 1800.0, end = 2700.0 }").warnings();
    assert_eq!(
        w,
        [
            "contact_types[0]: no agent able to serve \"bill\" is on shift from 0 s to 900 s \
             (08:00-08:15), before the first shift, nor from 2700 s to 3600 s (08:45-09:00), \
             after the last, while about 50% of its arrivals (18.0 expected a run) come: those \
             before wait, or abandon, until a shift starts; those after are never answered"
        ]
    );
    // A shift starting at the horizon covers nothing of the run.
    let w = shifts("{ start = 1800.0, end = 3600.0 }, { start = 3600.0, end = 5000.0 }").warnings();
    assert!(
        w.iter().any(|w| w
            .contains("from 0 s to 1800 s (08:00-08:30), before the first shift, while about 50%")),
        "{w:?}"
    );
    // On all run, or no arrivals in the spans: nothing to say.
    assert_eq!(
        shifts("{ start = 0.0, end = 3600.0 }").warnings(),
        Vec::<String>::new()
    );
    let quiet = shifts("{ start = 1200.0, end = 2400.0 }")
        .with_set(
            "contact_types[0].arrivals",
            "{ kind = \"piecewise\", interval = 1200.0, rates = [0.0, 0.01, 0.0] }",
        )
        .unwrap();
    assert_eq!(quiet.warnings(), Vec::<String>::new());
    // A trace counts its arrivals.
    let traced = shifts("{ start = 10.0, end = 3600.0 }")
        .with_set(
            "contact_types[0].arrivals",
            "{ kind = \"trace\", times = [1.0, 5.0, 20.0, 30.0] }",
        )
        .unwrap();
    assert_eq!(
        traced.warnings(),
        [
            "contact_types[0]: no agent able to serve \"bill\" is on shift from 0 s to 10 s \
             (08:00-08:00:10), before the first shift, while 2 of its 4 arrivals (50%) come: \
             they wait, or abandon, until a shift starts"
        ]
    );
}

/// A Poisson rate of 0, piecewise rates all 0, a trace file with its
/// header and no rows: the type got no contacts and a report row of
/// zeros, without a word. Now said, naming the field.
#[test]
fn a_type_that_gets_no_contacts_is_said() {
    let zero = with("rate = 0.01", "rate = 0.0").unwrap();
    assert_eq!(
        zero.warnings(),
        [
            "contact_types[0].arrivals.rate: \"bill\" arrives at a rate of 0 a second: none of its contacts arrives"
        ]
    );
    let flat = zero
        .clone()
        .with_set(
            "contact_types[0].arrivals",
            "{ kind = \"piecewise\", interval = 1800.0, rates = [0.0, 0.0] }",
        )
        .unwrap();
    assert_eq!(
        flat.warnings(),
        [
            "contact_types[0].arrivals.rates: all 2 rates of \"bill\" are 0: none of its contacts arrives"
        ]
    );
    let dir = std::env::temp_dir().join(format!("skillroute-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("empty.csv");
    std::fs::write(&path, "time,type\n").unwrap();
    let empty = zero
        .with_set(
            "contact_types[0].arrivals",
            &format!("{{ kind = \"trace\", file = {path:?} }}"),
        )
        .unwrap();
    assert_eq!(
        empty.warnings(),
        [format!(
            "contact_types[0].arrivals: the trace of \"bill\" has no arrivals (neither `times` \
             nor {} holds an arrival of it): none of its contacts arrives",
            path.display()
        )]
    );
    std::fs::write(&path, "time,type\n5.0,bill\n").unwrap();
    assert_eq!(empty.warnings(), Vec::<String>::new());
    std::fs::remove_dir_all(&dir).ok();
}

/// A report's interval cells (intervals × (1 + types + channels in use +
/// groups)) are capped at load, naming `interval` and the arithmetic: a
/// million one-second intervals of one type passed the cap on intervals
/// alone and then ran out of memory writing a 10 GB report.
#[test]
fn a_report_of_too_many_cells_is_refused_at_load() {
    let e = with("horizon = 3600.0", "horizon = 1000000.0\ninterval = 1.0")
        .expect_err("4,000,000 cells");
    assert_eq!(field_of(&e), "interval", "{e}");
    let text = e.to_string();
    for needle in [
        "1000000 intervals × 4 rows",
        "= 4000000 report cells",
        "more than the limit 100000",
        "use a longer interval",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    // Just over and just under: 25,001 and 25,000 intervals of 4 rows.
    with("horizon = 3600.0", "horizon = 25001.0\ninterval = 1.0").expect_err("100,004 cells");
    with("horizon = 3600.0", "horizon = 25000.0\ninterval = 1.0").expect("100,000 cells");

    // A week at 15-minute intervals (672) of 20 types, 5 channels and 20
    // groups is well inside.
    let mut week = String::from(
        "horizon = 604800.0\ninterval = 900.0\nskills = [\"s\"]\n\
         channels = [\"c0\", \"c1\", \"c2\", \"c3\", \"c4\"]\n",
    );
    for g in 0..20 {
        week.push_str(&format!(
            "[[groups]]\nname = \"g{g}\"\ncount = 2\nskills = {{ s = 5 }}\n\
             capacity = {{ c0 = 1, c1 = 1, c2 = 1, c3 = 1, c4 = 1 }}\n"
        ));
    }
    for t in 0..20 {
        week.push_str(&format!(
            "[[contact_types]]\nname = \"t{t}\"\nchannel = \"c{}\"\nrequires = {{ s = 1 }}\n\
             arrivals = {{ kind = \"poisson\", rate = 0.001 }}\n\
             service = {{ kind = \"exponential\", mean = 100.0 }}\n",
            t % 5
        ));
    }
    Simulation::new(Scenario::from_toml_str(&week).expect("a week of 31,584 cells")).unwrap();
}

/// A seed is any u64 through `set` too (TOML's integers stop at i64), and
/// one past it is said to be too large, not "invalid type: string".
#[test]
fn set_takes_any_u64_seed_and_says_too_large_above() {
    let mut s = Scenario::from_toml_str(BASE).unwrap();
    s.set("seed", "18446744073709551615").expect("u64::MAX");
    assert_eq!(s.seed, u64::MAX);
    s.set("seed", "9_223_372_036_854_775_808")
        .expect("i64::MAX + 1");
    assert_eq!(s.seed, 1 << 63);
    let e = s.set("seed", "18446744073709551616").expect_err("2^64");
    assert_eq!(field_of(&e), "seed");
    assert!(e.to_string().contains("too large"), "{e}");
    assert_eq!(s.seed, 1 << 63, "unchanged on error");
    // Other whole-number fields: too large, not a string.
    let e = s
        .set("groups[0].count", "99999999999999999999")
        .expect_err("too large");
    assert!(e.to_string().contains("too large"), "{e}");
    assert!(!e.to_string().contains("string"), "{e}");
    assert_eq!(s.groups[0].count, 3);
}

/// A batch window decides only at the re-plans: with `rebalance_every` at
/// or past the horizon there are none, and nothing after time 0 is
/// answered. Said, naming both fields.
#[test]
fn a_batch_window_that_never_closes_is_said() {
    let mut s = Scenario::from_toml_str(BASE).unwrap();
    s.set("batch_window", "true").unwrap();
    s.set("rebalance_every", "3600.0").unwrap();
    let w = s.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("rebalance_every:") && w[0].contains("batch_window"),
        "{w:?}"
    );
    s.set("rebalance_every", "3599.0").unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());
    // Without the window, re-plans only measure their cost: nothing said.
    s.set("rebalance_every", "7200.0").unwrap();
    s.set("batch_window", "false").unwrap();
    assert_eq!(s.warnings(), Vec::<String>::new());
}

/// Extreme figures in messages are in exponent form, not hundreds of
/// digits; an empty list of rates is "no rates", not "all 0 rates".
#[test]
fn messages_write_extreme_numbers_short() {
    let s = with("count = 3", "count = 3\nspeed = 1e-300").unwrap();
    let w = s.warnings().join("\n");
    assert!(w.contains("3e-300 contacts"), "{w}");
    assert!(!w.contains("0.00000000"), "{w}");
    let e = with(
        "arrivals = { kind = \"poisson\", rate = 0.01 }",
        "arrivals = { kind = \"trace\", times = [1e-320, -0.0] }",
    )
    .expect_err("times decrease");
    assert!(e.to_string().ends_with("-0 is before 1e-320"), "{e}");
    let s = with(
        "arrivals = { kind = \"poisson\", rate = 0.01 }",
        "arrivals = { kind = \"piecewise\", interval = 900.0, rates = [] }",
    )
    .unwrap();
    let w = s.warnings().join("\n");
    assert!(w.contains("\"bill\" has no rates"), "{w}");
    assert!(!w.contains("all 0 rates"), "{w}");
    let e = with("horizon = 3600.0", "horizon = 1e300").expect_err("past TIME_LIMIT");
    assert!(e.to_string().ends_with("got 1e300"), "{e}");
}

/// Samples far apart (a speed of 1e-300 makes handle times of 2e302) have
/// a finite spread: the squares of their deviations overflowed, and the
/// half-width was infinite (null in JSON) with three replications.
#[test]
fn a_half_width_of_huge_samples_is_finite() {
    use skillroute::sim::Estimate;
    let big = Estimate::from_samples(&[2e302, 1e302, 3e302], 0.95);
    let small = Estimate::from_samples(&[2.0, 1.0, 3.0], 0.95);
    assert!(big.half_width.is_finite(), "{big:?}");
    let scaled = small.half_width * 1e302;
    assert!(
        (big.half_width - scaled).abs() <= 1e-12 * scaled,
        "{big:?} vs {small:?}"
    );
    assert_eq!(big.mean, 2e302);
    // Opposite extremes: the mean and the spread are finite too.
    let wide = Estimate::from_samples(&[1e308, -1e308], 0.95);
    assert_eq!(wide.mean, 0.0);
    let wide = Estimate::from_samples(&[8e307, -8e307, 0.0], 0.5);
    assert!(wide.half_width.is_finite(), "{wide:?}");
}

/// `read` leaves validation to after the changes, so that a `set` can fix
/// what the file has wrong (`simulate --set interval=900` on a file of too
/// many report cells); `load` refuses the same file.
#[test]
fn read_lets_set_fix_an_invalid_file() {
    let dir = std::env::temp_dir().join(format!("skillroute-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cells.toml");
    std::fs::write(
        &path,
        BASE.replacen("horizon = 3600.0", "horizon = 1000000.0\ninterval = 1.0", 1),
    )
    .unwrap();
    let e = Scenario::load(&path).expect_err("too many cells");
    assert_eq!(field_of(&e), "interval");
    let mut s = Scenario::read(&path).expect("reads");
    assert_eq!(field_of(&s.validate().expect_err("invalid")), "interval");
    s.set("interval", "900.0").unwrap();
    Simulation::new(s).expect("fixed by the set");
    std::fs::remove_dir_all(&dir).unwrap();
}
