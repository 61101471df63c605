"""`ezy`: start the product (all roles or one), migrate, and manage tenants and API keys."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import IO, Any

from ezy import db
from ezy.config import Settings
from ezy.context import TenantContext
from ezy.contract import parse, wire
from ezy.errors import EzyError
from ezy.pagination import PageRequest
from ezy.scoping import parse_id
from ezy.tenants import keys
from ezy.tenants.contracts import ApiKeyInput, ApiKeyRotation


async def _with_db(settings: Settings, action: Callable[[], Awaitable[Any]]) -> Any:
    if not db.is_postgres(settings.database_url):
        await db.migrate(settings.database_url)
    await db.init_db(settings.database_url)
    try:
        return await action()
    finally:
        await db.close_db()


def _run(settings: Settings, action: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    try:
        return asyncio.run(_with_db(settings, action))
    except EzyError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        raise SystemExit(2) from None


def _tenant(value: str) -> TenantContext:
    tenant_id = parse_id(value)
    if tenant_id is None:
        raise SystemExit(f"error: {value!r} is not a tenant id")
    return TenantContext(tenant_id, origin="cli")


# Commands that may create a fresh SQLite database; every other one needs an existing setup.
CREATING_COMMANDS = frozenset({"up", "migrate"})
_held: list[IO[str]] = []  # the `ezy up` lock, held (open) for the life of the process


def _existing_setup(settings: Settings, command: str) -> None:
    path = settings.sqlite_path
    if path is None or command in CREATING_COMMANDS or path.exists():
        return
    raise SystemExit(
        f"error: no EZY database at {path.resolve()}. Run `ezy up` in the folder that holds your "
        "setup (it creates one on first start), or point EZY_DATABASE_URL at your database."
    )


def _hold_data_dir(data_dir: Path) -> None:
    """One `ezy up` per data directory: a second one would share its queue, files and scheduler.

    An advisory lock (flock) on `up.lock`: the kernel releases it when the process ends, however
    it ends, so a crashed `ezy up` never blocks the next one.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "up.lock", "a+")  # held open until the process exits
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        raise SystemExit(
            f"error: another `ezy up` (pid {pid}) is running with the data directory {data_dir.resolve()}; "
            "stop it first, or start this one in another folder (or with another EZY_DATA_DIR)"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held.append(handle)


def _shared_queue(settings: Settings, command: str) -> None:
    """The roles apart must share one Redis; an embedded one would be private to the process."""
    if settings.embedded_queue:
        raise SystemExit(
            f"error: `ezy {command}` needs EZY_REDIS_URL: the roles apart share one Redis, and an "
            "embedded one would be private to this process (no worker would read what the API queues). "
            "On one machine, `ezy up` runs the API, a worker and the scheduler together."
        )


def cmd_up(args: argparse.Namespace, settings: Settings) -> None:
    from ezy.server import serve

    _hold_data_dir(settings.data_dir)
    if not args.demo:
        serve(settings, roles=("api", "worker", "scheduler"), banner=True)
        return
    from ezy.demo_shopify import demo_store
    from ezy.demo_shopify.store import serve_store

    # The stand-in Shopify store lives on a loopback port for as long as `ezy up` does.
    with serve_store(demo_store()) as store:
        demo = asyncio.run(_demo(settings, store.base_url))
        print(f"demo tenant: instance {demo.sample_instance} syncs a sample store every minute")
        print(
            f"demo tenant: instance {demo.shopify_instance} syncs products every minute through the shopify "
            f"connector from a LOCAL STAND-IN store at {store.base_url} (fake data served by this process; "
            "not Shopify, no account)"
        )
        print(f"demo API key (shown once): {demo.key}")
        print(f"  try: ezy run {demo.sample_instance} --follow")
        print(f"  try: ezy run {demo.shopify_instance} --follow", flush=True)
        serve(settings, roles=("api", "worker", "scheduler"), banner=True)


async def _demo(settings: Settings, stand_in_url: str) -> Any:
    from ezy.demo import ensure_demo
    from ezy.runtime import Runtime

    # The services need the runtime (its secret box); the queue comes with `serve` below.
    async with Runtime(settings, embedded="none"):
        return await ensure_demo(stand_in_url)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    from ezy.server import serve

    _shared_queue(settings, "serve")
    serve(settings, roles=("api",))


def cmd_worker(args: argparse.Namespace, settings: Settings) -> None:
    from ezy.server import run_headless

    _shared_queue(settings, "worker")
    run_headless(settings, "worker")


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> None:
    from ezy.server import run_headless

    _shared_queue(settings, "scheduler")
    run_headless(settings, "scheduler")


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    applied = asyncio.run(db.migrate(settings.database_url))
    print("applied: " + ", ".join(applied) if applied else "database is up to date")


def cmd_tenants_create(args: argparse.Namespace, settings: Settings) -> None:
    tenant, issued = _run(settings, lambda: keys.create_tenant(args.name, origin="cli"))
    if args.json:
        print(json.dumps({"tenantId": str(tenant.id), "apiKey": issued.secret}))
    else:
        print(f"tenant {tenant.name}: {tenant.id}")
        print(f"API key (shown once): {issued.secret}")


def cmd_keys_create(args: argparse.Namespace, settings: Settings) -> None:
    # Parsed inside `_run`, so a bad name is reported like any other refusal.
    issued = _run(
        settings, lambda: keys.create_key(_tenant(args.tenant), parse(ApiKeyInput, {"name": args.name}))
    )
    print(json.dumps(wire(keys.issued_view(issued))))


def cmd_keys_list(args: argparse.Namespace, settings: Settings) -> None:
    page = _run(settings, lambda: keys.list_keys(_tenant(args.tenant), PageRequest(1, 200)))
    for key in page.items:
        view = wire(keys.view(key))
        state = "revoked" if view["revokedAt"] else "active"
        print(f"{view['id']}  {view['prefix']}  {state:8}  {view['name']}")


def cmd_keys_rotate(args: argparse.Namespace, settings: Settings) -> None:
    rotation = {"gracePeriodSeconds": args.grace_period}
    issued = _run(
        settings,
        lambda: keys.rotate_key(_tenant(args.tenant), args.key_id, parse(ApiKeyRotation, rotation)),
    )
    print(json.dumps(wire(keys.issued_view(issued))))


def cmd_keys_revoke(args: argparse.Namespace, settings: Settings) -> None:
    key = _run(settings, lambda: keys.revoke_key(_tenant(args.tenant), args.key_id))
    print(json.dumps(wire(keys.view(key))))


EXIT_BY_STATUS = {"succeeded": 0, "partial": 3}


def cmd_run(args: argparse.Namespace, settings: Settings) -> None:
    from rich.console import Console

    from ezy.follow import follow
    from ezy.instances import service as instances
    from ezy.runs import service as runs
    from ezy.runs.contracts import SyncEventInput
    from ezy.runtime import QueueNotRunning, Runtime

    async def main() -> str:
        # Without EZY_REDIS_URL, the queue is the one the running `ezy up` of this folder serves.
        async with Runtime(settings, embedded="join"):
            ctx = await instances.owner_of(args.instance_id)
            if ctx is None:
                raise SystemExit(f"error: no instance {args.instance_id}")
            # The same service as POST /sync-events: an inactive instance is refused the same way.
            log = await runs.trigger(ctx, SyncEventInput(instance_id=parse_id(args.instance_id)))
            print(f"queued run {log.id} (correlation id {log.correlation_id})")
            if not args.follow:
                return "queued"
            final = await follow(log.id, Console())
            return final.status

    try:
        status = asyncio.run(main())
    except QueueNotRunning as exc:
        raise SystemExit(f"error: {exc}") from None
    except EzyError as exc:
        raise SystemExit(f"error: {exc.detail}") from None
    raise SystemExit(EXIT_BY_STATUS.get(status, 0 if status == "queued" else 1))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ezy", description="EZY Integrations")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="API + worker + scheduler in one process (embedded default)")
    up.add_argument("--demo", action="store_true", help="also create a demo tenant with a scheduled sync")
    up.set_defaults(func=cmd_up)
    sub.add_parser("serve", help="the API only").set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="an arq worker only").set_defaults(func=cmd_worker)
    sub.add_parser("scheduler", help="the scheduler only").set_defaults(func=cmd_scheduler)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    run = sub.add_parser("run", help="trigger a run of an instance")
    run.add_argument("instance_id")
    run.add_argument("--follow", action="store_true", help="show live progress and the final counts")
    run.set_defaults(func=cmd_run)

    tenants = sub.add_parser("tenants", help="tenants").add_subparsers(dest="action", required=True)
    t_create = tenants.add_parser("create", help="create a tenant and its first API key")
    t_create.add_argument("name")
    t_create.add_argument("--json", action="store_true")
    t_create.set_defaults(func=cmd_tenants_create)

    keys_p = sub.add_parser("keys", help="API keys of a tenant").add_subparsers(dest="action", required=True)
    k_create = keys_p.add_parser("create")
    k_create.add_argument("--tenant", required=True)
    k_create.add_argument("--name", default="cli")
    k_create.set_defaults(func=cmd_keys_create)
    k_list = keys_p.add_parser("list")
    k_list.add_argument("--tenant", required=True)
    k_list.set_defaults(func=cmd_keys_list)
    k_rotate = keys_p.add_parser("rotate")
    k_rotate.add_argument("key_id")
    k_rotate.add_argument("--tenant", required=True)
    k_rotate.add_argument("--grace-period", type=int, default=0, help="seconds the old secret still works")
    k_rotate.set_defaults(func=cmd_keys_rotate)
    k_revoke = keys_p.add_parser("revoke")
    k_revoke.add_argument("key_id")
    k_revoke.add_argument("--tenant", required=True)
    k_revoke.set_defaults(func=cmd_keys_revoke)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    _existing_setup(settings, args.command)
    if args.command != "up":  # `ezy up` prints it in its banner
        print(f"ezy: database {settings.database_label}", file=sys.stderr, flush=True)
    args.func(args, settings)


if __name__ == "__main__":
    main()
