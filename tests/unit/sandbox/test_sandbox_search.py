from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from commops.sandbox.search import SearchCatalog, SearchSyntaxError, compile_query

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CATALOG = SearchCatalog(forms={"education program application": 1, "startups program application": 3},
                        groups={"sales handoff": 7}, users={"ada@example.org": 99})


def ticket(tid: int, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": tid, "status": "new", "ticket_form_id": 1, "tags": [], "custom_fields": [],
                            "subject": "Application", "description": "", "group_id": None,
                            "created_at": "2026-02-10T10:00:00Z", "updated_at": "2026-02-20T10:00:00Z"}
    base.update(kw)
    return base


def ids(query: str, tickets: list[dict[str, Any]]) -> list[int]:
    predicate = compile_query(query, CATALOG, NOW)
    return [t["id"] for t in tickets if predicate(t)]


def test_default_queue_query_ors_forms_and_ands_status() -> None:
    tickets = [ticket(1), ticket(2, ticket_form_id=3, status="open"), ticket(3, ticket_form_id=None),
               ticket(4, status="solved"), ticket(5, ticket_form_id=2)]
    query = ('type:ticket status<solved form:"Education program application" '
             'form:"Startups program application"')
    assert ids(query, tickets) == [1, 2]


def test_status_comparisons() -> None:
    tickets = [ticket(i, status=s) for i, s in enumerate(["new", "open", "pending", "hold", "solved", "closed"])]
    assert ids("status<pending", tickets) == [0, 1]
    assert ids("status>=solved", tickets) == [4, 5]
    assert ids("status:open status:pending", tickets) == [1, 2]


def test_tags_and_negation() -> None:
    tickets = [ticket(1, tags=["a", "b"]), ticket(2, tags=["a"]), ticket(3, tags=[])]
    assert ids("tags:a -tags:b", tickets) == [2]
    assert ids("tags:b tags:none", tickets) == [1, 3]
    assert ids("-tags:a -tags:b", tickets) == [3]


def test_custom_fields_dates_groups_and_text() -> None:
    tickets = [ticket(1, custom_fields=[{"id": 5, "value": "program_x"}, {"id": 6, "value": 12}]),
               ticket(2, custom_fields=[{"id": 6, "value": 3}], group_id=7, created_at="2026-02-28T23:00:00Z",
                      subject="Need help with invoices")]
    assert ids("custom_field_5:program_x", tickets) == [1]
    assert ids("custom_field_6>5", tickets) == [1]
    assert ids('group:"Sales handoff"', tickets) == [2]
    assert ids("created>2026-02-27", tickets) == [2]
    assert ids("created<2026-02-11", tickets) == [1]
    assert ids("created:2026-02-28", tickets) == [2]
    assert ids("created>2days", tickets) == [2]
    assert ids('"help with invoices"', tickets) == [2]
    assert ids("invoices", tickets) == [2]
    assert ids("requester:ada@example.org", [ticket(1, requester_id=99), ticket(2, requester_id=1)]) == [1]


@pytest.mark.parametrize("query", ["type:user", "statsu:open", "status:bogus", "created>yesterday-ish",
                                   "custom_field_5>abc", "", "form<x"])
def test_what_it_does_not_understand_is_an_error(query: str) -> None:
    with pytest.raises(SearchSyntaxError):
        compile_query(query, CATALOG, NOW)


def test_unknown_form_name_matches_nothing() -> None:
    assert ids('form:"No such form"', [ticket(1), ticket(2)]) == []


def test_order_by_and_sort_are_directives_not_filters() -> None:
    from commops.sandbox.search import sort_directives

    tickets = [ticket(1), ticket(2, status="open")]
    assert ids("type:ticket order_by:created sort:asc", tickets) == [1, 2]
    assert sort_directives("type:ticket order_by:updated_at sort:asc") == ("updated_at", False)
    assert sort_directives("type:ticket") == (None, True)
    with pytest.raises(SearchSyntaxError):
        compile_query("order_by:colour", CATALOG, NOW)
