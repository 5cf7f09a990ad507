"""Each tap installs on its own, as Meltano's pip_url does it: ``pip install ./tap-lemlist``."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("tap", ["tap-lemlist", "tap-smartlead"])
def test_tap_installs_alone_with_pip(tmp_path, tap):
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT / tap)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    about = subprocess.run(
        [tmp_path / "venv" / "bin" / tap, "--about", "--format", "json"], capture_output=True, text=True, check=True
    )
    assert json.loads(about.stdout)["name"] == tap
    # The shared package came along as a dependency, not from this checkout's sys.path...
    located = subprocess.run(
        [python, "-c", "import tap_core; print(tap_core.__file__)"], capture_output=True, text=True, check=True
    )
    installed = Path(located.stdout.strip()).parent
    assert str(tmp_path) in str(installed)
    assert sys.prefix not in str(installed)
    # ...and it is this checkout's code, not a wheel cached from an older one.
    source = ROOT / "core" / "tap_core"
    assert {p.name: p.read_bytes() for p in installed.glob("*.py")} == {
        p.name: p.read_bytes() for p in source.glob("*.py")
    }
