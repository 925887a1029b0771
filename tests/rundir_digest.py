#!/usr/bin/env python3
"""rundir_digest.py DIR - one line per entry of a run directory, sorted:
"PATH/" for a directory, "PATH SHA256" for a file (hidden ones included), so
that two listings are equal exactly when the directories hold the same files
with the same content.  What differs between two runs of one config is taken
out first: the wall times (the "seconds" of results.csv, of every JSON file and
of report.html's results table).  Used by tests/check_rundir.c."""
import hashlib
import json
import os
import re
import sys


def no_seconds(x):
    if isinstance(x, dict):
        return {k: (0 if k == "seconds" else no_seconds(v)) for k, v in x.items()}
    if isinstance(x, list):
        return [no_seconds(v) for v in x]
    return x


def content(path, rel):
    data = open(path, "rb").read()
    if rel.endswith(".json"):
        try:
            return json.dumps(no_seconds(json.loads(data)), sort_keys=True).encode()
        except ValueError:
            return b"not JSON: " + data   # a cut file: its own digest
    if rel == "results.csv":
        lines = data.decode("utf-8", "replace").split("\n")
        head = lines[0].split(",")
        col = head.index("seconds") if "seconds" in head else -1
        out = [lines[0]]
        for line in lines[1:]:
            f = line.split(",")
            if 0 <= col < len(f):
                f[col] = "S"
            out.append(",".join(f))
        return "\n".join(out).encode()
    if rel == "report.html":   # the results table: seconds are its 8th column
        return re.sub(rb"(<tr>(?:<td>[^<]*</td>){7})<td>[^<]*</td>", rb"\1<td>S</td>", data)
    return data


def main():
    top = sys.argv[1]
    rows = []
    for root, dirs, files in os.walk(top):
        rel_root = os.path.relpath(root, top)
        for d in dirs:
            rows.append(os.path.normpath(os.path.join(rel_root, d)) + "/")
        for f in files:
            rel = os.path.normpath(os.path.join(rel_root, f))
            rows.append(rel + " " + hashlib.sha256(content(os.path.join(root, f), rel)).hexdigest())
    print("\n".join(sorted(rows)))


main()
