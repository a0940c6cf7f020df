from rest_framework import serializers


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
