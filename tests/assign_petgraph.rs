//! The solver's matching sizes, checked against petgraph's
//! `algo::maximum_matching` (Gabow's algorithm for general graphs), an
//! implementation nobody here wrote that knows nothing of weights.
//!
//! The claims, from [`Mode`]'s documentation: `NonIdling` matches as many
//! pairs as any matching can, whatever the weights (negative ones included);
//! `MaxWeight` with every weight equal and positive is the same problem,
//! since each pair adds the same amount to the total.

use petgraph::algo::maximum_matching;
use petgraph::graph::UnGraph;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use skillroute::assign::{Matching, Mode, Solver, SparseGraph};

type Edges = Vec<(usize, usize, f64)>;

/// The size of a maximum matching of the bipartite graph, by petgraph: rows
/// are nodes `0..rows`, columns `rows..rows + cols`.
fn petgraph_size(rows: usize, cols: usize, edges: &Edges) -> usize {
    let mut g = UnGraph::<(), ()>::with_capacity(rows + cols, edges.len());
    let nodes: Vec<_> = (0..rows + cols).map(|_| g.add_node(())).collect();
    for &(r, c, _) in edges {
        g.add_edge(nodes[r], nodes[rows + c], ());
    }
    maximum_matching(&g).len()
}

/// A matching that is one: each pair an edge, each row and column at most
/// once. Without it a solver that returned too many pairs could pass.
fn check_is_matching(g: &SparseGraph, m: &Matching) {
    let mut row_used = vec![false; g.rows()];
    let mut col_used = vec![false; g.cols()];
    for (r, c) in m.pairs() {
        assert!(g.weight(r, c).is_some(), "({r}, {c}) is not an edge");
        assert!(!row_used[r] && !col_used[c], "({r}, {c}) reuses a vertex");
        row_used[r] = true;
        col_used[c] = true;
    }
}

/// A random sparse bipartite graph: each row gets 0 to `max_degree` distinct
/// columns, so some rows are empty; some shapes have empty columns too.
fn random_graph(rng: &mut Pcg64, rows: usize, cols: usize, max_degree: usize) -> Edges {
    let mut edges = Vec::new();
    let mut taken = vec![false; cols];
    for r in 0..rows {
        let degree = if cols == 0 {
            0
        } else {
            rng.random_range(0..=max_degree.min(cols))
        };
        taken.iter_mut().for_each(|t| *t = false);
        let mut added = 0;
        while added < degree {
            let c = rng.random_range(0..cols);
            if !taken[c] {
                taken[c] = true;
                // Weights of both signs: NonIdling must still take every
                // pair it can, even those that lower the total.
                edges.push((r, c, rng.random_range(-5.0..10.0)));
                added += 1;
            }
        }
    }
    edges
}

#[test]
fn matching_sizes_agree_with_petgraph() {
    let mut rng = Pcg64::seed_from_u64(0x5eed_9e7a);
    let mut solver = Solver::new();
    // (rows, cols, max degree): square, tall, wide, a single row or column,
    // degree 1 (many conflicts) to dense-ish, and empty sides.
    let shapes = [
        (0, 0, 1),
        (0, 5, 2),
        (5, 0, 2),
        (1, 7, 3),
        (7, 1, 1),
        (6, 6, 1),
        (6, 6, 2),
        (10, 10, 3),
        (12, 5, 2),
        (5, 12, 2),
        (30, 20, 2),
        (20, 30, 3),
        (40, 40, 1),
        (40, 40, 4),
        (60, 25, 3),
    ];
    let mut checked = 0;
    let mut short_of_rows = 0;
    for &(rows, cols, max_degree) in &shapes {
        for _ in 0..30 {
            let edges = random_graph(&mut rng, rows, cols, max_degree);
            let expected = petgraph_size(rows, cols, &edges);
            let g = SparseGraph::from_edges(rows, cols, edges.iter().copied()).unwrap();
            let m = solver.solve(&g, Mode::NonIdling).unwrap();
            check_is_matching(&g, &m);
            assert_eq!(
                m.len(),
                expected,
                "{rows}×{cols}, edges {edges:?}: NonIdling matched {} pairs, petgraph {expected}",
                m.len()
            );

            // All weights equal: the heaviest matching is the largest.
            let unit: Edges = edges.iter().map(|&(r, c, _)| (r, c, 1.0)).collect();
            let g = SparseGraph::from_edges(rows, cols, unit).unwrap();
            let m = solver.solve(&g, Mode::MaxWeight).unwrap();
            check_is_matching(&g, &m);
            assert_eq!(
                m.len(),
                expected,
                "{rows}×{cols}, edges {edges:?}: MaxWeight with unit weights matched {} pairs, petgraph {expected}",
                m.len()
            );

            checked += 1;
            short_of_rows += usize::from(expected < rows.min(cols));
        }
    }
    assert_eq!(checked, shapes.len() * 30);
    // The instances must include graphs where not every row of the smaller
    // side can be matched, or the comparison would only test min(rows, cols).
    assert!(
        short_of_rows > checked / 4,
        "only {short_of_rows} of {checked} graphs have no matching of size min(rows, cols)"
    );
}
