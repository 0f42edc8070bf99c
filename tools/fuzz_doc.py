#!/usr/bin/python3
"""Records one harness's fuzzing campaign in docs/fuzzing.md (tools/fuzz.sh).

    tools/fuzz_doc.py DOC HARNESS EXECUTIONS SECONDS COVERAGE CORPUS RESULT

Replaces the harness's row of the table between the markers
<!-- fuzz:results --> and <!-- /fuzz:results --> (adds it if missing), so the
table always holds each harness's last campaign.
"""
import datetime
import platform
import sys

BEGIN, END = "<!-- fuzz:results -->", "<!-- /fuzz:results -->"
HEAD = ("| harness | executions | seconds | coverage (edges) | corpus | result | date |\n"
        "|---|---:|---:|---:|---:|---|---|\n")


def main():
    doc, name, execs, secs, cov, corpus, result = sys.argv[1:8]
    text = open(doc).read()
    i, j = text.index(BEGIN) + len(BEGIN), text.index(END)
    rows = [r for r in text[i:j].strip().splitlines() if r.startswith("| `")]
    date = datetime.datetime.utcnow().strftime("%Y-%m-%d")
    row = f"| `{name}` | {int(execs):,} | {secs} | {cov} | {corpus} | {result} | {date} |"
    rows = [r for r in rows if not r.startswith(f"| `{name}` |")] + [row]
    rows.sort()
    table = "\n" + HEAD + "\n".join(rows) + "\n"
    open(doc, "w").write(text[:i] + table + text[j:])


if __name__ == "__main__":
    main()
