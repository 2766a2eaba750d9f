"""Convert images (PNG, JPEG, ...) to 8-bit binary PGM (P5) for examples/host: `make demo`.

    python scripts/to_pgm.py -o OUT_DIR IMAGE...

Colour images become gray with Pillow's ITU-R 601-2 luma (mode "L"); nothing is cropped or
resized here: the generated NAME_preprocess_u8 does that in C.
"""

import argparse
from pathlib import Path

from PIL import Image


def to_pgm(src: Path, out_dir: Path) -> Path:
    dst = out_dir / (src.stem + ".pgm")
    with Image.open(src) as im:
        im.convert("L").save(dst, format="PPM")  # mode L saves as P5
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("images", nargs="+", type=Path)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for src in args.images:
        print(to_pgm(src, args.out))


if __name__ == "__main__":
    main()
