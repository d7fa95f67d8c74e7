"""Keys that change how a screen's charts are drawn, shared by compare and detail views."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingType

from tfwatch.ui.widgets.charts import X_AXES, ChartOptions

SMOOTH_STEP = 0.05
MAX_SMOOTHING = 0.99

CHART_BINDINGS: list[BindingType] = [
    Binding("left_square_bracket", "smooth(-1)", "Smooth -"),
    Binding("right_square_bracket", "smooth(1)", "Smooth +"),
    Binding("0", "no_smoothing", "No smoothing", show=False),
    Binding("x", "x_axis", "X axis"),
    Binding("l", "log_y", "Log y"),
]


def adjust_smoothing(weight: float, delta: float) -> float:
    """``weight`` + ``delta`` kept in [0, 0.99] and rounded to the step."""
    return round(min(MAX_SMOOTHING, max(0.0, weight + delta)), 2)


class ChartControls:
    """Smoothing, x axis and log-y actions over ``self.options``; ``_redraw`` repaints.

    Screens mixing this in add :data:`CHART_BINDINGS` to their own bindings.
    """

    options: ChartOptions

    def _redraw(self) -> None:
        raise NotImplementedError

    def action_smooth(self, direction: int) -> None:
        """Change the smoothing weight by one step."""
        weight = adjust_smoothing(self.options.smoothing, direction * SMOOTH_STEP)
        self.options = replace(self.options, smoothing=weight)
        self._redraw()

    def action_no_smoothing(self) -> None:
        """Smoothing off."""
        self.options = replace(self.options, smoothing=0.0)
        self._redraw()

    def action_x_axis(self) -> None:
        """Step → relative time → wall time."""
        i = X_AXES.index(self.options.x_axis)
        self.options = replace(self.options, x_axis=X_AXES[(i + 1) % len(X_AXES)])
        self._redraw()

    def action_log_y(self) -> None:
        """Toggle a log scale on y."""
        self.options = replace(self.options, log_y=not self.options.log_y)
        self._redraw()
