"""The one chart style: a colour-blind-safe palette, sizes and fonts, and alt text.

Charts are drawn on ``matplotlib.figure.Figure`` objects (never pyplot), so they are
independent of the notebook backend, safe to build in widget callbacks and testable headless.
Every chart reaches the page through ``figure_html``, which requires alt text.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import os
import pickle
import textwrap
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import ParamSpec

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Okabe & Ito (2008) colour-blind-safe palette, in the order charts use it.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow (fills only: too light for text or thin lines)
    "#000000",  # black
)
#: Meaningful colours, so a colour means the same thing on every chart.
GOOD, BAD, NEUTRAL, HIGHLIGHT = "#009E73", "#D55E00", "#7F7F7F", "#0072B2"

FIGSIZE = (6.4, 3.6)  # inches; 704 x 396 px at DPI, fits a 1280-px screen beside the inputs
DPI = 110

# Seaborn's "whitegrid" style at "notebook" scale, written out as plain rcParams. Calling
# ``seaborn.set_theme`` instead imports scipy and statsmodels (about 60 MiB per kernel), and
# every Voila viewer's kernel paid for it just to set colours. tests/test_style.py checks this
# dict still matches what seaborn would set.
WHITEGRID = {
    "axes.axisbelow": True,
    "axes.edgecolor": ".8",
    "axes.facecolor": "white",
    "axes.grid": True,
    "axes.labelcolor": ".15",
    "axes.linewidth": 1.25,
    "figure.facecolor": "white",
    "grid.color": ".8",
    "grid.linestyle": "-",
    "grid.linewidth": 1.0,
    "legend.title_fontsize": 12.0,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "text.color": ".15",
    "xtick.bottom": False,
    "xtick.color": ".15",
    "xtick.direction": "out",
    "xtick.major.size": 6.0,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0,
    "xtick.minor.width": 1.0,
    "ytick.color": ".15",
    "ytick.direction": "out",
    "ytick.left": False,
    "ytick.major.size": 6.0,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4.0,
    "ytick.minor.width": 1.0,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
}

RC = {
    **WHITEGRID,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 11,
    "legend.fontsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "svg.fonttype": "none",
}


def apply() -> None:
    """Apply the kit's style to matplotlib (idempotent; every new figure calls it)."""
    mpl.rcParams.update(RC)


def new_figure(*, width: float = FIGSIZE[0], height: float = FIGSIZE[1],
               ncols: int = 1) -> tuple[Figure, Axes]:
    """A styled figure with one axes (or ``ncols`` axes side by side), detached from pyplot."""
    apply()
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def figure_title(fig: Figure, text: str, *, width: int = 64) -> None:
    """Put the chart's conclusion above the whole figure, flush left, wrapped at ``width``.

    On the figure rather than the axes: long category labels push the axes right, and an axes
    title then runs off the figure's edge (and squeezes the axes as the layout makes room).
    """
    fig.suptitle(textwrap.fill(text, width), x=0.01, ha="left",
                 fontsize=RC["axes.titlesize"], fontweight=RC["axes.titleweight"])


def figure_html(fig: Figure, alt: str, *, caption: str | None = None) -> str:
    """Render ``fig`` as an accessible ``<figure>`` with a PNG and its alt text.

    Parameters
    ----------
    fig
        The figure. Its title should state the conclusion, not the variable names.
    alt
        What a screen-reader user needs from the chart: the conclusion and the key numbers.
    caption
        Optional visible caption (for example the data source).
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty description of the chart")
    buf = io.BytesIO()
    # Straight to the Agg canvas, not through savefig: savefig draws the figure twice with a
    # layout engine (once to lay it out, once to render), and a chart redraw is most of an
    # app's response to a change. The pixels are the same.
    FigureCanvasAgg(fig).print_png(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        '<figure class="kit-figure" style="margin:0;max-width:100%">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        'role="img" style="max-width:100%;height:auto">'
        f"{cap}</figure>"
    )


#: The environment variable that sets ``CHARTS_KEPT`` (0 turns the chart cache off).
CHARTS_KEPT_ENV = "KIT_CHARTS_KEPT"


def _charts_kept(default: int = 8) -> int:
    text = os.environ.get(CHARTS_KEPT_ENV, "")
    if not text:
        return default
    try:
        kept = int(text)
        if kept < 0:
            raise ValueError
        return kept
    except ValueError:
        # a typo in a server's environment must not stop every app from drawing
        warnings.warn(f"{CHARTS_KEPT_ENV} must be a whole number from 0 up (got {text!r}); "
                      f"keeping {default} charts", stacklevel=2)
        return default


#: Charts each cached chart function keeps: its defaults and a few recent inputs, about 50 KB
#: of HTML each.
CHARTS_KEPT = _charts_kept()


P = ParamSpec("P")


def cached_chart(render: Callable[P, str]) -> Callable[P, str]:
    """Decorate a chart function so equal arguments return the HTML it drew before.

    A chart function's HTML depends only on its arguments (model results and numbers), and a
    draw costs tens of milliseconds. The cache pays off when a person puts an input back, and
    when a Voilà kernel is forked from a template that already drew the app's default charts
    (``widgets.forked_kernels``). Arguments are compared by their pickled bytes; arguments that
    cannot be pickled are drawn every time. ``render.cache_clear()`` empties the cache, and
    ``KIT_CHARTS_KEPT=0`` in the environment turns caching off (the benchmarks time every
    change as a new drawing that way).
    """
    kept: OrderedDict[bytes, str] = OrderedDict()

    @functools.wraps(render)
    def cached(*args: P.args, **kwargs: P.kwargs) -> str:
        try:
            key = hashlib.blake2b(pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL),
                                  digest_size=16).digest()
        except Exception:  # pickling raises several types (PicklingError, TypeError, ...)
            return render(*args, **kwargs)
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        html_ = kept[key] = render(*args, **kwargs)
        while len(kept) > CHARTS_KEPT:
            kept.popitem(last=False)
        return html_

    cached.cache_clear = kept.clear  # type: ignore[attr-defined]
    return cached


def show(fig: Figure, alt: str, *, caption: str | None = None):
    """Display ``fig`` with alt text in a notebook (lessons use this instead of plt.show)."""
    from IPython.display import HTML

    return HTML(figure_html(fig, alt, caption=caption))


apply()
