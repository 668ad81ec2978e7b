//! Erlang B, C and A, their inverses and square-root staffing.
//!
//! Numerical notes are in the parent module's documentation; the derivations
//! that are not in the cited papers are written out beside the code.

use super::{StaffingError, Target};

/// The smallest offered load `a = λ/μ` accepted (Erlangs). Below it the
/// Erlang B recursion's factors `k/a` could overflow; no real system is
/// that idle.
pub const MIN_OFFERED_LOAD: f64 = 1e-100;

/// The largest values accepted for `λ/θ` and `nμ/θ` in Erlang A (the arrival
/// rate and the service capacity measured in units of the abandonment rate θ,
/// i.e. per mean patience). Patience a million times longer than a service at
/// 10,000 agents is still inside. The cost of an evaluation grows like the
/// square root of these values in the worst case (load within a few √ of
/// capacity), so the bound also bounds the time.
pub const MAX_RATE_RATIO: f64 = 1e10;

/// The largest number of agents the staffing searches try before answering
/// [`StaffingError::Unreachable`].
pub const MAX_SEARCH_AGENTS: u32 = 100_000_000;

/// Relative accuracy asked of the series, continued fractions and quadrature.
const EPS: f64 = 1e-17;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

fn check_rate(field: &'static str, value: f64) -> Result<f64, StaffingError> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(StaffingError::InvalidRate { field, value })
    }
}

fn check_load(a: f64) -> Result<f64, StaffingError> {
    check_rate("offered_load", a)?;
    if a < MIN_OFFERED_LOAD {
        return Err(StaffingError::OutOfRange {
            field: "offered_load",
            value: a,
            min: MIN_OFFERED_LOAD,
            max: f64::MAX,
        });
    }
    Ok(a)
}

/// `λ/μ`, validated.
fn offered_load(arrival_rate: f64, service_rate: f64) -> Result<f64, StaffingError> {
    let lambda = check_rate("arrival_rate", arrival_rate)?;
    let mu = check_rate("service_rate", service_rate)?;
    let a = lambda / mu;
    if !a.is_finite() || a < MIN_OFFERED_LOAD {
        return Err(StaffingError::OutOfRange {
            field: "offered_load",
            value: a,
            min: MIN_OFFERED_LOAD,
            max: f64::MAX,
        });
    }
    Ok(a)
}

fn check_ratio(field: &'static str, value: f64) -> Result<f64, StaffingError> {
    if value > 0.0 && value <= MAX_RATE_RATIO {
        Ok(value)
    } else {
        Err(StaffingError::OutOfRange {
            field,
            value,
            min: f64::MIN_POSITIVE,
            max: MAX_RATE_RATIO,
        })
    }
}

// ---------------------------------------------------------------------------
// The Erlang B ladder
// ---------------------------------------------------------------------------

const RESCALE_AT: f64 = 1e150;
const RESCALE_BY: f64 = 1e-150;
/// ln(10¹⁵⁰).
const LN_RESCALE: f64 = 345.387_763_949_106_8;

/// The recursion `r(k) = 1/B(k) = 1 + (k/a)·r(k−1)`, `r(0) = 1`, advanced one
/// agent at a time, with `R(k) = r(k) − 1 = (k/a)·r(k−1)` kept apart so that it
/// keeps full relative accuracy when `B ≈ 1`. Values are stored divided by
/// `e^ln_scale` (an exact power of ten, applied when they pass 10¹⁵⁰), so the
/// ladder never overflows at any `k`.
#[derive(Debug, Clone, Copy)]
struct Ladder {
    a: f64,
    n: u32,
    /// `r(n) / e^ln_scale`.
    r: f64,
    /// `R(n) / e^ln_scale`.
    big_r: f64,
    /// `1 / e^ln_scale`.
    one: f64,
    ln_scale: f64,
}

impl Ladder {
    fn new(a: f64) -> Self {
        Ladder {
            a,
            n: 0,
            r: 1.0,
            big_r: 0.0,
            one: 1.0,
            ln_scale: 0.0,
        }
    }

    #[inline]
    fn step(&mut self) {
        self.n += 1;
        self.big_r = self.r * (f64::from(self.n) / self.a);
        self.r = self.one + self.big_r;
        if self.r > RESCALE_AT {
            self.r *= RESCALE_BY;
            self.big_r *= RESCALE_BY;
            self.ln_scale += LN_RESCALE;
            self.one = (-self.ln_scale).exp();
        }
    }

    /// O(n − self.n).
    fn advance_to(&mut self, n: u32) {
        while self.n < n {
            self.step();
        }
    }

    /// `B(n)`.
    fn erlang_b(&self) -> f64 {
        if self.ln_scale == 0.0 {
            1.0 / self.r
        } else {
            (-(self.r.ln() + self.ln_scale)).exp()
        }
    }

    /// `ln R(n) = ln(1/B(n) − 1)`; `−∞` at `n = 0`.
    fn ln_big_r(&self) -> f64 {
        self.big_r.ln() + self.ln_scale
    }

    /// `1 + f·R(n)` for `f ≥ 0`, or `+∞`.
    fn one_plus_times_big_r(&self, f: f64) -> f64 {
        if self.ln_scale == 0.0 {
            1.0 + f * self.big_r
        } else {
            1.0 + (f.ln() + self.ln_big_r()).exp()
        }
    }
}

// ---------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------

/// `ln(1 + d) − d` for `d > −1`, accurate also for small `|d|`.
fn log1pmx(d: f64) -> f64 {
    if d.abs() <= 0.5 {
        // ln(1+d) = 2 atanh(u), u = d/(2+d); 2u − d = −u·d, so
        // ln(1+d) − d = −u·d + 2(u³/3 + u⁵/5 + …).
        let u = d / (2.0 + d);
        let u2 = u * u;
        let mut term = u * u2;
        let mut sum = 0.0;
        let mut k = 3.0;
        loop {
            let t = term / k;
            sum += t;
            if t.abs() <= EPS * sum.abs() {
                break;
            }
            term *= u2;
            k += 2.0;
        }
        -u * d + 2.0 * sum
    } else {
        d.ln_1p() - d
    }
}

/// `(−1)^k / (k+2)!`, k = 0..=14.
const EM_COEFFS: [f64; 15] = [
    1.0 / 2.0,
    -1.0 / 6.0,
    1.0 / 24.0,
    -1.0 / 120.0,
    1.0 / 720.0,
    -1.0 / 5_040.0,
    1.0 / 40_320.0,
    -1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    -1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    -1.0 / 6_227_020_800.0,
    1.0 / 87_178_291_200.0,
    -1.0 / 1_307_674_368_000.0,
    1.0 / 20_922_789_888_000.0,
];

/// `Δ + expm1(−Δ) = Δ²/2 − Δ³/6 + …`, accurate for all `Δ`: the Taylor
/// polynomial (Horner) for `|Δ| ≤ ½`, where the direct form would cancel
/// (the first omitted term is below 10⁻¹⁷ of the value), else the direct form.
fn em(delta: f64) -> f64 {
    if delta.abs() <= 0.5 {
        // even and odd coefficients in Δ², two independent Horner chains
        let d2 = delta * delta;
        let mut even = EM_COEFFS[14];
        let mut odd = EM_COEFFS[13];
        for k in (0..7).rev() {
            even = even * d2 + EM_COEFFS[2 * k];
            if k < 6 {
                odd = odd * d2 + EM_COEFFS[2 * k + 1];
            }
        }
        d2 * (even + delta * odd)
    } else {
        delta + (-delta).exp_m1()
    }
}

/// `ln Γ(x+1) − (x ln x − x + ½ ln(2πx))` by Stirling's series, for `x ≥ 15`
/// (truncation error below 2·10⁻¹⁶).
fn stirling_tail(x: f64) -> f64 {
    let r = 1.0 / x;
    let r2 = r * r;
    r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))))
}

/// `ln Γ(x+1)` for `x ≥ 0`: Stirling's series, after shifting `x` up to 15 by
/// the recurrence `Γ(z+1) = zΓ(z)`.
fn ln_gamma1p(x: f64) -> f64 {
    if x >= 15.0 {
        x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + stirling_tail(x)
    } else {
        let mut z = x;
        let mut prod = 1.0;
        while z < 15.0 {
            z += 1.0;
            prod *= z;
        }
        ln_gamma1p(z) - prod.ln()
    }
}

/// `ln(y^x e^(−y) / Γ(x+1))`, with `y − x` passed in for accuracy.
fn ln_poisson_like(x: f64, y: f64, y_minus_x: f64) -> f64 {
    if x >= 15.0 {
        // x ln y − y − ln Γ(x+1) = x·(ln(1+d) − d) − ½ ln(2πx) − stirling_tail(x),
        // d = (y − x)/x: no cancellation between large terms.
        x * log1pmx(y_minus_x / x) - 0.5 * (2.0 * std::f64::consts::PI * x).ln() - stirling_tail(x)
    } else {
        x * y.ln() - y - ln_gamma1p(x)
    }
}

/// `ln(e^p + e^q)`.
fn logaddexp(p: f64, q: f64) -> f64 {
    let (hi, lo) = if p >= q { (p, q) } else { (q, p) };
    if hi == f64::INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// `1 / (1 + e^z)`, never NaN for `z ∈ [−∞, +∞]`.
fn sigmoid_neg(z: f64) -> f64 {
    1.0 / (1.0 + z.exp())
}

/// The tail sums of the Erlang A chain, in log form:
/// with `t_j = y^j / ((x+1)(x+2)…(x+j))` (`t_0 = 1`), `A = Σ t_j`
/// (Garnett–Mandelbaum–Reiman's `A(x, y) = x e^y y^(−x) γ(x, y)`),
/// `(A − 1)/y = Σ_{j≥1} t_j / y` and `S₁/y = Σ j·t_j / y`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tail {
    ln_a: f64,
    ln_a_minus_1_over_y: f64,
    ln_s1_over_y: f64,
}

/// Evaluates [`Tail`] at `(x, y)`, `x > 0`, `y ≥ 0`, given `y − x` accurately.
///
/// When `y < x + 1` the terms decrease from the first, and the series is summed
/// directly (with `u_j = t_j / y` so that a tiny `y` loses nothing), stopping
/// when a geometric bound on the rest is below 10⁻¹⁷ of the sums. Otherwise
/// `A = P(x, y)/f` with `f = y^x e^(−y)/Γ(x+1)` and the regularised
/// `P = 1 − Q`, `Q = f·x·h`, where `h = e^y y^(−x) Γ(x, y)` is Legendre's
/// continued fraction evaluated by the modified Lentz method (Numerical
/// Recipes §6.2); there `Q ≤ ½`, so `ln A = ln(1 − Q) − ln f` loses nothing,
/// and `A ≥ 2` so `A − 1` and `S₁ = (y − x)A + x` have no cancellation (the
/// identity `S₁ = (y−x)A + x` follows from `(x+j)·t_j = y·t_{j−1}`).
///
/// # Complexity
///
/// O(1) away from `y ≈ x`; O(√x) terms in the worst case, `|y − x| ≲ √x`.
fn tail(x: f64, y: f64, y_minus_x: f64) -> Tail {
    if y_minus_x < 1.0 {
        // u_j = t_j / y: u_1 = 1/(x+1), u_j = u_{j−1}·y/(x+j).
        let mut u = 1.0 / (x + 1.0);
        let mut s0 = u; // Σ_{j≥1} u_j = (A − 1)/y
        let mut s1 = u; // Σ_{j≥1} j·u_j = S₁/y
        let mut j = 1.0_f64;
        loop {
            // r: ratio of the next term to this one, < 1 since y < x + 1, and
            // decreasing; the rest is bounded by the geometric series in r:
            // Σ_{k≥1} u r^k = u·r/(1−r) and Σ_{k≥1} (j+k)·u r^k =
            // u·(j·r/(1−r) + r/(1−r)²), tested without dividing.
            let r = y / (x + j + 1.0);
            let om = 1.0 - r;
            let ur = u * r;
            if ur <= EPS * s0 * om && ur * (j * om + 1.0) <= EPS * s1 * om * om {
                break;
            }
            j += 1.0;
            u = ur;
            if u == 0.0 {
                break;
            }
            s0 += u;
            s1 += j * u;
        }
        Tail {
            ln_a: (y * s0).ln_1p(),
            ln_a_minus_1_over_y: s0.ln(),
            ln_s1_over_y: s1.ln(),
        }
    } else {
        const TINY: f64 = 1e-300;
        let mut b = y_minus_x + 1.0;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        let mut i = 1.0_f64;
        loop {
            let an = -i * (i - x);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() <= 2.0 * f64::EPSILON {
                break;
            }
            i += 1.0;
        }
        let ln_f = ln_poisson_like(x, y, y_minus_x);
        let q = (ln_f + x.ln() + h.ln()).exp();
        let ln_a = (-q).ln_1p() - ln_f;
        let inv_a = (-ln_a).exp();
        let ln_y = y.ln();
        Tail {
            ln_a,
            ln_a_minus_1_over_y: ln_a + (-inv_a).ln_1p() - ln_y,
            ln_s1_over_y: ln_a + (y_minus_x + x * inv_a).ln() - ln_y,
        }
    }
}

/// Standard normal CDF Φ(β) for β ≥ 0, by the positive series
/// `erf(z) = (2/√π) e^(−z²) Σ_k 2^k z^(2k+1) / (1·3·…·(2k+1))`.
fn normal_cdf_nonneg(beta: f64) -> f64 {
    if beta > 8.5 {
        return 1.0; // 1 − Φ(8.5) < 10⁻¹⁶
    }
    let z = beta / std::f64::consts::SQRT_2;
    let z2 = z * z;
    let mut term = z;
    let mut sum = z;
    let mut k = 0.0;
    while term > EPS * sum {
        k += 1.0;
        term *= 2.0 * z2 / (2.0 * k + 1.0);
        sum += term;
    }
    0.5 + 0.5 * std::f64::consts::FRAC_2_SQRT_PI * (-z2).exp() * sum
}

// ---------------------------------------------------------------------------
// Quadrature
// ---------------------------------------------------------------------------

/// Gauss–Kronrod 15-point nodes (QUADPACK `qk15`), descending; odd indices and
/// the centre are the 7-point Gauss nodes.
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_5,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_48,
    0.0,
];
/// Kronrod weights for [`XGK`].
const WGK: [f64; 8] = [
    0.022_935_322_010_529_224,
    0.063_092_092_629_978_56,
    0.104_790_010_322_250_19,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_42,
    0.204_432_940_075_298_89,
    0.209_482_141_084_727_82,
];
/// Gauss 7-point weights for `XGK[1]`, `XGK[3]`, `XGK[5]` and the centre.
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_64,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// One Gauss–Kronrod 7–15 panel: (Kronrod value, error estimate), the
/// estimate scaled as in QUADPACK's `qk15` (`|K − G|` overstates the error of
/// the Kronrod value by orders of magnitude on smooth integrands).
fn gk15(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut fv = [(0.0_f64, 0.0_f64); 7];
    let mut k = fc * WGK[7];
    let mut g = fc * WG[3];
    let mut kabs = fc.abs() * WGK[7];
    for j in 0..7 {
        let dx = h * XGK[j];
        let (f1, f2) = (f(c - dx), f(c + dx));
        fv[j] = (f1, f2);
        k += WGK[j] * (f1 + f2);
        kabs += WGK[j] * (f1.abs() + f2.abs());
        if j % 2 == 1 {
            g += WG[j / 2] * (f1 + f2);
        }
    }
    let mean = 0.5 * k;
    let mut asc = WGK[7] * (fc - mean).abs();
    for j in 0..7 {
        asc += WGK[j] * ((fv[j].0 - mean).abs() + (fv[j].1 - mean).abs());
    }
    let h_abs = h.abs();
    let (asc, kabs) = (asc * h_abs, kabs * h_abs);
    let mut err = ((k - g) * h).abs();
    if asc != 0.0 && err != 0.0 {
        err = asc * (200.0 * err / asc).powf(1.5).min(1.0);
    }
    err = err.max(50.0 * f64::EPSILON * kabs);
    (k * h, err)
}

/// Adaptive Gauss–Kronrod over the consecutive `pieces` (globally adaptive:
/// the panel with the largest error estimate is halved until the estimates
/// sum to at most `rel_tol` of the total, QUADPACK's QAG strategy). No
/// allocation; at most 256 panels.
fn integrate(f: &impl Fn(f64) -> f64, pieces: &[(f64, f64)], rel_tol: f64) -> f64 {
    const CAP: usize = 256;
    let mut panels = [(0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64); CAP];
    let mut len = 0;
    for &(a, b) in pieces {
        if b > a {
            let (v, e) = gk15(f, a, b);
            panels[len] = (a, b, v, e);
            len += 1;
        }
    }
    loop {
        let (mut total, mut err, mut worst) = (0.0, 0.0, 0);
        for (i, p) in panels[..len].iter().enumerate() {
            total += p.2;
            err += p.3;
            if p.3 > panels[worst].3 {
                worst = i;
            }
        }
        if err <= rel_tol * total.abs() || len == CAP {
            return total;
        }
        let (a, b, _, _) = panels[worst];
        let m = 0.5 * (a + b);
        if !(m > a && m < b) {
            return total; // cannot split further in f64
        }
        let (v1, e1) = gk15(f, a, m);
        let (v2, e2) = gk15(f, m, b);
        panels[worst] = (a, m, v1, e1);
        panels[len] = (m, b, v2, e2);
        len += 1;
    }
}

/// `ln ∫₀^T s^k·e^(φ(s)) ds` for `k ∈ {0, 1}` (`with_s`), `T = upper ≤ ∞`,
/// with `φ(s) = −c·s + y(1 − e^(−s))`, `c > 0`, `y ≥ 0`, `y − c` passed in for
/// accuracy.
///
/// `φ` is concave, so `h(s) = k·ln s + φ(s)` is too: the integrand is
/// unimodal and log-concave. `φ` is written about its own maximum `s₀`
/// (`s₀ = ln(y/c)` if `y > c`, else 0) as `φ(s₀) + pΔ − w·em(Δ)`, `Δ = s − s₀`,
/// so that large `c` and `y` lose nothing to cancellation. The peak of `h` on
/// `[0, T]` is found by safeguarded Newton, the range is cut where `h` has
/// dropped by 46 below it (by log-concavity the rest weighs < e⁻⁴⁶ of the
/// whole), and each side of the peak is integrated by adaptive Gauss–Kronrod.
///
/// # Complexity
///
/// O(1): about a hundred Newton and bracketing steps and a few hundred
/// integrand evaluations, whatever `c` and `y`.
fn ln_laplace_integral(c: f64, y: f64, y_minus_c: f64, with_s: bool, upper: f64) -> f64 {
    let (s0, phi0, p, w) = if y_minus_c > 0.0 {
        let d = y_minus_c / c;
        (d.ln_1p(), -c * log1pmx(d), 0.0, c)
    } else {
        (0.0, 0.0, y_minus_c, y)
    };
    let k = if with_s { 1.0 } else { 0.0 };
    let psi = |s: f64| {
        let delta = s - s0;
        p * delta - w * em(delta)
    };
    let h = |s: f64| if with_s { s.ln() + psi(s) } else { psi(s) };
    let dh = |s: f64| k / s + p + w * (s0 - s).exp_m1();
    let d2h = |s: f64| -k / (s * s) - w * (s0 - s).exp();

    // The peak of h on [0, ∞): dh(∞) = p − w = −c < 0.
    let peak = if !with_s {
        s0
    } else {
        // dh(0+) = +∞: bracket, then safeguarded Newton.
        let mut lo = 0.0_f64;
        let mut hi = s0 + 1.0 / c;
        while dh(hi) > 0.0 {
            lo = hi;
            hi = s0 + 2.0 * (hi - s0);
        }
        let mut s = 0.5 * (lo + hi);
        for _ in 0..200 {
            let g = dh(s);
            if g > 0.0 {
                lo = s;
            } else {
                hi = s;
            }
            let newton = s - g / d2h(s);
            let next = if newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            let done = (next - s).abs() <= 1e-10 * s || hi - lo <= 1e-12 * hi;
            s = next;
            if done {
                break;
            }
        }
        s
    };
    // On [0, T], h peaks at min(peak, T) (it increases before its peak).
    let sm = peak.min(upper);
    let hm = h(sm);
    let floor = hm - 46.0;
    // The smaller of the curvature and slope scales, so the first panels
    // resolve the integrand; then doubled until h is below the floor.
    let slope = dh(sm).abs();
    let curvature = (-d2h(sm)).sqrt();
    let scale = 1.0 / slope.max(curvature);
    let mut right = scale;
    while sm + right < upper && h(sm + right) > floor {
        right *= 2.0;
    }
    let b = (sm + right).min(upper);
    let mut left = scale;
    while sm - left > 0.0 && h(sm - left) > floor {
        left *= 2.0;
    }
    let a = (sm - left).max(0.0);
    let f = |t: f64| {
        if with_s {
            if t <= 0.0 {
                0.0
            } else {
                t * (psi(t) - hm).exp()
            }
        } else {
            (psi(t) - hm).exp()
        }
    };
    let integral = integrate(&f, &[(a, sm), (sm, b)], 1e-13);
    phi0 + hm + integral.ln()
}

// ---------------------------------------------------------------------------
// Erlang B
// ---------------------------------------------------------------------------

/// Erlang B: the probability that a call finds all `agents` lines busy and is
/// lost, in M/M/n/n with offered load `a` Erlangs (arrival rate / service
/// rate). Equal to `(aⁿ/n!) / Σ_{k≤n} a^k/k!`.
///
/// Computed by Jagerman's (1974) recursion on the inverse,
/// `1/B(k) = 1 + (k/a)/B(k−1)`, a sum of positive terms (relative error a few
/// ulps times √n), rescaled so it never overflows. `agents = 0` gives 1 (every
/// call is lost).
///
/// # Errors
///
/// [`StaffingError::InvalidRate`] if `offered_load` is not finite and > 0;
/// [`StaffingError::OutOfRange`] below [`MIN_OFFERED_LOAD`].
///
/// # Complexity
///
/// O(n) time, O(1) space.
///
/// # Example
///
/// ```
/// // 1% grade of service: 10 lines carry 4.461 Erlangs (standard Erlang B table).
/// let b = skillroute::staffing::erlang_b(4.461, 10)?;
/// assert!((b - 0.01).abs() < 1e-4);
/// # Ok::<(), skillroute::staffing::StaffingError>(())
/// ```
pub fn erlang_b(offered_load: f64, agents: u32) -> Result<f64, StaffingError> {
    let a = check_load(offered_load)?;
    let mut ladder = Ladder::new(a);
    ladder.advance_to(agents);
    Ok(ladder.erlang_b())
}

// ---------------------------------------------------------------------------
// Erlang C
// ---------------------------------------------------------------------------

/// Erlang C: the M/M/n queue (Poisson arrivals at rate λ, exponential service
/// at rate μ per agent, `n` agents, customers wait as long as it takes, first
/// come first served), in steady state.
///
/// Built by [`ErlangC::new`], which validates and computes `P(wait)` once;
/// every measure after that is O(1) and cannot fail.
///
/// With `a = λ/μ`, `ρ = a/n < 1` and `B` Erlang B:
///
/// * `P(wait) = C = B / (1 − ρ(1 − B))`;
/// * the wait of those who wait is exponential with rate `nμ − λ`, so
///   `P(W ≤ t) = 1 − C·e^(−(nμ−λ)t)` and `ASA = E[W] = C / (nμ − λ)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErlangC {
    arrival_rate: f64,
    service_rate: f64,
    agents: u32,
    offered_load: f64,
    prob_wait: f64,
    /// `nμ − λ`, computed as `μ(n − a)`.
    decay: f64,
}

impl ErlangC {
    /// Validates the parameters and computes the probability of waiting.
    ///
    /// # Errors
    ///
    /// [`StaffingError::InvalidRate`] if a rate is not finite and > 0,
    /// [`StaffingError::NoAgents`] if `agents == 0`,
    /// [`StaffingError::Unstable`] if `λ/μ ≥ agents`,
    /// [`StaffingError::OutOfRange`] if `λ/μ` overflows or is below
    /// [`MIN_OFFERED_LOAD`].
    ///
    /// # Complexity
    ///
    /// O(n) time (the Erlang B recursion), O(1) space.
    pub fn new(
        arrival_rate: f64,
        service_rate: f64,
        agents: u32,
    ) -> Result<ErlangC, StaffingError> {
        let a = offered_load(arrival_rate, service_rate)?;
        if agents == 0 {
            return Err(StaffingError::NoAgents);
        }
        if a >= f64::from(agents) {
            return Err(StaffingError::Unstable {
                offered_load: a,
                agents,
            });
        }
        let mut ladder = Ladder::new(a);
        ladder.advance_to(agents);
        Ok(Self::from_ladder(arrival_rate, service_rate, &ladder))
    }

    /// Requires `ladder.n > ladder.a`.
    fn from_ladder(arrival_rate: f64, service_rate: f64, ladder: &Ladder) -> ErlangC {
        let n = f64::from(ladder.n);
        let a = ladder.a;
        let one_minus_rho = (n - a) / n;
        ErlangC {
            arrival_rate,
            service_rate,
            agents: ladder.n,
            offered_load: a,
            prob_wait: 1.0 / ladder.one_plus_times_big_r(one_minus_rho),
            decay: service_rate * (n - a),
        }
    }

    /// The number of agents `n`.
    pub fn agents(&self) -> u32 {
        self.agents
    }

    /// The arrival rate λ.
    pub fn arrival_rate(&self) -> f64 {
        self.arrival_rate
    }

    /// The service rate μ of one agent (1 / mean handle time).
    pub fn service_rate(&self) -> f64 {
        self.service_rate
    }

    /// The offered load `a = λ/μ` in Erlangs.
    pub fn offered_load(&self) -> f64 {
        self.offered_load
    }

    /// The probability that an arriving customer has to wait (Erlang's C
    /// formula, `C(n, a)`). O(1).
    pub fn prob_wait(&self) -> f64 {
        self.prob_wait
    }

    /// The service level `P(W ≤ t) = 1 − C·e^(−(nμ−λ)t)`: the fraction of
    /// customers answered within `threshold` (in the rates' time unit). A
    /// negative or NaN threshold counts as 0 (`1 − C`); `+∞` gives 1. O(1).
    pub fn service_level(&self, threshold: f64) -> f64 {
        let t = if threshold > 0.0 { threshold } else { 0.0 };
        1.0 - self.prob_wait * (-self.decay * t).exp()
    }

    /// The average speed of answer, `E[W] = C / (nμ − λ)`: the mean wait of
    /// all customers (those who do not wait count with 0). O(1).
    pub fn asa(&self) -> f64 {
        self.prob_wait / self.decay
    }

    /// The mean wait of the customers who wait, `1 / (nμ − λ)`. O(1).
    pub fn mean_wait_given_wait(&self) -> f64 {
        1.0 / self.decay
    }

    /// The occupancy `ρ = a/n`: the fraction of time an agent is busy. O(1).
    pub fn occupancy(&self) -> f64 {
        self.offered_load / f64::from(self.agents)
    }
}

// ---------------------------------------------------------------------------
// Erlang A
// ---------------------------------------------------------------------------

/// Erlang A (Palm's M/M/n+M): Erlang C where each waiting customer abandons at
/// rate θ (exponential patience with mean 1/θ), in steady state; first come
/// first served. Stable at any load, including `λ ≥ nμ`.
///
/// Built by [`ErlangA::new`], which validates and computes the stationary
/// quantities once; the measures then cannot fail.
///
/// # Formulas
///
/// With `a = λ/μ`, `ρ = λ/(nμ)`, `x = nμ/θ`, `y = λ/θ`, Erlang B `B = B(n, a)`
/// and `A = A(x, y) = Σ_{j≥0} y^j/((x+1)…(x+j))` (Garnett, Mandelbaum & Reiman
/// 2002), the probability of exactly `n` in the system is
/// `π_n = 1/(A + 1/B − 1)`, and
///
/// * `P(wait) = π_n·A`;
/// * `P(abandon) = π_n·S₁/y` with `S₁ = Σ j·t_j`, which equals GMR's
///   `P(wait)·(1 − 1/ρ + 1/(ρA))` but is summed directly so that it keeps its
///   relative accuracy when small;
/// * `P(answered after waiting) = π_n·x·(A − 1)/y`.
///
/// An arrival that finds `j` customers waiting is answered after a virtual
/// wait `V = Σ_{m=0..j} Exp(nμ + mθ)`, unless its patience runs out first.
/// `e^(−θV)` is then Beta(x, j+1)-distributed (compare the Mellin transforms),
/// and summing over the geometric-like queue-length distribution gives, for
/// `u = e^(−θt)`,
///
/// `P(answered, W > t) = π_n·x/(x+1)·A(x+1, y·u)·u^(x+1)·e^(y(1−u))`,
///
/// hence the service level, and, by the same route,
/// `E[W; answered] = π_n·(x/θ)·∫₀^∞ s·e^(−(x+1)s + y(1−e^(−s))) ds`,
/// integrated numerically (`s` is time in units of the mean patience). The mean
/// wait of everyone follows from `P(abandon) = θ·E[W]` (each waiting customer
/// abandons at rate θ, and Little's law).
///
/// All of it is carried in log form, so no intermediate value overflows.
#[derive(Debug, Clone, PartialEq)]
pub struct ErlangA {
    arrival_rate: f64,
    service_rate: f64,
    abandon_rate: f64,
    agents: u32,
    offered_load: f64,
    /// `nμ/θ`.
    x: f64,
    /// `λ/θ`.
    y: f64,
    /// `y − x`, computed as `(a − n)·μ/θ`.
    y_minus_x: f64,
    tail: Tail,
    /// `ln π_n`.
    ln_pi_n: f64,
    /// `ln P(no wait)`.
    ln_no_wait: f64,
    /// `ln P(answered after waiting)`.
    ln_served_after_wait: f64,
    prob_wait: f64,
    prob_abandon: f64,
    prob_served: f64,
}

impl ErlangA {
    /// Validates the parameters and computes the stationary quantities.
    ///
    /// # Errors
    ///
    /// [`StaffingError::InvalidRate`] if a rate is not finite and > 0,
    /// [`StaffingError::NoAgents`] if `agents == 0`,
    /// [`StaffingError::OutOfRange`] if `λ/μ` is out of range (see
    /// [`MIN_OFFERED_LOAD`]) or `λ/θ` or `nμ/θ` exceeds
    /// [`MAX_RATE_RATIO`] (patience so long that the model is Erlang C:
    /// use [`ErlangC`]).
    ///
    /// # Complexity
    ///
    /// O(n) for Erlang B plus O(1 + √(nμ/θ)) for `A` in the worst case (load
    /// within a few √ of capacity; a few dozen terms away from it). O(1) space.
    pub fn new(
        arrival_rate: f64,
        service_rate: f64,
        abandon_rate: f64,
        agents: u32,
    ) -> Result<ErlangA, StaffingError> {
        let a = offered_load(arrival_rate, service_rate)?;
        let theta = check_rate("abandon_rate", abandon_rate)?;
        if agents == 0 {
            return Err(StaffingError::NoAgents);
        }
        let kappa = service_rate / theta;
        check_ratio("arrival_rate / abandon_rate", a * kappa)?;
        check_ratio(
            "agents * service_rate / abandon_rate",
            f64::from(agents) * kappa,
        )?;
        let mut ladder = Ladder::new(a);
        ladder.advance_to(agents);
        Ok(Self::from_ladder(
            arrival_rate,
            service_rate,
            abandon_rate,
            kappa,
            &ladder,
        ))
    }

    /// `kappa = μ/θ`; the ratios must have been checked.
    fn from_ladder(
        arrival_rate: f64,
        service_rate: f64,
        abandon_rate: f64,
        kappa: f64,
        ladder: &Ladder,
    ) -> ErlangA {
        let n = f64::from(ladder.n);
        let a = ladder.a;
        let x = n * kappa;
        let y = a * kappa;
        let y_minus_x = (a - n) * kappa;
        let tail = tail(x, y, y_minus_x);
        let ln_big_r = ladder.ln_big_r();
        let ln_pi_n = -logaddexp(tail.ln_a, ln_big_r);
        let prob_wait = sigmoid_neg(ln_big_r - tail.ln_a);
        // P(no wait) = R/(A + R)
        let ln_no_wait = -logaddexp(tail.ln_a - ln_big_r, 0.0);
        let ln_served_after_wait = ln_pi_n + x.ln() + tail.ln_a_minus_1_over_y;
        let prob_abandon = (ln_pi_n + tail.ln_s1_over_y).exp().min(1.0);
        let prob_served = (logaddexp(ln_no_wait, ln_served_after_wait)).exp().min(1.0);
        ErlangA {
            arrival_rate,
            service_rate,
            abandon_rate,
            agents: ladder.n,
            offered_load: a,
            x,
            y,
            y_minus_x,
            tail,
            ln_pi_n,
            ln_no_wait,
            ln_served_after_wait,
            prob_wait,
            prob_abandon,
            prob_served,
        }
    }

    /// The number of agents `n`.
    pub fn agents(&self) -> u32 {
        self.agents
    }

    /// The arrival rate λ.
    pub fn arrival_rate(&self) -> f64 {
        self.arrival_rate
    }

    /// The service rate μ of one agent.
    pub fn service_rate(&self) -> f64 {
        self.service_rate
    }

    /// The abandonment rate θ of one waiting customer (1 / mean patience).
    pub fn abandon_rate(&self) -> f64 {
        self.abandon_rate
    }

    /// The offered load `a = λ/μ` in Erlangs.
    pub fn offered_load(&self) -> f64 {
        self.offered_load
    }

    /// The probability that an arriving customer finds all agents busy and has
    /// to wait (possibly to abandon). O(1).
    pub fn prob_wait(&self) -> f64 {
        self.prob_wait
    }

    /// The probability that an arriving customer abandons before being
    /// answered. O(1).
    pub fn prob_abandon(&self) -> f64 {
        self.prob_abandon
    }

    /// The probability that a customer who has to wait abandons,
    /// `P(abandon) / P(wait)`. O(1).
    pub fn prob_abandon_given_wait(&self) -> f64 {
        if self.prob_wait > 0.0 {
            (self.prob_abandon / self.prob_wait).min(1.0)
        } else {
            0.0
        }
    }

    /// The probability that an arriving customer is answered,
    /// `1 − P(abandon)` (computed as a sum of positive terms, so accurate when
    /// small). O(1).
    pub fn prob_answered(&self) -> f64 {
        self.prob_served
    }

    /// `ln P(answered, W > t)`, for `t ≥ 0`.
    fn ln_answered_after(&self, t: f64) -> f64 {
        let s = self.abandon_rate * t;
        let u = (-s).exp();
        let one_minus_u = -(-s).exp_m1();
        let yu = self.y * u;
        let yu_minus = self.y_minus_x - self.y * one_minus_u - 1.0; // y·u − (x+1)
        let tail = tail(self.x + 1.0, yu, yu_minus);
        self.ln_pi_n - (1.0 / self.x).ln_1p() + tail.ln_a - (self.x + 1.0) * s
            + self.y * one_minus_u
    }

    /// The service level as the fraction of **all** arrivals that are answered
    /// within `threshold` (in the rates' time unit): `P(answered, W ≤ t)`.
    /// Customers who abandon count as not answered in time, whenever they
    /// abandon. This is the definition [`Target::ServiceLevel`] uses.
    ///
    /// At `t = 0` it is `P(no wait)`; as `t → ∞` it tends to `P(answered)`. A
    /// negative or NaN threshold counts as 0. For the other common definition
    /// see [`ErlangA::service_level_of_answered`].
    ///
    /// Computed as `P(answered) − P(answered, W > t)` by the closed form above
    /// when that subtraction is benign, else as `P(no wait) + P(answered,
    /// 0 < W ≤ t)` by quadrature, so it keeps its relative accuracy even when
    /// tiny (overload, short threshold).
    ///
    /// # Complexity
    ///
    /// One evaluation of `A(x+1, y·e^(−θt))`, O(1 + √(nμ/θ)) worst case, plus
    /// at most one O(1) quadrature.
    pub fn service_level(&self, threshold: f64) -> f64 {
        let no_wait = self.ln_no_wait.exp();
        if threshold.is_nan() || threshold <= 0.0 {
            return no_wait;
        }
        if threshold == f64::INFINITY {
            return self.prob_served;
        }
        let late = self.ln_answered_after(threshold).exp();
        if late <= 0.5 * self.prob_served {
            // no cancellation: the answered minus the answered late
            return (self.prob_served - late).clamp(no_wait, self.prob_served);
        }
        // Most of the answered wait longer than t: add the few answered in
        // (0, t] instead, P(answered, 0 < W ≤ t) = π_n·x·∫₀^θt e^φ(s) ds with
        // φ(s) = −(x+1)s + y(1 − e^(−s)) (substitute z = e^(−s) in the Beta
        // mixture), so the result keeps its relative accuracy when tiny.
        let ln_early = self.ln_pi_n
            + self.x.ln()
            + ln_laplace_integral(
                self.x + 1.0,
                self.y,
                self.y_minus_x - 1.0,
                false,
                self.abandon_rate * threshold,
            );
        (no_wait + ln_early.exp()).min(self.prob_served)
    }

    /// The service level among the **answered** customers:
    /// `P(W ≤ t | answered) = service_level(t) / P(answered)`. Abandoned
    /// customers are left out of both numerator and denominator.
    ///
    /// # Complexity
    ///
    /// As [`ErlangA::service_level`].
    pub fn service_level_of_answered(&self, threshold: f64) -> f64 {
        if self.prob_served > 0.0 {
            (self.service_level(threshold) / self.prob_served).min(1.0)
        } else {
            0.0
        }
    }

    /// The average speed of answer: the mean wait of the **answered**
    /// customers, `E[W | answered]` (those answered at once count with 0).
    ///
    /// # Complexity
    ///
    /// One adaptive Gauss–Kronrod quadrature of a smooth unimodal integrand:
    /// O(1), a few hundred evaluations of `exp`, whatever `n`, λ, μ, θ.
    pub fn asa(&self) -> f64 {
        // E[W | answered after waiting] = J·y / (θ·(A − 1)), J the integral;
        // weighted by P(answered after waiting | answered).
        let c = self.x + 1.0;
        let ln_j = ln_laplace_integral(c, self.y, self.y_minus_x - 1.0, true, f64::INFINITY);
        let ln_wait_of_waiters = ln_j - self.tail.ln_a_minus_1_over_y - self.abandon_rate.ln();
        let frac = sigmoid_neg(self.ln_no_wait - self.ln_served_after_wait);
        ln_wait_of_waiters.exp() * frac
    }

    /// The mean wait of **all** customers, answered or abandoned (an abandoned
    /// customer's wait is the time until it hung up): `P(abandon) / θ`. O(1).
    pub fn mean_wait(&self) -> f64 {
        self.prob_abandon / self.abandon_rate
    }

    /// The occupancy: the fraction of time an agent is busy, the answered load
    /// per agent, `a·P(answered) / n`. O(1).
    pub fn occupancy(&self) -> f64 {
        (self.offered_load * self.prob_served / f64::from(self.agents)).min(1.0)
    }
}

// ---------------------------------------------------------------------------
// Inverses
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Goal {
    ServiceLevel { fraction: f64, threshold: f64 },
    Asa(f64),
    Abandonment(f64),
}

fn goal(target: Target) -> Result<Goal, StaffingError> {
    let unit = |field: &'static str, value: f64| {
        if value > 0.0 && value < 1.0 {
            Ok(value)
        } else {
            Err(StaffingError::InvalidTarget {
                field,
                value,
                expected: "in the open interval (0, 1)",
            })
        }
    };
    match target {
        Target::ServiceLevel {
            fraction,
            threshold,
        } => {
            let fraction = unit("fraction", fraction)?;
            if !(threshold >= 0.0 && threshold.is_finite()) {
                return Err(StaffingError::InvalidTarget {
                    field: "threshold",
                    value: threshold,
                    expected: "finite and at least 0",
                });
            }
            Ok(Goal::ServiceLevel {
                fraction,
                threshold,
            })
        }
        Target::Asa(v) => {
            if v > 0.0 && v.is_finite() {
                Ok(Goal::Asa(v))
            } else {
                Err(StaffingError::InvalidTarget {
                    field: "asa",
                    value: v,
                    expected: "finite and greater than 0",
                })
            }
        }
        Target::Abandonment(p) => Ok(Goal::Abandonment(unit("abandonment", p)?)),
    }
}

/// The smallest number of agents for which the Erlang C queue meets `target`
/// (`Target::ServiceLevel` with [`ErlangC::service_level`],
/// `Target::Asa` with [`ErlangC::asa`]).
///
/// Starts at the smallest stable staffing `⌊a⌋ + 1` and steps up one agent at
/// a time, advancing the Erlang B recursion incrementally: every measure is
/// monotone in `n`, so the first `n` that meets the target is the answer, and
/// `n − 1` does not meet it (or is unstable). The result is exactly what
/// [`ErlangC::new`] would report at that `n`, bit for bit.
///
/// # Errors
///
/// [`StaffingError::InvalidRate`] for bad rates;
/// [`StaffingError::InvalidTarget`] for a target out of range;
/// [`StaffingError::UnsupportedTarget`] for `Target::Abandonment`;
/// [`StaffingError::OutOfRange`] if the load is out of range or
/// [`StaffingError::Unreachable`] if more than [`MAX_SEARCH_AGENTS`] would be
/// needed.
///
/// # Complexity
///
/// O(n*) time for the answer `n*` (≈ `a + β√a` recursion steps, of which
/// O(√a + ln(1/target)) evaluate the O(1) formulas); O(1) space. About 20 µs
/// at `n* ≈ 10,000`.
pub fn staff_erlang_c(
    arrival_rate: f64,
    service_rate: f64,
    target: Target,
) -> Result<u32, StaffingError> {
    let a = offered_load(arrival_rate, service_rate)?;
    let goal = goal(target)?;
    if let Goal::Abandonment(_) = goal {
        return Err(StaffingError::UnsupportedTarget {
            target: "abandonment",
            model: "Erlang C (no abandonment)",
        });
    }
    let start = a.floor() + 1.0;
    if start > f64::from(MAX_SEARCH_AGENTS) {
        return Err(StaffingError::OutOfRange {
            field: "offered_load",
            value: a,
            min: MIN_OFFERED_LOAD,
            max: f64::from(MAX_SEARCH_AGENTS),
        });
    }
    let mut ladder = Ladder::new(a);
    ladder.advance_to(start as u32);
    loop {
        let m = ErlangC::from_ladder(arrival_rate, service_rate, &ladder);
        let met = match goal {
            Goal::ServiceLevel {
                fraction,
                threshold,
            } => m.service_level(threshold) >= fraction,
            Goal::Asa(v) => m.asa() <= v,
            Goal::Abandonment(_) => unreachable!("rejected above"),
        };
        if met {
            return Ok(ladder.n);
        }
        if ladder.n >= MAX_SEARCH_AGENTS {
            return Err(StaffingError::Unreachable {
                limit: MAX_SEARCH_AGENTS,
            });
        }
        ladder.step();
    }
}

/// Erlang B ladders at any `n`, both upwards and downwards: snapshots every
/// `every` agents, so that reaching any `n` costs at most `every` steps beyond
/// the ground already covered. Identical, bit for bit, to advancing from 0.
struct LadderCache {
    snaps: Vec<Ladder>,
    every: u32,
}

impl LadderCache {
    fn new(a: f64, every: u32) -> Self {
        LadderCache {
            snaps: vec![Ladder::new(a)],
            every: every.max(1),
        }
    }

    fn at(&mut self, n: u32) -> Ladder {
        loop {
            let last = *self.snaps.last().expect("never empty");
            if u64::from(last.n) + u64::from(self.every) > u64::from(n) {
                break;
            }
            let mut next = last;
            next.advance_to(last.n + self.every);
            self.snaps.push(next);
        }
        let index = ((n / self.every) as usize).min(self.snaps.len() - 1);
        let mut ladder = self.snaps[index];
        ladder.advance_to(n);
        ladder
    }
}

/// The smallest number of agents for which the Erlang A queue meets `target`:
/// `Target::ServiceLevel` with [`ErlangA::service_level`] (fraction of all
/// arrivals answered within the threshold), `Target::Asa` with
/// [`ErlangA::asa`] (mean wait of the answered), `Target::Abandonment` with
/// [`ErlangA::prob_abandon`].
///
/// Erlang A is stable at any load, so the answer may lie below the offered
/// load `a`. A lower bound that no smaller staffing can beat follows from the
/// answered load never exceeding the capacity, `λ·P(answered) ≤ nμ`: a service
/// level `f` needs `n ≥ f·a`, an abandonment `p` needs `n ≥ (1 − p)·a`. The
/// search evaluates the model at `n = a` (clamped to that bound), gallops up
/// or down from there with strides `√a/4, √a/2, √a, …` until the target is
/// bracketed, then closes the bracket by regula falsi (Illinois variant, on a
/// slack that is roughly linear in `n`: the service level, or the logarithm
/// of ASA or abandonment) with a bisection whenever a step fails to halve it.
/// Erlang B comes from snapshots of its recursion taken every `√a/2` agents,
/// so each probe costs O(√a) steps of it beyond the ground covered once.
///
/// The search relies on the measures improving with `n` (proved for
/// `P(wait)`, `P(abandon)` and the service level by coupling; observed for
/// ASA, and checked in `tests/erlang.rs`). The answer `n` meets the target and
/// `n − 1` does not, as reported by [`ErlangA::new`] at those staffings, bit
/// for bit.
///
/// # Errors
///
/// As [`staff_erlang_c`], without `UnsupportedTarget`; also
/// [`StaffingError::OutOfRange`] if `λ/θ` exceeds [`MAX_RATE_RATIO`], or if
/// the target needs a staffing whose `nμ/θ` exceeds it (the field
/// `agents * service_rate / abandon_rate`, valued at the first such
/// staffing, as [`ErlangA::new`] reports it there): patience so long that
/// the model is Erlang C, so use [`staff_erlang_c`].
///
/// # Complexity
///
/// O(n*) recursion steps plus O(log(|n* − a|/√a) + log √a) evaluations of the
/// model (typically 6–12), each O(1 + √(nμ/θ)) worst case plus one O(1)
/// quadrature for an ASA target or an overloaded service level. Well under a
/// millisecond at `n* ≈ 10,000`; see `benches/staffing.rs`. O(√n*) space.
pub fn staff_erlang_a(
    arrival_rate: f64,
    service_rate: f64,
    abandon_rate: f64,
    target: Target,
) -> Result<u32, StaffingError> {
    let a = offered_load(arrival_rate, service_rate)?;
    let theta = check_rate("abandon_rate", abandon_rate)?;
    let goal = goal(target)?;
    let kappa = service_rate / theta;
    check_ratio("arrival_rate / abandon_rate", a * kappa)?;
    let in_range = (MAX_RATE_RATIO / kappa).floor();
    let limit = in_range.min(f64::from(MAX_SEARCH_AGENTS));
    // What lies past `limit` agents: staffings Erlang A is not computed
    // for (named as `ErlangA::new` names them: the parameter and its value
    // at the first of them), or more than the search tries.
    let beyond = |limit: u32| {
        if in_range < f64::from(MAX_SEARCH_AGENTS) {
            StaffingError::OutOfRange {
                field: "agents * service_rate / abandon_rate",
                value: f64::from(limit + 1) * kappa,
                min: f64::MIN_POSITIVE,
                max: MAX_RATE_RATIO,
            }
        } else {
            StaffingError::Unreachable { limit }
        }
    };
    if limit < 1.0 {
        return Err(beyond(0));
    }
    let limit = limit as u32;
    let bound = match goal {
        Goal::ServiceLevel { fraction, .. } => (fraction * a).ceil() - 1.0,
        Goal::Abandonment(p) => ((1.0 - p) * a).ceil() - 1.0,
        Goal::Asa(_) => 1.0,
    };
    let n_lo = bound.clamp(1.0, f64::from(limit)) as u32;
    let root_a = a.sqrt();
    let mut cache = LadderCache::new(a, (root_a / 2.0).ceil().min(4096.0) as u32);
    // (meets, slack): slack ≥ 0 exactly when the target is met.
    let mut eval = |n: u32| -> (bool, f64) {
        let ladder = cache.at(n);
        let m = ErlangA::from_ladder(arrival_rate, service_rate, abandon_rate, kappa, &ladder);
        let (met, slack) = match goal {
            Goal::ServiceLevel {
                fraction,
                threshold,
            } => {
                let sl = m.service_level(threshold);
                (sl >= fraction, sl - fraction)
            }
            Goal::Asa(v) => {
                let asa = m.asa();
                (asa <= v, v.ln() - asa.ln())
            }
            Goal::Abandonment(p) => {
                let ab = m.prob_abandon();
                (ab <= p, p.ln() - ab.ln())
            }
        };
        let slack = if met {
            slack.max(0.0)
        } else {
            slack.min(-f64::MIN_POSITIVE)
        };
        (met, slack)
    };

    let stride0 = ((root_a / 4.0).round() as u32).max(1);
    let start = a.round().clamp(f64::from(n_lo), f64::from(limit)) as u32;
    let (met, slack) = eval(start);
    // `lo` fails, `hi` meets.
    let (mut lo, mut f_lo, mut hi, mut f_hi);
    let mut stride = stride0;
    if met {
        (hi, f_hi) = (start, slack);
        loop {
            if hi == n_lo {
                return Ok(n_lo); // n_lo − 1 fails by the bound
            }
            let probe = hi.saturating_sub(stride).max(n_lo);
            let (met, slack) = eval(probe);
            if met {
                (hi, f_hi) = (probe, slack);
                stride = stride.saturating_mul(2);
            } else {
                (lo, f_lo) = (probe, slack);
                break;
            }
        }
    } else {
        (lo, f_lo) = (start, slack);
        loop {
            if lo >= limit {
                return Err(beyond(limit));
            }
            let probe = lo.saturating_add(stride).min(limit);
            let (met, slack) = eval(probe);
            if met {
                (hi, f_hi) = (probe, slack);
                break;
            }
            (lo, f_lo) = (probe, slack);
            stride = stride.saturating_mul(2);
        }
    }
    // Close the bracket: Illinois regula falsi, bisecting after a weak step.
    let mut last_side = 0_i8;
    let mut bisect = false;
    while hi - lo > 1 {
        let width = hi - lo;
        let mut probe = lo + width / 2;
        if !bisect && f_lo.is_finite() && f_hi.is_finite() && f_hi > f_lo {
            let t = -f_lo / (f_hi - f_lo);
            let guess = (f64::from(lo) + t * f64::from(width)).round();
            probe = guess.clamp(f64::from(lo + 1), f64::from(hi - 1)) as u32;
        }
        let (met, slack) = eval(probe);
        if met {
            (hi, f_hi) = (probe, slack);
            if last_side == 1 {
                f_lo *= 0.5;
            }
            last_side = 1;
        } else {
            (lo, f_lo) = (probe, slack);
            if last_side == -1 {
                f_hi *= 0.5;
            }
            last_side = -1;
        }
        bisect = 2 * (hi - lo) > width;
    }
    Ok(hi)
}

// ---------------------------------------------------------------------------
// Square-root staffing
// ---------------------------------------------------------------------------

/// Square-root staffing: `n = ⌈a + β·√a⌉` with `a = λ/μ` (Halfin & Whitt 1981;
/// Borst, Mandelbaum & Reiman 2004). A quick estimate, good to an agent or two
/// for moderate and large loads; `β` trades service for cost (β ≈ 0.5–2 is
/// typical; [`halfin_whitt_beta`] gives the `β` for a target `P(wait)`).
///
/// The inputs are not validated: the result is at least 1, saturates at
/// `u32::MAX`, and NaN or non-positive rates give 1. Use [`staff_erlang_c`] for
/// an exact, validated answer.
///
/// # Complexity
///
/// O(1).
///
/// ```
/// use skillroute::staffing::{halfin_whitt_beta, square_root_staffing};
/// let beta = halfin_whitt_beta(0.2)?; // P(wait) ≈ 20%
/// assert_eq!(square_root_staffing(1000.0, 1.0, beta), 1000 + (beta * 1000f64.sqrt()).ceil() as u32);
/// # Ok::<(), skillroute::staffing::StaffingError>(())
/// ```
pub fn square_root_staffing(arrival_rate: f64, service_rate: f64, beta: f64) -> u32 {
    if !(arrival_rate > 0.0 && service_rate > 0.0) {
        return 1; // NaN or non-positive rates (x / 0 would be a load of ∞)
    }
    let a = arrival_rate / service_rate;
    let n = (a + beta * a.sqrt()).ceil();
    if n >= f64::from(u32::MAX) {
        u32::MAX
    } else if n >= 1.0 {
        n as u32
    } else {
        1
    }
}

/// The Halfin–Whitt (1981) limit of the probability of waiting when
/// `n = a + β√a`: `P(wait) ≈ [1 + β·Φ(β)/φ(β)]⁻¹` (Φ, φ the standard normal
/// CDF and density). For `β ≤ 0` (or NaN) the limit is 1.
///
/// # Complexity
///
/// O(1) (at most ~120 series terms for Φ).
pub fn halfin_whitt_prob_wait(beta: f64) -> f64 {
    if beta.is_nan() || beta <= 0.0 {
        return 1.0;
    }
    sigmoid_neg(ln_hw_ratio(beta))
}

/// `ln(β·Φ(β)/φ(β))`.
fn ln_hw_ratio(beta: f64) -> f64 {
    beta.ln() + normal_cdf_nonneg(beta).ln() + 0.5 * beta * beta + LN_SQRT_2PI
}

/// The `β > 0` at which [`halfin_whitt_prob_wait`] equals `prob_wait`: the
/// quality-of-service parameter for [`square_root_staffing`].
///
/// # Errors
///
/// [`StaffingError::InvalidTarget`] unless `prob_wait` lies in (0, 1).
///
/// # Complexity
///
/// O(1): 100 bisection steps on `ln β` (the equation is monotone).
pub fn halfin_whitt_beta(prob_wait: f64) -> Result<f64, StaffingError> {
    if !(prob_wait > 0.0 && prob_wait < 1.0) {
        return Err(StaffingError::InvalidTarget {
            field: "prob_wait",
            value: prob_wait,
            expected: "in the open interval (0, 1)",
        });
    }
    // β·Φ(β)/φ(β) = 1/p − 1
    let goal = (1.0 - prob_wait).ln() - prob_wait.ln();
    let (mut lo, mut hi) = (-745.0_f64, 40.0_f64.ln());
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if ln_hw_ratio(mid.exp()) < goal {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn gauss_kronrod_is_exact_on_polynomials() {
        // K15 integrates degree ≤ 22 exactly, G7 degree ≤ 13.
        for deg in 0..=22 {
            let f = |t: f64| t.powi(deg);
            let (k, _) = gk15(&f, 0.0, 1.0);
            assert!(
                rel(k, 1.0 / f64::from(deg + 1)) < 1e-14,
                "degree {deg}: {k}"
            );
        }
        let f = |t: f64| t.powi(13);
        let (_, e) = gk15(&f, 0.0, 1.0);
        assert!(e < 1e-14);
        let gauss_sum = 2.0 * (WG[0] + WG[1] + WG[2]) + WG[3];
        assert!((gauss_sum - 2.0).abs() < 1e-15);
    }

    #[test]
    fn ln_gamma_matches_known_values() {
        // ln Γ(x+1) for integer x is ln x!; Γ(1/2) = √π.
        let mut ln_fact = 0.0_f64;
        for k in 1..=170 {
            ln_fact += f64::from(k).ln();
            let got = ln_gamma1p(f64::from(k));
            assert!(
                (got - ln_fact).abs() <= 1e-14 * ln_fact.max(1.0),
                "{k}: {got} vs {ln_fact}"
            );
        }
        let ln_sqrt_pi = 0.5 * std::f64::consts::PI.ln();
        assert!((ln_gamma1p(-0.5 + 1.0) - (ln_sqrt_pi - std::f64::consts::LN_2)).abs() < 1e-14);
        assert!(ln_gamma1p(0.0).abs() < 1e-14);
    }

    #[test]
    fn log1pmx_and_em_match_direct_forms_where_these_are_accurate() {
        for &d in &[-0.9, -0.5, -0.3, 0.1, 0.45, 0.5, 0.7, 3.0] {
            assert!(rel(log1pmx(d), d.ln_1p() - d) < 1e-13, "{d}");
        }
        assert!(rel(log1pmx(1e-8), -0.5e-16 + 1e-24 / 3.0) < 1e-14);
        for &d in &[-3.0, -0.6, 0.6, 2.0, 10.0] {
            assert!(rel(em(d), d + (-d).exp_m1()) < 1e-14, "{d}");
        }
        assert!(rel(em(1e-6), 0.5e-12 - 1e-18 / 6.0 + 1e-24 / 24.0) < 1e-15);
        assert!(rel(em(-0.3), -0.3 + 0.3_f64.exp_m1()) < 1e-13);
    }

    #[test]
    fn normal_cdf_known_values() {
        // Abramowitz & Stegun, Table 26.1.
        assert!((normal_cdf_nonneg(0.0) - 0.5).abs() < 1e-16);
        assert!((normal_cdf_nonneg(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        assert!((normal_cdf_nonneg(2.0) - 0.977_249_868_051_820_8).abs() < 1e-15);
        assert!((normal_cdf_nonneg(3.0) - 0.998_650_101_968_369_9).abs() < 1e-15);
    }

    /// `A(x, y)` and friends against the plain series summed term by term in
    /// f64 (fine at these sizes), on both sides of the series/fraction switch.
    #[test]
    fn tail_sums_match_plain_series() {
        for &(x, y) in &[
            (0.3, 0.1),
            (0.3, 5.0),
            (1.0, 1.5),
            (3.0, 3.9),
            (3.0, 4.1),
            (10.0, 30.0),
            (50.0, 40.0),
            (50.0, 60.0),
            (200.0, 199.5),
            (200.0, 201.5),
            (200.0, 300.0),
        ] {
            let (mut a, mut s1, mut t) = (1.0_f64, 0.0_f64, 1.0_f64);
            for j in 1..100_000 {
                t *= y / (x + f64::from(j));
                a += t;
                s1 += f64::from(j) * t;
                if t < 1e-30 * a && f64::from(j) > y {
                    break;
                }
            }
            let tl = tail(x, y, y - x);
            assert!(
                rel(tl.ln_a.exp(), a) < 1e-13,
                "A({x},{y}): {} vs {a}",
                tl.ln_a.exp()
            );
            assert!(
                rel(tl.ln_a_minus_1_over_y.exp(), (a - 1.0) / y) < 1e-13,
                "A−1 ({x},{y})"
            );
            assert!(rel(tl.ln_s1_over_y.exp(), s1 / y) < 1e-13, "S1 ({x},{y})");
        }
    }

    #[test]
    fn integral_matches_closed_form_in_the_erlang_c_limit() {
        // y → 0: ∫ s e^(−cs) ds = 1/c².
        let v = ln_laplace_integral(2.0, 1e-300, -2.0, true, f64::INFINITY).exp();
        assert!(rel(v, 0.25) < 1e-13, "{v}");
        // Crude trapezoid on a fine grid for a moderate case.
        let (c, y) = (5.0_f64, 8.0_f64);
        let mut sum = 0.0;
        let hstep = 1e-4;
        for k in 1..400_000 {
            let s = f64::from(k) * hstep;
            sum += s * (-c * s + y * (1.0 - (-s).exp())).exp();
        }
        sum *= hstep;
        let v = ln_laplace_integral(c, y, y - c, true, f64::INFINITY).exp();
        assert!(rel(v, sum) < 1e-8, "{v} vs {sum}");
    }

    #[test]
    fn ladder_rescales_without_overflow() {
        let mut l = Ladder::new(1.0);
        l.advance_to(100_000);
        assert!(l.ln_scale > 0.0);
        assert_eq!(l.erlang_b(), 0.0);
        assert!(l.ln_big_r().is_finite());
        // ln(1/B(n)) ≈ ln n! − n + … for a = 1: ln R(n) = ln(n!) + ln(Σ…) ≥ ln n!
        assert!(l.ln_big_r() > ln_gamma1p(100_000.0) - 1.0);
    }

    #[test]
    fn halfin_whitt_round_trip() {
        for &p in &[1e-12, 0.01, 0.2, 0.5, 0.8, 0.999] {
            let b = halfin_whitt_beta(p).unwrap();
            assert!(
                rel(halfin_whitt_prob_wait(b), p) < 1e-12,
                "{p}: β = {b}, {}",
                halfin_whitt_prob_wait(b)
            );
        }
    }
}
