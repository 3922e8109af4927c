#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-docs.py - keep the docs' code citations true. The docs never paste
# source; they cite it as `path:/regex/` inside backticks, e.g.
#   `kernel/main.c:/^kernel_main\(/`
# (path relative to the repository root, regex a Python regex searched in
# each line of that file). This checks every such citation in docs/*.md and
# README.md: the file must exist and at least one line must match. It also
# checks markdown links ([text](target), ![alt](target), [ref]: target)
# that point into the repository: the target must exist. Code inside fenced
# blocks (```) is output or data, not citations, and is skipped.
#
# Usage: tools/check-docs.py [--root DIR]    check (exit 0 ok, 1 broken)
#        tools/check-docs.py --self-test     check the checker on a fake tree
# Standard library only; run as `make check-docs`.

import os
import re
import subprocess
import sys
import tempfile

# An inline code span: one backtick, no backtick inside, one backtick.
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# A citation inside a span: a relative path (no spaces, no colon), ":/",
# the regex, and a closing "/". A URL ("http://...") is not one: its path
# part would be followed by "//".
CITATION = re.compile(r"^(?P<path>[\w.+-]+(?:/[\w.+-]+)*)"
                      r":/(?P<regex>(?!/).+)/$")
# Inline links and images: [text](target "optional title").
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?"
                         r"(?:\s+\"[^\"]*\")?\s*\)")
# Reference definitions: [label]: target
REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
EXTERNAL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|#|//)")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def doc_files(root):
    """The docs to check, relative to root, in a stable order."""
    files = []
    docs = os.path.join(root, "docs")
    if os.path.isdir(docs):
        files += sorted("docs/" + f for f in os.listdir(docs)
                        if f.endswith(".md"))
    if os.path.isfile(os.path.join(root, "README.md")):
        files.append("README.md")
    return files


def prose_lines(text):
    """Yield (line number, line) for lines outside fenced code blocks."""
    fence = None
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield n, line


def inside_root(root, path):
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)


def check_citation(root, path, regex):
    """Return None if the citation resolves, else why not."""
    full = os.path.join(root, path)
    if not inside_root(root, full):
        return "path leaves the repository"
    if not os.path.isfile(full):
        return "no such file"
    try:
        pattern = re.compile(regex)
    except re.error as e:
        return "bad regex (%s)" % e
    with open(full, encoding="utf-8", errors="replace") as f:
        for line in f:
            if pattern.search(line.rstrip("\n")):
                return None
    return "no line matches"


def check_link(root, doc, target):
    """Return None if a link to a repository file resolves, else why not."""
    target = target.split("#", 1)[0].split("?", 1)[0]
    if not target:
        return None                     # a link to an anchor in this doc
    if target.startswith("/"):
        full = os.path.join(root, target.lstrip("/"))
    else:
        full = os.path.join(root, os.path.dirname(doc), target)
    if not inside_root(root, full):
        return "link leaves the repository"
    if not os.path.exists(full):
        return "no such file"
    return None


def check_tree(root):
    """Check every doc under root.
    Returns (citations, links, files, failures)."""
    failures = []
    citations = links = 0
    files = doc_files(root)
    for doc in files:
        with open(os.path.join(root, doc), encoding="utf-8") as f:
            text = f.read()
        for n, line in prose_lines(text):
            for span in CODE_SPAN.finditer(line):
                m = CITATION.match(span.group(1))
                if not m:
                    continue
                citations += 1
                why = check_citation(root, m.group("path"), m.group("regex"))
                if why:
                    failures.append("%s:%d: citation `%s`: %s"
                                    % (doc, n, span.group(1), why))
            # Links are looked for outside code spans only.
            bare = CODE_SPAN.sub("", line)
            targets = [m.group(1) for m in INLINE_LINK.finditer(bare)]
            m = REF_LINK.match(bare)
            if m:
                targets.append(m.group(1))
            for target in targets:
                if EXTERNAL.match(target):
                    continue
                links += 1
                why = check_link(root, doc, target)
                if why:
                    failures.append("%s:%d: link (%s): %s"
                                    % (doc, n, target, why))
    return citations, links, len(files), failures


def run(root):
    citations, links, files, failures = check_tree(root)
    if failures:
        for f in failures:
            print(f)
        print("check-docs: %d broken (of %d citations and %d links to repo "
              "files) in %d files" % (len(failures), citations, links, files))
        return 1
    print("check-docs: %d citations in %d files, all resolve"
          % (citations, files))
    return 0


def self_test():
    """Run this script on a fake tree with known good and broken
    citations and links; return 0 if it judged every one right."""
    good = ("A good citation `src/a.c:/^main\\(/`, a good link "
            "[a.c](../src/a.c), a URL [x](https://example.org/) and "
            "`http://example.org/` which is no citation.\n")
    broken = ("A broken regex match `src/a.c:/^nosuch\\(/`, a missing file "
              "`src/gone.c:/x/`, a broken link [gone](../src/gone.c).\n"
              "[ref]: ../src/missing.h\n")
    fenced = "```\n`src/gone.c:/inside a fence: ignored/`\n```\n"
    script = os.path.abspath(__file__)
    ok = True

    def tree(doc_text):
        d = tempfile.TemporaryDirectory(prefix="check-docs-")
        os.makedirs(os.path.join(d.name, "docs"))
        os.makedirs(os.path.join(d.name, "src"))
        with open(os.path.join(d.name, "src", "a.c"), "w") as f:
            f.write("int\nmain(void)\n{\n    return 0;\n}\n")
        with open(os.path.join(d.name, "docs", "ch.md"), "w") as f:
            f.write(doc_text)
        return d

    def cli(root):
        p = subprocess.run([sys.executable, script, "--root", root],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        return p.returncode, p.stdout

    with tree(good + fenced) as root:
        rc, out = cli(root)
        if rc != 0 or "1 citations in 1 files, all resolve" not in out:
            print("self-test: a good tree was not accepted:\n" + out)
            ok = False

    with tree(good + broken + fenced) as root:
        rc, out = cli(root)
        expect = ["docs/ch.md:2: citation `src/a.c:/^nosuch\\(/`: "
                  "no line matches",
                  "docs/ch.md:2: citation `src/gone.c:/x/`: no such file",
                  "docs/ch.md:2: link (../src/gone.c): no such file",
                  "docs/ch.md:3: link (../src/missing.h): no such file"]
        lines = out.splitlines()
        if rc != 1:
            print("self-test: broken citations gave exit %d, not 1" % rc)
            ok = False
        for e in expect:
            if e not in lines:
                print("self-test: missing report: " + e)
                ok = False
        if len(lines) != len(expect) + 1:
            print("self-test: expected %d reports, got:\n%s"
                  % (len(expect), out))
            ok = False

    print("check-docs self-test: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) == 3 and argv[1] == "--root":
        root = argv[2]
    elif len(argv) != 1:
        print("usage: check-docs.py [--root DIR] | --self-test",
              file=sys.stderr)
        return 2
    return run(root)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
