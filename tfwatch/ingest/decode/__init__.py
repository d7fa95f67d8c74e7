"""Event payloads to decoded batches: the protobuf reference path and the NumPy fast path."""
