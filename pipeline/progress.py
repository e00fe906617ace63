"""What a run reports while it works: one JSON object per line in a progress file.

`remiss analyze --progress FILE` writes these events so that another process (the web app) can
show how far a run has come, document by document and stage by stage, without parsing messages
meant for people. Each line is flushed when written; a reader may see a run that is still going.

Events: {"stage": "ingest" | "segment", "doc": name, "status": "ok" | "skipped", "message": …} per
document, {"stage": "embed" | "training" | "classify" | "export", "status": "started" | "done",
"message": …} per stage, and {"stage": "run", "status": "done" | "failed", "message": …} at the end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

STAGES = ("ingest", "segment", "embed", "training", "classify", "export")


class Progress:
    """Writes events to a file; without a file it writes nothing (the CLI's default)."""

    def __init__(self, path: Path | None = None) -> None:
        self._handle: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = path.open("w", encoding="utf-8")

    def event(self, stage: str, status: str, message: str = "", doc: str | None = None) -> None:
        if self._handle is None:
            return
        record = {"stage": stage, "status": status, "message": message}
        if doc is not None:
            record["doc"] = doc
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()

    def document(self, stage: str, doc: str, error: Exception | None = None, message: str = "") -> None:
        self.event(stage, "skipped" if error else "ok", str(error) if error else message, doc=doc)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_events(path: Path) -> list[dict]:
    """The events written so far (a line being written is left for the next read)."""
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return events
