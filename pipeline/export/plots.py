"""The plots: stance per body type, theme frequency, and a body × theme heatmap, as PNG and SVG,
plus the DVC plot data. Rendered without dates or creator in the metadata and with salted SVG ids,
so the same input gives the same bytes."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.export.data import ExportData, split_list
from pipeline.export.tables import STANCE_COLUMNS, stance_by_body_type, theme_by_body_type
from pipeline.io import ensure_writable_dir, write_atomic, write_csv
from pipeline.labels import BODY_TYPE_PLURALS, STANCE_LABELS, UNCLASSIFIED
from pipeline.schemas import parse_probabilities

PLOTS = "plots"
STANCE_COLOURS = {
    "positive": "#1a9850",
    "positive_with_reservations": "#a6d96a",
    "negative": "#d73027",
    "no_opinion": "#bdbdbd",
    UNCLASSIFIED: "#f0f0f0",
}
THEME_COLOUR = "#4472c4"
SVG_METADATA: dict[str, Any] = {"Date": None, "Creator": None, "Format": None, "Type": None}
PNG_METADATA: dict[str, Any] = {"Software": None}
PLOT_RC = {"svg.hashsalt": "remissanalys", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 10}


@dataclass
class Plot:
    name: str
    title: str
    png: bytes
    svg: bytes


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _render(name: str, title: str, figure) -> Plot:
    import matplotlib

    with matplotlib.rc_context(PLOT_RC):
        png, svg = io.BytesIO(), io.BytesIO()
        figure.savefig(png, format="png", dpi=120, metadata=PNG_METADATA)
        figure.savefig(svg, format="svg", metadata=SVG_METADATA)
    return Plot(name, title, png.getvalue(), svg.getvalue())


def _no_data(ax) -> None:
    ax.text(0.5, 0.5, "Inga data", ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_axis_off()


def plot_stance_by_body_type(table: pd.DataFrame) -> Plot:
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(PLOT_RC):
        figure = _figure(9, 1.2 + 0.55 * max(len(table), 1))
        ax = figure.add_subplot()
        if table.empty:
            _no_data(ax)
        else:
            labels = [BODY_TYPE_PLURALS.get(t, t) for t in table["body_type"]][::-1]
            left = [0] * len(table)
            for stance in STANCE_COLUMNS:
                values = table[stance].tolist()[::-1]
                if not any(values):
                    continue
                edge = "#9e9e9e" if stance == UNCLASSIFIED else "white"
                bars = ax.barh(labels, values, left=left, color=STANCE_COLOURS[stance], label=STANCE_LABELS[stance],
                               edgecolor=[edge if v else "none" for v in values])
                ax.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center", fontsize=9)
                left = [a + b for a, b in zip(left, values, strict=True)]
            ax.set_xlabel("Antal remissinstanser som svarat")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.spines[["top", "right"]].set_visible(False)
            handles, names = ax.get_legend_handles_labels()
            figure.legend(handles, names, loc="outside lower center", ncols=len(handles), frameon=False)
        ax.set_title("Ställningstagande per typ av remissinstans", loc="left")
    return _render("stance_by_body_type", "Ställningstagande per typ av remissinstans", figure)


def plot_theme_frequency(table: pd.DataFrame, total_bodies: int) -> Plot:
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(PLOT_RC):
        ordered = table.sort_values(["total", "label"], ascending=[True, False], kind="stable")
        figure = _figure(9, 1.4 + 0.38 * max(len(ordered), 1))
        ax = figure.add_subplot()
        if ordered.empty:
            _no_data(ax)
        else:
            bars = ax.barh(ordered["label"], ordered["total"], color=THEME_COLOUR)
            ax.bar_label(bars, padding=3, fontsize=9)
            ax.set_xlim(0, max(int(ordered["total"].max()), 1) * 1.12)
            ax.set_xlabel(f"Antal remissinstanser som tar upp temat (av {total_bodies} som svarat)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.spines[["top", "right"]].set_visible(False)
        ax.set_title("Teman", loc="left")
    return _render("theme_frequency", "Hur många remissinstanser som tar upp varje tema", figure)


def plot_theme_body_heatmap(data: ExportData) -> Plot:
    import matplotlib
    import numpy as np

    bodies, themes = data.answering, list(data.themes)
    with matplotlib.rc_context(PLOT_RC):
        figure = _figure(max(7.0, 3.6 + 0.5 * len(themes)), 2.6 + 0.27 * max(len(bodies), 1))
        ax = figure.add_subplot()
        if bodies.empty or not themes:
            _no_data(ax)
        else:
            values = np.array([[parse_probabilities(p).get(t, 0.0) for t in themes]
                               for p in bodies["theme_probabilities"]])
            image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            for i, assigned in enumerate(bodies["themes"]):
                for j, theme in enumerate(themes):
                    if theme in split_list(assigned):
                        ax.text(j, i, "✓", ha="center", va="center", fontsize=8,
                                color="white" if values[i, j] > 0.6 else "black")
            ax.set_yticks(range(len(bodies)), bodies["body"].tolist(), fontsize=8)
            ax.xaxis.tick_top()
            ax.set_xticks(range(len(themes)), [data.themes[t] for t in themes], rotation=40, ha="left",
                          rotation_mode="anchor", fontsize=8)
            ax.tick_params(length=0)
            colorbar = figure.colorbar(image, ax=ax, shrink=0.5, pad=0.01)
            colorbar.set_label("Sannolikhet")
        ax.set_title("Teman per remissinstans (✓ = temat tilldelat)", loc="left")
    return _render("theme_body_heatmap", "Teman per remissinstans (sannolikhet, ✓ = tilldelat)", figure)


def make_plots(data: ExportData) -> list[Plot]:
    return [
        plot_stance_by_body_type(stance_by_body_type(data.answering)),
        plot_theme_frequency(theme_by_body_type(data.answering, data.themes), len(data.answering)),
        plot_theme_body_heatmap(data),
    ]


def plot_data(data: ExportData) -> dict[str, pd.DataFrame]:
    """The DVC plot data: theme_frequency (theme,bodies) and stance_by_body_type (body_type,stance,count)."""
    themes = theme_by_body_type(data.answering, data.themes)
    frequency = pd.DataFrame({"theme": themes["label"], "bodies": themes["total"]}, columns=["theme", "bodies"])
    stances = stance_by_body_type(data.answering)
    long = [{"body_type": BODY_TYPE_PLURALS.get(row["body_type"], row["body_type"]), "stance": STANCE_LABELS[s],
             "count": int(row[s])} for _, row in stances.iterrows() for s in STANCE_COLUMNS]
    return {"theme_frequency": frequency,
            "stance_by_body_type": pd.DataFrame(long, columns=["body_type", "stance", "count"])}


def write_plots(data: ExportData, exports_dir: Path, plots: list[Plot] | None = None) -> list[Path]:
    directory = exports_dir / PLOTS
    ensure_writable_dir(directory)
    written = []
    for plot in plots if plots is not None else make_plots(data):
        for suffix, content in (("png", plot.png), ("svg", plot.svg)):
            target = directory / f"{plot.name}.{suffix}"
            write_atomic(target, lambda temp, content=content: temp.write_bytes(content))
            written.append(target)
    for name, frame in plot_data(data).items():
        write_csv(directory / f"{name}.csv", frame)
        written.append(directory / f"{name}.csv")
    return written


def inline_svg(plot: Plot) -> str:
    """The SVG for embedding in HTML: no XML prolog, no namespace URLs, ids prefixed per plot."""
    text = plot.svg.decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    prefix = f"{plot.name}-"
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', text)
    return text.replace("<svg", f'<svg role="img" aria-label="{html.escape(plot.title)}" class="plot"', 1)
