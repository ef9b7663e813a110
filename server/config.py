"""Configuration with its defaults in one place, read from the environment and the instance folder."""

from __future__ import annotations

import os
from pathlib import Path


class Config:
    """Defaults for every setting; the environment and `instance/config.py` override them."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")  # filled from instance/secret_key when empty
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Sessions: the cookie is Secure unless explicitly relaxed for plain-http local use.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", str(12 * 3600)))
    # The cookie is rewritten when the session changes (sign-in, and `seen` once a minute:
    # server/security.py), not re-signed and re-sent on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    # Sessions and sign-in limits (server/security.py).
    SESSION_IDLE_SECONDS = 8 * 3600  # unused this long: signed out
    REAUTH_SECONDS = 5 * 60  # sensitive actions need a sign-in at most this old
    SIGNIN_WINDOW_SECONDS = 15 * 60
    SIGNIN_MAX_FAILURES = 5  # per username and IP within the window
    SIGNIN_MAX_FAILURES_PER_IP = 30  # per IP, any username (password spraying)
    WEBAUTHN_CHALLENGE_SECONDS = 120  # a passkey ceremony must finish within this

    # Request limits: everything larger is answered 413 before it is parsed.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    MAX_BLOB_BYTES = 15 * 1024 * 1024
    # Unfinished uploads: per person at most this many and this many declared bytes; dropped when
    # untouched this long (by `flask sync-compact`, daily).
    MAX_PARTIAL_UPLOADS_PER_USER = 20
    MAX_PARTIAL_UPLOAD_BYTES_PER_USER = 64 * 1024 * 1024
    BLOB_UPLOAD_EXPIRE_SECONDS = 2 * 24 * 3600
    MAX_PUSH_BATCH = 2000
    # A push commits after this many processed mutations (and at its end): a day's batch holds
    # the writers' lock for about a tenth of a second and is reloaded once.
    SYNC_PUSH_COMMIT_EVERY = 1000
    # Test hook: a pause between two mutations of a push, so a test can kill the server there.
    SYNC_TEST_PAUSE_SECONDS = float(os.environ.get("ONSITE_SYNC_TEST_PAUSE", "0") or 0)
    PULL_PAGE_SIZE = 500
    # Removal records older than this are compacted (older cursors must then pull from 0), by
    # `flask sync-compact` from a timer or, under `make run`, by a thread once a day.
    SYNC_KEEP_REMOVALS_DAYS = 30
    # Mutation log rows of mutations their phone no longer holds are pruned after this.
    SYNC_KEEP_LOG_DAYS = 30
    SYNC_COMPACT_EVERY_SECONDS = 24 * 3600
    SYNC_COMPACT_THREAD = os.environ.get("SYNC_COMPACT_THREAD", "0") == "1"

    # OpenAPI (flask-smorest)
    API_TITLE = "Onsite"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"

    # Domain policy overrides (see server/domain/policy.py for the defaults); the policy record
    # (`service_policies`) starts from them, with the service centre's time zone.
    SERVICE_POLICY: dict[str, object] = {}
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    # The CJK font printed receipts embed, as path[:face index]; "": Debian's Noto CJK.
    RECEIPT_FONT = os.environ.get("RECEIPT_FONT", "")
    CURRENCY = os.environ.get("CURRENCY", "CNY")

    # Who the customer deals with: printed on every receipt and sent to the phone with the session.
    SERVICE_COMPANY_NAME = os.environ.get("SERVICE_COMPANY_NAME", "安心家电维修服务中心")
    # The complaint and supervision line a customer may call about any visit (二公开).
    COMPLAINT_PHONE = os.environ.get("COMPLAINT_PHONE", "400-820-1234")

    # Web Push
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:ops@onsite.example")
    PUSH_TTL_SECONDS = 24 * 3600
    PUSH_WORKER_THREAD = os.environ.get("PUSH_WORKER_THREAD", "0") == "1"
    VAPID_PRIVATE_KEY_FILE = os.environ.get("VAPID_PRIVATE_KEY_FILE", "")  # "": instance/vapid_private.pem
    PUSH_BATCH_SIZE = 32  # deliveries a sender takes at once
    PUSH_SEND_CONCURRENCY = 8  # sends in flight per sender
    PUSH_HTTP_TIMEOUT_SECONDS = 5.0
    PUSH_LEASE_SECONDS = 0  # 0: long enough for a batch whose every send times out
    PUSH_MAX_ATTEMPTS = 8
    PUSH_RETRY_BASE_SECONDS = 5.0  # then doubling, up to PUSH_RETRY_MAX_SECONDS
    PUSH_RETRY_MAX_SECONDS = 3600.0

    # The live channel (server/live/): a comment line this often keeps proxies and phones from
    # dropping an idle stream; a stream is closed after STREAM_MAX so its sign-in is checked again.
    LIVE_HEARTBEAT_SECONDS = float(os.environ.get("LIVE_HEARTBEAT_SECONDS", "15"))
    LIVE_STREAM_MAX_SECONDS = float(os.environ.get("LIVE_STREAM_MAX_SECONDS", "600"))
    # Acknowledgement: new work not seen or accepted within this is an alert on the board and,
    # when no push subscription answered, an SMS.
    ACK_TIMEOUT_SECONDS = float(os.environ.get("ACK_TIMEOUT_SECONDS", "300"))
    # SMS over SMPP 3.4 (server/push/sms.py). Empty host: no SMS is sent (escalations wait).
    SMS_SMPP_HOST = os.environ.get("SMS_SMPP_HOST", "")
    SMS_SMPP_PORT = int(os.environ.get("SMS_SMPP_PORT", "2775"))
    SMS_SMPP_SYSTEM_ID = os.environ.get("SMS_SMPP_SYSTEM_ID", "")
    SMS_SMPP_PASSWORD = os.environ.get("SMS_SMPP_PASSWORD", "")
    SMS_SMPP_SYSTEM_TYPE = os.environ.get("SMS_SMPP_SYSTEM_TYPE", "")
    SMS_SOURCE_ADDR = os.environ.get("SMS_SOURCE_ADDR", "Onsite")
    SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "10"))
    SMS_WORKER_THREAD = os.environ.get("SMS_WORKER_THREAD", "0") == "1"
    # The link in an SMS: where the phone app is reached from outside.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    BLOB_DIR = os.environ.get("BLOB_DIR", "")  # default: instance/blobs
    # Where photo and signature bytes live: "disk" (BLOB_DIR, the embedded default) or "s3", an
    # S3-compatible object store that every app node shares (server/sync/blob_s3.py).
    BLOB_STORE = os.environ.get("BLOB_STORE", "disk")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")  # "": AWS itself
    S3_BUCKET = os.environ.get("S3_BUCKET", "onsite-blobs")
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")

    # Behind a load balancer: how many proxies in front set X-Forwarded-For/-Proto (werkzeug's
    # ProxyFix), so sign-in limits and the audit log see the client's address. 0: none, trust nothing.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    # The schedule board's flags (server/domain/schedule.py): an address farther than this from an
    # engineer's home is out of their area; travel between visits is estimated by
    # server/domain/travel.py's speed model with these numbers.
    BOARD_AREA_RADIUS_M = int(os.environ.get("BOARD_AREA_RADIUS_M", "15000"))
    TRAVEL_DETOUR_FACTOR = float(os.environ.get("TRAVEL_DETOUR_FACTOR", "1.35"))
    TRAVEL_SPEED_KMH = float(os.environ.get("TRAVEL_SPEED_KMH", "25"))
    TRAVEL_FIXED_MINUTES = float(os.environ.get("TRAVEL_FIXED_MINUTES", "5"))
    # The console map's tiles, a Leaflet URL template ("https://tiles.example/{z}/{x}/{y}.png"); its
    # origin is allowed as an image source. Empty: no tiles; the markers are drawn all the same.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")


def sqlite_uri(instance_path: str) -> str:
    """The embedded default database: a SQLite file in the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "onsite.sqlite3")
