"""Named settings: each is what its benchmark ran, and fit takes it by name."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from attnscope.errors import ConfigError
from attnscope.estimators import SETTINGS, make_estimator, setting_params

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def _results(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("model", "setting", "recorded"),
    [
        ("hemera", "paper", lambda: _results("genotype_protocol")["hemera_configs"]["paper"]),
        ("hemera", "gated", lambda: _results("genotype_protocol")["hemera_configs"]["gated"]),
        ("fusion", "paper", lambda: _results("fusion")["settings"]["fusion_paper_params"]),
        (
            "fusion",
            "attention",
            lambda: _results("fusion")["settings"]["fusion_attn_selection"]["params"],
        ),
    ],
)
def test_each_setting_is_what_its_benchmark_recorded(model, setting, recorded):
    """The command line's --setting and the published row ran the same parameters."""
    assert setting_params(model, setting) == recorded()


def test_the_gated_setting_is_the_validation_choice_of_the_protocol():
    validation = _results("genotype_protocol")["validation"]["grid"]
    best = max(validation, key=lambda row: row["val_auroc"])
    gated = setting_params("hemera", "gated")
    assert {k: gated[k] for k in ("gate_l1", "gate_lr", "init_C")} == {
        k: best[k] for k in ("gate_l1", "gate_lr", "init_C")
    }


def test_every_setting_builds_its_estimator_with_those_values():
    for model, named in SETTINGS.items():
        for name, setting in named.items():
            params = make_estimator(model, setting=name).get_params()
            assert {k: params[k] for k in setting.params} == dict(setting.params), (model, name)


def test_user_values_win_over_the_setting_and_the_setting_is_a_copy():
    est = make_estimator("hemera", {"epochs": 2}, setting="gated")
    assert est.epochs == 2 and est.snp_gate is True and est.init_C == 0.1
    setting_params("hemera", "gated")["epochs"] = 99
    assert SETTINGS["hemera"]["gated"].params["epochs"] == 8


def test_defaults_is_every_models_setting():
    assert (
        make_estimator("cnn", setting="defaults").get_params() == make_estimator("cnn").get_params()
    )


@pytest.mark.parametrize(
    ("model", "listed"), [("hemera", "defaults, paper, gated"), ("cnn", "defaults")]
)
def test_an_unknown_setting_lists_the_models_settings(model, listed):
    with pytest.raises(ConfigError, match=listed):
        make_estimator(model, setting="fast")


def _cohort(tmp_path: Path, seed: int = 3) -> Path:
    """A PLINK .raw table of 30 people x 6 SNPs with a binary phenotype."""
    cells = np.random.default_rng(seed).integers(0, 3, size=(30, 6))
    lines = ["FID IID PAT MAT SEX PHENOTYPE " + " ".join(f"rs{j}_A" for j in range(6))]
    lines += [
        f"f{i} s{i} 0 0 0 {1 + i % 2} " + " ".join(map(str, row)) for i, row in enumerate(cells)
    ]
    raw = tmp_path / "cohort.raw"
    raw.write_text("\n".join(lines) + "\n")
    return raw


SMALL = ["--set", "epochs=1", "--set", "dim=4", "--set", "k=4", "--no-baselines", "-q"]


def test_fit_records_the_setting_and_its_values(tmp_path, capsys):
    from attnscope.cli import run

    raw = _cohort(tmp_path)
    out = tmp_path / "run"
    argv = ["fit", str(raw), "--model", "hemera", "--setting", "gated", "--out", str(out)]
    argv += ["--set", "epochs=1", "--set", "dim=4", "--set", "k=4", "--no-baselines", "-q"]
    assert run(argv) == 0, capsys.readouterr().err
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["setting"] == "gated"
    assert config["params"]["snp_gate"] is True and config["params"]["init_C"] == 0.1
    assert config["params"]["epochs"] == 1  # --set wins
    assert json.loads((out / "metrics.json").read_text())["setting"] == "gated"


def test_fit_refuses_an_unknown_setting_before_reading_data(tmp_path, capsys):
    from _hostile import one_error
    from attnscope.cli import run

    out = tmp_path / "run"
    code = run(
        [
            "fit",
            str(tmp_path / "absent.fa"),
            "--model",
            "cnn",
            "--setting",
            "gated",
            "--out",
            str(out),
        ]
    )
    line = one_error(code, capsys.readouterr().err, out)
    assert "no setting 'gated'" in line and "defaults" in line


def test_a_model_that_does_not_earn_its_place_names_its_other_settings():
    from attnscope.cli._settings import settings_hint

    lines = settings_hint("hemera", "paper", {"earns_place": False})
    assert any(line.strip().startswith("gated:") for line in lines)
    assert not any(line.strip().startswith("paper:") for line in lines)
    assert settings_hint("hemera", None, {"earns_place": True}) == []
    assert settings_hint("hemera", None, {}) == []  # runs written before the flag
    assert settings_hint("cnn", None, {"earns_place": False}) == []


def test_the_cli_guide_lists_every_setting():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    for model, named in SETTINGS.items():
        for name in named:
            assert f"| `{model}` | `{name}` |" in guide, (model, name)


def test_the_hain_benchmark_trains_hain_with_its_defaults_or_the_long_setting():
    import sys

    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        from _hain_models import HAIN_GRID, hain
    finally:
        sys.path.remove(bench)
    from attnscope.estimators import HAINClassifier

    ran = hain(None, quick=False, seed=0).get_params()
    assert ran == HAINClassifier(random_state=0).get_params()
    assert HAIN_GRID == {"default": {}, "200_epochs_no_early_stop": setting_params("hain", "long")}


def test_the_report_names_the_setting_and_the_others_after_a_losing_verdict():
    from types import SimpleNamespace

    from attnscope.report._sections import _settings_note

    lost = SimpleNamespace(model_name="hemera", metrics={"setting": "paper", "earns_place": False})
    html = _settings_note(lost)  # type: ignore[arg-type]
    assert "Setting: <b>paper</b>" in html and "<b>gated</b>" in html
    assert "<li><b>paper</b>" not in html
    won = SimpleNamespace(model_name="hemera", metrics={"earns_place": True})
    assert _settings_note(won) == ""  # type: ignore[arg-type]


def test_a_run_remade_from_its_config_keeps_a_none_over_the_setting(tmp_path, capsys):
    """TOML has no null: init_C=None over the gated setting's 0.1 must survive config.toml."""
    from attnscope.cli import run

    raw = _cohort(tmp_path, seed=4)
    first, again = tmp_path / "run", tmp_path / "again"
    argv = ["fit", str(raw), "--model", "hemera", "--setting", "gated", "--out", str(first)]
    assert run([*argv, "--set", "init_C=none", *SMALL]) == 0, capsys.readouterr().err
    config = first / "config.toml"
    assert tomllib.loads(config.read_text())["params"]["init_C"] == "none"
    assert run(["fit", "--config", str(config), "--out", str(again), "-q"]) == 0
    params = tomllib.loads((again / "config.toml").read_text())["params"]
    assert params["init_C"] == "none" and params["snp_gate"] is True and params["epochs"] == 1
    from attnscope.estimators import HEMERAClassifier

    remade = HEMERAClassifier.load(again)
    assert remade.init_C is None and remade.snp_gate is True


def test_a_user_config_names_a_setting_and_its_params_win(tmp_path, capsys):
    from attnscope.cli import run

    raw = _cohort(tmp_path)
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('model = "hemera"\nsetting = "gated"\n[params]\nepochs = 1\ndim = 4\nk = 4\n')
    out = tmp_path / "run"
    assert (
        run(["fit", str(raw), "--config", str(cfg), "--out", str(out), "--no-baselines", "-q"]) == 0
    )
    config = tomllib.loads((out / "config.toml").read_text())
    assert config["setting"] == "gated" and config["params"]["snp_gate"] is True
    assert config["params"]["epochs"] == 1 and config["params"]["batch_size"] == 64


def test_a_runs_config_with_another_setting_trains_that_setting(tmp_path, capsys):
    """A run's config.toml holds every value of its run; a new --setting must still apply,
    with the run's own changes (epochs, dim, k) kept."""
    from attnscope.cli import run

    raw = _cohort(tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    argv = ["fit", str(raw), "--model", "hemera", "--setting", "gated", "--out", str(first)]
    assert run([*argv, "--set", "pretrain_epochs=0", *SMALL]) == 0, capsys.readouterr().err
    config = first / "config.toml"
    argv = ["fit", "--config", str(config), "--setting", "paper", "--out", str(second), "-q"]
    assert run([*argv, "--set", "pretrain_epochs=0"]) == 0, capsys.readouterr().err
    params = tomllib.loads((second / "config.toml").read_text())["params"]
    assert params["snp_gate"] is False and params["init_C"] == "none"
    assert params["batch_size"] == 32 and params["proj_l1"] == 1e-4  # the paper setting
    assert (params["epochs"], params["dim"], params["k"]) == (1, 4, 4)  # the run's own


@pytest.mark.parametrize(
    ("top", "phrase"),
    [
        ('setting = "fast"', "cfg.toml: setting = 'fast'"),
        ("setting = 3", "setting must be a string"),
        ('settings = "gated"', "did you mean 'setting'"),
        ('[params]\nsetting = "gated"', "--setting NAME"),
    ],
)
def test_a_bad_setting_in_a_config_is_one_error_naming_it(tmp_path, capsys, top, phrase):
    from _hostile import one_error
    from attnscope.cli import run

    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f'model = "hemera"\n{top}\n')
    out = tmp_path / "run"
    code = run(["fit", str(_cohort(tmp_path)), "--config", str(cfg), "--out", str(out)])
    assert phrase in one_error(code, capsys.readouterr().err, out)


def test_an_error_about_a_value_the_setting_supplied_says_where_it_came_from(tmp_path, capsys):
    from _hostile import one_error
    from attnscope.cli import run

    out = tmp_path / "run"
    argv = ["fit", str(_cohort(tmp_path)), "--model", "hemera", "--setting", "gated"]
    code = run([*argv, "--set", "pretrain_epochs=1", "--out", str(out), *SMALL])
    line = one_error(code, capsys.readouterr().err, out)
    assert "init_C=0.1 comes from --setting gated" in line and "--set init_C=" in line


def test_earns_place_is_the_verdicts_rule_and_none_without_a_comparison():
    from attnscope.run._baselines import earns_place

    base = {"lr": {"auroc": 0.90}, "rf": {"auroc": float("nan")}}
    assert earns_place(0.92, base, 0.01) is True
    assert earns_place(0.905, base, 0.01) is False  # within the margin
    assert earns_place(float("nan"), base, 0.01) is None
    assert earns_place(0.95, {"rf": {"auroc": float("nan")}}, 0.01) is None


def test_hain_defaults_are_the_values_its_figures_were_measured_with():
    """The HAIN figures of docs/benchmarks.md (409bfbc, b9e34f2, f0f7b3f) ran these values;
    a change of the defaults must come with a re-run."""
    from attnscope.estimators import HAINClassifier

    params = HAINClassifier().get_params()
    measured = {"n_heads": 4, "batch_size": 32, "dim": 32, "epochs": 100, "patience": 20}
    assert {k: params[k] for k in measured} == measured


def test_settings_are_read_only():
    with pytest.raises(TypeError):
        SETTINGS["hemera"]["gated"].params["epochs"] = 1  # type: ignore[index]


def test_a_seed_study_takes_a_setting_and_records_it(tmp_path, capsys):
    from attnscope.cli import run

    sim = tmp_path / "sim"
    assert run(["simulate", "expression", "--out", str(sim), "--n-samples", "60", "-q"]) == 0
    study = tmp_path / "study"
    argv = ["consistency", str(sim), "--model", "hain", "--setting", "long", "--seeds", "2"]
    argv += ["--set", "epochs=1", "--set", "dim=8", "--set", "n_heads=2", "--methods", "saliency"]
    assert run([*argv, "--out", str(study), "-q"]) == 0, capsys.readouterr().err
    summary = json.loads((study / "consistency.json").read_text())
    assert summary["setting"] == "long"
    assert (summary["params"]["patience"], summary["params"]["epochs"]) == (200, 1)


def test_the_raindrop_setting_is_the_benchmarks_final_choice():
    results = _results("physionet_raindrop")
    chosen = results["selection_rounds"][-1]["chosen"]
    row = next(
        r for r in results["rows"] if r["variant"] == f"attn_lstm ({chosen}, 3-seed ensemble)"
    )
    assert setting_params("attn_lstm", "raindrop") == {**row["params"], "n_members": 3}


def test_fit_help_shows_the_settings_and_the_defaults_written_in_brackets(capsys, monkeypatch):
    """Square brackets in a help text are rich markup: '[params]' and '[default: 0.2, ...]'
    vanished from fit --help until they were escaped."""
    from attnscope.cli import run

    monkeypatch.setenv("COLUMNS", "400")
    run(["fit", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "attn_lstm: raindrop" in text and "--set and [params] values override it" in text
    assert "[default: 0.2, or --config's]" in text and "[default: random, or --config's]" in text


def test_hemera_defaults_are_its_benchmarked_paper_setting():
    """fit --model hemera trains what the genotype benchmarks call hemera_paper."""
    params = make_estimator("hemera").get_params()
    assert {k: params[k] for k in setting_params("hemera", "paper")} == setting_params(
        "hemera", "paper"
    )
