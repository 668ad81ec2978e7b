//! A staffing plan that `simulate` runs: shifts with their own headcount
//! (`count`), handovers between back-to-back shifts that change only the
//! difference, and `Scenario::with_staffing`, which turns a search's agents
//! per group per interval into a scenario's shifts.

use skillroute::sim::{
    ArrivalSpec, ContactRecord, Estimate, RunOptions, Scenario, ScenarioError, SimObserver,
    Simulation,
};
use skillroute::staffing::SimStaffing;
use skillroute::{AgentId, LongestIdleAgent};

/// One group of 5, three report intervals of 30 minutes, the shifts given
/// by `shifts` (TOML), and contacts at `rate` a second.
fn center(shifts: &str, rate: f64) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml_str(&format!(
        r#"
horizon = 5400.0
interval = 1800.0
replications = 2
skills = ["s"]

[[groups]]
name = "g"
count = 5
skills = {{ s = 5 }}
capacity = {{ voice = 1 }}
shifts = {shifts}

[[contact_types]]
name = "t"
channel = "voice"
requires = {{ s = 5 }}
arrivals = {{ kind = "poisson", rate = {rate:?} }}
service = {{ kind = "exponential", mean = 100.0 }}
"#
    ))
}

/// Agents logged in per report interval of group 0, replication 0.
fn agents_per_interval(s: Scenario) -> Vec<f64> {
    let sim = Simulation::new(s).unwrap();
    let rep = sim.replicate(LongestIdleAgent, 0).unwrap();
    let groups = sim.scenario().groups.len();
    rep.by_interval_group
        .iter()
        .step_by(groups)
        .map(|m| m.agents)
        .collect()
}

/// A shift's `count` is who works it: the group's first `count` agents,
/// back-to-back shifts included (2, then 5, then 3, then nobody), and its
/// gap shows in the report's agents per interval. Without contacts nobody
/// stays on to finish one, so the figures are exact.
#[test]
fn a_shift_puts_its_count_on() {
    let s = center(
        "[{ start = 0.0, end = 1800.0, count = 2 }, { start = 1800.0, end = 3600.0 }, \
         { start = 3600.0, end = 4500.0, count = 3 }]",
        0.0,
    )
    .unwrap();
    let on: Vec<u32> = [900.0, 2700.0, 4000.0, 5000.0]
        .map(|t| s.groups[0].on_shift_at(t))
        .to_vec();
    assert_eq!(on, [2, 5, 3, 0]);
    let agents = agents_per_interval(s);
    let want = [2.0, 5.0, 1.5];
    for (i, (got, want)) in agents.iter().zip(want).enumerate() {
        assert!(
            (got - want).abs() < 1e-9,
            "interval {i}: {got} agents, want {want}"
        );
    }
}

/// A shift of more agents than its group has is an error naming the
/// shift's count; a count of 0 is a shift of nobody (valid, and said when
/// it leaves the group without work, or a gap).
#[test]
fn a_shift_count_is_checked_against_its_group() {
    let e = center(
        "[{ start = 0.0, end = 1800.0 }, { start = 1800.0, end = 3600.0, count = 6 }]",
        0.01,
    )
    .unwrap_err();
    let ScenarioError::Invalid { field, rule } = &e else {
        panic!("{e}")
    };
    assert_eq!(field, "groups[0].shifts[1].count");
    assert!(
        rule.contains("6 agents on shift, but group \"g\" has 5"),
        "{rule}"
    );

    let none = center("[{ start = 0.0, end = 5400.0, count = 0 }]", 0.01).unwrap();
    let w = none.warnings();
    assert!(
        w.iter()
            .any(|w| w.contains("every shift of group \"g\" has a count of 0")),
        "{w:?}"
    );
    // A shift of nobody between two: the contacts then wait for the next.
    let gap = center(
        "[{ start = 0.0, end = 1800.0 }, { start = 1800.0, end = 3600.0, count = 0 }, \
         { start = 3600.0, end = 5400.0, count = 1 }]",
        0.01,
    )
    .unwrap();
    let w = gap.warnings();
    assert!(
        w.iter()
            .any(|w| w.contains("no agent able to serve \"t\" is on shift from 1800 s to 3600 s")),
        "{w:?}"
    );
}

/// The peak-rate check counts the agents the shifts put on, not the
/// group's headcount: 5 on the books but 1 on shift at most, against 12
/// erlangs, is over 10 times what can be held.
#[test]
fn the_peak_check_counts_the_agents_on_shift() {
    let s = center("[{ start = 0.0, end = 5400.0, count = 1 }]", 0.12).unwrap();
    assert!(
        s.warnings().iter().any(|w| w.contains("over 10 times")),
        "{:?}",
        s.warnings()
    );
    let all = center("[{ start = 0.0, end = 5400.0 }]", 0.12).unwrap();
    assert!(!all.warnings().iter().any(|w| w.contains("over 10 times")));
}

/// Who answered each contact.
#[derive(Default)]
struct Answers(Vec<(f64, Option<AgentId>)>);

impl SimObserver for Answers {
    fn on_contact(&mut self, r: &ContactRecord) {
        self.0.push((r.arrival, r.agent));
    }
}

/// Back-to-back shifts hand over without logging the agents staying on
/// out and back in: under the longest-idle policy, the agent idle since
/// time 0 takes the contact after the handover, not the one who served
/// until 30 s (a log-in at the handover made them both idle since then,
/// and the first ready took it).
#[test]
fn a_handover_keeps_the_agents_staying_on_as_they_were() {
    let text = r#"
horizon = 1000.0
skills = ["s"]
[[groups]]
name = "g"
count = 2
skills = { s = 5 }
capacity = { voice = 1 }
shifts = [{ start = 0.0, end = 100.0 }, { start = 100.0, end = 1000.0 }]
[[contact_types]]
name = "t"
channel = "voice"
requires = { s = 5 }
arrivals = { kind = "trace", times = [10.0, 150.0] }
service = { kind = "constant", value = 20.0 }
[policy]
kind = "longest-idle-agent"
"#;
    let sim = Simulation::new(Scenario::from_toml_str(text).unwrap()).unwrap();
    let mut seen = Answers::default();
    sim.replicate_observed(LongestIdleAgent, 0, &mut seen)
        .unwrap();
    seen.0.sort_by(|a, b| a.0.total_cmp(&b.0));
    let [(_, Some(first)), (_, Some(second))] = seen.0[..] else {
        panic!("both answered: {:?}", seen.0)
    };
    assert_ne!(first, second, "the agent idle longest takes the second");
}

/// `with_staffing` writes each group's plan as merged shifts with their
/// counts, the group's count its most, a group never staffed as one shift
/// of nobody; a plan of the wrong shape is an error naming its row.
#[test]
fn a_plan_becomes_shifts() {
    let mut base = center("[]", 0.01).unwrap();
    let mut other = base.groups[0].clone();
    other.name = "h".into();
    base.groups.push(other);
    base.validate().unwrap();
    let spans = [(0.0, 1800.0), (1800.0, 3600.0), (3600.0, 5400.0)];
    let plan = base
        .with_staffing(&spans, &[vec![2, 0], vec![3, 0], vec![3, 0]])
        .unwrap();
    let g = &plan.groups[0];
    assert_eq!(g.count, 3);
    let shifts: Vec<(f64, f64, Option<u32>)> =
        g.shifts.iter().map(|s| (s.start, s.end, s.count)).collect();
    assert_eq!(shifts, [(0.0, 1800.0, Some(2)), (1800.0, 5400.0, Some(3))]);
    let h = &plan.groups[1];
    assert_eq!(h.count, 1);
    let shifts: Vec<(f64, f64, Option<u32>)> =
        h.shifts.iter().map(|s| (s.start, s.end, s.count)).collect();
    assert_eq!(shifts, [(0.0, 5400.0, Some(0))]);
    assert!(h.on_shift_at(100.0) == 0 && g.on_shift_at(100.0) == 2);

    // A gap of 0 is left out, and the shifts around it stay apart.
    let gap = base
        .with_staffing(&spans, &[vec![2, 1], vec![0, 1], vec![2, 1]])
        .unwrap();
    let starts: Vec<f64> = gap.groups[0].shifts.iter().map(|s| s.start).collect();
    assert_eq!(starts, [0.0, 3600.0]);
    assert_eq!(gap.groups[1].shifts.len(), 1);

    let before = base.clone();
    let e = base
        .with_staffing(&spans, &[vec![2, 0], vec![3], vec![3, 0]])
        .unwrap_err();
    assert!(
        matches!(&e, ScenarioError::Invalid { field, .. } if field == "plan[1]"),
        "{e}"
    );
    let e = base.with_staffing(&spans, &[vec![2, 0]]).unwrap_err();
    assert!(
        matches!(&e, ScenarioError::Invalid { field, .. } if field == "plan"),
        "{e}"
    );
    assert_eq!(base, before);
}

/// Two groups (a specialist team and generalists), two contact types, a
/// day of three intervals with rising rates.
const DAY: &str = r#"
name = "plan-day"
seed = 11
horizon = 5400.0
interval = 1800.0
replications = 6
skills = ["bill", "tech"]

[[groups]]
name = "billing"
count = 1
skills = { bill = 5 }
capacity = { voice = 1 }

[[groups]]
name = "generalists"
count = 1
skills = { bill = 5, tech = 5 }
capacity = { voice = 1 }

[[contact_types]]
name = "bill"
channel = "voice"
requires = { bill = 3 }
arrivals = { kind = "piecewise", interval = 1800.0, rates = [0.02, 0.05, 0.03] }
service = { kind = "exponential", mean = 180.0 }

[[contact_types]]
name = "tech"
channel = "voice"
requires = { tech = 3 }
arrivals = { kind = "piecewise", interval = 1800.0, rates = [0.01, 0.02, 0.02] }
service = { kind = "exponential", mean = 240.0 }

[service_levels]
voice = { threshold = 30.0, fraction = 0.8 }
"#;

/// The plan of a search, written as TOML and loaded back, puts the
/// search's agents on shift in each interval (the report's agents per
/// interval and group, with the arrivals taken away so that nobody stays
/// on to finish a contact), and simulating it meets the targets.
#[test]
fn a_written_plan_runs_the_search_s_staffing() {
    let s = Scenario::from_toml_str(DAY).unwrap();
    let search = SimStaffing::new()
        .replications(4)
        .warm_up(600.0)
        .run_length(7200.0)
        .seed(s.seed);
    let table = search.staff(&s).unwrap();
    let spans: Vec<(f64, f64)> = table.intervals.iter().map(|r| (r.start, r.end)).collect();
    let agents: Vec<Vec<u32>> = table
        .intervals
        .iter()
        .map(|r| r.point.agents_by_group.clone())
        .collect();
    let plan = s.with_staffing(&spans, &agents).unwrap();
    let dir = std::env::temp_dir().join(format!("staffing-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("plan.toml");
    std::fs::write(&file, plan.to_toml_string()).unwrap();
    let loaded = Scenario::load(&file).unwrap();
    let mut back = loaded.clone();
    back.base_dir = plan.base_dir.clone();
    assert_eq!(back, plan);

    let mut quiet = loaded.clone();
    for t in &mut quiet.contact_types {
        t.arrivals = ArrivalSpec::Poisson { rate: 0.0 };
    }
    let sim = Simulation::new(quiet).unwrap();
    let rep = sim.replicate(LongestIdleAgent, 0).unwrap();
    let groups = loaded.groups.len();
    for (i, row) in agents.iter().enumerate() {
        let mid = (spans[i].0 + spans[i].1) / 2.0;
        for (g, &n) in row.iter().enumerate() {
            assert_eq!(
                loaded.groups[g].on_shift_at(mid),
                n,
                "interval {i} group {g}"
            );
            let got = rep.by_interval_group[i * groups + g].agents;
            assert!(
                (got - f64::from(n)).abs() < 1e-9,
                "interval {i} group {g}: {got} agents on shift, the plan has {n}"
            );
        }
    }

    // The search judged each interval as a steady state of its own (a
    // warm-up from empty, then 2 hours at the interval's mean rates); the
    // plan runs the day (the first interval from empty, each next one
    // from where the last left off, changes of staff at the boundaries).
    // Not the same simulation, so not the same numbers: each interval's
    // service level, over the plan's replications, is within its own
    // interval and the search's of the target the search met.
    let report = Simulation::new(loaded).unwrap().run().unwrap();
    let types = s.contact_types.len();
    for (i, row) in table.intervals.iter().enumerate() {
        assert!(row.point.met, "interval {i} met by the search");
        for t in 0..types {
            let sl = &report.by_interval_type[i * types + t].metrics.service_level;
            let searched = &row.point.service_level[t];
            let target = table.targets[t].fraction;
            assert!(
                sl.mean + sl.half_width + searched.half_width >= target,
                "interval {i} type {t}: the plan's service level {sl:?}, the search's {searched:?}, target {target}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A plan of one interval over a stationary center is the search's own
/// simulation: every group on from time 0 (a shift from 0 to the horizon
/// is the run, as no shift is), the same seed, warm-up, run and
/// replications, so each type's service level is the search's, bit for bit.
#[test]
fn a_one_interval_plan_gives_the_search_s_service_levels() {
    let mut s = Scenario::from_toml_str(DAY).unwrap();
    for t in &mut s.contact_types {
        let ArrivalSpec::Piecewise { rates, .. } = &t.arrivals else {
            unreachable!()
        };
        t.arrivals = ArrivalSpec::Poisson { rate: rates[1] };
    }
    s.interval = None;
    s.warm_up = 600.0;
    s.horizon = 600.0 + 3600.0;
    s.replications = 5;
    let search = SimStaffing::new()
        .replications(s.replications)
        .warm_up(s.warm_up)
        .run_length(s.horizon - s.warm_up)
        .seed(s.seed);
    let table = search.staff(&s).unwrap();
    let row = &table.intervals[0];
    let plan = s
        .with_staffing(
            &[(row.start, row.end)],
            std::slice::from_ref(&row.point.agents_by_group),
        )
        .unwrap();
    let sim = Simulation::new(plan).unwrap();
    let opts = RunOptions {
        parallel: false,
        confidence: table.confidence,
        progress: None,
        cancel: None,
    };
    let reps = sim
        .replications_policy(&sim.scenario().policy.clone(), opts)
        .unwrap();
    for (t, searched) in row.point.service_level.iter().enumerate() {
        let xs: Vec<f64> = reps.iter().map(|r| r.by_type[t].service_level).collect();
        let e = Estimate::from_samples(&xs, table.confidence);
        assert_eq!(e.mean.to_bits(), searched.mean.to_bits(), "type {t}");
        assert_eq!(
            e.half_width.to_bits(),
            searched.half_width.to_bits(),
            "type {t}"
        );
    }
}

/// `staff_with_progress` says each interval as its search ends, up to
/// all of them, and the table is `staff`'s, in parallel or not.
#[test]
fn the_search_says_its_progress_per_interval() {
    let mut s = Scenario::from_toml_str(DAY).unwrap();
    // Four intervals, two of them alike (searched once, done together).
    s.horizon = 7200.0;
    for t in &mut s.contact_types {
        if let ArrivalSpec::Piecewise { rates, .. } = &mut t.arrivals {
            rates.push(rates[0]);
        }
    }
    let search = SimStaffing::new()
        .replications(3)
        .warm_up(300.0)
        .run_length(3600.0);
    let table = search.staff(&s).unwrap();
    for parallel in [false, true] {
        let seen = std::sync::Mutex::new(Vec::new());
        let with = search
            .clone()
            .parallel(parallel)
            .staff_with_progress(&s, |done, total| seen.lock().unwrap().push((done, total)))
            .unwrap();
        assert_eq!(with, search.clone().parallel(parallel).staff(&s).unwrap());
        assert_eq!(with, table);
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen.len(), 3, "three searches: {seen:?}");
        assert!(seen.iter().all(|&(_, total)| total == 4), "{seen:?}");
        assert_eq!(seen.last(), Some(&(4, 4)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    }
}
