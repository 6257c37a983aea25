"""Rate limits driven by an injected clock, and faults that are reproducible for a seed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from commops.sandbox import SandboxServer

AUTH = ("agent@example.com/token", "sandbox")


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_010.0

    def __call__(self) -> float:
        return self.now


def make(tmp_path: Path, name: str, **options: object) -> SandboxServer:
    server = SandboxServer(tmp_path / f"{name}.sqlite3", **options)  # type: ignore[arg-type]
    server.store.reset()
    server.store.seed(5, 1)
    return server


def test_account_limit_429_with_headers_then_window_reset(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, "limits", plan="team", clock=clock) as server:
        session = requests.Session()
        session.auth = AUTH
        url = server.url + "/api/v2/tickets/1.json"
        answers = [session.get(url) for _ in range(201)]
        assert all(a.status_code == 200 for a in answers[:200])
        assert answers[0].headers["X-Rate-Limit"] == "200"
        assert answers[0].headers["ratelimit-limit"] == "200"
        assert int(answers[0].headers["ratelimit-reset"]) <= 60
        assert answers[199].headers["X-Rate-Limit-Remaining"] == "0"
        refused = answers[200]
        assert refused.status_code == 429
        retry = int(refused.headers["Retry-After"])
        assert 1 <= retry <= 60
        clock.now += retry
        assert session.get(url).status_code == 200


def test_ticket_update_limits_and_header(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, "updates", clock=clock) as server:
        session = requests.Session()
        session.auth = AUTH
        url = server.url + "/api/v2/tickets/2.json"
        answers = [session.put(url, json={"ticket": {"additional_tags": [f"t{i}"]}}) for i in range(31)]
        assert answers[0].headers["Zendesk-Rate-Limit-Tickets-Update"].startswith("total=100; remaining=99;")
        assert [a.status_code for a in answers[:30]] == [200] * 30
        assert answers[30].status_code == 429 and int(answers[30].headers["Retry-After"]) > 60
        assert "t30" not in server.store.ticket(2)["tags"]
        assert session.put(server.url + "/api/v2/tickets/3.json", json={"ticket": {"priority": "low"}}).ok


def test_incremental_export_limit(tmp_path: Path) -> None:
    with make(tmp_path, "incremental", clock=Clock()) as server:
        session = requests.Session()
        session.auth = AUTH
        url = server.url + "/api/v2/incremental/tickets/cursor.json?start_time=0"
        codes = [session.get(url).status_code for _ in range(11)]
        assert codes == [200] * 10 + [429]


def fault_run(tmp_path: Path, name: str, seed: int) -> list[int]:
    with make(tmp_path, name, faults="429=0.3,5xx=0.2", seed=seed, limits=False) as server:
        session = requests.Session()
        session.auth = AUTH
        codes = [session.get(server.url + f"/api/v2/tickets/{1 + i % 5}.json").status_code for i in range(60)]
        retry = [session.get(server.url + "/api/v2/tickets/1.json") for _ in range(30)]
        assert all("Retry-After" in r.headers for r in retry if r.status_code in (429, 503))
        return codes


def test_faults_are_deterministic_for_a_seed(tmp_path: Path) -> None:
    first = fault_run(tmp_path, "a", 7)
    assert first == fault_run(tmp_path, "b", 7)
    assert first != fault_run(tmp_path, "c", 8)
    assert {429, 200} <= set(first) and set(first) & {500, 502, 503}


def test_slow_answer_still_writes(tmp_path: Path) -> None:
    with make(tmp_path, "slow", faults="slow=1", slow_s=0.5, limits=False) as server:
        session = requests.Session()
        session.auth = AUTH
        with pytest.raises(requests.exceptions.ReadTimeout):
            session.put(server.url + "/api/v2/tickets/1.json",
                        json={"ticket": {"comment": {"body": "slow one", "public": False}}}, timeout=0.1)
        assert server.store.comments(1)[-1]["body"] == "slow one"


def test_dropped_connection_still_writes(tmp_path: Path) -> None:
    with make(tmp_path, "drop", faults="drop=1", limits=False) as server:
        session = requests.Session()
        session.auth = AUTH
        with pytest.raises(requests.exceptions.ConnectionError):
            session.put(server.url + "/api/v2/tickets/1.json", json={"ticket": {"additional_tags": ["dropped"]}},
                        timeout=5)
        assert "dropped" in server.store.ticket(1)["tags"]
        assert server.request_log()[-1] == ("PUT", "/api/v2/tickets/1.json", 0)


def test_jobfail_fails_the_whole_job(tmp_path: Path) -> None:
    with make(tmp_path, "jobfail", faults="jobfail=1", limits=False) as server:
        session = requests.Session()
        session.auth = AUTH
        job = session.put(server.url + "/api/v2/tickets/update_many.json",
                          json={"tickets": [{"id": 1, "additional_tags": ["never"]}]}).json()["job_status"]
        url = job["url"]
        statuses = [session.get(url).json()["job_status"]["status"] for _ in range(3)]
        assert statuses == ["working", "failed", "failed"]
        assert "never" not in server.store.ticket(1)["tags"]


def test_unpolled_job_runs_after_its_delay(tmp_path: Path) -> None:
    clock = Clock()
    with make(tmp_path, "delay", clock=clock, limits=False, job_delay_s=2.0) as server:
        session = requests.Session()
        session.auth = AUTH
        session.put(server.url + "/api/v2/tickets/update_many.json",
                    json={"tickets": [{"id": 2, "additional_tags": ["later"]}]})
        session.get(server.url + "/api/v2/tickets/1.json")
        assert "later" not in server.store.ticket(2)["tags"]
        clock.now += 2.5
        session.get(server.url + "/api/v2/tickets/1.json")
        assert "later" in server.store.ticket(2)["tags"]


def test_job_left_queued_by_a_dead_process_runs_at_next_start(tmp_path: Path) -> None:
    clock = Clock()
    first = make(tmp_path, "restart", clock=clock, limits=False)
    with first:
        session = requests.Session()
        session.auth = AUTH
        session.put(first.url + "/api/v2/tickets/update_many.json",
                    json={"tickets": [{"id": 3, "additional_tags": ["accepted"]}]})
        assert "accepted" not in first.store.ticket(3)["tags"]
    with SandboxServer(tmp_path / "restart.sqlite3", clock=clock) as second:
        assert "accepted" in second.store.ticket(3)["tags"]
    assert "accepted" in second.store.ticket(3)["tags"]  # a stopped server's store reopens its file


def test_unpolled_job_runs_without_further_requests(tmp_path: Path) -> None:
    with make(tmp_path, "ticker", limits=False, job_delay_s=0.1) as server:
        session = requests.Session()
        session.auth = AUTH
        session.put(server.url + "/api/v2/tickets/update_many.json",
                    json={"tickets": [{"id": 4, "additional_tags": ["ticked"]}]})
        deadline = time.monotonic() + 5
        while "ticked" not in server.store.ticket(4)["tags"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "ticked" in server.store.ticket(4)["tags"]
