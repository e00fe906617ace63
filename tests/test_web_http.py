"""The web app over HTTP, without a browser or a model: projects, uploads and their limits, the
token, the host and origin checks, downloads, themes and the corrections record."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from pipeline.correction_table import read_corrections
from pipeline.web.app import Settings, create_app
from pipeline.web.projects import ProjectError, ProjectStore, parse_themes
from pipeline.web.review import record_correction
from pipeline.web.uploads import UploadLimits, safe_name
from tests.conftest import FIXTURES

LOCAL = "http://127.0.0.1"
SMALL = UploadLimits(max_files=3, max_file_bytes=200_000, max_total_bytes=400_000)


def client(tmp_path: Path, token: str | None = None, limits: UploadLimits = SMALL) -> TestClient:
    return TestClient(create_app(Settings(tmp_path / "data", token, limits)), base_url=LOCAL, follow_redirects=False)


def new_project(web: TestClient, name: str = "Remiss") -> str:
    response = web.post("/projekt", data={"name": name})
    assert response.status_code == 303
    return response.headers["location"].rsplit("/", 1)[1]


def upload(web: TestClient, project: str, *files: tuple[str, bytes]):
    return web.post(f"/p/{project}/filer", files=[("files", (name, content)) for name, content in files],
                    headers={"X-Requested-With": "fetch"})


def stored_files(tmp_path: Path, project: str) -> list[str]:
    return [f["stored"] for f in json.loads((tmp_path / "data" / "projects" / project / "uploads.json").read_text())]


def test_project_created_and_listed(tmp_path):
    web = client(tmp_path)
    project = new_project(web, "Kvalitetsprogram KS 2021/866")
    assert "Kvalitetsprogram KS 2021/866" in web.get("/").text
    page = web.get(f"/p/{project}")
    assert page.status_code == 200 and 'lang="sv"' in page.text and "Dra och släpp" in page.text
    assert web.post("/projekt", data={"name": "   "}).status_code == 400


def test_file_names_never_become_paths(tmp_path):
    web = client(tmp_path)
    project = new_project(web)
    letter = (FIXTURES / "remissvar_myndighet.txt").read_bytes()
    response = upload(web, project, ("../../../etc/passwd.txt", letter), ("C:\\Users\\x\\..\\svar.txt", letter),
                      (".hidden", b"x"))
    assert response.status_code == 200, response.text
    assert sorted(stored_files(tmp_path, project)) == ["hidden", "passwd.txt", "svar.txt"]
    folder = tmp_path / "data" / "projects" / project / "uploads"
    assert sorted(p.name for p in folder.iterdir()) == ["hidden", "passwd.txt", "svar.txt"]
    assert not (tmp_path / "etc").exists()
    assert safe_name("../a/b/Yttrande över förslaget (slutlig).pdf") == "Yttrande_över_förslaget_slutlig_.pdf"


def test_the_same_file_twice_is_stored_once(tmp_path):
    web = client(tmp_path)
    project = new_project(web)
    upload(web, project, ("svar.txt", b"Remissvar."))
    again = upload(web, project, ("svar.txt", b"Remissvar.")).json()["files"]
    assert again[0]["status"] == "finns redan"
    assert upload(web, project, ("svar.txt", b"Nytt remissvar.")).json()["files"][0]["status"] == "ersatt"
    assert stored_files(tmp_path, project) == ["svar.txt"]


def test_upload_limits_refuse_the_whole_upload(tmp_path):
    web = client(tmp_path)
    project = new_project(web)
    too_many = upload(web, project, *[(f"{n}.txt", b"x") for n in range(4)])
    assert too_many.status_code in (400, 413) and "gränsen" in too_many.json()["error"]
    too_big = upload(web, project, ("ok.txt", b"x"), ("stor.pdf", b"0" * 300_000))
    assert too_big.status_code == 413
    assert stored_files(tmp_path, project) == []  # nothing of a refused upload is kept
    assert not list((tmp_path / "data" / ".tmp").iterdir())  # and no scratch is left behind
    body = web.post(f"/p/{project}/filer", content=b"0" * 2_000_000,
                    headers={"content-type": "multipart/form-data; boundary=x"})
    assert body.status_code == 413


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_is_unpacked_flat_and_a_zip_bomb_refused(tmp_path):
    web = client(tmp_path, limits=UploadLimits(max_files=5, max_file_bytes=3_000_000, max_total_bytes=5_000_000))
    project = new_project(web)
    archive = _zip({"svar/a.txt": b"Svar A.", "../../b.txt": b"Svar B.", "__MACOSX/._a.txt": b"junk"})
    assert upload(web, project, ("svar.zip", archive)).status_code == 200
    assert sorted(stored_files(tmp_path, project)) == ["a.txt", "b.txt"]
    bomb = _zip({"bomb.txt": b"0" * 2_500_000})  # packs > 1000 times
    refused = upload(web, project, ("bomb.zip", bomb))
    assert refused.status_code == 400 and "zip bomb" in refused.json()["error"]
    assert sorted(stored_files(tmp_path, project)) == ["a.txt", "b.txt"]
    assert upload(web, project, ("trasig.zip", b"PK not a zip")).status_code == 400


def test_token_needed_on_every_request_when_listening_beyond_localhost(tmp_path):
    web = client(tmp_path, token="hemlig-token")
    assert web.get("/").status_code == 401
    assert web.get("/?token=fel").status_code == 401
    assert web.post("/projekt", data={"name": "x"}).status_code == 401
    first = web.get("/?token=hemlig-token")
    assert first.status_code == 200 and "remiss_token=hemlig-token" in first.headers["set-cookie"]
    assert web.get("/").status_code == 200  # the cookie carries it from now on
    other = client(tmp_path / "b", token="hemlig-token")
    assert other.get("/", headers={"Authorization": "Bearer hemlig-token"}).status_code == 200
    assert other.get("/static/app.js").status_code == 401


def test_local_app_refuses_other_hosts_and_other_sites(tmp_path):
    web = client(tmp_path)
    assert web.get("/", headers={"host": "evil.example"}).status_code == 421
    cross = web.post("/projekt", data={"name": "x"}, headers={"origin": "http://evil.example"})
    assert cross.status_code == 403
    same = web.post("/projekt", data={"name": "x"}, headers={"origin": LOCAL})
    assert same.status_code == 303


def test_projects_are_isolated_and_ids_checked(tmp_path):
    web = client(tmp_path)
    first, second = new_project(web, "A"), new_project(web, "B")
    out = tmp_path / "data" / "projects" / first / "out"
    (out / "remissammanstallning.xlsx").write_bytes(b"A:s arbetsbok")
    assert web.get(f"/p/{first}/ladda-ner/remissammanstallning.xlsx").content == b"A:s arbetsbok"
    assert web.get(f"/p/{second}/ladda-ner/remissammanstallning.xlsx").status_code == 404
    for path in (f"/p/{first}/ladda-ner/..%2Fparams.yaml", f"/p/{first}/ladda-ner/project.json",
                 "/p/..%2F..%2Fetc/rapport", "/p/0123456789abcdef", f"/p/{first}/diagram/..%2F..%2Fproject.json"):
        assert web.get(path).status_code == 404, path


def test_a_crash_leaves_no_half_project(tmp_path):
    store = ProjectStore(tmp_path / "data")
    half = store.scratch()
    (half / "project.json").write_text("{")  # a creation cut short
    project = store.create("Hel")
    again = ProjectStore(tmp_path / "data")  # the next start
    assert [p.id for p in again.all()] == [project.id]
    assert not list((tmp_path / "data" / ".tmp").iterdir())


def test_themes_edited_in_the_page(tmp_path):
    web = client(tmp_path)
    project = new_project(web)
    page = web.get(f"/p/{project}/teman").text
    assert "Informationssäkerhet" in page and "Jämställdhet" in page
    form = {"count": "1", "id-0": "informationssakerhet", "label-0": "Informationssäkerhet",
            "description-0": "Skydd av information.", "terms-0": "informationssäkerhet, GDPR",
            "label-1": "Klimat och miljö", "description-1": "Klimatet.", "terms-1": "klimat\nutsläpp"}
    assert web.post(f"/p/{project}/teman", data=form).status_code == 303
    params = (tmp_path / "data" / "projects" / project / "params.yaml").read_text(encoding="utf-8")
    assert "klimat_och_miljo" in params and "GDPR" in params and "jamstalldhet" not in params
    bad = web.post(f"/p/{project}/teman", data={"count": "0", "label-0": "Utan sökord"})
    assert bad.status_code == 400 and "minst ett sökord" in bad.text
    with pytest.raises(ProjectError):
        parse_themes([])


def test_a_correction_is_kept_as_corrections_csv_keeps_it(tmp_path):
    segments = pd.DataFrame([{"doc": "svar.txt", "segment_id": "svar.txt:s001", "body": "Kammarkollegiet",
                              "start_line": 4, "end_line": 9, "theme_probabilities": '{"finansiering":0.2}'}])
    record_correction(tmp_path, segments, "svar.txt:s001", "stance", "negative")
    record_correction(tmp_path, segments, "svar.txt:s001", "theme:finansiering", "ja")
    record_correction(tmp_path, segments, "svar.txt:s001", "stance", "Positiv")  # updates, never adds twice
    record = read_corrections(tmp_path / "corrections.csv")
    assert record[["doc", "start_line", "end_line", "body", "label", "value"]].values.tolist() == [
        ["svar.txt", "4", "9", "Kammarkollegiet", "stance", "positive"],
        ["svar.txt", "4", "9", "Kammarkollegiet", "theme:finansiering", "ja"]]
    with pytest.raises(ValueError):
        record_correction(tmp_path, segments, "svar.txt:s001", "theme:okänt", "ja")


def test_tables_being_rewritten_give_a_notice_not_an_error(tmp_path):
    web = client(tmp_path)
    project = new_project(web)
    out = tmp_path / "data" / "projects" / project / "out"
    (out / "bodies.parquet").write_bytes(b"half written")
    (out / "remissammanstallning.xlsx").write_bytes(b"x")
    page = web.get(f"/p/{project}")
    assert page.status_code == 200 and "skriver just nu" in page.text
    assert web.get(f"/p/{project}/svar/x:a01").status_code == 503
