"""`commops init`: a commented starter config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import state
from commops.config import default_config_text
from commops.errors import UsageError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Option("--config", metavar="FILE",
                                   help="Where to write (default: config.toml in the user config directory).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    store_token: Annotated[
        bool, typer.Option("--store-token", help="Also write $COMMOPS_ZENDESK_TOKEN into the file (mode 0600).")
    ] = False,
) -> None:
    """Write a commented starter config mapped to the reference account.

    The API token stays in the environment (COMMOPS_ZENDESK_TOKEN) unless --store-token asks otherwise.

    The default place is config.toml in the platform's user config directory ($XDG_CONFIG_HOME/commops on
    Linux), or in $COMMOPS_HOME when that is set; commops prints where it wrote.

    Example: commops init --config ./commops.toml && $EDITOR ./commops.toml
    """
    import os

    import tomlkit

    from commops.paths import config_path

    app = state(ctx)
    target = path or app.config or config_path()
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="use --force to overwrite it")
    text = default_config_text()
    if store_token:
        token = os.environ.get("COMMOPS_ZENDESK_TOKEN")
        if not token:
            raise UsageError("--store-token needs the token in COMMOPS_ZENDESK_TOKEN")
        document = tomlkit.parse(text)
        zendesk = document["zendesk"]
        assert isinstance(zendesk, tomlkit.items.Table)
        zendesk["token"] = token
        text = tomlkit.dumps(document)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # With the token inside, the file is private from the moment it exists (not chmod-ed afterwards).
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if store_token else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if store_token:
            target.chmod(0o600)  # an existing file keeps its mode through O_CREAT
    except OSError as exc:
        raise UsageError(
            f"cannot write {target}: {exc.strerror or exc}",
            hint="choose a writable place with --config FILE or COMMOPS_HOME",
        ) from None
    app.out.print(f"wrote {target}", highlight=False)
    if not store_token:
        app.info("the API token is read from COMMOPS_ZENDESK_TOKEN; it is not stored in the file")
