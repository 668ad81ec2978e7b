//! Table cells for an estimate, shared by `simulate` and `sweep`, and the
//! count and number cells `staffing` shares with them.

// Each example includes this module and uses some of its cells.
#![allow(dead_code)]

use std::path::Path;

use skillroute::sim::Estimate;

/// `mean ± half-width`, scaled, to `decimals` places (`n/a` if undefined).
pub fn pm(e: &Estimate, scale: f64, decimals: usize) -> String {
    if !e.mean.is_finite() {
        return "n/a".into();
    }
    if e.half_width.is_finite() {
        format!(
            "{:.d$} ± {:.d$}",
            e.mean * scale,
            e.half_width * scale,
            d = decimals
        )
    } else {
        format!("{:.d$}", e.mean * scale, d = decimals)
    }
}

/// `pm` for a paired difference, signed, with `*` where its interval
/// excludes 0 (the two differ at the confidence level).
pub fn diff(e: &Estimate, scale: f64, decimals: usize) -> String {
    if !e.mean.is_finite() {
        return "n/a".into();
    }
    let star = if e.half_width.is_finite() && !e.contains(0.0) {
        "*"
    } else {
        " "
    };
    let sign = if e.mean * scale >= 0.0 { "+" } else { "" };
    format!("{sign}{}{star}", pm(e, scale, decimals))
}

/// Marks a cell whose mean is over only some of the replications run.
pub const FEW: &str = "†";

/// What one replication's cells are, said where the footer would name an
/// interval: from one run there is none, and the cells show none.
pub const NO_INTERVAL: &str = "no interval from one run";

/// What the tables' occupancy column counts, said under them: read alone,
/// a policy that stacks chats on fewer agents looks like one that idles
/// them, since an agent holding one chat of three is as busy as one
/// holding three.
pub const OCCUPANCY: &str = "occupancy % = busy / (busy + ready idle) time, busy meaning holding \
     at least one contact (utilisation, contacts held / capacity, is in the files written).";

/// Whether `e` is a mean over some but not all of the `replications`: a
/// figure only the replications with the contacts it counts define (the
/// service level of a channel that had contacts in 2 of 10, say), which
/// would otherwise read as a figure of all 10. None (n/a) is not marked.
pub fn few(e: &Estimate, replications: u32) -> bool {
    e.n > 0 && e.n < replications
}

/// `cell` marked [`FEW`] if `few`; in a column with a marked cell
/// (`column_marked`) the others are padded by as much, so that the
/// figures stay aligned; a column without any is left as it was.
pub fn mark(cell: &str, column_marked: bool, few: bool) -> String {
    match (column_marked, few) {
        (false, _) => cell.to_string(),
        (true, true) => format!("{cell} {FEW}"),
        (true, false) => format!("{cell}  "),
    }
}

/// The footnote to a table that has [`FEW`] cells, said once under it:
/// `over` says which replications count, `csv` the file with each n.
pub fn few_note(replications: u32, over: &str, csv: &str) -> String {
    format!(
        "{FEW} = the mean over only the replications {over}, fewer than the \
         {replications} run ({csv} gives each figure's n)."
    )
}

/// `n` and `noun`, plural unless `n` is 1: "1 replication", "2 values".
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A number as Rust writes it (`0.0333`, `240`, `NaN`), or in exponent
/// form below 1e-4 or from 1e15 (`1e-200`, `1.1e-15`), where the plain
/// form runs to hundreds of digits: still exact, shorter, and what a
/// reader expects.
pub fn short_number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// A confidence level as a percentage, as it was written: 0.57 is `57`,
/// not `56.99999999999999` (the float product), 0.975 is `97.5`.
pub fn level_percent(confidence: f64) -> String {
    // Ten significant digits: the product's last-bit error goes. Rounded
    // in text, so that no power of ten overflows (a scale of 10^(10 - the
    // exponent) was infinite below 1e-298 and the level read NaN).
    let p = confidence * 100.0;
    let rounded: f64 = format!("{p:.9e}").parse().unwrap_or(p);
    format!("{rounded}")
}

/// Makes `out` the folder outputs go to, creating it and its parents if
/// need be: called before the runs, so that a run is not lost at the end
/// for want of a place to write it. A file in its place is said as such
/// ("… is a file, not a folder"), not as the system's "File exists".
pub fn out_dir(out: &Path) -> Result<(), String> {
    if out.exists() && !out.is_dir() {
        return Err(format!("{} is a file, not a folder", out.display()));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::out_dir;

    /// A folder is made, parents and all, and made again without fault; a
    /// file in its place is said to be one.
    #[test]
    fn out_dir_makes_a_folder_and_names_a_file_in_its_way() {
        let base = std::env::temp_dir().join(format!("skillroute-out-dir-{}", std::process::id()));
        let nested = base.join("a").join("b");
        assert_eq!(out_dir(&nested), Ok(()));
        assert!(nested.is_dir());
        assert_eq!(out_dir(&nested), Ok(()));
        let file = base.join("file");
        std::fs::write(&file, "x").unwrap();
        let e = out_dir(&file).unwrap_err();
        assert_eq!(e, format!("{} is a file, not a folder", file.display()));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
