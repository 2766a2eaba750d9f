"""The weights blob: Python packer/reader and the C loader agree on every field and failure."""

import hashlib
import struct
import subprocess
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from conftest import REPO, STRICT_C, compile_c
from hcc.deploy.blob import FIXED_HEADER_SIZE, HEADER_SIZE, MAGIC, pack_blob, read_blob
from hcc.errors import DataError

INCLUDE = REPO / "runtime_c" / "include"
LOADER = REPO / "runtime_c" / "src" / "blob_loader.c"
HASH = hashlib.sha256(b"a graph").digest()[:16]
OTHER_HASH = hashlib.sha256(b"another graph").digest()[:16]
PAYLOAD = bytes((i * 37 + 11) & 0xFF for i in range(1000))

# hcc_status_t (runtime_c/include/hcc_runtime.h)
OK, MAGIC_ERR, VERSION_ERR, HASH_ERR, LENGTH_ERR, CRC_ERR = 0, 10, 11, 12, 13, 14


@pytest.fixture(scope="module")
def blob_check(tmp_path_factory, host_cc):
    out = tmp_path_factory.mktemp("blobc") / "blob_check"
    return compile_c([REPO / "tests/flash/c/blob_check.c", LOADER], out, cc=host_cc, include=[INCLUDE])


def c_open(blob_check, tmp_path, blobs, expected=HASH):
    """hcc_blob_open on each blob -> list of (status, payload_offset, payload_size)."""
    paths = []
    for i, b in enumerate(blobs):
        p = tmp_path / f"b{i}.bin"
        p.write_bytes(b)
        paths.append(str(p))
    proc = subprocess.run([str(blob_check), expected.hex() if expected else "-", *paths],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [tuple(int(x) for x in line.split()) for line in proc.stdout.splitlines()]


def with_field(blob, offset, fmt, value):
    b = bytearray(blob)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


def test_flash_blob_layout_is_as_documented():
    blob = pack_blob(PAYLOAD, HASH)
    assert blob[0:4] == b"HCCW" == MAGIC
    assert struct.unpack_from("<HH", blob, 4) == (1, 32)
    assert blob[8:24] == HASH
    assert struct.unpack_from("<II", blob, 24) == (len(PAYLOAD), zlib.crc32(PAYLOAD))
    assert HEADER_SIZE == FIXED_HEADER_SIZE == 32 and HEADER_SIZE % 16 == 0
    assert blob[HEADER_SIZE:] == PAYLOAD
    header, payload = read_blob(blob, HASH)
    assert payload == PAYLOAD and header.graph_hash == HASH and header.crc32 == zlib.crc32(PAYLOAD)


def test_flash_blob_read_accepts_trailing_erased_flash():
    blob = pack_blob(PAYLOAD, HASH) + b"\xff" * 5000  # read back from a larger partition
    assert read_blob(blob, HASH)[1] == PAYLOAD


@pytest.mark.parametrize("bad_hash", [b"", b"x" * 15, b"x" * 17])
def test_flash_blob_pack_rejects_bad_hash_length(bad_hash):
    with pytest.raises(DataError, match="16 bytes"):
        pack_blob(b"", bad_hash)


def corruptions():
    """(name, blob, expected C status, regex of the Python DataError message)."""
    good = pack_blob(PAYLOAD, HASH)
    flipped = bytearray(good)
    flipped[HEADER_SIZE + 500] ^= 0x10
    cases = [
        ("magic", b"HCCX" + good[4:], MAGIC_ERR, "not an hcc weights blob"),
        ("magic-lowercase", b"hccw" + good[4:], MAGIC_ERR, "not an hcc weights blob"),
        ("version-0", with_field(good, 4, "<H", 0), VERSION_ERR, "version 0"),
        ("version-2", with_field(good, 4, "<H", 2), VERSION_ERR, "version 2"),
        ("header-size-small", with_field(good, 6, "<H", 16), LENGTH_ERR, "header size 16"),
        ("header-size-unaligned", with_field(good, 6, "<H", 40), LENGTH_ERR, "header size 40"),
        ("header-size-huge", with_field(good, 6, "<H", 0xFFF0), LENGTH_ERR, "truncated"),
        ("hash", good[:8] + OTHER_HASH + good[24:], HASH_ERR, "built for graph"),
        ("hash-one-bit", with_field(good, 23, "<B", good[23] ^ 1), HASH_ERR, "built for graph"),
        ("length-plus-one", with_field(good, 24, "<I", len(PAYLOAD) + 1), LENGTH_ERR, "truncated"),
        ("length-max", with_field(good, 24, "<I", 0xFFFFFFFF), LENGTH_ERR, "truncated"),
        ("length-minus-one", with_field(good, 24, "<I", len(PAYLOAD) - 1), CRC_ERR, "CRC32"),
        ("crc", with_field(good, 28, "<I", zlib.crc32(PAYLOAD) ^ 0x80000000), CRC_ERR, "CRC32"),
        ("payload-bit", bytes(flipped), CRC_ERR, "CRC32"),
        ("last-payload-byte", good[:-1] + bytes([good[-1] ^ 0xFF]), CRC_ERR, "CRC32"),
    ]
    for cut in (0, 1, 3, 4, 8, 24, 31, 32, 33, HEADER_SIZE + 500, len(good) - 1):
        cases.append((f"truncated-at-{cut}", good[:cut], LENGTH_ERR, "truncated"))
    return cases


CASES = corruptions()


@pytest.mark.parametrize("name,blob,status,message", CASES, ids=[c[0] for c in CASES])
def test_flash_blob_python_rejects_corruption(name, blob, status, message):
    with pytest.raises(DataError, match=message):
        read_blob(blob, HASH)


def test_flash_blob_c_loader_rejects_each_corruption_with_its_status(blob_check, tmp_path):
    results = c_open(blob_check, tmp_path, [c[1] for c in CASES])
    got = {c[0]: r for c, r in zip(CASES, results)}
    want = {c[0]: (c[2], -1, 0) for c in CASES}  # payload NULL, size 0 on every failure
    assert got == want


def test_flash_blob_c_loader_accepts_python_packer_output(blob_check, tmp_path):
    blobs = [pack_blob(PAYLOAD, HASH), pack_blob(b"", HASH), pack_blob(b"\x00", HASH),
             pack_blob(PAYLOAD, HASH) + b"\xff" * 4096]
    sizes = [len(PAYLOAD), 0, 1, len(PAYLOAD)]
    assert c_open(blob_check, tmp_path, blobs) == [(OK, HEADER_SIZE, n) for n in sizes]
    # Without an expected hash (a tool inspecting a blob) the hash is not checked.
    assert c_open(blob_check, tmp_path, [pack_blob(PAYLOAD, OTHER_HASH)], expected=None) == [
        (OK, HEADER_SIZE, len(PAYLOAD))]
    assert c_open(blob_check, tmp_path, [pack_blob(PAYLOAD, OTHER_HASH)]) == [(HASH_ERR, -1, 0)]


@settings(max_examples=30, deadline=None)
@given(payload=st.binary(max_size=3000))
def test_flash_blob_c_crc32_matches_zlib(blob_check, tmp_path_factory, payload):
    path = tmp_path_factory.mktemp("crc") / "data.bin"
    path.write_bytes(payload)
    out = subprocess.run([str(blob_check), "--crc", str(path)], capture_output=True, text=True, check=True)
    assert int(out.stdout, 16) == zlib.crc32(payload)


@pytest.mark.parametrize("cc", ["gcc", "clang", "xtensa-lx106-elf-gcc"])
def test_flash_blob_loader_compiles_warning_free(cc, tmp_path):
    cmd = [cc, *STRICT_C, "-Os", f"-I{INCLUDE}", "-c", str(LOADER), "-o", str(tmp_path / "blob_loader.o")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


@pytest.fixture(scope="module")
def partition_check(tmp_path_factory, host_cc):
    out = tmp_path_factory.mktemp("part") / "partition_check"
    return compile_c([REPO / "tests/flash/c/partition_check.c", REPO / "runtime_c/port/esp32/hcc_partition.c", LOADER],
                     out, cc=host_cc, extra=["-DESP_PLATFORM"],
                     include=[INCLUDE, REPO / "runtime_c/port/esp32", REPO / "tests/flash/c/fake_idf"])


def test_flash_esp32_partition_port_maps_and_checks_the_blob(partition_check, tmp_path):
    """The ESP-IDF port, type-checked and run on the host against fake partition calls."""
    part = tmp_path / "partition.bin"
    part.write_bytes(pack_blob(PAYLOAD, HASH) + b"\xff" * 3000)  # the rest of the partition is erased

    def run(*args, hash_=HASH):
        out = subprocess.run([str(partition_check), str(part), hash_.hex(), *args], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout.split()

    # status, esp_err, payload size, still mapped after open, unmaps after two closes
    assert run("hcc_model", "0x40") == ["0", "0", str(len(PAYLOAD)), "1", "1"]
    assert run("hcc_model", "0x40", hash_=OTHER_HASH) == [str(HASH_ERR), "0", "0", "0", "1"]
    assert run("weights", "0x40") == [str(LENGTH_ERR), str(0x105), "0", "0", "0"]
    assert run("hcc_model", "0x41") == [str(LENGTH_ERR), str(0x105), "0", "0", "0"]
    assert run("hcc_model", "0x40", "fail-mmap") == [str(LENGTH_ERR), str(0x101), "0", "0", "0"]


def test_flash_esp32_partition_port_is_empty_off_esp_platform(tmp_path):
    cmd = ["gcc", *STRICT_C, f"-I{INCLUDE}", "-c", str(REPO / "runtime_c/port/esp32/hcc_partition.c"),
           "-o", str(tmp_path / "p.o")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
