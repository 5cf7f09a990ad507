"""Start a sandbox: ``python -m sandbox lemlist --port 8765 --key KEY --activities 100000``."""

from __future__ import annotations

import argparse
import sys
import threading

from sandbox import APPS, start
from sandbox.lemlist import DEFAULTS as LEMLIST_SIZES
from sandbox.smartlead import DEFAULTS as SMARTLEAD_SIZES

SIZES = {name: ("lemlist", default) for name, default in LEMLIST_SIZES.items()}
for name, default in SMARTLEAD_SIZES.items():
    SIZES[name] = ("smartlead" if name not in SIZES else "lemlist/smartlead", default)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--key", default="sandbox-key", help="API key of the default account")
    parser.add_argument("--account", default="default", help="name of the default account")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests faulted")
    parser.add_argument(
        "--rate-limit", type=int, default=None, help="requests per rate period (lemlist 20/2 s, Smartlead 10/2 s)"
    )
    parser.add_argument(
        "--activity-days", type=float, default=None, help="pack the activity history into its last N days"
    )
    for name, (apps, default) in SIZES.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None, help=f"{apps}, default {default}")
    args = parser.parse_args(argv)
    spec: dict[str, object] = {"key": args.key, "seed": args.seed, "latency_ms": args.latency_ms}
    if args.fault_rate:
        spec["faults"] = {"rate": args.fault_rate, "seed": args.seed}
    if args.rate_limit:
        spec["rate_limit"] = args.rate_limit
    if args.activity_days is not None:
        spec["activity_days"] = args.activity_days
    spec |= {name: getattr(args, name) for name in SIZES if getattr(args, name) is not None}
    server = start(args.app, port=args.port, host=args.host)
    server.put_account(args.account, spec)
    print(f"{args.app} sandbox at {server.url} (account '{args.account}')", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
