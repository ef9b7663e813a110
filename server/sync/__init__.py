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
@click.option(
    "--days",
    default=None,
    type=float,
    help="Keep removals newer than this (default: SYNC_KEEP_REMOVALS_DAYS, 30).",
)
def compact_command(days: float | None) -> None:
    """Delete old removal records; cursors older than the new horizon must resync. Run it from
    a daily timer (under `make run` a thread does it: SYNC_COMPACT_THREAD)."""
    from flask import current_app

    from server.extensions import db
    from server.models import utcnow
    from server.sync.compaction import compact, expire_uploads, prune_mutation_log

    keep = days if days is not None else float(current_app.config["SYNC_KEEP_REMOVALS_DAYS"])
    horizon = compact(db.session(), older_than=utcnow() - timedelta(days=keep))
    keep_log = days if days is not None else float(current_app.config["SYNC_KEEP_LOG_DAYS"])
    pruned = prune_mutation_log(db.session(), older_than=utcnow() - timedelta(days=keep_log))
    db.session.commit()
    expired = expire_uploads(current_app, db.session())
    click.echo(
        f"compaction horizon: {horizon}; mutation log rows pruned: {pruned}; stale uploads dropped: {expired}"
    )


def init_app(app: Flask) -> None:
    sequence.install()
    sequence.set_actor_resolver(_current_actor)
    app.cli.add_command(compact_command)
    if app.config.get("SYNC_COMPACT_THREAD") and not app.config.get("TESTING"):
        from server.sync.compaction import start_thread

        start_thread(app)
