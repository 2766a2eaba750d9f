"""`hcc plan`: sizes, JSON, budgets and exit codes, build directories, the HTML page."""

from __future__ import annotations

import json
import re
import struct
import zlib

import pytest
from click.testing import CliRunner

from hcc.cli import main
from hcc.ir.printer import print_graph
from hcc.memory.report import percent
from hcc.memory.sizes import parse_size
from hcc.pipeline import build_target_graph
from memory_example import build_example
from chromium_render import dump_dom, screenshot

@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "example.hir"
    path.write_text(print_graph(build_example()))
    return path


@pytest.fixture(scope="module")
def figures(model):
    """The library's int8 plan of the example, with and without streaming: what the CLI must report."""
    from hcc.memory.model_plan import plan_model_path

    plans = plan_model_path(model)
    streamed, unfused = plans.streaming_peak, plans.unfused_peak
    assert plans.plan.peak_bytes == plans.plan.lower_bound_bytes == streamed  # optimal on this chain
    assert streamed < unfused  # streaming never stores the full-resolution conv output
    return streamed, unfused, plans.plan.flash_bytes


def run(*args):
    return CliRunner().invoke(main, ["plan", *map(str, args)])


@pytest.mark.parametrize("text,expected", [
    ("520k", 532480), ("520K", 532480), ("520KiB", 532480), ("520kb", 532480), ("0.5M", 524288),
    ("4M", 4194304), ("4MB", 4194304), ("4MiB", 4194304), ("65536", 65536), ("100B", 100), (" 2k ", 2048),
])
def test_sizes(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "k", "abc", "-1", "1.5", "0.1k", "12 apples", "5iB", "1e3"])
def test_bad_sizes(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_bad_size_is_a_usage_error(model):
    result = run(model, "--sram", "lots")
    assert result.exit_code == 2 and "--sram" in result.output
    assert run(model, "--flash", "4X").exit_code == 2


def test_text_report(model, figures):
    STREAMED_PEAK, UNFUSED_PEAK, _ = figures
    result = run(model)
    assert result.exit_code == 0, result.output
    out = result.output
    for header in ("tensor", "bytes", "first use", "last use", "offset"):
        assert header in out
    # pool1 is the 49x49x8 int8 map after the first fused conv: 19,208 bytes.
    # (after the NHWC layout pass; step 0 is the input's layout change); it overwrites the
    # input rows conv1 is done with (inplace-conv): kind overlap
    assert re.search(r"^pool1\.nhwc\s+overlap\s+19,208\s+1 conv1\s+2 conv2\s+\d", out, re.M)
    assert f"with fusion {STREAMED_PEAK:,} B, without {UNFUSED_PEAK:,} B" in out
    assert f"arena peak:   {STREAMED_PEAK:,} B" in out
    flash = figures[2]
    # the default budget: what an ESP32-CAM camera firmware leaves free (hcc/memory/budget.py)
    assert "uses about 420 KiB of the 520 KiB SRAM; about 100 KiB stays free" in out
    assert out.rstrip().splitlines()[-1] == (f"fits: SRAM {STREAMED_PEAK:,} of 102,400 B ({100 * STREAMED_PEAK // 102400}."
                                             f"{1000 * STREAMED_PEAK // 102400 % 10}%); flash {flash:,} of 4,194,304 B (0.0%)")


def test_json_keys_and_figures(model, figures):
    STREAMED_PEAK, UNFUSED_PEAK, _ = figures
    result = run(model, "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    for key in ("peak_bytes", "lower_bound_bytes", "budget_bytes", "fits", "peak_op", "flash_bytes", "tensors"):
        assert key in data
    assert (data["peak_bytes"], data["lower_bound_bytes"], data["budget_bytes"], data["fits"]) == (STREAMED_PEAK, STREAMED_PEAK, 102400, True)
    assert data["unfused_peak_bytes"] == UNFUSED_PEAK
    assert all({"name", "bytes", "first", "last", "offset"} <= set(t) for t in data["tensors"])
    no_stream = json.loads(run(model, "--json", "--no-streaming").output)
    assert no_stream["peak_bytes"] == UNFUSED_PEAK and no_stream["streaming_peak_bytes"] == STREAMED_PEAK


def test_over_budget_exits_3_with_the_exact_message(model, figures):
    STREAMED_PEAK = figures[0]
    budget = STREAMED_PEAK - 1000
    peak_op = json.loads(run(model, "--json").output)["peak_op"]
    result = run(model, "--sram", str(budget), "--json")
    assert result.exit_code == 3
    line = f"error: needs {STREAMED_PEAK} bytes of SRAM, budget {budget}, over by 1000 at op {peak_op}"
    assert result.output.rstrip().splitlines()[-1] == line  # stdout and stderr, in order
    assert result.stderr.strip() == line
    assert json.loads(result.stdout)["fits"] is False  # the JSON still comes first, on stdout
    text = run(model, "--sram", str(budget))
    assert text.exit_code == 3
    assert text.stdout.rstrip().splitlines()[-1].startswith(
        f"does not fit (SRAM): SRAM needs {STREAMED_PEAK:,} B, budget {budget:,}, over by 1,000 at op {peak_op}; flash ")


def test_flash_over_budget_exits_3(model, figures):
    flash = figures[2]
    result = run(model, "--flash", str(flash - 10))
    assert result.exit_code == 3
    assert f"error: needs {flash} bytes of flash for weights, budget {flash - 10}, over by 10" in result.output
    # the last line of the report says which budget failed, not that SRAM fits
    assert result.stdout.rstrip().splitlines()[-1] == (
        f"does not fit (flash): SRAM {figures[0]:,} of 102,400 B ({percent(figures[0], 102400)}); "
        f"flash needs {flash:,} B, budget {flash - 10:,}, over by 10")


def test_one_byte_over_never_reads_100_percent(model, figures):
    peak = figures[0]
    over = run(model, "--sram", str(peak - 1))
    assert over.exit_code == 3
    assert f"SRAM arena:   {peak:,} of {peak - 1:,} B (100.1%)" in over.stdout
    exact = run(model, "--sram", str(peak))
    assert exact.exit_code == 0 and f"({percent(peak, peak)})" in exact.stdout and percent(peak, peak) == "100.0%"
    assert percent(999, 1000) == "99.9%" and percent(9999, 10000) == "99.9%" and percent(10001, 10000) == "100.1%"


def test_alignment_option(model):
    data = json.loads(run(model, "--json", "--align", "64").output)
    assert all(t["offset"] % 64 == 0 for t in data["tensors"])
    assert run(model, "--align", "0").exit_code == 2


def test_build_directory_is_planned_as_is(tmp_path, model):
    from hcc.memory.planner import plan_memory

    build = tmp_path / "build"
    build.mkdir()
    (build / "example.hir").write_text(print_graph(build_target_graph(build_example(), quantize=False, streaming=True)))
    (build / "example.c").write_text("/* generated */\n")
    data = json.loads(run(build, "--json", "--sram", "520k").stdout)  # a float plan: past the default budget
    float_plan = plan_memory(build_target_graph(build_example(), quantize=False, streaming=True))
    assert data["peak_bytes"] == float_plan.peak_bytes and data["unfused_peak_bytes"] is None
    (build / "other.hir").write_text(print_graph(build_example()))
    result = run(build)
    assert result.exit_code == 2 and "exactly one .hir" in result.output


def test_missing_model_is_a_user_error(tmp_path):
    result = run(tmp_path / "nope.onnx")
    assert result.exit_code == 2 and "no such file" in result.output


def _png_is_not_blank(data: bytes) -> bool:
    """Decode an 8-bit RGB/RGBA PNG just enough to see more than one colour."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6)
    raw = zlib.decompress(idat)
    stride = width * (3 if colour == 2 else 4) + 1
    rows = [raw[i * stride + 1 : (i + 1) * stride] for i in range(0, height, 25)]
    return len({row[j : j + 3] for row in rows for j in range(0, len(row), 3 * 40)}) > 3


def test_html_page_renders_in_chromium(tmp_path, model):
    html = tmp_path / "plan.html"
    result = run(model, "--html", html, "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    tensors = report["tensors"]
    page = html.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # self-contained
    assert "<script" not in page and "@import" not in page and "url(" not in page

    dom = dump_dom(html, tmp_path / "profile")
    svg = re.search(r'<svg id="arena".*?</svg>', dom, re.S)
    assert svg, "the arena SVG is missing from the rendered DOM"
    rects = re.findall(r'<rect class="tensor"[^>]*>\s*<title>([^<]*)</title>', svg.group(0))
    assert len(rects) == len(tensors)
    assert all(any(title.startswith(t["name"] + " (") for title in rects) for t in tensors)
    assert f"peak {report['peak_bytes']:,} B at {report['peak_op']}" in svg.group(0)

    png = tmp_path / "plan.png"
    screenshot(html, png, tmp_path / "profile2")
    assert _png_is_not_blank(png.read_bytes())


def test_html_and_json_show_the_plan_before_and_after_each_memory_pass(tmp_path, model):
    from hcc.pipeline import MEMORY

    html = tmp_path / "plan.html"
    result = run(model, "--html", html, "--json")
    assert result.exit_code == 0
    stages = json.loads(result.output)["memory_passes"]
    assert [s["pass"] for s in stages] == ["lower-conv2d", *MEMORY]
    assert stages[-1]["peak_bytes"] == json.loads(result.output)["peak_bytes"]
    assert all(s["peak_bytes"] >= s["lower_bound_bytes"] for s in stages)
    page = html.read_text()
    assert page.count('<svg id="stage-') == len(stages)
    for s in stages:
        assert f"<h3>after {s['pass']}: {s['peak_bytes']:,} B</h3>" in page
    text = run(model).output
    assert "memory passes: lower-conv2d " in text and f"conv-scratch {stages[-1]['peak_bytes']:,} B" in text
