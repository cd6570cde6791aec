"""Connected components of the similarity graph with DataFrame operations: large-star and
small-star (Kiveris et al., "Connected Components in MapReduce and Beyond", 2014).

Each round makes every node point at the smallest node it can see, until the edges form one
star per component around its smallest node (checked before each round). A round is a few
joins and aggregations; the number of rounds grows with the logarithm of the components' size.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

# A round that changes nothing ends the loop; this bounds it if something is wrong.
MAX_ROUNDS = 100


def connected_components(edges: DataFrame) -> DataFrame:
    """(node, component) for every node of ``edges`` (src, dst): the component's smallest node."""
    current = _oriented(edges).localCheckpoint()
    for _ in range(MAX_ROUNDS):
        if _is_star_forest(current):
            break
        current = _small_star(_large_star(current)).localCheckpoint()
    else:
        raise RuntimeError("connected components did not converge")
    stars = current.select(F.col("src").alias("node"), F.col("dst").alias("component"))
    centres = current.select(F.col("dst").alias("node"), F.col("dst").alias("component"))
    return stars.union(centres).distinct()


def _is_star_forest(edges: DataFrame) -> bool:
    """Whether every edge points at a centre (a node with no edge to a smaller one).

    Both star operations keep the components, and edges point to smaller nodes: once each
    leads to a centre, each star is a component around its smallest node. Pairs, the most
    common components, are stars from the start.
    """
    centres_not = edges.select(F.col("src").alias("dst")).distinct()
    return edges.join(centres_not, "dst", "left_semi").isEmpty()


def _oriented(edges: DataFrame) -> DataFrame:
    """Each edge once, from its larger node to its smaller one."""
    return (
        edges.select(F.greatest("src", "dst").alias("src"), F.least("src", "dst").alias("dst"))
        .where(F.col("src") != F.col("dst"))
        .distinct()
    )


def _large_star(edges: DataFrame) -> DataFrame:
    """Each node's larger neighbours are linked to the smallest node of its neighbourhood."""
    both = edges.select(F.col("src").alias("u"), F.col("dst").alias("v")).union(
        edges.select(F.col("dst").alias("u"), F.col("src").alias("v"))
    )
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (
        both.join(smallest, "u")
        .where(F.col("v") > F.col("u"))
        .select(F.col("v").alias("src"), F.col("m").alias("dst"))
        .distinct()
    )


def _small_star(edges: DataFrame) -> DataFrame:
    """Each node and its smaller neighbours are linked to the smallest of them."""
    smallest = edges.groupBy("src").agg(F.min("dst").alias("m"))
    spokes = (
        edges.join(smallest, "src")
        .where(F.col("dst") != F.col("m"))
        .select(F.col("dst").alias("src"), F.col("m").alias("dst"))
    )
    centres = smallest.select("src", F.col("m").alias("dst"))
    return spokes.union(centres).distinct()
