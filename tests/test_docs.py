"""The documentation: every tutorial runs as written, and the site builds with --strict."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.md"))


def python_blocks(path: Path) -> list[str]:
    """The ```python blocks of a markdown page, in order."""
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), flags=re.S | re.M)


def test_every_modality_has_a_tutorial():
    assert {p.stem for p in TUTORIALS} == {
        "dna",
        "expression",
        "genotypes",
        "timeseries",
        "multiomics",
    }


@pytest.mark.parametrize(
    "page",
    [*TUTORIALS, ROOT / "docs" / "getting-started.md", ROOT / "docs" / "interop.md"],
    ids=str,
)
def test_tutorial_runs(page, tmp_path, monkeypatch):
    import torch

    torch.set_num_threads(2)
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(page)
    assert blocks, f"{page.name} has no python block"
    namespace: dict[str, object] = {"__name__": "__tutorial__"}
    for k, block in enumerate(blocks):
        exec(compile(block, f"{page.name} block {k + 1}", "exec"), namespace)


def test_api_pages_name_every_public_function():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import hooks
    finally:
        sys.path.remove(str(ROOT / "docs"))
    text = hooks.expand((ROOT / "docs" / "api" / "io.md").read_text())
    for name in ("read_fasta", "read_hapmap", "read_data", "read_mogonet"):
        assert re.search(rf"^::: attnscope\.io\.\w+\.{name}$", text, flags=re.M), name
    assert "<!-- api" not in text


def test_docs_build_strict(tmp_path):
    if shutil.which("mkdocs") is None and not (Path(sys.executable).parent / "mkdocs").is_file():
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    proc = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (tmp_path / "site" / "api" / "io" / "index.html").read_text()
    assert "read_hapmap" in html and "minor allele" in html
    assert (tmp_path / "site" / "benchmarks" / "index.html").is_file()
