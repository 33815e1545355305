"""A body declared larger than ZCP_MAX_REQUEST_BYTES is answered 413 with a Chinese message
naming the limit, before a byte of it is read; the limit itself passes."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = readinto = read


def declared(client, url: str, length: int, body=None, **extra):
    return client.generic(
        "POST",
        url,
        b"",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(length),
        **({"wsgi.input": body} if body is not None else {}),
        **extra,
    )


def test_a_300_mib_upload_is_refused_before_it_is_read(client, cast, settings) -> None:
    client.force_login(cast.applicant_a)
    url = reverse("accounting:upload", args=[cast.park_a.pk, 2025])

    response = declared(client, url, 300 * 1024 * 1024, Unreadable())

    assert response.status_code == 413
    text = response.content.decode()
    assert "请求过大" in text and f"{settings.ZCP_MAX_REQUEST_BYTES:,}" in text
    assert response["Connection"] == "close"


def test_the_api_answers_413_in_its_error_shape(client, cast) -> None:
    response = declared(
        client, f"/api/v1/parks/{cast.park_a.pk}/years/2025/data/", 10**12, Unreadable()
    )

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and "请求过大" in error["message"]


def test_a_body_at_the_limit_is_read_and_one_byte_more_is_refused(client, settings) -> None:
    settings.ZCP_MAX_REQUEST_BYTES = 1000
    url = reverse("login")

    at_limit = client.post(url, b"x" * 1000, content_type="application/octet-stream")
    over = client.post(url, b"x" * 1001, content_type="application/octet-stream")

    assert at_limit.status_code != 413
    assert over.status_code == 413
    assert "1,000" in over.content.decode()


def test_a_malformed_length_is_left_to_django(client) -> None:
    response = client.generic("POST", reverse("login"), b"", CONTENT_LENGTH="²")

    assert response.status_code != 413


def test_a_chunked_body_without_a_declared_length_is_never_read(client, cast) -> None:
    # Transfer-Encoding: chunked declares no length. Django reads a body only as far as
    # CONTENT_LENGTH says (none: nothing), so an endless chunked upload reaches no parser here;
    # nginx's client_max_body_size bounds it before that (docs/deployment.md).
    client.force_login(cast.applicant_a)
    url = reverse("accounting:upload", args=[cast.park_a.pk, 2025])

    response = client.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": Unreadable()},
    )

    assert response.status_code < 500
