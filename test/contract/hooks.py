"""Schemathesis hooks for bbsim's /openapi.json (loaded through the SCHEMATHESIS_HOOKS environment variable).

The document names a BSN `format: bsn`: 9 digits (its pattern) that pass the elfproef, which no pattern can
say. This strategy draws valid BSNs, so that generated positive data is data the service accepts.
"""
from __future__ import annotations

from hypothesis import strategies as st

import schemathesis


def _bsn(first_eight: int) -> str | None:
    digits = [int(c) for c in f"{first_eight:08d}"]
    total = sum(d * w for d, w in zip(digits, range(9, 1, -1)))
    check = total % 11  # 9·d1 + … + 2·d8 − d9 ≡ 0 (mod 11), so d9 = total mod 11, which must be a digit
    if check > 9:
        return None
    bsn = f"{first_eight:08d}{check}"
    return None if bsn == "000000000" else bsn


schemathesis.openapi.format(
    "bsn",
    st.integers(min_value=1, max_value=99_999_999).map(_bsn).filter(lambda b: b is not None),
)
