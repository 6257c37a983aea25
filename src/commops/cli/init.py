"""`commops init`: a commented starter config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import AppState, state
from commops.cli.options import SandboxOpt
from commops.config import default_config_text
from commops.errors import UsageError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def _target(path: Path, force: bool) -> Path:
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="use --force to overwrite it")
    return path


def _token() -> str:
    """``--store-token``: the token from the environment, where commops reads it otherwise."""
    import os

    token = os.environ.get("COMMOPS_ZENDESK_TOKEN")
    if not token:
        raise UsageError("--store-token needs the token in COMMOPS_ZENDESK_TOKEN")
    return token


def _from_account(app: AppState, *, sandbox: bool, create_fields: bool, yes: bool) -> str:
    """The config mapped from the configured account (or the embedded sandbox with --sandbox)."""
    import sys
    from datetime import UTC, datetime

    from commops.bootstrap import open_onboarding
    from commops.services.onboarding import Question, onboard

    def ask(question: Question) -> object:
        if yes or not sys.stdin.isatty():
            if not yes:
                raise UsageError(f"{question.topic} is ambiguous: {', '.join(c for c, _v in question.choices)}",
                                 hint="run it on a terminal to choose, or pass --yes to take the first")
            return question.chosen
        app.out.print(f"{question.topic}: which one?", highlight=False)
        for number, (label, _value) in enumerate(question.choices, 1):
            app.out.print(f"  {number}. {label}", highlight=False, markup=False)
        while True:
            picked = typer.prompt("number", default=1, type=int)
            if 1 <= picked <= len(question.choices):
                return question.choices[picked - 1][1]

    taken = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with open_onboarding(app.settings, notice=app.info, sandbox=sandbox) as (gateway, wanted, account_state, url):
        done = onboard(gateway, wanted, base_text=default_config_text(), taken_at=taken, config_url=url,
                       create_fields=create_fields, ask=ask)
        account_state.root.mkdir(parents=True, exist_ok=True)
        account_state.account_snapshot.write_text(done.snapshot.model_dump_json(indent=1), encoding="utf-8")
    mapping = done.mapping
    for made in done.created:
        app.info(f"created the ticket field {made.get('title')!r} ({made.get('id')}, agents only)")
    for question in mapping.questions:
        app.info(f"{question.topic}: took {question.chosen!r} (of {len(question.choices)} close matches)")
    app.info(f"mapped {len(mapping.fields)} fields, {len(mapping.programs)} programs, "
             f"{len(mapping.macros)} macros renamed, {len(mapping.statuses)} statuses from "
             f"{done.snapshot.url} ({done.snapshot.account_id})")
    return done.text


def init(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Option("--config", "--out", metavar="FILE",
                                   help="Where to write (default: config.toml in the user config directory).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    store_token: Annotated[
        bool, typer.Option("--store-token", help="Also write $COMMOPS_ZENDESK_TOKEN into the file (mode 0600).")
    ] = False,
    from_account: Annotated[bool, typer.Option(
        "--from-account", help="Map the configured account (its fields, forms, macros, custom statuses and "
                               "settings) instead of writing the reference account's ids.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --from-account: take every suggestion "
                                                          "instead of asking where matches are close.")] = False,
    create_fields: Annotated[bool, typer.Option(
        "--create-fields", help="With --from-account: create commops' own marker fields (agents only) when "
                                "the account lacks them; needs an admin's credentials with the write scope.")]
    = False,
    sandbox: SandboxOpt = False,
) -> None:
    """Write a commented starter config: the reference account's, or with --from-account one mapped from
    the configured account (matching fields by key, drop-down values and titles; programs to forms; the
    rules' macros to the account's; custom statuses), asking where two matches are close.

    The API token stays in the environment (COMMOPS_ZENDESK_TOKEN) unless --store-token asks otherwise;
    --from-account also keeps the account snapshot that `rules lint` checks drop-down values against.

    The default place is config.toml in the platform's user config directory ($XDG_CONFIG_HOME/commops on
    Linux), or in $COMMOPS_HOME when that is set; commops prints where it wrote.

    Example: commops init --from-account --yes --create-fields --out ./commops.toml
    """
    from commops.paths import config_path
    from commops.text_config import with_token, write_config

    app = state(ctx)
    target = _target(path or app.config or config_path(), force)
    if not from_account and any((yes, create_fields, sandbox)):
        raise UsageError("--yes, --create-fields and --sandbox go with --from-account")
    token = _token() if store_token else None
    text = _from_account(app, sandbox=sandbox, create_fields=create_fields, yes=yes) if from_account else (
        default_config_text())
    write_config(target, with_token(text, token), private=store_token, force=True)
    app.out.print(f"wrote {target}", highlight=False)
    if not store_token and not from_account:
        app.info("the API token is read from COMMOPS_ZENDESK_TOKEN; it is not stored in the file")
