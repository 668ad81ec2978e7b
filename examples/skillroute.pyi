"""Type stubs of the Python bindings (examples/python.rs): copy beside
skillroute.so so that type checkers and editors know the module.

    cargo build --release --features python --example python
    cp target/release/examples/libpython.so skillroute.so
    cp examples/skillroute.pyi skillroute.pyi

Strings in, strings out: a scenario is TOML or JSON text, or a file's path;
reports are JSON text. tests/python/test_bindings.py checks these stubs
against the built module's own signatures.
"""

from typing import Dict, List, Optional, Tuple

class MissingTasks(ValueError):
    """Replications are missing from a merge; `.args[1]` lists the tasks to rerun."""

def policies() -> List[str]:
    """The built-in policies' names."""

def check(scenario: str) -> str:
    """The scenario, checked, as canonical JSON; `ValueError` naming the bad field."""

def warnings(scenario: str) -> List[str]:
    """What is valid but probably not meant (a group that never works, rates
    that end before the horizon...), one message each naming the field."""

def tasks(scenario: str, tasks: int) -> List[Tuple[int, int]]:
    """Each task's share of the replications, as `(start, end)`; more than
    1,000,000 tasks is a `ValueError`."""

def run_task(
    scenario: str, task: int, tasks: int, policies: Optional[List[str]] = None
) -> List[str]:
    """Task `task` of `tasks`: one JSON line per replication and policy (the
    lines `simulate --tasks M --task N` writes). `policies`: built-in names,
    or `["all"]`; none means the scenario's own."""

def merge(
    scenario: str,
    lines: List[str],
    tasks: int,
    policies: Optional[List[str]] = None,
    confidence: float = 0.95,
) -> Dict[str, str]:
    """`{policy: report JSON}`, the bytes a single run gives; `MissingTasks`
    if a replication is missing."""

def run(
    scenario: str, policies: Optional[List[str]] = None, confidence: float = 0.95
) -> Dict[str, str]:
    """The single run in this process (replications in parallel):
    `{policy: report JSON}`."""

def compare(
    scenario: str,
    base: str,
    other: str,
    lines: List[str],
    tasks: int,
    confidence: float = 0.95,
) -> str:
    """Policy `other` against policy `base` on the merged replications of
    `lines`: each metric's paired difference with its interval, as JSON."""
