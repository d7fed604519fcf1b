"""Request limits of the guard (issue 14): a chunked body over the limit is a 413, as a sized one."""

from __future__ import annotations

import io

import pytest

from app import MAX_REQUEST_BYTES, SECURITY_HEADERS, create_app

CHUNKED = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('guard') / 'none.db'}"
    return create_app(url).server.test_client()


@pytest.mark.parametrize("chunked", [True, False])
def test_a_5_mb_callback_body_gets_413(client, chunked):
    body = b'{"output":"' + b"x" * 5_000_000 + b'"}'
    if chunked:  # as gunicorn and werkzeug's server pass a chunked body on
        response = client.post(
            "/_dash-update-component",
            input_stream=io.BytesIO(body),
            headers=CHUNKED,
            environ_overrides={"wsgi.input_terminated": True},
        )
    else:
        response = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert (response.status_code, response.get_data(as_text=True)) == (413, "413 Request Entity Too Large\n")
    assert all(response.headers[name] == value for name, value in SECURITY_HEADERS.items())


def test_a_small_chunked_body_is_read_as_usual(client):
    response = client.post(
        "/_dash-update-component",
        input_stream=io.BytesIO(b'{"output": "nope"}'),
        headers=CHUNKED,
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert (response.status_code, response.get_data(as_text=True)) == (
        400,
        "400 bad callback request: unknown output\n",
    )
    assert MAX_REQUEST_BYTES < 5_000_000
