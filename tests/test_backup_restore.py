"""Backups and restores through the real scripts/backup and scripts/restore, against the real
PostGIS: a restore into a fresh database finds every row of every table and every stored file as
they were; a damaged backup, or a database that holds data, is refused before anything is touched.

The registry backed up is a database of its own, prepared as a deployment prepares one, in
subprocesses: the backup must see committed data, which a test's transaction never commits."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SERVER = dict(settings.DATABASES["default"])  # as configured, before pytest-django renames it

REGISTRY_CSV = (
    "Tên tổ chức,Mã số thuế,Loại hình,Địa chỉ,Kinh độ,Vĩ độ,"
    "Số hiệu,Ngày cấp,Ngày hết hạn,Lĩnh vực\n"
    "Công ty TNHH Thử nghiệm Sao Mai,0109999991,Thử nghiệm,"
    '"Số 12 Trần Duy Hưng, phường Trung Hòa, quận Cầu Giấy, Hà Nội",105.8005,21.0107,'
    "VILAS 1999,12/03/2024,11/03/2029,Hóa; Sinh\n"
)


@dataclass
class Registry:
    database: str
    media_root: Path


def database_url(name: str) -> str:
    credentials = quote(SERVER.get("USER") or "", safe="")
    if SERVER.get("PASSWORD"):
        credentials += ":" + quote(SERVER["PASSWORD"], safe="")
    host = f"{SERVER.get('HOST') or 'localhost'}:{SERVER.get('PORT') or 5432}"
    return f"postgis://{credentials}@{host}/{name}"


def connect(name: str, **options):
    params = {
        "dbname": name,
        "user": SERVER.get("USER"),
        "password": SERVER.get("PASSWORD"),
        "host": SERVER.get("HOST"),
        "port": SERVER.get("PORT"),
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, **options)


@contextmanager
def scratch_database(template="template1"):
    """A new database on the configured server (empty, or a copy of template), dropped
    afterwards."""
    name = f"{SERVER['NAME'][:30]}_restore_{uuid.uuid4().hex[:8]}"
    with connect("postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    try:
        yield name
    finally:
        with connect("postgres", autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def environment(database: str, media_root: Path) -> dict:
    return os.environ | {"DATABASE_URL": database_url(database), "MEDIA_ROOT": str(media_root)}


def prepare(registry: Registry, spreadsheet: Path):
    """Runs the commands of a deployment's preparation, in one process to save the start-ups."""
    commands = [
        ("migrate",),
        ("load_reference_data",),
        ("load_demo", "--sites", "12"),
        ("import_registry", str(spreadsheet)),
        ("ensure_admin",),
    ]
    script = "from django.core.management import call_command\n" + "".join(
        f"call_command(*{command!r}, verbosity=0)\n" for command in commands
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "--command", script],
        cwd=ROOT,
        env=environment(registry.database, registry.media_root)
        | {"DJANGO_SUPERUSER_PASSWORD": "a backed-up password"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def script(name: str, *args, registry: Registry) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ROOT / "scripts" / name, *map(str, args)],
        env=environment(registry.database, registry.media_root),
        capture_output=True,
        text=True,
        check=False,
    )


def restore(backup: Path, database: str, media_root: Path, *options, registry: Registry):
    return script(
        "restore",
        backup,
        "--database-url",
        database_url(database),
        "--media-root",
        media_root,
        *options,
        registry=registry,
    )


def table_contents(database: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema but PostGIS's own (spatial_ref_sys, which the extension
    fills): its rows, and a digest of all of them in order."""
    with connect(database) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT c.relname FROM pg_class c"
                " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'"
                " AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
                "   AND d.objid = c.oid AND d.deptype = 'e')"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {} t"
                ).format(sql.Identifier(table))
            ).fetchone()
            for table in tables
        }


def sequences(database: str) -> dict[str, int | None]:
    with connect(database) as conn:
        return dict(
            conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
        )


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def flip_a_byte(path: Path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A registry prepared as a deployment's: reference data; a small demo (sites with their
    points, credentials with scope and status events, documents as PDF files); an imported
    spreadsheet kept as a file; an administrator."""
    spreadsheet = tmp_path_factory.mktemp("import") / "vilas_2026.csv"
    spreadsheet.write_text(REGISTRY_CSV, encoding="utf-8")
    with scratch_database() as name:
        registry = Registry(name, tmp_path_factory.mktemp("media"))
        prepare(registry, spreadsheet)
        yield registry


@pytest.fixture(scope="module")
def registry_contents(registry):
    return table_contents(registry.database)


@pytest.fixture(scope="module")
def backup(registry, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("backups")
    result = script("backup", directory, registry=registry)
    assert result.returncode == 0, result.stderr
    (backup,) = directory.iterdir()
    return backup


def test_the_registry_backed_up_holds_every_kind_of_record_and_file(registry, registry_contents):
    rows = {table: count for table, (count, _digest) in registry_contents.items()}
    for table in (
        "geodata_site",
        "geodata_credential",
        "geodata_scopeitem",
        "geodata_credentialevent",
        "geodata_document",
        "geodata_importrun",
        "auth_user",
    ):
        assert rows[table] > 0, table
    stored = files(registry.media_root)
    assert any(name.startswith("documents/") for name in stored)
    assert any(name.startswith("imports/") and name.endswith(".csv") for name in stored)


def test_restore_into_a_fresh_database_finds_every_row_and_file_as_they_were(
    registry, registry_contents, backup, tmp_path
):
    with scratch_database() as fresh:
        result = restore(backup, fresh, tmp_path / "media", registry=registry)

        assert result.returncode == 0, result.stderr
        assert table_contents(fresh) == registry_contents
        assert sequences(fresh) == sequences(registry.database)
    assert files(tmp_path / "media") == files(registry.media_root)


def test_backup_manifest_lists_the_dump_the_migrations_the_rows_and_every_file(
    registry, registry_contents, backup
):
    manifest = json.loads((backup / "manifest.json").read_text())

    assert backup.name.startswith("map_portal-")
    assert manifest["database"]["name"] == registry.database
    assert manifest["database"]["pg_dump_version"].startswith("pg_dump (PostgreSQL)")
    assert {"postgis", "pg_trgm", "unaccent"} <= {e["name"] for e in manifest["extensions"]}
    assert manifest["migrations"]["geodata"].startswith("00")
    assert manifest["tables"] == {
        f"public.{table}": rows for table, (rows, _digest) in registry_contents.items()
    }
    assert set(manifest["media"]["files"]) == set(files(registry.media_root))
    assert set(files(backup / "media")) == set(files(registry.media_root))


@pytest.mark.parametrize("damaged", ["database.dump", "a document"])
def test_damaged_backup_is_refused_before_anything_is_touched(registry, backup, tmp_path, damaged):
    copy = shutil.copytree(backup, tmp_path / backup.name)
    documents = sorted((copy / "media" / "documents").rglob("*.pdf"))
    flip_a_byte(copy / "database.dump" if damaged == "database.dump" else documents[0])

    with scratch_database() as fresh:
        result = restore(copy, fresh, tmp_path / "media", registry=registry)

        assert result.returncode == 1
        damaged_name = "database.dump" if damaged == "database.dump" else documents[0].name
        assert damaged_name in result.stderr
        assert table_contents(fresh) == {}
    assert not (tmp_path / "media").exists()


def test_dump_that_fails_halfway_leaves_the_database_without_a_table(registry, backup, tmp_path):
    copy = shutil.copytree(backup, tmp_path / backup.name)
    dump = copy / "database.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["database"] |= {"sha256": sha256(dump.read_bytes()).hexdigest()}
    manifest["database"] |= {"size_bytes": dump.stat().st_size}
    (copy / "manifest.json").write_text(json.dumps(manifest))

    with scratch_database() as fresh:
        result = restore(copy, fresh, tmp_path / "media", registry=registry)

        assert result.returncode == 1
        assert "pg_restore" in result.stderr
        assert table_contents(fresh) == {}


def test_restore_into_a_database_with_data_is_refused_without_force(
    registry, registry_contents, backup, tmp_path
):
    result = restore(backup, registry.database, tmp_path / "media", registry=registry)

    assert result.returncode == 1
    assert "--force" in result.stderr
    assert table_contents(registry.database) == registry_contents
    assert not (tmp_path / "media").exists()


def test_forced_restore_puts_back_a_database_that_was_changed_since(
    registry, registry_contents, backup, tmp_path
):
    with scratch_database(template=registry.database) as changed:
        with connect(changed) as conn:
            conn.execute("UPDATE geodata_site SET name = 'renamed'")
            conn.execute("UPDATE geodata_site SET location = ST_Translate(location, 0.01, 0.01)")
            conn.execute("DELETE FROM geodata_document")

        result = restore(backup, changed, tmp_path / "media", "--force", registry=registry)

        assert result.returncode == 0, result.stderr
        assert table_contents(changed) == registry_contents


def test_failed_backup_leaves_no_partial_backup_and_says_why(registry, tmp_path):
    missing = Registry(f"{registry.database}_missing", registry.media_root)

    result = script("backup", tmp_path, registry=missing)

    assert result.returncode == 1
    assert f"{registry.database}_missing" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_keep_leaves_only_the_newest_backups(registry, tmp_path):
    for old in ("map_portal-20250101T000000Z", "map_portal-20250201T000000Z"):
        (tmp_path / old).mkdir()
        (tmp_path / old / "manifest.json").write_text("{}")

    result = script("backup", tmp_path, "--keep", "2", registry=registry)

    assert result.returncode == 0, result.stderr
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert len(kept) == 2
    assert kept[0] == "map_portal-20250201T000000Z"
