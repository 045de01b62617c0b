"""``canopy publish`` through its typer app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ingest.publish.cli import app
from ingest.publish.transfer import MANIFEST

runner = CliRunner()


@pytest.fixture(autouse=True)
def _home(canopy_home, monkeypatch):
    """The commands' Canopy home is this test's, not the checkout's ``.canopy``; a wide console
    keeps rich from wrapping summary lines at long temporary paths."""
    monkeypatch.setenv("CANOPY_HOME", str(canopy_home))
    monkeypatch.setenv("COLUMNS", "400")


def test_publish_products_and_deliver(catalogue, outputs, tmp_path, monkeypatch, canopy_home):
    monkeypatch.setenv("CANOPY_PUBLIC_URL", "https://vp.example.org")
    out, target = tmp_path / "published", tmp_path / "delivered"
    args = ["products", str(outputs.tile), str(outputs.site), "--out", str(out),
            "--dsn", catalogue, "--doi", "10.1/cli", "--to", str(target)]  # fmt: skip
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "3 created, 0 updated, 0 unchanged" in r.output and "12 sent" in r.output
    manifest = json.loads((target / MANIFEST).read_text())
    assert len(manifest["files"]) == 12
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "0 created, 0 updated, 3 unchanged" in r.output and "0 sent" in r.output
    assert "12 already there" in r.output
    r = runner.invoke(app, ["transfer", "--to", str(tmp_path / "again"), "--out", str(out),
                            "--dsn", catalogue])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "12 sent" in r.output
    assert (tmp_path / "again" / MANIFEST).read_bytes() != b""
    assert str(out) in (canopy_home / "data-roots").read_text()  # served by /data


def test_clear_errors(catalogue, outputs, tmp_path):
    out = tmp_path / "published"
    r = runner.invoke(app, ["products", str(outputs.tile), "--out", str(out), "--dsn", catalogue,
                            "--start", "2019-06-01", "--end", "2019-06-30"])  # fmt: skip
    assert r.exit_code == 2
    assert "NoDataAvailable" in r.output and "2019-06-09..2019-06-30" in r.output
    assert not out.exists() or not any(out.rglob("*.nc"))
    r = runner.invoke(app, ["products", str(outputs.tile), "--start", "2019-06-01"])
    assert r.exit_code == 2 and "--start and --end" in r.output
    r = runner.invoke(app, ["products", str(outputs.tile), "--out", str(out), "--dsn", catalogue,
                            "--to", str(tmp_path), "-o", "novalue"])  # fmt: skip
    assert r.exit_code == 2 and "KEY=VALUE" in r.output
    r = runner.invoke(app, ["transfer", "--to", str(tmp_path / "t"), "--out", str(out),
                            "--dsn", catalogue])  # fmt: skip
    assert r.exit_code == 1 and "nothing published" in r.output
