"""The one way a request body becomes JSON: orjson, then the limits every endpoint relies on.

orjson refuses what is not JSON, lone surrogates and nesting past 1,024; bodies read by
marshmallow schemas are further held to `MAX_DEPTH` levels (no schema of ours goes near it, and
deeper values would reach recursive code). NUL characters, which PostgreSQL text cannot hold, are
refused naming the field. `request.get_json()` (Flask's JSON provider) and the webargs parser
behind every `@blp.arguments` both come here; the sync push parses its batch here too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from server.api.errors import ApiError

MAX_DEPTH = 32
NUL = "\x00"


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether containers nest more than `limit` levels (iteratively: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if type(item) is dict else item
        stack.extend((child, depth + 1) for child in children if type(child) in (dict, list))
    return False


def nul_field(value: Any) -> str | None:
    """The dotted path of the first string (key or value) holding NUL, or None (iteratively)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return path or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                inner = f"{path}.{key}" if path else str(key)
                if NUL in str(key):
                    return inner
                stack.append((child, inner))
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(item))
    return None


def parse(data: bytes | str, *, max_depth: int | None = MAX_DEPTH) -> Any:
    """The body as JSON, or a 4xx in the one error shape naming what is wrong with it."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ApiError(
            400, "invalid_json", f"The body is not valid JSON: {error.msg}.", field="body"
        ) from None
    if max_depth is not None and type(value) in (dict, list) and too_deep(value, max_depth):
        raise ApiError(
            422,
            "too_deep",
            f"JSON may nest at most {max_depth} levels.",
            field="body",
            details={"limit": max_depth},
        )
    raw = data.encode() if isinstance(data, str) else data
    if b"\\u0000" in raw:  # NUL can only arrive escaped: look closer only then
        field = nul_field(value)
        if field:
            raise ApiError(422, "invalid", f"{field}: NUL characters are not allowed.", field)
    return value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with request bodies (and only those: no keyword arguments) parsed by `parse`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:  # the session serializer's tagged JSON
            return super().loads(s, **kwargs)
        return parse(s)


# Days and integers any endpoint can compute with: day arithmetic near year 1 or 9999 overflows,
# and no column holds more than 64 bits.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
MAX_INT64 = 2**63 - 1


def out_of_bounds(value: Any) -> str | None:
    """The dotted path of the first loaded date or integer no endpoint can work with, or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if (
            isinstance(item, date)
            and not FIRST_DAY <= (item.date() if isinstance(item, datetime) else item) <= LAST_DAY
        ):
            return path or "body"
        if isinstance(item, int) and not isinstance(item, bool) and not -MAX_INT64 <= item <= MAX_INT64:
            return path or "body"
        if isinstance(item, dict):
            stack.extend((child, f"{path}.{key}" if path else str(key)) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(item))
    return None


class Parser(FlaskParser):
    """webargs reading JSON bodies through `parse` instead of the standard library's json, and
    refusing dates and integers outside what any endpoint can compute with."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        return parse(req.get_data(cache=True))

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        loaded = super().parse(*args, **kwargs)
        field = out_of_bounds(loaded)
        if field:
            schema = args[0] if args else kwargs.get("argmap")
            declared = getattr(schema, "fields", None) or getattr(schema, "_declared_fields", {})
            top, _, rest = field.partition(".")
            sent = getattr(declared.get(top), "data_key", None) or top  # as the client named it
            field = f"{sent}.{rest}" if rest else sent
            raise ApiError(422, "invalid", f"{field}: out of range.", field=field)
        return loaded


def install_parser() -> None:
    """Every `@blp.arguments` takes its parser when its module is imported: set it before that."""
    from flask_smorest.arguments import ArgumentsMixin

    if not isinstance(ArgumentsMixin.ARGUMENTS_PARSER, Parser):
        ArgumentsMixin.ARGUMENTS_PARSER = Parser()


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
