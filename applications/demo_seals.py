"""A demo certificate authority and a signing key and certificate for every issuing body.

For development, the demo and tests only: a real installation puts the keys its certificate
authority issued in ZCP_SIGNING_DIR. Nothing existing is overwritten: a body that already has a
key keeps it, so running this again only adds what is missing.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .letter_content import NATIONAL_ISSUER, provincial_issuer
from .models.people import read_provinces
from .seals import CA_FILE, NATIONAL_BODY, body_for

CA_KEY_FILE = "ca.key"
CA_NAME = "零碳园区电子签章演示根证书（仅供演示）"
CA_YEARS = 20
ISSUER_YEARS = 10


def _name(organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, organisation),
        ]
    )


def _usage(*, sign_documents: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign_documents,
        content_commitment=sign_documents,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign_documents,
        crl_sign=not sign_documents,
        encipher_only=False,
        decipher_only=False,
    )


def _write(path: Path, data: bytes, private: bool = False) -> None:
    # "x": never replace a file that appeared meanwhile; keys readable by the owner only.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    handle = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(handle, "wb") as out:
        out.write(data)


def _key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _authority(folder: Path, now: datetime.datetime):
    key_path, cert_path = folder / CA_KEY_FILE, folder / CA_FILE
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes()), False
    if key_path.exists() or cert_path.exists():
        raise FileExistsError(
            f"{folder} holds only half of the demo authority ({CA_KEY_FILE}, {CA_FILE}): "
            "remove the other half or put back the missing file"
        )
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(CA_NAME)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign_documents=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_bytes(key), private=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, True


def _issue(
    folder: Path, body: str, organisation: str, ca_key, ca_cert, now: datetime.datetime
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(organisation))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * ISSUER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign_documents=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(folder / f"{body}.key", _key_bytes(key), private=True)
    _write(folder / f"{body}.crt", cert.public_bytes(serialization.Encoding.PEM))


def issuing_bodies() -> list[tuple[str, str]]:
    """(file stem, organisation) of NDRC and every provincial DRC."""
    bodies = [(NATIONAL_BODY, NATIONAL_ISSUER)]
    bodies += [
        (body_for(False, row["code"]), provincial_issuer(row["name_zh"]))
        for row in read_provinces()
    ]
    return bodies


def make_demo_seals(folder: Path) -> list[str]:
    """Add the demo authority and each missing body's key; returns what was created."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, ca_cert, created_ca = _authority(folder, now)
    created = [CA_FILE] if created_ca else []
    for body, organisation in issuing_bodies():
        if (folder / f"{body}.key").exists() or (folder / f"{body}.crt").exists():
            continue  # the body has its own (or half of it, which a person must sort out)
        _issue(folder, body, organisation, ca_key, ca_cert, now)
        created.append(body)
    return created
