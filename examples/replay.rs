//! Replays an event log through the router and prints every decision as a JSON line.
//!
//! `cargo run --release --example replay -- [LOG.jsonl] [--policy NAME]`
//!
//! The log has one JSON object a line: `{"time": 12.5, "event": {...}}`, where the
//! event is a serialized [`skillroute::Event`] (run without a file to see the
//! embedded demo log, `examples/data/demo-log.jsonl`, echoed on stderr).
//! An event the router rejects is a line `{"line": N, "error": ...}` and is
//! counted in the summary's `rejected`, as the offers made (the decisions)
//! are in its `offers`; the replay goes on, and exits 0 (see [`USAGE`] for
//! why).
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
summary line: the policy, the router's counts at the end (the contacts in
each state: \"offered\" there is those still ringing), its next wake-up,
\"offers\", the number of offers it made (the decisions), and
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
    let mut out = std::io::stdout().lock();
    if let Err(e) = replay(text, &name, policy, &mut out) {
        fail(&e);
    }
}

/// Replays the log `text` under `policy` (named `name`), writing a JSON
/// line per offer and per rejected event, then the summary, to `out`; an
/// error is a line that cannot be read or is not a record.
fn replay(
    text: &[u8],
    name: &str,
    policy: Box<dyn RoutingPolicy>,
    out: &mut impl Write,
) -> Result<(), String> {
    let mut router = Router::new(policy);
    let mut offers = Vec::new();
    let (mut made, mut rejected) = (0u64, 0u64);
    for (n, line) in text.lines().enumerate() {
        let line = line.map_err(|e| format!("line {}: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = serde_json::from_str(&line).map_err(|e| json_error(n + 1, &e))?;
        offers.clear();
        if let Err(e) = router.handle(entry.time, entry.event, &mut offers) {
            rejected += 1;
            let msg =
                serde_json::json!({"line": n + 1, "time": entry.time, "error": e.to_string()});
            writeln!(out, "{msg}").ok();
        }
        made += offers.len() as u64;
        for o in &offers {
            let msg = serde_json::json!({"line": n + 1, "time": entry.time, "offer": o});
            writeln!(out, "{msg}").ok();
        }
    }
    let summary = serde_json::json!({
        "policy": name,
        "counts": router.counts(),
        "next_wakeup": router.next_wakeup(),
        "offers": made,
        "rejected": rejected,
    });
    writeln!(out, "{summary}").ok();
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary counts the offers made, one per offer line (the
    /// decisions the README says it counts), beside the rejected events:
    /// it used to count only the latter, and its counts' `offered` is the
    /// contacts still ringing at the end, not the offers made.
    #[test]
    fn the_summary_counts_the_offers_and_the_rejections() {
        for spec in PolicySpec::builtins() {
            let mut out = Vec::new();
            replay(
                DEMO.as_bytes(),
                spec.name(),
                policy(spec.name()).unwrap(),
                &mut out,
            )
            .unwrap();
            let lines: Vec<serde_json::Value> = String::from_utf8(out)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let (summary, records) = lines.split_last().unwrap();
            let count = |key: &str| records.iter().filter(|r| r.get(key).is_some()).count();
            let (offers, errors) = (count("offer") as u64, count("error") as u64);
            assert_eq!(offers + errors, records.len() as u64);
            let name = spec.name();
            assert!(
                offers > summary["counts"]["offered"].as_u64().unwrap(),
                "{name}"
            );
            assert_eq!(summary["offers"].as_u64(), Some(offers), "{name}");
            assert_eq!(summary["rejected"].as_u64(), Some(errors), "{name}");
        }
    }
}
