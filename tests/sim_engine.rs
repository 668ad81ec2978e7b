//! The simulator's contracts, on a small multi-skill center
//! (`tests/data/sim/multiskill.toml`: 4 skills, 3 groups, voice and chat,
//! time-varying arrivals, a shift change, abandonment, wrap-up, ring delays
//! with time-outs, a trace): conservation against the router's own counts,
//! reproducibility (same seed, serial = parallel), common random numbers
//! across policies, bounded memory, shifts and time-driven routing.

use std::collections::BTreeMap;

use skillroute::sim::{
    ContactEnd, ContactRecord, Estimate, Metrics, PolicySpec, Replication, ReportError, RunOptions,
    Scenario, SimError, SimObserver, Simulation, TraceWriter,
};
use skillroute::{CMu, LongestIdleAgent, OptimalAssignment, PriorityAging, SkillExpansion};

/// Equal texts, or a panic that shows the first line that differs.
fn assert_same(a: &str, b: &str, what: &str) {
    if a != b {
        let (i, (x, y)) = a
            .lines()
            .zip(b.lines())
            .enumerate()
            .find(|(_, (x, y))| x != y)
            .unwrap_or((0, ("(length differs)", "")));
        panic!("{what}: line {}: {x:?} vs {y:?}", i + 1);
    }
}

fn multiskill() -> Simulation {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sim/multiskill.toml"
    );
    Simulation::new(Scenario::load(path).expect("loads")).expect("valid")
}

#[derive(Default)]
struct Collect(Vec<ContactRecord>);

impl SimObserver for Collect {
    fn on_contact(&mut self, r: &ContactRecord) {
        self.0.push(*r);
    }
}

fn check_conservation(r: &Replication, records: &[ContactRecord], what: &str) {
    let c = r.router_counts;
    // The router's own ledger closes.
    assert_eq!(
        c.arrived,
        c.completed + c.abandoned + c.withdrawn + c.waiting + c.offered + c.in_service + c.wrap_up,
        "{what}: router ledger"
    );
    // The simulator's statistics agree with it (warm-up is 0: every contact counts).
    assert_eq!(r.arrived, c.arrived, "{what}: arrivals");
    assert_eq!(r.total.offered, c.arrived as f64, "{what}: offered");
    assert_eq!(r.total.abandoned, c.abandoned as f64, "{what}: abandoned");
    assert_eq!(
        r.total.answered,
        (c.completed + c.in_service + c.wrap_up) as f64,
        "{what}: answered"
    );
    assert_eq!(
        r.total.waiting_at_end,
        (c.waiting + c.offered) as f64,
        "{what}: still waiting"
    );
    // arrived = answered + abandoned + still in the queue
    assert_eq!(
        r.total.offered,
        r.total.answered + r.total.abandoned + r.total.waiting_at_end
    );
    assert!(r.total.late_at_end <= r.total.waiting_at_end, "{what}");
    // And so does the per-contact trace.
    assert_eq!(
        records.len() as u64,
        c.arrived,
        "{what}: one record per contact"
    );
    let count = |e| records.iter().filter(|x| x.end == e).count() as u64;
    assert_eq!(
        count(ContactEnd::Completed),
        c.completed,
        "{what}: completed"
    );
    assert_eq!(
        count(ContactEnd::Abandoned),
        c.abandoned,
        "{what}: abandoned records"
    );
    assert_eq!(
        count(ContactEnd::InSystem),
        c.waiting + c.offered + c.in_service + c.wrap_up
    );
    // Rows add up to the total.
    let sum = |rows: &[skillroute::sim::Metrics<f64>]| rows.iter().map(|m| m.offered).sum::<f64>();
    assert_eq!(sum(&r.by_type), r.total.offered);
    assert_eq!(sum(&r.by_channel), r.total.offered);
    assert_eq!(sum(&r.by_segment), r.total.offered);
    assert_eq!(sum(&r.by_interval), r.total.offered);
    assert_eq!(sum(&r.by_interval_type), r.total.offered);
    assert_eq!(
        r.by_group.iter().map(|m| m.answered).sum::<f64>(),
        r.total.answered
    );
    assert_eq!(
        r.rejected_proposals, 0,
        "{what}: the policy proposed something infeasible"
    );
}

/// Replication `rep` of `sim` under the built-in policy `spec`, with its trace.
fn run_builtin(sim: &Simulation, spec: &PolicySpec, rep: u32) -> (Replication, Vec<ContactRecord>) {
    let mut obs = Collect::default();
    let r = match spec {
        PolicySpec::LongestIdleAgent => sim.replicate_observed(LongestIdleAgent, rep, &mut obs),
        PolicySpec::PriorityAging(p) => sim.replicate_observed(p.clone(), rep, &mut obs),
        PolicySpec::SkillExpansion { steps } => {
            sim.replicate_observed(SkillExpansion::new(steps.clone()).unwrap(), rep, &mut obs)
        }
        PolicySpec::CMu(p) => sim.replicate_observed(*p, rep, &mut obs),
        PolicySpec::OptimalAssignment { .. } => {
            sim.replicate_observed(OptimalAssignment::default(), rep, &mut obs)
        }
        _ => sim.replicate_policy_observed(spec, rep, &mut obs),
    }
    .expect("runs");
    (r, obs.0)
}

#[test]
fn every_contact_is_accounted_for_under_every_policy() {
    let sim = multiskill();
    for spec in PolicySpec::builtins() {
        for rep in 0..2 {
            let (r, records) = run_builtin(&sim, &spec, rep);
            assert!(
                r.total.answered > 100.0 && r.total.abandoned > 0.0,
                "a busy enough center"
            );
            check_conservation(&r, &records, &format!("{} rep {rep}", spec.name()));
        }
    }
}

#[test]
fn same_seed_same_report_and_parallel_equals_serial() {
    let sim = multiskill();
    let serial = RunOptions {
        parallel: false,
        ..Default::default()
    };
    let a = sim.run().expect("runs").to_json();
    let b = sim.run().expect("runs").to_json();
    let c = sim
        .run_policy(&sim.scenario().policy, serial)
        .expect("runs")
        .to_json();
    assert_same(&a, &b, "same seed, same report");
    assert_same(&a, &c, "parallel and serial give the same bytes");
    let mut other = sim.scenario().clone();
    other.seed += 1;
    let d = Simulation::new(other).unwrap().run().unwrap().to_json();
    assert_ne!(a, d, "another seed, other numbers");
}

#[test]
fn policies_see_the_same_customers() {
    let sim = multiskill();
    let customers = |records: Vec<ContactRecord>| {
        let mut v: Vec<_> = records
            .into_iter()
            .map(|r| {
                (
                    r.serial,
                    r.contact_type,
                    r.segment,
                    r.arrival.to_bits(),
                    r.work.to_bits(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let mut seen = Vec::new();
    for rep in [0, 3] {
        let mut lia = Collect::default();
        let mut opt = Collect::default();
        let mut cmu = Collect::default();
        sim.replicate_observed(LongestIdleAgent, rep, &mut lia)
            .unwrap();
        sim.replicate_observed(OptimalAssignment::default(), rep, &mut opt)
            .unwrap();
        sim.replicate_observed(CMu::default(), rep, &mut cmu)
            .unwrap();
        let (l, o, c) = (customers(lia.0), customers(opt.0), customers(cmu.0));
        assert_eq!(
            l, o,
            "replication {rep}: LIA and optimal see other customers"
        );
        assert_eq!(l, c, "replication {rep}: LIA and cμ see other customers");
        seen.push(l);
    }
    assert_ne!(seen[0], seen[1], "replications are independent");
    // ...while the policies do decide differently.
    let a = sim.replicate(LongestIdleAgent, 0).unwrap();
    let b = sim.replicate(PriorityAging::default(), 0).unwrap();
    assert_eq!(
        a.by_type.iter().map(|m| m.offered).collect::<Vec<_>>(),
        b.by_type.iter().map(|m| m.offered).collect::<Vec<_>>()
    );
}

#[test]
fn shifts_log_agents_in_and_out() {
    let sim = multiskill();
    let r = sim.replicate(LongestIdleAgent, 0).unwrap();
    // 0–900 s: generalists (8) and tech experts (5), all logged in all the time.
    assert!(
        (r.by_interval[0].agents - 13.0).abs() < 1e-9,
        "{}",
        r.by_interval[0].agents
    );
    // 5400–6300 s: generalists (back at 4500) and the late group (6).
    assert!(
        (r.by_interval[6].agents - 14.0).abs() < 1e-9,
        "{}",
        r.by_interval[6].agents
    );
    // 3600–4500 s: tech experts finish their calls, generalists leave at 4000 and
    // finish theirs: between the lower and upper bounds.
    let m = r.by_interval[4].agents;
    assert!(m > 6.0 + 8.0 * 400.0 / 900.0 && m < 19.0, "{m}");
    for (g, row) in r.by_group.iter().enumerate() {
        assert!(
            row.occupancy > 0.0 && row.occupancy <= 1.0,
            "group {g}: {}",
            row.occupancy
        );
        assert!(
            row.utilisation > 0.0 && row.utilisation <= row.occupancy + 1e-12,
            "group {g}"
        );
    }
}

#[test]
fn the_router_is_woken_for_relaxation_steps() {
    // After 3600 s no agent has tech 6; tech calls are answered only because the
    // skill-expansion policy relaxes them after 30 s and 90 s, which the router
    // acts on only when the simulator honours `next_wakeup`.
    let sim = multiskill();
    let mut obs = Collect::default();
    sim.replicate_observed(
        SkillExpansion::new(vec![
            skillroute::RelaxStep {
                after: 30,
                relax: 1,
            },
            skillroute::RelaxStep {
                after: 90,
                relax: 3,
            },
        ])
        .unwrap(),
        0,
        &mut obs,
    )
    .unwrap();
    let late_tech: Vec<_> = obs
        .0
        .iter()
        .filter(|r| r.contact_type == 1 && r.arrival > 3700.0 && r.answered.is_some())
        .collect();
    assert!(late_tech.len() > 10, "{}", late_tech.len());
    for r in late_tech {
        let wait = r.answered.unwrap() - r.arrival;
        assert!(
            wait >= 30.0 - 1e-9,
            "answered by a less skilled agent before the step: {wait}"
        );
    }
    // Under a policy without relaxation nobody answers them.
    let mut obs = Collect::default();
    sim.replicate_observed(LongestIdleAgent, 0, &mut obs)
        .unwrap();
    assert!(
        !obs.0
            .iter()
            .any(|r| r.contact_type == 1 && r.arrival > 3700.0 && r.answered.is_some())
    );
}

#[test]
fn memory_does_not_grow_with_the_horizon() {
    let text = |h: f64| {
        format!(
            r#"
            horizon = {h}
            skills = ["s"]
            [[groups]]
            name = "a"
            count = 20
            skills = {{ s = 1 }}
            capacity = {{ voice = 1 }}
            [[contact_types]]
            name = "c"
            channel = "voice"
            requires = {{ s = 1 }}
            arrivals = {{ kind = "poisson", rate = 19.0 }}
            service = {{ kind = "exponential", mean = 1.0 }}
            patience = {{ kind = "exponential", mean = 2.0 }}
            "#
        )
    };
    let peak = |h: f64| {
        let sim = Simulation::new(Scenario::from_toml_str(&text(h)).unwrap()).unwrap();
        let r = sim.replicate(LongestIdleAgent, 0).unwrap();
        (r.peak_contacts, r.peak_events, r.arrived)
    };
    let (c1, e1, n1) = peak(2_000.0);
    let (c2, e2, n2) = peak(32_000.0);
    assert!(n2 > 15 * n1);
    // Peaks are extremes of a stationary process: they creep up slowly with the
    // horizon, nowhere near the 16-fold growth of the contacts simulated.
    assert!(
        (c2 as f64) < 1.6 * c1 as f64,
        "contacts in system: {c1} → {c2}"
    );
    assert!((e2 as f64) < 1.6 * e1 as f64, "pending events: {e1} → {e2}");
}

#[test]
fn report_serialises_to_json_and_csv() {
    let sim = multiskill();
    let report = sim.run().unwrap();
    let json = report.to_json();
    let back: skillroute::sim::Report = serde_json::from_str(&json).unwrap();
    assert_same(&back.to_json(), &json, "JSON round trip");
    // A report from before `end_time` and `overtime` still reads.
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fields = old.as_object_mut().unwrap();
    assert!(fields.remove("end_time").is_some() && fields.remove("overtime").is_some());
    let back: skillroute::sim::Report = serde_json::from_value(old).unwrap();
    assert!(back.overtime.mean.is_nan() && back.overtime.n == 0);
    let csv = report.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "section,name,start,end,label,metric,mean,half_width,low,high,n"
    );
    let rows = 1
        + report.by_type.len()
        + report.by_channel.len()
        + report.by_segment.len()
        + report.by_group.len()
        + report.by_interval.len()
        + report.by_interval_type.len()
        + report.by_interval_group.len()
        + report.by_interval_channel.len();
    // All but short_abandoned and the self-service figures, written only
    // when a target sets short_abandon, a type has a self-service tier.
    let metrics = skillroute::sim::Metrics::<f64>::NAMES.len()
        - skillroute::sim::Metrics::<f64>::OPTIONAL.len();
    let fairness = report.fairness.len() * skillroute::sim::Fairness::<f64>::NAMES.len();
    // The top-level figures: five of the run, two per channel's target and
    // two per contact type's.
    let top = 5 + 2 * report.by_channel.len() + 2 * report.by_type.len();
    assert_eq!(lines.len(), 1 + rows * metrics + fairness + top);
    assert!(lines.iter().all(|l| l.split(',').count() == 11));
    let contacts = format!("run,all,,,,contacts,{},,,,4", report.contacts);
    assert!(lines.contains(&contacts.as_str()), "{contacts}");
    assert!(
        lines.contains(&"target,voice,,,,threshold,20,,,,4"),
        "{csv}"
    );
    let q = &report.mean_in_queue;
    assert!(
        lines.contains(
            &format!(
                "run,all,,,,mean_in_queue,{},{},{},{},4",
                q.mean,
                q.half_width,
                q.low(),
                q.high()
            )
            .as_str()
        )
    );
    assert_eq!(report.by_interval.len(), 8);
    assert_eq!(report.by_interval_type.len(), 8 * 4);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("interval-type,tech-call,900,1800,00:15-00:30,offered,"))
            .count(),
        1,
        "an interval × type row is named by its type and spans its interval"
    );
    assert_eq!(report.replications, 4);
    // Replications as JSON lines merge into the same report.
    let reps = sim
        .replications(
            || {
                SkillExpansion::new(vec![
                    skillroute::RelaxStep {
                        after: 30,
                        relax: 1,
                    },
                    skillroute::RelaxStep {
                        after: 90,
                        relax: 3,
                    },
                ])
                .unwrap()
            },
            RunOptions::default(),
        )
        .unwrap();
    let lines: Vec<String> = reps
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
    let parsed: Vec<Replication> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_same(
        &sim.report(&parsed, 0.95).unwrap().to_json(),
        &json,
        "merged JSON lines",
    );
}

#[test]
fn trace_writer_writes_one_line_per_contact() {
    let sim = multiskill();
    let mut w = TraceWriter::new(Vec::new()).unwrap();
    let r = sim.replicate_observed(LongestIdleAgent, 1, &mut w).unwrap();
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    assert_eq!(text.lines().count() as u64, 1 + r.arrived);
    let mut ends = BTreeMap::new();
    for l in text.lines().skip(1) {
        *ends
            .entry(l.split(',').nth(8).unwrap().to_string())
            .or_insert(0u64) += 1;
    }
    assert_eq!(ends["completed"], r.router_counts.completed);
    assert_eq!(ends["abandoned"], r.router_counts.abandoned);
}

/// The named trace a planner opens in a spreadsheet: replication 0 under a
/// built-in is the report's replication 0, each contact is one line with its
/// type's and segment's names, and each answered one names the answering
/// agent's group (groups are consecutive runs of agent ids, `count` each).
#[test]
fn named_trace_is_the_reports_first_replication() {
    let sim = multiskill();
    let spec = PolicySpec::OptimalAssignment { non_idling: true };
    let mut w = TraceWriter::named(Vec::new(), &sim).unwrap();
    let r = sim.replicate_policy_observed(&spec, 0, &mut w).unwrap();
    let reps = sim
        .replications_policy(&spec, RunOptions::default())
        .unwrap();
    assert_same(
        &serde_json::to_string(&r).unwrap(),
        &serde_json::to_string(&reps[0]).unwrap(),
        "replication 0",
    );

    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "serial,contact_type,segment,arrival,work,offered,answered,agent,group,end,left,resolved,offers"
        )
    );
    let group_of: Vec<String> = sim
        .scenario()
        .groups
        .iter()
        .flat_map(|g| std::iter::repeat_n(g.name.clone(), g.count as usize))
        .collect();
    let types = sim.contact_types();
    let mut by_type = vec![0u64; types.len()];
    let mut answered_by_group: BTreeMap<String, u64> = BTreeMap::new();
    let mut rows = 0u64;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 13, "{l}");
        assert_eq!(f[11], "", "no outcomes in this scenario: {l}");
        // Offers ring and time out: an answered contact had at least one,
        // one never offered none.
        let offers: u32 = f[12].parse().unwrap();
        assert!(f[6].is_empty() || offers >= 1, "{l}");
        assert!(!f[5].is_empty() || offers == 0, "{l}");
        let k = types.iter().position(|t| *t == f[1]).expect("a type name");
        by_type[k] += 1;
        assert!(sim.segments().iter().any(|s| s == f[2]), "{l}");
        if f[7].is_empty() {
            assert!(f[6].is_empty() && f[8].is_empty(), "{l}");
        } else {
            let agent: usize = f[7].parse().unwrap();
            assert_eq!(f[8], group_of[agent], "{l}");
            *answered_by_group.entry(f[8].to_string()).or_default() += 1;
            // Offered on or after arrival, answered once it rang.
            let t = |i: usize| f[i].parse::<f64>().unwrap();
            assert!(t(3) <= t(5) && t(5) <= t(6), "{l}");
        }
        rows += 1;
    }
    assert_eq!(rows, r.arrived);
    for (k, n) in by_type.iter().enumerate() {
        assert_eq!(*n as f64, r.by_type[k].offered, "{}", types[k]);
    }
    for (g, name) in sim.groups().iter().enumerate() {
        let n = answered_by_group.get(*name).copied().unwrap_or(0);
        assert_eq!(n as f64, r.by_group[g].answered, "{name}");
    }
}

/// Replications merged from elsewhere are checked before they are counted:
/// each mistake gets its own error, and nothing is reported.
#[test]
fn report_refuses_replications_it_cannot_count() {
    let sim = multiskill();
    let spec = PolicySpec::LongestIdleAgent;
    let reps = sim
        .replications_policy(&spec, RunOptions::default())
        .unwrap();
    assert!(sim.report(&reps, 0.95).is_ok());
    assert_eq!(sim.report(&[], 0.95), Err(ReportError::NoReplications));
    for c in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
        assert!(
            matches!(sim.report(&reps, c), Err(ReportError::Confidence(x)) if x.is_nan() || x == c),
            "{c}"
        );
    }
    let twice = [reps[0].clone(), reps[1].clone(), reps[0].clone()];
    assert_eq!(sim.report(&twice, 0.95), Err(ReportError::Duplicate(0)));
    let other = sim
        .replicate_policy(&PolicySpec::OptimalAssignment { non_idling: true }, 1)
        .unwrap();
    assert!(matches!(
        sim.report(&[reps[0].clone(), other], 0.95),
        Err(ReportError::MixedPolicies { .. })
    ));
    // A replication of another scenario (one interval fewer).
    let mut foreign = reps[1].clone();
    foreign.by_interval.pop();
    assert_eq!(
        sim.report(&[reps[0].clone(), foreign], 0.95),
        Err(ReportError::Shape {
            replication: 1,
            field: "by_interval",
            expected: reps[0].by_interval.len(),
            found: reps[0].by_interval.len() - 1,
        })
    );
    // Through the runner, a bad confidence level is a typed error, not NaNs.
    let opts = RunOptions {
        confidence: 1.5,
        ..RunOptions::default()
    };
    assert!(matches!(
        sim.run_policy(&spec, opts),
        Err(SimError::Report(ReportError::Confidence(_)))
    ));
}

/// The paired comparison: checked against scipy, against the common random
/// numbers it relies on, and against mispaired input.
#[test]
fn comparison_is_the_paired_t_interval() {
    let mut sc = multiskill().scenario().clone();
    sc.replications = 10;
    let sim = Simulation::new(sc).unwrap();
    let lia = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    let oa = sim
        .replications_policy(
            &PolicySpec::OptimalAssignment { non_idling: true },
            RunOptions::default(),
        )
        .unwrap();
    let cmp = sim.compare(&lia, &oa, 0.95).unwrap();
    assert_eq!(
        (cmp.base.as_str(), cmp.other.as_str()),
        ("longest-idle-agent", "optimal-assignment")
    );
    let d = &cmp.differences;
    // Same customers in each pair: arrivals do not differ at all.
    assert_eq!(
        (
            d.total.offered.mean,
            d.total.offered.half_width,
            d.total.offered.n
        ),
        (0.0, 0.0, 10)
    );
    for row in &d.by_type {
        assert_eq!(row.metrics.offered.mean, 0.0, "{}", row.name);
    }
    // Its CSV holds differences only: the report's, less the contact count,
    // the rejected proposals and the targets, which are not.
    let (full, csv) = (d.to_csv(), cmp.to_csv());
    let left_out: Vec<&str> = full
        .lines()
        .filter(|l| !csv.lines().any(|c| c == *l))
        .collect();
    assert_eq!(
        left_out.len(),
        2 + 2 * (d.by_channel.len() + d.by_type.len())
    );
    assert!(left_out.iter().all(|l| l.starts_with("target,")
        || l.starts_with("type-target,")
        || l.starts_with("run,all,,,,contacts,")
        || l.starts_with("run,all,,,,rejected_proposals,")));
    assert!(csv.lines().any(|l| l.starts_with("run,all,,,,end_time,")));
    assert_eq!(csv.lines().count() + left_out.len(), full.lines().count());
    // Each estimate is the t interval of the pairs' differences ...
    let diffs: Vec<f64> = lia
        .iter()
        .zip(&oa)
        .map(|(a, b)| b.total.service_level - a.total.service_level)
        .collect();
    assert_eq!(d.total.service_level, Estimate::from_samples(&diffs, 0.95));
    // ... which common random numbers make narrower than the two reports'
    // intervals together (independent streams would make them about equal).
    let (ra, rb) = (
        sim.report(&lia, 0.95).unwrap(),
        sim.report(&oa, 0.95).unwrap(),
    );
    let unpaired = ra
        .total
        .service_level
        .half_width
        .hypot(rb.total.service_level.half_width);
    assert!(
        d.total.service_level.half_width < 0.5 * unpaired,
        "paired {} vs unpaired {unpaired}",
        d.total.service_level.half_width
    );

    // Against scipy 1.17.1: base [0.80, 0.82, 0.79, 0.85, 0.81], other
    // [0.83, 0.84, 0.80, 0.88, 0.80]; `stats.t.interval(0.95, 4, loc=mean,
    // scale=stats.sem(other - base))` has mean 0.016 and half-width
    // 0.020777012673671345 (and `ttest_rel` p = 0.0993: not significant,
    // the interval contains 0).
    let set = |reps: &[Replication], v: [f64; 5]| -> Vec<Replication> {
        reps.iter()
            .zip(v)
            .map(|(r, x)| {
                let mut r = r.clone();
                r.total.service_level = x;
                r
            })
            .collect()
    };
    let base = set(&lia[..5], [0.80, 0.82, 0.79, 0.85, 0.81]);
    let other = set(&oa[..5], [0.83, 0.84, 0.80, 0.88, 0.80]);
    let e = sim
        .compare(&base, &other, 0.95)
        .unwrap()
        .differences
        .total
        .service_level;
    assert!((e.mean - 0.016).abs() < 1e-12, "{e:?}");
    assert!((e.half_width - 0.020777012673671345).abs() < 1e-9, "{e:?}");
    assert!(e.contains(0.0));

    // Not paired: another order, or one list shorter.
    let mut shuffled = oa.clone();
    shuffled.swap(0, 1);
    assert_eq!(
        sim.compare(&lia, &shuffled, 0.95).unwrap_err(),
        ReportError::NotPaired {
            position: 0,
            base: Some(0),
            other: Some(1),
        }
    );
    assert_eq!(
        sim.compare(&lia, &oa[..9], 0.95).unwrap_err(),
        ReportError::NotPaired {
            position: 9,
            base: Some(9),
            other: None,
        }
    );
    assert!(matches!(
        sim.compare(&lia, &oa, 1.0),
        Err(ReportError::Confidence(_))
    ));
}

/// Student's t over the finite `xs`, by statrs directly: (mean,
/// half-width, n), NaN where undefined.
fn student_t(xs: &[f64], confidence: f64) -> (f64, f64, u32) {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    use statrs::statistics::Statistics;
    let xs: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    let n = xs.len();
    let mean = if n == 0 {
        f64::NAN
    } else {
        xs.iter().sum::<f64>() / n as f64
    };
    if n < 2 {
        return (mean, f64::NAN, n as u32);
    }
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).unwrap();
    let q = t.inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    (mean, q * xs.std_dev() / (n as f64).sqrt(), n as u32)
}

/// `a` and `b` the same within `tol` relative, or both NaN.
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// A comparison's wait percentiles are the difference of the two reports'
/// (pooled over replications), to the last bit, in every row a report
/// pools; their intervals and `n` are the paired ones (statrs over the
/// per-replication differences), as every other metric's are. The old
/// comparison gave the mean of the replications' own differences, which
/// can differ from the reports' difference by more than its interval.
#[test]
fn comparison_percentiles_are_the_reports_difference() {
    let mut sc = multiskill().scenario().clone();
    sc.replications = 6;
    let sim = Simulation::new(sc).unwrap();
    let run = |spec| {
        sim.replications_policy(&spec, RunOptions::default())
            .unwrap()
    };
    let base = run(PolicySpec::LongestIdleAgent);
    let mut other = run(PolicySpec::OptimalAssignment { non_idling: true });
    // A replication whose own p90 is undefined (as with no answered
    // contact) leaves its pair out of the interval and of `n`, not out of
    // the pooled point.
    other[2].total.wait_p90 = f64::NAN;
    let c = 0.9;
    let d = sim.compare(&base, &other, c).unwrap().differences;
    let (rb, ro) = (
        sim.report(&base, c).unwrap(),
        sim.report(&other, c).unwrap(),
    );
    // A row of a replication: by section and index.
    fn pick<'a>(r: &'a Replication, section: &str, i: usize) -> &'a Metrics<f64> {
        match section {
            "type" => &r.by_type[i],
            "channel" => &r.by_channel[i],
            "segment" => &r.by_segment[i],
            "group" => &r.by_group[i],
            "interval" => &r.by_interval[i],
            _ => &r.total,
        }
    }
    let mut rows = vec![(
        "total",
        0,
        "all".to_string(),
        &d.total,
        &ro.total,
        &rb.total,
    )];
    for (section, (dr, (or, br))) in [
        ("type", (&d.by_type, (&ro.by_type, &rb.by_type))),
        ("channel", (&d.by_channel, (&ro.by_channel, &rb.by_channel))),
        ("segment", (&d.by_segment, (&ro.by_segment, &rb.by_segment))),
        ("group", (&d.by_group, (&ro.by_group, &rb.by_group))),
    ] {
        for (i, ((x, o), b)) in dr.iter().zip(or).zip(br).enumerate() {
            // A report's channels are those some type uses: by name.
            let channels = &sim.scenario().channels;
            let i = match section {
                "channel" => channels.iter().position(|c| *c == x.name).unwrap(),
                _ => i,
            };
            rows.push((
                section,
                i,
                x.name.clone(),
                &x.metrics,
                &o.metrics,
                &b.metrics,
            ));
        }
    }
    for (i, ((x, o), b)) in d
        .by_interval
        .iter()
        .zip(&ro.by_interval)
        .zip(&rb.by_interval)
        .enumerate()
    {
        rows.push((
            "interval",
            i,
            x.label.clone(),
            &x.metrics,
            &o.metrics,
            &b.metrics,
        ));
    }
    for section in ["type", "channel", "segment", "group", "interval"] {
        assert!(
            rows.iter().filter(|r| r.0 == section).count() > 1,
            "{section}"
        );
    }
    let mut apart = 0;
    for &(section, i, ref name, dm, om, bm) in &rows {
        let per_rep: Vec<Metrics<f64>> = base
            .iter()
            .zip(&other)
            .map(|(b, o)| pick(o, section, i).minus(pick(b, section, i)))
            .collect();
        for (k, metric) in Metrics::<f64>::NAMES.iter().enumerate() {
            let e = dm.values().nth(k).unwrap();
            let xs: Vec<f64> = per_rep
                .iter()
                .map(|m| *m.values().nth(k).unwrap())
                .collect();
            let (mean, hw, n) = student_t(&xs, c);
            let what = format!("{section} {name} {metric}: {e:?} vs mean {mean}, hw {hw}, n {n}");
            assert!(close(e.half_width, hw, 1e-9), "{what}");
            assert_eq!(e.n, n, "{what}");
            if metric.starts_with("wait_p") {
                let (o, b) = (om.values().nth(k).unwrap(), bm.values().nth(k).unwrap());
                let want = o.mean - b.mean;
                assert!(
                    e.mean.to_bits() == want.to_bits() || (e.mean.is_nan() && want.is_nan()),
                    "{what}; reports {} − {}",
                    o.mean,
                    b.mean
                );
                apart += usize::from(!close(e.mean, mean, 1e-9));
            } else {
                assert!(close(e.mean, mean, 1e-12), "{what}");
            }
        }
    }
    assert!(
        apart > 10,
        "pooled and per-replication points differ: {apart}"
    );
    assert_eq!(d.total.wait_p90.n, 5);
    assert!(d.total.wait_p90.mean.is_finite());
    // The interval × type cells are pooled too (tests/report_pooling.rs):
    // the reports' difference, with the pairs' own interval.
    for (i, x) in d.by_interval_type.iter().enumerate() {
        let xs: Vec<f64> = base
            .iter()
            .zip(&other)
            .map(|(b, o)| o.by_interval_type[i].wait_p90 - b.by_interval_type[i].wait_p90)
            .collect();
        let (_, hw, n) = student_t(&xs, c);
        let e = x.metrics.wait_p90;
        let want = ro.by_interval_type[i].metrics.wait_p90.mean
            - rb.by_interval_type[i].metrics.wait_p90.mean;
        assert!(close(e.mean, want, 0.0) && close(e.half_width, hw, 1e-9) && e.n == n);
    }
}

#[test]
fn draining_empties_the_center() {
    let mut s = multiskill().scenario().clone();
    s.drain = true;
    let sim = Simulation::new(s).unwrap();
    for rep in 0..2 {
        let mut obs = Collect::default();
        let r = sim
            .replicate_observed(LongestIdleAgent, rep, &mut obs)
            .unwrap();
        let c = r.router_counts;
        assert_eq!(c.waiting + c.offered + c.in_service + c.wrap_up, 0, "{c:?}");
        assert_eq!(c.arrived, c.completed + c.abandoned);
        assert!(r.end_time > 7200.0, "{}", r.end_time);
        assert!(obs.0.iter().all(|x| x.end != ContactEnd::InSystem));
        assert!(obs.0.iter().all(|x| x.arrival < 7200.0));
        check_conservation(&r, &obs.0, "drain");
    }
}

/// A service that never ends (its time overflows f64: a speed near 0) does
/// not stop a draining run from ending: the run ends when nothing else can
/// happen in finite time, with those contacts still in service and
/// accounted for. (Found by `tests/fuzz.rs`: the engine handed the
/// router an event at t = ∞, which it refused, and the run failed.)
#[test]
fn a_draining_run_ends_when_only_endless_services_remain() {
    let mut s = multiskill().scenario().clone();
    s.drain = true;
    s.groups[0].speed = 1e-310; // work / speed = ∞
    let sim = Simulation::new(s).unwrap();
    let mut obs = Collect::default();
    let r = sim
        .replicate_observed(LongestIdleAgent, 0, &mut obs)
        .unwrap();
    let c = r.router_counts;
    assert!(c.in_service + c.wrap_up > 0, "{c:?}");
    assert!(
        r.end_time.is_finite() && r.end_time >= 7200.0,
        "{}",
        r.end_time
    );
    check_conservation(&r, &obs.0, "endless services");
}

/// The same with finite services beyond the router's clock (`TIME_LIMIT`,
/// 1e12 s): they never end either, and the run is not stopped by an error
/// from the router. A horizon beyond that clock is refused at load.
#[test]
fn a_draining_run_ends_before_the_routers_clock_runs_out() {
    let mut s = multiskill().scenario().clone();
    s.drain = true;
    s.groups[0].speed = 1e-13; // services of 1e13 s and more
    let sim = Simulation::new(s.clone()).unwrap();
    let mut obs = Collect::default();
    let r = sim
        .replicate_observed(LongestIdleAgent, 0, &mut obs)
        .unwrap();
    let c = r.router_counts;
    assert!(c.in_service + c.wrap_up > 0, "{c:?}");
    assert!(r.end_time <= skillroute::TIME_LIMIT, "{}", r.end_time);
    check_conservation(&r, &obs.0, "services past the clock");
    s.horizon = 2e12;
    let e = Simulation::new(s).unwrap_err().to_string();
    assert!(e.contains("horizon") && e.contains("1e12"), "{e}");
}

/// Piecewise-constant Poisson arrivals: the count in each piece has mean
/// rate × length. 200 replications; 99.9% intervals on each of three checks.
#[test]
fn piecewise_arrivals_follow_their_rates() {
    let text = r#"
        horizon = 400.0
        replications = 200
        interval = 100.0
        skills = ["s"]
        [[groups]]
        name = "a"
        count = 1000
        skills = { s = 1 }
        capacity = { voice = 1 }
        [[contact_types]]
        name = "c"
        channel = "voice"
        requires = { s = 1 }
        arrivals = { kind = "piecewise", interval = 100.0, rates = [1.0, 0.0, 3.0] }
        service = { kind = "constant", value = 1.0 }
    "#;
    let sim = Simulation::new(Scenario::from_toml_str(text).unwrap()).unwrap();
    let reps = sim
        .replications(|| LongestIdleAgent, RunOptions::default())
        .unwrap();
    for (i, want) in [100.0, 0.0, 300.0, 0.0].into_iter().enumerate() {
        let xs: Vec<f64> = reps.iter().map(|r| r.by_interval[i].offered).collect();
        let e = skillroute::sim::Estimate::from_samples(&xs, 0.999);
        if want == 0.0 {
            assert_eq!(e.mean, 0.0, "interval {i}");
        } else {
            assert!(
                e.contains(want),
                "interval {i}: {} ± {} vs {want}",
                e.mean,
                e.half_width
            );
        }
    }
    // With a free agent always at hand, nobody waits.
    assert!(
        reps.iter()
            .all(|r| r.total.p_wait == 0.0 && r.total.service_level == 1.0)
    );
}

/// Value stability: a seeded run's first customers and its results, pinned.
/// These depend only on the seed mix (`sim::rng`), `rand_distr`'s samplers,
/// the event order and FIFO service (in M/M/n with equal speeds, which agent
/// answers changes nothing), so a change here breaks reproducibility and
/// must be announced as such.
#[test]
fn golden_values_of_a_seeded_run() {
    let text = r#"
        seed = 2024
        horizon = 2000.0
        warm_up = 200.0
        skills = ["s"]
        [[groups]]
        name = "a"
        count = 10
        skills = { s = 1 }
        capacity = { voice = 1 }
        [[contact_types]]
        name = "c"
        channel = "voice"
        requires = { s = 1 }
        arrivals = { kind = "poisson", rate = 9.0 }
        service = { kind = "exponential", mean = 1.0 }
        patience = { kind = "exponential", mean = 2.0 }
    "#;
    let sim = Simulation::new(Scenario::from_toml_str(text).unwrap()).unwrap();
    let mut obs = Collect::default();
    let r = sim
        .replicate_observed(LongestIdleAgent, 0, &mut obs)
        .unwrap();
    obs.0.sort_by_key(|x| x.serial);
    let first: Vec<(f64, f64)> = obs.0.iter().take(3).map(|x| (x.arrival, x.work)).collect();
    assert_eq!(first, GOLDEN_FIRST);
    assert_eq!(
        (r.arrived, r.total.answered, r.total.abandoned, r.total.asa),
        GOLDEN_TOTALS
    );
}

const GOLDEN_FIRST: [(f64, f64); 3] = [
    (0.10972396960586853, 0.8434423979122925),
    (0.3112957218540583, 3.0202286348189316),
    (0.39035722084884117, 1.0373493659348192),
];
const GOLDEN_TOTALS: (u64, f64, f64, f64) = (18153, 15124.0, 1167.0, 0.1330501111510565);

/// Interval × type rows split the contacts two ways: over the intervals they
/// add up to each type's row, over the types to each interval's row (counts
/// exactly; waits and service level through their sums).
#[test]
fn interval_type_rows_add_up_to_types_and_intervals() {
    let sim = multiskill();
    let nt = sim.contact_types().len();
    type Pick = fn(&Metrics<f64>) -> f64;
    let counts: [(&str, Pick); 5] = [
        ("offered", |m| m.offered),
        ("answered", |m| m.answered),
        ("abandoned", |m| m.abandoned),
        ("waiting_at_end", |m| m.waiting_at_end),
        ("late_at_end", |m| m.late_at_end),
    ];
    // Sums behind the ratios (0 where the ratio is undefined).
    let sums: [(&str, Pick); 3] = [
        ("wait of answered", |m| nz(m.asa * m.answered)),
        ("answered within", |m| {
            nz(m.service_level * (m.answered + m.abandoned + m.late_at_end)).round()
        }),
        ("handle time", |m| nz(m.handle_time * m.answered)),
    ];
    fn nz(x: f64) -> f64 {
        if x.is_finite() { x } else { 0.0 }
    }
    for rep in 0..2 {
        let r = sim.replicate(LongestIdleAgent, rep).unwrap();
        let ni = r.by_interval.len();
        assert_eq!(r.by_interval_type.len(), ni * nt);
        let cell = |i: usize, k: usize| &r.by_interval_type[i * nt + k];
        for (what, pick) in counts.iter().chain(&sums) {
            for k in 0..nt {
                let over_intervals: f64 = (0..ni).map(|i| pick(cell(i, k))).sum();
                let want = pick(&r.by_type[k]);
                assert!(
                    (over_intervals - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "rep {rep}, type {k}, {what}: {over_intervals} vs {want}"
                );
            }
            for i in 0..ni {
                let over_types: f64 = (0..nt).map(|k| pick(cell(i, k))).sum();
                let want = pick(&r.by_interval[i]);
                assert!(
                    (over_types - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "rep {rep}, interval {i}, {what}: {over_types} vs {want}"
                );
            }
        }
        // Not a trivial split: every type spreads over several intervals.
        for k in 0..nt {
            assert!((0..ni).filter(|&i| cell(i, k).offered > 0.0).count() > 2);
        }
    }
    // The report's rows: means over replications, named and placed.
    let report = sim.run().unwrap();
    for (j, row) in report.by_interval_type.iter().enumerate() {
        assert_eq!(row.contact_type, report.by_type[j % nt].name);
        assert_eq!(row.start, report.by_interval[j / nt].start);
        assert_eq!(row.end, report.by_interval[j / nt].end);
        assert_eq!(row.metrics.offered.n, report.replications);
    }
    for k in 0..nt {
        let sum: f64 = report
            .by_interval_type
            .iter()
            .skip(k)
            .step_by(nt)
            .map(|row| row.metrics.offered.mean)
            .sum();
        let want = report.by_type[k].metrics.offered.mean;
        assert!(
            (sum - want).abs() < 1e-9 * want,
            "type {k}: {sum} vs {want}"
        );
    }
}

/// Interval × channel rows are their channel's interval × type rows
/// together: over the intervals they add up to the channel's row, over the
/// channels to the interval's row; the report keeps the channels in use,
/// named, and the plot's per-channel service level reads from them.
#[test]
fn interval_channel_rows_add_up_to_channels_and_intervals() {
    let sim = multiskill();
    let report = sim.run().unwrap();
    let channels = &sim.scenario().channels;
    let nc = channels.len();
    let nt = sim.contact_types().len();
    assert_eq!(report.type_channels.len(), nt);
    let channel_of: Vec<usize> = report
        .type_channels
        .iter()
        .map(|name| channels.iter().position(|c| c == name).unwrap())
        .collect();
    // Two channels in use, one with several types: not a copy of a type row.
    assert_eq!(report.by_channel.len(), 2);
    assert!(channel_of.iter().filter(|&&c| c == channel_of[0]).count() > 1);
    type Pick = fn(&Metrics<f64>) -> f64;
    let picks: [(&str, Pick); 4] = [
        ("offered", |m| m.offered),
        ("answered", |m| m.answered),
        ("abandoned", |m| m.abandoned),
        ("answered within", |m| {
            let x = (m.service_level * (m.answered + m.abandoned + m.late_at_end)).round();
            if x.is_finite() { x } else { 0.0 }
        }),
    ];
    for rep in 0..2 {
        let r = sim.replicate(LongestIdleAgent, rep).unwrap();
        let ni = r.by_interval.len();
        assert_eq!(r.by_interval_channel.len(), ni * nc);
        for (what, pick) in picks {
            for i in 0..ni {
                for c in 0..nc {
                    let types: f64 = (0..nt)
                        .filter(|&k| channel_of[k] == c)
                        .map(|k| pick(&r.by_interval_type[i * nt + k]))
                        .sum();
                    let cell = pick(&r.by_interval_channel[i * nc + c]);
                    assert_eq!(cell, types, "rep {rep}, interval {i}, channel {c}, {what}");
                }
                let over: f64 = (0..nc)
                    .map(|c| pick(&r.by_interval_channel[i * nc + c]))
                    .sum();
                assert_eq!(
                    over,
                    pick(&r.by_interval[i]),
                    "rep {rep}, interval {i}, {what}"
                );
            }
            for c in 0..nc {
                let over: f64 = (0..ni)
                    .map(|i| pick(&r.by_interval_channel[i * nc + c]))
                    .sum();
                assert_eq!(
                    over,
                    pick(&r.by_channel[c]),
                    "rep {rep}, channel {c}, {what}"
                );
            }
        }
    }
    let used: Vec<&str> = report.by_channel.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        report.by_interval_channel.len(),
        report.by_interval.len() * used.len()
    );
    for (j, row) in report.by_interval_channel.iter().enumerate() {
        let interval = &report.by_interval[j / used.len()];
        assert_eq!(row.channel, used[j % used.len()]);
        assert_eq!((row.start, row.end), (interval.start, interval.end));
        assert_eq!(row.label, interval.label);
        assert_eq!(row.metrics.offered.n, report.replications);
    }
    let csv = report.to_csv();
    let first = &report.by_interval_channel[0];
    let line = format!(
        "interval-channel,{},{},{},{},offered,{},",
        first.channel, first.start, first.end, first.label, first.metrics.offered.mean
    );
    assert!(csv.lines().any(|l| l.starts_with(&line)), "{line}");
}

/// Interval × group rows split the answers and the agents' time two ways:
/// over the intervals they add up to each group's row, over the groups to
/// each interval's row; likewise when one interval or one group makes them
/// copies (a one-group scenario shortcuts its group rows).
#[test]
fn interval_group_rows_add_up_to_groups_and_intervals() {
    type Pick = fn(&Metrics<f64>) -> f64;
    fn nz(x: f64) -> f64 {
        if x.is_finite() { x } else { 0.0 }
    }
    // Sums behind the rows (0 where undefined): answers, their waits and
    // handle times, and agent-seconds (agents x span) through `agents`.
    let picks: [(&str, Pick); 3] = [
        ("answered", |m| m.answered),
        ("wait of answered", |m| nz(m.asa * m.answered)),
        ("handle time", |m| nz(m.handle_time * m.answered)),
    ];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let one_interval = {
        let mut s = multiskill().scenario().clone();
        s.interval = None;
        Simulation::new(s).unwrap()
    };
    let one_group = {
        let mut s = multiskill().scenario().clone();
        s.groups.truncate(1);
        s.groups[0].skills = s.skills.iter().map(|k| (k.clone(), 10)).collect();
        s.groups[0].capacity = s.channels.iter().map(|c| (c.clone(), 1)).collect();
        s.groups[0].shifts.clear();
        Simulation::new(s).unwrap()
    };
    for (what, sim) in [
        ("multiskill", multiskill()),
        ("one interval", one_interval),
        ("one group", one_group),
    ] {
        let ng = sim.groups().len();
        for rep in 0..2 {
            let r = sim.replicate(LongestIdleAgent, rep).unwrap();
            let ni = r.by_interval.len();
            assert_eq!(r.by_interval_group.len(), ni * ng, "{what}");
            let cell = |i: usize, g: usize| &r.by_interval_group[i * ng + g];
            for (m, pick) in &picks {
                for g in 0..ng {
                    let over: f64 = (0..ni).map(|i| pick(cell(i, g))).sum();
                    let want = pick(&r.by_group[g]);
                    assert!(
                        close(over, want),
                        "{what} {rep}, group {g}, {m}: {over} vs {want}"
                    );
                }
                for i in 0..ni {
                    let over: f64 = (0..ng).map(|g| pick(cell(i, g))).sum();
                    let want = pick(&r.by_interval[i]);
                    assert!(
                        close(over, want),
                        "{what} {rep}, interval {i}, {m}: {over} vs {want}"
                    );
                }
            }
            // Agents logged in: each interval's groups add up to it.
            for i in 0..ni {
                let over: f64 = (0..ng).map(|g| nz(cell(i, g).agents)).sum();
                let want = nz(r.by_interval[i].agents);
                assert!(
                    close(over, want),
                    "{what} {rep}, interval {i}: agents {over} vs {want}"
                );
            }
            if ni > 1 && ng > 1 {
                // Not a trivial split: a shift change moves agents between
                // groups across the day.
                let busy = |g: usize| (0..ni).filter(|&i| nz(cell(i, g).agents) > 0.0).count();
                assert!(
                    (0..ng).any(|g| busy(g) < ni),
                    "{what}: some group is off part of the day"
                );
            }
        }
        let report = sim.run().unwrap();
        for (j, row) in report.by_interval_group.iter().enumerate() {
            assert_eq!(row.group, report.by_group[j % ng].name);
            assert_eq!(row.start, report.by_interval[j / ng].start);
        }
    }
}

/// `rebalance_every` sends the router a re-plan at every multiple of the
/// period before the horizon. The built-in policies are non-idling, so the
/// re-plans find nothing to change: the same contacts are answered by the
/// same agents at the same times, and every contact is still accounted for.
#[test]
fn periodic_rebalances_fire_on_schedule_and_change_nothing_for_non_idling_policies() {
    let plain = multiskill();
    let mut s = plain.scenario().clone();
    s.rebalance_every = Some(7.0);
    let sim = Simulation::new(s).unwrap();
    // k × 7 < 7200 for k = 1..=1028.
    let expected = 1028;
    for spec in PolicySpec::builtins() {
        let (r, records) = run_builtin(&sim, &spec, 1);
        let (r0, records0) = run_builtin(&plain, &spec, 1);
        assert_eq!(r.rebalances, expected, "{}", spec.name());
        assert_eq!(r0.rebalances, 0);
        assert_eq!(r.events, r0.events + expected, "{}", spec.name());
        check_conservation(&r, &records, &format!("{} with re-plans", spec.name()));
        let by = |x: &Replication| serde_json::to_string(&(&x.total, &x.by_type, &x.by_group));
        assert_same(
            &by(&r).unwrap(),
            &by(&r0).unwrap(),
            &format!("{}: re-plans changed the results", spec.name()),
        );
        assert_eq!(records, records0, "{}", spec.name());
    }
    // Draining past the horizon adds no re-plans (else it would never end).
    let mut s = sim.scenario().clone();
    s.drain = true;
    let r = Simulation::new(s)
        .unwrap()
        .replicate(LongestIdleAgent, 0)
        .unwrap();
    assert_eq!(r.rebalances, expected);
    assert!(r.end_time > 7200.0);
    // A period that does not divide the horizon, and one longer than it.
    for (every, want) in [(1000.0, 7), (7200.0, 0), (9000.0, 0)] {
        let mut s = plain.scenario().clone();
        s.rebalance_every = Some(every);
        let r = Simulation::new(s)
            .unwrap()
            .replicate(LongestIdleAgent, 0)
            .unwrap();
        assert_eq!(r.rebalances, want, "every {every}");
    }
}

/// Two identical groups; gold customers fit group `b` (1.0), standard ones
/// fit group `a` (0.5), nothing else fits. Only optimal assignment scores
/// pairs, so it alone steers customers to the agents that fit them, and
/// `mean_fit` shows it.
#[test]
fn a_fit_table_steers_optimal_assignment_and_the_report_shows_it() {
    const CENTER: &str = r#"
        seed = 5
        horizon = 20000.0
        warm_up = 1000.0
        replications = 4
        skills = ["s"]
        [[groups]]
        name = "a"
        count = 5
        skills = { s = 5 }
        capacity = { voice = 1 }
        [[groups]]
        name = "b"
        count = 5
        skills = { s = 5 }
        capacity = { voice = 1 }
        [[contact_types]]
        name = "c"
        channel = "voice"
        requires = { s = 1 }
        segments = { standard = 0.5, gold = 0.5 }
        arrivals = { kind = "poisson", rate = 0.03 }
        service = { kind = "exponential", mean = 100.0 }
    "#;
    const FIT: &str = "[fit]\nsegments = { gold = { b = 1.0 }, standard = { a = 0.5 } }\n";
    let sim = Simulation::new(Scenario::from_toml_str(&format!("{CENTER}{FIT}")).unwrap()).unwrap();
    let segs = sim.segments().to_vec();
    let (standard, gold) = (
        segs.iter().position(|s| s == "standard").unwrap() as u32,
        segs.iter().position(|s| s == "gold").unwrap() as u32,
    );

    // The streamed mean is the trace's: the share of counted, answered
    // contacts of the segment that agents of the fitting group answered.
    let mut obs = Collect::default();
    let lia = sim
        .replicate_observed(LongestIdleAgent, 0, &mut obs)
        .unwrap();
    let share = |seg: u32, group_b: bool| {
        let answered: Vec<_> = obs
            .0
            .iter()
            .filter(|x| x.segment == seg && x.arrival >= 1000.0 && x.answered.is_some())
            .collect();
        let hits = answered
            .iter()
            .filter(|x| (x.agent.unwrap().0 >= 5) == group_b)
            .count();
        hits as f64 / answered.len() as f64
    };
    let g = lia.by_segment[gold as usize].mean_fit;
    assert!((g - share(gold, true)).abs() < 1e-12, "{g}");
    let st = lia.by_segment[standard as usize].mean_fit;
    assert!((st - 0.5 * share(standard, false)).abs() < 1e-12, "{st}");
    // Group rows: b answers only fit-1 gold and fit-0 standard contacts.
    let b = &lia.by_group[1];
    assert!(b.mean_fit > 0.0 && b.mean_fit < 1.0, "{}", b.mean_fit);

    // Longest idle ignores fit (about half of each segment fits); optimal
    // assignment sends nearly every customer to an agent that fits.
    let lia = sim
        .run_with(|| LongestIdleAgent, RunOptions::default())
        .unwrap();
    let opt = sim
        .run_with(OptimalAssignment::default, RunOptions::default())
        .unwrap();
    let fit = |r: &skillroute::sim::Report, seg: u32| r.by_segment[seg as usize].metrics.mean_fit;
    assert!(fit(&lia, gold).high() < 0.65, "{:?}", fit(&lia, gold));
    assert!(fit(&opt, gold).low() > 0.85, "{:?}", fit(&opt, gold));
    assert!(
        fit(&lia, standard).high() < 0.35,
        "{:?}",
        fit(&lia, standard)
    );
    assert!(fit(&opt, standard).low() > 0.4, "{:?}", fit(&opt, standard));
    assert!(opt.total.mean_fit.mean > lia.total.mean_fit.mean + 0.2);
    // The same customers either way.
    assert_eq!(opt.total.offered, lia.total.offered);

    // Without a table there is no fit to report.
    let plain = Simulation::new(Scenario::from_toml_str(CENTER).unwrap()).unwrap();
    let r = plain.replicate(OptimalAssignment::default(), 0).unwrap();
    assert!(r.total.mean_fit.is_nan() && r.by_segment.iter().all(|m| m.mean_fit.is_nan()));
    assert!(
        serde_json::to_string(&r.total)
            .unwrap()
            .contains("\"mean_fit\":null")
    );
}

/// A batch window (`batch_window = true`, `rebalance_every = 10`): policies
/// decide only at the multiples of 10 s, so every answer falls on one (no
/// ring delays here), contacts wait about half a window on average even with
/// agents free, nothing is lost, and a draining run still empties.
#[test]
fn a_batch_window_answers_only_at_the_window_instants() {
    let text = |batch: bool| {
        format!(
            r#"
            seed = 9
            horizon = 20000.0
            replications = 2
            {}
            skills = ["s"]
            [[groups]]
            name = "a"
            count = 10
            skills = {{ s = 5 }}
            capacity = {{ voice = 1, chat = 2 }}
            [[contact_types]]
            name = "call"
            channel = "voice"
            requires = {{ s = 1 }}
            arrivals = {{ kind = "poisson", rate = 0.03 }}
            service = {{ kind = "exponential", mean = 100.0 }}
            patience = {{ kind = "exponential", mean = 300.0 }}
            [[contact_types]]
            name = "chat"
            channel = "chat"
            requires = {{ s = 1 }}
            arrivals = {{ kind = "poisson", rate = 0.02 }}
            service = {{ kind = "exponential", mean = 200.0 }}
            "#,
            if batch {
                "rebalance_every = 10.0\nbatch_window = true"
            } else {
                ""
            }
        )
    };
    let batch = Simulation::new(Scenario::from_toml_str(&text(true)).unwrap()).unwrap();
    let now = Simulation::new(Scenario::from_toml_str(&text(false)).unwrap()).unwrap();
    for spec in [
        PolicySpec::LongestIdleAgent,
        PolicySpec::OptimalAssignment { non_idling: true },
    ] {
        let (r, records) = run_builtin(&batch, &spec, 0);
        let (r0, _) = run_builtin(&now, &spec, 0);
        let what = format!("{} in a batch window", spec.name());
        check_conservation(&r, &records, &what);
        assert_eq!(r.rebalances, 1999, "{what}");
        let mut answered = 0;
        for x in &records {
            if let Some(t) = x.answered {
                answered += 1;
                assert_eq!((t / 10.0).round() * 10.0, t, "{what}: answered at {t}");
            }
        }
        assert!(answered > 500, "{what}: {answered}");
        // Without the window (a light load) almost nobody waits; with it the
        // wait is about half a window.
        assert!(r0.total.asa < 1.0, "{what}: {}", r0.total.asa);
        assert!(
            r.total.asa > 3.0 && r.total.asa < 7.0,
            "{what}: ASA {}",
            r.total.asa
        );
        assert_eq!(r.total.offered, r0.total.offered, "the same customers");
    }
    // Draining: one last re-plan at the horizon closes the last window.
    let mut s = batch.scenario().clone();
    s.drain = true;
    let sim = Simulation::new(s).unwrap();
    let (r, records) = run_builtin(&sim, &PolicySpec::LongestIdleAgent, 1);
    assert_eq!(r.rebalances, 2000);
    let c = r.router_counts;
    assert_eq!(c.waiting + c.offered + c.in_service + c.wrap_up, 0, "{c:?}");
    check_conservation(&r, &records, "draining batch window");
}

/// An arrival at a window's very instant, which the event list has before
/// the re-plan there, is not decided alone ahead of the contacts that
/// waited the period: one agent, busy from 10 to 25; a contact waits from
/// 12; another arrives at 30, the instant of the third re-plan (its arrival
/// was scheduled at 12, the re-plan at 20). The one waiting since 12 is
/// answered at 30 under every policy, the newcomer at the next window after
/// the agent is free again (50); the newcomer took the agent before.
#[test]
fn a_window_instants_arrival_does_not_jump_the_batch() {
    let text = r#"
        horizon = 100.0
        rebalance_every = 10.0
        batch_window = true
        skills = ["s"]
        [[groups]]
        name = "g"
        count = 1
        skills = { s = 5 }
        capacity = { voice = 1 }
        [[contact_types]]
        name = "t"
        channel = "voice"
        requires = { s = 1 }
        arrivals = { kind = "trace", times = [0.5, 12.0, 30.0] }
        service = { kind = "constant", value = 15.0 }
    "#;
    let sim = Simulation::new(Scenario::from_toml_str(text).unwrap()).unwrap();
    for spec in PolicySpec::builtins() {
        let (r, mut records) = run_builtin(&sim, &spec, 0);
        check_conservation(&r, &records, spec.name());
        records.sort_by_key(|x| x.serial);
        let answered: Vec<Option<f64>> = records.iter().map(|x| x.answered).collect();
        assert_eq!(
            answered,
            [Some(10.0), Some(30.0), Some(50.0)],
            "{}: answered at",
            spec.name()
        );
    }
}

/// Events at a re-plan's very instant that the event list has after the
/// re-plan are not held for a whole period: the re-plan has decided, and
/// they are decided at that instant with what it left. A contact arriving
/// at 10, the first re-plan's instant, to an idle agent (its arrival was
/// scheduled after the re-plan) is answered at 10, not 20; an agent freed
/// at 10 (its service began at 0) takes the contact waiting since 0 at 10.
#[test]
fn events_after_a_replan_at_its_instant_are_not_held_a_period() {
    let scenario = |times: &str| {
        format!(
            r#"
        horizon = 100.0
        rebalance_every = 10.0
        batch_window = true
        skills = ["s"]
        [[groups]]
        name = "g"
        count = 1
        skills = {{ s = 5 }}
        capacity = {{ voice = 1 }}
        [[contact_types]]
        name = "t"
        channel = "voice"
        requires = {{ s = 1 }}
        arrivals = {{ kind = "trace", times = [{times}] }}
        service = {{ kind = "constant", value = 10.0 }}
    "#
        )
    };
    for (times, expect) in [
        ("10.0", vec![Some(10.0)]),
        ("0.0, 0.0", vec![Some(0.0), Some(10.0)]),
    ] {
        let sim = Simulation::new(Scenario::from_toml_str(&scenario(times)).unwrap()).unwrap();
        for spec in PolicySpec::builtins() {
            let (r, mut records) = run_builtin(&sim, &spec, 0);
            check_conservation(&r, &records, spec.name());
            records.sort_by_key(|x| x.serial);
            let answered: Vec<Option<f64>> = records.iter().map(|x| x.answered).collect();
            assert_eq!(answered, expect, "{}: arrivals {times}", spec.name());
        }
    }
}

/// `task_of` is the inverse of `task_replications` at any size, in O(1):
/// it scanned every task, so naming the tasks of a million missing
/// replications took hours. More than a million replications is refused
/// by name (a merge listed every missing index: sixteen gigabytes for
/// four billion).
#[test]
fn task_of_inverts_the_shares_at_any_size() {
    let mut sc = multiskill().scenario().clone();
    for r in [1_u32, 2, 7, 1000, 999_983, 1_000_000] {
        sc.replications = r;
        let sim = Simulation::new(sc.clone()).unwrap();
        for tasks in [1, 2, 3, 7, 1000, 65_537, r / 2 + 1, r - 1, r] {
            if tasks == 0 || tasks > r {
                continue;
            }
            // Each task's first and last replication and its neighbours,
            // for a spread of tasks (all of them when few).
            let step = (tasks / 50).max(1) as usize;
            for t in (0..tasks).step_by(step).chain([tasks - 1]) {
                let range = sim.task_replications(t, tasks).unwrap();
                for i in [range.start, range.end - 1] {
                    assert_eq!(
                        sim.task_of(i, tasks),
                        Some(t),
                        "r {r}, {tasks} tasks, replication {i}"
                    );
                }
            }
        }
        assert_eq!(sim.task_of(r, 1), None);
        assert_eq!(sim.task_of(0, 0), None);
        assert_eq!(sim.task_of(0, r + 1), None);
    }
    sc.replications = 1_000_001;
    let e = Simulation::new(sc).unwrap_err().to_string();
    assert!(
        e.contains("replications") && e.contains("at most 1000000"),
        "{e}"
    );
}

/// A draining run's horizon is a window's instant like the others: events
/// there that the event list has before the last re-plan join it. Two
/// agents; the first contact is answered at 10 and served until 35, the
/// horizon (its end was scheduled at 10, the horizon's re-plan at 30);
/// another arrives at 31 and waits for the window with the other agent
/// idle since 0. The horizon's re-plan gives it to the longest idle, the
/// agent that did not serve the first, under every built-in policy; the
/// freed agent took it alone, at its service end, before the re-plan.
/// Without the drain the run stops at the horizon with it still waiting.
#[test]
fn events_at_a_draining_horizon_join_its_replan() {
    let text = |drain: bool| {
        format!(
            r#"
        horizon = 35.0
        drain = {drain}
        rebalance_every = 10.0
        batch_window = true
        skills = ["s"]
        [[groups]]
        name = "g"
        count = 2
        skills = {{ s = 5 }}
        capacity = {{ voice = 1 }}
        [[contact_types]]
        name = "t"
        channel = "voice"
        requires = {{ s = 1 }}
        arrivals = {{ kind = "trace", times = [0.5, 31.0] }}
        service = {{ kind = "constant", value = 25.0 }}
    "#
        )
    };
    let sim = |drain| Simulation::new(Scenario::from_toml_str(&text(drain)).unwrap()).unwrap();
    let (draining, open) = (sim(true), sim(false));
    for spec in PolicySpec::builtins() {
        let what = spec.name();
        let (r, mut records) = run_builtin(&draining, &spec, 0);
        check_conservation(&r, &records, what);
        assert_eq!(r.rebalances, 4, "{what}: 10, 20, 30 and the horizon");
        records.sort_by_key(|x| x.serial);
        let answered: Vec<Option<f64>> = records.iter().map(|x| x.answered).collect();
        assert_eq!(answered, [Some(10.0), Some(35.0)], "{what}: answered at");
        assert!(records[0].agent.is_some(), "{what}");
        assert_ne!(
            records[1].agent, records[0].agent,
            "{what}: the agent freed at the horizon took the contact before the re-plan"
        );
        let (r, mut records) = run_builtin(&open, &spec, 0);
        check_conservation(&r, &records, what);
        records.sort_by_key(|x| x.serial);
        assert_eq!(records[1].answered, None, "{what}: not draining");
    }
}

/// A run split into numbered tasks (`--task N --tasks M`): the shares
/// partition the replications, and merging what the tasks wrote, in any
/// order, gives the single run's replications and report to the byte; what
/// is missing is named.
#[test]
fn tasks_partition_the_replications_and_merge_to_the_single_run() {
    let mut sc = multiskill().scenario().clone();
    sc.replications = 7;
    let sim = Simulation::new(sc).unwrap();
    for tasks in 1..=7 {
        let mut next = 0;
        for t in 0..tasks {
            let r = sim.task_replications(t, tasks).unwrap();
            assert_eq!(r.start, next, "contiguous");
            let (lo, hi) = (7 / tasks, 7_u32.div_ceil(tasks));
            assert!(
                (lo..=hi).contains(&(r.len() as u32)),
                "{tasks} tasks: share {r:?}"
            );
            for i in r.clone() {
                assert_eq!(sim.task_of(i, tasks), Some(t));
            }
            next = r.end;
        }
        assert_eq!(next, 7, "{tasks} tasks cover every replication");
    }
    for (task, tasks) in [(0, 0), (3, 3), (0, 8)] {
        assert!(matches!(
            sim.task_replications(task, tasks),
            Err(ReportError::Task { .. })
        ));
    }

    let spec = PolicySpec::CMu(CMu::default());
    let single = sim
        .replications_policy(&spec, RunOptions::default())
        .unwrap();
    // Three tasks, run separately, lines through JSON, gathered last first.
    let mut gathered = Vec::new();
    for t in (0..3).rev() {
        for r in sim.task_replications(t, 3).unwrap() {
            let line = serde_json::to_string(&sim.replicate_policy(&spec, r).unwrap()).unwrap();
            gathered.push(serde_json::from_str::<Replication>(&line).unwrap());
        }
    }
    let merged = sim.merge(spec.name(), gathered.clone()).unwrap();
    // (NaN metrics make `==` useless: compared as the JSON they travel in)
    assert_same(
        &serde_json::to_string(&merged).unwrap(),
        &serde_json::to_string(&single).unwrap(),
        "merged replications",
    );
    assert_same(
        &sim.report(&merged, 0.95).unwrap().to_json(),
        &sim.report(&single, 0.95).unwrap().to_json(),
        "merged report",
    );

    // Task 1 (replications 2..4) lost, and replication 6: both named.
    let partial: Vec<_> = gathered
        .iter()
        .filter(|r| !(2..4).contains(&r.replication) && r.replication != 6)
        .cloned()
        .collect();
    match sim.merge(spec.name(), partial.clone()) {
        Err(ReportError::Missing { policy, missing }) => {
            assert_eq!(policy, "c-mu");
            assert_eq!(missing, vec![2, 3, 6]);
        }
        other => panic!("{other:?}"),
    }
    // Through merge_tasks: the tasks that ran them, 1 and 2 of 3; a whole
    // set merges as merge does, other policies' lines left out.
    match sim.merge_tasks(std::slice::from_ref(&spec), partial, 3) {
        Err(ReportError::Rerun { tasks, of, detail }) => {
            assert_eq!((tasks, of), (vec![1, 2], 3));
            assert!(detail.contains("c-mu: 3 replications missing"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    let mut with_other = gathered.clone();
    with_other.push(sim.replicate(LongestIdleAgent, 0).unwrap());
    let runs = sim
        .merge_tasks(std::slice::from_ref(&spec), with_other, 3)
        .unwrap();
    assert_same(
        &serde_json::to_string(&runs[0]).unwrap(),
        &serde_json::to_string(&single).unwrap(),
        "merge_tasks",
    );
    let mut twice = gathered.clone();
    twice.push(gathered[0].clone());
    assert!(matches!(
        sim.merge(spec.name(), twice),
        Err(ReportError::Duplicate(_))
    ));
    assert!(matches!(
        sim.merge("longest-idle-agent", gathered.clone()),
        Err(ReportError::MixedPolicies { .. })
    ));
    // The same name run with two sets of parameters (other `--set policy.…`
    // in one task) is two experiments, even without the policy at hand.
    let mut mixed = gathered.clone();
    let odd = mixed.iter_mut().find(|r| r.replication == 4).unwrap();
    odd.policy_key = Some("0123456789abcdef".into());
    match sim.merge(spec.name(), mixed) {
        Err(ReportError::OtherPolicy {
            replication,
            found,
            expected,
            ..
        }) => {
            assert_eq!(replication, 4);
            assert_eq!(found, "0123456789abcdef");
            assert_eq!(Some(expected), gathered[0].policy_key);
        }
        other => panic!("{other:?}"),
    }
    let mut beyond = gathered.clone();
    beyond[0].replication = 7;
    assert!(matches!(
        sim.merge(spec.name(), beyond),
        Err(ReportError::OutOfRange {
            replication: 7,
            replications: 7
        })
    ));
    // Another seed, or one agent less, is another scenario: its
    // replications are refused by merge and report alike, whatever the
    // replication count; a replication without a key (written before keys
    // were kept) is taken on trust.
    let mut other_seed = sim.scenario().clone();
    other_seed.seed += 1;
    let mut fewer = sim.scenario().clone();
    fewer.groups[0].count -= 1;
    let mut more_reps = sim.scenario().clone();
    more_reps.replications = 9;
    more_reps.policy = PolicySpec::LongestIdleAgent;
    for (sc, same) in [(other_seed, false), (fewer, false), (more_reps, true)] {
        let other = Simulation::new(sc).unwrap();
        let merged = other.merge(spec.name(), gathered.clone());
        let report = other.report(&gathered, 0.95);
        if same {
            assert!(
                matches!(merged, Err(ReportError::Missing { .. })),
                "{merged:?}"
            );
            report.unwrap();
        } else {
            let e = merged.unwrap_err();
            assert!(matches!(e, ReportError::OtherScenario { .. }), "{e:?}");
            assert!(e.to_string().contains("was run on another scenario"), "{e}");
            assert!(matches!(report, Err(ReportError::OtherScenario { .. })));
            let mut unkeyed = gathered.clone();
            for r in &mut unkeyed {
                r.scenario_key = None;
            }
            other.merge(spec.name(), unkeyed).unwrap();
        }
    }
}

/// A bullseye step on the service-level threshold (relax at 20 s, answer
/// within 20 s: a common set-up): a contact answered at the very instant the
/// step lets more agents take it waited exactly the threshold, and counts as
/// within it. Counted here from each contact's record, ties (waits within
/// 1e-9 s of 20) within, against the report's service level.
#[test]
fn answered_at_a_step_on_the_threshold_is_within_it() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/peers/bullseye.toml"
    );
    let mut s = Scenario::load(path).unwrap();
    s.replications = 3;
    let sim = Simulation::new(s).unwrap();
    let spec = PolicySpec::SkillExpansion {
        steps: vec![skillroute::RelaxStep {
            after: 20,
            relax: 1,
        }],
    };
    let mut ties = 0;
    for rep in 0..3 {
        let mut obs = Collect::default();
        let r = sim.replicate_policy_observed(&spec, rep, &mut obs).unwrap();
        let waits = obs
            .0
            .iter()
            .filter_map(|c| c.answered.map(|a| a - c.arrival));
        let (mut within, mut at) = (0u64, 0u64);
        for w in waits {
            if (w - 20.0).abs() < 1e-9 {
                at += 1;
                within += 1;
            } else if w < 20.0 {
                within += 1;
            }
        }
        ties += at;
        let t = r.total;
        let reported =
            (t.service_level * (t.answered + t.abandoned + t.late_at_end)).round() as u64;
        assert_eq!(
            reported, within,
            "replication {rep}: {at} answered at the step"
        );
    }
    assert!(
        ties > 1000,
        "{ties} contacts answered at the step: the case is exercised"
    );
}

/// A draining run's overtime (agent-seconds of work after the horizon,
/// which occupancy leaves out) is, contact by contact, each answered
/// contact's time with its agent past the horizon (no ring delay here: an
/// agent holds a contact from its answer until it leaves).
#[test]
fn overtime_is_the_work_done_after_the_horizon() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers/day.toml");
    let mut s = Scenario::load(path).unwrap();
    s.replications = 3;
    let horizon = s.horizon;
    let sim = Simulation::new(s.clone()).unwrap();
    for rep in 0..3 {
        let mut obs = Collect::default();
        let r = sim
            .replicate_observed(LongestIdleAgent, rep, &mut obs)
            .unwrap();
        let after: f64 = obs
            .0
            .iter()
            .filter_map(|c| c.answered.map(|a| (c.left - a.max(horizon)).max(0.0)))
            .sum();
        assert!(
            after > 0.0,
            "replication {rep}: some work after the horizon"
        );
        assert!(
            (r.overtime - after).abs() <= 1e-9 * after,
            "replication {rep}: overtime {} against {after} from the contacts",
            r.overtime
        );
        assert!(r.end_time > horizon);
    }
    // Not draining: no overtime.
    s.drain = false;
    let r = Simulation::new(s)
        .unwrap()
        .replicate(LongestIdleAgent, 0)
        .unwrap();
    assert_eq!(r.overtime, 0.0);
}

/// A report lists the channels some contact type uses, in the scenario's
/// order, each with its target; the default channels no type uses (email,
/// social…) are left out rather than shown as rows of nothing.
#[test]
fn reports_leave_out_channels_no_type_uses() {
    let sim = multiskill();
    let sc = sim.scenario();
    let used: Vec<&str> = sc
        .channels
        .iter()
        .filter(|c| sc.contact_types.iter().any(|t| &t.channel == *c))
        .map(String::as_str)
        .collect();
    assert!(used.len() < sc.channels.len(), "some channel is unused");
    let report = sim.run().unwrap();
    let names: Vec<&str> = report.by_channel.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, used);
    assert_eq!(report.targets.len(), used.len());
    // What the rows hold is unchanged: every contact is in one of them.
    let offered: f64 = report
        .by_channel
        .iter()
        .map(|r| r.metrics.offered.mean)
        .sum();
    assert!((offered - report.total.offered.mean).abs() < 1e-9 * offered);
}

/// One agent and one customer, every offer ringing past its time-out: the
/// agent's day under ring-no-answer (RONA), worked out by hand. Offers at
/// 0, 12 and 24 time out 2 s later; each time-out sends the agent not
/// ready for 10 s; the customer, waiting since 26, leaves at 31.
#[test]
fn ring_no_answer_pauses_the_agent_as_worked_out_by_hand() {
    let toml = |rona: &str, shift_end: f64| {
        format!(
            r#"
name = "rona"
horizon = 40.0
replications = 1
skills = ["s"]
router = {{ decline_cooldown = 0.0 }}
offers = {{ ring_delay = {{ kind = "constant", value = 3.0 }}, timeout = 2.0{rona} }}
[[groups]]
name = "g"
count = 1
skills = {{ s = 1 }}
capacity = {{ voice = 1 }}
shifts = [{{ start = 0.0, end = {shift_end:?} }}]
[[contact_types]]
name = "call"
channel = "voice"
requires = {{ s = 1 }}
arrivals = {{ kind = "trace", times = [0.0] }}
service = {{ kind = "constant", value = 100.0 }}
patience = {{ kind = "constant", value = 31.0 }}
"#
        )
    };
    let rona = r#", rona_pause = { kind = "constant", value = 10.0 }"#;
    let run = |rona: &str, shift_end: f64| {
        let sim =
            Simulation::new(Scenario::from_toml_str(&toml(rona, shift_end)).unwrap()).unwrap();
        run_builtin(&sim, &PolicySpec::LongestIdleAgent, 0)
    };
    let (r, records) = run(rona, 40.0);
    check_conservation(&r, &records, "rona");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].end, ContactEnd::Abandoned);
    assert_eq!(records[0].left, 31.0);
    // 40 s logged in: busy (ringing) 0–2, 12–14, 24–26; not ready 2–12,
    // 14–24, 26–36; ready and idle 36–40.
    let g = &r.by_group[0];
    assert_eq!(g.agents, 1.0);
    assert!((g.not_ready - 30.0 / 40.0).abs() < 1e-12, "{}", g.not_ready);
    assert!((g.occupancy - 6.0 / 10.0).abs() < 1e-12, "{}", g.occupancy);
    assert_eq!(r.total.not_ready, g.not_ready);
    assert_eq!(r.by_interval[0].not_ready, g.not_ready);

    // Without RONA the offer rings again at once, every 2 s, until the
    // customer leaves at 31 in the middle of the 16th ring: busy 0–31.
    let (r, records) = run("", 40.0);
    check_conservation(&r, &records, "no rona");
    assert_eq!(records[0].left, 31.0);
    assert!(
        r.by_group[0].not_ready.is_nan(),
        "undefined without rona_pause"
    );
    assert!((r.by_group[0].occupancy - 31.0 / 40.0).abs() < 1e-12);

    // The shift ends at 30, in the third pause: the agent goes home then,
    // and the pause's end at 36 must not bring them back. 30 s logged in,
    // 24 of them not ready.
    let (r, records) = run(rona, 30.0);
    check_conservation(&r, &records, "rona, shift end");
    assert_eq!(records[0].left, 31.0);
    let g = &r.by_group[0];
    assert!((g.agents - 30.0 / 40.0).abs() < 1e-12, "{}", g.agents);
    assert!((g.not_ready - 24.0 / 30.0).abs() < 1e-12, "{}", g.not_ready);
}

/// RONA on the multi-skill center (ring delays with time-outs, shift
/// changes, chats held during a pause): every contact is still accounted
/// for under every policy; the customers are the same (common random
/// numbers: pauses have a stream of their own); the agents lose time and
/// the customers wait longer; same seed, same report.
#[test]
fn ring_no_answer_on_the_multiskill_center() {
    let base = multiskill();
    let mut s = base.scenario().clone();
    s.offers.rona_pause = Some(skillroute::sim::Dist::Constant { value: 60.0 });
    let sim = Simulation::new(s).unwrap();
    for spec in PolicySpec::builtins() {
        for rep in 0..2 {
            let what = format!("{} rep {rep}", spec.name());
            let (r, records) = run_builtin(&sim, &spec, rep);
            check_conservation(&r, &records, &what);
            let (r0, _) = run_builtin(&base, &spec, rep);
            assert_eq!(r.total.offered, r0.total.offered, "{what}: same customers");
            assert!(r0.total.not_ready.is_nan());
            assert!(
                r.total.not_ready > 0.0 && r.total.not_ready < 0.5,
                "{what}: not ready {}",
                r.total.not_ready
            );
            for (i, g) in r.by_group.iter().enumerate() {
                assert!(
                    g.not_ready >= 0.0 && g.not_ready <= 1.0,
                    "{what}: group {i} not ready {}",
                    g.not_ready
                );
            }
        }
    }
    let with = sim.run().unwrap();
    let without = base.run().unwrap();
    assert!(
        with.total.mean_wait.mean > without.total.mean_wait.mean,
        "pauses make customers wait longer: {} vs {}",
        with.total.mean_wait.mean,
        without.total.mean_wait.mean
    );
    assert_same(
        &serde_json::to_string(&with).unwrap(),
        &serde_json::to_string(&sim.run().unwrap()).unwrap(),
        "same seed, same report",
    );
}

/// RONA's cost against probability: each offer rings Exp(mean 4 s) against
/// a 4 s time-out, so it times out with q = e^-1, independently, and a
/// contact is offered until one is answered: the time-outs per answered
/// contact are geometric, q / (1 − q) on average. Each costs an
/// Exp(mean 30 s) pause, so the agents' not-ready time should be
/// 30 · answered · q / (1 − q), within 4 standard deviations of that sum
/// (a negative-binomial count of exponential pauses).
///
/// On voice (one contact at a time) and on chat (three at once, so that a
/// pause is often spent holding other chats: it counts whole all the same).
#[test]
fn ring_no_answer_costs_what_the_time_out_probability_says() {
    for (channel, capacity, count) in [("voice", 1, 15), ("chat", 3, 6)] {
        let text = TEXT
            .replace("voice = 1", &format!("{channel} = {capacity}"))
            .replace("count = 15", &format!("count = {count}"))
            .replace("\"voice\"", &format!("{channel:?}"));
        check_rona_cost(&text, channel);
    }
}

/// P(wait) counts queueing, not ringing: with a constant 3 s ring every
/// answer comes at least 3 s after arrival, yet a contact offered the
/// moment it arrived did not wait in queue. Recounted from the trace two
/// ways: the contacts whose offer came after their arrival, and those
/// answered more than 3 s after arriving.
#[test]
fn ringing_is_not_waiting_in_queue() {
    let text = TEXT
        .replace(
            r#"offers = { ring_delay = { kind = "exponential", mean = 4.0 }, timeout = 4.0, rona_pause = { kind = "exponential", mean = 30.0 } }"#,
            r#"offers = { ring_delay = { kind = "constant", value = 3.0 } }"#,
        )
        .replace("count = 15", "count = 11");
    assert!(text.contains("constant"));
    let sim = Simulation::new(Scenario::from_toml_str(&text).unwrap()).unwrap();
    let warm_up = sim.scenario().warm_up;
    let (r, records) = run_builtin(&sim, &PolicySpec::LongestIdleAgent, 0);
    check_conservation(&r, &records, "ring");
    let answered: Vec<(f64, f64, f64)> = records
        .iter()
        .filter(|c| c.arrival >= warm_up)
        .filter_map(|c| Some((c.arrival, c.offered?, c.answered?)))
        .collect();
    assert_eq!(answered.len() as f64, r.total.answered);
    for &(_, offered, at) in &answered {
        assert!((at - offered - 3.0).abs() < 1e-6, "every answer rings 3 s");
    }
    let queued = answered.iter().filter(|&&(a, o, _)| o > a).count() as f64;
    let late = answered
        .iter()
        .filter(|&&(a, _, t)| t - a > 3.0 + 1e-6)
        .count() as f64;
    assert_eq!(queued, late);
    assert_eq!(r.total.abandoned, 0.0);
    assert_eq!((r.total.p_wait * r.total.answered).round(), queued);
    // Neither none nor all: 11 agents for 10.3 erlangs.
    assert!(
        r.total.p_wait > 0.2 && r.total.p_wait < 0.95,
        "{}",
        r.total.p_wait
    );
    assert!(r.total.asa > 3.0);
}

const TEXT: &str = r#"
name = "rona-geometric"
horizon = 100000.0
replications = 1
seed = 3
skills = ["s"]
router = { decline_cooldown = 0.0 }
offers = { ring_delay = { kind = "exponential", mean = 4.0 }, timeout = 4.0, rona_pause = { kind = "exponential", mean = 30.0 } }
[[groups]]
name = "g"
count = 15
skills = { s = 1 }
capacity = { voice = 1 }
[[contact_types]]
name = "call"
channel = "voice"
requires = { s = 1 }
arrivals = { kind = "poisson", rate = 0.1 }
service = { kind = "exponential", mean = 100.0 }
"#;

fn check_rona_cost(text: &str, what: &str) {
    let sim = Simulation::new(Scenario::from_toml_str(text).unwrap()).unwrap();
    for rep in 0..3 {
        let (r, records) = run_builtin(&sim, &PolicySpec::LongestIdleAgent, rep);
        check_conservation(&r, &records, what);
        let answered = r.total.answered;
        assert!(answered > 9000.0);
        let q = (-1.0f64).exp();
        let timeouts = answered * q / (1.0 - q);
        let expected = 30.0 * timeouts;
        // Var = E[N] Var(p) + Var(N) E[p]², N negative binomial.
        let var_n = answered * q / (1.0 - q).powi(2);
        let sd = (timeouts * 900.0 + var_n * 900.0).sqrt();
        let measured = r.total.not_ready * r.total.agents * 100000.0;
        assert!(
            (measured - expected).abs() < 4.0 * sd,
            "{what} replication {rep}: not ready {measured:.0} agent-s, expected {expected:.0} ± {sd:.0}"
        );
    }
}

/// A contact type's own service-level target replaces its channel's: each
/// answer is judged against its own type's threshold, in the type's row, its
/// channel's and the total, and so is each contact still waiting at the
/// end, as recounted here from the per-contact trace.
#[test]
fn a_contact_types_own_target_judges_its_answers() {
    let base = multiskill();
    let mut s = base.scenario().clone();
    let own = skillroute::sim::ServiceTarget {
        threshold: 5.0,
        fraction: 0.9,
        short_abandon: 0.0,
    };
    s.contact_types[0].service_level = Some(own);
    let sim = Simulation::new(s.clone()).unwrap();
    let threshold = |k: usize| {
        s.contact_types[k].service_level.map_or_else(
            || {
                s.service_levels
                    .get(&s.contact_types[k].channel)
                    .copied()
                    .unwrap_or_default()
                    .threshold
            },
            |t| t.threshold,
        )
    };
    assert_eq!(threshold(0), 5.0);
    assert_ne!(threshold(1), 5.0, "the others keep their channel's");
    for rep in 0..3 {
        let (r, records) = run_builtin(&sim, &PolicySpec::LongestIdleAgent, rep);
        let (r0, _) = run_builtin(&base, &PolicySpec::LongestIdleAgent, rep);
        assert_eq!(
            r.total.answered, r0.total.answered,
            "the routing is the same"
        );
        let sl = |keep: &dyn Fn(&ContactRecord) -> bool| {
            let rows: Vec<_> = records.iter().filter(|c| keep(c)).collect();
            // Still waiting at the end past the threshold: a miss.
            let late = |c: &ContactRecord| {
                c.end == ContactEnd::InSystem
                    && c.answered.is_none()
                    && r.end_time > c.arrival + threshold(c.contact_type as usize)
            };
            let handled = rows
                .iter()
                .filter(|c| c.answered.is_some() || c.end == ContactEnd::Abandoned || late(c))
                .count();
            let within = rows
                .iter()
                .filter(|c| {
                    c.answered
                        .is_some_and(|a| a <= c.arrival + threshold(c.contact_type as usize))
                })
                .count();
            within as f64 / handled as f64
        };
        for k in 0..s.contact_types.len() {
            let want = sl(&|c| c.contact_type as usize == k);
            assert!(
                (r.by_type[k].service_level - want).abs() < 1e-12,
                "rep {rep} type {k}"
            );
        }
        let voice: Vec<usize> = (0..s.contact_types.len())
            .filter(|&k| s.contact_types[k].channel == "voice")
            .collect();
        let want = sl(&|c| voice.contains(&(c.contact_type as usize)));
        assert!(
            (r.by_channel[0].service_level - want).abs() < 1e-12,
            "rep {rep} voice"
        );
        assert!(
            (r.total.service_level - sl(&|_| true)).abs() < 1e-12,
            "rep {rep} total"
        );
        // The stricter threshold answers fewer of type 0 within it.
        assert!(r.by_type[0].service_level < r0.by_type[0].service_level);
        assert_eq!(r.by_type[1].service_level, r0.by_type[1].service_level);
    }
    let report = sim.run().unwrap();
    assert_eq!(report.type_targets[0], own);
    assert_eq!(report.type_targets[1], s.service_levels["voice"]);
    let csv = report.to_csv();
    assert!(
        csv.contains(&format!(
            "type-target,{},,,,threshold,5,",
            s.contact_types[0].name
        )),
        "{csv}"
    );
    let back: skillroute::sim::Report = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(back.type_targets, report.type_targets);
}

/// `Replication::to_csv`: one line per replication, with the figures the
/// report's estimates are made from: the mean of a column is the report's
/// mean, and each value reads back to the same number.
#[test]
fn replications_csv_holds_what_the_report_averages() {
    let sim = multiskill();
    let reps = sim
        .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
        .unwrap();
    let report = sim.report(&reps, 0.95).unwrap();
    let csv = Replication::to_csv(&reps);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + reps.len());
    let header: Vec<&str> = lines[0].split(',').collect();
    // No short_abandoned column (the scenario sets no short_abandon), nor
    // the self-service ones (no tier); the six columns of the run.
    let width = 7 + Metrics::<f64>::NAMES.len() - Metrics::<f64>::OPTIONAL.len()
        + skillroute::sim::Fairness::<f64>::NAMES.len();
    assert_eq!(header.len(), width);
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let cells: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    for (r, row) in reps.iter().zip(&cells) {
        assert_eq!(row.len(), width);
        assert_eq!(row[0], "longest-idle-agent");
        assert_eq!(row[1], r.replication.to_string());
        let sl: f64 = row[col("service_level")].parse().unwrap();
        assert_eq!(sl, r.total.service_level, "reads back exactly");
        let occ: f64 = row[col("fairness_occupancy_sd")].parse().unwrap();
        assert_eq!(occ, r.fairness[0].occupancy_sd);
        assert_eq!(row[col("mean_fit")], "", "undefined: empty");
    }
    for name in ["service_level", "asa", "occupancy", "abandoned"] {
        let mean = cells
            .iter()
            .map(|row| row[col(name)].parse::<f64>().unwrap())
            .sum::<f64>()
            / reps.len() as f64;
        let want = *report
            .total
            .values()
            .nth(
                Metrics::<f64>::NAMES
                    .iter()
                    .position(|n| *n == name)
                    .unwrap(),
            )
            .unwrap();
        assert!(
            (mean - want.mean).abs() <= 1e-12 * want.mean.abs(),
            "{name}: {mean} vs {}",
            want.mean
        );
    }
}

/// Interval rows carry clock labels: with `day_start` the time of day
/// (`08:00-08:15`, on to the next day), without it the time elapsed; the
/// CSV names its interval rows by them.
#[test]
fn interval_rows_are_labelled_by_the_clock() {
    let base = multiskill();
    let report = base.run().unwrap();
    assert_eq!(report.day_start, None);
    assert_eq!(report.by_interval[0].label, "00:00-00:15");
    assert_eq!(report.by_interval[5].label, "01:15-01:30");
    let mut s = base.scenario().clone();
    s.day_start = Some("23:30".into());
    let report = Simulation::new(s).unwrap().run().unwrap();
    assert_eq!(report.day_start, Some(84_600.0));
    let labels: Vec<&str> = report
        .by_interval
        .iter()
        .map(|r| r.label.as_str())
        .collect();
    assert_eq!(
        labels[..3],
        ["23:30-23:45", "23:45-00:00+1d", "00:00+1d-00:15+1d"]
    );
    let types = report.by_type.len();
    assert_eq!(report.by_interval_type[types].label, labels[1]);
    assert_eq!(report.by_interval_group[0].label, labels[0]);
    let csv = report.to_csv();
    assert!(
        csv.contains("\ninterval,23:45-00:00+1d,900,1800,23:45-00:00+1d,offered,"),
        "{csv}"
    );
    // Cells of an interval carry its clock label too.
    let cell = format!(
        "\ninterval-type,{},900,1800,23:45-00:00+1d,offered,",
        report.by_type[0].name
    );
    assert!(csv.contains(&cell), "{csv}");
    // Labels and day_start read back (NaN ≠ NaN: compare the texts).
    let back: skillroute::sim::Report = serde_json::from_str(&report.to_json()).unwrap();
    assert_same(&back.to_json(), &report.to_json(), "JSON round trip");
}

/// A run that stops at the horizon with contacts still waiting counts those
/// already past their threshold as service-level misses (whatever happened
/// next, they could not have been answered in time) and leaves out those
/// still inside it. Counted here contact by contact from the trace: the
/// agents log out at 1,000 s of a 2,000 s run, so everything arriving after
/// that waits to the end.
#[test]
fn contacts_past_their_threshold_at_the_end_are_misses() {
    let text = r#"
        seed = 7
        horizon = 2000.0
        interval = 500.0
        replications = 3
        skills = ["s"]
        service_levels = { voice = { threshold = 20.0, fraction = 0.8 } }
        [[groups]]
        name = "a"
        count = 2
        skills = { s = 1 }
        capacity = { voice = 1 }
        shifts = [{ start = 0.0, end = 1000.0 }]
        [[contact_types]]
        name = "c"
        channel = "voice"
        requires = { s = 1 }
        arrivals = { kind = "poisson", rate = 0.5 }
        service = { kind = "exponential", mean = 1.0 }
        patience = { kind = "exponential", mean = 3000.0 }
    "#;
    let sim = Simulation::new(Scenario::from_toml_str(text).unwrap()).unwrap();
    for rep in 0..3 {
        let mut obs = Collect::default();
        let r = sim
            .replicate_observed(LongestIdleAgent, rep, &mut obs)
            .unwrap();
        // Per interval of arrival (4) and in all: within, answered +
        // abandoned, late.
        let mut rows = [[0u64; 3]; 5];
        for c in &obs.0 {
            let i = ((c.arrival / 500.0) as usize).min(3);
            let cell = match (c.end, c.answered) {
                (_, Some(a)) => {
                    rows[i][1] += 1;
                    rows[4][1] += 1;
                    (a <= c.arrival + 20.0).then_some(0)
                }
                (ContactEnd::Abandoned, None) => Some(1),
                (ContactEnd::InSystem, None) => (2000.0 > c.arrival + 20.0).then_some(2),
                (ContactEnd::Completed, None) => unreachable!("completed unanswered"),
            };
            if let Some(k) = cell {
                rows[i][k] += 1;
                rows[4][k] += 1;
            }
        }
        let sl = |row: [u64; 3]| row[0] as f64 / (row[1] + row[2]) as f64;
        assert!(rows[4][2] > 300, "replication {rep}: {:?}", rows[4]);
        assert_eq!(r.total.service_level, sl(rows[4]), "replication {rep}");
        for (i, (row, m)) in rows.iter().zip(&r.by_interval).enumerate() {
            assert_eq!(
                m.service_level,
                sl(*row),
                "replication {rep}, interval {i}: {row:?}"
            );
        }
        // Nobody answers after 1,000 s: the last two intervals are all misses.
        assert_eq!(r.by_interval[3].service_level, 0.0);
        // Counting only the answered and the abandoned would have read
        // well above it.
        let old = rows[4][0] as f64 / rows[4][1] as f64;
        assert!(
            r.total.service_level < old - 0.3,
            "{} vs {old}",
            r.total.service_level
        );
        assert_eq!(r.total.late_at_end, rows[4][2] as f64);
    }
}
