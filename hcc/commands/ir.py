"""`hcc ir`: print a model as hcc IR (text or JSON), optionally after running passes."""

from __future__ import annotations

import json

import click

from hcc.commands.common import calibration_options
from hcc.errors import HccError
from hcc.frontend import load_model
from hcc.ir.json_dump import graph_json
from hcc.ir.printer import print_graph
from hcc.outputs import write_text_atomic
from hcc.passes import all_passes, run_passes
from hcc.pipeline import CalibrationOptions, default_passes, equalize, load_calibration_samples, quantize_graph


def _pass_list(text: str | None, graph=None) -> list[str]:
    if not text:
        return []
    if text == "default":
        return default_passes(graph=graph)
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = all_passes()
    for name in names:
        if name not in known:
            raise HccError(f"unknown pass '{name}' (known: {', '.join(sorted(known))}, or 'default')")
    return names


def _run(graph, names, calibration, print_after):
    """Run passes in order; `quantize` is calibrated on the graph as it is when it runs, and
    `equalize-channels` takes its per-channel ranges from the same calibration data."""
    for name in names:
        if name == "quantize":
            quantize_graph(graph, calibration, after_each=print_after)
        elif name == "equalize-channels":
            options = calibration or CalibrationOptions()
            equalize(graph, load_calibration_samples(graph, options), options.equalize_alpha, after_each=print_after)
        else:
            run_passes(graph, [name], after_each=print_after)


@click.command("ir")
@click.argument("model", type=click.Path(dir_okay=False), required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the IR to this file instead of stdout.")
@click.option("--passes", "passes", metavar="A,B,...",
              help="Run these passes first, in order ('default' = the whole compile pipeline). See --list-passes.")
@click.option("--print-after-all", is_flag=True, help="Print the IR after every pass (like opt -print-after-all).")
@click.option("--list-passes", is_flag=True, help="List the available passes and exit.")
@calibration_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON description (structure and types, no weight data).")
@click.option("--elide-weights", is_flag=True, help="Leave weight data out of the text (readable, but does not parse back).")
def ir_command(model, output, passes, print_after_all, list_passes, calibration, as_json, elide_weights):
    """Print MODEL (.onnx, .tflite or .hir) as hcc's textual IR.

    \b
    The text parses back: `hcc ir m.onnx > a.hir && hcc ir a.hir > b.hir`
    gives identical a.hir and b.hir. Large weights are kept, base64-encoded, in
    a `resources` section at the end of the text.
    \b
    Inspect the compiler:  hcc ir m.onnx --passes fold-batchnorm,fuse-silu
                           hcc ir m.onnx --passes default --print-after-all --elide-weights
    """
    if list_passes:
        for name, p in sorted(all_passes().items()):
            click.echo(f"{name:26s} {p.summary}")
        return
    if model is None:
        raise click.UsageError("missing argument MODEL")
    graph = load_model(model)

    def show(name, g):
        click.echo(f"// ----- IR after pass '{name}' -----")
        click.echo(print_graph(g, elide_weights=elide_weights), nl=False)

    _run(graph, _pass_list(passes, graph), calibration,
         show if print_after_all else None)
    text = json.dumps(graph_json(graph), indent=2) + "\n" if as_json else print_graph(graph, elide_weights=elide_weights)
    if output:
        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)
