"""``attnscope consistency``: train N seed variants and compare their explanations."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from attnscope.cli._options import FormatOpt, LabelColOpt, LabelsOpt
from attnscope.cli._settings import setting_help

__all__ = ["register", "write_consistency"]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def write_consistency(result: dict[str, Any], out: Path, *, plots: bool = True) -> list[Path]:
    """Write ``consistency.json``, ``per_sample.tsv`` and ``plots/*.png`` into ``out``.

    ``attnscope report`` draws the study from the first two (interactive views).

    Parameters
    ----------
    result : dict
        Output of :func:`attnscope.run._consistency.run_consistency`.
    out : Path
        An existing directory.
    plots : bool, default True
        Also write the static PNGs (matplotlib).

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attnscope._utils.files import write_json, write_text
    from attnscope.pl._consistency import consistency_distribution, consistency_overview

    # per_sample.tsv holds the per-sample figures; the variants' test probabilities stay out
    arrays = ("per_sample", "sample_ids", "target", "proba")
    summary = {k: v for k, v in result.items() if k not in arrays}
    written = [write_json(out / "consistency.json", _jsonable(summary))]
    cols = ["sample_id", "target"]
    columns: list[np.ndarray] = [np.asarray(result["sample_ids"]), np.asarray(result["target"])]
    for method, metrics in result["per_sample"].items():
        for metric, values in metrics.items():
            cols.append(f"{method}.{metric}")
            columns.append(np.asarray(values))
    lines = ["\t".join(cols)]
    for i in range(len(columns[0])):
        cells = [str(columns[0][i]), str(columns[1][i])]
        cells += [f"{float(c[i]):.6g}" for c in columns[2:]]
        lines.append("\t".join(cells))
    written.append(write_text(out / "per_sample.tsv", "\n".join(lines) + "\n"))
    if not plots:
        return written
    folder = out / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    fig = consistency_overview(result)
    fig.savefig(folder / "overview.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    written.append(folder / "overview.png")
    for metric in ("spearman", "kendall", "jaccard", "top_agreement", "cv_top"):
        ax = consistency_distribution(result["per_sample"], metric=metric)
        ax.figure.savefig(folder / f"{metric}.png", dpi=110, bbox_inches="tight")
        plt.close(ax.figure)
        written.append(folder / f"{metric}.png")
    return written


def register(app: typer.Typer) -> None:
    """Add the ``consistency`` command to ``app``."""

    @app.command()
    def consistency(
        data: Annotated[Path, typer.Argument(help="Labelled data file or folder.")],
        out: Annotated[Path, typer.Option(help="Directory to write the study into.")],
        model: Annotated[str, typer.Option(help="Registered model name.")] = "attn_lstm",
        seeds: Annotated[int, typer.Option(help="Number of seed variants N.")] = 100,
        methods: Annotated[
            str, typer.Option(help="Comma-separated attribution methods.")
        ] = "attention,input_x_gradient,integrated_gradients",
        top_k: Annotated[int, typer.Option("--top-k", help="Top cells compared.")] = 10,
        n_explain: Annotated[
            int | None, typer.Option(help="Explain this many test samples (default all).")
        ] = None,
        ig_steps: Annotated[int, typer.Option(help="Integrated-gradients steps.")] = 16,
        set_: Annotated[
            list[str] | None,
            typer.Option("--set", help="Model parameter key=value (repeatable), e.g. epochs=10."),
        ] = None,
        setting: Annotated[str | None, typer.Option(help=setting_help(config=False))] = None,
        format_: FormatOpt = None,
        labels: LabelsOpt = None,
        label_col: LabelColOpt = None,
        seed: Annotated[int, typer.Option(help="First seed; variants use seed..seed+N-1.")] = 0,
        batched: Annotated[
            bool | None,
            typer.Option(
                help="Train attn_lstm variants as one batched ensemble (the default for "
                "attn_lstm; an error for a model without one); --no-batched: one by one."
            ),
        ] = None,
        jobs: Annotated[int, typer.Option(help="Processes for the generic path.")] = 1,
        engine: Annotated[
            str, typer.Option(help="'local', or 'ray': chunks of variants on Ray workers.")
        ] = "local",
        address: Annotated[
            str | None,
            typer.Option(help="Ray cluster to join with --engine ray (default a local Ray)."),
        ] = None,
        read: Annotated[
            list[str] | None,
            typer.Option(
                "--read",
                help="Reader option key=value (repeatable), e.g. task=severity for PhysioNet.",
            ),
        ] = None,
        force: Annotated[bool, typer.Option(help="Overwrite a non-empty --out.")] = False,
    ) -> None:
        """Train N variants differing only in seed; compare their per-sample explanations."""
        from rich.table import Table

        from attnscope._utils.files import atomic_dir, check_out_dir
        from attnscope._utils.random import check_seed
        from attnscope.cli._common import console, parse_sets
        from attnscope.cli._data import load_request
        from attnscope.cli._options import request
        from attnscope.errors import ConfigError
        from attnscope.run._consistency import (
            CLI_OPTIONS,
            CONSISTENCY_METRICS,
            run_consistency,
        )

        check_seed(seed, "--seed")
        chosen = [m.strip() for m in methods.split(",") if m.strip()]
        if not chosen:
            raise ConfigError("--methods is empty; give e.g. attention,integrated_gradients.")
        if address is not None and engine != "ray":
            raise ConfigError("--address joins a Ray cluster; add --engine ray.")
        inputs = [data, labels]  # --force never replaces the data's own folder
        check_out_dir(out, force, inputs)  # a file, a non-empty folder, a read-only place
        from attnscope.cli._settings import checked_setting, setting_source
        from attnscope.errors import AttnscopeWarning
        from attnscope.estimators import make_estimator, setting_params

        setting = checked_setting(model, setting, {}, None)
        # the variants train with the setting under --set (recorded in consistency.json)
        sets = parse_sets(set_)
        supplied = setting_params(model, setting) if setting else {}
        params = {**supplied, **sets}
        members = supplied.get("n_members", 1)
        if members != 1 and "n_members" not in sets:  # raindrop: a 3-seed ensemble
            warnings.warn(
                f"--setting {setting} trains a {members}-seed ensemble (n_members={members}); "
                "the variants of a seed study are single models, so each trains with "
                "n_members=1 and the setting's other values.",
                AttnscopeWarning,
                stacklevel=2,
            )
            params["n_members"] = 1
        try:
            make_estimator(model, params)  # names, types, ranges and device, up front
        except ConfigError as exc:  # a value the setting supplied: say so, and how to override
            raise setting_source(exc, model, setting, sets) from exc
        req = request([data], format=format_, labels=labels, label_col=label_col)
        req.options.update(parse_sets(read))
        dataset = load_request(req)
        result = run_consistency(
            dataset,
            model=model,
            n_variants=seeds,
            methods=chosen,
            params=params,
            top_k=top_k,
            n_explain=n_explain,
            ig_steps=ig_steps,
            random_state=seed,
            batched=batched,
            n_jobs=jobs,
            engine=engine,
            address=address,
            option_names=CLI_OPTIONS,
        )
        result["setting"] = setting
        with atomic_dir(out, force=force, inputs=inputs) as building:  # whole, or not at all
            write_consistency(result, building)
        directory = out
        pred = result["predictive"]
        table = Table(title=f"{model}: consistency across {seeds} seed variants")
        table.add_column("method")
        for metric in CONSISTENCY_METRICS:
            table.add_column(metric, justify="right")
        for method, metrics in result["summary"].items():
            table.add_row(method, *(f"{metrics[m]['mean']:.3f}" for m in CONSISTENCY_METRICS))
        con = console()
        con.print(table)
        t = result["timing"]
        con.print(
            f"AUROC {pred['auroc_mean']:.3f} ± {pred['auroc_std']:.3f} over variants "
            f"({pred['ensemble_auroc']:.3f} as one {seeds}-seed ensemble); "
            f"training {t['per_variant_seconds']:.2f} s per variant"
            + (f" vs {t['standalone_seconds']:.2f} s standalone" if t["standalone_seconds"] else "")
        )
        con.print(f"wrote {directory}")
