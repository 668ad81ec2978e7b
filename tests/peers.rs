//! The simulator against ContactCenters (Buist & L'Ecuyer, Université de
//! Montréal), the research standard for multi-skill contact centers, on the
//! same multi-skill centers: where no formula exists, a simulator nobody here
//! wrote is the reference.
//!
//! `tests/data/peers/NAME.toml` is a center; `NAME.cc.xml` the same center in
//! ContactCenters' own format, for its generic simulator `msk.CallCenterSim`;
//! `NAME.cc-results.xml` that simulator's output (300 replications), kept here
//! so that the test needs no Java; `regen.sh` makes it again (the same bytes:
//! ContactCenters seeds itself).
//!
//! Each center has overflow between specialist and generalist groups, so the
//! routing policy shapes every figure. skillroute's `skill-expansion` without
//! relaxation steps (the most skilled free agent, a freed agent takes the
//! longest-waiting contact it can serve) is ContactCenters' `SINGLEFIFOQUEUE`
//! router with each type's groups listed most skilled first.
//!
//! Every figure ContactCenters and skillroute both define is compared, per
//! contact type and in total, and occupancy per group: the mean over
//! replications of each, as two independent estimates, whose difference must
//! be within 3.29 standard errors (99.9%, for the 70 comparisons). Then the
//! same centers under `longest-idle-agent`, which spreads overflow calls
//! differently, must disagree with ContactCenters somewhere by more than 5
//! standard errors: the comparison can tell routing policies apart.

use std::collections::HashMap;

use skillroute::sim::{PolicySpec, Replication, RunOptions, Scenario, Simulation};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers");

/// One ContactCenters measure: a mean and a variance over replications for
/// each row (contact types then all types; or groups then all groups).
struct PeerMeasure {
    mean: Vec<f64>,
    var: Vec<f64>,
}

/// ContactCenters' results file: measures by name, and its replications.
struct Peer {
    measures: HashMap<String, PeerMeasure>,
    replications: f64,
}

/// A measure's rows, if it has one column (matrices, such as type × group
/// counts, are not compared here).
fn rows(node: roxmltree::Node<'_, '_>) -> Option<Vec<f64>> {
    node.children()
        .filter(|c| c.has_tag_name("row"))
        .map(|c| {
            let text = c.text().unwrap_or("").trim();
            let mut cells = text.split_whitespace().map(|x| {
                x.parse::<f64>()
                    .unwrap_or_else(|e| panic!("row {text:?}: {e}"))
            });
            let first = cells.next();
            if cells.next().is_some() { None } else { first }
        })
        .collect()
}

fn peer(name: &str) -> Peer {
    let path = format!("{DIR}/{name}.cc-results.xml");
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
                if let Some(r) = rows(node) {
                    means.insert(measure.to_string(), r);
                }
            }
            "variance" => {
                if let Some(r) = rows(node) {
                    vars.insert(measure.to_string(), r);
                }
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

/// Compares, row by row, a figure of ours (per replication, from `row` and
/// `f`) with ContactCenters' `measure`, scaled by `scale` (hours to seconds).
#[allow(clippy::too_many_arguments)]
fn compare(
    out: &mut Vec<Comparison>,
    reps: &[Replication],
    peer: &Peer,
    names: &[String],
    label: &str,
    measure: &str,
    scale: f64,
    per_row: impl Fn(&Replication, Option<usize>) -> f64,
) {
    let m = peer
        .measures
        .get(measure)
        .unwrap_or_else(|| panic!("ContactCenters' results have no {measure}"));
    assert_eq!(m.mean.len(), names.len() + 1, "{measure}: rows");
    for row in 0..=names.len() {
        let which = (row < names.len()).then_some(row);
        let xs: Vec<f64> = reps.iter().map(|r| per_row(r, which)).collect();
        let (mean, var) = moments(&xs);
        let (theirs, their_var) = (m.mean[row] * scale, m.var[row] * scale * scale);
        let se = (var / xs.len() as f64 + their_var / peer.replications).sqrt();
        let name = which.map_or("all", |i| names[i].as_str());
        out.push(Comparison {
            what: format!("{label} [{name}]"),
            ours: mean,
            theirs,
            z: (mean - theirs) / se,
        });
    }
}

/// Every figure both simulators define, for `reps` of center `name`.
fn comparisons(name: &str, sim: &Simulation, reps: &[Replication]) -> Vec<Comparison> {
    let peer = peer(name);
    assert_eq!(peer.replications as usize, reps.len());
    let types: Vec<String> = sim.contact_types().iter().map(|s| s.to_string()).collect();
    let groups: Vec<String> = sim.groups().iter().map(|s| s.to_string()).collect();
    let ty = |r: &Replication, k: Option<usize>| match k {
        Some(k) => r.by_type[k],
        None => r.total,
    };
    let mut out = Vec::new();
    let c = &mut out;
    compare(
        c,
        reps,
        &peer,
        &types,
        "offered",
        "RATEOFOFFERED",
        1.0,
        |r, k| ty(r, k).offered,
    );
    compare(
        c,
        reps,
        &peer,
        &types,
        "answered",
        "RATEOFSERVICES",
        1.0,
        |r, k| ty(r, k).answered,
    );
    compare(
        c,
        reps,
        &peer,
        &types,
        "abandoned",
        "RATEOFABANDONMENT",
        1.0,
        |r, k| ty(r, k).abandoned,
    );
    // Ours is a share of answered + abandoned (all of them, the run drains).
    compare(
        c,
        reps,
        &peer,
        &types,
        "answered within 20 s",
        "RATEOFSERVICESBEFOREAWT",
        1.0,
        |r, k| {
            let m = ty(r, k);
            (m.service_level * (m.answered + m.abandoned)).round()
        },
    );
    compare(
        c,
        reps,
        &peer,
        &types,
        "P(abandon)",
        "ABANDONMENTRATIOREP",
        1.0,
        |r, k| ty(r, k).p_abandon,
    );
    compare(
        c,
        reps,
        &peer,
        &types,
        "P(wait)",
        "DELAYRATIOREP",
        1.0,
        |r, k| ty(r, k).p_wait,
    );
    compare(
        c,
        reps,
        &peer,
        &types,
        "ASA s",
        "SPEEDOFANSWERREP",
        3600.0,
        |r, k| ty(r, k).asa,
    );
    compare(
        c,
        reps,
        &peer,
        &groups,
        "occupancy",
        "OCCUPANCYREP",
        1.0,
        |r, g| match g {
            Some(g) => r.by_group[g].occupancy,
            None => r.total.occupancy,
        },
    );
    out
}

fn center(name: &str) -> Simulation {
    let scenario = Scenario::load(format!("{DIR}/{name}.toml")).expect("scenario");
    Simulation::new(scenario).expect("valid scenario")
}

fn run(sim: &Simulation, policy: &PolicySpec) -> Vec<Replication> {
    sim.replications_policy(policy, RunOptions::default())
        .expect("runs")
}

fn table(name: &str, policy: &str, cs: &[Comparison]) {
    println!("{name} under {policy}, against ContactCenters (SINGLEFIFOQUEUE):");
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
fn multiskill_centers_agree_with_contactcenters() {
    let mut failures = Vec::new();
    let mut count = 0;
    for name in ["fourtypes", "threetypes"] {
        let sim = center(name);
        let own = sim.scenario().policy.clone();
        assert_eq!(own.name(), "skill-expansion");
        let cs = comparisons(name, &sim, &run(&sim, &own));
        table(name, own.name(), &cs);
        count += cs.len();
        failures.extend(
            cs.iter()
                .filter(|c| c.z.is_nan() || c.z.abs() >= 3.29)
                .map(|c| {
                    format!(
                        "{name}: {} = {} against {} (z = {:.2})",
                        c.what, c.ours, c.theirs, c.z
                    )
                }),
        );
    }
    assert!(count >= 70, "{count} comparisons");
    assert!(
        failures.is_empty(),
        "outside 99.9%:\n{}",
        failures.join("\n")
    );
}

#[test]
fn another_policy_disagrees_with_contactcenters() {
    for name in ["fourtypes", "threetypes"] {
        let sim = center(name);
        let cs = comparisons(name, &sim, &run(&sim, &PolicySpec::LongestIdleAgent));
        table(name, "longest-idle-agent", &cs);
        let worst = cs
            .iter()
            .max_by(|a, b| a.z.abs().total_cmp(&b.z.abs()))
            .expect("comparisons");
        assert!(
            worst.z.abs() > 5.0,
            "{name}: longest-idle-agent is indistinguishable from SINGLEFIFOQUEUE (worst: {} z = {:.2})",
            worst.what,
            worst.z
        );
    }
}
