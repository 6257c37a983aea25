"""`commops init`: a commented starter config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import state
from commops.config import default_config_text
from commops.errors import ConfigError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Option("--config", help="Where to write (default $COMMOPS_HOME/config.toml).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    store_token: Annotated[
        bool, typer.Option("--store-token", help="Also write $COMMOPS_ZENDESK_TOKEN into the file (mode 0600).")
    ] = False,
) -> None:
    """Write a commented starter config mapped to the reference account.

    The API token stays in the environment (COMMOPS_ZENDESK_TOKEN) unless --store-token asks otherwise.

    Example: commops init && $EDITOR "$COMMOPS_HOME/config.toml"
    """
    import os

    import tomlkit

    from commops.paths import config_path

    app = state(ctx)
    target = path or app.config or config_path()
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists", hint="use --force to overwrite it")
    text = default_config_text()
    if store_token:
        token = os.environ.get("COMMOPS_ZENDESK_TOKEN")
        if not token:
            raise ConfigError("--store-token needs the token in COMMOPS_ZENDESK_TOKEN")
        document = tomlkit.parse(text)
        zendesk = document["zendesk"]
        assert isinstance(zendesk, tomlkit.items.Table)
        zendesk["token"] = token
        text = tomlkit.dumps(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if store_token:
        target.chmod(0o600)
    app.out.print(f"wrote {target}", highlight=False)
    if not store_token:
        app.info("the API token is read from COMMOPS_ZENDESK_TOKEN; it is not stored in the file")
