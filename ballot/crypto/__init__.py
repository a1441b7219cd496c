"""Pure cryptography for ballot: group, ElGamal, proofs, threshold keys.

Nothing in this package performs I/O or touches the database; it is the only
place in the code base that manipulates group elements directly.
"""
