"""Derive spec/lemlist.json, a compact table of facts, from lemlist's official OpenAPI document.

The project keeps facts derived from the spec, not the spec itself: for every GET route (and the POST
routes that only read, ``READ_BY_POST``) the path parameters, the query parameters with their JSON
types, a POST's body fields with their JSON types, the response envelope (where the records sit) and
the records' field names with their JSON types. No descriptions, summaries or example values are
copied; examples are only read to learn the types they show.

Usage: ``python scripts/derive_lemlist_spec.py [SPEC]``. SPEC defaults to
``../shared/reference/lemlist-openapi.json`` relative to the repository root. The output is written
deterministically (sorted keys, indent 1), and a short report for a person to check goes to stdout.

Field types are the union of what the schema declares ($ref resolved, allOf merged, oneOf/anyOf
united, ``nullable`` adds "null", ``type`` may be a list) and what every example value shows (the 200
response's ``example`` and ``examples{*}.value``, and ``example`` on component schemas). Fields seen
only in examples are kept. Objects whose keys are free (``additionalProperties``) are not walked into:
they are marked ``"free_form": true``. An empty type list means the schema leaves the type open and no
example shows one.

Envelope heuristic, for each variant of the 200 response (each oneOf/anyOf branch of its schema, and
each example that fits none of the branches; non-JSON content is a "scalar" variant, no content "none"):

- an array is a bare list of records: ``{"kind": "list", "path": []}``;
- an object with only free keys is a ``map`` of records when its values are objects, and ``groups``
  of record lists when its values are arrays;
- an object with exactly one array-of-objects property next to paging/meta keys only (``META_KEYS``)
  holds the records: ``{"kind": "list", "path": [key]}``;
- an object whose properties are all arrays of objects (two or more) holds ``groups`` of records;
- an object with exactly one object property next to meta keys only wraps the answer: the heuristic
  goes on inside it (``{success, data: {contact: [...], company: [...]}}`` gives groups at ["data"]);
- any other object is one record: ``{"kind": "object", "path": []}``.

A classification is reported as doubtful when the records sit under a key not in ``RECORD_KEYS``, when
a single record is wrapped under a key not in ``WRAPPER_KEYS``, when an object holding an array of
objects has only a few other keys (it may be a list with meta keys the heuristic does not know), when
the group names or the fields are unknown, or when an example disagrees with the schema's envelope.
``SPECIAL_CASES`` overrides the heuristic for named routes; each entry says why.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / ".." / "shared" / "reference" / "lemlist-openapi.json"
OUTPUT = ROOT / "spec" / "lemlist.json"

META_KEYS = frozenset(
    {
        "count",
        "currentPage",
        "cursor",
        "hasMore",
        "limit",
        "meta",
        "next",
        "nextPage",
        "offset",
        "ok",
        "page",
        "pagination",
        "perPage",
        "previousPage",
        "skip",
        "success",
        "total",
        "totalPages",
        "totalRecords",
    }
)
RECORD_KEYS = frozenset(
    {
        "activities",
        "alerts",
        "campaigns",
        "companies",
        "contacts",
        "conversations",
        "data",
        "drafts",
        "items",
        "leads",
        "messages",
        "records",
        "results",
        "schedules",
        "signals",
        "tasks",
        "watchLists",
    }
)
WRAPPER_KEYS = frozenset({"data", "item", "record", "result"})
# An object holding an array of objects next to at most this many other keys may be a list in disguise.
FEW_SIBLINGS = 2
RECORD_KINDS = frozenset({"list", "object", "groups", "map"})
COMBINERS = ("allOf", "oneOf", "anyOf")
PYTHON_TO_JSON = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


@dataclass
class Shape:
    """What the spec says about one JSON value: declared types, types examples show, and its children."""

    declared: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    properties: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None
    values: Shape | None = None  # the schema of additionalProperties, when it is a schema
    map_keys: set[str] = field(default_factory=set)  # keys examples show in such a map
    free_form: bool = False
    documented: bool = False  # described by a schema, not only by examples

    def types(self) -> set[str]:
        return self.declared | self.seen

    def merge(self, other: Shape) -> Shape:
        """Unite ``other`` into this shape (``other`` is left untouched) and return this shape."""
        self.declared |= other.declared
        self.seen |= other.seen
        self.map_keys |= other.map_keys
        self.free_form |= other.free_form
        self.documented |= other.documented
        for name, child in other.properties.items():
            self.properties[name] = merged(self.properties.get(name), child)
        if other.items is not None:
            self.items = merged(self.items, other.items)
        if other.values is not None:
            self.values = merged(self.values, other.values)
        return self


def merged(mine: Shape | None, other: Shape) -> Shape:
    return copy.deepcopy(other) if mine is None else mine.merge(other)


@dataclass(frozen=True, order=True)
class Envelope:
    kind: str  # list, object, groups, map, scalar or none
    path: tuple[str, ...] = ()
    media_type: str = ""  # for scalar answers only


@dataclass
class Variant:
    envelope: Envelope
    shape: Shape = field(default_factory=Shape)
    doubt: str = ""


@dataclass
class Report:
    doubts: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)
    envelope_conflicts: list[str] = field(default_factory=list)
    type_conflicts: list[str] = field(default_factory=list)
    example_only: list[str] = field(default_factory=list)

    def lines(self) -> Iterator[str]:
        sections = (
            ("envelopes classified with doubt (check by hand)", self.doubts),
            ("special-cased routes", self.special),
            ("examples whose envelope the schema does not describe", self.envelope_conflicts),
            ("schema vs example type disagreements", self.type_conflicts),
            ("fields only in examples (the schema declares other fields)", self.example_only),
        )
        for title, entries in sections:
            yield f"{title}: {len(entries)}"
            yield from (f"  {entry}" for entry in entries)


# Routes where the heuristic is wrong, with the envelope variants to use instead, each with the reason.
# None so far: the doubtful classifications the report lists were checked by hand against the spec and
# are right (GET /campaigns/{campaignId}/statutes is one campaign's status with its statutes, not a
# list). GET /campaigns stays a bare array as the spec says, although the project's notes report v2
# answering {campaigns, pagination}: this table records the spec; readers should accept both.
SPECIAL_CASES: dict[str, tuple[Envelope, ...]] = {}


class Resolver:
    """Follows local ``$ref`` pointers of one OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#/"):
            return {}
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}

    def deref(self, node: dict[str, Any]) -> dict[str, Any]:
        seen: set[str] = set()
        while isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
            seen.add(node["$ref"])
            node = self.resolve(node["$ref"])
        return node


# Shapes from schemas and examples.


def declared_types(schema: dict[str, Any]) -> set[str]:
    kinds = schema.get("type")
    found = {kinds} if isinstance(kinds, str) else set(kinds or ())
    if not kinds and ("properties" in schema or "additionalProperties" in schema):
        found.add("object")
    if not kinds and "items" in schema:
        found.add("array")
    if schema.get("nullable") is True:
        found.add("null")
    return found


def schema_shape(schema: dict[str, Any], resolver: Resolver, trail: frozenset[str] = frozenset()) -> Shape:
    """The shape a schema describes, with the examples it carries applied."""
    shape = Shape(documented=True)
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref in trail:  # a recursive reference: its types, not its children
        shape.declared |= declared_types(resolver.deref(schema))
    elif isinstance(ref, str):
        shape.merge(schema_shape(resolver.resolve(ref), resolver, trail | {ref}))
    shape.declared |= declared_types(schema)
    for key in COMBINERS:
        for branch in schema.get(key, ()):
            shape.merge(schema_shape(branch, resolver, trail))
    for name, sub in schema.get("properties", {}).items():
        shape.properties[name] = merged(shape.properties.get(name), schema_shape(sub, resolver, trail))
    if isinstance(schema.get("items"), dict):
        shape.items = merged(shape.items, schema_shape(schema["items"], resolver, trail))
    extra = schema.get("additionalProperties")
    if extra:
        shape.free_form = True
        if isinstance(extra, dict):
            shape.values = merged(shape.values, schema_shape(extra, resolver, trail))
    for example in schema_examples(schema):
        apply_example(shape, example)
    return shape


def schema_examples(schema: dict[str, Any]) -> list[Any]:
    found = [schema["example"]] if "example" in schema else []
    if isinstance(schema.get("examples"), list):
        found += schema["examples"]
    return found


def apply_example(shape: Shape, value: object) -> None:
    """Record the types ``value`` shows, down to its leaves; free-form maps are not walked into."""
    shape.seen.add(PYTHON_TO_JSON[type(value)])
    if isinstance(value, dict):
        for key, item in value.items():
            if shape.values is not None:
                shape.map_keys.add(key)
                apply_example(shape.values, item)
            elif not shape.free_form:
                apply_example(shape.properties.setdefault(key, Shape()), item)
            elif key in shape.properties:
                apply_example(shape.properties[key], item)
    elif isinstance(value, list) and value:
        shape.items = shape.items or Shape()
        for item in value:
            apply_example(shape.items, item)


def example_shape(value: object) -> Shape:
    shape = Shape()
    apply_example(shape, value)
    return shape


# Envelope classification.


def is_record_list(name: str, shape: Shape) -> bool:
    if "array" not in shape.types():
        return False
    if shape.items is None or not shape.items.types():
        return name in RECORD_KEYS
    return "object" in shape.items.types()


def is_object(shape: Shape) -> bool:
    return "object" in shape.types() and (bool(shape.properties) or shape.values is not None)


def classify(shape: Shape, path: tuple[str, ...] = ()) -> Variant:
    kinds = shape.types() - {"null"}
    if "array" in kinds:
        doubt = "" if shape.items is None or "object" in shape.items.types() else "a list of non-objects"
        return Variant(Envelope("list", path), shape, doubt)
    if "object" in kinds or shape.properties or shape.values is not None:
        return classify_object(shape, path)
    if kinds:
        return Variant(Envelope("scalar", media_type="application/json"), shape, "a JSON scalar")
    return Variant(Envelope("object", path), shape, "no type and no example")


def classify_object(shape: Shape, path: tuple[str, ...]) -> Variant:
    if shape.values is not None and not shape.properties:
        kind = "groups" if "array" in shape.values.types() else "map"
        return Variant(Envelope(kind, path), shape)
    props = shape.properties
    lists = [name for name, child in props.items() if is_record_list(name, child)]
    others = [name for name in props if name not in lists and name not in META_KEYS]
    if len(lists) == 1 and not others:
        doubt = "" if lists[0] in RECORD_KEYS else f"records under unfamiliar key {lists[0]!r}"
        return Variant(Envelope("list", (*path, lists[0])), shape, doubt)
    if len(lists) > 1 and not others:
        return Variant(Envelope("groups", path), shape)
    if not lists and len(others) == 1 and is_object(props[others[0]]):
        inner = classify(props[others[0]], (*path, others[0]))
        if inner.envelope.kind == "object" and others[0] not in WRAPPER_KEYS and not inner.doubt:
            inner.doubt = f"one record wrapped under unfamiliar key {others[0]!r}"
        return Variant(inner.envelope, shape, inner.doubt)
    doubt = ""
    if lists and len(others) <= FEW_SIBLINGS:
        doubt = f"an object holding {', '.join(lists)}[] next to only {', '.join(others) or 'meta keys'}"
    return Variant(Envelope("object", path), shape, doubt)


def fits(value: object, envelope: Envelope) -> bool:
    """Whether an example value has the envelope's structure."""
    for key in envelope.path:
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    if envelope.kind == "list":
        return isinstance(value, list)
    if envelope.kind == "object":
        return isinstance(value, dict)
    if envelope.kind == "groups":
        return isinstance(value, dict) and all(isinstance(item, list) for item in value.values())
    if envelope.kind == "map":
        return isinstance(value, dict) and all(isinstance(item, dict) for item in value.values())
    return False


# Responses.


def is_json(media_type: str) -> bool:
    return media_type.split(";", maxsplit=1)[0].strip().endswith("json")


def schema_variants(schema: dict[str, Any], resolver: Resolver) -> list[Shape]:
    """One shape per top-level oneOf/anyOf branch, each with the keywords around the branches."""
    top = resolver.deref(schema)
    branches = top.get("oneOf") or top.get("anyOf")
    if not branches:
        return [schema_shape(schema, resolver)]
    base = {key: value for key, value in top.items() if key not in ("oneOf", "anyOf")}
    return [schema_shape(base, resolver).merge(schema_shape(branch, resolver)) for branch in branches]


def media_examples(media: dict[str, Any], resolver: Resolver) -> list[Any]:
    found = [media["example"]] if "example" in media else []
    for named in media.get("examples", {}).values():
        example = resolver.deref(named)
        if "value" in example:
            found.append(example["value"])
    return found


def json_variants(route: str, media: dict[str, Any], resolver: Resolver, report: Report) -> list[Variant]:
    schema = media.get("schema")
    variants = [classify(shape) for shape in schema_variants(schema, resolver)] if schema else []
    described = [variant.envelope for variant in variants]
    for example in media_examples(media, resolver):
        target = next((variant for variant in variants if fits(example, variant.envelope)), None)
        if target is not None:
            apply_example(target.shape, example)
            continue
        target = classify(example_shape(example))
        variants.append(target)
        if described:
            schema_side = ", ".join(envelope_text(envelope) for envelope in described)
            report.envelope_conflicts.append(
                f"{route}: example is {envelope_text(target.envelope)}, schema says {schema_side}"
            )
            target.doubt = target.doubt or "an example disagrees with the schema"
    if not variants:
        variants.append(Variant(Envelope("none"), doubt="JSON content without schema or example"))
    return variants


def response_variants(route: str, response: dict[str, Any], resolver: Resolver, report: Report) -> list[Variant]:
    content = response.get("content") or {}
    if not content:
        return [Variant(Envelope("none"))]
    variants: list[Variant] = []
    for media_type, media in sorted(content.items()):
        if is_json(media_type):
            variants += json_variants(route, media, resolver, report)
        else:
            variants.append(Variant(Envelope("scalar", media_type=media_type)))
    return variants


def success_response(operation: dict[str, Any], resolver: Resolver) -> dict[str, Any]:
    responses = operation.get("responses", {})
    codes = sorted(code for code in responses if str(code).startswith("2"))
    if not codes:
        return {}
    return resolver.deref(responses["200"] if "200" in responses else responses[codes[0]])


def apply_special_case(route: str, variants: list[Variant], report: Report) -> list[Variant]:
    envelopes = SPECIAL_CASES.get(route)
    if envelopes is None:
        return variants
    shape = Shape()
    for variant in variants:
        shape.merge(variant.shape)
    report.special.append(f"{route}: {', '.join(envelope_text(envelope) for envelope in envelopes)}")
    return [Variant(envelope, shape) for envelope in envelopes]


# Facts out of envelopes and shapes.


def node_at(shape: Shape, path: Iterable[str]) -> Shape | None:
    node: Shape | None = shape
    for key in path:
        node = node.properties.get(key) if node is not None else None
    return node


def record_shape(shape: Shape, envelope: Envelope) -> Shape:
    """The shape of one record inside a response of this envelope."""
    node = node_at(shape, envelope.path)
    record = Shape()
    if node is None or envelope.kind in ("scalar", "none"):
        return record
    if envelope.kind == "object":
        return record.merge(node)
    if envelope.kind == "list" and node.items is not None:
        record.merge(node.items)
    elif envelope.kind == "map" and node.values is not None:
        record.merge(node.values)
    elif envelope.kind == "groups":
        for group in [*node.properties.values(), *([node.values] if node.values else [])]:
            if group.items is not None:
                record.merge(group.items)
    return record


def group_names(shape: Shape, envelope: Envelope) -> set[str]:
    node = node_at(shape, envelope.path)
    return set() if node is None else set(node.properties) | node.map_keys


def flatten(shape: Shape, name: str, out: dict[str, set[str]]) -> None:
    """Dotted names and types of a value and, for an object, of its keys."""
    out.setdefault(name, set()).update(shape.types())
    for key, child in shape.properties.items():
        flatten(child, f"{name}.{key}", out)


def envelope_fields(shape: Shape, envelope: Envelope) -> dict[str, set[str]]:
    """The envelope's keys other than the path to the records, as dotted names from the response root."""
    out: dict[str, set[str]] = {}
    node: Shape | None = shape
    prefix = ""
    for key in envelope.path:
        if node is None:
            break
        for name, child in node.properties.items():
            if name != key:
                flatten(child, prefix + name, out)
        node = node.properties.get(key)
        prefix += f"{key}."
    return out


def render_shape(shape: Shape) -> dict[str, Any]:
    out: dict[str, Any] = {"type": sorted(shape.types())}
    if shape.free_form:
        out["free_form"] = True
    if shape.properties:
        out["properties"] = {name: render_shape(child) for name, child in shape.properties.items()}
    if shape.items is not None and (shape.items.types() or shape.items.properties):
        out["items"] = render_shape(shape.items)
    return out


def render_envelope(envelope: Envelope, groups: set[str]) -> dict[str, Any]:
    if envelope.kind == "none":
        return {"kind": "none"}
    if envelope.kind == "scalar":
        return {"kind": "scalar", "media_type": envelope.media_type}
    out: dict[str, Any] = {"kind": envelope.kind, "path": list(envelope.path)}
    if envelope.kind == "groups":
        out["groups"] = sorted(groups)
    return out


def envelope_text(envelope: Envelope) -> str:
    return json.dumps(render_envelope(envelope, set()), sort_keys=True)


def walk(shape: Shape, name: str = "") -> Iterator[tuple[str, Shape, Shape | None]]:
    """Every node below ``shape`` with its dotted name, and its parent object when it is a property."""
    for key, child in shape.properties.items():
        dotted = f"{name}.{key}" if name else key
        yield dotted, child, shape
        yield from walk(child, dotted)
    for suffix, inner in (("[]", shape.items), ("{*}", shape.values)):
        if inner is not None:
            yield name + suffix, inner, None
            yield from walk(inner, name + suffix)


def is_undeclared(node: Shape, parent: Shape | None) -> bool:
    """A property only examples show, in an object whose schema declares other properties."""
    if parent is None or node.documented or not parent.documented:
        return False
    return any(sibling.documented for sibling in parent.properties.values())


def check_examples(route: str, shape: Shape, report: Report) -> None:
    """Report where examples contradict the schema: other types, or fields the schema does not declare."""
    nodes = [("(response)", shape, None), *walk(shape)]
    for name, node, _ in nodes:
        surprising = node.seen - node.declared - ({"integer"} if "number" in node.declared else set())
        if node.declared and surprising:
            report.type_conflicts.append(
                f"{route} {name}: schema {sorted(node.declared)} vs example {sorted(node.seen)}"
            )
    undeclared = [name for name, node, parent in nodes if is_undeclared(node, parent)]
    if undeclared:
        report.example_only.append(f"{route}: {', '.join(undeclared)}")


def parameters(path_item: dict[str, Any], operation: dict[str, Any], resolver: Resolver) -> list[dict[str, Any]]:
    """Path-level parameters overridden by the operation's own, by (name, in)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*path_item.get("parameters", ()), *operation.get("parameters", ())]:
        parameter = resolver.deref(raw)
        found[parameter.get("name", ""), parameter.get("in", "")] = parameter
    return list(found.values())


def parameter_types(parameter: dict[str, Any], resolver: Resolver) -> list[str]:
    """Declared types only: a query string is text, and this spec writes even integer examples as strings."""
    schema = parameter.get("schema")
    if schema is None:
        media: dict[str, Any] = next(iter(parameter.get("content", {}).values()), {})
        schema = media.get("schema", {})
    return sorted(schema_shape(schema, resolver).declared)


def describe_route(
    path: str, path_item: dict[str, Any], resolver: Resolver, report: Report, method: str = "get"
) -> dict[str, Any]:
    route = f"{method.upper()} {path}"
    operation = path_item[method]
    query = [p for p in parameters(path_item, operation, resolver) if p.get("in") == "query"]
    facts: dict[str, Any] = {
        "path_params": re.findall(r"\{([^}]+)\}", path),
        "query": {p["name"]: parameter_types(p, resolver) for p in query},
    }
    required = sorted(p["name"] for p in query if p.get("required"))
    if required:
        facts["required_query"] = required
    if method != "get":
        facts.update(describe_body(operation, resolver))
    variants = response_variants(route, success_response(operation, resolver), resolver, report)
    variants = apply_special_case(route, variants, report)
    facts.update(describe_variants(route, variants, report))
    return facts


def describe_body(operation: dict[str, Any], resolver: Resolver) -> dict[str, Any]:
    """A JSON body's top-level fields with their declared types, and the required ones."""
    body = resolver.deref(operation.get("requestBody", {}))
    media = next((m for kind, m in sorted(body.get("content", {}).items()) if is_json(kind)), {})
    schema = resolver.deref(media.get("schema", {}))
    fields = {name: sorted(schema_shape(sub, resolver).declared) for name, sub in schema.get("properties", {}).items()}
    facts: dict[str, Any] = {"body": fields}
    if schema.get("required"):
        facts["required_body"] = sorted(schema["required"])
    return facts


def describe_variants(route: str, variants: list[Variant], report: Report) -> dict[str, Any]:
    by_envelope: dict[Envelope, Shape] = {}
    for variant in variants:
        by_envelope[variant.envelope] = merged(by_envelope.get(variant.envelope), variant.shape)
        if variant.doubt:
            report.doubts.append(f"{route}: {envelope_text(variant.envelope)}: {variant.doubt}")
    records = Shape()
    wrapping: dict[str, set[str]] = {}
    for envelope, shape in by_envelope.items():
        record = record_shape(shape, envelope)
        if envelope.kind in RECORD_KINDS and not record.properties:
            report.doubts.append(f"{route}: {envelope_text(envelope)}: no record fields in schema or examples")
        if envelope.kind == "groups" and not group_names(shape, envelope):
            report.doubts.append(f"{route}: {envelope_text(envelope)}: group names unknown")
        records.merge(record)
        for name, kinds in envelope_fields(shape, envelope).items():
            wrapping.setdefault(name, set()).update(kinds)
        check_examples(route, shape, report)
    return {
        "envelope": [
            render_envelope(envelope, group_names(shape, envelope)) for envelope, shape in sorted(by_envelope.items())
        ],
        "envelope_fields": {name: sorted(kinds) for name, kinds in wrapping.items()},
        "fields": {name: render_shape(child) for name, child in records.properties.items()},
    }


# POST routes that read and change nothing, each with why it is a POST: the table carries them too.
READ_BY_POST: dict[str, str] = {
    "/v2/campaigns/stats/batch": "up to 100 campaigns' stats in one request; the ids travel in the body",
}


def derive(document: dict[str, Any], read_by_post: Iterable[str] = READ_BY_POST) -> tuple[dict[str, Any], Report]:
    resolver = Resolver(document)
    report = Report()
    paths = document.get("paths", {})
    routes = {
        f"GET {path}": describe_route(path, path_item, resolver, report)
        for path, path_item in paths.items()
        if "get" in path_item
    }
    gets = len(routes)
    for path in read_by_post:
        if "post" in paths.get(path, {}):
            routes[f"POST {path}"] = describe_route(path, paths[path], resolver, report, method="post")
    version = document.get("info", {}).get("version", "unknown")
    source = f"lemlist OpenAPI document (info.version {version}), {gets} GET routes, {len(routes) - gets} read by POST"
    return {"source": source, "routes": routes}, report


def stream_schema(fact: dict[str, Any], *, nullable: bool = True) -> dict[str, Any]:
    """A stream's JSON schema for one field of the table: its types (every column nullable,
    since the API leaves fields out), nested objects and array items alike."""
    kinds = [kind for kind in fact.get("type", []) if kind != "null"]
    if "integer" in kinds and "number" in kinds:
        kinds.remove("integer")  # a number column holds both
    schema: dict[str, Any] = {"type": [*kinds, "null"] if nullable else kinds} if kinds else {}
    if "properties" in fact:
        schema["properties"] = {name: stream_schema(sub) for name, sub in sorted(fact["properties"].items())}
    if fact.get("items", {}).get("type"):
        schema["items"] = stream_schema(fact["items"])
    return schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("spec", nargs="?", type=Path, default=DEFAULT_SPEC, help="lemlist's OpenAPI document")
    parser.add_argument(
        "--schema",
        metavar="ROUTE",
        help="print a stream schema for ROUTE (e.g. 'GET /team/credits') from spec/lemlist.json instead",
    )
    args = parser.parse_args(argv)
    if args.schema:
        fields = json.loads(OUTPUT.read_text(encoding="utf-8"))["routes"][args.schema]["fields"]
        properties = {name: stream_schema(fact) for name, fact in sorted(fields.items())}
        print(json.dumps({"type": "object", "properties": properties}, indent=2))
        return 0
    table, report = derive(json.loads(args.spec.read_text(encoding="utf-8")))
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(table, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {table['source']}")
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
