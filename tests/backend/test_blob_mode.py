"""Partition mode (issue 8): `hcc compile --blob` writes NAME.blob holding every array of
NAME_weights.c, and the generated C built with -DHCC_WEIGHTS_FROM_BLOB runs from it, under
ASan/UBSan, bit-identical to the embedded build; a damaged blob is refused with the right
status before any inference."""

import re
import subprocess

import numpy as np
import pytest

from hcc.backend.host import build_host_runner, run_host
from hcc.deploy.blob import HEADER_SIZE, pack_blob, read_blob
from tests.backend.conftest import hcc_compile

NAME = "baseline"
OK, NULL_ARGUMENT, MAGIC, VERSION, HASH, LENGTH, CRC = 0, 1, 10, 11, 12, 13, 14


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return hcc_compile(NAME, tmp_path_factory.mktemp("blob") / "build", "--blob")


@pytest.fixture(scope="module")
def runners(build, tmp_path_factory):
    work = tmp_path_factory.mktemp("runners")
    return (build_host_runner(build, NAME, work, sanitize=True, opt="-O1"),
            build_host_runner(build, NAME, work, sanitize=True, opt="-O1", from_blob=True))


def graph_hash(build):
    header = (build / f"{NAME}.h").read_text()
    return bytes(int(b, 16) for b in re.search(r"_GRAPH_HASH_BYTES \{ (.*) \}", header).group(1).split(", "))


def c_arrays(build):
    """name -> (numpy dtype, values) of every array in NAME_weights.c."""
    text = (build / f"{NAME}_weights.c").read_text()
    arrays = {}
    for ctype, name, body in re.findall(r"const (\w+)_t (\w+)\[\d+\] HCC_ALIGN\(16\) = \{(.*?)\};", text, re.S):
        values = [int(eval(v)) for v in body.replace("\n", " ").split(",") if v.strip()]  # "(-2147483647 - 1)"
        arrays[name] = np.array(values, dtype=np.dtype(ctype).newbyteorder("<"))
    return arrays


def test_blob_payload_holds_every_weight_array_aligned(build):
    header, payload = read_blob((build / f"{NAME}.blob").read_bytes(), graph_hash(build))
    assert header.header_size == HEADER_SIZE
    offsets = dict(re.findall(r"#define (\w+) [A-Z_]+_WEIGHT\(\w+, (\d+)u\)", (build / f"{NAME}_weights.h").read_text()))
    arrays = c_arrays(build)
    assert arrays and set(arrays) == set(offsets)
    for name, values in arrays.items():
        off = int(offsets[name])
        assert off % 16 == 0, name
        assert payload[off:off + values.nbytes] == values.tobytes(), name
    size = int(re.search(r"_WEIGHTS_PAYLOAD_SIZE (\d+)u", (build / f"{NAME}.h").read_text()).group(1))
    assert len(payload) == size


def test_blob_build_matches_embedded_build(build, runners):
    embedded, from_blob = runners
    rng = np.random.default_rng(8)
    size = int(re.search(r"_INPUT_SIZE (\d+)", (build / f"{NAME}.h").read_text()).group(1))
    out_size = int(re.search(r"_OUTPUT_SIZE (\d+)", (build / f"{NAME}.h").read_text()).group(1))
    inputs = rng.integers(-128, 128, size=(4, size), dtype=np.int8)
    want = run_host(embedded, inputs, out_size)
    got = run_host(from_blob, inputs, out_size, blob=build / f"{NAME}.blob")
    assert np.array_equal(got, want)
    assert len({bytes(row) for row in want}) > 1  # the inputs really differ in their outputs


def corruptions(blob, digest):
    header, payload = read_blob(blob, digest)

    def patch(offset, value):
        data = bytearray(blob)
        data[offset:offset + len(value)] = value
        return bytes(data)

    return {
        "magic": (patch(0, b"HCCX"), MAGIC),
        "version": (patch(4, b"\x02\x00"), VERSION),
        "header size": (patch(6, b"\x28\x00"), LENGTH),
        "other graph": (patch(8, bytes([blob[8] ^ 1])), HASH),
        "truncated": (blob[:-1], LENGTH),
        "header only": (blob[:20], LENGTH),
        "payload bit flip": (patch(HEADER_SIZE + len(payload) // 2, bytes([blob[HEADER_SIZE + len(payload) // 2] ^ 0x10])), CRC),
        "crc field": (patch(28, b"\0\0\0\0"), CRC),
        "payload of another size": (pack_blob(payload[:-16], digest), LENGTH),
        "empty": (b"", LENGTH),
    }


@pytest.mark.parametrize("case", ["magic", "version", "header size", "other graph", "truncated", "header only",
                                  "payload bit flip", "crc field", "payload of another size", "empty"])
def test_blob_corruption_is_refused_before_inference(build, runners, tmp_path, case):
    blob = (build / f"{NAME}.blob").read_bytes()
    data, status = corruptions(blob, graph_hash(build))[case]
    path = tmp_path / "bad.blob"
    path.write_bytes(data)
    size = int(re.search(r"_INPUT_SIZE (\d+)", (build / f"{NAME}.h").read_text()).group(1))
    proc = subprocess.run([str(runners[1]), str(path)], input=bytes(size), capture_output=True, timeout=60)
    assert proc.returncode == 20 + status, proc.stderr.decode()
    assert proc.stdout == b""  # nothing ran
    assert f"status {status}".encode() in proc.stderr


def test_compile_without_blob_flag_writes_no_blob(tmp_path):
    build = hcc_compile(NAME, tmp_path / "b")
    assert not list(build.glob("*.blob"))
