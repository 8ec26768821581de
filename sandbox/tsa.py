"""A local RFC 3161 time-stamping authority: OpenSSL's ``openssl ts`` behind an HTTP endpoint.

It makes its own root CA and a TSA certificate with the critical ``timeStamping`` extended key
usage RFC 3161 section 2.3 requires, then answers ``application/timestamp-query`` POSTs.
"""

from __future__ import annotations

import asyncio
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from aiohttp import web

QUERY_TYPE: Final = "application/timestamp-query"
REPLY_TYPE: Final = "application/timestamp-reply"

_CONFIG: Final = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ ca_ext ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.59999.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607 - fixed arguments, the system's openssl


#: The three OpenSSL steps: a self-signed root, the TSA's key and request, the signed TSA cert.
_STEPS: Final = (
    "req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650"
    " -subj '/CN=Dunwell Test Root CA' -config ts.cnf -extensions ca_ext",
    "req -new -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr"
    " -subj '/CN=Dunwell Test TSA' -config ts.cnf",
    "x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out tsa.crt -days 3650"
    " -extfile ts.cnf -extensions tsa_ext",
)


def make_authority(directory: Path) -> Path:
    """Create the CA, the TSA key and certificate and the OpenSSL config in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ts.cnf").write_text(_CONFIG.format(dir=directory))
    (directory / "serial").write_text("01\n")
    for step in _STEPS:
        _openssl(*shlex.split(step), cwd=directory)
    return directory


def build_app(directory: Path) -> web.Application:
    """An aiohttp app answering RFC 3161 queries at ``POST /tsa``."""

    async def stamp(request: web.Request) -> web.Response:
        if request.content_type != QUERY_TYPE:
            raise web.HTTPUnsupportedMediaType(reason=f"expected {QUERY_TYPE}")
        query = await request.read()
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "q.tsq").write_bytes(query)
            process = await asyncio.create_subprocess_exec(
                "openssl",
                "ts",
                "-reply",
                "-config",
                str(directory / "ts.cnf"),
                "-queryfile",
                str(Path(tmp) / "q.tsq"),
                "-out",
                str(Path(tmp) / "r.tsr"),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            await process.communicate()
            if process.returncode != 0:
                raise web.HTTPBadRequest(reason="openssl could not answer the query")
            reply = (Path(tmp) / "r.tsr").read_bytes()
        return web.Response(body=reply, content_type=REPLY_TYPE)

    app = web.Application()
    app.router.add_post("/tsa", stamp)
    return app
