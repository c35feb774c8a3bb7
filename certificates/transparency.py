"""The transparency log of issued certificates: every registration and revocation, appended in
the registering transaction, hash-chained, in a Merkle tree (RFC 6962), with signed checkpoints.

- An entry's `data` is the canonical JSON of {"event", "certificate": the certificate's state
  after the event, "recorded_at"}; leaf hash = SHA-256(0x00 ‖ data); chain hash = SHA-256(the
  previous chain hash ‖ leaf hash), the first entry's previous being 32 zero bytes.
- The tree is RFC 6962's; a node = SHA-256(0x01 ‖ left ‖ right). The node of level L ≥ 1 and
  index i (the leaves i·2^L … (i+1)·2^L − 1) is stored once its last leaf is appended, so the
  root at any size and any inclusion proof read O(log² n) rows, in two queries.
- A checkpoint signs (key use "log") the text
  "vn-qi-map transparency log\\n<size>\\n<root>\\n<chain>\\n<created at, ISO 8601>\\n",
  hashes in base64url without padding.

`audit` recomputes all of it and raises `Altered` naming the first record that is not what the
log says (manage.py verify_log)."""

import base64
import hashlib
import json
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Q, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import signing
from certificates.models import Certificate, Checkpoint, LogEntry, MerkleNode, SigningKey

LOCK = 0x766E_7169_6C6F_67  # pg_advisory_xact_lock key of the log's appenders ("vnqilog")
GENESIS = bytes(32)
EMPTY_ROOT = hashlib.sha256(b"").digest()
CHECKPOINT_HEADER = "vn-qi-map transparency log"


class Altered(Exception):
    """A log record, or a certificate, is not what the log says it is."""


# Encodings --------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _day(value):
    return value.isoformat() if value else None


def state(certificate: Certificate) -> dict:
    """What the log records of a certificate."""
    instrument_type = certificate.instrument_type
    fields = {
        "id": certificate.pk,
        "kind": certificate.kind,
        "number": certificate.number,
        "site": certificate.site_id,
        "credential": certificate.credential_id,
        "instrument_type": instrument_type.code if instrument_type else None,
        "subject": certificate.subject,
        "maker": certificate.maker,
        "model": certificate.model,
        "serial_number": certificate.serial_number,
        "owner": certificate.owner,
        "place_of_use": certificate.place_of_use,
        "issued_on": _day(certificate.issued_on),
        "valid_until": _day(certificate.valid_until),
        "result": certificate.result,
        "revoked_on": _day(certificate.revoked_on),
        "revocation_reason": certificate.revocation_reason,
        "key": certificate.key.kid,
        "signature": b64url(bytes(certificate.signature)),
    }
    return {name: _nfc(value) for name, value in fields.items()}


def canonical(certificate: Certificate) -> str:
    """The canonical JSON of a certificate's state: sorted keys, no spaces, UTF-8 in NFC."""
    return _json(state(certificate))


# Hashes -----------------------------------------------------------------------------------------


def leaf_hash(data: str) -> bytes:
    return hashlib.sha256(b"\x00" + data.encode()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(previous + leaf).digest()


def _perfect(start: int, size: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) that make the range of `size` leaves from `start`,
    left to right (start is a multiple of the largest of them, as in every RFC 6962 split)."""
    parts = []
    for level in reversed(range(size.bit_length())):
        if size >> level & 1:
            parts.append((level, start >> level))
            start += 1 << level
    return parts


def _fold(hashes: list[bytes]) -> bytes:
    """The hash of adjacent complete subtrees of decreasing sizes: the right ones pair first."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _stored(keys) -> dict[tuple[int, int], bytes]:
    """The stored hashes of these nodes (level 0: the entries' leaf hashes), in two queries."""
    keys = set(keys)
    leaves = [index for level, index in keys if level == 0]
    inner = [(level, index) for level, index in keys if level > 0]
    found = {
        (0, seq): bytes(leaf)
        for seq, leaf in LogEntry.objects.filter(seq__in=leaves).values_list("seq", "leaf_hash")
    }
    if inner:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.level, n.index, n.hash FROM certificates_merklenode n"
                " JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, index)"
                " USING (level, index)",
                [[level for level, _i in inner], [index for _l, index in inner]],
            )
            found.update(((level, index), bytes(h)) for level, index, h in cursor.fetchall())
    return found


def _range_hash(start: int, size: int, stored: dict) -> bytes:
    return _fold([stored[key] for key in _perfect(start, size)])


def size() -> int:
    last = LogEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return 0 if last is None else last + 1


def root(tree_size: int) -> bytes:
    """The Merkle tree hash (RFC 6962 MTH) of the first `tree_size` entries."""
    if tree_size == 0:
        return EMPTY_ROOT
    return _range_hash(0, tree_size, _stored(_perfect(0, tree_size)))


def _path_ranges(index: int, start: int, tree_size: int) -> list[tuple[int, int]]:
    """The (start, size) ranges whose hashes are RFC 6962 PATH(index, D[start:start+size])."""
    if tree_size <= 1:
        return []
    split = 1 << ((tree_size - 1).bit_length() - 1)  # the largest power of two below tree_size
    if index < split:
        return [*_path_ranges(index, start, split), (start + split, tree_size - split)]
    return [*_path_ranges(index - split, start + split, tree_size - split), (start, split)]


def inclusion_proof(seq: int, tree_size: int) -> list[bytes]:
    """The audit path of entry `seq` in the tree of the first `tree_size` entries."""
    if not 0 <= seq < tree_size:
        raise ValueError(f"entry {seq} is not in a tree of {tree_size}")
    ranges = _path_ranges(seq, 0, tree_size)
    stored = _stored(key for start, n in ranges for key in _perfect(start, n))
    return [_range_hash(start, n, stored) for start, n in ranges]


def verify_inclusion(leaf: bytes, seq: int, tree_size: int, path: list[bytes], root: bytes):
    """Whether `path` proves the leaf hash at `seq` in the tree of `tree_size` with this root
    (RFC 9162, 2.1.3.2). Needs nothing but its arguments."""
    if not 0 <= seq < tree_size:
        return False
    index, last, result = seq, tree_size - 1, leaf
    for sibling in path:
        if last == 0:
            return False
        if index & 1 or index == last:
            result = node_hash(sibling, result)
            while not index & 1 and index != 0:
                index, last = index >> 1, last >> 1
        else:
            result = node_hash(result, sibling)
        index, last = index >> 1, last >> 1
    return last == 0 and result == root


class _Frontier:
    """The complete subtrees of a growing tree, largest first: adding a leaf yields the nodes it
    completes."""

    def __init__(self, nodes: list[tuple[int, int, bytes]]):
        self.nodes = nodes  # (level, index, hash)

    @classmethod
    def at(cls, tree_size: int, last_leaf: bytes | None) -> "_Frontier":
        keys = _perfect(0, tree_size)
        stored = _stored(key for key in keys if key[0] > 0)
        stored.update({key: last_leaf for key in keys if key[0] == 0})
        return cls([(level, index, stored[level, index]) for level, index in keys])

    def add(self, seq: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
        completed = []
        self.nodes.append((0, seq, leaf))
        while len(self.nodes) > 1 and self.nodes[-1][0] == self.nodes[-2][0]:
            right, left = self.nodes.pop(), self.nodes.pop()
            node = (left[0] + 1, left[1] >> 1, node_hash(left[2], right[2]))
            self.nodes.append(node)
            completed.append(node)
        return completed

    def root(self) -> bytes:
        return _fold([h for _level, _index, h in self.nodes]) if self.nodes else EMPTY_ROOT


# Appending --------------------------------------------------------------------------------------


def _lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])


def append(events: list[tuple[str, Certificate]]) -> list[LogEntry]:
    """Appends (LogEntry.Event, certificate) events, in the caller's transaction, in a constant
    number of queries whatever their number."""
    if not events:
        return []
    prefetch_related_objects([certificate for _e, certificate in events], "instrument_type", "key")
    with transaction.atomic(savepoint=False):
        _lock()
        last = LogEntry.objects.order_by("-seq").values_list("seq", "leaf_hash", "chain_hash")
        last = last.first()
        start = last[0] + 1 if last else 0
        chain = bytes(last[2]) if last else GENESIS
        frontier = _Frontier.at(start, bytes(last[1]) if last else None)
        recorded_at = timezone.now()
        entries, nodes = [], []
        for seq, (event, certificate) in enumerate(events, start):
            event = LogEntry.Event(event).value
            data = _json(
                {"event": event, "certificate": state(certificate), "recorded_at": iso(recorded_at)}
            )
            leaf = leaf_hash(data)
            chain = chain_hash(chain, leaf)
            entries.append(
                LogEntry(
                    seq=seq,
                    event=event,
                    certificate_id=certificate.pk,
                    recorded_at=recorded_at,
                    data=data,
                    leaf_hash=leaf,
                    chain_hash=chain,
                )
            )
            nodes.extend(frontier.add(seq, leaf))
        _insert_entries(entries)
        _insert_nodes(nodes)
    return entries


def _insert_entries(entries: list[LogEntry]):
    """One INSERT of one JSON parameter: bulk_create (or arrays) spend seconds quoting 70,000
    values where json.dumps takes milliseconds."""
    rows = [
        {
            "seq": entry.seq,
            "event": entry.event,
            "certificate_id": entry.certificate_id,
            "recorded_at": iso(entry.recorded_at),
            "data": entry.data,
            "leaf_hash": entry.leaf_hash.hex(),
            "chain_hash": entry.chain_hash.hex(),
        }
        for entry in entries
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO certificates_logentry"
            " (seq, event, certificate_id, recorded_at, data, leaf_hash, chain_hash)"
            " SELECT seq, event, certificate_id, recorded_at, data,"
            " decode(leaf_hash, 'hex'), decode(chain_hash, 'hex')"
            " FROM json_to_recordset(%s::json) AS r(seq bigint, event varchar,"
            " certificate_id bigint, recorded_at timestamptz, data text, leaf_hash text,"
            " chain_hash text)",
            [json.dumps(rows)],
        )


def _insert_nodes(nodes: list[tuple[int, int, bytes]]):
    if nodes:
        rows = [[level, index, h.hex()] for level, index, h in nodes]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO certificates_merklenode (level, index, hash)"
                " SELECT (r->>0)::smallint, (r->>1)::bigint, decode(r->>2, 'hex')"
                " FROM json_array_elements(%s::json) AS r",
                [json.dumps(rows)],
            )


# Checkpoints ------------------------------------------------------------------------------------


def checkpoint_text(tree_size: int, root_hash: bytes, chain: bytes, created_at: datetime) -> str:
    return (
        f"{CHECKPOINT_HEADER}\n{tree_size}\n{b64url(root_hash)}\n{b64url(chain)}\n"
        f"{iso(created_at)}\n"
    )


def _text_of(checkpoint: Checkpoint) -> bytes:
    return checkpoint_text(
        checkpoint.tree_size,
        bytes(checkpoint.root_hash),
        bytes(checkpoint.chain_hash),
        checkpoint.created_at,
    ).encode()


def checkpoint() -> Checkpoint | None:
    """Signs the log's current size, root and chain head; None when the log has not grown since
    the last checkpoint."""
    with transaction.atomic():
        _lock()
        head = LogEntry.objects.order_by("-seq").values_list("seq", "chain_hash").first()
        signed = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True)
        if head is None or head[0] + 1 <= (signed.first() or 0):
            return None
        made = Checkpoint(
            tree_size=head[0] + 1,
            root_hash=root(head[0] + 1),
            chain_hash=bytes(head[1]),
            created_at=timezone.now(),
        )
        made.key, made.signature = signing.sign(_text_of(made), SigningKey.Use.LOG)
        made.save()
        return made


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.select_related("key").order_by("-tree_size").first()


# The audit --------------------------------------------------------------------------------------


@dataclass
class Summary:
    entries: int = 0
    nodes: int = 0
    checkpoints: int = 0
    certificates: int = 0


def audit(chunk_size: int = 10_000) -> Summary:
    """Recomputes the whole log, streaming it, and checks every stored hash, checkpoint and
    certificate against it; raises Altered naming the first record that does not match."""
    summary = Summary()
    checkpoints = Checkpoint.objects.select_related("key").order_by("tree_size")
    columns = ("seq", "event", "certificate_id", "recorded_at", "data", "leaf_hash", "chain_hash")
    entries = LogEntry.objects.order_by("seq").values_list(*columns)
    with (
        closing(checkpoints.iterator(chunk_size=1000)) as checkpoints,
        closing(entries.iterator(chunk_size=chunk_size)) as entries,
    ):
        due = _check_entries(entries, checkpoints, summary, chunk_size)
    if due:
        raise Altered(
            _("checkpoint of size %(size)s: the log has only %(n)s entries")
            % {"size": due.tree_size, "n": summary.entries}
        )
    _check_no_other_nodes(summary.entries)
    summary.certificates = _check_certificates(chunk_size)
    return summary


def _check_entries(entries, checkpoints, summary: Summary, chunk_size: int) -> Checkpoint | None:
    """Checks the entries, the nodes and the checkpoints in the log's order; returns the first
    checkpoint beyond the log, if any."""
    frontier, chain, pending = _Frontier([]), GENESIS, []
    due = next(checkpoints, None)
    for seq, event, certificate_id, recorded_at, data, leaf, chained in entries:
        if seq != summary.entries:
            raise Altered(_("log entry #%(seq)s is missing") % {"seq": summary.entries})
        _check_entry(seq, (event, certificate_id, recorded_at), data, bytes(leaf))
        chain = chain_hash(chain, bytes(leaf))
        if chain != bytes(chained):
            raise Altered(
                _("log entry #%(seq)s: its chain hash does not match the entries up to it")
                % {"seq": seq}
            )
        pending.extend(frontier.add(seq, bytes(leaf)))
        summary.entries += 1
        if len(pending) >= chunk_size or (due and due.tree_size == summary.entries):
            summary.nodes += _compare_nodes(pending)
            pending = []
        while due and due.tree_size == summary.entries:
            _check_checkpoint(due, frontier.root(), chain)
            summary.checkpoints += 1
            due = next(checkpoints, None)
    summary.nodes += _compare_nodes(pending)
    return due


def _check_entry(seq: int, columns: tuple, data: str, leaf: bytes):
    if leaf_hash(data) != leaf:
        raise Altered(_("log entry #%(seq)s: its hash does not match its data") % {"seq": seq})
    event, certificate_id, recorded_at = columns
    try:
        recorded = json.loads(data)
        said = (recorded["event"], recorded["certificate"]["id"], recorded["recorded_at"])
    except (ValueError, KeyError, TypeError):
        said = None
    if said != (event, certificate_id, iso(recorded_at)):
        raise Altered(_("log entry #%(seq)s: its columns do not match its data") % {"seq": seq})


def _compare_nodes(computed: list[tuple[int, int, bytes]]) -> int:
    stored = _stored((level, index) for level, index, _h in computed)
    for level, index, expected in computed:
        if stored.get((level, index)) != expected:
            message = _("Merkle node of level %(level)s, index %(index)s: missing or wrong")
            raise Altered(message % {"level": level, "index": index})
    return len(computed)


def _check_no_other_nodes(tree_size: int):
    ends = RawSQL('("index" + 1) << "level"', [])
    other = MerkleNode.objects.alias(end=ends).filter(Q(end__gt=tree_size) | Q(level=0))
    if node := other.order_by("level", "index").first():
        raise Altered(
            _("Merkle node of level %(level)s, index %(index)s: not a node of the log's tree")
            % {"level": node.level, "index": node.index}
        )


def _check_checkpoint(made: Checkpoint, root_hash: bytes, chain: bytes):
    problem = None
    if bytes(made.root_hash) != root_hash:
        problem = _("root does not match")
    elif bytes(made.chain_hash) != chain:
        problem = _("chain hash does not match")
    elif not signing.verify(made.key.kid, _text_of(made), bytes(made.signature)):
        problem = _("its signature does not verify")
    if problem:
        raise Altered(
            _("checkpoint of size %(size)s: %(problem)s")
            % {"size": made.tree_size, "problem": problem}
        )


def _check_certificates(chunk_size: int) -> int:
    """Every certificate is what its latest log entry says; every logged certificate exists.
    Read by ranges of ids, each with its log entries in one query (an index range scan)."""
    certificates = Certificate.objects.select_related("instrument_type", "key").order_by("pk")
    count, after = 0, None
    while chunk := list(_beyond(certificates, "pk", after)[:chunk_size]):
        _compare_certificates(chunk, after)
        count, after = count + len(chunk), chunk[-1].pk
    _check_logged_exist(_beyond(LogEntry.objects, "certificate_id", after), set())
    return count


def _beyond(queryset, field: str, after: int | None):
    return queryset if after is None else queryset.filter(**{f"{field}__gt": after})


def _compare_certificates(chunk: list[Certificate], after: int | None):
    logged = _beyond(LogEntry.objects, "certificate_id", after).filter(
        certificate_id__lte=chunk[-1].pk
    )
    _check_logged_exist(logged, {certificate.pk for certificate in chunk})
    latest = (
        logged.order_by("certificate_id", "-seq")
        .distinct("certificate_id")
        .values_list("certificate_id", "seq", "data")
    )
    entries = {pk: (seq, data) for pk, seq, data in latest}
    for certificate in chunk:
        if certificate.pk not in entries:
            raise Altered(_("certificate %(id)s is not in the log") % {"id": certificate.pk})
        seq, data = entries[certificate.pk]
        if canonical(certificate) != _json(json.loads(data)["certificate"]):
            raise Altered(
                _("certificate %(id)s differs from log entry #%(seq)s")
                % {"id": certificate.pk, "seq": seq}
            )


def _check_logged_exist(entries, ids: set[int]):
    if orphan := entries.exclude(certificate_id__in=ids).order_by("seq").first():
        raise Altered(
            _("log entry #%(seq)s: certificate %(id)s is missing")
            % {"seq": orphan.seq, "id": orphan.certificate_id}
        )
