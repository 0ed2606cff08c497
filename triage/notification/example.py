"""One complete, valid notification (synthetic: no real child), shown in the API's documentation.
A test proves it meets the contract."""

from __future__ import annotations

from typing import Any

EXAMPLE_NOTIFICATION: dict[str, Any] = {
    "schema_version": "1.0",
    "police_reference": "WMP-26-000131",
    "force": "West Midlands Police",
    "sent_at": "2026-03-15T02:10:00+00:00",
    "police_classification": "missing",
    "police_risk_grade": "medium",
    "child": {
        "local_child_id": None,
        "police_person_id": "WMP-P-40211",
        "given_name": "Jade",
        "family_name": "Collins",
        "date_of_birth": "2011-05-02",
        "sex": "female",
        "ethnicity": "white",
        "home_postcode": "B23 6TJ",
        "legal_status": "looked_after",
        "placement_type": "residential_home",
        "responsible_authority": "Birmingham",
        "placement_postcode": "B30 2LS",
    },
    "episode": {
        "reported_at": "2026-03-14T21:30:00+00:00",
        "last_seen_at": "2026-03-14T18:00:00+00:00",
        "last_seen_location": "Outside the children's home",
        "returned_at": "2026-03-15T00:00:00+00:00",
        "return_location": "Found at a flat in the city centre",
        "circumstances": "Left in a taxi with an older man; returned with a new phone.",
        "indicators": ["older_controlling_adult", "unexplained_money_gifts"],
        "companions": [],
    },
}
