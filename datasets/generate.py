"""Regenerate the synthetic datasets and the generated tables of their datasheets.

Usage (``make datasets`` runs the first)::

    python datasets/generate.py             rewrite the synthetic CSVs and README.md tables here
    python datasets/generate.py --out DIR   write them into DIR instead
    python datasets/generate.py --check     change nothing; exit 1 if a committed file differs
                                            from a fresh run

Every run gives the same bytes: fixed seeds, fixed number formats, ``\\n`` line endings.
This folder is deliberately not a Python package (``datasets`` is the name of the Hugging Face
library), so run this file as a script.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import datasheets
import gen_genai_projects
import gen_report_automation
import gen_support_pilot
from gen_common import to_csv

from widgets import data
from widgets.readiness import fitted

HERE = Path(__file__).resolve().parent
README = "README.md"
GENERATORS = (gen_genai_projects, gen_support_pilot, gen_report_automation)


def generate(out: Path) -> list[Path]:
    """Write the synthetic CSVs and README.md into ``out``; return the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written, frames, models = [], {}, {}
    for gen in GENERATORS:
        df = gen.build()
        path = out / f"{gen.NAME}.csv"
        path.write_bytes(to_csv(df, gen.NAME, gen.FLOAT_FORMATS).encode("utf-8"))
        written.append(path)
        # The datasheet reports what the file holds, read back through the one loader.
        frames[gen.NAME] = data.read_file(gen.NAME, path)
        models[gen.NAME] = gen.model_markdown(df)

    # The readiness app predicts from this stored fit instead of loading statsmodels to refit.
    written.append(fitted.store(out / "genai_projects.csv", frames["genai_projects"]))

    for name in data.names():
        if name not in frames:
            frames[name] = data.read_file(name, HERE / f"{name}.csv")

    def render(kind: str, name: str) -> str:
        if kind == "index":
            return datasheets.index_table({n: len(f) for n, f in frames.items()})
        if kind == "columns":
            return datasheets.columns_table(name)
        if kind == "targets":
            return datasheets.targets_table(name, frames[name])
        if kind == "model":
            return models[name]
        raise ValueError(f"README block of unknown kind {kind!r} "
                         "(index, columns, targets, model).")

    readme = (HERE / README).read_text(encoding="utf-8")
    path = out / README
    path.write_bytes(datasheets.fill(readme, render).encode("utf-8"))
    written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python datasets/generate.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh run with the committed files; change nothing")
    args = parser.parse_args(argv)
    if not args.check:
        for path in generate(args.out):
            print(f"wrote {path}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stale = [p.name for p in generate(Path(tmp))
                 if not (HERE / p.name).is_file()
                 or (HERE / p.name).read_bytes() != p.read_bytes()]
    for name in stale:
        print(f"datasets/{name} differs from a fresh run: run `make datasets` and commit it.")
    if not stale:
        print("The committed synthetic datasets and datasheet tables match a fresh run.")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
