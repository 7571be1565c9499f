"""`regolite serve --policies DIR`: Gatekeeper's validating admission webhook over HTTPS (§8).

Needs uvicorn (the `server` extra). Refuses to start without `--tls-cert` and
`--tls-key` unless `--insecure-http` is given; fails closed unless `--fail-open`.
The first policy load must succeed (exit 1 otherwise, so a broken ConfigMap
shows as a crashing pod); with `--watch`, later broken edits are logged and
counted while the last good set stays in force.
"""

from __future__ import annotations

import os
import ssl
import sys

from regolite.cache import default_cache
from regolite.gatekeeper.engine import WEBHOOK
from regolite.limits import MAX_DEPTH, WEBHOOK_MAX_STEPS

DEFAULT_PORT = 8443
DEFAULT_TIMEOUT = 2.0
DEFAULT_MAX_REQUEST_BYTES = 3 * 1024 * 1024
SWITCH_INTERVAL = 0.001  # seconds; CPython's default is 0.005


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("serve", help="run the validating admission webhook (HTTPS, /v1/admit)")
    p.add_argument("--policies", required=True, metavar="DIR",
                   help="directory of ConstraintTemplates and constraints (.yaml/.yml/.json, walked recursively)")
    p.add_argument("--tls-cert", metavar="FILE", help="PEM serving certificate (chain)")
    p.add_argument("--tls-key", metavar="FILE", help="PEM private key of --tls-cert")
    p.add_argument("--insecure-http", action="store_true",
                   help="serve plain HTTP without TLS (local testing only; the API server requires HTTPS)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 in a pod)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    fail = p.add_mutually_exclusive_group()
    fail.add_argument("--fail-closed", dest="fail_open", action="store_false",
                      help="deny when a review errors or times out (the default)")
    fail.add_argument("--fail-open", dest="fail_open", action="store_true",
                      help="allow, with a warning, when a review errors or times out")
    p.add_argument("--watch", action="store_true", help="reload the policies when files under DIR change")
    p.add_argument("--scan-report", action="append", default=[], metavar="PATH",
                   help="Trivy JSON report(s) or ImageScanReport files, added to data.inventory; repeatable")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"deadline for one review (default {DEFAULT_TIMEOUT:g}; keep it below the webhook's "
                        "timeoutSeconds)")
    p.add_argument("--max-request-bytes", type=int, default=DEFAULT_MAX_REQUEST_BYTES, metavar="N",
                   help=f"larger request bodies get HTTP 413 (default {DEFAULT_MAX_REQUEST_BYTES})")
    p.add_argument("--max-steps", type=int, default=WEBHOOK_MAX_STEPS, metavar="N",
                   help=f"loop iterations one review may take, over all its constraints (default {WEBHOOK_MAX_STEPS}); "
                        "a review that needs more is answered as an error")
    p.add_argument("--max-depth", type=int, default=MAX_DEPTH, metavar="N",
                   help=f"review documents nested more than N levels deep are answered as an error "
                        f"(default and most {MAX_DEPTH})")
    p.set_defaults(run=run, fail_open=False)


def run(args) -> int:
    problem = _check_args(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        import uvicorn
    except ImportError:
        print("error: regolite serve needs uvicorn: pip install 'regolite[server]'", file=sys.stderr)
        return 1
    from regolite.server.app import ServerSettings, WebhookApp
    from regolite.server.metrics import JsonLog, ServerMetrics, uvicorn_log_config
    from regolite.server.policies import PolicyStore

    # Reviews are CPU-bound Python in worker threads; a short GIL switch interval lets the event
    # loop keep answering (deadlines, health checks) while a slow review runs.
    sys.setswitchinterval(SWITCH_INTERVAL)
    log = JsonLog()
    metrics = ServerMetrics()
    store = PolicyStore(args.policies, metrics=metrics, log=log, scan_reports=args.scan_report,
                        enforcement_point=WEBHOOK, cache=default_cache())
    error = store.load()
    if error is not None:
        print(f"error: loading policies from {args.policies}: {error}", file=sys.stderr)
        return 1
    settings = ServerSettings(timeout=args.timeout, max_request_bytes=args.max_request_bytes,
                              fail_open=args.fail_open, max_steps=args.max_steps, max_depth=args.max_depth)
    app = WebhookApp(store, settings)
    if args.watch:
        store.watch(1.0)
    tls = not args.insecure_http
    log.event("starting", host=args.host, port=args.port, tls=tls, fail_open=args.fail_open, watch=args.watch,
              timeout_s=args.timeout, max_request_bytes=args.max_request_bytes, max_steps=args.max_steps,
              max_depth=args.max_depth, pid=os.getpid())
    config = uvicorn.Config(
        app, host=args.host, port=args.port, lifespan="on", access_log=False, server_header=False,
        log_config=uvicorn_log_config("info"), proxy_headers=False, timeout_keep_alive=30,
        ssl_certfile=args.tls_cert if tls else None, ssl_keyfile=args.tls_key if tls else None,
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit:  # uvicorn exits this way when it cannot bind; its log line says why
        return 1
    finally:
        store.stop()
        app.close()
        log.event("stopped")
    return 0 if server.started else 1


def _check_args(args) -> str:
    if args.insecure_http and (args.tls_cert or args.tls_key):
        return "--insecure-http cannot be combined with --tls-cert/--tls-key"
    if not args.insecure_http:
        if not (args.tls_cert and args.tls_key):
            return ("regolite serve needs --tls-cert FILE and --tls-key FILE (the API server only calls webhooks "
                    "over HTTPS); pass --insecure-http to serve plain HTTP for local testing")
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(args.tls_cert, args.tls_key)
        except (OSError, ssl.SSLError) as e:
            return f"cannot use --tls-cert {args.tls_cert} with --tls-key {args.tls_key}: {e}"
    if not os.path.isdir(args.policies):
        return f"--policies {args.policies}: not a directory"
    if not 0 < args.timeout <= 30:
        return "--timeout must be more than 0 and at most 30 seconds"
    if args.max_request_bytes < 1024:
        return "--max-request-bytes must be at least 1024"
    if args.max_steps < 1:
        return "--max-steps must be at least 1"
    if not 8 <= args.max_depth <= MAX_DEPTH:
        return f"--max-depth must be between 8 and {MAX_DEPTH} (deeper nesting is more than reviews can walk safely)"
    if not 0 <= args.port <= 65535:
        return f"--port {args.port}: not a port number"
    return ""


if __name__ == "__main__":  # `python -m regolite.cli.serve ...` before "serve" is in COMMANDS
    import argparse

    _parser = argparse.ArgumentParser(prog="regolite")
    add_parser(_parser.add_subparsers(dest="command"))
    _args = _parser.parse_args(["serve", *sys.argv[1:]])
    raise SystemExit(_args.run(_args))
