//! Short abandons (`short_abandon` in a service-level target): left out of
//! the service level, counted apart in `short_abandoned`, checked against
//! the per-contact trace; and the report CSV's interval ends clipped to
//! each figure's range, where a comparison's differences are not.

use skillroute::sim::{
    Comparison, PolicySpec, Replication, Report, RunOptions, Scenario, Simulation, TraceWriter,
};

/// Two agents, calls every 20 s on average, and customers who mostly hang
/// up within seconds (exponential patience, mean 2 s): many abandons, most
/// of them short. Two report intervals; the run drains, so no contact is
/// still waiting at the end and every arrival is answered or abandons.
const IMPATIENT: &str = r#"
    name = "impatient"
    seed = 11
    horizon = 7200.0
    interval = 3600.0
    replications = 4
    drain = true

    [[groups]]
    name = "g"
    count = 2
    capacity = { voice = 1 }

    [[contact_types]]
    name = "call"
    channel = "voice"
    arrivals = { kind = "poisson", rate = 0.05 }
    service = { kind = "exponential", mean = 60.0 }
    patience = { kind = "exponential", mean = 2.0 }

    [service_levels.voice]
    threshold = 20.0
    fraction = 0.8
    short_abandon = 5.0
"#;

fn sim(text: &str) -> Simulation {
    Simulation::new(Scenario::from_toml_str(text).expect("parses")).expect("valid")
}

/// A contact of the trace: arrival, answered, how it ended, when it left.
type Traced = (f64, Option<f64>, String, f64);

/// Replication `replication` and its trace's contacts, read by the
/// header's column names.
fn trace_of(sim: &Simulation, replication: u32) -> (Replication, Vec<Traced>) {
    let mut w = TraceWriter::new(Vec::new()).unwrap();
    let rep = sim
        .replicate_policy_observed(&PolicySpec::LongestIdleAgent, replication, &mut w)
        .unwrap();
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (arrival, answered, end, left) = (col("arrival"), col("answered"), col("end"), col("left"));
    let rows = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[arrival].parse().unwrap(),
                (!f[answered].is_empty()).then(|| f[answered].parse().unwrap()),
                f[end].to_string(),
                f[left].parse().unwrap(),
            )
        })
        .collect();
    (rep, rows)
}

/// With `short_abandon = 5`, the service level is (answered within the
/// threshold) / (offered − abandons after less than 5 s), computed here
/// from the per-contact trace alone; `short_abandoned` counts those
/// abandons and `abandoned` still counts them all. Before short abandons
/// existed, the scenario was refused (an unknown field), and the service
/// level counted every abandon as a miss.
#[test]
fn service_level_leaves_short_abandons_out_as_the_trace_says() {
    let sim = sim(IMPATIENT);
    for replication in 0..2 {
        let (rep, contacts) = trace_of(&sim, replication);
        let offered = contacts.len() as u64;
        let within = contacts
            .iter()
            .filter(|(arrival, answered, _, _)| answered.is_some_and(|t| t <= arrival + 20.0))
            .count() as u64;
        let abandoned: Vec<f64> = contacts
            .iter()
            .filter(|c| c.2 == "abandoned")
            .map(|(arrival, _, _, left)| left - arrival)
            .collect();
        let short = abandoned.iter().filter(|&&w| w < 5.0).count() as u64;
        assert!(contacts.iter().all(|c| c.2 != "in-system"), "drained");
        // The case is the one meant: short abandons matter, and some
        // abandons are not short.
        assert!(
            short >= 20 && short < abandoned.len() as u64,
            "{short} of {}",
            abandoned.len()
        );
        let t = &rep.total;
        assert_eq!(t.offered, offered as f64);
        assert_eq!(t.abandoned, abandoned.len() as f64, "every abandon");
        assert_eq!(t.short_abandoned, short as f64);
        let want = within as f64 / (offered - short) as f64;
        assert_eq!(t.service_level, want, "replication {replication}");
        let all_abandons_missed = within as f64 / offered as f64;
        assert!(t.service_level > all_abandons_missed + 0.01);
        // The same in the type's, the channel's and the intervals' rows.
        assert_eq!(rep.by_type[0].short_abandoned, short as f64);
        assert_eq!(rep.by_type[0].service_level, want);
        assert_eq!(rep.by_channel[0].service_level, want);
        let by_interval: f64 = rep.by_interval.iter().map(|m| m.short_abandoned).sum();
        assert_eq!(by_interval, short as f64);
        let cells: f64 = rep.by_interval_type.iter().map(|m| m.short_abandoned).sum();
        assert_eq!(cells, short as f64);
        // A group row counts what its agents answered: no abandon.
        assert_eq!(rep.by_group[0].short_abandoned, 0.0);
    }
    // The report and its files carry it.
    let report = sim
        .run_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    assert!(report.total.short_abandoned.mean > 0.0);
    assert!(report.to_json().contains("\"short_abandoned\""));
    let csv = report.to_csv();
    assert!(csv.contains("\ntotal,all,,,,short_abandoned,"), "{csv}");
    assert!(
        csv.contains("\ntarget,voice,,,,short_abandon,5,,,,4\n"),
        "{csv}"
    );
    let reps = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    let header = Replication::to_csv(&reps);
    let header = header.lines().next().unwrap();
    assert!(header.contains(",abandoned,short_abandoned,"), "{header}");
}

/// Without `short_abandon` nothing changes: no `short_abandoned` in the
/// JSON or either CSV, the scenario's JSON (and so its key) without the
/// field, and a report written before the field existed reads back with
/// it undefined.
#[test]
fn without_short_abandon_the_files_are_as_before() {
    let text = IMPATIENT.replace("short_abandon = 5.0", "");
    let sim = sim(&text);
    assert!(!sim.scenario().to_json_string().contains("short_abandon"));
    let reps = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    assert!(reps.iter().all(|r| r.total.short_abandoned.is_nan()));
    let report = sim.report(&reps, 0.95).unwrap();
    let json = report.to_json();
    assert!(!json.contains("short_abandon"), "{json}");
    assert!(!report.to_csv().contains("short_abandon"));
    assert!(!Replication::to_csv(&reps).contains("short_abandon"));
    let back: Report = serde_json::from_str(&json).unwrap();
    assert!(back.total.short_abandoned.mean.is_nan() && back.total.short_abandoned.n == 0);
    assert_eq!(back.to_json(), json);
    let rep_json = serde_json::to_string(&reps[0]).unwrap();
    let rep_back: Replication = serde_json::from_str(&rep_json).unwrap();
    assert!(rep_back.total.short_abandoned.is_nan());
    // The service level is the plain one: every abandon a miss.
    let (rep, contacts) = trace_of(&sim, 0);
    let within = contacts
        .iter()
        .filter(|(arrival, answered, _, _)| answered.is_some_and(|t| t <= arrival + 20.0))
        .count();
    assert_eq!(
        rep.total.service_level,
        within as f64 / contacts.len() as f64
    );
}

/// `short_abandon` is checked: finite, ≥ 0, and not above the threshold
/// (an abandon after the threshold is a miss as an answer then would be),
/// in a channel's target and a type's own; the error names the field.
#[test]
fn short_abandon_is_checked() {
    for (value, field, words) in [
        (
            "-1.0",
            "service_levels.voice.short_abandon",
            "must be finite and >= 0, got -1",
        ),
        (
            "nan",
            "service_levels.voice.short_abandon",
            "must be finite and >= 0, got NaN",
        ),
        (
            "inf",
            "service_levels.voice.short_abandon",
            "must be finite and >= 0, got inf",
        ),
        (
            "20.5",
            "service_levels.voice.short_abandon",
            "must not exceed service_levels.voice.threshold (20 s), got 20.5 s",
        ),
    ] {
        let text = IMPATIENT.replace("short_abandon = 5.0", &format!("short_abandon = {value}"));
        let e = Scenario::from_toml_str(&text).unwrap_err().to_string();
        assert!(e.contains(field) && e.contains(words), "{value}: {e}");
    }
    // Equal to the threshold: every abandon within it is left out.
    let text = IMPATIENT.replace("short_abandon = 5.0", "short_abandon = 20.0");
    assert!(Scenario::from_toml_str(&text).is_ok());
    // A type's own target is checked alike.
    let mut s = Scenario::from_toml_str(IMPATIENT).unwrap();
    s.set(
        "contact_types[call].service_level",
        "{ threshold = 10.0, fraction = 0.9, short_abandon = 12.0 }",
    )
    .unwrap();
    let e = s.validate().unwrap_err().to_string();
    assert!(
        e.contains("contact_types[0].service_level.short_abandon")
            && e.contains(
                "must not exceed contact_types[0].service_level.threshold (10 s), got 12 s"
            ),
        "{e}"
    );
}

/// Parses a long-form report CSV into (section, name, metric, mean,
/// half_width, low, high); empty numbers are NaN.
fn csv_lines(csv: &str) -> Vec<(String, String, String, [f64; 4])> {
    let num = |s: &str| {
        if s.is_empty() {
            f64::NAN
        } else {
            s.parse().unwrap()
        }
    };
    csv.lines()
        .skip(1)
        .filter(|l| !l.contains('"'))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[1].to_string(),
                f[5].to_string(),
                [num(f[6]), num(f[7]), num(f[8]), num(f[9])],
            )
        })
        .collect()
}

/// A report's CSV clips `low` and `high` to the figure's range: counts
/// and times do not go below 0, shares not above 1 (they did: `low` of a
/// count a few replications see once was negative, `high` of a service
/// level near 1 above 1). A comparison's CSV does not: a difference can be
/// negative.
#[test]
fn report_csv_intervals_stay_in_range_and_comparisons_do_not() {
    // More agents: service levels near 1, and few abandons; fast ones,
    // whom c-mu prefers and longest-idle-agent does not, so that the two
    // policies differ.
    let fast = "\n[[groups]]\nname = \"fast\"\ncount = 2\nspeed = 3.0\ncapacity = { voice = 1 }\n";
    let sim = sim(&(IMPATIENT.to_string() + fast));
    let reps = |p: &PolicySpec| sim.replications_policy(p, RunOptions::default()).unwrap();
    let (lia, cmu) = (
        reps(&PolicySpec::LongestIdleAgent),
        reps(&PolicySpec::named(&["c-mu"], &sim.scenario().policy).unwrap()[0]),
    );
    let report = sim.report(&lia, 0.95).unwrap();
    let lines = csv_lines(&report.to_csv());
    let shares = [
        "service_level",
        "p_wait",
        "p_abandon",
        "occupancy",
        "utilisation",
        "occupancy_mean",
        "occupancy_min",
        "occupancy_max",
    ];
    let (mut below, mut above) = (0, 0);
    for (section, name, metric, [mean, hw, low, high]) in &lines {
        let what = format!("{section} {name} {metric}: {mean} ± {hw} in [{low}, {high}]");
        if hw.is_nan() {
            assert!(low.is_nan() && high.is_nan(), "{what}");
            continue;
        }
        let top = if shares.contains(&metric.as_str()) {
            1.0
        } else {
            f64::INFINITY
        };
        let bottom = if metric == "ewt_bias" {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        assert_eq!(*low, (mean - hw).clamp(bottom, top), "{what}");
        assert_eq!(*high, (mean + hw).clamp(bottom, top), "{what}");
        below += usize::from(mean - hw < bottom);
        above += usize::from(mean + hw > top);
    }
    // The case is the one meant: intervals that reach out of range.
    assert!(
        below >= 10 && above >= 3,
        "{below} below 0, {above} above 1"
    );
    // The comparison's differences keep their ends.
    let cmp = sim.compare(&lia, &cmu, 0.95).unwrap();
    let mut negative = 0;
    for (section, name, metric, [mean, hw, low, high]) in csv_lines(&cmp.to_csv()) {
        let what = format!("{section} {name} {metric}: {mean} ± {hw} in [{low}, {high}]");
        if hw.is_nan() {
            continue;
        }
        assert_eq!(low, mean - hw, "{what}");
        assert_eq!(high, mean + hw, "{what}");
        negative += usize::from(low < 0.0);
    }
    assert!(negative >= 50, "{negative}");
    // Its report of differences writes them alike, also read back from JSON.
    let unclipped = cmp.differences.to_csv();
    assert!(csv_lines(&unclipped).iter().any(|l| l.3[2] < 0.0));
    let back: Comparison = serde_json::from_str(&cmp.to_json()).unwrap();
    assert!(back.to_json() == cmp.to_json(), "read back as written");
    assert!(
        back.differences.to_csv() == unclipped,
        "read back: not clipped"
    );
    assert!(back.to_csv() == cmp.to_csv());
}

/// Warnings write their numbers as the rest of the messages do (exponent
/// form for tiny and huge ones, not 0.00001 or twenty digits), and a
/// count of one in the singular ("1 erlang", was "1 erlangs").
#[test]
fn warnings_write_numbers_short_and_units_by_count() {
    let slow = r#"
        horizon = 3600.0
        [[groups]]
        name = "g"
        count = 1
        speed = 0.05
        capacity = { voice = 1 }
        [[contact_types]]
        name = "call"
        channel = "voice"
        arrivals = { kind = "poisson", rate = 0.01 }
        service = { kind = "constant", value = 100.0 }
    "#;
    let s = Scenario::from_toml_str(slow).unwrap();
    let w = s.warnings();
    let peak = w
        .iter()
        .find(|w| w.contains("peaks at"))
        .expect("the peak warning");
    assert!(
        peak.contains("\"call\" peaks at 0.01 arrivals a second, 1 erlang of work (100 s each), over 10 times the 0.05 contacts"),
        "{peak}"
    );
    let mut tiny = s.clone();
    tiny.interval = Some(1e-5);
    let w = tiny.warnings();
    let interval = w
        .iter()
        .find(|w| w.starts_with("interval:"))
        .expect("the interval warning");
    assert!(
        interval.starts_with(
            "interval: report intervals of 1e-5 s give 360000000 rows per section in a 3600 s run"
        ),
        "{interval}"
    );
}
