"""`fengqiao serve` (and so `make serve`) says where the console is and how to get a token."""

from __future__ import annotations

from tests.e2e.conftest import Server


def test_serve_prints_the_console_url_and_how_to_get_a_token(server: Server) -> None:
    log = server.log()

    assert f"{server.url}/console/" in log
    assert f"{server.url}/schema" in log
    assert "fengqiao token issue --subject NAME --role ROLE" in log
