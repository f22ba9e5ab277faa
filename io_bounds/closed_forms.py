"""Closed-form I/O lower bounds (words) and FlashAttention traffic.

Model: two-level memory, fast memory of ``S`` words, unbounded slow memory; traffic ``Q`` is
loads + stores in words. Every bound returned is ``max(term, compulsory)``.

References (see ``../shared/spec/io_bounds.md``):
- Hong & Kung, "I/O complexity: the red-blue pebble game", STOC 1981.
- Smith, Lowery, Langou, van de Geijn, "A Tight I/O Lower Bound for Matrix Multiplication",
  arXiv:1702.02017.
- Saha & Ye, "The I/O Complexity of Attention, or How Optimal is FlashAttention?", ICML 2024,
  arXiv:2402.07443.
- Li et al., "Fine-grained Analysis of the I/O Complexity of Attention (backward pass)",
  arXiv:2410.09397.
- Dao et al., "FlashAttention", NeurIPS 2022 (block sizes, loop order); Dao 2023 (FA-2).
"""

from __future__ import annotations

import math
from typing import Iterable

from io_bounds._check import positive_int, positive_real, positive_words
from io_bounds.bound import Bound
from io_bounds.errors import BoundError

SMITH = ("Smith-Lowery-Langou-van de Geijn matmul bound",
         "Smith et al., A Tight I/O Lower Bound for Matrix Multiplication, arXiv:1702.02017")
SAHA_YE = ("Saha-Ye attention I/O complexity",
           "Saha & Ye, The I/O Complexity of Attention, ICML 2024, arXiv:2402.07443")
LI_BWD = ("attention backward I/O complexity",
          "Li et al., arXiv:2410.09397 (backward pass of attention)")


def compulsory(tensor_words: Iterable[float]) -> float:
    """Compulsory traffic in words: every input read once, every output written once.

    ``tensor_words`` lists the sizes (words) of the inputs and outputs.
    """
    total = 0.0
    for w in tensor_words:
        total += positive_real(w, "tensor size (words)")
    return total


def compulsory_bound(tensor_words: Iterable[float], fast_memory_words: float) -> Bound:
    """:func:`compulsory` as a :class:`Bound` (valid for every S)."""
    S = positive_words(fast_memory_words)
    c = compulsory(tensor_words)
    return Bound(words=c, compulsory_words=c, fast_memory_words=S, regime="compulsory",
                 method="compulsory", theorem="compulsory traffic",
                 citation="every input is read and every output written at least once",
                 assumptions=("inputs start and outputs end in slow memory",))


def matmul(m: int, n: int, k: int, fast_memory_words: float) -> Bound:
    """Classical matmul ``C[m,n] = A[m,k] B[k,n]`` lower bound, in words.

    ``Q >= max(2 m n k / sqrt(S) - 2 S, m k + k n + m n)`` (Smith et al., safe form; the
    ``Omega(mnk/sqrt(S))`` shape is Hong & Kung's). COSMA's ``2mnk/sqrt(S) + mn`` is *not* used:
    it is not a valid lower bound in every regime.
    """
    m, n, k = (positive_int(v, name) for v, name in ((m, "m"), (n, "n"), (k, "k")))
    S = positive_words(fast_memory_words)
    comp = float(m * k + k * n + m * n)
    term = 2.0 * m * n * k / math.sqrt(S) - 2.0 * S
    words = max(term, comp)
    return Bound(words=words, compulsory_words=comp, fast_memory_words=S,
                 regime="2mnk/sqrt(S) - 2S" if term > comp else "compulsory",
                 method="smith-matmul", theorem=SMITH[0], citation=SMITH[1],
                 assumptions=("classical (non-Strassen) multiply-add algorithm",
                              "no recomputation; each product term computed once"),
                 details={"m": m, "n": n, "k": k, "term_words": term})


def attention(N: int, d: int, fast_memory_words: float, constant: float = 1.0) -> Bound:
    """Forward attention ``O = softmax(Q K^T) V`` with ``Q, K, V`` of ``N x d``: Saha & Ye.

    ``Q = Theta(min(N^2 d^2 / M, N^2 d / sqrt(M)))`` and never below the compulsory ``4 N d``.
    The paper gives no explicit constant: ``constant`` multiplies the Theta term (default 1 =
    the shape only), and the result is marked ``rigorous=False``. The two terms meet at
    ``M = d^2`` (both ``N^2``), so the bound is continuous there.
    """
    N, d = positive_int(N, "N"), positive_int(d, "d")
    M = positive_words(fast_memory_words)
    c = positive_real(constant, "constant")
    comp = 4.0 * N * d
    big, small = N * N * d * d / M, N * N * d / math.sqrt(M)
    term = c * min(big, small)
    regime = "M >= d^2 (FlashAttention regime, N^2 d^2 / M)" if M >= d * d else \
        "M < d^2 (blocked QK^T regime, N^2 d / sqrt(M))"
    words = max(term, comp)
    return Bound(words=words, compulsory_words=comp, fast_memory_words=M,
                 regime=regime if term > comp else "compulsory", method="saha-ye-attention",
                 theorem=SAHA_YE[0], citation=SAHA_YE[1],
                 assumptions=(f"Theta bound: the paper states no constant; constant={c:g} is a "
                              "user choice (1 = shape only), not a proven value",
                              "M < d^2 branch: optimal among combinatorial (non fast-matmul) "
                              "algorithms", "no causal mask; one head"),
                 rigorous=False, constant=c,
                 details={"N": N, "d": d, "term_words": term, "flash_regime": M >= d * d})


def attention_backward(N: int, d: int, fast_memory_words: float, constant: float = 1.0) -> Bound:
    """Backward attention (Li et al.): ``Theta(min((N^2 d^2 + N d^3)/M, (N^2 d + N d^2)/sqrt(M)))``.

    Compulsory part: read ``Q, K, V, O, dO`` (``5 N d``) and the softmax statistics (``N``),
    write ``dQ, dK, dV`` (``3 N d``): ``8 N d + N`` words. Constant as in :func:`attention`.
    """
    N, d = positive_int(N, "N"), positive_int(d, "d")
    M = positive_words(fast_memory_words)
    c = positive_real(constant, "constant")
    comp = 8.0 * N * d + N
    big = (N * N * d * d + N * d ** 3) / M
    small = (N * N * d + N * d * d) / math.sqrt(M)
    term = c * min(big, small)
    regime = "M >= d^2" if M >= d * d else "M < d^2"
    return Bound(words=max(term, comp), compulsory_words=comp, fast_memory_words=M,
                 regime=regime if term > comp else "compulsory",
                 method="li-attention-backward", theorem=LI_BWD[0], citation=LI_BWD[1],
                 assumptions=(f"Theta bound with no stated constant; constant={c:g} is a user "
                              "choice", "compulsory part counts Q,K,V,O,dO,logsumexp in and "
                              "dQ,dK,dV out"),
                 rigorous=False, constant=c, details={"N": N, "d": d, "term_words": term})


FLASH_VARIANTS = ("fa1", "fa2")


def flash_attention_traffic(N: int, d: int, M: float, variant: str = "fa2") -> dict:
    """DRAM traffic (words) of FlashAttention forward with on-chip memory ``M`` words.

    ``"fa1"`` (Dao et al. 2022, Algorithm 1: K/V-block outer loop): block sizes
    ``B_c = ceil(M / (4d))``, ``B_r = min(ceil(M / (4d)), d)``; ``T_c = ceil(N / B_c)`` outer
    iterations each re-read ``Q``, re-read and re-write ``O`` and the row statistics ``l, m``:
    ``Q_words = Nd + 2N (initialise O,l,m) + 2Nd (K,V once) + T_c (3Nd + 4N)``,
    about ``2Nd + 12 N^2 d^2 / M``.

    ``"fa2"`` (query-stationary, FA-2 loop order): ``B_r`` query rows keep ``Q_i``, the ``O_i``
    accumulator and ``l_i, m_i`` on chip (``B_r (2d + 2)`` words) while K and V stream one row
    at a time (``2d`` words): ``B_r = floor((M - 2d) / (2d + 2))``; traffic
    ``Nd (Q) + Nd (O) + ceil(N / B_r) * 2Nd``, about ``2Nd + 4 N^2 d^2 / M``.
    """
    N, d = positive_int(N, "N"), positive_int(d, "d")
    M = positive_words(M, "M (on-chip words)")
    if variant not in FLASH_VARIANTS:
        raise BoundError(f"unknown FlashAttention variant {variant!r}; valid: "
                         f"{', '.join(FLASH_VARIANTS)}")
    if M < 4 * d + 2:
        raise BoundError(f"M={M:g} words is too small for FlashAttention with d={d}: one row "
                         f"each of Q, K, V, O and the statistics l, m need 4d+2 = {4 * d + 2} "
                         "words")
    if variant == "fa1":
        bc = math.ceil(M / (4 * d))
        br = min(bc, d)
        tc = math.ceil(N / bc)
        words = N * d + 2 * N + 2 * N * d + tc * (3 * N * d + 4 * N)
        return {"variant": variant, "traffic_words": float(words), "B_c": bc, "B_r": br,
                "outer_iterations": tc, "approx_words": 2 * N * d + 12 * N * N * d * d / M}
    br = min(math.floor((M - 2 * d) / (2 * d + 2)), N)
    tr = math.ceil(N / br)
    words = 2 * N * d + tr * 2 * N * d
    return {"variant": variant, "traffic_words": float(words), "B_c": 1, "B_r": br,
            "outer_iterations": tr, "approx_words": 2 * N * d + 4 * N * N * d * d / M}
