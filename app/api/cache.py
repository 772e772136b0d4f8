"""A bounded LRU of answers to ``POST /v1/analyze``, keyed by the exact request body.

An analysis is a pure function of the request body and the app's settings (which are fixed
for an app), so the same bytes always get the same answer. Pages, notebooks and classes send
the same few stacks again and again; for those the worker skips validation, analysis and
serialisation and answers with the bytes it sent last time. Only 200 answers without a
torch check (``"verify": false``) are kept. The cache lives in one worker's memory and is
bounded in bytes (keys and values counted), so it cannot grow a worker's RSS past the bound.
"""

from __future__ import annotations

from collections import OrderedDict

DEFAULT_MAX_BYTES = 4 << 20
"""4 MiB per worker: about a thousand LeNet-5 answers, a few percent of a worker's RSS."""
MAX_ENTRY_BYTES = 256 << 10
"""An answer (with its request) over 256 KiB is not kept: it would evict too much."""


class ResponseCache:
    """Least-recently-used ``body -> answer`` bytes, at most ``max_bytes`` in all."""

    __slots__ = ("_entries", "hits", "max_bytes", "misses", "size")

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._entries: OrderedDict[bytes, bytes] = OrderedDict()
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0

    def get(self, body: bytes) -> bytes | None:
        """The answer kept for ``body``, or ``None``."""
        answer = self._entries.get(body)
        if answer is None:
            self.misses += 1
            return None
        self._entries.move_to_end(body)
        self.hits += 1
        return answer

    def put(self, body: bytes, answer: bytes) -> None:
        """Keep ``answer`` for ``body``, evicting the least recently used past the bound."""
        cost = len(body) + len(answer)
        if cost > min(MAX_ENTRY_BYTES, self.max_bytes) or body in self._entries:
            return
        self._entries[body] = answer
        self.size += cost
        while self.size > self.max_bytes:
            old_body, old_answer = self._entries.popitem(last=False)
            self.size -= len(old_body) + len(old_answer)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, body: object) -> bool:
        return body in self._entries
