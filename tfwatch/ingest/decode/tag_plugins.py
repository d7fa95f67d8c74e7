"""Which plugin each tag of a run was declared with, remembered across its files."""

from __future__ import annotations

#: The plugin name of scalar summaries.
SCALAR_PLUGIN = "scalars"


class TagPlugins:
    """Per run: the plugin each tag was declared with.

    TF1's ``FileWriter`` writes a tag's metadata only on its first event, so later events
    of the same tag are only understood by remembering it across files of the run.
    """

    def __init__(self) -> None:
        self.plugin: dict[str, str] = {}
        self._declares: dict[bytes, bool] = {}

    def declares_scalars(self, metadata: bytes) -> bool:
        """Whether serialised ``SummaryMetadata`` names the scalars plugin (cached)."""
        answer = self._declares.get(metadata)
        if answer is None:
            from tensorboard.compat.proto.summary_pb2 import SummaryMetadata

            try:
                parsed = SummaryMetadata.FromString(metadata)
                answer = parsed.plugin_data.plugin_name == SCALAR_PLUGIN
            except Exception:  # malformed metadata: let the parser path report it
                answer = False
            if len(self._declares) < 1024:
                self._declares[metadata] = answer
        return answer
