"""A new user's walk through the documented workflows (README, docs/) on real-data shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from attnscope.errors import AttnscopeWarning

ROOT = Path(__file__).resolve().parents[1]


def test_python_dash_m_attnscope_runs_the_command_line():
    """``python -m attnscope`` is the command line (was: no module attnscope.__main__)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "attnscope", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "0." in done.stdout


def test_labels_file_whose_first_label_is_a_header_word_keeps_its_first_sample(tmp_path):
    """CTCF peaks labelled 'bound' / 'unbound': the first row is data, not a header."""
    from attnscope.io import read_fasta

    fasta = tmp_path / "peaks.fa"
    fasta.write_text(
        ">chr19:50982494-50982594\nACGTACGTAC\n"
        ">chr10:113875682-113875782_shuf\nTTGACCAGTA\n"
        ">chr13:27933481-27933581\nGGCACGTTAC\n"
    )
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "chr19:50982494-50982594\tbound\n"
        "chr10:113875682-113875782_shuf\tunbound\n"
        "chr13:27933481-27933581\tbound\n"
    )
    data = read_fasta(fasta, labels=labels)
    assert str(data.sample_ids[0]) == "chr19:50982494-50982594"
    assert [data.class_names[k] for k in data.y] == ["bound", "unbound", "bound"]
    # a real header naming the label column is still a header
    labels.write_text(
        "sample\tlabel\nchr19:50982494-50982594\tbound\n"
        "chr10:113875682-113875782_shuf\tunbound\nchr13:27933481-27933581\tbound\n"
    )
    assert len(read_fasta(fasta, labels=labels)) == 3


def test_report_data_section_training_share_is_a_share_and_digests_are_not_a_split(tmp_path):
    """The 'training share' column held the training count (188) and the split row listed
    the internal 'train_digests' beside train and test."""
    import re

    from attnscope.report import build_report

    run = tmp_path / "run"
    run.mkdir()
    data = {
        "modality": "tabular",
        "n_samples": 1036,
        "class_counts": {"Negative": 235, "Positive": 801},
        "train_class_counts": {"Negative": 188, "Positive": 640},
    }
    test = {"accuracy": 0.9, "classes": ["Negative", "Positive"], "n_samples": 208}
    (run / "metrics.json").write_text(json.dumps({"data": data, "test": test}))
    ids = [f"s{i}" for i in range(1036)]
    split = {"train": ids[:828], "test": ids[828:], "train_digests": ["0" * 16] * 828}
    (run / "split.json").write_text(json.dumps(split))
    with pytest.warns(AttnscopeWarning, match="test_predictions.npz is missing"):
        html = build_report(run)
    section = html[html.index('id="data"') : html.index('id="performance"')]
    assert "train 828, test 208" in section and "digests" not in section
    row = re.search(r"<tr><td>Negative</td>(.*?)</tr>", section).group(1)
    cells = re.findall(r">([^<]+)</td>", row)
    assert cells == ["235", "0.227", "188", "0.227"]


def test_report_overview_says_which_samples_its_tiles_are_and_counts_scored_methods(tmp_path):
    """ROSMAP: the tiles showed fit's 49-sample test AUROC (0.863) under the one scope line
    'predictive metrics: all 106 given samples' (evaluate on *_te.csv: 0.872), and the trust
    tile counted methods that do not apply to the model (18 for a table of 15 scored rows)."""
    from attnscope.report import build_report

    run = tmp_path / "run"
    run.mkdir()
    metrics = {
        "test": {"accuracy": 0.796, "auroc": 0.863, "classes": ["0", "1"], "n_samples": 49},
        "evaluate": {
            "accuracy": 0.792,
            "auroc": 0.872,
            "scope": "held-out: all 106 given samples (none was used in training)",
        },
    }
    (run / "metrics.json").write_text(json.dumps(metrics))
    rows = [
        {"method": "random", "status": "ok", "deletion_auc": 0.5, "sanity_pass": False},
        {"method": "saliency", "status": "ok", "deletion_auc": 0.3, "sanity_pass": True},
        {"method": "attention", "status": "not applicable: no attention"},
    ]
    (run / "trust.json").write_text(json.dumps({"rows": rows, "scope": "held-out: 106"}))
    html = build_report(run)
    start = html.index('<section id="overview"')
    overview = html[start : html.index("</section>", start)]
    assert "test figures above, baselines and verdict: the 49 samples fit held out" in overview
    assert "<b>2</b><span>methods scored in the trust table" in overview


def test_motifs_that_find_nothing_say_why_on_the_console_and_in_the_report(
    tmp_path, capsys, monkeypatch
):
    """CTCF, a CNN after 3 epochs: 'attnscope motifs' printed an empty table and nothing
    else, and the report left the motifs out without a word."""
    pytest.importorskip("modiscolite")
    import functools

    import attnscope.explain
    from attnscope.cli import run
    from attnscope.explain import MotifResult

    @functools.wraps(attnscope.explain.discover_motifs)  # the same signature
    def nothing(attr, tokens, **kwargs):  # modisco-lite on diffuse contributions
        return MotifResult(patterns=[], n_seqlets=0, seconds=0.1, options={})

    sim = tmp_path / "sim"
    assert run(["simulate", "dna", "--out", str(sim), "--n-samples", "200"]) == 0
    out = str(tmp_path / "run")
    fit = ["fit", str(sim), "--model", "cnn", "--out", out, "--no-baselines"]
    assert run([*fit, "--set", "epochs=1", "--set", "n_filters=4"]) == 0
    monkeypatch.setattr(attnscope.explain, "discover_motifs", nothing)
    capsys.readouterr()
    assert run(["motifs", out, "--n-leiden-runs", "1"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "found no pattern" in err and "--n-samples" in err
    assert run(["report", out]) == 0
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert 'id="motif-none"' in html and "found no pattern" in html
    assert 'id="motif-table"' not in html


def test_class_files_with_repeated_fasta_names_fit_with_numbered_records(tmp_path, capsys):
    """Arabidopsis non-promoters: headers are descriptions ('>DNA excision repair ...'), so
    'fit prom.fa nonprom.fa' refused a duplicate id, pointing to a Python-only option, and
    '[data] id_from = "index"' in a --config was refused for class files."""
    from attnscope.cli import run

    rng = np.random.default_rng(0)

    def fasta(path, header):
        seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(20)]
        path.write_text("".join(f">{header} {k}\n{s}\n" for k, s in enumerate(seqs)))
        return str(path)

    pos = fasta(tmp_path / "prom.fa", "FP000001")
    neg = fasta(tmp_path / "nonprom.fa", "DNA")
    out = str(tmp_path / "run")
    fit = ["fit", pos, neg, "--model", "cnn", "--out", out, "--no-baselines"]
    fit += ["--set", "epochs=1", "--set", "n_filters=4"]
    assert run(fit) == 2
    err = capsys.readouterr().err
    assert "duplicate id" in err and 'id_from = "index" under [data]' in err
    assert not (tmp_path / "run").exists()
    config = tmp_path / "ids.toml"
    config.write_text('[data]\nid_from = "index"\n')
    assert run([*fit, "--config", str(config)]) == 0
    split = json.loads((tmp_path / "run" / "split.json").read_text())
    assert len(split["train"]) + len(split["test"]) == 40
    assert "nonprom:1" in split["train"] + split["test"]
    assert run(["evaluate", out, "--no-trust"]) == 0  # the run reads its data again


def test_consistency_help_offers_no_config_it_does_not_take(capsys):
    """'consistency --help' said --setting defaults to '--config's setting' and that
    [params] values override it; consistency has no --config option."""
    from attnscope.cli import run

    assert run(["consistency", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--setting" in text and "config" not in text
    assert run(["consistency", "x", "--out", "y", "--config", "c.toml"]) == 2  # not an option


def test_consistency_with_the_raindrop_setting_and_its_place_in_the_run_report(tmp_path, capsys):
    """'consistency --setting raindrop' (documented) failed: 'n_members=3: ... leave
    n_members at 1', a value the user never set. And a study written into a run
    (RUN/consistency) with other parameters than the run's model was shown in its report
    as if it were about that model."""
    from attnscope.cli import run

    sim = tmp_path / "sim"
    assert run(["simulate", "timeseries", "--out", str(sim), "--n-samples", "120"]) == 0
    out = tmp_path / "run"
    assert run(["fit", str(sim), "--model", "attn_lstm", "--setting", "raindrop", "--out",
                str(out), "--set", "epochs=1", "--no-baselines"]) == 0  # fmt: skip
    study = ["consistency", str(sim), "--model", "attn_lstm", "--seeds", "2", "--methods",
             "attention", "--n-explain", "6", "--set", "epochs=1"]  # fmt: skip
    assert run([*study, "--out", str(out / "consistency")]) == 0  # the defaults
    assert run(["report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="consistency-other-model"' in html and "(this run: 256)" in html
    capsys.readouterr()
    again = [*study, "--setting", "raindrop", "--out", str(out / "consistency"), "--force"]
    assert run(again) == 0
    assert "n_members=1" in capsys.readouterr().err  # said, not silent
    saved = json.loads((out / "consistency" / "consistency.json").read_text())
    assert saved["setting"] == "raindrop" and saved["params"]["n_members"] == 1
    assert saved["params"]["batch_size"] == 256
    assert run(["report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="consistency-lead"' in html and 'id="consistency-other-model"' not in html


def test_a_misspelt_attribution_method_names_the_closest_one():
    """'--method integrated_gradient' listed 23 names and left the user to spot the typo
    (a misspelt command or parameter already gets 'did you mean')."""
    from attnscope.errors import ConfigError
    from attnscope.explain import canonical_method

    with pytest.raises(ConfigError, match="did you mean 'integrated_gradients'"):
        canonical_method("integrated_gradient")
    with pytest.raises(ConfigError, match="unknown attribution method 'zzz'; choose from"):
        canonical_method("zzz")


def test_trust_row_of_per_base_contributions_says_why_it_is_not_scored(small_dna):
    """The default trust table of a DNA model ends with 'hypothetical_contributions:
    metrics not applicable: attributions have 404 features per sample, the model (101,).'"""
    from attnscope.estimators import CNNClassifier
    from attnscope.trust import trust_table

    model = CNNClassifier(epochs=1, n_filters=4, random_state=0).fit(small_dna)
    rows = trust_table(
        model, small_dna.subset(np.arange(12)), methods=["hypothetical_contributions"],
        n_samples=12, label_epochs=1,
    )  # fmt: skip
    status = rows[0]["status"]
    assert status.startswith("metrics not applicable")
    assert "240 values per sample" in status and "60 features" in status
    assert "hypothetical contributions" in status


def test_predict_marks_the_samples_the_run_trained_on(tmp_path, capsys):
    """'predict RUN' (the run's own data) wrote 267 predictions, 213 of them of training
    samples, with nothing to tell them apart from held-out ones."""
    from attnscope.cli import run

    sim = tmp_path / "sim"
    assert run(["simulate", "dna", "--out", str(sim), "--n-samples", "100"]) == 0
    out = tmp_path / "run"
    fit = ["fit", str(sim), "--model", "cnn", "--out", str(out), "--no-baselines"]
    assert run([*fit, "--set", "epochs=1", "--set", "n_filters=4"]) == 0
    capsys.readouterr()
    assert run(["predict", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: 80 of the 100 predicted samples were used to train" in err
    table = (out / "predictions.tsv").read_text().splitlines()
    assert table[0].split("\t")[-1] == "in_training"
    split = json.loads((out / "split.json").read_text())
    marked = {r.split("\t")[0] for r in table[1:] if r.split("\t")[-1] == "True"}
    assert marked == set(split["train"])


def test_demo_report_shows_the_demo_s_own_figure(tmp_path):
    """The demo checks the top-k attributed positions against the planted motifs, but wrote
    its report before summary.json, so the report's precision@k tile was never drawn."""
    from attnscope.cli._demo import run_demo

    summary = run_demo(tmp_path / "demo", n_samples=200, length=60, epochs=1)
    html = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    start = html.index('<section id="overview"')
    overview = html[start : html.index("</section>", start)]
    assert f"precision@{summary['k']} of the explanation" in overview
    assert summary["report"] == str(tmp_path / "demo" / "report.html")


def test_attribution_heat_map_keeps_every_sample_that_fits():
    """200 explained CTCF sequences (102 / 98 by class) were drawn as '198 of 200 samples':
    the per-class share of the 200-row limit dropped two although all of them fit."""
    from attnscope.explain import Attribution
    from attnscope.report._heat import attribution_heat

    rng = np.random.default_rng(0)
    attr = Attribution(
        values=rng.normal(size=(200, 30)),
        method="saliency",
        target=np.r_[np.zeros(102, int), np.ones(98, int)],
        sample_ids=np.array([f"s{i}" for i in range(200)]),
        inputs={"tokens": rng.integers(1, 5, (200, 30))},
    )
    html = attribution_heat("saliency", attr, ["bound", "unbound"])
    assert "(200 of 200 samples" in html


def test_gene_sets_are_for_expression_tables_not_silently_ignored(tmp_path, capsys):
    """A fusion run's report said 'No gene sets: ... explain RUN DATA --gene-sets FILE.gmt
    adds it', but explain read --gene-sets and ignored it for multi-omics data."""
    from attnscope.cli import run

    sim = tmp_path / "sim"
    assert run(["simulate", "multiomics", "--out", str(sim), "--n-samples", "80"]) == 0
    out = tmp_path / "run"
    fit = ["fit", str(sim), "--model", "fusion", "--out", str(out), "--no-baselines"]
    assert run([*fit, "--set", "epochs=1"]) == 0
    gmt = tmp_path / "sets.gmt"
    gmt.write_text("SET_A\tna\tg1\tg2\tg3\n")
    capsys.readouterr()
    explain = ["explain", str(out), "--method", "saliency"]
    assert run([*explain, "--gene-sets", str(gmt)]) == 2
    err = capsys.readouterr().err
    assert "expression tables" in err and "multiomics" in err
    assert not (out / "attributions").exists()  # nothing written
    assert run(explain) == 0
    assert run(["report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="no-gene-sets"' not in html
