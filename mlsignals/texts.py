"""What the AMD answer says about each phase, in Spanish (default) or English."""

SPANISH, ENGLISH = "es", "en"

_TEXTS = {
    ("ACCUMULATION", 0): {
        SPANISH: (
            "Smart Money está acumulando posición: el precio se mueve en un rango "
            "estrecho sin dirección.",
            "Esperar la barrida de liquidez del rango; comprar en zonas de soporte "
            "solo con confirmación.",
        ),
        ENGLISH: (
            "Smart Money is building a position: price moves in a tight range "
            "without direction.",
            "Wait for the liquidity sweep of the range; buy at support only with "
            "confirmation.",
        ),
    },
    ("MANIPULATION", 1): {
        SPANISH: (
            "Barrida de liquidez bajo el rango: se tomaron los stops de venta y el "
            "precio volvió al rango.",
            "Buscar compras si el precio se mantiene sobre el mínimo de la barrida.",
        ),
        ENGLISH: (
            "Liquidity sweep below the range: sell stops were taken and price came "
            "back into the range.",
            "Look for longs while price holds above the sweep's low.",
        ),
    },
    ("MANIPULATION", -1): {
        SPANISH: (
            "Barrida de liquidez sobre el rango: se tomaron los stops de compra y "
            "el precio volvió al rango.",
            "Buscar ventas si el precio se mantiene bajo el máximo de la barrida.",
        ),
        ENGLISH: (
            "Liquidity sweep above the range: buy stops were taken and price came "
            "back into the range.",
            "Look for shorts while price holds below the sweep's high.",
        ),
    },
    ("DISTRIBUTION", 1): {
        SPANISH: (
            "Expansión alcista fuera del rango: Smart Money distribuye en la subida.",
            "Mantener largos con stop bajo el rango; no perseguir el precio.",
        ),
        ENGLISH: (
            "Bullish expansion out of the range: Smart Money distributes into the "
            "rise.",
            "Hold longs with a stop below the range; do not chase price.",
        ),
    },
    ("DISTRIBUTION", -1): {
        SPANISH: (
            "Expansión bajista fuera del rango: Smart Money distribuye en la caída.",
            "Mantener cortos con stop sobre el rango; evitar compras.",
        ),
        ENGLISH: (
            "Bearish expansion out of the range: Smart Money distributes into the "
            "fall.",
            "Hold shorts with a stop above the range; avoid buying.",
        ),
    },
}


def language(accept_language):
    """English when the client prefers it over Spanish, Spanish otherwise."""
    best, best_q = SPANISH, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()[:2]
        if tag not in (SPANISH, ENGLISH):
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = tag, q
    return best


def describe(phase, bias, lang):
    """``(description, recommendation)`` for a phase and its direction."""
    key = (phase, 0 if phase == "ACCUMULATION" else (1 if bias >= 0 else -1))
    return _TEXTS[key][lang]
