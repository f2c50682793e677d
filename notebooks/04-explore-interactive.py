# %% [markdown]
# # 04 · Explore the network interactively
#
# **Question.** What does the collaboration network look like, and what is behind each tie?
#
# Writes one self-contained explorer page per network: it makes no network request when
# opened, and shows every title and name from the data as text. Search by name, id or ROR;
# click a category in the legend to hide it; click a dot or a line to read the works behind
# it (with DOI and OpenAlex links); narrow the years; on the institution map, switch on the
# paths from each Dutch institution to the nearest police-linked one; export the view as
# PNG. Up to `max_nodes` nodes are drawn (the most central above that, and the page says
# so); search still finds every node. Static figures (PNG, SVG) are written beside them.

# %% tags=["parameters"]
out_dir = "outputs/demo"
max_nodes = 20_000
seed = 0

# %%
from collabnet import config, explorer, pipeline

# %% [markdown]
# ## Inputs and outputs

# %%
out = config.PROJECT_ROOT / out_dir
tables = pipeline.load_tables(out)
# the networks with the measures notebook 03 ranked them by (centrality_<level>.csv)
graphs = {level: pipeline.load_network(out, level, tables=tables) for level in pipeline.LEVELS}
centrality = {level: pipeline.load_centrality(out, level) for level in ("institutions", "authors")}

# %%
written = pipeline.render_views(
    graphs, tables, out, centrality=centrality, max_nodes=max_nodes, seed=seed
)
for path in written:
    print(path.relative_to(out))

# %% [markdown]
# Open `network_institutions.html` in a browser, or explore it here: the page runs in a
# sandboxed frame, with no access to this notebook.

# %%
explorer.inline(out / "network_institutions.html")
