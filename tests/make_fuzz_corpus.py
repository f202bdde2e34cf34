#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz_api.c into tests/fuzz_corpus/: one
input per function of api_list.h (by index) and shape, laid out as
fuzz_api.c reads them, so the fuzzer starts from calls that reach every
function, both ends of the timesteps, misaligned arrays, an offset near
2^64 and one at the block counter's carry.

usage: make_fuzz_corpus.py <out dir>"""
import os
import struct
import sys

FUNCTIONS = 5  # rows of tests/api_list.h
FLAT = {2}     # dk_randn: an element count, no rows


def case(fn, sched, rows, dim, mis, kind, opts, seed=0x243F6A8885A308D3, stream=7, offset=0x1234):
    out = bytes([fn, sched])
    if fn in FLAT:
        out += struct.pack(">H", rows * dim)
    else:
        out += bytes([rows - 1, dim])
        out += b"".join(struct.pack(">H", (997 * r) % 1001) for r in range(rows))
    out += bytes([mis]) + struct.pack(">QQ", seed, stream) + bytes([kind]) + struct.pack(">Q", offset)
    out += bytes([opts])
    # data: plain values, with a NaN, an Inf and a subnormal among them
    for i in range(rows * dim * 2):
        word = {5: 0x7FC00001 << 0, 11: 0x7F800000, 17: 0x00000010}.get(i, (i * 2654435761) & 0xFFFFFFFC | 1)
        out += struct.pack(">I", word & 0xFFFFFFFF)
    return out


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    shapes = [(1, 1), (3, 5), (7, 33), (16, 17)]
    count = 0
    for fn in range(FUNCTIONS):
        for i, (rows, dim) in enumerate(shapes):
            data = case(fn, i % 4, rows, dim, i % 4, i % 4, (i * 37) % 256)
            with open(os.path.join(out, f"f{fn}-{rows}x{dim}"), "wb") as f:
                f.write(data)
            count += 1
    print(f"{count} inputs in {out}")


if __name__ == "__main__":
    main()
