#!/usr/bin/env python3
"""The README's quick start works from a bare clone (issue 24).

The blocks fenced as ```sh quickstart are extracted from README.md verbatim and run,
in order, each with `bash -e` in its own process group, in a temporary `git clone`
of this repository (at HEAD, with the working tree's README.md, so the README under
test is the one being edited). The programs come from the build under test: the
clone's build/ is a symlink to it, where scripts/setup.sh would have built them
(building again would take minutes and test the compiler, not the README).
Nothing else from outside the clone is reachable by relative path: the quick start
makes its captures with scripts/fzgen.py.

Each block must exit 0, and a ```text output block right after it must match its
standard output: each shown line appears, in order (trailing blanks aside); a line
ending in "..." is a prefix; a line "..." stands for any lines. After the run no process the blocks
started is left (their process group is killed)."""
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from fzrun import BUILD, SRC, Checker  # noqa: E402

BLOCK = re.compile(r"```sh quickstart\n(.*?)```\n(?:\s*```text output\n(.*?)```\n)?", re.S)


def blocks(readme):
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(readme)]


def matches(expected, actual):
    """Every expected line in order in actual (a list of lines); returns the first line
    that is missing, or None."""
    i = 0
    actual = [line.rstrip() for line in actual]
    for want in expected.splitlines():
        if want == "...":
            continue
        prefix = want[:-3].rstrip() if want.endswith("...") else None
        while i < len(actual) and not (actual[i] == want or
                                       (prefix is not None and actual[i].startswith(prefix))):
            i += 1
        if i == len(actual):
            return want
        i += 1
    return None


def run_block(code, cwd, timeout=180):
    p = subprocess.Popen(["bash", "-e", "-c", code], cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, err = "", "timed out after %d s" % timeout
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # whatever the block left running
        except ProcessLookupError:
            pass
        p.wait()
    return p.returncode, out, err


def main():
    c = Checker()
    with open(os.path.join(SRC, "README.md")) as f:
        readme = f.read()
    found = blocks(readme)
    c.eq(True, len(found) >= 4, "README: quickstart blocks found (%d)" % len(found))
    c.eq([], [code for code, _ in found if "../shared" in code or "/work/" in code],
         "README: no quickstart block reaches outside the clone")
    with tempfile.TemporaryDirectory() as tmp:
        clone = os.path.join(tmp, "flowzoo")
        head = subprocess.run(["git", "-C", SRC, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        subprocess.run(["git", "clone", "-q", "--no-checkout", SRC, clone], check=True)
        subprocess.run(["git", "-C", clone, "checkout", "-q", head], check=True)
        with open(os.path.join(clone, "README.md"), "w") as f:
            f.write(readme)
        os.symlink(BUILD, os.path.join(clone, "build"))
        for n, (code, expected) in enumerate(found, 1):
            first = code.splitlines()[0]
            rc, out, err = run_block(code, clone)
            c.eq(0, rc, "block %d (%s): exit status" % (n, first))
            if rc != 0:
                print("--- block %d stdout:\n%s--- stderr:\n%s" % (n, out, err))
            if expected is not None:
                missing = matches(expected, out.splitlines())
                c.eq(None, missing, "block %d (%s): output line" % (n, first))
                if missing is not None:
                    print("--- block %d stdout:\n%s--- stderr:\n%s" % (n, out, err))
    c.done()


if __name__ == "__main__":
    main()
