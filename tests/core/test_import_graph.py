"""The library's import graph: no cycles, counting imports inside functions and string imports
(``importlib.import_module("medcore.x")``, ``import_module(f"medcore.{name}.service")``); a
cycle hidden by a function-level import still ties two modules into one. Layers keep their
floor: models, services, reports, explanations, validation and the pages never reach the bench
(measuring sits above what it measures), the workbenches sit side by side below the report and
validation, and ``medcore`` never imports Streamlit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from medcore import registry

ROOT = Path(__file__).resolve().parents[2]
# The packages below the bench: every workbench's models and service, and what they share.
BELOW_BENCH = sorted({f"medcore.{s.workbench}" for s in registry.MODELS.values()}
                     | {"medcore.report", "medcore.explain", "medcore.validation"})


def _modules() -> dict[str, Path]:
    """Module name -> file for ``medcore``, the app, its pages and ``ui``."""
    mods = {}
    files = [*(ROOT / "medcore").rglob("*.py"), ROOT / "app.py",
             *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    for path in files:
        parts = path.relative_to(ROOT).with_suffix("").parts
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return mods


def _string_import(node: ast.Call) -> str | None:
    """A regex for the module an ``import_module(...)`` call names, when its name is a literal,
    an f-string or a literal plus something (``"medcore." + name``); None otherwise."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name != "import_module" or not node.args:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return re.escape(arg.value)
    if isinstance(arg, ast.JoinedStr):
        return "".join(re.escape(part.value) if isinstance(part, ast.Constant) else r"[\w.]+"
                       for part in arg.values)
    if (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add)
            and isinstance(arg.left, ast.Constant) and isinstance(arg.left.value, str)):
        return re.escape(arg.left.value) + r"[\w.]*"
    return None


def imports(source: str, known: set[str]) -> set[str]:
    """Every module ``source`` imports, at any depth: statements name their module (and, for
    ``from m import x``, ``m.x`` where that is a module in ``known``); string imports name every
    module in ``known`` they can match."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names} & known
        elif isinstance(node, ast.Call) and (pattern := _string_import(node)):
            out |= {m for m in known if re.fullmatch(pattern, m)}
    return out


def _raw() -> dict[str, set[str]]:
    """Module -> everything it imports, outside modules (``streamlit``, ``numpy``) included."""
    mods = _modules()
    return {name: imports(path.read_text(), set(mods)) - {name} for name, path in mods.items()}


def _graph(raw: dict[str, set[str]]) -> dict[str, set[str]]:
    return {name: targets & set(raw) for name, targets in raw.items()}


def _packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between medcore's top-level packages (``medcore.bench``, ``medcore.report``;
    a core module such as ``medcore.registry`` stands for itself)."""
    def top(m: str) -> str:
        return ".".join(m.split(".")[:2])

    out: dict[str, set[str]] = {}
    for name, targets in graph.items():
        if name.startswith("medcore"):
            out.setdefault(top(name), set()).update(
                top(t) for t in targets if t.startswith("medcore") and top(t) != top(name))
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path of module names, or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def _path(graph: dict[str, set[str]], start: str, goal) -> list[str] | None:
    """A chain of imports from ``start`` to a module for which ``goal`` holds (breadth first)."""
    seen, frontier = {start: [start]}, [start]
    while frontier:
        nxt = []
        for node in frontier:
            for t in sorted(graph.get(node, ())):
                if t not in seen:
                    seen[t] = seen[node] + [t]
                    if goal(t):
                        return seen[t]
                    nxt.append(t)
        frontier = nxt
    return None


def _reaches_bench(graph: dict[str, set[str]]) -> list[str]:
    below = [m for m in graph if m.startswith(tuple(BELOW_BENCH))
             or not m.startswith("medcore")]  # app.py, pages/, ui/
    chains = [_path(graph, m, lambda t: t == "medcore.bench" or t.startswith("medcore.bench."))
              for m in sorted(below)]
    return [" -> ".join(c) for c in chains if c]


def test_no_import_cycles():
    cycle = _cycle(_graph(_raw()))
    assert cycle is None, " -> ".join(cycle)


def test_no_cycle_between_top_level_packages():
    packages = _packages(_graph(_raw()))
    assert {"medcore.bench", "medcore.report"} <= set(packages)
    cycle = _cycle(packages)
    assert cycle is None, " -> ".join(cycle)


def test_models_services_reports_and_pages_never_import_the_bench():
    found = _reaches_bench(_graph(_raw()))
    assert not found, "\n".join(found)


def test_workbenches_sit_side_by_side_on_one_floor():
    """A workbench (its models, io, service) reaches only the core and ``explain``: never another
    workbench, nor the report, validation or bench built on top of the workbenches."""
    packages = _packages(_graph(_raw()))
    workbenches = {f"medcore.{s.workbench}" for s in registry.MODELS.values()}
    above = workbenches | {"medcore.report", "medcore.validation", "medcore.bench"}
    found = {w: sorted(packages.get(w, set()) & (above - {w})) for w in sorted(workbenches)}
    assert not any(found.values()), found
    assert not packages["medcore.explain"] & above, packages["medcore.explain"]


def test_medcore_never_imports_streamlit():
    raw = _raw()
    found = sorted(m for m, targets in raw.items() if m.startswith("medcore")
                   and any(t == "streamlit" or t.startswith("streamlit.") for t in targets))
    assert not found, found


def test_the_checks_find_what_they_look_for():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    known = {"medcore.bench", "medcore.bench.samples", "medcore.history.service",
             "medcore.genomics.service", "medcore.report"}
    assert imports('import importlib\nimportlib.import_module("medcore.bench.samples")',
                   known) == {"importlib", "medcore.bench.samples"}
    assert imports('from importlib import import_module\n'
                   'def f(w):\n    return import_module(f"medcore.{w}.service")',
                   known) == {"importlib", "medcore.history.service", "medcore.genomics.service"}
    assert imports('import importlib\nimportlib.import_module("medcore." + "bench")',
                   known) >= {"medcore.bench", "medcore.bench.samples"}
    assert imports("def f(name):\n    import importlib\n    importlib.import_module(name)",
                   known) == {"importlib"}  # a name computed at run time is not followed
    assert imports("def f():\n    from medcore import bench", known) == {"medcore",
                                                                         "medcore.bench"}
    graph = {"medcore.report.imaging": {"medcore.history.service"},
             "medcore.history.service": {"medcore.bench.samples"}, "medcore.bench.samples": set()}
    assert _reaches_bench(graph) == [
        "medcore.history.service -> medcore.bench.samples",
        "medcore.report.imaging -> medcore.history.service -> medcore.bench.samples"]
    assert _packages({"medcore.bench.run": {"medcore.report.imaging", "medcore.registry"},
                      "medcore.report.imaging": {"medcore.bench.samples"}}) == {
        "medcore.bench": {"medcore.report", "medcore.registry"},
        "medcore.report": {"medcore.bench"}}
