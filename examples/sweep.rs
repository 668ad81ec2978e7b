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
//! it, as `simulate --set` would, under that run's scenario's own policy (so
//! a swept `policy.*` field, `policy.kind` or `policy.steps`, changes what
//! runs), or under `--policy NAME` for every value. Every run uses the same
//! seed, so each replication meets the same customers whatever the value
//! (common random numbers), and the difference from the first value is a
//! paired difference, replication by replication, with its own, much
//! narrower, interval; where the policy differs between values, the output
//! says so, and a difference compares policies on the same customers. A
//! wait percentile's difference (`wait_p90` in the CSV) is the difference
//! of the two values' own percentiles, pooled over replications as their
//! columns are, with the paired interval, as `simulate`'s comparisons give
//! it (`Comparison::paired_row`).
//!
//! Prints a table (mean ± half-width of the `--confidence` interval over
//! replications, the figure alone from one replication; `*` where a
//! difference's interval excludes 0; `†` on a mean over only the
//! replications that define it, fewer than were run, with a line saying
//! so) and writes
//! `sweep.csv` to `--out` (default: the current directory): one line per
//! value and total metric, `value,policy,metric,mean,half_width,n,
//! diff_mean,diff_half_width,diff_n` (`policy` the one that value ran; `n`
//! the replications defining the metric, `diff_n` the pairs where both
//! values do, on which the difference's interval rests). `metric` is one
//! of the report's total metrics, named as in `report.json`'s `total`
//! (`offered`, `service_level`, `asa`, `wait_p90`, …, `occupancy`): counts
//! per replication, shares as fractions (0.8 where the table prints 80.0),
//! times in seconds; a blank cell is undefined (the ASA of a run that
//! answered nobody, the half-width of a single replication). When the
//! runs together have contacts on several channels, it also prints a table
//! of each channel's service level, a column per channel any value uses
//! (`–` where a value uses no such channel), and writes lines
//! (`service_level[voice]`) for each channel a value uses; a channel's
//! difference is given only where the first value uses that channel too
//! (blank in the CSV otherwise). Values are TOML, separated by commas outside
//! brackets, braces and quotes, each once (two that give the same
//! scenario, `8` and `8.0`, are refused). `--set FIELD=VALUE` (repeatable),
//! `--replications N` and `--seed S` change the scenario for every value;
//! each field once, whatever its spelling: a `--set` of the swept field
//! (`groups[1].count` beside `--field groups[late-generalists].count`,
//! when that group is the second) or of what it holds, a `--set` that
//! replaces what an earlier one set, and `--set seed=…` beside `--seed`
//! are refused, naming both (the one applied last won in silence). A
//! `--set` or the swept field inside what an earlier `--set` set refines
//! it (`--set 'offers.rona_pause={ kind = "constant", value = 120.0 }'`,
//! then `--field offers.rona_pause.value`), and is kept. The CSV writes
//! `short_abandoned` only where a target sets `short_abandon`, and the
//! self-service figures only where a type has a `self_service` tier, as
//! the report does (sweep `contact_types[0].self_service.containment` for
//! a bot's what-if). The totals are inbound figures: when a contact type
//! has a dialer (outbound work), it also prints a table of each dialer
//! type's items answered (after the warm-up) and left in the dialer at the
//! end, paired like the totals, and writes `answered[TYPE]`,
//! `dialer_released[TYPE]`, `in_dialer_at_end[TYPE]` and `asa[TYPE]` (the
//! items' age at answer), so that a sweep of `contact_types[i].dialer.reserve`
//! shows both sides of the trade-off. The file is validated with the `--set`s and each value
//! in, as `simulate`'s is, so that they may fix what it has wrong (`--set
//! horizon=28800.0` on a file whose horizon is negative).
//! A bad option, file or value exits with status 2, naming it.

mod cells;
mod overrides;
mod pipe;

use std::path::PathBuf;
use std::process::ExitCode;

use cells::{NO_INTERVAL, count, diff, few, few_note, level_percent, mark, pm, short_number};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use skillroute::sim::{
    Comparison, Estimate, Metrics, PolicySpec, Replication, RunOptions, Scenario, ScenarioError,
    Simulation, WaitHistogram,
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
  --policy NAME     a built-in policy instead of each value's scenario's own
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

/// The options' defaults, before the command line: no field or values yet.
impl Default for Args {
    fn default() -> Self {
        Args {
            file: None,
            field: String::new(),
            values: Vec::new(),
            policy: None,
            sets: Vec::new(),
            replications: None,
            seed: None,
            confidence: 0.95,
            out: PathBuf::from("."),
        }
    }
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

/// `slot` set to `value`, or an error if `flag` set it already.
fn once<T>(slot: &mut Option<T>, flag: &str, value: T) -> Result<(), String> {
    if slot.replace(value).is_some() {
        return Err(format!("{flag} given twice"));
    }
    Ok(())
}

fn parse_args(raw: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut file = None;
    let (mut field, mut values) = (None, None);
    let mut args = Args::default();
    let (mut replications, mut seed, mut confidence, mut out) = (None, None, None, None);
    let mut it = raw.into_iter();
    let mut next = |name: &str| it.next().ok_or(format!("{name} needs a value"));
    while let Ok(a) = next("") {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--field" => once(&mut field, "--field", next("--field")?)?,
            "--values" => once(&mut values, "--values", split_values(&next("--values")?)?)?,
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
                    Ok(n) if n >= 1 => once(&mut replications, "--replications", n)?,
                    _ => return Err(format!("--replications: {v:?} is not a whole number >= 1")),
                }
            }
            "--seed" => {
                let v = next("--seed")?;
                let s = v
                    .parse()
                    .map_err(|_| format!("--seed: {v:?} is not a whole number"))?;
                once(&mut seed, "--seed", s)?;
            }
            "--confidence" => {
                let v = next("--confidence")?;
                match v.parse::<f64>() {
                    Ok(c) if c > 0.0 && c < 1.0 => once(&mut confidence, "--confidence", c)?,
                    _ => {
                        return Err(format!(
                            "--confidence: {v:?} is not strictly between 0 and 1"
                        ));
                    }
                }
            }
            "--out" => once(&mut out, "--out", PathBuf::from(next("--out")?))?,
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ => return Err("more than one scenario file given".into()),
        }
    }
    args.file = file;
    args.replications = replications;
    args.seed = seed;
    args.confidence = confidence.unwrap_or(0.95);
    args.out = out.unwrap_or_else(|| PathBuf::from("."));
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
    overrides::check_flags(&args.sets, args.seed.is_some(), args.replications.is_some())?;
    Ok(args)
}

/// The scenario of every run, before `--field` is set: the file or the
/// default, with `--set`, `--replications` and `--seed` applied. The file
/// is read, not validated: `--set` and each value go in first, so that they
/// may fix what the file has wrong, as `simulate --set` may, and each
/// value's scenario is validated whole ([`prepare`]).
fn base_scenario(args: &Args) -> Result<Scenario, String> {
    let mut s = match &args.file {
        // A file that cannot be read names its path in the error already.
        Some(path) => Scenario::read(path).map_err(|e| match e {
            ScenarioError::Io { .. } => e.to_string(),
            e => format!("{}: {e}", path.display()),
        })?,
        None => Scenario::from_toml_str(DEFAULT_CENTER)
            .map_err(|e| format!("embedded default scenario: {e}"))?,
    };
    // Before anything is applied, and in the scenario the paths name (a
    // group's name is its index in one file and another in the next).
    overrides::check_clashes(&s, &args.sets, Some(&args.field))?;
    overrides::apply(&mut s, &args.sets, args.replications, args.seed)?;
    Ok(s)
}

/// One value's run: its replications (in index order) and its report's totals.
struct Run {
    value: String,
    /// The policy it ran: its own scenario's (after `--field` is set), or
    /// the `--policy` built-in.
    policy: PolicySpec,
    reps: Vec<Replication>,
    total: Metrics<Estimate>,
    /// Per channel some contact type uses: its name, its index among the
    /// scenario's channels (the replications' `by_channel`), its metrics.
    channels: Vec<(String, usize, Metrics<Estimate>)>,
    /// Per contact type with a dialer (outbound work): its name, its index
    /// among the scenario's types (the replications' `by_type`), its
    /// metrics. The totals are inbound figures: a reserve's sweep needs
    /// these for the other side of the trade-off.
    outbound: Vec<(String, usize, Metrics<Estimate>)>,
}

impl Run {
    /// Channel `name`'s index among the run's scenario channels and its
    /// metrics, if some contact type of the run uses it.
    fn channel(&self, name: &str) -> Option<(usize, &Metrics<Estimate>)> {
        self.channels
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, c, m)| (*c, m))
    }

    /// Dialer type `name`'s index among the run's contact types.
    fn outbound_type(&self, name: &str) -> Option<usize> {
        self.outbound
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, k, _)| *k)
    }
}

/// The policy a value runs: `--policy NAME` if given (with its scenario's
/// parameters when the kinds match), else that value's own scenario's
/// policy, so that a swept `policy.*` field takes effect.
fn value_policy(named: Option<&str>, scenario: &Scenario) -> Result<PolicySpec, String> {
    PolicySpec::named(named.as_slice(), &scenario.policy)
        .map(|p| p[0].clone())
        .map_err(|e| format!("--policy: {e}"))
}

/// Every value's simulation and policy, each scenario validated, before
/// anything runs; warnings go to stderr.
fn prepare(args: &Args, base: &Scenario) -> Result<Vec<(Simulation, PolicySpec)>, String> {
    let mut out: Vec<(Simulation, PolicySpec)> = Vec::with_capacity(args.values.len());
    for (i, v) in args.values.iter().enumerate() {
        let mut s = base.clone();
        let sim = s
            .set(&args.field, v)
            .map_err(|e| e.to_string())
            .and_then(|()| Simulation::new(s).map_err(|e| e.to_string()))
            .map_err(|e| format!("--field {} = {v}: {e}", args.field))?;
        // Two values that give one scenario (12 twice, or 8 and 8.0) would
        // give two identical rows, and two CSV lines per metric under keys
        // a reader cannot tell apart.
        let json = sim.scenario().to_json_string();
        if let Some(j) = out
            .iter()
            .position(|(other, _)| other.scenario().to_json_string() == json)
        {
            return Err(format!(
                "--values: {} (value {}) and {v} (value {}) give the same scenario; give each value once",
                args.values[j],
                j + 1,
                i + 1
            ));
        }
        for w in sim.scenario().warnings() {
            eprintln!("warning: {} = {v}: {w}", args.field);
        }
        let policy = value_policy(args.policy.as_deref(), sim.scenario())?;
        let own = &sim.scenario().policy;
        let swept = *own != base.policy || args.field.starts_with("policy");
        if swept && policy != *own {
            eprintln!(
                "warning: {} = {v}: --policy {} runs, not this value's own policy ({})",
                args.field,
                policy.name(),
                own.name()
            );
        }
        out.push((sim, policy));
    }
    Ok(out)
}

/// Runs one value: its replications under `policy` and its report.
fn run_value(
    sim: &Simulation,
    policy: &PolicySpec,
    value: &str,
    confidence: f64,
) -> Result<Run, String> {
    let opts = RunOptions {
        confidence,
        ..RunOptions::default()
    };
    let reps = sim
        .replications_policy(policy, opts)
        .map_err(|e| e.to_string())?;
    let report = sim.report(&reps, confidence).map_err(|e| e.to_string())?;
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
    let types = &sim.scenario().contact_types;
    let outbound = report
        .by_type
        .into_iter()
        .enumerate()
        .filter(|(k, _)| types.get(*k).is_some_and(|t| t.dialer.is_some()))
        .map(|(k, row)| (row.name, k, row.metrics))
        .collect();
    Ok(Run {
        value: value.to_string(),
        policy: policy.clone(),
        reps,
        total: report.total,
        channels,
        outbound,
    })
}

/// The channels some run uses, each once: in `order` (the unswept
/// scenario's channels), then any other in the order the runs name them.
fn channel_union(runs: &[Run], order: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for run in runs {
        for (name, _, _) in &run.channels {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    // A stable sort: channels outside `order` keep their first-seen order.
    names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
    names
}

/// Channel `name`'s paired differences `run − base` (as [`paired`]), or
/// `None` when either run has no contact type on it (nothing to pair).
fn paired_channel(base: &Run, run: &Run, name: &str, confidence: f64) -> Option<Metrics<Estimate>> {
    let (cb, _) = base.channel(name)?;
    let (cr, _) = run.channel(name)?;
    // The same replications as the runs' totals, which `paired` checked
    // for pairing and the confidence level: this cannot fail.
    Comparison::paired_row(
        &base.reps,
        &run.reps,
        |r| {
            (
                &r.by_channel[cb],
                r.waits.as_ref().map(|w| &w.by_channel[cb]),
            )
        },
        |r| {
            (
                &r.by_channel[cr],
                r.waits.as_ref().map(|w| &w.by_channel[cr]),
            )
        },
        confidence,
    )
    .ok()
}

/// Dialer type `name`'s paired differences `run − base`, replication by
/// replication, if both runs have it.
fn paired_outbound(
    base: &Run,
    run: &Run,
    name: &str,
    confidence: f64,
) -> Option<Metrics<Estimate>> {
    let kb = base.outbound_type(name)?;
    let kr = run.outbound_type(name)?;
    Comparison::paired_row(
        &base.reps,
        &run.reps,
        |r| (&r.by_type[kb], r.waits.as_ref().map(|w| &w.by_type[kb])),
        |r| (&r.by_type[kr], r.waits.as_ref().map(|w| &w.by_type[kr])),
        confidence,
    )
    .ok()
}

/// The dialer types some run has, each once, in the order the runs name
/// them.
fn outbound_union(runs: &[Run]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for run in runs {
        for (name, _, _) in &run.outbound {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The dialer types' figures a planner weighs against inbound service:
/// items answered (after the warm-up) and left in the dialer at the end.
const OUTBOUND: [(&str, Pick); 2] = [
    ("answered", |m| &m.answered),
    ("in dialer at end", |m| &m.in_dialer_at_end),
];

/// The outbound table's rows, if some run has a dialer type.
fn outbound_rows(field: &str, runs: &[Run], confidence: f64) -> Option<(Vec<Vec<String>>, Marked)> {
    let first = runs.first()?;
    let names = outbound_union(runs);
    if names.is_empty() {
        return None;
    }
    let cells = runs
        .iter()
        .map(|run| {
            let replications = run.reps.len() as u32;
            let d = |name: &str| {
                (!std::ptr::eq(run, first))
                    .then(|| paired_outbound(first, run, name, confidence))
                    .flatten()
            };
            names
                .iter()
                .flat_map(|name| {
                    let own = run.outbound.iter().find(|(n, _, _)| n == name);
                    let d = d(name);
                    OUTBOUND.iter().map(move |(_, pick)| {
                        let (_, _, m) = own?;
                        Some(Cell::new(
                            pick(m),
                            d.as_ref().map(pick),
                            1.0,
                            0,
                            replications,
                        ))
                    })
                })
                .collect()
        })
        .collect();
    let header = names
        .iter()
        .flat_map(|n| OUTBOUND.iter().map(move |(what, _)| format!("{n} {what}")))
        .collect();
    Some(lay_out(field, header, runs, cells))
}

/// Outbound work per dialer type: the other side of a reserve's trade-off.
fn print_outbound(field: &str, runs: &[Run], confidence: f64) {
    let Some((rows, marked)) = outbound_rows(field, runs, confidence) else {
        return;
    };
    println!(
        "\noutbound work per dialer type (items answered after the warm-up, items still in the \
         dialer at the end; the tables above are inbound figures):"
    );
    print_grid(&rows);
    print_few_note(marked, "items", runs);
}

/// Each total metric's paired difference `run − base`, replication by
/// replication (Student's t over the differences; a pair where either is
/// undefined is left out), the wait percentiles' points the difference of
/// the two runs' pooled percentiles, as `simulate`'s comparisons give them
/// ([`Comparison::paired_row`]).
fn paired(base: &Run, run: &Run, confidence: f64) -> Result<Metrics<Estimate>, String> {
    fn total(r: &Replication) -> (&Metrics<f64>, Option<&WaitHistogram>) {
        (&r.total, r.waits.as_ref().map(|w| &w.total))
    }
    Comparison::paired_row(&base.reps, &run.reps, total, total, confidence)
        .map_err(|e| format!("value {}: no difference from the first: {e}", run.value))
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

/// The line under the tables: what a cell holds, and, when there is a
/// value to compare with the first, what the bracketed difference is (with
/// one value there is none, and the line does not announce one). One
/// replication's cells are its figures, with no interval to speak of.
fn footnote(level: &str, field: &str, first: &str, values: usize, replications: u32) -> String {
    let cell = if replications > 1 {
        format!(
            "each cell: mean ± half-width of the {level}% (Student t) interval over replications"
        )
    } else {
        format!("each cell: the one replication's figure, {NO_INTERVAL}")
    };
    let stars = if replications > 1 {
        ", * where its interval excludes 0"
    } else {
        ""
    };
    if values > 1 {
        format!("{cell}; in brackets the paired difference from {field} = {first}{stars}")
    } else {
        cell
    }
}

/// A table cell before it is laid out: a value's figure and, but in the
/// first value's row, its paired difference from the first, each written
/// and with whether it is [`few`] (over fewer replications than were run).
struct Cell {
    own: (String, bool),
    diff: Option<(String, bool)>,
}

impl Cell {
    /// `own` (scaled to `decimals` places) and, if any, its difference
    /// `d`, each judged against the `replications` run.
    fn new(
        own: &Estimate,
        d: Option<&Estimate>,
        scale: f64,
        decimals: usize,
        replications: u32,
    ) -> Cell {
        Cell {
            own: (pm(own, scale, decimals), few(own, replications)),
            diff: d.map(|d| (diff(d, scale, decimals), few(d, replications))),
        }
    }
}

/// Which kinds of cell a table marked: a value's own figure, a bracketed
/// difference.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Marked {
    own: bool,
    diff: bool,
}

impl Marked {
    /// Whether the table needs the footnote on marks.
    fn any(self) -> bool {
        self.own || self.diff
    }

    /// Which replications a marked mean is over, for [`few_note`]:
    /// `counts` names the contacts a figure needs.
    fn over(self, counts: &str) -> String {
        let pairs = "in which both values define it";
        match (self.own, self.diff) {
            (true, true) => {
                format!("that define it (with {counts}; a bracketed difference: {pairs})")
            }
            (false, true) => format!("{pairs} (a bracketed difference)"),
            _ => format!("that define it (with {counts})"),
        }
    }
}

/// A table's rows: the header (`field`, then `header`), then a row per
/// run, its value, then its `cells` (`None` for `–`), each figure marked
/// [`cells::FEW`] as [`mark`] does, a column's own figures and its
/// differences each padded alike; and which kinds of cell were marked. A
/// table without marks reads as it did before them.
fn lay_out(
    field: &str,
    header: Vec<String>,
    runs: &[Run],
    cells: Vec<Vec<Option<Cell>>>,
) -> (Vec<Vec<String>>, Marked) {
    let columns = cells.first().map_or(0, Vec::len);
    let column_marks: Vec<Marked> = (0..columns)
        .map(|j| {
            let of = || cells.iter().filter_map(|row| row[j].as_ref());
            Marked {
                own: of().any(|c| c.own.1),
                diff: of().any(|c| c.diff.as_ref().is_some_and(|d| d.1)),
            }
        })
        .collect();
    let body = cells.into_iter().zip(runs).map(|(row, run)| {
        std::iter::once(run.value.clone())
            .chain(row.into_iter().zip(&column_marks).map(|(cell, m)| {
                let Some(Cell { own, diff }) = cell else {
                    return "–".to_string();
                };
                let own = mark(&own.0, m.own, own.1);
                match diff {
                    Some((d, few)) => format!("{own}  ({})", mark(&d, m.diff, few)),
                    None => own,
                }
            }))
            .collect()
    });
    let rows = std::iter::once(std::iter::once(field.to_string()).chain(header).collect())
        .chain(body)
        .collect();
    let marked = column_marks.iter().fold(Marked::default(), |a, m| Marked {
        own: a.own || m.own,
        diff: a.diff || m.diff,
    });
    (rows, marked)
}

/// The rows of the totals' table (header first), and which of its cells
/// are marked [`cells::FEW`].
fn table_rows(
    field: &str,
    runs: &[Run],
    diffs: &[Metrics<Estimate>],
) -> (Vec<Vec<String>>, Marked) {
    let cells = runs
        .iter()
        .zip(diffs)
        .enumerate()
        .map(|(i, (run, d))| {
            let replications = run.reps.len() as u32;
            COLUMNS
                .iter()
                .map(|&(_, pick, scale, dec)| {
                    let d = (i > 0).then(|| pick(d));
                    Some(Cell::new(pick(&run.total), d, scale, dec, replications))
                })
                .collect()
        })
        .collect();
    let header = COLUMNS.iter().map(|c| c.0.to_string()).collect();
    lay_out(field, header, runs, cells)
}

/// Prints the totals' table, with the footnote on marks if it has any.
fn print_table(field: &str, runs: &[Run], diffs: &[Metrics<Estimate>]) {
    let (rows, marked) = table_rows(field, runs, diffs);
    print_grid(&rows);
    print_few_note(marked, "the contacts it counts", runs);
}

/// The rows of the per-channel service-level table (header first), and
/// which of its cells are marked [`cells::FEW`], or `None` unless the runs
/// together used several channels. A column per channel of any run
/// ([`channel_union`]); a run without contacts on a channel has `–`
/// there, and a difference is shown only where the run and the first both
/// have the channel.
fn channel_rows(
    field: &str,
    runs: &[Run],
    order: &[String],
    confidence: f64,
) -> Option<(Vec<Vec<String>>, Marked)> {
    let first = runs.first()?;
    let names = channel_union(runs, order);
    if names.len() < 2 {
        return None;
    }
    let cells = runs
        .iter()
        .map(|run| {
            let replications = run.reps.len() as u32;
            names
                .iter()
                .map(|name| {
                    let (_, m) = run.channel(name)?;
                    let d = if std::ptr::eq(run, first) {
                        None
                    } else {
                        paired_channel(first, run, name, confidence)
                    };
                    let d = d.as_ref().map(|d| &d.service_level);
                    Some(Cell::new(&m.service_level, d, 100.0, 1, replications))
                })
                .collect()
        })
        .collect();
    let header = names.iter().map(|n| format!("{n} SL %")).collect();
    Some(lay_out(field, header, runs, cells))
}

/// Service level per channel, when contacts came on several: the total
/// mixes channels of different targets.
fn print_channels(field: &str, runs: &[Run], order: &[String], confidence: f64) {
    let Some((rows, marked)) = channel_rows(field, runs, order, confidence) else {
        return;
    };
    println!("\nservice level per channel (each contact against its own type's target):");
    print_grid(&rows);
    if runs.iter().any(|r| r.channels.len() < rows[0].len() - 1) {
        println!(
            "(– where a value's contact types use no such channel; a difference only where the \
             first value's run has the channel too)"
        );
    }
    print_few_note(marked, "contacts on the channel", runs);
}

/// Says under a table what its marks mean, if it has any: `counts` names
/// the contacts a figure needs.
fn print_few_note(marked: Marked, counts: &str, runs: &[Run]) {
    if marked.any() {
        let replications = runs[0].reps.len() as u32;
        println!(
            "{}",
            few_note(replications, &marked.over(counts), "sweep.csv")
        );
    }
}

/// Rows as a table: the first a header, then a rule; the first column left.
fn print_grid(rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|j| {
            rows.iter()
                .map(|r| r.get(j).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
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

/// `sweep.csv`: one line per value and total metric, each with the policy
/// its run used; when the runs together used several channels, a
/// `service_level[CHANNEL]` line per channel each run uses (its difference
/// blank where the first value's run has no contacts on that channel).
fn csv(runs: &[Run], diffs: &[Metrics<Estimate>], order: &[String], confidence: f64) -> String {
    // Undefined (non-finite) values are blank, as CSV readers expect.
    fn num(x: f64) -> String {
        if x.is_finite() {
            short_number(x)
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
    let several_channels = channel_union(runs, order).len() > 1;
    let mut out =
        String::from("value,policy,metric,mean,half_width,n,diff_mean,diff_half_width,diff_n\n");
    for (run, d) in runs.iter().zip(diffs) {
        let mut line = |name: &str, e: &Estimate, de: Option<&Estimate>| {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                quote(&run.value),
                quote(run.policy.name()),
                quote(name),
                num(e.mean),
                num(e.half_width),
                e.n,
                de.map_or(String::new(), |de| num(de.mean)),
                de.map_or(String::new(), |de| num(de.half_width)),
                de.map_or(String::new(), |de| de.n.to_string()),
            ));
        };
        // The figures the run's report writes (no `short_abandoned`
        // without a `short_abandon` target).
        let written: Vec<&str> = run.total.written().map(|(name, _)| name).collect();
        let metrics = run.total.values().zip(d.values());
        for (name, (e, de)) in Metrics::<Estimate>::NAMES.iter().zip(metrics) {
            if written.contains(name) {
                line(name, e, Some(de));
            }
        }
        // Each dialer type's outbound work: the totals are inbound.
        for (name, _, m) in &run.outbound {
            let d = paired_outbound(&runs[0], run, name, confidence);
            for (metric, pick) in [
                ("answered", (|m| &m.answered) as Pick),
                ("dialer_released", |m| &m.dialer_released),
                ("in_dialer_at_end", |m| &m.in_dialer_at_end),
                ("asa", |m| &m.asa),
            ] {
                line(&format!("{metric}[{name}]"), pick(m), d.as_ref().map(pick));
            }
        }
        // Each channel's service level, when contacts came on several.
        if several_channels {
            for (channel, _, m) in &run.channels {
                let d = paired_channel(&runs[0], run, channel, confidence);
                line(
                    &format!("service_level[{channel}]"),
                    &m.service_level,
                    d.as_ref().map(|d| &d.service_level),
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
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let base = match base_scenario(&args) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // Every value is checked, and its scenario validated, before anything
    // runs. Each value runs its own scenario's policy (or --policy): a
    // swept `policy.*` field changes what runs.
    let sims = match prepare(&args, &base) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let same_kind = sims.windows(2).all(|w| w[0].1.name() == w[1].1.name());
    let names: Vec<&str> = sims.iter().map(|(_, p)| p.name()).collect();
    let (policy_text, policy_note) = if sims.windows(2).all(|w| w[0].1 == w[1].1) {
        (names[0].to_string(), None)
    } else if same_kind {
        (
            format!("{} (its parameters vary with the value)", names[0]),
            Some(format!("the {} parameters differ between values", names[0])),
        )
    } else {
        (
            format!("per value: {}", names.join(", ")),
            Some(format!(
                "the policy differs between values ({})",
                names.join(", ")
            )),
        )
    };
    if let Err(e) = cells::out_dir(&args.out) {
        return fail(format!("--out: {e}"));
    }
    for (field, value) in &args.sets {
        println!("set {field} = {value}");
    }
    println!(
        "sweep of {} over {}: scenario {}, policy {}, {} each, seed {} \
         (the same customers for every value: common random numbers)\n",
        args.field,
        count(sims.len(), "value"),
        if base.name.is_empty() {
            "(unnamed)"
        } else {
            &base.name
        },
        policy_text,
        count(base.replications as usize, "replication"),
        base.seed
    );

    let bar = ProgressBar::with_draw_target(Some(sims.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} values, {elapsed}")
            .expect("a valid template"),
    );
    let mut runs = Vec::with_capacity(sims.len());
    for ((sim, policy), value) in sims.iter().zip(&args.values) {
        match run_value(sim, policy, value, args.confidence) {
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

    let diffs = runs
        .iter()
        .map(|r| paired(&runs[0], r, args.confidence))
        .collect::<Result<Vec<_>, _>>();
    let diffs = match diffs {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_table(&args.field, &runs, &diffs);
    // A policy whose proposals the router refused was not carried out as
    // written: the table alone does not show it.
    for run in &runs {
        let rejected: u64 = run.reps.iter().map(|r| r.rejected_proposals).sum();
        if rejected > 0 {
            eprintln!(
                "warning: {} = {}: the router refused {:.1} of the policy's proposals per \
                 replication: its figures are not those of the policy as written",
                args.field,
                run.value,
                rejected as f64 / run.reps.len().max(1) as f64
            );
        }
    }
    print_channels(&args.field, &runs, &base.channels, args.confidence);
    print_outbound(&args.field, &runs, args.confidence);
    println!(
        "\n{}",
        footnote(
            &level_percent(args.confidence),
            &args.field,
            &runs[0].value,
            runs.len(),
            base.replications
        )
    );
    println!("{}", cells::OCCUPANCY);
    if let Some(note) = policy_note {
        println!(
            "{note}: each difference compares a value's policy with the first value's on the \
             same customers (common random numbers)"
        );
    }
    let path = args.out.join("sweep.csv");
    let written = std::fs::write(&path, csv(&runs, &diffs, &base.channels, args.confidence));
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

    /// `sweep ARGS…`'s parsed arguments, or the error.
    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    /// An option given twice is refused, naming it: `--seed 1 --seed 2`
    /// (or `--values`, `--field`, `--replications`, `--confidence`,
    /// `--out`) ran with the last in silence, where `--policy` said "given
    /// twice"; `--set`, which changes a field each time, stays repeatable.
    #[test]
    fn an_option_given_twice_is_refused() {
        let needed = ["--field", "offers.timeout", "--values", "8,12"];
        for (flag, value) in [
            ("--field", "offers.timeout"),
            ("--values", "8,12"),
            ("--replications", "3"),
            ("--seed", "5"),
            ("--confidence", "0.9"),
            ("--out", "/tmp"),
            ("--policy", "c-mu"),
        ] {
            let mut args = needed.to_vec();
            args.extend([flag, value, flag, value]);
            let e = parse(&args)
                .err()
                .unwrap_or_else(|| panic!("{flag} twice accepted"));
            assert!(e.starts_with(&format!("{flag} given twice")), "{e}");
        }
        let mut args = needed.to_vec();
        args.extend(["--set", "offers.ring_delay=1", "--set", "replications=3"]);
        let a = parse(&args).unwrap();
        assert_eq!(a.sets.len(), 2);
        assert_eq!((a.confidence, a.out.clone()), (0.95, PathBuf::from(".")));
        let mut args = needed.to_vec();
        args.extend(["--seed", "5", "--confidence", "0.9", "--replications", "3"]);
        let a = parse(&args).unwrap();
        assert_eq!(
            (a.seed, a.confidence, a.replications),
            (Some(5), 0.9, Some(3))
        );
    }

    /// One field set twice, in two spellings, is refused naming both
    /// arguments, before anything runs: `--set groups[1].count=12` beside
    /// `--field groups[late-generalists].count` (the second group) ran
    /// each swept value and dropped the `--set` in silence, and of two
    /// `--set`s of one field the last won. Overrides of different fields,
    /// one inside what an earlier one set, or a group renamed and then
    /// named by its new name, are kept.
    #[test]
    fn one_field_in_two_spellings_is_refused() {
        let base = |sets: &[(&str, &str)], field: &str| {
            base_scenario(&Args {
                field: field.into(),
                values: vec!["8".into(), "10".into()],
                sets: sets
                    .iter()
                    .map(|(f, v)| (f.to_string(), v.to_string()))
                    .collect(),
                ..Args::default()
            })
        };
        let late = "groups[late-generalists].count";
        let center = Scenario::from_toml_str(DEFAULT_CENTER).unwrap();
        assert_eq!(center.groups[1].name, "late-generalists");
        for spelling in [
            "groups[1].count",
            "groups[01].count",
            "groups[+1].count",
            late,
        ] {
            let e = base(&[(spelling, "12")], late).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "--set {spelling}=12 and --field {late} both set groups[1].count: each swept \
                     value would replace the --set; leave the --set out, or sweep another field"
                )
            );
        }
        // The swept field holds the one set.
        let e = base(&[(late, "12")], "groups[1]").unwrap_err();
        assert!(
            e.starts_with(&format!(
                "--set {late}=12 and --field groups[1] both set groups[1].count"
            )),
            "{e}"
        );
        // Two --sets: the later replaces the earlier, in any spelling.
        let e = base(&[(late, "12"), ("groups[1].count", "14")], "offers.timeout").unwrap_err();
        assert!(
            e.starts_with(&format!(
                "--set {late}=12 and --set groups[1].count=14 both set groups[1].count"
            )),
            "{e}"
        );
        let e = base(
            &[("offers.timeout", "8"), ("offers", "{ timeout = 12.0 }")],
            late,
        )
        .unwrap_err();
        assert!(e.contains("both set offers.timeout"), "{e}");
        // Kept: a rename, then the group by its new name; a --set inside an
        // earlier one's table; a field inside a --set's table.
        let s = base(
            &[
                ("groups[0].name", "\"first\""),
                ("groups[first].count", "9"),
            ],
            late,
        )
        .unwrap();
        assert_eq!((s.groups[0].name.as_str(), s.groups[0].count), ("first", 9));
        let pause = r#"{ kind = "constant", value = 120.0 }"#;
        base(
            &[
                ("offers.rona_pause", pause),
                ("offers.rona_pause.value", "60.0"),
            ],
            late,
        )
        .unwrap();
        base(&[("offers.rona_pause", pause)], "offers.rona_pause.value").unwrap();
        base(&[("groups[0].count", "9")], late).unwrap();
        // --seed and --replications are applied after every --set.
        let needed = ["--field", "offers.timeout", "--values", "8,12"];
        for (set, flag) in [("seed=3", "--seed"), ("replications=4", "--replications")] {
            let mut args = needed.to_vec();
            args.extend(["--set", set, flag, "5"]);
            let e = parse(&args).err().expect("refused");
            assert_eq!(
                e,
                format!(
                    "--set {set} and {flag} both set {}; give it once",
                    &flag[2..]
                )
            );
        }
    }

    /// The header counts in words that agree with the number ("1
    /// replication", not "1 replications"), and the footnote's level reads
    /// as written (57%, not 56.99999999999999%).
    #[test]
    fn counts_and_levels_read_as_written() {
        assert_eq!(count(1, "replication"), "1 replication");
        assert_eq!(count(2, "replication"), "2 replications");
        assert_eq!(count(1, "value"), "1 value");
        assert_eq!(count(0, "value"), "0 values");
        for (c, text) in [
            (0.57, "57"),
            (0.95, "95"),
            (0.975, "97.5"),
            (0.999, "99.9"),
            (0.9999, "99.99"),
            (0.29, "29"),
            (0.123456, "12.3456"),
            (0.001, "0.1"),
            (1e-9, "0.0000001"),
            (0.99999999, "99.999999"),
        ] {
            assert_eq!(level_percent(c), text, "{c}");
        }
        // No power of ten to overflow: this read NaN.
        assert_eq!(level_percent(1e-305), format!("{}", 1e-303));
    }

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

    /// One value has nothing to compare with: the footnote says what a cell
    /// is and announces no bracketed difference (it did, of a column the
    /// table does not have); with two or more it names the first value.
    #[test]
    fn the_footnote_announces_differences_only_when_there_are_some() {
        let one = footnote("95", "groups[a].count", "12", 1, 10);
        assert!(one.starts_with("each cell: mean ± half-width of the 95%"));
        assert!(!one.contains("brackets"), "{one}");
        let two = footnote("95", "groups[a].count", "12", 2, 10);
        assert!(two.starts_with(&one), "{two}");
        assert!(
            two.ends_with("in brackets the paired difference from groups[a].count = 12, * where its interval excludes 0"),
            "{two}"
        );
    }

    /// One replication has no interval: the line under the tables said
    /// each cell was "mean ± half-width of the 95% interval", and promised
    /// a `*` where a difference's interval excludes 0.
    #[test]
    fn one_replications_footnote_says_it_has_no_interval() {
        let one = footnote("95", "groups[a].count", "12", 2, 1);
        assert_eq!(
            one,
            format!(
                "each cell: the one replication's figure, {NO_INTERVAL}; in brackets the \
                 paired difference from groups[a].count = 12"
            )
        );
        let alone = footnote("95", "groups[a].count", "12", 1, 1);
        assert!(one.starts_with(&alone), "{alone}");
        assert!(!alone.contains("brackets"), "{alone}");
    }

    /// A cell over fewer replications than were run is marked, a value's
    /// own figure or its difference, and the others of its kind in its
    /// column padded to stay aligned; columns without marks, and a table
    /// without any, read as before. (They read as figures of every
    /// replication.)
    #[test]
    fn a_cell_over_fewer_replications_is_marked() {
        let mut center = Scenario::from_toml_str(TWO_CHANNELS).unwrap();
        center.replications = 3;
        let (_, mut runs) = sweep_runs(center, "groups[g].count", &["3", "4"], None);
        let mut diffs: Vec<_> = runs
            .iter()
            .map(|r| paired(&runs[0], r, 0.95).unwrap())
            .collect();
        let (plain, marked) = table_rows("f", &runs, &diffs);
        assert_eq!(marked, Marked::default());
        assert!(!plain.concat().concat().contains('†'), "{plain:?}");
        // The second value's ASA over 2 of 3, its abandonment's difference
        // over 1 pair.
        runs[1].total.asa.n = 2;
        diffs[1].p_abandon.n = 1;
        let (rows, marked) = table_rows("f", &runs, &diffs);
        assert_eq!(
            marked,
            Marked {
                own: true,
                diff: true
            }
        );
        let (a, b, d) = (&runs[0].total, &runs[1].total, &diffs[1]);
        assert_eq!(rows[1][2], format!("{}  ", pm(&a.asa, 1.0, 1)));
        assert_eq!(
            rows[2][2],
            format!("{} †  ({})", pm(&b.asa, 1.0, 1), diff(&d.asa, 1.0, 1))
        );
        assert_eq!(rows[1][3], pm(&a.p_abandon, 100.0, 1));
        assert_eq!(
            rows[2][3],
            format!(
                "{}  ({} †)",
                pm(&b.p_abandon, 100.0, 1),
                diff(&d.p_abandon, 100.0, 1)
            )
        );
        for j in [0, 1, 4, 5] {
            assert_eq!((&rows[1][j], &rows[2][j]), (&plain[1][j], &plain[2][j]));
        }
        assert!(
            marked.over("x").contains("a bracketed difference"),
            "{}",
            marked.over("x")
        );
    }

    /// A value given twice, or two values that set the field alike (8 and
    /// 8.0), is refused naming both: it ran twice and wrote two CSV lines
    /// per metric under the same key.
    #[test]
    fn a_value_given_twice_is_refused() {
        let base = Scenario::from_toml_str(TWO_CHANNELS).unwrap();
        let prepared = |field: &str, values: &[&str]| {
            let args = Args {
                field: field.into(),
                values: values.iter().map(|v| v.to_string()).collect(),
                ..Args::default()
            };
            prepare(&args, &base).map(|sims| sims.len())
        };
        let e = prepared("groups[g].count", &["3", "4", "3"]).unwrap_err();
        assert!(
            e.starts_with("--values: 3 (value 1) and 3 (value 3)"),
            "{e}"
        );
        assert!(e.contains("same scenario"), "{e}");
        let e = prepared("offers.timeout", &["8", "12", "8.0"]).unwrap_err();
        assert!(
            e.starts_with("--values: 8 (value 1) and 8.0 (value 3)"),
            "{e}"
        );
        assert_eq!(prepared("groups[g].count", &["3", "4", "5"]), Ok(3));
    }

    /// A reserve's sweep shows both sides of its trade-off: the dialer
    /// types' outbound work (table and CSV), paired like the totals; a
    /// scenario without a dialer has no such table or lines.
    #[test]
    fn a_reserve_sweep_shows_the_outbound_work() {
        let mut s = Scenario::from_toml_str(DEFAULT_CENTER).unwrap();
        s.replications = 4;
        let plain = run_value(
            &Simulation::new(s.clone()).unwrap(),
            &PolicySpec::LongestIdleAgent,
            "plain",
            0.95,
        )
        .unwrap();
        assert!(outbound_rows("f", std::slice::from_ref(&plain), 0.95).is_none());
        assert!(
            !csv(
                std::slice::from_ref(&plain),
                std::slice::from_ref(&plain.total),
                &[],
                0.95
            )
            .contains("answered[")
        );
        let mut out = s.contact_types[0].clone();
        out.name = "campaign".into();
        out.arrivals = skillroute::sim::ArrivalSpec::Poisson { rate: 0.0 };
        out.patience = None;
        out.self_service = None;
        out.dialer = Some(skillroute::sim::Dialer {
            reserve: 0,
            backlog: 100_000,
        });
        s.contact_types.push(out);
        let k = s.contact_types.len() - 1;
        let runs: Vec<Run> = ["0", "4"]
            .iter()
            .map(|v| {
                let mut s = s.clone();
                s.set(&format!("contact_types[{k}].dialer.reserve"), v)
                    .unwrap();
                run_value(
                    &Simulation::new(s).unwrap(),
                    &PolicySpec::LongestIdleAgent,
                    v,
                    0.95,
                )
                .unwrap()
            })
            .collect();
        let d = paired_outbound(&runs[0], &runs[1], "campaign", 0.95).unwrap();
        assert!(d.answered.mean < 0.0, "a larger reserve makes fewer calls");
        let (rows, _) = outbound_rows("f", &runs, 0.95).unwrap();
        assert_eq!(rows[0][1], "campaign answered");
        assert_eq!(rows.len(), 3, "a header and one row per value");
        let diffs: Vec<_> = runs
            .iter()
            .map(|r| paired(&runs[0], r, 0.95).unwrap())
            .collect();
        let text = csv(&runs, &diffs, &[], 0.95);
        assert_eq!(text.matches(",answered[campaign],").count(), 2, "{text}");
        assert!(text.contains(",in_dialer_at_end[campaign],"));
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
                policy: spec.clone(),
                reps,
                total,
                channels: vec![],
                outbound: vec![],
            }
        };
        let (mut a, mut b) = (run(&sim), run(&sim2));
        let same = paired(&a, &a, 0.95).unwrap();
        assert_eq!(same.service_level.mean, 0.0);
        assert_eq!(same.service_level.half_width, 0.0);
        let d = paired(&a, &b, 0.95).unwrap();
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
        let m = Metrics::estimate(&[&a.reps[0].by_channel[voice]], 0.95);
        a.channels = vec![("voice".into(), voice, m)];
        b.channels = vec![("voice".into(), voice, m)];
        let d = paired_channel(&a, &b, "voice", 0.95).unwrap();
        let by_hand: f64 = a
            .reps
            .iter()
            .zip(&b.reps)
            .map(|(x, y)| y.by_channel[voice].service_level - x.by_channel[voice].service_level)
            .sum::<f64>()
            / 4.0;
        assert!((d.service_level.mean - by_hand).abs() < 1e-15);
        let same = paired_channel(&a, &a, "voice", 0.95).unwrap();
        assert_eq!(same.service_level.mean, 0.0);
        // Nothing to pair on a channel one of the runs does not use.
        assert!(paired_channel(&a, &b, "chat", 0.95).is_none());
    }

    /// A center whose replications are all alike (its arrivals a trace,
    /// its service constant) has every metric constant across
    /// replications: each column is that value, each difference the
    /// replications' own, both with a half-width of exactly 0. Summed
    /// plainly, they were a bit off (`agents` +0.9999999999999998 for
    /// 2 → 3 agents) and ±1e-17 to ±1e-14 wide.
    #[test]
    fn constant_metrics_have_exact_differences_and_no_width() {
        let center = Scenario::from_toml_str(
            r#"
            horizon = 3600.0
            replications = 20
            [[groups]]
            name = "g"
            count = 2
            capacity = { voice = 1 }
            [[contact_types]]
            name = "calls"
            channel = "voice"
            arrivals = { kind = "trace", times = [3.1, 10.7, 11.3, 12.9, 50.2, 51.7, 52.3, 53.3, 54.1, 300.7, 301.3, 302.9, 1203.3, 1204.7, 1205.1, 1206.9, 2001.3] }
            service = { kind = "constant", value = 97.3 }
            "#,
        )
        .unwrap();
        let (_, runs) = sweep_runs(center, "groups[g].count", &["2", "3"], None);
        let (a, b) = (&runs[0], &runs[1]);
        let d = paired(a, b, 0.95).unwrap();
        let one = |r: &Run, k: usize| *r.reps[0].total.values().nth(k).unwrap();
        let mut moved = 0;
        for (k, name) in Metrics::<f64>::NAMES.iter().enumerate() {
            let (x, y) = (one(a, k), one(b, k));
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            for (r, e) in [(a, &a.total), (b, &b.total)] {
                let e = e.values().nth(k).unwrap();
                assert_eq!((e.mean, e.half_width), (one(r, k), 0.0), "{name}");
            }
            let e = d.values().nth(k).unwrap();
            if !name.starts_with("wait_p") {
                assert_eq!(e.mean, y - x, "{name}");
            }
            assert_eq!(e.half_width, 0.0, "{name}");
            moved += usize::from(x != y);
        }
        assert!(moved > 3, "the extra agent changes little");
    }

    /// A sweep's wait-percentile differences are the differences of the two
    /// runs' own columns (their reports' pooled percentiles), to the last
    /// bit, for the total and each channel; their intervals and `n` are the
    /// paired ones (statrs's t over the per-replication differences), and
    /// the other metrics' differences are still the mean of those. (They
    /// were all the mean: a p90 difference of −3.8 beside columns that
    /// differed by −4.75.)
    #[test]
    fn percentile_differences_are_the_columns_difference() {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        let mut center = Scenario::from_toml_str(TWO_CHANNELS).unwrap();
        center.replications = 6;
        center
            .set("contact_types[calls].arrivals.rate", "0.03")
            .unwrap();
        let field = "groups[g].count";
        let (base, runs) = sweep_runs(center, field, &["3", "4"], None);
        let (a, b) = (&runs[0], &runs[1]);
        // Independently: Student's t over the finite differences.
        let t_interval = |xs: Vec<f64>| {
            let xs: Vec<f64> = xs.into_iter().filter(|x| x.is_finite()).collect();
            let k = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / k;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
            let t = StudentsT::new(0.0, 1.0, k - 1.0).map_or(f64::NAN, |t| t.inverse_cdf(0.975));
            (mean, t * (var / k).sqrt(), xs.len() as u32)
        };
        let voice = base.channels.iter().position(|c| c == "voice").unwrap();
        let chat = base.channels.iter().position(|c| c == "chat").unwrap();
        let mut apart = 0;
        for (row, d, (ma, mb)) in [
            (None, paired(a, b, 0.95).unwrap(), (&a.total, &b.total)),
            (
                Some(voice),
                paired_channel(a, b, "voice", 0.95).unwrap(),
                (a.channel("voice").unwrap().1, b.channel("voice").unwrap().1),
            ),
            (
                Some(chat),
                paired_channel(a, b, "chat", 0.95).unwrap(),
                (a.channel("chat").unwrap().1, b.channel("chat").unwrap().1),
            ),
        ] {
            let of = |r: &Replication| row.map_or(r.total, |c| r.by_channel[c]);
            for (k, name) in Metrics::<f64>::NAMES.iter().enumerate() {
                let at = |m: &Metrics<Estimate>| *m.values().nth(k).unwrap();
                let xs = a
                    .reps
                    .iter()
                    .zip(&b.reps)
                    .map(|(x, y)| of(y).values().nth(k).unwrap() - of(x).values().nth(k).unwrap())
                    .collect();
                let (mean, hw, n) = t_interval(xs);
                let e = at(&d);
                let what = format!("{row:?} {name}: {e:?} vs {mean} ± {hw} ({n})");
                assert_eq!(e.n, n, "{what}");
                if n > 1 {
                    assert!((e.half_width - hw).abs() <= 1e-9 * hw.max(1.0), "{what}");
                }
                if name.starts_with("wait_p") {
                    let want = at(mb).mean - at(ma).mean;
                    assert_eq!(e.mean.to_bits(), want.to_bits(), "{what}: columns {want}");
                    apart += usize::from((e.mean - mean).abs() > 1e-9);
                } else if n > 0 {
                    assert!(
                        (e.mean - mean).abs() <= 1e-12 * mean.abs().max(1.0),
                        "{what}"
                    );
                }
            }
        }
        assert!(
            apart > 0,
            "no percentile where pooling and averaging differ"
        );
        // The CSV gives the same numbers.
        let diffs: Vec<_> = runs.iter().map(|r| paired(a, r, 0.95).unwrap()).collect();
        let text = csv(&runs, &diffs, &base.channels, 0.95);
        let line = text
            .lines()
            .find(|l| l.starts_with("4,") && l.contains(",wait_p90,"))
            .unwrap();
        let want = b.total.wait_p90.mean - a.total.wait_p90.mean;
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols[6].parse::<f64>().unwrap(), want, "{line}");
    }

    /// `sweep.csv` says how many pairs each difference rests on (`diff_n`):
    /// fewer than the value's own `n` when the first value leaves the
    /// metric undefined in some replication, which the CSV did not tell
    /// (a difference with no interval beside an `n` of 6 was unexplained).
    #[test]
    fn the_csv_counts_the_pairs_of_each_difference() {
        let mut center = Scenario::from_toml_str(TWO_CHANNELS).unwrap();
        center.replications = 3;
        let (base, mut runs) = sweep_runs(center, "groups[g].count", &["3", "4"], None);
        // The first value's replication 1 answered nobody (as it were).
        runs[0].reps[1].total.asa = f64::NAN;
        let diffs: Vec<_> = runs
            .iter()
            .map(|r| paired(&runs[0], r, 0.95).unwrap())
            .collect();
        let text = csv(&runs, &diffs, &base.channels, 0.95);
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (n, diff_n) = (col("n"), col("diff_n"));
        for (metric, want) in [("asa", "2"), ("service_level", "3"), ("answered", "3")] {
            let line = text
                .lines()
                .find(|l| l.starts_with("4,") && l.contains(&format!(",{metric},")))
                .unwrap();
            let cols: Vec<&str> = line.split(',').collect();
            assert_eq!((cols[n], cols[diff_n]), ("3", want), "{line}");
        }
    }

    /// The sweep's runs of `base` with `field` set to each of `values`, as
    /// `main` runs them.
    fn sweep_runs(
        base: Scenario,
        field: &str,
        values: &[&str],
        policy: Option<&str>,
    ) -> (Scenario, Vec<Run>) {
        let args = Args {
            field: field.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            policy: policy.map(str::to_string),
            ..Args::default()
        };
        let runs = prepare(&args, &base)
            .unwrap()
            .iter()
            .zip(values)
            .map(|((sim, p), v)| run_value(sim, p, v, 0.95).unwrap())
            .collect();
        (base, runs)
    }

    /// Voice and chat contacts; a group that also takes social (and email).
    const TWO_CHANNELS: &str = r#"
        horizon = 3600.0
        replications = 2
        [[groups]]
        name = "g"
        count = 4
        capacity = { voice = 1, chat = 2, email = 1, social = 2 }
        [[contact_types]]
        name = "calls"
        channel = "voice"
        arrivals = { kind = "poisson", rate = 0.01 }
        service = { kind = "exponential", mean = 100.0 }
        [[contact_types]]
        name = "chats"
        channel = "chat"
        arrivals = { kind = "poisson", rate = 0.01 }
        service = { kind = "exponential", mean = 100.0 }
        [[contact_types]]
        name = "mails"
        channel = "email"
        arrivals = { kind = "poisson", rate = 0.002 }
        service = { kind = "constant", value = 60.0 }
        [service_levels]
        email = { threshold = 86400.0, fraction = 0.9 }
    "#;

    /// A cell of `rows` by its header and its row's value.
    fn cell<'a>(rows: &'a [Vec<String>], value: &str, header: &str) -> &'a str {
        let j = rows[0].iter().position(|h| h == header).unwrap();
        let row = rows.iter().find(|r| r[0] == value).unwrap();
        &row[j]
    }

    /// A swept value that changes the channels used: a column per channel
    /// any run uses, each run's numbers under its own channel's name, `–`
    /// where it has none, differences only where both runs have the channel.
    #[test]
    fn channel_table_follows_channel_names() {
        let field = "contact_types[chats].channel";
        let (base, runs) = sweep_runs(
            Scenario::from_toml_str(TWO_CHANNELS).unwrap(),
            field,
            &["\"chat\"", "\"social\""],
            None,
        );
        let (rows, _) = channel_rows(field, &runs, &base.channels, 0.95).unwrap();
        assert_eq!(
            rows[0],
            [
                field,
                "voice SL %",
                "chat SL %",
                "email SL %",
                "social SL %"
            ]
        );
        assert!(rows.iter().all(|r| r.len() == rows[0].len()));
        let social = &runs[1];
        assert_eq!(cell(&rows, "\"social\"", "chat SL %"), "–");
        assert_eq!(cell(&rows, "\"chat\"", "social SL %"), "–");
        // The social row's social cell is its social channel's, with no
        // difference (the first run has no social contacts).
        let (_, m) = social.channel("social").unwrap();
        assert_eq!(
            cell(&rows, "\"social\"", "social SL %"),
            pm(&m.service_level, 100.0, 1)
        );
        // Its email cell is its email channel's, paired with the first's email.
        let (_, m) = social.channel("email").unwrap();
        let d = paired_channel(&runs[0], social, "email", 0.95).unwrap();
        assert_eq!(
            cell(&rows, "\"social\"", "email SL %"),
            format!(
                "{}  ({})",
                pm(&m.service_level, 100.0, 1),
                diff(&d.service_level, 100.0, 1)
            )
        );
        // The CSV: each run's own channels, by name; no difference where the
        // first run lacks the channel.
        let diffs: Vec<_> = runs
            .iter()
            .map(|r| paired(&runs[0], r, 0.95).unwrap())
            .collect();
        let text = csv(&runs, &diffs, &base.channels, 0.95);
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("[")).collect();
        let named = |v: &str, c: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(v) && l.contains(&format!(",service_level[{c}],")))
                .copied()
        };
        assert!(named("\"\"\"chat", "chat").is_some());
        assert!(named("\"\"\"chat", "social").is_none());
        assert!(named("\"\"\"social", "chat").is_none());
        let (_, m) = social.channel("social").unwrap();
        let line = named("\"\"\"social", "social").unwrap();
        assert!(line.ends_with(",,,"), "{line}");
        assert!(
            line.contains(&format!(",{},", m.service_level.mean)),
            "{line}"
        );
    }

    /// A first value on one channel and a second on two, and the reverse:
    /// both get the table (no panic, no silent skip).
    #[test]
    fn channel_table_when_the_first_run_has_one_channel() {
        let field = "contact_types[chats].channel";
        // Voice and chat contacts only: the email type gone.
        let one = TWO_CHANNELS
            .split("[[contact_types]]\n        name = \"mails\"")
            .next()
            .unwrap();
        let one = Scenario::from_toml_str(one).unwrap();
        for values in [["\"chat\"", "\"voice\""], ["\"voice\"", "\"chat\""]] {
            let (base, runs) = sweep_runs(one.clone(), field, &values, None);
            let (rows, _) = channel_rows(field, &runs, &base.channels, 0.95).unwrap();
            assert_eq!(rows[0], [field, "voice SL %", "chat SL %"]);
            assert_eq!(cell(&rows, "\"voice\"", "chat SL %"), "–");
            assert_ne!(cell(&rows, "\"chat\"", "chat SL %"), "–");
            print_grid(&rows);
        }
    }

    /// Each value runs its own scenario's policy: a swept `policy.*` field
    /// changes what runs (and the CSV says which ran); `--policy` replaces it.
    #[test]
    fn each_value_runs_its_own_policy() {
        let field = "policy.steps";
        let values = [
            "[{ after = 30, relax = 1 }]",
            "[{ after = 600, relax = 1 }]",
        ];
        let mut center = Scenario::from_toml_str(DEFAULT_CENTER).unwrap();
        center.replications = 3;
        let (_, runs) = sweep_runs(center.clone(), field, &values, None);
        for (run, v) in runs.iter().zip(values) {
            let mut s = center.clone();
            s.set(field, v).unwrap();
            assert_eq!(run.policy, s.policy);
            let sim = Simulation::new(s.clone()).unwrap();
            let reps = sim
                .replications_policy(&s.policy, RunOptions::default())
                .unwrap();
            for (a, b) in run.reps.iter().zip(&reps) {
                assert_eq!(a.total.service_level, b.total.service_level);
                assert_eq!(a.total.asa, b.total.asa);
            }
        }
        assert_ne!(runs[0].policy, runs[1].policy);
        let differ = runs[0]
            .reps
            .iter()
            .zip(&runs[1].reps)
            .any(|(a, b)| a.total.asa != b.total.asa);
        assert!(differ, "the two steps route differently");

        let (_, runs) = sweep_runs(
            center.clone(),
            "policy",
            &[r#"{ kind = "c-mu" }"#, r#"{ kind = "longest-idle-agent" }"#],
            None,
        );
        assert_eq!(runs[0].policy.name(), "c-mu");
        assert_eq!(runs[1].policy.name(), "longest-idle-agent");
        let diffs: Vec<_> = runs
            .iter()
            .map(|r| paired(&runs[0], r, 0.95).unwrap())
            .collect();
        let text = csv(&runs, &diffs, &[], 0.95);
        assert!(text.contains(",c-mu,service_level,"));
        assert!(text.contains(",longest-idle-agent,service_level,"));

        // --policy NAME runs that built-in for every value.
        let s = Scenario::from_toml_str(DEFAULT_CENTER).unwrap();
        assert_eq!(value_policy(Some("c-mu"), &s).unwrap().name(), "c-mu");
        assert_eq!(value_policy(None, &s).unwrap(), s.policy);
    }

    /// `--set` may fix what the file has wrong, as `simulate --set` may:
    /// the file was validated before the `--set`s went in, so a file with
    /// a negative horizon stopped the sweep at its error whatever `--set
    /// horizon=…` said. Without the fix it is still refused, naming the
    /// field.
    #[test]
    fn set_may_fix_an_invalid_file() {
        let dir = std::env::temp_dir().join(format!("sweep-set-fixes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        let bad = TWO_CHANNELS.replace("horizon = 3600.0", "horizon = -3600.0");
        assert_ne!(bad, TWO_CHANNELS);
        std::fs::write(&file, bad).unwrap();
        let path = file.to_str().unwrap();
        let sweep = [path, "--field", "groups[g].count", "--values", "3,4"];
        let fixed = parse(&[&sweep[..], &["--set", "horizon=1800.0"]].concat()).unwrap();
        let sims = base_scenario(&fixed)
            .and_then(|base| prepare(&fixed, &base))
            .unwrap();
        assert_eq!(sims.len(), 2);
        for ((sim, _), count) in sims.iter().zip([3, 4]) {
            assert_eq!(sim.scenario().horizon, 1800.0);
            assert_eq!(sim.scenario().groups[0].count, count);
        }
        let unfixed = parse(&sweep).unwrap();
        let e = base_scenario(&unfixed)
            .and_then(|base| prepare(&unfixed, &base))
            .map(|_| ())
            .unwrap_err();
        assert!(e.contains("horizon") && e.contains("-3600"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
