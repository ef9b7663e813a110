"""`flask` commands: create users, seed demo data (see server/demo.py), and friends."""

from __future__ import annotations

import click
from flask import Flask

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


def init_app(app: Flask) -> None:
    from server.push.cli import push_worker_command, vapid_keys_command

    app.cli.add_command(create_user)
    app.cli.add_command(vapid_keys_command)
    app.cli.add_command(push_worker_command)
    try:
        from server.demo import seed_demo_command
    except ImportError:  # demo data arrives with its own module
        return
    app.cli.add_command(seed_demo_command)
