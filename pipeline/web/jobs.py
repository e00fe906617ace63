"""Analyses in the background: `remiss analyze` itself, run as a child process, one at a time.

The app adds nothing to the pipeline: a run is the command a user would type, with the project's
files, its params.yaml and `--progress run/progress.jsonl`, so the web app and the command line
cannot give different results. A run's state is kept in run/job.json (queued, running, done,
failed, interrupted) with the command's own one-line messages (`remiss: skipped: …`,
`remiss: error: …`). A run asked for while one is queued for the same project is the same run;
asked for while one is running, it runs once more afterwards (corrections made meanwhile count).
A run that was going when the server stopped is marked interrupted at the next start.
"""

from __future__ import annotations

import ctypes
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import PROJECT_ROOT
from pipeline.io import write_json
from pipeline.progress import read_events
from pipeline.web.projects import Project, ProjectStore

QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
ACTIVE = (QUEUED, RUNNING)
CHILD_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
             "DVC_NO_ANALYTICS": "1", "PYTHONUNBUFFERED": "1"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def job_state(project: Project) -> dict:
    path = project.run / "job.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def progress_events(project: Project) -> list[dict]:
    return read_events(project.run / "progress.jsonl")


def analyze_command(project: Project) -> list[str]:
    """The command line of a run: `remiss analyze FILES --out out --params params.yaml --progress …`."""
    files = [str(project.uploads / f["stored"]) for f in project.files()]
    return [sys.executable, "-m", "pipeline.cli", "analyze", *files, "--out", str(project.out),
            "--params", str(project.params_file), "--progress", str(project.run / "progress.jsonl")]


def messages(stderr: str) -> tuple[list[str], str]:
    """The command's skipped-file lines and its error line, from what it wrote to stderr."""
    lines = stderr.splitlines()
    skipped = [line.removeprefix("remiss: skipped: ") for line in lines if line.startswith("remiss: skipped: ")]
    errors = [line.removeprefix("remiss: error: ") for line in lines if line.startswith("remiss: error: ")]
    return skipped, errors[-1] if errors else (lines[-1] if lines else "")


class JobRunner:
    """One worker thread runs the queued analyses in order."""

    def __init__(self, store: ProjectStore) -> None:
        self.store = store
        self._queue: queue.Queue[str] = queue.Queue()
        self._lock = threading.Lock()
        self._again: set[str] = set()
        self._mark_interrupted()
        self._thread = threading.Thread(target=self._work, name="remiss-analyze", daemon=True)
        self._thread.start()

    def _mark_interrupted(self) -> None:
        for project in self.store.all():
            state = job_state(project)
            if state.get("status") in ACTIVE:
                _stop_leftover(state.get("pid"), project)
                write_json(project.run / "job.json", state | {"status": INTERRUPTED, "finished": _now(),
                                                              "message": "Analysen avbröts när servern stoppades."})

    def submit(self, project: Project) -> None:
        with self._lock:
            status = job_state(project).get("status")
            if status == QUEUED:
                return
            if status == RUNNING:
                self._again.add(project.id)
                return
            write_json(project.run / "job.json", {"status": QUEUED, "queued": _now()})
            self._queue.put(project.id)

    def _work(self) -> None:
        while True:
            identifier = self._queue.get()
            self._run_one(identifier)
            self._queue.task_done()

    def _run_one(self, identifier: str) -> None:
        project = self.store.get(identifier)
        try:
            self._run(project)
        except Exception as error:  # noqa: BLE001 - a failed run must never stop the worker
            write_json(project.run / "job.json", job_state(project) | {"status": FAILED, "message": str(error)})
        with self._lock:
            if identifier in self._again:
                self._again.discard(identifier)
                write_json(project.run / "job.json", {"status": QUEUED, "queued": _now()})
                self._queue.put(identifier)

    def _run(self, project: Project) -> None:
        (project.run / "progress.jsonl").unlink(missing_ok=True)
        state = {"status": RUNNING, "started": _now(), "files": len(project.files())}
        command = analyze_command(project)
        with (project.run / "stdout.txt").open("w", encoding="utf-8") as stdout, \
                (project.run / "stderr.txt").open("w+", encoding="utf-8") as stderr:
            child = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=stdout, stderr=stderr, text=True,
                                     env=os.environ | CHILD_ENV, preexec_fn=_die_with_parent)
            write_json(project.run / "job.json", state | {"pid": child.pid})
            returncode = child.wait()
            stderr.seek(0)
            skipped, error = messages(stderr.read())
        write_json(project.run / "job.json", state | {
            "status": DONE if returncode == 0 else FAILED, "finished": _now(), "returncode": returncode,
            "skipped": skipped, "message": "" if returncode == 0 else error})


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, on Linux: end the run when the server ends (a server stopped mid-run must not
    leave a run writing into the project behind it). Loaded before the fork: only a call here."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop_leftover(pid: int | None, project: Project) -> None:
    """A run of this project that outlived its server (not on Linux, or the server was killed hard
    before the child was set up): stop it, but only if that pid is still that run."""
    if not pid:
        return
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return
    if b"pipeline.cli" in command and str(project.out).encode() in command:
        os.kill(pid, signal.SIGTERM)


def output_ready(project: Project) -> bool:
    return (project.out / "bodies.parquet").exists() and (project.out / "remissammanstallning.xlsx").exists()
