"""`flask` commands: create users, seed demo data (see server/demo.py), and friends."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from server.extensions import db
from server.models import Role, User


@click.command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ENGINEER.value)
@click.option("--name", "display_name", default="")
@click.option("--badge", "badge_no", default=None)
def create_user(username: str, password: str, role: str, display_name: str, badge_no: str | None) -> None:
    """Create a user with a password and a role."""
    if db.session.scalar(db.select(User).where(User.username == username)):
        raise click.ClickException(f"user {username!r} exists already")
    user = User(username=username, display_name=display_name or username, role=role, badge_no=badge_no)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {username}")


@click.command("blobs-to-s3")
@with_appcontext
def blobs_to_s3() -> None:
    """Copy every blob from BLOB_DIR to the S3 store (S3_*), verifying each hash on both sides."""
    from flask import current_app

    from server.sync.blob_migration import migrate_blobs
    from server.sync.blob_s3 import S3BlobStore
    from server.sync.blobs import LocalBlobStore

    report = migrate_blobs(
        LocalBlobStore(current_app.config["BLOB_DIR"]), S3BlobStore.from_config(current_app.config)
    )
    click.echo(
        f"copied {report.copied} blobs ({report.bytes_copied} bytes), {report.already_there} already there"
        " and verified"
    )
    for sha256 in report.bad_on_disk:
        click.echo(f"on disk, does not hash to its name: {sha256}", err=True)
    for sha256 in report.bad_in_store:
        click.echo(f"read back from the store, does not match: {sha256}", err=True)
    if not report.ok:
        raise click.ClickException("some blobs were not migrated; set BLOB_STORE=s3 only when none are left")
    click.echo("every hash verified: set BLOB_STORE=s3 to serve from the store")


def init_app(app: Flask) -> None:
    from server.push.cli import push_worker_command, sms_worker_command, vapid_keys_command

    app.cli.add_command(create_user)
    app.cli.add_command(blobs_to_s3)
    app.cli.add_command(vapid_keys_command)
    app.cli.add_command(push_worker_command)
    app.cli.add_command(sms_worker_command)
    try:
        from server.demo import seed_demo_command
    except ImportError:  # demo data arrives with its own module
        return
    app.cli.add_command(seed_demo_command)
