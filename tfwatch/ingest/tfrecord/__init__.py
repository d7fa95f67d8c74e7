"""TFRecord framing (``length | crc | payload | crc``) and the CRC32C it is checked with."""
