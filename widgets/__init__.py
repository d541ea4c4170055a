"""GenAI Traps workshop kit: tools, data loader and shared parts.

Each tool lives in ``widgets/<tool>/`` with a pure ``model.py``, an ipywidgets ``view.py`` and
``build_app()``. Shared parts: ``data`` (the one loader), ``style`` (the one chart style),
``ui`` (validated inputs and the app frame), ``course`` (the course layout).
"""

__version__ = "0.1.0"
