"""The Zendesk gateway: everything commops reads from and writes to Zendesk (implements TicketGateway)."""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from commops.config import Settings
from commops.domain import Application, Proposal
from commops.domain.operating import PastDecision
from commops.domain.records import MarkedDecision
from commops.domain.renewal import Reminder
from commops.domain.satisfaction import Rating
from commops.errors import (
    AuthError,
    ConfigError,
    NotFoundError,
    RateBudgetError,
    UnreachableError,
    ValidationError,
    ZendeskError,
)
from commops.ports import MacroInfo, QueuePage, Unmapped, WriteResult
from commops.zendesk._client import ZendeskHttp, build_zenpy, translate_error
from commops.zendesk._compose import ComposedUpdate, compose_update
from commops.zendesk._mapping import custom_values, map_ticket, parse_marker
from commops.zendesk._render import RenderContext, raw_template_left, render
from commops.zendesk._transport import ZendeskSession
from commops.zendesk._window import audit_time
from commops.zendesk._writer import Writer, WriteSide, recheck
from commops.zendesk.auth import BearerAuth, build_auth
from commops.zendesk.lease import LEASE_EXTERNAL_PREFIX

__all__ = ["ZendeskGateway"]

_log = logging.getLogger("commops.zendesk.jobs")

EXPORT_PAGE_SIZE = 1000  # search/export's maximum: one request per 1,000 queued tickets
SHOW_MANY = 100  # tickets/show_many, users/show_many and update_many take at most 100
_FORM_ID_TERM = re.compile(r"(?<!\S)(-?)(?:form|ticket_form_id):(\d+)(?!\S)")
# Which account data a comment needs, by what it mentions (a plain ticket_field_<id> needs none).
_NEEDS = {"fields": r"ticket_field_option_title_", "dc": r"\bdc\.", "locales": r"\.language\b",
          "brands": r"ticket\.brand\b", "groups": r"ticket\.group\b"}


def _stderr(text: str) -> None:
    sys.stderr.write(f"warning: {text}\n")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _query(params: dict[str, Any]) -> str:
    return "&".join(f"{k}={quote(str(v), safe=',')}" for k, v in params.items())


def _looks_numeric(text: str) -> bool:
    try:
        return Decimal(text.replace(",", "").strip()).is_finite()
    except InvalidOperation:
        return False


class ZendeskGateway:
    """One account (or the sandbox) through zenpy. Reference data (me, fields, forms, macros) is read
    once per gateway and cached; writes are exactly-once by the write_id marker (docs/zendesk.md)."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: ZendeskSession | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = settings.zendesk.base_url
        self.session = session or ZendeskSession(rate_budget_s=settings.zendesk.rate_wait_budget_s, sleep=sleep)
        self.auth = build_auth(settings.zendesk, settings.home, count=self.session.count, warn=warn or _stderr)
        self.session.auth = self.auth
        self.http = ZendeskHttp(build_zenpy(settings.zendesk, self.session), self.session, self.base_url)
        self._sleep = sleep
        self._clock = clock
        self._cache: dict[str, Any] = {}
        self._foreign_settled = False
        self._audits_read_to: Any = None  # the newest audit the last window check read (its id)

    def close(self) -> None:
        self.auth.close()
        self.session.close()

    # -- credentials --------------------------------------------------------------------------------

    def check_write_access(self) -> None:
        """Raise ScopeError before the first write when the token cannot write tickets or read their audits."""
        if isinstance(self.auth, BearerAuth):
            self.auth.learn(self.session)
        try:
            self.auth.require("write", "tickets")
            self.auth.require_audits()
        except ZendeskError:
            raise
        except Exception as exc:  # requests failures while learning a bearer token's scopes
            raise translate_error(exc, "checking the token's scopes", self.base_url) from exc

    def revoke_credentials(self) -> None:
        """Revoke the token in use at Zendesk and forget a stored login (``commops auth logout``)."""
        try:
            self.auth.revoke(self.session, self.base_url)
        except ZendeskError:
            raise
        except Exception as exc:
            raise translate_error(exc, "revoking the token", self.base_url) from exc

    def auth_status(self) -> dict[str, Any]:
        """``{"mode", "scopes", "expires_in_s"}`` of the credentials in use (never a token)."""
        if isinstance(self.auth, BearerAuth):
            self.auth.learn(self.session)
        return self.auth.describe()

    def __enter__(self) -> ZendeskGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request_counts(self) -> dict[str, int]:
        """Requests sent so far by endpoint template, e.g. ``{"GET /search/export": 1}``; retries count."""
        return self.session.request_counts()

    # -- reference data, cached for the life of the gateway -----------------------------------------

    def _cached(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def _list(self, path: str, key: str, what: str) -> list[dict[str, Any]]:
        """Every record of a cursor-paginated list endpoint."""
        items: list[dict[str, Any]] = []
        data = self.http.get(f"{path}?page[size]=100", what=what)
        while True:
            items += data.get(key) or []
            nxt = (data.get("links") or {}).get("next") or data.get("next_page")
            if not nxt or not (data.get("meta") or {}).get("has_more", bool(data.get("next_page"))):
                return items
            data = self.http.get(nxt, what=what)

    def me(self) -> dict[str, Any]:
        """The agent the credentials belong to (``{{current_user...}}`` placeholders, doctor)."""
        result: dict[str, Any] = self._cached(
            "me", lambda: self.http.get("users/me.json", what="reading who I am")["user"]
        )
        return result

    def _records(self, path: str, key: str, what: str, *, paged: bool = True) -> list[dict[str, Any]]:
        """An account list read once per gateway (``paged=False``: an endpoint without pagination)."""
        def load() -> list[dict[str, Any]]:
            if paged:
                return self._list(path, key, what)
            return list(self.http.get(path, what=what).get(key) or [])

        result: list[dict[str, Any]] = self._cached(path, load)
        return result

    def ticket_fields(self) -> list[dict[str, Any]]:
        return self._records("ticket_fields.json", "ticket_fields", "reading ticket fields")

    def ticket_forms(self) -> list[dict[str, Any]]:
        return self._records("ticket_forms.json", "ticket_forms", "reading ticket forms")

    def macro_records(self) -> list[dict[str, Any]]:
        """Macros with their actions, as Zendesk sends them."""
        return self._records("macros.json", "macros", "reading macros")

    def dynamic_content(self) -> list[dict[str, Any]]:
        """Dynamic content items with their variants (``{{dc.<name>}}``)."""
        return self._records("dynamic_content/items.json", "items", "reading dynamic content")

    def locales(self) -> list[dict[str, Any]]:
        return self._records("locales.json", "locales", "reading locales", paged=False)

    def brands(self) -> list[dict[str, Any]]:
        return self._records("brands.json", "brands", "reading brands")

    def groups(self) -> list[dict[str, Any]]:
        return self._records("groups.json", "groups", "reading groups")

    def custom_statuses(self) -> list[dict[str, Any]]:
        """The account's ticket statuses (``GET /custom_statuses``, not paginated)."""
        return self._records("custom_statuses.json", "custom_statuses", "reading ticket statuses", paged=False)

    def account_settings(self) -> dict[str, Any]:
        """``GET /account/settings``: features, locales, the default brand, API token access."""
        result: dict[str, Any] = self._cached("account/settings", lambda: dict(self.http.get(
            "account/settings.json", what="reading the account settings").get("settings") or {}))
        return result

    def account_id(self) -> str:
        """What identifies the account beyond its URL: Zendesk gives API clients no account id, but the
        default brand's id is global and belongs to one account (a host mapping or a sandbox reset to
        another account at the same URL changes the URL's meaning, not this)."""
        try:  # a token scoped to tickets only may not read the settings: then the URL alone names the account
            brand = (self.account_settings().get("brands") or {}).get("default_brand_id")
            if brand is None:
                brand = next((b.get("id") for b in self.brands() if b.get("default")), None)
        except (AuthError, NotFoundError, ValidationError):
            return ""
        return f"brand:{brand}" if brand is not None else ""

    def account_snapshot(self) -> dict[str, Any]:
        """What onboarding and ``rules lint`` read of the account, in one JSON object."""
        from datetime import UTC, datetime

        return {"url": self.base_url, "account_id": self.account_id(),
                "taken_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "fields": self.ticket_fields(), "forms": self.ticket_forms(), "macros": self.macro_records(),
                "statuses": self.custom_statuses(), "settings": self.account_settings(), "brands": self.brands(),
                "groups": self.groups()}

    def create_ticket_field(self, field: dict[str, Any]) -> dict[str, Any]:
        """``POST /ticket_fields`` (an admin's write): the created field; the field list is read again."""
        made: dict[str, Any] = self.http.post("ticket_fields.json", {"ticket_field": field},
                                              what=f"creating the ticket field {field.get('title')!r}")["ticket_field"]
        self._cache.pop("ticket_fields.json", None)
        return made

    def resolve_form_ids(self, query: str) -> str:
        """``form:<id>`` terms as ``form:"<the form's current name>"`` (Zendesk's search takes names): the
        queue is configured by form ids, so a form renamed in Zendesk keeps the queue whole. One
        ``GET /ticket_forms`` per gateway, only when the query has such a term."""
        if not _FORM_ID_TERM.search(query):
            return query
        names = {int(f["id"]): str(f.get("name")) for f in self.ticket_forms()}

        def name_of(match: re.Match[str]) -> str:
            form_id = int(match.group(2))
            if form_id not in names:
                raise ConfigError(f"the queue query names the ticket form {form_id}, which the account does not have",
                                  hint="fix [queue] query (`commops doctor` lists the account's forms)")
            return f'{match.group(1)}form:"{names[form_id]}"'

        return _FORM_ID_TERM.sub(name_of, query)

    def status_ids(self) -> dict[str, int]:
        """``[statuses]`` resolved against the account: outcome → custom status id (ConfigError naming the
        entry when a label or id is no active status of the account, or a label is ambiguous)."""
        if not self.settings.statuses:
            return {}
        statuses = [s for s in self.custom_statuses() if s.get("active", True)]
        resolved: dict[str, int] = {}
        for outcome, wanted in self.settings.statuses.items():
            if isinstance(wanted, int) or str(wanted).isdigit():
                found = [s for s in statuses if s.get("id") == int(wanted)]
            else:
                found = [s for s in statuses if str(s.get("agent_label", "")).casefold() == str(wanted).casefold()]
            if len(found) != 1:
                known = ", ".join(f"{s.get('agent_label')!r} ({s.get('id')})" for s in statuses)
                problem = "matches several statuses" if found else "is no active custom status of the account"
                raise ConfigError(f"statuses.{outcome} = {wanted!r} {problem}; the account has: {known}",
                                  hint="name a status by its agent label or id (`commops doctor` checks them)")
            resolved[outcome] = int(found[0]["id"])
        return resolved

    def macros(self) -> list[MacroInfo]:
        return [
            MacroInfo(id=m["id"], title=m["title"], active=bool(m.get("active", True))) for m in self.macro_records()
        ]

    def audits(self, ticket_id: int) -> list[dict[str, Any]]:
        """A ticket's audits, oldest first (stats reads decisions made directly in Zendesk from them)."""
        return self._list(f"tickets/{int(ticket_id)}/audits.json", "audits", f"reading ticket {ticket_id}'s audits")

    def satisfaction_ratings(self, since: datetime) -> Iterator[Rating]:
        """Members' satisfaction ratings made since ``since``, in bulk (``commops.zendesk.satisfaction``)."""
        from commops.zendesk.satisfaction import read_ratings

        return read_ratings(self.http, since=since)

    def ticket_decisions(self, ticket_id: int) -> list[MarkedDecision]:
        """One ticket's decisions (commops' and specialists'), from its audits: one request."""
        from commops.zendesk.marked import marked_decisions

        audits = ({**a, "ticket_id": a.get("ticket_id", ticket_id)} for a in self.audits(ticket_id))
        return marked_decisions(audits, *self._marker_fields()).get(int(ticket_id), [])

    def decisions_since(self, start: datetime) -> dict[int, list[MarkedDecision]]:
        """Every ticket's decisions since ``start``, in bulk: the event export, 1,000 audits a request (its
        last minute may not be exported yet)."""
        from commops.zendesk.marked import marked_decisions

        return marked_decisions(self.ticket_events(int(start.timestamp())), *self._marker_fields())

    def _marker_fields(self) -> tuple[int, int]:
        markers = self.settings.markers
        return self.settings.fields[markers.decision_field], self.settings.fields[markers.ruleset_field]

    def ticket_events(self, start_time: int) -> Iterator[dict[str, Any]]:
        """Every audit since ``start_time`` (unix seconds) through the time-based incremental event export,
        1,000 a request, oldest first. Pages overlap by a second (Zendesk repeats the events of a page's
        last second on the next): an event already yielded is not yielded again."""
        seen: set[int] = set()
        url: str | None = f"incremental/ticket_events.json?start_time={max(0, int(start_time))}"
        while url:
            data = self.http.get(url, what="reading ticket events")
            fresh = 0
            for event in data.get("ticket_events") or []:
                key = int(event.get("id") or 0)
                if key in seen:
                    continue
                seen.add(key)
                fresh += 1
                yield event
            nxt = data.get("next_page")
            url = None if data.get("end_of_stream") or not nxt or not fresh else str(nxt)

    def tickets_with_users(
        self, ticket_ids: Sequence[int]
    ) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        """Tickets as Zendesk sends them and their requesters, 100 a request (show_many, users side-loaded)."""
        tickets, users = self._fetch(ticket_ids)
        listed = list(tickets.values())
        every = self._users_for(listed, list(users.values()))
        return tickets, {int(u["id"]): u for u in every if isinstance(u, dict) and "id" in u}

    def numeric_keys_for(self, tickets: list[dict[str, Any]]) -> frozenset[str]:
        """The field keys whose values are numbers, read from the account only when a value needs it."""
        return self._numeric_keys_for(tickets)

    def preview_macro(self, ticket_id: int, macro_id: int) -> dict[str, Any]:
        """The macro apply endpoint: the ticket as the macro would leave it, nothing saved."""
        data = self.http.get(
            f"tickets/{int(ticket_id)}/macros/{int(macro_id)}/apply.json",
            what=f"previewing macro {macro_id} on ticket {ticket_id}",
        )
        result: dict[str, Any] = data.get("result") or {}
        return result

    def _numeric_keys(self) -> frozenset[str]:
        kinds = {f["id"]: f.get("type") for f in self.ticket_fields()}
        return frozenset(k for k, fid in self.settings.fields.items() if kinds.get(fid) in ("integer", "decimal"))

    # -- reading ------------------------------------------------------------------------------------

    def _numeric_keys_for(self, tickets: list[dict[str, Any]]) -> frozenset[str]:
        """Field types are read only when a value needs them: a number sent as a string. Zendesk validates
        integer/decimal fields, so without such strings every number already arrives as a JSON number."""
        if "ticket_fields.json" in self._cache:
            return self._numeric_keys()
        ids = set(self.settings.fields.values())
        for ticket in tickets:
            for field_id, value in custom_values(ticket).items():
                if field_id in ids and isinstance(value, str) and _looks_numeric(value):
                    return self._numeric_keys()
        return frozenset()

    def _map_page(self, tickets: list[dict[str, Any]], users: list[dict[str, Any]]) -> QueuePage:
        by_id = {int(u["id"]): u for u in users if isinstance(u, dict) and "id" in u}
        numeric = self._numeric_keys_for(tickets)
        page = QueuePage()
        for ticket in tickets:
            mapped = map_ticket(ticket, by_id, self.settings, self.base_url, numeric_keys=numeric)
            if isinstance(mapped, Unmapped):
                page.unmapped.append(mapped)
            else:
                page.applications.append(mapped)
        return page

    def _users_for(self, tickets: list[dict[str, Any]], users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Side-loaded users, plus a show_many (100 per call) for any requester the answer left out."""
        known = {u.get("id") for u in users}
        missing = sorted({t["requester_id"] for t in tickets if t.get("requester_id")} - known)
        extra: list[dict[str, Any]] = []
        for part in _chunks(missing, SHOW_MANY):
            ids = ",".join(str(i) for i in part)
            extra += self.http.get(f"users/show_many.json?ids={ids}", what="reading requesters").get("users") or []
        return [*users, *extra]

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]:
        """The queue, page by page, through search/export (cursor-paginated, never capped at 1,000).

        The configured queue is ``[queue] query`` and then each of ``[queue] also`` (each ticket once);
        a ``query`` given here replaces them all."""
        queries = [query] if query else [self.settings.queue.query, *self.settings.queue.also]
        seen: set[int] = set()
        for n, text in enumerate(queries):
            for page in self._pull_one(text, cursor if n == 0 else None):
                if len(queries) > 1:
                    page.applications = [a for a in page.applications if a.ticket_id not in seen]
                    seen.update(a.ticket_id for a in page.applications)
                    if n < len(queries) - 1 and not page.has_more:
                        page.has_more, page.cursor = True, None  # one queue: the next query's pages follow
                yield page

    def _pull_one(self, query: str, cursor: str | None) -> Iterator[QueuePage]:
        params: dict[str, Any] = {
            "query": self.resolve_form_ids(query),
            "filter[type]": "ticket",
            "page[size]": EXPORT_PAGE_SIZE,
            "include": "users",
        }
        if cursor:
            params["page[after]"] = cursor
        url: str | None = f"search/export.json?{_query(params)}"
        while url:
            data = self.http.get(url, what="reading the queue")
            brands = set(self.settings.queue.brands)
            tickets = [t for t in data.get("results") or [] if t.get("result_type", "ticket") == "ticket"
                       and (not brands or t.get("brand_id") in brands)
                       and not str(t.get("external_id") or "").startswith(LEASE_EXTERNAL_PREFIX)]
            page = self._map_page(tickets, self._users_for(tickets, data.get("users") or []))
            meta = data.get("meta") or {}
            page.cursor = meta.get("after_cursor")
            page.has_more = bool(meta.get("has_more"))
            nxt = (data.get("links") or {}).get("next")
            url = nxt if page.has_more and nxt else None
            del data, tickets  # the raw page goes before the next one is read: one page in memory, not two
            yield page
            del page

    def _fetch(self, ticket_ids: Sequence[int]) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        """Tickets and their requesters by id, 100 per show_many call with users side-loaded."""
        tickets: dict[int, dict[str, Any]] = {}
        users: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(int(i) for i in ticket_ids))
        for part in _chunks(unique, SHOW_MANY):
            ids = ",".join(str(i) for i in part)
            data = self.http.get(f"tickets/show_many.json?ids={ids}&include=users", what="reading tickets")
            for ticket in data.get("tickets") or []:
                tickets[int(ticket["id"])] = ticket
            users += data.get("users") or []
        return tickets, {int(u["id"]): u for u in users if "id" in u}

    def get_applications(self, ticket_ids: Sequence[int]) -> list[Application]:
        tickets, users = self._fetch(ticket_ids)
        listed = list(tickets.values())
        page = self._map_page(listed, self._users_for(listed, list(users.values())))
        return page.applications

    def current_stamps(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        tickets, _ = self._fetch(ticket_ids)
        return {tid: str(t.get("updated_at")) for tid, t in tickets.items()}

    # -- writing ------------------------------------------------------------------------------------

    def write_decisions(
        self,
        proposals: Sequence[Proposal],
        *,
        on_job: Callable[[str, list[int]], None] | None = None,
        between_batches: Callable[[], None] | None = None,
    ) -> list[WriteResult]:
        """One result per proposal, in order. Manual and skip outcomes write nothing: ``skipped``.

        ``on_job(job_id, ticket_ids)`` is called as soon as Zendesk accepts an update_many job, so a
        caller can record it: a run killed while the job is queued leaves its id behind for the next run
        to :meth:`settle_jobs` before it looks at the tickets again. ``between_batches()`` runs before each
        chunk of 100 is re-checked and sent (a lease renewal; raising there stops the write cleanly: every
        job already accepted was handed to ``on_job``).
        """
        self.check_write_access()
        if sum(1 for p in proposals if p.decision.outcome.writes) > 1:
            self.wait_for_running_jobs()
        markers = self.settings.markers
        marker_fields = frozenset(str(self.settings.fields[k]) for k in (markers.decision_field, markers.ruleset_field))
        side = WriteSide(
            http=self.http,
            prepare=self._prepare,
            fetch=lambda ids: self._fetch(ids)[0],
            written=self.written,
            now=self.now,
            pause=self.pause,
            job_wait_s=self.settings.zendesk.job_wait_s,
            jobs_in_flight=self.settings.zendesk.jobs_in_flight,
            recent_audits=self.recent_audits,
            ticket_audits=self.audits,
            audit_write_id=self.audit_write_id,
            server_time=lambda: self.session.server_time,
            marker_fields=marker_fields,
            marker_tags=frozenset({markers.tag}),
        )
        return Writer(side, on_job=on_job, between_batches=between_batches).write(proposals)

    def wait_for_running_jobs(self) -> None:
        """Before this gateway's first update_many: wait for the jobs the account already runs. A job a
        killed process queued (its id maybe never journaled, or on another runner) would otherwise land
        between our re-check and our own job, and update_many does not guard against that. Once per
        gateway: no process that is gone can queue another."""
        if self._foreign_settled:
            return
        running = self.active_jobs()
        if running:
            _log.info("waiting for %d job(s) the account already runs before the first update_many", len(running))
            self.settle_jobs(running)
        self._foreign_settled = True

    def recent_audits(self, since: float) -> list[dict[str, Any]]:
        """The account's audits created at or after ``since`` (Zendesk's unix seconds), newest first:
        ``GET /ticket_audits``, 100 a page, read back until a page reaches past ``since``."""
        audits: list[dict[str, Any]] = []
        url: str | None = "ticket_audits.json?page[size]=100"
        seen_before, newest = self._audits_read_to, None
        while url:
            data = self.http.get(url, what="reading the account's newest audits")
            page = [a for a in data.get("audits") or [] if isinstance(a, dict)]
            newest = newest if newest is not None or not page else page[0].get("id")
            # An earlier call's check read down from its newest audit: everything from there on happened
            # before this call's re-checks, so it is in none of this call's windows.
            cut = next((i for i, a in enumerate(page) if seen_before is not None and a.get("id") == seen_before), None)
            audits += page if cut is None else page[:cut]
            if cut is not None or not page or audit_time(page[-1]) < since:
                break
            nxt = (data.get("links") or {}).get("next")
            url = nxt if (data.get("meta") or {}).get("has_more") and nxt else None
        if newest is not None:
            self._audits_read_to = newest
        return [a for a in audits if audit_time(a) >= since]

    def audit_write_id(self, audit: Mapping[str, Any]) -> str | None:
        """The write_id an audit set in the ruleset marker field, if it did."""
        field = str(self.settings.fields[self.settings.markers.ruleset_field])
        for event in audit.get("events") or []:
            if isinstance(event, dict) and event.get("type") == "Change" and str(event.get("field_name")) == field:
                return parse_marker(event.get("value")).write_id
        return None

    def set_fields(self, ticket_id: int, values: dict[str, Any]) -> None:
        """Set custom fields by key (a provisioned subscription id, the term's end). Idempotent: the same
        values again change nothing; no comment, no status change."""
        custom = [{"id": self.settings.fields[key], "value": value} for key, value in values.items()]
        self.http.put(f"tickets/{int(ticket_id)}.json", {"ticket": {"custom_fields": custom}},
                      what=f"writing ticket {ticket_id}'s subscription fields")

    def reminder_keys(self, tag: str) -> set[str]:
        """The external ids of the reminder tickets already in the account (one search, cursor-paginated)."""
        params = {"query": f"type:ticket tags:{tag}", "filter[type]": "ticket", "page[size]": EXPORT_PAGE_SIZE}
        url: str | None = f"search/export.json?{_query(params)}"
        keys: set[str] = set()
        while url:
            data = self.http.get(url, what="searching earlier renewal reminders")
            keys |= {str(t["external_id"]) for t in data.get("results") or [] if t.get("external_id")}
            meta = data.get("meta") or {}
            nxt = (data.get("links") or {}).get("next")
            url = nxt if meta.get("has_more") and nxt else None
        return keys

    def create_reminders(
        self, reminders: Sequence[Reminder], *, on_job: Callable[[str, list[str]], None] | None = None
    ) -> dict[str, int | str]:
        """One outbound ticket per reminder, through create_many jobs of 100; external id → new ticket id
        (or the error). The macro's effects and comment are applied locally, so no ticket is left raw."""
        compose = self._reminder_composer()
        names = self._requester_names([r.ticket_id for r in reminders if r.ticket_id])
        outcome: dict[str, int | str] = {}
        for part in _chunks(list(reminders), SHOW_MANY):
            tickets = [compose(r, names.get(r.ticket_id or 0)) for r in part]
            data = self.http.post("tickets/create_many.json", {"tickets": tickets}, what="creating renewal reminders")
            job = data.get("job_status") or {}
            job_id = str(job.get("id"))
            if on_job is not None:
                on_job(job_id, [r.key for r in part])
            final = self._wait_job(job_id)
            results = final.get("results") or []
            for index, reminder in enumerate(part):
                entry = next((x for x in results if x.get("index") == index), None)
                if final.get("status") != "completed" or entry is None:
                    outcome[reminder.key] = f"job {job_id} {final.get('status')}"
                elif entry.get("success") is False or not entry.get("id"):
                    outcome[reminder.key] = str(entry.get("details") or entry.get("error") or "not created")
                else:
                    outcome[reminder.key] = int(entry["id"])
        return outcome

    def _requester_names(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        if not ticket_ids:
            return {}
        tickets, users = self._fetch(ticket_ids)
        names = {}
        for tid, ticket in tickets.items():
            user = users.get(int(ticket.get("requester_id") or 0)) or {}
            if user.get("name"):
                names[tid] = str(user["name"])
        return names

    def _reminder_composer(self) -> Callable[[Reminder, str | None], dict[str, Any]]:
        settings = self.settings
        title = settings.renewals.macro
        macro = next((m for m in self.macro_records() if m.get("title") == title), None)
        if macro is None:
            raise NotFoundError(f"macro {title!r} does not exist in the Zendesk account",
                                hint="set [renewals] macro to your reminder macro's title (commops doctor)")
        agent = self.me()
        # [application_types] maps the field's option value to "new" | "renewal"
        renewal_value = next((k for k, v in settings.application_types.items() if v == "renewal"), None)

        def compose(reminder: Reminder, name: str | None) -> dict[str, Any]:
            program = settings.programs[reminder.program]
            values: dict[str, Any] = {"membership_ends_on": reminder.term_end.isoformat(),
                                      "current_subscription_id": reminder.subscription_id,
                                      "application_type": renewal_value, "program": program.program_value}
            custom = {settings.fields[k]: v for k, v in values.items() if k in settings.fields and v is not None}
            ticket: dict[str, Any] = {"subject": f"Your {reminder.program.replace('_', ' ')} membership ends on "
                                                 f"{reminder.term_end.isoformat()}",
                                      "requester": {"email": reminder.email, **({"name": name} if name else {})},
                                      "external_id": reminder.key, "tags": [settings.renewals.tag]}
            if program.form_id is not None:
                ticket["ticket_form_id"] = program.form_id
            public = True
            for action in macro.get("actions") or []:
                field, value = action.get("field"), action.get("value")
                if field == "status":
                    ticket["status"] = value
                elif field == "current_tags":
                    ticket["tags"] += str(value).split()
                elif field == "comment_mode_is_public":
                    public = str(value).lower() == "true"
                elif field == "comment_value":
                    draft = {**ticket, "custom_fields": [{"id": fid, "value": v} for fid, v in custom.items()]}
                    ctx = RenderContext(ticket=draft, requester={"name": name or "", "email": reminder.email},
                                        current_user=agent)
                    try:
                        outcome = render(str(value[-1] if isinstance(value, list) else value), ctx)
                    except LookupError as exc:
                        raise ValidationError(f"macro {title!r}: {exc}") from None
                    if outcome.text is None or raw_template_left(outcome.text):
                        raise ValidationError(f"macro {title!r} uses placeholders commops cannot fill on a new "
                                              f"ticket: {', '.join(outcome.unsupported) or 'template text left'}")
                    text = outcome.text
                    ticket["comment"] = {"body": text.replace("Hi ,", "Hi,"), "public": public,
                                         "author_id": agent.get("id")}
            if "comment" not in ticket:
                raise ValidationError(f"macro {title!r} has no comment to send")
            ticket["comment"]["public"] = public
            ticket["custom_fields"] = [{"id": fid, "value": v} for fid, v in custom.items()]
            return ticket

        return compose

    def _wait_job(self, job_id: str) -> dict[str, Any]:
        deadline = self.now() + self.settings.zendesk.job_wait_s
        delay = 0.25
        while True:
            job: dict[str, Any] = self.http.get(f"job_statuses/{job_id}.json", what="waiting for a job").get(
                "job_status") or {}
            if job.get("status") not in ("queued", "working"):
                return job
            if self.now() >= deadline:
                return job
            self.pause(delay)
            delay = min(delay * 2, 5.0)

    def active_jobs(self) -> list[str]:
        """The account's queued or working jobs (one request): what may still land when a job id was lost."""
        data = self.http.get("job_statuses.json", what="listing jobs")  # newest first, first page
        return [
            str(j["id"]) for j in data.get("job_statuses") or []
            if isinstance(j, dict) and j.get("status") in ("queued", "working")
        ]

    def settle_jobs(self, job_ids: Sequence[str]) -> dict[str, str]:
        """Wait (within ``job_wait_s``) until these jobs are no longer queued or working; their last status.

        Jobs Zendesk no longer knows (results expire after hours) count as settled: they ran long ago.
        """
        pending = list(dict.fromkeys(job_ids))
        final: dict[str, str] = {}
        deadline = self.now() + self.settings.zendesk.job_wait_s
        delay = 0.25
        while pending:
            data: dict[str, Any] = {}
            for part in _chunks(pending, SHOW_MANY):
                got = self.http.get(f"job_statuses/show_many.json?ids={','.join(part)}", what="settling jobs")
                data.setdefault("job_statuses", []).extend(got.get("job_statuses") or [])
            seen = {str(j.get("id")): str(j.get("status")) for j in data.get("job_statuses") or []}
            still = []
            for job_id in pending:
                status = seen.get(job_id, "gone")
                if status in ("queued", "working"):
                    still.append(job_id)
                else:
                    final[job_id] = status
            pending = still
            if pending:
                if self.now() >= deadline:
                    raise ZendeskError(
                        f"{len(pending)} update job(s) from an earlier run are still queued after "
                        f"{self.settings.zendesk.job_wait_s:.0f}s; nothing was resent",
                        hint="run again later: the writes are resumed once those jobs have run",
                    )
                self.pause(delay)
                delay = min(delay * 2, 5.0)
        return final

    # what the writer is handed (WriteSide)
    def _prepare(
        self, proposals: Sequence[Proposal]
    ) -> tuple[list[tuple[Proposal, ComposedUpdate]], dict[int, WriteResult]]:
        """Re-read the tickets (one call per 100) and sort each proposal: already applied, changed
        since evaluation (conflict), or ready with its composed update."""
        tickets, users = self._fetch([p.ticket_id for p in proposals])
        macros = {m["title"]: m for m in self.macro_records()}
        reference = self._render_reference(list(macros.values()))
        status_ids = self.status_ids()  # a wrong [statuses] entry stops the run before any write
        done: dict[int, WriteResult] = {}
        ready: list[tuple[Proposal, ComposedUpdate]] = []
        for proposal in proposals:
            tid = proposal.ticket_id
            ticket = tickets.get(tid)
            settled = recheck(proposal, ticket, self.written(ticket) if ticket is not None else None)
            if settled is not None:
                done[tid] = settled
                continue
            assert ticket is not None
            try:
                composed = compose_update(
                    proposal.decision,
                    proposal.updated_stamp,
                    context=self._render_context(ticket, users, reference),
                    macros=macros,
                    settings=self.settings,
                    apply_fallback=self._apply_comment,
                    status_ids=status_ids,
                    benefit_code=proposal.benefit_code,
                    by=proposal.by,
                )
            except (RateBudgetError, UnreachableError, AuthError):
                raise
            except ZendeskError as exc:
                done[tid] = WriteResult(ticket_id=tid, status="failed", error=str(exc))
                continue
            ready.append((proposal, composed))
        return ready, done

    def _render_reference(self, macros: list[dict[str, Any]]) -> dict[str, Any]:
        """The account data the macros' comments refer to, read only when some comment needs it."""
        text = " ".join(str(a.get("value")) for m in macros for a in m.get("actions") or []
                        if str(a.get("field", "")).startswith("comment_value"))
        need = {key: bool(re.search(pattern, text)) for key, pattern in _NEEDS.items()}
        return {
            "ticket_fields": {f["id"]: f for f in self.ticket_fields()} if need["fields"] else {},
            "dynamic_content": {i["name"]: i for i in self.dynamic_content()} if need["dc"] else {},
            "locales": {loc["id"]: loc for loc in self.locales()} if need["locales"] else {},
            "brands": {b["id"]: b for b in self.brands()} if need["brands"] else {},
            "groups": {g["id"]: g for g in self.groups()} if need["groups"] else {},
        }

    def _render_context(self, ticket: dict[str, Any], users: dict[int, dict[str, Any]],
                        reference: dict[str, Any]) -> RenderContext:
        def person(user_id: Any) -> dict[str, Any] | None:
            if not user_id:
                return None
            found = users.get(int(user_id))
            if found is None:
                found = self.http.get(f"users/{int(user_id)}.json", what=f"reading user {user_id}")["user"]
                users[int(user_id)] = found
            return found

        return RenderContext(
            ticket=ticket,
            requester=person(ticket.get("requester_id")) or {},
            current_user=self.me(),
            assignee=person(ticket.get("assignee_id")),
            **reference,
        )

    def _apply_comment(self, ticket_id: int, macro_id: int) -> dict[str, Any]:
        result = self.preview_macro(ticket_id, macro_id)
        ticket = result.get("ticket") or {}
        comment: dict[str, Any] = ticket.get("comment") or result.get("comment") or {}
        return comment

    def written(self, ticket: dict[str, Any]) -> str | None:
        """The write_id the ticket's ruleset marker carries, if any."""
        field_id = self.settings.fields[self.settings.markers.ruleset_field]
        return parse_marker(custom_values(ticket).get(field_id)).write_id

    def now(self) -> float:
        return self._clock()

    def pause(self, seconds: float) -> None:
        self._sleep(seconds)

    def decided_history(self, since: datetime) -> list[PastDecision]:
        """Every decision since ``since``, with the field values it was made on (read in bulk)."""
        from commops.zendesk.history import decided_history

        return decided_history(self, since)
