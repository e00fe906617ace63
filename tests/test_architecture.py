"""The project's structure, checked: `dvc repro` re-runs a stage when anything it runs changes, and
stages depend on helpers, never on each other.

Both facts are read from the code itself (its import statements and the params sections it
touches), so a new import or a new `params.X` read that dvc.yaml does not list fails here, not in a
researcher's stale result.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"

# The stages, each run by DVC as `python -m pipeline.<name>`. A stage may import helpers only.
STAGES = ("corrections", "ingest", "segment", "build_model", "embed", "classify", "export", "evaluate", "reports")
# Orchestrators run several stages in one process (the CLI; training runs ingest, segment and
# embed on the annotated documents, also as a DVC stage; cluster runs ingest and segment on Dask
# workers for the CLI). Only the CLI may import one.
ORCHESTRATORS = ("training", "cli", "cluster")
# The front ends: the `remiss` command and the web app it serves (`remiss serve`). They may use any
# stage's functions (the web app shows export's tables with export's templates); no other module
# imports them.
FRONT_ENDS = ("cli", "web")
# Where params.yaml's models are defined, not read.
CONFIG = "pipeline.config"
# The params.yaml sections, and the typed models that carry each one.
SECTION_MODELS = {"PathsParams": "paths", "IngestParams": "ingest", "SegmentParams": "segment", "ModelParams": "model",
                  "EmbedParams": "embed", "ThemeParams": "themes", "ClassifyParams": "classify"}
SECTIONS = frozenset(SECTION_MODELS.values())


def module_path(name: str) -> Path | None:
    """pipeline.a.b -> its file (a package's __init__.py, which Python prefers); None if it is not a
    project module."""
    relative = Path(*name.split("."))
    for candidate in (ROOT / relative / "__init__.py", ROOT / relative.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> list[str]:
    return sorted(module_name(path) for path in PACKAGE.rglob("*.py"))


@cache
def imports_of(name: str) -> frozenset[str]:
    """The project modules a module imports anywhere in it (inside functions too: they run)."""
    path = module_path(name)
    assert path is not None, name
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from pipeline import schemas`: the imported names may be modules themselves
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return frozenset(target for target in found if target.startswith("pipeline") and module_path(target))


def with_parents(name: str) -> set[str]:
    """Importing pipeline.a.b runs pipeline/a/__init__.py first."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(2, len(parts) + 1)}


def closure(entry: str) -> set[str]:
    """Every project module that `python -m <entry>` runs."""
    todo = with_parents(entry)
    main = f"{entry}.__main__"
    if module_path(main):
        todo.add(main)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name == "pipeline":
            continue
        seen.add(name)
        for target in imports_of(name):
            todo |= with_parents(target)
    return seen


def params_read(name: str) -> set[str]:
    """The params.yaml keys a module reads: `params.<section>`, `params.paths.<key>`, or a
    section's typed model taken as an argument."""
    path = module_path(name)
    assert path is not None
    if name == CONFIG:
        return set()
    keys: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in SECTION_MODELS:
            keys.add(SECTION_MODELS[node.id])
        elif isinstance(node, ast.Attribute) and node.attr in SECTIONS:
            owner = node.value
            owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if "params" in owner_name.lower():
                parent = parents.get(node)
                # `params.classify.threshold` reads one key; `params.classify` the whole section
                grandparent = parents.get(parent)
                is_method = isinstance(grandparent, ast.Call) and grandparent.func is parent
                named_key = isinstance(parent, ast.Attribute) and parent.value is node and not is_method
                keys.add(f"{node.attr}.{parent.attr}" if named_key else node.attr)
    return keys


@cache
def dvc_stages() -> dict[str, tuple[str, list[str], list[str]]]:
    """stage -> (module run, dependency paths, params keys), as DVC resolves dvc.yaml."""
    from dvc.repo import Repo

    stages = {}
    with Repo(str(ROOT)) as repo:
        for stage in repo.index.stages:
            module = stage.cmd.split("python -m ", 1)[1].split()[0]
            paths = [dep.def_path for dep in stage.deps if not hasattr(dep, "params")]
            params = [key for dep in stage.deps if hasattr(dep, "params") for key in (dep.params or [])]
            stages[stage.name] = (module, paths, params)
    return stages


def covered(file: Path, deps: list[str]) -> bool:
    relative = file.relative_to(ROOT).as_posix()
    return any(relative == dep or relative.startswith(dep.rstrip("/") + "/") for dep in deps)


@pytest.mark.parametrize("stage", sorted(dvc_stages()))
def test_stage_lists_every_module_it_runs(stage):
    module, deps, _ = dvc_stages()[stage]
    missing = sorted(str(module_path(m).relative_to(ROOT)) for m in closure(module) if not covered(module_path(m), deps))
    assert not missing, f"dvc.yaml stage {stage} runs these modules but does not list them in deps: {missing}"


@pytest.mark.parametrize("stage", sorted(dvc_stages()))
def test_stage_lists_every_params_section_it_reads(stage):
    module, _, params = dvc_stages()[stage]
    read = set().union(*(params_read(m) for m in closure(module)))
    missing = sorted(key for key in read if not any(key == p or key.startswith(p + ".") for p in params))
    assert not missing, f"dvc.yaml stage {stage} reads params it does not list: {missing}"


def test_every_stage_module_is_a_dvc_stage():
    run = {module for module, _, _ in dvc_stages().values()}
    assert run == {f"pipeline.{stage}" for stage in (*STAGES, "training")}


def top_level(name: str) -> str:
    return name.split(".")[1] if name.count(".") else name


@pytest.mark.parametrize("name", all_modules())
def test_modules_import_helpers_not_stages(name):
    """A stage's code reaches another stage's results through files, not imports; a helper is
    imported by stages, never the other way round."""
    own = top_level(name)
    forbidden = set(STAGES) | set(ORCHESTRATORS) | set(FRONT_ENDS)
    if own in FRONT_ENDS:
        forbidden = set()
    elif own in ORCHESTRATORS:
        forbidden = set(FRONT_ENDS)
    bad = sorted(target for target in imports_of(name) if top_level(target) in forbidden - {own})
    assert not bad, f"{name} imports {bad}; move what it needs into a helper module"


def test_no_import_cycles():
    graph = {name: imports_of(name) for name in all_modules()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            pytest.fail("import cycle: " + " -> ".join(cycle))
