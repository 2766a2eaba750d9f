"""`hcc ir`: print a model as hcc IR (text or JSON)."""

from __future__ import annotations

import json

import click

from hcc.frontend import load_model
from hcc.ir.json_dump import graph_json
from hcc.ir.printer import print_graph
from hcc.outputs import write_text_atomic


@click.command("ir")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the IR to this file instead of stdout.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON description (structure and types, no weight data).")
@click.option("--elide-weights", is_flag=True, help="Leave weight data out of the text (readable, but does not parse back).")
def ir_command(model, output, as_json, elide_weights):
    """Print MODEL (.onnx or .hir) as hcc's textual IR.

    \b
    The text parses back: `hcc ir m.onnx > a.hir && hcc ir a.hir > b.hir`
    gives identical a.hir and b.hir. Large weights are kept, base64-encoded, in
    a `resources` section at the end of the text.
    """
    graph = load_model(model)
    text = json.dumps(graph_json(graph), indent=2) + "\n" if as_json else print_graph(graph, elide_weights=elide_weights)
    if output:
        write_text_atomic(output, text)
    else:
        click.echo(text, nl=False)
