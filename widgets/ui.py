"""Shared UI parts: validated inputs and the standard app frame.

Every tool's view is built from these, so every app validates the same way, lays out the same
way and offers the same download. Fields hold their last *valid* value in ``.value``; a bad
entry shows a message beside the field and leaves ``.value`` (and so every result computed
from it) unchanged.
"""

from __future__ import annotations

import base64
import html
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as W
import traitlets
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from widgets.validate import InputError, InputTypeError, format_number

log = logging.getLogger(__name__)

ERROR_COLOUR = "#B00020"  # 7.0:1 on white, and not confused with the chart palette
_LABEL_WIDTH = "190px"
_NUMBER_JUNK = re.compile(r"[,\s_$]")


#: Layouts and styles that many widgets share, made once per kernel: each is one model for the
#: page to fetch and build instead of one per widget (the budget planner had 518 widget models,
#: 199 of them layouts). They refuse changes in place (``f.layout.display = "none"`` would hide
#: every field): switch to another shared one, as ``Field.set_visible`` does, or give the
#: widget its own.
_SHARED: dict[tuple, W.Widget] = {}
_FROZEN_KINDS: dict[type, type] = {}


class _Frozen:
    """Mixed into a shared layout or style: its settings cannot change once it is made."""

    _frozen = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen and not name.startswith("_") and name in self.keys:
            raise AttributeError(
                f"this {type(self).__name__} is shared by many widgets, so setting {name} would "
                "change them all: give the widget a layout or style of its own (or, to hide a "
                "field, call Field.set_visible)")
        super().__setattr__(name, value)


def _shared(kind: type[W.Widget], **traits: Any) -> W.Widget:
    """The one ``kind(**traits)`` of this kernel, made again if it was closed."""
    key = (kind, tuple(sorted(traits.items())))
    widget = _SHARED.get(key)
    if widget is None or widget.comm is None:
        frozen = _FROZEN_KINDS.setdefault(kind, type(kind.__name__, (_Frozen, kind), {}))
        widget = _SHARED[key] = frozen(**traits)
        widget._frozen = True
    return widget


def _field_layout(*, visible: bool) -> W.Layout:
    return _shared(W.Layout, margin="2px 0", display=None if visible else "none",
                   flex_flow="row wrap", align_items="center")


def _message_layout(shown: bool) -> W.Layout:
    # The message line is the field's full width, so it wraps under the control; an empty one
    # is not displayed, or it would still take a line's height.
    return _shared(W.Layout, width="100%", display=None if shown else "none")


def _message_html(text: str) -> str:
    if not text:
        return ""
    return (f'<div role="alert" class="kit-field-error" style="color:{ERROR_COLOUR};'
            f'font-size:0.9em;line-height:1.3;margin:0 0 4px {_LABEL_WIDTH}">'
            f"⚠ {html.escape(text)}</div>")


class Field(W.Box):
    """Base of every input: a control, a message under it, and the last valid ``value``.

    Observe ``value`` to recompute: it only changes when the entry is valid.
    """

    value = traitlets.Any(allow_none=True)
    error = traitlets.Unicode("")

    def __init__(self, label: str, control: W.Widget, *, help: str = "", unit: str = "",
                 name: str = ""):
        self.label = label
        self.name = name or label
        self.error_source = ""
        self.control = control
        # One flat wrapping row, its second line one HTML for the message and the help: a page
        # builds every widget model before it shows the app, and a field used to be six.
        children: list[W.Widget] = [control]
        if unit:
            children.append(W.HTML(f'<span style="color:#444">{html.escape(unit)}</span>',
                                   layout=_shared(W.Layout, margin="0 0 0 8px"),
                                   style=_shared(HTMLStyle)))
        self._help = (f'<div style="color:#444;font-size:0.85em;line-height:1.3;'
                      f'margin:0 0 4px {_LABEL_WIDTH}">{html.escape(help)}</div>') if help else ""
        super().__init__(children, layout=_field_layout(visible=True))
        self._message: W.HTML | None = None
        if help:
            self._add_message()
        self.add_class("kit-field")
        control.add_class("kit-input")

    @property
    def message(self) -> W.HTML:
        """The line under the control: the error, if any, then the help.

        Made when first needed, so a field with no help and no error costs the page no model.
        """
        return self._message if self._message is not None else self._add_message()

    def _add_message(self) -> W.HTML:
        # hidden while it has nothing to show, so merely reading ``message`` adds no blank line
        self._message = W.HTML(self._help, layout=_message_layout(bool(self._help)),
                               style=_shared(HTMLStyle))
        self.children = (*self.children, self._message)
        return self._message

    def set_visible(self, visible: bool) -> None:
        """Show or hide the whole field (label, control, message and help)."""
        self.layout = _field_layout(visible=visible)

    def show_error(self, text: str, *, source: str = "field") -> None:
        """Show ``text`` under the field's control, above its help (empty clears it).

        ``source`` is "field" for the field's own check and "model" for a message the model
        raised about this field; a later successful computation clears only the latter.
        """
        self.error = text
        self.error_source = source if text else ""
        if text or self._message is not None:
            self.message.value = _message_html(text) + self._help
            self.message.layout = _message_layout(bool(text or self._help))

    def display_value(self) -> str:
        """The value as a person reads it (for summaries)."""
        return str(self.value)


class NumberField(Field):
    """A typed number with a range, e.g. "Monthly volume must be between 1 and 10,000,000".

    Accepts ``1,000``, ``1 000`` and ``$1000``. With ``percent=True`` the person types 80 (or
    80%) and ``value`` is 0.8.
    """

    def __init__(self, label: str, value: float, *, min: float, max: float, unit: str = "",
                 integer: bool = False, percent: bool = False, help: str = "", name: str = "",
                 min_open: bool = False):
        self.min, self.max, self.integer, self.percent = min, max, integer, percent
        self.min_open = min_open
        self.unit = "%" if percent and not unit else unit
        control = W.Text(value=self._format(value), description=label,
                         continuous_update=False,
                         style=_shared(TextStyle, description_width=_LABEL_WIDTH),
                         layout=_shared(W.Layout, width="340px"))
        super().__init__(label, control, help=help, unit=self.unit, name=name)
        self.value = float(value) if not integer else int(value)
        control.observe(self._on_text, "value")

    def _format(self, v: float) -> str:
        shown = v * 100 if self.percent else v
        if self.integer or float(shown).is_integer():
            return f"{shown:,.0f}"
        return f"{shown:,.4g}"

    def _range(self) -> str:
        if self.percent:
            lo, hi = (f"{format_number(round(x * 100, 6))}%" for x in (self.min, self.max))
            unit = ""
        else:
            lo, hi = format_number(self.min), format_number(self.max)
            unit = f" {self.unit}" if self.unit else ""
        if self.min_open:
            return f"greater than {lo} and at most {hi}{unit}"
        return f"between {lo} and {hi}{unit}"

    def parse(self, text: str) -> float:
        """Parse ``text``; raise ``InputError`` with a message for the person."""
        cleaned = _NUMBER_JUNK.sub("", text or "").rstrip("%")
        try:
            x = float(cleaned)
        except ValueError:
            raise InputError(self.name, f"Enter a number {self._range()}"
                                        f" (“{text.strip()[:30]}” is not a number).") from None
        if not math.isfinite(x):
            raise InputError(self.name, f"Enter a finite number {self._range()}.")
        if self.percent:
            x /= 100
        too_low = x <= self.min if self.min_open else x < self.min
        if too_low or x > self.max:
            raise InputError(self.name, f"{self.label} must be {self._range()}.")
        if self.integer:
            if not float(x).is_integer():
                raise InputError(self.name, f"{self.label} must be a whole number "
                                            f"{self._range()}.")
            return int(x)
        return x

    def _on_text(self, change: dict) -> None:
        try:
            parsed = self.parse(change["new"])
        except InputError as err:
            self.show_error(str(err))
            return
        self.show_error("")
        self.value = parsed

    def set(self, value: float) -> None:
        """Set a new value programmatically (presets), through the same validation."""
        self.control.value = self._format(value)

    def display_value(self) -> str:
        if self.percent:
            return f"{self.value * 100:,.4g}%"
        return f"{self.value:,.6g}{(' ' + self.unit) if self.unit else ''}"


class SliderField(Field):
    """A bounded slider; it cannot hold an invalid value, so it never shows an error itself."""

    def __init__(self, label: str, value: float, *, min: float, max: float, step: float,
                 integer: bool = False, readout_format: str = ".2f", help: str = "",
                 unit: str = "", name: str = ""):
        cls = W.IntSlider if integer else W.FloatSlider
        control = cls(value=value, min=min, max=max, step=step, description=label,
                      continuous_update=False, readout=True,
                      style=_shared(W.SliderStyle, description_width=_LABEL_WIDTH),
                      layout=_shared(W.Layout, width="420px"),
                      **({} if integer else {"readout_format": readout_format}))
        super().__init__(label, control, help=help, unit=unit, name=name)
        self.value = control.value
        traitlets.dlink((control, "value"), (self, "value"))

    def set(self, value: float) -> None:
        self.control.value = value


class ChoiceField(Field):
    """A choice from a fixed list (dropdown), ``width`` wide and at most ``max_width`` (CSS)."""

    def __init__(self, label: str, options: Sequence[Any], value: Any = None, *,
                 help: str = "", name: str = "", width: str = "420px",
                 max_width: str | None = None):
        if value is None:  # options may be plain values or (label, value) pairs
            first = options[0]
            value = first[1] if isinstance(first, tuple) else first
        control = W.Dropdown(options=options, value=value,
                             description=label,
                             style=_shared(DescriptionStyle, description_width=_LABEL_WIDTH),
                             layout=_shared(W.Layout, width=width, max_width=max_width))
        super().__init__(label, control, help=help, name=name)
        self.value = control.value
        traitlets.dlink((control, "value"), (self, "value"))

    def set(self, value: Any) -> None:
        self.control.value = value


class TextField(Field):
    """Free text with a length limit; empty is an error when ``required``."""

    def __init__(self, label: str, value: str = "", *, required: bool = True,
                 max_length: int = 200, placeholder: str = "", help: str = "", name: str = ""):
        self.required, self.max_length = required, max_length
        control = W.Text(value=value, description=label, placeholder=placeholder,
                         continuous_update=False,
                         style=_shared(TextStyle, description_width=_LABEL_WIDTH),
                         layout=_shared(W.Layout, width="420px"))
        super().__init__(label, control, help=help, name=name)
        self.value = value
        control.observe(self._on_text, "value")

    def _on_text(self, change: dict) -> None:
        text = (change["new"] or "").strip()
        if self.required and not text:
            self.show_error(f"{self.label} is required.")
            return
        if len(text) > self.max_length:
            self.show_error(f"{self.label} must be at most {self.max_length} characters "
                            f"({len(text)} entered).")
            return
        self.show_error("")
        self.value = text

    def set(self, value: str) -> None:
        self.control.value = value


class CheckField(Field):
    """A yes/no tick box."""

    def __init__(self, label: str, value: bool = False, *, help: str = "", name: str = ""):
        control = W.Checkbox(value=value, description=label, indent=False)
        super().__init__(label, control, help=help, name=name)
        self.value = value
        traitlets.dlink((control, "value"), (self, "value"))

    def set(self, value: bool) -> None:
        self.control.value = value

    def display_value(self) -> str:
        return "yes" if self.value else "no"


def download_link(content: str, filename: str, *, mime: str = "text/markdown",
                  label: str = "Download summary") -> str:
    """An ``<a download>`` link carrying ``content`` as a data URI.

    Works in JupyterLab and in Voilà without a server round trip, and with no network.
    """
    data = base64.b64encode(content.encode("utf-8")).decode("ascii")
    return (f'<a class="kit-download" download="{html.escape(filename)}" '
            f'href="data:{mime};charset=utf-8;base64,{data}" '
            'style="display:inline-block;padding:6px 12px;border:1px solid #0072B2;'
            'border-radius:4px;color:#0072B2;text-decoration:none;margin-right:8px">'
            f"⬇ {html.escape(label)}</a>")


def summary_table(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column Markdown table (label, value) for summaries."""
    lines = ["| Item | Value |", "| --- | --- |"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


class AppFrame(W.VBox):
    """The standard app: title, inputs beside results, a status line, and a download.

    A view builds its fields and result widgets, then calls ``run`` from its handlers::

        frame.run(lambda: setattr(result, "value", render(model.compute(...))))

    ``run`` shows an ``InputError`` beside the field it names (or in the status line),
    never a traceback, and leaves the previous result on screen.
    """

    def __init__(self, title: str, *, subtitle: str = "", inputs: Sequence[W.Widget] = (),
                 results: Sequence[W.Widget] = (), summary: Callable[[], str] | None = None,
                 summary_filename: str = "summary.md", sources: str = "",
                 fields: Mapping[str, Field] | None = None,
                 summary_label: str = "Download summary"):
        self.fields: dict[str, Field] = dict(fields or {})
        for w in inputs:
            if isinstance(w, Field):
                self.fields.setdefault(w.name, w)
        self.summary = summary
        self.summary_filename = summary_filename
        self.summary_label = summary_label  # two frames on one page need two link names
        self.header = W.HTML(
            f'<h2 style="margin:0.2em 0">{html.escape(title)}</h2>'
            + (f'<p style="margin:0 0 0.6em;color:#333">{html.escape(subtitle)}</p>'
               if subtitle else "")
        )
        self.status = W.HTML("")
        self.download = W.HTML("")
        self.inputs = W.VBox(list(inputs), layout=W.Layout(flex="1 1 360px", min_width="320px",
                                                            margin="0 16px 8px 0"))
        self.results = W.VBox(list(results), layout=W.Layout(flex="2 1 480px", min_width="320px"))
        # Stable hooks for the browser tests and benchmarks, whatever the tool puts inside.
        self.inputs.add_class("kit-inputs")
        self.results.add_class("kit-results")
        body = W.Box([self.inputs, self.results],
                     layout=W.Layout(display="flex", flex_flow="row wrap",
                                     align_items="flex-start", width="100%"))
        footer = W.HTML(f'<div style="font-size:0.85em;color:#333;margin-top:8px">{sources}</div>'
                        if sources else "")
        super().__init__([self.header, body, self.status, self.download, footer],
                         layout=W.Layout(width="100%", max_width="1200px"))
        self.add_class("kit-app")

    def run(self, compute: Callable[[], Any]) -> bool:
        """Run ``compute``; on bad input show the message and keep the last result."""
        try:
            compute()
        except (InputError, InputTypeError) as err:
            field = self.fields.get(getattr(err, "field", ""))
            if field is not None:
                # One computation, one complaint: an earlier model message beside another
                # field described inputs that have changed since.
                self._clear_model_errors()
                field.show_error(str(err), source="model")
                self.status.value = ""
            else:
                self.status.value = _message_html(str(err))
            return False
        except (ValueError, TypeError) as err:
            self.status.value = _message_html(str(err))
            return False
        except Exception:  # a bug must not put a traceback in front of an executive
            log.exception("unexpected error in %s", type(self).__name__)
            self.status.value = _message_html(
                "Something went wrong computing this result; the previous result is still "
                "shown. Please tell the facilitator.")
            return False
        self.status.value = ""
        self._clear_model_errors()
        self.refresh_download()
        return True

    def _clear_model_errors(self) -> None:
        for f in self.fields.values():
            if f.error_source == "model":
                f.show_error("")

    def refresh_download(self) -> None:
        """Rebuild the download link from the current summary."""
        if self.summary is None:
            return
        self.download.value = download_link(self.summary(), self.summary_filename,
                                            label=self.summary_label)


class ChartTabs(W.Tab):
    """Result panels in tabs; a panel is rendered only when it is visible.

    Drawing a chart costs tens of milliseconds, so a view with several charts refreshes only
    the tab on screen and marks the others stale; a stale tab renders when it is opened.
    Each panel is ``(title, render)`` where ``render()`` returns the panel's HTML from the
    view's latest good result.
    """

    def __init__(self, panels: Sequence[tuple[str, Callable[[], str]]]):
        self._render = [render for _, render in panels]
        self.panels = [W.HTML("") for _ in panels]
        self._stale = [True] * len(panels)
        super().__init__(children=self.panels, titles=[title for title, _ in panels])
        self.selected_index = 0
        self.observe(lambda change: self._show(change["new"]), "selected_index")

    def refresh(self) -> None:
        """Mark every panel stale and render the visible one (call after a new result)."""
        self._stale = [True] * len(self.panels)
        self._show(self.selected_index)

    def render_all(self) -> None:
        """Render every stale panel now (for summaries and tests)."""
        for i in range(len(self.panels)):
            self._show(i)

    def _show(self, index: int | None) -> None:
        if index is None or not self._stale[index]:
            return
        try:
            # Jupyter's widget HTML sets a 28px line height, too loose for prose and tables.
            self.panels[index].value = (f'<div style="line-height:1.35">'
                                        f"{self._render[index]()}</div>")
        except Exception:  # a drawing bug must not break the rest of the app
            log.exception("rendering tab %s failed", index)
            self.panels[index].value = _message_html(
                "This chart could not be drawn; the figures beside it still hold. "
                "Please tell the facilitator.")
        self._stale[index] = False
