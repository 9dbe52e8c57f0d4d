"""`fengqiao` commands — Serving: the HTTP server, tokens, the demo data and the schema."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from domain.values import Role
from infrastructure import settings as configuration

# Longer than the usual load balancer / client idle timeouts, so the server is never the one to
# close an idle keep-alive connection just as a client reuses it (which surfaces as a dropped request).
KEEP_ALIVE = 75


def _banner(host: str, port: int) -> str:
    """Where to go next, said once at start: the console, the API's descriptions, a token."""
    base = f"http://{host}:{port}"
    return (f"fengqiao: serving {base}\n"
            f"  console   {base}/console/\n"
            f"  REST      {base}/api/v1 (OpenAPI: {base}/schema)\n"
            f"  GraphQL   {base}/graphql\n"
            "  a token   fengqiao token issue --subject NAME --role ROLE [--unit UNIT]")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    print(_banner(args.host, args.port), file=sys.stderr, flush=True)

    from interfaces.runtime import build_runtime
    from interfaces.server import QuietServer

    if args.workers > 1:
        # Each worker process builds its own runtime; settings are read once here to fail fast.
        configuration.load_settings()
        os.environ["FENGQIAO_SERVE_PROJECTIONS"] = "0" if args.no_projections else "1"
        uvicorn.run(
            "interfaces.asgi:create",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            timeout_graceful_shutdown=10,
            timeout_keep_alive=KEEP_ALIVE,
        )
        return 0
    settings = configuration.load_settings()
    runtime = build_runtime(settings)
    runtime.start_background(projections=not args.no_projections, scheduler=not args.no_projections)
    assert runtime.http is not None
    config = uvicorn.Config(
        runtime.http,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=KEEP_ALIVE,
        lifespan="on",
    )
    server = QuietServer(config)
    try:
        server.run()
    finally:
        runtime.close()
    return 0


def _token_issue(args: argparse.Namespace) -> int:
    from infrastructure.coordination import schema_lock
    from infrastructure.store import open_application
    from interfaces.auth import UNIT_ROLES, issue_token

    settings = configuration.load_settings()
    try:
        role = Role(args.role)
    except ValueError:
        print("fengqiao: --role must be one of clerk, handler, taskforce, legal, auditor, integrator", file=sys.stderr)
        return 2
    if role in UNIT_ROLES and not args.unit:
        print(f"fengqiao: --role {role.value} needs --unit", file=sys.stderr)
        return 2
    if args.unit:
        with schema_lock(settings.store):
            app = open_application(settings)
        try:
            known = app.units()
        finally:
            app.close()
        if args.unit not in known:
            print(f"fengqiao: unknown unit {args.unit!r}; known: {', '.join(sorted(known))}", file=sys.stderr)
            return 2
    try:
        token = issue_token(settings.secret, subject=args.subject, role=role, unit=args.unit, ttl=args.ttl)
    except ValueError as e:
        print(f"fengqiao: {e}", file=sys.stderr)
        return 2
    print(token)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from infrastructure.store import open_application
    from interfaces.demo import DemoRefused, load_demo

    settings = configuration.load_settings()
    path = settings.store.sqlite_path
    # The var directory is ours to make; any other folder would be made wherever a typo points.
    if path is not None and not path.parent.is_dir() and path.parent.resolve() != settings.var_dir.resolve():
        print(f"fengqiao demo: the SQLite file {path} is in a directory that does not exist ({path.parent}); "
              "create it first, or point FENGQIAO_DATABASE_URL at a file in an existing directory", file=sys.stderr)
        return 2
    app = open_application(settings)
    try:
        summary = load_demo(app)
    except DemoRefused as e:
        print(f"fengqiao demo: {e}", file=sys.stderr)
        return 1
    finally:
        app.close()
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def _graphql_schema(args: argparse.Namespace) -> int:
    from interfaces.graphql.schema import build_schema

    print(build_schema(production=False).as_str())
    return 0


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the HTTP server (REST + GraphQL) and the projections")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-projections", action="store_true", help="leave projections to `fengqiao projections run`")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(run=_serve)

    token = sub.add_parser("token", help="bearer tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    issue = token_sub.add_parser("issue", help="print a signed bearer token")
    issue.add_argument("--subject", required=True)
    issue.add_argument("--role", required=True)
    issue.add_argument("--unit")
    issue.add_argument("--ttl", type=int, default=8 * 3600, help="seconds (default 8 hours)")
    issue.set_defaults(run=_token_issue)

    demo = sub.add_parser("demo", help="load realistic sample cases into an empty store")
    demo.set_defaults(run=_demo)

    schema = sub.add_parser("graphql-schema", help="print the GraphQL schema (SDL)")
    schema.set_defaults(run=_graphql_schema)
