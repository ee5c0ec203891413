"""The ``attnscope`` command line: one command per library call."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from attnscope import __version__
from attnscope.cli._common import console, parse_sets, read_config
from attnscope.errors import ConfigError, DataError

app = typer.Typer(
    name="attnscope",
    help="Train attention models on biomedical data, explain them, and measure trust.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_STATE = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"attnscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _STATE["debug"] = debug


# ---------------------------------------------------------------------------------- demo
@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Run directory to write.")] = Path("runs/demo"),
    n_samples: Annotated[int, typer.Option(help="Simulated sequences.")] = 2000,
    epochs: Annotated[int, typer.Option(help="Maximum training epochs.")] = 15,
    seed: Annotated[int, typer.Option(help="random_state for data and model.")] = 0,
    force: Annotated[bool, typer.Option(help="Overwrite an existing run directory.")] = False,
) -> None:
    """Simulate DNA with planted motifs, train a CNN, explain it and check the explanation."""
    from attnscope._demo import run_demo

    summary = run_demo(out, n_samples=n_samples, epochs=epochs, random_state=seed, force=force)
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="attnscope demo: simulated DNA with planted motifs")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in (
        "test_accuracy",
        "test_auroc",
        "precision_at_k",
        "random_precision_at_k",
        "k",
        "seconds",
    ):
        value = summary[key]
        table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
    con = console()
    con.print(table)
    con.print(f"run directory: {summary['out']}")
    if summary.get("report"):
        con.print(f"report: {summary['report']}")


# ------------------------------------------------------------------------------ simulate
@app.command()
def simulate(
    modality: Annotated[
        str, typer.Argument(help="dna, expression, genotypes, timeseries, multiomics")
    ],
    out: Annotated[Path, typer.Option(help="Directory to write data.npz and summary.json into.")],
    n_samples: Annotated[int | None, typer.Option(help="Number of samples.")] = None,
    seed: Annotated[int, typer.Option(help="random_state.")] = 0,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Simulator option key=value (repeatable).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite a non-empty output directory.")] = False,
) -> None:
    """Write a synthetic data set with its planted ground truth."""
    import attnscope.sim as sim
    from attnscope._utils.files import prepare_out_dir, write_json
    from attnscope.io import write_dataset

    simulators = getattr(sim, "SIMULATORS", {"dna": sim.simulate_dna})
    if modality not in simulators:
        raise ConfigError(f"unknown modality {modality!r}; choose from {sorted(simulators)}.")
    options = parse_sets(set_)
    if n_samples is not None:
        options["n_samples"] = n_samples
    try:
        data = simulators[modality](random_state=seed, **options)
    except TypeError as exc:
        raise ConfigError(f"bad simulator option for {modality!r}: {exc}.") from exc
    directory = prepare_out_dir(out, force=force)
    path = write_dataset(data, directory / "data.npz")
    write_json(directory / "summary.json", {**data.describe(), "options": options, "seed": seed})
    if modality == "dna":
        from attnscope.io import write_fasta

        write_fasta(
            directory / "sequences.fa",
            [f"{i}|{data.class_names[y]}" for i, y in zip(data.sample_ids, data.y)],
            data.sequences(),
        )
    console().print(f"wrote {path} ({data.describe()})")


# ----------------------------------------------------------------------------------- fit
@app.command()
def fit(
    data: Annotated[Path, typer.Argument(help="Data file or folder (format detected).")],
    model: Annotated[str | None, typer.Option(help="cnn, mlp, attngen, hain, hemera, ...")] = None,
    out: Annotated[Path, typer.Option(help="Run directory to write.")] = Path("runs/fit"),
    config: Annotated[
        Path | None, typer.Option(help="TOML config: model, [params], [data].")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Model parameter key=value (repeatable).")
    ] = None,
    format_: Annotated[str | None, typer.Option("--format", help="Force the data format.")] = None,
    labels: Annotated[Path | None, typer.Option(help="Labels file (id, label).")] = None,
    label_col: Annotated[str | None, typer.Option(help="Label column of a table.")] = None,
    gene_sets: Annotated[Path | None, typer.Option(help="GMT file of gene sets (HAIN).")] = None,
    pheno: Annotated[Path | None, typer.Option(help="Phenotype file (PLINK data).")] = None,
    pretrain_epochs: Annotated[int | None, typer.Option(help="MLM pre-training epochs.")] = None,
    test_size: Annotated[float, typer.Option(help="Held-out test share (0 = none).")] = 0.2,
    split: Annotated[
        str, typer.Option(help="random, or homology (DNA: near-duplicates on one side).")
    ] = "random",
    seed: Annotated[
        int | None, typer.Option(help="random_state (default from config or 0).")
    ] = None,
    report: Annotated[bool, typer.Option(help="Also write report.html.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing run directory.")] = False,
) -> None:
    """Train a model on DATA and write a run directory (model, config, metrics)."""
    from attnscope._run import fit_run

    cfg = read_config(config)
    params = {**cfg.get("params", {}), **parse_sets(set_)}
    if gene_sets is not None:
        params["gene_sets"] = str(gene_sets)
    if pretrain_epochs is not None:
        params["pretrain_epochs"] = pretrain_epochs
    if seed is not None:
        params["random_state"] = seed
    reader = dict(cfg.get("data", {}))
    for key, value in (("labels", labels), ("label_col", label_col), ("pheno", pheno)):
        if value is not None:
            reader[key] = str(value)
    name = model or cfg.get("model")
    if not name:
        raise ConfigError("no model given; pass --model NAME or set model = '...' in --config.")
    summary = fit_run(
        data,
        model=name,
        out=out,
        params=params,
        reader_options=reader,
        data_format=format_ or cfg.get("format"),
        test_size=test_size,
        split=split,
        force=force,
    )
    con = console()
    con.print(f"trained {name} on {summary['n_train']} samples in {summary['seconds']:.1f} s")
    for key, value in summary.get("test", {}).items():
        if isinstance(value, float):
            con.print(f"  test {key}: {value:.4f}")
    if report:
        _write_report(out)
    con.print(f"run directory: {out}")


def _write_report(run: Path) -> None:
    from attnscope._run import maybe_write_report

    path = maybe_write_report(run)
    if path is None:
        raise ConfigError("the HTML report is not available in this version.")
    console().print(f"report: {path}")


# ------------------------------------------------------------------------------- predict
@app.command()
def predict(
    run: Annotated[Path, typer.Argument(help="Run directory written by 'attnscope fit'.")],
    data: Annotated[Path, typer.Argument(help="Data to predict.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="TSV to write.")] = None,
    format_: Annotated[str | None, typer.Option("--format", help="Force the data format.")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
) -> None:
    """Predict classes and probabilities for DATA; writes a TSV."""
    from attnscope._run import predict_run

    path, n = predict_run(run, data, output=output, data_format=format_, force=force)
    console().print(f"wrote {n} predictions to {path}")


# ------------------------------------------------------------------------------ evaluate
@app.command()
def evaluate(
    run: Annotated[Path, typer.Argument(help="Run directory written by 'attnscope fit'.")],
    data: Annotated[Path, typer.Argument(help="Labelled data to evaluate on.")],
    format_: Annotated[str | None, typer.Option("--format", help="Force the data format.")] = None,
    trust: Annotated[bool, typer.Option(help="Also compute the explanation trust table.")] = True,
    methods: Annotated[
        str | None, typer.Option(help="Comma-separated attribution methods for the trust table.")
    ] = None,
    n_samples: Annotated[int, typer.Option(help="Samples used for the trust table.")] = 200,
    report: Annotated[bool, typer.Option(help="Also write report.html.")] = False,
) -> None:
    """Predictive metrics (metrics.json) and explanation trust figures (trust.json)."""
    from attnscope._run import evaluate_run

    result = evaluate_run(
        run,
        data,
        data_format=format_,
        trust=trust,
        n_samples=n_samples,
        methods=methods.split(",") if methods else None,
    )
    _print_evaluation(result)
    if report:
        _write_report(run)


def _print_evaluation(result: dict[str, Any]) -> None:
    from rich.table import Table

    con = console()
    metrics = result["metrics"]
    table = Table(title="predictive metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        if isinstance(value, float):
            table.add_row(key, f"{value:.4f}")
    con.print(table)
    rows = result.get("trust") or []
    if rows:
        from attnscope.cli._explain import trust_rows_table

        con.print(trust_rows_table(rows))


# ---------------------------------------------------------------------------- datasets
@app.command("datasets")
def datasets_cmd(
    action: Annotated[str, typer.Argument(help="list")] = "list",
) -> None:
    """List the public data sets attnscope can load (from $ATTNSCOPE_DATA or ../shared/data)."""
    if action != "list":
        raise ConfigError(
            f"unknown action {action!r}; only 'list' works offline (fetching needs network)."
        )
    import attnscope.datasets as ds

    listing = getattr(ds, "list_datasets", None)
    if listing is None:
        raise ConfigError("no data set loaders are installed in this version.")
    con = console()
    for item in listing():
        con.print("\t".join(str(item.get(k, "")) for k in ("name", "modality", "shape", "source")))


def _register_optional_commands() -> None:
    """Commands living in their own modules (explain/trust, consistency, report)."""
    import importlib

    for module in (
        "attnscope.cli._explain",
        "attnscope.cli._consistency",
        "attnscope.cli._report",
        "attnscope.cli._motifs",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        mod.register(app)


_register_optional_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning user errors into one line and exit status 2."""
    try:
        app(args=argv, standalone_mode=False)
    except (DataError, ConfigError) as exc:
        if _STATE["debug"]:
            raise
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Exception as exc:  # click usage errors and internal errors
        import click

        if isinstance(exc, click.exceptions.UsageError):
            exc.show()
            return 2
        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        if _STATE["debug"]:
            raise
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            err=True,
        )
        return 1
    return 0


def _entry() -> None:
    sys.exit(main())
