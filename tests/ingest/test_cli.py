"""The typer app: simulate, ingest, sites and sensors commands through CliRunner."""

from __future__ import annotations

from typer.testing import CliRunner

from ingest.cli import app
from tests.ingest.helpers import crop_bbox

runner = CliRunner()


def test_simulate_then_ingest(tmp_path, pgstac_dsn):
    bbox = ",".join(str(v) for v in crop_bbox("X18Y02", 0, 0, 8))
    args = ["simulate", "--tile", "X18Y02", "--bbox", bbox, "--start", "2019-07-01", "--end", "2019-07-03",
            "--sensors", "probav,vgt2", "--out", str(tmp_path), "--seed", "1", "--workers", "1"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "6 products and 3 truth files" in result.output
    result = runner.invoke(app, ["ingest", str(tmp_path), "--workers", "0", "--dsn", pgstac_dsn])
    assert result.exit_code == 0, result.output
    assert (
        "6 created" in result.output
        and "0 failed" in result.output
        and "3 other files ignored" in result.output
    )


def test_simulate_twin_writes_a_different_deterministic_set(tmp_path):
    import hashlib

    bbox = ",".join(str(v) for v in crop_bbox("X18Y02", 0, 0, 4))

    def run(out, *extra):
        args = ["simulate", "--tile", "X18Y02", "--bbox", bbox, "--start", "2019-07-01",
                "--end", "2019-07-01", "--sensors", "probav", "--out", str(out), "--seed", "3",
                "--workers", "1", *extra]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        (product,) = sorted(out.rglob("c3s_L2B_*.nc"))
        return hashlib.sha256(product.read_bytes()).hexdigest()

    twin = run(tmp_path / "twin", "--twin")
    assert twin == run(tmp_path / "twin2", "--twin")  # same seed, same bytes
    assert twin != run(tmp_path / "model-error")  # the twin uses the retrieval's own model


def test_simulate_rejects_bad_options(tmp_path):
    base = [
        "simulate",
        "--tile",
        "X18Y02",
        "--start",
        "2019-07-01",
        "--end",
        "2019-07-02",
        "--out",
        str(tmp_path),
    ]
    assert runner.invoke(app, [*base, "--sensors", "landsat"]).exit_code == 2
    assert runner.invoke(app, [*base, "--bbox", "1,2,3"]).exit_code == 2
    result = runner.invoke(app, [*base, "--bbox", "50,10,51,11"])
    assert result.exit_code == 2 and "does not meet tile" in result.output
    bad = [*base[:3], "X99Y02", *base[3:]]
    assert runner.invoke(app, bad).exit_code == 2


def test_sites_and_sensors_commands():
    result = runner.invoke(app, ["sites", "list", "--network", "OzFlux"])
    assert result.exit_code == 0 and "AU-Tum" in result.output and "DE-Hai" not in result.output
    result = runner.invoke(app, ["sites", "show", "FR-Pue"])
    assert result.exit_code == 0 and "Puechabon" in result.output and "X18Y03" in result.output
    assert runner.invoke(app, ["sites", "show", "XX-Nope"]).exit_code == 1
    result = runner.invoke(app, ["sensors", "list"])
    assert result.exit_code == 0 and "snpp-viirs" in result.output


def test_ingest_reports_an_unreachable_database(tmp_path):
    result = runner.invoke(
        app,
        [
            "ingest",
            str(tmp_path),
            "--workers",
            "0",
            "--dsn",
            "postgresql://postgres:x@127.0.0.1:9/none",
        ],
    )
    assert result.exit_code == 2 and "database unavailable" in result.output


def test_demo_fills_an_empty_catalogue_once(tmp_path, pgstac_dsn):
    args = ["demo", "--out", str(tmp_path / "demo"), "--dsn", pgstac_dsn]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "demo: 20 created" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "0 created, 20 unchanged" in again.output
