"""`commops version`: what is installed, for bug reports and for checking a deployment."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Annotated, Any

import typer

from commops.cli.context import state
from commops.cli.render import Column, Format, render
from commops.errors import CommopsError

__all__ = ["register", "version_info"]


def register(app: typer.Typer) -> None:
    app.command("version")(version)


def _installed(name: str) -> str | None:
    try:
        return package_version(name)
    except PackageNotFoundError:
        return None


def version_info(ctx: typer.Context) -> dict[str, Any]:
    """commops, Python, zenpy, the configured rules (their version is a digest of the files) and the
    offline data sets. A part that cannot be read is reported as null with the reason, never an error."""
    from commops.verify.datasets import OfflineDatasets

    info: dict[str, Any] = {
        "commops": _installed("commops"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "zenpy": _installed("zenpy"),
        "rules": None,
        "rules_path": None,
        "rules_error": None,
        "datasets": OfflineDatasets().versions(),
    }
    try:
        from commops.bootstrap import load_rules

        settings = state(ctx).settings
        info["rules_path"] = str(settings.rules_path)
        info["rules"] = load_rules(settings).version
    except CommopsError as exc:
        info["rules_error"] = exc.message
    return info


def version(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json (one object) or csv.")] = Format.table,
) -> None:
    """Versions of commops, Python, zenpy, the rules and the offline data sets.

    JSON: {"commops", "python", "zenpy", "rules", "rules_path", "rules_error", "datasets": {package: version}}.

    Example: commops version --format json
    """
    info = version_info(ctx)
    rows = [
        {"component": "commops", "version": info["commops"]},
        {"component": "python", "version": info["python"]},
        {"component": "zenpy", "version": info["zenpy"]},
        {"component": "rules", "version": info["rules"] or f"not loaded: {info['rules_error']}",
         "detail": info["rules_path"]},
        *({"component": name, "version": v, "detail": "data set"} for name, v in sorted(info["datasets"].items())),
    ]
    render(fmt, rows, columns=[Column("component"), Column("version"), Column("detail", wrap=True)],
           console=state(ctx).out, document=info)
