"""Valid example arguments for every public model function, for the fuzz tests.

One module per tool, ``tests/model_examples/<tool>.py``, defines ``EXAMPLES``: a dict from each
public function of ``widgets/<tool>/model.py`` (the names in its ``__all__``) to valid keyword
arguments. ``tests/test_model_fuzz.py`` fails when a public function has no example, so no
function escapes fuzzing.
"""

from __future__ import annotations

import importlib
import pkgutil

EXAMPLES: dict[str, dict[str, dict]] = {}
for _m in pkgutil.iter_modules(__path__):
    if not _m.name.startswith("_"):
        EXAMPLES[f"widgets.{_m.name}.model"] = importlib.import_module(
            f"{__name__}.{_m.name}").EXAMPLES
