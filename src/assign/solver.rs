//! The shortest-augmenting-path solver (Jonker–Volgenant / Crouse) over CSR.
//!
//! Internally the problem is a minimum-cost one: a real edge costs `-w` (in
//! [`Mode::NonIdling`], the lexicographic pair `(-1, -w)`), and every row has a
//! private "stay unmatched" option of cost 0 (never stored: it costs O(1) per row).
//! Column prices `v` start at 0 and only ever decrease; free columns keep price 0.
//! A matched row's dual is implicit: `u_i = c(i, x(i)) - v(x(i))`, and the
//! invariant is that it is the smallest reduced cost among the row's options,
//! the "stay unmatched" option included (so `u_i ≤ 0`).

use super::matching::{Matching, NONE};
use super::{AssignError, Mode, SparseGraph};
use std::fmt::Debug;

/// Number of cheapest edges remembered per row.
const K: usize = 8;
/// Row state / column owner: not assigned (yet).
const FREE: u32 = u32::MAX;
/// Row state: settled on its "stay unmatched" option for good. Also the column
/// index of that option in a row query.
const DUMMY: u32 = u32::MAX - 1;
/// Heap position: not in the heap.
const OUT: u32 = u32::MAX;
/// Heap position: scanned (label final) in the current search.
const DONE: u32 = u32::MAX - 1;
/// Augmenting row reduction steps allowed per row before handing the remaining
/// free rows to the shortest-path phase (a guard against slow float cycling).
const ARR_STEPS_PER_ROW: usize = 32;

/// A cost in the internal minimisation: `f64` in [`Mode::MaxWeight`], a
/// lexicographic pair in [`Mode::NonIdling`]. Values are never NaN.
trait Cost: Copy + Debug + Default {
    const ZERO: Self;
    const INF: Self;
    /// Cost of a real edge of (scaled) weight `w`.
    fn edge(w: f64) -> Self;
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn lt(self, o: Self) -> bool;
    #[inline]
    fn min(self, o: Self) -> Self {
        if o.lt(self) { o } else { self }
    }
    /// `min(self, 0)`.
    #[inline]
    fn min0(self) -> Self {
        self.min(Self::ZERO)
    }
    /// `max(self, 0)`.
    #[inline]
    fn max0(self) -> Self {
        if self.lt(Self::ZERO) {
            Self::ZERO
        } else {
            self
        }
    }
    fn count(self) -> i64;
    fn value(self) -> f64;
}

impl Cost for f64 {
    const ZERO: f64 = 0.0;
    const INF: f64 = f64::INFINITY;
    #[inline(always)]
    fn edge(w: f64) -> f64 {
        -w
    }
    #[inline(always)]
    fn add(self, o: f64) -> f64 {
        self + o
    }
    #[inline(always)]
    fn sub(self, o: f64) -> f64 {
        self - o
    }
    #[inline(always)]
    fn lt(self, o: f64) -> bool {
        self < o
    }
    fn count(self) -> i64 {
        0
    }
    fn value(self) -> f64 {
        self
    }
}

/// `n·M + x` for an infinitely large `M`: the cost of [`Mode::NonIdling`], where
/// one more pair outweighs any difference in weight.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Lex {
    n: i64,
    x: f64,
}

impl Cost for Lex {
    const ZERO: Lex = Lex { n: 0, x: 0.0 };
    const INF: Lex = Lex {
        n: i64::MAX,
        x: f64::INFINITY,
    };
    #[inline(always)]
    fn edge(w: f64) -> Lex {
        Lex { n: -1, x: -w }
    }
    #[inline(always)]
    fn add(self, o: Lex) -> Lex {
        Lex {
            n: self.n + o.n,
            x: self.x + o.x,
        }
    }
    #[inline(always)]
    fn sub(self, o: Lex) -> Lex {
        Lex {
            n: self.n - o.n,
            x: self.x - o.x,
        }
    }
    #[inline(always)]
    fn lt(self, o: Lex) -> bool {
        self.n < o.n || (self.n == o.n && self.x < o.x)
    }
    fn count(self) -> i64 {
        self.n
    }
    fn value(self) -> f64 {
        self.x
    }
}

/// The oriented problem the core works on (rows ≤ columns), with a weight scale.
#[derive(Clone, Copy)]
struct View<'a> {
    rows: usize,
    cols: usize,
    ptr: &'a [usize],
    col: &'a [u32],
    w: &'a [f64],
    /// Power of two applied to every weight (1 unless weights are extreme).
    scale: f64,
}

impl View<'_> {
    #[inline(always)]
    fn cost<C: Cost>(&self, e: u32) -> C {
        C::edge(self.w[e as usize] * self.scale)
    }
}

/// One remembered edge of a row.
#[derive(Clone, Copy, Debug, Default)]
struct Cand<C> {
    col: u32,
    edge: u32,
    cost: C,
    /// Reduced cost when the list was built: a lower bound on the current one.
    /// Lists are sorted by it, so a search can stop reading a list early.
    lb: C,
}

/// Per-row candidate lists: the (at most) `K` edges of smallest reduced cost as
/// of the last full scan of the row, and `theta`, a lower bound on the reduced
/// cost of every other edge of the row. Prices only decrease, so reduced costs
/// only increase and the bound stays valid until the next full scan. `theta ≤ 0`
/// always: an edge of reduced cost ≥ 0 is dominated for good by the row's
/// "stay unmatched" option and is never listed.
#[derive(Clone, Debug, Default)]
struct Lists<C> {
    cand: Vec<Cand<C>>,
    head: Vec<Head<C>>,
}

/// Everything the solver keeps per row but the candidates, together so that a
/// search touches one cache line per row.
#[derive(Clone, Copy, Debug, Default)]
struct Head<C> {
    /// Lower bound on the reduced cost of the row's unlisted edges (≤ 0).
    theta: C,
    /// Cost of the row's matched edge.
    cost: C,
    /// Matched column, `FREE`, or `DUMMY` (settled unmatched).
    col: u32,
    /// Index of the matched edge.
    edge: u32,
    /// Number of candidates.
    len: u32,
}

/// Everything the solver keeps per column, together so that one relaxation
/// touches one cache line.
#[derive(Clone, Copy, Debug)]
struct Col<C> {
    /// Price (≤ 0, non-increasing during a solve).
    v: C,
    /// Label in the current search (`INF` when untouched).
    d: C,
    /// Owner row, or `FREE`.
    row: u32,
    /// Search state: `OUT` (untouched), `DONE` (label final), else queued.
    pos: u32,
    /// Row and edge through which the current search reached the column.
    pred_row: u32,
    pred_edge: u32,
}

impl<C: Cost> Default for Col<C> {
    fn default() -> Self {
        Col {
            v: C::ZERO,
            d: C::INF,
            row: FREE,
            pos: OUT,
            pred_row: 0,
            pred_edge: 0,
        }
    }
}

/// Scans every edge of row `i` with the current prices, rebuilds its candidate
/// list, and calls `visit(cols, col, edge, reduced_cost)` on each edge. With
/// `zero_prices`, every price is known to be 0 and none is read.
#[inline(always)]
fn scan_row<C: Cost>(
    g: &View,
    i: usize,
    cols: &mut [Col<C>],
    lists: &mut Lists<C>,
    zero_prices: bool,
    mut visit: impl FnMut(&mut [Col<C>], u32, u32, C),
) {
    let mut buf = [Cand::<C>::default(); K];
    let mut n = 0usize;
    // Insertion threshold: 0 until the list is full, then its largest entry.
    // Every edge left out has a reduced cost ≥ the final threshold, which is
    // therefore the row's bound `theta` (≤ 0).
    let mut lim = C::ZERO;
    let (lo, hi) = (g.ptr[i], g.ptr[i + 1]);
    let ks = &g.col[lo..hi];
    let ws = &g.w[lo..lo + ks.len()];
    for t in 0..ks.len() {
        let (k, e) = (ks[t], lo + t);
        let cost = C::edge(ws[t] * g.scale);
        let r = if zero_prices {
            cost
        } else {
            cost.sub(cols[k as usize].v)
        };
        visit(cols, k, e as u32, r);
        if r.lt(lim) {
            if n < K {
                n += 1;
            }
            let mut p = n - 1;
            while p > 0 && r.lt(buf[p - 1].lb) {
                buf[p] = buf[p - 1];
                p -= 1;
            }
            buf[p] = Cand {
                col: k,
                edge: e as u32,
                cost,
                lb: r,
            };
            if n == K {
                lim = buf[K - 1].lb;
            }
        }
    }
    lists.cand[i * K..i * K + n].copy_from_slice(&buf[..n]);
    lists.head[i].len = n as u32;
    lists.head[i].theta = lim;
}

/// The two best options of a row (`DUMMY` = stay unmatched).
#[derive(Clone, Copy)]
struct Two<C> {
    u1: C,
    j1: u32,
    e1: u32,
    c1: C,
    u2: C,
    j2: u32,
    e2: u32,
    c2: C,
}

impl<C: Cost> Two<C> {
    const UNMATCHED: Two<C> = Two {
        u1: C::ZERO,
        j1: DUMMY,
        e1: 0,
        c1: C::ZERO,
        u2: C::INF,
        j2: DUMMY,
        e2: 0,
        c2: C::ZERO,
    };
}

/// Where the current shortest augmenting path ends.
#[derive(Clone, Copy, Debug)]
enum Sink {
    /// At a free column.
    Col(u32),
    /// At a row that gives up its column and stays unmatched.
    Drop(u32),
}

/// The shortest-path search state that is not per column: a `D`-ary min-heap
/// of `(label, column)` with lazy deletion (a column whose label improves is
/// pushed again; stale entries are skipped when popped), and the lists of
/// columns to reset.
#[derive(Clone, Debug, Default)]
struct Search<C> {
    heap: Vec<(C, u32)>,
    scanned: Vec<u32>,
    touched: Vec<u32>,
    best: C,
    sink: Option<Sink>,
}

/// Arity of the heap.
const D: usize = 4;

impl<C: Cost> Search<C> {
    #[inline(always)]
    fn relax(&mut self, cols: &mut [Col<C>], k: u32, e: u32, i: u32, nd: C) {
        if !nd.lt(self.best) {
            return;
        }
        let c = &mut cols[k as usize];
        if c.row == FREE {
            // A free column ends a path: it is never queued, only remembered.
            self.best = nd;
            self.sink = Some(Sink::Col(k));
            c.pred_row = i;
            c.pred_edge = e;
            return;
        }
        if c.pos == DONE || !nd.lt(c.d) {
            return;
        }
        if c.pos == OUT {
            c.pos = 0;
            self.touched.push(k);
        }
        c.d = nd;
        c.pred_row = i;
        c.pred_edge = e;
        self.push(nd, k);
    }

    #[inline(always)]
    fn push(&mut self, key: C, k: u32) {
        let mut p = self.heap.len();
        self.heap.push((key, k));
        while p > 0 {
            let q = (p - 1) / D;
            let hq = self.heap[q];
            if key.lt(hq.0) {
                self.heap[p] = hq;
                p = q;
            } else {
                break;
            }
        }
        self.heap[p] = (key, k);
    }

    /// Removes the heap's top.
    #[inline(always)]
    fn pop_top(&mut self) {
        let Some(last) = self.heap.pop() else {
            return;
        };
        let n = self.heap.len();
        if n == 0 {
            return;
        }
        let mut p = 0;
        loop {
            let first = D * p + 1;
            if first >= n {
                break;
            }
            let mut c = first;
            let mut ck = self.heap[first].0;
            for t in first + 1..(first + D).min(n) {
                if self.heap[t].0.lt(ck) {
                    c = t;
                    ck = self.heap[t].0;
                }
            }
            if ck.lt(last.0) {
                self.heap[p] = self.heap[c];
                p = c;
            } else {
                break;
            }
        }
        self.heap[p] = last;
    }

    /// Pops the column of smallest label if that label is below `best`,
    /// skipping stale entries, and marks it scanned.
    #[inline]
    fn pop_below(&mut self, cols: &mut [Col<C>]) -> Option<u32> {
        loop {
            let &(key, k) = self.heap.first()?;
            if !key.lt(self.best) {
                return None;
            }
            self.pop_top();
            let c = &mut cols[k as usize];
            if c.pos != DONE && !c.d.lt(key) {
                c.pos = DONE;
                self.scanned.push(k);
                return Some(k);
            }
        }
    }

    /// Relaxes the edges of row `i`, reached at label `base` (= label of its
    /// column minus its dual): the candidates first, the rest of the row only if
    /// the row's bound says it could still beat the best sink.
    #[inline(always)]
    fn scan(
        &mut self,
        g: &View,
        lists: &mut Lists<C>,
        cols: &mut [Col<C>],
        i: usize,
        base: C,
        stats: &mut SolveStats,
    ) {
        let off = i * K;
        let n = lists.head[i].len as usize;
        for cd in &lists.cand[off..off + n] {
            if !base.add(cd.lb).lt(self.best) {
                break; // this and every later candidate ends at or beyond best
            }
            let nd = base.add(cd.cost.sub(cols[cd.col as usize].v));
            self.relax(cols, cd.col, cd.edge, i as u32, nd);
        }
        if base.add(lists.head[i].theta).lt(self.best) {
            stats.full_row_scans += 1;
            scan_row(g, i, cols, lists, false, |cols, k, e, r| {
                self.relax(cols, k, e, i as u32, base.add(r))
            });
        }
    }
}

/// Counters describing the last solve of a [`Solver`]; for benchmarks and
/// curiosity, not needed to use the result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SolveStats {
    /// Whether rows and columns were swapped (rows outnumbered columns).
    pub transposed: bool,
    /// Rows matched by the greedy start.
    pub greedy: usize,
    /// Steps of augmenting row reduction.
    pub arr_steps: usize,
    /// Shortest augmenting path searches (one per row left free after the
    /// greedy start and the row reduction).
    pub searches: usize,
    /// Columns scanned (label made final) over all searches.
    pub scanned: usize,
    /// Full scans of a row's edges (the rest are served from candidate lists).
    pub full_row_scans: usize,
}

/// The solver's per-mode state, kept between solves to reuse its buffers.
#[derive(Clone, Debug, Default)]
struct Core<C> {
    cols: Vec<Col<C>>,
    lists: Lists<C>,
    search: Search<C>,
    free: Vec<u32>,
}

fn reset<T: Copy>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

impl<C: Cost> Core<C> {
    fn prepare(&mut self, rows: usize, cols: usize) {
        reset(&mut self.cols, cols, Col::default());
        if self.lists.cand.len() < rows * K {
            self.lists.cand.resize(rows * K, Cand::default());
        }
        reset(
            &mut self.lists.head,
            rows,
            Head {
                theta: C::ZERO,
                cost: C::ZERO,
                col: FREE,
                edge: 0,
                len: 0,
            },
        );
        self.search.heap.clear();
        self.search.scanned.clear();
        self.search.touched.clear();
        self.free.clear();
    }

    #[inline]
    fn assign(&mut self, i: usize, j: u32, e: u32, c: C) {
        let h = &mut self.lists.head[i];
        h.col = j;
        h.edge = e;
        h.cost = c;
        self.cols[j as usize].row = i as u32;
    }

    /// The two best options of row `i` from its candidate list, and whether the
    /// list's bound vouches for them.
    #[inline]
    fn query(&self, i: usize) -> (Two<C>, bool) {
        let mut t = Two::UNMATCHED;
        let off = i * K;
        for cd in &self.lists.cand[off..off + self.lists.head[i].len as usize] {
            let r = cd.cost.sub(self.cols[cd.col as usize].v);
            if r.lt(t.u1) {
                (t.u2, t.j2, t.e2, t.c2) = (t.u1, t.j1, t.e1, t.c1);
                (t.u1, t.j1, t.e1, t.c1) = (r, cd.col, cd.edge, cd.cost);
            } else if r.lt(t.u2) {
                (t.u2, t.j2, t.e2, t.c2) = (r, cd.col, cd.edge, cd.cost);
            }
        }
        // Every unlisted edge has reduced cost ≥ theta; the listed pair is exact
        // if its second value (or 0, when only "stay unmatched" matters) ≤ theta.
        let valid = !self.lists.head[i].theta.lt(t.u2.min0());
        (t, valid)
    }

    /// The two best options of row `i`, rescanning the row if its list cannot
    /// vouch for them (a fresh list is exact by construction).
    fn query_or_scan(&mut self, g: &View, i: usize, stats: &mut SolveStats) -> Two<C> {
        let (t, valid) = self.query(i);
        if valid {
            return t;
        }
        stats.full_row_scans += 1;
        scan_row(
            g,
            i,
            &mut self.cols,
            &mut self.lists,
            false,
            |_, _, _, _| {},
        );
        self.query(i).0
    }

    /// Greedy start: every row takes its best column if that column is free
    /// (with `warm` off, no row does: all go to the searches).
    fn greedy(&mut self, g: &View, warm: bool, stats: &mut SolveStats) {
        for i in 0..g.rows {
            scan_row(g, i, &mut self.cols, &mut self.lists, true, |_, _, _, _| {});
            let n = self.lists.head[i].len as usize;
            if n == 0 {
                // No edge beats staying unmatched, and none ever will.
                self.lists.head[i].col = DUMMY;
                continue;
            }
            if !warm {
                self.free.push(i as u32);
                continue;
            }
            let off = i * K;
            let c0 = self.lists.cand[off];
            let mut pick = None;
            if self.cols[c0.col as usize].row == FREE {
                pick = Some(c0);
            } else {
                // A tie for the best may still be free.
                for cd in &self.lists.cand[off + 1..off + n] {
                    if c0.cost.lt(cd.cost) {
                        break;
                    }
                    if self.cols[cd.col as usize].row == FREE {
                        pick = Some(*cd);
                        break;
                    }
                }
            }
            match pick {
                Some(cd) => {
                    self.assign(i, cd.col, cd.edge, cd.cost);
                    stats.greedy += 1;
                }
                None => self.free.push(i as u32),
            }
        }
    }

    /// Jonker–Volgenant's augmenting row reduction, two passes over the free
    /// rows. Only the price of the column being taken is lowered, which keeps
    /// free columns at price 0 (valid for rectangular problems).
    fn row_reduction(&mut self, g: &View, stats: &mut SolveStats) {
        let mut budget = ARR_STEPS_PER_ROW * self.free.len() + 64;
        for _pass in 0..2 {
            let prev = self.free.len();
            let mut k = 0;
            let mut nf = 0;
            while k < prev {
                if budget == 0 {
                    self.free.copy_within(k..prev, nf);
                    nf += prev - k;
                    break;
                }
                budget -= 1;
                stats.arr_steps += 1;
                let i = self.free[k] as usize;
                k += 1;
                let t = self.query_or_scan(g, i, stats);
                if t.j1 == DUMMY {
                    self.lists.head[i].col = DUMMY;
                    continue;
                }
                let (mut j, mut e, mut c) = (t.j1, t.e1, t.c1);
                let strict = t.u1.lt(t.u2);
                if strict {
                    let vj = &mut self.cols[j as usize].v;
                    *vj = vj.sub(t.u2.sub(t.u1));
                } else if self.cols[j as usize].row != FREE {
                    (j, e, c) = (t.j2, t.e2, t.c2);
                    if j == DUMMY {
                        self.lists.head[i].col = DUMMY;
                        continue;
                    }
                }
                let i0 = self.cols[j as usize].row;
                self.assign(i, j, e, c);
                if i0 != FREE {
                    self.lists.head[i0 as usize].col = FREE;
                    if strict {
                        k -= 1;
                        self.free[k] = i0;
                    } else {
                        self.free[nf] = i0;
                        nf += 1;
                    }
                }
            }
            self.free.truncate(nf);
            if nf == 0 || budget == 0 {
                break;
            }
        }
    }

    /// One shortest augmenting path search from free row `r` (Dijkstra over
    /// reduced costs), then the price update and the augmentation.
    fn augment(&mut self, g: &View, r: usize, stats: &mut SolveStats) {
        stats.searches += 1;
        let Core {
            cols,
            lists,
            search,
            ..
        } = self;
        // The root's own "stay unmatched" option is a sink at label 0.
        search.best = C::ZERO;
        search.sink = Some(Sink::Drop(r as u32));
        search.scan(g, lists, cols, r, C::ZERO, stats);
        while let Some(j) = search.pop_below(cols) {
            let c = &cols[j as usize];
            let i = c.row as usize;
            let base = c.d.sub(lists.head[i].cost.sub(c.v));
            // Row i may give its column up and stay unmatched.
            if base.lt(search.best) {
                search.best = base;
                search.sink = Some(Sink::Drop(i as u32));
            }
            search.scan(g, lists, cols, i, base, stats);
        }
        stats.scanned += search.scanned.len();
        let best = search.best;
        for &j in &search.scanned {
            let c = &mut cols[j as usize];
            c.v = c.v.add(c.d.sub(best).min0());
        }
        // Walk the path back to the root.
        let mut k = match search.sink {
            Some(Sink::Col(k)) => k,
            Some(Sink::Drop(i)) => {
                let h = &mut lists.head[i as usize];
                let k = h.col;
                h.col = DUMMY;
                if i as usize == r { FREE } else { k }
            }
            None => FREE,
        };
        while k != FREE {
            let c = &mut cols[k as usize];
            let i = c.pred_row as usize;
            let e = c.pred_edge;
            c.row = i as u32;
            let h = &mut lists.head[i];
            let old = h.col;
            h.col = k;
            h.edge = e;
            h.cost = g.cost(e);
            if i == r {
                break;
            }
            k = old;
        }
        for &k in &search.touched {
            let c = &mut cols[k as usize];
            c.d = C::INF;
            c.pos = OUT;
        }
        search.touched.clear();
        search.scanned.clear();
        search.heap.clear();
    }

    fn run(&mut self, g: &View, warm: bool, stats: &mut SolveStats) {
        self.prepare(g.rows, g.cols);
        self.greedy(g, warm, stats);
        if warm && !self.free.is_empty() {
            self.row_reduction(g, stats);
        }
        let free = std::mem::take(&mut self.free);
        for &r in &free {
            if self.lists.head[r as usize].col == FREE {
                self.augment(g, r as usize, stats);
            }
        }
        self.free = free;
    }

    /// Writes the result, in the caller's orientation, into `out`.
    fn extract(
        &self,
        g: &View,
        graph: &SparseGraph,
        transposed: bool,
        mode: Mode,
        out: &mut Matching,
    ) {
        let inv = 1.0 / g.scale;
        let (rows, cols) = (graph.rows(), graph.cols());
        out.mode = mode;
        reset(&mut out.row_match, rows, NONE);
        reset(&mut out.col_match, cols, NONE);
        reset(&mut out.row_dual, rows, 0.0);
        reset(&mut out.col_dual, cols, 0.0);
        let lex = mode == Mode::NonIdling;
        reset(&mut out.row_count, if lex { rows } else { 0 }, 0);
        reset(&mut out.col_count, if lex { cols } else { 0 }, 0);
        // Oriented duals (max form): V_k = -v_k, U_i = v_x(i) - c(i, x(i)).
        let (udual, ucount, vdual, vcount) = if transposed {
            (
                &mut out.col_dual,
                &mut out.col_count,
                &mut out.row_dual,
                &mut out.row_count,
            )
        } else {
            (
                &mut out.row_dual,
                &mut out.row_count,
                &mut out.col_dual,
                &mut out.col_count,
            )
        };
        for k in 0..g.cols {
            let val = C::ZERO.sub(self.cols[k].v).max0();
            vdual[k] = val.value() * inv;
            if lex {
                vcount[k] = val.count();
            }
        }
        let mut len = 0;
        for i in 0..g.rows {
            let j = self.lists.head[i].col;
            if j >= DUMMY {
                continue;
            }
            len += 1;
            let val = self.cols[j as usize].v.sub(self.lists.head[i].cost).max0();
            udual[i] = val.value() * inv;
            if lex {
                ucount[i] = val.count();
            }
            if transposed {
                out.row_match[j as usize] = i as u32;
                out.col_match[i] = j;
            } else {
                out.row_match[i] = j;
                out.col_match[j as usize] = i as u32;
            }
        }
        out.len = len;
        // Total in the caller's row order, from the original weights.
        let mut total = 0.0;
        for r in 0..rows {
            let c = out.row_match[r];
            if c != NONE {
                let oriented_row = if transposed { c as usize } else { r };
                total += g.w[self.lists.head[oriented_row].edge as usize];
            }
        }
        out.total = total;
    }
}

/// A reusable assignment solver: it keeps its work buffers between solves, so
/// repeated solves of problems of similar size allocate nothing (but the
/// returned [`Matching`]; use [`solve_into`](Self::solve_into) to reuse that too).
///
/// # Algorithm
///
/// Shortest augmenting paths with dual prices, after Jonker & Volgenant (1987),
/// in the rectangular form of Crouse (2016), run directly on the CSR adjacency:
///
/// 1. If rows outnumber columns, the problem is transposed (O(E)) so that the
///    side processed row by row is the smaller one.
/// 2. **Greedy start**: each row takes its best column if it is free. Each row
///    also remembers its `K = 8` cheapest edges and a bound for the rest.
/// 3. **Augmenting row reduction** (Jonker–Volgenant), lowering only the price
///    of the column being taken, so that free columns stay at price 0 — the
///    condition under which it is valid for rectangular problems.
/// 4. **Shortest augmenting paths**: for each row still free, Dijkstra over
///    reduced costs with an indexed binary heap. A path may end at a free column
///    or at a row that gives up its column and stays unmatched (an O(1) option
///    per row, not a dummy block). Free columns are never queued, and no column
///    is queued at a label that already reaches the best path end. A row's
///    edges beyond its candidate list are only read when its bound says they
///    could still improve the search.
///
/// [`Mode::NonIdling`] runs the same code on lexicographic costs `(-1, -w)`
/// (one more pair outweighs any weight), which is exact: no big-M.
///
/// Connected components are not split off: every phase above is already local
/// to the component it works in (a search only reaches the root's component),
/// so a split would cost O(E) and save nothing.
///
/// # Complexity
///
/// With `n = min(rows, cols)`, `m = max(rows, cols)` and `E` edges: O(E + m) for
/// the start, and each of at most `n` searches costs O(E + m log m), so
/// O(n (E + m log m)) in the worst case; in practice most rows are matched by
/// the first two phases. Space O(E) (only if transposed) + O(rows·K + cols).
///
/// # References
///
/// * R. Jonker and A. Volgenant, "A shortest augmenting path algorithm for dense
///   and sparse linear assignment problems", *Computing* 38, 325–340 (1987).
/// * D. F. Crouse, "On implementing 2D rectangular assignment algorithms",
///   *IEEE Transactions on Aerospace and Electronic Systems* 52(4), 1679–1696 (2016).
#[derive(Clone, Debug, Default)]
pub struct Solver {
    real: Core<f64>,
    lex: Core<Lex>,
    tptr: Vec<usize>,
    tcol: Vec<u32>,
    tw: Vec<f64>,
    stats: SolveStats,
    cold: bool,
}

impl Solver {
    /// A solver with empty buffers.
    pub fn new() -> Solver {
        Solver::default()
    }

    /// Solves `graph` in `mode` and returns the optimal matching.
    ///
    /// # Errors
    ///
    /// None for a graph built by [`SparseGraph`]'s constructors (they validate
    /// everything); the `Result` leaves room for modes with preconditions.
    ///
    /// # Complexity
    ///
    /// See [the type's documentation](Solver#complexity).
    ///
    /// # Example
    ///
    /// ```
    /// use skillroute::assign::{Mode, Solver, SparseGraph};
    ///
    /// // Two contacts, two agents; contact 1 can only go to agent 0.
    /// let g = SparseGraph::from_edges(2, 2, [(0, 0, 3.0), (0, 1, 1.0), (1, 0, 1.0)])?;
    /// let mut solver = Solver::new();
    /// let best = solver.solve(&g, Mode::MaxWeight)?;
    /// assert_eq!(best.pairs().collect::<Vec<_>>(), vec![(0, 0)]); // 3 beats 1 + 1
    /// let busy = solver.solve(&g, Mode::NonIdling)?;
    /// assert_eq!(busy.pairs().collect::<Vec<_>>(), vec![(0, 1), (1, 0)]);
    /// # Ok::<(), skillroute::assign::AssignError>(())
    /// ```
    pub fn solve(&mut self, graph: &SparseGraph, mode: Mode) -> Result<Matching, AssignError> {
        let mut out = Matching::default();
        self.solve_into(graph, mode, &mut out)?;
        Ok(out)
    }

    /// Like [`solve`](Self::solve), but writes into `out`, reusing its buffers.
    ///
    /// # Errors
    ///
    /// As [`solve`](Self::solve).
    pub fn solve_into(
        &mut self,
        graph: &SparseGraph,
        mode: Mode,
        out: &mut Matching,
    ) -> Result<(), AssignError> {
        let transposed = graph.rows() > graph.cols();
        let (ptr, col, w) = graph.as_csr();
        let scale = weight_scale(graph.max_abs_weight(), graph.rows() + graph.cols());
        let view = if transposed {
            transpose(graph, &mut self.tptr, &mut self.tcol, &mut self.tw);
            View {
                rows: graph.cols(),
                cols: graph.rows(),
                ptr: &self.tptr,
                col: &self.tcol,
                w: &self.tw,
                scale,
            }
        } else {
            View {
                rows: graph.rows(),
                cols: graph.cols(),
                ptr,
                col,
                w,
                scale,
            }
        };
        let mut stats = SolveStats {
            transposed,
            ..SolveStats::default()
        };
        match mode {
            Mode::MaxWeight => {
                self.real.run(&view, !self.cold, &mut stats);
                self.real.extract(&view, graph, transposed, mode, out);
            }
            Mode::NonIdling => {
                self.lex.run(&view, !self.cold, &mut stats);
                self.lex.extract(&view, graph, transposed, mode, out);
            }
        }
        self.stats = stats;
        Ok(())
    }

    /// Turns the warm start (greedy start and augmenting row reduction) on (the
    /// default) or off. The result is optimal either way — off, every row is
    /// matched by a shortest augmenting path search — so this exists for tests
    /// and measurements of the phases, not for users.
    pub fn set_warm_start(&mut self, on: bool) {
        self.cold = !on;
    }

    /// Counters of the last solve.
    pub fn last_stats(&self) -> SolveStats {
        self.stats
    }
}

/// Solves `graph` in `mode` with a fresh [`Solver`]; see [`Solver::solve`].
///
/// # Errors
///
/// As [`Solver::solve`].
///
/// # Example
///
/// ```
/// use skillroute::assign::{solve, Mode, SparseGraph};
///
/// let g = SparseGraph::from_edges(3, 2, [(0, 0, 2.0), (1, 0, 3.0), (1, 1, 2.0), (2, 1, -1.0)])?;
/// let m = solve(&g, Mode::MaxWeight)?;
/// assert_eq!(m.total(), 4.0); // (0,0) + (1,1)
/// assert_eq!(m.unmatched_rows().collect::<Vec<_>>(), vec![2]);
/// # Ok::<(), skillroute::assign::AssignError>(())
/// ```
pub fn solve(graph: &SparseGraph, mode: Mode) -> Result<Matching, AssignError> {
    Solver::new().solve(graph, mode)
}

/// A power of two bringing extreme weights back to a safe range, or 1. Labels
/// and prices are sums along alternating paths, bounded by `4 (rows + cols + 1)
/// max|w|`; weights are scaled down only if that bound could pass 2^1000, and
/// scaled up only if `max|w| < 2^-800` (where subnormals would cost precision).
/// Scaling by a power of two is exact, except for weights that underflow, which
/// are below the tolerance anyway.
fn weight_scale(max_abs: f64, vertices: usize) -> f64 {
    if max_abs == 0.0 {
        return 1.0;
    }
    // log2 of the bound, computed in the log domain (the bound may overflow).
    let e = (max_abs.log2() + (4.0 * (vertices as f64 + 1.0)).log2()).ceil() as i32;
    let m = max_abs.log2().floor() as i32;
    if e > 1000 {
        2f64.powi(1000 - e)
    } else if m < -800 {
        2f64.powi((-m).min(1000))
    } else {
        1.0
    }
}

/// Column-major copy of `graph` (a stable counting sort by column).
fn transpose(graph: &SparseGraph, tptr: &mut Vec<usize>, tcol: &mut Vec<u32>, tw: &mut Vec<f64>) {
    let (ptr, col, w) = graph.as_csr();
    let (rows, cols, m) = (graph.rows(), graph.cols(), col.len());
    tptr.clear();
    tptr.resize(cols + 1, 0);
    for &c in col {
        tptr[c as usize + 1] += 1;
    }
    for c in 0..cols {
        tptr[c + 1] += tptr[c];
    }
    tcol.clear();
    tcol.resize(m, 0);
    tw.clear();
    tw.resize(m, 0.0);
    // Use tptr[c] as the insertion cursor of column c, then shift back.
    for r in 0..rows {
        for e in ptr[r]..ptr[r + 1] {
            let c = col[e] as usize;
            let p = tptr[c];
            tptr[c] += 1;
            tcol[p] = r as u32;
            tw[p] = w[e];
        }
    }
    for c in (1..=cols).rev() {
        tptr[c] = tptr[c - 1];
    }
    tptr[0] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest violation of the max-weight certificate, relative to max |w|.
    fn certificate_error(g: &SparseGraph, m: &Matching) -> f64 {
        let (u, v) = (m.row_duals(), m.col_duals());
        let mut err = 0.0f64;
        for (i, j, w) in g.edges() {
            err = err.max(w - (u[i] + v[j]));
            if m.col_of(i) == Some(j) {
                err = err.max((u[i] + v[j] - w).abs());
            }
        }
        err / g.max_abs_weight()
    }

    #[test]
    fn certificate_holds_within_tolerance_on_near_ties() {
        // Weights 1 ± k·1e-15 (a few ulps): the reduced costs the solver compares
        // differ by rounding-sized amounts only.
        let mut solver = Solver::new();
        for n in [2usize, 5, 9, 17] {
            let edges: Vec<_> = (0..n * n)
                .map(|k| (k / n, k % n, 1.0 + ((k * 7919) % 13) as f64 * 1e-15))
                .collect();
            let g = SparseGraph::from_edges(n, n, edges).unwrap();
            for warm in [true, false] {
                solver.set_warm_start(warm);
                let m = solver.solve(&g, Mode::MaxWeight).unwrap();
                assert_eq!(m.len(), n);
                let err = certificate_error(&g, &m);
                assert!(err <= crate::assign::TOLERANCE, "n = {n}: error {err:e}");
                assert!(m.row_duals().iter().chain(m.col_duals()).all(|&x| x >= 0.0));
            }
        }
    }

    #[test]
    fn prices_never_rise_and_free_columns_stay_at_zero() {
        // 40 rows want the same 8 columns (plus a private one each, worth less),
        // so prices move a lot; afterwards every price is ≤ 0 and every free
        // column's is exactly 0 (the rectangular optimality condition).
        let mut edges = Vec::new();
        for r in 0..40 {
            for c in 0..8 {
                edges.push((r, c, 10.0 + ((r * 31 + c * 17) % 23) as f64 / 7.0));
            }
            edges.push((r, 8 + r, 1.0 + (r % 5) as f64));
        }
        let g = SparseGraph::from_edges(40, 48, edges).unwrap();
        let mut solver = Solver::new();
        for warm in [true, false] {
            solver.set_warm_start(warm);
            let m = solver.solve(&g, Mode::MaxWeight).unwrap();
            assert_eq!(m.len(), 40);
            for (k, c) in solver.real.cols[..48].iter().enumerate() {
                assert!(c.v <= 0.0, "price of column {k} rose to {}", c.v);
                if m.row_of(k).is_none() {
                    assert_eq!(c.v, 0.0, "free column {k} has a price");
                }
            }
            assert!(certificate_error(&g, &m) <= crate::assign::TOLERANCE);
        }
    }

    #[test]
    fn lex_order() {
        let a = Lex { n: -1, x: 5.0 };
        let b = Lex { n: 0, x: -5.0 };
        assert!(a.lt(b) && !b.lt(a));
        assert!(Lex { n: 0, x: 1.0 }.lt(Lex { n: 0, x: 2.0 }));
        assert_eq!(a.add(b).sub(b), a);
    }

    #[test]
    fn scale_is_a_power_of_two_and_only_for_extremes() {
        assert_eq!(weight_scale(1.0, 10), 1.0);
        assert_eq!(weight_scale(1e299, 10), 1.0);
        let s = weight_scale(1e300, 1_000_000);
        assert!(s < 1.0 && 1e300 * s * 4e6 <= 2f64.powi(1000));
        let s = weight_scale(f64::MAX, 2);
        assert!(s > 0.0 && (f64::MAX * s * 12.0).is_finite());
        assert_eq!(s.log2().fract(), 0.0);
        let s = weight_scale(f64::MIN_POSITIVE / 1e10, 2);
        assert!(s > 1.0 && s.is_finite() && (1.0 / s) > 0.0);
        assert_eq!(s.log2().fract(), 0.0);
    }
}
