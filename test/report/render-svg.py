#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Render the report's SVG timeline in a real browser (Debian's Chromium,
headless) and check the picture: its size, that it is not blank, and that
the bars came out in their colours, about as large as the SVG drew them.
Prints TAP.

    render-svg.py PROGRAM DATA_DIR [--docs DIR]

Without --docs: every capture of DATA_DIR with a record to check against,
each pair of them (stock, project) compared in one picture, and the
pictures docs/report.md shows (DOCS below), each against the one in docs/.
--docs renders, checks and writes to DIR those pictures, from the top of
the tree."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib

SVG_NS = "{http://www.w3.org/2000/svg}"
# udev-builtin/report/svg.c's fills
COLOURS = {"async": (0x2b, 0x7b, 0xb9), "sync": (0xe8, 0x74, 0x3b), "unknown": (0x9a, 0x9a, 0x9a)}
CHART_TOP = 100  # report/svg.c's TOP_PX: the first row

n = 0
failed = 0


def ok(cond, what, diag=""):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    if not cond and diag:
        for line in str(diag).splitlines()[-30:]:
            print("# " + line)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path):
    """Width, height and rows of (r, g, b) tuples of an 8-bit RGB(A) PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unexpected PNG format depth={depth} type={ctype} interlace={interlace}")
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xff
            elif f == 2:
                line[i] = (line[i] + b) & 0xff
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xff
            elif f == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 0xff
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def render(svg, png, width, height):
    chromium = shutil.which("chromium")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--hide-scrollbars", "--force-device-scale-factor=1",
               f"--screenshot={png}", f"--window-size={width},{height}", "file://" + os.path.abspath(svg)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


# The pictures docs/report.md shows: (file, report arguments, configuration).
# The two single boots share one time axis (--time-range); the comparisons
# draw both boots of a pair on one. Logs are named from the top of the tree,
# as the pictures' titles show them.
DOCS = [
    ("report-timeline-program.png", ["--dmesg=test/report/data/uml-program.dmesg", "--time-range=4s"], "modprobe.d"),
    ("report-timeline-stock.png", ["--dmesg=test/report/data/uml-stock.dmesg", "--time-range=4s"], "modprobe.d"),
    ("report-compare-uml.png", ["--dmesg=test/report/data/uml-program.dmesg",
                                "--compare=test/report/data/uml-stock.dmesg"], "modprobe.d"),
    ("report-compare-qemu-slow.png", ["--dmesg=test/report/data/qemu-slow-program.dmesg",
                                      "--compare=test/report/data/qemu-slow-stock.dmesg", "--no-built-in"],
     "qemu-modprobe.d"),
]
# Pairs of captures (stock, project) rendered as one comparison.
PAIRS = [("uml-stock", "uml-program"), ("qemu-stock", "qemu-program"), ("qemu-slow-stock", "qemu-slow-program")]


def cases(data):
    """Every picture checked: (name, report arguments, configuration)."""
    out = []
    # The captures with a record to check against: .truth (UML), .pci (qemu).
    logs = sorted(f for f in os.listdir(data) if f.endswith(".dmesg") and any(
        os.path.exists(os.path.join(data, f[:-6] + ext)) for ext in (".truth", ".pci")))
    for log in logs:
        config = "qemu-modprobe.d" if log.startswith("qemu-") else "modprobe.d"
        out.append((log, [f"--dmesg={os.path.join(data, log)}"], config))
    for a, b in PAIRS:
        pa, pb = os.path.join(data, a + ".dmesg"), os.path.join(data, b + ".dmesg")
        if os.path.exists(pa) and os.path.exists(pb):
            config = "qemu-modprobe.d" if a.startswith("qemu-") else "modprobe.d"
            out.append((f"{b} against {a}", [f"--dmesg={pb}", f"--compare={pa}"], config))
    return out


def check_picture(name, prog, data, args, config, keep=None, shipped=None):
    with tempfile.TemporaryDirectory() as d:
        svg, png = os.path.join(d, "t.svg"), os.path.join(d, "t.png")
        p = subprocess.run([prog, "-C", os.path.join(data, config), "report", *args, f"--svg={svg}"],
                           capture_output=True)
        ok(p.returncode == 0, f"{name}: report --svg", p.stderr)
        if p.returncode != 0:
            return
        root = ET.parse(svg).getroot()
        w, h = int(root.get("width")), int(root.get("height"))
        t0 = time.monotonic()
        p = render(svg, png, w, h)
        secs = time.monotonic() - t0
        ok(p.returncode == 0 and os.path.exists(png), f"{name}: Chromium rendered it in {secs:.1f} s", p.stderr)
        if not os.path.exists(png):
            return
        pw, ph, rows = read_png(png)
        ok((pw, ph) == (w, h), f"{name}: the PNG is {pw}x{ph}, the SVG's size {w}x{h}")
        counts, chart = {}, {}
        for y, row in enumerate(rows):
            for px in row:
                counts[px] = counts.get(px, 0) + 1
                # Below the title, legend and axis labels: the bars.
                if y >= CHART_TOP:
                    chart[px] = chart.get(px, 0) + 1
        white = counts.get((255, 255, 255), 0)
        inked = pw * ph - white
        ok(inked > pw * ph // 50, f"{name}: not blank: {inked} of {pw * ph} pixels inked")
        ok(len(counts) >= 16, f"{name}: {len(counts)} distinct colours (text, bars, axis)")
        dark = sum(c for px, c in counts.items() if max(px) < 90)
        ok(dark > 500, f"{name}: {dark} dark pixels of text")
        bars = [el for el in root.iter(SVG_NS + "rect") if el.find(SVG_NS + "title") is not None]
        for mode, rgb in COLOURS.items():
            mine = [b for b in bars if mode in b.get("class").split() and "failed" not in b.get("class")]
            # Inside the outline: the fill's exact colour at scale factor 1.
            want = sum(max(0, int(float(b.get("width"))) - 3) * (int(b.get("height")) - 3) for b in mine)
            got = chart.get(rgb, 0)
            if mine:
                ok(got >= want * 0.8, f"{name}: {got} pixels of the {mode} colour for {len(mine)} bars "
                   f"(at least {int(want * 0.8)})")
            else:
                # Anti-aliased grey text hits the unknown grey now and then:
                # the more text, the more often (a qemu boot has 47 labels).
                stray = max(100, dark // 50)
                ok(got < stray, f"{name}: no bar in the {mode} colour ({got} stray pixels, "
                   f"fewer than {stray}), none being {mode}")
        if keep:
            shutil.copy(png, keep)
        if shipped:
            # The picture in docs/ is this one as rendered when it was made:
            # the same size, so from the same report (Chromium's pixels vary).
            try:
                sw, sh, _ = read_png(shipped)
            except (OSError, ValueError) as e:
                sw, sh = e, None
            ok((sw, sh) == (w, h), f"{name}: docs/{os.path.basename(shipped)} is there, {sw}x{sh}, the size "
               f"of the picture now ({w}x{h})")


def main():
    prog, data = sys.argv[1], sys.argv[2]
    docs = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--docs" else None
    if not shutil.which("chromium"):
        print("1..0 # SKIP chromium not installed (test/report/ci-prepare.sh installs it)")
        return 77
    if not docs:
        for name, args, config in cases(data):
            check_picture(name, prog, data, args, config)
    # From the top of the tree, so that the titles name the logs as docs/report.md does.
    prog = os.path.abspath(prog)
    docs = os.path.abspath(docs) if docs else None
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.chdir(top)
    if not docs:
        # Every picture docs/report.md shows is made here, from a log of data/.
        shown = re.findall(r"!\[[^]]*\]\(([^)/]+\.png)\)", open("docs/report.md", encoding="utf-8").read())
        made = [png for png, _, _ in DOCS]
        ok(shown and all(png in made for png in shown),
           f"docs/report.md shows {len(shown)} pictures, each made by --docs", sorted(set(shown) - set(made)))
    for png, args, config in DOCS:
        logs = [a.split("=", 1)[1] for a in args if a.startswith(("--dmesg=", "--compare="))]
        if all(os.path.exists(log) for log in logs):
            if docs:
                check_picture(png, prog, "test/report/data", args, config, keep=os.path.join(docs, png))
            else:
                check_picture(png, prog, "test/report/data", args, config, shipped=os.path.join("docs", png))
        else:
            print(f"# {png}: {' or '.join(log for log in logs if not os.path.exists(log))} not captured")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
