"""The dispatch console: desktop pages; their scripts read the JSON API and poll it for changes."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from server.auth import csrf_token
from server.auth.roles import is_staff
from server.domain.products import BRANDS, CATEGORIES
from server.services.policy import current_policy, local_zone

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# page name -> (navigation label key, template)
PAGES = {
    "board": "nav.board",
    "plan": "nav.plan",
    "intake": "nav.intake",
    "follow-ups": "nav.follow_ups",
    "complaints": "nav.complaints",
    "conflicts": "nav.conflicts",
    "map": "nav.map",
    "figures": "nav.figures",
    "devices": "nav.devices",
}


@bp.route("/")
def index() -> Response:
    return redirect(url_for("console.page", name="board"))


@bp.route("/orders/<order_id>")
def order(order_id: str) -> str | tuple[str, int]:
    """The order record: one order with everything recorded about it, at its own address."""
    if not is_staff():
        signed_in_as = current_user.display_name if current_user.is_authenticated else ""
        return render_template("console/login.html", signed_in_as=signed_in_as, page_name="order")
    return render_template(
        "console/order.html",
        page_name="order",
        pages=PAGES,
        title_key="order.title",
        order_id=order_id,
        csrf=csrf_token(),
        user=current_user,
        zone=local_zone().key,
        policy=current_policy().to_mapping(),
    )


@bp.route("/<name>")
def page(name: str) -> str | tuple[str, int]:
    """One console page; signed-out visitors and engineers get the sign-in form instead."""
    if name not in PAGES:
        return render_template("console/missing.html", pages=PAGES), 404
    if not is_staff():
        signed_in_as = current_user.display_name if current_user.is_authenticated else ""
        return render_template("console/login.html", signed_in_as=signed_in_as, page_name=name)
    return render_template(
        f"console/{name}.html",
        categories=CATEGORIES,
        brands=BRANDS,
        page_name=name,
        pages=PAGES,
        csrf=csrf_token(),
        user=current_user,
        zone=local_zone().key,
        policy=current_policy().to_mapping(),
        tiles=current_app.config["MAP_TILE_URL"],
        tiles_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
