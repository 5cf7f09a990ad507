"""A tap's stream classes, found in its streams package: a new stream is its class and its schema."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing as t

from tap_core.rest import EngagementStream

if t.TYPE_CHECKING:
    from types import ModuleType


def stream_types_in(package: ModuleType) -> tuple[type[EngagementStream], ...]:
    """Every stream class with a ``name`` of its own defined in the package's modules, by module
    name, then in the order the module defines them; base classes (no ``name``) are left out."""
    found: list[type[EngagementStream]] = []
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        found.extend(
            klass
            for klass in vars(module).values()
            if inspect.isclass(klass)
            and klass.__module__ == module.__name__
            and issubclass(klass, EngagementStream)
            and "name" in vars(klass)
        )
    return tuple(found)
