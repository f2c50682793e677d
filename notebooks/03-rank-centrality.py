# %% [markdown]
# # 03 · Rank by centrality, find communities and brokers
#
# **Question.** Which institutions and people are central, which groups form, and who sits
# between the Dutch and the police-linked parts of the network?
#
# **Method.** Degree and strength count ties; betweenness, closeness and shortest paths treat a
# strong tie as a *short* distance (`distance = 1 / weight`); eigenvector and PageRank use the
# weights as strengths. Large graphs use a fast engine (igraph) and, above a size threshold,
# sampled estimates — the table's attributes say which. See the README's methodology.

# %% tags=["parameters"]
out_dir = "outputs/demo"
seed = 0
source_category = "nl"
target_category = "cn_police"

# %%
import pandas as pd

from collabnet import config, metrics, pipeline

# %% [markdown]
# ## Inputs and outputs

# %%
out = config.PROJECT_ROOT / out_dir
tables = pipeline.load_tables(out)
# the networks as arrays (nodes table, ties with their works): ranked and written as they are
graphs = {level: pipeline.load_network(out, level, tables=tables) for level in pipeline.LEVELS}

# %% [markdown]
# ## Centrality
# Written to `centrality_institutions.csv` and `centrality_authors.csv`.

# %%
centrality = pipeline.rank_graphs(graphs, out, seed=seed)
# rewrite the graph files so that Gephi and friends see the measures too
pipeline.write_graphs(graphs, out, options=pipeline.read_manifest(out)["graphs"]["options"])
print(centrality["institutions"].attrs)
centrality["institutions"].head(15)

# %%
centrality["authors"].head(15)

# %% [markdown]
# ## Communities (seeded, with modularity)
# On the institution graph as networkx holds it, with the measures just computed.

# %%
institutions = graphs["institutions"].to_networkx()
membership, summary = metrics.communities(institutions, seed=seed)
pipeline.write_table(membership, out, "communities_institutions.csv")
print("modularity:", round(summary["modularity"], 3))
pd.DataFrame(summary.get("communities", [])).head(10)

# %% [markdown]
# ## Brokers between the Dutch and the police-linked institutions
# Betweenness counted only on shortest paths that start at a Dutch institution and end at a
# police-linked one, and the institutions whose removal would cut those paths.

# %%
broker_table = metrics.brokers(
    institutions, source_category=source_category, target_category=target_category
)
pipeline.write_table(broker_table, out, "brokers_institutions.csv")
broker_table.head(10)

# %% [markdown]
# People with works at both kinds of institution, with the works:

# %%
bridging = metrics.authors_bridging(tables["authorships"], (source_category, target_category))
pipeline.write_table(bridging, out, "authors_bridging.csv")
bridging.head(10)
