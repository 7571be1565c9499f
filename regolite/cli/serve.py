"""`regolite serve --policies DIR`: Gatekeeper's validating admission webhook over HTTPS (§8).

Needs uvicorn with httptools (the `server` extra). Refuses to start without
`--tls-cert` and `--tls-key` unless `--insecure-http` is given; fails closed unless
`--fail-open`. The first policy load must succeed (exit 1 otherwise, so a broken
ConfigMap shows as a crashing pod); with `--watch`, later broken edits are logged
and counted while the last good set stays in force. Every limit on clients has a
flag and a safe default; once the server starts, everything it writes to stderr
is a JSON line.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import ssl
import sys
from typing import Any

from regolite.cache import default_cache
from regolite.gatekeeper.engine import WEBHOOK
from regolite.limits import MAX_DEPTH, WEBHOOK_MAX_STEPS

DEFAULT_PORT = 8443
DEFAULT_TIMEOUT = 2.0
DEFAULT_MAX_REQUEST_BYTES = 3 * 1024 * 1024
SWITCH_INTERVAL = 0.001  # seconds; CPython's default is 0.005
# The client limits: (flag, default, metavar, help). Their defaults are ServerSettings' (a test keeps them equal);
# they are repeated here so that building the CLI parser does not import the server.
LIMITS = {
    "max_connections": ("--max-connections", 256, "N",
                        "TCP connections at once, TLS handshakes included; more are closed at accept"),
    "max_header_bytes": ("--max-header-bytes", 32 * 1024, "N", "bytes of request line and headers; more get 431"),
    "max_headers": ("--max-headers", 100, "N", "header fields of one request; more get 431"),
    "header_timeout": ("--header-timeout", 5.0, "SECONDS",
                       "for the TLS handshake, request line and headers of a request; slower clients are "
                       "disconnected"),
    "body_timeout": ("--body-timeout", 10.0, "SECONDS", "for a request body, once its headers are in"),
    "send_timeout": ("--send-timeout", 10.0, "SECONDS",
                     "a client may leave a response unread (or a TLS close unanswered) before it is disconnected"),
    "idle_timeout": ("--idle-timeout", 30.0, "SECONDS", "a keep-alive connection may wait between requests"),
    "max_response_bytes": ("--max-response-bytes", 1024 * 1024, "N",
                           "bytes of one AdmissionReview answer; a longer deny message and warnings are cut, the "
                           "verdict kept"),
    "max_inflight_bytes": ("--max-inflight-bytes", 16 * 1024 * 1024, "N",
                           "bytes of request bodies over 64 KiB being read or reviewed at once, in total; past it "
                           "such requests get 503"),
    "eval_threads": ("--eval-threads", 4, "N",
                     "reviews running at once, smallest request first; they share one GIL with the connections"),
    "max_slow_reviews": ("--max-slow-reviews", 1, "N",
                         "reviews that may run past --slow-review (up to the deadline) at once; while that many run, "
                         "a new review is cut at --slow-review and answered by the fail policy"),
    "slow_review": ("--slow-review", 0.25, "SECONDS", "the time a review gets while --max-slow-reviews others run"),
}


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
                   help=f"deadline for one request, from its arrival to its answer (default {DEFAULT_TIMEOUT:g}; "
                        "keep it below the webhook's timeoutSeconds)")
    p.add_argument("--max-request-bytes", type=int, default=DEFAULT_MAX_REQUEST_BYTES, metavar="N",
                   help=f"larger request bodies get HTTP 413 (default {DEFAULT_MAX_REQUEST_BYTES})")
    p.add_argument("--max-steps", type=int, default=WEBHOOK_MAX_STEPS, metavar="N",
                   help=f"steps one review may take over all its constraints: loop iterations, costly built-ins and "
                        f"the review's own work on its object and results (default {WEBHOOK_MAX_STEPS}); "
                        "a review that needs more is answered as an error")
    p.add_argument("--max-depth", type=int, default=MAX_DEPTH, metavar="N",
                   help=f"review documents nested more than N levels deep are answered as an error "
                        f"(default and most {MAX_DEPTH})")
    for dest, (flag, default, metavar, text) in LIMITS.items():
        p.add_argument(flag, dest=dest, type=type(default), default=default, metavar=metavar,
                       help=f"{metavar.lower()} {text} (default {default:g})" if metavar == "SECONDS"
                       else f"{text} (default {default})")
    for flag, what in (("--exempt-namespace", "the namespace NAME"), ("--exempt-namespace-prefix", "namespaces "
                       "whose name starts with NAME"), ("--exempt-namespace-suffix", "namespaces whose name ends "
                       "with NAME")):
        p.add_argument(flag, action="append", default=[], metavar="NAME",
                       help=f"{what} may carry the regolite.dev/ignore label (/v1/admitlabel denies it elsewhere, as "
                            "Gatekeeper's --exempt-namespace does); repeatable")
    p.set_defaults(run=run, fail_open=False)


def run(args) -> int:
    problem = _check_args(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    try:
        import uvicorn  # noqa: F401

        import regolite.server.connections  # noqa: F401  (httptools)
    except ImportError as e:
        print(f"error: regolite serve needs uvicorn and httptools ({e}): pip install 'regolite[server]'",
              file=sys.stderr)
        return 1
    from regolite.server.app import ServerSettings, WebhookApp
    from regolite.server.metrics import JsonLog, ServerMetrics, everything_as_json
    from regolite.server.policies import PolicyStore

    # Reviews are CPU-bound Python in worker threads; a short GIL switch interval lets the event
    # loop keep answering (deadlines, health checks) while a slow review runs.
    sys.setswitchinterval(SWITCH_INTERVAL)
    log = JsonLog()
    with everything_as_json(log):
        metrics = ServerMetrics()
        store = PolicyStore(args.policies, metrics=metrics, log=log, scan_reports=args.scan_report,
                            enforcement_point=WEBHOOK, cache=default_cache())
        if store.load() is not None:
            return 1  # the policy_load_failed event says why
        settings = ServerSettings(
            timeout=args.timeout, max_request_bytes=args.max_request_bytes, fail_open=args.fail_open,
            max_steps=args.max_steps, max_depth=args.max_depth, exempt_namespaces=tuple(args.exempt_namespace),
            exempt_namespace_prefixes=tuple(args.exempt_namespace_prefix),
            exempt_namespace_suffixes=tuple(args.exempt_namespace_suffix),
            **{name: getattr(args, name) for name in LIMITS})
        return _serve(WebhookApp(store, settings), args, log)


def _serve(app: Any, args, log: Any) -> int:
    """Run uvicorn with `app` until it stops; the exit code."""
    import uvicorn

    from regolite.server.connections import LimitedHttpProtocol
    from regolite.server.metrics import uvicorn_log_config

    store, settings = app.store, app.settings
    if args.watch:
        store.watch(1.0)
    tls = None if args.insecure_http else _tls_context(args.tls_cert, args.tls_key)
    log.event("starting", host=args.host, port=args.port, tls=tls is not None, watch=args.watch, pid=os.getpid(),
              **dataclasses.asdict(settings))
    config = uvicorn.Config(
        app, host=args.host, port=args.port, lifespan="on", access_log=False, server_header=False,
        log_config=uvicorn_log_config("info", tls=tls is not None), proxy_headers=False, ws="none",
        http=functools.partial(LimitedHttpProtocol, settings, app.metrics, tls),
        timeout_keep_alive=args.idle_timeout, timeout_graceful_shutdown=args.timeout + args.send_timeout,
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


def _tls_context(cert: str, key: str) -> ssl.SSLContext:
    """The serving context: TLS 1.2 or later, HTTP/1.1 by ALPN (the API server speaks it)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["http/1.1"])
    return context


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
    for name, (flag, default, _, _) in LIMITS.items():
        if not getattr(args, name) > 0:
            return f"{flag} must be more than 0"
    if args.max_response_bytes < 64 * 1024:
        return "--max-response-bytes must be at least 65536 (an answer must hold its uid and a useful message)"
    if args.max_header_bytes < 1024:
        return "--max-header-bytes must be at least 1024"
    return ""


if __name__ == "__main__":  # `python -m regolite.cli.serve ...` before "serve" is in COMMANDS
    import argparse

    _parser = argparse.ArgumentParser(prog="regolite")
    add_parser(_parser.add_subparsers(dest="command"))
    _args = _parser.parse_args(["serve", *sys.argv[1:]])
    raise SystemExit(_args.run(_args))
