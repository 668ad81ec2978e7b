//! Pooling study: the same load served by specialists, by agents with two
//! skills each along a chain, …, and by fully cross-trained agents; the
//! staffing each design needs for the same service-level target, found by
//! the simulation-based search (`skillroute::staffing::SimStaffing`).
//!
//! ```text
//! cargo run --release --example pooling
//! cargo run --release --example pooling -- --skills 4 --load 10 --aht 300 \
//!     --target-sl 0.8 --threshold 20 [--abandon-mean S] [--replications R] \
//!     [--run-hours H] [--seed S] [--json]
//! ```
//!
//! `--skills M` contact types (one skill each) with `--load` Erlangs each
//! (Poisson arrivals, exponential handle times of mean `--aht` seconds; with
//! `--abandon-mean`, exponential patience of that mean). Design `k` trains
//! every agent in `k` skills along a chain (group `i` has skills `i … i+k−1`
//! mod M; see `chained_scenario`): `k = 1` specialists, `k = 2` chained
//! pairs, `k = M` full cross-training. Agents route by longest idle agent,
//! contacts first come, first served.
//!
//! Printed per design: agents per group and in total (by simulation), the
//! worst type's service level at that staffing (mean ± half-width of the 95%
//! interval over replications), and the saving over specialists. Two
//! independent references: per-skill Erlang C (M × Erlang C on one type's
//! load; what specialists need) and pooled Erlang C (Erlang C on the total
//! load, the M/M/n of full pooling). The known result (Jordan & Graves 1995;
//! Wallace & Whitt 2005): two skills per agent, chained, gets nearly all
//! of full pooling's saving.

mod pipe;

use std::process::ExitCode;
use std::time::Instant;

use skillroute::sim::{Estimate, ServiceTarget};
use skillroute::staffing::{
    ErlangA, SimStaffing, StaffingPoint, Target, chained_scenario, staff_erlang_a, staff_erlang_c,
};

const USAGE: &str =
    "usage: pooling [--skills M] [--load A] [--aht S] [--target-sl F] [--threshold T] \
[--abandon-mean S] [--replications R] [--run-hours H] [--seed S] [--json]
  defaults: 4 skills, 10 Erlangs each, 300 s handle time, 80% within 20 s,
            no abandonment, 10 replications of 16 hours, seed 1";

struct Args {
    skills: usize,
    load: f64,
    aht: f64,
    fraction: f64,
    threshold: f64,
    abandon_mean: Option<f64>,
    replications: u32,
    run_hours: f64,
    seed: u64,
    json: bool,
}

fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("{flag}: not a valid number: {v:?}"))
}

fn parse(raw: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        skills: 4,
        load: 10.0,
        aht: 300.0,
        fraction: 0.8,
        threshold: 20.0,
        abandon_mean: None,
        replications: 10,
        run_hours: 16.0,
        seed: 1,
        json: false,
    };
    // The flags seen so far: each may be given once.
    let mut seen: Vec<String> = Vec::new();
    let mut it = raw.into_iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        if seen.contains(&flag) {
            return Err(format!("{flag} given twice"));
        }
        seen.push(flag.clone());
        if flag == "--json" {
            a.json = true;
            continue;
        }
        let known = [
            "--skills",
            "--load",
            "--aht",
            "--target-sl",
            "--threshold",
            "--abandon-mean",
            "--replications",
            "--run-hours",
            "--seed",
        ];
        if !known.contains(&flag.as_str()) {
            return Err(format!("unknown argument {flag:?}"));
        }
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--skills" => a.skills = num(&flag, &v)?,
            "--load" => a.load = num(&flag, &v)?,
            "--aht" => a.aht = num(&flag, &v)?,
            "--target-sl" => a.fraction = num(&flag, &v)?,
            "--threshold" => a.threshold = num(&flag, &v)?,
            "--abandon-mean" => a.abandon_mean = Some(num(&flag, &v)?),
            "--replications" => a.replications = num(&flag, &v)?,
            "--run-hours" => a.run_hours = num(&flag, &v)?,
            "--seed" => a.seed = num(&flag, &v)?,
            _ => unreachable!("checked above"),
        }
    }
    if !(1..=12).contains(&a.skills) {
        return Err(format!("--skills must be in 1..=12, got {}", a.skills));
    }
    if !(a.load > 0.0 && a.load.is_finite() && a.aht > 0.0 && a.aht.is_finite()) {
        return Err("--load and --aht must be finite and > 0".into());
    }
    if !(a.run_hours > 0.0 && a.run_hours.is_finite()) {
        return Err("--run-hours must be finite and > 0".into());
    }
    // Each number checked here, so that the error names its flag (not
    // `abandon_rate`, `fraction` or the first design's search).
    if !(a.fraction > 0.0 && a.fraction < 1.0) {
        return Err(format!(
            "--target-sl must be strictly between 0 and 1 (0.8 for 80%), got {}",
            a.fraction
        ));
    }
    if !(a.threshold >= 0.0 && a.threshold.is_finite()) {
        return Err(format!(
            "--threshold must be finite and >= 0, got {}",
            a.threshold
        ));
    }
    if let Some(p) = a.abandon_mean.filter(|p| !(*p > 0.0 && p.is_finite())) {
        return Err(format!("--abandon-mean must be finite and > 0, got {p}"));
    }
    if a.replications < 2 {
        return Err(format!(
            "--replications must be at least 2 (for a confidence interval), got {}",
            a.replications
        ));
    }
    Ok(Some(a))
}

/// One design's result.
struct Row {
    k: usize,
    groups: Vec<String>,
    point: StaffingPoint,
}

fn worst(sl: &[Estimate]) -> Estimate {
    sl.iter()
        .copied()
        .filter(|e| e.mean.is_finite())
        .min_by(|a, b| a.mean.total_cmp(&b.mean))
        .unwrap_or(Estimate {
            mean: f64::NAN,
            half_width: f64::NAN,
            n: 0,
        })
}

fn design_name(k: usize, m: usize) -> String {
    match k {
        1 => "specialists (1 skill)".into(),
        _ if k == m => format!("full cross-training ({k} skills)"),
        2 => "chained pairs (2 skills)".into(),
        _ => format!("chained, {k} skills"),
    }
}

/// `x` as given on the command line, to 10 significant digits: 0.4 s is
/// `0.4`, not `0` (a whole-number format), and 100 × 0.855 is `85.5`, not
/// `85.49999999999999`.
fn plain(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let scale = 10f64.powi(9 - x.abs().log10().floor() as i32);
    format!("{}", (x * scale).round() / scale)
}

/// The two lines above the table: the load and target, and the search.
fn header(a: &Args) -> String {
    let lambda = a.load / a.aht;
    format!(
        "{} contact types x {} Erlangs ({:.1} calls/h each, {} s handle time{}), \
         target {}% within {} s\n\
         simulation: {} replications x {} h after a {} s warm-up, seed {}, common random \
         numbers; a target is met when the mean service level reaches it",
        a.skills,
        plain(a.load),
        lambda * 3600.0,
        plain(a.aht),
        a.abandon_mean
            .map_or(String::new(), |p| format!(", patience {} s", plain(p))),
        plain(100.0 * a.fraction),
        plain(a.threshold),
        a.replications,
        plain(a.run_hours),
        plain(20.0 * a.aht),
        a.seed
    )
}

/// The search every design runs: a warm-up of 20 handle times.
fn search(a: &Args) -> SimStaffing {
    SimStaffing::new()
        .replications(a.replications)
        .run_length(a.run_hours * 3600.0)
        .warm_up(20.0 * a.aht)
        .seed(a.seed)
}

fn run(a: &Args) -> Result<(), String> {
    let m = a.skills;
    let mu = 1.0 / a.aht;
    let lambda = a.load * mu;
    let theta = a.abandon_mean.map(|p| 1.0 / p);
    let target = ServiceTarget {
        threshold: a.threshold,
        fraction: a.fraction,
        short_abandon: 0.0,
    };
    let t = Target::ServiceLevel {
        fraction: a.fraction,
        threshold: a.threshold,
    };
    let erlang = |rate: f64| match theta {
        Some(th) => staff_erlang_a(rate, mu, th, t),
        None => staff_erlang_c(rate, mu, t),
    };
    let per_skill = erlang(lambda).map_err(|e| e.to_string())? * m as u32;
    let pooled = erlang(lambda * m as f64).map_err(|e| e.to_string())?;
    let pooled_sl = match theta {
        Some(th) => {
            ErlangA::new(lambda * m as f64, mu, th, pooled).map(|x| x.service_level(a.threshold))
        }
        None => skillroute::ErlangC::new(lambda * m as f64, mu, pooled)
            .map(|x| x.service_level(a.threshold)),
    }
    .map_err(|e| e.to_string())?;

    let search = search(a);
    for w in search.warnings(&chained_scenario(m, 1, lambda, mu, theta, target)) {
        eprintln!("pooling: warning: {w}");
    }
    let started = Instant::now();
    let mut designs: Vec<usize> = (1..=m).collect();
    designs.dedup();
    let mut rows = Vec::new();
    for k in designs {
        let scenario = chained_scenario(m, k, lambda, mu, theta, target);
        let point = search
            .staff_rates(&scenario, &vec![lambda; m])
            .map_err(|e| format!("design k = {k}: {e}"))?;
        rows.push(Row {
            k,
            groups: scenario.groups.iter().map(|g| g.name.clone()).collect(),
            point,
        });
    }
    let elapsed = started.elapsed().as_secs_f64();
    let specialists = rows[0].point.agents_total as i64;
    let full = rows
        .last()
        .map_or(specialists, |r| r.point.agents_total as i64);

    if a.json {
        for r in &rows {
            let w = worst(&r.point.service_level);
            let line = serde_json::json!({
                "design": design_name(r.k, m),
                "skills_per_agent": r.k,
                "groups": r.groups,
                "agents_by_group": r.point.agents_by_group,
                "agents": r.point.agents_total,
                "saving_vs_specialists": specialists - r.point.agents_total as i64,
                "worst_service_level": w,
                "service_level": r.point.service_level,
                "met": r.point.met,
                "erlang_per_skill": per_skill,
                "erlang_pooled": pooled,
                "evaluations": r.point.evaluations,
            });
            println!("{line}");
        }
        return Ok(());
    }

    println!("{}\n", header(a));
    let header = [
        "design",
        "agents per group",
        "agents",
        "saving",
        "% of full saving",
        "worst type SL % (95% CI)",
    ];
    let mut cells: Vec<[String; 6]> = Vec::new();
    for r in &rows {
        let saving = specialists - r.point.agents_total as i64;
        let share = if specialists > full {
            format!(
                "{:.0}%",
                100.0 * saving as f64 / (specialists - full) as f64
            )
        } else {
            "-".into()
        };
        let w = worst(&r.point.service_level);
        cells.push([
            design_name(r.k, m),
            r.point
                .agents_by_group
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            r.point.agents_total.to_string(),
            saving.to_string(),
            share,
            format!("{:.1} ± {:.1}", 100.0 * w.mean, 100.0 * w.half_width),
        ]);
    }
    let mut width = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String]| {
        let mut s = format!("{:<w$}", row[0], w = width[0]);
        for (c, w) in row.iter().zip(width).skip(1) {
            s.push_str(&format!("  {c:>w$}"));
        }
        println!("{}", s.trim_end());
    };
    line(&header.map(String::from));
    line(&width.map(|w| "-".repeat(w)));
    for row in &cells {
        line(row);
    }
    println!(
        "\nindependent references: per-skill Erlang {} = {per_skill} agents (specialists); \
         pooled Erlang {} on the total load = {pooled} agents (service level {:.1}%)",
        if theta.is_some() { "A" } else { "C" },
        if theta.is_some() { "A" } else { "C" },
        100.0 * pooled_sl
    );
    println!(
        "searched in {elapsed:.1} s ({} configurations simulated)",
        rows.iter().map(|r| r.point.evaluations).sum::<u32>()
    );
    Ok(())
}

fn main() -> ExitCode {
    pipe::end_quietly_on_closed_pipe();
    match parse(std::env::args().skip(1)) {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pooling: {e}\n{USAGE}");
            ExitCode::from(2)
        }
        Ok(Some(a)) => match run(&a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("pooling: {e}");
                ExitCode::from(2)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Option<Args>, String> {
        parse(args.iter().map(|a| a.to_string()))
    }

    /// The header says the numbers given: 85.5% within 0.4 s read "86%
    /// within 0 s", a run of 0.25 h "0.2 h", a load of 2.25 Erlangs "2.2".
    #[test]
    fn the_header_says_the_numbers_given() {
        let a = parsed(&[
            "--skills",
            "2",
            "--load",
            "2.25",
            "--target-sl",
            "0.855",
            "--threshold",
            "0.4",
            "--run-hours",
            "0.25",
            "--abandon-mean",
            "90.5",
        ])
        .unwrap()
        .unwrap();
        let text = header(&a);
        assert!(
            text.starts_with(
                "2 contact types x 2.25 Erlangs (27.0 calls/h each, 300 s handle time, \
                 patience 90.5 s), target 85.5% within 0.4 s\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("10 replications x 0.25 h after a 6000 s warm-up, seed 1"),
            "{text}"
        );
        let defaults = header(&parsed(&[]).unwrap().unwrap());
        assert!(
            defaults.starts_with(
                "4 contact types x 10 Erlangs (120.0 calls/h each, 300 s handle time), \
                 target 80% within 20 s\n"
            ),
            "{defaults}"
        );
        assert_eq!(plain(0.1 + 0.2), "0.3");
        assert_eq!(plain(1e-7), "0.0000001");
        assert_eq!(plain(123456.0), "123456");
    }

    /// A patience far longer than the warm-up of 20 handle times is warned
    /// about (the search's answer may be too low), as `staffing --scenario`
    /// does; the defaults raise nothing.
    #[test]
    fn a_long_patience_is_warned_about() {
        let warnings = |args: &[&str]| {
            let a = parsed(args).unwrap().unwrap();
            let mu = 1.0 / a.aht;
            let target = ServiceTarget {
                threshold: a.threshold,
                fraction: a.fraction,
                short_abandon: 0.0,
            };
            let theta = a.abandon_mean.map(|p| 1.0 / p);
            search(&a).warnings(&chained_scenario(
                a.skills,
                1,
                a.load * mu,
                mu,
                theta,
                target,
            ))
        };
        assert!(warnings(&[]).is_empty());
        assert!(warnings(&["--abandon-mean", "600"]).is_empty());
        let long = warnings(&["--abandon-mean", "86400"]);
        assert_eq!(long.len(), 4, "{long:#?}"); // one per contact type
        assert!(long[0].contains("mean patience (86400 s)"), "{}", long[0]);
    }

    /// A flag given twice is refused (`--seed 1 --seed 2` ran with 2 in
    /// silence), and a bad number is named by its flag before anything
    /// runs: `--abandon-mean 0` said "`abandon_rate` must be … got inf",
    /// `--target-sl 1.5` "target `fraction` …", `--replications 1` "design
    /// k = 1: staffing search: `replications` …".
    #[test]
    fn flags_are_given_once_and_named_in_errors() {
        for (flag, value) in [
            ("--skills", "2"),
            ("--load", "3"),
            ("--aht", "200"),
            ("--target-sl", "0.8"),
            ("--threshold", "20"),
            ("--abandon-mean", "100"),
            ("--replications", "3"),
            ("--run-hours", "2"),
            ("--seed", "4"),
        ] {
            let e = parsed(&[flag, value, flag, value]).err().unwrap();
            assert_eq!(e, format!("{flag} given twice"));
        }
        assert_eq!(
            parsed(&["--json", "--json"]).err().unwrap(),
            "--json given twice"
        );
        for (args, flag) in [
            (&["--abandon-mean", "0"][..], "--abandon-mean"),
            (&["--abandon-mean", "-3"][..], "--abandon-mean"),
            (&["--target-sl", "1.5"][..], "--target-sl"),
            (&["--target-sl", "0"][..], "--target-sl"),
            (&["--threshold", "-5"][..], "--threshold"),
            (&["--replications", "1"][..], "--replications"),
        ] {
            let e = parsed(args).err().unwrap();
            assert!(e.starts_with(flag), "{args:?}: {e}");
        }
        let a = parsed(&["--seed", "4", "--abandon-mean", "100", "--json"])
            .unwrap()
            .unwrap();
        assert_eq!((a.seed, a.abandon_mean, a.json), (4, Some(100.0), true));
    }
}
