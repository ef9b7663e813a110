"""nginx as the cluster's load balancer: its configuration, with nginx's own errors in JSON.

nginx answers some requests itself, before any app node sees them: a body past
`client_max_body_size` (413), a request line past `large_client_header_buffers` (414), headers too
large (400, internally 494), no node reachable (502), a node too slow (504). Each is answered in the
API's error shape `{"error": {"code", "message"}}`, so the phone's sync client and the console read
every failure the same way. The app's own answers pass through untouched (`proxy_intercept_errors`
off: they are JSON already).
"""

from __future__ import annotations

import json
import os

# status: (code, message) for the errors nginx makes itself
NGINX_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be read (a header may be too large)."),
    408: ("request_timeout", "The request took too long to arrive."),
    413: ("too_large", "The request body is larger than the server accepts."),
    414: ("uri_too_long", "The address is too long: send long lists in the request body."),
    494: ("header_too_large", "A request header is too large."),
    500: ("internal_server_error", "The load balancer failed."),
    502: ("bad_gateway", "No app node answered: try again shortly."),
    503: ("unavailable", "The service is overloaded or down: try again shortly."),
    504: ("gateway_timeout", "The app node took too long to answer: try again."),
}

# Limits matching the app's (server/config.py): blob chunks up to MAX_BLOB_BYTES plus headroom, and
# request lines long enough that the app itself answers 414 up to gunicorn's 8,190 ceiling.
CLIENT_MAX_BODY_SIZE = "16m"
HEADER_BUFFERS = "4 16k"


def error_locations() -> str:
    blocks = []
    for status, (code, message) in NGINX_ERRORS.items():
        body = json.dumps({"error": {"code": code, "message": message}})
        shown = 400 if status == 494 else status
        blocks.append(
            f"    error_page {status} /_nginx_error/{status};\n"
            f"    location = /_nginx_error/{status} {{\n"
            f"        internal;\n"
            f"        default_type application/json;\n"
            f'        add_header Cache-Control "no-store" always;\n'
            f"        return {shown} '{body}';\n"
            f"    }}\n"
        )
    return "".join(blocks)


def config(
    *,
    port: int,
    upstreams: list[int],
    run_dir: str,
    read_timeout: float = 60,
    connect_timeout: float = 2,
) -> str:
    """An nginx.conf that runs unprivileged in `run_dir` (`nginx -p run_dir -c nginx.conf`),
    in the foreground, balancing over the gunicorn nodes on `upstreams`."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstreams)
    # Started by root, nginx's workers would run as `nobody` and could not write request bodies
    # into the run folder (a private temporary folder in the tests): every photo chunk would fail.
    # Its workers run as the user who started it, as they do when it is not root.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""# made by server/cluster/nginx.py
{user}daemon off;
worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log {run_dir}/nginx-access.log;
    client_body_temp_path {run_dir}/client_body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
    client_max_body_size {CLIENT_MAX_BODY_SIZE};
    client_header_buffer_size 4k;
    large_client_header_buffers {HEADER_BUFFERS};
    keepalive_timeout 30s;

    upstream onsite {{
        least_conn;
{servers}
        keepalive 64;
    }}

    server {{
        listen 127.0.0.1:{port};
        server_name _;
{error_locations()}
        location / {{
            proxy_pass http://onsite;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout {connect_timeout}s;
            proxy_read_timeout {read_timeout}s;
            proxy_send_timeout {read_timeout}s;
            proxy_request_buffering on;
            # Every write of the API is idempotent (mutation ids, content-addressed chunks at an
            # offset), so a request cut off by a dying node is sent again to another one.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 3;
            proxy_intercept_errors off;
        }}
    }}
}}
"""
