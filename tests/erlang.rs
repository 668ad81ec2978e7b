//! Independent checks of `skillroute::staffing`.
//!
//! The library computes Erlang B by a recursion on 1/B, Erlang A through the
//! incomplete gamma function (series / continued fraction) and a quadrature.
//! This file recomputes every measure another way:
//!
//! * the stationary distribution of the birth–death chain, solved numerically
//!   in log space (cumulative log-ratios, normalised by a compensated sum),
//!   truncated far into the tail;
//! * the waiting-time distribution of a tagged arrival by **uniformization**
//!   (Jensen's method) of the Markov chain "number of customers ahead of me",
//!   with self-abandonment as a killing rate, started from the chain's
//!   stationary queue — a transient computation, with no closed form at all;
//! * the mean wait of the answered by first-step analysis of the same chain
//!   (competing exponential clocks), summed over the stationary queue.
//!
//! Each check runs at many points: small n, n = 100, 1,000 and 10,000 with
//! loads in the thousands, ρ from 0.5 to 0.99 (and overloaded for Erlang A),
//! θ < μ, θ = μ and θ > μ. The maximum relative errors seen are printed
//! (`cargo test --release --test erlang -- --nocapture`).

use skillroute::staffing::{
    ErlangA, ErlangC, StaffingError, Target, erlang_b, halfin_whitt_beta, halfin_whitt_prob_wait,
    square_root_staffing, staff_erlang_a, staff_erlang_c,
};

// ---------------------------------------------------------------------------
// Reference machinery
// ---------------------------------------------------------------------------

/// Neumaier's compensated sum.
fn ksum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0_f64, 0.0_f64);
    for v in values {
        let t = s + v;
        if s.abs() >= v.abs() {
            c += (s - t) + v;
        } else {
            c += (v - t) + s;
        }
        s = t;
    }
    s + c
}

/// The birth–death chain of M/M/n+M (θ = 0: M/M/n), stationary distribution.
struct Chain {
    mu: f64,
    theta: f64,
    n: usize,
    /// π_k, k = 0..=K.
    pi: Vec<f64>,
    /// π_{n+j} / P(wait): the queue seen by a customer who waits, normalised
    /// on its own so that it stays exact when P(wait) underflows.
    queue_given_wait: Vec<f64>,
}

impl Chain {
    fn new(lambda: f64, mu: f64, theta: f64, n: usize) -> Chain {
        let death = |k: usize| -> f64 {
            let busy = k.min(n) as f64;
            let waiting = k.saturating_sub(n) as f64;
            busy * mu + waiting * theta
        };
        // log π_k = Σ_{i≤k} (ln λ − ln d_i), summed with compensation so
        // that the error does not grow with k.
        let ln_lambda = lambda.ln();
        let mut logs = vec![0.0_f64];
        let (mut acc, mut comp) = (0.0_f64, 0.0_f64);
        let mut best = 0.0_f64;
        let mut best_tail = f64::MIN;
        let mut k = 0usize;
        loop {
            k += 1;
            let v = ln_lambda - death(k).ln();
            let t = acc + v;
            if acc.abs() >= v.abs() {
                comp += (acc - t) + v;
            } else {
                comp += (v - t) + acc;
            }
            acc = t;
            let l = acc + comp;
            logs.push(l);
            best = best.max(l);
            if k >= n {
                best_tail = best_tail.max(l);
            }
            // stop far into a decreasing tail (relative to the queue's own
            // largest term, so that P(wait) keeps its relative accuracy)
            if k > n && l < best_tail - 80.0 && lambda < death(k + 1) {
                break;
            }
            assert!(k < 5_000_000, "chain does not converge");
        }
        let unnorm: Vec<f64> = logs.iter().map(|&l| (l - best).exp()).collect();
        let total = ksum(unnorm.iter().copied());
        let q: Vec<f64> = logs[n..].iter().map(|&l| (l - best_tail).exp()).collect();
        let total_q = ksum(q.iter().copied());
        Chain {
            mu,
            theta,
            n,
            pi: unnorm.iter().map(|p| p / total).collect(),
            queue_given_wait: q.iter().map(|p| p / total_q).collect(),
        }
    }

    /// π_{n+j}, j = 0..
    fn queue(&self) -> &[f64] {
        &self.pi[self.n..]
    }

    fn prob_wait(&self) -> f64 {
        ksum(self.queue().iter().copied())
    }

    /// Summed directly, not as 1 − P(wait), so that it stays exact when tiny.
    fn prob_no_wait(&self) -> f64 {
        ksum(self.pi[..self.n].iter().copied())
    }

    /// E[number waiting].
    fn mean_queue(&self) -> f64 {
        ksum(self.queue().iter().enumerate().map(|(j, p)| j as f64 * p))
    }

    /// Erlang C: E[W | wait] = Σ_j P(j ahead | wait)·(j+1)/(nμ).
    fn wait_given_wait(&self) -> f64 {
        let rate = self.n as f64 * self.mu;
        ksum(
            self.queue_given_wait
                .iter()
                .enumerate()
                .map(|(j, p)| p * (j as f64 + 1.0) / rate),
        )
    }

    fn occupancy(&self) -> f64 {
        let busy = ksum(
            self.pi
                .iter()
                .enumerate()
                .map(|(k, p)| k.min(self.n) as f64 * p),
        );
        busy / self.n as f64
    }

    /// Rate at which the tagged customer in position j (j ahead) moves up.
    fn advance_rate(&self, j: usize) -> f64 {
        self.n as f64 * self.mu + j as f64 * self.theta
    }

    /// P(answered) per arrival, by first-step analysis: from position j the
    /// customer is answered iff every step is an advance, probability
    /// Π_{m=0..j} α_m/(α_m + θ).
    fn prob_answered(&self) -> f64 {
        let mut terms = vec![self.prob_no_wait()];
        let mut through = 1.0;
        for (j, p) in self.queue().iter().enumerate() {
            let alpha = self.advance_rate(j);
            through *= alpha / (alpha + self.theta);
            terms.push(p * through);
        }
        ksum(terms)
    }

    /// E[W; answered] by first-step analysis: the time spent in position m is
    /// Exp(α_m + θ) whichever clock rings, independent of which one it is.
    fn wait_answered(&self) -> f64 {
        let mut terms = Vec::new();
        let (mut through, mut time) = (1.0, 0.0);
        for (j, p) in self.queue().iter().enumerate() {
            let alpha = self.advance_rate(j);
            through *= alpha / (alpha + self.theta);
            time += 1.0 / (alpha + self.theta);
            terms.push(p * through * time);
        }
        ksum(terms)
    }

    /// P(answered, W ≤ t) per arrival, by uniformization of the tagged
    /// customer's position chain started from the stationary queue.
    fn answered_within(&self, t: f64) -> f64 {
        if t == 0.0 {
            return self.prob_no_wait();
        }
        let q = self.queue();
        let m = q.len();
        let big_lambda = self.advance_rate(m) + self.theta;
        let mean = big_lambda * t;
        let mut w: Vec<f64> = q.to_vec();
        let mut next = vec![0.0; m];
        let stay: Vec<f64> = (0..m)
            .map(|j| 1.0 - (self.advance_rate(j) + self.theta) / big_lambda)
            .collect();
        let up: Vec<f64> = (0..m).map(|j| self.advance_rate(j) / big_lambda).collect();
        let no_wait = self.prob_no_wait();
        let mut served = 0.0_f64;
        let mut served_c = 0.0_f64; // compensation
        let mut ln_fact = 0.0_f64;
        let mut acc = Vec::new();
        let mut running = 0.0_f64;
        let mut k = 0usize;
        loop {
            if k > 0 {
                ln_fact += (k as f64).ln();
                // one jump
                let inc = w[0] * up[0];
                let tt = served + inc;
                served_c += (served - tt) + inc;
                served = tt;
                for j in 0..m {
                    let from_behind = if j + 1 < m { w[j + 1] * up[j + 1] } else { 0.0 };
                    next[j] = w[j] * stay[j] + from_behind;
                }
                std::mem::swap(&mut w, &mut next);
            }
            let ln_p = -mean + k as f64 * mean.ln() - ln_fact;
            let term = ln_p.exp() * (served + served_c);
            acc.push(term);
            running += term;
            // Stop once the Poisson tail beyond k, times all the mass that
            // could still be served, is negligible even against a tiny result.
            let kf = k as f64 + 1.0;
            if kf > mean + 1.0 {
                let tail_bound = (ln_p + (mean / kf).ln() - (1.0 - mean / kf).ln()).exp();
                if tail_bound <= 1e-17 * (no_wait + running) {
                    break;
                }
            }
            k += 1;
            assert!(k < 1_000_000, "uniformization does not converge");
        }
        no_wait + ksum(acc)
    }
}

/// Erlang B from the loss chain (states 0..=n), in log space.
fn erlang_b_reference(a: f64, n: usize) -> f64 {
    let mut logs = vec![0.0_f64];
    let terms: Vec<f64> = (1..=n).map(|k| a.ln() - (k as f64).ln()).collect();
    for k in 1..=n {
        logs.push(ksum(terms[..k].iter().copied()));
    }
    let best = logs.iter().copied().fold(f64::MIN, f64::max);
    let total = ksum(logs.iter().map(|l| (l - best).exp()));
    (logs[n] - best).exp() / total
}

/// Largest error seen per measure; `check` asserts and records.
#[derive(Default)]
struct Errors(Vec<(&'static str, f64, String)>);

impl Errors {
    /// Asserts `got ≈ want` within `rel` relative or `abs` absolute, records
    /// the relative error.
    fn check(&mut self, what: &'static str, got: f64, want: f64, rel: f64, abs: f64, at: &str) {
        assert!(got.is_finite(), "{what} at {at}: {got}");
        let diff = (got - want).abs();
        let r = if want != 0.0 { diff / want.abs() } else { diff };
        assert!(
            diff <= rel * want.abs() || diff <= abs,
            "{what} at {at}: got {got:e}, reference {want:e} (relative error {r:e})"
        );
        match self.0.iter_mut().find(|e| e.0 == what) {
            Some(e) if e.1 >= r => {}
            Some(e) => {
                e.1 = r;
                e.2 = at.to_string();
            }
            None => self.0.push((what, r, at.to_string())),
        }
    }

    fn print(&self, title: &str) {
        println!("{title}: maximum relative error");
        for (what, r, at) in &self.0 {
            println!("  {what:<28} {r:9.2e}  at {at}");
        }
    }
}

const SIZES: [usize; 9] = [1, 2, 3, 5, 10, 20, 100, 1000, 10_000];
const RHOS: [f64; 5] = [0.5, 0.7, 0.9, 0.95, 0.99];

// ---------------------------------------------------------------------------
// Erlang B
// ---------------------------------------------------------------------------

#[test]
fn erlang_b_matches_the_loss_chain() {
    let mut errs = Errors::default();
    for &n in &SIZES {
        for &load in &[0.01, 0.5, 0.9, 1.0, 1.5, 4.0] {
            let a = load * n as f64;
            let at = format!("n={n}, a={a}");
            let got = erlang_b(a, n as u32).unwrap();
            errs.check("erlang_b", got, erlang_b_reference(a, n), 1e-11, 0.0, &at);
        }
    }
    // Loads in the thousands at n = 10,000 and beyond.
    for &(a, n) in &[
        (5000.0, 10_000),
        (9000.0, 10_000),
        (12_000.0, 10_000),
        (1234.5, 1300),
        (20_000.0, 20_000),
    ] {
        let at = format!("n={n}, a={a}");
        errs.check(
            "erlang_b",
            erlang_b(a, n as u32).unwrap(),
            erlang_b_reference(a, n),
            1e-11,
            0.0,
            &at,
        );
    }
    errs.print("Erlang B vs loss chain");
}

/// Published values.
#[test]
fn erlang_b_published_table() {
    // The standard Erlang B traffic table, 1 % blocking column (the offered
    // load in Erlangs that n circuits carry at B = 0.01), as reprinted in
    // teletraffic handbooks and traffic-table tools since Erlang's time:
    // n = 10 → 4.461, n = 20 → 12.031, n = 50 → 37.901, n = 100 → 84.064.
    // The loads are rounded to 3 decimals, so B is 0.01 to ~1e-5.
    for &(n, a) in &[(10, 4.461), (20, 12.031), (50, 37.901), (100, 84.064)] {
        let b = erlang_b(a, n).unwrap();
        assert!((b - 0.01).abs() < 2e-5, "n={n}, a={a}: B={b}");
    }
    // Hand-checkable: B(a=1, n=1) = a/(1+a); B(2, 2) = 2/(1+2+2).
    assert!((erlang_b(1.0, 1).unwrap() - 0.5).abs() < 1e-16);
    assert!((erlang_b(2.0, 2).unwrap() - 0.4).abs() < 1e-16);
    assert_eq!(erlang_b(3.0, 0).unwrap(), 1.0);
}

// ---------------------------------------------------------------------------
// Erlang C
// ---------------------------------------------------------------------------

#[test]
fn erlang_c_matches_the_chain() {
    let mut errs = Errors::default();
    for &n in &SIZES {
        for &rho in &RHOS {
            // μ in "per minute" for 3-minute calls, to exercise units.
            let mu = 1.0 / 3.0;
            let lambda = rho * n as f64 * mu;
            let at = format!("n={n}, rho={rho}");
            let c = ErlangC::new(lambda, mu, n as u32).unwrap();
            let chain = Chain::new(lambda, mu, 0.0, n);
            let pw = chain.prob_wait();
            errs.check("prob_wait", c.prob_wait(), pw, 1e-10, 0.0, &at);
            // ASA: E[W] = Σ_j π_{n+j}(j+1)/(nμ), first-step analysis.
            errs.check("asa", c.asa(), chain.wait_answered(), 1e-10, 0.0, &at);
            errs.check(
                "mean_wait_given_wait",
                c.mean_wait_given_wait(),
                chain.wait_given_wait(),
                1e-10,
                0.0,
                &at,
            );
            errs.check(
                "occupancy",
                c.occupancy(),
                chain.occupancy(),
                1e-12,
                0.0,
                &at,
            );
            let scale = 1.0 / (mu * (n as f64).sqrt());
            for &t in &[0.2 * scale, scale] {
                let at = format!("n={n}, rho={rho}, t={t:.4}");
                errs.check(
                    "service_level",
                    c.service_level(t),
                    chain.answered_within(t),
                    1e-10,
                    1e-14,
                    &at,
                );
            }
        }
    }
    errs.print("Erlang C vs chain");
}

#[test]
fn erlang_c_published_example() {
    // The worked example of Call Centre Helper's "Erlang C formula – made
    // simple" (callcentrehelper.com), also reproduced by many Erlang C
    // calculators: 100 calls per 30 minutes, AHT 180 s (10 Erlangs), service
    // level target 20 s. Published: 11 agents → P(wait) 68.21 %, 12 → 44.94 %,
    // 14 → 17.41 %.
    let lambda = 100.0 / 1800.0; // per second
    let mu = 1.0 / 180.0;
    let c = |n| ErlangC::new(lambda, mu, n).unwrap();
    assert!(
        (c(11).prob_wait() - 0.6821).abs() < 5e-5,
        "{}",
        c(11).prob_wait()
    );
    assert!(
        (c(12).prob_wait() - 0.4494).abs() < 5e-5,
        "{}",
        c(12).prob_wait()
    );
    assert!(
        (c(14).prob_wait() - 0.1741).abs() < 5e-5,
        "{}",
        c(14).prob_wait()
    );
    // Hand-checkable from those: SL(20 s) = 1 − C·e^(−(14−10)·20/180), ASA = C·180/4.
    let c14 = c(14);
    let sl = 1.0 - c14.prob_wait() * (-4.0_f64 * 20.0 / 180.0).exp();
    assert!((c14.service_level(20.0) - sl).abs() < 1e-15);
    assert!((c14.asa() - c14.prob_wait() * 45.0).abs() < 1e-12);
}

// ---------------------------------------------------------------------------
// Erlang A
// ---------------------------------------------------------------------------

#[test]
fn erlang_a_matches_the_chain() {
    let mut errs = Errors::default();
    let sizes = [1usize, 3, 10, 100, 1000, 10_000];
    let rhos = [0.5, 0.9, 0.99, 1.0, 1.2];
    for &n in &sizes {
        for &rho in &rhos {
            for &theta_over_mu in &[0.1, 1.0, 10.0] {
                let mu = 1.0;
                let theta = theta_over_mu * mu;
                let lambda = rho * n as f64 * mu;
                let at = format!("n={n}, rho={rho}, theta/mu={theta_over_mu}");
                let m = ErlangA::new(lambda, mu, theta, n as u32).unwrap();
                let chain = Chain::new(lambda, mu, theta, n);
                let pw = chain.prob_wait();
                errs.check("prob_wait", m.prob_wait(), pw, 1e-10, 0.0, &at);
                // P(abandon) two ways in the reference: θE[Q]/λ (rate
                // balance) and 1 − P(answered) by first-step analysis.
                let p_ab = theta * chain.mean_queue() / lambda;
                let answered = chain.prob_answered();
                assert!(
                    (p_ab - (1.0 - answered)).abs() < 1e-12,
                    "reference disagrees with itself at {at}"
                );
                errs.check("prob_abandon", m.prob_abandon(), p_ab, 1e-10, 0.0, &at);
                errs.check(
                    "prob_answered",
                    m.prob_answered(),
                    answered,
                    1e-10,
                    0.0,
                    &at,
                );
                errs.check(
                    "mean_wait (all)",
                    m.mean_wait(),
                    chain.mean_queue() / lambda,
                    1e-10,
                    0.0,
                    &at,
                );
                errs.check(
                    "asa (answered)",
                    m.asa(),
                    chain.wait_answered() / answered,
                    1e-9,
                    0.0,
                    &at,
                );
                errs.check(
                    "occupancy",
                    m.occupancy(),
                    chain.occupancy(),
                    1e-10,
                    0.0,
                    &at,
                );
                let scale = 1.0 / (mu * (n as f64).sqrt());
                for &t in &[0.2 * scale, scale] {
                    let at = format!("{at}, t={t:.4}");
                    let reference = chain.answered_within(t);
                    errs.check(
                        "service_level (all)",
                        m.service_level(t),
                        reference,
                        1e-10,
                        1e-14,
                        &at,
                    );
                    errs.check(
                        "service_level (answered)",
                        m.service_level_of_answered(t),
                        reference / answered,
                        1e-10,
                        1e-14,
                        &at,
                    );
                }
            }
        }
    }
    errs.print("Erlang A vs chain");
}

#[test]
fn erlang_a_special_cases() {
    // θ = μ: the number in system is Poisson(a) (every customer leaves at rate
    // μ whether served or waiting), so P(wait) = P(Poisson(a) ≥ n).
    for &(a, n) in &[(5.0, 3u32), (80.0, 90), (950.0, 1000), (10_000.0, 9_800)] {
        let m = ErlangA::new(a, 1.0, 1.0, n).unwrap();
        let mut ln_p = -a;
        let mut below = Vec::new();
        for k in 0..n {
            below.push(ln_p.exp());
            ln_p += a.ln() - f64::from(k + 1).ln();
        }
        let poisson_tail = 1.0 - ksum(below);
        assert!(
            ((m.prob_wait() - poisson_tail) / poisson_tail).abs() < 1e-9,
            "a={a}, n={n}"
        );
    }
    // θ → 0: Erlang A tends to Erlang C.
    for &(lambda, n) in &[(8.0, 10u32), (950.0, 1000)] {
        let c = ErlangC::new(lambda, 1.0, n).unwrap();
        let m = ErlangA::new(lambda, 1.0, 1e-7, n).unwrap();
        assert!(((m.prob_wait() - c.prob_wait()) / c.prob_wait()).abs() < 1e-5);
        assert!(
            ((m.asa() - c.asa()) / c.asa()).abs() < 1e-5,
            "{} vs {}",
            m.asa(),
            c.asa()
        );
        assert!((m.service_level(0.1) - c.service_level(0.1)).abs() < 1e-5);
        assert!(m.prob_abandon() < 1e-5);
    }
    // Very impatient customers (θ ≫ μ): almost a loss system, P(wait) → B.
    let m = ErlangA::new(9.0, 1.0, 1e6, 10).unwrap();
    let b = erlang_b(9.0, 10).unwrap();
    assert!(((m.prob_abandon() - b) / b).abs() < 1e-4);
    // Consistency: P(abandon) + P(answered) = 1, service level tends to P(answered).
    let m = ErlangA::new(1200.0, 1.0, 0.5, 1000).unwrap();
    assert!((m.prob_abandon() + m.prob_answered() - 1.0).abs() < 1e-14);
    assert!((m.service_level(f64::INFINITY) - m.prob_answered()).abs() < 1e-15);
    assert!((m.service_level(1e3) - m.prob_answered()).abs() < 1e-12);
    assert!((m.service_level(0.0) - (1.0 - m.prob_wait())).abs() < 1e-15);
}

/// No NaN, no infinity, probabilities in [0, 1] over extreme parameters.
#[test]
fn no_nan_anywhere() {
    let loads = [1e-6, 0.3, 7.0, 950.0, 9999.5, 1e5];
    let agents = [1u32, 2, 10, 1000, 10_000, 100_000];
    for &a in &loads {
        for &n in &agents {
            let b = erlang_b(a, n).unwrap();
            assert!((0.0..=1.0).contains(&b), "B({a},{n}) = {b}");
            if a < f64::from(n) {
                let c = ErlangC::new(a, 1.0, n).unwrap();
                for v in [
                    c.prob_wait(),
                    c.service_level(0.0),
                    c.service_level(1.0),
                    c.occupancy(),
                ] {
                    assert!((0.0..=1.0).contains(&v), "C a={a} n={n}: {v}");
                }
                assert!(c.asa().is_finite() && c.asa() >= 0.0);
            }
            for &ratio in &[1e-6, 0.01, 1.0, 100.0, 1e6] {
                let theta = ratio;
                let Ok(m) = ErlangA::new(a, 1.0, theta, n) else {
                    // only the documented range limit may refuse
                    assert!(a / theta > 1e10 || f64::from(n) / theta > 1e10);
                    continue;
                };
                let at = format!("a={a}, n={n}, theta={theta}");
                for v in [
                    m.prob_wait(),
                    m.prob_abandon(),
                    m.prob_answered(),
                    m.occupancy(),
                    m.service_level(0.0),
                    m.service_level(0.01),
                    m.service_level(10.0),
                    m.service_level_of_answered(1.0),
                    m.prob_abandon_given_wait(),
                ] {
                    assert!((0.0..=1.0).contains(&v), "{at}: {v}");
                }
                assert!(
                    m.asa().is_finite() && m.asa() >= 0.0,
                    "{at}: asa {}",
                    m.asa()
                );
                assert!(m.mean_wait().is_finite() && m.mean_wait() >= 0.0, "{at}");
            }
        }
    }
}

#[test]
fn invalid_input_is_a_typed_error() {
    assert!(matches!(
        ErlangC::new(-1.0, 1.0, 3),
        Err(StaffingError::InvalidRate {
            field: "arrival_rate",
            ..
        })
    ));
    assert!(matches!(
        ErlangC::new(1.0, f64::NAN, 3),
        Err(StaffingError::InvalidRate {
            field: "service_rate",
            ..
        })
    ));
    assert!(matches!(
        ErlangC::new(1.0, 1.0, 0),
        Err(StaffingError::NoAgents)
    ));
    assert_eq!(
        ErlangC::new(5.0, 1.0, 5),
        Err(StaffingError::Unstable {
            offered_load: 5.0,
            agents: 5
        })
    );
    assert!(matches!(
        ErlangA::new(5.0, 1.0, 0.0, 5),
        Err(StaffingError::InvalidRate {
            field: "abandon_rate",
            ..
        })
    ));
    assert!(matches!(
        ErlangA::new(5.0, 1.0, 1e-12, 5),
        Err(StaffingError::OutOfRange { .. })
    ));
    assert!(matches!(
        erlang_b(f64::INFINITY, 5),
        Err(StaffingError::InvalidRate {
            field: "offered_load",
            ..
        })
    ));
    let sl = |fraction, threshold| Target::ServiceLevel {
        fraction,
        threshold,
    };
    assert!(matches!(
        staff_erlang_c(1.0, 1.0, sl(1.0, 1.0)),
        Err(StaffingError::InvalidTarget {
            field: "fraction",
            ..
        })
    ));
    assert!(matches!(
        staff_erlang_c(1.0, 1.0, sl(0.8, -1.0)),
        Err(StaffingError::InvalidTarget {
            field: "threshold",
            ..
        })
    ));
    assert!(matches!(
        staff_erlang_c(1.0, 1.0, Target::Asa(0.0)),
        Err(StaffingError::InvalidTarget { field: "asa", .. })
    ));
    assert!(matches!(
        staff_erlang_c(1.0, 1.0, Target::Abandonment(0.05)),
        Err(StaffingError::UnsupportedTarget { .. })
    ));
    assert!(matches!(
        staff_erlang_a(1.0, 1.0, 1.0, Target::Abandonment(f64::NAN)),
        Err(StaffingError::InvalidTarget {
            field: "abandonment",
            ..
        })
    ));
    assert!(matches!(
        halfin_whitt_beta(1.0),
        Err(StaffingError::InvalidTarget { .. })
    ));
    // Errors carry a readable message naming the field and value.
    let msg = ErlangC::new(1.0, -2.0, 3).unwrap_err().to_string();
    assert!(msg.contains("service_rate") && msg.contains("-2"), "{msg}");
}

/// Numbers in error messages are readable: a range's ends and a tiny or
/// huge value in exponent form, not 300 digits of 0.000…0022 (which is what
/// a patience so long that Erlang A is out of range printed).
#[test]
fn error_messages_print_extreme_numbers_readably() {
    let cases = [
        ErlangA::new(95.0, 1.0, 1e-12, 100).unwrap_err(),
        ErlangA::new(100.0, 1.0, 1e-8, 101).unwrap_err(),
        staff_erlang_a(95.0, 1.0, 1e-9, Target::Abandonment(0.1)).unwrap_err(),
        erlang_b(1e-200, 3).unwrap_err(),
        ErlangC::new(-1e-300, 1.0, 3).unwrap_err(),
        staff_erlang_c(1.0, 1.0, Target::Asa(-1e-300)).unwrap_err(),
        ErlangC::new(1e300, 1e-10, 3).unwrap_err(),
    ];
    for e in cases {
        let msg = e.to_string();
        let longest_number = msg
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(longest_number <= 20 && msg.len() < 160, "{msg}");
    }
    let msg = ErlangA::new(95.0, 1.0, 1e-12, 100).unwrap_err().to_string();
    assert!(
        msg.contains("arrival_rate / abandon_rate")
            && msg.contains("9.5e13")
            && msg.contains("1e10"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------
// Inverses
// ---------------------------------------------------------------------------

fn c_meets(lambda: f64, mu: f64, n: u32, target: Target) -> bool {
    let Ok(c) = ErlangC::new(lambda, mu, n) else {
        return false; // unstable or no agents
    };
    match target {
        Target::ServiceLevel {
            fraction,
            threshold,
        } => c.service_level(threshold) >= fraction,
        Target::Asa(v) => c.asa() <= v,
        _ => unreachable!(),
    }
}

fn a_meets(lambda: f64, mu: f64, theta: f64, n: u32, target: Target) -> bool {
    if n == 0 {
        return false;
    }
    let m = ErlangA::new(lambda, mu, theta, n).unwrap();
    match target {
        Target::ServiceLevel {
            fraction,
            threshold,
        } => m.service_level(threshold) >= fraction,
        Target::Asa(v) => m.asa() <= v,
        Target::Abandonment(p) => m.prob_abandon() <= p,
        _ => unreachable!(),
    }
}

#[test]
fn erlang_c_inverse_is_the_smallest_staffing() {
    for &a in &[0.4, 3.0, 10.0, 97.5, 1000.0, 9876.5] {
        let mu = 1.0 / 240.0; // per second
        let lambda = a * mu;
        for target in [
            Target::ServiceLevel {
                fraction: 0.8,
                threshold: 20.0,
            },
            Target::ServiceLevel {
                fraction: 0.95,
                threshold: 0.0,
            },
            Target::ServiceLevel {
                fraction: 0.999,
                threshold: 60.0,
            },
            Target::Asa(15.0),
            Target::Asa(0.01),
        ] {
            let n = staff_erlang_c(lambda, mu, target).unwrap();
            assert!(
                c_meets(lambda, mu, n, target),
                "a={a}, {target:?}: n={n} fails"
            );
            assert!(
                !c_meets(lambda, mu, n - 1, target),
                "a={a}, {target:?}: n-1={} meets",
                n - 1
            );
            // and the independent chain agrees (away from a tie)
            if n <= 1000 {
                let chain = Chain::new(lambda, mu, 0.0, n as usize);
                if let Target::ServiceLevel {
                    fraction,
                    threshold,
                } = target
                {
                    let sl = chain.answered_within(threshold);
                    assert!(sl >= fraction - 1e-9, "a={a}: chain SL {sl} at n={n}");
                }
            }
        }
    }
}

#[test]
fn erlang_a_inverse_is_the_smallest_staffing() {
    for &a in &[0.4, 3.0, 10.0, 97.5, 1000.0, 9876.5] {
        for &theta_over_mu in &[0.1, 1.0, 10.0] {
            let mu = 1.0 / 240.0;
            let theta = theta_over_mu * mu;
            let lambda = a * mu;
            for target in [
                Target::ServiceLevel {
                    fraction: 0.8,
                    threshold: 20.0,
                },
                Target::ServiceLevel {
                    fraction: 0.5,
                    threshold: 0.0,
                },
                Target::Asa(15.0),
                Target::Asa(0.5),
                Target::Abandonment(0.05),
                Target::Abandonment(0.5),
                Target::Abandonment(0.001),
            ] {
                let n = staff_erlang_a(lambda, mu, theta, target).unwrap();
                let at = format!("a={a}, theta/mu={theta_over_mu}, {target:?}");
                assert!(a_meets(lambda, mu, theta, n, target), "{at}: n={n} fails");
                assert!(
                    !a_meets(lambda, mu, theta, n - 1, target),
                    "{at}: n-1={} meets",
                    n - 1
                );
            }
        }
    }
}

#[test]
fn erlang_a_measures_improve_with_agents() {
    // The inverse search relies on monotonicity; ASA is the one measure
    // without a coupling proof, so check it over whole ranges.
    for &(lambda, theta) in &[
        (10.0, 0.1),
        (10.0, 1.0),
        (10.0, 10.0),
        (500.0, 0.2),
        (500.0, 5.0),
    ] {
        let mut last: Option<ErlangA> = None;
        for n in 1..=(2.0 * lambda) as u32 {
            let m = ErlangA::new(lambda, 1.0, theta, n).unwrap();
            if let Some(p) = &last {
                assert!(
                    m.asa() <= p.asa(),
                    "asa rises at n={n}, lambda={lambda}, theta={theta}"
                );
                assert!(m.prob_abandon() <= p.prob_abandon());
                assert!(m.prob_wait() <= p.prob_wait());
                assert!(
                    m.service_level(0.1) >= p.service_level(0.1),
                    "SL falls at n={n}, lambda={lambda}, theta={theta}: {} -> {}",
                    p.service_level(0.1),
                    m.service_level(0.1)
                );
            }
            last = Some(m);
        }
    }
}

#[test]
fn square_root_staffing_is_close_for_large_loads() {
    for &a in &[100.0, 1000.0, 10_000.0] {
        for &p in &[0.5, 0.2, 0.05] {
            let beta = halfin_whitt_beta(p).unwrap();
            let n_sqrt = square_root_staffing(a, 1.0, beta);
            // exact smallest n with P(wait) ≤ p (service level at t = 0)
            let n_exact = staff_erlang_c(
                a,
                1.0,
                Target::ServiceLevel {
                    fraction: 1.0 - p,
                    threshold: 0.0,
                },
            )
            .unwrap();
            assert!(
                n_sqrt.abs_diff(n_exact) <= 2,
                "a={a}, p={p}: {n_sqrt} vs {n_exact}"
            );
            // and the limit formula is close to the exact P(wait) there
            let pw = ErlangC::new(a, 1.0, n_sqrt).unwrap().prob_wait();
            let hw = halfin_whitt_prob_wait((f64::from(n_sqrt) - a) / a.sqrt());
            assert!((pw - hw).abs() < 0.3 / a.sqrt(), "a={a}: {pw} vs {hw}");
        }
    }
    assert_eq!(halfin_whitt_prob_wait(0.0), 1.0);
    assert_eq!(halfin_whitt_prob_wait(f64::NAN), 1.0);
    assert_eq!(square_root_staffing(f64::NAN, 1.0, 1.0), 1);
    assert_eq!(square_root_staffing(0.5, 1.0, 0.0), 1);
}

/// Non-positive rates give 1, as documented, whichever rate it is: a
/// service rate of 0 (a load of 0 / 0… or x / 0 = ∞) gave `u32::MAX`,
/// while -0.0 or -1 gave 1.
#[test]
fn square_root_staffing_of_non_positive_rates_is_one() {
    for (lambda, mu) in [
        (1.0, 0.0),
        (1.0, -0.0),
        (1.0, -1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (0.0, 0.0),
        (1.0, f64::NAN),
        (f64::NAN, 0.0),
    ] {
        assert_eq!(square_root_staffing(lambda, mu, 1.0), 1, "{lambda} / {mu}");
    }
    // A huge load still saturates.
    assert_eq!(square_root_staffing(f64::INFINITY, 1.0, 1.0), u32::MAX);
    assert_eq!(square_root_staffing(1e300, 1e-300, 1.0), u32::MAX);
}

/// An out-of-range error says its range in words: the ends of `f64` it
/// used as bounds were printed as numbers ("outside the supported range
/// [2.2250738585072014e-308, 1e10]", "[1e-100, 1.7976931348623157e308]").
#[test]
fn out_of_range_errors_say_their_range_in_words() {
    let e = staff_erlang_a(100.0, 1.0, 1e-8, Target::Asa(1.0)).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("is outside the supported range: greater than 0 and at most 1e10"),
        "{e}"
    );
    let e = ErlangC::new(1e-300, 1.0, 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`offered_load` = 1e-300 is outside the supported range: at least 1e-100"
    );
    let e = staff_erlang_c(1e9, 1.0, Target::Asa(1.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`offered_load` = 1e9 is outside the supported range: [1e-100, 100000000]"
    );
}

/// When the staffing a target needs lies beyond the range Erlang A is
/// computed in (`nμ/θ` above `MAX_RATE_RATIO`: a patience of 10⁸ handle
/// times), the search says so, naming the parameter, as `ErlangA::new`
/// does at that staffing; it answered "no staffing up to 100 agents meets
/// the target" (and "up to 0 agents"), which reads as a target no staffing
/// can meet, though the load alone asks for more agents than that.
#[test]
fn a_staffing_beyond_erlang_a_range_is_out_of_range_not_unreachable() {
    let sl = Target::ServiceLevel {
        fraction: 0.8,
        threshold: 0.3,
    };
    for (lambda, theta) in [(100.0, 1e-8), (1e-3, 1e-11)] {
        let e = staff_erlang_a(lambda, 1.0, theta, sl).unwrap_err();
        assert!(
            matches!(
                e,
                StaffingError::OutOfRange {
                    field: "agents * service_rate / abandon_rate",
                    ..
                }
            ),
            "{e}"
        );
        let StaffingError::OutOfRange { value, .. } = e else {
            unreachable!()
        };
        // The first staffing beyond the range, as ErlangA::new names it.
        let n = (value * theta).round() as u32;
        assert_eq!(ErlangA::new(lambda, 1.0, theta, n).unwrap_err(), e);
        assert!(ErlangA::new(lambda, 1.0, theta, n - 1).is_ok() || n == 1);
    }
}
