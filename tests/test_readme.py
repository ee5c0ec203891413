"""The README's Python example runs as written and its CLI lines name real commands."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _fenced(text: str) -> list[str]:
    """Contents of the fenced code blocks of a markdown text."""
    blocks: list[str] = []
    current: list[str] = []
    inside = False
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(current))
            current, inside = [], not inside
        elif inside:
            current.append(line)
    return blocks


def test_readme_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert (tmp_path / "runs" / "example" / "model.safetensors").is_file()
    assert namespace["attr"].values.shape == (len(namespace["test"]), 100)


def test_readme_commands_exist():
    from attnscope.cli import app

    registered = {c.name or c.callback.__name__ for c in app.registered_commands}
    code = "\n".join(_fenced(README.read_text()))
    documented = set(re.findall(r"^attnscope (\w+)", code, flags=re.M))
    assert {"demo", "fit", "predict"} <= documented
    assert documented <= registered | {"explain"}, documented - registered


def _bench_readme():
    import importlib.util

    script = README.parent / "benchmarks" / "readme.py"
    spec = importlib.util.spec_from_file_location("_bench_readme", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_tables_match_results_files():
    """Every benchmark figure in the docs is the one its results JSON renders to, and the
    README's summary links one line per benchmark section of that page."""
    module = _bench_readme()
    docs = README.parent / "docs" / "benchmarks.md"
    assert module.render_docs(docs.read_text()) == docs.read_text(), (
        "run python benchmarks/readme.py"
    )
    text = README.read_text()
    assert module.render(text) == text, "run python benchmarks/readme.py"
    headings = re.findall(r"^## (.+)$", docs.read_text(), flags=re.M)
    for heading in headings:
        assert f"[{heading}](docs/benchmarks.md#{module._anchor(heading)})" in text, heading
    assert "| method |" not in text, "benchmark tables belong in docs/benchmarks.md"


def test_prose_outside_the_generated_page_types_no_benchmark_figures():
    """A score with three decimals (0.788) in the README's or a docs page's prose is a
    hand-typed benchmark figure that goes stale; such figures live only in the generated
    docs/benchmarks.md (and the README's generated block)."""
    pages = [README, *sorted((README.parent / "docs").rglob("*.md"))]
    typed = []
    for page in pages:
        if page.name == "benchmarks.md":
            continue
        text = re.sub(
            r"<!-- BENCHMARKS:START -->.*?<!-- BENCHMARKS:END -->", "", page.read_text(), flags=re.S
        )
        text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)  # code blocks
        text = re.sub(r"`[^`\n]*`", "", text)  # inline code
        typed += [f"{page.name}: {m}" for m in re.findall(r"(?<![\w.])[01]\.\d{3}(?![\w.])", text)]
    assert not typed, typed
