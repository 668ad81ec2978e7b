//! Solve an assignment instance file and print one JSON line.
//!
//! ```text
//! cargo run --release --example assign -- FILE [--mode max-weight|non-idling] [--repeat K] [--stats]
//! ```
//!
//! The file format is the one of `assignment.py` (the peers' script): a first line
//! `rows cols edges`, then one edge per line, `row col weight`, 0-based. The output:
//!
//! ```text
//! {"rows":…,"cols":…,"edges":…,"matched":…,"objective":…,"solve_seconds":…}
//! ```
//!
//! `solve_seconds` times the solve only (not the parse); with `--repeat K` it is
//! the median of K solves with one reused [`Solver`]; `--stats` prints the
//! solver's counters of the last solve on stderr. A bad file or bad arguments
//! print a message on stderr and exit with code 2.

mod pipe;

use skillroute::assign::{MAX_DIMENSION, Mode, Solver, SparseGraph};
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    path: String,
    mode: Mode,
    repeat: usize,
    stats: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut path = None;
    let mut mode = Mode::MaxWeight;
    let mut repeat = 1usize;
    let mut stats = false;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--mode" => {
                mode = match it.next().as_deref() {
                    Some("max-weight") => Mode::MaxWeight,
                    Some("non-idling") => Mode::NonIdling,
                    other => {
                        return Err(format!(
                            "--mode expects max-weight or non-idling, got {other:?}"
                        ));
                    }
                }
            }
            "--repeat" => {
                repeat = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|&k: &usize| k >= 1)
                    .ok_or("--repeat expects a positive integer")?
            }
            "--stats" => stats = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            s if path.is_none() => path = Some(s.to_string()),
            s => return Err(format!("unexpected argument {s}\n{USAGE}")),
        }
    }
    Ok(Args {
        path: path.ok_or(USAGE)?,
        mode,
        repeat,
        stats,
    })
}

const USAGE: &str = "usage: assign FILE [--mode max-weight|non-idling] [--repeat K] [--stats]";

/// Reads the instance file: `rows cols edges`, then `row col weight` per edge.
fn read_instance(path: &str) -> Result<SparseGraph, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut tok = text.split_ascii_whitespace();
    let mut header = |what: &str| -> Result<usize, String> {
        let t = tok
            .next()
            .ok_or_else(|| format!("{path}: missing {what} in the header"))?;
        t.parse()
            .map_err(|_| format!("{path}: bad {what} {t:?} in the header"))
    };
    let (rows, cols, m) = (header("rows")?, header("cols")?, header("edge count")?);
    if rows.max(cols).max(m) > MAX_DIMENSION {
        return Err(format!(
            "{path}: {rows} rows, {cols} cols, {m} edges: each must be ≤ {MAX_DIMENSION}"
        ));
    }
    // Capacities trust the header only as far as the file's size allows (an edge
    // takes at least 6 bytes), so a bad header cannot reserve gigabytes.
    let cap = m.min(text.len() / 6 + 1);
    let mut row_ptr = Vec::with_capacity(rows.min(cap) + 1);
    let mut col_idx = Vec::with_capacity(cap);
    let mut weight = Vec::with_capacity(cap);
    let mut edges: Vec<(usize, usize, f64)> = Vec::new();
    let mut sorted = true;
    row_ptr.push(0);
    for e in 0..m {
        let mut field = |what: &str| {
            tok.next().ok_or_else(|| {
                format!("{path}: edge {e}: missing {what} (file has fewer than {m} edges)")
            })
        };
        let (r, c, w) = (field("row")?, field("col")?, field("weight")?);
        let r: usize = r
            .parse()
            .map_err(|_| format!("{path}: edge {e}: bad row {r:?}"))?;
        let c: usize = c
            .parse()
            .map_err(|_| format!("{path}: edge {e}: bad col {c:?}"))?;
        let w: f64 = w
            .parse()
            .map_err(|_| format!("{path}: edge {e}: bad weight {w:?}"))?;
        if sorted && r + 1 >= row_ptr.len() && r < rows && c <= u32::MAX as usize {
            // Row-sorted input (what assignment.py writes): build CSR directly.
            while row_ptr.len() <= r {
                row_ptr.push(col_idx.len());
            }
            col_idx.push(c as u32);
            weight.push(w);
        } else {
            if sorted {
                sorted = false;
                edges.reserve(cap);
                for i in 0..row_ptr.len() {
                    let end = row_ptr.get(i + 1).copied().unwrap_or(col_idx.len());
                    for k in row_ptr[i]..end {
                        edges.push((i, col_idx[k] as usize, weight[k]));
                    }
                }
            }
            edges.push((r, c, w));
        }
    }
    if let Some(t) = tok.next() {
        return Err(format!("{path}: unexpected {t:?} after {m} edges"));
    }
    let g = if sorted {
        while row_ptr.len() <= rows {
            row_ptr.push(col_idx.len());
        }
        SparseGraph::from_csr(rows, cols, row_ptr, col_idx, weight)
    } else {
        SparseGraph::from_edges(rows, cols, edges)
    };
    g.map_err(|e| format!("{path}: {e}"))
}

fn main() -> ExitCode {
    pipe::end_quietly_on_closed_pipe();
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let graph = match read_instance(&args.path) {
        Ok(g) => g,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    let mut solver = Solver::new();
    let mut times = Vec::with_capacity(args.repeat);
    let mut result = None;
    for _ in 0..args.repeat {
        let t = Instant::now();
        let m = solver.solve(&graph, args.mode);
        times.push(t.elapsed().as_secs_f64());
        match m {
            Ok(m) => result = Some(m),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(m) = result else {
        return ExitCode::from(2);
    };
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    // Keys in the documented order; numbers through serde_json for valid JSON.
    let num = |x: f64| serde_json::to_string(&x).unwrap_or_else(|_| "null".into());
    let line = format!(
        "{{\"rows\":{},\"cols\":{},\"edges\":{},\"matched\":{},\"objective\":{},\"solve_seconds\":{}}}",
        graph.rows(),
        graph.cols(),
        graph.edge_count(),
        m.len(),
        num(m.total()),
        num(median)
    );
    println!("{line}");
    if args.stats {
        eprintln!("{:?}", solver.last_stats());
    }
    ExitCode::SUCCESS
}
