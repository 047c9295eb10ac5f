"""CPU time per argon2id hash and verify: argon2-cffi's defaults (INFO before issue 13) against
INFO's parameters (OWASP's server minimum, models/accounts.ARGON2_PARAMETERS).

Measures process CPU time (time.process_time), not wall time, interleaving the two parameter
sets in random order in the same run, and reports medians and their ratio.  A login costs one
verify (plus one hash when an old hash is upgraded).

    .venv/bin/python bench/bench_argon2.py            # 30 rounds each
    .venv/bin/python bench/bench_argon2.py --rounds 60
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from argon2 import PasswordHasher  # noqa: E402

from models.tables.accounts import ARGON2_PARAMETERS  # noqa: E402

PASSWORD = "ช้างเผือกสามเชือก2570"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    hashers = {"library default": PasswordHasher(), "INFO (OWASP minimum)": PasswordHasher(
        **ARGON2_PARAMETERS)}
    stored = {name: h.hash(PASSWORD) for name, h in hashers.items()}
    cpu = {(name, op): [] for name in hashers for op in ("hash", "verify")}
    jobs = [(name, op) for name in hashers for op in ("hash", "verify")] * args.rounds
    random.shuffle(jobs)
    for name, op in jobs:
        hasher = hashers[name]
        start = time.process_time()
        if op == "hash":
            hasher.hash(PASSWORD)
        else:
            hasher.verify(stored[name], PASSWORD)
        cpu[(name, op)].append(time.process_time() - start)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds each, interleaved")
    for name, hasher in hashers.items():
        print(f"  {name:22} {stored[name].split('$')[3]:22} "
              f"hash {statistics.median(cpu[(name, 'hash')]) * 1000:7.1f} ms CPU   "
              f"verify {statistics.median(cpu[(name, 'verify')]) * 1000:7.1f} ms CPU")
    old, new = (statistics.median(cpu[(n, "verify")]) for n in hashers)
    print(f"  verify (one login): INFO / default = {new / old:.2f}")


if __name__ == "__main__":
    main()
