"""The run's own certificate authority, made with trustme.

The CA key and certificates live in a private (0700) temporary folder that is removed when the
server stops; nothing is installed into the machine's trust stores.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import os
import shutil
import ssl
import tempfile
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization


class RunCA:
    def __init__(self, hostnames: tuple[str, ...]):
        self.dir = Path(tempfile.mkdtemp(prefix="spelo-ca-"))  # mkdtemp makes it 0700
        self._ca = trustme.CA(organization_name="Spelo harness run CA")
        self._leaf = self._ca.issue_cert(*hostnames)
        # Removed at exit too, should the server's stop() never come (an interrupted run).
        atexit.register(self.remove)
        self.ca_pem = self.dir / "ca.pem"
        _write_private(self.ca_pem, self._ca.cert_pem.bytes())
        self.leaf_pem = self.dir / "leaf.pem"  # the leaf's private key is in here
        _write_private(self.leaf_pem, self._leaf.private_key_and_cert_chain_pem.bytes())

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.leaf_pem))
        return ctx

    def leaf_spki_sha256(self) -> str:
        """base64 SHA-256 of the leaf's public key: what Chromium's
        --ignore-certificate-errors-spki-list takes to trust exactly this certificate."""
        cert = x509.load_pem_x509_certificate(self._leaf.cert_chain_pems[0].bytes())
        spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        atexit.unregister(self.remove)


def _write_private(path: Path, data: bytes) -> None:
    """Create the file 0600 from the start (the folder is 0700 already; this is belt and braces)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
