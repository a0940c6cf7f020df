"""Serializers of plain fields share nothing between instances but the
fields' fixed settings."""

import gc
import weakref
from decimal import Decimal

import pytest
from rest_framework import serializers

from core.serializers import FlatSerializer


class Quote(FlatSerializer):
    symbol = serializers.CharField(max_length=8)
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )


def test_each_instance_binds_its_own_copies_of_the_fields():
    first, second = Quote(data={}), Quote(data={})

    assert first.fields["price"] is not second.fields["price"]
    # Bound to a weak proxy of their serializer.
    assert first.fields["price"].parent == first
    assert second.fields["price"].parent == second
    assert first.fields["price"].parent != second
    assert Quote._declared_fields["price"].parent is None


def test_a_used_serializer_goes_without_the_garbage_collector():
    gc.disable()
    try:
        quote = Quote(data={"symbol": "BTC", "price": "10.50"})
        assert quote.is_valid()
        gone = weakref.ref(quote)
        del quote
        assert gone() is None
    finally:
        gc.enable()


def test_validation_answers_each_instance_its_own_errors():
    good = Quote(data={"symbol": "BTC", "price": "10.50"})
    bad = Quote(data={"symbol": "TOO-LONG-NAME", "price": "0"})

    assert good.is_valid() and good.validated_data["price"] == Decimal("10.50")
    assert not bad.is_valid()
    assert set(bad.errors) == {"symbol", "price"}
    assert good.is_valid() and not good.errors


def test_a_nested_field_is_refused():
    class Nested(FlatSerializer):
        quote = Quote()

    with pytest.raises(TypeError, match="nested"):
        Nested(data={}).fields  # noqa: B018


def test_a_list_field_is_refused():
    class Listed(FlatSerializer):
        prices = serializers.ListField(child=serializers.IntegerField())

    with pytest.raises(TypeError, match="nested"):
        Listed(data={}).fields  # noqa: B018
