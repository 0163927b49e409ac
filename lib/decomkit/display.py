"""Showing results in a notebook as static output: tables, PNG charts, escaped text.

Static output is what a record keeps; names from input files are escaped, never trusted as HTML.
"""

from __future__ import annotations

import html

import pandas as pd
from matplotlib.figure import Figure


def show(obj) -> None:
    """Display anything (a widget, a table) in the notebook."""
    from IPython.display import display

    display(obj)


def show_figure(fig: Figure) -> None:
    from IPython.display import Image

    from decomkit.charts import png

    show(Image(data=png(fig), format="png"))


def show_table(frame: pd.DataFrame, max_rows: int = 60) -> None:
    show(frame.head(max_rows))


def show_markdown(text: str) -> None:
    from IPython.display import Markdown

    show(Markdown(text))


def show_lines(title: str, lines: list[str]) -> None:
    """A heading and a bullet list, every line escaped."""
    body = "\n".join(f"- {html.escape(line)}" for line in lines)
    show_markdown(f"**{html.escape(title)}**\n\n{body}")
