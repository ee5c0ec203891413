"""``attnscope explain`` and ``attnscope trust``: thin wrappers over the library calls."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from attnscope.cli._options import (
    ClassOpt,
    DataArg,
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


def _load(run: Path, req: Any) -> tuple[Any, Any]:
    from attnscope.cli._options import run_data
    from attnscope.estimators import BaseClassifier

    dataset = run_data(run, req)
    return BaseClassifier.load(run), dataset


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


def _write_manhattan(run: Path, est: Any, dataset: Any, attr: Any, name: str) -> Path:
    """Per-SNP importance over carriers as RUN/snp_importance_<method>.tsv and a Manhattan plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attnscope._utils.files import write_text, write_with
    from attnscope.explain import snp_importance
    from attnscope.pl import manhattan

    table = snp_importance(attr, dataset)
    write_text(Path(run) / f"snp_importance_{name}.tsv", table.to_csv(sep="\t", index=False))
    ax = manhattan(
        table["importance"].to_numpy(),
        table["chromosome"].to_numpy(),
        table["position"].to_numpy(),
        ylabel=f"{name} (signed mean over carriers)",
    )
    path = Path(run) / "plots" / f"manhattan_{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_with(path, lambda tmp: ax.figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(ax.figure)
    return path


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
        force: Annotated[
            bool, typer.Option(help="Overwrite an existing attribution file.")
        ] = False,
    ) -> None:
        """Attribute every prediction and write RUN/attributions/<method>.npz."""
        import numpy as np
        from rich.table import Table

        from attnscope.cli._common import console
        from attnscope.cli._ui import spinner
        from attnscope.errors import ConfigError
        from attnscope.explain import attribute, canonical_method, feature_importance

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
        est, dataset = _load(run, req)
        name = canonical_method(method, est)
        out = Path(run) / "attributions" / f"{name}.npz"
        if out.exists() and not force:
            raise ConfigError(f"{out} exists; pass --force to overwrite it.")
        dataset = est.as_dataset(dataset)
        if n_samples is not None:
            if n_samples < 1:
                raise ConfigError(f"--n-samples must be positive, got {n_samples}.")
            dataset = dataset.subset(np.arange(min(n_samples, len(dataset))))
        with spinner(f"{name} on {len(dataset)} samples"):
            attr = attribute(est, dataset, method=name)
        out.parent.mkdir(parents=True, exist_ok=True)
        attr.save(out)
        imp = feature_importance(attr).reshape(-1)
        labels_ = (
            np.asarray(attr.feature_names).reshape(-1)
            if attr.feature_names is not None and np.asarray(attr.feature_names).size == imp.size
            else np.arange(imp.size).astype(str)
        )
        table = Table(title=f"{name}: top features by mean |attribution|")
        table.add_column("rank", justify="right")
        table.add_column("feature")
        table.add_column("mean |a|", justify="right")
        for r, j in enumerate(np.argsort(-imp, kind="stable")[:top], start=1):
            table.add_row(str(r), str(labels_[j]), f"{imp[j]:.4g}")
        con = console()
        con.print(table)
        con.print(f"{attr.n_samples} samples in {attr.seconds:.1f} s; wrote {out}")
        if getattr(dataset, "snp_ids", None) is not None:
            con.print(f"wrote {_write_manhattan(run, est, dataset, attr, name)}")

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
        force: Annotated[bool, typer.Option(help="Overwrite an existing trust.json.")] = False,
    ) -> None:
        """Trust table (faithfulness, sanity, stability, truth recovery) -> RUN/trust.json."""
        from attnscope._utils.files import write_json
        from attnscope.cli._common import console
        from attnscope.errors import ConfigError
        from attnscope.trust import trust_table

        out = Path(run) / "trust.json"
        if out.exists() and not force:
            raise ConfigError(f"{out} exists; pass --force to overwrite it.")
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
        est, dataset = _load(run, req)
        chosen = [m.strip() for m in methods.split(",") if m.strip()] if methods else None
        with trust_progress(est, chosen) as progress:
            rows = trust_table(
                est,
                dataset,
                methods=chosen,
                n_samples=n_samples,
                random_state=seed,
                progress=progress,
            )
        write_json(out, {"n_samples": n_samples, "random_state": seed, "rows": rows})
        con = console()
        con.print(trust_rows_table(rows))
        con.print(f"wrote {out}")
