"""Every private SDK member the project relies on (tap_core.sdk) is still there, as relied on."""

from __future__ import annotations

import importlib
import inspect

import pytest
from singer_sdk import RESTStream, Tap

from tap_core.rest import EngagementStream
from tap_core.sdk import PRIVATE_USES
from tap_core.tap import EngagementTap
from tap_lemlist.tap import TapLemlist
from tap_smartlead.tap import TapSmartlead  # noqa: F401 - its stream classes join the subclass walk

OWNERS = {"Stream": (RESTStream, EngagementStream), "Tap": (Tap, EngagementTap)}


def sdk_member(owner: str, name: str) -> object:
    if owner in OWNERS:
        return getattr(OWNERS[owner][0], name)
    return getattr(importlib.import_module(f"singer_sdk.{owner}"), name)


@pytest.mark.parametrize("use", [use for use in PRIVATE_USES if use.parameters is not None], ids=lambda u: u.name)
def test_each_private_method_is_still_there_with_the_parameters_relied_on(use):
    member = sdk_member(use.owner, use.name)
    names = [name for name in inspect.signature(member).parameters if name != "self"]
    assert names[: len(use.parameters)] == list(use.parameters)
    if use.overridden:
        # A class of the project defines it, so the SDK really calls ours.
        assert any(use.name in vars(klass) for klass in project_classes(OWNERS[use.owner][1])), (
            f"{use.name} is listed as overridden but is not"
        )


@pytest.mark.parametrize("use", [use for use in PRIVATE_USES if use.parameters is None], ids=lambda u: u.name)
def test_each_private_attribute_is_still_set(use):
    tap = TapLemlist(config={"api_key": "contract-key"}, parse_env_config=False)
    instance = tap if use.owner == "Tap" else tap.streams["activities"]
    assert hasattr(instance, use.name)


def every_subclass(klass: type) -> list[type]:
    return [klass, *(sub for direct in klass.__subclasses__() for sub in every_subclass(direct))]


def project_classes(ours: type) -> list[type]:
    """The project's classes of one kind: the base, the layers it is made of, and every subclass."""
    layers = [klass for klass in ours.__mro__ if klass.__module__.startswith("tap_core")]
    return list(dict.fromkeys([*layers, *every_subclass(ours)]))


def test_no_private_sdk_method_is_overridden_unlisted():
    listed = {(use.owner, use.name) for use in PRIVATE_USES}
    for owner, (sdk_class, ours) in OWNERS.items():
        for klass in project_classes(ours):
            for name, value in vars(klass).items():
                private = name.startswith("_") and not name.startswith("__")
                if private and callable(value) and callable(getattr(sdk_class, name, None)):
                    assert (owner, name) in listed, f"{klass.__name__}.{name} overrides a private SDK method"


def function_of(member: object) -> object:
    """The function behind a method, property or cached property."""
    for attribute in ("fget", "func", "__func__"):
        inner = getattr(member, attribute, None)
        if inner is not None:
            return inner
    return member


def test_every_sdk_hook_the_taps_override_says_so():
    """``@override`` on each: a hook the SDK renames then fails type checks instead of going quiet."""
    unmarked = []
    for sdk_class, ours in OWNERS.values():
        for klass in project_classes(ours):
            for name, member in vars(klass).items():
                if name.startswith("__") or not hasattr(sdk_class, name):
                    continue
                function = function_of(member)
                if isinstance(function, type):
                    continue  # a setting of the SDK's (parent_stream_type), not a hook
                if callable(function) and not getattr(function, "__override__", False):
                    unmarked.append(f"{klass.__module__}.{klass.__name__}.{name}")
    assert unmarked == []


def test_only_the_core_layers_override_get_records():
    """A vendor stream shapes its requests and rows (``request_records``, ``post_process``), so
    that one sync reads in the core's layers alone: base, date windows, per-parent fan-out."""
    overriding = [
        klass.__qualname__
        for klass in project_classes(EngagementStream)
        if "get_records" in vars(klass) and not klass.__module__.startswith("tap_core")
    ]
    assert overriding == []


def test_only_the_core_builds_child_contexts():
    """A vendor stream says what its children need (``get_child_context``); the core adds the
    parent row's digest that change-driven children compare, so no vendor class can drop it."""
    overriding = [
        klass.__qualname__
        for klass in project_classes(EngagementStream)
        if "generate_child_contexts" in vars(klass) and klass is not EngagementStream
    ]
    assert overriding == []
