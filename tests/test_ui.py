"""Shared UI parts, tested without a browser: set values, click, read the widgets."""

from __future__ import annotations

import base64
import re

import ipywidgets as W
import pytest

from widgets import ui
from widgets.validate import InputError


def test_number_field_parses_friendly_input():
    f = ui.NumberField("Monthly volume", 1000, min=1, max=10_000_000, integer=True,
                       unit="requests")
    f.control.value = "25,000"
    assert f.value == 25_000 and f.error == ""
    f.control.value = "$3 000"
    assert f.value == 3000


def test_bad_number_shows_message_beside_field_and_keeps_last_good_value():
    f = ui.NumberField("Monthly volume", 1000, min=1, max=10_000_000, integer=True,
                       unit="requests")
    f.control.value = "lots"
    assert f.value == 1000
    assert f.error == "Enter a number between 1 and 10,000,000 requests (“lots” is not a number)."
    assert "⚠" in f.message.value and "not a number" in f.message.value
    f.control.value = "0"
    assert f.value == 1000
    assert f.error == "Monthly volume must be between 1 and 10,000,000 requests."
    f.control.value = "12"
    assert f.value == 12 and f.error == "" and "kit-field-error" not in f.message.value


def test_percent_field_reads_percent_and_stores_fraction():
    f = ui.NumberField("Baseline", 0.75, min=0.001, max=0.999, percent=True)
    assert f.control.value == "75"
    f.control.value = "80%"
    assert f.value == 0.8
    f.control.value = "120"
    assert f.value == 0.8 and "between 0.1% and 99.9%" in f.error


def test_text_field_requires_text():
    f = ui.TextField("Owner", "Ana")
    f.control.value = "   "
    assert f.value == "Ana" and "Owner is required" in f.error


def _frame_with(compute_result: W.HTML, field: ui.NumberField) -> ui.AppFrame:
    return ui.AppFrame("T", inputs=[field], results=[compute_result],
                       summary=lambda: "# Summary\n\nvalue: " + str(field.value))


def test_frame_shows_model_error_beside_the_named_field_and_keeps_result():
    field = ui.NumberField("Target", 0.8, min=0, max=1, name="p_target")
    result = W.HTML("previous good result")
    frame = _frame_with(result, field)

    def bad():
        raise InputError("p_target", "p_target must differ from p_baseline")

    assert frame.run(bad) is False
    assert result.value == "previous good result"
    assert "p_target must differ" in field.message.value
    assert frame.run(lambda: setattr(result, "value", "new")) is True
    # a model message is cleared once the inputs work
    assert "kit-field-error" not in field.message.value


def test_frame_never_shows_a_traceback_for_a_bug():
    field = ui.NumberField("X", 1, min=0, max=2)
    result = W.HTML("kept")
    frame = _frame_with(result, field)
    assert frame.run(lambda: 1 / 0) is False
    assert "Something went wrong" in frame.status.value
    assert "ZeroDivisionError" not in frame.status.value and "Traceback" not in frame.status.value
    assert result.value == "kept"


def test_download_link_carries_the_summary():
    field = ui.NumberField("X", 1, min=0, max=2)
    frame = _frame_with(W.HTML(), field)
    frame.run(lambda: None)
    href = re.search(r'href="data:text/markdown;charset=utf-8;base64,([^"]+)"',
                     frame.download.value)
    assert href and 'download="summary.md"' in frame.download.value
    assert base64.b64decode(href.group(1)).decode() == "# Summary\n\nvalue: 1.0"


def test_choice_field_defaults_to_the_first_value_of_labelled_options():
    f = ui.ChoiceField("Channel", [("Phone calls", "phone"), ("Chat", "chat")])
    assert f.value == "phone"
    f.control.value = "chat"
    assert f.value == "chat"


def test_fields_share_their_layouts_and_styles():
    a = ui.NumberField("Users", 10, min=1, max=100, unit="people", help="Who uses it.")
    b = ui.NumberField("Team", 2, min=0, max=100, unit="FTE", help="Who builds it.")
    assert a.layout is b.layout  # one model in the page, not one per field
    assert a.control.layout is b.control.layout and a.control.style is b.control.style
    assert a.message.layout is b.message.layout and a.message.style is b.message.style
    assert a.children[1].layout is b.children[1].layout  # the units
    # one flat row: control, unit, then the line with the message and the help
    assert a.children == (a.control, a.children[1], a.message)


def test_a_field_makes_its_message_line_only_when_it_has_something_to_say():
    f = ui.NumberField("Users", 10, min=1, max=100)
    assert f.children == (f.control,)  # no help, no error: no model for an empty line
    assert ui.NumberField("Team", 2, min=0, max=9).message.layout.display == "none"  # read only
    f.control.value = "1000"
    assert f.children == (f.control, f.message) and "must be between 1 and 100" in f.message.value
    assert f.message.layout.display != "none"
    f.control.value = "50"
    assert f.value == 50 and "kit-field-error" not in f.message.value
    assert f.message.layout.display == "none"  # an empty line takes no height
    helped = ui.NumberField("Team", 2, min=0, max=9, help="Who builds it.")
    helped.control.value = "x"
    # the message comes first, under the control, and the help stays under it
    assert helped.message.value.index("kit-field-error") < helped.message.value.index("Who")


def test_hiding_a_field_hides_only_that_field():
    a, b = ui.NumberField("Users", 10, min=1, max=100), ui.NumberField("Team", 2, min=0, max=9)
    a.set_visible(False)
    assert a.layout.display == "none" and b.layout.display != "none"
    a.set_visible(True)
    assert a.layout.display != "none" and a.layout is b.layout


def test_a_wide_choice_field_does_not_widen_the_others():
    wide = ui.ChoiceField("Data", ["a", "b"], width="100%", max_width="640px")
    plain = ui.ChoiceField("Team", ["a", "b"])
    assert (wide.control.layout.width, wide.control.layout.max_width) == ("100%", "640px")
    assert (plain.control.layout.width, plain.control.layout.max_width) == ("420px", None)


def test_a_shared_layout_refuses_a_change_that_would_reach_every_field():
    a = ui.NumberField("Users", 10, min=1, max=100)
    b = ui.NumberField("Team", 2, min=0, max=100)
    # Views used to do this to hide a field or widen a dropdown: now it says what to do instead.
    with pytest.raises(AttributeError, match=r"shared by many widgets.*Field\.set_visible"):
        a.layout.display = "none"
    with pytest.raises(AttributeError, match="shared by many widgets"):
        a.control.layout.width = "100%"
    with pytest.raises(AttributeError, match="shared by many widgets"):
        a.control.style.description_width = "10px"
    assert b.layout.display != "none" and b.control.layout.width == "340px"
    assert b.control.style.description_width == "190px"


def test_a_shared_layout_that_was_closed_is_made_again():
    a = ui.NumberField("Users", 10, min=1, max=100)
    a.children[0].layout.close()
    b = ui.NumberField("Team", 2, min=0, max=100)
    assert b.children[0].layout.comm is not None  # a page could not show a closed one
