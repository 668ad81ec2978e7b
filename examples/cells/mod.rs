//! Table cells for an estimate, shared by `simulate` and `sweep`.

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
