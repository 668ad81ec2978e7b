//! Wait percentiles in a report's interval × type, × channel and × group
//! cells are pooled over replications as its other rows' are: a cell that
//! holds the same contacts as its interval row gives the same percentiles,
//! to the last bit, in a report and in a comparison. Replications written
//! before the cells' waits were kept still report (their cells as means of
//! the replications' own), and cells' waits of the wrong shape are refused.

use skillroute::sim::{
    Estimate, Metrics, PolicySpec, Replication, ReportError, RunOptions, Scenario, Simulation,
};

/// One contact type on one channel; `groups` agent groups that all serve
/// it. Loaded enough for long waits; intervals of 1000 s.
fn center(groups: &str) -> Simulation {
    let text = format!(
        r#"
name = "one-type"
seed = 11
horizon = 8000.0
warm_up = 500.0
interval = 1000.0
replications = 40
skills = ["s"]
{groups}
[[contact_types]]
name = "t"
channel = "voice"
requires = {{ s = 1 }}
arrivals = {{ kind = "poisson", rate = 0.024 }}
service = {{ kind = "exponential", mean = 200.0 }}
patience = {{ kind = "exponential", mean = 900.0 }}
"#
    );
    Simulation::new(Scenario::from_toml_str(&text).expect("parses")).expect("valid")
}

const ONE_GROUP: &str = r#"
[[groups]]
name = "g"
count = 5
skills = { s = 5 }
capacity = { voice = 1 }
"#;

/// Agents that differ: a skill-based policy and longest-idle send contacts
/// to different agents, so the two policies' waits differ.
const TWO_GROUPS: &str = r#"
[[groups]]
name = "fast"
count = 2
skills = { s = 9 }
capacity = { voice = 1 }
speed = 2.0
[[groups]]
name = "slow"
count = 3
skills = { s = 2 }
capacity = { voice = 1 }
speed = 0.5
"#;

fn percentiles(m: &Metrics<Estimate>) -> [f64; 4] {
    [m.wait_p50, m.wait_p90, m.wait_p95, m.wait_p99].map(|e| e.mean)
}

fn own_percentiles(m: &Metrics<f64>) -> [f64; 4] {
    [m.wait_p50, m.wait_p90, m.wait_p95, m.wait_p99]
}

/// The same bits, or both undefined.
fn same(a: [f64; 4], b: [f64; 4]) -> bool {
    a.iter()
        .zip(&b)
        .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

fn skill_expansion() -> PolicySpec {
    PolicySpec::builtins()
        .into_iter()
        .find(|p| p.name() == "skill-expansion")
        .expect("a built-in")
}

fn run(sim: &Simulation, spec: PolicySpec) -> Vec<Replication> {
    sim.replications_policy(&spec, RunOptions::default())
        .expect("runs")
}

/// The means of the replications' own percentiles of one cell.
fn means(reps: &[Replication], cell: impl Fn(&Replication) -> &Metrics<f64>) -> [f64; 4] {
    let ms: Vec<&Metrics<f64>> = reps.iter().map(cell).collect();
    percentiles(&Metrics::estimate(&ms, 0.95))
}

/// Replications as JSON lines and back, with `strip` applied to each one's
/// `waits` object (as a file of another version would have it).
fn through_json(
    reps: &[Replication],
    strip: impl Fn(usize, &mut serde_json::Value),
) -> Vec<Replication> {
    reps.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = serde_json::to_value(r).unwrap();
            strip(i, v.get_mut("waits").expect("waits kept"));
            serde_json::from_value(v).expect("reads back")
        })
        .collect()
}

/// One type, one group: the interval row, its one type's cell, its one
/// channel's cell and its one group's cell hold the same answered
/// contacts, so a report gives them the same pooled percentiles. They were
/// means of the replications' own percentiles (about half the interval
/// row's p99 in a short interval), which the check below also tells apart.
#[test]
fn cells_pool_as_their_interval_rows() {
    let sim = center(ONE_GROUP);
    let reps = run(&sim, PolicySpec::LongestIdleAgent);
    let report = sim.report(&reps, 0.95).unwrap();
    let n = report.by_interval.len();
    assert_eq!(n, 8);
    assert_eq!(report.by_interval_type.len(), n);
    assert_eq!(report.by_interval_channel.len(), n);
    assert_eq!(report.by_interval_group.len(), n);
    let mut apart = 0;
    for i in 0..n {
        let row = percentiles(&report.by_interval[i].metrics);
        for (what, cell) in [
            ("type", &report.by_interval_type[i].metrics),
            ("channel", &report.by_interval_channel[i].metrics),
            ("group", &report.by_interval_group[i].metrics),
        ] {
            assert!(
                same(percentiles(cell), row),
                "interval {i} {what}: {:?} vs interval row {row:?}",
                percentiles(cell)
            );
        }
        let mean = means(&reps, |r| &r.by_interval_type[i]);
        apart += usize::from(!same(mean, row));
    }
    // Not a case where pooling and averaging agree.
    assert!(apart >= n / 2, "pooled and mean differ in {apart} of {n}");
    // The interval before the warm-up ends holds contacts; the rest do too.
    assert!(
        report
            .by_interval
            .iter()
            .all(|r| r.metrics.wait_p99.mean.is_finite())
    );
}

/// In a comparison a cell's percentile difference is that of the two
/// policies' pooled percentiles, as in the rows: the type and channel
/// cells (the same contacts as the interval row) give the interval row's
/// difference exactly, every cell gives the two reports' difference, and
/// the interval is still the paired one over the replications' own.
#[test]
fn comparison_cells_are_the_reports_difference() {
    let sim = center(TWO_GROUPS);
    let base = run(&sim, PolicySpec::LongestIdleAgent);
    let other = run(&sim, skill_expansion());
    let c = 0.9;
    let d = sim.compare(&base, &other, c).unwrap().differences;
    let (rb, ro) = (
        sim.report(&base, c).unwrap(),
        sim.report(&other, c).unwrap(),
    );
    let minus = |o: [f64; 4], b: [f64; 4]| -> [f64; 4] { std::array::from_fn(|k| o[k] - b[k]) };
    let n = d.by_interval.len();
    let groups = rb.by_group.len();
    assert_eq!(groups, 2);
    let mut moved = 0;
    for i in 0..n {
        let row = percentiles(&d.by_interval[i].metrics);
        moved += usize::from(row.iter().any(|x| *x != 0.0 && x.is_finite()));
        for (what, cell, o, b) in [
            (
                "type",
                &d.by_interval_type[i].metrics,
                &ro.by_interval_type[i].metrics,
                &rb.by_interval_type[i].metrics,
            ),
            (
                "channel",
                &d.by_interval_channel[i].metrics,
                &ro.by_interval_channel[i].metrics,
                &rb.by_interval_channel[i].metrics,
            ),
        ] {
            assert!(same(percentiles(cell), row), "interval {i} {what}");
            let want = minus(percentiles(o), percentiles(b));
            assert!(
                same(percentiles(cell), want),
                "interval {i} {what}: reports"
            );
        }
        for g in 0..groups {
            let j = i * groups + g;
            let want = minus(
                percentiles(&ro.by_interval_group[j].metrics),
                percentiles(&rb.by_interval_group[j].metrics),
            );
            let got = percentiles(&d.by_interval_group[j].metrics);
            assert!(
                same(got, want),
                "interval {i} group {g}: {got:?} vs {want:?}"
            );
            // The interval and n: the pairs' own differences'.
            let diffs: Vec<f64> = base
                .iter()
                .zip(&other)
                .map(|(b, o)| o.by_interval_group[j].wait_p90 - b.by_interval_group[j].wait_p90)
                .collect();
            let e = Estimate::from_samples(&diffs, c);
            let cell = d.by_interval_group[j].metrics.wait_p90;
            assert_eq!(cell.n, e.n, "interval {i} group {g}");
            assert!(
                cell.half_width.to_bits() == e.half_width.to_bits()
                    || (cell.half_width.is_nan() && e.half_width.is_nan()),
                "interval {i} group {g}: {} vs {}",
                cell.half_width,
                e.half_width
            );
        }
    }
    assert!(
        moved >= n / 2,
        "the policies differ in {moved} of {n} intervals"
    );
}

/// A replication written before the cells' waits were kept (its `waits`
/// without `by_interval_type` and `by_interval_group`) still reports: its
/// rows are pooled as before and its cells are the means of the
/// replications' own percentiles. So is a mix of old and new ones, and a
/// comparison with an old side (the pairs' own differences' means).
#[test]
fn replications_without_cell_waits_still_report() {
    let sim = center(TWO_GROUPS);
    let reps = run(&sim, PolicySpec::LongestIdleAgent);
    let strip = |w: &mut serde_json::Value| {
        let w = w.as_object_mut().unwrap();
        w.remove("by_interval_type");
        w.remove("by_interval_group");
    };
    let new = sim.report(&reps, 0.95).unwrap();
    let n = new.by_interval.len();
    let groups = new.by_group.len();
    for old in [
        through_json(&reps, |_, w| strip(w)),
        through_json(&reps, |i, w| {
            if i % 2 == 1 {
                strip(w)
            }
        }),
    ] {
        let report = sim.report(&old, 0.95).expect("an old replication reports");
        for i in 0..n {
            assert!(same(
                percentiles(&report.by_interval[i].metrics),
                percentiles(&new.by_interval[i].metrics)
            ));
            let t = means(&reps, |r| &r.by_interval_type[i]);
            assert!(same(percentiles(&report.by_interval_type[i].metrics), t));
            assert!(same(percentiles(&report.by_interval_channel[i].metrics), t));
            for g in 0..groups {
                let j = i * groups + g;
                let want = means(&reps, |r| &r.by_interval_group[j]);
                assert!(same(
                    percentiles(&report.by_interval_group[j].metrics),
                    want
                ));
            }
        }
    }
    // A comparison of old replications with new ones: the cells' points
    // are the means of the pairs' differences.
    let other = run(&sim, skill_expansion());
    let old = through_json(&reps, |_, w| strip(w));
    let d = sim.compare(&old, &other, 0.95).unwrap().differences;
    for i in 0..n {
        let diffs: Vec<Metrics<f64>> = old
            .iter()
            .zip(&other)
            .map(|(b, o)| o.by_interval_type[i].minus(&b.by_interval_type[i]))
            .collect();
        let want = percentiles(&Metrics::estimate(&diffs.iter().collect::<Vec<_>>(), 0.95));
        assert!(same(percentiles(&d.by_interval_type[i].metrics), want));
    }
    // The cells' own percentiles are still each replication's.
    assert!(same(
        own_percentiles(&old[0].by_interval_type[3]),
        own_percentiles(&reps[0].by_interval_type[3])
    ));
}

/// Cells' waits of another shape (not this scenario's intervals × types)
/// are refused, named, as the other rows' are.
#[test]
fn cell_waits_of_another_shape_are_refused() {
    let sim = center(TWO_GROUPS);
    let reps = run(&sim, PolicySpec::LongestIdleAgent);
    for (field, expected) in [("by_interval_type", 8), ("by_interval_group", 16)] {
        let bad = through_json(&reps, |i, w| {
            if i == 3 {
                w[field].as_array_mut().unwrap().pop();
            }
        });
        let err = sim.report(&bad, 0.95).unwrap_err();
        let want = ReportError::Shape {
            replication: 3,
            field: if field == "by_interval_type" {
                "waits.by_interval_type"
            } else {
                "waits.by_interval_group"
            },
            expected,
            found: expected - 1,
        };
        assert_eq!(err, want, "{err}");
        assert!(
            err.to_string()
                .contains(&format!("`waits.{field}` has {}", expected - 1))
        );
    }
}
