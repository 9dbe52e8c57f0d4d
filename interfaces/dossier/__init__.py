"""The legal dossier (电子卷宗): a self-verifying bundle of one case for legal staff and courts.

`bundle` gathers a case's stored events, a covering signed checkpoint and the ledger, and writes
the bundle (events.jsonl, checkpoint.json, dossier.pdf, verification.json, README.txt); `verify`
checks such a bundle offline with the standard library and `cryptography` only.

Nothing is imported here, so that `interfaces.dossier.verify` stays free of the PDF library.
"""
