# %% [markdown]
# # 04 · Explore the network interactively
#
# **Question.** What does the collaboration network look like, and what is behind each tie?
#
# Writes one self-contained HTML file per network: it makes no network request when opened,
# and shows every title and name from the data as text. Nodes are coloured by watchlist
# category and sized by PageRank; hover a node or a tie to see its works. The author view
# shows the most central authors only, and says so on the page. Static figures (PNG, SVG) are
# written beside them for print.

# %% tags=["parameters"]
out_dir = "outputs/demo"
max_author_nodes = 300
seed = 0

# %%
from collabnet import config, pipeline

# %% [markdown]
# ## Inputs and outputs

# %%
out = config.PROJECT_ROOT / out_dir
tables = pipeline.load_tables(out)
# the graphs with the measures notebook 03 ranked them by (centrality_<level>.csv)
graphs = {level: pipeline.load_graph(out, level, tables=tables) for level in pipeline.LEVELS}
centrality = {level: pipeline.load_centrality(out, level) for level in ("institutions", "authors")}

# %%
written = pipeline.render_views(
    graphs, tables, out, centrality=centrality, max_author_nodes=max_author_nodes, seed=seed
)
for path in written:
    print(path.relative_to(out))

# %% [markdown]
# Open `network_institutions.html` in a browser. In Jupyter it can also be shown inline:
# `from IPython.display import IFrame; IFrame(out / "network_institutions.html", 900, 700)`.
