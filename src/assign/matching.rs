//! The output of the solver: a matching with its dual certificate.

use super::Mode;

/// Marker for "not matched" in the index arrays.
pub(super) const NONE: u32 = u32::MAX;

/// A matching returned by [`Solver::solve`](super::Solver::solve): which row got
/// which column, its total weight, and the dual prices that prove it optimal.
///
/// # Dual certificate
///
/// In [`Mode::MaxWeight`], [`row_duals`](Self::row_duals) `u` and
/// [`col_duals`](Self::col_duals) `v` solve the dual linear program
/// `min Σu + Σv` subject to `u ≥ 0`, `v ≥ 0`, `u_i + v_j ≥ w_ij` on every edge.
/// They satisfy, up to [`TOLERANCE`](super::TOLERANCE) × the largest `|w|`:
/// equality `u_i + v_j = w_ij` on every matched edge, `u_i = 0` on every unmatched
/// row and `v_j = 0` on every unmatched column, hence `Σu + Σv = total()` — which
/// proves that no matching weighs more.
///
/// In [`Mode::NonIdling`] the objective is lexicographic — first the number of
/// pairs, then the weight — and so is the dual: each vertex has a pair
/// `(k, y)`, read as `k·M + y` for an infinitely large `M`. The `k` are in
/// [`row_dual_counts`](Self::row_dual_counts) /
/// [`col_dual_counts`](Self::col_dual_counts), the `y` in `row_duals` /
/// `col_duals`. The same conditions hold with every edge valued `(1, w_ij)`,
/// compared lexicographically, and `Σ(k, y) = (len(), total())`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matching {
    pub(super) mode: Mode,
    pub(super) row_match: Vec<u32>,
    pub(super) col_match: Vec<u32>,
    pub(super) row_dual: Vec<f64>,
    pub(super) col_dual: Vec<f64>,
    pub(super) row_count: Vec<i64>,
    pub(super) col_count: Vec<i64>,
    pub(super) len: usize,
    pub(super) total: f64,
}

impl Matching {
    /// The matched pairs `(row, col)`, rows ascending.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.row_match
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c != NONE)
            .map(|(r, &c)| (r, c as usize))
    }

    /// Number of matched pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` if no pair is matched.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sum of the weights of the matched edges (summed rows ascending).
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The mode this matching was solved in.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The column matched to `row`, if any (`None` also for `row` out of range).
    pub fn col_of(&self, row: usize) -> Option<usize> {
        match self.row_match.get(row) {
            Some(&c) if c != NONE => Some(c as usize),
            _ => None,
        }
    }

    /// The row matched to `col`, if any (`None` also for `col` out of range).
    pub fn row_of(&self, col: usize) -> Option<usize> {
        match self.col_match.get(col) {
            Some(&r) if r != NONE => Some(r as usize),
            _ => None,
        }
    }

    /// Dual price of every row (one per row); see [the certificate](Self#dual-certificate).
    pub fn row_duals(&self) -> &[f64] {
        &self.row_dual
    }

    /// Dual price of every column (one per column); see [the certificate](Self#dual-certificate).
    pub fn col_duals(&self) -> &[f64] {
        &self.col_dual
    }

    /// In [`Mode::NonIdling`], the cardinality part `k` of each row's
    /// lexicographic dual `(k, y)`; `None` in [`Mode::MaxWeight`].
    pub fn row_dual_counts(&self) -> Option<&[i64]> {
        (self.mode == Mode::NonIdling).then_some(&self.row_count[..])
    }

    /// In [`Mode::NonIdling`], the cardinality part `k` of each column's
    /// lexicographic dual `(k, y)`; `None` in [`Mode::MaxWeight`].
    pub fn col_dual_counts(&self) -> Option<&[i64]> {
        (self.mode == Mode::NonIdling).then_some(&self.col_count[..])
    }

    /// Rows left unmatched, ascending.
    pub fn unmatched_rows(&self) -> impl Iterator<Item = usize> + '_ {
        self.row_match
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c == NONE)
            .map(|(r, _)| r)
    }

    /// Columns left unmatched, ascending.
    pub fn unmatched_cols(&self) -> impl Iterator<Item = usize> + '_ {
        self.col_match
            .iter()
            .enumerate()
            .filter(|&(_, &r)| r == NONE)
            .map(|(c, _)| c)
    }
}
