//! Mutated scenario files: whatever a planner's editor or script does to a
//! valid file, loading it gives a scenario or an error, never a panic; and a
//! scenario that loads runs to a report, never to a panic or a refused
//! event. The files are the shipped ones (the default center, the
//! multi-skill test center, the ContactCenters centers); each case changes
//! up to three things: a number to an edge value (0, −0, negative, tiny,
//! huge, the integer types' limits, NaN, ±∞, a string, an array), a string
//! to another of the file's (a name used twice, a skill or channel where
//! another was) or to `""`, or a line deleted or doubled.
//!
//! A case that loads is run for one replication, unless it would be long
//! (more than about 30,000 contacts, 2,000 agents, 10,000 intervals or
//! re-plans): those are valid scenarios that take as long as they say.

use proptest::prelude::*;
use std::path::Path;

use skillroute::sim::{ArrivalSpec, Scenario, Simulation};

/// The files, and the folder their trace files are read from.
const FILES: [(&str, &str); 4] = [
    (
        include_str!("../examples/data/default-center.toml"),
        "examples/data",
    ),
    (include_str!("data/sim/multiskill.toml"), "tests/data/sim"),
    (
        include_str!("data/peers/threetypes.toml"),
        "tests/data/peers",
    ),
    (include_str!("data/peers/day.toml"), "tests/data/peers"),
];

/// `text` as a scenario whose trace files are read from `dir`: what
/// [`Scenario::load`] does with a file there. (`Scenario::from_toml_str`
/// reads them from the working directory.)
fn load(text: &str, dir: &str) -> Result<Simulation, String> {
    let mut s: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
    s.base_dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir));
    Simulation::new(s).map_err(|e| e.to_string())
}

const VALUES: [&str; 26] = [
    "0",
    "-1",
    "0.0",
    "-0.0",
    "1e-300",
    "1e-9",
    "0.001",
    "0.5",
    "1",
    "2",
    "3",
    "10",
    "255",
    "256",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "100000",
    "1e9",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "\"x\"",
    "[]",
];

/// The byte ranges of the numbers in `text` (outside comments), a leading
/// minus sign included.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut comment = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            comment = false;
        } else if c == b'#' {
            comment = true;
        }
        let prev = if i > 0 { b[i - 1] } else { b' ' };
        let starts = c.is_ascii_digit()
            && !(prev.is_ascii_alphanumeric() || matches!(prev, b'_' | b'.' | b'-'));
        if comment || !starts {
            i += 1;
            continue;
        }
        let start = if prev == b'-' { i - 1 } else { i };
        let mut end = i;
        while end < b.len() && (b[end].is_ascii_digit() || b"._eE+-".contains(&b[end])) {
            end += 1;
        }
        out.push((start, end));
        i = end;
    }
    out
}

/// The byte ranges of the double-quoted strings in `text` (outside
/// comments), quotes included.
fn strings(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (start, line) in text.split_inclusive('\n').scan(0, |at, l| {
        let s = *at;
        *at += l.len();
        Some((s, l))
    }) {
        let code = line.split('#').next().unwrap_or("");
        let quotes: Vec<usize> = code.match_indices('"').map(|(i, _)| start + i).collect();
        out.extend(quotes.chunks_exact(2).map(|q| (q[0], q[1] + 1)));
    }
    out
}

#[derive(Debug, Clone)]
enum Edit {
    /// The `n`-th number (modulo their count) becomes `VALUES[v]`.
    Number(usize, usize),
    /// The `n`-th string (modulo their count) becomes the `m`-th (a name
    /// used twice, a skill or channel named where another was), or `""`.
    Text(usize, usize),
    /// The `n`-th line (modulo) goes.
    Delete(usize),
    /// The `n`-th line (modulo) appears twice.
    Double(usize),
}

fn edit(text: &str, e: &Edit) -> String {
    match *e {
        Edit::Number(n, v) => {
            let nums = numbers(text);
            if nums.is_empty() {
                return text.to_string();
            }
            let (s, t) = nums[n % nums.len()];
            format!("{}{}{}", &text[..s], VALUES[v], &text[t..])
        }
        Edit::Text(n, m) => {
            let strs = strings(text);
            if strs.is_empty() {
                return text.to_string();
            }
            let (s, t) = strs[n % strs.len()];
            let to = if m % 8 == 0 {
                "\"\""
            } else {
                let (a, b) = strs[m % strs.len()];
                &text[a..b]
            };
            format!("{}{}{}", &text[..s], to, &text[t..])
        }
        Edit::Delete(n) | Edit::Double(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let k = n % lines.len();
            let mut out = Vec::with_capacity(lines.len() + 1);
            for (i, l) in lines.iter().enumerate() {
                if i != k || matches!(e, Edit::Double(_)) {
                    out.push(*l);
                }
                if i == k && matches!(e, Edit::Double(_)) {
                    out.push(*l);
                }
            }
            out.join("\n")
        }
    }
}

fn edits() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (any::<usize>(), 0..VALUES.len()).prop_map(|(n, v)| Edit::Number(n, v)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(n, m)| Edit::Text(n, m)),
        1 => any::<usize>().prop_map(Edit::Delete),
        1 => any::<usize>().prop_map(Edit::Double),
    ]
}

/// Whether one replication of `s` stays small enough for a test.
fn small(s: &Scenario) -> bool {
    let h = s.horizon;
    let contacts: f64 = s
        .contact_types
        .iter()
        .map(|t| match &t.arrivals {
            ArrivalSpec::Poisson { rate } => rate * h,
            ArrivalSpec::Piecewise { rates, .. } => rates.iter().copied().fold(0.0, f64::max) * h,
            ArrivalSpec::Trace { times, .. } => times.len() as f64,
        })
        .sum();
    let agents: u64 = s.groups.iter().map(|g| u64::from(g.count)).sum();
    let intervals = s.interval.map_or(1.0, |i| h / i);
    let replans = s.rebalance_every.map_or(0.0, |e| h / e);
    contacts <= 30_000.0 && agents <= 2_000 && intervals <= 10_000.0 && replans <= 10_000.0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_load_or_fail_cleanly_and_run(
        file in 0..FILES.len(),
        changes in prop::collection::vec(edits(), 1..=3),
    ) {
        let (base, dir) = FILES[file];
        let text = changes.iter().fold(base.to_string(), |t, e| edit(&t, e));
        // The public entry point too: an error (a trace file it cannot
        // find from here, say) or a scenario, not a panic.
        let _ = Scenario::from_toml_str(&text);
        let scenario = match load(&text, dir) {
            Ok(sim) => sim.scenario().clone(),
            Err(e) => {
                prop_assert!(!e.is_empty());
                return Ok(());
            }
        };
        if !small(&scenario) {
            return Ok(());
        }
        // One replication: the same scenario otherwise, so it stays valid.
        let one = Scenario { replications: 1, ..scenario };
        let sim = Simulation::new(one).expect("fewer replications stay valid");
        let report = sim.run();
        prop_assert!(report.is_ok(), "{:?}", report.err());
    }
}

#[test]
fn the_files_load_unchanged_and_have_numbers_to_change() {
    for (f, dir) in FILES {
        load(f, dir).unwrap();
        assert!(numbers(f).len() > 20 && strings(f).len() > 10);
    }
}
