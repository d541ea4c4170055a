"""``python -m widgets.check`` reports problems with their fix, and passes on a good install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from widgets import course, data


def _check(env_root=None, *args):
    env = dict(os.environ)
    if env_root:
        env[course.ROOT_ENV] = str(env_root)
    return subprocess.run([sys.executable, "-m", "widgets.check", "--no-kernel", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_missing_dataset_is_reported_with_its_fix(tmp_path):
    (tmp_path / "datasets").mkdir()
    shutil.copy(course.path("datasets", "llm_prices.csv"), tmp_path / "datasets")
    done = _check(tmp_path)
    assert done.returncode == 1
    assert "✓ Dataset llm_prices" in done.stdout
    assert "✗ Dataset support_pilot" in done.stdout
    assert "fix: Run `make datasets`." in done.stdout


def test_damaged_dataset_is_reported(tmp_path):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "llm_prices.csv").write_text("provider,model\nx,y\n")
    done = _check(tmp_path)
    assert done.returncode == 1
    assert "✗ Dataset llm_prices" in done.stdout and "header does not match" in done.stdout


def test_kernel_check_finds_the_kit():
    from widgets.check import check_kernel

    result = check_kernel()
    assert result.ok, result.detail


def test_check_passes_on_the_real_repository():
    done = _check()
    assert done.returncode == 0, done.stdout + done.stderr
    for name in data.names():
        assert f"✓ Dataset {name}" in done.stdout
    assert "All checks passed." in done.stdout
