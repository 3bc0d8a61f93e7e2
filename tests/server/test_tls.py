"""wss:// with --certfile/--keyfile."""

from __future__ import annotations

import shutil
import ssl

import pytest
from conftest import RunningServer
from support import self_signed

from kompsesjon.client import SessionClient

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


async def test_tls_session(tmp_path):
    cert, key = self_signed(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    srv = RunningServer(tmp_path / "tls.sqlite3")
    from server.app import SessionServer
    from server.store import Store

    srv.server = SessionServer(await Store.open(srv.db))
    await srv.server.start("127.0.0.1", 0, ssl_context=server_ctx)
    try:
        created = await srv.server.create_session(title="Kryptert")
        client_ctx = ssl.create_default_context(cafile=str(cert))
        client = SessionClient(
            f"wss://127.0.0.1:{srv.server.port}/", role="screen", code=created.code, ssl_context=client_ctx
        )
        client.start()
        await client.wait_ready()
        assert client.state.title == "Kryptert"
        await client.close()
    finally:
        await srv.stop()
