"""The taps install by name: sdists and wheels built from this checkout install in a clean venv with
every dependency from the package index, run, and sync; and ``pip install ./tap-lemlist`` works alone."""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from tap_lemlist.tap import TapLemlist
from tap_smartlead.tap import TapSmartlead
from tests.conftest import lemlist_config, smartlead_config
from tests.taprun import opt_in_streams

ROOT = Path(__file__).resolve().parent.parent
TAPS = ("tap-lemlist", "tap-smartlead")
UV = Path(sys.executable).parent / "uv"


def vendored_core(package: str) -> dict[str, str]:
    """What a tap's wheel must carry as its private copy of the shared core."""
    core = ROOT / "core" / "tap_core"
    return {
        path.name: re.sub(r"\btap_core\b", f"{package}._core", path.read_text(encoding="utf-8"))
        for path in core.glob("*.py")
    }


def make_venv(folder: Path) -> Path:
    venv.create(folder, with_pip=True)
    return folder / "bin"


def pip_install(bin_dir: Path, *requirements: str | Path, cwd: Path) -> None:
    install = subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *map(str, requirements)],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    assert install.returncode == 0, install.stderr[-2000:]


def installed_files(bin_dir: Path, package: str, cwd: Path) -> tuple[Path, dict[str, str]]:
    """Where ``package`` was imported from, and its ``_core`` modules' sources."""
    located = subprocess.run(
        [bin_dir / "python", "-c", f"import {package}._core as c, {package} as p; print(p.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    folder = Path(located.stdout.strip()).parent
    return folder, {path.name: path.read_text(encoding="utf-8") for path in (folder / "_core").glob("*.py")}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each tap's sdist, and its wheel built from that sdist (as a package index's user would)."""
    out = tmp_path_factory.mktemp("dist")
    for tap in TAPS:
        built = subprocess.run(
            [UV, "build", "--quiet", "--out-dir", str(out), str(ROOT / tap)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert built.returncode == 0, built.stderr[-2000:]
    return out


def test_sdists_are_whole_and_carry_the_core(dist):
    for tap in TAPS:
        package = tap.replace("-", "_")
        (sdist,) = dist.glob(f"{package}-*.tar.gz")
        with tarfile.open(sdist) as archive:
            members = {m.name.split("/", 1)[1]: m for m in archive.getmembers() if "/" in m.name}
        assert all(m.isfile() or m.isdir() for m in members.values()), "an sdist must hold no links"
        assert {"LICENSE", "README.md", "pyproject.toml", "_core/build_hook.py", "_core/tap_core/__init__.py"} <= set(
            members
        )
        assert f"{package}/streams/__init__.py" in members


def test_wheels_declare_their_metadata_and_no_local_paths(dist):
    for tap in TAPS:
        package = tap.replace("-", "_")
        (wheel,) = dist.glob(f"{package}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = set(archive.namelist())
            (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
            metadata = archive.read(metadata_name).decode()
        requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
        assert requires, metadata
        assert not [line for line in requires if "@" in line or "file:" in line], requires
        assert "License-Expression: Apache-2.0" in metadata
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
        assert "Project-URL: Repository," in metadata
        assert "Classifier: Programming Language :: Python :: 3.10" in metadata
        # The core travels inside, under the tap's own name: two taps never own the same file.
        assert f"{package}/_core/__init__.py" in names
        assert not [n for n in names if n.startswith("tap_core/")]


def test_built_wheels_install_side_by_side_from_the_index_and_sync(dist, tmp_path, lemlist_account, smartlead_account):
    bin_dir = make_venv(tmp_path / "venv")
    pip_install(bin_dir, *sorted(dist.glob("*.whl")), cwd=tmp_path)
    for tap in TAPS:
        package = tap.replace("-", "_")
        folder, core = installed_files(bin_dir, package, tmp_path)
        assert folder.is_relative_to(tmp_path / "venv"), folder
        assert core == vendored_core(package)
        about = subprocess.run(
            [bin_dir / tap, "--about", "--format", "json"], capture_output=True, text=True, check=True, cwd=tmp_path
        )
        assert json.loads(about.stdout)["name"] == tap
    # No module called tap_core exists there: nothing came from this checkout.
    probe = subprocess.run(
        [bin_dir / "python", "-c", "import tap_core"], capture_output=True, cwd=tmp_path, check=False
    )
    assert probe.returncode != 0
    for tap, tap_class, account, config in (
        ("tap-lemlist", TapLemlist, (a := lemlist_account()), lemlist_config(a)),
        ("tap-smartlead", TapSmartlead, (s := smartlead_account()), smartlead_config(s, start_date="2024-01-01")),
    ):
        (tmp_path / f"{tap}.json").write_text(json.dumps(config))
        run = subprocess.run(
            [bin_dir / tap, "--config", str(tmp_path / f"{tap}.json")],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
            timeout=240,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        # Rows by primary key (Smartlead reads a lead with events in two date windows twice).
        keys = {stream.name: stream.primary_keys or () for stream in tap_class.stream_types}
        distinct = collections.defaultdict(set)
        for message in map(json.loads, run.stdout.splitlines()):
            if message["type"] == "RECORD":
                distinct[message["stream"]].add(tuple(message["record"][k] for k in keys[message["stream"]]))
        # What a run without a catalog selects: every stream but the opt-in ones.
        opt_in = opt_in_streams(tap)
        assert {stream: len(rows) for stream, rows in distinct.items()} == {
            name: count for name, count in account.expected.items() if name not in opt_in
        }


def test_a_tap_folder_installs_alone_with_pip(tmp_path):
    """As a Meltano ``pip_url`` pointing at the checkout does it, without the development venv."""
    bin_dir = make_venv(tmp_path / "venv")
    pip_install(bin_dir, ROOT / "tap-lemlist", cwd=tmp_path)
    folder, core = installed_files(bin_dir, "tap_lemlist", tmp_path)
    assert folder.is_relative_to(tmp_path / "venv"), folder
    # This checkout's code, not a wheel cached from an older one.
    assert core == vendored_core("tap_lemlist")
