"""The fake EU registry, once per module, emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.passport.euregistry.eu_registry_fake import Server


@pytest.fixture(scope="module")
def fake_server() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


@pytest.fixture
def fake(fake_server: Server) -> Server:
    fake_server.registry.reset()
    fake_server.registry.token = "test-token"
    return fake_server
