"""Hypothesis profiles for the sync property tests: "ci" (default) and "soak" (make soak).

The profile is chosen by HYPOTHESIS_PROFILE and applied to the sync state machine only, so other
property tests keep their own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=300,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
settings.register_profile(
    "soak",
    max_examples=20_000,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
# The PostgreSQL pass of `make test` runs the machine again with fewer examples: the SQLite
# pass carries the 300, this one checks the same rules on the other database's locking.
settings.register_profile(
    "ci-postgres",
    max_examples=100,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
settings.register_profile(
    "dev",
    max_examples=40,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


def sync_profile() -> settings:
    """The settings the sync state machine runs with."""
    default = "ci-postgres" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "ci"
    return settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", default))
