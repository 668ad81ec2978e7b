//! What-if over one scenario field: the same center run with each value of
//! the field, on the same customers, side by side.
//!
//! ```text
//! cargo run --release --example sweep -- --field groups[late-generalists].count --values 10,12,14,16
//! cargo run --release --example sweep -- FILE.toml --field offers.timeout --values 8,12,20 --policy c-mu
//! cargo run --release --example sweep -- --field 'offers.rona_pause' --values '{ kind = "constant", value = 30.0 },{ kind = "constant", value = 120.0 }'
//! ```
//!
//! A workforce planner's question, "what do two more agents on the late
//! shift buy?", asked the way a researcher would: each value is one run of
//! the scenario (the embedded default center, or FILE) with `--field` set to
//! it, as `simulate --set` would, under one policy (the scenario's own, or
//! `--policy NAME`). Every run uses the same seed, so each replication meets
//! the same customers whatever the value (common random numbers), and the
//! difference from the first value is a paired difference, replication by
//! replication, with its own, much narrower, interval.
//!
//! Prints a table (mean ± half-width of the `--confidence` interval over
//! replications; `*` where a difference's interval excludes 0) and writes
//! `sweep.csv` to `--out` (default: the current directory): one line per
//! value and total metric, `value,policy,metric,mean,half_width,n,
//! diff_mean,diff_half_width`, and with contacts on several channels a
//! table and lines (`service_level[voice]`) of each channel's service level. Values are TOML, separated by commas outside
//! brackets, braces and quotes. `--set FIELD=VALUE` (repeatable),
//! `--replications N` and `--seed S` change the scenario for every value.
//! A bad option, file or value exits with status 2, naming it.

mod cells;
mod overrides;
mod pipe;

use std::path::PathBuf;
use std::process::ExitCode;

use cells::{diff, pm};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use skillroute::sim::{
    Estimate, Metrics, PolicySpec, Replication, RunOptions, Scenario, Simulation,
};

const DEFAULT_CENTER: &str = include_str!("data/default-center.toml");

const USAGE: &str = "\
usage: sweep [FILE] --field FIELD --values V1,V2,... [options]

  FILE              a scenario (TOML or JSON); default: the embedded default
                    center (examples/data/default-center.toml)
  --field FIELD     the scenario field to vary, named as errors name it
                    (groups[late-generalists].count, offers.timeout, ...)
  --values LIST     its values, TOML, comma-separated (commas inside [], {}
                    or quotes belong to a value)
  --policy NAME     a built-in policy instead of the scenario's own
  --set FIELD=VALUE change another field for every run (repeatable)
  --replications N  replications instead of the scenario's
  --seed S          seed instead of the scenario's
  --confidence C    confidence level of the intervals (default 0.95)
  --out DIR         write sweep.csv there (default: .)";

struct Args {
    file: Option<PathBuf>,
    field: String,
    values: Vec<String>,
    policy: Option<String>,
    sets: Vec<(String, String)>,
    replications: Option<u32>,
    seed: Option<u64>,
    confidence: f64,
    out: PathBuf,
}

/// `text` split at the commas that are outside brackets, braces and quotes,
/// each part trimmed; an empty part is an error.
fn split_values(text: &str) -> Result<Vec<String>, String> {
    let (mut parts, mut cur) = (Vec::new(), String::new());
    let (mut depth, mut quote) = (0i32, None::<char>);
    for ch in text.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    parts.push(cur);
    if quote.is_some() || depth != 0 {
        return Err(format!(
            "--values: unbalanced quotes or brackets in {text:?}"
        ));
    }
    let parts: Vec<String> = parts.iter().map(|p| p.trim().to_string()).collect();
    if let Some(i) = parts.iter().position(String::is_empty) {
        return Err(format!("--values: value {} of {text:?} is empty", i + 1));
    }
    Ok(parts)
}

fn parse_args() -> Result<Args, String> {
    let mut file = None;
    let (mut field, mut values) = (None, None);
    let mut args = Args {
        file: None,
        field: String::new(),
        values: Vec::new(),
        policy: None,
        sets: Vec::new(),
        replications: None,
        seed: None,
        confidence: 0.95,
        out: PathBuf::from("."),
    };
    let mut it = std::env::args().skip(1);
    let mut next = |name: &str| it.next().ok_or(format!("{name} needs a value"));
    while let Ok(a) = next("") {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--field" => field = Some(next("--field")?),
            "--values" => values = Some(split_values(&next("--values")?)?),
            "--policy" => {
                let name = next("--policy")?;
                if name == "all" {
                    return Err(
                        "--policy: a sweep runs one policy (name one built-in; simulate compares them)"
                            .into(),
                    );
                }
                if args.policy.replace(name).is_some() {
                    return Err("--policy given twice: a sweep runs one policy".into());
                }
            }
            "--set" => {
                let v = next("--set")?;
                let (f, x) = v
                    .split_once('=')
                    .ok_or(format!("--set: {v:?} is not FIELD=VALUE"))?;
                args.sets.push((f.trim().into(), x.trim().into()));
            }
            "--replications" => {
                let v = next("--replications")?;
                match v.parse::<u32>() {
                    Ok(n) if n >= 1 => args.replications = Some(n),
                    _ => return Err(format!("--replications: {v:?} is not a whole number >= 1")),
                }
            }
            "--seed" => {
                let v = next("--seed")?;
                let s = v
                    .parse()
                    .map_err(|_| format!("--seed: {v:?} is not a whole number"))?;
                args.seed = Some(s);
            }
            "--confidence" => {
                let v = next("--confidence")?;
                match v.parse::<f64>() {
                    Ok(c) if c > 0.0 && c < 1.0 => args.confidence = c,
                    _ => {
                        return Err(format!(
                            "--confidence: {v:?} is not strictly between 0 and 1"
                        ));
                    }
                }
            }
            "--out" => args.out = PathBuf::from(next("--out")?),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ => return Err("more than one scenario file given".into()),
        }
    }
    args.file = file;
    args.field = field.ok_or("--field is required")?;
    args.values = values.ok_or("--values is required")?;
    // The differences pair replications that met the same customers: the
    // seed and the number of replications stay put.
    if ["seed", "replications"].contains(&args.field.as_str()) {
        return Err(format!(
            "--field {}: a sweep compares values on the same replications; use --{} for the whole sweep",
            args.field, args.field
        ));
    }
    if args.sets.iter().any(|(f, _)| *f == args.field) {
        return Err(format!(
            "--set {} and --field {} both set it",
            args.field, args.field
        ));
    }
    Ok(args)
}

/// The scenario of every run, before `--field` is set: the file or the
/// default, with `--set`, `--replications` and `--seed` applied.
fn base_scenario(args: &Args) -> Result<Scenario, String> {
    let mut s = match &args.file {
        Some(path) => Scenario::load(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => Scenario::from_toml_str(DEFAULT_CENTER)
            .map_err(|e| format!("embedded default scenario: {e}"))?,
    };
    overrides::apply(&mut s, &args.sets, args.replications, args.seed)?;
    Ok(s)
}

/// One value's run: its replications (in index order) and its report's totals.
struct Run {
    value: String,
    reps: Vec<Replication>,
    total: Metrics<Estimate>,
    /// Per channel some contact type uses: its name, its index among the
    /// scenario's channels (the replications' `by_channel`), its metrics.
    channels: Vec<(String, usize, Metrics<Estimate>)>,
}

/// Channel `c`'s paired differences `run − base` (as [`paired`]).
fn paired_channel(base: &Run, run: &Run, c: usize, confidence: f64) -> Metrics<Estimate> {
    let diffs: Vec<Metrics<f64>> = base
        .reps
        .iter()
        .zip(&run.reps)
        .map(|(a, b)| b.by_channel[c].minus(&a.by_channel[c]))
        .collect();
    Metrics::estimate(&diffs.iter().collect::<Vec<_>>(), confidence)
}

/// Each total metric's paired difference `run − base`, replication by
/// replication (Student's t over the differences; a pair where either is
/// undefined is left out).
fn paired(base: &Run, run: &Run, confidence: f64) -> Metrics<Estimate> {
    let diffs: Vec<Metrics<f64>> = base
        .reps
        .iter()
        .zip(&run.reps)
        .map(|(a, b)| b.total.minus(&a.total))
        .collect();
    Metrics::estimate(&diffs.iter().collect::<Vec<_>>(), confidence)
}

/// Picks one metric of a row.
type Pick = fn(&Metrics<Estimate>) -> &Estimate;

/// The table's columns: name, metric, scale, decimals.
const COLUMNS: [(&str, Pick, f64, usize); 5] = [
    ("service level %", |m| &m.service_level, 100.0, 1),
    ("ASA s", |m| &m.asa, 1.0, 1),
    ("abandoned %", |m| &m.p_abandon, 100.0, 1),
    ("occupancy %", |m| &m.occupancy, 100.0, 1),
    ("agents", |m| &m.agents, 1.0, 2),
];

fn print_table(field: &str, runs: &[Run], diffs: &[Metrics<Estimate>]) {
    let mut rows = vec![
        std::iter::once(field.to_string())
            .chain(COLUMNS.iter().map(|c| c.0.to_string()))
            .collect::<Vec<_>>(),
    ];
    for (run, d) in runs.iter().zip(diffs) {
        let mut row = vec![run.value.clone()];
        row.extend(COLUMNS.iter().map(|&(_, pick, scale, dec)| {
            let base = pm(pick(&run.total), scale, dec);
            if std::ptr::eq(run, &runs[0]) {
                base
            } else {
                format!("{base}  ({})", diff(pick(d), scale, dec))
            }
        }));
        rows.push(row);
    }
    print_grid(&rows);
}

/// Service level per channel, when contacts came on several: the total
/// mixes channels of different targets.
fn print_channels(field: &str, runs: &[Run], confidence: f64) {
    let Some(first) = runs.first() else { return };
    if first.channels.len() < 2 {
        return;
    }
    let mut rows = vec![
        std::iter::once(field.to_string())
            .chain(
                first
                    .channels
                    .iter()
                    .map(|(name, _, _)| format!("{name} SL %")),
            )
            .collect::<Vec<_>>(),
    ];
    for run in runs {
        let mut row = vec![run.value.clone()];
        for (_, c, m) in &run.channels {
            let base = pm(&m.service_level, 100.0, 1);
            row.push(if std::ptr::eq(run, first) {
                base
            } else {
                let d = paired_channel(first, run, *c, confidence);
                format!("{base}  ({})", diff(&d.service_level, 100.0, 1))
            });
        }
        rows.push(row);
    }
    println!("\nservice level per channel (each contact against its own type's target):");
    print_grid(&rows);
}

/// Rows as a table: the first a header, then a rule; the first column left.
fn print_grid(rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(j, (c, &w))| {
                if j == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        println!("{}", line.join("  "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            println!("{}", rule.join("  "));
        }
    }
}

/// `sweep.csv`: one line per value and total metric.
fn csv(runs: &[Run], diffs: &[Metrics<Estimate>], policy: &str, confidence: f64) -> String {
    fn num(x: f64) -> String {
        // Huge and tiny values in exponent form (1.1e-15, not 0.0000000000000011):
        // still exact, shorter, and what a reader expects.
        if x.is_finite() && x != 0.0 && !(1e-4..1e15).contains(&x.abs()) {
            format!("{x:e}")
        } else if x.is_finite() {
            format!("{x}")
        } else {
            String::new()
        }
    }
    fn quote(s: &str) -> String {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::from("value,policy,metric,mean,half_width,n,diff_mean,diff_half_width\n");
    for (run, d) in runs.iter().zip(diffs) {
        let mut line = |name: &str, e: &Estimate, de: &Estimate| {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                quote(&run.value),
                quote(policy),
                quote(name),
                num(e.mean),
                num(e.half_width),
                e.n,
                num(de.mean),
                num(de.half_width)
            ));
        };
        let metrics = run.total.values().zip(d.values());
        for (name, (e, de)) in Metrics::<Estimate>::NAMES.iter().zip(metrics) {
            line(name, e, de);
        }
        // Each channel's service level, when contacts came on several.
        if run.channels.len() > 1 {
            for (channel, c, m) in &run.channels {
                let d = paired_channel(&runs[0], run, *c, confidence);
                line(
                    &format!("service_level[{channel}]"),
                    &m.service_level,
                    &d.service_level,
                );
            }
        }
    }
    out
}

fn main() -> ExitCode {
    pipe::end_quietly_on_closed_pipe();
    let fail = |e: String| {
        eprintln!("error: {e}\n(sweep --help lists the options)");
        ExitCode::from(2)
    };
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let base = match base_scenario(&args) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // Every value is checked, and its scenario validated, before anything runs.
    let mut sims = Vec::with_capacity(args.values.len());
    for v in &args.values {
        let mut s = base.clone();
        let checked = s
            .set(&args.field, v)
            .map_err(|e| e.to_string())
            .and_then(|()| Simulation::new(s).map_err(|e| e.to_string()));
        match checked {
            Ok(sim) => {
                for w in sim.scenario().warnings() {
                    eprintln!("warning: {} = {v}: {w}", args.field);
                }
                sims.push(sim)
            }
            Err(e) => return fail(format!("--field {} = {v}: {e}", args.field)),
        }
    }
    let own = base.policy.clone();
    let policy = match PolicySpec::named(args.policy.as_slice(), &own) {
        Ok(p) => p[0].clone(),
        Err(e) => return fail(format!("--policy: {e}")),
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        return fail(format!("--out: cannot create {}: {e}", args.out.display()));
    }
    for (field, value) in &args.sets {
        println!("set {field} = {value}");
    }
    println!(
        "sweep of {} over {} value{}: scenario {}, policy {}, {} replications each, seed {} \
         (the same customers for every value: common random numbers)\n",
        args.field,
        sims.len(),
        if sims.len() == 1 { "" } else { "s" },
        if base.name.is_empty() {
            "(unnamed)"
        } else {
            &base.name
        },
        policy.name(),
        base.replications,
        base.seed
    );

    let bar = ProgressBar::with_draw_target(Some(sims.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} values, {elapsed}")
            .expect("a valid template"),
    );
    let mut runs = Vec::with_capacity(sims.len());
    for (sim, value) in sims.iter().zip(&args.values) {
        let opts = RunOptions {
            confidence: args.confidence,
            ..RunOptions::default()
        };
        let done = sim
            .replications_policy(&policy, opts)
            .map_err(|e| e.to_string())
            .and_then(|reps| {
                let report = sim
                    .report(&reps, args.confidence)
                    .map_err(|e| e.to_string())?;
                let channels = report
                    .by_channel
                    .into_iter()
                    .filter_map(|row| {
                        let c = sim
                            .scenario()
                            .channels
                            .iter()
                            .position(|n| *n == row.name)?;
                        Some((row.name, c, row.metrics))
                    })
                    .collect();
                Ok(Run {
                    value: value.clone(),
                    reps,
                    total: report.total,
                    channels,
                })
            });
        match done {
            Ok(run) => runs.push(run),
            Err(e) => {
                bar.finish_and_clear();
                eprintln!("error: {} = {value}: simulation failed: {e}", args.field);
                return ExitCode::FAILURE;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let diffs: Vec<Metrics<Estimate>> = runs
        .iter()
        .map(|r| paired(&runs[0], r, args.confidence))
        .collect();
    print_table(&args.field, &runs, &diffs);
    print_channels(&args.field, &runs, args.confidence);
    println!(
        "\neach cell: mean ± half-width of the {}% (Student t) interval over replications; in \
         brackets the paired difference from {} = {}, * where its interval excludes 0",
        args.confidence * 100.0,
        args.field,
        runs[0].value
    );
    let path = args.out.join("sweep.csv");
    let written = std::fs::write(&path, csv(&runs, &diffs, policy.name(), args.confidence));
    match written {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas_only() {
        assert_eq!(split_values("10, 12,14").unwrap(), ["10", "12", "14"]);
        assert_eq!(
            split_values(r#"{ kind = "constant", value = 30.0 },[1, 2],"a,b""#).unwrap(),
            [
                r#"{ kind = "constant", value = 30.0 }"#,
                "[1, 2]",
                r#""a,b""#
            ]
        );
        assert!(split_values("10,,12").unwrap_err().contains("value 2"));
        assert!(split_values("[1, 2").unwrap_err().contains("unbalanced"));
        assert!(split_values("\"open").unwrap_err().contains("unbalanced"));
    }

    /// The paired difference is the mean of the per-replication differences,
    /// and a run against itself differs by exactly 0.
    #[test]
    fn paired_differences_are_per_replication() {
        let mut s = Scenario::from_toml_str(DEFAULT_CENTER).unwrap();
        s.replications = 4;
        let sim = Simulation::new(s.clone()).unwrap();
        let mut more = s;
        more.set("groups[late-generalists].count", "14").unwrap();
        let sim2 = Simulation::new(more).unwrap();
        let spec = PolicySpec::LongestIdleAgent;
        let run = |sim: &Simulation| {
            let reps = sim
                .replications_policy(&spec, RunOptions::default())
                .unwrap();
            let total = sim.report(&reps, 0.95).unwrap().total;
            Run {
                value: String::new(),
                reps,
                total,
                channels: vec![],
            }
        };
        let (a, b) = (run(&sim), run(&sim2));
        let same = paired(&a, &a, 0.95);
        assert_eq!(same.service_level.mean, 0.0);
        assert_eq!(same.service_level.half_width, 0.0);
        let d = paired(&a, &b, 0.95);
        let by_hand: f64 = a
            .reps
            .iter()
            .zip(&b.reps)
            .map(|(x, y)| y.total.service_level - x.total.service_level)
            .sum::<f64>()
            / 4.0;
        assert!((d.service_level.mean - by_hand).abs() < 1e-15);
        assert!(d.service_level.mean > 0.0, "two more agents help");
        // Common random numbers: the same customers arrive in both.
        for (x, y) in a.reps.iter().zip(&b.reps) {
            assert_eq!(x.total.offered, y.total.offered);
        }
        // A channel's difference is its rows' difference, pair by pair.
        let voice = sim
            .scenario()
            .channels
            .iter()
            .position(|c| c == "voice")
            .unwrap();
        let d = paired_channel(&a, &b, voice, 0.95);
        let by_hand: f64 = a
            .reps
            .iter()
            .zip(&b.reps)
            .map(|(x, y)| y.by_channel[voice].service_level - x.by_channel[voice].service_level)
            .sum::<f64>()
            / 4.0;
        assert!((d.service_level.mean - by_hand).abs() < 1e-15);
        assert_eq!(paired_channel(&a, &a, voice, 0.95).service_level.mean, 0.0);
    }
}
