"""Every benchmark result can be traced to one run: commit, dirty flag, command, run id."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture()
def common(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(BENCH))
    import _common

    monkeypatch.setattr(_common, "RESULTS", tmp_path)
    monkeypatch.setattr(sys, "argv", ["benchmarks/x.py", "--seeds", "3"])
    return _common


@pytest.mark.parametrize("path", sorted(BENCH.glob("results/*.json")), ids=lambda p: p.name)
def test_every_committed_row_carries_its_origin(path):
    sys.path.insert(0, str(BENCH))
    try:
        from _common import ROW_PROVENANCE, UNRECORDED
    finally:
        sys.path.pop(0)
    results = json.loads(path.read_text())
    assert results["command"].startswith("python benchmarks/") and results["environment"]
    for row in results["rows"]:
        assert set(ROW_PROVENANCE) <= set(row), (path.name, row)
        if row["run_id"] is None:  # written before provenance: says so, invents nothing
            assert row["origin"] == UNRECORDED and row["commit"] is None
        else:
            run = results["runs"][row["run_id"]]
            assert run["commit"] == row["commit"] and run["environment"]


@pytest.mark.parametrize("path", sorted(BENCH.glob("results/*.json")), ids=lambda p: p.name)
def test_every_committed_block_and_search_line_carries_its_origin(path):
    """Blocks stamped with a run (a chosen setting's validation grid) name a run the file
    records; lines of another command's log (a settings search) carry theirs or say why not."""
    sys.path.insert(0, str(BENCH))
    try:
        from _common import ROW_PROVENANCE, UNRECORDED_LINE
    finally:
        sys.path.pop(0)
    results = json.loads(path.read_text())
    for key, block in results.items():
        if isinstance(block, dict) and "run_id" in block and key != "runs":
            assert set(ROW_PROVENANCE) <= set(block), key
            assert results["runs"][block["run_id"]]["commit"] == block["commit"], key
    for line in results.get("tuning", []):
        assert set(ROW_PROVENANCE) <= set(line), line["name"]
        assert line["run_id"] is not None or (
            line["origin"] == UNRECORDED_LINE and line["commit"] is None
        )
        assert line["command"].startswith("python benchmarks/consistency_tune.py '")


def test_genotype_validation_names_the_run_that_chose_the_gated_setting():
    results = json.loads((BENCH / "results" / "genotype_protocol.json").read_text())
    hapmap3 = {r["run_id"] for r in results["rows"] if r["dataset"] == "hapmap3"}
    assert {results["validation"]["run_id"]} == hapmap3
    assert "--part hapmap3" in results["validation"]["command"]


def test_search_lines_keep_their_stamp_or_get_a_rebuilt_command(monkeypatch):
    """A line without provenance gets a command that re-runs its configuration."""
    import shlex

    monkeypatch.syspath_prepend(str(BENCH))
    import _common
    from consistency_tune import rebuild_command

    old = {"name": "h32", "task": "mortality", "members": 5, "config": {"hidden": 32, "lr": 0.003}}
    stamped = {**old, "name": "new", "commit": "abc", "dirty": False, "command": "c", "run_id": "r"}
    marked, kept = _common.mark_lines([old, stamped], rebuild_command)
    assert kept == stamped
    assert marked["run_id"] is None and marked["origin"] == _common.UNRECORDED_LINE
    argv = shlex.split(marked["command"])
    assert argv[:2] == ["python", "benchmarks/consistency_tune.py"]
    assert json.loads(argv[2]) == old["config"] and argv[3] == "h32"
    assert argv[4:] == ["--members", "5", "--task", "mortality"]


def test_a_block_stamped_before_writing_shares_the_run_of_the_rows(common):
    prov = common.provenance()
    block = {"grid": [1, 2], **common.stamp_of(prov)}
    common.write_results("x", [common.row("a", "m", "auroc", [0.5], 1.0)], prov=prov, chosen=block)
    out = json.loads((common.RESULTS / "x.json").read_text())
    assert out["run_id"] == out["rows"][0]["run_id"] == out["chosen"]["run_id"] == prov["run_id"]
    # a later run that carries the block keeps its origin and the record of that run
    common.write_results("x", [common.row("b", "m", "auroc", [0.6], 1.0)], chosen=out["chosen"])
    later = json.loads((common.RESULTS / "x.json").read_text())
    assert later["chosen"]["run_id"] == prov["run_id"] != later["run_id"]
    assert set(later["runs"]) == {prov["run_id"], later["run_id"]}


def test_write_results_stamps_new_rows_and_keeps_old_origins(common):
    old = {"dataset": "a", "metric": "auroc", "mean": 0.5}
    (common.RESULTS / "x.json").write_text(
        json.dumps({"benchmark": "x", "command": "python benchmarks/x.py --old", "rows": [old]})
    )
    kept = common.load_results("x")["rows"]
    assert kept[0]["command"] == "python benchmarks/x.py --old" and kept[0]["run_id"] is None
    new = common.row("b", "cnn", "auroc", [0.7, 0.8], 1.0)
    common.write_results("x", [*kept, new])
    first = json.loads((common.RESULTS / "x.json").read_text())
    assert first["rows"][0]["origin"] == common.UNRECORDED
    stamped = first["rows"][1]
    assert stamped["command"] == "python benchmarks/x.py --seeds 3" == first["command"]
    assert stamped["run_id"] == first["run_id"] and len(stamped["run_id"]) == 36
    commit, dirty = common.git_state()
    assert stamped["commit"] == commit and stamped["dirty"] == dirty
    # A second run keeps the first run's row (and its run record) as they were.
    common.write_results("x", [*common.load_results("x")["rows"], common.row("c", "g", "m", 1, 0)])
    second = json.loads((common.RESULTS / "x.json").read_text())
    assert second["rows"][1] == stamped and second["run_id"] != first["run_id"]
    assert set(second["runs"]) == {first["run_id"], second["run_id"]}


def test_dirty_flag_ignores_results_files_only(tmp_path, monkeypatch):
    """A benchmark rewriting its own results file stays clean; a code change is dirty."""
    import shutil
    import subprocess

    bench = tmp_path / "benchmarks"
    (bench / "results").mkdir(parents=True)
    shutil.copy(BENCH / "_common.py", bench / "_common.py")
    (bench / "results" / "x.json").write_text("{}")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    monkeypatch.syspath_prepend(str(bench))
    monkeypatch.delitem(sys.modules, "_common", raising=False)
    import _common

    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    assert _common.git_state() == (commit.stdout.strip(), False)
    (bench / "results" / "x.json").write_text('{"rows": []}')
    assert _common.git_state()[1] is False
    (bench / "_common.py").write_text((bench / "_common.py").read_text() + "\n# edit\n")
    assert _common.git_state()[1] is True
    monkeypatch.delitem(sys.modules, "_common")


def test_fusion_lowest_modality_check_needs_a_margin(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import fusion

    assert fusion.lowest_by_margin([1 / 3, 1 / 3, 1 / 3], [0]) == 0.0  # an exact tie
    assert fusion.lowest_by_margin([0.332, 0.333, 0.335], [0]) == 0.0  # the case
    assert fusion.lowest_by_margin([0.2, 0.4, 0.4], [0]) == 1.0
    assert fusion.lowest_by_margin([2.0, 4.0, 4.0], [0]) == 1.0  # shares of the sum
    assert fusion.lowest_by_margin([0.5, 0.3, 0.2], [0]) == 0.0


def test_fusion_paired_statistics(monkeypatch):
    """Holm adjustment and paired tests of the ROSMAP protocol against hand/scipy values."""
    from scipy import stats

    monkeypatch.syspath_prepend(str(BENCH))
    import _fusion_rosmap as R

    assert R.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert R.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1, monotone
    a, b = [0.9, 0.8, 0.85, 0.7, 0.95, 0.6], [0.85, 0.82, 0.8, 0.6, 0.9, 0.5]
    out = R.paired(a, b)
    assert out["wins"] == 5 and out["losses"] == 1
    assert out["mean_difference"] == pytest.approx(0.055)
    assert out["wilcoxon_p"] == pytest.approx(stats.wilcoxon(np.subtract(a, b)).pvalue)
    assert out["paired_t_p"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert R.paired(a, a)["wilcoxon_p"] == 1.0  # no difference: no test, p = 1
