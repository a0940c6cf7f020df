"""The symbol's filters an order must meet, as Binance's PRICE_FILTER, LOT_SIZE
and NOTIONAL: each violation names the field and the reason."""

from core.errors import VALIDATION_ERROR, APIError
from trading import errors


def _on_grid(value, unit):
    return (value / unit) == (value / unit).to_integral_value()


def filter_errors(spec, quantity, price=None, field_price="price"):
    """``[(field, reason, message)]`` of every filter ``quantity`` at ``price``
    breaks (``price`` None: only the quantity filters)."""
    found = []
    if quantity < spec.min_qty:
        found.append(
            ("quantity", errors.MIN_QTY, f"Below the minimum quantity {spec.min_qty}.")
        )
    elif quantity > spec.max_qty:
        found.append(
            ("quantity", errors.MAX_QTY, f"Above the maximum quantity {spec.max_qty}.")
        )
    if not _on_grid(quantity, spec.step_size):
        found.append(
            (
                "quantity",
                errors.STEP_SIZE,
                f"Not a multiple of the step size {spec.step_size.normalize()}.",
            )
        )
    if price is not None:
        if price < spec.min_price:
            found.append(
                (field_price, errors.MIN_PRICE, f"Below the minimum {spec.min_price}.")
            )
        elif price > spec.max_price:
            found.append(
                (field_price, errors.MAX_PRICE, f"Above the maximum {spec.max_price}.")
            )
        if not _on_grid(price, spec.tick_size):
            found.append(
                (
                    field_price,
                    errors.TICK_SIZE,
                    f"Not a multiple of the tick size {spec.tick_size.normalize()}.",
                )
            )
        if not found and quantity * price < spec.min_notional:
            found.append(
                (
                    "quantity",
                    errors.MIN_NOTIONAL,
                    f"The order's value {quantity * price} is below the minimum "
                    f"notional {spec.min_notional.normalize()}.",
                )
            )
    return found


def refuse(found):
    """A 422 naming every field of ``found`` with its reasons."""
    details = {}
    for field, reason, message in found:
        details.setdefault(field, []).append({"code": reason, "message": message})
    fields = ", ".join(details)
    raise APIError(
        f"Invalid value for: {fields}.",
        code=VALIDATION_ERROR,
        status_code=422,
        details=details,
    )


def refuse_one(field, reason, message):
    refuse([(field, reason, message)])
