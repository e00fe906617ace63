"""The web app's pages and actions (FastAPI), each a few lines over projects, uploads, jobs and
review. Pages are server-rendered Jinja2 (the report's shared macros and CSS included); a little
JavaScript (static/app.js) adds drag and drop and live progress; every action, a one-click
correction included, is a plain form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.formparsers import MultiPartException
from starlette.types import ASGIApp

from pipeline.config import load_params
from pipeline.errors import RemissError
from pipeline.export.data import ExportData
from pipeline.export.report import REPORT
from pipeline.labels import STANCE_LABELS, STANCES
from pipeline.web import jobs, review
from pipeline.web.projects import Project, ProjectError, ProjectStore, parse_themes
from pipeline.web.security import Guard
from pipeline.web.uploads import Incoming, UploadLimits, add_files, remove_file

PACKAGE = Path(__file__).resolve().parent
STAGE_LABELS = {"ingest": "Läses in", "segment": "Delas upp", "embed": "Meningar kodas", "training": "Träningsdata",
                "classify": "Klassificering", "export": "Arbetsbok och rapport"}
RUN_STATUS = {"queued": "I kö", "running": "Pågår", "done": "Klar", "failed": "Misslyckades",
              "interrupted": "Avbruten"}
DOWNLOADS = ("remissammanstallning.xlsx", "report.html", "bodies.csv", "segments.csv", "sentences.csv",
             "stance_by_body_type.csv", "theme_by_body_type.csv", "theme_by_stance.csv", "statement_links.csv",
             "documents.csv", "corrections.csv", "bodies.parquet", "segments.parquet", "sentences.parquet")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    token: str | None = None
    limits: UploadLimits = UploadLimits()


def _environment() -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([jinja2.PackageLoader("pipeline.web", "templates"),
                                  jinja2.PackageLoader("pipeline.export", "templates")])
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)


def create_app(settings: Settings) -> ASGIApp:
    """The app behind its guard (security.Guard): what `remiss serve` runs and the tests call."""
    store = ProjectStore(settings.data_dir)
    runner = jobs.JobRunner(store)
    templates = _environment()
    app = FastAPI(title="remissanalys", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")

    def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context), status_code=status_code)

    def project_or_404(project_id: str) -> Project:
        try:
            return store.get(project_id)
        except KeyError:
            raise HTTPException(404, "Remissen finns inte.") from None

    def back_to(project: Project, target: str, fragment: str = "") -> RedirectResponse:
        """Only a path inside the same project is followed (never an address from the form)."""
        prefix = f"/p/{project.id}"
        if not (target == prefix or target.startswith(prefix + "/") or target.startswith(prefix + "?")):
            target = prefix
        return RedirectResponse(target + (f"#{fragment}" if fragment else ""), status_code=303)

    def results_of(project: Project) -> ExportData:
        """The last run's tables; while a run is rewriting them they may not fit together for a
        moment, and the page says so instead of failing."""
        try:
            return review.load(project.out, load_params(project.params_file))
        except (RemissError, OSError, ValueError):  # ValueError: pyarrow's, on a file it cannot read
            raise HTTPException(503, "Analysen skriver just nu sina tabeller; ladda om sidan om en stund.") from None

    def wants_json(request: Request) -> bool:
        return request.headers.get("x-requested-with") == "fetch"

    @app.exception_handler(HTTPException)
    async def _not_found(request: Request, error: HTTPException) -> Response:
        return page("error.html.j2", status_code=error.status_code, message=error.detail)

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        projects = [{"id": p.id, "name": p.name, "files": len(p.files()),
                     "status": RUN_STATUS.get(jobs.job_state(p).get("status", ""), "Inte körd")} for p in store.all()]
        return page("index.html.j2", projects=projects)

    @app.post("/projekt")
    def create(name: Annotated[str, Form()] = "") -> Response:
        try:
            project = store.create(name)
        except ProjectError as error:
            return page("error.html.j2", status_code=400, message=str(error))
        return RedirectResponse(f"/p/{project.id}", status_code=303)

    @app.get("/p/{project_id}", response_class=HTMLResponse)
    def project_page(project_id: str, stance: str = "", typ: str = "", tema: str = "", ogranskade: bool = False,
                     osakra_forst: bool = False) -> HTMLResponse:
        project = project_or_404(project_id)
        filters = review.Filters(stance, typ, tema, ogranskade, osakra_forst)
        context: dict[str, Any] = {"project": _summary(project), "progress": _progress(project), "filters": filters,
                                   "results": None, "busy": ""}
        try:
            data = results_of(project) if jobs.output_ready(project) else None
        except HTTPException as busy:
            data, context["busy"] = None, busy.detail
        if data is not None:
            rows = review.overview(data, filters)
            context["results"] = {"rows": rows, "choices": review.choices(data), "total": len(data.counted),
                                  "downloads": [d for d in DOWNLOADS if (project.out / d).exists()],
                                  "plots": sorted(p.name for p in (project.out / "plots").glob("*.png"))}
            context["back"] = f"/p/{project.id}?" + urlencode({k: v for k, v in (
                ("stance", stance), ("typ", typ), ("tema", tema), ("ogranskade", ogranskade and "1"),
                ("osakra_forst", osakra_forst and "1")) if v})
        return page("project.html.j2", **context)

    @app.get("/p/{project_id}/framsteg", response_class=HTMLResponse)
    def progress(project_id: str) -> HTMLResponse:
        project = project_or_404(project_id)
        return page("progress.html.j2", project=_summary(project), progress=_progress(project))

    @app.post("/p/{project_id}/filer")
    async def upload(project_id: str, request: Request) -> Response:
        project = project_or_404(project_id)
        limits = settings.limits
        try:
            async with request.form(max_files=limits.max_files + 1, max_fields=50) as form:
                files = [Incoming(item.filename or "dokument", item.file) for item in form.getlist("files")
                         if hasattr(item, "filename")]
                if not files:
                    raise ProjectError("Inga filer kom med.")
                report = add_files(project, files, store.scratch(), limits, load_params(project.params_file).ingest)
        except ProjectError as error:
            status = 413 if "gränsen" in str(error) else 400
            if wants_json(request):
                return JSONResponse({"error": str(error)}, status_code=status)
            return page("error.html.j2", status_code=status, message=str(error), project=_summary(project))
        except MultiPartException as error:
            if wants_json(request):
                return JSONResponse({"error": f"Uppladdningen avvisades: {error.message}"}, status_code=400)
            return page("error.html.j2", status_code=400, message=f"Uppladdningen avvisades: {error.message}")
        if wants_json(request):
            return JSONResponse({"files": report})
        return RedirectResponse(f"/p/{project.id}", status_code=303)

    @app.post("/p/{project_id}/filer/ta-bort")
    def remove(project_id: str, stored: Annotated[str, Form()]) -> Response:
        project = project_or_404(project_id)
        try:
            remove_file(project, stored)
        except ProjectError as error:
            return page("error.html.j2", status_code=400, message=str(error), project=_summary(project))
        return RedirectResponse(f"/p/{project.id}", status_code=303)

    @app.post("/p/{project_id}/kor")
    def run(project_id: str) -> Response:
        project = project_or_404(project_id)
        if not project.files():
            return page("error.html.j2", status_code=400, message="Ladda upp minst en fil först.", project=_summary(project))
        runner.submit(project)
        return RedirectResponse(f"/p/{project.id}#framsteg", status_code=303)

    @app.get("/p/{project_id}/teman", response_class=HTMLResponse)
    def themes_page(project_id: str) -> HTMLResponse:
        project = project_or_404(project_id)
        return page("themes.html.j2", project=_summary(project), themes=project.themes(), message="")

    @app.post("/p/{project_id}/teman")
    async def save_themes(project_id: str, request: Request) -> Response:
        project = project_or_404(project_id)
        async with request.form(max_files=0, max_fields=2000) as form:
            fields = {key: str(value) for key, value in form.multi_items()}
        count = int(fields["count"]) if fields.get("count", "").isdigit() else 0
        rows = [{"id": fields.get(f"id-{n}", ""), "label": fields.get(f"label-{n}", ""),
                 "description": fields.get(f"description-{n}", ""), "terms": fields.get(f"terms-{n}", "")}
                for n in range(min(count, 500) + 1) if not fields.get(f"remove-{n}")]
        known = {t.id for t in project.themes()}
        rows = [r if r["id"] in known else r | {"id": ""} for r in rows]  # ids are the app's, never the form's
        try:
            project.set_themes(parse_themes(rows))
        except ProjectError as error:
            return page("themes.html.j2", status_code=400, project=_summary(project), themes=project.themes(),
                        message=str(error))
        return RedirectResponse(f"/p/{project.id}", status_code=303)

    @app.get("/p/{project_id}/svar/{answer_id}", response_class=HTMLResponse)
    def body(project_id: str, answer_id: str) -> HTMLResponse:
        project = project_or_404(project_id)
        if not jobs.output_ready(project):
            raise HTTPException(404, "Remissen är inte analyserad än.")
        data = results_of(project)
        try:
            detail = review.body_page(data, review.read_lines(project.out), answer_id)
        except KeyError:
            raise HTTPException(404, "Svaret finns inte i den senaste analysen.") from None
        return page("body.html.j2", project=_summary(project), progress=_progress(project), **detail,
                    stance_options=[(s, STANCE_LABELS[s]) for s in STANCES], themes=data.themes,
                    back=f"/p/{project.id}/svar/{answer_id}")

    @app.post("/p/{project_id}/rattelse")
    def correct(project_id: str, request: Request, segment_id: Annotated[str, Form()], label: Annotated[str, Form()],
                value: Annotated[str, Form()], back: Annotated[str, Form()] = "") -> Response:
        project = project_or_404(project_id)
        if not jobs.output_ready(project):
            raise HTTPException(404, "Remissen är inte analyserad än.")
        data = results_of(project)
        try:
            review.record_correction(project.out, data.segments, segment_id, label, value)
        except (KeyError, ValueError, RemissError):
            raise HTTPException(400, "Rättelsen kunde inte tolkas.") from None
        runner.submit(project)  # the next run applies it everywhere and learns from it
        if wants_json(request):
            return JSONResponse({"saved": True})
        return back_to(project, back, fragment=segment_id.replace("|", "-"))

    @app.get("/p/{project_id}/rapport")
    def report(project_id: str) -> Response:
        project = project_or_404(project_id)
        path = project.out / REPORT
        if not path.exists():
            raise HTTPException(404, "Rapporten finns inte än.")
        return FileResponse(path, media_type="text/html; charset=utf-8")

    @app.get("/p/{project_id}/ladda-ner/{name}")
    def download(project_id: str, name: str) -> Response:
        project = project_or_404(project_id)
        if name not in DOWNLOADS or not (project.out / name).is_file():
            raise HTTPException(404, "Filen finns inte.")
        return FileResponse(project.out / name, filename=name)

    @app.get("/p/{project_id}/diagram/{name}")
    def plot(project_id: str, name: str) -> Response:
        project = project_or_404(project_id)
        plots = {p.name: p for p in (project.out / "plots").glob("*.png")}
        if name not in plots:
            raise HTTPException(404, "Diagrammet finns inte.")
        return FileResponse(plots[name], media_type="image/png")

    return Guard(app, settings.token, settings.limits.max_total_bytes + 2**20)


def _summary(project: Project) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "files": project.files(), "themes": project.themes()}


def _progress(project: Project) -> dict[str, Any]:
    """The run's state, per document (read, split) and per stage, for the progress box."""
    state = jobs.job_state(project)
    events = jobs.progress_events(project)
    blank = {"ingest": "", "segment": "", "message": ""}
    documents: dict[str, dict[str, str]] = {f["stored"]: dict(blank) for f in project.files()}
    stages: dict[str, str] = {}
    for event in events:
        if "doc" in event:
            documents.setdefault(event["doc"], dict(blank))[event["stage"]] = event["status"]
            if event["status"] == "skipped":
                documents[event["doc"]]["message"] = event["message"]
        else:
            stages[event["stage"]] = event["status"]
    status = state.get("status", "")
    return {"status": status, "status_label": RUN_STATUS.get(status, "Inte körd"), "active": status in jobs.ACTIVE,
            "message": state.get("message", ""), "skipped": state.get("skipped", []),
            "documents": [{"name": name, **marks} for name, marks in documents.items()],
            "stages": [{"label": label, "status": stages.get(stage, "")} for stage, label in STAGE_LABELS.items()
                       if stage not in ("ingest", "segment")],
            "started": state.get("started", ""), "finished": state.get("finished", "")}
