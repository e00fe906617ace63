"""Projects on disk: one folder per remiss under DATA/projects/<id>/, created whole or not at all.

    project.json   name, created, themes (id, label, description, terms)
    params.yaml    the project's parameters: params.yaml with the project's themes
    uploads/       the files, under names made from (never equal to) what the browser sent
    uploads.json   which files belong to the project: a file not listed here is not part of it
    out/           what `remiss analyze` writes, corrections.csv among it
    run/           the current run: progress.jsonl, job.json

A project is written in DATA/.tmp/ and renamed into place, so a crash leaves no half project;
ids are random hex and every URL's id is checked against that form before it names a folder.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from pipeline.config import DEFAULT_PARAMS, ThemeParams, default_params
from pipeline.io import write_json, write_text

PROJECT_ID = re.compile(r"^[0-9a-f]{16}$")
MAX_NAME_CHARS = 120


class ProjectError(ValueError):
    """A request about a project that cannot be honoured; the message is for the user (Swedish)."""


@dataclass(frozen=True)
class Project:
    id: str
    folder: Path

    @property
    def out(self) -> Path:
        return self.folder / "out"

    @property
    def uploads(self) -> Path:
        return self.folder / "uploads"

    @property
    def run(self) -> Path:
        return self.folder / "run"

    @property
    def params_file(self) -> Path:
        return self.folder / "params.yaml"

    def info(self) -> dict:
        return json.loads((self.folder / "project.json").read_text(encoding="utf-8"))

    @property
    def name(self) -> str:
        return self.info()["name"]

    def themes(self) -> list[ThemeParams]:
        return [ThemeParams.model_validate(t) for t in self.info()["themes"]]

    def files(self) -> list[dict]:
        """The uploaded files: stored name, the name the browser sent, size."""
        listing = self.folder / "uploads.json"
        return json.loads(listing.read_text(encoding="utf-8")) if listing.exists() else []

    def set_files(self, files: list[dict]) -> None:
        write_json(self.folder / "uploads.json", files)

    def set_themes(self, themes: list[ThemeParams]) -> None:
        info = self.info() | {"themes": [t.model_dump() for t in themes]}
        write_text(self.params_file, project_params(themes))
        write_json(self.folder / "project.json", info)


def default_themes() -> list[ThemeParams]:
    return list(default_params().themes)


def project_params(themes: list[ThemeParams]) -> str:
    """params.yaml with the project's themes and every other setting as the project's own file has
    it (the same settings: the caches of the command line serve the app too)."""
    raw = yaml.safe_load(DEFAULT_PARAMS.read_text(encoding="utf-8")) if DEFAULT_PARAMS.exists() else {}
    raw["themes"] = [t.model_dump() for t in themes]
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)


def theme_id(label: str, taken: set[str]) -> str:
    """An id for a new theme from its label: ASCII letters and digits, unique."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9]+", "_", ascii_label).strip("_").lower() or "tema"
    base = base if base[0].isalpha() else f"tema_{base}"
    candidate, n = base[:40], 2
    while candidate in taken:
        candidate, n = f"{base[:37]}_{n}", n + 1
    return candidate


def parse_themes(rows: list[dict[str, str]]) -> list[ThemeParams]:
    """Themes from the form: rows with label, description, terms (comma or line separated), an id
    when the theme already had one; an empty label drops the row. A Swedish error when invalid."""
    themes: list[ThemeParams] = []
    taken = {row["id"] for row in rows if row.get("id")}
    for row in rows:
        label = row.get("label", "").strip()
        if not label:
            continue
        terms = [t.strip() for t in re.split(r"[,\n]", row.get("terms", "")) if t.strip()]
        if not terms:
            raise ProjectError(f"Temat ”{label}” behöver minst ett sökord.")
        identifier = row.get("id") or theme_id(label, taken)
        taken.add(identifier)
        try:
            themes.append(ThemeParams(id=identifier, label=label, description=row.get("description", "").strip() or label,
                                      terms=terms))
        except ValidationError as error:
            raise ProjectError(f"Temat ”{label}” är ogiltigt: {error.errors()[0]['msg']}") from None
    if not themes:
        raise ProjectError("Ange minst ett tema.")
    if len({t.id for t in themes}) != len(themes):
        raise ProjectError("Två teman har samma id.")
    return themes


class ProjectStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.projects_dir = data_dir / "projects"
        self.temp_dir = data_dir / ".tmp"
        self.projects_dir.mkdir(parents=True, exist_ok=True)
        # what a crash left half-written: never part of a project
        shutil.rmtree(self.temp_dir, ignore_errors=True)
        self.temp_dir.mkdir(parents=True, exist_ok=True)

    def scratch(self) -> Path:
        """A fresh folder on the same disk as the projects, for writing before renaming."""
        folder = self.temp_dir / secrets.token_hex(8)
        folder.mkdir()
        return folder

    def create(self, name: str, themes: list[ThemeParams] | None = None) -> Project:
        name = " ".join(name.split())[:MAX_NAME_CHARS]
        if not name:
            raise ProjectError("Ge remissen ett namn.")
        themes = themes or default_themes()
        identifier = secrets.token_hex(8)
        staging = self.scratch()
        for sub in ("uploads", "out", "run"):
            (staging / sub).mkdir()
        created = datetime.now(UTC).isoformat(timespec="seconds")
        write_json(staging / "project.json", {"id": identifier, "name": name, "created": created,
                                              "themes": [t.model_dump() for t in themes]})
        write_text(staging / "params.yaml", project_params(themes))
        write_json(staging / "uploads.json", [])
        staging.rename(self.projects_dir / identifier)
        return Project(identifier, self.projects_dir / identifier)

    def get(self, identifier: str) -> Project:
        if not PROJECT_ID.match(identifier) or not (self.projects_dir / identifier / "project.json").is_file():
            raise KeyError(identifier)
        return Project(identifier, self.projects_dir / identifier)

    def all(self) -> list[Project]:
        found = [Project(f.name, f) for f in self.projects_dir.iterdir()
                 if PROJECT_ID.match(f.name) and (f / "project.json").is_file()]
        return sorted(found, key=lambda p: p.info()["created"], reverse=True)
