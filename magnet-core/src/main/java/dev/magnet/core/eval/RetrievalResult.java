package dev.magnet.core.eval;

/**
 * Leave-one-out retrieval scores, each a mean over the evaluated queries. Precision@1 and Recall@1
 * coincide under the metric-learning definition of Recall@K; both are kept for the reports' names.
 * The rank-R scores are NaN when they were not requested, and every score is NaN when no query
 * could be evaluated.
 *
 * @param precisionAt1 fraction of queries whose nearest other item has their label
 * @param recallAt1 fraction of queries with a same-label item among the 1 nearest
 * @param recallAt2 ... among the 2 nearest
 * @param recallAt4 ... among the 4 nearest
 * @param recallAt8 ... among the 8 nearest
 * @param rPrecision mean fraction of same-label items among the R nearest
 * @param mapAtR mean of (1/R) Σ_{i≤R} P(i)·rel(i)
 * @param evaluatedQueries queries whose label has at least one other item
 * @param excludedQueries queries whose label has no other item, left out of every mean
 */
public record RetrievalResult(double precisionAt1, double recallAt1, double recallAt2,
    double recallAt4, double recallAt8, double rPrecision, double mapAtR, int evaluatedQueries,
    int excludedQueries) {}
