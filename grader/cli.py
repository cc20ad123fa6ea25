"""The `kata` command: parses, calls one function, renders. No logic of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from grader.catalog import Catalog
from grader.errors import KataError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="PyTorch katas with an isolated grader.")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def verify(
    ids: Optional[list[str]] = typer.Argument(None, help="Kata ids (default: all)."),
    katas: Optional[Path] = typer.Option(None, "--katas", help="A folder of katas instead of the built-in ones."),
    device: str = typer.Option("cpu", "--device", help="Device to verify on."),
) -> None:
    """Prove katas right: reference full marks, stub fails every check, each known mistake caught."""
    from grader.verify import verify as run_verify

    try:
        catalog = Catalog.load(katas)
        selected = catalog.select(ids)
        all_ok = True
        for verdict in run_verify(selected, device):
            mark = "ok  " if verdict.ok else "FAIL"
            typer.echo(f"{mark} {verdict.kata.id}: {verdict.checks} checks, {len(verdict.kata.mistakes)} known mistakes, "
                       f"reference graded in {verdict.reference_seconds:.2f} s")
            for problem in verdict.problems:
                typer.echo(f"     - {problem}")
            all_ok &= verdict.ok
    except KataError as exc:
        _fail(str(exc))
    raise typer.Exit(0 if all_ok else 1)


@app.callback()
def main() -> None:
    """PyTorch katas: `kata start tensors`, edit the file, `kata grade`."""
