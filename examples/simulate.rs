//! Simulates a contact center under the built-in routing policies and
//! compares them.
//!
//! ```text
//! cargo run --release --example simulate                      # the embedded default, every policy
//! cargo run --release --example simulate -- FILE.toml         # a scenario file, its own policy
//! cargo run --release --example simulate -- FILE.json --all-policies --out DIR
//! cargo run --release --example simulate -- --policy c-mu --replications 50 --seed 7 --trace
//! cargo run --release --example simulate -- FILE.toml --tasks 10 --task 3 --out parts   # one task of ten
//! cargo run --release --example simulate -- FILE.toml --tasks 10 --merge parts           # their report
//! ```
//!
//! With no file it runs the embedded default (`examples/data/default-center.toml`:
//! 4 skills, voice and chat, a 12-hour day of piecewise-constant arrival rates
//! and a shift change) under every built-in policy on the same customers
//! (common random numbers). It prints one row per policy (mean ± half-width
//! of the 95% (`--confidence`) interval over replications, the mean alone
//! from one replication, `†` on a mean over only the replications that
//! define it, fewer than were run, with a line saying so; the last columns
//! are the mean customer fit of answered contacts, `n/a` for a scenario without a
//! fit table, and the share of them resolved, `n/a` for a scenario without
//! ground-truth `outcomes`) and writes
//! `report.json` (every policy's report), `report.csv` (the reports' long CSV
//! with a leading `policy` column), `replications.csv` (one line per policy
//! and replication: its totals, for analysis elsewhere) and `report.svg`
//! (service level per interval and policy, a panel per channel against its
//! target, then occupancy) to `--out`
//! (default: the current directory). A scenario with `expected_wait = true` (the default does)
//! also gets a line per policy on how well the router's expected-wait
//! announcements predicted the waits. With more than one policy it also prints each one's paired
//! difference from the first (replication by replication on the same
//! customers, so the intervals are much narrower than the reports' side by
//! side; `*` marks an interval that excludes 0) and writes them to
//! `comparison.json` and `comparison.csv`. The scenario's own policy runs
//! with the parameters its file gives, the other built-ins with their
//! defaults. `--policy NAME`
//! (repeatable) picks policies by name; `--set FIELD=VALUE` (repeatable)
//! changes one field of the scenario for a what-if run, the field named as
//! the scenario's errors name it (`groups[late-generalists].count=14`, see
//! `Scenario::set`); `--replications N` and
//! `--seed S` override the scenario's; `--confidence C` sets the level of the
//! intervals (default 0.95); `--trace` also writes
//! `trace-POLICY.csv`, the per-contact trace of replication 0 under each
//! policy (the same replication the report counts first), and
//! `offers-POLICY.csv`, its per-offer trace: every offer made, answered,
//! timed out, rung while the customer gave up, or still ringing at the end
//! (a contact's `offers` in the first counts its lines in the second).
//!
//! A run too big for one machine splits into numbered tasks, one per
//! process (a Slurm job array, Kubernetes indexed jobs…): `--tasks M --task N`
//! runs task N's contiguous share of the replications and writes them to
//! `replications-task-N-of-M.jsonl`; `--tasks M --merge DIR` reads the M
//! files, names the tasks to rerun if any replication is missing, and
//! otherwise prints and writes what a single run would, to the same bytes
//! (each replication's random numbers depend on its index alone).
//!
//! A bad scenario file or option exits with status 2.

mod cells;
mod overrides;
mod pipe;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use cells::{FEW, NO_INTERVAL, OCCUPANCY, count, diff, few, few_note, level_percent, mark, pm};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plotters::prelude::*;
use skillroute::SegmentId;
use skillroute::sim::{
    Comparison, Estimate, Metrics, OfferTraceWriter, PolicySpec, Progress, Replication, Report,
    RunOptions, Scenario, ScenarioError, ServiceTarget, Simulation, TraceWriter, clock_label,
};

const DEFAULT_CENTER: &str = include_str!("data/default-center.toml");

const USAGE: &str = "usage: simulate [FILE.toml|FILE.json] [--all-policies | --policy NAME ...]
                [--set FIELD=VALUE ...] [--replications N] [--seed S] [--confidence C]
                [--trace] [--out DIR]

  no FILE           run the embedded default center under every built-in policy
  FILE              run that scenario (its own policy)
  --all-policies    run under every built-in policy (common random numbers;
                    the scenario's own policy keeps its parameters)
  --policy NAME     run under this built-in (repeatable): longest-idle-agent,
                    priority-aging, skill-expansion, c-mu, optimal-assignment,
                    learned-fit (pooled by agent group)
  --set FIELD=VALUE change one field of the scenario (repeatable), named as
                    errors name fields; a list element by index or name:
                    --set groups[late-generalists].count=14
                    --set 'contact_types[0].patience={ kind = \"exponential\", mean = 300.0 }'
  --replications N  replications instead of the scenario's
  --seed S          seed instead of the scenario's
  --confidence C    confidence level of the intervals (default 0.95)
  --trace           also write trace-POLICY.csv: one line per contact of
                    replication 0 under each policy that reached the queue
                    (not those a self-service tier contained; its offers
                    column: how many offers it received), and
                    offers-POLICY.csv: one line per offer (end: answered,
                    timed-out, abandoned, in-system)
  --out DIR         write report.json, report.csv, replications.csv and
                    report.svg there (default: .), with two or more
                    policies comparison.json and comparison.csv
                    too (an earlier run's are removed), with --trace the traces
                    (an earlier run's of policies not traced are removed)
  --task N --tasks M
                    run only task N (0..M) of the replications, a contiguous
                    share, and write its replications to
                    DIR/replications-task-N-of-M.jsonl (one JSON line each)
  --merge DIR --tasks M
                    instead of simulating, read DIR/replications-task-*-of-M.jsonl,
                    name the tasks to rerun if any replication is missing,
                    else report as a single run would, to the same bytes";

struct Args {
    file: Option<PathBuf>,
    all_policies: bool,
    policies: Vec<String>,
    /// `--set` overrides, in the order given.
    sets: Vec<(String, String)>,
    replications: Option<u32>,
    seed: Option<u64>,
    trace: bool,
    confidence: f64,
    out: PathBuf,
    task: Option<u32>,
    tasks: Option<u32>,
    merge: Option<PathBuf>,
}

/// The value after option `name`, parsed.
fn value<T: std::str::FromStr>(
    it: &mut impl Iterator<Item = std::ffi::OsString>,
    name: &str,
    what: &str,
) -> Result<T, String> {
    let v = it.next().ok_or(format!("{name} needs {what}"))?;
    let v = v.to_str().ok_or(format!("{name}: not valid UTF-8"))?;
    v.parse()
        .map_err(|_| format!("{name}: {v:?} is not {what}"))
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        file: None,
        all_policies: false,
        policies: Vec::new(),
        sets: Vec::new(),
        replications: None,
        seed: None,
        trace: false,
        confidence: 0.95,
        out: PathBuf::from("."),
        task: None,
        tasks: None,
        merge: None,
    };
    let mut it = std::env::args_os().skip(1);
    while let Some(a) = it.next() {
        match a.to_str() {
            Some("-h" | "--help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Some("--all-policies") => args.all_policies = true,
            Some("--policy") => {
                let name: String = value(&mut it, "--policy", "a policy name")?;
                let builtins = PolicySpec::builtins();
                if !builtins.iter().any(|p| p.name() == name) {
                    let names: Vec<&str> = builtins.iter().map(PolicySpec::name).collect();
                    return Err(format!(
                        "--policy: no built-in policy is named {name:?} (built-ins: {})",
                        names.join(", ")
                    ));
                }
                if !args.policies.contains(&name) {
                    args.policies.push(name);
                }
            }
            Some("--set") => {
                let v: String = value(&mut it, "--set", "FIELD=VALUE")?;
                let (field, val) = v
                    .split_once('=')
                    .ok_or(format!("--set: {v:?} is not FIELD=VALUE"))?;
                args.sets
                    .push((field.trim().to_string(), val.trim().to_string()));
            }
            Some("--replications") => {
                let n: u32 = value(&mut it, "--replications", "a whole number >= 1")?;
                if n == 0 {
                    return Err("--replications: must be >= 1".into());
                }
                args.replications = Some(n);
            }
            Some("--seed") => args.seed = Some(value(&mut it, "--seed", "a whole number")?),
            Some("--trace") => args.trace = true,
            Some("--confidence") => {
                let c: f64 = value(&mut it, "--confidence", "a level such as 0.95")?;
                if !(c > 0.0 && c < 1.0) {
                    return Err(format!("--confidence: {c} is not strictly between 0 and 1"));
                }
                args.confidence = c;
            }
            Some("--task") => args.task = Some(value(&mut it, "--task", "a task number")?),
            Some("--tasks") => {
                let m: u32 = value(&mut it, "--tasks", "a whole number >= 1")?;
                if m == 0 {
                    return Err("--tasks: must be >= 1".into());
                }
                args.tasks = Some(m);
            }
            Some("--merge") => {
                args.merge = Some(
                    it.next()
                        .map(PathBuf::from)
                        .ok_or("--merge needs a directory")?,
                );
            }
            Some("--out") => {
                args.out = it
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--out needs a directory")?;
            }
            Some(s) if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ if args.file.is_none() => args.file = Some(PathBuf::from(a)),
            _ => return Err("more than one scenario file given".into()),
        }
    }
    if args.all_policies && !args.policies.is_empty() {
        return Err("--all-policies and --policy exclude each other".into());
    }
    if (args.task.is_some() || args.merge.is_some()) != args.tasks.is_some() {
        return Err("--task and --merge go with --tasks, and --tasks with one of them".into());
    }
    if args.task.is_some() && args.merge.is_some() {
        return Err("--task and --merge exclude each other".into());
    }
    if args.trace && args.merge.is_some() {
        return Err("--trace needs a simulation; --merge reads one".into());
    }
    if args.trace && args.task.is_some() {
        // A task writes only its replications' lines: a trace (replication
        // 0 under each policy) is a run of its own.
        return Err(
            "--trace writes replication 0's per-contact trace: run it without --task \
             (--replications 1 --trace is enough)"
                .into(),
        );
    }
    overrides::check_flags(&args.sets, args.seed.is_some(), args.replications.is_some())?;
    Ok(args)
}

fn main() -> ExitCode {
    pipe::end_quietly_on_closed_pipe();
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n(simulate --help lists the options)");
            return ExitCode::from(2);
        }
    };

    // The scenario: a bad file is the user's error (status 2).
    let loaded = match &args.file {
        // A file that cannot be read names itself; other errors are prefixed.
        // Validated once the `--set`s are in (by `Simulation::new`), so that
        // they can fix what the file has wrong.
        Some(path) => Scenario::read(path).map_err(|e| match e {
            ScenarioError::Io { .. } => e.to_string(),
            e => format!("{}: {e}", path.display()),
        }),
        None => Scenario::from_toml_str(DEFAULT_CENTER)
            .map_err(|e| format!("embedded default scenario: {e}")),
    };
    let loaded = loaded.and_then(|mut s| {
        // In the scenario the paths name, before any is applied.
        overrides::check_clashes(&s, &args.sets, None)?;
        overrides::apply(&mut s, &args.sets, args.replications, args.seed)?;
        Ok(s)
    });
    // What was checked: the file, and the changes `--set` made to it (the
    // value at fault may be one of those, not in the file).
    let mut origin = match &args.file {
        Some(path) => path.display().to_string(),
        None => "embedded default scenario".to_string(),
    };
    if !args.sets.is_empty() {
        let sets: Vec<String> = args.sets.iter().map(|(f, v)| format!("{f}={v}")).collect();
        origin = format!("{origin} with --set {}", sets.join(" --set "));
    }
    let sim = match loaded.and_then(|s| Simulation::new(s).map_err(|e| format!("{origin}: {e}"))) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Only a valid scenario's warnings: an invalid one's would be noise
    // beside its error (an infinite horizon "not covered" by the rates).
    for w in sim.scenario().warnings() {
        eprintln!("warning: {w}");
    }

    // Built-ins with their defaults, except the scenario's own policy, which
    // keeps the parameters its file gives (e.g. skill-expansion's steps).
    let names: Vec<String> = if !args.policies.is_empty() {
        args.policies.clone() // in the order given
    } else if args.file.is_none() || args.all_policies {
        vec!["all".into()]
    } else {
        vec![]
    };
    let policies = match PolicySpec::named(&names, &sim.scenario().policy) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };

    // A task number out of range is an option error: said before anything
    // is printed or run.
    if let Some(tasks) = args.tasks
        && let Err(e) = sim.task_replications(args.task.unwrap_or(0), tasks)
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }

    let sc = sim.scenario();
    let name = if sc.name.is_empty() {
        "(unnamed)"
    } else {
        &sc.name
    };
    println!(
        "scenario {name}: {}, {}, {}; horizon {:.1} h, warm-up {:.0} s, {}, seed {}",
        count(sim.contact_types().len(), "contact type"),
        count(sim.groups().len(), "group"),
        count(sim.agents().len(), "agent"),
        sc.horizon / 3600.0,
        sc.warm_up,
        count(sc.replications as usize, "replication"),
        sc.seed
    );
    if args.file.is_none() {
        println!(
            "(the embedded default, examples/data/default-center.toml: a 12-hour day in \
             30-minute intervals; pass a scenario file to run your own)"
        );
    }
    for (field, value) in &args.sets {
        println!("set {field} = {value}");
    }
    println!(
        "polic{}: {}{}\n",
        if policies.len() == 1 { "y" } else { "ies" },
        policies
            .iter()
            .map(PolicySpec::name)
            .collect::<Vec<_>>()
            .join(", "),
        if policies.len() > 1 {
            " (same customers for each: common random numbers)"
        } else {
            ""
        }
    );

    // The folder the outputs go to, before anything runs: a run of hours
    // is not lost at its end for a file named like the folder.
    if let Err(e) = cells::out_dir(&args.out) {
        eprintln!("error: --out: {e}");
        return ExitCode::from(2);
    }
    let started = Instant::now();
    if let (Some(task), Some(tasks)) = (args.task, args.tasks) {
        return run_task(&sim, &policies, task, tasks, &args.out);
    }
    let runs = if let (Some(dir), Some(tasks)) = (&args.merge, args.tasks) {
        match merge_tasks(&sim, &policies, dir, tasks) {
            Ok(r) => {
                println!(
                    "merged {} from {}: {} under {} polic{}\n",
                    count(tasks as usize, "task file"),
                    dir.display(),
                    count(r.first().map_or(0, Vec::len), "replication"),
                    r.len(),
                    if r.len() == 1 { "y" } else { "ies" },
                );
                r
            }
            Err((code, e)) => {
                eprintln!("error: {e}");
                return code;
            }
        }
    } else {
        match run_all(&sim, &policies, args.confidence) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: simulation failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    };
    let elapsed = started.elapsed();
    // Every policy against the first, replication by replication (the same
    // customers in each: common random numbers).
    let built = runs
        .iter()
        .map(|reps| sim.report(reps, args.confidence))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|reports| {
            let comparisons = runs[1..]
                .iter()
                .map(|reps| sim.compare(&runs[0], reps, args.confidence))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((reports, comparisons))
        });
    let (reports, comparisons) = match built {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    let few_cells = print_table(&reports);
    warn_rejected(&reports);
    // One replication gives a figure and no interval (the cells show none).
    let cells_are = if sc.replications > 1 {
        format!(
            "each cell is mean ± half-width of the {}% (Student t) interval over replications",
            level_percent(args.confidence)
        )
    } else {
        format!("each cell is the one replication's figure: {NO_INTERVAL}")
    };
    println!(
        "\n{} polic{} x {} in {:.1} s; {cells_are}.",
        reports.len(),
        if reports.len() == 1 { "y" } else { "ies" },
        count(sc.replications as usize, "replication"),
        elapsed.as_secs_f64(),
    );
    println!("{OCCUPANCY}");
    if few_cells {
        println!(
            "{}",
            few_note(
                sc.replications,
                "that define it (with the contacts it counts)",
                "report.csv"
            )
        );
    }
    print_channels(&reports);
    print_self_service(&reports);
    print_dialer(&reports);
    if sc.expected_wait {
        print_expected_wait(&reports, sc.replications);
    }
    if sc.drain {
        print_drain(&reports, sc.horizon);
    } else {
        print_unfinished(&reports);
    }
    if sc.offers.rona_pause.is_some() {
        print_rona(&reports);
    }
    if !comparisons.is_empty() {
        print_comparisons(&comparisons, sc.replications, args.confidence);
    }
    if let Err(e) = print_learned(&sim, &policies) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }

    let written = write_outputs(&args.out, &runs, &reports, &comparisons).and_then(|mut files| {
        let traced: &[PolicySpec] = if args.trace { &policies } else { &[] };
        remove_stale_traces(&args.out, traced)?;
        files.extend(write_traces(&args.out, &sim, traced)?);
        Ok(files)
    });
    match written {
        Ok(files) => {
            for f in files {
                println!("wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every policy, with one progress bar over all of them (simulated
/// seconds), and returns each one's replications in index order.
fn task_file(dir: &Path, task: u32, tasks: u32) -> PathBuf {
    dir.join(format!("replications-task-{task}-of-{tasks}.jsonl"))
}

/// Runs task `task` of `tasks`: its share of the replications under each
/// policy, written as JSON lines (policy by policy, in replication order)
/// to a temporary file renamed at the end, so that a task killed midway
/// leaves no file that looks whole.
fn run_task(
    sim: &Simulation,
    policies: &[PolicySpec],
    task: u32,
    tasks: u32,
    out: &Path,
) -> ExitCode {
    let range = match sim.task_replications(task, tasks) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut lines = String::new();
    for spec in policies {
        for r in range.clone() {
            match sim.replicate_policy(spec, r) {
                Ok(rep) => match serde_json::to_string(&rep) {
                    Ok(l) => {
                        lines.push_str(&l);
                        lines.push('\n');
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                },
                Err(e) => {
                    eprintln!("error: simulation failed: {}: {e}", spec.name());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let path = task_file(out, task, tasks);
    let tmp = path.with_extension("jsonl.part");
    let written = std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(&tmp, lines))
        .and_then(|()| std::fs::rename(&tmp, &path));
    match written {
        Ok(()) => {
            println!(
                "task {task} of {tasks}: replications {}..{} under {} polic{}; wrote {}",
                range.start,
                range.end,
                policies.len(),
                if policies.len() == 1 { "y" } else { "ies" },
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

/// Reads the tasks' files and merges each policy's replications; names the
/// tasks to rerun if any is missing. Errors carry the exit status: 2 for
/// input that cannot be read, 1 for missing or inconsistent replications.
fn merge_tasks(
    sim: &Simulation,
    policies: &[PolicySpec],
    dir: &Path,
    tasks: u32,
) -> Result<Vec<Vec<Replication>>, (ExitCode, String)> {
    // `tasks` was checked against the replications in `main`.
    let mut reps = Vec::new();
    let mut absent = Vec::new();
    for task in 0..tasks {
        let path = task_file(dir, task, tasks);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                absent.push(task);
                continue;
            }
            Err(e) => return Err((ExitCode::from(2), format!("{}: {e}", path.display()))),
        };
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let rep: Replication = serde_json::from_str(line).map_err(|e| {
                (
                    ExitCode::from(2),
                    format!("{}:{}: not a replication: {e}", path.display(), n + 1),
                )
            })?;
            reps.push(rep);
        }
    }
    sim.merge_tasks(policies, reps, tasks).map_err(|e| {
        let mut msg = match &e {
            skillroute::sim::ReportError::Rerun {
                tasks: rerun,
                detail,
                ..
            } => {
                let list: Vec<String> = rerun.iter().map(u32::to_string).collect();
                format!(
                    "{detail}\nrerun with --tasks {tasks} --task N for N in: {}",
                    list.join(" ")
                )
            }
            e => e.to_string(),
        };
        if !absent.is_empty() {
            let list: Vec<String> = absent.iter().map(u32::to_string).collect();
            msg.push_str(&format!(
                "\n(no file from task{} {} in {})",
                if list.len() == 1 { "" } else { "s" },
                list.join(" "),
                dir.display()
            ));
        }
        (ExitCode::FAILURE, msg)
    })
}

fn run_all(
    sim: &Simulation,
    policies: &[PolicySpec],
    confidence: f64,
) -> Result<Vec<Vec<Replication>>, String> {
    let reps = sim.scenario().replications as usize;
    let horizon = sim.scenario().horizon;
    let per_policy = (horizon * reps as f64).ceil().max(1.0) as u64;
    let bar = ProgressBar::with_draw_target(
        Some(per_policy * policies.len() as u64),
        ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>20} [{elapsed_precise}] {wide_bar} {percent:>3}% (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    let mut runs = Vec::with_capacity(policies.len());
    for (i, spec) in policies.iter().enumerate() {
        bar.set_message(spec.name());
        let base = per_policy * i as u64;
        // Simulated time reached by each replication (they run in parallel).
        let reached = Mutex::new(vec![0.0f64; reps]);
        let on_progress = |p: Progress| {
            let mut r = reached.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(slot) = r.get_mut(p.replication as usize) {
                *slot = p.now.clamp(0.0, p.horizon);
            }
            let done: f64 = r.iter().sum();
            bar.set_position(base + (done as u64).min(per_policy));
        };
        let opts = RunOptions {
            parallel: true,
            confidence,
            progress: Some(&on_progress),
            cancel: None,
        };
        let reps = sim
            .replications_policy(spec, opts)
            .map_err(|e| format!("{}: {e}", spec.name()))?;
        bar.set_position(base + per_policy);
        runs.push(reps);
    }
    bar.finish_and_clear();
    Ok(runs)
}

const HEADER: [&str; 8] = [
    "policy",
    "offered",
    "service level %",
    "ASA s",
    "abandoned %",
    "occupancy %",
    "mean fit",
    "resolved %",
];

/// The estimates of the columns of [`HEADER`] after the name, each with
/// its scale and decimals.
fn columns(m: &Metrics<Estimate>) -> [(&Estimate, f64, usize); 7] {
    [
        (&m.offered, 1.0, 0),
        (&m.service_level, 100.0, 1),
        (&m.asa, 1.0, 1),
        (&m.p_abandon, 100.0, 1),
        (&m.occupancy, 100.0, 1),
        (&m.mean_fit, 1.0, 3),
        (&m.resolution, 100.0, 1),
    ]
}

/// A table row: `name`, then the columns of [`HEADER`] from `m`, each
/// written by `cell(estimate, scale, decimals)` and marked [`cells::FEW`] where it
/// rests on fewer than the `replications` run.
fn row(
    name: &str,
    m: &Metrics<Estimate>,
    replications: u32,
    cell: fn(&Estimate, f64, usize) -> String,
) -> Row {
    let mut cells = [const { String::new() }; 8];
    let mut few_of = [false; 8];
    cells[0] = name.to_string();
    for (i, (e, scale, decimals)) in columns(m).into_iter().enumerate() {
        cells[i + 1] = cell(e, scale, decimals);
        few_of[i + 1] = few(e, replications);
    }
    Row { cells, few: few_of }
}

/// A row of cells under [`HEADER`], with which of them are [`few`].
struct Row {
    cells: [String; 8],
    few: [bool; 8],
}

/// Prints the policies' totals; says whether any cell is [`few`].
fn print_table(reports: &[Report]) -> bool {
    let rows: Vec<_> = reports
        .iter()
        .map(|r| row(&r.policy, &r.total, r.replications, pm))
        .collect();
    print_rows(&rows)
}

/// A policy whose proposals the router refused was not carried out as
/// written: its row measures what the router made of it, which the table
/// alone does not show.
fn warn_rejected(reports: &[Report]) {
    for r in reports {
        let e = &r.rejected_proposals;
        if e.mean > 0.0 {
            eprintln!(
                "warning: {}: the router refused {:.1} of its proposals per replication (an \
                 unknown agent or contact, one contact to two agents, no free slot, not \
                 eligible): its figures are not those of the policy as written",
                r.policy, e.mean
            );
        }
    }
}

/// Service level per channel, when contacts came on more than one: the
/// total mixes channels of different targets (a busy voice queue hides
/// behind quick chats). Each header names the targets the channel's
/// contacts are judged by (as the plot does); `<` marks a mean below the
/// target when there is one.
/// A service-level target as a column head says it: `80% in 20 s`, and
/// `80% in 20 s, abandons < 5 s excluded` with a `short_abandon` (those
/// abandons are not in its denominator, so the figure is not comparable
/// with one that counts them).
fn target_label(t: &ServiceTarget) -> String {
    let excl = if t.short_abandon > 0.0 {
        format!(", abandons < {} s excluded", short(t.short_abandon))
    } else {
        String::new()
    };
    format!(
        "{}% in {} s{excl}",
        short(100.0 * t.fraction),
        short(t.threshold)
    )
}

/// A self-service tier's work, when a contact type has one: the
/// contacts that entered it and the share it contained, per type (the
/// table's `offered` counts only those it passed on to the queue).
fn print_self_service(reports: &[Report]) {
    let Some(first) = reports.first() else {
        return;
    };
    // The tier meets the same customers under every policy (common
    // random numbers): the first report's figures are every report's.
    let tiers: Vec<_> = first
        .by_type
        .iter()
        .filter(|t| t.metrics.self_served.n > 0 && t.metrics.self_served.mean > 0.0)
        .collect();
    if tiers.is_empty() {
        return;
    }
    println!(
        "\nself-service (before the queue; `offered` above counts the contacts it passed on):"
    );
    for t in tiers {
        println!(
            "  {}: {} entered, {}% contained",
            t.name,
            pm(&t.metrics.self_served, 1.0, 0),
            pm(&t.metrics.containment, 100.0, 1)
        );
    }
    let left = &first.in_self_service_at_end;
    if left.mean > 0.0 {
        println!(
            "  {} still in it when the run stopped, bound for the queue (in no row's `offered`)",
            pm(left, 1.0, 1)
        );
    }
}

/// Outbound work, when a contact type has a dialer: per policy and type,
/// the items created, released and answered, those still in the dialer at
/// the end, and their age at answer (from creation). They depend on the
/// policy (the dialer releases as agents fall idle), so each report has
/// its line. The table above is inbound alone.
fn print_dialer(reports: &[Report]) {
    let Some(first) = reports.first() else {
        return;
    };
    let dialers: Vec<usize> = (0..first.by_type.len())
        .filter(|&k| first.by_type[k].metrics.dialer_created.n > 0)
        .collect();
    if dialers.is_empty() {
        return;
    }
    println!(
        "
outbound (dialer types; in no other row, but in the agents' occupancy; age: creation to answer):"
    );
    for r in reports {
        for &k in &dialers {
            let m = &r.by_type[k].metrics;
            println!(
                "  {} {}: {} created, {} released, {} still in the dialer (whole run); \
                 {} answered after the warm-up, age {} s mean, {} s p90",
                r.policy,
                r.by_type[k].name,
                pm(&m.dialer_created, 1.0, 0),
                pm(&m.dialer_released, 1.0, 0),
                pm(&m.in_dialer_at_end, 1.0, 0),
                pm(&m.answered, 1.0, 0),
                pm(&m.asa, 1.0, 1),
                pm(&m.wait_p90, 1.0, 1)
            );
        }
    }
}

fn print_channels(reports: &[Report]) {
    let Some(first) = reports.first() else {
        return;
    };
    let used: Vec<usize> = (0..first.by_channel.len())
        .filter(|&c| first.by_channel[c].metrics.offered.mean > 0.0)
        .collect();
    if used.len() < 2 {
        return;
    }
    // Per channel: the targets of its types that had contacts, each once.
    let judged: Vec<Vec<ServiceTarget>> = used
        .iter()
        .map(|&c| {
            let mut ts: Vec<ServiceTarget> = Vec::new();
            for (t, _) in channel_targets(first, &first.by_channel[c].name) {
                if !ts.contains(&t) {
                    ts.push(t);
                }
            }
            ts
        })
        .collect();
    let heads: Vec<String> = used
        .iter()
        .zip(&judged)
        .map(|(&c, ts)| {
            let ts: Vec<String> = ts.iter().map(target_label).collect();
            format!("{} ({})", first.by_channel[c].name, ts.join("; "))
        })
        .collect();
    // As in the totals' table: a cell over fewer replications than were
    // run is marked, the others in its column padded to stay aligned.
    let marked: Vec<bool> = used
        .iter()
        .map(|&c| {
            reports
                .iter()
                .any(|r| few(&r.by_channel[c].metrics.service_level, r.replications))
        })
        .collect();
    let cells: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            used.iter()
                .zip(&judged)
                .zip(&marked)
                .map(|((&c, ts), &marked)| {
                    let e = &r.by_channel[c].metrics.service_level;
                    let below = matches!(ts.as_slice(), [t] if e.mean < t.fraction);
                    format!(
                        "{}{}",
                        mark(&pm(e, 100.0, 1), marked, few(e, r.replications)),
                        if below { " <" } else { "  " }
                    )
                })
                .collect()
        })
        .collect();
    let name_w = reports
        .iter()
        .map(|r| r.policy.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let widths: Vec<usize> = (0..used.len())
        .map(|j| {
            cells
                .iter()
                .map(|row| row[j].chars().count())
                .chain([heads[j].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    println!(
        "\nservice level % per channel (each contact against its own type's target; \
         < = mean below the channel's one target):"
    );
    let mut line = format!("{:<name_w$}", "policy");
    for (h, w) in heads.iter().zip(&widths) {
        line.push_str(&format!("  {h:>w$}"));
    }
    println!("{line}");
    let mut rule = "-".repeat(name_w);
    for w in &widths {
        rule.push_str(&format!("  {}", "-".repeat(*w)));
    }
    println!("{rule}");
    for (r, row) in reports.iter().zip(&cells) {
        let mut line = format!("{:<name_w$}", r.policy);
        for (c, w) in row.iter().zip(&widths) {
            line.push_str(&format!("  {c:>w$}"));
        }
        println!("{}", line.trim_end());
    }
    if marked.contains(&true) {
        println!(
            "{}",
            few_note(
                first.replications,
                "that define it (with contacts on the channel)",
                "report.csv"
            )
        );
    }
}

/// How well the announced expected waits (`expected_wait = true`) predicted
/// the waits of the contacts answered.
fn print_expected_wait(reports: &[Report], replications: u32) {
    println!(
        "\nexpected-wait announcements to contacts left waiting (the router's last-to-enter-service \
         estimate) against their actual waits when answered:"
    );
    for line in expected_wait_lines(reports, replications) {
        println!("{line}");
    }
}

/// A line per policy, and the footnote if a bias or error is a mean over
/// only the replications in which some contact was told and then answered:
/// like the table's cells, marked [`FEW`]. A policy with none in any
/// replication says so, rather than a bias of "n/a".
fn expected_wait_lines(reports: &[Report], replications: u32) -> Vec<String> {
    let w = reports.iter().map(|r| r.policy.len()).max().unwrap_or(0);
    let mut marked = false;
    let mut out: Vec<String> = reports
        .iter()
        .map(|r| {
            let t = &r.total;
            if t.ewt_bias.n == 0 {
                // The count is of contacts told and then answered: none in
                // any replication leaves no bias to measure.
                return format!(
                    "  {:w$}  none told and then answered in any replication: no bias to measure",
                    r.policy
                );
            }
            let partial = few(&t.ewt_bias, replications) || few(&t.ewt_mae, replications);
            marked |= partial;
            format!(
                "  {:w$}  {} told per replication, bias {} s (+ = overstated), mean absolute error {} s{}",
                r.policy,
                pm(&t.ewt_count, 1.0, 0),
                pm(&t.ewt_bias, 1.0, 1),
                pm(&t.ewt_mae, 1.0, 1),
                if partial { format!(" {FEW}") } else { String::new() },
            )
        })
        .collect();
    if marked {
        out.push(format!(
            "  {}",
            few_note(
                replications,
                "in which some contact told an estimate was then answered",
                "report.csv"
            )
        ));
    }
    out
}

/// A draining run: how long after the horizon the last contact left, and
/// the agents' overtime (which occupancy, an open-day figure, leaves out).
fn print_drain(reports: &[Report], horizon: f64) {
    println!("\nafter the horizon (drain: no arrivals, the contacts still in the center finish):");
    for line in drain_lines(reports, horizon) {
        println!("{line}");
    }
}

/// A line per policy: when the last contact left and the agents' overtime.
/// A draining run can still end with contacts never answered (no agent on
/// shift can serve them, or their service would end beyond the router's
/// clock): the line says so, instead of a last contact leaving at the
/// horizon.
fn drain_lines(reports: &[Report], horizon: f64) -> Vec<String> {
    let w = reports.iter().map(|r| r.policy.len()).max().unwrap_or(0);
    reports
        .iter()
        .map(|r| {
            let after = Estimate {
                mean: r.end_time.mean - horizon,
                ..r.end_time
            };
            let (ended, stuck) = if r.total.waiting_at_end.mean > 0.0 {
                (
                    "the run ended",
                    format!(
                        "; {} contacts per replication were never answered, still waiting at the end",
                        pm(&r.total.waiting_at_end, 1.0, 1)
                    ),
                )
            } else {
                ("last contact left", String::new())
            };
            format!(
                "  {:w$}  {ended} {} min after it; agents' overtime {} agent-hours{stuck}",
                r.policy,
                pm(&after, 1.0 / 60.0, 1),
                pm(&r.overtime, 1.0 / 3600.0, 2),
            )
        })
        .collect()
}

/// Contacts still waiting when a run stops at the horizon are in no ASA or
/// P(wait), which count the answered and the abandoned; the service level
/// counts those already past their threshold as misses, but not the ones
/// still inside it. A few are the day's last arrivals; many mean a queue
/// that was not served (a closed channel, a shift that ended), whose ASA
/// then reads better than the service was. Said per type, where there are
/// some, with what to do.
fn print_unfinished(reports: &[Report]) {
    let mut lines = Vec::new();
    for r in reports {
        for (row, target) in r.by_type.iter().zip(&r.type_targets) {
            let m = &row.metrics;
            let waiting = m.waiting_at_end.mean;
            // Less than one contact per replication, or under 1% of the
            // offered: the day's last arrivals.
            if waiting < 1.0 || waiting < 0.01 * m.offered.mean {
                continue;
            }
            lines.push(format!(
                "  {}: {}: {:.1} of {:.1} contacts ({:.0}%) per replication still waiting at the end \
                 (target: {}% within {} s)",
                r.policy,
                row.name,
                waiting,
                m.offered.mean,
                100.0 * waiting / m.offered.mean,
                (1e4 * target.fraction).round() / 100.0,
                target.threshold
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    println!(
        "
note: contacts still waiting when the run stopped are in no ASA or P(wait), which \
         count the answered and the abandoned only (the service level counts those already \
         past their threshold as misses):"
    );
    for l in lines {
        println!("{l}");
    }
    println!("  (set drain = true to follow them until they are answered or abandon)");
}

/// Ring-no-answer (`offers.rona_pause`): the agents' time spent not ready
/// after letting an offer time out, which occupancy leaves out.
fn print_rona(reports: &[Report]) {
    println!(
        "\nring-no-answer (offers.rona_pause): agents not ready after an offer timed out, \
         as a share of their logged-in time:"
    );
    let w = reports.iter().map(|r| r.policy.len()).max().unwrap_or(0);
    for r in reports {
        println!("  {:w$}  {} %", r.policy, pm(&r.total.not_ready, 100.0, 2));
    }
}

/// What `learned-fit` learned in replication 0 (run again, the same
/// replication to the bit), arm by arm, beside the scenario's ground truth,
/// which it was never told: the outcomes it saw, its posterior mean of the
/// resolution probability, and the truth's.
fn print_learned(sim: &Simulation, policies: &[PolicySpec]) -> Result<(), String> {
    let sc = sim.scenario();
    for spec in policies {
        let PolicySpec::LearnedFit(config) = spec else {
            continue;
        };
        let Some(truth) = sc.outcomes.as_ref().map(|o| &o.resolution) else {
            println!(
                "\nlearned-fit: the scenario has no `outcomes`, so there was nothing to learn from"
            );
            continue;
        };
        let (_, learned) = sim
            .replicate_learned_fit(config, 0)
            .map_err(|e| format!("learned-fit, replication 0: {e}"))?;
        println!(
            "\nwhat learned-fit learned in replication 0 (per segment and agent group; \
             the truth is the scenario's `outcomes`, never shown to the router):\n"
        );
        let sw = sim
            .segments()
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(0)
            .max(7);
        let gw = sim
            .groups()
            .iter()
            .map(|g| g.len())
            .max()
            .unwrap_or(0)
            .max(5);
        println!(
            "  {:sw$}  {:gw$}  {:>9}  {:>8}  {:>6}",
            "segment", "group", "outcomes", "learned", "truth"
        );
        for (i, segment) in sim.segments().iter().enumerate() {
            for group in sim.groups() {
                let Some(agent) = sim
                    .agents()
                    .iter()
                    .find(|a| a.attributes().get("group").map(String::as_str) == Some(group))
                else {
                    continue;
                };
                let e = learned.estimate(SegmentId(i as u32), agent);
                let t = truth
                    .segments
                    .get(segment)
                    .and_then(|m| m.get(group))
                    .copied()
                    .unwrap_or(truth.default);
                println!(
                    "  {segment:sw$}  {group:gw$}  {:>9}  {:>8.3}  {t:>6.3}",
                    e.resolved + e.unresolved,
                    e.mean
                );
            }
        }
    }
    Ok(())
}

fn print_comparisons(comparisons: &[Comparison], replications: u32, confidence: f64) {
    let stars = if replications > 1 {
        format!("* = the {}% interval excludes 0", level_percent(confidence))
    } else {
        NO_INTERVAL.to_string()
    };
    println!(
        "\ndifference from {} (policy minus it), paired over the same {}; {stars}:\n",
        comparisons[0].base,
        count(replications as usize, "replication"),
    );
    let rows: Vec<_> = comparisons
        .iter()
        .map(|c| row(&c.other, &c.differences.total, replications, diff))
        .collect();
    if print_rows(&rows) {
        println!(
            "{}",
            few_note(
                replications,
                "in which both policies define it",
                "comparison.csv"
            )
        );
    }
}

/// Prints `rows` under [`HEADER`], columns aligned (the first to the
/// left), and says whether any cell was marked [`cells::FEW`]. A column with a
/// marked cell pads its other cells by as much, so that the figures stay
/// aligned; a table without any is printed as it was before marks existed.
fn print_rows(rows: &[Row]) -> bool {
    let marked: [bool; 8] = std::array::from_fn(|j| rows.iter().any(|r| r.few[j]));
    let rows: Vec<[String; 8]> = rows
        .iter()
        .map(|r| std::array::from_fn(|j| mark(&r.cells[j], marked[j], r.few[j])))
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = " ".repeat(w - cell.chars().count());
            if i == 0 {
                s.push_str(&format!("{cell}{pad}"));
            } else {
                s.push_str(&format!("  {pad}{cell}"));
            }
        }
        println!("{}", s.trim_end());
    };
    line(&HEADER.map(String::from));
    line(&widths.map(|w| "-".repeat(w)));
    for row in &rows {
        line(row);
    }
    marked.contains(&true)
}

fn write_outputs(
    out: &Path,
    runs: &[Vec<Replication>],
    reports: &[Report],
    comparisons: &[Comparison],
) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;

    // Each file is written part by part, one policy's text at a time: all
    // the policies' texts held at once (and joined, a second copy) peaked
    // at several GB for reports of many intervals × types.
    // JSON: an array of the policies' reports; CSV: their long forms, each
    // line led by its policy (built-ins' names, which need no quoting).
    let mut files = vec![
        write_json(&out.join("report.json"), reports)?,
        write_long_csv(
            &out.join("report.csv"),
            "policy",
            reports.iter().map(|r| (r.policy.clone(), r.to_csv())),
        )?,
        // A line per replication under one header: each policy's lines in
        // turn, its header dropped after the first.
        write_long_csv(
            &out.join("replications.csv"),
            "",
            runs.iter()
                .map(|reps| (String::new(), Replication::to_csv(reps))),
        )?,
    ];
    if !comparisons.is_empty() {
        files.push(write_json(&out.join("comparison.json"), comparisons)?);
        files.push(write_long_csv(
            &out.join("comparison.csv"),
            "base,policy",
            comparisons
                .iter()
                .map(|c| (format!("{},{}", c.base, c.other), c.to_csv())),
        )?);
    } else {
        // One policy compares nothing: an earlier run's comparison left
        // beside this run's report would read as this run's.
        for name in ["comparison.json", "comparison.csv"] {
            remove_earlier(&out.join(name))?;
        }
    }

    let svg = out.join("report.svg");
    plot(&svg, reports).map_err(|e| format!("cannot draw {}: {e}", svg.display()))?;
    files.push(svg);
    Ok(files)
}

/// Writes `path` through `body`, buffered; the error names the file.
fn write_file(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<PathBuf, String> {
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut w = BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    body(&mut w).and_then(|()| w.flush()).map_err(fail)?;
    Ok(path.to_path_buf())
}

/// `[a, b, ...]` of the items' pretty JSON, each streamed to the file (the
/// same bytes as each one's `to_json`, joined).
fn write_json<T: serde::Serialize>(path: &Path, items: &[T]) -> Result<PathBuf, String> {
    write_file(path, |w| {
        w.write_all(b"[\n")?;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                w.write_all(b",\n")?;
            }
            serde_json::to_writer_pretty(&mut *w, item)?;
        }
        w.write_all(b"\n]\n")
    })
}

/// CSV texts with one header, joined: each part's lines led by its
/// `prefix` columns (named `prefix_header`; none if it is empty), each
/// part's header dropped after the first. One part's text is in memory at
/// a time.
fn write_long_csv(
    path: &Path,
    prefix_header: &str,
    parts: impl Iterator<Item = (String, String)>,
) -> Result<PathBuf, String> {
    write_file(path, |w| {
        for (i, (prefix, text)) in parts.enumerate() {
            for (j, l) in text.lines().enumerate() {
                if j == 0 && i > 0 {
                    continue;
                }
                if !prefix_header.is_empty() {
                    w.write_all(if j == 0 { prefix_header } else { &prefix }.as_bytes())?;
                    w.write_all(b",")?;
                }
                w.write_all(l.as_bytes())?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    })
}

/// Removes the traces of built-in policies this run does not trace: an
/// earlier run's `trace-POLICY.csv` or `offers-POLICY.csv` beside this
/// run's report would read as this run's (as `comparison.*` are removed).
fn remove_stale_traces(out: &Path, traced: &[PolicySpec]) -> Result<(), String> {
    for spec in PolicySpec::builtins() {
        if traced.iter().any(|p| p.name() == spec.name()) {
            continue;
        }
        remove_earlier(&out.join(format!("trace-{}.csv", spec.name())))?;
        remove_earlier(&out.join(format!("offers-{}.csv", spec.name())))?;
    }
    Ok(())
}

/// Removes an earlier run's output at `path`, if there is one, and says so.
fn remove_earlier(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => {
            println!("removed {} (an earlier run's)", path.display());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

/// Replication 0 again under each policy, each contact written as it leaves
/// to `trace-POLICY.csv` and each offer as it ends to `offers-POLICY.csv`
/// (streamed: a trace of any length costs no memory).
fn write_traces(
    out: &Path,
    sim: &Simulation,
    policies: &[PolicySpec],
) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::with_capacity(2 * policies.len());
    for spec in policies {
        let path = out.join(format!("trace-{}.csv", spec.name()));
        let offers_path = out.join(format!("offers-{}.csv", spec.name()));
        let fail =
            |p: &Path, e: &dyn std::fmt::Display| format!("cannot write {}: {e}", p.display());
        let file = std::fs::File::create(&path).map_err(|e| fail(&path, &e))?;
        let trace =
            TraceWriter::named(std::io::BufWriter::new(file), sim).map_err(|e| fail(&path, &e))?;
        let file = std::fs::File::create(&offers_path).map_err(|e| fail(&offers_path, &e))?;
        let offers = OfferTraceWriter::named(std::io::BufWriter::new(file), sim)
            .map_err(|e| fail(&offers_path, &e))?;
        let mut both = (trace, offers);
        sim.replicate_policy_observed(spec, 0, &mut both)
            .map_err(|e| format!("{}: {e}", spec.name()))?;
        let (trace, offers) = both;
        trace.finish().map_err(|e| fail(&path, &e))?;
        offers.finish().map_err(|e| fail(&offers_path, &e))?;
        files.push(path);
        files.push(offers_path);
    }
    Ok(files)
}

/// The targets that judge `channel`'s contacts in `r`: one per contact type
/// of the channel that had contacts, with what to call it — the channel
/// when the type is judged by the channel's own target, else the type.
fn channel_targets<'a>(r: &'a Report, channel: &'a str) -> Vec<(ServiceTarget, &'a str)> {
    let own = r
        .by_channel
        .iter()
        .zip(&r.targets)
        .find(|(row, _)| row.name == channel)
        .map(|(_, t)| *t);
    let types = r.by_type.iter().zip(&r.type_targets).zip(&r.type_channels);
    types
        // Only types that had contacts (the mean is NaN or 0 otherwise).
        .filter(|((row, _), c)| *c == channel && row.metrics.offered.mean > 0.0)
        .map(|((row, t), _)| {
            let name = if Some(*t) == own {
                channel
            } else {
                row.name.as_str()
            };
            (*t, name)
        })
        .collect()
}

/// The runs of consecutive points whose estimate passes `keep`.
fn runs(
    points: Vec<(f64, Estimate)>,
    keep: impl Fn(&Estimate) -> bool,
) -> Vec<Vec<(f64, Estimate)>> {
    let mut out: Vec<Vec<(f64, Estimate)>> = vec![Vec::new()];
    for p in points {
        if keep(&p.1) {
            out.last_mut().expect("never empty").push(p);
        } else if !out.last().expect("never empty").is_empty() {
            out.push(Vec::new());
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// A number for a label: as written (92.5, 90.5, 99.9), not rounded to
/// whole units nor printed as 80.00000000000001.
fn short(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    format!("{r}")
}

/// Service level per report interval, one panel per channel (each against
/// its own target), then agent occupancy; one line per policy.
fn plot(path: &Path, reports: &[Report]) -> Result<(), Box<dyn std::error::Error>> {
    // The channels that had contacts (every policy saw the same customers).
    let channels: Vec<&str> = reports.first().map_or(Vec::new(), |r| {
        r.by_channel
            .iter()
            .filter(|row| row.metrics.offered.mean > 0.0)
            .map(|row| row.name.as_str())
            .collect()
    });
    let height = 360 * (channels.len().max(1) as u32 + 1);
    let root = SVGBackend::new(path, (960, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((channels.len().max(1) + 1, 1));
    let end_h = reports
        .iter()
        .flat_map(|r| r.by_interval.last().map(|i| i.end))
        .fold(0.0f64, f64::max)
        / 3600.0;
    let end_h = if end_h > 0.0 { end_h } else { 1.0 };
    // With the scenario's `day_start` the time axis is a clock.
    let day_start = reports.first().and_then(|r| r.day_start);
    let level = level_percent(reports.first().map_or(0.95, |r| r.confidence));
    let x_desc = format!(
        "{} (interval midpoints; shading or bars: the {level}% confidence intervals)",
        if day_start.is_some() {
            "time of day"
        } else {
            "hours since start"
        }
    );
    // Hours to the tenth, finer for a run under an hour (a fast queue's
    // seconds), so that its ticks do not all read 0.0.
    let decimals = (1.0 - end_h.log10()).ceil().clamp(1.0, 9.0) as usize;
    let x_label = |h: &f64| match day_start {
        Some(_) => clock_label(day_start, h * 3600.0),
        None => format!("{h:.decimals$}"),
    };

    // Ten colours that stay apart on white (Tableau's), then plotters' own.
    const COLOURS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    let colour = |i: usize| {
        COLOURS
            .get(i)
            .map_or_else(|| Palette99::pick(i).to_rgba(), |c| c.to_rgba())
    };
    // A channel panel's target lines: the targets its contacts (of the
    // types that had some) are judged by, each once with what it judges —
    // the channel, or the types with their own — and each fraction drawn
    // once. A channel target that judges no type is not drawn.
    let targets = |channel: &str| -> Vec<(f64, Vec<String>)> {
        let mut lines: Vec<(f64, Vec<String>)> = Vec::new();
        let Some(r) = reports.first() else {
            return lines;
        };
        let mut labels: Vec<(ServiceTarget, String)> = Vec::new();
        for (t, name) in channel_targets(r, channel) {
            let label = format!("{name} {} s", short(t.threshold));
            if !labels.iter().any(|(u, l)| *u == t && *l == label) {
                labels.push((t, label));
            }
        }
        for (t, label) in labels {
            match lines.iter_mut().find(|(f, _)| *f == t.fraction) {
                Some((_, names)) => names.push(label),
                None => lines.push((t.fraction, vec![label])),
            }
        }
        lines
    };

    // Each panel: its title, its channel (for the target lines), and each
    // report's points (interval midpoint in hours, estimate).
    type Series = Box<dyn Fn(&Report) -> Vec<(f64, Estimate)>>;
    let mid = |start: f64, end: f64| (start + end) / 7200.0;
    let mut series: Vec<(String, Option<String>, Series)> = Vec::new();
    for &name in &channels {
        let channel = name.to_string();
        let pick: Series = Box::new(move |r: &Report| {
            r.by_interval_channel
                .iter()
                .filter(|row| row.channel == channel)
                .map(|row| (mid(row.start, row.end), row.metrics.service_level))
                .collect()
        });
        let title = format!("Service level per interval: {name}");
        series.push((title, Some(name.to_string()), pick));
    }
    // The all-contacts rows' metric `pick`.
    let overall = |pick: fn(&Metrics<Estimate>) -> Estimate| -> Series {
        Box::new(move |r: &Report| {
            r.by_interval
                .iter()
                .map(|row| (mid(row.start, row.end), pick(&row.metrics)))
                .collect()
        })
    };
    if channels.is_empty() {
        let pick = overall(|m| m.service_level);
        series.push(("Service level per interval".into(), None, pick));
    }
    let occupancy = overall(|m| m.occupancy);
    series.push(("Agent occupancy per interval".into(), None, occupancy));

    for (area, (title, channel, pick)) in panels.iter().zip(&series) {
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            // Room for the last time label, centred on the axis' end.
            .margin_right(40)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..end_h, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_desc(x_desc.as_str())
            .x_label_formatter(&x_label)
            .y_desc("fraction")
            .draw()?;
        // Each target its own dash (five, then again), shown in the legend
        // as drawn.
        let dashes = [(6, 4), (2, 3), (12, 4), (20, 6), (1, 6)];
        let lines = channel.as_deref().map(targets).unwrap_or_default();
        for (j, (fraction, names)) in lines.into_iter().enumerate() {
            let grey = RGBColor(90, 90, 90);
            let (on, off) = dashes[j % dashes.len()];
            let line = DashedLineSeries::new(
                [(0.0, fraction), (end_h, fraction)],
                on,
                off,
                grey.stroke_width(1),
            );
            chart
                .draw_series(line)?
                .label(format!(
                    "target {}% ({})",
                    short(100.0 * fraction),
                    names.join(", ")
                ))
                .legend(move |(x, y)| {
                    plotters::element::DashedPathElement::new(
                        vec![(x, y), (x + 20, y)],
                        on,
                        off,
                        grey.stroke_width(1),
                    )
                });
        }
        // Each policy's confidence band under the lines: a shaded polygon
        // through the intervals' bounds, or an error bar for a lone point.
        // An interval without a value (no contacts, no agents) breaks the
        // line and the band: joining across it would draw values nobody
        // measured.
        for (i, r) in reports.iter().enumerate() {
            let shade = colour(i).mix(0.15);
            let bounds = runs(pick(r), |e| e.low().is_finite() && e.high().is_finite());
            for run in bounds {
                if run.len() > 1 {
                    let outline: Vec<(f64, f64)> = run
                        .iter()
                        .map(|(x, e)| (*x, e.high().min(1.05)))
                        .chain(run.iter().rev().map(|(x, e)| (*x, e.low().max(0.0))))
                        .collect();
                    chart.draw_series(std::iter::once(Polygon::new(outline, shade.filled())))?;
                } else if let Some((x, e)) = run.first() {
                    let (lo, hi) = (e.low().max(0.0), e.high().min(1.05));
                    // The bar's dot on the estimate, where the policy's own
                    // marker is: the middle of an interval clipped at the
                    // plot's edge is no value anybody measured.
                    let bar = ErrorBar::new_vertical(
                        *x,
                        lo,
                        e.mean.clamp(lo, hi),
                        hi,
                        colour(i).stroke_width(1),
                        8,
                    );
                    chart.draw_series(std::iter::once(bar))?;
                }
            }
        }
        for (i, r) in reports.iter().enumerate() {
            let color = colour(i);
            for (j, run) in runs(pick(r), |e| e.mean.is_finite())
                .into_iter()
                .enumerate()
            {
                let points = run.into_iter().map(|(x, e)| (x, e.mean));
                // Markers as well as lines: a one-interval report is one
                // point per policy, which a line alone would not show.
                let drawn = chart
                    .draw_series(LineSeries::new(points, color.stroke_width(2)).point_size(3))?;
                if j == 0 {
                    drawn.label(r.policy.clone()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                }
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A draining run in which some contacts are never answered says so,
    /// instead of a last contact leaving at the horizon.
    #[test]
    fn a_drain_that_leaves_contacts_waiting_says_so() {
        // Spanish calls are served only by a group whose shift starts at the
        // horizon: in a draining run it never starts.
        let toml = |spanish_start: f64| {
            format!(
                r#"
name = "drain"
seed = 3
horizon = 600.0
warm_up = 0.0
replications = 3
drain = true
skills = ["billing", "spanish"]
[[groups]]
name = "billing"
count = 3
skills = {{ billing = 5 }}
capacity = {{ voice = 1 }}
[[groups]]
name = "spanish"
count = 2
skills = {{ spanish = 5 }}
capacity = {{ voice = 1 }}
shifts = [{{ start = {spanish_start:?}, end = 1200.0 }}]
[[contact_types]]
name = "billing"
channel = "voice"
requires = {{ billing = 1 }}
arrivals = {{ kind = "poisson", rate = 0.01 }}
service = {{ kind = "exponential", mean = 60.0 }}
[[contact_types]]
name = "spanish"
channel = "voice"
requires = {{ spanish = 1 }}
arrivals = {{ kind = "poisson", rate = 0.02 }}
service = {{ kind = "exponential", mean = 60.0 }}
"#
            )
        };
        let lines = |spanish_start: f64| {
            let sc = Scenario::from_toml_str(&toml(spanish_start)).unwrap();
            let horizon = sc.horizon;
            let sim = Simulation::new(sc).unwrap();
            let reps = sim
                .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
                .unwrap();
            let report = sim.report(&reps, 0.95).unwrap();
            drain_lines(&[report], horizon)
        };
        let stuck = lines(600.0);
        assert!(
            stuck[0].contains("the run ended") && stuck[0].contains("never answered"),
            "{stuck:?}"
        );
        assert!(!stuck[0].contains("last contact left"), "{stuck:?}");
        let served = lines(0.0);
        assert!(
            served[0].contains("last contact left") && !served[0].contains("never answered"),
            "{served:?}"
        );
    }

    /// A lone point's error bar has its dot on the estimate (the policy's
    /// own marker), also when the interval is clipped at the plot's edge.
    #[test]
    fn a_lone_points_error_bar_is_on_its_estimate() {
        let sc = Scenario::from_toml_str(
            r#"
name = "lone"
seed = 5
horizon = 600.0
warm_up = 0.0
interval = 600.0
replications = 3
skills = ["billing"]
[[groups]]
name = "billing"
count = 2
skills = { billing = 5 }
capacity = { voice = 1 }
[[contact_types]]
name = "billing"
channel = "voice"
requires = { billing = 1 }
arrivals = { kind = "poisson", rate = 0.01 }
service = { kind = "exponential", mean = 60.0 }
"#,
        )
        .unwrap();
        let sim = Simulation::new(sc).unwrap();
        let reps = sim
            .replications_policy(&PolicySpec::LongestIdleAgent, RunOptions::default())
            .unwrap();
        let mut report = sim.report(&reps, 0.95).unwrap();
        // One interval; its service level near 1 with an interval that
        // reaches past the plot's top (1.05), and its occupancy's past 0.
        let row = &mut report.by_interval_channel[0].metrics;
        row.service_level.mean = 0.98;
        row.service_level.half_width = 0.3;
        let row = &mut report.by_interval[0].metrics;
        row.occupancy.mean = 0.1;
        row.occupancy.half_width = 0.4;
        let dir = std::env::temp_dir().join(format!("lone-bar-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("plot.svg");
        plot(&path, &[report]).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        // (cx, cy, r) of every circle drawn.
        let attr = |tag: &str, name: &str| -> f64 {
            let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            tag[at..].split('"').next().unwrap().parse().unwrap()
        };
        let circles: Vec<(f64, f64, f64)> = svg
            .split("<circle")
            .skip(1)
            .map(|t| (attr(t, "cx"), attr(t, "cy"), attr(t, "r")))
            .collect();
        let bars: Vec<_> = circles.iter().filter(|c| c.2 == 4.0).collect();
        let markers: Vec<_> = circles.iter().filter(|c| c.2 == 3.0).collect();
        assert_eq!((bars.len(), markers.len()), (2, 2), "{circles:?}");
        for bar in bars {
            assert!(
                markers.iter().any(|m| m.0 == bar.0 && m.1 == bar.1),
                "error bar dot {bar:?} is on no marker: {markers:?}"
            );
        }
    }

    /// A channel's column head names a target's short-abandon exclusion.
    #[test]
    fn a_target_label_names_short_abandons() {
        let mut t = ServiceTarget {
            threshold: 20.0,
            fraction: 0.8,
            short_abandon: 0.0,
        };
        assert_eq!(target_label(&t), "80% in 20 s");
        t.short_abandon = 5.0;
        assert_eq!(target_label(&t), "80% in 20 s, abandons < 5 s excluded");
    }
}
