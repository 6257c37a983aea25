"""`commops auth login|status|logout`: sign in with OAuth, see how commops authenticates, sign out."""

from __future__ import annotations

import json
import webbrowser
from typing import Annotated

import typer

from commops.cli.context import state
from commops.cli.options import Format, FormatOpt

__all__ = ["register"]

group = typer.Typer(help="OAuth sign-in for this machine: login, status, logout.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="auth")


@group.command()
def login(
    ctx: typer.Context,
    no_browser: Annotated[bool, typer.Option(
        "--no-browser", help="Do not wait for the browser's redirect: paste the address it ended on.")] = False,
    port: Annotated[int, typer.Option(
        help="Port on 127.0.0.1 for the redirect; the OAuth client must list http://127.0.0.1:PORT/callback "
        "(0 picks a free one, for clients that accept any loopback port).", min=0)] = 8400,
    timeout: Annotated[float, typer.Option(metavar="SECONDS", help="How long to wait for the browser.", min=1)]
    = 300.0,
) -> None:
    """Sign in to the account with OAuth (authorization code + PKCE) and keep the login on this machine.

    The refresh token goes to the OS keyring (else a file only you can read); commops renews tokens
    from it. Needs COMMOPS_ZENDESK_URL and COMMOPS_ZENDESK_CLIENT_ID.

    Example: commops auth login --no-browser
    """
    from commops.zendesk.login import login as run_login

    app = state(ctx)
    settings = app.settings

    def show(url: str) -> None:
        app.err.print("Open this address in a browser signed in to Zendesk, and allow access:",
                      highlight=False, markup=False)
        app.err.print(url, highlight=False, markup=False, soft_wrap=True)
        if not no_browser:
            webbrowser.open(url)

    paste = (lambda: typer.prompt("Paste the address the browser ended on (or the code)")) if no_browser else None
    result = run_login(settings.zendesk, settings.home, show_url=show, paste=paste, port=port, timeout_s=timeout,
                       warn=app.info)
    who = f"{result.name} <{result.email}>" if result.email else "the agent who allowed access"
    app.out.print(f"signed in as {who}; scopes {' '.join(result.scopes)}; login kept in {result.where}",
                  highlight=False, soft_wrap=True)
    if settings.zendesk.client_secret is not None and settings.zendesk.auth != "oauth-login":
        app.info("COMMOPS_ZENDESK_CLIENT_SECRET is set, so runs use the client's own token (oauth-client); "
                 "set COMMOPS_ZENDESK_AUTH=oauth-login to use this login")


@group.command()
def status(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """How commops authenticates: mode, who am I, scopes, when the token expires (never the token).

    Example: commops auth status --format json
    """
    from commops.bootstrap import open_gateway

    app = state(ctx)
    with open_gateway(app.settings, notice=app.info) as gateway:
        auth = gateway.auth_status()
        me = gateway.me()
    report = {**auth, "user": {"name": me.get("name"), "email": me.get("email"), "role": me.get("role")},
              "account": gateway.base_url}
    if fmt is not Format.table:
        typer.echo(json.dumps(report, sort_keys=True))
        return
    scopes = " ".join(auth["scopes"]) if auth["scopes"] is not None else "(an API token has its agent's access)"
    expires = f"{auth['expires_in_s']}s" if auth["expires_in_s"] is not None else "not known"
    for line in (f"account: {gateway.base_url}", f"mode: {auth['mode']}",
                 f"signed in as: {me.get('name')} <{me.get('email')}> ({me.get('role')})",
                 f"scopes: {scopes}", f"token expires in: {expires}"):
        app.out.print(line, highlight=False, soft_wrap=True)


@group.command()
def logout(ctx: typer.Context) -> None:
    """Revoke the current token at Zendesk and forget the stored login.

    Example: commops auth logout
    """
    from commops.bootstrap import open_gateway

    app = state(ctx)
    with open_gateway(app.settings, notice=app.info) as gateway:
        mode = gateway.auth.mode
        gateway.revoke_credentials()
    app.out.print(f"signed out ({mode}): the token is revoked and the stored login forgotten", highlight=False)
