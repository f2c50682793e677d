# %% [markdown]
# # 01 · Collect works
#
# **Question.** Which research works link Dutch institutions with Chinese institutions, and
# among them with police-linked (Ministry of Public Security) labs?
#
# **Data.** By default, the bundled *synthetic* demo corpus (`data/demo/works.jsonl.gz`):
# invented works and people linking real institutions — evidence of nothing. With
# `mode = "live"` the same steps run on a harvest from the OpenAlex API (needs an
# `OPENALEX_API_KEY`; see the README), described by a query file kept under version control.
# With `mode = "snapshot"` they run on the works taken from a local copy of the OpenAlex
# snapshot (`collabnet snapshot`; DuckDB by default, Spark with `snapshot_engine = "spark"`).
#
# This notebook reads the works, tidies them into tables (works, authorships, institutions,
# authors), labels every institution and raw affiliation string against the watchlist, and
# writes the tables that the next notebooks read.

# %% tags=["parameters"]
mode = "demo"  # "demo": the bundled synthetic corpus; "live": harvest from OpenAlex first;
# "snapshot": take the works from a local copy of the OpenAlex snapshot first
works_paths = []  # works files or harvest folders to read instead of the demo corpus
query_file = None  # live mode: TOML/YAML query file (see README, "Run a real harvest")
harvest_dir = "data/raw/live"  # live mode: where raw API pages are kept (never edited)
snapshot_root = None  # snapshot mode: the snapshot's folder (holding data/)
snapshot_query = {}  # snapshot mode: institutions, rors, countries, with_countries, years
snapshot_engine = "duckdb"  # snapshot mode: "duckdb" or "spark"
snapshot_dir = "data/raw/snapshot"  # snapshot mode: where the matching works are kept
out_dir = "outputs/demo"  # every output of the suite goes here

# %%
import pandas as pd

from collabnet import config, pipeline

# %% [markdown]
# ## Inputs and outputs

# %%
out = config.PROJECT_ROOT / out_dir  # an absolute out_dir stays as it is
if mode == "live":
    from collabnet import openalex

    query = openalex.load_query_file(config.PROJECT_ROOT / query_file)
    raw = config.PROJECT_ROOT / harvest_dir
    openalex.fetch_works(query, raw)  # resumable; a finished harvest makes no request
    inputs = [raw]
elif mode == "snapshot":
    from collabnet import snapshot

    extract = config.PROJECT_ROOT / snapshot_dir
    snapshot.extract(
        snapshot_root,
        extract,
        snapshot.SnapshotQuery.of(**snapshot_query),
        engine=snapshot_engine,
        progress=print,
    )  # run again on a newer snapshot: only its new partitions are read
    inputs = [extract]
elif works_paths:
    inputs = [config.PROJECT_ROOT / p for p in works_paths]
else:
    inputs = [config.DEMO_WORKS]
print("inputs: ", *inputs, sep="\n  ")
print("outputs:", out)

# %% [markdown]
# ## Read, tidy and classify
# Duplicates of a work collapse to one (the copy with the complete author list wins); an
# author whom OpenAlex matched to no institution keeps a row with the raw affiliation text.

# %%
tables = pipeline.build_tables(inputs, out)
manifest = pipeline.read_manifest(out)
pd.Series(manifest["tables"]["counts"], name="count").to_frame()

# %% [markdown]
# Where the works came from (`data_source`) travels with every output.

# %%
print("data_source:", manifest["data_source"])
tables["works"].head()

# %%
tables["authorships"].head()
