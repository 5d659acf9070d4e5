"""Draw Placefund's mark, favicons and logo.

The mark is a map pin inside a ring, drawn on a 32 x 32 grid. This script
writes the SVG files and rasterises the same geometry into PNG and ICO files
using only the Python standard library.

    python3 make_icons.py OUTPUT_DIR
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

BRAND = (0x00, 0x59, 0x4F)  # #00594f, Placefund teal
WHITE = (0xFF, 0xFF, 0xFF)
BRAND_HEX = "#00594f"

# Geometry on a 32 x 32 grid.
CENTRE = 16.0
RING_OUTER = 15.5
RING_INNER = 13.0
HEAD_X, HEAD_Y, HEAD_R = 16.0, 13.5, 7.0
TIP_Y = 26.0
HOLE_R = 2.75

# "Placefund" set in DejaVu Sans Bold at 26 px, converted to outlines;
# baseline at y = 0, starting at x = 0, 145.5 units wide.
WORDMARK_PATH = "M2.39 -18.95H10.5Q14.12 -18.95 16.05 -17.35Q17.99 -15.74 17.99 -12.77Q17.99 -9.79 16.05 -8.18Q14.12 -6.58 10.5 -6.58H7.27V0H2.39ZM7.27 -15.41V-10.12H9.98Q11.4 -10.12 12.17 -10.81Q12.95 -11.5 12.95 -12.77Q12.95 -14.04 12.17 -14.73Q11.4 -15.41 9.98 -15.41ZM21.24 -19.75H25.78V0H21.24ZM36.52 -6.4Q35.1 -6.4 34.39 -5.92Q33.67 -5.43 33.67 -4.49Q33.67 -3.63 34.25 -3.14Q34.82 -2.65 35.85 -2.65Q37.13 -2.65 38.01 -3.57Q38.89 -4.49 38.89 -5.88V-6.4ZM43.47 -8.11V0H38.89V-2.11Q37.97 -0.81 36.83 -0.22Q35.69 0.37 34.05 0.37Q31.84 0.37 30.46 -0.92Q29.08 -2.21 29.08 -4.27Q29.08 -6.77 30.81 -7.93Q32.53 -9.1 36.21 -9.1H38.89V-9.46Q38.89 -10.54 38.04 -11.04Q37.18 -11.54 35.38 -11.54Q33.92 -11.54 32.67 -11.25Q31.41 -10.96 30.33 -10.37V-13.84Q31.79 -14.19 33.26 -14.38Q34.73 -14.56 36.21 -14.56Q40.05 -14.56 41.76 -13.04Q43.47 -11.53 43.47 -8.11ZM59.19 -13.77V-10.07Q58.26 -10.7 57.33 -11.01Q56.39 -11.31 55.39 -11.31Q53.49 -11.31 52.43 -10.2Q51.37 -9.09 51.37 -7.1Q51.37 -5.1 52.43 -3.99Q53.49 -2.88 55.39 -2.88Q56.46 -2.88 57.41 -3.2Q58.37 -3.52 59.19 -4.14V-0.42Q58.12 -0.03 57.02 0.17Q55.92 0.37 54.82 0.37Q50.97 0.37 48.8 -1.61Q46.63 -3.58 46.63 -7.1Q46.63 -10.61 48.8 -12.59Q50.97 -14.56 54.82 -14.56Q55.94 -14.56 57.02 -14.36Q58.11 -14.17 59.19 -13.77ZM77.3 -7.15V-5.85H66.68Q66.84 -4.25 67.83 -3.45Q68.82 -2.65 70.6 -2.65Q72.03 -2.65 73.54 -3.08Q75.04 -3.5 76.63 -4.37V-0.86Q75.02 -0.25 73.4 0.06Q71.79 0.37 70.18 0.37Q66.32 0.37 64.18 -1.59Q62.04 -3.55 62.04 -7.1Q62.04 -10.58 64.14 -12.57Q66.24 -14.56 69.93 -14.56Q73.28 -14.56 75.29 -12.54Q77.3 -10.52 77.3 -7.15ZM72.63 -8.66Q72.63 -9.95 71.87 -10.75Q71.12 -11.54 69.9 -11.54Q68.58 -11.54 67.75 -10.8Q66.93 -10.05 66.73 -8.66ZM90.1 -19.75V-16.77H87.58Q86.62 -16.77 86.24 -16.42Q85.86 -16.07 85.86 -15.21V-14.22H89.74V-10.97H85.86V0H81.31V-10.97H79.05V-14.22H81.31V-15.21Q81.31 -17.53 82.61 -18.64Q83.9 -19.75 86.62 -19.75ZM91.9 -5.54V-14.22H96.47V-12.8Q96.47 -11.64 96.46 -9.9Q96.45 -8.15 96.45 -7.57Q96.45 -5.85 96.54 -5.1Q96.62 -4.34 96.84 -4Q97.12 -3.55 97.57 -3.31Q98.02 -3.07 98.6 -3.07Q100.03 -3.07 100.84 -4.16Q101.65 -5.26 101.65 -7.2V-14.22H106.2V0H101.65V-2.06Q100.62 -0.81 99.47 -0.22Q98.33 0.37 96.94 0.37Q94.48 0.37 93.19 -1.14Q91.9 -2.65 91.9 -5.54ZM124.86 -8.66V0H120.29V-1.41V-6.63Q120.29 -8.47 120.21 -9.17Q120.12 -9.86 119.92 -10.19Q119.65 -10.64 119.2 -10.89Q118.74 -11.13 118.16 -11.13Q116.73 -11.13 115.92 -10.04Q115.11 -8.94 115.11 -7V0H110.56V-14.22H115.11V-12.14Q116.14 -13.38 117.29 -13.97Q118.45 -14.56 119.84 -14.56Q122.31 -14.56 123.58 -13.05Q124.86 -11.54 124.86 -8.66ZM138.75 -12.14V-19.75H143.32V0H138.75V-2.06Q137.81 -0.8 136.68 -0.22Q135.55 0.37 134.06 0.37Q131.43 0.37 129.75 -1.72Q128.06 -3.81 128.06 -7.1Q128.06 -10.38 129.75 -12.47Q131.43 -14.56 134.06 -14.56Q135.54 -14.56 136.67 -13.97Q137.81 -13.38 138.75 -12.14ZM135.75 -2.93Q137.21 -2.93 137.98 -4Q138.75 -5.07 138.75 -7.1Q138.75 -9.13 137.98 -10.19Q137.21 -11.26 135.75 -11.26Q134.3 -11.26 133.54 -10.19Q132.77 -9.13 132.77 -7.1Q132.77 -5.07 133.54 -4Q134.3 -2.93 135.75 -2.93Z"  # noqa: E501
WORDMARK_WIDTH = 145.5


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _tangents() -> tuple[tuple[float, float], tuple[float, float]]:
    distance = TIP_Y - HEAD_Y
    cos_phi = HEAD_R / distance
    sin_phi = math.sqrt(1 - cos_phi * cos_phi)
    dx, dy = HEAD_R * sin_phi, HEAD_R * cos_phi
    return (HEAD_X - dx, HEAD_Y + dy), (HEAD_X + dx, HEAD_Y + dy)


def _circle_path(cx: float, cy: float, r: float) -> str:
    return (
        f"M{_fmt(cx - r)} {_fmt(cy)}"
        f"a{_fmt(r)} {_fmt(r)} 0 1 0 {_fmt(2 * r)} 0"
        f"a{_fmt(r)} {_fmt(r)} 0 1 0 {_fmt(-2 * r)} 0Z"
    )


def pin_path() -> str:
    """The pin with its hole (draw with fill-rule evenodd)."""
    (lx, ly), (rx, ry) = _tangents()
    r = _fmt(HEAD_R)
    return (
        f"M{_fmt(HEAD_X)} {_fmt(TIP_Y)}L{_fmt(lx)} {_fmt(ly)}"
        f"A{r} {r} 0 1 1 {_fmt(rx)} {_fmt(ry)}Z" + _circle_path(HEAD_X, HEAD_Y, HOLE_R)
    )


def ring_path() -> str:
    return _circle_path(CENTRE, CENTRE, RING_OUTER) + _circle_path(CENTRE, CENTRE, RING_INNER)


def favicon_svg() -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<circle cx="16" cy="16" r="16" fill="{BRAND_HEX}"/>'
        f'<path fill="#fff" fill-rule="evenodd" d="{pin_path()}"/>'
        "</svg>\n"
    )


def mark_svg() -> str:
    """One-colour mark (ring and pin), for masks and single-colour use."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<path fill="#000" fill-rule="evenodd" d="{ring_path()}{pin_path()}"/>'
        "</svg>\n"
    )


def logo_svg() -> str:
    """Mark and wordmark, white on the brand colour, 196 x 40."""
    width = 46 + WORDMARK_WIDTH + 4.5
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="placefund-logo-title"'
        f' width="{_fmt(width)}" height="40" viewBox="0 0 {_fmt(width)} 40">'
        '<title id="placefund-logo-title">Placefund</title>'
        f'<rect width="{_fmt(width)}" height="40" fill="{BRAND_HEX}"/>'
        '<g fill="#fff">'
        f'<path fill-rule="evenodd" transform="translate(4 4)" d="{ring_path()}{pin_path()}"/>'
        f'<path transform="translate(46 29.5)" d="{WORDMARK_PATH}"/>'
        "</g></svg>\n"
    )


# --- rasterising -----------------------------------------------------------


def _in_pin(x: float, y: float) -> bool:
    if (x - HEAD_X) ** 2 + (y - HEAD_Y) ** 2 <= HOLE_R**2:
        return False
    if (x - HEAD_X) ** 2 + (y - HEAD_Y) ** 2 <= HEAD_R**2:
        return True
    (lx, ly), (rx, ry) = _TANGENTS
    tx, ty = HEAD_X, TIP_Y

    # Inside the triangle tip, left tangent, right tangent.
    def side(ax: float, ay: float, bx: float, by: float) -> float:
        return (bx - ax) * (y - ay) - (by - ay) * (x - ax)

    s1 = side(tx, ty, lx, ly)
    s2 = side(lx, ly, rx, ry)
    s3 = side(rx, ry, tx, ty)
    return (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)


_TANGENTS = _tangents()


def _favicon_sample(x: float, y: float) -> tuple[int, ...] | None:
    """Brand disc with a white pin; transparent outside the disc."""
    if (x - CENTRE) ** 2 + (y - CENTRE) ** 2 > 16.0**2:
        return None
    return WHITE if _in_pin(x, y) else BRAND


def _touch_sample(x: float, y: float) -> tuple[int, ...] | None:
    """Brand square with the white ring and pin."""
    d2 = (x - CENTRE) ** 2 + (y - CENTRE) ** 2
    if RING_INNER**2 <= d2 <= RING_OUTER**2 or _in_pin(x, y):
        return WHITE
    return BRAND


def render(
    size: int,
    sample: Callable[[float, float], tuple[int, ...] | None],
    grid: float = 32.0,
    margin: float = 0.0,
    ss: int = 4,
) -> bytes:
    """RGBA pixels of a size x size image; the 32-unit grid fills size - 2 * margin."""
    scale = grid / (size - 2 * margin)
    rows = bytearray()
    for py in range(size):
        rows.append(0)  # PNG filter: none
        for px in range(size):
            r = g = b = a = 0.0
            for sy in range(ss):
                for sx in range(ss):
                    x = (px + (sx + 0.5) / ss - margin) * scale
                    y = (py + (sy + 0.5) / ss - margin) * scale
                    colour = sample(x, y)
                    if colour is not None:
                        r += colour[0]
                        g += colour[1]
                        b += colour[2]
                        a += 1
            if a:
                rows += bytes(
                    (round(r / a), round(g / a), round(b / a), round(255 * a / (ss * ss)))
                )
            else:
                rows += b"\x00\x00\x00\x00"
    return bytes(rows)


def png(size: int, raw_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + chunk(b"IEND", b"")
    )


def ico(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file whose entries are PNG images."""
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    body = b""
    for size, data in images:
        out += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        body += data
    return out + body


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "favicon.svg").write_text(favicon_svg(), encoding="utf-8")
    (out / "placefund-mark.svg").write_text(mark_svg(), encoding="utf-8")
    (out / "placefund-logo.svg").write_text(logo_svg(), encoding="utf-8")
    icons = [(size, png(size, render(size, _favicon_sample))) for size in (16, 32, 48)]
    (out / "favicon.ico").write_bytes(ico(icons))
    touch = png(180, render(180, _touch_sample, margin=26))
    (out / "apple-touch-icon.png").write_bytes(touch)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
