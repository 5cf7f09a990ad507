"""Throughput, CPU per record and memory of both taps against the sandboxes.

``.venv/bin/python -m benchmark`` (``--quick`` for smaller sizes). Prints a markdown table:
requests/s against the vendor's ceiling, records/s, 429s, tap CPU per record next to a plain
SDK tap, and peak RSS of full syncs at two sizes. Latency is 300 ms +-30% per request, as
measured against the real APIs; limits are the vendors' (lemlist 20 / 2 s; Smartlead at a
configured 10/s on a plan that allows 20 / 2 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
import uuid
from dataclasses import dataclass
from pathlib import Path

from sandbox import lemlist as lemlist_sandbox
from sandbox import smartlead as smartlead_sandbox
from sandbox.catalog import discover, select
from sandbox.control import SandboxControl

BIN = Path(sys.executable).parent
LATENCY_MS = 300
CPU_ROUNDS = 3


@dataclass
class TapRun:
    records: int
    cpu_seconds: float
    peak_rss_mb: float
    wall_seconds: float


def start_sandbox(app: str) -> tuple[subprocess.Popen[str], SandboxControl]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", app, "--port", "0", "--key", uuid.uuid4().hex],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().split(" at ")[1].split(" ")[0]
    return process, SandboxControl(url)


def run_tap(command: list[str], config: dict[str, t.Any], streams: set[str] | None, folder: Path) -> TapRun:
    """Run a tap to the end; its own CPU time and peak RSS come from wait4, not from us."""
    config_path = folder / f"config-{uuid.uuid4().hex}.json"
    config_path.write_text(json.dumps(config))
    args = [*command, "--config", str(config_path)]
    if streams is not None:
        catalog_path = folder / f"catalog-{uuid.uuid4().hex}.json"
        catalog_path.write_text(json.dumps(select(discover(command, str(config_path)), streams)))
        args += ["--catalog", str(catalog_path)]
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    counted = [0]

    def count() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if b'"type":"RECORD"' in line or b'"type": "RECORD"' in line:
                counted[0] += 1

    reader = threading.Thread(target=count)
    reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    reader.join()
    if status:
        msg = f"{command[-1]} failed with status {status}"
        raise RuntimeError(msg)
    return TapRun(counted[0], usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, time.monotonic() - started)


# A re-run's account: many campaigns, few other objects.
RERUN_ACCOUNTS: dict[str, dict[str, t.Any]] = {
    "lemlist": {**lemlist_sandbox.FEW_OTHER_OBJECTS, "activity_days": 30},
    "smartlead": {**smartlead_sandbox.FEW_OTHER_OBJECTS, "rate_limit": 20},
}
RERUN_TOUCHED = 10


def rerun_cost(app: str, control: SandboxControl, campaigns: int, folder: Path) -> list[tuple[str, str]]:
    """Rows: requests of a first sync, of a re-run with nothing new, of one after K campaigns had
    activity, and of one after K other campaigns were edited in the app without activity."""
    key = uuid.uuid4().hex
    name = f"rerun-{app}-{campaigns}"
    activities = {"activities": campaigns * 5} if app == "lemlist" else {}
    control.put_account(name, key=key, campaigns=campaigns, latency_ms=LATENCY_MS, **activities, **RERUN_ACCOUNTS[app])
    command = [str(BIN / f"tap-{app}")]
    config: dict[str, t.Any] = {"api_key": key, "api_url": f"{control.url}/api"}
    if app == "smartlead":
        config = {
            "api_key": key,
            "api_url": f"{control.url}/api/v1",
            "max_requests_per_second": 10,
            "max_requests_per_hour": 0,
        }
    label = f"{'lemlist' if app == 'lemlist' else 'Smartlead'} re-run, {campaigns:,} campaigns"
    state_path = folder / f"state-{name}.json"
    rows = []
    spread = list(range(0, campaigns, campaigns // RERUN_TOUCHED))
    steps = ("first sync", "nothing new", f"{RERUN_TOUCHED} campaigns touched", f"{RERUN_TOUCHED} campaigns edited")
    for step in steps:
        if step.endswith("touched"):
            if app == "lemlist":
                control.touch_campaigns(name, spread)
            else:
                control.touch_leads(name, RERUN_TOUCHED)
        if step.endswith("edited"):
            # Renamed (Smartlead: also paused and given a step) in the app, with no activity.
            edited = [c + 1 for c in spread]
            if app == "lemlist":
                control.touch_campaigns(name, [], edits=edited)
            else:
                control.edit_campaigns(name, edited)
        control.clear_requests(name)
        extra = ["--state", str(state_path)] if state_path.exists() else []
        run, state = run_tap_with_state([*command, *extra], config, folder)
        state_path.write_text(json.dumps(state))
        log = control.requests(name)
        per_campaign = sum(1 for r in log if PER_CAMPAIGN.search(str(r["path"])))
        # A batch route answers for many campaigns (lemlist: 100 campaigns' stats a POST).
        batches = sum(1 for r in log if r["method"] == "POST")
        rows.append(
            (
                f"{label}: {step}",
                f"{len(log)} requests ({per_campaign} per-campaign, {batches} batch), {run.wall_seconds:.0f} s",
            )
        )
    return rows


# A path under one campaign: lemlist /campaigns/cam_.../, Smartlead /campaigns/1001000/.
PER_CAMPAIGN = re.compile(r"/campaigns/(cam_[A-Za-z0-9]+|\d+)/")


def run_tap_with_state(command: list[str], config: dict[str, t.Any], folder: Path) -> tuple[TapRun, dict[str, t.Any]]:
    """Run a tap to the end with every stream; returns the run and the last STATE it wrote."""
    config_path = folder / f"config-{uuid.uuid4().hex}.json"
    config_path.write_text(json.dumps(config))
    started = time.monotonic()
    result = subprocess.run([*command, "--config", str(config_path)], capture_output=True, check=False)
    if result.returncode:
        msg = f"{command[0]} failed: {result.stderr.decode()[-500:]}"
        raise RuntimeError(msg)
    state: dict[str, t.Any] = {}
    records = 0
    for line in result.stdout.splitlines():
        if b'"type":"STATE"' in line:
            state = json.loads(line)["value"]
        records += b'"type":"RECORD"' in line
    return TapRun(records, 0.0, 0.0, time.monotonic() - started), state


# The routes the outreach model reads (transform/models/staging), per tap: the first sync has
# built the model's inputs once the last request to any of them has answered.
MODEL_ROUTES: dict[str, re.Pattern[str]] = {
    "lemlist": re.compile(
        r"^/api/(activities|campaigns|team|users/[^/]+|v2/campaigns/[^/]+/stats|v2/campaigns/stats/batch"
        r"|campaigns/[^/]+/export/leads)$"
    ),
    "smartlead": re.compile(
        r"^/api/v1/(campaigns/|campaigns/\d+/(statistics|analytics|leads)|leads/fetch-categories|email-accounts/)$"
    ),
}
# The vendors' default caps, for the hours a first sync takes: (requests/s, requests/hour or 0).
DEFAULT_CAPS = {"lemlist": (10.0, 0), "smartlead": (1.0, 1_000)}
# A first sync's account: the shape of the measured Smartlead account (6 leads a campaign, 257
# mailboxes), and lemlist campaigns with 5 activities each.
FIRST_SYNC_ACCOUNTS: dict[str, dict[str, t.Any]] = {
    "lemlist": {"activity_days": 30},
    "smartlead": {
        "leads_per_campaign": 6,
        "email_accounts": 257,
        "rate_limit": 20,
        # Smartlead's own limit on the activity feed, counted on arrival.
        "route_limits": {"/api/v1/campaigns/all-leads-activities": [10, 60]},
    },
}


def hours_at_default_caps(app: str, requests: int) -> float:
    per_second, per_hour = DEFAULT_CAPS[app]
    hours = requests / per_second / 3600
    return max(hours, requests / per_hour) if per_hour else hours


def first_sync(app: str, control: SandboxControl, campaigns: int, folder: Path) -> list[tuple[str, str]]:
    """Rows: a first sync of the default selection (what a catalog from ``--discover`` selects):
    its requests and the hours they mean at the vendor's default caps, the request by which the
    model's inputs are complete, and the re-run after it with nothing new."""
    key = uuid.uuid4().hex
    name = f"first-{app}-{campaigns}"
    activities = {"activities": campaigns * 5} if app == "lemlist" else {}
    spec = {"campaigns": campaigns, "latency_ms": LATENCY_MS, **activities, **FIRST_SYNC_ACCOUNTS[app]}
    control.put_account(name, key=key, **spec)
    command = [str(BIN / f"tap-{app}")]
    config: dict[str, t.Any] = {"api_key": key, "api_url": f"{control.url}/api"}
    if app == "smartlead":
        # Ten times the default rate and no hourly cap, so that it runs in minutes; the hours
        # at the default caps are derived from the requests.
        config |= {"api_url": f"{control.url}/api/v1", "max_requests_per_second": 10, "max_requests_per_hour": 0}
    label = f"{'lemlist' if app == 'lemlist' else 'Smartlead'} first sync, {campaigns:,} campaigns"
    control.clear_requests(name)
    run, state = run_tap_with_state(command, config, folder)
    log = sorted(control.requests(name), key=lambda r: float(r["t"]))
    refused = sum(1 for r in log if r.get("status") == 429)
    model = MODEL_ROUTES[app]
    complete = max((n for n, r in enumerate(log, 1) if model.match(str(r["path"]).split("?")[0])), default=0)
    control.clear_requests(name)
    config_path = folder / f"state-{name}.json"
    config_path.write_text(json.dumps(state))
    run_tap_with_state([*command, "--state", str(config_path)], config, folder)
    rerun = len(control.requests(name))
    hours = hours_at_default_caps(app, len(log))
    return [
        (
            f"{label}: requests (default selection)",
            f"{len(log):,}, {hours:.2f} h at the default caps ({run.records:,} records, {refused} 429s, "
            f"{run.wall_seconds:.0f} s here)",
        ),
        (
            f"{label}: model inputs complete at request",
            f"{complete:,} ({hours_at_default_caps(app, complete):.2f} h at the default caps)",
        ),
        (f"{label}: re-run with nothing new", f"{rerun} requests"),
    ]


RAMP_SECONDS = 2.0


def request_rate(control: SandboxControl, account: str) -> tuple[float, float, int, int]:
    """(requests/s over the whole run, sustained requests/s after the first 2 s of ramp-up,
    requests, 429s), all from the sandbox's own log of arrivals."""
    log = control.requests(account)
    arrivals = sorted(float(r["t"]) for r in log)
    throttled = sum(1 for r in log if r["status"] == 429)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0
    steady = [a for a in arrivals if a >= arrivals[0] + RAMP_SECONDS]
    steady_span = steady[-1] - steady[0] if len(steady) > 1 else 0
    return (
        (len(arrivals) - 1) / span if span else 0.0,
        (len(steady) - 1) / steady_span if steady_span else 0.0,
        len(arrivals),
        throttled,
    )


def rate_text(overall: float, sustained: float, ceiling: float, sent: int) -> str:
    return f"{sustained:.2f} sustained ({sustained / ceiling:.0%}), {overall:.2f} overall, {sent} requests"


def main() -> int:  # noqa: PLR0912, PLR0915
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 10 minutes instead of 60)")
    sections = ("activities", "children", "smartlead", "firstsync", "rerun", "cpu", "rss")
    parser.add_argument("--only", nargs="+", choices=sections, default=sections, help="run only these parts")
    args = parser.parse_args()
    activities = 5_000 if args.quick else 20_000
    rss_sizes = (10_000, 100_000 if args.quick else 1_000_000)
    # Far enough apart that start-up noise (a tenth of a second) is small next to the difference.
    cpu_sizes = (4_000, 24_000) if args.quick else (6_000, 36_000)
    rerun_sizes = (200,) if args.quick else (200, 2_000)

    lemlist, lemlist_ctl = start_sandbox("lemlist")
    smartlead, smartlead_ctl = start_sandbox("smartlead")
    rows: list[tuple[str, str]] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)

            def lemlist_account(name: str, **spec: t.Any) -> dict[str, t.Any]:
                key = uuid.uuid4().hex
                lemlist_ctl.put_account(name, key=key, **spec)
                return {"api_key": key, "api_url": f"{lemlist_ctl.url}/api"}

            tap_lemlist = [str(BIN / "tap-lemlist")]

            # lemlist activities at the ceiling
            if "activities" in args.only:
                config = lemlist_account("activities", activities=activities, latency_ms=LATENCY_MS)
                run = run_tap(tap_lemlist, config, {"activities"}, folder)
                rate, sustained, sent, throttled = request_rate(lemlist_ctl, "activities")
                rows += [
                    ("lemlist `activities`: requests/s (ceiling 10)", rate_text(rate, sustained, 10, sent)),
                    (
                        "lemlist `activities`: records/s",
                        f"{run.records / run.wall_seconds:.0f} ({run.records} records)",
                    ),
                    ("lemlist `activities`: 429s", str(throttled)),
                ]

            # lemlist per-campaign children over 200 campaigns
            if "children" in args.only:
                config = lemlist_account("children", activities=0, campaigns=200, latency_ms=LATENCY_MS)
                run = run_tap(tap_lemlist, config, {"campaigns", "campaign_stats", "sequences"}, folder)
                rate, sustained, sent, throttled = request_rate(lemlist_ctl, "children")
                rows.append(
                    (
                        "lemlist 200 campaigns' stats + sequences: requests/s",
                        f"{rate_text(rate, sustained, 10, sent)}, {throttled} 429s",
                    )
                )

            # Smartlead per-campaign leads (100 per page) at a configured 10/s
            if "smartlead" in args.only:
                key = uuid.uuid4().hex
                smartlead_ctl.put_account(
                    "leads", key=key, rate_limit=20, campaigns=200, leads_per_campaign=250, latency_ms=LATENCY_MS
                )
                config = {
                    "api_key": key,
                    "api_url": f"{smartlead_ctl.url}/api/v1",
                    "max_requests_per_second": 10,
                    "max_requests_per_hour": 0,
                }
                run = run_tap([str(BIN / "tap-smartlead")], config, {"campaigns", "campaign_leads"}, folder)
                rate, sustained, sent, throttled = request_rate(smartlead_ctl, "leads")
                rows += [
                    (
                        "Smartlead 200 campaigns' leads: requests/s (configured 10)",
                        rate_text(rate, sustained, 10, sent),
                    ),
                    (
                        "Smartlead 200 campaigns' leads: records/s",
                        f"{run.records / run.wall_seconds:.0f}, {throttled} 429s",
                    ),
                ]

            # First syncs of the default selection: requests, hours at the default caps, and when
            # the model's inputs are complete.
            if "firstsync" in args.only:
                for campaigns in rerun_sizes:
                    rows += first_sync("smartlead", smartlead_ctl, campaigns, folder)
                    rows += first_sync("lemlist", lemlist_ctl, campaigns, folder)

            # Re-run cost: a first sync of every stream, a re-run with nothing new, then one after
            # K campaigns had activity; requests counted by the sandbox, per-campaign ones apart.
            if "rerun" in args.only:
                for campaigns in rerun_sizes:
                    rows += rerun_cost("lemlist", lemlist_ctl, campaigns, folder)
                    rows += rerun_cost("smartlead", smartlead_ctl, campaigns, folder)

            # CPU per record: marginal CPU between two sizes, so start-up cost cancels out; the
            # median of rounds that alternate the two taps, since one run moves by +-20%.
            if "cpu" in args.only:
                baseline = [sys.executable, str(Path(__file__).with_name("baseline_tap.py"))]
                samples: dict[str, list[float]] = {"plain SDK tap": [], "tap-lemlist": []}
                for _ in range(CPU_ROUNDS):
                    for label, command in (("plain SDK tap", baseline), ("tap-lemlist", tap_lemlist)):
                        runs = []
                        for size in cpu_sizes:
                            name = f"cpu-{uuid.uuid4().hex[:8]}"
                            runs.append(
                                run_tap(
                                    command,
                                    lemlist_account(name, activities=size, rate_limit=100_000),
                                    {"activities"},
                                    folder,
                                )
                            )
                        extra = runs[1].cpu_seconds - runs[0].cpu_seconds
                        samples[label].append(extra / (runs[1].records - runs[0].records) * 1e6)
                plain, ours = (statistics.median(samples[label]) for label in samples)
                rows += [
                    ("tap CPU per activity: plain SDK tap (median of 3)", f"{plain:.1f} µs"),
                    ("tap CPU per activity: tap-lemlist (median of 3)", f"{ours:.1f} µs ({ours / plain:.0%} of plain)"),
                ]

            # Peak RSS of full syncs at two sizes
            if "rss" in args.only:
                for size in rss_sizes:
                    config = lemlist_account(f"rss-{size}", activities=size)
                    run = run_tap(tap_lemlist, config, None, folder)
                    rows.append(
                        (
                            f"tap-lemlist full sync, {size:,} activities: peak RSS",
                            f"{run.peak_rss_mb:.0f} MB ({run.records:,} records, {run.wall_seconds:.0f} s)",
                        )
                    )
    finally:
        for process in (lemlist, smartlead):
            process.terminate()

    width = max(len(label) for label, _ in rows)
    print(f"| {'measure':<{width}} | result |")
    print(f"|{'-' * (width + 2)}|--------|")
    for label, value in rows:
        print(f"| {label:<{width}} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
