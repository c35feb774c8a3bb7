"""The transparency log: hash chain, RFC 6962 Merkle tree, inclusion proofs, signed
checkpoints, the audit that names the first altered record, and the public proof API."""

import hashlib
import json
import unicodedata
from datetime import date

import pgtrigger
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from certificates import signing, transparency
from certificates.models import Certificate, Checkpoint, LogEntry, MerkleNode, SigningKey
from certificates.transparency import from_b64url, verify_inclusion
from geodata.models import InstrumentType

REGISTERED, REVOKED = LogEntry.Event.REGISTERED, LogEntry.Event.REVOKED


# A naive RFC 6962, to compare with -------------------------------------------------------------


def _split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_root(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def naive_path(m, leaves):
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_root(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_root(leaves[:k])]


# Certificates without the registration service ------------------------------------------------


@pytest.fixture
def issue(station, registration):
    """Makes `count` signed certificate rows (ids reserved first, as a signature needs them)."""
    scale = InstrumentType.objects.get(code="scale-non-automatic")

    def issue(count=1, **fields):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('certificates_certificate', 'id'))"
                " FROM generate_series(1, %s)",
                [count],
            )
            ids = [row[0] for row in cursor.fetchall()]
        fields = {
            "kind": "verification",
            "site": station,
            "credential": registration,
            "instrument_type": scale,
            "subject": "Cân bàn điện tử 150 kg",
            "owner": "Chợ Nghĩa Tân",
            "issued_on": date(2026, 11, 2),
            "valid_until": date(2027, 11, 1),
            "result": "passed",
            **fields,
        }
        certificates = [
            Certificate(id=pk, number=f"KĐ-2026-{pk:06d}", serial_number=f"B{pk}", **fields)
            for pk in ids
        ]
        signing.sign_certificates(certificates)
        return Certificate.objects.bulk_create(certificates)

    return issue


@pytest.fixture
def logged(issue):
    """Appends the registration of `count` new certificates; returns them."""

    def logged(count=1):
        certificates = issue(count)
        transparency.append([(REGISTERED, certificate) for certificate in certificates])
        return certificates

    return logged


def leaves():
    return [bytes(h) for h in LogEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]


def verify_log(*args):
    with translation.override("en"):
        call_command("verify_log", *args, stdout=(out := _Output()))
    return out.text


class _Output:
    text = ""

    def write(self, text):
        self.text += text


def altered_record():
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("verify_log", stdout=_Output())
    return str(refused.value)


# The entries -----------------------------------------------------------------------------------


def test_the_canonical_state_is_compact_sorted_json_in_nfc_with_iso_dates(issue):
    (certificate,) = issue(owner=unicodedata.normalize("NFD", "Chợ Đồng Xuân"))

    text = transparency.canonical(certificate)

    state = json.loads(text)
    assert text == json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert state["owner"] == unicodedata.normalize("NFC", "Chợ Đồng Xuân")
    assert state["issued_on"] == "2026-11-02"
    assert state["revoked_on"] is None
    assert state["instrument_type"] == "scale-non-automatic"
    assert state["key"] == certificate.key.kid
    assert from_b64url(state["signature"]) == bytes(certificate.signature)


def test_entries_are_numbered_from_zero_and_hash_chained_across_appends(logged, issue):
    first, second = logged(2)
    second.revoked_on, second.revocation_reason = date(2026, 11, 20), "Sai số liệu"
    transparency.append([(REVOKED, second)])

    entries = list(LogEntry.objects.order_by("seq"))
    assert [(e.seq, e.event, e.certificate_id) for e in entries] == [
        (0, "registered", first.pk),
        (1, "registered", second.pk),
        (2, "revoked", second.pk),
    ]
    chain = bytes(32)
    for entry in entries:
        leaf = hashlib.sha256(b"\x00" + entry.data.encode()).digest()
        chain = hashlib.sha256(chain + leaf).digest()
        assert (bytes(entry.leaf_hash), bytes(entry.chain_hash)) == (leaf, chain)
    data = json.loads(entries[2].data)
    assert data["event"] == "revoked"
    assert data["certificate"]["revocation_reason"] == "Sai số liệu"
    assert data["recorded_at"] == transparency.iso(entries[2].recorded_at)


# The Merkle tree -------------------------------------------------------------------------------


def test_the_root_of_the_empty_log_is_the_hash_of_nothing(db):
    assert transparency.root(0) == hashlib.sha256(b"").digest()


def test_the_root_at_every_size_is_rfc_6962s_whatever_the_batches(logged):
    for batch in (1, 2, 1, 3, 5, 1, 8, 4, 7, 8):  # 40 entries, appended in uneven batches
        logged(batch)
    every = leaves()

    for size in range(1, 41):
        assert transparency.root(size) == naive_root(every[:size]), size


def test_the_root_of_larger_trees_is_rfc_6962s(logged):
    logged(300)
    every = leaves()

    for size in (63, 64, 65, 127, 128, 129, 200, 256, 257, 300):
        assert transparency.root(size) == naive_root(every[:size]), size


def test_only_complete_subtrees_are_stored(logged):
    logged(13)

    stored = set(MerkleNode.objects.values_list("level", "index"))

    assert stored == {(1, i) for i in range(6)} | {(2, 0), (2, 1), (2, 2), (3, 0)}


def test_every_leaf_has_a_proof_that_verifies_at_several_sizes(logged):
    logged(40)
    every = leaves()

    for size in (1, 2, 3, 7, 8, 13, 32, 40):
        root = transparency.root(size)
        for seq in range(size):
            path = transparency.inclusion_proof(seq, size)
            assert path == naive_path(seq, every[:size])
            assert verify_inclusion(every[seq], seq, size, path, root), (seq, size)


def test_a_proof_fails_for_another_leaf_position_size_or_root(logged):
    logged(13)
    every = leaves()
    path, root = transparency.inclusion_proof(5, 13), transparency.root(13)

    assert verify_inclusion(every[5], 5, 13, path, root)
    assert not verify_inclusion(every[6], 5, 13, path, root)
    assert not verify_inclusion(every[5], 4, 13, path, root)
    assert not verify_inclusion(every[5], 5, 3, path, root)
    assert not verify_inclusion(every[5], 5, 13, path[:-1], root)
    assert not verify_inclusion(every[5], 5, 13, path, transparency.root(12))
    assert not verify_inclusion(every[5], 13, 13, path, root)


# Checkpoints -----------------------------------------------------------------------------------


def test_a_checkpoint_signs_size_root_and_chain_with_the_published_log_key(logged):
    logged(5)

    made = transparency.checkpoint()

    assert made.tree_size == 5
    assert bytes(made.root_hash) == naive_root(leaves())
    assert bytes(made.chain_hash) == bytes(LogEntry.objects.get(seq=4).chain_hash)
    published = SigningKey.objects.get(kid=made.key.kid, use=SigningKey.Use.LOG)
    text = (
        f"vn-qi-map transparency log\n5\n{transparency.b64url(naive_root(leaves()))}\n"
        f"{transparency.b64url(bytes(made.chain_hash))}\n{made.created_at.isoformat(timespec='microseconds')}\n"
    )
    key = Ed25519PublicKey.from_public_bytes(bytes(published.public_key))
    key.verify(bytes(made.signature), text.encode())  # raises when it does not verify


def test_no_checkpoint_is_made_until_the_log_grows(logged):
    assert transparency.checkpoint() is None
    logged(2)
    assert transparency.checkpoint().tree_size == 2

    assert transparency.checkpoint() is None
    logged(1)
    assert transparency.checkpoint().tree_size == 3


def test_the_command_signs_a_checkpoint(logged):
    logged(3)

    with translation.override("en"):
        call_command("checkpoint_log", stdout=(out := _Output()))

    assert Checkpoint.objects.get().tree_size == 3
    assert "Checkpoint of 3 entries" in out.text


# The database refuses to rewrite the log --------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE certificates_logentry SET data = 'x'",
        "DELETE FROM certificates_logentry",
        "UPDATE certificates_merklenode SET hash = '\\x00'",
        "DELETE FROM certificates_merklenode",
        "UPDATE certificates_checkpoint SET tree_size = 1",
        "DELETE FROM certificates_checkpoint",
    ],
)
def test_the_database_refuses_to_update_or_delete_log_rows(logged, statement):
    logged(4)
    transparency.checkpoint()

    refused = pytest.raises(DatabaseError, match="Cannot update or delete")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


# verify_log ------------------------------------------------------------------------------------


@pytest.fixture
def intact_log(logged):
    """40 registrations, a checkpoint at 20 and one at 40."""
    certificates = logged(20)
    transparency.checkpoint()
    certificates += logged(20)
    transparency.checkpoint()
    return certificates


def test_verify_log_passes_on_an_intact_log(intact_log):
    summary = verify_log()

    assert "The log is intact: 40 entries, 38 Merkle nodes, 2 checkpoints and 40 certificates" in (
        summary
    )


def test_verify_log_names_a_certificate_edited_directly_in_the_database(intact_log):
    edited = intact_log[17]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_certificate SET valid_until = '2030-01-01' WHERE id = %s",
            [edited.pk],
        )

    assert altered_record() == f"certificate {edited.pk} differs from log entry #17"


def test_verify_log_compares_a_certificate_with_its_latest_entry(intact_log):
    revoked = intact_log[3]
    revoked.revoked_on, revoked.revocation_reason = date(2026, 11, 20), "Tem giả"
    revoked.save()
    transparency.append([(REVOKED, revoked)])
    assert "intact" in verify_log()

    Certificate.objects.filter(pk=revoked.pk).update(revoked_on=None, revocation_reason="")

    assert altered_record() == f"certificate {revoked.pk} differs from log entry #40"


def _edit_entry(seq, data):
    with pgtrigger.ignore("certificates.LogEntry:append_only"), connection.cursor() as cursor:
        cursor.execute("UPDATE certificates_logentry SET data = %s WHERE seq = %s", [data, seq])


def test_verify_log_names_the_first_log_entry_edited_with_its_trigger_disabled(intact_log):
    for seq in (30, 17):
        entry = LogEntry.objects.get(seq=seq)
        _edit_entry(seq, entry.data.replace("2027-11-01", "2030-01-01"))

    assert altered_record() == "log entry #17: its hash does not match its data"


def test_verify_log_names_an_entry_whose_hashes_were_recomputed_by_the_chain(intact_log):
    entry = LogEntry.objects.get(seq=9)
    data = entry.data.replace("2027-11-01", "2030-01-01")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE certificates_logentry DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE certificates_logentry SET data = %s, leaf_hash = %s WHERE seq = 9",
            [data, transparency.leaf_hash(data)],
        )
        cursor.execute("ALTER TABLE certificates_logentry ENABLE TRIGGER USER")

    assert altered_record() == ("log entry #9: its chain hash does not match the entries up to it")


def test_verify_log_names_an_altered_merkle_node(intact_log):
    with pgtrigger.ignore("certificates.MerkleNode:append_only"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_merklenode SET hash = %s WHERE level = 2 AND index = 3",
            [bytes(32)],
        )

    assert altered_record() == "Merkle node of level 2, index 3: missing or wrong"


def test_verify_log_names_an_altered_checkpoint(intact_log):
    with pgtrigger.ignore("certificates.Checkpoint:append_only"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_checkpoint SET root_hash = %s WHERE tree_size = 20", [bytes(32)]
        )

    assert altered_record() == "checkpoint of size 20: root does not match"


def test_verify_log_names_a_checkpoint_whose_signature_does_not_verify(intact_log):
    with pgtrigger.ignore("certificates.Checkpoint:append_only"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_checkpoint SET signature = %s WHERE tree_size = 40", [bytes(64)]
        )

    assert altered_record() == "checkpoint of size 40: its signature does not verify"


def test_verify_log_names_a_deleted_entry_and_a_deleted_certificate(intact_log):
    with pgtrigger.ignore("certificates.LogEntry:append_only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM certificates_logentry WHERE seq = 39")
    assert altered_record() == "checkpoint of size 40: the log has only 39 entries"

    with pgtrigger.ignore("certificates.LogEntry:append_only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM certificates_logentry WHERE seq = 12")
    assert altered_record() == "log entry #12 is missing"


def test_verify_log_names_a_logged_certificate_that_was_deleted(logged):
    gone = logged(3)[1]
    Certificate.objects.filter(pk=gone.pk).delete()

    assert altered_record() == f"log entry #1: certificate {gone.pk} is missing"


# Scale -----------------------------------------------------------------------------------------


def test_two_thousand_events_are_appended_in_as_many_queries_as_ten(logged, issue):
    """Append has no batch size, so 2,000 events prove the constant number of queries as
    10,000 would (tests/certificates/test_api.py registers a full batch of 10,000). verify_log
    reads by chunks of 500, crossing chunk boundaries as the default 10,000 does at scale."""
    logged(3)
    few, many = issue(10), issue(2_000)

    with CaptureQueriesContext(connection) as appending_few:
        transparency.append([(REGISTERED, certificate) for certificate in few])
    with CaptureQueriesContext(connection) as appending_many:
        transparency.append([(REGISTERED, certificate) for certificate in many])

    assert len(appending_many) == len(appending_few) <= 6
    assert LogEntry.objects.count() == 2_013
    assert transparency.root(2_013) == naive_root(leaves())
    assert "2013 entries" in verify_log("--chunk-size", "500")


# The API ---------------------------------------------------------------------------------------


def test_a_certificates_proof_verifies_against_the_signed_checkpoint(client, intact_log):
    certificate = intact_log[6]

    response = client.get(f"/api/v1/certificates/{certificate.pk}/proof/")

    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    proof = response.json()
    entry, head = proof["entry"], proof["tree_head"]
    assert (entry["seq"], head["size"], head["signed"]) == (6, 40, True)
    leaf = hashlib.sha256(b"\x00" + entry["data"].encode()).digest()
    assert from_b64url(entry["leaf_hash"]) == leaf
    path = [from_b64url(sibling) for sibling in proof["audit_path"]]
    assert verify_inclusion(leaf, 6, 40, path, from_b64url(head["root"]))
    text = (
        f"vn-qi-map transparency log\n40\n{head['root']}\n{head['chain']}\n{head['created_at']}\n"
    )
    assert signing.verify(head["kid"], text.encode(), from_b64url(head["signature"]))


def test_a_proof_of_an_entry_no_checkpoint_covers_is_against_the_current_root(client, intact_log):
    late = intact_log[0]
    transparency.append([(REGISTERED, late)])

    proof = client.get(f"/api/v1/certificates/{late.pk}/proof/").json()

    head = proof["tree_head"]
    assert (proof["entry"]["seq"], head["size"], head["signed"]) == (40, 41, False)
    assert head["signature"] is None
    path = [from_b64url(sibling) for sibling in proof["audit_path"]]
    leaf = from_b64url(proof["entry"]["leaf_hash"])
    assert verify_inclusion(leaf, 40, 41, path, from_b64url(head["root"]))


def test_the_latest_checkpoint_is_published(client, intact_log):
    response = client.get("/api/v1/transparency/checkpoint/")

    assert response.status_code == 200
    assert response.json()["size"] == 40
    assert response.json()["kid"] == SigningKey.objects.get(use=SigningKey.Use.LOG).kid


def test_a_certificate_not_in_the_log_and_a_log_without_checkpoint_are_not_found(client, db):
    assert client.get("/api/v1/certificates/999999/proof/").status_code == 404
    assert client.get("/api/v1/transparency/checkpoint/").status_code == 404
