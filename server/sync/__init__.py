"""The sync engine: change sequence, pull, push, per-field merge, scope, blobs, compaction.

See PROTOCOL.md beside this file. `init_app` installs the change-sequence listener on every
session and the `flask sync-compact` command.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from server.sync import sequence


def _current_actor() -> tuple[int | None, str | None]:
    from flask import has_request_context, request
    from flask_login import current_user

    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None, None
    return int(current_user.id), request.headers.get("X-Device-Id") or None


@click.command("sync-compact")
@with_appcontext
@click.option("--days", default=30, show_default=True, help="Keep removals newer than this.")
def compact_command(days: int) -> None:
    """Delete old removal records; cursors older than the new horizon must resync."""
    from server.extensions import db
    from server.models import utcnow
    from server.sync.compaction import compact

    horizon = compact(db.session(), older_than=utcnow() - timedelta(days=days))
    db.session.commit()
    click.echo(f"compaction horizon: {horizon}")


def init_app(app: Flask) -> None:
    sequence.install()
    sequence.set_actor_resolver(_current_actor)
    app.cli.add_command(compact_command)
