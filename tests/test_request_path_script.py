"""``scripts.request_path``'s bodies: what it sends is what it means to send.

The script's timed table runs under ``make bench``, not in the unit suite.
"""

from __future__ import annotations

import json

from scripts import request_path


def test_the_largest_bodies_stay_under_the_body_limit() -> None:
    (convs, many_keys, one_layer) = request_path.largest_bodies(1 << 20)
    assert json.loads(convs[1])["layers"] == [json.loads(convs[1])["layers"][0]] * 4096
    for _, body, status in (convs, many_keys, one_layer):
        assert len(body) <= 1 << 20
        assert status == 422
    for _, body, _ in (many_keys, one_layer):
        assert len(body) > (1 << 20) * 0.9
