"""A client for a running sandbox's control API (``/_sandbox/...``)."""

from __future__ import annotations

import json
import typing as t
import urllib.request


class SandboxControl:
    """Create accounts, script faults and read request logs of a sandbox at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def call(self, method: str, path: str, body: object = None) -> t.Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/_sandbox/{path}", data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def put_account(self, name: str, **spec: t.Any) -> dict[str, int]:
        """Create or replace an account; returns the row count each stream should end with."""
        return t.cast("dict[str, int]", self.call("PUT", f"accounts/{name}", spec)["counts"])

    def counts(self, name: str) -> dict[str, int]:
        return t.cast("dict[str, int]", self.call("GET", f"accounts/{name}/counts"))

    def requests(self, name: str) -> list[dict[str, t.Any]]:
        return t.cast("list[dict[str, t.Any]]", self.call("GET", f"accounts/{name}/requests"))

    def clear_requests(self, name: str) -> None:
        self.call("DELETE", f"accounts/{name}/requests")

    def set_faults(self, name: str, **faults: t.Any) -> None:
        self.call("PUT", f"accounts/{name}/faults", faults)

    def set_latency(self, name: str, latency_ms: float, jitter: float = 0.3) -> None:
        self.call("PUT", f"accounts/{name}/latency", {"latency_ms": latency_ms, "latency_jitter": jitter})

    def add_activities(self, name: str, count: int) -> list[str]:
        return t.cast("list[str]", self.call("POST", f"accounts/{name}/activities", {"count": count})["ids"])

    def touch_campaigns(self, name: str, campaigns: list[int], edits: t.Sequence[int] = ()) -> list[str]:
        """lemlist: new activity in these campaigns (by index), and ``edits`` renamed."""
        body = {"campaigns": campaigns, "edits": list(edits)}
        return t.cast("list[str]", self.call("POST", f"accounts/{name}/touch", body)["ids"])

    def delete(
        self,
        name: str,
        *,
        campaigns: t.Sequence[int] = (),
        leads: t.Sequence[tuple[int, int]] = (),
        contacts: t.Sequence[int] = (),
        users: t.Sequence[int] = (),
    ) -> None:
        """Objects deleted in the app: campaigns and contacts by index, leads by (campaign index,
        lead number) on lemlist; campaigns by index and leads by (campaign index, lead number) on
        Smartlead; lemlist team users by index (the first stays), still listed by the team."""
        body = {
            "campaigns": list(campaigns),
            "leads": [list(lead) for lead in leads],
            "contacts": list(contacts),
            "users": list(users),
        }
        self.call("POST", f"accounts/{name}/delete", body)

    def edit_campaigns(self, name: str, campaigns: t.Sequence[int]) -> list[int]:
        """Smartlead: these campaigns (by index) edited in the app with no lead activity: renamed,
        paused and given one more sequence step."""
        return t.cast("list[int]", self.call("POST", f"accounts/{name}/edit", {"campaigns": list(campaigns)})["ids"])

    def set_clock(self, name: str, now: str | None) -> None:
        """Smartlead: the account's clock for its warm-up stats (ISO 8601), or None for the machine's."""
        self.call("PUT", f"accounts/{name}/clock", {"now": now})

    def touch_leads(self, name: str, count: int) -> list[int]:
        """Smartlead: a new open for the first ``count`` lead rows (one per campaign up to the campaigns' count)."""
        return t.cast("list[int]", self.call("POST", f"accounts/{name}/touch", {"count": count})["ids"])
