"""Sign-in tells nobody which usernames exist: the same answer and the same work for a wrong
password and an unknown name; behind a proxy, limits count the client's address."""

from __future__ import annotations

import statistics
import time


def timed(client, username):
    started = time.perf_counter()
    resp = client.post("/api/auth/login", json={"username": username, "password": "wrong-password"})
    return time.perf_counter() - started, resp


def test_wrong_password_and_unknown_user_answer_alike_in_the_same_time(app, users):
    app.config.update(SIGNIN_MAX_FAILURES=1000, SIGNIN_MAX_FAILURES_PER_IP=1000)
    client = app.test_client()
    timed(client, "eng1"), timed(client, "nobody")  # warm both paths
    known, unknown = [], []
    for _ in range(7):
        took, resp_known = timed(client, "eng1")
        known.append(took)
        took, resp_unknown = timed(client, "nobody-at-all")
        unknown.append(took)
        assert resp_known.status_code == resp_unknown.status_code == 401
        assert resp_known.get_json() == resp_unknown.get_json()
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.6 < ratio < 1.6, (statistics.median(known), statistics.median(unknown))


def test_behind_a_proxy_limits_count_the_forwarded_client(app, users):
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    app.config.update(SIGNIN_MAX_FAILURES=3)
    client = app.test_client()

    def attempt(ip):
        return client.post(
            "/api/auth/login", json={"username": "eng1", "password": "nope"}, headers={"X-Forwarded-For": ip}
        ).status_code

    assert [attempt("203.0.113.7") for _ in range(4)] == [401, 401, 401, 429]
    assert attempt("198.51.100.9") == 401  # another customer's phone behind the same balancer


def test_the_proxy_count_setting_installs_proxy_fix(tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from server import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "PROXY_COUNT": 1,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3",
        }
    )
    assert isinstance(app.wsgi_app, ProxyFix) and app.wsgi_app.x_for == 1
