"""The package's layers import one way only, with no cycle, function-level imports included.

Layers, lowest first (a module may import its own layer and the ones below):

    models     Hub remote code: imports nothing from hf_absa
    base       files, onednn, hardware: small utilities every layer may use (not models)
    data       readers, registry, processing, collator (column names come from models), metrics
    training   arguments, trainer, export, protocols, held-out split, workflow, hub upload
    inference  SentimentClassifier, batch prediction, pipeline
    experiments  seeds, folds, summaries, plots
    commands   one module per command
    cli        the dispatcher; the package's __init__ / __main__ sit on top too

The walk is over the AST, so an import hidden in a function body or under TYPE_CHECKING counts like any other.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hf_absa"
LAYERS = ("models", "base", "data", "training", "inference", "experiments", "commands", "cli")
# Top-level modules outside the subpackages, and their layer.
MODULE_LAYERS = {"files": "base", "onednn": "base", "hardware": "base", "metrics": "data"}
TOP_MODULES = {"__init__", "__main__", "cli"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:  # hf_absa itself
        return len(LAYERS)
    head = parts[1]
    if head in LAYERS and head != "base":
        return LAYERS.index(head)
    if head in MODULE_LAYERS:
        return LAYERS.index(MODULE_LAYERS[head])
    if head in TOP_MODULES:
        return len(LAYERS)
    raise AssertionError(f"hf_absa.{head} belongs to no layer; add it to LAYERS / MODULE_LAYERS in {__file__}")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every hf_absa import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "hf_absa"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "hf_absa":
                continue
            for alias in node.names:
                # `from ..commands import train` imports the module hf_absa.commands.train
                submodule = f"{target}.{alias.name}"
                found.append((node.lineno, submodule if submodule in MODULES else target))
    return found


def source_files():
    return sorted(path for path in PACKAGE.rglob("*.py"))


MODULES = {module_name(path) for path in source_files()} | {"hf_absa.data._layer_probe"}


def test_every_module_has_a_layer():
    for path in source_files():
        layer_of(module_name(path))


def test_no_module_imports_a_higher_layer():
    violations = []
    for path in source_files():
        importer = module_name(path)
        for line, target in imported_modules(path):
            if target.startswith(importer + ".") or importer == "hf_absa":
                continue  # a package importing its own submodules; the top-level API imports everything
            if layer_of(target) > layer_of(importer):
                violations.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {importer} "
                                  f"({LAYERS[layer_of(importer)]}) imports {target} "
                                  f"({LAYERS[min(layer_of(target), len(LAYERS) - 1)]})")
    assert not violations, "upward imports:\n" + "\n".join(violations)


def test_models_import_nothing_from_hf_absa():
    """save mode 2 copies hf_absa/models/ next to the weights as Hub remote code: it must stand alone."""
    for path in (PACKAGE / "models").glob("*.py"):
        outside = [target for _, target in imported_modules(path) if not target.startswith("hf_absa.models")]
        assert not outside, f"{path.name} imports {outside}"


def test_no_import_cycle_between_modules():
    graph = {}
    for path in source_files():
        importer = module_name(path)
        if importer == "hf_absa":
            continue
        targets = set()
        for _, target in imported_modules(path):
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]  # `from .x import name` → module x
            if target != importer and target != "hf_absa" and not target.startswith(importer + "."):
                targets.add(target)
        graph[importer] = targets

    state: dict[str, int] = {}

    def visit(node, trail):
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycle = trail[trail.index(target):] + [target] if target in trail else [node, target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if state.get(target) is None:
                visit(target, trail + [target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_checker_catches_an_upward_import(monkeypatch):
    """The walk sees an import hidden in a function body."""
    fake = PACKAGE / "data" / "_layer_probe.py"
    source = "def late():\n    from ..commands import train\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == fake else "")
    tree_targets = imported_modules(fake)
    assert tree_targets == [(2, "hf_absa.commands.train")]
    assert layer_of("hf_absa.commands.train") > layer_of("hf_absa.data._layer_probe")
