//! Maximum-weight assignment of rows to groups under nested capacities.
//!
//! Each row is placed at most once, on one of its edges `(row, group,
//! weight)`; each group takes at most its own capacity of rows, and each bin
//! at most its capacity in all over the groups it holds. In the router a row
//! is a waiting contact, a group one channel of an agent (its free room
//! there), a bin the agent (its free slots in all).
//!
//! [`Solver`](super::Solver) needs the capacities laid out as slots. Slots
//! fit every mix while at most two of a bin's groups are capped below the
//! bin, or the capped ones' room together does not exceed it; past that, no
//! layout does: in a bin of 2, a group of 1 must reach a single slot
//! (reaching two, it could take two rows), so of three such groups two share
//! a slot and cannot both be placed, though the bin has room for them. Here
//! the capacities are a flow network instead, exact for any capacities.
//!
//! # Algorithm
//!
//! A min-cost flow: rows → groups (the edges, cost `-w`) → bins (the group's
//! capacity) → sink (the bin's), and from each row straight to the sink a
//! "stay unmatched" arc of cost 0. Rows are taken in order, each sending
//! one unit along a shortest path of the residual network — Dijkstra over
//! reduced costs with node potentials, as in the assignment solver
//! (Jonker & Volgenant) — which may move rows placed before it to other
//! groups, or back to their "stay unmatched" arc. After row `k` the flow is
//! the optimum of rows `0..=k` (successive shortest paths keep every
//! intermediate flow optimal), so after the last it is the optimum.
//!
//! [`Mode::NonIdling`] costs are lexicographic pairs `(-1, -w)`, with a
//! "stay unmatched" arc `(0, 0)`: one more pair outweighs any difference in
//! weight, with no big-M. In [`Mode::MaxWeight`] an edge costs `(0, -w)`.
//!
//! # Complexity
//!
//! Time O(R · E · log V) for `R` rows, `V = R + G + B + 1` nodes (groups,
//! bins, sink) and `E = edges + R + G + B` arcs: one Dijkstra per row, each
//! usually stopped early by the row's own "stay unmatched" arc. Space O(V + E),
//! reused across calls.
//!
//! # Arithmetic
//!
//! Weights must be finite; they are scaled by an exact power of two when a
//! sum along a path could overflow (the largest `|w|` beyond
//! ~2^1000 / (4·V·(R + 1))), so no label is ever infinite and no `∞ − ∞` can
//! make a NaN. Reduced costs that rounding makes slightly negative are taken
//! as 0.
//!
//! # Determinism
//!
//! The same input gives the same result. Among equally good paths the first
//! found wins: labels are settled in order of (label, node), a row's arcs are
//! read "stay unmatched" first, then in the order of its edges in the input.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use thiserror::Error;

use super::{MAX_DIMENSION, Mode};

/// Errors of [`NestedFlow::solve`]: each names what is wrong and where.
#[derive(Debug, Clone, PartialEq, Error)]
pub(crate) enum FlowError {
    /// An edge names a row at or beyond the row count.
    #[error("edge {edge}: row {row} out of range (rows = {rows})")]
    RowOutOfRange {
        /// Index of the edge in the input.
        edge: usize,
        /// The row it names.
        row: usize,
        /// The number of rows.
        rows: usize,
    },
    /// An edge names a group at or beyond the group count.
    #[error("edge {edge}: group {group} out of range (groups = {groups})")]
    GroupOutOfRange {
        /// Index of the edge in the input.
        edge: usize,
        /// The group it names.
        group: usize,
        /// The number of groups.
        groups: usize,
    },
    /// A group names a bin at or beyond the bin count.
    #[error("group {group}: bin {bin} out of range (bins = {bins})")]
    BinOutOfRange {
        /// Index of the group.
        group: usize,
        /// The bin it names.
        bin: usize,
        /// The number of bins.
        bins: usize,
    },
    /// A weight is NaN or infinite.
    #[error("edge {edge} ({row}, {group}): weight {weight} is not finite")]
    NonFiniteWeight {
        /// Index of the edge in the input.
        edge: usize,
        /// Its row.
        row: usize,
        /// Its group.
        group: usize,
        /// The offending weight.
        weight: f64,
    },
    /// The network's nodes or arcs exceed [`MAX_DIMENSION`].
    #[error("network too large: {nodes} nodes, {arcs} arcs (each must be ≤ {max})", max = MAX_DIMENSION)]
    TooLarge {
        /// Rows, groups, bins and the sink.
        nodes: usize,
        /// Both directions of every arc.
        arcs: usize,
    },
}

/// `n·M + x` for an infinitely large `M` (`n` is 0 throughout in
/// [`Mode::MaxWeight`]). `x` is never NaN nor infinite but in [`Lex::INF`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Lex {
    n: i64,
    x: f64,
}

impl Lex {
    const ZERO: Lex = Lex { n: 0, x: 0.0 };
    const INF: Lex = Lex {
        n: i64::MAX,
        x: f64::INFINITY,
    };
    fn add(self, o: Lex) -> Lex {
        Lex {
            n: self.n + o.n,
            x: self.x + o.x,
        }
    }
    fn sub(self, o: Lex) -> Lex {
        Lex {
            n: self.n - o.n,
            x: self.x - o.x,
        }
    }
    fn neg(self) -> Lex {
        Lex {
            n: -self.n,
            x: -self.x,
        }
    }
    fn cmp(self, o: Lex) -> Ordering {
        self.n.cmp(&o.n).then(self.x.total_cmp(&o.x))
    }
    fn lt(self, o: Lex) -> bool {
        self.cmp(o) == Ordering::Less
    }
    fn min(self, o: Lex) -> Lex {
        if o.lt(self) { o } else { self }
    }
}

/// A label in Dijkstra's heap: the smallest label first, then the smallest node.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Label {
    d: Lex,
    node: u32,
}

impl Eq for Label {}

impl Ord for Label {
    fn cmp(&self, o: &Label) -> Ordering {
        // Reversed: BinaryHeap is a max-heap.
        o.d.cmp(self.d).then(o.node.cmp(&self.node))
    }
}

impl PartialOrd for Label {
    fn partial_cmp(&self, o: &Label) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The solver of nested-capacity assignments: a reusable workspace.
#[derive(Debug, Default)]
pub(crate) struct NestedFlow {
    /// Arc `a` runs to `head[a]`; arcs `2k` and `2k + 1` are each other's
    /// reverse.
    head: Vec<u32>,
    cap: Vec<u32>,
    cost: Vec<Lex>,
    /// Arcs leaving node `v`: `adj[start[v]..start[v + 1]]`, in the order
    /// they were added.
    start: Vec<u32>,
    adj: Vec<u32>,
    /// While building `adj`: each arc's tail, and the next free place of
    /// each node's arcs.
    tails: Vec<u32>,
    fill: Vec<u32>,
    potential: Vec<Lex>,
    dist: Vec<Lex>,
    pred: Vec<u32>,
    done: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Label>,
    /// Per row, the edge it is placed on, or `u32::MAX`.
    placed: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl NestedFlow {
    /// The optimum in `mode` of placing `rows` rows on `edges` `(row, group,
    /// weight)`, group `g` taking at most `groups[g].1` rows and bin `b` at
    /// most `bins[b]` over its groups (those with `groups[g].0 == b`).
    ///
    /// Returns the pairs `(row, edge)`, rows ascending, `edge` an index into
    /// `edges`. [`Mode::NonIdling`]: the most rows placed, then the largest
    /// total weight among those placements; [`Mode::MaxWeight`]: the largest
    /// total weight, and no edge of weight ≤ 0 (never needed: leaving its
    /// row out keeps every capacity and does not lower the total).
    ///
    /// # Errors
    ///
    /// [`FlowError`] names the edge or group out of range, the weight that
    /// is not finite, or a network past [`MAX_DIMENSION`]; all are checked
    /// before the workspace is touched.
    ///
    /// # Complexity
    ///
    /// O(R · E · log V): see [the module docs](self#complexity).
    pub(crate) fn solve(
        &mut self,
        rows: usize,
        bins: &[u32],
        groups: &[(usize, u32)],
        edges: &[(usize, usize, f64)],
        mode: Mode,
    ) -> Result<impl Iterator<Item = (usize, usize)> + '_, FlowError> {
        for (g, &(bin, _)) in groups.iter().enumerate() {
            if bin >= bins.len() {
                return Err(FlowError::BinOutOfRange {
                    group: g,
                    bin,
                    bins: bins.len(),
                });
            }
        }
        let mut max_abs = 0.0f64;
        for (e, &(row, group, weight)) in edges.iter().enumerate() {
            if row >= rows {
                return Err(FlowError::RowOutOfRange { edge: e, row, rows });
            }
            if group >= groups.len() {
                return Err(FlowError::GroupOutOfRange {
                    edge: e,
                    group,
                    groups: groups.len(),
                });
            }
            if !weight.is_finite() {
                return Err(FlowError::NonFiniteWeight {
                    edge: e,
                    row,
                    group,
                    weight,
                });
            }
            max_abs = max_abs.max(weight.abs());
        }
        let nodes = rows + groups.len() + bins.len() + 1;
        let arcs = 2 * (rows + edges.len() + groups.len() + bins.len());
        if nodes > MAX_DIMENSION || arcs > MAX_DIMENSION {
            return Err(FlowError::TooLarge { nodes, arcs });
        }
        // Labels and potentials are sums along paths of at most `nodes`
        // arcs, and a row's potential falls by at most one such sum per row
        // after it: bounded by (rows + 1)·nodes·max|w|, kept below 2^1000.
        let limit = 2f64.powi(1000) / (4.0 * nodes as f64 * (rows as f64 + 1.0));
        let mut scale = 1.0;
        while max_abs * scale > limit {
            scale *= 0.5;
        }
        let edge_cost = |w: f64| Lex {
            n: if mode == Mode::NonIdling { -1 } else { 0 },
            x: -(w * scale),
        };

        let (first_group, first_bin, sink) = (rows, rows + groups.len(), nodes - 1);
        self.head.clear();
        self.cap.clear();
        self.cost.clear();
        self.tails.clear();
        let mut arc = |tail: usize, head: usize, cap: u32, cost: Lex| {
            for (t, h, c, k) in [(tail, head, cap, cost), (head, tail, 0, cost.neg())] {
                self.tails.push(t as u32);
                self.head.push(h as u32);
                self.cap.push(c);
                self.cost.push(k);
            }
        };
        // Arc 2r: row r's "stay unmatched"; arc 2(rows + e): edge e. A row
        // reads its own "stay unmatched" first, so that in MaxWeight a path
        // that gains nothing loses the tie to it.
        for r in 0..rows {
            arc(r, sink, 1, Lex::ZERO);
        }
        for &(row, group, w) in edges {
            arc(row, first_group + group, 1, edge_cost(w));
        }
        for (g, &(bin, cap)) in groups.iter().enumerate() {
            arc(first_group + g, first_bin + bin, cap, Lex::ZERO);
        }
        for (b, &cap) in bins.iter().enumerate() {
            arc(first_bin + b, sink, cap, Lex::ZERO);
        }
        self.start.clear();
        self.start.resize(nodes + 1, 0);
        for &t in &self.tails {
            self.start[t as usize + 1] += 1;
        }
        for v in 0..nodes {
            self.start[v + 1] += self.start[v];
        }
        self.adj.clear();
        self.adj.resize(self.tails.len(), 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.start[..nodes]);
        for (a, &t) in self.tails.iter().enumerate() {
            let at = &mut self.fill[t as usize];
            self.adj[*at as usize] = a as u32;
            *at += 1;
        }

        // Feasible potentials for the empty flow (every reduced cost ≥ 0):
        // distances from a virtual source with an arc of cost 0 to every
        // node, through the layers in order.
        self.potential.clear();
        self.potential.resize(nodes, Lex::ZERO);
        for &(_, group, w) in edges {
            let p = &mut self.potential[first_group + group];
            *p = p.min(edge_cost(w));
        }
        for (g, &(bin, _)) in groups.iter().enumerate() {
            let p = self.potential[first_group + g];
            let q = &mut self.potential[first_bin + bin];
            *q = q.min(p);
        }
        for b in 0..bins.len() {
            let p = self.potential[first_bin + b];
            let q = &mut self.potential[sink];
            *q = q.min(p);
        }

        self.dist.clear();
        self.dist.resize(nodes, Lex::INF);
        self.pred.clear();
        self.pred.resize(nodes, NONE);
        self.done.clear();
        self.done.resize(nodes, false);
        for r in 0..rows {
            self.route(r, sink);
        }

        self.placed.clear();
        self.placed.resize(rows, NONE);
        for (e, &(row, _, w)) in edges.iter().enumerate() {
            let used = self.cap[2 * (rows + e)] == 0;
            if used && (mode == Mode::NonIdling || w > 0.0) {
                self.placed[row] = e as u32;
            }
        }
        Ok(self
            .placed
            .iter()
            .enumerate()
            .filter(|&(_, &e)| e != NONE)
            .map(|(r, &e)| (r, e as usize)))
    }

    /// Sends row `r`'s unit to the sink along a shortest path of the
    /// residual network (its "stay unmatched" arc is one, so there is
    /// always one), then updates the potentials so that every residual arc
    /// keeps a reduced cost ≥ 0.
    fn route(&mut self, r: usize, sink: usize) {
        self.heap.clear();
        self.dist[r] = Lex::ZERO;
        self.touched.push(r as u32);
        self.heap.push(Label {
            d: Lex::ZERO,
            node: r as u32,
        });
        while let Some(Label { d, node }) = self.heap.pop() {
            let u = node as usize;
            if self.done[u] || d != self.dist[u] {
                continue;
            }
            self.done[u] = true;
            if u == sink {
                break;
            }
            let pu = self.potential[u];
            for i in self.start[u]..self.start[u + 1] {
                let a = self.adj[i as usize] as usize;
                let v = self.head[a] as usize;
                if self.cap[a] == 0 || self.done[v] {
                    continue;
                }
                let mut rc = self.cost[a].add(pu).sub(self.potential[v]);
                if rc.lt(Lex::ZERO) {
                    // Rounding only: exactly, potentials keep every residual
                    // arc's reduced cost ≥ 0.
                    rc = Lex::ZERO;
                }
                let nd = d.add(rc);
                if nd.lt(self.dist[v]) {
                    if self.dist[v] == Lex::INF {
                        self.touched.push(v as u32);
                    }
                    self.dist[v] = nd;
                    self.pred[v] = a as u32;
                    self.heap.push(Label {
                        d: nd,
                        node: v as u32,
                    });
                }
            }
        }
        // Settled nodes move by their label less the sink's, the others not
        // at all: the classic update (each by the smaller of its label and
        // the sink's) less the sink's label, which every node shares.
        let dt = self.dist[sink];
        for &v in &self.touched {
            let v = v as usize;
            if self.done[v] {
                self.potential[v] = self.potential[v].add(self.dist[v].sub(dt));
            }
        }
        let mut v = sink;
        while v != r {
            let a = self.pred[v] as usize;
            self.cap[a] -= 1;
            self.cap[a ^ 1] += 1;
            v = self.head[a ^ 1] as usize;
        }
        for &v in &self.touched {
            let v = v as usize;
            self.dist[v] = Lex::INF;
            self.pred[v] = NONE;
            self.done[v] = false;
        }
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{FlowError, NestedFlow};
    use crate::assign::{Mode, SparseGraph, solve};

    /// A problem: rows, bin capacities, groups (bin, capacity), edges.
    #[derive(Debug, Clone)]
    struct Problem {
        rows: usize,
        bins: Vec<u32>,
        groups: Vec<(usize, u32)>,
        edges: Vec<(usize, usize, f64)>,
    }

    impl Problem {
        /// The flow's pairs, checked against every capacity.
        fn solve(&self, mode: Mode) -> Vec<(usize, usize)> {
            let mut flow = NestedFlow::default();
            let pairs: Vec<(usize, usize)> = flow
                .solve(self.rows, &self.bins, &self.groups, &self.edges, mode)
                .unwrap()
                .collect();
            let (mut in_group, mut in_bin) = (vec![0; self.groups.len()], vec![0; self.bins.len()]);
            for w in pairs.windows(2) {
                assert!(w[0].0 < w[1].0, "a row twice, or rows out of order");
            }
            for &(r, e) in &pairs {
                let (row, g, w) = self.edges[e];
                assert_eq!(row, r);
                assert!(mode == Mode::NonIdling || w > 0.0, "MaxWeight took {w}");
                in_group[g] += 1;
                in_bin[self.groups[g].0] += 1;
            }
            for (g, &n) in in_group.iter().enumerate() {
                assert!(n <= self.groups[g].1, "group {g} over capacity");
            }
            for (b, &n) in in_bin.iter().enumerate() {
                assert!(n <= self.bins[b], "bin {b} over capacity");
            }
            pairs
        }

        /// (pairs, total weight) of a plan.
        fn value(&self, pairs: &[(usize, usize)]) -> (usize, f64) {
            (
                pairs.len(),
                pairs.iter().map(|&(_, e)| self.edges[e].2).sum(),
            )
        }

        /// The best (pairs, weight) lexicographically, and the best weight,
        /// over every placement.
        fn brute_force(&self) -> ((usize, f64), f64) {
            fn go(
                p: &Problem,
                r: usize,
                group: &mut [u32],
                bin: &mut [u32],
                now: (usize, f64),
                best: &mut ((usize, f64), f64),
            ) {
                if r == p.rows {
                    if now.0 > best.0.0 || (now.0 == best.0.0 && now.1 > best.0.1) {
                        best.0 = now;
                    }
                    best.1 = best.1.max(now.1);
                    return;
                }
                go(p, r + 1, group, bin, now, best);
                for &(row, g, w) in &p.edges {
                    let b = p.groups[g].0;
                    if row == r && group[g] < p.groups[g].1 && bin[b] < p.bins[b] {
                        group[g] += 1;
                        bin[b] += 1;
                        go(p, r + 1, group, bin, (now.0 + 1, now.1 + w), best);
                        group[g] -= 1;
                        bin[b] -= 1;
                    }
                }
            }
            let mut best = ((0, 0.0), 0.0);
            let (mut group, mut bin) = (vec![0; self.groups.len()], vec![0; self.bins.len()]);
            go(self, 0, &mut group, &mut bin, (0, 0.0), &mut best);
            best
        }
    }

    /// Small problems, any capacities (up to four groups a bin), integer
    /// weights (so that totals are exact), ties and negative ones included.
    fn small() -> impl Strategy<Value = Problem> {
        (
            1usize..=6,
            prop::collection::vec((1u32..=3, prop::collection::vec(0u32..=3, 1..=4)), 1..=3),
        )
            .prop_flat_map(|(rows, spec)| {
                let bins: Vec<u32> = spec.iter().map(|s| s.0).collect();
                let groups: Vec<(usize, u32)> = spec
                    .iter()
                    .enumerate()
                    .flat_map(|(b, s)| s.1.iter().map(move |&c| (b, c)))
                    .collect();
                let n = groups.len();
                let edges = prop::collection::vec((0..rows, 0..n, -3i32..=9), 0..=3 * rows);
                edges.prop_map(move |edges| Problem {
                    rows,
                    bins: bins.clone(),
                    groups: groups.clone(),
                    edges: edges
                        .into_iter()
                        .map(|(r, g, w)| (r, g, f64::from(w)))
                        .collect(),
                })
            })
    }

    /// Larger problems whose groups never bind (each as large as its
    /// bin), at most one edge per row and bin: the same as slots, so the
    /// assignment solver on a bin's slots is the reference.
    fn slotted() -> impl Strategy<Value = Problem> {
        (
            1usize..=30,
            prop::collection::vec((1u32..=3, 1usize..=3), 1..=10),
        )
            .prop_flat_map(|(rows, bins)| {
                let cells = prop::collection::vec(
                    prop::option::weighted(0.4, (0usize..3, -5i32..=20)),
                    rows * bins.len(),
                );
                cells.prop_map(move |cells| {
                    let mut first = Vec::new();
                    let mut groups = Vec::new();
                    for (b, &(cap, n)) in bins.iter().enumerate() {
                        first.push(groups.len());
                        groups.extend((0..n).map(|_| (b, cap)));
                    }
                    let edges = cells
                        .iter()
                        .enumerate()
                        .filter_map(|(i, cell)| {
                            let (r, b) = (i / bins.len(), i % bins.len());
                            cell.map(|(g, w)| (r, first[b] + g % bins[b].1, f64::from(w)))
                        })
                        .collect();
                    Problem {
                        rows,
                        bins: bins.iter().map(|b| b.0).collect(),
                        groups,
                        edges,
                    }
                })
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 600,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn the_optimum_of_any_capacities_by_brute_force(p in small()) {
            let (lex, weight) = p.brute_force();
            let non_idling = p.solve(Mode::NonIdling);
            prop_assert_eq!(p.value(&non_idling), lex);
            let max_weight = p.solve(Mode::MaxWeight);
            prop_assert_eq!(p.value(&max_weight).1, weight);
            prop_assert_eq!(non_idling, p.solve(Mode::NonIdling), "not deterministic");
        }

        #[test]
        fn the_assignment_solvers_optimum_where_slots_fit(p in slotted()) {
            let mut first = Vec::new();
            let mut cols = 0;
            for &cap in &p.bins {
                first.push(cols);
                cols += cap as usize;
            }
            let first = &first;
            let slots = p.edges.iter().flat_map(|&(r, g, w)| {
                let b = p.groups[g].0;
                (0..p.bins[b] as usize).map(move |k| (r, first[b] + k, w))
            });
            let graph = SparseGraph::from_edges(p.rows, cols, slots).unwrap();
            for mode in [Mode::NonIdling, Mode::MaxWeight] {
                let m = solve(&graph, mode).unwrap();
                let (n, total) = p.value(&p.solve(mode));
                prop_assert_eq!(total, m.total(), "{:?}", mode);
                if mode == Mode::NonIdling {
                    prop_assert_eq!(n, m.len());
                }
            }
        }
    }

    /// Weights at ±`f64::MAX` sum to no infinity (an `∞ − ∞` would be a
    /// NaN label, and a wrong or endless search): the plan is still the
    /// optimum, and in MaxWeight takes no weight ≤ 0.
    #[test]
    fn extreme_weights_give_the_optimum() {
        let max = f64::MAX;
        // Two rows, one bin of 2 with three groups of 1; row 0 reaches
        // groups 0 and 1, row 1 groups 1 and 2, row 2 group 0 only.
        let p = Problem {
            rows: 3,
            bins: vec![2],
            groups: vec![(0, 1), (0, 1), (0, 1)],
            edges: vec![
                (0, 0, max),
                (0, 1, max),
                (1, 1, max),
                (1, 2, -max),
                (2, 0, max / 2.0),
            ],
        };
        // Rows 0 and 1 on groups 0 and 1 (2·MAX, as a sum of scaled
        // weights); row 2 left out.
        assert_eq!(p.solve(Mode::MaxWeight), [(0, 0), (1, 2)]);
        assert_eq!(p.solve(Mode::NonIdling), [(0, 0), (1, 2)]);
        let p = Problem {
            rows: 2,
            bins: vec![1, 1],
            groups: vec![(0, 1), (1, 1)],
            edges: vec![(0, 0, -max), (1, 1, f64::MIN_POSITIVE), (1, 0, max)],
        };
        assert_eq!(p.solve(Mode::MaxWeight), [(1, 2)]);
        // Non-idling: both placed, whatever the weight.
        assert_eq!(p.solve(Mode::NonIdling), [(0, 0), (1, 1)]);
    }

    #[test]
    fn bad_input_is_named() {
        let mut flow = NestedFlow::default();
        let bins = [1];
        let groups = [(0, 1)];
        let err =
            |flow: &mut NestedFlow, groups: &[(usize, u32)], edges: &[(usize, usize, f64)]| {
                flow.solve(2, &bins, groups, edges, Mode::MaxWeight).err()
            };
        assert_eq!(
            err(&mut flow, &groups, &[(0, 0, 1.0), (2, 0, 1.0)]),
            Some(FlowError::RowOutOfRange {
                edge: 1,
                row: 2,
                rows: 2
            })
        );
        assert_eq!(
            err(&mut flow, &groups, &[(0, 1, 1.0)]),
            Some(FlowError::GroupOutOfRange {
                edge: 0,
                group: 1,
                groups: 1
            })
        );
        assert_eq!(
            err(&mut flow, &[(0, 1), (1, 1)], &[]),
            Some(FlowError::BinOutOfRange {
                group: 1,
                bin: 1,
                bins: 1
            })
        );
        assert!(matches!(
            err(&mut flow, &groups, &[(1, 0, f64::NAN)]),
            Some(FlowError::NonFiniteWeight { edge: 0, row: 1, group: 0, weight }) if weight.is_nan()
        ));
        assert_eq!(
            err(&mut flow, &groups, &[(1, 0, f64::INFINITY)]),
            Some(FlowError::NonFiniteWeight {
                edge: 0,
                row: 1,
                group: 0,
                weight: f64::INFINITY
            })
        );
        // The workspace is as good as new after an error.
        let pairs: Vec<_> = flow
            .solve(
                2,
                &bins,
                &groups,
                &[(0, 0, 1.0), (1, 0, 2.0)],
                Mode::MaxWeight,
            )
            .unwrap()
            .collect();
        assert_eq!(pairs, [(1, 1)]);
    }
}
