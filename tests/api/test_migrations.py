"""The Alembic migrations build the schema from nothing, and it matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from server.extensions import db


def test_upgrade_from_nothing_builds_the_schema_the_models_declare(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ; run `make migration`: {diff}"
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE alembic_version")
