"""A DPoP key holder for the benchmarks (RFC 9449 §4.2): an ES256 key and
proofs by it, with the server's nonce once it has given one. Uses the
`cryptography` package from the tools venv (scripts/python-tools)."""

import base64
import hashlib
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Holder:
    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.jwk = {"kty": "EC", "crv": "P-256",
                    "x": b64(numbers.x.to_bytes(32, "big")),
                    "y": b64(numbers.y.to_bytes(32, "big"))}
        self.nonce = None

    def proof(self, method, url, access_token=None):
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk}
        claims = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url,
                  "iat": int(time.time())}
        if self.nonce:
            claims["nonce"] = self.nonce
        if access_token:
            claims["ath"] = b64(hashlib.sha256(access_token.encode()).digest())
        message = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        r, s = decode_dss_signature(self.key.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{message}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def keep_nonce(self, response):
        """Keeps the nonce an answer offers (RFC 9449 §8)."""
        self.nonce = response.getheader("dpop-nonce") or self.nonce
