#!/usr/bin/env python3
"""Fails when a dev-dependency turns on a feature of a crate the normal build also uses.

Cargo builds such a crate twice, and calaudit with it, so `cargo test` after `cargo run` (the
README's two commands) compiles the whole crate again (issue 11, item 9). Fix a failure by
giving the normal dependency the same features (see clap's `wrap_help` in Cargo.toml).
"""
import subprocess
import sys


def features(edges):
    out = subprocess.run(
        ["cargo", "tree", "--locked", "-e", edges, "-f", "{p}\t{f}", "--prefix", "none"],
        check=True, capture_output=True, text=True,
    ).stdout
    seen = {}
    for line in out.splitlines():
        pkg, _, feats = line.partition("\t")
        pkg = pkg.split(" (")[0]  # drop "(proc-macro)", "(/path)", "(*)"
        seen.setdefault(pkg, set()).update(f for f in feats.split(" (")[0].split(",") if f)
    return seen


normal = features("normal,build")
everything = features("normal,build,dev")
bad = [
    f"{pkg}: `cargo test` adds {sorted(everything[pkg] - feats)}"
    for pkg, feats in sorted(normal.items())
    if everything.get(pkg, feats) != feats
]
for line in bad:
    print(line, file=sys.stderr)
if bad:
    sys.exit("dev-dependencies change features of shared crates: the test build would recompile them")
print(f"same features: {len(normal)} crates of the normal build")
