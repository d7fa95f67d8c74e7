"""The points of one series as arrays: what copies of a series hand to the views."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class SeriesArrays:
    """Points of a series in step order."""

    steps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    wall_times: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.steps.shape[0])
