"""Delivery through fsspec to a local directory, a loopback FTP server and a loopback S3 server."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import fsspec
import pytest

from ingest.publish.publisher import publish
from ingest.publish.transfer import MANIFEST, SUMS, DeliveryFile, delivery_files, transfer
from processes.exceptions import StorageFailure
from tests.publish.servers import READ_ONLY, CorruptingFS, ftp_server, s3_server


class Interrupted(Exception):
    """Stands for a connection drop or a killed process in the middle of a delivery."""


@pytest.fixture
def files(catalogue, outputs, settings) -> list[DeliveryFile]:
    """Every file of a published tile and site product set (3 products, 12 files)."""
    report = publish([outputs.tile, outputs.site], catalogue, settings)
    found = delivery_files(report.items, settings.publish_root)
    assert len(found) == 12
    return found


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_target(fs, base: str, files: list[DeliveryFile]) -> None:
    """Every file arrived intact, nothing half-sent remains, the manifest lists them all."""
    for f in files:
        assert _sha(fs.cat_file(f"{base}/{f.relpath}")) == f.sha256, f.relpath
    assert not [p for p in fs.find(base) if p.endswith(".part")]
    manifest = json.loads(fs.cat_file(f"{base}/{MANIFEST}"))
    assert {e["path"]: e["sha256"] for e in manifest["files"]} == {
        f.relpath: f.sha256 for f in files
    }
    sums = fs.cat_file(f"{base}/{SUMS}").decode().splitlines()
    assert sorted(sums) == sorted(f"{f.sha256}  {f.relpath}" for f in files)


def test_local_directory_delivery_is_idempotent(files, tmp_path):
    target = tmp_path / "ceda"
    report = transfer(files, str(target))
    assert len(report.sent) == 12 and report.bytes_sent == sum(f.size for f in files)
    _check_target(fsspec.filesystem("file"), str(target), files)
    nc = [f for f in files if f.relpath.endswith(".nc")]
    assert {f.relpath.split("/")[0] for f in nc} == {"transect", "sites"}
    manifest = (target / MANIFEST).read_bytes()
    again = transfer(files, f"file://{target}")
    assert again.sent == [] and len(again.skipped) == 12
    assert (target / MANIFEST).read_bytes() == manifest  # nothing changed, not even the manifest


def test_ftp_delivery_resumes_after_an_interruption(files, tmp_path):
    served = tmp_path / "ftp"
    with ftp_server(served) as url:
        done = []

        def drop_after_four(f, sent):
            done.append(f.relpath)
            if len(done) == 4:
                raise Interrupted

        with pytest.raises(Interrupted):
            transfer(files, f"{url}/delivery", on_file=drop_after_four)
        arrived = sorted(p.relative_to(served / "delivery").as_posix()
                         for p in (served / "delivery").rglob("*") if p.is_file())  # fmt: skip
        assert arrived == sorted(done) and not (served / "delivery" / MANIFEST).exists()
        # damage one delivered file and leave a stale partial copy of another behind
        (served / "delivery" / done[0]).write_bytes(b"truncated")
        stale = served / "delivery" / f"{files[-1].relpath}.part"
        stale.parent.mkdir(parents=True, exist_ok=True)
        stale.write_bytes(b"half")
        report = transfer(files, f"{url}/delivery")
        assert sorted(report.skipped) == sorted(done[1:])
        assert sorted(report.sent) == sorted({f.relpath for f in files} - set(done[1:]))
        _check_target(fsspec.filesystem("file"), str(served / "delivery"), files)


def test_s3_delivery_resumes_after_a_drop_mid_file(files):
    with s3_server() as options:
        fs = fsspec.filesystem("s3", skip_instance_cache=True, **options)
        fs.mkdir("vp-bucket")
        sent_chunks = []

        def drop_in_third_file(n):
            sent_chunks.append(n)
            if len(sent_chunks) == 3:
                raise Interrupted

        with pytest.raises(Interrupted):
            transfer(files, "s3://vp-bucket/cci", options, on_chunk=drop_in_third_file)
        fs.invalidate_cache()
        present = list(fs.find("vp-bucket/cci"))
        assert len(present) == 2 and not [p for p in present if p.endswith(".part")]
        report = transfer(files, "s3://vp-bucket/cci", options)
        assert len(report.skipped) == 2 and len(report.sent) == 10
        fs.invalidate_cache()
        _check_target(fs, "vp-bucket/cci", files)


def test_checksum_mismatch_after_transfer(files, tmp_path):
    served = tmp_path / "faulty"
    with ftp_server(served, fs_class=CorruptingFS) as url:
        with pytest.raises(StorageFailure, match="checksum mismatch after transfer of"):
            transfer(files, url)
    # the damaged copy was removed, under its name and its temporary name; no manifest
    assert [p for p in served.rglob("*") if p.is_file()] == []


def test_damaged_local_file_is_not_delivered(files, tmp_path):
    victim = files[5]
    victim.local.write_bytes(victim.local.read_bytes() + b"!")
    target = tmp_path / "out"
    with pytest.raises(StorageFailure, match="no longer matches its published checksum"):
        transfer(files, str(target))
    delivered = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert delivered == sorted(f.relpath for f in files[:5]) and not (target / MANIFEST).exists()


def test_unwritable_targets(files, tmp_path):
    with ftp_server(tmp_path / "ro", perm=READ_ONLY) as url:
        with pytest.raises(
            StorageFailure, match=r"target ftp://vp:\*\*\*@127.0.0.1:\d+/x is not writable"
        ):
            transfer(files, f"{url}/x")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageFailure, match="is not writable"):
        transfer(files, str(blocker / "sub"))
    assert not list(Path(tmp_path / "ro").rglob("*.nc"))
