"""Print the Concat grid study table (docs/numerics.md, "Concat"): output SNR and requantized
inputs for each way of putting Concat's inputs on its output's grid.

    PYTHONPATH=. python tools/concat_grid.py [MODEL.onnx ...]
"""

import sys

from hcc.tools.concat_grid import table

if __name__ == "__main__":
    print(table(sys.argv[1:] or None))
