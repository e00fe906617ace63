"""`remiss analyze --progress`: the events another program (the web app) shows while a run goes."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_params
from pipeline.ingest import ingest_paths
from pipeline.progress import Progress, read_events
from tests.conftest import FIXTURES, ROOT


def test_each_document_is_reported_as_it_is_read(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text((FIXTURES / "remissvar_myndighet.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    events_file = tmp_path / "run" / "progress.jsonl"
    progress = Progress(events_file)
    seen: list[str] = []

    def told(doc, error):
        seen.append(doc)
        progress.document("ingest", doc, error)
        assert len(read_events(events_file)) == len(seen)  # flushed at once: a reader sees it now

    documents, failures = ingest_paths([folder], load_params(ROOT / "params.yaml").ingest, on_document=told)
    progress.event("run", "done")
    progress.close()
    events = read_events(events_file)
    assert [(e["doc"], e["status"]) for e in events[:2]] == [("a.txt", "ok"), ("b.pdf", "skipped")]
    assert events[1]["message"] == str(failures[0].error)
    assert events[2] == {"stage": "run", "status": "done", "message": ""}


def test_a_half_written_line_waits_for_the_next_read(tmp_path: Path):
    path = tmp_path / "progress.jsonl"
    path.write_text('{"stage": "embed", "status": "started", "message": ""}\n{"stage": "emb', encoding="utf-8")
    assert read_events(path) == [{"stage": "embed", "status": "started", "message": ""}]
    Progress().event("embed", "done")  # without a file: nothing, no error
