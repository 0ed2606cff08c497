"""The missing support worker's pages: signing in lands on the team's worklist; a task's page
takes it and records the outcome (CSRF, post/redirect/get); a problem names its field in the
error summary; and the child's page shows the interview to caseworkers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from factories import notification
from test_api import submit
from test_pages import _csrf, _sign_in

H = dict[str, dict[str, str]]


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
