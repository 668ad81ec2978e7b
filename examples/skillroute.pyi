"""Type stubs of the Python bindings (examples/python.rs): copy beside
skillroute.so so that type checkers and editors know the module.

    cargo build --release --features python --example python
    cp target/release/examples/libpython.so skillroute.so
    cp examples/skillroute.pyi skillroute.pyi

Strings in, strings out: a scenario is TOML or JSON text, or a file's path
(a `str`, or an `os.PathLike` such as `pathlib.Path`); reports are JSON
text. A scenario, `policies` or `lines` of another type raises a one-line
`TypeError` saying what it takes (a set of policies too: its order is
arbitrary). Ctrl-C stops a long `run`, `run_task`, `merge` or `compare`
soon with `KeyboardInterrupt`. tests/python/test_bindings.py checks these
stubs against the built module's own signatures and `__all__`.
"""

from os import PathLike
from typing import Dict, Iterable, List, Tuple, Union

# `warnings` is left out: `from skillroute import *` would hide the standard
# library's warnings module. Call it as skillroute.warnings.
__all__ = [
    "MissingTasks",
    "policies",
    "check",
    "tasks",
    "run_task",
    "merge",
    "run",
    "compare",
]

_Scenario = Union[str, "PathLike[str]"]
# A name alone ("all", "c-mu"), names (a list, a tuple...), or None: the
# scenario's own (an empty list is refused).
_Policies = Union[str, Iterable[str], None]

class MissingTasks(ValueError):
    """Replications are missing from a merge; `.args[1]` lists the tasks to rerun."""

def policies() -> List[str]:
    """The built-in policies' names."""

def check(scenario: _Scenario) -> str:
    """The scenario, checked, as canonical JSON. Raises `ValueError` naming
    the bad field, or the path that names no file."""

def warnings(scenario: _Scenario) -> List[str]:
    """What is valid but probably not meant (a group that never works, rates
    that end before the horizon...), one message each naming the field;
    empty if nothing. A bad scenario raises `ValueError`."""

def tasks(scenario: _Scenario, tasks: int) -> List[Tuple[int, int]]:
    """Each task's share of the replications, as `(start, end)`. Raises
    `ValueError` for a bad scenario, for `tasks` below 1 or above 1,000,000
    or the replications, and `TypeError` if `tasks` is no `int`."""

def run_task(
    scenario: _Scenario, task: int, tasks: int, policies: _Policies = None
) -> List[str]:
    """Task `task` of `tasks`: one JSON line per replication and policy (the
    lines `simulate --tasks M --task N` writes). `policies`: built-in names,
    or `["all"]`, or one name alone (`"all"`); none means the scenario's own. Raises `ValueError` for a
    bad scenario, an unknown policy, or a `task` not below `tasks` (negative
    or too large included), `TypeError` if either is no `int`, and
    `RuntimeError` naming the policy if the simulator itself fails (a bug to
    report, not bad input)."""

def merge(
    scenario: _Scenario,
    lines: Iterable[str],
    tasks: int,
    policies: _Policies = None,
    confidence: float = 0.95,
) -> Dict[str, str]:
    """`{policy: report JSON}`, the bytes a single run gives, one per policy
    of `policies` (None: the scenario's own); lines of other policies are
    left out, so that the same lines serve a merge of any of the policies
    they hold. Raises `MissingTasks` (a `ValueError`) if a replication of one
    of `policies` is missing (it says which policy has no line at all),
    `ValueError` for a bad scenario, policy, line, `tasks` or `confidence`
    (strictly between 0 and 1), `TypeError` if `tasks` is no `int`."""

def run(
    scenario: _Scenario, policies: _Policies = None, confidence: float = 0.95
) -> Dict[str, str]:
    """The single run in this process (replications in parallel):
    `{policy: report JSON}`. Raises `ValueError` for a bad scenario, an
    unknown policy or a `confidence` not strictly between 0 and 1, and
    `RuntimeError` naming the policy if the simulator itself fails (a bug to
    report, not bad input)."""

def compare(
    scenario: _Scenario,
    base: str,
    other: str,
    lines: Iterable[str],
    tasks: int,
    confidence: float = 0.95,
) -> str:
    """Policy `other` against policy `base` on the merged replications of
    `lines`: each metric's paired difference with its interval, as JSON.
    Raises what `merge` raises, and `ValueError` if `base` and `other` are
    not two different policies."""
