#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The report on the captured boot logs in data/ (see data/README.md),
their other formats, their SVG, and mangled copies of them. Prints TAP.

    run-report-tests.py PROGRAM DATA_DIR [TRAP]

UAP_WRAPPER (e.g. valgrind with its options) runs the program under it.
TRAP is report-trap.so (memory that runs out at one moment)."""
import json
import os
import random
import re
import shlex
import stat
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

PROG, DATA = sys.argv[1], sys.argv[2]
TRAP = sys.argv[3] if len(sys.argv) > 3 else None
WRAPPER = shlex.split(os.environ.get("UAP_WRAPPER", ""))
CONFIG = os.path.join(DATA, "modprobe.d")
QEMU_CONFIG = os.path.join(DATA, "qemu-modprobe.d")
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


def config_of(path):
    """The qemu captures have the configuration of their own boot."""
    return QEMU_CONFIG if os.path.basename(path).startswith("qemu-") else CONFIG


def run(*args, stdin=None, config=None, env=None):
    return subprocess.run(WRAPPER + [PROG, "-C", config or CONFIG, "report", *args], input=stdin,
                          capture_output=True, timeout=300, env=env)


def report_json(path, config=None, source=None, env=None):
    p = run(source or f"--dmesg={path}", "--json=pretty", config=config or config_of(path), env=env)
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
    text_agrees(name, rep, text)

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


def read_pci(path):
    """A qemu capture's .pci: DEVICE VENDOR:DEVICE DRIVER MODE per PCI device."""
    rows = {}
    for line in open(path, encoding="utf-8"):
        dev, _, drv, mode = line.split()
        rows[dev] = (None if drv == "-" else drv, mode)
    return rows


def read_status(path):
    """udev-async-probe status in the guest: per module, the BUS/DRIVER its drivers are."""
    owner = {}
    for line in open(path, encoding="utf-8"):
        words = line.split()
        for w in words[2:]:
            if "/" in w:
                owner[w.split("=")[0]] = words[0]
    return owner


def config_buses(config):
    buses = []
    for f in sorted(os.listdir(config)):
        for line in open(os.path.join(config, f), encoding="utf-8"):
            m = re.search(r"^options\s+udev_async_probe\s.*\bbuses=(\S+)", line)
            if m:
                buses = m.group(1).split(",")
    return buses


def at(usec):
    return f"{usec // 1000000}.{usec % 1000000 // 1000:03d}s"


def text_section(text, title):
    """The lines of the text's table that follows the line starting with
    TITLE (its column header included), up to the first blank line."""
    inside = False
    for line in text.splitlines():
        if line.startswith(title):
            inside = True
        elif inside and not line.strip():
            return
        elif inside:
            yield line


def text_probes(text):
    """The text's probe table: (flag, start, end, result, mode, bus, driver, device, loader)."""
    rows = []
    for line in text_section(text, "Probes ("):
        if not line.lstrip().startswith("START"):
            w = line[2:].split()
            rows.append((line[0] == "*", w[0], w[1], int(w[3]), w[4], w[5], " ".join(w[6:-2]), w[-2], w[-1]))
    return rows


def text_buses(text):
    """The text's per-bus table: bus -> (listed, sync n, async n, unknown n, movable n or None)."""
    rows = {}
    for line in text_section(text, "Time in probes per bus"):
        w = line.split()
        if w[0] != "BUS":
            n = [int(x.split("/")[0]) if x != "-" else None for x in w[2:6]]
            rows[w[0]] = (w[1] == "yes", *n)
    return rows


def consistency(name, rep, buses_listed):
    """What the summaries say, recomputed from the report's own probe table."""
    probes, drivers = rep["probes"], rep["drivers"]
    crit = rep["critical_path"]["probes"]
    ok(crit, f"{name}: a critical path ({len(crit)} probes)")
    keys = {(p["device"], p["start_usec"], p["end_usec"]): p for p in probes}
    missing = [c["device"] for c in crit if (c["device"], c["start_usec"], c["end_usec"]) not in keys
               or not keys[(c["device"], c["start_usec"], c["end_usec"])]["critical"]]
    ok(not missing, f"{name}: every probe of the critical path is in the table, flagged critical", missing)
    ok(sum(p["critical"] for p in probes) == len(crit), f"{name}: no other probe is flagged critical")
    ok(crit and crit[-1]["end_usec"] == max(p["end_usec"] for p in probes),
       f"{name}: the critical path ends with the probe that ended last")
    ok(all(a["end_usec"] <= b["start_usec"] + max(rep["tick_usec"], 1000) for a, b in zip(crit, crit[1:])),
       f"{name}: the critical path's probes follow one another")
    ok(rep["critical_path"]["probe_usec"] == sum(c["end_usec"] - c["start_usec"] for c in crit),
       f"{name}: the critical path's time is the sum of its probes'")
    by_driver = {(d["driver"] or "", d["bus"] or ""): d for d in drivers}
    for b in rep["buses"]:
        mine = [p for p in probes if (p["bus"] or "") == b["bus"]]
        for mode in ("sync", "async", "unknown"):
            these = [p for p in mine if p["mode"] == mode]
            ok(b[f"{mode}_probes"] == len(these) and b[f"{mode}_usec"] == sum(p["duration_usec"] for p in these),
               f"{name}: bus {b['bus']}: {b[f'{mode}_probes']} {mode} probes, "
               f"{b[f'{mode}_usec']} us = the table's")
        ok(b["listed"] == (b["bus"] in buses_listed), f"{name}: bus {b['bus']} listed={b['listed']} by the configuration")
        movable = {}
        for p in mine:
            d = by_driver[(p["driver"] or "", p["bus"] or "")]
            if p["mode"] == "sync" and p["bus"] and not d["builtin"] and \
                    d["loader"] in ("udev", "udev-async-probe", "unknown"):
                movable.setdefault(d["driver"], []).append(p["duration_usec"])
        n = sum(len(v) for v in movable.values())
        total = sum(sum(v) for v in movable.values())
        saved = sum(sum(v) - max(v) for v in movable.values())
        if b["listed"]:
            ok((b["movable_probes"], b["listed_sync_probes"], b["listed_sync_usec"]) == (0, n, total),
               f"{name}: listed bus {b['bus']}: {b['listed_sync_probes']} sync probes of udev's or unknown "
               f"loads = the table's {n}")
        else:
            ok((b["movable_probes"], b["movable_usec"], b["saved_usec"]) == (n, total, saved),
               f"{name}: bus {b['bus']}: movable {b['movable_probes']}/{b['movable_usec']} us, saved "
               f"{b['saved_usec']} us = the table's {n}/{total} us, per driver sum less longest {saved} us")


def text_agrees(name, rep, text):
    rows = text_probes(text)
    want = [(p["critical"], at(p["start_usec"]), at(p["end_usec"]), p["result"], p["mode"], p["bus"] or "?",
             p["driver"] or "?", p["device"], p["loader"]) for p in rep["probes"]]
    diff = [f"text {r}\njson {w}" for r, w in zip(rows, want) if r != w]
    ok(len(rows) == len(want) and not diff, f"{name}: the text's {len(rows)} probe rows = the JSON's {len(want)}",
       "\n".join(diff))
    tb = text_buses(text)
    jb = {b["bus"] or "?": (b["listed"], b["sync_probes"], b["async_probes"], b["unknown_probes"],
                            None if b["listed"] or not b["bus"] else b["movable_probes"]) for b in rep["buses"]}
    ok(tb == jb, f"{name}: the text's per-bus table = the JSON's ({len(tb)} buses)", f"text {tb}\njson {jb}")
    m = re.search(r"^Critical path: (\d+) probes", text, re.M)
    ok(m and int(m.group(1)) == len(rep["critical_path"]["probes"]),
       f"{name}: the text's critical path has the JSON's {len(rep['critical_path']['probes'])} probes")
    advice = advice_of(text)
    want = sorted(b["bus"] for b in rep["buses"] if b["bus"] and not b["listed"] and
                  b["saved_usec"] >= ADVICE_MIN_USEC)
    small = sorted(b["bus"] for b in rep["buses"] if b["bus"] and not b["listed"] and b["movable_probes"] and
                   b["saved_usec"] < ADVICE_MIN_USEC)
    ok(sorted(advice) == want, f"{name}: advice for the buses whose estimated saving is 50 ms or more "
       f"({want}), none for the {len(small)} below ({small})", f"the text's advice: {advice}")
    ok("estimated saving 0us" not in text, f"{name}: no advice with an estimated saving of 0us")


# output.c: an unlisted bus whose estimated saving is below this gets no advice line.
ADVICE_MIN_USEC = 50000


def advice_of(text):
    """The text's advice: bus -> the saving it names."""
    return {m.group(1): m.group(2) for m in re.finditer(
        r"^Listing (\S+) in buses= would have let .*?estimated saving (\S+?)\.$", text, re.M | re.S)}


def test_qemu(base):
    """A boot of Debian's kernel under qemu (capture.sh --qemu): the report
    against the guest's own PCI drivers and dd.c's word on each probe."""
    name = os.path.basename(base)
    truth = read_pci(base + ".pci")
    rep, err = report_json(base + ".dmesg")
    ok(rep is not None, f"{name}: report --dmesg --json", err)
    if rep is None:
        return None
    ok(rep["initcall_debug"] and rep["dyndbg"], f"{name}: the log has initcall_debug's and dd.c's lines")
    bound = {d: v for d, v in truth.items() if v[0]}
    ok(len(bound) >= 8, f"{name}: the guest had {len(bound)} PCI devices with a driver")
    for dev, (drv, mode) in sorted(truth.items()):
        good = [p for p in rep["probes"] if p["device"] == dev and p["result"] == 0]
        if drv is None:
            ok(not good, f"{name}: {dev}, no driver in the guest: no successful probe reported",
               json.dumps(good))
            continue
        ok(len(good) == 1 and good[0]["driver"] == drv and good[0]["bus"] == "pci",
           f"{name}: {dev}: one successful probe, pci {drv} "
           f"(got {[(p['bus'], p['driver']) for p in good]})")
        if len(good) == 1 and mode in ("async", "sync"):
            ok(good[0]["mode"] == mode, f"{name}: {dev} {drv}: {good[0]['mode']} = dd.c's {mode} "
               f"({good[0]['mode_how']})")
    extra = [p["device"] for p in rep["probes"] if p["bus"] == "pci" and p["result"] == 0 and p["device"] not in bound]
    ok(not extra, f"{name}: no successful PCI probe of a device the guest has no driver for", extra)

    if os.path.exists(base + ".journal"):
        other, err = report_json(base + ".journal")
        ok(other is not None and sorted(map(probe_key, other["probes"])) == sorted(map(probe_key, rep["probes"])),
           f"{name}: the journal of the boot gives the same probes as dmesg", err)
        if other is not None:
            drv = {d["driver"]: d for d in other["drivers"]}
            e = drv.get("e1000", {})
            # guest/modules-load.conf lists e1000; coldplug runs after it (guest/trigger-order.conf).
            ok(e.get("loader") == "modules-load.d",
               f"{name}: journal: e1000 loaded by {e.get('loader')} ({e.get('loader_how')}), modules-load.d")
            consistency(name + " (journal)", other, config_buses(QEMU_CONFIG))

    p = run(f"--dmesg={base}.dmesg", config=QEMU_CONFIG)
    ok(p.returncode == 0 and clean_text(p.stdout), f"{name}: text report, clean for a terminal", p.stderr)
    text = p.stdout.decode("utf-8", "replace")
    for section in ("Probes (", "Drivers (", "Critical path:", "Time in probes per bus"):
        ok(section in text, f"{name}: the text has '{section}'")
    consistency(name, rep, config_buses(QEMU_CONFIG))
    text_agrees(name, rep, text)

    # Without the configuration every bus is unlisted: pci gets an estimate.
    with tempfile.TemporaryDirectory() as empty:
        p = run(f"--dmesg={base}.dmesg", "--json=short", config=empty)
        bare = json.loads(p.stdout) if p.returncode == 0 else None
        ok(bare is not None and not any(b["listed"] for b in bare["buses"]),
           f"{name}: without a configuration no bus is listed", p.stderr)
        if bare is not None:
            consistency(name + " (no configuration)", bare, [])
            p = run(f"--dmesg={base}.dmesg", config=empty)
            text_agrees(name + " (no configuration)", bare, p.stdout.decode("utf-8", "replace"))

    # The guest's drivers per module, from the program boot (the same kernel
    # and modules as the stock one).
    status = os.path.join(DATA, "qemu-program.status")
    if os.path.exists(status):
        owner = read_status(status)
        named = [(d["bus"], d["driver"], d["module"]) for d in rep["drivers"]
                 if d["driver"] and d["module"] and not d["builtin"]]
        wrong = [f"{b}/{dr}: report {m}, guest {owner[f'{b}/{dr}']}" for b, dr, m in named
                 if f"{b}/{dr}" in owner and owner[f"{b}/{dr}"] != m]
        ok(not wrong, f"{name}: the {len(named)} modules the report names are the guest's", "\n".join(wrong))
        builtin = [f"{d['bus']}/{d['driver']}" for d in rep["drivers"] if d["builtin"]
                   and f"{d['bus']}/{d['driver']}" in owner]
        ok(not builtin, f"{name}: no driver of a module is reported built in", builtin)

    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "t.svg")
        p = run(f"--dmesg={base}.dmesg", f"--svg={svg}", "--json=off", config=QEMU_CONFIG)
        ok(p.returncode == 0 and os.path.exists(svg), f"{name}: --svg", p.stderr)
        if os.path.exists(svg):
            svg_checks(name, rep, svg)
    return rep


def qemu_pair(stock, program):
    """What the project changed between the two qemu boots."""
    ts, tp = read_pci(stock + ".pci"), read_pci(program + ".pci")
    rs, _ = report_json(stock + ".dmesg")
    rp, _ = report_json(program + ".dmesg")
    if rs is None or rp is None:
        return
    ok({d: v[0] for d, v in ts.items()} == {d: v[0] for d, v in tp.items()},
       "qemu: every PCI device has the same driver in both boots")
    before = {v[0] for v in ts.values() if v[1] == "async"}
    made = sorted({v[0] for v in tp.values() if v[1] == "async"} - before)
    ok(len(made) >= 3, f"qemu: the project made PCI drivers probe asynchronously: {' '.join(made)}")
    for drv in made:
        mp = [p["mode"] for p in rp["probes"] if p["driver"] == drv and p["bus"] == "pci"]
        ms = [p["mode"] for p in rs["probes"] if p["driver"] == drv and p["bus"] == "pci"]
        ok(mp and set(mp) == {"async"} and ms and set(ms) == {"sync"},
           f"qemu: {drv}: reported {'/'.join(mp)} with the project, {'/'.join(ms)} stock")
    for drv in sorted(before):
        mp = {p["mode"] for p in rp["probes"] if p["driver"] == drv}
        ms = {p["mode"] for p in rs["probes"] if p["driver"] == drv}
        ok(mp == ms == {"async"}, f"qemu: {drv}, async by its own choice: reported async in both boots")
    jp, _ = report_json(program + ".journal") if os.path.exists(program + ".journal") else (None, "")
    if jp is not None:
        loaders = {d["driver"]: d["loader"] for d in jp["drivers"]}
        wrong = {drv: loaders.get(drv) for drv in made if loaders.get(drv) not in ("udev", "udev-async-probe", "unknown")}
        ok(not wrong, "qemu: journal: the drivers made asynchronous are not said to be loaded by "
           "modules-load.d or another program", wrong)
    ls = {b["bus"]: b for b in rs["buses"]}.get("pci", {})
    lp = {b["bus"]: b for b in rp["buses"]}.get("pci", {})
    ok(ls.get("listed_sync_probes", 0) > lp.get("listed_sync_probes", 0),
       f"qemu: sync probes of udev's loads on the listed pci: {ls.get('listed_sync_probes')} stock, "
       f"{lp.get('listed_sync_probes')} with the project")


# The slow-driver pair (data/README.md): test/bench/qemu-slow.sh's machine
# with 4 x "-device am53c974", whose driver sleeps 3 s for the SCSI bus to
# settle in its PCI probe (esp_scsi's scsi_esp_register()).
SLOW_DRIVER = "am53c974"
SLOW_DEVICES = 4
SLOW_SETTLE_USEC = 3000000
KERNEL_LINE = re.compile(r"^\[\s*(\d+)\.(\d{6})\] (.*)$")


def kernel_words(path, driver):
    """What the kernel log itself says of DRIVER's PCI devices, read here
    with patterns, as test/bench/qemu-slow.py reads it, not by the report:
    per device, dd.c's "probing driver X asynchronously" (an async probe)
    and "really_probe: probing driver X with device" (every probe), its
    "bound device to driver X", and initcall_debug's "probe of DEV returned
    0 after N usecs" (its time and N); and the benchmark's "uap-bench:
    trigger" mark."""
    devs, trigger = {}, None
    pats = {
        "async": re.compile(rf"^\S+ (\S+): probing driver {driver} asynchronously$"),
        "probing": re.compile(rf"^\S+ (\S+): bus: 'pci': really_probe: probing driver {driver} with device$"),
        "bound": re.compile(rf"^\S+ (\S+): bus: 'pci': really_probe: bound device to driver {driver}$"),
    }
    returned = re.compile(r"^probe of (\S+) returned 0 after (\d+) usecs$")
    for raw in open(path, encoding="utf-8", errors="replace"):
        m = KERNEL_LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        usec, text = int(m.group(1)) * 1000000 + int(m.group(2)), m.group(3)
        if text.startswith("uap-bench: trigger"):
            trigger = usec
        for what, pat in pats.items():
            w = pat.match(text)
            if w:
                devs.setdefault(w.group(1), {})[what] = usec
        r = returned.match(text)
        if r and r.group(1) in devs and "bound" in devs[r.group(1)]:
            devs[r.group(1)]["returned"] = (usec, int(r.group(2)))
    for d in devs.values():
        d["mode"] = "async" if "async" in d else "sync" if "probing" in d else "unknown"
    return {dev: d for dev, d in devs.items() if "bound" in d}, trigger


def test_slow(base):
    """A boot of the slow-driver machine: the report of its am53c974 probes
    against the kernel log's own lines, its summaries against its table."""
    name = os.path.basename(base)
    rep, err = report_json(base + ".dmesg")
    ok(rep is not None, f"{name}: report --dmesg --json", err)
    if rep is None:
        return None
    ok(rep["initcall_debug"] and rep["dyndbg"], f"{name}: the log has initcall_debug's and dd.c's lines")
    words, _ = kernel_words(base + ".dmesg", SLOW_DRIVER)
    ok(len(words) == SLOW_DEVICES, f"{name}: the kernel log has {len(words)} devices bound to {SLOW_DRIVER}",
       sorted(words))
    for dev, w in sorted(words.items()):
        good = [p for p in rep["probes"] if p["device"] == dev and p["result"] == 0]
        end, usecs = w.get("returned", (None, None))
        ok(len(good) == 1 and (good[0]["bus"], good[0]["driver"], good[0]["mode"]) == ("pci", SLOW_DRIVER, w["mode"])
           and (good[0]["end_usec"], good[0]["duration_usec"]) == (end, usecs),
           f"{name}: {dev}: one successful probe, pci {SLOW_DRIVER}, {w['mode']} as dd.c says, ending at "
           f"{at(end or 0)} after {usecs} us as initcall_debug says", json.dumps(good))
        ok(usecs is not None and usecs >= SLOW_SETTLE_USEC,
           f"{name}: {dev}: the probe took {usecs} us, the driver's 3 s sleep and more")
    p = run(f"--dmesg={base}.dmesg", config=QEMU_CONFIG)
    ok(p.returncode == 0 and clean_text(p.stdout), f"{name}: text report, clean for a terminal", p.stderr)
    consistency(name, rep, config_buses(QEMU_CONFIG))
    text_agrees(name, rep, p.stdout.decode("utf-8", "replace"))
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "t.svg")
        p = run(f"--dmesg={base}.dmesg", f"--svg={svg}", "--json=off", config=QEMU_CONFIG)
        ok(p.returncode == 0 and os.path.exists(svg), f"{name}: --svg", p.stderr)
        if os.path.exists(svg):
            svg_checks(name, rep, svg)
    return rep


def hostile_input():
    """Limits that keep a hostile or foreign log from costing unbounded memory or time
    (not under valgrind, which is slow for these sizes)."""
    if WRAPPER:
        return
    # A line that never ends: read in bounded pieces, and the next line
    # still read. The child's peak memory, from wait4(), stays far below
    # the line's size.
    with tempfile.TemporaryFile() as inp, tempfile.TemporaryFile() as out:
        # In pieces: a forked child's peak counts the pages of the parent.
        inp.write(b"[    1.000000] ")
        chunk = b"a" * (1 << 20)
        for _ in range(300):
            inp.write(chunk)
        inp.write(b"\n[    2.000000] probe of d1 returned 0 after 5 usecs\n")
        inp.seek(0)
        child = subprocess.Popen([PROG, "-C", CONFIG, "report", "--dmesg=-", "--json=short"],
                                 stdin=inp, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        try:
            got = [pr["device"] for pr in json.loads(out.read())["probes"]]
        except (ValueError, KeyError, TypeError):
            got = None
    ok(child.returncode == 0 and got == ["d1"] and usage.ru_maxrss < 100 * 1024,
       f"a 300 MB line, then a probe: read ({got}), peak memory {usage.ru_maxrss // 1024} MB (< 100)")
    # More probes than one boot has: the rest is counted, not kept, so the
    # pairwise analysis stays bounded.
    log = "".join(f"[{1 + i // 100000:5d}.{i % 100000 * 10:06d}] probe of d{i} returned 0 after 5 usecs\n"
                  for i in range(20000))
    p = run("--dmesg=-", "--json=short", stdin=log.encode())
    try:
        j = json.loads(p.stdout)
        got = (len(j["probes"]), j["dropped"])
    except (ValueError, KeyError, TypeError):
        got = None
    ok(p.returncode == 0 and got == (16384, 20000 - 16384),
       f"20000 probes: 16384 kept, the rest counted as left out ({got})", p.stderr[-2000:])
    # A new boot in the same file starts the count of left-out records anew.
    many = "".join(f"[    1.{i % 1000000:06d}] probe of d{i} returned 0 after 5 usecs\n" for i in range(70000))
    p = run("--dmesg=-", "--json=short",
            stdin=(many + "[    0.000000] Linux version 6.12.0 (test)\n"
                   "[    1.000000] probe of d0 returned 0 after 5 usecs\n").encode())
    try:
        j = json.loads(p.stdout)
        got = (len(j["probes"]), j["dropped"])
    except (ValueError, KeyError, TypeError):
        got = None
    ok(p.returncode == 0 and got == (1, 0), f"a second boot in the file: its own probes, none left out ({got})")


def probe_row(p):
    return (p["device"], p["bus"], p["driver"], p["result"], p["mode"])


def loaders(rep):
    return ({(d["driver"], d["bus"]): (d["module"], d["loader"], d["loader_how"]) for d in rep["drivers"]},
            {m["module"]: (m["loader"], m["loader_how"]) for m in rep["modules"]})


def coarse_form(name, what, rep, exact, received=False):
    """A log with wall-clock times to the second against the exact form of the
    same boot. dmesg -T's are the kernel's, cut to the second; journalctl's
    (@received) are when journald received each line, so that only the
    durations are the kernel's, and the report must say so."""
    if rep is None or exact is None:
        ok(False, f"{name}: {what}: read")
        return
    ok(sorted(map(probe_row, rep["probes"])) == sorted(map(probe_row, exact["probes"])),
       f"{name}: {what}: the same {len(exact['probes'])} probes (device, bus, driver, result, mode)",
       f"{sorted(map(probe_row, rep['probes']))[:5]}\n{sorted(map(probe_row, exact['probes']))[:5]}")
    far = []
    for p in exact["probes"]:
        near = [q for q in rep["probes"] if q["device"] == p["device"] and q["duration_usec"] == p["duration_usec"]
                and (received or abs(q["start_usec"] - p["start_usec"]) < 1000000)]
        if not near:
            far.append((p["device"], p["start_usec"], p["duration_usec"]))
    ok(not far, f"{name}: {what}: each duration the kernel's" + ("" if received else ", each start within 1 s of "
       "the exact one"), far[:10])
    ok(rep["tick_usec"] == 1000000, f"{name}: {what}: the clock's tick is 1 s ({rep['tick_usec']})")
    want = "journal_received" if received else "kernel_seconds"
    ok(rep.get("times") == want, f"{name}: {what}: the JSON says whose times they are ({rep.get('times')}, {want})")


def other_forms(bases):
    """The captures in the forms derive-formats.py makes of them: dmesg -T,
    journalctl -k and journalctl -o json."""
    with tempfile.TemporaryDirectory() as d:
        for base in bases:
            name = os.path.basename(base)
            subprocess.run([sys.executable, os.path.join(HERE, "derive-formats.py"), base, d], check=True)
            exact, _ = report_json(base + ".dmesg")
            rep, err = report_json(os.path.join(d, name + ".dmesg-T"))
            coarse_form(name, "dmesg -T", rep, exact)
            p = run(f"--dmesg={os.path.join(d, name + '.dmesg-T')}", config=config_of(base))
            text = p.stdout.decode("utf-8", "replace")
            ok(p.returncode == 0 and "to the second" in text and "dmesg, or journalctl -k -o json," in text
               and "add initcall_debug" not in text,
               f"{name}: dmesg -T: the text says the times are to the second and which forms are exact", text[:600])
            if not os.path.exists(base + ".journal"):
                continue
            exact, _ = report_json(base + ".journal")
            rep, err = report_json(os.path.join(d, name + ".journal-k"))
            coarse_form(name, "journalctl -k", rep, exact, received=True)
            p = run(f"--dmesg={os.path.join(d, name + '.journal-k')}", config=config_of(base))
            text = p.stdout.decode("utf-8", "replace")
            ok(p.returncode == 0 and "when journald received" in text and "dmesg, or journalctl -k -o json," in text
               and "rounded" not in text,
               f"{name}: journalctl -k: the text says the times are journald's, not the kernel's, and which "
               f"forms are", text[:800])
            rep, err = report_json(os.path.join(d, name + ".json"))
            ok(rep is not None and exact is not None and
               sorted(map(probe_key, rep["probes"])) == sorted(map(probe_key, exact["probes"])),
               f"{name}: journalctl -o json: the same probes as the text journal", err)
            if rep is not None and exact is not None:
                ok(loaders(rep) == loaders(exact) and rep["udevd_usec"] == exact["udevd_usec"],
                   f"{name}: journalctl -o json: the same modules and loaders as the text journal",
                   f"{loaders(rep)}\n{loaders(exact)}")


def json_entry(usec, message, **fields):
    e = {"__CURSOR": "s=0;i=0", "__REALTIME_TIMESTAMP": str(1795741570118263 + usec),
         "__MONOTONIC_TIMESTAMP": str(usec), "_BOOT_ID": "3d1219c7c4c5404aaa1f6d2a48adfda4"}
    e.update(fields)
    e["MESSAGE"] = message
    return json.dumps(e)


def spoofed_journal(base):
    """Lines any user can put in the journal (logger -t NAME, systemd-cat) under
    the name of a tool or of the kernel: journalctl -o json tells them apart by
    the fields journald sets itself, _TRANSPORT and _SYSTEMD_UNIT, through
    --dmesg=FILE and through --journal (a journalctl of the test's on PATH)."""
    name = os.path.basename(base)
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, os.path.join(HERE, "derive-formats.py"), base, d], check=True)
        clean = os.path.join(d, name + ".json")
        honest, err = report_json(clean)
        ok(honest is not None and "uap_other" in {m["module"] for m in honest["modules"]},
           f"{name}: journalctl -o json read", err)
        if honest is None or "uap_other" not in {m["module"] for m in honest["modules"]}:
            return
        user = {"_PID": "4242", "_UID": "1000", "_GID": "1000", "_COMM": "logger",
                "_SYSTEMD_UNIT": "user@1000.service", "_SYSTEMD_USER_UNIT": "session.scope"}
        spoof = [
            # logger -t systemd-modules-load: a module udev loaded, credited to modules-load.d
            json_entry(1500000, "Inserted module 'uap_other'", _TRANSPORT="syslog",
                       SYSLOG_IDENTIFIER="systemd-modules-load", SYSLOG_PID="53", **user),
            # systemd-cat -t systemd-udevd, before the real one: udevd's first line
            json_entry(500000, "Starting systemd-udevd version 252", _TRANSPORT="journal",
                       SYSLOG_IDENTIFIER="systemd-udevd", **user),
            # logger -t kernel: a probe the kernel never made
            json_entry(1600000, "probe of spoofed.0 returned 0 after 900000 usecs", _TRANSPORT="syslog",
                       SYSLOG_IDENTIFIER="kernel", **user),
            # the same as a kernel line, but with no kernel transport
            json_entry(1700000, "probe of spoofed.1 returned 0 after 900000 usecs", SYSLOG_IDENTIFIER="kernel",
                       _SOURCE_MONOTONIC_TIMESTAMP="1700000"),
            # the kernel's own line naming a process any user can name (prctl(PR_SET_NAME), then a
            # segfault): not systemd-udevd's first line, and pid 4242 is no udevd's
            json_entry(100000, "systemd-udevd[4242]: segfault at 0 ip 0000000000000000 sp 00007ffd00000000 "
                       "error 4 in x[1000+2000]", _TRANSPORT="kernel", SYSLOG_FACILITY="0",
                       SYSLOG_IDENTIFIER="kernel", _SOURCE_MONOTONIC_TIMESTAMP="100000"),
            json_entry(200000, "calling  spoof_init+0x0/0x10 [spoof_mod] @ 4242", _TRANSPORT="kernel",
                       SYSLOG_FACILITY="0", SYSLOG_IDENTIFIER="kernel", _SOURCE_MONOTONIC_TIMESTAMP="200000"),
            json_entry(200010, "initcall spoof_init+0x0/0x10 [spoof_mod] returned 0 after 10 usecs",
                       _TRANSPORT="kernel", SYSLOG_FACILITY="0", SYSLOG_IDENTIFIER="kernel",
                       _SOURCE_MONOTONIC_TIMESTAMP="200010"),
            # a kernel line of the same shape naming systemd-modules-load
            json_entry(1600000, "systemd-modules-load[4243]: Inserted module 'uap_other'", _TRANSPORT="kernel",
                       SYSLOG_FACILITY="0", SYSLOG_IDENTIFIER="kernel", _SOURCE_MONOTONIC_TIMESTAMP="1600000"),
            # a user's line in the kernel log (/dev/kmsg, journald's ForwardToKMsg=yes) is no kernel line
            json_entry(1650000, "probe of spoofed.2 returned 0 after 900000 usecs", _TRANSPORT="kernel",
                       SYSLOG_FACILITY="1", _SOURCE_MONOTONIC_TIMESTAMP="1650000"),
            # a user's process that had pid 75 before the udev worker that loaded uap_slow
            json_entry(150000, "hello", _TRANSPORT="journal", SYSLOG_IDENTIFIER="logger",
                       **dict(user, _PID="75")),
            json_entry(1900000, "worker line", _TRANSPORT="journal", SYSLOG_IDENTIFIER="systemd-udevd",
                       _PID="75", _UID="0", _GID="0", _COMM="(udev-worker)", _SYSTEMD_UNIT="systemd-udevd.service"),
        ]
        # A kernel line that journalctl gives as bytes (it holds an escape): read.
        binary = {"__CURSOR": "s=0;i=0", "__MONOTONIC_TIMESTAMP": "1800000", "_TRANSPORT": "kernel",
                  "SYSLOG_IDENTIFIER": "kernel", "_SOURCE_MONOTONIC_TIMESTAMP": "1800000",
                  "MESSAGE": list(b"probe of esc\x1b.0 returned 0 after 5 usecs")}
        spoofed = os.path.join(d, name + "-spoofed.json")
        with open(clean, encoding="utf-8") as f, open(spoofed, "w", encoding="utf-8") as g:
            entries = f.read().splitlines()
            # journald received the kernel's lines from before its start at its start.
            start = min(int(json.loads(e)["__MONOTONIC_TIMESTAMP"]) for e in entries
                        if json.loads(e)["_TRANSPORT"] == "kernel")
            for e in spoof + [json.dumps(binary)]:
                e = json.loads(e)
                if e.get("_TRANSPORT") == "kernel":
                    e["__MONOTONIC_TIMESTAMP"] = str(max(int(e["_SOURCE_MONOTONIC_TIMESTAMP"]), start))
                entries.append(json.dumps(e))

            # In the order journald received them, as journalctl prints them.
            def received(e):
                e = json.loads(e)
                return int(e["__MONOTONIC_TIMESTAMP"]), int(e.get("_SOURCE_MONOTONIC_TIMESTAMP", 0))
            entries.sort(key=received)
            g.write("\n".join(entries) + "\n")

        def check(how, rep, err):
            if rep is None:
                ok(False, f"{name}: spoofed journal ({how}): read", err)
                return
            mods = {m["module"]: m for m in rep["modules"]}
            ok("uap_other" in mods and mods["uap_other"]["loader"] == mods_honest["uap_other"]["loader"] != "modules-load.d",
               f"{name}: spoofed journal ({how}): 'Inserted module' from a user's logger is not "
               f"systemd-modules-load's (uap_other: {mods.get('uap_other', {}).get('loader')})")
            ok(rep["udevd_usec"] == honest["udevd_usec"],
               f"{name}: spoofed journal ({how}): systemd-udevd's first line is its own ({rep['udevd_usec']})")
            devs = [p["device"] for p in rep["probes"]]
            ok("spoofed.0" not in devs and "spoofed.1" not in devs and "spoofed.2" not in devs and
               "esc\x1b.0" in devs,
               f"{name}: spoofed journal ({how}): probes only from the kernel's lines, a line in bytes too ({devs})")
            how_spoof = mods.get("spoof_mod", {}).get("loader_how", "")
            ok("spoof_mod" in mods and "4242" not in how_spoof,
               f"{name}: spoofed journal ({how}): a kernel line naming a process is not that process's line "
               f"(spoof_mod: {how_spoof})")
            how_slow = mods.get("uap_slow", {}).get("loader_how", "")
            ok("logger" not in how_slow,
               f"{name}: spoofed journal ({how}): a pid two processes wrote under is neither's evidence "
               f"(uap_slow: {how_slow})")
            ok(sorted(map(probe_key, (p for p in rep["probes"] if p["device"] != "esc\x1b.0"))) ==
               sorted(map(probe_key, honest["probes"])), f"{name}: spoofed journal ({how}): the kernel's probes")

        mods_honest = {m["module"]: m for m in honest["modules"]}
        rep, err = report_json(spoofed)
        check("--dmesg", rep, err)

        # --journal: the same through journalctl, a script that prints the file.
        bindir = os.path.join(d, "bin")
        os.mkdir(bindir)
        fake = os.path.join(bindir, "journalctl")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nprintf "%s\\n" "$@" >"$FAKE_ARGS"\n'
                    'case $FAKE_MODE in\n'
                    # journalctl colours JSON when told to, even into a pipe
                    'json) case ${SYSTEMD_COLORS:-0} in\n'
                    '      0|no|false|off) cat "$FAKE_JSON" ;;\n'
                    '      *) sed "s/^/$(printf \'\\033\')[0;1;39m/" "$FAKE_JSON" ;;\n'
                    '      esac ;;\n'
                    'fail) echo "Data from the specified boot (-1) is not available: No such boot ID in journal" >&2\n'
                    '      exit 1 ;;\n'
                    'empty) ;;\n'
                    'esac\n')
        os.chmod(fake, 0o755)
        env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], FAKE_ARGS=os.path.join(d, "args"),
                   FAKE_JSON=spoofed, FAKE_MODE="json")
        rep, err = report_json(spoofed, source="--journal=-1", env=env)
        args = open(os.path.join(d, "args")).read().split("\n") if os.path.exists(os.path.join(d, "args")) else []
        fields = [a for a in args if a.startswith("--output-fields=")]
        ok("--boot=-1" in args and "json" in args and "-q" not in args and fields and
           {"SYSLOG_FACILITY", "_TRANSPORT", "_SYSTEMD_UNIT", "_PID", "_SOURCE_MONOTONIC_TIMESTAMP"} <=
           set(fields[0].split("=", 1)[1].split(",")),
           f"--journal=-1 runs journalctl --boot=-1 -o json, without -q, asking for the fields that tell who "
           f"wrote a line ({' '.join(args)})")
        check("--journal=-1", rep, err)
        ok(rep is not None and rep["source"] == "the journal of boot -1" and not rep["sysfs"],
           f"--journal=-1: another boot's journal, so the running system is not asked "
           f"({rep and rep['source']}, sysfs={rep and rep['sysfs']})")

        plain = rep
        rep, err = report_json(spoofed, source="--journal=-1", env=dict(env, SYSTEMD_COLORS="1"))
        ok(rep is not None and plain is not None and rep["probes"] == plain["probes"],
           "--journal with SYSTEMD_COLORS=1 in the environment: journalctl's JSON is read, uncoloured", err)

        journal_read_fails(env, d)

        env["FAKE_MODE"] = "fail"
        p = run("--journal=-1", env=env)
        ok(p.returncode == 1 and b"No such boot ID" in p.stderr,
           "--journal: journalctl's error is shown and the report fails", p.stderr)
        env["FAKE_MODE"] = "empty"
        p = run("--journal", env=env)
        ok(p.returncode == 1 and b"no kernel lines" in p.stderr,
           "--journal: no journal (journalctl prints nothing, exit 0): the report fails and says so",
           p.stdout[:300] + p.stderr)


def kernel_log_facility(base):
    """The facility of a kernel log record tells the kernel's lines (0) from a
    program's (any other: written to /dev/kmsg, or by journald with
    ForwardToKMsg=yes for any user): in /dev/kmsg records, dmesg -r's <N> and
    dmesg -x's "kern  :info  : ". A kernel line that names a process (a
    segfault's "comm[pid]: ", any user names a process) is no program's line;
    a program's line holds no kernel message; a program's name in the kernel
    log is as it wrote it, and the report says so."""
    honest, err = report_json(base + ".kmsg")
    if honest is None:
        ok(False, "kernel log facility: the honest log read", err)
        return
    spoof = [  # (PRI, usec, message)
        (6, 100000, "systemd-udevd[4242]: segfault at 0 ip 0000000000000000 sp 00007ffd00000000 error 4 in x[1000+2000]"),
        (6, 200000, "calling  spoof_init+0x0/0x10 [spoof_mod] @ 4242"),
        (6, 200010, "initcall spoof_init+0x0/0x10 [spoof_mod] returned 0 after 10 usecs"),
        (6, 2600000, "systemd-modules-load[4243]: Inserted module 'uap_other'"),
        (13, 1600000, "probe of spoofed.3 returned 0 after 900000 usecs"),
        (30, 1700000, "systemd-modules-load[4244]: Inserted module 'uap_slow'"),
        (6, 2500000, "probe of real.0 returned 0 after 5 usecs"),
    ]
    facilities = {0: "kern", 1: "user", 3: "daemon"}
    levels = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"]
    forms = {
        "/dev/kmsg records": (base + ".kmsg", lambda pri, t, m: f"{pri},{900000 + t},{t},-;{m}"),
        "dmesg -r": (base + ".dmesg", lambda pri, t, m: f"<{pri}>[{t // 1000000:5d}.{t % 1000000:06d}] {m}"),
        "dmesg -x": (base + ".dmesg", lambda pri, t, m: f"{facilities[pri >> 3]:<6}:{levels[pri & 7]:<6}: "
                                                       f"[{t // 1000000:5d}.{t % 1000000:06d}] {m}"),
    }
    stamp = re.compile(r"^(?:\d+,\d+,(\d+),|\[\s*(\d+)\.(\d{6})\])")
    for form, (path, fmt) in forms.items():
        # The lines in time order, as the log has them (a record's dictionary lines after it).
        lines, extra = [], sorted(spoof, key=lambda x: x[1])
        for line in open(path, encoding="utf-8", errors="surrogateescape").read().splitlines():
            m = stamp.match(line)
            t = int(m.group(1)) if m and m.group(1) else int(m.group(2)) * 1000000 + int(m.group(3)) if m else None
            while t is not None and extra and extra[0][1] < t:
                lines.append(fmt(*extra.pop(0)))
            lines.append(line)
        blob = "\n".join(lines + [fmt(*x) for x in extra]).encode("utf-8", "surrogateescape") + b"\n"
        p = run("--dmesg=-", "--json=short", stdin=blob)
        try:
            rep = json.loads(p.stdout)
        except ValueError:
            ok(False, f"kernel log facility, {form}: read", p.stderr)
            continue
        mods = {m["module"]: m for m in rep["modules"]}
        devs = [pr["device"] for pr in rep["probes"]]
        ok(rep["udevd_usec"] == honest["udevd_usec"],
           f"kernel log facility, {form}: a kernel line naming systemd-udevd is not udevd's first line "
           f"({rep['udevd_usec']}, {honest['udevd_usec']})")
        how = mods.get("spoof_mod", {}).get("loader_how", "")
        ok("spoof_mod" in mods and "4242" not in how,
           f"kernel log facility, {form}: nor does it name the task that loaded a module ({how})")
        ok(mods.get("uap_other", {}).get("loader") ==
           {m["module"]: m["loader"] for m in honest["modules"]}.get("uap_other"),
           f"kernel log facility, {form}: a kernel line naming systemd-modules-load inserts nothing "
           f"(uap_other: {mods.get('uap_other', {}).get('loader')})")
        ok("spoofed.3" not in devs and "real.0" in devs,
           f"kernel log facility, {form}: a program's line is no probe, the kernel's is ({devs[-3:]})")
        ok(rep["program_names_as_written"],
           f"kernel log facility, {form}: a tool's name in the kernel log is as it wrote it, and the JSON says so")
        text = run("--dmesg=-", stdin=blob).stdout.decode("utf-8", "replace")
        ok("Programs:" in text and "/dev/kmsg" in text,
           f"kernel log facility, {form}: the text says a program's name in the kernel log is unchecked", text[:800])


def text_journal_kernel_lines(base):
    """In a whole-boot journal saved as text (journalctl -b), a program's line
    can pass for the kernel's: systemd-cat -t 'kernel: probe of spoof' echo
    ' returned 0 after 500000 usecs' prints as a kernel line. The report says
    that its kernel lines are unchecked there (a journal's text does not tell
    -b from -k, which holds the lines programs wrote to /dev/kmsg too); the
    JSON, and a journal of the kernel's own lines alone, are not."""
    forged = "[    1.600000] localhost kernel: probe of spoof[4242]:  returned 0 after 500000 usecs\n"
    blob = open(base + ".journal", "rb").read() + forged.encode()
    rep = json.loads(run("--dmesg=-", "--json=short", stdin=blob).stdout)
    text = run("--dmesg=-", stdin=blob).stdout.decode("utf-8", "replace")
    ok(rep.get("kernel_lines_as_written") is True and "Kernel lines:" in text and "journalctl -o json" in text,
       f"journalctl -b saved as text: its kernel lines are said to be unchecked (forged: "
       f"{[p['device'] for p in rep['probes'] if 'spoof' in p['device']]}), the JSON named",
       text[:900])
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, os.path.join(HERE, "derive-formats.py"), base, d], check=True)
        name = os.path.basename(base)
        own = os.path.join(d, f"{name}.journal-k-own")
        with open(os.path.join(d, f"{name}.journal-k"), encoding="utf-8", errors="surrogateescape") as f, \
                open(own, "w", encoding="utf-8", errors="surrogateescape") as g:
            g.writelines(line for line in f if " kernel: " in line)
        for path in (own, os.path.join(d, f"{name}.json")):
            rep, err = report_json(path)
            ok(rep is not None and rep.get("kernel_lines_as_written") is False,
               f"{os.path.basename(path)}: the kernel's own lines alone, or the JSON: kernel lines are not "
               f"said to be unchecked", err)
    rep, err = report_json(base + ".dmesg")
    ok(rep is not None and rep.get("kernel_lines_as_written") is False,
       "dmesg: kernel lines are not said to be unchecked", err)


def json_escapes():
    """journalctl -o json lines with odd escapes: a lone high surrogate takes
    nothing after it, and a key with a NUL in it is no field's name."""
    head = '{"__MONOTONIC_TIMESTAMP":"1000000","_SOURCE_MONOTONIC_TIMESTAMP":"1000000",'
    blob = (head + '"_TRANSPORT":"kernel","SYSLOG_FACILITY":"0","SYSLOG_IDENTIFIER":"kernel",'
            '"MESSAGE":"probe of a\\ud800\\u0041b returned 0 after 5 usecs"}\n'
            + head + '"_TRANSPORT\\u0000x":"kernel","SYSLOG_IDENTIFIER":"kernel",'
            '"MESSAGE":"probe of nul-key returned 0 after 5 usecs"}\n').encode()
    p = run("--dmesg=-", "--json=short", stdin=blob)
    try:
        devs = [pr["device"] for pr in json.loads(p.stdout)["probes"]]
    except (ValueError, KeyError, TypeError):
        devs = None
    ok(p.returncode == 0 and devs is not None and "a\ufffdAb" in devs,
       f"journal JSON: a lone high surrogate before another \\u escape is U+FFFD, the escape still read ({devs})",
       p.stderr)
    ok(p.returncode == 0 and devs is not None and "nul-key" not in devs,
       f"journal JSON: a key with a NUL in it is not _TRANSPORT ({devs})", p.stderr)


def journal_read_fails(env, d):
    """Reading journalctl's output fails before its end (no memory, here from
    the trap): the report lets go of the pipe before it waits for journalctl,
    which would otherwise block on a full pipe for ever."""
    if not TRAP or WRAPPER or b"__asan_init" in open(PROG, "rb").read():
        return
    big = os.path.join(d, "big.json")
    with open(big, "w") as f:
        for i in range(4000):
            f.write(json_entry(1000000 + i, f"line {i} " + "x" * 100, _TRANSPORT="kernel",
                               SYSLOG_IDENTIFIER="kernel", _SOURCE_MONOTONIC_TIMESTAMP=str(1000000 + i)) + "\n")
    env = dict(env, FAKE_MODE="json", FAKE_JSON=big, LD_PRELOAD=TRAP, TRAP_MALLOC_FAIL="65536")
    child = subprocess.Popen([PROG, "-C", CONFIG, "report", "--journal"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = child.communicate(timeout=30)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)
        out, err = child.communicate()
        hung = True
    ok(not hung and child.returncode == 1 and b"journalctl" in err,
       f"--journal, reading journalctl's output fails early (no memory, {os.path.getsize(big)} bytes to read): "
       f"the report fails at once, naming it ({'hung: killed after 30 s' if hung else child.returncode})",
       err)


def ints(v):
    """Every whole number in a JSON document."""
    if isinstance(v, bool):
        return
    if isinstance(v, int):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from ints(x)
    elif isinstance(v, list):
        for x in v:
            yield from ints(x)


def wall_clock_edges():
    """Wall-clock logs at the calendar's edges: a day that is not there, the
    epoch itself, New Year more than once, a year far off; and times at the
    limit, so many that their sums would not fit in 64 bits."""
    def probes(blob):
        p = run("--dmesg=-", "--json=short", stdin=blob.encode())
        try:
            j = json.loads(p.stdout)
            return j, {pr["device"]: (pr["start_usec"], pr["end_usec"]) for pr in j["probes"]}
        except (ValueError, KeyError, TypeError):
            return None, p.stderr
    _, got = probes("Feb 28 23:59:59 host kernel: Linux version 6.12.0\n"
                    "Mar 01 00:00:01 host kernel: probe of a returned 0 after 1000000 usecs\n")
    ok(got == {"a": (1000000, 2000000)},
       f"journalctl, Feb 28 then Mar 01: one day on, not two (the year is not known: no Feb 29 seen) ({got})")
    _, got = probes("Feb 28 23:59:59 host kernel: Linux version 6.12.0\n"
                    "Feb 29 12:00:00 host kernel: probe of b returned 0 after 1000000 usecs\n"
                    "Mar 01 00:00:01 host kernel: probe of c returned 0 after 1000000 usecs\n")
    ok(got == {"b": (43200000000, 43201000000), "c": (86401000000, 86402000000)},
       f"journalctl, Feb 28, Feb 29, Mar 01: a leap year ({got})")
    _, got = probes("[Thu Jan  1 00:00:00 1970] Linux version 6.12.0\n"
                    "[Thu Jan  1 00:00:05 1970] probe of e returned 0 after 1000000 usecs\n")
    ok(got == {"e": (4000000, 5000000)}, f"dmesg -T, a boot at the epoch: times from its first line ({got})")
    flips = "".join("Dec 31 23:59:59 host kernel: x\nJan 01 00:00:00 host kernel: y\n" for _ in range(20))
    _, got = probes("Dec 31 23:59:58 host kernel: Linux version 6.12.0\n" + flips +
                    "Jan 01 00:00:02 host kernel: probe of n returned 0 after 1000000 usecs\n")
    ok(got == {"n": (3000000, 4000000)}, f"journalctl, Dec 31 and Jan 01 20 times over: one New Year ({got})")
    j, got = probes("[Fri Nov 27 01:06:10 2026] Linux version 6.12.0\n"
                    "[Fri Dec 31 23:59:59 9999] probe of far returned 0 after 5 usecs\n")
    ok(isinstance(got, dict) and "far" in got and got["far"][1] <= 1 << 48,
       f"dmesg -T, a line of the year 9999: at most the limit of one boot's times, 2^48 us ({got})")
    limit = 1 << 52
    blob = "".join(f"[{limit // 1000000}.{limit % 1000000:06d}] probe of d{i} returned 0 after {limit} usecs\n"
                   for i in range(16384))
    j, got = probes(blob)
    bad = [v for v in ints(j) if not 0 <= v < 1 << 63] if j else None
    total = sum(p["duration_usec"] for p in j["probes"]) if j else None
    ok(j is not None and not bad and j["drivers"][0]["probe_usec"] == total and
       j["critical_path"]["probe_usec"] <= total,
       f"16384 probes of 2^52 us each: every number in the JSON in 0..2^63, the driver's sum the probes' "
       f"({j and j['drivers'][0]['probe_usec']}, {total}; {len(bad or [])} out of range)")


def unknown_form():
    p = run("--dmesg=-", stdin=b"".join(b"%d some text of no known form\n" % i for i in range(50)))
    text = p.stdout.decode("utf-8", "replace")
    ok(p.returncode == 0 and "in no form the report knows" in text and "initcall_debug" not in text,
       "a file of no known form: the report says so rather than ask for initcall_debug", text)


def well_formed(path_or_bytes):
    try:
        if isinstance(path_or_bytes, bytes):
            ET.fromstring(path_or_bytes)
        else:
            ET.parse(path_or_bytes)
        return True
    except (ET.ParseError, OSError) as e:
        return e


# An unprivileged user, and root without the capabilities that pass over file modes.
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def run_as(prefix, *args, **kw):
    return subprocess.run(prefix + WRAPPER + [PROG, "-C", CONFIG, "report", *args], capture_output=True,
                          timeout=300, **kw)


def svg_target():
    """--svg=FILE never writes through a symbolic link someone planted to a
    file (refused), makes a new file next to a file it replaces, and never a
    file under /dev; - is standard output, and so is a name that leads to
    an open descriptor (/dev/stdout, /proc/self/fd/1, a link to them),
    written as it is open: a pipe, the caller's redirected file. A device
    or pipe, named or linked to, is written to. None of these tests touch
    the real /dev: the links are in a directory of their own, and the name
    /dev/stdout is tried in a private mount namespace."""
    log = os.path.join(DATA, "uml-program.dmesg")
    with tempfile.TemporaryDirectory() as d:
        victim, link = os.path.join(d, "victim"), os.path.join(d, "boot.svg")
        with open(victim, "w") as f:
            f.write("precious\n")
        os.symlink(victim, link)
        p = run(f"--dmesg={log}", f"--svg={link}")
        ok(p.returncode == 1 and open(victim).read() == "precious\n" and os.path.islink(link) and
           b"boot.svg" in p.stderr,
           "--svg=FILE, FILE a symbolic link to a file: refused, the link and the file untouched", p.stderr)

        # Standard output as a pipe: -, and a link to /proc/self/fd/1.
        fd1 = os.path.join(d, "fd1")
        os.symlink("/proc/self/fd/1", fd1)
        for name in ("-", fd1):
            p = run(f"--dmesg={log}", f"--svg={name}", env=None) if name != "-" else \
                subprocess.run(WRAPPER + [os.path.abspath(PROG), "-C", os.path.abspath(CONFIG), "report",
                                          f"--dmesg={os.path.abspath(log)}", "--svg=-"],
                               capture_output=True, timeout=300, cwd=d)
            ok(p.returncode == 0 and well_formed(p.stdout) is True and os.path.islink(fd1) and
               not os.path.exists(os.path.join(d, "-")),
               f"--svg={'-' if name == '-' else 'LINK to /proc/self/fd/1'}, standard output a pipe: the SVG, "
               f"alone, on the pipe ({len(p.stdout)} bytes)", p.stderr)

        # Standard output redirected to a file, through the link: written to that file.
        out = os.path.join(d, "out.txt")
        with open(out, "wb") as o:
            p = subprocess.run(WRAPPER + [PROG, "-C", CONFIG, "report", f"--dmesg={log}", f"--svg={fd1}"],
                               stdout=o, stderr=subprocess.PIPE, timeout=300)
        ok(p.returncode == 0 and os.path.islink(fd1) and well_formed(out) is True,
           "--svg=LINK to /proc/self/fd/1, standard output redirected to a file: the SVG in that file, "
           "the link still a link", p.stderr)
        # In its own directory: a build that took - for a file name would make one there.
        p = subprocess.run(WRAPPER + [os.path.abspath(PROG), "-C", os.path.abspath(CONFIG), "report",
                                      f"--dmesg={os.path.abspath(log)}", "--svg=-", "--json=short"],
                           capture_output=True, timeout=300, cwd=d)
        ok(p.returncode == 2 and b"--svg" in p.stderr and not os.path.exists(os.path.join(d, "-")),
           "--svg=- with --json: both would go to standard output, a usage error", p.stderr)

        # A device or a pipe, linked to: opened through the link.
        devlink = os.path.join(d, "dev.svg")
        os.symlink("/dev/null", devlink)
        p = run(f"--dmesg={log}", f"--svg={devlink}")
        ok(p.returncode == 0 and os.path.islink(devlink) and stat.S_ISCHR(os.stat("/dev/null").st_mode),
           "--svg=LINK to /dev/null: written to, the link kept", p.stderr)
        fifo, fifolink = os.path.join(d, "fifo"), os.path.join(d, "fifo.svg")
        os.mkfifo(fifo)
        os.symlink(fifo, fifolink)
        reader = subprocess.Popen(["cat", fifo], stdout=subprocess.PIPE)
        time.sleep(0.2)
        p = run(f"--dmesg={log}", f"--svg={fifolink}")
        try:
            got = reader.communicate(timeout=5)[0]
        except subprocess.TimeoutExpired:
            reader.kill()
            got = reader.communicate()[0]
        ok(p.returncode == 0 and well_formed(got) is True and os.path.islink(fifolink),
           f"--svg=LINK to a FIFO with a reader: the SVG through it ({len(got)} bytes)", p.stderr)
        blk = os.path.join(d, "blk")
        try:
            os.mknod(blk, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
        except OSError:
            blk = None
        if blk:
            os.symlink(blk, os.path.join(d, "blk.svg"))
            for name in (blk, os.path.join(d, "blk.svg")):
                p = run(f"--dmesg={log}", f"--svg={name}")
                ok(p.returncode == 1 and stat.S_ISBLK(os.lstat(blk).st_mode),
                   f"--svg={os.path.basename(name)}, a block device{' through a link' if name != blk else ''}: "
                   "refused", p.stderr)

        # A file it replaces keeps its mode, less set-id bits, and (as root) its owner.
        kept = os.path.join(d, "kept.svg")
        with open(kept, "w") as f:
            f.write("old\n")
        if os.geteuid() == 0:
            os.chown(kept, 65534, 65534)
        os.chmod(kept, 0o4754)      # after chown(), which clears set-uid
        p = run(f"--dmesg={log}", f"--svg={kept}")
        st = os.stat(kept)
        ok(p.returncode == 0 and well_formed(kept) is True and stat.S_IMODE(st.st_mode) == 0o754,
           f"--svg=FILE over a file of mode 4754: replaced, mode 754, no set-uid ({oct(stat.S_IMODE(st.st_mode))})",
           p.stderr)
        if os.geteuid() == 0:
            ok((st.st_uid, st.st_gid) == (65534, 65534),
               f"--svg=FILE over a file of another owner, as root: the owner kept ({st.st_uid}:{st.st_gid})")

        left = [f for f in os.listdir(d) if f not in ("victim", "boot.svg", "fd1", "out.txt", "dev.svg", "fifo",
                                                      "fifo.svg", "blk", "blk.svg", "kept.svg")]
        ok(not left, f"--svg: no temporary file left behind ({left})")

        # A directory it may not write to: refused by the kernel, named by the report (root
        # without CAP_DAC_OVERRIDE, so that the test holds as root too).
        ro = os.path.join(d, "ro")
        os.mkdir(ro, 0o555)
        prefix = NO_DAC if os.geteuid() == 0 else []
        p = run_as(prefix, f"--dmesg={log}", f"--svg={os.path.join(ro, 'boot.svg')}")
        ok(p.returncode == 1 and b"boot.svg" in p.stderr and os.listdir(ro) == [],
           "--svg=FILE in a directory it may not write to: fails, naming the file, nothing made", p.stderr)

    # Never a file under /dev: tried as an unprivileged user, who could not make one anyway.
    if os.geteuid() == 0:
        p = run_as(NOBODY, f"--dmesg={log}", "--svg=/dev/uap-report-test.svg")
        ok(p.returncode == 1 and b"/dev" in p.stderr and b"Permission denied" not in p.stderr and
           not os.path.exists("/dev/uap-report-test.svg"),
           "--svg=/dev/NEW: refused before trying, no file made under /dev", p.stderr)
    p = run(f"--dmesg={log}", "--svg=/dev/null")
    ok(p.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode),
       "--svg=/dev/null: written to, still a device", p.stderr)

    # The name /dev/stdout itself, in a private mount namespace whose /dev is a tmpfs.
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.txt")
        script = ('mount -t tmpfs tmpfs /dev && ln -s /proc/self/fd/1 /dev/stdout && '
                  '"$@" >"$OUT" && test -L /dev/stdout && echo link-kept')
        p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-ec", script, "sh"] +
                           WRAPPER + [PROG, "-C", CONFIG, "report", f"--dmesg={log}", "--svg=/dev/stdout"],
                           capture_output=True, timeout=300, env=dict(os.environ, OUT=out))
        # unshare's own failures: no namespace allowed, or a chroot whose
        # root is no mount point (pbuilder's), where it cannot make it private.
        if b"unshare: " in p.stderr or b"Operation not permitted" in p.stderr:
            print("# skip: no private mount namespace: " + p.stderr.decode(errors="replace").strip())
        else:
            ok(p.returncode == 0 and p.stdout == b"link-kept\n" and well_formed(out) is True,
               "--svg=/dev/stdout (a private /dev), standard output redirected to a file: the SVG in that "
               "file, /dev/stdout still a link", p.stderr)


def odd_bytes():
    """Bytes a kernel log does not hold, in a saved one: a NUL in a line, and
    names with code points XML 1.0 forbids, which the SVG shows as \\xNN."""
    blob = (b"[    1.000000] a line with a NUL\x00 in it\n"
            b"[    2.000000] probe of after-nul returned 0 after 5 usecs\n")
    p = run("--dmesg=-", "--json=short", stdin=blob)
    try:
        j = json.loads(p.stdout)
        got = ([pr["device"] for pr in j["probes"]], j["lines"])
    except (ValueError, KeyError, TypeError):
        got = None
    ok(p.returncode == 0 and got == (["after-nul"], 2),
       f"a NUL in a line: the next line is read (probes, lines: {got})", p.stderr)

    names = {
        "ufffe": b"dev\xef\xbf\xbe", "uffff": b"dev\xef\xbf\xbf", "tab": b"dev\tx", "esc": b"dev\x1b[1m",
        "surrogate": b"dev\xed\xa0\x80", "c1": b"dev\xc2\x85", "fffd": b"dev\xef\xbf\xbd",
        "u10ffff": b"dev\xf4\x8f\xbf\xbf", "ufdd0": b"dev\xef\xb7\x90",
    }
    blob = b"".join(b"[    1.%06d] bus%d %s: bus: 'b\xef\xbf\xbf': really_probe: probing driver d\xef\xbf\xbe "
                    b"with device\n[    1.%06d] probe of %s returned 0 after 5 usecs\n" % (i, i, n, i + 10, n)
                    for i, n in enumerate(names.values()))
    err = None
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "t.svg")
        p = run("--dmesg=-", f"--svg={svg}", "--json=off", stdin=blob)
        try:
            root = ET.parse(svg).getroot()
            texts = " ".join("".join(el.itertext()) for el in root.iter(SVG_NS + "text"))
        except (ET.ParseError, OSError) as e:
            texts = None
            err = e
    ok(p.returncode == 0 and texts is not None, "names with U+FFFE, U+FFFF, C0 and C1 controls, a surrogate: "
       "the SVG is well-formed XML", err if texts is None else p.stderr)
    if texts is not None:
        for what, want in (("U+FFFE", "dev\\xef\\xbf\\xbe"), ("U+FFFF", "dev\\xef\\xbf\\xbf"),
                           ("a surrogate", "dev\\xed\\xa0\\x80"), ("a tab", "dev\\x09x"),
                           ("U+FFFD, allowed", "dev\ufffd"), ("U+10FFFF, allowed", "dev\U0010ffff")):
            ok(want in texts, f"the SVG shows {what} as {want!r}")


def analysis_time():
    """The parser and the analysis at the limits, on the logs that cost them
    the most (hostile-log.py), each under a generous bound: a few times what
    an ASan build takes, far below what a cost growing faster than the log
    takes. test/bench/report-analysis.sh has the figures. Not under valgrind."""
    if WRAPPER:
        return
    cases = [
        # 16384 loads of x, 16384 drivers x, each checked against each load
        ("cubic", 16384, 60, lambda j: (len(j["probes"]), len(j["drivers"]), len(j["modules"]),
                                       sum(d["module"] is not None for d in j["drivers"])),
         (16384, 16384, 16384, 0)),
        ("chain", 16384, 60, lambda j: len(j["critical_path"]["probes"]), 16384),
        # full tables, then 400000 module and 400000 task lookups that miss (46 MB)
        ("parse", 400000, 20, lambda j: (len(j["modules"]), j["dropped"]), (16384, 800000)),
    ]
    for shape, count, bound, got_of, want in cases:
        log = subprocess.run([sys.executable, os.path.join(HERE, "hostile-log.py"), shape, str(count)],
                             capture_output=True, check=True).stdout
        start = time.monotonic()
        try:
            p = subprocess.run([PROG, "-C", CONFIG, "report", "--dmesg=-", "--json=short"], input=log,
                               capture_output=True, timeout=bound)
        except subprocess.TimeoutExpired:
            ok(False, f"hostile log '{shape}' ({len(log) >> 20} MB): the report within {bound} s",
               f"still running after {bound} s: killed")
            continue
        took = time.monotonic() - start
        try:
            got = got_of(json.loads(p.stdout))
        except (ValueError, KeyError, TypeError) as e:
            got = e
        ok(p.returncode == 0 and got == want,
           f"hostile log '{shape}' ({len(log) >> 20} MB): the report in {took:.1f} s (bound {bound} s), "
           f"{got}", p.stderr[-2000:])


def usec_of(s):
    """The text's durations back in microseconds: "87us", "450.2ms", "1.006s", signed too."""
    m = re.fullmatch(r"([+-]?)(\d+)(?:\.(\d+))?(us|ms|s)", s)
    if not m:
        return None
    frac = m.group(3) or ""
    unit = {"us": 1, "ms": 1000, "s": 1000000}[m.group(4)]
    v = int(m.group(2)) * unit + (int(frac) * unit // 10 ** len(frac) if frac else 0)
    return -v if m.group(1) == "-" else v


def text_drivers(text):
    """The text's driver table: the drivers' names, in its order."""
    return [line.split()[0] for line in text_section(text, "Drivers (")
            if not line.lstrip().startswith("DRIVER")]


def longest_first(probes):
    return sorted(probes, key=lambda p: (-p["duration_usec"], p["start_usec"], p["device"]))


def bars_of(root):
    return [el for el in root.iter(SVG_NS + "rect") if el.find(SVG_NS + "title") is not None]


def listing_options(base):
    """--sort, --top, --min-duration and --no-built-in choose the probes (and
    drivers) the text, the JSON and the SVG list; the summaries (critical
    path, buses) still count every probe."""
    name = os.path.basename(base)
    log = base + ".dmesg"
    full, err = report_json(log)
    if full is None:
        ok(False, f"{name}: listing options: the full report", err)
        return
    everything = full["probes"]

    def listed(*args):
        p = run(f"--dmesg={log}", "--json=short", *args, config=config_of(base))
        try:
            return json.loads(p.stdout), p
        except ValueError:
            return None, p

    def same_summaries(what, rep):
        ok(rep["critical_path"] == full["critical_path"] and rep["buses"] == full["buses"],
           f"{name}: {what}: the critical path and the per-bus sums count every probe")

    rep, p = listed("--sort=duration")
    ok(rep is not None and rep["probes"] == longest_first(everything),
       f"{name}: --sort=duration: the {len(everything)} probes, longest first", p.stderr)
    if rep is not None:
        ok([d["driver"] for d in rep["drivers"]] ==
           [d["driver"] for d in sorted(full["drivers"], key=lambda d: -d["probe_usec"])],
           f"{name}: --sort=duration: the drivers by their probes' time, longest first")
        ok(rep.get("listing") == {"sort": "duration", "top": None, "min_duration_usec": 0, "no_built_in": False,
                                  "probes": len(everything), "shown": len(everything)},
           f"{name}: --sort=duration: the JSON says how the list was made ({rep.get('listing')})")
        same_summaries("--sort=duration", rep)
        t = run(f"--dmesg={log}", "--sort=duration", config=config_of(base)).stdout.decode("utf-8", "replace")
        text_agrees(name + " --sort=duration", rep, t)
        # (a name's first word: "i8042 kbd" is a driver too)
        ok(text_drivers(t) == [(d["driver"] or "?").split()[0] for d in rep["drivers"]],
           f"{name}: --sort=duration: the text's drivers in the JSON's order", text_drivers(t))

    top = longest_first(everything)[:5]
    rep, p = listed("--top", "5")
    ok(rep is not None and rep["probes"] == top,
       f"{name}: --top 5: the 5 longest probes, longest first "
       f"({[q['duration_usec'] for q in top]})", p.stderr)
    if rep is not None:
        drivers = sorted(full["drivers"], key=lambda d: -d["probe_usec"])[:5]
        ok(rep["drivers"] == drivers, f"{name}: --top 5: the 5 drivers of the longest probe time")
        ok(rep["listing"]["top"] == 5 and rep["listing"]["shown"] == 5 and
           rep["listing"]["probes"] == len(everything), f"{name}: --top 5: the JSON says 5 of {len(everything)}")
        same_summaries("--top 5", rep)
        t = run(f"--dmesg={log}", "--top=5", config=config_of(base)).stdout.decode("utf-8", "replace")
        text_agrees(name + " --top=5", rep, t)
        ok(re.search(rf"^Probes \(5 of {len(everything)}\b", t, re.M),
           f"{name}: --top=5: the text says 5 of {len(everything)} probes are listed",
           [l for l in t.splitlines() if l.startswith("Probes")])
    rep, p = listed("--top=5", "--sort=start")
    ok(rep is not None and rep["probes"] == sorted(top, key=lambda q: everything.index(q)),
       f"{name}: --top=5 --sort=start: the same 5, by start", p.stderr)

    long_ones = [q for q in everything if q["duration_usec"] >= 100000]
    for spelling in ("100ms", "0.1s", "100000us", "0.1"):
        rep, p = listed(f"--min-duration={spelling}")
        ok(rep is not None and rep["probes"] == long_ones and rep["listing"]["min_duration_usec"] == 100000,
           f"{name}: --min-duration={spelling}: the {len(long_ones)} probes of 100 ms or more, by start",
           p.stderr)
    if rep is not None:
        shown = {(q["driver"], q["bus"]) for q in long_ones}
        ok([(d["driver"], d["bus"]) for d in rep["drivers"]] ==
           [(d["driver"], d["bus"]) for d in full["drivers"] if (d["driver"], d["bus"]) in shown],
           f"{name}: --min-duration: the drivers of the probes listed, no other")
        same_summaries("--min-duration", rep)

    us = full["userspace_usec"]
    early = [q for q in everything if q["loader"] == "built-in" and (us is None or q["start_usec"] < us)]
    rep, p = listed("--no-built-in")
    ok(rep is not None and rep["probes"] == [q for q in everything if q not in early],
       f"{name}: --no-built-in: the {len(everything) - len(early)} probes left when the {len(early)} of built-in "
       f"drivers before user space are left out", p.stderr)
    if rep is not None:
        ok(rep["listing"]["no_built_in"] and not any(d["builtin"] and all(
            q in early for q in everything if (q["driver"], q["bus"]) == (d["driver"], d["bus"]))
            for d in rep["drivers"]), f"{name}: --no-built-in: no driver left with no probe listed")

    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "t.svg")
        for args, want in ((["--min-duration=100ms"], long_ones),
                           (["--no-built-in"], [q for q in everything if q not in early]),
                           (["--top=5"], sorted(top, key=lambda q: everything.index(q))),
                           (["--no-built-in", "--min-duration=10ms", "--top=3"],
                            sorted(longest_first([q for q in everything if q not in early and
                                                  q["duration_usec"] >= 10000])[:3],
                                   key=lambda q: everything.index(q)))):
            p = run(f"--dmesg={log}", f"--svg={svg}", "--json=off", *args, config=config_of(base))
            try:
                root = ET.parse(svg).getroot()
                labels = [re.sub(r" \(.*", "", "".join(b.find(SVG_NS + "title").itertext()))
                          for b in bars_of(root)]
            except (ET.ParseError, OSError) as e:
                labels = e
            ok(p.returncode == 0 and labels == [q["device"] for q in want],
               f"{name}: --svg {' '.join(args)}: {len(want)} bars, the probes listed, by start", labels)
            if os.path.exists(svg):
                os.unlink(svg)

    for bad in ("--sort=size", "--sort=", "--top=0", "--top=-1", "--top=x", "--top=99999999999999999999",
                "--min-duration=fast", "--min-duration=10 parsec", "--min-duration=-5ms", "--min-duration=",
                "--time-range=x", "--time-range=1e400s"):
        p = run(f"--dmesg={log}", bad, config=config_of(base))
        ok(p.returncode == 2 and bad.split("=")[0].encode() in p.stderr and not p.stdout,
           f"{name}: {bad}: a usage error naming the option, no report", p.stderr)


def svg_ticks(root):
    return [(el.get("x1"), el.get("y1")) for el in root.iter(SVG_NS + "line") if el.get("class") == "tick"], \
        [el.text for el in root.iter(SVG_NS + "text") if (el.text or "").endswith(" s")]


def scale_of(bars, starts):
    """x = x0 + start * scale, from the first and the last bar."""
    (xa, sa), (xb, sb) = (float(bars[0].get("x")), starts[0]), (float(bars[-1].get("x")), starts[-1])
    scale = (xb - xa) / (sb - sa)
    return xa - sa * scale, scale


def time_range(stock, program):
    """--time-range=END: pictures of several boots on one time scale."""
    reps = {b: report_json(b + ".dmesg")[0] for b in (stock, program)}
    with tempfile.TemporaryDirectory() as d:
        roots = {}
        for b in (stock, program):
            svg = os.path.join(d, os.path.basename(b) + ".svg")
            p = run(f"--dmesg={b}.dmesg", f"--svg={svg}", "--json=off", "--time-range=4s")
            try:
                roots[b] = ET.parse(svg).getroot()
            except (ET.ParseError, OSError) as e:
                ok(False, f"--time-range=4s: {os.path.basename(b)}: the SVG", f"{e}\n{p.stderr}")
                return
        (ts, ls), (tp, lp) = svg_ticks(roots[stock]), svg_ticks(roots[program])
        ok(ts == tp and ls == lp and ls and ls[-1] in ("4 s", "4.0 s") and roots[stock].get("width") == roots[program].get("width"),
           f"--time-range=4s: both boots' axes alike, ending at 4 s ({ls})", f"{ts}\n{tp}")
        fits = []
        for b in (stock, program):
            bars = bars_of(roots[b])
            fits.append(scale_of(bars, [q["start_usec"] for q in reps[b]["probes"]]))
        ok(abs(fits[0][0] - fits[1][0]) < 0.5 and abs(fits[0][1] / fits[1][1] - 1) < 1e-3,
           f"--time-range=4s: one time scale in both pictures (x0, px/us: {fits})")
        svg = os.path.join(d, "short.svg")
        p = run(f"--dmesg={stock}.dmesg", f"--svg={svg}", "--json=off", "--time-range=1s")
        try:
            root = ET.parse(svg).getroot()
            ticks = [float(el.get("x1")) for el in root.iter(SVG_NS + "line") if el.get("class") == "tick"]
            ends = [float(b.get("x")) + float(b.get("width")) for b in bars_of(root)]
            good = max(ends) <= max(ticks) + 0.1
        except (ET.ParseError, OSError, ValueError) as e:
            good, ends, ticks = e, [], []
        ok(p.returncode == 0 and good is True,
           f"--time-range=1s on a boot whose probes end later: the axis still holds every bar "
           f"({max(ends, default=0):.1f} <= {max(ticks, default=0):.1f})", p.stderr)


def device_rows(rep):
    """Per device, as --compare sums it up: the probe that bound it (else its
    last), its first start and all its probes' time."""
    by = {}
    for p in rep["probes"]:
        by.setdefault(p["device"], []).append(p)
    rows = {}
    for dev, ps in by.items():
        main = ([p for p in ps if p["result"] == 0] or ps)[-1]
        rows[dev] = {"driver": main["driver"], "bus": main["bus"], "start_usec": min(p["start_usec"] for p in ps),
                     "duration_usec": sum(p["duration_usec"] for p in ps), "mode": main["mode"],
                     "result": main["result"], "probes": len(ps), "critical": any(p["critical"] for p in ps)}
    return rows


def boot_totals(rep, counted):
    """A boot's totals from its own report: on the listed buses (or every
    bus). Where the boot cannot tell them, None: no probe at all; a probe
    that may count (its bus listed, or unknown) of unknown mode; or, on the
    listed buses, a probe of unknown bus (it may be on one), which leaves
    the sync totals unknown, and the last end too if it ended later."""
    listed = {b["bus"] for b in rep["buses"] if b["listed"]}
    mine = [p for p in rep["probes"] if counted == "all" or p["bus"] in listed]
    maybe = [p for p in rep["probes"] if counted == "listed" and p["bus"] is None]
    end = max((p["end_usec"] for p in mine), default=None)
    if end is not None and any(p["end_usec"] > end for p in maybe):
        end = None
    udevd = rep["udevd_usec"]
    sync = [p for p in mine if p["mode"] == "sync"]
    known = rep["probes"] and not maybe and all(p["mode"] != "unknown" for p in mine)
    crit = rep["critical_path"]["probes"]
    return {"probes": len(rep["probes"]), "end_usec": end,
            "end_after_udevd_usec": end - udevd if end is not None and udevd and end >= udevd else None,
            "sync_probes": len(sync) if known else None,
            "sync_usec": sum(p["duration_usec"] for p in sync) if known else None,
            "critical_path_probes": len(crit), "critical_path_usec": rep["critical_path"]["probe_usec"],
            "critical_path_end_usec": crit[-1]["end_usec"] if crit else None}


def truth_of(base):
    """A UML capture's .truth: the test drivers' own record, DEVICE -> (BUS, MODE, START_MS, END_MS)."""
    truth = {}
    for line in open(base + ".truth", encoding="utf-8"):
        dev, bus, probed, start, end = line.split()
        truth[dev] = (bus, probed, int(start), int(end))
    return truth


def truth_sync(base, config):
    """The synchronous probes on the listed buses, by the drivers' own record: (count, ms)."""
    listed = config_buses(config)
    sync = [(s, e) for bus, probed, s, e in truth_of(base).values() if probed == "sync" and bus in listed]
    return len(sync), sum(e - s for s, e in sync)


TOTALS = ("probes", "end_usec", "end_after_udevd_usec", "sync_probes", "sync_usec", "critical_path_probes",
          "critical_path_usec", "critical_path_end_usec")


def compare_json(a, b, *args, config=None, env=None, source=None):
    p = run(source or f"--dmesg={b}", f"--compare={a}", "--json=pretty", *args, config=config, env=env)
    try:
        return json.loads(p.stdout), p
    except ValueError:
        return None, p


def compare_pair(a_base, b_base, kind):
    """--compare: boot A (--compare=FILE) against boot B (--dmesg), device by
    device and in totals, each computed here from the two boots' own
    reports, and checked against what each boot's record says."""
    name = f"--compare {os.path.basename(b_base)} against {os.path.basename(a_base)}"
    config = config_of(b_base)
    ra, _ = report_json(a_base + ".dmesg")
    rb, _ = report_json(b_base + ".dmesg")
    cmp, p = compare_json(a_base + ".dmesg", b_base + ".dmesg", config=config)
    ok(cmp is not None and p.returncode == 0, f"{name}: --json", p.stderr)
    if cmp is None or ra is None or rb is None:
        return
    counted = "listed" if config_buses(config) else "all"
    ok(cmp.get("buses_counted") == counted, f"{name}: the totals count the {counted} buses")
    ta, tb = boot_totals(ra, counted), boot_totals(rb, counted)
    for side, want, rep, base in (("a", ta, ra, a_base), ("b", tb, rb, b_base)):
        got = {k: cmp.get(side, {}).get(k) for k in TOTALS}
        ok(got == want, f"{name}: boot {side.upper()}'s totals = its own report's: {want}", f"got {got}")
        ok(cmp[side].get("source") == f"{base}.dmesg" and cmp[side].get("udevd_usec") == rep["udevd_usec"] and
           cmp[side].get("userspace_usec") == rep["userspace_usec"],
           f"{name}: boot {side.upper()}'s source and marks")
    # No difference of the critical paths' probe time: on a kernel without the series a synchronous load
    # waits for every async probe in do_init_module(), which the path by time alone does not see.
    diff = {k: None if ta[k] is None or tb[k] is None else tb[k] - ta[k] for k in TOTALS
            if k != "critical_path_usec"}
    ok(cmp.get("difference") == diff, f"{name}: the differences, B - A: {diff}", f"got {cmp.get('difference')}")
    types = {k: {type(x).__name__ for x in (cmp["a"].get(k), cmp["b"].get(k), cmp["difference"].get(k))}
             for k in TOTALS}
    ok(all(t <= {"int", "NoneType"} for t in types.values()), f"{name}: the totals are integers or null", types)

    da, db = device_rows(ra), device_rows(rb)
    rows = cmp.get("devices", [])
    ok(sorted(r["device"] for r in rows) == sorted(set(da) | set(db)),
       f"{name}: one row per device of either boot ({len(set(da) | set(db))})")
    order = sorted(db, key=lambda x: (db[x]["start_usec"], x)) + \
        sorted(set(da) - set(db), key=lambda x: (da[x]["start_usec"], x))
    ok([r["device"] for r in rows] == order, f"{name}: by start in B, then those only in A by start in A")
    wrong = []
    for r in rows:
        dev = r["device"]
        want = {"a": da.get(dev), "b": db.get(dev)}
        dd = None if want["a"] is None or want["b"] is None else \
            want["b"]["duration_usec"] - want["a"]["duration_usec"]
        if r.get("a") != want["a"] or r.get("b") != want["b"] or r.get("duration_difference_usec") != dd:
            wrong.append(f"{dev}: got {r}\nwant {want} {dd}")
    ok(not wrong, f"{name}: each device's probe in each boot: start, time, mode, driver; the difference",
       "\n".join(wrong[:5]))
    only_a, only_b = sorted(set(da) - set(db)), sorted(set(db) - set(da))
    ok(sorted(cmp.get("only_in_a", [])) == only_a and sorted(cmp.get("only_in_b", [])) == only_b,
       f"{name}: the devices in only one boot: A {only_a}, B {only_b}")

    # Each boot's own record of its probes.
    if kind == "uml":
        for side, base in (("a", a_base), ("b", b_base)):
            truth = truth_of(base)
            bad = []
            for dev, (bus, probed, start, end) in truth.items():
                r = next((x[side] for x in rows if x["device"] == dev), None)
                if r is None or r["mode"] != probed or r["bus"] != bus or \
                        abs(r["duration_usec"] / 1000 - (end - start)) > 50 or abs(r["start_usec"] / 1000 - start) > 25:
                    bad.append(f"{dev}: {r} / the driver's {truth[dev]}")
            ok(not bad, f"{name}: boot {side.upper()}: every device's mode, bus, start and time as its driver "
               f"recorded them ({len(truth)} devices)", "\n".join(bad))
            n, ms = truth_sync(base, config)
            ok(cmp[side]["sync_probes"] == n and cmp[side]["sync_usec"] is not None and
               abs(cmp[side]["sync_usec"] / 1000 - ms) <= 25 * max(n, 1),
               f"{name}: boot {side.upper()}: {n} synchronous probes on the listed bus, {ms} ms, as its drivers "
               f"recorded them", f"got {cmp[side]['sync_probes']}, {cmp[side]['sync_usec']} us")
            last = max(end for bus, _, _, end in truth.values() if bus == "uaptest")
            ok(abs(cmp[side]["end_usec"] / 1000 - last) <= 25,
               f"{name}: boot {side.upper()}: the listed bus's last probe ended at "
               f"{cmp[side]['end_usec'] / 1000:.0f} ms, its driver says {last} ms")
        ok(cmp["difference"]["end_usec"] < -1000000,
           f"{name}: the listed bus's probes ended {-cmp['difference']['end_usec'] / 1000:.0f} ms earlier with "
           f"the program (uap_slow's three 400 ms probes at once)")
    elif kind == "slow":
        slow_totals(name, cmp, rows, ra, a_base, b_base)
    else:
        for side, base in (("a", a_base), ("b", b_base)):
            bad = []
            for dev, (drv, mode) in read_pci(base + ".pci").items():
                r = next((x[side] for x in rows if x["device"] == dev), None)
                if drv and (r is None or r["driver"] != drv or (mode in ("sync", "async") and r["mode"] != mode)):
                    bad.append(f"{dev}: {r}, the guest: {drv} {mode}")
            ok(not bad, f"{name}: boot {side.upper()}: every bound PCI device with the guest's driver and "
               f"dd.c's mode", "\n".join(bad))
        ok(cmp["a"]["sync_probes"] > cmp["b"]["sync_probes"],
           f"{name}: fewer synchronous probes on the listed pci with the project "
           f"({cmp['a']['sync_probes']}, {cmp['b']['sync_probes']})")

    # The text: both sources, the totals, one row per device.
    p = run(f"--dmesg={b_base}.dmesg", f"--compare={a_base}.dmesg", config=config)
    text = p.stdout.decode("utf-8", "replace")
    ok(p.returncode == 0 and clean_text(p.stdout) and f"A: {a_base}.dmesg" in text and f"B: {b_base}.dmesg" in text,
       f"{name}: text, clean for a terminal, naming both boots", p.stderr + p.stdout[:400])
    crit = [l for l in text.splitlines() if l.startswith("Critical path:")]
    ok([l.split(":")[1].split()[0] for l in crit] == ["probes", "ends"],
       f"{name}: the text's critical path rows: its probes and its end, no difference of its probes' time",
       "\n".join(crit))
    line = next((l for l in text.splitlines() if l.startswith("Last probe")), "")
    ok(at(cmp["a"]["end_usec"]) in line and at(cmp["b"]["end_usec"]) in line and
       usec_of(line.split()[-1]) is not None and abs(usec_of(line.split()[-1]) - cmp["difference"]["end_usec"]) < 1000,
       f"{name}: the text's last probe on a listed bus: A, B and B - A as the JSON's", line)
    trows = [l for l in text.splitlines() if l.startswith("  ") and l.split()[0] in da.keys() | db.keys()]
    ok(len(trows) == len(rows), f"{name}: the text has a row per device ({len(trows)})")
    for dev in only_a + only_b:
        ok(re.search(rf"^Only in {'A' if dev in only_a else 'B'} .*\b{re.escape(dev)}\b", text, re.M),
           f"{name}: the text says {dev} is only in one boot")

    # The picture: both boots, one time scale.
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "c.svg")
        p = run(f"--dmesg={b_base}.dmesg", f"--compare={a_base}.dmesg", f"--svg={svg}", "--json=off", config=config)
        compare_svg_checks(name, svg, {"a": ra["probes"], "b": rb["probes"]}, p)

    # --top, --min-duration, --no-built-in choose devices, in the JSON and the SVG lanes.
    longest = lambda dev: max(x["duration_usec"] for x in (da.get(dev), db.get(dev)) if x)
    top = sorted(set(da) | set(db), key=lambda dev: (-longest(dev), dev))[:5]
    got, p = compare_json(a_base + ".dmesg", b_base + ".dmesg", "--top=5", config=config)
    ok(got is not None and [r["device"] for r in got["devices"]] == top and
       all(got[s] == cmp[s] for s in ("a", "b", "difference")),
       f"{name}: --top=5: the 5 devices of the longest probes in either boot, longest first; the same totals",
       got and [r["device"] for r in got["devices"]])
    slow = [dev for dev in order if longest(dev) >= 100000]
    got, p = compare_json(a_base + ".dmesg", b_base + ".dmesg", "--min-duration=100ms", config=config)
    ok(got is not None and [r["device"] for r in got["devices"]] == slow,
       f"{name}: --min-duration=100ms: the {len(slow)} devices whose probes took 100 ms or more in either boot",
       got and [r["device"] for r in got["devices"]])
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "c.svg")
        p = run(f"--dmesg={b_base}.dmesg", f"--compare={a_base}.dmesg", f"--svg={svg}", "--json=off",
                "--min-duration=100ms", config=config)
        compare_svg_checks(name + " --min-duration=100ms", svg,
                           {"a": [q for q in ra["probes"] if q["device"] in slow],
                            "b": [q for q in rb["probes"] if q["device"] in slow]}, p)
    if kind != "uml":
        def early(rep, dev):
            ps = [q for q in rep["probes"] if q["device"] == dev]
            us = rep["userspace_usec"]
            return ps and all(q["loader"] == "built-in" and (us is None or q["start_usec"] < us) for q in ps)
        kept = [dev for dev in order if not all(early(r, dev) for r in (ra, rb) if dev in device_rows(r))]
        got, p = compare_json(a_base + ".dmesg", b_base + ".dmesg", "--no-built-in", config=config)
        ok(got is not None and [r["device"] for r in got["devices"]] == kept and len(kept) < len(order),
           f"{name}: --no-built-in: {len(order) - len(kept)} devices probed only by built-in drivers before user "
           f"space left out", got and [r["device"] for r in got["devices"]])


def waited_loads(path, driver):
    """Kernel log lines alone: the loads that waited for DRIVER's async
    probes. On a kernel without the series, do_init_module() of a module
    loaded without async_probe waits in async_synchronize_full() for every
    async probe: a task's init call returns before the last of them
    returned, and its next module's init starts only after. (module, next
    module) per such task."""
    calling = re.compile(r"^calling  \S+ \[(\S+)\] @ (\d+)$")
    returned = re.compile(r"^initcall \S+ \[(\S+)\] returned")
    devs, _ = kernel_words(path, driver)
    last = max(d["returned"][0] for d in devs.values() if d["mode"] == "async")
    first = min(d["probing"] for d in devs.values() if d["mode"] == "async")
    seq = {}
    for raw in open(path, encoding="utf-8", errors="replace"):
        m = KERNEL_LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        usec, text = int(m.group(1)) * 1000000 + int(m.group(2)), m.group(3)
        c = calling.match(text)
        if c:
            seq.setdefault(c.group(2), []).append([c.group(1), usec, None])
        r = returned.match(text)
        for loads in seq.values():
            if r and loads[-1][0] == r.group(1) and loads[-1][2] is None:
                loads[-1][2] = usec
    waited = set()
    for loads in seq.values():
        for (mod, _, end), (nxt, start, _) in zip(loads, loads[1:]):
            if mod != driver and end is not None and first < end < last < start:
                waited.add((mod, nxt))
    return waited, last


def slow_totals(name, cmp, rows, ra, a_base, b_base):
    """The slow-driver pair, stock (A) against the program (B): each
    am53c974 device sync in A and async in B, as dd.c says in each boot;
    the listed pci's last probe ended sooner in B, from boot and from the
    benchmark's trigger; A's critical path holds the four 3 s probes."""
    words, after = {}, {}
    for side, base, mode in (("a", a_base, "sync"), ("b", b_base, "async")):
        words[side], trigger = kernel_words(base + ".dmesg", SLOW_DRIVER)
        got = {x["device"]: x[side] and (x[side]["driver"], x[side]["mode"]) for x in rows
               if x["device"] in words[side]}
        want = {dev: (SLOW_DRIVER, w["mode"]) for dev, w in words[side].items()}
        ok(len(want) == SLOW_DEVICES and got == want and {w["mode"] for w in words[side].values()} == {mode},
           f"{name}: boot {side.upper()}: the {len(want)} {SLOW_DRIVER} devices {mode}, as dd.c says", f"{got}")
        end = cmp[side]["end_usec"]
        after[side] = None if trigger is None or end is None else end - trigger
        ok(after[side] is not None and after[side] > 0,
           f"{name}: boot {side.upper()}: the listed pci's last probe ended {(after[side] or 0) / 1e6:.3f} s "
           f"after the benchmark's trigger")
    ok(sorted(words["a"]) == sorted(words["b"]), f"{name}: the same {SLOW_DRIVER} devices in both boots")
    ok(cmp["difference"]["end_usec"] is not None and cmp["difference"]["end_usec"] < 0,
       f"{name}: the last probe on the listed pci ended {-(cmp['difference']['end_usec'] or 0) / 1e6:.3f} s "
       f"earlier with the program")
    a, b = after["a"], after["b"]
    ok(a is not None and b is not None and b < a,
       f"{name}: and {(a or 0) / 1e6:.3f} s after the trigger stock, {(b or 0) / 1e6:.3f} s with the program")
    crit = [c["device"] for c in ra["critical_path"]["probes"]]
    ok(set(words["a"]) <= set(crit) and all(x["a"]["critical"] for x in rows if x["device"] in words["a"]),
       f"{name}: boot A's critical path holds the {len(words['a'])} {SLOW_DRIVER} probes ({len(crit)} probes)", crit)
    ok(cmp["a"]["sync_probes"] - cmp["b"]["sync_probes"] >= SLOW_DEVICES,
       f"{name}: {cmp['a']['sync_probes']} synchronous probes on the listed pci stock, {cmp['b']['sync_probes']} "
       f"with the program")
    # What docs/report.md says B's loads did meanwhile: other PCI drivers' loads waited behind the probes.
    waited, last = waited_loads(b_base + ".dmesg", SLOW_DRIVER)
    want = {("i2c_smbus", "i2c_i801"), ("snd", "snd_timer"), ("usbcore", "xhci_hcd"), ("drm", "bochs")}
    ok(want <= waited, f"{name}: boot B: loads whose init returned while the {SLOW_DRIVER} probes ran, their "
       f"task's next load only after the last returned ({last / 1e6:.3f} s): {sorted(waited)}", sorted(want - waited))


def compare_svg_checks(name, svg, probes, p):
    """Two lanes, A's boot above B's, their bars on one time axis."""
    try:
        root = ET.parse(svg).getroot()
    except (ET.ParseError, OSError) as e:
        ok(False, f"{name}: --svg: well-formed XML", f"{e}\n{p.stderr}")
        return
    ok(p.returncode == 0, f"{name}: --svg: well-formed XML", p.stderr)
    lanes = {g.get("id"): g for g in root.iter(SVG_NS + "g") if g.get("class") == "lane"}
    ok(sorted(lanes) == ["lane-a", "lane-b"], f"{name}: --svg: two lanes ({sorted(lanes)})")
    if sorted(lanes) != ["lane-a", "lane-b"]:
        return
    fit = None
    for side in ("a", "b"):
        bars, ps = bars_of(lanes["lane-" + side]), probes[side]
        ok(len(bars) == len(ps), f"{name}: --svg: lane {side.upper()}: {len(bars)} bars for {len(ps)} probes")
        for mode in ("async", "sync", "unknown"):
            want = sum(1 for q in ps if q["mode"] == mode)
            got = sum(1 for b in bars if mode in b.get("class").split())
            ok(got == want, f"{name}: --svg: lane {side.upper()}: {got} bars coloured {mode} = {want} {mode} probes")
        if len(bars) != len(ps) or len(ps) < 2:
            continue
        if fit is None:
            fit = scale_of(bars, [q["start_usec"] for q in ps])
        off = max(abs(float(b.get("x")) - (fit[0] + q["start_usec"] * fit[1])) for b, q in zip(bars, ps))
        ok(off < 0.2, f"{name}: --svg: lane {side.upper()}'s bars at x = {fit[0]:.1f} + start * {fit[1]:.3g} "
           f"px/us, A's scale (off by {off:.2f} px at most)")
    ticks = [el for el in root.iter(SVG_NS + "line") if el.get("class") == "tick"]
    low = max(float(b.get("y")) + float(b.get("height")) for b in bars_of(root))
    high = min(float(b.get("y")) for b in bars_of(root))
    ok(ticks and all(float(t.get("y1")) <= high and float(t.get("y2")) >= low for t in ticks),
       f"{name}: --svg: one time axis, its {len(ticks)} ticks across both lanes")
    texts = " ".join("".join(el.itertext()) for el in root.iter(SVG_NS + "text"))
    ok("A: " in texts and "B: " in texts, f"{name}: --svg: each lane named")


def compare_sources():
    """--compare=journal:BOOT reads that boot's journal; bad values are refused."""
    a, b = os.path.join(DATA, "uml-stock"), os.path.join(DATA, "uml-program")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, os.path.join(HERE, "derive-formats.py"), a, d], check=True)
        bindir = os.path.join(d, "bin")
        os.mkdir(bindir)
        fake = os.path.join(bindir, "journalctl")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nprintf "%s\\n" "$@" >"$FAKE_ARGS"\ncat "$FAKE_JSON"\n')
        os.chmod(fake, 0o755)
        env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], FAKE_ARGS=os.path.join(d, "args"),
                   FAKE_JSON=os.path.join(d, "uml-stock.json"))
        got, p = compare_json("journal:-1", b + ".dmesg", env=env)
        args = open(os.path.join(d, "args")).read().split() if os.path.exists(os.path.join(d, "args")) else []
        plain, _ = compare_json(a + ".dmesg", b + ".dmesg")
        ok(got is not None and "--boot=-1" in args and got["a"]["source"] == "the journal of boot -1" and
           plain is not None and [r["device"] for r in got["devices"]] == [r["device"] for r in plain["devices"]],
           f"--compare=journal:-1: journalctl --boot=-1 read as boot A ({got and got['a']['source']})",
           p.stderr)
    for bad, code in (("--compare=", 2), ("--compare=journal:", 2), ("--compare=/nonexistent/log", 1)):
        p = run(f"--dmesg={b}.dmesg", bad)
        ok(p.returncode == code and (b"--compare" in p.stderr or b"/nonexistent/log" in p.stderr) and not p.stdout,
           f"{bad}: exit {code}, saying why, no report", p.stderr)
    p = run("--dmesg=-", "--compare=-", stdin=b"")
    ok(p.returncode == 2 and b"standard input" in p.stderr, "--dmesg=- --compare=-: both cannot read standard input",
       p.stderr)
    # No bus listed: the totals count every bus, and the heading says why.
    for conf, why in (("", "no bus is listed in buses="), ("enable=0 buses=uaptest", "enable=0: no bus is listed"),
                      ("enable=maybe buses=uaptest", "the configuration is invalid: no bus is listed")):
        with tempfile.TemporaryDirectory() as d:
            if conf:
                with open(os.path.join(d, "x.conf"), "w") as f:
                    f.write(f"options udev_async_probe {conf}\n")
            p = run(f"--dmesg={b}.dmesg", f"--compare={a}.dmesg", config=d)
            got, _ = compare_json(a + ".dmesg", b + ".dmesg", config=d)
            heading = next((l for l in p.stdout.decode().splitlines() if l.startswith("Totals")), "")
            ok(heading == f"Totals on every bus ({why}):" and got is not None and got["buses_counted"] == "all",
               f"--compare, configuration '{conf}': the totals count every bus, saying why: {heading}", p.stderr)
    # A boot with no probe line against one with probes: every device only in B.
    got, p = compare_json("/dev/null", b + ".dmesg")
    ok(got is not None and got["a"]["probes"] == 0 and got["a"]["end_usec"] is None and
       got["difference"]["end_usec"] is None and len(got["only_in_b"]) == len(got["devices"]) > 0,
       "--compare=/dev/null: an empty boot A: every device only in B, A's times null", p.stderr)
    ok(got is not None and all(got[s][k] is None for s in ("a", "difference") for k in ("sync_probes", "sync_usec"))
       and got["b"]["sync_probes"] is not None,
       "--compare=/dev/null: an empty boot A: its synchronous probes and their difference null, not a saving",
       got and {s: (got[s]["sync_probes"], got[s]["sync_usec"]) for s in ("a", "b", "difference")})


SYNC_ROWS = ("Synchronous probes ", "Synchronous probes' time")


def unknown_sync():
    """A boot whose probes' modes (or buses) are unknown, or that has no
    probe at all, has no synchronous totals: null, and no difference,
    rather than a saving that did not happen. The drivers' own record
    (.truth) says what the report could not know."""
    stock, nodebug = os.path.join(DATA, "uml-stock"), os.path.join(DATA, "uml-program-nodebug")
    if not all(os.path.exists(b + ".truth") for b in (stock, nodebug)):
        return
    n_stock, _ = truth_sync(stock, CONFIG)
    n_nodebug, ms_nodebug = truth_sync(nodebug, CONFIG)
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, "empty.dmesg")
        open(empty, "w").close()
        for a, b, why, side in ((stock + ".dmesg", nodebug + ".dmesg", "unknown in B", "b"),
                                (nodebug + ".dmesg", stock + ".dmesg", "unknown in A", "a"),
                                (stock + ".dmesg", "/dev/null", "no probes in B", "b"),
                                (stock + ".dmesg", empty, "no probes in B", "b"),
                                ("/dev/null", stock + ".dmesg", "no probes in A", "a")):
            name = f"--compare: B {os.path.basename(b)}, A {os.path.basename(a)}"
            got, p = compare_json(a, b)
            other = "a" if side == "b" else "b"
            ok(got is not None and got[side]["sync_probes"] is None and got[side]["sync_usec"] is None and
               got["difference"]["sync_probes"] is None and got["difference"]["sync_usec"] is None and
               got[other]["sync_probes"] == n_stock,
               f"{name}: {side.upper()}'s synchronous probes null and their difference null; "
               f"{other.upper()}'s {n_stock}, as its drivers recorded", p.stderr or
               (got and {s: (got[s]["sync_probes"], got[s]["sync_usec"]) for s in ("a", "b", "difference")}))
            key = "no_probes" if "no probes" in why else "modes_and_buses"
            ok(got is not None and got[side].get("sync_unknown") == key and got[other].get("sync_unknown", "") is None,
               f"{name}: the JSON says why: sync_unknown {key} in {side.upper()}, null in {other.upper()}")
            p = run(f"--dmesg={b}", f"--compare={a}")
            text = p.stdout.decode("utf-8", "replace")
            rows = [l for l in text.splitlines() if l.startswith(SYNC_ROWS)]
            col = -3 if side == "a" else -2
            ok(p.returncode == 0 and len(rows) == 2 and all(r.split()[col] == "-" and r.split()[-1] == "-"
                                                             for r in rows),
               f"{name}: the text's synchronous rows: '-' for {side.upper()} and for B - A", "\n".join(rows))
            because = [l for l in text.splitlines() if why in l]
            want = "no probes" in why or any('dyndbg="file drivers/base/dd.c +p"' in l for l in because)
            ok(len(because) == 1 and want, f"{name}: one line says why: {because[0] if because else None}",
               text)
        # One probe whose bus and mode the log no longer tells, ending last: it may be on the listed
        # bus, so neither the synchronous totals nor the last end on a listed bus are known.
        program = os.path.join(DATA, "uml-program.dmesg")
        cut = os.path.join(d, "cut.dmesg")
        with open(program, encoding="utf-8") as f, open(cut, "w", encoding="utf-8") as g:
            g.writelines(l for l in f if "uap_slow.2:" not in l)
        rep, _ = report_json(cut)
        last = max((q for q in rep["probes"] if q["bus"] in ("uaptest", None)), key=lambda q: q["end_usec"]) \
            if rep else None
        got, p = compare_json(stock + ".dmesg", cut)
        ok(last is not None and last["device"] == "uap_slow.2" and last["bus"] is None and got is not None and
           got["b"]["end_usec"] is None and got["difference"]["end_usec"] is None and
           got["b"]["sync_probes"] is None and got["a"]["end_usec"] is not None,
           "--compare: B's last probe of unknown bus (uap_slow.2 without its driver core lines): B's last end "
           "on a listed bus and its synchronous totals null", p.stderr or (got and got["b"]))
    # What a number would have claimed: the boot without dyndbg had its own synchronous probes.
    ok(n_nodebug > 0, f"the boot without dyndbg had {n_nodebug} synchronous probes ({ms_nodebug} ms) on the "
       f"listed bus by its drivers' record: 0 there would be a saving that did not happen")


def main():
    bases = sorted({os.path.join(DATA, f.rsplit(".", 1)[0]) for f in os.listdir(DATA) if f.endswith(".truth")})
    qemu = sorted({os.path.join(DATA, f.rsplit(".", 1)[0]) for f in os.listdir(DATA) if f.endswith(".pci")})
    if not bases and not qemu:
        print("1..0 # SKIP no captured logs")
        return 0
    for b in bases:
        test_capture(b)
    for b in qemu:
        test_qemu(b)
    qs = [b for b in qemu if b.endswith("qemu-stock")]
    qp = [b for b in qemu if b.endswith("qemu-program")]
    if qs and qp:
        qemu_pair(qs[0], qp[0])
        compare_pair(qs[0], qp[0], "qemu")
        listing_options(qs[0])
    slow = [os.path.join(DATA, f"qemu-slow-{r}") for r in ("stock", "program")]
    if all(os.path.exists(b + ".dmesg") for b in slow):
        for b in slow:
            test_slow(b)
        compare_pair(slow[0], slow[1], "slow")
    stock = [b for b in bases if "stock" in b]
    program = [b for b in bases if "program" in b]
    if stock and program:
        mangle_tests(program[0], stock[0])
        multi_boot(stock[0], program[0])
        uml = [b for b in stock if b.endswith("uml-stock")], [b for b in program if b.endswith("uml-program")]
        if uml[0] and uml[1]:
            compare_pair(uml[0][0], uml[1][0], "uml")
            time_range(uml[0][0], uml[1][0])
            compare_sources()
            unknown_sync()
    other_forms(bases + qemu)
    spoofed = [b for b in bases if b.endswith("uml-program") and os.path.exists(b + ".journal")]
    if spoofed:
        spoofed_journal(spoofed[0])
    stock = [b for b in bases if b.endswith("uml-stock") and os.path.exists(b + ".kmsg")]
    if stock:
        kernel_log_facility(stock[0])
    if spoofed:
        text_journal_kernel_lines(spoofed[0])
    unknown_form()
    json_escapes()
    wall_clock_edges()
    hostile_input()
    svg_target()
    odd_bytes()
    analysis_time()
    p = run("--dmesg=/nonexistent/log")
    ok(p.returncode == 1 and b"/nonexistent/log" in p.stderr, "a missing file: exit 1 with its name")
    p = run("extra-argument")
    ok(p.returncode == 2, "an argument: usage error")
    p = run("--help")
    ok(p.returncode == 0 and b"--svg=FILE" in p.stdout, "--help")
    opts = [o for o in (b"--compare=FILE|journal:BOOT", b"--sort=", b"--top=N", b"--min-duration=TIME",
                        b"--no-built-in", b"--time-range=END") if o not in p.stdout]
    ok(p.returncode == 0 and not opts, f"--help names the listing and comparison options (missing: {opts})")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
