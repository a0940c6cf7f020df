import copy
import weakref

from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


class FlatSerializer(serializers.Serializer):
    """A serializer of plain fields that copies them cheaply per instance.

    DRF deep-copies the declared fields for every serializer it creates, which
    runs each field's ``__init__`` again (validators, messages): on a hot input
    such as an order that is a tenth of the request. Plain fields keep no state
    but what binding sets on the copy, so a shallow copy of each serves; a field
    that holds another (a nested serializer, a list's child) would be shared by
    every instance, so such classes are refused when first used. The fields
    know their serializer through a weak proxy (see ``fields``).
    """

    def get_fields(self):
        declared = self._declared_fields
        if not type(self).__dict__.get("_checked_flat"):
            nested = [
                name
                for name, field in declared.items()
                if isinstance(field, serializers.BaseSerializer)
                or hasattr(field, "child")
                or hasattr(field, "child_relation")
            ]
            if nested:
                raise TypeError(
                    f"{type(self).__name__} has nested fields {nested}: "
                    "use serializers.Serializer"
                )
            type(self)._checked_flat = True
        return {name: copy.copy(field) for name, field in declared.items()}

    @cached_property
    def fields(self):
        # Bound to a weak proxy of the serializer: fields that held it would
        # make a cycle per request, freed only by the garbage collector's
        # pauses. Only the serializer keeps its fields.
        fields = BindingDict(weakref.proxy(self))
        for key, value in self.get_fields().items():
            fields[key] = value
        return fields


class HealthServicesSerializer(serializers.Serializer):
    database = serializers.CharField()
    redis = serializers.CharField()
    mlEngine = serializers.CharField()
    llmAgent = serializers.CharField()
    tradingAgents = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["healthy", "degraded", "unhealthy"])
    timestamp = serializers.DateTimeField()
    services = HealthServicesSerializer()
    uptime = serializers.IntegerField(help_text="Seconds since this process started.")


class PingSerializer(serializers.Serializer):
    pong = serializers.BooleanField()
    timestamp = serializers.DateTimeField()
