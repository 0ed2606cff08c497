"""The missing support worker's pages: signing in lands on the team's worklist; a task's page
takes it and records the outcome (CSRF, post/redirect/get); a problem names its field in the
error summary; and the child's page shows the interview to caseworkers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from factories import notification
from test_api import submit
from test_pages import _csrf, _sign_in
from triage.store import Database

H = dict[str, dict[str, str]]


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements run on the database meanwhile."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", note)


def returns(client: TestClient, headers: H, children: range) -> None:
    """Each child returns once; the service's pass makes their interview tasks."""
    for n in children:
        child = {
            "police_person_id": f"WMP-P-6{n:02d}",
            "given_name": ["Amy", "Bea", "Cara", "Dee", "Eve", "Fay", "Gail"][n % 7],
            "family_name": f"Test{'abcdefghijklmnopqrstuvwxyz'[n % 26]}{n // 26}",
            "date_of_birth": f"2011-0{1 + n % 9}-{10 + n % 19}",
        }
        submit(client, headers, notification(reference=f"RHI-N-{n}", child=child))
    client.app.state.revet.run_once()  # type: ignore[attr-defined]


def seeded(client: TestClient, headers: H) -> int:
    submit(client, headers, notification(reference="RHI-P-1"))
    client.app.state.revet.run_once()  # type: ignore[attr-defined]
    items = client.get(
        "/api/v1/interviews/tasks", headers=headers["missing_support_worker"]
    ).json()["items"]
    return int(items[0]["task_id"])


def test_a_worker_signs_in_to_the_worklist_of_their_team(client: TestClient, headers: H) -> None:
    seeded(client, headers)
    _sign_in(client, "dana")
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/interviews"
    page = client.get("/interviews?team=South")
    assert page.status_code == 200
    assert page.template.name == "interviews.html"  # type: ignore[attr-defined]
    work = page.context["work"]  # type: ignore[attr-defined]
    assert len(work.unallocated) == 1 and work.overdue == []
    assert "Jade Collins" in page.text and "Unallocated" in page.text


def test_a_worker_takes_a_task_and_records_it_held(client: TestClient, headers: H) -> None:
    task_id = seeded(client, headers)
    _sign_in(client, "dana")
    token = _csrf(client, f"/interviews/{task_id}")
    taken = client.post(
        f"/interviews/{task_id}/allocation", data={"csrf_token": token}, follow_redirects=False
    )
    assert taken.status_code == 303
    assert "allocated to you" in client.get(taken.headers["location"]).text
    form = {
        "csrf_token": token,
        "offered_at": "2026-03-15T07:00",
        "offered_how": "telephone",
        "outcome": "held",
        "held_at": "2026-03-15T08:00",
        "held_how": "face_to_face",
        "interviewer_is_carer": "no",
        "interviewer_is_social_worker": "no",
        "push_factors": ["conflict_in_placement"],
        "pull_factors": ["older_person", "money_or_gifts"],
        "disclosed_indicators": ["drugs"],
        "shared_with_police": "no",
    }
    missing = client.post(f"/interviews/{task_id}/outcome", data=form, follow_redirects=False)
    assert missing.status_code == 303  # post/redirect/get, the form as sent carried along
    missing = client.get(missing.headers["location"])
    assert missing.context["values"]["pull_factors"] == ["older_person", "money_or_gifts"]  # type: ignore[attr-defined]
    assert [e.field for e in missing.context["errors"]] == ["successful"]  # type: ignore[attr-defined]
    assert "There is a problem" in missing.text
    saved = client.post(
        f"/interviews/{task_id}/outcome",
        data={**form, "successful": "yes"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "The interview is recorded." in page.text
    assert "Money, gifts or a phone" in page.text and "Drugs" in page.text
    # The child's page shows the interview to a caseworker.
    child_id = client.get(
        f"/api/v1/interviews/tasks/{task_id}", headers=headers["mash_worker"]
    ).json()["child_id"]
    _sign_in(client, "sam")
    child = client.get(f"/children/{child_id}")
    assert "Return home interviews" in child.text and "Held" in child.text


def test_a_carer_holding_the_interview_is_refused_naming_the_question(
    client: TestClient, headers: H
) -> None:
    task_id = seeded(client, headers)
    _sign_in(client, "dana")
    token = _csrf(client, f"/interviews/{task_id}")
    refused = client.post(
        f"/interviews/{task_id}/outcome",
        data={
            "csrf_token": token,
            "offered_at": "2026-03-15T07:00",
            "offered_how": "in_person",
            "outcome": "held",
            "held_at": "2026-03-15T08:00",
            "held_how": "telephone",
            "interviewer_is_carer": "yes",
            "interviewer_is_social_worker": "no",
            "successful": "yes",
        },
    )
    assert refused.url.path == f"/interviews/{task_id}"  # redirected back to the task
    (error,) = refused.context["errors"]  # type: ignore[attr-defined]
    assert error.field == "interviewer_is_carer" and "independent" in error.problem


def test_a_caseworker_cannot_open_the_worklist(client: TestClient, headers: H) -> None:
    _sign_in(client, "sam")
    assert client.get("/interviews").status_code == 403


def test_the_worklist_and_the_task_list_take_as_many_queries_for_many_tasks_as_for_one(
    client: TestClient, headers: H, database: Database
) -> None:
    _sign_in(client, "dana")
    returns(client, headers, range(1))
    api = "/api/v1/interviews/tasks?team=South"
    counted, text = [], ""
    for more in (range(1, 2), range(2, 7), range(0)):  # one task, then two, then seven
        with statements(database) as page:
            text = client.get("/interviews?team=South").text
        with statements(database) as listed:
            answer = client.get(api, headers=headers["missing_support_worker"]).json()
        counted.append((len(page), len(listed), answer["total"]))
        returns(client, headers, more)
    assert [c[2] for c in counted] == [1, 2, 7], counted
    assert "Gail Testg0" in text
    assert len({c[:2] for c in counted}) == 1, counted  # never a query a row


def test_a_worklist_section_shows_its_first_rows_and_pages_the_rest(
    client: TestClient, headers: H
) -> None:
    from triage.interviews import worklist

    returns(client, headers, range(worklist.SECTION_LIMIT + 2))
    _sign_in(client, "dana")
    page = client.get("/interviews?team=South")
    work = page.context["work"]  # type: ignore[attr-defined]
    assert len(work.unallocated) == worklist.SECTION_LIMIT
    assert work.totals["unallocated"] == worklist.SECTION_LIMIT + 2
    assert "See all 27" in page.text and "show=unallocated" in page.text
    second = client.get("/interviews?team=South&show=unallocated&page=2")
    assert len(second.context["section"]["rows"]) == 2  # type: ignore[attr-defined]
    assert 'aria-current="page"' in second.text and "Back to the whole worklist" in second.text


def test_a_withdrawn_interview_says_why_on_its_page_and_leaves_the_worklist(
    client: TestClient, headers: H
) -> None:
    at_home = {"legal_status": "none", "placement_type": None, "placement_postcode": None}
    payload = notification(
        reference="RHI-W-1", police_risk_grade="low", child=at_home, episode={"indicators": []}
    )
    submit(client, headers, payload)
    client.app.state.revet.run_once()  # type: ignore[attr-defined]
    absent = {**payload, "police_classification": "absent", "sent_at": "2026-03-15T08:00:00Z"}
    submit(client, headers, absent)
    client.app.state.revet.run_once()  # type: ignore[attr-defined]
    (task,) = client.get(
        "/api/v1/interviews/tasks", headers=headers["missing_support_worker"]
    ).json()["items"]
    assert task["status"] == "withdrawn" and task["overdue"] is False
    _sign_in(client, "dana")
    page = client.get(f"/interviews/{task['task_id']}")
    assert "Withdrawn" in page.text and "now recorded as absent, not missing" in page.text
    assert "Record what happened" not in page.text and "Allocate to me" not in page.text
    team = client.get(f"/interviews?team={task['team']}")
    assert team.context["work"].totals["unallocated"] == 0  # type: ignore[attr-defined]


def test_a_refused_form_with_where_the_child_was_is_shown_again_never_put_in_a_cookie(
    client: TestClient, headers: H
) -> None:
    task_id = seeded(client, headers)
    _sign_in(client, "dana")
    token = _csrf(client, f"/interviews/{task_id}")
    refused = client.post(
        f"/interviews/{task_id}/outcome",
        data={
            "csrf_token": token,
            "offered_at": "2026-03-15T07:00",
            "offered_how": "in_person",
            "outcome": "held",
            "held_at": "2026-03-15T08:00",
            "held_how": "telephone",
            "interviewer_is_carer": "no",
            "interviewer_is_social_worker": "no",
            "whereabouts": "A flat on Moor Street with two older men",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "There is a problem" in refused.text
    assert "A flat on Moor Street" in refused.text  # kept in the form as typed
    assert "set-cookie" not in refused.headers or "triage_form" not in refused.headers["set-cookie"]
