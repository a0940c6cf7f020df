"""Query parameters and response shapes of /api/portfolio (camelCase)."""

from rest_framework import serializers

from portfolio.periods import PERIODS
from portfolio.services.pnl import GROUPS
from trading.serializers import PositionSerializer


def _number(**kwargs):
    return serializers.DecimalField(
        max_digits=40, decimal_places=8, coerce_to_string=False, **kwargs
    )


def _ratio(**kwargs):
    return serializers.DecimalField(
        max_digits=40, decimal_places=8, coerce_to_string=False, **kwargs
    )


class PeriodQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=PERIODS, default="30d", help_text="1d, 7d, 30d, 90d, 1y or all."
    )


class PnlQuerySerializer(PeriodQuerySerializer):
    groupBy = serializers.ChoiceField(choices=GROUPS, default="day")


class HoldingSerializer(serializers.Serializer):
    asset = serializers.CharField()
    quantity = _number()
    free = _number()
    locked = _number()
    price = _number(allow_null=True)
    value = _number(allow_null=True, help_text="In the quote asset.")
    weight = _ratio(help_text="Share of the total equity (0 to 1).")


class PortfolioSerializer(serializers.Serializer):
    quoteAsset = serializers.CharField()
    totalEquity = _number()
    cash = _number()
    invested = _number()
    unrealizedPnl = _number()
    dayChange = _number(help_text="Equity change over 24 h, deposits excluded.")
    dayChangePercent = _ratio()
    holdings = HoldingSerializer(many=True)
    openPositions = PositionSerializer(many=True)
    unpricedAssets = serializers.ListField(child=serializers.CharField())
    updatedAt = serializers.DateTimeField()


class BalanceRowSerializer(serializers.Serializer):
    asset = serializers.CharField()
    free = _number()
    locked = _number()
    total = _number()
    price = _number(allow_null=True)
    usdtValue = _number(allow_null=True)


class BalanceSerializer(serializers.Serializer):
    quoteAsset = serializers.CharField()
    totalValue = _number()
    balances = BalanceRowSerializer(many=True)
    unpricedAssets = serializers.ListField(child=serializers.CharField())
    updatedAt = serializers.DateTimeField()


class TradeSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    pnl = _number()
    closedAt = serializers.DateTimeField()


class CurvePointSerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    equity = _number()
    netFlows = _number()
    cumulativeReturn = _ratio(help_text="Time-weighted, since the first point.")
    benchmarkReturn = _ratio(allow_null=True)


class BenchmarkSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    startPrice = _number()
    endPrice = _number()
    totalReturn = _ratio()
    annualizedReturn = _ratio(allow_null=True)
    maxDrawdown = _ratio()


class PerformanceSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PERIODS)
    startDate = serializers.DateTimeField(allow_null=True)
    endDate = serializers.DateTimeField()
    riskFreeRate = _ratio()
    startEquity = _number()
    endEquity = _number()
    netFlows = _number(help_text="Deposits less withdrawals in the period.")
    profit = _number()
    totalReturn = _ratio(help_text="Time-weighted return.")
    annualizedReturn = _ratio(allow_null=True)
    volatility = _ratio()
    sharpeRatio = _ratio()
    sortinoRatio = _ratio()
    maxDrawdown = _ratio(help_text="Deepest fall from a peak, as a fraction.")
    maxDrawdownPeakAt = serializers.DateTimeField(allow_null=True)
    maxDrawdownTroughAt = serializers.DateTimeField(allow_null=True)
    numberOfTrades = serializers.IntegerField()
    winningTrades = serializers.IntegerField()
    losingTrades = serializers.IntegerField()
    winRate = _ratio()
    profitFactor = _ratio(allow_null=True, help_text="null: wins and no loss.")
    grossProfit = _number()
    grossLoss = _number()
    averageWin = _number()
    averageLoss = _number()
    bestTrade = TradeSerializer(allow_null=True)
    worstTrade = TradeSerializer(allow_null=True)
    equityCurve = CurvePointSerializer(many=True)
    benchmark = BenchmarkSerializer(allow_null=True)


class PnlRowSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="With groupBy=day.")
    symbol = serializers.CharField(required=False, help_text="With groupBy=symbol.")
    realizedPnl = _number()
    unrealizedPnl = _number(required=False, help_text="With groupBy=symbol.")
    totalPnl = _number(required=False, help_text="With groupBy=symbol.")
    fees = _number()
    volume = _number()
    trades = serializers.IntegerField(help_text="Fills.")


class PnlSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=PERIODS)
    groupBy = serializers.ChoiceField(choices=GROUPS)
    startDate = serializers.DateTimeField(allow_null=True)
    endDate = serializers.DateTimeField()
    realizedPnl = _number(help_text="Fees included.")
    unrealizedPnl = _number()
    totalPnl = _number()
    fees = _number()
    breakdown = PnlRowSerializer(many=True)


class WeightSerializer(serializers.Serializer):
    asset = serializers.CharField()
    value = _number(allow_null=True)
    weight = _ratio()


class SymbolWeightSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    quantity = _number()
    value = _number(allow_null=True)
    weight = _ratio()


class CashSplitSerializer(serializers.Serializer):
    cash = _number()
    invested = _number()
    cashWeight = _ratio()
    investedWeight = _ratio()


class AllocationSerializer(serializers.Serializer):
    quoteAsset = serializers.CharField()
    totalEquity = _number()
    byAsset = WeightSerializer(many=True)
    bySymbol = SymbolWeightSerializer(many=True)
    cashVsInvested = CashSplitSerializer()
    unpricedAssets = serializers.ListField(child=serializers.CharField())
