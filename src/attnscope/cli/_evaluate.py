"""``attnscope predict`` and ``attnscope evaluate``: a fitted run applied to data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from attnscope.cli._common import console
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
    run_data,
    run_data_files,
)
from attnscope.cli._report import report_line

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``predict`` and ``evaluate`` commands to ``app``."""

    # --------------------------------------------------------------------------- predict
    @app.command()
    def predict(
        run: Annotated[Path, typer.Argument(help="Run directory written by 'attnscope fit'.")],
        data: DataArg = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output",
                "-o",
                help="File to write: .csv comma-separated; .tsv, .txt or .tab tab-separated.",
            ),
        ] = None,
        format_: FormatOpt = None,
        labels: LabelsOpt = None,
        label_col: LabelColOpt = None,
        names: NamesOpt = None,
        split: SplitOpt = None,
        modality: ModalityOpt = None,
        force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
    ) -> None:
        """Predict classes and probabilities for DATA; writes a TSV."""
        from attnscope.run._predict import predict_run, prediction_target

        req = request(
            data,
            format=format_,
            labels=labels,
            label_col=label_col,
            names=names,
            split=split,
            modalities=modality,
        )
        # before the data is read; never onto the data or its labels
        prediction_target(run, output, force=force, inputs=run_data_files(run, req))
        path, n = predict_run(run, run_data(run, req, labelled=False), output=output, force=force)
        console().print(f"wrote {n} predictions to {path}")

    # ------------------------------------------------------------------------------ evaluate
    @app.command()
    def evaluate(
        run: Annotated[Path, typer.Argument(help="Run directory written by 'attnscope fit'.")],
        data: DataArg = None,
        format_: FormatOpt = None,
        labels: LabelsOpt = None,
        label_col: LabelColOpt = None,
        names: NamesOpt = None,
        split: SplitOpt = None,
        class_: ClassOpt = None,
        modality: ModalityOpt = None,
        trust: Annotated[bool, typer.Option(help="Also compute the trust table.")] = True,
        methods: Annotated[
            str | None, typer.Option(help="Comma-separated attribution methods (trust table).")
        ] = None,
        n_samples: Annotated[int, typer.Option(help="Samples used for the trust table.")] = 200,
        all_samples: AllSamplesOpt = False,
        device: DeviceOpt = None,
        report: Annotated[bool, typer.Option(help="Also write report.html.")] = False,
        force: Annotated[
            bool, typer.Option(help="Replace an earlier evaluation and trust.json.")
        ] = False,
    ) -> None:
        """Predictive metrics (metrics.json), then explanation trust figures (trust.json).

        Only the samples the run did not train on are scored unless --all-samples.
        """
        from attnscope.cli._explain import trust_progress, trust_rows_table
        from attnscope.run import evaluate_run

        req = request(
            data,
            format=format_,
            labels=labels,
            label_col=label_col,
            names=names,
            split=split,
            classes=class_,
            modalities=modality,
        )
        dataset = run_data(run, req)
        given = None if methods is None else methods.split(",")  # "" is refused, not "all"
        chosen = None if given is None else [m.strip() for m in given if m.strip()]
        with trust_progress(run, chosen, enabled=trust) as progress:
            result = evaluate_run(
                run,
                dataset,
                trust=trust,
                n_samples=n_samples,
                methods=chosen,
                all_samples=all_samples,
                device=device,
                on_metrics=_print_metrics,
                progress=progress,
                force=force,
            )
        if result.get("trust"):
            console().print(trust_rows_table(result["trust"]))
        if report:
            report_line(run)


def _print_metrics(metrics: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="predictive metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        if isinstance(value, float):
            table.add_row(key, "n/a" if value != value else f"{value:.4f}")
    table.caption = str(metrics.get("scope", ""))
    console().print(table)
