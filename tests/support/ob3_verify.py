"""Verifies an Open Badges 3.0 VC-JWT with an independent implementation (openbadgeslib,
in Python) against the public key the academy publishes.

Usage: python3 ob3_verify.py JWK_X < token
Prints the verified credential's name and recipient as JSON; exits 1 when the
credential does not verify, printing why.
"""

import base64
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from openbadgeslib.ob3 import OB3Verifier


def main() -> int:
    x = sys.argv[1]
    raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    pem = Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = sys.stdin.read().strip()
    try:
        credential = OB3Verifier(pem).verify(token)
    except Exception as error:  # every refusal, whatever its class
        print(f"{type(error).__name__}: {error}")
        return 1
    print(json.dumps({
        "id": credential.id,
        "issuer": credential.issuer.id,
        "achievement": credential.achievement.name,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
