"""Small fakes of the ports, for tests of the triage services (state, not mock calls)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from commops.domain import Application, Decision, DecisionMarker, MacroRef, Outcome, Proposal, Reason
from commops.ports import MacroInfo, QueuePage, WriteResult


class FakeGateway:
    def __init__(self, applications: list[Application]) -> None:
        self.tickets = {a.ticket_id: a for a in applications}
        self.written: list[tuple[int, str]] = []
        self.write_ids: dict[int, str] = {}  # what the ruleset marker's write= part would say
        self.fail_next_write: Exception | None = None
        self.lose_job_answer = False  # the update_many answer (with the job id) never arrives
        self.requests = 0

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]:
        self.requests += 1
        apps = [a for a in self.tickets.values() if a.status not in ("solved", "closed")]
        yield QueuePage(applications=apps)

    def get_applications(self, ticket_ids: Sequence[int]) -> list[Application]:
        return [self.tickets[i] for i in ticket_ids if i in self.tickets]

    def current_stamps(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        return {i: self.tickets[i].updated_stamp or "" for i in ticket_ids}

    def macros(self) -> list[MacroInfo]:
        return []

    def active_jobs(self) -> list[str]:
        self.listed_jobs = True
        return []

    def settle_jobs(self, job_ids: Sequence[str]) -> dict[str, str]:
        self.settled = list(job_ids)
        return {j: "completed" for j in job_ids}

    def check_write_access(self) -> None:
        return None

    def write_decisions(
        self,
        proposals: Sequence[Proposal],
        *,
        on_job: Callable[[str, list[int]], None] | None = None,
        between_batches: Callable[[], None] | None = None,
    ) -> list[WriteResult]:
        if between_batches is not None:
            between_batches()
        if on_job is not None and not self.lose_job_answer:
            on_job(f"job-{len(self.written)}", [p.ticket_id for p in proposals])
        if self.fail_next_write is not None:
            exc, self.fail_next_write = self.fail_next_write, None
            raise exc
        results = []
        for p in proposals:
            app = self.tickets[p.ticket_id]
            write_id = f"{p.updated_stamp}:{p.decision.outcome.value}"
            if self.write_ids.get(p.ticket_id) == write_id:
                results.append(WriteResult(ticket_id=p.ticket_id, status="already_applied",
                                           updated_stamp=app.updated_stamp))
                continue
            if app.updated_stamp != p.updated_stamp:
                results.append(WriteResult(ticket_id=p.ticket_id, status="conflict"))
                continue
            stamp = f"{app.updated_stamp}+w"
            status = {"ask": "pending", "escalate": "open"}.get(p.decision.outcome.value, "solved")
            marker = DecisionMarker(
                outcome=p.decision.outcome.value,
                ruleset=p.decision.ruleset_version,
                rules=tuple(r.rule for r in p.decision.reasons),
            )
            self.tickets[p.ticket_id] = app.model_copy(
                update={"updated_stamp": stamp, "status": status, "marker": marker}
            )
            self.write_ids[p.ticket_id] = write_id
            self.written.append((p.ticket_id, p.decision.outcome.value))
            results.append(WriteResult(ticket_id=p.ticket_id, status="applied", updated_stamp=stamp))
        return results

    def request_counts(self) -> dict[str, int]:
        return {"GET /search/export": self.requests}

    def decide_in_zendesk(self, ticket_id: int, outcome: str, status: str) -> None:
        """A specialist applies a macro by hand: the decision field changes, the ruleset field does not."""
        app = self.tickets[ticket_id]
        self.tickets[ticket_id] = app.model_copy(
            update={"status": status, "updated_stamp": f"{app.updated_stamp}+h",
                    "marker": DecisionMarker(outcome=outcome)}
        )

    def reply(self, ticket_id: int, **fields: object) -> None:
        app = self.tickets[ticket_id]
        self.tickets[ticket_id] = app.model_copy(
            update={"status": "open", "updated_stamp": f"{app.updated_stamp}+r",
                    "fields": {**app.fields, **fields}}
        )


class FieldEvaluator:
    """Decides from one field: fields["verdict"] is the outcome; 'auto' rules unless fields["manual_only"]."""

    version = "v1"

    def evaluate(self, application: Application) -> Decision:
        if application.program is None:
            return Decision(ticket_id=application.ticket_id, program=None, outcome=Outcome.SKIP,
                            ruleset_version=self.version)
        verdict = Outcome(str(application.fields.get("verdict", "ask")))
        macro = None if verdict is Outcome.MANUAL else MacroRef(title=f"{verdict.value} macro", id=1)
        reason = Reason(rule=f"r.{verdict.value}", message=f"because {verdict.value}", outcome=verdict,
                        macro=macro, auto=not application.fields.get("manual_only"))
        return Decision(ticket_id=application.ticket_id, program=application.program, outcome=verdict,
                        reasons=[reason], ruleset_version=self.version)

    def read_input(self, path: str, raw: object) -> None:
        """These fake rules take every input as given."""
        return None

    def verifications_needed(self, application: Application) -> set[str]:
        return set()


def application(ticket_id: int, verdict: str = "qualify", program: str | None = "education", **fields: object
                ) -> Application:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    return Application(
        ticket_id=ticket_id, program=program, fields={"verdict": verdict, **fields}, status="new",
        created_at=now, updated_at=now, updated_stamp=f"s{ticket_id}",
    )
