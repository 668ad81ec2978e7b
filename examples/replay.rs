//! Replays an event log through the router and prints every decision as a JSON line.
//!
//! `cargo run --release --example replay -- [LOG.jsonl] [--policy NAME]`
//!
//! The log has one JSON object a line: `{"time": 12.5, "event": {...}}`, where the
//! event is a serialized [`skillroute::Event`] (run without a file to see the
//! embedded demo log, `examples/data/demo-log.jsonl`, echoed on stderr).
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
    let mut name = "longest-idle-agent".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--policy" => {
                name = it
                    .next()
                    .cloned()
                    .unwrap_or_else(|| fail("--policy needs a name"))
            }
            f if !f.starts_with("--") && file.is_none() => file = Some(f.to_string()),
            f if !f.starts_with("--") => fail(&format!("more than one log given ({f})")),
            other => fail(&format!("unknown option {other}")),
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
            let msg =
                serde_json::json!({"line": n + 1, "time": entry.time, "error": e.to_string()});
            writeln!(out, "{msg}").ok();
        }
        for o in &offers {
            let msg = serde_json::json!({"line": n + 1, "time": entry.time, "offer": o});
            writeln!(out, "{msg}").ok();
        }
    }
    let summary = serde_json::json!({"policy": name, "counts": router.counts(), "next_wakeup": router.next_wakeup()});
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
