"""``too_deep`` agrees with the depth of the parsed document, strings and escapes included."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.api.json_body import too_deep

# Strings full of what could fool a bracket counter: brackets, quotes, backslashes, \u escapes.
tricky_text = st.text(alphabet='[]{}"\\/u0aé', max_size=8)
documents = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=25,
)


def depth(node: Any) -> int:
    """Arrays and objects nested, the outermost counting 1."""
    if isinstance(node, list):
        return 1 + max((depth(item) for item in node), default=0)
    if isinstance(node, dict):
        return 1 + max((depth(item) for item in node.values()), default=0)
    return 0


@given(documents, st.integers(min_value=0, max_value=6), st.booleans())
def test_too_deep_is_the_parsed_depth(document: Any, max_depth: int, ascii_only: bool) -> None:
    body = json.dumps(document, ensure_ascii=ascii_only).encode()
    assert too_deep(body, max_depth) == (depth(document) > max_depth)


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"a": "[[[[[[{{{{", "b": ['\\"[[[[', "]]]]"]}).encode()
    assert not too_deep(body, 2)
    assert too_deep(json.dumps([[["[["]]]).encode(), 2)
