"""pngcheck.py — reading PNG files with the standard library, for the map tests.

decode(path) returns (width, height, rows) with rows a list of bytes objects of RGB triplets
(8-bit RGB, RGBA, grey or grey+alpha, non-interlaced: what cairo and Chromium write).
stats(...) says whether an image is blank; signature(...) reduces an image to a coarse grid of
mean colours, which compare(...) matches structurally: two renderings of the same map agree
cell by cell within a tolerance even when antialiasing or text differ by a pixel.

Usage as a program:  pngcheck.py stats FILE
                     pngcheck.py compare FILE REFERENCE [MAX_BAD_CELLS_PERCENT]
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG file" % path)
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or interlace or ctype not in (0, 2, 4, 6):
        raise ValueError("%s: unsupported PNG (depth %d, type %d)" % (path, depth, ctype))
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if ctype == 2:
            rows.append(bytes(line))
        elif ctype == 6:
            rows.append(bytes(v for k in range(w) for v in line[4 * k:4 * k + 3]))
        elif ctype == 0:
            rows.append(bytes(v for v in line for _ in range(3)))
        else:
            rows.append(bytes(line[2 * k] for k in range(w) for _ in range(3)))
    return w, h, rows


def stats(w, h, rows, step=3):
    """The share of sampled pixels that are not (near) white, and the number of distinct colours
    (quantised to 32 levels a channel)."""
    ink, colours, n = 0, set(), 0
    for y in range(0, h, step):
        r = rows[y]
        for x in range(0, w, step):
            px = r[3 * x:3 * x + 3]
            n += 1
            if min(px) < 235:
                ink += 1
            colours.add((px[0] >> 3, px[1] >> 3, px[2] >> 3))
    return ink / max(n, 1), len(colours)


def signature(w, h, rows, cols=64, lines=40):
    """Mean colour of each cell of a cols x lines grid."""
    grid = []
    for gy in range(lines):
        y0, y1 = gy * h // lines, (gy + 1) * h // lines
        for gx in range(cols):
            x0, x1 = gx * w // cols, (gx + 1) * w // cols
            s, n = [0, 0, 0], 0
            for y in range(y0, y1, 2):
                r = rows[y]
                for x in range(x0, x1, 2):
                    s[0] += r[3 * x]
                    s[1] += r[3 * x + 1]
                    s[2] += r[3 * x + 2]
                    n += 1
            grid.append(tuple(v / max(n, 1) for v in s))
    return grid


def compare(a, b, tolerance=10.0):
    """The share of cells whose mean colours differ by more than tolerance (max over channels)."""
    bad = sum(1 for p, q in zip(a, b) if max(abs(x - y) for x, y in zip(p, q)) > tolerance)
    return bad / len(a)


if __name__ == "__main__":
    if sys.argv[1] == "stats":
        w, h, rows = decode(sys.argv[2])
        ink, colours = stats(w, h, rows)
        print("%d %d %.4f %d" % (w, h, ink, colours))
    elif sys.argv[1] == "compare":
        img, ref = decode(sys.argv[2]), decode(sys.argv[3])
        limit = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
        if abs(img[0] - ref[0]) > 2 or abs(img[1] - ref[1]) > 2:
            print("size %dx%d, reference %dx%d" % (img[0], img[1], ref[0], ref[1]))
            sys.exit(1)
        bad = compare(signature(*img), signature(*ref)) * 100
        print("%.1f%% of cells differ (limit %.1f%%)" % (bad, limit))
        sys.exit(0 if bad <= limit else 1)
