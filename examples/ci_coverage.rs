//! How often does a report's 95% confidence interval contain the truth?
//!
//! ```text
//! cargo run --release --example ci_coverage -- [--experiments K] [--replications R] [--horizon H] [--warm-up W] [--seed S] [--only TEXT] [--drain]
//! ```
//!
//! For queues whose long-run answers are known — M/M/n against Erlang C
//! (P(wait), the mean wait of the answered, the service level at 20 s) and
//! M/M/n+M against Erlang A (P(wait), P(abandon)) — it runs `K` independent
//! experiments (default 200), each a [`Report`](skillroute::sim::Report) of
//! `R` replications (default 10) of `H` simulated seconds (default 28,800,
//! an 8-hour day) whose first `W` (default 1,800) are a warm-up, through
//! the public [`Simulation`] API as a user would, and counts the reports
//! whose interval contains the analytic value. Experiment `e` is the
//! scenario's seed `S·1,000,000 + e` (`S` default 1), so experiments never
//! share a random stream, and two seeds share none while `K ≤ 1,000,000`.
//! `--only TEXT` keeps the points whose name contains `TEXT`; `--drain`
//! runs each replication on past the horizon until the contacts that
//! arrived before it have left (the scenario's `drain`), so that none is
//! left out of the figures for still waiting when the run stopped.
//!
//! One JSON line per point and metric:
//!
//! * `coverage`: the share of the `K` intervals that contain `truth`, with
//!   `wilson`, its own 95% interval (Wilson's score interval for a
//!   binomial share): a coverage is short of `nominal` beyond chance when
//!   `wilson`'s upper end is below it.
//! * `misses_below`, `misses_above`: the intervals wholly below the
//!   truth, and wholly above it; `coverage_of_expectation`, the share of
//!   intervals that contain the estimator's own expectation (the mean
//!   estimate over experiments) instead of the truth: short of `nominal`
//!   when the intervals' shape is wrong (skewed replications, a
//!   misjudged spread), whatever the bias.
//! * `bias`: the mean over experiments of the report's estimate, less the
//!   truth (`rel_bias`, relative to the truth); `bias_se`, the standard
//!   error of that mean, to tell a bias from noise.
//! * `bias_in_se`: the bias in units of a report's own standard error
//!   (its half-width over the t quantile, root mean square over
//!   experiments). An interval centred on a value that far from the truth
//!   covers less than its level says: 0.5 standard errors cost a 95%
//!   interval about 3 points of coverage, 1 about 12 (normal theory). The
//!   bias is of the per-replication estimator itself (starting empty, the
//!   contacts still waiting at the horizon left out, a ratio of two
//!   random counts): more replications shrink the interval but not it.
//! * `sd_ratio`: the spread of the reports' estimates over experiments,
//!   over their own standard error (root mean square): about 1 when the
//!   half-width measures the estimate's real spread.
//! * `pooled_bias`: the same bias for the ratio of totals over a report's
//!   replications (e.g. Σ waited / Σ (answered + abandoned)) instead of the
//!   mean of the replications' ratios that the report gives.
//! * `reports_short_of_r`: reports where some replication left the metric
//!   undefined (an ASA with nobody answered); then the run's settings,
//!   `experiments` (`K`), `replications`, `horizon`, `warm_up`, `drain`.
//!
//! What it found (the README's *Confidence intervals: measured coverage*):
//! the proportions cover at their level, the ASA does not, from skew and
//! a bias that shrinks as replications lengthen. Taking it apart at the
//! M/M/10: `--seed 2 --experiments 1000 --only "M/M/10 rho"` as is, with
//! `--drain`, and with `--drain --horizon 36000 --warm-up 9000` (the same
//! 27,000 s counted), and the last one's `pooled_bias`, remove in turn the
//! contacts left out at the end, the start from empty, and the mean of
//! ratios.
//!
//! The analytic values are the crate's own [`ErlangC`] and [`ErlangA`],
//! which `tests/erlang.rs` checks against the stationary distribution of
//! the birth–death chain (and Erlang C against a published table).
//! Experiments run in parallel on rayon's pool (each report's
//! replications in series); their results are reduced in experiment order,
//! so the output is the same on any number of threads.

use rayon::prelude::*;
use serde::Serialize;
use skillroute::sim::{
    Estimate, Metrics, Replication, RunOptions, Scenario, ServiceTarget, Simulation, t_quantile,
};
use skillroute::staffing::single_skill_scenario;
use skillroute::{ErlangA, ErlangC, LongestIdleAgent};

/// Mean service time (s) at every point.
const AHT: f64 = 300.0;
/// The service level's threshold (s).
const THRESHOLD: f64 = 20.0;
/// The intervals' level.
const NOMINAL: f64 = 0.95;
/// The normal quantile of Wilson's 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// One queue: `agents` agents, Poisson arrivals at `load / AHT` per second
/// (`load` Erlangs), exponential service, and exponential patience of mean
/// `patience` if given.
struct Point {
    name: &'static str,
    agents: u32,
    load: f64,
    patience: Option<f64>,
}

const POINTS: &[Point] = &[
    Point {
        name: "M/M/10 rho=0.8",
        agents: 10,
        load: 8.0,
        patience: None,
    },
    Point {
        name: "M/M/100 rho=0.95",
        agents: 100,
        load: 95.0,
        patience: None,
    },
    Point {
        name: "M/M/2 rho=0.8",
        agents: 2,
        load: 1.6,
        patience: None,
    },
    Point {
        name: "M/M/10+M rho=1.0 patience=300",
        agents: 10,
        load: 10.0,
        patience: Some(300.0),
    },
    Point {
        name: "M/M/100+M rho=1.05 patience=600",
        agents: 100,
        load: 105.0,
        patience: Some(600.0),
    },
];

/// A metric the report estimates, its analytic value, and the counts that
/// weigh each replication's ratio in the ratio of totals.
#[derive(Clone, Copy)]
enum Metric {
    PWait,
    Asa,
    ServiceLevel,
    PAbandon,
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Metric::PWait => "p_wait",
            Metric::Asa => "asa",
            Metric::ServiceLevel => "service_level",
            Metric::PAbandon => "p_abandon",
        }
    }

    fn of<T: Copy>(self, m: &Metrics<T>) -> T {
        match self {
            Metric::PWait => m.p_wait,
            Metric::Asa => m.asa,
            Metric::ServiceLevel => m.service_level,
            Metric::PAbandon => m.p_abandon,
        }
    }

    /// The ratio's denominator in one replication (see [`Metrics`]).
    fn weight(self, m: &Metrics<f64>) -> f64 {
        match self {
            Metric::PWait | Metric::PAbandon => m.answered + m.abandoned,
            Metric::Asa => m.answered,
            Metric::ServiceLevel => m.answered + m.abandoned + m.late_at_end,
        }
    }
}

impl Point {
    fn arrival_rate(&self) -> f64 {
        self.load / AHT
    }

    /// The metrics with a known long-run value here, and those values.
    fn truths(&self) -> Result<Vec<(Metric, f64)>, String> {
        let (lambda, mu) = (self.arrival_rate(), 1.0 / AHT);
        Ok(match self.patience {
            None => {
                let c = ErlangC::new(lambda, mu, self.agents).map_err(|e| e.to_string())?;
                vec![
                    (Metric::PWait, c.prob_wait()),
                    (Metric::Asa, c.asa()),
                    (Metric::ServiceLevel, c.service_level(THRESHOLD)),
                ]
            }
            Some(p) => {
                let a =
                    ErlangA::new(lambda, mu, 1.0 / p, self.agents).map_err(|e| e.to_string())?;
                vec![
                    (Metric::PWait, a.prob_wait()),
                    (Metric::PAbandon, a.prob_abandon()),
                ]
            }
        })
    }

    fn scenario(&self, args: &Args, seed: u64) -> Scenario {
        // The crate's own M/M/n(+M); 1 / (1 / x) is x exactly for the
        // service and patience means used here (300 s, 600 s).
        let mut s = single_skill_scenario(
            self.arrival_rate(),
            1.0 / AHT,
            self.patience.map(|mean| 1.0 / mean),
            ServiceTarget {
                threshold: THRESHOLD,
                fraction: 0.8,
                short_abandon: 0.0,
            },
        );
        s.name = self.name.into();
        s.seed = seed;
        s.horizon = args.horizon;
        s.warm_up = args.warm_up;
        s.replications = args.replications;
        s.drain = args.drain;
        s.groups[0].count = self.agents;
        s
    }
}

/// One experiment's figures for one metric.
struct Outcome {
    estimate: Estimate,
    /// The ratio of totals over the experiment's replications.
    pooled: f64,
}

/// Runs experiment `e` at `point`: a report of `R` replications.
fn experiment(
    point: &Point,
    metrics: &[Metric],
    args: &Args,
    e: u64,
) -> Result<Vec<Outcome>, String> {
    let seed = args.seed * 1_000_000 + e;
    let sim = Simulation::new(point.scenario(args, seed)).map_err(|e| e.to_string())?;
    let opts = RunOptions {
        parallel: false,
        confidence: NOMINAL,
        ..RunOptions::default()
    };
    let reps = sim
        .replications(|| LongestIdleAgent, opts)
        .map_err(|e| e.to_string())?;
    let report = sim.report(&reps, NOMINAL).map_err(|e| e.to_string())?;
    Ok(metrics
        .iter()
        .map(|&m| Outcome {
            estimate: m.of(&report.total),
            pooled: pooled(m, &reps),
        })
        .collect())
}

/// Σ ratio × denominator over Σ denominator, over the replications that
/// define the ratio.
fn pooled(m: Metric, reps: &[Replication]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for r in reps {
        let (x, w) = (m.of(&r.total), m.weight(&r.total));
        if x.is_finite() {
            num += x * w;
            den += w;
        }
    }
    num / den
}

/// Wilson's score interval for `hits` successes in `n` trials.
fn wilson(hits: usize, n: usize) -> (f64, f64) {
    let (n, p) = (n as f64, hits as f64 / n as f64);
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in xs {
        s += x;
        n += 1;
    }
    s / n as f64
}

/// Prints the line of one metric at one point over all experiments.
fn summarise(point: &Point, metric: Metric, truth: f64, outcomes: &[&Outcome], args: &Args) {
    let k = outcomes.len();
    let hits = outcomes
        .iter()
        .filter(|o| o.estimate.contains(truth))
        .count();
    let (lo, hi) = wilson(hits, k);
    let est = mean(outcomes.iter().map(|o| o.estimate.mean));
    let sd = (outcomes
        .iter()
        .map(|o| (o.estimate.mean - est).powi(2))
        .sum::<f64>()
        / (k - 1) as f64)
        .sqrt();
    // A report's standard error: its half-width over the t quantile of the
    // replications that defined the metric there.
    let se = mean(outcomes.iter().map(|o| {
        let t = t_quantile(1.0 - (1.0 - NOMINAL) / 2.0, o.estimate.n.saturating_sub(1));
        (o.estimate.half_width / t).powi(2)
    }))
    .sqrt();
    // Replications where the metric was undefined (an ASA with nobody
    // answered) leave a report with fewer than R.
    let short = outcomes
        .iter()
        .filter(|o| o.estimate.n < args.replications)
        .count();
    // Where the misses fall, and how often the intervals contain the
    // estimator's own expectation (the experiments' mean estimate): below
    // `nominal` only if the intervals' shape is wrong (skewed replications,
    // a spread misjudged), whatever the bias.
    let below = outcomes
        .iter()
        .filter(|o| o.estimate.high() < truth)
        .count();
    let above = outcomes.iter().filter(|o| o.estimate.low() > truth).count();
    let centred = outcomes.iter().filter(|o| o.estimate.contains(est)).count();
    let bias = est - truth;
    let line = Line {
        point: point.name,
        metric: metric.name(),
        truth: sig(truth),
        nominal: NOMINAL,
        coverage: hits as f64 / k as f64,
        wilson: [sig(lo), sig(hi)],
        misses_below: below,
        misses_above: above,
        coverage_of_expectation: centred as f64 / k as f64,
        mean_estimate: sig(est),
        bias: sig(bias),
        rel_bias: sig(bias / truth),
        bias_se: sig(sd / (k as f64).sqrt()),
        bias_in_se: sig(bias / se),
        sd_ratio: sig(sd / se),
        pooled_bias: sig(mean(outcomes.iter().map(|o| o.pooled)) - truth),
        reports_short_of_r: short,
        experiments: k,
        replications: args.replications,
        horizon: args.horizon,
        warm_up: args.warm_up,
        drain: args.drain,
    };
    match serde_json::to_string(&line) {
        Ok(s) => println!("{s}"),
        Err(e) => {
            eprintln!("ci_coverage: {e}");
            std::process::exit(1)
        }
    }
}

/// `x` to 5 significant digits: the figures' noise is in the third.
fn sig(x: f64) -> f64 {
    format!("{x:.4e}").parse().unwrap_or(x)
}

/// One output line, fields in this order (see the module docs).
#[derive(Serialize)]
struct Line {
    point: &'static str,
    metric: &'static str,
    truth: f64,
    nominal: f64,
    coverage: f64,
    wilson: [f64; 2],
    misses_below: usize,
    misses_above: usize,
    coverage_of_expectation: f64,
    mean_estimate: f64,
    bias: f64,
    rel_bias: f64,
    bias_se: f64,
    bias_in_se: f64,
    sd_ratio: f64,
    pooled_bias: f64,
    reports_short_of_r: usize,
    experiments: usize,
    replications: u32,
    horizon: f64,
    warm_up: f64,
    drain: bool,
}

struct Args {
    experiments: u64,
    replications: u32,
    horizon: f64,
    warm_up: f64,
    seed: u64,
    only: Option<String>,
    drain: bool,
}

impl Args {
    /// The command line; a bad option or value exits with status 2,
    /// naming it.
    fn parse() -> Args {
        let usage = || -> ! {
            eprintln!(
                "usage: ci_coverage [--experiments K] [--replications R] [--horizon H] [--warm-up W] [--seed S] [--only TEXT] [--drain]"
            );
            std::process::exit(2)
        };
        let bad = |option: &str, rule: &str, value: &str| -> ! {
            eprintln!("ci_coverage: {option} must be {rule}, got {value}");
            std::process::exit(2)
        };
        let mut a = Args {
            experiments: 200,
            replications: 10,
            horizon: 28_800.0,
            warm_up: 1_800.0,
            seed: 1,
            only: None,
            drain: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            if flag == "--drain" {
                a.drain = true;
                continue;
            }
            let value = args.next().unwrap_or_else(|| usage());
            match flag.as_str() {
                "--experiments" => match value.parse() {
                    Ok(k) if (2..=1_000_000).contains(&k) => a.experiments = k,
                    _ => bad(&flag, "an integer from 2 to 1000000", &value),
                },
                "--replications" => match value.parse() {
                    Ok(r) if r >= 2 => a.replications = r,
                    _ => bad(&flag, "an integer of at least 2", &value),
                },
                "--horizon" => match value.parse::<f64>() {
                    Ok(h) if h.is_finite() && h > 0.0 => a.horizon = h,
                    _ => bad(&flag, "finite and > 0 (seconds)", &value),
                },
                "--warm-up" => match value.parse::<f64>() {
                    Ok(w) if w.is_finite() && w >= 0.0 => a.warm_up = w,
                    _ => bad(&flag, "finite and >= 0 (seconds)", &value),
                },
                // Seeds are S·1,000,000 + e, e < 1,000,000: S must leave
                // room for that in a u64.
                "--seed" => match value.parse::<u64>() {
                    Ok(s) if s < u64::MAX / 1_000_000 => a.seed = s,
                    _ => bad(
                        &flag,
                        &format!("an integer below {}", u64::MAX / 1_000_000),
                        &value,
                    ),
                },
                "--only" => a.only = Some(value),
                _ => usage(),
            }
        }
        if a.warm_up >= a.horizon {
            let (w, h) = (a.warm_up, a.horizon);
            bad(
                "--warm-up",
                &format!("below --horizon ({h})"),
                &w.to_string(),
            );
        }
        a
    }
}

fn main() {
    let args = Args::parse();
    let points: Vec<&Point> = POINTS
        .iter()
        .filter(|p| {
            args.only
                .as_ref()
                .is_none_or(|o| p.name.contains(o.as_str()))
        })
        .collect();
    if points.is_empty() {
        let names: Vec<_> = POINTS.iter().map(|p| p.name).collect();
        eprintln!("ci_coverage: --only matches none of {names:?}");
        std::process::exit(2);
    }
    for point in points {
        let truths = match point.truths() {
            Ok(t) => t,
            Err(e) => {
                eprintln!("ci_coverage: {}: {e}", point.name);
                std::process::exit(1)
            }
        };
        let metrics: Vec<Metric> = truths.iter().map(|&(m, _)| m).collect();
        let results: Result<Vec<Vec<Outcome>>, String> = (0..args.experiments)
            .into_par_iter()
            .map(|e| experiment(point, &metrics, &args, e))
            .collect();
        let results = match results {
            Ok(r) => r,
            Err(e) => {
                eprintln!("ci_coverage: {}: {e}", point.name);
                std::process::exit(1)
            }
        };
        for (i, &(metric, truth)) in truths.iter().enumerate() {
            let outcomes: Vec<&Outcome> = results.iter().map(|r| &r[i]).collect();
            summarise(point, metric, truth, &outcomes, &args);
        }
    }
}
