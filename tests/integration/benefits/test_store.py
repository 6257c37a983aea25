"""The benefits store on real SQLite: concurrent reservations, idempotent intents, ledger imports."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime
from pathlib import Path

from commops.benefits import SqliteBenefits
from commops.benefits.csvfiles import read_codes, read_members
from commops.domain.member import Member


def _reserve_many(path: str, worker: int, count: int, out: multiprocessing.Queue[tuple[int, str | None]]) -> None:
    with SqliteBenefits.open(Path(path)) as store:
        for i in range(count):
            out.put((worker, store.reserve_code("education", f"w{worker}-{i}", i)))


def test_two_processes_reserving_at_once_never_get_the_same_code(tmp_path: Path) -> None:
    path = tmp_path / "benefits.sqlite3"
    with SqliteBenefits.open(path) as store:
        store.add_codes("education", [f"C{i:03d}" for i in range(50)])
    queue: multiprocessing.Queue[tuple[int, str | None]] = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_reserve_many, args=(str(path), w, 30, queue)) for w in range(2)]
    for w in workers:
        w.start()
    got = [queue.get(timeout=60) for _ in range(60)]
    for w in workers:
        w.join(timeout=60)
    codes = [c for _, c in got if c is not None]
    assert len(codes) == 50 and len(set(codes)) == 50  # every code once; the other 10 found the pool empty
    assert sum(1 for _, c in got if c is None) == 10


def test_a_key_keeps_its_code_and_a_release_returns_it(tmp_path: Path) -> None:
    with SqliteBenefits.open(tmp_path / "b.sqlite3") as store:
        store.add_codes("education", ["A", "B"])
        assert store.reserve_code("education", "k1", 1) == "A"
        assert store.reserve_code("education", "k1", 1) == "A"  # a retry after a crash: the same code
        store.release_code("k1")
        assert store.reserve_code("education", "k2", 2) == "A"
        store.assign_code("k2")
        store.release_code("k2")  # an assigned code never goes back
        assert store.reserve_code("education", "k3", 3) == "B"
        assert store.reserve_code("education", "k4", 4) is None
        status = store.pool_status(datetime.now(UTC))[0]
        assert (status.free, status.reserved, status.assigned) == (0, 1, 1)
        assert store.add_codes("education", ["A", "C"]) == (1, 1)


def test_a_provision_intent_is_recorded_once(tmp_path: Path) -> None:
    with SqliteBenefits.open(tmp_path / "b.sqlite3") as store:
        first = store.begin_provision("k", program="education", provisioner="webhook", ticket_id=1, proposal_id=7,
                                      write_id="w1", payload={"a": 1}, code=None)
        again = store.begin_provision("k", program="education", provisioner="webhook", ticket_id=1, proposal_id=8,
                                      write_id="w2", payload={"a": 2}, code=None)
        assert first.payload == again.payload == {"a": 1} and again.proposal_id == 8
        store.mark_provision("k", "done", subscription_id="S1")
        assert store.unfinished_provisions() == []
        member = Member(program="education", term_start=date(2026, 1, 1), term_end=date(2027, 1, 1), decision_key="k")
        assert store.add_member(member).id == store.add_member(member).id  # one ledger entry per decision


def test_codes_and_members_csv_report_bad_rows_by_line_and_keep_the_rest(tmp_path: Path) -> None:
    codes = tmp_path / "codes.csv"
    codes.write_text('code\nA\n\n" "\nB\nA\n', encoding="utf-8")
    good, bad = read_codes(codes)
    assert good == ["A", "B"] and [(b.line, b.reason) for b in bad] == [
        (4, "empty code"), (6, "code 'A' repeats an earlier line")]

    crm = tmp_path / "crm.csv"
    crm.write_text(
        "Program,Org,Email,Seats,Contract,Start,End\n"
        "education,Uni A,a@uni-a.edu,30,SUB-1,2025-09-01,2026-09-01\n"
        "gardening,Club,b@club.org,3,SUB-2,2025-09-01,2026-09-01\n"
        "education,Uni C,c@uni-c.edu,many,SUB-3,2025-09-01,2026-09-01\n"
        "open_source,Proj,d@proj.dev,5,SUB-4,2025-09-01,yesterday\n"
        "open_source,Proj E,e@proj.dev,,SUB-5,2025-10-01,2026-10-01\n",
        encoding="utf-8")
    mapping = {"program": "Program", "organisation": "Org", "requester": "Email", "seats": "Seats",
               "subscription_id": "Contract", "term_start": "Start", "term_end": "End"}
    result = read_members(crm, mapping, {"education", "open_source", "startups"})
    assert [m.subscription_id for m in result.members] == ["SUB-1", "SUB-5"]
    assert result.members[0].email_domain == "uni-a.edu"
    assert [b.line for b in result.bad] == [3, 4, 5]
    assert "gardening" in result.bad[0].reason and "seats" in result.bad[1].reason
    assert "term_end" in result.bad[2].reason
