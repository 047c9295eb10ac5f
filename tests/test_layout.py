"""The layout shows the architecture (issue 22): imports run one way, from the top down —
app / cli ← views ← models.exchange ← models.services / models.reads ← models.rules ←
models.tables ← models.catalogue ← models.base ← workflow — with no import back up and no circle,
lazy imports inside functions included (the importer and the scope rule once imported each other
that way).  Read from the source with `ast`: nothing is imported to check it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [  # lowest first; a module may import its own layer and those below
    ("workflow",),
    ("models.base",),
    ("models.catalogue",),
    ("models.tables",),
    ("models.rules",),
    ("models.services", "models.reads"),
    ("models.exchange",),
    ("views",),
    ("app", "cli"),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    files = [ROOT / "workflow.py", ROOT / "app.py", ROOT / "cli.py",
             *sorted((ROOT / "models").rglob("*.py")), *sorted((ROOT / "views").rglob("*.py"))]
    return {_module_name(p): p for p in files}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in its file (top level or in a function)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from models.tables import sections` imports models.tables.sections
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _layer(name: str) -> int | None:
    for level, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return level
    return None


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    return {name: _imports(name, path, known) for name, path in sources.items()}


def test_every_module_has_a_layer():
    unplaced = [name for name in _graph() if name != "models" and _layer(name) is None]
    assert unplaced == [], "place these modules in LAYERS (and in the README's layout)"


def test_no_import_runs_back_up():
    upward = []
    for name, targets in _graph().items():
        if name == "models":          # the package's face hands names on from below
            continue
        for target in targets:
            if target == "models":
                # Views and the app read the tables through the face; inside models/ a module
                # imports the module that defines the name (the face imports from below).
                if name.startswith("models."):
                    upward.append(f"{name} -> models (the face)")
            elif _layer(target) > _layer(name):
                upward.append(f"{name} -> {target}")
    assert upward == []


def test_no_circle():
    graph = _graph()
    circles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node: str) -> None:          # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == []


def test_the_check_sees_a_lazy_import_back_up(tmp_path):
    """The reader finds an import inside a function, as the importer ↔ scope circle was."""
    module = tmp_path / "models" / "rules" / "demo.py"
    module.parent.mkdir(parents=True)
    module.write_text("def f():\n    from ..exchange.imports import plan_import\n")
    known = {"models.rules.demo", "models.exchange.imports"}
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert _imports("models.rules.demo", module, known) == {"models.exchange.imports"}
    finally:
        ROOT = saved
