"""Credential engine: W3C VC documents signed with EIP-712, anchored in Merkle batches on an
Ethereum chain, verifiable without trusting iWORKZ (docs/credentials.md)."""
