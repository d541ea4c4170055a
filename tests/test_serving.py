"""How the apps are served: voila.json, the kit's Voilà template, and the pages' HTML.

The browser tests check what a viewer sees; these check, without a browser, the settings and
the HTML the servers send, so a regression names its cause.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

from tests.voila_page import instructor_note_lines, plain
from widgets import course, serve, ui

VOILA_JSON = course.path("voila.json")
TEMPLATE_DIR = serve.JUPYTER_DATA / "voila" / "templates" / serve.TEMPLATE


@pytest.fixture(scope="module")
def config() -> dict:
    return json.loads(VOILA_JSON.read_text())


def test_voila_json_serves_the_kit_template_without_code_or_tracebacks(config):
    voila = config["VoilaConfiguration"]
    assert voila["template"] == serve.TEMPLATE
    assert voila["strip_sources"] is True
    assert voila["show_tracebacks"] is False
    assert config["Voila"]["ip"] == "127.0.0.1"


def test_the_kit_template_extends_lab_and_ships_in_the_package():
    conf = json.loads((TEMPLATE_DIR / "conf.json").read_text())
    assert conf["base_template"] == "lab"
    assert (TEMPLATE_DIR / "index.html.j2").is_file()
    assert (TEMPLATE_DIR / "page.html").is_file()
    # instructor notes are removed by the template, by the tag widgets.course defines
    assert f"'{course.INSTRUCTOR_TAG}'" in (TEMPLATE_DIR / "index.html.j2").read_text()


def test_the_templates_load_failure_alert_uses_the_kits_error_colour():
    # the page's failure alert and an app's field errors are the same red, set in widgets.ui
    template = (TEMPLATE_DIR / "index.html.j2").read_text()
    colours = set(re.findall(r"#[0-9A-Fa-f]{6}", template.split("kit_load_failure", 1)[1]))
    assert colours == {ui.ERROR_COLOUR}


def test_preheating_and_culling_are_configured(config):
    voila = config["VoilaConfiguration"]
    assert voila["preheat_kernel"] is True and voila["default_pool_size"] >= 1
    cull = config["MappingKernelManager"]
    # an open tab keeps its kernel (cull_connected false); a closed one is culled when idle
    assert cull["cull_idle_timeout"] > 0 and cull["cull_interval"] > 0
    assert cull["cull_connected"] is False


def test_a_busy_server_waits_for_a_cells_output(config):
    # With nbclient's 4-second default, 8 of 30 pages opened at once (bench_concurrency.py)
    # rendered their app cell with no output: it arrived after Voilà had stopped waiting.
    assert config["VoilaExecutor"]["iopub_timeout"] >= 30


def test_the_lab_servers_voila_pages_wait_as_long_as_make_apps(config):
    command = serve.lab_command(serve.free_port(), "token")
    timeout = config["VoilaExecutor"]["iopub_timeout"]
    assert f"--VoilaExecutor.iopub_timeout={timeout}" in command


def test_the_page_loads_only_the_widget_extensions(config):
    # Every lab extension in the environment is otherwise loaded into each page; nbgrader's
    # fails there and logs errors in the browser console.
    allow = config["VoilaConfiguration"]["extension_allowlist"]
    assert "@voila-dashboards/widgets-manager8" in allow
    assert not any("nbgrader" in name for name in allow)


def test_documented_pool_size_matches_voila_json(config):
    doc = course.path(course.DOCS, "serving.md").read_text()
    size = config["VoilaConfiguration"]["default_pool_size"]
    assert f'"default_pool_size": {size}' in doc


def test_server_env_puts_the_kit_data_folder_first_once():
    other = os.pathsep.join(["/opt/a", str(serve.JUPYTER_DATA), "/opt/b"])
    env = serve.server_env({"JUPYTER_PATH": other, "HOME": "/h"})
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(serve.JUPYTER_DATA), "/opt/a", "/opt/b"]
    assert env["HOME"] == "/h"
    assert serve.server_env({})["JUPYTER_PATH"] == str(serve.JUPYTER_DATA)


@pytest.mark.parametrize("what", ["apps", "lab"])
def test_make_targets_start_servers_that_find_the_template(what, monkeypatch):
    seen = {}

    def fake_execve(path, argv, env):
        seen.update(path=path, argv=argv, env=env)
        raise SystemExit(0)

    monkeypatch.setattr(serve.os, "execve", fake_execve)
    monkeypatch.chdir(course.root())  # main() changes folder; monkeypatch restores it
    with pytest.raises(SystemExit):
        serve.main([what, "--port", str(serve.free_port())])
    assert seen["env"]["JUPYTER_PATH"].split(os.pathsep)[0] == str(serve.JUPYTER_DATA)
    assert f"--{'Voila' if what == 'apps' else 'ServerApp'}.ip=127.0.0.1" in seen["argv"]


# ------------------------------------------------------------------ the HTML servers send
class _Refs(HTMLParser):
    """Collects every URL a page would fetch by itself (src, href of link, srcset)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def _external(html: str) -> list[str]:
    refs = _Refs()
    refs.feed(html)
    # ES module imports and CSS @import/url() would also fetch: catch absolute URLs there too
    inline = re.findall(r"""(?:import\(|@import\s+|url\()\s*["']?(https?://[^"')\s]+)""", html)
    return [u for u in [*refs.urls, *inline]
            if urlparse(u).scheme in ("http", "https")
            and urlparse(u).hostname not in ("127.0.0.1", "localhost", "::1")]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read().decode("utf-8")


def test_external_reference_finder_catches_cdn_links():
    page = ('<link rel="stylesheet" href="https://cdn.jsdelivr.net/x.css">'
            '<script src="/voila/static/voila.js"></script>'
            '<script type="module">await import("https://cdnjs.cloudflare.com/m.mjs")</script>')
    assert _external(page) == ["https://cdn.jsdelivr.net/x.css",
                               "https://cdnjs.cloudflare.com/m.mjs"]


@pytest.mark.parametrize("app", [p.name for p in course.app_notebooks()])
def test_app_pages_reference_nothing_off_the_server(app, voila_apps):
    assert _external(_get(voila_apps.url(app))) == []


def test_app_index_page_references_nothing_off_the_server(voila_apps):
    html = _get(voila_apps.base + "/")
    assert _external(html) == []
    for app in course.app_notebooks():
        assert app.name in html


def _page_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize("lesson", [p.name for p in course.lessons()])
def test_lessons_in_voila_drop_instructor_notes(lesson, voila_course):
    html = _get(voila_course.url(f"{course.LESSONS}/{lesson}"))
    assert _external(html) == []
    text = _page_text(html)
    path = course.path(course.LESSONS, lesson)
    # the same comparison finds ordinary prose, so it would find a note that slipped through
    last = json.loads(path.read_text())["cells"][-1]
    assert plain("".join(last["source"]).splitlines()[-1]) in text
    notes = instructor_note_lines(path, course.INSTRUCTOR_TAG)
    assert notes, f"{lesson} has no instructor note to check"
    for line in notes:
        assert line not in text, f"instructor note served to viewers: {line!r}"


def test_apps_on_loopback_need_no_token_and_any_other_address_must_have_one():
    assert not any("token" in a for a in serve.apps_command(8866))
    with pytest.raises(ValueError, match="needs a token"):
        serve.apps_command(8866, host="0.0.0.0")
    cmd = serve.apps_command(8866, host="192.168.1.20", token="s3cret")
    assert "--Voila.ip=192.168.1.20" in cmd and "--Voila.token=s3cret" in cmd


def test_make_apps_on_a_network_address_generates_a_token(monkeypatch, capsys):
    seen = {}

    def fake_execve(path, argv, env):
        seen["argv"] = argv
        raise SystemExit(0)

    monkeypatch.setattr(serve.os, "execve", fake_execve)
    monkeypatch.setattr(serve, "free_port", lambda port, host: port)  # no real bind
    monkeypatch.delenv("VOILA_TOKEN", raising=False)
    monkeypatch.chdir(course.root())
    with pytest.raises(SystemExit):
        serve.main(["apps", "--host", "192.168.1.20", "--port", "9123"])
    token = next(a for a in seen["argv"] if a.startswith("--Voila.token=")).split("=", 1)[1]
    assert len(token) >= 20
    assert f"http://192.168.1.20:9123/voila/render/gallery.ipynb?token={token}" in (
        capsys.readouterr().out)


@pytest.mark.parametrize("app", course.app_notebooks(), ids=lambda p: p.stem)
def test_every_app_has_a_committed_screenshot_shown_in_the_readme(app):
    image = course.path(course.DOCS, "img", f"{app.stem}.png")
    assert image.is_file(), f"run `make screenshots` to add {image.name}"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"(docs/img/{app.stem}.png)" in course.path("README.md").read_text(), (
        f"show docs/img/{app.stem}.png in the README's apps table")


def test_error_page_references_nothing_off_the_server(voila_apps):
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(voila_apps.url("no-such-app.ipynb"))
    assert err.value.code == 404
    assert _external(err.value.read().decode("utf-8")) == []


def test_gallery_links_every_app(voila_apps):
    html = _get(voila_apps.url("gallery.ipynb"))
    for app in course.app_notebooks():
        if app.name != "gallery.ipynb":
            assert f'href="{app.name}"' in html, f"the gallery does not link {app.name}"


class _PoolEntry:  # a finished pool entry, as Voilà keeps them
    def __init__(self, kernel_id):
        self.kernel_id = kernel_id

    def done(self):
        return True

    def cancelled(self):
        return False

    def exception(self):
        return None

    def result(self):
        return {"kernel_id": self.kernel_id}


def _pool_manager(**config):
    from datetime import timedelta
    from types import SimpleNamespace

    from jupyter_server._tz import utcnow

    from widgets.voila_pool import PreheatSafeKernelManager

    km = PreheatSafeKernelManager(cull_idle_timeout=10, **config)
    long_ago = utcnow() - timedelta(hours=1)
    km._kernels = {k: SimpleNamespace(last_activity=long_ago) for k in ("a", "b", "c")}
    km._kernel_connections = {"a": 0, "b": 0, "c": 0}
    km._pools = {"app.ipynb": [_PoolEntry("a")], "other.ipynb": [_PoolEntry("b")]}
    return km, long_ago


def test_a_kernel_taken_from_the_pool_starts_its_idle_clock_then():
    from datetime import timedelta

    from jupyter_server._tz import utcnow

    km, long_ago = _pool_manager()
    assert km.note_handoffs() == {"c"}  # "c" serves a page already; "a" and "b" wait
    assert km._kernels["a"].last_activity == long_ago  # waiting: Voilà protects it

    km._pools["app.ipynb"].pop(0)  # a viewer takes "a"
    assert km.note_handoffs() == {"a"}
    assert utcnow() - km._kernels["a"].last_activity < timedelta(seconds=5)
    assert km._kernels["b"].last_activity == long_ago
    assert km.note_handoffs() == set()  # only once


def test_a_handed_out_kernel_waits_for_its_page_then_follows_the_usual_rule():
    from datetime import timedelta

    km, _ = _pool_manager(handoff_grace=60)
    km._pools["app.ipynb"].pop(0)
    km.note_handoffs()
    assert km.awaiting_viewer("a")
    assert not km.awaiting_viewer("b")  # still in the pool: Voilà's own guard applies

    km._handed_out["a"] -= timedelta(seconds=59)  # slow page, still within the grace
    assert km.awaiting_viewer("a")
    km._handed_out["a"] -= timedelta(seconds=2)  # the page never came
    assert not km.awaiting_viewer("a")

    assert km.awaiting_viewer("c")
    km.notify_connect("c")  # its page connected ...
    km.notify_disconnect("c")  # ... and the tab closed, before the next check
    assert not km.awaiting_viewer("c")  # culled by the usual rule
    assert km._kernel_connections["c"] == 0


def test_the_grace_is_never_shorter_than_the_cull_timeout():
    from datetime import timedelta

    km, _ = _pool_manager(handoff_grace=1)
    km._pools["app.ipynb"].pop(0)
    km.note_handoffs()
    km._handed_out["a"] -= timedelta(seconds=9)
    assert km.awaiting_viewer("a")  # cull_idle_timeout is 10 s


def test_a_kernel_seen_while_starting_for_the_pool_is_handed_out_only_when_taken():
    km, _ = _pool_manager()
    del km._pools["other.ipynb"]  # "b" is starting: not yet a finished pool entry
    assert "b" in km.note_handoffs()
    km._pools["other.ipynb"] = [_PoolEntry("b")]  # ready and waiting now
    km.note_handoffs()
    assert "b" not in km._handed_out
    km._pools["other.ipynb"].pop(0)
    assert km.note_handoffs() == {"b"}


def test_a_kernel_handed_out_while_the_culler_is_running_is_not_culled(monkeypatch):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    km, _ = _pool_manager(handoff_grace=60)
    culled = []

    async def usual_rule(self, kernel_id):  # "a" sat idle in the pool for an hour
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", usual_rule)

    async def cull_round():
        km.note_handoffs()  # as cull_kernels does, before it goes through the kernels
        km._pools["app.ipynb"].pop(0)  # Voilà hands "a" to a viewer meanwhile
        await km.cull_kernel_if_idle("a")  # then the culler reaches "a"

    with ThreadPoolExecutor(1) as thread:  # a Playwright test may have left a loop running here
        thread.submit(asyncio.run, cull_round()).result()
    assert culled == []  # it waits for its viewer's page instead
    assert km.awaiting_viewer("a")


def test_voila_json_uses_the_preheat_safe_kernel_manager(config):
    assert (config["VoilaConfiguration"]["multi_kernel_manager_class"]
            == "widgets.voila_pool.PreheatSafeKernelManager")
