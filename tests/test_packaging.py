"""Package metadata: every imported third-party package is declared with bounds; the
licence, changelog and citation files exist and agree with the project."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: import name -> distribution name, where they differ
DIST = {
    "sklearn": "scikit-learn",
    "bed_reader": "bed-reader",
    "tomli_w": "tomli-w",
    "modiscolite": "modisco-lite",
}


def _imports(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "attnscope"}


def _requirements(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        m = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?(.*)$", item)
        assert m, item
        out[m.group(1).lower().replace("_", "-")] = m.group(3)
    return out


def test_every_imported_package_is_declared_with_bounds():
    """Runtime imports are dependencies; optional features (motifs, scale) are extras."""
    declared = _requirements(PYPROJECT["project"]["dependencies"])
    for name, extra in PYPROJECT["project"]["optional-dependencies"].items():
        if name not in ("dev", "bench"):
            declared.update(_requirements([r for r in extra if not r.startswith("attnscope")]))
    for module in sorted(_imports(ROOT / "src")):
        dist = DIST.get(module, module).lower().replace("_", "-")
        assert dist in declared, f"{module} is imported under src/ but not a dependency"
        spec = declared[dist]
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"{dist}{spec}: give both bounds"


def test_dev_installs_the_docs_tools_and_constraints_pin_them():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "attnscope[docs]" in extras["dev"]
    pins = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    for dist in _requirements(extras["docs"]):
        assert dist in pins, f"{dist} is not pinned in constraints.txt"


def _pins() -> dict[str, str]:
    return dict(
        line.lower().replace("_", "-").split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    )


def test_dev_installs_shap_and_constraints_pin_it_with_its_dependencies():
    """The interop tests import shap: ``make test`` (``.[dev]``) must install it, pinned."""
    from importlib.metadata import requires, version

    assert "attnscope[shap]" in PYPROJECT["project"]["optional-dependencies"]["dev"]
    pins = _pins()
    assert pins["shap"] == version("shap")
    runtime = [r for r in requires("shap") or [] if "extra ==" not in r]
    names = {re.match(r"[A-Za-z0-9_.\-]+", r).group(0).lower().replace("_", "-") for r in runtime}
    assert {"numba", "slicer", "cloudpickle"} <= names
    for name in names:
        assert name in pins, f"shap needs {name}, which constraints.txt does not pin"
        assert pins[name] == version(name), (
            f"{name}: pinned {pins[name]}, installed {version(name)}"
        )


def test_licence_changelog_and_citation():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert "attnscope developers" in (ROOT / "LICENSE").read_text()
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and "## [0.1.0]" in changelog
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["version"] == PYPROJECT["project"]["version"]
    assert cff["license"] == "MIT"
    readme = (ROOT / "README.md").read_text()
    cited = {ident["value"] for ref in cff["references"] for ident in ref.get("identifiers", [])}
    for arxiv in re.findall(r"arXiv (\d{4}\.\d{5})", readme):
        assert f"arXiv:{arxiv}" in cited, arxiv
    assert len(cff["references"]) == 4
    for ref in cff["references"]:
        assert ref["title"] and ref["authors"] and "doi" not in ref
