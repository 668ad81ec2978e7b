//! The input of the solver: a validated sparse bipartite graph in CSR form.

use super::AssignError;

/// The largest number of rows, columns or edges a [`SparseGraph`] may have
/// (`u32::MAX - 2`): indices are stored as `u32`, and two values are reserved as
/// markers by the solver.
pub const MAX_DIMENSION: usize = u32::MAX as usize - 2;

/// A weighted bipartite graph between `rows` and `cols`, stored as compressed
/// sparse rows (CSR): the edges of row `i` are `row_ptr[i]..row_ptr[i + 1]` in
/// `col_idx` and `weight`.
///
/// A pair without an edge is forbidden: the solver never matches it. Weights are
/// any finite `f64`, negative ones included. A graph is validated once, when it
/// is built ([`from_edges`](Self::from_edges), [`from_csr`](Self::from_csr)); after
/// that, solving it cannot fail on bad numbers.
///
/// # Example
///
/// ```
/// use skillroute::assign::SparseGraph;
///
/// let g = SparseGraph::from_edges(2, 3, [(0, 0, 1.0), (0, 2, 2.5), (1, 2, 0.5)])?;
/// assert_eq!((g.rows(), g.cols(), g.edge_count()), (2, 3, 3));
/// assert_eq!(g.weight(0, 2), Some(2.5));
/// assert_eq!(g.weight(1, 0), None);
/// # Ok::<(), skillroute::assign::AssignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseGraph {
    rows: usize,
    cols: usize,
    row_ptr: Vec<usize>,
    col_idx: Vec<u32>,
    weight: Vec<f64>,
    /// Largest `|w|` over all edges (0 for an edgeless graph).
    max_abs: f64,
}

impl SparseGraph {
    /// Builds a graph from `(row, col, weight)` triples, in any order.
    ///
    /// Input already sorted by row (columns in any order within a row) is stored
    /// as it comes, without sorting; otherwise the edges are grouped by row with a
    /// stable counting sort, so the edges of a row keep their input order.
    ///
    /// # Errors
    ///
    /// Each error names the index of the offending edge in the input sequence:
    /// [`AssignError::RowOutOfRange`], [`AssignError::ColOutOfRange`],
    /// [`AssignError::NonFiniteWeight`] (NaN or ±∞), and
    /// [`AssignError::DuplicateEdge`] (the later of two edges with the same pair).
    /// [`AssignError::TooLarge`] if a dimension or the edge count exceeds
    /// [`MAX_DIMENSION`].
    ///
    /// # Complexity
    ///
    /// O(E + rows + cols) time, O(E + rows + cols) space, E = number of edges.
    pub fn from_edges(
        rows: usize,
        cols: usize,
        edges: impl IntoIterator<Item = (usize, usize, f64)>,
    ) -> Result<SparseGraph, AssignError> {
        check_dims(rows, cols, 0)?;
        let iter = edges.into_iter();
        let hint = iter.size_hint().0;
        let mut row_ptr = Vec::with_capacity(rows + 1);
        row_ptr.push(0usize);
        let mut col_idx: Vec<u32> = Vec::with_capacity(hint);
        let mut weight: Vec<f64> = Vec::with_capacity(hint);
        let mut max_abs = 0.0f64;
        // Row of every edge, only kept once the input turns out to be unsorted.
        let mut row_of: Option<Vec<u32>> = None;
        let mut last_row = 0usize;
        let mut mark = vec![u32::MAX; cols];
        for (e, (r, c, w)) in iter.enumerate() {
            check_edge(e, r, c, w, rows, cols)?;
            if e >= MAX_DIMENSION {
                return Err(AssignError::TooLarge {
                    rows,
                    cols,
                    edges: e + 1,
                });
            }
            max_abs = max_abs.max(w.abs());
            match &mut row_of {
                None if r >= last_row => {
                    while row_ptr.len() <= r {
                        row_ptr.push(col_idx.len());
                    }
                    last_row = r;
                    // Sorted so far: check duplicates on the fly.
                    if mark[c] == r as u32 {
                        return Err(AssignError::DuplicateEdge {
                            edge: e,
                            row: r,
                            col: c,
                        });
                    }
                    mark[c] = r as u32;
                }
                None => {
                    // First out-of-order edge: recover the rows of the edges so far.
                    let mut ro = Vec::with_capacity(hint.max(col_idx.len() + 1));
                    for i in 0..row_ptr.len() {
                        let end = row_ptr.get(i + 1).copied().unwrap_or(col_idx.len());
                        ro.extend(std::iter::repeat_n(i as u32, end - row_ptr[i]));
                    }
                    ro.push(r as u32);
                    row_of = Some(ro);
                }
                Some(ro) => ro.push(r as u32),
            }
            col_idx.push(c as u32);
            weight.push(w);
        }
        let m = col_idx.len();
        if let Some(ro) = row_of {
            // Stable counting sort by row.
            let mut ptr = vec![0usize; rows + 1];
            for &r in &ro {
                ptr[r as usize + 1] += 1;
            }
            for i in 0..rows {
                ptr[i + 1] += ptr[i];
            }
            let mut next = ptr.clone();
            let mut sc = vec![0u32; m];
            let mut sw = vec![0.0f64; m];
            for e in 0..m {
                let r = ro[e] as usize;
                let p = next[r];
                next[r] += 1;
                sc[p] = col_idx[e];
                sw[p] = weight[e];
            }
            if let Some((r, c)) = find_duplicate(rows, cols, &ptr, &sc) {
                // Report the later occurrence, by its index in the input.
                let edge = (0..m)
                    .filter(|&e| ro[e] as usize == r && col_idx[e] as usize == c)
                    .nth(1)
                    .unwrap_or(0);
                return Err(AssignError::DuplicateEdge {
                    edge,
                    row: r,
                    col: c,
                });
            }
            return Ok(SparseGraph {
                rows,
                cols,
                row_ptr: ptr,
                col_idx: sc,
                weight: sw,
                max_abs,
            });
        }
        while row_ptr.len() <= rows {
            row_ptr.push(m);
        }
        Ok(SparseGraph {
            rows,
            cols,
            row_ptr,
            col_idx,
            weight,
            max_abs,
        })
    }

    /// Builds a graph from compressed sparse rows, taking ownership of the
    /// arrays (no copy, no sort): the edges of row `i` are
    /// `row_ptr[i]..row_ptr[i + 1]` in `col_idx` and `weight`. Columns within a
    /// row may come in any order.
    ///
    /// # Errors
    ///
    /// [`AssignError::RowPtrLength`] unless `row_ptr.len() == rows + 1`;
    /// [`AssignError::InvalidRowPtr`] unless `0 = row_ptr[0] ≤ … ≤ row_ptr[rows]
    /// = col_idx.len()`; [`AssignError::EdgeArrayLength`] unless
    /// `col_idx.len() == weight.len()`; then, per edge (index into `col_idx`),
    /// [`AssignError::ColOutOfRange`], [`AssignError::NonFiniteWeight`],
    /// [`AssignError::DuplicateEdge`]; [`AssignError::TooLarge`] as for
    /// [`from_edges`](Self::from_edges).
    ///
    /// # Complexity
    ///
    /// O(E + rows + cols) time; O(cols) extra space for the duplicate check.
    pub fn from_csr(
        rows: usize,
        cols: usize,
        row_ptr: Vec<usize>,
        col_idx: Vec<u32>,
        weight: Vec<f64>,
    ) -> Result<SparseGraph, AssignError> {
        check_dims(rows, cols, col_idx.len())?;
        if row_ptr.len() != rows + 1 {
            return Err(AssignError::RowPtrLength {
                expected: rows + 1,
                found: row_ptr.len(),
            });
        }
        if col_idx.len() != weight.len() {
            return Err(AssignError::EdgeArrayLength {
                col_idx: col_idx.len(),
                weight: weight.len(),
            });
        }
        if row_ptr[0] != 0 {
            return Err(AssignError::InvalidRowPtr { index: 0 });
        }
        for i in 0..rows {
            if row_ptr[i + 1] < row_ptr[i] || row_ptr[i + 1] > col_idx.len() {
                return Err(AssignError::InvalidRowPtr { index: i + 1 });
            }
        }
        if row_ptr[rows] != col_idx.len() {
            return Err(AssignError::InvalidRowPtr { index: rows });
        }
        // One pass: range, finiteness, duplicates (a per-column marker of the
        // last row that used it), and the largest |w|.
        let mut max_abs = 0.0f64;
        let mut mark = vec![u32::MAX; cols];
        for r in 0..rows {
            let span = row_ptr[r]..row_ptr[r + 1];
            for (e, (&c, &w)) in span
                .clone()
                .zip(col_idx[span.clone()].iter().zip(&weight[span]))
            {
                let cu = c as usize;
                let Some(m) = mark.get_mut(cu) else {
                    return Err(AssignError::ColOutOfRange {
                        edge: e,
                        col: cu,
                        cols,
                    });
                };
                if !w.is_finite() {
                    return Err(AssignError::NonFiniteWeight {
                        edge: e,
                        row: r,
                        col: cu,
                        weight: w,
                    });
                }
                if *m == r as u32 {
                    return Err(AssignError::DuplicateEdge {
                        edge: e,
                        row: r,
                        col: cu,
                    });
                }
                *m = r as u32;
                max_abs = max_abs.max(w.abs());
            }
        }
        Ok(SparseGraph {
            rows,
            cols,
            row_ptr,
            col_idx,
            weight,
            max_abs,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of edges (allowed pairs).
    pub fn edge_count(&self) -> usize {
        self.col_idx.len()
    }

    /// The largest absolute weight (0 for a graph without edges). The solver's
    /// tolerance ([`TOLERANCE`](super::TOLERANCE)) is relative to it.
    pub fn max_abs_weight(&self) -> f64 {
        self.max_abs
    }

    /// The edges of `row` as `(col, weight)`, in stored order.
    ///
    /// # Panics
    ///
    /// If `row >= self.rows()`.
    pub fn row(&self, row: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        let span = self.row_ptr[row]..self.row_ptr[row + 1];
        self.col_idx[span.clone()]
            .iter()
            .zip(&self.weight[span])
            .map(|(&c, &w)| (c as usize, w))
    }

    /// All edges as `(row, col, weight)`, rows ascending.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.rows).flat_map(move |r| self.row(r).map(move |(c, w)| (r, c, w)))
    }

    /// The weight of the edge `(row, col)`, or `None` if there is none (or
    /// `row`/`col` is out of range). O(degree of `row`).
    pub fn weight(&self, row: usize, col: usize) -> Option<f64> {
        if row >= self.rows {
            return None;
        }
        self.row(row).find(|&(c, _)| c == col).map(|(_, w)| w)
    }

    /// The CSR arrays `(row_ptr, col_idx, weight)`.
    pub fn as_csr(&self) -> (&[usize], &[u32], &[f64]) {
        (&self.row_ptr, &self.col_idx, &self.weight)
    }
}

fn check_dims(rows: usize, cols: usize, edges: usize) -> Result<(), AssignError> {
    if rows > MAX_DIMENSION || cols > MAX_DIMENSION || edges > MAX_DIMENSION {
        return Err(AssignError::TooLarge { rows, cols, edges });
    }
    Ok(())
}

fn check_edge(
    edge: usize,
    row: usize,
    col: usize,
    weight: f64,
    rows: usize,
    cols: usize,
) -> Result<(), AssignError> {
    if row >= rows {
        return Err(AssignError::RowOutOfRange { edge, row, rows });
    }
    if col >= cols {
        return Err(AssignError::ColOutOfRange { edge, col, cols });
    }
    if !weight.is_finite() {
        return Err(AssignError::NonFiniteWeight {
            edge,
            row,
            col,
            weight,
        });
    }
    Ok(())
}

/// First `(row, col)` that appears twice, scanning rows in order.
fn find_duplicate(
    rows: usize,
    cols: usize,
    row_ptr: &[usize],
    col_idx: &[u32],
) -> Option<(usize, usize)> {
    // Rows of degree ≤ 1 cannot hold a duplicate: skip the marker array entirely
    // when no row has two edges.
    if (0..rows).all(|r| row_ptr[r + 1] - row_ptr[r] <= 1) {
        return None;
    }
    let mut mark = vec![u32::MAX; cols];
    for r in 0..rows {
        for &c in &col_idx[row_ptr[r]..row_ptr[r + 1]] {
            let m = &mut mark[c as usize];
            if *m == r as u32 {
                return Some((r, c as usize));
            }
            *m = r as u32;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unsorted_input_give_the_same_graph() {
        let a = SparseGraph::from_edges(3, 2, [(0, 1, 1.0), (2, 0, 2.0), (2, 1, 3.0)]).unwrap();
        let b = SparseGraph::from_edges(3, 2, [(2, 0, 2.0), (0, 1, 1.0), (2, 1, 3.0)]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_csr().0, &[0, 1, 1, 3]);
        let c = SparseGraph::from_csr(3, 2, vec![0, 1, 1, 3], vec![1, 0, 1], vec![1.0, 2.0, 3.0]);
        assert_eq!(c.unwrap(), a);
    }

    #[test]
    fn empty_graphs() {
        for (r, c) in [(0, 0), (0, 5), (5, 0), (3, 3)] {
            let g = SparseGraph::from_edges(r, c, []).unwrap();
            assert_eq!((g.rows(), g.cols(), g.edge_count()), (r, c, 0));
            assert_eq!(g.max_abs_weight(), 0.0);
        }
    }

    #[test]
    fn out_of_range_is_reported_with_the_edge_index() {
        let e = SparseGraph::from_edges(2, 2, [(0, 0, 1.0), (2, 0, 1.0)]).unwrap_err();
        assert_eq!(
            e,
            AssignError::RowOutOfRange {
                edge: 1,
                row: 2,
                rows: 2
            }
        );
        let e = SparseGraph::from_edges(2, 2, [(1, 0, 1.0), (0, 7, 1.0)]).unwrap_err();
        assert_eq!(
            e,
            AssignError::ColOutOfRange {
                edge: 1,
                col: 7,
                cols: 2
            }
        );
        let e = SparseGraph::from_edges(0, 0, [(0, 0, 1.0)]).unwrap_err();
        assert!(matches!(e, AssignError::RowOutOfRange { edge: 0, .. }));
        let e = SparseGraph::from_csr(1, 2, vec![0, 1], vec![2], vec![1.0]).unwrap_err();
        assert!(matches!(
            e,
            AssignError::ColOutOfRange {
                edge: 0,
                col: 2,
                ..
            }
        ));
    }

    #[test]
    fn nan_and_infinity_are_rejected() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = SparseGraph::from_edges(2, 2, [(0, 0, 1.0), (1, 1, bad)]).unwrap_err();
            match e {
                AssignError::NonFiniteWeight {
                    edge: 1,
                    row: 1,
                    col: 1,
                    weight,
                } => assert!(!weight.is_finite()),
                other => panic!("unexpected {other:?}"),
            }
            let e = SparseGraph::from_csr(2, 2, vec![0, 1, 1], vec![0], vec![bad]).unwrap_err();
            assert!(matches!(e, AssignError::NonFiniteWeight { edge: 0, .. }));
        }
        // The message names the edge and the pair.
        let e = SparseGraph::from_edges(1, 1, [(0, 0, f64::NAN)]).unwrap_err();
        assert_eq!(e.to_string(), "edge 0 (0, 0): weight NaN is not finite");
    }

    #[test]
    fn duplicates_are_rejected_naming_the_later_edge() {
        let e = SparseGraph::from_edges(2, 3, [(0, 1, 1.0), (0, 2, 1.0), (0, 1, 5.0)]).unwrap_err();
        assert_eq!(
            e,
            AssignError::DuplicateEdge {
                edge: 2,
                row: 0,
                col: 1
            }
        );
        // Unsorted input: the index is still the input position.
        let e = SparseGraph::from_edges(2, 3, [(1, 1, 1.0), (0, 2, 1.0), (1, 1, 5.0)]).unwrap_err();
        assert_eq!(
            e,
            AssignError::DuplicateEdge {
                edge: 2,
                row: 1,
                col: 1
            }
        );
        let e = SparseGraph::from_csr(1, 3, vec![0, 3], vec![2, 0, 2], vec![1.0; 3]).unwrap_err();
        assert_eq!(
            e,
            AssignError::DuplicateEdge {
                edge: 2,
                row: 0,
                col: 2
            }
        );
        // The same column in two different rows is fine.
        assert!(SparseGraph::from_edges(2, 1, [(0, 0, 1.0), (1, 0, 1.0)]).is_ok());
    }

    #[test]
    fn malformed_csr_is_rejected() {
        assert_eq!(
            SparseGraph::from_csr(2, 2, vec![0, 1], vec![0], vec![1.0]).unwrap_err(),
            AssignError::RowPtrLength {
                expected: 3,
                found: 2
            }
        );
        assert_eq!(
            SparseGraph::from_csr(1, 2, vec![0, 1], vec![0], vec![]).unwrap_err(),
            AssignError::EdgeArrayLength {
                col_idx: 1,
                weight: 0
            }
        );
        assert_eq!(
            SparseGraph::from_csr(2, 2, vec![0, 2, 1], vec![0, 1], vec![1.0; 2]).unwrap_err(),
            AssignError::InvalidRowPtr { index: 2 }
        );
        assert_eq!(
            SparseGraph::from_csr(1, 2, vec![1, 1], vec![0], vec![1.0]).unwrap_err(),
            AssignError::InvalidRowPtr { index: 0 }
        );
        assert_eq!(
            SparseGraph::from_csr(1, 2, vec![0, 1], vec![0, 1], vec![1.0; 2]).unwrap_err(),
            AssignError::InvalidRowPtr { index: 1 }
        );
        assert_eq!(
            SparseGraph::from_csr(1, 2, vec![0, 3], vec![0, 1], vec![1.0; 2]).unwrap_err(),
            AssignError::InvalidRowPtr { index: 1 }
        );
    }
}
