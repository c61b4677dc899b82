"""Every threshold of the chart rules in one place, each with where it comes from (DOMAIN.md §11)."""

# XmR (I) chart, qicharts2 qic.i: sigma = average moving range / d2, d2 = 1.128 for n = 2 (Montgomery 6.33).
D2_FOR_MOVING_RANGE = 1.128
# Nelson (1982): a moving range at or above 3.267 x its mean is screened out before the limits are set.
MOVING_RANGE_SCREEN = 3.267
# Making Data Count / NHSRplotthedots ptd_spc_standard: limits are mean +/- 2.66 x AMR (2.66, not 3/1.128).
MDC_LIMIT_CONSTANT = 2.66
SIGMA_LIMIT = 3.0  # control limits (3-sigma)
SIGMA_NEAR = 2.0  # "95%" limits; Making Data Count's "close to limits" band starts here

# Anhoej runs analysis (qicharts2 runs.analysis): longest run limit round(log2(n)) + 3 (Schilling 2012);
# fewest crossings qbinom(0.05, n - 1, 0.5) (Chen 2010).
LONGEST_RUN_OFFSET = 3
CROSSINGS_QUANTILE = 0.05

# Making Data Count rules (NHSRplotthedots ptd_calculate_point_type).
MDC_SHIFT_POINTS = 7  # points in a row on one side of the mean
MDC_TREND_POINTS = 7  # points in a row all increasing or all decreasing
MDC_TWO_IN_THREE_WINDOW = 3
# NHSRplotthedots 0.2.2 warns that a rebase group shorter than this has trial limits (DOMAIN 11c).
MDC_SHORT_GROUP_POINTS = 13

# Fewer useful points than this and a runs analysis cannot signal reliably (Anhoej & Olesen 2014 tabulate
# from 10 useful observations); the result is still computed but labelled.
MIN_USEFUL_FOR_RUNS = 10
# Fewer non-missing points than this in the baseline and an XmR chart has no moving range to estimate
# sigma from: limits are left empty.
MIN_POINTS_FOR_LIMITS = 2
