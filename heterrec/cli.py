"""`heterrec` command line. Sub-commands import their package lazily so `serve` never loads torch."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="HeterRec serve: train, export and serve a real-time sequential recommender.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Inspect datasets in the common CSV layout.", no_args_is_help=True)
app.add_typer(data_app, name="data")

log = logging.getLogger("heterrec")


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@data_app.command("describe")
def data_describe(
    path: Annotated[Path, typer.Argument(help="dataset folder with interactions.csv and items.csv")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Users, items, interactions, sequence lengths, and each feature field's cardinality and coverage."""
    from model.data import DataError, load_dataset
    from model.data.describe import describe, format_description

    try:
        summary = describe(load_dataset(path))
    except DataError as exc:
        _fail(str(exc))
        return
    typer.echo(json.dumps(summary, indent=2) if as_json else format_description(summary))


def main() -> None:
    _setup_logging()
    app()


# Sub-command modules register themselves on `app`; they import their heavy packages lazily.
from heterrec import commands, train_cmd  # noqa: E402, F401
