//! Outside input, damaged at random: what a planner's editor or script, a
//! full disk or a lost job does to the files skillroute reads.
//!
//! * **Scenario files** (the shipped ones: the default center, the
//!   multi-skill test center, two ContactCenters centers). Each case changes
//!   up to three things: a number to an edge value (0, −0, negative, tiny,
//!   huge, the integer types' limits, NaN, ±∞, a string, an array), a string
//!   to another of the file's (a name used twice, a skill or channel where
//!   another was) or to `""`, or a line deleted or doubled. Loading gives a
//!   scenario or an error that says why, never a panic; a scenario that
//!   loads runs to a report, never to a panic or a refused event. (A case
//!   that loads is run for one replication, unless it would be long: more
//!   than about 30,000 contacts, 2,000 agents, 10,000 intervals or
//!   re-plans. Those are valid scenarios that take as long as they say.)
//! * **Task files** of a split run (`simulate --tasks`, Python's
//!   `run_task`): a value changed to an edge value or the wrong type, a
//!   field or an array element gone, a line lost or cut short. Merging
//!   gives the reports and the comparison, or an error; never a panic.
//!
//! * **Router snapshots** (`Router::snapshot` as JSON, saved by an ACD for a
//!   standby or a restart), damaged the same way. Restoring gives a router
//!   whose indexes agree with its records and that takes more events
//!   without a panic, or an error; never a panic, and after an error the
//!   router is as it was.
//!
//! 200 cases each in CI (2,000 for snapshots); `PROPTEST_CASES=30000` for a longer hunt.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;
use skillroute::sim::{ArrivalSpec, PolicySpec, Replication, Scenario, Simulation};
use skillroute::{
    Agent, AgentId, ChannelId, Contact, ContactId, ContactState, Event, OptimalAssignment, Outcome,
    Router, RouterSnapshot, SkillId,
};

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
            // What `simulate` prints for a valid scenario: words, not a panic.
            Ok(sim) => {
                let _ = sim.scenario().warnings();
                sim.scenario().clone()
            }
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

/// Two policies' replications of the multi-skill center, as the JSON lines
/// the tasks of a split run write (`simulate --tasks`, Python's `run_task`).
fn task_lines() -> &'static (Simulation, Vec<PolicySpec>, Vec<String>) {
    static LINES: OnceLock<(Simulation, Vec<PolicySpec>, Vec<String>)> = OnceLock::new();
    LINES.get_or_init(|| {
        let (text, dir) = FILES[1];
        let mut s = load(text, dir).unwrap().scenario().clone();
        s.replications = 4;
        let sim = Simulation::new(s).unwrap();
        let policies = PolicySpec::builtins()[..2].to_vec();
        let mut lines = Vec::new();
        for spec in &policies {
            for r in 0..4 {
                let rep = sim.replicate_policy(spec, r).unwrap();
                lines.push(serde_json::to_string(&rep).unwrap());
            }
        }
        (sim, policies, lines)
    })
}

const JSON_VALUES: [&str; 14] = [
    "null",
    "0",
    "-1",
    "0.5",
    "1e308",
    "-1e308",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "\"x\"",
    "[]",
    "{}",
    "[1e308, -1]",
    "true",
];

/// Every node of `v`, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Array(xs) => xs
            .iter()
            .enumerate()
            .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            pointers(
                x,
                format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                out,
            )
        }),
        _ => {}
    }
    out.push(at);
}

#[derive(Debug, Clone)]
enum LineEdit {
    /// Line `l`'s `n`-th node (modulo) becomes `JSON_VALUES[v]`.
    Set(usize, usize, usize),
    /// Line `l`'s `n`-th node goes (from its array or object).
    Remove(usize, usize),
    /// Line `l` goes, or is cut short at byte `n`.
    Drop(usize),
    Cut(usize, usize),
}

fn edit_lines(lines: &mut Vec<String>, e: &LineEdit) {
    // Earlier edits may have dropped every line, or cut this one to nothing.
    if lines.is_empty() {
        return;
    }
    let k = match *e {
        LineEdit::Set(l, ..) | LineEdit::Remove(l, _) | LineEdit::Drop(l) | LineEdit::Cut(l, _) => {
            l % lines.len()
        }
    };
    match *e {
        LineEdit::Drop(_) => {
            lines.remove(k);
        }
        LineEdit::Cut(_, n) => {
            let line = &mut lines[k];
            if !line.is_empty() {
                // At a character's boundary: a name may be more than ASCII.
                let mut cut = n % line.len();
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
            }
        }
        LineEdit::Set(_, n, _) | LineEdit::Remove(_, n) => {
            // (a line cut short before is left as it is)
            let Ok(mut v) = serde_json::from_str::<Value>(&lines[k]) else {
                return;
            };
            let mut ps = Vec::new();
            pointers(&v, String::new(), &mut ps);
            let p = &ps[n % ps.len()];
            if let LineEdit::Set(.., x) = *e {
                if let Some(node) = v.pointer_mut(p) {
                    *node = serde_json::from_str(JSON_VALUES[x]).unwrap();
                }
            } else if let Some((parent, key)) = p.rsplit_once('/')
                && let Some(node) = v.pointer_mut(parent)
            {
                match node {
                    Value::Array(xs) => {
                        if let Ok(i) = key.parse::<usize>() {
                            xs.remove(i);
                        }
                    }
                    Value::Object(m) => {
                        m.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    _ => {}
                }
            }
            lines[k] = v.to_string();
        }
    }
}

fn line_edits() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        6 => (any::<usize>(), any::<usize>(), 0..JSON_VALUES.len())
            .prop_map(|(l, n, v)| LineEdit::Set(l, n, v)),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(l, n)| LineEdit::Remove(l, n)),
        1 => any::<usize>().prop_map(LineEdit::Drop),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(l, n)| LineEdit::Cut(l, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The path of `simulate --merge` and of Python's `merge`.
    #[test]
    fn damaged_task_files_merge_or_fail_cleanly(
        changes in prop::collection::vec(line_edits(), 1..=3),
    ) {
        let (sim, policies, lines) = task_lines();
        let mut lines = lines.clone();
        for e in &changes {
            if !lines.is_empty() {
                edit_lines(&mut lines, e);
            }
        }
        let Ok(reps) = lines
            .iter()
            .map(|l| serde_json::from_str::<Replication>(l))
            .collect::<Result<Vec<_>, _>>()
        else {
            return Ok(());
        };
        let Ok(runs) = sim.merge_tasks(policies, reps, 2) else {
            return Ok(());
        };
        for run in &runs {
            if let Ok(report) = sim.report(run, 0.95) {
                let _ = (report.to_json(), report.to_csv());
            }
        }
        if let Ok(c) = sim.compare(&runs[0], &runs[1], 0.95) {
            let _ = serde_json::to_string(&c);
        }
    }
}

/// A router in every state at once, under optimal assignment: agents ready,
/// not ready and logged out, one holding a call and chats, contacts
/// waiting, ringing, in service and in wrap-up, a cool-down running; as
/// snapshot JSON.
fn snapshot_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut r = Router::new(OptimalAssignment::default());
        let mut out = Vec::new();
        let mut ev = |r: &mut Router<OptimalAssignment>, t: f64, e: Event| {
            r.handle(t, e, &mut out).unwrap();
        };
        for id in 1..=4 {
            let agent = Agent::builder(AgentId(id))
                .skill(SkillId(1), 5)
                .skill(SkillId(id as u16 + 1), 3)
                .channel(ChannelId::VOICE, 1)
                .channel(ChannelId::CHAT, 2)
                .total_capacity(2)
                .build()
                .unwrap();
            ev(&mut r, 0.0, Event::AgentLogin { agent });
        }
        ev(&mut r, 0.0, Event::AgentLogout { agent: AgentId(4) });
        for id in 1..=2 {
            ev(&mut r, 1.0, Event::AgentReady { agent: AgentId(id) });
        }
        for (id, channel) in [
            (1, ChannelId::VOICE),
            (2, ChannelId::CHAT),
            (3, ChannelId::CHAT),
        ] {
            let contact = Contact::builder(ContactId(id), channel, 1.5)
                .requires(SkillId(1), 4)
                .build()
                .unwrap();
            ev(&mut r, 2.0, Event::ContactArrived { contact });
        }
        // Whatever was offered: the first answered and completed into
        // wrap-up, the second declined (a cool-down), the rest left ringing.
        let offered: Vec<(ContactId, AgentId)> = r
            .contacts()
            .filter_map(|(c, s)| match s {
                ContactState::Offered(a) => Some((c, a)),
                _ => None,
            })
            .collect();
        if let Some(&(contact, agent)) = offered.first() {
            ev(&mut r, 3.0, Event::OfferAccepted { contact, agent });
            let outcome = Outcome::default();
            ev(&mut r, 4.0, Event::WorkCompleted { contact, outcome });
        }
        if let Some(&(contact, agent)) = offered.get(1) {
            ev(&mut r, 5.0, Event::OfferDeclined { contact, agent });
        }
        for id in 4..=6 {
            let contact = Contact::builder(ContactId(id), ChannelId::VOICE, 5.5)
                .requires(SkillId(1), 2)
                .priority(id as u8 % 2)
                .build()
                .unwrap();
            ev(&mut r, 6.0, Event::ContactArrived { contact });
        }
        let snap = r.snapshot();
        assert!(snap.contacts.iter().any(|c| !c.cooldowns.is_empty()));
        assert!(
            snap.contacts
                .iter()
                .any(|c| c.state == ContactState::Waiting)
        );
        serde_json::to_string(&snap).unwrap()
    })
}

proptest! {
    // Most damage makes JSON that is no snapshot at all (one in ten cases
    // parses): more cases, which take little time.
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The path of an ACD restoring a saved snapshot.
    #[test]
    fn damaged_snapshots_restore_or_fail_cleanly(
        changes in prop::collection::vec(line_edits(), 1..=3),
    ) {
        let mut lines = vec![snapshot_json().to_string()];
        for e in &changes {
            if !lines.is_empty() {
                edit_lines(&mut lines, e);
            }
        }
        let Some(Ok(snap)) = lines.first().map(|l| serde_json::from_str::<RouterSnapshot>(l)) else {
            return Ok(());
        };
        let mut r = Router::new(OptimalAssignment::default());
        let before = r.snapshot();
        if r.restore(&snap).is_err() {
            prop_assert_eq!(r.snapshot(), before, "an error changed the router");
            return Ok(());
        }
        prop_assert!(r.check_consistency().is_ok(), "{:?}", r.check_consistency());
        // More events: every agent ready, every offer answered and every
        // contact served, time moving on; any may be refused, none may panic.
        let t = snap.time.unwrap_or(0.0).max(0.0);
        let mut out = Vec::new();
        let agents: Vec<AgentId> = r.agents().map(|(a, _)| a.id()).collect();
        for (k, a) in agents.iter().enumerate() {
            let _ = r.handle(t + k as f64, Event::AgentReady { agent: *a }, &mut out);
        }
        let _ = r.handle(t + 100.0, Event::Rebalance, &mut out);
        for step in 0..3 {
            let now = t + 200.0 + 10.0 * step as f64;
            let held: Vec<(ContactId, ContactState)> = r.contacts().collect();
            for (contact, state) in held {
                let e = match state {
                    ContactState::Offered(agent) => Event::OfferAccepted { contact, agent },
                    ContactState::InService(_) => Event::WorkCompletedNoWrapUp {
                        contact,
                        outcome: Outcome::default(),
                    },
                    ContactState::WrapUp(_) => Event::WrapUpDone { contact },
                    _ => Event::Tick,
                };
                let _ = r.handle(now, e, &mut out);
            }
            prop_assert!(r.check_consistency().is_ok(), "{:?}", r.check_consistency());
        }
    }
}
