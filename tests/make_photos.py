#!/usr/bin/python3
"""make_photos.py - "photos" of MNIST digits for the `parlogit predict` tests.

Usage: make_photos.py IMAGES_IDX OUT_DIR ROW...

Each row of the IDX images file (gzip or plain) is drawn as a photo of a digit
on paper: dark ink (255 - pixel, scaled up to 300 px with bicubic resampling)
on light paper (grey 225), pasted off-centre into a 520 x 440 page, under a
left-to-right lighting gradient of -35..+20 grey levels and Gaussian noise
(sigma 6, seeded by the row), saved as OUT_DIR/rowN.png (RGB) and
OUT_DIR/rowN.jpg (quality 85).  It uses PIL only to resize and encode; the
preprocessing under test is parlogit's own.
"""
import gzip
import sys

import numpy as np
from PIL import Image


def main():
    images, out, rows = sys.argv[1], sys.argv[2], [int(r) for r in sys.argv[3:]]
    raw = open(images, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    n = int.from_bytes(raw[4:8], "big")
    x = np.frombuffer(raw, np.uint8, n * 784, 16).reshape(n, 28, 28)
    for r in rows:
        rng = np.random.default_rng(r)
        ink = np.asarray(Image.fromarray(255 - x[r]).resize((300, 300), Image.BICUBIC),
                         np.float64)
        page = np.full((440, 520), 255.0)
        top, left = 30 + r % 60, 60 + (7 * r) % 130
        page[top:top + 300, left:left + 300] = ink
        page = page * (225 / 255.0)
        page += np.linspace(-35, 20, 520)[None, :] + rng.normal(0, 6, page.shape)
        img = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8)).convert("RGB")
        img.save("%s/row%d.png" % (out, r))
        img.save("%s/row%d.jpg" % (out, r), quality=85)


if __name__ == "__main__":
    main()
