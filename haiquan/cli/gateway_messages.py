"""``haiquan gateway messages|show|status|inbox|ack|requeue``: the node's messages — what was
sent and received, their delivery state, and handing received ones to the back office.

Registered on :data:`haiquan.cli.gateway.gateway_app` (imported at the end of that module).
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from haiquan.cli._console import console
from haiquan.cli._output import Column, FormatOption, OutputFormat, emit
from haiquan.cli.gateway import HomeOption, _open, _open_store, _print_json, gateway_app
from haiquan.cli.gateway_as4 import print_certificate_attention

if TYPE_CHECKING:
    from haiquan.exchange import MessageSummary

__all__ = ["MessageDirection", "MessageState"]


class MessageDirection(StrEnum):
    """Which way a message went: sent by this node or received from a partner."""

    out = "out"
    in_ = "in"


class MessageState(StrEnum):
    """Where a message is in its delivery (outbox) or handling (inbox)."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    received = "received"
    acknowledged = "acknowledged"


@gateway_app.command("messages")
def messages(
    home: HomeOption = None,
    direction: Annotated[
        MessageDirection | None, typer.Option(help="Sent (out) or received (in).")
    ] = None,
    state: Annotated[MessageState | None, typer.Option(help="Delivery state.")] = None,
    partner: Annotated[str | None, typer.Option(help="Partner ISO code.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 50,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List messages with their delivery state."""
    found = _open_store(home).messages(
        direction=direction.value if direction else None,
        state=state.value if state else None,
        partner=partner,
        limit=limit,
    )
    table = output is OutputFormat.table
    rows = [
        {
            "direction": m.direction,
            "message_id": m.message_id,
            "partner": m.partner,
            "document_type": m.document_type,
            "state": m.state,
            "attempts": m.attempts,
            "created_at": f"{m.created_at:%Y-%m-%d %H:%M:%S}" if table else m.created_at,
            "last_error": m.last_error or ("" if table else None),
        }
        for m in found
    ]
    emit(
        rows,
        output,
        columns=[
            Column("direction", "dir"),
            Column("message_id", "message id"),
            Column("partner"),
            Column("document_type", "type"),
            Column("state"),
            Column("attempts", kind="auto"),
            Column("created_at", "created"),
            Column("last_error", "reason"),
        ],
    )


@gateway_app.command("show")
def show(message_id: str, home: HomeOption = None) -> None:
    """Show one message in full, with its envelope and receipt."""
    _print_json(_open_store(home).message(message_id).model_dump(mode="json"))


@gateway_app.command("status")
def status(
    home: HomeOption = None,
    output: FormatOption = OutputFormat.table,
    as_json: Annotated[
        bool, typer.Option("--json", hidden=True, help="The same as --format json.")
    ] = False,
) -> None:
    """Counts of messages by state: the outbox, the inbox, what waits for each partner, and the partners the node's workers found down (or back up)."""  # noqa: E501
    node = _open_store(home)
    summary = node.summary()
    if as_json or output is OutputFormat.json:
        # One summary is one object: counts, pending by partner, partners found down.
        _print_json(summary.model_dump(mode="json"))
        return
    if output is OutputFormat.csv:
        emit(_summary_rows(summary), output)
        return
    _print_summary(summary)
    print_certificate_attention(node)  # AS4 certificates near expiry


def _summary_rows(summary: MessageSummary) -> list[dict[str, object]]:
    """The status as rows of one figure each, for CSV: counts, then pending by partner."""
    rows: list[dict[str, object]] = [
        {"measure": f"outbox {state}", "partner": "", "value": count}
        for state, count in sorted(
            {"pending": 0, "delivered": 0, "failed": 0, **summary.outbox}.items()
        )
    ]
    rows += [
        {"measure": "inbox received", "partner": "", "value": summary.inbox_received},
        {
            "measure": "inbox not yet acknowledged",
            "partner": "",
            "value": summary.inbox_unacknowledged,
        },
        {"measure": "duplicates received", "partner": "", "value": summary.duplicates_received},
        {
            "measure": "oldest pending seconds",
            "partner": "",
            "value": summary.oldest_pending_age_seconds,
        },
    ]
    rows += [
        {"measure": "pending", "partner": partner, "value": count}
        for partner, count in sorted(summary.pending_by_partner.items())
    ]
    rows += [
        {"measure": "partner state", "partner": p.partner, "value": p.state}
        for p in summary.partners
    ]
    return rows


def _print_summary(summary: MessageSummary) -> None:
    table = Table("messages", "count", title="Gateway status")
    table.columns[1].justify = "right"
    for state in ("pending", "delivered", "failed"):
        table.add_row(f"outbox {state}", str(summary.outbox.get(state, 0)))
    for state, count in sorted(summary.outbox.items()):
        if state not in ("pending", "delivered", "failed"):
            table.add_row(f"outbox {state}", str(count))
    table.add_row("inbox received", str(summary.inbox_received))
    table.add_row("inbox not yet acknowledged", str(summary.inbox_unacknowledged))
    table.add_row("duplicates received", str(summary.duplicates_received))
    age = summary.oldest_pending_age_seconds
    table.add_row("oldest pending", "none" if age is None else _duration(age))
    console.print(table)
    if summary.pending_by_partner:
        waiting = Table("partner", "pending", title="Pending by partner")
        waiting.columns[1].justify = "right"
        for partner, count in sorted(summary.pending_by_partner.items()):
            waiting.add_row(partner, str(count))
        console.print(waiting)
    if summary.partners:
        found = Table(
            "partner",
            "state",
            "since",
            "last checked",
            "last error",
            title="Partners found down (and back up)",
        )
        now = time.time()
        for p in summary.partners:
            state = "[bold red]down[/]" if p.state == "down" else "[green]up[/]"
            checked = (
                f"{p.last_checked:%Y-%m-%d %H:%M:%S}Z "
                f"({_duration(now - p.last_checked.timestamp())} ago)"
            )
            found.add_row(
                p.partner,
                state + (" (stale)" if p.stale else ""),
                f"{p.since:%Y-%m-%d %H:%M:%S}Z",
                checked,
                escape(p.last_error or ""),
            )
        console.print(found)
        stale = [p.partner for p in summary.partners if p.stale]
        if stale:
            console.print(
                f"[yellow]no worker has checked {', '.join(stale)} for longer than "
                "it waits between probes: is `haiquan gateway serve` running for this "
                "node? Until one is, 'down' is only what was last seen.[/]"
            )


def _duration(seconds: float) -> str:
    """A short human duration.

    >>> _duration(42.4), _duration(3725), _duration(90000)
    ('42 s', '1 h 2 min', '1 d 1 h')
    """
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    if whole < 86_400:
        return f"{whole // 3600} h {whole % 3600 // 60} min"
    return f"{whole // 86_400} d {whole % 86_400 // 3600} h"


@gateway_app.command("inbox")
def inbox(
    home: HomeOption = None,
    after: Annotated[int, typer.Option(help="Cursor: the last seq already taken.")] = 0,
    limit: Annotated[int, typer.Option(help="How many.")] = 100,
) -> None:
    """Received messages not yet acknowledged (JSON lines)."""
    for message in _open_store(home).inbox(after=after, limit=limit):
        typer.echo(message.model_dump_json())


@gateway_app.command("ack")
def ack(message_ids: list[str], home: HomeOption = None) -> None:
    """Acknowledge received messages (the back office has them); all or none.

    An id that is not in the inbox is refused and nothing is acknowledged; acknowledging a
    message again is harmless.
    """
    count = _open(home).acknowledge(message_ids)
    again = len(set(message_ids)) - count
    console.print(
        f"{count} message(s) acknowledged"
        + (f", {again} already acknowledged before" if again else "")
    )


@gateway_app.command("requeue")
def requeue(message_ids: list[str], home: HomeOption = None) -> None:
    """Send failed messages again after the cause was fixed; all or none.

    An id that is not in the outbox, or whose message has not failed, is refused and nothing is
    requeued.
    """
    console.print(f"{_open(home).requeue(message_ids)} message(s) requeued")
