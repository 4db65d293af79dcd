//! Open Badges 3.0: the `OpenBadgeCredential` of a certificate, secured as a VC-JWT
//! (the JSON Web Token proof format of Open Badges 3.0, §8.2: the JWT payload is the
//! credential, `iss`/`jti`/`nbf`/`exp` beside it) and signed with the academy's Ed25519
//! key (`EdDSA`), whose public key the JOSE header carries and `/credentials/keys`
//! publishes. Revocation is published as a W3C Bitstring Status List credential, signed
//! the same way. Free of I/O and unit-tested.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, OctetKeyPairParameters,
    OctetKeyPairType, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::entity::course_certificate;

/// The Verifiable Credentials 2.0 context.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context.
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Bits in the status list: the specification's minimum (16 KiB), for group privacy.
pub const STATUS_LIST_BITS: usize = 131_072;
/// The media type of a VC-JWT.
pub const VC_JWT: &str = "application/vc+jwt";

/// The academy's signing key and where its documents live.
#[derive(Clone)]
pub struct Issuer {
    key: SigningKey,
    encoding: EncodingKey,
    /// The public address of the API, e.g. `https://api.akademie.example.org`.
    pub public_url: String,
    /// The issuer's name in credentials.
    pub name: String,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("kid", &self.kid())
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// Why a configured key is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl Issuer {
    /// The issuer of a key given as the base64 of its 32-byte Ed25519 seed (what
    /// `openssl rand -base64 32` prints).
    pub fn from_seed(seed: &str, public_url: &str, name: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(seed.trim())
            .map_err(|_| KeyError("not base64".into()))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError("an Ed25519 seed is 32 bytes".into()))?;
        let key = SigningKey::from_bytes(&seed);
        let der = key
            .to_pkcs8_der()
            .map_err(|e| KeyError(format!("cannot encode the key: {e}")))?;
        Ok(Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            key,
            public_url: public_url.trim_end_matches('/').to_owned(),
            name: name.to_owned(),
        })
    }

    /// An issuer with a key made for this process only (development): its credentials
    /// stop verifying when the process ends.
    pub fn ephemeral(public_url: &str, name: &str) -> Self {
        let seed: [u8; 32] = rand::random();
        Self::from_seed(&STANDARD.encode(seed), public_url, name)
            .unwrap_or_else(|_| unreachable!("32 random bytes are a seed"))
    }

    /// The public key, raw.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The key's id: the JWK thumbprint (RFC 7638) of its public key.
    pub fn kid(&self) -> String {
        let x = URL_SAFE_NO_PAD.encode(self.public_key());
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Jwk {
        Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(jsonwebtoken::jwk::KeyAlgorithm::EdDSA),
                key_id: Some(self.kid()),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: URL_SAFE_NO_PAD.encode(self.public_key()),
            }),
        }
    }

    /// The issuer's profile id (also where it is published).
    pub fn profile_id(&self) -> String {
        format!("{}/api/v1/credentials/issuer", self.public_url)
    }

    /// Where the revocation status list is published.
    pub fn status_list_url(&self) -> String {
        format!("{}/api/v1/credentials/status/revocation", self.public_url)
    }

    /// The issuer's Open Badges profile, with its key.
    pub fn profile(&self) -> Value {
        json!({
            "@context": [VC_CONTEXT, OB_CONTEXT],
            "id": self.profile_id(),
            "type": ["Profile"],
            "name": self.name,
            "url": self.public_url,
            "publicKeyJwk": self.jwk(),
        })
    }

    /// A VC-JWT of `payload`: `EdDSA`, with the public key and its id in the header.
    pub fn sign(&self, payload: &Value) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("vc+jwt".into());
        header.kid = Some(self.kid());
        header.jwk = Some(self.jwk());
        jsonwebtoken::encode(&header, payload, &self.encoding)
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The address of a certificate's public verification page (also the credential's id).
pub fn certificate_url(public_url: &str, id: uuid::Uuid) -> String {
    format!(
        "{}/api/v1/certificates/{id}",
        public_url.trim_end_matches('/')
    )
}

/// The credential of a certificate, with the JWT's registered claims beside its members.
pub fn credential(issuer: &Issuer, certificate: &course_certificate::Model) -> Value {
    let id = certificate_url(&issuer.public_url, certificate.id);
    let mut credential = json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer.profile_id(),
            "type": ["Profile"],
            "name": issuer.name,
        },
        "validFrom": timestamp(certificate.issued_at),
        "name": format!("Zertifikat: {}", certificate.course_title),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": false,
                "identityHash": certificate.recipient_name,
            }],
            "achievement": {
                "id": format!("{}/api/v1/courses/{}", issuer.public_url, certificate.course_id),
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": certificate.course_title,
                "description": certificate.course_summary,
                "criteria": {
                    "narrative": "Alle Module des Kurses abgeschlossen, Quizze auf dem Server bewertet und bestanden.",
                },
                "creator": {
                    "id": format!("{}/api/v1/organisations/{}", issuer.public_url, certificate.organisation_id),
                    "type": ["Profile"],
                    "name": certificate.organisation_name,
                },
                "creditsAvailable": certificate.hours,
            },
        },
        "credentialStatus": {
            "id": format!("{}#{}", issuer.status_list_url(), certificate.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": certificate.status_index.to_string(),
            "statusListCredential": issuer.status_list_url(),
        },
        "iss": issuer.profile_id(),
        "jti": id,
        "nbf": certificate.issued_at.timestamp(),
    });
    if let Some(expires) = certificate.expires_at {
        credential["validUntil"] = json!(timestamp(expires));
        credential["exp"] = json!(expires.timestamp());
    }
    credential
}

/// The revocation status list: bit `i` (counted from the most significant bit of the
/// first byte) is set when the certificate at index `i` is revoked; GZIP-compressed and
/// multibase-encoded (base64url, prefix `u`).
pub fn encoded_list(revoked: impl IntoIterator<Item = usize>) -> String {
    let mut bits = vec![0u8; STATUS_LIST_BITS / 8];
    for index in revoked {
        if let Some(byte) = bits.get_mut(index / 8) {
            *byte |= 0x80 >> (index % 8);
        }
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a vector cannot fail.
    let _ = encoder.write_all(&bits);
    let compressed = encoder.finish().unwrap_or_default();
    format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
}

/// The status list credential, with the JWT's registered claims.
pub fn status_list(issuer: &Issuer, encoded: String, now: DateTime<Utc>) -> Value {
    let id = issuer.status_list_url();
    json!({
        "@context": [VC_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.profile_id(),
        "validFrom": timestamp(now),
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
        "iss": issuer.profile_id(),
        "jti": id,
        "nbf": now.timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn issuer() -> Issuer {
        Issuer::from_seed(
            &STANDARD.encode([7u8; 32]),
            "https://api.example.org/",
            "Akademie",
        )
        .unwrap()
    }

    fn certificate() -> course_certificate::Model {
        course_certificate::Model {
            id: uuid::Uuid::now_v7(),
            enrolment_id: uuid::Uuid::now_v7(),
            course_id: uuid::Uuid::now_v7(),
            user_id: uuid::Uuid::now_v7(),
            status_index: 9,
            recipient_name: "Erika Beispiel".into(),
            course_title: "Beteiligung im Quartier".into(),
            course_summary: "Ein Einstieg.".into(),
            hours: 4.5,
            organisation_id: uuid::Uuid::now_v7(),
            organisation_name: "Stiftung Beispiel".into(),
            issued_at: Utc::now(),
            expires_at: None,
            revoked_at: None,
            revoked_by: None,
            revocation_reason: None,
            notified_at: None,
            expiry_reminded_at: None,
        }
    }

    #[test]
    fn a_signed_credential_verifies_with_the_published_key_and_not_when_changed() {
        let issuer = issuer();
        let token = issuer.sign(&credential(&issuer, &certificate())).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(&issuer.jwk()).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
        validation.required_spec_claims = Default::default();
        validation.validate_exp = false;
        let decoded = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
        assert_eq!(
            decoded.claims["credentialSubject"]["identifier"][0]["identityHash"],
            "Erika Beispiel"
        );
        assert_eq!(decoded.header.alg, Algorithm::EdDSA);

        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["credentialSubject"]["achievement"]["creditsAvailable"] = json!(40.0);
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            parts[2]
        );
        assert!(jsonwebtoken::decode::<Value>(&forged, &key, &validation).is_err());
    }

    #[test]
    fn the_status_list_sets_the_bit_of_each_revoked_index_from_the_left() {
        let encoded = encoded_list([0, 9, STATUS_LIST_BITS + 5]);
        let compressed = URL_SAFE_NO_PAD
            .decode(encoded.trim_start_matches('u'))
            .unwrap();
        let mut bits = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut bits)
            .unwrap();
        assert_eq!(bits.len(), STATUS_LIST_BITS / 8);
        assert_eq!(bits[0], 0b1000_0000);
        assert_eq!(bits[1], 0b0100_0000);
        assert!(bits[2..].iter().all(|b| *b == 0));
    }

    #[test]
    fn a_seed_must_be_32_bytes_of_base64() {
        assert!(Issuer::from_seed("kein schlüssel", "https://api.example.org", "A").is_err());
        assert!(
            Issuer::from_seed(&STANDARD.encode([1u8; 16]), "https://api.example.org", "A").is_err()
        );
    }
}
