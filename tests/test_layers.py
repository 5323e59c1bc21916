"""The package's layering is a contract: a module imports only layers before its own, never a
layer after it, and the import graph has no cycles (lazy imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

import reportkit

PACKAGE = Path(reportkit.__file__).parent
# Lowest first. A module may import its own layer's modules or any earlier layer.
LAYERS = [
    ["reportkit.lexicon", "reportkit.models", "reportkit.regex_syntax", "reportkit.text", "reportkit.assertion",
     "reportkit.startup", "reportkit.timeout", "reportkit.triggers", "reportkit.description"],
    ["reportkit.pipeline"],
    ["reportkit.reasoning"],
    ["reportkit.render", "reportkit.lint"],
    ["reportkit.prefilter"],
    ["reportkit.engine"],
    ["reportkit.api", "reportkit.io", "reportkit.postprocess"],
    ["reportkit.evaluation", "reportkit.selfaudit", "reportkit.advice_audit", "reportkit.audit", "reportkit.service"],
    ["reportkit.cli", "reportkit.__main__"],
]
# Same-layer packages that must not know each other (siblings, not a stack).
SIBLINGS = [("reportkit.render", "reportkit.lint"), ("reportkit.audit", "reportkit.service")]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(path: Path, name: str) -> set[str]:
    """Every reportkit module this file imports, at top level or inside functions."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("reportkit")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.startswith("reportkit"):
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
    known = modules()
    return {m for m in found if m in known and m != name}


def layer_of(name: str) -> int | None:
    for i, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    return None


def test_every_module_has_a_layer():
    assert [m for m in modules() if m != "reportkit" and layer_of(m) is None] == []


def test_no_module_imports_a_later_layer():
    upward = []
    for name, path in modules().items():
        if name == "reportkit":
            continue  # the package's lazy __getattr__ forwards to api; nothing inside imports it back
        for target in imports_of(path, name):
            if target != "reportkit" and layer_of(target) > layer_of(name):
                upward.append(f"{name} -> {target}")
    assert upward == []


def test_sibling_packages_do_not_import_each_other():
    crossing = []
    for name, path in modules().items():
        for a, b in SIBLINGS:
            for own, other in ((a, b), (b, a)):
                if name == own or name.startswith(own + "."):
                    crossing += [f"{name} -> {t}" for t in imports_of(path, name)
                                 if t == other or t.startswith(other + ".")]
    assert crossing == []


def test_import_graph_has_no_cycles():
    graph = {name: imports_of(path, name) - {"reportkit"} for name, path in modules().items()}
    # a package's __init__ re-exporting its own modules is not a cycle between layers
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


# The engine is the one way from text to an analysed report: nothing else runs the pipeline or the
# reasoning. (The engine's pre-filter reads their trigger declarations; it runs neither.)
ENGINE_ONLY = {"reportkit.pipeline": {"reportkit.engine", "reportkit.prefilter"},
               "reportkit.reasoning": {"reportkit.engine", "reportkit.prefilter"}}


def test_only_the_engine_calls_the_pipeline_and_the_reasoning():
    callers = {}
    for name, path in modules().items():
        for target in imports_of(path, name):
            for package, allowed in ENGINE_ONLY.items():
                inside = name == package or name.startswith(package + ".")
                if (target == package or target.startswith(package + ".")) and not inside and name not in allowed:
                    callers.setdefault(package, set()).add(f"{name} -> {target}")
    assert callers == {}
