"""The ``attnscope`` command line: one command per library call."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from attnscope import __version__
from attnscope.cli._common import (
    console,
    parse_sets,
    print_fit_summary,
    read_config,
    simulator_options,
)
from attnscope.cli._options import (
    ClassOpt,
    DeviceOpt,
    FitDataArg,
    FormatOpt,
    LabelColOpt,
    LabelsOpt,
    ModalityOpt,
    NamesOpt,
    PhenoOpt,
    SplitOpt,
    request,
)
from attnscope.cli._settings import (
    SETTING_HELP,
    checked_setting,
    own_params,
    setting_source,
)
from attnscope.cli._warnings import install as install_warning_lines
from attnscope.errors import ConfigError

app = typer.Typer(
    name="attnscope",
    help="Train attention models on biomedical data, explain them, and measure trust.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"attnscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an error (anywhere on the line).")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print each step on stderr (anywhere).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress and no output but errors (anywhere).")
    ] = False,
) -> None:
    """Global options; :func:`attnscope.cli._ui.run_app` reads them before parsing."""


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
    from attnscope._utils.random import check_seed
    from attnscope.cli._demo import run_demo

    check_seed(seed, "--seed")
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
    from attnscope._utils.random import check_seed
    from attnscope.io import write_dataset

    simulators = getattr(sim, "SIMULATORS", {"dna": sim.simulate_dna})
    if modality not in simulators:
        raise ConfigError(f"unknown modality {modality!r}; choose from {sorted(simulators)}.")
    options = simulator_options(simulators[modality], modality, parse_sets(set_))
    if n_samples is not None:
        if n_samples < 2:  # the simulator's own message names its parameter
            raise ConfigError(f"--n-samples must be at least 2 (a class each), got {n_samples}.")
        options["n_samples"] = n_samples
    check_seed(seed, "--seed")
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
    data: FitDataArg = None,
    model: Annotated[str | None, typer.Option(help="cnn, mlp, attngen, hain, hemera, ...")] = None,
    out: Annotated[Path, typer.Option(help="Run directory to write.")] = Path("runs/fit"),
    config: Annotated[
        Path | None,
        typer.Option(help="TOML config: model = NAME, \\[params] and \\[data] tables."),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Model parameter key=value (repeatable).")
    ] = None,
    setting: Annotated[str | None, typer.Option(help=SETTING_HELP)] = None,
    format_: FormatOpt = None,
    labels: LabelsOpt = None,
    pheno: PhenoOpt = None,
    label_col: LabelColOpt = None,
    names: NamesOpt = None,
    split: SplitOpt = None,
    class_: ClassOpt = None,
    modality: ModalityOpt = None,
    gene_sets: Annotated[Path | None, typer.Option(help="GMT file of gene sets (HAIN).")] = None,
    pretrain_epochs: Annotated[int | None, typer.Option(help="MLM pre-training epochs.")] = None,
    test_size: Annotated[
        float | None,
        typer.Option(help="Held-out test share (0 = none). \\[default: 0.2, or --config's]"),
    ] = None,
    test_split: Annotated[
        str | None,
        typer.Option(
            "--test-split",
            help="random, or homology (DNA: near-duplicate sequences kept on one side). "
            "\\[default: random, or --config's]",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Seed of the train/test split (the same for every model on the same data) "
            "and, unless --set random_state=..., of the model. \\[default: 0, or --config's "
            "split_seed]"
        ),
    ] = None,
    device: DeviceOpt = None,
    report: Annotated[bool, typer.Option(help="Also write report.html.")] = False,
    baselines: Annotated[
        bool,
        typer.Option(
            help="Also fit the reviewer's baselines (logistic regression, random forest, "
            "gradient boosting, k-mer LR, ... by modality) on the same split."
        ),
    ] = True,
    stream: Annotated[
        bool | None,
        typer.Option(
            "--stream/--no-stream",
            help="PLINK: leave the genotypes on disk and train from blocks of individuals "
            "(HEMERA); default: stream when the matrix would not fit the memory budget.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing run directory.")] = False,
    resume: Annotated[
        bool,
        typer.Option(
            help="Continue an interrupted fit from its last saved epoch (repeat the same "
            "command with --resume)."
        ),
    ] = False,
    checkpoint: Annotated[
        bool,
        typer.Option(
            help="Save the training state after every epoch (in .OUT.checkpoint beside "
            "--out, removed when the run is written) so that --resume can continue."
        ),
    ] = True,
) -> None:
    """Train a model on DATA and write a run directory (model, config, metrics)."""
    from attnscope._utils.random import check_seed
    from attnscope.cli._data import DataRequest, load_request
    from attnscope.cli._ui import STATE, interactive
    from attnscope.estimators import make_estimator
    from attnscope.run import fit_run

    cfg = read_config(config)
    # a run's config.toml re-runs its split too; the command line wins over the file
    test_size = cfg.get("test_size", 0.2) if test_size is None else test_size
    test_split = cfg.get("split", "random") if test_split is None else test_split
    if seed is None:
        seed = check_seed(cfg.get("split_seed", 0), f"split_seed of {config}")
    check_seed(seed, "--seed")
    sets = parse_sets(set_)
    params = {**own_params(model or cfg.get("model"), setting, cfg), **sets}
    if gene_sets is not None:
        params["gene_sets"] = str(gene_sets.expanduser().resolve())
    elif isinstance(params.get("gene_sets"), str) and config is not None:
        params["gene_sets"] = str((config.parent / params["gene_sets"]).resolve())
    if pretrain_epochs is not None:
        params["pretrain_epochs"] = pretrain_epochs
    params.setdefault("random_state", seed)
    if device is not None:
        params["device"] = device
    if STATE["verbosity"] > 1 or (interactive() and "verbose" not in params):
        params.setdefault("verbose", True)  # the training bar (drawn on a terminal only)
    req = request(
        data,
        format=format_,
        labels=labels,
        pheno=pheno,
        label_col=label_col,
        names=names,
        split=split,
        classes=class_,
        modalities=modality,
    )
    if stream is not None:
        req.options["stream"] = stream
    if config is not None:
        section = {**cfg.get("data", {}), **({"format": cfg["format"]} if "format" in cfg else {})}
        req = req.merged(DataRequest.from_config(section, base=config.resolve().parent))
    if req.empty:
        raise ConfigError(
            "missing argument DATA (a data file or folder; or --class NAME=FILE, --modality "
            "NAME=TABLE) (see 'attnscope fit --help')"
        )
    name = model or cfg.get("model")
    if not name:
        raise ConfigError("no model given; pass --model NAME or set model = '...' in --config.")
    setting = checked_setting(name, setting, cfg, config)
    written = {k: v for k, v in params.items() if k in cfg.get("params", {}) and k not in sets}
    if written:  # the config's own values first: an error names the file and its key
        make_estimator(name, written, source=str(config))
    # names, types, ranges and device, before any data is read; params win over the setting
    make_estimator(name, params, setting=setting)
    if Path(out).is_dir() and any(Path(out).iterdir()) and not force:
        raise ConfigError(
            f"{out} already exists and is not empty; pass --force or choose another --out."
        )
    dataset = load_request(req)
    from attnscope.run import checkpoint_dir

    STATE["checkpoint"] = checkpoint_dir(out) if checkpoint else None  # for Ctrl-C's message
    try:
        summary = fit_run(
            dataset,
            model=name,
            out=out,
            params=params,
            data_format=req.format,
            test_size=test_size,
            split_seed=seed,
            split=test_split,
            force=force,
            data_config=req.config(),
            baselines=baselines,
            resume=resume,
            checkpoint=checkpoint,
            setting=setting,
        )
    except ConfigError as exc:  # a value the setting supplied: say so, and how to override
        raise setting_source(exc, name, setting, params) from exc
    from attnscope.train import is_main_process

    if not is_main_process():  # torchrun: rank 0 wrote the run and reports it
        return
    print_fit_summary(name, setting, params, summary)
    if report:
        from attnscope.cli._report import report_line

        report_line(out)
    console().print(f"run directory: {out}")


def _register_optional_commands() -> None:
    """Commands living in their own modules (explain/trust, consistency, report)."""
    import importlib

    for module in (
        "attnscope.cli._evaluate",
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


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning user errors into one line and exit status 2."""
    from attnscope.cli._ui import run_app

    install_warning_lines()

    return run_app(app, argv)


def _entry() -> None:
    sys.exit(main())
