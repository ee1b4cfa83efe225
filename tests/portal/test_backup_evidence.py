"""Evidence files travel in the backup: restored byte for byte, covered by its signature.

The files attached to actions' updates live in the data folder, not the database; a backup
carries them between the database and the signature line, and a restore puts them back
only once the whole file has verified (docs/operations.md).
"""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from careaudit.improvement import services
from careaudit.portal import backup
from careaudit.portal.backup import BackupError, backup_database, restore_database, table_checksums
from tests.improvement.conftest import an_action, build_loop
from tests.portal.test_backup import FreshDatabase

pytestmark = pytest.mark.django_db(transaction=True)  # a backup reads what is committed

# A small PDF with every byte value in it: nothing is read as text on the way.
SPOT_CHECK = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture
def fresh_database(tmp_path):
    with FreshDatabase(tmp_path) as database:
        yield database


@pytest.fixture
def evidence(settings, tmp_path):
    """An action's update with a spot check attached, in a data folder of the test's own."""
    settings.DATA_DIR = tmp_path / "live"
    loop = build_loop()
    update = services.action_update_add(
        action=an_action(loop),
        by=loop.people.social_worker,
        note="Spot check of 10 plans: 9 met.",
        evidence=SimpleUploadedFile("spot check.pdf", SPOT_CHECK, "application/pdf"),
    )
    return update


def restored_folder(settings, tmp_path) -> Path:
    """Restore as on another server: a data folder of its own, with one file already in it."""
    settings.DATA_DIR = tmp_path / "elsewhere"
    folder = settings.DATA_DIR / "evidence"
    (folder / "9" / "9").mkdir(parents=True)
    (folder / "9" / "9" / "already-here").write_bytes(b"kept")
    return folder


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_backup_carries_the_evidence_files_and_a_restore_puts_them_back_byte_for_byte(
    evidence, fresh_database, settings, tmp_path
):
    made = backup_database(tmp_path / "careaudit.backup")
    folder = restored_folder(settings, tmp_path)

    restored = restore_database(made.path, using=fresh_database.connection)

    assert made.evidence.files == 1 and made.evidence.size == len(SPOT_CHECK)
    assert json.loads(made.sidecar.read_text())["evidence"]["files"] == 1
    assert restored.verified is True and restored.evidence == made.evidence
    assert (folder / evidence.evidence.name).read_bytes() == SPOT_CHECK
    assert files_in(folder)["9/9/already-here"] == b"kept"  # nothing it did not bring is deleted
    assert table_checksums(fresh_database.connection) == made.tables


def test_the_commands_say_how_many_evidence_files_they_carried(evidence, settings, tmp_path):
    output = io.StringIO()
    call_command("backup", "-o", str(tmp_path / "careaudit.backup"), stdout=output)
    assert "and 1 file of evidence" in output.getvalue()


@pytest.mark.parametrize("with_sidecar", [True, False], ids=["with its sidecar", "alone"])
def test_a_backup_whose_evidence_was_changed_is_refused_and_changes_nothing(
    evidence, fresh_database, settings, tmp_path, with_sidecar
):
    made = backup_database(tmp_path / "careaudit.backup")
    data = bytearray(made.path.read_bytes())
    at = data.find(SPOT_CHECK)
    data[at + 100] ^= 0x01  # one bit of the spot check, inside the backup
    made.path.write_bytes(bytes(data))
    if not with_sidecar:
        made.sidecar.unlink()
    folder = restored_folder(settings, tmp_path)
    before = files_in(folder)

    expected = r"does not match .*Nothing was restored" if with_sidecar else r"does not verify"
    with pytest.raises(BackupError, match=expected):
        restore_database(made.path, using=fresh_database.connection)

    assert not fresh_database.exists()
    assert files_in(folder) == before
    assert not list(folder.parent.glob(".evidence-restore-*"))


def without_evidence(made) -> None:
    """The backup as the version before evidence files were carried made it: the database
    and the signature line only."""
    data = made.path.read_bytes()[: -backup.SIGNATURE_LENGTH]
    start, _, _ = backup._evidence_section(made.path)
    made.path.write_bytes(data[:start])
    backup._sign(made.path)
    made.sidecar.unlink()


def test_a_backup_from_before_evidence_files_restores_and_leaves_the_folder_as_it_was(
    evidence, fresh_database, settings, tmp_path
):
    made = backup_database(tmp_path / "careaudit.backup")
    without_evidence(made)
    folder = restored_folder(settings, tmp_path)
    before = files_in(folder)

    restored = restore_database(made.path, using=fresh_database.connection)
    output = io.StringIO()
    call_command("restore", str(made.path), stdout=output)

    assert restored.signed and restored.evidence is None
    assert table_checksums(fresh_database.connection) == made.tables
    assert files_in(folder) == before
    assert "none in this backup" in output.getvalue()


def test_a_signed_backup_whose_archive_reaches_outside_the_evidence_folder_is_refused(
    evidence, fresh_database, settings, tmp_path
):
    """Even with a valid signature (a stolen SECRET_KEY), a name like ../../x never leaves
    the evidence folder."""
    made = backup_database(tmp_path / "careaudit.backup")
    start, _, _ = backup._evidence_section(made.path)
    database = made.path.read_bytes()[:start]
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("../../outside")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    made.path.write_bytes(database + archive.getvalue())
    length = len(archive.getvalue())
    with made.path.open("ab") as file:
        file.write(
            backup.EVIDENCE_PREFIX
            + f"start:{start:020d} length:{length:020d} files:{1:010d}\n".encode()
        )
    backup._sign(made.path)
    made.sidecar.unlink()
    folder = restored_folder(settings, tmp_path)

    with pytest.raises(BackupError, match=r"not a file that belongs in the evidence folder"):
        restore_database(made.path, using=fresh_database.connection)

    assert not fresh_database.exists()
    assert not (folder.parent.parent / "outside").exists()
    assert not (folder / "outside").exists() and not (folder.parent / "outside").exists()
