"""The hcc weights blob: a header that ties a weights payload to one graph, then the payload.

Layout (little-endian; full description with a hexdump in docs/blob-format.md):

    offset size field
         0    4 magic            b"HCCW"
         4    2 format version   1
         6    2 header size      bytes from the start of the blob to the payload (32 in v1)
         8   16 graph hash       first 16 bytes of SHA-256 of the graph (opaque here)
        24    4 payload length   bytes
        28    4 payload CRC32    zlib.crc32 / IEEE 802.3 of the payload bytes
        32  ... zero padding up to `header size` (none in v1: 32 is already 16-aligned)
  hdr_size  len payload, starting 16-byte aligned

Bytes after the payload are ignored, so a blob read back from a larger flash partition
(the rest erased to 0xFF) is still valid. The C loader (runtime_c/src/blob_loader.c)
applies the same checks in the same order and reports the hcc_status_t codes named below.
"""

import struct
import zlib
from dataclasses import dataclass

from hcc.errors import DataError

MAGIC = b"HCCW"
FORMAT_VERSION = 1
HASH_SIZE = 16
PAYLOAD_ALIGN = 16
_FIXED = struct.Struct("<4sHH16sII")
FIXED_HEADER_SIZE = _FIXED.size  # 32
HEADER_SIZE = -(-FIXED_HEADER_SIZE // PAYLOAD_ALIGN) * PAYLOAD_ALIGN  # what pack_blob writes


@dataclass(frozen=True)
class BlobHeader:
    version: int
    header_size: int
    graph_hash: bytes
    payload_length: int
    crc32: int


def pack_blob(payload: bytes, graph_hash: bytes) -> bytes:
    """Return header + padding + payload for `payload` built for the graph `graph_hash`."""
    graph_hash = bytes(graph_hash)
    if len(graph_hash) != HASH_SIZE:
        raise DataError(f"graph hash must be {HASH_SIZE} bytes, got {len(graph_hash)}")
    payload = bytes(payload)
    if len(payload) > 0xFFFFFFFF:
        raise DataError(f"weights payload of {len(payload)} bytes does not fit a u32 length")
    header = _FIXED.pack(MAGIC, FORMAT_VERSION, HEADER_SIZE, graph_hash, len(payload), zlib.crc32(payload))
    return header.ljust(HEADER_SIZE, b"\0") + payload


def read_blob(data: bytes, expected_hash: bytes | None = None) -> tuple[BlobHeader, bytes]:
    """Check a blob and return (header, payload); DataError says what is wrong.

    Checks, in order (the C loader's status code in brackets): size of the fixed header
    [LENGTH], magic [MAGIC], version [VERSION], header size [LENGTH], graph hash when
    `expected_hash` is given [HASH], payload length against the data [LENGTH], CRC32 [CRC].
    """
    data = bytes(data)
    if len(data) < FIXED_HEADER_SIZE:
        raise DataError(f"weights blob truncated: {len(data)} bytes, the header alone is {FIXED_HEADER_SIZE}")
    magic, version, header_size, graph_hash, length, crc = _FIXED.unpack_from(data)
    if magic != MAGIC:
        raise DataError(f"not an hcc weights blob: magic {magic!r}, expected {MAGIC!r}")
    if version != FORMAT_VERSION:
        raise DataError(f"weights blob format version {version} is not supported (this hcc reads {FORMAT_VERSION})")
    if header_size < FIXED_HEADER_SIZE or header_size % PAYLOAD_ALIGN:
        raise DataError(
            f"weights blob header size {header_size} is invalid "
            f"(must be >= {FIXED_HEADER_SIZE} and a multiple of {PAYLOAD_ALIGN})"
        )
    if expected_hash is not None and graph_hash != bytes(expected_hash):
        raise DataError(
            f"weights blob was built for graph {graph_hash.hex()}, this model is graph {bytes(expected_hash).hex()}"
        )
    if len(data) < header_size or len(data) - header_size < length:
        raise DataError(
            f"weights blob truncated: header says {header_size} + {length} bytes, only {len(data)} present"
        )
    payload = data[header_size : header_size + length]
    actual = zlib.crc32(payload)
    if actual != crc:
        raise DataError(f"weights blob payload is corrupt: CRC32 {actual:#010x}, header says {crc:#010x}")
    return BlobHeader(version, header_size, graph_hash, length, crc), payload
