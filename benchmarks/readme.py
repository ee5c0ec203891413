"""Regenerate the benchmark tables from benchmarks/results/*.json.

Each benchmark script defines ``markdown(results) -> str``; this script imports it, renders
the script's results file and writes every section into ``docs/benchmarks.md`` (between
the BENCHMARKS markers). The README keeps a short generated summary between its own
markers: one line per benchmark linking to its section of the documentation.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
DOCS = HERE.parent / "docs" / "benchmarks.md"
START, END = "<!-- BENCHMARKS:START -->", "<!-- BENCHMARKS:END -->"
ORDER = [
    "trust",
    "trust_speed",
    "attngen",
    "hain",
    "hain_pool_scale",
    "hemera",
    "hemera_scale",
    "consistency",
    "fusion",
]


def _names() -> list[str]:
    return ORDER + sorted(
        p.stem
        for p in (HERE / "results").glob("*.json")
        if p.stem not in ORDER and not p.stem.endswith("_quick")
    )


def _section(name: str, top: int = 2) -> str | None:
    results_path = HERE / "results" / f"{name}.json"
    script = HERE / f"{name}.py"
    if not results_path.is_file() or not script.is_file():
        return None
    sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", script)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    render = getattr(module, "markdown", None)
    if render is None:
        return None
    results = json.loads(results_path.read_text())
    env = results.get("environment", {})
    footer = (
        f"\n_Command: `{results.get('command', '?')}`; environment: "
        f"{env.get('device', 'cpu')}, torch {env.get('torch', '?')}, "
        f"{env.get('threads', '?')} threads, {env.get('date', '')}._\n"
    )
    return _nest(render(results), top).rstrip() + "\n" + footer


def _nest(markdown: str, top: int = 2) -> str:
    """Shift headings so the section's first level is ``top``."""
    levels = [len(m) for m in re.findall(r"^(#+) ", markdown, flags=re.M)]
    if not levels:
        return markdown
    shift = top - min(levels)
    return re.sub(
        r"^(#+) ", lambda m: "#" * max(1, len(m.group(1)) + shift) + " ", markdown, flags=re.M
    )


def _anchor(title: str) -> str:
    """The id mkdocs (Python-Markdown toc) gives a heading."""
    text = re.sub(r"[^\w\s-]", "", title.lower(), flags=re.U).strip()
    return re.sub(r"[-\s]+", "-", text)


def _replace(text: str, body: str, where: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"{where} lacks the BENCHMARKS markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{body}\n{END}{tail}"


def render_docs(text: str) -> str:
    """``text`` (docs/benchmarks.md) with every benchmark section rebuilt."""
    sections = [s for s in (_section(n) for n in _names()) if s]
    body = "\n".join(sections) if sections else "_No benchmark results yet._\n"
    return _replace(text, body, "docs/benchmarks.md")


def render(text: str) -> str:
    """``text`` (the README) with its summary: one linked line per benchmark section."""
    lines = []
    for name in _names():
        section = _section(name)
        if not section:
            continue
        title = re.search(r"^## (.+)$", section, flags=re.M)
        command = re.search(r"_Command: `([^`]*)`", section)
        if title is None:
            continue
        heading = title.group(1).strip()
        lines.append(
            f"- [{heading}](docs/benchmarks.md#{_anchor(heading)})"
            + (f" — `{command.group(1)}`" if command else "")
        )
    body = "\n".join(lines) if lines else "_No benchmark results yet._"
    return _replace(text, body, "README.md")


def main(argv: list[str] | None = None) -> None:
    """Rewrite docs/benchmarks.md and README.md; ``--check`` exits 1 when either is stale."""
    args = sys.argv[1:] if argv is None else argv
    stale = []
    for path, fn in ((DOCS, render_docs), (README, render)):
        text = path.read_text()
        new = fn(text)
        if new == text:
            continue
        stale.append(path.name)
        if "--check" not in args:
            path.write_text(new)
    if "--check" in args:
        if stale:
            raise SystemExit(f"{', '.join(stale)} out of date: run python benchmarks/readme.py")
        print("benchmark tables are up to date")
        return
    print(f"rewrote {', '.join(stale)}" if stale else "benchmark tables unchanged")


if __name__ == "__main__":
    main()
