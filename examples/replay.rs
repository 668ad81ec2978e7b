//! Replays an event log through the router and prints every decision as a JSON line.
//!
//! `cargo run --release --example replay -- [LOG.jsonl] [--policy NAME]`
//!
//! The log has one JSON object a line: `{"time": 12.5, "event": {...}}`, where the
//! event is a serialized [`skillroute::Event`] (run without a file to see the
//! embedded demo log echoed on stderr). Policies: longest-idle (default),
//! priority-aging, skill-expansion, c-mu, optimal. Because the router is
//! deterministic, replaying an ACD's log with the policy it ran gives the very
//! decisions it made: an audit trail, and a way to reproduce a reported decision.
use std::io::{BufRead, Write};

use serde::Deserialize;
use skillroute::{
    CMu, Event, LongestIdleAgent, OptimalAssignment, PriorityAging, Router, RoutingPolicy,
    SkillExpansion,
};

#[derive(Deserialize)]
struct Entry {
    time: f64,
    event: Event,
}

const DEMO: &str = r#"{"time":0,"event":{"AgentLogin":{"agent":{"id":1,"skills":[{"skill":1,"level":9}],"capacity":[{"channel":0,"max":1}]}}}}
{"time":0,"event":{"AgentLogin":{"agent":{"id":2,"skills":[{"skill":1,"level":4},{"skill":2,"level":8}],"capacity":[{"channel":0,"max":1},{"channel":1,"max":3}],"total_capacity":3}}}}
{"time":1,"event":{"AgentReady":{"agent":1}}}
{"time":2,"event":{"AgentReady":{"agent":2}}}
{"time":5,"event":{"ContactArrived":{"contact":{"id":100,"channel":0,"arrival":5,"requirements":[{"skill":1,"min_level":5}]}}}}
{"time":6,"event":{"ContactArrived":{"contact":{"id":101,"channel":1,"arrival":6,"requirements":[{"skill":2,"min_level":6}],"priority":1}}}}
{"time":7,"event":{"ContactArrived":{"contact":{"id":102,"channel":0,"arrival":7,"requirements":[{"skill":1,"min_level":5}]}}}}
{"time":9,"event":{"OfferAccepted":{"contact":100,"agent":1}}}
{"time":10,"event":{"OfferDeclined":{"contact":101,"agent":2}}}
{"time":40,"event":"Tick"}
{"time":41,"event":{"OfferAccepted":{"contact":101,"agent":2}}}
{"time":80,"event":{"WorkCompleted":{"contact":100,"outcome":{"resolved":true}}}}
{"time":95,"event":{"WrapUpDone":{"contact":100}}}
{"time":96,"event":{"ContactAbandoned":{"contact":999}}}"#;

fn policy(name: &str) -> Option<Box<dyn RoutingPolicy>> {
    Some(match name {
        "longest-idle" => Box::new(LongestIdleAgent),
        "priority-aging" => Box::new(PriorityAging::default()),
        "skill-expansion" => Box::new(SkillExpansion::default()),
        "c-mu" => Box::new(CMu::default()),
        "optimal" => Box::new(OptimalAssignment::default()),
        _ => return None,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut file = None;
    let mut name = "longest-idle".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--policy" => name = it.next().cloned().unwrap_or_default(),
            f if !f.starts_with("--") => file = Some(f.to_string()),
            other => fail(&format!("unknown option {other}")),
        }
    }
    let Some(policy) = policy(&name) else {
        fail(&format!(
            "unknown policy {name:?}: longest-idle, priority-aging, skill-expansion, c-mu, optimal"
        ))
    };
    let text = match &file {
        Some(f) => std::fs::read_to_string(f).unwrap_or_else(|e| fail(&format!("{f}: {e}"))),
        None => {
            eprintln!("no log given; replaying the demo log:\n{DEMO}\n");
            DEMO.to_string()
        }
    };
    let mut router = Router::new(policy);
    let mut offers = Vec::new();
    let mut out = std::io::stdout().lock();
    for (n, line) in text.as_bytes().lines().enumerate() {
        let line = line.unwrap_or_else(|e| fail(&e.to_string()));
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = match serde_json::from_str(&line) {
            Ok(e) => e,
            Err(e) => fail(&format!("line {}: {e}", n + 1)),
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

fn fail(msg: &str) -> ! {
    eprintln!("replay: {msg}");
    std::process::exit(2)
}
