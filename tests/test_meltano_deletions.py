"""Deletions end to end: a campaign, a lead and a contact deleted at the source, then
`meltano run` into PostgreSQL (rows marked deleted) and into the embedded DuckDB (rows kept)."""

from __future__ import annotations

import json
import subprocess
import typing as t

from tests.conftest import SMARTLEAD_TEST_LIMIT, Account
from tests.meltano_project import Run, lemlist_env, project_copy, smartlead_env


def live_ids(run: Run, schema: str, table: str, key: str) -> set[t.Any]:
    return {row[0] for row in run.sql(f'select "{key}" from {schema}."{table}" where _sdc_deleted_at is null')}


def retired_ids(run: Run, schema: str, table: str, key: str) -> set[t.Any]:
    return {row[0] for row in run.sql(f'select "{key}" from {schema}."{table}" where _sdc_deleted_at is not null')}


def test_deletions_reach_postgres_as_the_readme_says(postgres, tmp_path):
    """A campaign, a lead and a contact deleted in lemlist: the next run marks the campaign and the
    contact deleted (full-table streams carry deletions on every run); the lead, a campaign's
    child, is marked with the next reconciliation, which reads every campaign, and so are the
    deleted campaign's leads. Nothing else is marked."""
    account = Account("lemlist", activities=60, campaigns=3, leads_per_campaign=4, contacts=30)
    run = Run(project_copy(tmp_path / "project"), postgres, tmp_path, **lemlist_env(account))
    first = run("run", "tap-lemlist", "target-postgres")
    assert first.returncode == 0, first.stderr[-3000:]
    campaigns = run.sql('select "_id" from tap_lemlist.campaigns order by "createdAt"')
    gone_campaign = campaigns[2][0]
    kept_campaign = campaigns[0][0]
    leads_of = dict(
        run.sql('select "campaignId", array_agg("_id" order by "_id") from tap_lemlist.campaign_leads group by 1')
    )
    contacts = sorted(live_ids(run, "tap_lemlist", "contacts", "_id"))
    assert not retired_ids(run, "tap_lemlist", "campaigns", "_id")

    # The sandbox deletes by position: campaign 2 (by creation), lead 1 of campaign 0, contact 5.
    account.control.delete(account.name, campaigns=[2], leads=[(0, 1)], contacts=[5])
    second = run("run", "tap-lemlist", "target-postgres")
    assert second.returncode == 0, second.stderr[-3000:]
    assert retired_ids(run, "tap_lemlist", "campaigns", "_id") == {gone_campaign}
    (gone_contact,) = retired_ids(run, "tap_lemlist", "contacts", "_id")
    assert gone_contact in contacts
    assert len(live_ids(run, "tap_lemlist", "contacts", "_id")) == len(contacts) - 1
    # Children wait for a run that reads every campaign: nothing of them is marked yet.
    assert not retired_ids(run, "tap_lemlist", "campaign_leads", "_id")

    third = run("run", "tap-lemlist", "target-postgres", env_extra={"TAP_LEMLIST_RECONCILE": "true"})
    assert third.returncode == 0, third.stderr[-3000:]
    retired_leads = retired_ids(run, "tap_lemlist", "campaign_leads", "_id")
    assert set(leads_of[gone_campaign]) <= retired_leads
    (gone_lead,) = retired_leads - set(leads_of[gone_campaign])
    assert gone_lead in leads_of[kept_campaign]
    assert retired_ids(run, "tap_lemlist", "campaign_stats", "campaignId") == {gone_campaign}
    assert {
        row[0]
        for row in run.sql('select distinct "campaignId" from tap_lemlist.sequences where _sdc_deleted_at is not null')
    } == {gone_campaign}
    assert retired_ids(run, "tap_lemlist", "campaigns", "_id") == {gone_campaign}
    # Events are history: an activity of a deleted campaign stays.
    assert not retired_ids(run, "tap_lemlist", "activities", "_id")


def test_the_embedded_duckdb_default_keeps_every_row_when_deletions_are_announced(postgres, tmp_path):
    """target-duckdb ignores ACTIVATE_VERSION: with deletions on by default, it loads every row
    and retires none (the README says so), and a run after a deletion still succeeds."""
    account = Account("lemlist", activities=40, campaigns=3, leads_per_campaign=3, contacts=20)
    warehouse = tmp_path / "warehouse.duckdb"
    run = Run(
        project_copy(tmp_path / "project"),
        postgres,
        tmp_path,
        **lemlist_env(account),
        TARGET_DUCKDB_FILEPATH=str(warehouse),
    )
    first = run("run", "tap-lemlist", "target-duckdb")
    assert first.returncode == 0, first.stderr[-3000:]
    account.control.delete(account.name, campaigns=[2], contacts=[5])
    second = run("run", "tap-lemlist", "target-duckdb")
    assert second.returncode == 0, second.stderr[-3000:]
    python = run.project / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    counted = subprocess.run(
        [
            str(python),
            "-c",
            "import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print(json.dumps({t: c.execute(f'select count(*) from tap_lemlist.{t}').fetchone()[0] "
            "for t in ('campaigns', 'contacts')}))",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(counted.stdout) == {"campaigns": 3, "contacts": 20}


def test_smartlead_deletions_reach_postgres(postgres, tmp_path):
    account = Account("smartlead", rate_limit=SMARTLEAD_TEST_LIMIT, campaigns=3, leads_per_campaign=5)
    run = Run(project_copy(tmp_path / "project"), postgres, tmp_path, **smartlead_env(account))
    first = run("run", "tap-smartlead", "target-postgres")
    assert first.returncode == 0, first.stderr[-3000:]
    campaigns = [row[0] for row in run.sql("select id from tap_smartlead.campaigns order by id")]
    leads_of = dict(
        run.sql("select campaign_id, array_agg(campaign_lead_map_id) from tap_smartlead.campaign_leads group by 1")
    )

    account.control.delete(account.name, campaigns=[1], leads=[(0, 2)])
    second = run("run", "tap-smartlead", "target-postgres")
    assert second.returncode == 0, second.stderr[-3000:]
    assert retired_ids(run, "tap_smartlead", "campaigns", "id") == {campaigns[1]}
    assert not retired_ids(run, "tap_smartlead", "campaign_leads", "campaign_lead_map_id")

    third = run("run", "tap-smartlead", "target-postgres", env_extra={"TAP_SMARTLEAD_RECONCILE": "true"})
    assert third.returncode == 0, third.stderr[-3000:]
    retired = retired_ids(run, "tap_smartlead", "campaign_leads", "campaign_lead_map_id")
    assert set(leads_of[campaigns[1]]) <= retired
    (gone_lead,) = retired - set(leads_of[campaigns[1]])
    assert gone_lead in leads_of[campaigns[0]]
