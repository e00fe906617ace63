from pathlib import Path

import pytest

from pipeline.config import IngestParams
from pipeline.errors import EmptyInputError, InputNotFoundError, NotSwedishError, NotTextError, UnsupportedFormatError
from pipeline.ingest import classify_lines, ingest_file, ingest_paths, needs_ocr_repair
from pipeline.readers import decode_text

TEXT = "Remissvar från Socialnämnden\n\nNämnden ställer sig positiv till förslaget.\nÅtgärderna är bra.\n"
NEVER = IngestParams(ocr_repair="never")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("latin-1", b""), ("utf-16", b"")],
)
def test_common_encodings_decode_to_the_same_text(tmp_path: Path, encoding: str, prefix: bytes):
    path = tmp_path / "svar.txt"
    path.write_bytes(prefix + TEXT.encode(encoding))
    document = ingest_file(path, NEVER)
    assert document.lines["text"].tolist() == [line for line in TEXT.splitlines()]
    assert document.lines["line"].tolist() == [1, 2, 3, 4]


def test_cp1252_punctuation_is_read_as_cp1252():
    text, encoding = decode_text("”Förslaget” – bra".encode("cp1252"), "x.txt")
    assert encoding == "cp1252"
    assert text == "”Förslaget” – bra"


def test_line_numbers_follow_the_original_file_with_crlf_and_odd_separators(tmp_path: Path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("rad ett\r\nrad\x0btvå\r\n\r\nrad fyra".encode())
    lines = ingest_file(path, NEVER).lines
    assert lines["line"].tolist() == [1, 2, 3, 4]
    assert lines.loc[lines["line"] == 4, "text"].item() == "rad fyra"
    assert lines.loc[lines["line"] == 3, "kind"].item() == "blank"


def test_whitespace_and_unicode_are_normalised_but_the_source_is_kept(tmp_path: Path):
    path = tmp_path / "nfd.txt"
    path.write_text("  Na\u0308mnden\u00a0\u00a0tycker\t att  ", encoding="utf-8")
    row = ingest_file(path, NEVER).lines.iloc[0]
    assert row["text"] == "Nämnden tycker att"
    assert row["source_text"] == "  Na\u0308mnden\u00a0\u00a0tycker\t att  "


def test_form_feeds_give_page_numbers(tmp_path: Path):
    path = tmp_path / "pages.txt"
    path.write_text("sida ett\n\fsida två\nmer\n\fsida tre\n", encoding="utf-8")
    assert ingest_file(path, NEVER).lines["page"].tolist() == [1, 2, 2, 3]


def test_page_numbers_and_running_headers_are_layout():
    texts = [
        "Protokoll nr 9/2021",
        "Text om förslaget.",
        "21",
        "Sida 3 av 12",
        "Protokoll nr 9/2021",
        "1.",
        "Protokoll nr 9/2021",
        "Särskilt uttalande gjordes av Jan Valeskog m.fl. (S), bilaga 1.",
        "Särskilt uttalande gjordes av Jan Valeskog m.fl. (S), bilaga 1.",
        "Särskilt uttalande gjordes av Jan Valeskog m.fl. (S), bilaga 1.",
        "",
    ]
    kinds = classify_lines(texts, IngestParams())
    assert kinds[0] == kinds[4] == kinds[6] == "running_header"
    assert kinds[2] == kinds[3] == "page_number"
    assert kinds[1] == kinds[5] == kinds[7] == "text"
    assert kinds[-1] == "blank"


def test_ocr_detection_uses_the_share_of_diacritics():
    clean = ["Nämnden ställer sig positiv till förslaget och välkomnar att åtgärderna förtydligas."] * 10
    damaged = ["Namnden staller sig positiv till forslaget och valkomnar att atgarderna fortydligas."] * 10
    assert not needs_ocr_repair(clean, IngestParams())
    assert needs_ocr_repair(damaged, IngestParams())
    assert not needs_ocr_repair(damaged, IngestParams(ocr_repair="never"))
    assert needs_ocr_repair(clean, IngestParams(ocr_repair="always"))


def test_bad_inputs_raise_clear_errors(tmp_path: Path):
    with pytest.raises(InputNotFoundError):
        ingest_file(tmp_path / "finns-inte.txt", NEVER)
    empty = tmp_path / "tom.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(EmptyInputError):
        ingest_file(empty, NEVER)
    binary = tmp_path / "skrap.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(NotTextError):
        ingest_file(binary, NEVER)
    unknown = tmp_path / "bild.png"
    unknown.write_bytes(b"\x89PNG")
    with pytest.raises(UnsupportedFormatError):
        ingest_file(unknown, NEVER)


def test_one_bad_file_in_a_batch_is_skipped(tmp_path: Path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "c.txt").write_text(TEXT, encoding="utf-8")
    documents, failures = ingest_paths([tmp_path], NEVER)
    assert [d.doc for d in documents] == ["a.txt", "c.txt"]
    assert [f.path.name for f in failures] == ["b.txt"]
    assert isinstance(failures[0].error, NotTextError)


def test_a_document_in_another_language_is_refused(tmp_path: Path):
    path = tmp_path / "english.txt"
    path.write_text("The committee has considered the proposal and it is of the view that the plan is sound. " * 5,
                    encoding="utf-8")
    with pytest.raises(NotSwedishError, match=r"^english\.txt does not look like Swedish") as caught:
        ingest_file(path, NEVER)
    assert caught.value.exit_code == 7
