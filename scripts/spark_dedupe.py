"""spark-submit's entry point for ``ingest dedupe --engine spark`` (spark-submit takes a
script, not ``-m``):

    spark-submit --master yarn --py-files ingest-0.1.0-py3-none-any.whl \
        scripts/spark_dedupe.py hdfs:///corpus/ -o hdfs:///deduped.jsonl.gz

The master, memory and other settings come from spark-submit; the arguments are those of
``ingest dedupe``.
"""

from ingest.dedupe.spark.__main__ import main

if __name__ == "__main__":
    main()
