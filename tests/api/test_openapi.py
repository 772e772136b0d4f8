"""The committed schema is the app's schema (`make openapi` rewrites it)."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.layers import BLOCKS, REGISTRY
from scripts.write_openapi import TARGET, render


def test_committed_openapi_matches_the_app() -> None:
    assert TARGET.exists(), "run `make openapi`"
    committed = json.loads(Path(TARGET).read_text(encoding="utf-8"))
    assert committed == json.loads(render()), "the schema drifted: run `make openapi`"


def test_analyze_documents_its_body_and_problems() -> None:
    schema = json.loads(render())
    op = schema["paths"]["/v1/analyze"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AnalyzeRequest"}
    assert "AnalyzeRequest" in schema["components"]["schemas"]
    assert {"200", "413", "415", "422"} <= set(op["responses"])


def test_every_tag_of_every_kind_is_a_valid_layer_type_in_the_schema() -> None:
    """Each kind lists all its tags, and no discriminator mapping ties a tag to one spelling.

    With a mapping, the long fuzz took ``{"type": "batchnorm"}`` for a request that violates
    the schema (the mapping entry it had picked said ``batchnorm1d``) while it is valid.
    """
    schema = json.loads(render())
    components = schema["components"]["schemas"]
    layers = components["AnalyzeRequest"]["properties"]["layers"]
    (as_list,) = [member for member in layers["anyOf"] if member.get("type") == "array"]
    items = as_list["items"]
    assert "discriminator" not in items
    listed: dict[str, set[str]] = {}
    for member in items["oneOf"]:
        name = member["$ref"].rsplit("/", 1)[-1]
        tag = components[name]["properties"]["type"]
        # A block is read and answered by different schemas (``Sequential-Input``).
        listed[name.removesuffix("-Input")] = set(tag["enum"]) if "enum" in tag else {tag["const"]}
    kinds = (*REGISTRY, *BLOCKS)  # the layer kinds and the blocks that expand to them
    assert listed == {kind.__name__: set(kind.tags) for kind in kinds}
