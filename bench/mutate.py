"""A small mutation tester: one AST mutation at a time, each against the tests that matter.

    .venv/bin/python bench/mutate.py passport/gs1/uri.py --fork -- tests/passport/gs1/
    .venv/bin/python bench/mutate.py passport/gs1/uri.py --list          # the mutants, not run
    .venv/bin/python bench/mutate.py passport/gs1/uri.py --show 12,40    # what they change
    .venv/bin/python bench/mutate.py passport/access.py --only 3 -- tests/api/test_keys.py

Operators: a comparison swapped (== and !=, < and <=, > and >=, in and not in, is and is not),
``and``/``or`` swapped, ``not`` dropped, True/False flipped, an integer plus one, a short string
(at most 4 characters, outside messages) changed, an arithmetic operator swapped, a statement
(``raise``, ``if``, a call, ``assert``, ``continue``/``break``, ``+=``) replaced by ``pass``, a
returned value replaced by None, and one condition of a query's ``.where()`` dropped.
Docstrings, f-strings, annotations and error messages are not mutated.

The tests run with ``-n 0 -m "not postgres"`` (SQLite only) and stop at the first failure; a
failure or a timeout (three times the clean run, plus a few seconds) kills the mutant.

- Without ``--fork``, each mutant is written over the module and pytest runs in a subprocess;
  the original file is put back at the end (also on SIGTERM). Slow, but it mutates anything.
- With ``--fork``, pytest collects the tests once; each mutant then runs in a fork whose loaded
  functions (and methods) get the mutant's code objects, so every module that imported them
  sees the change. No file is written, and a mutant costs only its tests, typically 0.2-3 s
  instead of 10-30 s. A module whose re-execution has side effects (a Flask blueprint that
  gets its routes again) cannot be patched this way: those mutants are reported as "not
  patched in"; run them without ``--fork``.

Why not mutmut 3: it copies the package into ``mutants/`` and runs the suite from there, with
its own test selection; this script needs nothing installed, runs one module against the few
test files named for it, and its operators skip the messages that would only add noise.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_DELETABLE = (ast.Raise, ast.If, ast.Expr, ast.Assert, ast.Continue, ast.Break, ast.AugAssign)

_FILTERS = {"where", "filter", "filter_by"}
Mutation = tuple[int, str, Callable[[ast.AST], None]]


def _skipped(tree: ast.AST) -> set[int]:
    """Nodes not to mutate: docstrings, f-strings, messages of raised errors, annotations."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                skip.update(id(n) for n in ast.walk(body[0]))
        if isinstance(node, ast.JoinedStr | ast.Raise):
            skip.update(id(n) for n in ast.walk(node) if n is not node)
        if isinstance(node, ast.AnnAssign | ast.arg) and node.annotation is not None:
            skip.update(id(n) for n in ast.walk(node.annotation))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            skip.update(id(n) for n in ast.walk(node.returns))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
            "InvalidIdentifier",
            "ValueError",
            "TypeError",
        }:
            skip.update(id(n) for n in ast.walk(node) if n is not node)
    return skip


def _in_function(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(n) for n in ast.walk(node))
    return inside


def _mutations(tree: ast.AST) -> Iterator[tuple[int, str, str]]:
    """(ordinal of the node in ast.walk order, kind, description) for every mutation site."""
    skip = _skipped(tree)
    inside = _in_function(tree)
    for ordinal, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _COMPARE_SWAP:
                    new = _COMPARE_SWAP[type(op)].__name__
                    yield ordinal, f"cmp:{i}", f"L{line} {type(op).__name__} -> {new}"
        elif isinstance(node, ast.BoolOp):
            yield ordinal, "boolop", f"L{line} {type(node.op).__name__} swapped"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield ordinal, "not", f"L{line} 'not' dropped"
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
            new = _BINOP_SWAP[type(node.op)].__name__
            yield ordinal, "binop", f"L{line} {type(node.op).__name__} -> {new}"
        elif isinstance(node, ast.Constant) and id(node) in inside:
            value = node.value
            if isinstance(value, bool):
                yield ordinal, "const", f"L{line} {value} -> {not value}"
            elif isinstance(value, int):
                yield ordinal, "const", f"L{line} {value} -> {value + 1}"
            elif isinstance(value, str) and len(value) <= 4:
                yield ordinal, "const", f"L{line} {value!r} -> {'X' + value + 'X'!r}"
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in _FILTERS:
            for i in range(len(node.args)):
                yield (
                    ordinal,
                    f"arg:{i}",
                    f"L{line} condition {i + 1} of .{node.func.attr}() dropped",
                )
        if isinstance(node, ast.stmt) and id(node) in inside:
            for field in ("body", "orelse", "finalbody"):
                for i, stmt in enumerate(getattr(node, field, None) or []):
                    if isinstance(stmt, _DELETABLE) and id(stmt) not in skip:
                        if isinstance(stmt, ast.Expr) and not isinstance(stmt.value, ast.Call):
                            continue
                        what = type(stmt).__name__
                        yield ordinal, f"del:{field}:{i}", f"L{stmt.lineno} {what} deleted"
        if isinstance(node, ast.Return) and node.value is not None and id(node) in inside:
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                yield ordinal, "return", f"L{line} return None"


def _apply(tree: ast.AST, ordinal: int, kind: str) -> ast.AST:
    tree = copy.deepcopy(tree)
    node = next(n for i, n in enumerate(ast.walk(tree)) if i == ordinal)
    if kind.startswith("cmp:"):
        assert isinstance(node, ast.Compare)
        i = int(kind.split(":")[1])
        node.ops[i] = _COMPARE_SWAP[type(node.ops[i])]()
    elif kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "not":
        assert isinstance(node, ast.UnaryOp)
        _replace(tree, node, node.operand)
    elif kind == "binop":
        assert isinstance(node, ast.BinOp)
        node.op = _BINOP_SWAP[type(node.op)]()
    elif kind == "const":
        assert isinstance(node, ast.Constant)
        value = node.value
        if isinstance(value, bool):
            node.value = not value
        elif isinstance(value, int):
            node.value = value + 1
        else:
            node.value = "X" + value + "X"
    elif kind.startswith("del:"):
        _, field, index = kind.split(":")
        body = getattr(node, field)
        body[int(index)] = ast.Pass()
    elif kind.startswith("arg:"):
        assert isinstance(node, ast.Call)
        del node.args[int(kind.split(":")[1])]
        if not node.args:
            node.args.append(ast.Constant(value=True))
    elif kind == "return":
        assert isinstance(node, ast.Return)
        node.value = ast.Constant(value=None)
    return ast.fix_missing_locations(tree)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def _run(pytest_args: list[str], timeout: float) -> tuple[str, float]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-x",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        "-m",
        "not postgres",
        *pytest_args,
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started
    outcome = "passed" if done.returncode == 0 else "failed"
    if done.returncode == 5:
        outcome = "no tests"
    return outcome, time.monotonic() - started


def _swap(old: object, new: object, module_name: str, seen: set[int]) -> int:
    """Give ``old`` (a function, or the functions of a class) the code of ``new``, in place."""
    if id(old) in seen or old is None or new is None:
        return 0
    seen.add(id(old))
    if isinstance(old, FunctionType) and isinstance(new, FunctionType):
        try:
            old.__code__ = new.__code__
        except ValueError:  # a different closure: leave it
            return 0
        old.__defaults__, old.__kwdefaults__ = new.__defaults__, new.__kwdefaults__
        return 1 + _swap(
            getattr(old, "__wrapped__", None), getattr(new, "__wrapped__", None), module_name, seen
        )
    if isinstance(old, property) and isinstance(new, property):
        return _swap(old.fget, new.fget, module_name, seen) + _swap(
            old.fset, new.fset, module_name, seen
        )
    if isinstance(old, staticmethod | classmethod) and isinstance(new, type(old)):
        return _swap(old.__func__, new.__func__, module_name, seen)
    if hasattr(old, "__wrapped__") and hasattr(new, "__wrapped__") and not isinstance(old, type):
        return _swap(old.__wrapped__, new.__wrapped__, module_name, seen)
    if isinstance(old, type) and isinstance(new, type) and old.__module__ == module_name:
        return sum(
            _swap(vars(old).get(key), value, module_name, seen) for key, value in vars(new).items()
        )
    return 0


def _patch(module_name: str, source: str) -> int:
    """Run the mutated source and move its code into the loaded module's functions."""
    original = sys.modules[module_name]
    fresh = ModuleType(module_name)
    fresh.__dict__.update(
        __file__=original.__file__, __package__=original.__package__, __name__=module_name
    )
    exec(compile(source, original.__file__ or module_name, "exec"), fresh.__dict__)
    seen: set[int] = set()
    patched = 0
    for name, new in fresh.__dict__.items():
        old = original.__dict__.get(name)
        if isinstance(new, FunctionType | type):
            patched += _swap(old, new, module_name, seen)
        elif not isinstance(new, ModuleType) and not name.startswith("__"):
            try:
                same = bool(old == new)
            except Exception:
                same = False
            if not same:  # a module-level value the mutant changed
                original.__dict__[name] = new
                patched += 1
    return patched


def _run_in_fork(items: list[Any], module_name: str, source: str | None, timeout: float) -> str:
    """Run the collected tests in a fork whose module has the mutant's code; stop at a failure."""
    from _pytest.runner import runtestprotocol

    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: patch, test, exit without cleaning up
        code = 99
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if source is not None:
                _patch(module_name, source)
            code = 0
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                if any(r.failed for r in runtestprotocol(item, log=False, nextitem=following)):
                    code = 1
                    break
        finally:
            os._exit(code)
    while time.monotonic() - started < timeout:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return {0: "passed", 99: "error"}.get(code, "failed")
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "timeout"


class _Loop:
    """A pytest plugin: collect once, then run every mutant in its own fork."""

    def __init__(
        self, module_name: str, mutants: Iterator[tuple[int, str, str]], timeout: float | None
    ) -> None:
        self.module_name = module_name
        self.timeout = timeout
        self.mutants = mutants
        self.results: list[dict[str, Any]] = []
        self.failed_baseline = False

    def pytest_runtestloop(self, session: Any) -> bool:
        items = list(session.items)
        started = time.monotonic()
        if _run_in_fork(items, self.module_name, None, timeout=600) != "passed":
            self.failed_baseline = True
            return True
        took = time.monotonic() - started
        print(f"{self.module_name}: {len(items)} tests take {took:.1f} s", flush=True)
        for number, description, source in self.mutants:
            started = time.monotonic()
            outcome = _run_in_fork(
                items, self.module_name, source, timeout=self.timeout or took * 3 + 5
            )
            _record(self.results, number, description, outcome, time.monotonic() - started)
        return True


def _record(
    results: list[dict[str, Any]], number: int, description: str, outcome: str, seconds: float
) -> None:
    # "error": the mutant could not be patched in (its module fails to run, or re-running it
    # has side effects such as adding routes to a registered blueprint). Neither killed nor
    # survived: run those without --fork, where a module that fails to import fails its tests.
    killed = outcome in {"failed", "timeout"}
    results.append({"number": number, "mutant": description, "outcome": outcome, "killed": killed})
    mark = "killed" if killed else "ERROR" if outcome == "error" else "SURVIVED"
    print(f"{number:4d} {mark:8s} {description} ({outcome}, {seconds:.1f} s)", flush=True)


def _drop_bytecode(module: Path) -> None:
    for cached in (module.parent / "__pycache__").glob(module.stem + ".*.pyc"):
        cached.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="the module to mutate, relative to the repo")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--show", help="comma-separated mutant numbers: print their change")
    parser.add_argument("--only", help="comma-separated mutant numbers to run")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument(
        "--timeout",
        type=float,
        help="seconds a mutant's tests may take (default: three times the clean run, plus a "
        "few seconds; raise it on a busy machine, where a slow run is not a killed mutant)",
    )
    parser.add_argument(
        "--fork",
        action="store_true",
        help="collect the tests once, then run them for each mutant in a fork whose "
        "functions carry the mutant's code (many times faster; no file is written)",
    )
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    args.pytest_args = argv[cut + 1 :]
    module = ROOT / args.module
    original = module.read_bytes()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # put the module back on kill
    tree = ast.parse(original)
    sites = list(_mutations(tree))
    if args.show:
        import difflib

        before = ast.unparse(tree).splitlines()
        for number in (int(n) for n in args.show.split(",")):
            ordinal, kind, description = sites[number]
            after = ast.unparse(_apply(tree, ordinal, kind)).splitlines()
            print(f"{number:4d} {description}")
            for line in difflib.unified_diff(before, after, lineterm="", n=0):
                if line[:1] in "+-" and line[:3] not in {"---", "+++"}:
                    print("      " + line[:150])
        return 0
    if args.list:
        for number, (_, kind, description) in enumerate(sites):
            print(f"{number:4d} {kind:12s} {description}")
        return 0
    wanted = {int(n) for n in args.only.split(",")} if args.only else set(range(len(sites)))
    module_name = ".".join(Path(args.module).with_suffix("").parts)
    mutants = (
        (number, description, ast.unparse(_apply(tree, ordinal, kind)))
        for number, (ordinal, kind, description) in enumerate(sites)
        if number in wanted
    )
    results: list[dict[str, Any]] = []
    print(f"{args.module}: {len(sites)} mutants", flush=True)
    if args.fork:
        import pytest

        os.chdir(ROOT)
        sys.path.insert(0, str(ROOT))
        loop = _Loop(module_name, mutants, args.timeout)
        common = ["-q", "-s", "-p", "no:cacheprovider", "-n", "0", "-m", "not postgres"]
        pytest.main([*common, *args.pytest_args], plugins=[loop])
        if loop.failed_baseline:
            print("the tests fail without a mutant; nothing to measure")
            return 2
        results = loop.results
    else:
        baseline, took = _run(args.pytest_args, timeout=600)
        if baseline != "passed":
            print(f"the tests fail without a mutant ({baseline}); nothing to measure")
            return 2
        try:
            for number, description, source in mutants:
                module.write_text(source + "\n")
                _drop_bytecode(module)
                outcome, seconds = _run(args.pytest_args, args.timeout or took * 3 + 10)
                _record(results, number, description, outcome, seconds)
        finally:
            module.write_bytes(original)
            _drop_bytecode(module)
    killed_count = sum(1 for r in results if r["killed"])
    errors = sum(1 for r in results if r["outcome"] == "error")
    print(
        f"{args.module}: {len(results)} mutants, {killed_count} killed, "
        f"{len(results) - killed_count - errors} survived, {errors} not patched in"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
