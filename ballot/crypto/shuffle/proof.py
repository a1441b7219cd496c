"""The Terelius-Wikstrom proof of shuffle, for lists of ciphertext vectors.

Statement: the output list is the input list, items permuted, every
ciphertext re-encrypted under the key K.  We follow the structure of Haenni,
Locher, Koenig and Dubuis ("Pseudo-code algorithms for verifiable
re-encryption mix-nets", 2017), written additively, with the sign convention
of our other proofs (response = nonce + c*witness) and with one response s4_k
and one pair T4_k per component k of the items (the same s'_i for all
components binds them to one permutation of whole items).

Prover, with generators H, H_1..H_N (never its choice: :mod:`.generators`),
output i = input pi(i) re-encrypted with rho_{i,k}:

1. commit to the permutation: C_{pi(i)} = r_{pi(i)}*B + H_i;
2. u_1..u_N from the statement (:mod:`.statement`); u'_i = u_{pi(i)};
3. chain: Ch_0 = H, Ch_i = rh_i*B + u'_i*Ch_{i-1};
4. nonces w1, w2, w3, w4_k, wh_i, w'_i and commitments
   T1 = w1*B, T2 = w2*B, T3 = w3*B + sum w'_i*H_i,
   T4_k = (sum w'_i*alpha'_{i,k} - w4_k*B, sum w'_i*beta'_{i,k} - w4_k*K),
   Th_i = wh_i*B + w'_i*Ch_{i-1};
5. c from the statement, the chain and the T's; responses
   s1 = w1 + c*sum r_j, s2 = w2 + c*sum rh_i*v_i (v_i = u'_{i+1}...u'_N),
   s3 = w3 + c*sum r_j*u_j, s4_k = w4_k + c*sum rho_{i,k}*u'_i,
   sh_i = wh_i + c*rh_i, s'_i = w'_i + c*u'_i.

The verifier recomputes every T from the responses and accepts iff hashing
gives back c (the compact form of :mod:`ballot.crypto.proofs`); the equations
are in :func:`verify_shuffle_proof` and ``docs/PROTOCOL.md``, "Mix-net".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..elgamal import Ciphertext
from ..group import IDENTITY, Element, GroupError, L, Scalar, base_mul, linear_combination
from .errors import ShuffleError
from .generators import Generators, derive_generators
from .reencryption import ShuffleWitness
from .statement import challenge_vector, final_challenge, statement_hasher

__all__ = ["ShuffleProof", "prove_shuffle", "verify_shuffle_proof"]

_PROOF_KEYS = {
    "permutation_commitments",
    "chain_commitments",
    "challenge",
    "s1",
    "s2",
    "s3",
    "s4",
    "s_chain",
    "s_permutation",
}


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    """Commitments C and Ch (N each), the challenge c and the responses (s4: w; sh, s': N)."""

    permutation_commitments: tuple[Element, ...]
    chain_commitments: tuple[Element, ...]
    challenge: Scalar
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]
    s_chain: tuple[Scalar, ...]
    s_permutation: tuple[Scalar, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "permutation_commitments": [e.hex() for e in self.permutation_commitments],
            "chain_commitments": [e.hex() for e in self.chain_commitments],
            "challenge": self.challenge.hex(),
            "s1": self.s1.hex(),
            "s2": self.s2.hex(),
            "s3": self.s3.hex(),
            "s4": [s.hex() for s in self.s4],
            "s_chain": [s.hex() for s in self.s_chain],
            "s_permutation": [s.hex() for s in self.s_permutation],
        }

    @classmethod
    def from_json(cls, obj: object, n: int, w: int) -> ShuffleProof:
        """Strict: exact keys, lists of exactly N (or w) entries checked before any decoding,
        canonical scalars, valid non-identity commitments."""
        if not isinstance(obj, dict) or set(obj) != _PROOF_KEYS:
            raise ShuffleError(
                "malformed", f"a proof of shuffle has exactly the keys {sorted(_PROOF_KEYS)}"
            )
        sizes = {
            "permutation_commitments": n,
            "chain_commitments": n,
            "s4": w,
            "s_chain": n,
            "s_permutation": n,
        }
        for key, size in sizes.items():
            value = obj[key]
            if not isinstance(value, list) or len(value) != size:
                raise ShuffleError("malformed", f"proof field '{key}' must be a list of {size}")
        return cls(
            tuple(_element(obj, "permutation_commitments", i) for i in range(n)),
            tuple(_element(obj, "chain_commitments", i) for i in range(n)),
            _scalar(obj["challenge"], "challenge"),
            _scalar(obj["s1"], "s1"),
            _scalar(obj["s2"], "s2"),
            _scalar(obj["s3"], "s3"),
            tuple(_scalar(v, f"s4[{k}]") for k, v in enumerate(obj["s4"])),
            tuple(_scalar(v, f"s_chain[{i}]") for i, v in enumerate(obj["s_chain"])),
            tuple(_scalar(v, f"s_permutation[{i}]") for i, v in enumerate(obj["s_permutation"])),
        )


def _element(obj: dict[str, object], key: str, i: int) -> Element:
    value = obj[key]
    assert isinstance(value, list)
    try:
        return Element.from_hex(value[i])
    except GroupError as exc:
        raise ShuffleError("malformed", f"proof field '{key}[{i}]': {exc}") from exc


def _scalar(value: object, where: str) -> Scalar:
    try:
        return Scalar.from_hex(value)  # type: ignore[arg-type]  # from_hex refuses non-strings
    except GroupError as exc:
        raise ShuffleError("malformed", f"proof field '{where}': {exc}") from exc


def prove_shuffle(
    fingerprint: bytes,
    position: int,
    public_key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
    witness: ShuffleWitness,
    *,
    rng: Callable[[], Scalar] = Scalar.random,
) -> ShuffleProof:
    """Prove that ``outputs`` is ``inputs`` shuffled with ``witness``, for this position."""
    gens = derive_generators(fingerprint, len(inputs))
    return _prove_with(gens, fingerprint, position, public_key, inputs, outputs, witness, rng)


def _prove_with(
    gens: Generators,
    fingerprint: bytes,
    position: int,
    key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
    witness: ShuffleWitness,
    rng: Callable[[], Scalar],
) -> ShuffleProof:
    """The prover with given generators (public for tests: a proof made with generators
    other than the derived ones must fail)."""
    n, w, perm = len(inputs), len(inputs[0]), witness.permutation
    if len(outputs) != n or len(perm) != n or len(gens.hs) != n:
        raise ValueError("inputs, outputs, permutation and generators must have one entry per item")
    r = [rng() for _ in range(n)]  # r[j]: randomness of the commitment at input position j
    commitments: list[Element] = [IDENTITY] * n
    for i in range(n):
        commitments[perm[i]] = base_mul(r[perm[i]]) + gens.hs[i]
    statement = statement_hasher(fingerprint, position, key, inputs, outputs, commitments)
    u = challenge_vector(statement, n)
    u_out = [u[perm[i]] for i in range(n)]

    r_hat = [rng() for _ in range(n)]
    chain: list[Element] = []
    previous = gens.h
    for i in range(n):
        previous = base_mul(r_hat[i]) + previous * u_out[i]
        chain.append(previous)

    w1, w2, w3 = rng(), rng(), rng()
    w4 = [rng() for _ in range(w)]
    w_hat = [rng() for _ in range(n)]
    w_prime = [rng() for _ in range(n)]
    t1, t2 = base_mul(w1), base_mul(w2)
    t3 = base_mul(w3) + linear_combination(w_prime, gens.hs)
    t4 = [
        (
            linear_combination(w_prime, [out[k].alpha for out in outputs]) - base_mul(w4[k]),
            linear_combination(w_prime, [out[k].beta for out in outputs]) - key * w4[k],
        )
        for k in range(w)
    ]
    links = [gens.h, *chain[:-1]]
    t_hat = [base_mul(w_hat[i]) + links[i] * w_prime[i] for i in range(n)]
    c = final_challenge(statement, chain, t1, t2, t3, t4, t_hat)

    # the witnesses of the five relations, in integers mod L
    v = [1] * n  # v[i] = u'_{i+1} * ... * u'_{N-1} (0-based): the weight of r_hat[i] in Ch_N
    for i in range(n - 1, 0, -1):
        v[i - 1] = u_out[i].value * v[i] % L
    r_bar = sum(x.value for x in r) % L
    r_chain = sum(x.value * v[i] for i, x in enumerate(r_hat)) % L
    r_tilde = sum(r[j].value * u[j].value for j in range(n)) % L
    rho = [
        sum(witness.randomness[i][k].value * u_out[i].value for i in range(n)) % L for k in range(w)
    ]
    cv = c.value
    return ShuffleProof(
        tuple(commitments),
        tuple(chain),
        c,
        Scalar((w1.value + cv * r_bar) % L),
        Scalar((w2.value + cv * r_chain) % L),
        Scalar((w3.value + cv * r_tilde) % L),
        tuple(Scalar((w4[k].value + cv * rho[k]) % L) for k in range(w)),
        tuple(Scalar((w_hat[i].value + cv * r_hat[i].value) % L) for i in range(n)),
        tuple(Scalar((w_prime[i].value + cv * u_out[i].value) % L) for i in range(n)),
    )


def verify_shuffle_proof(
    proof: ShuffleProof,
    fingerprint: bytes,
    position: int,
    public_key: Element,
    inputs: Sequence[Sequence[Ciphertext]],
    outputs: Sequence[Sequence[Ciphertext]],
) -> None:
    """Raise ShuffleError("proof") unless the proof shows outputs = shuffled inputs.

    The caller has checked the shapes (N items of w ciphertexts on both sides).
    Recomputed commitments, with C-bar = sum C_j - sum H_i, C^ = Ch_N - (prod u_j)*H,
    C~ = sum u_j*C_j and (Ea_k, Eb_k) = sum u_j*(alpha_{j,k}, beta_{j,k}):
    T1 = s1*B - c*C-bar, T2 = s2*B - c*C^, T3 = s3*B + sum s'_i*H_i - c*C~,
    T4_k = (sum s'_i*alpha'_{i,k} - s4_k*B - c*Ea_k, sum s'_i*beta'_{i,k} - s4_k*K - c*Eb_k),
    Th_i = sh_i*B + s'_i*Ch_{i-1} - c*Ch_i (Ch_0 = H).
    """
    n, w = len(inputs), len(inputs[0])
    if (
        len(outputs) != n
        or len(proof.permutation_commitments) != n
        or len(proof.chain_commitments) != n
        or len(proof.s_chain) != n
        or len(proof.s_permutation) != n
        or len(proof.s4) != w
    ):
        raise ShuffleError("proof", "the proof's sizes do not match the lists")
    gens = derive_generators(fingerprint, n)
    commitments, chain, c = proof.permutation_commitments, proof.chain_commitments, proof.challenge
    statement = statement_hasher(fingerprint, position, public_key, inputs, outputs, commitments)
    u = challenge_vector(statement, n)
    minus_c = -c
    minus_cu = [minus_c * x for x in u]  # -c*u_j: folds "- c*Ea_k" into one linear combination
    u_prod = 1
    for x in u:
        u_prod = u_prod * x.value % L

    c_bar = Element.sum(commitments) - Element.sum(gens.hs)
    c_hat = chain[-1] - gens.h * Scalar(u_prod)
    t1 = base_mul(proof.s1) + c_bar * minus_c
    t2 = base_mul(proof.s2) + c_hat * minus_c
    t3 = (
        base_mul(proof.s3)
        + linear_combination(proof.s_permutation, gens.hs)
        + linear_combination(minus_cu, commitments)
    )
    sp = [*proof.s_permutation, *minus_cu]
    t4 = []
    for k in range(w):
        alphas = [out[k].alpha for out in outputs] + [item[k].alpha for item in inputs]
        betas = [out[k].beta for out in outputs] + [item[k].beta for item in inputs]
        t4.append(
            (
                linear_combination(sp, alphas) - base_mul(proof.s4[k]),
                linear_combination(sp, betas) - public_key * proof.s4[k],
            )
        )
    links = [gens.h, *chain[:-1]]
    t_hat = [
        base_mul(proof.s_chain[i]) + links[i] * proof.s_permutation[i] + chain[i] * minus_c
        for i in range(n)
    ]
    if final_challenge(statement, chain, t1, t2, t3, t4, t_hat) != c:
        raise ShuffleError(
            "proof",
            "the proof of shuffle does not verify: the output is not shown to be "
            "a re-encryption of a permutation of the input",
        )
