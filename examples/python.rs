//! Python bindings: the simulator's numbered tasks for Ray, Dask or any
//! `concurrent.futures` executor (the "beyond one machine" shape of
//! `shared/DESIGN.md`). Strings in, strings out, so that every call
//! pickles and runs in any worker process:
//!
//! ```text
//! cargo build --release --features python --example python
//! cp target/release/examples/libpython.so skillroute.so     # (.dylib on macOS)
//! cp examples/skillroute.pyi .                              # type stubs, for checkers and editors
//! ```
//!
//! ```python
//! import skillroute
//! from concurrent.futures import ProcessPoolExecutor
//!
//! scenario = open("center.toml").read()           # TOML or JSON text, or a path
//! with ProcessPoolExecutor() as pool:
//!     parts = pool.map(skillroute.run_task, [scenario] * 8, range(8), [8] * 8)
//!     lines = [line for part in parts for line in part]
//! reports = skillroute.merge(scenario, lines, 8)   # {policy: report JSON}
//! ```
//!
//! | function | what |
//! | --- | --- |
//! | `policies()` | the built-in policies' names |
//! | `check(scenario)` | the scenario's canonical JSON, or `ValueError` naming the bad field |
//! | `tasks(scenario, tasks)` | each task's replications, as `(start, end)`; at most 1,000,000 tasks |
//! | `run_task(scenario, task, tasks, policies=None)` | task `task` of `tasks`: one JSON line per replication and policy, the lines `simulate --tasks M --task N` writes |
//! | `merge(scenario, lines, tasks, policies=None, confidence=0.95)` | `{policy: report JSON}` for each of `policies`, the bytes a single run gives (lines of other policies left out); `MissingTasks` (a `ValueError`, tasks in `.args[1]`) if a replication of one of them is missing |
//! | `run(scenario, policies=None, confidence=0.95)` | the single run in this process (replications in parallel): `{policy: report JSON}` |
//! | `compare(scenario, base, other, lines, tasks, confidence=0.95)` | the paired comparison of two policies' merged replications, as JSON |
//!
//! `policies`: built-in names (a list, a tuple…), or `["all"]`, or one
//! name alone (`"all"`); `None` means the scenario's own (an empty list
//! is refused: one filtered down to nothing named no policy). `lines`: any
//! iterable of `str` (a list, a generator, an open file of a task's lines).
//! The simulation, reading the scenario (and its arrival traces), and
//! `merge`'s and `compare`'s reading of the lines run without the
//! interpreter's lock, so threads run tasks side by side too.
//! A scenario is a `str` or an `os.PathLike` (`pathlib.Path`, always a
//! file); a `str` of one line without `=` is a path: one that names no
//! file is a `ValueError` that says so. Bad arguments (a negative or
//! oversized `task` or `tasks` too) raise `ValueError` naming the argument,
//! a wrong type a one-line `TypeError` saying what the argument takes, and `RuntimeError` is a simulator bug; each
//! function's docstring says what it raises. Built only with the `python`
//! feature, so that the library vendors embed does not depend on pyo3.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pyo3::create_exception;
use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString, PyTuple};
use skillroute::sim::{PolicySpec, Replication, ReportError, RunOptions, Scenario, Simulation};

create_exception!(
    skillroute,
    MissingTasks,
    PyValueError,
    "Replications are missing from a merge; `.args[1]` lists the tasks to rerun."
);

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A task's number or a count of tasks, from any Python `int`. pyo3's own
/// conversion raises `OverflowError` for `-1` or `2**40`, which a caller
/// catching `ValueError` for bad arguments would miss: here it is a
/// `ValueError` naming the argument. Not an `int` stays a `TypeError`.
fn whole(arg: &Bound<'_, PyAny>, name: &str) -> PyResult<u32> {
    arg.extract::<u32>().map_err(|e| {
        if e.is_instance_of::<PyOverflowError>(arg.py()) {
            value_error(format!(
                "{name}: must be a whole number from 0 to {}, got {arg}",
                u32::MAX
            ))
        } else {
            PyTypeError::new_err(format!("argument '{name}': {}", e.value(arg.py())))
        }
    })
}

/// A count of tasks: [`whole`], and at least 1. `tasks=0` was "task 0 of
/// 0: tasks are 0..0", which names neither the argument nor the bound.
fn task_count(arg: &Bound<'_, PyAny>) -> PyResult<u32> {
    match whole(arg, "tasks")? {
        0 => Err(value_error("tasks: must be at least 1, got 0")),
        n => Ok(n),
    }
}

/// A confidence level, checked before any work: `run` simulated the whole
/// scenario before the report refused a `confidence` of 1 or NaN.
fn level(confidence: f64) -> PyResult<f64> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(confidence)
    } else {
        Err(value_error(format!(
            "confidence: must be strictly between 0 and 1, got {confidence}"
        )))
    }
}

/// [`parse`] without the interpreter's lock: an arrival trace of millions
/// of rows takes a while to read, and other threads go on meanwhile.
fn load(py: Python<'_>, scenario: &Source) -> PyResult<Simulation> {
    py.detach(|| parse(scenario))
}

/// A scenario argument: text or a path as `str`, or an `os.PathLike` such
/// as `pathlib.Path`, which notebooks pass as readily as a `str` and which
/// is always a file.
enum Source {
    Text(String),
    File(PathBuf),
}

/// What a scenario argument may be, for the one-line `TypeError` of anything
/// else (pyo3's derived conversion listed each variant's failure over
/// several lines, none saying what to pass).
const SOURCE_KINDS: &str =
    "TOML or JSON text or a file's path as a str, or an os.PathLike such as pathlib.Path";

fn source(arg: &Bound<'_, PyAny>) -> PyResult<Source> {
    if arg.is_instance_of::<PyString>() {
        return Ok(Source::Text(arg.extract()?));
    }
    let kind = arg.get_type().name()?;
    if arg.hasattr("__fspath__")? {
        // A path-like whose `__fspath__` gives bytes has no text name to open.
        return arg.extract().map(Source::File).map_err(|_| {
            PyTypeError::new_err(format!(
                "scenario: the {kind}'s os.fspath() is not a str; give {SOURCE_KINDS}"
            ))
        });
    }
    let hint = if arg.is_instance_of::<PyBytes>() || arg.is_instance_of::<PyByteArray>() {
        " (decode it first: .decode())"
    } else {
        ""
    };
    Err(PyTypeError::new_err(format!(
        "scenario: expected {SOURCE_KINDS}; got {kind}{hint}"
    )))
}

/// A scenario from its text (TOML, or JSON if it starts with `{`) or, if
/// the string names a file, from that file (whose folder then anchors the
/// scenario's relative paths, such as an arrival trace).
fn parse(scenario: &Source) -> PyResult<Simulation> {
    let scenario = match scenario {
        Source::Text(text) => text,
        Source::File(path) => {
            return Scenario::load(path)
                .and_then(Simulation::new)
                .map_err(value_error);
        }
    };
    let text = scenario.trim_start();
    if text.is_empty() {
        // An unset variable or an empty file's text: TOML's "missing field
        // `horizon`" would send the user looking for a field.
        return Err(value_error(
            "scenario: empty; give TOML or JSON text, or a file's path",
        ));
    }
    let parsed = if text.starts_with('{') {
        Scenario::from_json_str(text)
    } else if Path::new(scenario).is_file() {
        Scenario::load(scenario)
    } else if !text.trim_end().contains('\n') && !text.contains('=') {
        // A file's path; one line without `=` is no TOML scenario either,
        // so a path that names no file is an I/O error that names it. The
        // newline a path read from a file or a shell ends with is no part
        // of the name.
        Scenario::load(text.trim_end())
    } else if !text.trim_end().contains('\n') {
        // One line with `=`: no whole scenario either (TOML puts each of
        // `horizon`, `groups`, … on its own line), but a path may hold `=`
        // (runs/rate=0.5/center.toml). TOML's "invalid unquoted key" at
        // column 1 alone would hide that no file has that name.
        return Scenario::from_toml_str(scenario)
            .and_then(Simulation::new)
            .map_err(|e| {
                value_error(format!(
                    "scenario: no file is named {:?}, and as TOML text: {e}",
                    text.trim_end()
                ))
            });
    } else {
        Scenario::from_toml_str(scenario)
    };
    parsed.and_then(Simulation::new).map_err(value_error)
}

/// `policies` as given: a list of names, or one name alone (`"all"`,
/// `"c-mu"`), which a notebook writes as often as `["all"]`.
enum Names {
    One(String),
    Many(Vec<String>),
}

/// `policies` from Python: `None`, a name, or names (a list, tuple or any
/// iterable of `str`); anything else a one-line `TypeError` saying so, where
/// pyo3's derived conversion listed each variant's failure over several lines.
fn policy_names(arg: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Names>> {
    const KINDS: &str = "a built-in policy's name, a list of names, or None";
    let Some(arg) = arg.filter(|a| !a.is_none()) else {
        return Ok(None);
    };
    if arg.is_instance_of::<PyString>() {
        return Ok(Some(Names::One(arg.extract()?)));
    }
    let kind = arg.get_type().name()?;
    let not_names = || PyTypeError::new_err(format!("policies: expected {KINDS}; got {kind}"));
    if arg.is_instance_of::<PyBytes>() || arg.is_instance_of::<PyByteArray>() {
        return Err(not_names());
    }
    let items = arg.try_iter().map_err(|_| not_names())?;
    let mut out = Vec::new();
    for (n, item) in items.enumerate() {
        let item = item?;
        if !item.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(format!(
                "policies: item {} is {}, not a policy's name (str)",
                n + 1,
                item.get_type().name()?
            )));
        }
        out.push(item.extract()?);
    }
    if out.is_empty() {
        // An empty list read as the scenario's own policy: a filtered list
        // that kept nothing ran a policy nobody named.
        return Err(value_error(
            "policies: empty; name a policy, or give None for the scenario's own",
        ));
    }
    Ok(Some(Names::Many(out)))
}

/// `lines` from Python: any iterable of `str` (a list, a generator, an open
/// file of a task's lines). One `str` is refused rather than read as its
/// characters, and a list of `run_task`'s lists (not yet flattened) is
/// named as such: pyo3 said only "Can't extract `str` to `Vec`" or
/// "'list' object cannot be cast as 'str'".
fn line_list(arg: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    const KINDS: &str = "the tasks' JSON lines, a list of str as run_task returns";
    let kind = arg.get_type().name()?;
    if arg.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "lines: expected {KINDS}; got one str (a file's text? split it: text.splitlines())"
        )));
    }
    let not_lines = || PyTypeError::new_err(format!("lines: expected {KINDS}; got {kind}"));
    if arg.is_instance_of::<PyBytes>() || arg.is_instance_of::<PyByteArray>() {
        return Err(not_lines());
    }
    let items = arg.try_iter().map_err(|_| not_lines())?;
    let mut out = Vec::new();
    for (n, item) in items.enumerate() {
        let item = item?;
        if !item.is_instance_of::<PyString>() {
            let hint = if item.is_instance_of::<PyList>() || item.is_instance_of::<PyTuple>() {
                " (run_task's lists, one per task? flatten them: \
                 [line for part in parts for line in part])"
            } else {
                ""
            };
            return Err(PyTypeError::new_err(format!(
                "lines: item {} is {}, not a str{hint}",
                n + 1,
                item.get_type().name()?
            )));
        }
        out.push(item.extract()?);
    }
    Ok(out)
}

fn specs(sim: &Simulation, policies: Option<Names>) -> PyResult<Vec<PolicySpec>> {
    let names = match policies {
        None => Vec::new(),
        Some(Names::One(name)) => vec![name],
        Some(Names::Many(names)) => names,
    };
    PolicySpec::named(&names, &sim.scenario().policy).map_err(value_error)
}

/// The built-in policies' names.
#[pyfunction]
fn policies() -> Vec<&'static str> {
    PolicySpec::builtins()
        .iter()
        .map(PolicySpec::name)
        .collect()
}

/// The scenario, checked, as canonical JSON (what a worker needs).
/// Raises `ValueError` naming the bad field, or the path that names no file.
#[pyfunction]
fn check(py: Python<'_>, scenario: &Bound<'_, PyAny>) -> PyResult<String> {
    let scenario = source(scenario)?;
    Ok(load(py, &scenario)?.scenario().to_json_string())
}

/// What is valid in the scenario but probably not meant (a group that never
/// works, rates that end before the horizon…), one message each, naming
/// the field; empty if nothing. A bad scenario raises `ValueError`.
#[pyfunction]
fn warnings(py: Python<'_>, scenario: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let scenario = source(scenario)?;
    // Warnings read the scenario's trace files again.
    py.detach(|| Ok(parse(&scenario)?.scenario().warnings()))
}

/// The most tasks [`tasks`] lists: more than a job array or an indexed job
/// of any scheduler runs, and a bound on the list (a scenario may have
/// 2³² − 1 replications, and a list of as many tasks would take 32 GB).
const MAX_TASKS: u32 = 1_000_000;

/// Each task's share of the replications, as `(start, end)`. Raises
/// `ValueError` for a bad scenario, for `tasks` below 1 or above 1,000,000
/// or the replications, and `TypeError` if `tasks` is no `int`.
#[pyfunction]
fn tasks(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    tasks: &Bound<'_, PyAny>,
) -> PyResult<Vec<(u32, u32)>> {
    let scenario = source(scenario)?;
    let tasks = task_count(tasks)?;
    if tasks > MAX_TASKS {
        return Err(value_error(format!(
            "tasks: must be at most {MAX_TASKS}, got {tasks}"
        )));
    }
    py.detach(|| {
        let sim = parse(&scenario)?;
        (0..tasks)
            .map(|t| {
                sim.task_replications(t, tasks)
                    .map(|r| (r.start, r.end))
                    .map_err(value_error)
            })
            .collect()
    })
}

/// Task `task` of `tasks`: its replications under each policy, one JSON
/// line each (policy by policy, in replication order). Raises `ValueError`
/// for a bad scenario, an unknown policy, or a `task` not below `tasks`
/// (negative or too large included), `TypeError` if either is no `int`,
/// and `RuntimeError` naming the policy if the simulator itself fails (a
/// bug to report, not bad input).
#[pyfunction]
#[pyo3(signature = (scenario, task, tasks, policies=None))]
fn run_task(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    task: &Bound<'_, PyAny>,
    tasks: &Bound<'_, PyAny>,
    policies: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<String>> {
    let scenario = source(scenario)?;
    let (task, tasks) = (whole(task, "task")?, task_count(tasks)?);
    let policies = policy_names(policies)?;
    let sim = load(py, &scenario)?;
    let specs = specs(&sim, policies)?;
    let range = sim.task_replications(task, tasks).map_err(value_error)?;
    py.detach(|| {
        let mut lines = Vec::new();
        for spec in &specs {
            for r in range.clone() {
                let rep = sim
                    .replicate_policy(spec, r)
                    .map_err(|e| PyRuntimeError::new_err(format!("{}: {e}", spec.name())))?;
                lines.push(serde_json::to_string(&rep).map_err(value_error)?);
            }
        }
        Ok(lines)
    })
}

/// Each of `specs`' replications from `lines` (any tasks, any order),
/// merged into the single run's order; lines of other policies are left
/// out. The tasks to rerun if some are missing.
fn merged(
    sim: &Simulation,
    specs: &[PolicySpec],
    lines: &[String],
    tasks: u32,
) -> PyResult<Vec<Vec<Replication>>> {
    let mut reps: Vec<Replication> = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        if !line.trim().is_empty() {
            reps.push(
                serde_json::from_str(line)
                    .map_err(|e| value_error(format!("line {}: not a replication: {e}", n + 1)))?,
            );
        }
    }
    let mut ran: Vec<String> = Vec::new();
    for r in &reps {
        if !ran.contains(&r.policy) {
            ran.push(r.policy.clone());
        }
    }
    sim.merge_tasks(specs, reps, tasks).map_err(|e| match e {
        ReportError::Rerun { ref tasks, .. } => {
            MissingTasks::new_err((e.to_string() + &never_ran(specs, &ran), tasks.clone()))
        }
        e => value_error(e),
    })
}

/// What to add to `MissingTasks` when a selected policy has no line at all
/// while the lines hold others' (empty otherwise): most likely `policies`
/// names one that `run_task` did not run (`None` is the scenario's own),
/// and rerunning the tasks as before would not bring its lines. It stays
/// `MissingTasks`, with the tasks: the tasks may have been run policy by
/// policy, and that policy's lost.
fn never_ran(specs: &[PolicySpec], ran: &[String]) -> String {
    let absent: Vec<&str> = specs
        .iter()
        .map(PolicySpec::name)
        .filter(|name| !ran.iter().any(|r| r == name))
        .collect();
    if absent.is_empty() || ran.is_empty() {
        return String::new();
    }
    format!(
        " (no line at all is of {}, and the lines are of {}: is `policies` the list run_task \
         ran? None is the scenario's own policy)",
        absent.join(", "),
        ran.join(", ")
    )
}

/// The reports of the merged tasks: `{policy: report JSON}`, the bytes a
/// single run gives, one per policy of `policies` (`None`: the scenario's
/// own); lines of other policies are left out, so that the same lines
/// serve a merge of any of the policies they hold. Raises `MissingTasks`
/// (a `ValueError`) if a replication of one of `policies` is missing (it
/// says which policy has no line at all), `ValueError` for a bad scenario,
/// policy, line, `tasks` or `confidence` (strictly between 0 and 1),
/// `TypeError` if `tasks` is no `int`.
#[pyfunction]
#[pyo3(signature = (scenario, lines, tasks, policies=None, confidence=0.95))]
fn merge(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    lines: &Bound<'_, PyAny>,
    tasks: &Bound<'_, PyAny>,
    policies: Option<&Bound<'_, PyAny>>,
    confidence: f64,
) -> PyResult<BTreeMap<String, String>> {
    let scenario = source(scenario)?;
    let confidence = level(confidence)?;
    let tasks = task_count(tasks)?;
    let (lines, policies) = (line_list(lines)?, policy_names(policies)?);
    // Parsing and merging many tasks' lines takes as long as a short run:
    // without the interpreter's lock, so that other threads go on.
    py.detach(|| {
        let sim = parse(&scenario)?;
        let specs = specs(&sim, policies)?;
        let runs = merged(&sim, &specs, &lines, tasks)?;
        reports(&sim, &specs, &runs, confidence)
    })
}

fn reports(
    sim: &Simulation,
    specs: &[PolicySpec],
    runs: &[Vec<Replication>],
    confidence: f64,
) -> PyResult<BTreeMap<String, String>> {
    specs
        .iter()
        .zip(runs)
        .map(|(spec, reps)| {
            let report = sim.report(reps, confidence).map_err(value_error)?;
            Ok((spec.name().to_string(), report.to_json()))
        })
        .collect()
}

/// The single run in this process, replications in parallel:
/// `{policy: report JSON}`. Raises `ValueError` for a bad scenario, an
/// unknown policy or a `confidence` not strictly between 0 and 1, and
/// `RuntimeError` naming the policy if the simulator itself fails (a bug
/// to report, not bad input).
#[pyfunction]
#[pyo3(signature = (scenario, policies=None, confidence=0.95))]
fn run(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    policies: Option<&Bound<'_, PyAny>>,
    confidence: f64,
) -> PyResult<BTreeMap<String, String>> {
    let scenario = source(scenario)?;
    let confidence = level(confidence)?;
    let policies = policy_names(policies)?;
    let sim = load(py, &scenario)?;
    let specs = specs(&sim, policies)?;
    let runs = py.detach(|| {
        specs
            .iter()
            .map(|spec| {
                sim.replications_policy(spec, RunOptions::default())
                    .map_err(|e| PyRuntimeError::new_err(format!("{}: {e}", spec.name())))
            })
            .collect::<PyResult<Vec<_>>>()
    })?;
    reports(&sim, &specs, &runs, confidence)
}

/// Policy `other` against policy `base` on the merged replications of
/// `lines`: each metric's paired difference with its interval, as JSON.
/// Raises what `merge` raises, and `ValueError` if `base` and `other` are
/// not two different policies.
#[pyfunction]
#[pyo3(signature = (scenario, base, other, lines, tasks, confidence=0.95))]
fn compare(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    base: String,
    other: String,
    lines: &Bound<'_, PyAny>,
    tasks: &Bound<'_, PyAny>,
    confidence: f64,
) -> PyResult<String> {
    let scenario = source(scenario)?;
    let confidence = level(confidence)?;
    let tasks = task_count(tasks)?;
    let lines = line_list(lines)?;
    py.detach(|| {
        let sim = parse(&scenario)?;
        let specs = specs(&sim, Some(Names::Many(vec![base.clone(), other.clone()])))?;
        if specs.len() != 2 {
            // The same name twice, or "all": say which, rather than leave
            // the caller to guess what made them not two.
            return Err(value_error(format!(
                "compare: base and other must be two different policies, got {base:?} and {other:?}"
            )));
        }
        let runs = merged(&sim, &specs, &lines, tasks)?;
        let c = sim
            .compare(&runs[0], &runs[1], confidence)
            .map_err(value_error)?;
        Ok(c.to_json())
    })
}

/// Skills-based contact routing's simulator, for notebooks and for
/// workers of Ray, Dask or `concurrent.futures`: strings in, strings out.
///
/// A scenario is TOML or JSON text, or a file's path (`str` or
/// `pathlib.Path`); reports are JSON text.
///
/// - `policies()`: the built-in policies' names.
/// - `check(scenario)`: the scenario as canonical JSON.
/// - `warnings(scenario)`: what is valid but probably not meant.
/// - `tasks(scenario, tasks)`: each task's replications, `(start, end)`.
/// - `run_task(scenario, task, tasks, policies=None)`: a task's JSON lines.
/// - `merge(scenario, lines, tasks, policies=None, confidence=0.95)`: the
///   tasks' lines of `policies` merged, `{policy: report JSON}` (lines of
///   other policies left out).
/// - `run(scenario, policies=None, confidence=0.95)`: the single run here.
/// - `compare(scenario, base, other, lines, tasks, confidence=0.95)`: two
///   policies' paired differences, as JSON.
///
/// Bad arguments raise `ValueError` naming them (`MissingTasks`, one, if a
/// merge lacks replications), and a scenario, `policies` or `lines` of
/// another type a one-line `TypeError` saying what it takes; each
/// function's `help()` says what it raises.
#[pymodule]
#[pyo3(name = "skillroute")]
fn python_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MissingTasks", m.py().get_type::<MissingTasks>())?;
    m.add_function(wrap_pyfunction!(policies, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(warnings, m)?)?;
    m.add_function(wrap_pyfunction!(tasks, m)?)?;
    m.add_function(wrap_pyfunction!(run_task, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    Ok(())
}
