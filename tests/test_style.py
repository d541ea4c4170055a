"""The one chart style: seaborn's look without seaborn's imports, and accessible figures."""

from __future__ import annotations

import subprocess
import sys

import matplotlib as mpl
import pytest

from widgets import course, style


def test_the_written_out_theme_is_what_seaborn_would_set():
    import seaborn as sns  # a declared dependency: the grading report charts use it
    with mpl.rc_context():
        sns.set_theme(context="notebook", style="whitegrid", palette=list(style.PALETTE),
                      rc=style.RC)
        seaborn_rc = dict(mpl.rcParams)
    with mpl.rc_context():
        mpl.rcParams.update(mpl.rcParamsDefault)
        style.apply()
        ours = dict(mpl.rcParams)
    # Seaborn also registers its own colour maps; no kit chart draws an image or a heatmap.
    differ = {k: (ours[k], seaborn_rc[k]) for k in seaborn_rc
              if k not in {"image.cmap", "backend"} and ours[k] != seaborn_rc[k]}
    assert differ == {}


def test_new_figures_use_the_colour_blind_safe_palette():
    _fig, ax = style.new_figure()
    line, = ax.plot([0, 1], [0, 1])
    assert line.get_color() == style.PALETTE[0]
    assert ax.get_title(loc="left") == "" and mpl.rcParams["axes.titlelocation"] == "left"


def test_a_chart_without_alt_text_is_refused():
    fig, _ = style.new_figure()
    with pytest.raises(ValueError, match="alt"):
        style.figure_html(fig, "  ")
    html = style.figure_html(fig, "An empty chart.", caption="Source: none")
    assert 'alt="An empty chart."' in html and "<figcaption>Source: none</figcaption>" in html


def test_the_style_loads_neither_seaborn_nor_scipy():
    # Every Voila viewer's kernel imports the style; seaborn would bring scipy and statsmodels.
    code = ("import sys, widgets.style; "
            "print(sorted(m for m in ('seaborn', 'scipy', 'statsmodels') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=course.root())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_chart_is_drawn_as_savefig_would_draw_it_laid_out():
    import base64
    import io
    import re

    import numpy as np
    from PIL import Image

    def chart(*, layout: bool):
        fig, ax = style.new_figure()
        if not layout:
            fig.set_layout_engine("none")
        ax.bar(["a long category name", "b"], [3, -1])
        ax.set_ylabel("A label the layout must make room for")
        style.figure_title(fig, "A title above the whole figure")
        return fig

    def pixels(png: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(png)))

    html = style.figure_html(chart(layout=True), "Two bars.")
    shown = pixels(base64.b64decode(re.search(r'base64,([^"]+)"', html).group(1)))
    saved, unlaid = io.BytesIO(), io.BytesIO()
    chart(layout=True).savefig(saved, format="png", dpi=style.DPI)
    chart(layout=False).savefig(unlaid, format="png", dpi=style.DPI)
    assert np.array_equal(shown, pixels(saved.getvalue()))
    # not laid out, the same chart differs: the comparison can fail
    assert not np.array_equal(shown, pixels(unlaid.getvalue()))


def test_a_cached_chart_draws_once_per_distinct_arguments_and_keeps_the_last_few():
    import numpy as np

    drawn = []

    @style.cached_chart
    def chart(values, *, title: str) -> str:
        drawn.append((list(values), title))
        return f"<p>{title}: {sum(values)}</p>"

    assert chart(np.array([1, 2]), title="a") == "<p>a: 3</p>"
    assert chart(np.array([1, 2]), title="a") == "<p>a: 3</p>"  # equal, not the same object
    assert len(drawn) == 1
    chart(np.array([1, 3]), title="a")
    chart(np.array([1, 2]), title="b")
    assert len(drawn) == 3
    for i in range(style.CHARTS_KEPT):  # pushes the first arguments out
        chart(np.array([i, 100]), title="c")
    chart(np.array([1, 2]), title="a")
    assert len(drawn) == 4 + style.CHARTS_KEPT
    chart.cache_clear()
    chart(np.array([1, 2]), title="a")
    assert len(drawn) == 5 + style.CHARTS_KEPT


def test_a_chart_whose_arguments_cannot_be_pickled_is_drawn_every_time():
    drawn = []

    @style.cached_chart
    def chart(fn) -> str:
        drawn.append(1)
        return "<p></p>"

    chart(lambda: 1)
    chart(lambda: 1)
    assert len(drawn) == 2


def test_a_chart_that_fails_is_not_cached():
    calls = []

    @style.cached_chart
    def chart(x: int) -> str:
        calls.append(x)
        if len(calls) == 1:
            raise RuntimeError("drawing bug")
        return "<p>ok</p>"

    with pytest.raises(RuntimeError):
        chart(1)
    assert chart(1) == "<p>ok</p>" and len(calls) == 2


def test_the_chart_cache_can_be_turned_off_from_the_environment(monkeypatch):
    monkeypatch.setenv(style.CHARTS_KEPT_ENV, "0")
    assert style._charts_kept() == 0
    monkeypatch.setattr(style, "CHARTS_KEPT", 0)
    drawn = []

    @style.cached_chart
    def chart(x: int) -> str:
        drawn.append(x)
        return "<p></p>"

    chart(1)
    chart(1)
    assert drawn == [1, 1]


@pytest.mark.parametrize("text", ["many", "-1", "2.5"])
def test_a_bad_chart_cache_size_warns_and_keeps_the_default(monkeypatch, text):
    monkeypatch.setenv(style.CHARTS_KEPT_ENV, text)
    with pytest.warns(UserWarning, match="KIT_CHARTS_KEPT must be a whole number from 0 up"):
        assert style._charts_kept() == 8
