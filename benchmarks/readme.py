"""Regenerate the README's benchmark section from benchmarks/results/*.json.

Each benchmark script defines ``markdown(results) -> str``; this script imports it, renders
the script's results file and writes the sections between the BENCHMARKS markers.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
START, END = "<!-- BENCHMARKS:START -->", "<!-- BENCHMARKS:END -->"
ORDER = [
    "trust",
    "trust_speed",
    "attngen",
    "hain",
    "hemera",
    "hemera_scale",
    "consistency",
    "fusion",
]


def _section(name: str) -> str | None:
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
    return _nest(render(results)).rstrip() + "\n" + footer


def _nest(markdown: str, top: int = 3) -> str:
    """Shift headings so the section's first level is ``top`` (``###`` under Benchmarks)."""
    levels = [len(m) for m in re.findall(r"^(#+) ", markdown, flags=re.M)]
    if not levels:
        return markdown
    shift = top - min(levels)
    return re.sub(
        r"^(#+) ", lambda m: "#" * max(1, len(m.group(1)) + shift) + " ", markdown, flags=re.M
    )


def render(text: str) -> str:
    """``text`` (the README) with its benchmark section rebuilt from the results files."""
    names = ORDER + sorted(
        p.stem
        for p in (HERE / "results").glob("*.json")
        if p.stem not in ORDER and not p.stem.endswith("_quick")
    )
    sections = [s for s in (_section(n) for n in names) if s]
    if START not in text or END not in text:
        raise SystemExit("README.md lacks the BENCHMARKS markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = "\n".join(sections) if sections else "_No benchmark results yet._\n"
    return f"{head}{START}\n{body}\n{END}{tail}"


def main(argv: list[str] | None = None) -> None:
    """Rewrite README.md; with ``--check``, exit 1 when it is out of date instead."""
    args = sys.argv[1:] if argv is None else argv
    text = README.read_text()
    new = render(text)
    if "--check" in args:
        if new != text:
            raise SystemExit("README.md is out of date: run python benchmarks/readme.py")
        print("README.md benchmark section is up to date")
        return
    README.write_text(new)
    print("README.md rewritten" if new != text else "README.md unchanged")


if __name__ == "__main__":
    main()
