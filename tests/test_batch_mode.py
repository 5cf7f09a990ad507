"""The SDK's BATCH mode: every STATE comes after the BATCH messages of the records it covers, so
a kill between the two never skips records on the next run (the kill itself: test_resume)."""

from __future__ import annotations

from tests.conftest import lemlist_config
from tests.taprun import TapRun, batch_config, run_tap

# Smaller than a date window, so windows end inside a batch file and batch files inside windows.
BATCH_SIZE = 250


def announced_before_each_state(run: TapRun) -> list[tuple[dict[str, object], set[str]]]:
    """For each STATE: its value, and the activities whose BATCH came before it."""
    announced: set[str] = set()
    seen = []
    for message in run.messages:
        if message["type"] == "RECORD" and message["stream"] == "activities":
            assert message.get("batched"), "in BATCH mode no RECORD message is written"
            announced.add(message["record"]["_id"])
        elif message["type"] == "STATE":
            seen.append((message["value"], set(announced)))
    return seen


def test_no_state_claims_an_activity_whose_batch_has_not_gone_out(lemlist_account, tmp_path):
    account = lemlist_account(activities=3000)
    config = lemlist_config(account, batch_config=batch_config(tmp_path, BATCH_SIZE))
    run = run_tap("tap-lemlist", config, streams=["activities"])
    assert run.returncode == 0, run.stderr[-2000:]
    everything = {r["_id"]: r["createdAt"] for r in run.records("activities")}
    assert len(everything) == 3000
    states = announced_before_each_state(run)
    checked = 0
    for value, announced in states:
        bookmark = value.get("bookmarks", {}).get("activities", {}).get("replication_key_value")
        if bookmark is None:
            continue
        # The next run starts at the bookmark: everything older must already be in a BATCH.
        covered = {key for key, created in everything.items() if created < bookmark}
        assert covered <= announced, f"a STATE at {bookmark} claims {len(covered - announced)} unannounced"
        checked += 1
    assert checked >= 3, "too few checkpoints to mean anything"


def test_batch_mode_announces_no_table_version(lemlist_account, tmp_path):
    """A BATCH message carries no version: a loader would retire every row it read from the files."""
    account = lemlist_account(activities=50, campaigns=2)
    config = lemlist_config(account, batch_config=batch_config(tmp_path, BATCH_SIZE))
    run = run_tap("tap-lemlist", config, streams=["campaigns", "contacts"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.records("campaigns")
    assert run.records("contacts")
    assert not [m for m in run.messages if m["type"] == "ACTIVATE_VERSION"]
