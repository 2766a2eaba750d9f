"""Print the selective scan's precision study (docs/numerics.md, "The previous specification, and why this one").

    PYTHONPATH=. python tools/scan_precision.py
"""

from hcc.tools.scan_precision import table

if __name__ == "__main__":
    print(table())
