#!/usr/bin/env python3
"""check_kernel_coverage.py: every __global__ kernel in the tree (kernels/, linalg/) must be launched by an emulated test.

The SIMT emulation appends the name of every kernel a test process launches to
RECORDS/launched-<pid>.txt, and tests/emulated/record_tests.cpp the name of every test that ran to
RECORDS/tests-<pid>.txt (when LF_SIMT_COVERAGE_DIR=RECORDS). This script scans SOURCES for
__global__ function definitions and prints each kernel as covered or NOT covered.

  check_kernel_coverage.py --reset --records DIR            empty DIR (ctest fixture setup)
  check_kernel_coverage.py --sources kernels linalg --records DIR [--test-programs EXE ...]

Exit status: 0 all kernels covered; 1 a kernel is not covered (or nothing was recorded);
77 only part of the emulated tests ran (the test lists of --test-programs were not all seen), so
coverage is not judged. Python standard library only.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

SOURCE_SUFFIXES = (".cu", ".cuh", ".h", ".hpp", ".cpp")
SKIP_RETURN_CODE = 77


def strip_comments(text):
    """Removes // and /* */ comments (keeping line breaks) and blanks string literals."""
    def blank(match):
        s = match.group(0)
        if s.startswith("/"):
            return re.sub(r"[^\n]", " ", s)
        return '""'
    return re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"', blank, text, flags=re.S)


def scan_kernels(root):
    """Returns [(name, path, line)] for every __global__ function declaration under root."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            if not filename.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(dirpath, filename)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = strip_comments(f.read())
            for match in re.finditer(r"\b__global__\b", text):
                # The kernel name is the last identifier before the parameter list's '(' (skipping
                # __launch_bounds__(...) and template arguments of the return type).
                rest = text[match.end():]
                rest = re.sub(r"__launch_bounds__\s*\([^)]*\)", " ", rest, count=1)
                m = re.match(r"[\w\s:<>,*&]*?(\w+)\s*\(", rest)
                if not m:
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.append((m.group(1), os.path.relpath(path, os.path.dirname(root)), line))
    return found


def read_records(records, prefix):
    names = set()
    if not os.path.isdir(records):
        return names
    for filename in os.listdir(records):
        if filename.startswith(prefix) and filename.endswith(".txt"):
            with open(os.path.join(records, filename), encoding="utf-8") as f:
                names.update(line.strip() for line in f if line.strip())
    return names


def list_tests(program):
    """Full names of the enabled tests of a GoogleTest program (--gtest_list_tests)."""
    out = subprocess.run([program, "--gtest_list_tests"], check=True, capture_output=True, text=True).stdout
    tests, suite = set(), ""
    for raw in out.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not line.startswith(" "):
            suite = line.strip()
        else:
            name = line.strip()
            if not suite.startswith("DISABLED_") and not name.startswith("DISABLED_"):
                tests.add(suite + name)
    return tests


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", help="folders scanned for __global__ kernels (kernels/ linalg/)")
    parser.add_argument("--records", required=True, help="LF_SIMT_COVERAGE_DIR of the emulated tests")
    parser.add_argument("--test-programs", nargs="*", default=[], help="emulated GoogleTest programs")
    parser.add_argument("--reset", action="store_true", help="empty the records folder and exit")
    args = parser.parse_args()

    if args.reset:
        shutil.rmtree(args.records, ignore_errors=True)
        os.makedirs(args.records)
        print(f"kernel coverage: records reset in {args.records}")
        return 0
    if not args.sources:
        parser.error("--sources is required")

    kernels = [k for folder in args.sources for k in scan_kernels(os.path.abspath(folder))]
    launched = read_records(args.records, "launched-")
    ran = read_records(args.records, "tests-")
    expected = set()
    for program in args.test_programs:
        expected |= list_tests(program)
    missing_tests = expected - ran
    if expected and missing_tests:
        print(f"kernel coverage: not judged: {len(expected) - len(missing_tests)} of {len(expected)} emulated "
              f"tests ran (a partial run such as ctest -R); run `ctest -L emulated` for the check")
        return SKIP_RETURN_CODE

    width = max([len(name) for name, _, _ in kernels] + [6])
    covered = 0
    print(f"kernel coverage: {len(kernels)} __global__ kernels in {' '.join(args.sources)}, "
          f"launched by the emulated tests:")
    for name, path, line in sorted(kernels, key=lambda k: (k[1], k[2])):
        ok = name in launched
        covered += ok
        print(f"  {'covered    ' if ok else 'NOT covered'}  {name:<{width}}  {path}:{line}")
    print(f"kernel coverage: {covered}/{len(kernels)} covered")
    if not launched:
        print("kernel coverage: FAILED: no kernel launches were recorded; run the emulated tests "
              "(ctest -L emulated) with LF_SIMT_COVERAGE_DIR set")
        return 1
    if covered != len(kernels):
        print("kernel coverage: FAILED: add an emulated test (tests/emulated/) that launches each kernel "
              "marked NOT covered and compares it with its CPU twin")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
