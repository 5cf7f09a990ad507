"""Hatch build hook that builds the shared core into a tap's wheel.

Each tap is published alone. Its wheel carries the core as ``<tap package>._core``, with every
``tap_core`` import rewritten to that name, so the wheel needs nothing but the package index,
and two taps installed side by side each keep their own copy (no file owned by both wheels, no
version skew between them). Each tap folder reaches the core through its ``_core`` link: the
sdist stores the linked folder's files as plain files, so a wheel built from an sdist is the same, and an
editable install (development) imports ``tap_core`` itself through ``dev-mode-dirs``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import typing as t
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

CORE_PACKAGE = "tap_core"
#: The tap folder's link to the core (a plain folder inside an unpacked sdist).
LINK = "_core"
_CORE_NAME = re.compile(rf"\b{CORE_PACKAGE}\b")


def vendored(text: str, package: str) -> str:
    """A module's source with the core imported as the tap's private copy."""
    return _CORE_NAME.sub(f"{package}.{LINK}", text)


class VendorCoreHook(BuildHookInterface):  # type: ignore[type-arg]
    """Puts the core, rewritten, inside the tap's (non-editable) wheel."""

    PLUGIN_NAME = "vendor-core"

    def initialize(self, version: str, build_data: dict[str, t.Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        package = self.metadata.name.replace("-", "_")
        core = root / LINK / CORE_PACKAGE
        if not (core / "__init__.py").is_file():
            msg = f"{self.metadata.name}: the shared core is missing at {LINK}/{CORE_PACKAGE}"
            raise FileNotFoundError(msg)
        self._staging = Path(tempfile.mkdtemp(prefix="vendor-core-"))
        sources = [(path, path.relative_to(root)) for path in (root / package).rglob("*.py")]
        sources += [(path, Path(package, LINK, path.relative_to(core))) for path in core.rglob("*.py")]
        for path, target in sources:
            if "__pycache__" in path.parts:
                continue
            staged = self._staging / target
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_text(vendored(path.read_text(encoding="utf-8"), package), encoding="utf-8")
            # A forced file replaces the selected one of the same name in the wheel.
            build_data["force_include"][str(staged)] = target.as_posix()

    def finalize(self, version: str, build_data: dict[str, t.Any], artifact_path: str) -> None:  # noqa: ARG002
        staging = getattr(self, "_staging", None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
