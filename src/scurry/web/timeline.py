"""A resource's reconciliation, told by its events: deploys, upgrades, snapshots, restarts."""

from __future__ import annotations

from dataclasses import dataclass

from scurry.ports import Obj

# What each event reason means on the timeline; other reasons are shown as they come.
STEPS = {
    "Submit": "deploy",
    "JobStatusChanged": "job",
    "SpecChanged": "spec",
    "Suspended": "suspend",
    "Upgrade": "upgrade",
    "Rollback": "rollback",
    "Recovery": "recovery",
    "Restart": "restart",
    "SavepointCreated": "snapshot",
    "CheckpointCreated": "snapshot",
    "SnapshotCreated": "snapshot",
    "Cleanup": "delete",
    "Missing": "recovery",
    "UpgradeWaiting": "upgrade",
}


@dataclass(frozen=True)
class Entry:
    when: str
    step: str
    reason: str
    message: str
    warning: bool
    count: int


def entry_of(event: Obj) -> Entry:
    reason = str(event.get("reason") or "")
    return Entry(
        when=str(event.get("lastTimestamp") or event.get("firstTimestamp") or ""),
        step=STEPS.get(reason, "snapshot" if "napshot" in reason else reason.lower()),
        reason=reason,
        message=str(event.get("message") or ""),
        warning=event.get("type") == "Warning",
        count=int(event.get("count") or 1),
    )


def timeline(events: list[Obj], limit: int = 50) -> list[Entry]:
    """The newest `limit` events as timeline entries, newest first."""
    entries = sorted((entry_of(e) for e in events), key=lambda e: e.when, reverse=True)
    return entries[:limit]
