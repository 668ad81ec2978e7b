//! Replays an event log through the router and prints every decision as a JSON line.
//!
//! `cargo run --release --example replay -- [LOG.jsonl] [--policy NAME]`
//!
//! The log has one JSON object a line: `{"time": 12.5, "event": {...}}`, where the
//! event is a serialized [`skillroute::Event`] (run without a file to see the
//! embedded demo log, `examples/data/demo-log.jsonl`, echoed on stderr).
//! An event the router rejects is a line `{"line": N, "error": ...}` and is
//! counted in the summary's `rejected`; the replay goes on, and exits 0
//! (see [`USAGE`] for why).
//! Policies, named as `simulate` names them: longest-idle-agent (default),
//! priority-aging, skill-expansion, c-mu, optimal-assignment, learned-fit
//! (one arm per agent, default seed; the short names longest-idle and
//! optimal work too), each with its defaults. Because the router is
//! deterministic, replaying an ACD's log with the policy it ran gives the very
//! decisions it made: an audit trail, and a way to reproduce a reported decision.
mod pipe;

use std::io::{BufRead, Write};

use serde::Deserialize;
use skillroute::policy::LearnedFitConfig;
use skillroute::sim::PolicySpec;
use skillroute::{Event, Router, RoutingPolicy};

#[derive(Deserialize)]
struct Entry {
    time: f64,
    event: Event,
}

const DEMO: &str = include_str!("data/demo-log.jsonl");

const DEFAULT_POLICY: &str = "longest-idle-agent";

/// `--help`, with `{policies}` for the names (see [`usage`]).
const USAGE: &str = "usage: replay [LOG.jsonl] [--policy NAME]

Replays an event log through the router: a JSON line per offer made and per
event the router rejected ({\"line\": N, \"time\": T, \"error\": ...}), then a
summary line: the policy, the router's counts, its next wake-up and
\"rejected\", the number of events it rejected.

  LOG.jsonl      one {\"time\": T, \"event\": EVENT} object a line; without it,
                 the demo log (examples/data/demo-log.jsonl), echoed on stderr
  --policy NAME  {policies}
                 (learned-fit with one arm per agent), each with its defaults
  -h, --help     this text

Exit status: 0 when the whole log was replayed, rejected events included: a
rejection is the router's answer to that event (the ACD that wrote the log
got the same answer), not a failure of the replay, and the demo log has two
on purpose, to show them. A script that needs a clean log checks that the
summary's \"rejected\" is 0. 2 for a bad option, or a log that cannot be
read or has a line that is not a record.";

/// [`USAGE`] with the policies named from the simulator's list, so that
/// `--help` cannot drift from what [`policy`] accepts.
fn usage() -> String {
    let names: Vec<String> = PolicySpec::builtins()
        .iter()
        .map(|p| match p.name() {
            n if n == DEFAULT_POLICY => format!("{n} (default)"),
            n => n.to_string(),
        })
        .collect();
    // Wrapped under the option's description column.
    let mut lines = vec![String::new()];
    for (i, n) in names.iter().enumerate() {
        let piece = if i + 1 < names.len() {
            format!("{n},")
        } else {
            n.clone()
        };
        let last = lines.last_mut().expect("one line at least");
        if last.is_empty() {
            *last = piece;
        } else if last.len() + 1 + piece.len() <= 60 {
            last.push(' ');
            last.push_str(&piece);
        } else {
            lines.push(piece);
        }
    }
    USAGE.replace("{policies}", &lines.join(&format!("\n{:17}", "")))
}

/// The built-in named `name`, with its defaults, from the simulator's own
/// list; `learned-fit` keeps one arm per agent (a log's agents need not
/// carry the `group` attribute the simulator pools by).
fn policy(name: &str) -> Result<Box<dyn RoutingPolicy>, String> {
    let builtins = PolicySpec::builtins();
    let Some(spec) = builtins.iter().find(|p| p.name() == name) else {
        let known: Vec<&str> = builtins.iter().map(PolicySpec::name).collect();
        return Err(format!("unknown policy {name:?}: {}", known.join(", ")));
    };
    let spec = match spec {
        PolicySpec::LearnedFit(c) => PolicySpec::LearnedFit(LearnedFitConfig {
            pool_by: None,
            ..c.clone()
        }),
        other => other.clone(),
    };
    spec.build().map_err(|e| format!("{name}: {e}"))
}

fn main() {
    pipe::end_quietly_on_closed_pipe();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut file = None;
    let mut name = DEFAULT_POLICY.to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{}", usage());
                return;
            }
            "--policy" => {
                name = it
                    .next()
                    .cloned()
                    .unwrap_or_else(|| fail("--policy needs a name"))
            }
            // A dash starts an option (`-x` was taken for a log's name, to
            // fail later as a missing file); a log named so is `./-x`.
            f if !f.starts_with('-') && file.is_none() => file = Some(f.to_string()),
            f if !f.starts_with('-') => fail(&format!("more than one log given ({f})")),
            other => fail(&format!(
                "unknown option {other} (replay --help lists the options)"
            )),
        }
    }
    // The short names of earlier versions, reported by their full ones.
    match name.as_str() {
        "longest-idle" => name = "longest-idle-agent".into(),
        "optimal" => name = "optimal-assignment".into(),
        _ => {}
    }
    let policy = policy(&name).unwrap_or_else(|e| fail(&e));
    // Bytes, not text: a line that is not UTF-8 is named like any bad line.
    let text = match &file {
        Some(f) => std::fs::read(f).unwrap_or_else(|e| fail(&format!("{f}: {e}"))),
        None => {
            eprintln!("no log given; replaying the demo log:\n{DEMO}\n");
            DEMO.as_bytes().to_vec()
        }
    };
    // A log saved by a Windows tool may open with a byte-order mark.
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
    let mut router = Router::new(policy);
    let mut offers = Vec::new();
    let mut rejected = 0u64;
    let mut out = std::io::stdout().lock();
    for (n, line) in text.lines().enumerate() {
        let line = line.unwrap_or_else(|e| fail(&format!("line {}: {e}", n + 1)));
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = match serde_json::from_str(&line) {
            Ok(e) => e,
            Err(e) => fail(&json_error(n + 1, &e)),
        };
        offers.clear();
        if let Err(e) = router.handle(entry.time, entry.event, &mut offers) {
            rejected += 1;
            let msg =
                serde_json::json!({"line": n + 1, "time": entry.time, "error": e.to_string()});
            writeln!(out, "{msg}").ok();
        }
        for o in &offers {
            let msg = serde_json::json!({"line": n + 1, "time": entry.time, "offer": o});
            writeln!(out, "{msg}").ok();
        }
    }
    let summary = serde_json::json!({
        "policy": name,
        "counts": router.counts(),
        "next_wakeup": router.next_wakeup(),
        "rejected": rejected,
    });
    writeln!(out, "{summary}").ok();
}

/// A record's error at its place in the log: serde's own place is always
/// line 1 of the one-line record, which would point at the log's line 1.
fn json_error(line: usize, e: &serde_json::Error) -> String {
    let text = e.to_string();
    let place = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&place) {
        Some(what) => format!("line {line}, column {}: {what}", e.column()),
        None => format!("line {line}: {text}"),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("replay: {msg}");
    std::process::exit(2)
}
