//! Analytic staffing: Erlang B, Erlang C and Erlang A (M/M/n+M), their inverses
//! and square-root staffing.
//!
//! The analytic part is domain-free: it knows rates and agent counts, nothing
//! of contacts, skills or the router, and imports nothing else of the crate.
//! The simulation-based search ([`SimStaffing`], module [`sim`]) is the bridge
//! to the simulator: for multi-skill centers, where the formulas are wrong.
//!
//! * [`erlang_b`] — blocking probability of the loss system M/M/n/n.
//! * [`ErlangC`] — the delay system M/M/n (customers wait as long as it takes):
//!   probability of waiting, service level, ASA, occupancy.
//! * [`ErlangA`] — M/M/n+M (Palm's model: each waiting customer abandons at
//!   rate θ): the same measures plus the probability of abandonment; stable for
//!   any load, so it also answers "what if we are understaffed?".
//! * [`staff_erlang_c`], [`staff_erlang_a`] — the smallest number of agents that
//!   meets a [`Target`] (service level, ASA or abandonment).
//! * [`SimStaffing`] — the smallest staffing per agent group and interval that
//!   meets every contact type's target in a multi-skill [`Scenario`](crate::sim::Scenario),
//!   found with the simulator (common random numbers, confidence intervals),
//!   and compared with the per-skill Erlang answer.
//! * [`square_root_staffing`], [`halfin_whitt_beta`],
//!   [`halfin_whitt_prob_wait`] — the quick Halfin–Whitt estimate
//!   `n = ⌈a + β√a⌉`.
//!
//! Constructors validate their input once and return [`StaffingError`]; after
//! that every method is infallible: it returns a finite number (or `+∞` for a
//! documented limit), never NaN.
//!
//! # Units
//!
//! Rates are per one time unit of your choosing (per second, per minute, per
//! hour…), the same for every rate of one call; thresholds and ASA are in that
//! unit. The offered load is `a = arrival_rate / service_rate` Erlangs.
//!
//! # Example
//!
//! ```
//! use skillroute::staffing::{staff_erlang_a, staff_erlang_c, ErlangA, ErlangC, Target};
//!
//! // 100 calls per 30 minutes, 3-minute calls (rates per minute): 10 Erlangs.
//! let (calls, aht) = (100.0 / 30.0, 3.0);
//! let c = ErlangC::new(calls, 1.0 / aht, 12)?;
//! assert!(c.prob_wait() > 0.44 && c.prob_wait() < 0.45);
//! let within_20s = c.service_level(20.0 / 60.0);
//!
//! // The smallest staffing that answers 80% of calls within 20 seconds:
//! let target = Target::ServiceLevel { fraction: 0.8, threshold: 20.0 / 60.0 };
//! let n = staff_erlang_c(calls, 1.0 / aht, target)?;
//! assert!(ErlangC::new(calls, 1.0 / aht, n)?.service_level(20.0 / 60.0) >= 0.8);
//! assert!(ErlangC::new(calls, 1.0 / aht, n - 1)?.service_level(20.0 / 60.0) < 0.8);
//! assert!(within_20s < 0.8);
//!
//! // Customers who hang up after 5 minutes on average (θ = 1/5 per minute):
//! let m = ErlangA::new(calls, 1.0 / aht, 1.0 / 5.0, 9)?; // fewer agents than Erlangs: still stable
//! assert!(m.prob_abandon() > 0.0 && m.prob_abandon() < 1.0);
//! let n_a = staff_erlang_a(calls, 1.0 / aht, 1.0 / 5.0, Target::Abandonment(0.05))?;
//! assert!(n_a <= 12);
//! # Ok::<(), skillroute::staffing::StaffingError>(())
//! ```
//!
//! # Numerical methods
//!
//! No factorial or power is ever formed, so nothing overflows for any number of
//! agents (10,000 and beyond) or load (thousands of Erlangs and beyond).
//!
//! * **Erlang B** by the recursion on its inverse,
//!   `1/B(k) = 1 + (k/a)·1/B(k−1)`, `1/B(0) = 1` (Jagerman 1974): a sum of
//!   positive terms, so forward-stable; the running value is rescaled by an exact
//!   scale kept in log form when it grows past 10¹⁵⁰, so it never overflows.
//! * **Erlang C** from it: with `R = 1/B − 1` and `ρ = a/n`,
//!   `C = B / (1 − ρ(1 − B)) = 1 / (1 + (1 − ρ)·R)` (e.g. Cooper 1981, §3).
//! * **Erlang A** by the formulas of Garnett, Mandelbaum & Reiman (2002): with
//!   `x = nμ/θ`, `y = λ/θ` and the scaled incomplete gamma function
//!   `A(x, y) = x·e^y·y^(−x)·γ(x, y) = Σ_{j≥0} y^j / ((x+1)(x+2)…(x+j))`,
//!   `P(wait) = A·B / (1 + (A − 1)·B)`. `A` is evaluated in log form, by its
//!   series when `y < x + 1` and by Legendre's continued fraction for the upper
//!   incomplete gamma function (modified Lentz) otherwise (Press et al. 2007,
//!   §6.2); the Poisson-like prefactor `y^x e^(−y)/Γ(x+1)` is formed from
//!   `x·(ln(1+d) − d)`, `d = (y−x)/x`, and Stirling's series, so that loads and
//!   patience parameters in the millions keep full relative accuracy. The other
//!   measures are derived in [`ErlangA`]'s documentation; the mean wait of the
//!   served customers is a one-dimensional integral of a log-concave function,
//!   integrated by adaptive Gauss–Kronrod (7–15) quadrature (Piessens et al.
//!   1983) around its located peak.
//! * **Inverses** start from a lower bound that follows from the offered load
//!   (`n > a` for Erlang C; `n ≥ f·a` for a service level `f` and `n ≥ a(1−p)`
//!   for an abandonment `p` under Erlang A, since the answered load cannot
//!   exceed the capacity). Erlang C steps up one agent at a time, advancing
//!   the Erlang B recursion and evaluating its O(1) formulas. Erlang A, whose
//!   evaluations cost more, gallops from `n ≈ a` in strides of `√a/4, √a/2, …`
//!   until the target is bracketed and closes the bracket by regula falsi
//!   (Illinois) with a bisection safeguard, typically 6–12 evaluations; Erlang
//!   B comes from snapshots of the recursion. All the measures improve
//!   monotonically with `n`, which both searches rely on; the answer `n` meets
//!   the target and `n − 1` does not, exactly as the forward types report.
//!
//! Checked in `tests/erlang.rs` against the birth–death chain solved
//! numerically, a uniformization of the waiting-time chain and first-step
//! analysis, at n from 1 to 10,000, ρ from 0.5 to 1.2 and θ/μ from 0.1 to 10:
//! relative errors stay below ~10⁻¹², tiny probabilities (10⁻⁸⁰) included.
//!
//! # References
//!
//! * D. L. Jagerman, "Some properties of the Erlang loss function", *Bell
//!   System Technical Journal* 53(3), 525–551 (1974).
//! * R. B. Cooper, *Introduction to Queueing Theory*, 2nd ed., North-Holland (1981).
//! * O. Garnett, A. Mandelbaum and M. Reiman, "Designing a call center with
//!   impatient customers", *Manufacturing & Service Operations Management* 4(3),
//!   208–227 (2002).
//! * A. Mandelbaum and S. Zeltyn, "Service engineering in action: the Palm/Erlang-A
//!   queue, with applications to call centers", in *Advances in Services
//!   Innovations*, Springer, 17–45 (2007).
//! * S. Halfin and W. Whitt, "Heavy-traffic limits for queues with many
//!   exponential servers", *Operations Research* 29(3), 567–588 (1981).
//! * S. Borst, A. Mandelbaum and M. Reiman, "Dimensioning large call centers",
//!   *Operations Research* 52(1), 17–34 (2004).
//! * W. H. Press, S. A. Teukolsky, W. T. Vetterling and B. P. Flannery,
//!   *Numerical Recipes*, 3rd ed., Cambridge University Press (2007), §6.2.
//! * R. Piessens, E. de Doncker-Kapenga, C. Überhuber and D. Kahaner,
//!   *QUADPACK*, Springer (1983).

// Without `sim` the links above to the simulation-based search have no
// target; the analytic part they sit beside is still documented.
#![cfg_attr(not(feature = "sim"), allow(rustdoc::broken_intra_doc_links))]

mod erlang;
#[cfg(feature = "sim")]
pub mod sim;

pub use erlang::{
    ErlangA, ErlangC, MAX_RATE_RATIO, MAX_SEARCH_AGENTS, MIN_OFFERED_LOAD, erlang_b,
    halfin_whitt_beta, halfin_whitt_prob_wait, square_root_staffing, staff_erlang_a,
    staff_erlang_c,
};
#[cfg(feature = "sim")]
pub use sim::{
    DEFAULT_MAX_AGENTS, IntervalStaffing, MAX_SCENARIO_AGENTS, MeetRule, SimStaffing,
    SimStaffingError, StaffingPoint, StaffingTable, chained_scenario, single_skill_scenario,
};

/// What a staffing search must achieve; see [`staff_erlang_c`] and
/// [`staff_erlang_a`].
///
/// Times are in the time unit of the rates.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Target {
    /// At least `fraction` of the customers answered within `threshold`
    /// (e.g. 80 % within 20 s: `fraction: 0.8, threshold: 20.0` with rates per
    /// second). `fraction` must lie in (0, 1), `threshold` be finite and ≥ 0.
    ///
    /// Under Erlang A this is the fraction of **all** arrivals answered within
    /// the threshold (abandoned customers count as not answered in time), as
    /// given by [`ErlangA::service_level`].
    ServiceLevel {
        /// The fraction to reach, in (0, 1).
        fraction: f64,
        /// The threshold, finite and ≥ 0.
        threshold: f64,
    },
    /// Average speed of answer (mean wait of the answered customers) at most
    /// this value, finite and > 0.
    Asa(f64),
    /// Probability of abandonment at most this value, in (0, 1). Erlang A only.
    Abandonment(f64),
}

/// Why a staffing computation was refused. Every variant names the offending
/// field and its value.
///
/// None of these depends on hidden state: the same input always gives the same
/// error, and nothing is left half-done.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StaffingError {
    /// A rate (or the offered load) is zero, negative, infinite or NaN.
    #[error("`{field}` must be a finite number greater than 0, got {}", readable(*.value))]
    InvalidRate {
        /// The parameter: `arrival_rate`, `service_rate`, `abandon_rate` or
        /// `offered_load`.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// `agents` is 0: Erlang C and Erlang A need at least one agent.
    #[error("`agents` must be at least 1, got 0")]
    NoAgents,
    /// Erlang C with an offered load `a = λ/μ` at least the number of agents
    /// (`ρ = a/n ≥ 1`): the queue grows without bound. Add agents, or model the
    /// customers' patience with [`ErlangA`], which is stable at any load.
    #[error(
        "Erlang C is unstable: offered load {} Erlangs (arrival_rate / service_rate) \
         needs more than `agents` = {agents}; use Erlang A to model abandonment",
        readable(*.offered_load)
    )]
    Unstable {
        /// The offered load `a = arrival_rate / service_rate`, in Erlangs.
        offered_load: f64,
        /// The number of agents given.
        agents: u32,
    },
    /// A target lies outside its range.
    #[error("target `{field}` must be {expected}, got {}", readable(*.value))]
    InvalidTarget {
        /// The target's field: `fraction`, `threshold`, `asa`, `abandonment` or
        /// `prob_wait`.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The range it must lie in, in words.
        expected: &'static str,
    },
    /// The target does not exist in this model (abandonment under Erlang C).
    #[error("target `{target}` is not defined in the {model} model")]
    UnsupportedTarget {
        /// The target's name.
        target: &'static str,
        /// The model asked.
        model: &'static str,
    },
    /// A derived parameter lies beyond what the numerics support (see
    /// [`MIN_OFFERED_LOAD`], [`MAX_RATE_RATIO`], [`MAX_SEARCH_AGENTS`]).
    #[error(
        "`{field}` = {} is outside the supported range: {}",
        readable(*.value),
        range(*.min, *.max)
    )]
    OutOfRange {
        /// The parameter, e.g. `offered_load` or `arrival_rate / abandon_rate`.
        field: &'static str,
        /// Its value.
        value: f64,
        /// The smallest value supported.
        min: f64,
        /// The largest value supported.
        max: f64,
    },
    /// No number of agents up to `limit` meets the target.
    #[error("no staffing up to {limit} agents meets the target")]
    Unreachable {
        /// The largest number of agents tried.
        limit: u32,
    },
}

/// A supported range in words: a bound that is only the end of `f64`
/// (`f64::MIN_POSITIVE`, `f64::MAX`) is said as "greater than 0" or left
/// out, not written as 2.2250738585072014e-308 or 1.7976931348623157e308.
fn range(min: f64, max: f64) -> String {
    match (min == f64::MIN_POSITIVE, max == f64::MAX) {
        (true, true) => "greater than 0".into(),
        (true, false) => format!("greater than 0 and at most {}", readable(max)),
        (false, true) => format!("at least {}", readable(min)),
        (false, false) => format!("[{}, {}]", readable(min), readable(max)),
    }
}

/// A number for an error message: in exponent form from 1e9 (rates and
/// ratios, where `1e10` reads better than its digits).
fn readable(x: f64) -> String {
    crate::model::short_number(x, 1e9)
}
