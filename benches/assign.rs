//! The assignment solver on the peers' three shapes, and against
//! `pathfinding::kuhn_munkres` on a dense square it accepts.
//!
//! ```text
//! cargo bench --bench assign
//! ```
//!
//! The shapes are generated in-process with a seeded `rand_pcg` generator and the
//! statistics of `../shared/peers/assignment.py` (`gen` and `skills`), so the bench
//! runs anywhere. If the peers' own files exist (`/tmp/random-wide.txt`,
//! `/tmp/random-sparse.txt`, `/tmp/skills.txt`, written by the commands in
//! `../shared/peers/README.md`), they are benched too, under `file:` names — the
//! very instances `assignment.py solve FILE` times, for side-by-side ratios.
//! Runs in about two minutes.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use pathfinding::prelude::{Matrix, kuhn_munkres};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use skillroute::assign::{Mode, Solver, SparseGraph};
use std::hint::black_box;
use std::time::Duration;

/// `assignment.py gen`: each pair allowed with probability `density`, weight in [0.001, 1).
fn random(rows: usize, cols: usize, density: f64, seed: u64) -> SparseGraph {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut edges = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            if rng.random::<f64>() < density {
                edges.push((r, c, rng.random::<f64>() * 0.999 + 0.001));
            }
        }
    }
    SparseGraph::from_edges(rows, cols, edges).expect("valid instance")
}

/// `assignment.py skills`: each contact needs one skill, each agent has `per_agent`
/// skills with a proficiency; weight = 0.5 proficiency + 0.3 fit + 0.2 wait.
fn skills(
    contacts: usize,
    agents: usize,
    nskills: usize,
    per_agent: usize,
    seed: u64,
) -> SparseGraph {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut by_skill: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nskills];
    for a in 0..agents {
        let mut chosen = Vec::new();
        while chosen.len() < per_agent {
            let s = rng.random_range(0..nskills);
            if !chosen.contains(&s) {
                chosen.push(s);
            }
        }
        for s in chosen {
            by_skill[s].push((a, f64::from(rng.random_range(1..=10u32)) / 10.0));
        }
    }
    let mut edges = Vec::new();
    for c in 0..contacts {
        let need = rng.random_range(0..nskills);
        let wait: f64 = rng.random();
        for &(a, p) in &by_skill[need] {
            edges.push((
                c,
                a,
                0.5 * p + 0.3 * rng.random::<f64>() + 0.2 * wait + 0.001,
            ));
        }
    }
    SparseGraph::from_edges(contacts, agents, edges).expect("valid instance")
}

/// An instance file of `assignment.py` (`rows cols edges`, then `row col weight`).
fn read_file(path: &str) -> Option<SparseGraph> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut tok = text.split_ascii_whitespace();
    let mut num = || tok.next()?.parse::<f64>().ok();
    let (rows, cols, m) = (num()? as usize, num()? as usize, num()? as usize);
    let mut edges = Vec::with_capacity(m);
    for _ in 0..m {
        edges.push((num()? as usize, num()? as usize, num()?));
    }
    SparseGraph::from_edges(rows, cols, edges).ok()
}

fn peers_shapes(c: &mut Criterion) {
    let mut shapes = vec![
        (
            "random-wide 1000x2000 10%".to_string(),
            random(1000, 2000, 0.1, 1),
        ),
        (
            "random-sparse 3000x3000 1%".to_string(),
            random(3000, 3000, 0.01, 2),
        ),
        (
            "skills 2000x5000 50 skills 3/agent".to_string(),
            skills(2000, 5000, 50, 3, 3),
        ),
    ];
    for name in ["random-wide", "random-sparse", "skills"] {
        if let Some(g) = read_file(&format!("/tmp/{name}.txt")) {
            shapes.push((format!("file:/tmp/{name}.txt"), g));
        }
    }
    let mut group = c.benchmark_group("assign");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, graph) in &shapes {
        // One solver reused across iterations: its buffers are warm, as in a router.
        let mut solver = Solver::new();
        group.bench_function(format!("{name} max-weight"), |b| {
            b.iter(|| {
                solver
                    .solve(black_box(graph), Mode::MaxWeight)
                    .expect("solves")
            })
        });
    }
    // The non-idling mode (lexicographic costs) on the hardest shape.
    let mut solver = Solver::new();
    group.bench_function("random-sparse 3000x3000 1% non-idling", |b| {
        b.iter(|| {
            solver
                .solve(black_box(&shapes[1].1), Mode::NonIdling)
                .expect("solves")
        })
    });
    // Building the graph: from an edge list (counting sort) and from CSR arrays
    // (validation only, no copy).
    let wide = &shapes[0].1;
    let edges: Vec<(usize, usize, f64)> = wide.edges().collect();
    let (p, col, w) = wide.as_csr();
    let csr = (p.to_vec(), col.to_vec(), w.to_vec());
    group.bench_function("random-wide build from_edges", |b| {
        b.iter(|| {
            SparseGraph::from_edges(1000, 2000, black_box(&edges).iter().copied()).expect("valid")
        })
    });
    group.bench_function("random-wide build from_csr", |b| {
        b.iter_batched(
            || csr.clone(),
            |(p, c, w)| SparseGraph::from_csr(1000, 2000, p, c, w).expect("valid"),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// Dense square with integer weights (exact in both `f64` and `i64`), where
/// kuhn_munkres applies (it panics if rows > columns, and loops on NaN).
fn dense_vs_kuhn_munkres(c: &mut Criterion) {
    let n = 300;
    let mut rng = Pcg64Mcg::seed_from_u64(4);
    let w: Vec<i64> = (0..n * n)
        .map(|_| rng.random_range(1..=1_000_000))
        .collect();
    let matrix = Matrix::from_vec(n, n, w.clone()).expect("square");
    let graph = SparseGraph::from_edges(n, n, (0..n * n).map(|k| (k / n, k % n, w[k] as f64)))
        .expect("valid");
    let (best, _) = kuhn_munkres(&matrix);
    let mut solver = Solver::new();
    for mode in [Mode::MaxWeight, Mode::NonIdling] {
        let ours = solver.solve(&graph, mode).expect("solves");
        assert_eq!(ours.total(), best as f64, "same optimum as kuhn_munkres");
    }
    let mut group = c.benchmark_group("dense 300x300");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("skillroute max-weight", |b| {
        b.iter(|| {
            solver
                .solve(black_box(&graph), Mode::MaxWeight)
                .expect("solves")
        })
    });
    group.bench_function("pathfinding::kuhn_munkres", |b| {
        b.iter(|| kuhn_munkres(black_box(&matrix)))
    });
    group.finish();
}

criterion_group!(benches, peers_shapes, dense_vs_kuhn_munkres);
criterion_main!(benches);
