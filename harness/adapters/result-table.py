#!/usr/bin/env python3
"""Per-client result table (markdown) from `ecsconf client --json FILE` reports.

Usage: result-table.py [-o OUT.md] RESULTS.json...   (prints the table; -o also writes it to OUT.md)
One column per client (the report's `profile`: the client's --name), one row per case; every cell that
is not PASS gets a numbered note with the reason the suite gave (failures, skips, expected failures).
"""
import json
import sys


def main(args):
    out_file = None
    if len(args) >= 2 and args[0] == "-o":
        out_file, args = args[1], args[2:]
    paths = args
    runs = []
    for path in paths:
        try:
            with open(path) as f:
                runs.append(json.load(f))
        except (OSError, ValueError) as error:
            print(f"result-table: skipping {path}: {error}", file=sys.stderr)
    if not runs:
        print("result-table: no results", file=sys.stderr)
        return 1
    cases = []
    for run in runs:
        for case in run["cases"]:
            if case["id"] not in cases:
                cases.append(case["id"])
    notes = []
    out = ["| case | " + " | ".join(run["profile"] for run in runs) + " |",
           "|---|" + "---|" * len(runs)]
    for case_id in cases:
        cells = []
        for run in runs:
            case = next((c for c in run["cases"] if c["id"] == case_id), None)
            if case is None:
                cells.append("not run")
                continue
            verdict = case["result"]
            if verdict == "PASS":
                cells.append("PASS")
                continue
            reason = case.get("reason") or verdict
            notes.append(f"{run['profile']} / {case_id}: {reason}")
            cells.append(f"{verdict} [{len(notes)}]")
        out.append(f"| {case_id} | " + " | ".join(cells) + " |")
    totals = []
    for run in runs:
        verdicts = [c["result"] for c in run["cases"]]
        totals.append(", ".join(f"{verdicts.count(v)} {v.lower()}" for v in ("PASS", "FAIL", "SKIP", "XFAIL", "XPASS")
                                if verdicts.count(v) or v == "FAIL"))
    out.append("| **total** | " + " | ".join(totals) + " |")
    if notes:
        out.append("")
        out.extend(f"{i}. {note}" for i, note in enumerate(notes, 1))
    text = "\n".join(out) + "\n"
    print(text, end="")
    if out_file:
        with open(out_file, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
