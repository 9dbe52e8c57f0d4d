"""README.txt of a bundle: what the files are and how to verify them offline (中文 / English)."""

from __future__ import annotations

_TEXT = """\
社会保险费征缴争议案卷（电子卷宗）  案号 {case}
Social-insurance fee collection dispute — electronic case file  {case}

一、文件说明
  dossier.pdf        案卷（供阅读）：受理台账、全部办理事项、期限、集体商议纪要与书面意见、
                     反馈、异议、救济途径指导、校验结果。个人信息按导出人角色显示（脱敏或完整）。
  events.jsonl       事件记录：每行一个事件，按版本顺序，字段 sequence（版本号）、topic（事件类型
                     全名）、type、state_b64（事件存储字节，Base64，原样未改）、hash（链式哈希）。
  checkpoint.json    签名检查点：manifest（签名时的原文，含 Ed25519 签名）、本案最新哈希
                     （head）在 Merkle 树中的包含证明 inclusion、签名公钥 public_key。
  verification.json  导出时的校验结果（valid、events、head_hash、first_invalid_sequence、
                     checkpoint_sequence、key_id 等）。
  README.txt         本说明。
  注意：events.jsonl 为原始存储字节，其中证件号码和电话为加密密文，其余内容（含当事人姓名）为记录原文，
  不随导出人角色脱敏；请按案卷保密要求保管本卷宗。

二、离线校验方法（无需服务器与数据库）
  命令：fengqiao verify-dossier <本目录或其 zip>  [--public-key 发布的公钥.pem]
  也可用 application/audit/offline.py 单独运行（只需 Python 标准库与 cryptography），
  或按以下算法自行实现：
  1. 链式哈希：按 sequence = 1, 2, …, n 依次（须连续无缺号）计算
       hash(v) = SHA-256( prev_hex "\\n" case_id_hex32 "\\n" v "\\n" topic "\\n" || 存储字节 )
     prev_hex 为上一事件哈希的 64 位十六进制，第 1 个事件取 64 个 "0"；case_id_hex32 为案件
     UUID 去掉连字符的 32 位小写十六进制；v 为十进制版本号；“存储字节”为 state_b64 解码所得，
     其后不加换行。每个事件算得的值须等于该行的 hash。
  2. 签名：把 manifest 去掉 "signature" 字段，按键名排序、无空格、UTF-8 编码序列化为 JSON
     （canonical JSON），用 manifest.public_key（Base64 原始 32 字节 Ed25519 公钥）验证
     manifest.signature。公钥应与本部门公布的公钥一致（fengqiao keys public 可打印）。
  3. 包含证明：取 inclusion.version 处的链式哈希，须等于 inclusion.head；
       叶子 leaf = SHA-256( 0x00 || "case_id:version:head" )（case_id 为带连字符的 UUID 文本）
       内部节点 node = SHA-256( 0x01 || 左 || 右 )（左右为 32 字节原始哈希）
     按 proof 逐级向上："L" 表示兄弟节点在左（node(兄弟, 当前)），"R" 表示在右
     （node(当前, 兄弟)）；奇数个节点时落单的节点原样上移。最终结果须等于 manifest.root。
  任何一字节被改动、事件被删除或插入、签名内容被修改，校验即失败并指出问题。

1. Files
  dossier.pdf        The case file to read: intake ledger, every step, deadlines, deliberation
                     minutes and written opinion, feedback, objection, remedy guidance, and the
                     verification result. Personal data appear as the exporting role may see them.
  events.jsonl       One event per line in version order: sequence, topic, type, state_b64 (the
                     exact stored bytes of the event, base64) and hash (the chained hash).
  checkpoint.json    A signed checkpoint: manifest (as signed, with its Ed25519 signature), the
                     Merkle inclusion proof of this case's head, and the public key.
  verification.json  The verification result at export time.
  personal_data.json Only in a dossier for a role that may see personal data whole (legal staff,
                     the case's units): each sealed personal field of events.jsonl (sequence,
                     field, stored text) beside its opened value. The verifier checks that each
                     stored text is what the event holds.
  README.txt         This file.
  Note: events.jsonl holds the stored bytes as they are. Names, ID numbers, phones and contacts of
  the payer and of an individual other party are sealed in them (AES-256-GCM under the case's own
  key, "enc2:..."); cases recorded before that hold names in clear and the rest as "enc1:...".
  Keep the bundle as confidential as the case file.

2. Verifying offline (no server, no database)
  `fengqiao verify-dossier <this directory or its zip> [--public-key published.pem]`, or run
  application/audit/offline.py alone (Python standard library + cryptography), or reimplement:
  1. Chain: for sequence v = 1..n (contiguous)
       hash(v) = SHA-256( prev_hex "\\n" case_id_hex32 "\\n" v "\\n" topic "\\n" || stored bytes )
     prev_hex is the previous hash as 64 hex chars, 64 zeros ("0") for v = 1; case_id_hex32 is the
     case UUID as 32 lowercase hex digits without dashes; v in decimal; the stored bytes are
     state_b64 decoded, with nothing after them. Each result must equal the line's hash.
  2. Signature: Ed25519 over the canonical JSON (sorted keys, no spaces, UTF-8) of the manifest
     without "signature", under manifest.public_key (raw 32-byte key, base64). Compare that key
     with the deployment's published key (`fengqiao keys public`).
  3. Inclusion: the chain at inclusion.version must equal inclusion.head;
       leaf = SHA-256( 0x00 || "case_id:version:head" )   (case_id as the dashed UUID text)
       node = SHA-256( 0x01 || left || right )            (32-byte raw hashes)
     walk the proof upwards: "L" = the sibling is on the left (node(sibling, current)), "R" = on
     the right (node(current, sibling)); an odd node is carried up unchanged. The result must equal
     manifest.root.
  A changed byte, a deleted or inserted event, or an edited manifest makes verification fail.
"""


def readme_text(case_number: str) -> str:
    return _TEXT.format(case=case_number)
