"""schemathesis over the OpenAPI document, as an engineer and as a dispatcher: generated requests,
valid and invalid, to every operation; none may answer 5xx, every 4xx must be the JSON error shape.

Short here (FUZZ_EXAMPLES per operation and mode, 4 by default); `make fuzz` runs it long.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from server.extensions import db
from server.models import Role, User
from tests.conftest import sign_in

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
ROLES = {
    "dispatcher": Role.DISPATCHER,
    "admin": Role.ADMIN,
    "eng1": Role.ENGINEER,
    "eng2": Role.ENGINEER,
    "eng3": Role.ENGINEER,
}


def restore(app: Any) -> None:
    """Undo what a generated request may have done to the people (a role change, a password)."""
    with app.app_context():
        for user in db.session.scalars(db.select(User)):
            user.role, user.active = ROLES.get(user.username, user.role), True
        db.session.commit()


def problem(response: Any, method: str) -> str | None:
    status = response.status_code
    content_type = response.headers.get("content-type") or response.headers.get("Content-Type") or [""]
    is_json = str(content_type[0] if isinstance(content_type, list) else content_type).startswith(
        "application/json"
    )
    try:
        body = json.loads(response.content) if is_json else None
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if status >= 500:
        stated = isinstance(error, dict) and error.get("code") not in (None, "internal_server_error")
        if status == 503 and stated:
            return None  # a stated unavailability (push without VAPID keys)
        return f"answered {status}"
    if method == "HEAD":  # no body by definition; the same checks as GET otherwise
        return None if is_json or status < 400 else f"answered {status} without the JSON type"
    if status >= 400 and not (isinstance(error, dict) and error.get("code") and "message" in error):
        return f"answered {status} outside the JSON error shape: {response.content[:200]!r}"
    return None


def run(
    strategy: Any,
    app: Any,
    headers: dict[str, str],
    cookies: dict[str, str],
    failures: list[str],
    answered: Counter[int],
) -> None:
    """Send EXAMPLES generated cases of one operation, noting every answer that breaks the rules."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        response = case.call(app=app, headers=headers, cookies=cookies)
        answered[response.status_code] += 1
        found = problem(response, case.method)
        if found:
            failures.append(
                f"{case.method} {case.formatted_path}: {found}"
                f" query={case.query!r} headers={case.headers!r} body={str(case.body)[:200]}"
            )

    send()


@pytest.mark.parametrize("role", ["eng1", "dispatcher"])
def test_generated_requests_never_answer_5xx_or_leave_the_error_shape(app, users, role):
    spec = app.test_client().get("/api/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(spec)
    failures: list[str] = []
    answered: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    for operation in operations:
        api = sign_in(app, role, device_id=f"fuzz-{uuid.uuid4().hex[:12]}")
        cookie = api.client.get_cookie("session")
        headers = {"X-CSRF-Token": api.csrf, "X-Device-Id": api.device_id}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(
                operation.as_strategy(generation_mode=mode),
                app,
                headers,
                {"session": cookie.value},
                failures,
                answered,
            )
        restore(app)
    assert not failures, "\n".join(failures[:30])
    # Signed in for real: many generated requests got through, and no session was lost on the way.
    assert sum(n for status, n in answered.items() if status < 300) > len(operations), answered
    assert answered[401] < sum(answered.values()) // 4, answered
