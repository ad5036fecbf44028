#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The report on the captured boot logs in data/ (see data/README.md),
their other formats, their SVG, and mangled copies of them. Prints TAP.

    run-report-tests.py PROGRAM DATA_DIR

UAP_WRAPPER (e.g. valgrind with its options) runs the program under it."""
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

PROG, DATA = sys.argv[1], sys.argv[2]
WRAPPER = shlex.split(os.environ.get("UAP_WRAPPER", ""))
CONFIG = os.path.join(DATA, "modprobe.d")
SVG_NS = "{http://www.w3.org/2000/svg}"

n = 0
failed = 0


def ok(cond, what, diag=""):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    if not cond and diag:
        for line in str(diag).splitlines()[:40]:
            print("# " + line)


def run(*args, stdin=None):
    return subprocess.run(WRAPPER + [PROG, "-C", CONFIG, "report", *args], input=stdin,
                          capture_output=True, timeout=300)


def report_json(path):
    p = run(f"--dmesg={path}", "--json=pretty")
    if p.returncode != 0:
        return None, p.stderr.decode(errors="replace")
    return json.loads(p.stdout.decode("utf-8")), p.stderr.decode(errors="replace")


def clean_text(b):
    """Valid UTF-8 with no control byte but newline: safe for a terminal."""
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", s)


HERE = os.path.dirname(os.path.abspath(__file__))


def check_against_truth(json_path, truth, runner):
    p = subprocess.run([sys.executable, os.path.join(HERE, "check-report.py"),
                        f"--runner={runner}", json_path, truth], capture_output=True, text=True)
    checks = p.stdout.count("\nok ") + p.stdout.startswith("ok ")
    return p.returncode == 0, checks, p.stdout + p.stderr


def probe_key(p):
    return (p["device"], p["start_usec"], p["end_usec"], p["result"], p["mode"], p["driver"])


def svg_checks(name, rep, svg_path):
    try:
        root = ET.parse(svg_path).getroot()
    except ET.ParseError as e:
        ok(False, f"{name}: the SVG is well-formed XML", e)
        return
    ok(root.tag == SVG_NS + "svg" and int(root.get("width")) > 0 and int(root.get("height")) > 0,
       f"{name}: the SVG is an <svg> {root.get('width')}x{root.get('height')}")
    tags = {el.tag.replace(SVG_NS, "") for el in root.iter()}
    hrefs = [k for el in root.iter() for k in el.attrib if "href" in k or k.startswith("on")]
    ok("script" not in tags and "foreignObject" not in tags and not hrefs,
       f"{name}: no script, no foreign content, no links or handlers (elements: {sorted(tags)})")
    bars = [el for el in root.iter(SVG_NS + "rect") if el.find(SVG_NS + "title") is not None]
    ok(len(bars) == len(rep["probes"]), f"{name}: {len(bars)} bars for {len(rep['probes'])} probes")
    for mode in ("async", "sync", "unknown"):
        want = sum(1 for p in rep["probes"] if p["mode"] == mode)
        got = sum(1 for b in bars if mode in b.get("class").split())
        ok(got == want, f"{name}: {got} bars coloured {mode} = {want} {mode} probes")
    texts = " ".join("".join(el.itertext()) for el in root.iter(SVG_NS + "text"))
    missing = [p["device"] for p in rep["probes"] if p["device"] not in texts]
    ok(not missing, f"{name}: every probe is labelled", missing)
    ok(any(t.endswith(" s") for t in (el.text or "" for el in root.iter(SVG_NS + "text"))),
       f"{name}: the time axis has labels in seconds")


def test_capture(base):
    name = os.path.basename(base)
    runner = "program" if "program" in name else "stock"
    truth = base + ".truth"
    rep, err = report_json(base + ".dmesg")
    ok(rep is not None, f"{name}: report --dmesg --json", err)
    if rep is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as t:
        json.dump(rep, t)
    good, checks, out = check_against_truth(t.name, truth, runner)
    os.unlink(t.name)
    ok(good, f"{name}: the report matches the drivers' records ({checks} checks)", out)

    for fmt in ("kmsg", "journal"):
        if not os.path.exists(f"{base}.{fmt}"):
            continue
        other, err = report_json(f"{base}.{fmt}")
        ok(other is not None and sorted(map(probe_key, other["probes"])) == sorted(map(probe_key, rep["probes"])),
           f"{name}: the {fmt} form of the boot gives the same probes", err)

    p = run(f"--dmesg={base}.dmesg")
    out = p.stdout
    ok(p.returncode == 0 and clean_text(out), f"{name}: text report, clean for a terminal", p.stderr)
    text = out.decode("utf-8", "replace")
    for section in ("Probes (", "Drivers (", "Critical path:", "Time in probes per bus"):
        ok(section in text, f"{name}: the text has '{section}'")
    ok("Listing uapother in buses=" in text or not rep["dyndbg"],
       f"{name}: the text says what listing uapother would have saved")

    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "t.svg")
        p = run(f"--dmesg={base}.dmesg", f"--svg={svg}", "--json=off")
        ok(p.returncode == 0 and os.path.exists(svg), f"{name}: --svg", p.stderr)
        if os.path.exists(svg):
            svg_checks(name, rep, svg)
    return rep


def mangle_tests(base, other_base):
    name = os.path.basename(base)
    data = open(base + ".dmesg", "rb").read()
    lines = data.split(b"\n")
    rnd = random.Random(1)
    cases = {}
    cases["truncated lines"] = b"\n".join(l[:rnd.randrange(len(l) + 1)] for l in lines)
    shuffled = lines[:]
    rnd.shuffle(shuffled)
    cases["shuffled lines"] = b"\n".join(shuffled)
    if other_base:
        o = open(other_base + ".dmesg", "rb").read().split(b"\n")
        mixed = [x for pair in zip(lines, o) for x in pair]
        cases["two boots interleaved"] = b"\n".join(mixed)
    cases["cut every 997 bytes"] = b"\n".join(data[i:i + 997] for i in range(0, len(data), 997))
    foreign = [b"\x00\x01\x02 binary \xff\xfe", b"[   1.000000] probe of \x1b[31mevil\x1b[0m returned 0 after 5 usecs",
               b"[   2.000000] probe of \xc3\x28bad returned 0 after 7 usecs",
               b"[   3.000000] calling  x [\x1b]2;title\x07] @ 1",
               b"[   4.0] " + b"A" * 100000, b"[99999999999999999999.999999] probe of big returned 0 after 1 usecs",
               b"[   5.000000] probe of neg returned -99999999999 after 18446744073709551615 usecs",
               b"<6>[   6.000000][  T12] pfx dev: bus: 'b': really_probe: probing driver d with device",
               b"1,2,3", b"6,1,2,-;", b" DEVICE=+:", b"[]", b"[ .]", b"x[1]: y", b"[   7.000000] h kernel: "]
    inj = []
    for l in lines:
        inj.append(l)
        inj.append(foreign[rnd.randrange(len(foreign))])
    cases["foreign lines everywhere"] = b"\n".join(inj)
    cases["empty"] = b""
    cases["only newlines"] = b"\n" * 1000
    for what, blob in cases.items():
        p = run("--dmesg=-", "--json=short", stdin=blob)
        good = p.returncode == 0
        try:
            rep = json.loads(p.stdout.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            good, rep = False, str(e)
        ok(good, f"{name}: {what}: valid JSON", p.stderr.decode(errors="replace"))
        p = run("--dmesg=-", stdin=blob)
        ok(p.returncode == 0 and clean_text(p.stdout), f"{name}: {what}: text clean for a terminal")
        with tempfile.TemporaryDirectory() as d:
            svg = os.path.join(d, "t.svg")
            p = run("--dmesg=-", f"--svg={svg}", stdin=blob)
            try:
                ET.parse(svg)
                well = True
            except (ET.ParseError, OSError) as e:
                well = str(e)
            ok(p.returncode == 0 and well is True, f"{name}: {what}: SVG well-formed", well)
        if what == "foreign lines everywhere" and isinstance(rep, dict):
            evil = [p for p in rep["probes"] if "evil" in p["device"]]
            ok(evil and evil[0]["device"] == "\x1b[31mevil\x1b[0m",
               f"{name}: an escape sequence stays data in JSON (escaped by the writer)")


def multi_boot(a, b):
    both = open(a + ".dmesg", "rb").read() + open(b + ".dmesg", "rb").read()
    p = run("--dmesg=-", "--json=short", stdin=both)
    rep = json.loads(p.stdout)
    last, _ = report_json(b + ".dmesg")
    ok(rep["boots"] == 2 and sorted(map(probe_key, rep["probes"])) == sorted(map(probe_key, last["probes"])),
       f"two boots in one file: the report is the last one's (boots={rep['boots']})")


def main():
    bases = sorted({os.path.join(DATA, f.rsplit(".", 1)[0]) for f in os.listdir(DATA) if f.endswith(".truth")})
    if not bases:
        print("1..0 # SKIP no captured logs")
        return 0
    for b in bases:
        test_capture(b)
    stock = [b for b in bases if "stock" in b]
    program = [b for b in bases if "program" in b]
    if stock and program:
        mangle_tests(program[0], stock[0])
        multi_boot(stock[0], program[0])
    p = run("--dmesg=/nonexistent/log")
    ok(p.returncode == 1 and b"/nonexistent/log" in p.stderr, "a missing file: exit 1 with its name")
    p = run("extra-argument")
    ok(p.returncode == 2, "an argument: usage error")
    p = run("--help")
    ok(p.returncode == 0 and b"--svg=FILE" in p.stdout, "--help")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
