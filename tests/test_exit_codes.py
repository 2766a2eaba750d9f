"""Every exit code of hcc, through the CLI (docs/errors.md).

Exit 4 is produced honestly: the verify path really builds and runs the generated C, but the
C runner is wrapped (monkeypatched, in-process) so that it flips one byte of one output, as a
miscompiled kernel would; hcc must notice and exit 4."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from onnx import TensorProto, helper

from hcc.cli import main
from hcc.deploy.blob import pack_blob
from tests.frontend.models import make
from tests.fuzz.seeds import conv_bn_relu_pool


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exit_code not in (0, 70) or "internal error" in result.stderr:
        lines = result.stderr.strip().splitlines()
        assert lines and lines[-1].startswith(("error: ", "Error: ")) and "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(conv_bn_relu_pool().SerializeToString())
    np.savez(tmp_path / "m.calib.npz", x=np.random.default_rng(0).standard_normal((4, 1, 12, 12)).astype(np.float32),
             y=np.array([0, 1, 2, 0]))
    return path


def test_0_success(model, tmp_path):
    assert run("ir", model).exit_code == 0
    assert run("plan", model).exit_code == 0
    assert run("compile", model, "-o", tmp_path / "out").exit_code == 0


def test_2_user_errors(model, tmp_path):
    (tmp_path / "bad.onnx").write_bytes(b"\x00garbage" * 10)
    assert "not a valid ONNX model" in run("ir", tmp_path / "bad.onnx").stderr
    assert run("ir", tmp_path / "bad.onnx").exit_code == 2
    unsupported = make([helper.make_node("Det", ["x"], ["y"], name="det")],
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    (tmp_path / "u.onnx").write_bytes(unsupported.SerializeToString())
    result = run("plan", tmp_path / "u.onnx")
    assert result.exit_code == 2 and "unsupported op 'Det'" in result.stderr
    result = run("plan", model, "--sram", "lots")  # a bad argument (click's usage error)
    assert result.exit_code == 2 and "--sram" in result.stderr
    assert run("compile", model).exit_code == 2  # missing -o


def test_3_over_budget(model, tmp_path):
    result = run("plan", model, "--sram", "100")
    assert result.exit_code == 3
    result = run("compile", model, "-o", tmp_path / "out", "--flash", "1")
    assert result.exit_code == 3 and not (tmp_path / "out").exists()


def test_4_verification_mismatch(model, tmp_path, monkeypatch):
    import hcc.backend.host as host

    real = host.host_runner

    def one_byte_off(graph, **kw):
        run_c = real(graph, **kw)

        def wrapped(x):
            out = np.array(run_c(x))
            out[0, 0] ^= 1  # what a miscompiled kernel would do to one value
            return out

        return wrapped

    np.savez(tmp_path / "data.npz", x=np.load(tmp_path / "m.calib.npz")["x"])
    assert run("verify", model, "--data", tmp_path / "data.npz").exit_code == 0  # honest C: bit-exact
    monkeypatch.setattr(host, "host_runner", one_byte_off)
    result = run("verify", model, "--data", tmp_path / "data.npz")
    assert result.exit_code == 4 and "differs from the int8 reference on 1 of 4 samples" in result.stderr


def test_5_toolchain_missing(model, tmp_path, monkeypatch):
    np.savez(tmp_path / "data.npz", x=np.load(tmp_path / "m.calib.npz")["x"][:1])
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    result = run("verify", model, "--data", tmp_path / "data.npz")
    assert result.exit_code == 5 and "no-such-compiler' not found" in result.stderr
    monkeypatch.delenv("CC")
    monkeypatch.setenv("PATH", str(tmp_path))  # no cc on PATH
    result = run("verify", model, "--data", tmp_path / "data.npz")
    assert result.exit_code == 5 and "C compiler 'cc' not found" in result.stderr


def test_5_flash_to_an_unreachable_port(tmp_path):
    blob = tmp_path / "m.blob"
    blob.write_bytes(pack_blob(bytes(100), bytes(16)))
    result = run("flash", "-p", "socket://127.0.0.1:9", "--blob", blob, "--offset", "0x110000",
                 "--no-stub", "--before", "no-reset")
    assert result.exit_code == 5 and "esptool write-flash failed" in result.stderr


def test_70_internal_error_is_one_line(model, monkeypatch):
    import hcc.commands.ir as ir

    def boom(path):
        raise RuntimeError("something hcc did not expect\nsecond line")

    monkeypatch.setattr(ir, "load_model", boom)
    result = run("ir", model)
    assert result.exit_code == 70
    assert result.stderr == ("error: internal error: RuntimeError: something hcc did not expect second line "
                             "(rerun with --debug and report it)\n")
    result = CliRunner().invoke(main, ["--debug", "ir", str(model)])
    assert isinstance(result.exception, RuntimeError)  # --debug: the real exception, with its traceback
