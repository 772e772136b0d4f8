"""The catalogues: every code in English and in French, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from app.core.grading import grading_note, mistake_note
from app.core.layers.base import REGISTRY, Mistake
from app.core.messages import CATALOGUES, Msg, placeholders, render, schema_message, schema_msg

APP = Path(__file__).resolve().parents[2] / "app"

CODE_LITERAL = re.compile(r'\b(?:msg|Msg|say)\(\s*"([a-z_.0-9]+)"|code\s*=\s*"([a-z_.0-9]+)"')
"""A message code written out in the source: ``msg("code", …)``, ``Msg("code")``, ``say(…)``."""


def test_both_catalogues_hold_the_same_codes() -> None:
    assert set(CATALOGUES["en"]) == set(CATALOGUES["fr"])


@pytest.mark.parametrize("code", sorted(CATALOGUES["en"]))
def test_a_code_has_the_same_placeholders_in_both_languages(code: str) -> None:
    english, french = CATALOGUES["en"][code], CATALOGUES["fr"][code]
    assert english.strip()
    assert french.strip()
    assert placeholders(english) == placeholders(french)


def test_every_code_written_in_the_source_has_its_templates() -> None:
    used: set[str] = set()
    for path in APP.rglob("*.py"):
        if path.parent.name == "messages":
            continue
        for match in CODE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            used.add(match.group(1) or match.group(2))
    assert len(used) > 150
    assert used - set(CATALOGUES["en"]) == set()


def test_no_module_translates_english_text() -> None:
    for name in ("explain.py", "notation.py"):
        source = (APP / "core" / name).read_text(encoding="utf-8")
        for gone in ("NOTATION_FR", "ERRORS_FR", "WARNINGS_FR", "translate_"):
            assert gone not in source, (name, gone)


def test_nested_messages_and_lists_are_rendered_in_the_same_language() -> None:
    message = Msg("notation_expected", {"what": Msg("word_name"), "found": "')'"})
    assert render(message) == "expected a name, found ')'"
    assert render(message, "fr") == "on attendait un nom à la place de ')'"
    assert render(message, "fr-CA") == render(message, "fr")


class Sample(BaseModel):
    """A model whose errors cover the pydantic types the API can produce."""

    model_config = ConfigDict(extra="forbid")

    count: Annotated[int, Strict(), Field(ge=1, le=9)]
    number: Annotated[float, Field(allow_inf_nan=False)] = 0.0
    word: Literal["same", "valid"] = "same"
    items: list[int] = Field(default_factory=list, max_length=2, min_length=0)
    text: str = Field("", max_length=3)
    flag: Annotated[bool, Strict()] = False
    needed: list[int] = Field(default_factory=lambda: [1], min_length=1)


BAD: dict[str, dict[str, Any]] = {
    "int_type": {"count": "3"},
    "greater_than_equal": {"count": 0},
    "less_than_equal": {"count": 10},
    "missing": {},
    "extra_forbidden": {"count": 1, "other": 1},
    "literal_error": {"count": 1, "word": "full"},
    "too_long": {"count": 1, "items": [1, 2, 3]},
    "too_short": {"count": 1, "needed": []},
    "string_too_long": {"count": 1, "text": "abcd"},
    "string_type": {"count": 1, "text": 3},
    "bool_type": {"count": 1, "flag": "yes"},
    "list_type": {"count": 1, "items": 3},
    "float_parsing": {"count": 1, "number": "x"},
    "finite_number": {"count": 1, "number": float("inf")},
    "model_type": [],  # type: ignore[dict-item]
}


@pytest.mark.parametrize(("kind", "data"), BAD.items(), ids=list(BAD))
def test_pydantic_errors_read_as_pydantic_in_english_and_in_french(kind: str, data: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    (error,) = [e for e in caught.value.errors() if e["type"] == kind]
    message = schema_msg(error)
    assert message is not None
    assert render(message, "en") == error["msg"]
    assert schema_message(error, "en") == error["msg"]
    french = schema_message(error, "fr")
    assert french != error["msg"]
    assert not re.search(r"\b(Input|should|Field|required)\b", french), french


def test_an_unknown_pydantic_type_still_reads_in_french() -> None:
    error = {"type": "uuid_parsing", "msg": "Input should be a valid UUID", "loc": ("x",)}
    assert schema_message(error, "en") == "Input should be a valid UUID"
    assert schema_message(error, "fr") == "valeur refusée (uuid_parsing)"


@pytest.mark.parametrize("mistake", list(Mistake), ids=[m.value for m in Mistake])
def test_every_mistake_has_its_note_in_both_languages(mistake: Mistake) -> None:
    note = mistake_note(mistake)
    assert note.code in CATALOGUES["en"]
    assert note.code in CATALOGUES["fr"]
    # A branching mistake's note takes its numbers: any value shows the wording.
    values = dict.fromkeys(placeholders(CATALOGUES["en"][note.code]), "7")
    english = render(mistake_note(mistake, **values), "en")
    french = render(mistake_note(mistake, **values), "fr")
    assert english.strip()
    assert french.strip()
    assert english != french


def test_every_grading_note_a_kind_names_is_in_both_catalogues() -> None:
    keys = {"no_weight", "no_bias", "rf_axes"}
    for kind in REGISTRY:
        keys |= {k for k in (kind.course_weight_note, kind.weight_order_note) if k is not None}
    assert {"linear_order", "transposed_order"} <= keys
    for key in keys:
        code = grading_note(key).code
        values = dict.fromkeys(placeholders(CATALOGUES["en"][code]), "10 × 20")
        assert render(grading_note(key, **values), "en") != render(
            grading_note(key, **values), "fr"
        )


def test_grading_notes_come_from_the_catalogues() -> None:
    source = (APP / "core" / "grading.py").read_text(encoding="utf-8")
    for gone in ("MISTAKES", "NOTES", "_say(", "BranchMistake"):
        assert gone not in source, gone
    assert render(mistake_note(Mistake.FORGOT_BIAS), "fr") == (
        "Le biais est oublié : chaque filtre (ou sortie) a aussi un biais."
    )
