"""Sub-commands whose capability lands in later milestones. They refuse to run rather than pretend."""

from __future__ import annotations

import typer

from heterrec.cli import app


def _not_implemented(name: str) -> None:
    typer.secho(f"heterrec {name}: not implemented yet", fg=typer.colors.YELLOW, err=True)
    raise typer.Exit(code=1)


@app.command("export", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def export_cmd() -> None:
    """Export a trained run to an ONNX + FAISS artifact folder (not implemented yet)."""
    _not_implemented("export")


@app.command("serve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def serve_cmd() -> None:
    """Serve /events and /recommend over an artifact folder (not implemented yet)."""
    _not_implemented("serve")


@app.command("demo", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def demo_cmd() -> None:
    """Train → export → serve on the bundled dataset (not implemented yet)."""
    _not_implemented("demo")
