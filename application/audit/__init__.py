"""Audit: the tamper evidence of the event store, and the legal dossier (电子卷宗) built on it.

- `chain`: the hash-chain rule (a case's events, the access log) and the Merkle tree over case heads;
- `checkpoints`: what a signed checkpoint is, and the deployment's published checkpoints;
- `verification`: a case's chain held against the signed hashes; the access log walked;
- `dossier`: one case gathered for a bundle, with the evidence files and their verification;
- `offline`: the verifier shipped with every bundle (standard library and `cryptography` only);
- `ports`: what the infrastructure provides (the checkpoint files, the read-model rows).

Nothing is imported here, so that importing `offline` or `chain` pulls in nothing else.
"""
