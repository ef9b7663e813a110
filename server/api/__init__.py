"""The HTTP API: one blueprint per resource, registered on the flask-smorest Api."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from server.api import json_body

json_body.install_parser()  # before any blueprint module declares its arguments


def init_app(app: Flask, api: Api) -> None:
    json_body.init_app(app)
    from server.api import auth, board, dispatch
    from server.api import push as push_api

    for module in (auth, push_api, dispatch, board):
        api.register_blueprint(module.blp)

    from server.api import admin, passkeys

    for blueprint in (passkeys.blp, passkeys.reauth_blp, admin.blp, admin.quarantine_blp):
        api.register_blueprint(blueprint)

    from server.api import (
        catalogue,
        complaints,
        customers,
        figures,
        follow_ups,
        input_guard,
        orders,
        policy,
        receipts,
    )

    input_guard.init_app(app)
    for module in (orders, customers, catalogue, receipts, follow_ups, complaints, figures, policy):
        api.register_blueprint(module.blp)
    app.register_blueprint(receipts.pages)

    from server.api import blobs, conflicts, handoff, planning, sync

    for module in (sync, blobs, conflicts, handoff, planning):
        api.register_blueprint(module.blp)

    from server.api import live

    api.register_blueprint(live.blp)
    api.register_blueprint(live.console_blp)
