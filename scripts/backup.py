"""Backups of the registry and their restore: the entry points scripts/backup and scripts/restore.

A backup is one directory, BACKUP_DIR/map_portal-YYYYmmddTHHMMSSZ/ (only its owner may read it):

    database.dump   pg_dump --format=custom of DATABASE_URL
    media/          every file under MEDIA_ROOT (documents/, imports/)
    manifest.json   when it was made, of which database and server, with which pg_dump; the
                    extensions; the latest migration of each app; the rows of every table; the
                    SHA-256 and size of the dump and of every file

The dump and the row counts come from one snapshot of the database. A backup is written under a
hidden temporary name and renamed when complete: a failed one leaves nothing behind.

    scripts/backup [DIR] [--keep N]
    scripts/restore BACKUP [--database-url URL] [--media-root DIR] [--force]

A restore checks every checksum before it touches anything, refuses a database that holds tables
unless --force, restores the dump in one transaction and the files, then checks the rows of every
table and the files against the manifest, and says whether migrations are pending.
"""

import argparse
import gettext
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "map_portal.settings")

FORMAT = 1
PREFIX = "map_portal-"
DUMP, MEDIA, MANIFEST = "database.dump", "media", "manifest.json"
CHUNK = 1 << 20
# The parts of a connection and libpq's variables for them; the ssl ones come from the query of a
# DATABASE_URL.
LIBPQ_VARIABLES = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}
# pg_dump's statements for the extensions; restore creates the extensions itself, so a role that
# may not comment on (or drop) an extension a superuser installed can still restore.
EXTENSION_ENTRY = re.compile(r"^\d+; \d+ \d+ (EXTENSION - |COMMENT - EXTENSION )")
EMPTY_SEARCH_PATH = b"SELECT pg_catalog.set_config('search_path', '', false);\n"


class Failure(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@cache
def translation() -> gettext.NullTranslations:
    """The project's catalogue in the site's language, read without starting Django's apps,
    which would add a second to every run."""
    from django.conf import settings

    languages = [settings.LANGUAGE_CODE]
    return gettext.translation("django", ROOT / "locale", languages=languages, fallback=True)


def _(message: str) -> str:
    return translation().gettext(message)


# Backup -----------------------------------------------------------------------------------------


def backup(directory: Path | None, keep: int | None) -> Path:
    """Writes one complete backup into directory (default BACKUP_DIR) and returns its path."""
    from django.conf import settings

    media_root = Path(settings.MEDIA_ROOT)  # the settings read .env: BACKUP_DIR too
    directory = directory or Path(os.environ.get("BACKUP_DIR") or ".local/backups").resolve()
    os.umask(0o077)  # password hashes and private documents: for the owner's eyes only
    directory.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC).replace(microsecond=0)
    final = directory / f"{PREFIX}{created:%Y%m%dT%H%M%SZ}"
    if final.exists():
        raise Failure(_("%(path)s already exists: wait a second and try again.") % {"path": final})
    partial = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=directory))
    try:
        manifest = {"format": FORMAT, "created_at": created.isoformat().replace("+00:00", "Z")}
        manifest |= dump_database(partial / DUMP)
        manifest["media"] = {"root": str(media_root), "files": copy_media(media_root, partial)}
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if keep:
        prune(directory, keep)
    return final


def dump_database(target: Path) -> dict:
    """Dumps the database into target; returns what the manifest says of it, all read from the
    snapshot that pg_dump dumps."""
    params = connection_params()
    with psycopg.connect(**params) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        facts = {
            "database": {
                "name": params["dbname"],
                "server_version": conn.execute("SHOW server_version").fetchone()[0],
            },
            "extensions": extensions(conn),
            "migrations": latest_migrations(conn),
            "tables": row_counts(conn),
        }
        pg_dump = client("pg_dump", conn.info.server_version)
        run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"])
    facts["database"] |= {
        "pg_dump_version": run([pg_dump, "--version"]).strip(),
        "file": DUMP,
        **fingerprint(target),
    }
    return facts


def extensions(conn) -> list[dict]:
    return [
        {"name": name, "version": version, "schema": schema}
        for name, version, schema in conn.execute(
            "SELECT extname, extversion, nspname FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE extname <> 'plpgsql' ORDER BY extname"
        )
    ]


def latest_migrations(conn) -> dict[str, str]:
    if not conn.execute("SELECT to_regclass('django_migrations')").fetchone()[0]:
        return {}
    return dict(
        conn.execute(
            "SELECT DISTINCT ON (app) app, name FROM django_migrations"
            " ORDER BY app, applied DESC, id DESC"
        )
    )


def user_tables(conn) -> list[tuple[str, str]]:
    """The tables of the database, without the catalogues and those of extensions
    (spatial_ref_sys)."""
    return conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema'"
        " AND n.nspname NOT LIKE 'pg\\_%'"
        " AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        "   AND d.objid = c.oid AND d.deptype = 'e')"
        " ORDER BY 1, 2"
    ).fetchall()


def row_counts(conn) -> dict[str, int]:
    counts = {}
    for schema, table in user_tables(conn):
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
        counts[f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
    return counts


def copy_media(media_root: Path, backup_dir: Path) -> dict[str, dict]:
    """Copies every file under media_root into the backup; returns their fingerprints."""
    if not media_root.is_dir():
        return {}
    files = {}
    for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
        relative = path.relative_to(media_root).as_posix()
        files[relative] = copy_file(path, backup_dir / MEDIA / relative)
    return files


def prune(directory: Path, keep: int):
    """Removes the complete backups of directory beyond the newest keep."""
    backups = sorted(p for p in directory.glob(f"{PREFIX}*") if (p / MANIFEST).is_file())
    for old in backups[:-keep]:
        shutil.rmtree(old)
        print(_("Removed the old backup %(path)s") % {"path": old})


# Restore ----------------------------------------------------------------------------------------


def restore(backup_dir: Path, force: bool) -> dict[str, int]:
    """Restores backup_dir into the configured database and MEDIA_ROOT; returns the rows of every
    table, as restored and checked."""
    from django.conf import settings

    media_root = Path(settings.MEDIA_ROOT)
    manifest = verified(backup_dir, media_root)
    params = connection_params()
    with psycopg.connect(**params, autocommit=True) as conn:
        if (tables := user_tables(conn)) and not force:
            raise Failure(
                _(
                    "The database %(name)s is not empty (%(count)s tables): nothing was restored."
                    " Restore into a new database, or add --force to replace its contents."
                )
                % {"name": params["dbname"], "count": len(tables)}
            )
        create_extensions(conn, manifest["extensions"])
        server_version = conn.info.server_version
    schemas = sorted({extension["schema"] for extension in manifest["extensions"]})
    restore_dump(backup_dir / DUMP, server_version, clean=force, schemas=schemas)
    restore_media(backup_dir, manifest["media"]["files"], media_root)
    with psycopg.connect(**params) as conn:
        check_rows(conn, manifest["tables"])
    return manifest["tables"]


def verified(backup_dir: Path, media_root: Path) -> dict:
    """The backup's manifest, once every checksum matches; a Failure that names the first damaged
    file otherwise."""
    manifest = read_manifest(backup_dir)
    try:
        expect_intact(backup_dir / DUMP, manifest["database"])
        root = media_root.resolve()
        for relative, expected in manifest["media"]["files"].items():
            if not (root / relative).resolve().is_relative_to(root):
                raise Failure(
                    _("The backup names a file outside the media folder: %(name)s")
                    % {"name": relative}
                )
            expect_intact(backup_dir / MEDIA / relative, expected)
    except (KeyError, TypeError, AttributeError):
        raise Failure(
            _("%(path)s is not a backup of this format.") % {"path": backup_dir}
        ) from None
    return manifest


def read_manifest(backup_dir: Path) -> dict:
    try:
        manifest = json.loads((backup_dir / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise Failure(
            _("%(path)s is not a readable backup: %(error)s") % {"path": backup_dir, "error": error}
        ) from None
    if not (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and {"database", "extensions", "tables", "media"} <= manifest.keys()
    ):
        raise Failure(_("%(path)s is not a backup of this format.") % {"path": backup_dir})
    return manifest


def expect_intact(path: Path, expected: dict):
    try:
        found = fingerprint(path)
    except OSError as error:
        raise Failure(
            _("The backup is incomplete, nothing was restored: %(error)s") % {"error": error}
        ) from None
    if found != {"sha256": expected["sha256"], "size_bytes": expected["size_bytes"]}:
        raise Failure(
            _(
                "The backup is damaged, nothing was restored: %(path)s does not match its"
                " checksum in the manifest."
            )
            % {"path": path}
        )


def create_extensions(conn, wanted: list[dict]):
    for extension in wanted:
        statement = sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}").format(
            sql.Identifier(extension["name"]), sql.Identifier(extension["schema"])
        )
        try:
            conn.execute(statement)
        except psycopg.Error as error:
            raise Failure(
                _(
                    "Cannot create the extension %(name)s (%(error)s). Ask a superuser to run"
                    " CREATE EXTENSION %(name)s; in the database, then restore again."
                )
                % {"name": extension["name"], "error": str(error).strip()}
            ) from None


def restore_dump(dump: Path, server_version: int, clean: bool, schemas: list[str]):
    """Restores the dump in one transaction (pg_restore writes the script, psql runs it), the
    extensions left out: create_extensions made them.

    pg_restore runs every statement with an empty search_path, and PostgreSQL cannot write the
    schema of the operator of an IS DISTINCT FROM: the history triggers' conditions on a
    geometry column (OLD.location IS DISTINCT FROM NEW.location) would then find no operator.
    The script's search_path is therefore that of the extensions' schemas; every other name in
    it is written with its schema."""
    pg_restore, psql = client("pg_restore", server_version), client("psql", server_version)
    listing = run([pg_restore, "--list", str(dump)])
    entries = "\n".join(
        f";{line}" if EXTENSION_ENTRY.match(line) else line for line in listing.splitlines()
    )
    with (
        tempfile.NamedTemporaryFile("w", suffix=".list") as use_list,
        tempfile.TemporaryFile() as writer_errors,
        tempfile.TemporaryFile() as loader_errors,
    ):
        use_list.write(entries + "\n")
        use_list.flush()
        options = ["--no-owner", "--no-privileges", *(["--clean", "--if-exists"] if clean else [])]
        writer = subprocess.Popen(  # noqa: S603 (PostgreSQL's own programs, our arguments)
            [pg_restore, "--file=-", f"--use-list={use_list.name}", *options, str(dump)],
            stdout=subprocess.PIPE,
            stderr=writer_errors,
            env=client_environment(),
        )
        loader = subprocess.Popen(  # noqa: S603
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=loader_errors,
            env=client_environment() | {"PGOPTIONS": "-c client_min_messages=warning"},
        )
        # psql commits when its input ends: on any failure it is killed before, and the
        # transaction rolls back.
        try:
            feed(writer.stdout, loader.stdin, schemas)
        except BrokenPipeError:
            writer.kill()  # psql stopped at an error and rolled back; its message says which
        except BaseException:
            stop(loader)
            writer.kill()
            raise
        else:
            if writer.wait() != 0:
                stop(loader)
                raise program_failure("pg_restore", writer_errors)
        finally:
            writer.stdout.close()
            writer.wait()
            with suppress(BrokenPipeError):
                loader.stdin.close()
        if loader.wait() != 0:
            raise program_failure("psql", loader_errors)


def stop(process: subprocess.Popen):
    process.kill()
    process.wait()


def program_failure(program: str, errors) -> Failure:
    errors.seek(0)
    message = errors.read().decode(errors="replace").strip()
    return Failure(
        _("%(program)s failed, nothing was restored: %(error)s")
        % {"program": program, "error": message}
    )


def feed(script, loader, schemas: list[str]):
    """Copies the script of pg_restore to psql, with the search_path of the schemas."""
    path = ", ".join('"{}"'.format(schema.replace('"', '""')) for schema in schemas)
    setting = "SELECT pg_catalog.set_config('search_path', '{}', false);\n".format(
        path.replace("'", "''")
    )
    for line in script:
        if line == EMPTY_SEARCH_PATH:
            loader.write(setting.encode())
            break
        loader.write(line)
    shutil.copyfileobj(script, loader, CHUNK)


def restore_media(backup_dir: Path, files: dict[str, dict], media_root: Path):
    """Writes every file of the backup into media_root, each under a temporary name renamed
    when its checksum matches; other files there are left as they are."""
    for relative, expected in files.items():
        target = media_root / relative
        if target.is_file() and fingerprint(target) == expected:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        copy_file(backup_dir / MEDIA / relative, partial)
        os.replace(partial, target)
        if fingerprint(target) != expected:
            raise Failure(
                _("%(path)s differs from the backup after it was written.") % {"path": target}
            )


def check_rows(conn, expected: dict[str, int]):
    found = row_counts(conn)
    for table, rows in expected.items():
        if found.get(table) != rows:
            raise Failure(
                _("The restored table %(table)s has %(found)s rows; the backup has %(rows)s.")
                % {"table": table, "found": found.get(table), "rows": rows}
            )


def migration_notes() -> list[str]:
    """What the restored database lacks, or has beyond, this code's migrations."""
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unknown = set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations)
    connection.close()
    notes = []
    if pending:
        notes.append(
            _(
                "%(count)s migrations of this code are not applied yet:"
                " run scripts/prepare database."
            )
            % {"count": len(pending)}
        )
    if unknown:
        notes.append(
            _(
                "The backup comes from a newer version of the application: %(count)s of its"
                " migrations are unknown to this code."
            )
            % {"count": len(unknown)}
        )
    return notes


def summary_labels() -> dict[str, str]:
    """The tables a restore counts for its reader."""
    return {
        "geodata_organisation": _("organisations"),
        "geodata_site": _("sites"),
        "geodata_credential": _("credentials"),
        "geodata_document": _("documents"),
        "geodata_importrun": _("imports"),
    }


# PostgreSQL -------------------------------------------------------------------------------------


def connection_params() -> dict:
    """The configured database's connection, as psycopg and libpq name its parts."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    params = {
        "dbname": database["NAME"],
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    options = database.get("OPTIONS", {})
    params |= {
        key: options[key] for key in LIBPQ_VARIABLES if key.startswith("ssl") and key in options
    }
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def client_environment() -> dict:
    """The environment of pg_dump and pg_restore, with the connection in libpq's variables (no
    password on a command line)."""
    params = connection_params()
    return os.environ | {LIBPQ_VARIABLES[key]: value for key, value in params.items()}


def client(program: str, server_version: int) -> str:
    """The PostgreSQL client program of the server's major version, or else the nearest newer one
    (Debian's /usr/lib/postgresql/N/bin), or else the one on the PATH."""
    installed = {
        int(path.parts[-3]): path
        for path in Path("/usr/lib/postgresql").glob(f"*/bin/{program}")
        if path.parts[-3].isdigit()
    }
    usable = sorted(version for version in installed if version >= server_version // 10000)
    if usable:
        return str(installed[usable[0]])
    if found := shutil.which(program):
        return found
    raise Failure(
        _("%(program)s is not installed: install the PostgreSQL client (postgresql-client).")
        % {"program": program}
    )


def run(command: list[str]) -> str:
    result = subprocess.run(  # noqa: S603 (PostgreSQL's own programs, our arguments)
        command, env=client_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise Failure(
            _("%(program)s failed: %(error)s")
            % {"program": Path(command[0]).name, "error": result.stderr.strip()}
        )
    return result.stdout


# Files ------------------------------------------------------------------------------------------


def fingerprint(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size_bytes": size}


def copy_file(source: Path, target: Path) -> dict:
    """Copies source to target, a new file; returns the fingerprint of the bytes copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return {"sha256": digest.hexdigest(), "size_bytes": size}


def human_size(path: Path) -> str:
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


# Command line -----------------------------------------------------------------------------------


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/backup.py")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", prog="scripts/backup", description=backup.__doc__)
    make.add_argument(
        "directory",
        nargs="?",
        type=Path,
        help="Where to write the backup (default: $BACKUP_DIR, or .local/backups).",
    )
    make.add_argument(
        "--keep", type=positive, metavar="N", help="Then remove all but the newest N backups."
    )
    back = commands.add_parser("restore", prog="scripts/restore", description=restore.__doc__)
    back.add_argument("backup", type=Path, help="The backup's directory.")
    back.add_argument("--database-url", help="Restore into this database (default: DATABASE_URL).")
    back.add_argument(
        "--media-root", type=Path, help="Restore the files here (default: MEDIA_ROOT)."
    )
    back.add_argument(
        "--force", action="store_true", help="Replace the contents of a database that has some."
    )
    return parser.parse_args(argv)


def positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("N must be a whole number, 1 or more")
    return int(value)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    # Paths on the command line are the caller's; relative settings are the project's.
    given = {name: getattr(args, name, None) for name in ("directory", "backup", "media_root")}
    absolute = {name: path.resolve() for name, path in given.items() if path}
    if getattr(args, "database_url", None):
        os.environ["DATABASE_URL"] = args.database_url
    if "media_root" in absolute:
        os.environ["MEDIA_ROOT"] = str(absolute["media_root"])
    os.chdir(ROOT)
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))  # clean up on the way out
    try:
        if args.command == "backup":
            done = backup(absolute.get("directory"), args.keep)
            print(
                _("Backup written: %(path)s (%(size)s)") % {"path": done, "size": human_size(done)}
            )
        else:
            rows = restore(absolute["backup"], args.force)
            print(_("Restored %(path)s; every table and file matches it:") % {"path": args.backup})
            for table, label in summary_labels().items():
                print(f"  {label}: {rows.get(f'public.{table}', 0)}")
            for note in migration_notes():
                print(note)
    except Failure as failure:
        print(f"{args.command}: {failure}", file=sys.stderr)
        return 1
    except psycopg.Error as error:
        database = connection_params()["dbname"]
        print(
            f"{args.command}: "
            + _("Cannot use the database %(name)s: %(error)s")
            % {"name": database, "error": str(error).strip()},
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
