"""``attnscope explain`` and ``attnscope trust``: thin wrappers over the library calls."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from attnscope.cli._options import (
    AllSamplesOpt,
    ClassOpt,
    DataArg,
    DeviceOpt,
    FormatOpt,
    LabelColOpt,
    LabelsOpt,
    ModalityOpt,
    NamesOpt,
    SplitOpt,
    request,
)

__all__ = ["register", "trust_progress", "trust_rows_table"]

_TRUST_SHOWN = (
    "method",
    "n_samples",
    "deletion_auc",
    "insertion_auc",
    "sanity_corr",
    "sanity_pass",
    "noise_sensitivity",
    "precision_at_k",
    "auroc",
    "seconds_per_sample",
)


@contextmanager
def trust_progress(
    run: Path | Any, methods: list[str] | None, *, enabled: bool = True
) -> Iterator[Any]:
    """A progress bar over the trust table's methods; yields ``trust_table``'s callback."""
    if not enabled:
        yield None
        return
    from attnscope.cli._ui import progress_bar
    from attnscope.estimators import BaseClassifier
    from attnscope.explain import available_methods
    from attnscope.trust import TRUST_METHODS

    if methods is None:
        est = BaseClassifier.load(run) if isinstance(run, (str, Path)) else run
        methods = [*TRUST_METHODS, *(m for m in available_methods(est) if m not in TRUST_METHODS)]
    with progress_bar("trust table", len(methods)) as advance:
        yield lambda name, row: advance(name)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "pass" if value else "FAIL"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.3f}"
    return "-" if value is None else str(value)


def trust_rows_table(rows: list[dict[str, Any]], *, title: str = "explanation trust") -> Any:
    """A rich Table of trust-table rows (methods not applicable are listed at the end)."""
    from rich.table import Table

    table = Table(title=title)
    for col in _TRUST_SHOWN:
        table.add_column(col, justify="left" if col == "method" else "right")
    skipped = []
    for row in rows:
        if row.get("status", "ok") != "ok":
            skipped.append(row["method"])
            continue
        table.add_row(*(_fmt(row.get(c)) for c in _TRUST_SHOWN))
    if skipped:
        table.caption = "not applicable to this model: " + ", ".join(skipped)
    return table


def register(app: typer.Typer) -> None:
    """Add the ``explain`` and ``trust`` commands to ``app``."""

    @app.command()
    def explain(
        run: Annotated[Path, typer.Argument(help="Run directory written by 'attnscope fit'.")],
        data: DataArg = None,
        method: Annotated[str, typer.Option(help="Attribution method (e.g. ig, saliency).")] = (
            "integrated_gradients"
        ),
        format: FormatOpt = None,
        labels: LabelsOpt = None,
        label_col: LabelColOpt = None,
        names: NamesOpt = None,
        split: SplitOpt = None,
        class_: ClassOpt = None,
        modality: ModalityOpt = None,
        n_samples: Annotated[
            int | None, typer.Option(help="Explain only the first N samples.")
        ] = None,
        top: Annotated[int, typer.Option(help="Top features to print.")] = 10,
        all_samples: AllSamplesOpt = False,
        device: DeviceOpt = None,
        force: Annotated[
            bool, typer.Option(help="Overwrite an existing attribution file.")
        ] = False,
        gene_sets: Annotated[
            str | None,
            typer.Option(
                help="GMT file for the enrichment of the top genes (table data); default "
                "MSigDB Hallmark from the shared data when present; 'none' skips it."
            ),
        ] = None,
    ) -> None:
        """Attribute the held-out predictions and write RUN/attributions/<method>.npz."""
        import numpy as np
        from rich.table import Table

        from attnscope.cli._common import console
        from attnscope.cli._options import run_data
        from attnscope.cli._ui import spinner
        from attnscope.errors import ConfigError
        from attnscope.explain import feature_importance
        from attnscope.run import explain_run

        if top < 0:  # [:-1] printed all features but the last
            raise ConfigError(f"--top must be 0 or more (0 prints no table), got {top}.")
        req = request(
            data,
            format=format,
            labels=labels,
            label_col=label_col,
            names=names,
            split=split,
            classes=class_,
            modalities=modality,
        )
        dataset = run_data(run, req, labelled=False)  # explaining needs no labels
        with spinner(f"{method} on {run}"):
            attr, written = explain_run(
                run,
                dataset,
                method=method,
                n_samples=n_samples,
                all_samples=all_samples,
                device=device,
                force=force,
                gene_sets=gene_sets,
            )
        imp = feature_importance(attr).reshape(-1)
        labels_ = (
            np.asarray(attr.feature_names).reshape(-1)
            if attr.feature_names is not None and np.asarray(attr.feature_names).size == imp.size
            else np.arange(imp.size).astype(str)
        )
        table = Table(title=f"{attr.method}: top features by mean |attribution|")
        table.add_column("rank", justify="right")
        table.add_column("feature")
        table.add_column("mean |a|", justify="right")
        for r, j in enumerate(np.argsort(-imp, kind="stable")[:top], start=1):
            table.add_row(str(r), str(labels_[j]), f"{imp[j]:.4g}")
        con = console()
        if top:
            con.print(table)
        con.print(f"{attr.meta['scope']}; explained in {attr.seconds:.1f} s")
        for path in written:
            con.print(f"wrote {path}")

    @app.command()
    def trust(
        run: Annotated[Path, typer.Argument(help="Run directory written by 'attnscope fit'.")],
        data: DataArg = None,
        methods: Annotated[
            str | None, typer.Option(help="Comma-separated methods (default: all).")
        ] = None,
        format: FormatOpt = None,
        labels: LabelsOpt = None,
        label_col: LabelColOpt = None,
        names: NamesOpt = None,
        split: SplitOpt = None,
        class_: ClassOpt = None,
        modality: ModalityOpt = None,
        n_samples: Annotated[int, typer.Option(help="Samples explained per method.")] = 200,
        seed: Annotated[int, typer.Option(help="random_state.")] = 0,
        all_samples: AllSamplesOpt = False,
        device: DeviceOpt = None,
        force: Annotated[bool, typer.Option(help="Overwrite an existing trust.json.")] = False,
    ) -> None:
        """Trust table (faithfulness, sanity, stability, truth recovery) -> RUN/trust.json."""
        from attnscope._utils.random import check_seed
        from attnscope.cli._common import console
        from attnscope.cli._options import run_data
        from attnscope.run import trust_run

        check_seed(seed, "--seed")
        req = request(
            data,
            format=format,
            labels=labels,
            label_col=label_col,
            names=names,
            split=split,
            classes=class_,
            modalities=modality,
        )
        dataset = run_data(run, req)
        chosen = (
            [m.strip() for m in methods.split(",") if m.strip()] if methods is not None else None
        )
        with trust_progress(run, chosen) as progress:
            result = trust_run(
                run,
                dataset,
                methods=chosen,
                n_samples=n_samples,
                all_samples=all_samples,
                random_state=seed,
                device=device,
                force=force,
                progress=progress,
            )
        con = console()
        con.print(trust_rows_table(result["rows"]))
        con.print(f"{result['scope']}; wrote {Path(run) / 'trust.json'}")
