"""The outreach model at a glance: a funnel table per campaign on the terminal, and one
self-contained HTML page (no server, no download) with a chart per campaign and the mailboxes.

    .venv/bin/python scripts/outreach_report.py output/warehouse.duckdb --html output/report.html
    .venv/bin/python scripts/outreach_report.py postgresql://user@host/db --html report.html

Reads the tables `dbt build` wrote (schema ``outreach`` unless ``--schema``).
"""

from __future__ import annotations

import argparse
import datetime
import html
import re
import sys
import typing as t
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg

# The funnel's bars, from outreach_campaign_funnel: messages, then leads.
FUNNEL = {
    "sent": "messages_sent",
    "opened": "messages_opened",
    "clicked": "messages_clicked",
    "replied": "messages_replied",
    "interested": "leads_interested",
    "meeting_booked": "leads_meeting_booked",
}
# What each bar's share is of: messages of the messages sent, leads of the leads sent to.
SHARE_OF = {name: "leads_sent" if column.startswith("leads_") else "messages_sent" for name, column in FUNNEL.items()}
DAILY = ("sent", "opened", "replied")
MAX_DAILY_SPAN = 120  # days: a longer campaign is drawn by week
COLOURS = {
    "sent": "#4e79a7",
    "opened": "#59a14f",
    "clicked": "#edc948",
    "replied": "#f28e2b",
    "interested": "#e15759",
    "meeting_booked": "#b07aa1",
}


@dataclass
class Campaign:
    key: str
    vendor: str
    name: str
    totals: dict[str, int]
    days: list[tuple[datetime.date, dict[str, int]]] = field(default_factory=list)


def query(source: str, sql: str) -> list[tuple[t.Any, ...]]:
    """Rows of ``sql`` from a DuckDB file or a PostgreSQL URL."""
    if source.startswith(("postgresql://", "postgres://")):
        with psycopg.connect(source) as connection:
            return connection.execute(sql).fetchall()
    with duckdb.connect(source, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def campaigns(source: str, schema: str) -> list[Campaign]:
    """Every campaign with its funnel and days, ordered by vendor and name (here, not in SQL: the
    databases' collations order names differently)."""
    columns = [*FUNNEL.values(), "leads_sent"]
    rows = query(
        source,
        # The schema is checked to be an identifier (main); the rest is this file's own text.
        f"select campaign_key, vendor, campaign_name, {', '.join(columns)}"  # noqa: S608
        f" from {schema}.outreach_campaign_funnel",
    )
    found = {
        key: Campaign(key, vendor, name or key, {n: int(v or 0) for n, v in zip(columns, values, strict=True)})
        for key, vendor, name, *values in rows
    }
    daily = ", ".join(f"sum({name})" for name in DAILY)
    for key, day, *values in query(
        source,
        f"select campaign_key, activity_date, {daily} from {schema}.outreach_campaign_daily"  # noqa: S608
        " group by campaign_key, activity_date",
    ):
        found[key].days.append((day, {n: int(v or 0) for n, v in zip(DAILY, values, strict=True)}))
    for campaign in found.values():
        campaign.days.sort()
    return sorted(found.values(), key=lambda c: (c.vendor, c.name, c.key))


def mailboxes(source: str, schema: str) -> list[tuple[t.Any, ...]]:
    """Every mailbox, busiest first within each vendor."""
    rows = query(
        source,
        "select vendor, mailbox_email, sent, bounce_rate, reply_rate, warmup_status, warmup_reputation,"  # noqa: S608
        f" connection_status from {schema}.outreach_mailbox_health",
    )
    return sorted(rows, key=lambda row: (row[0], -row[2], row[1]))


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def count(c: Campaign, name: str) -> int:
    return c.totals[FUNNEL[name]]


def cell(c: Campaign, name: str) -> str:
    return f"{count(c, name):>6} {share(count(c, name), c.totals[SHARE_OF[name]]):>8}"


def funnel_table(found: list[Campaign]) -> str:
    """sent → opened → replied (messages, with their share of those sent) → interested (leads,
    with their share of the leads sent to), per campaign."""
    width = max([len("campaign"), *(len(c.name) for c in found)])
    lines = [f"{'vendor':<10} {'campaign':<{width}} {'sent':>6} {'opened':>15} {'replied':>15} {'interested':>15}"]
    for c in found:
        cells = " ".join(cell(c, name) for name in ("opened", "replied", "interested"))
        lines.append(f"{c.vendor:<10} {c.name:<{width}} {count(c, 'sent'):>6} {cells}")
    return "\n".join(lines)


def funnel_svg(c: Campaign) -> str:
    top = max(1, *(count(c, name) for name in FUNNEL))
    bars = []
    for i, name in enumerate(FUNNEL):
        width = 300 * count(c, name) / top
        y = 8 + i * 26
        bars.append(
            f'<text x="0" y="{y + 14}" class="label">{name.replace("_", " ")}</text>'
            f'<rect x="110" y="{y}" width="{width:.1f}" height="18" fill="{COLOURS[name]}"/>'
            f'<text x="{116 + width:.1f}" y="{y + 14}" class="value">{count(c, name)}'
            f" ({share(count(c, name), c.totals[SHARE_OF[name]])})</text>"
        )
    return f'<svg class="chart funnel" viewBox="0 0 500 {16 + 26 * len(FUNNEL)}" role="img">{"".join(bars)}</svg>'


def buckets(c: Campaign) -> tuple[str, int, list[tuple[datetime.date, dict[str, int]]]]:
    """The campaign's activity per day, or per week (from Monday) when it spans over 120 days:
    the chart's title, the days in a bucket, and the buckets."""
    if not c.days or (c.days[-1][0] - c.days[0][0]).days <= MAX_DAILY_SPAN:
        return "Daily activity", 1, c.days
    weeks: dict[datetime.date, dict[str, int]] = {}
    for day, counts in c.days:
        week = weeks.setdefault(day - datetime.timedelta(days=day.weekday()), dict.fromkeys(DAILY, 0))
        for name in DAILY:
            week[name] += counts[name]
    return "Weekly activity", 7, sorted(weeks.items())


def activity_svg(c: Campaign) -> str:
    """Bars of sent, opened and replied side by side, one group per day (or week)."""
    title, step, series = buckets(c)
    if not series:
        empty = '<text x="10" y="80">no activity</text>'
        return f'<h3>{title}</h3><svg class="chart daily" viewBox="0 0 500 160" role="img">{empty}</svg>'
    first, last = series[0][0], series[-1][0]
    slots = (last - first).days // step + 1
    slot = 450 / slots
    top = max(1, *(counts[n] for _, counts in series for n in DAILY))
    bars = []
    for day, counts in series:
        x = 40 + slot * ((day - first).days // step)
        for i, name in enumerate(DAILY):
            height = 120 * counts[name] / top
            bars.append(
                f'<rect x="{x + i * slot / 3:.2f}" y="{140 - height:.2f}" width="{slot / 3:.2f}" height="{height:.2f}"'
                f' fill="{COLOURS[name]}"><title>{day} {name}: {counts[name]}</title></rect>'
            )
    legend = "".join(
        f'<text x="{60 + 90 * i}" y="12" class="label" fill="{COLOURS[n]}">{n}</text>' for i, n in enumerate(DAILY)
    )
    axis = (
        f'<line x1="40" y1="140" x2="490" y2="140" stroke="#999"/>'
        f'<text x="40" y="156" class="value">{first}</text>'
        f'<text x="490" y="156" class="value" text-anchor="end">{last}</text>'
        f'<text x="36" y="24" class="value" text-anchor="end">{top}</text>'
    )
    svg = f'<svg class="chart daily" viewBox="0 0 500 160" role="img">{legend}{axis}{"".join(bars)}</svg>'
    return f"<h3>{title}</h3>{svg}"


STYLE = """
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
.campaigns { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1em; }
.campaign { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 1em; }
.campaign h2 { font-size: 1.05em; margin: 0.3em 0; }
.vendor { color: #777; font-weight: normal; }
.chart { width: 100%; height: auto; display: block; margin: 0.3em 0; }
.label { font-size: 12px; }
.value { font-size: 11px; fill: #555; }
table { border-collapse: collapse; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: right; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
"""

# Runs in the browser after layout: counts the charts that were drawn with a size, so a test (or
# a reader) can see the page rendered, not only that the file holds markup.
CHECK = """
const drawn = [...document.querySelectorAll("svg.chart")].filter((svg) => svg.getBBox().width > 0);
document.body.dataset.charts = String(drawn.length);
"""


def page(found: list[Campaign], boxes: list[tuple[t.Any, ...]], built: str) -> str:
    cards = "".join(
        f'<section class="campaign" data-campaign="{html.escape(c.key)}">'
        f'<h2>{html.escape(c.name)} <span class="vendor">{c.vendor}</span></h2>'
        f"<h3>Funnel</h3>{funnel_svg(c)}{activity_svg(c)}</section>"
        for c in found
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(cell)}</td>"
            for cell in (
                vendor,
                email,
                str(sent),
                "-" if bounce is None else f"{100 * bounce:.1f}%",
                "-" if reply is None else f"{100 * reply:.1f}%",
                warmup or "-",
                "-" if reputation is None else f"{reputation:.0f}",
                status or "-",
            )
        )
        + "</tr>"
        for vendor, email, sent, bounce, reply, warmup, reputation, status in boxes
    )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("vendor", "mailbox", "sent", "bounce rate", "reply rate", "warm-up", "reputation", "connection")
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outreach report</title>'
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Outreach report</h1><p>{len(found)} campaigns, {len(boxes)} mailboxes. Built {built}.</p>"
        f'<div class="campaigns">{cards}</div>'
        f'<h2>Mailbox health</h2><table class="mailboxes"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        f"<script>{CHECK}</script></body></html>"
    )


def shown(source: str) -> str:
    """A source as it may be printed: a PostgreSQL URL without its password."""
    parts = urllib.parse.urlsplit(source)
    if parts.password is None:
        return source
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def identifier(text: str) -> str:
    """A schema name, checked: it goes into the queries' text."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        msg = f"not a schema name: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a DuckDB file, or a postgresql:// URL")
    parser.add_argument("--schema", type=identifier, default="outreach", help="the model's schema (default: outreach)")
    parser.add_argument("--html", type=Path, help="write the HTML page here")
    args = parser.parse_args(argv)
    try:
        found = campaigns(args.source, args.schema)
        boxes = mailboxes(args.source, args.schema)
    except Exception as error:  # one line for any database error
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        where = shown(args.source)
        print(f"outreach_report: cannot read the model in {where}: {first}. Run `dbt build` first.", file=sys.stderr)
        return 1
    print(funnel_table(found))
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        built = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        args.html.write_text(page(found, boxes, built), encoding="utf-8")
        print(f"\nReport: {args.html} ({len(found)} campaigns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
