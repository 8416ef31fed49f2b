"""Answers to repeated queries, kept per generation, and the ETags that let clients revalidate.

A generation never changes once it is published (kg/store.py), so the answer to the same request
on the same generation is the same answer: it can be kept until the next publish, with nothing
to invalidate by hand. An entry is keyed by the generation that *answered* (the worker reports
it), never by the one the web process saw before asking, so a publish racing a query cannot
file an old answer under the new generation.

What is not kept: answers of volatile queries (RAND, NOW, UUID, STRUUID, BNODE, SERVICE; the
guard says which), answers of a remote endpoint (no generation to key them by), errors, and
answers larger than the entry limit. The cache is bounded in bytes and drops the least recently
used entries first; entries of older generations go as soon as a newer one is seen.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from kg.query import QueryOutcome

#: Request parts that decide the answer besides the generation: the query text, the raw Accept
#: header and format parameter (so each representation has its own entry and ETag), the protocol
#: dataset, `infer`, and the endpoint IRI (the base IRI of relative IRIs in the query).
RequestKey = tuple[str, str, str, tuple[str, ...], tuple[str, ...], bool, str]


@dataclass(frozen=True)
class Entry:
    outcome: QueryOutcome
    form: str | None
    etag: str


def etag_for(generation: str, key: RequestKey) -> str:
    """A strong ETag (without quotes) for the answer to `key` on `generation`."""
    digest = hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{generation}-{digest}"


class GenerationLRU:
    """A thread-safe LRU of values filed under (generation, key), bounded in bytes; `max_bytes=0`
    keeps nothing. Values of an older generation are dropped as soon as a newer one is filed."""

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = min(max(0, max_entry_bytes), self.max_bytes)
        self.size = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict[tuple[str, object], tuple[object, int]] = OrderedDict()
        self._generation = ""
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, generation: str, key: object) -> Any:
        if not self.enabled:
            return None
        with self._lock:
            found = self._entries.get((generation, key))
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end((generation, key))
            self.hits += 1
            return found[0]

    def put(self, generation: str, key: object, value: object, size: int) -> bool:
        """File `value` under the generation that produced it; False when it is not kept.

        Callers file only values of the generation being served, so a change of generation
        means a publish: every older entry is dropped then."""
        if not self.enabled or not generation or size > self.max_entry_bytes:
            return False
        with self._lock:
            if generation != self._generation:  # a newer graph: the old answers are dead
                self._entries.clear()
                self.size = 0
                self._generation = generation
            old = self._entries.pop((generation, key), None)
            if old is not None:
                self.size -= old[1]
            self._entries[(generation, key)] = (value, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped
        return True

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self.size, "max_bytes": self.max_bytes,
                    "hits": self.hits, "misses": self.misses}


class ResultCache(GenerationLRU):
    """Query answers by request key (`RequestKey`), with their ETags."""

    def put(self, key: RequestKey, outcome: QueryOutcome, form: str | None) -> Entry | None:  # type: ignore[override]
        """Keep `outcome` under the generation that answered it; None when it is not kept."""
        if not outcome.generation:
            return None
        entry = Entry(outcome, form, etag_for(outcome.generation, key))
        return entry if super().put(outcome.generation, key, entry, len(outcome.body)) else None
