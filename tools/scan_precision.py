"""Print the selective scan's state-format precision table (docs/numerics.md, "Why a 32-bit state").

    PYTHONPATH=. python tools/scan_precision.py
"""

from hcc.tools.scan_precision import table

if __name__ == "__main__":
    print(table())
