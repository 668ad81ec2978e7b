//! Exact maximum-weight matching on sparse rectangular bipartite graphs.
//!
//! The router turns each global decision into this problem: rows are waiting
//! contacts, columns are free agent capacity, an edge exists only where the agent
//! is eligible, and its weight is the score of the pair. The module knows nothing
//! else of the domain; it can be used, tested and benchmarked alone.
//!
//! * [`SparseGraph`] — the input, validated once (CSR adjacency, `f64` weights,
//!   any finite value, negative ones included; a missing edge is a forbidden pair).
//! * [`Solver`] — a reusable workspace; [`solve`] is the one-shot convenience.
//! * [`Matching`] — the result: pairs, total, unmatched rows and columns, and the
//!   dual prices that certify optimality.
//! * [`Mode`] — [`Mode::MaxWeight`] maximises the total weight (an edge of
//!   weight ≤ 0 is never needed, so never taken); [`Mode::NonIdling`] first
//!   maximises the number of pairs, then the weight among those matchings —
//!   exactly, with lexicographic costs rather than a big-M.
//!
//! # Example
//!
//! ```
//! use skillroute::assign::{Mode, Solver, SparseGraph};
//!
//! // 3 contacts × 2 agents; (row, col, weight).
//! let g = SparseGraph::from_edges(3, 2, [
//!     (0, 0, 0.9), (0, 1, 0.4),
//!     (1, 0, 0.8),
//!     (2, 1, 0.5),
//! ])?;
//! let mut solver = Solver::new();
//! let m = solver.solve(&g, Mode::MaxWeight)?;
//! assert_eq!(m.pairs().collect::<Vec<_>>(), vec![(0, 0), (2, 1)]);
//! assert!((m.total() - 1.4).abs() < 1e-12);
//! assert_eq!(m.unmatched_rows().collect::<Vec<_>>(), vec![1]);
//! // The duals prove it: u_i + v_j ≥ w_ij on every edge, and Σu + Σv = total.
//! let dual: f64 = m.row_duals().iter().chain(m.col_duals()).sum();
//! assert!((dual - m.total()).abs() < 1e-12);
//! # Ok::<(), skillroute::assign::AssignError>(())
//! ```
//!
//! # Algorithm
//!
//! Shortest augmenting paths with dual prices — Jonker & Volgenant (1987), in
//! the rectangular form of Crouse (2016) — run over the CSR adjacency, with no
//! padding to a dense square: a greedy start, augmenting row reduction, then one
//! Dijkstra search per row still free. See [`Solver`] for the details and the
//! complexity: O(n (E + m log m)) worst case for `n = min(rows, cols)`,
//! `m = max(rows, cols)`, `E` edges.
//!
//! # Tolerance
//!
//! No comparison uses an epsilon: in exact arithmetic the algorithm is exact.
//! Column prices only ever decrease (every update subtracts a non-negative
//! amount, and a floating-point subtraction of a non-negative number never
//! increases a value), so the bounds derived from them — the per-row candidate
//! bounds, free columns at price 0 — hold exactly, not approximately.
//! Rounding enters only through sums along augmenting paths, each off by about
//! 2^-52 × the path length × `W`, where `W` is the largest absolute weight
//! ([`SparseGraph::max_abs_weight`]).
//!
//! [`TOLERANCE`] (1e-9, relative to `W`) bounds that error with a wide margin:
//! the returned duals satisfy `u_i + v_j ≥ w_ij − TOLERANCE·W` on every edge,
//! `|u_i + v_j − w_ij| ≤ TOLERANCE·W` on matched edges, and `u, v ≥ 0`. The
//! tests check this on every instance they solve (random, adversarial ties,
//! near-ties of a few ulps, weights from 1e-320 to `f64::MAX`/16). Whenever it
//! holds, the total is within `min(rows, cols)·TOLERANCE·W` of the optimum; in
//! practice totals agree with scipy's to about 1e-15, relatively. Weights large
//! enough for path sums to overflow (beyond ~2^1000 / (4·(rows + cols))) or
//! small enough to be subnormal are scaled internally by an exact power of two.
//!
//! # Determinism
//!
//! The same graph (same edges in the same order) gives the same matching, bit
//! for bit. Among equally good matchings, which one is returned depends on the
//! order of the edges.
//!
//! # References
//!
//! * R. Jonker and A. Volgenant, "A shortest augmenting path algorithm for dense
//!   and sparse linear assignment problems", *Computing* 38, 325–340 (1987).
//! * D. F. Crouse, "On implementing 2D rectangular assignment algorithms",
//!   *IEEE Transactions on Aerospace and Electronic Systems* 52(4), 1679–1696 (2016).

use thiserror::Error;

pub(crate) mod flow;
mod graph;
mod matching;
mod solver;

pub use graph::{MAX_DIMENSION, SparseGraph};
pub use matching::Matching;
pub use solver::{SolveStats, Solver, solve};

/// Relative tolerance of the optimality certificate: reduced costs of the
/// returned duals are ≥ `-TOLERANCE × max |w|`. See [the module docs](self#tolerance).
pub const TOLERANCE: f64 = 1e-9;

/// What the solver maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Maximum total weight; a pair is only taken if it raises the total.
    #[default]
    MaxWeight,
    /// Non-idling: the most pairs first, then the maximum total weight among those.
    NonIdling,
}

/// Errors of the assignment solver. All are raised when a [`SparseGraph`] is
/// built; each names the offending edge (its index in the input) and pair.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum AssignError {
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
    /// An edge names a column at or beyond the column count.
    #[error("edge {edge}: column {col} out of range (cols = {cols})")]
    ColOutOfRange {
        /// Index of the edge in the input.
        edge: usize,
        /// The column it names.
        col: usize,
        /// The number of columns.
        cols: usize,
    },
    /// A weight is NaN or infinite.
    #[error("edge {edge} ({row}, {col}): weight {weight} is not finite")]
    NonFiniteWeight {
        /// Index of the edge in the input.
        edge: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
        /// The offending weight.
        weight: f64,
    },
    /// The same (row, column) pair appears twice.
    #[error("edge {edge}: pair ({row}, {col}) appears twice")]
    DuplicateEdge {
        /// Index of the later of the two edges in the input.
        edge: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
    },
    /// Rows, columns or edges exceed [`MAX_DIMENSION`].
    #[error("graph too large: {rows} rows, {cols} columns, {edges} edges (each must be ≤ {max})", max = MAX_DIMENSION)]
    TooLarge {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
        /// Number of edges (so far).
        edges: usize,
    },
    /// CSR input: `row_ptr` must have `rows + 1` entries.
    #[error("row_ptr has {found} entries, expected rows + 1 = {expected}")]
    RowPtrLength {
        /// `rows + 1`.
        expected: usize,
        /// `row_ptr.len()`.
        found: usize,
    },
    /// CSR input: `row_ptr` must rise from 0 to the number of edges.
    #[error("row_ptr[{index}] breaks 0 = row_ptr[0] ≤ row_ptr[1] ≤ … ≤ row_ptr[rows] = edges")]
    InvalidRowPtr {
        /// The first index at which the condition fails.
        index: usize,
    },
    /// CSR input: `col_idx` and `weight` must have the same length.
    #[error("col_idx has {col_idx} entries but weight has {weight}")]
    EdgeArrayLength {
        /// `col_idx.len()`.
        col_idx: usize,
        /// `weight.len()`.
        weight: usize,
    },
}
