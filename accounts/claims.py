"""Claims this API adds to simplejwt's tokens (kept import-free: the
authentication class is loaded while DRF reads its settings)."""

# The id of the AuthSession a token belongs to.
SESSION_CLAIM = "sid"
