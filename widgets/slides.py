"""Present a lesson as slides: ``python -m widgets.slides 00 [--port N]`` (``make slides L=00``).

Voilà renders the lesson with the kit's ``genai-traps-slides`` template (Voilà's ``reveal``
template, with reveal.js's CSS served by this server instead of a CDN), runs its cells and
serves the slides on 127.0.0.1. Cells carry their ``slideshow`` metadata (the lesson
contract); instructor notes are not shown. Nothing is loaded from the internet.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from widgets import course, serve

TEMPLATE = "genai-traps-slides"
#: Default port; tests ask the OS for a free one instead.
SLIDES_PORT = 8877
#: Voilà settings on top of voila.json (the command line wins over it). Preheating is off: a
#: presenter opens one lesson once, and a preheated kernel would run it before anyone looks.
VOILA_ARGS = (f"--template={TEMPLATE}", "--VoilaConfiguration.preheat_kernel=False")


def find_lesson(key: str) -> Path:
    """The lesson whose file name starts with ``key`` (``"00"``, ``"05-pilots"``, a path).

    Raises
    ------
    SystemExit
        If no lesson or more than one matches; the message lists the lessons.
    """
    lessons = course.lessons()
    name = Path(key).name
    matches = [p for p in lessons if p.name == name or p.stem.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    listing = "\n  ".join(p.stem for p in lessons)
    problem = "matches several lessons" if matches else "matches no lesson"
    raise SystemExit(f"{key!r} {problem}. Say which with its number, "
                     f"e.g. `make slides L=00`. Lessons:\n  {listing}")


def command(lesson: Path, port: int) -> list[str]:
    """The Voilà command that serves ``lesson`` as slides on 127.0.0.1:``port``."""
    return [sys.executable, "-m", "voila", str(lesson), "--no-browser", f"--port={port}",
            f"--Voila.ip={serve.HOST}", "--Voila.port_retries=0", *VOILA_ARGS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m widgets.slides",
                                     description="Serve a lesson as slides on 127.0.0.1.")
    parser.add_argument("lesson", help="the lesson's number, e.g. 00")
    parser.add_argument("--port", type=int, default=SLIDES_PORT)
    args = parser.parse_args(argv)
    lesson = find_lesson(args.lesson)
    port = serve.free_port(args.port)
    if port != args.port:
        print(f"Port {args.port} is in use; using {port}.")
    # voila.json in the course root configures the server (Voilà reads it from the cwd).
    os.chdir(course.root())
    print(f"\nSlides of {lesson.stem}: http://{serve.HOST}:{port}/\n"
          "The first load runs the lesson's cells (a few seconds). Arrow keys move between "
          "slides; Esc shows the overview. Stop with Ctrl-C.\n", flush=True)
    cmd = command(lesson, port)
    os.execve(cmd[0], cmd, serve.server_env())
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
