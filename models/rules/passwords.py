"""The password policy (issue 9): at least 8 characters, no composition rules, no common password.

NIST SP 800-63B's advice, which OWASP follows: length matters, forced mixtures of digits and
symbols do not, and a password found in breach corpora must be refused.  The list is
`models/data/common_passwords.txt` (its source and licence are in its header), compared
case-insensitively.  Every place a password is set calls `password_problem()`: the user form,
the reset page and `flask create-user`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from workflow import _

MIN_LENGTH = 8
MAX_LENGTH = 128   # argon2 hashes any length; a cap keeps a megabyte "password" out
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The refused passwords, lower-cased (read once per process)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str | None, *, username: str | None = None) -> str | None:
    """Why `password` is refused (a Thai message), or None when it may be used."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return _("รหัสผ่านต้องมีอย่างน้อย %(n)s ตัวอักษร", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("รหัสผ่านยาวได้ไม่เกิน %(n)s ตัวอักษร", n=MAX_LENGTH)
    folded = password.strip().lower()
    if folded in common_passwords():
        return _("รหัสผ่านนี้เป็นรหัสผ่านที่ใช้กันทั่วไปและถูกเดาได้ง่าย กรุณาตั้งรหัสผ่านอื่น")
    if username and folded == username.strip().lower():
        return _("รหัสผ่านต้องไม่เหมือนชื่อผู้ใช้")
    return None
