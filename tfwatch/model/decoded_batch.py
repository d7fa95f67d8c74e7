"""DecodedBatch: what the decoder made of one buffer of records, for the store to merge."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tfwatch.model.histograms import HistogramPoint

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(eq=False)  # holds arrays: compared by identity
class DecodedBatch:
    """Everything decoded from one buffer of records, in file order per kind."""

    scalar_tags: list[str] = field(default_factory=list)
    scalar_tag_ids: list[I64] = field(default_factory=list)
    scalar_steps: list[I64] = field(default_factory=list)
    scalar_values: list[F64] = field(default_factory=list)
    scalar_walls: list[F64] = field(default_factory=list)
    scalar_order: list[I64] = field(default_factory=list)  # record numbers, for file order
    histograms: list[tuple[str, HistogramPoint]] = field(default_factory=list)
    hparams: dict[str, str | float | bool] = field(default_factory=dict)
    text_tags: set[str] = field(default_factory=set)
    image_tags: set[str] = field(default_factory=set)
    bad_events: list[int] = field(default_factory=list)  # payload offsets that failed to parse
    events: int = 0
    max_wall_time: float = 0.0
    _tag_ids: dict[str, int] = field(default_factory=dict)
    _pending: list[tuple[int, int, float, float, int]] = field(default_factory=list)
    _record: int = 0  # number of the record being decoded by the protobuf path
    _paths_used: set[str] = field(default_factory=set)  # "fast" / "parser"

    def tag_id(self, tag: str) -> int:
        """Index of ``tag`` in :attr:`scalar_tags`, adding it if new."""
        i = self._tag_ids.get(tag)
        if i is None:
            i = self._tag_ids[tag] = len(self.scalar_tags)
            self.scalar_tags.append(tag)
        return i

    def add_scalar(self, tag: str, step: int, value: float, wall: float) -> None:
        """One scalar point from the protobuf path."""
        self._pending.append((self.tag_id(tag), step, value, wall, self._record))

    def flush(self) -> None:
        """Move points added one at a time into the array lists."""
        if self._pending:
            ids, steps, values, walls, order = zip(*self._pending, strict=True)
            self.scalar_tag_ids.append(np.asarray(ids, dtype=np.int64))
            self.scalar_steps.append(np.asarray(steps, dtype=np.int64))
            self.scalar_values.append(np.asarray(values, dtype=np.float64))
            self.scalar_walls.append(np.asarray(walls, dtype=np.float64))
            self.scalar_order.append(np.asarray(order, dtype=np.int64))
            self._pending.clear()
            self._paths_used.add("parser")

    def scalar_points(self) -> tuple[I64, I64, F64, F64]:
        """(tag ids, steps, values, wall times) of all scalars, in file order."""
        self.flush()
        if not self.scalar_steps:
            empty_i = np.empty(0, dtype=np.int64)
            empty_f = np.empty(0, dtype=np.float64)
            return empty_i, empty_i, empty_f, empty_f
        ids = np.concatenate(self.scalar_tag_ids)
        steps = np.concatenate(self.scalar_steps)
        values = np.concatenate(self.scalar_values)
        walls = np.concatenate(self.scalar_walls)
        if len(self._paths_used) > 1:
            # Both paths contributed: restore file order (the restart rule depends on it).
            order = np.argsort(np.concatenate(self.scalar_order), kind="stable")
            ids, steps, values, walls = ids[order], steps[order], values[order], walls[order]
        return ids, steps, values, walls

    def scalar_groups(self) -> list[tuple[str, I64, F64, F64]]:
        """(tag, steps, values, wall times) chunks in file order per tag (a tag may come
        in several chunks)."""
        self.flush()
        ids = [int(chunk[0]) for chunk in self.scalar_tag_ids if chunk.shape[0]]
        if self._paths_used == {"fast"} and len(ids) == len(self.scalar_tag_ids):
            # One vectorised pass made these: each tag's chunks come in file order, and
            # are joined so that the store takes each tag's points at once.
            by_tag: dict[int, list[int]] = {}
            for k, i in enumerate(ids):
                by_tag.setdefault(i, []).append(k)
            return [
                (
                    self.scalar_tags[i],
                    _concatenated([self.scalar_steps[k] for k in ks]),
                    _concatenated([self.scalar_values[k] for k in ks]),
                    _concatenated([self.scalar_walls[k] for k in ks]),
                )
                for i, ks in by_tag.items()
            ]
        all_ids, steps, values, walls = self.scalar_points()
        if not all_ids.shape[0]:
            return []
        order = np.argsort(all_ids, kind="stable")  # group by tag, keeping file order
        all_ids, steps, values, walls = all_ids[order], steps[order], values[order], walls[order]
        cuts = [0, *(np.flatnonzero(np.diff(all_ids)) + 1).tolist(), int(all_ids.shape[0])]
        return [
            (self.scalar_tags[int(all_ids[a])], steps[a:b], values[a:b], walls[a:b])
            for a, b in itertools.pairwise(cuts)
        ]


def _concatenated(chunks: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
