"""The update_many window: which written tickets someone else updated between the re-check and the job,
and what putting their values back sends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commops.zendesk._window import Intrusion, find_intrusions, restore_update

MARKER = "3600299"


def audit(aid: int, tid: int, at: str, *events: dict[str, Any]) -> dict[str, Any]:
    return {"id": aid, "ticket_id": tid, "created_at": at, "events": list(events)}


def change(name: str, value: Any, previous: Any) -> dict[str, Any]:
    return {"type": "Change", "field_name": name, "value": value, "previous_value": previous}


def wid(a: Mapping[str, Any]) -> str | None:
    return next((e["value"] for e in a["events"] if e.get("field_name") == MARKER), None)


STAMP = "2027-01-15T08:00:00Z"  # the updated_at the decision was evaluated on


def test_an_update_between_the_stamp_and_our_audit_is_an_intrusion() -> None:
    ours = audit(9, 7, "2027-01-15T08:00:05Z", change(MARKER, "w1", None), change("status", "solved", "open"))
    reply = audit(8, 7, "2027-01-15T08:00:03Z", change("status", "open", "new"))
    made_stamp = audit(3, 7, STAMP)
    found, unseen = find_intrusions({7: ("w1", STAMP)}, [ours, reply, made_stamp], wid)
    assert unseen == [] and list(found) == [7]
    assert found[7].others == [reply] and not found[7].doubled


def test_the_audit_that_made_the_stamp_and_updates_after_ours_are_not() -> None:
    later = audit(10, 7, "2027-01-15T08:00:09Z", change("status", "pending", "solved"))
    ours = audit(9, 7, "2027-01-15T08:00:05Z", change(MARKER, "w1", None))
    older = audit(2, 7, "2027-01-14T08:00:00Z")  # before the stamp: not in the window
    found, unseen = find_intrusions({7: ("w1", STAMP)}, [later, ours, audit(3, 7, STAMP), older], wid)
    assert found == {} and unseen == []


def test_a_second_audit_in_the_stamps_second_counts_as_an_intrusion() -> None:
    """Zendesk's stamps have second resolution: better a conflict too many than an overwrite missed."""
    ours = audit(9, 7, "2027-01-15T08:00:05Z", change(MARKER, "w1", None))
    found, _ = find_intrusions({7: ("w1", STAMP)}, [ours, audit(4, 7, STAMP), audit(3, 7, STAMP)], wid)
    assert [a["id"] for a in found[7].others] == [4]


def test_a_late_copy_of_the_same_write_is_flagged_doubled_and_a_missing_audit_is_unseen() -> None:
    ours = audit(9, 7, "2027-01-15T08:00:05Z", change(MARKER, "w1", None))
    orphan = audit(8, 7, "2027-01-15T08:00:04Z", change(MARKER, "w1", None))
    found, unseen = find_intrusions({7: ("w1", STAMP), 8: ("w2", STAMP)}, [ours, orphan], wid)
    assert found[7].doubled and unseen == [8]


def test_putting_back_touches_only_what_still_holds_our_values_and_keeps_the_markers() -> None:
    ours = audit(9, 7, "2027-01-15T08:00:05Z",
                 change(MARKER, "w1", None), change("status", "solved", "open"), change("group_id", 5, 4),
                 change("3600202", "app_done", "app_new"), change("tags", ["a", "commops_decided", "x"], ["a", "b"]))
    current = {"status": "solved", "group_id": 6,  # someone moved the group since: left alone
               "custom_fields": [{"id": 3600202, "value": "app_done"}, {"id": int(MARKER), "value": "w1"}],
               "tags": ["a", "commops_decided", "x"]}
    body, restored = restore_update(Intrusion(7, ours, [], False), current, marker_fields={MARKER},
                                    marker_tags={"commops_decided"}, note="what happened")
    assert body["status"] == "open" and "group_id" not in body
    assert body["custom_fields"] == [{"id": 3600202, "value": "app_new"}]
    assert body["tags"] == ["a", "commops_decided", "b"]  # ours added x (gone again), removed b (back)
    assert body["comment"] == {"body": "what happened", "public": False}
    assert restored == ["status", "field 3600202", "tags"]


def test_status_new_cannot_come_back_once_open() -> None:
    ours = audit(9, 7, "t", change("status", "solved", "new"), change("custom_status_id", 2, 1))
    body, _ = restore_update(Intrusion(7, ours, [], False), {"status": "solved", "custom_status_id": 2},
                             marker_fields=set(), marker_tags=set(), note="n")
    assert body["status"] == "open" and "custom_status_id" not in body
