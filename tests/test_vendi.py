"""The Vendi score estimate of the string axes (lens_cli.vendi) against the definition, computed exactly."""

import numpy as np
import pytest
from rapidfuzz import process
from rapidfuzz.distance import Indel, Levenshtein

from lens_cli.vendi import (
    PSD_SETTINGS,
    dice_operator,
    slq_vendi,
    vendi_estimate,
    vendi_from_eigenvalues,
    weighted_similarity,
)


def lev_cross(a, b):
    return process.cdist(list(a), list(b), scorer=Levenshtein.normalized_distance, dtype=np.float32, workers=1)


def indel_cross(a, b):
    return process.cdist(list(a), list(b), scorer=Indel.normalized_distance, dtype=np.float32, workers=1)


def random_strings(n, alphabet=8, lo=3, hi=20, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(chr(0x100 + c) for c in rng.integers(0, alphabet, rng.integers(lo, hi + 1))) for _ in range(n)]


def random_sets(n, vocab=300, lo=0, hi=15, seed=0):
    rng = np.random.default_rng(seed)
    return [
        "".join(sorted({chr(0x100 + int(c)) for c in rng.zipf(1.3, rng.integers(lo, hi + 1)) % vocab}))
        for _ in range(n)
    ]


def full_vendi(rows, cross):
    """The definition on all rows: eigenvalues of (1 - D)/N over every row."""
    k = 1.0 - cross(rows, rows).astype(np.float64)
    return vendi_from_eigenvalues(np.linalg.eigvalsh(k / len(rows)))


def distinct_counts(rows):
    items, counts = [], {}
    for r in rows:
        if r not in counts:
            items.append(r)
            counts[r] = 0
        counts[r] += 1
    return items, np.array([counts[i] for i in items], dtype=float)


def test_exact_path_equals_definition_on_all_rows():
    base = random_strings(150, seed=1)
    rng = np.random.default_rng(2)
    rows = [base[i] for i in rng.integers(0, 150, 400)]  # with repeats
    items, counts = distinct_counts(rows)
    v, how, interval = vendi_estimate(items, lev_cross, counts)
    assert interval is None and how.startswith("exact")
    assert v == pytest.approx(full_vendi(rows, lev_cross), rel=1e-6)


def test_square_and_cross_fn_give_the_same_matrix():
    items = random_strings(700, seed=3)
    counts = np.arange(1, 701, dtype=float)
    a1 = weighted_similarity(items, lev_cross, counts)
    a2 = weighted_similarity(items, None, counts, square=lev_cross(items, items))
    assert np.array_equal(a1, a2)
    assert np.trace(a1.astype(np.float64)) == pytest.approx(1.0, rel=1e-6)


def test_dice_operator_matches_indel_distances():
    items = [*random_sets(300, seed=4), "", ""]
    items = list(dict.fromkeys(items))  # distinct, keeps one empty set
    counts = np.random.default_rng(5).integers(1, 5, len(items)).astype(float)
    matmul, m = dice_operator(items, counts)
    a_op = matmul(np.eye(m))
    a_ref = weighted_similarity(items, indel_cross, counts, dtype=np.float64)
    assert np.abs(a_op - a_ref).max() < 1e-6


def test_slq_on_levenshtein_within_two_percent_and_deterministic():
    # Clustered strings (few templates with edits), like generated data: an indefinite K.
    rng = np.random.default_rng(6)
    templates = random_strings(40, alphabet=12, lo=6, hi=25, seed=7)
    rows = []
    for _ in range(3000):
        t = list(templates[rng.integers(0, 40)])
        for _ in range(rng.integers(0, 4)):
            pos = rng.integers(0, len(t))
            t[pos] = chr(0x100 + int(rng.integers(0, 12)))
        rows.append("".join(t))
    items, counts = distinct_counts(rows)
    assert len(items) > 1500  # the SLQ path
    sq = lev_cross(items, items)
    exact = vendi_from_eigenvalues(np.linalg.eigvalsh(weighted_similarity(items, None, counts, sq, dtype=np.float64)))
    v1, how, iv = vendi_estimate(items, None, counts, square=sq, seed=0)
    v2, _, _ = vendi_estimate(items, None, counts, square=sq, seed=0)
    assert how.startswith("SLQ")
    assert v1 == v2  # same seed, same result
    assert abs(v1 / exact - 1) <= 0.02
    assert iv[0] <= exact <= iv[1]


def test_slq_on_dice_operator_within_two_percent():
    items = list(dict.fromkeys(random_sets(2500, vocab=500, lo=1, hi=12, seed=8)))
    counts = np.random.default_rng(9).integers(1, 4, len(items)).astype(float)
    op = dice_operator(items, counts)
    exact = vendi_from_eigenvalues(np.linalg.eigvalsh(op[0](np.eye(op[1]))))
    v, _, iv = vendi_estimate(items, None, counts, operator=op, **PSD_SETTINGS)
    assert abs(v / exact - 1) <= 0.02
    assert iv[0] <= exact <= iv[1]


def test_slq_on_a_known_spectrum():
    rng = np.random.default_rng(10)
    m = 3000
    q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    lam = np.concatenate([[0.3, 0.1, 0.05], rng.uniform(-1, 3, m - 3) / m])
    lam[3:] *= (1 - 0.45) / lam[3:].sum()
    a = (q * lam) @ q.T
    exact = vendi_from_eigenvalues(lam)
    v, _, _ = slq_vendi(lambda x: a @ x, m, trace=float(lam.sum()), fro2=float(np.sum(lam**2)), seed=0)
    assert abs(v / exact - 1) <= 0.02


def test_edge_cases():
    assert vendi_estimate([], lev_cross, [])[0] == 0.0
    assert vendi_estimate(["ab"], lev_cross, [5])[0] == pytest.approx(1.0)
    v, _, _ = vendi_estimate(["", "a"], lev_cross, [1, 1])  # orthogonal pair
    assert v == pytest.approx(2.0)
