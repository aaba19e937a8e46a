"""A worker's personal data (contact details, birth date, residence card, documents),
stored only encrypted (see `domain.crypto.field_encryption`)."""
