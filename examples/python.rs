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
//! is refused: one filtered down to nothing named no policy; so are a set,
//! whose order differs from process to process, and a dict). `lines`: any
//! iterable of `str` (a list, a generator, an open file of a task's lines).
//! The simulation, reading the scenario (and its arrival traces), and
//! `merge`'s and `compare`'s reading of the lines run without the
//! interpreter's lock, so threads run tasks side by side too; `run`
//! builds its reports without it too. Ctrl-C stops a long `run`,
//! `run_task`, `merge` or `compare` soon (a replication under way ends
//! first) with `KeyboardInterrupt`. `run` works in a forked worker (its
//! threads are this module's, built again in each process, not rayon's
//! global pool, which a fork leaves without threads). `warnings` is left
//! out of `__all__`: `from skillroute import *` would hide the standard
//! library's `warnings` module.
//! A scenario is a `str` or an `os.PathLike` (`pathlib.Path`, always a
//! file); a `str` of one line without `=` is a path: one that names no
//! file is a `ValueError` that says so. Bad arguments (a negative or
//! oversized `task` or `tasks` too) raise `ValueError` naming the argument,
//! a wrong type a one-line `TypeError` saying what the argument takes, and `RuntimeError` is a simulator bug; each
//! function's docstring says what it raises. Built only with the `python`
//! feature, so that the library vendors embed does not depend on pyo3.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFrozenSet, PyList, PySet, PyString, PyTuple,
};
use skillroute::sim::{
    PolicySpec, Replication, ReportError, RunOptions, Scenario, SimError, Simulation,
};

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
    // `True` is an `int` to Python, and would be task or tasks 1 unsaid.
    if arg.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "argument '{name}': expected an int, got bool ({arg})"
        )));
    }
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
    // A set's order changes from one process to the next (str hashes are
    // salted), and with it the order of run_task's lines; a dict's keys
    // are most likely not meant as names.
    if arg.is_instance_of::<PySet>() || arg.is_instance_of::<PyFrozenSet>() {
        return Err(PyTypeError::new_err(format!(
            "policies: expected {KINDS}; got {kind}, whose order is arbitrary (give a list)"
        )));
    }
    if arg.is_instance_of::<PyDict>() {
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
    let mut copied = 0;
    for (n, item) in items.enumerate() {
        let item = item?;
        // Copying the lines needs the interpreter's lock, and many tasks'
        // lines are hundreds of MB: let other threads, and Ctrl-C, in
        // every few MB.
        if copied > COPY_CHUNK {
            copied = 0;
            arg.py().check_signals()?;
            arg.py().detach(|| ());
        }
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
        let line: String = item.extract()?;
        copied += line.len();
        out.push(line);
    }
    Ok(out)
}

/// How many bytes of lines [`line_list`] copies between two releases of
/// the interpreter's lock (a few milliseconds' work).
const COPY_CHUNK: usize = 8 << 20;

/// How often a call that runs without the interpreter's lock looks for a
/// signal (Ctrl-C) to act on.
const POLL: Duration = Duration::from_millis(50);

/// Runs `work` on a thread of its own, without the interpreter's lock,
/// while this thread looks for signals every [`POLL`]: on Ctrl-C (a
/// signal handler that raises) it sets `work`'s stop flag, waits for
/// `work` to return (which it does soon once the flag is set) and raises
/// what the handler raised, `KeyboardInterrupt`. Without this, Ctrl-C
/// waited for the end of the whole call. Only the main thread handles
/// signals; called from another, this only waits.
fn interruptible<T: Send>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> PyResult<T> + Send,
) -> PyResult<T> {
    let stop = AtomicBool::new(false);
    py.detach(|| {
        std::thread::scope(|s| {
            let (done, finished) = mpsc::channel::<()>();
            let stop = &stop;
            let worker = s.spawn(move || {
                let result = work(stop);
                drop(done);
                result
            });
            let mut signal = None;
            while let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(POLL) {
                if signal.is_none()
                    && let Err(e) = Python::attach(|py| py.check_signals())
                {
                    stop.store(true, Ordering::Relaxed);
                    signal = Some(e);
                }
            }
            let result = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            match signal {
                Some(e) => Err(e),
                None => result,
            }
        })
    })
}

/// The error of work that saw its stop flag set: [`interruptible`] raises
/// the signal's error in its place.
fn stopped() -> PyErr {
    PyRuntimeError::new_err("stopped by a signal")
}

/// The rayon pool `run` uses, and the process that built it. rayon's
/// global pool cannot serve here: its threads are not copied into a
/// forked child (`concurrent.futures`' worker processes on Linux), so
/// `run` in a child of a process that had run waited forever for them.
static POOL: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);

/// This process's pool, built again in a forked child. Taken with the
/// interpreter's lock held, as `os.fork` holds it, so that no thread holds
/// `POOL`'s lock at a fork.
fn pool(_py: Python<'_>) -> PyResult<Arc<rayon::ThreadPool>> {
    let mut slot = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some((built_in, pool)) = slot.as_ref()
        && *built_in == pid
    {
        return Ok(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the run's threads: {e}")))?;
    let pool = Arc::new(pool);
    if let Some((_, parents)) = slot.replace((pid, pool.clone())) {
        // The parent's pool, copied by the fork without its threads:
        // dropping it would signal threads that do not exist here.
        std::mem::forget(parents);
    }
    Ok(pool)
}

/// `tasks` against the scenario's replications, said in the caller's
/// terms: the library's "task 0 of 21: tasks are 0..21" named a task
/// argument `tasks` and `merge` do not have, in Rust's range notation.
fn split(sim: &Simulation, tasks: u32) -> PyResult<()> {
    let replications = sim.scenario().replications;
    if tasks > replications {
        return Err(value_error(format!(
            "tasks={tasks}: at most one task per replication ({replications})"
        )));
    }
    Ok(())
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
        split(&sim, tasks)?;
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
    split(&sim, tasks)?;
    if task >= tasks {
        return Err(value_error(format!(
            "task={task}: must be below tasks={tasks} (tasks are numbered from 0)"
        )));
    }
    let range = sim.task_replications(task, tasks).map_err(value_error)?;
    interruptible(py, |stop| {
        let mut lines = Vec::new();
        for spec in &specs {
            for r in range.clone() {
                if stop.load(Ordering::Relaxed) {
                    return Err(stopped());
                }
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
    stop: &AtomicBool,
) -> PyResult<Vec<Vec<Replication>>> {
    split(sim, tasks)?;
    let mut reps: Vec<Replication> = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        if stop.load(Ordering::Relaxed) {
            return Err(stopped());
        }
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
    let have: Vec<(String, u32)> = reps
        .iter()
        .map(|r| (r.policy.clone(), r.replication))
        .collect();
    sim.merge_tasks(specs, reps, tasks).map_err(|e| match e {
        ReportError::Rerun {
            tasks: rerun, of, ..
        } => {
            let message = format!(
                "{}; rerun tasks {rerun:?} of tasks={of} (the tasks run_task was given: the \
                 lines do not record it){}",
                missing(sim, specs, &have),
                never_ran(specs, &ran)
            );
            MissingTasks::new_err((message, rerun))
        }
        e => value_error(e),
    })
}

/// Which replications of each of `specs` no line holds, as ranges
/// ("c-mu: replications 5-9 missing (5 of 20)"): the lines do not record
/// which split they were run in, so that a `tasks` other than the one
/// `run_task` was given names other tasks to rerun, and the replications
/// show what is truly lost.
fn missing(sim: &Simulation, specs: &[PolicySpec], have: &[(String, u32)]) -> String {
    let n = sim.scenario().replications;
    let mut said = Vec::new();
    for spec in specs {
        let mut present = vec![false; n as usize];
        for (policy, r) in have {
            if policy == spec.name() && *r < n {
                present[*r as usize] = true;
            }
        }
        let mut ranges: Vec<String> = Vec::new();
        let mut count = 0;
        let mut r = 0;
        while r < n {
            if present[r as usize] {
                r += 1;
                continue;
            }
            let start = r;
            while r < n && !present[r as usize] {
                r += 1;
            }
            count += r - start;
            ranges.push(if r - start == 1 {
                start.to_string()
            } else {
                format!("{start}-{}", r - 1)
            });
        }
        if count > 0 {
            said.push(format!(
                "{}: replications {} missing ({count} of {n})",
                spec.name(),
                ranges.join(", ")
            ));
        }
    }
    said.join("; ")
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
    interruptible(py, |stop| {
        let sim = parse(&scenario)?;
        let specs = specs(&sim, policies)?;
        let runs = merged(&sim, &specs, &lines, tasks, stop)?;
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
    let pool = pool(py)?;
    // The reports too without the interpreter's lock: of many
    // replications, they take a good part of a second.
    interruptible(py, |stop| {
        let opts = RunOptions {
            cancel: Some(stop),
            ..RunOptions::default()
        };
        let runs = pool.install(|| {
            specs
                .iter()
                .map(|spec| {
                    sim.replications_policy(spec, opts).map_err(|e| match e {
                        SimError::Cancelled => stopped(),
                        e => PyRuntimeError::new_err(format!("{}: {e}", spec.name())),
                    })
                })
                .collect::<PyResult<Vec<_>>>()
        })?;
        reports(&sim, &specs, &runs, confidence)
    })
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
    interruptible(py, |stop| {
        let sim = parse(&scenario)?;
        let specs = specs(&sim, Some(Names::Many(vec![base.clone(), other.clone()])))?;
        if specs.len() != 2 {
            // The same name twice, or "all": say which, rather than leave
            // the caller to guess what made them not two.
            return Err(value_error(format!(
                "compare: base and other must be two different policies, got {base:?} and {other:?}"
            )));
        }
        let runs = merged(&sim, &specs, &lines, tasks, stop)?;
        let c = sim
            .compare(&runs[0], &runs[1], confidence)
            .map_err(value_error)?;
        Ok(c.to_json())
    })
}

/// What `from skillroute import *` binds: all but `warnings`, which has
/// the standard library module's name (call it as `skillroute.warnings`).
const ALL: [&str; 8] = [
    "MissingTasks",
    "policies",
    "check",
    "tasks",
    "run_task",
    "merge",
    "run",
    "compare",
];

/// Skills-based contact routing's simulator, for notebooks and for
/// workers of Ray, Dask or `concurrent.futures`: strings in, strings out.
///
/// A scenario is TOML or JSON text, or a file's path (`str` or
/// `pathlib.Path`); reports are JSON text.
///
/// - `policies()`: the built-in policies' names.
/// - `check(scenario)`: the scenario as canonical JSON.
/// - `warnings(scenario)`: what is valid but probably not meant (left out
///   of `__all__`, so that `from skillroute import *` keeps the standard
///   library's `warnings`).
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
/// function's `help()` says what it raises. Ctrl-C stops a long `run`,
/// `run_task`, `merge` or `compare` soon, with `KeyboardInterrupt`.
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
    // pyo3 lists every function in `__all__`, and `from skillroute import
    // *` then hid the standard library's `warnings` module.
    m.setattr("__all__", ALL)?;
    Ok(())
}
