//! The assignment solver on the peers' three shapes (generated in-process with the
//! statistics of `../shared/peers/assignment.py`), and against
//! `pathfinding::kuhn_munkres` on a dense square it accepts.
//!
//! `cargo bench --bench assign`. Compare with `assignment.py solve FILE` on the
//! same shapes in the same run (see README), and quote ratios.
use criterion::{Criterion, criterion_group, criterion_main};
use pathfinding::prelude::{Matrix, kuhn_munkres};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use skillroute::assign::{Mode, Solver, SparseGraph};

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
            by_skill[s].push((a, rng.random_range(1..=10) as f64 / 10.0));
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

fn peers_shapes(c: &mut Criterion) {
    let mut g = c.benchmark_group("assign");
    g.sample_size(20);
    let shapes = [
        ("random-wide 1000x2000 10%", random(1000, 2000, 0.1, 1)),
        ("random-sparse 3000x3000 1%", random(3000, 3000, 0.01, 2)),
        (
            "skills 2000x5000 50 skills 3/agent",
            skills(2000, 5000, 50, 3, 3),
        ),
    ];
    for (name, graph) in &shapes {
        let mut solver = Solver::new();
        g.bench_function(*name, |b| {
            b.iter(|| solver.solve(graph, Mode::MaxWeight).expect("solves"))
        });
    }
    g.finish();
}

fn dense_vs_kuhn_munkres(c: &mut Criterion) {
    let n = 200;
    let mut rng = Pcg64Mcg::seed_from_u64(4);
    // Integer weights so kuhn_munkres (i64) and our f64 solver optimise the same thing.
    let w: Vec<i64> = (0..n * n)
        .map(|_| rng.random_range(1..=1_000_000))
        .collect();
    let matrix = Matrix::from_vec(n, n, w.clone()).expect("square");
    let graph = SparseGraph::from_edges(n, n, (0..n * n).map(|k| (k / n, k % n, w[k] as f64)))
        .expect("valid");
    let (best, _) = kuhn_munkres(&matrix);
    let mut solver = Solver::new();
    let ours = solver.solve(&graph, Mode::NonIdling).expect("solves");
    assert_eq!(ours.total() as i64, best, "same optimum as kuhn_munkres");
    let mut g = c.benchmark_group("dense 200x200");
    g.sample_size(10);
    g.bench_function("skillroute", |b| {
        b.iter(|| solver.solve(&graph, Mode::NonIdling).expect("solves"))
    });
    g.bench_function("pathfinding::kuhn_munkres", |b| {
        b.iter(|| kuhn_munkres(&matrix))
    });
    g.finish();
}

criterion_group!(benches, peers_shapes, dense_vs_kuhn_munkres);
criterion_main!(benches);
