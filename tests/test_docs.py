"""The documents a newcomer reads name files that exist.

README.md and RATIONALE.md walk through the code file by file ("Following
one load and one call", the layout map, the reasons behind each package);
a move that forgets them leaves a map of rooms that are gone. Every path
they name under the project's own directories must exist (a ``*`` in it
must match something), and every ``RATIONALE.md, "..."`` a Go or Python
comment points to must be a heading of RATIONALE.md (or the part of one before its colon).
"""

import glob
import os
import re
from typing import List

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", "RATIONALE.md", "benchmarks/README.md"]
# Paths under the project's own top-level directories, ending in a source
# file's extension: `gohost/internal/engine/func.go`, `python/gowasm/_func.py`.
PATH = re.compile(
    r"(?<![\w./-])((?:gohost|python|guest|bindgen|scripts|tests|benchmarks|examples)/[\w./*-]*\.(?:go|py|h|c|sh|md))\b")


def paths_named(doc: str) -> List[str]:
    with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
        return sorted(set(PATH.findall(f.read())))


@pytest.mark.parametrize("doc", DOCS)
def test_every_path_a_document_names_exists(doc: str) -> None:
    named = paths_named(doc)
    assert named, "%s names no project path: is the pattern still right?" % doc
    missing = [p for p in named if not glob.glob(os.path.join(ROOT, p))]
    assert not missing, "%s names files that do not exist: %s" % (doc, ", ".join(missing))


def test_every_rationale_section_a_comment_points_to_exists() -> None:
    with open(os.path.join(ROOT, "RATIONALE.md"), encoding="utf-8") as f:
        headings = {line.lstrip("#").strip() for line in f if line.startswith("#")}
    pointer = re.compile(r'RATIONALE\.md, "([^"]+)"')
    missing = []
    for pattern in ("gohost/**/*.go", "python/**/*.py", "python/**/*.c", "guest/**/*.go", "bindgen/**/*.go"):
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            with open(path, encoding="utf-8") as f:
                # A pointer may be wrapped over two comment lines.
                text = re.sub(r"\s*\n\s*(?://|#)\s*", " ", f.read())
            for section in pointer.findall(text):
                section = " ".join(section.split())
                # "The sandbox" stands for "The sandbox: mounts through os.Root".
                if not any(h == section or h.startswith(section + ":") for h in headings):
                    missing.append("%s: %r" % (os.path.relpath(path, ROOT), section))
    assert not missing, "comments point to RATIONALE.md sections that do not exist: %s" % "; ".join(missing)
