"""`hcc flash` end to end against the ROM-loader stand-in (no hardware), and its refusals."""

import json
import shlex
import subprocess
import sys

import pytest

from conftest import env_with_repo, run_hcc
from hcc.deploy.blob import pack_blob
from rom_standin import FLASH_DATA, FLASH_BEGIN, FLASH_END, SPI_FLASH_MD5, RomStandin

HASH = bytes(range(16))
TABLE = """\
# Name,    Type, SubType, Offset, Size, Flags
nvs,       data, nvs,     ,       0x6000,
phy_init,  data, phy,     ,       0x1000,
factory,   app,  factory, ,       1M,
hcc_model, 0x40, ,        ,       64K,
"""
MODEL_OFFSET = 0x110000  # nvs 0x9000, phy 0xf000, factory 0x10000 (64K aligned) + 1M
SOCKET_ARGS = ["--no-stub", "--before", "no-reset", "--after", "no-reset", "--baud", "921600"]


def payload(n):
    return bytes((i * 131 + 7) & 0xFF for i in range(n))


@pytest.fixture
def model_dir(tmp_path):
    d = tmp_path / "build"
    d.mkdir()
    (d / "hcmtmm.blob").write_bytes(pack_blob(payload(5000), HASH))  # 5 FLASH_DATA blocks
    (d / "partitions.csv").write_text(TABLE)
    return d


def flash(rom_url, *args):
    return run_hcc("flash", "--port", rom_url, *SOCKET_ARGS, *args)


def error_lines(proc):
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]


def test_flash_model_writes_blob_byte_identical(model_dir, tmp_path):
    blob = (model_dir / "hcmtmm.blob").read_bytes()
    with RomStandin() as rom:
        proc = flash(rom.url, "--model", model_dir)
        assert proc.returncode == 0, proc.stderr
        assert rom.errors == []
        assert bytes(rom.flash[MODEL_OFFSET:MODEL_OFFSET + len(blob)]) == blob
        assert rom.flash[MODEL_OFFSET + len(blob):MODEL_OFFSET + 0x2000] == b"\xff" * (0x2000 - len(blob))
        assert rom.flash[:MODEL_OFFSET] == b"\xff" * MODEL_OFFSET  # nothing else touched
        ops = [op for op, _ in rom.log]
        assert ops.count(FLASH_BEGIN) == 1 and ops.count(FLASH_DATA) == 5 and ops.count(FLASH_END) >= 0
        assert ops.count(SPI_FLASH_MD5) == 2  # write-flash's own check + verify-flash
        # Read it back the way a user would, with esptool itself.
        out = tmp_path / "readback.bin"
        rb = subprocess.run([sys.executable, "-m", "esptool", "--chip", "esp32", "--port", rom.url,
                             "--before", "no-reset", "--after", "no-reset", "--no-stub", "--baud", "921600",
                             "read-flash", hex(MODEL_OFFSET), str(len(blob)), str(out)],
                            capture_output=True, text=True, env=env_with_repo(), timeout=120)
        assert rb.returncode == 0, rb.stdout + rb.stderr
    assert out.read_bytes() == blob
    assert f"wrote and verified {model_dir / 'hcmtmm.blob'} ({len(blob)} bytes) at {MODEL_OFFSET:#x}" in proc.stdout


def test_flash_model_json_and_explicit_offset(model_dir):
    blob = (model_dir / "hcmtmm.blob").read_bytes()
    with RomStandin() as rom:
        proc = flash(rom.url, "--blob", model_dir / "hcmtmm.blob", "--offset", "0x300000", "--json")
        assert proc.returncode == 0, proc.stderr
        assert bytes(rom.flash[0x300000:0x300000 + len(blob)]) == blob
    result = json.loads(proc.stdout)
    assert result["verified"] is True
    assert result["writes"] == [{"offset": "0x300000", "file": str(model_dir / "hcmtmm.blob"),
                                 "size": len(blob), "what": "offset 0x300000"}]
    assert proc.stderr == ""  # --json keeps esptool's chatter out of the way


def test_flash_dropped_connection_fails_with_one_line_error(model_dir):
    with RomStandin(drop_after_data_blocks=2) as rom:
        proc = flash(rom.url, "--model", model_dir)
    assert proc.returncode == 5
    errors = error_lines(proc)
    assert len(errors) == 1 and proc.stderr.rstrip().splitlines()[-1] == errors[0]
    assert errors[0].startswith(f"error: esptool write-flash failed on {rom.url} (exit ")
    assert "socket disconnected" in errors[0]
    assert "wrote and verified" not in proc.stdout


def test_flash_corrupted_write_is_caught_by_md5(model_dir):
    with RomStandin(corrupt_writes=True) as rom:
        proc = flash(rom.url, "--model", model_dir)
    assert proc.returncode == 5
    assert error_lines(proc) == [
        f"error: esptool write-flash failed on {rom.url} (exit 2): MD5 of file does not match data in flash!"]


def test_flash_no_device_listening_is_a_flash_error(model_dir):
    with RomStandin() as rom:
        url = rom.url
    proc = flash(url, "--model", model_dir)  # the server is closed now: connection refused
    assert proc.returncode == 5
    assert error_lines(proc) == [
        f"error: esptool write-flash failed on {url} (exit 2): Could not open {url}, the port is busy or doesn't exist."]


def test_flash_dry_run_prints_exact_commands(model_dir):
    proc = run_hcc("flash", "--port", "/dev/ttyUSB0", "--model", model_dir, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    blob = str(model_dir / "hcmtmm.blob")
    base = [sys.executable, "-m", "esptool", "--chip", "esp32", "--port", "/dev/ttyUSB0", "--baud", "460800",
            "--before", "default-reset"]
    assert [shlex.split(ln) for ln in proc.stdout.splitlines()] == [
        base + ["--after", "no-reset", "write-flash", "0x110000", blob],
        base + ["--after", "hard-reset", "verify-flash", "0x110000", blob],
    ]


def test_flash_dry_run_options_reach_esptool(model_dir):
    proc = run_hcc("flash", "--port", "rfc2217://host:4000", "--model", model_dir, "--chip", "esp32s3",
                   "--baud", "115200", "--before", "no-reset", "--after", "soft-reset", "--no-stub",
                   "--partition-label", "hcc_model", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    first, second = (shlex.split(ln) for ln in proc.stdout.splitlines())
    assert first[3:] == ["--chip", "esp32s3", "--port", "rfc2217://host:4000", "--baud", "115200",
                         "--before", "no-reset", "--after", "no-reset", "--no-stub", "write-flash",
                         "0x110000", str(model_dir / "hcmtmm.blob")]
    assert second[second.index("--after") + 1] == "soft-reset" and "verify-flash" in second


def fake_idf_build(tmp_path, chip="esp32"):
    build = tmp_path / "idf_build"
    (build / "bootloader").mkdir(parents=True)
    (build / "partition_table").mkdir()
    files = {"0x1000": "bootloader/bootloader.bin", "0x8000": "partition_table/partition-table.bin",
             "0x10000": "hello.bin"}
    contents = {"0x1000": payload(3000)[::-1], "0x8000": payload(0xC00), "0x10000": payload(9000)}
    for off, rel in files.items():
        (build / rel).write_bytes(contents[off])
    (build / "flasher_args.json").write_text(json.dumps({
        "write_flash_args": ["--flash_mode", "dio", "--flash_size", "4MB", "--flash_freq", "40m"],
        "flash_settings": {"flash_mode": "dio", "flash_size": "4MB", "flash_freq": "40m"},
        "flash_files": files,
        "extra_esptool_args": {"after": "hard_reset", "before": "default_reset", "stub": True, "chip": chip},
    }))
    return build, {int(k, 16): v for k, v in contents.items()}


def test_flash_firmware_writes_flasher_args_files(tmp_path):
    build, contents = fake_idf_build(tmp_path)
    with RomStandin() as rom:
        proc = flash(rom.url, "--firmware", build)
        assert proc.returncode == 0, proc.stderr
        for off, data in contents.items():
            assert bytes(rom.flash[off:off + len(data)]) == data, hex(off)
    dry = run_hcc("flash", "--port", "COM3", "--firmware", build, "--dry-run")
    write = shlex.split(dry.stdout.splitlines()[0])
    assert write[write.index("write-flash"):] == [
        "write-flash", "--flash-mode", "dio", "--flash-size", "4MB", "--flash-freq", "40m",
        "0x1000", str(build / "bootloader/bootloader.bin"), "0x8000", str(build / "partition_table/partition-table.bin"),
        "0x10000", str(build / "hello.bin")]


BAD_TABLES = {
    "garbage": ("nvs, data, nvs, 0x9000\n", "expected Name, Type, SubType, Offset, Size"),
    "bad-number": ("hcc_model, 0x40, , 0x1z0000, 64K\n", "offset '0x1z0000' is not a number"),
    "bad-type": ("hcc_model, weights, , , 64K\n", "type 'weights' is not a number"),
    "overlap": ("a, data, nvs, 0x9000, 0x6000\nhcc_model, 0x40, , 0xa000, 64K\n", "overlaps"),
    "no-label": ("nvs, data, nvs, , 0x6000\n", "no partition labelled 'hcc_model'"),
    "empty": ("# only a comment\n\n", "no partitions"),
}


@pytest.mark.parametrize("name", BAD_TABLES)
def test_flash_bad_partition_table_is_user_error(model_dir, name):
    text, message = BAD_TABLES[name]
    (model_dir / "partitions.csv").write_text(text)
    proc = run_hcc("flash", "--port", "/dev/null", "--model", model_dir)
    assert proc.returncode == 2, proc.stderr
    assert error_lines(proc) and message in error_lines(proc)[0] and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("args,message", [
    (["--offset", "0x110800"], "flash offset 0x110800 is not 4 KiB aligned"),
    (["--offset", "0x8000"], "offset 0x8000 is not the start of any partition"),
    (["--offset", "banana"], "offset 'banana' is not a number"),
    (["--offset", "0x110000", "--partition-label", "hcc_model"], "either --offset or --partition-label"),
    (["--partition-label", "factory"], "has type 0x00"),
    (["--partition-label", "nope"], "no partition labelled 'nope'"),
    (["--port", " "], "--port is empty"),
])
def test_flash_refuses_bad_arguments(model_dir, args, message):
    proc = run_hcc("flash", "--port", "/dev/null", "--model", model_dir, *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and len(error_lines(proc)) == 1


def test_flash_oversize_blob_is_refused(model_dir):
    (model_dir / "hcmtmm.blob").write_bytes(pack_blob(payload(64 * 1024), HASH))  # 64K + header > 64K
    proc = run_hcc("flash", "--port", "/dev/null", "--model", model_dir)
    assert proc.returncode == 2
    assert error_lines(proc) == [
        f"error: weights blob hcmtmm.blob is {64 * 1024 + 32} bytes, partition 'hcc_model' holds only "
        f"65536 (0x10000); enlarge it in {model_dir / 'partitions.csv'}"]


def test_flash_blob_file_problems_are_user_errors(model_dir, tmp_path):
    (model_dir / "other.blob").write_bytes(b"x")
    proc = run_hcc("flash", "--port", "/dev/null", "--model", model_dir)
    assert proc.returncode == 2 and "2 *.blob files" in proc.stderr
    proc = run_hcc("flash", "--port", "/dev/null", "--blob", model_dir / "other.blob", "--offset", "0x110000")
    assert proc.returncode == 2 and "weights blob truncated" in proc.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_hcc("flash", "--port", "/dev/null", "--model", empty)
    assert proc.returncode == 2 and "no *.blob weights file" in proc.stderr
    proc = run_hcc("flash", "--port", "/dev/null", "--blob", model_dir / "hcmtmm.blob")
    assert proc.returncode == 2 and "no partition table" in proc.stderr
    proc = run_hcc("flash", "--port", "/dev/null")
    assert proc.returncode == 2 and "nothing to write" in proc.stderr


def test_flash_firmware_problems_are_user_errors(tmp_path):
    proc = run_hcc("flash", "--port", "/dev/null", "--firmware", tmp_path)
    assert proc.returncode == 2 and "no " in proc.stderr and "flasher_args.json" in proc.stderr
    build, _ = fake_idf_build(tmp_path, chip="esp32s3")
    proc = run_hcc("flash", "--port", "/dev/null", "--firmware", build)
    assert proc.returncode == 2 and "built for esp32s3, but --chip is esp32" in proc.stderr
    (build / "hello.bin").unlink()
    proc = run_hcc("flash", "--port", "/dev/null", "--firmware", build, "--chip", "esp32s3")
    assert proc.returncode == 2 and "lists hello.bin, which is missing" in proc.stderr
