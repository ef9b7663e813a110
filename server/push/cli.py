"""`flask vapid-keys` and `flask push-worker`."""

from __future__ import annotations

import os
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from server.push import outbox_written, vapid
from server.push.sender import Sender, Taken


@click.command("vapid-keys")
@with_appcontext
@click.option("--force", is_flag=True, help="Replace an existing key pair (every subscription must renew).")
def vapid_keys_command(force: bool) -> None:
    """Make the VAPID key pair in the instance folder (never in the repository)."""
    path = vapid.key_path()
    existed = path.exists()
    key = vapid.generate(path, force=force)
    click.echo(f"{'kept' if existed and not force else 'wrote'} {path}")
    click.echo(f"public key: {vapid.public_key(key)}")


def _die_after_take(batch: list[Taken]) -> None:
    os._exit(17)  # the sender is killed with its batch leased and unsent


@click.command("push-worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
@click.option("--idle", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option("--crash-after-take", is_flag=True, hidden=True)
def push_worker_command(once: bool, idle: float, crash_after_take: bool) -> None:
    """Deliver the push outbox until stopped (SIGTERM or Ctrl-C)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sender = Sender(app, after_take=_die_after_take if crash_after_take else None)
    if once:
        click.echo(f"sent {sender.drain()}")
        return
    stop = threading.Event()

    def _terminate(*_: object) -> None:
        stop.set()
        outbox_written.set()

    signal.signal(signal.SIGTERM, _terminate)
    click.echo("push worker running", err=True)
    try:
        sender.run(stop, idle_seconds=idle)
    except KeyboardInterrupt:
        pass
    finally:
        sender.close()


@click.command("sms-worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Escalate and send what is due, then exit.")
@click.option("--idle", default=5.0, show_default=True, help="Seconds to wait when nothing is due.")
def sms_worker_command(once: bool, idle: float) -> None:
    """Escalate unacknowledged assignments and deliver the SMS outbox until stopped."""
    from server.push.sms import SmsSender

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sender = SmsSender(app)
    if once:
        click.echo(f"sent {sender.drain()}")
        sender.close()
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("sms worker running", err=True)
    try:
        sender.run(stop, idle_seconds=idle)
    except KeyboardInterrupt:
        pass
    finally:
        sender.close()
