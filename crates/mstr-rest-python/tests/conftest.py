"""The emulator (the `mstr-emulator` binary, with its control routes) for the whole run,
reset between tests; the report ids it serves; helpers to steer it."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
EMULATOR = Path(os.environ.get("MSTR_EMULATOR", TARGET / "debug" / "mstr-emulator"))
CLI = Path(os.environ.get("MSTR_CLI", TARGET / "debug" / "mstr"))

PROJECT = "MicroStrategy Tutorial"
PROJECT_ID = "B19DEDCC11D4E0EFC000EB9495D0F44F"
REPORT_100K = "1000000000000000000000000000100K"
REPORT_SMALL = "100000000000000000000000000SMALL"
CUBE = "1000000000000000000000000000CUBE"


class Emulator:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.root = base_url.split("/MicroStrategyLibrary/")[0]

    def control(self, method: str, route: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.root}/__emulator/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            text = answer.read()
            return json.loads(text) if text else None

    def fault(self, **spec):
        self.control("POST", "faults", spec)

    def requests(self):
        return self.control("GET", "requests")

    def dataset_rows(self, dataset_id: str, table: str):
        return self.control("GET", f"dataset-rows?dataset={dataset_id}&table={table}")

    def stats(self):
        return self.control("GET", "stats")


@pytest.fixture(scope="session")
def emulator_process():
    if not EMULATOR.exists():
        pytest.fail(f"{EMULATOR} is missing: cargo build -p mstr-rest-emulator --bin mstr-emulator")
    process = subprocess.Popen(
        [
            str(EMULATOR),
            "--admin",
            "--report", f"{REPORT_100K}:100000",
            "--report", f"{REPORT_SMALL}:25",
            "--cube", f"{CUBE}:30",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if "listening on " not in line:
        process.kill()
        pytest.fail(f"mstr-emulator did not start: {line!r}")
    yield Emulator(line.split("listening on ", 1)[1].strip())
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def emulator(emulator_process):
    emulator_process.control("POST", "reset")
    return emulator_process


@pytest.fixture
def base_url(emulator):
    return emulator.base_url


@pytest.fixture
def session(base_url):
    from mstr_rest.requests import MSTRRESTSession

    s = MSTRRESTSession(base_url=base_url)
    s.login(username="dave", password="hellodave")
    yield s
    if s.has_session():
        s.logout()
