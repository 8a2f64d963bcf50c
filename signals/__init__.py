"""What a feed means: contracts, parsing, validation, pseudonymisation, linking, features."""
