#!/usr/bin/env python3
"""The project's lists stay whole (a meson test):
- every public function of include/diffkern.h that takes float arrays has a
  row in tests/api_list.h (so the error, oracle, cross-ISA, noise and fuzz
  tests cover it) and a row in README.md's API table;
- every kernel of kernels/kernel_list.h has a row in README.md's kernel table;
- every build of kernels/variant_list.h is one meson.build knows, and back.

usage: check_lists.py <source root>"""
import re
import sys


def read(root, path):
    with open(f"{root}/{path}") as f:
        return f.read()


def main():
    root = sys.argv[1]
    header, api_list = read(root, "include/diffkern.h"), read(root, "tests/api_list.h")
    readme, kernels = read(root, "README.md"), read(root, "kernels/kernel_list.h")
    variants, meson = read(root, "kernels/variant_list.h"), read(root, "meson.build")
    problems = []

    functions = []
    for m in re.finditer(r"DK_API\s+dk_status\s+(dk_\w+)\s*\(([^;]*)\)\s*;", header):
        if "float *" in m.group(2):
            functions.append(m.group(1))
    listed = re.findall(r"^DK_API_ROW\((dk_\w+),", api_list, re.M)
    for fn in functions:
        if fn not in listed:
            problems.append(f"{fn} (include/diffkern.h) has no row in tests/api_list.h")
        if f"`{fn}(" not in readme:
            problems.append(f"{fn} has no row in README.md's API table")
    for fn in listed:
        if fn not in functions:
            problems.append(f"tests/api_list.h lists {fn}, which the header does not declare")

    rows = re.findall(r"^DK_KERNEL\((\w+),", kernels, re.M)
    for k in rows:
        if f"| `{k}` |" not in readme:
            problems.append(f"kernel {k} (kernels/kernel_list.h) has no row in README.md's kernel table")

    c_variants = re.findall(r"^DK_VARIANT\((\w+),", variants, re.M)
    meson_variants = re.findall(r"\['(\w+)', (?:scalar_flags|\['-DDK_VEC)", meson)
    if sorted(c_variants) != sorted(meson_variants):
        problems.append(f"kernels/variant_list.h has {c_variants}, meson.build builds {meson_variants}")

    for p in problems:
        print("FAIL:", p)
    print(f"check_lists: {len(functions)} array functions, {len(rows)} kernels, {len(c_variants)} builds; "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
