//! The simulator against ContactCenters (Buist & L'Ecuyer, Université de
//! Montréal), the research standard for multi-skill contact centers, on the
//! same multi-skill centers: where no formula exists, a simulator nobody here
//! wrote is the reference.
//!
//! `tests/data/peers/CENTER.toml` is a center; `CENTER.POLICY.cc.xml` the same
//! center in ContactCenters' own format, for its generic simulator
//! `msk.CallCenterSim`, with the ContactCenters router that makes skillroute's
//! POLICY's decisions; `CENTER.POLICY.cc-results.xml` that simulator's output
//! (300 replications), kept here so that the test needs no Java; `regen.sh`
//! makes them again (the same bytes: ContactCenters seeds itself).
//!
//! Each center has overflow between specialist and generalist groups, so the
//! routing policy shapes every figure: `fourtypes` (4 types, 3 groups),
//! `threetypes` (the shape of ContactCenters' own three-type example, one
//! group 1.2 times as fast: group-specific service times there) and
//! `day` (8 hours of time-varying arrivals in hourly intervals, a shift
//! change from early to late specialists). The policies and their routers:
//!
//! | skillroute | ContactCenters |
//! | --- | --- |
//! | `skill-expansion` without steps: the most skilled free agent; a freed agent takes the longest waiting | `SINGLEFIFOQUEUE`, each type's groups most skilled first |
//! | `longest-idle-agent` | `AGENTSPREF`, all ranks equal |
//! | `priority-aging` without aging: the longest idle; a freed agent takes the highest priority, then the longest waiting | `AGENTSPREF`, equal type-to-group ranks, group-to-type ranks by priority |
//!
//! and `bullseye`, `fourtypes` whose types need their specialists' level
//! until they have waited 15 s, under `skill-expansion` with that one
//! relaxation step: `AGENTSPREFWITHDELAYS` with a 15 s delay to the
//! generalists, which checks the router's wake-ups.
//!
//! Every figure both define is compared: offered, answered, abandoned,
//! answered within 20 s, P(abandon), P(wait) and ASA per contact type and in
//! total, occupancy per group and in total, over the day and, for `day`, hour
//! by hour: 271 comparisons per policy on the three centers and 39 on
//! `bullseye`, 852 in all, of the means over 300 replications, two
//! independent estimates, whose difference must be within 3.29 standard
//! errors (99.9%). And each run must disagree with the routers that decide
//! otherwise (the other two policies'; for `bullseye`, `fourtypes` without
//! the delay) somewhere by more than 5 standard errors: the comparison can
//! tell routing policies apart.

use std::collections::HashMap;
use std::sync::OnceLock;

use skillroute::PriorityAging;
use skillroute::sim::{Metrics, PolicySpec, Replication, RunOptions, Scenario, Simulation};

/// The centers, each `CENTER.toml` beside its `CENTER.POLICY.cc.xml` and
/// `CENTER.POLICY.cc-results.xml`.
const CENTERS: [&str; 3] = ["fourtypes", "threetypes", "day"];

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers");

/// One ContactCenters measure: for each row (contact types then all types;
/// or groups then all groups), a mean and a variance over replications for
/// each column (one, or each period then the whole day).
struct PeerMeasure {
    mean: Vec<Vec<f64>>,
    var: Vec<Vec<f64>>,
}

/// ContactCenters' results file: measures by name, and its replications.
struct Peer {
    measures: HashMap<String, PeerMeasure>,
    replications: f64,
}

fn rows(node: roxmltree::Node<'_, '_>) -> Vec<Vec<f64>> {
    node.children()
        .filter(|c| c.has_tag_name("row"))
        .map(|c| {
            let text = c.text().unwrap_or("").trim();
            text.split_whitespace()
                .map(|x| {
                    x.parse::<f64>()
                        .unwrap_or_else(|e| panic!("row {text:?}: {e}"))
                })
                .collect()
        })
        .collect()
}

/// ContactCenters' results `CENTER.POLICY`: `CENTER` under the router that
/// makes `POLICY`'s decisions.
fn peer(which: &str) -> Peer {
    let path = format!("{DIR}/{which}.cc-results.xml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let root = doc.root_element();
    let replications: f64 = root
        .attribute("numSteps")
        .and_then(|n| n.parse().ok())
        .expect("numSteps");
    let mut means = HashMap::new();
    let mut vars = HashMap::new();
    for node in root.children().filter(|c| c.is_element()) {
        let Some(measure) = node.attribute("measure") else {
            continue;
        };
        match node.tag_name().name() {
            "performanceMeasure" => {
                means.insert(measure.to_string(), rows(node));
            }
            "variance" => {
                vars.insert(measure.to_string(), rows(node));
            }
            _ => {}
        }
    }
    let measures = means
        .into_iter()
        .filter_map(|(k, mean)| {
            let var = vars.remove(&k)?;
            Some((k, PeerMeasure { mean, var }))
        })
        .collect();
    Peer {
        measures,
        replications,
    }
}

/// Mean and sample variance.
fn moments(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

struct Comparison {
    what: String,
    ours: f64,
    theirs: f64,
    z: f64,
}

impl Peer {
    /// Compares our per-replication values `xs` with row `row`, column
    /// `col` (the last: the whole day) of `measure`, scaled by `scale`.
    fn compare(
        &self,
        what: String,
        xs: &[f64],
        measure: &str,
        row: usize,
        col: Option<usize>,
        scale: f64,
    ) -> Comparison {
        let m = self
            .measures
            .get(measure)
            .unwrap_or_else(|| panic!("ContactCenters' results have no {measure}"));
        let pick = |rows: &[Vec<f64>]| {
            let r = &rows[row];
            r[col.unwrap_or(r.len() - 1)]
        };
        let (mean, var) = moments(xs);
        let (theirs, their_var) = (pick(&m.mean) * scale, pick(&m.var) * scale * scale);
        let se = (var / xs.len() as f64 + their_var / self.replications).sqrt();
        // Both exactly equal with no spread (no abandonment in a quiet hour): agreement.
        let z = if se == 0.0 && mean == theirs {
            0.0
        } else {
            (mean - theirs) / se
        };
        Comparison {
            what,
            ours: mean,
            theirs,
            z,
        }
    }
}

/// A figure both simulators define for contacts: its name, ContactCenters'
/// measure and unit scale, and ours from a report row.
type Figure = (&'static str, &'static str, f64, fn(&Metrics<f64>) -> f64);

const FIGURES: [Figure; 7] = [
    ("offered", "RATEOFOFFERED", 1.0, |m| m.offered),
    ("answered", "RATEOFSERVICES", 1.0, |m| m.answered),
    ("abandoned", "RATEOFABANDONMENT", 1.0, |m| m.abandoned),
    // Ours is a share of answered + abandoned (all of them: the runs drain).
    (
        "answered within 20 s",
        "RATEOFSERVICESBEFOREAWT",
        1.0,
        |m| (m.service_level * (m.answered + m.abandoned + m.late_at_end)).round(),
    ),
    ("P(abandon)", "ABANDONMENTRATIOREP", 1.0, |m| m.p_abandon),
    ("P(wait)", "DELAYRATIOREP", 1.0, |m| m.p_wait),
    // ContactCenters' unit is the hour.
    ("ASA s", "SPEEDOFANSWERREP", 3600.0, |m| m.asa),
];

/// Every figure both simulators define, `reps` of `sim`'s center against
/// ContactCenters' `peer`: per contact type and in total, and occupancy per
/// group and in total, over the day; and with report intervals (hours in
/// `day`), the same per interval (ContactCenters' periods), contacts by the
/// interval of their arrival.
fn comparisons(sim: &Simulation, reps: &[Replication], peer: &Peer) -> Vec<Comparison> {
    assert_eq!(peer.replications as usize, reps.len());
    let types = sim.contact_types();
    let groups = sim.groups();
    let k_n = types.len();
    let intervals = reps[0].by_interval.len();
    let mut out = Vec::new();
    for (label, measure, scale, f) in FIGURES {
        for k in 0..=k_n {
            let row = |r: &Replication| f(if k < k_n { &r.by_type[k] } else { &r.total });
            let name = types.get(k).copied().unwrap_or("all");
            let xs: Vec<f64> = reps.iter().map(row).collect();
            out.push(peer.compare(format!("{label} [{name}]"), &xs, measure, k, None, scale));
            for i in (0..intervals).filter(|_| intervals > 1) {
                let xs: Vec<f64> = reps
                    .iter()
                    .map(|r| {
                        f(if k < k_n {
                            &r.by_interval_type[i * k_n + k]
                        } else {
                            &r.by_interval[i]
                        })
                    })
                    .collect();
                let what = format!("{label} [{name}, hour {}]", i + 1);
                out.push(peer.compare(what, &xs, measure, k, Some(i), scale));
            }
        }
    }
    for g in 0..=groups.len() {
        let name = groups.get(g).copied().unwrap_or("all");
        let xs: Vec<f64> = reps
            .iter()
            .map(|r| {
                if g < groups.len() {
                    r.by_group[g].occupancy
                } else {
                    r.total.occupancy
                }
            })
            .collect();
        out.push(peer.compare(
            format!("occupancy [{name}]"),
            &xs,
            "OCCUPANCYREP",
            g,
            None,
            1.0,
        ));
    }
    // Our interval rows have occupancy for all groups together.
    for i in (0..intervals).filter(|_| intervals > 1) {
        let xs: Vec<f64> = reps.iter().map(|r| r.by_interval[i].occupancy).collect();
        let what = format!("occupancy [all, hour {}]", i + 1);
        out.push(peer.compare(what, &xs, "OCCUPANCYREP", groups.len(), Some(i), 1.0));
    }
    out
}

fn center(name: &str) -> Simulation {
    let scenario = Scenario::load(format!("{DIR}/{name}.toml")).expect("scenario");
    Simulation::new(scenario).expect("valid scenario")
}

/// The policies compared on each of `CENTERS`, each with the ContactCenters
/// router that makes the same decisions (in `CENTER.POLICY.cc.xml`).
fn policies() -> [PolicySpec; 3] {
    [
        PolicySpec::SkillExpansion { steps: vec![] },
        PolicySpec::LongestIdleAgent,
        PolicySpec::PriorityAging(PriorityAging {
            aging_per_second: 0.0,
            tier_boost: 0.0,
            ..PriorityAging::default()
        }),
    ]
}

/// One run to compare: a center's replications under a policy, the ContactCenters results
/// (`CENTER.POLICY`) it must agree with, and those of routers that decide
/// otherwise on the same customers, which it must not.
struct Case {
    sim: Simulation,
    reps: Vec<Replication>,
    agrees: String,
    differs: Vec<String>,
}

/// Every case, run once for both tests: `CENTERS` under each of
/// `policies()`, and `bullseye` under its own relaxing skill-expansion
/// (which must differ from the same center without the delay).
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let run = |name: &str, policy: PolicySpec, differs: Vec<String>| {
            let sim = center(name);
            let reps = sim
                .replications_policy(&policy, RunOptions::default())
                .expect("runs");
            let agrees = format!("{name}.{}", policy.name());
            Case {
                sim,
                reps,
                agrees,
                differs,
            }
        };
        let mut cases = Vec::new();
        for name in CENTERS {
            for policy in policies() {
                let differs = policies()
                    .iter()
                    .filter(|o| o.name() != policy.name())
                    .map(|o| format!("{name}.{}", o.name()))
                    .collect();
                cases.push(run(name, policy, differs));
            }
        }
        let bullseye = center("bullseye").scenario().policy.clone();
        cases.push(run(
            "bullseye",
            bullseye,
            vec!["fourtypes.skill-expansion".into()],
        ));
        cases
    })
}

fn table(title: &str, cs: &[Comparison]) {
    println!("{title}:");
    println!(
        "{:<32} {:>12} {:>12} {:>7}",
        "figure", "skillroute", "CC", "z"
    );
    for c in cs {
        println!(
            "{:<32} {:>12.5} {:>12.5} {:>7.2}",
            c.what, c.ours, c.theirs, c.z
        );
    }
}

#[test]
fn each_policy_agrees_with_its_contactcenters_router() {
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases() {
        let cs = comparisons(&case.sim, &case.reps, &peer(&case.agrees));
        table(&format!("{} against ContactCenters", case.agrees), &cs);
        count += cs.len();
        failures.extend(
            cs.iter()
                .filter(|c| c.z.is_nan() || c.z.abs() >= 3.29)
                .map(|c| {
                    format!(
                        "{}: {} = {} against {} (z = {:.2})",
                        case.agrees, c.what, c.ours, c.theirs, c.z
                    )
                }),
        );
    }
    assert_eq!(count, 3 * 271 + 39, "comparisons");
    assert!(
        failures.is_empty(),
        "outside 99.9%:\n{}",
        failures.join("\n")
    );
}

/// The comparison has the power to tell routing policies apart: each case
/// against the ContactCenters routers that decide otherwise.
#[test]
fn each_policy_disagrees_with_the_other_routers() {
    for case in cases() {
        for other in &case.differs {
            let cs = comparisons(&case.sim, &case.reps, &peer(other));
            let worst = cs
                .iter()
                .max_by(|a, b| a.z.abs().total_cmp(&b.z.abs()))
                .expect("comparisons");
            println!(
                "{} against {other}'s router: largest |z| {:.1} ({})",
                case.agrees,
                worst.z.abs(),
                worst.what
            );
            assert!(
                worst.z.abs() > 5.0,
                "{} is indistinguishable from {other}'s router (worst: {} z = {:.2})",
                case.agrees,
                worst.what,
                worst.z
            );
        }
    }
}
