# %% [markdown]
# # 05 · How close is each Dutch institution to the police-linked labs?
#
# **Question.** How many co-authorship hops separate each Dutch institution from each
# police-linked (PRC Ministry of Public Security) institution — and through which papers?
#
# **Method.** Shortest paths in the institution network, where a tie backed by many joint works
# is shorter (`distance = 1 / weight`). Every hop lists the works behind it (id, DOI, year,
# title), so each step can be checked at the source. A path is a lead, not a finding: one hop
# means at least one joint paper; read the works.

# %% tags=["parameters"]
out_dir = "outputs/demo"
source_category = "nl"
target_category = "cn_police"
k = 1  # shortest paths per pair

# %%
from collabnet import config, figures, network, pipeline

# %% [markdown]
# ## Inputs and outputs

# %%
out = config.PROJECT_ROOT / out_dir
tables = pipeline.load_tables(out)
G = pipeline.load_graph(out, "institutions", tables=tables)

# %% [markdown]
# ## Paths from every Dutch institution to every police-linked one

# %%
paths = pipeline.how_close(
    G, tables["works"], source_category=source_category, target_category=target_category, k=k
)
summary = pipeline.how_close_table(paths)
pipeline.write_table(summary, out, "how_close.csv")
pipeline.write_json(paths, out, "how_close.json")
summary.sort_values(["hops", "source_label"]).head(20)

# %% [markdown]
# ## The evidence behind one path, hop by hop

# %%
if paths:
    shortest = min(paths, key=lambda p: (p["length"], p["labels"]))
    print(" → ".join(shortest["labels"]))
    for hop in shortest["hops"]:
        a, b = G.nodes[hop["source"]]["label"], G.nodes[hop["target"]]["label"]
        print(f"\n{a} – {b}: {len(hop['works'])} work(s)")
        for w in hop["works"][:5]:
            print(f"  {w['publication_year']}  {w['doi']}  {w['title']}")

# %% [markdown]
# ## When did the ties form?
# Works per year that join at least one Dutch and one police-linked institution (direct
# co-authorship, not paths).

# %%
counts = network.category_pair_counts(tables["authorships"], tables["works"])
pair = "–".join(sorted([source_category, target_category]))
direct = counts[counts["category_pair"] == pair]
pipeline.write_table(direct, out, "joint_works_per_year.csv")
synthetic = pipeline.read_manifest(out).get("data_source") == "synthetic-demo"
(out / "figures").mkdir(exist_ok=True)
fig = figures.collaborations_per_year(
    direct,
    caption=pipeline.SYNTHETIC_NOTE if synthetic else None,
    title=f"Works joining a {source_category} and a {target_category} institution, per year",
)
figures.save_figure(fig, out / "figures" / "joint_works_per_year")
direct.pivot_table(index="year", values="n_works", aggfunc="sum").T

# %% [markdown]
# ## How the network changed: three-year windows
# Size and shape of the institution network in each window, the ties that join a Dutch and a
# police-linked institution directly (`cross_edges`) and the works that do (`joint_works`).

# %%
slices = pipeline.institution_time_slices(
    tables, window=3, source_category=source_category, target_category=target_category
)
pipeline.write_table(slices, out, "time_slices_institutions.csv")
slices

# %% [markdown]
# ## Around the closest Dutch institution
# Its direct collaborators (ego network, radius 1) that are police-linked, with the works.

# %%
closest = shortest["nodes"][0] if paths else None
if closest is not None:
    neighbours = pipeline.neighbours_table(G, closest, category=target_category)
    pipeline.write_table(neighbours, out, "closest_dutch_police_neighbours.csv")
    print(G.nodes[closest]["label"])
neighbours if closest is not None else None
