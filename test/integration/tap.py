# SPDX-License-Identifier: LGPL-2.1-or-later
"""TAP output and the insert trap's log, shared by the fixture tests and the
systemd builtin's host test."""


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def report(self, name, problems, output=()):
        """One test: ok when PROBLEMS is empty, else each problem and OUTPUT."""
        self.n += 1
        if not problems:
            print(f"ok {self.n} - {name}")
            return
        self.failed += 1
        print(f"not ok {self.n} - {name}")
        for line in list(problems) + list(output):
            print(f"  # {line}")

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}")

    def finish(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def read_inserts(path):
    """The "<module> [options] [-> ERRNO]" lines trap.c wrote, in order."""
    try:
        with open(path) as f:
            return [line.rstrip() for line in f]
    except FileNotFoundError:
        return []
