//! Integration tests of the assignment solver, checked against references
//! nobody here wrote: exhaustive enumeration of all matchings, LP duality
//! certificates, `pathfinding::kuhn_munkres`, and scipy's objectives on
//! fixtures in `tests/data/assign/`.
// `m.len() == 0` checks `is_empty` against `len` on purpose; the random generators draw
// inside `filter_map(.. then(..))` so that the draw order is the one the cases were written for.
#![allow(
    clippy::len_zero,
    clippy::needless_range_loop,
    clippy::filter_map_bool_then
)]

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use skillroute::assign::{Matching, Mode, Solver, SparseGraph, TOLERANCE, solve};

type Edges = Vec<(usize, usize, f64)>;

// ---------------------------------------------------------------- helpers

/// Every structural property of a matching: pairs are edges, each row and
/// column used at most once, the accessors agree, the total is the sum.
fn check_valid(g: &SparseGraph, m: &Matching) {
    let mut row_used = vec![false; g.rows()];
    let mut col_used = vec![false; g.cols()];
    let mut total = 0.0;
    let mut last_row = None;
    for (r, c) in m.pairs() {
        assert!(last_row < Some(r), "pairs not in ascending row order");
        last_row = Some(r);
        let w = g
            .weight(r, c)
            .unwrap_or_else(|| panic!("({r}, {c}) is not an edge"));
        assert!(!row_used[r] && !col_used[c], "vertex used twice");
        row_used[r] = true;
        col_used[c] = true;
        assert_eq!(m.col_of(r), Some(c));
        assert_eq!(m.row_of(c), Some(r));
        total += w;
    }
    assert_eq!(m.len(), m.pairs().count());
    assert_eq!(m.is_empty(), m.len() == 0);
    assert_eq!(
        m.total(),
        total,
        "total is the sum of matched weights, rows ascending"
    );
    let ur: Vec<usize> = (0..g.rows()).filter(|&r| !row_used[r]).collect();
    let uc: Vec<usize> = (0..g.cols()).filter(|&c| !col_used[c]).collect();
    assert_eq!(m.unmatched_rows().collect::<Vec<_>>(), ur);
    assert_eq!(m.unmatched_cols().collect::<Vec<_>>(), uc);
    for &r in &ur {
        assert_eq!(m.col_of(r), None);
    }
    for &c in &uc {
        assert_eq!(m.row_of(c), None);
    }
    assert_eq!(m.col_of(g.rows()), None);
    assert_eq!(m.row_of(g.cols()), None);
    assert_eq!(m.row_duals().len(), g.rows());
    assert_eq!(m.col_duals().len(), g.cols());
}

fn tol(g: &SparseGraph) -> f64 {
    TOLERANCE * g.max_abs_weight().max(f64::MIN_POSITIVE)
}

/// LP duality certificate of a maximum-weight matching: u, v ≥ 0,
/// u_i + v_j ≥ w_ij on every edge, equality on matched edges, zero duals on
/// unmatched vertices, primal = dual.
fn check_max_weight_certificate(g: &SparseGraph, m: &Matching) {
    let t = tol(g);
    let (u, v) = (m.row_duals(), m.col_duals());
    assert!(m.row_dual_counts().is_none());
    for (i, &x) in u.iter().enumerate() {
        assert!(x.is_finite() && x >= -t, "u[{i}] = {x}");
    }
    for (j, &x) in v.iter().enumerate() {
        assert!(x.is_finite() && x >= -t, "v[{j}] = {x}");
    }
    for (i, j, w) in g.edges() {
        let s = u[i] + v[j];
        assert!(s >= w - t, "edge ({i}, {j}) w = {w}: u + v = {s}");
        if m.col_of(i) == Some(j) {
            assert!(
                (s - w).abs() <= t,
                "matched ({i}, {j}) w = {w}: u + v = {s}"
            );
        }
    }
    for i in m.unmatched_rows() {
        assert!(u[i].abs() <= t, "unmatched row {i} has u = {}", u[i]);
    }
    for j in m.unmatched_cols() {
        assert!(v[j].abs() <= t, "unmatched col {j} has v = {}", v[j]);
    }
    let dual: f64 = u.iter().chain(v).sum();
    let n = (g.rows() + g.cols()).max(1) as f64;
    assert!(
        (dual - m.total()).abs() <= t * n,
        "dual {dual} != primal {}",
        m.total()
    );
}

/// The lexicographic certificate of [`Mode::NonIdling`]: each vertex has a dual
/// (k, y) = k·M + y for an infinite M, and every edge is worth (1, w).
fn check_non_idling_certificate(g: &SparseGraph, m: &Matching) {
    let t = tol(g);
    let (u, v) = (m.row_duals(), m.col_duals());
    let (ku, kv) = (m.row_dual_counts().unwrap(), m.col_dual_counts().unwrap());
    assert_eq!((ku.len(), kv.len()), (g.rows(), g.cols()));
    let nonneg = |k: i64, y: f64| k > 0 || (k == 0 && y >= -t);
    for i in 0..g.rows() {
        assert!(nonneg(ku[i], u[i]), "row {i}: ({}, {})", ku[i], u[i]);
    }
    for j in 0..g.cols() {
        assert!(nonneg(kv[j], v[j]), "col {j}: ({}, {})", kv[j], v[j]);
    }
    for (i, j, w) in g.edges() {
        let (k, y) = (ku[i] + kv[j], u[i] + v[j]);
        assert!(
            k > 1 || (k == 1 && y >= w - t),
            "edge ({i}, {j}) w = {w}: ({k}, {y})"
        );
        if m.col_of(i) == Some(j) {
            assert!(
                k == 1 && (y - w).abs() <= t,
                "matched ({i}, {j}) w = {w}: ({k}, {y})"
            );
        }
    }
    for i in m.unmatched_rows() {
        assert!(ku[i] == 0 && u[i].abs() <= t);
    }
    for j in m.unmatched_cols() {
        assert!(kv[j] == 0 && v[j].abs() <= t);
    }
    let k: i64 = ku.iter().chain(kv).sum();
    assert_eq!(k, m.len() as i64);
    let y: f64 = u.iter().chain(v).sum();
    let n = (g.rows() + g.cols()).max(1) as f64;
    assert!(
        (y - m.total()).abs() <= t * n,
        "dual {y} != primal {}",
        m.total()
    );
}

/// Enumerates every matching; returns the best (total) for MaxWeight and the
/// best (cardinality, total) for NonIdling.
fn brute_force(rows: usize, cols: usize, edges: &Edges) -> (f64, (usize, f64)) {
    let mut adj = vec![Vec::new(); rows];
    for &(r, c, w) in edges {
        adj[r].push((c, w));
    }
    struct St {
        best_w: f64,
        best_lex: (usize, f64),
    }
    fn rec(adj: &[Vec<(usize, f64)>], r: usize, used: u32, n: usize, sum: f64, st: &mut St) {
        if r == adj.len() {
            st.best_w = st.best_w.max(sum);
            if n > st.best_lex.0 || (n == st.best_lex.0 && sum > st.best_lex.1) {
                st.best_lex = (n, sum);
            }
            return;
        }
        rec(adj, r + 1, used, n, sum, st);
        for &(c, w) in &adj[r] {
            if used & (1 << c) == 0 {
                rec(adj, r + 1, used | (1 << c), n + 1, sum + w, st);
            }
        }
    }
    assert!(cols <= 32);
    let mut st = St {
        best_w: 0.0,
        best_lex: (0, 0.0),
    };
    rec(&adj, 0, 0, 0, 0.0, &mut st);
    (st.best_w, st.best_lex)
}

/// Exhaustive dynamic programme over the subsets of the smaller side (up to
/// ~12 vertices), for shapes too large to enumerate: the same optima as
/// [`brute_force`], in O(large side × 2^small side × degree).
fn subset_dp(rows: usize, cols: usize, edges: &Edges) -> (f64, (usize, f64)) {
    let flip = rows < cols; // index the subsets by the smaller side
    let (small, large) = if flip { (rows, cols) } else { (cols, rows) };
    assert!(small <= 14);
    let mut adj = vec![Vec::new(); large];
    for &(r, c, w) in edges {
        let (l, s) = if flip { (c, r) } else { (r, c) };
        adj[l].push((s, w));
    }
    let states = 1usize << small;
    let mut best_w = vec![f64::NEG_INFINITY; states];
    let mut best_lex = vec![(0usize, f64::NEG_INFINITY); states];
    best_w[0] = 0.0;
    best_lex[0] = (0, 0.0);
    let better = |a: (usize, f64), b: (usize, f64)| a.0 > b.0 || (a.0 == b.0 && a.1 > b.1);
    for l in 0..large {
        let (prev_w, prev_lex) = (best_w.clone(), best_lex.clone());
        for mask in 0..states {
            if prev_lex[mask].1 == f64::NEG_INFINITY {
                continue;
            }
            for &(s, w) in &adj[l] {
                if mask & (1 << s) == 0 {
                    let to = mask | (1 << s);
                    best_w[to] = best_w[to].max(prev_w[mask] + w);
                    let cand = (prev_lex[mask].0 + 1, prev_lex[mask].1 + w);
                    if better(cand, best_lex[to]) {
                        best_lex[to] = cand;
                    }
                }
            }
        }
    }
    let bw = best_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bl =
        best_lex.iter().copied().fold(
            (0, f64::NEG_INFINITY),
            |a, b| if better(b, a) { b } else { a },
        );
    (bw, bl)
}

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * scale.max(a.abs()).max(b.abs()).max(f64::MIN_POSITIVE)
}

/// Solves in both modes, checks validity, certificates and brute force.
fn check_small(rows: usize, cols: usize, edges: &Edges) {
    check_against(rows, cols, edges, brute_force(rows, cols, edges));
}

/// Solves in both modes, with and without warm start, and checks validity,
/// certificates and the exhaustive optimum `(best weight, (pairs, weight))`.
fn check_against(rows: usize, cols: usize, edges: &Edges, (bw, (bn, bl)): (f64, (usize, f64))) {
    let g = SparseGraph::from_edges(rows, cols, edges.iter().copied()).unwrap();
    let mw = solve(&g, Mode::MaxWeight).unwrap();
    check_valid(&g, &mw);
    check_max_weight_certificate(&g, &mw);
    assert!(
        close(mw.total(), bw, g.max_abs_weight()),
        "MaxWeight: {} vs brute force {bw} on {rows}x{cols} {edges:?}",
        mw.total()
    );
    let ni = solve(&g, Mode::NonIdling).unwrap();
    check_valid(&g, &ni);
    check_non_idling_certificate(&g, &ni);
    assert_eq!(
        ni.len(),
        bn,
        "NonIdling cardinality on {rows}x{cols} {edges:?}"
    );
    assert!(
        close(ni.total(), bl, g.max_abs_weight()),
        "NonIdling: {} vs brute force {bl} on {rows}x{cols} {edges:?}",
        ni.total()
    );
}

fn random_graph(rng: &mut Pcg64, rows: usize, cols: usize, density: f64, neg: bool) -> Edges {
    let mut e = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            if rng.random::<f64>() < density {
                let w = if neg {
                    rng.random::<f64>() * 2.0 - 0.7
                } else {
                    rng.random::<f64>() * 0.999 + 0.001
                };
                e.push((r, c, w));
            }
        }
    }
    e
}

/// A contact-center shaped instance like `assignment.py skills`.
fn skills_graph(
    rng: &mut Pcg64,
    contacts: usize,
    agents: usize,
    nskills: usize,
    per_agent: usize,
) -> Edges {
    let mut by_skill = vec![Vec::new(); nskills];
    for a in 0..agents {
        let mut chosen = Vec::new();
        while chosen.len() < per_agent.min(nskills) {
            let s = rng.random_range(0..nskills);
            if !chosen.contains(&s) {
                chosen.push(s);
                by_skill[s].push((a, rng.random_range(1..=10) as f64 / 10.0));
            }
        }
    }
    let mut e = Vec::new();
    for c in 0..contacts {
        let need = rng.random_range(0..nskills);
        let wait = rng.random::<f64>();
        for &(a, p) in &by_skill[need] {
            e.push((
                c,
                a,
                0.5 * p + 0.3 * rng.random::<f64>() + 0.2 * wait + 0.001,
            ));
        }
    }
    e
}

// ---------------------------------------------------------------- brute force

fn weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-3i32..=6).prop_map(f64::from), // ties, zero and negative
        -1.0f64..2.0,
        (0u32..4).prop_map(|k| 0.5 + 0.25 * f64::from(k)),
    ]
}

/// Every shape up to 7×7 (empty ones included) with random sparse edges in a
/// random order.
fn small_instance() -> impl Strategy<Value = (usize, usize, Edges)> {
    instance((0usize..=7, 0usize..=7))
}

/// Shapes up to 12×24 and 24×12: more rows, and rows longer, than the
/// solver's per-row candidate lists (8 edges), so that the lists' bounds are
/// exercised, in both orientations.
fn long_row_instance() -> impl Strategy<Value = (usize, usize, Edges)> {
    instance(
        (6usize..=12, 9usize..=24).prop_flat_map(|(a, b)| prop_oneof![Just((a, b)), Just((b, a))]),
    )
}

/// Random edges (each pair present with a random probability) in a random
/// order. Half the time the weights are dominated by a per-column popularity,
/// so that all rows want the same few columns (long augmenting paths, rows
/// pushed beyond their favourite columns).
fn instance(
    shape: impl Strategy<Value = (usize, usize)>,
) -> impl Strategy<Value = (usize, usize, Edges)> {
    (shape, 0.0f64..=1.0, any::<bool>())
        .prop_flat_map(|((r, c), p, popular)| {
            let cells = proptest::collection::vec((proptest::bool::weighted(p), weight()), r * c);
            let pop = proptest::collection::vec(0u32..8, r.max(c));
            (Just(r), Just(c), cells, Just(popular), pop)
        })
        .prop_flat_map(|(r, c, cells, popular, pop)| {
            let edges: Edges = cells
                .into_iter()
                .enumerate()
                .filter(|(_, (on, _))| *on)
                .map(|(k, (_, w))| {
                    let (i, j) = (k / c.max(1), k % c.max(1));
                    // Popularity of the larger side: what the smaller side competes
                    // for; the weight only breaks ties within a popularity level.
                    let p = f64::from(pop[if r <= c { j } else { i }]);
                    let w = if popular {
                        p + 0.25 * w.abs().fract()
                    } else {
                        w
                    };
                    (i, j, w)
                })
                .collect();
            (Just(r), Just(c), Just(edges).prop_shuffle())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn matches_brute_force_up_to_7x7((rows, cols, edges) in small_instance()) {
        check_small(rows, cols, &edges);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn matches_exhaustive_search_with_long_rows((rows, cols, edges) in long_row_instance()) {
        check_against(rows, cols, &edges, subset_dp(rows, cols, &edges));
    }

    #[test]
    fn subset_dp_agrees_with_enumeration((rows, cols, edges) in small_instance()) {
        let (a, (an, al)) = brute_force(rows, cols, &edges);
        let (b, (bn, bl)) = subset_dp(rows, cols, &edges);
        prop_assert!(close(a, b, 1.0) && an == bn && close(al, bl, 1.0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Certificates on larger instances of every orientation and density.
    #[test]
    fn certificates_on_larger_random_instances(
        rows in 1usize..320,
        cols in 1usize..320,
        density in 0.002f64..0.3,
        neg in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mut rng = Pcg64::seed_from_u64(seed);
        let edges = random_graph(&mut rng, rows, cols, density, neg);
        let g = SparseGraph::from_edges(rows, cols, edges).unwrap();
        let mut solver = Solver::new();
        solver.set_warm_start(seed % 3 != 0);
        let m = solver.solve(&g, Mode::MaxWeight).unwrap();
        check_valid(&g, &m);
        check_max_weight_certificate(&g, &m);
        let m = solver.solve(&g, Mode::NonIdling).unwrap();
        check_valid(&g, &m);
        check_non_idling_certificate(&g, &m);
    }
}

#[test]
fn certificates_on_fixed_shapes() {
    let mut rng = Pcg64::seed_from_u64(7);
    let mut solver = Solver::new();
    let shapes = [
        (200, 300, 0.05, false),
        (300, 200, 0.05, false),
        (200, 300, 0.3, true),
        (500, 500, 0.01, false),
        (400, 400, 0.004, true),
        (1, 300, 0.5, false),
        (300, 1, 0.5, true),
    ];
    for (rows, cols, density, neg) in shapes {
        let edges = random_graph(&mut rng, rows, cols, density, neg);
        let g = SparseGraph::from_edges(rows, cols, edges).unwrap();
        for mode in [Mode::MaxWeight, Mode::NonIdling] {
            let m = solver.solve(&g, mode).unwrap();
            check_valid(&g, &m);
            match mode {
                Mode::MaxWeight => check_max_weight_certificate(&g, &m),
                _ => check_non_idling_certificate(&g, &m),
            }
        }
    }
    for (contacts, agents) in [(150, 400), (400, 150), (300, 300)] {
        let edges = skills_graph(&mut rng, contacts, agents, 12, 3);
        let g = SparseGraph::from_edges(contacts, agents, edges).unwrap();
        let m = solver.solve(&g, Mode::MaxWeight).unwrap();
        check_valid(&g, &m);
        check_max_weight_certificate(&g, &m);
        let m = solver.solve(&g, Mode::NonIdling).unwrap();
        check_valid(&g, &m);
        check_non_idling_certificate(&g, &m);
    }
}

/// All rows want the same columns, in the same order: most rows must go
/// beyond the 8 edges the solver keeps per row, through its per-row bounds.
#[test]
fn popular_columns_push_rows_beyond_their_candidate_lists() {
    let mut rng = Pcg64::seed_from_u64(17);
    for case in 0..200 {
        let (a, b) = (
            rng.random_range(9..=12usize),
            rng.random_range(10..=24usize),
        );
        let (rows, cols) = if case % 2 == 0 { (a, b) } else { (b, a) };
        let pop: Vec<f64> = (0..rows.max(cols))
            .map(|_| f64::from(rng.random_range(0..8u32)))
            .collect();
        let density = [1.0, 0.8, 0.5][case % 3];
        let edges: Edges = (0..rows * cols)
            .filter_map(|k| {
                (rng.random::<f64>() < density).then(|| {
                    let (i, j) = (k / cols, k % cols);
                    let p = if rows <= cols { pop[j] } else { pop[i] };
                    (i, j, p + 0.25 * rng.random::<f64>())
                })
            })
            .collect();
        check_against(rows, cols, &edges, subset_dp(rows, cols, &edges));
    }
}

// ---------------------------------------------------------------- kuhn_munkres

/// Dense complete instances against `pathfinding::kuhn_munkres` (integer
/// weights, rows ≤ cols since it panics otherwise). On a complete graph with
/// weights ≥ 0, a maximum-weight matching may as well saturate the rows, so the
/// objectives agree; with negative weights, NonIdling is the comparison.
#[test]
fn agrees_with_kuhn_munkres_on_dense_instances() {
    use pathfinding::prelude::{Matrix, kuhn_munkres};
    let mut rng = Pcg64::seed_from_u64(11);
    let mut solver = Solver::new();
    for case in 0..60 {
        let rows = rng.random_range(1..=30usize);
        let cols = rng.random_range(rows..=40usize);
        let lo = if case % 2 == 0 { 0 } else { -500 };
        let w: Vec<i64> = (0..rows * cols)
            .map(|_| rng.random_range(lo..=1000))
            .collect();
        let (km_total, km_assign) = kuhn_munkres(&Matrix::from_vec(rows, cols, w.clone()).unwrap());
        assert_eq!(km_assign.len(), rows);
        let edges = (0..rows * cols).map(|k| (k / cols, k % cols, w[k] as f64));
        let g = SparseGraph::from_edges(rows, cols, edges).unwrap();
        let mode = if lo == 0 {
            Mode::MaxWeight
        } else {
            Mode::NonIdling
        };
        let m = solver.solve(&g, mode).unwrap();
        check_valid(&g, &m);
        assert_eq!(m.total(), km_total as f64, "case {case}: {rows}x{cols}");
        if mode == Mode::NonIdling {
            assert_eq!(m.len(), rows);
        }
        // Transposed, our solver must find the same optimum.
        let gt = SparseGraph::from_edges(cols, rows, g.edges().map(|(r, c, w)| (c, r, w))).unwrap();
        assert_eq!(solver.solve(&gt, mode).unwrap().total(), km_total as f64);
    }
}

// ---------------------------------------------------------------- fixtures

fn read_instance(path: &std::path::Path) -> SparseGraph {
    let text = std::fs::read_to_string(path).unwrap();
    let mut tok = text.split_ascii_whitespace();
    let mut next = || tok.next().unwrap();
    let (rows, cols, m): (usize, usize, usize) = (
        next().parse().unwrap(),
        next().parse().unwrap(),
        next().parse().unwrap(),
    );
    let edges: Edges = (0..m)
        .map(|_| {
            (
                next().parse().unwrap(),
                next().parse().unwrap(),
                next().parse().unwrap(),
            )
        })
        .collect();
    SparseGraph::from_edges(rows, cols, edges).unwrap()
}

/// Every fixture in `tests/data/assign/` against scipy's objective recorded in
/// `expected.json` (see its `_note` for the commands that produced them).
#[test]
fn fixtures_match_scipy() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/assign");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let instances = expected["instances"].as_object().unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        files += 1;
        let name = path.file_stem().unwrap().to_str().unwrap();
        let want = instances[name]["objective"]
            .as_f64()
            .unwrap_or_else(|| panic!("{name}: no expected objective"));
        let g = read_instance(&path);
        let m = solve(&g, Mode::MaxWeight).unwrap();
        check_valid(&g, &m);
        check_max_weight_certificate(&g, &m);
        assert!(
            (m.total() - want).abs() <= 1e-9 * want.abs(),
            "{name}: {} vs scipy {want}",
            m.total()
        );
        // All weights are positive, so NonIdling may only add pairs.
        let n = solve(&g, Mode::NonIdling).unwrap();
        check_non_idling_certificate(&g, &n);
        assert!(n.len() >= m.len() && n.total() <= m.total() + 1e-9);
    }
    assert_eq!(
        files,
        instances.len(),
        "every fixture has an expected value and vice versa"
    );
}

// ---------------------------------------------------------------- behaviour

#[test]
fn empty_graphs_solve_to_empty_matchings() {
    for (r, c) in [(0, 0), (0, 4), (4, 0), (3, 5), (5, 3)] {
        let g = SparseGraph::from_edges(r, c, []).unwrap();
        for mode in [Mode::MaxWeight, Mode::NonIdling] {
            let m = solve(&g, mode).unwrap();
            check_valid(&g, &m);
            assert!(m.is_empty());
            assert_eq!(m.total(), 0.0);
            assert_eq!(m.unmatched_rows().count(), r);
            assert_eq!(m.unmatched_cols().count(), c);
        }
    }
}

#[test]
fn max_weight_skips_non_positive_edges_but_non_idling_takes_them() {
    let g = SparseGraph::from_edges(3, 3, [(0, 0, 2.0), (1, 1, 0.0), (2, 2, -1.0), (2, 0, 5.0)])
        .unwrap();
    let m = solve(&g, Mode::MaxWeight).unwrap();
    assert_eq!(m.pairs().collect::<Vec<_>>(), vec![(2, 0)]);
    assert_eq!(m.total(), 5.0);
    let n = solve(&g, Mode::NonIdling).unwrap();
    assert_eq!(n.pairs().collect::<Vec<_>>(), vec![(0, 0), (1, 1), (2, 2)]);
    assert_eq!(n.total(), 1.0);
    check_non_idling_certificate(&g, &n);
}

/// The case a row-by-row search without "give up a column" options gets wrong:
/// the second row must take the column from the first.
#[test]
fn a_later_row_may_displace_an_earlier_one() {
    let g = SparseGraph::from_edges(2, 1, [(0, 0, 1.0), (1, 0, 10.0)]).unwrap();
    for mode in [Mode::MaxWeight, Mode::NonIdling] {
        let m = solve(&g, mode).unwrap();
        assert_eq!(m.pairs().collect::<Vec<_>>(), vec![(1, 0)]);
        assert_eq!(m.unmatched_rows().collect::<Vec<_>>(), vec![0]);
    }
}

/// Same input, same output, bit for bit; a reused solver gives what a fresh
/// one gives, whatever it solved before.
#[test]
fn deterministic_and_reuse_safe() {
    let mut rng = Pcg64::seed_from_u64(3);
    let graphs: Vec<SparseGraph> = [(60, 90, 0.1), (90, 60, 0.1), (5, 5, 1.0), (120, 120, 0.03)]
        .iter()
        .map(|&(r, c, d)| {
            SparseGraph::from_edges(r, c, random_graph(&mut rng, r, c, d, true)).unwrap()
        })
        .collect();
    let mut reused = Solver::new();
    let mut out = Matching::default();
    for round in 0..3 {
        for g in graphs.iter().rev().skip(round % 2) {
            for mode in [Mode::MaxWeight, Mode::NonIdling] {
                let fresh = solve(g, mode).unwrap();
                let again = reused.solve(g, mode).unwrap();
                assert_eq!(fresh, again);
                reused.solve_into(g, mode, &mut out).unwrap();
                assert_eq!(fresh, out);
            }
        }
    }
}

#[test]
fn sorted_unsorted_and_csr_inputs_agree() {
    let mut rng = Pcg64::seed_from_u64(5);
    let edges = random_graph(&mut rng, 50, 70, 0.2, false);
    let a = SparseGraph::from_edges(50, 70, edges.iter().copied()).unwrap();
    let mut rev = edges.clone();
    rev.reverse();
    let b = SparseGraph::from_edges(50, 70, rev).unwrap();
    let (p, c, w) = a.as_csr();
    let csr = SparseGraph::from_csr(50, 70, p.to_vec(), c.to_vec(), w.to_vec()).unwrap();
    let ta = solve(&a, Mode::MaxWeight).unwrap().total();
    let tb = solve(&b, Mode::MaxWeight).unwrap().total();
    assert!((ta - tb).abs() <= 1e-12 * ta);
    assert_eq!(
        solve(&csr, Mode::MaxWeight).unwrap(),
        solve(&a, Mode::MaxWeight).unwrap()
    );
}

/// Counts the allocations of the current thread (tests run in parallel threads).
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn allocations() -> usize {
    ALLOCATIONS.with(|c| c.get())
}

/// The workspace promise: once a solver (and the output matching) have seen a
/// problem of some size, solving problems up to that size allocates nothing,
/// in either mode and either orientation.
#[test]
fn repeated_solves_do_not_allocate() {
    let mut rng = Pcg64::seed_from_u64(21);
    let big =
        SparseGraph::from_edges(300, 400, random_graph(&mut rng, 300, 400, 0.05, true)).unwrap();
    let tall =
        SparseGraph::from_edges(400, 300, random_graph(&mut rng, 400, 300, 0.05, true)).unwrap();
    let small =
        SparseGraph::from_edges(200, 250, random_graph(&mut rng, 200, 250, 0.08, false)).unwrap();
    let mut solver = Solver::new();
    let mut out = Matching::default();
    for g in [&big, &tall] {
        for mode in [Mode::MaxWeight, Mode::NonIdling] {
            solver.solve_into(g, mode, &mut out).unwrap();
        }
    }
    let before = allocations();
    for g in [&small, &big, &tall, &small] {
        for mode in [Mode::MaxWeight, Mode::NonIdling] {
            solver.solve_into(g, mode, &mut out).unwrap();
        }
    }
    assert_eq!(allocations() - before, 0, "allocations during warm solves");
    assert_eq!(out, solve(&small, Mode::NonIdling).unwrap());
}

// ---------------------------------------------------------------- tolerance

/// Near-ties far below the tolerance, and differences just above it: the
/// solver stays exact within `TOLERANCE × max|w|`, certificate included.
#[test]
fn near_ties_within_tolerance() {
    let mut rng = Pcg64::seed_from_u64(9);
    for case in 0..300 {
        let rows = rng.random_range(1..=7usize);
        let cols = rng.random_range(1..=7usize);
        let eps = [1e-15, 1e-12, 3e-9, 1e-7][case % 4];
        let edges: Edges = (0..rows * cols)
            .filter_map(|k| {
                (rng.random::<f64>() < 0.7).then(|| {
                    let d = f64::from(rng.random_range(-3i32..=3));
                    (k / cols, k % cols, 1.0 + eps * d)
                })
            })
            .collect();
        check_small(rows, cols, &edges);
    }
}

/// Extreme magnitudes are scaled internally by an exact power of two: no
/// overflow to ∞ or NaN, the same optimum as the brute force, relatively.
#[test]
fn extreme_magnitudes() {
    let mut rng = Pcg64::seed_from_u64(13);
    for scale in [1e300, f64::MAX / 16.0, 1e-300, 1e-310, 1e-320] {
        for _ in 0..40 {
            let rows = rng.random_range(1..=6usize);
            let cols = rng.random_range(1..=6usize);
            let edges: Edges = (0..rows * cols)
                .filter_map(|k| {
                    (rng.random::<f64>() < 0.6).then(|| {
                        let x = rng.random::<f64>() * 2.0 - 0.5;
                        (k / cols, k % cols, scale * x)
                    })
                })
                .collect();
            check_small(rows, cols, &edges);
        }
    }
    // Mixed magnitudes: the tiny weights only matter relative to the largest.
    let g = SparseGraph::from_edges(
        2,
        2,
        [(0, 0, 1e300), (0, 1, 1e-300), (1, 1, 1e-300), (1, 0, 1e299)],
    )
    .unwrap();
    let m = solve(&g, Mode::MaxWeight).unwrap();
    assert_eq!(m.pairs().collect::<Vec<_>>(), vec![(0, 0), (1, 1)]);
    check_max_weight_certificate(&g, &m);
}

/// The documented tolerance is what the certificate check uses; a violation
/// just above it is detected (the check is not vacuous).
#[test]
fn tolerance_is_tight_enough_to_catch_a_wrong_matching() {
    let g = SparseGraph::from_edges(
        2,
        2,
        [(0, 0, 1.0), (0, 1, 1.0 + 1e-8), (1, 0, 1.0), (1, 1, 1.0)],
    )
    .unwrap();
    let m = solve(&g, Mode::MaxWeight).unwrap();
    assert!(
        m.total() > 2.0 + 0.5e-8,
        "the better pair was found: {}",
        m.total()
    );
    check_max_weight_certificate(&g, &m);
    // A deliberately wrong matching of weight 2.0 cannot carry a valid certificate:
    // any u, v with u_0 + v_1 ≥ 1 + 1e-8 and sum 2.0 breaks an inequality by > tol.
    assert!(1e-8 > TOLERANCE * g.max_abs_weight());
}
