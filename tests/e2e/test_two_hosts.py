"""Two hosts, one account: two unattended `commops` processes with their own COMMOPS_HOME, started together
20 times with random offsets, against the pessimistic sandbox (update_many ignores safe_update, so only the
account's lease keeps them apart). No ticket is written twice; the loser says who holds the lease.

The journal backend is a fixture: each host's environment comes from ``journal_env``, so another backend
(a shared PostgreSQL journal) is one more parameter.
"""

from __future__ import annotations

import random
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commops.config import load_settings
from commops.sandbox import SandboxServer

from .cli import commops_process

ROUNDS = 20
ROUNDS_PER_ACCOUNT = 4  # a fresh account every 4 rounds: lease tickets created in a race, and reused
APPLICATIONS = 6
DECISION_FIELD = load_settings().fields["commops_decision"]
ARGS = ("--quiet", "triage", "--offline", "--apply", "--unattended")

JournalEnv = Callable[[str, Path, SandboxServer], dict[str, str]]


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_env(request: pytest.FixtureRequest) -> JournalEnv:
    """The environment that gives host ``name`` (state in ``home``) its journal on ``account``: ``sqlite`` =
    the embedded journal under each host's own COMMOPS_HOME; ``postgresql`` = one journal both hosts share on
    a real PostgreSQL server (a schema per account, as a journal belongs to one account), where the shared
    journal's advisory lock guards the writers too."""
    if request.param == "sqlite":
        return lambda _name, _home, _account: {}
    from commops.journal.postgres import migrate

    new_schema = request.getfixturevalue("postgres_schemas")
    shared: dict[str, str] = {}

    def env(_name: str, _home: Path, account: SandboxServer) -> dict[str, str]:
        if account.url not in shared:
            shared[account.url] = new_schema()
            migrate(shared[account.url])
        return {"COMMOPS_JOURNAL_URL": shared[account.url]}

    return env


def _account_env(server: SandboxServer) -> dict[str, str]:
    """The sandbox as a configured account (its OAuth client); the sandbox's stamps are strictly
    increasing, so the lease's wait for Zendesk's one-second stamp to move on is kept short here."""
    settings = load_settings()
    return {"COMMOPS_ZENDESK_URL": server.url, "COMMOPS_ZENDESK_CLIENT_ID": settings.sandbox.client_id,
            "COMMOPS_ZENDESK_CLIENT_SECRET": settings.sandbox.client_secret, "COMMOPS_LEASE_SETTLE_S": "0.3"}


@pytest.fixture
def accounts(tmp_path: Path) -> Iterator[Callable[[int], SandboxServer]]:
    """A pessimistic sandbox account per block of rounds, on loopback, as another machine would see it."""
    servers: list[SandboxServer] = []

    def account(number: int) -> SandboxServer:
        server = SandboxServer(tmp_path / f"account-{number}.sqlite3", pessimistic=True, job_delay_s=0.2)
        server.start()
        server.store.reset()
        servers.append(server)
        return server

    yield account
    for server in servers:
        server.stop()


def _commops_comments(server: SandboxServer, ticket_id: int) -> int:
    """Comments after the application itself: each commops decision writes exactly one."""
    return len(server.store.comments(ticket_id)) - 1


def test_two_hosts_started_together_never_write_a_ticket_twice(
        tmp_path: Path, accounts: Callable[[int], SandboxServer], journal_env: JournalEnv) -> None:
    chance = random.Random(15)
    homes = {name: tmp_path / f"host-{name}" for name in ("a", "b")}
    lost_rounds = 0
    server: SandboxServer | None = None
    for round_number in range(ROUNDS):
        if round_number % ROUNDS_PER_ACCOUNT == 0:
            server = accounts(round_number // ROUNDS_PER_ACCOUNT)
        assert server is not None
        tickets = server.store.seed(APPLICATIONS, seed=100 + round_number)
        offset = chance.uniform(0.0, 0.6)
        first, second = ("a", "b") if chance.random() < 0.5 else ("b", "a")
        processes: dict[str, subprocess.Popen[str]] = {}
        for name in (first, second):
            env = {"COMMOPS_HOME": str(homes[name]), **_account_env(server),
                   **journal_env(name, homes[name], server)}
            processes[name] = commops_process(*ARGS, env=env)
            if name == first:
                time.sleep(offset)
        answers = {name: (p.wait(timeout=60), *p.communicate()) for name, p in processes.items()}
        codes = {name: code for name, (code, _out, _err) in answers.items()}
        assert set(codes.values()) <= {0, 13}, answers
        assert 0 in codes.values(), answers  # one of them always gets to write
        for name, (code, _out, err) in answers.items():
            if code == 13:  # the loser names the holder: the other process, by pid and run id
                other = processes["b" if name == "a" else "a"]
                # the lease, or (a shared journal) its advisory lock, whichever the loser met first
                assert re.search(rf"holds this account's lease: run \S+ \(pid {other.pid} on "
                                 rf"|advisory lock: commops unattended run \S+:{other.pid}\b", err), err
                lost_rounds += 1
        twice = {t: n for t in tickets if (n := _commops_comments(server, t)) > 1}
        assert twice == {}, (round_number, offset, answers)
        decided = [t for t in tickets if any(f["id"] == DECISION_FIELD and f["value"]
                                             for f in server.store.ticket(t)["custom_fields"])]
        assert all(_commops_comments(server, t) == 1 for t in decided)
    assert lost_rounds >= ROUNDS // 2, f"only {lost_rounds} rounds overlapped"
