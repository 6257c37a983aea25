"""`commops sandbox` commands: run the embedded Zendesk standalone and manage its data.

Every command but ``serve`` works on the SQLite file under ``COMMOPS_HOME`` directly (no server needed).
The sandbox itself (werkzeug, its store) is imported inside each command, so ``commops sandbox --help``
and every other command start without it. What the commands print goes through the safe console: no
secret (a token or client secret the user chose, a credential in a loaded file) and no control character
reaches the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from commops.cli.context import state
from commops.cli.render import Column, Format, render
from commops.errors import CommopsError, NotFoundError, UsageError, ValidationError
from commops.redact import MASK

if TYPE_CHECKING:
    from commops.sandbox import SandboxServer, SandboxStore
    from commops.sandbox.apierror import ApiError

__all__ = ["register"]

DEFAULT_TOKEN = "sandbox"  # documented (docs/sandbox.md), so printed; any other token is not
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # the same for the seeded OAuth client's secret

group = typer.Typer(help="The embedded Zendesk sandbox: serve it, reset, seed, load, reply, status.",
                    no_args_is_help=True)


def _db(ctx: typer.Context) -> Path:
    return state(ctx).settings.state.sandbox_db


def _store(ctx: typer.Context) -> SandboxStore:
    from commops.sandbox import SandboxStore

    return SandboxStore(_db(ctx))


def _say(ctx: typer.Context, line: str) -> None:
    """One line of output on stdout, redacted and cleaned (the safe console), never read as markup."""
    out = state(ctx).out
    out.print(line, highlight=False, markup=False, soft_wrap=True)
    out.file.flush()  # line by line, as echo does: `serve` keeps running, a reader waits for each line


def _translate(exc: ApiError) -> CommopsError:
    detail = exc.body.get("description") or exc.body.get("error") or str(exc.body)
    details = exc.body.get("details")
    if isinstance(details, dict):
        detail = "; ".join(f"{k}: {v[0]['description']}" for k, v in details.items() if v)
    if exc.status == 404:
        return NotFoundError("that ticket does not exist in the sandbox", status=404)
    return ValidationError(f"the sandbox refused: {detail}", status=exc.status, details=exc.body)


def _greeting(ctx: typer.Context, server: SandboxServer, *, token: str | None, client_id: str | None,
              client_secret: str | None, no_api_tokens: bool) -> Callable[[str], None]:
    """What ``serve`` prints once listening: the environment that points commops at it."""
    options = state(ctx).settings.sandbox
    chosen_id = client_id or options.client_id
    chosen_secret = client_secret or options.client_secret
    oauth_only = no_api_tokens or not options.api_tokens

    chosen = token or options.token
    agents = server.store.users(server.store.agent_ids())
    email = next((a["email"] for a in agents if "bot" in str(a["email"])), agents[0]["email"] if agents else "")

    def ready(url: str) -> None:
        def say(line: str) -> None:
            _say(ctx, line)

        say(f"Zendesk sandbox listening on {url} (Ctrl-C to stop)")
        ttl = server.oauth.token_ttl_s
        say(f"Point commops at it with its confidential OAuth client (tokens live {ttl:g}s):")
        say(f"  export COMMOPS_ZENDESK_URL={url}")
        say(f"  export COMMOPS_ZENDESK_CLIENT_ID={chosen_id}")
        # The default secret is public knowledge; a secret the user chose (flag or config) is not echoed back.
        shown = chosen_secret if chosen_secret == DEFAULT_CLIENT_SECRET else f"{MASK}   # the one you chose, not shown"
        say(f"  export COMMOPS_ZENDESK_CLIENT_SECRET={shown}")
        say(f"  export COMMOPS_VERIFY_FORGE_URL={url}   # GitHub/GitLab lookups to its forge emulation")
        if oauth_only:
            say("API tokens are refused (--no-api-tokens): this account is OAuth-only.")
        else:
            say("Or with a legacy API token (any agent email works; API tokens stop working "
                "on Zendesk on 2027-04-30):")
            say(f"  export COMMOPS_ZENDESK_AUTH=api-token COMMOPS_ZENDESK_EMAIL={email}")
            # The default token is public knowledge; a token the user chose is not echoed back.
            shown = chosen if chosen == DEFAULT_TOKEN else f"{MASK}   # the one you chose, not shown"
            say(f"  export COMMOPS_ZENDESK_TOKEN={shown}")

    return ready


@group.command()
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    plan: Annotated[str | None, typer.Option(help="team | growth | professional | enterprise | high-volume")] = None,
    faults: Annotated[str | None, typer.Option(help='Fault shares, e.g. "429=0.2,5xx=0.05,slow=0.02".')] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the fault sequence (and seeding an empty sandbox).")]
    = None,
    token: Annotated[str | None, typer.Option(help="API token every agent email authenticates with.")] = None,
    no_limits: Annotated[bool, typer.Option("--no-limits", help="Send rate-limit headers but never 429.")] = False,
    incremental_lag: Annotated[float, typer.Option(
        help="Seconds the incremental export leaves out (Zendesk: 60; the sandbox defaults to 0).", min=0)] = 0.0,
    pessimistic: Annotated[bool | None, typer.Option(
        "--pessimistic/--optimistic",
        help="update_many ignores safe_update, as Zendesk may (default: [sandbox] pessimistic).")] = None,
    token_ttl: Annotated[float | None, typer.Option(
        "--token-ttl", metavar="SECONDS", min=1,
        help="Lifetime of the OAuth access tokens it issues [default: sandbox.token_ttl_s, 1800].")] = None,
    client_id: Annotated[str | None, typer.Option(
        "--client-id", metavar="ID", help="The seeded confidential OAuth client's id [default: commops-sandbox].")]
    = None,
    client_secret: Annotated[str | None, typer.Option(
        "--client-secret", metavar="SECRET", help="That client's secret [default: sandbox-client-secret].")] = None,
    no_api_tokens: Annotated[bool, typer.Option(
        "--no-api-tokens", help="OAuth only: refuse API tokens, as Zendesk does from 2027-04-30.")] = False,
    request_log: Annotated[Path | None, typer.Option(
        "--request-log", metavar="FILE",
        help="On stop, write every request served to FILE (JSON Lines: method, path, status).")] = None,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C.

    Example: commops sandbox serve --port 8765 --token-ttl 300 --faults 429=0.1 --seed 7
    """
    from commops.sandbox import seeded_server

    app_state = state(ctx)
    server = seeded_server(app_state.settings, port=port, plan=plan, faults=faults, seed=seed, token=token,
                           limits=not no_limits, incremental_lag_s=incremental_lag, token_ttl_s=token_ttl,
                           client_id=client_id, client_secret=client_secret,
                           api_tokens=False if no_api_tokens else None, pessimistic=pessimistic)
    ready = _greeting(ctx, server, token=token, client_id=client_id, client_secret=client_secret,
                      no_api_tokens=no_api_tokens)
    try:
        server.serve_forever(on_ready=ready)
    except KeyboardInterrupt:
        state(ctx).info("sandbox stopped")
    finally:
        if request_log is not None:  # what a benchmark counts, server side (paths without their queries)
            lines = (json.dumps({"method": m, "path": p.split("?", 1)[0], "status": s}) + "\n"
                     for m, p, s in server.request_log())
            request_log.write_text("".join(lines), encoding="utf-8")


@group.command()
def reset(
    ctx: typer.Context,
    account: Annotated[str | None, typer.Option(
        "--account", metavar="NAME",
        help="reference (the default: [sandbox] account) or northwind (custom statuses, Liquid and dynamic "
             "content in two locales, two brands, its own field keys, OAuth only).")] = None,
) -> None:
    """Forget every ticket and user; load a packaged account (agents, groups, fields, forms, macros,
    custom statuses, brands, locales, dynamic content).

    Example: commops sandbox reset --account northwind && commops sandbox seed -n 40
    """
    from commops.sandbox.store import ACCOUNTS

    name = account or state(ctx).settings.sandbox.account
    if name not in ACCOUNTS:
        raise UsageError(f"unknown sandbox account {name!r}; one of: {', '.join(ACCOUNTS)}")
    store = _store(ctx)
    store.reset(name)
    profile = store.profile()
    tokens = "" if profile.get("api_tokens", True) else "; OAuth only (API tokens are refused)"
    state(ctx).info(f"sandbox reset to the {name} account ({_db(ctx)}){tokens}")


@group.command("seed")
def seed_command(
    ctx: typer.Context,
    applications: Annotated[int, typer.Option("--applications", "-n", min=0, help="How many tickets.")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same applications.")] = 0,
    history: Annotated[int | None, typer.Option(
        "--history", metavar="WEEKS", min=1, max=104,
        help="Instead: WEEKS weeks of applications decided by specialists with macros (audits included).")] = None,
    per_week: Annotated[int, typer.Option(min=1, max=5000, help="With --history: applications a week.")] = 30,
) -> None:
    """Add realistic applications for the three programs (and a few non-application tickets), or with
    --history a decided past: specialists' macro decisions, mostly by the configured rules, some not,
    some corrected later (what `rules impact`, `shadow` and `rules promote` read).

    Example: commops sandbox seed --applications 200 --seed 7
    """
    if history is not None:
        from commops.bootstrap import history_policy
        from commops.sandbox.history import seed_history

        settings = state(ctx).settings
        summary = seed_history(_store(ctx), weeks=history, per_week=per_week, seed=seed,
                               policy=history_policy(settings))
        _say(ctx, f"created {summary.tickets} tickets over {history} weeks: {summary.decided} decided by "
                   f"specialists ({summary.as_policy} as the rules say, {summary.differing} otherwise, "
                   f"{summary.by_judgement} by judgement), {summary.corrected} corrected later")
        return
    ids = _store(ctx).seed(applications, seed)
    _say(ctx, f"created {len(ids)} tickets" + (f" (#{ids[0]}..#{ids[-1]})" if ids else ""))


@group.command()
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(
        help='JSON file {"users": [...], "tickets": [...]} in Zendesk\'s shape, optionally "forges": {...}.')],
) -> None:
    """Load users and tickets, keeping their ids (a ticket with an existing id is replaced), and forge
    namespaces for the emulated GitHub and GitLab (docs/sandbox.md, Forge data).

    Example: commops sandbox load fixtures/queue.json
    """
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{file} is not valid JSON: {exc}") from None
    from commops.sandbox.apierror import ApiError

    try:
        _store(ctx).load(document)
    except ApiError as exc:
        raise _translate(exc) from None
    tickets = len(document.get("tickets") or []) if isinstance(document, dict) else 0
    _say(ctx, f"loaded {tickets} tickets from {file}")


@group.command()
def reply(
    ctx: typer.Context,
    ticket: Annotated[int, typer.Argument(help="Ticket id.")],
    text: Annotated[str, typer.Argument(help="What the applicant writes.")],
) -> None:
    """Simulate the applicant answering: a public comment by the requester; the ticket reopens.

    Example: commops sandbox reply 12 "Here is our non-profit certificate."
    """
    from commops.sandbox.apierror import ApiError

    store = _store(ctx)
    try:
        store.reply(ticket, text)
        status = store.ticket(ticket)["status"]
    except ApiError as exc:
        raise _translate(exc) from None
    _say(ctx, f"ticket #{ticket}: requester replied; status {status}")


@group.command()
def status(
    ctx: typer.Context,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table (TSV when piped), json (JSON Lines) or csv.")]
    = Format.table,
) -> None:
    """Count the sandbox's tickets by form and status.

    JSON: one object per form: {"form", "new", "open", "pending", "hold", "solved", "closed", "total"}.

    Example: commops sandbox status --format json
    """
    counts = _store(ctx).counts()
    statuses = ["new", "open", "pending", "hold", "solved", "closed"]
    rows = []
    for form in sorted({f for f, _s in counts}):
        row: dict[str, Any] = {"form": form, **{s: counts.get((form, s), 0) for s in statuses}}
        row["total"] = sum(row[s] for s in statuses)
        rows.append(row)
    columns = [Column("form"), *(Column(s, justify="right") for s in [*statuses, "total"])]
    render(fmt, rows, columns=columns, title=f"Sandbox tickets ({_db(ctx)})", console=state(ctx).out)


@group.command()
def codes(
    ctx: typer.Context,
    program: Annotated[str, typer.Argument(metavar="PROGRAM", help="The program the codes are for.")],
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=100_000, help="How many codes.")] = 50,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same codes.")] = 0,
) -> None:
    """Print sample benefit codes as CSV (what a licence vendor sends), for `commops benefits import-codes`.

    Example: commops sandbox codes education --count 40 > codes.csv
    """
    from commops.sandbox.seed import sample_codes

    app = state(ctx)
    if program not in app.settings.programs:
        raise UsageError(f"unknown program {program!r}; one of: {', '.join(app.settings.programs)}")
    typer.echo("code")
    for code in sample_codes(program, count, seed):
        typer.echo(code)
    app.info(f"{count} sample codes for {program}")


def register(app: typer.Typer) -> None:
    """Add the ``sandbox`` group to the root app."""
    app.add_typer(group, name="sandbox")
