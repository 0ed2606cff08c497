"""The published API under fuzzing (schemathesis): whatever is sent, by anyone signed in as any
role or by nobody, the answer is never a server error.

Bounded so that it belongs in `make test`: Hypothesis derandomised (a fixed seed) and a fixed
number of examples per operation, on SQLite and PostgreSQL (where integer overflows showed).
Signing out is left out (it would end the very tokens the run signs in with); its own tests
cover it. (Schemathesis's pytest plugin does not run under pytest 9, so each operation's
strategy is driven by Hypothesis here.)"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from conftest import FrozenClock, issue_headers
from factories import notification
from triage.store import Database

EXAMPLES = 12


def published(client: TestClient, headers: dict[str, dict[str, str]]) -> Any:
    """The OpenAPI document the running service publishes, over a store with something in it
    (a notification, a rejected record) so that ids and references can be found."""
    feed = headers["police_feed"]
    client.post("/api/v1/notifications", json=notification(reference="FZ-1"), headers=feed)
    client.post("/api/v1/notifications", json={"police_reference": "FZ-2"}, headers=feed)
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app).exclude(
        path="/api/v1/sign-out"
    )


def test_no_input_from_any_role_is_a_server_error(
    client: TestClient,
    database: Database,
    clock: FrozenClock,
    accounts: dict[str, str],
    headers: dict[str, dict[str, str]],
) -> None:
    failures: list[str] = []
    operations = [result.ok() for result in published(client, headers).get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def fuzz(case: Any) -> None:
            signed_in = issue_headers(client, database, clock, accounts)
            for who, auth in [("anonymous", {}), *signed_in.items()]:
                # A generous timeout: what is judged is the answer, not its speed on a busy CI
                response = case.call(headers=auth, timeout=60)
                if response.status_code >= 500:
                    failures.append(
                        f"{who}: {case.method} {case.formatted_path} answered "
                        f"{response.status_code}: {case.as_curl_command()}"
                    )
                    return

        fuzz()
    assert not failures, "\n".join(failures)
