"""The legal dossier (电子卷宗) as files: a self-verifying bundle of one case for legal staff and courts.

`bundle` writes what the audit gathered (application/audit/dossier.py) as a directory or a zip:
events.jsonl, checkpoint.json, verification.json, dossier.pdf (`pdf`, in Chinese) and README.txt
(`readme`). The offline verifier is the audit's (application/audit/offline.py).
"""
