#!/usr/bin/env python3
"""Assemble the web UI for keikaid's [web] root: web/ and uPlot from node_modules.

usage: copy-web.py SRC_WEB UPLOT_DIST OUT_DIR STAMP

Copies index.html, incident.html, report.html, css/, js/ and i18n/ from SRC_WEB into OUT_DIR, and uPlot.iife.min.js and
uPlot.min.css from UPLOT_DIST into OUT_DIR/vendor/; files in OUT_DIR that are no longer in the
source are removed, then STAMP is written.
"""
import os
import shutil
import sys

PARTS = ["index.html", "incident.html", "report.html", "css", "js", "i18n"]
VENDOR = ["uPlot.iife.min.js", "uPlot.min.css"]


def wanted(src, dist):
    """Map of relative output path -> source path."""
    out = {}
    for part in PARTS:
        p = os.path.join(src, part)
        if os.path.isfile(p):
            out[part] = p
        elif os.path.isdir(p):
            for dirpath, _, files in os.walk(p):
                for f in files:
                    full = os.path.join(dirpath, f)
                    out[os.path.relpath(full, src)] = full
        else:
            sys.exit(f"copy-web: missing '{p}'")
    for f in VENDOR:
        p = os.path.join(dist, f)
        if not os.path.isfile(p):
            sys.exit(f"copy-web: missing '{p}': run scripts/deps.sh (npm ci)")
        out[os.path.join("vendor", f)] = p
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    src, dist, dest, stamp = sys.argv[1:]
    files = wanted(src, dist)
    for rel, full in files.items():
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(full, target)
    # drop what a previous build copied and the source no longer has
    for part in ["css", "js", "i18n", "vendor"]:
        top = os.path.join(dest, part)
        for dirpath, _, names in os.walk(top):
            for f in names:
                rel = os.path.relpath(os.path.join(dirpath, f), dest)
                if rel not in files:
                    os.remove(os.path.join(dirpath, f))
    with open(stamp, "w", encoding="utf-8") as fh:
        fh.write(f"{len(files)} files\n")


if __name__ == "__main__":
    main()
