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
# A rebase group of fewer than 12 rows (missing values counted, as dplyr::n() counts them) has trial
# limits: NHSRplotthedots R/ptd_add_short_group_warnings.R line 30 ``short_group_warning = dplyr::n() <
# warning_threshold``, with the threshold the package documents and warns with: "The default, if the option
# is not set, is 12" (line 18), "Some groups have 'n < 12' observations" (line 37), "groups of fewer than
# 12 points" (R/ptd_create_ggplot.R line 135), "a warning for any groups with less than 12 data points"
# (vignettes/number-of-points-required.Rmd line 73), and the default of 0.1.0 (``warning_threshold =
# getOption("ptd_spc.warning_threshold", 12)``, line 20). Caution: in 0.2.2 (commit 050b07d7) the default
# argument itself reads 13 (line 22, changed in commit 83781d2, 2022), so ptd_spc() there also flags a group
# of exactly 12 rows; we follow the documented 12 (DOMAIN 11c).
MDC_SHORT_GROUP_POINTS = 12

# Fewer useful points than this and a runs analysis cannot signal reliably (Anhoej & Olesen 2014 tabulate
# from 10 useful observations); the result is still computed but labelled.
MIN_USEFUL_FOR_RUNS = 10
# Fewer non-missing points than this in the baseline and an XmR chart has no moving range to estimate
# sigma from: limits are left empty.
MIN_POINTS_FOR_LIMITS = 2
