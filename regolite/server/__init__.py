"""`regolite serve`: Gatekeeper's validating admission webhook on an ASGI server.

`app` is the ASGI application (routing, limits, JSON, the evaluation deadline),
`policies` loads the policy directory and swaps in reloads atomically, `metrics`
holds the Prometheus counters and the JSON-lines log. The server itself is
uvicorn (the optional `server` extra); `regolite.cli.serve` wires them together.
"""
