"""Triage a fleet of support bundles on Apache Spark with `snaptriage batch`.

The driver lists the bundles with `snaptriage batch --list` (the same discovery, de-duplication and ids as a
plain batch), spreads the list over the cluster, and pipes each partition into
`snaptriage batch --stdin-jsonl` with `RDD.pipe`. Every bundle comes back as the batch's JSON line; the lines
are collected into a DataFrame and counted: findings, error codes, root causes, and the findings broken down
by OS, agent version and VMSnapshot extension version.

    spark-submit examples/spark/triage_fleet.py --snaptriage /opt/snaptriage/bin/snaptriage \\
        --results fleet.jsonl --fleet fleet.json /mnt/bundles

Bundle paths and the snaptriage binary must be readable at the same paths on the driver and every executor
(shared storage such as NFS, a blob-fuse or DBFS mount); see README.md, "Batches on a cluster".
"""

import argparse
import json
import os
import shlex
import subprocess
import sys

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

# The batch line (README.md, "Batches"); an explicit schema keeps empty columns typed.
LINE_SCHEMA = StructType(
    [
        StructField("id", StringType()),
        StructField("path", StringType()),
        StructField("sha256", StringType()),
        StructField("status", StringType()),
        StructField("error", StringType()),
        StructField(
            "findings",
            ArrayType(StructType([StructField("id", StringType()), StructField("severity", StringType())])),
        ),
        StructField("error_codes", ArrayType(StringType())),
        StructField("root_cause", StringType()),
        StructField("os", StringType()),
        StructField("agent_version", StringType()),
        StructField("extension_version", StringType()),
        StructField("elapsed_ms", LongType()),
    ]
)

# Breakdown keys: the summary's name for each and the line's column.
DIMENSIONS = [("os", "os"), ("agent_version", "agent_version"), ("extension_version", "extension_version")]

# The batch summary's rule for a finding that stands out in a group: at least this many times its share in
# the rest of the fleet, in at least this many bundles of the group.
STANDS_OUT_RATIO = 2.0
STANDS_OUT_MIN = 2


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="*", help="bundles, or directories searched for them")
    parser.add_argument("--manifest", help="a file of bundle paths, one per line (as `batch --manifest`)")
    parser.add_argument("--snaptriage", default="snaptriage", help="the binary, at the same path on every node")
    parser.add_argument("--master", help="Spark master when not run by spark-submit, e.g. local[2]")
    parser.add_argument("--partitions", type=int, help="tasks to split the bundles into (default: 2 per core)")
    parser.add_argument("--jobs-per-task", type=int, default=1, help="bundles one task analyses at once")
    parser.add_argument("--timeout", type=int, help="seconds one bundle may take (`batch --timeout`)")
    parser.add_argument("--out-dir", help="shared folder for each bundle's full report (`batch --out-dir`)")
    parser.add_argument("--results", help="write the collected lines here, as JSON lines in input order")
    parser.add_argument("--fleet", help="write the fleet counts here, as JSON (the batch summary's keys)")
    return parser.parse_args(argv)


def list_inputs(args):
    """The bundles as `--stdin-jsonl` lines, found by snaptriage itself on the driver."""
    if not args.inputs and not args.manifest:
        sys.exit("triage_fleet: give bundles, directories or --manifest")
    command = [args.snaptriage, "batch", "--list", "--progress", "never"]
    if args.manifest:
        command += ["--manifest", args.manifest]
    command += [os.path.abspath(p) for p in args.inputs]
    listed = subprocess.run(command, capture_output=True, text=True)
    if listed.returncode != 0:
        sys.exit(f"triage_fleet: {shlex.join(command)} failed: {listed.stderr.strip()}")
    sys.stderr.write(listed.stderr)
    return [line for line in listed.stdout.splitlines() if line.strip()]


def batch_command(args):
    """What each task runs, reading its share of the list on standard input."""
    command = [args.snaptriage, "batch", "--stdin-jsonl", "--jobs", str(args.jobs_per_task)]
    command += ["--progress", "never", "--quiet"]
    if args.timeout:
        command += ["--timeout", str(args.timeout)]
    if args.out_dir:
        # A retried or speculative task finds the reports its first attempt stored and prints the same lines.
        command += ["--out-dir", args.out_dir, "--skip-existing"]
    return shlex.join(command)


def triage(spark, args):
    """Runs the fleet: the DataFrame of batch lines, in input order."""
    entries = list_inputs(args)
    sc = spark.sparkContext
    partitions = args.partitions or max(1, min(len(entries), 2 * sc.defaultParallelism))
    # pipe keeps each partition's order and parallelize keeps the list's, so lines come back in input order.
    # Persisted: sorting samples the lines before it reads them, and each bundle is to be analysed once.
    lines = sc.parallelize(entries, partitions).pipe(
        batch_command(args), env={"NO_COLOR": "1"}, checkCode=True
    ).persist(StorageLevel.MEMORY_AND_DISK)
    rows = lines.mapPartitionsWithIndex(numbered)
    schema = StructType(LINE_SCHEMA.fields + [StructField("partition", LongType()), StructField("seq", LongType())])
    frame = spark.createDataFrame(rows, schema).orderBy("partition", "seq").cache()
    if frame.count() != len(entries):
        sys.exit(f"triage_fleet: {len(entries)} bundles listed but {frame.count()} lines came back")
    return frame


def numbered(partition, lines):
    """Each line as a row, with its place (partition, then position in it) to keep input order by."""
    for seq, line in enumerate(lines):
        yield dict(json.loads(line), partition=partition, seq=seq)


def count_column(frame, column, name):
    """Bundles per value of an array column (each finding or code is listed once per line)."""
    exploded = frame.select(F.explode(column).alias(name))
    return exploded.groupBy(name).agg(F.count("*").alias("bundles"))


def fleet(frame):
    """The fleet counts as DataFrames: per finding, per error code, per root cause, and per breakdown key."""
    counts = {
        "findings": count_column(frame, "findings.id", "finding"),
        "error_codes": count_column(frame, "error_codes", "error_code"),
        "root_causes": frame.where(F.col("root_cause").isNotNull()).groupBy("root_cause").count(),
    }
    ok = frame.where(F.col("status") == "ok")
    fleet_size = ok.count()
    totals = count_column(frame, "findings.id", "finding").withColumnRenamed("bundles", "fleet_bundles")
    for name, column in DIMENSIONS:
        value = F.coalesce(F.col(column), F.lit("unknown")).alias("value")
        groups = ok.select(value).groupBy("value").agg(F.count("*").alias("group_bundles"))
        found = (
            frame.select(value, F.explode("findings.id").alias("finding"))
            .groupBy("value", "finding")
            .agg(F.count("*").alias("bundles"))
        )
        rest = F.lit(fleet_size) - F.col("group_bundles")
        outside_share = (F.col("fleet_bundles") - F.col("bundles")) / rest
        counts[f"by_{name}"] = (
            found.join(groups, "value", "left")
            .join(totals, "finding")
            .withColumn("share", F.round(F.col("bundles") / F.col("group_bundles"), 3))
            .withColumn(
                "stands_out",
                (F.col("bundles") >= STANDS_OUT_MIN)
                & (rest > 0)
                & (F.col("bundles") / F.col("group_bundles") >= F.lit(STANDS_OUT_RATIO) * outside_share),
            )
            .select("value", "group_bundles", "finding", "bundles", "share", "stands_out")
        )
        counts[f"bundles_by_{name}"] = groups
    return counts


def fleet_json(frame, counts):
    """The counts under the batch summary's keys, so they compare one to one with `batch --summary`."""
    statuses = {row["status"]: row["count"] for row in frame.groupBy("status").count().collect()}
    out = {
        "lines": frame.count(),
        "analysed": statuses.get("ok", 0),
        "failed": statuses.get("error", 0),
        "findings": {r["finding"]: r["bundles"] for r in counts["findings"].collect()},
        "error_codes": {r["error_code"]: r["bundles"] for r in counts["error_codes"].collect()},
        "root_causes": {r["root_cause"]: r["count"] for r in counts["root_causes"].collect()},
    }
    for name, _ in DIMENSIONS:
        breakdown = {}
        for r in counts[f"by_{name}"].collect():
            breakdown.setdefault(r["value"], {})[r["finding"]] = r["bundles"]
        out[f"findings_by_{name}"] = breakdown
        out[f"bundles_by_{name}"] = {r["value"]: r["group_bundles"] for r in counts[f"bundles_by_{name}"].collect()}
        out[f"standing_out_by_{name}"] = sorted(
            f"{r['value']}: {r['finding']}" for r in counts[f"by_{name}"].where("stands_out").collect()
        )
    return out


def main(argv):
    args = parse_args(argv)
    builder = SparkSession.builder.appName("snaptriage-fleet").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    if not spark.sparkContext.getConf().contains("spark.sql.shuffle.partitions"):
        # One row per bundle is little data: Spark's 200 shuffle partitions would only add tasks.
        spark.conf.set("spark.sql.shuffle.partitions", str(2 * spark.sparkContext.defaultParallelism))
    try:
        frame = triage(spark, args)
        counts = fleet(frame)
        frame.select("id", "status", "root_cause", "error_codes").show(20, truncate=60)
        counts["findings"].orderBy(F.desc("bundles"), "finding").show(50, truncate=False)
        counts["error_codes"].orderBy(F.desc("bundles"), "error_code").show(50, truncate=False)
        for name, _ in DIMENSIONS:
            by = counts[f"by_{name}"].orderBy(F.desc("group_bundles"), "value", F.desc("bundles"), "finding")
            by.show(50, truncate=False)
        if args.results:
            with open(args.results, "w", encoding="utf-8") as out:
                for row in frame.drop("partition", "seq").toLocalIterator():
                    out.write(json.dumps(row.asDict(recursive=True), separators=(",", ":")) + "\n")
        if args.fleet:
            with open(args.fleet, "w", encoding="utf-8") as out:
                json.dump(fleet_json(frame, counts), out, indent=2, sort_keys=True)
                out.write("\n")
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
