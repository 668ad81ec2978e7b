"""The Python bindings (examples/python.rs), as a Python user drives them.

Run by .ci/run:

    cargo build --release --features python --example python
    cp target/release/examples/libpython.so DIR/skillroute.so
    SKILLROUTE_PY=DIR python3 tests/python/test_bindings.py

Tasks run in worker processes (concurrent.futures), are merged in any
order, and give the single run's reports to the byte; a task's lines are
the very lines `simulate --tasks M --task N` writes.
"""

import ast
import csv
import inspect
import json
import multiprocessing
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.environ.get("SKILLROUTE_PY", "."))
import skillroute  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CENTER = os.path.join(ROOT, "examples", "data", "default-center.toml")
# Where cargo built it: $CARGO_TARGET_DIR if set (relative to the root), else target/.
TARGET = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR", "target"))
SIMULATE = os.path.join(TARGET, "release", "examples", "simulate")
REPLAY = os.path.join(TARGET, "release", "examples", "replay")
SWEEP = os.path.join(TARGET, "release", "examples", "sweep")
DEMO_LOG = os.path.join(ROOT, "examples", "data", "demo-log.jsonl")
STUBS = os.path.join(ROOT, "examples", "skillroute.pyi")
TASKS = 3


def run_task(task):
    return skillroute.run_task(CENTER, task, TASKS, ["all"])


def run_c_mu(_):
    return skillroute.run(CENTER, "c-mu")


# A child that sends itself SIGINT (Ctrl-C) 0.3 s into a long call, and
# says how long after the signal the call raised KeyboardInterrupt.
INTERRUPTED = """
import os, signal, sys, threading, time
sys.path.insert(0, sys.argv[1])
import skillroute
with open(sys.argv[2]) as f:
    text = f.read().replace("replications = 20", "replications = 1000", 1)
lines = []
if sys.argv[3] == "compare":
    lines = skillroute.run_task(sys.argv[2], 0, 1, ["c-mu", "learned-fit"]) * 15
calls = {
    "run": lambda: skillroute.run(text, "c-mu"),
    "run_task": lambda: skillroute.run_task(text, 0, 1, "c-mu"),
    "compare": lambda: skillroute.compare(sys.argv[2], "c-mu", "learned-fit", lines, 1),
}
sent = []
def send():
    sent.append(time.perf_counter())
    os.kill(os.getpid(), signal.SIGINT)
threading.Timer(0.3, send).start()
try:
    calls[sys.argv[3]]()
    print("finished")
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - sent[0])
"""


class Bindings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with ProcessPoolExecutor(max_workers=2) as pool:
            cls.parts = list(pool.map(run_task, range(TASKS)))
        cls.lines = [line for part in cls.parts for line in part]

    def test_policies_are_the_builtins(self):
        names = skillroute.policies()
        self.assertIn("optimal-assignment", names)
        self.assertIn("learned-fit", names)
        self.assertEqual(len(names), len(set(names)))

    def test_one_policy_name_alone_is_a_list_of_it(self):
        """policies="all" (a name alone, as a notebook writes it) is
        ["all"]: it was pyo3's "Can't extract `str` to `Vec`" TypeError."""
        self.assertEqual(skillroute.merge(CENTER, self.lines, TASKS, "all"),
                         skillroute.merge(CENTER, self.lines, TASKS, ["all"]))
        one = skillroute.run_task(CENTER, 0, TASKS, "c-mu")
        self.assertEqual(one, skillroute.run_task(CENTER, 0, TASKS, ["c-mu"]))
        with self.assertRaises(ValueError):
            skillroute.run_task(CENTER, 0, TASKS, "no-such-policy")

    def test_tasks_in_processes_merge_to_the_single_run(self):
        lines = list(self.lines)
        random.Random(7).shuffle(lines)
        merged = skillroute.merge(CENTER, lines, TASKS, ["all"])
        single = skillroute.run(CENTER, ["all"])
        self.assertEqual(sorted(merged), sorted(skillroute.policies()))
        for policy, report in single.items():
            self.assertEqual(merged[policy], report, policy)
        # 20 replications of 6 policies, shared out 6 + 7 + 7.
        self.assertEqual(skillroute.tasks(CENTER, TASKS), [(0, 6), (6, 13), (13, 20)])
        self.assertEqual(len(self.lines), 20 * len(single))
        report = json.loads(single["learned-fit"])
        self.assertEqual(report["replications"], 20)
        self.assertEqual(report["policy"], "learned-fit")

    @unittest.skipUnless(os.path.exists(SIMULATE), "simulate example not built")
    def test_a_task_gives_the_lines_the_command_line_writes(self):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [SIMULATE, CENTER, "--all-policies", "--tasks", str(TASKS),
                 "--task", "1", "--out", out],
                check=True, capture_output=True,
            )
            path = os.path.join(out, f"replications-task-1-of-{TASKS}.jsonl")
            with open(path) as f:
                written = f.read().splitlines()
        self.assertEqual(written, self.parts[1])

    @unittest.skipUnless(os.path.exists(SIMULATE), "simulate example not built")
    def test_an_out_that_is_a_file_is_refused_before_the_run(self):
        """--out naming a file, not a folder, is an option error said before
        anything runs (exit 2, nothing simulated), where it used to fail
        after the whole run with the system's 'File exists'."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "report")
            with open(path, "w") as f:
                f.write("not a folder\n")
            done = subprocess.run(
                [SIMULATE, CENTER, "--all-policies", "--replications", "1000", "--out", path],
                capture_output=True, text=True, timeout=60,
            )
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn(f"--out: {path} is a file, not a folder", done.stderr)
        self.assertNotIn("each cell is mean", done.stdout)

    @unittest.skipUnless(os.path.exists(SIMULATE), "simulate example not built")
    def test_a_field_set_twice_is_refused_before_the_run(self):
        """Two --sets of one field in two spellings, or a --set of the seed
        beside --seed, are refused before anything runs (exit 2), naming
        both: the last applied used to win in silence."""
        late = "groups[late-generalists].count"
        for args, said in [
            (["--set", f"{late}=12", "--set", "groups[1].count=14"],
             f"--set {late}=12 and --set groups[1].count=14 both set groups[1].count"),
            (["--set", "seed=3", "--seed", "5"],
             "--set seed=3 and --seed both set seed; give it once"),
            (["--set", "replications=4", "--replications", "1000"],
             "--set replications=4 and --replications both set replications; give it once"),
        ]:
            with tempfile.TemporaryDirectory() as out:
                done = subprocess.run(
                    [SIMULATE, CENTER, "--all-policies", "--out", out] + args,
                    capture_output=True, text=True, timeout=60,
                )
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(said, done.stderr)
                self.assertEqual(os.listdir(out), [])

    @unittest.skipUnless(os.path.exists(SIMULATE), "simulate example not built")
    def test_merge_gives_the_bytes_simulate_merge_writes(self):
        with tempfile.TemporaryDirectory() as out:
            for task, part in enumerate(self.parts):
                path = os.path.join(out, f"replications-task-{task}-of-{TASKS}.jsonl")
                with open(path, "w") as f:
                    f.write("".join(line + "\n" for line in part))
            subprocess.run(
                [SIMULATE, CENTER, "--all-policies", "--merge", out, "--tasks", str(TASKS),
                 "--out", os.path.join(out, "merged")],
                check=True, capture_output=True,
            )
            with open(os.path.join(out, "merged", "report.json")) as f:
                written = f.read()
        merged = skillroute.merge(CENTER, self.lines, TASKS, ["all"])
        # report.json: the reports in the policies' order, as a JSON array.
        joined = ",\n".join(merged[name] for name in skillroute.policies())
        self.assertEqual(written, "[\n" + joined + "\n]\n")

    def test_a_task_list_too_long_to_hold_is_refused(self):
        """tasks lists at most a million tasks, and a scenario holds at most
        a million replications: 2**32 - 1 tasks of a scenario with as many
        replications would take 32 GB. Called in a process whose memory is
        capped, so that a list that grows fails the test rather than the
        machine."""
        with open(CENTER) as f:
            text = f.read()
        most = text.replace("replications = 20", "replications = 1000000", 1)
        self.assertNotEqual(most, text)
        child = "\n".join([
            "import resource, sys",
            "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))",
            f"sys.path.insert(0, {os.path.dirname(skillroute.__file__)!r})",
            "import skillroute",
            "scenario = sys.stdin.read()",
            "print(skillroute.tasks(scenario, 3))",
            "huge = scenario.replace('= 1000000', '= 4294967295', 1)",
            "for s, tasks in ((scenario, 1_000_001), (scenario, 4294967295), (huge, 3)):",
            "    try:",
            "        skillroute.tasks(s, tasks)",
            "    except ValueError as e:",
            "        print(str(e).splitlines()[-1])",
        ])
        done = subprocess.run([sys.executable, "-c", child], input=most,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr[-500:])
        listed, *refused = done.stdout.splitlines()
        self.assertEqual(listed, "[(0, 333333), (333333, 666666), (666666, 1000000)]")
        self.assertEqual(refused, [
            "tasks: must be at most 1000000, got 1000001",
            "tasks: must be at most 1000000, got 4294967295",
            "replications: must be at most 1000000, got 4294967295",
        ])

    def test_a_missing_task_is_named(self):
        kept = self.parts[0] + self.parts[2]
        with self.assertRaises(skillroute.MissingTasks) as caught:
            skillroute.merge(CENTER, kept, TASKS, ["all"])
        self.assertEqual(caught.exception.args[1], [1])
        self.assertIn("rerun tasks [1] of tasks=3", str(caught.exception.args[0]))
        self.assertTrue(issubclass(skillroute.MissingTasks, ValueError))

    def test_a_missing_task_names_its_replications(self):
        """The lines do not record the split they were run in, so a merge
        with another `tasks` than run_task's names other tasks to rerun:
        the message names the replications missing too (it said only
        "5 replications missing; rerun tasks [0] of 2")."""
        parts = [skillroute.run_task(CENTER, t, 4, "c-mu") for t in range(4)]
        kept = parts[0] + parts[2] + parts[3]
        for tasks, rerun in ((4, [1]), (2, [0])):
            with self.assertRaises(skillroute.MissingTasks) as caught:
                skillroute.merge(CENTER, kept, tasks, "c-mu")
            message, tasks_given = caught.exception.args
            self.assertEqual(tasks_given, rerun)
            self.assertIn("c-mu: replications 5-9 missing (5 of 20)", message)
            self.assertIn(f"of tasks={tasks} (the tasks run_task was given", message)

    def test_too_many_tasks_names_the_argument_given(self):
        """tasks above the replications said "task 0 of 21: tasks are
        0..21", naming a task argument tasks and merge do not have, in
        Rust's notation; a task not below tasks is said as given too."""
        said = "tasks=21: at most one task per replication (20)"
        for call in (lambda: skillroute.tasks(CENTER, 21),
                     lambda: skillroute.merge(CENTER, self.lines, 21),
                     lambda: skillroute.compare(CENTER, "c-mu", "learned-fit", self.lines, 21),
                     lambda: skillroute.run_task(CENTER, 0, 21)):
            with self.assertRaises(ValueError) as caught:
                call()
            self.assertEqual(str(caught.exception), said)
        with self.assertRaises(ValueError) as caught:
            skillroute.run_task(CENTER, TASKS, TASKS)
        self.assertEqual(str(caught.exception),
                         f"task={TASKS}: must be below tasks={TASKS} (tasks are numbered from 0)")

    def test_run_in_a_forked_worker_after_the_parent_ran(self):
        """run in a forked worker (concurrent.futures' processes on Linux)
        of a process that had run: it waited forever for the threads of
        the parent's pool, which a fork does not copy. It gives the
        parent's result."""
        parent = skillroute.run(CENTER, "c-mu")
        pool = multiprocessing.get_context("fork").Pool(2)
        try:
            children = pool.map_async(run_c_mu, range(2)).get(timeout=60)
        finally:
            pool.terminate()
            pool.join()
        self.assertEqual(children, [parent, parent])

    def test_ctrl_c_stops_a_long_call_soon(self):
        """SIGINT during a long run, run_task or compare raises
        KeyboardInterrupt within a fraction of a second: it waited for the
        end of the whole call."""
        for call in ("run", "run_task", "compare"):
            done = subprocess.run(
                [sys.executable, "-c", INTERRUPTED, os.path.dirname(skillroute.__file__),
                 CENTER, call],
                capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(done.returncode, 0, done.stderr[-500:])
            said, *after = done.stdout.split()
            self.assertEqual(said, "interrupted", (call, done.stdout))
            self.assertLess(float(after[0]), 0.75, call)

    def test_a_long_run_lets_other_threads_run(self):
        """run builds its reports without the interpreter's lock too: with
        minute-long report intervals, building them held other threads up
        for most of the run."""
        with open(CENTER) as f:
            text = f.read()
        fine = text.replace("interval = 1800.0\nday_start", "interval = 60.0\nday_start", 1)
        self.assertNotEqual(fine, text)
        self.assert_other_threads_go_on(lambda: skillroute.run(fine, "c-mu"))

    def test_import_star_leaves_the_warnings_module_alone(self):
        """`from skillroute import *` bound skillroute.warnings over the
        standard library's warnings module; __all__ is the stubs'."""
        names = {}
        exec("from skillroute import *", names)
        self.assertNotIn("warnings", names)
        for name in ("run", "merge", "MissingTasks"):
            self.assertIn(name, names)
        with open(STUBS) as f:
            tree = ast.parse(f.read())
        (stubbed,) = [ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                      and [t.id for t in n.targets if isinstance(t, ast.Name)] == ["__all__"]]
        self.assertEqual(stubbed, skillroute.__all__)

    def test_unordered_policies_and_a_bool_count_are_refused(self):
        """A set of names (whose order, and so the lines' order, changes
        from one process to the next), a dict, and True as a task or count
        were taken; each is a TypeError naming the argument."""
        for bad, kind in (({"c-mu"}, "set"), (frozenset({"c-mu"}), "frozenset"),
                          ({"c-mu": 1}, "dict")):
            for call in (lambda: skillroute.run_task(CENTER, 0, TASKS, bad),
                         lambda: skillroute.merge(CENTER, self.lines, TASKS, bad),
                         lambda: skillroute.run(CENTER, bad)):
                with self.assertRaises(TypeError) as caught:
                    call()
                message = str(caught.exception)
                self.assertTrue(message.startswith("policies: "), message)
                self.assertIn(f"got {kind}", message)
        for name, call in (("tasks", lambda: skillroute.tasks(CENTER, True)),
                           ("tasks", lambda: skillroute.merge(CENTER, self.lines, True)),
                           ("task", lambda: skillroute.run_task(CENTER, False, TASKS)),
                           ("tasks", lambda: skillroute.run_task(CENTER, 0, True))):
            with self.assertRaises(TypeError) as caught:
                call()
            self.assertIn(f"'{name}'", str(caught.exception))
            self.assertIn("bool", str(caught.exception))

    def test_merge_leaves_out_the_lines_of_other_policies(self):
        """merge(..., policies=[one]) over every task's lines of several
        policies merges that one: the others' lines are left out, not
        missing tasks, and the report is the bytes of a merge of its own
        lines alone. A selected policy that no line is of (here None, the
        scenario's own, over the lines of two others) is still
        MissingTasks with the tasks, but says so: the message said only
        "rerun tasks [0, 1, 2]", and rerunning them as before would not
        bring its lines. A lost task gets no such note."""
        def policy(line):
            return json.loads(line)["policy"]
        for one in ("c-mu", ["learned-fit"]):
            name = one if isinstance(one, str) else one[0]
            merged = skillroute.merge(CENTER, self.lines, TASKS, one)
            self.assertEqual(list(merged), [name])
            own = [line for line in self.lines if policy(line) == name]
            self.assertEqual(merged, skillroute.merge(CENTER, own, TASKS, one))
        scenarios_own = json.loads(skillroute.check(CENTER))["policy"]["kind"]
        self.assertEqual(list(skillroute.merge(CENTER, self.lines, TASKS)), [scenarios_own])
        two = [line for line in self.lines if policy(line) in ("c-mu", "longest-idle-agent")]
        ran = list(dict.fromkeys(policy(line) for line in two))
        for call in (lambda: skillroute.merge(CENTER, two, TASKS),
                     lambda: skillroute.compare(CENTER, "c-mu", scenarios_own, two, TASKS)):
            with self.assertRaises(skillroute.MissingTasks) as caught:
                call()
            message, tasks = caught.exception.args
            self.assertEqual(tasks, list(range(TASKS)))
            self.assertIn(f"no line at all is of {scenarios_own}, and the lines are of "
                          f"{', '.join(ran)}", message)
        with self.assertRaises(skillroute.MissingTasks) as caught:
            skillroute.merge(CENTER, self.parts[0] + self.parts[2], TASKS, "c-mu")
        self.assertEqual(caught.exception.args[1], [1])
        self.assertNotIn("no line at all", caught.exception.args[0])

    def test_a_long_merge_lets_other_threads_run(self):
        """merge parses and merges without the interpreter's lock: while it
        works, another Python thread is not held up for the whole merge."""
        lines = self.lines * 1
        # Holding the lock, one merge (a third of the time) is one pause.
        self.assert_other_threads_go_on(
            lambda: [skillroute.merge(CENTER, lines, TASKS, ["all"]) for _ in range(3)])

    def assert_other_threads_go_on(self, work):
        """Runs `work` in another thread while this one wakes every
        millisecond: its longest pause must be under a sixth of the time.
        What `work` raises is raised here."""
        stamps, done, raised = [], threading.Event(), []

        def in_turn():
            try:
                work()
            except BaseException as e:
                raised.append(e)
            finally:
                done.set()

        worker = threading.Thread(target=in_turn)
        start = time.perf_counter()
        worker.start()
        while not done.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.001)
        worker.join()
        took = time.perf_counter() - start
        if raised:
            raise raised[0]
        gaps = [b - a for a, b in zip([start] + stamps, stamps)]
        self.assertLess(max(gaps), took / 6, (round(max(gaps), 3), round(took, 3)))

    def test_loading_a_long_trace_lets_other_threads_run(self):
        """Reading a scenario's arrival trace runs without the interpreter's
        lock: while check, warnings and tasks read a long one, another
        Python thread is not held up for a whole read."""
        with open(CENTER) as f:
            text = f.read()
        arrivals = text[text.index("arrivals = "):].split("\n", 1)[0]
        traced = text.replace(arrivals, 'arrivals = { kind = "trace", file = "day.csv" }', 1)
        self.assertNotEqual(traced, text)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "center.toml")
            with open(path, "w") as f:
                f.write(traced)
            with open(os.path.join(d, "day.csv"), "w") as f:
                f.write("time\n")
                f.writelines(f"{i * 0.03:.2f}\n" for i in range(1_000_000))
            # Holding the lock, one of the three reads is one pause.
            self.assert_other_threads_go_on(lambda: (
                skillroute.check(path), skillroute.warnings(path), skillroute.tasks(path, TASKS)))

    def test_compare_pairs_two_policies(self):
        c = json.loads(skillroute.compare(
            CENTER, "longest-idle-agent", "optimal-assignment", self.lines, TASKS))
        self.assertEqual(c["base"], "longest-idle-agent")
        self.assertEqual(c["other"], "optimal-assignment")
        # Not two different policies: both names said, not only "two policies".
        for base, other in (("c-mu", "c-mu"), ("all", "c-mu"), ("c-mu", "all")):
            with self.assertRaises(ValueError) as caught:
                skillroute.compare(CENTER, base, other, self.lines, TASKS)
            self.assertEqual(str(caught.exception),
                             "compare: base and other must be two different policies, "
                             f"got \"{base}\" and \"{other}\"")

    def test_bad_input_is_a_value_error_naming_it(self):
        with open(CENTER) as f:
            text = f.read()
        bad = text.replace("rates = [0.0225", "rates = [-0.0225", 1)
        self.assertNotEqual(bad, text)
        with self.assertRaises(ValueError) as caught:
            skillroute.check(bad)
        self.assertIn("rate", str(caught.exception))
        with self.assertRaises(ValueError) as caught:
            skillroute.run_task(CENTER, 0, TASKS, ["no-such-policy"])
        self.assertIn("no-such-policy", str(caught.exception))
        with self.assertRaises(ValueError):
            skillroute.run_task(CENTER, TASKS, TASKS)
        with self.assertRaises(ValueError):
            skillroute.merge(CENTER, ["not json"], TASKS)

    def test_a_task_out_of_range_is_a_value_error_naming_it(self):
        """A negative or oversized task number or count is bad input like
        any other: `ValueError` naming the argument, not the `OverflowError`
        of the integer conversion. Not an int stays a `TypeError`."""
        calls = {
            "task": lambda n: skillroute.run_task(CENTER, n, TASKS),
            "tasks": lambda n: skillroute.run_task(CENTER, 0, n),
        }
        for name, call in (("tasks", lambda n: skillroute.tasks(CENTER, n)),
                           ("tasks", lambda n: skillroute.merge(CENTER, self.lines, n)),
                           ("tasks", lambda n: skillroute.compare(
                               CENTER, "c-mu", "longest-idle-agent", self.lines, n)),
                           *calls.items()):
            for n in (-1, 2**32, 2**40, -2**70):
                with self.assertRaises(ValueError) as caught:
                    call(n)
                self.assertNotIsInstance(caught.exception, OverflowError)
                self.assertTrue(str(caught.exception).startswith(f"{name}: "),
                                caught.exception)
                self.assertIn(str(n), str(caught.exception))
            with self.assertRaises(TypeError) as caught:
                call(1.5)
            self.assertIn(f"'{name}'", str(caught.exception))

    def test_each_docstring_names_what_the_function_raises(self):
        """What a function raises is in its docstring and in the stubs, so
        that a notebook's `help()` and an editor say what to catch."""
        with open(STUBS) as f:
            tree = ast.parse(f.read())
        stubbed = {n.name: ast.get_docstring(n) for n in tree.body
                   if isinstance(n, ast.FunctionDef)}
        raises = {
            "check": ["ValueError"],
            "warnings": ["ValueError"],
            "tasks": ["ValueError", "TypeError"],
            "run_task": ["ValueError", "TypeError", "RuntimeError"],
            "merge": ["MissingTasks", "ValueError", "TypeError"],
            "run": ["ValueError", "RuntimeError"],
            "compare": ["merge", "ValueError"],
        }
        for name, errors in raises.items():
            for doc in (getattr(skillroute, name).__doc__, stubbed[name]):
                for error in errors:
                    self.assertIn(f"`{error}`", doc, name)

    def test_a_pathlib_path_is_the_file_it_names(self):
        """Notebooks hold paths as pathlib.Path: every function takes one
        as it takes the path's str, and one that names no file is named."""
        path = pathlib.Path(CENTER)
        self.assertEqual(skillroute.check(path), skillroute.check(CENTER))
        self.assertEqual(skillroute.warnings(path), skillroute.warnings(CENTER))
        self.assertEqual(skillroute.tasks(path, TASKS), skillroute.tasks(CENTER, TASKS))
        self.assertEqual(skillroute.run_task(path, 1, TASKS, ["all"]), self.parts[1])
        self.assertEqual(skillroute.merge(path, self.lines, TASKS, ["all"]),
                         skillroute.merge(CENTER, self.lines, TASKS, ["all"]))
        self.assertEqual(skillroute.run(path), skillroute.run(CENTER))
        self.assertEqual(
            skillroute.compare(path, "c-mu", "learned-fit", self.lines, TASKS),
            skillroute.compare(CENTER, "c-mu", "learned-fit", self.lines, TASKS))
        with self.assertRaises(ValueError) as caught:
            skillroute.check(pathlib.Path(tempfile.gettempdir(), "no-such-dir", "centre.toml"))
        self.assertIn("centre.toml", str(caught.exception))

    def test_a_scenario_of_another_type_is_one_clear_type_error(self):
        """bytes, an int or None as the scenario: one line saying what a
        scenario may be, from every function. It was pyo3's several-line
        "failed to extract enum Source ('Text | File')" listing each
        variant's failure."""
        with open(CENTER, "rb") as f:
            data = f.read()

        class BytesPath:
            def __fspath__(self):
                return os.fsencode(CENTER)

        calls = {
            "check": lambda s: skillroute.check(s),
            "warnings": lambda s: skillroute.warnings(s),
            "tasks": lambda s: skillroute.tasks(s, TASKS),
            "run_task": lambda s: skillroute.run_task(s, 0, TASKS),
            "merge": lambda s: skillroute.merge(s, self.lines, TASKS),
            "run": lambda s: skillroute.run(s),
            "compare": lambda s: skillroute.compare(s, "c-mu", "learned-fit", self.lines, TASKS),
        }
        for name, call in calls.items():
            for bad, kind in ((data, "bytes"), (CENTER.encode(), "bytes"),
                              (bytearray(data), "bytearray"), (3, "int"),
                              (None, "NoneType"), (BytesPath(), "BytesPath")):
                with self.assertRaises(TypeError) as caught:
                    call(bad)
                message = str(caught.exception)
                what = (name, kind, message)
                self.assertEqual(len(message.splitlines()), 1, what)
                self.assertTrue(message.startswith("scenario: "), what)
                self.assertIn(kind, message, what)
                for accepted in ("TOML or JSON text", "str", "pathlib.Path"):
                    self.assertIn(accepted, message, what)
                if kind.startswith("byte"):
                    self.assertIn(".decode()", message, what)

    def test_policies_and_lines_of_another_type_say_what_they_take(self):
        """policies of another type (an int, bytes, a list holding an int)
        and lines that are one str or the tasks' lists not yet flattened:
        one line naming the argument and what it takes. They were pyo3's
        "failed to extract enum Names ('One | Many')" over several lines,
        "Can't extract `str` to `Vec`" and "'list' object cannot be cast
        as 'str'"."""
        for bad, says in ((5, "got int"), (b"c-mu", "got bytes"),
                          (["c-mu", 5], "item 2 is int")):
            for call in (lambda: skillroute.run_task(CENTER, 0, TASKS, bad),
                         lambda: skillroute.merge(CENTER, self.lines, TASKS, bad),
                         lambda: skillroute.run(CENTER, bad)):
                with self.assertRaises(TypeError) as caught:
                    call()
                message = str(caught.exception)
                self.assertEqual(len(message.splitlines()), 1, message)
                self.assertTrue(message.startswith("policies: "), message)
                self.assertIn(says, message)
        # A tuple of names is names, as a list is.
        self.assertEqual(skillroute.run_task(CENTER, 0, TASKS, ("c-mu",)),
                         skillroute.run_task(CENTER, 0, TASKS, ["c-mu"]))
        text = "\n".join(self.lines)
        for bad, says in ((text, "got one str"), (self.parts, "item 1 is list"),
                          (7, "got int"), (self.lines + [3], f"item {len(self.lines) + 1} is int")):
            for call in (lambda: skillroute.merge(CENTER, bad, TASKS, "all"),
                         lambda: skillroute.compare(CENTER, "c-mu", "learned-fit", bad, TASKS)):
                with self.assertRaises(TypeError) as caught:
                    call()
                message = str(caught.exception)
                self.assertEqual(len(message.splitlines()), 1, message)
                self.assertTrue(message.startswith("lines: "), message)
                self.assertIn(says, message)
        with self.assertRaises(TypeError) as caught:
            skillroute.merge(CENTER, self.parts, TASKS, "all")
        self.assertIn("[line for part in parts for line in part]", str(caught.exception))
        with self.assertRaises(TypeError) as caught:
            skillroute.merge(CENTER, text, TASKS, "all")
        self.assertIn("splitlines()", str(caught.exception))
        # Any iterable of lines: a generator, or a task's file as it is read.
        merged = skillroute.merge(CENTER, self.lines, TASKS, "all")
        self.assertEqual(skillroute.merge(
            CENTER, (line for part in self.parts for line in part), TASKS, "all"), merged)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "lines.jsonl")
            with open(path, "w") as f:
                f.writelines(line + "\n" for line in self.lines)
            with open(path) as f:
                self.assertEqual(skillroute.merge(CENTER, f, TASKS, "all"), merged)

    def test_no_tasks_is_a_value_error_naming_tasks(self):
        """tasks=0 names the argument and its bound; it was "task 0 of 0:
        tasks are 0..0"."""
        for call in (lambda: skillroute.tasks(CENTER, 0),
                     lambda: skillroute.run_task(CENTER, 0, 0),
                     lambda: skillroute.merge(CENTER, self.lines, 0),
                     lambda: skillroute.compare(CENTER, "c-mu", "learned-fit", self.lines, 0)):
            with self.assertRaises(ValueError) as caught:
                call()
            self.assertEqual(str(caught.exception), "tasks: must be at least 1, got 0")

    def test_a_bad_confidence_is_refused_before_any_work(self):
        """confidence outside (0, 1), NaN included, is a ValueError naming
        it, and `run` refuses it before it simulates: it ran the whole
        scenario first (here a million replications, in a child process
        with a time limit), and only the report refused it."""
        for bad in (0.0, 1.0, -0.5, 95.0, float("nan"), float("inf")):
            for call in (lambda: skillroute.run(CENTER, "c-mu", bad),
                         lambda: skillroute.merge(CENTER, self.lines, TASKS, "all", bad),
                         lambda: skillroute.compare(
                             CENTER, "c-mu", "learned-fit", self.lines, TASKS, bad)):
                with self.assertRaises(ValueError) as caught:
                    call()
                message = str(caught.exception)
                self.assertTrue(message.startswith("confidence: must be strictly between 0 and 1"),
                                message)
        with open(CENTER) as f:
            text = f.read()
        most = text.replace("replications = 20", "replications = 1000000", 1)
        self.assertNotEqual(most, text)
        child = "\n".join([
            "import sys",
            f"sys.path.insert(0, {os.path.dirname(skillroute.__file__)!r})",
            "import skillroute",
            "try:",
            "    skillroute.run(sys.stdin.read(), 'c-mu', 1.0)",
            "except ValueError as e:",
            "    print(e)",
        ])
        done = subprocess.run([sys.executable, "-c", child], input=most,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.stdout.strip(), "confidence: must be strictly between 0 and 1, got 1")

    def test_an_empty_scenario_says_so(self):
        for empty in ("", "  \n\t\n"):
            for call in (lambda: skillroute.check(empty),
                         lambda: skillroute.run_task(empty, 0, TASKS)):
                with self.assertRaises(ValueError) as caught:
                    call()
                self.assertTrue(str(caught.exception).startswith("scenario: empty"),
                                caught.exception)

    def test_a_path_that_names_no_file_is_named(self):
        missing = os.path.join(tempfile.gettempdir(), "no-such-dir", "centre.toml")
        for call in (lambda: skillroute.check(missing),
                     lambda: skillroute.run_task(missing, 0, TASKS)):
            with self.assertRaises(ValueError) as caught:
                call()
            self.assertIn("centre.toml", str(caught.exception))
            self.assertNotIn("TOML parse error", str(caught.exception))

    def test_a_path_with_an_equals_sign_that_names_no_file_is_named(self):
        """A one-line path holding `=` (runs/rate=0.5/center.toml) that names
        no file says so, beside what TOML made of it: it was TOML's
        "invalid unquoted key" at column 1 alone. One holding `=` that names
        a file is the file."""
        missing = os.path.join(tempfile.gettempdir(), "no-such-dir", "rate=0.5", "centre.toml")
        with self.assertRaises(ValueError) as caught:
            skillroute.check(missing)
        message = str(caught.exception)
        self.assertTrue(message.startswith(f"scenario: no file is named {missing!r}".replace(
            "'", '"')), message)
        self.assertIn("TOML", message)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rate=0.5.toml")
            with open(CENTER) as f, open(path, "w") as g:
                g.write(f.read())
            self.assertEqual(skillroute.check(path), skillroute.check(CENTER))

    def test_an_empty_list_of_policies_is_refused(self):
        """policies=[] ran the scenario's own policy, as None does: a list
        filtered down to nothing ran a policy nobody named."""
        for call in (lambda: skillroute.run_task(CENTER, 0, TASKS, []),
                     lambda: skillroute.merge(CENTER, self.lines, TASKS, ()),
                     lambda: skillroute.run(CENTER, [])):
            with self.assertRaises(ValueError) as caught:
                call()
            self.assertTrue(str(caught.exception).startswith("policies: empty"),
                            caught.exception)
        own = skillroute.run_task(CENTER, 0, TASKS, None)
        self.assertEqual(json.loads(own[0])["policy"], json.loads(skillroute.check(CENTER))["policy"]["kind"])

    def test_a_path_read_with_its_newline_is_the_file(self):
        """A path read from a file or a shell's output ends with a newline,
        which is no part of the name (nor TOML)."""
        self.assertEqual(skillroute.check(CENTER + "\n"), skillroute.check(CENTER))
        self.assertEqual(skillroute.tasks(CENTER + "\r\n", TASKS),
                         skillroute.tasks(CENTER, TASKS))
        missing = os.path.join(tempfile.gettempdir(), "no-such-dir", "centre.toml")
        with self.assertRaises(ValueError) as caught:
            skillroute.check(missing + "\n")
        self.assertIn("centre.toml", str(caught.exception))
        self.assertNotIn("TOML parse error", str(caught.exception))

    def test_warnings_name_what_never_happens(self):
        self.assertEqual(skillroute.warnings(CENTER), [])
        with open(CENTER) as f:
            text = f.read()
        short = text.replace("0.018, 0.0135] }", "0.018] }", 1)
        self.assertNotEqual(short, text)
        (w,) = skillroute.warnings(short)
        self.assertTrue(w.startswith("contact_types[0].arrivals.rates: 23 rate(s)"), w)
        with self.assertRaises(ValueError):
            skillroute.warnings(short.replace("rates = [0.0225", "rates = [-0.0225", 1))

    def test_json_text_and_toml_text_are_the_same_scenario(self):
        canonical = skillroute.check(CENTER)
        self.assertEqual(skillroute.check(canonical), canonical)
        with open(CENTER) as f:
            self.assertEqual(skillroute.check(f.read()), canonical)

    def test_the_module_help_names_every_function(self):
        """help(skillroute) in a notebook lists what there is to call."""
        for name, value in vars(skillroute).items():
            if not name.startswith("_") and callable(value):
                self.assertIn(f"`{name}", skillroute.__doc__, name)

    def test_the_stubs_are_the_module(self):
        """examples/skillroute.pyi names every public function and class of
        the module, and each function's parameters and defaults as the
        module itself reports them."""
        with open(STUBS) as f:
            tree = ast.parse(f.read())
        stubbed = {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                args = node.args.args
                defaults = [None] * (len(args) - len(node.args.defaults)) + [
                    ast.literal_eval(d) for d in node.args.defaults
                ]
                stubbed[node.name] = [
                    (a.arg, d is not None or i >= len(args) - len(node.args.defaults), d)
                    for i, (a, d) in enumerate(zip(args, defaults))
                ]
            elif isinstance(node, ast.ClassDef):
                stubbed[node.name] = "class"
        public = {n: v for n, v in vars(skillroute).items() if not n.startswith("_")}
        self.assertEqual(sorted(stubbed), sorted(public))
        for name, value in public.items():
            if isinstance(value, type):
                self.assertEqual(stubbed[name], "class", name)
                continue
            params = [
                (p.name, p.default is not inspect.Parameter.empty,
                 None if p.default is inspect.Parameter.empty else p.default)
                for p in inspect.signature(value).parameters.values()
            ]
            self.assertEqual(stubbed[name], params, name)


@unittest.skipUnless(os.path.exists(SIMULATE), "simulate example not built")
class SimulateTable(unittest.TestCase):
    """What simulate's tables say their cells are."""

    RARE = '{ kind = "poisson", rate = 0.000005 }'

    def simulate(self, *args):
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run(
                [SIMULATE, "--policy", "c-mu", *args, "--out", out],
                capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(os.path.join(out, "report.json")) as f:
                report = json.load(f)
        return done.stdout, report[0] if isinstance(report, list) else report

    @staticmethod
    def row(stdout, heading):
        """The c-mu row of the table under `heading`, and the lines after it."""
        lines = stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith(heading))
        at = next(i for i in range(start, len(lines)) if lines[i].startswith("c-mu"))
        return lines[at], lines[at + 1:]

    def test_a_cell_over_fewer_replications_than_run_is_marked(self):
        """A channel with contacts in only some replications showed its
        service level as if of all of them (chat's 100.0 ± 0.0 over 4 of
        10, no hint): the cell is marked, and a line under the table says
        what the mark means. Cells over every replication are not."""
        stdout, report = self.simulate(
            "--replications", "10", "--set", f"contact_types[sales-chat].arrivals={self.RARE}")
        chat = next(c for c in report["by_channel"] if c["name"] == "chat")
        n = chat["metrics"]["service_level"]["n"]
        self.assertTrue(0 < n < 10, n)  # the case at hand: some replications, not all
        row, after = self.row(stdout, "service level % per channel")
        # voice, then chat: only chat's cell is marked (calls came in every replication)
        self.assertTrue(row.endswith("†"), row)
        self.assertEqual(row.count("†"), 1, row)
        self.assertTrue(after[0].startswith("† = the mean over only the replications"), after)
        self.assertIn("fewer than the 10 run", after[0])
        total, _ = self.row(stdout, "policy ")
        self.assertNotIn("†", total)

    def test_a_paired_difference_over_fewer_replications_is_marked(self):
        """A center so quiet that some replications have no contact: the
        totals and their paired differences are over the replications that
        have them, and say so; the count of contacts offered, which every
        replication defines, is not marked."""
        sets = []
        for name in ("billing-call", "tech-call", "sales-chat", "spanish-call"):
            sets += ["--set", f"contact_types[{name}].arrivals={self.RARE}"]
        stdout, report = self.simulate(
            "--policy", "optimal-assignment", "--replications", "10", *sets)
        n = report["total"]["asa"]["n"]
        self.assertTrue(0 < n < 10, n)
        total, after = self.row(stdout, "policy ")
        offered = total.split()[1]
        self.assertFalse(offered.endswith("†"), total)
        self.assertIn("†", total)
        note = next(line for line in after if line.startswith("†"))
        self.assertIn("that define it", note)
        lines = stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("difference from c-mu"))
        row = next(line for line in lines[start:] if line.startswith("optimal-assignment"))
        self.assertIn("†", row)
        after = lines[lines.index(row) + 1]
        self.assertTrue(after.startswith("† = the mean over only the replications in which both"), after)

    def test_one_replication_says_it_has_no_interval(self):
        """With one replication the cells have no interval, but the footer
        said each was 'mean ± half-width of the 95% interval'."""
        stdout, _ = self.simulate("--replications", "1")
        (footer,) = [line for line in stdout.splitlines() if " x 1 replication in " in line]
        self.assertIn("no interval from one run", footer)
        self.assertNotIn("half-width", footer)
        self.assertNotIn("±", stdout.split(footer)[0])

    def test_a_run_where_nothing_is_missing_has_no_marks(self):
        stdout, report = self.simulate()
        self.assertEqual(report["total"]["service_level"]["n"], report["replications"])
        self.assertNotIn("†", stdout)
        self.assertIn("each cell is mean ± half-width of the 95% (Student t) interval", stdout)

    def test_expected_wait_lines_say_how_many_replications_they_are_over(self):
        """The expected-wait line's bias and error are means over the
        replications in which some contact was told and then answered: a
        short run showed "bias n/a s" when none was, and a mean over 2 of
        10 with no hint when few were."""
        def line(stdout):
            lines = stdout.splitlines()
            at = next(i for i, l in enumerate(lines) if l.startswith("expected-wait announcements"))
            return lines[at + 1], lines[at + 2]
        stdout, report = self.simulate("--replications", "10", "--set", "horizon=300")
        self.assertEqual(report["total"]["ewt_bias"]["n"], 0)
        first, _ = line(stdout)
        self.assertIn("c-mu", first)
        self.assertIn("none told and then answered in any replication", first)
        self.assertNotIn("n/a", first)
        stdout, report = self.simulate("--replications", "10", "--set", "horizon=1200")
        n = report["total"]["ewt_bias"]["n"]
        self.assertTrue(0 < n < 10, n)
        first, note = line(stdout)
        self.assertTrue(first.endswith(" †"), first)
        self.assertIn("† = the mean over only the replications in which some contact told", note)
        stdout, report = self.simulate("--replications", "10")
        self.assertEqual(report["total"]["ewt_bias"]["n"], 10)
        first, _ = line(stdout)
        self.assertNotIn("†", first)

    def test_occupancy_is_said_beside_utilisation(self):
        # A policy that stacks chats on fewer agents shows less occupancy at
        # equal work: the table says what the column counts, and where the
        # figure that counts slots is.
        stdout, report = self.simulate()
        self.assertIn("occupancy % = busy / (busy + ready idle) time", stdout)
        self.assertIn("utilisation", report["total"])


@unittest.skipUnless(os.path.exists(SWEEP), "sweep example not built")
class SweepTable(unittest.TestCase):
    """What sweep's tables say their cells are: each value's figure, and
    its paired difference from the first value in brackets."""

    RARE = SimulateTable.RARE
    FIELD = "groups[late-generalists].count"

    def test_occupancy_is_said_beside_utilisation(self):
        # The same column as simulate's, said the same way.
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run(
                [SWEEP, "--field", "groups[late-generalists].count", "--values", "10,12",
                 "--replications", "2", "--out", out],
                capture_output=True, text=True, timeout=120,
            )
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("occupancy % = busy / (busy + ready idle) time", done.stdout)

    def sweep(self, *args):
        """sweep's output over two values of FIELD and its sweep.csv, as
        {(value, metric): line}."""
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run(
                [SWEEP, "--field", self.FIELD, "--values", "10,12", "--policy", "c-mu",
                 *args, "--out", out],
                capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(os.path.join(out, "sweep.csv"), newline="") as f:
                lines = list(csv.DictReader(f))
        return done.stdout, {(line["value"], line["metric"]): line for line in lines}

    @staticmethod
    def table(stdout, column):
        """The table whose header has `column`: its rows as
        {value: {column: cell}}, split where the rule under the header
        breaks (a cell holds spaces), and the lines after it."""
        lines = stdout.splitlines()
        start = next(i for i, line in enumerate(lines)
                     if line.startswith(SweepTable.FIELD) and column in line)
        header, rule = lines[start], lines[start + 1]
        spans, j = [], 0
        while j < len(rule):
            end = rule.find("  ", j)
            end = len(rule) if end < 0 else end
            spans.append((j, end))
            j = end + 2
        rows, at = {}, start + 2
        while at < len(lines) and lines[at].strip() and not lines[at].startswith(("†", "(")):
            cells = [lines[at][a:b].strip() for a, b in spans]
            rows[cells[0]] = dict(zip((header[a:b].strip() for a, b in spans), cells))
            at += 1
        return rows, lines[at:]

    def test_a_cell_over_fewer_replications_than_run_is_marked(self):
        """A channel with contacts in only some replications showed its
        service level, and its paired difference, as if of all of them:
        both are marked, and a line under the table says what the mark
        means. Cells over every replication are not."""
        stdout, lines = self.sweep(
            "--replications", "10", "--set", f"contact_types[sales-chat].arrivals={self.RARE}")
        chat = lines[("12", "service_level[chat]")]
        self.assertTrue(0 < int(chat["n"]) < 10, chat)  # the case at hand
        self.assertTrue(0 < int(chat["diff_n"]) < 10, chat)
        rows, after = self.table(stdout, "voice SL %")
        for value in ("10", "12"):
            self.assertNotIn("†", rows[value]["voice SL %"], rows)
        own, paired = rows["12"]["chat SL %"].split("  (")
        self.assertTrue(own.endswith(" †"), rows)
        self.assertTrue(paired.endswith(" †)"), rows)
        self.assertTrue(rows["10"]["chat SL %"].endswith(" †"), rows)
        note = next(line for line in after if line.startswith("†"))
        self.assertTrue(note.startswith("† = the mean over only the replications that define it"), note)
        self.assertIn("in which both values define it", note)
        self.assertIn("fewer than the 10 run", note)
        totals, _ = self.table(stdout, "service level %")
        self.assertNotIn("†", str(totals))

    def test_a_paired_difference_over_fewer_replications_is_marked(self):
        """A center so quiet that some replications have no contact: the
        totals and their paired differences are over the replications that
        have them, and say so; the agents, which every replication
        defines, are not marked."""
        sets = []
        for name in ("billing-call", "tech-call", "sales-chat", "spanish-call"):
            sets += ["--set", f"contact_types[{name}].arrivals={self.RARE}"]
        stdout, lines = self.sweep("--replications", "10", *sets)
        asa = lines[("12", "asa")]
        self.assertTrue(0 < int(asa["n"]) < 10, asa)
        self.assertTrue(0 < int(asa["diff_n"]) < 10, asa)
        rows, after = self.table(stdout, "service level %")
        own, paired = rows["12"]["ASA s"].split("  (")
        self.assertTrue(own.endswith(" †"), rows)
        self.assertTrue(paired.endswith(" †)"), rows)
        self.assertNotIn("†", rows["12"]["agents"])
        self.assertNotIn("†", rows["10"]["agents"])
        note = after[0]
        self.assertTrue(note.startswith("† = the mean over only the replications that define it"), after)
        self.assertIn("a bracketed difference: in which both values define it", note)
        self.assertIn("sweep.csv gives each figure's n", note)

    def test_one_replication_says_it_has_no_interval(self):
        """With one replication the cells have no interval, but the line
        under the tables said each was 'mean ± half-width of the 95%
        interval', with '* where its interval excludes 0'."""
        for args in (["--replications", "1"], ["--set", "replications=1"]):
            stdout, _ = self.sweep(*args)
            (footer,) = [line for line in stdout.splitlines() if line.startswith("each cell")]
            self.assertIn("no interval from one run", footer)
            self.assertNotIn("half-width", footer)
            self.assertNotIn("excludes 0", footer)
            self.assertIn(f"in brackets the paired difference from {self.FIELD} = 10", footer)
            self.assertNotIn("±", stdout.split(footer)[0])

    def test_a_sweep_where_nothing_is_missing_has_no_marks(self):
        stdout, lines = self.sweep()
        shown = [line for (_, metric), line in lines.items()
                 if metric in ("service_level", "asa", "p_abandon", "occupancy", "agents")
                 or metric.startswith("service_level[")]
        self.assertEqual({int(line["n"]) for line in shown}, {20}, shown)
        self.assertNotIn("†", stdout)
        self.assertIn("each cell: mean ± half-width of the 95% (Student t) interval", stdout)


@unittest.skipUnless(os.path.exists(REPLAY), "replay example not built")
class Replay(unittest.TestCase):
    """The replay example, as an ACD integrator feeds it a log."""

    def replay(self, *args):
        return subprocess.run([REPLAY, *args], capture_output=True)

    def test_a_line_that_is_not_utf8_is_named(self):
        with open(DEMO_LOG, "rb") as f:
            head = f.read().splitlines(keepends=True)[:2]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "log.jsonl")
            with open(path, "wb") as f:
                f.write(b"".join(head) + b'{"time":3,"event":"Tick"}\xff\n')
            done = self.replay(path)
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"line 3", done.stderr)

    def test_a_byte_order_mark_is_skipped(self):
        with open(DEMO_LOG, "rb") as f:
            log = f.read()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "log.jsonl")
            with open(path, "wb") as f:
                f.write(b"\xef\xbb\xbf" + log)
            marked = self.replay(path)
        self.assertEqual(marked.returncode, 0, marked.stderr)
        self.assertEqual(marked.stdout, self.replay(DEMO_LOG).stdout)

    def test_a_bad_record_is_placed_by_its_line_and_column(self):
        """serde's place is in the one-line record, always its line 1: the
        error names the log's line and the column in it, nothing else."""
        with open(DEMO_LOG, "rb") as f:
            head = f.read().splitlines(keepends=True)[:2]
        for record, column in ((b'{"time":3,"event"}', 18), (b'{"time":3,"event":"Nope"}', 24)):
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "log.jsonl")
                with open(path, "wb") as f:
                    f.write(b"".join(head) + record + b"\n")
                done = self.replay(path)
            self.assertEqual(done.returncode, 2)
            (message,) = done.stderr.decode().splitlines()
            self.assertTrue(message.startswith(f"replay: line 3, column {column}: "), message)
            self.assertNotIn("line 1", message)

    def test_a_second_log_is_refused_not_dropped(self):
        done = self.replay(DEMO_LOG, DEMO_LOG)
        self.assertEqual(done.returncode, 2, done.stdout[:200])
        self.assertIn(b"more than one log", done.stderr)

    def test_policy_without_a_name_says_so(self):
        done = self.replay(DEMO_LOG, "--policy")
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"--policy needs a name", done.stderr)

    def test_help_says_the_usage_and_exits_0(self):
        """--help and -h were 'unknown option --help' (exit 2), and -h was
        taken for a log's name."""
        for flag in ("--help", "-h"):
            done = self.replay(flag)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual(done.stderr, b"")
            text = done.stdout.decode()
            self.assertTrue(text.startswith("usage: replay"), text)
            self.assertIn('"rejected"', text)
            for policy in skillroute.policies():
                self.assertIn(policy, text)

    def test_an_unknown_option_points_to_help(self):
        done = self.replay(DEMO_LOG, "--nope")
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"unknown option --nope (replay --help lists the options)", done.stderr)

    def test_a_short_unknown_option_is_not_taken_for_a_log(self):
        """-x was taken for a log's name, then failed as "No such file"."""
        done = self.replay(DEMO_LOG, "-x")
        self.assertEqual(done.returncode, 2)
        self.assertIn(b"unknown option -x (replay --help lists the options)", done.stderr)
        self.assertNotIn(b"more than one log", done.stderr)

    def test_the_summary_counts_the_rejected_events(self):
        """The demo log's two rejections (on purpose: a profile that drops
        a channel in use, an unknown contact) were error lines only, the
        summary silent on them; it counts them, and the replay still exits
        0 (a rejection is the router's answer, not the replay's failure)."""
        done = self.replay(DEMO_LOG)
        self.assertEqual(done.returncode, 0, done.stderr)
        *records, summary = [json.loads(l) for l in done.stdout.decode().splitlines()]
        errors = [r["line"] for r in records if "error" in r]
        self.assertEqual(errors, [12, 15])
        self.assertEqual(summary.get("rejected"), len(errors))
        with open(DEMO_LOG, "rb") as f:
            clean = b"".join(f.read().splitlines(keepends=True)[:11])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "log.jsonl")
            with open(path, "wb") as f:
                f.write(clean)
            done = self.replay(path)
        self.assertEqual(done.returncode, 0, done.stderr)
        *records, summary = [json.loads(l) for l in done.stdout.decode().splitlines()]
        self.assertFalse([r for r in records if "error" in r])
        self.assertEqual(summary.get("rejected"), 0)

    def test_every_policy_replays_the_same_lines_twice(self):
        for policy in skillroute.policies():
            first, second = (self.replay(DEMO_LOG, "--policy", policy) for _ in range(2))
            self.assertEqual(first.returncode, 0, first.stderr)
            self.assertEqual(first.stdout, second.stdout, policy)
            *_, summary = first.stdout.decode().splitlines()
            self.assertEqual(json.loads(summary)["policy"], policy)


if __name__ == "__main__":
    unittest.main(verbosity=2)
