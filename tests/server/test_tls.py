"""wss:// with --certfile/--keyfile."""

from __future__ import annotations

import shutil
import ssl

import pytest
from support import tls_server

from kompsesjon.client import SessionClient

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


async def test_tls_session(tmp_path):
    server, cert = await tls_server(tmp_path)
    try:
        created = await server.create_session(title="Kryptert")
        client_ctx = ssl.create_default_context(cafile=str(cert))
        client = SessionClient(
            f"wss://127.0.0.1:{server.port}/", role="screen", code=created.code, ssl_context=client_ctx
        )
        client.start()
        await client.wait_ready()
        assert client.state.title == "Kryptert"
        await client.close()
    finally:
        await server.stop()
