"""Thin orchestration between the HTTP API and the pure domain rules: load, decide, write."""

from typing import Any, TypeAlias

from sqlalchemy.orm import Session, scoped_session

# What the services work in: a session, or Flask-SQLAlchemy's scoped `db.session`.
DbSession: TypeAlias = Session | scoped_session[Any]
