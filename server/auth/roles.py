"""Role checks for endpoints, and the scope rule that an engineer sees only their own orders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask_login import current_user

from server.errors import Forbidden, NotFound, NotSignedIn
from server.models import Role, ServiceOrder

F = TypeVar("F", bound=Callable[..., Any])


def require_role(*roles: str) -> Callable[[F], F]:
    """Refuse the endpoint with 401 when signed out and 403 for any role not named."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                raise NotSignedIn("not_signed_in", "Sign in first.")
            if roles and current_user.role not in roles:
                raise Forbidden("forbidden", "Your role may not do this.")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


signed_in = require_role()
staff_only = require_role(Role.DISPATCHER, Role.ADMIN)


def is_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.role in (Role.DISPATCHER, Role.ADMIN))


def ensure_can_see(order: ServiceOrder | None) -> ServiceOrder:
    """The order if the caller may see it; 404 otherwise, so another engineer's order is not probed."""
    if order is None or not (is_staff() or order.assignee_id == current_user.id):
        raise NotFound("not_found", "No such order.")
    return order
