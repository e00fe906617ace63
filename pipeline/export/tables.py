"""The aggregated tables: how many answering remissinstanser per body type, stance and theme.

Written as CSV + Parquet twins next to the classify tables; the plots, the workbook's theme sheet
and the report are drawn from the same tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.export.data import ExportData, split_list
from pipeline.io import write_table
from pipeline.labels import BODY_TYPES, STANCES, UNCLASSIFIED

STANCE_COLUMNS = (*STANCES, UNCLASSIFIED)  # an answer without a stance counts as unclassified


def body_type_order(values: Any) -> list[str]:
    """The body types present, in vocabulary order, then any unknown type alphabetically."""
    present = set(values)
    return [t for t in BODY_TYPES if t in present] + sorted(present - set(BODY_TYPES))


def stance_column(stance: str) -> str:
    return stance if stance in STANCES else UNCLASSIFIED


def stance_by_body_type(answering: pd.DataFrame) -> pd.DataFrame:
    """Rows: body type; columns: number of answering bodies per stance, and the total."""
    columns = list(STANCE_COLUMNS)
    rows = []
    for body_type in body_type_order(answering["body_type"]):
        stances = answering.loc[answering["body_type"] == body_type, "stance"].map(stance_column)
        counts = {s: int((stances == s).sum()) for s in columns}
        rows.append({"body_type": body_type, **counts, "total": int(len(stances))})
    frame = pd.DataFrame(rows, columns=["body_type", *columns, "total"])
    return frame.astype({c: "int64" for c in [*columns, "total"]})


def theme_by_body_type(answering: pd.DataFrame, themes: dict[str, str]) -> pd.DataFrame:
    """Rows: theme; columns: number of answering bodies of each type with the theme, and the total."""
    types = [*BODY_TYPES, *sorted(set(answering["body_type"]) - set(BODY_TYPES))]
    sets = [set(split_list(v)) for v in answering["themes"]]
    rows = []
    for theme, label in themes.items():
        has = [theme in s for s in sets]
        counts = {t: int(sum(h and bt == t for h, bt in zip(has, answering["body_type"], strict=True))) for t in types}
        rows.append({"theme": theme, "label": label, **counts, "total": int(sum(has))})
    frame = pd.DataFrame(rows, columns=["theme", "label", *types, "total"])
    return frame.astype({c: "int64" for c in [*types, "total"]})


def theme_by_stance(answering: pd.DataFrame, themes: dict[str, str]) -> pd.DataFrame:
    """Rows: theme; columns: number of answering bodies with the theme per stance, and the total."""
    columns = list(STANCE_COLUMNS)
    sets = [set(split_list(v)) for v in answering["themes"]]
    stances = [stance_column(s) for s in answering["stance"]]
    rows = []
    for theme, label in themes.items():
        with_theme = [st for s, st in zip(sets, stances, strict=True) if theme in s]
        rows.append({"theme": theme, "label": label, **{c: with_theme.count(c) for c in columns},
                     "total": len(with_theme)})
    frame = pd.DataFrame(rows, columns=["theme", "label", *columns, "total"])
    return frame.astype({c: "int64" for c in [*columns, "total"]})


def write_tables(data: ExportData, exports_dir: Path) -> list[Path]:
    tables = {
        "stance_by_body_type": stance_by_body_type(data.answering),
        "theme_by_body_type": theme_by_body_type(data.answering, data.themes),
        "theme_by_stance": theme_by_stance(data.answering, data.themes),
    }
    written = []
    for name, frame in tables.items():
        write_table(exports_dir, name, frame)
        written += [exports_dir / f"{name}.csv", exports_dir / f"{name}.parquet"]
    return written
