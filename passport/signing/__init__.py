"""Signing: JOSE (VC-JWT) signatures, the registry's Ed25519 keys, did:web and DID documents.

``jose`` signs and verifies compact JWS credentials (with canonical JSON and base64url),
``keys`` holds the key type and the key files, ``did`` the did:web identifiers and documents,
``registry`` the registry's own DIDs and those of its organisations.
"""
